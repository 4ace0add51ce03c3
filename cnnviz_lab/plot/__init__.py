"""Figures and overlays. The only place in the package that normalises maps for display.

Every function returns a ``matplotlib.figure.Figure`` (or an RGB array for overlays).
"""

from .adversarial import attack, attack_budget, explanation_change, fooling_vs_visualisation
from .logit_steps import logit_changes

# architecture_maps and the phase_* functions compute (they live in cnnviz_lab.attribution.architectures);
# they stay reachable here because notebooks 04 and 06 call them as cv.plot.*.
from ..attribution.architectures import architecture_maps, phase_means, phase_ratio, phase_ratio_null
from .boxes import draw_boxes
from .cam import cam_by_layer, cam_compare, cam_overlay, cam_row, cam_topk
from .guided import cam_architectures, gradient_image, guided_gradcam_row
from .concepts import concept_examples, tcav, tcav_baseline, tcav_scores
from .dream_views import change_spectra, marked_grid, phase_tables
from .core import colorize, image_array, image_grid, normalize_map, overlay, reduce_channels, save_figure
from .auc_ranking import auc_bars
from .evaluation import auc_scatter, curves, metric_bars, randomization, sanity_curves, sanity_maps, sanity_spread, shown_name
from .metric_dots import metric_dots
from .explorer import explanation
from .groundtruth import cue_legend, mask_maps, mask_scores, shape_samples, shortcut_accuracy, timeline
from .layer_views import achromatic_share, feature_maps, filters, kernel_centres
from .prediction_views import augmentations, predictions
from .kernel_means import mean_kernel, mean_kernels
from .occlusion import occlusion_experiment, occlusion_maps, occlusion_projection, occlusion_saturation
from .pointing import pointing, pointing_grid
from .optvis import difference, dream, inversions, receptive_map, renderings, score_history
from .relevance import relevance_flow
from .saliency import class_maps, compare_maps, map_correlation, maps_on_images, saliency_map, saliency_maps, signed_maps, signed_parts, vanilla_vs_guided

__all__ = [
    "achromatic_share",
    "architecture_maps",
    "attack",
    "attack_budget",
    "auc_bars",
    "auc_scatter",
    "augmentations",
    "cam_architectures",
    "cam_by_layer",
    "cam_compare",
    "cam_overlay",
    "cam_row",
    "cam_topk",
    "change_spectra",
    "class_maps",
    "colorize",
    "compare_maps",
    "concept_examples",
    "cue_legend",
    "curves",
    "difference",
    "draw_boxes",
    "dream",
    "explanation",
    "explanation_change",
    "feature_maps",
    "filters",
    "fooling_vs_visualisation",
    "gradient_image",
    "guided_gradcam_row",
    "logit_changes",
    "image_array",
    "image_grid",
    "inversions",
    "kernel_centres",
    "map_correlation",
    "maps_on_images",
    "mean_kernel",
    "mean_kernels",
    "marked_grid",
    "mask_maps",
    "mask_scores",
    "metric_bars",
    "metric_dots",
    "shown_name",
    "normalize_map",
    "occlusion_experiment",
    "occlusion_maps",
    "occlusion_projection",
    "occlusion_saturation",
    "overlay",
    "phase_means",
    "phase_ratio",
    "phase_ratio_null",
    "phase_tables",
    "pointing",
    "pointing_grid",
    "predictions",
    "randomization",
    "receptive_map",
    "reduce_channels",
    "relevance_flow",
    "renderings",
    "saliency_map",
    "saliency_maps",
    "sanity_curves",
    "sanity_maps",
    "sanity_spread",
    "save_figure",
    "score_history",
    "shape_samples",
    "shortcut_accuracy",
    "signed_maps",
    "signed_parts",
    "tcav",
    "tcav_baseline",
    "tcav_scores",
    "timeline",
    "vanilla_vs_guided",
]
