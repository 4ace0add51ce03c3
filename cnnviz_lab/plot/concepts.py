"""Figures for notebook 10: concept examples and TCAV scores against random CAVs."""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import torch
from .figure import Figure

from ..concepts.tcav import TCAVResult
from ..core import checks
from .core import to_numpy


def _rgb(t: torch.Tensor, classifier=None) -> np.ndarray:
    if classifier is not None:
        t = classifier.to_unit(t[None])[0]
    return to_numpy(t).transpose(1, 2, 0).clip(0, 1)


def concept_examples(examples: Mapping[str, torch.Tensor], n: int = 6, classifier=None, titles: Mapping[str, str] | None = None) -> Figure:
    """One row per set (``{name: (N,3,H,W)}``, RGB in [0, 1], or model inputs when
    ``classifier`` is given to undo its normalisation): the first ``n`` images of each."""
    names = list(examples)
    fig = Figure(figsize=(1.25 * n + 1.2, 1.3 * len(names)), layout="constrained")
    axes = np.atleast_2d(fig.subplots(len(names), n, squeeze=False))
    for r, name in enumerate(names):
        imgs = examples[name]
        for c in range(n):
            ax = axes[r, c]
            ax.set_axis_off()
            if c < len(imgs):
                ax.imshow(_rgb(imgs[c].detach().cpu(), classifier))
        axes[r, 0].set_axis_on()
        axes[r, 0].set_xticks([])
        axes[r, 0].set_yticks([])
        for side in axes[r, 0].spines.values():
            side.set_visible(False)
        axes[r, 0].set_ylabel((titles or {}).get(name, name), fontsize=9, rotation=0, ha="right", va="center", labelpad=10)
    return fig


