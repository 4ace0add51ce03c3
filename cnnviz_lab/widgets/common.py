"""The pieces every ipywidgets panel of the course is built from.

Panels use core ipywidgets controls only (Dropdown, IntSlider, IntRangeSlider, Button,
FileUpload, Output...), which work on Colab (ipywidgets 7), Binder and JupyterLab
(ipywidgets 8) alike. :class:`~cnnviz_lab.widgets.panel.Panel` wires controls to a
function that draws a figure; this module holds the menus and sliders they share.
"""

from __future__ import annotations

import functools
from typing import Any

import ipywidgets as W

from ..models import hub
from ..attribution import registry
from ..models.classifier import Classifier
from ..models.fallback import fallback_note, note_box
from ..core.probes import probe
from ..models.loading import load_model, OFFLINE_MODEL
from .panel import Panel, in_cell, panel
from .upload import image_picker


@functools.lru_cache(maxsize=4)
def cached_model(name: str = OFFLINE_MODEL, device: str = "auto") -> Classifier:
    """``load_model(name, fallback=True)``, loaded once per session and reused."""
    return load_model(name, device=device, fallback=True)


def available_models(extra: tuple[str, ...] = hub.CLASSICS) -> list[str]:
    """The models a menu can offer now: the offline model, those of ``extra`` whose weights
    are cached and, when the weights server answers (:func:`cnnviz_lab.models.hub.online`, never
    with ``CNNVIZ_OFFLINE=1``), the rest of ``extra`` (loading downloads them once)."""
    return [name for _label, name in hub.menu_options(extra)]


def model_dropdown(value: str = OFFLINE_MODEL, extra: tuple[str, ...] = hub.CLASSICS) -> W.Dropdown:
    """A model menu: values are model names, labels carry a "(downloads N MB)" note for
    weights not yet cached. ``dropdown.hint`` is HTML a :class:`Panel` shows under its
    controls: offline, how to get the missing models (``cnnviz fetch``); when ``value``
    cannot be had, the menu starts on the offline model and the hint says what differs."""
    options = hub.menu_options(extra)
    hint = hub.menu_hint(extra)
    if value not in [name for _label, name in options]:
        if hub.is_cached(value) or hub.online():
            options += [o for o in hub.menu_options((value,)) if o[1] == value]
        else:
            reason = hub.unavailable_reason(hub.default_weights(value))
            hint = note_box(fallback_note(value, f"its weights are not cached and {reason}"))
            value = OFFLINE_MODEL
    dropdown = W.Dropdown(options=options, value=value, description="model")
    dropdown.hint = hint
    return dropdown


def image_dropdown(value: str = "cat") -> W.Dropdown:
    """The image menu of a panel: the sample images and your uploaded photos, with an upload
    button (:func:`~cnnviz_lab.widgets.upload.image_picker`)."""
    return image_picker(value)


@functools.lru_cache(maxsize=8)
def layer_channels(model: str) -> dict[str, int]:
    """``{layer: number of channels}`` of every layer of ``model`` (a menu name) whose
    output is a feature map, from one probe at the model's input size."""
    clf = cached_model(model)
    return {name: int(out.shape[1]) for name, out in probe(clf, getattr(clf, "input_size", 224)) if out.dim() == 4}


def channels_of(model: str, layer: str) -> int:
    """How many channels ``layer`` of ``model`` has (1 when it is not a feature map)."""
    return layer_channels(model).get(layer, 1)


def follow_channels(slider: W.IntSlider | W.IntRangeSlider, model: W.Widget | str, layer: W.Widget) -> None:
    """Keep ``slider``'s range on the channels of the chosen layer (and model): its maximum
    becomes the layer's last channel whenever the layer or the model changes, so a slider
    never points past the end of a layer. ``model`` is the model menu or a model name."""

    def refresh(_change: Any = None) -> None:
        name = model if isinstance(model, str) else model.value
        known = layer_channels(name)
        if layer.value not in known:  # the model changed first: its layer menu follows next
            return
        last = max(0, known[layer.value] - 1)
        if isinstance(slider, W.IntRangeSlider):
            lo, hi = slider.value
            new = (min(lo, last), min(hi, last))
        else:
            new = min(slider.value, last)
        if last < slider.max:  # shrink: move the value in first
            slider.value = new
            slider.max = last
        else:
            slider.max = last
            slider.value = new

    layer.observe(refresh, names="value")
    if not isinstance(model, str):
        model.observe(refresh, names="value")
    refresh()


def _method_name(value: Any) -> Any:
    try:
        return registry.get_method(value).name
    except (ValueError, TypeError):
        return value


def method_buttons(methods: list[registry.Method], value: str, description: str = "method") -> W.ToggleButtons:
    """Toggle buttons over registry methods, labelled with their display labels; the value
    is the method's name, and setting it takes any spelling or alias (``"guided"``,
    ``"Grad-CAM++"``), as everywhere else in the package."""
    return W.ToggleButtons(
        options=[(m.label, m.name) for m in methods], value=_method_name(value), description=description, equals=lambda a, b: _method_name(a) == _method_name(b)
    )


__all__ = [
    "available_models",
    "cached_model",
    "channels_of",
    "follow_channels",
    "image_dropdown",
    "in_cell",
    "layer_channels",
    "method_buttons",
    "model_dropdown",
    "Panel",
    "panel",
]
