"""Property-based suite, evaluation: deletion/insertion, the randomisation check, the
pointing game, evaluate_methods and the small helpers, on tiny networks with generated
inputs (oracle and case kinds in ``fuzzkit``)."""

from __future__ import annotations

import functools
import math

import pytest
import torch
from hypothesis import strategies as st

import cnnviz_lab as cv
from fuzzkit import VALID_MODELS, Case, Spec, base_case, cases, draw_x, keyword_kind, make_model, run_kind, standard_kinds, variants

BAD_STEPS = [0, -1, 2.5, "3", (2,)]
BAD_BATCH = [0, -1, 2.5, "8", (2,)]


def attribution_for(data, case: Case):
    """A map for ``case.x``: (N,H,W), (N,3,H,W) or one (H,W) for every image."""
    x = case.x
    n, h, w = (1, x.shape[-2], x.shape[-1]) if x.dim() == 3 else (x.shape[0], x.shape[-2], x.shape[-1])
    form = data.draw(st.sampled_from(["nhw", "n3hw", "hw"]), label="attribution form")
    gen = torch.Generator().manual_seed(data.draw(st.integers(0, 99), label="map seed"))
    shape = {"nhw": (n, h, w), "n3hw": (n, 3, h, w), "hw": (h, w)}[form]
    return torch.randn(shape, generator=gen)


def curve_kwargs(data, case):
    return {
        "attribution": attribution_for(data, case),
        "steps": data.draw(st.none() | st.integers(1, 4), label="steps"),
        "batch_size": data.draw(st.none() | st.integers(1, 6), label="batch_size"),
        "seed": data.draw(st.integers(0, 5), label="seed"),
        "progress": False,
    }


def auc_expect(case: Case, result) -> None:
    n, _, _ = case.n_h_w()
    assert tuple(result.shape) == (n,) and bool(((result >= 0) & (result <= 1)).all())


def curve_expect(case: Case, result) -> None:
    n, _, _ = case.n_h_w()
    steps = case.kwargs["steps"] or (20 if cv.quick() else 100)
    assert isinstance(result, cv.Curve) and tuple(result.scores.shape) == (n, steps + 1)
    assert tuple(result.auc.shape) == (n,)


def bad_attribution(data) -> list[Case]:
    case = base_case(data, curve_kwargs, None)
    n, _, h, w = case.x.shape
    return variants(
        case,
        "attribution",
        attribution=[
            lambda: torch.rand(n + 1, h, w),
            lambda: torch.rand(n, 2, h, w),
            lambda: torch.rand(h * w),
            lambda: torch.rand(n, 1, 3, h, w),
            "map",
            None,
        ],
    )


def curve_spec(name, fn, expect, fill_arg):
    kinds = standard_kinds(curve_kwargs, "one")
    kinds.update(
        {
            "kw_steps": keyword_kind("steps", BAD_STEPS, curve_kwargs),
            "kw_batch_size": keyword_kind("batch_size", BAD_BATCH, curve_kwargs),
            "kw_attribution": bad_attribution,
            "kw_reduce": keyword_kind("reduce", ["max", 3], curve_kwargs),
            f"kw_{fill_arg}": keyword_kind(fill_arg, ["nope", (1.0, 2.0)], curve_kwargs),
        }
    )
    return Spec(name, lambda c: fn(c.model, c.x, target=c.target, **c.kwargs), expect, kinds)


#: Methods whose layer is given: no probe pass picks it (those are the ``*_default_layer`` kinds).
GRADCAM_CONV2 = functools.partial(cv.gradcam, layer="conv2")


def randomization_kwargs(data, case, methods=(cv.saliency, GRADCAM_CONV2, cv.input_x_gradient)):
    names = cv.randomization_layers(case.model)
    layers = data.draw(st.none() | st.lists(st.sampled_from(names), min_size=1, max_size=3, unique=True), label="layers")
    return {
        "method": data.draw(st.sampled_from(methods), label="method"),
        "layers": layers,
        "cascading": data.draw(st.booleans(), label="cascading"),
        "seed": data.draw(st.integers(0, 5), label="seed"),
        "init": data.draw(st.sampled_from(["reset", "normal"]), label="init"),
        "progress": False,
    }


def randomization_expect(case: Case, result) -> None:
    n, _, _ = case.n_h_w()
    layers = case.kwargs["layers"] or cv.randomization_layers(case.model)
    assert isinstance(result, cv.RandomizationResult) and result.layers == list(layers)
    assert tuple(result.spearman.shape) == (n, len(layers)) == tuple(result.ssim.shape)


