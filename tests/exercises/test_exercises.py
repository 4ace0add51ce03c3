"""Every checker accepts the right answer and answers each likely mistake with the hint
written for it (not a generic one), and every notebook has predict-then-run questions.

Checker times are measured by benchmarks/bench_exercises.py (speed is a benchmark here,
not a timed test)."""

from __future__ import annotations

import pytest
import torch

import cnnviz_lab as cv
from cnnviz_lab.exercises.optvis import _step  # the checker's reference DeepDream step and its likely mistakes
from cnnviz_lab.exercises.quiz import QUESTIONS, _load_topics

ex = cv.exercises


def verdict(capsys, ok: bool, *words: str) -> str:
    """The last verdict printed: right or not, with these words in it."""
    out = capsys.readouterr().out.strip().splitlines()[-1]
    assert out.startswith("correct") == ok, out
    for w in words:
        assert w in out, f"expected {w!r} in: {out}"
    return out


# ----------------------------------------------------------------------------- 00
def right_top_k(logits, k):
    return logits.softmax(dim=1).topk(k, dim=1)


@pytest.mark.parametrize(
    "wrong, words",
    [
        (lambda z, k: tuple(t.flip(1) for t in right_top_k(z, k)), "ascending order"),
        (lambda z, k: z.topk(k, dim=1), "logits, not probabilities"),
        (lambda z, k: z.softmax(dim=0).topk(k, dim=1), "dim=1"),
        (lambda z, k: right_top_k(z, k)[::-1], "probabilities first"),
        (lambda z, k: z.log_softmax(dim=1).topk(k, dim=1), "log_softmax"),
    ],
)
def test_top_k_hints(wrong, words, capsys):
    assert ex.check_top_k(right_top_k)
    verdict(capsys, True)
    assert not ex.check_top_k(wrong)
    out = verdict(capsys, False, words)
    if words == "ascending order":
        assert "softmax" not in out  # the misleading hint


def hooked(clone: bool = True, remove: str = "finally", give: str = "tensor"):
    """layer_output(model, layer, x) written right, or with one likely mistake."""

    def layer_output(model, layer, x):
        store = []
        handle = layer.register_forward_hook(lambda m, i, o: store.append(o.detach().clone() if clone else o))
        if remove == "finally":
            try:
                out = model(x)
            finally:
                handle.remove()
        else:
            out = model(x)
            if remove == "after":
                handle.remove()
        return {"tensor": store[0] if store else None, "list": store, "model": out}[give]

    return layer_output


@pytest.mark.parametrize(
    "wrong, words",
    [
        (hooked(clone=False), "store output.detach().clone()"),
        (hooked(remove="never"), "still on the model"),
        (hooked(remove="after"), "finally"),
        (hooked(give="list"), "store[0]"),
        (hooked(give="model"), "the model's output"),
        (lambda model, layer, x: 3.0, "not float"),
    ],
)
def test_layer_output_hints(wrong, words, capsys):
    assert ex.check_layer_output(hooked())
    verdict(capsys, True, "always comes off")
    assert not ex.check_layer_output(wrong)
    verdict(capsys, False, words)


def test_layer_output_agrees_with_capture_and_rejects_a_non_function():
    net = torch.nn.Sequential(torch.nn.Conv2d(3, 2, 3), torch.nn.ReLU(inplace=True))
    x = torch.randn(1, 3, 6, 6)
    with cv.capture(net, "0") as cap:
        net(x)
    assert torch.equal(hooked()(net, net[0], x), cap.activations["0"]) and cv.hook_count(net) == 0
    with pytest.raises(TypeError, match="fn"):
        ex.check_layer_output("layer_output")


@pytest.fixture(scope="module")
def lite():
    return cv.load_model()


