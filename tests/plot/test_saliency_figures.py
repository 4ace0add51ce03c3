"""The saliency figures' scale notes and the two-photo map figure."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from matplotlib.figure import Figure

import cnnviz_lab as cv


def _a(seed: int = 0) -> torch.Tensor:
    return torch.randn(3, 8, 8, generator=torch.Generator().manual_seed(seed))


def test_scale_note_is_stated_only_when_asked():
    img, a = torch.rand(1, 3, 8, 8), _a()
    figs = {
        "saliency_maps": lambda **k: cv.plot.saliency_maps(img, a, **k),
        "vanilla_vs_guided": lambda **k: cv.plot.vanilla_vs_guided(img, a, -a, **k),
        "compare_maps": lambda **k: cv.plot.compare_maps(img, {"a": a}, **k),
        "class_maps": lambda **k: cv.plot.class_maps(img, torch.stack([a, a]), ["x", "y"], **k),
    }
    for name, make in figs.items():
        assert make()._supxlabel is None, name
        note = make(scale_note=True)._supxlabel.get_text()
        assert "99th percentile" in note and "black = 0" in note, name
    with pytest.raises(TypeError, match="scale_note"):
        cv.plot.compare_maps(img, {"a": a}, scale_note="yes")


def test_maps_on_images_draws_each_map_with_its_photo_and_a_difference_on_the_first_scale():
    img1, img2, a = torch.rand(1, 3, 8, 8), torch.rand(1, 3, 8, 8), _a()
    fig = cv.plot.maps_on_images([("first", img1, a), ("second", img2, a.clone())], difference=True)
    assert isinstance(fig, Figure)
    axes = fig.axes
    assert [ax.get_title() for ax in axes[:4]] == ["image", "first", "image", "second"]
    np.testing.assert_allclose(axes[1].images[0].get_array(), cv.plot.saliency_map(a))
    assert np.asarray(axes[4].images[0].get_array()).max() == 0  # identical maps: black
    b = a.clone()
    b[0, 0, 0] += float(a.abs().max())  # one pixel differs
    diff = np.asarray(cv.plot.maps_on_images([("a", img1, a), ("b", img1, b)], difference=True).axes[4].images[0].get_array())
    assert diff[0, 0] > 0 and np.count_nonzero(diff) == 1
    with pytest.raises(ValueError, match="two panels"):
        cv.plot.maps_on_images([("a", img1, a)], difference=True)
    with pytest.raises(TypeError, match="panels"):
        cv.plot.maps_on_images([("a", img1)])
    with pytest.raises(ValueError, match="at most 4"):
        cv.plot.maps_on_images([("a", img1, a)] * 5)


def test_fontsize_sets_the_panel_titles_and_the_wrapped_scale_note():
    img, a = torch.rand(1, 3, 8, 8), _a()
    figs = {
        "saliency_maps": lambda **k: cv.plot.saliency_maps(img, a, **k),
        "vanilla_vs_guided": lambda **k: cv.plot.vanilla_vs_guided(img, a, -a, **k),
        "compare_maps": lambda **k: cv.plot.compare_maps(img, {"a": a}, **k),
        "class_maps": lambda **k: cv.plot.class_maps(img, torch.stack([a, a]), ["x", "y"], **k),
        "maps_on_images": lambda **k: cv.plot.maps_on_images([("a", img, a), ("b", img, -a)], difference=True, **k),
    }
    for name, make in figs.items():
        default, big = make(scale_note=True), make(scale_note=True, fontsize=12)
        assert {ax.title.get_fontsize() for ax in default.axes} == {9.0}, name
        assert {ax.title.get_fontsize() for ax in big.axes} == {12.0}, name
        assert default._supxlabel.get_fontsize() == 9.0 and big._supxlabel.get_fontsize() == 12.0, name
        note = big._supxlabel.get_text()
        assert note.replace("\n", " ") == default._supxlabel.get_text(), name  # the same words, wrapped where needed
        width = big.get_figwidth() * 72 / (0.5 * 12)
        assert max(len(line) for line in note.split("\n")) <= width, name
        assert (big.get_figheight() > default.get_figheight()) == ("\n" in note), name  # room for the extra lines
    narrow = figs["compare_maps"](scale_note=True, fontsize=12)._supxlabel.get_text()
    assert "\n" in narrow  # one map: 8 inches wide, the note takes two lines
    with pytest.raises(ValueError, match="fontsize"):
        cv.plot.compare_maps(img, {"a": a}, fontsize=0)


def test_the_saliency_panel_states_its_scale_when_asked():
    pytest.importorskip("ipywidgets")
    plain, noted = cv.widgets.saliency_panel(size=32), cv.widgets.saliency_panel(size=32, scale_note=True, fontsize=12)
    assert plain.last_error == noted.last_error == ""
    assert plain.last_result._supxlabel is None
    fig = noted.last_result
    assert "99th percentile" in fig._supxlabel.get_text() and fig._supxlabel.get_fontsize() == 12.0
    with pytest.raises(TypeError, match="scale_note"):
        cv.widgets.saliency_panel(size=32, scale_note="yes")
