"""Figure for notebook 11: how one attack step moves each class's logit, and how far the
first-order (linear) prediction is from the measured change."""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np

from .figure import Figure


def _number(v: object) -> bool:
    return not isinstance(v, bool) and isinstance(v, (int, float, np.floating, np.integer)) and np.isfinite(float(v))


def logit_changes(
    changes: Mapping[str, Mapping[float, float]],
    first_order: Mapping[str, tuple[float, float]],
    *,
    epsilon: float = 0.5,
    figsize: tuple[float, float] = (12, 4.4),
    fontsize: float = 11,
    proportional: Sequence[str] = (),
    title: str | None = None,
) -> Figure:
    """Two panels for a one-step attack such as FGSM (Goodfellow et al. 2015). Left: each
    class's logit change (attacked minus clean logit) against the budget in pixel levels,
    ``{class: {epsilon: change}}``, on a log-2 budget axis with zero marked. Right: for each
    class, paired bars of the first-order prediction (the logit's gradient dotted with the
    actual change, what a linear network would give) and the measured change at one budget,
    ``{class: (predicted, measured)}``; ``epsilon`` names that budget in the title.
    ``figsize``, ``fontsize``: the figure's size and its labels' size. ``proportional``: classes
    of ``changes`` that get a dashed line in their colour, the change at the smallest budget
    scaled in proportion to the budget (what a linear network would give). ``title``: the left
    panel's title, e.g. which attack and target (None: "measured logit change against the
    budget")."""
    if (
        not isinstance(changes, Mapping)
        or not changes
        or not all(isinstance(c, Mapping) and c and all(_number(e) and e > 0 and _number(v) for e, v in c.items()) for c in changes.values())
    ):
        raise ValueError("changes must be a non-empty {class: {positive epsilon: logit change}} mapping of numbers")
    if (
        not isinstance(first_order, Mapping)
        or not first_order
        or not all(isinstance(p, (tuple, list)) and len(p) == 2 and all(_number(v) for v in p) for p in first_order.values())
    ):
        raise ValueError("first_order must be a non-empty {class: (predicted, measured)} mapping of numbers")
    if not _number(epsilon) or not epsilon > 0:
        raise ValueError(f"epsilon must be a positive number, got {epsilon!r}")
    if not _number(fontsize) or not fontsize > 0:
        raise ValueError(f"fontsize must be a positive number, got {fontsize!r}")
    if not (isinstance(figsize, (tuple, list)) and len(figsize) == 2 and all(_number(v) and v > 0 for v in figsize)):
        raise ValueError(f"figsize must be a (width, height) pair of positive numbers of inches, got {figsize!r:.60}")
    if isinstance(proportional, str) or not isinstance(proportional, Sequence) or any(n not in changes for n in proportional):
        raise ValueError(f"proportional must be a list of classes of changes {list(changes)}, got {proportional!r}")
    if title is not None and not isinstance(title, str):
        raise TypeError(f"title must be a string or None, got {type(title).__name__}")
    fig = Figure(figsize=figsize, layout="constrained")
    left, right = fig.subplots(1, 2)
    for name, c in changes.items():
        eps = sorted(c)
        (line,) = left.plot(eps, [c[e] for e in eps], "o-", label=name)
        if name in proportional:
            left.plot(eps, [c[eps[0]] * e / eps[0] for e in eps], "--", color=line.get_color(), lw=1.2, label=f"{name}, in proportion")
    ticks = sorted({e for c in changes.values() for e in c})
    left.set_xscale("log", base=2)
    left.set_xticks(ticks, [f"{e:g}" for e in ticks])
    left.minorticks_off()
    left.axhline(0, color="0.5", lw=0.8, zorder=0)
    left.set_xlabel("budget epsilon (pixel levels, L-inf, log scale)", fontsize=fontsize)
    left.set_ylabel("logit change (attacked - clean)", fontsize=fontsize)
    left.set_title("measured logit change against the budget" if title is None else title, fontsize=fontsize)
    left.legend(fontsize=fontsize - 1)
    names = list(first_order)
    pos = np.arange(len(names))
    pred = [float(first_order[n][0]) for n in names]
    meas = [float(first_order[n][1]) for n in names]
    right.bar(pos - 0.2, pred, 0.4, label="first order: gradient . change", color="0.65")
    right.bar(pos + 0.2, meas, 0.4, label="measured", color="tab:blue")
    right.axhline(0, color="0.3", lw=0.8)
    right.set_xticks(pos, names, fontsize=fontsize - 1)
    right.set_ylabel("logit change", fontsize=fontsize)
    right.set_title(f"at {epsilon:g} levels: linear prediction against measured", fontsize=fontsize)
    right.legend(fontsize=fontsize - 1)
    for ax in (left, right):
        ax.tick_params(labelsize=fontsize - 1)
    return fig


__all__ = ["logit_changes"]
