import numpy as np
import pytest
import torch

import cnnviz_lab as cv


def _rgb_model():
    conv = torch.nn.Conv2d(3, 2, 2, bias=False)
    with torch.no_grad():
        conv.weight.zero_()
        conv.weight[0] = 0.1  # achromatic
        conv.weight[1, 0, 0, 0] = 0.4  # red against green
        conv.weight[1, 1, 0, 0] = -0.4
    return torch.nn.Sequential(conv), conv


def test_filters_gain_draws_the_folded_weights_and_keeps_the_shares():
    model, conv = _rgb_model()
    before = conv.weight.clone()
    fig = cv.plot.filters(model, scale="shared", show_share=True, gain=torch.tensor([8.0, -0.5]))
    tiles = [im.get_array() for ax in fig.axes for im in ax.get_images()]
    # folded: filter 0 is 0.8 everywhere (the largest |weight|: white), filter 1 is -0.2 red, +0.2 green
    assert np.allclose(tiles[0], 1.0)
    assert np.allclose(tiles[1][0, 0], [0.5 - 0.2 / 1.6, 0.5 + 0.2 / 1.6, 0.5])
    assert [ax.get_title() for ax in fig.axes if ax.get_images()] == ["0: 1.00", "1: 0.00"]
    assert "folded" in fig._supxlabel.get_text()
    assert torch.equal(conv.weight, before)
    plain = [im.get_array() for ax in cv.plot.filters(model, scale="shared", gain=[1.0, 1.0]).axes for im in ax.get_images()]
    assert np.allclose(plain[0], 0.5 + 0.1 / 0.8)  # a gain of one draws the weights themselves


def test_filters_gain_rejects_a_wrong_length_or_a_non_rgb_layer(lite):
    model, _ = _rgb_model()
    with pytest.raises(ValueError, match="gain"):
        cv.plot.filters(model, gain=[1.0])
    with pytest.raises(ValueError, match="gain"):
        cv.plot.filters(model, gain=[1.0, float("nan")])
    with pytest.raises(ValueError, match="gain"):
        cv.plot.filters(lite, "blocks.3.depthwise.conv", gain=torch.ones(144))


def test_filters_matrix_size_sets_the_1x1_figure_size(lite):
    fig = cv.plot.filters(lite, "blocks.1.project.conv", matrix_size=(13.0, 4.5))
    assert tuple(fig.get_size_inches()) == pytest.approx((13.0, 4.5))
    assert tuple(cv.plot.filters(lite, "blocks.1.project.conv").get_size_inches()) != pytest.approx((13.0, 4.5))
    with pytest.raises(ValueError, match="matrix_size"):
        cv.plot.filters(lite, "blocks.3.depthwise.conv", matrix_size=(13.0, 4.5))
    with pytest.raises(TypeError, match="matrix_size"):
        cv.plot.filters(lite, "blocks.1.project.conv", matrix_size=13.0)
