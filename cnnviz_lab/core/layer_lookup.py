"""Layers by name: a model's layer names (optionally of one kind), the module a name or
module stands for, and a module's dotted name. Unknown names list the closest real ones."""

from __future__ import annotations

from typing import Sequence, Union

from torch import nn

from .errors import unknown_name
from .gate import ModelLike, unwrap

LayerRef = Union[str, nn.Module]


KINDS: dict[str, tuple[type, ...]] = {
    "conv": (nn.Conv2d,),
    "relu": (nn.ReLU, nn.ReLU6),
    "activation": (nn.ReLU, nn.ReLU6, nn.LeakyReLU, nn.ELU, nn.SiLU, nn.GELU, nn.Hardswish, nn.Hardsigmoid, nn.Sigmoid, nn.Tanh, nn.Mish),
    "norm": (nn.BatchNorm2d, nn.LayerNorm, nn.GroupNorm),
    "pool": (nn.MaxPool2d, nn.AvgPool2d, nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d),
    "linear": (nn.Linear,),
}


def layer_names(model: ModelLike, kind: str | type | tuple[type, ...] | None = None) -> list[str]:
    """Names of the model's submodules in definition order, optionally of one kind.

    ``kind``: ``"conv"``, ``"relu"``, ``"activation"``, ``"norm"``, ``"pool"``, ``"linear"``,
    or a module class (or tuple of classes).
    """
    module, _ = unwrap(model)
    if isinstance(kind, str):
        if kind not in KINDS:
            raise ValueError(f"unknown layer kind {kind!r}; choose from {', '.join(KINDS)}")
        kind = KINDS[kind]
    elif kind is not None and not (isinstance(kind, type) or (isinstance(kind, tuple) and kind and all(isinstance(k, type) for k in kind))):
        raise TypeError(f"kind must be None, one of {', '.join(repr(k) for k in KINDS)}, a module class or a tuple of them, got {kind!r}")
    return [n for n, m in module.named_modules() if n and (kind is None or isinstance(m, kind))]


def get_layer(model: ModelLike, layer: LayerRef) -> nn.Module:
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
        raise TypeError(
            f"layer must be a layer name (a str such as {example!r}) or a module of the model, "
            f"got {layer!r} ({type(layer).__name__}); see cnnviz_lab.layer_names(model)"
        )
    try:
        return module.get_submodule(layer) if layer else module
    except AttributeError:
        raise unknown_name(f"layer of {type(module).__name__}", layer, layer_names(module), "see cnnviz_lab.layer_names(model)") from None


def layer_name(model: ModelLike, layer: LayerRef) -> str:
    """The dotted name of a layer given by name or module."""
    return layer_names_of(model, [layer])[0]


def layer_names_of(model: ModelLike, layers: Sequence[LayerRef]) -> list[str]:
    """The dotted name of each layer given by name or module, in one walk over the model
    (a module registered under two names gets the first, as ``named_modules`` lists it)."""
    module, _ = unwrap(model)
    first = {}
    for name, m in module.named_modules():
        first.setdefault(id(m), name)
    return [first[id(get_layer(module, layer))] for layer in layers]


__all__ = ["KINDS", "LayerRef", "get_layer", "layer_name", "layer_names", "layer_names_of"]
