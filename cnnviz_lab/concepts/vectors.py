"""Concept activation vectors (Kim et al., ICML 2018): the direction that separates a
concept's activations from counterexamples', found by a regularised logistic regression."""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from ..core import checks
from ..evaluate.maps import as_tensor


@dataclass
class CAV:
    """A concept activation vector: ``vector`` (``(D,)``, unit length, towards the concept,
    in the layer's flattened activation space), ``bias`` of the classifier (in units of the
    unit vector), and ``accuracy`` of the classifier on held-out activations."""

    vector: torch.Tensor
    bias: float
    accuracy: float


def _flat(acts: torch.Tensor, name: str, minimum: int = 2) -> torch.Tensor:
    a = as_tensor(acts, name).detach()
    if a.dim() < 2 or a.shape[0] < minimum:
        raise ValueError(f"{name}: activations must be (N,...) with N >= {minimum} examples, got {tuple(a.shape)}")
    if not a.is_floating_point():
        raise TypeError(f"{name}: activations must be floats, got dtype {a.dtype}")
    if not torch.isfinite(a).all():
        raise ValueError(f"{name}: activations must be finite floats (no NaN or inf)")
    return a.reshape(a.shape[0], -1).float()


def cav(concept: torch.Tensor, counterexamples: torch.Tensor, *, l2: float = 0.01, holdout: float = 0.25, steps: int = 100, seed: int | None = 0) -> CAV:
    """The CAV separating ``concept`` activations (``(N,...)``) from ``counterexamples``
    (``(M,...)``, same trailing shape), as in Kim et al. (2018): a logistic regression
    ``sigmoid(w . a + b)`` with penalty ``l2/2 * |w|^2`` (the ``alpha`` of the paper's
    scikit-learn classifier), fitted by L-BFGS for at most ``steps`` iterations on a
    ``1 - holdout`` share of each set (drawn with ``seed``) and scored on the rest. The
    CAV is ``w / |w|``."""
    c, r = _flat(concept, "concept"), _flat(counterexamples, "counterexamples")
    if c.shape[1] != r.shape[1]:
        raise ValueError(
            f"concept and counterexamples activations differ in size: {c.shape[1]} vs {r.shape[1]} values per example (activations of the same layer?)"
        )
    l2 = checks.real(l2, "l2", minimum=0)
    holdout = checks.real(holdout, "holdout", minimum=0, what="a number in [0, 1)")
    if holdout >= 1:
        raise ValueError(f"holdout must be a number in [0, 1), got {holdout!r}")
    steps = checks.positive_int(steps, "steps")
    seed = checks.seed(seed)
    gen = torch.Generator().manual_seed(0 if seed is None else seed)

    def split(a: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        k = min(len(a) - 1, int(round(len(a) * holdout))) if holdout > 0 else 0
        perm = torch.randperm(len(a), generator=gen).to(a.device)
        return a[perm[k:]], a[perm[:k]]

    (c_fit, c_test), (r_fit, r_test) = split(c), split(r)
    x = torch.cat([c_fit, r_fit])
    y = torch.cat([torch.ones(len(c_fit)), torch.zeros(len(r_fit))]).to(x.device)
    scale = x.abs().mean().clamp(min=1e-12)  # a well-conditioned problem, same direction
    xs = x / scale
    w = torch.zeros(x.shape[1], device=x.device, requires_grad=True)
    b = torch.zeros((), device=x.device, requires_grad=True)
    opt = torch.optim.LBFGS([w, b], max_iter=int(steps), line_search_fn="strong_wolfe")

    def closure() -> torch.Tensor:
        opt.zero_grad()
        loss = F.binary_cross_entropy_with_logits(xs @ w + b, y) + 0.5 * l2 * (w * scale).pow(2).sum()
        loss.backward()
        return loss

    with torch.enable_grad():
        opt.step(closure)
    w, b = w.detach() / scale, b.detach()
    norm = w.norm().clamp(min=1e-30)
    test_x = torch.cat([c_test, r_test])
    test_y = torch.cat([torch.ones(len(c_test)), torch.zeros(len(r_test))]).to(x.device)
    if len(test_x):
        accuracy = float(((test_x @ w + b > 0).float() == test_y).float().mean())
    else:
        accuracy = float(((x @ w + b > 0).float() == y).float().mean())
    return CAV((w / norm).cpu(), float(b / norm), accuracy)


__all__ = ["CAV", "cav"]
