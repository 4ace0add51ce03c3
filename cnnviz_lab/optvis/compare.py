"""Comparing two renders of one channel: a channel objective averages over all positions, so
two renders may show the same motif shifted and bent. Their plain pixel difference then
overstates how different they are; comparing what a layer sees in each, channel by channel
and wherever it sits, does not."""

from __future__ import annotations

from typing import Sequence

import torch
from torch import nn

from ..models.classifier import Classifier
from ..core.gate import unwrap
from ..core.hooks import activations


def feature_correlation(
    model: nn.Module | Classifier, layer: str, a: torch.Tensor, b: torch.Tensor, exclude: int | Sequence[int] | None = None
) -> torch.Tensor:
    """Per image pair of two ``(N,3,H,W)`` RGB [0, 1] batches (for a :class:`Classifier`;
    model inputs for a bare module): the Pearson correlation, over the channels of
    ``layer``, between the two images' channel means (each channel's activation averaged
    over all positions). Where a motif sits does not matter, only which channels respond
    and how strongly: 1 for two renders the layer sees as the same texture (the per-channel
    means of the Gram-matrix view of texture, Gatys et al. 2015). Returns ``(N,)``.

    ``exclude``: channel indices left out of the correlation, e.g. the channel both renders
    were optimised for: one shared outlier that large makes the correlation high on its own."""
    module, clf = unwrap(model)
    for name, t in (("a", a), ("b", b)):
        if not isinstance(t, torch.Tensor) or t.dim() != 4:
            raise TypeError(f"{name} must be an (N,3,H,W) tensor, got {tuple(t.shape) if isinstance(t, torch.Tensor) else type(t).__name__}")
    if a.shape[0] != b.shape[0]:
        raise ValueError(f"a and b must hold the same number of images, got {a.shape[0]} and {b.shape[0]}")
    prep = clf.from_unit if clf is not None else (lambda t: t)
    fa, fb = (activations(model, prep(t), layer) for t in (a, b))
    if fa.dim() != 4:
        raise ValueError(f"layer: {layer!r} does not give an (N,C,H,W) feature map")
    ma, mb = fa.mean((2, 3)).double(), fb.mean((2, 3)).double()
    if exclude is not None:
        drop = [exclude] if isinstance(exclude, int) else list(exclude) if isinstance(exclude, Sequence) else None
        if drop is None or not all(isinstance(c, int) and not isinstance(c, bool) and 0 <= c < ma.shape[1] for c in drop):
            raise ValueError(f"exclude must be a channel index or a list of them, from 0 to {ma.shape[1] - 1}, got {exclude!r}")
        keep = [c for c in range(ma.shape[1]) if c not in set(drop)]
        if len(keep) < 2:
            raise ValueError(f"exclude leaves fewer than two of the {ma.shape[1]} channels to correlate")
        ma, mb = ma[:, keep], mb[:, keep]
    ma, mb = ma - ma.mean(1, keepdim=True), mb - mb.mean(1, keepdim=True)
    return ((ma * mb).sum(1) / (ma.norm(dim=1) * mb.norm(dim=1)).clamp_min(1e-12)).float().cpu()


__all__ = ["feature_correlation"]
