"""The signed / weighted colourings, boxes and occluder colours of the occlusion figures,
the reference line of the deletion/insertion curves and the coloured occluder of the previews."""

import numpy as np
import pytest
import torch
from matplotlib.colors import to_rgba

import cnnviz_lab as cv
from cnnviz_lab.plot.occlusion import _weighted_overlay
from cnnviz_lab.widgets.previews import image_preview
from PIL import Image


def test_weighted_overlay_leaves_zero_as_the_greyscale_photo_and_colours_by_sign():
    img = np.full((4, 4, 3), 0.2, dtype=np.float32)
    img[..., 0] = 0.8                                   # grey level: mean of (0.8, 0.2, 0.2) = 0.4
    m = np.zeros((4, 4), dtype=np.float32)
    m[0, 0], m[3, 3] = 1.0, -1.0
    out = _weighted_overlay(img, m, top=1.0, cmap="RdBu_r", signed=True, alpha=1.0)
    assert np.allclose(out[1, 1], 0.4)                   # no value: the photograph, in grey
    assert out[0, 0, 0] > out[0, 0, 2] and out[3, 3, 2] > out[3, 3, 0]   # positive red, negative blue
    seq = _weighted_overlay(img, m, top=1.0, cmap="magma", signed=False, alpha=1.0)
    assert np.allclose(seq[3, 3], 0.4)                   # sequential: negative values are left out


def test_occlusion_maps_signed_scale_is_symmetric_and_boxes_are_drawn(lite):
    x = torch.zeros(1, 3, 16, 16)
    maps = torch.zeros(1, 2, 16, 16)
    maps[0, 0, 2, 2], maps[0, 0, 5, 5], maps[0, 1, 9, 9] = 0.5, -2.0, 3.0
    fig = cv.plot.occlusion_maps(lite, x, maps, ["a", "b"], signed=True,
                                 boxes={"one": [(0, 0, 4, 4)], "two": [(8, 8, 12, 12), (1, 1, 3, 3)]})
    images, bars = fig.axes[:2], fig.axes[2:]
    assert [b.get_ylim() for b in bars] == [pytest.approx((-2.0, 2.0)), pytest.approx((-3.0, 3.0))]
    assert [len(ax.patches) for ax in images] == [3, 3]
    assert {t.get_text() for t in images[0].texts} == {"one", "two"}
    colours = {tuple(p.get_edgecolor()) for p in images[0].patches}
    assert colours == {to_rgba("white"), to_rgba("cyan")}
    plain = cv.plot.occlusion_maps(lite, x, maps, cmap="magma", boxes=[(0, 0, 4, 4)])
    assert [b.get_ylim()[1] for b in plain.axes[2:]] == pytest.approx([0.5, 3.0])
    assert [len(ax.patches) for ax in plain.axes[:2]] == [1, 1]


def test_occlusion_experiment_signed_shows_the_change_from_the_unoccluded_output(lite):
    x = lite.preprocess(cv.sample_image("drums_and_guitar"), size=64)
    grid = cv.occlusion_grid(lite, x, window=16, stride=16, fill="grey", progress=False)
    fig = cv.plot.occlusion_experiment(lite, x, grid, regularized=False, signed=True, occluder="grey")
    middle = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"][1]
    shown = middle.images[0].get_array()
    heat = grid.heatmap[0] if grid.squeeze else grid.heatmap[0, 0]
    expected = (heat - grid.base[0, 0]).cpu().numpy()
    assert np.allclose(shown, expected, atol=1e-6)
    lo, hi = middle.images[0].get_clim()
    assert lo == pytest.approx(-hi) and hi == pytest.approx(np.abs(expected).max())
    occluder = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"][0].patches[0]
    assert occluder.get_facecolor() == to_rgba("grey")
    with pytest.raises(ValueError, match="signed"):
        cv.plot.occlusion_experiment(lite, x, grid, signed=True)


def test_curves_draw_the_reference_line(lite):
    x = lite.preprocess(cv.sample_image("drums_and_guitar"), size=32)
    m = torch.rand(1, 32, 32, generator=torch.Generator().manual_seed(0))
    d = cv.deletion_curve(lite, x, m, steps=4, fill="blur")
    fig = cv.plot.curves({"map": d}, reference=0.25)
    dashed = [line for line in fig.axes[0].lines if line.get_linestyle() == "--"]
    assert len(dashed) == 1 and np.allclose(dashed[0].get_ydata(), 0.25)
    assert len(cv.plot.curves({"map": d}).axes[0].lines) == 1
    with pytest.raises(TypeError, match="reference"):
        cv.plot.curves({"map": d}, reference="high")


def test_image_preview_draws_the_occluder_in_the_fill_colour():
    img = Image.new("RGB", (40, 40), (10, 200, 10))
    black = image_preview(img, "t", square=(8, 8)).axes[0].patches[0]
    assert black.get_facecolor()[:3] == (0.0, 0.0, 0.0) and black.get_alpha() == 0.7
    grey = image_preview(img, "t", square=(8, 8), square_color="grey").axes[0].patches[0]
    assert grey.get_facecolor() == to_rgba("grey")
    outline = image_preview(img, "t", square=(8, 8), square_color="outline").axes[0].patches[0]
    assert not outline.get_fill()
