"""``make slides``: one static reveal.js deck per course notebook, from its stored outputs.

Writes ``build/slides/NN_name.slides.html`` for every ``notebooks/NN_*.ipynb`` and a deck
index ``build/slides/index.html``. Nothing is executed: the decks show the full-mode outputs
stored in the notebooks. Cells become slides by their ``metadata.slideshow.slide_type``
(title and sections: slides; sub-sections: sub-slides; setup, checks and solutions:
skipped; model answers and "what to look at" notes: speaker notes, shown in the speaker
view, key ``S``). Every script and style comes from ``build/slides/_vendor/`` (pinned npm
packages, :mod:`vendor`), so the folder works from ``file://``, any web server or a USB
stick with no network.

    python tools/web/slides.py [--notebooks DIR] [--out DIR] [NAMES...]
"""

from __future__ import annotations

import argparse
import html
import re
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))
import stored  # noqa: E402
import vendor  # noqa: E402

ROOT = vendor.ROOT
TEMPLATES = Path(__file__).resolve().parent / "templates"
WIDTH, HEIGHT = 1280, 720  # the projector view no slide may overflow
DECK_LENGTH = (10, 30)  # a sensible number of slides (horizontal + vertical) per deck
VENDOR = "_vendor"


@dataclass
class Deck:
    """One written deck: notebook stem, title, file, slide and notes counts."""

    stem: str
    title: str
    path: Path
    slides: int
    notes: int
    panel_notes: int
    static_panels: int


def slide_types(nb: nbformat.NotebookNode) -> list[str]:
    """Each cell's ``slideshow.slide_type`` ("-" when unset)."""
    return [c.metadata.get("slideshow", {}).get("slide_type", "-") or "-" for c in nb.cells]


def count_slides(nb: nbformat.NotebookNode) -> int:
    """Slides plus sub-slides: what the right arrow walks through."""
    types = slide_types(nb)
    visible = [t for t in types if t not in ("skip", "notes")]
    return max(1, sum(t in ("slide", "subslide") for t in types[1:]) + (1 if visible else 0))


def title_of(nb: nbformat.NotebookNode, stem: str) -> str:
    """The notebook's first level-1 heading, else its file name."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            match = re.search(r"^#\s+(.+)$", cell.source, flags=re.M)
            if match:
                return match.group(1).strip()
    return stem


def exporter():
    """nbconvert's SlidesExporter on the offline template, every URL relative to the deck."""
    from nbconvert import SlidesExporter
    from traitlets.config import Config

    c = Config()
    c.SlidesExporter.extra_template_basedirs = [str(TEMPLATES)]
    c.SlidesExporter.template_name = "cnnviz_reveal"
    c.SlidesExporter.reveal_url_prefix = f"{VENDOR}/reveal.js"
    c.SlidesExporter.reveal_theme = "white"  # no web fonts
    c.SlidesExporter.reveal_transition = "none"
    c.SlidesExporter.reveal_width = str(WIDTH)
    c.SlidesExporter.reveal_height = str(HEIGHT)
    c.SlidesExporter.reveal_number = "c/t"
    c.SlidesExporter.font_awesome_url = ""
    c.SlidesExporter.require_js_url = f"{VENDOR}/requirejs/require.js"
    c.SlidesExporter.jquery_url = f"{VENDOR}/jquery/dist/jquery.min.js"
    c.SlidesExporter.mathjax_url = f"{VENDOR}/mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe"
    c.SlidesExporter.widget_renderer_url = f"{VENDOR}/html-manager/dist/embed-amd.js"
    c.SlidesExporter.jupyter_widgets_base_url = f"{VENDOR}/"
    c.SlidesExporter.mermaid_js_url = ""
    c.SlidesExporter.exclude_input_prompt = True
    c.SlidesExporter.exclude_output_prompt = True
    return SlidesExporter(config=c)


def build_deck(path: Path, out: Path, export=None) -> Deck:
    """Write ``out/<stem>.slides.html`` from the stored notebook at ``path``."""
    nb = nbformat.read(path, as_version=4)
    if not any(t != "-" for t in slide_types(nb)):
        raise ValueError(f"{path.name} has no slide metadata (metadata.slideshow.slide_type): rebuild it with `make notebooks` (the builder sets it)")
    if stored.uses_mermaid(nb):
        raise ValueError(f"{path.name} draws a mermaid diagram: the offline decks ship no mermaid")
    prepared = stored.prepare(nb, badges=f"{VENDOR}/badges")
    body, _ = (export or exporter()).from_notebook_node(prepared.nb, resources={"metadata": {"name": path.stem}})
    target = out / f"{path.stem}.slides.html"
    target.write_text(body, encoding="utf-8")
    return Deck(
        stem=path.stem,
        title=title_of(nb, path.stem),
        path=target,
        slides=count_slides(nb),
        notes=slide_types(nb).count("notes"),
        panel_notes=len(prepared.panel_notes),
        static_panels=prepared.static_panels,
    )


