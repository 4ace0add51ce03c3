"""The property-based suite's machinery: tiny networks, case generators and one oracle.

Every public function of the package is called on tiny random networks with generated
inputs: shapes, dtypes, targets, windows, strides, steps, sample counts, batch sizes, k and
layers, valid and invalid. The oracle (:func:`check`) accepts exactly two outcomes:

- a correct result for a valid case: the expected shape, finite values, and for a network
  in train mode the same result as for its copy in eval mode;
- for a case with one invalid argument, a ``ValueError`` or ``TypeError`` (subclasses
  allowed) whose message names that argument.

Either way the model must come back untouched (no hook, same train/eval modes, parameters
and buffers byte-identical, same ``requires_grad`` flags, no ``.grad``) and so must the
caller's tensor (values, ``requires_grad``, no ``.grad``). Any other exception fails.

Example counts (profiles): by default a few examples per kind of case (``CI_VALID``,
``CI_BN``, ``CI_OTHER``), drawn deterministically (``derandomize``) so CI is stable and
fast; ``CNNVIZ_FUZZ=1`` (``make fuzz``) gives each function ``FUZZ_EXAMPLES`` random examples.
"""

from __future__ import annotations

import copy
import dataclasses
import math
import os
import re
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from PIL import Image
from torch import nn

import cnnviz_lab as cv
from conftest import TinyNet

# --- profiles -------------------------------------------------------------------------------
FUZZ = os.environ.get("CNNVIZ_FUZZ", "").strip().lower() in {"1", "true", "yes", "on"}
# Per function with CNNVIZ_FUZZ=1 (make fuzz): 30 % valid calls, the rest mistakes.
FUZZ_EXAMPLES = int(os.environ.get("CNNVIZ_FUZZ_EXAMPLES", "1000"))
CI_VALID, CI_BN, CI_OTHER = 6, 2, 1  # default profile: examples of valid / train-mode / mistake kinds
# No shrinking: a failure is reported as drawn (shrinking a failing case re-runs it hundreds
# of times, minutes on some functions), and the first one stops it.
_COMMON = dict(
    deadline=None,
    database=None,
    print_blob=True,
    report_multiple_bugs=False,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much, HealthCheck.differing_executors],
)
settings.register_profile("cnnviz-ci", derandomize=True, **_COMMON)
settings.register_profile("cnnviz-fuzz", derandomize=False, **_COMMON)
PROFILE = "cnnviz-fuzz" if FUZZ else "cnnviz-ci"


def examples_for(kind: str, kinds: int) -> int:
    """Examples of one kind of case. Every mistake kind checks all its forms in each example."""
    if FUZZ:
        if kind == "valid":
            return int(0.3 * FUZZ_EXAMPLES)
        return math.ceil(0.7 * FUZZ_EXAMPLES / max(1, kinds - 1))
    return CI_VALID if kind == "valid" else CI_BN if kind == "bn_train" else CI_OTHER


# --- tiny networks ----------------------------------------------------------------------------
CLASSES = 5
NAMES = ["tench", "tabby cat", "espresso", "goldfish", "space shuttle"]


class FunctionalNet(nn.Module):
    """ReLUs called as functions (``F.relu``, ``torch.relu``, ``Tensor.relu``), as DenseNet,
    GoogLeNet and Inception do; GAP + linear head."""

    def __init__(self, classes: int = CLASSES) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 3, padding=1)
        self.conv2 = nn.Conv2d(6, 8, 3, padding=1)
        self.fc = nn.Linear(8, classes)

    def forward(self, x):
        x = torch.relu(F.relu(self.conv1(x)))
        x = self.conv2(x).relu()
        return self.fc(x.mean(dim=(2, 3)))


