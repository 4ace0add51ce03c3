"""Exercises of notebook 12 (relevance: LRP, DeepLIFT and conservation)."""

from __future__ import annotations

from typing import Callable

import torch

from .common import attempt, close, diagnose, report
from .question import Question, register


def lrp_epsilon_reference(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor, relevance: torch.Tensor, epsilon: float) -> torch.Tensor:
    """The LRP-epsilon rule for one linear layer ``z = W x + b`` (Bach et al. 2015):
    ``R_j = sum_k x_j w_kj R_k / (z_k + epsilon sign(z_k))``, zeros counted positive."""
    z = weight @ x + bias
    s = relevance / (z + epsilon * torch.where(z >= 0, 1.0, -1.0))
    return x * (weight.T @ s)


def check_lrp_epsilon(fn: Callable[..., torch.Tensor]) -> bool:
    """``fn(x, weight, bias, relevance, epsilon)`` (``x`` ``(D,)``, ``weight`` ``(K,D)``,
    ``bias`` ``(K,)``, ``relevance`` ``(K,)`` at the outputs) must return the ``(D,)``
    relevance of the inputs by the LRP-epsilon rule (:func:`lrp_epsilon_reference`).
    Checked on two random layers, one with ``epsilon = 0`` (LRP-0) and one with a large
    epsilon. Likely mistakes get a hint: the gradient without the input, no bias in ``z``,
    no stabiliser sign, the relevance not divided by ``z``."""
    gen = torch.Generator().manual_seed(0)
    for epsilon in (0.0, 1.5):
        x = torch.rand(5, generator=gen) * 2 - 0.5
        w = torch.randn(4, 5, generator=gen)
        b = torch.randn(4, generator=gen) * 0.5
        r = torch.rand(4, generator=gen) + 0.1
        ok, got = attempt(fn, x.clone(), w.clone(), b.clone(), r.clone(), epsilon, name="lrp_epsilon")
        if not ok:
            return report(False, "lrp_epsilon", got)
        if not isinstance(got, torch.Tensor):
            return report(False, "lrp_epsilon", f"return a tensor of shape (5,), got {type(got).__name__}")
        ref = lrp_epsilon_reference(x, w, b, r, epsilon)
        same, why = close(got, ref, rtol=1e-4, atol=1e-6)
        if not same:
            z = w @ x + b
            sign = torch.where(z >= 0, 1.0, -1.0)
            hint = diagnose(
                got,
                [
                    (w.T @ (r / (z + epsilon * sign)), "that is the gradient part alone: multiply by the input x_j"),
                    (
                        lrp_epsilon_reference(x, w, torch.zeros_like(b), r, epsilon),
                        "z must include the bias: z = weight @ x + bias (the bias's share is what it keeps)",
                    ),
                    (x * (w.T @ (r / (z + epsilon))), "the stabiliser takes the sign of z: z + epsilon * sign(z), so it never pushes a negative z towards 0"),
                    (x * (w.T @ r), "divide the relevance of each output by its z_k (the share x_j w_kj / z_k)"),
                ],
            )
            return report(False, "lrp_epsilon", f"{why} (epsilon = {epsilon}). {hint}".strip())
    kept = float(r.sum() - ref.sum())
    return report(
        True,
        "lrp_epsilon",
        f"with epsilon = 1.5 the inputs get {float(ref.sum()):.3f} of the outputs' {float(r.sum()):.3f}; the bias and epsilon keep {kept:.3f}",
    )


register(
    Question(
        "12-conservation",
        "LRP (composite `epsilon_plus_flat`) explains the German shepherd's logit, about 10.9. LRP's rules are "
        "built to conserve relevance from one layer to the next. What will the pixels' relevance add up to on "
        "EfficientNet-Lite0?",
        {
            "a": "exactly the logit: LRP conserves relevance",
            "b": "a little less than the logit: the epsilon stabiliser absorbs a few percent",
            "c": "a tiny fraction of the logit: the layers' biases keep almost all of it",
            "d": "more than the logit: the residual sums count relevance twice",
        },
        "c",
        "The pixels get well under 1% of the logit. EfficientNet-Lite0 has a bias in every convolution once its "
        "BatchNorm layers are folded in, and this package counts each bias as one more input of its layer (the "
        "convention of Montavon et al.'s 2019 overview). Each layer hands its inputs R_k x_j w_jk / z_k and its "
        "bias keeps R_k b_k / z_k (for z+, the positive bias part); sixteen blocks of two or three "
        "convolutions, each keeping a share, leave little for the pixels. Conservation holds for the account as a whole: pixels "
        "plus what every bias kept is the logit, to float precision.",
        {
            "a": "The pixel sum is the logit only if no layer keeps a share: no biases, no epsilon, and no unit that "
            "carries relevance but has no positive contribution to pass it to (leaving the bias out of the rule, as "
            "deep Taylor's z+ does, is not enough: section 3). Here the bias counts as an input, every folded "
            "BatchNorm gives a convolution a bias, and each bias keeps its share.",
            "b": "The epsilon stabiliser here is 1e-6: it absorbs almost nothing. The biases are what keep the relevance, and there are many of them.",
            "d": "The rule for a residual sum splits the relevance between the skip and the branch in proportion "
            "to their values (a signed split, not a copy): the two shares add up to what arrived, so nothing is counted twice.",
        },
    )
)

register(
    Question(
        "12-baseline",
        "DeepLIFT explains f(x) - f(x') for a reference x'. We run it on the German shepherd four times, with "
        "a black image, the blurred photo, uniform noise and the data-mean colour as x'. What happens to the "
        "maps?",
        {
            "a": "they are the same map: DeepLIFT explains the dog, whatever the reference",
            "b": "they change: each explains a different difference, and their sums differ too",
            "c": "only the scale changes: every map is the same picture times f(x) - f(x')",
        },
        "b",
        "Each map adds up to its own f(x) - f(x'), and the pictures differ. DeepLIFT's attribution is "
        "(x - x') times a multiplier, so a pixel equal to its reference gets nothing: against the blurred photo "
        "only what the blur changed (edges, fur texture) can carry relevance, against the mean colour the pixels "
        "far from it (the dark back) stand out. The reference is part of the question the map answers.",
        {
            "a": "DeepLIFT never explains x alone: it explains the difference from x'. A different x' is a different question, and the printed sums differ.",
            "c": "The multipliers are computed against each reference (the Rescale rule divides output by input "
            "differences), so the pattern changes, not just the scale: compare the blurred panel with the black one.",
        },
    )
)
