"""Panels for notebooks 02-04: render a channel, invert an image, dream.

Each computes only when its button is pressed; until then it shows a cheap preview (or a
result the notebook passes as ``first=``), so building a panel never runs the optimisation
(a notebook executed headless would otherwise spend minutes in the panel's cell).
"""

from __future__ import annotations

from typing import Any

import ipywidgets as W

from ..models import hub
from .. import plot
from ..models.classifier import Classifier
from ..core.config import pick
from ..models.fallback import display_name, fallback_note, note_box, title_name
from ..models.layers import blocks_at, cam_layers
from ..optvis import CLASSIC_VGG16_DREAM, LITE_DREAM, deepdream, dream_layers, invert, maximize
from ..optvis import objectives as obj
from .common import Panel, cached_model, follow_channels, image_dropdown, model_dropdown
from .previews import image_preview, lines
from .upload import panel_image


def block_names(clf: Classifier) -> list[str]:
    """Layers worth visualising: the model's own blocks, early to late
    (:func:`~cnnviz_lab.models.layers.cam_layers`; VGG's ReLUs)."""
    return cam_layers(clf)


def _follow_layers(model_w: W.Dropdown, *layer_ws: W.Dropdown, depth: float = 0.5) -> None:
    """A model change offers the new model's blocks in ``layer_ws`` (keeping a layer the new
    model has, else the block at ``depth``)."""

    def on_model(change) -> None:
        clf = cached_model(change["new"])
        names = block_names(clf)
        for w in layer_ws:
            keep = w.value if w.value in names else blocks_at(clf, [depth])[0]
            w.options = names
            w.value = keep

    model_w.observe(on_model, names="value")


def maximize_panel(model: str = "efficientnet_lite0", layer: str | None = None, *, first: Any = None) -> Panel:
    """Model, layer (default: the block at half the model's depth), channel (its range
    follows the layer), unit (the whole channel, or its centre neuron), parametrisation and
    steps; the "render" button draws the image that maximises it (fixed seed, so the same
    settings give the same picture). Until the first click the panel shows a 16-step
    preview, or ``first`` (e.g. a figure the notebook already drew)."""
    model_w = model_dropdown(model)
    clf = cached_model(model_w.value)
    names = block_names(clf)
    layer_w = W.Dropdown(options=names, value=layer if layer in names else blocks_at(clf, [0.5])[0], description="layer")
    channel_w = W.IntSlider(value=0, min=0, max=0, description="channel", continuous_update=False)
    unit_w = W.ToggleButtons(
        options=["channel", "neuron"], value="channel", description="unit", tooltips=["the channel's mean activation", "the channel's centre position"]
    )
    param_w = W.ToggleButtons(options=["fft", "pixel"], value="fft", description="param")
    steps_w = W.IntSlider(value=pick(128, 4), min=1, max=512, description="steps", continuous_update=False)
    _follow_layers(model_w, layer_w)
    follow_channels(channel_w, model_w, layer_w)

    def goal(layer: str, channel: int, unit: str):
        return obj.neuron(layer, channel) if unit == "neuron" else obj.channel(layer, channel)

    def render(model: str, layer: str, channel: int, unit: str, param: str, steps: int):
        c = cached_model(model)
        res = maximize(c, goal(layer, channel, unit), size=pick(160, 48), steps=steps, param=param, seed=0, progress=True)
        return plot.renderings(res, [f"{title_name(c)}\n{layer} {unit} {channel} ({param}, {steps} steps)"], cell=3.5)

    def preview(model: str, layer: str, channel: int, unit: str, param: str, steps: int):
        c = cached_model(model)
        res = maximize(c, goal(layer, channel, unit), size=64, steps=16, param=param, seed=0, progress=False)
        return plot.renderings(res, [f"preview: 16 steps at 64 px\n{layer} {unit} {channel}: press render"], cell=3.5)

    controls = {"model": model_w, "layer": layer_w, "channel": channel_w, "unit": unit_w, "param": param_w, "steps": steps_w}
    return Panel(controls, render, button="render", preview=preview, first=first)


