"""Layout and scale keywords of the signed-map figure and the app view's explanation figure."""

import numpy as np
import pytest
import torch

import cnnviz_lab as cv


def test_signed_maps_in_rows_state_each_panel_scale():
    maps = {name: torch.zeros(3, 8, 8) for name in "abcde"}
    for i, name in enumerate(maps):
        maps[name][0, :, :4] = 10.0**-i  # panel i has |value| 10^-i on half its pixels
    fig = cv.plot.signed_maps(torch.rand(3, 8, 8), maps, ncols=3, state_scale=True, percentile=100)
    panels = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
    assert len(panels) == 6  # the image and five maps, the grid has no empty cell
    cells = [(ax.get_subplotspec().rowspan.start, ax.get_subplotspec().colspan.start) for ax in panels]
    assert cells == [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (1, 2)]
    titles = [ax.get_title() for ax in panels[1:]]
    assert [t.splitlines()[-1] for t in titles] == [f"scale: ±{10.0**-i:.2g}" for i in range(5)]
    for ax, i in zip(panels[1:], range(5)):
        assert np.allclose(ax.get_images()[0].get_clim(), (-(10.0**-i), 10.0**-i))


def test_signed_maps_default_layout_is_one_row_without_scales():
    fig = cv.plot.signed_maps(torch.rand(3, 8, 8), {"a": torch.randn(3, 8, 8), "b": torch.randn(3, 8, 8)})
    panels = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
    assert [ax.get_subplotspec().rowspan.start for ax in panels] == [0, 0, 0]
    assert all("scale" not in ax.get_title() for ax in panels)


def test_signed_maps_reject_bad_layout_keywords():
    maps = {"a": torch.randn(3, 8, 8)}
    for bad in (0, -1, 2.0, True):
        with pytest.raises(ValueError, match="ncols"):
            cv.plot.signed_maps(torch.rand(3, 8, 8), maps, ncols=bad)
    with pytest.raises(TypeError, match="state_scale"):
        cv.plot.signed_maps(torch.rand(3, 8, 8), maps, state_scale="yes")


def test_explanation_clips_at_a_percentile_and_draws_its_colour_bar(lite, cat_x):
    heat = torch.arange(224 * 224, dtype=torch.float32).reshape(224, 224)
    heat[0, 0] = 1e9  # one extreme pixel
    target = lite.predict(cat_x, k=1)[0][0]
    fig = cv.plot.explanation(lite, cat_x, heat, target, cmap="magma", colorbar=True, percentile=99)
    ax_map = fig.axes[0]
    shown = np.asarray(ax_map.get_images()[0].get_array())
    top = np.percentile(heat.numpy().astype(np.float64), 99)
    assert ax_map.get_images()[0].get_cmap().name == "magma"
    low = 1.0  # the map's minimum, heat[0, 1]
    assert np.isclose(shown[100, 100], (float(heat[100, 100]) - low) / (top - low), rtol=1e-4)
    assert (shown >= 0.999).mean() > 0.009 and shown.max() == pytest.approx(1.0)
    bars = [ax for ax in fig.axes if ax.get_label() == "<colorbar>"]
    assert len(bars) == 1 and "99th percentile" in bars[0].get_ylabel()
    plain = cv.plot.explanation(lite, cat_x, heat, target)
    assert not [ax for ax in plain.axes if ax.get_label() == "<colorbar>"]
    assert plain.axes[0].get_images()[0].get_cmap().name == "jet"
    with pytest.raises(ValueError, match="percentile"):
        cv.plot.explanation(lite, cat_x, heat, target, percentile=0)
    with pytest.raises(TypeError, match="colorbar"):
        cv.plot.explanation(lite, cat_x, heat, target, colorbar=1)
    big = cv.plot.explanation(lite, cat_x, heat, target, large=True)  # for projection: wider, larger labels, axis 0-1
    assert big.get_size_inches()[0] >= 1200 / 72 and big.axes[2].get_xlim() == (0.0, 1.0) and plain.axes[2].get_xlim()[1] == 1.2
    assert big.axes[2].xaxis.label.get_fontsize() >= 12 > plain.axes[2].xaxis.label.get_fontsize()
    shown_labels = [t.get_text() for t in big.axes[2].texts if t.get_text()]
    assert len(shown_labels) == len(plain.axes[2].texts)  # every bar keeps its label
    with pytest.raises(TypeError, match="large"):
        cv.plot.explanation(lite, cat_x, heat, target, large="yes")


def test_explorer_panel_rejects_an_unknown_colour_map():
    from cnnviz_lab.widgets import explorer_panel

    with pytest.raises(ValueError, match="cmap"):
        explorer_panel(cmap="not-a-map")
    with pytest.raises(TypeError, match="colorbar"):
        explorer_panel(colorbar="yes")
    with pytest.raises(ValueError, match="percentile"):
        explorer_panel(percentile=101)
    with pytest.raises(TypeError, match="large"):
        explorer_panel(large=1)


def test_signed_maps_reductions_name_each_panels_reduction():
    maps = {"cam": torch.rand(1, 8, 8), "lrp": torch.randn(3, 8, 8)}
    fig = cv.plot.signed_maps(torch.rand(3, 8, 8), maps, reductions={"cam": "one-channel map"})
    titles = [ax.get_title() for ax in fig.axes if ax.get_label() != "<colorbar>"][1:]
    assert titles == ["cam\n(one-channel map)", "lrp\n(sum over RGB)"]
    for bad in ({"nope": "x"}, {"cam": 3}, ["cam"]):
        with pytest.raises(ValueError, match="reductions"):
            cv.plot.signed_maps(torch.rand(3, 8, 8), maps, reductions=bad)