def evaluate_kwargs(data, case, methods=(["saliency"], [GRADCAM_CONV2, "saliency"], [cv.input_x_gradient])):
    return {
        "methods": data.draw(st.sampled_from(methods), label="methods"),
        "faithfulness": data.draw(st.booleans(), label="faithfulness"),
        "sanity": data.draw(st.booleans(), label="sanity"),
        "steps": 2,
        "layers": ["fc"],
        "seed": data.draw(st.integers(0, 5), label="seed"),  # the random baselines: seed=None is unseeded
        "progress": False,
    }


def evaluate_expect(case: Case, result) -> None:
    n, h, w = case.n_h_w()
    assert isinstance(result, cv.MethodEvaluation)
    for name in result.methods:
        assert tuple(result.maps[name].shape) == (n, h, w)


def registered_method(data) -> Case:
    """``randomization_check`` with a registered method's name instead of a function."""
    case = base_case(data, randomization_kwargs, "one")
    case.kwargs["method"] = data.draw(st.sampled_from(["saliency", "Grad-CAM", "input x grad"]), label="name")
    return case


SPECS = {
    "deletion_auc": curve_spec("deletion_auc", cv.deletion_auc, auc_expect, "fill"),
    "insertion_auc": curve_spec("insertion_auc", cv.insertion_auc, auc_expect, "start"),
    "deletion_curve": curve_spec("deletion_curve", cv.deletion_curve, curve_expect, "fill"),
    "insertion_curve": curve_spec("insertion_curve", cv.insertion_curve, curve_expect, "start"),
    "randomization_check": Spec(
        "randomization_check",
        lambda c: cv.randomization_check(c.model, x=c.x, target=c.target, **c.kwargs),
        randomization_expect,
        {
            **standard_kinds(randomization_kwargs, "one"),
            "bn_train_default_layer": lambda data: base_case(data, lambda d, c: randomization_kwargs(d, c, (cv.gradcam,)), "one", models=["bn_train"]),
            "kw_layers": keyword_kind("layers", [["nope"], "fc", [3], []], randomization_kwargs),
            "kw_method": keyword_kind("method", ["nope", None, 3, "occlusion_grid"], randomization_kwargs),
            "kw_init": keyword_kind("init", ["uniform", 3], randomization_kwargs),
            "method_name": registered_method,
        },
    ),
    "evaluate_methods": Spec(
        "evaluate_methods",
        lambda c: cv.evaluate_methods(c.model, c.x, target=c.target, **c.kwargs),
        evaluate_expect,
        {
            **standard_kinds(evaluate_kwargs, "one"),
            "bn_train_default_layer": lambda data: base_case(data, lambda d, c: evaluate_kwargs(d, c, (["gradcam"],)), "one", models=["bn_train"]),
            "kw_methods": keyword_kind("methods", [["nope"], "saliency", [3]], evaluate_kwargs, words=("methods", "method")),
            "kw_steps": keyword_kind("steps", BAD_STEPS, evaluate_kwargs),
        },
    ),
}


# --- functions of maps alone -------------------------------------------------------------------
def plain(data, make) -> Case:
    """A case without a model: ``make(data)`` gives ``(x, kwargs)``."""
    x, kwargs = make(data)
    return Case(None, None, x, kwargs=kwargs)


def maps_and_boxes(data):
    n = data.draw(st.integers(1, 3), label="N")
    h, w = data.draw(st.integers(2, 12), label="H"), data.draw(st.integers(2, 12), label="W")
    form = data.draw(st.sampled_from([(n, h, w), (n, 3, h, w)]), label="attribution shape")
    attribution = torch.randn(form, generator=torch.Generator().manual_seed(data.draw(st.integers(0, 99))))

    def box():
        x0 = data.draw(st.integers(0, w - 1), label="x0")
        y0 = data.draw(st.integers(0, h - 1), label="y0")
        return (x0, y0, data.draw(st.integers(x0 + 1, w), label="x1"), data.draw(st.integers(y0 + 1, h), label="y1"))

    boxes = [[box() for _ in range(data.draw(st.integers(1, 2), label="boxes"))] for _ in range(n)]
    return attribution, {"boxes": boxes, "tolerance": data.draw(st.floats(0, 5), label="tolerance")}


def pointing_expect(case: Case, result) -> None:
    assert result.dtype == torch.bool and tuple(result.shape) == (case.x.shape[0],)


def outcome_expect(case: Case, result) -> None:
    assert isinstance(result, list) and len(result) == case.x.shape[0] and set(result) <= {"hit", "miss", "split"}
    kw = {k: v for k, v in case.kwargs.items() if k != "grid"}
    if "grid" not in case.kwargs:  # the two-valued game is the three-valued one's "hit"
        assert cv.pointing_game(case.x, **kw).tolist() == [o == "hit" for o in result]


