"""What every attribution method shares: one signature, one gate, one way to finish a result.

All methods have the signature ``method(model, x, target=None, *, ...)``:

- ``model``: an ``nn.Module`` or a :class:`~cnnviz_lab.models.classifier.Classifier`;
- ``x``: a preprocessed ``(N,3,H,W)`` tensor (checked by the input gate,
  :func:`cnnviz_lab.core.gate.prepare_input`: one ``(3,H,W)`` image counts as ``N = 1``);
- ``target``: ``None`` (each image's top-1 class), an ``int``, a class name (Classifier
  only), a length-N sequence (one class per image), an ``(N,K)`` array (K classes per
  image: the result then has a K axis right after N), or a callable on the model's raw
  output giving ``(N,)`` or ``(N,K)`` scores (:mod:`cnnviz_lab.core.targets`); checked by
  :func:`cnnviz_lab.core.scoring.resolve_objective`. Class targets refer to the model's
  class output, picked from dicts, ``.logits`` objects and tuples by the one rule of
  :func:`cnnviz_lab.core.outputs.class_output`.
"""

from __future__ import annotations

from typing import Callable

import torch
from torch import nn

from ..core import checks
from ..models.classifier import Classifier
from ..core.gate import Target, _is_callable_target, prepare_input, resolve_targets, unwrap
from ..core.state import frozen, frozen_forward, model_device
from ..core.scoring import Objective, class_logits, resolve_objective

__all__ = [
    "Objective",
    "Target",
    "enter",
    "finish",
    "forward_objective",
    "forward_targets",
    "frozen",
    "gather_scores",
    "model_device",
    "one_class_per_image",
    "one_target_per_image",
    "prepare_input",
    "resolve_objective",
    "resolve_targets",
    "to_caller",
    "topk_targets",
]


def enter(model: nn.Module | Classifier, x: torch.Tensor) -> tuple[nn.Module, Classifier | None, torch.Tensor]:
    """The entry of every method: ``(module, classifier or None, x)`` with ``x`` through the
    input gate (a checked, fresh copy on the model's device in its dtype)."""
    module, clf = unwrap(model)
    return module, clf, prepare_input(module, x)


def forward_targets(model: nn.Module | Classifier, x: torch.Tensor, target: Target) -> tuple[nn.Module, Classifier | None, torch.Tensor, torch.Tensor, bool]:
    """One gradient-free, frozen forward pass to resolve ``target``: ``(module, classifier,
    x on the model's device, (N,K) targets, squeeze flag)``. For methods that combine or
    repeat other methods and must hand every part the same classes."""
    module, clf, xin = enter(model, x)
    targets, squeeze = resolve_targets(target, frozen_forward(module, xin), clf)
    return module, clf, xin, targets, squeeze


def forward_objective(model: nn.Module | Classifier, x: torch.Tensor, target: Target) -> tuple[nn.Module, Classifier | None, torch.Tensor, Objective]:
    """Like :func:`forward_targets` for any target, callables included: ``(module,
    classifier, x on the model's device, Objective)``. The ``Objective`` is itself a valid
    ``target=``, so every part of a combined method explains the same scores."""
    module, clf, xin = enter(model, x)
    return module, clf, xin, resolve_objective(target, frozen_forward(module, xin), clf)


def one_class_per_image(
    model: nn.Module | Classifier, x: torch.Tensor, target: Target, caller: str
) -> tuple[nn.Module, Classifier | None, torch.Tensor, list[int]]:
    """Like :func:`forward_targets` for callers that explain exactly one class per image:
    ``(module, classifier, x, [class of each image])``; a K-class target raises ``ValueError``."""
    module, clf, xin, targets, squeeze = forward_targets(model, x, target)
    if not squeeze or targets.shape[1] != 1:
        raise ValueError(f"target: {caller} explains one class per image: pass None, an int, a class name or one class per image")
    return module, clf, xin, targets[:, 0].tolist()


def one_target_per_image(
    model: nn.Module | Classifier, x: torch.Tensor, target: Target, caller: str
) -> tuple[nn.Module, Classifier | None, torch.Tensor, list[int] | Callable]:
    """Like :func:`one_class_per_image`, and a callable target giving one score per image
    (checked on one frozen forward pass) comes back as it is, for callers that hand the same
    target to every method they run."""
    if not _is_callable_target(target):
        return one_class_per_image(model, x, target, caller)
    module, clf, xin, objective = forward_objective(model, x, target)
    if not objective.squeeze:
        raise ValueError(f"target: {caller} explains one target per image: the callable must return one score per image (N,), it returned {objective.k}")
    return module, clf, xin, target


def topk_targets(model: nn.Module | Classifier, x: torch.Tensor, k: int = 5) -> torch.Tensor:
    """The ``(N,k)`` indices of each image's top-k classes: pass as ``target=`` to explain
    the k best guesses in one call. ``k`` must be between 1 and the number of classes."""
    module, _, xin = enter(model, x)
    logits = class_logits(frozen_forward(module, xin), "model output")
    k = checks.integer(k, "k", minimum=1, maximum=logits.shape[1], what=f"an int from 1 to the number of classes ({logits.shape[1]})")
    return logits.topk(k, dim=1).indices


def gather_scores(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """``logits[n, targets[n, k]]`` as an ``(N,K)`` tensor (``logits`` may be any model output:
    its class output is read by the rule of :func:`cnnviz_lab.core.outputs.class_output`)."""
    return class_logits(logits).gather(1, targets)


def finish(result: torch.Tensor, squeeze: bool) -> torch.Tensor:
    """Detach a ``(N,K,...)`` result and drop K when one class per image was asked for."""
    result = result.detach()
    return result[:, 0] if squeeze else result


def to_caller(result: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """A result moved to the device of the caller's ``x`` (results live where the input did)."""
    return result.to(x.device) if isinstance(x, torch.Tensor) and result.device != x.device else result
