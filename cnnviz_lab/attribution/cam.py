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

import torch
import torch.nn.functional as F
from torch import nn

from ..core import checks, defaults
from ..models.classifier import Classifier
from ..core.layer_lookup import LayerRef
from ..core.hooks import capture
from ..core.probes import default_layer
from ..core.state import autograd_on, frozen, frozen_forward
from ..core.autograd import batched_vjp
from ..core.scoring import Objective, require_graph
from ..core.perturb import perturbed_scores, pick_reader
from .cam_head import FullyConvolutional, GapLinearHead, NoGapLinearHeadError, cam, feature_map, find_gap_linear_head, fully_convolutional
from .common import Target, enter, finish, resolve_objective
from ..core.token_grid import apply_reshape, Reshape, reshape_like

__all__ = [
    "FullyConvolutional",
    "GapLinearHead",
    "NoGapLinearHeadError",
    "cam",
    "find_gap_linear_head",
    "finish_maps",
    "fully_convolutional",
    "gradcam",
    "gradcam_pp",
    "layer_gradients",
    "layercam",
    "scorecam",
]


def layer_gradients(
    model: nn.Module | Classifier, x: torch.Tensor, target: Target = None, *, layer: LayerRef | None = None, reshape: Reshape | None = None
) -> tuple[torch.Tensor, torch.Tensor, object, Objective, bool]:
    """Activations and target-score gradients of one layer, for K targets per image.

    Returns ``(A, G, output, objective, squeeze)``: ``A`` the layer's output ``(N,C,h,w)``
    (a token sequence or channels-last map through ``reshape``, see :mod:`cnnviz_lab.core.token_grid`),
    ``G[n,k] = dS_k(x_n) / dA_n`` of shape ``(N,K,C,h,w)`` (the same reshape), the model's
    raw output (detached), the resolved :class:`~cnnviz_lab.core.outputs.Objective`, and
    whether one score per image was asked for. ``S`` is the class logit or a callable
    target's score. One forward pass and one batched backward pass
    (``is_grads_batched=True``) that stops at the layer; no parameter gradient is computed.
    """
    module, clf, xin = enter(model, x)
    name = default_layer(model, layer, tuple(xin.shape[-2:]))
    with frozen(module), autograd_on(), capture(module, name, gradients=True) as cap:
        output = module(xin.clone())
        raw = cap[name]
        grid, how = apply_reshape(module, name, raw, xin, reshape)
        act = feature_map(grid, name, xin)
        objective = resolve_objective(target, output, clf, n=xin.shape[0])
        scores = objective.scores(output)
        if not raw.requires_grad:
            require_graph(scores, output, objective, f"layer {name!r}")
        require_graph(scores, output, objective)
        try:
            grads = batched_vjp(scores, raw)  # (N,K,...)
        except RuntimeError as err:
            if "not have been used" not in str(err):
                raise
            raise ValueError(
                f"layer {name!r}: the target's scores do not depend on this layer's output; pick a layer the forward pass goes through before the output"
            ) from None
        grads = reshape_like(how, grads, 2)  # (N,K,C,h,w)
    return act.detach(), grads, _detached(output), objective, objective.squeeze


def _detached(output: object) -> object:
    return output.detach() if isinstance(output, torch.Tensor) else output


def finish_maps(maps: torch.Tensor, x: torch.Tensor, squeeze: bool, upsample: bool, rectified: bool = True) -> torch.Tensor:
    """``(N,K,h,w)`` maps upsampled (bilinear) to ``x``'s size unless ``upsample=False``, K
    dropped when one class per image was asked for, on ``x``'s device. Rectified maps stay
    non-negative after interpolation (rounding guard); signed maps keep their sign."""
    if checks.flag(upsample, "upsample") and maps.shape[-2:] != x.shape[-2:]:
        maps = F.interpolate(maps, size=x.shape[-2:], mode="bilinear", align_corners=False)
        if rectified:
            maps = maps.clamp_min(0)
    return finish(maps, squeeze).to(x.device)


