"""Deletion and insertion AUCs of many methods as two ranked bar panels (Petsiuk et al. 2018)."""

from __future__ import annotations

import numpy as np

from .core import to_numpy
from .evaluation import shown_name
from .figure import Figure

#: The per-image markers of :func:`auc_bars` (``markers=True``): open, black, told apart by shape.
IMAGE_MARKERS = "os^Dv<>P"

__all__ = ["IMAGE_MARKERS", "SORTS", "auc_bars"]

#: How :func:`auc_bars` can order its panels.
SORTS = ("insertion", "each")


def auc_bars(evaluation, markers: bool = False, display_names: bool = False, sort: str = "insertion") -> Figure:
    """Deletion AUC (left, lower is better) and insertion AUC (right, higher is better) of
    every method and baseline of a :class:`~cnnviz_lab.evaluate.MethodEvaluation`: one bar
    per method, the mean over the images, with a dot for each image; the random baselines in
    grey. Names on the axis, no legend to decode. ``sort="insertion"`` (default): both panels
    sorted by mean insertion AUC, one shared list of names; ``sort="each"``: each panel
    sorted by its own metric, best at the top, with its own names, so that both rankings can
    be read off (the titles say which order is used).
    ``markers=True``: each image gets its own open marker (circle, square, triangle, ...;
    at most 8 images), named in one legend (the evaluation's image names, else "image i"),
    so that a reader can follow one image across the methods. ``display_names``: the axis
    names the methods by their display labels."""
    if not isinstance(markers, bool):
        raise TypeError(f"markers must be True or False, got {markers!r}")
    if sort not in SORTS:
        raise ValueError(f"sort must be one of {SORTS}, got {sort!r}")
    by_insertion = sorted(evaluation.curves, key=lambda n: float(evaluation.insertion(n).mean()))
    order = {"deletion": by_insertion, "insertion": by_insertion}
    if sort == "each":  # the bottom row is drawn first: the best method ends up at the top
        order["deletion"] = sorted(evaluation.curves, key=lambda n: -float(evaluation.deletion(n).mean()))
    names = by_insertion
    n_images = len(evaluation.insertion(names[0])) if names else 0
    if markers and n_images > len(IMAGE_MARKERS):
        raise ValueError(f"markers: at most {len(IMAGE_MARKERS)} images can have their own marker, got {n_images}; use markers=False")
    labels = list(evaluation.images or []) if len(evaluation.images or []) == n_images else [f"image {i}" for i in range(n_images)]
    fig = Figure(figsize=(10 + (1.5 if sort == "each" else 0), 0.32 * len(names) + 1.4), layout="constrained")
    axes = fig.subplots(1, 2, sharey=sort != "each")
    ys = np.arange(len(names))
    for ax, kind in zip(axes, ("deletion", "insertion")):
        for y, name in zip(ys, order[kind]):
            vals = to_numpy(getattr(evaluation, kind)(name))
            base = name in evaluation.baselines
            ax.barh([y], [vals.mean()], color="0.65" if base else ("C3" if kind == "deletion" else "C0"), height=0.7)
            if not markers:
                ax.plot(vals, np.full(len(vals), y), "o", color="black", ms=2.5, alpha=0.7)
                continue
            for i, v in enumerate(vals):
                ax.plot([v], [y], IMAGE_MARKERS[i], mfc="none", mec="black", mew=1.0, ms=5, label=labels[i] if y == ys[0] else None)
        better = "lower" if kind == "deletion" else "higher"
        what = "markers: each image (legend)" if markers else "dots: each image"
        ranked = f"; sorted by {kind}" if sort == "each" else ""
        ax.set_title(f"{kind} AUC ({better} is better{ranked})\nbar: mean over {n_images} images; {what}", fontsize=10)
        ax.set_xlabel(f"{kind} AUC")
        if sort == "each" or kind == "deletion":
            ax.set_yticks(ys, [shown_name(n, display_names) + (" (baseline)" if n in evaluation.baselines else "") for n in order[kind]], fontsize=9)
    if markers and names:  # below both panels, clear of every marker
        handles, texts = axes[0].get_legend_handles_labels()
        fig.legend(handles, texts, loc="outside lower center", ncols=n_images, fontsize=9, title="image", title_fontsize=9)
    return fig
