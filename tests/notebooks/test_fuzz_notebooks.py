"""Property-based suite, the functions of notebooks 09 to 11: the shapes dataset, training,
scores against ground-truth masks, procedural textures, concepts (TCAV) and adversarial
attacks, on tiny networks with generated inputs (oracle and case kinds in ``fuzzkit``)."""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest
import torch
from hypothesis import strategies as st
from torch import nn

import cnnviz_lab as cv
from cnnviz_lab.groundtruth.shapes import CUE_MODES, SHAPES
from cnnviz_lab.concepts.textures import CONCEPTS
from fuzzkit import (BAD_LAYERS, CLASSES, NAMES, VALID_MODELS, Case, ModelState, Spec, base_case, cases, dict_update,
                     draw_x, keyword_kind, make_model, module_of, run_kind, standard_kinds, variants)

BAD_BATCH = [0, -1, 2.5, "8", (2,)]
BAD_THREADS = [0, -1, 2.5, "1", True]
BAD_SEEDS = ["a", 2.5]
BAD_LAYER_LISTS = [3, 2.5, "nope", [], ["conv1", 3], None] + BAD_LAYERS[-2:]
NAN = math.nan


def plain(make):
    """A kind without a model: ``make(data)`` gives ``(x, target, kwargs)``."""
    def build(data) -> Case:
        x, target, kwargs = make(data)
        return Case(None, None, x, target, kwargs=kwargs)
    return build


def spec_of(name, run, expect, valid, bad: dict[str, list], attr_of=None) -> Spec:
    """A spec whose mistakes are one argument at a time: ``bad = {argument: [values]}``;
    ``attr_of`` maps an argument to the case attribute that holds it (``x``, ``target``)."""
    attr_of = attr_of or {}
    kinds = {"valid": valid}
    for arg, values in bad.items():
        where = attr_of.get(arg, arg)
        kinds[f"kw_{arg}"] = (lambda a, w, v: lambda data: variants(valid(data), a, **{w: v}))(arg, where, values)
    return Spec(name, run, expect, kinds)


def spatial(model) -> list[str]:
    return [n for n in cv.layer_names(module_of(model)) if n in ("conv1", "relu1", "bn1", "conv2", "relu2", "bn2")]


def in_unit(case: Case) -> Case:
    """The case's ``x`` squashed into [0, 1] (RGB images), same shape and requires_grad."""
    if isinstance(case.x, torch.Tensor) and case.x.is_floating_point() and case.x.numel():
        case.x = torch.sigmoid(case.x.detach()).requires_grad_(case.x.requires_grad)
    return case


def each(build, change):
    """``build`` with ``change(data, case)`` applied to every case it builds."""
    def wrapped(data):
        built = build(data)
        out = built if isinstance(built, list) else [built]
        for c in out:
            change(data, c)
        return built
    return wrapped


def unit_images(kinds: dict) -> dict:
    """Every kind's valid-looking images in [0, 1], except where the mistake is the images."""
    def change(_data, c):
        if c.bad is None or c.bad not in ("x", "images"):
            in_unit(c)
    return {k: each(b, change) for k, b in kinds.items()}


