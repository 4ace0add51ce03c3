"""Object boxes drawn by hand on the bundled photographs, in the pixels a model sees.

``data/boxes.json`` holds, per sample photo, its size and one or more labelled boxes
``(x0, y0, x1, y1)`` in the photo's own pixels (pixel corners: column ``c`` is inside when
``x0 <= c < x1``). A label is the ImageNet class of the object where the model's top-5 has
one (``"electric guitar"``, ``"drum"``, ``"giant panda"``...). :func:`sample_boxes` maps
them through :meth:`Classifier.preprocess` (shorter side resized, centre square cut out), so
they can go straight to :func:`~cnnviz_lab.pointing_game` (Zhang et al., *Top-down neural
attention by excitation backprop*, ECCV 2016) and :func:`~cnnviz_lab.energy_in_box`
(Wang et al., *Score-CAM*, CVPRW 2020); :func:`preprocess_boxes` does the same for boxes
drawn on any photo.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Sequence
from typing import Any

import torch

from ..core import checks
from .loading import DATA_DIR, sample_path

Box = tuple[int, int, int, int]

#: The resize and crop of torchvision's ImageNet preset (and of the offline model): the
#: shorter side goes to 256 for a 224 crop; other input sizes scale both together.
RESIZE_SIZE, CROP_SIZE = 256, 224
BOXES_FILE = "boxes.json"


@functools.lru_cache(maxsize=1)
def _table() -> dict[str, Any]:
    with open(DATA_DIR / BOXES_FILE, encoding="utf-8") as f:
        return json.load(f)


def boxed_samples() -> list[str]:
    """Names of the sample images that have hand-drawn object boxes."""
    return list(_table())


def _image_size(value: Any) -> tuple[int, int]:
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__") or len(value) != 2:
        raise TypeError(f"image_size must be the photo's (width, height) in pixels, got {value!r}")
    w, h = (checks.integer(v, "image_size", minimum=1, what="(width, height), two positive ints") for v in value)
    return w, h


def _corners(value: Any, name: str) -> tuple[float, float, float, float]:
    """Four pixel corners ``(x0, y0, x1, y1)``, whole or fractional, as floats."""
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__") or len(value) != 4:
        raise ValueError(f"{name}: expected four pixel corners (x0, y0, x1, y1), got {value!r}")
    x0, y0, x1, y1 = (
        checks.real(v.item() if isinstance(v, torch.Tensor) and v.numel() == 1 else v, name, what="a finite number (a pixel corner)") for v in value
    )
    return x0, y0, x1, y1


def _preset(model: Any) -> tuple[int, int]:
    """``(resize_size, crop_size)`` of a Classifier's preprocessing, or the ImageNet preset."""
    if model is None:
        return RESIZE_SIZE, CROP_SIZE
    transforms = getattr(model, "transforms", None)
    if transforms is None or not hasattr(transforms, "resize_size") or not hasattr(transforms, "crop_size"):
        raise TypeError(f"model must be None or a Classifier (cv.load_model(...)), whose preprocessing the boxes follow; got {type(model).__name__}")
    return int(transforms.resize_size[0]), int(transforms.crop_size[0])


def _resized(w: int, h: int, short: int) -> tuple[int, int]:
    """Size after torchvision's ``resize(img, short)``: the shorter side becomes ``short``,
    the longer one ``int(short * long / short_side)`` (truncated, as torchvision does)."""
    if w <= h:
        return short, int(short * h / w)
    return int(short * w / h), short


def _crop_origin(length: int, side: int) -> int:
    """Where the centre crop starts along one axis of the resized image, minus the padding
    torchvision adds first when the image is smaller than the crop."""
    pad = (side - length) // 2 if side > length else 0
    padded = length + (side - length if side > length else 0)
    return round((padded - side) / 2.0) - pad  # torchvision: int(round(...)), half to even


