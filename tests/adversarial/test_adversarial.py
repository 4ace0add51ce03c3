"""FGSM and PGD (notebook 11): budgets in pixel levels, valid images, targets reached."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

import cnnviz_lab as cv


def _tiny() -> nn.Module:
    gen = torch.Generator().manual_seed(0)
    net = nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 8, 3, stride=2), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 5)
    )
    with torch.no_grad():
        for p in net.parameters():
            p.copy_(torch.randn(p.shape, generator=gen) * 0.5)
    return net.eval()


@pytest.fixture(scope="module")
def lite():
    return cv.load_model()


@pytest.fixture(scope="module")
def cat(lite):
    return lite.preprocess(cv.sample_image("cat"), size=160)


@pytest.mark.slow  # 57 to 143 s per case measured on 2 busy CPU cores
@pytest.mark.parametrize("norm", ["linf", "l2"])
@pytest.mark.parametrize("attack", ["fgsm", "pgd"])
def test_budget_in_pixel_levels_and_valid_images(lite, cat, norm, attack):
    eps = 2.0 if norm == "linf" else 300.0
    x = cat.expand(2, -1, -1, -1).clone()
    before = x.clone()
    kwargs = {"steps": 5, "seed": 0} if attack == "pgd" else {}
    a = getattr(cv, attack)(lite, x, ["goldfish", "ostrich"], epsilon=eps, norm=norm, **kwargs)
    assert torch.equal(x, before), "the input is not written"
    unit_clean, unit_adv = lite.to_unit(x), lite.to_unit(a.x)
    assert unit_adv.min() >= -1e-6 and unit_adv.max() <= 1 + 1e-6, "a valid image"
    change = (unit_adv - unit_clean) * 255
    assert torch.allclose(change, a.delta, atol=1e-3)
    if norm == "linf":
        assert (a.linf <= eps + 1e-3).all() and torch.allclose(a.linf, change.flatten(1).abs().amax(1), atol=1e-3)
    else:
        assert (a.l2 <= eps * (1 + 1e-4)).all()
    assert a.norm == norm and a.epsilon == eps and a.targeted
    assert a.target.tolist() == [lite.class_index("goldfish"), lite.class_index("ostrich")]
    assert cv.hook_count(lite) == 0 and all(p.grad is None for p in lite.model.parameters())
    assert not lite.model.training


def test_pgd_turns_the_cat_into_the_target(lite, cat):
    a = cv.pgd(lite, cat, "goldfish", epsilon=2, steps=20, seed=0)
    gold = lite.class_index("goldfish")
    assert a.success.all() and int(lite.logits(a.x).argmax()) == gold
    assert float(a.probs_after[0, gold]) > 0.5 > float(a.probs_before[0, gold])
    assert 0 <= int(a.first_success[0]) <= 20 and float(a.linf[0]) <= 2 + 1e-3
    assert int(lite.logits(cat).argmax()) != gold


def test_fgsm_untargeted_and_a_single_step(lite, cat):
    top = int(lite.logits(cat).argmax())
    a = cv.fgsm(lite, cat, epsilon=4)
    assert not a.targeted and int(a.target[0]) == top and a.steps == 1
    assert float(a.probs_after[0, top]) < float(a.probs_before[0, top])
    # one step of epsilon along the sign of the gradient: every unclipped value moves by exactly epsilon
    moved = a.delta.abs()
    inside = (lite.to_unit(cat) > 4 / 255) & (lite.to_unit(cat) < 1 - 4 / 255)
    assert torch.allclose(moved[inside], torch.full_like(moved[inside], 4.0), atol=1e-3)
    away = cv.pgd(lite, cat, top, targeted=False, epsilon=2, steps=5, seed=0)
    assert not away.targeted and float(away.probs_after[0, top]) < float(away.probs_before[0, top])


def test_seeded_batched_and_like_one_by_one():
    net = _tiny()
    x = torch.rand(3, 3, 12, 12, generator=torch.Generator().manual_seed(1))
    a = cv.pgd(net, x, [0, 1, 2], epsilon=8, steps=4, seed=3)
    b = cv.pgd(net, x, [0, 1, 2], epsilon=8, steps=4, seed=3)
    c = cv.pgd(net, x, [0, 1, 2], epsilon=8, steps=4, seed=4)
    assert torch.equal(a.x, b.x) and not torch.equal(a.x, c.x)
    whole = cv.pgd(net, x, [0, 1, 2], epsilon=8, steps=4, random_start=False)
    for i in range(3):
        one = cv.pgd(net, x[i : i + 1], i, epsilon=8, steps=4, random_start=False)
        assert torch.allclose(one.x, whole.x[i : i + 1], atol=1e-5)
    # a bare module takes RGB in [0, 1] as it is
    assert whole.x.min() >= 0 and whole.x.max() <= 1
    assert torch.allclose(whole.delta, (whole.x - x) * 255, atol=1e-4)


def test_random_noise_is_the_same_budget_without_a_gradient():
    net = _tiny()
    x = torch.rand(3, 3, 12, 12, generator=torch.Generator().manual_seed(1)) * 0.8 + 0.1  # away from 0 and 1
    before = x.clone()
    n = cv.random_noise(net, x, epsilon=4, seed=0)
    assert torch.equal(x, before)
    assert torch.allclose(n.delta.abs(), torch.full_like(n.delta, 4.0), atol=1e-3)  # every value moved 4 levels
    assert 0.4 < float((n.delta > 0).float().mean()) < 0.6  # up or down at random
    assert torch.equal(n.x, cv.random_noise(net, x, epsilon=4, seed=0).x)
    assert not torch.equal(n.x, cv.random_noise(net, x, epsilon=4, seed=1).x)
    with torch.no_grad():
        top = net(x).argmax(1)
        assert torch.equal(n.target, top) and not n.targeted and n.steps == 0
        assert torch.equal(n.success, net(n.x).argmax(1) != top)
        assert torch.allclose(n.probs_after, net(n.x).softmax(1), atol=1e-6)
    l2 = cv.random_noise(net, x, epsilon=10, norm="l2", seed=0)
    assert torch.allclose(l2.l2, torch.full((3,), 10.0), rtol=1e-3) and l2.norm == "l2"
    edge = cv.random_noise(net, torch.zeros(1, 3, 12, 12), epsilon=4, seed=0)  # clipped to valid images
    assert edge.x.min() >= 0 and float(edge.delta.min()) >= 0
    with pytest.raises(ValueError, match="epsilon"):
        cv.random_noise(net, x, epsilon=0)
    with pytest.raises(TypeError, match="seed"):
        cv.random_noise(net, x, seed="a")
    assert cv.hook_count(net) == 0


def test_step_size_and_first_success():
    net = _tiny()
    x = torch.rand(2, 3, 12, 12, generator=torch.Generator().manual_seed(2))
    a = cv.pgd(net, x, 4, epsilon=255, steps=1, step_size=1.0, random_start=False)
    inside = (x > 1 / 255) & (x < 1 - 1 / 255)
    assert torch.allclose(a.delta.abs()[inside], torch.ones_like(a.delta[inside]), atol=1e-3)
    b = cv.pgd(net, x, 4, epsilon=64, steps=30, random_start=False)
    assert ((b.first_success >= 0) | ~b.success).all() and (b.first_success <= 30).all()
    assert ((b.first_success == -1) == ~(b.success | (b.first_success >= 0))).all()


@pytest.mark.parametrize(
    "kwargs, error, word",
    [
        ({"epsilon": 0}, ValueError, "epsilon"),
        ({"epsilon": 300}, ValueError, "epsilon"),
        ({"norm": "l1"}, ValueError, "norm"),
        ({"steps": 0}, ValueError, "steps"),
        ({"target": 9}, ValueError, "out of range"),
        ({"target": [0, 1, 2]}, ValueError, "one class per image"),
        ({"target": "goldfish"}, TypeError, "Classifier"),
        ({"targeted": True, "target": None}, ValueError, "target="),
    ],
)
def test_bad_arguments(kwargs, error, word):
    args = {"target": 1, **kwargs}
    target = args.pop("target")
    with pytest.raises(error, match=word):
        cv.pgd(_tiny(), torch.rand(2, 3, 12, 12), target, **args)


def test_bad_input():
    with pytest.raises(ValueError, match="x must"):
        cv.fgsm(_tiny(), torch.rand(3, 12, 12), 1)
    with pytest.raises(ValueError, match="NaN"):
        cv.fgsm(_tiny(), torch.full((1, 3, 12, 12), float("nan")), 1)


def test_high_frequency_share():
    noise = torch.rand(1, 3, 64, 64, generator=torch.Generator().manual_seed(0))
    smooth = torch.nn.functional.interpolate(noise[:, :, :4, :4], size=(64, 64), mode="bilinear", align_corners=False)
    hf_noise, hf_smooth = float(cv.high_frequency_share(noise)), float(cv.high_frequency_share(smooth))
    assert hf_noise > 0.8 and hf_smooth < 0.1
    assert float(cv.high_frequency_share(torch.ones(1, 3, 8, 8))) == 0.0


def test_compare_explanations_and_figures(lite, cat):
    from matplotlib.figure import Figure

    a = cv.pgd(lite, cat, "goldfish", epsilon=2, steps=10, seed=0)
    ch = cv.compare_explanations(lite, cat, a, {"saliency": cv.saliency, "Grad-CAM": cv.gradcam})
    assert set(ch.similarity) == {"saliency", "Grad-CAM"}
    assert ch.before["saliency"].shape == (1, 160, 160) and (ch.before["saliency"] >= 0).all()
    assert torch.allclose(ch.after["Grad-CAM"], cv.gradcam(lite, a.x, "goldfish"))
    assert all(-1 <= float(v) <= 1 for v in ch.similarity.values())
    figs = [
        cv.plot.attack(a, cat, lite),
        cv.plot.explanation_change(ch, cat, a.x, lite),
        cv.plot.attack_budget({"PGD": {1.0: 0.2, 2.0: 0.9}}, "goldfish"),
        cv.plot.fooling_vs_visualisation(a.delta[0], lite.to_unit(cat)[0], "goldfish"),
    ]
    assert all(isinstance(f, Figure) for f in figs)
    bars = [ax for ax in figs[1].axes if ax.get_label() == "<colorbar>"]  # one stated scale per method
    assert len(bars) == 2 and "99th percentile" in bars[0].get_ylabel()
    panel = cv.widgets.attack_panel(size=96, targets=("goldfish", "toaster"))
    fig = panel.render(image="cat", target="toaster", method="FGSM", norm="l2", epsilon=64.0, steps=3)
    assert isinstance(fig, Figure) and cv.hook_count(lite) == 0


def test_figure_keywords(lite, cat):
    """The log axis, labelled reference lines and control columns of the notebook's figures."""
    a = cv.pgd(lite, cat, "goldfish", epsilon=2, steps=3, seed=0)
    title = cv.plot.attack(a, cat, lite)._suptitle.get_text()
    assert "L\u221e budget 2 levels, 3 steps" in title and "step(s)" not in title
    fig = cv.plot.attack_budget({"FGSM": {1.0: 1e-4, 2.0: 3e-3}}, "goldfish", log=True, lines={"clean p = 0.38": 0.38})
    ax = fig.axes[0]
    assert ax.get_yscale() == "log" and ax.get_ylim()[0] == pytest.approx(1e-4)
    assert "clean p = 0.38" in [t.get_text() for t in ax.get_legend().get_texts()]
    assert cv.plot.attack_budget({"PGD": {1.0: 0.2}}, lines={}).axes[0].get_yscale() == "linear"
    methods = {"saliency": cv.saliency}
    ch = cv.compare_explanations(lite, cat, a, methods)
    noise = cv.random_noise(lite, cat, epsilon=2, seed=0)
    ctrl = cv.compare_explanations(lite, cat, noise, methods, before=int(a.probs_before[0].argmax()))
    fig = cv.plot.explanation_change(ch, cat, a.x, lite, controls=[("noise", ctrl, noise.x)])
    panels = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
    assert len(panels) == 3
    assert panels[2].get_title() == f"noise\nrank corr. {float(ctrl.similarity['saliency'][0]):.2f}"


