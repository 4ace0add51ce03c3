"""Figures and overlays. The only place in the package that normalises maps for display.

Every function returns a ``matplotlib.figure.Figure`` (or an RGB array for overlays).
"""

from .core import (colorize, image_array, image_grid, normalize_map, overlay, reduce_channels,
                   save_figure)
from .inspect import augmentations, feature_maps, filters, predictions
from .optvis import difference, dream, inversions, renderings, score_history

__all__ = ["augmentations", "colorize", "feature_maps", "filters", "image_array", "image_grid",
           "normalize_map", "overlay", "predictions", "reduce_channels", "save_figure",
           "difference", "dream", "inversions", "renderings", "score_history"]
