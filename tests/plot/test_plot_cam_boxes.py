"""Figures of notebook 06: object boxes and peaks on class-map rows, layer sizes in titles,
guided backpropagation beside Guided Grad-CAM, and the panel's map title."""

import numpy as np
import pytest
import torch
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

import cnnviz_lab as cv

BOXES = {"guitar": [(150, 20, 220, 200)], "drums": [(10, 10, 120, 90), (10, 90, 130, 210)]}


def _rectangles(ax) -> list[Rectangle]:
    return [p for p in ax.patches if isinstance(p, Rectangle)]


def test_cam_row_default_draws_no_boxes_or_peaks(lite, cat_x):
    fig = cv.plot.cam_row(lite, cat_x, [torch.rand(224, 224)], ["a"])
    assert all(not _rectangles(ax) and not ax.lines for ax in fig.axes[:2])


def test_cam_row_outlines_every_box_on_every_panel_and_labels_the_image(lite, cat_x):
    maps = [torch.rand(224, 224), torch.rand(224, 224)]
    fig = cv.plot.cam_row(lite, cat_x, maps, ["a", "b"], boxes=BOXES)
    panels = fig.axes[:3]
    for ax in panels:
        corners = sorted((r.get_x() + 0.5, r.get_y() + 0.5, r.get_width(), r.get_height()) for r in _rectangles(ax))
        assert corners == sorted((x0, y0, x1 - x0, y1 - y0) for bxs in BOXES.values() for x0, y0, x1, y1 in bxs)
    assert [t.get_text() for t in panels[0].texts] == ["guitar", "drums"]
    assert not panels[1].texts and not panels[2].texts


def test_cam_row_peak_cross_sits_on_the_maximum_of_a_coarse_map(lite, cat_x):
    coarse = torch.zeros(7, 7)
    coarse[2, 5] = 1.0  # cell (row 2, col 5) of a 7x7 grid: 32 px cells
    fine = torch.zeros(224, 224)
    fine[100, 30] = 1.0
    fig = cv.plot.cam_row(lite, cat_x, [coarse, fine], ["coarse", "fine"], peaks=True)
    (xc, yc), (xf, yf) = [(ax.lines[0].get_xdata()[0], ax.lines[0].get_ydata()[0]) for ax in fig.axes[1:3]]
    assert (xc, yc) == pytest.approx((5.5 * 32 - 0.5, 2.5 * 32 - 0.5))
    assert (xf, yf) == pytest.approx((30, 100))
    assert all(isinstance(line, Line2D) for line in fig.axes[1].lines) and not fig.axes[0].lines


def test_cam_row_refuses_boxes_that_are_not_pixel_corners(lite, cat_x):
    with pytest.raises(TypeError, match="boxes"):
        cv.plot.cam_row(lite, cat_x, [torch.rand(7, 7)], ["a"], boxes={"a": 3})
    with pytest.raises(ValueError, match="boxes"):
        cv.plot.cam_row(lite, cat_x, [torch.rand(7, 7)], ["a"], boxes={"a": [(0, 0, 10)]})


def test_cam_by_layer_titles_say_the_layer_size(lite, cat_x):
    fig = cv.plot.cam_by_layer(lite, cat_x, ["blocks.3", "head"], target=0, sizes=True, boxes=BOXES)
    titles = [ax.get_title() for ax in fig.axes[:3]]
    assert titles == ["image", "blocks.3: 28x28,\nupsampled", "head: 7x7,\nupsampled"]
    plain = cv.plot.cam_by_layer(lite, cat_x, ["blocks.3", "head"], target=0)
    assert [ax.get_title() for ax in plain.axes[:3]] == ["image", "blocks.3", "head"]


