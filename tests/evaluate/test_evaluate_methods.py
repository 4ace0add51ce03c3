"""The course's methods through the evaluation tests on the pretrained offline model, and the
helpers notebook 08 calls (course_methods, random_map, evaluate_methods, trapezoid_auc, the
figures, the panel and the exercise checkers), checked on tiny nets by their definitions."""

from __future__ import annotations

import copy

import pytest
import torch
from matplotlib.figure import Figure

import cnnviz_lab as cv
from cnnviz_lab.evaluate import COURSE_METHODS, MethodEvaluation, course_methods, evaluate_methods, method_key, random_map, randomize_layer, trapezoid_auc
from conftest import TinyNet, assert_clean

# real photos the model is sure of (the literature's claims are about the predicted class;
# on drums_and_guitar, top-1 at 0.22, insertion AUCs are too small to order random maps)
IMAGES = ("cat", "coffee", "schwerin_palace")


@pytest.fixture(scope="module")
def bundled(lite):
    # 160 px or more: at 96-128 px Grad-CAM is a 3x3 or 4x4 map, too coarse to beat random
    # blobs robustly (the same assertions held at 224 px when this test was written)
    return lite.preprocess([cv.sample_image(n) for n in IMAGES], size=160)


# --- the pretrained model: what the literature reports, where it holds ------------------
def test_gradcam_beats_random_maps_on_deletion_and_insertion(lite, bundled):
    x = bundled
    g = cv.gradcam(lite, x)
    blobs = random_map(x, seed=0, resolution=7)
    pixels = random_map(x, seed=0)
    kw = {"steps": 6}
    del_g = cv.deletion_auc(lite, x, g, fill="blur", **kw)
    del_b = cv.deletion_auc(lite, x, blobs, fill="blur", **kw)
    ins = {name: cv.insertion_auc(lite, x, m, **kw) for name, m in {"gradcam": g, "blobs": blobs, "pixels": pixels}.items()}
    # Deletion is compared with random *blobs* (as smooth as a 7x7 CAM). Against per-pixel
    # noise Grad-CAM does not win on the cat: deleting scattered pixels turns any image into
    # noise no class survives (the off-distribution weakness of deletion, Hooker et al. 2019),
    # so the uninformed map scores a lower, "better" deletion AUC. Insertion has no such trap.
    assert (del_g < del_b).all(), (del_g, del_b)
    assert (ins["gradcam"] > ins["blobs"]).all() and (ins["gradcam"] > ins["pixels"]).all(), ins
    assert_clean(lite)


def test_saliency_falls_and_guided_backprop_survives_randomisation(lite):
    x = lite.preprocess([cv.sample_image("cat"), cv.sample_image("coffee")], size=64)
    layers = ["classifier", "blocks.15", "blocks.12", "blocks.8"]
    sal = cv.randomization_check(lite, cv.saliency, x, layers=layers, init="normal", progress=False)
    gbp = cv.randomization_check(lite, cv.guided_backprop, x, layers=layers, init="normal", progress=False)
    rho_s, rho_g = sal.spearman.mean(0), gbp.spearman.mean(0)
    # saliency: a new classifier already changes the map a lot, and the deeper the cascade
    # the less is left of the original map
    assert rho_s[0] < 0.7 and rho_s[-1] < rho_s[0], rho_s
    # guided backprop (Adebayo et al. 2018): with classifier, head and the top blocks random,
    # its map is still nearly the same; far more similar than saliency at every step
    assert (rho_g > 0.8).all() and (rho_g > rho_s + 0.3).all(), (rho_g, rho_s)
    assert torch.isfinite(sal.ssim).all() and torch.isfinite(gbp.ssim).all()
    assert_clean(lite)


def test_default_reset_kills_every_gradient_on_this_model(lite):
    # Why init="normal" exists: PyTorch's reset of blocks.15 (BN stats back to identity)
    # saturates the ReLU6 after it, the gradient becomes exactly 0 and the Spearman 0:
    # a "pass" that says nothing about the method.
    x = lite.preprocess(cv.sample_image("cat"), size=64)
    res = cv.randomization_check(lite, cv.guided_backprop, x, layers=["blocks.15"], progress=False)
    assert res.maps[1].abs().max() == 0 and res.spearman[0, 0] == 0
    res = cv.randomization_check(lite, cv.guided_backprop, x, layers=["blocks.15"], init="normal", progress=False)
    assert res.maps[1].abs().max() > 0


