"""The bundled photographs: every file of data/ credited, the credit line, the hand-drawn
object boxes (they hold their objects for the offline model) and their mapping through
``Classifier.preprocess``, checked by hand on synthetic images."""

from __future__ import annotations

import fnmatch
import json
import tomllib
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

import cnnviz_lab as cv
from cnnviz_lab.images.credits import credits_markdown, file_credits, OTHER_FILES
from cnnviz_lab.images.loading import DATA_DIR, SAMPLES

ROOT = Path(__file__).resolve().parents[2]
CC_BY = "https://creativecommons.org/licenses/by/2.0/"


def _data_files() -> list[str]:
    return sorted(p.relative_to(DATA_DIR).as_posix() for p in DATA_DIR.rglob("*") if p.is_file())


# --- credits ------------------------------------------------------------------------------
def test_every_file_in_data_is_credited_or_described():
    credits = file_credits()
    for name in _data_files():
        if name.endswith((".png", ".jpg")):
            assert name in credits, f"data/{name} has no entry in data/credits.json"
        else:
            assert name in OTHER_FILES, f"data/{name} is neither an image with a credit nor a described file"
    assert not set(credits) - set(_data_files()), "credits.json names files that are not in data/"
    assert not set(OTHER_FILES) - set(_data_files())
    for file in SAMPLES.values():
        assert file in credits


def test_each_credit_has_author_licence_source_and_changes():
    for file, r in file_credits().items():
        assert r["author"] and r["licence"] and r["title"] and r["via"], file
        assert r["kind"] in ("photo", "collage", "texture"), file
        if r["licence"].startswith("CC"):
            assert r["licence_url"].startswith("https://creativecommons.org/"), file
        if r["licence"] == "CC BY 2.0":
            assert r["licence_url"] == CC_BY and r["source"] and "resized" in r["changed"], file
        if r["sample"] is not None:
            assert SAMPLES[r["sample"]] == file
    assert file_credits()["drums_and_guitar.jpg"]["author"] == "Tom Harpel"


def test_credits_md_is_written_from_the_credits():
    text = (DATA_DIR / "CREDITS.md").read_text(encoding="utf-8")
    assert text == credits_markdown(), "data/CREDITS.md is stale: run python tools/make_credits.py"
    for name in _data_files():
        assert f"`{name}`" in text
    for r in file_credits().values():
        assert r["author"] in text and (r["source"] is None or r["source"] in text)
    assert not (DATA_DIR / "LICENSE.md").exists()


def test_the_package_ships_every_data_file():
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["cnnviz_lab.data"]
    for name in _data_files():
        assert any(fnmatch.fnmatch(name, p) and ("/" in p) == ("/" in name) for p in patterns), f"data/{name} is not in pyproject's package-data {patterns}"


def test_credit_line_names_author_licence_and_change():
    line = cv.credit("drums_and_guitar")
    assert "\n" not in line and "Tom Harpel" in line and f"[CC BY 2.0]({CC_BY})" in line
    assert "changed: resized" in line
    assert "(https://commons.wikimedia.org/wiki/File:Onalaska-Practice6.jpg)" in line
    assert cv.credit("drums_and_guitar.jpg") == line  # a file of data/ works too
    html = cv.credit("bee_on_flower", "html")
    assert f'<a href="{CC_BY}">CC BY 2.0</a>' in html and "aussiegall" in html and "[" not in html
    text = cv.credit("giant_panda", format="text")
    assert "Jeff Kubina" in text and "public domain" in text and "](" not in text
    assert cv.credit("cat").startswith("Photo: ") and "CC0 1.0" in cv.credit("cat")
    assert cv.credit("cat_and_coffee").startswith("Collage: ")
    for name in cv.sample_images():
        assert cv.credit(name).endswith(".")


@pytest.mark.parametrize(
    "call, error, words",
    [
        (lambda: cv.credit("guitar"), ValueError, "drums_and_guitar"),
        (lambda: cv.credit(3), TypeError, "name"),
        (lambda: cv.credit("cat", "latex"), ValueError, "format"),
    ],
)
def test_credit_answers_bad_input(call, error, words):
    with pytest.raises(error, match=words):
        call()


