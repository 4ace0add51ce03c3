"""Figures for optimisation-based visualisation: rendered images, the difference to a start
image, inversions by depth, dreams next to their input, score curves."""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import torch
from .figure import Figure
from PIL import Image

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


def renderings(images: Sequence[ImageLike | torch.Tensor | Rendering] | torch.Tensor | Rendering,
               titles: Sequence[str] | None = None, ncols: int = 4, suptitle: str | None = None,
               cell: float = 2.2) -> Figure:
    """A grid of rendered images: a :class:`~cnnviz_lab.optvis.Rendering` (all its images),
    PIL images, Renderings, or an ``(N,3,H,W)`` RGB [0, 1] tensor."""
    if isinstance(images, Rendering):
        images = images.tensor
    items = list(images)
    return image_grid([_array(i) for i in items], titles, ncols=ncols, cell=cell, suptitle=suptitle)


def difference(result, title: str | None = None) -> Figure:
    """A render started from an image: the start image, the optimised image, and what the
    optimisation added: the size of the change per pixel, ``|x - x_0|`` (Euclidean over
    RGB, pixel values in [0, 1]) with a colour bar, and the signed change around mid-grey
    (grey = no change, full colour = the largest change, stated in the panel's title).
    Titled ``title``, else the objective in words (``Rendering.description``)."""
    diff = result.difference[0]
    mag = to_numpy(diff.pow(2).sum(0).sqrt())
    largest = float(diff.abs().max()) + 1e-12
    signed = np.clip(0.5 + 0.5 * to_numpy(diff).transpose(1, 2, 0) / largest, 0, 1)
    fig = Figure(figsize=(11.5, 3.2), layout="constrained")
    axes = fig.subplots(1, 4)
    panels = [(_array(result.start), "start image"), (_array(result.tensor[0]), "optimised"),
              (mag, "size of the change |x - x0|"), (signed, f"signed change (grey 0, full +/-{largest:.2f})")]
    for ax, (arr, name) in zip(axes, panels):
        im = ax.imshow(arr, cmap="magma" if arr.ndim == 2 else None, vmin=0 if arr.ndim == 2 else None)
        ax.set_title(name, fontsize=9)
        ax.set_axis_off()
        if arr.ndim == 2:
            fig.colorbar(im, ax=ax, shrink=0.8, label="change (pixel values 0..1)")
    fig.suptitle(title or getattr(result, "description", "") or result.objective)
    return fig


def inversions(target: ImageLike | torch.Tensor, images: Mapping[str, ImageLike | torch.Tensor],
               distances: Mapping[str, float] | None = None, cell: float = 2.4) -> Figure:
    """The original image followed by its reconstruction from each layer, titled with the
    layer and (optionally) the remaining relative feature distance."""
    titles = ["original"] + [f"{k}" + (f"\nd={distances[k]:.2f}" if distances and k in distances else "")
                             for k in images]
    return image_grid([_array(target)] + [_array(v) for v in images.values()], titles,
                      ncols=len(images) + 1, cell=cell)


def dream(before: ImageLike, after: ImageLike | Sequence[ImageLike], titles: Sequence[str] | None = None,
          cell: float = 3.2) -> Figure:
    """The input image next to one or more dreams of it."""
    afters = [after] if isinstance(after, (Image.Image, torch.Tensor, np.ndarray, str)) else list(after)
    names = ["input"] + list(titles or ["dream"] * len(afters))
    return image_grid([_array(before)] + [_array(a) for a in afters], names, ncols=len(afters) + 1, cell=cell)


def score_history(history: torch.Tensor, labels: Sequence[str] | None = None,
                  title: str = "objective per step") -> Figure:
    """The objective's value per step (one line per image of the batch)."""
    h = to_numpy(history)
    h = h[:, None] if h.ndim == 1 else h
    fig = Figure(figsize=(5, 3), layout="constrained")
    ax = fig.add_subplot()
    for i in range(h.shape[1]):
        ax.plot(h[:, i], label=labels[i] if labels else None)
    if labels:
        ax.legend(fontsize=8)
    ax.set_xlabel("step")
    ax.set_ylabel("score")
    ax.set_title(title)
    return fig


__all__ = ["difference", "dream", "inversions", "renderings", "score_history"]
