"""The one mechanism that applies backward rules: module hooks plus a function mode.

:func:`rules_applied` puts a composite's rules (:mod:`.composites`) on a model for the
``with`` block only. Two kinds of sites get them:

- **modules** (convolutions, linear layers, poolings...): a forward hook, attached through
  :func:`cnnviz_lab.core.hooks.forward_hooks` and removed on every path out of the block, hands
  the rest of the network the layer's output through an autograd node whose backward is
  the rule's (:func:`.rules.apply_rule`);
- **functions**: a ``torch.overrides.TorchFunctionMode`` sees every activation however the
  model calls it (``nn.ReLU`` and ``nn.ReLU6`` modules, ``F.relu``, ``torch.relu_``,
  ``Tensor.relu``, ``F.hardtanh(x, 0, 6)``, ``F.silu``, ``torch.sigmoid``...: torchvision's
  ResNet reuses one ReLU module, DenseNet and Inception call ``F.relu``, many models
  rectify in place) and every **residual sum** of two tensors that both depend on the input
  (``a + b``, ``torch.add``, ``out += identity``). Each activation call counts as a layer of
  the module type it stands for (``F.relu`` is an ``nn.ReLU``; a hardtanh clipping at 0 is
  an ``nn.ReLU6``; other hardtanhs are ``nn.Hardtanh``), each sum as a :class:`Sum`, so a
  composite maps them by type. In-place calls stay in place: the rule's result is copied
  back into the tensor the model wrote. When a composite maps ``nn.MaxPool2d`` by type
  (DeepLIFT's max-pooling rule), **max pooling** is caught the same way (an
  ``nn.MaxPool2d`` module and a forward that calls ``F.max_pool2d`` alike).

Concatenation (DenseNet, Inception) needs no rule: its backward hands each input its own
slice of the signal, so relevance is split, not copied, and sums are kept.

Only the forward pass must run inside the block; the backward may run after it (a
canonizer, :mod:`.canonizers`, must stay on until the backward is done: rules recompute
their layer with the parameters it had in the forward pass).
"""

from __future__ import annotations

import inspect
from contextlib import contextmanager
from typing import Callable, Iterator, Protocol

import torch
import torch.nn.functional as F
from torch import nn
from torch.overrides import TorchFunctionMode

from .hooks import forward_hooks
from .rules import Call, Rule, apply_rule, is_suspended


class Sum(nn.Module):
    """The kind of a residual sum ``a + b`` of two tensors that both depend on the input
    (zennit's canonizers insert such a module; here the function mode finds the sums)."""

    def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return a + b


# Each activation function the mode catches -> (the module type it counts as, display name).
ACTIVATIONS: dict[Callable, tuple[type, str]] = {
    F.relu: (nn.ReLU, "ReLU"),
    torch.relu: (nn.ReLU, "ReLU"),
    torch.Tensor.relu: (nn.ReLU, "ReLU"),
    torch.relu_: (nn.ReLU, "ReLU"),
    torch.Tensor.relu_: (nn.ReLU, "ReLU"),
    F.relu6: (nn.ReLU6, "ReLU6"),
    F.hardtanh: (nn.Hardtanh, "Hardtanh"),
    torch._C._nn.hardtanh_: (nn.Hardtanh, "Hardtanh"),
    F.silu: (nn.SiLU, "SiLU (swish)"),
    F.gelu: (nn.GELU, "GELU"),
    F.hardswish: (nn.Hardswish, "Hardswish"),
    F.mish: (nn.Mish, "Mish"),
    F.elu: (nn.ELU, "ELU"),
    F.elu_: (nn.ELU, "ELU"),
    F.selu: (nn.SELU, "SELU"),
    F.celu: (nn.CELU, "CELU"),
    F.leaky_relu: (nn.LeakyReLU, "LeakyReLU"),
    F.leaky_relu_: (nn.LeakyReLU, "LeakyReLU"),
    F.prelu: (nn.PReLU, "PReLU"),
    F.softplus: (nn.Softplus, "Softplus"),
    F.rrelu: (nn.RReLU, "RReLU"),
    torch.sigmoid: (nn.Sigmoid, "Sigmoid"),
    torch.Tensor.sigmoid: (nn.Sigmoid, "Sigmoid"),
    torch.tanh: (nn.Tanh, "Tanh"),
    torch.Tensor.tanh: (nn.Tanh, "Tanh"),
    F.hardsigmoid: (nn.Hardsigmoid, "Hardsigmoid"),
}
#: Module types whose calls the function mode handles (their modules get no hook).
ACTIVATION_TYPES: tuple[type, ...] = tuple({kind for kind, _ in ACTIVATIONS.values()})

