"""pointing_outcome and peak_box: the pointing game with three answers (hit, miss, split)
and which named box holds the maximum, on hand-built maps and on upsampled 7x7 maps."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

import cnnviz_lab as cv
from cnnviz_lab.evaluate import peak_box, pointing_outcome


def upsampled(cells: torch.Tensor, size: int = 224) -> torch.Tensor:
    """A (h, w) map upsampled as the CAM methods do (bilinear, align_corners=False)."""
    return F.interpolate(cells[None, None], size=(size, size), mode="bilinear", align_corners=False)[0, 0]


def test_a_single_maximum_inside_or_outside_a_box():
    m = torch.zeros(10, 10)
    m[3, 5] = 1.0  # row 3, column 5
    assert pointing_outcome(m, [(5, 3, 6, 4)]) == ["hit"]
    assert pointing_outcome(m, [(6, 3, 9, 9)]) == ["miss"]  # column 5 is left of x0 = 6
    assert pointing_outcome(m, [(6, 3, 9, 9)], tolerance=1) == ["hit"]  # the centre (5.5, 3.5) is 0.5 px from x0
    assert pointing_outcome(m, [(0, 0, 2, 2), (4, 2, 7, 5)]) == ["hit"]  # any of the boxes
    assert pointing_outcome(m, [[]]) == ["miss"]  # no box, no hit


def test_a_plateau_across_a_box_edge_is_split():
    m = torch.zeros(8, 8)
    m[2, 1:5] = 3.0  # columns 1 to 4 share the maximum
    assert pointing_outcome(m, [(3, 0, 8, 8)]) == ["split"]  # columns 3 and 4 inside, 1 and 2 outside
    assert pointing_outcome(m, [(0, 0, 3, 8)]) == ["split"]  # the other side of the same edge
    assert pointing_outcome(m, [(1, 2, 5, 3)]) == ["hit"]  # the whole plateau
    assert pointing_outcome(m, [(5, 0, 8, 8)]) == ["miss"]
    # the two-valued game: a split is no hit on either side
    assert not cv.pointing_game(m, [(3, 0, 8, 8)]) and not cv.pointing_game(m, [(0, 0, 3, 8)])


def test_near_ties_within_rtol_share_the_maximum():
    m = torch.zeros(6, 6)
    m[1, 1] = 1.0  # in the box
    m[4, 4] = 1.0 - 1e-7  # outside, within 1e-6 of the maximum
    box = [(0, 0, 3, 3)]
    assert pointing_outcome(m, box) == ["split"]
    assert pointing_outcome(m, box, rtol=0) == ["hit"]  # exact equality: only (1, 1)
    assert pointing_outcome(m, box, rtol=1e-8) == ["hit"]  # 1e-7 is beyond 1e-8 of max|m| = 1
    assert pointing_game(m, box, rtol=1e-6) is False and pointing_game(m, box) is True
    m[4, 4] = 1.0 - 1e-3  # beyond the default rtol
    assert pointing_outcome(m, box) == ["hit"]
    # rtol is relative to max|m|: a large negative value widens the band
    n = m.clone()
    n[5, 0] = -1e4
    n[4, 4] = 1.0 - 1e-3
    assert pointing_outcome(n, box, rtol=1e-6) == ["split"]  # 1e-3 <= 1e-6 * 1e4


def pointing_game(m, boxes, **kw) -> bool:
    return bool(cv.pointing_game(m, boxes, **kw)[0])


def test_a_constant_map_is_split_unless_the_boxes_cover_it():
    for value in (0.0, 2.5, -1.0):
        flat = torch.full((6, 6), value)
        assert pointing_outcome(flat, [(0, 0, 3, 6)]) == ["split"]
        assert pointing_outcome(flat, [(0, 0, 6, 6)]) == ["hit"]
        assert peak_box(flat, {"left": [(0, 0, 3, 6)], "right": [(3, 0, 6, 6)]}) == ["split"]


def test_an_upsampled_7x7_map_whose_maximal_cell_lies_in_the_border_strip():
    cells = torch.linspace(0.1, 0.8, 49).view(7, 7).flip(0)
    cells[1, 0] = 1.0  # column 0, row 1: its cell covers x = 0 to 31, y = 32 to 63
    m = upsampled(cells)
    ys, xs = torch.nonzero(m >= m.max() - 1e-6 * m.abs().max(), as_tuple=True)
    # bilinear upsampling copies column 0 into the 16-pixel border strip: a flat run of maximal pixels
    assert xs.tolist() == list(range(16)) and set(ys.tolist()) == {47}
    drum_kit = [(10, 4, 165, 84)]  # its left edge cuts the strip at x = 10
    assert pointing_outcome(m, drum_kit) == ["split"] == pointing_outcome(m, drum_kit, grid=7)
    assert not pointing_game(m, drum_kit) and not pointing_game(m, [(0, 0, 10, 224)])
    assert pointing_outcome(m, [(0, 0, 16, 224)]) == ["hit"]  # the strip, but not its whole cell:
    assert pointing_outcome(m, [(0, 0, 16, 224)], grid=7) == ["split"]
    assert pointing_outcome(m, [(0, 32, 32, 64)], grid=7) == ["hit"]
    assert peak_box(m, {"guitar": [(132, 96, 224, 224)], "drum kit": drum_kit}) == ["split"]


def test_grid_reads_an_interior_maximum_as_its_cell():
    cells = torch.zeros(7, 7)
    cells[5, 4], cells[5, 5] = 1.0, 0.5  # column 4 (x = 128 to 159), row 5; its right neighbour next
    m = upsampled(cells)
    ys, xs = torch.nonzero(m == m.max(), as_tuple=True)
    assert (xs.tolist(), ys.tolist()) == ([144, 144], [175, 176])  # right of the cell's centre line x = 144
    drums = [(11, 77, 143, 208)]  # the right edge x = 143 crosses the cell
    assert pointing_outcome(m, drums) == ["miss"]  # the pixel lies right of the edge
    assert pointing_outcome(m, drums, grid=7) == ["split"]  # the cell straddles it
    assert pointing_outcome(m, drums, grid=(7, 7), tolerance=2) == ["split"]
    assert pointing_outcome(m, [(128, 160, 160, 192)], grid=7) == ["hit"]
    assert pointing_outcome(m, [(0, 0, 100, 224)], grid=7) == ["miss"]
    assert peak_box(m, {"guitar": [(132, 96, 224, 224)], "drum kit": drums}) == ["guitar"]
    assert peak_box(m, {"guitar": [(132, 96, 224, 224)], "drum kit": drums}, grid=7) == ["split"]


@pytest.mark.parametrize("rtol", [0.0, 1e-6, 0.05, 0.3])
def test_the_pointing_game_is_the_outcome_hit(rtol):
    gen = torch.Generator().manual_seed(0)
    maps = torch.randint(0, 6, (60, 6, 7), generator=gen).float() + 1e-7 * torch.rand(60, 6, 7, generator=gen)  # ties and near-ties
    boxes = []
    for _ in range(60):
        x0, y0 = torch.randint(0, 4, (2,), generator=gen).tolist()
        boxes.append([(x0, y0, x0 + 4, y0 + 3)])
    outcome = pointing_outcome(maps, boxes, rtol=rtol)
    assert cv.pointing_game(maps, boxes, rtol=rtol).tolist() == [o == "hit" for o in outcome]
    assert {"hit", "miss", "split"} <= set(pointing_outcome(maps, boxes))  # all three occur
    # with tolerance too
    outcome = pointing_outcome(maps, boxes, rtol=rtol, tolerance=1.5)
    assert cv.pointing_game(maps, boxes, rtol=rtol, tolerance=1.5).tolist() == [o == "hit" for o in outcome]


def test_pointing_game_keeps_exact_ties_by_default():
    m = torch.zeros(4, 4)
    m[0, 0], m[3, 3] = 1.0, 1.0 - 1e-7
    assert pointing_game(m, [(0, 0, 1, 1)])  # rtol = 0: (3, 3) is not maximal
    assert not pointing_game(m, [(0, 0, 1, 1)], rtol=1e-6)


def test_a_batch_is_its_images_one_by_one():
    gen = torch.Generator().manual_seed(1)
    maps = torch.randint(0, 3, (5, 3, 8, 8), generator=gen).float()
    boxes = [[(0, 0, 4, 4)], [(2, 2, 8, 8), (0, 6, 2, 8)], [], [(0, 0, 8, 8)], [(3, 0, 5, 8)]]
    named = {"a": boxes, "b": [[(4, 4, 8, 8)]] * 5}
    for kw in ({}, {"grid": 4}, {"tolerance": 1.0, "reduce": "absmax"}):
        batch = pointing_outcome(maps, boxes, **kw)
        assert batch == [pointing_outcome(maps[i : i + 1], boxes[i : i + 1], **kw)[0] for i in range(5)]
        peaks = peak_box(maps, named, **kw)
        assert peaks == [peak_box(maps[i : i + 1], {k: v[i : i + 1] for k, v in named.items()}, **kw)[0] for i in range(5)]


def test_channels_are_reduced_as_in_the_pointing_game():
    g = torch.zeros(1, 3, 5, 5)
    g[0, 0, 1, 1], g[0, 1, 1, 1] = 2.0, -3.0  # sum -1 at (1, 1), abssum 5
    g[0, 2, 4, 4] = 1.5
    assert pointing_outcome(g, [(1, 1, 2, 2)]) == ["miss"]  # reduce="sum": (4, 4) is the maximum
    assert pointing_outcome(g, [(1, 1, 2, 2)], reduce="abssum") == ["hit"]


def test_peak_box_names_the_box_that_holds_the_maximum():
    m = torch.zeros(2, 10, 10)
    m[0, 2, 2] = 1.0
    m[1, 8, 8] = 1.0
    named = {"left": [[(0, 0, 5, 10)], [(0, 0, 5, 10)]], "right": [[(5, 0, 10, 10)], [(5, 0, 10, 10)]]}
    assert peak_box(m, named) == ["left", "right"]
    assert peak_box(m, {"wide": [[(0, 0, 10, 10)]] * 2, "left": [[(0, 0, 5, 10)]] * 2}) == ["wide and left", "wide"]  # overlapping boxes
    assert peak_box(m, {"top": [[(0, 0, 10, 1)]] * 2, "corner": [[(9, 9, 10, 10)]] * 2}) == ["none", "none"]
    m[1, 8, 2] = 1.0  # a second maximum in the left half
    assert peak_box(m, named) == ["left", "split"]


def test_bad_input_raises_one_error_naming_the_argument():
    m = torch.rand(8, 8)
    box = [(0, 0, 4, 4)]
    cases = [
        (lambda: pointing_outcome(torch.rand(8), box), ValueError, "attribution"),
        (lambda: pointing_outcome(torch.rand(1, 1, 1, 8, 8), box), ValueError, "attribution"),
        (lambda: pointing_outcome("map", box), TypeError, "attribution"),
        (lambda: pointing_outcome(m.masked_fill(m > 0.5, math.nan), box), ValueError, "attribution"),
        (lambda: pointing_outcome(m.masked_fill(m > 0.5, math.inf), box), ValueError, "attribution"),
        (lambda: pointing_outcome(m, box, rtol=-1e-6), ValueError, "rtol"),
        (lambda: pointing_outcome(m, box, rtol="1e-6"), TypeError, "rtol"),
        (lambda: pointing_outcome(m, box, tolerance=-1), ValueError, "tolerance"),
        (lambda: pointing_outcome(m, box, grid=3), ValueError, "grid"),  # 8 is not a multiple of 3
        (lambda: pointing_outcome(m, box, grid=0), ValueError, "grid"),
        (lambda: pointing_outcome(m, box, grid=2.5), TypeError, "grid"),
        (lambda: pointing_outcome(m, box, reduce="max"), ValueError, "reduce"),
        (lambda: pointing_outcome(m, [(0, 0, 4)]), ValueError, "boxes"),
        (lambda: pointing_outcome(torch.rand(2, 8, 8), box), ValueError, "boxes"),
        (lambda: cv.pointing_game(m, box, rtol=-1), ValueError, "rtol"),
        (lambda: peak_box(m, [box]), TypeError, "named_boxes"),
        (lambda: peak_box(m, {}), TypeError, "named_boxes"),
        (lambda: peak_box(m, {3: box}), TypeError, "named_boxes"),
        (lambda: peak_box(m, {"a": "box"}), TypeError, "named_boxes['a']"),
        (lambda: peak_box(m, {"a": [(0, 0, 4)]}), ValueError, "named_boxes['a']"),
        (lambda: peak_box(m.masked_fill(m > 0.5, math.nan), {"a": box}), ValueError, "attribution"),
        (lambda: peak_box(m, {"a": box}, rtol=-1), ValueError, "rtol"),
    ]
    for call, kind, word in cases:
        with pytest.raises(kind) as err:
            call()
        assert word in str(err.value), str(err.value)


def test_inputs_are_not_modified():
    m = torch.rand(2, 3, 8, 8)
    m[0, :, 0, :] = 2.0
    m[1, 0, 0, 0] = math.nan  # the pointing game treats NaN as "never the maximum"
    boxes = [[(0, 0, 4, 4)], [(2, 2, 8, 8)]]
    named = {"a": [list(b) for b in boxes]}
    before, boxes_before, named_before = m.clone(), [list(b) for b in boxes], {"a": [list(b) for b in boxes]}
    cv.pointing_game(m, boxes, rtol=1e-3)
    pointing_outcome(m[:1], boxes[:1], grid=2)
    peak_box(m[:1], {"a": boxes[:1]}, grid=4)
    with pytest.raises(ValueError):
        pointing_outcome(m, boxes)  # the NaN
    assert torch.equal(m.nan_to_num(7.0), before.nan_to_num(7.0)) and boxes == boxes_before and named == named_before
