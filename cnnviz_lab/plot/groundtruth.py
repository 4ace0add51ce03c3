"""Figures for notebook 09: shapes with a planted cue, the shortcut they teach, explanations
scored against the known masks, and a network's training timeline."""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import torch
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize

from .figure import Figure
from .boxes import outline

from ..groundtruth.shapes import CUE_COLOURS, ShapeImages
from ..groundtruth.masks import MaskScores
from ..groundtruth.train import Timeline
from .core import grid_axes, overlay, to_numpy

_COLOUR_NAMES = ("red", "green", "blue", "yellow", "magenta", "cyan")


def _rgb(t: torch.Tensor) -> np.ndarray:
    return to_numpy(t).transpose(1, 2, 0).clip(0, 1)


def _cue_box(ax, data: ShapeImages, i: int, colour: str = "white") -> None:
    boxes = data.boxes("cue")[i]
    for box in boxes:
        outline(ax, box, colour, lw=1.2, ls="--")


def _map_colour_bar(fig: Figure, axes, label: str = "map / its maximum") -> None:
    """One colour bar for overlays whose maps are each scaled from their minimum (0) to their
    maximum (1), as :func:`overlay` draws them."""
    bar = fig.colorbar(ScalarMappable(Normalize(0.0, 1.0), cmap="jet"), ax=axes, shrink=0.8, aspect=25, pad=0.01)
    bar.set_label(label, fontsize=8)
    bar.ax.tick_params(labelsize=7)


def _object_outline(ax, data: ShapeImages, i: int, colour: str = "white", alpha: float = 1.0, lw: float = 0.8) -> None:
    ax.contour(to_numpy(data.object_masks[i].float()), levels=[0.5], colors=[colour], linewidths=lw, alpha=alpha)


def shape_samples(data: ShapeImages, n: int = 8, predictions: torch.Tensor | None = None, ncols: int = 8, title: str | None = None) -> Figure:
    """The first ``n`` images, each titled with its class and its cue's colour (and, given
    ``predictions``, what a model said: a tick when right)."""
    n = min(n, len(data))
    fig, axes = grid_axes(n, ncols, (1.45, 1.7), (0.0, 0.3 if title else 0.0))
    for i, ax in enumerate(axes.flat):
        if i >= n:
            continue
        ax.imshow(_rgb(data.images[i]), interpolation="nearest")
        cue = int(data.cue_classes[i])
        text = f"{data.classes[int(data.labels[i])]}\ncue: {_COLOUR_NAMES[cue] if cue >= 0 else 'none'}"
        if predictions is not None:
            p = int(predictions[i])
            text += f"\nsays {data.classes[p]} {'✓' if p == int(data.labels[i]) else '✗'}"
        ax.set_title(text, fontsize=8)
    if title:
        fig.suptitle(title, fontsize=10)
    return fig


def shortcut_accuracy(accuracies: Mapping[str, Mapping[str, float]], chance: float | None = None) -> Figure:
    """Grouped bars: test accuracy of each model (``{model: {test set: accuracy}}``) on each
    test set, with the chance level as a dashed line."""
    models = list(accuracies)
    sets = list(dict.fromkeys(k for v in accuracies.values() for k in v))
    fig = Figure(figsize=(1.2 + 1.3 * len(sets), 3.2), layout="constrained")
    ax = fig.subplots()
    width = 0.8 / len(models)
    for j, m in enumerate(models):
        vals = [accuracies[m].get(s, np.nan) for s in sets]
        xs = np.arange(len(sets)) + (j - (len(models) - 1) / 2) * width
        bars = ax.bar(xs, vals, width, label=m)
        for b, v in zip(bars, vals):
            ax.text(b.get_x() + b.get_width() / 2, v + 0.02, f"{v:.0%}", ha="center", fontsize=8)
    if chance is not None:  # labelled in the legend, so no text sits on a bar
        ax.axhline(chance, ls="--", c="gray", lw=1, label=f"chance ({chance:.0%})")
    ax.set_xticks(np.arange(len(sets)), [f"cue: {s}" for s in sets])
    ax.set_ylim(0, 1.12)
    ax.set_ylabel("test accuracy")
    ax.legend(fontsize=8, loc="upper right", ncols=len(models) + (chance is not None))
    return fig


