"""Property-based suite, the rest of the package: layers and hooks, feature visualisation
(maximize, invert, deepdream), images, Classifier methods and small helpers; plus the check
that every public function is fuzzed somewhere (oracle and case kinds in ``fuzzkit``)."""

from __future__ import annotations

import dataclasses
import inspect
import math
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import strategies as st
from PIL import Image
from torch import nn

import cnnviz_lab as cv
from fuzzkit import (
    BAD_LAYERS,
    CLASSES,
    NAMES,
    Case,
    Foreign,
    Spec,
    base_case,
    cases,
    dict_update,
    keyword_kind,
    make_model,
    module_of,
    run_kind,
    standard_kinds,
    variants,
)

BAD_LAYER_LISTS = [3, 2.5, "nope", Foreign, [], ["conv1", 3], None]


def layer_names_of(model) -> list[str]:
    return [n for n in cv.layer_names(module_of(model)) if n in ("conv1", "relu1", "bn1", "conv2", "relu2", "bn2")]


def channels_of(model, layer: str) -> int:
    return module_of(model).get_submodule(layer).weight.shape[0] if layer.startswith("conv") else 8 if layer.endswith("2") else 6


# --- layers ---------------------------------------------------------------------------------
def activations_kwargs(data, case):
    names = layer_names_of(case.model)
    one = data.draw(st.booleans(), label="one layer")
    if one:
        layer = data.draw(st.sampled_from(names), label="layers")
        return {"layers": cv.get_layer(case.model, layer) if data.draw(st.booleans(), label="module") else layer}
    return {"layers": data.draw(st.lists(st.sampled_from(names), min_size=1, max_size=3, unique=True), label="layers")}


def activations_expect(case: Case, result) -> None:
    n, h, w = case.n_h_w()
    layers = case.kwargs["layers"]
    results = [result] if isinstance(layers, (str, nn.Module)) else list(result.values())
    if not isinstance(layers, (str, nn.Module)):
        assert list(result) == list(layers), f"keys {list(result)}, expected {layers}"
    for r in results:
        assert isinstance(r, torch.Tensor) and r.dim() == 4 and tuple(r.shape[::2]) == (n, h), (
            f"activation of shape {tuple(r.shape)} for {n} image(s) of height {h}"
        )


class Inside(Exception):
    """Raised inside a ``with capture(...)`` block by the test itself."""


def capture_run(case: Case):
    module = module_of(case.model)
    layers, gradients, fail = case.kwargs["layers"], case.kwargs["gradients"], case.kwargs["fail"]
    try:
        with cv.capture(case.model, layers, gradients=gradients) as cap:
            with torch.enable_grad():
                out = module(case.x.detach())
                name = cap.names[-1]
                grads = torch.autograd.grad(out.sum(), cap[name]) if gradients else None
            if fail:
                raise Inside
    except Inside:
        return "raised"
    return {"activations": {n: cap[n].detach() for n in cap.names}, "grads": grads}


def capture_kwargs(data, case):
    return {**activations_kwargs(data, case), "gradients": data.draw(st.booleans(), label="gradients"), "fail": data.draw(st.booleans(), label="raise inside")}


def frozen_run(case: Case):
    module = case.model
    try:
        with cv.frozen(module):
            assert not module.training and not any(p.requires_grad for p in module.parameters())
            with torch.enable_grad():
                xg = case.x.detach().requires_grad_(True)
                (g,) = torch.autograd.grad(module(xg).sum(), xg)
            if case.kwargs.get("fail"):
                raise Inside
    except Inside:
        return "raised"
    return g


