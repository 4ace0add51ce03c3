"""What an explanation explains: the model's class output, and targets beyond a class index.

Integer and name targets refer to the model's *class output*, picked from dicts, ``.logits``
objects and tuples by the one rule of :func:`cnnviz_lab.core.outputs.class_output`.

**Callable targets.** ``target=`` also takes a callable: it receives the model's raw output
(tensor, dict or object, as ``forward`` returned it) and returns one score per image
``(N,)`` or K scores per image ``(N,K)``. Gradient methods differentiate it, CAM methods
weight by its gradient, perturbation methods evaluate it on each perturbed batch; it is
read from the forward pass the method runs anyway (no extra pass). A plain function must
score every row of the output by the same rule (methods that perturb run it on batches of
copies of one image); the ready-made targets of this module take per-image values (one
class, mask, box or reference embedding per image) and are re-indexed for such batches.

Ready-made targets (factories that return the callable): :func:`segmentation`, :func:`box`,
:func:`multilabel`, :func:`similarity`, :func:`probability`, :func:`top1`, and
:func:`stack` to combine several into the ``(N,K)`` form.
"""

from __future__ import annotations

import numbers
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from .outputs import CALLABLE_HINT, ScoreTarget, class_output, describe_output

__all__ = ["CALLABLE_HINT", "ScoreTarget", "box", "class_output", "describe_output", "multilabel", "probability", "segmentation", "similarity", "stack", "top1"]


# --- the ready-made targets ----------------------------------------------------------------
def _class_ids(classes: Any, name: str = "classes") -> torch.Tensor:
    """An int, one class per image or an ``(N,K)`` table, as a 0-, 1- or 2-D long tensor."""
    if isinstance(classes, (bool, np.bool_)):
        raise TypeError(f"{name} must be a class index (int), one per image, or an (N,K) table, got {classes!r}")
    try:
        ids = torch.as_tensor(np.asarray(classes) if not isinstance(classes, torch.Tensor) else classes)
    except (TypeError, ValueError, RuntimeError):
        raise TypeError(f"{name} must be a class index (int), one per image, or an (N,K) table, got {classes!r:.60}") from None
    if ids.is_floating_point() or ids.is_complex() or ids.dtype == torch.bool or ids.dim() > 2:
        raise TypeError(f"{name} must be a class index (int), one per image, or an (N,K) table of ints, got {classes!r:.60}")
    if bool((ids < 0).any()):
        raise ValueError(f"{name} must be class indices >= 0, got {classes!r:.60}")
    return ids.long()


def _gather(values: torch.Tensor, ids: torch.Tensor, what: str) -> torch.Tensor:
    """``values[n, ids]`` for a 0-D (every image), 1-D (one per image) or 2-D (K per image) ``ids``."""
    n, c = values.shape[0], values.shape[1]
    if bool((ids >= c).any()):
        raise ValueError(f"target: class {int(ids.max())} is out of range: the {what} has {c} classes")
    ids = ids.to(values.device)
    if ids.dim() == 0:
        return values[:, ids]
    if ids.shape[0] != n:
        raise ValueError(f"target: {ids.shape[0]} rows of classes (one per image) for a batch of {n} images")
    return values.gather(1, ids.view(n, -1)).view(n, *ids.shape[1:])


def _two_d(output: Any, what: str) -> torch.Tensor:
    z = class_output(output)
    if z.dim() != 2:
        raise TypeError(f"target: {what} needs an (N, classes) output, the model gives {describe_output(z)}")
    return z


class ClassScore(ScoreTarget):
    """A class's logit, softmax probability or sigmoid probability (see :func:`probability`
    and :func:`multilabel`)."""

    per_image = ("classes",)

    def __init__(self, classes: Any, transform: str) -> None:
        self.classes = _class_ids(classes)
        self.transform = transform

    def batched(self, name: str) -> bool:
        return self.classes.dim() >= 1

    def __call__(self, output: Any) -> torch.Tensor:
        z = _two_d(output, f"a {self.transform} target")
        self._rows(z.shape[0], "classes")
        values = {"softmax": lambda t: t.softmax(dim=1), "sigmoid": torch.sigmoid, "logit": lambda t: t}[self.transform](z)
        return _gather(values, self.classes, "model output")

    def __repr__(self) -> str:
        return f"{type(self).__name__}(classes={self.classes.tolist()}, {self.transform})"


