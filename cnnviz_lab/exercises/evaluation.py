"""Exercises of notebook 08 (evaluating explanations)."""

from __future__ import annotations

from typing import Callable, Mapping

import torch

from ..evaluate import MethodEvaluation, RandomizationResult, method_key, spearman, trapezoid_auc
from .common import attempt, close, diagnose, per_image, report
from .question import Question, register


def check_trapezoid_auc(fn: Callable[[torch.Tensor, torch.Tensor], float]) -> bool:
    """``fn(fractions, scores)`` (two ``(S,)`` tensors: the fraction of pixels removed and
    the class probability there) must return the area under the curve by the trapezoid rule,
    ``sum_i (f_{i+1} - f_i) (s_i + s_{i+1}) / 2``: the deletion AUC of Petsiuk et al. 2018.
    Checked on an even grid and on an uneven one. Likely mistakes get their own hint: the
    mean of the scores, a left or right Riemann sum, the missing 1/2, swapped arguments."""
    gen = torch.Generator().manual_seed(0)
    cases = [(torch.linspace(0, 1, 11), torch.rand(11, generator=gen)), (torch.tensor([0.0, 0.05, 0.1, 0.3, 0.6, 1.0]), torch.rand(6, generator=gen))]
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
            widths = f[1:] - f[:-1]
            hint = diagnose(
                value,
                [
                    (s.mean(), "the mean of the scores is the area only on an even grid: use the widths f[i+1]-f[i]"),
                    ((widths * s[:-1]).sum(), "a left Riemann sum: average the two ends of each interval, (s[i] + s[i+1]) / 2"),
                    ((widths * s[1:]).sum(), "a right Riemann sum: average the two ends of each interval, (s[i] + s[i+1]) / 2"),
                    ((widths * (s[1:] + s[:-1])).sum(), "you forgot the / 2 of the trapezoid"),
                    (
                        ((s[1:] - s[:-1]) * (f[1:] + f[:-1]) / 2).sum(),
                        "the arguments are swapped: integrate the scores over the fractions (torch.trapezoid(scores, fractions))",
                    ),
                ],
                rtol=1e-4,
                atol=1e-6,
            )
            return report(False, "trapezoid_auc", f"{len(f)} points: " + (hint or why))
    return report(True, "trapezoid_auc", "the same rule deletion_auc and insertion_auc use")


def _union_share(boxes: list[tuple[int, int, int, int]], size: int) -> float:
    m = torch.zeros(size, size, dtype=torch.bool)
    for x0, y0, x1, y1 in boxes:
        m[y0:y1, x0:x1] = True
    return float(m.float().mean())


def check_box_share(fn: Callable[[list, int], float]) -> bool:
    """``fn(boxes, size)`` must return the share of a ``size`` x ``size`` image covered by the
    **union** of ``boxes`` (``(x0, y0, x1, y1)`` integer pixel corners, x1/y1 exclusive): the
    chance level of the pointing game (Zhang et al. 2016), the hit rate of a map whose maximum
    falls on a uniformly random pixel. Checked on one box, two overlapping boxes and a box
    inside another; likely mistakes get a hint: areas added up (overlap counted twice),
    divided by ``size`` instead of ``size**2``, inclusive corners."""
    cases = [([(2, 3, 7, 9)], 10), ([(0, 0, 6, 4), (3, 2, 9, 8)], 12), ([(1, 1, 9, 9), (3, 3, 5, 5)], 16)]
    for boxes, size in cases:
        ok, got = attempt(fn, [tuple(b) for b in boxes], size, name="box_share")
        if not ok:
            return report(False, "box_share", got)
        try:
            value = float(got)
        except (TypeError, ValueError):
            return report(False, "box_share", f"return one number, got {type(got).__name__}")
        ref = _union_share(boxes, size)
        if abs(value - ref) > 1e-6:
            areas = sum((x1 - x0) * (y1 - y0) for x0, y0, x1, y1 in boxes)
            wide = [(x0, y0, x1 + 1, y1 + 1) for x0, y0, x1, y1 in boxes]
            hint = diagnose(
                torch.tensor(value),
                [
                    (
                        torch.tensor(areas / size**2),
                        "you added the boxes' areas: where boxes overlap a pixel counts twice; mark the pixels of the union (a boolean mask) instead",
                    ),
                    (torch.tensor(ref * size), "divide by the number of pixels, size * size, not by size"),
                    (torch.tensor(_union_share(wide, size)), "x1 and y1 are exclusive: the box covers columns x0 to x1 - 1, as in a slice m[y0:y1, x0:x1]"),
                ],
                rtol=0,
                atol=1e-6,
            )
            return report(
                False, "box_share", f"{len(boxes)} boxes on a {size}x{size} image: expected {ref:.4f}, got {value:.4f}" + (f"; {hint}" if hint else "")
            )
    return report(True, "box_share", "the share of the image a uniformly random maximum would hit")


