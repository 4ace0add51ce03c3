"""Figures for the CAM family: heatmaps over the greyscale image, top-k rows, comparisons.

Each map is normalised here (min-max per map) for display only; the attribution functions
return raw values. The image underneath is the exact crop the model saw.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np
import torch
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize

from .figure import Figure

from ..attribution import registry
from ..attribution.architectures import ArchitectureMaps
from ..attribution.common import topk_targets
from ..models.classifier import Classifier
from ..images.loading import ImageLike
from .core import image_array, image_grid, normalize_map, overlay, to_numpy

MethodLike = str | Callable[..., torch.Tensor]


def _input(classifier: Classifier, image: ImageLike | torch.Tensor, size: int | None = None) -> torch.Tensor:
    if isinstance(image, torch.Tensor):
        return (image if image.dim() == 4 else image.unsqueeze(0))[:1].to(classifier.device)
    return classifier.preprocess(image, size=size)


def _layer(classifier: Classifier, layer: str | None) -> str:
    return layer or classifier.cam_layer


def cam_overlay(image: ImageLike | torch.Tensor, heatmap: torch.Tensor | np.ndarray,
                classifier: Classifier | None = None, title: str | None = None, alpha: float = 0.5,
                cmap: str = "jet") -> Figure:
    """Three panels: the image, the map alone, and the map over the greyscale image, with a
    colour bar: the map is stretched from its minimum to its maximum.

    ``image`` is a model input (un-normalised with ``classifier``) or any image; ``heatmap``
    an ``(H,W)`` map (a leading batch/target axis of size 1 is dropped).
    """
    h = to_numpy(heatmap)
    while h.ndim > 2 and h.shape[0] == 1:
        h = h[0]
    if h.ndim != 2:
        raise ValueError(f"expected one (H,W) map, got shape {h.shape}; index the image and class first")
    base = image_array(image[:1] if isinstance(image, torch.Tensor) and image.dim() == 4 else image,
                       classifier)
    fig = image_grid([base, normalize_map(h), overlay(base, h, alpha=alpha, cmap=cmap)],
                     ["image", f"map ({h.shape[0]}x{h.shape[1]})", "overlay"], ncols=3, cell=2.8,
                     cmap=cmap, suptitle=title)
    bar = fig.colorbar(ScalarMappable(Normalize(0, 1), cmap=cmap), ax=fig.axes, shrink=0.8, fraction=0.03,
                       pad=0.01, ticks=[0, 1])
    bar.ax.set_yticklabels(["min", "max"], fontsize=8)
    bar.set_label("the map's min to max", fontsize=8)
    return fig


def cam_row(classifier: Classifier, x: torch.Tensor, maps: Sequence[torch.Tensor | np.ndarray],
            titles: Sequence[str], suptitle: str | None = None, alpha: float = 0.5,
            show_image: bool = True, cell: float = 2.4, colorbar: bool = True) -> Figure:
    """The image followed by one overlay per map, each with its title. Each map is
    stretched from its own minimum (blue) to its own maximum (red); ``colorbar=True`` draws
    that scale once, beside the row."""
    base = image_array(x[:1], classifier)
    tiles = [overlay(base, m, alpha=alpha) for m in maps]
    names = list(titles)
    if show_image:
        tiles, names = [base] + tiles, ["image"] + names
    fig = image_grid(tiles, names, ncols=len(tiles), cell=cell, suptitle=suptitle)
    if colorbar:
        bar = fig.colorbar(ScalarMappable(Normalize(0, 1), cmap="jet"), ax=fig.axes, shrink=0.8,
                           fraction=0.02, pad=0.01, ticks=[0, 1])
        bar.ax.set_yticklabels(["min", "max"], fontsize=8)
        bar.set_label("each map: its own min to max", fontsize=8)
    return fig


def cam_topk(classifier: Classifier, image: ImageLike | torch.Tensor, k: int = 5,
             method: MethodLike = "gradcam", layer: str | None = None, alpha: float = 0.5,
             size: int | None = None, **kwargs: Any) -> Figure:
    """A row of class maps for the image's top-``k`` classes (one call of ``method`` with a
    ``(1,k)`` target), each titled with the label and its probability, as in the top-5
    figures of the Grad-CAM paper."""
    x = _input(classifier, image, size)
    targets = topk_targets(classifier, x, k)
    maps = registry.call(method, classifier, x, targets, layer=layer, **kwargs)[0]
    with torch.no_grad():
        probs = classifier.model(x).softmax(dim=1)[0]
    titles = [f"{classifier.label(t)}\n{probs[t]:.1%}" for t in targets[0].tolist()]
    return cam_row(classifier, x, list(maps), titles, alpha=alpha,
                   suptitle=f"{registry.label(method)} at {_layer(classifier, layer)}: top-{k} classes")


def cam_compare(classifier: Classifier, image: ImageLike | torch.Tensor, target: Any = None,
                methods: Sequence[MethodLike] = ("gradcam", "gradcam++", "layercam", "scorecam"),
                layer: str | None = None, options: dict[str, dict] | None = None,
                size: int | None = None, alpha: float = 0.5) -> Figure:
    """The same class explained by several CAM methods side by side. ``options`` gives
    extra keyword arguments per method name (e.g. ``{"scorecam": {"max_channels": 64}}``)."""
    x = _input(classifier, image, size)
    if target is None:
        target = int(topk_targets(classifier, x, 1)[0, 0])
    options = options or {}
    maps = [registry.call(m, classifier, x, target, layer=layer,
                          **options.get(m if isinstance(m, str) else registry.label(m), {}))[0] for m in methods]
    label = classifier.label(target if not isinstance(target, str) else classifier.class_index(target))
    return cam_row(classifier, x, maps, [registry.label(m) for m in methods], alpha=alpha,
                   suptitle=f"'{label}' at {_layer(classifier, layer)}")


def cam_by_layer(classifier: Classifier, image: ImageLike | torch.Tensor, layers: Sequence[str],
                 target: Any = None, method: MethodLike = "gradcam", size: int | None = None,
                 alpha: float = 0.5) -> Figure:
    """One class explained at several layers, early to late: early maps are sharp but not
    class specific, late maps are coarse (7x7) but pick out the object."""
    x = _input(classifier, image, size)
    if target is None:
        target = int(topk_targets(classifier, x, 1)[0, 0])
    maps = [registry.call(method, classifier, x, target, layer=name)[0] for name in layers]
    titles = list(layers)
    label = classifier.label(target if not isinstance(target, str) else classifier.class_index(target))
    return cam_row(classifier, x, maps, titles, alpha=alpha,
                   suptitle=f"{registry.label(method)} for '{label}' by layer")


def gradient_image(attribution: torch.Tensor | np.ndarray, percentile: float = 99.0) -> np.ndarray:
    """A signed ``(3,H,W)`` gradient as an RGB image: 0.5 grey where it is zero, each channel
    scaled by the ``percentile`` of ``|gradient|`` (the way guided backpropagation is drawn in
    Springenberg et al. 2014 and Selvaraju et al. 2017)."""
    a = to_numpy(attribution)
    if a.ndim != 3 or a.shape[0] != 3:
        raise ValueError(f"attribution: expected a (3,H,W) gradient, got shape {a.shape}")
    return np.clip(0.5 + 0.5 * normalize_map(a, "signed", percentile), 0, 1).transpose(1, 2, 0)


def cam_architectures(results: Sequence[ArchitectureMaps], label: str | None = None) -> Figure:
    """One row per network (:func:`architecture_maps`): the image, Grad-CAM at the model's
    CAM layer (its map size in the title), guided backpropagation and Guided Grad-CAM, every
    title naming the model."""
    tiles, titles = [], []
    for r in results:
        base = image_array(r.x, r.classifier)
        tiles += [base, overlay(base, r.gradcam), gradient_image(r.guided), gradient_image(r.guided_gradcam)]
        h, w = r.grid
        titles += [f"{r.name}", f"{r.name}: Grad-CAM\n{r.layer} ({h}x{w})",
                   f"{r.name}: guided backprop\nphase ratio {r.phase_ratio:.2f}", f"{r.name}:\nGuided Grad-CAM"]
    what = f" for '{label}'" if label else ""
    return image_grid(tiles, titles, ncols=4, cell=2.6, suptitle=f"Grad-CAM and guided backprop{what} by architecture")
