"""Display keywords of the evaluation figures: gradient maps drawn max-pooled in the pointing
game (display only), a line style per method in the sanity spread, and the AUC bars sorted
per panel. Each default leaves the figure as before; bad values raise one clear error."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from matplotlib import colormaps

import cnnviz_lab as cv
from cnnviz_lab.evaluate import evaluate_methods
from conftest import TinyNet


@pytest.fixture(scope="module")
def ev():
    torch.manual_seed(0)
    model = TinyNet(classes=5).eval()
    x = torch.randn(2, 3, 16, 16)
    return evaluate_methods(model, x, ["saliency", "gradcam_pp", "gradcam"], [1, 3], steps=3, seed=0, layers=["fc", "conv2"])


def test_pointing_grid_draws_pooled_maps_for_display_only():
    attr = torch.zeros(1, 6, 6)
    attr[0, 2, 2] = 1.0  # one isolated peak, in the box
    boxes = [[(0, 0, 4, 4)]]
    img = torch.zeros(1, 3, 6, 6)  # black: a panel shows half the colour
    fig = cv.plot.pointing_grid({"sal": attr}, boxes, img, colorbar=True, pooled={"sal": 3}, labels={"sal": "Saliency"})
    shown = fig.axes[0].get_images()[0].get_array()
    top, bottom = 0.5 * np.array(colormaps["jet"](1.0)[:3]), 0.5 * np.array(colormaps["jet"](0.0)[:3])
    for r in range(6):  # every pixel within one of the peak shows the peak's colour, the rest the minimum's
        for c in range(6):
            near = abs(r - 2) <= 1 and abs(c - 2) <= 1
            assert np.allclose(shown[r, c], top if near else bottom, atol=0.01), (r, c)
    assert fig.axes[0].get_title() == "Saliency (drawn max-pooled 3x3)\nimage 0: hit"  # the verdict reads the map itself
    bar = [ax for ax in fig.axes if ax.get_label() == "<colorbar>"][0]
    assert bar.get_ylabel() == "map / its maximum; Saliency: max-pooled 3x3 for display"
    plain = cv.plot.pointing_grid({"sal": attr}, boxes, img, colorbar=True)  # default: drawn as before
    assert np.allclose(plain.axes[0].get_images()[0].get_array()[1, 1], bottom, atol=0.01)
    assert plain.axes[0].get_title() == "sal\nimage 0: hit"
    for bad in ({"other": 3}, {"sal": 0}, {"sal": 2.5}, {"sal": True}):
        with pytest.raises(ValueError, match="pooled"):
            cv.plot.pointing_grid({"sal": attr}, boxes, img, pooled=bad)


def test_sanity_spread_takes_a_line_style_per_method(ev):
    groups = {"gradients": ["saliency"], "CAMs": ["gradcam_pp", "gradcam"]}
    fig = cv.plot.sanity_spread(ev.sanity, groups, styles={"gradcam_pp": "s--"})
    mains = {line.get_label(): line for ax in fig.axes for line in ax.get_lines() if not line.get_label().startswith("_")}
    assert (mains["gradcam_pp"].get_linestyle(), mains["gradcam_pp"].get_marker()) == ("--", "s")
    assert all((mains[k].get_linestyle(), mains[k].get_marker()) == ("-", "o") for k in ("saliency", "gradcam"))
    for bad in ({"layercam": "s--"}, {"gradcam_pp": 3}, ["gradcam_pp"]):
        with pytest.raises(ValueError, match="styles"):
            cv.plot.sanity_spread(ev.sanity, groups, styles=bad)


def test_auc_bars_sort_each_panel_by_its_own_metric(ev):
    names = list(ev.curves)
    by_ins = sorted(names, key=lambda n: float(ev.insertion(n).mean()))
    by_del = sorted(names, key=lambda n: -float(ev.deletion(n).mean()))  # bottom first: the lowest deletion on top
    assert by_del != by_ins  # the two orders differ on this fixture, so the test can tell them apart
    each = cv.plot.auc_bars(ev, sort="each")
    labels = [[t.get_text().removesuffix(" (baseline)") for t in ax.get_yticklabels()] for ax in each.axes[:2]]
    assert labels == [by_del, by_ins]
    widths = [[p.get_width() for p in ax.patches] for ax in each.axes[:2]]
    assert widths[0] == pytest.approx([float(ev.deletion(n).mean()) for n in by_del])
    assert "sorted by deletion" in each.axes[0].get_title() and "sorted by insertion" in each.axes[1].get_title()
    shared = cv.plot.auc_bars(ev)  # default: both panels in insertion order, as before
    assert [t.get_text().removesuffix(" (baseline)") for t in shared.axes[0].get_yticklabels()] == by_ins
    assert [p.get_width() for p in shared.axes[0].patches] == pytest.approx([float(ev.deletion(n).mean()) for n in by_ins])
    assert "sorted" not in shared.axes[0].get_title()
    with pytest.raises(ValueError, match="sort"):
        cv.plot.auc_bars(ev, sort="deletion")
