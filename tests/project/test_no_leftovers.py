"""Every public function that runs a model leaves it as it found it: no hook on any module,
no parameter ``.grad``, the same ``requires_grad`` flags and train/eval modes, parameters and
buffers byte-identical (BatchNorm running statistics and ``num_batches_tracked`` of a network
in train mode included), on success and when it raises half-way. A new public function that
takes a model must be listed here (the last test fails until it is), so none can slip through."""

from __future__ import annotations

import inspect

import pytest
import torch
from torch import nn

import cnnviz_lab as cv
from conftest import TinyNet
from fuzzkit import ModelState, make_model

X = torch.randn(2, 3, 16, 16)
T = [[0, 3], [1, 2]]

CALLS = {
    "activations": lambda m: cv.activations(m, X, ["conv1", "conv2"]),
    "saliency": lambda m: cv.saliency(m, X, T),
    "input_x_gradient": lambda m: cv.input_x_gradient(m, X, T),
    "guided_backprop": lambda m: cv.guided_backprop(m, X, T),
    "smoothgrad": lambda m: cv.smoothgrad(m, X, T, n=3, seed=0, progress=False),
    "integrated_gradients": lambda m: cv.integrated_gradients(m, X, T, steps=4, progress=False),
    "lrp": lambda m: cv.lrp(m, X, T),
    "lrp (epsilon_gamma_box)": lambda m: cv.lrp(m, X, T, composite="epsilon_gamma_box"),
    "deeplift": lambda m: cv.deeplift(m, X, T),
    "deeplift_shap": lambda m: cv.deeplift_shap(m, X, T, baselines=torch.zeros(2, 3, 16, 16), progress=False),
    "gradient_shap": lambda m: cv.gradient_shap(m, X, T, n=3, noise=0.1, seed=0, progress=False),
    "cam": lambda m: cv.cam(m, X, T, layer="relu2"),
    "gradcam": lambda m: cv.gradcam(m, X, T, layer="conv2"),
    "gradcam_pp": lambda m: cv.gradcam_pp(m, X, T, layer="conv2"),
    "layercam": lambda m: cv.layercam(m, X, T, layer="conv2"),
    "scorecam": lambda m: cv.scorecam(m, X, T, layer="conv2", progress=False),
    "guided_gradcam": lambda m: cv.guided_gradcam(m, X, T, layer="conv2"),
    "deconvnet": lambda m: cv.deconvnet(m, X, T),
    "hirescam": lambda m: cv.hirescam(m, X, T, layer="conv2"),
    "feature_ablation": lambda m: cv.feature_ablation(
        m, X, T, feature_mask=torch.arange(16).view(4, 4).repeat_interleave(4, 0).repeat_interleave(4, 1), progress=False
    ),
    "xgradcam": lambda m: cv.xgradcam(m, X, T, layer="conv2"),
    "eigencam": lambda m: cv.eigencam(m, X, T, layer="conv2"),
    "ablationcam": lambda m: cv.ablationcam(m, X, T, layer="conv2", batch_size=4, progress=False),
    "rise": lambda m: cv.rise(m, X, T, n=8, seed=0, progress=False),
    "lime": lambda m: cv.lime(m, X, T, n=8, cells=2, seed=0, progress=False),
    "fully_convolutional": lambda m: cv.fully_convolutional(m, layer="relu2", size=16)(X),
    "occlusion": lambda m: cv.occlusion(m, X, T, window=8, stride=8, progress=False),
    "occlusion_grid": lambda m: cv.occlusion_grid(m, X, T, window=8, stride=8, progress=False),
    "deletion_curve": lambda m: cv.deletion_curve(m, X, torch.rand(2, 16, 16), steps=3, progress=False),
    "insertion_curve": lambda m: cv.insertion_curve(m, X, torch.rand(2, 16, 16), steps=3, progress=False),
    "deletion_auc": lambda m: cv.deletion_auc(m, X, torch.rand(2, 16, 16), steps=3, progress=False),
    "insertion_auc": lambda m: cv.insertion_auc(m, X, torch.rand(2, 16, 16), steps=3, progress=False),
    "randomization_check": lambda m: cv.randomization_check(m, cv.saliency, X, progress=False),
    "maximize": lambda m: cv.maximize(m, "conv2:1", size=16, steps=2, seed=0, progress=False),
    "invert": lambda m: cv.invert(m, X[:1], "conv2", steps=2, seed=0, size=16, progress=False),
    "deepdream": lambda m: cv.deepdream(m, X[:1], {"conv2": 1.0}, octaves=1, steps=2, seed=0, progress=False),
    "cam_layers": lambda m: cv.cam_layers(m, size=16),
    "evaluate_methods": lambda m: cv.evaluate_methods(m, X, ["saliency", "guided_backprop"], [0, 1], steps=3, layers=["fc", "conv2"], progress=False),
    "topk_targets": lambda m: cv.topk_targets(m, X, 2),
    # Without layer=: the CAM layer is found by a probe forward pass (issue 13).
    "cam (default layer)": lambda m: cv.cam(m, X, T),
    "gradcam (default layer)": lambda m: cv.gradcam(m, X, T),
    "scorecam (default layer)": lambda m: cv.scorecam(m, X, T, progress=False),
    "guided_gradcam (default layer)": lambda m: cv.guided_gradcam(m, X, T),
    "fully_convolutional (default layer)": lambda m: cv.fully_convolutional(m, size=16)(X),
    # notebooks 09-11
    "accuracy": lambda m: cv.accuracy(m, X, [0, 1]),
    "predict_classes": lambda m: cv.predict_classes(m, X),
    "deletion_drop": lambda m: cv.deletion_drop(m, X, torch.rand(2, 16, 16) > 0.5, [0, 1]),
    "mask_deletion": lambda m: cv.mask_deletion(m, X, torch.rand(2, 16, 16), torch.rand(2, 16, 16) > 0.5, [0, 1]),
    "score_against_masks": lambda m: cv.score_against_masks(
        m, X, {"a": torch.rand(2, 16, 16) > 0.5}, {"saliency": cv.saliency}, [0, 1], deletion="a", progress=False
    ),
    "class_gradients": lambda m: cv.class_gradients(m, X, 1, ["conv2"]),
    "tcav": lambda m: cv.tcav(m, X, 1, {"c": X}, [X, X.flip(0), X], ["conv2"], progress=False),
    "fgsm": lambda m: cv.fgsm(m, X.clamp(0, 1), 1, epsilon=8),
    "pgd": lambda m: cv.pgd(m, X.clamp(0, 1), 1, epsilon=8, steps=2, seed=0),
    "random_noise": lambda m: cv.random_noise(m, X.clamp(0, 1), epsilon=8, seed=0),
    # added with the notebooks' second review round
    "receptive_field": lambda m: cv.optvis.receptive_field(m, "conv2", size=16),
    "effective_receptive_field": lambda m: cv.optvis.effective_receptive_field(m, "conv2", 1, size=16, samples=2),
    "feature_correlation": lambda m: cv.optvis.feature_correlation(m, "conv2", X[:1], X[1:]),
    "relevance_ledger": lambda m: cv.attribution.relevance_ledger(m, X, [0, 1]),
    # callable targets (issue 23): relevance methods seed the output from the objective's gradient
    "lrp (callable target)": lambda m: cv.lrp(m, X, lambda z: z[:, [0, 3]]),
    "deeplift (callable target)": lambda m: cv.deeplift(m, X, lambda z: z[:, 1] - z[:, 2]),
    "deeplift_shap (callable target)": lambda m: cv.deeplift_shap(m, X, cv.targets.probability(1), baselines=torch.zeros(2, 3, 16, 16), progress=False),
    "gradient_shap (callable target)": lambda m: cv.gradient_shap(m, X, lambda z: z[:, 2], n=2, seed=0, progress=False),
    "deletion_curve (callable target)": lambda m: cv.deletion_curve(m, X, torch.rand(2, 16, 16), lambda z: z[:, 1], steps=3, progress=False),
    "compare_explanations": lambda m: cv.compare_explanations(
        m, X.clamp(0, 1), cv.pgd(m, X.clamp(0, 1), 1, epsilon=8, steps=1, seed=0), {"saliency": cv.saliency}
    ),
}
# Functions that take no model, or only inspect it without running hooks or gradients.
NO_MODEL = {
    "core",
    "boxed_samples",
    "soften_check_cells",
    "credit",
    "preprocess_boxes",
    "sample_boxes",
    "course_methods",
    "random_map",
    "trapezoid_auc",
    "alpha_norm",
    "augment",
    "blur",
    "capture",
    "channel",
    "class_logit",
    "content",
    "dream",
    "energy_in_box",
    "frozen",
    "get_layer",
    "hook_count",
    "l2",
    "layer_names",
    "list_models",
    "load_image",
    "load_model",
    "model_note",
    "neuron",
    "note_html",
    "occlusion_map",
    "offline",
    "peak_box",
    "pointing_game",
    "pointing_outcome",
    "quick",
    "randomization_layers",
    "regularize_occlusion",
    "resolve_device",
    "sample_image",
    "sample_images",
    "superpixels",
    "title_name",
    "total_variation",
    "window_starts",
    "wrap_model",
    "cav",
    "concept_images",
    "cpu_threads",
    "high_frequency_share",
    "mask_energy",
    "mask_pointing",
    "mask_recall",
    "random_images",
    "shape_images",
    "t_test",
    "tcav_score",
    "zebra_images",
    "classic_available",
    "load_classic",
    "energy_in_boxes",
    "holm",
}
# Functions whose job is to change the model.
CHANGE_THE_MODEL = {"train_model"}
# Functions that need a transformer: checked on one below.
TRANSFORMER = {"attention_rollout"}


