"""The project's own files agree with each other: pyproject, Binder files, notebooks, README."""

import os
import re
import sys
import tomllib
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

CONDA_NAMES = {"torch": "pytorch"}


def _name(req: str) -> str:
    return re.split(r"[<>=!~\[ ;]", req, maxsplit=1)[0].strip().lower()


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert "conda-forge" in env["channels"]
    conda = {_name(d) for d in env["dependencies"] if isinstance(d, str)}
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    pip_names = {_name(p) for p in pip if not p.startswith("-e")}
    assert any(p.startswith("-e .") and "test" in p for p in pip), "install the repo with its test extra"
    for req in project["dependencies"]:
        name = _name(req)
        assert CONDA_NAMES.get(name, name) in conda | pip_names, f"{name} missing from environment.yml"
    assert "python" in conda


def _specifier(req: str) -> str:
    """The version part of a requirement, spaces removed: 'torch>=2.1' -> '>=2.1'."""
    return re.sub(r"\s+", "", req[len(_name(req)) :].split(";")[0])


def test_environment_yml_versions_agree_with_pyproject():
    """Same lower bounds in both files, and the conda Python satisfies requires-python."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = {_name(d): d for d in env["dependencies"] if isinstance(d, str)}
    pip = {_name(p): p for d in env["dependencies"] if isinstance(d, dict) for p in d["pip"] if not p.startswith("-")}
    for req in project["dependencies"]:
        name = _name(req)
        entry = conda.get(CONDA_NAMES.get(name, name)) or pip.get(name)
        assert entry is not None, f"{name} missing from environment.yml"
        assert _specifier(entry) == _specifier(req), f"environment.yml has {entry!r} but pyproject.toml has {req!r}: keep the versions in step"
    python = re.search(r"python\s*=+\s*(\d+)\.(\d+)", conda["python"])
    assert python, f"pin the Binder Python version in environment.yml (python=3.11), not {conda['python']!r}"
    low = re.search(r">=\s*(\d+)\.(\d+)", project["requires-python"])
    assert tuple(map(int, python.groups())) >= tuple(map(int, low.groups())), (
        f"environment.yml's {conda['python']} is older than requires-python {project['requires-python']}"
    )
    for name in ("jupyterlab", "ipywidgets"):  # what a Binder session needs to show the panels
        assert name in conda or name in pip, f"{name} missing from environment.yml"


def test_binder_reads_the_root_files():
    """repo2docker ignores root-level environment.yml/postBuild when binder/ or .binder/ exists."""
    assert not (ROOT / "binder").exists() and not (ROOT / ".binder").exists()


def _fetched_models() -> list[str]:
    words = []
    for line in (ROOT / "postBuild").read_text().splitlines():
        m = re.match(r"\s*cnnviz\s+fetch\s+(.*)", line.split("#")[0])
        if m:
            words += [w for w in m.group(1).split() if not w.startswith("-")]
    return words


def test_postbuild_is_executable_and_fetches_weights():
    post = ROOT / "postBuild"
    assert os.access(post, os.X_OK), "chmod +x postBuild (repo2docker runs it as a program)"
    text = post.read_text()
    assert text.startswith("#!"), "postBuild needs a shebang line"
    assert re.search(r"^set -e", text, re.M), "postBuild must stop at the first failure (set -euo pipefail)"
    assert "cnnviz fetch" in text
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert "cnnviz" in scripts, "postBuild calls `cnnviz`: keep it in [project.scripts]"


def test_postbuild_fetches_every_model_the_course_offers():
    """The weights a Binder session may need are in the image: the models the panels' model
    menus offer (``available_models``' defaults) and every pretrained model a notebook loads."""
    import inspect

    import torchvision

    from cnnviz_lab.widgets.common import available_models

    fetched = _fetched_models()
    assert fetched, "postBuild fetches no model"
    unknown = sorted(set(fetched) - set(torchvision.models.list_models()))
    assert not unknown, f"postBuild fetches models torchvision does not know: {unknown}"
    offered = set(inspect.signature(available_models).parameters["extra"].default)
    loaded = set()
    for src in (ROOT / "tools" / "notebook_src").glob("[0-9]*.py"):
        for m in re.finditer(r"(?:load_model|cached_model)\(\s*[\"'](\w+)[\"']([^)]*)\)", src.read_text()):
            if "weights=None" not in m.group(2):
                loaded.add(m.group(1))
        loaded.update(re.findall(r"_panel\([^)]*model=[\"'](\w+)[\"']", src.read_text()))
    missing = sorted((offered | loaded) - set(fetched) - {"efficientnet_lite0"})
    assert not missing, f"postBuild does not fetch {missing}: add them to `cnnviz fetch` so Binder starts offline"


def test_readme_has_the_two_commands():
    readme = (ROOT / "README.md").read_text()
    head = readme[:3000]
    assert "make lab" in head and "make test" in head


def test_makefile_keeps_its_targets_and_runs_everything_in_one_pytest():
    makefile = (ROOT / "Makefile").read_text()
    targets = set(re.findall(r"^([\w-]+):", makefile, re.M))
    missing = {"install", "lab", "test", "test-unit", "test-notebooks", "test-browser", "notebooks", "bench", "chromium"} - targets
    assert not missing, f"Makefile lost targets {sorted(missing)}"
    recipe = re.search(r"^test:.*\n((?:\t.*\n)+)", makefile, re.M).group(1)
    assert recipe.lower().count("pytest") == 1 and "CNNVIZ_BROWSER=1" in recipe and "tests notebooks" in recipe, (
        "`make test` must run unit tests, the browser test and the notebooks in a single pytest run"
    )
    assert re.search(r"^test:.*\bchromium\b", makefile, re.M), "`make test` must install chromium when missing"
    commands = "\n".join(line for line in makefile.splitlines() if not line.lstrip().startswith("#"))
    assert "playwright install" not in commands, "use Debian's chromium, never `playwright install`"


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in ci and "CNNVIZ_OFFLINE=1" in ci


@pytest.mark.parametrize("source", sorted((ROOT / "tools" / "notebook_src").glob("[0-9]*.py")), ids=lambda p: p.stem)
def test_notebook_is_built_from_its_source(source):
    from notebook_builder import build

    expected = build(source.stem).notebook()
    stored = nbformat.read(ROOT / "notebooks" / f"{source.stem}.ipynb", as_version=4)
    assert [(c.cell_type, c.source) for c in stored.cells] == [(c.cell_type, c.source) for c in expected.cells], (
        f"notebooks/{source.stem}.ipynb is out of date: run `make notebooks`"
    )