def test_guided_gradcam_row_scales_each_panel_by_its_percentile(lite, cat_x):
    g = torch.zeros(2, 3, 224, 224)
    g[0, 1, :, :112] = -4.0  # max over RGB of |value|: 4 on the left half
    g[1, 0] = 1.0
    gg = g * 0.5
    fig = cv.plot.guided_gradcam_row(cat_x, g, gg, ["a", "b"], lite, boxes=BOXES)
    titles = [ax.get_title() for ax in fig.axes[:5]]
    assert titles == ["image", "guided backprop:\na", "Guided Grad-CAM:\na", "guided backprop:\nb", "Guided Grad-CAM:\nb"]
    left = fig.axes[1].images[0].get_array()
    assert np.allclose(left[:, :112], 1.0) and np.allclose(left[:, 112:], 0.0)
    assert np.allclose(fig.axes[2].images[0].get_array(), left)  # the same picture at half the size
    assert "99th percentile" in fig.axes[-1].get_ylabel()  # the colour bar states the scale
    assert len(_rectangles(fig.axes[3])) == 3
    with pytest.raises(ValueError, match="len\\(labels\\)"):
        cv.plot.guided_gradcam_row(cat_x, g, gg, ["a"], lite)


def test_guided_gradcam_row_zooms_into_the_first_product_pixel_by_pixel(lite, cat_x):
    g = torch.zeros(2, 3, 224, 224)
    g[0, 0, ::2, ::2] = 1.0  # a checkerboard of dots in the first class
    fig = cv.plot.guided_gradcam_row(cat_x, g, g, ["a", "b"], lite, cell=3.0, fontsize=12, zoom=(10, 20, 18, 24))
    panels = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
    assert len(panels) == 6 and panels[-1].get_title() == "zoom: a,\n8x4 pixels"
    crop = panels[-1].images[0]
    np.testing.assert_allclose(crop.get_array(), np.asarray(panels[2].images[0].get_array())[20:24, 10:18])
    assert crop.get_interpolation() == "nearest" and np.allclose(crop.get_array()[0], [1, 0] * 4)
    (frame,) = _rectangles(panels[2])
    assert (frame.get_x(), frame.get_y(), frame.get_width(), frame.get_height()) == (9.5, 19.5, 8, 4)
    assert all(ax.title.get_fontsize() == 12 for ax in panels) and fig.get_figwidth() == 6 * 3.0
    plain = cv.plot.guided_gradcam_row(cat_x, g, g, ["a", "b"], lite)  # defaults unchanged
    assert len(plain.axes) == 6 and plain.axes[1].title.get_fontsize() == 9 and not _rectangles(plain.axes[2])
    with pytest.raises(ValueError, match="zoom"):
        cv.plot.guided_gradcam_row(cat_x, g, g, ["a", "b"], lite, zoom=(10, 20, 300, 24))
    with pytest.raises(TypeError, match="zoom"):
        cv.plot.guided_gradcam_row(cat_x, g, g, ["a", "b"], lite, zoom="centre")
    with pytest.raises(ValueError, match="fontsize"):
        cv.plot.guided_gradcam_row(cat_x, g, g, ["a", "b"], lite, fontsize=-2)


def test_guided_gradcam_row_box_labels_follow_fontsize(lite, cat_x):
    g = torch.rand(2, 3, 224, 224)
    big = cv.plot.guided_gradcam_row(cat_x, g, g, ["a", "b"], lite, boxes=BOXES, fontsize=12)
    assert big.axes[0].texts and all(t.get_fontsize() == 11 for t in big.axes[0].texts)  # one point below the titles
    plain = cv.plot.guided_gradcam_row(cat_x, g, g, ["a", "b"], lite, boxes=BOXES)
    assert all(t.get_fontsize() == 8 for t in plain.axes[0].texts)  # the default, as before


def test_cam_overlay_map_title(lite, cat_x):
    fig = cv.plot.cam_overlay(cat_x, torch.rand(224, 224), lite, map_title="Grad-CAM (7x7, upsampled)")
    assert fig.axes[1].get_title() == "Grad-CAM (7x7, upsampled)"
    assert cv.plot.cam_overlay(cat_x, torch.rand(224, 224), lite).axes[1].get_title() == "map (224x224)"


