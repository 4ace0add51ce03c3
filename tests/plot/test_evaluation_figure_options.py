"""The evaluation figures' options for a lecturer's slides: display names, fixed colours per
method, rho and SSIM under each sanity-check map, and the metric dot plot (one marker per
image, the mean marked, values with three decimals)."""

from __future__ import annotations

import pytest
import torch

import cnnviz_lab as cv
from cnnviz_lab.evaluate import evaluate_methods
from conftest import TinyNet


@pytest.fixture(scope="module")
def ev():
    torch.manual_seed(0)
    model = TinyNet(classes=5).eval()
    x = torch.randn(2, 3, 16, 16)
    return x, evaluate_methods(
        model,
        x,
        ["saliency", "gradcam_pp"],
        [1, 3],
        steps=3,
        images=["dog", "cat"],
        seed=0,
        metrics={"average_drop": {}, "infidelity": {"n": 3}},
        layers=["fc", "conv2"],
    )


def test_shown_name_uses_registry_labels_and_keeps_other_names():
    assert cv.plot.shown_name("gradcam_pp") == "Grad-CAM++" and cv.plot.shown_name("guided_backprop") == "Guided backprop"
    assert cv.plot.shown_name("random blobs") == "random blobs" and cv.plot.shown_name("gradcam_pp", False) == "gradcam_pp"


def test_curves_take_colours_and_display_names(ev):
    _, e = ev
    fig = cv.plot.curves({k: e.curves[k] for k in ["gradcam_pp", "random blobs"]}, colours={"gradcam_pp": "red"}, display_names=True)
    lines = fig.axes[0].get_lines()
    assert lines[0].get_label().startswith("Grad-CAM++ (AUC") and lines[0].get_color() == "red"
    assert lines[1].get_label().startswith("random blobs (AUC")
    plain = cv.plot.curves({k: e.curves[k] for k in ["gradcam_pp"]})
    assert plain.axes[0].get_lines()[0].get_label().startswith("gradcam_pp (AUC")


def test_curves_fontsize_and_subtitles(ev):
    """curves(fontsize=, subtitles=): larger legend and labels on a larger figure; no panel title when asked."""
    _, e = ev
    small = cv.plot.curves({k: e.curves[k] for k in ["gradcam_pp"]})
    big = cv.plot.curves({k: e.curves[k] for k in ["gradcam_pp"]}, fontsize=12, subtitles=False, title="deletion, lower is better")
    assert big.get_size_inches()[0] > small.get_size_inches()[0] and small.axes[0].get_title().endswith("AUC is better")
    assert big.axes[0].get_title() == "" and big.axes[0].get_legend().get_texts()[0].get_fontsize() == 12
    assert big.axes[0].xaxis.label.get_fontsize() == 12 and small.axes[0].get_legend().get_texts()[0].get_fontsize() == 8
    with pytest.raises(ValueError, match="fontsize"):
        cv.plot.curves(e.curves["gradcam_pp"], fontsize=0)
    with pytest.raises(TypeError, match="subtitles"):
        cv.plot.curves(e.curves["gradcam_pp"], subtitles="no")


def test_sanity_figures_name_colour_and_score_each_map(ev):
    x, e = ev
    groups = {"gradients": ["saliency"], "CAMs": ["gradcam_pp"]}
    fig = cv.plot.sanity_spread(
        e.sanity, groups, colours={"saliency": "black", "gradcam_pp": "blue"}, display_names=True, legend_loc="outside", xlabel="named blocks randomised"
    )
    mains = [(line.get_label(), line.get_color()) for ax in fig.axes for line in ax.get_lines() if not line.get_label().startswith("_")]
    assert mains == [("Saliency", "black"), ("Grad-CAM++", "blue")]
    assert fig.axes[0].get_xlabel() == "named blocks randomised" and fig.axes[0].get_legend()._loc == 9
    maps = cv.plot.sanity_maps(e.sanity, x, index=1, scores=True, display_names=True)
    grid = [ax for ax in maps.axes if ax.get_label() != "<colorbar>"]
    r = e.sanity["gradcam_pp"]
    last = grid[-1]  # second row, last step
    assert last.get_xlabel() == f"\u03c1 {float(r.spearman[1, -1]):.2f}\nSSIM {float(r.ssim[1, -1]):.2f}"
    assert last.xaxis.label.get_fontsize() >= 12  # readable when the figure is projected
    assert grid[1].get_xlabel() == "" and grid[0].get_ylabel() == "Saliency"  # the original has no score
    labelled = cv.plot.sanity_spread(e.sanity, {"one": ["saliency"]}, threshold_label="threshold 0.5", panel_size=(8.0, 5.0))
    assert "threshold 0.5" in [t.get_text() for t in labelled.axes[0].get_legend().get_texts()]
    assert tuple(labelled.get_size_inches()) == (8.0, 5.0)
    with pytest.raises(ValueError, match="panel_size"):
        cv.plot.sanity_spread(e.sanity, {"one": ["saliency"]}, panel_size=(0, 5))


def test_auc_bars_display_names(ev):
    _, e = ev
    names = {t.get_text() for t in cv.plot.auc_bars(e, display_names=True).axes[0].get_yticklabels()}
    assert names == {"Saliency", "Grad-CAM++", "random pixels (baseline)", "random blobs (baseline)"}


def test_metric_dots_one_marker_per_image_and_the_mean(ev):
    _, e = ev
    fig = cv.plot.metric_dots(e, display_names=True)
    ax = fig.axes[1]  # infidelity
    assert ax.get_title() == "infidelity\n(lower is better)"
    means = [line for line in ax.get_lines() if line.get_marker() == "|"]
    assert [float(m.get_xdata()[0]) for m in means] == pytest.approx(
        [float(e.score("infidelity", n).mean()) for n in ("saliency", "gradcam_pp", "random pixels", "random blobs")]
    )
    dots = [line for line in ax.get_lines() if line.get_marker() in ("o", "s")]
    assert len(dots) == 2 * 4 and not ax.patches  # no bar whose length a log axis would decide
    texts = [t.get_text() for t in ax.texts]
    assert f"{float(e.score('infidelity', 'saliency').mean()):.3f}" in texts
    (legend,) = fig.legends
    assert [t.get_text() for t in legend.get_texts()] == ["dog", "cat"]
    assert {t.get_text() for t in ax.get_yticklabels()} >= {"Saliency", "Grad-CAM++"}
    with pytest.raises(ValueError, match="not measured"):
        cv.plot.metric_dots(e, ["deletion"])
    with pytest.raises(TypeError, match="display_names"):
        cv.plot.metric_dots(e, display_names="yes")
