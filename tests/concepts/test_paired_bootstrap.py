"""cv.concepts.paired_bootstrap_interval: a percentile bootstrap interval for a paired mean difference."""

import numpy as np
import pytest
import torch

import cnnviz_lab as cv


def test_constant_differences_give_a_point_interval():
    # every resample of the differences (all 0.25) has mean 0.25
    assert cv.concepts.paired_bootstrap_interval([1.0, 0.75, 0.5], [0.75, 0.5, 0.25]) == pytest.approx((0.25, 0.25))


def test_interval_matches_a_hand_bootstrap_and_holds_the_mean():
    a, b = torch.tensor([1.0, 0.5, 0.75, 1.0, 0.25]), torch.tensor([0.5, 0.5, 0.25, 0.75, 0.5])
    d = (a - b).double().numpy()
    idx = np.random.default_rng(3).integers(0, 5, size=(2000, 5))
    expected = np.quantile(d[idx].mean(1), [0.05, 0.95])
    low, high = cv.concepts.paired_bootstrap_interval(a, b, level=0.9, resamples=2000, seed=3)
    assert (low, high) == pytest.approx(tuple(expected))
    assert low <= float(d.mean()) <= high and low >= d.min() and high <= d.max()
    wide = cv.concepts.paired_bootstrap_interval(a, b, level=0.99, resamples=2000, seed=3)
    assert wide[0] <= low and wide[1] >= high  # a higher level gives a wider interval


def test_bad_input():
    with pytest.raises(ValueError, match="level"):
        cv.concepts.paired_bootstrap_interval([1.0, 2.0], [0.0, 0.0], level=1.0)
    with pytest.raises(ValueError, match="resamples"):
        cv.concepts.paired_bootstrap_interval([1.0, 2.0], [0.0, 0.0], resamples=0)
    with pytest.raises(TypeError, match="seed"):
        cv.concepts.paired_bootstrap_interval([1.0, 2.0], [0.0, 0.0], seed=0.5)
    with pytest.raises(ValueError, match="a and b"):
        cv.concepts.paired_bootstrap_interval([1.0, 2.0], [0.0])
    with pytest.raises(TypeError, match="b must be"):
        cv.concepts.paired_bootstrap_interval([1.0, 2.0], "xy")
    with pytest.raises(ValueError, match="a has NaN"):
        cv.concepts.paired_bootstrap_interval([float("nan"), 2.0], [0.0, 0.0])
