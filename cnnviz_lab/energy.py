"""How much of a map falls inside a box: the energy-based pointing game.

Wang et al. 2020 (*Score-CAM*, CVPRW), section 4.2: the share of an explanation's total
(positive) mass that lies inside the object's bounding box. 1 means the whole map is on the
object; a map spread evenly over the image scores the box's share of the image.
"""

from __future__ import annotations

from typing import Sequence

import torch


def energy_in_box(attribution: torch.Tensor, box: Sequence[int]) -> torch.Tensor:
    """Share of each map's mass inside ``box = (x0, y0, x1, y1)`` (pixel corners, x1/y1
    exclusive). ``attribution``: ``(..., H, W)`` maps, or ``(..., 3, H, W)`` gradients (summed
    over the three channels after taking absolute values). Maps are clipped at zero first
    (CAM maps) unless they are gradients (absolute values). An all-zero map gives 0, never NaN.
    Returns one value per map: shape ``attribution.shape[:-2]`` (or ``[:-3]`` for gradients).
    """
    if not isinstance(attribution, torch.Tensor) or attribution.dim() < 2:
        what = f"shape {tuple(attribution.shape)}" if isinstance(attribution, torch.Tensor) \
            else type(attribution).__name__
        raise TypeError(f"attribution: expected a tensor of (..., H, W) maps, got {what}")
    a = attribution.detach().float()
    if a.dim() >= 3 and a.shape[-3] == 3:
        a = a.abs().sum(dim=-3)
    else:
        a = a.clamp(min=0)
    if isinstance(box, (str, bytes)) or not hasattr(box, "__len__") or len(box) != 4 or not all(
            isinstance(v, (int, float)) or (isinstance(v, torch.Tensor) and v.numel() == 1) for v in box):
        raise ValueError(f"box: expected four pixel corners (x0, y0, x1, y1), got {box!r}")
    x0, y0, x1, y1 = (int(v) for v in box)
    h, w = a.shape[-2:]
    if not (0 <= x0 < x1 <= w and 0 <= y0 < y1 <= h):
        raise ValueError(f"box {tuple(box)} is not inside the {w}x{h} map (0 <= x0 < x1 <= {w}, "
                         f"0 <= y0 < y1 <= {h})")
    total = a.sum(dim=(-2, -1))
    inside = a[..., y0:y1, x0:x1].sum(dim=(-2, -1))
    return torch.where(total > 0, inside / total.clamp(min=1e-30), torch.zeros_like(total))
