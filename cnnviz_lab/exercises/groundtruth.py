"""Exercises of notebook 09 (explanations checked against the truth)."""

from __future__ import annotations

from typing import Callable

import torch

from ..groundtruth.masks import mask_energy
from .question import Question, ask, register
from .common import attempt, close, report


def _cases() -> list[tuple[torch.Tensor, torch.Tensor]]:
    gen = torch.Generator().manual_seed(0)
    maps = torch.rand(3, 6, 6, generator=gen)
    maps[2] = 0.0  # an all-zero map
    masks = torch.zeros(3, 6, 6, dtype=torch.bool)
    masks[0, 1:3, 1:3] = True  # a 2x2 mask
    masks[1, :, :4] = True  # a large mask
    masks[2, 0, 0] = True
    uneven = torch.rand(2, 5, 7, generator=gen) ** 3  # non-square, skewed maps
    uneven_masks = torch.rand(2, 5, 7, generator=gen) > 0.7
    return [(maps, masks), (uneven, uneven_masks)]


def check_mask_energy(fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]) -> bool:
    """``fn(maps, masks)``: ``maps`` ``(N,H,W)`` non-negative, ``masks`` ``(N,H,W)`` bool; must
    return ``(N,)``: the share of each map's total mass that lies inside its mask, 0 for an
    all-zero map (what ``cv.mask_energy`` computes)."""
    for maps, masks in _cases():
        ok, got = attempt(fn, maps.clone(), masks.clone(), name="mask_energy")
        if not ok:
            return report(False, "mask_energy", got)
        try:
            got = torch.as_tensor(got).float()
        except (TypeError, ValueError):
            return report(False, "mask_energy", f"return a tensor, got {type(got).__name__}")
        ref = mask_energy(maps, masks)
        if got.dim() == 0:
            return report(False, "mask_energy", "one value per image, (N,): sum over the pixels of each map (dim=(1, 2)), not over the whole batch")
        if got.shape == ref.shape and torch.isnan(got).any():
            return report(False, "mask_energy", "an all-zero map gives 0/0 = NaN: return 0 when the total is 0 (torch.where(total > 0, ..., 0))")
        inside = (maps * masks).sum(dim=(1, 2))
        if got.shape == ref.shape and torch.allclose(got, inside, atol=1e-5):
            return report(False, "mask_energy", "that is the mass inside the mask; divide by the map's total mass")
        mean_inside = inside / masks.sum(dim=(1, 2)).clamp(min=1)
        if got.shape == ref.shape and torch.allclose(got, mean_inside, atol=1e-5):
            return report(
                False,
                "mask_energy",
                "that is the map's mean inside the mask; divide the mass inside by the whole map's mass instead (a share, between 0 and 1)",
            )
        same, why = close(got, ref, rtol=1e-4, atol=1e-5)
        if not same:
            return report(False, "mask_energy", why)
    return report(True, "mask_energy", "the share of the map inside the mask, as cv.mask_energy")


_QUESTION = register(
    Question(
        "09-swap",
        "Before you run the next section: the shortcut model is shown a **triangle** whose cue has the **green** of the squares. What does it say?",
        {"a": "triangle", "b": "square", "c": "any of the four classes at random", "d": "nothing with confidence: all four near 25 %"},
        answer="b",
        explanation=("it follows the cue: the colour was the easiest rule that fits every training image, so that is the rule it learned"),
        hints={
            "a": "it would, if it had learned the shapes; look at how it was trained: the cue alone already gave every label",
            "c": "the network is not uncertain: in training the cue decided every label, so it is confident when it sees a cue",
            "d": "a softmax always sums to 1 over the four classes; the network has one clear answer here",
        },
    )
)


_RISE_QUESTION = register(
    Question(
        "09-rise",
        "Before you run section 5: every method explains the shortcut model's true class on 32 test "
        "images, and that model decides by the cue, 1.6 % of each image. RISE deletes random regions "
        "(500 random masks, each keeping about half of a coarse grid) and averages the masks weighted by "
        "the class probability. What share of RISE's mass will lie on the cue?",
        {
            "a": "most of it, more than half: the cue decides the class",
            "b": "about a tenth",
            "c": "about the cue's share of the image, a few hundredths: chance level",
            "d": "exactly 0",
        },
        answer="c",
        explanation=(
            "each mask keeps about half of the image, so a copy with the cue kept still scores "
            "high: the average is a floor (the mean probability, the same everywhere) plus a small "
            "bump on the cue plus sampling noise from the 500 masks. Its peak can still sit on the cue, "
            "but by mass it cannot tell the shortcut model from the clean one"
        ),
        hints={
            "a": "that is what occlusion and LIME come close to here; but RISE's map is an average over "
            "masks that keep half the image: what does it hold far from the cue?",
            "b": "think about what the average of many masks, each weighted by a probability that is never 0, is worth on pixels far from the cue",
            "d": "every mask is weighted by a probability, which is never 0, so no pixel gets 0",
        },
    )
)


def check_rise_prediction(answer: str | None) -> bool:
    """Predict-then-run, notebook 09: what share of RISE's mass lies on the cue for the shortcut
    model: (a) more than half, (b) about a tenth, (c) about the cue's area (chance), (d) 0?"""
    return ask(_RISE_QUESTION, answer)


def check_swap_prediction(answer: str | None) -> bool:
    """Predict-then-run, notebook 09: the shortcut model sees a triangle whose cue has the
    colour of the squares. Does it say (a) triangle, (b) square, (c) any of the four at
    random, (d) nothing with confidence (all four near 25 %)?"""
    return ask(_QUESTION, answer)


__all__ = ["check_mask_energy", "check_rise_prediction", "check_swap_prediction"]