def test_constant_map_gives_finite_aucs_and_no_nan(lite):
    x = lite.preprocess(cv.sample_image("coffee"), size=64)
    flat = torch.full((1, 64, 64), 0.5)
    d = cv.deletion_auc(lite, x, flat, steps=4, fill="blur")
    i = cv.insertion_auc(lite, x, flat, steps=4)
    assert torch.isfinite(d).all() and torch.isfinite(i).all() and 0 <= d.item() <= 1 and 0 <= i.item() <= 1

    def constant(model, x, target=None):
        return torch.ones(x.shape[0], x.shape[2], x.shape[3], device=x.device)

    res = cv.randomization_check(lite, constant, x, layers=["classifier"], progress=False)
    assert torch.isfinite(res.spearman).all() and torch.isfinite(res.ssim).all()
    assert res.spearman.item() == 0.0


# --- the helpers, by definition on tiny nets --------------------------------------------
def test_randomize_layer_normal_keeps_each_parameters_mean_and_spread():
    torch.manual_seed(0)
    net = TinyNet()
    bn = torch.nn.BatchNorm2d(6)
    bn.running_var.fill_(4.0)
    before = {k: v.clone() for k, v in net.conv2.state_dict().items()}
    randomize_layer(net.conv2, 3, init="normal")
    w, w0 = net.conv2.weight.detach(), before["weight"]
    assert not torch.equal(w, w0)
    assert abs(float(w.std()) - float(w0.std())) < 0.25 * float(w0.std())
    assert abs(float(w.mean()) - float(w0.mean())) < 3 * float(w0.std()) / w0.numel() ** 0.5 + 1e-3
    again = TinyNet()
    again.conv2.load_state_dict(before)
    randomize_layer(again.conv2, 3, init="normal")
    assert torch.equal(again.conv2.weight, w)  # reproducible from the seed
    randomize_layer(bn, 1, init="normal")
    assert torch.equal(bn.running_var, torch.full((6,), 4.0))  # running statistics kept
    with pytest.raises(ValueError, match="reset"):
        randomize_layer(net.conv1, 0, init="uniform")


def test_randomize_layer_calibrate_recomputes_batchnorm_statistics_on_the_batch():
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4), torch.nn.ReLU(), torch.nn.Conv2d(4, 5, 3), torch.nn.BatchNorm2d(5)).eval()
    for bn in (net[1], net[4]):
        bn.running_var.fill_(100.0)  # statistics that no longer fit the redrawn weights
        torch.nn.init.normal_(bn.weight, 1.0, 0.3)
        torch.nn.init.normal_(bn.bias, 0.5, 1.0)
    net[4].momentum = 0.3
    x = torch.randn(6, 3, 9, 9)
    x0, rng, again = x.clone(), torch.random.get_rng_state(), copy.deepcopy(net)
    randomize_layer(net, 2, init="normal", calibrate=x)
    h = net[0](x).detach()
    # by definition: the first norm's running statistics are the batch's (unbiased variance)
    assert torch.allclose(net[1].running_mean, h.mean((0, 2, 3)), atol=1e-5)
    assert torch.allclose(net[1].running_var, h.var((0, 2, 3), unbiased=True), rtol=1e-4)
    # the last norm, in eval mode, now gives each channel about mean beta and spread |gamma| on the
    # batch (not exactly: the running variance is the unbiased one, the training pass used the biased)
    with torch.no_grad():
        out = net(x)
    assert torch.allclose(out.mean((0, 2, 3)), net[4].bias, atol=0.02)
    assert torch.allclose(out.std((0, 2, 3)), net[4].weight.abs(), rtol=0.02)
    assert not any(m.training for m in net.modules()) and net[4].momentum == 0.3 and net[1].momentum == 0.1
    assert torch.equal(x, x0) and torch.equal(torch.random.get_rng_state(), rng)
    # the same seed and batch give the same network
    randomize_layer(again, 2, init="normal", calibrate=x)
    assert torch.equal(again[4].running_var, net[4].running_var)
    with pytest.raises(TypeError, match="calibrate"):
        randomize_layer(net, 0, init="normal", calibrate=[x])
    with pytest.raises(ValueError, match="calibrate"):
        randomize_layer(net, 0, init="normal", calibrate=x[:1])
    with pytest.raises(ValueError, match="calibrate"):
        randomize_layer(net, 0, init="normal", calibrate=x.long())


