"""Figures for gradient attributions (notebook 01): saliency maps, positive and negative
saliency, vanilla vs guided side by side, several methods in a row.

Gradients are raw and signed; here they become pictures. The Simonyan et al. (2013)
saliency map is ``max_c |grad_c|``; "positive" and "negative saliency" show the
parts of the gradient above and below zero as colour images: where brightening a pixel
would raise the class score, and where darkening it would.
"""

from __future__ import annotations

import textwrap
from typing import Mapping, Sequence

import numpy as np
import torch
from .boxes import outline

from .figure import Figure

from ..core import checks
from ..images.loading import ImageLike
from .core import colorize, image_array, normalize_map, reduce_channels, to_numpy

PERCENTILE = 99.0  # gradients have a few huge values: clip at the 99th percentile
GREY_SCALE = "each map: black = 0, white = that panel's own 99th percentile of |value| (brighter pixels clipped)"
COLOUR_SCALE = "each colour panel: black = 0, full colour = the 99th percentile of that panel's values, R, G and B together (brighter pixels clipped)"


def _size(fontsize: float) -> float:
    """``fontsize`` checked: the panel titles' and scale note's size in points (9 by default;
    about 12 reads well on a projected 1280x720 slide)."""
    return checks.real(fontsize, "fontsize", minimum=4.0)


def _note(fig: Figure, scale_note: bool, text: str, fontsize: float = 9) -> None:
    """State the panels' scale under the figure (``scale_note=True``), for a projected slide;
    above the default size the note is wrapped to the figure's width."""
    if checks.flag(scale_note, "scale_note"):
        if fontsize > 9:
            width = int(fig.get_figwidth() * 72 / (0.5 * fontsize))  # characters of about half an em
            text = "\n".join(textwrap.wrap(text, width))
            fig.set_figheight(fig.get_figheight() + 0.2 * text.count("\n") * fontsize / 9)
        fig.supxlabel(text, fontsize=fontsize)


def _one(attribution: torch.Tensor | np.ndarray) -> np.ndarray:
    a = to_numpy(attribution)
    while a.ndim > 3:
        if a.shape[0] != 1:
            raise ValueError(f"pass one image's attribution (3,H,W), got shape {a.shape}")
        a = a[0]
    return a


def saliency_map(attribution: torch.Tensor | np.ndarray, how: str = "absmax", percentile: float = PERCENTILE) -> np.ndarray:
    """A ``(3,H,W)`` gradient as an ``(H,W)`` map in [0, 1]: ``max_c |a_c|`` by default
    (Simonyan et al. 2013), clipped at its ``percentile``."""
    return normalize_map(reduce_channels(_one(attribution), how), "abs", percentile)


def signed_parts(attribution: torch.Tensor | np.ndarray, percentile: float = PERCENTILE) -> tuple[np.ndarray, np.ndarray]:
    """Positive and negative saliency as ``HxWx3`` colour images in [0, 1]:
    ``max(a, 0)`` and ``max(-a, 0)``, each scaled by its own ``percentile``."""
    a = _one(attribution)
    if a.ndim != 3:
        raise ValueError(f"expected a (3,H,W) attribution, got shape {a.shape}")
    pos = normalize_map(a, "positive", percentile).transpose(1, 2, 0)
    neg = normalize_map(a, "negative", percentile).transpose(1, 2, 0)
    return pos, neg


def map_correlation(a: torch.Tensor | np.ndarray, b: torch.Tensor | np.ndarray, how: str = "absmax") -> float:
    """Pearson correlation of two attributions as pictures: each ``(3,H,W)`` gradient (or
    ``(1,3,H,W)``) reduced over channels with ``how`` (``max_c |a_c|`` by default, the
    Simonyan et al. 2013 map), unclipped. 1 means the two maps are the same picture up to
    brightness and contrast; about 0, unrelated. 0 when either map is constant."""
    ma = reduce_channels(_one(a), how).astype(np.float64).ravel()
    mb = reduce_channels(_one(b), how).astype(np.float64).ravel()
    if ma.shape != mb.shape:
        raise ValueError(f"the two attributions must have the same size, got {_one(a).shape} and {_one(b).shape}")
    ma, mb = ma - ma.mean(), mb - mb.mean()
    den = float(np.sqrt((ma * ma).sum() * (mb * mb).sum()))
    return float((ma * mb).sum() / den) if den > 0 else 0.0


