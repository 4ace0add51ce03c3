"""TCAV (Kim et al. 2018): CAVs, directional derivatives, the t-test, and the procedural images."""

from __future__ import annotations

import math

import numpy as np

import pytest
import torch
from torch import nn

import cnnviz_lab as cv
from cnnviz_lab.concepts.stats import incomplete_beta
from cnnviz_lab.concepts.tcav import layer_activations
from cnnviz_lab.concepts.textures import CONCEPTS


# --- the statistics -----------------------------------------------------------------------
def test_incomplete_beta_by_hand():
    assert incomplete_beta(1, 1, 0.3) == pytest.approx(0.3)  # uniform
    assert incomplete_beta(2, 1, 0.5) == pytest.approx(0.25)  # x^2
    assert incomplete_beta(1, 3, 0.2) == pytest.approx(1 - 0.8**3)  # 1 - (1-x)^3
    assert incomplete_beta(0.5, 0.5, 0.5) == pytest.approx(0.5)  # symmetric
    assert incomplete_beta(3, 4, 0.0) == 0 and incomplete_beta(3, 4, 1.0) == 1
    with pytest.raises(ValueError):
        incomplete_beta(1, 1, 1.5)


def test_t_test_by_hand_and_against_scipy():
    # t for a = [1,2,3], b = [4,5,6]: means differ by 3, pooled variance 1, se = sqrt(2/3)
    t, p = cv.t_test([1.0, 2.0, 3.0], [4.0, 5.0, 6.0])
    assert t == pytest.approx(-3 / math.sqrt(2 / 3))
    # 4 degrees of freedom: |t| = 3.67 lies between the tables' 2.776 (p = 0.05) and 3.747 (p = 0.02)
    assert 0.02 < p < 0.05
    stats = pytest.importorskip("scipy.stats")
    gen = torch.Generator().manual_seed(0)
    for n, m in [(5, 5), (20, 12), (3, 40)]:
        a, b = torch.rand(n, generator=gen), torch.rand(m, generator=gen) + 0.1
        ref = stats.ttest_ind(a.numpy(), b.numpy())
        t, p = cv.t_test(a, b)
        assert t == pytest.approx(ref.statistic, rel=1e-6) and p == pytest.approx(ref.pvalue, rel=1e-6)


def test_t_test_welch_by_hand_and_against_scipy():
    # a = [1,2,3] (variance 1), b = [2,4,6,8,10] (variance 10): se^2 = 1/3 + 2, Welch df from the formula
    a, b = [1.0, 2.0, 3.0], [2.0, 4.0, 6.0, 8.0, 10.0]
    t, p = cv.t_test(a, b, equal_var=False)
    assert t == pytest.approx((2 - 6) / math.sqrt(1 / 3 + 2))
    df = (1 / 3 + 2) ** 2 / ((1 / 3) ** 2 / 2 + 2**2 / 4)
    assert p == pytest.approx(incomplete_beta(df / 2, 0.5, df / (df + t * t)))
    c = [1.0, 5.0, 9.0]  # equal sizes: the same t as Student's, fewer degrees of freedom, so a larger p
    assert cv.t_test(a, c, equal_var=False)[0] == pytest.approx(cv.t_test(a, c)[0])
    assert cv.t_test(a, c, equal_var=False)[1] > cv.t_test(a, c)[1]
    assert cv.t_test([1.0, 1.0], [1.0, 1.0], equal_var=False) == (0.0, 1.0)
    with pytest.raises(TypeError, match="equal_var"):
        cv.t_test(a, b, equal_var="no")
    stats = pytest.importorskip("scipy.stats")
    gen = torch.Generator().manual_seed(1)
    for n, m in [(5, 9), (20, 20), (4, 30)]:
        x, y = torch.rand(n, generator=gen), 3 * torch.rand(m, generator=gen)
        ref = stats.ttest_ind(x.numpy(), y.numpy(), equal_var=False)
        t, p = cv.t_test(x, y, equal_var=False)
        assert t == pytest.approx(ref.statistic, rel=1e-6) and p == pytest.approx(ref.pvalue, rel=1e-5)


def test_t_test_constant_samples_and_errors():
    assert cv.t_test([1.0, 1.0], [1.0, 1.0]) == (0.0, 1.0)
    assert cv.t_test([1.0, 1.0, 1.0], [0.0, 0.0])[1] == 0.0
    with pytest.raises(ValueError, match="two values"):
        cv.t_test([1.0], [1.0, 2.0])


