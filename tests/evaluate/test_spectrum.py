"""period_share: the share of a map's spectral energy at one period, by hand on pure waves."""

from __future__ import annotations

import math

import pytest
import torch

import cnnviz_lab as cv


def _waves(h: int = 16, w: int = 16) -> tuple[torch.Tensor, torch.Tensor]:
    ys, xs = torch.meshgrid(torch.arange(h, dtype=torch.float64), torch.arange(w, dtype=torch.float64), indexing="ij")
    return torch.cos(2 * math.pi * xs / 4), torch.cos(math.pi * ys)  # period 4 along x, period 2 along y


def test_pure_waves_by_hand():
    stripes, rows = _waves()
    one = stripes[None, None]
    assert cv.evaluate.period_share(one, 4, axis="x").item() == pytest.approx(1.0)
    assert cv.evaluate.period_share(one, 4, axis="y").item() == pytest.approx(0.0, abs=1e-12)
    assert cv.evaluate.period_share(one, 2, axis="x").item() == pytest.approx(0.0, abs=1e-12)
    # mean squares: 1/2 for the period-4 cosine, 1 for (-1)^y, so the energies are 1/3 and 2/3
    both = (stripes + rows)[None, None]
    assert cv.evaluate.period_share(both, 4, axis="x").item() == pytest.approx(1 / 3)
    assert cv.evaluate.period_share(both, 2, axis="y").item() == pytest.approx(2 / 3)
    assert cv.evaluate.period_share(both, 4, axis="either").item() == pytest.approx(1 / 3)
    # a lattice with both periods lies on both lines and is counted once by "either"
    lattice = (stripes * rows)[None, None]
    assert cv.evaluate.period_share(lattice, 4, axis="x").item() == pytest.approx(1.0)
    assert cv.evaluate.period_share(lattice, 2, axis="y").item() == pytest.approx(1.0)


def test_channels_are_summed_scale_and_constant():
    stripes, rows = _waves()
    maps = torch.stack([torch.stack([stripes, rows]), torch.stack([10 * stripes, 10 * rows])]).float()
    share = cv.evaluate.period_share(maps, 4)  # (N,) = (2,)
    assert share.shape == (2,) and torch.allclose(share, torch.tensor([1 / 3, 1 / 3]))  # energies 1/2 and 1
    assert cv.evaluate.period_share(maps[0], 4).shape == (1,)
    assert cv.evaluate.period_share(torch.full((1, 1, 8, 8), 3.0), 2).item() == 0.0
    before = maps.clone()
    cv.evaluate.period_share(maps, 2, axis="either")
    assert torch.equal(maps, before)


def test_bad_input_is_refused_by_name():
    m = torch.rand(1, 1, 12, 8)
    with pytest.raises(ValueError, match="period must divide the map's width"):
        cv.evaluate.period_share(m, 3)
    with pytest.raises(ValueError, match="period must divide the map's height and width"):
        cv.evaluate.period_share(m, 3, axis="either")
    with pytest.raises(ValueError, match="period must be"):
        cv.evaluate.period_share(m, 1)
    with pytest.raises(TypeError, match="period must be"):
        cv.evaluate.period_share(m, 2.5)
    with pytest.raises(ValueError, match="axis must be one of"):
        cv.evaluate.period_share(m, 2, axis="z")
    with pytest.raises(ValueError, match="maps must be"):
        cv.evaluate.period_share(torch.rand(8, 8), 2)
    with pytest.raises(ValueError, match="finite"):
        cv.evaluate.period_share(torch.full((1, 1, 4, 4), float("nan")), 2)
    with pytest.raises(TypeError, match="maps must be"):
        cv.evaluate.period_share("map", 2)