def objective_for(data, case):
    """An objective spec or object the model can serve, and how many images it describes."""
    layer = data.draw(st.sampled_from(layer_names_of(case.model)), label="layer")
    c = data.draw(st.integers(0, channels_of(case.model, layer) - 1), label="channel")
    choices = [
        (f"{layer}:{c}", None),
        (f"{layer}:0-2", 3),
        (layer, None),
        (cv.channel(layer, c), None),
        (cv.neuron(layer, c), None),
        (cv.dream(layer), None),
        (f"class:{c % CLASSES}", None),
        (cv.channel(layer, c) - 0.1 * cv.total_variation() - 0.01 * cv.l2() - 0.01 * cv.alpha_norm(), None),
        (cv.class_logit([0, 1]), 2),
    ]
    if case.model_key == "classifier":
        choices.append(("class:tabby cat", None))
    return data.draw(st.sampled_from(choices), label="objective")


def maximize_kwargs(data, case):
    objective, batch = objective_for(data, case)
    case.extra["images"] = batch or 1
    return {
        "objective": objective,
        "size": data.draw(st.integers(8, 16), label="size"),
        "steps": data.draw(st.integers(1, 2), label="steps"),
        "seed": data.draw(st.integers(0, 5), label="seed"),
        "param": data.draw(st.sampled_from(["fft", "pixel", "fft-rgb"]), label="param"),
        "transforms": data.draw(st.sampled_from([None, "jitter"]), label="transforms"),
        "progress": False,
    }


def maximize_expect(case: Case, result) -> None:
    size = case.kwargs["size"]
    assert tuple(result.shape) == (case.extra["images"], 3, size, size)
    assert float(result.min()) >= 0 and float(result.max()) <= 1


def invert_kwargs(data, case):
    return {
        "layer": data.draw(st.sampled_from(layer_names_of(case.model) or ["conv1"]), label="layer"),
        "steps": data.draw(st.integers(1, 2), label="steps"),
        "seed": data.draw(st.integers(0, 5), label="seed"),
        "param": data.draw(st.sampled_from(["pixel", "fft"]), label="param"),
        "progress": False,
    }


def dream_kwargs(data, case):
    names = layer_names_of(case.model) or ["conv1"]
    form = data.draw(st.sampled_from(["str", "list", "dict"]), label="layers form")
    chosen = data.draw(st.lists(st.sampled_from(names), min_size=1, max_size=2, unique=True), label="layers")
    layers = {"str": chosen[0], "list": chosen, "dict": {n: data.draw(st.floats(0.1, 2.0)) for n in chosen}}[form]
    return {
        "layers": layers,
        "octaves": data.draw(st.integers(1, 2), label="octaves"),
        "octave_scale": data.draw(st.floats(1.2, 1.6), label="octave_scale"),
        "steps": data.draw(st.integers(1, 2), label="steps"),
        "jitter": data.draw(st.integers(0, 3), label="jitter"),
        "seed": data.draw(st.integers(0, 5), label="seed"),
        "as_tensor": True,
        "progress": False,
    }


def one_image_expect(case: Case, result) -> None:
    _, h, w = case.n_h_w()
    assert tuple(result.shape) == (1, 3, h, w) and float(result.min()) >= 0 and float(result.max()) <= 1


def image_spec(name, fn, kwargs, bad: dict[str, list]) -> Spec:
    kinds = standard_kinds(kwargs, None, one_image=True, x_name="image", x_types_ok=True)
    for arg, values in bad.items():
        kinds[f"kw_{arg}"] = keyword_kind(arg, values, kwargs, n1=1)
    return Spec(name, lambda c: fn(c.model, c.x, **c.kwargs), one_image_expect, kinds)


