"""Gradient attributions: saliency, input x gradient, guided backprop, SmoothGrad, IG.

All share ``method(model, x, target=None, *, ...)`` (see :mod:`.common`) and return raw,
detached ``(N,[K],3,H,W)`` tensors on ``x``'s device. K targets per image cost one forward
pass and one batched backward pass (``torch.autograd.grad(..., is_grads_batched=True)``);
images of a batch are explained independently (the model runs in eval mode). Only the
input's gradient is computed: no parameter ``.grad`` is filled, and the model's
``requires_grad`` flags and train/eval modes come back as they were, errors included.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import torch
from torch import nn

from ..core import checks, defaults
from ..models.classifier import Classifier
from ..core.layer_lookup import LayerRef
from ..core.autograd import batched_vjp
from ..core.state import frozen, frozen_forward
from ..core.scoring import Objective, resolve_objective
from .backprop import input_gradients, modified_backprop
from .common import Target, enter, finish, to_caller

ModelLike = nn.Module | Classifier
batched_grad = batched_vjp  # the name this module used to give the batched backward pass


# --- shared machinery ----------------------------------------------------------------
def clean_targets(module: nn.Module, clf: Classifier | None, x: torch.Tensor, target: Target) -> Objective:
    """The target read once from the clean images, for methods that then run many passes on
    noisy or interpolated copies (SmoothGrad, Integrated Gradients), as an
    :class:`~cnnviz_lab.core.outputs.Objective` (hand ``objective.select(rows)`` to each pass).
    ``None`` needs the full forward (each image's top-1); otherwise one image's frozen
    forward gives the model's real number of classes (or a callable's K), against which the
    target is checked."""
    if isinstance(target, Objective):
        return resolve_objective(target, None, clf, n=x.shape[0])
    if target is None:
        return resolve_objective(None, frozen_forward(module, x), clf)
    return resolve_objective(target, frozen_forward(module, x[:1]), clf, n=x.shape[0])


# --- the methods ---------------------------------------------------------------------
def saliency(model: ModelLike, x: torch.Tensor, target: Target = None, *, abs: bool = False) -> torch.Tensor:
    """Vanilla gradient (Simonyan, Vedaldi & Zisserman 2013, *Deep Inside Convolutional
    Networks: Visualising Image Classification Models and Saliency Maps*, arXiv:1312.6034).

    ``d z_c / d x``: the gradient of the target's logit (pre-softmax score, or the score a
    callable target returns) with respect to the input, shape ``(N,[K],3,H,W)``. By default
    it is returned **signed** (the raw gradient); ``abs=True`` returns its absolute value
    ``|d z_c / d x|``, the convention of the paper and of Captum's ``Saliency`` (whose
    ``abs=True`` is also its default). The paper's map is then the maximum over colour
    channels (``cv.plot.reduce_channels(a, "absmax")``).
    """
    absolute = checks.flag(abs, "abs")
    grads, _, squeeze = input_gradients(model, x, target)
    if absolute:
        grads = grads.abs()
    return to_caller(finish(grads, squeeze), x)


def input_x_gradient(model: ModelLike, x: torch.Tensor, target: Target = None) -> torch.Tensor:
    """Input times gradient, ``x * d z_c / d x`` (Shrikumar et al. 2016, *Not Just a Black
    Box*, arXiv:1605.01713): each pixel's first-order contribution to the logit relative to
    an all-zero input. Shape ``(N,[K],3,H,W)``."""
    grads, xd, squeeze = input_gradients(model, x, target)
    return to_caller(finish(grads * xd.unsqueeze(1), squeeze), x)


def guided_backprop(
    model: ModelLike,
    x: torch.Tensor,
    target: Target = None,
    *,
    from_layer: LayerRef | None = None,
    channel: int | Sequence[int] | None = None,
    generalize: bool = False,
    position: tuple[int, int] | str | None = None,
) -> torch.Tensor:
    """Guided backpropagation (Springenberg et al. 2014, *Striving for Simplicity: The All
    Convolutional Net*, arXiv:1412.6806): the input gradient where every ReLU passes back
    ``1[x > 0] * max(grad_out, 0)``. Shape ``(N,[K],3,H,W)``.

    The rule reaches every rectifier: modules, reused modules, in-place ones, ``F.relu`` /
    ``torch.relu`` / ``Tensor.relu`` calls and ReLU6 (see :mod:`.guided`). A model with
    SiLU, GELU, Hardswish... raises ``UnsupportedActivationError`` unless
    ``generalize=True`` (then those pass back ``phi'(x) * max(grad_out, 0)``).

    ``from_layer`` (guided backpropagation started from any layer, not only from a class
    score): the back-propagated quantity is, for each image n, the sum over all spatial
    positions of that layer's output ``A`` (as the module returns it, before any
    activation that follows it): ``sum_{h,w} A[n, channel, h, w]`` for an ``int``
    ``channel``, ``A[n, channel[n]]`` summed likewise for one channel per image, or
    ``sum_{c,h,w} A[n, c, h, w]`` when ``channel`` is None. A module called several times
    (a reused ReLU) counts by its first call, and the forward pass stops there. ``target``
    must then be None; the result is ``(N,3,H,W)``. ``position`` (with a ``channel``) starts
    from one activation instead of the sum, ``A[n, channel, h, w]`` for ``(h, w)`` or each
    image's strongest position of the channel for ``"max"``: one unit, as Springenberg et al.
    and Zeiler & Fergus reconstruct it. (``layer=`` is the old spelling of
    ``from_layer=``: ``layer=`` names the feature map a CAM-style method reads.) This is
    :func:`~cnnviz_lab.attribution.backprop.modified_backprop` with ``backward="guided"``.
    """
    return modified_backprop(model, x, target, backward="guided", from_layer=from_layer, channel=channel, generalize=generalize, position=position)


RULES = ("gausslegendre", "riemann_trapezoid", "riemann_middle")


def _path(steps: int, rule: str, device: torch.device, dtype: torch.dtype) -> tuple[torch.Tensor, torch.Tensor]:
    """Points ``alpha`` in [0, 1] and weights ``w`` with ``sum_i w_i f(alpha_i) ~ int_0^1 f``."""
    steps = checks.positive_int(steps, "steps")
    checks.choice(rule, "rule", RULES)
    if rule == "gausslegendre":
        nodes, weights = np.polynomial.legendre.leggauss(steps)
        alpha, w = (nodes + 1) / 2, weights / 2
    elif rule == "riemann_trapezoid":
        if steps < 2:
            raise ValueError(f"steps must be at least 2 for rule='riemann_trapezoid', got {steps}")
        alpha = np.linspace(0, 1, steps)
        w = np.full(steps, 1.0 / (steps - 1))
        w[0] = w[-1] = 0.5 / (steps - 1)
    else:
        alpha = (np.arange(steps) + 0.5) / steps
        w = np.full(steps, 1.0 / steps)
    return (torch.as_tensor(alpha, device=device, dtype=dtype), torch.as_tensor(w, device=device, dtype=dtype))


def _baseline(baseline, x: torch.Tensor, clf: Classifier | None) -> torch.Tensor:
    if baseline is None or (isinstance(baseline, str) and baseline == "black"):
        if clf is not None:
            return clf.from_unit(torch.zeros_like(x)).to(x.dtype)
        return torch.zeros_like(x)
    if isinstance(baseline, str):
        if baseline == "zero":
            return torch.zeros_like(x)
        raise ValueError(f"unknown baseline {baseline!r}: use None/'black', 'zero', a number or a tensor")
    if isinstance(baseline, (int, float)) and not isinstance(baseline, bool):
        return torch.full_like(x, checks.real(baseline, "baseline"))
    b = torch.as_tensor(baseline).to(x.device, x.dtype)
    if not bool(torch.isfinite(b).all()):
        raise ValueError("baseline contains NaN or infinite values")
    try:
        return torch.broadcast_to(b, x.shape).contiguous()
    except RuntimeError:
        raise ValueError(f"baseline of shape {tuple(b.shape)} does not broadcast to x {tuple(x.shape)}") from None


def integrated_gradients(
    model: ModelLike,
    x: torch.Tensor,
    target: Target = None,
    *,
    baseline: torch.Tensor | float | str | None = None,
    steps: int = 50,
    rule: str = "gausslegendre",
    batch_size: int | None = None,
    return_error: bool = False,
    progress: bool | None = None,
) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
    """Integrated Gradients (Sundararajan, Taly & Yan 2017, *Axiomatic Attribution for Deep
    Networks*, ICML): ``(x - x') * int_0^1 d z_c(x' + a (x - x')) / dx da``, the integral
    taken with ``steps`` points of the quadrature ``rule`` (``"gausslegendre"``, default, as
    in Captum; ``"riemann_trapezoid"``; ``"riemann_middle"``; ``method=`` is its old
    spelling). Shape ``(N,[K],3,H,W)``.

    ``baseline`` x': ``None`` (default) is a black image in the model's input space,
    ``Classifier.from_unit(0)``, when ``model`` is a Classifier, else all zeros;
    ``"zero"``, a number or a tensor broadcastable to ``x`` choose another. Path points go
    through the model ``batch_size`` at a time (``None``: the measured default of
    :func:`cnnviz_lab.core.defaults.batch_size`).

    Completeness says the attribution sums to ``z_c(x) - z_c(x')``. With
    ``return_error=True`` the result is ``(attribution, error)`` where ``error`` (shape
    ``(N,[K])``) is ``attribution.sum() - (z_c(x) - z_c(x'))`` per image and target: raise
    ``steps`` until it is small relative to ``z_c(x) - z_c(x')``.
    """
    module, clf, xd = enter(model, x)
    base = _baseline(baseline, xd, clf)
    alpha, weight = _path(steps, rule, xd.device, xd.dtype)
    steps = len(alpha)
    step = defaults.batch_size(batch_size, module, xd, backward=True)
    with frozen(module):
        objective = clean_targets(module, clf, xd, target)
        count, k, squeeze = xd.shape[0], objective.k, objective.squeeze
        diff = xd - base
        acc = torch.zeros((count, k) + tuple(xd.shape[1:]), device=xd.device, dtype=xd.dtype)
        for idx in defaults.chunks(count * steps, step, device=xd.device, progress=progress, desc="Integrated Gradients"):
            img, j = idx // steps, idx % steps
            points = base[img] + alpha[j].view(-1, 1, 1, 1) * diff[img]
            grads, _, _ = input_gradients(module, points, objective.select(img))
            acc.index_add_(0, img, grads * weight[j].view(-1, 1, 1, 1, 1))
        attribution = acc * diff.unsqueeze(1)
        error = None
        if return_error:
            gap = objective.scores(frozen_forward(module, xd)) - objective.scores(frozen_forward(module, base))
            error = attribution.flatten(2).sum(dim=2) - gap
    result = to_caller(finish(attribution, squeeze), x)
    if return_error:
        return result, to_caller(finish(error, squeeze), x)
    return result


__all__ = ["batched_grad", "clean_targets", "guided_backprop", "input_x_gradient", "integrated_gradients", "saliency"]
