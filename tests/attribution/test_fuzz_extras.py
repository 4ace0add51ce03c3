"""Property-based suite for the public functions added last: attention rollout on
a tiny vision transformer, feature ablation with generated feature masks, the classic-network
gate, the energy in a union of boxes, Holm's correction and the random-noise control. The
oracle and the case kinds are in ``fuzzkit``; every call here also keeps the caller's grad
and inference modes."""

from __future__ import annotations

import math
import sys
import tempfile
from pathlib import Path

import pytest
import torch
import torchvision
from hypothesis import strategies as st

import cnnviz_lab as cv

# the strategies shared with the other fuzz suites live beside them, in their folders
sys.path[:0] = [str(Path(__file__).resolve().parents[1] / d) for d in ("attribution", "evaluate", "notebooks")]
from fuzzkit import (  # noqa: E402
    CLASSES,
    Case,
    Spec,
    base_case,
    cases,
    draw_target,
    keyword_kind,
    make_model,
    run_kind,
    standard_kinds,
    variants,
)
from test_fuzz_attribution import BAD_BATCH, maps  # noqa: E402
from test_fuzz_evaluate import maps_and_boxes, no_model_spec  # noqa: E402
from test_fuzz_notebooks import BAD_SEEDS, each, in_unit, unit_images  # noqa: E402

NAN = math.nan


def modes_kept(run):
    """``run`` with the check that the caller's grad and inference modes are the same after the
    call, also when it raises."""

    def wrapped(case: Case):
        before = (torch.is_grad_enabled(), torch.is_inference_mode_enabled())
        try:
            return run(case)
        finally:
            assert (torch.is_grad_enabled(), torch.is_inference_mode_enabled()) == before, "grad mode changed"

    return wrapped


# --- attention rollout on a two-block ViT ----------------------------------------------------------
SIDE, PATCH = 16, 8


def tiny_vit() -> torch.nn.Module:
    torch.manual_seed(0)
    return torchvision.models.VisionTransformer(
        image_size=SIDE, patch_size=PATCH, num_layers=2, num_heads=2, hidden_dim=8, mlp_dim=16, num_classes=CLASSES
    ).eval()


def vit_case(data, n: int | None = None) -> Case:
    n = n or data.draw(st.integers(1, 3), label="N")
    seed = data.draw(st.integers(0, 99), label="x seed")
    x = torch.randn(n, 3, SIDE, SIDE, generator=torch.Generator().manual_seed(seed))
    case = Case("vit", tiny_vit(), x)
    case.target, case.k_axis = draw_target(data, "multi", n, False)
    case.kwargs = {
        "upsample": data.draw(st.booleans(), label="upsample"),
        "head_fusion": data.draw(st.sampled_from(["mean", "max", "min"]), label="head_fusion"),
        "residual": data.draw(st.floats(0, 1), label="residual"),
    }
    return case


def rollout_expect(case: Case, result) -> None:
    n = case.x.shape[0]
    side = SIDE if case.kwargs.get("upsample", True) else SIDE // PATCH
    assert tuple(result.shape) == (n,) + case.k_axis + (side, side), tuple(result.shape)
    assert float(result.min()) >= 0


def vit_bad(arg: str, values: list, words: tuple[str, ...] = ()):
    def build(data):
        out = variants(vit_case(data), arg, **{arg: values})
        for c in out:
            c.words = words or (arg,)
        return out

    return build


def rollout_x_shape(data):
    """Images the ViT cannot read (another size, channels, dims) and bad pixels."""
    return vit_bad(
        "x",
        [
            lambda: torch.randn(1, 3, 24, 24),
            lambda: torch.randn(1, 3, 12, 16),
            lambda: torch.randn(1, 4, SIDE, SIDE),
            lambda: torch.randn(SIDE, SIDE),
            lambda: torch.full((1, 3, SIDE, SIDE), NAN),
            lambda: torch.zeros(1, 3, SIDE, SIDE, dtype=torch.uint8),
            "x",
        ],
    )(data)


def rollout_not_a_vit(data):
    """A CNN without reshape= is told to say where its tokens are; a non-model is named."""
    case = vit_case(data, n=1)
    case.kwargs = {}
    case.target, case.k_axis = None, ()
    cnn = variants(case, "model", model=[lambda: make_model("tiny")])
    for c in cnn:
        c.words = ("reshape",)
    return cnn + variants(case, "model", model=[None, lambda: torch.zeros(3)])


# --- feature ablation ---------------------------------------------------------------------------
def feature_mask_for(data, case: Case):
    n, c, h, w = case.x.shape if case.x.dim() == 4 else (1,) + tuple(case.x.shape)
    form = data.draw(st.sampled_from(["hw", "nhw", "1chw", "n1hw", "bool"]), label="mask form")
    labels = data.draw(st.integers(1, 4), label="features")
    gen = torch.Generator().manual_seed(data.draw(st.integers(0, 99), label="mask seed"))
    shape = {"hw": (h, w), "nhw": (n, h, w), "1chw": (1, c, h, w), "n1hw": (n, 1, h, w), "bool": (h, w)}[form]
    mask = torch.randint(0, labels, shape, generator=gen) * 7 - 3  # any integer labels
    return mask > 0 if form == "bool" else mask


