"""The package's shape (issue 16): no import cycle, the attribution and optimisation families
independent of each other, small modules, hooks in one place, one progress-bar rule, names
that speak of the library, and an ``import cnnviz_lab`` that leaves matplotlib and
ipywidgets alone until a figure or a panel is used."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "cnnviz_lab"


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _sources() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _is_package(name: str, modules: dict[str, Path]) -> bool:
    return modules[name].name == "__init__.py"


def import_graph() -> dict[str, set[str]]:
    """``{module: modules it imports}`` for every module of the package, read from the source
    with ``ast``: every ``import``/``from ... import`` statement, at any depth (imports inside
    functions count too). ``from pkg import name`` points at ``pkg.name`` when that is a
    module, else at ``pkg`` (its ``__init__``)."""
    modules = _sources()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        base = name if _is_package(name, modules) else name.rsplit(".", 1)[0]
        edges: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                edges |= {a.name for a in node.names if a.name.split(".")[0] == "cnnviz_lab"}
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    parts = base.split(".")
                    parts = parts[: len(parts) - node.level + 1]
                    target = ".".join(parts + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                if target.split(".")[0] != "cnnviz_lab":
                    continue
                for alias in node.names:
                    sub = f"{target}.{alias.name}"
                    edges.add(sub if sub in modules else target)
        graph[name] = {e for e in edges if e in modules and e != name}
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt) :] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def _reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        node = todo.pop()
        for nxt in graph[node]:
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def test_the_import_graph_has_no_cycle():
    graph = import_graph()
    assert "cnnviz_lab.models" in graph and graph["cnnviz_lab.images"]  # the graph was really read
    assert _cycle(graph) is None, f"import cycle: {' -> '.join(_cycle(graph))}"


def test_the_cycle_finder_finds_a_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_attribution_and_optvis_do_not_import_each_other():
    graph = import_graph()
    families = {"attribution": [m for m in graph if m.startswith("cnnviz_lab.attribution")], "optvis": [m for m in graph if m.startswith("cnnviz_lab.optvis")]}
    for family, other in (("attribution", "optvis"), ("optvis", "attribution")):
        for module in families[family]:
            reached = {m for m in _reachable(graph, module) if m.startswith(f"cnnviz_lab.{other}")}
            assert not reached, f"{module} imports {sorted(reached)} (directly or through others)"


# The layers, bottom to top (docs/ARCHITECTURE.md): a module imports modules of its own layer
# and of the layers below it, never above. The package's __init__ sits on top of everything.
LAYERS = (
    ("core",),  # mechanics: state, gate, autograd, hooks, probes, rules
    ("images",),  # images in and out, the bundled photographs
    ("models",),  # loading and describing a model
    ("attribution", "optvis", "evaluate"),  # the methods
    ("concepts", "groundtruth", "adversarial"),  # the course's subjects built on the methods
    ("plot", "widgets", "exercises", "commands", "cli", "app", "gallery"),  # front ends
)


def layer_of(module: str) -> int:
    parts = module.split(".")
    if len(parts) == 1:
        return len(LAYERS)
    for i, names in enumerate(LAYERS):
        if parts[1] in names:
            return i
    raise AssertionError(f"{module} belongs to no layer: add its folder to LAYERS and docs/ARCHITECTURE.md")


def upward_imports(graph: dict[str, set[str]]) -> list[str]:
    return [f"{m} -> {e}" for m, edges in sorted(graph.items()) for e in sorted(edges) if layer_of(e) > layer_of(m)]


def test_imports_point_down_the_layers():
    graph = import_graph()
    assert {m.split(".")[1] for m in graph if "." in m} == {n for names in LAYERS for n in names}
    assert not upward_imports(graph), f"imports against the layers: {upward_imports(graph)}"


def test_the_layer_check_finds_an_upward_import():
    graph = {"cnnviz_lab.core.gate": {"cnnviz_lab.models.loading"}, "cnnviz_lab.models.loading": {"cnnviz_lab.core.gate"}}
    assert upward_imports(graph) == ["cnnviz_lab.core.gate -> cnnviz_lab.models.loading"]


def test_images_and_models_do_not_import_each_other():
    graph = import_graph()
    for module in (m for m in graph if m.startswith("cnnviz_lab.images")):
        assert not {m for m in _reachable(graph, module) if m.startswith("cnnviz_lab.models")}, module


def test_no_module_shadows_the_standard_library():
    shadowing = [str(p.relative_to(ROOT)) for p in PACKAGE.rglob("*.py") if p.stem in sys.stdlib_module_names]
    assert not shadowing, f"rename these modules (the standard library has modules of that name): {shadowing}"


def test_no_module_is_over_400_lines():
    long = {str(p.relative_to(ROOT)): n for p in PACKAGE.rglob("*.py") if (n := len(p.read_text().splitlines())) > 400}
    assert not long, f"split these modules: {long}"


def _code(path: Path) -> str:
    return path.read_text()


def test_core_hooks_is_the_only_place_that_attaches_hooks():
    hooks = re.compile(
        r"\.(register_forward_hook|register_forward_pre_hook|register_full_backward_hook|"
        r"register_full_backward_pre_hook|register_backward_hook|register_hook)\(|"
        r"register_module_forward_hook"
    )
    offenders = [str(p.relative_to(ROOT)) for p in PACKAGE.rglob("*.py") if p != PACKAGE / "core" / "hooks.py" and hooks.search(_code(p))]
    assert not offenders, f"hooks attached outside cnnviz_lab/core/hooks.py: {offenders}"


def test_progress_bars_come_from_tqdm_auto_through_one_rule():
    plain = [str(p.relative_to(ROOT)) for p in PACKAGE.rglob("*.py") if re.search(r"^\s*(from tqdm import|import tqdm\b)", _code(p), re.M)]
    assert not plain, f"use tqdm.auto (through cnnviz_lab.core.defaults.progress_bar): {plain}"
    direct = [str(p.relative_to(ROOT)) for p in PACKAGE.rglob("*.py") if p.name not in {"defaults.py", "progress.py"} and "tqdm" in _code(p)]
    assert not direct, f"progress bars go through cnnviz_lab.core.defaults.progress_bar: {direct}"


def test_the_library_speaks_of_itself():
    seeds = re.compile(r"seed[ _]?0\d\d", re.I)
    found = [f"{p.relative_to(ROOT)}:{i}" for p in PACKAGE.rglob("*.py") for i, line in enumerate(_code(p).splitlines(), 1) if seeds.search(line)]
    assert not found, f"course seeds named in the library: {found}"
    # no one model's layer names as defaults: no "blocks.N" default in a signature
    defaults = re.compile(r"""def \w+\([^)]*=\s*["']blocks\.\d+""", re.S)
    named = [str(p.relative_to(ROOT)) for p in PACKAGE.rglob("*.py") if defaults.search(_code(p))]
    assert not named, f"EfficientNet-Lite0 layer names as defaults: {named}"


def test_import_leaves_matplotlib_and_ipywidgets_out_until_used():
    code = (
        "import sys, cnnviz_lab as cv; heavy = ('matplotlib', 'ipywidgets'); "
        "print(sorted(m for m in heavy if m in sys.modules)); cv.plot; "
        "print('matplotlib' in sys.modules); cv.widgets; print('ipywidgets' in sys.modules)"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["[]", "True", "True"], out.stdout


@pytest.mark.parametrize("name", ["plot", "widgets", "exercises"])
def test_lazy_modules_are_the_real_ones(name):
    import importlib

    import cnnviz_lab as cv

    assert getattr(cv, name) is importlib.import_module(f"cnnviz_lab.{name}")
    assert name in dir(cv)
    with pytest.raises(AttributeError):
        cv.no_such_thing  # noqa: B018
