"""The figure of the app view (:func:`cnnviz_lab.widgets.explorer_panel`): one explanation
with the prediction it explains."""

from __future__ import annotations

import numpy as np
import torch
from .figure import Figure

from ..models.classifier import Classifier
from .core import image_array, normalize_map, overlay, reduce_channels, to_numpy


def explanation(classifier: Classifier, x: torch.Tensor, attribution: torch.Tensor | np.ndarray, target: int,
                k: int = 5, title: str | None = None, cmap: str = "jet") -> Figure:
    """Three panels: the map alone, the map over the greyscale image, and the image's top-``k``
    classes as bars (the explained class ``target`` highlighted, and added below the top-``k``
    when it is not among them).

    ``x``: the model input ``(1,3,H,W)``; ``attribution``: one map ``(H,W)`` or one pixel
    attribution ``(3,H,W)`` (a leading axis of size 1 is dropped; a colour axis is reduced to
    ``max_c |a_c|`` as in Simonyan et al. 2013). Normalised here for display only.
    """
    if not isinstance(x, torch.Tensor) or x.dim() != 4 or x.shape[0] != 1:
        raise ValueError(f"x: expected one preprocessed image of shape (1,3,H,W), got "
                         f"{tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__}")
    a = to_numpy(attribution)
    while a.ndim > 2 and a.shape[0] == 1:
        a = a[0]
    if a.ndim not in (2, 3):
        raise ValueError(f"attribution: expected one (H,W) map or (3,H,W) attribution, got shape {a.shape}")
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ValueError(f"k: expected a positive int, got {k!r}")
    heat = reduce_channels(a) if a.ndim == 3 else a
    base = image_array(x, classifier)
    probs = classifier.logits(x).softmax(dim=1)[0].cpu()   # the frozen forward of the gate
    top = probs.topk(min(k, probs.numel())).indices.tolist()
    if target not in top:
        top.append(int(target))
    fig = Figure(figsize=(10.5, 3.3), layout="constrained")
    ax_map, ax_over, ax_bar = fig.subplots(1, 3, width_ratios=[1, 1, 1.35])
    ax_map.imshow(normalize_map(heat), cmap=cmap, vmin=0, vmax=1)
    ax_map.set_title(f"map ({heat.shape[0]}x{heat.shape[1]})", fontsize=9)
    ax_over.imshow(overlay(base, heat, cmap=cmap))
    ax_over.set_title("overlay", fontsize=9)
    for ax in (ax_map, ax_over):
        ax.set_axis_off()
    labels = [classifier.label(i) for i in top][::-1]
    values = [float(probs[i]) for i in top][::-1]
    colours = ["#d65f5f" if i == target else "#4878d0" for i in top][::-1]
    bars = ax_bar.barh(labels, values, color=colours)
    ax_bar.bar_label(bars, [f"{v:.1%}" for v in values], padding=3, fontsize=8)
    ax_bar.set_xlim(0, 1.2)
    ax_bar.tick_params(labelsize=8)
    ax_bar.set_xlabel("probability", fontsize=8)
    ax_bar.set_title("prediction (explained class in red)", fontsize=9)
    if title:
        fig.suptitle(title, fontsize=10)
    return fig