# --- datasets and procedural images ------------------------------------------------------------
def shapes_valid(data):
    size = data.draw(st.integers(24, 32), label="size")
    kwargs = {"n": data.draw(st.integers(0, 3), label="n"), "cue": data.draw(st.sampled_from(CUE_MODES)),
              "size": size, "seed": data.draw(st.integers(0, 2 ** 20), label="seed"),
              "classes": data.draw(st.lists(st.sampled_from(SHAPES), min_size=2, max_size=4, unique=True)),
              "cue_size": data.draw(st.none() | st.integers(2, size // 3), label="cue_size")}
    return None, None, kwargs


def shapes_expect(case: Case, r) -> None:
    n, s = case.kwargs["n"], case.kwargs["size"]
    assert isinstance(r, cv.ShapeImages) and tuple(r.images.shape) == (n, 3, s, s)
    assert tuple(r.labels.shape) == (n,) and r.object_masks.dtype == torch.bool
    assert bool(((r.images >= 0) & (r.images <= 1)).all()) and set(r.labels.tolist()) <= set(
        range(len(case.kwargs["classes"])))


def images_kwargs(data, concept: bool = False):
    kwargs = {"n": data.draw(st.integers(0, 3), label="n"), "size": data.draw(st.integers(16, 24), label="size"),
              "seed": data.draw(st.integers(0, 2 ** 20), label="seed")}
    if concept:
        kwargs["concept"] = data.draw(st.sampled_from(CONCEPTS), label="concept")
    return None, None, kwargs


def images_expect(case: Case, r) -> None:
    n, s = case.kwargs["n"], case.kwargs["size"]
    assert tuple(r.shape) == (n, 3, s, s) and bool(((r >= 0) & (r <= 1)).all())


BAD_N = [-1, 2.5, "3", None, True]
BAD_SIZE = [0, 2, 2.5, "32", None]


def images_spec(name, fn, concept=False):
    bad = {"n": BAD_N, "size": BAD_SIZE, "seed": BAD_SEEDS + [None]}
    if concept:
        bad["concept"] = ["stripy", "", 3, None]
    return spec_of(name, lambda c: fn(**c.kwargs), images_expect, plain(lambda d: images_kwargs(d, concept)), bad)


def threads_run(case: Case):
    before = torch.get_num_threads()
    try:
        with cv.cpu_threads(**case.kwargs):
            inside = torch.get_num_threads()
    finally:
        assert torch.get_num_threads() == before, "cpu_threads did not restore the thread count"
    return inside, before


def threads_expect(case: Case, r) -> None:
    t = case.kwargs["threads"]
    assert r[0] == (r[1] if t is None else int(t)), r


SPECS = {
    "shape_images": spec_of("shape_images", lambda c: cv.shape_images(**c.kwargs), shapes_expect, plain(shapes_valid), {
        "n": BAD_N, "size": [0, 23, 2.5, "32", None], "cue": ["nope", 3, None],
        "classes": [["circle"], ["circle", "circle"], ["hexagon", "circle"], "circle", 3, None, [3, 4]],
        "cue_size": [1, 999, 2.5, "3"], "seed": BAD_SEEDS + [None]}),
    "concept_images": images_spec("concept_images", cv.concept_images, concept=True),
    "random_images": images_spec("random_images", cv.random_images),
    "zebra_images": images_spec("zebra_images", cv.zebra_images),
    "cpu_threads": spec_of("cpu_threads", threads_run, threads_expect, plain(lambda d: (None, None, {
        "threads": d.draw(st.sampled_from([None, 1, 2, np.int64(1)]), label="threads")})), {"threads": BAD_THREADS}),
}


# --- training and prediction -------------------------------------------------------------------
TRAIN_MODELS = ["tiny", "tiny_train", "inplace", "functional", "bn_train", "small_cnn"]


def train_valid(data) -> Case:
    key = data.draw(st.sampled_from(TRAIN_MODELS), label="model")
    seed = data.draw(st.integers(0, 3), label="model seed")
    model = cv.SmallCNN(classes=CLASSES, width=2, seed=seed) if key == "small_cnn" else make_model(key, seed)
    n = data.draw(st.integers(1, 4), label="N")
    side = data.draw(st.integers(8, 12), label="side")
    gen = torch.Generator().manual_seed(data.draw(st.integers(0, 99), label="x seed"))
    images = torch.rand(n, 3, side, side, generator=gen)
    if data.draw(st.booleans(), label="requires_grad"):
        images.requires_grad_(True)
    row = data.draw(st.lists(st.integers(0, CLASSES - 1), min_size=n, max_size=n), label="labels")
    labels = data.draw(st.sampled_from([row, torch.tensor(row), np.array(row)]), label="labels form")
    kwargs = {"epochs": data.draw(st.integers(0, 2), label="epochs"),
              "batch_size": data.draw(st.integers(1, 4), label="batch_size"),
              "lr": data.draw(st.floats(1e-4, 1e-2), label="lr"),
              "seed": data.draw(st.none() | st.integers(0, 5), label="seed"),
              "classes": data.draw(st.sampled_from([None, NAMES, tuple(NAMES)]), label="classes"),
              "watch": data.draw(st.none() | st.integers(0, n - 1), label="watch"),
              "device": data.draw(st.sampled_from(["cpu", "auto"]), label="device"),
              "threads": data.draw(st.sampled_from([None, 1]), label="threads"), "progress": False}
    return Case(None, None, images, labels, kwargs, extra={"model": model})


def train_run(case: Case):
    """train_model changes its model on purpose; on an error it must not have started."""
    model = case.extra["model"]
    state = ModelState.of(model) if isinstance(model, nn.Module) else None
    try:
        return cv.train_model(model, case.x, case.target, **case.kwargs)
    except (ValueError, TypeError):
        if state is not None:
            state.assert_same(model, "train_model after the error")
        raise


def train_expect(case: Case, r) -> None:
    model, epochs = case.extra["model"], case.kwargs["epochs"]
    assert isinstance(r, cv.TrainingRun) and len(r.loss) == len(r.accuracy) == epochs
    assert r.classifier.model is model and not model.training
    assert all(p.grad is None for p in model.parameters())
    if case.kwargs["watch"] is None:
        assert r.timeline is None
    else:
        assert len(r.timeline) == epochs + 1


def bad_images_forms(n=2, side=8) -> list:
    return [lambda: torch.rand(n, 1, 3, side, side), lambda: torch.rand(side, side), lambda: torch.rand(n, 1, side, side),
            lambda: torch.rand(0, 3, side, side), lambda: (torch.rand(n, 3, side, side) * 255).to(torch.uint8),
            lambda: torch.randint(0, 2, (n, 3, side, side)), lambda: torch.full((n, 3, side, side), NAN),
            lambda: torch.rand(n, 3, side, side).numpy(), None, "images"]


def train_bad_images(data):
    case = train_valid(data)
    n, _, side, _ = case.x.shape
    forms = bad_images_forms(n, side) + [lambda: torch.randn(n, 3, side, side) * 3]   # not in [0, 1]
    return variants(case, "images", x=forms)


def train_bad_labels(data):
    case = train_valid(data)
    n = case.x.shape[0]
    return variants(case, "labels", target=[
        [0] * (n + 1), [], lambda: torch.full((n,), 1.7), [1.5] * n, [CLASSES] * n, [-1] * n,
        lambda: torch.zeros(n, 2, dtype=torch.long), None, "tench", [object()] * n])


SPECS.update({
    "train_model": Spec("train_model", train_run, train_expect, {
        "valid": train_valid, "kw_images": train_bad_images, "kw_labels": train_bad_labels,
        "model_type": lambda data: [dict_update(c, extra={"model": m}, bad="model") for c, m in zip(
            [train_valid(data) for _ in range(3)], ["resnet18", None, torch.zeros(3)])],
        **{f"kw_{arg}": (lambda a, v: lambda data: variants(train_valid(data), a, **{a: v}))(arg, values)
           for arg, values in {"epochs": [-1, 2.5, "2", None], "batch_size": BAD_BATCH,
                               "lr": [0, -1.0, NAN, "a", None], "seed": BAD_SEEDS,
                               "classes": [["a", "b"], "abcde", 3], "watch": [-1, 99, 2.5, "0"],
                               "device": ["gpu", 3, ""], "threads": BAD_THREADS}.items()}}),
})


def predict_kwargs(data, _case):
    return {"batch_size": data.draw(st.integers(1, 4), label="batch_size"),
            "threads": data.draw(st.sampled_from([None, 1]), label="threads")}


def predict_expect(case: Case, r) -> None:
    n, _, _ = case.n_h_w()
    assert r.dtype == torch.long and tuple(r.shape) == (n,) and bool(((r >= 0) & (r < CLASSES)).all())


def labels_for(data, case: Case) -> None:
    x = case.x
    n = x.shape[0] if isinstance(x, torch.Tensor) and x.dim() == 4 else 1   # a bad x is refused first
    row = data.draw(st.lists(st.integers(0, CLASSES - 1), min_size=n, max_size=n), label="labels")
    case.target = data.draw(st.sampled_from([row, torch.tensor(row), np.array(row)]), label="labels form")


def accuracy_labels_bad(data):
    case = base_case(data, predict_kwargs, None)
    in_unit(case)
    labels_for(data, case)
    n = case.x.shape[0]
    return variants(case, "labels", target=[[0] * (n + 1), lambda: torch.full((n,), 1.7), [CLASSES] * n,
                                            [-1] * n, None, "tench", lambda: torch.zeros(n, 2, dtype=torch.long)])


def accuracy_expect(case: Case, r) -> None:
    assert isinstance(r, float) and 0 <= r <= 1


def predict_kinds(with_labels: bool) -> dict:
    kinds = unit_images(standard_kinds(predict_kwargs, None, x_name="images"))
    kinds["images_range"] = lambda data: variants(in_unit(base_case(data, predict_kwargs, None, models=["classifier"])),
                                                  "images", x=[lambda: torch.rand(1, 3, 8, 8) * 255,
                                                               lambda: torch.rand(2, 3, 8, 8) - 0.5])
    for arg, values in {"batch_size": BAD_BATCH, "threads": BAD_THREADS}.items():
        kinds[f"kw_{arg}"] = keyword_kind(arg, values, predict_kwargs, models=["tiny"])
    if with_labels:
        kinds = {k: each(b, lambda d, c: c.target is None and labels_for(d, c)) for k, b in kinds.items()}
        kinds["kw_labels"] = accuracy_labels_bad
    return kinds


SPECS.update({
    "predict_classes": Spec("predict_classes", lambda c: cv.predict_classes(c.model, c.x, **c.kwargs),
                            predict_expect, predict_kinds(False)),
    "accuracy": Spec("accuracy", lambda c: cv.accuracy(c.model, c.x, c.target, **c.kwargs), accuracy_expect,
                     predict_kinds(True)),
})


# --- scores against masks ----------------------------------------------------------------------
def maps_masks(data, n=None, h=None, w=None):
    n = data.draw(st.integers(1, 3), label="N") if n is None else n
    h = data.draw(st.integers(2, 10), label="H") if h is None else h
    w = data.draw(st.integers(2, 10), label="W") if w is None else w
    gen = torch.Generator().manual_seed(data.draw(st.integers(0, 99), label="seed"))
    shape = data.draw(st.sampled_from([(n, h, w), (n, 3, h, w), (n, 1, h, w)]), label="attribution shape")
    attribution = torch.randn(shape, generator=gen)
    masks = torch.rand(n, h, w, generator=gen) < data.draw(st.floats(0, 1), label="mask share")
    return attribution, masks


BAD_MAPS = [lambda: torch.rand(7), lambda: torch.rand(1, 2, 3, 4, 5), "map", None, lambda: torch.rand(2, 2, 4, 4)]
BAD_MASKS = [lambda: torch.rand(2, 99, 99) > 0.5, lambda: torch.rand(1, 4, 4), "mask", None, lambda: torch.ones(3)]


def mask_spec(name, fn, expect, extra: dict, extra_bad: dict):
    def valid(data):
        attribution, masks = maps_masks(data)
        return Case(None, None, attribution, masks, kwargs={k: data.draw(v, label=k) for k, v in extra.items()})
    return spec_of(name, lambda c: fn(c.x, c.target, **c.kwargs), expect, valid,
                   {"attribution": BAD_MAPS, "masks": BAD_MASKS, **extra_bad},
                   attr_of={"attribution": "x", "masks": "target"})


def share_expect(case: Case, r) -> None:
    assert tuple(r.shape) == (case.x.shape[0],) and bool(((r >= 0) & (r <= 1 + 1e-6)).all())


def hits_expect(case: Case, r) -> None:
    assert r.dtype == torch.bool and tuple(r.shape) == (case.x.shape[0],)


SPECS.update({
    "mask_energy": mask_spec("mask_energy", cv.mask_energy, share_expect, {}, {}),
    "mask_pointing": mask_spec("mask_pointing", cv.mask_pointing, hits_expect, {"tolerance": st.floats(0, 3)},
                               {"tolerance": [-1.0, NAN, math.inf, "a", None]}),
    "mask_recall": mask_spec("mask_recall", cv.mask_recall, share_expect, {"seed": st.integers(0, 9)},
                             {"seed": BAD_SEEDS + [None]}),
})


def drop_kwargs(data, case: Case):
    n, h, w = case.n_h_w()
    gen = torch.Generator().manual_seed(data.draw(st.integers(0, 99), label="pixels seed"))
    return {"pixels": torch.rand(n, h, w, generator=gen) < 0.3, "fill": data.draw(st.floats(-1, 1), label="fill")}


def mask_deletion_kwargs(data, case: Case):
    n, h, w = case.n_h_w()
    attribution, masks = maps_masks(data, n, h, w)
    return {"attribution": attribution, "masks": masks, "fill": data.draw(st.floats(-1, 1), label="fill"),
            "seed": data.draw(st.integers(0, 9), label="seed")}


def drop_expect(case: Case, r) -> None:
    n, _, _ = case.n_h_w()
    assert tuple(r.shape) == (n,) and r.device.type == "cpu" and bool((r.abs() <= 1 + 1e-6).all())


def model_spec(name, run, expect, kwargs, target, bad: dict[str, list], words=None, **standard) -> Spec:
    kinds = standard_kinds(kwargs, target, **standard)
    for arg, values in bad.items():
        kinds[f"kw_{arg}"] = keyword_kind(arg, values, kwargs, words=(words or {}).get(arg, ()))
    return Spec(name, run, expect, kinds)


METHOD_CHOICES = [None, {"saliency": cv.saliency}, ["saliency", "gradcam"],
                  {"ig": functools.partial(cv.integrated_gradients, steps=2), "occlusion": cv.occlusion}]


def score_kwargs(data, case: Case):
    n, h, w = case.n_h_w()
    gen = torch.Generator().manual_seed(data.draw(st.integers(0, 99), label="masks seed"))
    masks = {"cue": torch.rand(n, h, w, generator=gen) < 0.2, "object": torch.rand(n, h, w, generator=gen) < 0.5}
    return {"masks": masks, "methods": data.draw(st.sampled_from(METHOD_CHOICES), label="methods"),
            "deletion": data.draw(st.sampled_from([None, "cue"]), label="deletion"),
            "tolerance": data.draw(st.floats(0, 2), label="tolerance"),
            "threads": data.draw(st.sampled_from([None, 1]), label="threads"),
            "seed": data.draw(st.integers(0, 9), label="seed"), "progress": False}


def score_expect(case: Case, r) -> None:
    n, h, w = case.n_h_w()
    assert isinstance(r, cv.MaskScores) and r.methods
    for name in r.methods:
        assert tuple(r.maps[name].shape) == (n, h, w)
        assert all(tuple(v.shape) == (n,) for v in r.scores[name].values())


SPECS.update({
    "deletion_drop": model_spec(
        "deletion_drop", lambda c: cv.deletion_drop(c.model, c.x, target=c.target, **c.kwargs), drop_expect,
        drop_kwargs, "one", {"pixels": [lambda: torch.rand(1, 99, 99) > 0.5, lambda: torch.rand(2, 8, 8), "px", None],
                             "fill": ["a", NAN, None]}),
    "mask_deletion": model_spec(
        "mask_deletion", lambda c: cv.mask_deletion(c.model, c.x, target=c.target, **c.kwargs), drop_expect,
        mask_deletion_kwargs, "one", {"attribution": BAD_MAPS[:4], "masks": BAD_MASKS, "fill": ["a", NAN],
                                      "seed": BAD_SEEDS}),
    "score_against_masks": model_spec(
        "score_against_masks", lambda c: cv.score_against_masks(c.model, c.x, target=c.target, **c.kwargs),
        score_expect, score_kwargs, "one", {
            "masks": [{}, "cue", None, {"cue": torch.ones(1, 99, 99, dtype=torch.bool)}, {"cue": "m"},
                      {3: torch.ones(1, 2, 2, dtype=torch.bool)}],
            "methods": [{"x": "nope"}, {"x": 3}, "saliency", ["nope"], [3], {}],
            "deletion": ["nope", 3], "tolerance": [-1.0, NAN, "a"], "threads": BAD_THREADS, "seed": BAD_SEEDS},
        words={"methods": ("methods", "method")}),
})


# --- concepts ------------------------------------------------------------------------------------
def acts(data, n_min=2):
    d = data.draw(st.sampled_from([(3,), (2, 2, 2), (5,)]), label="activation shape")
    gen = torch.Generator().manual_seed(data.draw(st.integers(0, 99), label="seed"))
    n, m = data.draw(st.integers(n_min, 6), label="N"), data.draw(st.integers(n_min, 6), label="M")
    shift = data.draw(st.floats(0, 3), label="shift")
    return torch.randn(n, *d, generator=gen) + shift, torch.randn(m, *d, generator=gen)


def cav_valid(data) -> Case:
    concept, counter = acts(data)
    kwargs = {"l2": data.draw(st.floats(0, 1), label="l2"), "holdout": data.draw(st.floats(0, 0.9), label="holdout"),
              "steps": data.draw(st.integers(1, 20), label="steps"), "seed": data.draw(st.none() | st.integers(0, 9))}
    return Case(None, None, concept, counter, kwargs)


def cav_expect(case: Case, r) -> None:
    d = case.x[0].numel()
    assert isinstance(r, cv.CAV) and tuple(r.vector.shape) == (d,) and 0 <= r.accuracy <= 1
    assert abs(float(r.vector.norm()) - 1) < 1e-4 or float(r.vector.norm()) == 0


BAD_ACTS = [lambda: torch.rand(1, 3), lambda: torch.rand(3), lambda: torch.full((3, 3), NAN), None, "acts",
            lambda: torch.ones(3, 3, dtype=torch.long)]


def score_valid(data) -> Case:
    g, _ = acts(data, n_min=1)
    gen = torch.Generator().manual_seed(data.draw(st.integers(0, 99), label="v seed"))
    v = torch.randn(g[0].numel(), generator=gen)
    if data.draw(st.booleans(), label="as CAV"):
        v = cv.CAV(v / v.norm(), 0.0, 1.0)
    return Case(None, None, g, v)


def ttest_valid(data) -> Case:
    def sample(label):
        values = data.draw(st.lists(st.floats(-5, 5), min_size=2, max_size=8), label=label)
        return data.draw(st.sampled_from([values, torch.tensor(values), np.array(values)]), label=f"{label} form")
    return Case(None, None, sample("a"), sample("b"))


def ttest_expect(case: Case, r) -> None:
    t, p = r
    assert isinstance(t, float) and isinstance(p, float) and 0 <= p <= 1 and not math.isnan(t)


BAD_SAMPLES = [[1.0], [], [1.0, NAN], "ab", None, [[1.0, 2.0], "x"], [1 + 2j, 3j]]

SPECS.update({
    "cav": spec_of("cav", lambda c: cv.cav(c.x, c.target, **c.kwargs), cav_expect, cav_valid, {
        "concept": BAD_ACTS, "counterexamples": BAD_ACTS + [lambda: torch.rand(4, 99)],
        "l2": [-1.0, NAN, "a"], "holdout": [1.0, -0.1, NAN, "a"], "steps": [0, -1, 2.5, "3"], "seed": BAD_SEEDS},
        attr_of={"concept": "x", "counterexamples": "target"}),
    "tcav_score": spec_of("tcav_score", lambda c: cv.tcav_score(c.x, c.target), lambda c, r: 0 <= r <= 1 or
                          pytest.fail(repr(r)), score_valid, {
        "gradients": [lambda: torch.rand(0, 3), lambda: torch.full((2, 3), NAN), None, "g", lambda: torch.rand(2, 99)],
        "concept_vector": [lambda: torch.rand(99), None, "v", lambda: torch.full((3,), NAN)]},
        attr_of={"gradients": "x", "concept_vector": "target"}),
    "t_test": spec_of("t_test", lambda c: cv.t_test(c.x, c.target), ttest_expect, ttest_valid,
                      {"a": BAD_SAMPLES, "b": BAD_SAMPLES}, attr_of={"a": "x", "b": "target"}),
})


def one_class(data, case: Case) -> None:
    """A single class for functions that explain one class (class_gradients, tcav)."""
    if case.target is None and case.bad != "target":
        c = data.draw(st.integers(0, CLASSES - 1), label="target")
        forms = [c, np.int64(c), torch.tensor(c)] + ([NAMES[c]] if case.model_key == "classifier" else [])
        case.target = data.draw(st.sampled_from(forms), label="target form")


def one_class_kinds(kwargs) -> dict:
    def base(data, models=VALID_MODELS):
        case = base_case(data, kwargs, None, models=models)
        return case

    def bad_target(data):
        case = base(data, ["tiny"])
        n = case.x.shape[0]
        bare = variants(case, "target", target=[
            CLASSES, -1, 2 ** 40, 1.7, np.float64(2.0), lambda: torch.tensor([1.7]), [0] * n, [[0, 1]] * n,
            None, object(), "tabby cat", True])
        return bare + variants(base(data, ["classifier"]), "target", target=["tabby cta", ""])
    return {"target_bad": bad_target}


def cg_kwargs(data, case: Case):
    names = spatial(case.model) + ["fc"]
    layers = data.draw(st.lists(st.sampled_from(names), min_size=1, max_size=2, unique=True), label="layers")
    form = data.draw(st.sampled_from(["list", "one", "module"]), label="layers form")
    layers = {"list": layers, "one": layers[0], "module": cv.get_layer(case.model, layers[0])}[form]
    return {"layers": layers, "batch_size": data.draw(st.integers(1, 4), label="batch_size")}


def cg_expect(case: Case, r) -> None:
    n, _, _ = case.n_h_w()
    assert isinstance(r, dict) and r and all(v.shape[0] == n for v in r.values())


def tcav_kwargs(data, case: Case):
    _, _, h, w = case.x.shape if case.x.dim() == 4 else (1, *case.x.shape)
    gen = torch.Generator().manual_seed(data.draw(st.integers(0, 99), label="sets seed"))

    def batch():
        return torch.randn(data.draw(st.integers(2, 3), label="M"), 3, h, w, generator=gen)
    reps = data.draw(st.integers(3, 4), label="R")
    concept = data.draw(st.sampled_from(["one", "per repeat"]), label="concept form")
    names = spatial(case.model)
    return {"concepts": {"c": batch() if concept == "one" else [batch() for _ in range(reps)]},
            "random_sets": [batch() for _ in range(reps)],
            "layers": data.draw(st.lists(st.sampled_from(names), min_size=1, max_size=2, unique=True), label="layers"),
            "l2": data.draw(st.floats(0.001, 0.1), label="l2"), "seed": data.draw(st.integers(0, 9), label="seed"),
            "batch_size": data.draw(st.integers(1, 4), label="batch_size"),
            "threads": data.draw(st.sampled_from([None, 1]), label="threads"), "progress": False}


def tcav_expect(case: Case, r) -> None:
    assert isinstance(r, cv.TCAVResult) and 0 <= r.target < CLASSES
    reps = len(case.kwargs["random_sets"])
    for key, s in r.scores.items():
        assert tuple(s.shape) == (reps,) and 0 <= r.p_values[key] <= 1


def targeted_kinds(kwargs, x_name: str, bad: dict) -> dict:
    kinds = {k: each(b, one_class) for k, b in standard_kinds(kwargs, None, x_name=x_name).items()}
    kinds.update({k: each(b, one_class) for k, b in one_class_kinds(kwargs).items()})
    for arg, values in bad.items():
        kinds[f"kw_{arg}"] = each(keyword_kind(arg, values, kwargs), one_class)
    return kinds


SPECS.update({
    "class_gradients": Spec(
        "class_gradients", lambda c: cv.class_gradients(c.model, c.x, c.target, **c.kwargs), cg_expect,
        targeted_kinds(cg_kwargs, "x", {"layers": BAD_LAYER_LISTS, "batch_size": BAD_BATCH})),
    "tcav": Spec(
        "tcav", lambda c: cv.tcav(c.model, c.x, c.target, **c.kwargs), tcav_expect,
        targeted_kinds(tcav_kwargs, "class_images", {
            "concepts": [{}, "c", None, {"c": "x"}, {"c": torch.rand(1, 3, 8, 8)}, {"c": [torch.rand(3, 3, 8, 8)] * 2},
                         {"c": torch.rand(3, 3, 99, 99)}, {"c": torch.full((3, 3, 8, 8), NAN)}, {3: torch.rand(3, 3, 8, 8)}],
            "random_sets": [[], "r", None, [torch.rand(3, 3, 8, 8)] * 2, [torch.rand(1, 3, 8, 8)] * 3, [None] * 3,
                            [(torch.rand(3, 3, 8, 8) * 255).to(torch.uint8)] * 3],
            "layers": BAD_LAYER_LISTS, "l2": [-1.0, NAN, "a"], "seed": BAD_SEEDS, "batch_size": BAD_BATCH,
            "threads": BAD_THREADS})),
})


# --- adversarial ---------------------------------------------------------------------------------
def attack_kwargs(data, case: Case, steps=False):
    norm = data.draw(st.sampled_from(["linf", "l2"]), label="norm")
    kwargs = {"epsilon": data.draw(st.floats(0.5, 16), label="epsilon"), "norm": norm,
              "targeted": data.draw(st.sampled_from([None, False] + ([True] if case.target is not None else [])),
                                    label="targeted")}
    if steps:
        kwargs.update({"steps": data.draw(st.integers(1, 3), label="steps"),
                       "step_size": data.draw(st.none() | st.floats(0.5, 4), label="step_size"),
                       "random_start": data.draw(st.booleans(), label="random_start"),
                       "seed": data.draw(st.integers(0, 5), label="seed"), "progress": False})
    return kwargs


def attack_expect(case: Case, r) -> None:
    n, h, w = case.n_h_w()
    assert isinstance(r, cv.Attack) and tuple(r.x.shape) == (n, 3, h, w) and tuple(r.delta.shape) == (n, 3, h, w)
    assert tuple(r.target.shape) == (n,) and r.success.dtype == torch.bool
    top = r.epsilon if r.norm == "linf" else math.inf
    assert float(r.linf.max()) <= top + 1e-3 and float(r.l2.max()) <= r.epsilon + 1e-3 or r.norm == "linf"


BAD_EPSILON = [0, -1.0, 256.0, NAN, "2", None, True]


def attack_kinds(steps: bool) -> dict:
    kw = functools.partial(attack_kwargs, steps=steps)
    kinds = unit_images(standard_kinds(kw, "one"))
    bad = {"epsilon": BAD_EPSILON, "norm": ["l1", 3, None], "targeted": ["yes", 3]}
    if steps:
        bad.update({"steps": [0, -1, 2.5, "3", None], "step_size": [0, -1.0, NAN, "a"],
                    "random_start": ["yes", None], "seed": BAD_SEEDS})
    linf = lambda d, c: {**kw(d, c), "norm": "linf"}   # noqa: E731  (256 levels is a bad L-inf budget only)
    for arg, values in bad.items():
        kinds[f"kw_{arg}"] = each(keyword_kind(arg, values, linf if arg == "epsilon" else kw), lambda d, c: in_unit(c))
    kinds["x_range"] = lambda data: variants(base_case(data, kw, None, models=["tiny"]), "x", x=[
        lambda: torch.rand(1, 3, 8, 8) * 255, lambda: torch.rand(2, 3, 8, 8) + 0.5])
    return kinds


def hf_valid(data) -> Case:
    x = draw_x(data, side=(2, 12))
    if data.draw(st.booleans(), label="one image"):
        x = x.detach()[0]
    return Case(None, None, x, kwargs={"cutoff": data.draw(st.floats(0, 1), label="cutoff")})


def hf_expect(case: Case, r) -> None:
    n = 1 if case.x.dim() == 3 else case.x.shape[0]
    assert tuple(r.shape) == (n,) and bool(((r >= 0) & (r <= 1 + 1e-6)).all())


def compare_kwargs(data, case: Case):
    x = torch.sigmoid(case.x.detach())   # RGB in [0, 1]: the cases' x is squashed the same way (unit_images)
    attack = cv.fgsm(case.model, x, epsilon=4.0) if x.dim() == 4 and x.shape[0] else None
    layer = data.draw(st.sampled_from(spatial(case.model)), label="layer")
    methods = data.draw(st.sampled_from([{"saliency": cv.saliency},
                                         {"gradcam": functools.partial(cv.gradcam, layer=layer),
                                          "ixg": cv.input_x_gradient}, ["saliency"]]), label="methods")
    cls = st.none() | st.integers(0, CLASSES - 1)
    return {"attack": attack, "methods": methods, "before": data.draw(cls, label="before"),
            "after": data.draw(cls, label="after")}


def compare_expect(case: Case, r) -> None:
    n, h, w = case.n_h_w()
    assert isinstance(r, cv.ExplanationChange) and r.similarity
    for name, s in r.similarity.items():
        assert tuple(s.shape) == (n,) and tuple(r.before[name].shape) == tuple(r.after[name].shape) == (n, h, w)


def other_attack(data):
    case = in_unit(base_case(data, compare_kwargs, None, models=["tiny"]))
    n, _, h, w = case.x.shape
    return variants(case, "attack", attack=[None, "attack", lambda: cv.fgsm(case.model, torch.rand(n + 1, 3, h, w)),
                                            lambda: cv.fgsm(case.model, torch.rand(n, 3, h + 1, w))])


SPECS.update({
    "fgsm": Spec("fgsm", lambda c: cv.fgsm(c.model, c.x, c.target, **c.kwargs), attack_expect, attack_kinds(False)),
    "pgd": Spec("pgd", lambda c: cv.pgd(c.model, c.x, c.target, **c.kwargs), attack_expect, attack_kinds(True)),
    "high_frequency_share": spec_of(
        "high_frequency_share", lambda c: cv.high_frequency_share(c.x, **c.kwargs), hf_expect, hf_valid, {
            "images": [lambda: torch.rand(7), lambda: torch.rand(0, 3, 4, 4), lambda: torch.full((1, 3, 4, 4), NAN),
                       None, "img", lambda: torch.rand(1, 1, 3, 4, 4)],
            "cutoff": [-0.1, 1.5, NAN, "a", None]}, attr_of={"images": "x"}),
    "compare_explanations": Spec(
        "compare_explanations", lambda c: cv.compare_explanations(c.model, c.x, **c.kwargs), compare_expect, {
            **unit_images(standard_kinds(compare_kwargs, None)),
            "kw_attack": other_attack,
            **unit_images({
                "kw_methods": keyword_kind("methods", [{"x": 3}, "saliency", ["nope"], {}], compare_kwargs,
                                           words=("methods", "method")),
                **{f"kw_{arg}": keyword_kind(arg, [CLASSES, -1, 1.7, "tench", [[0, 1]]], compare_kwargs,
                                             models=["tiny", "functional"])   # a name needs a Classifier
                   for arg in ("before", "after")}})}),
})


@pytest.mark.parametrize("function, kind", cases(SPECS))
def test_fuzz(function, kind):
    run_kind(SPECS[function], kind)
