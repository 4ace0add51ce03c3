"""Attention rollout (Abnar & Zuidema 2020) for vision transformers.

Abnar & Zuidema, *Quantifying Attention Flow in Transformers*, ACL 2020. Each block's
attention ``A_l`` (tokens x tokens, heads averaged) is mixed with the identity to account
for the residual connection and its rows renormalised, ``Ã_l = rownorm(0.5 A_l + 0.5 I)``;
the attention of the output tokens to the input tokens is the product over blocks,

    R = Ã_L Ã_{L-1} ... Ã_1,

and the map is the class token's row of ``R`` over the patch tokens, ``R[0, 1:]``, on the
patch grid. Class-agnostic: it shows where the class token gathers information from,
whatever the class.

The attention weights are read from every ``nn.MultiheadAttention`` of the model (in the
order they run) with hooks that ask them for per-head weights (``need_weights=True``,
``average_attn_weights=False``) inside one ``with`` block; torchvision's
``VisionTransformer`` is detected (one class token, a ``(H/p) x (W/p)`` grid), any other
model built on ``nn.MultiheadAttention`` names its grid with ``reshape=TokenGrid(prefix=...,
size=...)`` (the class token must come first).
"""

from __future__ import annotations

import torch
from torch import nn

from ..core import checks
from ..models.classifier import Classifier
from ..core.hooks import attention_weights
from ..core.state import frozen
from .cam import finish_maps
from .common import Target, enter, resolve_objective
from ..core.token_grid import TokenGrid, vit_types

__all__ = ["attention_maps", "attention_rollout", "rollout"]

FUSIONS = ("mean", "max", "min")


def attention_maps(model: nn.Module | Classifier, x: torch.Tensor) -> tuple[list[torch.Tensor], object]:
    """``([A_1, ..., A_L], output)``: the per-head attention weights ``(N, heads, T, T)`` of
    every ``nn.MultiheadAttention`` call of one frozen forward pass, and the model's output."""
    module, _, xin = enter(model, x)
    return _attentions(module, xin)


def _attentions(module: nn.Module, xin: torch.Tensor) -> tuple[list[torch.Tensor], object]:
    with torch.no_grad(), frozen(module), attention_weights(module) as found:
        output = module(xin.clone())
    if not found:
        raise ValueError(
            f"{type(module).__name__} has no nn.MultiheadAttention that ran: attention rollout "
            "reads the attention weights of a transformer built on nn.MultiheadAttention "
            "(torchvision's vit_b_16, ...)"
        )
    return [a.detach() for a in found], output


def rollout(attentions: list[torch.Tensor], head_fusion: str = "mean", residual: float = 0.5) -> torch.Tensor:
    """``R = Ã_L ... Ã_1`` with ``Ã_l = rownorm(residual * I + (1 - residual) * fuse(A_l))``,
    ``fuse`` the mean (the paper's), max or min over heads: ``(N, T, T)``."""
    checks.choice(head_fusion, "head_fusion", FUSIONS)
    residual = checks.real(residual, "residual", minimum=0.0, maximum=1.0)
    result = None
    for a in attentions:
        a = a.double()
        fused = a.mean(dim=1) if head_fusion == "mean" else (a.amax(dim=1) if head_fusion == "max" else a.amin(dim=1))
        eye = torch.eye(fused.shape[-1], dtype=fused.dtype, device=fused.device)
        mixed = residual * eye + (1 - residual) * fused
        mixed = mixed / mixed.sum(dim=-1, keepdim=True)
        result = mixed if result is None else mixed @ result
    return result


def attention_rollout(
    model: nn.Module | Classifier,
    x: torch.Tensor,
    target: Target = None,
    *,
    upsample: bool = True,
    head_fusion: str = "mean",
    residual: float = 0.5,
    reshape: TokenGrid | None = None,
) -> torch.Tensor:
    """Attention rollout (Abnar & Zuidema 2020, *Quantifying Attention Flow in
    Transformers*, ACL): the class token's row of ``R = Ã_L ... Ã_1`` over the patch tokens,
    ``Ã_l = rownorm(0.5 I + 0.5 mean_heads(A_l))`` (see the module docstring), on the patch
    grid and upsampled (bilinear) to the input unless ``upsample=False``.

    ``head_fusion``: ``"mean"`` (the paper's), ``"max"`` or ``"min"`` over heads;
    ``residual``: the identity's share (0.5 in the paper). ``reshape``: the token layout,
    detected for torchvision's ``VisionTransformer``; else a :class:`~cnnviz_lab.core.token_grid.TokenGrid`
    whose ``prefix >= 1`` tokens come first (the first is the class token). One forward
    pass, no gradient. **Class-agnostic**: like EigenCAM, ``target`` only shapes the result
    (``None`` or one class per image: ``(N,H,W)``; an ``(N,K)`` target: the map repeated K
    times). Raw, non-negative maps ``(N,[K],H,W)``.
    """
    checks.flag(upsample, "upsample")
    module, clf, xin = enter(model, x)
    if reshape is None:
        vit, _ = vit_types()
        if not isinstance(module, vit):
            raise TypeError(
                f"attention_rollout: {type(module).__name__} is not torchvision's VisionTransformer; "
                "say where its tokens are with reshape=TokenGrid(prefix=1, size=(h, w)) (class token "
                "first, then the h x w patch tokens row by row)"
            )
        side = module.image_size
        if tuple(xin.shape[-2:]) != (side, side):
            raise ValueError(
                f"x: this VisionTransformer reads {side}x{side} images, got {xin.shape[-2]}x{xin.shape[-1]}: resize x to {side}x{side} (clf.preprocess does)"
            )
        p = module.patch_size
        reshape = TokenGrid(prefix=1, size=(xin.shape[-2] // p, xin.shape[-1] // p))
    elif not isinstance(reshape, TokenGrid) or reshape.channels_last or reshape.prefix < 1:
        raise TypeError("reshape must be a TokenGrid with prefix >= 1 (the class token first) for attention rollout")
    attentions, output = _attentions(module, xin)
    r = rollout(attentions, head_fusion, residual)  # (N,T,T)
    row = r[:, 0:1, :].to(xin.dtype)  # (N,1,T): the class token
    maps = reshape.to_grid(row.transpose(1, 2))  # (N,1,h,w)
    if target is None:
        k, squeeze = 1, True
    else:
        objective = resolve_objective(target, output, clf)
        k, squeeze = objective.k, objective.squeeze
    maps = maps.expand(-1, k, -1, -1).contiguous()
    return finish_maps(maps, x if isinstance(x, torch.Tensor) else xin, squeeze, upsample, True)
