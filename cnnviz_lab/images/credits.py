"""Who made each bundled image, under which licence, and how to credit it.

``data/credits.json`` records, for every image file in ``data/``, its author, licence (with
a link to the licence text), source, how it reached us and what was changed. Several
photographs are CC BY 2.0, which asks for the author, a link to the licence and a note of
the changes wherever the image is shown: :func:`credit` writes that line (notebooks, the
gallery, slides and the site print it under a photo's first figure), and
:func:`credits_markdown` writes ``data/CREDITS.md`` (``python tools/make_credits.py``).
"""

from __future__ import annotations

import functools
import html
import json
from typing import Any

from ..core.errors import unknown_name
from .loading import DATA_DIR, SAMPLES

CREDITS_FILE = "credits.json"
FORMATS = ("markdown", "html", "text")

#: Files in ``data/`` that are not images, with what each is (listed in CREDITS.md).
OTHER_FILES = {
    "CREDITS.md": "this file (written by `tools/make_credits.py` from `credits.json`)",
    "credits.json": "the credits above, for the package (`cv.credit(name)`)",
    "boxes.json": "object boxes drawn by hand on the photos, in each photo's own pixels "
    "(`cv.sample_boxes(name)`); written for this package, same licence as the code",
    "licenses/LGPL-3.0.txt": "the GNU LGPL version 3, the licence of `colorful_cups.jpg`",
    "licenses/GPL-3.0.txt": "the GNU GPL version 3, which the LGPL version 3 builds on",
}


@functools.lru_cache(maxsize=1)
def file_credits() -> dict[str, dict[str, Any]]:
    """``{file name: credit record}`` for every image in ``data/``. A record has ``sample``
    (the name :func:`~cnnviz_lab.sample_image` takes, or None), ``kind`` (photo, collage,
    texture), ``shows``, ``title``, ``author``, ``licence``, ``licence_url`` (None for public
    domain), ``source`` (URL or None), ``via`` (the package or script it came from),
    ``credit_text`` (the credit written next to it there, verbatim) and ``changed``."""
    with open(DATA_DIR / CREDITS_FILE, encoding="utf-8") as f:
        return json.load(f)


def _record(name: str) -> dict[str, Any]:
    if not isinstance(name, str):
        raise TypeError(f"name: a sample image is named by a string, got {type(name).__name__}")
    table = file_credits()
    if name in table:
        return table[name]
    if name in SAMPLES and SAMPLES[name] in table:
        return table[SAMPLES[name]]
    raise unknown_name("sample image", name, list(SAMPLES) + list(table), f"name: a sample name ({', '.join(SAMPLES)}) or a file of data/")


def credit(name: str, format: str = "markdown") -> str:
    """One line crediting a bundled image (a sample name such as ``"drums_and_guitar"``, or a
    file of ``data/``): what it is, its author, its licence (linked for CC licences) and
    what was changed, e.g. ``Photo: "Onalaska-Practice6" by Tom Harpel, CC BY 2.0;
    changed: resized and re-encoded as JPEG`` with links to the source and the licence.

    ``format``: ``"markdown"`` (default; notebooks, slides), ``"html"`` (the gallery page,
    the site) or ``"text"`` (URLs in parentheses). CC BY 2.0 requires this credit wherever
    the image is shown (https://creativecommons.org/licenses/by/2.0/).
    """
    if format not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(repr(f) for f in FORMATS)}, got {format!r}")
    r = _record(name)
    lead = {"photo": "Photo", "collage": "Collage", "texture": "Texture"}[r["kind"]]

    def link(text: str, url: str | None) -> str:
        if format == "html":
            t = html.escape(text)
            return f'<a href="{html.escape(url)}">{t}</a>' if url else t
        if format == "markdown":
            return f"[{text}]({url})" if url else text
        return f"{text} ({url})" if url else text

    def plain(text: str) -> str:
        return html.escape(text) if format == "html" else text

    title = link(f"\u201c{r['title']}\u201d", r["source"])
    parts = [f"{lead}: {title} by {plain(r['author'])}", link(r["licence"], r["licence_url"])]
    line = ", ".join(parts)
    if r["changed"]:
        line += f"; changed: {plain(r['changed'])}"
    return line + "."


