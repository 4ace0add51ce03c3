"""How much of a map is a regular lattice: the share of its spectral energy at one period.

Strided networks leave grids in backward-pass maps: a transposed convolution whose kernel
size is not a multiple of its stride spreads its input unevenly over the pixel phases, and
stacked stride-2 layers compound this into periods of 2, 4, 8, ... pixels (Odena, Dumoulin &
Olah, *Deconvolution and Checkerboard Artifacts*, Distill 2016). :func:`period_share` measures
one such period along one axis; :func:`cnnviz_lab.high_frequency_share` measures a whole band
of high frequencies instead.
"""

from __future__ import annotations

import torch

from ..core import checks
from .maps import as_tensor

AXES = ("x", "y", "either")


def period_share(maps: torch.Tensor, period: int, axis: str = "x") -> torch.Tensor:
    """Share of each map's spectral energy (mean removed, channels summed) at exactly
    ``1 / period`` cycles per pixel, ``(N,)`` in [0, 1].

    ``axis="x"``: frequency ``1/period`` across the columns (any vertical frequency), i.e.
    the part of the map that repeats every ``period`` pixels from left to right (vertical
    stripes, or a lattice with that horizontal period); ``"y"``: the same from top to bottom;
    ``"either"``: both lines of the spectrum, counted once where they cross. ``maps``:
    ``(N,C,H,W)`` or one ``(C,H,W)``, finite; pass the array you mean, since ``|map|`` and the
    signed map have different spectra. ``period``: an int >= 2 that divides the map's width
    (``"x"``), height (``"y"``) or both (``"either"``), so the frequency falls on one bin of
    the discrete Fourier transform. The share does not depend on the map's scale; a constant
    map gives 0. Odena et al. (2016) explain where such periods come from."""
    axis = checks.choice(axis, "axis", AXES)
    x = as_tensor(maps, "maps").detach()
    if x.dim() not in (3, 4):
        raise ValueError(f"maps must be (N,C,H,W) or one (C,H,W) map, got shape {tuple(x.shape)}")
    if x.dim() == 3:
        x = x.unsqueeze(0)
    if not x.is_floating_point():
        x = x.float()
    if not torch.isfinite(x).all():
        raise ValueError("maps must be finite (found NaN or inf)")
    period = checks.integer(period, "period", minimum=2)
    h, w = x.shape[-2:]
    sizes = {"x": (w,), "y": (h,), "either": (h, w)}[axis]
    if any(n % period for n in sizes):
        side = {"x": "width", "y": "height", "either": "height and width"}[axis]
        raise ValueError(f"period must divide the map's {side} ({h}x{w}) so that 1/period is one frequency bin; got period={period}")
    x = x.double()
    x = x - x.mean(dim=(-2, -1), keepdim=True)
    power = torch.fft.fft2(x).abs().pow(2).sum(1)  # (N,H,W)
    fy = torch.fft.fftfreq(h, dtype=torch.float64, device=x.device).abs().view(-1, 1)
    fx = torch.fft.fftfreq(w, dtype=torch.float64, device=x.device).abs().view(1, -1)
    on_x = (fx - 1 / period).abs() < 0.5 / w
    on_y = (fy - 1 / period).abs() < 0.5 / h
    line = {"x": on_x.expand(h, w), "y": on_y.expand(h, w), "either": on_x | on_y}[axis]
    total = power.sum(dim=(-2, -1))
    share = (power * line).sum(dim=(-2, -1)) / total.clamp(min=1e-300)
    return torch.where(total > 0, share, torch.zeros_like(share)).float()


__all__ = ["period_share"]
