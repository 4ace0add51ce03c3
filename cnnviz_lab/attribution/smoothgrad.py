"""SmoothGrad, SmoothGrad-Squared and VarGrad: a base attribution averaged over noisy copies."""

from __future__ import annotations

from typing import Callable

import torch
from torch import nn

from ..core import checks, defaults
from ..models.classifier import Classifier
from ..core.state import frozen
from .common import Target, enter, finish, to_caller
from .gradients import clean_targets, saliency
from .registry import base_method


def smoothgrad(
    model: nn.Module | Classifier,
    x: torch.Tensor,
    target: Target = None,
    *,
    method: str | Callable = saliency,
    n: int = 50,
    noise: float = 0.15,
    squared: bool = False,
    vargrad: bool = False,
    batch_size: int | None = None,
    seed: int | None = None,
    progress: bool | None = None,
    **method_kwargs,
) -> torch.Tensor:
    """SmoothGrad (Smilkov et al. 2017, *SmoothGrad: removing noise by adding noise*,
    arXiv:1706.03825): the mean of a base attribution over ``n`` noisy copies of each image,
    ``(1/n) sum_i M(x + e_i)``, ``e_i ~ N(0, sigma^2)``, ``sigma = noise * (max(x) - min(x))``
    of that image (the paper's noise level, a fraction of the input range).

    ``method``: the base attribution, a function with the common signature (``saliency``,
    ``guided_backprop``, ``input_x_gradient``, ...) or a registered name (``"vanilla"``,
    ``"guided"``, ``"input_x_gradient"``); ``method_kwargs`` go to it. ``squared=True``
    averages ``M^2`` (SmoothGrad-Squared, Hooker et al. 2019); ``vargrad=True`` returns the
    variance ``mean(M^2) - mean(M)^2`` (VarGrad, Adebayo et al. 2018). Targets are read from
    the clean image (``None`` = its top-1), not from each noisy copy; a callable target is
    evaluated on each noisy copy's output. Noisy samples go through the model ``batch_size``
    at a time (``None``: the measured default of :func:`cnnviz_lab.core.defaults.batch_size`),
    which bounds memory. Each image draws its noise, sample by sample, from its own
    ``torch.Generator`` on x's device seeded with ``seed`` (``None``: unseeded), so a seed
    gives the same result whatever the batch size, and image i of a batch gets exactly the
    map it gets alone (with one target or K). Base-method arguments with one entry per image
    (a tensor with as many axes as ``x`` and ``N`` rows, e.g. an IG ``baseline`` of shape
    ``(N,3,H,W)``) are expanded with the noisy copies: each copy gets its image's row.
    Shape ``(N,[K],3,H,W)``.
    """
    if squared and vargrad:
        raise ValueError("choose squared=True or vargrad=True, not both")
    n = checks.positive_int(n, "n")
    noise = checks.real(noise, "noise", minimum=0.0)
    base = base_method(method)
    module, clf, xd = enter(model, x)
    step = defaults.batch_size(batch_size, module, xd, backward=True)
    seed = defaults.seed_value(seed)
    with frozen(module):
        objective = clean_targets(module, clf, xd, target)
    count, k, squeeze = xd.shape[0], objective.k, objective.squeeze
    per_image = {key for key, value in method_kwargs.items() if _per_image(value, xd)}
    gens = [defaults.generator(seed, xd.device) for _ in range(count)]  # one stream per image
    flat = xd.reshape(count, -1)
    sigma = noise * (flat.amax(dim=1) - flat.amin(dim=1))
    acc = torch.zeros((count, k) + tuple(xd.shape[1:]), device=xd.device, dtype=xd.dtype)
    acc_sq = torch.zeros_like(acc) if vargrad else None
    for idx in defaults.chunks(count * n, step, device=xd.device, progress=progress, desc="SmoothGrad"):
        img = idx // n
        eps = torch.cat([torch.randn((1,) + tuple(xd.shape[1:]), generator=gens[i], device=xd.device, dtype=xd.dtype) for i in img.tolist()])
        samples = xd[img] + eps * sigma[img].view(-1, 1, 1, 1)
        kwargs = {key: (value.to(xd.device)[img] if key in per_image else value) for key, value in method_kwargs.items()}
        a = base(model, samples, objective.select(img), **kwargs)
        if a.dim() == samples.dim():  # a method that ignores K (only possible for K == 1)
            a = a.unsqueeze(1)
        a = a.to(acc.device)
        acc.index_add_(0, img, a * a if squared else a)
        if acc_sq is not None:
            acc_sq.index_add_(0, img, a * a)
    mean = acc / n
    if acc_sq is not None:
        mean = (acc_sq / n - mean * mean).clamp_(min=0)
    return to_caller(finish(mean, squeeze), x)


def _per_image(value: object, x: torch.Tensor) -> bool:
    """Whether a base-method argument holds one entry per image: a tensor with as many axes
    as ``x`` and ``N`` rows (an IG ``baseline`` of shape ``(N,3,H,W)``)."""
    return isinstance(value, torch.Tensor) and value.dim() == x.dim() and value.shape[0] == x.shape[0] and x.shape[0] > 1


__all__ = ["smoothgrad"]
