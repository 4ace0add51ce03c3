"""Figures for evaluating explanations: deletion/insertion curves (Petsiuk et al. 2018), the
cascading randomisation sanity check (Adebayo et al. 2018) and the pointing game."""

from __future__ import annotations

import numbers
from typing import Mapping, Sequence

import numpy as np
import torch
from .figure import Figure

from ..evaluate import Curve, RandomizationResult
from ..models.classifier import Classifier
from .core import image_array, normalize_map, to_numpy
from .curve_args import LEGEND_LOCATIONS, curve_lines


def shown_name(name: str, display_names: bool = True) -> str:
    """A method's name as a figure writes it: its registry label (``"gradcam_pp"`` ->
    ``"Grad-CAM++"``) when ``display_names``, any other name (a baseline) as it is."""
    from ..attribution.registry import label

    return label(name) if display_names else name


def curves(
    results: Curve | Sequence[Curve] | Mapping[str, Curve | Sequence[Curve]],
    index: int = 0,
    title: str | None = None,
    reference: float | None = None,
    legend_loc: str = "best",
    colours: Mapping[str, str] | None = None,
    display_names: bool = False,
    *,
    fontsize: float | None = None,
    subtitles: bool = True,
) -> Figure:
    """Deletion and insertion curves of image ``index`` (Petsiuk et al., *RISE*, BMVC 2018):
    the target's probability as the most relevant pixels are removed from (or inserted into)
    the image, one panel per kind, one line per method, the area under each curve in the legend. ``results``: a curve, a list of
    curves, or ``{method name: curve or [deletion, insertion]}``; ``title`` (optional) goes
    above both panels (say which image they show). ``reference``: a score drawn as a dashed
    line in every panel (e.g. the unmodified image's probability). ``legend_loc``: where the
    legends go (a matplotlib location such as ``"upper right"``, or ``"outside"`` for below
    the axes). ``colours``: ``{method name: matplotlib colour}`` to keep one colour per
    method across figures; ``display_names``: legends use the methods' display labels.
    ``fontsize``: size of the legends, axis labels and ticks; the figure grows with it and is
    at least 10 inches wide, a slide's width (None: the compact default, 8-point legends); ``subtitles=False`` leaves out each panel's
    "deletion: lower AUC is better" title (say it in ``title`` instead)."""
    if title is not None and not isinstance(title, str):
        raise TypeError(f"title must be a str or None, got {type(title).__name__}")
    if reference is not None and (isinstance(reference, bool) or not isinstance(reference, numbers.Real)):
        raise TypeError(f"reference must be a number or None, got {type(reference).__name__}")
    if fontsize is not None and (isinstance(fontsize, bool) or not isinstance(fontsize, numbers.Real) or not 0 < fontsize < 200):
        raise ValueError(f"fontsize must be a positive number of points (below 200) or None, got {fontsize!r}")
    if not isinstance(subtitles, bool):
        raise TypeError(f"subtitles must be True or False, got {type(subtitles).__name__}")
    if not isinstance(legend_loc, str) or legend_loc not in LEGEND_LOCATIONS:
        raise ValueError(f"legend_loc must be one of {', '.join(LEGEND_LOCATIONS)}, got {legend_loc!r}")
    lines = curve_lines(results, index)
    kinds = [k for k in ("deletion", "insertion") if lines[k]]
    grow = 1.0 if fontsize is None else max(1.0, fontsize / 8)
    fig = Figure(figsize=(max(5 * len(kinds) * grow, 10 if fontsize else 0), 3.6 * grow), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(kinds)))
    for ax, kind in zip(axes, kinds):
        for name, c in lines[kind]:
            colour = (colours or {}).get(name)
            shown = shown_name(name, display_names)
            ax.plot(to_numpy(c.fractions), to_numpy(c.scores[index]), color=colour, label=f"{shown} (AUC {float(c.auc[index]):.3f})")
        if reference is not None:
            ax.axhline(float(reference), color="black", ls="--", lw=1, label=f"unmodified image ({float(reference):.2f})")
        better = "lower" if kind == "deletion" else "higher"
        if subtitles:
            ax.set_title(f"{kind}: {better} AUC is better", fontsize=10 if fontsize is None else fontsize + 1)
        size = {} if fontsize is None else {"fontsize": fontsize}
        ax.set_xlabel(f"fraction of pixels {'removed' if kind == 'deletion' else 'inserted'}", **size)
        ax.set_ylabel("target probability", **size)
        if fontsize is not None:
            ax.tick_params(labelsize=fontsize)
        ax.set_xlim(0, 1)
        ax.set_ylim(bottom=0)
        if legend_loc == "outside":
            ax.legend(fontsize=fontsize or 8, loc="upper center", bbox_to_anchor=(0.5, -0.2 * grow**0.5), ncols=2)
        else:
            ax.legend(fontsize=fontsize or 8, loc=legend_loc)
    if title is not None:
        fig.suptitle(title, fontsize=11 if fontsize is None else fontsize + 2)
    return fig


