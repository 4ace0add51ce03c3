"""The paired tests take two one-dimensional samples: pair i is position i in both, so a
table (2-D) is refused by name instead of being flattened into pairs nobody chose."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from cnnviz_lab.concepts import paired_bootstrap_interval, paired_permutation_test

TESTS = {"permutation": paired_permutation_test, "bootstrap": paired_bootstrap_interval}


@pytest.mark.parametrize("test", list(TESTS))
@pytest.mark.parametrize(
    "a, b, name",
    [
        (torch.zeros(2, 2), [0.0, 1.0, 2.0, 3.0], "a"),
        ([0.0, 1.0, 2.0, 3.0], np.zeros((2, 2)), "b"),
        ([[0.1, 0.2], [0.3, 0.4]], [[0.0, 0.1], [0.2, 0.3]], "a"),
        (torch.tensor(0.5), torch.tensor(0.25), "a"),
    ],
)
def test_a_sample_that_is_not_one_dimensional_is_named(test, a, b, name):
    with pytest.raises(ValueError, match=f"{name} must be one-dimensional"):
        TESTS[test](a, b)


@pytest.mark.parametrize("test", list(TESTS))
def test_lists_arrays_and_tensors_give_the_same_answer(test):
    a, b = [0.9, 0.7, 1.0, 0.8], [0.5, 0.6, 0.4, 0.5]
    expected = TESTS[test](a, b)
    assert TESTS[test](np.array(a), torch.tensor(b)) == pytest.approx(expected)
