"""HiResCAM, XGrad-CAM, EigenCAM and Ablation-CAM against their definitions, computed here
by hand with plain autograd, numpy and explicit per-channel forward passes."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from conftest import TinyNet, assert_clean
from torch import nn

import cnnviz_lab as cv
from cnnviz_lab.attribution.ablation import _Ablator


def _x(n=2, size=8, seed=1):
    return torch.randn(n, 3, size, size, generator=torch.Generator().manual_seed(seed))


def _acts_and_grads(net, x, layer_module, cls):
    """A (N,C,h,w) and dS_cls/dA image by image, with a plain forward hook."""
    acts, grads = [], []
    for i, c in enumerate(cls):
        store = {}
        h = layer_module.register_forward_hook(lambda m, inp, out: store.__setitem__("a", out))
        try:
            out = net(x[i : i + 1])
        finally:
            h.remove()
        (g,) = torch.autograd.grad(out[0, c], store["a"])
        acts.append(store["a"].detach()[0])
        grads.append(g[0])
    net.zero_grad(set_to_none=True)
    return torch.stack(acts), torch.stack(grads)


# --- HiResCAM ---------------------------------------------------------------------------------
def test_hirescam_is_gradient_times_activation(tiny):
    x = _x()
    a, g = _acts_and_grads(tiny, x, tiny.conv2, [1, 3])
    ref = (g * a).sum(1)
    got = cv.hirescam(tiny, x, [1, 3], layer="conv2", upsample=False, relu=False)
    torch.testing.assert_close(got, ref)
    torch.testing.assert_close(cv.hirescam(tiny, x, [1, 3], layer="conv2", upsample=False), ref.clamp_min(0))
    up = cv.hirescam(tiny, x, [1, 3], layer="conv2")
    assert up.shape == (2, 8, 8) and (up >= 0).all()
    assert_clean(tiny)


def test_hirescam_is_cam_over_hw_on_a_gap_linear_head(tiny):
    """dS/dA_k(x,y) = w_k / (h w) after GAP + linear, so HiResCAM = CAM / (h w), and its
    signed map sums over positions to S_c - b_c."""
    x = _x(2, 6)
    t = [[0, 2], [4, 1]]
    hires = cv.hirescam(tiny, x, t, layer="relu2", upsample=False, relu=False)
    cam = cv.cam(tiny, x, t, layer="relu2", upsample=False)
    torch.testing.assert_close(hires * 36, cam, rtol=1e-4, atol=1e-6)
    with torch.no_grad():
        logits = tiny(x)
    idx = torch.tensor(t)
    expect = logits.gather(1, idx) - tiny.fc.bias[idx]
    torch.testing.assert_close(hires.sum((2, 3)), expect, rtol=1e-4, atol=1e-6)
    # ... and it keeps the positions Grad-CAM would smear over: it is not Grad-CAM here
    assert (cv.hirescam(tiny, x, t, layer="conv2") - cv.gradcam(tiny, x, t, layer="conv2")).abs().amax() > 1e-4


def test_hirescam_equals_gradcam_where_the_gradient_is_constant_over_positions(tiny):
    """Right before GAP + linear, dS/dA_k(x,y) = w_k / (h w) at every position: Grad-CAM's
    spatial mean of the gradient changes nothing, so the two maps are one. (A 1x1 map, the
    other case where they coincide, is refused by both: it has nothing to localise.)"""
    x = _x(3, 6)
    t = [[0, 1], [2, 3], [4, 0]]
    torch.testing.assert_close(cv.hirescam(tiny, x, t, layer="relu2"), cv.gradcam(tiny, x, t, layer="relu2"), rtol=1e-4, atol=1e-6)
    for fn in (cv.hirescam, cv.gradcam):
        with pytest.raises(ValueError, match="1x1 feature map"):
            fn(tiny, _x(1, 1), 0, layer="conv2")


# --- XGrad-CAM --------------------------------------------------------------------------------
def test_xgradcam_weights_by_hand(tiny):
    x = _x()
    a, g = _acts_and_grads(tiny, x, tiny.relu2, [2, 0])
    an, gn = a.numpy().astype(np.float64), g.numpy().astype(np.float64)
    ref = []
    for i in range(2):
        w = []
        for k in range(an.shape[1]):
            total = an[i, k].sum()
            w.append(0.0 if total == 0 else float((an[i, k] / total * gn[i, k]).sum()))
        ref.append(np.maximum(np.tensordot(np.array(w), an[i], axes=1), 0))
    got = cv.xgradcam(tiny, x, [2, 0], layer="relu2", upsample=False)
    np.testing.assert_allclose(got.numpy(), np.stack(ref), rtol=1e-4, atol=1e-6)
    # a channel that is zero everywhere (sum 0) gets weight 0, never NaN
    with torch.no_grad():
        tiny.conv2.bias[0] = -100.0
    with torch.no_grad(), cv.capture(tiny, "relu2") as cap:
        tiny(x)
    assert (cap["relu2"][:, 0] == 0).all()
    got = cv.xgradcam(tiny, x, [2, 0], layer="relu2")
    assert torch.isfinite(got).all() and got.abs().sum() > 0


# --- EigenCAM ---------------------------------------------------------------------------------
def test_eigencam_is_the_first_principal_projection(tiny):
    x = _x(2)
    with torch.no_grad(), cv.capture(tiny, "relu2") as cap:
        tiny(x)
    acts = cap["relu2"].numpy().astype(np.float64)
    for center in (False, True):
        got = cv.eigencam(tiny, x, layer="relu2", upsample=False, center=center)
        for i in range(2):
            m = acts[i].reshape(acts.shape[1], -1).T  # positions x channels
            if center:
                m = m - m.mean(0)
            v1 = np.linalg.svd(m)[2][0]
            v1 = v1 if v1.sum() >= 0 else -v1  # the documented sign
            np.testing.assert_allclose(got[i].numpy(), (m @ v1).reshape(acts.shape[2:]), rtol=1e-4, atol=1e-5)
    plain = cv.eigencam(tiny, x, layer="relu2")
    assert (plain >= 0).all()  # uncentered, after a ReLU: non-negative
    assert (cv.eigencam(tiny, x, layer="relu2", center=True) < 0).any()  # centred: signed
    assert_clean(tiny)


def test_eigencam_is_class_agnostic_and_keeps_the_uniform_shape(tiny):
    x = _x(2)
    one = cv.eigencam(tiny, x, layer="relu2")
    assert one.shape == (2, 8, 8)
    torch.testing.assert_close(cv.eigencam(tiny, x, 3, layer="relu2"), one)
    torch.testing.assert_close(cv.eigencam(tiny, x, [1, 4], layer="relu2"), one)
    many = cv.eigencam(tiny, x, [[0, 1, 2], [3, 4, 0]], layer="relu2")
    assert many.shape == (2, 3, 8, 8)
    for k in range(3):
        torch.testing.assert_close(many[:, k], one)
    with pytest.raises(IndexError, match="out of range"):
        cv.eigencam(tiny, x, 9, layer="relu2")
    with pytest.raises(ValueError, match="feature map"):
        cv.eigencam(tiny, x, layer="fc")


# --- Ablation-CAM -----------------------------------------------------------------------------
def _ablation_reference(net, x, layer_module, cls):
    """w_k = (y_c - y_c^k) / |y_c|, one plain forward per channel with channel k zeroed."""
    maps = []
    for i, c in enumerate(cls):
        store = {}
        h = layer_module.register_forward_hook(lambda m, inp, out: store.__setitem__("a", out.clone()))
        with torch.no_grad():
            y = net(x[i : i + 1])[0, c]
        h.remove()
        a = store["a"]
        w = []
        for k in range(a.shape[1]):

            def zero(m, inp, out, k=k):
                out = out.clone()
                out[:, k] = 0
                return out

            h = layer_module.register_forward_hook(zero)
            with torch.no_grad():
                w.append((y - net(x[i : i + 1])[0, c]) / y.abs())
            h.remove()
        maps.append(torch.einsum("k,khw->hw", torch.stack(w), a[0]).clamp_min(0))
    return torch.stack(maps)


def test_ablationcam_by_hand_and_one_image_passes(tiny):
    x = _x(2)
    ref = _ablation_reference(tiny, x, tiny.relu2, [1, 3])
    got = cv.ablationcam(tiny, x, [1, 3], layer="relu2", upsample=False, batch_size=3)
    torch.testing.assert_close(got, ref, rtol=1e-4, atol=1e-6)
    # the pass after the layer reads nothing from before it: one image per pass works
    ab = _Ablator(tiny, "relu2")
    with torch.no_grad(), cv.capture(tiny, "relu2") as cap:
        logits = tiny(x[:1])
    ab.scores(x[:1], cap["relu2"], torch.arange(4), logits[0])
    assert ab.shared is True
    assert_clean(tiny)


class ConcatNet(nn.Module):
    """The head concatenates a feature map from before the explained layer: a batch of one
    image before the layer cannot broadcast to the ablated copies after it."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 4, 3, padding=1)
        self.conv2 = nn.Conv2d(4, 5, 3, padding=1)
        self.fc = nn.Linear(9, 3)

    def forward(self, x):
        a = F.relu(self.conv1(x))
        b = F.relu(self.conv2(a))
        return self.fc(torch.cat([a, b], 1).mean((2, 3)))


