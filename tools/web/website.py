"""``make site``: the course as a static website in ``build/site/`` (start page ``index.html``).

A Jupyter Book 1.x project (Sphinx + myst-nb, ``execute_notebooks: off``) is written to
``build/site-src/`` and built offline:

- the home page is the course map of the README with its full-mode previews;
- every notebook is a page with its stored outputs (figures, rendered math, the widget
  panels drawn from stored widget state), Colab and Binder launch buttons;
- one API reference page per package area, from the docstrings (``sphinx.ext.autodoc``);
- the data credits; Sphinx's search (offline, ``search.html``).

MathJax 3, require.js and the widget renderer are served from ``_static/vendor/`` (pinned
npm packages, :mod:`vendor`); links are relative, so the folder works from GitHub Pages,
any web server or a USB stick.

    python tools/web/website.py [--notebooks DIR] [--out DIR]
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
import stored  # noqa: E402
import vendor  # noqa: E402

ROOT = vendor.ROOT
REPOSITORY = "https://github.com/cnnviz-lab/cnnviz-lab"
PACKAGE = "cnnviz_lab"
#: Package areas that get an API page of their own, in the order of the course; any other
#: subpackage gets one too, after these; top-level modules are grouped on one page.
AREAS = {
    "models": "Models",
    "core": "Core mechanics",
    "attribution": "Attribution methods",
    "optvis": "Feature visualisation and DeepDream",
    "evaluate": "Evaluating explanations",
    "plot": "Figures",
    "widgets": "Interactive panels",
    "exercises": "Exercise checks",
    "commands": "Command line",
}
# MathJax 2, like the decks: the widget renderer typesets through MathJax 2's API (MathJax.Hub).
MATHJAX = "vendor/mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML"
WIDGET_JS = {"vendor/requirejs/require.js": {}, "vendor/html-manager/dist/embed-amd.js": {"data-jupyter-widgets-cdn": "vendor/"}}


def _section(text: str, heading: str) -> str:
    """The body of the level-2 section ``heading`` of a markdown text."""
    match = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", text, flags=re.M | re.S)
    if not match:
        raise ValueError(f"README.md has no '## {heading}' section")
    return match.group(1).strip()


def home_page(readme: str) -> str:
    """The course map of the README as the site's start page (links and images made relative
    to the book)."""
    intro = readme.split("\n## ", 1)[0].split("\n", 1)[1].strip()
    course = _section(readme, "Course map")
    course = course.replace("](docs/previews/", "](previews/")
    return f"""# cnnviz-lab: seeing inside convolutional networks

{intro}

## Course map

{course}

## Working on your own machine

