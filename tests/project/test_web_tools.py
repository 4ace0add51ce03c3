"""The pieces of the slides, the site and the app view that need no browser: what a stored
notebook becomes for the web, the pinned-asset copy, slide counting, the panel's stored
figure, the explorer panel's menus and the app command (the browser tests are in tests/web)."""

from __future__ import annotations

import base64
import hashlib
import json
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools" / "web"))

import slides  # noqa: E402
import stored  # noqa: E402
import vendor  # noqa: E402

VIEW = stored.WIDGET_VIEW


def _view(model_id: str, **extra) -> nbformat.NotebookNode:
    return nbformat.v4.new_output("display_data", data={VIEW: {"model_id": model_id, "version_major": 2, "version_minor": 0}, **extra})


def _notebook() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell(
                "# 99 · T\n\n[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/x.ipynb)"
            ),
            nbformat.v4.new_code_cell("cv.widgets.gradcam_panel()", outputs=[_view("stored")]),
            nbformat.v4.new_code_cell("cv.widgets.cam_panel()", outputs=[_view("gone", **{"image/png": "iVBO", "text/plain": "panel"})]),
            nbformat.v4.new_code_cell("cv.scorecam(clf, x)", outputs=[_view("bar", **{"text/plain": "0%|"})]),
            nbformat.v4.new_code_cell("cv.widgets.saliency_panel()", outputs=[_view("gone2")]),
        ]
    )
    nb.metadata["widgets"] = {stored.WIDGET_STATE: {"state": {"stored": {}}, "version_major": 2, "version_minor": 0}}
    return nb


def test_prepare_keeps_stored_panels_shows_stored_figures_and_drops_stateless_bars():
    nb = _notebook()
    before = json.dumps(nb, sort_keys=True)
    out = stored.prepare(nb, badges="../badges")
    assert json.dumps(nb, sort_keys=True) == before, "prepare changed the notebook it was given"
    cells = out.nb.cells
    assert "../badges/colab.svg" in cells[0].source and "colab-badge.svg" not in cells[0].source
    assert "https://colab.research.google.com/x.ipynb" in cells[0].source  # the link itself stays
    assert [sorted(o.data) for o in cells[1].outputs] == [[VIEW]]  # drawn from stored state
    assert [sorted(o.data) for o in cells[2].outputs] == [["image/png", "text/plain"], ["text/html", "text/plain"]]
    assert "cam_panel" in cells[2].outputs[1].data["text/html"]
    assert cells[3].outputs == []  # a progress bar without state
    assert [sorted(o.data) for o in cells[4].outputs] == [["text/html", "text/plain"]]
    assert (out.static_panels, out.panel_notes, out.panel_figures, out.dropped) == (1, ["cam_panel", "saliency_panel"], 1, 1)


def test_uses_mermaid():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("```mermaid\ngraph TD; A-->B\n```")])
    assert stored.uses_mermaid(nb)
    assert not stored.uses_mermaid(_notebook())


def test_count_slides_and_types():
    types = ["slide", "skip", "-", "subslide", "notes", "fragment", "slide", "-"]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(f"c{i}") for i in range(len(types))])
    for cell, kind in zip(nb.cells, types):
        cell.metadata["slideshow"] = {"slide_type": kind}
    nb.cells[0].source = "# 07 · Title here\n\ntext"
    assert slides.slide_types(nb) == types
    assert slides.count_slides(nb) == 3  # the title, one sub-slide, one more slide
    assert slides.title_of(nb, "x") == "07 · Title here"


def test_a_notebook_without_slide_metadata_is_refused(tmp_path):
    path = tmp_path / "99_t.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# T")]), path)
    with pytest.raises(ValueError, match="no slide metadata"):
        slides.build_deck(path, tmp_path)


