"""The public API stays what it was when the package was regrouped into core/, models/ and the
course's folders (issue 22): ``cnnviz_lab.__all__`` is exactly these names, each resolves, and the
submodules the notebooks and the README reach through ``cv.`` are still there."""

from __future__ import annotations

import types

import cnnviz_lab as cv

# cnnviz_lab.__all__ before the regrouping (the README's API contract).
PUBLIC = {
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
    "classic_available",
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
    "deepdream",
    "deeplift",
    "deeplift_shap",
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
    "load_classic",
    "load_image",
    "load_model",
    "lrp",
    "mask_deletion",
    "mask_energy",
    "mask_pointing",
    "mask_recall",
    "MaskScores",
    "maximize",
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
    "targets",
    "tcav",
    "tcav_score",
    "TCAVResult",
    "Timeline",
    "title_name",
    "TokenGrid",
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
}

# Submodules reached as attributes of the package: cv.config.pick / cv.config.quick in every
# notebook, cv.targets.* and cv.objectives.* in the README, cv.hub and cv.textures in notebooks
# and tests, the families, the lazy front ends.
MODULES = ("attribution", "config", "core", "evaluate", "exercises", "hub", "models", "objectives", "optvis", "plot", "targets", "textures", "widgets")


def test_all_is_the_public_api_unchanged():
    assert len(cv.__all__) == len(set(cv.__all__))
    assert set(cv.__all__) == PUBLIC, f"added: {sorted(set(cv.__all__) - PUBLIC)}, removed: {sorted(PUBLIC - set(cv.__all__))}"


def test_every_public_name_resolves():
    missing = [n for n in sorted(PUBLIC) if not hasattr(cv, n)]
    assert not missing, missing


def test_the_submodules_notebooks_reach_are_attributes():
    for name in MODULES:
        assert isinstance(getattr(cv, name), types.ModuleType), name
    assert callable(cv.config.pick) and callable(cv.targets.segmentation) and callable(cv.objectives.channel)
    assert cv.textures.CONCEPTS and callable(cv.hub.file_name) and callable(cv.models.wrap_model)