def gradcam(
    model: nn.Module | Classifier,
    x: torch.Tensor,
    target: Target = None,
    *,
    layer: LayerRef | None = None,
    upsample: bool = True,
    reshape: Reshape | None = None,
) -> torch.Tensor:
    """Grad-CAM: ``relu(sum_k alpha_k^c A_k)`` with ``alpha_k^c = mean_xy dS_c/dA_k(x,y)``.

    Selvaraju, Cogswell, Das, Vedantam, Parikh, Batra, *Grad-CAM: Visual Explanations from
    Deep Networks via Gradient-based Localization*, ICCV 2017. ``S_c`` is the class logit,
    ``A`` the output of ``layer`` (default: the model's CAM layer; any spatial layer works).
    An ``(N,K)`` target (e.g. ``topk_targets(model, x, 5)``) costs one forward pass and one
    batched backward pass. Raw, non-negative maps ``(N,[K],H,W)``.
    """
    act, grads, _, _, squeeze = layer_gradients(model, x, target, layer=layer, reshape=reshape)
    alpha = grads.mean(dim=(3, 4))  # (N,K,C)
    maps = torch.einsum("nkc,nchw->nkhw", alpha, act).clamp_min(0)
    return finish_maps(maps, x, squeeze, upsample)


def gradcam_pp(
    model: nn.Module | Classifier,
    x: torch.Tensor,
    target: Target = None,
    *,
    layer: LayerRef | None = None,
    upsample: bool = True,
    reshape: Reshape | None = None,
) -> torch.Tensor:
    """Grad-CAM++: ``relu(sum_k w_k^c A_k)``, ``w_k^c = sum_xy a_kxy relu(dS_c/dA_kxy)``.

    Chattopadhay, Sarkar, Howlader, Balasubramanian, *Grad-CAM++: Improved Visual
    Explanations for Deep Convolutional Networks*, WACV 2018. With the class score taken as
    ``exp(S_c)``, higher derivatives are powers of the gradient ``g`` and the pixel weights
    have the closed form ``a = g^2 / (2 g^2 + sum_xy A_k(x,y) g^3)`` (Eq. 19). The common
    factor ``exp(S_c)`` of all ``w_k^c`` is left out: it only rescales the map (and
    overflows for large logits). Where the denominator is 0, ``a = 0`` (never NaN).
    """
    act, grads, _, _, squeeze = layer_gradients(model, x, target, layer=layer, reshape=reshape)
    g2 = grads.pow(2)
    g3 = g2 * grads
    total = act.sum(dim=(2, 3))[:, None, :, None, None]  # (N,1,C,1,1)
    denom = 2 * g2 + total * g3
    safe = torch.where(denom != 0, denom, torch.ones_like(denom))
    alpha = torch.where(denom != 0, g2 / safe, torch.zeros_like(denom))
    weights = (alpha * grads.clamp_min(0)).sum(dim=(3, 4))  # (N,K,C)
    maps = torch.einsum("nkc,nchw->nkhw", weights, act).clamp_min(0)
    return finish_maps(maps, x, squeeze, upsample)


def layercam(
    model: nn.Module | Classifier,
    x: torch.Tensor,
    target: Target = None,
    *,
    layer: LayerRef | None = None,
    upsample: bool = True,
    reshape: Reshape | None = None,
) -> torch.Tensor:
    """LayerCAM: ``relu(sum_k relu(dS_c/dA_k(x,y)) * A_k(x,y))``, a weight per position.

    Jiang, Zhang, Hou, Cheng, Wei, *LayerCAM: Exploring Hierarchical Class Activation Maps
    for Localization*, IEEE TIP 2021. Unlike Grad-CAM it keeps fine detail at early layers.
    """
    act, grads, _, _, squeeze = layer_gradients(model, x, target, layer=layer, reshape=reshape)
    maps = (grads.clamp_min(0) * act.unsqueeze(1)).sum(dim=2).clamp_min(0)
    return finish_maps(maps, x, squeeze, upsample)


