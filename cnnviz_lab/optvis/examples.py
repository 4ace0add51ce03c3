"""Dataset examples: the natural image patches on which a channel fires most, the check that
Olah et al. (2017, Distill "Feature Visualization") put next to every rendered image, since a
render only shows *an* image that drives the unit under one prior."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

import torch
import torch.nn.functional as F
from torch import nn

from ..core import checks
from ..models.classifier import Classifier
from ..core.gate import unwrap
from ..images import sample_image, sample_images
from ..core.hooks import capture
from ..core.layer_lookup import layer_name
from ..core.state import frozen
from .render import unit_image


@dataclass
class DatasetExamples:
    """Outcome of :func:`dataset_examples`.

    ``patches``: ``(k, 3, p, p)`` RGB [0, 1], the input patch centred on each top unit
    (grey beyond the image border); ``values``: ``(k,)`` that unit's activation, highest
    first; ``sources``: the index in ``images`` of each patch's image; ``image_means``:
    ``(N,)`` the channel's mean activation over all positions of every image (the quantity a
    channel objective maximises); ``positions``: the ``(row, col)`` of each top unit in the
    layer's feature map (row 0 is the top edge)."""

    patches: torch.Tensor
    values: torch.Tensor
    sources: list[int]
    image_means: torch.Tensor
    positions: list[tuple[int, int]] = field(default_factory=list)


def dataset_examples(
    model: nn.Module | Classifier, layer: str, channel: int, images: Sequence[Any], k: int = 6, patch: int = 64, size: int = 160
) -> DatasetExamples:
    """The ``k`` images of ``images`` (names of sample images, paths, PIL images) on which
    channel ``channel`` of ``layer`` reaches its highest single-unit activation, one patch per
    image: each image is preprocessed to ``size`` x ``size`` (the classifier's resize and
    centre crop), the channel's strongest position is found, and the ``patch`` x ``patch``
    input square centred on it is cut out. Also returns every image's mean activation over
    all positions, to compare with what a channel render reaches. The model is run frozen,
    without gradients, and its hooks come off."""
    module, clf = unwrap(model)
    name = layer_name(module, layer)
    if isinstance(images, (str, bytes)) or not isinstance(images, Sequence) or not images:
        raise TypeError(f"images must be a non-empty list of images (sample names, paths or PIL images), got {images!r:.80}")
    k = checks.integer(k, "k", minimum=1, maximum=len(images), what=f"an int from 1 to {len(images)} (one patch per image)")
    patch = checks.positive_int(patch, "patch")
    size = checks.positive_int(size, "size")
    samples = set(sample_images())
    x = torch.cat([unit_image(sample_image(im) if isinstance(im, str) and im in samples else im, clf, module, size) for im in images])
    with torch.no_grad(), frozen(module), capture(module, name, stop=True) as cap:
        cap.forward(clf.from_unit(x) if clf is not None else x)
        out = cap[name]
    if not isinstance(out, torch.Tensor) or out.dim() != 4:
        raise ValueError(f"layer: {layer!r} does not give an (N,C,H,W) feature map")
    channel = checks.integer(channel, "channel", minimum=0, maximum=out.shape[1] - 1)
    fmap = out[:, channel].float()
    h, w = fmap.shape[-2:]
    best, where = fmap.flatten(1).max(1)
    order = best.argsort(descending=True)[:k]
    half = patch // 2
    padded = F.pad(x, (half, patch - half, half, patch - half), value=0.5)
    patches, positions = [], []
    for i in order.tolist():
        row, col = divmod(int(where[i]), w)
        cy, cx = int((row + 0.5) * size / h), int((col + 0.5) * size / w)
        patches.append(padded[i, :, cy : cy + patch, cx : cx + patch])
        positions.append((row, col))
    return DatasetExamples(torch.stack(patches).cpu(), best[order].cpu(), order.tolist(), fmap.mean((1, 2)).cpu(), positions)


__all__ = ["DatasetExamples", "dataset_examples"]