SPECS = {
    "activations": Spec(
        "activations",
        lambda c: cv.activations(c.model, c.x, **c.kwargs),
        activations_expect,
        {**standard_kinds(activations_kwargs, None), "kw_layers": keyword_kind("layers", BAD_LAYER_LISTS, activations_kwargs, words=("layers", "layer"))},
    ),
    "capture": Spec(
        "capture",
        capture_run,
        None,
        {
            "valid": lambda data: base_case(data, capture_kwargs, None),
            "kw_layers": keyword_kind("layers", BAD_LAYER_LISTS, capture_kwargs, words=("layers", "layer")),
        },
    ),
    "frozen": Spec(
        "frozen",
        frozen_run,
        None,
        {
            "valid": lambda data: base_case(
                data, lambda d, c: {"fail": d.draw(st.booleans(), label="raise")}, None, models=["tiny", "tiny_train", "inplace", "functional"]
            ),
            "bn_train": lambda data: base_case(data, lambda d, c: {"fail": d.draw(st.booleans(), label="raise")}, None, models=["bn_train"]),
            "model_type": lambda data: variants(base_case(data, lambda d, c: {}, None), "model", model=["resnet18", None, lambda: torch.zeros(3)]),
        },
    ),
    "get_layer": Spec(
        "get_layer",
        lambda c: cv.get_layer(c.model, **c.kwargs),
        lambda c, r: any(r is m for m in module_of(c.model).modules()) or pytest.fail("not in model"),
        {
            "valid": lambda data: base_case(data, lambda d, c: {"layer": d.draw(st.sampled_from(cv.layer_names(module_of(c.model))), label="layer")}, None),
            "kw_layer": keyword_kind("layer", BAD_LAYERS + [None], lambda d, c: {"layer": "conv1"}),
        },
    ),
    "layer_names": Spec(
        "layer_names",
        lambda c: cv.layer_names(c.model, **c.kwargs),
        lambda c, r: all(isinstance(n, str) for n in r) or pytest.fail(repr(r)),
        {
            "valid": lambda data: base_case(
                data,
                lambda d, c: {
                    "kind": d.draw(
                        st.sampled_from([None, "conv", "relu", "activation", "norm", "pool", "linear", nn.Conv2d, (nn.Conv2d, nn.Linear)]), label="kind"
                    )
                },
                None,
            ),
            "kw_kind": keyword_kind("kind", ["bogus", 3, "Conv", 2.5], lambda d, c: {}),
        },
    ),
    "hook_count": Spec(
        "hook_count",
        lambda c: cv.hook_count(c.model),
        lambda c, r: r == 0 or pytest.fail(f"{r} hooks on a fresh model"),
        {
            "valid": lambda data: base_case(data, lambda d, c: {}, None),
            "model_type": lambda data: variants(base_case(data, lambda d, c: {}, None), "model", model=["resnet18", None, lambda: torch.zeros(3)]),
        },
    ),
    "maximize": Spec(
        "maximize",
        lambda c: cv.maximize(c.model, **c.kwargs).tensor,
        maximize_expect,
        {
            "valid": lambda data: base_case(data, maximize_kwargs, None),
            "bn_train": lambda data: base_case(data, maximize_kwargs, None, models=["bn_train"]),
            "model_type": lambda data: variants(base_case(data, maximize_kwargs, None), "model", model=["resnet18", None, lambda: torch.zeros(3)]),
            "kw_objective": keyword_kind(
                "objective",
                ["conv2:99", "conv2:-99", "nope:1", "class:99", "class:-1", "conv2:5-2", 3, None],
                maximize_kwargs,
                words=("objective", "channel", "class", "layer"),
            ),
            "kw_size": keyword_kind("size", [0, -1, 2.5, "16", None], maximize_kwargs),
            "kw_steps": keyword_kind("steps", [-1, 2.5, "2", None], maximize_kwargs),
            "kw_param": keyword_kind("param", ["nope", 3], maximize_kwargs),
            "kw_seed": keyword_kind("seed", ["a", 2.5], maximize_kwargs),
        },
    ),
    "invert": image_spec("invert", lambda m, x, **k: cv.invert(m, x, **k).tensor, invert_kwargs, {"layer": BAD_LAYERS, "steps": [-1, 2.5, "2", None]}),
    "deepdream": image_spec(
        "deepdream",
        lambda m, x, **k: cv.deepdream(m, x, **k),
        dream_kwargs,
        {
            "layers": [3, "nope", {}, {"nope": 1.0}, {"conv2": "a"}, [], Foreign],
            "octaves": [0, -1, 2.5, "2"],
            "octave_scale": [0, -1.0, "a", math.nan],
            "steps": [-1, 2.5, "2"],
            "jitter": [-1, 2.5, "a"],
        },
    ),
}


