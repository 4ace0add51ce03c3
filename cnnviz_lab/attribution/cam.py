"""The CAM family: class maps from a convolutional layer's feature maps.

All methods read the feature maps ``A_k`` of one layer (default: the model's ``cam_layer``,
the last spatial one) and weight them per class. Results are raw (unnormalised),
non-negative for the gradient methods, detached, ``(N,[K],H,W)`` on ``x``'s device,
upsampled (bilinear) to the input unless ``upsample=False``.

- :func:`cam` (Zhou et al. 2016): the weights of a GAP + linear head (see ``cam_head``).
- :func:`gradcam` (Selvaraju et al. 2017): ``relu(sum_k mean_xy(dS_c/dA_k) A_k)``.
- :func:`gradcam_pp` (Chattopadhay et al. 2018): pixel-weighted gradients, closed form.
- :func:`layercam` (Jiang et al. 2021): ``relu(sum_k relu(dS_c/dA_k) * A_k)`` per position.
- :func:`scorecam` (Wang et al. 2020): each upsampled map masks the input; the weight is
  how much the masked input raises the class probability. Gradient free.

K targets per image cost one forward pass and one batched backward pass that stops at the
layer (``torch.autograd.grad(..., is_grads_batched=True)``), never K passes; no parameter
gradient is computed (``frozen``), no hook outlives a call (``capture``), and the layer's
own output is used even when an in-place ReLU follows it.
"""

from __future__ import annotations

import warnings
from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn
from tqdm.auto import tqdm

from ..layers import LayerRef, capture
from ..models import Classifier, unwrap
from .cam_head import (FullyConvolutional, GapLinearHead, NoGapLinearHeadError, cam, default_layer,
                       find_gap_linear_head, fully_convolutional)
from .common import Target, finish, frozen, prepare_input, resolve_targets

__all__ = ["CAM_METHODS", "FullyConvolutional", "GapLinearHead", "NoGapLinearHeadError", "cam",
           "cam_layers", "cam_method", "find_gap_linear_head", "fully_convolutional", "gradcam",
           "gradcam_pp", "layer_gradients", "layercam", "scorecam"]


def layer_gradients(model: nn.Module | Classifier, x: torch.Tensor, target: Target = None, *,
                    layer: LayerRef | None = None
                    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, bool]:
    """Activations and class-score gradients of one layer, for K targets per image.

    Returns ``(A, G, logits, targets, squeeze)``: ``A`` the layer's output ``(N,C,h,w)``,
    ``G[n,k] = dS_{t[n,k]}(x_n) / dA_n`` of shape ``(N,K,C,h,w)``, the logits ``(N,classes)``,
    the ``(N,K)`` targets, and whether one class per image was asked for. One forward pass
    and one batched backward pass (``is_grads_batched=True``) that stops at the layer; no
    parameter gradient is computed.
    """
    module, clf = unwrap(model)
    xin = prepare_input(module, x)
    name = default_layer(module, clf, layer, xin.shape[-1])
    with frozen(module), torch.enable_grad(), capture(module, name, gradients=True) as cap:
        logits = module(xin)
        act = cap[name]
        if not isinstance(act, torch.Tensor) or act.dim() != 4:
            raise ValueError(f"layer {name!r} outputs {type(act).__name__} of shape "
                             f"{tuple(getattr(act, 'shape', ()))}; CAM methods need an (N,C,H,W) "
                             "feature map: pick a convolutional layer (cv.layer_names(model, 'conv'))")
        if not logits.requires_grad:
            raise RuntimeError(f"the class scores do not depend on layer {name!r}; pick a layer "
                               "the forward pass goes through")
        targets, squeeze = resolve_targets(target, logits.detach(), clf)
        n, k = targets.shape
        onehot = torch.zeros(k, *logits.shape, device=logits.device, dtype=logits.dtype)
        onehot.scatter_(2, targets.t().unsqueeze(2), 1.0)   # onehot[j, n, targets[n, j]] = 1
        grads = _batched_grad(logits, act, onehot)           # (K,N,C,h,w)
    return act.detach(), grads.transpose(0, 1), logits.detach(), targets, squeeze


