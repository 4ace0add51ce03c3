"""The receptive field of a unit, measured by its gradient: the input pixels on which the
centre unit of a layer's output depends at all (its *theoretical* receptive field), as
opposed to the much smaller region that carries most of the gradient (the *effective*
receptive field, Luo et al. 2016, "Understanding the Effective Receptive Field in Deep
Convolutional Neural Networks", NeurIPS)."""

from __future__ import annotations

import torch
from torch import nn

from ..core import checks
from ..models.classifier import Classifier
from ..core.gate import unwrap
from ..core.hooks import capture
from ..core.layer_lookup import layer_name
from ..core.state import frozen, model_device, model_dtype


def receptive_field(model: nn.Module | Classifier, layer: str, size: int = 512, seed: int = 0) -> int:
    """Side, in input pixels, of the square on which the units at the centre position of
    ``layer``'s output depend: the bounding box of the non-zero gradient of their sum (over
    channels) with respect to a seeded random ``size`` x ``size`` input. It equals the theoretical receptive field while that fits in the input (choose
    ``size`` larger than it; a result equal to ``size`` means "at least the whole input").
    The model is run frozen (eval mode, parameters untouched) and its hooks come off."""
    module, _ = unwrap(model)
    name = layer_name(module, layer)
    seed = checks.integer(seed, "seed", minimum=0, what="an int >= 0")
    size = checks.positive_int(size, "size")
    gen = torch.Generator().manual_seed(int(seed))
    x = torch.randn(1, 3, size, size, generator=gen).to(model_device(module), model_dtype(module))
    x.requires_grad_(True)
    with torch.enable_grad(), frozen(module), capture(module, name, stop=True, copy=False) as cap:
        cap.forward(x)
        out = cap[name]
        if not isinstance(out, torch.Tensor) or out.dim() != 4:
            raise ValueError(f"layer: {layer!r} does not give an (N,C,H,W) feature map")
        h, w = out.shape[-2:]
        (grad,) = torch.autograd.grad(out[0, :, h // 2, w // 2].sum(), x)
    support = grad[0].abs().sum(0) > 0
    if not support.any():
        raise ValueError(f"layer: the centre units of {layer!r} pass no gradient to the input")
    rows, cols = support.any(1).nonzero(), support.any(0).nonzero()
    return int(max(rows.max() - rows.min() + 1, cols.max() - cols.min() + 1))


__all__ = ["receptive_field"]