def test_exercise_checkers(capsys):
    def right(x_adv, x, epsilon):
        eps = epsilon / 255
        return (x + (x_adv - x).clamp(-eps, eps)).clamp(0, 1)

    assert cv.exercises.check_projection(right)
    mistakes = {
        "pixel levels": lambda xa, x, e: (x + (xa - x).clamp(-e, e)).clamp(0, 1),
        "clamp it to [0, 1]": lambda xa, x, e: x + (xa - x).clamp(-e / 255, e / 255),
        "not x_adv itself": lambda xa, x, e: xa.clamp(-e / 255, e / 255),
    }
    for hint, fn in mistakes.items():
        capsys.readouterr()
        assert not cv.exercises.check_projection(fn)
        assert hint in capsys.readouterr().out, hint
    assert cv.exercises.check_fooled_gradcam("b")
    for wrong in ("a", "c", "d", ""):
        assert not cv.exercises.check_fooled_gradcam(wrong)


# --- bad input: one clear error, nothing changed (issue 13) ----------------------------------
class _WritesInput(nn.Module):
    """A network whose first operation writes its input in place."""

    def __init__(self) -> None:
        super().__init__()
        self.net = _tiny()

    def forward(self, x):
        return self.net(x.mul_(0.5))


@pytest.mark.parametrize(
    "call, error, word",
    [
        (lambda m, x: cv.fgsm(m, x, 1.7), TypeError, "target"),
        (lambda m, x: cv.fgsm(m, x, torch.tensor([1.7, 2.0])), TypeError, "target"),
        (lambda m, x: cv.fgsm(m, x, [[0, 1], [1, 2]]), ValueError, "target"),
        (lambda m, x: cv.fgsm(m, x * 3 - 1), ValueError, r"\[0, 1\]"),
        (lambda m, x: cv.fgsm(m, x[:0]), ValueError, "empty"),
        (lambda m, x: cv.fgsm(m, (x * 255).to(torch.uint8)), TypeError, "uint8"),
        (lambda m, x: cv.fgsm(m, x, epsilon="2"), TypeError, "epsilon"),
        (lambda m, x: cv.fgsm(m, x, norm=None), TypeError, "norm"),
        (lambda m, x: cv.fgsm(m, x, 1, targeted="yes"), TypeError, "targeted"),
        (lambda m, x: cv.pgd(m, x, steps=2.5), TypeError, "steps"),
        (lambda m, x: cv.pgd(m, x, step_size="a"), TypeError, "step_size"),
        (lambda m, x: cv.pgd(m, x, step_size=0), ValueError, "step_size"),
        (lambda m, x: cv.pgd(m, x, seed="a"), TypeError, "seed"),
        (lambda m, x: cv.high_frequency_share(torch.full((1, 3, 4, 4), float("nan"))), ValueError, "images"),
        (lambda m, x: cv.high_frequency_share("img"), TypeError, "images"),
        (lambda m, x: cv.high_frequency_share(x, cutoff=2.0), ValueError, "cutoff"),
    ],
)
def test_bad_arguments_name_themselves(call, error, word):
    with pytest.raises(error, match=word):
        call(_tiny(), torch.rand(2, 3, 12, 12))


