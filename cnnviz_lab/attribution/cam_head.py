"""CAM through global average pooling (Zhou et al. 2016), and the pooled linear head as a
1x1 convolution.

A network whose head is *global average pooling then one linear layer* computes, for class
``c`` and feature maps ``A_k`` of the last convolutional layer (``h x w`` positions),

    S_c = sum_k w_k^c * mean_xy A_k(x, y) + b_c = mean_xy M_c(x, y) + b_c,
    M_c(x, y) = sum_k w_k^c A_k(x, y),

so the class activation map ``M_c`` is read straight from the linear weights: no gradient.
Zhou, Khosla, Lapedriza, Oliva, Torralba, *Learning Deep Features for Discriminative
Localization*, CVPR 2016.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from ..core import checks
from ..models.classifier import Classifier
from ..core.gate import unwrap
from ..core.errors import NoGapLinearHeadError
from ..core.layer_lookup import LayerRef
from ..core.hooks import capture
from ..core.probes import default_layer
from ..core.state import evaluating, frozen, model_device, model_dtype
from ..core.scoring import Objective
from ..core.outputs import class_logits
from .common import Target, enter, finish, resolve_targets, to_caller


def feature_map(act: object, name: str, x: torch.Tensor) -> torch.Tensor:
    """The output of the layer a CAM-style method reads, checked: an ``(N,C,h,w)`` tensor
    with more than one position (a 1x1 map carries no *where*: the input is too small for
    that layer, or the layer comes after the global pooling)."""
    if not isinstance(act, torch.Tensor) or act.dim() != 4:
        raise ValueError(
            f"layer {name!r} outputs {type(act).__name__} of shape "
            f"{tuple(getattr(act, 'shape', ()))}; CAM methods need an (N,C,H,W) feature "
            "map: pick a convolutional layer (cv.layer_names(model, 'conv'))"
        )
    if act.shape[-1] * act.shape[-2] == 1:
        raise ValueError(
            f"layer {name!r} gives a 1x1 feature map for this {x.shape[-2]}x{x.shape[-1]} "
            "input, so there is nothing to localise: use a larger input (e.g. "
            "clf.preprocess(image) at the model's own size) or an earlier layer"
        )
    return act


@dataclass
class GapLinearHead:
    """A detected "GAP + linear" head: the CAM layer's name, the final ``nn.Linear``, and
    whether a ReLU sits between the layer and the pooling (DenseNet's ``F.relu``)."""

    layer: str
    linear: nn.Linear
    relu: bool


def _last_linear(module: nn.Module) -> tuple[str, nn.Linear]:
    found = [(n, m) for n, m in module.named_modules() if isinstance(m, nn.Linear)]
    if not found:
        raise NoGapLinearHeadError(
            f"{type(module).__name__} has no nn.Linear layer, so no GAP + linear head for CAM; use gradcam(...), which needs only a convolutional layer"
        )
    return found[-1]


def match_head(module: nn.Module, layer: str, features: torch.Tensor, logits: torch.Tensor) -> GapLinearHead:
    """Check that ``logits == linear(mean_xy(features))`` (or of ``relu(features)``) for the
    model's last ``nn.Linear``; return the head, or raise :class:`NoGapLinearHeadError`."""
    name, linear = _last_linear(module)
    hint = (
        "cam(...) handles only a head made of global average pooling plus one linear layer (ResNet, "
        "GoogLeNet, DenseNet, MobileNetV2, EfficientNet, Inception-v3); for other heads use gradcam(...), "
        "which needs only a convolutional layer"
    )
    if features.dim() != 4:
        raise NoGapLinearHeadError(f"layer {layer!r} outputs shape {tuple(features.shape)}, not a (N,C,H,W) feature map. {hint}")
    if linear.in_features != features.shape[1]:
        raise NoGapLinearHeadError(
            f"the last linear layer {name!r} reads {linear.in_features} features but {layer!r} has "
            f"{features.shape[1]} channels: the head is not GAP + linear after {layer!r}. {hint}"
        )
    if logits.shape[1:] != (linear.out_features,):
        raise NoGapLinearHeadError(f"the model's output {tuple(logits.shape)} is not the output of {name!r}. {hint}")
    tol = 1e-3 * max(1.0, float(logits.abs().max()))
    for relu in (False, True):
        pooled = (F.relu(features) if relu else features).mean(dim=(2, 3))
        if torch.allclose(F.linear(pooled, linear.weight, linear.bias), logits, rtol=1e-3, atol=tol):
            return GapLinearHead(layer, linear, relu)
    raise NoGapLinearHeadError(
        f"the output is not {name}(global average of {layer!r}): something else (more linear "
        f"layers, a LayerNorm, a fixed-size pooling...) sits between them. {hint}"
    )


def find_gap_linear_head(model: nn.Module | Classifier, layer: LayerRef | None = None, size: int | None = None) -> GapLinearHead:
    """Detect a "global average pooling + one linear layer" head after ``layer`` (default:
    the CAM layer) with one probe forward pass on a random image of side ``size``."""
    module, clf = unwrap(model)
    size = checks.optional_positive_int(size, "size") or (clf.input_size if clf is not None else 224)
    name = default_layer(model, layer, (size, size))
    probe = torch.randn(2, 3, size, size, generator=torch.Generator().manual_seed(0)).to(model_device(module), model_dtype(module))
    with torch.no_grad(), frozen(module), capture(module, name) as cap:
        logits = module(probe)
    return match_head(module, name, cap[name], logits)


def cam(model: nn.Module | Classifier, x: torch.Tensor, target: Target = None, *, layer: LayerRef | None = None, upsample: bool = True) -> torch.Tensor:
    """Class activation maps ``M_c(x,y) = sum_k w_k^c A_k(x,y)`` (Zhou et al. 2016).

    ``A`` is the output of ``layer`` (default: the CAM layer, the one feeding the global
    average pooling) and ``w^c`` the final linear layer's row for class ``c``. The head is
    verified on this very forward pass: the logits must equal the linear layer applied to
    the spatial mean of ``A`` (or of ``relu(A)``, as DenseNet pools ``F.relu(features)``);
    otherwise :class:`NoGapLinearHeadError` says to use ``gradcam``. One forward pass, no
    gradient. The maps are raw and signed (the bias ``b_c`` is left out), so with
    ``upsample=False`` their spatial mean plus ``b_c`` is exactly the logit ``S_c``.
    Shape ``(N,[K],H,W)`` (``(N,[K],h,w)`` without upsampling), on ``x``'s device.
    """
    if callable(target) and not isinstance(target, (torch.Tensor, str, type)) and not (isinstance(target, Objective) and target.ids is not None):
        raise TypeError(
            "target: CAM reads the linear weights of one class, so it takes class targets (None, "
            "an int, a name, N classes or an (N,K) table); for a callable target use gradcam"
        )
    module, clf, xin = enter(model, x)
    name = default_layer(model, layer, tuple(xin.shape[-2:]))
    with torch.no_grad(), frozen(module), capture(module, name) as cap:
        logits = class_logits(module(xin.clone()))
        feats = feature_map(cap[name], name, xin)
    head = match_head(module, name, feats, logits)
    targets, squeeze = resolve_targets(target, logits, clf)
    if head.relu:
        feats = F.relu(feats)
    weights = head.linear.weight[targets]  # (N,K,C)
    maps = torch.einsum("nkc,nchw->nkhw", weights, feats)
    if upsample:
        maps = F.interpolate(maps, size=xin.shape[-2:], mode="bilinear", align_corners=False)
    return to_caller(finish(maps, squeeze), x)


class FullyConvolutional(nn.Module):
    """A GAP + linear network turned fully convolutional: the backbone up to the CAM layer,
    then the linear head as a 1x1 convolution with as many filters as classes.

    ``forward(x)`` returns the ``(N, classes, h, w)`` class maps; their global average is
    the original network's logits (``.logits(x)``). The backbone runs through
    ``capture(..., stop=True)``, so nothing after the CAM layer is computed and no hook
    outlives a call.
    """

    def __init__(self, backbone: nn.Module, head: GapLinearHead) -> None:
        super().__init__()
        self.backbone = backbone
        self.layer = head.layer
        self.relu = head.relu
        lin = head.linear
        self.classifier = nn.Conv2d(lin.in_features, lin.out_features, 1, bias=lin.bias is not None)
        with torch.no_grad():
            self.classifier.weight.copy_(lin.weight.view(lin.out_features, lin.in_features, 1, 1))
            if lin.bias is not None:
                self.classifier.bias.copy_(lin.bias)
        self.classifier.to(lin.weight.device, lin.weight.dtype)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The CAM layer's output for ``x``."""
        with evaluating(self.backbone), capture(self.backbone, self.layer, stop=True) as cap:
            cap.forward(x)
        feats = cap[self.layer]
        return F.relu(feats) if self.relu else feats

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        """Global average pooling of the class maps: the original network's logits."""
        return self.forward(x).mean(dim=(2, 3))


def fully_convolutional(model: nn.Module | Classifier, layer: LayerRef | None = None, size: int | None = None) -> FullyConvolutional:
    """The network with its pooled linear head rewritten as a 1x1 convolution (the "final
    convolution with as many filters as classes, then global average pooling" design of
    Lin et al. 2014, *Network in Network*, and Zhou et al. 2016): its output is one map per
    class, whose spatial mean (plus nothing else) gives the logits. Raises
    :class:`NoGapLinearHeadError` for networks without such a head (VGG, AlexNet, ConvNeXt).
    The head's weights are copied; the backbone is shared and runs in eval mode during each
    call, its own train/eval mode untouched."""
    module, clf = unwrap(model)
    head = find_gap_linear_head(module if clf is None else clf, layer, size)
    return FullyConvolutional(module, head)
