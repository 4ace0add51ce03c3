"""DeepDream's measurements: the objective averaged over shifted copies (read the way a dream
with a random shift was made) and the phase ratio at a period other than 2."""

from __future__ import annotations

import pytest
import torch
import torchvision.transforms.functional as TF

import cnnviz_lab as cv
from cnnviz_lab.attribution.architectures import phase_ratio
from cnnviz_lab.optvis.render import IMAGENET_MEAN, IMAGENET_STD
from conftest import assert_clean


def unit_acts(model, x_unit, layer):
    mean, std = torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1), torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)
    return cv.activations(model, (x_unit - mean) / std, layer)


@pytest.fixture
def photo():
    return cv.sample_image("cat").resize((50, 40))


def test_dream_score_over_shifts_is_the_mean_over_rolled_copies(tiny, photo):
    x = TF.to_tensor(photo)[None]
    gen = torch.Generator().manual_seed(3)
    rolls = [(0, 0)] + [tuple(int(v) for v in torch.randint(-5, 6, (2,), generator=gen)) for _ in range(4)]
    want = sum(float(unit_acts(tiny, torch.roll(x, r, dims=(-2, -1)), "conv2").pow(2).mean()) for r in rolls) / 5
    got = cv.optvis.dream_score(tiny, photo, "conv2", shifts=4, jitter=5, seed=3)
    assert got == pytest.approx(want, rel=1e-5)
    assert cv.optvis.dream_score(tiny, photo, "conv2", shifts=0) == pytest.approx(cv.optvis.dream_score(tiny, photo, "conv2"))
    assert cv.optvis.dream_score(tiny, photo, "conv2", shifts=3, jitter=0) == pytest.approx(cv.optvis.dream_score(tiny, photo, "conv2"), rel=1e-6)
    for bad in ({"shifts": -1}, {"shifts": 1.5}, {"jitter": -2}):
        with pytest.raises((ValueError, TypeError), match=next(iter(bad))):
            cv.optvis.dream_score(tiny, photo, "conv2", **bad)
    assert_clean(tiny)


def test_phase_ratio_at_a_longer_period():
    grid = torch.ones(8, 12)
    grid[::4, ::4] = 3.0  # one phase of the 4x4 grid three times as strong
    assert phase_ratio(grid, period=4) == pytest.approx(3.0)
    assert phase_ratio(grid) == pytest.approx(1.5)  # a quarter of the 2x2 phase (0, 0) is 3: mean 1.5
    assert phase_ratio(torch.ones(16, 16), period=8) == pytest.approx(1.0)
    for bad in (1, 2.0, True):
        with pytest.raises(ValueError, match="period"):
            phase_ratio(grid, period=bad)
    with pytest.raises(ValueError, match="attribution"):
        phase_ratio(torch.ones(3, 3), period=4)
