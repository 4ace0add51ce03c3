"""Backward rules as objects: how one layer passes gradient (or relevance) backwards.

A :class:`Rule` changes the backward pass of one *site* of a network: a module such as a
convolution, or an elementwise activation however the model calls it (``nn.ReLU``,
``F.relu``, ``torch.relu_``...), or a residual sum (``a + b``, ``out += identity``). In the
forward pass nothing changes: the layer computes what it always computes. In the backward
pass the signal ``grad`` arriving at the layer's output is handed to
``rule.backward(call, grad)``, which returns what the layer's inputs receive instead of the
ordinary gradient. ``call`` (a :class:`Call`) holds what the layer saw in the forward pass
(inputs, output, the module) and can recompute it, also with some parameters replaced.

A new rule is one small class; the engine (:mod:`.engine`) applies it wherever a composite
(:mod:`.composites`) maps it, hook hygiene included::

    class Halve(Rule):
        def backward(self, call, grad):
            return call.vjp(grad / 2)

This is zennit's design (Anders et al. 2021, *Software for Dataset-wide XAI: From Local
Explanations to Global Insights with Zennit, CoRelAy, and ViRelAy*, arXiv:2106.13200):
rules, composites and canonizers as small objects over one hook mechanism. Here the
mechanism also reaches functional activations and residual sums, which module hooks miss.

The rules of this module: :class:`Pass` (the signal passes unchanged: activations in LRP),
:class:`Guided` (``phi'(x) * max(g, 0)``, Springenberg et al. 2014), :class:`Deconvnet`
(``max(g, 0)``, Zeiler & Fergus 2014) and :class:`Refuse` (stops the forward pass with an
error: an activation a method is not defined for). LRP's rules are in :mod:`.lrp_rules`,
DeepLIFT's in :mod:`.deeplift_rules`.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

import torch
from torch import nn

Grads = torch.Tensor | tuple[torch.Tensor | None, ...]


class _State:
    """While a rule runs its backward, recomputations pass through the engine untouched."""

    suspended = 0


@contextmanager
def suspended() -> Iterator[None]:
    """Inside the block the engine's hooks and function mode do nothing (a rule's own
    recomputation of its layer must not be caught by the rules again)."""
    _State.suspended += 1
    try:
        yield
    finally:
        _State.suspended -= 1


def is_suspended() -> bool:
    return _State.suspended > 0


@dataclass
class Call:
    """One call of a layer in the forward pass, as a rule sees it in the backward pass.

    ``kind``: the layer's type (for a functional activation the module type it stands for:
    ``F.relu`` is ``nn.ReLU``); ``name``: the module's dotted name, or the function's;
    ``module``: the module (``None`` for functions); ``inputs``: the tensors the layer read,
    detached, as they were (an in-place layer's input is kept as a copy); ``output``: what
    it returned, detached; ``fn``: the layer as an out-of-place function of its inputs.
    """

    kind: type
    name: str
    module: nn.Module | None
    inputs: tuple[torch.Tensor, ...]
    output: torch.Tensor
    fn: Callable[..., torch.Tensor]
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def input(self) -> torch.Tensor:
        """The first (usually only) input."""
        return self.inputs[0]

    def forward(self, *inputs: torch.Tensor, **params: torch.Tensor | None) -> torch.Tensor:
        """The layer recomputed on ``inputs``, with the module's parameters named in
        ``params`` replaced (``weight=``, ``bias=``; ``None`` drops one). The model itself
        is not changed."""
        if not params:
            return self.fn(*inputs)
        if self.module is None:
            raise TypeError(f"{self.name} has no parameters to replace")
        given = {}
        for key, value in params.items():
            current = getattr(self.module, key, None)
            if current is not None:  # a module without it (bias=False) has nothing to replace
                given[key] = torch.zeros_like(current) if value is None else value
        return torch.func.functional_call(self.module, given, inputs)

    def vjp(self, grad: torch.Tensor, at: tuple[torch.Tensor, ...] | None = None, **params: torch.Tensor | None) -> torch.Tensor | tuple[torch.Tensor, ...]:
        """The ordinary backward of the layer (vector-Jacobian product with ``grad``) at its
        inputs, or at ``at``, with ``params`` replaced as in :meth:`forward`. One tensor for
        a one-input layer, else a tuple."""
        points = self.inputs if at is None else at
        with torch.enable_grad():
            leaves = tuple(p.detach().requires_grad_(True) for p in points)
            out = self.forward(*leaves, **params)
            grads = torch.autograd.grad(out, leaves, grad, allow_unused=True)
        grads = tuple(torch.zeros_like(p) if g is None else g for p, g in zip(points, grads))
        return grads[0] if len(grads) == 1 else grads


class Rule:
    """How one layer passes gradient or relevance backwards (see the module docstring).

    Subclasses override :meth:`backward`; :meth:`forward` runs when the layer is called in
    the forward pass (a rule that refuses a layer raises there, before any backward)."""

    def forward(self, call: Call) -> None:
        """Called in the forward pass, with the layer's call; the default does nothing."""

    def backward(self, call: Call, grad: torch.Tensor) -> Grads:
        """What the layer's inputs receive, given ``grad`` at its output: one tensor per
        input (a single tensor for a one-input layer). The default is the ordinary gradient."""
        return call.vjp(grad)

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if not k.startswith("_"))
        return f"{type(self).__name__}({params})"


