"""RISE and LIME against their definitions: hand-written sums and fits over the same masks
and samples, exact recovery on a model that is linear in the superpixels, seeds."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from conftest import assert_clean
from torch import nn

import cnnviz_lab as cv
from cnnviz_lab.attribution.lime import grid_segments, kernel_weights, lime_samples, superpixels, weighted_ridge
from cnnviz_lab.attribution.rise import rise_masks


def _x(n=2, size=8, seed=1):
    return torch.randn(n, 3, size, size, generator=torch.Generator().manual_seed(seed))


# --- RISE ------------------------------------------------------------------------------------
def test_rise_masks_are_shifted_upsampled_grids():
    m = rise_masks(14, 400, cells=7, prob=0.5, seed=0)
    assert m.shape == (400, 14, 14) and m.min() >= 0 and m.max() <= 1
    assert abs(float(m.mean()) - 0.5) < 0.03  # E[M] = prob
    torch.testing.assert_close(m, rise_masks(14, 400, cells=7, prob=0.5, seed=0))
    assert (m - rise_masks(14, 400, cells=7, prob=0.5, seed=1)).abs().amax() > 0.5
    assert rise_masks((10, 12), 3, cells=3, seed=0).shape == (3, 10, 12)
    # all cells on: the mask is 1 everywhere; one cell: 0/1 grids upsampled stay in [0, 1]
    torch.testing.assert_close(rise_masks(9, 2, cells=3, prob=1.0, seed=0), torch.ones(2, 9, 9))


def test_rise_is_the_weighted_mean_of_its_masks(tiny):
    x = _x(2)
    n, prob = 40, 0.4
    masks = rise_masks(8, n, cells=3, prob=prob, seed=5)
    ref = torch.zeros(2, 2, 8, 8)
    t = [[1, 3], [0, 4]]
    with torch.no_grad():
        for i in range(2):
            for m in masks:
                p = tiny(x[i : i + 1] * m).softmax(1)[0]
                for j, c in enumerate(t[i]):
                    ref[i, j] += p[c] * m
    ref /= n * prob
    got = cv.rise(tiny, x, t, n=n, cells=3, prob=prob, seed=5, batch_size=7, progress=False)
    torch.testing.assert_close(got, ref, rtol=1e-4, atol=1e-6)
    # logits instead of probabilities, and a fill other than 0
    with torch.no_grad():
        ref = sum(tiny(x[:1] * m + 0.7 * (1 - m))[0, 2] * m for m in masks) / (n * prob)
    got = cv.rise(tiny, x[:1], 2, n=n, cells=3, prob=prob, seed=5, output="logit", fill=0.7, progress=False)
    torch.testing.assert_close(got[0], ref, rtol=1e-4, atol=1e-5)
    assert_clean(tiny)


def test_rise_seed_batch_and_targets(tiny):
    x = _x(3)
    kw = dict(n=24, cells=4, progress=False)
    a = cv.rise(tiny, x, [[0, 1], [2, 3], [4, 0]], seed=3, batch_size=5, **kw)
    torch.testing.assert_close(a, cv.rise(tiny, x, [[0, 1], [2, 3], [4, 0]], seed=3, batch_size=64, **kw))
    assert (a - cv.rise(tiny, x, [[0, 1], [2, 3], [4, 0]], seed=4, **kw)).abs().amax() > 1e-3
    for i, row in enumerate([[0, 1], [2, 3], [4, 0]]):
        for j, c in enumerate(row):
            torch.testing.assert_close(a[i, j], cv.rise(tiny, x[i : i + 1], c, seed=3, **kw)[0])
    assert cv.rise(tiny, x, seed=3, **kw).shape == (3, 8, 8)
    for bad in (dict(n=0), dict(prob=0.0), dict(cells=0), dict(output="score"), dict(batch_size=0)):
        with pytest.raises(ValueError, match=next(iter(bad))):
            cv.rise(tiny, x, **{**kw, **bad})


# --- LIME pieces -----------------------------------------------------------------------------
def test_grid_segments_and_superpixels():
    g = grid_segments(8, 6, 2)
    assert g.tolist()[0] == [0, 0, 0, 1, 1, 1] and g.tolist()[-1] == [2, 2, 2, 3, 3, 3]
    assert int(grid_segments(5, 5, 8).max()) == 24  # never more cells than pixels
    # four flat quadrants of different colours: four superpixels, one per quadrant
    img = torch.zeros(1, 3, 16, 16)
    img[:, 0, :8, :8], img[:, 1, :8, 8:], img[:, 2, 8:, :8], img[:, :, 8:, 8:] = 3, 3, 3, -3
    seg = superpixels(img, 4, compactness=0.1)[0]
    assert seg.shape == (16, 16) and set(seg.unique().tolist()) == {0, 1, 2, 3}
    for r, c in ((0, 0), (0, 8), (8, 0), (8, 8)):
        assert (seg[r : r + 8, c : c + 8] == seg[r, c]).all()
    noisy = _x(2, 16)
    labels = superpixels(noisy, 9)
    torch.testing.assert_close(labels, superpixels(noisy, 9))  # deterministic
    assert labels.max() < 9 and all(int(lab.max()) + 1 == len(lab.unique()) for lab in labels)


def test_samples_kernel_and_ridge_by_hand():
    z = lime_samples(5, 50, seed=0)
    assert z.shape == (50, 5) and (z[0] == 1).all() and set(z.unique().tolist()) == {0.0, 1.0}
    torch.testing.assert_close(z, lime_samples(5, 50, seed=0))
    assert not torch.equal(z, lime_samples(5, 50, seed=1))
    rows = torch.tensor([[1.0, 1, 1, 1], [1, 0, 0, 0], [0, 0, 0, 0]])
    cos = 1 - np.array([1.0, 0.5, 0.0])  # 1 - m / (sqrt(m) sqrt(4)); none on: 1
    np.testing.assert_allclose(kernel_weights(rows, 0.25).numpy(), np.exp(-(cos**2) / (2 * 0.25**2)), rtol=1e-6)
    l2 = np.sqrt([0.0, 3.0, 4.0])
    np.testing.assert_allclose(kernel_weights(rows, 2.0, "l2").numpy(), np.exp(-(l2**2) / 8), rtol=1e-6)
    # weighted ridge with an intercept: the normal equations of [1, z], the intercept unpenalised
    g = torch.Generator().manual_seed(0)
    zz, y, w = torch.randint(0, 2, (30, 4), generator=g).double(), torch.randn(30, 2, generator=g).double(), torch.rand(30, generator=g).double()
    beta, b = weighted_ridge(zz, y, w, alpha=0.5)
    a = np.hstack([np.ones((30, 1)), zz.numpy()])
    pen = np.diag([0.0, 0.5, 0.5, 0.5, 0.5])
    sol = np.linalg.solve(a.T @ (w.numpy()[:, None] * a) + pen, a.T @ (w.numpy()[:, None] * y.numpy()))
    np.testing.assert_allclose(beta.numpy(), sol[1:], rtol=1e-8)
    np.testing.assert_allclose(b.numpy(), sol[0], rtol=1e-8)


# --- LIME ------------------------------------------------------------------------------------
class SegmentLinear(nn.Module):
    """Logit c = sum over pixels of a fixed weight times the image: linear in which
    superpixels are on (fill 0), so LIME must recover each superpixel's total exactly."""

    def __init__(self, size=8, classes=3):
        super().__init__()
        self.fc = nn.Linear(3 * size * size, classes)

    def forward(self, x):
        return self.fc(x.flatten(1))