def inversion_panel(model: str = "efficientnet_lite0", image: str = "cat", layer: str | None = None, *, first: Any = None) -> Panel:
    """Image (or your uploaded photo), layer (default: the block at a quarter of the model's
    depth), total-variation weight and steps; "invert" reconstructs the image from that
    layer's activations and shows the remaining feature distance. Until the first click the
    panel shows the photo to invert (or ``first``)."""
    clf = cached_model(model)
    names = block_names(clf)
    layer_w = W.Dropdown(options=names, value=layer if layer in names else blocks_at(clf, [0.25])[0], description="layer")
    tv_w = W.FloatSlider(value=0.5, min=0.0, max=5.0, step=0.1, description="TV weight", continuous_update=False)
    steps_w = W.IntSlider(value=pick(200, 4), min=1, max=600, description="steps", continuous_update=False)
    size = pick(128, 48)

    def render(image: str, layer: str, tv_weight: float, steps: int):
        c = cached_model(model)
        res = invert(c, panel_image(image), layer, steps=steps, size=size, tv_weight=tv_weight, seed=0, progress=True)
        return plot.inversions(res.info["target"], {layer: res.tensor}, {layer: res.info["distance_end"]})

    def preview(image: str, layer: str, tv_weight: float, steps: int):
        return image_preview(
            panel_image(image),
            lines(f"to invert from {layer} of {title_name(cached_model(model))}", f"TV weight {tv_weight:g}, {steps} steps: press invert"),
            side=size,
        )

    return Panel({"image": image_dropdown(image), "layer": layer_w, "tv_weight": tv_w, "steps": steps_w}, render, button="invert", preview=preview, first=first)


# Named for what they are: the network and the layers each preset dreams with.
LITE_PRESET = "EfficientNet-Lite0 (offline): blocks.10 x1 + blocks.13 x0.5"
CLASSIC_PRESET = "classic DeepDream on VGG16: relu4_2 x1 + relu5_2 x0.5"
PRESETS = {LITE_PRESET: LITE_DREAM, CLASSIC_PRESET: CLASSIC_VGG16_DREAM}
# Earlier names of the presets, still accepted by deepdream_panel(preset=...).
PRESET_ALIASES = {
    "EfficientNet-Lite0 (offline)": LITE_PRESET,
    "classic VGG16 DeepDream (relu4_2 + relu5_2)": CLASSIC_PRESET,
    "lite": LITE_PRESET,
    "classic": CLASSIC_PRESET,
    "vgg16": CLASSIC_PRESET,
}


def preset_note(preset: str) -> str:
    """HTML under the dream panel's controls: the fallback note when the preset's network
    cannot be had here (its numbers then run on the offline model, at its own layers of
    similar depth), else ""."""
    wanted = PRESETS[preset]["model"]
    if wanted == hub.OFFLINE_MODEL or hub.is_cached(wanted) or hub.online():
        return ""
    reason = hub.unavailable_reason(hub.default_weights(wanted)) or "its weights are not cached"
    return note_box(
        fallback_note(wanted, reason) + "\n\nThe preset's octaves, steps, shift and learning rate "
        "are kept; the layers are the offline model's blocks at a similar depth."
    )


