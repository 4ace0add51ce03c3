"""Exercises of notebooks 02-04 (activation maximisation, inversion, DeepDream)."""

from __future__ import annotations

from typing import Callable

import torch

from ..optvis.objectives import tv
from .common import attempt, close, diagnose, per_image, report
from .question import Question, register


def check_total_variation(fn: Callable[[torch.Tensor], torch.Tensor]) -> bool:
    """``fn(images)`` must return, per image of an ``(N,C,H,W)`` batch, the mean over
    positions of ``dx^2 + dy^2`` with forward differences ``dx = x[..., i, j+1] - x[..., i, j]``
    and ``dy = x[..., i+1, j] - x[..., i, j]`` (last row and column dropped), as
    ``cv.objectives.total_variation`` uses (Mahendran & Vedaldi 2015, beta = 2)."""
    images = torch.rand(2, 3, 6, 7, generator=torch.Generator().manual_seed(0))
    ok, got = attempt(fn, images.clone(), name="total_variation")
    if not ok:
        return report(False, "total_variation", got)
    ref = tv(images)
    flat, why_not = per_image(got)
    if flat is None:
        return report(False, "total_variation", why_not)
    same, why = close(flat, ref)
    if same:
        return report(True, "total_variation", "a noisy image has a large TV, a smooth one a small TV")
    dx = images[..., :-1, 1:] - images[..., :-1, :-1]
    dy = images[..., 1:, :-1] - images[..., :-1, :-1]
    hint = diagnose(
        flat,
        [
            ((dx.abs() + dy.abs()).flatten(1).mean(1), "you took |dx| + |dy|: square the differences (beta = 2)"),
            ((dx**2 + dy**2).flatten(1).sum(1), "you summed over channels and positions: take the mean"),
            (ref.mean().reshape(1), "one number for the whole batch: return one value per image (mean over dims 1, 2, 3 only)"),
            (
                (images.diff(dim=-1) ** 2).flatten(1).mean(1) + (images.diff(dim=-2) ** 2).flatten(1).mean(1),
                "you averaged dx^2 and dy^2 over their own full grids: crop both to the common (H-1)x(W-1) grid, "
                "x[..., :-1, 1:] - x[..., :-1, :-1] and x[..., 1:, :-1] - x[..., :-1, :-1]",
            ),
        ],
    )
    return report(False, "total_variation", hint or why + " (one value per image: mean over channels and positions of dx^2 + dy^2)")


def check_feature_distance(fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]) -> bool:
    """``fn(a, a0)`` must return ``||a - a0||^2 / ||a0||^2`` per image for activations of
    shape ``(N,C,H,W)`` (Mahendran & Vedaldi 2015's normalised reconstruction error)."""
    gen = torch.Generator().manual_seed(1)
    a0 = torch.randn(2, 4, 3, 3, generator=gen)
    a = a0 + 0.3 * torch.randn(2, 4, 3, 3, generator=gen)
    ok, got = attempt(fn, a.clone(), a0.clone(), name="feature_distance")
    if not ok:
        return report(False, "feature_distance", got)
    diff = (a - a0).flatten(1).pow(2).sum(1)
    ref = diff / a0.flatten(1).pow(2).sum(1)
    flat, why_not = per_image(got)
    if flat is None:
        return report(False, "feature_distance", why_not)
    same, why = close(flat, ref)
    if same:
        return report(True, "feature_distance", "0 means the network cannot tell the two images apart at this layer")
    hint = diagnose(
        flat,
        [
            (ref.sqrt(), "you took norms, not squared norms: ||a - a0||^2 / ||a0||^2"),
            (diff, "not normalised: divide by ||a0||^2, so that layers of any scale compare"),
            (diff / a.flatten(1).pow(2).sum(1), "divide by the TARGET's activations ||a0||^2, not by ||a||^2"),
            (((a - a0).pow(2).sum() / a0.pow(2).sum()).reshape(1), "one number for the batch: one value per image (flatten(1), sums over dim 1)"),
            ((a - a0).flatten(1).pow(2).mean(1), "that is the mean squared error: divide the SUM of squares by ||a0||^2"),
        ],
    )
    return report(False, "feature_distance", hint or why)


def check_normalize_gradient(fn: Callable[[torch.Tensor], torch.Tensor]) -> bool:
    """``fn(g)`` must return the gradient with zero mean and unit standard deviation,
    ``(g - g.mean()) / g.std()``, DeepDream's per-step normalisation."""
    g = torch.randn(1, 3, 8, 8, generator=torch.Generator().manual_seed(2)) * 1e-3 + 5e-4
    g = g + torch.tensor([0.0, 2e-3, -1e-3]).view(1, 3, 1, 1)  # channels with different means and spreads
    ok, got = attempt(fn, g.clone(), name="normalize_gradient")
    if not ok:
        return report(False, "normalize_gradient", got)
    ref = (g - g.mean()) / g.std()
    same, why = close(got, ref, rtol=1e-3, atol=1e-4)
    if same:
        return report(True, "normalize_gradient", "every step now has the same size, however small the raw gradient is")
    hint = diagnose(
        got,
        [
            (g / g.abs().max(), "dividing by the largest |g| keeps the mean: subtract the mean, then divide by the standard deviation"),
            (g / g.std(), "subtract the mean first: (g - g.mean()) / g.std()"),
            ((g - g.mean()) / (g - g.mean()).norm(), "divide by the standard deviation, not the norm (the norm grows with the image size)"),
            (
                (g - g.mean(dim=(2, 3), keepdim=True)) / g.std(dim=(2, 3), keepdim=True),
                "normalise over ALL elements at once (one mean, one std), not per channel",
            ),
        ],
        rtol=1e-3,
        atol=1e-4,
    )
    return report(False, "normalize_gradient", hint or why)