def _batched_grad(output: torch.Tensor, inp: torch.Tensor, grad_outputs: torch.Tensor) -> torch.Tensor:
    """``d<grad_outputs[j], output>/d inp`` for every j: one vmapped backward pass, or (for
    operations vmap cannot batch) one backward per j over the same graph."""
    if grad_outputs.shape[0] == 1:
        g, = torch.autograd.grad(output, inp, grad_outputs[0])
        return g.unsqueeze(0)
    try:
        g, = torch.autograd.grad(output, inp, grad_outputs, retain_graph=True, is_grads_batched=True)
        return g
    except (RuntimeError, NotImplementedError) as err:  # pragma: no cover - model dependent
        warnings.warn(f"batched backward failed ({err}); falling back to one backward per target")
        return torch.stack([torch.autograd.grad(output, inp, go, retain_graph=True)[0]
                            for go in grad_outputs])


def _finish(maps: torch.Tensor, x: torch.Tensor, squeeze: bool, upsample: bool) -> torch.Tensor:
    """Upsample ``(N,K,h,w)`` maps to the input size, drop K if asked, move to x's device."""
    if upsample and maps.shape[-2:] != x.shape[-2:]:
        maps = F.interpolate(maps, size=x.shape[-2:], mode="bilinear", align_corners=False)
        maps = maps.clamp_min(0)  # bilinear interpolation keeps signs; guard rounding
    return finish(maps, squeeze).to(x.device)


def gradcam(model: nn.Module | Classifier, x: torch.Tensor, target: Target = None, *,
            layer: LayerRef | None = None, upsample: bool = True) -> torch.Tensor:
    """Grad-CAM: ``relu(sum_k alpha_k^c A_k)`` with ``alpha_k^c = mean_xy dS_c/dA_k(x,y)``.

    Selvaraju, Cogswell, Das, Vedantam, Parikh, Batra, *Grad-CAM: Visual Explanations from
    Deep Networks via Gradient-based Localization*, ICCV 2017. ``S_c`` is the class logit,
    ``A`` the output of ``layer`` (default: the model's CAM layer; any spatial layer works).
    An ``(N,K)`` target (e.g. ``topk_targets(model, x, 5)``) costs one forward pass and one
    batched backward pass. Raw, non-negative maps ``(N,[K],H,W)``.
    """
    act, grads, _, _, squeeze = layer_gradients(model, x, target, layer=layer)
    alpha = grads.mean(dim=(3, 4))                                    # (N,K,C)
    maps = torch.einsum("nkc,nchw->nkhw", alpha, act).clamp_min(0)
    return _finish(maps, x, squeeze, upsample)


def gradcam_pp(model: nn.Module | Classifier, x: torch.Tensor, target: Target = None, *,
               layer: LayerRef | None = None, upsample: bool = True) -> torch.Tensor:
    """Grad-CAM++: ``relu(sum_k w_k^c A_k)``, ``w_k^c = sum_xy a_kxy relu(dS_c/dA_kxy)``.

    Chattopadhay, Sarkar, Howlader, Balasubramanian, *Grad-CAM++: Improved Visual
    Explanations for Deep Convolutional Networks*, WACV 2018. With the class score taken as
    ``exp(S_c)``, higher derivatives are powers of the gradient ``g`` and the pixel weights
    have the closed form ``a = g^2 / (2 g^2 + sum_xy A_k(x,y) g^3)`` (Eq. 19). The common
    factor ``exp(S_c)`` of all ``w_k^c`` is left out: it only rescales the map (and
    overflows for large logits). Where the denominator is 0, ``a = 0`` (never NaN).
    """
    act, grads, _, _, squeeze = layer_gradients(model, x, target, layer=layer)
    g2 = grads.pow(2)
    g3 = g2 * grads
    total = act.sum(dim=(2, 3))[:, None, :, None, None]              # (N,1,C,1,1)
    denom = 2 * g2 + total * g3
    safe = torch.where(denom != 0, denom, torch.ones_like(denom))
    alpha = torch.where(denom != 0, g2 / safe, torch.zeros_like(denom))
    weights = (alpha * grads.clamp_min(0)).sum(dim=(3, 4))           # (N,K,C)
    maps = torch.einsum("nkc,nchw->nkhw", weights, act).clamp_min(0)
    return _finish(maps, x, squeeze, upsample)


