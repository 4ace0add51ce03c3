"""Exercises of notebook 01 (gradient attributions)."""

from __future__ import annotations

from typing import Callable

import torch
from torch import nn

from ..attribution.gradients import saliency
from .common import attempt, close, report


def _small_net() -> nn.Module:
    gen = torch.Generator().manual_seed(0)
    net = nn.Sequential(nn.Conv2d(3, 6, 3, padding=1), nn.ReLU(inplace=True), nn.Conv2d(6, 8, 3, stride=2),
                        nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 10))
    with torch.no_grad():
        for p in net.parameters():
            p.copy_(torch.randn(p.shape, generator=gen) * 0.5)
    return net.eval()


def check_saliency(fn: Callable[[nn.Module, torch.Tensor, int], torch.Tensor],
                   model: nn.Module | None = None, x: torch.Tensor | None = None, target: int = 3) -> bool:
    """``fn(model, x, target)`` must return the vanilla saliency of Simonyan et al. (2013):
    the gradient of the logit ``model(x)[:, target]`` with respect to ``x``, shape of ``x``,
    raw (no abs, no normalisation) and detached. Without ``model`` and ``x`` it is checked on a
    small random network; it must also leave no gradient on the model's parameters."""
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
    if got.shape == ref.shape and torch.allclose(got.abs(), ref.abs(), rtol=1e-4, atol=1e-6) \
            and not torch.allclose(got, ref, rtol=1e-4, atol=1e-6):
        return report(False, "saliency", "keep the sign: the raw gradient, no abs() (plots take |.| later)")
    same, why = close(got, ref)
    if not same:
        return report(False, "saliency", why + " (the logit, not the softmax probability, of class target)")
    if any(p.grad is not None for p in module.parameters()):
        for p in module.parameters():
            p.grad = None
        return report(False, "saliency", "right values, but parameter .grad was filled: use "
                      "torch.autograd.grad(score, x) instead of score.backward()")
    return report(True, "saliency", "d logit / d x, exactly cv.saliency")
