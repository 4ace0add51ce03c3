"""The paired permutation (sign-flip) test behind notebook 10's randomised-top check."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

import cnnviz_lab as cv


def test_paired_permutation_test_by_hand():
    # differences 1, 2, 3: of the 8 sign patterns only +++ and --- reach |mean| >= 2
    assert cv.concepts.paired_permutation_test([1.0, 2.0, 3.0], [0.0, 0.0, 0.0]) == (2.0, 0.25)
    # differences 1, -1: every pattern has |mean| 0 or 1 >= |0|, so p = 1
    assert cv.concepts.paired_permutation_test(torch.tensor([1.0, 0.0]), torch.tensor([0.0, 1.0])) == (0.0, 1.0)
    # four equal differences: only ++++ and ---- reach the observed mean
    mean, p = cv.concepts.paired_permutation_test([0.9] * 4, [0.5] * 4)
    assert mean == pytest.approx(0.4) and p == pytest.approx(2 / 16)


def test_paired_permutation_test_enumerates_every_pattern_and_matches_scipy():
    gen = np.random.default_rng(1)
    a, b = gen.random(9), gen.random(9) * 0.8
    d = a - b
    hits = sum(abs(np.dot(s, d)) / 9 >= abs(d.mean()) - 1e-12 for s in itertools.product([-1.0, 1.0], repeat=9))
    mean, p = cv.concepts.paired_permutation_test(a, b)
    assert mean == pytest.approx(d.mean()) and p == pytest.approx(hits / 2**9)
    stats = pytest.importorskip("scipy.stats")
    ref = stats.permutation_test((a, b), lambda x, y: np.mean(x - y), permutation_type="samples", n_resamples=np.inf)
    assert p == pytest.approx(ref.pvalue)


def test_paired_permutation_test_random_patterns_are_seeded_and_close_to_exact():
    gen = np.random.default_rng(2)
    a, b = gen.random(18), gen.random(18)
    exact = cv.concepts.paired_permutation_test(a, b)[1]
    sampled = cv.concepts.paired_permutation_test(a, b, permutations=20_000, seed=3)
    assert sampled == cv.concepts.paired_permutation_test(a, b, permutations=20_000, seed=3)
    assert abs(sampled[1] - exact) < 0.02 and sampled[1] > 0
    # a clear excess: all 20 differences positive, so p is tiny but never 0
    assert 0 < cv.concepts.paired_permutation_test(np.ones(20), np.zeros(20), permutations=1000)[1] <= 2 / 1001


def test_paired_permutation_test_bad_input():
    with pytest.raises(ValueError, match="same length"):
        cv.concepts.paired_permutation_test([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="same length"):
        cv.concepts.paired_permutation_test([], [])
    with pytest.raises(TypeError, match="a must"):
        cv.concepts.paired_permutation_test("ab", [1.0, 2.0])
    with pytest.raises(ValueError, match="b has NaN"):
        cv.concepts.paired_permutation_test([1.0, 2.0], [1.0, float("nan")])
    with pytest.raises(ValueError, match="permutations"):
        cv.concepts.paired_permutation_test([1.0], [0.0], permutations=0)
    with pytest.raises(TypeError, match="seed"):
        cv.concepts.paired_permutation_test([1.0], [0.0], seed="0")
