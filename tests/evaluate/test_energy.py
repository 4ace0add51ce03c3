import pytest
import torch

import cnnviz_lab as cv


def test_energy_in_box_by_hand():
    m = torch.zeros(4, 4)
    m[0, 0], m[3, 3], m[1, 1] = 3.0, 1.0, -5.0  # the negative value is clipped for maps
    assert cv.energy_in_box(m, (0, 0, 2, 2)).item() == pytest.approx(0.75)
    g = torch.zeros(3, 4, 4)
    g[0, 1, 1], g[2, 3, 3] = -2.0, 2.0  # gradients: absolute values, summed over channels
    assert cv.energy_in_box(g, (0, 0, 2, 2)).item() == pytest.approx(0.5)
    assert cv.energy_in_box(torch.zeros(2, 5, 4, 4), (0, 0, 4, 4)).tolist() == [[0.0] * 5] * 2
    assert cv.energy_in_box(torch.ones(2, 4, 4), (0, 0, 4, 2)).tolist() == [0.5, 0.5]
    with pytest.raises(ValueError, match="not inside"):
        cv.energy_in_box(m, (0, 0, 5, 2))


def test_energy_in_boxes_counts_the_union_once():
    m = torch.zeros(4, 4)
    m[0, 0], m[1, 1], m[3, 3], m[2, 0] = 2.0, 1.0, 1.0, -4.0  # the negative value is clipped
    # two overlapping boxes: (1, 1) lies in both and counts once: (2 + 1) / 4
    assert cv.energy_in_boxes(m, [(0, 0, 2, 2), (1, 1, 3, 3)]).item() == pytest.approx(0.75)
    # one box gives what energy_in_box gives
    maps = torch.rand(2, 3, 4, 4, generator=torch.Generator().manual_seed(0))
    assert torch.allclose(cv.energy_in_boxes(maps, [(1, 0, 3, 4)]), cv.energy_in_box(maps, (1, 0, 3, 4)))
    g = torch.zeros(3, 4, 4)
    g[0, 0, 0], g[1, 3, 3] = -1.0, 3.0  # gradients: absolute values summed over channels
    assert cv.energy_in_boxes(g, [(0, 0, 1, 1), (3, 3, 4, 4)]).item() == pytest.approx(1.0)
    assert cv.energy_in_boxes(torch.zeros(4, 4), [(0, 0, 2, 2)]).item() == 0.0
    before = m.clone()
    with pytest.raises(ValueError, match=r"boxes\[1\].*not inside"):
        cv.energy_in_boxes(m, [(0, 0, 2, 2), (0, 0, 5, 2)])
    with pytest.raises(TypeError, match="boxes must be"):
        cv.energy_in_boxes(m, (0, 0, 2, 2))  # one box, not a list of boxes
    with pytest.raises(TypeError, match="boxes must be"):
        cv.energy_in_boxes(m, [])
    with pytest.raises(TypeError, match="attribution"):
        cv.energy_in_boxes(m.numpy(), [(0, 0, 2, 2)])
    assert torch.equal(m, before)
