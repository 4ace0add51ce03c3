"""Does the map point at the object? The pointing game and the energy inside a box.

- :func:`pointing_game` (Zhang et al., *Top-down Neural Attention by Excitation Backprop*,
  ECCV 2016): a hit when the map's maximum falls inside the object's bounding box.
- :func:`pointing_chance`: the hit rate of a maximum placed at random, the pointing game's
  chance level for one image.
- :func:`energy_in_box` (Wang et al. 2020, *Score-CAM*, CVPRW, section 4.2, the energy-based
  pointing game): the share of the map's total positive mass inside the box. 1 means the
  whole map is on the object; a map spread evenly scores the box's share of the image.
- :func:`energy_in_boxes`: the same share inside the union of several boxes (an object
  drawn as more than one box, such as a guitar's neck and body).
"""

from __future__ import annotations

import math
import numbers
from typing import Sequence

import torch

from ..core import checks
from .maps import REDUCTIONS, as_maps, as_tensor

Box = Sequence[float]


_WHAT = "one list of (x0, y0, x1, y1) boxes per image (pixel corners; for one image a flat list)"


def _is_list(value: object) -> bool:
    return isinstance(value, (list, tuple))


def _listed(value: object) -> object:
    """Tensors and arrays of boxes as (nested) lists."""
    return value.tolist() if hasattr(value, "tolist") and not _is_list(value) else value


def _box(value: object) -> tuple[float, float, float, float] | None:
    """A box as four finite floats with ``x0 <= x1`` and ``y0 <= y1``; None when ``value`` is
    not a sequence of four numbers."""
    value = _listed(value)
    if not _is_list(value) or len(value) != 4 or not all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in value):
        return None
    x0, y0, x1, y1 = (float(v) for v in value)
    if not all(math.isfinite(v) for v in (x0, y0, x1, y1)) or x1 < x0 or y1 < y0:
        raise ValueError(f"boxes: {tuple(value)} is not a box (finite corners, x0 <= x1 and y0 <= y1)")
    return x0, y0, x1, y1


def _per_image(boxes: object, n: int) -> list[list[tuple[float, float, float, float]]]:
    """``boxes`` checked: ``n`` lists of boxes (or, for one image, a flat list of boxes)."""
    boxes = _listed(boxes)
    if not _is_list(boxes):
        raise TypeError(f"boxes must be {_WHAT}, got {boxes!r:.80}")
    if _box(boxes) is not None:  # one box for one image
        boxes = [[boxes]]
    lists = [list(boxes)] if boxes and _box(boxes[0]) is not None else list(boxes)
    if len(lists) != n:
        raise ValueError(f"boxes must be {_WHAT}; got {len(lists)} lists for {n} maps")
    out = []
    for bxs in map(_listed, lists):
        if not _is_list(bxs):
            raise TypeError(f"boxes must be {_WHAT}; got {bxs!r:.80} for one image")
        checked = [_box(b) for b in bxs]
        if any(b is None for b in checked):
            raise ValueError(f"boxes must be {_WHAT}; got {bxs!r:.80}")
        out.append(checked)
    return out


def _maps(attribution: object, reduce: str) -> torch.Tensor:
    """``attribution`` as ``(N,H,W)`` float maps on the CPU (channels of ``(N,C,H,W)`` reduced by ``reduce``)."""
    checks.choice(reduce, "reduce", tuple(REDUCTIONS))
    a = as_tensor(attribution, "attribution").detach().float().cpu()
    if a.dim() == 2:
        a = a[None]
    if a.dim() == 4:
        a = as_maps(a, a.shape[0], tuple(a.shape[-2:]), a.shape[1], reduce)
    if a.dim() != 3:
        raise ValueError(f"attribution must be (H,W), (N,H,W) or (N,C,H,W); got {tuple(a.shape)}")
    return a


def _maximal(m: torch.Tensor, rtol: float) -> torch.Tensor:
    """The tie rule every pointing verdict shares: the pixels of the ``(H,W)`` map ``m`` whose
    value is at least ``max - rtol * max|m|`` (``max|m|`` over the finite values; with
    ``rtol = 0``, or an infinite maximum, exactly the pixels equal to the maximum)."""
    top = m.max()
    finite = m[torch.isfinite(m)]
    scale = finite.abs().max() if finite.numel() else torch.zeros(())
    if rtol == 0 or not torch.isfinite(top):
        return m == top
    return m >= top - rtol * scale


