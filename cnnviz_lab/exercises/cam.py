"""Exercises of notebooks 05 (CAM) and 06 (Grad-CAM): class maps from features and gradients."""

from __future__ import annotations

from typing import Callable

import torch

from .common import attempt, close, report


def _random_case(seed: int = 0, channels: int = 8, side: int = 5, classes: int = 4):
    gen = torch.Generator().manual_seed(seed)
    features = torch.randn(channels, side, side, generator=gen).relu()
    weights = torch.randn(classes, channels, generator=gen)
    gradient = torch.randn(channels, side, side, generator=gen)
    return features, weights, gradient


def check_class_map(fn: Callable[[torch.Tensor, torch.Tensor, int], torch.Tensor]) -> bool:
    """``fn(features, weights, c)``: ``features`` ``(C,h,w)``, the linear head's ``weights``
    ``(classes,C)``; must return the CAM ``M_c = sum_k weights[c,k] * features[k]`` ``(h,w)``
    (Zhou et al. 2016), whose spatial mean is the class score without its bias."""
    features, weights, _ = _random_case()
    for c in (0, 3):
        ok, got = attempt(fn, features, weights, c, name="class_map")
        if not ok:
            return report(False, "class_map", got)
        ref = torch.einsum("k,khw->hw", weights[c], features)
        same, why = close(got, ref, rtol=1e-4, atol=1e-5)
        if not same:
            hint = " (weight each feature map by the class's row of the linear weights, then sum)"
            return report(False, "class_map", f"class {c}: {why}{hint}")
    score = weights[3] @ features.mean(dim=(1, 2))
    return report(True, "class_map", f"and mean(M_3) = {float(ref.mean()):.3f} = w_3 . GAP(A) = "
                  f"{float(score):.3f}: the map averages to the score")


def _check_map(fn: Callable, name: str, reference: Callable, hint: str) -> bool:
    features, _, gradient = _random_case(1)
    for a, g in ((features, gradient), (features, torch.zeros_like(gradient))):
        ok, got = attempt(fn, a, g, name=name)
        if not ok:
            return report(False, name, got)
        got = torch.as_tensor(got)
        if torch.isnan(got).any():
            return report(False, name, "your map contains NaN (all-zero gradients must give zeros)")
        same, why = close(got, reference(a, g), rtol=1e-4, atol=1e-5)
        if not same:
            return report(False, name, why + hint)
    return report(True, name, "matches the package on random and on all-zero gradients")


def check_gradcam(fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]) -> bool:
    """``fn(activation, gradient)`` (both ``(C,h,w)``) must return the Grad-CAM map
    ``relu(sum_k mean_xy(gradient_k) * activation_k)`` of shape ``(h,w)`` (Selvaraju et al. 2017)."""
    return _check_map(fn, "gradcam",
                      lambda a, g: torch.einsum("k,khw->hw", g.mean(dim=(1, 2)), a).clamp_min(0),
                      " (alpha_k is the spatial MEAN of the gradient; remember the final ReLU)")


def check_layercam(fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]) -> bool:
    """``fn(activation, gradient)`` must return the LayerCAM map
    ``relu(sum_k relu(gradient_k) * activation_k)`` of shape ``(h,w)`` (Jiang et al. 2021)."""
    return _check_map(fn, "layercam", lambda a, g: (g.clamp_min(0) * a).sum(0).clamp_min(0),
                      " (weight each POSITION by the positive part of its gradient, then sum channels)")