def test_holm_by_hand_and_against_its_definition():
    # m = 4: sorted p 0.01, 0.02, 0.03, 0.5 -> 4*0.01, 3*0.02, 2*0.03, 1*0.5 = 0.04, 0.06, 0.06, 0.5
    adjusted = cv.holm([0.03, 0.5, 0.01, 0.02])
    assert adjusted.tolist() == pytest.approx([0.06, 0.5, 0.04, 0.06])
    # the running maximum keeps the order: 3*0.01, 2*0.02, max(0.04, 1*0.025); 3*0.02 > 2*0.021
    assert cv.holm([0.01, 0.02, 0.025]).tolist() == pytest.approx([0.03, 0.04, 0.04])
    assert cv.holm([0.02, 0.021, 0.9]).tolist() == pytest.approx([0.06, 0.06, 0.9])
    assert cv.holm([0.4, 0.6]).tolist() == pytest.approx([0.8, 0.8])  # clipped at 1 then kept monotone
    assert cv.holm(torch.tensor([0.3])).tolist() == pytest.approx([0.3])  # one test: nothing to correct
    gen = torch.Generator().manual_seed(0)
    p = torch.rand(12, generator=gen) ** 3
    adj = cv.holm(p)
    assert (adj >= p.double() - 1e-12).all() and (adj <= (p.double() * 12).clamp(max=1) + 1e-12).all()
    with pytest.raises(ValueError, match="p_values"):
        cv.holm([0.2, 1.5])
    with pytest.raises(ValueError, match="p_values"):
        cv.holm([])
    with pytest.raises(TypeError, match="p_values"):
        cv.holm("0.1")


def test_tcav_result_corrects_for_every_test():
    r = cv.TCAVResult(0, "zebra", ["a", "b"], ["l1", "l2"])
    r.p_values = {("a", "l1"): 0.001, ("a", "l2"): 0.02, ("b", "l1"): 0.04, ("b", "l2"): 0.6}
    adjusted = r.adjusted_p_values
    assert adjusted[("a", "l1")] == pytest.approx(0.004) and adjusted[("a", "l2")] == pytest.approx(0.06)
    assert r.significant("a", "l1") and not r.significant("a", "l2")  # 0.02 alone, 0.06 after Holm
    assert r.significant("a", "l2", correction=None) and r.significant("b", "l1", correction=None)
    assert not r.significant("b", "l1")
    with pytest.raises(ValueError, match="correction"):
        r.significant("a", "l1", correction="bonferoni")
    with pytest.raises(ValueError, match="alpha"):
        r.significant("a", "l1", alpha=1.5)
    with pytest.raises(ValueError, match="concept 'c'"):
        r.significant("c", "l1")


# --- CAVs and scores ----------------------------------------------------------------------
def test_cav_finds_the_separating_direction():
    gen = torch.Generator().manual_seed(0)
    direction = torch.zeros(50)
    direction[7] = 1.0
    concept = torch.randn(40, 50, generator=gen) + 3 * direction
    random = torch.randn(40, 50, generator=gen)
    v = cv.cav(concept, random, seed=0)
    assert v.vector.shape == (50,) and v.vector.norm() == pytest.approx(1.0, abs=1e-5)
    assert int(v.vector.abs().argmax()) == 7 and v.vector[7] > 0.5  # towards the concept
    assert v.accuracy >= 0.85
    assert torch.equal(cv.cav(concept, random, seed=0).vector, v.vector)  # seeded split
    # (N,C,H,W) activations are flattened
    v4 = cv.cav(concept.view(40, 2, 5, 5), random.view(40, 2, 5, 5), seed=0)
    assert torch.allclose(v4.vector, v.vector)
    with pytest.raises(ValueError, match="differ in size"):
        cv.cav(concept, random[:, :10])
    with pytest.raises(ValueError, match="finite"):
        cv.cav(concept * float("nan"), random)


def test_tcav_score_is_the_fraction_of_positive_directional_derivatives():
    grads = torch.tensor([[1.0, 0.0], [-1.0, 0.0], [2.0, 1.0], [0.0, -1.0]])
    assert cv.tcav_score(grads, torch.tensor([1.0, 0.0])) == 0.5
    assert cv.tcav_score(grads, torch.tensor([0.0, 1.0])) == 0.25  # zero derivative is not positive
    with pytest.raises(ValueError, match="same layer"):
        cv.tcav_score(grads, torch.ones(3))


