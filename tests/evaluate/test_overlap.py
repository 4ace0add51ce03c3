"""top_overlap / top_mask: the share of top pixels two maps have in common, by hand on tiny maps."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import cnnviz_lab as cv


def ramp(order: list[int]) -> torch.Tensor:
    """A (1,2,5) map whose pixel order[j] holds the value 10 - j (order[0] is the largest)."""
    m = torch.zeros(10)
    m[torch.tensor(order)] = torch.arange(10, 0, -1, dtype=torch.float32)
    return m.reshape(1, 2, 5)


def test_hand_computed_overlaps():
    a = ramp([9, 8, 7, 6, 5, 4, 3, 2, 1, 0])  # top 3 at 30 %: pixels 9, 8, 7
    assert cv.evaluate.top_overlap(a, a, share=0.3).tolist() == [1.0]
    disjoint = ramp([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])  # top 3: pixels 0, 1, 2
    assert cv.evaluate.top_overlap(a, disjoint, share=0.3).tolist() == [0.0]
    partial = ramp([9, 0, 8, 1, 2, 3, 4, 5, 6, 7])  # top 3: pixels 9, 0, 8 -> 2 of a's 3
    assert cv.evaluate.top_overlap(a, partial, share=0.3).item() == pytest.approx(2 / 3)
    assert cv.evaluate.top_overlap(partial, a, share=0.3).item() == pytest.approx(2 / 3)  # both tops hold k
    assert cv.evaluate.top_overlap(a, partial, share=0.1).tolist() == [1.0]  # k = 1: pixel 9 in both
    assert cv.evaluate.top_overlap(a, disjoint, share=1.0).tolist() == [1.0]  # every pixel is in both tops
    assert cv.evaluate.top_overlap(a, partial, share=0.01).tolist() == [1.0]  # at least one pixel


def test_mask_count_and_ties():
    mask = cv.evaluate.top_mask(ramp([9, 0, 8, 1, 2, 3, 4, 5, 6, 7]), share=0.3)
    assert mask.dtype == torch.bool and mask.shape == (1, 2, 5)
    assert mask.flatten().nonzero().flatten().tolist() == [0, 8, 9]
    flat = torch.zeros(1, 10, 10)
    assert int(cv.evaluate.top_mask(flat, share=0.29).sum()) == 29  # floor(0.29 * 100), not 28
    assert int(cv.evaluate.top_mask(flat, share=0.015).sum()) == 1
    # ties go to the lower flat index: a plateau of five 1s, the top 3 are its first three
    plateau = torch.tensor([[[0.0, 1, 1, 1, 1, 1, 0, 0, 0, 0]]])
    assert cv.evaluate.top_mask(plateau, share=0.3).flatten().nonzero().flatten().tolist() == [1, 2, 3]
    later = torch.tensor([[[0.0, 0, 0, 0, 0, 1, 1, 1, 1, 1]]])
    assert cv.evaluate.top_overlap(plateau, later, share=0.3).item() == 0.0


def test_flipped_plateau_by_hand():
    """The flipped plateau [0,0,0,0,1,1,1,1,1,0] keeps pixels 4, 5, 6; the plateau 1, 2, 3: none
    shared, though both plateaus share pixels 4 and 5 (the tie-break decides; stated in the docstring)."""
    plateau = torch.tensor([[[0.0, 1, 1, 1, 1, 1, 0, 0, 0, 0]]])
    flipped = plateau.flip(-1)
    assert cv.evaluate.top_mask(flipped, share=0.3).flatten().nonzero().flatten().tolist() == [4, 5, 6]
    assert cv.evaluate.top_overlap(plateau, flipped, share=0.3).item() == 0.0
    assert cv.evaluate.top_overlap(plateau, flipped, share=0.5).item() == pytest.approx(2 / 5)  # 1-5 and 4-8 share 4, 5


def test_batch_equals_one_by_one_and_set_peer():
    g = torch.Generator().manual_seed(0)
    a, b = torch.rand(4, 12, 12, generator=g), torch.rand(4, 12, 12, generator=g)
    b[1] = a[1] + 0.05 * torch.rand(12, 12, generator=g)  # one pair that mostly agrees
    batch = cv.evaluate.top_overlap(a, b, share=0.1)
    assert batch.shape == (4,) and batch.dtype == torch.float32
    alone = torch.cat([cv.evaluate.top_overlap(a[i : i + 1], b[i : i + 1], share=0.1) for i in range(4)])
    assert torch.equal(batch, alone)
    k = int(0.1 * 144)  # 14; continuous random values have no ties, so sets of topk indices are a peer
    for i in range(4):
        peer = len(set(a[i].flatten().topk(k).indices.tolist()) & set(b[i].flatten().topk(k).indices.tolist())) / k
        assert batch[i].item() == pytest.approx(peer)
    assert batch[1] > 0.5
    channels = cv.evaluate.top_overlap(a.reshape(4, 4, 6, 6), b.reshape(4, 4, 6, 6), share=0.1)
    assert torch.equal(channels, batch)  # (N,C,H,W): every value is one pixel
    assert torch.equal(cv.evaluate.top_overlap(a.numpy(), b.numpy(), share=0.1), batch)


def test_inputs_not_modified():
    g = torch.Generator().manual_seed(1)
    a, b = torch.rand(2, 8, 8, generator=g), torch.rand(2, 8, 8, generator=g)
    a0, b0 = a.clone(), b.clone()
    cv.evaluate.top_overlap(a, b, share=0.2)
    cv.evaluate.top_mask(a, share=0.2)
    with pytest.raises(ValueError):
        cv.evaluate.top_overlap(a, b, share=2.0)
    assert torch.equal(a, a0) and torch.equal(b, b0)


@pytest.mark.parametrize(
    "kwargs, error, word",
    [
        ({"b": torch.zeros(2, 8, 9)}, ValueError, "a and b"),
        ({"b": torch.zeros(3, 8, 8)}, ValueError, "a and b"),
        ({"share": 0}, ValueError, "share"),
        ({"share": 1.5}, ValueError, "share"),
        ({"share": -0.1}, ValueError, "share"),
        ({"share": float("nan")}, ValueError, "share"),
        ({"share": True}, TypeError, "share"),
        ({"share": "0.01"}, TypeError, "share"),
        ({"a": torch.zeros(8, 8)}, ValueError, "a must be"),
        ({"a": torch.zeros(2, 0, 8)}, ValueError, "a must"),
        ({"a": "map"}, TypeError, "a must be"),
        ({"a": None}, TypeError, "a must be"),
        ({"b": torch.zeros(2, 8, 8, dtype=torch.bool)}, TypeError, "b must be"),
        ({"b": torch.full((2, 8, 8), float("nan"))}, ValueError, "b must be finite"),
    ],
)
def test_bad_input_names_the_argument(kwargs, error, word):
    args = {"a": torch.rand(2, 8, 8), "b": torch.rand(2, 8, 8), "share": 0.1, **kwargs}
    with pytest.raises(error, match=word):
        cv.evaluate.top_overlap(**args)


def test_mask_bad_input():
    with pytest.raises(ValueError, match="maps"):
        cv.evaluate.top_mask(np.zeros((4, 4)))
    with pytest.raises(ValueError, match="share"):
        cv.evaluate.top_mask(torch.zeros(1, 4, 4), share=0.0)
