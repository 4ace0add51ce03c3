"""Turning tensors into pictures: the only place the package normalises maps for display.

Attribution methods return raw values; these helpers scale them for the eye. Figures are
``matplotlib.figure.Figure`` objects made without pyplot, so a notebook shows each one
once (when it is the cell's value or passed to ``display``) and scripts can ``savefig``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np
import torch
from matplotlib import colormaps
from .figure import Figure
from PIL import Image

from ..images.loading import ImageLike, load_image


def to_numpy(t: torch.Tensor | np.ndarray) -> np.ndarray:
    """A detached CPU float numpy copy."""
    if isinstance(t, torch.Tensor):
        return t.detach().float().cpu().numpy()
    return np.asarray(t, dtype=np.float32)


def image_array(image: ImageLike, classifier=None, size: tuple[int, int] | None = None) -> np.ndarray:
    """An image as an ``HxWx3`` float array in [0, 1].

    A 4-D or 3-D tensor is taken as a model input and un-normalised with ``classifier``'s
    inverse preprocessing when one is given. Without one, a tensor in [0, 1] is shown as it
    is and any other (a bare network's normalised input, whose normalisation is unknown
    here) is shown min-max scaled to [0, 1], non-finite values as 0.
    """
    if isinstance(image, torch.Tensor):
        t = image[:1] if image.dim() == 4 else image
        if classifier is not None:
            image = classifier.deprocess(t)
        elif t.is_floating_point():
            t = torch.nan_to_num(t.detach().float().cpu(), nan=0.0, posinf=0.0, neginf=0.0)
            lo, hi = float(t.min()) if t.numel() else 0.0, float(t.max()) if t.numel() else 1.0
            if lo < 0 or hi > 1:
                t = (t - lo) / (hi - lo) if hi > lo else torch.zeros_like(t)
            image = t
    pil = load_image(image)
    if size is not None and pil.size != (size[1], size[0]):
        pil = pil.resize((size[1], size[0]), Image.BILINEAR)
    return np.asarray(pil, dtype=np.float32) / 255.0


def reduce_channels(attribution: torch.Tensor | np.ndarray, how: str = "absmax") -> np.ndarray:
    """Collapse a ``(3,H,W)`` attribution to ``(H,W)``: ``"absmax"`` (max of |value| over
    channels, Simonyan et al. 2013), ``"sum"``, ``"abssum"``, ``"l2"``, ``"max"`` or ``"min"``.
    A 2-D map passes through."""
    a = to_numpy(attribution)
    if a.ndim == 2:
        return a
    if a.ndim != 3:
        raise ValueError(f"expected (C,H,W) or (H,W), got shape {a.shape}")
    ops = {
        "absmax": lambda v: np.abs(v).max(0),
        "sum": lambda v: v.sum(0),
        "abssum": lambda v: np.abs(v).sum(0),
        "l2": lambda v: np.sqrt((v**2).sum(0)),
        "max": lambda v: v.max(0),
        "min": lambda v: v.min(0),
    }
    if how not in ops:
        raise ValueError(f"unknown reduction {how!r}; choose from {', '.join(ops)}")
    return ops[how](a)


def normalize_map(heatmap: torch.Tensor | np.ndarray, mode: str = "minmax", percentile: float = 100.0) -> np.ndarray:
    """Scale a map for display.

    ``"minmax"``: to [0, 1]; ``"abs"``: |map| / its ``percentile``; ``"positive"`` /
    ``"negative"``: the positive (or negated negative) part over its percentile, in [0, 1];
    ``"signed"``: map / percentile of |map|, in [-1, 1]. Values above the percentile are
    clipped (99 is a common choice for gradients). A constant map gives zeros, never NaN.
    """
    m = to_numpy(heatmap).astype(np.float64)
    m = np.nan_to_num(m)
    if m.size == 0:
        return m.astype(np.float32)
    if mode == "minmax":
        lo, hi = m.min(), np.percentile(m, percentile)
        span = hi - lo
        return (np.clip((m - lo) / span, 0, 1) if span > 0 else np.zeros_like(m)).astype(np.float32)
    if mode == "positive":
        m = np.maximum(m, 0)
    elif mode == "negative":
        m = np.maximum(-m, 0)
    elif mode in ("abs", "signed"):
        pass
    else:
        raise ValueError("mode must be minmax, abs, positive, negative or signed")
    scale = np.percentile(np.abs(m), percentile)
    if scale <= 0:
        return np.zeros_like(m, dtype=np.float32)
    if mode == "signed":
        return np.clip(m / scale, -1, 1).astype(np.float32)
    return np.clip(np.abs(m) / scale, 0, 1).astype(np.float32)


def colour_map_name(cmap: str | None, default: str) -> str:
    """``cmap`` checked to be the name of a matplotlib colour map; ``None`` gives ``default``."""
    if cmap is None:
        return default
    if not isinstance(cmap, str) or cmap not in colormaps:
        raise ValueError(f"cmap must be a matplotlib colour map name such as 'inferno', got {cmap!r}")
    return cmap


def colorize(heatmap: np.ndarray, cmap: str = "jet") -> np.ndarray:
    """A [0, 1] map as ``HxWx3`` RGB through a matplotlib colormap."""
    return colormaps[cmap](np.clip(heatmap, 0, 1))[..., :3].astype(np.float32)


def overlay(
    image: ImageLike, heatmap: torch.Tensor | np.ndarray, alpha: float = 0.5, cmap: str = "jet", gray: bool = True, classifier=None, normalize: str = "minmax"
) -> np.ndarray:
    """The heatmap, normalised and coloured, blended over the image (``HxWx3`` in [0, 1]).

    ``gray=True`` shows the image in greyscale underneath so the colours read as the map,
    as in the Grad-CAM paper's figures. The map is resized to the image when needed.
    """
    h = normalize_map(reduce_channels(heatmap), normalize)
    base = image_array(image, classifier)
    if h.shape != base.shape[:2]:
        h = np.asarray(Image.fromarray(h).resize((base.shape[1], base.shape[0]), Image.BILINEAR))
    if gray:
        base = np.repeat(base.mean(axis=2, keepdims=True), 3, axis=2)
    return np.clip((1 - alpha) * base + alpha * colorize(h, cmap), 0, 1)


def grid_axes(n: int, ncols: int, cell: float | tuple[float, float], pad: tuple[float, float] = (0.0, 0.0)) -> tuple[Figure, np.ndarray]:
    """A constrained-layout figure with room for ``n`` panels, ``ncols`` to a row (fewer when
    ``n`` is smaller), each ``cell`` inches (a side, or ``(width, height)``), plus ``pad``
    inches ``(width, height)`` for colour bars and titles; returns the figure and its
    ``(nrows, ncols)`` axes, all with their axes switched off."""
    ncols = max(1, min(ncols, n))
    nrows = max(1, -(-n // ncols))
    w, h = (cell, cell) if isinstance(cell, (int, float)) else cell
    fig = Figure(figsize=(w * ncols + pad[0], h * nrows + pad[1]), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False)
    for ax in axes.flat:
        ax.set_axis_off()
    return fig, axes


def mark_peak(ax, heatmap: np.ndarray, size: tuple[int, int]) -> None:
    """A white cross on the map's maximum, in the coordinates of an image of ``size`` (H,W).
    A maximum on (or next to) the image's edge is drawn 4 % of the side inside it, so the
    whole cross stays on its panel instead of straddling the gap to the next one."""
    r, c = np.unravel_index(int(np.argmax(heatmap)), heatmap.shape)
    sy, sx = size[0] / heatmap.shape[0], size[1] / heatmap.shape[1]
    my, mx = 0.04 * size[0], 0.04 * size[1]
    py = float(np.clip((r + 0.5) * sy - 0.5, my - 0.5, size[0] - 0.5 - my))
    px = float(np.clip((c + 0.5) * sx - 0.5, mx - 0.5, size[1] - 0.5 - mx))
    for colour, ms, mew in (("white", 11, 3), ("black", 8, 1.2)):
        ax.plot([px], [py], "x", color=colour, ms=ms, mew=mew, clip_on=False)


def image_grid(
    images: Sequence[np.ndarray], titles: Sequence[str] | None = None, ncols: int = 4, cell: float = 2.4, cmap: str | None = None, suptitle: str | None = None
) -> Figure:
    """A figure of images in a grid (2-D arrays use ``cmap``, default grey)."""
    n = len(images)
    fig, axes = grid_axes(n, ncols, cell, (0.0, 0.4 if suptitle else 0.0))
    for i, ax in enumerate(axes.flat):
        if i >= n:
            continue
        img = images[i]
        ax.imshow(img, cmap=(cmap or "gray") if np.ndim(img) == 2 else None, vmin=None if np.ndim(img) == 3 else None)
        if titles is not None and i < len(titles):
            ax.set_title(titles[i], fontsize=9)
    if suptitle:
        fig.suptitle(suptitle)
    return fig


def save_figure(fig: Figure, path: str | Path, dpi: int = 110) -> str:
    """Write a figure to ``path`` (PNG, PDF or SVG by extension), creating its folder, and
    return the path: the one figure saver of the package (the CLI and the gallery use it)."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=dpi, bbox_inches="tight")
    return str(out)
