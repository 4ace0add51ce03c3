"""Property-based suite, attribution: every method on tiny networks with generated inputs,
targets and keywords. The oracle and the case kinds are in ``fuzzkit``."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import strategies as st

import cnnviz_lab as cv
from fuzzkit import BAD_INTS, BAD_LAYERS, CLASSES, Case, Spec, base_case, cases, draw_x, keyword_kind, module_of, run_kind, standard_kinds, variants

BAD_BATCH = [0, -1, 2.5, "8", (2,)]
BAD_WINDOWS = [0, -1, 8.5, "big", (8,), (8, 8, 8), (0, 4), None, (2.5, 2), "8"]


def maps(channels: bool):
    """Expected ``(N,[K],[3],H,W)`` for a valid call."""

    def expect(case: Case, result) -> None:
        n, h, w = case.n_h_w()
        shape = (n,) + case.k_axis + ((3,) if channels else ()) + (h, w)
        assert isinstance(result, torch.Tensor) and tuple(result.shape) == shape, f"shape {tuple(getattr(result, 'shape', ()))}, expected {shape}"
        assert result.device == torch.device("cpu") and not result.requires_grad

    return expect


def spatial_layers(model) -> list[str]:
    names = cv.layer_names(module_of(model))
    return [n for n in names if n in ("conv1", "relu1", "bn1", "conv2", "relu2", "bn2")]


def draw_layer(data, case: Case, names: list[str] | None = None):
    """None, a spatial layer's name or the module itself."""
    names = names if names is not None else spatial_layers(case.model)
    choice = data.draw(st.sampled_from([None] + names), label="layer")
    if choice is not None and data.draw(st.booleans(), label="as module"):
        return cv.get_layer(case.model, choice)
    return choice


def cam_layer_kwargs(data, case):
    return {"layer": draw_layer(data, case), "upsample": data.draw(st.booleans(), label="upsample")}


def gap_layer_kwargs(data, case):
    """CAM's layer: the one feeding the pooling (``relu2``; TinyNet's ``conv2`` too, since CAM
    accepts a ReLU between the layer and the pooling; not BNNet's, with a BatchNorm there)."""
    ok = ("relu2",) if "bn2" in spatial_layers(case.model) else ("conv2", "relu2")
    last = [n for n in spatial_layers(case.model) if n in ok]
    return {"layer": draw_layer(data, case, last), "upsample": data.draw(st.booleans(), label="upsample")}


def scorecam_kwargs(data, case):
    return {
        **cam_layer_kwargs(data, case),
        "progress": False,
        "batch_size": data.draw(st.integers(1, 8), label="batch_size"),
        "max_channels": data.draw(st.none() | st.integers(1, 8), label="max_channels"),
    }


def smoothgrad_kwargs(data, _case):
    return {
        "n": data.draw(st.integers(1, 3), label="n"),
        "noise": data.draw(st.floats(0, 0.3), label="noise"),
        "batch_size": data.draw(st.none() | st.integers(1, 5), label="batch_size"),
        "seed": data.draw(st.integers(0, 9), label="seed"),
        "progress": False,
        "method": data.draw(st.sampled_from([cv.saliency, "guided", cv.input_x_gradient, "vanilla"]), label="method"),
        "squared": data.draw(st.booleans(), label="squared"),
    }


def ig_kwargs(data, _case):
    return {
        "steps": data.draw(st.integers(1, 4), label="steps"),
        "batch_size": data.draw(st.none() | st.integers(1, 6), label="batch_size"),
        "rule": data.draw(st.sampled_from(["gausslegendre", "riemann_middle"]), label="rule"),
        "baseline": data.draw(st.sampled_from([None, "zero", 0.0, -0.5]), label="baseline"),
        "progress": False,
    }


def occlusion_kwargs(data, case):
    side = st.integers(2, 8)
    pair = side | st.tuples(side, side)
    return {
        "window": data.draw(pair, label="window"),
        "stride": data.draw(pair, label="stride"),
        "fill": data.draw(st.sampled_from([0.0, 0.5, "mean", "blur", (0.1, 0.2, 0.3)]), label="fill"),
        "output": data.draw(st.sampled_from(["prob", "logit"]), label="output"),
        "batch_size": data.draw(st.none() | st.integers(1, 8), label="batch_size"),
        "progress": False,
    }