def test_numpy_targets_and_a_model_that_writes_its_input():
    import numpy as np

    x = torch.rand(2, 3, 12, 12)
    a = cv.fgsm(_tiny(), x, np.int64(3))
    assert a.target.tolist() == [3, 3]
    model, before = _WritesInput(), x.clone()
    attack = cv.pgd(model, x, 1, steps=2, seed=0)
    change = cv.compare_explanations(model, x, attack, {"saliency": cv.saliency})
    assert torch.equal(x, before), "the caller's x was written by the model"
    assert change.similarity["saliency"].shape == (2,)


def test_compare_explanations_checks_attack_methods_and_classes():
    model, x = _tiny(), torch.rand(2, 3, 12, 12)
    attack = cv.fgsm(model, x)
    with pytest.raises(TypeError, match="attack"):
        cv.compare_explanations(model, x, None, {"saliency": cv.saliency})
    with pytest.raises(ValueError, match="attack"):
        cv.compare_explanations(model, x[:1], attack, {"saliency": cv.saliency})
    with pytest.raises(ValueError, match="before"):
        cv.compare_explanations(model, x, attack, {"saliency": cv.saliency}, before=9)
    with pytest.raises(TypeError, match="after"):
        cv.compare_explanations(model, x, attack, {"saliency": cv.saliency}, after=1.5)
    with pytest.raises(TypeError, match="methods"):
        cv.compare_explanations(model, x, attack, {"saliency": 3})
    by_name = cv.compare_explanations(model, x, attack, ["saliency"])
    assert list(by_name.similarity) == ["saliency"]