def maps_and_named_boxes(data):
    attribution, kwargs = maps_and_boxes(data)
    other = maps_and_boxes(data)[1]["boxes"][:1] * attribution.shape[0]
    return attribution, {"named_boxes": {"first": kwargs["boxes"], "second": other}, "tolerance": kwargs["tolerance"]}


def peak_expect(case: Case, result) -> None:
    names = {"first", "second", "first and second", "split", "none"}
    assert isinstance(result, list) and len(result) == case.x.shape[0] and set(result) <= names, result


def random_map_x(data):
    x = draw_x(data)
    return x, {"seed": data.draw(st.integers(0, 9), label="seed"), "resolution": data.draw(st.none() | st.integers(1, 7), label="resolution")}


def trapezoid_data(data):
    s = data.draw(st.integers(2, 8), label="S")
    fractions = torch.linspace(0, 1, s)
    rows = data.draw(st.none() | st.integers(1, 3), label="rows")
    scores = torch.rand(s) if rows is None else torch.rand(rows, s)
    return fractions, {"scores": scores}


def energy_data(data):
    x, kwargs = maps_and_boxes(data)
    return x, {"box": kwargs["boxes"][0][0]}


def heatmap_data(data):
    shape = data.draw(st.sampled_from([(2, 4, 5), (1, 1, 3, 3), (6, 6)]), label="heatmap shape")
    return torch.rand(shape), {
        "percentile": data.draw(st.floats(0, 100), label="percentile"),
        "normalize": data.draw(st.booleans(), label="normalize"),
        "blur": data.draw(st.integers(1, 4), label="blur"),
    }


def starts_data(data):
    size = data.draw(st.integers(1, 40), label="size")
    return size, {"window": data.draw(st.integers(1, 40), label="window"), "stride": data.draw(st.integers(1, 40), label="stride")}


def starts_expect(case: Case, result) -> None:
    size, window, stride = case.x, case.kwargs["window"], case.kwargs["stride"]
    assert result[0] == 0 and all(0 <= s < size for s in result) and sorted(set(result)) == result
    if stride <= window:  # every pixel covered
        assert all(any(s <= p < s + window for s in result) for p in range(size))


def grid_case(data) -> Case:
    key = data.draw(st.sampled_from(VALID_MODELS), label="model")
    x = draw_x(data)
    grid = cv.occlusion_grid(
        make_model(key), x.detach(), window=data.draw(st.integers(2, 6), label="window"), stride=data.draw(st.integers(2, 6), label="stride"), progress=False
    )
    return Case(None, None, grid)


#: Names course_methods accepts and the canonical name each stands for.
COURSE_NAMES = {
    "saliency": "saliency",
    "guided": "guided_backprop",
    "ig": "integrated_gradients",
    "Grad-CAM++": "gradcam_pp",
    "scorecam": "scorecam",
    "occlusion": "occlusion",
}


def names_bad(data) -> list[Case]:
    cases = variants(Case(None, None, kwargs={"names": ["saliency"]}), "names", names=[["nope"], "saliency", [3], [None]])
    for c in cases:
        c.words = ("names", "method")  # the names are method names
    return cases


def no_model_spec(name, run, expect, make, bad: dict[str, list], x_bad: list | None = None, x_word="x"):
    kinds = {"valid": lambda data: plain(data, make)}
    for arg, values in bad.items():
        kinds[f"kw_{arg}"] = (lambda a, v: lambda data: variants(plain(data, make), a, **{a: v}))(arg, values)
    if x_bad is not None:
        kinds[f"bad_{x_word}"] = lambda data: variants(plain(data, make), x_word, x=x_bad)
    return Spec(name, run, expect, kinds)