def test_gradcam_panel_names_the_map_and_its_grid():
    panel = cv.widgets.gradcam_panel(image="cat")
    values = {name: w.value for name, w in panel.controls.items()}
    fig = panel.render(**{**values, "layer": "blocks.3", "method": "gradcam"})
    assert fig.axes[1].get_title() == "Grad-CAM (28x28, upsampled)"
    assert fig.axes[-1].get_ylabel() == "the map's min to max"  # the colour bar


def test_cam_row_legend_title_moves_the_box_labels_off_the_image(lite, cat_x):
    fig = cv.plot.cam_row(lite, cat_x, [torch.rand(7, 7)], ["a"], boxes=BOXES, legend="two kinds of box")
    assert not fig.axes[0].texts and len(_rectangles(fig.axes[0])) == 3  # boxes drawn, no label on the image
    (legend,) = fig.legends
    assert legend.get_title().get_text() == "two kinds of box"
    assert [t.get_text() for t in legend.get_texts()] == ["guitar", "drums"]
    plain = cv.plot.cam_row(lite, cat_x, [torch.rand(7, 7)], ["a"], boxes=BOXES, legend=True)
    assert plain.legends[0].get_title().get_text() == "hand-drawn boxes" and plain.axes[0].texts
    with pytest.raises(TypeError, match="legend"):
        cv.plot.cam_row(lite, cat_x, [torch.rand(7, 7)], ["a"], boxes=BOXES, legend=1)


def test_cam_row_clip_ends_the_colour_scale_at_a_percentile_and_keeps_the_true_peak(lite, cat_x):
    m = torch.linspace(0, 1, 224 * 224).reshape(224, 224)
    m[5, 7] = 100.0  # one sharp maximum
    plain = cv.plot.cam_row(lite, cat_x, [m], ["a"], peaks=True, show_image=False)
    clipped = cv.plot.cam_row(lite, cat_x, [m], ["a"], peaks=True, show_image=False, clip=99)
    base = cv.plot.image_array(cat_x[:1], lite)
    by_hand = cv.plot.overlay(base, np.minimum(m.numpy(), np.percentile(m.numpy(), 99)))
    assert np.allclose(np.asarray(clipped.axes[0].images[0].get_array()), by_hand, atol=1e-5)
    assert np.allclose(np.asarray(plain.axes[0].images[0].get_array()), cv.plot.overlay(base, m), atol=1e-5)
    assert clipped.axes[-1].get_ylabel() == "each map: its min to its 99th percentile"
    assert (clipped.axes[0].lines[0].get_xdata()[0], clipped.axes[0].lines[0].get_ydata()[0]) == pytest.approx((8.46, 8.46), abs=1)
    with pytest.raises(ValueError, match="clip"):
        cv.plot.cam_row(lite, cat_x, [m], ["a"], clip=150)
    with pytest.raises(ValueError, match="clip"):
        cv.plot.cam_row(lite, cat_x, [m], ["a"], clip=99, scale="signed")
    with pytest.raises(TypeError, match="clip"):
        cv.plot.cam_row(lite, cat_x, [m], ["a"], clip="99")
    fig = cv.plot.cam_by_layer(lite, cat_x, ["head"], target=0, clip=99)
    assert fig.axes[-1].get_ylabel() == "each map: its min to its 99th percentile"


def test_gradcam_panel_marks_draws_the_photo_boxes_and_the_maximum():
    panel = cv.widgets.gradcam_panel(image="drums_and_guitar", marks=True)
    values = {name: w.value for name, w in panel.controls.items()}
    fig = panel.render(**{**values, "layer": "head", "method": "gradcam"})
    n_boxes = sum(len(b) for b in cv.sample_boxes("drums_and_guitar").values())
    assert all(len(_rectangles(ax)) == n_boxes and ax.lines for ax in fig.axes[1:3])  # boxes and the cross
    assert not _rectangles(fig.axes[0]) and not fig.axes[0].lines
    plain = cv.widgets.gradcam_panel(image="drums_and_guitar").render(**{**values, "layer": "head", "method": "gradcam"})
    assert not any(_rectangles(ax) or ax.lines for ax in plain.axes[:3])
    with pytest.raises(TypeError, match="marks"):
        cv.widgets.gradcam_panel(marks="yes")