def probability(classes: int | Sequence[int] | Any) -> ClassScore:
    """The softmax probability ``p_c = exp(z_c) / sum_j exp(z_j)`` of class ``classes`` instead
    of its logit ``z_c``: an int (every image), one class per image, or an ``(N,K)`` table
    (then ``(N,K)`` scores).

    >>> cv.saliency(model, x, cv.targets.probability(281))
    """
    return ClassScore(classes, "softmax")


def multilabel(classes: int | Sequence[int] | Any, logit: bool = False) -> ClassScore:
    """A multi-label classifier's score for class ``classes`` (an int, one per image or an
    ``(N,K)`` table): its sigmoid probability ``1 / (1 + exp(-z_c))`` (labels are independent,
    so no softmax over classes), or the logit ``z_c`` itself with ``logit=True``.

    >>> cv.gradcam(model, x, cv.targets.multilabel([[3, 7]]))     # two labels of one image
    """
    if not isinstance(logit, bool):
        raise TypeError(f"logit must be True or False, got {logit!r}")
    return ClassScore(classes, "logit" if logit else "sigmoid")


class Top1(ScoreTarget):
    """The largest class score of each image (see :func:`top1`)."""

    def __init__(self, prob: bool) -> None:
        self.prob = prob

    def __call__(self, output: Any) -> torch.Tensor:
        z = _two_d(output, "top1")
        return (z.softmax(dim=1) if self.prob else z).amax(dim=1)

    def __repr__(self) -> str:
        return f"Top1(prob={self.prob})"


def top1(prob: bool = False) -> Top1:
    """The top-1 class of each image: ``max_c z_c`` (``prob=True``: ``max_c p_c``), taken on
    every input the method feeds. (``target=None`` instead fixes each image's top-1 class on
    the clean image; the two differ only where a perturbation changes the winning class.)"""
    if not isinstance(prob, bool):
        raise TypeError(f"prob must be True or False, got {prob!r}")
    return Top1(prob)


class Segmentation(ScoreTarget):
    """Summed or mean logit of a class over a pixel mask (see :func:`segmentation`)."""

    per_image = ("classes", "mask")

    def __init__(self, classes: Any, mask: Any, reduce: str) -> None:
        self.classes = _class_ids(classes)
        if mask is not None:
            mask = torch.as_tensor(mask) if not isinstance(mask, torch.Tensor) else mask.detach()
            if mask.dim() not in (2, 3) or mask.is_complex():
                raise ValueError(f"mask must be an (H,W) or (N,H,W) pixel mask, got shape {tuple(mask.shape)}")
            mask = mask.float()
        self.mask = mask
        self.reduce = reduce

    def batched(self, name: str) -> bool:
        value = getattr(self, name)
        return value is not None and value.dim() >= (1 if name == "classes" else 3)

    def __call__(self, output: Any) -> torch.Tensor:
        z = class_output(output)
        if z.dim() != 4:
            raise TypeError(f"target: segmentation needs an (N, classes, H, W) output, the model gives {describe_output(z)}")
        n, c, h, w = z.shape
        self._rows(n, "classes")
        self._rows(n, "mask")
        ids = self.classes.to(z.device)
        if bool((ids >= c).any()):
            raise ValueError(f"target: class {int(ids.max())} is out of range: the model has {c} classes")
        table = ids.view(1, 1).expand(n, 1) if ids.dim() == 0 else ids.view(n, -1)  # (N,K)
        maps = z.gather(1, table[:, :, None, None].expand(-1, -1, h, w))  # (N,K,H,W)
        if self.mask is None:
            mask = (z.argmax(dim=1, keepdim=True) == table[:, :, None, None]).to(z.dtype)
        else:
            if tuple(self.mask.shape[-2:]) != (h, w):
                raise ValueError(f"target: the mask is {tuple(self.mask.shape[-2:])} but the model's output is {h}x{w}")
            mask = self.mask.to(z.device, z.dtype)
            mask = mask.view(1, 1, h, w) if mask.dim() == 2 else mask.view(n, 1, h, w)
        total = (maps * mask).flatten(2).sum(dim=2)
        if self.reduce == "mean":
            count = mask.expand_as(maps).flatten(2).sum(dim=2)
            total = torch.where(count > 0, total / count.clamp_min(1), total * 0)
        return total[:, 0] if ids.dim() < 2 else total

    def __repr__(self) -> str:
        where = "predicted pixels" if self.mask is None else "mask"
        return f"Segmentation(classes={self.classes.tolist()}, {self.reduce} over {where})"


