"""Figures for optimisation-based visualisation: rendered images, the difference to a start
image, inversions by depth, dreams next to their input, score curves."""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import torch
from matplotlib.patches import Rectangle
from matplotlib.ticker import FormatStrFormatter, LogLocator
from .figure import Figure
from PIL import Image

from ..core import checks
from ..images.loading import ImageLike
from ..optvis.render import Rendering
from .core import image_array, image_grid, to_numpy


def _array(image: ImageLike | torch.Tensor | Rendering) -> np.ndarray:
    """RGB [0, 1] ``(3,H,W)`` tensors (what ``maximize`` renders), a Rendering (its first
    image) or any image, as HxWx3."""
    if isinstance(image, Rendering):
        image = image.tensor[0]
    if isinstance(image, torch.Tensor):
        t = image[0] if image.dim() == 4 else image
        return np.clip(to_numpy(t).transpose(1, 2, 0), 0, 1)
    return image_array(image)


def renderings(
    images: Sequence[ImageLike | torch.Tensor | Rendering] | torch.Tensor | Rendering,
    titles: Sequence[str] | None = None,
    ncols: int = 4,
    suptitle: str | None = None,
    cell: float = 2.2,
    fontsize: float | None = None,
    mark_centre: bool | Sequence[bool] = False,
    grid: int | Sequence[int | None] | None = None,
    box: tuple[int, int, int, int] | Sequence[tuple[int, int, int, int] | None] | None = None,
) -> Figure:
    """A grid of rendered images: a :class:`~cnnviz_lab.optvis.Rendering` (all its images),
    PIL images, Renderings, or an ``(N,3,H,W)`` RGB [0, 1] tensor. ``fontsize``: the panel
    titles' size in points (``None``: the grid's default; raise it for a projected figure).
    ``mark_centre``: a cross on the centre of every panel (``True``) or of the panels whose
    entry is ``True``, e.g. the unit a dataset-example patch is centred on. ``grid``: thin
    white lines every ``grid`` pixels on every panel, or one entry per image (``None``: no
    lines on that panel), e.g. ``32`` to show the cells of a layer whose grid has one
    position per 32 input pixels. ``box``: a rectangle ``(left, top, right, bottom)`` in
    pixels (right and bottom exclusive) outlined on every panel, or one entry per image
    (``None``: none on that panel), e.g. the region a crop further along enlarges."""
    if fontsize is not None:
        fontsize = checks.real(fontsize, "fontsize", minimum=2.0)
    if isinstance(images, Rendering):
        images = images.tensor
    items = list(images)
    arrays = [_array(i) for i in items]
    rects = _boxes(box, [a.shape[:2] for a in arrays])
    fig = image_grid(arrays, titles, ncols=ncols, cell=cell, suptitle=suptitle)
    marks = [mark_centre] * len(items) if isinstance(mark_centre, bool) else list(mark_centre)
    if len(marks) != len(items) or not all(isinstance(m, bool) for m in marks):
        raise ValueError(f"mark_centre must be True, False or one bool per image ({len(items)}), got {mark_centre!r}")
    for ax, arr, mark in zip(fig.axes, arrays, marks):
        if mark:
            h, w = arr.shape[:2]
            for colour, ms, mew in (("white", 13, 3.5), ("black", 10, 1.5)):
                ax.plot([w / 2 - 0.5], [h / 2 - 0.5], "+", color=colour, ms=ms, mew=mew)
    for ax, arr, step in zip(fig.axes, arrays, _grid_steps(grid, len(items))):
        if step:
            h, w = arr.shape[:2]
            for x in range(step, w, step):
                ax.axvline(x - 0.5, color="white", linewidth=0.8, alpha=0.8)
            for y in range(step, h, step):
                ax.axhline(y - 0.5, color="white", linewidth=0.8, alpha=0.8)
    for ax, rect in zip(fig.axes, rects):
        if rect:
            left, top, right, bottom = rect
            for colour, lw in (("black", 3.0), ("white", 1.5)):
                ax.add_patch(Rectangle((left - 0.5, top - 0.5), right - left, bottom - top, fill=False, edgecolor=colour, linewidth=lw))
    if fontsize is not None:
        for ax in fig.axes:
            ax.title.set_fontsize(fontsize)
    return fig


def _boxes(box, sizes: Sequence[tuple[int, int]]) -> list[tuple[int, int, int, int] | None]:
    """``renderings``'s ``box`` as one rectangle (or ``None``) per panel, each inside its
    panel's ``(height, width)`` in ``sizes`` (at least partly: the axes cut the rest)."""

    def ok(b) -> bool:
        return (
            isinstance(b, tuple)
            and len(b) == 4
            and all(isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_)) for v in b)
            and b[0] < b[2]
            and b[1] < b[3]
        )

    n = len(sizes)
    boxes = [box] * n if box is None or ok(box) else list(box) if isinstance(box, (list, tuple)) else None
    if boxes is None or len(boxes) != n or not all(b is None or ok(b) for b in boxes):
        raise ValueError(
            f"box must be None, a tuple (left, top, right, bottom) of ints with left < right and top < bottom, "
            f"or one such entry (or None) per image ({n}), got {box!r}"
        )
    for b, (h, w) in zip(boxes, sizes):
        if b is not None and not (b[0] < w and b[1] < h and b[2] > 0 and b[3] > 0):  # a box partly outside is cut at the border
            raise ValueError(f"box {tuple(int(v) for v in b)} lies outside its {w}x{h} image; give (left, top, right, bottom) in the image's pixels")
    return [None if b is None else tuple(int(v) for v in b) for b in boxes]


