"""One rule each for the defaults every family shares: ``batch_size``, ``seed``, ``progress``.

- ``batch_size=None``: :func:`batch_size` picks a measured default by device, model size and
  image size (``benchmarks/bench_batch_size.py`` shows each default against the
  alternatives). A batch size never changes a result, only speed and memory.
  Ablation-CAM's copies of a feature map per pass follow :func:`copies_per_pass`.
- ``seed=None``: unseeded. The randomness then comes from a seed drawn from torch's global
  generator, so ``torch.manual_seed`` still makes a whole script reproducible; an ``int``
  makes the call reproducible on its own (:func:`generator`).
- ``progress=None``: a ``tqdm.auto`` bar (a widget in Jupyter, text elsewhere) shows when
  the call runs the model on at least :data:`LONG_CALL` images; ``True``/``False`` force it.
  One bar per call, never a line per step; calls made inside a call that shows a bar show
  none, and in a notebook the bars of one cell share one widget (:mod:`cnnviz_lab.core.progress`).
  Downloads count bytes (:func:`byte_bar`).
"""

from __future__ import annotations

from typing import Iterable, Iterator

import torch
from torch import nn
from tqdm.auto import tqdm

from . import checks

#: A call that runs the model on at least this many images (forward, or forward and
#: backward) shows a progress bar when ``progress=None``.
LONG_CALL = 64

# Images per pass at 224 x 224 pixels, chosen with benchmarks/bench_batch_size.py. On a CPU
# the per-image cost grows with the batch (the activations leave the caches): ResNet-50
# forward 87 ms/image at 4, 98 at 16, 140 at 64; EfficientNet-Lite0 22, 40, 73; VGG-16 flat
# from 2 to 8; at 112 px ResNet-50 is fastest at 16 = 4 images' worth of 224-px pixels.
# With a backward pass 8 is a compromise: EfficientNet-Lite0 is fastest at 2-8, ResNet-50 at
# 16 (8 costs it 1.2-1.3x). On a GPU large
# batches fill the device (not measured in this project: the earlier defaults, 64 and 32),
# and models over 60 M parameters get half (a memory guard).
_REFERENCE_PIXELS = 224 * 224
_PER_PASS = {("cpu", False): 4, ("cpu", True): 8, ("cuda", False): 64, ("cuda", True): 32}
_LARGE_MODEL = 60_000_000
_MAX_BATCH = 256


def batch_size(value: int | None, module: nn.Module, x: torch.Tensor, *, backward: bool = False) -> int:
    """``value`` when given (checked: an int >= 1), else the default for this device, image
    size and model: 4 images of 224 px per forward pass on a CPU (8 with a backward pass),
    64 (32) on a GPU, where models over 60 M parameters get half; scaled by ``224^2 / (H W)``
    for other image sizes; at least 1 and at most 256."""
    chosen = checks.batch_size(value)
    if chosen is not None:
        return chosen
    kind = "cuda" if x.device.type == "cuda" else "cpu"
    base = _PER_PASS[(kind, backward)]
    if kind == "cuda" and sum(p.numel() for p in module.parameters()) > _LARGE_MODEL:
        base = max(1, base // 2)
    pixels = max(1, int(x.shape[-1]) * int(x.shape[-2]))
    return max(1, min(_MAX_BATCH, round(base * _REFERENCE_PIXELS / pixels)))


# Ablation-CAM's passes feed one image up to the layer and copies of its feature map after it;
# few large passes are fastest: on ResNet-50 layer4 at 224 px (2048 channels, 2 CPU cores) 64
# copies per pass took 115 s, 256 took 26 s, 334 took 22 s and 2048 took 5 s
# (benchmarks/compare_methods.py). The budget bounds the memory of the copies.
COPY_BUDGET = {"cpu": 256 * 2**20, "cuda": 2**30}
_MIN_COPIES = 16


def copies_per_pass(value: int | None, feature: torch.Tensor) -> int:
    """``value`` when given (checked as ``batch_size``), else how many copies of one image's
    feature map ``feature`` (``(N,C,h,w)``, the layer's output) a pass takes: as many as fit
    in 256 MiB on a CPU (1 GiB on CUDA), at least 16, at most the channel count ``C``."""
    chosen = checks.batch_size(value)
    if chosen is not None:
        return chosen
    per_copy = feature[0].numel() * feature.element_size()
    budget = COPY_BUDGET["cuda" if feature.device.type == "cuda" else "cpu"]
    return int(max(_MIN_COPIES, min(feature.shape[1], budget // max(1, per_copy))))


def seed_value(seed: int | None) -> int:
    """``seed`` checked (``None`` or an int); ``None`` (unseeded) becomes a seed drawn from
    torch's global generator."""
    value = checks.seed(seed)
    return int(torch.randint(0, 2**31 - 1, (1,))) if value is None else value


def generator(seed: int | None, device: torch.device | str = "cpu") -> torch.Generator:
    """A ``torch.Generator`` on ``device`` seeded with ``seed`` (:func:`seed_value`)."""
    gen = torch.Generator(device=torch.device(device))
    gen.manual_seed(seed_value(seed))
    return gen


def show_progress(progress: bool | None, images: int) -> bool:
    """Whether a call that runs the model on ``images`` images shows a bar."""
    if progress is None:
        return images >= LONG_CALL
    return checks.flag(progress, "progress")


def progress_bar(items: Iterable | None = None, *, images: int, progress: bool | None, desc: str, total: int | None = None, unit: str = "it") -> tqdm:
    """A ``tqdm.auto`` bar over ``items`` (or a manual one of ``total`` steps), shown as
    :func:`show_progress` says; it leaves nothing behind when done. Inside another call's
    visible bar it stays hidden, and in a notebook all bars of one cell share one widget
    (:mod:`cnnviz_lab.core.progress`): one bar per long call and per cell."""
    from . import progress as _progress

    return _progress.bar(items, total=total, desc=desc, unit=unit, show=show_progress(progress, images))


def byte_bar(*, desc: str, progress: bool, total: int | None = None) -> tqdm:
    """A ``tqdm.auto`` bar counting bytes (KiB, MiB... in powers of 1024) for a transfer of
    ``total`` bytes (``None``: unknown until the server says); ``progress`` shows it. Unlike
    the bars over images it stays on screen when done: a download says what it fetched."""
    return tqdm(total=total, desc=desc, unit="B", unit_scale=True, unit_divisor=1024, disable=not checks.flag(progress, "progress"))


def chunks(total: int, size: int, *, device: torch.device | str, progress: bool | None, desc: str) -> Iterator[torch.Tensor]:
    """Index tensors ``start..start+size-1`` covering ``range(total)`` (one per batch of
    work), under one progress bar (``total`` images: see :func:`show_progress`)."""
    starts = range(0, total, max(1, int(size)))
    for start in progress_bar(starts, images=total, progress=progress, desc=desc, unit="batch"):
        yield torch.arange(start, min(start + size, total), device=device)


__all__ = ["COPY_BUDGET", "LONG_CALL", "batch_size", "byte_bar", "chunks", "copies_per_pass", "generator", "progress_bar", "seed_value", "show_progress"]
