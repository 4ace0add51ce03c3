"""Token grids: CAM methods on vision transformers.

A CAM-style method reads an ``(N,C,h,w)`` feature map. A vision transformer's layers output
a token sequence ``(N, T, D)`` (ViT: a class token, then the ``h x w`` patch tokens row by
row), and Swin's stages a channels-last map ``(N, h, w, C)``. :class:`TokenGrid` turns either
into the ``(N,C,h,w)`` grid (class token dropped, channels first) and back (Ablation-CAM
edits the grid and hands the model the sequence again). pytorch-grad-cam's
``reshape_transform`` is the peer: ``reshape=`` on every CAM method takes a ``TokenGrid`` or
any such function.

Detected without being asked: torchvision's ``VisionTransformer`` (``vit_b_16``...: one class
token, a ``(H/p) x (W/p)`` grid for patch size ``p``) and ``SwinTransformer`` (``swin_t``...:
channels-last stages). Their default CAM layers (:func:`token_layer`) follow pytorch-grad-cam's
advice: a ViT's last block's first LayerNorm, ``encoder.layers.<last>.ln_1`` (the class
score depends on the patch tokens of the last block only through its attention, so the
block's own output would give them zero gradient), and Swin's final ``norm``.
"""

from __future__ import annotations

import math
from typing import Callable, Union

import torch
from torch import nn

__all__ = ["Reshape", "TokenGrid", "apply_reshape", "detect_reshape", "reshape_like", "token_layer", "vit_types"]


class TokenGrid:
    """A token sequence ``(N, prefix + h*w, D)`` as the grid ``(N, D, h, w)`` (the first
    ``prefix`` tokens, e.g. a class token, dropped; ``size=(h, w)``, or ``None`` for a square
    grid), or with ``channels_last=True`` a map ``(N, h, w, C)`` as ``(N, C, h, w)``.
    :meth:`from_grid` is the inverse (the dropped tokens taken from the original)."""

    def __init__(self, prefix: int = 0, size: tuple[int, int] | None = None, channels_last: bool = False) -> None:
        if isinstance(prefix, bool) or not isinstance(prefix, int) or prefix < 0:
            raise TypeError(f"prefix must be an int >= 0 (tokens before the grid), got {prefix!r}")
        if size is not None and (len(size) != 2 or not all(isinstance(v, int) and v > 0 for v in size)):
            raise TypeError(f"size must be None or an (h, w) pair of positive ints, got {size!r}")
        self.prefix, self.size, self.channels_last = prefix, size, bool(channels_last)

    def __repr__(self) -> str:
        if self.channels_last:
            return "TokenGrid(channels_last=True)"
        return f"TokenGrid(prefix={self.prefix}, size={self.size})"

    def _hw(self, tokens: int) -> tuple[int, int]:
        if self.size is not None:
            if self.size[0] * self.size[1] != tokens:
                raise ValueError(f"reshape: {tokens} tokens after the {self.prefix} dropped do not make a {self.size[0]}x{self.size[1]} grid")
            return self.size
        side = math.isqrt(tokens)
        if side * side != tokens:
            raise ValueError(f"reshape: {tokens} tokens after the {self.prefix} dropped are not a square grid: give TokenGrid(prefix=..., size=(h, w))")
        return side, side

    def __call__(self, t: torch.Tensor) -> torch.Tensor:
        return self.to_grid(t)

    def to_grid(self, t: torch.Tensor) -> torch.Tensor:
        """``(N, C, h, w)`` from the layer's output ``t``."""
        if self.channels_last:
            if t.dim() != 4:
                raise ValueError(f"reshape: a channels-last map must be (N,h,w,C), got {tuple(t.shape)}")
            return t.permute(0, 3, 1, 2)
        if t.dim() != 3:
            raise ValueError(f"reshape: a token sequence must be (N,T,D), got {tuple(t.shape)}")
        h, w = self._hw(t.shape[1] - self.prefix)
        return t[:, self.prefix :].transpose(1, 2).reshape(t.shape[0], t.shape[2], h, w)

    def from_grid(self, grid: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
        """The layer's output again from an (edited) ``grid``; ``like``: an original output
        of the same batch size, whose dropped tokens are kept."""
        if self.channels_last:
            return grid.permute(0, 2, 3, 1)
        seq = grid.flatten(2).transpose(1, 2)
        head = like[:, : self.prefix]
        if head.shape[0] != seq.shape[0]:
            head = head.expand(seq.shape[0], *head.shape[1:])
        return torch.cat([head, seq], dim=1)


Reshape = Union[TokenGrid, Callable[[torch.Tensor], torch.Tensor]]


def vit_types() -> tuple[type, type]:
    """torchvision's ``(VisionTransformer, SwinTransformer)`` classes."""
    from torchvision.models.swin_transformer import SwinTransformer
    from torchvision.models.vision_transformer import VisionTransformer

    return VisionTransformer, SwinTransformer


def detect_reshape(module: nn.Module, name: str, act: object, x: torch.Tensor) -> TokenGrid | None:
    """The :class:`TokenGrid` of a torchvision ViT or Swin layer's output, or ``None`` (nothing
    to reshape, or a model this function does not know)."""
    if not isinstance(act, torch.Tensor):
        return None
    vit, swin = vit_types()
    if isinstance(module, vit) and act.dim() == 3:
        p = module.patch_size
        h, w = x.shape[-2] // p, x.shape[-1] // p
        if act.shape[1] == 1 + h * w:
            return TokenGrid(prefix=1, size=(h, w))
    if isinstance(module, swin) and act.dim() == 4 and not isinstance(module.get_submodule(name), nn.Conv2d):
        return TokenGrid(channels_last=True)
    return None


def apply_reshape(module: nn.Module, name: str, act: object, x: torch.Tensor, reshape: Reshape | None) -> tuple[object, Reshape | None]:
    """``(grid, the reshape used)``: ``act`` through ``reshape`` (``None``: detected, see
    :func:`detect_reshape`; no reshape when none is detected)."""
    if reshape is None:
        reshape = detect_reshape(module, name, act, x)
        if reshape is None:
            return act, None
    elif not callable(reshape):
        raise TypeError(f"reshape must be None, a TokenGrid or a function (N,...) -> (N,C,h,w), got {reshape!r:.60}")
    if not isinstance(act, torch.Tensor):
        raise ValueError(f"layer {name!r} outputs {type(act).__name__}, not a tensor to reshape")
    grid = reshape(act)
    if not isinstance(grid, torch.Tensor):
        raise TypeError(f"reshape must return a tensor (N,C,h,w), got {type(grid).__name__}")
    return grid, reshape


def reshape_like(reshape: Reshape | None, t: torch.Tensor, lead: int) -> torch.Tensor:
    """``t`` with ``lead`` leading axes (``(N,K,...)`` gradients) through ``reshape``."""
    if reshape is None:
        return t
    flat = t.reshape(-1, *t.shape[lead:])
    grid = reshape(flat)
    return grid.reshape(*t.shape[:lead], *grid.shape[1:])


def token_layer(module: nn.Module) -> str | None:
    """The default CAM layer of a torchvision ViT (its last block's ``ln_1``) or Swin (its
    final ``norm``); ``None`` for other models."""
    vit, swin = vit_types()
    if isinstance(module, vit):
        last = list(module.encoder.layers.named_children())[-1][0]
        return f"encoder.layers.{last}.ln_1"
    if isinstance(module, swin):
        return "norm"
    return None