#: Max-pooling functions the mode catches (a model that calls ``F.max_pool2d`` in its forward).
MAX_POOLS: frozenset[Callable] = frozenset({F.max_pool2d, torch.max_pool2d})
_POOL_ARGS = ("kernel_size", "stride", "padding", "dilation", "ceil_mode")

_IN_PLACE = {torch.relu_: torch.relu, torch.Tensor.relu_: torch.relu, torch._C._nn.hardtanh_: F.hardtanh, F.elu_: F.elu, F.leaky_relu_: F.leaky_relu}
_ADDS = {torch.add, torch.Tensor.add, torch.Tensor.__add__, torch.Tensor.__radd__}
_ADDS_IN_PLACE = {torch.Tensor.add_, torch.Tensor.__iadd__}


def out_of_place(func: Callable, args: tuple, kwargs: dict) -> tuple[Callable[[torch.Tensor], torch.Tensor], bool]:
    """An activation call as ``(fn, was_in_place)``: ``fn(t)`` computes it out of place on
    ``t`` with the call's other arguments."""
    rest = args[1:]
    if func in _IN_PLACE:
        plain = _IN_PLACE[func]
        return (lambda t: plain(t, *rest, **kwargs)), True
    try:
        sig = inspect.signature(func)
    except (TypeError, ValueError):  # builtins and tensor methods: never in place
        return (lambda t: func(t, *rest, **kwargs)), False
    if "inplace" not in sig.parameters:
        return (lambda t: func(t, *rest, **kwargs)), False
    bound = sig.bind(*args, **kwargs)
    inplace = bool(bound.arguments.get("inplace", False))
    first = next(iter(bound.arguments))
    # the closure keeps the other arguments only: holding the input tensor would tie the rule's
    # autograd node to its own graph in a cycle the garbage collector cannot see (a leak per call)
    others = {k: v for k, v in bound.arguments.items() if k != first}
    others["inplace"] = False
    return (lambda t: func(**{first: t}, **others)), inplace


def activation_kind(func: Callable, args: tuple, kwargs: dict) -> tuple[type, str]:
    """The module type an activation call counts as, and its display name."""
    kind, name = ACTIVATIONS[func]
    if kind is nn.Hardtanh:
        low = kwargs.get("min_val", args[1] if len(args) > 1 else -1.0)
        if low == 0:  # a clipped rectifier (ReLU6 calls hardtanh(x, 0, 6))
            return nn.ReLU6, "ReLU6"
        return nn.Hardtanh, f"Hardtanh(min_val={low})"
    return kind, name


class RuleSource(Protocol):
    """What the engine needs of a composite."""

    def module_rules(self, model: nn.Module) -> dict[nn.Module, tuple[str, Rule]]: ...

    def rule_for_kind(self, kind: type) -> Rule | None: ...


