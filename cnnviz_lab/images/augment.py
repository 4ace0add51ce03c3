"""Data augmentation views: what the network sees after random crops, flips and colour shifts."""

from __future__ import annotations

import torch
from PIL import Image
from torchvision.transforms import v2

from .loading import ImageLike, load_image

AUGMENTATIONS = {
    "original": v2.Identity(),
    "random crop": v2.RandomResizedCrop(256, scale=(0.3, 0.8)),
    "horizontal flip": v2.RandomHorizontalFlip(p=1.0),
    "colour jitter": v2.ColorJitter(brightness=0.5, contrast=0.5, saturation=0.8, hue=0.15),
    "rotation": v2.RandomRotation(35),
    "grayscale": v2.Grayscale(num_output_channels=3),
    "blur": v2.GaussianBlur(9, sigma=(2.0, 3.0)),
    "crop + flip + jitter": v2.Compose([v2.RandomResizedCrop(256, scale=(0.4, 0.9)), v2.RandomHorizontalFlip(), v2.ColorJitter(0.4, 0.4, 0.4, 0.1)]),
}


def augment(image: ImageLike, names: list[str] | None = None, seed: int | None = 0) -> list[tuple[str, Image.Image]]:
    """``(name, augmented image)`` for each augmentation in ``names`` (default: all of
    :data:`AUGMENTATIONS`). ``seed`` makes the random ones repeatable."""
    img = load_image(image)
    chosen = names or list(AUGMENTATIONS)
    unknown = [n for n in chosen if n not in AUGMENTATIONS]
    if unknown:
        raise ValueError(f"unknown augmentation(s) {unknown}; choose from {list(AUGMENTATIONS)}")
    generator_state = torch.random.get_rng_state()
    try:
        if seed is not None:
            torch.manual_seed(seed)
        return [(n, AUGMENTATIONS[n](img)) for n in chosen]
    finally:
        if seed is not None:
            torch.random.set_rng_state(generator_state)
