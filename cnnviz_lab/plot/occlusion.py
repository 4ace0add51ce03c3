"""Figures of the occlusion experiment (Zeiler & Fergus 2014):
the output per occluder position, its regularised version, and its projection on the image."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import torch
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from .figure import Figure

from .boxes import draw_boxes
from .boxes import occluder as draw_occluder
from PIL import Image

from ..attribution.occlusion import OcclusionGrid, occlusion_map, regularize_occlusion
from ..images.loading import ImageLike
from ..models.classifier import Classifier
from .core import image_array, normalize_map, overlay, to_numpy


def _resize(m: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    return np.asarray(Image.fromarray(m.astype(np.float32)).resize((shape[1], shape[0]), Image.BILINEAR))


def _font_sizes(scale: float) -> tuple[float, float, float]:
    """Title, colour-bar label and box-label font sizes of a figure drawn ``scale`` times
    larger (9, 8 and 7 points at 1; above 1 the colour-bar label as large as the title)."""
    if not isinstance(scale, (int, float)) or isinstance(scale, bool) or not 0.5 <= scale <= 3:
        raise ValueError(f"scale: a number from 0.5 to 3, got {scale!r}")
    return (9 * scale, (9 if scale > 1 else 8) * scale, 7 * scale)


def occlusion_projection(image: ImageLike | torch.Tensor, regularized: torch.Tensor | np.ndarray, classifier: Classifier | None = None) -> np.ndarray:
    """The occlusion projection: the image multiplied pixel by pixel by the regularised
    heatmap (resized to the image), so only what the network needs stays bright. ``HxWx3``."""
    base = image_array(image, classifier)
    m = np.clip(to_numpy(regularized), 0, 1)
    return base * _resize(m, base.shape[:2])[..., None]


def _pick(t: torch.Tensor, grid: OcclusionGrid, index: int, k: int) -> np.ndarray:
    t = t[index]
    return to_numpy(t if grid.squeeze else t[k])


def _weighted_overlay(img: np.ndarray, m: np.ndarray, top: float, cmap: str, signed: bool, alpha: float = 0.75) -> np.ndarray:
    """``m`` coloured with ``cmap`` over the greyscale image, with an opacity proportional
    to ``|m| / top`` (0 stays the photograph): a diverging scale from ``-top`` to ``top`` when
    ``signed``, else a sequential one from 0 to ``top``."""
    from matplotlib import colormaps

    m = _resize(np.nan_to_num(m.astype(np.float32)), img.shape[:2]) if m.shape != img.shape[:2] else m
    h = np.clip(m / top, -1 if signed else 0, 1)
    colours = colormaps[cmap]((h + 1) / 2 if signed else h)[..., :3]
    weight = alpha * np.abs(h)[..., None]
    grey = np.repeat(img.mean(axis=2, keepdims=True), 3, axis=2)
    return np.clip((1 - weight) * grey + weight * colours, 0, 1)


def _pixel_extent(shape: tuple[int, int]) -> tuple[float, float, float, float]:
    """``imshow`` extent of an ``HxW`` image in its own pixel coordinates (pixel centres at integers)."""
    return (-0.5, shape[1] - 0.5, shape[0] - 0.5, -0.5)


def _grid_extent(grid: OcclusionGrid) -> tuple[float, float, float, float]:
    """``imshow`` extent that puts cell ``(i, j)`` of the occluder-position grid on the centre
    of its occluder, ``(xs[j] + (window - 1) / 2, ys[i] + (window - 1) / 2)`` in image pixels,
    each cell one stride wide (the grid's positions must be evenly spaced, as
    :func:`~cnnviz_lab.attribution.occlusion.window_starts` makes them)."""
    (wy, wx), (sy, sx) = grid.window, grid.stride
    sy = grid.ys[1] - grid.ys[0] if len(grid.ys) > 1 else sy
    sx = grid.xs[1] - grid.xs[0] if len(grid.xs) > 1 else sx
    cx0, cx1 = grid.xs[0] + (wx - 1) / 2, grid.xs[-1] + (wx - 1) / 2
    cy0, cy1 = grid.ys[0] + (wy - 1) / 2, grid.ys[-1] + (wy - 1) / 2
    return (cx0 - sx / 2, cx1 + sx / 2, cy1 + sy / 2, cy0 - sy / 2)


def occlusion_experiment(
    classifier: Classifier | None,
    x: torch.Tensor,
    grid: OcclusionGrid,
    index: int = 0,
    k: int = 0,
    percentile: float = 25.0,
    cmap: str = "viridis",
    regularized: bool = True,
    boxes: Sequence[Sequence[int]] | None = None,
    occluder: str | tuple[float, float, float] = "black",
    signed: bool = False,
    drop: bool = False,
    underlay: bool = False,
    scale: float = 1.0,
) -> Figure:
    """The occlusion experiment for image ``index`` (and class ``k`` of an
    ``(N,K)`` run), in five panels: the image with one occluder drawn to scale; the
    target's output as a function of the occluder position; the regularised heatmap
    (:func:`~cnnviz_lab.regularize_occlusion`); its projection on the image; and the
    per-pixel mean drop (:func:`~cnnviz_lab.occlusion`) over the image, with its colour bar.
    ``regularized=False`` leaves out the two regularised panels (three panels); ``boxes``:
    object boxes ``(x0, y0, x1, y1)`` in pixels of ``x``, outlined in white on the image and
    on the per-pixel map. ``occluder``: the colour of the occluder drawn on the image (a
    matplotlib colour: draw it in the fill the experiment used; black is drawn translucent as
    before, ``"outline"`` only its outline, e.g. for a blurred fill). ``signed``: the middle panel
    shows the *change* of the output from the unoccluded image's, and the per-pixel panel the
    signed mean drop, both on a diverging scale centred at zero (rises in blue, drops in red),
    the per-pixel map's opacity proportional to its magnitude (three panels only). ``drop``
    (with ``signed``): the middle panel shows the *drop* ``f(x) - f(x occluded)`` instead of the
    change, on the per-pixel panel's colour map (a drop positive and red at the top of both
    colour bars, a rise negative and blue). ``underlay``: the middle panel is drawn in the
    image's pixel coordinates, each cell centred on its occluder's centre, over a faint
    greyscale copy of the image, with the ``boxes`` outlined on it too. ``scale``: the figure
    and its text this many times larger (above 1, colour-bar labels as large as the titles),
    for projecting it."""
    if signed and regularized:
        raise ValueError("signed: only with regularized=False (the regularised panels are positive)")
    if drop and not signed:
        raise ValueError("drop: only with signed=True (the unsigned middle panel shows the output itself)")
    heat = _pick(grid.heatmap, grid, index, k)
    reg = _pick(regularize_occlusion(grid.heatmap, percentile), grid, index, k)
    pixel = _pick(occlusion_map(grid), grid, index, k)
    cls = int(grid.targets[index, k])
    label = classifier.label(cls) if classifier is not None else f"class {cls}"
    base = float(grid.base[index, k])
    what = "probability" if grid.output == "prob" else "logit"
    img = image_array(x[index : index + 1], classifier)

    n = 5 if regularized else 3
    fig = Figure(figsize=(3.1 * n * scale, 3.4 * scale), layout="constrained")
    big, small, tiny = _font_sizes(scale)
    axes = list(fig.subplots(1, n))
    if not regularized:
        axes = axes[:2] + [None, None] + axes[2:]
    axes[0].imshow(img)
    wy, wx = grid.window
    cy, cx = grid.ys[len(grid.ys) // 2], grid.xs[len(grid.xs) // 2]
    draw_occluder(axes[0], cx, cy, wx, wy, occluder)
    axes[0].set_title(f"{label}: {what} {base:.3g}\noccluder {wx}x{wy}, stride {grid.stride[1]}", fontsize=big)
    extent = None
    if underlay:
        axes[1].imshow(img.mean(axis=2), cmap="gray", vmin=0, vmax=1, extent=_pixel_extent(img.shape[:2]))
        extent = _grid_extent(grid)
    shade = {"alpha": 0.75} if underlay else {}
    if signed:
        change = heat - base
        span = float(np.abs(change).max()) or 1.0
        shown, colours = (-change, "RdBu_r") if drop else (change, "RdBu")
        im = axes[1].imshow(shown, cmap=colours, vmin=-span, vmax=span, extent=extent, **shade)
        bar = fig.colorbar(ScalarMappable(im.norm, cmap=colours) if underlay else im, ax=axes[1], shrink=0.8)
        bar.set_label(f"{what} drop (unoccluded {base:.2f}; negative: a rise)" if drop else f"change of the {what} (unoccluded {base:.2f})", fontsize=small)
        axes[1].set_title(f"{'drop' if drop else 'change'} of the {what} per occluder\nposition ({len(grid.ys)}x{len(grid.xs)} grid)", fontsize=big)
    else:
        im = axes[1].imshow(heat, cmap=cmap, extent=extent, **shade)
        fig.colorbar(ScalarMappable(im.norm, cmap=cmap) if underlay else im, ax=axes[1], shrink=0.8)
        axes[1].set_title(f"{what} per occluder position\n({len(grid.ys)}x{len(grid.xs)} grid)", fontsize=big)
    if underlay:
        axes[1].set_xlim(-0.5, img.shape[1] - 0.5)
        axes[1].set_ylim(img.shape[0] - 0.5, -0.5)
        if boxes:
            draw_boxes(axes[1], boxes, fontsize=tiny)
    if regularized:
        im = axes[2].imshow(reg, cmap=cmap, vmin=0, vmax=1)
        fig.colorbar(im, ax=axes[2], shrink=0.8)
        axes[2].set_title(f"regularised (percentile {percentile:g})", fontsize=big)
        axes[3].imshow(occlusion_projection(img, reg))
        axes[3].set_title("projection on the image", fontsize=big)
    if signed:
        span = float(np.abs(pixel).max()) or 1.0
        axes[4].imshow(_weighted_overlay(img, pixel, span, "RdBu_r", True))
        axes[4].set_title(f"per-pixel mean drop (max {pixel.max():.3f},\nmin {pixel.min():.3f})", fontsize=big)
        bar = fig.colorbar(ScalarMappable(Normalize(-span, span), cmap="RdBu_r"), ax=axes[4], shrink=0.8)
        bar.set_label(f"{what} drop (negative: a rise)", fontsize=small)
    else:
        axes[4].imshow(overlay(img, pixel, normalize="positive"))
        axes[4].set_title(f"per-pixel mean drop (max {pixel.max():.3g})", fontsize=big)
    if not regularized and not signed:
        top = float(max(pixel.max(), 0.0)) or 1.0
        bar = fig.colorbar(ScalarMappable(Normalize(0.0, top), cmap="jet"), ax=axes[4], shrink=0.8)
        bar.set_label(f"{what} drop", fontsize=small)
    for bar_ax in fig.axes[n:] if scale != 1.0 else ():
        bar_ax.tick_params(labelsize=small)
    for ax in (axes[0], axes[4]) if boxes else ():
        draw_boxes(ax, boxes, fontsize=tiny)
    for ax in axes:
        if ax is not None:
            ax.set_xticks([])
            ax.set_yticks([])
    return fig


def occlusion_maps(
    classifier: Classifier | None,
    x: torch.Tensor,
    maps: torch.Tensor,
    titles: list[str] | None = None,
    index: int = 0,
    what: str | Sequence[str] = "probability drop",
    cmap: str | None = None,
    signed: bool = False,
    boxes: Sequence[Sequence[int]] | dict | None = None,
    photo: bool = False,
    scale: float = 1.0,
) -> Figure:
    """Maps over the image, one panel per map: ``maps`` ``(N,K,H,W)`` (the K maps of image
    ``index``) or ``(N,H,W)`` (each image with its map). Positive values only, each panel
    on its own colour scale, from 0 to its own maximum, drawn as the panel's colour bar
    labelled ``what`` (one string for every panel, or one per panel: occlusion's
    probability drop, a Grad-CAM value, a RISE score...). ``cmap``: colour the maps with this
    colour map, each pixel's opacity proportional to its value (0 stays the photograph); the
    default (None) is the jet overlay of :func:`~cnnviz_lab.plot.overlay`. ``signed``: keep
    negative values too, on a diverging scale centred at zero (default colour map ``RdBu_r``:
    negative blue, positive red) from minus to plus each panel's largest magnitude.
    ``boxes``: boxes ``(x0, y0, x1, y1)`` drawn on every panel, a list (white) or
    ``{name: list of boxes}`` (one colour per name, labelled). ``photo``: a first panel
    with the image itself (of ``maps`` ``(N,K,H,W)``: image ``index``). ``scale``: the figure
    and its text this many times larger, for projecting it."""
    big, small, tiny = _font_sizes(scale)
    m = maps.detach()
    if m.dim() == 4:
        panels = [(x[index : index + 1], m[index, k]) for k in range(m.shape[1])]
    else:
        panels = [(x[i : i + 1], m[i]) for i in range(m.shape[0])]
    labels = [what] * len(panels) if isinstance(what, str) else list(what)
    if len(labels) != len(panels):
        raise ValueError(f"what: one label for all panels or one per panel ({len(panels)}), got {len(labels)}")
    fig = Figure(figsize=((3.3 * len(panels) + 2.9 * photo) * scale, 3.4 * scale), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(panels) + int(photo), width_ratios=[2.9] * photo + [3.3] * len(panels)))
    if photo:
        axes[0].imshow(image_array(x[index : index + 1], classifier))
        axes[0].set_title("the photo", fontsize=big)
        axes[0].set_axis_off()
        axes = axes[1:]
    for i, (ax, (img, amap)) in enumerate(zip(axes, panels)):
        a = to_numpy(amap)
        top = float(np.abs(a).max()) if signed else float(max(a.max(), 0.0))
        top = top if top > 0 else 1.0
        if signed or cmap is not None:
            colours = cmap or "RdBu_r"
            ax.imshow(_weighted_overlay(image_array(img, classifier), a, top, colours, signed))
        else:
            colours = "jet"
            ax.imshow(overlay(image_array(img, classifier), normalize_map(a, "positive")))
        ax.set_title(titles[i] if titles is not None and i < len(titles) else f"map {i}", fontsize=big)
        ax.set_axis_off()
        if boxes:
            draw_boxes(ax, boxes, fontsize=tiny)
        bar = fig.colorbar(ScalarMappable(Normalize(-top if signed else 0.0, top), cmap=colours), ax=ax, shrink=0.75, pad=0.02)
        bar.set_label(labels[i], fontsize=small)
        bar.ax.tick_params(labelsize=small - 1)
    return fig


def _logit_and_prob(name: str, pair) -> tuple[OcclusionGrid, OcclusionGrid]:
    if not isinstance(pair, (tuple, list)) or len(pair) != 2 or not all(isinstance(g, OcclusionGrid) for g in pair):
        raise TypeError(f"grids[{name!r}]: a pair of OcclusionGrid (one output='logit', one output='prob')")
    by_output = {g.output: g for g in pair}
    if set(by_output) != {"logit", "prob"}:
        raise ValueError(f"grids[{name!r}]: one grid with output='logit' and one with output='prob', got outputs {[g.output for g in pair]}")
    logit, prob = by_output["logit"], by_output["prob"]
    if (logit.ys, logit.xs, logit.window) != (prob.ys, prob.xs, prob.window) or not torch.equal(logit.targets.cpu(), prob.targets.cpu()):
        raise ValueError(f"grids[{name!r}]: the two grids must share positions, window and targets")
    return logit, prob


def occlusion_saturation(grids: dict[str, tuple[OcclusionGrid, OcclusionGrid]], index: int = 0, k: int = 0) -> Figure:
    """The softmax's saturation in the occlusion experiment. ``grids``: ``{image name: (grid,
    grid)}``, two runs of :func:`~cnnviz_lab.occlusion_grid` over the same positions, one with
    ``output="logit"`` and one with ``output="prob"``. One dot per occluder position: how much
    the target's logit ``z`` drops (x) against how much its probability ``p`` drops (y). The
    dashed curve of each image is the probability drop if only the target's logit fell, by
    ``d``, and every other logit stayed: ``p - p e^-d / (p e^-d + 1 - p)`` with ``p`` the
    unoccluded probability. Its slope at 0 is ``p (1 - p)`` (the softmax's derivative,
    ``dp/dz = p (1 - p)``): steep at ``p = 0.5``, flat near 1, so a confident class's
    probability hides logit drops that its logit shows (Zeiler & Fergus 2014 read the
    probability; the curve is what the softmax alone does to it)."""
    if not isinstance(grids, dict) or not grids:
        raise TypeError("grids: a non-empty dict {image name: (logit grid, prob grid)}")
    pairs = {name: _logit_and_prob(name, pair) for name, pair in grids.items()}
    fig = Figure(figsize=(6.0, 4.0), layout="constrained")
    ax = fig.subplots()
    for (name, (logit, prob)), colour in zip(pairs.items(), ("tab:blue", "tab:red", "tab:green", "tab:purple")):
        dz = to_numpy(logit.drop[index, k]).ravel()
        dp = to_numpy(prob.drop[index, k]).ravel()
        p = float(prob.base[index, k])
        ax.scatter(dz, dp, s=14, color=colour, alpha=0.8, label=f"{name} (p = {p:.2f}): one dot per square")
        d = np.linspace(min(float(dz.min()), 0.0), max(float(dz.max()), 0.0), 100)
        ax.plot(
            d,
            p - p * np.exp(-d) / (p * np.exp(-d) + 1 - p),
            color=colour,
            ls="--",
            lw=1.2,
            label=f"{name}: if only its logit moved (slope p(1-p) = {p * (1 - p):.2f})",
        )
    ax.axhline(0, color="grey", lw=0.6)
    ax.axvline(0, color="grey", lw=0.6)
    ax.set_xlabel("drop of the class logit (negative: a rise)")
    ax.set_ylabel("drop of the class probability")
    ax.set_title("the same squares, read as logit and as probability", fontsize=10)
    ax.legend(fontsize=8)
    return fig
