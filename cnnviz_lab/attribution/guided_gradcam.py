"""Guided Grad-CAM: class-discriminative and high-resolution at once.

Selvaraju et al. 2017, *Grad-CAM: Visual Explanations from Deep Networks via
Gradient-based Localization* (ICCV), section 3.1: the pixel-space guided backpropagation
map multiplied point-wise by the Grad-CAM map upsampled to the input resolution.
"""

from __future__ import annotations

import torch
from torch import nn

from ..models.classifier import Classifier
from ..core.layer_lookup import LayerRef
from .cam import gradcam
from .common import Target, finish, forward_objective, to_caller
from ..core.token_grid import Reshape
from .gradients import guided_backprop


def guided_gradcam(
    model: nn.Module | Classifier,
    x: torch.Tensor,
    target: Target = None,
    *,
    layer: LayerRef | None = None,
    generalize: bool = False,
    reshape: Reshape | None = None,
) -> torch.Tensor:
    """Guided Grad-CAM ``G(x) * upsample(GradCAM(x))``, shape ``(N,[K],3,H,W)``.

    Both factors explain the same classes: the targets are resolved once (top-1 per image
    when ``target`` is None) and handed to :func:`gradcam` (reading the feature map of
    ``layer``, default the model's CAM layer) and :func:`guided_backprop` (``generalize`` as
    there).
    """
    _, _, xin, objective = forward_objective(model, x, target)
    maps = gradcam(model, xin, objective, layer=layer, upsample=True, reshape=reshape)  # (N,K,H,W)
    guided = guided_backprop(model, xin, objective, generalize=generalize)  # (N,K,3,H,W)
    if objective.squeeze:
        maps, guided = maps.unsqueeze(1), guided.unsqueeze(1)
    return to_caller(finish(guided * maps.unsqueeze(2), objective.squeeze), x)
