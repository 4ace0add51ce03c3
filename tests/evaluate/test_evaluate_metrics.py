"""The metrics beyond deletion and insertion, each against its paper's definition on tiny
networks with hand-computable values: faithfulness correlation (Bhatt et al. 2020),
max/avg sensitivity and infidelity (Yeh et al. 2019), ROAD and its noisy linear
imputation (Rong et al. 2022), Average Drop and Increase in Confidence (Chattopadhay et
al. 2018); and their answers to bad input."""

import copy

import pytest
import torch
from torch import nn

import cnnviz_lab as cv
from cnnviz_lab.evaluate import (
    average_drop,
    avg_sensitivity,
    explanation_scores,
    faithfulness_correlation,
    increase_in_confidence,
    infidelity,
    linear_imputation,
    max_sensitivity,
    road,
    sensitivities,
)
from conftest import assert_clean


class Linear(nn.Module):
    """logits = W flatten(x) + b: every drop and change is a sum of w_i x_i, by hand."""

    def __init__(self, size: int = 4, classes: int = 3) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 3, 1)  # an identity convolution: the input gate sees a CNN
        with torch.no_grad():
            self.conv.weight.copy_(torch.eye(3).view(3, 3, 1, 1))
            self.conv.bias.zero_()
        self.fc = nn.Linear(3 * size * size, classes)

    def forward(self, x):
        return self.fc(self.conv(x).flatten(1))


@pytest.fixture
def linear():
    torch.manual_seed(1)
    return Linear().eval()


@pytest.fixture
def x4():
    torch.manual_seed(2)
    return torch.randn(2, 3, 4, 4)


def _untouched(model, x, before_state, before_x):
    assert_clean(model)
    for k, v in model.state_dict().items():
        assert torch.equal(v, before_state[k]), k
    assert torch.equal(x, before_x)


# --- faithfulness correlation ------------------------------------------------------------
def test_faithfulness_correlation_follows_the_definition(linear, x4):
    state, xs = copy.deepcopy(linear.state_dict()), x4.clone()
    w = linear.fc.weight.detach().view(3, 3, 4, 4)
    target = [0, 2]
    gxi = torch.stack([w[t] * x4[i] for i, t in enumerate(target)])  # input x gradient
    # fill 0 removes w_i x_i exactly: the drop of a subset is the attribution summed over it
    assert torch.allclose(faithfulness_correlation(linear, x4, gxi, target, n=12, subset_size=5, seed=0), torch.ones(2), atol=1e-5)
    assert torch.allclose(faithfulness_correlation(linear, x4, -gxi, target, n=12, subset_size=5, seed=0), -torch.ones(2), atol=1e-5)
    # a random attribution: Pearson correlation written out, on the same subsets
    torch.manual_seed(5)
    attr = torch.randn(2, 3, 4, 4)
    subsets = torch.stack([torch.randperm(48)[:7] for _ in range(9)])
    got = faithfulness_correlation(linear, x4, attr, target, subsets=subsets, fill=0.5, output="prob")
    for i, t in enumerate(target):
        with torch.no_grad():
            y = linear(x4[i : i + 1]).softmax(1)[0, t]
            drops, sums = [], []
            for s in subsets:
                img = x4[i].flatten().clone()
                img[s] = 0.5
                drops.append(float(y - linear(img.view(1, 3, 4, 4)).softmax(1)[0, t]))
                sums.append(float(attr[i].flatten()[s].sum()))
        d, a = torch.tensor(drops, dtype=torch.float64), torch.tensor(sums, dtype=torch.float64)
        d, a = d - d.mean(), a - a.mean()
        assert abs(float(got[i]) - float((a * d).sum() / (a.norm() * d.norm()))) < 1e-5
    # a pixel map: a subset of pixels removes all three channels
    pix = gxi.sum(1)
    assert torch.allclose(faithfulness_correlation(linear, x4, pix, target, n=10, subset_size=3, seed=1), torch.ones(2), atol=1e-5)
    # constant sums have no correlation: 0, not NaN
    assert torch.equal(faithfulness_correlation(linear, x4, torch.zeros(2, 4, 4), target, n=5, subset_size=3, seed=1), torch.zeros(2))
    _untouched(linear, x4, state, xs)