def test_ablationcam_falls_back_to_copies_of_the_image_where_needed():
    torch.manual_seed(0)
    net = ConcatNet().eval()
    x = _x(2)
    with torch.no_grad():
        cls = net(x).argmax(1).tolist()
    ref = _ablation_reference(net, x, net.conv2, cls)
    torch.testing.assert_close(cv.ablationcam(net, x, None, layer="conv2", upsample=False, batch_size=2), ref, rtol=1e-4, atol=1e-6)
    ab = _Ablator(net, "conv2")
    with torch.no_grad(), cv.capture(net, "conv2") as cap:
        logits = net(x[:1])
    ab.scores(x[:1], cap["conv2"], torch.arange(3), logits[0])
    assert ab.shared is False
    assert_clean(net)


def test_ablationcam_keeps_the_sign_for_a_negative_logit(tiny):
    """Dividing by |y_c| (not y_c) keeps "ablating k lowers the score" a positive weight."""
    x = _x(1)
    with torch.no_grad():
        logits = tiny(x)[0]
    neg = int(logits.argmin())
    assert logits[neg] < 0
    ref = _ablation_reference(tiny, x, tiny.relu2, [neg])
    torch.testing.assert_close(cv.ablationcam(tiny, x, neg, layer="relu2", upsample=False), ref, rtol=1e-4, atol=1e-6)