def test_attack_fontsize_and_values(lite, cat):
    """attack(fontsize=, values=): larger labels and each probability written at its bar's end."""
    a = cv.pgd(lite, cat, "goldfish", epsilon=2, steps=3, seed=0)
    fig = cv.plot.attack(a, cat, lite, fontsize=12, values=True)
    bars = fig.axes[3]
    assert all(t.get_fontsize() == 12 for t in bars.get_yticklabels())
    texts = [t.get_text() for t in bars.texts]
    assert len(texts) == 2 * len(bars.get_yticklabels())
    after = float(a.probs_after[0, lite.class_index("goldfish")])
    assert (f"{after:.2f}" if after >= 0.01 else f"{after:.0e}") in texts
    assert len(cv.plot.attack(a, cat, lite).axes[3].texts) == 0  # the default writes no values
    with pytest.raises(ValueError, match="fontsize"):
        cv.plot.attack(a, cat, lite, fontsize=0)
    with pytest.raises(TypeError, match="values"):
        cv.plot.attack(a, cat, lite, values="yes")


def test_attack_log_axis(lite, cat):
    """attack(log=True): a logarithmic probability axis from the power of ten below the smallest
    probability shown, every bar starting at its left edge and each value written beside its own bar."""
    a = cv.pgd(lite, cat, "goldfish", epsilon=2, steps=3, seed=0)
    bars = cv.plot.attack(a, cat, lite, fontsize=12, values=True, log=True).axes[3]
    lo = bars.get_xlim()[0]
    shown = [p.get_x() + p.get_width() for p in bars.patches]
    assert bars.get_xscale() == "log" and lo <= min(shown) < 10 * lo and all(p.get_x() == lo for p in bars.patches)
    assert [round(t.get_position()[1], 3) for t in bars.texts] == [round(p.get_y() + p.get_height() / 2, 3) for p in bars.patches]
    assert cv.plot.attack(a, cat, lite).axes[3].get_xscale() == "linear"
    with pytest.raises(TypeError, match="log"):
        cv.plot.attack(a, cat, lite, log=1)


