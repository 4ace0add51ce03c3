"""Attribution methods: which input pixels or feature-map positions drive a class score.

Every method shares one signature, ``method(model, x, target=None, *, layer=None, ...)``,
and returns raw, unnormalised, detached tensors on ``x``'s device (see ``common``). Every
method is registered by name in :mod:`.registry` (the lines are in :mod:`.catalog`).
"""

from . import catalog as _catalog  # noqa: F401  (fills the registry)
from ..core.errors import NoGapLinearHeadError, UnsupportedActivationError
from ..models.layers import cam_layers
from ..core.state import frozen
from ..core.gate import resolve_targets
from .ablation import ablationcam
from .cam import cam, find_gap_linear_head, fully_convolutional, FullyConvolutional, gradcam, gradcam_pp, layer_gradients, layercam, scorecam
from .deeplift import deeplift, deeplift_shap
from .lrp import lrp
from .references import reference_images
from .relevance_ledger import RelevanceLedger, relevance_ledger
from .shap import gradient_shap
from .cam_variants import eigencam, hirescam, principal_projection, xgradcam
from .common import topk_targets
from .backprop import deconvnet, modified_backprop
from .gradients import guided_backprop, input_x_gradient, integrated_gradients, saliency
from .guided import guided_relus
from .feature_ablation import feature_ablation, feature_labels
from .guided_gradcam import guided_gradcam
from .lime import grid_segments, kernel_weights, lime, lime_samples, superpixels, weighted_ridge
from .occlusion import occlusion, occlusion_grid, occlusion_map, OcclusionGrid, regularize_occlusion, window_starts
from .registry import get_method, Method, methods, register, unregister
from .rise import rise, rise_masks
from .rollout import attention_rollout
from .smoothgrad import smoothgrad
from ..core.token_grid import TokenGrid

__all__ = [
    "ablationcam",
    "attention_rollout",
    "cam",
    "cam_layers",
    "deconvnet",
    "deeplift",
    "deeplift_shap",
    "eigencam",
    "feature_ablation",
    "feature_labels",
    "find_gap_linear_head",
    "frozen",
    "gradient_shap",
    "lrp",
    "fully_convolutional",
    "FullyConvolutional",
    "get_method",
    "gradcam",
    "gradcam_pp",
    "grid_segments",
    "guided_backprop",
    "guided_gradcam",
    "guided_relus",
    "hirescam",
    "input_x_gradient",
    "integrated_gradients",
    "kernel_weights",
    "layer_gradients",
    "layercam",
    "lime",
    "lime_samples",
    "Method",
    "methods",
    "modified_backprop",
    "NoGapLinearHeadError",
    "occlusion",
    "occlusion_grid",
    "occlusion_map",
    "OcclusionGrid",
    "principal_projection",
    "register",
    "regularize_occlusion",
    "reference_images",
    "RelevanceLedger",
    "relevance_ledger",
    "resolve_targets",
    "rise",
    "rise_masks",
    "saliency",
    "scorecam",
    "smoothgrad",
    "superpixels",
    "TokenGrid",
    "topk_targets",
    "unregister",
    "UnsupportedActivationError",
    "weighted_ridge",
    "window_starts",
    "xgradcam",
]