def saliency_maps(
    image: ImageLike, attribution: torch.Tensor | np.ndarray, classifier=None, title: str | None = None, scale_note: bool = False, fontsize: float = 9
) -> Figure:
    """Image, saliency map ``max_c |grad|``, positive and negative saliency in one row.
    ``scale_note=True`` states the panels' scale under the figure; ``fontsize``: its size
    and the panel titles' (points; e.g. 12 for projection)."""
    fontsize = _size(fontsize)
    pos, neg = signed_parts(attribution)
    arrays = [image_array(image, classifier), saliency_map(attribution), pos, neg]
    names = ["image", "|map| (max over RGB)", "positive saliency", "negative saliency"]
    fig = Figure(figsize=(10.5, 3.1 if scale_note else 2.9), layout="constrained")
    for ax, arr, name in zip(fig.subplots(1, 4), arrays, names):
        ax.imshow(arr, cmap="gray" if arr.ndim == 2 else None, vmin=0, vmax=1)
        ax.set_title(name, fontsize=fontsize)
        ax.set_axis_off()
    if title:
        fig.suptitle(title)
    _note(
        fig,
        scale_note,
        "|map|: black = 0, white = its 99th percentile; colour panels: full colour = the 99th "
        "percentile of the panel's values, R, G and B together (brighter pixels clipped)",
        fontsize,
    )
    return fig


def vanilla_vs_guided(
    image: ImageLike,
    vanilla: torch.Tensor | np.ndarray,
    guided: torch.Tensor | np.ndarray,
    classifier=None,
    title: str | None = None,
    scale_note: bool = False,
    fontsize: float = 9,
) -> Figure:
    """Positive and negative saliency, vanilla gradient on the left and
    guided backpropagation on the right, the image first. ``scale_note=True`` states the
    panels' scale under the figure; ``fontsize`` as in :func:`saliency_maps`."""
    fontsize = _size(fontsize)
    vp, vn = signed_parts(vanilla)
    gp, gn = signed_parts(guided)
    arrays = [image_array(image, classifier), vp, vn, gp, gn]
    names = ["image", "vanilla: positive", "vanilla: negative", "guided: positive", "guided: negative"]
    fig = Figure(figsize=(13, 3.1 if scale_note else 2.9), layout="constrained")
    for ax, arr, name in zip(fig.subplots(1, 5), arrays, names):
        ax.imshow(arr, vmin=0, vmax=1)
        ax.set_title(name, fontsize=fontsize)
        ax.set_axis_off()
    if title:
        fig.suptitle(title)
    _note(fig, scale_note, COLOUR_SCALE, fontsize)
    return fig


def compare_maps(
    image: ImageLike,
    attributions: Mapping[str, torch.Tensor | np.ndarray],
    classifier=None,
    how: str = "absmax",
    title: str | None = None,
    overlay_alpha: float = 0.0,
    scale_note: bool = False,
    fontsize: float = 9,
) -> Figure:
    """The image and one map per method in a row (``{name: (3,H,W) attribution}``), each
    reduced over channels with ``how`` and scaled to [0, 1]. ``overlay_alpha > 0`` draws the
    maps over the greyscale image instead of alone. ``scale_note=True`` states the scale
    under the figure; ``fontsize`` as in :func:`saliency_maps`."""
    fontsize = _size(fontsize)
    base = image_array(image, classifier)
    grey = np.repeat(base.mean(axis=2, keepdims=True), 3, axis=2)
    n = len(attributions) + 1
    fig = Figure(figsize=(max(2.6 * n, 8.0 if scale_note else 0.0), 3.1 if scale_note else 2.9), layout="constrained")
    axes = fig.subplots(1, n)
    axes[0].imshow(base)
    axes[0].set_title("image", fontsize=fontsize)
    for ax, (name, a) in zip(axes[1:], attributions.items()):
        m = saliency_map(a, how)
        if overlay_alpha > 0:
            ax.imshow(np.clip((1 - overlay_alpha) * grey + overlay_alpha * colorize(m, "inferno"), 0, 1))
        else:
            ax.imshow(m, cmap="gray", vmin=0, vmax=1)
        ax.set_title(name, fontsize=fontsize)
    for ax in axes:
        ax.set_axis_off()
    if title:
        fig.suptitle(title)
    _note(fig, scale_note, GREY_SCALE, fontsize)
    return fig