def test_trapezoid_auc_by_hand():
    f = torch.tensor([0.0, 0.25, 1.0])
    s = torch.tensor([1.0, 0.5, 0.0])
    # (0.25 * 1.5 + 0.75 * 0.5) / 2 = 0.375
    assert trapezoid_auc(f, s).item() == pytest.approx(0.375)
    assert trapezoid_auc(f, torch.stack([s, 1 - s])).tolist() == pytest.approx([0.375, 0.625])


def test_random_map_shapes_seed_and_smoothness():
    x = torch.zeros(2, 3, 28, 28)
    a, b = random_map(x, seed=1), random_map(x, seed=1)
    assert a.shape == (2, 28, 28) and torch.equal(a, b) and not torch.equal(a, random_map(x, seed=2))
    blobs = random_map(x, seed=1, resolution=4)
    step = lambda m: (m[:, :, 1:] - m[:, :, :-1]).abs().mean()  # noqa: E731
    assert step(blobs) < step(a) / 4


def test_course_methods_are_named_configured_and_share_the_signature(tiny):
    ms = course_methods()
    assert tuple(ms) == COURSE_METHODS
    assert all(fn.__name__ == name for name, fn in ms.items())
    assert ms["smoothgrad"].settings["n"] == cv.config.pick(50, 4)
    assert method_key("Guided backprop") == "guided_backprop" and method_key("grad-cam++") == "gradcam_pp"
    assert method_key("deconv") == "deconvnet" and method_key("XGrad-CAM") == "xgradcam"
    with pytest.raises(ValueError, match="choose from"):
        method_key("input_x_gradient")  # registered, not on the roster
    x = torch.randn(2, 3, 16, 16)
    torch.testing.assert_close(ms["saliency"](tiny, x, [1, 2]), cv.saliency(tiny, x, [1, 2]))
    stride = cv.config.pick(16, 32)
    torch.testing.assert_close(ms["occlusion"](tiny, x, 1), cv.occlusion(tiny, x, 1, window=32, stride=stride))


def test_evaluate_methods_matches_the_single_functions_and_leaves_the_model_alone():
    torch.manual_seed(0)
    model = TinyNet(classes=5).train()
    model.conv1.weight.requires_grad_(False)
    before = copy.deepcopy(model.state_dict())
    x = torch.randn(2, 3, 16, 16)
    boxes = [[(0, 0, 8, 16)], [(8, 0, 16, 16)]]
    # seed=None (the default) is unseeded: the same seed on both sides gives the same curves
    ev = evaluate_methods(model, x, ["saliency", "gradcam"], [1, 3], steps=4, boxes=boxes, images=["a", "b"], seed=0)
    assert isinstance(ev, MethodEvaluation) and ev.methods == ["saliency", "gradcam"]
    assert ev.baselines == ["random pixels", "random blobs"]
    model.eval()
    sal = cv.saliency(model, x, [1, 3]).abs().sum(1)
    torch.testing.assert_close(ev.maps["saliency"], sal)
    torch.testing.assert_close(ev.deletion("saliency"), cv.deletion_auc(model, x, sal, [1, 3], steps=4, fill="blur", seed=0))
    torch.testing.assert_close(ev.insertion("gradcam"), cv.insertion_auc(model, x, cv.gradcam(model, x, [1, 3]), [1, 3], steps=4, seed=0))
    torch.testing.assert_close(ev.insertion("random blobs"), cv.insertion_auc(model, x, random_map(x, seed=0, resolution=7), [1, 3], steps=4, seed=0))
    assert torch.equal(ev.pointing["saliency"], cv.pointing_game(sal, boxes))
    assert ev.sanity["gradcam"].layers == ["fc", "conv2", "conv1"]
    assert ev.sanity["gradcam"].targets.tolist() == [1, 3]
    assert ev.final_similarity("saliency") == pytest.approx(float(ev.sanity["saliency"].spearman[:, -1].mean()))
    rows = ev.rows()
    assert [r["method"] for r in rows] == ["saliency", "gradcam", "random pixels", "random blobs"]
    assert rows[0]["deletion AUC"] == pytest.approx(float(ev.deletion("saliency").mean()))
    table = ev.table()
    assert table.splitlines()[0].startswith("| method | deletion AUC | insertion AUC") and "random blobs" in table
    assert ev._repr_markdown_() == table
    for k, v in model.state_dict().items():
        assert torch.equal(v, before[k]), k
    model.train()
    assert not model.conv1.weight.requires_grad and model.conv2.weight.requires_grad
    assert_clean(model)
    with pytest.raises(ValueError, match="one class per image"):
        evaluate_methods(model, x, ["saliency"], [[1, 2], [3, 4]], sanity=False, steps=2)


