"""Class-map rows in a chosen colour map, and top-k titles that give the logit a CAM explains."""

import numpy as np
import pytest
import torch
from matplotlib import colormaps

import cnnviz_lab as cv
from cnnviz_lab.plot.core import colour_map_name


def test_colour_map_name_defaults_and_refuses_unknown_names():
    assert colour_map_name(None, "jet") == "jet" and colour_map_name("inferno", "jet") == "inferno"
    with pytest.raises(ValueError, match="cmap"):
        colour_map_name("no-such-map", "jet")
    with pytest.raises(ValueError, match="cmap"):
        colour_map_name(3, "jet")


def test_cam_row_paints_the_map_and_its_colour_bar_in_the_chosen_colour_map(lite, cat_x):
    ramp = torch.linspace(0, 1, 224)[None].repeat(224, 1)  # min at the left edge, max at the right
    fig = cv.plot.cam_row(lite, cat_x, [ramp], ["ramp"], alpha=1.0, cmap="inferno")
    tile = fig.axes[1].images[0].get_array()
    assert np.allclose(tile[100, -1], colormaps["inferno"](1.0)[:3], atol=0.02)
    assert np.allclose(tile[100, 0], colormaps["inferno"](0.0)[:3], atol=0.02)
    bar = [c.cmap.name for c in fig.axes[-1].collections if type(c).__name__ == "QuadMesh"]
    assert bar == ["inferno"]  # the colour bar in the same colour map
    default = cv.plot.cam_row(lite, cat_x, [ramp], ["ramp"], alpha=1.0)
    assert np.allclose(default.axes[1].images[0].get_array()[100, -1], colormaps["jet"](1.0)[:3], atol=0.02)
    with pytest.raises(ValueError, match="cmap"):
        cv.plot.cam_row(lite, cat_x, [ramp], ["ramp"], cmap="not-a-map")


def test_cam_topk_titles_give_the_logit_and_probability_when_asked(lite, cat_x):
    with torch.no_grad():
        scores = lite.model(cat_x)[0]
    top = scores.argmax().item()
    fig = cv.plot.cam_topk(lite, cat_x, k=2, method="cam", logits=True, cmap="inferno")
    want = f"{lite.label(top)}\nS={scores[top]:.2f}, p={scores.softmax(0)[top]:.1%}"
    assert fig.axes[1].get_title() == want
    plain = cv.plot.cam_topk(lite, cat_x, k=2, method="cam")
    assert plain.axes[1].get_title() == f"{lite.label(top)}\n{scores.softmax(0)[top]:.1%}"
    with pytest.raises(TypeError, match="logits"):
        cv.plot.cam_topk(lite, cat_x, k=2, method="cam", logits="yes")


def test_cam_panel_draws_its_maps_in_the_chosen_colour_map():
    panel = cv.widgets.cam_panel(cmap="inferno")
    bar = [c.cmap.name for c in panel.last_result.axes[-1].collections if type(c).__name__ == "QuadMesh"]
    assert panel.last_error == "" and bar == ["inferno"]
    with pytest.raises(ValueError, match="cmap"):
        cv.widgets.cam_panel(cmap="no-such-map")
