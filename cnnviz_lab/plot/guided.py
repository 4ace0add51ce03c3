"""Figures of guided backpropagation beside Grad-CAM (Springenberg et al. 2014; Selvaraju et
al. 2017): a signed gradient drawn as an RGB image, Guided Grad-CAM class by class, and one row
per architecture.

Each panel is scaled for display only (by a percentile of its own values); the attribution
functions return raw values. The image underneath is the exact crop the model saw.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import torch
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize

from .boxes import Box, Boxes, _check_boxes, draw_boxes, outline
from .figure import Figure

from ..attribution.architectures import ArchitectureMaps
from ..models.classifier import Classifier
from ..images.loading import ImageLike
from ..core import checks
from .core import image_array, image_grid, normalize_map, overlay, reduce_channels, to_numpy


def _finite_array(value: object, name: str) -> np.ndarray:
    """``value`` (a tensor or an array-like of numbers) as a float numpy array; a TypeError
    naming ``name`` if it is not numbers, a ValueError if it holds NaN or inf."""
    if isinstance(value, (str, bytes)) or value is None:
        raise TypeError(f"{name} must be a tensor or array of numbers, got {type(value).__name__}")
    try:
        a = to_numpy(value)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a tensor or array of numbers, got {type(value).__name__}") from None
    if not np.isfinite(a).all():
        raise ValueError(f"{name} has NaN or infinite values")
    return a


def _percentile(value: object) -> float:
    """``percentile`` checked to lie in (0, 100]."""
    p = checks.real(value, "percentile", minimum=0.0, maximum=100.0, what="a number > 0 and <= 100")
    if p == 0:
        raise ValueError("percentile must be a number > 0 and <= 100, got 0.0")
    return p


def gradient_image(attribution: torch.Tensor | np.ndarray, percentile: float = 99.0) -> np.ndarray:
    """A signed ``(3,H,W)`` gradient as an RGB image: 0.5 grey where it is zero, each channel
    divided by the ``percentile`` (in (0, 100]) of ``|gradient|`` and clipped, so that
    ``0.5 + 0.5 a / p`` lies in [0, 1] (the way guided backpropagation is drawn in
    Springenberg et al. 2014 and Selvaraju et al. 2017). Returns ``(H,W,3)`` in [0, 1]."""
    a = _finite_array(attribution, "attribution")
    if a.ndim != 3 or a.shape[0] != 3:
        raise ValueError(f"attribution: expected a (3,H,W) gradient, got shape {a.shape}")
    return np.clip(0.5 + 0.5 * normalize_map(a, "signed", _percentile(percentile)), 0, 1).transpose(1, 2, 0)


def cam_architectures(results: Sequence[ArchitectureMaps], label: str | None = None) -> Figure:
    """One row per network (:func:`architecture_maps`): the image, Grad-CAM at the model's
    CAM layer (its map size in the title), guided backpropagation and Guided Grad-CAM, every
    title naming the model (Selvaraju et al. 2017; Springenberg et al. 2014). ``results``: a
    non-empty list of :class:`~cnnviz_lab.attribution.architectures.ArchitectureMaps`;
    ``label``: the class's name for the title (None: no class named)."""
    if isinstance(results, (str, bytes)) or not isinstance(results, Sequence) or not results or not all(isinstance(r, ArchitectureMaps) for r in results):
        raise TypeError(f"results must be a non-empty list of ArchitectureMaps (cnnviz_lab.plot.architecture_maps), got {results!r:.80}")
    if label is not None and not isinstance(label, str):
        raise TypeError(f"label must be a str or None, got {type(label).__name__}")
    tiles, titles = [], []
    for r in results:
        base = image_array(r.x, r.classifier)
        tiles += [base, overlay(base, r.gradcam), gradient_image(r.guided), gradient_image(r.guided_gradcam)]
        h, w = r.grid
        titles += [
            f"{r.name}",
            f"{r.name}: Grad-CAM\n{r.layer} ({h}x{w})",
            f"{r.name}: guided backprop\nphase ratio {r.phase_ratio:.2f}",
            f"{r.name}:\nGuided Grad-CAM",
        ]
    what = f" for '{label}'" if label else ""
    return image_grid(tiles, titles, ncols=4, cell=2.6, suptitle=f"Grad-CAM and guided backprop{what} by architecture")


