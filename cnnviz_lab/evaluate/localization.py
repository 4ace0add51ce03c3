"""From a class map to a box: the weakly supervised localisation of Zhou et al.

- :func:`cam_box` (Zhou, Khosla, Lapedriza, Oliva, Torralba, *Learning Deep Features for
  Discriminative Localization*, CVPR 2016, section 3): keep the pixels whose value is at
  least ``threshold`` times the map's maximum (the paper uses 20 %), and return the bounding
  box of the largest connected region of them.
- :func:`box_iou`: intersection over union of two boxes, the score the paper's localisation
  error counts a hit with (IoU of at least 0.5).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import torch
from scipy import ndimage

from ..core import checks
from .maps import as_tensor

Box = tuple[int, int, int, int]


def cam_box(heatmap: torch.Tensor, threshold: float = 0.2) -> Box:
    """The box Zhou et al. (CVPR 2016) draw from a class map: the pixels of the ``(H, W)``
    ``heatmap`` at or above ``threshold`` times its maximum (``0 < threshold <= 1``; the paper
    uses 0.2), then the bounding box ``(x0, y0, x1, y1)`` (pixel corners, x1/y1 exclusive) of
    the largest 4-connected region among them (ties: the region with the most mass). The
    map's maximum must be positive."""
    threshold = checks.real(threshold, "threshold", minimum=0.0)
    if not 0 < threshold <= 1:
        raise ValueError(f"threshold must be in (0, 1], got {threshold}")
    m = as_tensor(heatmap, "heatmap")
    if m.dim() != 2:
        raise ValueError(f"heatmap must be one (H, W) map, got shape {tuple(m.shape)}")
    a = torch.nan_to_num(m.detach().float().cpu(), nan=-np.inf).numpy()
    top = float(a.max())
    if not np.isfinite(top) or top <= 0:
        raise ValueError(f"heatmap: its maximum must be positive and finite to threshold it, got {top}")
    regions, count = ndimage.label(a >= threshold * top)
    sizes = ndimage.sum(np.ones_like(a), regions, index=range(1, count + 1))
    mass = ndimage.sum(a, regions, index=range(1, count + 1))
    best = max(range(count), key=lambda i: (sizes[i], mass[i])) + 1
    rows, cols = np.nonzero(regions == best)
    return int(cols.min()), int(rows.min()), int(cols.max()) + 1, int(rows.max()) + 1


def box_iou(a: Sequence[float], b: Sequence[float]) -> float:
    """Intersection over union of two ``(x0, y0, x1, y1)`` boxes (pixel corners): the area both
    cover divided by the area either covers; 0 for disjoint boxes, 1 for equal ones."""
    x0, y0, x1, y1 = checks.box(a, "a")
    u0, v0, u1, v1 = checks.box(b, "b")
    for name, (p0, q0, p1, q1) in (("a", (x0, y0, x1, y1)), ("b", (u0, v0, u1, v1))):
        if p1 < p0 or q1 < q0:
            raise ValueError(f"{name}: expected x0 <= x1 and y0 <= y1, got {(p0, q0, p1, q1)}")
    inter = max(0.0, min(x1, u1) - max(x0, u0)) * max(0.0, min(y1, v1) - max(y0, v0))
    union = (x1 - x0) * (y1 - y0) + (u1 - u0) * (v1 - v0) - inter
    return float(inter / union) if union > 0 else 0.0
