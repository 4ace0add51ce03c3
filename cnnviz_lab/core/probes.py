"""The one probe that answers "which layers?": :func:`probe` runs one blank image through
the whole network, frozen (eval mode, no BatchNorm statistic changes), and records every
module's output in the order the modules finish. :func:`find_cam_layer` (the layer CAM methods
read by default) and :func:`default_layer` read it, and so does
:func:`cnnviz_lab.models.layers.cam_layers` (the blocks worth explaining)."""

from __future__ import annotations

import torch
from torch import nn

from . import checks
from .gate import ModelLike, unwrap
from .hooks import capture
from .layer_lookup import LayerRef, layer_name, layer_names
from .state import frozen, model_device, model_dtype
from .token_grid import token_layer

# Modules whose 4-D output is not a feature map of the network's own (pooled, reshaped or
# passed through): never the CAM layer.
_PASS_THROUGH = (nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d, nn.AvgPool2d, nn.MaxPool2d, nn.Dropout, nn.Identity, nn.Flatten)
_POOLS = (nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d, nn.AvgPool2d, nn.MaxPool2d)
PROBE_SIZE = 224


def probe(model: ModelLike, size: int | tuple[int, int] = PROBE_SIZE) -> list[tuple[str, torch.Tensor]]:
    """Run one blank ``size`` image through the network, frozen and without autograd, and
    return ``(name, output)`` of every module call in the order the modules finished (tensor
    outputs only). Nothing of the model changes: no mode, flag or buffer."""
    module, _ = unwrap(model)
    h, w = checks.pair(size, "size")
    names = layer_names(module) or [""]
    blank = torch.zeros(1, 3, h, w, device=model_device(module), dtype=model_dtype(module))
    with torch.no_grad(), frozen(module), capture(module, names, copy=False) as cap:
        module(blank)
    return [(n, t) for n, t in cap.calls if n]


def is_spatial(out: torch.Tensor) -> bool:
    return out.dim() == 4 and out.shape[-1] * out.shape[-2] > 1


def find_cam_layer(model: ModelLike, size: int | tuple[int, int] = PROBE_SIZE) -> str:
    """Name of the layer CAM methods read by default: the last convolutional block's output
    before the final pooling (Selvaraju et al. 2017 read "the last convolutional layer").

    One :func:`probe` at ``size``; among the modules returning a 4-D tensor with more than
    one position, the one that finished last, leaving out pooling, dropout, flatten and
    identity layers **and any module whose output is a pooling layer's output** (a
    ``Sequential`` ending in a max-pool passes the pooled map on as its own). So a network
    whose convolutional stack ends in a max-pool (VGG, AlexNet) gets the last activation
    before that pool (VGG16: the 14x14 ReLU after its 13th convolution, not the 7x7 pooled
    map), and one that pools only in its head keeps its last block: the stage or container
    itself when its output is that block's (ResNet's ``layer4``, DenseNet's and MobileNet's
    ``features``, Inception-v3's ``Mixed_7c``, GoogLeNet's ``inception5b``,
    EfficientNet-Lite0's ``head``).
    """
    module, _ = unwrap(model)
    calls = probe(module, size)
    pooled = [out for n, out in calls if isinstance(module.get_submodule(n), _POOLS)]
    finished = [n for n, out in calls if is_spatial(out) and not isinstance(module.get_submodule(n), _PASS_THROUGH) and not any(out is p for p in pooled)]
    if not finished:
        raise ValueError("the model has no layer with a spatial output at this size; pass layer= explicitly")
    return finished[-1]


def default_layer(model: ModelLike, layer: LayerRef | None = None, size: tuple[int, int] | None = None) -> str:
    """The layer a CAM-style method reads: ``layer`` when given, else the Classifier's
    ``cam_layer``, else the :func:`find_cam_layer` of the bare module, probed at 224 x 224
    pixels, or at ``size`` (the input's) when the model cannot run at 224 (a fixed-size
    network), so a small input keeps the same layer and its small map is reported as such.
    torchvision's ViT and Swin get :func:`cnnviz_lab.core.token_grid.token_layer`."""
    module, clf = unwrap(model)
    if layer is not None:
        return layer_name(module, layer)
    if clf is not None:
        return clf.cam_layer
    tokens = token_layer(module)  # torchvision ViT and Swin: their own rule
    if tokens is not None:
        return tokens
    try:
        return find_cam_layer(module, PROBE_SIZE)
    except (RuntimeError, ValueError):
        if size is None:
            raise
        return find_cam_layer(module, size)


__all__ = ["PROBE_SIZE", "default_layer", "find_cam_layer", "is_spatial", "probe"]
