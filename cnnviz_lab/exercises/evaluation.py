"""Exercises of notebook 08 (evaluating explanations)."""

from __future__ import annotations

from typing import Callable, Mapping

import torch

from ..evaluate import MethodEvaluation, RandomizationResult, method_key, trapezoid_auc
from .common import attempt, close, report


def check_trapezoid_auc(fn: Callable[[torch.Tensor, torch.Tensor], float]) -> bool:
    """``fn(fractions, scores)`` (two ``(S,)`` tensors: the fraction of pixels removed and
    the class probability there) must return the area under the curve by the trapezoid rule,
    ``sum_i (f_{i+1} - f_i) (s_i + s_{i+1}) / 2``: the deletion AUC of Petsiuk et al. 2018.
    Checked on an even grid and on an uneven one."""
    gen = torch.Generator().manual_seed(0)
    cases = [(torch.linspace(0, 1, 11), torch.rand(11, generator=gen)),
             (torch.tensor([0.0, 0.05, 0.1, 0.3, 0.6, 1.0]), torch.rand(6, generator=gen))]
    for f, s in cases:
        ok, got = attempt(fn, f.clone(), s.clone(), name="trapezoid_auc")
        if not ok:
            return report(False, "trapezoid_auc", got)
        try:
            value = torch.as_tensor(float(got))
        except (TypeError, ValueError):
            return report(False, "trapezoid_auc", f"return one number, got {type(got).__name__}")
        ref = trapezoid_auc(f, s).float()
        same, why = close(value, ref, rtol=1e-4, atol=1e-6)
        if not same:
            if abs(float(value) - float(s.mean())) < 1e-4:
                why += " (the mean of the scores is the area only on an even grid: use the widths f[i+1]-f[i])"
            return report(False, "trapezoid_auc", f"{len(f)} points: {why}")
    return report(True, "trapezoid_auc", "the same rule deletion_auc and insertion_auc use")


def check_sanity_failure(answer: str, results: MethodEvaluation | Mapping[str, RandomizationResult],
                         threshold: float = 0.5) -> bool:
    """``answer``: the name of the method that fails the randomisation sanity check in
    ``results`` (a :class:`MethodEvaluation` or ``{method: RandomizationResult}``): the one
    whose map stays most similar (mean Spearman over layers and images) to its original as
    the layers are randomised, above ``threshold``."""
    sanity = results.sanity if isinstance(results, MethodEvaluation) else dict(results)
    if not sanity:
        return report(False, "sanity_failure", "these results hold no sanity check")
    mean = {name: float(r.spearman.mean()) for name, r in sanity.items()}
    worst = max(mean, key=mean.get)
    try:
        key = answer if answer in sanity else method_key(answer)
    except (ValueError, TypeError):
        return report(False, "sanity_failure", f"{answer!r} is not a method of the table; choose from "
                      f"{', '.join(sanity)}")
    if key not in sanity:
        return report(False, "sanity_failure", f"{key} was not checked here; choose from {', '.join(sanity)}")
    if key != worst or mean[worst] <= threshold:
        return report(False, "sanity_failure", f"{key} keeps a mean similarity of {mean[key]:.2f}; look for "
                      "the line that stays highest in the figure")
    return report(True, "sanity_failure", f"{key} stays at {mean[key]:.2f} on average while its "
                  "model is destroyed: it shows the image's edges, not what the model learned")