class _Toy(nn.Module):
    """``feat`` is the image itself; class 1's logit is mean(green) - mean(blue), class 0's the
    opposite: 'green' raises class 1, 'blue' lowers it."""

    def __init__(self):
        super().__init__()
        self.feat = nn.Identity()
        self.scale = nn.Parameter(torch.ones(()))

    def forward(self, x):
        f = self.feat(x) * self.scale
        s = f[:, 1].mean(dim=(1, 2)) - f[:, 2].mean(dim=(1, 2))
        return torch.stack([-s, s], 1)


def _coloured(n, channel, gen):
    x = torch.rand(n, 3, 6, 6, generator=gen)
    if channel is not None:
        x[:, channel] += 1.5
    return x


def test_class_gradients_and_activations_match_autograd():
    model = _Toy()
    x = torch.rand(3, 3, 6, 6)
    g = cv.class_gradients(model, x, 1, ["feat"])["feat"]
    expected = torch.zeros(3, 3, 6, 6)
    expected[:, 1], expected[:, 2] = 1 / 36, -1 / 36
    assert torch.allclose(g, expected)
    assert model.scale.grad is None and model.scale.requires_grad
    acts = layer_activations(model, x, ["feat"])["feat"]
    assert torch.equal(acts, x)
    assert cv.hook_count(model) == 0


def test_tcav_finds_a_concept_that_matters_and_not_a_random_one():
    gen = torch.Generator().manual_seed(0)
    model = _Toy()
    reps = 16
    randoms = [_coloured(12, None, gen) for _ in range(reps)]
    concepts = {
        "green": [_coloured(12, 1, gen) for _ in range(reps)],
        "blue": [_coloured(12, 2, gen) for _ in range(reps)],
        "random": [_coloured(12, None, gen) for _ in range(reps)],
    }
    x = torch.rand(10, 3, 6, 6, generator=gen)
    threads = torch.get_num_threads()
    r = cv.tcav(model, x, 1, concepts, randoms, ["feat"], progress=False)
    assert torch.get_num_threads() == threads
    assert r.mean("green", "feat") == 1.0 and r.significant("green", "feat")
    assert r.mean("blue", "feat") == 0.0 and r.significant("blue", "feat")  # matters, against
    assert not r.significant("random", "feat")
    assert r.random_scores["feat"].shape == (reps,) and r.scores[("green", "feat")].shape == (reps,)
    assert float(r.accuracy[("green", "feat")].mean()) > 0.9
    table = r.table()
    assert "| green | feat | 1.00 |" in table and "| random | feat |" in table
    # one fixed concept batch works too (the paper's setting)
    fixed = cv.tcav(model, x, 1, {"green": concepts["green"][0]}, randoms, [model.feat], progress=False)
    assert fixed.layers == ["feat"] and fixed.mean("green", "feat") == 1.0
    assert cv.hook_count(model) == 0 and model.scale.grad is None


@pytest.mark.parametrize(
    "kwargs, error, word",
    [
        ({"random_sets": "two"}, ValueError, "random_sets"),
        ({"concepts": {}}, ValueError, "concepts"),
        ({"concepts": {"g": [torch.rand(4, 3, 6, 6)] * 2}}, ValueError, "one batch or one per"),
        ({"layers": ["nope"]}, Exception, "nope"),
        ({"target": "zebra"}, TypeError, "Classifier"),
    ],
)
def test_tcav_bad_arguments(kwargs, error, word):
    args = {"target": 1, "concepts": {"g": torch.rand(4, 3, 6, 6)}, "random_sets": [torch.rand(4, 3, 6, 6)] * 3, "layers": ["feat"], **kwargs}
    if args["random_sets"] == "two":
        args["random_sets"] = [torch.rand(4, 3, 6, 6)] * 2
    with pytest.raises(error, match=word):
        cv.tcav(_Toy(), torch.rand(2, 3, 6, 6), args["target"], args["concepts"], args["random_sets"], args["layers"], progress=False)


