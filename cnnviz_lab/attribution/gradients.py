"""Gradient attributions: saliency, input x gradient, guided backprop, SmoothGrad, IG.

All share ``method(model, x, target=None, *, ...)`` (see :mod:`.common`) and return raw,
detached ``(N,[K],3,H,W)`` tensors on ``x``'s device. K targets per image cost one forward
pass and one batched backward pass (``torch.autograd.grad(..., is_grads_batched=True)``);
images of a batch are explained independently (the model runs in eval mode). Only the
input's gradient is computed: no parameter ``.grad`` is filled, and the model's
``requires_grad`` flags and train/eval modes come back as they were, errors included.
"""

from __future__ import annotations

from contextlib import nullcontext
from typing import Callable, Sequence

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from ..layers import capture, layer_name
from ..models import Classifier, unwrap
from .common import Target, finish, frozen, gather_scores, prepare_input, resolve_targets
from .guided import guided_relus

ModelLike = nn.Module | Classifier
DEFAULT_BATCH = 32  # samples per forward/backward pass in SmoothGrad and IG


# --- shared machinery ----------------------------------------------------------------
def _targets(target: Target, logits: torch.Tensor, classifier: Classifier | None
             ) -> tuple[torch.Tensor, bool]:
    """``resolve_targets``, with a fast path for an ``(N,K)`` integer tensor already on the
    right device (what SmoothGrad and IG pass to their base method for every chunk)."""
    if isinstance(target, torch.Tensor) and target.dim() == 2 and not target.is_floating_point() \
            and target.shape[0] == logits.shape[0]:
        t = target.to(logits.device, torch.long)
        if t.numel() and (int(t.min()) < 0 or int(t.max()) >= logits.shape[1]):
            raise IndexError(f"target class out of range 0..{logits.shape[1] - 1}")
        return t, False
    return resolve_targets(target, logits, classifier)


def batched_grad(scores: torch.Tensor, inputs: torch.Tensor, batched: bool = True) -> torch.Tensor:
    """Gradients of each column of ``scores`` (N,K) w.r.t. ``inputs`` (N,...): (N,K,...).

    Row n of ``scores`` must depend on row n of ``inputs`` only (true for a network in eval
    mode), so column k's gradient for all N images is one backward pass, and the K columns
    are one batched backward (``is_grads_batched=True``, vmap over one-hot grad outputs).
    When vmap cannot run through some op of the graph, or ``batched=False``, it loops over
    the K columns instead (same result, K backward passes).
    """
    n, k = scores.shape
    if k == 1:
        (g,) = torch.autograd.grad(scores.sum(), inputs)
        return g.unsqueeze(1)
    if batched:
        onehot = torch.eye(k, device=scores.device, dtype=scores.dtype)[:, None, :].expand(k, n, k)
        try:
            (g,) = torch.autograd.grad(scores, inputs, grad_outputs=onehot.contiguous(),
                                       is_grads_batched=True, retain_graph=True)
            return g.transpose(0, 1)
        except (RuntimeError, NotImplementedError):
            pass  # an op without a batching rule: fall back to K backward passes
    grads = []
    for j in range(k):
        (g,) = torch.autograd.grad(scores[:, j].sum(), inputs, retain_graph=j < k - 1)
        grads.append(g)
    return torch.stack(grads, dim=1)


def _model_name(module: nn.Module, classifier: Classifier | None) -> str:
    return classifier.name if classifier is not None else type(module).__name__


def _input_gradients(model: ModelLike, x: torch.Tensor, target: Target, *, guided: bool = False,
                     generalize: bool = False) -> tuple[torch.Tensor, torch.Tensor, bool]:
    """One forward, one batched backward: ``(grads (N,K,C,H,W), x on the model's device,
    squeeze flag)``."""
    module, clf = unwrap(model)
    x = prepare_input(module, x)
    mode = guided_relus(_model_name(module, clf), generalize) if guided else nullcontext()
    with frozen(module):
        xg = x.detach().requires_grad_(True)
        with torch.enable_grad():
            with mode:
                logits = module(xg)
            targets, squeeze = _targets(target, logits.detach(), clf)
            grads = batched_grad(gather_scores(logits, targets), xg)
    return grads.detach(), x, squeeze


