"""How long the lecturer's views take: building the decks and the site from the stored
notebooks, and what the app view's kernel does for each visitor (import, model, first
figure: running the app notebook headless), then one redraw of the explorer panel per method
family. Prints seconds; run on a quiet machine (`make bench-own` collects it)."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools" / "web"))
os.environ.setdefault("CNNVIZ_OFFLINE", "1")


def timed(label: str, fn) -> float:
    start = time.perf_counter()
    fn()
    seconds = time.perf_counter() - start
    print(f"{label:55s} {seconds:7.1f} s")
    return seconds


def main() -> None:
    import nbclient
    import nbformat

    import slides
    import website
    from cnnviz_lab import app

    notebooks = ROOT / "notebooks"
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        try:
            timed("make slides (12 decks + index, assets cached)", lambda: slides.build(notebooks, tmp / "slides"))
        except ValueError as err:  # notebooks stored without slide metadata
            print(f"make slides: skipped ({err})")
        timed("make site (Jupyter Book, execute off)", lambda: website.build(notebooks, tmp / "site"))
    env = app.environment()
    os.environ.update({k: env[k] for k in ("PYTHONPATH", "JUPYTER_PATH", "CNNVIZ_OFFLINE")})
    os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    nb = nbformat.read(app.NOTEBOOK, as_version=4)
    timed("app view: a visitor's kernel (start, import, model, figure)", lambda: nbclient.NotebookClient(nb, timeout=300, kernel_name="python3").execute())
    import cnnviz_lab as cv
    from cnnviz_lab.widgets import explorer

    panel = cv.widgets.explorer_panel()
    for family in explorer.families():
        panel.controls["family"].value = family
        first = explorer.family_methods(family)[0][1]
        panel.controls["method"].value = first
        timed(f"explorer redraw: {first} ({family}, light settings)", lambda: panel.update(force=True))


if __name__ == "__main__":
    main()