# --- the procedural images ----------------------------------------------------------------
@pytest.mark.parametrize("concept", CONCEPTS)
def test_concept_images(concept):
    x = cv.concept_images(concept, 4, size=48, seed=1)
    assert x.shape == (4, 3, 48, 48) and x.min() >= 0 and x.max() <= 1
    assert torch.equal(x, cv.concept_images(concept, 4, size=48, seed=1))
    assert torch.equal(x[:2], cv.concept_images(concept, 2, size=48, seed=1))  # image i depends on (seed, i)
    assert not torch.equal(x, cv.concept_images(concept, 4, size=48, seed=2))
    assert x.std(dim=(2, 3)).mean() > 0.1, "a pattern, not a flat colour"


def test_concepts_differ_from_each_other_and_errors():
    a = cv.concept_images("striped", 2, size=32)
    b = cv.concept_images("dotted", 2, size=32)
    assert not torch.equal(a, b)
    with pytest.raises(ValueError, match="concept"):
        cv.concept_images("plaid", 2)
    with pytest.raises(ValueError, match="size"):
        cv.concept_images("striped", 2, size=4)
    assert cv.concept_images("dotted", 0, size=32).shape == (0, 3, 32, 32)


def test_random_images_mix_photos_fields_and_textures():
    x = cv.random_images(6, size=40, seed=3)
    assert x.shape == (6, 3, 40, 40) and x.min() >= 0 and x.max() <= 1
    assert torch.equal(x, cv.random_images(6, size=40, seed=3))
    assert not torch.equal(x, cv.random_images(6, size=40, seed=4))


def test_zebra_drawings_are_zebras_to_the_pretrained_model():
    clf = cv.load_model()
    z = cv.zebra_images(12, size=128, seed=0)
    assert z.shape == (12, 3, 128, 128) and z.min() >= 0 and z.max() <= 1
    top = clf.logits(clf.from_unit(z)).argmax(1)
    assert float((top == clf.class_index("zebra")).float().mean()) >= 0.5


def test_plain_zebra_drawings_keep_the_pose_and_lose_the_stripes():
    z = cv.zebra_images(3, size=64, seed=5)
    plain = cv.zebra_images(3, size=64, seed=5, striped=False)
    assert plain.shape == z.shape and plain.min() >= 0 and plain.max() <= 1
    same = (plain - z).abs().amax(1) < 1e-6  # pixels untouched by the coat: the background
    assert 0.3 < float(same.float().mean()) < 0.97  # the same background, a different animal
    coat = (plain - z).abs().amax(1) > 0.2  # well inside the animal
    grey = plain.mean(1)[coat]
    assert float(grey.std()) < 0.06 and float(z.mean(1)[coat].std()) > 0.2  # plain, where the zebra is striped
    with pytest.raises(TypeError, match="striped"):
        cv.zebra_images(1, size=16, striped="no")


def test_tcav_panel_and_figures():
    from matplotlib.figure import Figure

    gen = torch.Generator().manual_seed(0)
    model = _Toy()
    randoms = [_coloured(6, None, gen) for _ in range(3)]
    r = cv.tcav(model, torch.rand(4, 3, 6, 6, generator=gen), 1, {"green": [_coloured(6, 1, gen) for _ in range(3)]}, randoms, ["feat"], progress=False)
    fig = cv.plot.tcav(r)
    assert isinstance(fig, Figure) and isinstance(cv.plot.tcav_scores(r, "green", "feat"), Figure)
    for line in fig.axes[0].get_lines():  # error bars span percentiles: never outside [0, 1]
        ys = line.get_ydata()
        assert len(ys) == 0 or (min(ys) >= 0 and max(ys) <= 1), ys
    med = cv.plot.tcav(r, centre="median", fontsize=12)  # bars at the median, inside their quartiles
    heights = [b.get_height() for b in med.axes[0].patches]
    assert heights[0] == pytest.approx(float(np.median(r.scores[("green", "feat")].numpy())))
    assert heights[1] == pytest.approx(float(np.median(r.random_scores["feat"].numpy())))
    assert "median over" in med.axes[0].get_title()
    with pytest.raises(ValueError, match="centre"):
        cv.plot.tcav(r, centre="mode")
    assert isinstance(cv.plot.concept_examples({"green": randoms[0], "z": randoms[1]}, n=3), Figure)
    panel = cv.widgets.tcav_panel(r, size=32)
    assert isinstance(panel.render(concept="green", layer="feat", texture="dotted", draw=3), Figure)
    assert panel.controls["draw"].value == 0 and cv.widgets.tcav_panel(r, size=32, draw=2).controls["draw"].value == 2