def _unit_masks(act: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Each channel upsampled to ``size`` and min-max scaled to [0, 1] (a constant channel
    gives a zero mask)."""
    up = F.interpolate(act, size=size, mode="bilinear", align_corners=False)
    lo = up.amin(dim=(2, 3), keepdim=True)
    span = up.amax(dim=(2, 3), keepdim=True) - lo
    return torch.where(span > 0, (up - lo) / torch.where(span > 0, span, torch.ones_like(span)), torch.zeros_like(up))


def scorecam(
    model: nn.Module | Classifier,
    x: torch.Tensor,
    target: Target = None,
    *,
    layer: LayerRef | None = None,
    upsample: bool = True,
    batch_size: int | None = None,
    max_channels: int | None = None,
    progress: bool | None = None,
    reshape: Reshape | None = None,
) -> torch.Tensor:
    """Score-CAM: ``relu(sum_k w_k^c A_k)`` with ``w_k^c = p_c(x * H_k) - p_c(x_b)``.

    Wang, Wang, Du, Yang, Zhang, Ding, Mardziel, Hu, *Score-CAM: Score-Weighted Visual
    Explanations for Convolutional Neural Networks*, CVPR Workshops 2020. ``H_k`` is channel
    ``k`` of ``layer`` upsampled to the input and scaled to [0, 1]; ``p_c`` the softmax
    probability (the model's own value when it has one output or already returns
    probabilities, :func:`cnnviz_lab.core.perturb.pick_reader`; a callable target's score); the
    baseline ``x_b = x * 0`` (the all-mean image of a normalised input), one per image.
    ``reshape``: a token layout for transformers (:mod:`cnnviz_lab.core.token_grid`).
    No gradient: one forward pass per channel and image, through the shared perturb-and-score
    engine in batches of ``batch_size`` masked images (``None``: the measured default of
    :func:`cnnviz_lab.core.defaults.batch_size`; it bounds the memory), with one progress bar
    for long calls. All K targets come from the same forwards. ``max_channels``: score only
    the channels with the largest mean activation per image (the rest get weight 0), a
    speed-up for wide layers (1280 channels in EfficientNet).
    """
    module, clf, xin = enter(model, x)
    name = default_layer(model, layer, tuple(xin.shape[-2:]))
    max_channels = checks.optional_positive_int(max_channels, "max_channels")
    bs = defaults.batch_size(batch_size, module, xin)
    with torch.no_grad(), frozen(module):
        with capture(module, name) as cap:
            output = module(xin.clone())
        act = feature_map(apply_reshape(module, name, cap[name], xin, reshape)[0], name, xin)
    objective = resolve_objective(target, output, clf)
    reader = pick_reader(None, objective, output)
    squeeze = objective.squeeze
    n, c = act.shape[:2]
    zeros = torch.zeros_like(xin[:1])
    base = objective.scores(frozen_forward(module, zeros.expand(n, *xin.shape[1:])), reader)  # f(x_b), (N,K)
    keep = c if max_channels is None else min(max_channels, c)
    chosen = act.mean(dim=(2, 3)).topk(keep, dim=1).indices  # (N,keep)

    def masked(img: torch.Tensor, var: torch.Tensor) -> torch.Tensor:
        channels = act[img, chosen[img, var]][:, None]  # (B,1,h,w)
        return xin[img] * _unit_masks(channels, xin.shape[-2:])

    probs = perturbed_scores(module, objective, keep, masked, batch_size=bs, output=reader, progress=progress, desc="Score-CAM")  # (N,K,keep)
    weights = torch.zeros(n, objective.k, c, device=act.device, dtype=act.dtype)
    gain = (probs - base.to(probs.device)[..., None]).to(act.dtype)
    weights.scatter_(2, chosen[:, None, :].expand(-1, objective.k, -1), gain)
    maps = torch.einsum("nkc,nchw->nkhw", weights, act).clamp_min(0)
    return finish_maps(maps, x, squeeze, upsample)
