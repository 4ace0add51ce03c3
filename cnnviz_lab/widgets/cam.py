"""Panels for notebooks 05 (CAM) and 06 (Grad-CAM): model, image, layer and class controls."""

from __future__ import annotations

import functools

import ipywidgets as W
import torch

from .. import plot
from ..attribution import registry
from ..core.config import pick
from ..core.hooks import activations
from ..images.boxes import boxed_samples, sample_boxes
from ..models.layers import cam_layers
from .common import Panel, cached_model, image_dropdown, method_buttons, model_dropdown
from .upload import panel_image


def panel_methods() -> list[registry.Method]:
    """The class-map methods the Grad-CAM panel offers: the registry's "cam" family (maps,
    offered in panels), in the order the course teaches them."""
    return registry.methods("cam", pixels=False, panels=True)


@functools.lru_cache(maxsize=16)
def _input(model: str, image: str) -> torch.Tensor:
    clf = cached_model(model)
    return clf.preprocess(panel_image(image))


@functools.lru_cache(maxsize=8)
def _layers(model: str) -> tuple[str, ...]:
    return tuple(cam_layers(cached_model(model)))


@functools.lru_cache(maxsize=64)
def _grid(model: str, image: str, layer: str) -> tuple[int, int]:
    """The spatial size of ``layer``'s feature map for this image (the map before upsampling)."""
    clf = cached_model(model)
    return tuple(activations(clf, _input(model, image), layer).shape[-2:])


def class_options(model: str, image: str, k: int = 5) -> list[tuple[str, int]]:
    """The image's top-``k`` classes as dropdown options ``("label (p%)", index)``."""
    clf = cached_model(model)
    return [(f"{label} ({p:.0%})", index) for index, label, p in clf.predict(_input(model, image), k)]


def _class_dropdown(model: str, image: str) -> W.Dropdown:
    options = class_options(model, image)
    return W.Dropdown(options=options, value=options[0][1], description="class")


def _follow(model_w: W.Dropdown, image_w: W.Dropdown, class_w: W.Dropdown, layer_w: W.SelectionSlider | None = None) -> None:
    """Keep the class choices (top-5 of the image) and the layers in step with model and image."""

    def on_change(_change) -> None:
        options = class_options(model_w.value, image_w.value)
        class_w.options = options  # selects the new top-1 class
        if class_w.value != options[0][1]:
            class_w.value = options[0][1]
        if layer_w is not None and _change["owner"] is model_w:
            names = list(_layers(model_w.value))
            layer_w.options = names
            layer_w.value = names[-1]

    model_w.observe(on_change, names="value")
    image_w.observe(on_change, names="value")


def gradcam_panel(
    model: str = "efficientnet_lite0",
    image: str = "drums_and_guitar",
    method: str = "gradcam",
    layer: str | None = None,
    fontsize: float | None = None,
    marks: bool = False,
) -> Panel:
    """Model and image dropdowns, a method toggle, a slider over the network's blocks
    (early to late, :func:`~cnnviz_lab.attribution.cam.cam_layers`) and a dropdown of the
    image's top-5 classes: the class map of the chosen method (Grad-CAM, Selvaraju et al.
    2017, or a variant) over the image, redrawn on every change.
    ``fontsize``: the figure's text size (see :func:`~cnnviz_lab.plot.cam_overlay`), e.g. 13
    to match a notebook's projected figures. ``marks=True`` outlines the photo's hand-drawn
    boxes (:func:`~cnnviz_lab.sample_boxes`, when it has any) on the map and overlay panels
    and marks the map's maximum with a cross, as the notebook's static figures do."""
    if not isinstance(marks, bool):
        raise TypeError(f"marks must be True or False, got {marks!r}")
    model_w = model_dropdown(model)
    image_w = image_dropdown(image)
    names = list(_layers(model))
    layer_w = W.SelectionSlider(options=names, value=layer or names[-1], description="layer", continuous_update=False, layout=W.Layout(width="480px"))
    class_w = _class_dropdown(model, image)
    method_w = method_buttons(panel_methods(), method)
    _follow(model_w, image_w, class_w, layer_w)

    def render(model: str, image: str, layer: str, target: int, method: str):
        clf = cached_model(model)
        x = _input(model, image)
        heat = registry.call(method, clf, x, target, layer=layer, offered={"max_channels": pick(256, 32)})[0]
        h, w = _grid(model, image, layer)
        size = f"{h}x{w}" if (h, w) == tuple(heat.shape[-2:]) else f"{h}x{w}, upsampled"
        fig = plot.cam_overlay(
            x,
            heat,
            clf,
            title=f"{registry.label(method)} for '{clf.label(target)}' at {layer}",
            map_title=f"{registry.label(method)} ({size})",
            fontsize=fontsize,
        )
        if marks:
            boxes = sample_boxes(image, model=clf) if image in boxed_samples() else None
            for ax in fig.axes[1:3]:
                if boxes:
                    plot.draw_boxes(ax, boxes, label=False)
                plot.core.mark_peak(ax, plot.core.to_numpy(heat), tuple(x.shape[-2:]))
        return fig

    return Panel({"model": model_w, "image": image_w, "layer": layer_w, "target": class_w, "method": method_w}, render)


def cam_panel(model: str = "efficientnet_lite0", image: str = "drums_and_guitar", fontsize: float | None = None, cmap: str | None = None) -> Panel:
    """Model and image dropdowns and a class dropdown (the top-5): the CAM of that class
    (Zhou et al. 2016), or with ``view="top-5"`` the maps of all five side by side.
    ``fontsize``: the figure's text size (see :func:`~cnnviz_lab.plot.cam_overlay`), e.g. 13
    to match a notebook's projected figures. ``cmap``: the maps' matplotlib colour map (default
    ``"jet"``; a perceptual one such as ``"inferno"`` has no false edges)."""
    cmap = plot.core.colour_map_name(cmap, "jet")
    model_w = model_dropdown(model)
    image_w = image_dropdown(image)
    class_w = _class_dropdown(model, image)
    view_w = W.ToggleButtons(options=["one class", "top-5"], value="one class", description="view")
    _follow(model_w, image_w, class_w)

    def render(model: str, image: str, target: int, view: str):
        clf = cached_model(model)
        x = _input(model, image)
        if view == "top-5":
            return plot.cam_topk(clf, x, k=5, method="cam", cmap=cmap, **({} if fontsize is None else {"fontsize": fontsize}))
        raw = registry.call("cam", clf, x, target, upsample=False)[0]
        heat = torch.nn.functional.interpolate(raw[None, None], size=x.shape[-2:], mode="bilinear", align_corners=False)[0, 0]
        return plot.cam_overlay(
            x,
            heat,
            clf,
            title=f"CAM for '{clf.label(target)}'",
            fontsize=fontsize,
            cmap=cmap,
            map_title=f"CAM, {raw.shape[0]}x{raw.shape[1]} upsampled to {x.shape[-1]}",
        )

    return Panel({"model": model_w, "image": image_w, "target": class_w, "view": view_w}, render)
