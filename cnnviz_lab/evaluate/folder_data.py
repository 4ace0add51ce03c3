"""The images of a folder and their boxes, ready for a ``torch.utils.data.DataLoader``.

- :func:`list_images`: a flat folder (images directly inside) or an ImageFolder layout (one
  sub-folder per class, images inside), in sorted order; files that are not images are
  skipped and counted.
- :func:`read_boxes`: bounding boxes from a JSON file (``{"file name": {"label":
  [[x0, y0, x1, y1], ...]}}``, or ``{"file name": [[x0, y0, x1, y1], ...]}``) or from Pascal
  VOC XML annotations (one ``.xml`` file, or a folder of them), in the original image's
  pixel corners.
- :class:`FolderImages`: the dataset; each item is the preprocessed image (resized and
  centre-cropped as the model's preset, on the CPU, so DataLoader workers can decode in
  parallel), its index, and its boxes moved into the cropped image's pixels.
"""

from __future__ import annotations

import json
import math
import os
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import torch
import torchvision.transforms.functional as TF
from PIL import Image, UnidentifiedImageError
from torchvision.transforms import InterpolationMode

from ..images.loading import load_image

#: File endings read as images.
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".ppm", ".pgm")

Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class Listing:
    """The images found: ``paths`` (absolute), ``names`` (relative to the folder, with ``/``;
    the CSV's ``image`` column), ``classes`` (the sub-folder of each image in an ImageFolder
    layout, else None) and ``skipped`` (files that are not readable images)."""

    paths: tuple[Path, ...]
    names: tuple[str, ...]
    classes: tuple[str | None, ...]
    skipped: tuple[str, ...]


def _readable(path: Path) -> bool:
    try:
        with Image.open(path) as im:
            im.verify()  # the header, and for PNG the chunks' checksums: a cut file is caught here
        return True
    except (UnidentifiedImageError, OSError, ValueError):
        return False


def list_images(folder: str | os.PathLike) -> Listing:
    """The images of ``folder``: the files directly inside it, and those one level down in
    sub-folders (ImageFolder: the sub-folder names the class). Hidden files are ignored;
    files without an image ending, or whose header PIL cannot read, are ``skipped``. A
    missing folder raises ``FileNotFoundError``, a file ``NotADirectoryError``, a folder
    without any image ``ValueError``; each names the path."""
    root = Path(folder).expanduser()
    if not root.exists():
        raise FileNotFoundError(f"no such folder: {root}")
    if not root.is_dir():
        raise NotADirectoryError(f"{root} is a file, not a folder of images")
    found: list[tuple[str, Path, str | None]] = []
    skipped: list[str] = []
    for entry in sorted(root.iterdir()):
        if entry.name.startswith("."):
            continue
        if entry.is_dir():
            for sub in sorted(entry.iterdir()):
                if sub.name.startswith(".") or sub.is_dir():
                    continue
                name = f"{entry.name}/{sub.name}"
                if sub.suffix.lower() in IMAGE_SUFFIXES and _readable(sub):
                    found.append((name, sub, entry.name))
                else:
                    skipped.append(name)
        elif entry.suffix.lower() in IMAGE_SUFFIXES and _readable(entry):
            found.append((entry.name, entry, None))
        else:
            skipped.append(entry.name)
    if not found:
        what = f" ({len(skipped)} other file(s), e.g. {skipped[0]})" if skipped else ""
        raise ValueError(f"no images in {root}{what}: put image files ({', '.join(IMAGE_SUFFIXES[:4])}, ...) in it or in one sub-folder per class")
    found.sort(key=lambda f: f[0])
    return Listing(tuple(p for _, p, _ in found), tuple(n for n, _, _ in found), tuple(c for _, _, c in found), tuple(skipped))


# --- boxes ------------------------------------------------------------------------------------
def _checked_box(value: object, where: str) -> Box:
    if (
        not isinstance(value, (list, tuple))
        or len(value) != 4
        or not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in value)
    ):
        raise ValueError(f"boxes: {where}: a box is four numbers [x0, y0, x1, y1], got {value!r:.80}")
    x0, y0, x1, y1 = (float(v) for v in value)
    if x1 <= x0 or y1 <= y0:
        raise ValueError(f"boxes: {where}: {list(value)} is not a box (x0 < x1 and y0 < y1)")
    return x0, y0, x1, y1


