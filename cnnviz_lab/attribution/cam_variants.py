"""More of the CAM family: HiResCAM, XGrad-CAM and EigenCAM.

Same conventions as :mod:`.cam`: ``A`` is the output of ``layer`` (default: the model's CAM
layer), ``G = dS_c/dA`` the gradient of the target's logit, results ``(N,[K],H,W)`` raw and
detached on ``x``'s device, bilinearly upsampled to the input unless ``upsample=False``.
The gradient methods read K targets from one forward pass and one batched backward pass
that stops at the layer (:func:`.cam.layer_gradients`).

- :func:`hirescam` (Draelos & Carin 2020): ``sum_k G_k * A_k`` position by position;
- :func:`xgradcam` (Fu et al. 2020): Grad-CAM with activation-weighted gradient averages;
- :func:`eigencam` (Muhammad & Yeasin 2020): the feature maps projected on their first
  principal direction; no gradient, no class.
"""

from __future__ import annotations

import torch
from torch import nn

from ..core import checks
from ..models.classifier import Classifier
from ..core.errors import NonFiniteActivationError
from ..core.layer_lookup import LayerRef
from ..core.hooks import capture
from ..core.probes import default_layer
from ..core.state import frozen
from .cam import finish_maps, layer_gradients
from .cam_head import feature_map
from .common import Target, enter, resolve_objective
from ..core.token_grid import apply_reshape, Reshape


def hirescam(
    model: nn.Module | Classifier,
    x: torch.Tensor,
    target: Target = None,
    *,
    layer: LayerRef | None = None,
    upsample: bool = True,
    relu: bool = True,
    reshape: Reshape | None = None,
) -> torch.Tensor:
    """HiResCAM: ``relu(sum_k dS_c/dA_k(x,y) * A_k(x,y))``, gradient times activation at
    every position, summed over channels; no spatial averaging of the gradient.

    Draelos & Carin, *Use HiResCAM instead of Grad-CAM for faithful explanations of
    convolutional neural networks*, arXiv:2011.08891 (2020). Grad-CAM replaces each
    gradient map by its spatial mean before multiplying, and so can light up positions
    whose own gradient is zero or negative; HiResCAM keeps the gradient where it is. When
    the layer is followed only by global average pooling and one linear layer,
    ``dS_c/dA_k(x,y) = w_k^c / (h w)``, so HiResCAM is exactly CAM divided by ``h w`` and
    its unrectified map sums over positions to ``S_c - b_c``; the gradient is then the same
    at every position, so there (and wherever the gradient is constant over positions)
    HiResCAM equals Grad-CAM. ``relu=False`` returns the signed map (the paper's sum, whose negative
    part shows evidence against the class); the default keeps the positive part, like
    Grad-CAM and pytorch-grad-cam. Shape ``(N,[K],H,W)``.
    """
    relu = checks.flag(relu, "relu")
    act, grads, _, _, squeeze = layer_gradients(model, x, target, layer=layer, reshape=reshape)
    maps = (grads * act.unsqueeze(1)).sum(dim=2)  # (N,K,h,w)
    if relu:
        maps = maps.clamp_min(0)
    return finish_maps(maps, x, squeeze, upsample, relu)


def xgradcam(
    model: nn.Module | Classifier,
    x: torch.Tensor,
    target: Target = None,
    *,
    layer: LayerRef | None = None,
    upsample: bool = True,
    reshape: Reshape | None = None,
) -> torch.Tensor:
    """XGrad-CAM: ``relu(sum_k w_k^c A_k)`` with
    ``w_k^c = sum_xy (A_k(x,y) / sum_x'y' A_k(x',y')) * dS_c/dA_k(x,y)``.

    Fu, Hu, Dong, Guo, Gao, Li, *Axiom-based Grad-CAM: Towards Accurate Visualization and
    Explanation of CNNs*, BMVC 2020. The weights are the gradient averaged with the
    activation's own spatial distribution instead of uniformly (Grad-CAM), the choice that
    satisfies the paper's sensitivity and conservation axioms for a piecewise-linear head.
    A channel whose activations sum to 0 gets weight 0 (pytorch-grad-cam adds 1e-7 to the
    denominator instead; both agree on non-negative activations, whose zero-sum channels are
    all zero and add nothing). On layers with signed outputs (before a ReLU) the sum can
    be near zero and the weights large: prefer a rectified layer. Shape ``(N,[K],H,W)``.
    """
    act, grads, _, _, squeeze = layer_gradients(model, x, target, layer=layer, reshape=reshape)
    total = act.sum(dim=(2, 3), keepdim=True)  # (N,C,1,1)
    share = torch.where(total != 0, act / torch.where(total != 0, total, torch.ones_like(total)), torch.zeros_like(act))
    weights = torch.einsum("nkchw,nchw->nkc", grads, share)
    maps = torch.einsum("nkc,nchw->nkhw", weights, act).clamp_min(0)
    return finish_maps(maps, x, squeeze, upsample, True)