@pytest.mark.parametrize(
    "wrong, words",
    [
        (lambda c, x, l, k: cv.activations(c, x, l)[0].mean(dim=(1, 2)).topk(k).indices.flip(0), "ascending"),
        (lambda c, x, l, k: cv.activations(c, x, l)[0].amax(dim=(1, 2)).topk(k).indices, "maximum"),
        (lambda c, x, l, k: cv.activations(c, x, l)[0].mean(dim=(1, 2)).topk(k).values, "channel indices"),
    ],
)
def test_most_active_channels_hints(wrong, words, lite, capsys):
    x = lite.preprocess(cv.sample_image("cat"), size=96)
    right = lambda c, x, l, k: cv.activations(c, x, l)[0].mean(dim=(1, 2)).topk(k).indices  # noqa: E731
    assert ex.check_most_active_channels(right, lite, x, "blocks.8")
    assert not ex.check_most_active_channels(wrong, lite, x, "blocks.8")
    verdict(capsys, False, words)


# ----------------------------------------------------------------------------- 01
def _grad(model, x, score):
    x = x.detach().requires_grad_(True)
    (g,) = torch.autograd.grad(score(model(x)).sum(), x)
    return g


@pytest.mark.parametrize(
    "wrong, words",
    [
        (lambda m, x, t: _grad(m, x, lambda z: z.softmax(1)[:, t]), "softmax probability"),
        (lambda m, x, t: _grad(m, x, lambda z: z.log_softmax(1)[:, t]), "log-probability"),
        (lambda m, x, t: _grad(m, x, lambda z: z[:, t]).abs().amax(dim=1), "colour channels"),
        (lambda m, x, t: _grad(m, x, lambda z: z[:, t]).abs(), "no abs()"),
        (lambda m, x, t: _grad(m, x, lambda z: z[:, (t + 1) % 10]), "class 4"),
        (lambda m, x, t: _grad(m, x, lambda z: z[:, t]) * x, "input x gradient"),
    ],
)
def test_saliency_hints(wrong, words, capsys):
    assert ex.check_saliency(lambda m, x, t: _grad(m, x, lambda z: z[:, t]))
    assert not ex.check_saliency(wrong)
    verdict(capsys, False, words)


# ----------------------------------------------------------------------------- 02-04
def _dxdy(x):
    return x[..., :-1, 1:] - x[..., :-1, :-1], x[..., 1:, :-1] - x[..., :-1, :-1]


@pytest.mark.parametrize(
    "wrong, words",
    [
        (lambda x: sum(d.abs() for d in _dxdy(x)).flatten(1).mean(1), "square the differences"),
        (lambda x: sum(d**2 for d in _dxdy(x)).flatten(1).sum(1), "take the mean"),
        (lambda x: sum(d**2 for d in _dxdy(x)).mean(), "one value per image"),
        (lambda x: (x.diff(dim=-1) ** 2).flatten(1).mean(1) + (x.diff(dim=-2) ** 2).flatten(1).mean(1), "crop"),
    ],
)
def test_total_variation_hints(wrong, words, capsys):
    assert ex.check_total_variation(lambda x: sum(d**2 for d in _dxdy(x)).flatten(1).mean(1))
    assert not ex.check_total_variation(wrong)
    verdict(capsys, False, words)


@pytest.mark.parametrize(
    "wrong, words",
    [
        (lambda a, a0: (a - a0).flatten(1).norm(dim=1) / a0.flatten(1).norm(dim=1), "squared norms"),
        (lambda a, a0: (a - a0).flatten(1).pow(2).sum(1), "not normalised"),
        (lambda a, a0: (a - a0).flatten(1).pow(2).sum(1) / a.flatten(1).pow(2).sum(1), "TARGET"),
        (lambda a, a0: (a - a0).pow(2).sum() / a0.pow(2).sum(), "one value per image"),
    ],
)
def test_feature_distance_hints(wrong, words, capsys):
    assert ex.check_feature_distance(lambda a, a0: (a - a0).flatten(1).pow(2).sum(1) / a0.flatten(1).pow(2).sum(1))
    assert not ex.check_feature_distance(wrong)
    verdict(capsys, False, words)


@pytest.mark.parametrize(
    "wrong, words",
    [
        (lambda g: g / g.abs().max(), "largest |g|"),
        (lambda g: g / g.std(), "subtract the mean"),
        (lambda g: (g - g.mean()) / (g - g.mean()).norm(), "not the norm"),
        (lambda g: (g - g.mean(dim=(2, 3), keepdim=True)) / g.std(dim=(2, 3), keepdim=True), "per channel"),
    ],
)
def test_normalize_gradient_hints(wrong, words, capsys):
    assert ex.check_normalize_gradient(lambda g: (g - g.mean()) / g.std())
    assert not ex.check_normalize_gradient(wrong)
    verdict(capsys, False, words)


