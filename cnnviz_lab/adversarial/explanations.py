"""How much an attack changes an explanation: the same methods before and after, compared
image by image with Spearman's rank correlation (Ghorbani, Abid & Zou, *Interpretation of
Neural Networks is Fragile*, AAAI 2019; Dombrowski et al., *Explanations can be manipulated
and geometry is to blame*, NeurIPS 2019)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import torch
from torch import nn

from ..core.gate import _is_callable_target, prepare_input, unwrap
from ..core.scoring import resolve_objective
from ..core.state import frozen_forward
from ..models.classifier import Classifier
from .attacks import Attack, _targets


@dataclass
class ExplanationChange:
    """Maps of the same methods before and after an attack (``before``, ``after``: ``{method:
    (N,H,W)}``, non-negative: gradients as max of |.| over channels) and the Spearman rank
    correlation of each pair per image (``similarity``: ``{method: (N,)}``)."""

    before: dict[str, torch.Tensor]
    after: dict[str, torch.Tensor]
    similarity: dict[str, torch.Tensor]


def _explained(target: Any, logits: Any, clf: Classifier | None, name: str) -> Any:
    """What :func:`compare_explanations` hands each method for ``before``/``after``: one class
    per image (checked), or a callable target as it is (checked on the clean output)."""
    if _is_callable_target(target):
        objective = resolve_objective(target, logits, clf, name)
        if not objective.squeeze:
            raise ValueError(f"{name}: the callable must return one score per image (N,), got {objective.k} per image")
        return target
    return _targets(target, logits, clf, name)


def compare_explanations(
    model: nn.Module | Classifier, x: torch.Tensor, attack: Attack, methods: Mapping[str, Any] | Sequence[Any] | None, before: Any = None, after: Any = None
) -> ExplanationChange:
    """Explain the clean images ``x`` for class ``before`` (default: their top-1) and the
    adversarial images ``attack.x`` for class ``after`` (default: the attack's target) with
    each of ``methods`` (``{name: method(model, x, target)}``, or a list of registered method
    names or functions; None: the course's methods), and measure how much each map changed
    (Spearman rank correlation, Adebayo et al. 2018's similarity). ``before`` and ``after``:
    None, a class or one class per image, checked like any target, or a callable target
    (:mod:`cnnviz_lab.targets`) handed to each method as it is."""
    from ..evaluate.comparison import _resolve_methods
    from ..evaluate import spearman

    module, clf = unwrap(model)
    xin = prepare_input(module, x)
    if not isinstance(attack, Attack):
        raise TypeError(f"attack must be the Attack that fgsm or pgd returned, got {type(attack).__name__}")
    if tuple(attack.x.shape) != tuple(xin.shape):
        raise ValueError(f"attack is of images of shape {tuple(attack.x.shape)} but x has shape {tuple(xin.shape)}: pass the x that was attacked")
    fns = _resolve_methods(methods, None)
    if not fns:
        raise ValueError("methods: name at least one method")
    logits = frozen_forward(module, xin)
    cls_before = _explained(before, logits, clf, "before")
    cls_after = attack.target.to(xin.device) if after is None else _explained(after, logits, clf, "after")
    adv = attack.x.detach().to(xin.device, xin.dtype, copy=True)
    out = ExplanationChange({}, {}, {})
    for name, fn in fns.items():
        maps = []
        for xx, cls in ((xin, cls_before), (adv, cls_after)):
            m = fn(model, xx, cls).detach().float()
            maps.append(m.abs().amax(1) if m.dim() == 4 else m)
        out.before[name], out.after[name] = maps
        out.similarity[name] = spearman(maps[0], maps[1]).cpu()
    return out


__all__ = ["ExplanationChange", "compare_explanations"]