def principal_projection(act: torch.Tensor, center: bool = False) -> torch.Tensor:
    """Each ``(C,h,w)`` feature map of ``act`` (N,C,h,w) as an ``(hw, C)`` matrix ``M``
    (positions by channels; with ``center`` each channel's spatial mean subtracted first),
    projected on its first right singular vector ``v_1``: ``M v_1`` reshaped to
    ``(N,h,w)``. Sign convention: ``v_1`` is oriented so that ``sum_k v_1k >= 0`` (it points
    towards more activation). Uncentered non-negative activations (a ReLU's output) then
    give a non-negative map: by Perron-Frobenius ``v_1`` then has no negative entry (when
    the leading singular value is simple, as it is for real feature maps)."""
    n, c, h, w = act.shape
    m = act.flatten(2).transpose(1, 2).to(torch.float64)  # (N, hw, C)
    if center:
        m = m - m.mean(dim=1, keepdim=True)
    _, _, vh = torch.linalg.svd(m, full_matrices=False)
    v1 = vh[:, 0, :]  # (N, C)
    sign = torch.where(v1.sum(dim=1) < 0, -1.0, 1.0).to(v1.dtype)
    proj = torch.einsum("npc,nc->np", m, v1 * sign[:, None])
    return proj.view(n, h, w).to(act.dtype)


def eigencam(
    model: nn.Module | Classifier,
    x: torch.Tensor,
    target: Target = None,
    *,
    layer: LayerRef | None = None,
    upsample: bool = True,
    center: bool = False,
    reshape: Reshape | None = None,
) -> torch.Tensor:
    """EigenCAM: the layer's feature maps projected on their first principal component.

    Muhammad & Yeasin, *Eigen-CAM: Class Activation Map using Principal Components*, IJCNN
    2020: with the activations of one image as an ``(hw, C)`` matrix ``M = U S V^T``, the map
    is ``M v_1`` (the first column of ``U S``), see :func:`principal_projection` for the
    sign convention (``v_1`` has a non-negative channel sum; uncentered activations after a
    ReLU then give a non-negative map). **Class-agnostic**: it shows what dominates the
    layer's activations, whatever the class, and needs no gradient. ``target`` changes
    nothing but the shape: ``None`` gives ``(N,H,W)``; an int, name or one class per image
    is checked against the model's classes and also gives ``(N,H,W)``; an ``(N,K)`` target
    gives ``(N,K,H,W)`` with the same map repeated K times, so EigenCAM drops in wherever a
    class-specific method goes. With ``target=None`` the forward pass stops at the layer.

    ``center=False`` (default) follows the paper's SVD of the raw activations.
    ``center=True`` subtracts each channel's spatial mean first (a PCA, as
    pytorch-grad-cam does); that map is signed, and the peer leaves its sign to the SVD
    routine (then applies a ReLU), so its map can come out as the negative half of ours.
    Raw and unrectified; shape ``(N,[K],H,W)``.
    """
    center = checks.flag(center, "center")
    module, clf, xin = enter(model, x)
    name = default_layer(model, layer, tuple(xin.shape[-2:]))
    with torch.no_grad(), frozen(module), capture(module, name, stop=target is None) as cap:
        output = cap.forward(xin.clone())
        act = feature_map(apply_reshape(module, name, cap[name], xin, reshape)[0], name, xin)
    bad = ~torch.isfinite(act)
    if bool(bad.any()):
        raise NonFiniteActivationError(
            f"layer {name!r}: {int(bad.sum())} of its {act.numel()} activations are NaN or infinite for this input, "
            "so EigenCAM has no principal component to take (the SVD cannot run); the model overflows or divides "
            "by zero before that layer: check its weights and the input's scale, or pick an earlier layer"
        )
    if target is None:
        k, squeeze = 1, True
    else:
        objective = resolve_objective(target, output, clf)
        k, squeeze = objective.k, objective.squeeze
    maps = principal_projection(act, center).unsqueeze(1).expand(-1, k, -1, -1)
    rectified = bool((act >= 0).all()) and not center
    return finish_maps(maps.contiguous(), x, squeeze, upsample, rectified)


__all__ = ["eigencam", "hirescam", "principal_projection", "xgradcam"]