def _grid_steps(grid: int | Sequence[int | None] | None, n: int) -> list[int | None]:
    """``renderings``'s ``grid`` as one line spacing (or ``None``) per panel."""
    steps = [grid] * n if grid is None or isinstance(grid, int) else list(grid) if isinstance(grid, (list, tuple)) else None
    if steps is None or len(steps) != n or not all(g is None or (isinstance(g, int) and not isinstance(g, bool) and g >= 1) for g in steps):
        raise ValueError(f"grid must be None, a spacing in pixels (an int >= 1) or one such entry (or None) per image ({n}), got {grid!r}")
    return steps


def difference(result, title: str | None = None, clip_percentile: float | None = None) -> Figure:
    """A render started from an image: the start image, the optimised image, and what the
    optimisation added: the size of the change per pixel, ``|x - x_0|`` (Euclidean over
    RGB, pixel values in [0, 1]) with a colour bar, and the signed change around mid-grey
    (grey = no change, full colour = the largest change, stated in the panel's title).
    Titled ``title``, else the objective in words (``Rendering.description``).

    ``clip_percentile`` (e.g. 99): both change panels saturate at that percentile of the
    change instead of its maximum (stated in their titles), so that a few extreme pixels do
    not wash out the pattern painted over the whole image."""
    diff = result.difference[0]
    mag = to_numpy(diff.pow(2).sum(0).sqrt())
    if clip_percentile is None:
        largest = float(diff.abs().max()) + 1e-12
        top, note = None, ""
    else:
        q = float(clip_percentile)
        if not 0 < q <= 100:
            raise ValueError(f"clip_percentile must be in (0, 100], got {clip_percentile!r}")
        largest = float(np.percentile(to_numpy(diff.abs()), q)) + 1e-12
        top, note = float(np.percentile(mag, q)) + 1e-12, f", clipped at its {q:g}th percentile"
    signed = np.clip(0.5 + 0.5 * to_numpy(diff).transpose(1, 2, 0) / largest, 0, 1)
    fig = Figure(figsize=(11.5, 3.2), layout="constrained")
    axes = fig.subplots(1, 4)
    panels = [
        (_array(result.start), "start image"),
        (_array(result.tensor[0]), "optimised"),
        (mag, f"size of the change |x - x0|{note}"),
        (signed, f"signed change (grey 0, full +/-{largest:.2f})"),
    ]
    for ax, (arr, name) in zip(axes, panels):
        im = ax.imshow(arr, cmap="magma" if arr.ndim == 2 else None, vmin=0 if arr.ndim == 2 else None, vmax=top if arr.ndim == 2 else None)
        ax.set_title(name.replace(", clipped", ",\nclipped"), fontsize=9)
        ax.set_axis_off()
        if arr.ndim == 2:
            fig.colorbar(im, ax=ax, shrink=0.8, label="change (pixel values 0..1)")
    fig.suptitle(title or getattr(result, "description", "") or result.objective)
    return fig


def inversions(
    target: ImageLike | torch.Tensor,
    images: Mapping[str, ImageLike | torch.Tensor],
    distances: Mapping[str, float] | None = None,
    cell: float = 2.4,
    fontsize: float = 9,
) -> Figure:
    """The original image followed by its reconstruction from each layer, titled with the
    layer and (optionally) the remaining relative feature distance; ``fontsize``: the
    titles' size in points (raise it for a figure meant to be projected)."""
    fontsize = checks.real(fontsize, "fontsize", minimum=2.0)
    titles = ["original"] + [f"{k}" + (f"\nd={distances[k]:.2f}" if distances and k in distances else "") for k in images]
    fig = image_grid([_array(target)] + [_array(v) for v in images.values()], titles, ncols=len(images) + 1, cell=cell)
    for ax in fig.axes:
        ax.title.set_fontsize(fontsize)
    return fig


def dream(before: ImageLike, after: ImageLike | Sequence[ImageLike], titles: Sequence[str] | None = None, cell: float = 3.2) -> Figure:
    """The input image next to one or more dreams of it."""
    afters = [after] if isinstance(after, (Image.Image, torch.Tensor, np.ndarray, str)) else list(after)
    names = ["input"] + list(titles or ["dream"] * len(afters))
    return image_grid([_array(before)] + [_array(a) for a in afters], names, ncols=len(afters) + 1, cell=cell)


