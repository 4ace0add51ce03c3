"""One method registry: a method added with one function and one ``register`` line shows up
in the CLI, the panels' method lists and the evaluation roster, with nothing else changed."""

from __future__ import annotations

import pytest
import torch

import cnnviz_lab as cv
from cnnviz_lab.attribution import registry
from cnnviz_lab.cli import main
from conftest import TinyNet


def toy_gradient(model, x, target=None, *, scale: float = 1.0):
    """A toy pixel-space method: the saliency map times ``scale``."""
    return scale * cv.saliency(model, x, target)


def toy_cam(model, x, target=None, *, layer=None, upsample=True, power: int = 1):
    """A toy class map: Grad-CAM to the power ``power``."""
    return cv.gradcam(model, x, target, layer=layer, upsample=upsample) ** power


@pytest.fixture
def toys():
    entries = [
        registry.register("toy", toy_gradient, label="Toy gradient", family="gradient", full={"scale": 2.0}, quick={"scale": 3.0}, course=True),
        registry.register("toy_cam", toy_cam, label="Toy CAM", family="cam", aliases=("toycam2",), full={"power": 2}, course=True),
    ]
    yield entries
    for entry in entries:
        registry.unregister(entry.name)
    assert "toy" not in cv.evaluate.roster()


def test_a_registered_method_is_in_the_cli(toys, tmp_path, capsys):
    out = tmp_path / "toy.png"
    assert main(["saliency", "data/chelsea.png", "--method", "toy", "--size", "64", "--out", str(out)]) == 0
    assert "Toy gradient map for class" in capsys.readouterr().out and out.stat().st_size > 1000
    out = tmp_path / "toy_cam.png"
    assert main(["gradcam", "data/coffee.png", "--method", "Toy-CAM", "--top", "2", "--out", str(out)]) == 0
    assert out.stat().st_size > 1000
    # by family: the class-map command does not offer the pixel-space toy, and vice versa
    for command, method in (("gradcam", "toy"), ("saliency", "toy_cam")):
        assert main([command, "data/coffee.png", "--method", method]) == 2
        err = capsys.readouterr().err
        assert "not offered here" in err and len(err.strip().splitlines()) == 1


def test_a_registered_method_is_in_the_panels(toys, capsys):
    panel = cv.widgets.saliency_panel(size=32)
    assert ("Toy gradient", "toy") in panel.controls["method"].options
    panel.controls["method"].value = "toy"
    cams = cv.widgets.gradcam_panel(image="coffee")
    assert ("Toy CAM", "toy_cam") in cams.controls["method"].options
    cams.controls["method"].value = "toycam2"  # any alias or spelling selects it
    assert cams.controls["method"].value == "toy_cam"
    out = capsys.readouterr().out
    assert out.count("Figure") >= 4 and "Error" not in out, out


def test_a_registered_method_is_on_the_evaluation_roster(toys, tiny):
    assert cv.evaluate.roster()[-2:] == ("toy", "toy_cam")
    methods = cv.course_methods()
    assert methods["toy"].settings == {"scale": cv.config.pick(2.0, 3.0)}
    x = torch.randn(2, 3, 16, 16)
    torch.testing.assert_close(methods["toy"](tiny, x, [0, 1]), cv.config.pick(2.0, 3.0) * cv.saliency(tiny, x, [0, 1]))
    ev = cv.evaluate_methods(tiny, x, ["toy", "toy_cam"], [0, 1], steps=2, layers=["fc"], seed=0, progress=False)
    assert ev.methods == ["toy", "toy_cam"] and set(ev.curves) >= {"toy", "toy_cam"}
    torch.testing.assert_close(ev.maps["toy_cam"], cv.gradcam(tiny, x, [0, 1]) ** 2)


