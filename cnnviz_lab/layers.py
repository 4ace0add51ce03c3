"""Layers by name, and hooks that always come off.

``capture`` is the one place the package attaches forward hooks to a model. Its hooks live
only inside the ``with`` block and are removed on every path out of it, exceptions
included (Lucent, by contrast, leaves its hooks on). It records what a layer *output*,
even when an in-place ReLU runs right after it: the hook hands the rest of the network a
copy, so the in-place op overwrites the copy and the recorded tensor stays intact.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Callable, Iterator, Sequence, Union

import torch
from torch import nn

from .models import Classifier, UnknownNameError, close_matches, unwrap

LayerRef = Union[str, nn.Module]

KINDS: dict[str, tuple[type, ...]] = {
    "conv": (nn.Conv2d,),
    "relu": (nn.ReLU, nn.ReLU6),
    "activation": (nn.ReLU, nn.ReLU6, nn.LeakyReLU, nn.ELU, nn.SiLU, nn.GELU, nn.Hardswish,
                   nn.Hardsigmoid, nn.Sigmoid, nn.Tanh, nn.Mish),
    "norm": (nn.BatchNorm2d, nn.LayerNorm, nn.GroupNorm),
    "pool": (nn.MaxPool2d, nn.AvgPool2d, nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d),
    "linear": (nn.Linear,),
}


def layer_names(model: nn.Module | Classifier, kind: str | type | tuple[type, ...] | None = None
                ) -> list[str]:
    """Names of the model's submodules in definition order, optionally of one kind.

    ``kind``: ``"conv"``, ``"relu"``, ``"activation"``, ``"norm"``, ``"pool"``, ``"linear"``,
    or a module class (or tuple of classes).
    """
    module, _ = unwrap(model)
    if isinstance(kind, str):
        if kind not in KINDS:
            raise ValueError(f"unknown layer kind {kind!r}; choose from {', '.join(KINDS)}")
        kind = KINDS[kind]
    return [n for n, m in module.named_modules() if n and (kind is None or isinstance(m, kind))]


def get_layer(model: nn.Module | Classifier, layer: LayerRef) -> nn.Module:
    """The submodule called ``layer`` (dotted name such as ``"layer4.2.conv3"``), or ``layer``
    itself when it is a module of the model. Unknown names raise ``UnknownNameError``
    listing the closest real names."""
    module, _ = unwrap(model)
    if isinstance(layer, nn.Module):
        if not any(m is layer for m in module.modules()):
            raise ValueError(f"{type(layer).__name__} module is not part of this model")
        return layer
    try:
        return module.get_submodule(layer) if layer else module
    except AttributeError:
        hints = close_matches(layer, layer_names(module))
        raise UnknownNameError(f"no layer {layer!r} in {type(module).__name__}. Closest: "
                               f"{', '.join(hints) or 'none'}; see cnnviz_lab.layer_names(model)") from None


def layer_name(model: nn.Module | Classifier, layer: LayerRef) -> str:
    """The dotted name of a layer given by name or module."""
    module, _ = unwrap(model)
    target = get_layer(module, layer)
    for name, m in module.named_modules():
        if m is target:
            return name
    raise ValueError("layer not found in model")  # unreachable after get_layer


def hook_count(model: nn.Module | Classifier) -> int:
    """Number of forward/backward hooks on all of the model's modules (0 when clean)."""
    module, _ = unwrap(model)
    total = 0
    for m in module.modules():
        for attr in ("_forward_hooks", "_forward_pre_hooks", "_backward_hooks",
                     "_backward_pre_hooks", "_state_dict_hooks", "_load_state_dict_pre_hooks"):
            total += len(getattr(m, attr, {}) or {})
    return total


class _StopForward(Exception):
    """Raised by a capture hook to end the forward pass once every layer has been seen."""


