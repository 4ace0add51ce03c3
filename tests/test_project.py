"""The project's own files agree with each other: pyproject, Binder files, notebooks, README."""

import os
import re
import sys
import tomllib
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
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


def test_postbuild_is_executable_and_fetches_weights():
    post = ROOT / "postBuild"
    assert os.access(post, os.X_OK)
    assert "cnnviz fetch" in post.read_text()


def test_readme_has_the_two_commands():
    readme = (ROOT / "README.md").read_text()
    head = readme[:3000]
    assert "make lab" in head and "make test" in head


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in ci and "CNNVIZ_OFFLINE=1" in ci


@pytest.mark.parametrize("source", sorted((ROOT / "notebooks" / "src").glob("[0-9]*.py")), ids=lambda p: p.stem)
def test_notebook_is_built_from_its_source(source):
    from notebook_builder import build

    expected = build(source.stem).notebook()
    stored = nbformat.read(ROOT / "notebooks" / f"{source.stem}.ipynb", as_version=4)
    assert [(c.cell_type, c.source) for c in stored.cells] == [(c.cell_type, c.source) for c in expected.cells], \
        f"notebooks/{source.stem}.ipynb is out of date: run `make notebooks`"
