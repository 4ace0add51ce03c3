"""Optimisation-based visualisation: activation maximisation, feature inversion, DeepDream.

Small composable parts in the spirit of Lucid/Lucent (Olah et al. 2017), with hooks that
always come off (they go through :func:`cnnviz_lab.core.hooks.capture`):

- :mod:`.objectives`: ``channel``, ``neuron``, ``class_logit``, ``dream``, ``content``,
  ``direction`` and the penalties ``l2``, ``alpha_norm``, ``total_variation``, plus
  ``blur``; they add and scale, and ``"blocks.8:12"`` means channel 12 of ``blocks.8``.
- :mod:`.param`: pixel and decorrelated-Fourier image parametrisations.
- :mod:`.transforms`: jitter, pad, random scale, random rotation, composable and seeded.
- :mod:`.locate`: where a part of the photo lies in a reconstruction (:func:`locate_patch`).
- :func:`maximize`, :func:`invert`, :func:`deepdream` and the general :func:`render` loop.
"""

from . import objectives, param, transforms
from .deepdream import CLASSIC_VGG16_DREAM, deepdream, dream_layers, dream_score, LITE_DREAM
from .inversion import feature_distance, invert
from .locate import contours, locate_patch, PatchMatch
from .compare import feature_correlation
from .examples import DatasetExamples, dataset_examples
from .receptive import effective_radius, effective_receptive_field, receptive_field
from .objectives import Objective, alpha_norm, as_objective, batch, blur, channel, class_logit, content, direction, dream, l2, neuron, total_variation
from .param import FourierImage, PixelImage
from .render import Rendering, centre_contrast, maximize, render

__all__ = [
    "CLASSIC_VGG16_DREAM",
    "feature_correlation",
    "DatasetExamples",
    "dataset_examples",
    "effective_radius",
    "effective_receptive_field",
    "FourierImage",
    "LITE_DREAM",
    "Objective",
    "PatchMatch",
    "PixelImage",
    "Rendering",
    "alpha_norm",
    "as_objective",
    "batch",
    "blur",
    "centre_contrast",
    "channel",
    "class_logit",
    "contours",
    "content",
    "deepdream",
    "direction",
    "dream",
    "dream_layers",
    "dream_score",
    "feature_distance",
    "invert",
    "l2",
    "locate_patch",
    "maximize",
    "neuron",
    "objectives",
    "param",
    "receptive_field",
    "render",
    "total_variation",
    "transforms",
]
