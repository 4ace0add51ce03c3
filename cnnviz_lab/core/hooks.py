"""Hooks that always come off: the one place the package attaches forward hooks to a model.

``capture``'s hooks live only inside the ``with`` block and are removed on every path out of
it, exceptions included (Lucent, by contrast, leaves its hooks on). It records what a layer
*output*, even when an in-place ReLU runs right after it: the hook hands the rest of the
network a copy, so the in-place op overwrites the copy and the recorded tensor stays intact.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator, Mapping, Sequence

import torch
from torch import nn

from .gate import ModelLike, prepare_input, unwrap
from .layer_lookup import LayerRef, get_layer, layer_names_of
from .state import frozen


def hook_count(model: ModelLike) -> int:
    """Number of forward/backward hooks on all of the model's modules (0 when clean)."""
    module, _ = unwrap(model)
    total = 0
    for m in module.modules():
        for attr in ("_forward_hooks", "_forward_pre_hooks", "_backward_hooks", "_backward_pre_hooks", "_state_dict_hooks", "_load_state_dict_pre_hooks"):
            total += len(getattr(m, attr, {}) or {})
    return total


class _StopForward(Exception):
    """Raised by a capture hook to end the forward pass once every layer has been seen."""


@dataclass
class Capture:
    """What ``capture`` recorded. ``activations[name]``: the layer's output (last call);
    ``outputs[name]``: the outputs of every call (a module reused several times, such as
    torchvision ResNet's ReLU, is called more than once); ``calls``: ``(name, output)`` of
    every call in the order the layers finished; ``gradients[name]``: the gradient
    reaching that output during the latest backward pass (with ``gradients=True``)."""

    model: nn.Module
    names: list[str]
    stop: bool = False
    activations: dict[str, torch.Tensor] = field(default_factory=dict)
    outputs: dict[str, list[torch.Tensor]] = field(default_factory=dict)
    calls: list[tuple[str, torch.Tensor]] = field(default_factory=list)
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
def capture(
    model: ModelLike,
    layers: LayerRef | Sequence[LayerRef],
    gradients: bool = False,
    *,
    stop: bool = False,
    copy: bool = True,
    edit: Callable[[str, torch.Tensor], torch.Tensor] | None = None,
) -> Iterator[Capture]:
    """Record the outputs (and, with ``gradients=True``, their gradients) of some layers.

    >>> with capture(model, ["layer3", "layer4"], gradients=True) as cap:
    ...     score = model(x)[0, 281]
    ...     g, = torch.autograd.grad(score, cap["layer4"])

    With ``gradients=True`` every recorded output is part of the autograd graph even when
    neither the input nor the parameters require gradients (it becomes a leaf there), so
    ``torch.autograd.grad(..., cap["layer4"])`` works and the backward pass stops at that
    layer. ``stop=True`` ends the forward pass as soon as every layer has run (use
    ``cap.forward(x)``). ``copy=False`` lets the network go on with the recorded tensor
    itself instead of a copy (cheaper, and tensor identities survive, but an in-place op
    after the layer may overwrite the record: for probes that read shapes only).
    ``edit(name, output)``, when given, returns what the rest of the network receives
    instead of a captured layer's output (the recorded output itself is left as it was):
    Ablation-CAM swaps in ablated feature maps this way. Hooks are removed when the block
    exits, however it exits.
    """
    module, _ = unwrap(model)
    if isinstance(layers, (str, nn.Module)):
        refs = [layers]
    elif isinstance(layers, Iterable) and not isinstance(layers, torch.Tensor):
        refs = list(layers)
    else:
        raise TypeError(f"layers must be a layer name, a module of the model, or a list of them; got {layers!r} ({type(layers).__name__})")
    if not refs:
        raise ValueError("layers: capture needs at least one layer, got an empty list")
    names = layer_names_of(module, refs)
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
            cap.calls.append((name, record))
            cap.pending.discard(name)
            if stop and not cap.pending:
                raise _StopForward
            if edit is not None:
                return edit(name, record)
            # The rest of the network works on a copy: an in-place op after this layer
            # (ReLU(inplace=True)) then cannot overwrite what we recorded.
            if copy:
                return record.clone()
            return None if record is out else record

        return hook

    handles = []
    try:
        for name in dict.fromkeys(names):
            handles.append(get_layer(module, name).register_forward_hook(make_hook(name)))
        yield cap
    finally:
        for h in handles:
            h.remove()


@contextmanager
def forward_hooks(hooks: Mapping[nn.Module, Callable]) -> Iterator[None]:
    """Attach ``hook(module, inputs, output)`` as a forward hook of each module for the block
    only (what a hook returns replaces the module's output, as in PyTorch); every hook comes
    off when the block exits, however it exits. The backward-rule engine
    (:mod:`cnnviz_lab.core.engine`) and the canonizers' probe attach theirs here."""
    handles = []
    try:
        for module, hook in hooks.items():
            handles.append(module.register_forward_hook(hook))
        yield
    finally:
        for h in handles:
            h.remove()


@contextmanager
def attention_weights(module: nn.Module) -> Iterator[list[torch.Tensor]]:
    """Record the per-head attention weights ``(N, heads, T, T)`` of every
    ``nn.MultiheadAttention`` call inside the block, in call order (a list filled as the
    model runs): a pre-hook asks each for ``need_weights=True, average_attn_weights=False``
    (torchvision's ViT asks for none), a forward hook keeps them. The hooks come off when the
    block exits, however it exits. Attention rollout reads them."""
    found: list[torch.Tensor] = []
    handles = []

    def ask(_mod, args, kwargs):
        kwargs = dict(kwargs, need_weights=True, average_attn_weights=False)
        return args, kwargs

    def keep(_mod, _args, out):
        if isinstance(out, tuple) and len(out) == 2 and isinstance(out[1], torch.Tensor):
            found.append(out[1])

    try:
        for m in module.modules():
            if isinstance(m, nn.MultiheadAttention):
                handles.append(m.register_forward_pre_hook(ask, with_kwargs=True))
                handles.append(m.register_forward_hook(keep))
        yield found
    finally:
        for h in handles:
            h.remove()


def activations(model: ModelLike, x: torch.Tensor, layers: LayerRef | Sequence[LayerRef]) -> torch.Tensor | dict[str, torch.Tensor]:
    """Detached outputs of ``layers`` for input ``x`` (checked by the input gate), without
    autograd and with the model frozen (eval mode, buffers untouched).

    The forward pass stops after the deepest requested layer. One layer (a name or module)
    gives a tensor; a list gives ``{name: tensor}``.
    """
    module, _ = unwrap(model)
    x = prepare_input(module, x)
    with torch.no_grad(), frozen(module), capture(module, layers, stop=True) as cap:
        cap.forward(x)
    acts = {n: cap.activations[n].detach() for n in cap.names}
    return acts[cap.names[0]] if isinstance(layers, (str, nn.Module)) else acts


__all__ = ["Capture", "activations", "attention_weights", "capture", "forward_hooks", "hook_count"]
