"""ruff lints the package, the tests, the tools, the benchmarks and the notebook sources (pyflakes
and pycodestyle rules, pyproject's [tool.ruff]) and checks their format (`ruff format` rewrites what
it finds); the notebook sources keep their hand layout, so that each cell stays a short call."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_ruff_finds_nothing():
    ruff = shutil.which("ruff") or str(Path(sys.executable).parent / "ruff")
    if not Path(ruff).exists():
        pytest.skip("ruff is not installed (pip install -e .[test])")
    out = subprocess.run([ruff, "check", "cnnviz_lab", "tests", "tools", "benchmarks", "conftest.py"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-2000:]


def test_ruff_format_finds_nothing_to_change():
    ruff = shutil.which("ruff") or str(Path(sys.executable).parent / "ruff")
    if not Path(ruff).exists():
        pytest.skip("ruff is not installed (pip install -e .[test])")
    out = subprocess.run(
        [ruff, "format", "--check", "cnnviz_lab", "tests", "tools", "benchmarks", "conftest.py"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, "run `ruff format` on:\n" + out.stdout[-4000:] + out.stderr[-2000:]
