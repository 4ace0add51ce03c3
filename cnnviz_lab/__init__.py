"""cnnviz_lab: see inside convolutional networks.

Every hook, gradient and optimisation the cnnviz-lab course uses lives here::

    import cnnviz_lab as cv
    clf = cv.load_model()                      # EfficientNet-Lite0, pretrained, offline
    x = clf.preprocess(cv.sample_image("cat"))
    clf.predict(x)                             # [(285, 'Egyptian cat', 0.38), ...]

See the README for the course map and the full API.
"""

import importlib as _importlib

from . import core, models  # noqa: F401  (cv.models: the model package)
from .adversarial import Attack, compare_explanations, ExplanationChange, fgsm, high_frequency_share, pgd, random_noise
from .attribution import (
    ablationcam,
    attention_rollout,
    cam,
    deconvnet,
    deeplift,
    deeplift_shap,
    eigencam,
    feature_ablation,
    fully_convolutional,
    gradcam,
    gradcam_pp,
    gradient_shap,
    guided_backprop,
    guided_gradcam,
    hirescam,
    input_x_gradient,
    integrated_gradients,
    layercam,
    lime,
    lrp,
    occlusion,
    occlusion_grid,
    occlusion_map,
    OcclusionGrid,
    regularize_occlusion,
    rise,
    saliency,
    scorecam,
    smoothgrad,
    superpixels,
    TokenGrid,
    topk_targets,
    window_starts,
    xgradcam,
)
from .concepts import CAV, cav, class_gradients, concept_images, holm, random_images, t_test, tcav, tcav_score, TCAVResult, textures, zebra_images  # noqa: F401  (cv.textures: the notebooks' concept images)
from .core import config, targets  # noqa: F401  (cv.config: quick/full settings the notebooks read)
from .core.check_cells import soften_check_cells
from .core.config import offline, quick, resolve_device
from .core.errors import ModelUnavailableError, NoGradientError, NonFiniteActivationError, UnknownNameError, UnsupportedActivationError
from .core.hooks import activations, capture, hook_count
from .core.layer_lookup import get_layer, layer_names
from .core.state import frozen
from .evaluate import (
    course_methods,
    Curve,
    deletion_auc,
    deletion_curve,
    energy_in_box,
    energy_in_boxes,
    evaluate_methods,
    insertion_auc,
    insertion_curve,
    MethodEvaluation,
    peak_box,
    pointing_game,
    pointing_outcome,
    random_map,
    randomization_check,
    randomization_layers,
    RandomizationResult,
    trapezoid_auc,
)
from .groundtruth import (
    accuracy,
    cpu_threads,
    deletion_drop,
    mask_deletion,
    mask_energy,
    mask_pointing,
    mask_recall,
    MaskScores,
    predict_classes,
    score_against_masks,
    shape_images,
    ShapeImages,
    ShapesDataset,
    SmallCNN,
    Timeline,
    train_model,
    TrainingRun,
)
from .images import augment, boxed_samples, credit, load_image, preprocess_boxes, sample_boxes, sample_image, sample_images
from .models import cam_layers, classic_available, Classifier, hub, list_models, load_classic, load_model, model_note, note_html, title_name, wrap_model
from .optvis import alpha_norm, blur, channel, class_logit, content, deepdream, dream, invert, l2, maximize, neuron, objectives, Rendering, total_variation

__version__ = "0.1.0"

# Figures and panels pull in matplotlib and ipywidgets: imported on first use only, so
# `import cnnviz_lab` stays light (scripts, the CLI, workers that never draw).
_LAZY = ("exercises", "plot", "widgets")


def __getattr__(name: str):
    if name in _LAZY:
        module = _importlib.import_module(f"{__name__}.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "ablationcam",
    "accuracy",
    "activations",
    "alpha_norm",
    "Attack",
    "attention_rollout",
    "augment",
    "blur",
    "boxed_samples",
    "cam",
    "cam_layers",
    "capture",
    "cav",
    "CAV",
    "channel",
    "class_gradients",
    "class_logit",
    "Classifier",
    "compare_explanations",
    "concept_images",
    "content",
    "core",
    "course_methods",
    "cpu_threads",
    "credit",
    "Curve",
    "deconvnet",
    "deeplift",
    "deeplift_shap",
    "deepdream",
    "deletion_auc",
    "deletion_curve",
    "deletion_drop",
    "dream",
    "eigencam",
    "energy_in_box",
    "energy_in_boxes",
    "evaluate_methods",
    "exercises",
    "ExplanationChange",
    "feature_ablation",
    "fgsm",
    "frozen",
    "fully_convolutional",
    "get_layer",
    "gradcam",
    "gradcam_pp",
    "gradient_shap",
    "guided_backprop",
    "guided_gradcam",
    "high_frequency_share",
    "hirescam",
    "holm",
    "hook_count",
    "hub",
    "input_x_gradient",
    "insertion_auc",
    "insertion_curve",
    "integrated_gradients",
    "invert",
    "l2",
    "layer_names",
    "layercam",
    "lime",
    "list_models",
    "load_image",
    "load_model",
    "lrp",
    "mask_deletion",
    "mask_energy",
    "mask_pointing",
    "mask_recall",
    "MaskScores",
    "maximize",
    "load_classic",
    "classic_available",
    "MethodEvaluation",
    "model_note",
    "ModelUnavailableError",
    "neuron",
    "NoGradientError",
    "NonFiniteActivationError",
    "note_html",
    "objectives",
    "occlusion",
    "occlusion_grid",
    "occlusion_map",
    "OcclusionGrid",
    "offline",
    "pgd",
    "plot",
    "peak_box",
    "pointing_game",
    "pointing_outcome",
    "predict_classes",
    "preprocess_boxes",
    "quick",
    "random_images",
    "random_map",
    "random_noise",
    "randomization_check",
    "randomization_layers",
    "RandomizationResult",
    "regularize_occlusion",
    "Rendering",
    "resolve_device",
    "rise",
    "saliency",
    "sample_boxes",
    "sample_image",
    "sample_images",
    "score_against_masks",
    "scorecam",
    "shape_images",
    "ShapeImages",
    "ShapesDataset",
    "SmallCNN",
    "smoothgrad",
    "soften_check_cells",
    "superpixels",
    "t_test",
    "tcav",
    "tcav_score",
    "targets",
    "TCAVResult",
    "Timeline",
    "TokenGrid",
    "title_name",
    "topk_targets",
    "total_variation",
    "train_model",
    "TrainingRun",
    "trapezoid_auc",
    "UnknownNameError",
    "UnsupportedActivationError",
    "widgets",
    "window_starts",
    "wrap_model",
    "xgradcam",
    "zebra_images",
]