SPECS.update(
    {
        "pointing_game": no_model_spec(
            "pointing_game",
            lambda c: cv.pointing_game(c.x, **c.kwargs),
            pointing_expect,
            maps_and_boxes,
            {
                "boxes": [[], [[(0, 0, 1)]], "abc", None, [[("a", 0, 1, 1)]]],
                "tolerance": [-1.0, "a", math.nan],
                "rtol": [-1e-6, "a", math.inf],
                "reduce": ["max"],
            },
            x_bad=[lambda: torch.rand(5), "map", None, lambda: torch.rand(1, 1, 1, 3, 3)],
            x_word="attribution",
        ),
        "pointing_outcome": no_model_spec(
            "pointing_outcome",
            lambda c: cv.pointing_outcome(c.x, **c.kwargs),
            outcome_expect,
            maps_and_boxes,
            {
                "boxes": [[], [[(0, 0, 1)]], "abc", None, [[("a", 0, 1, 1)]]],
                "tolerance": [-1.0, "a", math.nan],
                "rtol": [-1e-6, "a", math.nan],
                "grid": [0, -1, 2.5, "7", (2, 3, 4), 97],
                "reduce": ["max"],
            },
            x_bad=[lambda: torch.rand(5), "map", None, lambda: torch.rand(1, 1, 1, 3, 3), lambda: torch.full((1, 4, 4), math.nan)],
            x_word="attribution",
        ),
        "peak_box": no_model_spec(
            "peak_box",
            lambda c: cv.peak_box(c.x, **c.kwargs),
            peak_expect,
            maps_and_named_boxes,
            {"named_boxes": [{}, [[(0, 0, 1, 1)]], "abc", None, {"a": "abc"}, {1: [[(0, 0, 1, 1)]]}], "rtol": [-1.0, "a"], "grid": [0, "7", 97]},
            x_bad=[lambda: torch.rand(5), "map", None, lambda: torch.tensor([[math.inf, 0.0], [0.0, 0.0]])],
            x_word="attribution",
        ),
        "random_map": no_model_spec(
            "random_map",
            lambda c: cv.random_map(c.x, **c.kwargs),
            lambda c, r: tuple(r.shape) == (c.x.shape[0], c.x.shape[2], c.x.shape[3]) or pytest.fail(str(r.shape)),
            random_map_x,
            {"resolution": [0, -1, 2.5, "7"], "seed": ["a", 2.5]},
            x_bad=[lambda: torch.rand(3, 8, 8), lambda: torch.rand(8), None, "x"],
        ),
        "trapezoid_auc": no_model_spec(
            "trapezoid_auc",
            lambda c: cv.trapezoid_auc(c.x, **c.kwargs),
            lambda c, r: (r.dim() == c.kwargs["scores"].dim() - 1) or pytest.fail(str(r.shape)),
            trapezoid_data,
            {"scores": [lambda: torch.rand(99), "abc", None]},
            x_bad=[lambda: torch.rand(99), "abc", None],
            x_word="fractions",
        ),
        "energy_in_box": no_model_spec(
            "energy_in_box",
            lambda c: cv.energy_in_box(c.x, **c.kwargs),
            lambda c, r: bool(((r >= 0) & (r <= 1 + 1e-6)).all()) or pytest.fail(str(r)),
            energy_data,
            {"box": [(0, 0, 99, 99), (3, 3, 1, 1), (0, 0, 1), "abc", None]},
            x_bad=[lambda: torch.rand(5), "map", None],
            x_word="attribution",
        ),
        "regularize_occlusion": no_model_spec(
            "regularize_occlusion",
            lambda c: cv.regularize_occlusion(c.x, **c.kwargs),
            lambda c, r: tuple(r.shape) == tuple(c.x.shape) or pytest.fail(str(r.shape)),
            heatmap_data,
            {"percentile": [-1.0, 101.0, "a", math.nan], "blur": [0, -1, 2.5, "3"]},
            x_bad=[lambda: torch.rand(5), "map", None],
            x_word="heatmap",
        ),
        "window_starts": no_model_spec(
            "window_starts",
            lambda c: cv.window_starts(c.x, **c.kwargs),
            starts_expect,
            starts_data,
            {"window": [0, -1, 2.5, "8"], "stride": [0, -1, 2.5, "8"]},
            x_bad=[0, -1, 2.5, "8"],
            x_word="size",
        ),
        "occlusion_map": Spec(
            "occlusion_map",
            lambda c: cv.occlusion_map(c.x),
            lambda c, r: tuple(r.shape[-2:]) == c.x.size or pytest.fail(str(r.shape)),
            {"valid": grid_case, "bad_grid": lambda data: variants(Case(None, None, None), "grid", x=["grid", None, lambda: torch.rand(1, 5, 5)])},
        ),
        "randomization_layers": Spec(
            "randomization_layers",
            lambda c: cv.randomization_layers(c.model),
            lambda c, r: (r and all(isinstance(n, str) for n in r)) or pytest.fail(repr(r)),
            {
                "valid": lambda data: Case(*[(k, make_model(k)) for k in [data.draw(st.sampled_from(VALID_MODELS))]][0]),
                "model_type": lambda data: variants(Case("tiny", make_model("tiny")), "model", model=["resnet18", None, lambda: torch.zeros(3)]),
            },
        ),
        "course_methods": Spec(
            "course_methods",
            lambda c: cv.course_methods(**c.kwargs),
            lambda c, r: set(r) == {COURSE_NAMES[n] for n in c.kwargs["names"]} or pytest.fail(repr(r)),
            {
                "valid": lambda data: Case(None, None, kwargs={"names": data.draw(st.lists(st.sampled_from(sorted(COURSE_NAMES)), min_size=1, unique=True))}),
                "kw_names": names_bad,
            },
        ),
    }
)


@pytest.mark.parametrize("function, kind", cases(SPECS))
def test_fuzz(function, kind):
    run_kind(SPECS[function], kind)
