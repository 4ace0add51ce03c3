"""Panel for notebook 10: read a TCAV run concept by concept and layer by layer, and look at
the procedural concepts it was fed."""

from __future__ import annotations

import ipywidgets as W
from ..plot.figure import Figure

from ..concepts.tcav import TCAVResult
from ..plot.concepts import _stacked_dots
from ..plot.core import to_numpy
from ..concepts.textures import concept_images, CONCEPTS
from .common import Panel


def tcav_panel(result: TCAVResult, size: int = 96, draw: int = 0, *, concept: str | None = None, layer: str | None = None) -> Panel:
    """Pick a concept and a layer of ``result`` (from ``cv.tcav``): the scores of its CAVs
    against those of the random CAVs, with the t-test's verdict; and pick a texture kind and
    a draw (a random seed) to see six fresh examples of a procedural concept (``size`` pixels;
    the panel opens at draw ``draw``, on ``concept`` (default: the first) at ``layer``
    (default: the last), with examples of ``concept`` when it is a texture kind)."""
    if concept is not None and concept not in result.concepts:
        raise ValueError(f"concept must be one of {result.concepts}, got {concept!r}")
    if layer is not None and layer not in result.layers:
        raise ValueError(f"layer must be one of {result.layers}, got {layer!r}")
    controls = {
        "concept": W.Dropdown(options=result.concepts, value=concept or result.concepts[0], description="concept"),
        "layer": W.Dropdown(options=result.layers, value=layer or result.layers[-1], description="layer"),
        "texture": W.Dropdown(options=list(CONCEPTS), value=concept if concept in CONCEPTS else CONCEPTS[0], description="examples"),
        "draw": W.IntSlider(value=draw, min=0, max=50, description="draw", continuous_update=False),
    }

    def render(concept: str, layer: str, texture: str, draw: int) -> Figure:
        s = to_numpy(result.scores[(concept, layer)])
        r = to_numpy(result.random_scores[layer])
        p = result.p_values[(concept, layer)]
        fig = Figure(figsize=(12, 4.6), layout="constrained")
        left, right = fig.subfigures(1, 2, width_ratios=[1.1, 1.2])
        ax = left.subplots()
        _stacked_dots(ax, [s, r], ["C0", "0.5"], fontsize=12)
        ax.set_xticks([0, 1], [concept, "random CAVs"])
        ax.tick_params(labelsize=11)
        ax.set_xlim(-1.05, 1.8)
        ax.set_ylim(-0.05, 1.05)
        ax.set_ylabel(f"TCAV score, '{result.target_name}'", fontsize=12)
        verdict = "significant" if result.significant(concept, layer) else "n.s."
        ax.set_title(f"{layer}: p = {p:.2g}, Holm {result.adjusted_p_values[(concept, layer)]:.2g}, {verdict}", fontsize=12)
        imgs = concept_images(texture, 6, size=size, seed=draw)
        axes = right.subplots(2, 3)
        for a, img in zip(axes.flat, imgs):
            a.imshow(to_numpy(img).transpose(1, 2, 0).clip(0, 1))
            a.set_axis_off()
        right.suptitle(f"'{texture}', draw {draw}: six examples", fontsize=12)
        return fig

    return Panel(controls, render)


__all__ = ["tcav_panel"]
