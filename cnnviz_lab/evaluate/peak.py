"""Where does the map's maximum lie? The pointing game with three answers.

The pointing game (Zhang et al., *Top-down Neural Attention by Excitation Backprop*, ECCV
2016) asks whether a map's maximum falls in the object's box. A low-resolution map
upsampled bilinearly (a 7x7 Grad-CAM shown at 224x224) often has no single maximal pixel:
along the image's border the upsampling copies the outer cells, so a maximal outer cell
becomes a flat strip of pixels (16 pixels wide for 7 cells over 224; nearest-neighbour
upsampling makes every cell a plateau). Values equal in exact arithmetic can differ in
their last digits once computed in floating point (another device, another resampling
routine), so ties are taken within a relative tolerance. Such a strip, or the cell it comes
from, can straddle a box's edge: then the maximum lies partly in the box and the verdict is
undefined, neither a hit nor a miss.

- :func:`pointing_outcome`: ``"hit"`` (every maximal pixel scores a hit), ``"miss"`` (none
  does) or ``"split"`` (some do: the verdict is undefined), per image.
- :func:`peak_box`: which of several named boxes holds the maximum.

The maximal pixels are those within ``rtol * max|m|`` of the maximum, the rule
:func:`~cnnviz_lab.evaluate.pointing_game` applies with the same ``rtol``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Sequence

import torch

from ..core import checks
from .maps import as_tensor
from .pointing import _maps, _maximal, _near, _per_image, Box

HIT, MISS, SPLIT = "hit", "miss", "split"
NO_BOX = "none"


def _grid(value: object, size: tuple[int, int]) -> tuple[int, int] | None:
    """``grid`` checked: ``None`` or the native map's ``(h, w)``, which must divide the map's size."""
    if value is None:
        return None
    h, w = checks.pair(value, "grid")
    if size[0] % h or size[1] % w:
        raise ValueError(f"grid: a {size[0]}x{size[1]} map is not made of {h}x{w} equal cells (its size must be a multiple of grid)")
    return size[0] // h, size[1] // w


def _finite_maps(attribution: object, reduce: str) -> torch.Tensor:
    """``attribution`` as ``(N,H,W)`` maps, refused when it holds a NaN or an infinity (before any
    channel reduction, which would hide them)."""
    raw = as_tensor(attribution, "attribution")
    if raw.is_floating_point() and not bool(torch.isfinite(raw).all()):
        raise ValueError("attribution holds NaN or infinite values: the position of its maximum is undefined")
    return _maps(raw, reduce)


def _outcomes(a: torch.Tensor, per_image: list, tolerance: float, rtol: float, cells: tuple[int, int] | None) -> list[str]:
    out = []
    for m, bxs in zip(a, per_image):
        tied = _maximal(m, rtol)
        if cells is not None:  # every pixel of each cell that holds a maximal pixel
            ch, cw = cells
            hold = tied.view(m.shape[0] // ch, ch, m.shape[1] // cw, cw).any(dim=(1, 3))
            tied = hold.repeat_interleave(ch, 0).repeat_interleave(cw, 1)
        rows, cols = torch.nonzero(tied, as_tuple=True)
        ok = _near(rows, cols, bxs, tolerance)
        out.append(HIT if bool(ok.all()) and len(bxs) > 0 else SPLIT if bool(ok.any()) else MISS)
    return out


def pointing_outcome(
    attribution: torch.Tensor,
    boxes: Sequence[Sequence[Box]] | Sequence[Box],
    *,
    tolerance: float = 0.0,
    rtol: float = 1e-6,
    grid: int | tuple[int, int] | None = None,
    reduce: str = "sum",
) -> list[str]:
    """The pointing game of Zhang et al. 2016 with three answers, one per image: ``"hit"``
    when every maximal pixel is in a box, ``"miss"`` when none is, ``"split"`` when the maximum
    lies partly in the boxes (the verdict is undefined).

    The maximal pixels are those with value ``>= max - rtol * max|m|``: a bilinearly upsampled
    low-resolution map repeats its outer cells along the image's border (flat strips of pixels),
    and values equal in exact arithmetic can differ in their last digits in floating point, so
    exact equality could split one plateau. ``pointing_game(attribution, boxes, tolerance=t, rtol=r)`` is true exactly where
    this gives ``"hit"`` (``grid=None``).

    ``attribution``, ``boxes``, ``tolerance`` and ``reduce`` as in
    :func:`~cnnviz_lab.evaluate.pointing_game`. ``grid``: read the maximum at the resolution of
    the map before upsampling, ``(h, w)`` cells (an int for a square grid; 7 for a 7x7 CAM shown
    at 224x224): each maximal pixel stands for the whole cell that holds it, so a maximal cell
    that straddles a box's edge gives ``"split"`` even where the upsampled map's maximal pixel
    lies on one side. The map's size must be a multiple of ``grid``; cells start at pixel
    ``(0, 0)``. A map holding NaN or infinite values is a ``ValueError``.
    """
    tolerance = checks.real(tolerance, "tolerance", minimum=0.0)
    rtol = checks.real(rtol, "rtol", minimum=0.0)
    a = _finite_maps(attribution, reduce)
    cells = _grid(grid, (a.shape[-2], a.shape[-1]))
    return _outcomes(a, _per_image(boxes, a.shape[0]), tolerance, rtol, cells)


def peak_box(
    attribution: torch.Tensor,
    named_boxes: Mapping[str, Sequence[Sequence[Box]] | Sequence[Box]],
    *,
    tolerance: float = 0.0,
    rtol: float = 1e-6,
    grid: int | tuple[int, int] | None = None,
    reduce: str = "sum",
) -> list[str]:
    """Which of several named boxes holds the map's maximum, per image (the pointing game of
    Zhang et al. 2016 asked of each object in turn, with :func:`pointing_outcome`'s tie rule).

    ``named_boxes``: ``{name: boxes}``, each value as ``boxes`` in
    :func:`~cnnviz_lab.evaluate.pointing_game` (one list of boxes per image; for one image a
    flat list), e.g. ``{"guitar": [...], "drum kit": [...]}`` from :func:`cnnviz_lab.sample_boxes`.
    Returns, per image, the name whose outcome is ``"hit"`` (several names joined by ``" and "``,
    in the mapping's order, where the boxes overlap and the maximum lies in the overlap),
    else ``"split"`` when the maximum lies partly in some box (a plateau or, with ``grid``, a
    cell on a box's edge), else ``"none"``. Keywords as in :func:`pointing_outcome`.
    """
    if not isinstance(named_boxes, Mapping) or not named_boxes:
        raise TypeError(f"named_boxes must be a non-empty mapping {{name: boxes}}, got {named_boxes!r:.80} ({type(named_boxes).__name__})")
    if not all(isinstance(k, str) for k in named_boxes):
        raise TypeError(f"named_boxes: every name must be a str, got {list(named_boxes)!r:.80}")
    tolerance = checks.real(tolerance, "tolerance", minimum=0.0)
    rtol = checks.real(rtol, "rtol", minimum=0.0)
    a = _finite_maps(attribution, reduce)
    cells = _grid(grid, (a.shape[-2], a.shape[-1]))
    per_name = {}
    for name, boxes in named_boxes.items():
        try:
            per_image = _per_image(boxes, a.shape[0])
        except (TypeError, ValueError) as err:
            raise type(err)(f"named_boxes[{name!r}]: {err}") from None
        per_name[name] = _outcomes(a, per_image, tolerance, rtol, cells)
    out = []
    for i in range(a.shape[0]):
        hits = [name for name, o in per_name.items() if o[i] == HIT]
        out.append(" and ".join(hits) if hits else SPLIT if any(o[i] == SPLIT for o in per_name.values()) else NO_BOX)
    return out


__all__ = ["peak_box", "pointing_outcome"]
