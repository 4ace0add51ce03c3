"""The model's output: which tensor class targets refer to, and the resolved target.

**The output rule** (:func:`class_output`). Integer and name targets (``target=3``,
``target="tabby"``) refer to the model's *class output*, picked from whatever ``forward``
returns:

1. a tensor is the class output;
2. a mapping (a dict, a Hugging Face ``ModelOutput``) gives its ``"logits"`` entry, else its
   ``"out"`` entry (torchvision's segmentation models), else its only tensor value;
3. an object with a tensor attribute ``.logits`` (Hugging Face outputs, torchvision's
   ``InceptionOutputs`` and ``GoogLeNetOutputs``) gives that attribute;
4. a tuple or list whose first element is a tensor gives that element (Inception's
   ``(logits, aux)``, Hugging Face's ``return_dict=False``).

Anything else (a detector's list of dicts, a dict with several tensors and neither key)
is ambiguous and raises one ``TypeError`` that says to pass a callable target
(:mod:`cnnviz_lab.core.targets`).

:class:`Objective` is a target after the gate (:func:`cnnviz_lab.core.scoring.resolve_objective`):
class indices or a callable, for a batch of N images, K scores each.
"""

from __future__ import annotations

import copy
from typing import Any, Mapping

import torch

__all__ = ["CALLABLE_HINT", "Objective", "ScoreTarget", "checked_scores", "class_logits", "class_output", "describe_output", "output_batch", "tensors_of"]

CALLABLE_HINT = (
    "pass target= a callable that takes the model's output and returns one score per image "
    "(N,), e.g. cv.targets.segmentation(cls), cv.targets.box(box) or "
    "lambda out: out['logits'][:, 3]"
)


def describe_output(output: Any) -> str:
    """A short description of a model output for error messages (``dict with keys ...``)."""
    if isinstance(output, torch.Tensor):
        return f"a tensor of shape {tuple(output.shape)}"
    if isinstance(output, Mapping):
        return f"a {type(output).__name__} with keys {list(output)[:6]}"
    if isinstance(output, (list, tuple)):
        inner = describe_output(output[0]) if output else "nothing"
        return f"a {type(output).__name__} of {len(output)} ({inner} first)"
    return f"a {type(output).__name__}"


def class_output(output: Any) -> torch.Tensor:
    """The class output of a model's raw ``output`` by the rule of the module docstring
    (tensor; mapping's ``"logits"``/``"out"``/only tensor; ``.logits``; first element of a
    tuple or list). An ambiguous output raises ``TypeError`` saying how to pass a callable."""
    if isinstance(output, torch.Tensor):
        return output
    if isinstance(output, Mapping):
        for key in ("logits", "out"):
            if isinstance(output.get(key), torch.Tensor):
                return output[key]
        tensors = [v for v in output.values() if isinstance(v, torch.Tensor)]
        if len(tensors) == 1:
            return tensors[0]
    elif isinstance(getattr(output, "logits", None), torch.Tensor):
        return output.logits
    elif isinstance(output, (tuple, list)) and output and isinstance(output[0], torch.Tensor):
        return output[0]
    raise TypeError(
        f"target: the model returns {describe_output(output)}, and no one tensor of it is the "
        f"class output (a tensor, a 'logits' or 'out' entry, a .logits attribute, or the first "
        f"element of a tuple); {CALLABLE_HINT}"
    )


def class_logits(output: Any, name: str = "target") -> torch.Tensor:
    """The ``(N, classes)`` tensor that integer and name targets refer to: the class output of
    the model's raw ``output`` (:func:`cnnviz_lab.core.outputs.class_output`, the one rule for
    dicts, ``.logits`` objects and tuples), which must be 2-D; anything else raises one
    ``TypeError`` that says how to pass a callable target instead."""
    logits = class_output(output)
    if logits.dim() == 2 and logits.shape[1] >= 1:
        return logits
    if logits.dim() == 4:
        raise TypeError(
            f"{name}: the model outputs per-pixel class scores ({describe_output(output)}), so a "
            "class index says nothing about which pixels: pass target=cv.targets.segmentation(cls) "
            "(the class's summed logit over its predicted pixels, or over a mask)"
        )
    raise TypeError(f"{name}: class targets need an (N, classes) output, the model gives {describe_output(output)}; {CALLABLE_HINT}")


class ScoreTarget:
    """Base of the ready-made targets: ``target(output)`` gives ``(N,)`` or ``(N,K)`` scores
    from the model's raw output, and :meth:`select` the same target for some images of the
    batch (the package calls it when it runs perturbed copies of image ``i``: each copy is
    scored with image ``i``'s class, mask, box or reference)."""

    #: attributes that may hold one value per image (first axis = image)
    per_image: tuple[str, ...] = ()

    def __call__(self, output: Any) -> torch.Tensor:  # pragma: no cover - abstract
        raise NotImplementedError

    def batched(self, name: str) -> bool:
        """Whether attribute ``name`` holds one value per image (see each target)."""
        return False

    def select(self, rows: torch.Tensor) -> "ScoreTarget":
        """The target for images ``rows`` (a ``(B,)`` index tensor) of the batch it was made for."""
        new = copy.copy(self)
        for name in self.per_image:
            value = getattr(self, name)
            if isinstance(value, torch.Tensor) and self.batched(name):
                setattr(new, name, value[rows.to(value.device)])
        return new

    def _rows(self, n: int, name: str) -> None:
        value = getattr(self, name)
        if isinstance(value, torch.Tensor) and self.batched(name) and value.shape[0] != n:
            raise ValueError(f"target: {type(self).__name__} holds {value.shape[0]} {name} (one per image) but the batch has {n} images")


