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

Usage: ``python tools/notebook_builder.py [--execute] [--quick] [names...]`` rebuilds the
notebooks; with ``--execute`` it runs them offline and stores their outputs: in FULL mode (what
students and lecturers see: ``make notebooks``), or in quick mode with ``--quick``. A full-mode
run on a CPU or a GPU records its time per notebook in ``tools/notebook_times.json``, and the
title cell of each notebook states the measured times. Stored outputs are kept under
``MAX_NOTEBOOK_BYTES`` (figures re-encoded as JPEG, smaller, when a notebook is too big).
"""

from __future__ import annotations

import argparse
import ast
import json
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
TIMES = Path(__file__).resolve().parent / "notebook_times.json"
MAX_NOTEBOOK_BYTES = 3_000_000


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
        lines += ["", f"**Prerequisites:** {prerequisites}", "", runtime_line(name, runtime)]
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
        failing, and a collapsed solution cell that must pass the check (an assertion).

        The solution may not rebind a name the starter defines (name its function
        ``..._solution``): "Run All" must never replace the student's own definition."""
        clash = sorted(_bound_names(starter) & _bound_names(solution))
        if clash:
            raise ValueError(f"exercise {name!r}: the solution redefines {clash}, which the student "
                             f"writes in the starter; call them e.g. {clash[0]}_solution")
        self.md(f"### Exercise: {name}\n\n{_clean(task)}")
        self.code(starter, tags=["exercise"])
        self.code(check, tags=["exercise-check"])
        src = "#@title Solution (click to show)\n" + _clean(solution)
        cell = nbformat.v4.new_code_cell(src)
        cell.metadata.update({"tags": ["solution"], "cellView": "form",
                              "jupyter": {"source_hidden": True}})
        self.cells.append(cell)

    def choice(self, qid: str) -> None:
        """A predict-then-run question registered in ``cnnviz_lab.exercises.quiz`` (the answer
        lives in the package, not in the notebook): the question and its options, then a cell
        where the student writes a letter and checks it. Put the cell that shows the answer
        right after."""
        from cnnviz_lab.exercises.quiz import question

        q = question(qid)
        letters = ", ".join(f'"{k}"' for k in q.options)
        self.md(f"### Predict, then run\n\n{q.markdown()}")
        self.code(f'answer = None  # your prediction: {letters}\ncv.exercises.check_choice("{qid}", answer)',
                  tags=["exercise-check"])

    def written(self, question: str, model_answer: str) -> None:
        """A written question: the question, a markdown cell for the student's answer, and a
        model answer folded away (``<details>``, which Jupyter, Colab and GitHub render)."""
        self.md(f"### Think, then write\n\n{_clean(question)}")
        self.md("*Your answer (double-click this cell to write):*")
        self.md("<details><summary><b>Model answer</b> (open it after writing yours)</summary>\n\n"
                f"{_clean(model_answer)}\n\n</details>")

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


def _bound_names(source: str) -> set[str]:
    """Names a cell binds at top level (functions, classes, assignments, imports)."""
    names: set[str] = set()
    for node in ast.parse(_clean(source)).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
    return names


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.1f} min"


def load_times() -> dict:
    """Measured full-mode run times: ``{notebook: {"cpu": {...}, "gpu": {...}}}``."""
    return json.loads(TIMES.read_text()) if TIMES.exists() else {}


def runtime_line(name: str, estimate: tuple[str, str]) -> str:
    """The title cell's run-time line: measured full-mode times where ``make notebooks`` has
    recorded them (``tools/notebook_times.json``), else the source's estimate."""
    times = load_times().get(name, {})
    cpu, gpu = times.get("cpu"), times.get("gpu")
    cpu_text = (f"{_duration(cpu['seconds'])} on {cpu['cores']} CPU cores (measured)" if cpu
                else f"about {estimate[0]} on a CPU")
    gpu_text = (f"{_duration(gpu['seconds'])} on a GPU ({gpu['device']}, measured)" if gpu
                else f"about {estimate[1]} on a GPU (estimate)")
    return (f"**Run time (full mode):** {cpu_text}; {gpu_text}. "
            "With `CNNVIZ_QUICK=1`, a few seconds.")


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


