"""cnnviz_lab: see inside convolutional networks.

Every hook, gradient and optimisation the cnnviz-lab course uses lives here::

    import cnnviz_lab as cv
    clf = cv.load_model()                      # EfficientNet-Lite0, pretrained, offline
    x = clf.preprocess(cv.sample_image("cat"))
    clf.predict(x)                             # [(285, 'Egyptian cat', 0.38), ...]

See the README for the course map and the full API.
"""

from . import exercises, plot, widgets
from .attribution import frozen, topk_targets
from .attribution import (UnsupportedActivationError, guided_backprop, input_x_gradient,
                          integrated_gradients, saliency, smoothgrad)
from .attribution import (cam, cam_layers, fully_convolutional, gradcam, gradcam_pp, layercam,
                          scorecam)
from .attribution import (OcclusionGrid, occlusion, occlusion_grid, occlusion_map, regularize_occlusion,
                          window_starts)
from .attribution import guided_gradcam
from .augment import augment
from .energy import energy_in_box
from .config import offline, quick, resolve_device
from .evaluate import (Curve, RandomizationResult, deletion_auc, deletion_curve, insertion_auc,
                       insertion_curve, pointing_game, randomization_check, randomization_layers)
from .images import load_image, sample_image, sample_images
from .layers import activations, capture, get_layer, hook_count, layer_names
from .optvis import (Rendering, alpha_norm, blur, channel, class_logit, content, deepdream, dream,
                     invert, l2, maximize, neuron, objectives, total_variation)
from .models import (Classifier, ModelUnavailableError, UnknownNameError, list_models, load_model,
                     wrap_model)

__version__ = "0.1.0"

__all__ = [
    "Classifier", "ModelUnavailableError", "UnknownNameError", "activations", "augment", "capture",
    "exercises", "widgets",
    "frozen", "get_layer", "hook_count", "layer_names", "list_models", "load_image", "load_model",
    "offline", "plot", "quick", "resolve_device", "sample_image", "sample_images", "topk_targets",
    "wrap_model",
    "Rendering", "alpha_norm", "blur", "channel", "class_logit", "content", "deepdream", "dream",
    "invert", "l2", "maximize", "neuron", "objectives", "total_variation",
]
__all__ += ["UnsupportedActivationError", "guided_backprop", "input_x_gradient", "integrated_gradients",
            "saliency", "smoothgrad"]
__all__ += ["cam", "cam_layers", "fully_convolutional", "gradcam", "gradcam_pp", "layercam", "scorecam"]
__all__ += ["Curve", "RandomizationResult", "deletion_auc", "deletion_curve", "insertion_auc",
            "insertion_curve", "pointing_game", "randomization_check", "randomization_layers"]
__all__ += ["OcclusionGrid", "occlusion", "occlusion_grid", "occlusion_map", "regularize_occlusion",
            "window_starts"]
__all__ += ["guided_gradcam"]
__all__ += ["energy_in_box"]
from .evaluate import MethodEvaluation, course_methods, evaluate_methods, random_map, trapezoid_auc

__all__ += ["MethodEvaluation", "course_methods", "evaluate_methods", "random_map", "trapezoid_auc"]
