"""The README's course-map previews are the stored full-mode figures of the notebooks."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

import previews  # noqa: E402

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_each_preview_is_its_notebooks_stored_figure(path):
    stored = ROOT / "docs" / "previews" / f"{path.stem}.png"
    assert stored.exists(), f"no preview for {path.name}: run `make previews`"
    expected = np.asarray(previews.preview_figure(path))
    assert np.array_equal(np.asarray(Image.open(stored).convert("RGB")), expected), \
        f"{stored.name} is not the figure {path.name} stores: run `make previews`"


def test_the_readme_course_map_shows_every_preview():
    readme = (ROOT / "README.md").read_text()
    for path in NOTEBOOKS:
        assert f"](docs/previews/{path.stem}.png)" in readme, path.stem
