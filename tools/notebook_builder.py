"""Build the course notebooks from their sources in ``tools/notebook_src/``.

A source is a jupytext percent script (``# %%`` code cells, ``# %% [markdown]`` cells), real
Python that ruff lints and an editor reads. Its YAML header holds what the title cell says::

    # ---
    # jupyter:
    #   cnnviz:
    #     title: Global average pooling and class activation maps (CAM)
    #     goals: [...]
    #     prerequisites: notebook 00 (feature maps and hooks).
    #     runtime: {cpu: 1 minute, gpu: 20 seconds}
    #     papers: [...]
    # ---

    # %% [markdown]
    # ## 1. The idea ...

    # %% tags=["nbval-check-output"]
    head = cv.attribution.find_gap_linear_head(clf)

The builder adds only the standard parts and metadata: the title cell (title, Open-in-Colab and
Binder badges built from the repository URL in ``pyproject.toml``, goals, prerequisites, the
measured run time), the setup cell (installs the package only on Colab, without touching
Colab's torch or ipywidgets, and picks the GPU), Colab metadata asking for a GPU, and per cell:

- ``tags=["exercise"]``, ``["exercise-check"]``, ``["solution"]``: an exercise's starter, its
  check and its solution; the solution is collapsed (``#@title`` for Colab, ``source_hidden``
  for Jupyter) and may not rebind a name the starter defines;
- ``tags=["check"]``, or a cell of assertions only: collapsed; its first line, a comment,
  is the one-line summary a reader sees;
- ``tags=["nbval-check-output"]``: nbval compares the stored output (a tag, never a comment);
- a markdown cell with ``choice="ID"``: a predict-then-run question registered in
  ``cnnviz_lab.exercises`` (its text and the answer cell are written here);
- slide metadata (``slideshow.slide_type``) for every cell, by :func:`slide_type`, unless a
  cell sets ``slide_type="..."`` itself.

Usage: ``python tools/notebook_builder.py [--execute] [--quick] [names...]`` rebuilds the
notebooks; with ``--execute`` it runs them offline and stores their outputs: in FULL mode (what
students and lecturers see: ``make notebooks``), or in quick mode with ``--quick``. A full-mode
run on a CPU or a GPU records its time per notebook in ``tools/notebook_times.json``, and the
title cell of each notebook states the measured times. Stored outputs are kept under
``MAX_NOTEBOOK_BYTES`` (figures re-encoded as JPEG, smaller, when a notebook is too big);
progress bars, which need a kernel to show anything, are not stored.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import sys
import time
import tomllib
from pathlib import Path

import jupytext
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
    return f"[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]({colab}) [![Binder](https://mybinder.org/badge_logo.svg)]({binder})"


CHECK_CELLS_LINE = (
    "**Check cells** (collapsed; their first line says what they check) assert the numbers the text quotes. "
    "If your run gives other numbers (quick mode, other settings or hardware), such a cell prints one line saying so and the notebook goes on."
)


def setup_source() -> str:
    return "\n".join(
        [
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
            "cv.soften_check_cells()  # a check whose numbers differ in your run prints one line, not an error",
            'print("Running on", DEVICE, "(quick mode: fewer steps, often smaller images)" if cv.quick() else "")',
        ]
    )


class Notebook:
    """A course notebook under construction: the standard title and setup cells, then the
    cells of its source (see the module docstring)."""

    def __init__(self, name: str, title: str, goals: list[str], prerequisites: str, runtime: tuple[str, str], papers: list[str] | None = None) -> None:
        self.name = name
        self.filename = f"{name}.ipynb"
        number = name.split("_", 1)[0]
        lines = [f"# {number} · {title}", "", badges(self.filename), "", "**You will learn**", ""]
        lines += [f"- {g}" for g in goals]
        lines += ["", f"**Prerequisites:** {prerequisites}", "", runtime_line(name, runtime), "", CHECK_CELLS_LINE]
        if papers:
            lines += ["", "**Papers:** " + "; ".join(papers)]
        self.cells = [nbformat.v4.new_markdown_cell("\n".join(lines)), nbformat.v4.new_code_cell(setup_source())]
        self.cells[1].metadata["tags"] = ["setup"]
        self._starter = ""

    def md(self, text: str, *, slide_type: str | None = None) -> None:
        """A markdown cell (dedented, stripped)."""
        cell = nbformat.v4.new_markdown_cell(_clean(text))
        if slide_type:
            cell.metadata["slide_type"] = slide_type
        self.cells.append(cell)

    def code(self, source: str, *, tags: list[str] | None = None, slide_type: str | None = None) -> None:
        """A code cell. Tags: ``exercise`` (a starter), ``exercise-check``, ``solution`` (collapsed,
        checked against the last starter), ``check`` (assertions, collapsed),
        ``nbval-check-output`` (nbval compares its output)."""
        tags = list(tags or [])
        src = _clean(source)
        cell = nbformat.v4.new_code_cell(src)
        if "solution" in tags:
            clash = sorted(_bound_names(self._starter) & _bound_names(src))
            if clash:
                raise ValueError(f"{self.name}: the solution redefines {clash}, which the student writes in the starter; call them e.g. {clash[0]}_solution")
            cell.source = "#@title Solution (click to show)\n" + src
            cell.metadata.update({"cellView": "form", "jupyter": {"source_hidden": True}})
        elif "check" in tags or _only_assertions(src):
            cell.metadata["jupyter"] = {"source_hidden": True}
            if "check" not in tags:
                tags.append("check")
        if "exercise" in tags:
            self._starter = src
        if tags:
            cell.metadata["tags"] = tags
        if slide_type:
            cell.metadata["slide_type"] = slide_type
        self.cells.append(cell)

    def exercise(self, name: str, task: str, starter: str, check: str, solution: str) -> None:
        """An exercise: the task, a starter cell for the student, a check that reports without
        failing, and a collapsed solution cell that must pass the check (an assertion).

        The solution may not rebind a name the starter defines (name its function
        ``..._solution``): "Run All" must never replace the student's own definition."""
        self.md(f"### Exercise: {name}\n\n{_clean(task)}")
        self.code(starter, tags=["exercise"])
        self.code(check, tags=["exercise-check"])
        self.code(solution, tags=["solution"])

    def choice(self, qid: str) -> None:
        """A predict-then-run question registered in ``cnnviz_lab.exercises.quiz`` (the answer
        lives in the package, not in the notebook): the question and its options, then a cell
        where the student writes a letter and checks it. Put the cell that shows the answer
        right after."""
        from cnnviz_lab.exercises.quiz import question

        q = question(qid)
        letters = ", ".join(f'"{k}"' for k in q.options)
        self.md(f"### Predict, then run\n\n{q.markdown()}")
        self.code(f'answer = None  # your prediction: {letters}\ncv.exercises.check_choice("{qid}", answer)', tags=["exercise-check"])

    def written(self, question: str, model_answer: str) -> None:
        """A written question: the question, a markdown cell for the student's answer, and a
        model answer folded away (``<details>``, which Jupyter, Colab and GitHub render)."""
        self.md(f"### Think, then write\n\n{_clean(question)}")
        self.md("*Your answer (double-click this cell to write):*")
        self.md(f"<details><summary><b>Model answer</b> (open it after writing yours)</summary>\n\n{_clean(model_answer)}\n\n</details>")

    def notebook(self) -> nbformat.NotebookNode:
        cells = [nbformat.from_dict(dict(c)) for c in self.cells]
        for i, cell in enumerate(cells):
            chosen = cell.metadata.pop("slide_type", None)
            cell.metadata["slideshow"] = {"slide_type": chosen or slide_type(cells, i)}
        nb = nbformat.v4.new_notebook(cells=cells)
        nb.metadata.update(
            {
                "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
                "language_info": {"name": "python"},
                "accelerator": "GPU",
                "colab": {"provenance": [], "gpuType": "T4", "toc_visible": True},
            }
        )
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
            if cell.cell_type == "code" and "slide_type" not in self.cells[i].metadata:
                cell.metadata["slideshow"] = {"slide_type": slide_type(nb.cells, i)}
        nbformat.write(nb, path)
        return path