class Engine(TorchFunctionMode):
    """The function mode of :func:`rules_applied` and the forward hook of its modules."""

    def __init__(self, composite: RuleSource, model: nn.Module | None) -> None:
        super().__init__()
        self.composite = composite
        rules = composite.module_rules(model) if model is not None else {}
        self.modules = {m: nr for m, nr in rules.items() if not isinstance(m, ACTIVATION_TYPES)}
        self.kinds: dict[type, Rule | None] = {}
        # Max pooling by type (DeepLIFT's rule) is caught as a function, so that a model calling
        # F.max_pool2d gets it too; nn.MaxPool2d modules then get no hook (their forward calls
        # F.max_pool2d). A composite that gives one max-pool module a rule of its own keeps hooks.
        pool_rule = self._rule(nn.MaxPool2d)
        pools = [m for m in self.modules if isinstance(m, nn.MaxPool2d)]
        self.pool_functions = pool_rule is not None and all(self.modules[m][1] is pool_rule for m in pools)
        if self.pool_functions:
            for m in pools:
                del self.modules[m]

    def _rule(self, kind: type) -> Rule | None:
        if kind not in self.kinds:
            self.kinds[kind] = self.composite.rule_for_kind(kind)
        return self.kinds[kind]

    # --- modules ------------------------------------------------------------------------
    def hook(self, module: nn.Module, inputs: tuple, output):
        if is_suspended() or not isinstance(output, torch.Tensor):
            return None
        if not inputs or not all(isinstance(t, torch.Tensor) for t in inputs):
            return None
        name, rule = self.modules[module]
        call = Call(type(module), name, module, tuple(t.detach() for t in inputs), output.detach(), module)
        return apply_rule(rule, call, tuple(inputs))

    # --- functions ----------------------------------------------------------------------
    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if is_suspended():
            return func(*args, **kwargs)
        if func in ACTIVATIONS:
            return self._activation(func, args, kwargs)
        if func in _ADDS or func in _ADDS_IN_PLACE:
            return self._sum(func, args, kwargs)
        if self.pool_functions and func in MAX_POOLS and not kwargs.get("return_indices", False):
            return self._max_pool(func, args, kwargs)
        return func(*args, **kwargs)

    def _max_pool(self, func, args, kwargs):
        x = args[0] if args else kwargs.get("input")
        if not isinstance(x, torch.Tensor) or x.dim() != 4:
            return func(*args, **kwargs)
        rest, named = args[1:], {k: v for k, v in kwargs.items() if k != "input"}
        settings = dict(zip(_POOL_ARGS, rest)) | {k: v for k, v in named.items() if k in _POOL_ARGS}
        if settings.get("stride") in (None, [], ()):
            settings.pop("stride", None)
        pool = nn.MaxPool2d(**settings)  # the call's settings, for the rule (never run on the model)

        def fn(t: torch.Tensor) -> torch.Tensor:
            return func(t, *rest, **named)

        with torch.no_grad():
            out = fn(x)
        call = Call(nn.MaxPool2d, "max_pool2d", pool, (x.detach(),), out, fn)
        return apply_rule(self._rule(nn.MaxPool2d), call, (x,))

    def _activation(self, func, args, kwargs):
        kind, name = activation_kind(func, args, kwargs)
        rule = self._rule(kind)
        x = args[0] if args else None
        if rule is None or not isinstance(x, torch.Tensor):
            return func(*args, **kwargs)
        fn, inplace = out_of_place(func, args, kwargs)
        with torch.no_grad():
            out = fn(x)
        call = Call(kind, name, None, (x.detach().clone() if inplace else x.detach(),), out, fn)
        result = apply_rule(rule, call, (x,))
        return x.copy_(result) if inplace else result

    def _sum(self, func, args, kwargs):
        a, b = (args + (None, None))[:2]
        merge = (
            len(args) == 2
            and not kwargs
            and isinstance(a, torch.Tensor)
            and isinstance(b, torch.Tensor)
            and a.shape == b.shape
            and a.requires_grad
            and b.requires_grad
        )
        rule = self._rule(Sum) if merge else None
        if rule is None:
            return func(*args, **kwargs)
        inplace = func in _ADDS_IN_PLACE
        with torch.no_grad():
            out = torch.add(a, b)
        call = Call(Sum, "sum", None, (a.detach().clone() if inplace else a.detach(), b.detach()), out, torch.add)
        result = apply_rule(rule, call, (a, b))
        return a.copy_(result) if inplace else result


@contextmanager
def rules_applied(model: nn.Module | None, composite: RuleSource) -> Iterator[Engine]:
    """Inside the block, every site of ``model`` the composite maps back-propagates with its
    rule (see the module docstring); hooks and mode come off on every path out. With
    ``model=None`` only functional sites (activations, sums) get rules, in any model run
    inside the block."""
    engine = Engine(composite, model)
    with forward_hooks({m: engine.hook for m in engine.modules}), engine:
        yield engine


__all__ = ["ACTIVATIONS", "ACTIVATION_TYPES", "Engine", "MAX_POOLS", "RuleSource", "Sum", "activation_kind", "out_of_place", "rules_applied"]
