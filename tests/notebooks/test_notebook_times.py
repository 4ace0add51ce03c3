"""The "notebook times" summary of the root conftest.py: its table, and a real nbval run."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[2]


def _module():
    spec = importlib.util.spec_from_file_location("notebook_times_conftest", ROOT / "conftest.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


class _Report:
    def __init__(self, nodeid: str, duration: float, failed: bool = False) -> None:
        self.nodeid, self.duration, self.failed = nodeid, duration, failed


def test_durations_add_up_per_notebook_and_flag_budgets():
    mod = _module()
    for nodeid, sec, failed in [("notebooks/00_a.ipynb::Cell 0", 2.0, False),
                                ("notebooks/00_a.ipynb::Cell 1", 3.5, False),
                                ("notebooks/01_b.ipynb::Cell 0", 61.0, True),
                                ("tests/test_x.py::test_y", 100.0, False)]:
        mod.pytest_runtest_logreport(_Report(nodeid, sec, failed))
    assert dict(mod._times) == {"notebooks/00_a.ipynb": 5.5, "notebooks/01_b.ipynb": 61.0}
    lines = mod.notebook_times_table(dict(mod._times), mod._failed)
    assert lines[0].split() == ["notebooks/00_a.ipynb", "5.5", "s"]
    assert "over the 60 s budget" in lines[1] and "FAILED" in lines[1]
    assert lines[-1].split()[:4] == ["total", "(2", "notebooks)", "66.5"]
    assert "course budget" not in lines[-1]
    assert "over the 10-minute course budget" in mod.notebook_times_table({"a.ipynb": 601.0})[-1]


def test_nbval_run_prints_the_table(tmp_path):
    """nbval's node ids and the hook agree: a two-cell notebook appears with its time."""
    (tmp_path / "notebooks").mkdir()
    shutil.copy(ROOT / "conftest.py", tmp_path / "conftest.py")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import time\ntime.sleep(0.5)"),
                                         nbformat.v4.new_code_cell("assert 1 + 1 == 2")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, tmp_path / "notebooks" / "00_tiny.ipynb")
    run = subprocess.run([sys.executable, "-m", "pytest", "notebooks", "--nbval-lax", "--nbval-current-env",
                          "-p", "no:cacheprovider", "-q", "--rootdir", str(tmp_path)],
                         cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    out = run.stdout
    assert "notebook times" in out, out
    row = next(line for line in out.splitlines() if line.startswith("notebooks/00_tiny.ipynb"))
    assert float(row.split()[1]) >= 0.5, row
    assert "total (1 notebooks)" in out
