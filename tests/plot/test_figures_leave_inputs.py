"""The figures and helpers added for the notebooks' latest rounds leave everything they are
given as they found it: the model (train/eval modes, parameters, buffers, requires_grad
flags, no hook, no .grad; here a BatchNorm network in train mode, whose buffers any forward
pass outside eval mode would move), the caller's tensors (values, requires_grad, no .grad),
the grad mode, and the working folder (no file written), on success and when they raise."""

from __future__ import annotations

import os

import pytest
import torch
from PIL import Image
from torch import nn

import cnnviz_lab as cv
from cnnviz_lab.attribution.architectures import ArchitectureMaps
from cnnviz_lab.concepts.tcav import TCAVResult
from tcavkit import tcav_result
from fuzzkit import NAMES, ModelState, TensorState


class FoldNet(nn.Module):
    """An RGB 3x3 convolution and a 1x1 one, each followed by BatchNorm and ReLU, then GAP and
    a linear head: every figure of a layer's weights or activations has a layer to draw."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(6)
        self.relu1 = nn.ReLU()
        self.conv2 = nn.Conv2d(6, 8, 1)
        self.bn2 = nn.BatchNorm2d(8)
        self.relu2 = nn.ReLU()
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(8, len(NAMES))

    def forward(self, x):
        x = self.relu2(self.bn2(self.conv2(self.relu1(self.bn1(self.conv1(x))))))
        return self.fc(torch.flatten(self.pool(x), 1))


def _classifier() -> cv.Classifier:
    torch.manual_seed(0)
    clf = cv.wrap_model(FoldNet(), NAMES, input_size=16, device="cpu", name="foldnet")
    with torch.no_grad():
        for bn in (clf.model.bn1, clf.model.bn2):
            bn.running_mean.uniform_(-0.5, 0.5)
            bn.running_var.uniform_(0.5, 2.0)
            bn.num_batches_tracked.fill_(7)
    clf.model.train()  # not eval: the figures must run it frozen and give it back in train mode
    clf.model.conv1.weight.requires_grad_(False)  # a mixed set of flags to keep
    return clf


def _result(scores: list[float], randoms: list[float]) -> TCAVResult:
    return tcav_result(scores, randoms, layer="conv2")


def _inputs() -> dict:
    """Fresh caller tensors; the leaf ones require grad, so a filled .grad would show."""
    g = torch.Generator().manual_seed(1)
    return {
        "x": torch.randn(2, 3, 16, 16, generator=g).requires_grad_(True),
        "photo": torch.rand(3, 16, 16, generator=g),
        "map": torch.rand(16, 16, generator=g).requires_grad_(True),
        "grads": torch.randn(2, 3, 16, 16, generator=g).requires_grad_(True),
        "renders": torch.rand(2, 3, 16, 16, generator=g),
        "gain": torch.rand(6, generator=g) + 0.5,
        "a": torch.tensor([0.9, 0.7, 1.0, 0.8]),
        "b": torch.tensor([0.5, 0.6, 0.4, 0.5]),
    }


PIL_PHOTO = Image.new("RGB", (20, 20), (120, 60, 30))

# name -> (call(clf, t), a failing call(clf, t) or None); t holds the caller's tensors
CALLS = {
    "mean_kernel": (lambda c, t: cv.plot.mean_kernel(c, "conv1"), lambda c, t: cv.plot.mean_kernel(c, "fc")),
    "mean_kernels": (lambda c, t: cv.plot.mean_kernels(c, ["conv1", "conv2"]), lambda c, t: cv.plot.mean_kernels(c, ["conv1", "fc"])),
    "filters (gain)": (lambda c, t: cv.plot.filters(c, "conv1", gain=t["gain"]), lambda c, t: cv.plot.filters(c, "conv1", gain=t["gain"][:3])),
    "filters (matrix_size)": (lambda c, t: cv.plot.filters(c, "conv2", matrix_size=(4, 3)), lambda c, t: cv.plot.filters(c, "conv2", matrix_size=(0, 3))),
    "feature_maps (limits, tile)": (
        lambda c, t: cv.plot.feature_maps(c, t["x"], "relu1", scale="shared", limits=(0, 2), tile=0.8),
        lambda c, t: cv.plot.feature_maps(c, t["x"], "relu1", scale="shared", limits=(2, 0)),
    ),
    "predictions (image_title)": (lambda c, t: cv.plot.predictions(c, t["x"], k=2, image_title="input"), lambda c, t: cv.plot.predictions(c, t["x"], k=0)),
    "predictions (a photo tensor)": (lambda c, t: cv.plot.predictions(c, t["photo"], k=2), None),
    "augmentations": (lambda c, t: cv.plot.augmentations(c, PIL_PHOTO, ["original", "blur"]), lambda c, t: cv.plot.augmentations(c, PIL_PHOTO, ["nope"])),
    "cam_by_layer (clip)": (
        lambda c, t: cv.plot.cam_by_layer(c, t["x"], ["conv1", "conv2"], target=0, clip=99),
        lambda c, t: cv.plot.cam_by_layer(c, t["x"], ["conv1", "conv2"], target=0, clip=101),
    ),
    "cam_row (clip)": (lambda c, t: cv.plot.cam_row(c, t["x"], [t["map"]], ["a"], clip=99), lambda c, t: cv.plot.cam_row(c, t["x"], [t["map"]], ["a"], clip=0)),
    "attack (log)": (
        lambda c, t: cv.plot.attack(cv.fgsm(c, t["x"], 1, epsilon=8), t["x"], c, log=True, values=True),
        lambda c, t: cv.plot.attack(cv.fgsm(c, t["x"], 1, epsilon=8), t["x"], c, index=5),
    ),
    "guided_gradcam_row": (
        lambda c, t: cv.plot.guided_gradcam_row(t["x"], t["grads"], t["grads"], ["a", "b"], c, zoom=(2, 2, 8, 8)),
        lambda c, t: cv.plot.guided_gradcam_row(t["x"], t["grads"], t["grads"], ["a"], c),
    ),
    "cam_architectures": (
        lambda c, t: cv.plot.cam_architectures([ArchitectureMaps(c, "foldnet", "conv2", (16, 16), t["x"][:1], t["map"], t["grads"][0], 1.0)], "a"),
        lambda c, t: cv.plot.cam_architectures([ArchitectureMaps(c, "foldnet", "conv2", (16, 16), t["x"][:1], t["map"], t["grads"][0], 1.0)], 3),
    ),
    "signed_maps (reductions)": (
        lambda c, t: cv.plot.signed_maps(PIL_PHOTO.resize((16, 16)), {"m": t["grads"][0]}, c, reductions={"m": "one-channel map"}),
        lambda c, t: cv.plot.signed_maps(PIL_PHOTO.resize((16, 16)), {"m": t["grads"][0]}, c, reductions={"q": "x"}),
    ),
    # no model: the caller's tensors only
    "gradient_image": (lambda c, t: cv.plot.gradient_image(t["grads"][0]), lambda c, t: cv.plot.gradient_image(t["grads"][0], 0)),
    "phase_tables (values)": (
        lambda c, t: cv.plot.phase_tables({"g": t["grads"][0]}, 2, values=True),
        lambda c, t: cv.plot.phase_tables({"g": t["grads"][0]}, 2, values=1),
    ),
    "renderings (box)": (
        lambda c, t: cv.plot.renderings(t["renders"], box=[(2, 2, 9, 9), None]),
        lambda c, t: cv.plot.renderings(t["renders"], box=(20, 20, 30, 30)),
    ),
    "contours": (lambda c, t: cv.optvis.contours(t["renders"], 5), lambda c, t: cv.optvis.contours(t["renders"], 4)),
    "locate_patch": (
        lambda c, t: cv.optvis.locate_patch(t["renders"][:1], t["renders"], (4, 4, 12, 12), max_shift=2),
        lambda c, t: cv.optvis.locate_patch(t["renders"][:1], t["renders"], (4, 4, 12, 12), scales=(9.0,)),
    ),
    "paired_permutation_test": (
        lambda c, t: cv.concepts.paired_permutation_test(t["a"], t["b"]),
        lambda c, t: cv.concepts.paired_permutation_test(t["a"], t["b"][:2]),
    ),
    "paired_bootstrap_interval": (
        lambda c, t: cv.concepts.paired_bootstrap_interval(t["a"], t["b"], resamples=200),
        lambda c, t: cv.concepts.paired_bootstrap_interval(t["a"], t["b"], level=1.0),
    ),
    "tcav_baseline": (
        lambda c, t: cv.plot.tcav_baseline(_result(list(t["a"]), list(t["b"])), _result(list(t["b"]), list(t["a"])), "striped", "conv2", differences=True),
        lambda c, t: cv.plot.tcav_baseline(_result(list(t["a"]), list(t["b"])), _result(list(t["b"]), list(t["a"])), "striped", "conv2", height=0),
    ),
    "tcav (count_size)": (
        lambda c, t: cv.plot.tcav(_result(list(t["a"]), list(t["b"])), repeats=True, count_size=8),
        lambda c, t: cv.plot.tcav(_result(list(t["a"]), list(t["b"])), count_size=0),
    ),
    "curves (fontsize, subtitles)": (
        lambda c, t: cv.plot.curves(cv.deletion_curve(c, t["x"], t["map"].expand(2, 16, 16), 0, steps=3, progress=False), fontsize=12, subtitles=False),
        lambda c, t: cv.plot.curves(cv.deletion_curve(c, t["x"], t["map"].expand(2, 16, 16), 0, steps=3, progress=False), index=2),
    ),
    "zebra_images (striped)": (lambda c, t: cv.zebra_images(1, 32, striped=False), lambda c, t: cv.zebra_images(1, 32, striped=0)),
}


def _snapshot(clf, tensors):
    return ModelState.of(clf), {k: TensorState.of(v) for k, v in tensors.items()}


def _assert_same(clf, tensors, states, where):
    model_state, tensor_states = states
    model_state.assert_same(clf, where)
    for name, state in tensor_states.items():
        state.assert_same(tensors[name], f"{name} ({where})")


@pytest.mark.parametrize("grad", [True, False], ids=["grad on", "grad off"])
@pytest.mark.parametrize("name", list(CALLS))
def test_leaves_model_tensors_grad_mode_and_folder_as_it_found_them(name, grad, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    clf, tensors = _classifier(), _inputs()
    states = _snapshot(clf, tensors)
    call, failing = CALLS[name]
    with torch.set_grad_enabled(grad):
        call(clf, tensors)
        assert torch.is_grad_enabled() is grad, f"{name} changed the grad mode"
        _assert_same(clf, tensors, states, name)
        if failing is not None:
            with pytest.raises((ValueError, TypeError)):
                failing(clf, tensors)
            assert torch.is_grad_enabled() is grad, f"{name} changed the grad mode when it raised"
            _assert_same(clf, tensors, states, f"{name}, raising")
    assert not os.listdir(tmp_path), f"{name} wrote {os.listdir(tmp_path)}"


class Boom(RuntimeError):
    pass


RUN_THE_MODEL = ["feature_maps (limits, tile)", "predictions (image_title)", "augmentations", "cam_by_layer (clip)", "curves (fontsize, subtitles)"]


@pytest.mark.parametrize("name", RUN_THE_MODEL)
def test_leaves_the_model_as_it_found_it_when_its_forward_pass_fails(name):
    clf, tensors = _classifier(), _inputs()
    calls = {"n": 0}

    def explode(_module, _inputs, _output):
        calls["n"] += 1
        raise Boom("the model failed")

    handle = clf.model.conv1.register_forward_hook(explode)
    states = _snapshot(clf, tensors)  # with the test's own hook counted
    try:
        with pytest.raises(Boom):
            CALLS[name][0](clf, tensors)
        assert calls["n"] == 1
        _assert_same(clf, tensors, states, f"{name}, the forward pass failed")
    finally:
        handle.remove()
    assert cv.hook_count(clf.model) == 0


def test_every_audited_figure_is_listed_here():
    """The functions and keywords this file covers, kept in step with the public API: a name
    dropped from ``cv.plot`` (or ``cv.optvis``, ``cv.concepts``) must be dropped here too."""
    names = {n.split(" (")[0] for n in CALLS}
    public = set(cv.plot.__all__) | set(cv.optvis.__all__) | set(cv.concepts.__all__) | set(cv.__all__)
    assert names <= public, sorted(names - public)
