"""Figures for DeepDream's measurements: images with labelled regions outlined (where a crop
comes from, where an object the text names sits), and a dream's change (dream minus photo)
next to its power spectrum with the cutoff of the fine-detail share drawn."""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import torch
from matplotlib.patches import Rectangle

from ..adversarial.attacks import high_frequency_share
from ..attribution.architectures import phase_means
from ..core import checks
from .core import grid_axes, to_numpy
from .figure import Figure

Marks = Mapping[int, Mapping[str, Sequence[float]]]
MARK_COLOURS = ("yellow", "cyan", "magenta", "white")


def _checked_marks(marks: Marks | None, n: int) -> dict[int, dict[str, tuple[float, float, float, float]]]:
    if marks is None:
        return {}
    if not isinstance(marks, Mapping):
        raise TypeError(f"marks must be {{panel index: {{label: (x0, y0, x1, y1)}}}}, got {type(marks).__name__}")
    out = {}
    for i, group in marks.items():
        if isinstance(i, bool) or not isinstance(i, int) or not 0 <= i < n:
            raise ValueError(f"marks: panel index {i!r} is not one of the {n} panels")
        if not isinstance(group, Mapping):
            raise TypeError(f"marks: panel {i} needs {{label: (x0, y0, x1, y1)}}, got {type(group).__name__}")
        out[i] = {}
        for label, box in group.items():
            try:
                x0, y0, x1, y1 = (float(v) for v in box)
            except (TypeError, ValueError):
                raise TypeError(f"marks: box {label!r} must be four fractions (x0, y0, x1, y1), got {box!r:.60}") from None
            if not 0.0 <= x0 < x1 <= 1.0 or not 0.0 <= y0 < y1 <= 1.0:
                raise ValueError(f"marks: box {label!r} must have 0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 1, got {box!r}")
            out[i][str(label)] = (x0, y0, x1, y1)
    return out


def marked_grid(
    images: Sequence[np.ndarray], titles: Sequence[str] | None = None, marks: Marks | None = None, ncols: int = 4, cell: float = 4.0, fontsize: float = 11.0
) -> Figure:
    """A grid of ``HxWx3`` images with labelled boxes outlined: ``marks`` maps a panel's index
    to ``{label: (x0, y0, x1, y1)}`` in fractions of that image's width and height (0..1);
    each box gets its own colour and its label above its top-left corner. ``fontsize``: titles
    and labels, in points."""
    n = len(images)
    checked = _checked_marks(marks, n)
    fig, axes = grid_axes(n, ncols, cell)
    for i, ax in enumerate(axes.flat):
        if i >= n:
            continue
        img = np.asarray(images[i])
        ax.imshow(img)
        if titles is not None and i < len(titles):
            ax.set_title(titles[i], fontsize=fontsize)
        h, w = img.shape[:2]
        for (label, (x0, y0, x1, y1)), colour in zip(checked.get(i, {}).items(), MARK_COLOURS * 8):
            ax.add_patch(Rectangle((x0 * w - 0.5, y0 * h - 0.5), (x1 - x0) * w, (y1 - y0) * h, fill=False, edgecolor=colour, lw=2.0))
            ax.text(
                x0 * w + 2,
                y0 * h + 2,
                label,
                color="black",
                fontsize=fontsize,
                va="top",
                ha="left",
                bbox=dict(facecolor=colour, edgecolor="none", alpha=0.85, pad=1.5),
            )
    return fig


def _ring_power(change: torch.Tensor, bins: int) -> tuple[np.ndarray, np.ndarray]:
    """The share of a change's power (each colour's mean removed, colours summed) in each of
    ``bins`` equal square frequency rings ``max(|fy|, |fx|)`` from 0 to the Nyquist frequency,
    and the rings' centres (units of the Nyquist frequency)."""
    x = torch.as_tensor(change).detach().float()
    x = x - x.mean(dim=(-2, -1), keepdim=True)
    power = torch.fft.fft2(x).abs().pow(2).sum(0)
    h, w = power.shape
    fy = torch.fft.fftfreq(h).abs().view(-1, 1) * 2
    fx = torch.fft.fftfreq(w).abs().view(1, -1) * 2
    ring = torch.maximum(fy, fx).expand(h, w).flatten()
    share = torch.zeros(bins).index_add_(0, (ring * bins).long().clamp(max=bins - 1), power.flatten())
    centres = (np.arange(bins) + 0.5) / bins
    return to_numpy(share / share.sum().clamp(min=1e-30)), centres