# --- images and Classifier methods ------------------------------------------------------------
def image_like(data, smallest: int = 1):
    """Something load_image reads: a PIL image, a uint8 or float array, a float tensor."""
    h, w = data.draw(st.integers(smallest, 24), label="H"), data.draw(st.integers(smallest, 24), label="W")
    rng = np.random.default_rng(data.draw(st.integers(0, 99), label="seed"))
    form = data.draw(st.sampled_from(["pil", "uint8 hwc", "uint8 hw", "float01 hwc", "float255 chw", "tensor01", "tensor255"]), label="image form")
    rgb = rng.integers(0, 256, (h, w, 3)).astype(np.uint8)
    rgb[0, 0] = 255  # a real picture's maximum: float 0..255 reads unambiguously
    w5 = max(w, 5)  # a CxHxW array is padded to this width
    return {
        "pil": lambda: Image.fromarray(rgb),
        "uint8 hwc": lambda: rgb,
        "uint8 hw": lambda: rgb[..., 0],
        "float01 hwc": lambda: rgb.astype(np.float32) / 255,
        "float255 chw": lambda: np.moveaxis(np.pad(rgb, ((0, 0), (0, max(0, 5 - w)), (0, 0))), -1, 0).astype(
            np.float64
        ),  # CxHxW arrays need W > 4 to be told from HxWxC
        "tensor01": lambda: torch.from_numpy(rgb).permute(2, 0, 1).float() / 255,
        "tensor255": lambda: torch.from_numpy(rgb).permute(2, 0, 1).float(),
    }[form](), (h, w5 if form == "float255 chw" else w)


BAD_IMAGES = [
    lambda: np.full((4, 4, 3), np.nan),
    lambda: np.full((4, 4, 3), -0.5),
    lambda: np.full((4, 4, 3), 1.5),
    lambda: np.zeros(7),
    lambda: torch.rand(2, 3, 4, 4),
    lambda: np.zeros((0, 4, 3)),
    lambda: np.zeros((4, 4, 3), dtype=np.complex64),
    object(),
    "",
    3,
]


def load_image_case(data) -> Case:
    image, (h, w) = image_like(data)
    return Case(None, None, image, extra={"size": (w, h)})


def load_image_expect(case: Case, result) -> None:
    assert isinstance(result, Image.Image) and result.mode == "RGB" and result.size == case.extra["size"]


def preprocess_kwargs(data, _case):
    return {"size": data.draw(st.none() | st.integers(4, 24), label="size"), "crop": data.draw(st.booleans())}


def preprocess_case(data) -> Case:
    image, _ = image_like(data)
    case = Case("classifier", make_model("classifier"), image)
    case.kwargs = preprocess_kwargs(data, case)
    return case


def preprocess_expect(case: Case, result) -> None:
    side = case.kwargs["size"] or 16
    assert tuple(result.shape) == (1, 3, side, side) and torch.isfinite(result).all()


def predict_expect(case: Case, result) -> None:
    n = 1 if case.x.dim() == 3 else case.x.shape[0]
    k = case.kwargs["k"]
    rows = [result] if n == 1 else result
    assert len(rows) == n and all(len(r) == k for r in rows)
    assert all(isinstance(i, int) and 0 <= i < CLASSES and label == NAMES[i] and 0 <= p <= 1 for r in rows for i, label, p in r)


def class_index_case(data) -> Case:
    value = data.draw(st.integers(0, CLASSES - 1) | st.sampled_from(NAMES + ["Tabby_Cat", " espresso ", "TENCH"]), label="name")
    return Case("classifier", make_model("classifier"), kwargs={"name": value})


def class_index_expect(case: Case, result) -> None:
    value = case.kwargs["name"]
    expected = int(value) if isinstance(value, (int, np.integer, torch.Tensor)) else [n.lower() for n in NAMES].index(value.strip().lower().replace("_", " "))
    assert result == expected


def device_expect(case: Case, result) -> None:
    assert isinstance(result, torch.device)