def test_explanation_change_methods(lite, cat):
    """explanation_change(methods=): only the named methods' rows, in that order."""
    a = cv.pgd(lite, cat, "goldfish", epsilon=2, steps=2, seed=0)
    ch = cv.compare_explanations(lite, cat, a, {"saliency": cv.saliency, "Grad-CAM": cv.gradcam})
    titles = [f._suptitle.get_text() for f in cv.plot.explanation_change(ch, cat, a.x, lite, methods=["Grad-CAM"]).subfigs]
    assert len(titles) == 1 and titles[0].startswith("Grad-CAM")
    for bad in (["nope"], [], "saliency"):
        with pytest.raises(ValueError, match="methods"):
            cv.plot.explanation_change(ch, cat, a.x, lite, methods=bad)


def test_attack_budget_ylabel():
    """attack_budget(ylabel=) names the axis; the default still says "after the attack"."""
    curves = {"noise": {1.0: 0.3, 2.0: 0.2}}
    assert cv.plot.attack_budget(curves, "cat", ylabel="p(cat) after the change").axes[0].get_ylabel() == "p(cat) after the change"
    assert cv.plot.attack_budget(curves, "cat").axes[0].get_ylabel() == "p(cat) after the attack"
    with pytest.raises(TypeError, match="ylabel"):
        cv.plot.attack_budget(curves, "cat", ylabel=3)