SKIPPED_ON_SLIDES = {"setup", "check", "exercise", "exercise-check", "solution"}


def _shows_something(cell) -> bool:
    """Whether a stored code cell shows a figure, a table or printed text."""
    return any(o.get("output_type") in ("display_data", "execute_result", "stream") for o in cell.get("outputs", []))


def slide_type(cells: list, i: int) -> str:
    """Where cell ``i`` goes in the notebook's slide deck (``metadata.slideshow.slide_type``).

    The title and each ``## `` section start a slide, each ``### `` heading a sub-slide; a code
    cell whose output is a figure or table after its explanation is a sub-slide of its own (it
    fits the 1280x720 frame), other code is a fragment; setup, assertion, exercise and solution
    cells are skipped; the model answers and the "what to look at" lines become speaker notes."""
    cell = cells[i]
    text = cell.source.lstrip()
    tags = set(cell.metadata.get("tags", []))
    if i == 0:
        return "slide"
    if cell.cell_type == "markdown":
        if text.startswith("<details>") or re.match(r"\*\*(What to look (at|for)|Model answer)", text):
            return "notes"
        if text.startswith("*Your answer"):
            return "skip"
        if text.startswith("## ") or text.startswith("# "):
            return "slide"
        if text.startswith("### "):
            return "subslide"
        return "-"
    if tags & SKIPPED_ON_SLIDES:
        return "skip"
    if any("image/png" in o.get("data", {}) or "image/jpeg" in o.get("data", {}) for o in cell.get("outputs", [])):
        return "subslide"
    return "fragment" if _shows_something(cell) else "skip"


