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
    img[..., 0] = 0.8  # grey level: mean of (0.8, 0.2, 0.2) = 0.4
    m = np.zeros((4, 4), dtype=np.float32)
    m[0, 0], m[3, 3] = 1.0, -1.0
    out = _weighted_overlay(img, m, top=1.0, cmap="RdBu_r", signed=True, alpha=1.0)
    assert np.allclose(out[1, 1], 0.4)  # no value: the photograph, in grey
    assert out[0, 0, 0] > out[0, 0, 2] and out[3, 3, 2] > out[3, 3, 0]  # positive red, negative blue
    seq = _weighted_overlay(img, m, top=1.0, cmap="magma", signed=False, alpha=1.0)
    assert np.allclose(seq[3, 3], 0.4)  # sequential: negative values are left out


def test_occlusion_maps_signed_scale_is_symmetric_and_boxes_are_drawn(lite):
    x = torch.zeros(1, 3, 16, 16)
    maps = torch.zeros(1, 2, 16, 16)
    maps[0, 0, 2, 2], maps[0, 0, 5, 5], maps[0, 1, 9, 9] = 0.5, -2.0, 3.0
    fig = cv.plot.occlusion_maps(lite, x, maps, ["a", "b"], signed=True, boxes={"one": [(0, 0, 4, 4)], "two": [(8, 8, 12, 12), (1, 1, 3, 3)]})
    images, bars = fig.axes[:2], fig.axes[2:]
    assert [b.get_ylim() for b in bars] == [pytest.approx((-2.0, 2.0)), pytest.approx((-3.0, 3.0))]
    assert [len(ax.patches) for ax in images] == [3, 3]
    assert {t.get_text() for t in images[0].texts} == {"one", "two"}
    colours = {tuple(p.get_edgecolor()) for p in images[0].patches}
    assert colours == {to_rgba("white"), to_rgba("yellow")}
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


def test_occlusion_experiment_drop_and_underlay_put_the_grid_on_the_image(lite):
    x = lite.preprocess(cv.sample_image("drums_and_guitar"), size=64)
    grid = cv.occlusion_grid(lite, x, window=16, stride=8, fill="grey", progress=False)
    box = [(2, 3, 30, 40)]
    fig = cv.plot.occlusion_experiment(lite, x, grid, regularized=False, signed=True, drop=True, underlay=True, boxes=box)
    panels = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
    bars = [ax for ax in fig.axes if ax.get_label() == "<colorbar>"]
    middle = panels[1]
    photo, cells = middle.images  # a faint copy of the photo, then the grid
    assert photo.get_array().shape == (64, 64)
    heat = grid.heatmap[0] if grid.squeeze else grid.heatmap[0, 0]
    expected = (grid.base[0, 0] - heat).cpu().numpy()  # the drop: positive where the output falls
    assert np.allclose(cells.get_array(), expected, atol=1e-6)
    # cell (0, 0) centred on the first occluder's centre (7.5, 7.5), one stride (8 px) wide
    assert cells.get_extent() == pytest.approx([7.5 - 4, 7.5 + 8 * (len(grid.xs) - 1) + 4, 7.5 + 8 * (len(grid.ys) - 1) + 4, 7.5 - 4])
    assert middle.get_xlim() == pytest.approx((-0.5, 63.5)) and middle.get_ylim() == pytest.approx((63.5, -0.5))
    assert len(middle.patches) == 1 and len(panels[2].patches) == 1  # the box on the grid and the map
    # the middle and per-pixel colour bars run the same way: the drop, red at the top of both
    assert [bar._colorbar.cmap.name for bar in bars] == ["RdBu_r", "RdBu_r"] and cells.cmap.name == "RdBu_r"
    assert all("drop" in bar.get_ylabel() for bar in bars) and "change" not in bars[0].get_ylabel()
    plain = cv.plot.occlusion_experiment(lite, x, grid, regularized=False, signed=True)
    assert [ax for ax in plain.axes if ax.get_label() != "<colorbar>"][1].images[0].cmap.name == "RdBu"
    with pytest.raises(ValueError, match="drop"):
        cv.plot.occlusion_experiment(lite, x, grid, regularized=False, drop=True)


