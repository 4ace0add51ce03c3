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


def _centre_gradient(module: nn.Module, name: str, layer: str, x: torch.Tensor, channel: int | None = None) -> torch.Tensor:
    """d/dx of the centre unit of layer ``name`` (channel ``channel``; ``None``: all channels
    summed), for each image of ``x``; the model runs frozen and only up to ``name``."""
    x = x.requires_grad_(True)
    with torch.enable_grad(), frozen(module), capture(module, name, stop=True, copy=False) as cap:
        cap.forward(x)
        out = cap[name]
        if not isinstance(out, torch.Tensor) or out.dim() != 4:
            raise ValueError(f"layer: {layer!r} does not give an (N,C,H,W) feature map")
        if channel is not None:
            channel = checks.integer(channel, "channel", minimum=0, maximum=out.shape[1] - 1)
        h, w = out.shape[-2:]
        centre = out[:, :, h // 2, w // 2]
        score = centre.sum() if channel is None else centre[:, channel].sum()
        (grad,) = torch.autograd.grad(score, x)
    return grad.detach()


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
    grad = _centre_gradient(module, name, layer, x)
    support = grad[0].abs().sum(0) > 0
    if not support.any():
        raise ValueError(f"layer: the centre units of {layer!r} pass no gradient to the input")
    rows, cols = support.any(1).nonzero(), support.any(0).nonzero()
    return int(max(rows.max() - rows.min() + 1, cols.max() - cols.min() + 1))


def effective_receptive_field(
    model: nn.Module | Classifier, layer: str, channel: int | None = None, size: int = 160, samples: int = 4, seed: int = 0
) -> torch.Tensor:
    """The *effective* receptive field of the centre unit of ``layer`` (Luo et al. 2016): the
    mean absolute gradient ``|d h / d x|`` of that unit (channel ``channel``; ``None``: the
    sum over channels) with respect to the input, summed over the colour channels and
    averaged over ``samples`` seeded random ``size`` x ``size`` inputs. Returns a
    ``(size, size)`` map scaled so that its maximum is 1: where the unit's gradient, and with
    it an activation-maximisation update, concentrates. The model is run frozen and its
    hooks come off."""
    module, _ = unwrap(model)
    name = layer_name(module, layer)
    size = checks.positive_int(size, "size")
    samples = checks.positive_int(samples, "samples")
    seed = checks.integer(seed, "seed", minimum=0, what="an int >= 0")
    gen = torch.Generator().manual_seed(int(seed))
    x = torch.randn(samples, 3, size, size, generator=gen).to(model_device(module), model_dtype(module))
    grad = _centre_gradient(module, name, layer, x, channel)
    erf = grad.detach().abs().sum(1).mean(0).float().cpu()
    peak = float(erf.max())
    if peak == 0:
        raise ValueError(f"layer: the centre unit of {layer!r} passes no gradient to these random inputs")
    return erf / peak


def effective_radius(erf: torch.Tensor, mass: float = 0.5) -> float:
    """The radius in pixels of the smallest disc, centred on the map's centre of mass, that
    holds the share ``mass`` of a non-negative ``(H, W)`` map such as
    :func:`effective_receptive_field` returns: one number for the size of a unit's effective
    receptive field (Luo et al. 2016), to compare between layers."""
    if not isinstance(erf, torch.Tensor) or erf.dim() != 2 or not torch.isfinite(erf).all() or (erf < 0).any() or erf.sum() <= 0:
        raise ValueError("erf must be a finite, non-negative (H, W) tensor with a positive sum")
    mass = checks.real(mass, "mass", minimum=0, maximum=1)
    w = erf.detach().double().cpu()
    ys, xs = torch.meshgrid(torch.arange(w.shape[0], dtype=w.dtype), torch.arange(w.shape[1], dtype=w.dtype), indexing="ij")
    cy, cx = (w * ys).sum() / w.sum(), (w * xs).sum() / w.sum()
    radius = ((ys - cy) ** 2 + (xs - cx) ** 2).sqrt().flatten()
    order = radius.argsort()
    held = w.flatten()[order].cumsum(0) / w.sum()
    return float(radius[order][int(torch.searchsorted(held, torch.tensor(mass, dtype=w.dtype) - 1e-12))])


__all__ = ["effective_radius", "effective_receptive_field", "receptive_field"]