def test_exercise_checkers(capsys):
    def right(a, b):
        n, m = len(a), len(b)
        pooled = (((a - a.mean()) ** 2).sum() + ((b - b.mean()) ** 2).sum()) / (n + m - 2)
        return float((a.mean() - b.mean()) / (pooled * (1 / n + 1 / m)).sqrt())

    assert cv.exercises.check_t_statistic(right)
    mistakes = {
        "n + m - 2": lambda a, b: float(
            (a.mean() - b.mean()) / (((((a - a.mean()) ** 2).sum() + ((b - b.mean()) ** 2).sum()) / (len(a) + len(b))) * (1 / len(a) + 1 / len(b))).sqrt()
        ),
        "Welch": lambda a, b: float((a.mean() - b.mean()) / (a.var() / len(a) + b.var() / len(b)).sqrt()),
        "square root": lambda a, b: float(
            (a.mean() - b.mean()) / ((((a - a.mean()) ** 2).sum() + ((b - b.mean()) ** 2).sum()) / (len(a) + len(b) - 2) * (1 / len(a) + 1 / len(b)))
        ),
        "sign": lambda a, b: -right(a, b),
    }
    for hint, fn in mistakes.items():
        capsys.readouterr()
        assert not cv.exercises.check_t_statistic(fn)
        assert hint in capsys.readouterr().out, hint
    assert cv.exercises.check_choice("10-random-spread", "c")
    for wrong in ("a", "b", "d"):
        assert not cv.exercises.check_choice("10-random-spread", wrong)
    assert cv.exercises.check_choice("10-redrawn-top", "b")
    for wrong in ("a", "c", "d"):
        assert not cv.exercises.check_choice("10-redrawn-top", wrong)
    assert cv.exercises.check_random_concept("b")
    for wrong in ("a", "c", "d", None):
        assert not cv.exercises.check_random_concept(wrong)


# --- bad input: one clear error, nothing changed (issue 13) ----------------------------------
class _ToyWritesInput(_Toy):
    def forward(self, x):
        return super().forward(x.mul_(0.5))


def test_class_gradients_gate():
    import numpy as np

    x = torch.rand(2, 3, 6, 6)
    g = cv.class_gradients(_Toy(), x, np.int64(1), ["feat"])
    assert torch.equal(g["feat"], cv.class_gradients(_Toy(), x, 1, "feat")["feat"])
    before = x.clone()
    cv.class_gradients(_ToyWritesInput(), x, 1, ["feat"], batch_size=1)
    assert torch.equal(x, before), "the caller's x was written by the model"
    for target, error in ((7, ValueError), (1.5, TypeError), ([0, 1], TypeError), (None, TypeError)):
        with pytest.raises(error, match="target"):
            cv.class_gradients(_Toy(), x, target, ["feat"])
    for layers, error in ((3, TypeError), (["nope"], ValueError), ([], ValueError)):
        with pytest.raises(error, match="layers"):
            cv.class_gradients(_Toy(), x, 1, layers)
    for bad, error in ((x[:0], ValueError), ((x * 255).to(torch.uint8), TypeError), (x.numpy(), TypeError)):
        with pytest.raises(error, match="x"):
            cv.class_gradients(_Toy(), bad, 1, ["feat"])
    with pytest.raises(TypeError, match="batch_size"):
        cv.class_gradients(_Toy(), x, 1, ["feat"], batch_size=2.5)


def test_tcav_checks_every_set_before_computing():
    sets = [torch.rand(3, 3, 6, 6) for _ in range(3)]
    concept = {"g": torch.rand(3, 3, 6, 6)}
    for kwargs, error, word in [
        ({"random_sets": [torch.rand(1, 3, 6, 6)] * 3}, ValueError, r"random_sets\[0\]"),
        ({"random_sets": sets[:2] + [None]}, TypeError, r"random_sets\[2\]"),
        ({"random_sets": torch.rand(3, 3, 6, 6)}, TypeError, "random_sets"),
        ({"concepts": {"g": torch.rand(3, 3, 8, 8)}}, ValueError, "concepts"),
        ({"concepts": "g"}, TypeError, "concepts"),
        ({"l2": -1.0}, ValueError, "l2"),
        ({"seed": "a"}, TypeError, "seed"),
    ]:
        args = {"concepts": concept, "random_sets": sets, **kwargs}
        with pytest.raises(error, match=word):
            cv.tcav(
                _Toy(),
                torch.rand(2, 3, 6, 6),
                1,
                args["concepts"],
                args["random_sets"],
                ["feat"],
                progress=False,
                **{k: v for k, v in kwargs.items() if k in ("l2", "seed")},
            )


