"""Panel for notebook 08: one method on one image, its deletion/insertion curves against a
random map, or its maps as the layers are randomised (the sanity check)."""

from __future__ import annotations

from typing import Any

import ipywidgets as W

from .. import plot
from ..core.config import pick
from ..evaluate import course_methods, deletion_curve, insertion_curve, random_map, randomization_check, randomization_layers, roster
from .common import Panel, cached_model, image_dropdown
from .previews import image_preview, lines
from .upload import panel_image


def evaluation_panel(
    model: str = "efficientnet_lite0",
    image: str = "cat",
    method: str = "gradcam",
    view: str = "curves",
    size: int | None = None,
    steps: int | None = None,
    layers: tuple[str, ...] | None = None,
    *,
    first: Any = None,
) -> Panel:
    """Method and image dropdowns and a view toggle, recomputed when "run" is pressed:
    ``"curves"``: the method's deletion and insertion curves (Petsiuk et al. 2018) beside a
    random map's; ``"sanity"``: its map after each step of the cascading randomisation
    (Adebayo et al. 2018) with the similarity curve. ``size``: image side (default 224, 96
    in quick mode); ``steps``: deletion/insertion steps (default 50, 10 in quick mode);
    ``layers``: the blocks randomised (default: 8 of the model's blocks, 4 in quick mode,
    evenly from the output down, :func:`~cnnviz_lab.evaluate.randomization_layers`). Until
    the first click the panel shows the image (or ``first``)."""
    side = size or pick(224, 96)
    n_steps = steps or pick(50, 10)
    controls = {
        "image": image_dropdown(image),
        "method": W.Dropdown(options=list(roster()), value=method, description="method"),
        "view": W.ToggleButtons(options=["curves", "sanity"], value=view, description="view"),
    }

    def render(image: str, method: str, view: str):
        clf = cached_model(model)
        x = clf.preprocess(panel_image(image), size=side)
        fn = course_methods([method])[method]
        if view == "sanity":
            names = list(layers) if layers else randomization_layers(clf, max_layers=pick(8, 4))
            res = randomization_check(clf, fn, x, layers=names, init="normal", seed=0, progress=True)
            return plot.randomization(res, x, clf)
        m = fn(clf, x)
        curves = {}
        for name, a in {method: m, "random pixels": random_map(x, seed=0), "random blobs": random_map(x, seed=0, resolution=7)}.items():
            curves[name] = [deletion_curve(clf, x, a, steps=n_steps, fill="blur", seed=0), insertion_curve(clf, x, a, steps=n_steps, seed=0)]
        return plot.curves(curves)

    def preview(image: str, method: str, view: str):
        what = "its maps as the layers are randomised" if view == "sanity" else f"deletion and insertion curves ({n_steps} steps) against random maps"
        return image_preview(panel_image(image), lines(f"{plot.shown_name(method)}: {what}", "press run"), side=side)

    return Panel(controls, render, button="run", preview=preview, first=first)