def deepdream_panel(image: str = "astronaut", preset: str = LITE_PRESET, *, first: Any = None) -> Panel:
    """DeepDream with a preset's configuration as controls: the model, two layers with their
    weights, octaves, octave scale, steps, shift and learning rate, and a "dream" button (a
    progress bar runs while it dreams; until the first click the panel shows the photo, or
    ``first``). The classic VGG16 preset loads VGG16's relu4_2/relu5_2 where its weights are
    cached or can be downloaded; elsewhere the panel says so (the fallback note) and keeps
    the preset's numbers on the offline model, at its own layers of similar depth."""
    preset = PRESET_ALIASES.get(preset, preset)
    if preset not in PRESETS:
        raise ValueError(f"preset: {preset!r} is not a preset; choose from {', '.join(PRESETS)}")
    model_w = model_dropdown(hub.OFFLINE_MODEL)
    lite = cached_model(hub.OFFLINE_MODEL)
    names = block_names(lite)
    (first_layer, _), (second_layer, _) = dream_layers(lite).items()
    preset_w = W.Dropdown(options=list(PRESETS), value=preset, description="preset", layout=W.Layout(width="480px"))
    layer1_w = W.Dropdown(options=names, value=first_layer, description="layer 1")
    weight1_w = W.FloatSlider(value=1.0, min=0.0, max=2.0, step=0.1, description="weight 1", continuous_update=False)
    layer2_w = W.Dropdown(options=names, value=second_layer, description="layer 2")
    weight2_w = W.FloatSlider(value=0.5, min=0.0, max=2.0, step=0.1, description="weight 2", continuous_update=False)
    octaves_w = W.IntSlider(value=4, min=1, max=8, description="octaves", continuous_update=False)
    scale_w = W.FloatSlider(value=1.4, min=1.1, max=2.0, step=0.1, description="octave scale", continuous_update=False)
    steps_w = W.IntSlider(value=pick(10, 2), min=1, max=50, description="steps", continuous_update=False)
    shift_w = W.IntSlider(value=32, min=0, max=64, description="shift", continuous_update=False)
    lr_w = W.FloatSlider(value=0.09, min=0.01, max=0.3, step=0.01, description="lr", continuous_update=False)
    _follow_layers(model_w, layer1_w, layer2_w, depth=0.65)
    holder: dict[str, Panel] = {}

    def apply(name: str) -> None:
        cfg = PRESETS[name]
        model = cfg["model"] if cfg["model"] in [v for _label, v in model_w.options] else hub.OFFLINE_MODEL
        model_w.value = model
        layers = cfg["layers"] if model == cfg["model"] else dream_layers(cached_model(model))
        (l1, w1), (l2, w2) = list(layers.items())
        layer1_w.value, weight1_w.value, layer2_w.value, weight2_w.value = l1, w1, l2, w2
        octaves_w.value, scale_w.value = cfg["octaves"], cfg["octave_scale"]
        steps_w.value, shift_w.value, lr_w.value = pick(cfg["steps"], 2), cfg["jitter"], cfg["lr"]
        if "panel" in holder:
            holder["panel"].note.value = preset_note(name)

    preset_w.observe(lambda ch: apply(ch["new"]), names="value")
    apply(preset)

    def render(preset, model, image, layer1, weight1, layer2, weight2, octaves, octave_scale, steps, shift, lr):
        c = cached_model(model)
        src = panel_image(image)
        layers = {layer1: weight1}
        layers[layer2] = layers.get(layer2, 0.0) + weight2
        out = deepdream(
            c,
            src,
            layers,
            octaves=octaves,
            octave_scale=octave_scale,
            steps=steps,
            lr=lr,
            jitter=shift,
            seed=0,
            max_side=pick(PRESETS[preset]["width"], 96),
            progress=True,
        )
        wanted = PRESETS[preset]["model"]
        who = title_name(c) if wanted == c.name else f"{title_name(c)} (standing in for {wanted})"
        return plot.dream(src, out, [f"{who}\n" + ", ".join(f"{k}×{v:g}" for k, v in layers.items())])

    def preview(preset, model, image, layer1, weight1, layer2, weight2, octaves, octave_scale, steps, shift, lr):
        return image_preview(
            panel_image(image),
            lines(
                f"to dream on {display_name(model)}",
                f"{layer1}×{weight1:g}, {layer2}×{weight2:g}; {octaves} octaves × {octave_scale:g}, {steps} steps",
                "press dream",
            ),
            side=256,
        )

    controls = {
        "preset": preset_w,
        "model": model_w,
        "image": image_dropdown(image),
        "layer1": layer1_w,
        "weight1": weight1_w,
        "layer2": layer2_w,
        "weight2": weight2_w,
        "octaves": octaves_w,
        "octave_scale": scale_w,
        "steps": steps_w,
        "shift": shift_w,
        "lr": lr_w,
    }
    p = Panel(controls, render, button="dream", preview=preview, first=first)
    holder["panel"] = p
    p.note.value = preset_note(preset_w.value)
    return p


__all__ = ["CLASSIC_PRESET", "LITE_PRESET", "PRESETS", "block_names", "deepdream_panel", "inversion_panel", "maximize_panel", "preset_note"]
