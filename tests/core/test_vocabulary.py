"""One vocabulary (issue 16): ``rule=`` for IG's quadrature, ``from_layer=`` for guided
backprop's start layer (one spelling each, no deprecated aliases), one rule each for
``batch_size``, ``seed`` and ``progress``, typed results instead of ``output=`` switches,
and the shared foundations (one batched backward, one blur)."""

from __future__ import annotations

import warnings

import pytest
import torch
from PIL import Image
from torch import nn

import cnnviz_lab as cv
from cnnviz_lab.core import autograd, blur, defaults
from conftest import TinyNet

X = torch.randn(2, 3, 16, 16)


# --- one spelling each (the package is unreleased: no deprecated aliases) --------------------
def test_old_spellings_are_refused_with_a_type_error(tiny):
    with pytest.raises(TypeError, match="method"):
        cv.integrated_gradients(tiny, X, 1, steps=4, method="riemann_middle")
    with pytest.raises(TypeError, match="layer"):
        cv.guided_backprop(tiny, X, layer="conv2", channel=3)
    for fn, kw in (
        (cv.maximize, dict(objective="conv2:1", size=16)),
        (cv.invert, dict(image=X[:1], layer="conv2")),
        (cv.deepdream, dict(image=X[:1].sigmoid(), layers="conv2")),
    ):
        with pytest.raises(TypeError, match="output"):
            fn(tiny, steps=2, seed=0, output="tensor", **kw)
    assert not torch.equal(
        cv.integrated_gradients(tiny, X, 1, steps=4, rule="riemann_middle"), cv.integrated_gradients(tiny, X, 1, steps=4)
    )  # the rule matters


def test_renamed_functions_show_their_new_signature():
    import inspect

    assert "rule" in inspect.signature(cv.integrated_gradients).parameters
    assert "method" not in inspect.signature(cv.integrated_gradients).parameters
    assert "from_layer" in inspect.signature(cv.guided_backprop).parameters
    assert "layer" not in inspect.signature(cv.guided_backprop).parameters


def test_no_warning_with_the_new_spellings(tiny):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cv.integrated_gradients(tiny, X, 1, steps=2, rule="gausslegendre")
        cv.guided_backprop(tiny, X, from_layer="conv1")
        cv.maximize(tiny, "conv2:1", size=16, steps=1, seed=0)


# --- typed results ----------------------------------------------------------------------
def test_maximize_and_invert_return_a_rendering(tiny):
    res = cv.maximize(tiny, "conv2:0-2", size=16, steps=2, seed=0)
    assert isinstance(res, cv.Rendering) and res.tensor.shape == (3, 3, 16, 16)
    assert len(res.images) == 3 and isinstance(res.image, Image.Image)
    assert res._repr_png_()[:8] == b"\x89PNG\r\n\x1a\n" and res.strip().size == (48, 16)
    assert repr(res) == "Rendering('conv2:0..2', 3 images of 16x16, 2 steps)"
    inv = cv.invert(tiny, X[:1], "conv2", steps=2, seed=0, size=16)
    assert isinstance(inv, cv.Rendering) and inv.info["layer"] == "conv2"


def test_randomization_result_has_a_short_repr(tiny):
    res = cv.randomization_check(tiny, cv.saliency, X, seed=0, progress=False)
    text = repr(res)
    assert text.startswith("RandomizationResult(method='saliency', 3 layers (fc .. conv1), 2 images, cascading")
    assert "tensor" not in text and len(text) < 200
    assert not hasattr(res, "extra")


# --- one rule each: batch_size, seed, progress ----------------------------------------
def test_the_batch_size_rule():
    small = TinyNet()
    big = nn.Sequential(nn.Conv2d(3, 3, 1), nn.Linear(8000, 8000))  # 64 M parameters
    x224, x112 = torch.zeros(1, 3, 224, 224), torch.zeros(1, 3, 112, 112)
    assert defaults.batch_size(None, small, x224) == 4
    assert defaults.batch_size(None, small, x224, backward=True) == 8
    assert defaults.batch_size(None, small, x112) == 16  # a quarter of the pixels
    assert defaults.batch_size(None, big, x224) == 4  # on a CPU size does not matter
    assert defaults.batch_size(None, small, torch.zeros(1, 3, 16, 16)) == 256  # capped
    assert defaults.batch_size(5, small, x224) == 5
    with pytest.raises(ValueError, match="batch_size"):
        defaults.batch_size(0, small, x224)
    if torch.cuda.is_available():
        on_gpu = x224.cuda()
        assert defaults.batch_size(None, small, on_gpu) == 64 and defaults.batch_size(None, big, on_gpu) == 32


def test_seed_none_is_unseeded_and_an_int_is_reproducible(tiny):
    a = cv.smoothgrad(tiny, X, n=3)
    b = cv.smoothgrad(tiny, X, n=3)
    assert not torch.equal(a, b)
    torch.testing.assert_close(cv.smoothgrad(tiny, X, n=3, seed=4), cv.smoothgrad(tiny, X, n=3, seed=4))
    torch.manual_seed(1)
    c = cv.smoothgrad(tiny, X, n=3)
    torch.manual_seed(1)
    torch.testing.assert_close(c, cv.smoothgrad(tiny, X, n=3))  # torch.manual_seed still governs None
    assert not torch.equal(cv.random_map(X), cv.random_map(X))
    assert torch.equal(cv.random_map(X, seed=2), cv.random_map(X, seed=2))


def test_the_progress_rule(tiny, capsys):
    assert not defaults.show_progress(None, defaults.LONG_CALL - 1)
    assert defaults.show_progress(None, defaults.LONG_CALL)
    assert defaults.show_progress(True, 1) and not defaults.show_progress(False, 10**6)
    x = torch.randn(1, 3, 32, 32)
    cv.occlusion(tiny, x, window=4, stride=4)  # 64 occluded images: a long call
    assert "occlusion" in capsys.readouterr().err
    cv.occlusion(tiny, x, window=8, stride=8)  # 16: no bar
    cv.integrated_gradients(tiny, x, steps=8)
    assert capsys.readouterr().err == ""


# --- shared foundations -----------------------------------------------------------------
def test_one_batched_backward_falls_back_with_a_warning():
    class NoVmap(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g.detach() * 2  # detach has no batching rule

    torch.manual_seed(0)
    net = TinyNet().eval()
    x = torch.randn(2, 3, 16, 16, requires_grad=True)
    scores = net(NoVmap.apply(x))[:, :3]
    with pytest.warns(autograd.BatchedBackwardWarning, match="3 backward passes"):
        fallback = autograd.batched_vjp(scores, x)
    torch.testing.assert_close(fallback, autograd.batched_vjp(net(NoVmap.apply(x))[:, :3], x, batched=False))
    from cnnviz_lab.attribution.gradients import batched_grad

    assert batched_grad is autograd.batched_vjp


def test_one_gaussian_blur_serves_occlusion_insertion_and_feature_visualisation():
    import importlib

    from cnnviz_lab.optvis import param

    occ = importlib.import_module("cnnviz_lab.attribution.occlusion")
    from cnnviz_lab.core.perturb import fill_image

    assert occ.gaussian_blur is blur.gaussian_blur
    x = torch.rand(1, 3, 20, 20)
    torch.testing.assert_close(fill_image(x, "blur", None, 2.0), blur.gaussian_blur(x, 2.0))
    p = param.PixelImage(1, 20, init=x)
    p.blur_(1.0)
    torch.testing.assert_close(p(), blur.gaussian_blur(x.clamp(1e-3, 1 - 1e-3), 1.0), atol=1e-5, rtol=1e-4)
