"""Do two maps put the same pixels on top? The share of one map's top pixels that are also
among the other's top pixels (the top-k intersection of Ghorbani, Abid & Zou,
*Interpretation of Neural Networks is Fragile*, AAAI 2019, who use it to measure how much an
attack moves a saliency map's most important features).

Rank correlation (:func:`cnnviz_lab.evaluate.spearman`) weighs every pixel alike; this asks
only about the few pixels a reader looks at first.
"""

from __future__ import annotations

import torch

from ..core import checks
from .maps import as_tensor


def _maps(value: object, name: str) -> torch.Tensor:
    """``value`` as finite ``(N,H,W)`` or ``(N,C,H,W)`` maps (not copied, never written)."""
    m = as_tensor(value, name).detach()
    if m.dim() not in (3, 4):
        raise ValueError(f"{name} must be (N,H,W) or (N,C,H,W) maps, got shape {tuple(m.shape)}")
    if m.numel() == 0:
        raise ValueError(f"{name} must hold at least one pixel per map, got shape {tuple(m.shape)}")
    if not torch.isfinite(m).all():
        raise ValueError(f"{name} must be finite (found NaN or inf)")
    return m


def _count(share: object, n: int) -> int:
    """How many of ``n`` pixels the top ``share`` holds: ``max(1, floor(share * n))``."""
    s = checks.real(share, "share", minimum=0.0, maximum=1.0, what="a fraction of the pixels in (0, 1]")
    if s == 0.0:
        raise ValueError(f"share must be a fraction of the pixels in (0, 1], got {s!r}")
    return max(1, int(s * n + 1e-9))  # the tolerance keeps e.g. 0.29 * 100 at 29, not 28.999...


def _top(m: torch.Tensor, k: int) -> torch.Tensor:
    """A boolean mask of each map's ``k`` largest values; among equal values the lower flat
    index (row by row, left to right) ranks first."""
    flat = m.reshape(m.shape[0], -1)
    order = torch.argsort(flat, dim=1, descending=True, stable=True)[:, :k]
    mask = torch.zeros(flat.shape, dtype=torch.bool, device=m.device)
    mask.scatter_(1, order, True)
    return mask.reshape(m.shape)


def top_mask(maps: torch.Tensor, share: float = 0.01) -> torch.Tensor:
    """Each map's top ``share`` of pixels as a boolean mask of ``maps``' shape.

    ``maps``: ``(N,H,W)`` or ``(N,C,H,W)``, finite (for ``(N,C,H,W)`` every value counts as
    one pixel). Each map keeps its ``k = max(1, floor(share * n))`` largest values, ``n`` its
    number of values. Ties are broken by position: among equal values the one with the lower
    flat index (row by row, from the top left) is taken first, so the mask is the same on
    every device (``torch.topk`` leaves the choice among ties unspecified). ``share``: a
    fraction in (0, 1]. The input is not changed."""
    m = _maps(maps, "maps")
    return _top(m, _count(share, m[0].numel()))


def top_overlap(a: torch.Tensor, b: torch.Tensor, share: float = 0.01) -> torch.Tensor:
    """The share of ``a``'s top-``share`` pixels that are also among ``b``'s, per image:
    ``(N,)`` floats in [0, 1].

    ``a``, ``b``: maps of the same shape, ``(N,H,W)`` or ``(N,C,H,W)``, finite, compared
    image by image. Each map's top is its ``k = max(1, floor(share * n))`` largest values
    (:func:`top_mask`: ties broken by position, the lower flat index first), so both tops
    hold ``k`` pixels and the share is the same read either way: ``|top(a) & top(b)| / k``.
    1 means the same top pixels, 0 none in common; two unrelated maps share about ``share``
    of them by chance. Ghorbani, Abid & Zou (AAAI 2019) call this the top-k intersection and
    use it to show how far an attack moves a map's most important pixels. The inputs are not
    changed; the result is on ``a``'s device."""
    ma, mb = _maps(a, "a"), _maps(b, "b")
    if tuple(ma.shape) != tuple(mb.shape):
        raise ValueError(f"a and b must be maps of the same shape, got a {tuple(ma.shape)} and b {tuple(mb.shape)}")
    k = _count(share, ma[0].numel())
    both = _top(ma, k) & _top(mb.to(ma.device), k)
    return both.reshape(both.shape[0], -1).sum(1).float() / k


__all__ = ["top_mask", "top_overlap"]
