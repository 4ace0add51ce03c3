"""Exercises of notebooks 02-04 (activation maximisation, inversion, DeepDream)."""

from __future__ import annotations

from typing import Any, Callable

import torch
import torch.nn.functional as F

from ..optvis.objectives import tv
from ..core import checks, defaults
from ..core.hooks import capture
from ..models.classifier import Classifier
from ..optvis.deepdream import deepdream
from ..optvis.render import unit_image
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


def _step(
    net: Classifier,
    x: torch.Tensor,
    layer: str,
    lr: float,
    shift: tuple[int, int],
    *,
    unroll: bool = True,
    centre: bool = True,
    clip: bool = True,
    back: bool = True,
) -> torch.Tensor:
    """One DeepDream step written out (the reference and its likely mistakes): roll ``x`` by
    ``shift``, the gradient of ``mean(A^2)`` at ``layer``, rolled back, normalised to zero
    mean and unit std, a step of ``lr``, clipped to the valid pixel range."""
    dy, dx = shift
    rolled = torch.roll(x, (dy, dx), dims=(-2, -1)).detach().requires_grad_(True)
    with capture(net, layer) as cap:
        net(rolled)
        (g,) = torch.autograd.grad(cap[layer].pow(2).mean(), rolled)
    if unroll:
        g = torch.roll(g, (-dy, -dx), dims=(-2, -1))
    g = ((g - g.mean()) if centre else g) / (g.std() + 1e-8)
    out = (x if back else rolled.detach()) + lr * g
    if clip:
        out = torch.maximum(torch.minimum(out, (1 - net.mean) / net.std), (0 - net.mean) / net.std)
    return out


def check_dream_step(fn: Callable[..., torch.Tensor], model: Classifier, image: Any, layer: str, lr: float = 0.3, jitter: int = 32, side: int = 96) -> bool:
    """``fn(net, x, layer, lr, shift)`` must take one DeepDream step on the normalised input
    ``x`` ``(1,3,H,W)`` (Mordvintsev et al. 2015): roll ``x`` by ``shift = (dy, dx)`` pixels,
    take the gradient of ``mean(A^2)`` of ``layer`` (``A``: its output for the rolled image),
    roll the gradient back, normalise it to ``(g - mean(g)) / (std(g) + 1e-8)``, add ``lr``
    times it to ``x`` and clip every value to the valid range ``[(0 - net.mean) / net.std,
    (1 - net.mean) / net.std]``. It is compared with ``cv.deepdream(model, x, {layer: 1},
    octaves=1, steps=1, lr=lr, jitter=jitter, seed=s)`` for three seeds (each seed draws the
    shift as :func:`cnnviz_lab.deepdream` does), on ``image`` resized to ``side`` pixels.
    Likely mistakes get their own hint: no roll, no roll back, no mean subtracted, no
    clipping, the step added to the rolled image."""
    if not isinstance(model, Classifier):
        raise TypeError(f"model must be a classifier from cv.load_model or cv.wrap_model (it knows its input mean and std), got {type(model).__name__}")
    if not isinstance(layer, str) or not layer:
        raise TypeError(f"layer must be a layer name such as 'blocks.10', got {layer!r:.60}")
    lr = checks.real(lr, "lr", minimum=0.0, strict=True)
    jitter = checks.integer(jitter, "jitter", minimum=1, what="an int >= 1")
    side = checks.integer(side, "side", minimum=16, what="an int >= 16")
    unit = unit_image(image, model, model.model)[:1]
    unit = F.interpolate(unit, size=(side, side), mode="bilinear", align_corners=False, antialias=True).clamp(0, 1)
    x = model.from_unit(unit)
    for seed in (0, 1, 2):
        ref = deepdream(model, x, {layer: 1.0}, octaves=1, steps=1, lr=lr, jitter=jitter, seed=seed, as_tensor=True, progress=False)
        dy, dx = (int(v) for v in torch.randint(-jitter, jitter + 1, (2,), generator=defaults.generator(seed)))
        given = x.clone()
        ok, got = attempt(fn, model, given, layer, lr, (dy, dx), name="dream_step")
        if not ok:
            return report(False, "dream_step", got)
        if not torch.equal(given, x):
            return report(False, "dream_step", "your function changed x in place: return a new tensor (x + lr * g, clipped)")
        if not isinstance(got, torch.Tensor):
            return report(False, "dream_step", f"return the new input as a tensor, got {type(got).__name__}")
        same, why = close(model.to_unit(got.detach()), ref, rtol=1e-4, atol=1e-4)  # not clamped: the clip is the student's
        if same:
            continue
        mistakes = [
            (
                _step(model, x, layer, lr, (dy, dx), unroll=False),
                f"roll the gradient back by (-dy, -dx) = {(-dy, -dx)} before the step: it was computed on the rolled image",
            ),
            (_step(model, x, layer, lr, (dy, dx), back=False), "add the step to x itself, not to the rolled copy (roll only to compute the gradient)"),
            (_step(model, x, layer, lr, (dy, dx), centre=False), "subtract the gradient's mean before dividing by its standard deviation"),
            (_step(model, x, layer, lr, (0, 0)), f"roll x by the shift you are given, {(dy, dx)}, before computing the gradient (and roll the gradient back)"),
            (_step(model, x, layer, lr, (dy, dx), clip=False), "clip every value to [(0 - net.mean) / net.std, (1 - net.mean) / net.std]: pixels stay in 0..1"),
        ]
        hint = diagnose(model.to_unit(got.detach()), [(model.to_unit(w), h) for w, h in mistakes], rtol=1e-4, atol=1e-4)
        return report(False, "dream_step", hint or f"{why} (shift {(dy, dx)}, compared with cv.deepdream(..., octaves=1, steps=1, seed={seed}))")
    return report(True, "dream_step", "your step equals cv.deepdream's single step for three random shifts")


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
            "b": "blocks.12: a deep block keeps less of what the photo looked like, so more is left to the prior",
            "c": "About the same at both: each inversion matches its own layer as well as it can",
        },
        "b",
        "blocks.12 (printed below the figure: 0.054 against blocks.1's 0.016, over three times as much). A shallow "
        "block keeps nearly everything: its units see small patches of the image, with their colours, so "
        "matching them rebuilds the photo. A deep block has thrown exact colours and fine layout away; many "
        "images give the same blocks.12 activations, and the one the optimiser finds is a texture with the "
        "cat's parts in it. Watch the titles too: blocks.12 reaches the SMALLER feature distance d, so a "
        "small d does not mean a faithful picture: d falls with depth while the pixel error rises.",
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


__all__ = ["check_dream_step", "check_feature_distance", "check_normalize_gradient", "check_total_variation"]