def test_vendor_copies_only_the_listed_files_from_a_checked_cache(tmp_path):
    cache = tmp_path / "cache"
    package = vendor.Package("demo", "1.0.0", "sha512-unused", ("dist", "LICENSE"), key="demo")
    root = cache / "demo-1.0.0" / "package"
    (root / "dist").mkdir(parents=True)
    (root / "package.json").write_text("{}")
    (root / "LICENSE").write_text("MIT")
    (root / "dist" / "a.js").write_text("x")
    (root / "dist" / "a.js.map").write_text("map")
    (root / "src.ts").write_text("not copied")
    vendor.PACKAGES["demo"] = package
    try:
        placed = vendor.install(tmp_path / "out", ("demo",), cache=cache)
    finally:
        del vendor.PACKAGES["demo"]
    files = sorted(p.relative_to(placed["demo"]).as_posix() for p in placed["demo"].rglob("*") if p.is_file())
    assert files == ["LICENSE", "VERSION", "dist/a.js"]


def test_integrity_is_npm_sha512(tmp_path):
    f = tmp_path / "x.tgz"
    f.write_bytes(b"cnnviz")
    assert vendor._integrity(f) == "sha512-" + base64.b64encode(hashlib.sha512(b"cnnviz").digest()).decode()


def test_every_pin_names_files_and_a_sha512():
    for p in vendor.PACKAGES.values():
        assert p.integrity.startswith("sha512-") and len(base64.b64decode(p.integrity[7:])) == 64, p.name
        assert p.files and p.version[0].isdigit()
    assert vendor.PACKAGES["mathjax"].version.startswith("2.")  # nbconvert's reveal template needs MathJax 2


def test_display_output_stores_a_figure_as_base64_png():
    from matplotlib.figure import Figure

    from cnnviz_lab.widgets.panel import display_output

    fig = Figure(figsize=(1, 1))
    fig.subplots().plot([0, 1])
    out = display_output(fig)
    assert out["output_type"] == "display_data"
    assert base64.b64decode(out["data"]["image/png"])[:8] == b"\x89PNG\r\n\x1a\n"


def test_explorer_menus_follow_the_registry():
    from cnnviz_lab.attribution import registry
    from cnnviz_lab.widgets import explorer

    fams = explorer.families()
    assert "cam" in fams and "gradient" in fams
    for family in fams:
        names = [name for _label, name in explorer.family_methods(family)]
        assert names == [m.name for m in registry.methods(family, panels=True)]
    assert explorer.uses_layer("gradcam") and not explorer.uses_layer("saliency")
    with pytest.raises(ValueError, match="family"):
        explorer.family_methods("colour")


def test_explorer_panel_answers_bad_input_clearly():
    from cnnviz_lab.widgets import explorer_panel

    with pytest.raises(ValueError, match="family"):
        explorer_panel(family="colour")
    with pytest.raises(ValueError, match="not in the 'cam' family"):
        explorer_panel(family="cam", method="saliency")
    with pytest.raises(ValueError, match="k:"):
        explorer_panel(k=0)
    with pytest.raises(TypeError, match="light"):
        explorer_panel(light="yes")


def test_app_command_and_environment():
    from cnnviz_lab import app

    cmd = app.command(8870)
    assert "--strip_sources=True" in cmd and f"--template={app.TEMPLATE}" in cmd and "--Voila.ip=127.0.0.1" in cmd
    assert str(app.NOTEBOOK) in cmd and "--no-browser" in cmd
    for bad in (0, 70000, True, "8866"):
        with pytest.raises(ValueError, match="port"):
            app.command(bad)
    with pytest.raises(ValueError, match="notebook"):
        app.command(8870, notebook=ROOT / "README.md")
    env = app.environment(base={"PATH": "/bin"})
    template = Path(env["JUPYTER_PATH"].split(":")[0]) / "voila" / "templates" / app.TEMPLATE
    assert (template / "conf.json").exists() and (template / "index.html.j2").exists()
    assert env["CNNVIZ_OFFLINE"] == "1" and "CNNVIZ_OFFLINE" not in app.environment(offline=False, base={})
    nb = nbformat.read(app.NOTEBOOK, as_version=4)
    assert any("explorer_panel" in c.source for c in nb.cells if c.cell_type == "code")
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")


def test_cli_app_rejects_a_bad_port(capsys):
    from cnnviz_lab.cli import main

    assert main(["app", "--port", "0"]) == 2
    assert "--port 0" in capsys.readouterr().err
