"""Layers by name, hooks that always come off, and the one probe that answers "which layers?".

``capture`` is the one place the package attaches forward hooks to a model. Its hooks live
only inside the ``with`` block and are removed on every path out of it, exceptions
included (Lucent, by contrast, leaves its hooks on). It records what a layer *output*,
even when an in-place ReLU runs right after it: the hook hands the rest of the network a
copy, so the in-place op overwrites the copy and the recorded tensor stays intact.

:func:`probe` runs one blank image through the whole network, frozen (eval mode, no
BatchNorm statistic changes), and records every module's output in the order the modules
finish. :func:`find_cam_layer` (the layer CAM methods read by default),
:func:`default_layer` and :func:`cam_layers` (the blocks worth explaining) all read it.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator, Mapping, Sequence, Union

import torch
from torch import nn

from . import checks
from .classifier import Classifier, unwrap
from .errors import unknown_name
from .modelstate import frozen, model_device, model_dtype, prepare_input
from .token_grid import token_layer

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
    elif kind is not None and not (isinstance(kind, type) or (
            isinstance(kind, tuple) and kind and all(isinstance(k, type) for k in kind))):
        raise TypeError(f"kind must be None, one of {', '.join(repr(k) for k in KINDS)}, a module class or a "
                        f"tuple of them, got {kind!r}")
    return [n for n, m in module.named_modules() if n and (kind is None or isinstance(m, kind))]


def get_layer(model: nn.Module | Classifier, layer: LayerRef) -> nn.Module:
    """The submodule called ``layer`` (dotted name such as ``"layer4.2.conv3"``), or ``layer``
    itself when it is a module of the model. Unknown names raise ``UnknownNameError``
    listing the closest real names."""
    module, _ = unwrap(model)
    if isinstance(layer, nn.Module):
        if not any(m is layer for m in module.modules()):
            raise ValueError(f"layer: this {type(layer).__name__} module is not part of the model")
        return layer
    if not isinstance(layer, str):
        example = (layer_names(module) or ["conv1"])[-1]
        raise TypeError(f"layer must be a layer name (a str such as {example!r}) or a module of the model, "
                        f"got {layer!r} ({type(layer).__name__}); see cnnviz_lab.layer_names(model)")
    try:
        return module.get_submodule(layer) if layer else module
    except AttributeError:
        raise unknown_name(f"layer of {type(module).__name__}", layer, layer_names(module),
                           "see cnnviz_lab.layer_names(model)") from None


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
def capture(model: nn.Module | Classifier, layers: LayerRef | Sequence[LayerRef],
            gradients: bool = False, *, stop: bool = False, copy: bool = True,
            edit: Callable[[str, torch.Tensor], torch.Tensor] | None = None) -> Iterator[Capture]:
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
        raise TypeError(f"layers must be a layer name, a module of the model, or a list of them; got "
                        f"{layers!r} ({type(layers).__name__})")
    if not refs:
        raise ValueError("layers: capture needs at least one layer, got an empty list")
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


def activations(model: nn.Module | Classifier, x: torch.Tensor,
                layers: LayerRef | Sequence[LayerRef]) -> torch.Tensor | dict[str, torch.Tensor]:
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


# --- the one probe: which layers, and which one is the CAM layer -----------------------
# Modules whose 4-D output is not a feature map of the network's own (pooled, reshaped or
# passed through): never the CAM layer.
_PASS_THROUGH = (nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d, nn.AvgPool2d, nn.MaxPool2d,
                 nn.Dropout, nn.Identity, nn.Flatten)
_POOLS = (nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d, nn.AvgPool2d, nn.MaxPool2d)
# Single layers, not blocks: cam_layers lists blocks.
_LEAVES = (nn.Conv2d, nn.BatchNorm2d, nn.ReLU, nn.ReLU6, nn.SiLU, nn.Hardswish, nn.Dropout,
           nn.Identity, nn.MaxPool2d, nn.AvgPool2d, nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d)
PROBE_SIZE = 224


def probe(model: nn.Module | Classifier, size: int | tuple[int, int] = PROBE_SIZE
          ) -> list[tuple[str, torch.Tensor]]:
    """Run one blank ``size`` image through the network, frozen and without autograd, and
    return ``(name, output)`` of every module call in the order the modules finished (tensor
    outputs only). Nothing of the model changes: no mode, flag or buffer."""
    module, _ = unwrap(model)
    h, w = checks.pair(size, "size")
    names = layer_names(module) or [""]
    blank = torch.zeros(1, 3, h, w, device=model_device(module), dtype=model_dtype(module))
    with torch.no_grad(), frozen(module), capture(module, names, copy=False) as cap:
        module(blank)
    return [(n, t) for n, t in cap.calls if n]


def _spatial(out: torch.Tensor) -> bool:
    return out.dim() == 4 and out.shape[-1] * out.shape[-2] > 1


def find_cam_layer(model: nn.Module | Classifier, size: int | tuple[int, int] = PROBE_SIZE) -> str:
    """Name of the layer CAM methods read by default: the last convolutional block's output
    before the final pooling (Selvaraju et al. 2017 read "the last convolutional layer").

    One :func:`probe` at ``size``; among the modules returning a 4-D tensor with more than
    one position, the one that finished last, leaving out pooling, dropout, flatten and
    identity layers **and any module whose output is a pooling layer's output** (a
    ``Sequential`` ending in a max-pool passes the pooled map on as its own). So a network
    whose convolutional stack ends in a max-pool (VGG, AlexNet) gets the last activation
    before that pool (VGG16: the 14x14 ReLU after its 13th convolution, not the 7x7 pooled
    map), and one that pools only in its head keeps its last block: the stage or container
    itself when its output is that block's (ResNet's ``layer4``, DenseNet's and MobileNet's
    ``features``, Inception-v3's ``Mixed_7c``, GoogLeNet's ``inception5b``,
    EfficientNet-Lite0's ``head``).
    """
    module, _ = unwrap(model)
    calls = probe(module, size)
    pooled = [out for n, out in calls if isinstance(module.get_submodule(n), _POOLS)]
    finished = [n for n, out in calls
                if _spatial(out) and not isinstance(module.get_submodule(n), _PASS_THROUGH)
                and not any(out is p for p in pooled)]
    if not finished:
        raise ValueError("the model has no layer with a spatial output at this size; pass layer= explicitly")
    return finished[-1]


def default_layer(model: nn.Module | Classifier, layer: LayerRef | None = None,
                  size: tuple[int, int] | None = None) -> str:
    """The layer a CAM-style method reads: ``layer`` when given, else the Classifier's
    ``cam_layer``, else the :func:`find_cam_layer` of the bare module, probed at 224 x 224
    pixels, or at ``size`` (the input's) when the model cannot run at 224 (a fixed-size
    network), so a small input keeps the same layer and its small map is reported as such.
    torchvision's ViT and Swin get :func:`cnnviz_lab.token_grid.token_layer`."""
    module, clf = unwrap(model)
    if layer is not None:
        return layer_name(module, layer)
    if clf is not None:
        return clf.cam_layer
    tokens = token_layer(module)   # torchvision ViT and Swin: their own rule
    if tokens is not None:
        return tokens
    try:
        return find_cam_layer(module, PROBE_SIZE)
    except (RuntimeError, ValueError):
        if size is None:
            raise
        return find_cam_layer(module, size)


