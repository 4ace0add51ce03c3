"""Looking at the network itself: filter weights, feature maps, predictions, augmentation."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import torch
from matplotlib.figure import Figure
from torch import nn

from ..augment import augment
from ..images import ImageLike
from ..layers import activations, get_layer, layer_name, layer_names
from ..classifier import Classifier, unwrap
from .core import image_array, image_grid, to_numpy


def _unit(a: np.ndarray) -> np.ndarray:
    lo, hi = a.min(), a.max()
    return (a - lo) / (hi - lo) if hi > lo else np.zeros_like(a)


def filters(model: nn.Module | Classifier, layer: str | nn.Module | None = None,
            max_filters: int = 64, max_inputs: int = 8) -> Figure:
    """The weights of a convolution layer as pictures (default: the first conv layer).

    A layer that reads an RGB image shows each filter as one colour image. Deeper layers
    show one row per filter and one greyscale tile per input channel (the first
    ``max_inputs``); depthwise layers one tile per filter.
    """
    module, _ = unwrap(model)
    name = layer_name(module, layer) if layer is not None else layer_names(module, "conv")[0]
    conv = get_layer(module, name)
    if not isinstance(conv, nn.Conv2d):
        raise ValueError(f"{name} is a {type(conv).__name__}, not a Conv2d; "
                         f"conv layers: {', '.join(layer_names(module, 'conv')[:8])}, ...")
    w = to_numpy(conv.weight)[:max_filters]
    title = f"{name}: {tuple(conv.weight.shape)} filters"
    if w.shape[1] == 3:
        tiles = [_unit(f.transpose(1, 2, 0)) for f in w]
        return image_grid(tiles, [str(i) for i in range(len(tiles))], ncols=8, cell=1.0, suptitle=title)
    if w.shape[1] == 1:
        return image_grid([f[0] for f in w], [str(i) for i in range(len(w))], ncols=8, cell=1.0,
                          cmap="gray", suptitle=title)
    rows = w[:min(len(w), 16), :max_inputs]
    lo, hi = rows.min(), rows.max()
    tiles = [(t - lo) / (hi - lo + 1e-12) for row in rows for t in row]
    titles = [f"f{i} in{j}" for i in range(len(rows)) for j in range(rows.shape[1])]
    return image_grid(tiles, titles, ncols=rows.shape[1], cell=1.0, cmap="gray", suptitle=title)


def feature_maps(model: nn.Module | Classifier, image: ImageLike | torch.Tensor, layer: str,
                 channels: Sequence[int] | None = None, ncols: int = 8, cmap: str = "viridis") -> Figure:
    """The activations of ``layer`` for one image, one tile per channel (first 64 by default).

    ``image`` is a preprocessed tensor or anything a Classifier can preprocess. Each tile
    has its own colour scale; the title gives the channel and its mean activation.
    """
    module, clf = unwrap(model)
    if not isinstance(image, torch.Tensor):
        if clf is None:
            raise TypeError("pass a preprocessed tensor, or use a Classifier to preprocess images")
        image = clf.preprocess(image)
    act = activations(module, image[:1], layer)[0]
    if act.dim() != 3:
        raise ValueError(f"{layer} outputs shape {tuple(act.shape)}; feature maps need (C,H,W)")
    chans = list(range(min(64, act.shape[0]))) if channels is None else list(channels)
    bad = [c for c in chans if not 0 <= c < act.shape[0]]
    if bad:
        raise IndexError(f"{layer} has {act.shape[0]} channels; got {bad[:5]}")
    a = to_numpy(act)
    tiles = [a[c] for c in chans]
    titles = [f"{c} ({a[c].mean():.2f})" for c in chans]
    return image_grid(tiles, titles, ncols=ncols, cell=1.2, cmap=cmap,
                      suptitle=f"{layer}: {act.shape[0]} channels of {act.shape[1]}x{act.shape[2]}")


def predictions(classifier: Classifier, image: ImageLike | torch.Tensor, k: int = 5) -> Figure:
    """The image beside a bar chart of its top-``k`` classes and probabilities."""
    x = image if isinstance(image, torch.Tensor) else classifier.preprocess(image)
    top = classifier.predict(x[:1], k=k)
    fig = Figure(figsize=(9, 3.2), layout="constrained")
    ax_img, ax_bar = fig.subplots(1, 2, width_ratios=[1, 1.6])
    ax_img.imshow(image_array(x[:1], classifier))
    ax_img.set_axis_off()
    labels = [label for _, label, _ in top][::-1]
    probs = [p for _, _, p in top][::-1]
    bars = ax_bar.barh(labels, probs, color="#4878d0")
    ax_bar.bar_label(bars, [f"{p:.1%}" for p in probs], padding=3, fontsize=9)
    ax_bar.set_xlim(0, 1.15)
    ax_bar.set_xlabel("probability")
    ax_bar.set_title(f"{classifier.name}: top-{k}")
    return fig


def augmentations(classifier: Classifier, image: ImageLike, names: list[str] | None = None,
                  seed: int | None = 0) -> Figure:
    """Augmented versions of the image, each titled with the class the network gives it."""
    views = augment(image, names, seed)
    batch = classifier.preprocess([img for _, img in views])
    tops = classifier.predict(batch, k=1)
    tops = [tops] if len(views) == 1 else tops
    arrays = [image_array(batch[i:i + 1], classifier) for i in range(len(views))]
    titles = [f"{n}\n{t[0][1]} {t[0][2]:.0%}" for (n, _), t in zip(views, tops)]
    return image_grid(arrays, titles, ncols=4, cell=2.4)
