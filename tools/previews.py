"""The README's course-map previews: one stored full-mode figure of each notebook.

For each ``notebooks/NN_name.ipynb`` the figure of the cell tagged ``preview`` (the first
figure of the notebook when no cell is tagged), shrunk to fit ``SIZE`` and written to
``docs/previews/NN_name.png``. ``make previews`` runs it (``make notebooks`` does too), and
tests/notebooks/test_previews.py checks that every preview is the figure its notebook stores.

Usage: ``python tools/previews.py [names...]``
"""

from __future__ import annotations

import base64
import io
import sys
from pathlib import Path

import nbformat
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
PREVIEWS = ROOT / "docs" / "previews"
SIZE = (480, 220)


def _figures(cell) -> list[bytes]:
    out = []
    for o in cell.get("outputs", []):
        data = o.get("data", {})
        for key in ("image/png", "image/jpeg"):
            if key in data:
                out.append(base64.b64decode(data[key]))
                break
    return out


def preview_figure(path: Path) -> Image.Image:
    """The preview of notebook ``path``: its ``preview``-tagged figure (else its first), as
    an RGB image that fits ``SIZE``."""
    nb = nbformat.read(path, as_version=4)
    cells = [c for c in nb.cells if c.cell_type == "code"]
    tagged = [c for c in cells if "preview" in c.metadata.get("tags", []) and _figures(c)]
    figures = _figures(tagged[0]) if tagged else [f for c in cells for f in _figures(c)]
    if not figures:
        raise ValueError(f"{path.name} stores no figure: run `make notebooks` first")
    img = Image.open(io.BytesIO(figures[0])).convert("RGB")
    img.thumbnail(SIZE, Image.Resampling.LANCZOS)
    return img


def write_previews(names: list[str] | None = None) -> list[Path]:
    PREVIEWS.mkdir(parents=True, exist_ok=True)
    written = []
    for path in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")):
        if names and path.stem not in names:
            continue
        out = PREVIEWS / f"{path.stem}.png"
        preview_figure(path).save(out, optimize=True)
        written.append(out)
    return written


if __name__ == "__main__":
    for p in write_previews(sys.argv[1:] or None):
        print(f"wrote {p.relative_to(ROOT)}")
