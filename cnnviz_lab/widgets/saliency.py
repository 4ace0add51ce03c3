"""The panel of notebook 01: gradient attributions of any model, image, class and method."""

from __future__ import annotations

import ipywidgets as W

from .. import plot
from ..attribution import registry
from ..config import pick
from .common import Panel, cached_model, image_dropdown, method_buttons, model_dropdown
from .upload import panel_image


def panel_methods() -> list[registry.Method]:
    """The base methods the panel offers: the registry's pixel-space methods that take no
    other method (SmoothGrad is the panel's own slider)."""
    return registry.methods(pixels=True, wraps=False, panels=True)


def _top5(model: str, image: str) -> list[tuple[str, int]]:
    clf = cached_model(model)
    return [(f"{label} ({p:.0%})", i) for i, label, p in clf.predict(panel_image(image), k=5)]


def saliency_panel(model: str = "efficientnet_lite0", image: str = "cat", size: int | None = None) -> Panel:
    """Model, image, one of the image's top-5 classes, a method (the registry's pixel-space
    methods: saliency, guided backprop, input x gradient, Integrated Gradients, ...) and
    SmoothGrad's samples (0 = off) and noise level: the image, its ``max |grad|`` map and
    positive and negative saliency."""
    model_w = model_dropdown(model)
    image_w = image_dropdown(image)
    class_w = W.Dropdown(options=_top5(model, image), description="class")
    method_w = method_buttons(panel_methods(), "saliency")
    samples_w = W.IntSlider(value=0, min=0, max=50, step=5, description="SmoothGrad n",
                            continuous_update=False)
    noise_w = W.FloatSlider(value=0.15, min=0.0, max=0.5, step=0.05, description="noise",
                            continuous_update=False)

    def on_input(_change) -> None:
        class_w.options = _top5(model_w.value, image_w.value)

    model_w.observe(on_input, names="value")
    image_w.observe(on_input, names="value")

    def render(model: str, image: str, target: int, method: str, samples: int, noise: float):
        clf = cached_model(model)
        x = clf.preprocess(panel_image(image), size=size or pick(clf.input_size, 128))
        options = {"steps": pick(32, 8)}
        if samples > 0:
            attr = registry.call("smoothgrad", clf, x, target, method=method, n=samples, noise=noise, seed=0,
                                 **options)
            name = f"SmoothGrad ({registry.label(method)}, n={samples}, noise={noise:.2f})"
        else:
            attr = registry.call(method, clf, x, target, **options)
            name = registry.label(method)
        return plot.saliency_maps(x, attr[0], clf, title=f"{name} for '{clf.label(target)}'")

    controls = {"model": model_w, "image": image_w, "target": class_w, "method": method_w,
                "samples": samples_w, "noise": noise_w}
    return Panel(controls, render)
