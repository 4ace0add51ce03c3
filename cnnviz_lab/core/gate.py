"""What every family shares: the model's state, the input gate, one batched backward, one blur.

- :func:`frozen`: every forward pass and probe of the package runs inside it (eval mode,
  no parameter gradients, BatchNorm statistics untouched; modes and flags restored).
- The input gate: :func:`prepare_input` checks and copies ``x``, :func:`resolve_targets`
  checks and resolves ``target``; keyword checks live in :mod:`cnnviz_lab.checks`. Every
  error is a ``ValueError`` or ``TypeError`` naming the argument, the value and what is
  accepted.
- :func:`batched_vjp`: K gradients of K scores as one batched backward pass.
- :func:`gaussian_blur`: the one Gaussian blur (occlusion's and insertion's blurred fill,
  DeepDream's gradient smoothing, the ``blur`` regulariser of feature visualisation).

This module imports nothing from the attribution or optimisation families, so both use it.
"""

from __future__ import annotations

import math
import numbers
import warnings
from contextlib import contextmanager
from typing import Any, Iterator, Protocol, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .errors import OutOfRangeError
from .outputs import Objective, class_logits, class_output

Target = Any  # None | int | str | Sequence[int | str] | (N,K) array or tensor | callable


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
        raise TypeError(f"frozen needs a model (an nn.Module or a Classifier), got {module!r:.60} "
                        f"({type(module).__name__})")
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


# --- the input gate -----------------------------------------------------------------------
class Classifier(Protocol):
    """What the gate needs of a :class:`cnnviz_lab.classifier.Classifier`: class names."""

    def class_index(self, name: str | int) -> int: ...

def _input_channels(module: nn.Module) -> int | None:
    for m in module.modules():
        if isinstance(m, nn.Conv2d):
            return m.in_channels
    return None


def check_batch(x: Any, name: str = "x", channels: int | None = None) -> torch.Tensor:
    """The gate's checks of an image batch, for functions that take images without a model:
    ``x`` as an ``(N,C,H,W)`` tensor (the caller's own storage: a ``(C,H,W)`` image becomes a
    view of shape ``(1,C,H,W)``; copy it before writing).

    Checked: ``x`` is a tensor; ``(N,C,H,W)`` with ``N >= 1`` and ``H, W >= 1`` (one
    ``(C,H,W)`` image is taken as a batch of one, ``N = 1``); ``C == channels`` when given;
    floating point (a ``uint8`` tensor looks like raw pixels and is refused, as is every
    other dtype); every value finite (no NaN or inf).
    """
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} must be a preprocessed (N,3,H,W) float tensor, got {type(x).__name__}; "
                        "turn an image into one with clf.preprocess(image)")
    if x.dim() == 3:
        x = x.unsqueeze(0)
    if x.dim() != 4:
        raise ValueError(f"{name} must have shape (N,3,H,W) (or (3,H,W) for one image), got "
                         f"{tuple(x.shape)}")
    n, c, h, w = x.shape
    if n == 0:
        raise ValueError(f"{name} is an empty batch, shape {tuple(x.shape)}: pass at least one image")
    if h == 0 or w == 0:
        raise ValueError(f"{name} has no pixels, shape {tuple(x.shape)}")
    if channels is not None and c != channels:
        raise ValueError(f"{name} has {c} channels (shape {tuple(x.shape)}) but the model's first "
                         f"convolution takes {channels}: pass (N,{channels},H,W)")
    if x.dtype == torch.uint8:
        raise TypeError(f"{name} is a uint8 tensor: it looks like raw pixels (0..255), not a model input. "
                        "Use clf.preprocess(image) to resize and normalise it")
    if not x.is_floating_point():
        raise TypeError(f"{name} must be a floating-point tensor (a preprocessed image), got dtype "
                        f"{x.dtype}; use clf.preprocess(image)")
    _finite(x.detach(), name)
    return x


def _finite(x: torch.Tensor, name: str) -> None:
    bad = ~torch.isfinite(x)
    if bool(bad.any()):
        raise ValueError(f"{name} contains {int(bad.sum())} NaN or infinite values: every pixel of a "
                         "model input must be finite")


