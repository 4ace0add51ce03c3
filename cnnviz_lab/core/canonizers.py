"""Canonizers: a model rewritten for the ``with`` block only, restored exactly afterwards.

Some rules need the model in a canonical form. LRP's rules are written for
``conv -> activation`` chains, but most networks have ``conv -> BatchNorm -> activation``:
in eval mode BatchNorm is an affine map, so it can be folded into the convolution (or
linear layer) before it, ``w' = w * s``, ``b' = (b - mean) * s + beta`` with
``s = gamma / sqrt(var + eps)``, and the BatchNorm made an exact identity (Montavon et al.
2019; zennit's ``SequentialMergeBatchNorm``; Anders et al. 2021). :class:`MergeBatchNorm`
does this: which BatchNorm follows which layer is read from one frozen probe forward pass
(the BatchNorm's input is that layer's output), not from the order the modules were
defined in, so DenseNet's ``norm -> relu -> conv`` is left alone.

The user's parameters and buffers are never written: the folded tensors are new objects
put in their place, and the originals (objects, flags and values) come back when the block
exits, however it exits. Residual sums and concatenations need no rewriting here: the rule
engine finds sums whatever the model calls them (:class:`cnnviz_lab.core.engine.Sum`), and
a concatenation's backward already splits the signal (see :mod:`.engine`).
"""

from __future__ import annotations

import weakref
from contextlib import ExitStack, contextmanager
from typing import Iterator, Sequence

import torch
from torch import nn

from .hooks import forward_hooks
from .state import frozen

LINEAR_TYPES: tuple[type, ...] = (nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.Linear)
BATCHNORM_TYPES: tuple[type, ...] = (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d)


class Canonizer:
    """A temporary, exactly undone rewrite of a model. Subclasses implement :meth:`applied`."""

    @contextmanager
    def applied(self, model: nn.Module, x: torch.Tensor) -> Iterator[None]:
        """Inside the block ``model`` is rewritten (``x``: an input batch, for probing)."""
        raise NotImplementedError
        yield  # pragma: no cover

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


def _foldable(bn: nn.Module) -> bool:
    return getattr(bn, "running_mean", None) is not None and getattr(bn, "running_var", None) is not None


_PAIRS: "weakref.WeakKeyDictionary[nn.Module, tuple[tuple[int, ...], list]]" = weakref.WeakKeyDictionary()


def folding_pairs(model: nn.Module, x: torch.Tensor) -> list[tuple[nn.Module, nn.Module]]:
    """``(layer, batchnorm)`` pairs where, in a frozen forward pass on ``x[:1]``, the
    BatchNorm's input was the layer's output, each module called once. Remembered per model
    while its modules stay the same objects (one probe, not one per call)."""
    key = tuple(id(m) for m in model.modules())
    known = _PAIRS.get(model)
    if known is not None and known[0] == key:
        return list(known[1])
    pairs = _trace_pairs(model, x)
    _PAIRS[model] = (key, pairs)
    return list(pairs)


def _trace_pairs(model: nn.Module, x: torch.Tensor) -> list[tuple[nn.Module, nn.Module]]:
    outputs: dict[int, tuple[nn.Module, torch.Tensor]] = {}  # the tensor kept: ids stay unique
    inputs: list[tuple[nn.Module, int]] = []
    calls: dict[nn.Module, int] = {}

    def on_layer(module, _inputs, out):
        calls[module] = calls.get(module, 0) + 1
        outputs[id(out)] = (module, out)

    def on_bn(module, ins, _out):
        calls[module] = calls.get(module, 0) + 1
        if ins and isinstance(ins[0], torch.Tensor):
            inputs.append((module, id(ins[0])))

    hooks = {m: on_layer for m in model.modules() if isinstance(m, LINEAR_TYPES)}
    hooks.update({m: on_bn for m in model.modules() if isinstance(m, BATCHNORM_TYPES) and _foldable(m)})
    with torch.no_grad(), frozen(model), forward_hooks(hooks):
        model(x[:1])
    pairs = []
    for bn, key in inputs:
        layer = outputs.get(key, (None, None))[0]
        if layer is not None and calls.get(layer) == 1 and calls.get(bn) == 1:
            pairs.append((layer, bn))
    return pairs


class MergeBatchNorm(Canonizer):
    """BatchNorm folded into the convolution or linear layer that feeds it (see the module
    docstring); the BatchNorm becomes an exact identity (mean 0, variance 1 - eps,
    weight 1, bias 0)."""

    @contextmanager
    def applied(self, model: nn.Module, x: torch.Tensor) -> Iterator[None]:
        pairs = folding_pairs(model, x)
        saved: list[tuple[nn.Module, str, str, object]] = []

        def put(module: nn.Module, where: str, key: str, value: object) -> None:
            store = getattr(module, where) if where != "attr" else None
            saved.append((module, where, key, store[key] if store is not None else getattr(module, key)))
            if store is not None:
                store[key] = value
            else:
                setattr(module, key, value)

        try:
            for layer, bn in pairs:
                with torch.no_grad():
                    scale = (bn.weight if bn.weight is not None else 1.0) / torch.sqrt(bn.running_var + bn.eps)
                    shift = bn.bias if bn.bias is not None else 0.0
                    w = layer.weight
                    index = (slice(None),) + (None,) * (w.dim() - 1)
                    b = layer.bias if layer.bias is not None else torch.zeros_like(bn.running_mean)
                    new_w = (w * scale[index]).detach()
                    new_b = ((b - bn.running_mean) * scale + shift).detach()
                put(layer, "_parameters", "weight", nn.Parameter(new_w, requires_grad=False))
                put(layer, "_parameters", "bias", nn.Parameter(new_b, requires_grad=False))
                for key, fill in (("weight", torch.ones_like), ("bias", torch.zeros_like)):
                    if bn._parameters.get(key) is not None:
                        put(bn, "_parameters", key, nn.Parameter(fill(bn._parameters[key]).detach(), requires_grad=False))
                put(bn, "_buffers", "running_mean", torch.zeros_like(bn.running_mean))
                # var + eps = 1 exactly: the layer passes its input through. Setting eps to 0
                # instead (as zennit does) is refused by batch_norm in torch 2.11 and older.
                put(bn, "_buffers", "running_var", torch.ones_like(bn.running_var) - bn.eps)
            yield
        finally:
            for module, where, key, value in reversed(saved):
                if where == "attr":
                    setattr(module, key, value)
                else:
                    getattr(module, where)[key] = value


@contextmanager
def canonized(model: nn.Module, canonizers: Sequence[Canonizer], x: torch.Tensor) -> Iterator[None]:
    """All ``canonizers`` applied, in order, for the block; undone in reverse order."""
    with ExitStack() as stack:
        for canonizer in canonizers:
            stack.enter_context(canonizer.applied(model, x))
        yield


__all__ = ["BATCHNORM_TYPES", "Canonizer", "LINEAR_TYPES", "MergeBatchNorm", "canonized", "folding_pairs"]