def mask_maps(scores: Mapping[str, MaskScores], data: ShapeImages, index: int = 0, methods: Sequence[str] | None = None, ncols: int = 8) -> Figure:
    """Image ``index`` explained by each method for each model: the image first, then the
    map of each method over the greyscale image (each map scaled from its minimum to its
    maximum: one colour bar), the cue boxed (dashed) and the object outlined, and in each
    title the share of the map's mass on the cue (``cue``) and on the object (``obj``). At
    most ``ncols`` panels in a row: a model's panels wrap onto further rows; its first panel,
    the image, is titled with the model. The object's outline is thin and half transparent,
    so the map's values on the object's edge pixels stay visible."""
    names = list(methods) if methods is not None else list(next(iter(scores.values())).methods)
    ncols = max(2, int(ncols))
    panels = [None, *names]  # None: the image itself
    per_model = -(-len(panels) // ncols)
    rows = list(scores)
    img = _rgb(data.images[index])
    fig = Figure(figsize=(1.55 * ncols + 0.8, 1.9 * per_model * len(rows)), layout="constrained")
    axes = np.atleast_2d(fig.subplots(per_model * len(rows), ncols, squeeze=False))
    for r, model in enumerate(rows):
        for k, name in enumerate(panels + [""] * (per_model * ncols - len(panels))):
            ax = axes[r * per_model + k // ncols, k % ncols]
            ax.set_axis_off()
            if name is None:
                ax.imshow(img, interpolation="nearest")
                ax.set_title(f"{model} model:\nthe image", fontsize=9, fontweight="bold")
                continue
            if not name:
                continue
            ax.imshow(overlay(img, scores[model].maps[name][index], alpha=0.6), interpolation="nearest")
            _cue_box(ax, data, index)
            _object_outline(ax, data, index, alpha=0.45, lw=0.6)
            s = scores[model].scores[name]
            ax.set_title(f"{name.replace('_', ' ')}\ncue {float(s['cue energy'][index]):.2f}, shape {float(s['object energy'][index]):.2f}", fontsize=8)
    _map_colour_bar(fig, axes, "each map from its minimum (0) to its maximum (1)")
    fig.suptitle("share of each map's mass on the cue (dashed box) and on the shape (outline)", fontsize=10)
    return fig


def mean_interval(values: torch.Tensor, level: float = 0.95, n: int = 2000, seed: int = 0) -> tuple[float, float]:
    """An interval for the mean of ``values`` over the images (``(N,)``, NaNs skipped), as
    ``(low, high)``: for hits and misses (every value 0 or 1, a pointing game) the Wilson
    score interval of a binomial proportion (Wilson 1927), which stays honest at 0 or N hits;
    for other scores the percentile bootstrap interval (Efron 1979: the images resampled with
    replacement ``n`` times, seeded by ``seed``, the central ``level`` of the resampled means).
    It shows how much a mean over a few dozen images could move with other images of the same
    kind, not with another training run."""
    if not isinstance(level, float) or not 0 < level < 1:
        raise ValueError(f"level must be a float between 0 and 1 such as 0.95, got {level!r}")
    v = torch.as_tensor(values).detach().double().cpu().flatten()
    v = v[~v.isnan()]
    if len(v) == 0:
        return float("nan"), float("nan")
    if bool(((v == 0) | (v == 1)).all()):
        z = float(torch.distributions.Normal(0.0, 1.0).icdf(torch.tensor((1 + level) / 2)))
        k, m = float(v.sum()), len(v)
        p = k / m
        centre = (p + z * z / (2 * m)) / (1 + z * z / m)
        half = z / (1 + z * z / m) * (p * (1 - p) / m + z * z / (4 * m * m)) ** 0.5
        return max(0.0, centre - half), min(1.0, centre + half)
    gen = torch.Generator().manual_seed(int(seed))
    means = v[torch.randint(len(v), (int(n), len(v)), generator=gen)].mean(1)
    low, high = torch.quantile(means, torch.tensor([(1 - level) / 2, (1 + level) / 2], dtype=means.dtype)).tolist()
    return low, high


def _bars(scores: Mapping[str, MaskScores], model: str, names: Sequence[str], score: str, interval: float | None) -> tuple[list[float], np.ndarray | None]:
    """Means of ``score`` per method and, with ``interval``, their ``(2, M)`` distances to the
    interval's bounds (matplotlib's ``yerr``/``xerr``)."""
    vals = [scores[model].mean(n, score) for n in names]
    if interval is None:
        return vals, None
    bounds = np.array([mean_interval(scores[model].scores[n][score], interval) for n in names]).T
    return vals, np.clip(np.abs(bounds - np.array(vals)[None]), 0, None)


def mask_scores(
    scores: Mapping[str, MaskScores],
    score: str = "cue energy",
    chance: float | None = None,
    ax_title: str | None = None,
    landscape: bool = False,
    interval: float | None = None,
    chance_label: str = "chance",
) -> Figure:
    """One horizontal bar per method and model (``{model: MaskScores}``): the mean of
    ``score`` over the images, with the chance level (e.g. the mask's share of the image)
    as a dashed line. ``landscape``: vertical bars in a wide, low figure (method names
    under the axis), for a projector; default: horizontal bars in a tall figure.
    ``interval`` (e.g. 0.95): a black error bar on each bar, that interval of the mean over
    the images (:func:`mean_interval`: Wilson for hit rates, bootstrap otherwise); None: no bars.
    ``chance_label``: the legend's name for the dashed line (say what the chance level is)."""
    if interval is not None and not (isinstance(interval, float) and 0 < interval < 1):
        raise ValueError(f"interval must be None or a level between 0 and 1 such as 0.95, got {interval!r}")
    if not isinstance(chance_label, str):
        raise TypeError(f"chance_label must be a str naming the dashed line, got {chance_label!r:.60}")
    if landscape:
        return _mask_scores_landscape(scores, score, chance, ax_title, interval, chance_label)
    models = list(scores)
    names = list(next(iter(scores.values())).methods)
    fig = Figure(figsize=(5.2, 0.42 * len(names) * max(1, len(models)) / 1.6 + 1.0), layout="constrained")
    ax = fig.subplots()
    height = 0.8 / len(models)
    for j, m in enumerate(models):
        vals, err = _bars(scores, m, names, score, interval)
        ys = np.arange(len(names)) + (j - (len(models) - 1) / 2) * height
        ax.barh(ys, vals, height, label=f"{m} model", xerr=err, error_kw={"lw": 1, "capsize": 2})
    if chance is not None:
        ax.axvline(chance, ls="--", c="gray", lw=1, label=chance_label)
    ax.set_yticks(np.arange(len(names)), names)
    ax.invert_yaxis()
    ax.set_xlabel(f"{score} (mean over images" + (f", {interval:.0%} interval)" if interval else ")"))
    ax.set_title(ax_title or score, fontsize=10)
    fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", ncols=len(models) + 1, fontsize=8)
    return fig


def _mask_scores_landscape(
    scores: Mapping[str, MaskScores], score: str, chance: float | None, ax_title: str | None, interval: float | None = None, chance_label: str = "chance"
) -> Figure:
    """:func:`mask_scores` as vertical bars: methods along the x axis, one bar per model."""
    models = list(scores)
    names = list(next(iter(scores.values())).methods)
    fig = Figure(figsize=(max(8.0, 0.62 * len(names) + 1.5), 4.2), layout="constrained")
    ax = fig.subplots()
    width = 0.8 / len(models)
    for j, m in enumerate(models):
        vals, err = _bars(scores, m, names, score, interval)
        xs = np.arange(len(names)) + (j - (len(models) - 1) / 2) * width
        ax.bar(xs, vals, width, label=f"{m} model", yerr=err, error_kw={"lw": 1, "capsize": 2})
    if chance is not None:
        ax.axhline(chance, ls="--", c="gray", lw=1, label=chance_label)
    ax.set_xticks(np.arange(len(names)), names, rotation=40, ha="right", fontsize=10)
    ax.set_ylabel(f"{score}\n(mean over images" + (f",\n{interval:.0%} interval)" if interval else ")"), fontsize=10)
    ax.set_title(ax_title or score, fontsize=12)
    fig.legend(*ax.get_legend_handles_labels(), loc="outside upper right", ncols=len(models) + 1, fontsize=9)
    return fig


def _filter_mosaic(w: torch.Tensor, ncols: int = 4) -> np.ndarray:
    """First-layer filters ``(C,3,k,k)`` as one RGB mosaic, one shared scale so that epochs
    compare (grey is zero)."""
    w = to_numpy(w)
    c, _, k, _ = w.shape
    scale = np.abs(w).max() + 1e-12
    tiles = 0.5 + 0.5 * w / scale
    nrows = -(-c // ncols)
    out = np.ones((nrows * (k + 1) - 1, ncols * (k + 1) - 1, 3))
    for i in range(c):
        r, q = divmod(i, ncols)
        out[r * (k + 1) : r * (k + 1) + k, q * (k + 1) : q * (k + 1) + k] = tiles[i].transpose(1, 2, 0)
    return out


def timeline(tl: Timeline, classes: Sequence[str] | None = None, epochs: Sequence[int] | None = None) -> Figure:
    """The training timeline: for each recorded epoch (columns, at most 8: by default the
    first, the last and evenly spaced ones between; 0 is before training), the first-layer
    filters (top; one shared colour scale per epoch, grey is zero; the title gives their
    colour share, :meth:`Timeline.colour_share`) and the watched image's Grad-CAM for its
    class with that class's probability (bottom; each map scaled to its maximum)."""
    if epochs is not None:
        shown = [int(e) for e in epochs]
    elif len(tl) <= 8:
        shown = list(range(len(tl)))
    else:
        shown = sorted({int(round(v)) for v in np.linspace(0, len(tl) - 1, 8)})
    img = _rgb(tl.image)
    share = tl.colour_share()
    fig = Figure(figsize=(1.75 * len(shown) + 1.0, 4.0), layout="constrained")
    axes = fig.subplots(2, len(shown), squeeze=False)
    label = classes[tl.target] if classes is not None else f"class {tl.target}"
    for c, e in enumerate(shown):
        axes[0, c].imshow(_filter_mosaic(tl.filters[e]), interpolation="nearest")
        axes[0, c].set_title(f"epoch {e}\ncolour share {share[e]:.2f}", fontsize=9)
        cam = to_numpy(tl.cams[e])
        shown_cam = overlay(img, cam, alpha=0.6) if cam.max() > 0 else img
        axes[1, c].imshow(shown_cam, interpolation="nearest")
        axes[1, c].set_title(f"p({label}) = {float(tl.probs[e][tl.target]):.2f}", fontsize=9)
        for ax in axes[:, c]:
            ax.set_axis_off()
    axes[0, 0].text(-0.1, 0.5, "conv1 filters", transform=axes[0, 0].transAxes, rotation=90, va="center", ha="right", fontsize=9)
    axes[1, 0].text(-0.1, 0.5, "Grad-CAM", transform=axes[1, 0].transAxes, rotation=90, va="center", ha="right", fontsize=9)
    _map_colour_bar(fig, axes[1, :], "Grad-CAM / its maximum")
    return fig


def cue_legend(classes: Sequence[str]) -> Figure:
    """Which cue colour goes with which class in training."""
    fig = Figure(figsize=(1.3 * len(classes), 0.9), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(classes)))
    for i, (ax, name) in enumerate(zip(axes, classes)):
        ax.imshow(np.array(CUE_COLOURS[i]).reshape(1, 1, 3))
        ax.set_title(f"{name}: {_COLOUR_NAMES[i]}", fontsize=8)
        ax.set_axis_off()
    return fig


__all__ = ["cue_legend", "mask_maps", "mask_scores", "mean_interval", "shape_samples", "shortcut_accuracy", "timeline"]