# --- boxes through the preprocessing, checked by hand ----------------------------------
@pytest.mark.parametrize(
    "size, crop, image_size, box, expected",
    [
        # 300x200: shorter side 200 -> 256, so 384x256 (scale 1.28); the 224 crop starts at
        # x = (384 - 224) / 2 = 80, y = (256 - 224) / 2 = 16. x0 = 120 * 1.28 - 80 = 73.6 -> 73
        # (outwards), y0 = 50 * 1.28 - 16 = 48, x1 = 180 * 1.28 - 80 = 150.4 -> 151, y1 = 176.
        (None, True, (300, 200), (120, 50, 180, 150), (73, 48, 151, 176)),
        # size 112: resize to round(256 * 112 / 224) = 128, so 192x128 (scale 0.64), crop at
        # (40, 8): 120 * .64 - 40 = 36.8 -> 36, 50 * .64 - 8 = 24, 180 * .64 - 40 = 75.2 -> 76, 88.
        (112, True, (300, 200), (120, 50, 180, 150), (36, 24, 76, 88)),
        # portrait 200x300: 256x384, crop at (16, 80): 48, 73.6 -> 73, 176, 150.4 -> 151.
        (None, True, (200, 300), (50, 120, 150, 180), (48, 73, 176, 151)),
        # squeezed (crop=False) to 100x100: x / 3, y / 2.
        (100, False, (300, 200), (120, 50, 180, 150), (40, 25, 60, 75)),
        # a box running past the crop is clipped to it: (10 * 1.28 - 80 < 0) -> 0, 300 -> 224.
        (None, True, (300, 200), (10, 0, 300, 200), (0, 0, 224, 224)),
        # 333x250: the long side becomes int(256 * 333 / 250) = 340 (truncated, as torchvision
        # does), crop at (58, 16): 100 * 340 / 333 - 58 = 44.1 -> 44, 200 * 1.024 - 16 = 188.8
        # -> 188, 200 * 340 / 333 - 58 = 146.2 -> 147, 250 * 1.024 - 16 = 240 -> 224 (clipped).
        (None, True, (333, 250), (100, 200, 200, 250), (44, 188, 147, 224)),
    ],
)
def test_preprocess_boxes_by_hand(size, crop, image_size, box, expected):
    assert cv.preprocess_boxes([box], image_size, size, crop=crop) == [expected]


def test_a_box_cropped_away_is_dropped():
    # x1 = 30 * 1.28 - 80 < 0: the strip is outside the centre crop
    assert cv.preprocess_boxes([(0, 0, 30, 200), (120, 50, 180, 150)], (300, 200)) == [(73, 48, 151, 176)]


@pytest.mark.parametrize(
    "image_size, box, size, crop",
    [
        ((300, 200), (120, 50, 180, 150), None, True),
        ((200, 300), (50, 120, 150, 180), 160, True),
        ((333, 250), (100, 170, 200, 250), 96, True),
        ((640, 427), (213, 101, 377, 299), None, True),
        ((300, 200), (120, 50, 180, 150), 100, False),
    ],
)
def test_boxes_follow_the_real_preprocessing(lite, image_size, box, size, crop):
    """Paint a white box on black, run ``clf.preprocess``: the pixels that stay brighter than
    half lie inside the mapped box and reach within one pixel of each of its edges."""
    w, h = image_size
    canvas = np.zeros((h, w, 3), np.uint8)
    x0, y0, x1, y1 = box
    canvas[y0:y1, x0:x1] = 255
    x = lite.preprocess(Image.fromarray(canvas), size=size, crop=crop)
    bright = lite.to_unit(x)[0].mean(0) > 0.5
    rows, cols = torch.nonzero(bright, as_tuple=True)
    ((bx0, by0, bx1, by1),) = cv.preprocess_boxes([box], image_size, size, crop=crop, model=lite)
    assert bx0 <= int(cols.min()) <= bx0 + 1 and bx1 - 2 <= int(cols.max()) <= bx1 - 1
    assert by0 <= int(rows.min()) <= by0 + 1 and by1 - 2 <= int(rows.max()) <= by1 - 1


def test_sample_boxes_map_the_stored_boxes():
    table = json.loads((DATA_DIR / "boxes.json").read_text())
    assert set(cv.boxed_samples()) == set(table) and "drums_and_guitar" in table
    for name, entry in table.items():
        assert tuple(entry["size"]) == cv.sample_image(name).size, name
        original = cv.sample_boxes(name, original=True)
        assert original == {k: [tuple(b) for b in v] for k, v in entry["objects"].items()}
        for size, crop in ((None, True), (96, True), (128, False)):
            mapped = cv.sample_boxes(name, size, crop=crop)
            assert mapped == {k: cv.preprocess_boxes(v, entry["size"], size, crop=crop) for k, v in original.items()}
    # the guitar body (572, 338, 912, 768) of the 1024x768 photo: scale 1/3, crop at (58, 16)
    assert cv.sample_boxes("drums_and_guitar")["electric guitar"][1] == (132, 96, 224, 224)