def test_evaluate_methods_reports_the_extra_metrics_as_the_single_functions_do():
    """metrics=: every value equals the metric's own function on the same map (each checked
    against its paper's definition in test_evaluate_metrics.py); the sensitivities re-run the
    method and share their draws; random baselines get no sensitivity; the model is left alone."""
    from cnnviz_lab.evaluate import MAP_METRICS, average_drop, avg_sensitivity, increase_in_confidence, infidelity, max_sensitivity, road

    torch.manual_seed(0)
    model = TinyNet(classes=5).eval()
    before = copy.deepcopy(model.state_dict())
    x = torch.randn(2, 3, 16, 16)
    xs = x.clone()
    target = [1, 3]
    settings = {
        "average_drop": {},
        "increase_in_confidence": {},
        "infidelity": {"n": 5},
        "road": {"fractions": [0.25, 0.5, 0.75]},
        "max_sensitivity": {"n": 3, "radius": 0.1},
        "avg_sensitivity": {"n": 3, "radius": 0.1},
    }
    ev = evaluate_methods(model, x, ["saliency", "gradcam"], target, faithfulness=False, sanity=False, metrics=settings, seed=0)
    assert list(ev.scores) == list(settings) and ev.metric_settings == settings
    assert ev.better == {k: MAP_METRICS[k].better for k in settings}
    assert ev.better["increase_in_confidence"] == "higher" and ev.better["road"] == "lower"
    for name in ("saliency", "gradcam", "random blobs"):
        m = ev.maps[name]
        torch.testing.assert_close(ev.score("average_drop", name), average_drop(model, x, m, target))
        torch.testing.assert_close(ev.score("increase_in_confidence", name), increase_in_confidence(model, x, m, target).float())
        raw = cv.saliency(model, x, target) if name == "saliency" else m  # infidelity: the signed output
        torch.testing.assert_close(ev.score("infidelity", name), infidelity(model, x, raw, target, n=5, seed=0))
        torch.testing.assert_close(ev.score("road", name), road(model, x, m, target, fractions=[0.25, 0.5, 0.75], seed=0).auc)
    fn = cv.evaluate.course_methods(["gradcam"])["gradcam"]
    torch.testing.assert_close(ev.score("max_sensitivity", "gradcam"), max_sensitivity(model, x, target, method=fn, n=3, radius=0.1, seed=0))
    torch.testing.assert_close(ev.score("avg_sensitivity", "gradcam"), avg_sensitivity(model, x, target, method=fn, n=3, radius=0.1, seed=0))
    assert bool((ev.score("max_sensitivity", "saliency") >= ev.score("avg_sensitivity", "saliency")).all())
    assert "random blobs" not in ev.scores["max_sensitivity"]
    with pytest.raises(ValueError, match="no max_sensitivity value for 'random blobs'"):
        ev.score("max_sensitivity", "random blobs")
    with pytest.raises(ValueError, match="was not measured"):
        ev.score("pointing", "gradcam")
    rows = {r["method"]: r for r in ev.rows()}
    assert rows["gradcam"]["ROAD AUC"] == pytest.approx(float(ev.score("road", "gradcam").mean()))
    assert "max-sensitivity" not in rows["random blobs"] and "infidelity" in rows["random blobs"]
    assert "| increase in confidence |" in ev.table()
    fig = cv.plot.metric_bars(ev)
    shown = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in shown[:2]] == ["average drop\n(lower is better)", "increase in confidence\n(higher is better)"]
    road_ax = shown[3]
    assert [p.get_width() for p in road_ax.patches] == pytest.approx(
        [float(ev.score("road", n).mean()) for n in ("saliency", "gradcam", "random pixels", "random blobs")]
    )
    assert [p.get_width() for p in shown[4].patches] == pytest.approx([float(ev.score("max_sensitivity", n).mean()) for n in ("saliency", "gradcam")])
    with pytest.raises(ValueError, match="not measured"):
        cv.plot.metric_bars(ev, ["deletion"])
    lerf = evaluate_methods(
        model, x, ["gradcam"], target, faithfulness=False, sanity=False, metrics={"road": {"order": "lerf", "fractions": [0.5]}}, baselines={}, seed=0
    )
    assert lerf.better == {"road": "higher"} and list(lerf.scores["road"]) == ["gradcam"]
    for k, v in model.state_dict().items():
        assert torch.equal(v, before[k]), k
    assert torch.equal(x, xs)
    assert_clean(model)
    # bad input: one clear error naming the argument
    with pytest.raises(TypeError, match="metrics"):
        evaluate_methods(model, x, ["gradcam"], metrics="road", sanity=False, faithfulness=False)
    with pytest.raises(ValueError, match="unknown metric 'deletion'"):
        evaluate_methods(model, x, ["gradcam"], metrics=["deletion"], sanity=False, faithfulness=False)
    with pytest.raises(TypeError, match="settings of 'road'"):
        evaluate_methods(model, x, ["gradcam"], metrics={"road": 3}, sanity=False, faithfulness=False)
    with pytest.raises(TypeError, match="fractionz"):
        evaluate_methods(model, x, ["gradcam"], metrics={"road": {"fractionz": [0.5]}}, sanity=False, faithfulness=False)


