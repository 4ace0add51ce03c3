"""The notebook builder: percent-format sources in, the course's standard notebook out."""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

import notebook_builder as B  # noqa: E402

SOURCE = '''# ---
# jupyter:
#   cnnviz:
#     title: Toy
#     goals: [one goal]
#     prerequisites: none.
#     runtime: {cpu: 1 s, gpu: 1 s}
# ---

# %% [markdown]
# ## 1. The idea
#
# $$a = b$$

# %% tags=["nbval-check-output"]
print("ok")

# %%
assert 1 + 1 == 2
assert 2 > 1

# %% [markdown]
# ### Exercise: double

# %% tags=["exercise"]
def double(v):
    raise NotImplementedError

# %% tags=["exercise-check"]
print(double)

# %% tags=["solution"]
def double_solution(v):
    return 2 * v

# %% [markdown]
# **What to look at:** the number.
'''


@pytest.fixture
def toy(tmp_path, monkeypatch):
    monkeypatch.setattr(B, "SOURCES", tmp_path)
    monkeypatch.setattr(B, "NOTEBOOKS", tmp_path)
    (tmp_path / "98_toy.py").write_text(SOURCE)
    return tmp_path


def test_a_percent_source_builds_the_standard_notebook(toy):
    nb = B.build("98_toy").notebook()
    sources = [c.source for c in nb.cells]
    assert sources[0].startswith("# 98 · Toy") and "one goal" in sources[0]
    assert "setup" in nb.cells[1].metadata["tags"]
    check_output = nb.cells[3]
    assert check_output.metadata["tags"] == ["nbval-check-output"] and "NBVAL" not in check_output.source
    asserts = nb.cells[4]
    assert asserts.metadata["jupyter"]["source_hidden"] and "check" in asserts.metadata["tags"]
    solution = nb.cells[-2]
    assert solution.source.startswith("#@title") and solution.metadata["jupyter"]["source_hidden"]
    kinds = [c.metadata["slideshow"]["slide_type"] for c in nb.cells]
    assert kinds[0] == "slide" and kinds[1] == "skip" and kinds[2] == "slide"      # title, setup, section
    assert kinds[4] == "skip" and kinds[5] == "subslide" and kinds[-1] == "notes"   # check, ###, what to look at


def test_a_solution_that_rebinds_the_starter_is_refused(toy):
    (toy / "97_bad.py").write_text(SOURCE.replace("def double_solution", "def double"))
    with pytest.raises(ValueError, match="redefines"):
        B.build("97_bad")


def test_a_source_without_its_header_is_refused(toy):
    (toy / "96_bare.py").write_text("# %%\nx = 1\n")
    with pytest.raises(ValueError, match="cnnviz"):
        B.build("96_bare")


def test_saving_twice_is_byte_stable_and_keeps_outputs(toy):
    path = B.build("98_toy").save()
    nb = nbformat.read(path, as_version=4)
    nb.cells[3].outputs = [nbformat.v4.new_output("stream", name="stdout", text="ok\n")]
    nbformat.write(nb, path)
    B.build("98_toy").save()
    first = path.read_bytes()
    B.build("98_toy").save()
    assert path.read_bytes() == first
    assert nbformat.read(path, as_version=4).cells[3].metadata["slideshow"]["slide_type"] == "fragment"


def test_stored_progress_bars_are_dropped():
    cell = nbformat.v4.new_code_cell("x")
    bar = nbformat.v4.new_output("display_data", data={
        "application/vnd.jupyter.widget-view+json": {"model_id": "m", "version_major": 2, "version_minor": 0},
        "text/plain": "occlusion:   0%|          | 0/43 [00:00<?, ?batch/s]"})
    text = nbformat.v4.new_output("stream", name="stdout", text="42\n")
    cell.outputs = [bar, text]
    B._drop_progress_bars(cell)
    assert cell.outputs == [text]


def test_adjacent_printouts_are_joined_in_order():
    out = nbformat.v4.new_output
    figure = out("display_data", data={"text/plain": "<Figure>"})
    cell = nbformat.v4.new_code_cell("x")
    cell.outputs = [out("stream", name="stdout", text="a\n"), out("stream", name="stdout", text="b\n"), figure,
                    out("stream", name="stdout", text="c\n"), out("stream", name="stderr", text="d\n")]
    B.join_streams(cell)
    assert [(o.output_type, o.get("name"), o.get("text")) for o in cell.outputs] == [
        ("stream", "stdout", "a\nb\n"), ("display_data", None, None), ("stream", "stdout", "c\n"), ("stream", "stderr", "d\n")]


@pytest.mark.parametrize("path", sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")), ids=lambda p: p.stem)
def test_stored_printouts_are_one_block_each(path):
    nb = nbformat.read(path, as_version=4)
    for i, cell in enumerate(nb.cells):
        outs = cell.get("outputs", [])
        split = [a for a, b in zip(outs, outs[1:]) if a.output_type == b.output_type == "stream" and a.name == b.name]
        assert not split, f"{path.name} cell {i}: one printout stored as several blocks: run `make notebooks`"


@pytest.mark.parametrize("path", sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")), ids=lambda p: p.stem)
def test_stored_notebooks_have_slides_and_no_test_markers(path):
    nb = nbformat.read(path, as_version=4)
    for i, cell in enumerate(nb.cells):
        assert "slideshow" in cell.metadata, f"{path.name} cell {i} has no slide metadata: run `make notebooks`"
        assert "NBVAL" not in cell.source, f"{path.name} cell {i}: a test marker in visible source (use a tag)"


def test_the_run_time_line_says_how_it_was_measured(monkeypatch):
    times = {
        "a": {"cpu": {"cores": 2, "seconds": 84.1, "threads": 1}},
        "b": {"cpu": {"cores": 2, "seconds": 30.0}, "gpu": {"seconds": 6.0, "device": "NVIDIA H100"}},
    }
    monkeypatch.setattr(B, "load_times", lambda: times)
    assert "84 s on a 2-core CPU, PyTorch limited to 1 thread (measured)" in B.runtime_line("a", ("1 minute", "10 seconds"))
    line = B.runtime_line("b", ("1 minute", "10 seconds"))
    assert "30 s on a 2-core CPU (measured)" in line and "6 s on a GPU (NVIDIA H100, measured)" in line
    assert "about 1 minute on a CPU" in B.runtime_line("c", ("1 minute", "10 seconds"))
