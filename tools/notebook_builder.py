"""Build the course notebooks from their sources in ``tools/notebook_src/``.

Every notebook gets the same opening (title, Open-in-Colab and Binder badges built from the
repository URL in ``pyproject.toml``, learning goals, prerequisites, run time), the same
setup cell (installs the package only on Colab, without touching Colab's torch or
ipywidgets, and picks the GPU), Colab metadata asking for a GPU, and exercises whose
solutions sit in a collapsed cell. A source file is a small Python script::

    from notebook_builder import Notebook
    nb = Notebook("00_filters_and_feature_maps", "Filters and feature maps", goals=[...],
                  prerequisites="...", runtime=("2 min", "30 s"))
    nb.md("## The idea ...")
    nb.code("clf = cv.load_model()")
    nb.exercise("top_k", task="...", starter="...", check="...", solution="...")
    nb.save()

Usage: ``python tools/notebook_builder.py [--execute] [names...]`` rebuilds (and with
``--execute`` runs, in quick offline mode, storing outputs) the notebooks.
"""

from __future__ import annotations

import argparse
import os
import re
import runpy
import sys
import time
import tomllib
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
SOURCES = Path(__file__).resolve().parent / "notebook_src"


def repository_url() -> str:
    """The repository URL, kept in one place: ``[project.urls] Repository`` in pyproject."""
    with open(ROOT / "pyproject.toml", "rb") as f:
        return tomllib.load(f)["project"]["urls"]["Repository"].rstrip("/")


def badges(filename: str) -> str:
    """Markdown for the Open-in-Colab and Binder badges of ``notebooks/<filename>``."""
    url = repository_url()
    slug = re.sub(r"^https://github\.com/", "", url)
    colab = f"https://colab.research.google.com/github/{slug}/blob/main/notebooks/{filename}"
    binder = f"https://mybinder.org/v2/gh/{slug}/HEAD?labpath=notebooks%2F{filename}"
    return (f"[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]({colab}) "
            f"[![Binder](https://mybinder.org/badge_logo.svg)]({binder})")


def setup_source() -> str:
    return "\n".join([
        "# Setup: on Colab install the course package (Colab's torch and ipywidgets stay as they are)",
        "# and enable its widget manager; everywhere, pick the GPU when there is one.",
        "import sys",
        "",
        'if "google.colab" in sys.modules:',
        f'    %pip install -q "cnnviz-lab @ git+{repository_url()}"',
        "    from google.colab import output",
        "",
        "    output.enable_custom_widget_manager()",
        "",
        "import cnnviz_lab as cv",
        "",
        'DEVICE = cv.resolve_device("auto")',
        'print("device:", DEVICE, "| quick mode:", cv.quick(), "| offline:", cv.offline())',
    ])