def test_ablationcam_k_targets_cost_the_passes_of_one(tiny):
    x = _x(2)
    calls = []
    h = tiny.register_forward_pre_hook(lambda m, inp: calls.append(inp[0].shape[0]))
    try:
        one = cv.ablationcam(tiny, x, [1, 3], layer="relu2", batch_size=3)
        n_one, calls[:] = list(calls), []
        many = cv.ablationcam(tiny, x, [[1, 0, 2], [3, 4, 0]], layer="relu2", batch_size=3)
        n_many, calls[:] = list(calls), []
        default = cv.ablationcam(tiny, x, [1, 3], layer="relu2")
        n_default = list(calls)
    finally:
        h.remove()
    assert n_one == n_many == [2] + [1] * 6  # one pass for the batch, ceil(8/3) per image
    assert n_default == [2, 1, 1]  # default: all 8 channels' copies in one pass
    torch.testing.assert_close(default, one)
    torch.testing.assert_close(many[:, 0], one)
    with pytest.raises(ValueError, match="batch_size"):
        cv.ablationcam(tiny, x, layer="relu2", batch_size=0)


def test_ablationcam_refuses_a_reused_layer():
    torch.manual_seed(0)

    class Reused(TinyNet):
        def forward(self, x):
            x = self.relu1(self.conv2(self.relu1(self.conv1(x))))
            return self.fc(torch.flatten(self.pool(x), 1))

    with pytest.raises(ValueError, match="runs 2 times"):
        cv.ablationcam(Reused().eval(), _x(1), 0, layer="relu1")


# --- what all four share ----------------------------------------------------------------------
METHODS = [(cv.hirescam, {}), (cv.xgradcam, {}), (cv.eigencam, {}), (cv.ablationcam, {"batch_size": 5, "progress": False})]


@pytest.mark.parametrize("fn,kw", METHODS, ids=lambda v: getattr(v, "__name__", ""))
def test_batch_equals_one_by_one_and_k_equals_singles(tiny, fn, kw):
    x = _x(3)
    t = torch.tensor([[0, 3], [1, 2], [4, 0]])
    both = fn(tiny, x, t, layer="relu2", **kw)
    assert both.shape == (3, 2, 8, 8)
    for i in range(3):
        for j in range(2):
            torch.testing.assert_close(both[i, j], fn(tiny, x[i : i + 1], int(t[i, j]), layer="relu2", **kw)[0], rtol=1e-4, atol=1e-6)
    small = fn(tiny, x, None, layer="relu2", upsample=False, **kw)
    assert small.shape == (3, 8, 8)
    assert_clean(tiny)


def test_default_layer_and_classifier_targets(lite, cat_x):
    for fn in (cv.hirescam, cv.xgradcam, cv.eigencam):
        m = fn(lite, cat_x, "tabby")
        assert m.shape == (1, *cat_x.shape[-2:]) and torch.isfinite(m).all() and m.abs().sum() > 0
    assert_clean(lite)
