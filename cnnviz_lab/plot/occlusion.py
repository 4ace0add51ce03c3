"""Figures of the occlusion experiment (Zeiler & Fergus 2014):
the output per occluder position, its regularised version, and its projection on the image."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import torch
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from .figure import Figure
from matplotlib.patches import Rectangle
from PIL import Image

from ..attribution.occlusion import OcclusionGrid, occlusion_map, regularize_occlusion
from ..images.loading import ImageLike
from ..models.classifier import Classifier
from .core import image_array, normalize_map, overlay, to_numpy


def _resize(m: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    return np.asarray(Image.fromarray(m.astype(np.float32)).resize((shape[1], shape[0]), Image.BILINEAR))


def occlusion_projection(image: ImageLike | torch.Tensor, regularized: torch.Tensor | np.ndarray,
                         classifier: Classifier | None = None) -> np.ndarray:
    """The occlusion projection: the image multiplied pixel by pixel by the regularised
    heatmap (resized to the image), so only what the network needs stays bright. ``HxWx3``."""
    base = image_array(image, classifier)
    m = np.clip(to_numpy(regularized), 0, 1)
    return base * _resize(m, base.shape[:2])[..., None]


def _pick(t: torch.Tensor, grid: OcclusionGrid, index: int, k: int) -> np.ndarray:
    t = t[index]
    return to_numpy(t if grid.squeeze else t[k])


def occlusion_experiment(classifier: Classifier | None, x: torch.Tensor, grid: OcclusionGrid,
                         index: int = 0, k: int = 0, percentile: float = 25.0, cmap: str = "viridis",
                         regularized: bool = True, boxes: Sequence[Sequence[int]] | None = None) -> Figure:
    """The occlusion experiment for image ``index`` (and class ``k`` of an
    ``(N,K)`` run), in five panels: the image with one occluder drawn to scale; the
    target's output as a function of the occluder position; the regularised heatmap
    (:func:`~cnnviz_lab.regularize_occlusion`); its projection on the image; and the
    per-pixel mean drop (:func:`~cnnviz_lab.occlusion`) over the image, with its colour bar.
    ``regularized=False`` leaves out the two regularised panels (three panels); ``boxes``:
    object boxes ``(x0, y0, x1, y1)`` in pixels of ``x``, outlined in white on the image and
    on the per-pixel map."""
    heat = _pick(grid.heatmap, grid, index, k)
    reg = _pick(regularize_occlusion(grid.heatmap, percentile), grid, index, k)
    pixel = _pick(occlusion_map(grid), grid, index, k)
    cls = int(grid.targets[index, k])
    label = classifier.label(cls) if classifier is not None else f"class {cls}"
    base = float(grid.base[index, k])
    what = "probability" if grid.output == "prob" else "logit"
    img = image_array(x[index:index + 1], classifier)

    n = 5 if regularized else 3
    fig = Figure(figsize=(3.1 * n, 3.4), layout="constrained")
    axes = list(fig.subplots(1, n))
    if not regularized:
        axes = axes[:2] + [None, None] + axes[2:]
    axes[0].imshow(img)
    wy, wx = grid.window
    cy, cx = grid.ys[len(grid.ys) // 2], grid.xs[len(grid.xs) // 2]
    axes[0].add_patch(Rectangle((cx - 0.5, cy - 0.5), wx, wy, fill=True, color="black", alpha=0.7))
    axes[0].set_title(f"{label}: {what} {base:.3g}\noccluder {wx}x{wy}, stride {grid.stride[1]}", fontsize=9)
    im = axes[1].imshow(heat, cmap=cmap)
    fig.colorbar(im, ax=axes[1], shrink=0.8)
    axes[1].set_title(f"{what} per occluder position\n({len(grid.ys)}x{len(grid.xs)} grid)", fontsize=9)
    if regularized:
        im = axes[2].imshow(reg, cmap=cmap, vmin=0, vmax=1)
        fig.colorbar(im, ax=axes[2], shrink=0.8)
        axes[2].set_title(f"regularised (percentile {percentile:g})", fontsize=9)
        axes[3].imshow(occlusion_projection(img, reg))
        axes[3].set_title("projection on the image", fontsize=9)
    axes[4].imshow(overlay(img, pixel, normalize="positive"))
    axes[4].set_title(f"per-pixel mean drop (max {pixel.max():.3g})", fontsize=9)
    if not regularized:
        top = float(max(pixel.max(), 0.0)) or 1.0
        bar = fig.colorbar(ScalarMappable(Normalize(0.0, top), cmap="jet"), ax=axes[4], shrink=0.8)
        bar.set_label(f"{what} drop", fontsize=8)
    for b in boxes or []:
        x0, y0, x1, y1 = (float(v) for v in b)
        for ax in (axes[0], axes[4]):
            ax.add_patch(Rectangle((x0 - 0.5, y0 - 0.5), x1 - x0, y1 - y0, fill=False, edgecolor="white", lw=1.2))
    for ax in axes:
        if ax is not None:
            ax.set_xticks([])
            ax.set_yticks([])
    return fig


def occlusion_maps(classifier: Classifier | None, x: torch.Tensor, maps: torch.Tensor,
                   titles: list[str] | None = None, index: int = 0,
                   what: str | Sequence[str] = "probability drop") -> Figure:
    """Maps over the image, one panel per map: ``maps`` ``(N,K,H,W)`` (the K maps of image
    ``index``) or ``(N,H,W)`` (each image with its map). Positive values only, each panel
    on its own colour scale, from 0 to its own maximum, drawn as the panel's colour bar
    labelled ``what`` (one string for every panel, or one per panel: occlusion's
    probability drop, a Grad-CAM value, a RISE score...)."""
    m = maps.detach()
    if m.dim() == 4:
        panels = [(x[index:index + 1], m[index, k]) for k in range(m.shape[1])]
    else:
        panels = [(x[i:i + 1], m[i]) for i in range(m.shape[0])]
    labels = [what] * len(panels) if isinstance(what, str) else list(what)
    if len(labels) != len(panels):
        raise ValueError(f"what: one label for all panels or one per panel ({len(panels)}), got {len(labels)}")
    fig = Figure(figsize=(3.3 * len(panels), 3.4), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(panels)))
    for i, (ax, (img, amap)) in enumerate(zip(axes, panels)):
        a = to_numpy(amap)
        top = float(max(a.max(), 0.0))
        ax.imshow(overlay(image_array(img, classifier), normalize_map(a, "positive")))
        ax.set_title(titles[i] if titles is not None and i < len(titles) else f"map {i}", fontsize=9)
        ax.set_axis_off()
        bar = fig.colorbar(ScalarMappable(Normalize(0.0, top if top > 0 else 1.0), cmap="jet"), ax=ax,
                           shrink=0.75, pad=0.02)
        bar.set_label(labels[i], fontsize=8)
        bar.ax.tick_params(labelsize=7)
    return fig
