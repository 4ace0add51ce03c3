"""Panel for notebook 07: the occlusion experiment with window, stride and fill as controls."""

from __future__ import annotations

from typing import Any

import ipywidgets as W

from .. import plot
from ..attribution.occlusion import occlusion_grid
from ..core.config import pick
from .common import Panel, cached_model, image_dropdown
from .previews import image_preview, lines
from .upload import panel_image


# how each fill looks when the occluder is drawn on the image ("blur" as an outline)
FILL_COLOURS = {"grey": "grey", "black": "black", "mean": (0.485, 0.456, 0.406), "blur": "outline"}


def occlusion_panel(
    model: str = "efficientnet_lite0", image: str = "cat", size: int | None = None, window: int = 32, stride: int = 16, *, first: Any = None
) -> Panel:
    """Image (or your uploaded photo), occluder window and stride (sliders), fill and
    output (toggles): the five panels of the occlusion experiment for the image's top-1
    class, recomputed when "run" is pressed; until then the image with one occluder drawn to
    scale (or ``first``). ``size``: image side in pixels (default 224, 112 in quick mode);
    the number of forward passes is about ``(size / stride)^2``."""
    side = size or pick(224, 112)
    controls = {
        "image": image_dropdown(image),
        "window": W.IntSlider(value=window, min=8, max=side // 2, step=8, description="window", continuous_update=False),
        "stride": W.IntSlider(value=stride, min=4, max=side // 2, step=4, description="stride", continuous_update=False),
        "fill": W.ToggleButtons(options=["grey", "black", "mean", "blur"], value="grey", description="fill"),
        "output": W.ToggleButtons(options=["prob", "logit"], value="prob", description="output"),
        "percentile": W.IntSlider(value=25, min=0, max=90, step=5, description="percentile", continuous_update=False),
    }

    def render(image: str, window: int, stride: int, fill: str, output: str, percentile: int):
        clf = cached_model(model)
        x = clf.preprocess(panel_image(image), size=side)
        grid = occlusion_grid(clf, x, window=window, stride=stride, fill=fill, output=output)
        return plot.occlusion_experiment(clf, x, grid, percentile=percentile, occluder=FILL_COLOURS[fill])

    def preview(image: str, window: int, stride: int, fill: str, output: str, percentile: int):
        passes = (max(0, side - window) // stride + 1) ** 2
        return image_preview(
            panel_image(image),
            lines(f"occluder {window} px, stride {stride} px, fill {fill}", f"{passes} forward passes: press run"),
            square=(window, stride),
            side=side,
            square_color=FILL_COLOURS[fill],
            figsize=(5.0, 4.6),
        )

    return Panel(controls, render, button="run", preview=preview, first=first)