def test_attack_budget_and_logit_changes_title():
    """attack_budget(title=) titles the figure (default: none); logit_changes(title=) replaces
    the left panel's title (the default is kept); a title that is not a string names the argument."""
    curves = {"noise": {1.0: 0.3, 2.0: 0.2}}
    assert cv.plot.attack_budget(curves, "cat", title="cat photo: noise").axes[0].get_title() == "cat photo: noise"
    assert cv.plot.attack_budget(curves, "cat").axes[0].get_title() == ""
    changes, pairs = {"goldfish": {0.5: 1.0, 2.0: 1.8}}, {"goldfish": (2.6, 1.0)}
    assert cv.plot.logit_changes(changes, pairs, title="one FGSM step").axes[0].get_title() == "one FGSM step"
    assert cv.plot.logit_changes(changes, pairs).axes[0].get_title() == "measured logit change against the budget"
    with pytest.raises(TypeError, match="title"):
        cv.plot.attack_budget(curves, "cat", title=3)
    with pytest.raises(TypeError, match="title"):
        cv.plot.logit_changes(changes, pairs, title=["a"])


def test_explanation_change_cmap_and_masks(lite, cat):
    """explanation_change(cmap=, masks=): the colour map is used; each mask row's titles give the
    top-pixel overlap computed by hand; bad values name the argument."""
    a = cv.pgd(lite, cat, "goldfish", epsilon=2, steps=3, seed=0)
    methods = {"saliency": cv.saliency}
    ch = cv.compare_explanations(lite, cat, a, methods)
    noise = cv.random_noise(lite, cat, epsilon=2, seed=0)
    ctrl = cv.compare_explanations(lite, cat, noise, methods, before=int(a.probs_before[0].argmax()), after=int(a.probs_before[0].argmax()))
    fig = cv.plot.explanation_change(ch, cat, a.x, lite, controls=[("noise", ctrl, noise.x)], cmap="inferno", masks=0.01)
    bars = [ax for ax in fig.axes if ax.get_label() == "<colorbar>"]
    assert len(bars) == 2 and bars[0]._colorbar.cmap.name == "inferno"
    panels = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
    assert len(panels) == 6  # 3 maps and 3 masks
    k = max(1, int(0.01 * ch.before["saliency"][0].numel()))

    def top(m):
        return set(m[0].flatten().topk(k).indices.tolist())

    shared = len(top(ctrl.after["saliency"]) & top(ctrl.before["saliency"])) / k
    assert panels[5].get_title().startswith(f"top 1%: {shared:.0%} shared")
    with pytest.raises(ValueError, match="masks"):
        cv.plot.explanation_change(ch, cat, a.x, lite, masks=1.5)
    with pytest.raises(ValueError, match="cmap"):
        cv.plot.explanation_change(ch, cat, a.x, lite, cmap="no such map")


def test_explanation_change_dilate_and_reference(lite, cat):
    """explanation_change(dilate=, reference=): each top pixel is drawn as a dilate x dilate
    square (more yellow pixels, same share in the title); the titles name the reference;
    bad values name the argument."""
    a = cv.pgd(lite, cat, "goldfish", epsilon=2, steps=3, seed=0)
    ch = cv.compare_explanations(lite, cat, a, {"saliency": cv.saliency})

    def yellow(fig):
        panels = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
        img = panels[2].get_images()[0].get_array()
        return int(((img[..., 0] == 1.0) & (img[..., 2] == 0.0)).sum()), panels[3].get_title()

    n1, t1 = yellow(cv.plot.explanation_change(ch, cat, a.x, lite, masks=0.01))
    n5, t5 = yellow(cv.plot.explanation_change(ch, cat, a.x, lite, masks=0.01, dilate=5, reference="the clean map's top 1%"))
    assert n1 == max(1, int(0.01 * ch.before["saliency"][0].numel())) and n1 < n5 <= 25 * n1
    assert t1.endswith("with its clean map's") and t5.endswith("with the clean map's top 1%")
    assert t1.split("\n")[0] == t5.split("\n")[0]
    with pytest.raises(ValueError, match="dilate"):
        cv.plot.explanation_change(ch, cat, a.x, lite, masks=0.01, dilate=4)
    with pytest.raises(TypeError, match="reference"):
        cv.plot.explanation_change(ch, cat, a.x, lite, masks=0.01, reference=3)