def _near(rows: torch.Tensor, cols: torch.Tensor, bxs: Sequence[tuple[float, float, float, float]], tolerance: float) -> torch.Tensor:
    """Which pixels ``(rows, cols)`` score a hit: their centre lies in a box, or within
    ``tolerance`` pixels of one."""
    cy, cx = rows.double() + 0.5, cols.double() + 0.5
    ok = torch.zeros_like(cy, dtype=torch.bool)
    for x0, y0, x1, y1 in bxs:
        dx = torch.clamp(torch.maximum(x0 - cx, cx - x1), min=0)
        dy = torch.clamp(torch.maximum(y0 - cy, cy - y1), min=0)
        ok |= (dx**2 + dy**2) <= tolerance**2 + 1e-9
    return ok


def pointing_game(
    attribution: torch.Tensor, boxes: Sequence[Sequence[Box]] | Sequence[Box], *, tolerance: float = 0.0, rtol: float = 0.0, reduce: str = "sum"
) -> torch.Tensor:
    """The pointing game of Zhang et al. 2016: a hit when the map's maximum falls in a box.

    ``attribution``: ``(H,W)``, ``(N,H,W)`` or ``(N,3,H,W)`` (channels reduced by ``reduce``).
    ``boxes``: one list of ``(x0, y0, x1, y1)`` boxes per image, in pixel corners (pixel
    ``(col, row)`` is inside when ``x0 <= col < x1`` and ``y0 <= row < y1``); for one image a
    flat list of boxes is fine. ``tolerance``: radius in pixels around the maximum (the
    paper uses 15): a hit when any box lies within that distance of the maximal pixel's
    centre. When several pixels share the maximum (a constant map) every one of them must
    be a hit, so a flat map never wins by luck. ``rtol``: pixels within ``rtol * max|m|`` of
    the maximum count as sharing it (the default 0 asks for exact equality; a bilinearly
    upsampled low-resolution map has flat strips along its border, whose equal values floating
    point can make differ in their last digits, see :func:`~cnnviz_lab.evaluate.pointing_outcome`,
    which tells a maximum that lies partly in the boxes apart from a miss). Returns a bool
    tensor ``(N,)`` on the CPU.
    """
    tolerance = checks.real(tolerance, "tolerance", minimum=0.0)
    rtol = checks.real(rtol, "rtol", minimum=0.0)
    a = torch.nan_to_num(_maps(attribution, reduce), nan=-math.inf)
    per_image = _per_image(boxes, a.shape[0])
    hits = []
    for m, bxs in zip(a, per_image):
        rows, cols = torch.nonzero(_maximal(m, rtol), as_tuple=True)
        hits.append(bool(_near(rows, cols, bxs, tolerance).all()) and len(bxs) > 0)
    return torch.tensor(hits, dtype=torch.bool)


def pointing_chance(size: int | Sequence[int], boxes: Sequence[Box], *, tolerance: float = 0.0) -> float:
    """The pointing game's chance level on one image: the share of the ``size`` (``H`` or
    ``(H, W)``) pixels whose centre scores a hit in :func:`pointing_game` with these ``boxes``
    and ``tolerance``, i.e. the hit rate of a map whose maximum falls on a pixel drawn at
    random (Zhang et al. 2016 report hit rates over a dataset; one image is one trial)."""
    dims = (size, size) if isinstance(size, numbers.Integral) else tuple(size) if _is_list(size) else ()
    if len(dims) != 2 or not all(isinstance(v, numbers.Integral) and not isinstance(v, bool) and v > 0 for v in dims):
        raise ValueError(f"size: a positive int or (H, W), got {size!r}")
    h, w = int(dims[0]), int(dims[1])
    tolerance = checks.real(tolerance, "tolerance", minimum=0.0)
    per_image = _per_image(boxes, 1)[0]
    cy = (torch.arange(h, dtype=torch.float64) + 0.5)[:, None]
    cx = (torch.arange(w, dtype=torch.float64) + 0.5)[None, :]
    hit = torch.zeros(h, w, dtype=torch.bool)
    for x0, y0, x1, y1 in per_image:
        dx = torch.clamp(torch.maximum(x0 - cx, cx - x1), min=0)
        dy = torch.clamp(torch.maximum(y0 - cy, cy - y1), min=0)
        hit |= (dx**2 + dy**2) <= tolerance**2 + 1e-9
    return float(hit.double().mean())


