"""Images in and out: loading any image as RGB, the bundled photographs and their credits, their
hand-drawn object boxes, and the augmentations notebooks show.

- ``loading``: ``load_image``, ``sample_image``, ``sample_images``, ``DATA_DIR``
- ``boxes``: the photographs' object boxes, resized with the image
- ``credits``: author, licence and source of each bundled file
- ``augment``: named torchvision augmentations, seeded
"""

from .augment import augment
from .boxes import boxed_samples, preprocess_boxes, sample_boxes
from .credits import credit
from .loading import DATA_DIR, SAMPLES, ImageLike, load_image, sample_image, sample_images

__all__ = [
    "DATA_DIR",
    "ImageLike",
    "SAMPLES",
    "augment",
    "boxed_samples",
    "credit",
    "load_image",
    "preprocess_boxes",
    "sample_boxes",
    "sample_image",
    "sample_images",
]