def execute(path: Path, quick: bool = False, timeout: int = 900) -> float:
    """Run a notebook in place, offline, in full mode (or quick mode), storing its outputs;
    returns the seconds taken. Figures are stored small enough to keep the notebook under
    ``MAX_NOTEBOOK_BYTES``."""
    from nbclient import NotebookClient

    os.environ.update(CNNVIZ_OFFLINE="1", MPLBACKEND="module://matplotlib_inline.backend_inline")
    if quick:
        os.environ["CNNVIZ_QUICK"] = "1"
    else:
        os.environ.pop("CNNVIZ_QUICK", None)
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(nb, timeout=timeout, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    nb.metadata.pop("widgets", None)  # live widgets need a kernel; don't store their state
    seconds = time.perf_counter() - start
    for quality, limit in ((85, 60_000), (75, 20_000), (60, 0)):
        for cell in nb.cells:
            for out in cell.get("outputs", []):
                _shrink_image(out, limit, quality)
        if len(nbformat.writes(nb).encode()) <= MAX_NOTEBOOK_BYTES:
            break
    nbformat.write(nb, path)
    size = path.stat().st_size
    if size > MAX_NOTEBOOK_BYTES:
        raise RuntimeError(f"{path.name} stores {size / 1e6:.1f} MB of outputs, over "
                           f"{MAX_NOTEBOOK_BYTES / 1e6:.0f} MB: draw smaller figures")
    return seconds


def record_time(name: str, seconds: float) -> None:
    """Store a full-mode run time for ``name`` under this machine's kind (cpu or gpu)."""
    import torch

    times = load_times()
    if torch.cuda.is_available():
        entry = {"seconds": round(seconds, 1), "device": torch.cuda.get_device_name(0)}
        kind = "gpu"
    else:
        entry = {"seconds": round(seconds, 1), "cores": len(os.sched_getaffinity(0))
                 if hasattr(os, "sched_getaffinity") else os.cpu_count()}
        kind = "cpu"
    times.setdefault(name, {})[kind] = entry
    TIMES.write_text(json.dumps(times, indent=1, sort_keys=True) + "\n")


def _shrink_image(output: dict, limit: int = 60_000, quality: int = 85) -> None:
    """Store a PNG figure output over ``limit`` bytes as JPEG (photos compress ten times
    better), or re-encode a stored JPEG at a lower ``quality``."""
    import base64
    import io

    from PIL import Image

    data = output.get("data", {})
    key = "image/png" if "image/png" in data else "image/jpeg" if "image/jpeg" in data else None
    if key is None or len(data[key]) < limit or (key == "image/jpeg" and quality >= 85):
        return
    img = Image.open(io.BytesIO(base64.b64decode(data[key]))).convert("RGB")
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality, optimize=True)
    del data[key]
    data["image/jpeg"] = base64.b64encode(buf.getvalue()).decode("ascii")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="notebook names (default: all in tools/notebook_src)")
    parser.add_argument("--execute", action="store_true", help="run them and store outputs (full mode)")
    parser.add_argument("--quick", action="store_true", help="with --execute: quick mode (CNNVIZ_QUICK=1)")
    args = parser.parse_args(argv)
    names = args.names or sorted(p.stem for p in SOURCES.glob("[0-9]*.py"))
    for name in names:
        name = Path(name).stem
        out = build(name).save()
        msg = f"built {out.relative_to(ROOT)}"
        if args.execute:
            seconds = execute(out, quick=args.quick)
            msg += f", executed in {'quick' if args.quick else 'full'} mode in {seconds:.1f} s"
            if not args.quick:
                record_time(name, seconds)
                out = build(name).save()  # the title cell states the time just measured
            msg += f", {out.stat().st_size / 1e6:.2f} MB"
        print(msg, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