class Pass(Rule):
    """The signal passes through unchanged (an elementwise layer, same shape in and out).
    LRP's rule for activations (zennit's ``Pass``): ReLU, ReLU6, SiLU... hand the relevance
    of their output to their input as it is; BatchNorm left unfolded too."""

    def backward(self, call: Call, grad: torch.Tensor) -> Grads:
        return grad if len(call.inputs) == 1 else (grad,) + (None,) * (len(call.inputs) - 1)


class Guided(Rule):
    """Guided backpropagation (Springenberg et al. 2014, *Striving for Simplicity: The All
    Convolutional Net*, arXiv:1412.6806): the activation's own derivative times the positive
    part of the incoming gradient, ``phi'(x) * max(grad, 0)``; for a ReLU
    ``1[x > 0] * max(grad, 0)``, for ReLU6 ``1[0 < x < 6] * max(grad, 0)``."""

    def backward(self, call: Call, grad: torch.Tensor) -> Grads:
        if call.kind is nn.ReLU:  # ReLU's own backward, read from its output, without recomputing it
            # masked_fill, not torch.where with a host 0-dim zero: that copied a CPU scalar to
            # the GPU at every ReLU, one host-device synchronisation each (51 per ResNet-50 call)
            return grad.clamp(min=0).masked_fill(call.output <= 0, 0)
        return call.vjp(grad.clamp(min=0))


class Deconvnet(Rule):
    """The deconvnet's rectifier (Zeiler & Fergus 2014, *Visualizing and Understanding
    Convolutional Networks*, ECCV): ``max(grad, 0)``, the forward pass not read at all."""

    def backward(self, call: Call, grad: torch.Tensor) -> Grads:
        return grad.clamp(min=0)


class Refuse(Rule):
    """Stops the forward pass with ``error(call)`` (an exception to raise): a method that
    is not defined for some layer says so instead of computing something else."""

    def __init__(self, error: Callable[[Call], Exception]) -> None:
        self.error = error

    def forward(self, call: Call) -> None:
        raise self.error(call)


class _Site(torch.autograd.Function):
    """Identity forward (a fresh copy of the layer's output); backward: the rule's."""

    @staticmethod
    def forward(ctx, rule: Rule, call: Call, output: torch.Tensor, *inputs: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        ctx.rule, ctx.call = rule, call
        return output.clone()

    @staticmethod
    def backward(ctx, grad: torch.Tensor):  # type: ignore[override]
        with suspended():
            got = ctx.rule.backward(ctx.call, grad)
        got = got if isinstance(got, tuple) else (got,)
        if len(got) != len(ctx.call.inputs):
            raise ValueError(f"{type(ctx.rule).__name__}.backward returned {len(got)} tensors for {ctx.call.name}, which has {len(ctx.call.inputs)} inputs")
        return (None, None, None, *got)


def apply_rule(rule: Rule, call: Call, inputs: tuple[torch.Tensor, ...]) -> torch.Tensor:
    """The layer's output as the rest of the network sees it: the same values, and in the
    backward pass ``rule.backward`` (when any input is part of the autograd graph)."""
    rule.forward(call)
    if not torch.is_grad_enabled() or not any(t.requires_grad for t in inputs):
        return call.output.clone()
    return _Site.apply(rule, call, call.output, *inputs)


def stabilize(z: torch.Tensor, epsilon: float) -> torch.Tensor:
    """``z + epsilon * sign(z)``, zeros counted as positive: the denominator of the LRP
    rules, kept away from zero (zennit's ``Stabilizer``)."""
    return z + ((z == 0).to(z.dtype) + z.sign()) * epsilon


__all__ = ["Call", "Deconvnet", "Guided", "Pass", "Refuse", "Rule", "apply_rule", "is_suspended", "stabilize", "suspended"]
