"""``position=``: guided backprop and the deconvnet started from one activation of a channel
(Zeiler & Fergus 2014, Springenberg et al. 2015), checked by hand on a one-convolution net."""

from __future__ import annotations

import pytest
import torch
from conftest import assert_clean
from torch import nn

import cnnviz_lab as cv


def _net() -> nn.Sequential:
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(3, 2, 3, bias=False), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(2, 4)).eval()


X = torch.randn(2, 3, 7, 7, generator=torch.Generator().manual_seed(1))


def _placed(kernel: torch.Tensor, h: int, w: int) -> torch.Tensor:
    """d conv[c, h, w] / d x for a 3x3 kernel without padding: the kernel at rows h..h+2, columns w..w+2."""
    out = torch.zeros(3, 7, 7)
    out[:, h : h + 3, w : w + 3] = kernel
    return out


def test_position_starts_from_one_activation_hand_computed():
    net = _net()
    kernel = net[0].weight.detach()[1]
    before = X.clone()
    # no rectifier between the input and the convolution: every rule gives the kernel, placed
    for method in (cv.guided_backprop, cv.deconvnet):
        got = method(net, X, from_layer="0", channel=1, position=(2, 3))
        torch.testing.assert_close(got, torch.stack([_placed(kernel, 2, 3)] * 2))
    # from the ReLU's output: guided passes the unit's gradient only where it was active; the
    # deconvnet ignores the forward mask
    pre = net[0](X).detach()[:, 1]
    for n in range(2):
        off = (pre[n] <= 0).nonzero()[0].tolist()
        on = (pre[n] > 0).nonzero()[0].tolist()
        xn = X[n : n + 1]
        assert cv.guided_backprop(net, xn, from_layer="1", channel=1, position=off).abs().max() == 0
        torch.testing.assert_close(cv.deconvnet(net, xn, from_layer="1", channel=1, position=off)[0], _placed(kernel, *off))
        torch.testing.assert_close(cv.guided_backprop(net, xn, from_layer="1", channel=1, position=on)[0], _placed(kernel, *on))
    # "max": each image's own strongest position of the channel
    got = cv.guided_backprop(net, X, from_layer="1", channel=1, position="max")
    for n in range(2):
        h, w = divmod(int(pre[n].flatten().argmax()), pre.shape[-1])
        torch.testing.assert_close(got[n], _placed(kernel, h, w))
    torch.testing.assert_close(X, before)
    assert_clean(net)


def test_without_position_the_channel_is_summed_as_before():
    net = _net()
    kernel = net[0].weight.detach()[1]
    total = sum(_placed(kernel, h, w) for h in range(5) for w in range(5))
    torch.testing.assert_close(cv.guided_backprop(net, X, from_layer="0", channel=1), torch.stack([total] * 2))


def test_bad_positions_are_refused_by_name():
    net = _net()
    with pytest.raises(ValueError, match="position= needs from_layer"):
        cv.guided_backprop(net, X, position="max")
    with pytest.raises(ValueError, match="position= needs channel"):
        cv.deconvnet(net, X, from_layer="1", position="max")
    with pytest.raises(IndexError, match="position .* out of range"):
        cv.guided_backprop(net, X, from_layer="1", channel=0, position=(5, 0))
    with pytest.raises(ValueError, match='position must be "max"'):
        cv.guided_backprop(net, X, from_layer="1", channel=0, position="argmax")
    with pytest.raises(TypeError, match="position must be"):
        cv.guided_backprop(net, X, from_layer="1", channel=0, position=(1, 2, 3))
    with pytest.raises(TypeError, match="position must be"):
        cv.guided_backprop(net, X, from_layer="1", channel=0, position=(1.5, 2))
    with pytest.raises(ValueError, match=r"\(N,C,H,W\) output"):
        cv.guided_backprop(net, X, from_layer="3", channel=0, position="max")
    assert_clean(net)