def grid_expect(case: Case, grid) -> None:
    n, h, w = case.n_h_w()
    win = case.kwargs["window"]
    step = case.kwargs["stride"]
    wh, ww = (win, win) if isinstance(win, int) else win
    sh, sw = (step, step) if isinstance(step, int) else step
    gh, gw = len(cv.window_starts(h, wh, sh)), len(cv.window_starts(w, ww, sw))
    assert isinstance(grid, cv.OcclusionGrid)
    assert tuple(grid.heatmap.shape) == (n,) + case.k_axis + (gh, gw)
    assert tuple(cv.occlusion_map(grid).shape) == (n,) + case.k_axis + (h, w)


def topk_expect(case: Case, result) -> None:
    n, _, _ = case.n_h_w()
    k = case.kwargs["k"]
    assert tuple(result.shape) == (n, k) and not result.is_floating_point()
    assert int(result.min()) >= 0 and int(result.max()) < CLASSES
    assert all(len(set(row.tolist())) == k for row in result)


def call(fn, **fixed):
    return lambda case: fn(case.model, case.x, case.target, **fixed, **case.kwargs)


def gradient_spec(name, fn, kwargs=lambda d, c: {}, extra=None) -> Spec:
    kinds = standard_kinds(kwargs, "multi")
    kinds.update(extra or {})
    return Spec(name, call(fn), maps(True), kinds)


def cam_spec(name, fn, kwargs, extra=None) -> Spec:
    kinds = standard_kinds(kwargs, "multi")
    kinds["kw_layer"] = keyword_kind("layer", BAD_LAYERS + ["fc"], kwargs)
    kinds.update(extra or {})
    return Spec(name, call(fn), maps(False), kinds)


def guided_layer(data, keyword: str = "from_layer") -> Case:
    """``guided_backprop(from_layer=..., channel=...)`` (and deconvnet's): a layer's activation
    back to the input."""
    case = base_case(data, lambda d, c: {}, None)
    layer = data.draw(st.sampled_from(spatial_layers(case.model)), label="layer")
    channels = cv.activations(case.model, case.x.detach().float(), layer).shape[1]
    n = case.x.shape[0]
    case.kwargs = {
        keyword: layer,
        "channel": data.draw(st.none() | st.integers(0, channels - 1) | st.lists(st.integers(0, channels - 1), min_size=n, max_size=n), label="channel"),
    }
    return case


def guided_bad_channel(data, keyword: str = "from_layer") -> list[Case]:
    return variants(guided_layer(data, keyword), "channel", channel=[99, -99, 2.5, "a", [0] * 7, [[0]]])


def from_layer_kinds() -> dict:
    """The ``from_layer=``/``channel=`` kinds of guided backprop and deconvnet."""
    return {"layer_channel": guided_layer, "kw_channel": guided_bad_channel, "kw_from_layer": keyword_kind("from_layer", BAD_LAYERS)}


def hirescam_kwargs(data, case):
    return {**cam_layer_kwargs(data, case), "relu": data.draw(st.booleans(), label="relu")}


def eigencam_kwargs(data, case):
    return {**cam_layer_kwargs(data, case), "center": data.draw(st.booleans(), label="center")}


def ablationcam_kwargs(data, case):
    return {**cam_layer_kwargs(data, case), "progress": False, "batch_size": data.draw(st.none() | st.integers(1, 9), label="batch_size")}


FILLS = [0.0, 0.5, "mean", "blur", (0.1, 0.2, 0.3)]


def black_box_kwargs(data, _case):
    """What RISE and LIME share."""
    return {
        "fill": data.draw(st.sampled_from(FILLS), label="fill"),
        "output": data.draw(st.sampled_from(["prob", "logit"]), label="output"),
        "batch_size": data.draw(st.none() | st.integers(1, 8), label="batch_size"),
        "seed": data.draw(st.none() | st.integers(0, 9), label="seed"),
        "progress": False,
    }


def rise_kwargs(data, case):
    return {
        **black_box_kwargs(data, case),
        "n": data.draw(st.integers(1, 6), label="n"),
        "cells": data.draw(st.integers(1, 4), label="cells"),
        "prob": data.draw(st.floats(0.1, 1.0), label="prob"),
        "seed": data.draw(st.integers(0, 9)),
    }


