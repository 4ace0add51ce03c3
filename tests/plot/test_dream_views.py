"""The DeepDream measurement figures: labelled boxes on images, and a change with its power
spectrum and the fine-detail cutoff."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from matplotlib.patches import Rectangle

import cnnviz_lab as cv


def _rects(ax):
    return [p for p in ax.patches if isinstance(p, Rectangle)]


def test_marked_grid_draws_each_box_at_its_fraction_with_its_label():
    imgs = [np.zeros((40, 80, 3)), np.ones((40, 80, 3))]
    fig = cv.plot.marked_grid(imgs, ["a", "b"], {1: {"flag": (0.0, 0.0, 0.5, 0.25)}}, ncols=2)
    a, b = fig.axes[:2]
    assert _rects(a) == [] and [t.get_text() for t in b.texts] == ["flag"]
    (r,) = _rects(b)
    assert r.get_xy() == (-0.5, -0.5) and r.get_width() == pytest.approx(40) and r.get_height() == pytest.approx(10)
    assert b.get_title() == "b"
    with pytest.raises(ValueError, match="panel index"):
        cv.plot.marked_grid(imgs, marks={2: {"x": (0, 0, 1, 1)}})
    with pytest.raises(ValueError, match="0 <= x0"):
        cv.plot.marked_grid(imgs, marks={0: {"x": (0.5, 0, 0.2, 1)}})
    with pytest.raises(TypeError, match="four fractions"):
        cv.plot.marked_grid(imgs, marks={0: {"x": (0.5, 0)}})


def test_change_spectra_shows_the_change_and_its_power_by_frequency():
    h = w = 32
    stripes = torch.cos(torch.arange(w) * np.pi / 2).expand(3, h, w) * 10  # period 4: half the Nyquist frequency
    smooth = torch.linspace(-5, 5, w).expand(3, h, w).clone()
    fig = cv.plot.change_spectra({"stripes": stripes, "smooth": smooth}, cutoff=0.25, bins=8)
    np.testing.assert_allclose(fig.axes[0].images[0].get_array(), stripes.mean(0).numpy(), atol=1e-5)
    prof = fig.axes[2]
    (x, y), _ = [line.get_data() for line in prof.get_lines()[:2]]
    assert y.sum() == pytest.approx(1.0) and int(np.argmax(y)) == 4  # all the stripes' power in the ring at 1/2 Nyquist
    assert x[4] == pytest.approx(0.5625)
    labels = [t.get_text() for t in prof.get_legend().get_texts()]
    assert labels[0] == "stripes: 100% above the cutoff"
    assert labels[1] == f"smooth: {float(cv.high_frequency_share(smooth, cutoff=0.25)):.0%} above the cutoff"
    assert prof.get_lines()[2].get_xdata()[0] == 0.25  # the dashed cutoff
    with pytest.raises(ValueError, match="must be \\(3,H,W\\)"):
        cv.plot.change_spectra({"bad": torch.zeros(h, w)})
    with pytest.raises(ValueError, match="cutoff"):
        cv.plot.change_spectra({"s": stripes}, cutoff=0)
    with pytest.raises(TypeError, match="changes"):
        cv.plot.change_spectra({})


def test_change_spectra_can_share_one_symmetric_scale_and_names_the_colour_mean():
    strong = torch.linspace(-50, 50, 32).expand(3, 32, 32).clone()
    weak = strong / 5
    own = cv.plot.change_spectra({"strong": strong, "weak": weak})
    shared = cv.plot.change_spectra({"strong": strong, "weak": weak}, shared_scale=True)
    lim = float(np.percentile(np.abs(strong.mean(0).numpy()), 99))
    assert own.axes[0].images[0].get_clim() == pytest.approx((-lim, lim))
    assert own.axes[1].images[0].get_clim() == pytest.approx((-lim / 5, lim / 5))
    assert all(ax.images[0].get_clim() == pytest.approx((-lim, lim)) for ax in shared.axes[:2])
    assert "mean of R, G, B" in shared.axes[0].get_title()
    with pytest.raises(TypeError, match="shared_scale"):
        cv.plot.change_spectra({"s": strong}, shared_scale="yes")


def test_phase_tables_show_each_phase_over_the_map_mean():
    board = torch.ones(16, 16)
    board[::4, 1::4] = 4.0
    flat = torch.ones(3, 16, 16)
    fig = cv.plot.phase_tables({"grid": board, "flat": flat}, period=4)
    grid_img = fig.axes[0].images[0].get_array()
    assert grid_img.shape == (4, 4) and float(grid_img[0, 1]) == pytest.approx(4.0 / (19 / 16))
    assert np.allclose(fig.axes[1].images[0].get_array(), 1.0)
    lo, hi = fig.axes[0].images[0].get_clim()
    assert fig.axes[1].images[0].get_clim() == (lo, hi) and (lo + hi) / 2 == pytest.approx(1.0)  # shared, centred on 1
    assert "max / min 4.00" in fig.axes[0].get_title()
    with pytest.raises(ValueError, match="grid"):
        cv.plot.phase_tables({"grid": torch.ones(2, 2)}, period=4)
    with pytest.raises(TypeError, match="maps"):
        cv.plot.phase_tables({})


def test_phase_tables_values_writes_each_entry_in_its_square():
    board = torch.ones(8, 8)
    board[::2, ::2] = 3.0  # phase (0, 0): 3, the others 1; map mean 1.5
    fig = cv.plot.phase_tables({"grid": board}, period=2, values=True)
    texts = {(t.get_position(), t.get_text()) for t in fig.axes[0].texts}
    assert texts == {((0, 0), "2.00"), ((1, 0), "0.67"), ((0, 1), "0.67"), ((1, 1), "0.67")}
    assert not cv.plot.phase_tables({"grid": board}, period=2).axes[0].texts
    with pytest.raises(TypeError, match="values"):
        cv.plot.phase_tables({"grid": board}, period=2, values="yes")
