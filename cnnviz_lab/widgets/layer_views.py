"""Panels for notebook 00: feature maps and filters of any layer, and predictions."""

from __future__ import annotations

import ipywidgets as W

from .. import plot
from ..core import checks
from ..core.layer_lookup import layer_names
from .common import Panel, cached_model, follow_channels, image_dropdown, model_dropdown
from .upload import panel_image

MAX_TILES = 64  # feature maps drawn at once


def feature_map_panel(model: str = "efficientnet_lite0", image: str = "cat", fontsize: float | None = None) -> Panel:
    """Model, image (or your uploaded photo), a slider over the model's conv layers and a
    channel range (both ends included, at most 64 drawn at once; its maximum follows the
    chosen layer's channels): the
    feature maps of those channels for that image, redrawn on every change, on one colour
    scale, centred on zero (diverging colours) when the maps have both signs. ``fontsize``
    (at least 4) sets the figure's text size for projecting, as in
    :func:`cnnviz_lab.plot.feature_maps`; ``None`` keeps its compact labels."""
    if fontsize is not None:
        fontsize = checks.real(fontsize, "fontsize", minimum=4.0)
    model_w = model_dropdown(model)
    image_w = image_dropdown(image)
    convs = layer_names(cached_model(model_w.value), "conv")
    layer_w = W.SelectionSlider(options=convs, value=convs[len(convs) // 3], description="layer", continuous_update=False, layout=W.Layout(width="420px"))
    channels_w = W.IntRangeSlider(value=(0, 15), min=0, max=15, description="channels", continuous_update=False)

    def on_model(change) -> None:
        names = layer_names(cached_model(change["new"]), "conv")
        layer_w.options = names
        layer_w.value = names[len(names) // 3]

    model_w.observe(on_model, names="value")
    follow_channels(channels_w, model_w, layer_w)

    def render(model: str, image: str, layer: str, channels: tuple[int, int]):
        clf = cached_model(model)
        lo, hi = channels
        hi = min(hi, lo + MAX_TILES - 1)  # a 1280-channel layer is drawn 64 tiles at a time
        fig = plot.feature_maps(clf, panel_image(image), layer, channels=range(lo, hi + 1), scale="auto", fontsize=fontsize)
        fig.suptitle(f"image '{image}', {fig.get_suptitle()}", **({} if fontsize is None else {"fontsize": fontsize + 1}))
        return fig

    return Panel({"model": model_w, "image": image_w, "layer": layer_w, "channels": channels_w}, render)


def filter_panel(model: str = "efficientnet_lite0") -> Panel:
    """A model menu and a slider over its conv layers showing each layer's filter weights."""
    model_w = model_dropdown(model)
    convs = layer_names(cached_model(model_w.value), "conv")
    layer_w = W.SelectionSlider(options=convs, value=convs[0], description="layer", continuous_update=False, layout=W.Layout(width="420px"))

    def on_model(change) -> None:
        names = layer_names(cached_model(change["new"]), "conv")
        layer_w.options = names
        layer_w.value = names[0]

    model_w.observe(on_model, names="value")
    return Panel({"model": model_w, "layer": layer_w}, lambda model, layer: plot.filters(cached_model(model), layer))


def prediction_panel(model: str = "efficientnet_lite0", image: str = "cat") -> Panel:
    """Model and image (or your uploaded photo) menus; the top-5 predictions, or the
    augmented views with theirs."""

    def render(model: str, image: str, view: str):
        clf = cached_model(model)
        if view == "top-5":
            return plot.predictions(clf, panel_image(image))
        return plot.augmentations(clf, panel_image(image))

    view_w = W.ToggleButtons(options=["top-5", "augmentations"], description="view")
    return Panel({"model": model_dropdown(model), "image": image_dropdown(image), "view": view_w}, render)