def feature_ablation_kwargs(data, case):
    return {
        "feature_mask": feature_mask_for(data, case),
        "batch_size": data.draw(st.none() | st.integers(1, 9)),
        "fill": data.draw(st.sampled_from([0.0, -1.5, "blur"]), label="fill"),
        "progress": False,
    }


def bad_masks(case: Case) -> list:
    n, c, h, w = case.x.shape
    return [
        None,
        "mask",
        lambda: torch.zeros(h, w),
        lambda: torch.zeros(h + 1, w, dtype=torch.long),
        lambda: torch.zeros(n + 1, h, w, dtype=torch.long),
        lambda: torch.zeros(1, c + 1, h, w, dtype=torch.long),
        lambda: torch.zeros(2, 2, 2, h, w, dtype=torch.long),
        lambda: torch.zeros(h, w, dtype=torch.complex64),
    ]


def feature_mask_kind(data):
    case = base_case(data, feature_ablation_kwargs, None)
    return variants(case, "feature_mask", feature_mask=bad_masks(case))


# --- the classic networks' gate ------------------------------------------------------------------
class EmptyHub:
    """torch.hub's directory set to an empty folder for the block: no weights are cached, so
    with offline mode on (the suite's setting) no network is ever available."""

    def __enter__(self):
        # torch.hub keeps set_dir's folder in _hub_dir (None: follow $TORCH_HOME); restoring with
        # set_dir(get_dir()) would pin today's folder and hide later tests' TORCH_HOME
        self.old, self.tmp = torch.hub._hub_dir, tempfile.TemporaryDirectory()
        torch.hub.set_dir(self.tmp.name)

    def __exit__(self, *exc):
        torch.hub._hub_dir = self.old
        self.tmp.cleanup()


CLASSIC_NAMES = ["alexnet", "vgg16", "resnet50", "googlenet", "mobilenet_v2", "densenet121"]
BAD_NAMES = ["", "vgg", "VGG16x", "fcn_resnet50", 3, None, b"vgg16", ["vgg16"]]


def classic_case(data) -> Case:
    return Case(
        None,
        None,
        kwargs={
            "name": data.draw(st.sampled_from(CLASSIC_NAMES), label="name"),
            "shows": data.draw(st.sampled_from(["a map", " Grad-CAM on VGG16 "]), label="shows"),
        },
    )


def classic_available_run(case: Case):
    with EmptyHub():
        return cv.classic_available(case.kwargs["name"])


def load_classic_run(case: Case):
    with EmptyHub():
        return cv.load_classic(**case.kwargs)


# --- Holm's correction ---------------------------------------------------------------------------
def holm_case(data) -> Case:
    values = data.draw(st.lists(st.floats(0, 1), min_size=1, max_size=8), label="p")
    form = data.draw(st.sampled_from(["list", "tensor", "float64"]), label="form")
    p = {"list": values, "tensor": torch.tensor(values), "float64": torch.tensor(values, dtype=torch.float64)}[form]
    return Case(None, None, p)


def holm_expect(case: Case, result) -> None:
    """The definition, written out: ``max_{j <= i} min(1, (m - j + 1) p_(j))``."""
    p = torch.as_tensor(case.x, dtype=torch.float64).flatten()
    m = len(p)
    order = sorted(range(m), key=lambda i: (float(p[i]), i))
    want, best = [0.0] * m, 0.0
    for rank, i in enumerate(order):
        best = max(best, min(1.0, (m - rank) * float(p[i])))
        want[i] = best
    torch.testing.assert_close(result.double().flatten(), torch.tensor(want, dtype=torch.float64))


# --- random noise, the control of an attack ----------------------------------------------------------
def noise_kwargs(data, _case):
    return {
        "epsilon": data.draw(st.floats(0.5, 16), label="epsilon"),
        "norm": data.draw(st.sampled_from(["linf", "l2"]), label="norm"),
        "seed": data.draw(st.integers(0, 5), label="seed"),
    }  # seeded: the eval-mode twin draws the same


def noise_expect(case: Case, r) -> None:
    n, h, w = case.n_h_w()
    assert isinstance(r, cv.Attack) and tuple(r.x.shape) == (n, 3, h, w) and r.steps == 0 and not r.targeted
    eps = case.kwargs["epsilon"]
    if case.kwargs["norm"] == "linf":
        assert float(r.linf.max()) <= eps + 1e-3
    else:
        assert float(r.l2.max()) <= eps + 1e-3