# ----------------------------------------------------------------------------- 05-06
@pytest.mark.parametrize(
    "wrong, words",
    [
        (lambda a, w, c: torch.einsum("k,khw->hw", w[c], a).clamp_min(0), "no ReLU"),
        (lambda a, w, c: torch.einsum("k,khw->hw", w[c], a) / a.shape[0], "SUM the weighted maps"),
        (lambda a, w, c: torch.einsum("k,khw->hw", w[0], a), "row c"),
    ],
)
def test_class_map_hints(wrong, words, capsys):
    assert ex.check_class_map(lambda a, w, c: torch.einsum("k,khw->hw", w[c], a))
    assert not ex.check_class_map(wrong)
    verdict(capsys, False, words)


def test_class_map_success_says_the_map_averages_to_the_score_minus_its_bias(capsys):
    import re

    assert ex.check_class_map(lambda a, w, c: torch.einsum("k,khw->hw", w[c], a))
    line = capsys.readouterr().out
    assert "minus its bias" in line and "correct: and" not in line
    mean, score = re.findall(r"= (-?\d+\.\d+)", line)[:2]
    assert mean == score  # mean(M_3) printed equals w_3 . GAP(A) printed


def _alpha(g):
    return g.mean(dim=(1, 2))[:, None, None]


@pytest.mark.parametrize(
    "wrong, words",
    [
        (lambda a, g: (_alpha(g) * a).sum(0), "final ReLU"),
        (lambda a, g: (g.sum(dim=(1, 2))[:, None, None] * a).sum(0).clamp_min(0), "MEAN of the gradient"),
        (lambda a, g: (g * a).sum(0).clamp_min(0), "average each gradient channel"),
        (lambda a, g: (_alpha(g) * a).sum(0).clamp_min(0) * (g.abs().sum() / g.abs().sum()), "NaN"),
    ],
)
def test_gradcam_hints(wrong, words, capsys):
    assert ex.check_gradcam(lambda a, g: (_alpha(g) * a).sum(0).clamp_min(0))
    assert not ex.check_gradcam(wrong)
    verdict(capsys, False, words)


def test_a_normalised_gradcam_map_is_told_to_stay_raw(capsys):
    safe = lambda a, g: (m := (_alpha(g) * a).sum(0).clamp_min(0)) / m.max().clamp_min(1e-12)  # noqa: E731
    assert not ex.check_gradcam(safe)
    verdict(capsys, False, "raw map")


@pytest.mark.parametrize(
    "wrong, words",
    [
        (lambda a, g: (g * a).sum(0).clamp_min(0), "POSITIVE part"),
        (lambda a, g: (_alpha(g) * a).sum(0).clamp_min(0), "that is Grad-CAM"),
        (lambda a, g: (g.clamp_min(0) * a).mean(0), "SUM over the channels"),
    ],
)
def test_layercam_hints(wrong, words, capsys):
    assert ex.check_layercam(lambda a, g: (g.clamp_min(0) * a).sum(0).clamp_min(0))
    assert not ex.check_layercam(wrong)
    verdict(capsys, False, words)


def _gradcam_pp(a, g):
    """Grad-CAM++ written out channel by channel (Chattopadhay et al. 2018, Eq. 19)."""
    out = torch.zeros(a.shape[1:])
    for k in range(a.shape[0]):
        denom = 2 * g[k] ** 2 + a[k].sum() * g[k] ** 3
        pix = torch.where(denom == 0, torch.zeros_like(denom), g[k] ** 2 / torch.where(denom == 0, 1.0, denom))
        out += (pix * g[k].clamp_min(0)).sum() * a[k]
    return out.clamp_min(0)


def test_gradcam_pp_reference_by_hand():
    a, g = torch.tensor([[[1.0, 2.0]]]), torch.tensor([[[1.0, -1.0]]])  # sum A = 3: a = 1/(2+3) at g = 1
    assert torch.allclose(_gradcam_pp(a, g), torch.tensor([[0.2, 0.4]]))


