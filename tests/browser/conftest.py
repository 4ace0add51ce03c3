"""JupyterLab and headless Chromium for the real-browser widget test.

``jupyterlab`` starts JupyterLab from this Python environment on a free 127.0.0.1 port with
a random token, serving a temporary copy of ``notebooks/`` (outputs cleared, so every
figure the test sees was drawn in this run, and the repository is never written), with
temporary Jupyter config/runtime/data/settings directories so nothing leaks in or out, no
news or update checks (no network), and the kernel in offline quick mode. It is shut down
on every path: the REST shutdown, then the process group, then any process left.

``browser`` is Debian's Chromium (``/usr/bin/chromium``) driven by Playwright; the test never
runs ``playwright install``. The browser tests run only when ``CNNVIZ_BROWSER=1`` (set by
``make test`` and ``make test-browser``); a plain ``pytest tests`` skips them, saying why.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from browserkit import chromium, free_port, skip_unless

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts" / "browser"
START_TIMEOUT_S = 120

# JupyterLab user settings: no autosave, every cell in the DOM, the notebook's kernel without a
# "Select Kernel" dialog, no news, no update check.
LAB_SETTINGS = {
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none", "autoStartDefaultKernel": True},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false", "checkForUpdates": False},
}
SERVER_CONFIG = {
    "ServerApp": {"ip": "127.0.0.1", "open_browser": False, "port_retries": 0, "terminals_enabled": False},
    "LabApp": {"news_url": None, "check_for_updates_class": "jupyterlab.NeverCheckForUpdate", "extension_manager": "readonly"},
    "LanguageServerManager": {"autodetect": False},
}


RESULTS: list[str] = []  # one line per notebook driven, printed in pytest's terminal summary


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    if RESULTS:
        terminalreporter.write_sep("=", "browser test")
        for line in RESULTS:
            terminalreporter.write_line(line)


def pytest_collection_modifyitems(config, items):
    skip_unless(items, Path(__file__).parent, "CNNVIZ_BROWSER", "real-browser test: run `make test-browser` (or set CNNVIZ_BROWSER=1)")


@dataclass
class Lab:
    """A running JupyterLab: its base URL, token, served folder and log file."""

    url: str
    token: str
    root: Path
    log: Path

    def page_url(self, notebook: str) -> str:
        """The notebook alone in a fresh workspace of its own: JupyterLab would otherwise
        restore the tabs of the previous test, and "Run All Cells" could go to one of them."""
        workspace = Path(notebook).stem.replace("_", "-")
        return f"{self.url}/lab/workspaces/{workspace}/tree/{notebook}?reset&token={self.token}"

    def api(self, path: str, method: str = "GET", timeout: float = 10):
        req = urllib.request.Request(f"{self.url}{path}", method=method, headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            body = resp.read()
        return json.loads(body) if body else None

    def log_tail(self, n: int = 40) -> str:
        lines = self.log.read_text(errors="replace").splitlines() if self.log.exists() else []
        return "\n".join(lines[-n:])


def _copy_notebooks(dest: Path) -> None:
    """notebooks/NN_*.ipynb without their stored outputs (and without the sources)."""
    dest.mkdir(parents=True)
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
        nb.metadata.pop("widgets", None)
        nbformat.write(nb, dest / path.name)


def _environment(tmp: Path, token: str) -> dict[str, str]:
    dirs = {
        k: tmp / v
        for k, v in [
            ("JUPYTER_CONFIG_DIR", "config"),
            ("JUPYTER_RUNTIME_DIR", "runtime"),
            ("JUPYTER_DATA_DIR", "data"),
            ("JUPYTERLAB_SETTINGS_DIR", "settings"),
            ("JUPYTERLAB_WORKSPACES_DIR", "workspaces"),
            ("IPYTHONDIR", "ipython"),
        ]
    }
    for d in dirs.values():
        d.mkdir(parents=True, exist_ok=True)
    config = json.loads(json.dumps(SERVER_CONFIG))
    config["ServerApp"]["allow_root"] = hasattr(os, "geteuid") and os.geteuid() == 0  # CI runs as root
    (dirs["JUPYTER_CONFIG_DIR"] / "jupyter_server_config.json").write_text(json.dumps(config))
    for name, values in LAB_SETTINGS.items():
        path = dirs["JUPYTERLAB_SETTINGS_DIR"] / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "MPLBACKEND"))}
    env.update({k: str(v) for k, v in dirs.items()})
    env.update(
        JUPYTER_TOKEN=token,
        CNNVIZ_OFFLINE="1",
        CNNVIZ_QUICK="1",
        JUPYTER_PLATFORM_DIRS="1",
        PYTHONPATH=os.pathsep.join([str(ROOT)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]),
    )
    return env


def _stop(proc: subprocess.Popen, lab: Lab) -> None:
    """REST shutdown (kernels first), then SIGTERM/SIGKILL to the process group, then any
    descendant still alive (kernels run in sessions of their own)."""
    try:
        import psutil

        family = psutil.Process(proc.pid).children(recursive=True)
    except Exception:  # psutil missing or the server already gone
        family = []
    if proc.poll() is None:
        with contextlib.suppress(Exception):
            lab.api("/api/shutdown", method="POST", timeout=5)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=15)
    for sig, wait in [(signal.SIGTERM, 5), (signal.SIGKILL, 5)]:
        if proc.poll() is not None:
            break
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=wait)
    for child in family:
        with contextlib.suppress(Exception):
            if child.is_running():
                child.kill()


@pytest.fixture(scope="session")
def jupyterlab(tmp_path_factory) -> Lab:
    """A JupyterLab server serving a clean copy of the course notebooks (see module doc)."""
    tmp = tmp_path_factory.mktemp("jupyterlab")
    root = tmp / "notebooks"
    _copy_notebooks(root)
    token = secrets.token_hex(24)
    port = free_port()
    lab = Lab(url=f"http://127.0.0.1:{port}", token=token, root=root, log=tmp / "jupyterlab.log")
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", f"--ServerApp.port={port}", f"--ServerApp.root_dir={root}"]
    with open(lab.log, "wb") as log:
        proc = subprocess.Popen(
            cmd, cwd=root, env=_environment(tmp, token), stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if proc.poll() is not None:
                pytest.fail(f"JupyterLab exited with code {proc.returncode} before answering:\n{lab.log_tail()}")
            with contextlib.suppress(urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                if lab.api("/api/status", timeout=2) is not None:
                    break
            if time.monotonic() > deadline:
                pytest.fail(f"JupyterLab did not answer within {START_TIMEOUT_S} s:\n{lab.log_tail()}")
            time.sleep(0.25)  # polling a server that is starting: nothing to wait on instead
        yield lab
    finally:
        _stop(proc, lab)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        if lab.log.exists():
            shutil.copy(lab.log, ARTIFACTS / "jupyterlab.log")


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium through Playwright (never a downloaded browser)."""
    with chromium() as launched:
        yield launched