def test_occlusion_saturation_plots_logit_drop_against_probability_drop(lite):
    x = lite.preprocess(cv.sample_image("drums_and_guitar"), size=32)
    prob = cv.occlusion_grid(lite, x, window=16, stride=16, fill="grey", progress=False)
    logit = cv.occlusion_grid(lite, x, window=16, stride=16, fill="grey", output="logit", progress=False)
    fig = cv.plot.occlusion_saturation({"drums": (prob, logit)})
    ax = fig.axes[0]
    dots = ax.collections[0].get_offsets()
    assert np.allclose(dots[:, 0], logit.drop[0, 0].flatten().numpy(), atol=1e-6)
    assert np.allclose(dots[:, 1], prob.drop[0, 0].flatten().numpy(), atol=1e-6)
    # the dashed curve: the probability drop if only the class logit fell by d (others fixed)
    curve = [line for line in ax.lines if line.get_linestyle() == "--"][0]
    d, drop = curve.get_xdata(), curve.get_ydata()
    p = float(prob.base[0, 0])
    z = torch.tensor([0.0, 1.0, -2.0])  # a class with logit 0 among two others
    q = torch.softmax(z, 0)[0]
    q_after = torch.softmax(z - torch.tensor([0.7, 0.0, 0.0]), 0)[0]
    pd = float(q)
    assert float(q - q_after) == pytest.approx(pd - pd * np.exp(-0.7) / (pd * np.exp(-0.7) + 1 - pd), rel=1e-5)
    assert np.allclose(drop, p - p * np.exp(-d) / (p * np.exp(-d) + 1 - p))
    assert np.gradient(drop, d)[np.argmin(np.abs(d))] == pytest.approx(p * (1 - p), rel=0.05)
    assert f"{p * (1 - p):.2f}" in curve.get_label()
    with pytest.raises(ValueError, match="output='logit'"):
        cv.plot.occlusion_saturation({"drums": (prob, prob)})
    with pytest.raises(TypeError, match="pair"):
        cv.plot.occlusion_saturation({"drums": prob})
    coarse = cv.occlusion_grid(lite, x, window=16, stride=8, fill="grey", output="logit", progress=False)
    with pytest.raises(ValueError, match="positions"):
        cv.plot.occlusion_saturation({"drums": (prob, coarse)})


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


def test_occlusion_maps_photo_panel_and_scale_for_projection(lite):
    x = torch.rand(1, 3, 16, 16)
    maps = torch.rand(1, 2, 16, 16)
    plain = cv.plot.occlusion_maps(lite, x, maps, ["a", "b"])
    fig = cv.plot.occlusion_maps(lite, x, maps, ["a", "b"], photo=True, scale=1.5)
    photo, panels, bars = fig.axes[0], fig.axes[1:3], fig.axes[3:]
    assert photo.get_title() == "the photo" and not photo.patches and [ax.get_title() for ax in panels] == ["a", "b"]
    assert len(bars) == 2 and fig.get_figwidth() > 1.5 * plain.get_figwidth()
    title, label = panels[0].title.get_fontsize(), bars[0].yaxis.label.get_fontsize()
    assert title == pytest.approx(1.5 * plain.axes[0].title.get_fontsize()) and label == pytest.approx(title)
    grid = cv.occlusion_grid(lite, x, window=8, stride=8, fill="grey")
    big = cv.plot.occlusion_experiment(lite, x, grid, regularized=False, signed=True, drop=True, scale=1.4)
    assert big.axes[1].title.get_fontsize() == pytest.approx(9 * 1.4)
    with pytest.raises(ValueError, match="scale"):
        cv.plot.occlusion_maps(lite, x, maps, scale=0)