@pytest.mark.parametrize(
    "wrong, words",
    [
        (lambda a, g: (g.clamp_min(0) * a).sum(0).clamp_min(0), "that is LayerCAM"),
        (
            lambda a, g: (
                (g**2 / (2 * g**2 + a.sum(dim=(1, 2), keepdim=True) * g**3)).mul(g.clamp_min(0)).sum(dim=(1, 2)).mul(a.permute(1, 2, 0)).sum(-1).clamp_min(0)
            ),
            "NaN",
        ),
        (
            lambda a, g: (g**2 / (2 * g**2 + a * g**3)).nan_to_num().mul(g.clamp_min(0)).sum(dim=(1, 2)).mul(a.permute(1, 2, 0)).sum(-1).clamp_min(0),
            "SUM of activations",
        ),
        (lambda a, g: (m := _gradcam_pp(a, g)) / m.max().clamp_min(1e-12), "raw map"),
    ],
)
def test_gradcam_pp_hints(wrong, words, capsys):
    assert ex.check_gradcam_pp(_gradcam_pp)
    verdict(capsys, True, "all-zero gradients")
    assert not ex.check_gradcam_pp(wrong)
    verdict(capsys, False, words)


def test_wrong_object_investigation(lite, capsys):
    x = lite.preprocess(cv.sample_image("drums_and_guitar"))
    body = cv.sample_boxes("drums_and_guitar")["electric guitar"][1]  # the guitar's body
    assert ex.check_wrong_object(lite, x, "electric guitar", body, layer="blocks.12")  # below chance, peak off
    verdict(capsys, True, "x chance")
    assert not ex.check_wrong_object(lite, x, "electric guitar", body)  # the last layer: on the guitar
    verdict(capsys, False, "right object")
    assert not ex.check_wrong_object(lite, x, "goldfish", body, layer="blocks.12")
    verdict(capsys, False, "top-5")
    assert not ex.check_wrong_object(lite, x, "electric guitar", (0, 0, 224, 224), layer="blocks.12")
    verdict(capsys, False, "covers 100%")
    assert not ex.check_wrong_object(lite, x, "electric guitar", (0, 0, 300, 10))
    verdict(capsys, False, "not inside")


def test_wrong_object_reads_the_maximum_as_a_cell(lite, capsys):
    # XGrad-CAM of 'espresso' at blocks.12: below chance on the cup, and its maximal pixel (x = 175) is inside the box
    # (x1 = 184), but its 7x7 cell (x = 160 to 191) straddles the box's right edge: undefined, so no pass
    cup, box = lite.preprocess(cv.sample_image("coffee")), cv.sample_boxes("coffee")["espresso"][0]
    heat = cv.xgradcam(lite, cup, "espresso", layer="blocks.12")
    assert bool(cv.pointing_game(heat[0], [box])[0]) and cv.pointing_outcome(heat[0], [box], grid=7) == ["split"]
    assert not ex.check_wrong_object(lite, cup, "espresso", box, layer="blocks.12", method="xgradcam")
    verdict(capsys, False, "straddles the box's edge")
    assert ex.check_wrong_object(lite, cup, "espresso", box, layer="blocks.12")  # Grad-CAM's maximal cell is outside: a miss


def test_wrong_object_fails_a_uniform_map(lite, capsys):
    # a map with no information puts exactly the box's area inside it: never "wrong object"
    x = lite.preprocess(cv.sample_image("drums_and_guitar"))
    body = cv.sample_boxes("drums_and_guitar")["electric guitar"][1]

    def uniform(model, x, target=None, *, layer=None):
        return torch.ones(x.shape[0], *x.shape[-2:])

    assert not ex.check_wrong_object(lite, x, "electric guitar", body, method=uniform)
    verdict(capsys, False, "1.0x chance")

    # a map peaked inside the box fails too, even with little mass there
    def peaked(model, x, target=None, *, layer=None):
        m = torch.ones(x.shape[0], *x.shape[-2:]) * 0.5
        m[:, body[1] + 5, body[0] + 5] = 1.0
        return m

    assert not ex.check_wrong_object(lite, x, "electric guitar", body, method=peaked, max_ratio=2.0)
    verdict(capsys, False, "maximum is inside")