def test_cav_score_and_t_test_name_their_arguments():
    a, b = torch.randn(6, 4), torch.randn(5, 4)
    for kwargs, error, word in [
        ({"holdout": 1.0}, ValueError, "holdout"),
        ({"steps": 2.5}, TypeError, "steps"),
        ({"l2": float("nan")}, ValueError, "l2"),
        ({"seed": "a"}, TypeError, "seed"),
    ]:
        with pytest.raises(error, match=word):
            cv.cav(a, b, **kwargs)
    with pytest.raises(TypeError, match="concept"):
        cv.cav(None, b)
    with pytest.raises(TypeError, match="gradients"):
        cv.tcav_score(None, torch.ones(4))
    with pytest.raises(ValueError, match="gradients"):
        cv.tcav_score(a[:0], torch.ones(4))
    with pytest.raises(TypeError, match="concept_vector"):
        cv.tcav_score(a, "v")
    assert cv.tcav_score(a[:1], torch.ones(4)) in (0.0, 1.0)  # one image is a valid sample
    with pytest.raises(TypeError, match="a must"):
        cv.t_test("ab", [1.0, 2.0])
    with pytest.raises(ValueError, match="b has NaN"):
        cv.t_test([1.0, 2.0], [1.0, float("nan")])


def test_procedural_images_check_their_keywords():
    for call, error, word in [
        (lambda: cv.concept_images("striped", 2, size=16, seed="a"), TypeError, "seed"),
        (lambda: cv.concept_images(3, 2, size=16), TypeError, "concept"),
        (lambda: cv.zebra_images(2.5, size=16), TypeError, "n"),
        (lambda: cv.random_images(1, size="16"), TypeError, "size"),
    ]:
        with pytest.raises(error, match=word):
            call()


def test_tcav_figures_show_every_repeat_and_the_panel_opens_where_asked():
    gen = torch.Generator().manual_seed(0)
    randoms = [_coloured(6, None, gen) for _ in range(4)]
    r = cv.tcav(_Toy(), torch.rand(4, 3, 6, 6, generator=gen), 1, {"green": [_coloured(6, 1, gen) for _ in range(4)]}, randoms, ["feat"], progress=False)
    fig = cv.plot.tcav(r, repeats=True)
    dots = [c for c in fig.axes[0].collections if c.get_offsets().shape[0] == 4]
    assert len(dots) == 2  # one dot per repeat, for the concept and for the random CAVs
    ys = sorted(float(y) for y in dots[0].get_offsets()[:, 1])
    assert ys == pytest.approx(sorted(r.scores[("green", "feat")].tolist()))
    assert any(t.get_text() == "0.5" for t in fig.axes[0].texts) and "one per repeat" in fig.axes[0].get_title()
    assert "no difference shown" in fig.axes[0].get_title() and "not with 0.5" in fig.axes[0].get_title()
    with pytest.raises(TypeError, match="repeats"):
        cv.plot.tcav(r, repeats="yes")
    scores = cv.plot.tcav_scores(r, "green", "feat", fontsize=12)
    texts = [t.get_text() for t in scores.axes[0].texts]
    assert sum(t.startswith("mean") for t in texts) == 2
    means = sorted(float(t.split()[1]) for t in texts if t.startswith("mean"))
    assert means == pytest.approx(sorted([round(r.mean("green", "feat"), 2), round(float(r.random_scores["feat"].mean()), 2)]), abs=0.006)
    with pytest.raises(ValueError, match="fontsize"):
        cv.plot.tcav_scores(r, "green", "feat", fontsize=0)
    panel = cv.widgets.tcav_panel(r, size=32, concept="green", layer="feat")
    assert panel.controls["concept"].value == "green" and panel.controls["layer"].value == "feat"
    assert panel.controls["texture"].value == "striped"  # "green" is no texture kind: the first is shown
    assert all(getattr(c, "errorbar", None) is None for c in fig.axes[0].containers)  # dots replace the error bars
    assert any(getattr(c, "errorbar", None) is not None for c in cv.plot.tcav(r).axes[0].containers)
    with pytest.raises(ValueError, match="concept"):
        cv.widgets.tcav_panel(r, concept="blue")
    with pytest.raises(ValueError, match="layer"):
        cv.widgets.tcav_panel(r, layer="nope")


