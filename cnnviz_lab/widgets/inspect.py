"""Panels for notebook 00: feature maps and filters of any layer."""

from __future__ import annotations

import ipywidgets as W

from .. import plot
from ..images import sample_image
from ..layers import layer_names
from .common import Panel, cached_model, image_dropdown, model_dropdown


def feature_map_panel(model: str = "efficientnet_lite0", image: str = "cat") -> Panel:
    """Model, image, a slider over the model's conv layers and a channel range: the
    feature maps of that layer for that image, redrawn on every change."""
    model_w = model_dropdown(model)
    image_w = image_dropdown(image)
    convs = layer_names(cached_model(model_w.value), "conv")
    layer_w = W.SelectionSlider(options=convs, value=convs[len(convs) // 3], description="layer",
                                continuous_update=False, layout=W.Layout(width="420px"))
    channels_w = W.IntRangeSlider(value=(0, 16), min=0, max=64, description="channels",
                                  continuous_update=False)

    def on_model(change) -> None:
        names = layer_names(cached_model(change["new"]), "conv")
        layer_w.options = names
        layer_w.value = names[len(names) // 3]

    model_w.observe(on_model, names="value")

    def render(model: str, image: str, layer: str, channels: tuple[int, int]):
        clf = cached_model(model)
        lo, hi = channels
        return plot.feature_maps(clf, sample_image(image), layer, channels=range(lo, max(hi, lo + 1)))

    return Panel({"model": model_w, "image": image_w, "layer": layer_w, "channels": channels_w}, render)


def filter_panel(model: str = "efficientnet_lite0") -> Panel:
    """A slider over the conv layers showing each layer's filter weights."""
    model_w = model_dropdown(model)
    convs = layer_names(cached_model(model), "conv")
    layer_w = W.SelectionSlider(options=convs, value=convs[0], description="layer",
                                continuous_update=False, layout=W.Layout(width="420px"))
    model_w.observe(lambda c: setattr(layer_w, "options", layer_names(cached_model(c["new"]), "conv")),
                    names="value")
    return Panel({"model": model_w, "layer": layer_w},
                 lambda model, layer: plot.filters(cached_model(model), layer))


def prediction_panel(model: str = "efficientnet_lite0", image: str = "cat") -> Panel:
    """Model and image dropdowns; top-5 predictions and the augmented views with theirs."""
    def render(model: str, image: str, view: str):
        clf = cached_model(model)
        if view == "top-5":
            return plot.predictions(clf, sample_image(image))
        return plot.augmentations(clf, sample_image(image))

    view_w = W.ToggleButtons(options=["top-5", "augmentations"], description="view")
    return Panel({"model": model_dropdown(model), "image": image_dropdown(image), "view": view_w}, render)