def test_fooling_vs_visualisation_fontsize_and_photo(lite, cat):
    """fooling_vs_visualisation(fontsize=, photo=): the titles use the size; a photo adds a
    first panel titled with its own high-frequency share; bad values name the argument."""
    a = cv.pgd(lite, cat, "goldfish", epsilon=2, steps=3, seed=0)
    unit = lite.to_unit(cat)[0]
    fig = cv.plot.fooling_vs_visualisation(a.delta[0], unit, "goldfish", fontsize=12, photo=unit)
    assert len(fig.axes) == 3 and all(ax.title.get_fontsize() == 12 for ax in fig.axes)
    assert fig.axes[2].get_title().startswith("class visualisation for 'goldfish'\n")
    assert fig.axes[0].get_title().endswith(f"{float(cv.high_frequency_share(unit[None])):.2f}")
    assert len(cv.plot.fooling_vs_visualisation(a.delta[0], unit, "goldfish").axes) == 2
    with pytest.raises(ValueError, match="fontsize"):
        cv.plot.fooling_vs_visualisation(a.delta[0], unit, "goldfish", fontsize=0)
    with pytest.raises(ValueError, match="photo"):
        cv.plot.fooling_vs_visualisation(a.delta[0], unit, "goldfish", photo=unit[0])


def test_logit_changes():
    """plot.logit_changes: one line per class on the left, paired bars (prediction, measured)
    on the right with the given heights; bad input names the argument."""
    changes = {"goldfish": {0.5: 1.1, 2.0: 1.8}, "tiger cat": {0.5: -1.7, 2.0: -2.1}}
    pairs = {"goldfish": (2.6, 1.1), "tiger cat": (-4.6, -1.7)}
    fig = cv.plot.logit_changes(changes, pairs, epsilon=0.5)
    left, right = fig.axes
    assert [list(line.get_ydata()) for line in left.get_lines()[:2]] == [[1.1, 1.8], [-1.7, -2.1]]
    heights = [p.get_height() for p in right.patches]
    assert heights == pytest.approx([2.6, -4.6, 1.1, -1.7])
    assert "0.5 levels" in right.get_title() and [t.get_text() for t in right.get_xticklabels()] == ["goldfish", "tiger cat"]
    for bad, word in [
        ({"changes": {}}, "changes"),
        ({"changes": {"a": {0: 1.0}}}, "changes"),
        ({"first_order": {"a": (1.0,)}}, "first_order"),
        ({"epsilon": -1}, "epsilon"),
        ({"fontsize": 0}, "fontsize"),
    ]:
        kw = {"changes": changes, "first_order": pairs, **bad}
        with pytest.raises(ValueError, match=word):
            cv.plot.logit_changes(kw.pop("changes"), kw.pop("first_order"), **kw)


def test_explanation_change_note(lite, cat):
    """explanation_change(note=): the bracket of each row's title; the default is kept."""
    a = cv.pgd(lite, cat, "goldfish", epsilon=2, steps=2, seed=0)
    ch = cv.compare_explanations(lite, cat, a, {"saliency": cv.saliency})
    noise = cv.random_noise(lite, cat, epsilon=2, seed=0)
    ctrl = cv.compare_explanations(lite, cat, noise, {"saliency": cv.saliency})
    title = cv.plot.explanation_change(ch, cat, a.x, lite, controls=[("noise", ctrl, noise.x)], note="same class").subfigs[0]._suptitle.get_text()
    assert title == "saliency (same class)"
    default = cv.plot.explanation_change(ch, cat, a.x, lite, controls=[("noise", ctrl, noise.x)]).subfigs[0]._suptitle.get_text()
    assert default == "saliency (rank corr. = Spearman correlation with the clean map)"
    with pytest.raises(TypeError, match="note"):
        cv.plot.explanation_change(ch, cat, a.x, lite, note=3)


