"""Panel for notebook 09: one shape image, one trained model, one method, against the truth."""

from __future__ import annotations

from typing import Callable, Mapping

import ipywidgets as W
import numpy as np
import torch
from ..plot.figure import Figure

from ..groundtruth.shapes import CUE_MODES, shape_images
from ..groundtruth.masks import mask_energy, mask_pointing
from ..models.classifier import Classifier
from ..plot.core import overlay, to_numpy
from ..plot.groundtruth import _COLOUR_NAMES, _cue_box, _map_colour_bar, _object_outline, _rgb
from .common import Panel


def shortcut_panel(
    models: Mapping[str, Classifier], methods: Mapping[str, Callable[..., torch.Tensor]], n: int = 24, seed: int = 2, size: int | None = None
) -> Panel:
    """Pick a trained model (``{name: Classifier}`` from ``cv.train_model``), a test set
    (how the cue is drawn: ``match``, ``swap``, ``random``, ``none``), a method (``{name:
    method}``, e.g. ``cv.course_methods(...)``) and one of ``n`` test images (``seed``);
    the panel shows the image, what the model says, and the method's map for the predicted
    class with the cue boxed, the object outlined, and the share of the map on each."""
    if not models or not methods:
        raise ValueError("shortcut_panel needs at least one model and one method")
    side = size or next(iter(models.values())).input_size
    cache: dict[str, object] = {}

    def data(cue: str):
        if cue not in cache:
            cache[cue] = shape_images(n, cue=cue, size=side, seed=seed)
        return cache[cue]

    controls = {
        "model": W.Dropdown(options=list(models), description="model"),
        "cue": W.ToggleButtons(options=list(CUE_MODES), value="swap", description="test cue"),
        "method": W.Dropdown(options=list(methods), value="gradcam" if "gradcam" in methods else next(iter(methods)), description="method"),
        "index": W.IntSlider(value=0, min=0, max=n - 1, description="image", continuous_update=False),
    }

    def render(model: str, cue: str, method: str, index: int) -> Figure:
        clf = models[model]
        d = data(cue)[index]
        x = clf.from_unit(d.images.to(clf.device))
        probs = clf.logits(x).softmax(1)[0].cpu()
        pred = int(probs.argmax())
        m = methods[method](clf, x, pred)
        energy = {k: float(mask_energy(m, mk)[0]) for k, mk in (("cue", d.cue_masks), ("object", d.object_masks))}
        hit = "cue" if bool(mask_pointing(m, d.cue_masks)[0]) else "object" if bool(mask_pointing(m, d.object_masks)[0]) else "elsewhere"
        fig = Figure(figsize=(7.5, 3.0), layout="constrained")
        a0, a1, a2 = fig.subplots(1, 3)
        img = _rgb(d.images[0])
        cue_c = int(d.cue_classes[0])
        a0.imshow(img, interpolation="nearest")
        a0.set_title(f"a {d.classes[int(d.labels[0])]}, cue {_COLOUR_NAMES[cue_c] if cue_c >= 0 else 'none'}", fontsize=9)
        a1.barh(np.arange(len(d.classes)), to_numpy(probs), color=["C2" if i == int(d.labels[0]) else "C0" for i in range(len(d.classes))])
        a1.set_yticks(np.arange(len(d.classes)), d.classes)
        truth = a1.get_yticklabels()[int(d.labels[0])]  # a bar of 0 shows no colour: mark the name too
        truth.set_color("C2")
        truth.set_fontweight("bold")
        a1.invert_yaxis()
        a1.set_xlim(0, 1)
        a1.set_xlabel("probability (green, bold: the true class)", fontsize=8)
        a1.set_title(f"{model} model says {d.classes[pred]}", fontsize=9)
        a2.imshow(overlay(img, m[0], alpha=0.6), interpolation="nearest")
        _cue_box(a2, d, 0)
        _object_outline(a2, d, 0, alpha=0.45, lw=0.6)
        _map_colour_bar(fig, a2, "map / its maximum")
        a2.set_title(f"{method} for '{d.classes[pred]}'\nmass: cue {energy['cue']:.2f}, object {energy['object']:.2f}; peak: {hit}", fontsize=8)
        for ax in (a0, a2):
            ax.set_axis_off()
        return fig

    return Panel(controls, render)


__all__ = ["shortcut_panel"]