def tcav(
    result: TCAVResult,
    alpha: float = 0.05,
    concepts: Sequence[str] | None = None,
    *,
    centre: str = "mean",
    fontsize: float = 9,
    repeats: bool = False,
    count_size: float | None = None,
) -> Figure:
    """TCAV scores as in Kim et al. (2018), Fig. 4: for each layer a group of bars, one per
    concept (mean over the repeats) and one for the random CAVs (grey). The error bars span
    the middle half of the repeats' scores (25th to 75th percentile), so they stay inside
    the score's range [0, 1], unlike a mean plus or minus a standard deviation. ``*`` marks a
    concept whose scores differ from the random ones at level ``alpha`` after Holm's
    correction for testing every concept at every layer (two-sided t-test,
    :attr:`TCAVResult.adjusted_p_values`), ``n.s.`` one where no difference was shown
    (absence of evidence, not evidence of no effect); the title says to compare each bar
    with its layer's grey random-CAV bar, not with the grey line at 0.5. ``centre``: the bar
    height, ``"mean"`` or ``"median"`` of the repeats (the median always lies inside the
    error bar; with ``"mean"`` a skewed sample's quartile can lie beyond the bar's top, and
    that side of the error bar is then not drawn). ``fontsize``: labels and marks.
    ``repeats=True`` draws every repeat's score as a black dot on its bar instead of the error
    bars (so a bar whose height is 0 still shows its sample; every dot sits at its true score,
    equal scores side by side across the bar; piles of 4 or more at 0 or 1 carry their count
    ``n=k``, below the axis for 0 and above it for 1) and puts the legend under the axes.
    ``count_size``: the font size of those ``n=k`` labels (default ``fontsize - 3``)."""
    _check_result(result, "result")
    if centre not in ("mean", "median"):
        raise ValueError(f"centre must be 'mean' or 'median', got {centre!r}")
    if not isinstance(repeats, bool):
        raise TypeError(f"repeats must be True or False, got {type(repeats).__name__}")
    fontsize = checks.real(fontsize, "fontsize", minimum=4.0)
    count_size = _size("count_size", fontsize - 3 if count_size is None else count_size)
    if concepts is not None and (isinstance(concepts, str) or not isinstance(concepts, Sequence) or any(c not in result.concepts for c in concepts)):
        raise ValueError(f"concepts must be None or a list of the result's concepts {result.concepts}, got {concepts!r:.80}")
    names = list(concepts) if concepts is not None else result.concepts
    k = len(names) + 1
    width = 0.8 / k
    grow = fontsize / 9
    fig = Figure(figsize=((1.4 + 1.25 * len(result.layers) * k / 2.2) * grow, (4.3 if repeats else 3.8) * grow), layout="constrained")
    ax = fig.subplots()
    xs = np.arange(len(result.layers))
    for j, name in enumerate([*names, "random CAVs"]):
        vals, low, high = [], [], []
        for la in result.layers:
            s = to_numpy(result.random_scores[la] if name == "random CAVs" else result.scores[(name, la)])
            q1, q3 = np.percentile(s, [25, 75])
            c = float(s.mean()) if centre == "mean" else float(np.median(s))
            vals.append(c)
            low.append(max(c - float(q1), 0.0))
            high.append(max(float(q3) - c, 0.0))
        pos = xs + (j - (k - 1) / 2) * width
        colour = "0.6" if name == "random CAVs" else f"C{j}"
        ax.bar(pos, vals, width, yerr=None if repeats else [low, high], capsize=2, color=colour, label=name, error_kw={"lw": 0.8})
        if repeats:
            for p, la in zip(pos, result.layers):
                s = to_numpy(result.random_scores[la] if name == "random CAVs" else result.scores[(name, la)])
                xy = _swarm(s, p, width)
                _pile_counts(ax, s, p, count_size + 3)
                ax.scatter(
                    xy[:, 0],
                    xy[:, 1],
                    s=12,
                    color="k",
                    alpha=0.55,
                    lw=0,
                    zorder=3,
                    clip_on=False,
                    label="one repeat" if j == 0 and la == result.layers[0] else None,
                )
        if name != "random CAVs":
            for p, v, h, la in zip(pos, vals, high, result.layers):
                mark = "*" if result.significant(name, la, alpha) else "n.s."
                ax.text(p, 1.13 if repeats else min(v + h, 1.0) + 0.03, mark, ha="center", fontsize=(10 if mark == "*" else 7.5) * fontsize / 9)
    ax.set_xticks(xs, result.layers)
    ax.tick_params(labelsize=fontsize - 1)
    ax.set_ylim(*((-0.12, 1.22) if repeats else (0, 1.12)))
    ax.set_yticks(np.linspace(0, 1, 6))
    ax.axhline(0.5, color="0.8", lw=0.8, zorder=0)
    if repeats:
        ax.text(xs[-1] + 0.5, 0.5, "0.5", fontsize=fontsize - 2, color="0.4", va="center", ha="left")
        ax.set_xlim(-0.5, xs[-1] + 0.5 + 0.35)
    ax.set_ylabel(f"TCAV score for '{result.target_name}'", fontsize=fontsize)
    spread = "dots: one per repeat" if repeats else "error bars: 25th to 75th percentile"
    ax.set_title(
        f"bars: {centre} over {len(result.random_scores[result.layers[0]])} repeats; {spread}"
        f"\n* : differs from random CAVs (t-test, Holm-corrected p < {alpha:g}); n.s.: no difference shown (Holm-corrected p \u2265 {alpha:g})"
        "\ncompare each bar with the grey bar of its layer (random CAVs), not with 0.5",
        fontsize=fontsize,
    )
    if repeats:
        fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", ncols=k + 1, fontsize=fontsize - 1)
    else:
        fig.legend(*ax.get_legend_handles_labels(), loc="outside right upper", fontsize=fontsize - 1)
    return fig


def _swarm(values: np.ndarray, centre: float, width: float, per_row: int = 8) -> np.ndarray:
    """(x, y) of one dot per value in a bar of ``width`` at ``centre``, each at its true
    value: equal values side by side in one row, ``per_row`` to 80 % of the bar's width
    (more values than that share it, closer together)."""
    out = []
    values = np.asarray(values, dtype=float).reshape(-1)
    for v in np.unique(np.round(values, 6)):
        c = int((np.round(values, 6) == v).sum())
        step = 0.8 * width / max(per_row, c)
        out += [(centre + (i - (c - 1) / 2) * step, v) for i in range(c)]
    return np.array(out).reshape(-1, 2)


def _pile_counts(ax, values: np.ndarray, centre: float, fontsize: float, least: int = 4) -> None:
    """Write ``n=k`` for each pile of at least ``least`` values at 0 (under the axis) or at 1
    (above it) of a bar at ``centre``; piles elsewhere stay countable dot by dot (up to 8 fit
    side by side), so their labels would only crowd the neighbouring bars."""
    found, counts = np.unique(np.round(np.asarray(values, dtype=float).reshape(-1), 6), return_counts=True)
    for v, c in zip(found, counts):
        if c >= least and (v <= 0 or v >= 1):
            ax.text(centre, -0.075 if v <= 0 else 1.055, f"n={c}", fontsize=fontsize - 3, ha="center", va="center", color="0.15")