def test_sample_boxes_feed_the_pointing_game_and_energy():
    boxes = cv.sample_boxes("owl_on_branch")["great grey owl"]
    x0, y0, x1, y1 = boxes[0]
    peak = torch.zeros(224, 224)
    peak[(y0 + y1) // 2, (x0 + x1) // 2] = 1
    assert bool(cv.pointing_game(peak, boxes)) and not bool(cv.pointing_game(peak.flip(-1).flip(-2), boxes))
    assert float(cv.energy_in_box(peak, boxes[0])) == 1.0


@pytest.mark.parametrize(
    "call, error, words",
    [
        (lambda: cv.sample_boxes("drum"), ValueError, "drums_and_guitar"),
        (lambda: cv.sample_boxes(7), TypeError, "name"),
        (lambda: cv.sample_boxes("colorful_cups"), ValueError, "no object boxes"),
        (lambda: cv.sample_boxes("drums_and_guitar", 0), ValueError, "size"),
        (lambda: cv.sample_boxes("drums_and_guitar", 2.5), TypeError, "size"),
        (lambda: cv.sample_boxes("drums_and_guitar", "224"), TypeError, "size"),
        (lambda: cv.sample_boxes("drums_and_guitar", crop="no"), TypeError, "crop"),
        (lambda: cv.sample_boxes("drums_and_guitar", model="lite0"), TypeError, "model"),
        (lambda: cv.sample_boxes("drums_and_guitar", 96, original=True), TypeError, "original"),
        (lambda: cv.preprocess_boxes([(0, 0, 400, 10)], (300, 200)), ValueError, "boxes"),
        (lambda: cv.preprocess_boxes([(5, 0, 5, 10)], (300, 200)), ValueError, "boxes"),
        (lambda: cv.preprocess_boxes([(0, 0, 10)], (300, 200)), ValueError, "boxes"),
        (lambda: cv.preprocess_boxes([(0, 0, 10, float("nan"))], (300, 200)), ValueError, "boxes"),
        (lambda: cv.preprocess_boxes("0 0 10 10", (300, 200)), TypeError, "boxes"),
        (lambda: cv.preprocess_boxes([(0, 0, 10, 10)], 300), TypeError, "image_size"),
        (lambda: cv.preprocess_boxes([(0, 0, 10, 10)], (300, 0)), ValueError, "image_size"),
    ],
)
def test_boxes_answer_bad_input(call, error, words):
    with pytest.raises(error, match=words):
        call()


# --- each box holds its object ----------------------------------------------------------
BOXED = [
    (name, label) for name in json.loads((DATA_DIR / "boxes.json").read_text()) for label in json.loads((DATA_DIR / "boxes.json").read_text())[name]["objects"]
]


def _mask(boxes, side: int) -> torch.Tensor:
    m = torch.zeros(side, side, dtype=torch.bool)
    for x0, y0, x1, y1 in boxes:
        m[y0:y1, x0:x1] = True
    return m


def _controls(union: torch.Tensor, boxes, side: int) -> list[torch.Tensor]:
    """Boxes the size of the object's bounding box, flush with each border of the image,
    that do not overlap the object; where none fits, everything outside the object."""
    x0, y0 = min(b[0] for b in boxes), min(b[1] for b in boxes)
    x1, y1 = max(b[2] for b in boxes), max(b[3] for b in boxes)
    w, h = x1 - x0, y1 - y0
    moved = [(0, y0, w, y1), (side - w, y0, side, y1), (x0, 0, x1, h), (x0, side - h, x1, side)]
    out = [m for m in (_mask([b], side) for b in moved) if not (m & union).any()]
    if not out and (~union).any():
        out = [~union]
    return out


@pytest.mark.parametrize("name, label", BOXED)
def test_each_box_holds_its_object(lite, name, label):
    """Occluding the boxes (mean fill) takes most of the class's probability; occluding a box
    of the same size elsewhere (or, for an object too big to leave room for one, all the
    rest of the image) takes much less. The labels are classes of Lite0's top-5."""
    x = lite.preprocess(cv.sample_image(name))
    c = lite.class_index(label)
    top5 = [i for i, _, _ in lite.predict(x, k=5)]
    assert c in top5, f"{label} is not in Lite0's top-5 of {name}"
    boxes = cv.sample_boxes(name)[label]
    union = _mask(boxes, x.shape[-1])
    fill = x.mean(dim=(2, 3), keepdim=True)

    def prob(mask: torch.Tensor) -> float:
        with torch.no_grad():
            return float(lite.model(torch.where(mask, fill, x)).softmax(-1)[0, c])

    p0 = prob(torch.zeros_like(union))
    drop = p0 - prob(union)
    assert drop > 0.5 * p0, f"{name}/{label}: occluding the box only lowers {p0:.3f} by {drop:.3f}"
    controls = _controls(union, boxes, x.shape[-1])
    if not controls:  # the box is the whole crop: nothing else to occlude
        assert bool(union.all())
    for m in controls:
        assert p0 - prob(m) < 0.25 * drop, f"{name}/{label}: occluding elsewhere lowers it as much"