# ----------------------------------------------------------------------------- 07
def occlude(x, top, left, window, value):
    out = x.clone()
    out[:, :, top : top + window, left : left + window] = value
    return out


def _square(top, left, window, value, channels=slice(None), images=slice(None)):
    def fn(x, t, l, w, v):
        out = x.clone()
        out[images, channels, top(t, l) : top(t, l) + window(w), left(t, l) : left(t, l) + window(w)] = v
        return out

    return fn


@pytest.mark.parametrize(
    "wrong, words",
    [
        (_square(lambda t, l: l, lambda t, l: t, lambda w: w, 0), "swapped"),
        (_square(lambda t, l: t, lambda t, l: l, lambda w: w + 1, 0), "one pixel too many"),
        (_square(lambda t, l: t, lambda t, l: l, lambda w: w, 0, channels=0), "EVERY channel"),
        (lambda x, t, l, w, v: x.index_put_((), x) if False else _in_place(x, t, l, w, v), "changed x itself"),
    ],
)
def test_occlude_hints(wrong, words, capsys):
    assert ex.check_occlude(occlude)
    assert not ex.check_occlude(wrong)
    verdict(capsys, False, words)


def _in_place(x, top, left, window, value):
    x[:, :, top : top + window, left : left + window] = value
    return x


def _drop(score=lambda z: z.softmax(1), follow_occluded=False, sign=1, swap=False):
    def fn(clf, x, top, left, window):
        t, l = (left, top) if swap else (top, left)
        with torch.no_grad():
            p, q = score(clf.model(x))[0], score(clf.model(occlude(x, t, l, window, 0.0)))[0]
        c = int((q if follow_occluded else p).argmax())
        return sign * float(p[c] - q[c])

    return fn


@pytest.mark.parametrize("wrong, words", [(_drop(score=lambda z: z), "logits"), (_drop(sign=-1), "sign is flipped"), (_drop(swap=True), "swapped")])
def test_occlusion_drop_hints(wrong, words, lite, capsys):
    x = lite.preprocess(cv.sample_image("cat"))
    assert ex.check_occlusion_drop(_drop(), lite, x)
    verdict(capsys, True)
    assert not ex.check_occlusion_drop(wrong, lite, x)
    verdict(capsys, False, words)


def test_occlusion_drop_hint_for_the_occluded_images_class(capsys):
    """A net whose top class flips when a quarter of the image is hidden: class "a" reads the
    red mean (10 x 1.0 on the whole image, 7.5 with a square hidden), "b" and "c" are constants
    (9.5 and 9.0)."""
    net = torch.nn.Sequential(torch.nn.Conv2d(3, 3, 1), torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(), torch.nn.Linear(3, 3)).eval()
    with torch.no_grad():
        net[0].weight.copy_(torch.eye(3).view(3, 3, 1, 1))  # the identity
        net[0].bias.zero_()
        net[3].weight.copy_(torch.tensor([[10.0, 0, 0], [0, 0, 0], [0, 0, 0]]))
        net[3].bias.copy_(torch.tensor([0.0, 9.5, 9.0]))
    clf = cv.models.wrap_model(net, ["a", "b", "c"], input_size=32)
    x = torch.ones(1, 3, 32, 32)
    assert ex.check_occlusion_drop(_drop(), clf, x)
    verdict(capsys, True)
    assert not ex.check_occlusion_drop(_drop(follow_occluded=True), clf, x)
    verdict(capsys, False, "OCCLUDED image")


# ----------------------------------------------------------------------------- 08
@pytest.mark.parametrize(
    "wrong, words",
    [
        (lambda f, s: float(((f[1:] - f[:-1]) * s[:-1]).sum()), "left Riemann"),
        (lambda f, s: float(((f[1:] - f[:-1]) * (s[1:] + s[:-1])).sum()), "/ 2"),
        (lambda f, s: float(torch.trapezoid(f, s)), "swapped"),
        (lambda f, s: float(s.mean()), "even grid"),
    ],
)
def test_trapezoid_hints(wrong, words, capsys):
    assert ex.check_trapezoid_auc(lambda f, s: float(torch.trapezoid(s, f)))
    assert not ex.check_trapezoid_auc(wrong)
    verdict(capsys, False, words)