def guided_gradcam_row(
    image: ImageLike | torch.Tensor,
    guided: torch.Tensor | np.ndarray,
    guided_gradcam: torch.Tensor | np.ndarray,
    labels: Sequence[str],
    classifier: Classifier | None = None,
    boxes: Boxes | None = None,
    percentile: float = 99.0,
    title: str | None = None,
    *,
    cell: float = 2.4,
    fontsize: float | None = None,
    zoom: Box | None = None,
) -> Figure:
    """Guided backpropagation beside Guided Grad-CAM, class by class (Selvaraju et al. 2017):
    the image, then for each of the ``K`` classes in ``labels`` its guided-backpropagation map
    and its Guided Grad-CAM map. ``guided`` and ``guided_gradcam``: ``(K,3,H,W)`` (or
    ``(1,K,3,H,W)``) attributions. Each panel shows ``max_c |a_c|`` (the largest absolute value
    over the colour channels) divided by that panel's own ``percentile``, clipped to [0, 1],
    black to white, with one colour bar for that scale. ``boxes``: as in :func:`cam_row`.
    ``cell``: each panel's size in inches; ``fontsize`` (e.g. 12 for projection): the panel
    titles' size, the colour bar's and the box labels' one point smaller (default 9 and 8). ``zoom``, a pixel box
    ``(x0, y0, x1, y1)``: one more panel, that crop of the first class's Guided Grad-CAM map
    drawn pixel by pixel (so fine texture such as a stride-2 checkerboard shows), its box
    outlined in cyan on the panel it comes from."""
    _check_boxes(boxes)
    if fontsize is not None and (isinstance(fontsize, bool) or not isinstance(fontsize, (int, float)) or not fontsize > 0):
        raise ValueError(f"fontsize: a positive number of points or None, not {fontsize!r}")
    if isinstance(cell, bool) or not isinstance(cell, (int, float)) or not cell > 0:
        raise ValueError(f"cell: a positive panel size in inches, not {cell!r}")
    if isinstance(labels, (str, bytes)) or not isinstance(labels, Sequence) or not labels or not all(isinstance(n, str) for n in labels):
        raise TypeError(f"labels must be a non-empty list of class names (str), one per map, got {labels!r:.80}")
    if classifier is not None and not isinstance(classifier, Classifier):
        raise TypeError(f"classifier must be a Classifier or None, got {type(classifier).__name__}")
    if title is not None and not isinstance(title, str):
        raise TypeError(f"title must be a str or None, got {type(title).__name__}")
    percentile = _percentile(percentile)
    g, gg = _finite_array(guided, "guided"), _finite_array(guided_gradcam, "guided_gradcam")
    g, gg = (g[0] if g.ndim == 5 else g), (gg[0] if gg.ndim == 5 else gg)
    if g.ndim != 4 or g.shape != gg.shape or len(labels) != g.shape[0] or g.shape[1] != 3:
        raise ValueError(f"guided and guided_gradcam must both be (K,3,H,W) with K = len(labels) = {len(labels)}, got {tuple(g.shape)} and {tuple(gg.shape)}")
    base = image_array(image[:1] if isinstance(image, torch.Tensor) and image.dim() == 4 else image, classifier)
    if base.shape[:2] != g.shape[-2:]:
        raise ValueError(f"guided: the maps are {g.shape[-2]}x{g.shape[-1]} but the image is {base.shape[0]}x{base.shape[1]}; explain the image shown")
    tiles, names = [base], ["image"]
    for i, label in enumerate(labels):
        tiles += [normalize_map(reduce_channels(g[i], "absmax"), "abs", percentile), normalize_map(reduce_channels(gg[i], "absmax"), "abs", percentile)]
        names += [f"guided backprop:\n{label}", f"Guided Grad-CAM:\n{label}"]
    n_maps = len(tiles)
    if zoom is not None:
        try:
            x0, y0, x1, y1 = (int(v) for v in zoom)
        except (TypeError, ValueError):
            raise TypeError(f"zoom: a pixel box (x0, y0, x1, y1), not {zoom!r}") from None
        h, w = tiles[2].shape[:2]
        if not (0 <= x0 < x1 <= w and 0 <= y0 < y1 <= h):
            raise ValueError(f"zoom: the box {zoom!r} must lie inside the {w}x{h} map with x0 < x1 and y0 < y1")
        tiles.append(tiles[2][y0:y1, x0:x1])
        names.append(f"zoom: {labels[0]},\n{x1 - x0}x{y1 - y0} pixels")
    fig = image_grid(tiles, names, ncols=len(tiles), cell=cell, cmap="gray", suptitle=title)
    if boxes is not None:
        for i, ax in enumerate(fig.axes[:n_maps]):
            draw_boxes(ax, boxes, label=i == 0, fontsize=8 if fontsize is None else fontsize - 1)
    if zoom is not None:
        outline(fig.axes[2], (x0, y0, x1, y1), "cyan", lw=2)
        crop_ax = fig.axes[len(tiles) - 1]
        crop_ax.get_images()[0].set_interpolation("nearest")
        crop_ax.set_axis_on()
        crop_ax.set_xticks([])
        crop_ax.set_yticks([])
        for spine in crop_ax.spines.values():
            spine.set_edgecolor("cyan")
            spine.set_linewidth(2)
    if fontsize is not None:
        for ax in fig.axes[: len(tiles)]:
            ax.title.set_fontsize(fontsize)
        if title:
            fig.suptitle(title, fontsize=fontsize + 1)
    small = 8 if fontsize is None else fontsize - 1
    bar = fig.colorbar(ScalarMappable(Normalize(0, 1), cmap="gray"), ax=fig.axes, shrink=0.8, fraction=0.02, pad=0.01, ticks=[0, 1])
    bar.ax.set_yticklabels(["0", f"p{percentile:g}"], fontsize=small)
    bar.set_label(f"max over RGB of |value|,\neach panel / its {percentile:g}th percentile", fontsize=small)
    return fig