def layercam(model: nn.Module | Classifier, x: torch.Tensor, target: Target = None, *,
             layer: LayerRef | None = None, upsample: bool = True) -> torch.Tensor:
    """LayerCAM: ``relu(sum_k relu(dS_c/dA_k(x,y)) * A_k(x,y))``, a weight per position.

    Jiang, Zhang, Hou, Cheng, Wei, *LayerCAM: Exploring Hierarchical Class Activation Maps
    for Localization*, IEEE TIP 2021. Unlike Grad-CAM it keeps fine detail at early layers.
    """
    act, grads, _, _, squeeze = layer_gradients(model, x, target, layer=layer)
    maps = (grads.clamp_min(0) * act.unsqueeze(1)).sum(dim=2).clamp_min(0)
    return _finish(maps, x, squeeze, upsample)


def _unit_masks(act: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Each channel upsampled to ``size`` and min-max scaled to [0, 1] (a constant channel
    gives a zero mask)."""
    up = F.interpolate(act, size=size, mode="bilinear", align_corners=False)
    lo = up.amin(dim=(2, 3), keepdim=True)
    span = up.amax(dim=(2, 3), keepdim=True) - lo
    return torch.where(span > 0, (up - lo) / torch.where(span > 0, span, torch.ones_like(span)),
                       torch.zeros_like(up))


def scorecam(model: nn.Module | Classifier, x: torch.Tensor, target: Target = None, *,
             layer: LayerRef | None = None, upsample: bool = True, batch_size: int = 32,
             max_channels: int | None = None, progress: bool | None = None) -> torch.Tensor:
    """Score-CAM: ``relu(sum_k w_k^c A_k)`` with ``w_k^c = p_c(x * H_k) - p_c(x_b)``.

    Wang, Wang, Du, Yang, Zhang, Ding, Mardziel, Hu, *Score-CAM: Score-Weighted Visual
    Explanations for Convolutional Neural Networks*, CVPR Workshops 2020. ``H_k`` is channel
    ``k`` of ``layer`` upsampled to the input and scaled to [0, 1]; ``p_c`` the softmax
    probability; the baseline ``x_b = x * 0`` (the all-mean image of a normalised input).
    No gradient: one forward pass per channel and image, in batches of ``batch_size``
    masked images (this bounds the memory), with a progress bar (``progress=None``: shown
    when there are more than 4 batches). All K targets come from the same forwards.
    ``max_channels``: score only the channels with the largest mean activation per image
    (the rest get weight 0), a speed-up for wide layers (1280 channels in EfficientNet).
    """
    module, clf = unwrap(model)
    xin = prepare_input(module, x)
    name = default_layer(module, clf, layer, xin.shape[-1])
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    with torch.no_grad(), frozen(module):
        with capture(module, name) as cap:
            logits = module(xin)
        act = cap[name]
        if not isinstance(act, torch.Tensor) or act.dim() != 4:
            raise ValueError(f"layer {name!r} does not output an (N,C,H,W) feature map")
        targets, squeeze = resolve_targets(target, logits, clf)
        base = module(torch.zeros_like(xin[:1])).softmax(dim=1)[0]     # p(x_b), (classes,)
        n, c = act.shape[:2]
        keep = c if max_channels is None else max(1, min(int(max_channels), c))
        chosen = act.mean(dim=(2, 3)).topk(keep, dim=1).indices       # (N,keep)
        weights = torch.zeros(n, targets.shape[1], c, device=act.device, dtype=act.dtype)
        chunks = [(i, s) for i in range(n) for s in range(0, keep, batch_size)]
        show = len(chunks) > 4 if progress is None else progress
        for i, start in tqdm(chunks, desc="Score-CAM", disable=not show, leave=False):
            idx = chosen[i, start:start + batch_size]
            masks = _unit_masks(act[i:i + 1, idx].transpose(0, 1), xin.shape[-2:])   # (B,1,H,W)
            probs = module(xin[i:i + 1] * masks).softmax(dim=1)                       # (B,classes)
            gain = probs[:, targets[i]] - base[targets[i]]                            # (B,K)
            weights[i, :, idx] = gain.t().to(weights.dtype)
    maps = torch.einsum("nkc,nchw->nkhw", weights, act).clamp_min(0)
    return _finish(maps, x, squeeze, upsample)


CAM_METHODS: dict[str, Callable[..., torch.Tensor]] = {
    "cam": cam, "gradcam": gradcam, "gradcam++": gradcam_pp, "layercam": layercam,
    "scorecam": scorecam,
}


def cam_method(method: str | Callable[..., torch.Tensor]) -> Callable[..., torch.Tensor]:
    """A CAM method by name (``cam``, ``gradcam``, ``gradcam++``, ``layercam``,
    ``scorecam``; ``_`` and ``-`` ignored) or the function itself."""
    if callable(method):
        return method
    key = str(method).lower().replace("_", "").replace("-", "").replace("pp", "++")
    if key not in CAM_METHODS:
        raise ValueError(f"unknown CAM method {method!r}; choose from {', '.join(CAM_METHODS)}")
    return CAM_METHODS[key]


_LEAVES = (nn.Conv2d, nn.BatchNorm2d, nn.ReLU, nn.ReLU6, nn.SiLU, nn.Hardswish, nn.Dropout,
           nn.Identity, nn.MaxPool2d, nn.AvgPool2d, nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d)


def cam_layers(model: nn.Module | Classifier, size: int | None = None, max_depth: int = 2
               ) -> list[str]:
    """Layers worth explaining, early to late: the network's blocks (modules at most
    ``max_depth`` dots deep, other than single convolutions, norms, activations and pools)
    whose output is a spatial map, ending with the CAM layer. A container whose output is
    its last block's output (a ``Sequential`` stage) gives way to that block. Networks made
    of plain layers (VGG, AlexNet) get their ReLU outputs instead. One probe forward pass
    on a blank ``size`` image (default 128 pixels: enough for every layer to stay spatial)."""
    module, clf = unwrap(model)
    size = size or 128
    last = default_layer(module, clf, None, size)
    names = {m: n for n, m in module.named_modules() if n}
    order: list[tuple[str, torch.Tensor, bool]] = []

    def hook(mod, _inp, out):
        if isinstance(out, torch.Tensor) and out.dim() == 4 and out.shape[-1] * out.shape[-2] > 1:
            order.append((names[mod], out, isinstance(mod, (nn.ReLU, nn.ReLU6))))

    handles = [m.register_forward_hook(hook) for m in names]
    try:
        param = next(module.parameters(), None)
        device = param.device if param is not None else torch.device("cpu")
        with torch.no_grad(), frozen(module):
            module(torch.zeros(1, 3, size, size, device=device))
    finally:
        for h in handles:
            h.remove()
    blocks: list[str] = []
    seen: list[torch.Tensor] = []
    for name, out, _ in order:
        mod = module.get_submodule(name)
        if name.count(".") >= max_depth or isinstance(mod, _LEAVES) or name in blocks:
            continue
        if any(out is s for s in seen):   # a stage returning its last block's output
            continue
        blocks.append(name)
        seen.append(out)
    if len(blocks) < 4:   # plain layer stacks: their activations
        blocks = list(dict.fromkeys(n for n, _, relu in order if relu))
    outs = {name: out for name, out, _ in order}
    if last in blocks:
        return blocks[:blocks.index(last) + 1]
    final = outs.get(last)
    return [b for b in blocks if outs[b] is not final] + [last]