Every notebook page has launch buttons (the rocket at the top) for Colab and Binder. To run
the course locally: `make lab` (it installs everything and starts JupyterLab). The package's
functions are documented in the [API reference](api/index.md); the photographs are credited
in [Data credits](credits.md).
"""


def api_areas() -> dict[str, list[str]]:
    """Page name -> modules documented on it: one page per subpackage, one for the top-level
    modules."""
    package = importlib.import_module(PACKAGE)
    subpackages, top = [], []
    for info in pkgutil.iter_modules(package.__path__):
        if info.name.startswith("_") or info.name == "data":
            continue
        (subpackages if info.ispkg else top).append(info.name)
    order = [a for a in AREAS if a in subpackages] + sorted(a for a in subpackages if a not in AREAS)
    pages: dict[str, list[str]] = {}
    for area in order:
        sub = importlib.import_module(f"{PACKAGE}.{area}")
        modules = [f"{PACKAGE}.{area}"] + [f"{PACKAGE}.{area}.{i.name}" for i in pkgutil.iter_modules(sub.__path__) if not i.name.startswith("_")]
        pages[area] = modules
    pages["modules"] = [f"{PACKAGE}.{name}" for name in sorted(top) if name not in ("cli",)] + [f"{PACKAGE}.cli"]
    return pages


def api_page(area: str, modules: list[str]) -> str:
    """A MyST page documenting ``modules`` with autodoc."""
    title = AREAS.get(area, "Package modules" if area == "modules" else area.capitalize())
    blocks = []
    for name in modules:
        # a subpackage's own page shows its docstring; its members are documented where defined
        members = "" if name == f"{PACKAGE}.{area}" else "   :members:\n   :show-inheritance:\n"
        blocks.append(f"## `{name}`\n\n```{{eval-rst}}\n.. automodule:: {name}\n{members}```\n")
    return f"# {title}\n\n" + "\n".join(blocks)


def api_index(pages: dict[str, list[str]]) -> str:
    rows = "\n".join(
        f"- [{AREAS.get(a, 'Package modules' if a == 'modules' else a)}]({a}.md): " + ", ".join(f"`{m.rsplit('.', 1)[-1]}`" for m in mods[1:] or mods)
        for a, mods in pages.items()
    )
    return (
        "# API reference\n\n`import cnnviz_lab as cv`: everything the notebooks call. One page per area of "
        "the package, from its docstrings.\n\n```{eval-rst}\n.. automodule:: cnnviz_lab\n```\n\n" + rows + "\n"
    )


def credits_page() -> str:
    """The data credits (data/CREDITS.md, else data/LICENSE.md), headings shifted under one title."""
    for name in ("CREDITS.md", "LICENSE.md"):
        path = ROOT / "data" / name
        if path.exists():
            body = path.read_text(encoding="utf-8")
            body = re.sub(r"^#", "##", body, flags=re.M)
            return f"# Data credits\n\nThe photographs and images the course uses, with their authors, licences and sources (from `data/{name}`).\n\n{body}"
    raise FileNotFoundError("data/CREDITS.md (or data/LICENSE.md) is missing: the site must credit the data")


def config(title: str = "cnnviz-lab") -> dict:
    """The Jupyter Book ``_config.yml``."""
    return {
        "title": title,
        "author": "cnnviz-lab developers",
        "copyright": "cnnviz-lab developers",
        "only_build_toc_files": True,
        "execute": {"execute_notebooks": "off"},
        "repository": {"url": REPOSITORY, "branch": "main", "path_to_book": ""},
        "launch_buttons": {
            "notebook_interface": "jupyterlab",
            "binderhub_url": "https://mybinder.org",
            "colab_url": "https://colab.research.google.com",
            "thebe": False,
        },
        "html": {
            "use_repository_button": True,
            "use_issues_button": False,
            "use_edit_page_button": False,
            "use_multitoc_numbering": False,
            "home_page_in_navbar": True,
            "baseurl": "",
            "extra_footer": "Built offline from the stored full-mode outputs of the notebooks.",
        },
        "parse": {"myst_enable_extensions": ["dollarmath", "amsmath", "colon_fence", "linkify"]},
        "sphinx": {
            "extra_extensions": ["sphinx.ext.autodoc", "sphinx.ext.viewcode"],
            "config": {
                "mathjax_path": MATHJAX,
                "mathjax2_config": {
                    "tex2jax": {
                        "inlineMath": [["\\(", "\\)"]],
                        "displayMath": [["\\[", "\\]"]],
                        "processEscapes": True,
                        "processEnvironments": True,
                        # myst-nb marks notebook cells mathjax_ignore; Sphinx's
                        # math spans carry the class "math"
                        "ignoreClass": "tex2jax_ignore|mathjax_ignore",
                        "processClass": "math|tex2jax_process|mathjax_process",
                    },
                    "messageStyle": "none",
                    "menuSettings": {"assistiveMML": False},
                },
                "html_static_path": ["_vendor_static"],
                "nb_ipywidgets_js": WIDGET_JS,
                "autodoc_member_order": "bysource",
                "autodoc_typehints": "signature",
                "suppress_warnings": ["myst.header", "myst.xref_missing", "autodoc", "ref.python", "misc.highlighting_failure", "mystnb.unknown_mime_type"],
                "html_last_updated_fmt": None,
                "nb_merge_streams": True,
                "html_theme_options": {
                    "use_download_button": True,
                    "use_fullscreen_button": False,
                    "repository_url": REPOSITORY,
                    "use_repository_button": True,
                    "path_to_docs": "",
                    "launch_buttons": {
                        "notebook_interface": "jupyterlab",
                        "binderhub_url": "https://mybinder.org",
                        "colab_url": "https://colab.research.google.com",
                    },
                },
            },
        },
    }


def write_source(src: Path, notebooks: Path) -> dict:
    """The Jupyter Book project in ``src``; returns what the build prints about the notebooks."""
    shutil.rmtree(src, ignore_errors=True)
    (src / "notebooks").mkdir(parents=True)
    (src / "api").mkdir()
    vendor.install(src / "_vendor_static" / "vendor", ("mathjax", "html-manager", "requirejs"))
    shutil.copytree(stored.BADGES_DIR, src / "badges")
    shutil.copytree(ROOT / "docs" / "previews", src / "previews")
    summary = {"panels_static": 0, "panel_notes": 0, "notebooks": []}
    for path in sorted(notebooks.glob("[0-9][0-9]_*.ipynb")):
        prepared = stored.prepare(nbformat.read(path, as_version=4), badges="../badges")
        if stored.uses_mermaid(prepared.nb):
            raise ValueError(f"{path.name} draws a mermaid diagram: the offline site ships no mermaid")
        nbformat.write(prepared.nb, src / "notebooks" / path.name)
        summary["panels_static"] += prepared.static_panels
        summary["panel_notes"] += len(prepared.panel_notes)
        summary["notebooks"].append(path.stem)
    if not summary["notebooks"]:
        raise ValueError(f"no numbered notebook (NN_name.ipynb) in {notebooks}")
    (src / "index.md").write_text(home_page((ROOT / "README.md").read_text(encoding="utf-8")), encoding="utf-8")
    (src / "credits.md").write_text(credits_page(), encoding="utf-8")
    pages = api_areas()
    for area, modules in pages.items():
        (src / "api" / f"{area}.md").write_text(api_page(area, modules), encoding="utf-8")
    (src / "api" / "index.md").write_text(api_index(pages), encoding="utf-8")
    toc = {
        "format": "jb-book",
        "root": "index",
        "parts": [
            {"caption": "Course", "chapters": [{"file": f"notebooks/{stem}"} for stem in summary["notebooks"]]},
            {"caption": "Reference", "chapters": [{"file": "api/index", "sections": [{"file": f"api/{area}"} for area in pages]}, {"file": "credits"}]},
        ],
    }
    (src / "_toc.yml").write_text(yaml.safe_dump(toc, sort_keys=False), encoding="utf-8")
    (src / "_config.yml").write_text(yaml.safe_dump(config(), sort_keys=False), encoding="utf-8")
    return summary


def build(notebooks: Path, out: Path, src: Path | None = None) -> dict:
    """Write the book project and build it into ``out`` (replaced)."""
    src = src or out.with_name(out.name + "-src")
    summary = write_source(src, notebooks)
    work = src / "_out"
    env = {"PYTHONPATH": str(ROOT)}
    import os

    env = {**os.environ, **env, "CNNVIZ_OFFLINE": "1", "MPLBACKEND": "Agg"}
    done = subprocess.run(
        [sys.executable, "-c", "from jupyter_book.cli.main import main; main()", "build", str(src), "--builder", "html", "--path-output", str(work), "--quiet"],
        env=env,
        capture_output=True,
        text=True,
    )
    log = src / "build.log"
    log.write_text(done.stdout + done.stderr, encoding="utf-8")
    if done.returncode != 0:
        raise RuntimeError(f"jupyter-book build failed (log: {log}):\n{(done.stdout + done.stderr)[-3000:]}")
    shutil.rmtree(out, ignore_errors=True)
    shutil.move(str(work / "_build" / "html"), out)
    _dedupe_thebe(out)
    (out / ".nojekyll").write_text("")  # GitHub Pages: serve _static/ and _images/ as they are
    summary["warnings"] = sum("WARNING" in line for line in log.read_text().splitlines())
    return summary


THEBE_LINE = re.compile(r"<script>\s*const THEBE_JS_URL = [^<]*</script>\s*")


def _dedupe_thebe(site: Path) -> None:
    """sphinx-thebe writes its ``const THEBE_JS_URL`` script twice into each page (a
    JavaScript error); keep the first."""
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        found = THEBE_LINE.findall(text)
        if len(found) > 1:
            first = text.index(found[0]) + len(found[0])
            page.write_text(text[:first] + THEBE_LINE.sub("", text[first:]), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notebooks", type=Path, default=ROOT / "notebooks")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "site")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    summary = build(args.notebooks, args.out)
    print(
        f"{len(summary['notebooks'])} notebook pages, {summary['panels_static']} widget outputs from stored state, "
        f"{summary['panel_notes']} panels without stored state (shown as a note), {summary['warnings']} Sphinx "
        f"warnings (log: {args.out.with_name(args.out.name + '-src') / 'build.log'})"
    )
    print(f"{args.out / 'index.html'} in {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
