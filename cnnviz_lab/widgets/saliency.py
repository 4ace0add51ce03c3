"""The panel of notebook 01: gradient attributions of any model, image, class and method."""

from __future__ import annotations

import inspect

import ipywidgets as W

from .. import plot
from ..attribution import registry
from ..core import checks
from ..core.config import pick
from ..models.fallback import title_name
from ..models.layers import cam_layers
from .common import Panel, cached_model, follow_channels, image_dropdown, method_buttons, model_dropdown
from .upload import panel_image


def panel_methods() -> list[registry.Method]:
    """The base methods the panel offers: the registry's pixel-space methods that take no
    other method (SmoothGrad is the panel's own slider)."""
    return registry.methods(pixels=True, wraps=False, panels=True)


def _top5(model: str, image: str) -> list[tuple[str, int]]:
    clf = cached_model(model)
    return [(f"{label} ({p:.0%})", i) for i, label, p in clf.predict(panel_image(image), k=5)]


CLASS_SCORE = ("the class score", "")


def _start_options(model: str) -> list[tuple[str, str]]:
    return [CLASS_SCORE] + [(name, name) for name in cam_layers(cached_model(model))]


def takes_from_layer(method: str) -> bool:
    """Whether a method can start from a layer's channel (guided backprop, deconvnet)."""
    return "from_layer" in inspect.signature(registry.get_method(method).fn).parameters


def saliency_panel(model: str = "efficientnet_lite0", image: str = "cat", size: int | None = None, scale_note: bool = False, fontsize: float = 9) -> Panel:
    """Model, image, one of the image's top-5 classes, a method (the registry's pixel-space
    methods: saliency, guided backprop, input x gradient, Integrated Gradients, ...) and
    SmoothGrad's samples (0 = off) and noise level: the image, its ``max |grad|`` map and
    positive and negative saliency. "start from" picks where the backward pass starts: the
    class score, or one channel of any block (its slider follows the block's channels) for
    the methods that reconstruct a layer's channel (guided backprop and deconvnet, as in
    Springenberg et al.'s and Zeiler & Fergus's figures). ``scale_note=True`` states the
    panels' scale under each figure and ``fontsize`` sets its size and the panel titles'
    (as in :func:`cnnviz_lab.plot.saliency_maps`)."""
    checks.flag(scale_note, "scale_note")
    fontsize = checks.real(fontsize, "fontsize", minimum=4.0)
    model_w = model_dropdown(model)
    image_w = image_dropdown(image)
    class_w = W.Dropdown(options=_top5(model, image), description="class")
    method_w = method_buttons(panel_methods(), "saliency")
    samples_w = W.IntSlider(value=0, min=0, max=50, step=5, description="SmoothGrad n", continuous_update=False)
    noise_w = W.FloatSlider(value=0.15, min=0.0, max=0.5, step=0.05, description="noise", continuous_update=False)

    start_w = W.Dropdown(options=_start_options(model_w.value), value="", description="start from")
    channel_w = W.IntSlider(value=0, min=0, max=0, description="channel", continuous_update=False)
    follow_channels(channel_w, model_w, start_w)

    def on_input(_change) -> None:
        class_w.options = _top5(model_w.value, image_w.value)
        if _change["owner"] is model_w:
            start_w.options = _start_options(model_w.value)
            start_w.value = ""

    model_w.observe(on_input, names="value")
    image_w.observe(on_input, names="value")

    def render(model: str, image: str, target: int, method: str, samples: int, noise: float, start: str, channel: int):
        clf = cached_model(model)
        x = clf.preprocess(panel_image(image), size=size or pick(clf.input_size, 128))
        options = {"steps": pick(32, 8)}
        what, base = f"'{clf.label(target)}'", method
        if start and takes_from_layer(method):  # a layer's channel instead of the class score
            fn = registry.get_method(method).fn

            def base(m, xx, _target=None, **_options):
                return fn(m, xx, None, from_layer=start, channel=channel)

            what = f"{start} channel {channel}"
        if samples > 0:
            attr = registry.call("smoothgrad", clf, x, target, method=base, n=samples, noise=noise, seed=0, offered=options)
            name = f"SmoothGrad ({registry.label(method)}, n={samples}, noise={noise:.2f})"
        else:
            attr = base(clf, x, target) if callable(base) else registry.call(method, clf, x, target, offered=options)
            name = registry.label(method)
        if start and not takes_from_layer(method):
            what += f" (start from {start} applies to guided backprop and deconvnet only)"
        return plot.saliency_maps(x, attr[0], clf, title=f"{title_name(clf)}: {name} for {what}", scale_note=scale_note, fontsize=fontsize)

    controls = {
        "model": model_w,
        "image": image_w,
        "target": class_w,
        "method": method_w,
        "samples": samples_w,
        "noise": noise_w,
        "start": start_w,
        "channel": channel_w,
    }
    return Panel(controls, render)