def _back(result: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    return result.to(like.device) if result.device != like.device else result


# --- the methods ---------------------------------------------------------------------
def saliency(model: ModelLike, x: torch.Tensor, target: Target = None) -> torch.Tensor:
    """Vanilla gradient (Simonyan, Vedaldi & Zisserman 2013, *Deep Inside Convolutional
    Networks: Visualising Image Classification Models and Saliency Maps*, arXiv:1312.6034).

    ``d z_c / d x``: the gradient of the target's logit (pre-softmax score) with respect to
    the input, raw and signed, shape ``(N,[K],3,H,W)``. The paper's saliency map is its
    maximum absolute value over colour channels (``cv.plot.reduce_channels(a, "absmax")``).
    """
    grads, _, squeeze = _input_gradients(model, x, target)
    return _back(finish(grads, squeeze), x)


def input_x_gradient(model: ModelLike, x: torch.Tensor, target: Target = None) -> torch.Tensor:
    """Input times gradient, ``x * d z_c / d x`` (Shrikumar et al. 2016, *Not Just a Black
    Box*, arXiv:1605.01713): each pixel's first-order contribution to the logit relative to
    an all-zero input. Shape ``(N,[K],3,H,W)``."""
    grads, xd, squeeze = _input_gradients(model, x, target)
    return _back(finish(grads * xd.unsqueeze(1), squeeze), x)


def guided_backprop(model: ModelLike, x: torch.Tensor, target: Target = None, *,
                    layer: str | nn.Module | None = None, channel: int | Sequence[int] | None = None,
                    generalize: bool = False) -> torch.Tensor:
    """Guided backpropagation (Springenberg et al. 2014, *Striving for Simplicity: The All
    Convolutional Net*, arXiv:1412.6806): the input gradient where every ReLU passes back
    ``1[x > 0] * max(grad_out, 0)``. Shape ``(N,[K],3,H,W)``.

    The rule reaches every rectifier: modules, reused modules, in-place ones, ``F.relu`` /
    ``torch.relu`` / ``Tensor.relu`` calls and ReLU6 (see :mod:`.guided`). A model with
    SiLU, GELU, Hardswish... raises ``UnsupportedActivationError`` unless
    ``generalize=True`` (then those pass back ``phi'(x) * max(grad_out, 0)``).

    With ``layer`` (seed 001: "guided backpropagation from any convolutional layer") the
    back-propagated quantity is, for each image n, the sum over all spatial positions of
    the layer's output ``A`` (as the module returns it, before any activation that
    follows it): ``sum_{h,w} A[n, channel, h, w]`` for an ``int`` channel, ``A[n, channel[n]]``
    summed likewise for one channel per image, or ``sum_{c,h,w} A[n, c, h, w]`` when
    ``channel`` is None. A module called several times (a reused ReLU) counts by its first
    call, and the forward pass stops there. ``target`` must then be None; the result is
    ``(N,3,H,W)``.
    """
    if layer is None:
        if channel is not None:
            raise ValueError("channel= needs layer=: name the layer whose channel to back-propagate")
        grads, _, squeeze = _input_gradients(model, x, target, guided=True, generalize=generalize)
        return _back(finish(grads, squeeze), x)
    if target is not None:
        raise ValueError("pass either target= (a class score) or layer= (a layer's activation), not both")
    module, clf = unwrap(model)
    name = layer_name(module, layer)
    xd = prepare_input(module, x)
    with frozen(module), torch.enable_grad():
        xg = xd.detach().requires_grad_(True)
        with capture(module, name, stop=True) as cap, guided_relus(_model_name(module, clf), generalize):
            cap.forward(xg)
        act = cap[name]
        if not isinstance(act, torch.Tensor) or act.dim() < 2:
            raise ValueError(f"layer {name} does not output a (N,C,...) tensor")
        if channel is None:
            objective = act.sum()
        else:
            chans = torch.as_tensor(channel, device=act.device).long().reshape(-1)
            if chans.numel() not in (1, act.shape[0]):
                raise ValueError(f"channel: one int, or one per image ({act.shape[0]}), got {chans.numel()}")
            if int(chans.min()) < 0 or int(chans.max()) >= act.shape[1]:
                raise IndexError(f"{name} has {act.shape[1]} channels (0..{act.shape[1] - 1})")
            chans = chans.expand(act.shape[0])
            objective = act[torch.arange(act.shape[0], device=act.device), chans].sum()
        (g,) = torch.autograd.grad(objective, xg)
    return _back(g.detach(), x)


BASE_METHODS: dict[str, Callable] = {}


def _base_method(method: str | Callable) -> Callable:
    if callable(method):
        return method
    key = str(method).lower().replace("-", "_").replace(" ", "_")
    if key not in BASE_METHODS:
        raise ValueError(f"unknown base method {method!r}; choose from {', '.join(BASE_METHODS)} "
                         "or pass a function with the attribution signature")
    return BASE_METHODS[key]


def _clean_targets(module: nn.Module, clf: Classifier | None, x: torch.Tensor, target: Target
                   ) -> tuple[torch.Tensor, bool]:
    """Targets for the clean images; a no-grad forward only when ``target=None`` (each
    image's top-1 class must be read from the model). Otherwise the classes are resolved
    against a shape-only stand-in for the logits (an expanded view, nothing allocated); with
    a bare module the range check then happens in the base method, on the real logits."""
    if target is not None:
        classes = len(clf.categories) if clf is not None else 2 ** 40
        stand_in = torch.empty((x.shape[0], 1), device=x.device).expand(x.shape[0], classes)
        return _targets(target, stand_in, clf)
    with torch.no_grad():
        logits = module(x)
    return _targets(target, logits, clf)


def _progress(total: int, step: int, progress: bool | None, desc: str):
    chunks = -(-total // step)
    disable = (chunks <= 2) if progress is None else not progress
    return tqdm(range(0, total, step), desc=desc, disable=disable, leave=False)


def smoothgrad(model: ModelLike, x: torch.Tensor, target: Target = None, *,
               method: str | Callable = saliency, n: int = 50, noise: float = 0.15,
               squared: bool = False, vargrad: bool = False, batch_size: int | None = None,
               seed: int | None = None, progress: bool | None = None, **method_kwargs) -> torch.Tensor:
    """SmoothGrad (Smilkov et al. 2017, *SmoothGrad: removing noise by adding noise*,
    arXiv:1706.03825): the mean of a base attribution over ``n`` noisy copies of each image,
    ``(1/n) sum_i M(x + e_i)``, ``e_i ~ N(0, sigma^2)``, ``sigma = noise * (max(x) - min(x))``
    of that image (the paper's noise level, a fraction of the input range).

    ``method``: any attribution function with the common signature (``saliency``,
    ``guided_backprop``, ``input_x_gradient``, ...) or its name (``"vanilla"``, ``"guided"``,
    ``"input_x_gradient"``); ``method_kwargs`` go to it. ``squared=True`` averages ``M^2``
    (SmoothGrad-Squared, Hooker et al. 2019); ``vargrad=True`` returns the variance
    ``mean(M^2) - mean(M)^2`` (VarGrad, Adebayo et al. 2018). Targets are read from the
    clean image (``None`` = its top-1), not from each noisy copy. Noisy samples go through
    the model ``batch_size`` at a time (default 32), which bounds memory; noise is drawn
    sample by sample from a ``torch.Generator`` on x's device seeded with ``seed``, so a
    seed gives the same result whatever the batch size. Shape ``(N,[K],3,H,W)``.
    """
    if squared and vargrad:
        raise ValueError("choose squared=True or vargrad=True, not both")
    if n < 1:
        raise ValueError("n (number of noisy samples) must be at least 1")
    base = _base_method(method)
    module, clf = unwrap(model)
    xd = prepare_input(module, x)
    with frozen(module):
        targets, squeeze = _clean_targets(module, clf, xd, target)
    count, k = xd.shape[0], targets.shape[1]
    flat = xd.reshape(count, -1)
    sigma = noise * (flat.amax(dim=1) - flat.amin(dim=1))
    gen = None
    if seed is not None:
        gen = torch.Generator(device=xd.device)
        gen.manual_seed(int(seed))
    step = max(1, int(batch_size or DEFAULT_BATCH))
    total = count * n
    acc = torch.zeros((count, k) + tuple(xd.shape[1:]), device=xd.device, dtype=xd.dtype)
    acc_sq = torch.zeros_like(acc) if vargrad else None
    for start in _progress(total, step, progress, "SmoothGrad"):
        idx = torch.arange(start, min(start + step, total), device=xd.device)
        img = idx // n
        eps = torch.cat([torch.randn((1,) + tuple(xd.shape[1:]), generator=gen, device=xd.device,
                                     dtype=xd.dtype) for _ in range(len(idx))])
        samples = xd[img] + eps * sigma[img].view(-1, 1, 1, 1)
        a = base(model, samples, targets[img], **method_kwargs)
        if a.dim() == samples.dim():  # a method that ignores K (only possible for K == 1)
            a = a.unsqueeze(1)
        a = a.to(acc.device)
        acc.index_add_(0, img, a * a if squared else a)
        if acc_sq is not None:
            acc_sq.index_add_(0, img, a * a)
    mean = acc / n
    if acc_sq is not None:
        mean = (acc_sq / n - mean * mean).clamp_(min=0)
    return _back(finish(mean, squeeze), x)


def _path(steps: int, rule: str, device: torch.device, dtype: torch.dtype
          ) -> tuple[torch.Tensor, torch.Tensor]:
    """Points ``alpha`` in [0, 1] and weights ``w`` with ``sum_i w_i f(alpha_i) ~ int_0^1 f``."""
    if steps < 1:
        raise ValueError("steps must be at least 1")
    if rule == "gausslegendre":
        nodes, weights = np.polynomial.legendre.leggauss(steps)
        alpha, w = (nodes + 1) / 2, weights / 2
    elif rule == "riemann_trapezoid":
        if steps < 2:
            raise ValueError("the trapezoid rule needs steps >= 2")
        alpha = np.linspace(0, 1, steps)
        w = np.full(steps, 1.0 / (steps - 1))
        w[0] = w[-1] = 0.5 / (steps - 1)
    elif rule == "riemann_middle":
        alpha = (np.arange(steps) + 0.5) / steps
        w = np.full(steps, 1.0 / steps)
    else:
        raise ValueError(f"unknown integration rule {rule!r}; choose gausslegendre, "
                         "riemann_trapezoid or riemann_middle")
    return (torch.as_tensor(alpha, device=device, dtype=dtype),
            torch.as_tensor(w, device=device, dtype=dtype))


def _baseline(baseline, x: torch.Tensor, clf: Classifier | None) -> torch.Tensor:
    if baseline is None or (isinstance(baseline, str) and baseline == "black"):
        if clf is not None:
            return clf.from_unit(torch.zeros_like(x)).to(x.dtype)
        return torch.zeros_like(x)
    if isinstance(baseline, str):
        if baseline == "zero":
            return torch.zeros_like(x)
        raise ValueError(f"unknown baseline {baseline!r}: use None/'black', 'zero', a number or a tensor")
    if isinstance(baseline, (int, float)):
        return torch.full_like(x, float(baseline))
    b = torch.as_tensor(baseline).to(x.device, x.dtype)
    try:
        return torch.broadcast_to(b, x.shape).contiguous()
    except RuntimeError:
        raise ValueError(f"baseline of shape {tuple(b.shape)} does not broadcast to x {tuple(x.shape)}") from None


def integrated_gradients(model: ModelLike, x: torch.Tensor, target: Target = None, *,
                         baseline: torch.Tensor | float | str | None = None, steps: int = 50,
                         method: str = "gausslegendre", batch_size: int | None = None,
                         return_error: bool = False, progress: bool | None = None
                         ) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
    """Integrated Gradients (Sundararajan, Taly & Yan 2017, *Axiomatic Attribution for Deep
    Networks*, ICML): ``(x - x') * int_0^1 d z_c(x' + a (x - x')) / dx da``, the integral
    taken with ``steps`` points of ``method`` (``"gausslegendre"``, default, as in Captum;
    ``"riemann_trapezoid"``; ``"riemann_middle"``). Shape ``(N,[K],3,H,W)``.

    ``baseline`` x': ``None`` (default) is a black image in the model's input space,
    ``Classifier.from_unit(0)``, when ``model`` is a Classifier, else all zeros;
    ``"zero"``, a number or a tensor broadcastable to ``x`` choose another. Path points go
    through the model ``batch_size`` at a time (default 32).

    Completeness says the attribution sums to ``z_c(x) - z_c(x')``. With
    ``return_error=True`` the result is ``(attribution, error)`` where ``error`` (shape
    ``(N,[K])``) is ``attribution.sum() - (z_c(x) - z_c(x'))`` per image and target: raise
    ``steps`` until it is small relative to ``z_c(x) - z_c(x')``.
    """
    module, clf = unwrap(model)
    xd = prepare_input(module, x)
    base = _baseline(baseline, xd, clf)
    alpha, weight = _path(steps, method, xd.device, xd.dtype)
    with frozen(module):
        targets, squeeze = _clean_targets(module, clf, xd, target)
        count, k = xd.shape[0], targets.shape[1]
        diff = xd - base
        step = max(1, int(batch_size or DEFAULT_BATCH))
        total = count * steps
        acc = torch.zeros((count, k) + tuple(xd.shape[1:]), device=xd.device, dtype=xd.dtype)
        for start in _progress(total, step, progress, "Integrated Gradients"):
            idx = torch.arange(start, min(start + step, total), device=xd.device)
            img, j = idx // steps, idx % steps
            points = base[img] + alpha[j].view(-1, 1, 1, 1) * diff[img]
            grads, _, _ = _input_gradients(module, points, targets[img])
            acc.index_add_(0, img, grads * weight[j].view(-1, 1, 1, 1, 1))
        attribution = acc * diff.unsqueeze(1)
        error = None
        if return_error:
            with torch.no_grad():
                gap = gather_scores(module(xd), targets) - gather_scores(module(base), targets)
            error = attribution.flatten(2).sum(dim=2) - gap
    result = _back(finish(attribution, squeeze), x)
    if return_error:
        return result, _back(finish(error, squeeze), x)
    return result


BASE_METHODS.update({
    "saliency": saliency, "vanilla": saliency, "gradient": saliency,
    "guided": guided_backprop, "guided_backprop": guided_backprop,
    "input_x_gradient": input_x_gradient, "integrated_gradients": integrated_gradients,
    "ig": integrated_gradients,
})

__all__ = ["batched_grad", "guided_backprop", "input_x_gradient", "integrated_gradients",
           "saliency", "smoothgrad"]
