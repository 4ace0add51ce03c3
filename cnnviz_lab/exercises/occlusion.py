"""Exercises of notebook 07 (occlusion sensitivity)."""

from __future__ import annotations

from typing import Callable

import torch

from ..attribution.occlusion import occlusion_grid
from ..classifier import Classifier
from .common import attempt, close, report


def check_occlude(fn: Callable[[torch.Tensor, int, int, int, float], torch.Tensor]) -> bool:
    """``fn(x, top, left, window, value)`` must return a copy of the ``(N,C,H,W)`` batch ``x``
    with the square ``[top:top+window, left:left+window]`` set to ``value`` in every channel,
    clipped at the border, leaving ``x`` itself unchanged."""
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(2, 3, 10, 12, generator=gen)
    keep = x.clone()
    for top, left, window in ((2, 3, 4), (7, 9, 5)):
        ok, got = attempt(fn, x, top, left, window, -1.5, name="occlude")
        if not ok:
            return report(False, "occlude", got)
        if not torch.equal(x, keep):
            return report(False, "occlude", "your function changed x itself: work on x.clone()")
        ref = keep.clone()
        ref[:, :, top:top + window, left:left + window] = -1.5
        same, why = close(got, ref, atol=0)
        if not same:
            return report(False, "occlude", f"top={top}, left={left}, window={window}: {why}")
    return report(True, "occlude", "one occluded copy; occlusion() makes all of them in batches")


def check_occlusion_drop(fn: Callable[[Classifier, torch.Tensor, int, int, int], float],
                         classifier: Classifier, x: torch.Tensor) -> bool:
    """``fn(classifier, x, top, left, window)`` must return how much the top-1 class's
    probability falls when that square of image ``x`` (one image) is set to 0.0 (the
    dataset mean colour): ``p(x) - p(x occluded)``."""
    grid = occlusion_grid(classifier, x[:1], window=16, stride=16, fill=0.0)
    for i, j in ((0, len(grid.xs) - 1), (len(grid.ys) // 2, len(grid.xs) // 2)):
        top, left = grid.ys[i], grid.xs[j]
        ok, got = attempt(fn, classifier, x[:1], top, left, 16, name="occlusion_drop")
        if not ok:
            return report(False, "occlusion_drop", got)
        ref = grid.drop[0, 0, i, j]
        same, why = close(torch.as_tensor(float(got)), ref, rtol=1e-3, atol=1e-5)
        if not same:
            return report(False, "occlusion_drop", f"square at ({top}, {left}): {why} (did you use softmax "
                          "probabilities of the unoccluded image's top-1 class?)")
    return report(True, "occlusion_drop", "this is one cell of the occluder-position heatmap")
