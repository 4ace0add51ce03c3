"""The app view's panel (``cnnviz app``): every attribution method of the course on one
image, without code.

Controls: an image (a bundled photo, or your own through the upload button), a model, a
method family and a method of it (from the method registry, so a method registered later
appears here too), a class (the image's top-k, with probabilities) and, for the methods
that read a feature map, a layer. The figure: the map, the overlay and the prediction
(:func:`cnnviz_lab.plot.explanation`).
"""

from __future__ import annotations

import functools

import ipywidgets as W
import torch
from matplotlib import colormaps

from .. import plot
from ..attribution import registry
from ..models.fallback import title_name
from ..models.layers import cam_layers
from .common import Panel, cached_model, image_dropdown, model_dropdown
from .upload import panel_image

#: Display names of the registry's method families.
FAMILY_LABELS = {"gradient": "gradients", "cam": "class activation maps", "perturbation": "perturbation", "relevance": "relevance"}
NO_LAYER = ("(the method uses no layer)", "")


def families() -> list[str]:
    """The registry's families that have at least one method offered in panels."""
    return [f for f in registry.FAMILIES if registry.methods(f, panels=True)]


def family_methods(family: str) -> list[tuple[str, str]]:
    """``(label, name)`` of each method of ``family`` offered in panels, in registry order."""
    if family not in registry.FAMILIES:
        raise ValueError(f"family: expected one of {', '.join(registry.FAMILIES)}, got {family!r}")
    return [(m.label, m.name) for m in registry.methods(family, panels=True)]


def uses_layer(method: str) -> bool:
    """Whether ``method`` reads a feature map chosen by ``layer=`` (the CAM family, Guided Grad-CAM)."""
    return registry.get_method(method).accepts("layer")


@functools.lru_cache(maxsize=16)
def _input(model: str, image: str) -> torch.Tensor:
    return cached_model(model).preprocess(panel_image(image))


def class_choices(model: str, image: str, k: int = 5) -> list[tuple[str, int]]:
    """The image's top-``k`` classes as ``("label (p%)", index)``."""
    clf = cached_model(model)
    return [(f"{label} ({p:.0%})", int(i)) for i, label, p in clf.predict(_input(model, image), k=k)]


def _layer_options(model: str, method: str) -> list[tuple[str, str]]:
    if not uses_layer(method):
        return [NO_LAYER]
    return [(name, name) for name in cam_layers(cached_model(model))]


def explorer_panel(
    model: str = "efficientnet_lite0",
    image: str = "drums_and_guitar",
    family: str = "cam",
    method: str | None = None,
    k: int = 5,
    light: bool = True,
    cmap: str = "jet",
    colorbar: bool = False,
    percentile: float = 100.0,
    large: bool = False,
) -> Panel:
    """The app view's panel (module doc): image with upload, model, method family, method,
    class (top-``k``) and layer; the figure redraws on every change. ``light=True`` runs each
    method with its quick settings (fewer samples, steps or channels: SmoothGrad, Integrated
    Gradients, Score-CAM, occlusion, RISE, LIME), so that every choice answers within seconds
    on a CPU; the figure's title names the settings used. ``cmap``, ``colorbar`` and
    ``percentile`` set how the map is drawn (:func:`cnnviz_lab.plot.explanation`: colour map,
    colour bar, top of the scale as a percentile of the map); ``large=True`` draws the figure
    for projection (wider, 12-point labels, probability axis 0-1)."""
    if not isinstance(light, bool):
        raise TypeError(f"light: expected True or False, got {type(light).__name__}")
    if not isinstance(cmap, str) or cmap not in colormaps:
        raise ValueError(f"cmap: expected the name of a matplotlib colour map such as 'viridis', got {cmap!r}")
    if not isinstance(colorbar, bool):
        raise TypeError(f"colorbar: expected True or False, got {type(colorbar).__name__}")
    if isinstance(percentile, bool) or not isinstance(percentile, (int, float)) or not 0 < percentile <= 100:
        raise ValueError(f"percentile: expected a number in (0, 100], got {percentile!r}")
    if not isinstance(large, bool):
        raise TypeError(f"large: expected True or False, got {type(large).__name__}")
    if family not in families():
        raise ValueError(f"family: expected one of {', '.join(families())}, got {family!r}")
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= 20:
        raise ValueError(f"k: expected an int from 1 to 20, got {k!r}")
    methods = family_methods(family)
    method = registry.get_method(method).name if method is not None else methods[0][1]
    if method not in [name for _label, name in methods]:
        raise ValueError(f"method: {method!r} is not in the {family!r} family; choose from {', '.join(name for _l, name in methods)}")
    image_w = image_dropdown(image)
    model_w = model_dropdown(model)
    family_w = W.Dropdown(options=[(FAMILY_LABELS.get(f, f), f) for f in families()], value=family, description="family")
    method_w = W.Dropdown(options=methods, value=method, description="method")
    classes = class_choices(model_w.value, image, k)
    class_w = W.Dropdown(options=classes, value=classes[0][1], description="class")
    layers = _layer_options(model_w.value, method)
    layer_w = W.Dropdown(options=layers, value=layers[-1][1], description="layer", disabled=not uses_layer(method))

    def on_family(_change) -> None:
        options = family_methods(family_w.value)
        method_w.options = options
        if method_w.value != options[0][1]:
            method_w.value = options[0][1]

    def on_method_or_model(_change) -> None:
        options = _layer_options(model_w.value, method_w.value)
        if list(layer_w.options) != options:
            layer_w.options = options
            layer_w.value = options[-1][1]
        layer_w.disabled = not uses_layer(method_w.value)

    def on_image_or_model(_change) -> None:
        options = class_choices(model_w.value, image_w.value, k)
        class_w.options = options
        if class_w.value != options[0][1]:
            class_w.value = options[0][1]

    family_w.observe(on_family, names="value")
    method_w.observe(on_method_or_model, names="value")
    model_w.observe(on_method_or_model, names="value")
    model_w.observe(on_image_or_model, names="value")
    image_w.observe(on_image_or_model, names="value")

    def render(image: str, model: str, family: str, method: str, target: int, layer: str):
        clf = cached_model(model)
        x = _input(model, image)
        settings = registry.get_method(method).settings(quick_mode=True if light else None)
        # offered: a method that does not take `layer` (the gradient family) is not given it
        result = registry.call(method, clf, x, target, **settings, offered={"layer": layer or None})[0]
        where = f" at {layer}" if layer and uses_layer(method) else ""
        shown = ", ".join(f"{k}={v}" for k, v in settings.items() if k != "seed")
        return plot.explanation(
            clf,
            x,
            result,
            target,
            k=k,
            cmap=cmap,
            colorbar=colorbar,
            percentile=percentile,
            large=large,
            title=f"{registry.label(method)} for '{clf.label(target)}'{where} ({title_name(clf)}{'; ' + shown if shown else ''})",
        )

    return Panel({"image": image_w, "model": model_w, "family": family_w, "method": method_w, "target": class_w, "layer": layer_w}, render)
