"""Known traps of the peer libraries, and proof that cnnviz_lab gets each case right.

Each test runs the peer (Captum, pytorch-grad-cam) and our function on the same model and
inputs, and compares both with a reference computed from the definition. The peers are
benchmark-only dependencies (``pip install -e .[bench]``); CI does not install them, so the
whole module is skipped there, saying why.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
import torchvision

import cnnviz_lab as cv

from conftest import RefGuidedReLU, TinyNet, assert_clean, tiny_pair

captum_attr = pytest.importorskip(
    "captum.attr", reason="Captum is not installed (benchmark extra: pip install -e .[bench]); the peer-trap tests compare against it"
)
gradcam_lib = pytest.importorskip(
    "pytorch_grad_cam", reason="pytorch-grad-cam is not installed (benchmark extra: pip install -e .[bench]); the peer-trap tests compare against it"
)
from pytorch_grad_cam import GradCAM, GuidedBackpropReLUModel  # noqa: E402
from pytorch_grad_cam.activations_and_gradients import ActivationsAndGradients  # noqa: E402
from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget  # noqa: E402


def _logit_grad(model, x, cls):
    xg = x.clone().requires_grad_(True)
    out = model(xg)
    score = out[torch.arange(len(cls)), torch.as_tensor(cls)].sum()
    (g,) = torch.autograd.grad(score, xg)
    return g


def _reference_guided(model, x, cls, monkeypatch):
    """Guided backprop with F.relu itself replaced (nn.ReLU modules call F.relu too), so
    every rectifier gets the rule, however the model calls it."""
    with monkeypatch.context() as mp:
        mp.setattr(F, "relu", lambda t, inplace=False: RefGuidedReLU.apply(t))
        return _logit_grad(model, x, cls)


# --- pytorch-grad-cam: guided backprop explains only the first image of a batch ----------
def test_gradcam_lib_guided_backprop_explains_only_image_0():
    torch.manual_seed(0)
    x = torch.randn(3, 3, 16, 16)
    cls = 2
    ours_batch = cv.guided_backprop(_tiny(), x, cls)
    ours_each = torch.cat([cv.guided_backprop(_tiny(), x[i : i + 1], cls) for i in range(3)])
    torch.testing.assert_close(ours_batch, ours_each)  # every image explained

    def theirs(inp):
        net = _tiny()  # a fresh copy: the peer swaps modules and fills parameter .grad
        return torch.from_numpy(GuidedBackpropReLUModel(net, device="cpu")(inp.clone(), cls)).permute(2, 0, 1)

    batch_map = theirs(x)  # one (H,W,3) map for 3 images
    assert batch_map.shape == (3, 16, 16)
    each = [theirs(x[i : i + 1]) for i in range(3)]
    torch.testing.assert_close(batch_map, each[0])  # ... it is image 0's
    for i in (1, 2):
        assert (batch_map - each[i]).abs().amax() > 1e-3 * each[i].abs().amax()
    for i in range(3):  # one image: both agree
        torch.testing.assert_close(ours_each[i], each[i], rtol=1e-4, atol=1e-6)


def _tiny():
    torch.manual_seed(0)
    return TinyNet().eval()


# --- Captum: GuidedBackprop misses ReLUs called as functions (DenseNet) -------------------
def test_captum_guided_backprop_misses_functional_relu(monkeypatch):
    torch.manual_seed(0)
    model = torchvision.models.densenet121(weights=None).eval()
    x = torch.randn(2, 3, 64, 64)
    cls = [3, 7]
    ref = _reference_guided(model, x, cls, monkeypatch)
    scale = ref.abs().amax()
    assert scale > 0
    ours = cv.guided_backprop(model, x, cls)
    torch.testing.assert_close(ours / scale, ref / scale, rtol=1e-3, atol=1e-4)
    assert_clean(model)
    theirs = captum_attr.GuidedBackprop(model).attribute(x.clone(), target=cls).detach()
    # densenet121's final F.relu(features, inplace=True) keeps its ordinary gradient in Captum
    assert (theirs - ref).abs().amax() > 0.05 * scale


def test_captum_guided_backprop_agrees_when_every_relu_is_a_module(monkeypatch):
    """The same comparison on a network of ReLU modules only: Captum is right there, which
    shows the difference above is the functional call and not the comparison."""
    net = _tiny()
    x = torch.randn(2, 3, 16, 16)
    ref = _reference_guided(net, x, [1, 4], monkeypatch)
    theirs = captum_attr.GuidedBackprop(net).attribute(x.clone(), target=[1, 4]).detach()
    ours = cv.guided_backprop(net, x, [1, 4])
    torch.testing.assert_close(theirs, ref, rtol=1e-4, atol=1e-6)
    torch.testing.assert_close(ours, ref, rtol=1e-4, atol=1e-6)


# --- activations read after an in-place ReLU -----------------------------------------------
def _true_conv2(net, x):
    with torch.no_grad():
        return net.conv2(F.relu(net.conv1(x)))  # conv2's output before its ReLU


def test_inplace_relu_after_the_hooked_layer():
    plain, inplace = tiny_pair()
    torch.manual_seed(1)
    x = torch.randn(2, 3, 8, 8)
    true = _true_conv2(plain, x)
    assert (true < 0).any()  # there is something for the ReLU to overwrite

    # ours: capture() records conv2's true output even with relu2(inplace=True) after it
    with cv.capture(inplace, "conv2") as cap:
        inplace(x)
    torch.testing.assert_close(cap["conv2"], true)
    assert cv.hook_count(inplace) == 0
    # ... and every CAM map is identical with and without in-place ReLUs
    for fn in (cv.gradcam, cv.gradcam_pp, cv.layercam):
        torch.testing.assert_close(fn(inplace, x, [1, 3], layer="conv2"), fn(plain, x, [1, 3], layer="conv2"))

    # pytorch-grad-cam: its forward hook stores the output (detach() shares storage on the
    # CPU), which the in-place ReLU then overwrites: it sees relu(conv2), not conv2
    grabber = ActivationsAndGradients(inplace, [inplace.conv2], None)
    with torch.no_grad():
        grabber(x)
    stored = grabber.activations[0]
    grabber.release()
    assert (stored - true).abs().amax() > 0.1 * true.abs().amax()
    torch.testing.assert_close(stored, true.clamp(min=0))
    maps = {}
    for name, net in (("plain", plain), ("inplace", inplace)):
        with GradCAM(net, [net.conv2]) as cam:
            maps[name] = cam(x.clone(), targets=[ClassifierOutputTarget(1), ClassifierOutputTarget(3)])
    assert np.abs(maps["plain"] - maps["inplace"]).max() > 1e-2  # the map changes with inplace=True

    # Captum's layer methods are not affected: their hook returns a copy
    la = captum_attr.LayerActivation(inplace, inplace.conv2).attribute(x)
    torch.testing.assert_close(la, true)
    theirs = captum_attr.LayerGradCam(inplace, inplace.conv2).attribute(x, target=[1, 3], relu_attributions=True)
    torch.testing.assert_close(theirs[:, 0], cv.gradcam(inplace, x, [1, 3], layer="conv2"), rtol=1e-4, atol=1e-6)


def test_gradcam_matches_pytorch_grad_cam_without_the_trap():
    """Agreement where the peer is right (no in-place ReLU): ours, min-max normalised per
    image as the peer returns it, equals pytorch-grad-cam's Grad-CAM."""
    plain, _ = tiny_pair()
    torch.manual_seed(1)
    x = torch.randn(2, 3, 8, 8)
    with GradCAM(plain, [plain.conv2]) as cam:
        theirs = torch.from_numpy(cam(x.clone(), targets=[ClassifierOutputTarget(1), ClassifierOutputTarget(3)]))
    ours = cv.gradcam(plain, x, [1, 3], layer="conv2")
    flat = ours.flatten(1)
    lo, hi = flat.min(1, keepdim=True).values, flat.max(1, keepdim=True).values
    norm = ((flat - lo) / (hi - lo + 1e-7)).view_as(ours)
    torch.testing.assert_close(norm, theirs.float(), rtol=1e-4, atol=1e-4)
