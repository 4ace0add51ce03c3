"""Every course notebook keeps the course's standard (issue 7), checked statically.

Parametrised over every ``notebooks/NN_*.ipynb`` that exists, so a new notebook is covered
the moment it lands. Each ``problems_*`` function returns a list of precise messages (cell
number, what is wrong, what to do); the tests assert the list is empty. The tests at the
bottom feed deliberately broken copies of a notebook to the checks, so none of them can
pass vacuously.

The standard: a title cell (title, Open-in-Colab and Binder badges built from
``[project.urls] Repository`` that point at this notebook, learning goals, prerequisites,
run time on a CPU, and on a GPU once measured); a setup cell that ``%pip install``s the package only on Colab,
without upgrading or pinning Colab's torch/ipywidgets, and picks the device; Colab metadata
asking for a GPU; markdown with an equation and a paper; an ipywidgets panel from
``cv.widgets``; exercises checked by ``cv.exercises.check_...`` with a hidden solution; an
assertion; short code cells that only call the package.
"""

from __future__ import annotations

import ast
import copy
import functools
import re
import sys
import tomllib
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))  # the notebook builder: one rule for the names a cell binds
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"))
MAX_LINES = 12  # the longest code cell a notebook may have (the generated setup cell aside)
PROTECTED = ("torch", "torchvision", "ipywidgets")  # what Colab preinstalls and we never touch

# A paper reference: a year next to "et al.", "&", arXiv or a venue.
_VENUE = r"(et al\.|&|\band\b|arXiv|ICML|ICLR|NeurIPS|NIPS|CVPR|ICCV|ECCV|BMVC|WACV|AAAI|IJCV|TPAMI|JMLR|Distill)"
_YEAR = r"\b(19[89]\d|20[0-4]\d)\b"
_MATH = re.compile(r"\$\$(.+?)\$\$|(?<![\\$])\$([^$\n]+?)\$", re.S)


# ----------------------------------------------------------------------------- helpers