def cam_layers(model: nn.Module | Classifier, size: int | None = None, max_depth: int = 2
               ) -> list[str]:
    """Layers worth explaining, early to late: the network's blocks (modules at most
    ``max_depth`` dots deep, other than single convolutions, norms, activations and pools)
    whose output is a spatial map, ending with the CAM layer. A container whose output is
    its last block's output (a ``Sequential`` stage) gives way to that block. Networks made
    of plain layers (VGG, AlexNet) get their ReLU outputs instead. One :func:`probe` on a
    blank ``size`` image (default 128 pixels: enough for every layer to stay spatial)."""
    module, _ = unwrap(model)
    size = checks.optional_positive_int(size, "size")
    max_depth = checks.integer(max_depth, "max_depth", minimum=1)
    last = default_layer(model, None, (size or 128,) * 2)
    order = [(n, out) for n, out in probe(module, size or 128) if _spatial(out)]
    blocks: list[str] = []
    seen: list[torch.Tensor] = []
    for name, out in order:
        if name.count(".") >= max_depth or isinstance(module.get_submodule(name), _LEAVES) or name in blocks:
            continue
        if any(out is s for s in seen):   # a stage returning its last block's output
            continue
        blocks.append(name)
        seen.append(out)
    if len(blocks) < 4:   # plain layer stacks: their activations
        blocks = list(dict.fromkeys(n for n, _ in order
                                    if isinstance(module.get_submodule(n), (nn.ReLU, nn.ReLU6))))
    outs = dict(order)
    if last in blocks:
        return blocks[:blocks.index(last) + 1]
    final = outs.get(last)
    return [b for b in blocks if outs[b] is not final] + [last]


def blocks_at(model: nn.Module | Classifier, depths: Sequence[float], size: int | None = None) -> list[str]:
    """The model's own blocks (:func:`cam_layers`) at relative ``depths``: 0 is the first
    block, 1 the CAM layer (EfficientNet-Lite0: 0.6 is ``blocks.10``; ResNet-50: ``layer3.2``).
    For library defaults that must not name one model's layers."""
    blocks = cam_layers(model, size)
    last = len(blocks) - 1
    return [blocks[round(checks.real(d, "depth", minimum=0.0, maximum=1.0) * last)] for d in depths]