def preprocess_boxes(
    boxes: Sequence[Sequence[float]], image_size: Sequence[int], size: int | None = None, *, crop: bool = True, model: Any = None
) -> list[Box]:
    """Boxes drawn on a photo of ``image_size = (width, height)`` pixels, moved to the
    pixels of ``clf.preprocess(photo, size=size, crop=crop)``.

    With ``crop=True`` (the default, as the weights were trained): the shorter side is
    resized to ``resize_size * S / crop_size`` (``S = size``, default the model's input
    size; ``resize_size``/``crop_size`` are 256/224 unless ``model`` is a Classifier with
    another preset), exactly as torchvision sizes it, and the centre ``S x S`` square is cut
    out. With ``crop=False`` the photo is squeezed to ``S x S``. Each corner is scaled and
    shifted, rounded outwards (the object stays inside its box) and clipped to the crop; a
    box left with no area (its object was cropped away) is dropped. Returns ``(x0, y0, x1, y1)``
    int tuples, pixel corners with ``x1``/``y1`` exclusive.
    """
    w, h = _image_size(image_size)
    crop = checks.flag(crop, "crop")
    resize_size, crop_size = _preset(model)
    side = checks.optional_positive_int(size, "size") or crop_size
    if isinstance(boxes, (str, bytes)) or not hasattr(boxes, "__iter__"):
        raise TypeError(f"boxes must be a list of (x0, y0, x1, y1) boxes, got {type(boxes).__name__}")
    if crop:
        new_w, new_h = _resized(w, h, round(resize_size * side / crop_size))
        left, top = _crop_origin(new_w, side), _crop_origin(new_h, side)
    else:
        new_w, new_h, left, top = side, side, 0, 0
    sx, sy = new_w / w, new_h / h
    out = []
    for i, value in enumerate(boxes):
        x0, y0, x1, y1 = _corners(value, f"boxes[{i}]")
        if not (0 <= x0 < x1 <= w and 0 <= y0 < y1 <= h):
            raise ValueError(f"boxes[{i}] = {(x0, y0, x1, y1)!r} must satisfy 0 <= x0 < x1 <= {w} and 0 <= y0 < y1 <= {h} (the photo is {w}x{h} pixels)")
        # Round outwards; the 1e-9 keeps an exact corner (5.0000000001) from growing a pixel.
        nx0 = max(0, math.floor(x0 * sx - left + 1e-9))
        ny0 = max(0, math.floor(y0 * sy - top + 1e-9))
        nx1 = min(side, math.ceil(x1 * sx - left - 1e-9))
        ny1 = min(side, math.ceil(y1 * sy - top - 1e-9))
        if nx1 > nx0 and ny1 > ny0:
            out.append((nx0, ny0, nx1, ny1))
    return out


def sample_boxes(name: str, size: int | None = None, *, crop: bool = True, model: Any = None, original: bool = False) -> dict[str, list[Box]]:
    """The hand-drawn object boxes of a bundled photo, ``{label: [(x0, y0, x1, y1), ...]}``,
    in the pixels of ``clf.preprocess(cv.sample_image(name), size=size, crop=crop)`` (see
    :func:`preprocess_boxes`; ``model``: a Classifier whose resize and crop to follow).
    ``original=True`` gives them in the photo's own pixels instead.

    Labels are ImageNet class names (``clf.class_index(label)`` finds them). A label whose
    boxes were all cropped away maps to an empty list (the pointing game counts it a miss).
    Feed one label's list to :func:`~cnnviz_lab.pointing_game` or one box to
    :func:`~cnnviz_lab.energy_in_box`. :func:`boxed_samples` lists the photos that have boxes.
    """
    sample_path(name)  # unknown names: one clear error listing the samples
    table = _table()
    if name not in table:
        raise ValueError(f"name: the sample image {name!r} has no object boxes; the photos with boxes are {', '.join(table)}")
    entry = table[name]
    w, h = entry["size"]
    if original:
        if size is not None or model is not None or crop is not True:
            raise TypeError("original=True gives the photo's own pixels: leave size, crop and model unset")
        return {label: [tuple(b) for b in bxs] for label, bxs in entry["objects"].items()}
    return {label: preprocess_boxes(bxs, (w, h), size, crop=crop, model=model) for label, bxs in entry["objects"].items()}


__all__ = ["boxed_samples", "preprocess_boxes", "sample_boxes"]