def test_explanation_change_reference_column(lite, cat):
    """A control that gives a dict of maps is drawn as a reference: those maps as they are, no
    rank corr., mask titled as its own top; the next control's mask share is top_overlap's."""
    a = cv.pgd(lite, cat, "goldfish", epsilon=2, steps=2, seed=0)
    ch = cv.compare_explanations(lite, cat, a, {"saliency": cv.saliency})
    noise = cv.random_noise(lite, cat, epsilon=2, seed=0)
    ctrl = cv.compare_explanations(lite, cat, noise, {"saliency": cv.saliency})
    fig = cv.plot.explanation_change(ch, cat, a.x, lite, controls=[("clean ref", ch.before, cat), ("noise", ctrl, noise.x)], masks=0.01)
    maps, masks = (sub.axes for sub in fig.subfigs[:2])
    assert len(maps) == len(masks) == 5  # 4 panels and a colour bar per row
    assert [ax.get_title() for ax in maps[:4]] == [
        "before",
        f"after\nrank corr. {float(ch.similarity['saliency'][0]):.2f}",
        "clean ref",
        f"noise\nrank corr. {float(ctrl.similarity['saliency'][0]):.2f}",
    ]
    assert np.array_equal(maps[2].get_images()[0].get_array(), maps[0].get_images()[0].get_array())  # the same map, same image
    assert np.array_equal(masks[2].get_images()[0].get_array(), masks[0].get_images()[0].get_array())
    shared = float(cv.evaluate.top_overlap(ctrl.after["saliency"], ctrl.before["saliency"], share=0.01)[0])
    assert masks[2].get_title() == "this map's top 1%" and masks[3].get_title().startswith(f"top 1%: {shared:.0%} shared")


def test_explanation_change_controls_bad_input(lite, cat):
    """Each malformed control is one ValueError or TypeError naming controls; no figure is half drawn."""
    a = cv.pgd(lite, cat, "goldfish", epsilon=2, steps=2, seed=0)
    ch = cv.compare_explanations(lite, cat, a, {"saliency": cv.saliency})
    before = ch.before["saliency"]
    for bad, error in [
        ("noise", TypeError),
        ([("clean ref", ch.before)], ValueError),
        ([("clean ref", ch.before, cat, 1)], ValueError),
        ([(3, ch.before, cat)], TypeError),
        ([("clean ref", before, cat)], TypeError),
        ([("clean ref", {"Grad-CAM": before}, cat)], ValueError),
        ([("clean ref", {"saliency": before[0]}, cat)], ValueError),
        ([("clean ref", {"saliency": before.numpy()}, cat)], ValueError),
        ([("clean ref", cv.ExplanationChange(ch.before, ch.before, None), cat)], ValueError),
        ([("clean ref", ch.before, cat[0])], ValueError),
    ]:
        with pytest.raises(error, match="controls"):
            cv.plot.explanation_change(ch, cat, a.x, lite, controls=bad, masks=0.01)


def test_logit_changes_proportional():
    """logit_changes(proportional=): a dashed line per named class, the smallest budget's change
    scaled with the budget; the budget axis says it is logarithmic; bad input names the argument."""
    changes = {"goldfish": {0.5: 1.0, 2.0: 1.8}, "tiger cat": {0.5: -1.7, 2.0: -2.1}}
    pairs = {"goldfish": (2.6, 1.0)}
    left = cv.plot.logit_changes(changes, pairs, proportional=["goldfish"]).axes[0]
    dashed = [line for line in left.get_lines() if line.get_linestyle() == "--"]
    assert len(dashed) == 1 and list(dashed[0].get_ydata()) == pytest.approx([1.0, 4.0])
    assert "log scale" in left.get_xlabel()
    assert not [line for line in cv.plot.logit_changes(changes, pairs).axes[0].get_lines() if line.get_linestyle() == "--"]
    for bad in ("goldfish", ["lynx"]):
        with pytest.raises(ValueError, match="proportional"):
            cv.plot.logit_changes(changes, pairs, proportional=bad)
