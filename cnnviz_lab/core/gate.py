"""The input gate: every public function passes its ``model``, ``x`` and ``target`` through it.

- :func:`unwrap` resolves the model once: a :class:`~cnnviz_lab.models.Classifier` (or
  anything shaped like one, :class:`Wrapped`) gives its ``.model``, a bare ``nn.Module``
  stays itself; the resolved module is what the rest of the call uses.
- :func:`prepare_input` checks and copies ``x``, :func:`resolve_targets` checks and resolves
  ``target``; keyword checks live in :mod:`cnnviz_lab.core.checks`. Every error is a
  ``ValueError`` or ``TypeError`` naming the argument, the value and what is accepted.

Part of :mod:`cnnviz_lab.core`: it imports nothing from the model loaders, the method families
or the front ends, so all of them use it.
"""

from __future__ import annotations

import numbers
from typing import Any, Protocol, Sequence, Union, runtime_checkable

import numpy as np
import torch
from torch import nn

from .errors import OutOfRangeError
from .outputs import Objective, class_logits, class_output
from .state import model_device, model_dtype

Target = Any  # None | int | str | Sequence[int | str] | (N,K) array or tensor | callable


# --- the model ----------------------------------------------------------------------------
@runtime_checkable
class Wrapped(Protocol):
    """What the mechanics read of a :class:`cnnviz_lab.models.Classifier` (the core does not
    import the model loaders): the network, its CAM layer, class names, and the map from
    [0, 1] RGB into its input space."""

    model: nn.Module
    cam_layer: str

    def class_index(self, name: str | int) -> int: ...

    def from_unit(self, x: torch.Tensor) -> torch.Tensor: ...


ModelLike = Union[nn.Module, Wrapped]


def unwrap(model: ModelLike) -> tuple[nn.Module, Wrapped | None]:
    """``(module, classifier)`` from either a ``Classifier`` or a bare ``nn.Module``."""
    if isinstance(model, nn.Module):
        return model, None
    if isinstance(model, Wrapped) and isinstance(getattr(model, "model", None), nn.Module):
        return model.model, model
    raise TypeError(f"expected an nn.Module or a cnnviz_lab Classifier, got {type(model).__name__}")


# --- the input ----------------------------------------------------------------------------
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
        raise TypeError(f"{name} must be a preprocessed (N,3,H,W) float tensor, got {type(x).__name__}; turn an image into one with clf.preprocess(image)")
    if x.dim() == 3:
        x = x.unsqueeze(0)
    if x.dim() != 4:
        raise ValueError(f"{name} must have shape (N,3,H,W) (or (3,H,W) for one image), got {tuple(x.shape)}")
    n, c, h, w = x.shape
    if n == 0:
        raise ValueError(f"{name} is an empty batch, shape {tuple(x.shape)}: pass at least one image")
    if h == 0 or w == 0:
        raise ValueError(f"{name} has no pixels, shape {tuple(x.shape)}")
    if channels is not None and c != channels:
        raise ValueError(f"{name} has {c} channels (shape {tuple(x.shape)}) but the model's first convolution takes {channels}: pass (N,{channels},H,W)")
    if x.dtype == torch.uint8:
        raise TypeError(f"{name} is a uint8 tensor: it looks like raw pixels (0..255), not a model input. Use clf.preprocess(image) to resize and normalise it")
    if not x.is_floating_point():
        raise TypeError(f"{name} must be a floating-point tensor (a preprocessed image), got dtype {x.dtype}; use clf.preprocess(image)")
    _finite(x.detach(), name)
    return x


def _finite(x: torch.Tensor, name: str) -> None:
    bad = ~torch.isfinite(x)
    if bool(bad.any()):
        raise ValueError(f"{name} contains {int(bad.sum())} NaN or infinite values: every pixel of a model input must be finite")


def _fixed_side(module: nn.Module) -> int | None:
    """The one image side a model accepts, where it has one: torchvision's
    ``VisionTransformer`` reads exactly ``image_size x image_size`` images (its position
    embeddings are fixed). ``None`` for every model that takes any size."""
    if type(module).__name__ == "VisionTransformer" and type(module).__module__.startswith("torchvision."):
        side = getattr(module, "image_size", None)
        return side if isinstance(side, int) else None
    return None


