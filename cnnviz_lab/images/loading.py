"""Images in, images out: loading anything image-like as RGB, and the bundled samples."""

from __future__ import annotations

import functools
import io
import os
import struct
import zlib
from pathlib import Path
from typing import Union

import numpy as np
import torch
from PIL import Image, ImageOps, UnidentifiedImageError

from ..core.config import offline
from ..core.errors import MissingFileError, NotAFileError, unknown_name

ImageLike = Union[str, os.PathLike, Image.Image, np.ndarray, torch.Tensor]


def _data_dir() -> Path:
    """``data/`` of a source checkout, else the copy installed as ``cnnviz_lab/data``."""
    package = Path(__file__).resolve().parent.parent
    for candidate in (package.parent / "data", package / "data"):
        if (candidate / "chelsea.png").exists():
            return candidate
    return package / "data"


DATA_DIR = _data_dir()
#: Sample name -> file in ``data/`` (author, licence and source of each: ``data/CREDITS.md``,
#: :func:`cnnviz_lab.credit`).
SAMPLES = {
    # real photographs (Wikimedia Commons via GCompris, KDE wallpapers)
    "drums_and_guitar": "drums_and_guitar.jpg",
    "kitten_with_yarn": "kitten_with_yarn.jpg",
    "bee_on_flower": "bee_on_flower.jpg",
    "owl_on_branch": "owl_on_branch.jpg",
    "german_shepherd": "german_shepherd.jpg",
    "red_panda": "red_panda.jpg",
    "giant_panda": "giant_panda.jpg",
    "schwerin_palace": "schwerin_palace.jpg",
    "chenonceau_castle": "chenonceau_castle.jpg",
    "colorful_cups": "colorful_cups.jpg",
    # scikit-image's photographs
    "cat": "chelsea.png",
    "coffee": "coffee.png",
    "astronaut": "astronaut.png",
    "rocket": "rocket.jpg",
    # collages of two scikit-image photos (kept while the notebooks still load them)
    "cat_and_coffee": "cat_and_coffee.png",
    "cup_on_bricks": "cup_on_bricks.png",
}
MAX_SIDE = 4096


#: Half a grey level: floats this far outside [0, 1] (rounding) still read as 0..1.
HALF_LEVEL = 0.5 / 255


def _float_to_uint8(a: np.ndarray, what: str) -> np.ndarray:
    """The float pixel rule of :func:`load_image` (see its docstring)."""
    a = a.astype(np.float64, copy=False)
    if not np.isfinite(a).all():
        bad = int((~np.isfinite(a)).sum())
        raise ValueError(f"{what}: {bad} pixel value(s) are NaN or infinite; an image needs finite values in [0, 1] (or 0..255)")
    lo, hi = float(a.min()), float(a.max())
    if lo < -HALF_LEVEL:
        raise ValueError(
            f"{what}: float pixel values must lie in [0, 1] (or 0..255), got min {lo:.4g}, "
            f"max {hi:.4g}; negative values look like a normalised model input: turn it "
            "back into an image with Classifier.deprocess(x) or Classifier.to_unit(x)"
        )
    if hi <= 1 + HALF_LEVEL:
        scale = 255.0
    elif 2.0 <= hi <= 255 + 0.5:
        scale = 1.0
    else:
        raise ValueError(
            f"{what}: float pixel values must lie in [0, 1] or clearly in 0..255 "
            f"(maximum between 2 and 255), got min {lo:.4g}, max {hi:.4g}; "
            "rescale it to [0, 1] first"
        )
    return (a * scale).round().clip(0, 255).astype(np.uint8)


def _to_uint8(array: np.ndarray, what: str = "source") -> np.ndarray:
    """8-bit pixels from an image array, by the rules of :func:`load_image`."""
    if array.dtype == np.uint8:
        return array
    if array.dtype == bool:
        return array.astype(np.uint8) * 255
    if np.issubdtype(array.dtype, np.integer):
        lo, hi = int(array.min()), int(array.max())
        if lo < 0 or hi > 65535:
            raise ValueError(f"{what}: integer pixel values must lie in 0..255 (8-bit) or 0..65535 (16-bit), got min {lo}, max {hi}")
        top = 65535 if hi > 255 else 255
        return (array.astype(np.float64) * 255.0 / top).round().clip(0, 255).astype(np.uint8)
    if np.issubdtype(array.dtype, np.floating):
        return _float_to_uint8(array, what)
    raise TypeError(f"{what}: an image array must hold integers, floats or booleans, got dtype {array.dtype}")


