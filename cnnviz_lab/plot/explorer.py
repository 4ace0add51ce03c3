"""The figure of the app view (:func:`cnnviz_lab.widgets.explorer_panel`): one explanation
with the prediction it explains."""

from __future__ import annotations

import numpy as np
import torch
from .figure import Figure

from ..models.classifier import Classifier
from .core import image_array, normalize_map, overlay, reduce_channels, to_numpy


def explanation(
    classifier: Classifier,
    x: torch.Tensor,
    attribution: torch.Tensor | np.ndarray,
    target: int,
    k: int = 5,
    title: str | None = None,
    cmap: str = "jet",
    colorbar: bool = False,
    percentile: float = 100.0,
    large: bool = False,
) -> Figure:
    """Three panels: the map alone, the map over the greyscale image, and the image's top-``k``
    classes as bars (the explained class ``target`` highlighted, and added below the top-``k``
    when it is not among them).

    ``x``: the model input ``(1,3,H,W)``; ``attribution``: one map ``(H,W)`` or one pixel
    attribution ``(3,H,W)`` (a leading axis of size 1 is dropped; a colour axis is reduced to
    ``max_c |a_c|`` as in Simonyan et al. 2013). Normalised here for display only: from the
    map's minimum (0) to its ``percentile`` (1; higher values are clipped, so that a few
    extreme pixels do not take the whole scale). ``colorbar=True`` adds the colour bar of
    that scale beside the map; ``cmap`` is any matplotlib colour map (a perceptual one such
    as ``"viridis"`` or ``"magma"`` reads more evenly than the default ``"jet"``).
    ``large=True`` draws it for projection: 17 inches wide, 12-point labels and a
    probability axis from 0 to 1 (the bars' labels then sit inside long bars).
    """
    if not isinstance(x, torch.Tensor) or x.dim() != 4 or x.shape[0] != 1:
        raise ValueError(f"x: expected one preprocessed image of shape (1,3,H,W), got {tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__}")
    a = to_numpy(attribution)
    while a.ndim > 2 and a.shape[0] == 1:
        a = a[0]
    if a.ndim not in (2, 3):
        raise ValueError(f"attribution: expected one (H,W) map or (3,H,W) attribution, got shape {a.shape}")
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ValueError(f"k: expected a positive int, got {k!r}")
    if not isinstance(colorbar, bool):
        raise TypeError(f"colorbar: expected True or False, got {type(colorbar).__name__}")
    if not isinstance(large, bool):
        raise TypeError(f"large: expected True or False, got {type(large).__name__}")
    if isinstance(percentile, bool) or not isinstance(percentile, (int, float)) or not 0 < percentile <= 100:
        raise ValueError(f"percentile: expected a number in (0, 100], got {percentile!r}")
    heat = reduce_channels(a) if a.ndim == 3 else a
    shown = normalize_map(heat, percentile=float(percentile))
    base = image_array(x, classifier)
    probs = classifier.logits(x).softmax(dim=1)[0].cpu()  # the frozen forward of the gate
    top = probs.topk(min(k, probs.numel())).indices.tolist()
    if target not in top:
        top.append(int(target))
    small, big = (12, 13) if large else (8, 9)
    fig = Figure(figsize=(17.0, 5.4) if large else (10.5, 3.3), layout="constrained")
    ax_map, ax_over, ax_bar = fig.subplots(1, 3, width_ratios=[1, 1, 1.35])
    im = ax_map.imshow(shown, cmap=cmap, vmin=0, vmax=1)
    ax_map.set_title(f"map ({heat.shape[0]}x{heat.shape[1]})", fontsize=big)
    if colorbar:
        upper = "maximum" if percentile == 100 else f"{percentile:g}th percentile"
        bar = fig.colorbar(im, ax=ax_map, shrink=0.8)
        bar.set_label(f"0 = minimum, 1 = {upper}", fontsize=small)
        bar.ax.tick_params(labelsize=small)
    ax_over.imshow(overlay(base, shown, cmap=cmap))
    ax_over.set_title("overlay", fontsize=big)
    for ax in (ax_map, ax_over):
        ax.set_axis_off()
    labels = [classifier.label(i) for i in top][::-1]
    values = [float(probs[i]) for i in top][::-1]
    colours = ["#d65f5f" if i == target else "#4878d0" for i in top][::-1]
    bars = ax_bar.barh(labels, values, color=colours)
    texts = [f"{v:.1%}" for v in values]
    if large:  # axis 0-1: a label that would leave the axis goes inside its bar
        inside = [v > 0.8 for v in values]
        ax_bar.bar_label(bars, [t if i else "" for t, i in zip(texts, inside)], label_type="edge", padding=-60, fontsize=small, color="white")
        ax_bar.bar_label(bars, [t if not i else "" for t, i in zip(texts, inside)], padding=3, fontsize=small)
    else:
        ax_bar.bar_label(bars, texts, padding=3, fontsize=small)
    ax_bar.set_xlim(0, 1.0 if large else 1.2)
    ax_bar.tick_params(labelsize=small)
    ax_bar.set_xlabel("probability", fontsize=small)
    ax_bar.set_title("prediction (explained class in red)", fontsize=big)
    if title:
        fig.suptitle(title, fontsize=big + 1 if large else 10)
    return fig
