"""Attribution methods: which input pixels or feature-map positions drive a class score.

Every method shares one signature, ``method(model, x, target=None, *, layer=None, ...)``,
and returns raw, unnormalised, detached tensors on ``x``'s device (see ``common``). Every
method is registered by name in :mod:`.registry` (the lines are in :mod:`.catalog`).
"""

from . import catalog as _catalog  # noqa: F401  (fills the registry)
from ..errors import NoGapLinearHeadError, UnsupportedActivationError
from ..layers import cam_layers
from ..modelstate import frozen, resolve_targets
from .cam import (
    cam, find_gap_linear_head, fully_convolutional, FullyConvolutional, gradcam, gradcam_pp,
    layer_gradients, layercam, scorecam,
)
from .common import topk_targets
from .gradients import guided_backprop, input_x_gradient, integrated_gradients, saliency
from .guided import guided_relus
from .guided_gradcam import guided_gradcam
from .occlusion import (
    occlusion, occlusion_grid, occlusion_map, OcclusionGrid, regularize_occlusion, window_starts,
)
from .registry import get_method, Method, methods, register, unregister
from .smoothgrad import smoothgrad

__all__ = [
    "cam", "cam_layers", "find_gap_linear_head", "frozen", "fully_convolutional", "FullyConvolutional",
    "get_method", "gradcam", "gradcam_pp", "guided_backprop", "guided_gradcam", "guided_relus",
    "input_x_gradient", "integrated_gradients", "layer_gradients", "layercam", "Method", "methods",
    "NoGapLinearHeadError", "occlusion", "occlusion_grid", "occlusion_map", "OcclusionGrid", "register",
    "regularize_occlusion", "resolve_targets", "saliency", "scorecam", "smoothgrad", "topk_targets",
    "unregister", "UnsupportedActivationError", "window_starts",
]