def _from_array(array: np.ndarray, what: str = "source") -> Image.Image:
    if array.ndim == 3 and array.shape[0] in (1, 3, 4) and array.shape[-1] not in (1, 3, 4):
        array = np.moveaxis(array, 0, -1)  # CHW -> HWC
    if array.ndim == 3 and array.shape[-1] == 1:
        array = array[..., 0]
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[-1] not in (3, 4)):
        raise ValueError(f"{what}: an image array must be HxW, HxWx3 or HxWx4 (or CxHxW), got shape {array.shape}")
    if array.size == 0:
        raise ValueError(f"{what}: the image array is empty (shape {array.shape})")
    return Image.fromarray(np.ascontiguousarray(_to_uint8(array, what)))


def _to_rgb(img: Image.Image, what: str = "source") -> Image.Image:
    """RGB from any PIL mode: alpha composited on white, 16-bit and float rescaled."""
    if img.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        return Image.fromarray(_to_uint8(np.asarray(img), f"{what} (mode {img.mode})")).convert("RGB")
    if img.mode == "P" and "transparency" in img.info:
        img = img.convert("RGBA")
    if img.mode in ("RGBA", "LA", "PA"):
        background = Image.new("RGBA", img.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, img.convert("RGBA")).convert("RGB")
    return img.convert("RGB")


# What Pillow's decoders raise on a damaged file: OSError ("image file is truncated",
# "broken data stream"), SyntaxError (a broken PNG chunk), EOFError, struct.error, zlib's
# error, ValueError, and DecompressionBombError (absurd dimensions).
_DECODE_ERRORS = (OSError, SyntaxError, EOFError, ValueError, struct.error, zlib.error, Image.DecompressionBombError)


def _decode(opener, where: str) -> Image.Image:
    """Open, fully decode and orient an image; any decoding failure names ``where``."""
    img = None
    try:
        img = opener()
        img.load()
        return ImageOps.exif_transpose(img) or img
    except UnidentifiedImageError as err:
        raise ValueError(f"{where} is not an image file Pillow can read") from err
    except (FileNotFoundError, PermissionError, IsADirectoryError):
        raise
    except _DECODE_ERRORS as err:
        if img is not None:
            img.close()
        raise ValueError(f"{where} is truncated or corrupt: {type(err).__name__}: {err}") from err


def _open(source: str | os.PathLike) -> Image.Image:
    text = os.fspath(source)
    if isinstance(text, bytes):
        text = os.fsdecode(text)
    if not text.strip():
        raise ValueError("source: an empty string is not an image path")
    if text.startswith(("http://", "https://")):
        if offline():
            raise RuntimeError(f"CNNVIZ_OFFLINE=1 forbids downloading {text}; use a local file")
        import urllib.request

        with urllib.request.urlopen(text, timeout=20) as response:  # noqa: S310 - user asked for it
            data = response.read()
        return _decode(lambda: Image.open(io.BytesIO(data)), f"{text} (downloaded)")
    path = Path(text).expanduser()
    if not path.exists():
        raise MissingFileError(f"no such image file: {path}")
    if path.is_dir():
        raise NotAFileError(f"{path} is a directory, not an image file")
    return _decode(lambda: Image.open(path), str(path))


