"""Notebook 06's architecture comparison: Grad-CAM and guided backprop per network, the
guided-backprop phase ratio (checkerboard measure) and the figure."""

from __future__ import annotations

import dataclasses

import pytest
import torch

import cnnviz_lab as cv
from cnnviz_lab.models.fallback import fallback_note
from cnnviz_lab.attribution.architectures import architecture_maps, phase_means, phase_ratio, phase_ratio_null
from cnnviz_lab.plot.guided import cam_architectures, gradient_image
from conftest import TinyNet


def test_phase_means_tabulate_each_phase_by_hand():
    board = torch.full((8, 8), 0.5)
    board[1::4, 2::4] = 3.0  # phase (1, 2) of the 4x4 grid
    table = phase_means(torch.stack([board, -board, 0 * board]), period=4)  # |a| summed over colours
    expected = torch.full((4, 4), 1.0)
    expected[1, 2] = 6.0
    assert torch.allclose(table, expected)
    assert phase_ratio(board, period=4) == pytest.approx(6.0)
    with pytest.raises(ValueError, match="period"):
        phase_means(board, period=1)


def test_phase_ratio_null_keeps_values_and_loses_the_grid():
    board = torch.ones(64, 64)
    board[::8, ::8] = 9.0  # a strong period-8 grid
    null = phase_ratio_null(board, period=8, block=16, draws=12, seed=0)
    assert null.shape == (12,) and phase_ratio(board, period=8) == pytest.approx(9.0)
    assert float(null.max()) < 3.0 and float(null.min()) >= 1.0  # shuffled within tiles: the grid is gone
    assert torch.equal(null, phase_ratio_null(board, period=8, block=16, draws=12, seed=0))  # same seed, same draws
    assert float(phase_ratio_null(torch.ones(32, 32), period=4).max()) == pytest.approx(1.0)  # a flat map stays flat
    with pytest.raises(ValueError, match="block"):
        phase_ratio_null(board, period=8, block=4)
    with pytest.raises(ValueError, match="block"):
        phase_ratio_null(board, block=1.5)
    with pytest.raises(ValueError, match="draws"):
        phase_ratio_null(board, draws=0)
    with pytest.raises(ValueError, match="tile"):
        phase_ratio_null(torch.ones(8, 40), period=2, block=16)


def test_phase_ratio_by_hand():
    assert phase_ratio(torch.ones(4, 6)) == pytest.approx(1.0)
    board = torch.full((6, 6), 0.5)
    board[::2, ::2] = 1.0  # one phase twice as strong as the others
    assert phase_ratio(board) == pytest.approx(2.0)
    rgb = torch.stack([board, -board, board])  # |a| summed over the colour channels
    assert phase_ratio(rgb[None]) == pytest.approx(2.0)
    assert phase_ratio(torch.zeros(4, 4)) == float("inf")
    with pytest.raises(ValueError, match="attribution"):
        phase_ratio(torch.ones(2, 3, 4, 4))
    with pytest.raises(ValueError, match="attribution"):
        phase_ratio(torch.ones(1, 5))


def test_gradient_image_is_grey_where_zero():
    g = torch.zeros(3, 4, 4)
    g[0, 0, 0], g[1, 1, 1] = 2.0, -2.0
    img = gradient_image(g, percentile=100)
    assert img.shape == (4, 4, 3) and img[2, 2, 0] == pytest.approx(0.5)
    assert img[0, 0, 0] == pytest.approx(1.0) and img[1, 1, 1] == pytest.approx(0.0)
    with pytest.raises(ValueError, match="attribution"):
        gradient_image(torch.zeros(4, 4))


@pytest.fixture
def two_nets():
    torch.manual_seed(0)
    a = cv.wrap_model(TinyNet().eval(), input_size=16, name="tiny_a", device="cpu")
    torch.manual_seed(1)
    b = cv.wrap_model(TinyNet(inplace=True).eval(), input_size=16, name="tiny_b", device="cpu")
    return a, b


def test_architecture_maps_match_the_methods(two_nets):
    a, b = two_nets
    image = torch.rand(3, 20, 20)
    results = architecture_maps([a, b], image, 2, size=16)
    assert [r.name for r in results] == ["tiny_a", "tiny_b"]
    for r, clf in zip(results, (a, b)):
        x = clf.preprocess(image, size=16)
        assert torch.equal(r.x, x) and r.layer == clf.cam_layer and r.grid == (16, 16)
        assert torch.allclose(r.gradcam, cv.gradcam(clf, x, 2)[0], atol=1e-6)
        assert torch.allclose(r.guided, cv.guided_backprop(clf, x, 2)[0], atol=1e-6)
        assert torch.allclose(r.guided_gradcam, cv.guided_gradcam(clf, x, 2)[0], atol=1e-6)
        assert r.phase_ratio == pytest.approx(phase_ratio(r.guided))
        assert cv.hook_count(clf) == 0
    fig = cam_architectures(results, "class 2")
    titles = [ax.get_title() for ax in fig.axes]
    assert sum("tiny_a" in t for t in titles) == 4 and sum("tiny_b" in t for t in titles) == 4
    assert any("(16x16)" in t for t in titles)


def test_the_same_network_is_explained_once_and_a_stand_in_gives_way(two_nets):
    a, b = two_nets
    stand_in = dataclasses.replace(a, requested="vgg16", fallback_note=fallback_note("vgg16", "offline", a.name))
    results = architecture_maps([stand_in, b, a, a], torch.rand(3, 16, 16), 1)
    assert [r.name for r in results] == ["tiny_a", "tiny_b"]  # a itself, not "tiny_a (for VGG16)"
    alone = architecture_maps([stand_in], torch.rand(3, 16, 16), 1)
    assert [r.name for r in alone] == ["tiny_a (for VGG16)"]
    with pytest.raises(ValueError, match="classifiers"):
        architecture_maps([], torch.rand(3, 16, 16), 1)
    with pytest.raises(TypeError, match="classifiers"):
        architecture_maps([a.model], torch.rand(3, 16, 16), 1)
