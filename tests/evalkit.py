"""Tiny networks and image folders for the tests of ``cnnviz evaluate`` (importable by
``--model evalkit:tiny`` in-process and in the torchrun subprocesses)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from PIL import Image

from torch import nn


def tiny() -> nn.Module:
    """conv -> ReLU -> conv -> ReLU -> global average pool -> linear, 5 classes, fixed weights
    (the shape of conftest's TinyNet; defined here so subprocesses import it by name)."""
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Conv2d(3, 6, 3, padding=1), nn.ReLU(), nn.Conv2d(6, 8, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 5)
    ).eval()


def make_folder(root: Path, count: int = 5, *, classes: tuple[str, ...] = (), size: tuple[int, int] = (48, 40), seed: int = 0) -> list[str]:
    """``count`` random RGB images (``size`` = width, height) in ``root`` (flat) or spread over
    the sub-folders ``classes``; returns their names relative to ``root``."""
    rng = np.random.default_rng(seed)
    root.mkdir(parents=True, exist_ok=True)
    names = []
    for i in range(count):
        sub = classes[i % len(classes)] if classes else ""
        (root / sub).mkdir(exist_ok=True)
        name = f"{sub}/im{i}.png" if sub else f"im{i}.png"
        Image.fromarray((rng.random((size[1], size[0], 3)) * 255).astype("uint8")).save(root / name)
        names.append(name)
    return sorted(names)