def test_box_share(capsys):
    def right(boxes, size):
        m = torch.zeros(size, size, dtype=torch.bool)
        for x0, y0, x1, y1 in boxes:
            m[y0:y1, x0:x1] = True
        return float(m.float().mean())

    assert ex.check_box_share(right)
    verdict(capsys, True)
    assert right([(0, 0, 6, 4), (3, 2, 9, 8)], 12) == (24 + 36 - 6) / 144  # union by hand: overlap 3x2 once
    summed = lambda boxes, size: sum((x1 - x0) * (y1 - y0) for x0, y0, x1, y1 in boxes) / size**2
    assert not ex.check_box_share(summed)
    verdict(capsys, False, "overlap")
    assert not ex.check_box_share(lambda boxes, size: right(boxes, size) * size)
    verdict(capsys, False, "size * size")
    assert not ex.check_box_share(lambda boxes, size: right([(a, b, c + 1, d + 1) for a, b, c, d in boxes], size))
    verdict(capsys, False, "exclusive")
    assert not ex.check_box_share(lambda boxes, size: "half")
    verdict(capsys, False, "one number")


def test_sanity_failure_hints(capsys):
    from cnnviz_lab.evaluate import RandomizationResult

    def result(values):
        rho = torch.tensor([values])
        return RandomizationResult(["a", "b"], rho, rho, torch.zeros(3, 1, 4, 4), torch.tensor([0]), "m", True)

    sanity = {"saliency": result([0.3, 0.1]), "guided_backprop": result([0.99, 0.95]), "gradcam": result([0.0, -0.1])}
    assert ex.check_sanity_failure("guided_backprop", sanity)
    verdict(capsys, True, "averages 0.97 over the cascade")
    assert not ex.check_sanity_failure("gradcam", sanity)
    verdict(capsys, False, "LOWEST")
    assert not ex.check_sanity_failure("saliency", sanity)
    verdict(capsys, False, "stays highest")
    assert not ex.check_sanity_failure("no such thing", sanity)
    verdict(capsys, False, "choose from")


# ----------------------------------------------------------------------------- 12
def _lrp_eps(x, w, b, r, eps, bias=True, sign=True, divide=True, times_x=True):
    z = w @ x + (b if bias else 0)
    den = z + eps * (torch.where(z >= 0, 1.0, -1.0) if sign else 1.0)
    s = r / den if divide else r
    return (x if times_x else 1) * (w.T @ s)


@pytest.mark.parametrize(
    "wrong, words",
    [
        (lambda x, w, b, r, e: _lrp_eps(x, w, b, r, e, times_x=False), "multiply by the input"),
        (lambda x, w, b, r, e: _lrp_eps(x, w, b, r, e, bias=False), "include the bias"),
        (lambda x, w, b, r, e: _lrp_eps(x, w, b, r, e, sign=False), "sign of z"),
        (lambda x, w, b, r, e: _lrp_eps(x, w, b, r, e, divide=False), "divide the relevance"),
    ],
)
def test_lrp_epsilon_hints(wrong, words, capsys):
    assert ex.check_lrp_epsilon(_lrp_eps)
    verdict(capsys, True)
    assert not ex.check_lrp_epsilon(wrong)
    verdict(capsys, False, words)


def test_the_lrp_epsilon_reference_is_the_package_rule():
    from torch import nn

    from cnnviz_lab.core import Composite, Epsilon
    from cnnviz_lab.exercises.relevance import lrp_epsilon_reference

    gen = torch.Generator().manual_seed(3)
    layer = nn.Linear(5, 4)
    layer.weight.data, layer.bias.data = torch.randn(4, 5, generator=gen), torch.randn(4, generator=gen)
    x = torch.randn(1, 5, 1, 1, generator=gen)  # five one-pixel channels, flattened for the layer
    net = nn.Sequential(nn.Flatten(), layer).eval()
    for eps in (1e-9, 0.7):
        got = cv.lrp(net, x, 2, composite=Composite([(nn.Linear, Epsilon(eps))])).flatten()
        r = torch.zeros(4)
        r[2] = float(layer(x.flatten(1))[0, 2].detach())
        torch.testing.assert_close(got, lrp_epsilon_reference(x.flatten(), layer.weight.data, layer.bias.data, r, eps))


