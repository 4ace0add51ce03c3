"""Random transforms applied to the image at every render step ("transformation
robustness", Olah et al. 2017; Mordvintsev et al. 2015 for DeepDream's jitter).

A transform is a callable ``t(x, generator) -> x`` on a ``(N,3,H,W)`` batch in RGB [0, 1];
its random choices come from the seeded ``torch.Generator`` the render loop owns, so the
same seed gives the same image. :func:`compose` chains them.
"""

from __future__ import annotations

import math
from typing import Callable, Sequence

import torch
import torch.nn.functional as F

Transform = Callable[[torch.Tensor, torch.Generator], torch.Tensor]


def _choice(values: Sequence, gen: torch.Generator):
    return values[int(torch.randint(len(values), (1,), generator=gen))]


def jitter(d: int) -> Transform:
    """Roll the image by a random offset in ``[-d, d]`` pixels along each axis."""

    def t(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
        if d <= 0:
            return x
        dy, dx = (int(v) for v in torch.randint(-d, d + 1, (2,), generator=gen))
        return torch.roll(x, shifts=(dy, dx), dims=(-2, -1))

    return t


def pad(w: int, mode: str = "reflect", value: float = 0.5) -> Transform:
    """Pad ``w`` pixels on each side (``"reflect"`` or ``"constant"`` with ``value``)."""

    def t(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
        if w <= 0:
            return x
        if mode == "constant":
            return F.pad(x, (w, w, w, w), mode="constant", value=value)
        return F.pad(x, (w, w, w, w), mode=mode)

    return t


def random_scale(scales: Sequence[float]) -> Transform:
    """Resize by a factor drawn from ``scales`` (bilinear)."""

    def t(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
        s = float(_choice(scales, gen))
        if s == 1.0:
            return x
        h, w = x.shape[-2:]
        return F.interpolate(x, size=(max(1, round(h * s)), max(1, round(w * s))), mode="bilinear", align_corners=False)

    return t


def random_rotate(angles: Sequence[float]) -> Transform:
    """Rotate by an angle in degrees drawn from ``angles`` (bilinear, border padding)."""

    def t(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
        a = math.radians(float(_choice(angles, gen)))
        if a == 0.0:
            return x
        cos, sin = math.cos(a), math.sin(a)
        theta = torch.tensor([[cos, -sin, 0.0], [sin, cos, 0.0]], device=x.device, dtype=x.dtype)
        grid = F.affine_grid(theta.expand(x.shape[0], 2, 3), list(x.shape), align_corners=False)
        return F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)

    return t


def compose(transforms: Sequence[Transform]) -> Transform:
    """Apply ``transforms`` in order."""
    items = list(transforms)

    def t(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
        for f in items:
            x = f(x, gen)
        return x

    return t


def standard_transforms(size: int = 224) -> Transform:
    """Lucid's standard robustness transforms, scaled to the image size: pad, jitter, random
    scale (0.9..1.1), random rotation (-10..10 degrees, 0 more often), a final small jitter."""
    k = max(1, size // 224)
    return compose(
        [
            pad(12 * k, mode="constant"),
            jitter(8 * k),
            random_scale([1 + (i - 5) / 50 for i in range(11)]),
            random_rotate(list(range(-10, 11)) + 5 * [0]),
            jitter(4 * k),
        ]
    )


def make_transforms(spec: str | Transform | Sequence[Transform] | None, size: int) -> Transform:
    """``"standard"``, ``"jitter"`` (a roll of size/28 px only), ``"none"``/``None``, a
    transform, or a list of transforms."""
    if spec is None or spec == "none":
        return compose([])
    if spec == "standard":
        return standard_transforms(size)
    if spec == "jitter":
        return jitter(max(1, size // 28))
    if callable(spec):
        return spec
    if isinstance(spec, (list, tuple)):
        return compose(spec)
    raise ValueError(f"unknown transforms {spec!r}; use 'standard', 'jitter', 'none' or a list")


__all__ = ["Transform", "compose", "jitter", "make_transforms", "pad", "random_rotate", "random_scale", "standard_transforms"]
