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
