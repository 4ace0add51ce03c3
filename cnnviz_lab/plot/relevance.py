"""Figures for relevance methods (notebook 12): where LRP's relevance goes, layer by layer."""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np

from ..attribution.relevance_ledger import RelevanceLedger
from .figure import Figure


def _stage(name: str) -> str:
    """The block a site belongs to: ``blocks.15.depthwise.conv`` -> ``blocks.15``, ``head.conv`` -> ``head``;
    a residual sum belongs to the block of the module it follows."""
    name = name.removeprefix("sum after ")
    parts = name.split(".")
    return ".".join(parts[:2]) if len(parts) > 2 and parts[1].isdigit() else parts[0]


def _extremes(ledger: RelevanceLedger, share: np.ndarray, index: int, colour: str) -> list[tuple[str, int, float, str]]:
    """The site that kept the most (drop) and the one that kept the least, if below -1% of the logit (rise):
    ``(label, x, y, colour)`` for each, to be written in a column of labels at the top of the axes."""
    kept = np.array([float(s.kept[index]) for s in ledger.sites])
    rise = kept.min() < -0.01 * abs(float(ledger.logit[index]))
    marks = [(int(kept.argmax()), "keeps")] + ([(int(kept.argmin()), "hands on more than it got:")] if rise else [])
    return [
        (f"{ledger.sites[i].name} {verb} {abs(kept[i] / float(ledger.logit[index])):.2f} x logit", i + 1, float(share[i + 1]), colour)
        for i, verb in marks
        if share[i + 1] > 0
    ]


def _annotate(ax, marks: list[tuple[str, int, float, str]]) -> None:
    """The labels in a column at the top of the axes, rows ordered by the height of the point each names (the
    highest point gets the top row), so that the arrows do not cross; written in the order given."""
    rows = {m: r for r, m in enumerate(sorted(range(len(marks)), key=lambda k: -marks[k][2]))}
    for k, (text, x, y, colour) in enumerate(marks):
        ax.annotate(
            text,
            (x, y),
            xytext=(0.3, 0.94 - 0.1 * rows[k]),
            textcoords="axes fraction",
            fontsize=9,
            color=colour,
            va="center",
            arrowprops={"arrowstyle": "->", "color": colour, "lw": 0.8, "relpos": (0, 0.5)},
        )


def relevance_flow(
    ledgers: Mapping[str, RelevanceLedger], index: int = 0, max_ticks: int = 8, mark_extremes: bool = False, always: Sequence[str] = ()
) -> Figure:
    """The relevance still on its way to the pixels, as a share of the explained logit, after
    each layer of the backward pass (from the logit at the left to the pixels at the right),
    one line per LRP pass (``{label: cv.attribution.relevance_ledger(...)}``, image
    ``index``), on a logarithmic axis. A drop is relevance a layer kept (its bias and
    stabiliser; Bach et al. 2015, Montavon et al. 2019); the last value is the pixels'
    total. The x axis names the block where the pass enters it (at most ``max_ticks`` names,
    none closer than 4% of the axis to the previous one). ``mark_extremes=True`` labels, on
    each line, the layer that kept the most and the one that handed on the most relevance it
    did not receive (a negative share kept, shown when over 1% of the logit), by name, in a
    column of labels ordered by the height of their points so that the arrows do not cross.
    ``always``: block names (e.g. ``("head",)``) that get a tick whatever ``max_ticks`` and
    the spacing say; other names too close to them are left out instead."""
    if not isinstance(ledgers, Mapping) or not ledgers or not all(isinstance(v, RelevanceLedger) for v in ledgers.values()):
        raise TypeError("ledgers: a non-empty {label: RelevanceLedger} mapping")
    if not isinstance(mark_extremes, bool):
        raise TypeError(f"mark_extremes must be True or False, got {mark_extremes!r}")
    if isinstance(always, str) or not all(isinstance(a, str) for a in always):
        raise TypeError(f"always must be a sequence of block names, got {always!r}")
    fig = Figure(figsize=(9.0, 3.8), layout="constrained")
    ax = fig.subplots()
    first = next(iter(ledgers.values()))
    marks: list[tuple[str, int, float, str]] = []
    for label, ledger in ledgers.items():
        share = (ledger.in_flight()[index] / ledger.logit[index]).cpu().numpy()
        shown = np.where(share > 0, share, np.nan)
        line = ax.plot(np.arange(len(share)), shown, lw=1.8, label=f"{label}: pixels get {share[-1]:.2%} of the logit")[0]
        if mark_extremes:
            marks += _extremes(ledger, share, index, line.get_color())
    _annotate(ax, marks)
    ax.set_yscale("log")
    if mark_extremes:  # two empty decades on top for the labels
        ax.set_ylim(top=100 * max(float((lg.in_flight()[index] / lg.logit[index]).max()) for lg in ledgers.values()))
    sites = first.sites
    stages = [_stage(s.name) for s in sites]
    named = [i for i, s in enumerate(sites) if s.name != s.kind and not s.name.startswith("sum after ")]
    starts = [(i + 1, stages[i]) for i in named if stages[i] not in ("pool", "dropout") and stages[i] not in {stages[j] for j in named if j < i}]
    missing = [a for a in always if a not in {st for _, st in starts}]
    if missing:
        raise ValueError(f"always: {missing} are not blocks of this pass; choose from {[st for _, st in starts]}")
    forced = [(i, st) for i, st in starts if st in always]
    if len(starts) > max_ticks:
        keep = np.linspace(0, len(starts) - 1, max_ticks).round().astype(int)
        starts = [starts[k] for k in sorted(set(keep.tolist()))]
    gap = 0.04 * len(stages)  # labels closer than this to the previous one are left out
    ticks = [(0, "logit")]
    for i, st in starts:
        if i - ticks[-1][0] >= gap and len(stages) - i >= gap and all(abs(i - j) >= gap for j, _ in forced):
            ticks.append((i, st))
    ticks = sorted({*ticks, *forced}) + [(len(stages), "pixels")]
    ax.set_xticks([i for i, _ in ticks])
    # a name closer than the gap to the one before it (e.g. a forced "head" next to "logit") goes one line lower
    names = [st if k == 0 or ticks[k][0] - ticks[k - 1][0] >= gap else "\n" + st for k, (_, st) in enumerate(ticks)]
    ax.set_xticklabels(names, rotation=30, ha="right", fontsize=9)
    ax.set_xlabel("backward pass: layers from the output (left) to the input (right)")
    ax.set_ylabel("relevance still in flight / logit")
    ax.grid(alpha=0.3, which="major")
    ax.legend(fontsize=9, loc="lower left")
    ax.set_title(
        "Relevance on its way to the pixels: it falls where a layer keeps some (bias, stabiliser)\nand rises where a layer hands on more than it received",
        fontsize=10,
    )
    return fig


__all__ = ["relevance_flow"]
