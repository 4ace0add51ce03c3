"""Attribution methods: which input pixels or feature-map positions drive a class score.

Every method shares one signature, ``method(model, x, target=None, *, layer=None, ...)``,
and returns raw, unnormalised, detached tensors on ``x``'s device (see ``common``).
"""

from .cam import (
    cam, cam_layers, cam_method, CAM_METHODS, find_gap_linear_head, fully_convolutional,
    FullyConvolutional, gradcam, gradcam_pp, layer_gradients, layercam, NoGapLinearHeadError,
    scorecam,
)
from .common import frozen, resolve_targets, topk_targets
from .gradients import guided_backprop, input_x_gradient, integrated_gradients, saliency, smoothgrad
from .guided import guided_relus, UnsupportedActivationError
from .guided_gradcam import guided_gradcam
from .occlusion import (
    occlusion, occlusion_grid, occlusion_map, OcclusionGrid, regularize_occlusion, window_starts,
)

__all__ = [
    "cam", "cam_layers", "cam_method", "CAM_METHODS", "find_gap_linear_head", "frozen",
    "fully_convolutional", "FullyConvolutional", "gradcam", "gradcam_pp", "guided_backprop",
    "guided_gradcam", "guided_relus", "input_x_gradient", "integrated_gradients",
    "layer_gradients", "layercam", "NoGapLinearHeadError", "occlusion", "occlusion_grid",
    "occlusion_map", "OcclusionGrid", "regularize_occlusion", "resolve_targets", "saliency",
    "scorecam", "smoothgrad", "topk_targets", "UnsupportedActivationError", "window_starts",
]
