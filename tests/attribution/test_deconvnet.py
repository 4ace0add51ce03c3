"""Deconvnet and the three ReLU backward rules, checked against hand computations and a
reference network whose rectifiers are written out with the deconvnet backward."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from conftest import SiLUNet, TinyNet, assert_clean
from torch import nn

import cnnviz_lab as cv
from cnnviz_lab.attribution import modified_backprop, guided_relus
from cnnviz_lab.attribution.guided import UnsupportedActivationError


def _x(n=2, size=8, seed=1):
    return torch.randn(n, 3, size, size, generator=torch.Generator().manual_seed(seed))


# --- hand computation -----------------------------------------------------------------
# z = W3 r(W2 r(W1 x)) at x = (1, 2): first pre-activations (-1, 4, 1), second (3, 6).
# Backward from z: (2, -1) at the second rectifier.
#   deconvnet: max -> (2, 0); W2^T -> (2, 2, -2); max -> (2, 2, 0); W1^T -> (6, 0)
#   guided:    mask (1, 1) and max -> (2, 0); W2^T -> (2, 2, -2); mask (0, 1, 1) -> (0, 2, -2);
#              max -> (0, 2, 0); W1^T -> (4, 2)
#   vanilla:   (2, -1); W2^T -> (3, 1, -4); mask -> (0, 1, -4); W1^T -> (6, -3)
# With ReLU6 the second unit sits at exactly 6 (outside 0 < x < 6): guided and vanilla
# lose it, deconvnet ignores the forward mask and does not.
W1 = [[1.0, -1.0], [2.0, 1.0], [-1.0, 1.0]]
W2 = [[1.0, 1.0, -1.0], [-1.0, 1.0, 2.0]]
W3 = [[2.0, -1.0]]
X = torch.tensor([1.0, 2.0]).view(1, 2, 1, 1)


class HandNet(nn.Module):
    def __init__(self, style: str) -> None:
        super().__init__()
        self.style = style
        self.fc1, self.fc2, self.fc3 = (nn.Linear(len(w[0]), len(w), bias=False) for w in (W1, W2, W3))
        for fc, w in zip((self.fc1, self.fc2, self.fc3), (W1, W2, W3)):
            fc.weight.data = torch.tensor(w)
        self.act = nn.ReLU6(inplace=True) if style == "relu6" else nn.ReLU(inplace=style == "inplace")

    def rect(self, h):
        if self.style == "functional":
            return F.relu(h)
        if self.style == "method":
            return h.relu_()
        if self.style == "hardtanh":
            return F.hardtanh(h, 0.0, 6.0)
        return self.act(h)  # one module, reused for both layers

    def forward(self, x):
        return self.fc3(self.rect(self.fc2(self.rect(self.fc1(x.flatten(1))))))


@pytest.mark.parametrize("style", ["module", "inplace", "functional", "method", "relu6", "hardtanh"])
def test_the_three_rules_hand_computed(style):
    net = HandNet(style).eval()
    six = style in ("relu6", "hardtanh")
    torch.testing.assert_close(cv.deconvnet(net, X, 0).flatten(), torch.tensor([6.0, 0.0]))
    torch.testing.assert_close(modified_backprop(net, X, 0, backward="guided").flatten(), torch.tensor([4.0, 2.0]))
    torch.testing.assert_close(modified_backprop(net, X, 0, backward="vanilla").flatten(), torch.tensor([6.0, 0.0] if six else [6.0, -3.0]))
    assert_clean(net)


def test_from_layer_and_channel_hand_computed():
    net = HandNet("module").eval()
    # the second pre-activation, channel 0: W2[0] = (1, 1, -1); max -> (1, 1, 0); W1^T -> (3, 0)
    torch.testing.assert_close(cv.deconvnet(net, X, from_layer="fc2", channel=0).flatten(), torch.tensor([3.0, 0.0]))
    # all channels of fc2: (1, 1) -> W2^T = (0, 2, 1) -> max -> W1^T -> (3, 3)
    torch.testing.assert_close(cv.deconvnet(net, X, from_layer="fc2").flatten(), torch.tensor([3.0, 3.0]))
    with pytest.raises(ValueError, match="either target"):
        cv.deconvnet(net, X, 0, from_layer="fc2")
    with pytest.raises(ValueError, match="channel= needs from_layer"):
        cv.deconvnet(net, X, channel=1)
    with pytest.raises(IndexError, match="out of range"):
        cv.deconvnet(net, X, from_layer="fc2", channel=5)
    assert_clean(net)


def test_unknown_rule_is_refused():
    with pytest.raises(ValueError, match="backward must be one of"):
        modified_backprop(HandNet("module"), X, 0, backward="lrp")
    with pytest.raises(ValueError, match="backward must be one of"):
        with guided_relus(backward="deconv"):
            pass


# --- every way of calling a rectifier ----------------------------------------------------
class _RefDeconv(torch.autograd.Function):
    """relu or relu6 forward, ``max(g, 0)`` backward: the deconvnet rule written out."""

    @staticmethod
    def forward(ctx, x, top):
        return x.clamp(0, top)

    @staticmethod
    def backward(ctx, g):
        return g.clamp(min=0), None


class MixedNet(nn.Module):
    """Rectifiers called every way models call them; ``reference=True`` swaps each for
    the written-out deconvnet rule, giving the answer by plain autograd."""

    def __init__(self) -> None:
        super().__init__()
        self.convs = nn.ModuleList(nn.Conv2d(c, 6, 3, padding=1) for c in (3, 6, 6, 6, 6))
        self.relu = nn.ReLU(inplace=True)  # reused twice
        self.relu6 = nn.ReLU6()
        self.fc = nn.Linear(6, 5)
        self.reference = False

    def r(self, h, how):
        if self.reference:
            return _RefDeconv.apply(h, 6.0 if how in ("relu6", "hardtanh") else float("inf"))
        return {
            "functional": lambda: F.relu(h),
            "module": lambda: self.relu(h),
            "inplace": lambda: torch.relu_(h),
            "relu6": lambda: self.relu6(h),
            "hardtanh": lambda: F.hardtanh(h, 0.0, 6.0, inplace=True),
        }[how]()

    def forward(self, x):
        c = self.convs
        h = self.r(c[0](x), "functional")
        h = self.r(c[1](h), "module")
        h = self.r(c[2](h) * 30, "relu6")
        h = self.r(h + c[3](h), "module")  # the same module again, on a residual sum
        h = self.r(c[4](h) * 30, "hardtanh")
        return self.fc(self.r(h, "inplace").mean((2, 3)))


def test_every_rectifier_call_gets_the_deconvnet_rule():
    torch.manual_seed(0)
    net = MixedNet().eval()
    x = _x(2)
    targets = [[1, 4], [0, 2]]
    got = cv.deconvnet(net, x, targets)
    net.reference = True
    ref = []
    for i, row in enumerate(targets):
        for c in row:
            xi = x[i : i + 1].clone().requires_grad_(True)
            (g,) = torch.autograd.grad(net(xi)[0, c], xi)
            ref.append(g[0])
    ref = torch.stack(ref).view(2, 2, 3, 8, 8)
    net.reference = False
    torch.testing.assert_close(got, ref, rtol=1e-4, atol=1e-6)
    with torch.no_grad():
        pre = net.convs[2](net.relu(net.convs[1](F.relu(net.convs[0](x))))) * 30
    assert (pre > 6).any() and (pre < 0).any()  # ReLU6 clips on both sides here
    assert (got - cv.guided_backprop(net, x, targets)).abs().amax() > 1e-3 * ref.abs().amax()
    net.zero_grad(set_to_none=True)
    assert_clean(net)


def test_guided_rule_of_the_generalised_mode_is_guided_backprop():
    torch.manual_seed(0)
    net = MixedNet().eval()
    x = _x(2)
    torch.testing.assert_close(modified_backprop(net, x, [[1, 4], [0, 2]], backward="guided"), cv.guided_backprop(net, x, [[1, 4], [0, 2]]))
    torch.testing.assert_close(modified_backprop(net, x, [3, 1], backward="vanilla"), cv.saliency(net, x, [3, 1]))
    torch.testing.assert_close(
        modified_backprop(net, x, from_layer="convs.3", channel=[2, 5]), cv.guided_backprop(net, x, from_layer="convs.3", channel=[2, 5])
    )


# --- when the rules coincide -----------------------------------------------------------------
# deconvnet - guided = (1 - 1[x > 0]) * max(g, 0): zero wherever every rectifier input is
# positive (the forward mask is all ones), whatever the weights. guided - vanilla =
# 1[x > 0] * min(g, 0) removed: zero when moreover every backward signal reaching a
# rectifier is non-negative (non-negative weights after it).
def _positive_tiny(nonneg_weights: bool) -> TinyNet:
    torch.manual_seed(0)
    net = TinyNet().eval()
    with torch.no_grad():
        for conv in (net.conv1, net.conv2):
            conv.weight.abs_()
            conv.bias.fill_(0.5)  # positive inputs -> positive pre-activations
        if nonneg_weights:
            net.fc.weight.abs_()
        else:
            net.fc.weight.copy_(torch.randn_like(net.fc.weight))
    return net


def test_deconvnet_equals_guided_when_every_rectifier_input_is_positive():
    x = _x(2).abs()
    net = _positive_tiny(nonneg_weights=False)
    deconv, guided, vanilla = cv.deconvnet(net, x, [[0, 1], [2, 3]]), cv.guided_backprop(net, x, [[0, 1], [2, 3]]), cv.saliency(net, x, [[0, 1], [2, 3]])
    torch.testing.assert_close(deconv, guided)
    assert (guided - vanilla).abs().amax() > 1e-3 * vanilla.abs().amax()  # negative signals cut
    net = _positive_tiny(nonneg_weights=True)
    torch.testing.assert_close(cv.deconvnet(net, x, 1), cv.saliency(net, x, 1))
    torch.testing.assert_close(cv.guided_backprop(net, x, 1), cv.saliency(net, x, 1))
    # an ordinary network: some rectifier inputs are negative, so the two rules differ
    torch.manual_seed(0)
    plain = TinyNet().eval()
    assert (cv.deconvnet(plain, _x(2), 1) - cv.guided_backprop(plain, _x(2), 1)).abs().amax() > 1e-4


# --- the common signature ---------------------------------------------------------------------
def test_batch_equals_images_one_by_one_and_k_targets_equal_k_calls(tiny):
    x = _x(3)
    t = torch.tensor([[0, 3], [1, 2], [4, 0]])
    both = cv.deconvnet(tiny, x, t)
    assert both.shape == (3, 2, 3, 8, 8)
    for i in range(3):
        for j in range(2):
            torch.testing.assert_close(both[i, j], cv.deconvnet(tiny, x[i : i + 1], int(t[i, j]))[0])
    assert cv.deconvnet(tiny, x).shape == (3, 3, 8, 8)
    assert_clean(tiny)


def test_undefined_activation_raises_unless_generalised():
    torch.manual_seed(0)
    net = SiLUNet().eval()
    with pytest.raises(UnsupportedActivationError, match=r"deconvnet rule.*SiLUNet uses SiLU.*max\(grad, 0\)"):
        cv.deconvnet(net, _x(1), 0)
    # generalize=True: the SiLU passes back max(g, 0), its own derivative ignored
    x = _x(1).requires_grad_(True)
    pre = net.conv(x)
    y = F.silu(pre.detach()) + _Straight.apply(pre)  # SiLU's value, max(g, 0) to pre
    (ref,) = torch.autograd.grad(net.fc(y.mean((2, 3)))[0, 2], x)
    net.zero_grad(set_to_none=True)
    torch.testing.assert_close(cv.deconvnet(net, x.detach(), 2, generalize=True), ref)
    assert_clean(net)


class _Straight(torch.autograd.Function):
    """Value 0, gradient max(g, 0) to its input."""

    @staticmethod
    def forward(ctx, x):
        return torch.zeros_like(x)

    @staticmethod
    def backward(ctx, g):
        return g.clamp(min=0)