SPECS.update(
    {
        "load_image": Spec(
            "load_image",
            lambda c: cv.load_image(c.x),
            load_image_expect,
            {"valid": load_image_case, "bad_source": lambda data: variants(Case(None, None), "source", x=BAD_IMAGES)},
        ),
        "Classifier.preprocess": Spec(
            "Classifier.preprocess",
            lambda c: c.model.preprocess(c.x, **c.kwargs),
            preprocess_expect,
            {
                "valid": preprocess_case,
                "kw_size": lambda data: variants(preprocess_case(data), "size", size=[0, -1, 2.5, "16"]),
                "bad_image": lambda data: [dict_update(c, words=("image", "source")) for c in variants(preprocess_case(data), "image", x=BAD_IMAGES)],
            },
        ),
        "Classifier.predict": Spec(
            "Classifier.predict",
            lambda c: c.model.predict(c.x, **c.kwargs),
            predict_expect,
            {
                **standard_kinds(lambda d, c: {"k": d.draw(st.integers(1, CLASSES), label="k")}, None, x_name="image", x_types_ok=True, models=["classifier"]),
                "kw_k": keyword_kind("k", [0, -1, CLASSES + 1, 2.5, "2", None], lambda d, c: {"k": 1}, models=["classifier"]),
            },
        ),
        "Classifier.class_index": Spec(
            "Classifier.class_index",
            lambda c: c.model.class_index(**c.kwargs),
            class_index_expect,
            {
                "valid": class_index_case,
                "numpy_int": lambda data: variants(class_index_case(data), None, name=[np.int64(2), np.int32(0), torch.tensor(1)]),
                "bad_name": lambda data: [
                    dict_update(c, words=("name", "class")) for c in variants(class_index_case(data), "name", name=[CLASSES, -1, 2.5, None, "nope", "", b"cat"])
                ],
            },
        ),
        "augment": Spec(
            "augment",
            lambda c: cv.augment(c.x, **c.kwargs),
            lambda c, r: [n for n, _ in r] == list(c.kwargs["names"]) or pytest.fail(repr(r)),
            {
                "valid": lambda data: Case(
                    None,
                    None,
                    image_like(data, 8)[0],
                    kwargs={
                        "names": data.draw(
                            st.lists(st.sampled_from(["original", "horizontal flip", "grayscale", "rotation"]), min_size=1, max_size=3, unique=True)
                        ),
                        "seed": data.draw(st.none() | st.integers(0, 9)),
                    },
                ),
                "kw_names": lambda data: [
                    dict_update(c, words=("names", "augmentation"))
                    for c in variants(Case(None, None, image_like(data, 8)[0], kwargs={"names": None}), "names", names=[["sepia"], "grayscale", [3]])
                ],
            },
        ),
        "sample_image": Spec(
            "sample_image",
            lambda c: cv.sample_image(**c.kwargs),
            lambda c, r: r.mode == "RGB" or pytest.fail(r.mode),
            {
                "valid": lambda data: Case(None, None, kwargs={"name": data.draw(st.sampled_from(cv.sample_images()))}),
                "kw_name": lambda data: variants(Case(None, None, kwargs={"name": "cat"}), "name", name=["cta", "", 3, None]),
            },
        ),
        "resolve_device": Spec(
            "resolve_device",
            lambda c: cv.resolve_device(**c.kwargs),
            device_expect,
            {
                "valid": lambda data: Case(None, None, kwargs={"device": data.draw(st.sampled_from(["cpu", "auto", None, torch.device("cpu")]))}),
                "kw_device": lambda data: variants(Case(None, None, kwargs={"device": "cpu"}), "device", device=["gpu", 3, "cuda:x", ""]),
            },
        ),
        "wrap_model": Spec(
            "wrap_model",
            lambda c: cv.wrap_model(c.model, **c.kwargs),
            lambda c, r: isinstance(r, cv.Classifier) or pytest.fail(repr(r)),
            {
                "valid": lambda data: base_case(
                    data, lambda d, c: {"input_size": d.draw(st.integers(4, 24)), "device": "cpu"}, None, models=["tiny", "functional"]
                ),
                "kw_input_size": keyword_kind("input_size", [0, -1, 2.5, "16"], lambda d, c: {"device": "cpu"}, models=["tiny"]),
                "kw_categories": keyword_kind("categories", [["a", "b"], "abcde", 3], lambda d, c: {"device": "cpu"}, models=["tiny"]),
            },
        ),
    }
)