# ----------------------------------------------------------------------------- questions
def test_every_notebook_has_a_predict_then_run_question():
    _load_topics()
    for number in ("00", "01", "02", "03", "04", "05", "06", "07", "08", "12"):
        ids = [q for q in QUESTIONS if q.startswith(number + "-")]
        assert ids, f"notebook {number} has no question"
    for q in QUESTIONS.values():
        assert len(q.options) >= 3 and set(q.hints) == set(q.options) - {q.answer}, q.id
        assert "seed 0" not in q.prompt


@pytest.mark.parametrize("qid", ["00-head-resolution", "04-zero-weight", "06-gradcam-middle-layer"])
def test_questions_answer_right_and_wrong(qid, capsys):
    _load_topics()
    q = QUESTIONS[qid]
    assert ex.check_choice(qid, q.answer)
    wrong = next(k for k in q.options if k != q.answer)
    assert not ex.check_choice(qid, wrong)
    assert q.hints[wrong] in capsys.readouterr().out


def test_noise_floor(capsys):
    from cnnviz_lab.evaluate import spearman

    def right(explain, x, sigma, seed):
        noise = torch.randn(x.shape, generator=torch.Generator().manual_seed(seed))
        return spearman(explain(x).abs(), explain(x + sigma * noise).abs())

    assert ex.check_noise_floor(right)
    verdict(capsys, True)
    # by hand: a map that is the image's first channel, with the noise scaled to 0, keeps rho = 1
    x = torch.randn(1, 3, 4, 4)
    assert float(right(lambda im: im[:, 0], x, 0.0, 0)[0]) == pytest.approx(1.0)
    assert not ex.check_noise_floor(lambda explain, x, sigma, seed: right(explain, x, 0.0, seed))
    verdict(capsys, False, "itself")
    signed = lambda explain, x, sigma, seed: spearman(explain(x), explain(x + sigma * torch.randn(x.shape, generator=torch.Generator().manual_seed(seed))))
    assert not ex.check_noise_floor(signed)
    verdict(capsys, False, "ABSOLUTE")
    assert not ex.check_noise_floor(lambda explain, x, sigma, seed: right(explain, x, 1.0, seed))
    verdict(capsys, False, "sigma")
    assert not ex.check_noise_floor(lambda explain, x, sigma, seed: right(explain, x, sigma, seed + 1))
    verdict(capsys, False, "seed")
    assert not ex.check_noise_floor(lambda explain, x, sigma, seed: "high")
    verdict(capsys, False, "")


# ----------------------------------------------------------------------------- 04: one DeepDream step
def _dream_net():
    """A tiny conv net wrapped as a classifier (it knows its input mean and std)."""
    torch.manual_seed(0)
    body = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3, padding=1), torch.nn.ReLU(), torch.nn.Conv2d(4, 6, 3, stride=2, padding=1))
    head = torch.nn.Sequential(body, torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(), torch.nn.Linear(6, 3))
    return cv.wrap_model(head.eval(), ["a", "b", "c"], input_size=32)


def _unit_photo(net, side=24, seed=0):
    """A random RGB image in [0, 1], normalised for ``net``: ``(1,3,side,side)``."""
    return net.from_unit(torch.rand(1, 3, side, side, generator=torch.Generator().manual_seed(seed)))


def test_the_reference_dream_step_is_one_step_of_deepdream():
    """The checker's reference step (the right answer of the tests below) equals
    cv.deepdream with one octave and one step, for the shift each seed draws."""
    from cnnviz_lab.core.defaults import generator

    net = _dream_net()
    x = _unit_photo(net)
    shifts = []
    for seed in (0, 1, 2):
        dream = cv.deepdream(net, x, {"0.2": 1.0}, octaves=1, steps=1, lr=0.5, jitter=6, seed=seed, as_tensor=True, progress=False)
        shift = tuple(int(v) for v in torch.randint(-6, 7, (2,), generator=generator(seed)))
        shifts.append(shift)
        assert torch.allclose(net.to_unit(_step(net, x, "0.2", 0.5, shift)), dream, rtol=1e-5, atol=1e-5), f"seed {seed}, shift {shift}"
    assert any(s != (0, 0) for s in shifts) and not torch.allclose(dream, net.to_unit(x), atol=1e-3)


