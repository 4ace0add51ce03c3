"""Panel for notebook 10: read a TCAV run concept by concept and layer by layer, and look at
the procedural concepts it was fed."""

from __future__ import annotations

import ipywidgets as W
import numpy as np
from ..plot.figure import Figure

from ..concepts.tcav import TCAVResult
from ..plot.core import to_numpy
from ..concepts.textures import concept_images, CONCEPTS
from .common import Panel


def tcav_panel(result: TCAVResult, size: int = 96, draw: int = 0) -> Panel:
    """Pick a concept and a layer of ``result`` (from ``cv.tcav``): the scores of its CAVs
    against those of the random CAVs, with the t-test's verdict; and pick a texture kind and
    a draw (a random seed) to see six fresh examples of a procedural concept (``size`` pixels;
    the panel opens at draw ``draw``)."""
    controls = {
        "concept": W.Dropdown(options=result.concepts, description="concept"),
        "layer": W.Dropdown(options=result.layers, value=result.layers[-1], description="layer"),
        "texture": W.Dropdown(options=list(CONCEPTS), description="examples"),
        "draw": W.IntSlider(value=draw, min=0, max=50, description="draw", continuous_update=False),
    }

    def render(concept: str, layer: str, texture: str, draw: int) -> Figure:
        s = to_numpy(result.scores[(concept, layer)])
        r = to_numpy(result.random_scores[layer])
        p = result.p_values[(concept, layer)]
        fig = Figure(figsize=(9.5, 3.2), layout="constrained")
        left, right = fig.subfigures(1, 2, width_ratios=[1, 1.3])
        ax = left.subplots()
        gen = np.random.default_rng(0)
        for x, vals, colour in ((0, s, "C0"), (1, r, "0.5")):
            ax.scatter(x + gen.uniform(-0.12, 0.12, len(vals)), vals, s=16, color=colour)
            ax.hlines(vals.mean(), x - 0.25, x + 0.25, color="k")
        ax.set_xticks([0, 1], [concept, "random"])
        ax.set_xlim(-0.6, 1.6)
        ax.set_ylim(-0.05, 1.05)
        ax.set_ylabel(f"TCAV score, '{result.target_name}'", fontsize=9)
        verdict = "significant" if result.significant(concept, layer) else "n.s."
        ax.set_title(f"{layer}: p = {p:.2g}, Holm {result.adjusted_p_values[(concept, layer)]:.2g}, {verdict}", fontsize=9)
        imgs = concept_images(texture, 6, size=size, seed=draw)
        axes = right.subplots(2, 3)
        for a, img in zip(axes.flat, imgs):
            a.imshow(to_numpy(img).transpose(1, 2, 0).clip(0, 1))
            a.set_axis_off()
        right.suptitle(f"'{texture}', draw {draw}: six examples", fontsize=9)
        return fig

    return Panel(controls, render)


__all__ = ["tcav_panel"]