def note_case(data) -> Case:
    """A Classifier as loaded, or one standing in for another model (a fallback)."""
    clf = make_model("classifier")
    if data.draw(st.booleans(), label="fell back"):
        clf = dataclasses.replace(clf, requested="vgg16", fallback_note=cv.models.fallback.fallback_note("vgg16", "CNNVIZ_OFFLINE=1", clf.name))
    return Case("classifier", clf)


def note_expect(name: str):
    def expect(case: Case, result) -> None:
        fell_back = case.model.fallback_note is not None
        if name == "title_name":
            assert result == ("tinynet (for VGG16)" if fell_back else "tinynet"), result
        elif name == "note_html":
            assert (result.startswith("<div") and "vgg16" in result) if fell_back else result == "", result
        else:
            assert result.fell_back == fell_back and "tinynet" in result.markdown, result

    return expect


def note_spec(name: str) -> Spec:
    return Spec(
        name,
        lambda c: getattr(cv, name)(c.model),
        note_expect(name),
        {"valid": note_case, "model_type": lambda data: variants(note_case(data), "model", model=["resnet18", None, lambda: torch.zeros(3)])},
    )


SPECS.update({name: note_spec(name) for name in ("title_name", "note_html", "model_note")})


# --- the bundled photos: credit lines and hand-drawn boxes -------------------------------------
def _box_list(boxes) -> bool:
    return all(isinstance(b, tuple) and len(b) == 4 and all(isinstance(v, int) for v in b) for b in boxes)


SPECS.update(
    {
        "credit": Spec(
            "credit",
            lambda c: cv.credit(**c.kwargs),
            lambda c, r: (isinstance(r, str) and "\n" not in r) or pytest.fail(repr(r)),
            {
                "valid": lambda data: Case(
                    None,
                    None,
                    kwargs={"name": data.draw(st.sampled_from(cv.sample_images())), "format": data.draw(st.sampled_from(["markdown", "html", "text"]))},
                ),
                "kw_name": lambda data: variants(Case(None, None, kwargs={"name": "cat"}), "name", name=["cta", "", 3, None, b"cat"]),
                "kw_format": lambda data: variants(Case(None, None, kwargs={"name": "cat"}), "format", format=["md", "", None, 1]),
            },
        ),
        # variants() puts a bad "model" on the case, not in its keywords
        "sample_boxes": Spec(
            "sample_boxes",
            lambda c: cv.sample_boxes(**c.kwargs, **({} if c.model is None else {"model": c.model})),
            lambda c, r: all(_box_list(v) for v in r.values()) or pytest.fail(repr(r)),
            {
                "valid": lambda data: Case(
                    None,
                    None,
                    kwargs={
                        "name": data.draw(st.sampled_from(cv.boxed_samples())),
                        "size": data.draw(st.none() | st.integers(1, 512)),
                        "crop": data.draw(st.booleans()),
                    },
                ),
                "kw_name": lambda data: variants(Case(None, None, kwargs={"name": "drums_and_guitar"}), "name", name=["drums", "colorful_cups", 3, None]),
                "kw_size": lambda data: variants(Case(None, None, kwargs={"name": "drums_and_guitar"}), "size", size=[0, -3, 2.5, "224", True]),
                "kw_crop": lambda data: variants(Case(None, None, kwargs={"name": "drums_and_guitar"}), "crop", crop=["yes", None, 1]),
                "kw_model": lambda data: variants(
                    Case(None, None, kwargs={"name": "drums_and_guitar"}), "model", model=["efficientnet_lite0", 3, lambda: nn.Conv2d(3, 3, 1)]
                ),
            },
        ),
        "preprocess_boxes": Spec(
            "preprocess_boxes",
            lambda c: cv.preprocess_boxes(**c.kwargs),
            lambda c, r: _box_list(r) or pytest.fail(repr(r)),
            {
                "valid": lambda data: Case(
                    None,
                    None,
                    kwargs={
                        "boxes": [
                            (data.draw(st.integers(0, 49)), data.draw(st.integers(0, 39)), data.draw(st.integers(50, 100)), data.draw(st.floats(40, 80)))
                        ],
                        "image_size": (data.draw(st.integers(100, 400)), data.draw(st.integers(80, 400))),
                        "size": data.draw(st.none() | st.integers(1, 300)),
                        "crop": data.draw(st.booleans()),
                    },
                ),
                "kw_boxes": lambda data: variants(
                    Case(None, None, kwargs={"image_size": (100, 80)}),
                    "boxes",
                    boxes=[[(0, 0, 200, 10)], [(9, 0, 3, 10)], [(1, 2, 3)], "1 2 3 4", [(0, 0, 5, math.nan)], [("a", 0, 5, 5)], 7],
                ),
                "kw_image_size": lambda data: variants(
                    Case(None, None, kwargs={"boxes": [(0, 0, 5, 5)]}), "image_size", image_size=[100, (100,), (0, 80), (100.5, 80), None]
                ),
                "kw_size": lambda data: variants(Case(None, None, kwargs={"boxes": [(0, 0, 5, 5)], "image_size": (100, 80)}), "size", size=[0, 2.5, "224"]),
            },
        ),
    }
)


