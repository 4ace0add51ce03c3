"""Sensitivity of an explanation to small changes of the input (Yeh, Hsieh, Suggala, Inouye
& Ravikumar, *On the (In)fidelity and Sensitivity of Explanations*, NeurIPS 2019, eq. 4):

    SENS_MAX(Phi, f, x, r) = max_{||y - x||_inf <= r} ||Phi(f, y) - Phi(f, x)||

estimated by Monte Carlo over ``n`` points ``y = x + u``, ``u`` uniform in the box of radius
``r`` (as in the paper and in Quantus); :func:`avg_sensitivity` takes the mean instead of
the maximum. A robust explanation barely moves when the image barely changes: lower is
better. The same class is explained at every ``y`` (the class of ``x``).
"""

from __future__ import annotations

import inspect
from typing import Any, Callable, Union

import torch
from torch import nn

from ..core import checks, defaults
from ..attribution import registry
from ..attribution.common import Target
from ..models.classifier import Classifier
from ..core.config import pick
from .features import gate

Method = Union[Callable[..., torch.Tensor], str]


def _explain(method: Method, model: nn.Module | Classifier, x: torch.Tensor, target: Any, options: dict[str, Any]) -> torch.Tensor:
    result = registry.call(method, model, x, target, **options)
    if not isinstance(result, torch.Tensor) or result.dim() < 2 or result.shape[0] != x.shape[0]:
        raise ValueError(f"method must return one map per image, (N,...) with N={x.shape[0]}; got {getattr(result, 'shape', type(result).__name__)}")
    return result.detach().float().reshape(x.shape[0], -1)


def sensitivities(
    model: nn.Module | Classifier,
    x: torch.Tensor,
    target: Target = None,
    *,
    method: Method = "saliency",
    radius: float = 0.2,
    n: int | None = None,
    relative: bool = True,
    seed: int | None = None,
    progress: bool | None = None,
    **options: Any,
) -> torch.Tensor:
    """``(N,n)``: ``||Phi(f, x + u_s) - Phi(f, x)||`` for each image and each of the ``n``
    draws ``u_s`` uniform in ``[-radius, radius]`` per input element (the model's input
    space); divided by ``||Phi(f, x)||`` when ``relative`` (Quantus's default: methods of
    different scales compare). ``method``: a registered method's name or any function
    ``f(model, x, target, **options)``; ``options`` go to it (e.g. ``layer=``). ``target``:
    one class per image (None: the top-1 of ``x``, kept at every draw) or a callable giving one
    score per image (:mod:`cnnviz_lab.targets`), handed to the method as it is."""
    g = gate(model, x, target, "sensitivity")
    radius = checks.real(radius, "radius", minimum=0.0, strict=True)
    draws = checks.positive_int(n if n is not None else pick(50, 8), "n")
    relative = checks.flag(relative, "relative")
    if not (isinstance(method, str) or callable(method)):
        raise TypeError(f"method must be a registered method's name or a function f(model, x, target), got {method!r:.80}")
    fn = registry.get_method(method).fn if isinstance(method, str) else method  # unknown: the closest
    params = inspect.signature(fn).parameters.values()
    if not any(p.kind == p.VAR_KEYWORD for p in params):
        unknown = sorted(set(options) - {p.name for p in params})
        if unknown:
            raise TypeError(f"{', '.join(unknown)}: not a keyword of the method {getattr(fn, '__name__', method)!r}")
    xin = g.x
    fixed = g.targets.tolist() if g.targets is not None else g.objective.fn
    base = _explain(method, model, xin, fixed, options)
    norm = base.norm(dim=1)
    gen = defaults.generator(seed, "cpu")
    out = torch.empty(xin.shape[0], draws, dtype=torch.float64)
    bar = defaults.progress_bar(range(draws), images=draws * xin.shape[0], progress=progress, desc="sensitivity", unit="draw")
    for s in bar:
        u = (torch.rand(xin.shape, generator=gen, dtype=torch.float64) * 2 - 1) * radius
        moved = _explain(method, model, xin + u.to(xin.device, xin.dtype), fixed, options)
        diff = (moved - base).norm(dim=1).double()
        if relative:
            diff = torch.where(
                norm > 0, diff / norm.double().clamp(min=1e-300), torch.where(diff > 0, torch.full_like(diff, float("inf")), torch.zeros_like(diff))
            )
        out[:, s] = diff.cpu()
    return out.float().to(x.device if isinstance(x, torch.Tensor) else xin.device)


def max_sensitivity(
    model: nn.Module | Classifier,
    x: torch.Tensor,
    target: Target = None,
    *,
    method: Method = "saliency",
    radius: float = 0.2,
    n: int | None = None,
    relative: bool = True,
    seed: int | None = None,
    progress: bool | None = None,
    **options: Any,
) -> torch.Tensor:
    """Max-sensitivity of Yeh et al. 2019, ``(N,)``, lower is better: the largest change of
    the explanation over ``n`` random points (default 50, 8 in quick mode) of the box of
    ``radius`` around each image (see :func:`sensitivities` for the arguments)."""
    return sensitivities(model, x, target, method=method, radius=radius, n=n, relative=relative, seed=seed, progress=progress, **options).amax(1)


def avg_sensitivity(
    model: nn.Module | Classifier,
    x: torch.Tensor,
    target: Target = None,
    *,
    method: Method = "saliency",
    radius: float = 0.2,
    n: int | None = None,
    relative: bool = True,
    seed: int | None = None,
    progress: bool | None = None,
    **options: Any,
) -> torch.Tensor:
    """Average sensitivity of Yeh et al. 2019, ``(N,)``, lower is better: the mean change of
    the explanation over ``n`` random points of the box of ``radius`` around each image (see
    :func:`sensitivities`)."""
    return sensitivities(model, x, target, method=method, radius=radius, n=n, relative=relative, seed=seed, progress=progress, **options).mean(1)


__all__ = ["avg_sensitivity", "max_sensitivity", "sensitivities"]