def test_stacked_dots_count_equal_scores():
    from matplotlib.figure import Figure

    from cnnviz_lab.plot.concepts import _stacked_dots

    ax = Figure().subplots()
    _stacked_dots(ax, [np.array([1.0] * 5 + [0.0]), np.array([0.5, 0.25])], ["C0", "0.5"])
    assert "n = 5" in [t.get_text() for t in ax.texts]
    dots = [c for c in ax.collections if c.get_offsets().shape[0] == 5]
    lines = [c for c in ax.collections if type(c).__name__ == "LineCollection"]
    assert len(dots) == 1 and len(lines) == 2 and all(line.get_zorder() < dots[0].get_zorder() for line in lines)  # means under the dots
    with pytest.raises(ValueError, match="colours"):
        _stacked_dots(ax, [np.array([1.0])], ["C0", "C1"])


def test_check_tcav_score(capsys):
    def right(g, v):
        return float((g.flatten(1) @ v > 0).float().mean())

    assert cv.exercises.check_tcav_score(right)
    mistakes = {
        "S > 0": lambda g, v: float((g.flatten(1) @ v >= 0).float().mean()),
        "count": lambda g, v: float((g.flatten(1) @ v > 0).sum()),
        "sign": lambda g, v: float((g.flatten(1) @ v < 0).float().mean()),
        "mean derivative": lambda g, v: float((g.flatten(1) @ v).mean()),
        "flatten": lambda g, v: float((g @ v > 0).float().mean()),
    }
    for hint, fn in mistakes.items():
        capsys.readouterr()
        assert not cv.exercises.check_tcav_score(fn)
        assert hint in capsys.readouterr().out, hint
    with pytest.raises(TypeError, match="fn"):
        cv.exercises.check_tcav_score("not a function")


def test_tcav_figures_take_annotation_sizes_and_a_height():
    gen = torch.Generator().manual_seed(0)
    randoms = [_coloured(6, None, gen) for _ in range(4)]
    r = cv.tcav(_Toy(), torch.rand(4, 3, 6, 6, generator=gen), 1, {"green": [_coloured(6, 1, gen) for _ in range(4)]}, randoms, ["feat"], progress=False)
    r.scores[("green", "feat")] = torch.ones(4)  # a pile of 4 at 1 gets its n=k label
    counts = [t for t in cv.plot.tcav(r, repeats=True, count_size=13).axes[0].texts if t.get_text() == "n=4"]
    assert counts and all(t.get_fontsize() == 13 for t in counts)
    default = [t for t in cv.plot.tcav(r, repeats=True, fontsize=11).axes[0].texts if t.get_text() == "n=4"]
    assert default and all(t.get_fontsize() == 8 for t in default)  # fontsize - 3, as before
    fig = cv.plot.tcav_baseline(r, r, "green", "feat", annotation_size=12, height=5.0, differences=True)
    labels = [t for ax in fig.axes for t in ax.texts if t.get_text().startswith(("mean", "n = "))]
    assert labels and all(t.get_fontsize() == 12 for t in labels)
    assert fig.get_size_inches()[1] == pytest.approx(5.0)
    small = [t for t in cv.plot.tcav_baseline(r, r, "green", "feat", fontsize=11).axes[0].texts if t.get_text().startswith("mean")]
    assert all(t.get_fontsize() == 9 for t in small)  # fontsize - 2 by default
    for call, error, word in [
        (lambda: cv.plot.tcav(r, count_size=0), ValueError, "count_size"),
        (lambda: cv.plot.tcav(r, count_size="big"), TypeError, "count_size"),
        (lambda: cv.plot.tcav_baseline(r, r, "green", "feat", annotation_size=-1), ValueError, "annotation_size"),
        (lambda: cv.plot.tcav_baseline(r, r, "green", "feat", height=0), ValueError, "height"),
        (lambda: cv.plot.tcav_baseline(r, r, "green", "feat", height="tall"), TypeError, "height"),
    ]:
        with pytest.raises(error, match=word):
            call()
