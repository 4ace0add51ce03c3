"""Classic networks in the notebooks: the real one, or one plain sentence and nothing else.

Sections that show AlexNet, VGG16 or ResNet-50 need their ImageNet weights, which only come
from the internet. :func:`load_classic` gives the pretrained network when its weights are cached
or can be downloaded now; otherwise it shows one sentence (what the section would show and how
to get it) and returns None, so that the notebook draws no figure, prints no number and makes
no claim about a network it does not have::

    vgg = cv.load_classic("vgg16", shows="VGG16's guided-backprop map beside Lite0's")
    if vgg:
        cv.plot.saliency_maps(vgg, vgg.preprocess(img), ...)
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torchvision

from . import hub
from .classifier import Classifier
from .fallback import display_name


@dataclass(frozen=True)
class Missing:
    """The note a notebook shows where a classic network cannot be had (markdown, no emphasis):
    which weights are missing, what the section leaves out (``shows``), how to get them."""

    name: str
    shows: str
    size_mib: float | None

    @property
    def markdown(self) -> str:
        pretty = display_name(self.name)
        size = f" ({self.size_mib:.0f} MB)" if self.size_mib else ""
        return (
            f"{pretty}'s ImageNet weights{size} are not available here, so this section leaves out "
            f"{self.shows}. The weights download on first use wherever there is internet (Colab, "
            f"a laptop), or once with `cnnviz fetch {self.name}`."
        )

    def _repr_markdown_(self) -> str:
        return self.markdown

    def __str__(self) -> str:
        return self.markdown


def classic_available(name: str) -> bool:
    """Whether the default pretrained weights of torchvision model ``name`` are cached or can
    be downloaded now (never downloads; with offline mode on only the cache counts)."""
    if not isinstance(name, str) or name not in torchvision.models.list_models(module=torchvision.models):
        raise ValueError(f"name: {name!r} is not a torchvision classification model (see cnnviz_lab.list_models())")
    return hub.unavailable_reason(torchvision.models.get_model_weights(name).DEFAULT) is None


def load_classic(name: str, *, shows: str, device: str | torch.device = "auto") -> Classifier | None:
    """The pretrained torchvision classifier ``name`` (``load_model(name)``) when its weights can
    be had; else None, after displaying :class:`Missing`: one sentence saying what the section
    (``shows``: "VGG16's guided-backprop map beside Lite0's") would show and how to get it."""
    if not isinstance(shows, str) or not shows.strip():
        raise ValueError("shows: say in a few words what the section shows with this network")
    if classic_available(name):
        from .loading import load_model

        return load_model(name, device=device)
    weights = torchvision.models.get_model_weights(name).DEFAULT
    note = Missing(name, shows.strip(), hub.download_mib(weights))
    try:
        from IPython.display import display

        display(note)
    except ImportError:  # pragma: no cover - IPython ships with the notebooks' extra
        print(note.markdown)
    return None


__all__ = ["Missing", "classic_available", "load_classic"]