def noise_kinds() -> dict:
    kinds = unit_images(standard_kinds(noise_kwargs, None))
    linf = lambda d, c: {**noise_kwargs(d, c), "norm": "linf"}  # noqa: E731  (256 levels: too much for L-inf only)
    for arg, values in {"epsilon": [0, -1.0, 256.0, NAN, "2", None, True], "norm": ["l1", 3, None], "seed": BAD_SEEDS}.items():
        kinds[f"kw_{arg}"] = each(keyword_kind(arg, values, linf if arg == "epsilon" else noise_kwargs), lambda d, c: in_unit(c))
    kinds["x_range"] = lambda data: variants(
        base_case(data, noise_kwargs, None, models=["tiny"]), "x", x=[lambda: torch.rand(1, 3, 8, 8) * 255, lambda: torch.rand(2, 3, 8, 8) + 0.5]
    )
    return kinds


SPECS = {
    "attention_rollout": Spec(
        "attention_rollout",
        modes_kept(lambda c: cv.attention_rollout(c.model, c.x, c.target, **c.kwargs)),
        rollout_expect,
        {
            "valid": vit_case,
            "kw_head_fusion": vit_bad("head_fusion", ["avg", 3, None]),
            "kw_residual": vit_bad("residual", [-0.1, 1.5, "a", NAN, None]),
            "kw_upsample": vit_bad("upsample", ["yes", None, 1]),
            "kw_reshape": vit_bad("reshape", [3, "grid", lambda: cv.TokenGrid(prefix=0)]),
            "target": vit_bad("target", [CLASSES, -1, 1.5, "tabby cat", object(), [[0, 1, 2]] * 4]),
            "x": rollout_x_shape,
            "model": rollout_not_a_vit,
        },
    ),
    "feature_ablation": Spec(
        "feature_ablation",
        modes_kept(lambda c: cv.feature_ablation(c.model, c.x, c.target, **c.kwargs)),
        maps(False),
        {
            **standard_kinds(feature_ablation_kwargs, "multi"),
            "kw_feature_mask": feature_mask_kind,
            "kw_fill": keyword_kind("fill", ["nope", (1.0, 2.0), None], feature_ablation_kwargs),
            "kw_output": keyword_kind("output", ["probs", 3], feature_ablation_kwargs),
            "kw_batch_size": keyword_kind("batch_size", BAD_BATCH, feature_ablation_kwargs),
        },
    ),
    "classic_available": Spec(
        "classic_available",
        modes_kept(classic_available_run),
        lambda c, r: r is False or pytest.fail(f"{r!r} with an empty cache, offline"),
        {"valid": classic_case, "kw_name": lambda data: variants(classic_case(data), "name", name=BAD_NAMES)},
    ),
    "load_classic": Spec(
        "load_classic",
        modes_kept(load_classic_run),
        lambda c, r: r is None or pytest.fail(f"{r!r} with an empty cache, offline"),
        {
            "valid": classic_case,
            "kw_name": lambda data: variants(classic_case(data), "name", name=BAD_NAMES),
            "kw_shows": lambda data: variants(classic_case(data), "shows", shows=["", "   ", None, 3]),
        },
    ),
    "energy_in_boxes": no_model_spec(
        "energy_in_boxes",
        modes_kept(lambda c: cv.energy_in_boxes(c.x, **c.kwargs)),
        lambda c, r: (
            (
                tuple(r.shape) == tuple(c.x.shape[:-3] if c.x.dim() >= 3 and c.x.shape[-3] == 3 else c.x.shape[:-2])  # one value per map, as documented
                and bool(((r >= 0) & (r <= 1 + 1e-6)).all())
            )
            or pytest.fail(str(r))
        ),
        lambda data: (lambda x, kw: (x, {"boxes": kw["boxes"][0]}))(*maps_and_boxes(data)),
        {"boxes": [[], [(0, 0, 1)], "abc", None, [("a", 0, 1, 1)], [(3, 3, 1, 1)], [(0, 0, 99, 99)], 7]},
        x_bad=[lambda: torch.rand(5), "map", None],
        x_word="attribution",
    ),
    "holm": Spec(
        "holm",
        modes_kept(lambda c: cv.holm(c.x)),
        holm_expect,
        {
            "valid": holm_case,
            "bad_p_values": lambda data: variants(
                holm_case(data),
                "p_values",
                x=[[], [1.5], [-0.1], [NAN], "abc", None, lambda: torch.tensor([0.1, 2.0]), [0.1, "a"], lambda: torch.zeros(2, dtype=torch.complex64)],
            ),
        },
    ),
    "random_noise": Spec("random_noise", modes_kept(lambda c: cv.random_noise(c.model, c.x, **c.kwargs)), noise_expect, noise_kinds()),
}


@pytest.mark.parametrize("function, kind", cases(SPECS))
def test_fuzz(function, kind):
    run_kind(SPECS[function], kind)


def test_the_empty_hub_really_has_no_weights():
    with EmptyHub():
        assert not cv.classic_available("resnet50")
    assert isinstance(cv.classic_available("resnet50"), bool)