def change_spectra(
    changes: Mapping[str, torch.Tensor], cutoff: float = 0.25, cell: float = 3.6, fontsize: float = 11.0, bins: int = 32, shared_scale: bool = False
) -> Figure:
    """For each named change ``(3,H,W)`` (a dream minus its photo, in grey levels): the change
    averaged over the colours (the mean of R, G and B, as each title says; blue darker, red
    brighter, a symmetric colour bar at the 99th percentile of ``|change|``, or with
    ``shared_scale=True`` one symmetric scale for every map, at the largest of their 99th
    percentiles, so the maps compare by colour); then one panel with each change's power spectrum summed over
    square frequency rings ``max(|fy|, |fx|)`` (each colour's mean removed, colours summed;
    the share of the power per ring, log scale), the cutoff drawn as a dashed line: what
    :func:`cnnviz_lab.high_frequency_share` counts as fine detail lies to its right (its share
    in the legend)."""
    if not isinstance(changes, Mapping) or not changes:
        raise TypeError("changes must be a non-empty {name: (3,H,W) tensor} dict")
    if not 0.0 < float(cutoff) <= 1.0:
        raise ValueError(f"cutoff must be in (0, 1], got {cutoff!r}")
    if not isinstance(shared_scale, bool):
        raise TypeError(f"shared_scale must be True or False, got {shared_scale!r:.40}")
    n = len(changes)
    fig, axes = grid_axes(n + 1, n + 1, (cell, cell), (1.0 * n + 0.6, 0.3))
    prof = axes.flat[n]
    prof.set_axis_on()
    checked = {}
    for name, change in changes.items():
        c = torch.as_tensor(change).detach().float()
        if c.dim() != 3 or c.shape[0] != 3:
            raise ValueError(f"changes[{name!r}] must be (3,H,W), got shape {tuple(c.shape)}")
        checked[name] = c
    lims = {name: float(np.percentile(np.abs(to_numpy(c.mean(0))), 99)) or 1.0 for name, c in checked.items()}
    for k, (name, c) in enumerate(checked.items()):
        shown = to_numpy(c.mean(0))
        lim = max(lims.values()) if shared_scale else lims[name]
        ax = axes.flat[k]
        im = ax.imshow(shown, cmap="RdBu_r", vmin=-lim, vmax=lim)
        ax.set_title(f"{name}: change (dream - photo),\nmean of R, G, B", fontsize=fontsize)
        fig.colorbar(im, ax=ax, shrink=0.8).set_label("grey levels", fontsize=fontsize - 1)
        share, centres = _ring_power(c, bins)
        fine = float(high_frequency_share(c, cutoff=cutoff))
        prof.semilogy(centres, np.maximum(share, 1e-12), marker="o", ms=3, label=f"{name}: {fine:.0%} above the cutoff")
    prof.axvline(cutoff, color="k", ls="--", lw=1)
    prof.set_xlabel("frequency max(|fy|, |fx|) / Nyquist", fontsize=fontsize)
    prof.set_ylabel("share of the change's power", fontsize=fontsize)
    prof.set_title("power spectrum by frequency\n(dashed: the fine-detail cutoff)", fontsize=fontsize)
    prof.legend(fontsize=fontsize - 2)
    return fig


def phase_tables(maps: Mapping[str, torch.Tensor], period: int = 16, cell: float = 3.2, fontsize: float = 11.0, values: bool = False) -> Figure:
    """For each named map ``(3,H,W)`` or ``(H,W)`` (a gradient, a dream's change): its mean
    ``|value|`` on each of the ``period x period`` pixel phases (:func:`cnnviz_lab.attribution.
    architectures.phase_means`, row = row % p, column = column % p), divided by the map's
    overall mean, as a ``p x p`` table in one shared colour scale centred on 1 (1: no phase
    gets more than its share; a stride grid shows as a pattern; Odena et al. 2016). Each
    title gives the largest entry over the smallest (:func:`phase_ratio`). ``values=True``
    writes each entry, to two decimals, inside its square (for small periods, e.g. 2)."""
    if not isinstance(maps, Mapping) or not maps:
        raise TypeError("maps must be a non-empty {name: (3,H,W) or (H,W) tensor} dict")
    if not isinstance(values, bool):
        raise TypeError(f"values must be True or False, got {values!r}")
    cell = checks.real(cell, "cell", minimum=0.5)
    fontsize = checks.real(fontsize, "fontsize", minimum=4.0)
    tables = {}
    for name, m in maps.items():
        try:
            t = phase_means(m, period)
        except ValueError as err:
            raise ValueError(f"maps[{name!r}]: {err}") from None
        if not bool(torch.isfinite(t).all()):
            raise ValueError(f"maps[{name!r}]: the map has NaN or infinite values")
        tables[name] = to_numpy(t / t.mean().clamp(min=1e-30))
    dev = max(float(np.abs(t - 1).max()) for t in tables.values()) or 0.01
    fig, axes = grid_axes(len(tables), len(tables), cell, (0.9, 0.3))
    for ax, (name, t) in zip(axes.flat, tables.items()):
        im = ax.imshow(t, cmap="RdBu_r", vmin=1 - dev, vmax=1 + dev)
        for (r, c), v in np.ndenumerate(t) if values else ():
            ax.text(c, r, f"{v:.2f}", ha="center", va="center", fontsize=fontsize + 1, color="white" if abs(v - 1) > 0.6 * dev else "black")
        ax.set_axis_on()
        ax.set_xticks([0, period - 1])
        ax.set_yticks([0, period - 1])
        ax.set_xlabel(f"column % {period}", fontsize=fontsize - 1)
        ax.set_ylabel(f"row % {period}", fontsize=fontsize - 1)
        ax.set_title(f"{name}\n(max / min {t.max() / max(t.min(), 1e-30):.2f})", fontsize=fontsize)
    fig.colorbar(im, ax=list(axes.flat), shrink=0.8).set_label("phase mean |value| / map mean", fontsize=fontsize - 1)
    return fig


__all__ = ["change_spectra", "marked_grid", "phase_tables"]