def test_relevance_methods_are_off_the_roster_but_evaluated_by_name(tiny):
    from cnnviz_lab.evaluate import roster

    assert not {"lrp", "deeplift", "deeplift_shap", "gradient_shap"} & set(roster())
    x = torch.randn(2, 3, 12, 12)
    ev = evaluate_methods(tiny, x, ["lrp", "deeplift"], [0, 2], sanity=False, steps=2, seed=0)
    assert ev.methods == ["lrp", "deeplift"]
    torch.testing.assert_close(ev.maps["lrp"], cv.lrp(tiny, x, [0, 2]).abs().sum(1))
    torch.testing.assert_close(ev.maps["deeplift"], cv.deeplift(tiny, x, [0, 2]).abs().sum(1))
    assert_clean(tiny)


def test_vanished_maps_are_counted_and_left_out_of_the_kept_mean():
    from cnnviz_lab.evaluate import RandomizationResult

    maps = torch.rand(3, 2, 4, 4)  # original + 2 steps, 2 images
    maps[1, 0] = 0.0  # step 1: image 0's map is all zero
    maps[2] = 0.5  # step 2: both maps constant
    rho = torch.tensor([[0.0, 0.0], [0.6, 0.0]])
    res = RandomizationResult(["a", "b"], rho, rho.clone(), maps, torch.tensor([0, 1]), "m")
    assert res.vanished.tolist() == [[True, True], [False, True]]
    kept = res.mean_kept()
    assert kept[0] == pytest.approx(0.6) and torch.isnan(kept[1])
    assert res.mean()[0] == pytest.approx(0.3)  # the plain mean counts the vanished map as rho = 0


def test_fails_sanity_check_flags_a_map_that_ignores_the_model(tiny):
    def image_edges(model, x, target=None):  # a "method" that never looks at the model
        return x.abs().sum(1)

    x = torch.randn(2, 3, 12, 12)
    ev = evaluate_methods(tiny, x, {"edges": image_edges, "saliency": cv.saliency}, faithfulness=False)
    assert ev.final_similarity("edges") == pytest.approx(1.0)
    assert ev.fails_sanity_check() == ["edges"]
    assert cv.exercises.check_sanity_failure("edges", ev)
    assert not cv.exercises.check_sanity_failure("saliency", ev)
    assert not cv.exercises.check_sanity_failure("no such method", ev)


