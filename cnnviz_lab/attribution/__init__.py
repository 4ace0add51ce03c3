"""Attribution methods: which input pixels or feature-map positions drive a class score.

Every method shares one signature, ``method(model, x, target=None, *, layer=None, ...)``,
and returns raw, unnormalised, detached tensors on ``x``'s device (see ``common``).
"""

from .common import frozen, resolve_targets, topk_targets
from .gradients import (guided_backprop, input_x_gradient, integrated_gradients, saliency,
                        smoothgrad)
from .guided import UnsupportedActivationError, guided_relus

__all__ = ["frozen", "resolve_targets", "topk_targets"]
__all__ += ["UnsupportedActivationError", "guided_backprop", "guided_relus", "input_x_gradient",
            "integrated_gradients", "saliency", "smoothgrad"]
from .cam import (CAM_METHODS, FullyConvolutional, NoGapLinearHeadError, cam, cam_layers, cam_method,
                  find_gap_linear_head, fully_convolutional, gradcam, gradcam_pp, layer_gradients,
                  layercam, scorecam)

__all__ += ["CAM_METHODS", "FullyConvolutional", "NoGapLinearHeadError", "cam", "cam_layers",
            "cam_method", "find_gap_linear_head", "fully_convolutional", "gradcam", "gradcam_pp",
            "layer_gradients", "layercam", "scorecam"]
from .occlusion import (OcclusionGrid, occlusion, occlusion_grid, occlusion_map,
                        regularize_occlusion, window_starts)

__all__ = ["frozen", "resolve_targets", "topk_targets"]
__all__ += ["OcclusionGrid", "occlusion", "occlusion_grid", "occlusion_map", "regularize_occlusion",
            "window_starts"]
from .guided_gradcam import guided_gradcam

__all__ += ["guided_gradcam"]
