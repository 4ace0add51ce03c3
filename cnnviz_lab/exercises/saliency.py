"""Exercises of notebook 01 (gradient attributions)."""

from __future__ import annotations

from typing import Callable

import torch
from torch import nn

from ..attribution.gradients import saliency
from .common import attempt, close, diagnose, report
from .question import Question, register


def _small_net() -> nn.Module:
    gen = torch.Generator().manual_seed(0)
    net = nn.Sequential(
        nn.Conv2d(3, 6, 3, padding=1), nn.ReLU(inplace=True), nn.Conv2d(6, 8, 3, stride=2), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 10)
    )
    with torch.no_grad():
        for p in net.parameters():
            p.copy_(torch.randn(p.shape, generator=gen) * 0.5)
    return net.eval()


def _grad_of(module: nn.Module, x: torch.Tensor, score) -> torch.Tensor:
    xi = x.detach().clone().requires_grad_(True)
    (g,) = torch.autograd.grad(score(module(xi)).sum(), xi)
    return g.detach()


def _classes(module: nn.Module, x: torch.Tensor) -> int:
    with torch.no_grad():
        return int(module(x[:1]).shape[1])


def check_saliency(
    fn: Callable[[nn.Module, torch.Tensor, int], torch.Tensor], model: nn.Module | None = None, x: torch.Tensor | None = None, target: int = 3
) -> bool:
    """``fn(model, x, target)`` must return the vanilla saliency of Simonyan et al. (2013):
    the gradient of the logit ``model(x)[:, target]`` with respect to ``x``, shape of ``x``,
    raw (no abs, no normalisation) and detached. Without ``model`` and ``x`` it is checked on a
    small random network; it must also leave no gradient on the model's parameters. Likely
    mistakes get their own hint: abs(), the probability or log-probability instead of the
    logit, channels reduced, another class, ``backward()`` filling parameter gradients."""
    if model is None or x is None:
        model = _small_net()
        x = torch.randn(2, 3, 12, 12, generator=torch.Generator().manual_seed(1))
    module = getattr(model, "model", model)
    for p in module.parameters():
        p.grad = None
    ok, got = attempt(fn, model, x.clone(), target, name="saliency")
    if not ok:
        return report(False, "saliency", got)
    if not isinstance(got, torch.Tensor):
        return report(False, "saliency", f"return a tensor, got {type(got).__name__}")
    if got.requires_grad:
        return report(False, "saliency", "detach the result (the gradient itself needs no graph)")
    ref = saliency(model, x, target)
    if got.shape == ref.shape and torch.allclose(got.abs(), ref.abs(), rtol=1e-4, atol=1e-6) and not torch.allclose(got, ref, rtol=1e-4, atol=1e-6):
        return report(False, "saliency", "keep the sign: the raw gradient, no abs() (plots take |.| later)")
    same, why = close(got, ref)
    if not same:
        hint = diagnose(
            got,
            [
                (
                    _grad_of(module, x, lambda z: z.softmax(1)[:, target]),
                    "this is the gradient of the softmax probability: take the logit model(x)[:, target] (a probability also rises when other classes fall)",
                ),
                (
                    _grad_of(module, x, lambda z: z.log_softmax(1)[:, target]),
                    "this is the gradient of the log-probability: take the logit model(x)[:, target] itself",
                ),
                (
                    ref.abs().amax(dim=1),
                    "you reduced the colour channels (max |grad|): return the full gradient, same shape as x; the plot takes the max over channels",
                ),
                (ref.sum(dim=1), "you summed the colour channels: return the full gradient, same shape as x"),
                (ref * x, "this is input x gradient: return the gradient alone"),
            ],
            atol=1e-5,
        )
        if not hint and got.shape == ref.shape and _classes(module, x) <= 20:  # small nets: try every class
            for other in range(_classes(module, x)):
                if other != target and torch.allclose(got, saliency(model, x, other), rtol=1e-4, atol=1e-6):
                    hint = f"this is the gradient for class {other}: use the class you were given, target={target}"
                    break
        return report(False, "saliency", hint or why + " (the logit, not the softmax probability, of class target)")
    if any(p.grad is not None for p in module.parameters()):
        for p in module.parameters():
            p.grad = None
        return report(False, "saliency", "right values, but parameter .grad was filled: use torch.autograd.grad(score, x) instead of score.backward()")
    return report(True, "saliency", "d logit / d x, exactly cv.saliency")


register(
    Question(
        "01-guided-class",
        "On the photo of a drum kit with an electric guitar we ask guided backpropagation for two classes: "
        "`electric guitar` (top-1) and `drum`. How will the two guided maps compare?",
        {
            "a": "Each map lights up its own object: the guitar map the guitar, the drum map the drums",
            "b": "The two maps are nearly the same picture of the image's edges",
            "c": "The drum map is almost empty: drum is not the top-1 class",
        },
        "b",
        "Guided backprop drops every negative gradient on the way back, so what reaches the pixels hardly "
        "depends on the class: the two maps correlate at about 0.9 (vanilla gradients: below 0.55). It "
        "reconstructs edges; it does not explain the class.",
        {
            "a": "That is what a class-sensitive method does (vanilla gradients change with the class, Grad-CAM "
            "clearly). Guided backprop's rule throws away the signal that would tell the classes apart.",
            "c": "Any class has a gradient, top-1 or not; the question is whether it differs between classes.",
        },
    )
)
