"""pointing_chance: the pointing game's hit rate for a maximum at a random pixel."""

from __future__ import annotations

import pytest
import torch

import cnnviz_lab as cv


def test_without_tolerance_it_is_the_boxes_share_of_the_image():
    assert cv.evaluate.pointing_chance(10, [(0, 0, 5, 10)]) == pytest.approx(0.5)
    assert cv.evaluate.pointing_chance((4, 8), [(0, 0, 2, 2), (1, 1, 3, 3)]) == pytest.approx(7 / 32)
    assert cv.evaluate.pointing_chance(6, [(0, 0, 6, 6)], tolerance=3) == 1.0


def test_it_is_the_hit_rate_of_one_hot_maps_in_the_pointing_game():
    size, boxes = (7, 9), [(2, 1, 4, 3), (6, 5, 8, 6)]
    hits = []
    for k in range(size[0] * size[1]):
        m = torch.zeros(size[0] * size[1])
        m[k] = 1.0
        hits.append(bool(cv.pointing_game(m.view(size), boxes, tolerance=1.5)[0]))
    assert cv.evaluate.pointing_chance(size, boxes, tolerance=1.5) == pytest.approx(sum(hits) / len(hits))
    assert 0 < sum(hits) < len(hits)


@pytest.mark.parametrize("size", [0, -3, (4,), (4, 4, 4), "big", 2.5, True])
def test_bad_size_is_one_value_error(size):
    with pytest.raises(ValueError, match="size"):
        cv.evaluate.pointing_chance(size, [(0, 0, 1, 1)])


def test_bad_boxes_and_tolerance_are_named():
    with pytest.raises((TypeError, ValueError), match="boxes"):
        cv.evaluate.pointing_chance(4, "box")
    with pytest.raises((TypeError, ValueError), match="tolerance"):
        cv.evaluate.pointing_chance(4, [(0, 0, 1, 1)], tolerance=-1)