def test_the_reference_dream_step_mistakes_are_what_their_hints_say():
    """Each likely mistake of the reference step differs from the right step exactly as its
    hint says (derived from the right step's unclipped change ``delta``, not recomputed)."""
    net = _dream_net()
    x, shift, layer, lr = _unit_photo(net, seed=1), (2, -3), "0.2", 2.0
    raw = _step(net, x, layer, lr, shift, clip=False)
    delta = raw - x
    lo, hi = (0 - net.mean) / net.std, (1 - net.mean) / net.std
    clipped = _step(net, x, layer, lr, shift)
    assert torch.allclose(clipped, raw.clamp(lo, hi)) and not torch.allclose(clipped, raw)  # clip: the valid range
    rolled = _step(net, x, layer, lr, shift, back=False, clip=False)
    assert torch.allclose(rolled, torch.roll(x, shift, dims=(-2, -1)) + delta, atol=1e-6)  # the step added to the rolled copy
    kept = _step(net, x, layer, lr, shift, unroll=False, clip=False)
    assert torch.allclose(kept, x + torch.roll(delta, shift, dims=(-2, -1)), atol=1e-6)  # the gradient not rolled back
    offset = _step(net, x, layer, lr, shift, centre=False, clip=False) - raw  # lr * mean(g) / std(g) everywhere
    assert torch.allclose(offset, offset.flatten()[0].expand_as(offset), atol=1e-6) and offset.flatten()[0].abs() > 1e-4


def test_dream_step_right_answer_matches_deepdream(capsys):
    net, photo = _dream_net(), cv.sample_image("cat")
    before = {k: v.clone() for k, v in net.model.state_dict().items()}
    assert ex.check_dream_step(_step, net, photo, layer="0.2", lr=0.5, jitter=6, side=24)
    verdict(capsys, True, "cv.deepdream")
    assert not ex.check_dream_step(lambda *a: (_ for _ in ()).throw(NotImplementedError()), net, photo, layer="0.2", side=24)
    verdict(capsys, False, "NotImplementedError")
    assert all(torch.equal(v, net.model.state_dict()[k]) for k, v in before.items()) and cv.hook_count(net) == 0


@pytest.mark.parametrize(
    "mistake, words",
    [
        ({"unroll": False}, "roll the gradient back"),
        ({"back": False}, "not to the rolled copy"),
        ({"centre": False}, "subtract the gradient's mean"),
        ({"clip": False}, "clip every value"),
        ({"shift": (0, 0)}, "roll x by the shift"),
    ],
)
def test_dream_step_hints(mistake, words, capsys):
    net, photo = _dream_net(), cv.sample_image("astronaut")
    wrong = lambda net_, x, layer, lr, shift: _step(net_, x, layer, lr, mistake.get("shift", shift), **{k: v for k, v in mistake.items() if k != "shift"})  # noqa: E731
    assert not ex.check_dream_step(wrong, net, photo, layer="0.2", lr=2.0, jitter=6, side=24)
    verdict(capsys, False, words)


def test_dream_step_in_place_and_bad_arguments(capsys):
    net, photo = _dream_net(), cv.sample_image("cat")

    def in_place(net_, x, layer, lr, shift):
        x += 0.1
        return x

    assert not ex.check_dream_step(in_place, net, photo, layer="0.2", side=24)
    verdict(capsys, False, "in place")
    with pytest.raises(TypeError, match="model"):
        ex.check_dream_step(_step, torch.nn.Conv2d(3, 3, 1), photo, "0.2")
    with pytest.raises(TypeError, match="layer"):
        ex.check_dream_step(_step, net, photo, layer=3)
    with pytest.raises(ValueError, match="lr"):
        ex.check_dream_step(_step, net, photo, layer="0.2", lr=0)
    with pytest.raises(ValueError, match="jitter"):
        ex.check_dream_step(_step, net, photo, layer="0.2", jitter=0)
    with pytest.raises(ValueError, match="side"):
        ex.check_dream_step(_step, net, photo, layer="0.2", side=4)
