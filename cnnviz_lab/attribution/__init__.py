"""Attribution methods: which input pixels or feature-map positions drive a class score.

Every method shares one signature, ``method(model, x, target=None, *, layer=None, ...)``,
and returns raw, unnormalised, detached tensors on ``x``'s device (see ``common``).
"""

from .ablation import ablationcam
from .cam import (
    cam, cam_layers, cam_method, CAM_METHODS, find_gap_linear_head, fully_convolutional,
    FullyConvolutional, gradcam, gradcam_pp, layer_gradients, layercam, NoGapLinearHeadError,
    scorecam,
)
from .cam_variants import eigencam, hirescam, principal_projection, xgradcam
from .common import frozen, resolve_targets, topk_targets
from .deconvnet import deconvnet, modified_backprop
from .gradients import guided_backprop, input_x_gradient, integrated_gradients, saliency, smoothgrad
from .guided import guided_relus, UnsupportedActivationError
from .guided_gradcam import guided_gradcam
from .lime import grid_segments, kernel_weights, lime, lime_samples, superpixels, weighted_ridge
from .occlusion import (
    occlusion, occlusion_grid, occlusion_map, OcclusionGrid, regularize_occlusion, window_starts,
)
from .rise import rise, rise_masks

__all__ = [
    "ablationcam", "cam", "cam_layers", "cam_method", "CAM_METHODS", "deconvnet", "eigencam",
    "find_gap_linear_head", "frozen", "fully_convolutional", "FullyConvolutional", "gradcam",
    "gradcam_pp", "grid_segments", "guided_backprop", "guided_gradcam", "guided_relus",
    "hirescam", "input_x_gradient", "integrated_gradients", "kernel_weights", "layer_gradients",
    "layercam", "lime", "lime_samples", "modified_backprop", "NoGapLinearHeadError", "occlusion",
    "occlusion_grid", "occlusion_map", "OcclusionGrid", "principal_projection",
    "regularize_occlusion", "resolve_targets", "rise", "rise_masks", "saliency", "scorecam",
    "smoothgrad", "superpixels", "topk_targets", "UnsupportedActivationError", "weighted_ridge",
    "window_starts", "xgradcam",
]