INDEX_CSS = """body{font:17px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;max-width:52em;margin:2em auto;
padding:0 1em;color:#222}h1{font-size:1.6em}table{border-collapse:collapse;width:100%}td,th{padding:.35em .6em;
border-bottom:1px solid #ddd;text-align:left}td.n{text-align:right;color:#555}kbd{border:1px solid #aaa;
border-radius:3px;padding:0 .3em;font-size:.9em}"""


def write_index(decks: list[Deck], out: Path) -> Path:
    """The deck index: every deck with its slide count, and how to present."""
    rows = "\n".join(
        f'<tr><td><a href="{html.escape(d.path.name)}">{html.escape(d.title)}</a></td>'
        f'<td class="n">{d.slides} slides</td><td class="n">{d.notes} notes</td></tr>'
        for d in decks
    )
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>cnnviz-lab: lecture slides</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>{INDEX_CSS}</style></head>
<body><h1>cnnviz-lab: lecture slides</h1>
<p>One deck per notebook of the course, with the figures of a full run. Present with the arrow keys
(<kbd>&rarr;</kbd> next, <kbd>&darr;</kbd> a sub-slide), <kbd>F</kbd> for full screen, <kbd>S</kbd> for the
speaker view with the notes, <kbd>Esc</kbd> for an overview. Everything loads from this folder: it works
offline, from a USB stick or any web server.</p>
<table><tr><th>deck</th><th class="n">length</th><th class="n">speaker notes</th></tr>
{rows}
</table></body></html>
"""
    target = out / "index.html"
    target.write_text(page, encoding="utf-8")
    return target


def notebooks_in(folder: Path, names: list[str] | None = None) -> list[Path]:
    """The numbered notebooks of ``folder`` (``names``: stems or number prefixes to keep)."""
    paths = sorted(folder.glob("[0-9][0-9]_*.ipynb"))
    if names:
        paths = [p for p in paths if any(p.stem == n or p.stem.startswith(n) for n in names)]
        if not paths:
            raise ValueError(f"no notebook in {folder} matches {names}")
    return paths


def build(notebooks: Path, out: Path, names: list[str] | None = None) -> list[Deck]:
    """Every deck and the index in ``out`` (with the vendored assets in ``out/_vendor``)."""
    out.mkdir(parents=True, exist_ok=True)
    vendor.install(out / VENDOR, ("reveal.js", "mathjax", "html-manager", "requirejs", "jquery"))
    shutil.copytree(stored.BADGES_DIR, out / VENDOR / "badges", dirs_exist_ok=True)
    export = exporter()
    decks = [build_deck(p, out, export) for p in notebooks_in(notebooks, names)]
    built = {d.stem for d in decks}
    listed = decks + [_existing_deck(p, out) for p in notebooks_in(notebooks) if p.stem not in built and (out / f"{p.stem}.slides.html").exists()]
    write_index(sorted(listed, key=lambda d: d.stem), out)
    return decks


def _existing_deck(path: Path, out: Path) -> Deck:
    """The index entry of a deck built earlier (a partial rebuild lists every deck)."""
    nb = nbformat.read(path, as_version=4)
    return Deck(
        stem=path.stem,
        title=title_of(nb, path.stem),
        path=out / f"{path.stem}.slides.html",
        slides=count_slides(nb),
        notes=slide_types(nb).count("notes"),
        panel_notes=0,
        static_panels=0,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="notebook stems or numbers (default: all)")
    parser.add_argument("--notebooks", type=Path, default=ROOT / "notebooks")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "slides")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    decks = build(args.notebooks, args.out, args.names)
    for d in decks:
        flag = "" if DECK_LENGTH[0] <= d.slides <= DECK_LENGTH[1] else f"  (outside {DECK_LENGTH[0]}-{DECK_LENGTH[1]})"
        panels = f", {d.static_panels} static widget outputs" if d.static_panels else ""
        panels += f", {d.panel_notes} panels without stored state (shown as a note)" if d.panel_notes else ""
        print(f"{d.path.relative_to(args.out.parent) if args.out.parent in d.path.parents else d.path}: {d.slides} slides, {d.notes} notes{panels}{flag}")
    print(f"{len(decks)} decks and {args.out / 'index.html'} in {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