def randomization(
    result: RandomizationResult, image: torch.Tensor | None = None, classifier: Classifier | None = None, index: int = 0, max_maps: int = 8
) -> Figure:
    """The cascading randomisation check of image ``index``: top, the explanation after each
    step (original first; at most ``max_maps`` evenly spaced), bottom, Spearman rank
    correlation and SSIM with the original against the randomised layers."""
    steps = len(result.layers)
    shown = sorted(set(np.linspace(0, steps, min(max_maps, steps + 1)).round().astype(int).tolist()))
    fig = Figure(figsize=(max(8.0, 1.6 * (len(shown) + 1)), 5.6), layout="constrained")
    top, bottom = fig.subfigures(2, 1, height_ratios=[1, 1.3])
    axes = np.atleast_1d(top.subplots(1, len(shown) + (image is not None)))
    i0 = 0
    if image is not None:
        axes[0].imshow(image_array(image[index : index + 1], classifier))
        axes[0].set_title("image", fontsize=8)
        i0 = 1
    for ax, s in zip(axes[i0:], shown):
        ax.imshow(normalize_map(result.maps[s, index], "abs", 99), cmap="gray")
        ax.set_title("original" if s == 0 else f"up to {result.layers[s - 1]}", fontsize=8)
    for ax in axes:
        ax.set_axis_off()
    ax = bottom.subplots()
    xs = np.arange(1, steps + 1)
    ax.plot(xs, to_numpy(result.spearman[index]), "o-", label="Spearman (|map|)")
    ax.plot(xs, to_numpy(result.ssim[index]), "s-", label="SSIM")
    ax.axhline(0, color="grey", lw=0.8)
    ax.set_xticks(xs)
    ax.set_xticklabels(result.layers, rotation=60, fontsize=7, ha="right")
    ax.set_ylim(-0.2, 1.05)
    ax.set_ylabel("similarity to the original")
    mode = "cascading" if result.cascading else "independent"
    ax.set_title(f"{result.method}: {mode} randomisation from the top", fontsize=10)
    ax.legend(fontsize=8)
    return fig


def _colour_bar(fig: Figure, axes, cmap: str, label: str) -> None:
    """One colour bar from 0 to 1 beside ``axes``, for maps each scaled to [0, 1]."""
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize

    bar = fig.colorbar(ScalarMappable(Normalize(0.0, 1.0), cmap=cmap), ax=axes, shrink=0.8, aspect=25, pad=0.01)
    bar.set_label(label, fontsize=8)
    bar.ax.tick_params(labelsize=7)