def test_faithfulness_correlation_is_reproducible_and_batch_free(tiny):
    x = torch.randn(3, 3, 8, 8)
    a = torch.randn(3, 8, 8)
    one = faithfulness_correlation(tiny, x, a, n=6, subset_size=10, seed=4, batch_size=1)
    big = faithfulness_correlation(tiny, x, a, n=6, subset_size=10, seed=4, batch_size=50)
    torch.testing.assert_close(one, big)


# --- sensitivity ---------------------------------------------------------------------------
def test_sensitivity_follows_the_definition(linear, x4):
    state, xs = copy.deepcopy(linear.state_dict()), x4.clone()
    # a linear model's gradient does not move: sensitivity 0
    assert torch.equal(max_sensitivity(linear, x4, method="saliency", n=4, seed=0), torch.zeros(2))
    # the identity "explanation" moves by the noise u, uniform in [-r, r]^D: ||u|| <= r sqrt(D),
    # and ||u||^2 / D concentrates at r^2 / 3
    seen = []

    def identity(model, x, target=None):
        seen.append(list(target))
        return x.clone()

    r, d = 0.3, 48
    s = sensitivities(linear, x4, [1, 2], method=identity, radius=r, n=200, relative=False, seed=3)
    assert s.shape == (2, 200) and bool((s > 0).all()) and bool((s <= r * d**0.5 + 1e-6).all())
    assert abs(float(s.pow(2).mean()) / d - r * r / 3) < 0.1 * r * r / 3
    assert all(t == [1, 2] for t in seen)  # the same classes at every draw
    rel = sensitivities(linear, x4, [1, 2], method=identity, radius=r, n=200, relative=True, seed=3)
    torch.testing.assert_close(rel, s / x4.flatten(1).norm(dim=1, keepdim=True))
    torch.testing.assert_close(max_sensitivity(linear, x4, [1, 2], method=identity, radius=r, n=200, seed=3), rel.amax(1))
    torch.testing.assert_close(avg_sensitivity(linear, x4, [1, 2], method=identity, radius=r, n=200, seed=3), rel.mean(1))
    _untouched(linear, x4, state, xs)


def test_sensitivity_of_registered_methods_with_their_options(tiny):
    x = torch.randn(2, 3, 8, 8)
    a = avg_sensitivity(tiny, x, method="gradcam", layer="conv2", n=3, seed=0)
    b = avg_sensitivity(tiny, x, method="Grad-CAM", layer="conv2", n=3, seed=0)
    torch.testing.assert_close(a, b)
    assert a.shape == (2,) and bool((a >= 0).all())
    assert_clean(tiny)


# --- infidelity -----------------------------------------------------------------------------
def test_infidelity_follows_the_definition(linear, x4):
    state, xs = copy.deepcopy(linear.state_dict()), x4.clone()
    w = linear.fc.weight.detach().view(3, 3, 4, 4)
    target = [1, 0]
    grad = torch.stack([w[t] for t in target])
    # f(x) - f(x - I) = w^T I exactly: the gradient has infidelity 0
    assert float(infidelity(linear, x4, grad, target, n=20, seed=0).max()) < 1e-9
    # 3w predicts 3 w^T I: error (2 w^T I)^2, mean 4 sigma^2 ||w||^2; the best scale beta = 1/3 fixes it
    sigma = 0.1
    got = infidelity(linear, x4, 3 * grad, target, n=2000, noise=sigma, seed=1)
    want = 4 * sigma**2 * grad.flatten(1).pow(2).sum(1)
    assert torch.allclose(got, want, rtol=0.1)
    assert float(infidelity(linear, x4, 3 * grad, target, n=20, noise=sigma, normalize=True, seed=1).max()) < 1e-9
    # per-pixel noise on all channels: the channel sum of w is the exact map
    assert float(infidelity(linear, x4, grad.sum(1), target, n=20, seed=2).max()) < 1e-9
    # reproducible and independent of the batch size
    torch.testing.assert_close(
        infidelity(linear, x4, grad * 2, target, n=7, seed=5, batch_size=1), infidelity(linear, x4, grad * 2, target, n=7, seed=5, batch_size=64)
    )
    _untouched(linear, x4, state, xs)