def score_history(
    history: torch.Tensor,
    labels: Sequence[str] | None = None,
    title: str = "objective per step",
    smooth: int | None = None,
    mark_step: int | None = None,
    ylabel: str = "score",
    log_y: bool = False,
    figsize: tuple[float, float] = (5, 3),
    fontsize: float = 8,
) -> Figure:
    """The objective's value per step (one line per column of ``history``: per image of the
    batch, or any curves stacked side by side, e.g. the losses of two runs).

    ``smooth``: also draw each curve's running mean over that many steps (the raw curve
    fades behind it); ``mark_step``: a dashed vertical line at that step (e.g. a quarter of
    the steps); ``ylabel``: the y axis's label (e.g. "loss" for a minimised objective);
    ``log_y``: a logarithmic y axis (for positive curves, e.g. a loss, so that a slow late
    decline stays visible), with the 2s and 5s between the powers of ten labelled too (0.2,
    0.5, 2, ...), so that values can be read off; ``figsize``: the figure's size in inches; ``fontsize``: the
    legend's size in points (labels and title 2 points larger)."""
    if not isinstance(ylabel, str):
        raise TypeError(f"ylabel must be a string, got {ylabel!r} ({type(ylabel).__name__})")
    fontsize = checks.real(fontsize, "fontsize", minimum=2.0)
    if not (isinstance(figsize, (tuple, list)) and len(figsize) == 2 and all(isinstance(v, (int, float)) and v > 0 for v in figsize)):
        raise ValueError(f"figsize must be (width, height) in inches, both positive, got {figsize!r}")
    h = to_numpy(history)
    h = h[:, None] if h.ndim == 1 else h
    if smooth is not None:
        smooth = int(smooth)
        if smooth < 1:
            raise ValueError(f"smooth must be a positive number of steps, got {smooth}")
    if log_y and not (h > 0).all():
        raise ValueError("log_y needs positive values in history (e.g. a loss); negate a maximised score first")
    fig = Figure(figsize=tuple(figsize), layout="constrained")
    ax = fig.add_subplot()
    for i in range(h.shape[1]):
        name = labels[i] if labels else None
        if smooth is not None and smooth > 1:
            (line,) = ax.plot(h[:, i], alpha=0.35, label=f"{name}, per step" if name else "per step")
            kernel = np.ones(min(smooth, len(h))) / min(smooth, len(h))
            run = np.convolve(h[:, i], kernel, mode="valid")
            ax.plot(
                np.arange(len(run)) + len(kernel) - 1,
                run,
                color=line.get_color(),
                label=f"{name}, running mean of {len(kernel)}" if name else f"running mean of {len(kernel)} steps",
            )
        else:
            ax.plot(h[:, i], label=name)
    if mark_step is not None:
        ax.axvline(int(mark_step), color="0.4", linestyle="--", linewidth=1, label=f"step {int(mark_step)}")
    if labels or smooth is not None or mark_step is not None:
        ax.legend(fontsize=fontsize)
    if log_y:
        ax.set_yscale("log")
        ax.yaxis.set_minor_locator(LogLocator(subs=(2.0, 5.0)))
        ax.yaxis.set_major_formatter(FormatStrFormatter("%g"))
        ax.yaxis.set_minor_formatter(FormatStrFormatter("%g"))
    big = fontsize + 2 if fontsize != 8 else None
    ax.set_xlabel("step", fontsize=big)
    ax.set_ylabel(ylabel, fontsize=big)
    ax.set_title(title, fontsize=big)
    if big:
        ax.tick_params(which="both", labelsize=fontsize)
    return fig


def receptive_map(
    image: ImageLike | torch.Tensor | Rendering,
    erf: torch.Tensor,
    titles: Sequence[str] = ("render", "effective receptive field"),
    suptitle: str | None = None,
    cell: float = 3.4,
    clip_percentile: float = 99.0,
) -> Figure:
    """A render next to a unit's effective receptive field (a ``(H, W)`` map such as
    :func:`cnnviz_lab.optvis.effective_receptive_field` returns, scaled to a maximum of 1),
    drawn with a colour bar on the same pixel grid. The colour scale saturates at the
    ``clip_percentile`` percentile of the map (stated on the colour bar; 100: the maximum),
    since a few peak pixels would otherwise leave the rest of the field dark."""
    arr = to_numpy(erf)
    if arr.ndim != 2:
        raise ValueError(f"erf must be an (H, W) map, got shape {tuple(arr.shape)}")
    q = float(clip_percentile)
    if not 0 < q <= 100:
        raise ValueError(f"clip_percentile must be in (0, 100], got {clip_percentile!r}")
    top = float(np.percentile(arr, q)) or None
    fig = Figure(figsize=(2 * cell + 0.8, cell + (0.4 if suptitle else 0)), layout="constrained")
    a, b = fig.subplots(1, 2)
    a.imshow(_array(image))
    im = b.imshow(arr, cmap="magma", vmin=0, vmax=top)
    label = "mean |gradient| (max 1)" + ("" if q == 100 else f",\nscale clipped at its {q:g}th percentile")
    fig.colorbar(im, ax=b, shrink=0.8, label=label)
    for ax, name in zip((a, b), titles):
        ax.set_title(name, fontsize=9)
        ax.set_axis_off()
    if suptitle:
        fig.suptitle(suptitle)
    return fig


__all__ = ["difference", "dream", "inversions", "receptive_map", "renderings", "score_history"]
