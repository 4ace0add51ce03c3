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


def check_tcav_score(fn: Callable[[torch.Tensor, torch.Tensor], float]) -> bool:
    """``fn(gradients, v)``: ``gradients`` ``(N, ...)``, the gradient of the class logit at one
    layer for each of N class images; ``v`` ``(D,)``, a CAV with as many entries as one image's
    gradient. Must return the TCAV score of Kim et al. (2018): the fraction of images whose
    directional derivative ``S = gradient . v`` is positive (``S = 0`` does not count), as
    one float. Checked against :func:`cnnviz_lab.concepts.tcav.tcav_score`."""
    if not callable(fn):
        raise TypeError(f"fn must be a function (gradients, v) -> float, got {type(fn).__name__}")
    from ..concepts.tcav import tcav_score

    gen = torch.Generator().manual_seed(0)
    g1 = torch.randn(12, 18, generator=gen)
    g2 = torch.randn(9, 4, 2, 2, generator=gen)
    g2[3] = 0  # one image whose gradient is zero: S = 0 is not a push upwards
    cases = [
        (g1, torch.nn.functional.normalize(torch.randn(18, generator=gen), dim=0)),
        (g2, torch.nn.functional.normalize(torch.randn(16, generator=gen), dim=0)),
    ]
    for g, v in cases:
        ok, got = attempt(fn, g.clone(), v.clone(), name="tcav_score")
        if not ok:
            hint = " (flatten each image's gradient first: gradients.flatten(1))" if g.dim() > 2 else ""
            return report(False, "tcav_score", got + hint)
        try:
            got = float(got)
        except (TypeError, ValueError):
            return report(False, "tcav_score", f"return one number, got {type(got).__name__}")
        ref = tcav_score(g, v)
        if math.isclose(got, ref, abs_tol=1e-9):
            continue
        s = g.flatten(1) @ v
        if math.isclose(got, float((s >= 0).float().mean()), abs_tol=1e-9):
            return report(False, "tcav_score", "count only S > 0: an image whose derivative is 0 is not pushed up")
        if math.isclose(got, float((s > 0).sum()), abs_tol=1e-9):
            return report(False, "tcav_score", "that is a count; divide by the number of class images")
        if math.isclose(got, float((s < 0).float().mean()), abs_tol=1e-9):
            return report(False, "tcav_score", "the sign: count the images with S > 0, the ones the CAV pushes up")
        if math.isclose(got, float(s.mean()), rel_tol=1e-5):
            return report(False, "tcav_score", "that is the mean derivative; the score counts images with S > 0 and ignores how large S is")
        return report(False, "tcav_score", f"got {got:.4g}, expected {ref:.4g} for {len(g)} images")
    return report(True, "tcav_score", "the fraction of class images with S > 0, as cv.tcav_score computes it")


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

_REDRAWN = register(
    Question(
        "10-redrawn-top",
        "Every layer above blocks.12 is redrawn at random (no trained zebra knowledge left), and TCAV "
        "runs again at blocks.12 with the same images, CAVs and seed. What will striped's verdict be?",
        {
            "a": "not significant: without trained zebra knowledge its scores fall to the random CAVs'",
            "b": "still significant, with a score above the random CAVs'",
            "c": "significant, but near 0: the redrawn top pushes against stripes",
            "d": "impossible to compute: no drawing is called zebra any more",
        },
        answer="b",
        explanation=(
            "the CAVs are the same and the class images are drawings made of stripes, so a redrawn top can still "
            "respond to the striped direction: a significant verdict alone does not show trained knowledge"
        ),
        hints={
            "a": "that is what a sound check would want, but the striped CAVs and the striped drawings are unchanged; "
            "only the logit above them is random. Could a random logit still vary consistently along the striped direction?",
            "c": "a random top has no reason to push against stripes in particular; what do the unchanged CAVs and drawings share?",
            "d": "TCAV needs the gradient of the 'zebra' logit, not the network's answer: that logit still exists",
        },
    )
)


__all__ = ["check_random_concept", "check_t_statistic", "check_tcav_score"]