# --- ROAD -------------------------------------------------------------------------------------
def _dense_imputation(img: torch.Tensor, removed: torch.Tensor) -> torch.Tensor:
    """Rong et al.'s system written out with loops and solved densely."""
    c, h, w = img.shape
    weight = {(dy, dx): (1 / 12 if dy and dx else 1 / 6) for dy in (-1, 0, 1) for dx in (-1, 0, 1) if dy or dx}
    unknown = [(y, x) for y in range(h) for x in range(w) if removed[y, x]]
    index = {p: i for i, p in enumerate(unknown)}
    a = torch.zeros(len(unknown), len(unknown), dtype=torch.float64)
    b = torch.zeros(len(unknown), c, dtype=torch.float64)
    for (y, x), i in index.items():
        for (dy, dx), wt in weight.items():
            yy, xx = y + dy, x + dx
            if 0 <= yy < h and 0 <= xx < w:
                a[i, i] += wt
                if (yy, xx) in index:
                    a[i, index[(yy, xx)]] -= wt
                else:
                    b[i] += wt * img[:, yy, xx].double()
    v = torch.linalg.solve(a, b)
    out = img.double().clone()
    for (y, x), i in index.items():
        out[:, y, x] = v[i]
    return out.float()


def test_linear_imputation_by_hand():
    img = torch.arange(27, dtype=torch.float32).view(3, 3, 3)
    centre = torch.zeros(3, 3, dtype=torch.bool)
    centre[1, 1] = True
    got = linear_imputation(img[None], centre[None])[0]
    for ch in range(3):
        v = img[ch]
        direct = v[0, 1] + v[1, 0] + v[1, 2] + v[2, 1]
        diag = v[0, 0] + v[0, 2] + v[2, 0] + v[2, 2]
        assert abs(float(got[ch, 1, 1]) - float(direct / 6 + diag / 12)) < 1e-5
    corner = torch.zeros(3, 3, dtype=torch.bool)
    corner[0, 0] = True
    got = linear_imputation(img[None], corner[None])[0]
    v = img[0]
    assert abs(float(got[0, 0, 0]) - float((v[0, 1] / 6 + v[1, 0] / 6 + v[1, 1] / 12) / (5 / 12))) < 1e-5
    assert torch.equal(got[:, ~corner], img[:, ~corner])  # kept pixels untouched
    torch.manual_seed(0)
    imgs, masks = torch.randn(2, 3, 7, 6), torch.rand(2, 7, 6) < 0.6
    got = linear_imputation(imgs, masks)
    for i in range(2):
        torch.testing.assert_close(got[i], _dense_imputation(imgs[i], masks[i]), atol=1e-5, rtol=1e-5)


def test_road_follows_the_definition(tiny):
    torch.manual_seed(7)
    x, a = torch.randn(2, 3, 6, 6), torch.randn(2, 6, 6)
    state, xs = copy.deepcopy(tiny.state_dict()), x.clone()
    fr = [0.25, 0.5, 0.75]
    for order in ("morf", "lerf"):
        for output in ("prob", "accuracy"):
            curve = road(tiny, x, a, [1, 3], fractions=fr, order=order, noise=0.0, output=output, seed=0)
            assert curve.kind == f"road-{order}"
            for i, t in enumerate([1, 3]):
                rank = torch.argsort(a[i].flatten(), descending=order == "morf")
                for s, f in enumerate(fr):
                    removed = torch.zeros(36, dtype=torch.bool)
                    removed[rank[: int(f * 36)]] = True
                    img = _dense_imputation(x[i], removed.view(6, 6))
                    with torch.no_grad():
                        logits = tiny(img[None])[0]
                    want = float(logits.softmax(0)[t]) if output == "prob" else float(logits.argmax() == t)
                    assert abs(float(curve.scores[i, s]) - want) < 1e-5
            torch.testing.assert_close(curve.auc, torch.trapezoid(curve.scores, torch.tensor(fr), dim=1))
    # the noise is drawn with the seed, per image and step: batch size changes nothing
    one = road(tiny, x, a, fractions=fr, seed=3, batch_size=1).scores
    torch.testing.assert_close(one, road(tiny, x, a, fractions=fr, seed=3, batch_size=16).scores)
    _untouched(tiny, x, state, xs)