def prepare_input(module: nn.Module, x: Any, name: str = "x") -> torch.Tensor:
    """The gate for an input batch: a fresh, detached ``(N,C,H,W)`` copy of ``x`` on the
    model's device in the model's floating dtype (the caller's tensor is never shared, so
    a model that works in place on its input cannot change it).

    Checked as :func:`check_batch` says, with ``C`` the channels of the model's first
    convolution (3 for every ImageNet model); any float dtype is cast to the model's (and
    must stay finite there).
    """
    x = check_batch(x, name, _input_channels(module))
    with torch.inference_mode(False):   # an inference tensor becomes an ordinary copy
        out = x.detach().to(device=model_device(module), dtype=model_dtype(module), copy=True)
    if out.dtype != x.dtype:
        _finite(out, name)
    return out


def _class_id(value: Any, classifier: Classifier | None, name: str) -> int:
    if isinstance(value, (torch.Tensor, np.ndarray)) and value.ndim == 0:
        as_int = _integer_tensor(value, name)
        if as_int is not None:
            return int(as_int)
        value = value.item()
    if isinstance(value, str):
        if classifier is None:
            raise TypeError(f"{name}: class name {value!r} needs a Classifier (load_model or wrap_model); "
                            "with a bare nn.Module pass class indices")
        try:
            return classifier.class_index(value)
        except ValueError as err:   # an unknown name: say which argument held it
            raise type(err)(f"{name}: {err}") from None
    if isinstance(value, (numbers.Integral, np.integer)) and not isinstance(value, (bool, np.bool_)):
        return int(value)
    raise TypeError(f"{name} must hold class indices (ints) or class names, got {value!r} "
                    f"({type(value).__name__})")


def _integer_tensor(target: torch.Tensor | np.ndarray, name: str) -> torch.Tensor | None:
    """An integer array as a long tensor; None for arrays of names (numpy strings/objects)."""
    if isinstance(target, np.ndarray):
        if target.dtype.kind in "OUS":
            return None
        if target.dtype.kind not in "iu":
            raise TypeError(f"{name} must hold class indices (ints), got an array of dtype {target.dtype}: "
                            f"{target.tolist()!r}")
        return torch.from_numpy(np.ascontiguousarray(target)).long()
    if target.is_floating_point() or target.is_complex() or target.dtype == torch.bool:
        raise TypeError(f"{name} must hold class indices (ints), got a {target.dtype} tensor: "
                        f"{target.tolist()!r}")
    return target.detach().long()


