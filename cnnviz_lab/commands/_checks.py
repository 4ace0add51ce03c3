"""Checks ``cnnviz`` runs on its arguments before computing anything.

Each check raises ``ValueError`` (or ``FileNotFoundError`` / ``IsADirectoryError`` for the
image) with one line naming the option, its value and what is accepted; ``cli.main``
prints that line and exits with status 2. Nothing here writes a file: the output check
creates and removes a probe file only to learn whether the folder is writable.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path
from typing import Iterable

import torch

from ..core.config import offline

#: What ``--out`` may end with, by what writes it: a matplotlib figure or a PIL image.
FIGURE_FORMATS = ("png", "pdf", "svg", "svgz", "jpg", "jpeg", "tif", "tiff", "webp", "eps", "ps", "gif")
IMAGE_FORMATS = ("png", "jpg", "jpeg", "bmp", "gif", "tif", "tiff", "webp")
OUT_FORMATS = {"figure": FIGURE_FORMATS, "image": IMAGE_FORMATS, "figure+image": tuple(f for f in FIGURE_FORMATS if f in IMAGE_FORMATS), "table": ("csv",)}


def _existing_ancestor(path: Path) -> Path:
    """The deepest existing path on the way to ``path`` (``path`` itself when it exists)."""
    probe = path
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    return probe


def _check_writable_folder(folder: Path, option: str, value: str) -> None:
    """Refuse ``value`` unless a file can be created in ``folder`` (an existing directory)."""
    if not folder.is_dir():
        raise ValueError(f"{option} {value}: {folder} is a file, not a folder, so {value} cannot be created")
    try:
        with tempfile.TemporaryFile(dir=folder, prefix=".cnnviz-probe-"):
            pass
    except OSError as err:
        raise ValueError(f"{option} {value}: cannot write in {folder} ({err.strerror or err})") from None


def check_out_file(value: str, kind: str = "figure", option: str = "--out") -> None:
    """``--out`` names a file that can be written: not a folder, an extension the writer
    knows, in a folder that exists or can be created and is writable."""
    path = Path(value).expanduser()
    formats = OUT_FORMATS[kind]
    if path.is_dir() or value.endswith(("/", os.sep)):
        raise ValueError(f"{option} {value} is a folder; give a file name such as {path / ('out.' + formats[0])}")
    suffix = path.suffix.lower().lstrip(".")
    if suffix not in formats:
        what = f"extension .{suffix}" if suffix else "no extension"
        raise ValueError(f"{option} {value} has {what}; use one of: {', '.join('.' + f for f in formats)}")
    if path.exists():
        if not os.access(path, os.W_OK):
            raise ValueError(f"{option} {value}: the file exists and is not writable")
        _check_writable_folder(path.parent, option, value)
        return
    _check_writable_folder(_existing_ancestor(path.parent), option, value)


def check_out_folder(value: str, option: str = "--out") -> None:
    """``--out`` names a folder that exists or can be created, and is writable."""
    path = Path(value).expanduser()
    if path.exists() and not path.is_dir():
        raise ValueError(f"{option} {value} is a file; give a folder (it is created when missing)")
    _check_writable_folder(_existing_ancestor(path), option, value)


def check_image_argument(value: str) -> None:
    """The IMAGE argument: a URL (refused offline) or a file that exists and is not a folder."""
    if value.startswith(("http://", "https://")):
        if offline():
            raise ValueError(f"CNNVIZ_OFFLINE=1 forbids downloading {value}; use a local file")
        return
    path = Path(value).expanduser()
    if not path.exists():
        raise FileNotFoundError(f"no such image file: {path}")
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a directory, not an image file")


def check_device(value: str, option: str = "--device") -> None:
    """``auto``, ``cpu``, or an accelerator that this machine has."""
    if value == "auto":
        return
    try:
        dev = torch.device(value)
    except (RuntimeError, ValueError):
        raise ValueError(f"{option} {value!r} is not a device; use auto, cpu, cuda, cuda:N or mps") from None
    if dev.type == "cuda":
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if count == 0:
            raise ValueError(f"{option} {value}: no CUDA GPU is visible here; use --device auto or cpu")
        if dev.index is not None and dev.index >= count:
            raise ValueError(f"{option} {value}: only {count} CUDA GPU(s) here (cuda:0..cuda:{count - 1})")
    elif dev.type == "mps":
        mps = getattr(torch.backends, "mps", None)
        if mps is None or not mps.is_available():
            raise ValueError(f"{option} {value}: Apple's MPS is not available here; use --device auto or cpu")
    elif dev.type != "cpu":
        raise ValueError(f"{option} {value}: use auto, cpu, cuda, cuda:N or mps")


def check_size(value: int | None, option: str = "--size", smallest: int = 32) -> None:
    """An image side in pixels: ImageNet networks halve it five times, so at least 32."""
    if value is not None and not smallest <= value <= 4096:
        raise ValueError(f"{option} {value}: the image side must be from {smallest} to 4096 pixels")


def check_arguments(args: argparse.Namespace) -> None:
    """Everything that can be checked before a model is loaded: the image, ``--out``,
    ``--device`` and ``--size``. Commands say what ``--out`` is with ``out_kind``."""
    image = getattr(args, "image", None)
    if isinstance(image, str):
        check_image_argument(image)
    out, kind = getattr(args, "out", None), getattr(args, "out_kind", "figure")
    if out:
        if kind == "folder":
            check_out_folder(out)
        else:
            check_out_file(out, kind)
    if isinstance(getattr(args, "device", None), str):
        check_device(args.device)
    check_size(getattr(args, "size", None))


def class_of(clf, value: str | int, option: str = "--target") -> int:
    """A class given by index or label, checked against the model's classes."""
    n = len(clf.categories)
    if isinstance(value, int) or (isinstance(value, str) and value.lstrip("-").isdigit()):
        index = int(value)
        if not 0 <= index < n:
            raise ValueError(f"{option} {index}: {clf.name} has {n} classes, so a class index is 0..{n - 1}")
        return index
    try:
        return clf.class_index(value)
    except ValueError as err:  # UnknownNameError lists the closest labels
        raise ValueError(f"{option}: {err}") from None


def check_model_arguments(clf, args: argparse.Namespace) -> None:
    """Checks that need the model: ``--target`` (an index in range or a label) and
    ``--top`` (1..classes; 0 too where it means "off", ``top_may_be_zero``)."""
    target = getattr(args, "target", None)
    if target is not None:
        class_of(clf, target[len("seg:") :] if isinstance(target, str) and target.startswith("seg:") else target)
    top = getattr(args, "top", None)
    if top is not None:
        n = len(clf.categories)
        lowest = 0 if getattr(args, "top_may_be_zero", False) else 1
        if not lowest <= top <= n:
            off = " (0: off)" if lowest == 0 else ""
            raise ValueError(f"--top {top}: must be from {lowest} to {n}{off}, the number of classes of {clf.name}")


def check_channels(layer: str, available: int, channels: Iterable[int], option: str) -> None:
    """Channel indices of a layer with ``available`` channels."""
    bad = [c for c in channels if not 0 <= c < available]
    if bad:
        raise ValueError(f"{option}: {layer} has {available} channels (0..{available - 1}); got {bad[0]}")