# --- Average Drop and Increase in Confidence -------------------------------------------------------
def test_average_drop_and_increase_follow_the_definition(tiny):
    torch.manual_seed(8)
    x = torch.randn(3, 3, 6, 6)
    state, xs = copy.deepcopy(tiny.state_dict()), x.clone()
    ones = torch.ones(3, 6, 6)
    assert torch.equal(average_drop(tiny, x, ones), torch.zeros(3))  # E = x: nothing lost
    assert not bool(increase_in_confidence(tiny, x, ones).any())
    maps = torch.rand(3, 6, 6) - 0.3
    y, o = explanation_scores(tiny, x, maps, [0, 1, 2], fill=0.2)
    with torch.no_grad():
        m = maps.clamp(min=0) / maps.clamp(min=0).flatten(1).amax(1).view(3, 1, 1)
        shown = x * m[:, None] + 0.2 * (1 - m[:, None])
        yy = tiny(x).softmax(1)[[0, 1, 2], [0, 1, 2]]
        oo = tiny(shown).softmax(1)[[0, 1, 2], [0, 1, 2]]
    torch.testing.assert_close(y, yy)
    torch.testing.assert_close(o, oo)
    torch.testing.assert_close(average_drop(tiny, x, maps, [0, 1, 2], fill=0.2), (yy - oo).clamp(min=0) / yy)
    assert torch.equal(increase_in_confidence(tiny, x, maps, [0, 1, 2], fill=0.2), yy < oo)
    # a map with nothing positive keeps nothing: the model sees the fill only
    y0, o0 = explanation_scores(tiny, x, -torch.ones(3, 6, 6), [0, 1, 2], fill=0.2)
    with torch.no_grad():
        torch.testing.assert_close(o0, tiny(torch.full_like(x, 0.2)).softmax(1)[[0, 1, 2], [0, 1, 2]])
    _untouched(tiny, x, state, xs)


def test_the_metrics_work_on_a_classifier_with_named_fills(tiny):
    clf = cv.wrap_model(tiny, input_size=8, device="cpu")
    x = torch.randn(1, 3, 8, 8)
    a = torch.rand(1, 8, 8)
    assert average_drop(clf, x, a, "class 1", fill="black").shape == (1,)
    assert faithfulness_correlation(clf, x, a, "class 1", n=3, subset_size=4, fill="grey", seed=0).shape == (1,)


# --- bad input ---------------------------------------------------------------------------------
def _calls(model, x, a):
    return {
        "faithfulness_correlation": lambda **k: faithfulness_correlation(model, x, a, **{"n": 3, "subset_size": 4, **k}),
        "max_sensitivity": lambda **k: max_sensitivity(model, x, **{"n": 2, **k}),
        "avg_sensitivity": lambda **k: avg_sensitivity(model, x, **{"n": 2, **k}),
        "infidelity": lambda **k: infidelity(model, x, a, **{"n": 3, **k}),
        "road": lambda **k: road(model, x, a, **k),
        "average_drop": lambda **k: average_drop(model, x, a, **k),
        "increase_in_confidence": lambda **k: increase_in_confidence(model, x, a, **k),
    }


BAD = [
    ("faithfulness_correlation", {"n": 0}, ValueError, "n must be"),
    ("faithfulness_correlation", {"subset_size": 1000}, ValueError, "subset_size"),
    ("faithfulness_correlation", {"subset_size": 2.5}, TypeError, "subset_size"),
    ("faithfulness_correlation", {"output": "softmax"}, ValueError, "output"),
    ("faithfulness_correlation", {"subsets": [[0, 1], [2, 99999]]}, ValueError, "subsets"),
    ("faithfulness_correlation", {"subsets": [[0.5, 1.0], [2.0, 3.0]]}, TypeError, "subsets"),
    ("faithfulness_correlation", {"fill": "purple"}, ValueError, "fill"),
    ("faithfulness_correlation", {"seed": 1.5}, TypeError, "seed"),
    ("max_sensitivity", {"radius": 0.0}, ValueError, "radius"),
    ("max_sensitivity", {"method": "gradcamm"}, ValueError, "Closest"),
    ("max_sensitivity", {"method": 3}, TypeError, "method"),
    ("max_sensitivity", {"steps_typo": 3}, TypeError, "steps_typo"),
    ("avg_sensitivity", {"relative": "yes"}, TypeError, "relative"),
    ("avg_sensitivity", {"n": -1}, ValueError, "n must be"),
    ("infidelity", {"noise": -0.1}, ValueError, "noise"),
    ("infidelity", {"normalize": 1}, TypeError, "normalize"),
    ("infidelity", {"output": "probability"}, ValueError, "output"),
    ("road", {"fractions": [0.5, 1.0]}, ValueError, "fractions"),
    ("road", {"fractions": [0.6, 0.2]}, ValueError, "fractions"),
    ("road", {"order": "most"}, ValueError, "order"),
    ("road", {"output": "acc"}, ValueError, "output"),
    ("road", {"noise": float("nan")}, ValueError, "noise"),
    ("average_drop", {"reduce": "mean"}, ValueError, "reduce"),
    ("average_drop", {"output": "logits"}, ValueError, "output"),
    ("increase_in_confidence", {"fill": [0.1, 0.2]}, ValueError, "fill"),
]