def test_registry_lookups_and_labels():
    assert registry.get_method("Grad-CAM++").name == "gradcam_pp"
    assert registry.get_method("gradcam++") is registry.get_method("gradcam_pp")
    assert registry.get_method(cv.saliency).name == "saliency"
    assert registry.label("ig") == "Integrated Gradients" and registry.label(toy_gradient) == "toy_gradient"
    with pytest.raises(cv.UnknownNameError, match="Closest: gradcam"):
        registry.get_method("gradcamm")
    assert [m.name for m in registry.methods(course=True)] == list(cv.evaluate.roster())
    assert all(m.family == "cam" and not m.pixels for m in registry.methods("cam", pixels=False))


def test_register_checks_the_family_contract():
    def no_layer(model, x, target=None):
        return cv.saliency(model, x, target)

    with pytest.raises(TypeError, match="layer, upsample"):
        registry.register("broken", no_layer, family="cam")
    with pytest.raises(TypeError, match="batch_size, progress"):
        registry.register("broken", no_layer, family="perturbation")
    with pytest.raises(TypeError, match="steps"):
        registry.register("broken", no_layer, full={"steps": 3})
    with pytest.raises(ValueError, match="family"):
        registry.register("broken", no_layer, family="magic")
    with pytest.raises(ValueError, match="already belongs to saliency"):
        registry.register("broken", no_layer, aliases=("vanilla",))
    assert "broken" not in [m.name for m in registry.methods()]


def test_call_passes_each_method_the_options_it_takes():
    net = TinyNet().eval()
    x = torch.randn(1, 3, 16, 16)
    options = dict(layer="conv2", steps=3, n=2, seed=0, batch_size=4, window=8, stride=8, max_channels=2)
    for entry in registry.methods():
        if entry.name == "cam" or entry.family == "attention":
            continue  # CAM needs the layer feeding the pooling; attention rollout a transformer
        out = registry.call(entry.name, net, x, 1, offered=options)
        assert out.shape[0] == 1 and torch.isfinite(out).all(), entry.name
    # a wrapping method hands its base the base's own options (SmoothGrad over IG: steps)
    torch.testing.assert_close(
        registry.call("smoothgrad", net, x, 1, method="ig", n=2, steps=3, seed=0),
        cv.smoothgrad(net, x, 1, method=cv.integrated_gradients, n=2, steps=3, seed=0),
    )


# --- the methods the peers offer (issue 15), registered like every other -----------------------
PEER_METHODS = {
    "deconvnet": ("Deconvnet", "gradient", True),
    "hirescam": ("HiResCAM", "cam", False),
    "xgradcam": ("XGrad-CAM", "cam", False),
    "eigencam": ("EigenCAM (class-agnostic)", "cam", False),
    "ablationcam": ("Ablation-CAM", "cam", False),
    "rise": ("RISE", "perturbation", False),
    "lime": ("LIME", "perturbation", False),
}


def test_the_peer_methods_are_registered_with_labels_families_and_settings():
    for name, (label, family, pixels) in PEER_METHODS.items():
        entry = registry.get_method(name)
        assert (entry.name, entry.label, entry.family, entry.pixels, entry.course) == (name, label, family, pixels, True)
        assert entry.fn is getattr(cv, name) and entry.agnostic == (name == "eigencam")
    assert registry.get_method("deconv") is registry.get_method("Deconvolution") is registry.get_method("deconvnet")
    assert registry.get_method("XGrad-CAM").name == "xgradcam" and registry.get_method("Ablation-CAM").name == "ablationcam"
    assert [m.name for m in registry.methods(agnostic=True)] == ["eigencam", "attention_rollout"]
    rise, lime = registry.get_method("rise"), registry.get_method("lime")
    assert rise.settings(False) == {"n": 500, "cells": 7, "prob": 0.5, "seed": 0}
    assert rise.settings(True) == {"n": 50, "cells": 4, "prob": 0.5, "seed": 0}
    assert lime.settings(False) == {"n": 500, "segments": "superpixels", "seed": 0}
    assert lime.settings(True) == {"n": 50, "segments": "grid", "seed": 0}
    # where each family's front ends find them
    assert "deconvnet" in [m.name for m in cv.widgets.saliency.panel_methods()]
    cams = [m.name for m in cv.widgets.cam.panel_methods()]
    assert all(n in cams for n in ("hirescam", "xgradcam", "eigencam", "ablationcam"))
    assert [m.name for m in registry.methods("perturbation")] == ["occlusion", "rise", "lime"]
    assert set(PEER_METHODS) <= set(cv.evaluate.roster())