def test_lime_recovers_a_model_linear_in_the_superpixels():
    torch.manual_seed(0)
    net = SegmentLinear().eval()
    x = _x(1)
    seg = grid_segments(8, 8, 4)
    got = cv.lime(net, x, [[0, 2]], segments=seg, n=300, alpha=1e-9, output="logit", seed=0, progress=False)
    contrib = (net.fc.weight.view(3, 3, 8, 8) * x[0]).sum(1)  # (classes, 8, 8)
    for j, c in enumerate([0, 2]):
        per_segment = torch.zeros(16).index_add_(0, seg.flatten(), contrib[c].flatten())
        torch.testing.assert_close(got[0, j], per_segment[seg], rtol=1e-4, atol=1e-4)


def test_lime_is_the_fit_of_its_samples(tiny):
    """The same fit done here by hand: the samples, the masked images, the kernel, the ridge."""
    x = _x(1)
    seg = grid_segments(8, 8, 2)
    z = lime_samples(4, 60, seed=2)
    with torch.no_grad():
        y = torch.stack([tiny(x * zi[seg])[0].softmax(0)[[1, 3]] for zi in z])
    beta, _ = weighted_ridge(z, y, kernel_weights(z, 0.25), 1.0)
    got = cv.lime(tiny, x, [[1, 3]], n=60, cells=2, seed=2, progress=False)
    torch.testing.assert_close(got[0], beta.t().float()[:, seg], rtol=1e-4, atol=1e-6)
    assert_clean(tiny)


def test_lime_seed_batch_targets_and_segments(tiny):
    x = _x(3)
    kw = dict(n=30, cells=2, progress=False)
    t = [[0, 1], [2, 3], [4, 0]]
    a = cv.lime(tiny, x, t, seed=1, batch_size=7, **kw)
    torch.testing.assert_close(a, cv.lime(tiny, x, t, seed=1, batch_size=64, **kw))
    assert (a - cv.lime(tiny, x, t, seed=2, **kw)).abs().amax() > 1e-4
    for i, row in enumerate(t):
        for j, c in enumerate(row):
            torch.testing.assert_close(a[i, j], cv.lime(tiny, x[i : i + 1], c, seed=1, **kw)[0])
    shared = grid_segments(8, 8, 2)
    torch.testing.assert_close(cv.lime(tiny, x, t, seed=1, segments=shared, **kw), a)
    torch.testing.assert_close(cv.lime(tiny, x, t, seed=1, segments=shared.expand(3, 8, 8) * 10 + 5, **kw), a)
    assert cv.lime(tiny, x, seed=1, segments="superpixels", **kw).shape == (3, 8, 8)
    for bad, match in (
        (dict(segments=torch.rand(8, 8)), "integer labels"),
        (dict(segments="slic"), "segments"),
        (dict(distance="manhattan"), "distance"),
        (dict(kernel_width=0), "kernel_width"),
        (dict(n=1), "n \\(number"),
        (dict(output="x"), "output"),
        (dict(cells=0), "cells"),
        (dict(alpha=-1.0), "alpha"),
        (dict(batch_size=0), "batch_size"),
    ):
        with pytest.raises(ValueError, match=match):
            cv.lime(tiny, x, **{**kw, **bad})
