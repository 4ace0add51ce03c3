"""One progress bar per long call and per notebook cell (cnnviz_lab.core.progress).

A notebook executed headless stores every bar a cell displayed; readers without a live
kernel (GitHub, nbviewer, a projector) see each as a line of text. Nested bars (a long call
made inside another) and a new bar per call in a loop used to give notebook 08 about 60
such lines per cell.
"""

from __future__ import annotations

import gc
import os
from pathlib import Path

import pytest
import torch

import cnnviz_lab as cv
from cnnviz_lab.core import defaults, progress

ROOT = Path(__file__).resolve().parents[2]


def test_a_call_inside_a_visible_bar_shows_none():
    outer = defaults.progress_bar(range(3), images=1000, progress=None, desc="outer")
    assert not outer.disable
    seen = []
    for _ in outer:
        inner = defaults.progress_bar(range(2), images=1000, progress=True, desc="inner")
        seen.append(inner.disable)
        list(inner)
    assert seen == [True, True, True]
    after = defaults.progress_bar(range(2), images=1000, progress=None, desc="after")
    assert not after.disable  # the outer bar is closed: the next long call shows its own
    list(after)


def test_a_short_outer_call_does_not_hide_long_inner_ones():
    outer = defaults.progress_bar(range(2), images=2, progress=None, desc="short")  # no bar
    assert outer.disable and not progress.nested()
    for _ in outer:
        inner = defaults.progress_bar(range(2), images=1000, progress=None, desc="long")
        assert not inner.disable
        list(inner)


def test_a_bar_never_closed_stops_hiding_others_once_gone():
    leaked = defaults.progress_bar(total=5, images=1000, progress=True, desc="leaked")
    assert progress.nested()
    del leaked
    gc.collect()
    assert not progress.nested()


def test_evaluate_methods_shows_one_bar_for_all_its_work(tiny, monkeypatch):
    shown = []
    real = progress._Bar.__init__

    def spy(self, *args, **kwargs):
        real(self, *args, **kwargs)
        if not self.disable:
            shown.append(self.desc)

    monkeypatch.setattr(progress._Bar, "__init__", spy)
    x = torch.randn(2, 3, 32, 32, generator=torch.Generator().manual_seed(0))
    cv.evaluate_methods(tiny, x, ["saliency", "gradcam"], steps=40, layers=["fc", "conv2"], progress=True)
    assert shown == ["evaluate_methods"], shown


CELL = """
import torch
from torch import nn
import cnnviz_lab as cv
torch.manual_seed(0)
net = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.Conv2d(4, 4, 3, padding=1), nn.ReLU(),
                    nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 5)).eval()
x = torch.randn(2, 3, 24, 24)
"""


def test_one_bar_widget_per_notebook_cell(monkeypatch):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    loop = "for c in range(3):\n    cv.maximize(net, f'2:{c}', size=16, steps=70, progress=True)"
    evaluate = "cv.evaluate_methods(net, x, ['saliency', 'gradcam'], steps=30, layers=['6', '2'], progress=True);"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in (CELL, loop, evaluate, loop)])
    nbclient.NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}).execute()
    for cell in nb.cells[1:]:
        bars = [o for o in cell.outputs if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
        streams = [o for o in cell.outputs if o.get("output_type") == "stream"]
        assert len(bars) == 1, (cell.source, [o.get("data", {}).get("text/plain") for o in bars])
        assert not streams, (cell.source, streams)