def prepare_input(module: nn.Module, x: Any, name: str = "x") -> torch.Tensor:
    """The gate for an input batch: a fresh, detached ``(N,C,H,W)`` copy of ``x`` on the
    model's device in the model's floating dtype (the caller's tensor is never shared, so
    a model that works in place on its input cannot change it).

    Checked as :func:`check_batch` says, with ``C`` the channels of the model's first
    convolution (3 for every ImageNet model); any float dtype is cast to the model's (and
    must stay finite there). A model that reads one image size only (torchvision's
    ``VisionTransformer``) gets one ``ValueError`` naming ``x`` for any other size, not
    torch's assertion from inside its forward.
    """
    x = check_batch(x, name, _input_channels(module))
    side = _fixed_side(module)
    if side is not None and tuple(x.shape[-2:]) != (side, side):
        raise ValueError(
            f"{name}: this VisionTransformer reads {side}x{side} images, got {x.shape[-2]}x{x.shape[-1]}: resize {name} to {side}x{side} (clf.preprocess does)"
        )
    with torch.inference_mode(False):  # an inference tensor becomes an ordinary copy
        out = x.detach().to(device=model_device(module), dtype=model_dtype(module), copy=True)
    if out.dtype != x.dtype:
        _finite(out, name)
    return out


def _class_id(value: Any, classifier: Wrapped | None, name: str) -> int:
    if isinstance(value, (torch.Tensor, np.ndarray)) and value.ndim == 0:
        as_int = _integer_tensor(value, name)
        if as_int is not None:
            return int(as_int)
        value = value.item()
    if isinstance(value, str):
        if classifier is None:
            raise TypeError(f"{name}: class name {value!r} needs a Classifier (load_model or wrap_model); with a bare nn.Module pass class indices")
        try:
            return classifier.class_index(value)
        except ValueError as err:  # an unknown name: say which argument held it
            raise type(err)(f"{name}: {err}") from None
    if isinstance(value, (numbers.Integral, np.integer)) and not isinstance(value, (bool, np.bool_)):
        return int(value)
    raise TypeError(f"{name} must hold class indices (ints) or class names, got {value!r} ({type(value).__name__})")


def _integer_tensor(target: torch.Tensor | np.ndarray, name: str) -> torch.Tensor | None:
    """An integer array as a long tensor; None for arrays of names (numpy strings/objects)."""
    if isinstance(target, np.ndarray):
        if target.dtype.kind in "OUS":
            return None
        if target.dtype.kind not in "iu":
            raise TypeError(f"{name} must hold class indices (ints), got an array of dtype {target.dtype}: {target.tolist()!r}")
        return torch.from_numpy(np.ascontiguousarray(target)).long()
    if target.is_floating_point() or target.is_complex() or target.dtype == torch.bool:
        raise TypeError(f"{name} must hold class indices (ints), got a {target.dtype} tensor: {target.tolist()!r}")
    return target.detach().long()


def resolve_targets(target: Target, logits: torch.Tensor, classifier: Wrapped | None = None, name: str = "target") -> tuple[torch.Tensor, bool]:
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
            raise TypeError(f"{name}: this function takes class targets (None, an int, a name, N classes or an (N,K) table), not a callable target")
        return target.ids.to(_device_of(logits)), target.squeeze
    if _is_callable_target(target):
        raise TypeError(f"{name}: this function takes class targets (None, an int, a name, N classes or an (N,K) table), not the callable {target!r:.60}")
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
                raise ValueError(f"{name}: a sequence needs one class per image ({n}), got {ids.shape[0]}; for several classes per image pass an (N,K) array")
            ids, squeeze = ids[:, None], True
        elif ids.dim() == 2:
            if ids.shape[0] != n:
                raise ValueError(f"{name}: an (N,K) target needs N={n} rows, got {ids.shape[0]}")
            squeeze = False
        else:
            raise ValueError(f"{name} must be an int, a name, N classes or an (N,K) array; got shape {tuple(ids.shape)}")
    if ids is None:
        if isinstance(target, (str, numbers.Number, np.generic)):
            ids, squeeze = torch.tensor([[_class_id(target, classifier, name)]]).expand(n, 1), True
        elif isinstance(target, Sequence) or hasattr(target, "__iter__"):
            rows = list(target)
            nested = (
                bool(rows) and not isinstance(rows[0], str) and isinstance(rows[0], (Sequence, np.ndarray, torch.Tensor)) and getattr(rows[0], "ndim", 1) > 0
            )
            if len(rows) != n:
                what = f"an (N,K) target needs N={n} rows" if nested else f"a sequence needs one class per image ({n})"
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
            raise TypeError(f"{name} must be None, an int, a class name, N classes or an (N,K) array; got {type(target).__name__}")
    if ids.shape[1] == 0:
        raise ValueError(f"{name}: an (N,K) target needs at least one class per image (K >= 1)")
    ids = ids.to(logits.device, torch.long)
    wrong = (ids < 0) | (ids >= classes)
    if bool(wrong.any()):
        bad = int(ids[wrong][0])
        raise OutOfRangeError(f"{name}: class {bad} is out of range: the model has {classes} classes (0..{classes - 1})")
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
        raise OutOfRangeError(f"{name}: class {wrong} is out of range: the model has {classes} classes (0..{classes - 1})")
    return ids


__all__ = ["ModelLike", "Target", "Wrapped", "check_batch", "check_unit_range", "class_labels", "prepare_input", "resolve_targets", "unwrap"]
