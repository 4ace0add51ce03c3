"""What the metrics that perturb features share: the gate for model, image, attribution and
target, and the two views of an attribution as features.

An attribution with the image's own shape ``(N,C,H,W)`` has one feature per element (a
colour value of a pixel); a map ``(N,H,W)`` (or ``(H,W)``, ``(N,1,H,W)``, or a smaller map,
upsampled like a CAM) has one feature per pixel, covering all its channels. The metrics
of Bhatt et al. (faithfulness correlation) and Yeh et al. (infidelity) sum attributions
over the features they perturb, so both views are what those papers define.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from ..core import checks
from ..attribution.common import Objective, Target, enter, resolve_objective
from ..models.classifier import Classifier
from ..core.state import frozen_forward
from .maps import as_maps, as_tensor

#: What each metric reads from the model: softmax probability or the raw logit.
OUTPUTS = ("prob", "logit")


@dataclass
class Gate:
    """A metric's checked inputs: ``module``, ``classifier`` (or None), ``x`` (a fresh copy
    on the model's device), ``targets`` ``(N,)`` (one class per image; ``None`` for a
    callable target), ``output`` (the model's raw output on the unperturbed images) and
    ``objective`` (what each perturbed batch is scored by: the class, or the callable)."""

    module: nn.Module
    classifier: Classifier | None
    x: torch.Tensor
    targets: torch.Tensor | None
    output: Any
    objective: Objective


def gate(model: nn.Module | Classifier, x: torch.Tensor, target: Target, what: str) -> Gate:
    """The one input gate of the metrics: ``x`` through the package's gate, ``target``
    resolved on one frozen forward pass (a class, one per image, or a callable on the raw
    output giving one score per image, :mod:`cnnviz_lab.targets`); a K-target form is
    refused (``what`` names the metric in the message)."""
    module, clf, xin = enter(model, x)
    output = frozen_forward(module, xin)
    objective = resolve_objective(target, output, clf)
    if not objective.squeeze or objective.k != 1:
        raise ValueError(
            f"target: {what} scores one target per image: pass None, an int, a class name, one class per image or a callable giving one score per image (N,)"
        )
    targets = objective.ids[:, 0] if objective.ids is not None else None
    return Gate(module, clf, xin, targets, output, objective)


def score_reader(output: str | None, objective: Objective, default: str, options: tuple[str, ...] = OUTPUTS) -> str | None:
    """What a metric reads of each forward pass, from its ``output=`` argument: for a class
    target ``output`` (``None``: the metric's ``default``), one of ``options``; a callable
    target is its own score, so ``output`` must be ``None`` (``cv.targets.probability(c)``
    reads a class's probability through a callable)."""
    if objective.fn is not None:
        if output is not None:
            raise ValueError(
                f"output={output!r} applies to class targets; a callable target gives its own "
                "score (cv.targets.probability(c) for a class probability): leave output=None"
            )
        return None
    return checks.choice(default if output is None else output, "output", options)


def features(attribution: torch.Tensor, x: torch.Tensor) -> tuple[torch.Tensor, bool]:
    """``attribution`` as ``(N,F)`` features of the images ``x`` ``(N,C,H,W)``, and whether
    they are pixels (``True``: ``F = H*W``, a pixel's features cover all channels) or
    elements (``False``: the attribution has ``x``'s shape, ``F = C*H*W``)."""
    n, c, h, w = x.shape
    a = as_tensor(attribution, "attribution").detach()
    if a.dim() == 4 and tuple(a.shape) == (n, c, h, w):
        return torch.nan_to_num(a.float()).reshape(n, -1).to(x.device), False
    if a.dim() == 4 and a.shape[1] == 1:
        a = a[:, 0]
    if a.dim() == 4 and a.shape[1] == c:
        raise ValueError(f"attribution: a {c}-channel attribution must have the images' shape {(n, c, h, w)}, got {tuple(a.shape)}")
    return as_maps(a, n, (h, w), c).reshape(n, -1).to(x.device), True


def expand(mask: torch.Tensor, shape: tuple[int, ...], pixels: bool) -> torch.Tensor:
    """``(B,F)`` per-feature values as ``(B,1,H,W)`` (pixels) or ``(B,C,H,W)`` (elements),
    broadcastable to images of ``shape`` ``(N,C,H,W)``."""
    _, c, h, w = shape
    return mask.view(-1, 1, h, w) if pixels else mask.view(-1, c, h, w)


__all__ = ["Gate", "OUTPUTS", "expand", "features", "gate", "score_reader"]
