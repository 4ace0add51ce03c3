"""Figures for the CAM family: heatmaps over the greyscale image, top-k rows, comparisons.

Each map is normalised here for display only (min-max per map, or all maps of a row on one
signed scale with ``scale="signed"``); the attribution functions return raw values. The
image underneath is the exact crop the model saw.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np
import torch
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from PIL import Image

from .boxes import Boxes, _box_legend, _check_boxes, draw_boxes
from .figure import Figure

from ..core import checks
from ..attribution import registry
from ..attribution.common import topk_targets
from ..models.classifier import Classifier
from ..images.loading import ImageLike
from ..core.hooks import activations
from .core import colour_map_name, mark_peak, colorize, image_array, image_grid, normalize_map, overlay, reduce_channels, to_numpy

MethodLike = str | Callable[..., torch.Tensor]
SCALES = ("own", "signed")


def _input(classifier: Classifier, image: ImageLike | torch.Tensor, size: int | None = None) -> torch.Tensor:
    if isinstance(image, torch.Tensor):
        return (image if image.dim() == 4 else image.unsqueeze(0))[:1].to(classifier.device)
    return classifier.preprocess(image, size=size)


def _layer(classifier: Classifier, layer: str | None) -> str:
    return layer or classifier.cam_layer


def cam_overlay(
    image: ImageLike | torch.Tensor,
    heatmap: torch.Tensor | np.ndarray,
    classifier: Classifier | None = None,
    title: str | None = None,
    alpha: float = 0.5,
    cmap: str = "jet",
    map_title: str | None = None,
    fontsize: float | None = None,
) -> Figure:
    """Three panels: the image, the map alone, and the map over the greyscale image, with a
    colour bar: the map is stretched from its minimum to its maximum.

    ``image`` is a model input (un-normalised with ``classifier``) or any image; ``heatmap``
    an ``(H,W)`` map (a leading batch/target axis of size 1 is dropped). ``map_title`` names
    the middle panel (default ``"map (HxW)"``, the size of ``heatmap``; say "7x7 upsampled to
    224" when the map was upsampled). ``fontsize`` (for projection, e.g. 13): the panel
    titles' size, the title one point larger and the colour bar's label and ticks one point
    smaller, and larger panels; the default keeps 9-point titles and an 8-point colour bar.
    """
    if fontsize is not None and (isinstance(fontsize, bool) or not isinstance(fontsize, (int, float)) or not fontsize > 0):
        raise ValueError(f"fontsize: a positive number of points or None, not {fontsize!r}")
    h = to_numpy(heatmap)
    while h.ndim > 2 and h.shape[0] == 1:
        h = h[0]
    if h.ndim != 2:
        raise ValueError(f"expected one (H,W) map, got shape {h.shape}; index the image and class first")
    base = image_array(image[:1] if isinstance(image, torch.Tensor) and image.dim() == 4 else image, classifier)
    fig = image_grid(
        [base, normalize_map(h), overlay(base, h, alpha=alpha, cmap=cmap)],
        ["image", map_title or f"map ({h.shape[0]}x{h.shape[1]})", "overlay"],
        ncols=3,
        cell=2.8 if fontsize is None else 3.4,
        cmap=cmap,
        suptitle=title,
    )
    small = 8 if fontsize is None else fontsize - 1
    if fontsize is not None:
        for ax in fig.axes:
            ax.title.set_fontsize(fontsize)
        if title:
            fig.suptitle(title, fontsize=fontsize + 1)
    bar = fig.colorbar(ScalarMappable(Normalize(0, 1), cmap=cmap), ax=fig.axes, shrink=0.8, fraction=0.03, pad=0.01, ticks=[0, 1])
    bar.ax.set_yticklabels(["min", "max"], fontsize=small)
    bar.set_label("the map's min to max", fontsize=small)
    return fig


def _signed_tiles(base: np.ndarray, maps: Sequence[torch.Tensor | np.ndarray], alpha: float, cmap: str) -> tuple[list[np.ndarray], float]:
    """Each map over the greyscale ``base`` on ONE signed scale: ``-v`` to ``+v`` with ``v``
    the largest ``|value|`` of all maps, 0 in the colormap's middle. Returns the tiles and ``v``."""
    arrays = [np.nan_to_num(to_numpy(m).astype(np.float64)) for m in maps]
    v = max((float(np.abs(a).max()) for a in arrays), default=0.0) or 1.0
    grey = np.repeat(base.mean(axis=2, keepdims=True), 3, axis=2)
    tiles = []
    for a in arrays:
        scaled = ((np.clip(a / v, -1, 1) + 1) / 2).astype(np.float32)
        if scaled.shape != base.shape[:2]:
            scaled = np.asarray(Image.fromarray(scaled).resize((base.shape[1], base.shape[0]), Image.BILINEAR))
        tiles.append(np.clip((1 - alpha) * grey + alpha * colorize(scaled, cmap), 0, 1))
    return tiles, v


def cam_row(
    classifier: Classifier,
    x: torch.Tensor,
    maps: Sequence[torch.Tensor | np.ndarray],
    titles: Sequence[str],
    suptitle: str | None = None,
    alpha: float = 0.5,
    show_image: bool = True,
    cell: float = 2.4,
    colorbar: bool = True,
    boxes: Boxes | None = None,
    scale: str = "own",
    scale_label: str | None = None,
    peaks: bool = False,
    fontsize: float = 9,
    legend: bool | str = False,
    cmap: str | None = None,
    clip: float | None = None,
) -> Figure:
    """The image followed by one overlay per map, each with its title.

    ``scale="own"`` (default): each map is stretched from its own minimum (blue) to its own
    maximum (red), which hides how strong a map is and where it is negative; ``colorbar=True``
    draws that scale once, beside the row. ``scale="signed"``: all maps on one signed scale
    centred on 0 (blue negative, white 0, red positive; the limit is the largest ``|value|``
    of all maps, in the maps' own units), with a numbered colour bar titled ``scale_label``.
    ``boxes`` (``{label: [(x0, y0, x1, y1), ...]}`` in ``x``'s pixels, or one list of boxes):
    outlined on every panel, labelled on the image; ``peaks=True`` marks each map's maximum
    with a cross (the pointing game's pixel). ``fontsize``: the panel titles' size in points
    (colour-bar and box labels one point smaller); raise it for a figure meant to be projected.
    ``legend=True`` adds a legend of the box labels under the row (each label's colour and line
    style; with ``peaks=True`` also the cross, "map's maximum"); a string titles that legend
    (default "hand-drawn boxes") and leaves the image unlabelled. ``cmap``: a matplotlib colour
    map name (default ``"jet"`` on the own scale, ``"RdBu_r"`` on the signed one).
    ``clip`` (own scale only, e.g. 99): each map's colour scale ends at that percentile of the
    map, higher values drawn as its maximum, so one sharp peak does not turn the rest dark;
    the colour bar says so, and the crosses still mark the true maxima."""
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {SCALES}, got {scale!r}")
    _check_boxes(boxes)
    fontsize = checks.real(fontsize, "fontsize", minimum=2.0)
    if not isinstance(legend, (bool, str)):
        raise TypeError(f"legend must be True, False or a legend title (str), got {type(legend).__name__}")
    if clip is not None:
        clip = checks.real(clip, "clip", minimum=1.0, maximum=100.0)
        if scale != "own":
            raise ValueError(f"clip: a percentile for the own scale only (scale='own'), not scale={scale!r}")
    base = image_array(x[:1], classifier)
    cmap = colour_map_name(cmap, "jet" if scale == "own" else "RdBu_r")
    if scale == "own":
        shown = maps if clip is None else [np.minimum(a, np.percentile(a, clip)) for a in (reduce_channels(to_numpy(m).squeeze()) for m in maps)]
        tiles, limit = [overlay(base, m, alpha=alpha, cmap=cmap) for m in shown], 1.0
    else:
        tiles, limit = _signed_tiles(base, maps, alpha, cmap)
    names = list(titles)
    if show_image:
        tiles, names = [base] + tiles, ["image"] + names
    fig = image_grid(tiles, names, ncols=len(tiles), cell=cell, suptitle=suptitle)
    small = fontsize - 1
    if fontsize != 9:
        for ax in fig.axes:
            ax.title.set_fontsize(fontsize)
        if suptitle:
            fig.suptitle(suptitle, fontsize=fontsize + 1)
    panels = fig.axes[: len(tiles)]
    map_axes = panels[1:] if show_image else panels
    if boxes is not None:
        for i, ax in enumerate(panels):
            draw_boxes(ax, boxes, label=show_image and i == 0 and not isinstance(legend, str), fontsize=small)
    if peaks:
        for ax, m in zip(map_axes, maps):
            mark_peak(ax, reduce_channels(to_numpy(m).squeeze()), base.shape[:2])
    if legend and boxes is not None:
        _box_legend(fig, boxes, small, peak=peaks, title=legend if isinstance(legend, str) else "hand-drawn boxes")
        fig.set_figheight(fig.get_figheight() + 0.5 + 0.1 * max(fontsize - 9, 0))  # room for the legend
    if colorbar and scale == "own":
        bar = fig.colorbar(ScalarMappable(Normalize(0, 1), cmap=cmap), ax=fig.axes, shrink=0.8, fraction=0.02, pad=0.01, ticks=[0, 1])
        bar.ax.set_yticklabels(["min", "max"], fontsize=small)
        bar.set_label("each map: its own min to max" if clip is None else f"each map: its min to its {clip:g}th percentile", fontsize=small)
    elif colorbar:
        bar = fig.colorbar(ScalarMappable(Normalize(-limit, limit), cmap=cmap), ax=fig.axes, shrink=0.8, fraction=0.02, pad=0.01)
        bar.ax.tick_params(labelsize=small)
        bar.set_label(scale_label or "all maps: one scale, 0 = white", fontsize=small)
    return fig


def cam_topk(
    classifier: Classifier,
    image: ImageLike | torch.Tensor,
    k: int = 5,
    method: MethodLike = "gradcam",
    layer: str | None = None,
    alpha: float = 0.5,
    size: int | None = None,
    boxes: Boxes | None = None,
    peaks: bool = False,
    scale: str = "own",
    suptitle: str | None = None,
    scale_label: str | None = None,
    fontsize: float = 9,
    cmap: str | None = None,
    logits: bool = False,
    **kwargs: Any,
) -> Figure:
    """A row of class maps for the image's top-``k`` classes (one call of ``method`` with a
    ``(1,k)`` target), each titled with the label and its probability, as in the top-5
    figures of the Grad-CAM paper; ``logits=True`` puts the logit S_c (what a CAM explains)
    before the probability. ``boxes``, ``peaks``, ``scale``, ``scale_label``, ``fontsize`` and ``cmap``
    as in :func:`cam_row`; ``suptitle`` replaces the default title ("method at layer: top-k")."""
    if not isinstance(logits, bool):
        raise TypeError(f"logits must be True or False, got {logits!r}")
    x = _input(classifier, image, size)
    targets = topk_targets(classifier, x, k)
    maps = registry.call(method, classifier, x, targets, layer=layer, **kwargs)[0]
    with torch.no_grad():
        scores = classifier.model(x)[0]
    probs = scores.softmax(dim=0)
    titles = [f"{classifier.label(t)}\n" + (f"S={scores[t]:.2f}, p={probs[t]:.1%}" if logits else f"{probs[t]:.1%}") for t in targets[0].tolist()]
    return cam_row(
        classifier,
        x,
        list(maps),
        titles,
        alpha=alpha,
        boxes=boxes,
        peaks=peaks,
        scale=scale,
        scale_label=scale_label,
        fontsize=fontsize,
        cmap=cmap,
        suptitle=suptitle or f"{registry.label(method)} at {_layer(classifier, layer)}: top-{k} classes",
    )


def cam_compare(
    classifier: Classifier,
    image: ImageLike | torch.Tensor,
    target: Any = None,
    methods: Sequence[MethodLike] = ("gradcam", "gradcam++", "layercam", "scorecam"),
    layer: str | None = None,
    options: dict[str, dict] | None = None,
    size: int | None = None,
    alpha: float = 0.5,
) -> Figure:
    """The same class explained by several CAM methods side by side. ``options`` gives
    extra keyword arguments per method name (e.g. ``{"scorecam": {"max_channels": 64}}``)."""
    x = _input(classifier, image, size)
    if target is None:
        target = int(topk_targets(classifier, x, 1)[0, 0])
    options = options or {}
    maps = [registry.call(m, classifier, x, target, layer=layer, **options.get(m if isinstance(m, str) else registry.label(m), {}))[0] for m in methods]
    label = classifier.label(target if not isinstance(target, str) else classifier.class_index(target))
    return cam_row(classifier, x, maps, [registry.label(m) for m in methods], alpha=alpha, suptitle=f"'{label}' at {_layer(classifier, layer)}")


def cam_by_layer(
    classifier: Classifier,
    image: ImageLike | torch.Tensor,
    layers: Sequence[str],
    target: Any = None,
    method: MethodLike = "gradcam",
    size: int | None = None,
    alpha: float = 0.5,
    boxes: Boxes | None = None,
    peaks: bool = False,
    sizes: bool = False,
    cell: float = 2.4,
    fontsize: float = 9,
    legend: bool = False,
    clip: float | None = None,
) -> Figure:
    """One class explained by a CAM-style ``method`` (Grad-CAM by default, Selvaraju et al.
    2017) at several layers, early to late: early maps are sharp but not
    class specific, late maps are coarse (7x7) but pick out the object. ``boxes`` and
    ``peaks``: as in :func:`cam_row`; ``sizes=True`` adds each layer's map size to its
    title ("blocks.3: 28x28, upsampled"). ``cell`` (inches per panel), ``fontsize``,
    ``legend`` and ``clip`` (a percentile that ends each map's colour scale): as in :func:`cam_row`."""
    if isinstance(layers, (str, bytes)) or not isinstance(layers, Sequence) or not layers:
        raise TypeError(f"layers must be a non-empty list of layer names, got {layers!r:.80}")
    x = _input(classifier, image, size)
    if target is None:
        target = int(topk_targets(classifier, x, 1)[0, 0])
    maps = [registry.call(method, classifier, x, target, layer=name)[0] for name in layers]
    titles = list(layers)
    if sizes:
        grids = {name: tuple(a.shape[-2:]) for name, a in activations(classifier, x, list(layers)).items()}
        titles = [f"{name}: {grids[name][0]}x{grids[name][1]},\nupsampled" for name in layers]
    label = classifier.label(target if not isinstance(target, str) else classifier.class_index(target))
    return cam_row(
        classifier,
        x,
        maps,
        titles,
        alpha=alpha,
        boxes=boxes,
        peaks=peaks,
        cell=cell,
        fontsize=fontsize,
        legend=legend,
        clip=clip,
        suptitle=f"{registry.label(method)} for '{label}' by layer",
    )