def _tiny() -> nn.Module:
    torch.manual_seed(0)
    net = TinyNet()
    net.train()  # not eval: the functions must put it back the way it was
    net.conv1.weight.requires_grad_(False)  # a mixed set of flags to restore
    return net


def _batchnorm() -> nn.Module:
    """conv-BatchNorm-ReLU twice, GAP, Dropout, linear, in TRAIN mode with running statistics
    away from their initial values: any forward pass outside eval mode changes its buffers."""
    net = make_model("bn_train")
    net.conv1.weight.requires_grad_(False)
    return net


MODELS = {"tiny": _tiny, "batchnorm_train": _batchnorm}


def _cases(names):
    return [pytest.param(name, model, id=f"{name}-{model}") for name in sorted(names) for model in MODELS]


@pytest.mark.parametrize("name, model", _cases(CALLS))
def test_leaves_the_model_as_it_found_it(name, model):
    net = MODELS[model]()
    state = ModelState.of(net)
    CALLS[name](net)
    state.assert_same(net, name)


class Boom(RuntimeError):
    pass


@pytest.mark.parametrize("name, model", _cases({n for n in CALLS if not n.startswith(("cam_layers", "fully_convolutional"))}))
def test_leaves_the_model_as_it_found_it_when_the_forward_pass_fails(name, model):
    net = MODELS[model]()
    state = ModelState.of(net)
    calls = {"n": 0}

    def explode(_module, _inputs, _output):
        calls["n"] += 1
        if calls["n"] > 1:  # let a first probing pass through, then fail mid-way
            raise Boom("the model failed")

    handle = net.fc.register_forward_hook(explode)
    try:
        try:
            CALLS[name](net)
        except Boom:
            pass
    finally:
        handle.remove()
    state.assert_same(net, f"{name} (failed half-way)")


def test_every_public_function_is_covered():
    public = {n for n in cv.__all__ if callable(getattr(cv, n)) and not inspect.isclass(getattr(cv, n))}
    missing = public - set(CALLS) - NO_MODEL - CHANGE_THE_MODEL - TRANSFORMER
    assert not missing, f"add these public functions to tests/project/test_no_leftovers.py: {sorted(missing)}"


@pytest.mark.parametrize("fail", [False, True])
def test_attention_rollout_leaves_a_vit_in_train_mode_as_it_found_it(fail):
    import torchvision

    torch.manual_seed(0)
    vit = torchvision.models.VisionTransformer(image_size=32, patch_size=16, num_layers=2, num_heads=2, hidden_dim=8, mlp_dim=16, num_classes=4).train()
    vit.conv_proj.weight.requires_grad_(False)
    state = ModelState.of(vit)
    handle = vit.heads.register_forward_hook(lambda *_: (_ for _ in ()).throw(Boom("the model failed"))) if fail else None
    try:
        try:
            cv.attention_rollout(vit, torch.randn(2, 3, 32, 32), [[0, 1], [2, 3]])
        except Boom:
            assert fail
    finally:
        if handle is not None:
            handle.remove()
    state.assert_same(vit, "attention_rollout")
