"""The model's state while the package runs it: eval mode and frozen parameters, its device
and dtype, the one frozen forward, and autograd switched on whatever the caller's mode.

- :func:`frozen`: every forward pass and probe of the package runs inside it (eval mode,
  no parameter gradients, BatchNorm statistics untouched; modes and flags restored).
- :func:`frozen_forward`: the one way the package probes a model (no autograd, a copy of ``x``).
- :func:`autograd_on`: gradients recorded even under ``torch.no_grad()`` / ``inference_mode()``.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator

import torch
from torch import nn


# --- model state ------------------------------------------------------------------------
@contextmanager
def evaluating(module: nn.Module) -> Iterator[nn.Module]:
    """Eval mode inside the block (BatchNorm uses and keeps its running statistics, dropout
    is off); every submodule's training flag is restored afterwards, exceptions included."""
    modes = [(m, m.training) for m in module.modules()]
    try:
        module.eval()
        yield module
    finally:
        for m, mode in modes:
            m.training = mode


@contextmanager
def frozen(module: nn.Module) -> Iterator[nn.Module]:
    """Eval mode and ``requires_grad=False`` on every parameter inside the block; each
    module's training flag and each parameter's ``requires_grad`` are restored afterwards,
    exceptions included. No parameter ``.grad`` can be filled and no buffer (BatchNorm's
    running statistics, ``num_batches_tracked``) changes inside: a model in train mode is
    explained exactly as the same model in eval mode. A Classifier stands for its ``.model``."""
    module = getattr(module, "model", module) if not isinstance(module, nn.Module) else module
    if not isinstance(module, nn.Module):
        raise TypeError(f"frozen needs a model (an nn.Module or a Classifier), got {module!r:.60} ({type(module).__name__})")
    flags = [(p, p.requires_grad) for p in module.parameters()]
    try:
        with evaluating(module):
            for p, _ in flags:
                p.requires_grad_(False)
            yield module
    finally:
        for p, flag in flags:
            p.requires_grad_(flag)


def model_device(module: nn.Module) -> torch.device:
    """Device of the module's first parameter or buffer (CPU for a stateless module)."""
    for t in module.parameters():
        return t.device
    for t in module.buffers():
        return t.device
    return torch.device("cpu")


def model_dtype(module: nn.Module) -> torch.dtype:
    """Floating dtype of the module's first floating parameter or buffer (else float32)."""
    for t in list(module.parameters()) + list(module.buffers()):
        if t.is_floating_point():
            return t.dtype
    return torch.float32


def frozen_forward(module: nn.Module, x: torch.Tensor) -> Any:
    """``module(x)`` without autograd, inside :func:`frozen`: the one way the package probes.
    The model gets a copy of ``x`` (a model that writes its input in place cannot change
    ``x``, which the caller goes on using). Returns the model's raw output."""
    with torch.no_grad(), frozen(module):
        return module(x.clone())


@contextmanager
def autograd_on() -> Iterator[None]:
    """Autograd recording inside the block whatever the caller's mode: gradients enabled and
    inference mode off (a call made under ``torch.no_grad()`` or ``torch.inference_mode()``
    still differentiates); both modes are the caller's again after the block, errors included."""
    with torch.inference_mode(False), torch.enable_grad():
        yield


__all__ = ["autograd_on", "evaluating", "frozen", "frozen_forward", "model_device", "model_dtype"]
