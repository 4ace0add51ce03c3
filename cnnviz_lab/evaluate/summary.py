"""The summary of a folder evaluation: mean and spread per method and metric, as a table, a
CSV and a figure. Read from the results CSV by streaming (flat memory over the folder)."""

from __future__ import annotations

import csv
import math
import os
from dataclasses import dataclass
from pathlib import Path

from .folder import COLUMNS, METRICS

SUMMARY_COLUMNS = ("method", "metric", "images", "mean", "std", "min", "max", "better")


@dataclass
class SummaryRow:
    """One method and metric over the images: ``images`` (values that are numbers), ``mean``,
    ``std`` (sample standard deviation; 0 for one image), ``min``, ``max``, and whether
    ``lower`` or ``higher`` is ``better``."""

    method: str
    metric: str
    images: int
    mean: float
    std: float
    min: float
    max: float
    better: str


def summarize(results: str | os.PathLike) -> list[SummaryRow]:
    """Mean and spread of each (method, metric) in a results CSV of ``cnnviz evaluate``
    (Welford's running mean and variance: one pass, constant memory). NaN values are left
    out. Rows come in the order methods and metrics first appear in the file."""
    path = Path(results)
    acc: dict[tuple[str, str], list[float]] = {}
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader, None)
        if header is None or tuple(header) != COLUMNS:
            raise ValueError(f"{path} is not a results file of cnnviz evaluate (columns {', '.join(COLUMNS)})")
        for row in reader:
            if len(row) != len(COLUMNS):
                continue
            value = float(row[3])
            a = acc.setdefault((row[1], row[2]), [0, 0.0, 0.0, math.inf, -math.inf])
            if value != value:
                continue
            a[0] += 1
            delta = value - a[1]
            a[1] += delta / a[0]
            a[2] += delta * (value - a[1])
            a[3], a[4] = min(a[3], value), max(a[4], value)
    out = []
    for (method, metric), (n, mean, m2, lo, hi) in acc.items():
        better = METRICS[metric].better if metric in METRICS else ""
        out.append(
            SummaryRow(
                method, metric, int(n), mean if n else math.nan, math.sqrt(m2 / (n - 1)) if n > 1 else 0.0, lo if n else math.nan, hi if n else math.nan, better
            )
        )
    return out


def summary_table(rows: list[SummaryRow]) -> str:
    """The summary as aligned text, one line per method and metric."""
    head = ("method", "metric", "images", "mean", "std", "min", "max", "better")
    body = [(r.method, r.metric, str(r.images), f"{r.mean:.4g}", f"{r.std:.3g}", f"{r.min:.4g}", f"{r.max:.4g}", r.better) for r in rows]
    widths = [max(len(x) for x in col) for col in zip(head, *body)]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(line, widths)).rstrip() for line in (head, *body))


def write_summary(rows: list[SummaryRow], path: str | os.PathLike) -> str:
    """The summary as a CSV (columns :data:`SUMMARY_COLUMNS`); returns the path."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(SUMMARY_COLUMNS)
        for r in rows:
            w.writerow((r.method, r.metric, r.images, format(r.mean, ".8g"), format(r.std, ".8g"), format(r.min, ".8g"), format(r.max, ".8g"), r.better))
    return str(out)


def summary_figure(rows: list[SummaryRow]):
    """One panel per metric: each method's mean as a bar, its spread (one standard deviation)
    as an error bar; the title says whether lower or higher is better."""
    from matplotlib.figure import Figure

    metrics = list(dict.fromkeys(r.metric for r in rows))
    methods = list(dict.fromkeys(r.method for r in rows))
    cols = min(3, max(1, len(metrics)))
    nrows = math.ceil(len(metrics) / cols)
    fig = Figure(figsize=(4.2 * cols, 0.5 + 3.2 * nrows), layout="constrained")
    axes = fig.subplots(nrows, cols, squeeze=False)
    for ax, metric in zip(axes.flat, metrics):
        here = {r.method: r for r in rows if r.metric == metric}
        shown = [m for m in methods if m in here]
        means = [here[m].mean for m in shown]
        spread = [here[m].std for m in shown]
        ax.bar(range(len(shown)), means, yerr=spread, capsize=4, color="#4c72b0", alpha=0.85)
        ax.set_xticks(range(len(shown)), shown, rotation=30, ha="right")
        label = METRICS[metric].label if metric in METRICS else metric
        better = here[shown[0]].better if shown else ""
        ax.set_title(f"{label}" + (f" ({better} is better)" if better else ""), fontsize=10)
        ax.axhline(0, color="black", linewidth=0.6)
    for ax in list(axes.flat)[len(metrics) :]:
        ax.set_visible(False)
    images = max((r.images for r in rows), default=0)
    fig.suptitle(f"Mean and spread (one standard deviation) over {images} image(s)")
    return fig


__all__ = ["SUMMARY_COLUMNS", "SummaryRow", "summarize", "summary_figure", "summary_table", "write_summary"]
