"""The app view: the course's panels as a standalone web page on 127.0.0.1, with no code.

``cnnviz app`` (and ``make app``) serves :data:`NOTEBOOK` with Voila (``--strip_sources``:
no code cell is shown) on the ``lab_offline`` template shipped here (Voila's lab template
without its FontAwesome CDN links), so the page loads nothing from outside the machine.
Voila runs the notebook in a fresh kernel for each visitor; the notebook displays
:func:`cnnviz_lab.widgets.explorer_panel`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
NOTEBOOK = HERE / "cnnviz_app.ipynb"
#: A Jupyter data directory holding ``voila/templates/lab_offline``.
SHARE = HERE / "share"
TEMPLATE = "lab_offline"
DEFAULT_PORT = 8866


def voila_available() -> bool:
    """Whether Voila is installed (the ``web`` extra: ``pip install 'cnnviz-lab[web]'``)."""
    import importlib.util

    return importlib.util.find_spec("voila") is not None


def command(port: int = DEFAULT_PORT, open_browser: bool = False, notebook: Path = NOTEBOOK, preheat: bool = True) -> list[str]:
    """The Voila command line that serves ``notebook`` as the app on 127.0.0.1:``port``. With
    ``preheat`` one kernel waits with the notebook already run (Voila's pre-heated kernel pool),
    so a visitor sees the panel at once instead of waiting for torch, the model and the first
    figure; the pool refills after each visit."""
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        raise ValueError(f"port: expected an int from 1 to 65535, got {port!r}")
    notebook = Path(notebook)
    if notebook.suffix != ".ipynb" or not notebook.is_file():
        raise ValueError(f"notebook: {notebook} is not a notebook file (.ipynb)")
    args = [
        sys.executable,
        "-m",
        "voila",
        str(notebook),
        f"--port={port}",
        "--Voila.ip=127.0.0.1",
        "--strip_sources=True",
        f"--template={TEMPLATE}",
        "--theme=light",
        "--show_tracebacks=False",
        "--Voila.port_retries=0",
        "--MappingKernelManager.cull_idle_timeout=600",
        "--MappingKernelManager.cull_interval=60",
    ]
    if preheat:
        args += ["--preheat_kernel=True", "--pool_size=1"]
    if not open_browser:
        args.append("--no-browser")
    return args


def environment(offline: bool = True, base: dict[str, str] | None = None) -> dict[str, str]:
    """The server's environment: this package importable by the kernels, the app's template
    found (``JUPYTER_PATH``), and ``CNNVIZ_OFFLINE=1`` unless ``offline`` is False."""
    env = dict(os.environ if base is None else base)
    package_root = str(HERE.parents[1])
    env["PYTHONPATH"] = os.pathsep.join([package_root] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    env["JUPYTER_PATH"] = os.pathsep.join([str(SHARE)] + [p for p in env.get("JUPYTER_PATH", "").split(os.pathsep) if p])
    env.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    if offline:
        env["CNNVIZ_OFFLINE"] = "1"
    return env


def serve(port: int = DEFAULT_PORT, open_browser: bool = False, offline: bool = True, preheat: bool = True) -> int:
    """Run the app server in the foreground until Ctrl-C; returns its exit status."""
    import subprocess

    if not voila_available():
        raise RuntimeError("the app view needs Voila: pip install 'cnnviz-lab[web]' (or run `make app`)")
    cmd = command(port, open_browser, preheat=preheat)
    print(f"cnnviz app: http://127.0.0.1:{port}/ (Ctrl-C stops it)", flush=True)
    try:
        return subprocess.call(cmd, env=environment(offline))
    except KeyboardInterrupt:
        return 130


__all__ = ["command", "DEFAULT_PORT", "environment", "NOTEBOOK", "serve", "SHARE", "TEMPLATE", "voila_available"]