def test_the_peer_methods_run_through_the_roster_and_the_evaluation(tiny):
    methods = cv.course_methods(list(PEER_METHODS), settings={"rise": {"n": 8}, "lime": {"n": 8}})
    assert methods["rise"].settings["seed"] == 0 and methods["rise"].settings["n"] == 8
    x = torch.randn(2, 3, 16, 16)
    torch.testing.assert_close(methods["lime"](tiny, x, [0, 1]), cv.lime(tiny, x, [0, 1], **{**registry.get_method("lime").settings(), "n": 8}))
    boxes = [[(0, 0, 8, 16)], [(8, 0, 16, 16)]]
    ev = cv.evaluate_methods(tiny, x, methods, [0, 1], steps=2, layers=["fc"], boxes=boxes, seed=0, progress=False)
    assert ev.methods == list(PEER_METHODS) and ev.agnostic == ["eigencam"]
    for name in PEER_METHODS:
        assert ev.maps[name].shape == (2, 16, 16) and torch.isfinite(ev.maps[name]).all(), name
        assert ev.sanity[name].layers == ["fc"] and ev.pointing[name].shape == (2,)
    # EigenCAM ignores the class: the same map whichever class is asked for
    torch.testing.assert_close(ev.maps["eigencam"], cv.eigencam(tiny, x, [3, 4]))


def test_call_refuses_a_keyword_the_method_does_not_take():
    net = TinyNet().eval()
    x = torch.randn(1, 3, 16, 16)
    with pytest.raises(TypeError, match=r"'stpes'.*accepts .*steps"):
        registry.call("integrated_gradients", net, x, 1, stpes=3)
    with pytest.raises(TypeError, match="'window'"):
        registry.call("gradcam", net, x, 1, window=8)
    # offered settings go only where they are taken; None means "not given"
    torch.testing.assert_close(registry.call("saliency", net, x, 1, offered={"window": 8, "steps": 3}, seed=None), cv.saliency(net, x, 1))


def test_a_refused_registration_changes_nothing():
    def toy(model, x, target=None):
        return cv.saliency(model, x, target)

    registry.register("toy_strict", toy, aliases=("toy-strict-alias",))
    try:
        with pytest.raises(ValueError, match="already belongs"):
            registry.register("toy_strict", toy, aliases=("vanilla",))  # an alias of saliency
        assert registry.get_method("toy-strict-alias").name == "toy_strict"  # the old entry is intact
    finally:
        registry.unregister("toy_strict")


def test_one_rule_for_the_base_method_of_smoothgrad(capsys):
    """registry.base_method is the one place that says what SmoothGrad may average: the CLI's
    --base, smoothgrad(method=...) and registry.call all ask it."""
    assert registry.base_method("vanilla") is cv.saliency
    assert registry.base_method("guided") is cv.guided_backprop
    assert registry.base_method(cv.input_x_gradient) is cv.input_x_gradient  # a function as given
    for refused in ("smoothgrad", "gradcam", "occlusion"):  # wraps / not in pixel space
        with pytest.raises(ValueError, match="pixel space"):
            registry.base_method(refused)
        with pytest.raises(ValueError, match="pixel space"):
            cv.smoothgrad(TinyNet(), torch.rand(1, 3, 8, 8), 0, method=refused, n=2)
        assert main(["saliency", "unused.jpg", "--method", "smoothgrad", "--base", refused, "--out", "unused.png"]) == 2
        assert "pixel space" in capsys.readouterr().err
    with pytest.raises(ValueError, match="unknown"):
        registry.base_method("no_such_method")