def load_image(source: ImageLike, max_side: int | None = MAX_SIDE) -> Image.Image:
    """Load a path, URL, PIL image, numpy array or tensor as an RGB ``PIL.Image``.

    Greyscale, palette, RGBA (composited on white) and 16-bit images become 8-bit RGB;
    the EXIF orientation of photos is applied. Arrays may be HxW, HxWxC or CxHxW (read as
    CxHxW when the first axis is 1, 3 or 4 and the last is not); tensors (C,H,W), (H,W) or
    (1,C,H,W). An image whose longer side exceeds ``max_side`` is shrunk
    to it (never cropped); ``max_side=None`` keeps it whole.

    Pixel values of arrays and tensors (and of PIL images of mode ``I``/``F``):

    - ``uint8`` and ``bool`` are taken as they are;
    - other integers must lie in 0..255, or in 0..65535 (16-bit, used when the maximum
      exceeds 255); negative values or values above 65535 raise ``ValueError``;
    - floats must be finite (NaN or inf: ``ValueError``) and not below ``-0.5/255`` (a
      negative value is what a normalised model input holds: ``ValueError`` pointing to
      ``Classifier.deprocess``). Then the maximum decides: at most ``1 + 0.5/255``
      means [0, 1] (times 255, rounded); between 2 and 255.5 means clearly 0..255 (rounded
      as is, so a float photo in 0..255 is not read as all white); anything else (a
      maximum in (1, 2), ambiguous, or above 255.5) raises ``ValueError``. Values are
      clipped to 0..255 after scaling (the half-level tolerance absorbs rounding).

    A missing file raises ``FileNotFoundError``, a directory ``IsADirectoryError`` (each also a
    ``ValueError``: :class:`~cnnviz_lab.core.errors.MissingFileError`, ``NotAFileError``), a
    file that is not an image or is truncated or corrupt ``ValueError``; each names the path.
    URLs are refused when ``CNNVIZ_OFFLINE=1``. Errors about values name ``source``.
    """
    what = "source"
    if isinstance(source, Image.Image):
        img = ImageOps.exif_transpose(source) or source
    elif isinstance(source, torch.Tensor):
        t = source.detach().cpu()
        if t.dim() == 4:
            if t.shape[0] != 1:
                raise ValueError(f"source: load_image takes one image; got a batch of {t.shape[0]} (shape {tuple(t.shape)})")
            t = t[0]
        if t.is_complex():
            raise TypeError(f"source: an image tensor must be real, got dtype {t.dtype}")
        if t.dim() == 3 and t.shape[0] in (1, 3, 4):
            t = t.permute(1, 2, 0)  # tensors are (C,H,W), even a 1x1 or 3-pixel-wide one
        img = _from_array(t.double().numpy() if t.is_floating_point() else t.numpy())
    elif isinstance(source, np.ndarray):
        img = _from_array(source)
    elif isinstance(source, (str, os.PathLike)):
        img = _open(source)
        what = str(Path(os.fspath(source)).expanduser()) if not str(source).startswith("http") else str(source)
    else:
        raise TypeError(f"source: cannot load an image from {type(source).__name__}; pass a path, URL, PIL image, numpy array or tensor")
    img = _to_rgb(img, what)
    if max_side and max(img.size) > max_side:
        img = img.copy()
        img.thumbnail((max_side, max_side), Image.LANCZOS)
    return img


def sample_images() -> list[str]:
    """Names of the bundled sample images, real photographs first (author, licence and
    source of each: ``data/CREDITS.md`` and :func:`cnnviz_lab.credit`)."""
    return list(SAMPLES)


def sample_path(name: str) -> Path:
    """File path of a bundled sample image."""
    if not isinstance(name, str):
        raise TypeError(f"name: a sample image is named by a string ({', '.join(SAMPLES)}), got {type(name).__name__}")
    if name not in SAMPLES:
        raise unknown_name("sample image", name, list(SAMPLES), f"name: choose from {', '.join(SAMPLES)}")
    return DATA_DIR / SAMPLES[name]


@functools.lru_cache(maxsize=len(SAMPLES))
def _decoded_sample(name: str) -> Image.Image:
    return load_image(sample_path(name))


def sample_image(name: str = "cat") -> Image.Image:
    """A bundled sample image as RGB, by name (:func:`sample_images` lists them):

    - real photographs: ``drums_and_guitar`` (two objects, an electric guitar and a drum
      kit), ``kitten_with_yarn``, ``bee_on_flower`` (a small object), ``owl_on_branch``,
      ``german_shepherd``, ``red_panda``, ``giant_panda``, ``schwerin_palace``,
      ``chenonceau_castle`` (castle and dam), ``colorful_cups``;
    - scikit-image's photographs: ``cat``, ``coffee``, ``astronaut``, ``rocket``;
    - ``cat_and_coffee`` and ``cup_on_bricks``: collages of two of those.

    Several are CC BY: show :func:`cnnviz_lab.credit` with them. Hand-drawn object boxes:
    :func:`cnnviz_lab.sample_boxes`. Decoded once per session; each call returns a fresh copy."""
    return _decoded_sample(name).copy()