@pytest.mark.parametrize("name, kwargs, error, words", BAD)
def test_bad_keywords_raise_one_clear_error(tiny, name, kwargs, error, words):
    x, a = torch.randn(2, 3, 6, 6), torch.randn(2, 6, 6)
    state, xs = copy.deepcopy(tiny.state_dict()), x.clone()
    with pytest.raises(error, match=words):
        _calls(tiny, x, a)[name](**kwargs)
    _untouched(tiny, x, state, xs)


@pytest.mark.parametrize("name", list(_calls(None, None, None)))
def test_bad_images_targets_and_maps_are_refused(tiny, name):
    x, a = torch.randn(2, 3, 6, 6), torch.randn(2, 6, 6)
    with pytest.raises(ValueError, match="x"):
        _calls(tiny, torch.randn(2, 6, 6), a)[name]()
    with pytest.raises(TypeError):
        _calls(tiny, "image.png", a)[name]()
    with pytest.raises(ValueError, match="target"):
        _calls(tiny, x, a)[name](target=[[0, 1], [1, 2]])
    with pytest.raises(ValueError, match="target"):
        _calls(tiny, x, a)[name](target=99)
    if name not in ("max_sensitivity", "avg_sensitivity"):
        with pytest.raises(ValueError, match="attribution|maps"):
            _calls(tiny, x, torch.randn(3, 6, 6))[name]()
        with pytest.raises(TypeError, match="attribution"):
            _calls(tiny, x, "map")[name]()
    assert_clean(tiny)


def test_a_method_that_returns_the_wrong_shape_is_named(tiny):
    with pytest.raises(ValueError, match="method must return one map per image"):
        max_sensitivity(tiny, torch.randn(2, 3, 6, 6), method=lambda m, x, t=None: x[:1], n=2)


def test_average_drop_refuses_a_nonpositive_logit(linear, x4):
    with torch.no_grad():
        neg = int(linear(x4)[0].argmin())
    with pytest.raises(ValueError, match="output"):
        average_drop(linear, x4[:1], torch.rand(1, 4, 4), neg, output="logit")


# --- the model as it was: train-mode BatchNorm, on success and when the forward fails half-way ---
from fuzzkit import ModelState, make_model  # noqa: E402

X16 = torch.randn(2, 3, 16, 16)
A16 = torch.rand(2, 16, 16)
STATE_CALLS = {
    "faithfulness_correlation": lambda m: faithfulness_correlation(m, X16, A16, n=3, subset_size=4, seed=0, progress=False),
    "max_sensitivity": lambda m: max_sensitivity(m, X16, method="gradcam", layer="conv2", n=2, seed=0, progress=False),
    "avg_sensitivity": lambda m: avg_sensitivity(m, X16, method="saliency", n=2, seed=0, progress=False),
    "infidelity": lambda m: infidelity(m, X16, A16, n=3, seed=0, progress=False),
    "road": lambda m: road(m, X16, A16, fractions=[0.3, 0.6], seed=0, progress=False),
    "average_drop": lambda m: average_drop(m, X16, A16),
    "increase_in_confidence": lambda m: increase_in_confidence(m, X16, A16),
}


@pytest.mark.parametrize("name", sorted(STATE_CALLS))
@pytest.mark.parametrize("fail", [False, True])
def test_a_train_mode_batchnorm_model_is_left_as_it_was(name, fail):
    net = make_model("bn_train")
    state = ModelState.of(net)
    x = X16.clone()
    calls = {"n": 0}

    def explode(_module, _inputs, _output):
        calls["n"] += 1
        if calls["n"] > 1:
            raise RuntimeError("the model failed")

    handle = net.fc.register_forward_hook(explode) if fail else None
    try:
        try:
            STATE_CALLS[name](net)
        except RuntimeError as err:
            assert fail and "the model failed" in str(err)
    finally:
        if handle is not None:
            handle.remove()
    state.assert_same(net, name)
    assert torch.equal(x, X16)