def _only_assertions(source: str) -> bool:
    """A cell whose statements are all ``assert`` (comments aside): a check, not a step."""
    try:
        body = ast.parse(source).body
    except SyntaxError:
        return False
    return bool(body) and all(isinstance(node, ast.Assert) for node in body)


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
    recorded them (``tools/notebook_times.json``), else the source's CPU estimate. A GPU time
    is given only once one has been measured (an estimate says nothing a reader can trust)."""
    times = load_times().get(name, {})
    cpu, gpu = times.get("cpu"), times.get("gpu")
    threads = f", PyTorch limited to {cpu['threads']} thread{'s' if cpu['threads'] > 1 else ''}" if cpu and cpu.get("threads") else ""
    cpu_text = f"{_duration(cpu['seconds'])} on a {cpu['cores']}-core CPU{threads} (measured)" if cpu else f"about {estimate[0]} on a CPU"
    gpu_text = f"; {_duration(gpu['seconds'])} on a GPU ({gpu['device']}, measured)" if gpu else ""
    quick = "Quick mode (fewer steps and, in most notebooks, smaller images: for a first look) takes a fraction of that time."
    return f"**Run time (full mode):** {cpu_text}{gpu_text}. {quick}"


def _clean(text: str) -> str:
    import textwrap

    return textwrap.dedent(text).strip("\n")


def source_path(name: str) -> Path:
    return SOURCES / f"{name}.py"


def build(name: str) -> Notebook:
    """Read ``tools/notebook_src/<name>.py`` (jupytext percent format) and return the notebook
    it describes, with the standard parts added (not saved)."""
    path = source_path(name)
    if not path.exists():
        raise FileNotFoundError(f"no notebook source {path.relative_to(ROOT)}")
    src = jupytext.read(path, fmt="py:percent")
    meta = src.metadata.get("cnnviz")
    if not meta:
        raise ValueError(f"{path.name}: the YAML header needs a `jupyter: cnnviz:` block (title, goals, ...)")
    runtime = meta["runtime"]
    nb = Notebook(
        name, meta["title"], goals=list(meta["goals"]), prerequisites=meta["prerequisites"], runtime=(runtime["cpu"], runtime["gpu"]), papers=meta.get("papers")
    )
    for cell in src.cells:
        slide = cell.metadata.get("slide_type")
        if cell.cell_type == "markdown":
            if "choice" in cell.metadata:
                nb.choice(cell.metadata["choice"])
            else:
                nb.md(cell.source, slide_type=slide)
        elif cell.cell_type == "code":
            nb.code(cell.source, tags=cell.metadata.get("tags"), slide_type=slide)
    return nb


_PROGRESS_BAR = re.compile(r"\d+%\|")


def _drop_progress_bars(cell) -> None:
    """Remove stored tqdm widgets: without a kernel they show their first state (0%)."""

    def is_bar(o) -> bool:
        data = o.get("data", {})
        return "application/vnd.jupyter.widget-view+json" in data and bool(_PROGRESS_BAR.search(data.get("text/plain", "")))

    cell.outputs = [o for o in cell.get("outputs", []) if not is_bar(o)]


def join_streams(cell) -> None:
    """Join adjacent printed outputs of one stream: the kernel flushes a long printout in
    chunks, which a reader would see as separate text blocks. Output order is kept."""
    joined: list = []
    for out in cell.get("outputs", []):
        prev = joined[-1] if joined else None
        if prev is not None and out.get("output_type") == prev.get("output_type") == "stream" and out.get("name") == prev.get("name"):
            prev["text"] += out["text"]
        else:
            joined.append(out)
    cell.outputs = joined


def execute(path: Path, quick: bool = False, timeout: int = 900) -> float:
    """Run a notebook in place, offline, in full mode (or quick mode), storing its outputs;
    returns the seconds taken. Figures are stored small enough to keep the notebook under
    ``MAX_NOTEBOOK_BYTES``."""
    from nbclient import NotebookClient

    os.environ.update(CNNVIZ_OFFLINE="1", MPLBACKEND="module://matplotlib_inline.backend_inline", CNNVIZ_STRICT_CHECKS="1")
    if quick:
        os.environ["CNNVIZ_QUICK"] = "1"
    else:
        os.environ.pop("CNNVIZ_QUICK", None)
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    nb.metadata.pop("widgets", None)  # live widgets need a kernel; don't store their state
    seconds = time.perf_counter() - start
    for cell in nb.cells:
        if cell.cell_type == "code":
            _drop_progress_bars(cell)
            join_streams(cell)
    for quality, limit in ((85, 60_000), (75, 20_000), (60, 0)):
        for cell in nb.cells:
            for out in cell.get("outputs", []):
                _shrink_image(out, limit, quality)
        if len(nbformat.writes(nb).encode()) <= MAX_NOTEBOOK_BYTES:
            break
    nbformat.write(nb, path)
    size = path.stat().st_size
    if size > MAX_NOTEBOOK_BYTES:
        raise RuntimeError(f"{path.name} stores {size / 1e6:.1f} MB of outputs, over {MAX_NOTEBOOK_BYTES / 1e6:.0f} MB: draw smaller figures")
    return seconds


def record_time(name: str, seconds: float) -> None:
    """Store a full-mode run time for ``name`` under this machine's kind (cpu or gpu)."""
    import torch

    times = load_times()
    if torch.cuda.is_available():
        entry = {"seconds": round(seconds, 1), "device": torch.cuda.get_device_name(0)}
        kind = "gpu"
    else:
        entry = {"seconds": round(seconds, 1), "cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()}
        if os.environ.get("OMP_NUM_THREADS"):  # --threads N: the kernel used N of them
            entry["threads"] = int(os.environ["OMP_NUM_THREADS"])
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
    parser.add_argument("--timeout", type=int, default=900, help="with --execute: seconds one cell may take")
    parser.add_argument("--threads", type=int, default=None, help="with --execute: torch threads of the kernel (1 is fastest on a busy machine)")
    args = parser.parse_args(argv)
    if args.threads:
        os.environ.update(OMP_NUM_THREADS=str(args.threads), MKL_NUM_THREADS=str(args.threads))
    names = args.names or sorted(p.stem for p in SOURCES.glob("[0-9]*.py"))
    for name in names:
        name = Path(name).stem
        out = build(name).save()
        msg = f"built {out.relative_to(ROOT)}"
        if args.execute:
            seconds = execute(out, quick=args.quick, timeout=args.timeout)
            msg += f", executed in {'quick' if args.quick else 'full'} mode in {seconds:.1f} s"
            if not args.quick:
                record_time(name, seconds)
                out = build(name).save()  # the title cell states the time just measured
            msg += f", {out.stat().st_size / 1e6:.2f} MB"
        print(msg, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
