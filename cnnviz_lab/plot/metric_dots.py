"""A dot plot of the metrics beyond deletion and insertion (Average Drop, infidelity, ROAD,
sensitivity, ...): one marker per image and a bar mark at the mean, so that no bar length
depends on where a logarithmic axis happens to start."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from .core import to_numpy
from .auc_ranking import IMAGE_MARKERS
from .evaluation import shown_name, wants_log_axis
from .figure import Figure


def metric_dots(evaluation, metrics: Sequence[str] | None = None, ncols: int = 3, display_names: bool = False) -> Figure:
    """The extra metrics of a :class:`~cnnviz_lab.evaluate.MethodEvaluation`
    (``evaluation.scores``; ``metrics``: which, default all), one panel per metric, ``ncols``
    panels per row, the same method order in every panel: for every method one open marker
    per image (the marker shapes of :func:`auc_bars`, named in one legend) and a thick
    vertical mark at the mean over the images, its value written at the right edge with three
    decimals. Random baselines are named "(baseline)"; a metric that re-runs the method has no
    value for them and says so. A metric whose values are all positive and span more than a
    factor of 100 gets a logarithmic axis (said in its label): with dots, no length is read.
    ``display_names``: methods named by their display labels."""
    chosen = list(evaluation.scores) if metrics is None else list(metrics)
    if not chosen:
        raise ValueError("metrics: the evaluation has no extra metrics; run evaluate_methods(..., metrics=[...])")
    unknown = [m for m in chosen if m not in evaluation.scores]
    if unknown:
        raise ValueError(f"metrics: {unknown} not measured; measured: {', '.join(evaluation.scores)}")
    if not isinstance(display_names, bool):
        raise TypeError(f"display_names must be True or False, got {display_names!r}")
    from ..evaluate import MAP_METRICS

    names = [n for n in evaluation.methods + evaluation.baselines if any(n in evaluation.scores[m] for m in chosen)]
    n_images = len(next(iter(evaluation.scores[chosen[0]].values())))
    if n_images > len(IMAGE_MARKERS):
        raise ValueError(f"evaluation: at most {len(IMAGE_MARKERS)} images can have their own marker, got {n_images}")
    labels = list(evaluation.images or []) if len(evaluation.images or []) == n_images else [f"image {i}" for i in range(n_images)]
    ncols = max(1, min(ncols, len(chosen)))
    nrows = -(-len(chosen) // ncols)
    fig = Figure(figsize=(4.3 * ncols + 1.6, (0.36 * len(names) + 1.2) * nrows + 0.5), layout="constrained")
    axes = np.array(fig.subplots(nrows, ncols, squeeze=False))
    ys = np.arange(len(names))[::-1]
    for ax, metric in zip(axes.flat, chosen):
        values = evaluation.scores[metric]
        log = wants_log_axis(values)
        for y, name in zip(ys, names):
            if name not in values:
                ax.text(0.02, y, "not defined (re-runs the method)", fontsize=8, color="0.4", va="center", transform=ax.get_yaxis_transform())
                continue
            vals = to_numpy(values[name]).astype(float)
            ax.plot([vals.mean()], [y], "|", color="0.5" if name in evaluation.baselines else "C0", ms=16, mew=3)
            for i, v in enumerate(vals):
                ax.plot([v], [y], IMAGE_MARKERS[i], mfc="none", mec="black", mew=1.0, ms=6, label=labels[i] if y == ys[0] else None)
            ax.annotate(f"{vals.mean():.3f}", (1, y), xycoords=("axes fraction", "data"), xytext=(3, 0), textcoords="offset points", fontsize=8.5, va="center")
        if log:
            ax.set_xscale("log")
        ax.set_ylim(-0.6, len(names) - 0.4)
        ax.grid(axis="x", color="0.9", lw=0.8)
        info = MAP_METRICS[metric]
        better = evaluation.better.get(metric, info.better)
        ax.set_title(f"{info.label}\n({better} is better)", fontsize=11)
        unit = "share of images" if metric == "increase_in_confidence" else info.label
        ax.set_xlabel(unit + (" (log scale)" if log else ""), fontsize=9)
        ax.set_yticks(ys, [shown_name(n, display_names) + (" (baseline)" if n in evaluation.baselines else "") for n in names], fontsize=9)
        ax.tick_params(axis="x", labelsize=8.5)
    for ax in axes.flat[len(chosen) :]:
        ax.set_visible(False)
    handles, texts = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, texts, loc="outside lower center", ncols=n_images, fontsize=9, title="image (the thick mark: the mean)", title_fontsize=9)
    return fig


__all__ = ["metric_dots"]
