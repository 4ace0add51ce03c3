"""Notebooks executed headless (nbclient, as ``make notebooks`` and ``nbconvert --execute``
do) in FULL mode never stall at a panel.

Two causes made notebooks 02 and 04 wait at their panels until the executor's timeout:
a button panel ran its whole computation (a full rendering, a full dream) when built, and
the panel drew that result into its ``Output`` widget while the cell ran, which makes
nbclient send widget messages on the shell channel while it waits there for the cell's
reply: the reply can be missed until the timeout (jupyter/nbclient#312). Now a button
panel opens on a cheap preview and no panel routes output through its ``Output`` widget
during a cell. This test builds every panel in a real kernel, full mode (no CNNVIZ_QUICK),
with a time limit per cell, and checks that no cell waits.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

PANELS = [
    "cv.widgets.maximize_panel()",
    "cv.widgets.inversion_panel()",
    "cv.widgets.deepdream_panel()",
    "cv.widgets.occlusion_panel()",
    'cv.widgets.evaluation_panel(image="cat", method="guided_backprop", view="sanity")',
    "cv.widgets.feature_map_panel()",
    'cv.widgets.gradcam_panel(image="drums_and_guitar")',
]
CELL_LIMIT = 120  # seconds nbclient waits for one cell
BUILD_LIMIT = 45  # what building one panel may take on a busy 2-core CPU (model already loaded)
GAP_LIMIT = 10  # between one cell's end and the next cell's start: a stall shows here


def _seconds(stamp: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def test_every_panel_builds_fast_in_full_mode_in_a_headless_kernel(monkeypatch):
    monkeypatch.delenv("CNNVIZ_QUICK", raising=False)  # full mode: what students see
    monkeypatch.setenv("CNNVIZ_OFFLINE", "1")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    cells = [nbformat.v4.new_code_cell("import cnnviz_lab as cv\nassert not cv.quick()\ncv.widgets.cached_model('efficientnet_lite0');")]
    cells += [nbformat.v4.new_code_cell(source) for source in PANELS]
    nb = nbformat.v4.new_notebook(cells=cells)
    start = time.perf_counter()
    nbclient.NotebookClient(nb, timeout=CELL_LIMIT, kernel_name="python3", record_timing=True, resources={"metadata": {"path": str(ROOT)}}).execute()
    total = time.perf_counter() - start
    times = [c.metadata["execution"] for c in nb.cells]
    report = []
    for i, (cell, t) in enumerate(zip(nb.cells, times)):
        took = _seconds(t["iopub.status.idle"]) - _seconds(t["iopub.status.busy"])
        gap = _seconds(times[i + 1]["iopub.status.busy"]) - _seconds(t["iopub.status.idle"]) if i + 1 < len(times) else 0.0
        report.append(f"{cell.source.splitlines()[0]:80s} {took:6.1f} s, then {gap:5.1f} s idle")
        errors = [o for o in cell.outputs if o.get("output_type") == "error"]
        assert not errors, f"{cell.source}: {errors[0]['ename']}: {errors[0]['evalue']}"
        if i > 0:
            assert took < BUILD_LIMIT, "\n".join(report)
            shown = [o for o in cell.outputs if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
            assert shown, f"{cell.source} displayed no widget"
        assert gap < GAP_LIMIT, "the executor waited between cells (a stall):\n" + "\n".join(report)
    print("\n".join(report), f"\ntotal {total:.1f} s")