class Objective:
    """A checked target: what one explanation differentiates or measures, for a batch of
    ``n`` images, ``k`` scores per image (``squeeze``: one was asked for, drop the K axis).

    Either class indices ``ids`` ``(n,K)`` read from the class output (:func:`class_logits`),
    or a callable ``fn`` on the raw output. :meth:`scores` gives the ``(B,K)`` scores of a
    forward pass, :meth:`select` the objective for some images of the batch (perturbed
    copies of image ``i`` are scored with image ``i``'s targets). An ``Objective`` is itself
    a valid ``target=``: methods that combine others hand it on unchanged."""

    def __init__(self, n: int, k: int, squeeze: bool, ids: torch.Tensor | None = None, fn: Any = None) -> None:
        self.n, self.k, self.squeeze, self.ids, self.fn = n, k, squeeze, ids, fn

    def __repr__(self) -> str:
        what = f"classes {self.ids.tolist()}" if self.ids is not None else repr(self.fn)
        return f"Objective({what}, k={self.k})"

    def select(self, rows: torch.Tensor) -> "Objective":
        """The objective of images ``rows`` (a ``(B,)`` index tensor, repeats allowed)."""
        if self.ids is not None:
            return Objective(len(rows), self.k, self.squeeze, ids=self.ids[rows.to(self.ids.device)])
        fn = self.fn.select(rows) if isinstance(self.fn, ScoreTarget) else self.fn
        return Objective(len(rows), self.k, self.squeeze, fn=fn)

    def scores(self, output: Any, reader: str | None = None, name: str = "target") -> torch.Tensor:
        """``(B,K)`` scores of a forward pass's raw ``output``. ``reader`` (class targets only):
        ``None`` the class output as it is (gradients flow), ``"logit"`` it in float32,
        ``"prob"`` its softmax probabilities."""
        if self.fn is not None:
            return checked_scores(self.fn(output), self.n, name, self.k)
        logits = class_logits(output, name)
        if reader == "prob":
            logits = logits.float().softmax(dim=1)
        elif reader == "logit":
            logits = logits.float()
        ids = self.ids.to(logits.device)
        if ids.is_inference():  # resolved under the caller's torch.inference_mode
            ids = ids.clone()
        return logits.gather(1, ids)


def checked_scores(scores: Any, n: int, name: str = "target", k: int | None = None) -> torch.Tensor:
    """A callable target's value as ``(n,K)``: it must be a float tensor of shape ``(n,)`` or
    ``(n,K)`` (and ``K == k`` when given)."""
    what = f"one score per image ({n},) or K per image ({n},K)"
    if not isinstance(scores, torch.Tensor):
        raise TypeError(f"{name}: the callable target must return a tensor, {what}; got {type(scores).__name__} (keep it a tensor: no .item(), no numpy)")
    if not scores.is_floating_point():
        raise TypeError(f"{name}: the callable target must return float scores, got dtype {scores.dtype}")
    if scores.dim() not in (1, 2) or scores.shape[0] != n or (scores.dim() == 2 and scores.shape[1] == 0):
        raise ValueError(f"{name}: the callable target must return {what}, got shape {tuple(scores.shape)}")
    scores = scores.view(n, -1)
    if k is not None and scores.shape[1] != k:
        raise ValueError(
            f"{name}: the callable target returned {scores.shape[1]} scores per image here and {k} on the clean images; it must return the same K every time"
        )
    return scores


def output_batch(output: Any) -> int:
    """How many images a raw model output holds (a detector's list: its length)."""
    if isinstance(output, torch.Tensor):
        return output.shape[0]
    if isinstance(output, (list, tuple)) and output and isinstance(output[0], Mapping):
        return len(output)
    try:
        return class_output(output).shape[0]
    except TypeError:
        found = [t for t in tensors_of(output) if t.dim() >= 1]
        if not found:
            raise
        return found[0].shape[0]


def tensors_of(output: Any) -> list[torch.Tensor]:
    """Every tensor in a model output (a tensor, mappings and sequences of them, ``.logits``)."""
    if isinstance(output, torch.Tensor):
        return [output]
    if isinstance(output, Mapping):
        return [t for v in output.values() for t in tensors_of(v)]
    if isinstance(output, (list, tuple)):
        return [t for v in output for t in tensors_of(v)]
    logits = getattr(output, "logits", None)
    return [logits] if isinstance(logits, torch.Tensor) else []