class BNNet(nn.Module):
    """conv -> BatchNorm -> ReLU, twice, then GAP -> Dropout -> linear: in train mode every
    forward pass updates the running statistics and drops features at random."""

    def __init__(self, classes: int = CLASSES) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(6)
        self.relu1 = nn.ReLU()
        self.conv2 = nn.Conv2d(6, 8, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(8)
        self.relu2 = nn.ReLU()
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.drop = nn.Dropout(0.5)
        self.fc = nn.Linear(8, classes)

    def forward(self, x):
        x = self.relu1(self.bn1(self.conv1(x)))
        x = self.relu2(self.bn2(self.conv2(x)))
        return self.fc(self.drop(torch.flatten(self.pool(x), 1)))


class InputWriterNet(TinyNet):
    """A network whose first operation writes its input in place (``relu_``): a library
    that hands it the caller's storage changes the caller's tensor."""

    def forward(self, x):
        return super().forward(x.relu_())


def _seeded(make: Callable[[], nn.Module], seed: int) -> nn.Module:
    torch.manual_seed(seed)
    return make()


def make_model(key: str, seed: int = 0) -> nn.Module | cv.Classifier:
    """A fresh tiny network: ``tiny`` (eval), ``tiny_train`` (train mode, conv1 frozen),
    ``inplace`` (in-place ReLUs, train mode), ``functional`` (F.relu calls), ``bn_train``
    (BatchNorm + Dropout in train mode, running statistics already moved away from their
    initial values), ``input_writer`` and ``classifier`` (a Classifier with class names)."""
    if key == "tiny":
        return _seeded(TinyNet, seed).eval()
    if key == "tiny_train":
        net = _seeded(TinyNet, seed).train()
        net.conv1.weight.requires_grad_(False)
        return net
    if key == "inplace":
        return _seeded(lambda: TinyNet(inplace=True), seed).train()
    if key == "functional":
        return _seeded(FunctionalNet, seed).eval()
    if key == "bn_train":
        net = _seeded(BNNet, seed)
        with torch.no_grad():
            for bn in (net.bn1, net.bn2):
                bn.running_mean.uniform_(-0.5, 0.5)
                bn.running_var.uniform_(0.5, 2.0)
                bn.num_batches_tracked.fill_(7)
        return net.train()
    if key == "input_writer":
        return _seeded(InputWriterNet, seed).eval()
    if key == "classifier":
        return cv.wrap_model(_seeded(TinyNet, seed), NAMES, input_size=16, device="cpu", name="tinynet")
    raise KeyError(key)


VALID_MODELS = ["tiny", "tiny_train", "inplace", "functional", "classifier"]
SPATIAL_LAYERS = ["conv1", "relu1", "conv2", "relu2"]


def module_of(model) -> nn.Module:
    return model.model if isinstance(model, cv.Classifier) else model


# --- model and tensor state -----------------------------------------------------------------
@dataclass
class ModelState:
    """Everything a public function must leave as it found it."""

    hooks: int
    modes: list[bool]
    flags: list[bool]
    params: list[torch.Tensor]
    buffers: list[torch.Tensor]

    @classmethod
    def of(cls, model) -> "ModelState":
        m = module_of(model)
        return cls(
            cv.hook_count(m),
            [x.training for x in m.modules()],
            [p.requires_grad for p in m.parameters()],
            [p.detach().clone() for p in m.parameters()],
            [b.detach().clone() for b in m.buffers()],
        )

    def assert_same(self, model, where: str) -> None:
        m = module_of(model)
        assert cv.hook_count(m) == self.hooks, f"{where}: a hook was left on the model"
        assert [x.training for x in m.modules()] == self.modes, f"{where}: train/eval modes changed"
        assert [p.requires_grad for p in m.parameters()] == self.flags, f"{where}: requires_grad flags changed"
        assert all(p.grad is None for p in m.parameters()), f"{where}: a parameter .grad was filled"
        params = [p.detach() for p in m.parameters()]
        assert len(params) == len(self.params) and all(same_bits(a, b) for a, b in zip(params, self.params)), f"{where}: parameters changed"
        buffers = [b.detach() for b in m.buffers()]
        assert len(buffers) == len(self.buffers) and all(same_bits(a, b) for a, b in zip(buffers, self.buffers)), (
            f"{where}: buffers changed (BatchNorm running statistics / num_batches_tracked)"
        )


def same_bits(a: torch.Tensor, b: torch.Tensor) -> bool:
    """Byte-identical tensors (NaN equal to NaN, -0.0 different from 0.0)."""
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    if a.numel() == 0:
        return True
    return bytes(a.detach().cpu().contiguous().view(-1).view(torch.uint8).numpy()) == bytes(b.detach().cpu().contiguous().view(-1).view(torch.uint8).numpy())


@dataclass
class TensorState:
    value: torch.Tensor
    requires_grad: bool

    @classmethod
    def of(cls, t) -> "TensorState | None":
        return cls(t.detach().clone(), t.requires_grad) if isinstance(t, torch.Tensor) else None

    def assert_same(self, t: torch.Tensor, name: str) -> None:
        assert same_bits(t.detach(), self.value), f"the caller's {name} tensor was written"
        assert t.requires_grad == self.requires_grad, f"the caller's {name}.requires_grad changed"
        if t.is_leaf:
            assert t.grad is None, f"the caller's {name}.grad was filled"


# --- cases and the oracle ---------------------------------------------------------------------
@dataclass
class Case:
    """One generated call. ``bad``: the one invalid argument (None: a valid call);
    ``words``: words one of which the error message must contain (default: ``bad``);
    ``lenient``: both outcomes acceptable (behaviour the contract leaves open)."""

    model_key: str | None
    model: Any
    x: Any = None
    target: Any = None
    kwargs: dict[str, Any] = field(default_factory=dict)
    bad: str | None = None
    words: tuple[str, ...] = ()
    lenient: bool = False
    k_axis: tuple[int, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    def n_h_w(self) -> tuple[int, int, int]:
        x = self.x
        if x.dim() == 3:
            return 1, x.shape[-2], x.shape[-1]
        return x.shape[0], x.shape[-2], x.shape[-1]


def _tensors(result) -> list[torch.Tensor]:
    """Every tensor inside a result (dataclasses, dicts, lists, tuples)."""
    if isinstance(result, torch.Tensor):
        return [result]
    if dataclasses.is_dataclass(result) and not isinstance(result, type):
        return [t for f in dataclasses.fields(result) for t in _tensors(getattr(result, f.name))]
    if isinstance(result, dict):
        return [t for v in result.values() for t in _tensors(v)]
    if isinstance(result, (list, tuple)):
        return [t for v in result for t in _tensors(v)]
    return []


def _comparable(result):
    """Tensors and images of a result, as a flat list to compare two results."""
    if isinstance(result, Image.Image):
        return [torch.from_numpy(np.asarray(result).astype(np.float32))]
    if isinstance(result, (list, tuple)) and result and isinstance(result[0], Image.Image):
        return [t for r in result for t in _comparable(r)]
    return [t.detach().double().cpu() for t in _tensors(result) if t.is_floating_point()]


def _names(message: str, words: tuple[str, ...]) -> bool:
    return any(re.search(rf"(?<![A-Za-z0-9_]){re.escape(w)}(?![A-Za-z0-9_])", message) for w in words)


def check(spec: "Spec", case: Case) -> None:
    """Run ``spec`` on ``case`` and apply the oracle (see the module docstring)."""
    model_state = ModelState.of(case.model) if isinstance(case.model, (nn.Module, cv.Classifier)) else None
    inputs = {"x": TensorState.of(case.x), "target": TensorState.of(case.target)}
    eval_twin = twin_kwargs = None
    if case.bad is None and case.model_key == "bn_train":
        memo: dict = {}
        eval_twin = copy.deepcopy(case.model, memo).eval()
        # a layer given as a module of the model is the twin's own module in the twin's call
        twin_kwargs = {k: memo.get(id(v), v) if isinstance(v, nn.Module) else v for k, v in case.kwargs.items()}
    try:
        result = spec.run(case)
    except (ValueError, TypeError) as err:
        _after(case, model_state, inputs, "after the error")
        if case.bad is None and not case.lenient:
            raise AssertionError(f"{spec.name} refused a valid call: {type(err).__name__}: {err}") from err
        if case.bad is not None:
            words = case.words or (case.bad,)
            assert _names(str(err), words), f"{spec.name}: the {type(err).__name__} for a bad {case.bad!r} does not name it (expected one of {words}): {err}"
        return
    except Exception as err:  # noqa: BLE001 - the point of the suite
        raise AssertionError(f"{spec.name}: undocumented {type(err).__name__} (only ValueError or TypeError naming the argument are allowed): {err}") from err
    _after(case, model_state, inputs, "after a result")
    if case.bad is not None and not case.lenient:
        raise AssertionError(f"{spec.name} silently accepted a bad {case.bad!r}: {_short(case, case.bad)}")
    for t in _tensors(result):
        if t.is_floating_point():
            assert torch.isfinite(t).all(), f"{spec.name}: the result has NaN or inf values"
    if spec.expect is not None:
        spec.expect(case, result)
    if eval_twin is not None:
        twin_case = dataclasses.replace(case, model=eval_twin, kwargs=twin_kwargs)
        twin = spec.run(twin_case)
        a, b = _comparable(result), _comparable(twin)
        assert len(a) == len(b) and all(u.shape == v.shape and torch.allclose(u, v, rtol=1e-4, atol=1e-5) for u, v in zip(a, b)), (
            f"{spec.name}: a network in train mode is explained differently from its copy in eval mode"
        )


def _after(case: Case, model_state: ModelState | None, inputs: dict, where: str) -> None:
    if model_state is not None:
        model_state.assert_same(case.model, where)
    for name, state in inputs.items():
        if state is not None:
            state.assert_same(getattr(case, name), name)


def _short(case: Case, name: str) -> str:
    if name in case.kwargs:
        value = case.kwargs[name]
    else:
        value = getattr(case, name) if name in ("target", "model") else case.x
    if isinstance(value, torch.Tensor):
        return f"{name}=tensor(shape={tuple(value.shape)}, dtype={value.dtype})"
    return f"{name}={value!r}"


# --- specs: how each public function is called and what it returns ----------------------------
@dataclass
class Spec:
    """A public function under test.

    ``run(case)``: the call; ``expect(case, result)``: shape checks of a valid call (raise on
    mismatch); ``kinds``: ``{kind: build(data, case_kwargs) -> Case}``.
    """

    name: str
    run: Callable[[Case], Any]
    expect: Callable[[Case, Any], None] | None
    kinds: dict[str, Callable[[Any], Case]]


def cases(specs: dict[str, Spec]) -> list:
    """pytest parameters ``(function, kind)``: every kind of case of every function."""
    return [pytest.param(name, kind, id=f"{name}-{kind}") for name, spec in specs.items() for kind in spec.kinds]


def run_kind(spec: Spec, kind: str) -> None:
    """Draw ``examples_for(kind)`` examples of ``kind`` and check every case they build."""
    build = spec.kinds[kind]

    @settings(settings.get_profile(PROFILE), max_examples=examples_for(kind, len(spec.kinds)))
    @given(data=st.data())
    def one(data):
        built = build(data)
        for case in built if isinstance(built, list) else [built]:
            if case.bad == "model" and not case.words:
                case.words = MODEL_WORDS
            check(spec, case)

    # Tiny tensors of ever-changing shapes: oneDNN would compile kernels for every new shape
    # (most of the suite's time) and extra threads only contend, so plain kernels, one thread.
    threads, onednn = torch.get_num_threads(), torch.backends.mkldnn.enabled
    torch.set_num_threads(1)
    torch.backends.mkldnn.enabled = False
    try:
        one()
    finally:
        torch.set_num_threads(threads)
        torch.backends.mkldnn.enabled = onednn


# --- drawing inputs ---------------------------------------------------------------------------
def draw_model(data, keys=VALID_MODELS):
    key = data.draw(st.sampled_from(keys), label="model")
    return key, make_model(key, seed=data.draw(st.integers(0, 3), label="model seed"))


def draw_x(data, n: int | None = None, dtype: torch.dtype = torch.float32, side=(6, 14)) -> torch.Tensor:
    """A valid preprocessed batch ``(N,3,H,W)``: normalised-looking values, sometimes a
    non-contiguous view, sometimes with ``requires_grad`` (the caller's own graph)."""
    n = data.draw(st.integers(1, 3), label="N") if n is None else n
    h = data.draw(st.integers(*side), label="H")
    w = data.draw(st.integers(*side), label="W")
    gen = torch.Generator().manual_seed(data.draw(st.integers(0, 2**16), label="x seed"))
    x = torch.randn(n, 3, h, w, generator=gen)
    if data.draw(st.booleans(), label="non-contiguous"):
        x = torch.randn(n, 3, w, h, generator=gen).transpose(2, 3)
    x = x.to(dtype)
    if data.draw(st.booleans(), label="requires_grad") and dtype.is_floating_point:
        x.requires_grad_(True)
    return x


def draw_target(data, mode: str, n: int, named: bool) -> tuple[Any, tuple[int, ...]]:
    """A valid target and the K axis it adds: None, an int, numpy/torch integers, one class
    per image (list, tensor), a class name (Classifier only) and, for ``mode="multi"``,
    ``(N,K)`` lists, arrays and tensors."""
    c = st.integers(0, CLASSES - 1)
    kinds = ["none", "int", "np_int", "tensor0d", "list", "tensor1d"] + (["name"] if named else [])
    if mode == "multi":
        kinds += ["nk_list", "nk_array", "nk_tensor"]
    kind = data.draw(st.sampled_from(kinds), label="target kind")
    if kind == "none":
        return None, ()
    if kind == "int":
        return data.draw(c, label="target"), ()
    if kind == "np_int":
        return np.int64(data.draw(c, label="target")), ()
    if kind == "tensor0d":
        return torch.tensor(data.draw(c, label="target")), ()
    if kind == "name":
        return data.draw(st.sampled_from(NAMES + ["Tabby_Cat", "ESPRESSO"]), label="target"), ()
    row = data.draw(st.lists(c, min_size=n, max_size=n), label="target")
    if kind == "list":
        return row, ()
    if kind == "tensor1d":
        return torch.tensor(row), ()
    k = data.draw(st.integers(1, 3), label="K")
    rows = data.draw(st.lists(st.lists(c, min_size=k, max_size=k), min_size=n, max_size=n), label="target")
    if kind == "nk_list":
        return rows, (k,)
    if kind == "nk_array":
        return np.array(rows, dtype=np.int64), (k,)
    return torch.tensor(rows), (k,)


Kwargs = Callable[[Any, "Case"], dict]


def no_kwargs(_data, _case) -> dict:
    return {}


def base_case(data, kwargs: Kwargs, target: str | None, models=VALID_MODELS, n: int | None = None, x_dtype: torch.dtype = torch.float32) -> Case:
    key, model = draw_model(data, models)
    x = draw_x(data, n, x_dtype)
    case = Case(key, model, x)
    if target is not None:
        case.target, case.k_axis = draw_target(data, target, x.shape[0], key == "classifier")
    case.kwargs = kwargs(data, case)
    return case


def dict_update(case: Case, **changes) -> Case:
    """``case`` with the given fields changed (in place), for use inside list comprehensions."""
    for key, value in changes.items():
        setattr(case, key, value)
    return case


def variants(case: Case, bad: str | None, **forms: Any) -> list[Case]:
    """One case per form: ``forms = {attribute_or_keyword: [values...]}`` for exactly one
    attribute. A callable value is called to build it (fresh tensors per case)."""
    ((attr, values),) = forms.items()
    out = []
    for value in values:
        value = value() if callable(value) and not isinstance(value, (nn.Module, type)) else value
        value = value() if isinstance(value, type) and issubclass(value, nn.Module) else value
        c = dataclasses.replace(case, kwargs=dict(case.kwargs), bad=bad, k_axis=())
        if attr in ("x", "target", "model"):
            setattr(c, attr, value)
        else:
            c.kwargs[attr] = value
        out.append(c)
    return out


def standard_kinds(
    kwargs: Kwargs = no_kwargs,
    target: str | None = "multi",
    *,
    one_image: bool = False,
    x_name: str = "x",
    x_types_ok: bool = False,
    models: list[str] | None = None,
) -> dict[str, Callable[[Any], Any]]:
    """Case kinds for a function ``f(model, x[, target], **kwargs)``. ``target``: ``"multi"``
    (K classes per image allowed), ``"one"`` (one class per image) or None (no target).
    ``one_image``: the function takes a single image ``(1,3,H,W)``; ``x_name``: what its
    documentation calls ``x``; ``x_types_ok``: it also takes PIL images and arrays;
    ``models``: the networks of the valid kinds (default all; ``["classifier"]`` for
    Classifier methods, which then have no train-mode or input-writer kinds).

    Each kind that describes a mistake builds one case per form of that mistake, all
    checked for every example, so a kind passes only when every form is handled."""
    n1 = 1 if one_image else None
    pool = models or VALID_MODELS

    def _base(data, kwargs, target, models=None, n=None, x_dtype=torch.float32):
        return base_case(data, kwargs, target, models=pool if models is None else models, n=n, x_dtype=x_dtype)

    def valid(data):
        return _base(data, kwargs, target, n=n1)

    def bn_train(data):
        case = _base(data, kwargs, None, models=["bn_train"], n=n1)
        if target is not None:
            case.target, case.k_axis = draw_target(data, target, case.x.shape[0], False)
        return case

    def input_writer(data):
        return _base(data, kwargs, None, models=["input_writer"], n=n1)

    def x_float(data):
        case = _base(data, kwargs, None, n=n1)
        x = case.x.detach()
        return variants(case, None, x=[lambda d=d: x.to(d) for d in (torch.float64, torch.float16, torch.bfloat16)])

    def x_dtype(data):
        case = _base(data, kwargs, None, n=n1)
        raw = (case.x.detach() * 60 + 128).clamp(0, 255)
        return variants(case, x_name, x=[lambda d=d: raw.to(d) for d in (torch.uint8, torch.int64, torch.int32, torch.complex64)] + [lambda: raw > 128])

    def x_nonfinite(data):
        case = _base(data, kwargs, None, n=n1)
        where = data.draw(st.integers(0, case.x.numel() - 1), label="where")

        def spoil(value):
            x = case.x.detach().clone()
            x[np.unravel_index(where, tuple(x.shape))] = value  # x may be a non-contiguous view
            return x.requires_grad_(case.x.requires_grad)

        return variants(case, x_name, x=[lambda v=v: spoil(v) for v in (math.nan, math.inf, -math.inf)])

    def x_empty(data):
        case = _base(data, kwargs, None, n=n1)
        return variants(case, x_name, x=[lambda: case.x.detach()[:0]])

    def x_shape(data):
        case = _base(data, kwargs, None, n=n1)
        n, _, h, w = case.x.shape
        shapes = [(h, w), (n, 1, 3, h, w), (n, 3, 0, w), (n, 3, h, 0), (h * w,), ()]
        return variants(case, x_name, x=[lambda s=s: torch.randn(s) for s in shapes])

    def x_channels(data):
        case = _base(data, kwargs, None, n=n1)
        n, _, h, w = case.x.shape
        return variants(case, x_name, x=[lambda c=c: torch.randn(n, c, h, w) for c in (1, 4)])

    def x_3d(data):
        case = _base(data, kwargs, None, n=1)
        case.x = case.x.detach()[0]
        case.lenient = True  # (3,H,W) may be taken as one image or refused; either way cleanly
        case.bad = x_name
        return case

    def x_type(data):
        case = _base(data, kwargs, None, n=n1)
        x = case.x.detach()
        return variants(case, x_name, x=[lambda: x.numpy(), lambda: x.tolist(), lambda: None])

    kinds = dict(
        valid=valid,
        bn_train=bn_train,
        input_writer=input_writer,
        x_float=x_float,
        x_dtype=x_dtype,
        x_nonfinite=x_nonfinite,
        x_empty=x_empty,
        x_shape=x_shape,
        x_channels=x_channels,
        x_3d=x_3d,
    )
    if models is not None:
        del kinds["bn_train"], kinds["input_writer"]
    if not x_types_ok:
        kinds["x_type"] = x_type
    if models is None:
        kinds["model_type"] = lambda data: variants(_base(data, kwargs, None, n=n1), "model", model=["resnet18", None, lambda: torch.zeros(3)])
    if target is not None:
        kinds.update(target_kinds(kwargs, target, n1))
    return kinds


MODEL_WORDS = ("model", "nn.Module", "Classifier")


def target_kinds(kwargs: Kwargs, mode: str, n1: int | None) -> dict[str, Callable[[Any], Any]]:
    def base(data, models=VALID_MODELS):
        return base_case(data, kwargs, None, models=models, n=n1)

    def target_range(data):
        case = base(data)
        n = case.x.shape[0]
        forms = []
        for wrong in (CLASSES, CLASSES + 7, -1, -CLASSES, 2**40):
            forms += [wrong, [0] * (n - 1) + [wrong], lambda w=wrong: torch.tensor([w] * n)]
            if mode == "multi":
                forms.append([[0, wrong]] * n)
        return variants(case, "target", target=forms)

    def target_float(data):
        case = base(data)
        n = case.x.shape[0]
        forms = []
        for value in (1.7, 2.0):
            forms += [value, np.float64(value), lambda v=value: torch.tensor([v] * n), lambda v=value: np.full(n, v), [value] * n]
        return variants(case, "target", target=forms)

    def target_shape(data):
        case = base(data)
        n = case.x.shape[0]
        forms = [
            [0] * (n + 1),
            [],
            [[0, 1]] * (n + 1),
            [[0, 1]] * max(1, n - 1) + [[2]],
            lambda: np.zeros((n, 2, 1), dtype=np.int64),
            lambda: torch.zeros(n + 2, 1, dtype=torch.long),
        ]
        if mode == "one":
            forms.append([[0, 1]] * n)
        return variants(case, "target", target=forms)

    def target_type(data):
        return variants(base(data), "target", target=[object(), {"class": 1}, b"cat", 1 + 2j])

    def target_name(data):
        case = base(data, models=["classifier"])
        n = case.x.shape[0]
        names = st.sampled_from(NAMES)
        cases = variants(case, None, target=[data.draw(names, label="target"), data.draw(st.lists(names, min_size=n, max_size=n), label="names")])
        if mode == "multi":
            rows = [data.draw(st.lists(names, min_size=2, max_size=2), label="row") for _ in range(n)]
            extra = variants(case, None, target=[rows])
            extra[0].k_axis = (2,)
            cases += extra
        return cases

    def target_name_bad(data):
        bare = variants(base(data, models=["tiny"]), "target", target=["tabby cat"])
        named = variants(base(data, models=["classifier"]), "target", target=["tabby cta", "", "cat dog"])
        return bare + named

    return dict(
        target_range=target_range,
        target_float=target_float,
        target_shape=target_shape,
        target_type=target_type,
        target_name=target_name,
        target_name_bad=target_name_bad,
    )


def keyword_kind(
    arg: str, bad_values: list, kwargs: Kwargs = no_kwargs, *, n1: int | None = None, words: tuple[str, ...] = (), models=VALID_MODELS
) -> Callable[[Any], Any]:
    """A kind where keyword ``arg`` gets each of ``bad_values`` in turn (the rest valid)."""

    def build(data):
        case = base_case(data, kwargs, None, models=models, n=n1)
        cases = variants(case, arg, **{arg: bad_values})
        for c in cases:
            c.words = words or (arg,)
        return cases

    return build


class Foreign(nn.Module):
    """A module that belongs to no model under test."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 3, 1)


BAD_INTS = [0, -1, 2.5, "3", (2,), None]  # for counts that must be positive ints
BAD_LAYERS = [3, -1, 2.5, "nope", "conv9", ("conv1",), Foreign, lambda: Foreign().conv]
