"""The one Gaussian blur: occlusion's and insertion's blurred fill, DeepDream's gradient
smoothing, the ``blur`` regulariser of feature visualisation."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F


def gaussian_blur(x: torch.Tensor, sigma: float) -> torch.Tensor:
    """A Gaussian-blurred copy of an ``(N,C,H,W)`` batch: separable kernel of radius
    ``ceil(3 sigma)`` (cut to what the image allows), reflect padding, size kept. ``sigma <= 0``
    gives an unblurred copy."""
    if sigma <= 0:
        return x.clone()
    radius = min(max(1, int(math.ceil(3 * sigma))), x.shape[-1] - 1, x.shape[-2] - 1)
    if radius < 1:
        return x.clone()
    t = torch.arange(-radius, radius + 1, device=x.device, dtype=x.dtype)
    k = torch.exp(-0.5 * (t / sigma) ** 2)
    k = k / k.sum()
    c = x.shape[1]
    out = F.pad(x, (radius, radius, radius, radius), mode="reflect")
    out = F.conv2d(out, k.view(1, 1, 1, -1).expand(c, 1, 1, -1), groups=c)
    return F.conv2d(out, k.view(1, 1, -1, 1).expand(c, 1, -1, 1), groups=c)


__all__ = ["gaussian_blur"]