def resolve_targets(target: Target, logits: torch.Tensor, classifier: Classifier | None = None,
                    name: str = "target") -> tuple[torch.Tensor, bool]:
    """The gate for ``target``: an ``(N,K)`` long tensor on ``logits``' device, and whether one
    class per image was asked for (then callers drop the K axis).

    ``logits`` is the model's ``(N, classes)`` output (only its shape and, for ``None``, its
    argmax are used): ``None`` is each image's top-1; an ``int`` or a class name (Classifier
    only) is that class for every image; a length-N sequence or 1-D tensor one class per
    image; an ``(N,K)`` sequence, array or tensor K classes per image. Floats (``1.7``,
    ``torch.tensor([1.7])``), booleans and indices outside ``0..classes-1`` are refused.
    """
    if isinstance(target, Objective):
        if target.ids is None:
            raise TypeError(f"{name}: this function takes class targets (None, an int, a name, N classes or "
                            "an (N,K) table), not a callable target")
        return target.ids.to(_device_of(logits)), target.squeeze
    if _is_callable_target(target):
        raise TypeError(f"{name}: this function takes class targets (None, an int, a name, N classes or an "
                        f"(N,K) table), not the callable {target!r:.60}")
    logits = class_logits(logits, name)
    n, classes = logits.shape[0], logits.shape[1]
    if target is None:
        return logits.argmax(dim=1, keepdim=True), True
    ids: torch.Tensor | None = None
    if isinstance(target, (torch.Tensor, np.ndarray)):
        ids = _integer_tensor(target, name)
        if ids is None:
            target = target.tolist()
        elif ids.dim() == 0:
            ids, squeeze = ids.reshape(1, 1).expand(n, 1), True
        elif ids.dim() == 1:
            if ids.shape[0] != n:
                raise ValueError(f"{name}: a sequence needs one class per image ({n}), got {ids.shape[0]}; "
                                 "for several classes per image pass an (N,K) array")
            ids, squeeze = ids[:, None], True
        elif ids.dim() == 2:
            if ids.shape[0] != n:
                raise ValueError(f"{name}: an (N,K) target needs N={n} rows, got {ids.shape[0]}")
            squeeze = False
        else:
            raise ValueError(f"{name} must be an int, a name, N classes or an (N,K) array; got shape "
                             f"{tuple(ids.shape)}")
    if ids is None:
        if isinstance(target, (str, numbers.Number, np.generic)):
            ids, squeeze = torch.tensor([[_class_id(target, classifier, name)]]).expand(n, 1), True
        elif isinstance(target, Sequence) or hasattr(target, "__iter__"):
            rows = list(target)
            nested = bool(rows) and not isinstance(rows[0], str) and \
                isinstance(rows[0], (Sequence, np.ndarray, torch.Tensor)) and getattr(rows[0], "ndim", 1) > 0
            if len(rows) != n:
                what = f"an (N,K) target needs N={n} rows" if nested else \
                    f"a sequence needs one class per image ({n})"
                raise ValueError(f"{name}: {what}, got {len(rows)}")
            if nested:
                table = [[_class_id(v, classifier, name) for v in list(row)] for row in rows]
                if len({len(r) for r in table}) != 1:
                    raise ValueError(f"{name}: every image needs the same number K of target classes")
                ids, squeeze = torch.tensor(table, dtype=torch.long), False
            else:
                ids = torch.tensor([[_class_id(v, classifier, name)] for v in rows], dtype=torch.long)
                squeeze = True
        else:
            raise TypeError(f"{name} must be None, an int, a class name, N classes or an (N,K) array; "
                            f"got {type(target).__name__}")
    if ids.shape[1] == 0:
        raise ValueError(f"{name}: an (N,K) target needs at least one class per image (K >= 1)")
    ids = ids.to(logits.device, torch.long)
    wrong = (ids < 0) | (ids >= classes)
    if bool(wrong.any()):
        bad = int(ids[wrong][0])
        raise OutOfRangeError(f"{name}: class {bad} is out of range: the model has {classes} classes "
                              f"(0..{classes - 1})")
    return ids, squeeze


def _device_of(output: Any) -> torch.device:
    if isinstance(output, torch.Tensor):
        return output.device
    return class_output(output).device


def _is_callable_target(target: Any) -> bool:
    return callable(target) and not isinstance(target, (torch.Tensor, np.ndarray, str, type))


def check_unit_range(x: torch.Tensor, name: str, hint: str) -> None:
    """Refuse an image batch with values outside [0, 1] (RGB images expected), saying why."""
    lo, hi = float(x.detach().min()), float(x.detach().max())
    if lo < 0 or hi > 1:
        raise ValueError(f"{name} must be RGB images in [0, 1], got values from {lo:.3g} to {hi:.3g}; {hint}")


def class_labels(labels: Any, n: int, classes: int | None = None, name: str = "labels") -> torch.Tensor:
    """The gate for ``labels``, one class index per image: an ``(n,)`` long CPU tensor from a
    sequence, array or tensor of ints, each in ``0..classes-1`` when ``classes`` is given.
    A wrong length is a ``ValueError``; floats, booleans, names or other types a ``TypeError``."""
    what = f"one class index (int) per image, a sequence or 1-D tensor of length {n}"
    if isinstance(labels, (torch.Tensor, np.ndarray)):
        if tuple(labels.shape) != (n,):
            raise ValueError(f"{name} must be {what}, got shape {tuple(labels.shape)}")
        ids = _integer_tensor(labels, name)
        if ids is None:
            raise TypeError(f"{name} must be {what}, got an array of {labels.dtype}")
    elif isinstance(labels, (str, bytes)) or not isinstance(labels, Sequence):
        raise TypeError(f"{name} must be {what}, got {labels!r:.60} ({type(labels).__name__})")
    else:
        if len(labels) != n:
            raise ValueError(f"{name} must be {what}, got {len(labels)} values")
        bad = [v for v in labels if isinstance(v, (bool, np.bool_)) or not isinstance(v, (numbers.Integral, np.integer))]
        if bad:
            raise TypeError(f"{name} must be {what}, got {bad[0]!r:.40} ({type(bad[0]).__name__}) among them")
        ids = torch.tensor([int(v) for v in labels], dtype=torch.long)
    ids = ids.detach().cpu().long()
    if classes is not None and n and bool(((ids < 0) | (ids >= classes)).any()):
        wrong = int(ids[(ids < 0) | (ids >= classes)][0])
        raise OutOfRangeError(f"{name}: class {wrong} is out of range: the model has {classes} classes "
                              f"(0..{classes - 1})")
    return ids


