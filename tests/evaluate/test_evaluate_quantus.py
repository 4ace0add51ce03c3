"""Where the package and Quantus (Hedström et al. 2023, the reference toolkit of explanation
metrics) compute the same measure, both agree on the same inputs: faithfulness correlation
(on the same random subsets), the deletion curve (Quantus's PixelFlipping), the pointing
game, ROAD's noisy linear imputation and ROAD itself, and the sensitivity of a method (on
the same noise). Skipped when quantus is not installed (``pip install -e .[test]``)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

import cnnviz_lab as cv
from cnnviz_lab.evaluate import deletion_curve, faithfulness_correlation, linear_imputation, max_sensitivity, pointing_game, road

quantus = pytest.importorskip("quantus", reason="quantus is not installed (pip install quantus)")

np.trapz = getattr(np, "trapz", None) or np.trapezoid  # quantus 0.6 still calls np.trapz (gone in numpy 2.4)


def _net(channels: int = 3, classes: int = 4) -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Conv2d(channels, 6, 3, padding=1), nn.ReLU(), nn.Conv2d(6, 8, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(2), nn.Flatten(), nn.Linear(32, classes)
    ).eval()


@pytest.fixture
def data():
    torch.manual_seed(1)
    model = _net()
    x = torch.randn(3, 3, 8, 8)
    with torch.no_grad():
        y = model(x).argmax(1)
    return model, x, y


def test_faithfulness_correlation_agrees_with_quantus(data, monkeypatch):
    model, x, y = data
    torch.manual_seed(2)
    a = torch.randn(3, 1, 8, 8).expand(3, 3, 8, 8).contiguous()  # one value per pixel, on every channel
    runs, size = 12, 20
    gen = np.random.default_rng(3)
    draws = [[gen.choice(192, size, replace=False) for _ in range(3)] for _ in range(runs)]
    order = iter([d for run in draws for d in run])  # quantus draws run by run, image by image
    monkeypatch.setattr(np.random, "choice", lambda *args, **kwargs: next(order))
    metric = quantus.FaithfulnessCorrelation(
        nr_runs=runs, subset_size=size, perturb_baseline=0.25, abs=False, normalise=False, return_aggregate=False, disable_warnings=True
    )
    theirs = metric(model=model, x_batch=x.numpy(), y_batch=y.numpy(), a_batch=a.numpy(), device="cpu", softmax=False)
    subsets = torch.tensor(np.array(draws)).permute(1, 0, 2)  # (N, R, S)
    ours = faithfulness_correlation(model, x, a, y.tolist(), subsets=subsets, fill=0.25, output="logit")
    np.testing.assert_allclose(ours.numpy(), np.array(theirs), atol=1e-5)


def test_deletion_curve_agrees_with_quantus_pixel_flipping(data):
    model, _, _ = data
    torch.manual_seed(4)
    x = torch.randn(3, 3, 6, 6)
    with torch.no_grad():
        y = model(x).argmax(1)
    maps = torch.randn(3, 6, 6)
    steps, k = 12, 3  # 3 pixels (9 values) flipped per step
    metric = quantus.PixelFlipping(features_in_step=3 * k, perturb_baseline=0.0, abs=False, normalise=False, return_auc_per_sample=False, disable_warnings=True)
    theirs = np.array(metric(model=model, x_batch=x.numpy(), y_batch=y.numpy(), a_batch=maps[:, None].expand(3, 3, 6, 6).numpy(), device="cpu", softmax=True))
    ours = deletion_curve(model, x, maps, y.tolist(), steps=steps, fill=0.0)
    np.testing.assert_allclose(ours.scores[:, 1:].numpy(), theirs, atol=1e-6)  # quantus starts after step 1
    # the area: ours integrates from the unperturbed image over the fraction removed
    full = np.concatenate([ours.scores[:, :1].numpy(), theirs], axis=1)
    np.testing.assert_allclose(ours.auc.numpy(), np.trapezoid(full, dx=1 / steps, axis=1), atol=1e-6)


def test_pointing_game_agrees_with_quantus(data):
    model, x, y = data
    torch.manual_seed(5)
    maps = torch.rand(3, 8, 8)
    boxes = [[(0, 0, 4, 4)], [(2, 3, 8, 8)], [(5, 0, 8, 2), (0, 6, 3, 8)]]
    masks = np.zeros((3, 1, 8, 8))
    for i, bxs in enumerate(boxes):
        for x0, y0, x1, y1 in bxs:
            masks[i, 0, y0:y1, x0:x1] = 1
    metric = quantus.PointingGame(abs=False, normalise=False, disable_warnings=True)
    theirs = metric(model=model, x_batch=x.numpy(), y_batch=y.numpy(), a_batch=maps[:, None].numpy(), s_batch=masks, device="cpu")
    ours = pointing_game(maps, boxes)
    assert ours.tolist() == [bool(t) for t in theirs]
    # and where the maximum lands in each box in turn
    for i in range(3):
        m = torch.zeros(3, 8, 8)
        m[:, 1 + i, 6 - i] = 1.0
        theirs = metric(model=model, x_batch=x.numpy(), y_batch=y.numpy(), a_batch=m[:, None].numpy(), s_batch=masks, device="cpu")
        assert pointing_game(m, boxes).tolist() == [bool(t) for t in theirs]


def test_noisy_linear_imputation_agrees_with_quantus():
    from quantus.functions.perturb_func import noisy_linear_imputation

    torch.manual_seed(6)
    img = torch.randn(3, 9, 7)
    removed = torch.rand(9, 7) < 0.5
    theirs = noisy_linear_imputation(img.numpy().astype(np.float64), np.flatnonzero(removed.numpy()), noise=0.0)
    ours = linear_imputation(img[None].double(), removed[None])[0]
    np.testing.assert_allclose(ours.numpy(), theirs, atol=1e-8)


def test_road_agrees_with_quantus_on_a_one_channel_network():
    # Quantus's ROAD indexes the attribution's elements as pixels, so it holds for one channel
    torch.manual_seed(7)
    model = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.Flatten(), nn.Linear(128, 3)).eval()
    x = torch.randn(16, 1, 8, 8) * 3
    with torch.no_grad():
        y = model(x).argmax(1)
    maps = torch.randn(16, 1, 8, 8)
    percentages = [10, 30, 50, 70, 90]
    metric = quantus.ROAD(percentages=percentages, noise=0.0, abs=False, normalise=False, disable_warnings=True, return_aggregate=False)
    theirs = metric(
        model=model, x_batch=x.numpy(), y_batch=y.numpy(), a_batch=maps.numpy(), device="cpu", softmax=True
    )  # {percentage: accuracy over the batch}
    ours = road(model, x, maps, y.tolist(), fractions=[p / 100 for p in percentages], noise=0.0, output="accuracy")
    np.testing.assert_allclose(ours.scores.mean(0).numpy(), [theirs[p] for p in percentages], atol=1e-6)
    assert 0 < float(ours.scores.mean()) < 1  # the images do not all keep their class


def test_max_sensitivity_agrees_with_quantus_on_the_same_noise(data, monkeypatch):
    model, x, y = data
    radius, n = 0.1, 6
    gen = np.random.default_rng(8)
    noise = [gen.uniform(-radius, radius, size=(3, 192)) for _ in range(n)]
    it = iter(noise)
    monkeypatch.setattr(np.random, "uniform", lambda *args, **kwargs: next(it))

    def explain(model, inputs, targets, **kwargs):
        out = cv.saliency(model, torch.as_tensor(inputs, dtype=torch.float32), torch.as_tensor(targets).tolist())
        return out.numpy()

    metric = quantus.MaxSensitivity(
        nr_samples=n, lower_bound=radius, normalise=False, abs=False, return_nan_when_prediction_changes=False, disable_warnings=True
    )
    a = explain(model, x.numpy(), y.numpy())
    theirs = np.array(metric(model=model, x_batch=x.numpy(), y_batch=y.numpy(), a_batch=a, device="cpu", explain_func=explain))
    # the same draws in our order: (image, draw) -> draw s, uniform on the box
    replay = torch.tensor(np.stack(noise), dtype=torch.float64).view(n, 3, 3, 8, 8)
    draws = iter(replay)
    real_rand = torch.rand

    def rand(shape, *args, **kwargs):
        if tuple(shape) == (3, 3, 8, 8):
            return (next(draws) / radius + 1) / 2
        return real_rand(shape, *args, **kwargs)

    monkeypatch.setattr(torch, "rand", rand)
    ours = max_sensitivity(model, x, y.tolist(), method="saliency", radius=radius, n=n)
    np.testing.assert_allclose(ours.numpy(), theirs, rtol=1e-4, atol=1e-6)


def test_randomization_check_agrees_with_quantus_mprt(data, monkeypatch):
    model, x, y = data

    def explain(model, inputs, targets, **kwargs):
        out = cv.saliency(model, torch.as_tensor(inputs, dtype=torch.float32), torch.as_tensor(targets).tolist())
        return out.abs().sum(1, keepdim=True).numpy()

    metric = quantus.MPRT(
        layer_order="top_down", seed=42, abs=True, normalise=False, return_aggregate=False, disable_warnings=True, return_last_correlation=False
    )
    theirs = metric(model=model, x_batch=x.numpy(), y_batch=y.numpy(), a_batch=explain(model, x.numpy(), y.numpy()), device="cpu", explain_func=explain)
    layers = [name for name, m in model.named_modules() if hasattr(m, "reset_parameters")][::-1]
    # Quantus re-seeds torch with seed + 1 before every layer; ours with seed + i: replay theirs
    real = torch.manual_seed
    monkeypatch.setattr(torch, "manual_seed", lambda seed: real(43))
    ours = cv.randomization_check(model, cv.saliency, x, y.tolist(), layers=layers, seed=0)
    monkeypatch.setattr(torch, "manual_seed", real)
    assert ours.layers == layers == ["6", "2", "0"]
    np.testing.assert_allclose(ours.spearman.numpy(), np.array([theirs[name] for name in layers]).T, atol=1e-6)