register(
    Question(
        "02-neuron-vs-channel",
        "We render blocks.8 channel 12 twice: once maximising the whole channel (its mean over all "
        "positions), once only its centre neuron. What will the neuron's image look like?",
        {
            "a": "The same texture as the channel's, repeated over the whole image",
            "b": "A pattern concentrated in the middle, the rest of the image left nearly flat",
            "c": "Pure noise: one unit is too small a target to render",
        },
        "b",
        "The centre unit's gradient is concentrated on the middle of the image (its effective receptive "
        "field, Luo et al. 2016, even where the theoretical one covers the whole image), so a pattern "
        "grows in the middle (in notebook 02 the central half has more than twice the contrast of the "
        "border), while the channel objective repeats it everywhere (centre and border alike).",
        {
            "a": "That is the channel objective: it averages over every position, so every position is "
            "pushed. A single unit's gradient is concentrated on the middle of its receptive field.",
            "c": "One unit has a perfectly good gradient inside its receptive field; the regularisers make it an image, not noise.",
        },
    )
)

register(
    Question(
        "03-inversion-depth",
        "We invert the cat photo from blocks.1 (a shallow block) and from blocks.12 (a deep one) with this "
        "notebook's settings. Which reconstruction will be FARTHER from the photo, pixel by pixel "
        "(mean squared difference of the pixel values)?",
        {
            "a": "blocks.1: the first blocks already mix the pixels, so little of the photo is left to recover",
            "b": "blocks.12: the deep block",
            "c": "About the same at both: each inversion matches its own layer",
        },
        "b",
        "blocks.12 (printed below the figure: its pixel error is over three times blocks.1's). A shallow "
        "block keeps nearly everything: its units see small patches of the image, with their colours, so "
        "matching them rebuilds the photo. A deep block has thrown exact colours and fine layout away; many "
        "images give the same blocks.12 activations, and the one the optimiser finds is a texture with the "
        "cat's parts in it. Watch the titles too: blocks.12 reaches the SMALLER feature distance d, so a "
        "small d does not mean a faithful picture.",
        {
            "a": "A shallow block's units see small patches and keep their colours: the block is nearly "
            "invertible, and its reconstruction is the closest to the photo.",
            "c": "Each inversion matches its own layer, but the layers keep very different amounts of the photo: "
            "what blocks.12 ignores (exact colours, fine layout) the reconstruction is free to get wrong.",
        },
    )
)

register(
    Question(
        "04-octave-frequency",
        "We dream blocks.10 of the same photo twice with 40 steps in all: once with one octave (every "
        "step at full size), once with 4 octaves of scale 1.4 (10 steps on each copy, the smallest 2.7 "
        "times smaller). Which dream puts more of its change into fine detail (high spatial frequencies)?",
        {
            "a": "One octave: its patterns are all drawn at full size, so they are small in the photo",
            "b": "Four octaves: they add detail at four scales, so more of it is fine",
            "c": "About the same: octaves only make the dream faster",
        },
        "a",
        "A pattern the layer draws has a fixed size in the pixels of the image the network is given. "
        "Drawn on a copy 2.7 times smaller and carried up, it covers 2.7 times more of the photo; with "
        "one octave every pattern keeps its small full-size scale, so more of the change is fine detail.",
        {
            "b": "The larger octaves do add fine detail, but on top of the coarse patterns drawn on the small "
            "copies: the mix has more coarse change than one octave at full size.",
            "c": "The octaves change where the patterns are drawn (on smaller copies), and so their size in the photo, not only the speed.",
        },
    )
)


register(
    Question(
        "04-zero-weight",
        "We dream with {blocks.10: 1.0}, then with {blocks.10: 1.0, blocks.13: 0.0}, same seed. How do the two dreams compare?",
        {
            "a": "Bit-for-bit identical",
            "b": "Slightly different: blocks.13 still acts a little",
            "c": "Different, because blocks.13 is now computed and changes the random shifts",
        },
        "a",
        "A weight of 0 removes the layer from the objective: it is not even computed, and the same seed "
        "draws the same shifts, so the dreams are equal bit for bit.",
        {
            "b": "The objective is sum_l w_l mean(A_l^2): with w = 0 the term, and its gradient, is exactly 0.",
            "c": "The random shifts come from the seed alone, not from which layers are read.",
        },
    )
)


register(
    Question(
        "04-mix-vs-single",
        "The blocks.13-only dream (section 2) raises blocks.13's objective about 2.5 times. We dream "
        "blocks.10 + 2 x blocks.13 with the same recipe: every step is then shared between the two "
        "layers. How much does this mix raise blocks.13?",
        {
            "a": "Less than the blocks.13-only dream: part of every step goes to blocks.10",
            "b": "More than the blocks.13-only dream",
            "c": "Exactly as much: the weights only rescale the objective",
        },
        "b",
        "More (about 3.1 times, also averaged over shifted copies). Gradient ascent with fixed-size "
        "steps is greedy: each step follows the steepest direction for the objective now, which need "
        "not be the best path over 40 steps. blocks.13 is computed from blocks.10, and the blocks.10 "
        "dream alone already raises blocks.13 about 1.7 times, so detail that blocks.10 draws likely "
        "gives blocks.13 more to amplify.",
        {
            "a": "That would hold if each step were the best possible move for the final result; a greedy "
            "ascent's steps are not, and blocks.10's detail feeds blocks.13.",
            "c": "The normalised step removes the objective's overall scale, but a weight changes the "
            "balance between the two layers' gradients, so the direction of every step changes.",
        },
    )
)


__all__ = ["check_feature_distance", "check_normalize_gradient", "check_total_variation"]