def lime_kwargs(data, case):
    return {
        **black_box_kwargs(data, case),
        "n": data.draw(st.integers(2, 6), label="n"),
        "cells": data.draw(st.integers(1, 3), label="cells"),
        "seed": data.draw(st.integers(0, 9)),
        "segments": data.draw(st.sampled_from([None, "grid", "superpixels"]), label="segments"),
        "kernel_width": data.draw(st.floats(0.1, 1.0), label="kernel_width"),
        "distance": data.draw(st.sampled_from(["cosine", "l2"]), label="distance"),
        "alpha": data.draw(st.floats(0.0, 2.0), label="alpha"),
    }


def black_box_spec(name, fn, kwargs, bad: dict[str, list]) -> Spec:
    kinds = standard_kinds(kwargs, "multi")
    for arg, values in {"batch_size": BAD_BATCH, "output": ["probs", 3], "fill": ["nope", (1.0, 2.0)], "seed": ["a", 2.5], **bad}.items():
        kinds[f"kw_{arg}"] = keyword_kind(arg, values, kwargs)
    return Spec(name, call(fn), maps(False), kinds)


def superpixels_case(data) -> Case:
    x = draw_x(data)
    return Case(
        None,
        None,
        x,
        kwargs={
            "n": data.draw(st.integers(1, 16), label="n"),
            "compactness": data.draw(st.floats(0.0, 5.0), label="compactness"),
            "iters": data.draw(st.integers(0, 4), label="iters"),
        },
    )


def superpixels_expect(case: Case, labels) -> None:
    n, h, w = case.n_h_w()
    assert tuple(labels.shape) == (n, h, w) and not labels.is_floating_point()
    for lab in labels:  # labels 0..F-1, all used, F <= n
        count = len(lab.unique())
        assert int(lab.min()) == 0 and int(lab.max()) == count - 1 and count <= case.kwargs["n"]


def superpixels_bad_x(data) -> list[Case]:
    case = superpixels_case(data)
    x = case.x.detach()
    spoilt = x.clone()
    spoilt[(0,) * spoilt.dim()] = math.nan
    return variants(case, "x", x=[lambda: torch.rand(5), "x", None, lambda: x[:0], lambda: (x * 60 + 128).to(torch.uint8), lambda: spoilt, lambda: x.numpy()])


def lrp_kwargs(data, _case):
    return {
        "composite": data.draw(st.sampled_from(["epsilon_plus_flat", "epsilon_plus", "epsilon_alpha2_beta1", "epsilon_gamma_box"]), label="composite"),
        "epsilon": data.draw(st.floats(1e-9, 0.5), label="epsilon"),
    }


def shap_kwargs(data, case):
    shape = tuple(case.x.shape[1:]) if isinstance(case.x, torch.Tensor) and case.x.dim() == 4 else (3, 8, 8)
    choice = data.draw(st.sampled_from(["default", "two", "one"]), label="baselines")
    baselines = None if choice == "default" else torch.rand((2 if choice == "two" else 1,) + shape)
    return {"baselines": baselines, "batch_size": data.draw(st.none() | st.integers(1, 5), label="batch_size"), "progress": False}


def gradient_shap_kwargs(data, case):
    return {
        **shap_kwargs(data, case),
        "n": data.draw(st.integers(1, 3), label="n"),
        "noise": data.draw(st.floats(0, 0.3), label="noise"),
        "seed": data.draw(st.integers(0, 9), label="seed"),
    }


BAD_BASELINES = ["black?", 3, lambda: torch.zeros(2, 2, 3, 3), lambda: torch.zeros(2, 3, 8, 8, dtype=torch.long)]