@pytest.mark.parametrize("function, kind", cases(SPECS))
def test_fuzz(function, kind):
    run_kind(SPECS[function], kind)


# --- every public function is fuzzed ------------------------------------------------------------
#: Public callables this suite does not call directly, and why.
NOT_FUZZED = {
    "alpha_norm": "objective constructor: fuzzed through maximize(objective=...)",
    "blur": "objective constructor (post-step): covered by test_optvis",
    "channel": "objective constructor: fuzzed through maximize(objective=...)",
    "class_logit": "objective constructor: fuzzed through maximize(objective=...)",
    "content": "objective constructor: fuzzed through invert",
    "dream": "objective constructor: fuzzed through maximize(objective=...)",
    "l2": "objective constructor: fuzzed through maximize(objective=...)",
    "neuron": "objective constructor: fuzzed through maximize(objective=...)",
    "total_variation": "objective constructor: fuzzed through maximize(objective=...)",
    "load_model": "reads pretrained weights from disk; its errors are tested in test_models",
    "list_models": "takes no argument",
    "sample_images": "takes no argument",
    "boxed_samples": "takes no argument",
    "offline": "takes no argument",
    "quick": "takes no argument",
    "soften_check_cells": "takes an IPython shell, not tensors: its cases are in tests/core/test_check_cells.py",
}


def test_every_public_function_is_fuzzed():
    tests = Path(__file__).resolve().parents[1]  # the other suites, also when this file runs alone
    for folder in ("attribution", "evaluate", "notebooks"):
        if str(tests / folder) not in sys.path:
            sys.path.insert(0, str(tests / folder))
    import test_fuzz_attribution
    import test_fuzz_evaluate
    import test_fuzz_extras
    import test_fuzz_notebooks

    fuzzed = set(SPECS) | set(test_fuzz_attribution.SPECS) | set(test_fuzz_evaluate.SPECS) | set(test_fuzz_notebooks.SPECS) | set(test_fuzz_extras.SPECS)
    public = {n for n in cv.__all__ if callable(getattr(cv, n)) and not inspect.isclass(getattr(cv, n))}
    missing = public - fuzzed - set(NOT_FUZZED)
    assert not missing, f"add these public functions to the property-based suite: {sorted(missing)}"
    methods = {f"Classifier.{m}" for m in ("preprocess", "predict", "class_index")}
    assert methods <= fuzzed