def credits_markdown() -> str:
    """The text of ``data/CREDITS.md``: a table of every file of ``data/`` and, per image,
    author, licence, source, provenance, the credit written beside it and the changes."""
    table = file_credits()
    rows = []
    for file, r in table.items():
        lic = f"[{r['licence']}]({r['licence_url']})" if r["licence_url"] else r["licence"]
        sample = f"`{r['sample']}`" if r["sample"] else "(not a sample)"
        src = f"[source]({r['source']})" if r["source"] else "no URL recorded"
        rows.append(f"| `{file}` | {sample} | {r['shows']} | {r['author']} | {lic} | {src} | {r['changed'] or 'unchanged'} |")
    details = []
    for file, r in table.items():
        lines = [
            f"### {file}",
            "",
            f"- Shows: {r['shows']}.",
            f"- Title: {r['title']}",
            f"- Author: {r['author']}",
            f"- Licence: {r['licence']}" + (f" ({r['licence_url']})" if r["licence_url"] else ""),
            f"- Source: {r['source'] or 'none recorded'}",
            f"- Came from: {r['via']}",
            f"- Changed: {r['changed'] or 'nothing (a byte-for-byte copy of the pixels)'}",
            f"- Credit line (`cv.credit`): {credit(file)}",
        ]
        if r["credit_text"]:
            lines += ["- Credit written beside it in the package (verbatim):", "", "```", r["credit_text"], "```"]
        details.append("\n".join(lines))
    others = "\n".join(f"| `{f}` | {what} |" for f, what in OTHER_FILES.items())
    return "\n".join(
        [
            "# Credits of the files in data/",
            "",
            "Every image in this folder, who made it, its licence and where it came from. The real",
            "photographs come from Wikimedia Commons by way of the GCompris educational suite (Debian",
            "package `gcompris-qt-data` 3.1-2, whose per-folder README names the author, licence and",
            "Commons page of each photo) and from the KDE Plasma wallpapers (Debian package",
            "`plasma-workspace-wallpapers`); the others from scikit-image's data folder. Each of those",
            "packaged photographs was decoded, converted to RGB, shrunk with Lanczos so that its longer",
            "side is at most 1024 px (never upscaled, never cropped by us) and saved as JPEG quality 92;",
            "GCompris had already resized the Commons originals (and cropped and sharpened some, noted",
            "per file). The scikit-image files are copied unchanged.",
            "",
            "**CC BY 2.0** (`drums_and_guitar.jpg`, `bee_on_flower.jpg`) asks for the author, a link to",
            "the licence and a note of the changes wherever the image is shown: `cv.credit(name)` gives",
            "that line, and the course prints it under each photo's first figure. **LGPLv3**",
            "(`colorful_cups.jpg`): the licence texts are in `licenses/`. Public domain and CC0 images",
            "need no credit; we give it anyway.",
            "",
            "Doubts checked: (1) Debian's `copyright` file of `gcompris-qt-data` is out of date for",
            "these photos; its stanza for an older `panda.jpg` names a different photo (Aaron Logan,",
            "CC BY 1.0). The README beside the current `panda.webp` names Jeff Kubina, public domain,",
            "`File:Giant_Panda_2004-03-2.jpg`, and that is what `giant_panda.jpg` is credited with.",
            "(2) The wallpaper's `metadata.json` says LGPLv3 while Debian's `copyright` says",
            "`Files: *` GPL-2+. Both are free licences that allow redistribution with the licence",
            "text; we credit the author and the licence written next to the image (LGPLv3) and ship",
            "its text. Neither doubt stops redistribution, so both photos are included.",
            "",
            "| file | sample name | shows | author | licence | source | changed |",
            "|---|---|---|---|---|---|---|",
            *rows,
            "",
            "Other files:",
            "",
            "| file | what |",
            "|---|---|",
            others,
            "",
            "## Per file",
            "",
            "\n\n".join(details),
            "",
        ]
    )


__all__ = ["credit", "credits_markdown", "file_credits"]
