"""The gate for targets on any model output, and autograd wherever the caller is.

:func:`resolve_objective` turns any ``target=`` (a class, a name, N classes, an ``(N,K)``
table, a callable on the raw output, or an :class:`~cnnviz_lab.core.outputs.Objective` already
resolved) into an ``Objective``; :func:`require_graph` answers a forward pass that autograd
cannot differentiate with one named error; :func:`cnnviz_lab.core.state.autograd_on` turns
recording on under ``torch.no_grad()`` and ``torch.inference_mode()``.
"""

from __future__ import annotations

from typing import Any

import torch

from .errors import NoGradientError
from .gate import _is_callable_target, resolve_targets, Target, Wrapped
from .state import autograd_on
from .outputs import Objective, ScoreTarget, checked_scores, class_logits, output_batch, tensors_of

__all__ = ["Objective", "autograd_on", "class_logits", "output_batch", "require_graph", "resolve_objective"]


def resolve_objective(target: Target, output: Any, classifier: Wrapped | None = None, name: str = "target", n: int | None = None) -> Objective:
    """The gate for ``target`` in methods that score any model output: an :class:`Objective`.

    ``output`` is the model's raw output for the first ``m`` images of a batch of ``n``
    (default ``m``; a method that runs many passes later may resolve on one image, except
    for ``target=None``, which needs each image's top-1). Class targets are checked as
    :func:`resolve_targets` says, against :func:`class_logits` of the output; a callable
    is run on the output (its ``select`` restricted to those images) and must give ``(m,)``
    or ``(m,K)`` float scores; an ``Objective`` passes through (its batch must be ``n``)."""
    if isinstance(target, Objective):
        if n is not None and target.n != n:
            raise ValueError(f"{name}: the resolved target is for {target.n} images, the batch has {n}")
        return target
    if _is_callable_target(target):
        m = output_batch(output)
        n = m if n is None else n
        fn = target.select(torch.arange(m)) if isinstance(target, ScoreTarget) and m != n else target
        scores = fn(output)
        if isinstance(scores, torch.Tensor) and scores.dim() == 1:
            checked_scores(scores, m, name)
            return Objective(n, 1, True, fn=target)
        return Objective(n, checked_scores(scores, m, name).shape[1], False, fn=target)
    logits = class_logits(output, name)
    m = logits.shape[0]
    n = m if n is None else n
    if m != n:
        if target is None:
            raise ValueError(f"{name}: None (each image's top-1) needs the output of all {n} images")
        logits = logits[:1].expand(n, logits.shape[1])
    ids, squeeze = resolve_targets(target, logits, classifier, name)
    return Objective(n, ids.shape[1], squeeze, ids=ids)


def require_graph(scores: torch.Tensor, output: Any, objective: Objective, what: str = "the input") -> None:
    """Raise one clear error when ``scores`` do not depend on ``what`` through autograd: either
    the model's forward ran without autograd (``@torch.no_grad()`` on ``forward``, a detach,
    ``torch.inference_mode`` inside it, or parameters created under inference mode), or a
    callable target cut its scores from the graph."""
    if scores.requires_grad:
        return
    live = [t for t in tensors_of(output) if t.requires_grad]
    if objective.fn is not None and live:
        raise NoGradientError(
            "target: the callable's scores do not depend on the model's output through "
            "autograd (it detached them, or went through .item(), numpy or torch.no_grad); "
            "gradient methods differentiate it: keep it a differentiable function of the "
            "output"
        )
    raise NoGradientError(
        f"the model's forward runs without autograd (its output does not depend on {what}: "
        "forward is decorated with @torch.no_grad() or @torch.inference_mode(), detaches, or "
        "the model's parameters were created under torch.inference_mode()), so gradient "
        "methods cannot differentiate it: remove that from forward, or use a gradient-free "
        "method (occlusion, rise, lime, scorecam, ablationcam, eigencam)"
    )
