"""Figures and overlays. The only place in the package that normalises maps for display.

Every function returns a ``matplotlib.figure.Figure`` (or an RGB array for overlays).
"""

from .core import (colorize, image_array, image_grid, normalize_map, overlay, reduce_channels,
                   save_figure)
from .inspect import augmentations, feature_maps, filters, predictions
from .saliency import (class_maps, compare_maps, saliency_map, saliency_maps, signed_parts,
                       vanilla_vs_guided)

__all__ = ["augmentations", "colorize", "feature_maps", "filters", "image_array", "image_grid",
           "normalize_map", "overlay", "predictions", "reduce_channels", "save_figure"]
__all__ += ["class_maps", "compare_maps", "saliency_map", "saliency_maps", "signed_parts",
            "vanilla_vs_guided"]
from .cam import cam_by_layer, cam_compare, cam_overlay, cam_row, cam_topk

__all__ += ["cam_by_layer", "cam_compare", "cam_overlay", "cam_row", "cam_topk"]
from .evaluation import curves, pointing, randomization
from .occlusion import occlusion_experiment, occlusion_maps, occlusion_projection

__all__ = ["augmentations", "colorize", "feature_maps", "filters", "image_array", "image_grid",
           "normalize_map", "overlay", "predictions", "reduce_channels", "save_figure"]
__all__ += ["curves", "occlusion_experiment", "occlusion_maps", "occlusion_projection", "pointing",
            "randomization"]
from .optvis import difference, dream, inversions, renderings, score_history

__all__ = ["augmentations", "colorize", "feature_maps", "filters", "image_array", "image_grid",
           "normalize_map", "overlay", "predictions", "reduce_channels", "save_figure",
           "difference", "dream", "inversions", "renderings", "score_history"]
from .evaluation import auc_scatter, sanity_curves, sanity_maps

__all__ += ["auc_scatter", "sanity_curves", "sanity_maps"]
