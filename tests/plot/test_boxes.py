"""plot.boxes: one outline convention for every figure that draws a hand-drawn box."""

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from cnnviz_lab.plot.boxes import draw_boxes, outline  # noqa: E402


def test_an_outline_runs_along_the_edges_of_exactly_the_boxed_pixels():
    fig = Figure()
    ax = fig.subplots()
    image = np.zeros((10, 10))
    image[2:6, 3:8] = 1  # the box (x0, y0, x1, y1) = (3, 2, 8, 6) covers these pixels
    ax.imshow(image)
    outline(ax, (3, 2, 8, 6), "red", label="thing")
    (patch,) = ax.patches
    left, bottom = patch.get_x(), patch.get_y()
    # imshow puts pixel i between i - 0.5 and i + 0.5: the outline hugs the boxed pixels
    assert (left, bottom, patch.get_width(), patch.get_height()) == (2.5, 1.5, 5, 4)
    rows, cols = np.nonzero(image)
    assert left == cols.min() - 0.5 and left + patch.get_width() == cols.max() + 0.5
    assert bottom == rows.min() - 0.5 and bottom + patch.get_height() == rows.max() + 0.5
    assert patch.get_label() == "thing" and not patch.get_fill()


def test_draw_boxes_gives_each_label_its_colour_and_refuses_malformed_boxes():
    ax = Figure().subplots()
    draw_boxes(ax, {"guitar": [(0, 0, 4, 4)], "drums": [(4, 4, 8, 8), (1, 5, 3, 7)]})
    colours = [matplotlib.colors.to_hex(p.get_edgecolor()) for p in ax.patches]
    assert colours == ["#ffffff", "#ffff00", "#ffff00"]
    assert [t.get_text() for t in ax.texts] == ["guitar", "drums"]
    with pytest.raises(ValueError, match="boxes"):
        draw_boxes(ax, {"guitar": [(0, 0, 4)]})
    with pytest.raises(TypeError, match="boxes"):
        draw_boxes(ax, {"guitar": ["abcd", None]})


def test_grid_axes_makes_room_for_n_panels_and_switches_their_axes_off():
    from cnnviz_lab.plot.core import grid_axes

    fig, axes = grid_axes(5, 3, (2.0, 1.5), (0.5, 0.4))
    assert axes.shape == (2, 3) and not any(ax.axison for ax in axes.flat)
    assert tuple(fig.get_size_inches()) == (6.5, 3.4)
    fig, axes = grid_axes(2, 8, 1.0)  # fewer panels than columns: one row of two
    assert axes.shape == (1, 2) and tuple(fig.get_size_inches()) == (2.0, 1.0)