SPECS = {
    "saliency": gradient_spec("saliency", cv.saliency),
    "input_x_gradient": gradient_spec("input_x_gradient", cv.input_x_gradient),
    "guided_backprop": gradient_spec("guided_backprop", cv.guided_backprop, extra=from_layer_kinds()),
    "smoothgrad": gradient_spec(
        "smoothgrad",
        cv.smoothgrad,
        smoothgrad_kwargs,
        extra={
            "kw_n": keyword_kind("n", BAD_INTS, smoothgrad_kwargs),
            "kw_batch_size": keyword_kind("batch_size", BAD_BATCH, smoothgrad_kwargs),
            "kw_noise": keyword_kind("noise", [-0.1, float("nan"), float("inf"), "big", None], smoothgrad_kwargs),
            "kw_method": keyword_kind("method", ["nope", 3, None], smoothgrad_kwargs),
            "kw_seed": keyword_kind("seed", ["a", 2.5], smoothgrad_kwargs),
        },
    ),
    "integrated_gradients": gradient_spec(
        "integrated_gradients",
        cv.integrated_gradients,
        ig_kwargs,
        extra={
            "kw_steps": keyword_kind("steps", BAD_INTS, ig_kwargs),
            "kw_batch_size": keyword_kind("batch_size", BAD_BATCH, ig_kwargs),
            "kw_rule": keyword_kind("rule", ["simpson", 3], ig_kwargs),
            "kw_baseline": keyword_kind("baseline", ["white?", lambda: torch.zeros(1, 2, 3, 3)], ig_kwargs),
        },
    ),
    "deconvnet": gradient_spec("deconvnet", cv.deconvnet, extra=from_layer_kinds()),
    "lrp": gradient_spec(
        "lrp",
        cv.lrp,
        lrp_kwargs,
        extra={
            "kw_composite": keyword_kind("composite", ["epsilon", 3, None], lrp_kwargs),
            "kw_epsilon": keyword_kind("epsilon", [-1.0, float("nan"), "small"], lrp_kwargs),
        },
    ),
    "deeplift": gradient_spec(
        "deeplift",
        cv.deeplift,
        lambda d, c: {"baseline": d.draw(st.sampled_from([None, "zero", 0.5]), label="baseline")},
        extra={"kw_baseline": keyword_kind("baseline", ["white?", lambda: torch.zeros(1, 2, 3, 3)])},
    ),
    "deeplift_shap": gradient_spec(
        "deeplift_shap",
        cv.deeplift_shap,
        shap_kwargs,
        extra={"kw_baselines": keyword_kind("baselines", BAD_BASELINES, shap_kwargs), "kw_batch_size": keyword_kind("batch_size", BAD_BATCH, shap_kwargs)},
    ),
    "gradient_shap": gradient_spec(
        "gradient_shap",
        cv.gradient_shap,
        gradient_shap_kwargs,
        extra={
            "kw_baselines": keyword_kind("baselines", BAD_BASELINES, gradient_shap_kwargs),
            "kw_n": keyword_kind("n", BAD_INTS, gradient_shap_kwargs),
            "kw_noise": keyword_kind("noise", [-0.1, float("nan"), "big", None], gradient_shap_kwargs),
            "kw_seed": keyword_kind("seed", ["a", 2.5], gradient_shap_kwargs),
        },
    ),
    "cam": cam_spec("cam", cv.cam, gap_layer_kwargs),
    "gradcam": cam_spec("gradcam", cv.gradcam, cam_layer_kwargs),
    "gradcam_pp": cam_spec("gradcam_pp", cv.gradcam_pp, cam_layer_kwargs),
    "layercam": cam_spec("layercam", cv.layercam, cam_layer_kwargs),
    "scorecam": cam_spec(
        "scorecam", cv.scorecam, scorecam_kwargs, extra={"kw_batch_size": keyword_kind("batch_size", BAD_BATCH, scorecam_kwargs)}
    ),  # None: the default
    "hirescam": cam_spec("hirescam", cv.hirescam, hirescam_kwargs, extra={"kw_relu": keyword_kind("relu", ["yes", 1, None], hirescam_kwargs)}),
    "xgradcam": cam_spec("xgradcam", cv.xgradcam, cam_layer_kwargs),
    "eigencam": cam_spec("eigencam", cv.eigencam, eigencam_kwargs, extra={"kw_center": keyword_kind("center", ["yes", 1, None], eigencam_kwargs)}),
    "ablationcam": cam_spec(
        "ablationcam", cv.ablationcam, ablationcam_kwargs, extra={"kw_batch_size": keyword_kind("batch_size", BAD_BATCH, ablationcam_kwargs)}
    ),
    "guided_gradcam": Spec(
        "guided_gradcam",
        call(cv.guided_gradcam),
        maps(True),
        {**standard_kinds(lambda d, c: {"layer": draw_layer(d, c)}, "multi"), "kw_layer": keyword_kind("layer", BAD_LAYERS + ["fc"])},
    ),
    "occlusion": Spec(
        "occlusion",
        call(cv.occlusion),
        maps(False),
        {
            **standard_kinds(occlusion_kwargs, "multi"),
            "kw_window": keyword_kind("window", BAD_WINDOWS, occlusion_kwargs),
            "kw_stride": keyword_kind("stride", BAD_WINDOWS, occlusion_kwargs),
            "kw_batch_size": keyword_kind("batch_size", BAD_BATCH, occlusion_kwargs),
            "kw_output": keyword_kind("output", ["probs", 3], occlusion_kwargs),
            "kw_fill": keyword_kind("fill", ["nope", (1.0, 2.0)], occlusion_kwargs),
        },
    ),
    "occlusion_grid": Spec(
        "occlusion_grid",
        call(cv.occlusion_grid),
        grid_expect,
        {
            **standard_kinds(occlusion_kwargs, "multi"),
            "kw_window": keyword_kind("window", BAD_WINDOWS, occlusion_kwargs),
            "kw_stride": keyword_kind("stride", BAD_WINDOWS, occlusion_kwargs),
        },
    ),
    "rise": black_box_spec("rise", cv.rise, rise_kwargs, {"n": BAD_INTS, "cells": BAD_INTS, "prob": [0, 0.0, -0.1, 1.5, math.nan, "a", None]}),
    "lime": black_box_spec(
        "lime",
        cv.lime,
        lime_kwargs,
        {
            "n": [1, 0, -1, 2.5, "3", None],
            "cells": BAD_INTS,
            "kernel_width": [0, -1.0, math.nan, "a"],
            "distance": ["manhattan", 3],
            "alpha": [-1.0, math.inf, "a"],
            "segments": ["slic", 3, lambda: torch.rand(4, 4), lambda: torch.zeros(2, 2, dtype=torch.long)],
        },
    ),
    "superpixels": Spec(
        "superpixels",
        lambda c: cv.superpixels(c.x, **c.kwargs),
        superpixels_expect,
        {
            "valid": superpixels_case,
            "bad_x": superpixels_bad_x,
            **{
                f"kw_{arg}": (lambda a, v: lambda data: variants(superpixels_case(data), a, **{a: v}))(arg, values)
                for arg, values in {"n": BAD_INTS, "compactness": [-1.0, math.nan, "a"], "iters": [-1, 2.5, "2", None]}.items()
            },
        },
    ),
    "topk_targets": Spec(
        "topk_targets",
        lambda c: cv.topk_targets(c.model, c.x, **c.kwargs),
        topk_expect,
        {
            **standard_kinds(lambda d, c: {"k": d.draw(st.integers(1, CLASSES), label="k")}, None),
            "kw_k": keyword_kind("k", [0, -1, CLASSES + 1, 2.5, "2", None], lambda d, c: {"k": 1}),
        },
    ),
}


