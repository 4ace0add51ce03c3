"""The marks path of the Grad-CAM panel (``gradcam_panel(..., marks=True)``: the photo's boxes
and the map's maximum drawn on the figure) leaves the shared model as it found it (no hook,
same modes, flags, parameters and buffers, no .grad), the grad mode and the sample boxes, on
success and when drawing the marks fails half-way."""

from __future__ import annotations

import copy

import pytest
import torch

import cnnviz_lab as cv
from fuzzkit import ModelState


class Boom(RuntimeError):
    pass


def _render(panel, **changes):
    values = {name: w.value for name, w in panel.controls.items()}
    return panel.render(**{**values, "layer": "head", "method": "gradcam", **changes})


def test_gradcam_panel_marks_leaves_the_model_grad_mode_and_boxes(monkeypatch):
    clf = cv.widgets.cached_model("efficientnet_lite0")
    state = ModelState.of(clf)
    boxes = copy.deepcopy(cv.sample_boxes("drums_and_guitar", model=clf))
    for image in ("drums_and_guitar", "cat"):  # with boxes, and a photo without any (the cross only)
        panel = cv.widgets.gradcam_panel(image=image, marks=True)
        assert panel.last_error == "", panel.last_error
        for grad in (True, False):
            with torch.set_grad_enabled(grad):
                fig = _render(panel, method="layercam" if grad else "gradcam")
                assert torch.is_grad_enabled() is grad, "the panel changed the grad mode"
            assert any(ax.lines for ax in fig.axes[1:3])  # the marks were drawn
            state.assert_same(clf, f"gradcam_panel(image={image!r}, marks=True)")
    assert cv.sample_boxes("drums_and_guitar", model=clf) == boxes

    def explode(*_args, **_kwargs):
        raise Boom("drawing the boxes failed")

    panel = cv.widgets.gradcam_panel(image="drums_and_guitar", marks=True)
    monkeypatch.setattr(cv.plot, "draw_boxes", explode)
    with pytest.raises(Boom):
        _render(panel)
    state.assert_same(clf, "gradcam_panel(marks=True) failing while drawing the marks")
    assert cv.sample_boxes("drums_and_guitar", model=clf) == boxes
