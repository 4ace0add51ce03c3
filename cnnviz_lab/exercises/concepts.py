"""Exercises of notebook 10 (testing with concept activation vectors)."""

from __future__ import annotations

import math
from typing import Callable

import torch

from ..concepts.stats import t_test
from .question import Question, ask, register
from .common import attempt, report


def check_t_statistic(fn: Callable[[torch.Tensor, torch.Tensor], float]) -> bool:
    """``fn(a, b)``: two 1-D tensors of scores; must return Student's t statistic for two
    independent samples with a pooled variance (what TCAV's test uses),
    ``(mean(a) - mean(b)) / sqrt(s_p^2 (1/n + 1/m))`` with
    ``s_p^2 = (sum (a - mean a)^2 + sum (b - mean b)^2) / (n + m - 2)``."""
    gen = torch.Generator().manual_seed(0)
    cases = [
        (torch.rand(12, generator=gen, dtype=torch.float64), torch.rand(12, generator=gen, dtype=torch.float64)),
        (torch.rand(7, generator=gen, dtype=torch.float64) + 0.3, 3 * torch.rand(15, generator=gen, dtype=torch.float64)),
    ]
    for a, b in cases:
        ok, got = attempt(fn, a.clone(), b.clone(), name="t_statistic")
        if not ok:
            return report(False, "t_statistic", got)
        try:
            got = float(got)
        except (TypeError, ValueError):
            return report(False, "t_statistic", f"return one number, got {type(got).__name__}")
        ref = t_test(a, b)[0]
        if math.isclose(got, ref, rel_tol=1e-5, abs_tol=1e-9):
            continue
        n, m = len(a), len(b)
        diff = float(a.mean() - b.mean())
        pooled_pop = float((((a - a.mean()) ** 2).sum() + ((b - b.mean()) ** 2).sum()) / (n + m))
        welch = diff / math.sqrt(float(a.var()) / n + float(b.var()) / m)
        no_sqrt = diff / (float((((a - a.mean()) ** 2).sum() + ((b - b.mean()) ** 2).sum()) / (n + m - 2)) * (1 / n + 1 / m))
        if math.isclose(got, diff / math.sqrt(pooled_pop * (1 / n + 1 / m)), rel_tol=1e-5):
            return report(False, "t_statistic", "divide the summed squares by n + m - 2 (two means were estimated), not by n + m")
        if math.isclose(got, welch, rel_tol=1e-5) and n != m:
            return report(False, "t_statistic", "that is Welch's t (each sample's own variance); pool the two samples' squared deviations into one variance")
        if math.isclose(got, no_sqrt, rel_tol=1e-5):
            return report(False, "t_statistic", "the standard error is the square root of s_p^2 (1/n + 1/m)")
        if math.isclose(abs(got), abs(ref), rel_tol=1e-5):
            return report(False, "t_statistic", "the sign: mean(a) - mean(b), in that order")
        return report(False, "t_statistic", f"got {got:.4g}, expected {ref:.4g} for samples of {n} and {m}")
    return report(True, "t_statistic", "Student's pooled t, the statistic cv.t_test turns into a p-value")


_QUESTION = register(
    Question(
        "10-random-concept",
        'The third "concept" is a set of random images. Before running TCAV: its scores will be',
        {"a": "near 1 and significant", "b": "like the random CAVs' and not significant", "c": "near 0 and significant", "d": "impossible to compute"},
        answer="b",
        explanation=("a random 'concept' is the control: if it came out significant, the test itself would be broken"),
        hints={
            "a": "a random set has no content in common with zebras; nothing should push its CAVs towards the zebra logit more than other random directions",
            "c": "a score near 0 would mean random images systematically lower the zebra logit: as much a finding "
            "as a score near 1, and just as unlikely for random content",
            "d": "it can be computed like any concept: a set of images against random counterexamples",
        },
    )
)


def check_random_concept(answer: str | None) -> bool:
    """Predict-then-run, notebook 10: a set of random images is passed to TCAV as if it were a
    concept. Its TCAV scores will be (a) near 1 and significant, (b) like the random CAVs'
    and not significant, (c) near 0 and significant, (d) impossible to compute?"""
    return ask(_QUESTION, answer)


_SPREAD = register(
    Question(
        "10-random-spread",
        "Before running TCAV at blocks.6, blocks.12 and blocks.15: at which layer will the TCAV scores "
        "of the random CAVs (random set against random set) spread most, from one repeat to the next?",
        {
            "a": "blocks.6, the shallowest: its features are the least specific",
            "b": "blocks.12",
            "c": "blocks.15, the deepest",
            "d": "the same at every layer: a random direction is random everywhere",
        },
        answer="c",
        explanation=(
            "deep in the network the class images' gradients point much the same way, so a random "
            "direction pushes most of them up or most of them down: scores near 0 or near 1"
        ),
        hints={
            "a": "a score counts the class images a direction pushes up; it spreads most where the images' "
            "gradients agree, so that one direction moves them all together. Where do zebra images look "
            "most alike to the network?",
            "b": "close, but the agreement of the zebra images' gradients keeps growing towards the class",
            "d": "the direction is random, but the gradients it is compared with are not: how much the class images' gradients agree changes with depth",
        },
    )
)


__all__ = ["check_random_concept", "check_t_statistic"]
