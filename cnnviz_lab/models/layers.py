"""Which layers of a model are worth showing: its blocks early to late, ending with the CAM
layer (:func:`cam_layers`), and the blocks at relative depths (:func:`blocks_at`), so menus and
library defaults never name one model's layers. Both read the core's one probe."""

from __future__ import annotations

from typing import Sequence

import torch
from torch import nn

from ..core import checks
from ..core.gate import ModelLike, unwrap
from ..core.probes import default_layer, is_spatial, probe

# Single layers, not blocks: cam_layers lists blocks.
_LEAVES = (
    nn.Conv2d,
    nn.BatchNorm2d,
    nn.ReLU,
    nn.ReLU6,
    nn.SiLU,
    nn.Hardswish,
    nn.Dropout,
    nn.Identity,
    nn.MaxPool2d,
    nn.AvgPool2d,
    nn.AdaptiveAvgPool2d,
    nn.AdaptiveMaxPool2d,
)


def cam_layers(model: ModelLike, size: int | None = None, max_depth: int = 2) -> list[str]:
    """Layers worth explaining, early to late: the network's blocks (modules at most
    ``max_depth`` dots deep, other than single convolutions, norms, activations and pools)
    whose output is a spatial map, ending with the CAM layer. A container whose output is
    its last block's output (a ``Sequential`` stage) gives way to that block. Networks made
    of plain layers (VGG, AlexNet) get their ReLU outputs instead. One :func:`probe` on a
    blank ``size`` image (default 128 pixels: enough for every layer to stay spatial)."""
    module, _ = unwrap(model)
    size = checks.optional_positive_int(size, "size")
    max_depth = checks.integer(max_depth, "max_depth", minimum=1)
    last = default_layer(model, None, (size or 128,) * 2)
    order = [(n, out) for n, out in probe(module, size or 128) if is_spatial(out)]
    blocks: list[str] = []
    seen: list[torch.Tensor] = []
    for name, out in order:
        if name.count(".") >= max_depth or isinstance(module.get_submodule(name), _LEAVES) or name in blocks:
            continue
        if any(out is s for s in seen):  # a stage returning its last block's output
            continue
        blocks.append(name)
        seen.append(out)
    if len(blocks) < 4:  # plain layer stacks: their activations
        blocks = list(dict.fromkeys(n for n, _ in order if isinstance(module.get_submodule(n), (nn.ReLU, nn.ReLU6))))
    outs = dict(order)
    if last in blocks:
        return blocks[: blocks.index(last) + 1]
    final = outs.get(last)
    return [b for b in blocks if outs[b] is not final] + [last]


def blocks_at(model: ModelLike, depths: Sequence[float], size: int | None = None) -> list[str]:
    """The model's own blocks (:func:`cam_layers`) at relative ``depths``: 0 is the first
    block, 1 the CAM layer (EfficientNet-Lite0: 0.6 is ``blocks.10``; ResNet-50: ``layer3.2``).
    For library defaults that must not name one model's layers."""
    blocks = cam_layers(model, size)
    last = len(blocks) - 1
    return [blocks[round(checks.real(d, "depth", minimum=0.0, maximum=1.0) * last)] for d in depths]


__all__ = ["blocks_at", "cam_layers"]