def sanity_spread(
    results: Mapping[str, RandomizationResult],
    groups: Mapping[str, Sequence[str]],
    metric: str = "spearman",
    threshold: float | None = 0.5,
    distinct_colours: bool = False,
    colours: Mapping[str, str] | None = None,
    display_names: bool = False,
    legend_loc: str = "lower left",
    xlabel: str = "randomised from the output down to (cascading)",
    threshold_label: str | None = None,
    panel_size: tuple[float, float] = (5.2, 4.4),
    styles: Mapping[str, str] | None = None,
) -> Figure:
    """The cascading randomisation check (Adebayo et al. 2018) over several images, one
    panel per group of methods (``{panel title: [method names]}``, at most 8 per panel):
    for each method the mean similarity (``metric``: ``"spearman"`` or ``"ssim"``) of its
    maps to the originals after each randomised layer, and a band from the lowest to the
    highest image. A line that stays up fails the check; ``threshold`` draws the level the
    text uses to call a failure. ``distinct_colours``: every method keeps one colour across
    all panels (at most 10 methods in all), and its band is drawn lighter with dotted edges so
    that overlapping bands stay readable (default: colours restart in each panel);
    ``colours``: ``{method: colour}`` chosen by the caller (implies the lighter bands).
    ``display_names``: legends use the display labels; ``legend_loc="outside"`` puts each legend below its axes; ``xlabel``:
    the x-axis label (say how the layers were randomised); ``threshold_label``: the dashed line's legend entry; ``panel_size``: (width, height) in inches.
    ``styles``: ``{method: matplotlib format}`` for the mean line (default ``"o-"``), so that two methods whose lines
    coincide stay visible (e.g. ``{"gradcam_pp": "s--"}``); such a line gets larger, open markers."""
    if not groups or any(len(v) > 8 for v in groups.values()):
        raise ValueError("groups: give {title: [at most 8 method names]} per panel")
    if not (isinstance(panel_size, tuple) and len(panel_size) == 2 and all(isinstance(v, (int, float)) and v > 0 for v in panel_size)):
        raise ValueError(f"panel_size: (width, height) in inches, both positive; got {panel_size!r}")
    if missing := [n for v in groups.values() for n in v if n not in results]:
        raise ValueError(f"groups name methods without a result: {missing}")
    if styles is not None and (
        not isinstance(styles, Mapping) or not all(isinstance(v, str) for v in styles.values()) or not set(styles) <= {n for v in groups.values() for n in v}
    ):
        raise ValueError(f"styles must map method names of groups to matplotlib format strings (e.g. 's--'), got {styles!r}")
    fig = Figure(figsize=(panel_size[0] * len(groups), panel_size[1]), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(groups), sharey=True))
    low = -0.3
    order = list(dict.fromkeys(n for v in groups.values() for n in v))
    for ax, (title, names) in zip(axes, groups.items()):
        layers: list[str] = []
        for j, name in enumerate(names):
            res = results[name]
            layers = res.layers if len(res.layers) > len(layers) else layers
            vals = to_numpy(getattr(res, metric))  # (N, L)
            xs = np.arange(1, vals.shape[1] + 1)
            colour = (colours or {}).get(name) or f"C{order.index(name) % 10 if distinct_colours else j}"
            distinct = distinct_colours or colours is not None
            fmt = (styles or {}).get(name, "o-")
            ax.plot(
                xs,
                vals.mean(0),
                fmt,
                color=colour,
                lw=2,
                ms=4 if fmt == "o-" else 6,
                mfc="none" if fmt != "o-" else colour,
                label=shown_name(name, display_names),
            )
            if vals.shape[0] > 1:
                ax.fill_between(xs, vals.min(0), vals.max(0), color=colour, alpha=0.08 if distinct else 0.15, lw=0)
                if distinct:
                    for edge in (vals.min(0), vals.max(0)):
                        ax.plot(xs, edge, ":", color=colour, lw=1)
            low = min(low, float(np.nanmin(vals)) - 0.05)
        xs = np.arange(1, len(layers) + 1)
        ax.axhline(0, color="grey", lw=0.8)
        if threshold is not None:
            ax.axhline(threshold, color="grey", lw=0.8, ls="--", label=threshold_label)
        ax.set_xticks(xs, layers, rotation=45, fontsize=8, ha="right")
        ax.set_xlabel(xlabel, fontsize=9)
        n = getattr(results[names[0]], metric).shape[0]
        ax.set_title(f"{title}\nline: mean over {n} images; band: lowest to highest image", fontsize=10)
        if legend_loc == "outside":
            ax.legend(fontsize=9, loc="upper center", bbox_to_anchor=(0.5, -0.32), ncols=2)
        else:
            ax.legend(fontsize=8, loc=legend_loc)
    axes[0].set_ylabel(f"{'Spearman rank correlation' if metric == 'spearman' else 'SSIM'} with the original")
    axes[0].set_ylim(low, 1.05)
    return fig