def check_sanity_failure(answer: str, results: MethodEvaluation | Mapping[str, RandomizationResult], threshold: float = 0.5) -> bool:
    """``answer``: the name of a method that fails the randomisation sanity check in
    ``results`` (a :class:`MethodEvaluation` or ``{method: RandomizationResult}``): one whose
    map stays similar to its original as the layers are randomised, i.e. whose mean
    Spearman similarity over layers and images is above ``threshold``. When several fail
    (guided backprop and the class-agnostic EigenCAM, say), any of them is right."""
    sanity = results.sanity if isinstance(results, MethodEvaluation) else dict(results)
    if not sanity:
        return report(False, "sanity_failure", "these results hold no sanity check")
    mean = {name: float(r.spearman.mean()) for name, r in sanity.items()}
    try:
        key = answer if answer in sanity else method_key(answer)
    except (ValueError, TypeError):
        return report(False, "sanity_failure", f"{answer!r} is not a method of the table; choose from {', '.join(sanity)}")
    if key not in sanity:
        return report(False, "sanity_failure", f"{key} was not checked here; choose from {', '.join(sanity)}")
    if mean[key] <= threshold:
        lowest = min(mean, key=mean.get)
        if key == lowest:
            hint = (
                f"{key} has the LOWEST similarity ({mean[key]:.2f}): it changes most when the model is "
                "destroyed, which is what an explanation of the model must do. The failing method is the "
                "one whose map stays the same"
            )
        elif key in ("random pixels", "random blobs"):
            hint = "a random map is a baseline, not a method: name one of the methods"
        else:
            hint = f"{key} keeps a mean similarity of {mean[key]:.2f}, below {threshold}; look for a line that stays highest in the figure"
        return report(False, "sanity_failure", hint)
    others = [m for m, v in mean.items() if v > threshold and m != key]
    also = f" ({', '.join(others)} {'fail' if len(others) > 1 else 'fails'} it too)" if others else ""
    return report(
        True,
        "sanity_failure",
        f"{key} averages {mean[key]:.2f} over the cascade: its map hardly changes when the upper layers are redrawn, "
        f"so it fails the course's {threshold:g} rule{also}",
    )


def _noise_floor_reference(explain: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, sigma: float, seed: int, absolute: bool = True) -> torch.Tensor:
    noise = torch.randn(x.shape, generator=torch.Generator().manual_seed(seed)).to(x.device)
    a, b = explain(x), explain(x + sigma * noise)
    return spearman(a.abs(), b.abs()) if absolute else spearman(a, b)


