"""Attributions as maps: the one place the evaluation turns a method's result into ``(N,H,W)``."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ..core import checks

REDUCTIONS = {"sum": lambda v: v.sum(1), "abssum": lambda v: v.abs().sum(1), "absmax": lambda v: v.abs().amax(1)}


def as_tensor(value: object, name: str) -> torch.Tensor:
    """``value`` (a tensor, an array or nested numbers) as a real tensor; anything else is a
    ``TypeError`` naming ``name``."""
    if isinstance(value, torch.Tensor):
        out = value
    else:
        try:
            out = torch.as_tensor(value) if value is not None and not isinstance(value, (str, bytes)) else None
        except (TypeError, ValueError, RuntimeError):
            out = None
    if out is None or out.is_complex() or out.dtype == torch.bool:
        raise TypeError(f"{name} must be a tensor or array of numbers, got {value!r:.80} ({type(value).__name__})")
    return out


def as_maps(attribution: torch.Tensor, n: int, size: tuple[int, int], channels: int = 3, reduce: str = "sum") -> torch.Tensor:
    """An attribution as ``(N,H,W)`` float maps at the image size.

    Accepts ``(H,W)``, ``(N,H,W)`` or ``(N,C,H,W)`` with ``C`` the image's channel count
    (reduced over channels by ``reduce``: ``"sum"``, ``"abssum"`` or ``"absmax"``); maps of
    another size (a CAM with ``upsample=False``) are upsampled bilinearly.
    """
    checks.choice(reduce, "reduce", tuple(REDUCTIONS))
    a = as_tensor(attribution, "attribution").detach().float()
    if a.dim() == 2:
        a = a.unsqueeze(0)
    if a.dim() == 4:
        if a.shape[1] != channels:
            raise ValueError(
                f"a 4-D attribution must be (N,{channels},H,W) (one class per image); got "
                f"{tuple(a.shape)}: for K classes per image evaluate each class separately"
            )
        a = REDUCTIONS[reduce](a)
    if a.dim() != 3:
        raise ValueError(f"attribution must be (H,W), (N,H,W) or (N,C,H,W); got {tuple(a.shape)}")
    if a.shape[0] == 1 and n > 1:
        a = a.expand(n, -1, -1)
    if a.shape[0] != n:
        raise ValueError(f"attribution has {a.shape[0]} maps for {n} images")
    if tuple(a.shape[-2:]) != tuple(size):
        a = F.interpolate(a[:, None], size=size, mode="bilinear", align_corners=False)[:, 0]
    return torch.nan_to_num(a)


def method_map(result: torch.Tensor, n: int, channels: int, absolute: bool = False) -> torch.Tensor:
    """A method's result for one class per image as ``(N,H,W)``: 3-channel maps become the
    sum of absolute values over the channels, ``(N,1,H,W)`` loses its axis; ``absolute``
    takes absolute values of the result."""
    r = result.detach().float()
    if r.dim() == 4 and r.shape[1] == channels:
        r = r.abs().sum(1)
    elif r.dim() == 4 and r.shape[1] == 1:
        r = r[:, 0]
    if r.dim() != 3 or r.shape[0] != n:
        raise ValueError(f"the method must return (N,H,W) or (N,{channels},H,W) maps for one class per image; got {tuple(result.shape)}")
    return r.abs() if absolute else r


__all__ = ["REDUCTIONS", "as_maps", "as_tensor", "method_map"]