def _json_boxes(path: Path) -> dict[str, list[Box]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(f"boxes: {path} is not a JSON file ({err})") from None
    if not isinstance(data, dict):
        raise ValueError(f'boxes: {path} must hold an object {{"image file name": {{"label": [[x0, y0, x1, y1], ...]}}}}}}}}')
    out: dict[str, list[Box]] = {}
    for name, value in data.items():
        lists = value.values() if isinstance(value, dict) else [value]
        boxes: list[Box] = []
        for group in lists:
            if not isinstance(group, (list, tuple)):
                raise ValueError(f"boxes: {path}: {name}: expected a list of [x0, y0, x1, y1] boxes, got {group!r:.80}")
            if len(group) == 4 and all(isinstance(v, (int, float)) for v in group):
                group = [group]
            boxes += [_checked_box(b, f"{path.name}: {name}") for b in group]
        out[str(name)] = boxes
    return out


def _voc_file(path: Path) -> tuple[str, list[Box]]:
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as err:
        raise ValueError(f"boxes: {path} is not a Pascal VOC XML file ({err})") from None
    name = (root.findtext("filename") or path.with_suffix("").name).strip()
    boxes = []
    for obj in root.iter("object"):
        bb = obj.find("bndbox")
        if bb is None:
            continue
        try:
            coords = [float(bb.findtext(k)) for k in ("xmin", "ymin", "xmax", "ymax")]
        except (TypeError, ValueError):
            raise ValueError(f"boxes: {path}: an object's bndbox needs numbers xmin, ymin, xmax, ymax") from None
        boxes.append(_checked_box(coords, path.name))
    return name, boxes


def read_boxes(source: str | os.PathLike) -> dict[str, list[Box]]:
    """``{image file name: [(x0, y0, x1, y1), ...]}`` from a JSON file, a Pascal VOC
    ``.xml`` file, or a folder of VOC files (every label's boxes together; names are the
    JSON keys or the VOC ``<filename>``). Errors name the file and what is wrong."""
    path = Path(source).expanduser()
    if not path.exists():
        raise FileNotFoundError(f"no such boxes file or folder: {path}")
    if path.is_dir():
        files = sorted(path.glob("*.xml"))
        if not files:
            raise ValueError(f"boxes: {path} holds no Pascal VOC .xml file")
        return dict(_voc_file(f) for f in files)
    if path.suffix.lower() == ".xml":
        return dict([_voc_file(path)])
    if path.suffix.lower() == ".json":
        return _json_boxes(path)
    raise ValueError(f"boxes: {path} must be a .json file, a Pascal VOC .xml file or a folder of them")


def boxes_for(name: str, table: dict[str, list[Box]]) -> list[Box] | None:
    """The boxes of an image by its relative name, its file name, or its file stem."""
    for key in (name, name.rsplit("/", 1)[-1], Path(name).stem):
        if key in table:
            return table[key]
    return None


# --- the dataset ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Geometry:
    """The model's preprocessing (resize the shorter side, centre-crop, normalise) as plain
    values, so the dataset pickles into DataLoader workers."""

    side: int
    resize: int
    mean: tuple[float, ...]
    std: tuple[float, ...]
    interpolation: InterpolationMode = InterpolationMode.BILINEAR

    def boxes(self, boxes: Sequence[Box], width: int, height: int) -> list[Box]:
        """``boxes`` in the original image moved into the cropped image (as torchvision's
        resize and centre crop move pixels), clipped to it; boxes left outside are dropped."""
        short, long = (width, height) if width <= height else (height, width)
        new_long = int(self.resize * long / short)
        w2, h2 = (self.resize, new_long) if width <= height else (new_long, self.resize)
        top, left = int(round((h2 - self.side) / 2.0)), int(round((w2 - self.side) / 2.0))
        sx, sy = w2 / width, h2 / height
        out = []
        for x0, y0, x1, y1 in boxes:
            b = (
                min(max(x0 * sx - left, 0), self.side),
                min(max(y0 * sy - top, 0), self.side),
                min(max(x1 * sx - left, 0), self.side),
                min(max(y1 * sy - top, 0), self.side),
            )
            if b[2] > b[0] and b[3] > b[1]:
                out.append(b)
        return out


class FolderImages(torch.utils.data.Dataset):
    """Item ``i``: ``(x (3,S,S) float tensor, i, boxes in the crop or None)``."""

    def __init__(self, paths: Sequence[Path], geometry: Geometry, boxes: Sequence[list[Box] | None] | None = None) -> None:
        self.paths = list(paths)
        self.geometry = geometry
        self.box_lists = list(boxes) if boxes is not None else [None] * len(self.paths)

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, i: int):
        g = self.geometry
        try:
            img = load_image(self.paths[i], max_side=None)
        except (OSError, ValueError) as err:
            raise ValueError(f"cannot read the image {self.paths[i]}: {str(err).splitlines()[0][:200]}") from None
        width, height = img.size
        img = TF.resize(img, g.resize, interpolation=g.interpolation, antialias=True)
        img = TF.center_crop(img, [g.side, g.side])
        x = TF.normalize(TF.pil_to_tensor(img).float().div_(255.0), list(g.mean), list(g.std))
        boxes = self.box_lists[i]
        return x, i, (g.boxes(boxes, width, height) if boxes is not None else None)


def collate(items: list) -> tuple[torch.Tensor, list[int], list]:
    """A batch: stacked images, their indices, their boxes."""
    return torch.stack([it[0] for it in items]), [it[1] for it in items], [it[2] for it in items]


__all__ = ["Box", "FolderImages", "Geometry", "IMAGE_SUFFIXES", "Listing", "boxes_for", "collate", "list_images", "read_boxes"]
