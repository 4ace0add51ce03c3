"""Notebook 09's figure details: intervals on the score bars, the chance line's label, the
panel's mark on the true class, and the RISE predict-then-run question."""

from __future__ import annotations

import math

import pytest
import torch
from matplotlib.container import BarContainer

import cnnviz_lab as cv
from cnnviz_lab.plot.groundtruth import mean_interval


@pytest.fixture(scope="module")
def shapes():
    return cv.shape_images(96, size=32, seed=1)


def _wilson(k: int, n: int, z: float = 1.959964) -> tuple[float, float]:
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


def test_mean_interval_is_wilson_for_hit_rates():
    z2 = 1.959964**2
    low, high = mean_interval(torch.ones(32), 0.95)  # 32 hits of 32: n / (n + z^2) by hand
    assert abs(low - 32 / (32 + z2)) < 1e-4 and high == pytest.approx(1.0)
    low, high = mean_interval(torch.zeros(32), 0.95)  # no hit: z^2 / (n + z^2)
    assert low == pytest.approx(0.0, abs=1e-12) and abs(high - z2 / (32 + z2)) < 1e-4
    hits = torch.tensor([1.0] * 12 + [0.0] * 20)
    assert mean_interval(hits, 0.95) == pytest.approx(_wilson(12, 32), abs=1e-4)
    assert mean_interval(torch.tensor([1.0, float("nan"), 0.0, 1.0]), 0.95) == pytest.approx(_wilson(2, 3), abs=1e-4)


def test_mean_interval_bootstraps_other_scores():
    v = torch.rand(40, generator=torch.Generator().manual_seed(3))
    low, high = mean_interval(v, 0.95)
    assert low < float(v.mean()) < high and (low, high) == mean_interval(v, 0.95)  # seeded
    wide = mean_interval(v, 0.99)
    assert wide[0] <= low and wide[1] >= high
    assert mean_interval(torch.full((10,), 0.3), 0.9) == pytest.approx((0.3, 0.3))
    assert all(math.isnan(b) for b in mean_interval(torch.tensor([float("nan")]), 0.95))
    for bad in (0.0, 1.0, 95, "0.95"):
        with pytest.raises(ValueError, match="level"):
            mean_interval(v, bad)


def _scores(shapes):
    run = cv.train_model(cv.SmallCNN(width=4, seed=0), shapes.images, shapes.labels, epochs=1, batch_size=32, watch=0, classes=shapes.classes, progress=False)
    d = shapes[:6]
    s = cv.score_against_masks(
        run.classifier,
        run.classifier.from_unit(d.images),
        {"cue": d.cue_masks, "object": d.object_masks},
        {"saliency": cv.saliency, "gradcam": cv.gradcam},
        d.labels,
        tolerance=2,
        progress=False,
    )
    return run.classifier, s


@pytest.mark.parametrize("landscape", [True, False])
def test_mask_scores_draws_the_interval_of_each_bar(shapes, landscape):
    _, s = _scores(shapes)
    for score in ("cue energy", "cue pointing"):
        fig = cv.plot.mask_scores({"a": s}, score, chance=0.1, landscape=landscape, interval=0.95)
        bars = [c for c in fig.axes[0].containers if isinstance(c, BarContainer)]
        assert len(bars) == 1 and bars[0].errorbar is not None
        segments = bars[0].errorbar.lines[2][0].get_segments()
        for name, seg in zip(s.methods, segments):
            ends = sorted(seg[:, 1] if landscape else seg[:, 0])
            assert ends == pytest.approx(sorted(mean_interval(s.scores[name][score], 0.95)), abs=1e-6)
    plain = cv.plot.mask_scores({"a": s}, "cue energy", landscape=landscape)
    assert all(c.errorbar is None for c in plain.axes[0].containers if isinstance(c, BarContainer))
    with pytest.raises(ValueError, match="interval"):
        cv.plot.mask_scores({"a": s}, "cue energy", interval=95)


def test_shortcut_accuracy_names_the_chance_line_in_the_legend():
    fig = cv.plot.shortcut_accuracy({"a": {"match": 1.0, "none": 0.3}, "b": {"match": 0.8, "none": 0.8}}, chance=0.25)
    ax = fig.axes[0]
    assert "chance (25%)" in [t.get_text() for t in ax.get_legend().get_texts()]
    assert not any("chance" in t.get_text() for t in ax.texts)  # no label that could sit on a bar


def test_panel_marks_the_true_class_by_name(shapes):
    clf, _ = _scores(shapes)
    panel = cv.widgets.shortcut_panel({"tiny": clf}, {"gradcam": cv.gradcam}, n=4, size=32)
    d = cv.shape_images(4, cue="swap", size=32, seed=2)
    for index in range(2):
        fig = panel.render(model="tiny", cue="swap", method="gradcam", index=index)
        labels = fig.axes[1].get_yticklabels()
        truth = int(d.labels[index])
        assert [t.get_fontweight() == "bold" for t in labels] == [i == truth for i in range(len(labels))]
        assert labels[truth].get_color() == "C2"


def test_rise_prediction_question(capsys):
    assert cv.exercises.check_rise_prediction("c") and cv.exercises.check_choice("09-rise", "C")
    for wrong, hint in [("a", "occlusion and LIME"), ("b", "never 0"), ("d", "never 0"), (None, "one letter")]:
        capsys.readouterr()
        assert not cv.exercises.check_rise_prediction(wrong)
        assert hint in capsys.readouterr().out


@pytest.mark.parametrize("landscape", [False, True])
def test_mask_scores_names_its_chance_line(shapes, landscape):
    _, s = _scores(shapes)
    fig = cv.plot.mask_scores({"a": s}, "cue pointing", chance=0.042, landscape=landscape, chance_label="chance (2-px target, 4.2 %)")
    assert "chance (2-px target, 4.2 %)" in [t.get_text() for t in fig.legends[0].get_texts()]
    default = cv.plot.mask_scores({"a": s}, "cue pointing", chance=0.042, landscape=landscape)
    assert "chance" in [t.get_text() for t in default.legends[0].get_texts()]
    with pytest.raises(TypeError, match="chance_label"):
        cv.plot.mask_scores({"a": s}, "cue pointing", chance=0.042, landscape=landscape, chance_label=4.2)


def test_panel_has_a_colour_bar_and_a_see_through_outline(shapes):
    clf, _ = _scores(shapes)
    panel = cv.widgets.shortcut_panel({"tiny": clf}, {"gradcam": cv.gradcam}, n=2, size=32)
    fig = panel.render(model="tiny", cue="swap", method="gradcam", index=0)
    assert any(ax.get_label() == "<colorbar>" for ax in fig.axes)
    outlines = [c for c in fig.axes[2].collections if c.get_alpha() is not None]
    assert outlines and all(c.get_alpha() < 1 for c in outlines)