def check_noise_floor(fn: Callable[..., torch.Tensor]) -> bool:
    """``fn(explain, x, sigma, seed)`` must return, for each image of ``x``, the Spearman rank
    correlation (:func:`cnnviz_lab.evaluate.spearman`) of the absolute maps ``explain(x)`` and
    ``explain(x + sigma * noise)``, with ``noise = torch.randn(x.shape,
    generator=torch.Generator().manual_seed(seed)).to(x.device)`` (drawn on the CPU, so the same
    seed gives the same noise on any device): the **noise floor** of the randomisation
    sanity check (Adebayo et al. 2018), how far the similarity falls when the *model* stays
    and only the image moves by a tiny amount. Checked with a small fixed map function
    (smooth in the image, so noise changes it a little); likely mistakes get a hint: no noise
    added, signed maps compared, the noise drawn from another seed or not scaled by sigma."""
    gen = torch.Generator().manual_seed(1)
    weight = torch.randn(3, 3, generator=gen)

    def explain(images: torch.Tensor) -> torch.Tensor:
        """A fixed, signed, smooth-ish map: a channel mix with a curvature, (N,H,W)."""
        mixed = torch.einsum("nchw,dc->ndhw", images, weight)
        return (mixed[:, 0] * mixed[:, 1].tanh() + 0.3 * mixed[:, 2]).detach()

    x = torch.randn(2, 3, 10, 10, generator=gen)
    for sigma, seed in ((0.3, 0), (0.8, 5)):
        ok, got = attempt(fn, explain, x.clone(), sigma, seed, name="noise_floor")
        if not ok:
            return report(False, "noise_floor", got)
        value, why = per_image(got)
        if value is None:
            return report(False, "noise_floor", why)
        ref = _noise_floor_reference(explain, x, sigma, seed)
        same, why = close(value, ref, rtol=1e-4, atol=1e-5)
        if not same:
            hint = diagnose(
                value,
                [
                    (torch.ones_like(ref), "every value is 1: you compared the map with itself; add sigma * noise to the image before the second map"),
                    (_noise_floor_reference(explain, x, sigma, seed, absolute=False), "compare the ABSOLUTE maps (.abs()), as the sanity check does"),
                    (_noise_floor_reference(explain, x, 1.0, seed), "scale the noise by sigma"),
                    (
                        _noise_floor_reference(explain, x, sigma, 0 if seed else 1),
                        "draw the noise from torch.Generator().manual_seed(seed), with the seed you are given",
                    ),
                ],
                rtol=1e-4,
                atol=1e-5,
            )
            return report(False, "noise_floor", f"sigma {sigma}, seed {seed}: " + (hint or why))
    return report(True, "noise_floor", "the similarity a map keeps when only the image moves a little: a sanity-check value above it cannot be told from noise")


register(
    Question(
        "08-sanity-survivor",
        "We randomise the network from the top: the classifier, then `head`, then blocks.15 and blocks.12. "
        "Which method's map will still be almost the same as on the trained network?",
        {
            "a": "saliency (the vanilla gradient)",
            "b": "Grad-CAM",
            "c": "guided backpropagation",
            "d": "none: every map must change when the model is destroyed",
        },
        "c",
        "Guided backprop's map stays nearly the same through those blocks, while saliency and Grad-CAM "
        "change at the first step: its rule discards every negative gradient, so what reaches the pixels "
        "depends on the image's edges, not on the weights above. It fails the sanity check. (Deconvnet, with a "
        "similar rule, and EigenCAM, which never reads the classifier, survive too; neither is an option here.)",
        {
            "a": "The vanilla gradient runs through the classifier's weights: a new classifier asks for "
            "different evidence, and its map changes at the first step.",
            "b": "Grad-CAM's weights are gradients of the class score, which a random classifier scrambles: its map changes completely.",
            "d": "That is what SHOULD happen, and what the check tests; one of the options does not do it.",
        },
    )
)

register(
    Question(
        "08-insertion",
        "Guided backprop fails the sanity check (section 2): its map hardly depends on the model. Insertion "
        "puts each image's pixels back into a blurred copy, most important first. On the four photographs, "
        "how does guided backprop's insertion AUC compare with the two random maps (random pixels, and "
        "random blobs: noise on a 7x7 grid, as smooth as a CAM)?",
        {
            "a": "it beats both random maps on every image",
            "b": "it beats both on average, but not on every image",
            "c": "it is no better than the random maps: a map that ignores the model cannot be faithful",
        },
        "b",
        "On average it beats both (0.500 against 0.356 and 0.359): its edges lie on the object, and putting "
        "the object's edges back restores the class early. But not on every image: on the drum-kit scene "
        "(0.123) it is below the random blobs (0.207). A good mean curve does not make a map an explanation "
        "of the model.",
        {
            "a": "Look at the dots in the figure: on the drum-kit scene, where the top class starts at 0.22, a "
            "random blob covering part of the guitar does better.",
            "c": "Edges of the object are evidence the model uses too: a map can be informative about the image "
            "without depending on the model, and then it beats random maps on average.",
        },
    )
)