@dataclass
class Capture:
    """What ``capture`` recorded. ``activations[name]``: the layer's output (last call);
    ``outputs[name]``: the outputs of every call (a module reused several times, such as
    torchvision ResNet's ReLU, is called more than once); ``gradients[name]``: the gradient
    reaching that output during the latest backward pass (with ``gradients=True``)."""

    model: nn.Module
    names: list[str]
    stop: bool = False
    activations: dict[str, torch.Tensor] = field(default_factory=dict)
    outputs: dict[str, list[torch.Tensor]] = field(default_factory=dict)
    gradients: dict[str, torch.Tensor] = field(default_factory=dict)
    pending: set[str] = field(default_factory=set)

    def forward(self, x: torch.Tensor) -> torch.Tensor | None:
        """Run the model on ``x``; with ``stop=True`` the pass ends right after the deepest
        captured layer and this returns ``None`` (no computation is wasted after it).
        Each call is a fresh pass: every captured layer is awaited again."""
        self.pending = set(self.names)
        try:
            return self.model(x)
        except _StopForward:
            return None

    def __getitem__(self, name: str) -> torch.Tensor:
        return self.activations[name]


@contextmanager
def capture(model: nn.Module | Classifier, layers: LayerRef | Sequence[LayerRef],
            gradients: bool = False, *, stop: bool = False,
            edit: Callable[[str, torch.Tensor], torch.Tensor] | None = None) -> Iterator[Capture]:
    """Record the outputs (and, with ``gradients=True``, their gradients) of some layers.

    >>> with capture(model, ["layer3", "layer4"], gradients=True) as cap:
    ...     score = model(x)[0, 281]
    ...     g, = torch.autograd.grad(score, cap["layer4"])

    With ``gradients=True`` every recorded output is part of the autograd graph even when
    neither the input nor the parameters require gradients (it becomes a leaf there), so
    ``torch.autograd.grad(..., cap["layer4"])`` works and the backward pass stops at that
    layer. ``stop=True`` ends the forward pass as soon as every layer has run (use
    ``cap.forward(x)``). ``edit(name, output)``, when given, returns what the rest of the
    network receives instead of a captured layer's output (the recorded output itself is
    left as it was): Ablation-CAM swaps in ablated feature maps this way. Hooks are removed
    when the block exits, however it exits.
    """
    module, _ = unwrap(model)
    refs = [layers] if isinstance(layers, (str, nn.Module)) else list(layers)
    if not refs:
        raise ValueError("capture needs at least one layer")
    names = [layer_name(module, r) for r in refs]
    cap = Capture(module, names, stop, pending=set(names))

    def make_hook(name: str):
        def hook(_module, _inputs, out):
            if not isinstance(out, torch.Tensor):
                cap.activations[name] = out
                cap.outputs.setdefault(name, []).append(out)
                return None
            record = out
            if gradients and torch.is_grad_enabled() and not record.requires_grad:
                record = record.detach().requires_grad_(True)
            if gradients and record.requires_grad:
                record.register_hook(lambda g: cap.gradients.__setitem__(name, g))
            cap.activations[name] = record
            cap.outputs.setdefault(name, []).append(record)
            cap.pending.discard(name)
            if stop and not cap.pending:
                raise _StopForward
            if edit is not None:
                return edit(name, record)
            # The rest of the network works on a copy: an in-place op after this layer
            # (ReLU(inplace=True)) then cannot overwrite what we recorded.
            return record.clone()
        return hook

    handles = []
    try:
        for name in dict.fromkeys(names):
            handles.append(get_layer(module, name).register_forward_hook(make_hook(name)))
        yield cap
    finally:
        for h in handles:
            h.remove()


def activations(model: nn.Module | Classifier, x: torch.Tensor,
                layers: LayerRef | Sequence[LayerRef]) -> torch.Tensor | dict[str, torch.Tensor]:
    """Detached outputs of ``layers`` for input ``x``, without autograd.

    The forward pass stops after the deepest requested layer. One layer (a name or module)
    gives a tensor; a list gives ``{name: tensor}``.
    """
    module, _ = unwrap(model)
    x = x.to(next(module.parameters()).device) if any(True for _ in module.parameters()) else x
    with torch.no_grad(), capture(module, layers, stop=True) as cap:
        cap.forward(x)
    acts = {n: cap.activations[n].detach() for n in cap.names}
    return acts[cap.names[0]] if isinstance(layers, (str, nn.Module)) else acts
