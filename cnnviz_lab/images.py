"""Images in, images out: loading anything image-like as RGB, and the bundled samples."""

from __future__ import annotations

import functools
import io
import os
from pathlib import Path
from typing import Union

import numpy as np
import torch
from PIL import Image, ImageOps, UnidentifiedImageError

from .config import offline
from .errors import unknown_name

ImageLike = Union[str, os.PathLike, Image.Image, np.ndarray, torch.Tensor]


def _data_dir() -> Path:
    """``data/`` of a source checkout, else the copy installed as ``cnnviz_lab/data``."""
    here = Path(__file__).resolve().parent
    for candidate in (here.parent / "data", here / "data"):
        if (candidate / "chelsea.png").exists():
            return candidate
    return here / "data"


DATA_DIR = _data_dir()
SAMPLES = {
    "cat": "chelsea.png",
    "coffee": "coffee.png",
    "cat_and_coffee": "cat_and_coffee.png",
    "cup_on_bricks": "cup_on_bricks.png",
    "astronaut": "astronaut.png",
    "rocket": "rocket.jpg",
}
MAX_SIDE = 4096


def _to_uint8(array: np.ndarray) -> np.ndarray:
    """Scale an integer or float array to 0..255 uint8 (floats are taken as 0..1)."""
    if array.dtype == np.uint8:
        return array
    if array.dtype == bool:
        return array.astype(np.uint8) * 255
    if np.issubdtype(array.dtype, np.integer):
        top = 65535 if array.max(initial=0) > 255 else 255
        return (array.astype(np.float64) * 255.0 / top).round().clip(0, 255).astype(np.uint8)
    return (np.nan_to_num(array.astype(np.float64)).clip(0, 1) * 255).round().astype(np.uint8)


def _from_array(array: np.ndarray) -> Image.Image:
    if array.ndim == 3 and array.shape[0] in (1, 3, 4) and array.shape[-1] not in (1, 3, 4):
        array = np.moveaxis(array, 0, -1)  # CHW -> HWC
    if array.ndim == 3 and array.shape[-1] == 1:
        array = array[..., 0]
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[-1] not in (3, 4)):
        raise ValueError(f"an image array must be HxW, HxWx3 or HxWx4 (or CxHxW), got {array.shape}")
    return Image.fromarray(_to_uint8(array))


def _to_rgb(img: Image.Image) -> Image.Image:
    """RGB from any PIL mode: alpha composited on white, 16-bit and float rescaled."""
    if img.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        return Image.fromarray(_to_uint8(np.asarray(img))).convert("RGB")
    if img.mode == "P" and "transparency" in img.info:
        img = img.convert("RGBA")
    if img.mode in ("RGBA", "LA", "PA"):
        background = Image.new("RGBA", img.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, img.convert("RGBA")).convert("RGB")
    return img.convert("RGB")


def _open(source: str | os.PathLike) -> Image.Image:
    text = str(source)
    if text.startswith(("http://", "https://")):
        if offline():
            raise RuntimeError(f"CNNVIZ_OFFLINE=1 forbids downloading {text}; use a local file")
        import urllib.request

        with urllib.request.urlopen(text, timeout=20) as response:  # noqa: S310 - user asked for it
            data = response.read()
        try:
            return Image.open(io.BytesIO(data))
        except UnidentifiedImageError as err:
            raise ValueError(f"{text} did not return an image") from err
    path = Path(source).expanduser()
    if not path.exists():
        raise FileNotFoundError(f"no such image file: {path}")
    try:
        img = Image.open(path)
        img.load()
    except UnidentifiedImageError as err:
        raise ValueError(f"{path} is not an image file PIL can read") from err
    return img


def load_image(source: ImageLike, max_side: int | None = MAX_SIDE) -> Image.Image:
    """Load a path, URL, PIL image, numpy array or tensor as an RGB ``PIL.Image``.

    Greyscale, palette, RGBA (composited on white) and 16-bit images become 8-bit RGB;
    the EXIF orientation of photos is applied. Arrays may be HxW, HxWxC or CxHxW, uint8 or
    float in [0, 1]; tensors (C,H,W) or (1,C,H,W) in [0, 1]. An image whose longer side
    exceeds ``max_side`` is shrunk to it (never cropped); ``max_side=None`` keeps it whole.
    A missing file raises ``FileNotFoundError`` with its path; a file that is not an image,
    ``ValueError`` naming it. URLs are refused when ``CNNVIZ_OFFLINE=1``.
    """
    if isinstance(source, Image.Image):
        img = source
    elif isinstance(source, torch.Tensor):
        t = source.detach().cpu()
        if t.dim() == 4:
            if t.shape[0] != 1:
                raise ValueError(f"load_image takes one image; got a batch of {t.shape[0]}")
            t = t[0]
        img = _from_array(t.float().numpy() if t.is_floating_point() else t.numpy())
    elif isinstance(source, np.ndarray):
        img = _from_array(source)
    elif isinstance(source, (str, os.PathLike)):
        img = _open(source)
    else:
        raise TypeError(f"cannot load an image from {type(source).__name__}")
    img = _to_rgb(ImageOps.exif_transpose(img) or img)
    if max_side and max(img.size) > max_side:
        img = img.copy()
        img.thumbnail((max_side, max_side), Image.LANCZOS)
    return img


def sample_images() -> list[str]:
    """Names of the bundled sample photographs (see ``data/LICENSE.md``)."""
    return list(SAMPLES)


def sample_path(name: str) -> Path:
    """File path of a bundled sample image."""
    if name not in SAMPLES:
        raise unknown_name("sample image", name, list(SAMPLES), f"choose from {', '.join(SAMPLES)}")
    return DATA_DIR / SAMPLES[name]


@functools.lru_cache(maxsize=len(SAMPLES))
def _decoded_sample(name: str) -> Image.Image:
    return load_image(sample_path(name))


def sample_image(name: str = "cat") -> Image.Image:
    """A bundled sample photograph as RGB: ``cat``, ``coffee``, ``cat_and_coffee``,
    ``cup_on_bricks`` (a small object in a scene), ``astronaut`` or ``rocket`` (all public
    domain / CC0, from scikit-image's data).
    Decoded once per session; each call returns a fresh copy."""
    return _decoded_sample(name).copy()
