"""Notebook 10's figures: the sanity-check comparison with a baseline, the swarm of equal scores
in the bar chart, and the mean lines beside the dots."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from matplotlib.figure import Figure

import cnnviz_lab as cv
from cnnviz_lab.concepts.tcav import TCAVResult
from tcavkit import tcav_result
from cnnviz_lab.plot.concepts import _stacked_dots, _swarm


def _result(concept_scores, random_scores) -> TCAVResult:
    return tcav_result(concept_scores, random_scores)


def test_tcav_baseline_shows_four_samples_and_the_paired_excess():
    trained = _result([1.0, 1.0, 0.75, 1.0], [0.0, 1.0, 0.5, 0.25])
    baseline = _result([0.5, 0.75, 0.5, 0.5], [0.5, 0.25, 0.75, 0.5])
    fig = cv.plot.tcav_baseline(trained, baseline, "striped", "feat", names=("trained", "redrawn"))
    ax = fig.axes[0]
    means = [float(t.get_text().split()[1]) for t in ax.texts if t.get_text().startswith("mean")]
    assert means == pytest.approx([0.94, 0.44, 0.56, 0.5], abs=0.006)
    # differences 0.5, 0.25, 0.25, 0.5: only ++++ and ---- reach the mean 0.375, p = 2/16
    assert "+0.38 on average" in ax.get_title() and "p = 0.12" in ax.get_title()
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert "redrawn" in labels[2] and "Holm p" in labels[0] and labels[1].startswith("random CAVs")
    # the raw p and the size of the Holm family (one test here) are printed under each concept column
    assert f"(p {trained.p_values[('striped', 'feat')]:.2g};" in labels[0] and "over 1 tests" in labels[0]


def test_tcav_baseline_bad_input():
    r = _result([1.0, 0.5], [0.0, 0.5])
    with pytest.raises(TypeError, match="baseline"):
        cv.plot.tcav_baseline(r, "no", "striped", "feat")
    with pytest.raises(ValueError, match="concept 'dotted'"):
        cv.plot.tcav_baseline(r, r, "dotted", "feat")
    with pytest.raises(ValueError, match="same number of repeats"):
        cv.plot.tcav_baseline(r, _result([1.0, 0.5, 0.5], [0.0, 0.5, 0.5]), "striped", "feat")
    with pytest.raises(TypeError, match="names"):
        cv.plot.tcav_baseline(r, r, "striped", "feat", names=("one",))
    with pytest.raises(ValueError, match="fontsize"):
        cv.plot.tcav_baseline(r, r, "striped", "feat", fontsize=-1)


def test_swarm_puts_equal_scores_side_by_side_at_their_true_value():
    values = np.array([1.0] * 20 + [0.0] * 3 + [0.5])
    xy = _swarm(values, centre=2.0, width=0.2)
    assert len(xy) == 24 and len({(round(x, 9), round(y, 9)) for x, y in xy}) == 24  # no two dots at one place
    assert sorted(xy[:, 1].tolist()) == sorted(values.tolist())  # every dot at its true score
    assert np.all(np.abs(xy[:, 0] - 2.0) <= 0.4 * 0.2 + 1e-9)  # inside the bar
    gaps = np.diff(np.sort(xy[xy[:, 1] == 0.0, 0]))
    assert gaps == pytest.approx([0.02, 0.02])  # a short pile keeps the spacing of 8 per bar


def test_bar_chart_counts_piles_under_and_over_the_axis():
    r = _result([1.0] * 6 + [0.5], [0.0] * 5 + [1.0, 1.0])
    fig = cv.plot.tcav(r, repeats=True)
    counts = {t.get_text(): t.get_position()[1] for t in fig.axes[0].texts if t.get_text().startswith("n=")}
    assert counts == {"n=6": pytest.approx(1.055), "n=5": pytest.approx(-0.075)}  # piles of 4 or more; 1 above, 0 below
    lo, hi = fig.axes[0].get_ylim()
    assert lo < -0.075 and hi > 1.13  # the counts and the marks inside the axes


def test_tcav_baseline_differences_panel():
    trained = _result([1.0, 1.0, 0.75, 1.0], [0.0, 1.0, 0.5, 0.25])
    baseline = _result([0.5, 1.0, 0.5, 0.5], [0.5, 0.25, 0.75, 0.5])
    assert len(cv.plot.tcav_baseline(trained, baseline, "striped", "feat").axes) == 1  # default: no panel
    fig = cv.plot.tcav_baseline(trained, baseline, "striped", "feat", names=("trained", "redrawn"), differences=True)
    panel = fig.axes[1]
    ys = sorted(float(y) for c in panel.collections if type(c).__name__ == "PathCollection" for y in c.get_offsets()[:, 1])
    assert ys == pytest.approx([0.0, 0.25, 0.5, 0.5])  # trained minus redrawn, repeat by repeat
    assert panel.get_xticklabels()[0].get_text() == "3 above 0,\n0 below, 1 at 0" and "trained minus redrawn" in panel.get_title()
    with pytest.raises(TypeError, match="differences"):
        cv.plot.tcav_baseline(trained, baseline, "striped", "feat", differences=1)


def test_bar_chart_dots_do_not_hide_each_other_and_legend_names_holm():
    r = _result([1.0] * 6 + [0.5], [0.0] * 6 + [1.0])
    fig = cv.plot.tcav(r, repeats=True)
    offsets = [c.get_offsets() for c in fig.axes[0].collections if c.get_offsets().shape[0] == 7]
    assert len(offsets) == 2 and all(len({tuple(np.round(o, 9)) for o in off}) == 7 for off in offsets)
    assert "Holm-corrected p \u2265 0.05" in fig.axes[0].get_title()


def test_mean_line_lies_beside_the_dots():
    ax = Figure().subplots()
    _stacked_dots(ax, [np.array([0.25, 0.25, 0.5, 0.0])], ["C0"])
    (line,) = [c for c in ax.collections if type(c).__name__ == "LineCollection"]
    right_end = max(p[0] for p in line.get_segments()[0])
    dots = [c for c in ax.collections if type(c).__name__ == "PathCollection"]
    assert right_end < min(float(d.get_offsets()[:, 0].min()) for d in dots)  # left of every dot
    assert line.get_segments()[0][0][1] == pytest.approx(0.25)


def test_concept_examples_leave_room_for_row_labels():
    fig = cv.plot.concept_examples({"random (control):\nphoto crops": torch.rand(2, 3, 8, 8)}, n=2)
    assert fig.axes[0].yaxis.labelpad >= 8
