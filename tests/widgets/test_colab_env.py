"""The panels as Colab runs them: ipywidgets 7.7.1, numpy 2.0, matplotlib 3.10, Python 3.11
and the package installed NON-editable, as the notebooks' setup cell installs it there.

With ``CNNVIZ_COLAB_ENV=1`` (``make test-colab``; CI sets it) this test builds a virtual
environment from ``tools/colab-pins.txt`` in ``artifacts/colab-venv`` (reused while the pins
are unchanged; ``CNNVIZ_COLAB_VENV`` names another place), installs the package into it from
a ``git archive`` of the working tree's tracked files (``git stash create``: HEAD plus
uncommitted changes; new files must be added to git), and runs the panel tests there in a
subprocess, from a directory that holds only the tests, so that the installed copy is the
one imported. It fails with their output.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PINS = ROOT / "tools" / "colab-pins.txt"
TESTS = ["tests/widgets/test_panels.py", "tests/core/test_progress.py", "tests/widgets/test_headless_panels.py", "tests/exercises/test_exercises.py"]
RUN_LIMIT = 1800  # seconds for the tests inside the venv

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        os.environ.get("CNNVIZ_COLAB_ENV", "").strip().lower() not in {"1", "true", "yes", "on"},
        reason="the Colab environment check builds a venv with Colab's pins (tools/colab-pins.txt): run it with CNNVIZ_COLAB_ENV=1 (make test-colab)",
    ),
]


def _python_version() -> str:
    match = re.search(r"^#\s*python\s+(\d+\.\d+)", PINS.read_text(), re.MULTILINE)
    assert match, f"{PINS} must say which Python Colab runs ('# python 3.11')"
    return match.group(1)


def _interpreter(version: str) -> str:
    found = shutil.which(f"python{version}")
    if found:
        return found
    if f"{sys.version_info.major}.{sys.version_info.minor}" == version:
        return sys.executable
    pytest.fail(f"Colab runs Python {version} and no python{version} is on PATH: install it (e.g. with pyenv or apt-get), then run make test-colab again")


def _run(cmd: list[str], what: str, timeout: int, **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kwargs)
    if done.returncode != 0:
        pytest.fail(f"{what} failed (exit {done.returncode}):\n{done.stdout[-6000:]}\n{done.stderr[-6000:]}")
    return done


def build_venv(where: Path) -> tuple[Path, float]:
    """The venv at ``where`` with the pins installed (built when missing or when the pins
    changed); returns its python and the seconds the build took (0 when reused)."""
    digest = hashlib.sha256(PINS.read_bytes()).hexdigest()
    python, stamp = where / "bin" / "python", where / ".pins-sha256"
    if python.exists() and stamp.exists() and stamp.read_text() == digest:
        return python, 0.0
    start = time.perf_counter()
    if where.exists():
        shutil.rmtree(where)
    _run([_interpreter(_python_version()), "-m", "venv", str(where)], "creating the venv", 300)
    _run([str(python), "-m", "pip", "install", "-q", "-r", str(PINS)], "installing the Colab pins", 3600)
    stamp.write_text(digest)
    return python, time.perf_counter() - start


def archive_tree(dest: Path) -> Path:
    """The tracked files of the working tree (HEAD plus uncommitted changes) unpacked in
    ``dest``: what a clean clone of this state holds."""
    commit = subprocess.run(["git", "stash", "create"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    tar = dest / "src.tar"
    _run(["git", "archive", "--format=tar", "-o", str(tar), commit or "HEAD"], "git archive", 120, cwd=ROOT)
    src = dest / "src"
    with tarfile.open(tar) as t:
        t.extractall(src, filter="data")
    return src


def test_panels_under_colabs_pins(tmp_path):
    where = Path(os.environ.get("CNNVIZ_COLAB_VENV") or ROOT / "artifacts" / "colab-venv")
    python, built = build_venv(where)
    src = archive_tree(tmp_path)
    start = time.perf_counter()
    # Non-editable, with the pins as constraints: the package's other dependencies come from
    # the package index, Colab's own packages stay as pinned.
    _run([str(python), "-m", "pip", "install", "-q", "--force-reinstall", "--no-deps", str(src)], "installing the package", 900)
    _run([str(python), "-m", "pip", "install", "-q", "-c", str(PINS), str(src)], "installing its dependencies", 1800)
    installed = time.perf_counter() - start
    run = tmp_path / "run"
    shutil.copytree(src / "tests", run / "tests")
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    env.update(CNNVIZ_OFFLINE="1", CNNVIZ_QUICK="1", MPLBACKEND="Agg", PYTHONNOUSERSITE="1")
    env["PATH"] = f"{python.parent}{os.pathsep}{env.get('PATH', '')}"
    probe = _run(
        [
            str(python),
            "-c",
            "import cnnviz_lab, ipywidgets, numpy, matplotlib, torch; "
            "print(cnnviz_lab.__file__, ipywidgets.__version__, numpy.__version__, matplotlib.__version__, "
            "torch.__version__)",
        ],
        "importing the installed package",
        300,
        cwd=run,
        env=env,
    ).stdout.split()
    assert "site-packages" in probe[0], f"the tests would import {probe[0]}, not the installed package"
    pins = dict(line.split("==") for line in PINS.read_text().splitlines() if "==" in line)
    assert probe[1:4] == [pins["ipywidgets"], pins["numpy"], pins["matplotlib"]], probe
    start = time.perf_counter()
    done = subprocess.run(
        [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", *TESTS], cwd=run, env=env, capture_output=True, text=True, timeout=RUN_LIMIT
    )
    tested = time.perf_counter() - start
    print(
        f"Colab environment: venv {'built in %.0f s' % built if built else 'reused'}, package installed in "
        f"{installed:.0f} s, tests ran in {tested:.0f} s under ipywidgets {probe[1]}, numpy {probe[2]}, "
        f"matplotlib {probe[3]}, torch {probe[4]}\n{done.stdout[-1500:]}"
    )
    assert done.returncode == 0, f"the panel tests failed under Colab's pins:\n{done.stdout[-12000:]}\n{done.stderr[-4000:]}"