def class_maps(
    image: ImageLike,
    attribution: torch.Tensor | np.ndarray,
    labels: list[str],
    classifier=None,
    how: str = "absmax",
    title: str | None = None,
    scale_note: bool = False,
    fontsize: float = 9,
) -> Figure:
    """One map per target class, from a ``(K,3,H,W)`` (or ``(1,K,3,H,W)``) attribution
    (``scale_note``, ``fontsize``: see :func:`compare_maps`)."""
    a = to_numpy(attribution)
    if a.ndim == 5:
        a = a[0]
    if a.ndim != 4 or len(labels) != a.shape[0]:
        raise ValueError(f"need a (K,3,H,W) attribution and K labels, got {a.shape} and {len(labels)}")
    return compare_maps(image, {lab: a[i] for i, lab in enumerate(labels)}, classifier, how, title, scale_note=scale_note, fontsize=fontsize)


def maps_on_images(
    panels: Sequence[tuple[str, ImageLike, torch.Tensor | np.ndarray]],
    classifier=None,
    title: str | None = None,
    difference: bool = False,
    scale_note: bool = False,
    fontsize: float = 9,
) -> Figure:
    """Each ``(name, image, (3,H,W) attribution)`` as two panels in one row: the image, then
    its map ``max_c |a_c|`` (Simonyan et al. 2013) on that map's own 99th percentile.
    ``difference=True`` (two entries of the same size) adds ``max_c |a_2 - a_1|`` drawn on
    the *first* map's scale, so identical maps give a black panel. ``scale_note=True``
    states the scale under the figure; ``fontsize`` as in :func:`saliency_maps`."""
    fontsize = _size(fontsize)
    if not isinstance(panels, Sequence) or not panels or any(not isinstance(p, Sequence) or len(p) != 3 for p in panels):
        raise TypeError("panels: a non-empty sequence of (name, image, (3,H,W) attribution) triples")
    if checks.flag(difference, "difference") and len(panels) != 2:
        raise ValueError(f"difference=True compares two maps: pass two panels, got {len(panels)}")
    maps = [_one(a) for _, _, a in panels]
    n = 2 * len(panels) + (1 if difference else 0)
    if n > 8:
        raise ValueError(f"panels: at most 4 (image, map) pairs fit in one row, got {len(panels)}")
    fig = Figure(figsize=(2.6 * n, 3.1 if scale_note else 2.9), layout="constrained")
    axes = fig.subplots(1, n)
    for i, (name, image, _) in enumerate(panels):
        axes[2 * i].imshow(image_array(image, classifier))
        axes[2 * i].set_title("image", fontsize=fontsize)
        axes[2 * i + 1].imshow(saliency_map(maps[i]), cmap="gray", vmin=0, vmax=1)
        axes[2 * i + 1].set_title(name, fontsize=fontsize)
    if difference:
        if maps[0].shape != maps[1].shape:
            raise ValueError(f"difference=True needs two maps of the same shape, got {maps[0].shape} and {maps[1].shape}")
        scale = float(np.percentile(reduce_channels(maps[0], "absmax"), PERCENTILE)) or 1.0
        diff = reduce_channels(maps[1] - maps[0], "absmax") / scale
        axes[-1].imshow(np.clip(diff, 0, 1), cmap="gray", vmin=0, vmax=1)
        top = float(diff.max())
        axes[-1].set_title(f"difference (largest: {top:.0e} of\nthe first map's 99th pct)" if top > 0 else "difference (zero everywhere)", fontsize=fontsize)
    for ax in axes:
        ax.set_axis_off()
    if title:
        fig.suptitle(title)
    _note(fig, scale_note, GREY_SCALE + ("; the difference on the first map's scale" if difference else ""), fontsize)
    return fig