@functools.lru_cache(maxsize=None)
def _load(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def repository_url() -> str:
    """``[project.urls] Repository`` in pyproject.toml: the one place the URL is kept."""
    with open(ROOT / "pyproject.toml", "rb") as f:
        return tomllib.load(f)["project"]["urls"]["Repository"].rstrip("/")


def expected_links(filename: str) -> tuple[str, str]:
    """The Colab and Binder URLs of ``notebooks/<filename>``, derived here independently."""
    slug = re.sub(r"^https://github\.com/", "", repository_url())
    return (
        f"https://colab.research.google.com/github/{slug}/blob/main/notebooks/{filename}",
        f"https://mybinder.org/v2/gh/{slug}/HEAD?labpath=notebooks%2F{filename}",
    )


def _python(source: str) -> str:
    """Cell source as plain Python: IPython magics and shell escapes become comments."""
    return "\n".join(("# " + line) if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())


def _tags(cell) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


def _code_cells(nb) -> list[tuple[int, nbformat.NotebookNode]]:
    return [(i, c) for i, c in enumerate(nb.cells) if c.cell_type == "code"]


def _is_solution(cell) -> bool:
    return "solution" in _tags(cell) or cell.source.lstrip().startswith("#@title")


def _first_line(cell) -> str:
    line = next((s for s in cell.source.splitlines() if s.strip()), "")
    return line if len(line) < 60 else line[:57] + "..."


def _markdown(nb) -> str:
    return "\n\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


# ----------------------------------------------------------------------------- the checks


def problems_title(nb, filename: str) -> list[str]:
    """Cell 0: title, both badges pointing at this notebook, goals, prerequisites, run time."""
    if not nb.cells or nb.cells[0].cell_type != "markdown":
        return ["cell 0 must be the markdown title cell (build the notebook with tools/notebook_builder.py)"]
    text = nb.cells[0].source
    out = []
    number = filename[:2]
    if not re.match(rf"#\s+{number}\b.*\S", text):
        out.append(f"cell 0 must start with a '# {number} · Title' heading")
    colab, binder = expected_links(filename)
    if "colab.research.google.com/assets/colab-badge.svg" not in text or f"]({colab})" not in text:
        out.append(f"cell 0 lacks the Open-in-Colab badge linking to {colab} (built from [project.urls] Repository in pyproject.toml)")
    if "mybinder.org/badge_logo.svg" not in text or f"]({binder})" not in text:
        out.append(f"cell 0 lacks the Binder badge linking to {binder}")
    for url in re.findall(r"\]\((https://(?:colab\.research\.google\.com/github|mybinder\.org/v2)/[^)]+)\)", text):
        if url not in (colab, binder):
            out.append(f"cell 0 has a badge link that does not point at this notebook: {url}")
    if not re.search(r"(?is)(you will learn|learning goals|goals).*?\n\s*[-*] \S", text):
        out.append("cell 0 needs learning goals: a 'You will learn' line followed by a bullet list")
    if not re.search(r"(?i)prerequisites?\W*\s*\S", text):
        out.append("cell 0 needs a 'Prerequisites:' line")
    runtime = re.search(r"(?i)run ?time[^\n]*", text)
    if not runtime or not re.search(r"\bCPU\b", runtime.group(0)):
        out.append("cell 0 needs a 'Run time:' line giving the time on a CPU (and on a GPU once one is measured)")
    return out


def problems_setup(nb, filename: str) -> list[str]:
    """Cell 1 installs the package with %pip only on Colab, never upgrading or pinning
    torch/torchvision/ipywidgets, and picks the device; no other cell installs anything."""
    if len(nb.cells) < 2 or nb.cells[1].cell_type != "code":
        return ["cell 1 must be the setup code cell (generated by tools/notebook_builder.py)"]
    lines = nb.cells[1].source.splitlines()
    out = []
    installs = [i for i, line in enumerate(lines) if re.search(r"\bpip\b.*\binstall\b", line)]
    if not installs:
        out.append("cell 1 (setup) must install the course package on Colab with %pip install")
    repo = repository_url()
    for i in installs:
        line = lines[i]
        stripped = line.strip()
        if not stripped.startswith("%pip"):
            out.append(f"setup line {i + 1}: use the %pip magic (it installs into the running kernel): {stripped!r}")
        indent = len(line) - len(line.lstrip())
        guard = next((lines[j] for j in range(i - 1, -1, -1) if lines[j].strip() and len(lines[j]) - len(lines[j].lstrip()) < indent), None)
        if indent == 0 or guard is None or not re.match(r"""\s*if\s+["']google\.colab["']\s+in\s+sys\.modules\s*:""", guard):
            out.append(f'setup line {i + 1}: pip may only run inside `if "google.colab" in sys.modules:`')
        args = stripped.split()
        if any(a in ("-U", "--upgrade", "--force-reinstall", "--upgrade-strategy") or a.startswith("--upgrade") for a in args):
            out.append(f"setup line {i + 1}: never upgrade on Colab (drop -U/--upgrade): {stripped!r}")
        for name in PROTECTED:
            if re.search(rf"(?<![\w-]){name}(?![\w-])", stripped.replace(repo, "")):
                out.append(f"setup line {i + 1}: leave Colab's {name} alone (no install or pin of it): {stripped!r}")
        if repo not in stripped:
            out.append(f"setup line {i + 1}: install the package from the repository ({repo}): {stripped!r}")
    src = nb.cells[1].source
    if "sys" not in src or not re.search(r"^import sys\b|^import .*\bsys\b", src, re.M):
        out.append("cell 1 (setup) must `import sys` for its Colab test")
    if installs and "enable_custom_widget_manager()" not in src:
        out.append("cell 1 (setup): on Colab call google.colab.output.enable_custom_widget_manager() (ipywidgets 8 panels stay blank on Colab without it)")
    if not re.search(r"resolve_device\(|torch\.cuda\.is_available\(\)", src) or "DEVICE" not in src:
        out.append('cell 1 (setup) must pick the device: DEVICE = cv.resolve_device("auto")')
    for i, cell in _code_cells(nb)[1:]:
        if re.search(r"^\s*[%!]\s*pip\b|\bpip\s+install\b", cell.source, re.M):
            out.append(f"cell {i}: only the setup cell may install packages")
    return out


def problems_metadata(nb, filename: str) -> list[str]:
    """Notebook metadata asks Colab for a GPU and names the python3 kernel."""
    out = []
    if nb.metadata.get("accelerator") != "GPU":
        out.append('notebook metadata must ask Colab for a GPU: "accelerator": "GPU"')
    if "colab" not in nb.metadata:
        out.append('notebook metadata needs a "colab" section (e.g. {"gpuType": "T4"})')
    if nb.metadata.get("kernelspec", {}).get("name") != "python3":
        out.append("notebook metadata kernelspec name must be python3")
    return out


def problems_idea(nb, filename: str) -> list[str]:
    """Markdown with at least one equation ($...$) and a reference to a paper; equations
    without doubled backslashes (``\\\\sum``, what a raw string with escaped backslashes gives)."""
    text = _markdown(nb)
    out = []
    formulas = [a or b for a, b in _MATH.findall(text)]
    if not any(re.search(r"[\\^_=+/]", f) for f in formulas):
        out.append("markdown needs the idea's equation in LaTeX ($...$ or $$...$$)")
    for f in formulas:
        bad = re.search(r"\\\\[A-Za-z]+", f)
        if bad:
            cmd = bad.group(0)[2:]
            out.append(
                f"equation ${f.strip()[:50]}$: '\\\\{cmd}' renders as a line break plus '{cmd}'; "
                f'write \'\\{cmd}\' (in a raw string r"""...""" the backslash needs no escaping)'
            )
    if not any(re.search(_YEAR, line) and re.search(_VENUE, line) for line in text.splitlines()):
        out.append("markdown needs a paper reference: authors, title and venue with year (e.g. 'Selvaraju et al., *Grad-CAM*, ICCV 2017')")
    return out


def problems_panel(nb, filename: str) -> list[str]:
    """A code cell displays a panel from ``cv.widgets`` (``cv.widgets.<name>_panel(...)``)."""
    import cnnviz_lab.widgets as widgets

    out = []
    calls = [(i, m) for i, c in _code_cells(nb) for m in re.findall(r"\bcv\.widgets\.(\w+_panel)\(", c.source)]
    if not calls:
        out.append("no ipywidgets panel: add a code cell calling cv.widgets.<something>_panel(...)")
    for i, name in calls:
        if not callable(getattr(widgets, name, None)):
            out.append(f"cell {i}: cv.widgets.{name} does not exist (export it from cnnviz_lab/widgets/__init__.py)")
    return out


def problems_exercises(nb, filename: str) -> list[str]:
    """At least one exercise: a check cell calling ``cv.exercises.check_...`` and a hidden
    solution cell (jupyter.source_hidden, Colab cellView form) asserting the same check."""
    import cnnviz_lab.exercises as exercises

    out = []
    checks = [(i, c) for i, c in _code_cells(nb) if re.search(r"\bcv\.exercises\.check_\w+\(", c.source) and not _is_solution(c)]
    solutions = [(i, c) for i, c in _code_cells(nb) if _is_solution(c)]
    if not checks:
        out.append("no exercise: add one with nb.exercise(...), checked by cv.exercises.check_...(...)")
    if not solutions:
        out.append("no solution cell: nb.exercise(...) adds a collapsed '#@title Solution' cell")
    for i, cell in checks + solutions:
        for name in re.findall(r"\bcv\.exercises\.(check_\w+)\(", cell.source):
            if not callable(getattr(exercises, name, None)):
                out.append(f"cell {i}: cv.exercises.{name} does not exist (export it from cnnviz_lab/exercises/__init__.py)")
    for i, cell in solutions:
        meta = cell.get("metadata", {})
        if not meta.get("jupyter", {}).get("source_hidden"):
            out.append(f"cell {i} (solution): hide it with metadata jupyter.source_hidden = true")
        if meta.get("cellView") != "form":
            out.append(f'cell {i} (solution): hide it on Colab with metadata cellView = "form"')
        if not re.search(r"^\s*assert\s+cv\.exercises\.check_\w+\(", cell.source, re.M):
            out.append(f"cell {i} (solution): end with `assert cv.exercises.check_...(...)` so the solution is tested")
    for i, cell in checks:
        if re.search(r"^\s*assert\b", cell.source, re.M):
            out.append(f"cell {i}: the check a student runs must report, not assert (the starter would fail the notebook)")
    return out


def problems_assertion(nb, filename: str) -> list[str]:
    """At least one assert outside the solutions: the notebook tests what it shows."""
    for _, cell in _code_cells(nb):
        if _is_solution(cell):
            continue
        try:
            tree = ast.parse(_python(cell.source))
        except SyntaxError:
            continue
        if any(isinstance(n, ast.Assert) for n in ast.walk(tree)):
            return []
    return ["no assertion cell: add an `assert` on what the notebook shows (outside the exercise solutions)"]


def problems_code(nb, filename: str) -> list[str]:
    """Code cells are short calls into the package: valid Python, at most MAX_LINES lines
    (the generated setup cell aside), no nn.Module, no functions, classes, hooks or
    backward passes outside the exercises."""
    out = []
    for i, cell in _code_cells(nb):
        src = _python(cell.source)
        try:
            tree = ast.parse(src)
        except SyntaxError as err:
            out.append(f"cell {i}: not valid Python ({err.msg}, line {err.lineno}): {_first_line(cell)!r}")
            continue
        if i != 1:
            lines = [s for s in cell.source.splitlines() if s.strip() and not s.strip().startswith(("#@title", "# NBVAL_"))]
            if len(lines) > MAX_LINES:
                out.append(f"cell {i}: {len(lines)} lines, more than {MAX_LINES}: move the code into the package and call it ({_first_line(cell)!r})")
        text = cell.source
        if re.search(r"^\s*(import\s+torch\.nn\b|from\s+torch\s+import\s+[^\n]*\bnn\b|from\s+torch\.nn\s+import)", text, re.M) or re.search(
            r"class\s+\w+\s*\([^)]*\bModule\b", text
        ):
            out.append(f"cell {i}: defines or imports torch.nn to build a Module: networks belong in the package")
        exercise = _tags(cell) & {"exercise", "exercise-check"} or _is_solution(cell)
        if exercise:
            continue
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                out.append(f"cell {i}: defines {node.name!r}: implementation belongs in the package (only exercise cells define functions)")
        for pattern, what in [
            (r"register_(full_backward_|forward_|backward_|forward_pre_)?hook\(", "registers a hook"),
            (r"\.backward\(|autograd\.grad\(", "runs a backward pass"),
        ]:
            if re.search(pattern, text):
                out.append(f"cell {i}: {what}: call the package (cv.capture, the attribution functions) instead")
    return out


def problems_outputs(nb, filename: str) -> list[str]:
    """The stored outputs come from a clean run (`tools/notebook_builder.py --execute`)."""
    out = []
    for i, cell in _code_cells(nb):
        for o in cell.get("outputs", []):
            if o.get("output_type") == "error":
                out.append(f"cell {i}: stored output is an error ({o.get('ename')}: {o.get('evalue', '')[:80]}); fix it and rebuild with `make notebooks`")
    return out


def _bound(source: str) -> set[str]:
    """Names a stored cell binds at top level (the builder's rule, magics commented out)."""
    from notebook_builder import _bound_names

    try:
        return _bound_names(_python(source))
    except SyntaxError:
        return set()


def problems_solutions(nb, filename: str) -> list[str]:
    """A solution never rebinds what the student writes in the exercise's starter cell
    ("Run All" must not replace the student's function with the solution)."""
    out = []
    starter: set[str] = set()
    for i, cell in _code_cells(nb):
        if "exercise" in _tags(cell):
            starter = _bound(cell.source)
        elif _is_solution(cell):
            clash = sorted(starter & _bound(cell.source))
            if clash:
                out.append(f"cell {i} (solution) redefines {clash} from the starter: name them {clash[0]}_solution, so Run All keeps the student's own code")
    return out


_CHOICE = re.compile(r"cv\.exercises\.check_\w+\(\s*answer\s*\)|cv\.exercises\.check_choice\(")


def problems_thinking(nb, filename: str) -> list[str]:
    """Beyond the formula exercises, the notebook asks the student to think: a predict-then-run
    question checked by ``cv.exercises`` (the student's ``answer``), and a written question with
    a hidden model answer (``<details>``) or an investigation."""
    code = "\n".join(c.source for _, c in _code_cells(nb) if not _is_solution(c))
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    out = []
    if not _CHOICE.search(code):
        out.append(
            "no predict-then-run question: add nb.choice(question_id) (a Question registered in cnnviz_lab/exercises/) before the cell that shows the answer"
        )
    if "<details>" not in text and not re.search(r"(?im)^#+ .*investigat", text):
        out.append("no written question with a hidden model answer (nb.written) and no investigation section")
    return out


CHECKS = [
    problems_title,
    problems_setup,
    problems_metadata,
    problems_idea,
    problems_panel,
    problems_exercises,
    problems_solutions,
    problems_thinking,
    problems_assertion,
    problems_code,
    problems_outputs,
]


# ----------------------------------------------------------------------------- the tests


def test_there_are_notebooks():
    assert NOTEBOOKS, "no notebooks/NN_*.ipynb found"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_has_a_source(path):
    assert (ROOT / "tools" / "notebook_src" / f"{path.stem}.py").exists(), (
        f"{path.name} has no source: write tools/notebook_src/{path.stem}.py and build it with tools/notebook_builder.py"
    )


@pytest.mark.parametrize("check", CHECKS, ids=lambda f: f.__name__.removeprefix("problems_"))
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_standard(path, check):
    problems = check(_load(path), path.name)
    assert not problems, f"{path.name} breaks the notebook standard ({check.__doc__.splitlines()[0]}):\n  " + "\n  ".join(problems)


# Core ipywidgets that render on Colab, Binder and JupyterLab without any extra extension.
CORE_WIDGETS = {
    "Accordion",
    "BoundedFloatText",
    "BoundedIntText",
    "Button",
    "Checkbox",
    "Dropdown",
    "FileUpload",
    "FloatRangeSlider",
    "FloatSlider",
    "FloatText",
    "GridBox",
    "HBox",
    "HTML",
    "Image",
    "IntRangeSlider",
    "IntSlider",
    "IntText",
    "Label",
    "Layout",
    "Output",
    "RadioButtons",
    "Select",
    "SelectionRangeSlider",
    "SelectionSlider",
    "Tab",
    "Text",
    "ToggleButton",
    "ToggleButtons",
    "VBox",
    "Widget",
}
NON_CORE = ("ipympl", "ipycanvas", "bqplot", "plotly", "ipyevents", "ipyleaflet", "ipyvuetify", "jupyter_bokeh", "ipyvolume", "pythreejs")


def problems_panel_module(path: Path) -> list[str]:
    """A widgets module uses core ipywidgets controls only (they work on Colab, Binder, Lab)."""
    tree = ast.parse(path.read_text())
    aliases = {a.asname or a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names if a.name == "ipywidgets"}
    out = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            mods = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            for mod in mods:
                if mod.split(".")[0] in NON_CORE:
                    out.append(f"{path.name}:{node.lineno}: imports {mod}, not available on Colab/Binder by default")
            if isinstance(node, ast.ImportFrom) and node.module == "ipywidgets":
                out += [
                    f"{path.name}:{node.lineno}: ipywidgets.{a.name} is not a core control"
                    for a in node.names
                    if a.name not in CORE_WIDGETS and a.name[0].isupper()
                ]
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases:
            if node.attr[0].isupper() and node.attr not in CORE_WIDGETS:
                out.append(f"{path.name}:{node.lineno}: {node.value.id}.{node.attr} is not a core control")
    return out


@pytest.mark.parametrize("path", sorted((ROOT / "cnnviz_lab" / "widgets").glob("*.py")), ids=lambda p: p.stem)
def test_panels_use_core_controls_only(path):
    problems = problems_panel_module(path)
    assert not problems, "use core ipywidgets controls only:\n  " + "\n  ".join(problems)


def test_non_core_controls_are_reported(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import ipywidgets as W\nimport ipympl\nw = W.Play()\nok = W.Dropdown()\n")
    problems = problems_panel_module(bad)
    assert len(problems) == 2 and "ipympl" in problems[0] and "W.Play" in problems[1], problems


# ----------------------------------------------------------------------------- the checks can fail


@pytest.fixture
def good():
    """A copy of notebook 00 (which keeps the standard), to break on purpose."""
    path = NOTEBOOK_DIR / "00_filters_and_feature_maps.ipynb"
    return copy.deepcopy(_load(path)), path.name


def _find(nb, predicate) -> int:
    return next(i for i, c in enumerate(nb.cells) if predicate(c))


def test_the_reference_notebook_passes_every_check(good):
    nb, name = good
    assert {f.__name__: f(nb, name) for f in CHECKS} == {f.__name__: [] for f in CHECKS}


@pytest.mark.parametrize(
    "check, breakage, expected",
    [
        (problems_title, lambda nb: setattr(nb.cells[0], "source", nb.cells[0].source.replace("mybinder.org", "example.org")), "Binder badge"),
        (
            problems_title,
            lambda nb: setattr(
                nb.cells[0], "source", nb.cells[0].source.replace("blob/main/notebooks/00_filters_and_feature_maps", "blob/main/notebooks/01_other")
            ),
            "Open-in-Colab",
        ),
        (problems_title, lambda nb: setattr(nb.cells[0], "source", re.sub(r"(?m)^\*\*Run time.*$", "**Run time:** 1 min", nb.cells[0].source)), "Run time"),
        (problems_title, lambda nb: setattr(nb.cells[0], "source", re.sub(r"(?m)^\*\*Prerequisites.*$", "", nb.cells[0].source)), "Prerequisites"),
        (problems_setup, lambda nb: setattr(nb.cells[1], "source", nb.cells[1].source.replace("%pip install -q", "%pip install -q -U")), "never upgrade"),
        (
            problems_setup,
            lambda nb: setattr(nb.cells[1], "source", nb.cells[1].source.replace("%pip install -q", "%pip install -q torch==2.0")),
            "leave Colab's torch alone",
        ),
        (problems_setup, lambda nb: setattr(nb.cells[1], "source", nb.cells[1].source.replace("    %pip", "%pip")), "google.colab"),
        (problems_setup, lambda nb: setattr(nb.cells[1], "source", nb.cells[1].source.replace("%pip", "!pip")), "%pip magic"),
        (problems_setup, lambda nb: setattr(nb.cells[1], "source", nb.cells[1].source.replace("DEVICE = cv.resolve_device", "D = str")), "pick the device"),
        (
            problems_setup,
            lambda nb: setattr(nb.cells[1], "source", nb.cells[1].source.replace("output.enable_custom_widget_manager()", "pass")),
            "enable_custom_widget_manager",
        ),
        (problems_metadata, lambda nb: nb.metadata.pop("accelerator"), "GPU"),
        (problems_idea, lambda nb: [setattr(c, "source", c.source.replace("$", "")) for c in nb.cells if c.cell_type == "markdown"], "equation"),
        (problems_idea, lambda nb: nb.cells.append(nbformat.v4.new_markdown_cell(r"$p = e^{z} / \\sum_j e^{z_j}$")), "line break"),
        (problems_idea, lambda nb: [setattr(c, "source", re.sub(_YEAR, "", c.source)) for c in nb.cells if c.cell_type == "markdown"], "paper reference"),
        (problems_panel, lambda nb: [setattr(c, "source", c.source.replace("cv.widgets.", "cv.plot.")) for c in nb.cells], "no ipywidgets panel"),
        (problems_panel, lambda nb: nb.cells.append(nbformat.v4.new_code_cell("cv.widgets.no_such_panel()")), "does not exist"),
        (problems_exercises, lambda nb: nb.cells[_find(nb, _is_solution)].metadata.pop("jupyter"), "source_hidden"),
        (problems_exercises, lambda nb: nb.cells[_find(nb, _is_solution)].metadata.pop("cellView"), "cellView"),
        (problems_exercises, lambda nb: [setattr(c, "source", c.source.replace("cv.exercises.", "print")) for c in nb.cells], "no exercise"),
        (problems_solutions, lambda nb: [setattr(c, "source", c.source.replace("_solution", "")) for c in nb.cells if _is_solution(c)], "redefines"),
        (
            problems_thinking,
            lambda nb: [setattr(c, "source", c.source.replace("check_choice(", "report(").replace("(answer)", "(None)")) for c in nb.cells],
            "predict-then-run",
        ),
        (
            problems_thinking,
            lambda nb: [setattr(c, "source", c.source.replace("<details>", "").replace("nvestigat", "xplor")) for c in nb.cells if c.cell_type == "markdown"],
            "written question",
        ),
        (
            problems_assertion,
            lambda nb: [setattr(c, "source", re.sub(r"(?m)^(\s*)assert .*$", r"\1pass", c.source)) for c in nb.cells if not _is_solution(c)],
            "no assertion",
        ),
        (problems_code, lambda nb: nb.cells.append(nbformat.v4.new_code_cell("\n".join(f"a{i} = {i}" for i in range(13)))), "more than 12"),
        (problems_code, lambda nb: nb.cells.append(nbformat.v4.new_code_cell("from torch import nn\nclass Net(nn.Module):\n    pass")), "torch.nn"),
        (problems_code, lambda nb: nb.cells.append(nbformat.v4.new_code_cell("def saliency(m, x):\n    return x")), "defines 'saliency'"),
        (problems_code, lambda nb: nb.cells.append(nbformat.v4.new_code_cell("h = clf.model.register_forward_hook(f)")), "hook"),
        (problems_code, lambda nb: nb.cells.append(nbformat.v4.new_code_cell("score.backward()")), "backward"),
        (problems_code, lambda nb: nb.cells.append(nbformat.v4.new_code_cell("x = (")), "not valid Python"),
        (
            problems_outputs,
            lambda nb: next(c for c in nb.cells[2:] if c.cell_type == "code").outputs.append(nbformat.v4.new_output("error", ename="KeyError", evalue="x")),
            "KeyError",
        ),
    ],
)
def test_a_broken_notebook_is_reported(good, check, breakage, expected):
    nb, name = good
    breakage(nb)
    problems = check(nb, name)
    assert problems and any(expected in p for p in problems), problems