def sanity_curves(results: Mapping[str, RandomizationResult], metric: str = "spearman", highlight: Sequence[str] = ("guided_backprop",)) -> Figure:
    """The cascading randomisation check of several methods in one axes: the similarity
    (``metric``: ``"spearman"`` or ``"ssim"``, averaged over the images) of each method's
    map to its original after each randomised layer, one line per method (those in
    ``highlight`` drawn thick). A line that stays up fails the check (Adebayo et al. 2018)."""
    fig = Figure(figsize=(9, 4.2), layout="constrained")
    ax = fig.subplots()
    layers: list[str] = []
    low = -0.3
    for colour, (name, res) in zip(_colours(len(results)), results.items()):
        layers = res.layers if len(res.layers) > len(layers) else layers
        ys = to_numpy(getattr(res, metric).mean(0))
        low = min(low, float(np.nanmin(ys)) - 0.05) if len(ys) else low
        xs = np.arange(1, len(ys) + 1)
        ax.plot(xs, ys, "o-", lw=3 if name in highlight else 1.2, ms=4, label=name, color=colour)
    xs = np.arange(1, len(layers) + 1)
    ax.axhline(0, color="grey", lw=0.8)
    ax.set_xticks(xs)
    ax.set_xticklabels(layers, rotation=50, fontsize=7, ha="right")
    ax.set_xlabel("randomised from the output down to (cascading)")
    ax.set_ylabel(f"{'Spearman rank correlation' if metric == 'spearman' else 'SSIM'} with the original")
    ax.set_ylim(low, 1.05)
    ax.set_title("sanity check: a faithful map should fall towards 0", fontsize=10)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return fig


def sanity_maps(
    results: Mapping[str, RandomizationResult],
    image: torch.Tensor | None = None,
    classifier: Classifier | None = None,
    index: int = 0,
    max_steps: int = 5,
    scores: bool = False,
    display_names: bool = False,
) -> Figure:
    """One row per method, one column per randomisation step (original first, at most
    ``max_steps`` evenly spaced steps in all): the absolute maps of image ``index``, each
    scaled to its own 99th percentile (one grey colour bar states the scale). The image
    itself opens each row when given. ``scores``: under each randomised panel, that map's
    Spearman rho and SSIM with the original (image ``index``; two lines, large font); ``display_names``: rows
    named by the methods' display labels."""
    names = list(results)
    steps = max(len(r.layers) for r in results.values())
    shown = sorted(set(np.linspace(0, steps, min(max_steps, steps + 1)).round().astype(int).tolist()))
    cols = len(shown) + (image is not None)
    fig = Figure(figsize=(1.5 * cols + 0.8, (2.05 if scores else 1.5) * len(names) + 0.4), layout="constrained")
    axes = np.array(fig.subplots(len(names), cols, squeeze=False))
    for r, name in enumerate(names):
        res = results[name]
        c0 = 0
        if image is not None:
            axes[r, 0].imshow(image_array(image[index : index + 1], classifier))
            c0 = 1
        for c, s in enumerate(shown):
            s = min(s, len(res.layers))
            axes[r, c0 + c].imshow(normalize_map(res.maps[s, index], "abs", 99), cmap="gray")
            if r == 0:
                axes[r, c0 + c].set_title("original" if s == 0 else f"to {res.layers[s - 1]}", fontsize=10.5 if scores else 9)
            if scores and s > 0:
                rho, ssim = float(res.spearman[index, s - 1]), float(res.ssim[index, s - 1])
                axes[r, c0 + c].set_xlabel(f"\u03c1 {rho:.2f}\nSSIM {ssim:.2f}", fontsize=12, linespacing=1.1)
        axes[r, 0].set_ylabel(shown_name(name, display_names), fontsize=10.5 if scores else 9)
    for ax in axes.flat:
        ax.set_xticks([])
        ax.set_yticks([])
    _colour_bar(fig, axes, "gray", "|map| / its 99th percentile")
    return fig


def auc_scatter(evaluation, index: int | None = None) -> Figure:
    """Deletion AUC (x, lower is better) against insertion AUC (y, higher is better) of every
    method and baseline of a :class:`~cnnviz_lab.evaluate.MethodEvaluation`, averaged over
    the images (or of image ``index``): the best methods sit top left."""
    fig = Figure(figsize=(8, 4.4), layout="constrained")
    ax = fig.subplots()
    colours = _colours(len(evaluation.curves))
    base_markers = iter("XPD*sv^<>")
    for colour, name in zip(colours, evaluation.curves):
        d, i = evaluation.deletion(name), evaluation.insertion(name)
        dv, iv = (float(d.mean()), float(i.mean())) if index is None else (float(d[index]), float(i[index]))
        base = name in evaluation.baselines
        ax.scatter(
            [dv],
            [iv],
            marker=next(base_markers, "X") if base else "o",
            color="grey" if base else colour,
            s=70 if base else 60,
            edgecolors="black",
            linewidths=0.5,
            label=name + (" (baseline)" if base else ""),
        )
    ax.set_xlabel("deletion AUC (lower is better)")
    ax.set_ylabel("insertion AUC (higher is better)")
    ax.set_title("faithfulness: best methods top left", fontsize=10)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return fig


