"""Exercises of notebook 11 (adversarial and fooling images)."""

from __future__ import annotations

from typing import Callable

import torch

from .question import Question, ask, register
from .common import attempt, close, report


def _reference(x_adv: torch.Tensor, x: torch.Tensor, epsilon: float) -> torch.Tensor:
    eps = epsilon / 255.0
    return (x + (x_adv - x).clamp(-eps, eps)).clamp(0, 1)


def check_projection(fn: Callable[[torch.Tensor, torch.Tensor, float], torch.Tensor]) -> bool:
    """``fn(x_adv, x, epsilon)``: images in [0, 1] (``(N,3,H,W)``), ``epsilon`` in pixel
    levels (0..255); must return ``x_adv`` projected back: every value within ``epsilon``
    levels of ``x`` (L-inf) and inside [0, 1], as PGD does after each step."""
    gen = torch.Generator().manual_seed(0)
    x = torch.rand(2, 3, 5, 5, generator=gen)
    x[0, 0, 0, 0], x[1, 2, 4, 4] = 0.999, 0.001          # pixels at the edge of the valid range
    x_adv = x + (torch.rand(2, 3, 5, 5, generator=gen) - 0.5) * 0.2
    for eps in (2.0, 8.0):
        ok, got = attempt(fn, x_adv.clone(), x.clone(), eps, name="projection")
        if not ok:
            return report(False, "projection", got)
        if not isinstance(got, torch.Tensor) or got.shape != x.shape:
            return report(False, "projection", f"return a tensor of shape {tuple(x.shape)}")
        ref = _reference(x_adv, x, eps)
        if torch.allclose(got, ref, atol=1e-6):
            continue
        if torch.allclose(got, x_adv.clamp(-eps / 255, eps / 255).clamp(0, 1), atol=1e-6) or \
                torch.allclose(got, x_adv.clamp(-eps / 255, eps / 255), atol=1e-6):
            return report(False, "projection", "bound the change x_adv - x, not x_adv itself")
        if torch.allclose(got, x + (x_adv - x).clamp(-eps / 255, eps / 255), atol=1e-6):
            return report(False, "projection", "the result must stay a valid image: clamp it to [0, 1] too")
        if (got - x).abs().max() > eps / 255 + 1e-6:
            return report(False, "projection", f"epsilon is in pixel levels: {eps:g} levels are {eps:g}/255 "
                          "in [0, 1] units")
        return report(False, "projection", close(got, ref)[1])
    return report(True, "projection", "within the budget and a valid image: PGD's projection")


_QUESTION = register(Question(
    "11-fooled-gradcam",
    "Before the next section: Grad-CAM of the fooled image for its new class, *goldfish*, will",
    {
        "a": "look like the cat's Grad-CAM",
        "b": "be a different map",
        "c": "be uniform",
        "d": "be empty",
    },
    answer="b",
    explanation=("an invisible change moved the evidence: an explanation of a "
                 "fooled prediction can look confident and tell nothing about the image"),
    hints={
        "a": "the image barely changed, but the network's evidence did: the attack moved the activations "
             "that Grad-CAM reads",
        "c": "Grad-CAM is not uniform for a class the network is sure of: some positions carry the evidence",
        "d": "the network is confident in the new class, so some channels respond for it: the map is not empty",
    },
))


def check_fooled_gradcam(answer: str | None) -> bool:
    """Predict-then-run, notebook 11: Grad-CAM of the fooled image for its new class will
    (a) look like the cat's Grad-CAM, (b) be a different map, (c) be uniform, (d) be empty."""
    return ask(_QUESTION, answer)


__all__ = ["check_fooled_gradcam", "check_projection"]
