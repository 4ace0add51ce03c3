"""Panels for notebooks 02-04: render a channel, invert an image, dream."""

from __future__ import annotations

import ipywidgets as W

from .. import plot
from ..config import pick
from ..images import sample_image
from ..classifier import Classifier
from ..layers import blocks_at, cam_layers
from ..optvis import CLASSIC_VGG16_DREAM, LITE_DREAM, deepdream, dream_layers, invert, maximize
from .common import Panel, available_models, cached_model, image_dropdown, model_dropdown


def block_names(clf: Classifier) -> list[str]:
    """Layers worth visualising: the model's own blocks, early to late
    (:func:`~cnnviz_lab.layers.cam_layers`; VGG's ReLUs)."""
    return cam_layers(clf)


def maximize_panel(model: str = "efficientnet_lite0", layer: str | None = None) -> Panel:
    """Layer (default: the block at half the model's depth), channel, parametrisation and
    steps; the "render" button draws the image that maximises that channel (fixed seed, so
    the same settings give the same picture)."""
    clf = cached_model(model)
    names = block_names(clf)
    layer_w = W.Dropdown(options=names, value=layer if layer in names else blocks_at(clf, [0.5])[0],
                         description="layer")
    channel_w = W.IntSlider(value=0, min=0, max=63, description="channel", continuous_update=False)
    param_w = W.ToggleButtons(options=["fft", "pixel"], value="fft", description="param")
    steps_w = W.IntSlider(value=pick(128, 4), min=1, max=512, description="steps", continuous_update=False)

    def render(model: str, layer: str, channel: int, param: str, steps: int):
        c = cached_model(model)
        res = maximize(c, f"{layer}:{channel}", size=pick(160, 48), steps=steps, param=param, seed=0,
                       progress=True)
        return plot.renderings(res, [f"{layer}:{channel} ({param}, {steps} steps)"], cell=3.5)

    model_w = model_dropdown(model)
    model_w.observe(lambda ch: setattr(layer_w, "options", block_names(cached_model(ch["new"]))), names="value")
    return Panel({"model": model_w, "layer": layer_w, "channel": channel_w, "param": param_w,
                  "steps": steps_w}, render, button="render")


def inversion_panel(model: str = "efficientnet_lite0", image: str = "cat", layer: str | None = None) -> Panel:
    """Image, layer (default: the block at a quarter of the model's depth), total-variation
    weight and steps; "invert" reconstructs the image from that layer's activations and
    shows the remaining feature distance."""
    clf = cached_model(model)
    names = block_names(clf)
    layer_w = W.Dropdown(options=names, value=layer if layer in names else blocks_at(clf, [0.25])[0],
                         description="layer")
    tv_w = W.FloatSlider(value=0.5, min=0.0, max=5.0, step=0.1, description="TV weight", continuous_update=False)
    steps_w = W.IntSlider(value=pick(200, 4), min=1, max=600, description="steps", continuous_update=False)

    def render(image: str, layer: str, tv_weight: float, steps: int):
        c = cached_model(model)
        res = invert(c, sample_image(image), layer, steps=steps, size=pick(128, 48), tv_weight=tv_weight,
                     seed=0, progress=True)
        return plot.inversions(res.info["target"], {layer: res.tensor}, {layer: res.info["distance_end"]})

    return Panel({"image": image_dropdown(image), "layer": layer_w, "tv_weight": tv_w, "steps": steps_w},
                 render, button="invert")


PRESETS = {"EfficientNet-Lite0 (offline)": LITE_DREAM, "classic VGG16 DeepDream (relu4_2 + relu5_2)":
           CLASSIC_VGG16_DREAM}


def deepdream_panel(image: str = "astronaut", preset: str = "EfficientNet-Lite0 (offline)") -> Panel:
    """DeepDream with a preset's configuration as controls: two layers with their weights,
    octaves, octave scale, steps, shift and learning rate, and a "dream" button (a progress
    bar runs while it dreams). The classic VGG16 preset loads VGG16's relu4_2/relu5_2 when
    its weights are available and otherwise keeps its numbers on the offline model, at the
    offline model's own layers of similar depth."""
    lite = cached_model("efficientnet_lite0")
    names = block_names(lite)
    (first, _), (second, _) = dream_layers(lite).items()
    preset_w = W.Dropdown(options=list(PRESETS), value=preset, description="preset")
    model_w = W.Dropdown(options=available_models(), value="efficientnet_lite0", description="model")
    layer1_w = W.Dropdown(options=names, value=first, description="layer 1")
    weight1_w = W.FloatSlider(value=1.0, min=0.0, max=2.0, step=0.1, description="weight 1", continuous_update=False)
    layer2_w = W.Dropdown(options=names, value=second, description="layer 2")
    weight2_w = W.FloatSlider(value=0.5, min=0.0, max=2.0, step=0.1, description="weight 2", continuous_update=False)
    octaves_w = W.IntSlider(value=4, min=1, max=8, description="octaves", continuous_update=False)
    scale_w = W.FloatSlider(value=1.4, min=1.1, max=2.0, step=0.1, description="octave scale", continuous_update=False)
    steps_w = W.IntSlider(value=pick(10, 2), min=1, max=50, description="steps", continuous_update=False)
    shift_w = W.IntSlider(value=32, min=0, max=64, description="shift", continuous_update=False)
    lr_w = W.FloatSlider(value=0.09, min=0.01, max=0.3, step=0.01, description="lr", continuous_update=False)

    def set_layers(model: str) -> None:
        opts = block_names(cached_model(model))
        layer1_w.options, layer2_w.options = opts, opts

    def apply(name: str) -> None:
        cfg = PRESETS[name]
        model = cfg["model"] if cfg["model"] in model_w.options else "efficientnet_lite0"
        model_w.value = model
        set_layers(model)
        layers = cfg["layers"] if model == cfg["model"] else dream_layers(cached_model(model))
        (l1, w1), (l2, w2) = list(layers.items())
        layer1_w.value, weight1_w.value, layer2_w.value, weight2_w.value = l1, w1, l2, w2
        octaves_w.value, scale_w.value = cfg["octaves"], cfg["octave_scale"]
        steps_w.value, shift_w.value, lr_w.value = pick(cfg["steps"], 2), cfg["jitter"], cfg["lr"]

    preset_w.observe(lambda ch: apply(ch["new"]), names="value")
    model_w.observe(lambda ch: set_layers(ch["new"]), names="value")
    apply(preset)

    def render(preset, model, image, layer1, weight1, layer2, weight2, octaves, octave_scale, steps, shift, lr):
        c = cached_model(model)
        src = sample_image(image)
        layers = {layer1: weight1}
        layers[layer2] = layers.get(layer2, 0.0) + weight2
        out = deepdream(c, src, layers, octaves=octaves, octave_scale=octave_scale, steps=steps, lr=lr,
                        jitter=shift, seed=0, max_side=pick(PRESETS[preset]["width"], 96), progress=True)
        return plot.dream(src, out, [", ".join(f"{k}×{v:g}" for k, v in layers.items())])

    controls = {"preset": preset_w, "model": model_w, "image": image_dropdown(image), "layer1": layer1_w,
                "weight1": weight1_w, "layer2": layer2_w, "weight2": weight2_w, "octaves": octaves_w,
                "octave_scale": scale_w, "steps": steps_w, "shift": shift_w, "lr": lr_w}
    return Panel(controls, render, button="dream")


__all__ = ["block_names", "deepdream_panel", "inversion_panel", "maximize_panel"]