class Notebook:
    """A course notebook under construction (see the module docstring)."""

    def __init__(self, name: str, title: str, goals: list[str], prerequisites: str,
                 runtime: tuple[str, str], papers: list[str] | None = None) -> None:
        self.name = name
        self.filename = f"{name}.ipynb"
        number = name.split("_", 1)[0]
        lines = [f"# {number} · {title}", "", badges(self.filename), "",
                 "**You will learn**", ""]
        lines += [f"- {g}" for g in goals]
        lines += ["", f"**Prerequisites:** {prerequisites}", "",
                  f"**Run time:** about {runtime[0]} on a CPU, {runtime[1]} on a GPU "
                  "(with `CNNVIZ_QUICK=1`, a few seconds)."]
        if papers:
            lines += ["", "**Papers:** " + "; ".join(papers)]
        self.cells = [nbformat.v4.new_markdown_cell("\n".join(lines)),
                      nbformat.v4.new_code_cell(setup_source())]
        self.cells[1].metadata["tags"] = ["setup"]

    def md(self, text: str) -> None:
        """A markdown cell (dedented, stripped)."""
        self.cells.append(nbformat.v4.new_markdown_cell(_clean(text)))

    def code(self, source: str, *, check_output: bool = False, tags: list[str] | None = None) -> None:
        """A code cell; ``check_output`` makes nbval compare its output with the stored one."""
        src = _clean(source)
        if check_output:
            src += "\n# NBVAL_CHECK_OUTPUT"
        cell = nbformat.v4.new_code_cell(src)
        if tags:
            cell.metadata["tags"] = tags
        self.cells.append(cell)

    def exercise(self, name: str, task: str, starter: str, check: str, solution: str) -> None:
        """An exercise: the task, a starter cell for the student, a check that reports without
        failing, and a collapsed solution cell that must pass the check (an assertion)."""
        self.md(f"### Exercise: {name}\n\n{_clean(task)}")
        self.code(starter, tags=["exercise"])
        self.code(check, tags=["exercise-check"])
        src = "#@title Solution (click to show)\n" + _clean(solution)
        cell = nbformat.v4.new_code_cell(src)
        cell.metadata.update({"tags": ["solution"], "cellView": "form",
                              "jupyter": {"source_hidden": True}})
        self.cells.append(cell)

    def notebook(self) -> nbformat.NotebookNode:
        nb = nbformat.v4.new_notebook(cells=self.cells)
        nb.metadata.update({
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
            "accelerator": "GPU",
            "colab": {"provenance": [], "gpuType": "T4", "toc_visible": True},
        })
        return nb

    def save(self) -> Path:
        """Write ``notebooks/<name>.ipynb``, keeping stored outputs of unchanged cells."""
        path = NOTEBOOKS / self.filename
        nb = self.notebook()
        if path.exists():
            old = nbformat.read(path, as_version=4)
            by_source = {c.source: c for c in old.cells if c.cell_type == "code"}
            for cell in nb.cells:
                if cell.cell_type == "code" and cell.source in by_source:
                    cell.outputs = by_source[cell.source].get("outputs", [])
                    cell.execution_count = by_source[cell.source].get("execution_count")
        for i, cell in enumerate(nb.cells):
            cell["id"] = f"{self.name[:2]}-{i:03d}"
        nbformat.write(nb, path)
        return path


def _clean(text: str) -> str:
    import textwrap

    return textwrap.dedent(text).strip("\n")


def build(name: str) -> Notebook:
    """Run a source script and return the notebook it describes (without saving)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import notebook_builder as module  # the class the sources import, even when run as a script

    saved = module.Notebook.save
    holder: dict[str, Notebook] = {}
    module.Notebook.save = lambda self: holder.setdefault("nb", self)  # type: ignore[assignment]
    try:
        runpy.run_path(str(SOURCES / f"{name}.py"), run_name="__main__")
    finally:
        module.Notebook.save = saved  # type: ignore[assignment]
    return holder["nb"]


def execute(path: Path, timeout: int = 600) -> float:
    """Run a notebook in place in quick offline mode, storing its outputs; seconds taken."""
    from nbclient import NotebookClient

    os.environ.update(CNNVIZ_QUICK="1", CNNVIZ_OFFLINE="1", MPLBACKEND="module://matplotlib_inline.backend_inline")
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(nb, timeout=timeout, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    nb.metadata.pop("widgets", None)  # live widgets need a kernel; don't store their state
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            _shrink_image(out)
    nbformat.write(nb, path)
    return time.perf_counter() - start


def _shrink_image(output: dict, limit: int = 60_000) -> None:
    """Store a large PNG figure output as JPEG (photos compress ten times better)."""
    import base64
    import io

    from PIL import Image

    data = output.get("data", {})
    png = data.get("image/png")
    if not png or len(png) < limit:
        return
    img = Image.open(io.BytesIO(base64.b64decode(png))).convert("RGB")
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=80, optimize=True)
    del data["image/png"]
    data["image/jpeg"] = base64.b64encode(buf.getvalue()).decode("ascii")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="notebook names (default: all in tools/notebook_src)")
    parser.add_argument("--execute", action="store_true", help="run them and store outputs")
    args = parser.parse_args(argv)
    names = args.names or sorted(p.stem for p in SOURCES.glob("[0-9]*.py"))
    for name in names:
        name = Path(name).stem
        out = build(name).save()
        msg = f"built {out.relative_to(ROOT)}"
        if args.execute:
            msg += f", executed in {execute(out):.1f} s"
        print(msg)
    return 0


if __name__ == "__main__":
    sys.exit(main())