def _colours(n: int) -> list:
    """``n`` distinct colours (tab20, then tab20b), so that up to 40 lines or points differ."""
    from matplotlib import colormaps

    pool = list(colormaps["tab20"].colors) + list(colormaps["tab20b"].colors)
    return [pool[i % len(pool)] for i in range(n)]


def wants_log_axis(values: Mapping) -> bool:
    """Whether a metric's values (one array per method) are all positive and span over a
    factor of 100: then a log axis shows them, else a linear one."""
    every = np.concatenate([to_numpy(v).ravel() for v in values.values()]).astype(float)
    positive = every[every > 0]
    return bool(positive.size == every.size and positive.max() > 100 * positive.min())


def metric_bars(evaluation, metrics: Sequence[str] | None = None, ncols: int = 3) -> Figure:
    """The metrics beyond deletion and insertion of a
    :class:`~cnnviz_lab.evaluate.MethodEvaluation` (``evaluation.scores``; ``metrics``: which,
    default all), one panel per metric, ``ncols`` panels per row: for every method a bar at
    its mean over the images, its value written beside it, and a dot for each image; the same
    method order in every panel, the random baselines in grey (a metric that re-runs the
    method has none for them). Each title says which way is better. A metric whose values
    are all positive and span more than a factor of 100 gets a logarithmic axis (said in its
    label)."""
    chosen = list(evaluation.scores) if metrics is None else list(metrics)
    if not chosen:
        raise ValueError("metrics: the evaluation has no extra metrics; run evaluate_methods(..., metrics=[...])")
    unknown = [m for m in chosen if m not in evaluation.scores]
    if unknown:
        raise ValueError(f"metrics: {unknown} not measured; measured: {', '.join(evaluation.scores)}")
    from ..evaluate import MAP_METRICS

    names = [n for n in evaluation.methods + evaluation.baselines if any(n in evaluation.scores[m] for m in chosen)]
    ncols = max(1, min(ncols, len(chosen)))
    nrows = -(-len(chosen) // ncols)
    fig = Figure(figsize=(3.6 * ncols + 1.2, 0.3 * len(names) * nrows + 1.3 * nrows), layout="constrained")
    axes = np.array(fig.subplots(nrows, ncols, squeeze=False))
    ys = np.arange(len(names))[::-1]
    for ax, metric in zip(axes.flat, chosen):
        values = evaluation.scores[metric]
        log = wants_log_axis(values)
        for y, name in zip(ys, names):
            if name not in values:
                ax.text(0.02, y, "not defined (re-runs the method)", fontsize=7, color="0.4", va="center", transform=ax.get_yaxis_transform())
                continue
            vals = to_numpy(values[name]).astype(float)
            base = name in evaluation.baselines
            ax.barh([y], [vals.mean()], color="0.65" if base else "C0", height=0.7)
            ax.plot(vals, np.full(len(vals), y), "o", color="black", ms=3, alpha=0.7)
            ax.annotate(f"{vals.mean():.3g}", (1, y), xycoords=("axes fraction", "data"), xytext=(2, 0), textcoords="offset points", fontsize=7, va="center")
        if log:
            ax.set_xscale("log")
        ax.set_ylim(-0.6, len(names) - 0.4)
        info = MAP_METRICS[metric]
        better = evaluation.better.get(metric, info.better)
        ax.set_title(f"{info.label}\n({better} is better)", fontsize=10)
        unit = "share of images" if metric == "increase_in_confidence" else info.label
        ax.set_xlabel(unit + (" (log scale)" if log else ""), fontsize=8)
        ax.set_yticks(ys, [n + (" (baseline)" if n in evaluation.baselines else "") for n in names], fontsize=8)
        ax.tick_params(axis="x", labelsize=7)
    for ax in axes.flat[len(chosen) :]:
        ax.set_visible(False)
    n = len(next(iter(evaluation.scores[chosen[0]].values())))
    fig.suptitle(f"bar: mean over {n} images; dots: each image", fontsize=9)
    return fig
