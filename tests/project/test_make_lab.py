"""`make lab`, the README's first command, serves the course: as the current user (root in CI)
and, when the tests run as root, as an ordinary user too. The server is started exactly as
`make lab` starts it (the Makefile target, no browser), its contents API is read with the
token the server printed, and the server is shut down on every path."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VENV = Path(sys.prefix)  # the venv running the tests
URL = re.compile(r"(http://127\.0\.0\.1:\d+/lab\?token=\w+)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(prefix: list[str], env: dict[str, str], timeout: float = 90.0) -> tuple[list[str], str]:
    """Run `make lab` (under ``prefix``, e.g. a user switch), wait for its URL, list the root
    folder through the contents API, stop the server. Returns (names listed, output)."""
    port = _free_port()
    cmd = prefix + ["make", "-s", "--no-print-directory", "lab", f"VENV={VENV}", f"LAB_ARGS=--port={port} --no-browser --ServerApp.port_retries=0"]
    log = tempfile.TemporaryFile(mode="w+")
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + timeout
        url = None
        while url is None:
            log.seek(0)
            text = log.read()
            found = URL.search(text)
            if found:
                url = found.group(1)
            elif proc.poll() is not None:
                pytest.fail(f"`make lab` exited with {proc.returncode}:\n{text}")
            elif time.monotonic() > deadline:
                pytest.fail(f"`make lab` printed no URL within {timeout:.0f} s:\n{text}")
            else:
                time.sleep(0.3)
        token = url.rsplit("token=", 1)[1]
        assert f":{port}/" in url
        request = urllib.request.Request(f"http://127.0.0.1:{port}/api/contents?content=1", headers={"Authorization": f"token {token}"})
        for _ in range(50):
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    listing = json.load(response)
                break
            except OSError:
                time.sleep(0.3)
        else:
            pytest.fail("the contents API did not answer")
        log.seek(0)
        return [item["name"] for item in listing["content"]], log.read()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        log.close()


def _check_listing(names: list[str]) -> None:
    notebooks = sorted(n for n in names if re.fullmatch(r"\d\d_\w+\.ipynb", n))
    assert len(notebooks) >= 9, f"the course notebooks are missing from the listing: {names}"
    extra = sorted(set(names) - set(notebooks))
    assert not extra, f"students see more than the course in the file browser: {extra}"


@pytest.fixture
def lab_env(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "DISPLAY", "WAYLAND"))}
    env.update(
        HOME=str(tmp_path), JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"), JUPYTER_CONFIG_DIR=str(tmp_path / "config"), JUPYTER_DATA_DIR=str(tmp_path / "data")
    )
    return env


def test_make_lab_serves_the_course(lab_env):
    names, output = _serve([], lab_env)
    _check_listing(names)
    assert "Running as root is not recommended" not in output or os.geteuid() == 0


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0 or not shutil.which("setpriv"), reason="the ordinary-user case is checked when the tests run as root (CI)"
)
def test_make_lab_serves_the_course_to_an_ordinary_user(lab_env, tmp_path):
    os.chmod(tmp_path, 0o777)
    for parent in tmp_path.parents:  # the temp folders above must be traversable
        if str(parent).startswith(tempfile.gettempdir()) and parent != Path(tempfile.gettempdir()):
            os.chmod(parent, 0o755)
    nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"]
    usable = subprocess.run(nobody + [str(VENV / "bin" / "jupyter"), "lab", "--version"], capture_output=True)
    if usable.returncode != 0:
        pytest.skip("an ordinary user cannot run this venv's Python (it lives in a private folder)")
    names, _ = _serve(nobody, lab_env)
    _check_listing(names)