def test_trapezoid_exercise_checker_can_fail():
    assert cv.exercises.check_trapezoid_auc(lambda f, s: float(trapezoid_auc(f, s)))
    assert not cv.exercises.check_trapezoid_auc(lambda f, s: float(s.mean()))  # right on even grids only
    assert not cv.exercises.check_trapezoid_auc(lambda f, s: (_ for _ in ()).throw(NotImplementedError))


def test_figures_and_panel(tiny):
    x = torch.randn(2, 3, 12, 12)
    ev = evaluate_methods(tiny, x, ["saliency", "gradcam"], steps=3)
    assert isinstance(cv.plot.sanity_curves(ev.sanity), Figure)
    assert isinstance(cv.plot.sanity_maps(ev.sanity, x), Figure)
    assert isinstance(cv.plot.auc_scatter(ev), Figure) and isinstance(cv.plot.auc_scatter(ev, index=1), Figure)
    assert isinstance(cv.plot.curves(ev.curves), Figure)
    # a lecturer's figures: colour bars that state the scale, named bars instead of a long legend
    maps = cv.plot.sanity_maps(ev.sanity, x)
    assert sum(ax.get_label() == "<colorbar>" for ax in maps.axes) == 1
    bars = cv.plot.auc_bars(ev)
    names = [t.get_text() for t in bars.axes[0].get_yticklabels()]
    assert set(names) == {"saliency", "gradcam", "random pixels (baseline)", "random blobs (baseline)"}
    insertion = {n: float(ev.insertion(n).mean()) for n in ev.curves}
    assert [n.replace(" (baseline)", "") for n in names] == sorted(insertion, key=insertion.get)
    assert all(ax.get_legend() is None for ax in bars.axes)
    # markers=True: one open marker shape per image, named in one legend
    marked = cv.plot.auc_bars(ev, markers=True)
    (legend,) = marked.legends  # one legend, below the panels
    assert [t.get_text() for t in legend.get_texts()] == ["image 0", "image 1"]
    shapes = {line.get_marker() for line in marked.axes[0].get_lines()}
    assert shapes == {"o", "s"} and len(marked.axes[0].get_lines()) == 2 * len(names)
    with pytest.raises(TypeError, match="markers"):
        cv.plot.auc_bars(ev, markers="yes")
    spread = cv.plot.sanity_spread(ev.sanity, {"gradients": ["saliency"], "CAMs": ["gradcam"]})
    assert len(spread.axes) == 2 and [len(ax.get_legend().get_texts()) for ax in spread.axes] == [1, 1]
    band = spread.axes[0].collections[0].get_paths()[0].vertices[:, 1]  # lowest to highest image
    sp = ev.sanity["saliency"].spearman.numpy()
    assert band.min() == pytest.approx(sp.min(), abs=1e-6) and band.max() == pytest.approx(sp.max(), abs=1e-6)
    plain = [line.get_color() for ax in spread.axes for line in ax.get_lines() if line.get_label() in ev.sanity]
    assert plain == ["C0", "C0"]  # default: colours restart in each panel
    fixed = cv.plot.sanity_spread(ev.sanity, {"gradients": ["saliency"], "CAMs": ["gradcam"]}, distinct_colours=True)
    colours = [line.get_color() for ax in fixed.axes for line in ax.get_lines() if line.get_label() in ev.sanity]
    assert colours == ["C0", "C1"]  # one colour per method across panels
    dotted = [line for line in fixed.axes[0].get_lines() if line.get_linestyle() == ":"]
    assert sorted(float(line.get_ydata().min()) for line in dotted)[0] == pytest.approx(sp.min(0).min(), abs=1e-6)
    with pytest.raises(ValueError, match="groups"):
        cv.plot.sanity_spread(ev.sanity, {"too many": ["saliency"] * 9})
    with pytest.raises(ValueError, match="groups"):
        cv.plot.sanity_spread(ev.sanity, {"x": ["lime"]})


def test_evaluation_panel_draws_both_views():
    p = cv.widgets.evaluation_panel(image="coffee", method="gradcam", view="curves", size=48, steps=2, layers=("classifier", "blocks.12"))
    assert set(p.controls) == {"image", "method", "view"} and p.button is not None
    assert isinstance(p.render(**p.values()), Figure)
    p.controls["view"].value = "sanity"
    assert isinstance(p.render(**p.values()), Figure)
