"""The ``Classifier``: a network bundled with what it takes to feed it and read it.

``load_model`` and ``wrap_model`` (in :mod:`cnnviz_lab.models`) make one; every function of
the package also takes a bare ``nn.Module`` (:func:`cnnviz_lab.core.gate.unwrap` tells them apart).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

import torch
import torchvision.transforms.functional as TF
from PIL import Image
from torch import nn
from torchvision.transforms._presets import ImageClassification

from ..core import checks
from ..core.errors import OutOfRangeError, UnknownNameError, close_matches
from ..images.loading import ImageLike, load_image
from ..core.state import frozen_forward
from ..core.gate import prepare_input
from ..core.outputs import class_output


def imagenet_categories() -> list[str]:
    """The 1000 ImageNet labels in torchvision's order (shipped with torchvision, offline)."""
    from torchvision.models._meta import _IMAGENET_CATEGORIES

    return list(_IMAGENET_CATEGORIES)


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

    def preprocess(self, image: ImageLike | Sequence[ImageLike], size: int | None = None, crop: bool = True) -> torch.Tensor:
        """Image(s) to a normalised ``(N,3,S,S)`` float tensor on the model's device.

        As the weights were trained: the shorter side is resized to ``resize_size`` and the
        centre ``S x S`` square is cut out (``S = size`` or the model's input size, and the
        resize scaled to match). So the borders of a non-square image are cropped away;
        ``crop=False`` instead resizes the whole image to ``S x S`` (changing its aspect).
        Accepts anything :func:`load_image` does, or a list of them (one batch).
        """
        size = checks.optional_positive_int(size, "size")
        crop = checks.flag(crop, "crop")
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
        """Raw class scores ``(N, classes)`` for an image or a preprocessed ``(N,3,H,W)``
        batch (checked by the input gate), without autograd, the model frozen; a model that
        returns a dict, a ``.logits`` object or a tuple gives its class output
        (:func:`cnnviz_lab.core.outputs.class_output`)."""
        x = image if isinstance(image, torch.Tensor) and image.dim() == 4 else self.preprocess(image)
        return class_output(frozen_forward(self.model, prepare_input(self.model, x, "image")))

    def predict(self, image: ImageLike | torch.Tensor, k: int = 5) -> list[tuple[int, str, float]] | list[list[tuple[int, str, float]]]:
        """Top-``k`` ``(index, label, probability)`` for one image; a list per image for a batch."""
        probs = self.logits(image).softmax(dim=1)
        k = checks.integer(k, "k", minimum=1, maximum=probs.shape[1], what=f"an int from 1 to the number of classes ({probs.shape[1]})")
        values, indices = probs.topk(k, dim=1)
        rows = [[(int(i), self.categories[int(i)], float(v)) for v, i in zip(vs, ids)] for vs, ids in zip(values.cpu(), indices.cpu())]
        return rows[0] if len(rows) == 1 else rows

    def class_index(self, name: str | int) -> int:
        """Index of a class label (case-insensitive, ``_`` and space alike); ints pass through.

        An unknown name raises ``UnknownNameError`` listing the closest labels.
        """
        if not isinstance(name, str):
            index = checks.integer(name, "class", what="a class name or an int index")
            if not 0 <= index < len(self.categories):
                raise OutOfRangeError(f"class index {index} out of range 0..{len(self.categories) - 1}")
            return index
        key = name.strip().lower().replace("_", " ")
        for i, label in enumerate(self.categories):
            if label.lower().replace("_", " ") == key:
                return i
        hints = close_matches(key, self.categories)
        raise UnknownNameError(f"unknown class {name!r} for {self.name}. Closest labels: {', '.join(hints) or 'none'}")

    def label(self, index: int) -> str:
        """The label of a class index."""
        return self.categories[int(index)]

    def __repr__(self) -> str:
        return (
            f"Classifier(name={self.name!r}, weights={self.weights!r}, device={str(self.device)!r}, input_size={self.input_size}, cam_layer={self.cam_layer!r})"
        )


__all__ = ["Classifier", "imagenet_categories"]