def fully_convolutional_run(case: Case):
    fc = cv.fully_convolutional(case.model, **case.kwargs)
    with torch.no_grad():
        return fc(case.x)


def fc_kwargs(data, case):
    return {
        "layer": data.draw(st.sampled_from([None, "relu2"] if case.model_key != "functional" else [None, "conv2"]), label="layer"),
        "size": data.draw(st.none() | st.integers(4, 16), label="size"),
    }


def fc_expect(case: Case, result) -> None:
    n, h, w = case.n_h_w()
    assert tuple(result.shape) == (n, CLASSES, h, w)


def no_x_kinds(kwargs, bad: dict[str, list]) -> dict:
    """Kinds for functions of the model alone (plus keywords); x is a valid batch for the
    result check only."""
    kinds = {"valid": lambda data: base_case(data, kwargs, None), "bn_train": lambda data: base_case(data, kwargs, None, models=["bn_train"])}
    for arg, values in bad.items():
        kinds[f"kw_{arg}"] = keyword_kind(arg, values, kwargs)
    return kinds


SPECS["fully_convolutional"] = Spec(
    "fully_convolutional", fully_convolutional_run, fc_expect, no_x_kinds(fc_kwargs, {"layer": BAD_LAYERS + ["relu1"], "size": [0, -1, 2.5, "16"]})
)
SPECS["cam_layers"] = Spec(
    "cam_layers",
    lambda c: cv.cam_layers(c.model, **c.kwargs),
    lambda c, r: (isinstance(r, list) and r and all(isinstance(n, str) for n in r)) or pytest.fail(f"{r!r}"),
    no_x_kinds(lambda d, c: {"size": d.draw(st.none() | st.integers(4, 32), label="size")}, {"size": [0, -1, 2.5, "16"], "max_depth": [-1, "2", 1.5]}),
)


@pytest.mark.parametrize("function, kind", cases(SPECS))
def test_fuzz(function, kind):
    run_kind(SPECS[function], kind)