def energy_in_box(attribution: torch.Tensor, box: Sequence[int]) -> torch.Tensor:
    """Share of each map's mass inside ``box = (x0, y0, x1, y1)`` (pixel corners, x1/y1
    exclusive). ``attribution``: ``(..., H, W)`` maps, or ``(..., 3, H, W)`` gradients (summed
    over the three channels after taking absolute values). Maps are clipped at zero first
    (CAM maps) unless they are gradients (absolute values). An all-zero map gives 0, never NaN.
    Returns one value per map: shape ``attribution.shape[:-2]`` (or ``[:-3]`` for gradients).
    """
    if not isinstance(attribution, torch.Tensor) or attribution.dim() < 2:
        what = f"shape {tuple(attribution.shape)}" if isinstance(attribution, torch.Tensor) else type(attribution).__name__
        raise TypeError(f"attribution: expected a tensor of (..., H, W) maps, got {what}")
    a = attribution.detach().float()
    if a.dim() >= 3 and a.shape[-3] == 3:
        a = a.abs().sum(dim=-3)
    else:
        a = a.clamp(min=0)
    x0, y0, x1, y1 = checks.box(box)
    h, w = a.shape[-2:]
    if not (0 <= x0 < x1 <= w and 0 <= y0 < y1 <= h):
        raise ValueError(f"box {tuple(box)} is not inside the {w}x{h} map (0 <= x0 < x1 <= {w}, 0 <= y0 < y1 <= {h})")
    total = a.sum(dim=(-2, -1))
    inside = a[..., y0:y1, x0:x1].sum(dim=(-2, -1))
    return torch.where(total > 0, inside / total.clamp(min=1e-30), torch.zeros_like(total))


def energy_in_boxes(attribution: torch.Tensor, boxes: Sequence[Sequence[int]]) -> torch.Tensor:
    """Share of each map's positive mass inside the **union** of ``boxes``, a list of
    ``(x0, y0, x1, y1)`` pixel corners (x1/y1 exclusive) that together outline one object
    (the energy-based pointing game of Wang et al. 2020, *Score-CAM*, CVPRW, section 4.2,
    for an object drawn as several boxes; a pixel covered by two boxes counts once).
    ``attribution`` as in :func:`energy_in_box`; the same boxes apply to every map. An
    all-zero map gives 0. Returns one value per map.
    """
    if not isinstance(attribution, torch.Tensor) or attribution.dim() < 2:
        what = f"shape {tuple(attribution.shape)}" if isinstance(attribution, torch.Tensor) else type(attribution).__name__
        raise TypeError(f"attribution: expected a tensor of (..., H, W) maps, got {what}")
    boxes = _listed(boxes)
    if not _is_list(boxes) or not boxes or _box(boxes) is not None:
        raise TypeError(f"boxes must be a non-empty list of (x0, y0, x1, y1) boxes, got {boxes!r:.80}")
    a = attribution.detach().float()
    a = a.abs().sum(dim=-3) if a.dim() >= 3 and a.shape[-3] == 3 else a.clamp(min=0)
    h, w = a.shape[-2:]
    inside = torch.zeros(h, w, dtype=torch.bool, device=a.device)
    for i, value in enumerate(boxes):
        x0, y0, x1, y1 = checks.box(value, f"boxes[{i}]")
        if not (0 <= x0 < x1 <= w and 0 <= y0 < y1 <= h):
            raise ValueError(f"boxes[{i}] = {(x0, y0, x1, y1)} is not inside the {w}x{h} map (0 <= x0 < x1 <= {w}, 0 <= y0 < y1 <= {h})")
        inside[y0:y1, x0:x1] = True
    total = a.sum(dim=(-2, -1))
    within = (a * inside).sum(dim=(-2, -1))
    return torch.where(total > 0, within / total.clamp(min=1e-30), torch.zeros_like(total))


__all__ = ["Box", "energy_in_box", "energy_in_boxes", "pointing_game"]