def _check_result(result: object, name: str, concept: str | None = None, layer: str | None = None) -> None:
    """A TypeError unless ``result`` is a :class:`TCAVResult`; with ``concept`` and ``layer``, a
    ValueError naming ``name`` unless it has scores for that concept at that layer."""
    if not isinstance(result, TCAVResult):
        raise TypeError(f"{name} must be a TCAVResult (cnnviz_lab.tcav), got {type(result).__name__}")
    if concept is not None and (concept, layer) not in result.scores:
        raise ValueError(f"{name} has no scores for concept {concept!r} at layer {layer!r}; it has concepts {result.concepts} at layers {result.layers}")


def _size(name: str, value: object) -> float:
    """``value`` as a positive font size; a ValueError/TypeError naming ``name`` otherwise."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    if not value > 0:
        raise ValueError(f"{name} must be positive, got {value}")
    return float(value)


def _stacked_dots(
    ax, samples: Sequence[np.ndarray], colours: Sequence[str], *, fontsize: float = 10, step: float = 0.035, annotation_size: float | None = None
) -> None:
    """Draw each 1-D sample of ``samples`` at x = 0, 1, ... as a dot plot: dots with the same
    value sit side by side (so a pile of equal scores shows its count), and ``n = k`` is
    written next to piles of 4 or more; a black line to the left of the dots marks each
    sample's mean, labelled "mean" with its value (beside the dots, so that none is hidden).
    ``colours``: one colour per sample; ``annotation_size``: the font size of those labels
    (default ``fontsize - 2``)."""
    small = fontsize - 2 if annotation_size is None else annotation_size
    if len(colours) != len(samples):
        raise ValueError(f"colours: give one colour per sample, got {len(colours)} for {len(samples)}")
    for x, vals, colour in zip(range(len(samples)), samples, colours):
        vals = np.asarray(vals, dtype=float).reshape(-1)
        if vals.size == 0:
            raise ValueError(f"samples: sample {x} is empty")
        values, counts = np.unique(np.round(vals, 6), return_counts=True)
        widest = float(np.max(counts) - 1) * step / 2
        for v, c in zip(values, counts):
            ax.scatter(x + (np.arange(c) - (c - 1) / 2) * step, np.full(c, v), s=22, color=colour, alpha=0.85, lw=0, zorder=3)
            if c >= 4:
                ax.text(x + (c - 1) * step / 2 + 0.05, v, f"n = {c}", fontsize=small, va="center")
        mean = float(vals.mean())
        ax.hlines(mean, x - widest - 0.3, x - widest - 0.06, color="k", lw=1.5, zorder=1)  # beside the dots
        ax.text(x - widest - 0.33, mean, f"mean\n{mean:.2f}", fontsize=small, ha="right", va="center")


def tcav_scores(result: TCAVResult, concept: str, layer: str, *, fontsize: float = 9) -> Figure:
    """The two samples the t-test compares, for one concept at one layer: the TCAV score of
    each concept CAV and of each random CAV (one dot per repeat; equal scores side by side,
    with their count), with their means (black lines) and the test's p-value, raw and
    Holm-corrected for every concept at every layer. ``fontsize``: labels and title (the
    figure grows with it)."""
    _check_result(result, "result", concept, layer)
    fontsize = checks.real(fontsize, "fontsize", minimum=4.0)
    s = to_numpy(result.scores[(concept, layer)])
    r = to_numpy(result.random_scores[layer])
    grow = fontsize / 9
    fig = Figure(figsize=(5.9 * grow, 3.6 * grow), layout="constrained")
    ax = fig.subplots()
    _stacked_dots(ax, [s, r], ["C0", "0.5"], fontsize=fontsize)
    p, adjusted = result.p_values[(concept, layer)], result.adjusted_p_values[(concept, layer)]
    ax.set_xticks([0, 1], [f"'{concept}' CAVs", "random CAVs"], fontsize=fontsize)
    ax.tick_params(labelsize=fontsize - 1)
    ax.set_xlim(-1.05, 1.8)
    ax.set_ylim(-0.05, 1.05)
    ax.set_ylabel(f"TCAV score for '{result.target_name}'", fontsize=fontsize)
    verdict = "significant" if result.significant(concept, layer) else "not significant"
    ax.set_title(f"{layer}: one dot per repeat; p = {p:.2g}, Holm-corrected {adjusted:.2g} ({verdict})", fontsize=fontsize)
    return fig


def tcav_baseline(
    result: TCAVResult,
    baseline: TCAVResult,
    concept: str,
    layer: str,
    *,
    names: tuple[str, str] = ("trained", "baseline"),
    fontsize: float = 9,
    differences: bool = False,
    annotation_size: float | None = None,
    height: float = 3.9,
) -> Figure:
    """A sanity check of a TCAV verdict (Adebayo et al., *Sanity Checks for Saliency Maps*,
    NeurIPS 2018): the scores of ``concept`` at ``layer`` and the random CAVs' there, one dot
    per repeat (equal scores side by side, with their count), for ``result`` and for
    ``baseline`` (the same sets and seed on a network whose top is redrawn at random, say),
    each pair with its t-test's raw p and its Holm-corrected p (with the number of tests
    corrected for, which may differ between the two results). The title gives the excess of the concept's
    mean score over the baseline's and its two-sided paired permutation p
    (:func:`~cnnviz_lab.concepts.stats.paired_permutation_test`, repeat ``i`` against repeat
    ``i``): only that excess can be credited to what the baseline lacks. ``names``: the two
    results' labels; ``fontsize``: labels and title (the figure grows with it).
    ``differences=True`` adds a panel on the right with what the paired test uses: each
    repeat's difference of the concept's scores (``result`` minus ``baseline``), one dot per
    repeat, equal differences side by side with their count, and a line at 0.
    ``annotation_size``: the font size of the ``n = k`` and "mean" labels (default
    ``fontsize - 2``); ``height``: the figure's height in inches at ``fontsize=9`` (it grows
    with ``fontsize`` like the width; a taller figure suits a projector)."""
    from ..concepts.stats import paired_permutation_test

    fontsize = checks.real(fontsize, "fontsize", minimum=4.0)
    if not (isinstance(names, tuple) and len(names) == 2 and all(isinstance(n, str) for n in names)):
        raise TypeError(f"names must be a tuple of two strings, got {names!r:.60}")
    if not isinstance(differences, bool):
        raise TypeError(f"differences must be True or False, got {type(differences).__name__}")
    height = checks.real(height, "height", minimum=0.0, strict=True)
    annotation_size = _size("annotation_size", fontsize - 2 if annotation_size is None else annotation_size)
    for label, r in (("result", result), ("baseline", baseline)):
        _check_result(r, label, concept, layer)
    if len(result.scores[(concept, layer)]) != len(baseline.scores[(concept, layer)]):
        raise ValueError("baseline: give the same number of repeats as result (repeat i is compared with repeat i)")
    samples, ticks = [], []
    for name, r in zip(names, (result, baseline)):
        samples += [to_numpy(r.scores[(concept, layer)]), to_numpy(r.random_scores[layer])]
        p, holm = r.p_values[(concept, layer)], r.adjusted_p_values[(concept, layer)]
        ticks += [f"'{concept}' CAVs\n{name}\n(p {p:.2g}; Holm p {holm:.2g},\nover {len(r.p_values)} tests)", f"random CAVs\n{name}"]
    grow = fontsize / 9
    fig = Figure(figsize=((12.4 if differences else 9.6) * grow, height * grow), layout="constrained")
    axes = fig.subplots(1, 2, width_ratios=[4.8, 1.6]) if differences else [fig.subplots()]
    ax = axes[0]
    _stacked_dots(ax, samples, ["C0", "0.5", "C9", "0.75"], fontsize=fontsize, annotation_size=annotation_size)
    ax.axvline(1.5, color="0.7", lw=0.8)
    ax.set_xticks(range(4), ticks, fontsize=fontsize - 1)
    ax.set_xlim(-1.05, 3.75)
    ax.set_ylim(-0.05, 1.05)
    ax.set_ylabel(f"TCAV score for '{result.target_name}'", fontsize=fontsize)
    excess, p = paired_permutation_test(samples[0], samples[2])
    ax.set_title(
        f"{layer}, one dot per repeat: '{concept}' {names[0]} minus {names[1]}: {excess:+.2f} on average, paired permutation p = {p:.2g}", fontsize=fontsize
    )
    if differences:
        d = samples[0] - samples[2]
        _stacked_dots(axes[1], [d], ["C0"], fontsize=fontsize, step=0.03, annotation_size=annotation_size)
        axes[1].axhline(0, color="0.5", lw=0.8, zorder=0)
        axes[1].set_xlim(-1.1, 0.75)
        reach = max(0.3, float(np.abs(d).max()) + 0.1)
        axes[1].set_ylim(-reach, reach)
        axes[1].set_xticks([0], [f"{int((d > 0).sum())} above 0,\n{int((d < 0).sum())} below, {int((d == 0).sum())} at 0"], fontsize=fontsize - 1)
        axes[1].tick_params(labelsize=fontsize - 1)
        axes[1].set_title(f"repeat by repeat:\n{names[0]} minus {names[1]}", fontsize=fontsize)
    return fig


__all__ = ["concept_examples", "tcav", "tcav_baseline", "tcav_scores"]