# --- one batched backward pass ------------------------------------------------------------
class BatchedBackwardWarning(RuntimeWarning):
    """The batched backward pass could not run through some operation of the model, so the K
    gradients were computed with K backward passes (same result, slower)."""


def batched_vjp(scores: torch.Tensor, inputs: torch.Tensor, batched: bool = True) -> torch.Tensor:
    """Gradients of each column of ``scores`` (N,K) with respect to ``inputs`` (N,...):
    ``(N,K,...)``, i.e. ``out[n, k] = d scores[n, k] / d inputs[n]``.

    Row n of ``scores`` must depend on row n of ``inputs`` only (true for a network in eval
    mode), so column k's gradient for all N images is one backward pass, and the K columns
    are one batched backward (``torch.autograd.grad(..., is_grads_batched=True)``, vmap over
    one-hot grad outputs). Where vmap cannot run through some operation of the graph it
    falls back to one backward pass per column, same result, and says so with a
    :class:`BatchedBackwardWarning`; ``batched=False`` takes that path on purpose.
    """
    n, k = scores.shape
    if k == 1:
        (g,) = torch.autograd.grad(scores.sum(), inputs)
        return g.unsqueeze(1)
    if batched:
        onehot = torch.eye(k, device=scores.device, dtype=scores.dtype)[:, None, :].expand(k, n, k)
        try:
            (g,) = torch.autograd.grad(scores, inputs, grad_outputs=onehot.contiguous(),
                                       is_grads_batched=True, retain_graph=True)
            return g.transpose(0, 1)
        except (RuntimeError, NotImplementedError) as err:
            warnings.warn(f"the batched backward pass failed ({str(err).splitlines()[0][:160]}); "
                          f"computing the {k} gradients with {k} backward passes instead",
                          BatchedBackwardWarning, stacklevel=2)
    grads = []
    for j in range(k):
        (g,) = torch.autograd.grad(scores[:, j].sum(), inputs, retain_graph=j < k - 1)
        grads.append(g)
    return torch.stack(grads, dim=1)


# --- one blur -------------------------------------------------------------------------------
def gaussian_blur(x: torch.Tensor, sigma: float) -> torch.Tensor:
    """A Gaussian-blurred copy of an ``(N,C,H,W)`` batch: separable kernel of radius
    ``ceil(3 sigma)`` (cut to what the image allows), reflect padding, size kept. ``sigma <= 0``
    gives an unblurred copy."""
    if sigma <= 0:
        return x.clone()
    radius = min(max(1, int(math.ceil(3 * sigma))), x.shape[-1] - 1, x.shape[-2] - 1)
    if radius < 1:
        return x.clone()
    t = torch.arange(-radius, radius + 1, device=x.device, dtype=x.dtype)
    k = torch.exp(-0.5 * (t / sigma) ** 2)
    k = k / k.sum()
    c = x.shape[1]
    out = F.pad(x, (radius, radius, radius, radius), mode="reflect")
    out = F.conv2d(out, k.view(1, 1, 1, -1).expand(c, 1, 1, -1), groups=c)
    return F.conv2d(out, k.view(1, 1, -1, 1).expand(c, 1, -1, 1), groups=c)


__all__ = ["BatchedBackwardWarning", "Target", "autograd_on", "batched_vjp", "check_batch", "check_unit_range", "class_labels", "evaluating", "frozen",
           "frozen_forward", "gaussian_blur", "model_device", "model_dtype", "prepare_input", "resolve_targets"]