def signed_maps(
    image: ImageLike,
    attributions: Mapping[str, torch.Tensor | np.ndarray],
    classifier=None,
    title: str | None = None,
    percentile: float = PERCENTILE,
    boxes: Mapping[str, Sequence[Sequence[float]]] | None = None,
    ncols: int | None = None,
    state_scale: bool = False,
    reductions: Mapping[str, str] | None = None,
) -> Figure:
    """The image and one *signed* map per method (``{name: (3,H,W) attribution}``): each
    summed over the colour channels (the sum is what completeness adds up, Sundararajan et al.
    2017) and drawn on a diverging colour map centred on zero, red where the pixels raise the
    score and blue where they lower it, white at zero. Each panel is symmetric about zero at
    the ``percentile`` of its own ``|value|`` (stated by its colour bar). ``boxes``
    (``{object: [(x0, y0, x1, y1), ...]}`` in pixels, e.g. ``cv.sample_boxes``) are outlined on
    every panel, one colour per object, named in a legend on the image. ``ncols``: panels per
    row (default: all in one row), e.g. 3 for a 2x3 grid of six panels that stays readable when
    projected; ``state_scale=True`` also writes each panel's scale (the ``percentile`` of its
    ``|value|``) in its title, for maps whose scales differ by orders of magnitude.
    ``reductions``: ``{name: text}`` replacing the "(sum over RGB)" line of the named panels,
    for maps that never had colour channels (e.g. ``"one-channel map"`` for Grad-CAM)."""
    if not isinstance(attributions, Mapping) or not attributions:
        raise TypeError("attributions: a non-empty {name: (3,H,W) attribution} mapping")
    if ncols is not None and (isinstance(ncols, bool) or not isinstance(ncols, int) or ncols < 1):
        raise ValueError(f"ncols: expected a positive int or None, got {ncols!r}")
    if not isinstance(state_scale, bool):
        raise TypeError(f"state_scale: expected True or False, got {type(state_scale).__name__}")
    if reductions is not None and (not isinstance(reductions, Mapping) or any(k not in attributions or not isinstance(v, str) for k, v in reductions.items())):
        raise ValueError(f"reductions: expected {{panel name: text}} for names in {list(attributions)}, got {reductions!r}")
    base = image_array(image, classifier)
    n = len(attributions) + 1
    cols = min(ncols or n, n)
    rows = -(-n // cols)
    fig = Figure(figsize=(3.0 * cols, 3.0 * rows), layout="constrained")
    grid = fig.subplots(rows, cols, squeeze=False)
    for ax in grid.flat[n:]:
        ax.remove()
    axes = list(grid.flat[:n])
    axes[0].imshow(base)
    axes[0].set_title("image", fontsize=11)
    for ax, (name, a) in zip(axes[1:], attributions.items()):
        m = reduce_channels(_one(a), "sum")
        lim = float(np.percentile(np.abs(m), percentile)) or 1.0
        im = ax.imshow(m, cmap="RdBu_r", vmin=-lim, vmax=lim)
        scale = f"\nscale: ±{lim:.2g}" if state_scale else ""
        ax.set_title(f"{name}\n({(reductions or {}).get(name, 'sum over RGB')}){scale}", fontsize=11)
        fig.colorbar(im, ax=ax, shrink=0.8)
    if boxes:
        for (label, bxs), colour in zip(boxes.items(), ("black", "limegreen", "darkorange", "purple")):
            for ax in axes:
                for j, box in enumerate(bxs):
                    outline(ax, box, colour, ls="--", label=label if ax is axes[0] and j == 0 else None)
        axes[0].legend(loc="lower left", fontsize=8, framealpha=0.8)
    for ax in axes:
        ax.set_axis_off()
    if title:
        fig.suptitle(title)
    return fig
