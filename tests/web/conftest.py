"""The slides, the course website and the app view, built and opened in a real browser.

Run by ``make test-web`` (``CNNVIZ_WEB=1``; a plain ``pytest tests`` skips these tests,
saying why). Each page is opened in Debian's Chromium through Playwright (never
``playwright install``) in a context that records and blocks every request leaving the
machine (anything but ``file:``, ``data:``, ``blob:`` and 127.0.0.1/localhost): a test
fails on any such request, and on any JavaScript error.

The decks and the site are built once per session into a temporary folder from a copy of
``notebooks/`` (``CNNVIZ_WEB_NOTEBOOKS`` points at another folder) plus one small notebook
executed here with its widget state stored (``98_stored_panel.ipynb``: a course panel,
quick mode), so the static rendering of stored widget state is tested whatever the course
notebooks store.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import pytest
from browserkit import chromium, free_port, skip_unless

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools" / "web"))

LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}
LOCAL_SCHEMES = {"file", "data", "blob", "about", "chrome-error"}
ARTIFACTS = ROOT / "artifacts" / "web"
STORED_PANEL = "98_stored_panel"


def pytest_collection_modifyitems(config, items):
    skip_unless(items, Path(__file__).parent, "CNNVIZ_WEB", "slides/site/app browser tests: run `make test-web` (or set CNNVIZ_WEB=1)")


def is_local(url: str) -> bool:
    """Whether loading ``url`` stays on this machine."""
    parsed = urlparse(url)
    if parsed.scheme in LOCAL_SCHEMES:
        return True
    return parsed.scheme in {"http", "https", "ws", "wss"} and parsed.hostname in LOCAL_HOSTS


@dataclass
class Watch:
    """What a browser context tried to load from outside, and the JavaScript errors it saw."""

    outside: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def check(self) -> None:
        assert not self.outside, f"requests left the machine: {sorted(set(self.outside))[:10]}"
        assert not self.errors, f"JavaScript errors: {self.errors[:5]}"


@contextlib.contextmanager
def offline_page(browser, width: int = 1280, height: int = 720, check: bool = True):
    """A page whose requests leaving the machine are blocked and recorded; on leaving the
    block the test fails if there was any (or any JavaScript error)."""
    context = browser.new_context(viewport={"width": width, "height": height})
    watch = Watch()

    def route(route):
        if is_local(route.request.url):
            route.continue_()
        else:
            watch.outside.append(route.request.url)
            route.abort()

    context.route("**/*", route)
    context.on("request", lambda req: None if is_local(req.url) else watch.outside.append(req.url))
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.on("pageerror", lambda err: watch.errors.append(str(err)))
    page.on("websocket", lambda ws: None if is_local(ws.url) else watch.outside.append(ws.url))
    try:
        yield page, watch
    finally:
        context.close()
    if check:
        watch.check()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # no access log in the test output
        pass


@contextlib.contextmanager
def serve_folder(folder: Path):
    """``folder`` over http://127.0.0.1:PORT/ (a static web server, like GitHub Pages)."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium through Playwright (never a downloaded browser)."""
    with chromium() as launched:
        yield launched


def _stored_panel_notebook(dest: Path) -> None:
    """A small notebook with a course panel, executed in quick mode with its widget state stored
    (as ``make notebooks`` would store it), and slide metadata."""
    import nbclient
    import nbformat

    cells = [
        nbformat.v4.new_markdown_cell("# 98 · A stored panel\n\nA panel drawn from its stored widget state."),
        nbformat.v4.new_code_cell("import cnnviz_lab as cv"),
        nbformat.v4.new_markdown_cell("## The panel\n\nGrad-CAM, as stored: $y^c = \\sum_k w_k^c A^k$."),
        nbformat.v4.new_code_cell('cv.widgets.gradcam_panel(image="drums_and_guitar")'),
    ]
    for cell, kind in zip(cells, ["slide", "skip", "slide", "-"]):
        cell.metadata["slideshow"] = {"slide_type": kind}
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    env_keep = {k: os.environ.get(k) for k in ("CNNVIZ_QUICK", "CNNVIZ_OFFLINE", "PYTHONPATH", "MPLBACKEND")}
    os.environ.update(
        CNNVIZ_QUICK="1",
        CNNVIZ_OFFLINE="1",
        MPLBACKEND="module://matplotlib_inline.backend_inline",
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env_keep["PYTHONPATH"]])),
    )
    try:
        nbclient.NotebookClient(nb, timeout=300, kernel_name="python3", store_widget_state=True, resources={"metadata": {"path": str(dest)}}).execute()
    finally:
        for k, v in env_keep.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    nbformat.write(nb, dest / f"{STORED_PANEL}.ipynb")


@pytest.fixture(scope="session")
def web_notebooks(tmp_path_factory) -> Path:
    """The course notebooks (``CNNVIZ_WEB_NOTEBOOKS`` or ``notebooks/``) plus the stored-panel
    notebook, in a temporary folder."""
    source = Path(os.environ.get("CNNVIZ_WEB_NOTEBOOKS") or ROOT / "notebooks")
    folder = tmp_path_factory.mktemp("web-notebooks")
    for path in sorted(source.glob("[0-9][0-9]_*.ipynb")):
        shutil.copy(path, folder / path.name)
    _stored_panel_notebook(folder)
    return folder


@pytest.fixture(scope="session")
def slides_dir(web_notebooks, tmp_path_factory) -> Path:
    import slides

    out = tmp_path_factory.mktemp("slides")
    slides.build(web_notebooks, out)
    return out


@pytest.fixture(scope="session")
def site_dir(web_notebooks, tmp_path_factory) -> Path:
    import website

    out = tmp_path_factory.mktemp("site") / "site"
    website.build(web_notebooks, out)
    return out


APP_START_TIMEOUT_S = 180


@dataclass
class App:
    url: str
    log: Path

    def log_tail(self, n: int = 40) -> str:
        lines = self.log.read_text(errors="replace").splitlines() if self.log.exists() else []
        return "\n".join(lines[-n:])


@pytest.fixture(scope="session")
def app_server(tmp_path_factory):
    """``cnnviz app`` on a free port (its kernels offline), stopped on every path."""
    tmp = tmp_path_factory.mktemp("app")
    port = free_port()
    log = tmp / "voila.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUPYTER")}
    env.update(
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        JUPYTER_CONFIG_DIR=str(tmp / "config"),
        JUPYTER_RUNTIME_DIR=str(tmp / "runtime"),
        JUPYTER_DATA_DIR=str(tmp / "data"),
        IPYTHONDIR=str(tmp / "ipython"),
        CNNVIZ_OFFLINE="1",
    )
    env.pop("CNNVIZ_QUICK", None)  # the app as a lecturer runs it
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "cnnviz_lab.cli", "app", "--port", str(port)],
            cwd=tmp,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    app = App(f"http://127.0.0.1:{port}/", log)
    try:
        deadline = time.monotonic() + APP_START_TIMEOUT_S
        while True:
            if proc.poll() is not None:
                pytest.fail(f"cnnviz app exited with code {proc.returncode}:\n{app.log_tail()}")
            try:  # any HTTP answer, even an error status, means the server is up
                urllib.request.urlopen(f"{app.url}voila/static/", timeout=2).close()
                break
            except urllib.error.HTTPError:
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"cnnviz app did not answer within {APP_START_TIMEOUT_S} s:\n{app.log_tail()}")
            time.sleep(0.5)  # polling a server that is starting
        yield app
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGKILL):
            if proc.poll() is not None:
                break
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, sig)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=10)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        if log.exists():
            shutil.copy(log, ARTIFACTS / "voila.log")
