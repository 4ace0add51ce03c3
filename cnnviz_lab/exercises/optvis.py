"""Exercises of notebooks 02-04 (activation maximisation, inversion, DeepDream)."""

from __future__ import annotations

from typing import Callable

import torch

from ..optvis.objectives import tv
from .common import attempt, close, report


def check_total_variation(fn: Callable[[torch.Tensor], torch.Tensor]) -> bool:
    """``fn(images)`` must return, per image of an ``(N,C,H,W)`` batch, the mean over
    positions of ``dx^2 + dy^2`` with forward differences ``dx = x[..., i, j+1] - x[..., i, j]``
    and ``dy = x[..., i+1, j] - x[..., i, j]`` (last row and column dropped), as
    ``cv.objectives.total_variation`` uses (Mahendran & Vedaldi 2015, beta = 2)."""
    images = torch.rand(2, 3, 6, 7, generator=torch.Generator().manual_seed(0))
    ok, got = attempt(fn, images, name="total_variation")
    if not ok:
        return report(False, "total_variation", got)
    same, why = close(torch.as_tensor(got).flatten(), tv(images))
    hint = "" if same else " (one value per image: mean over channels and positions of dx^2 + dy^2)"
    return report(same, "total_variation", (why + hint) if not same else
                  "a noisy image has a large TV, a smooth one a small TV")


def check_feature_distance(fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]) -> bool:
    """``fn(a, a0)`` must return ``||a - a0||^2 / ||a0||^2`` per image for activations of
    shape ``(N,C,H,W)`` (Mahendran & Vedaldi 2015's normalised reconstruction error)."""
    gen = torch.Generator().manual_seed(1)
    a0 = torch.randn(2, 4, 3, 3, generator=gen)
    a = a0 + 0.3 * torch.randn(2, 4, 3, 3, generator=gen)
    ok, got = attempt(fn, a, a0, name="feature_distance")
    if not ok:
        return report(False, "feature_distance", got)
    ref = (a - a0).flatten(1).pow(2).sum(1) / a0.flatten(1).pow(2).sum(1)
    same, why = close(torch.as_tensor(got).flatten(), ref)
    return report(same, "feature_distance", why if not same else
                  "0 means the network cannot tell the two images apart at this layer")


def check_normalize_gradient(fn: Callable[[torch.Tensor], torch.Tensor]) -> bool:
    """``fn(g)`` must return the gradient with zero mean and unit standard deviation,
    ``(g - g.mean()) / g.std()``, DeepDream's per-step normalisation."""
    g = torch.randn(1, 3, 8, 8, generator=torch.Generator().manual_seed(2)) * 1e-3 + 5e-4
    ok, got = attempt(fn, g, name="normalize_gradient")
    if not ok:
        return report(False, "normalize_gradient", got)
    same, why = close(got, (g - g.mean()) / g.std(), rtol=1e-3, atol=1e-4)
    return report(same, "normalize_gradient", why if not same else
                  "every step now has the same size, however small the raw gradient is")


__all__ = ["check_feature_distance", "check_normalize_gradient", "check_total_variation"]