def segmentation(classes: int | Sequence[int] | Any, mask: Any = None, reduce: str = "sum") -> Segmentation:
    """A segmentation network's score for class ``classes`` (an int, one per image or an
    ``(N,K)`` table): the ``reduce="sum"`` (or ``"mean"``) of its logit ``z_c(p)`` over the
    pixels ``p`` of ``mask`` (``(H,W)`` for every image or ``(N,H,W)``, at the output's size),
    or, with ``mask=None``, over the pixels each input predicts as that class (``argmax_j
    z_j(p) == c``). The output is the model's class output (:func:`class_output`: torchvision's
    ``fcn_resnet50``/``deeplabv3`` give ``{"out": (N, classes, H, W)}``). pytorch-grad-cam's
    ``SemanticSegmentationTarget`` is the peer (summed logits over a fixed mask).

    >>> seg = torchvision.models.segmentation.fcn_resnet50(weights="DEFAULT")
    >>> cv.gradcam(seg, x, cv.targets.segmentation(15), layer="backbone.layer4")   # 15: person
    """
    if reduce not in ("sum", "mean"):
        raise ValueError(f"reduce must be 'sum' or 'mean', got {reduce!r}")
    return Segmentation(classes, mask, reduce)


def _box_iou(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """IoU of one box ``a`` (4,) with each of the boxes ``b`` (M,4), ``(x0, y0, x1, y1)``."""
    lt = torch.maximum(a[:2], b[:, :2])
    rb = torch.minimum(a[2:], b[:, 2:])
    inter = (rb - lt).clamp_min(0).prod(dim=1)
    area = (a[2:] - a[:2]).clamp_min(0).prod() + (b[:, 2:] - b[:, :2]).clamp_min(0).prod(dim=1)
    return inter / (area - inter).clamp_min(1e-12)


class Box(ScoreTarget):
    """The score of the detection that best overlaps a box (see :func:`box`)."""

    per_image = ("boxes", "labels")

    def __init__(self, boxes: Any, labels: Any, iou: float) -> None:
        b = torch.as_tensor(boxes, dtype=torch.float32) if not isinstance(boxes, torch.Tensor) else boxes.detach().float()
        if b.shape[-1:] != (4,) or b.dim() not in (1, 2):
            raise ValueError(f"box must be (x0, y0, x1, y1) or one such box per image (N,4), got shape {tuple(b.shape)}")
        self.boxes = b
        self.labels = None if labels is None else _class_ids(labels, "label")
        if self.labels is not None and self.labels.dim() > 1:
            raise ValueError("label must be one class (int) or one per image")
        self.iou = iou

    def batched(self, name: str) -> bool:
        value = getattr(self, name)
        return value is not None and value.dim() >= (2 if name == "boxes" else 1)

    def __call__(self, output: Any) -> torch.Tensor:
        if not isinstance(output, (list, tuple)) or not all(isinstance(d, Mapping) and {"boxes", "scores", "labels"} <= set(d) for d in output):
            raise TypeError(
                f"target: box needs a detector's output, one dict with 'boxes', 'scores' and "
                f"'labels' per image (torchvision's detection models in eval mode); the model "
                f"gives {describe_output(output)}"
            )
        n = len(output)
        self._rows(n, "boxes")
        self._rows(n, "labels")
        scores = []
        for i, det in enumerate(output):
            given = (self.boxes[i] if self.boxes.dim() == 2 else self.boxes).to(det["boxes"].device)
            iou = _box_iou(given, det["boxes"].detach().float()) if len(det["boxes"]) else torch.zeros(0, device=given.device)
            if self.labels is not None:
                label = self.labels[i] if self.labels.dim() == 1 else self.labels
                iou = torch.where(det["labels"].to(iou.device) == label.to(iou.device), iou, torch.full_like(iou, -1))
            best = int(iou.argmax()) if len(iou) else -1
            if best >= 0 and float(iou[best]) >= self.iou:
                scores.append(det["scores"][best])
            else:  # no detection of that class overlaps the box: a zero still tied to the graph
                scores.append(det["scores"].sum() * 0)
        return torch.stack(scores)

    def __repr__(self) -> str:
        return f"Box(boxes={self.boxes.tolist()}, labels={None if self.labels is None else self.labels.tolist()})"


def box(box: Any, label: int | Sequence[int] | None = None, iou: float = 0.5) -> Box:
    """A detector's score for the box ``box`` (``(x0, y0, x1, y1)`` pixels, or one per image
    ``(N,4)``): among the detections of class ``label`` (any class when ``None``; one per
    image allowed), the score of the one with the highest IoU with ``box``, when that IoU is
    at least ``iou``; 0 when no detection overlaps that much. The output must be a torchvision
    detector's (a list of dicts with ``boxes``, ``scores``, ``labels`` per image, eval mode).
    pytorch-grad-cam's ``FasterRCNNBoxScoreTarget`` is the peer.

    >>> det = torchvision.models.detection.fasterrcnn_resnet50_fpn(weights="DEFAULT")
    >>> cv.saliency(det, x, cv.targets.box((40, 30, 200, 180), label=18))           # 18: dog
    """
    if isinstance(iou, bool) or not isinstance(iou, numbers.Real) or not 0 <= float(iou) <= 1:
        raise ValueError(f"iou must be a number in [0, 1], got {iou!r}")
    return Box(box, label, float(iou))


class Similarity(ScoreTarget):
    """Cosine similarity of each embedding to a reference (see :func:`similarity`)."""

    per_image = ("reference",)

    def __init__(self, reference: Any) -> None:
        ref = torch.as_tensor(reference) if not isinstance(reference, torch.Tensor) else reference.detach()
        if not ref.is_floating_point() or ref.dim() not in (1, 2) or ref.shape[-1] == 0:
            raise ValueError(f"reference must be a float embedding (D,) or one per image (N,D), got {ref.dtype} {tuple(ref.shape)}")
        self.reference = ref

    def batched(self, name: str) -> bool:
        return self.reference.dim() == 2

    def __call__(self, output: Any) -> torch.Tensor:
        emb = class_output(output)
        emb = emb.flatten(1)
        self._rows(emb.shape[0], "reference")
        if emb.shape[1] != self.reference.shape[-1]:
            raise ValueError(f"target: the model's embedding has {emb.shape[1]} dimensions, the reference {self.reference.shape[-1]}")
        ref = self.reference.to(emb.device, emb.dtype)
        return F.cosine_similarity(emb, ref.expand_as(emb), dim=1)

    def __repr__(self) -> str:
        return f"Similarity(reference of shape {tuple(self.reference.shape)})"


def similarity(reference: torch.Tensor) -> Similarity:
    """An embedding model's score: the cosine similarity ``<e, r> / (|e| |r|)`` of each image's
    embedding ``e`` (the class output, flattened) to ``reference`` (``(D,)``, or one per
    image ``(N,D)``): what in the image makes it look like the reference (image retrieval,
    face and re-identification models).

    >>> ref = embedder(reference_image)[0]
    >>> cv.saliency(embedder, x, cv.targets.similarity(ref))
    """
    return Similarity(reference)


class Stack(ScoreTarget):
    """K targets side by side: ``(N,K)`` scores (see :func:`stack`)."""

    def __init__(self, targets: Sequence[Callable]) -> None:
        self.targets = list(targets)

    def select(self, rows: torch.Tensor) -> "Stack":
        return Stack([t.select(rows) if isinstance(t, ScoreTarget) else t for t in self.targets])

    def __call__(self, output: Any) -> torch.Tensor:
        parts = []
        for t in self.targets:
            s = t(output)
            if not isinstance(s, torch.Tensor) or s.dim() != 1:
                raise ValueError(f"target: stack combines targets that give one score per image (N,), {t!r:.60} gave {describe_output(s)}")
            parts.append(s)
        return torch.stack(parts, dim=1)

    def __repr__(self) -> str:
        return f"Stack({self.targets})"


def stack(*targets: Callable) -> Stack:
    """K targets as one: ``(N,K)`` scores, column k from ``targets[k]`` (each a callable giving
    ``(N,)``), explained in one call like an ``(N,K)`` class table (one forward pass, one
    batched backward pass).

    >>> cv.gradcam(seg, x, cv.targets.stack(cv.targets.segmentation(15), cv.targets.segmentation(8)))
    """
    if not targets or not all(callable(t) for t in targets):
        raise TypeError("stack needs one or more callable targets")
    return Stack(targets)
