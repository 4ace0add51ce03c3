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
    x[0, 0, 0, 0], x[1, 2, 4, 4] = 0.999, 0.001  # pixels at the edge of the valid range
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
        if torch.allclose(got, x_adv.clamp(-eps / 255, eps / 255).clamp(0, 1), atol=1e-6) or torch.allclose(got, x_adv.clamp(-eps / 255, eps / 255), atol=1e-6):
            return report(False, "projection", "bound the change x_adv - x, not x_adv itself")
        if torch.allclose(got, x + (x_adv - x).clamp(-eps / 255, eps / 255), atol=1e-6):
            return report(False, "projection", "the result must stay a valid image: clamp it to [0, 1] too")
        if (got - x).abs().max() > eps / 255 + 1e-6:
            return report(False, "projection", f"epsilon is in pixel levels: {eps:g} levels are {eps:g}/255 in [0, 1] units")
        return report(False, "projection", close(got, ref)[1])
    return report(True, "projection", "within the budget and a valid image: PGD's projection")


_QUESTION = register(
    Question(
        "11-fooled-gradcam",
        "Before the next section: compare the Grad-CAM map of the *cat* class on the clean image with "
        "the same map (1) on the attacked image and (2) on the image with random noise of the same size "
        "(2 levels) instead of the attack. The Spearman rank correlations (1: same ranking, 0: unrelated) "
        "will be",
        {
            "a": "both near 1: a change of 2 levels is too small to move a Grad-CAM map",
            "b": "low after the attack, near 1 after the noise",
            "c": "low after both: any change of 2 levels scrambles the map",
            "d": "near 1 after the attack, low after the noise",
        },
        answer="b",
        explanation=(
            "the size of the change is the same; its direction is not: the attack moved the activations Grad-CAM reads, random signs mostly cancel out"
        ),
        hints={
            "a": "the attack changed the network's answer, so it moved the activations that Grad-CAM reads: one of the two changes must move the map",
            "c": "random signs of 2 levels mostly cancel out in the network's features (the linearity "
            "argument of section 2): Grad-CAM's coarse 7x7 evidence hardly notices them",
            "d": "the attack is the change aimed at the network's gradient; the noise is not",
        },
    )
)


def check_fooled_gradcam(answer: str | None) -> bool:
    """Predict-then-run, notebook 11: the cat-class Grad-CAM's rank correlation with the
    clean map after the attack and after random noise of the same size will be (a) both near
    1, (b) low after the attack, near 1 after the noise, (c) both low, (d) near 1 after the
    attack, low after the noise."""
    return ask(_QUESTION, answer)


__all__ = ["check_fooled_gradcam", "check_projection"]
