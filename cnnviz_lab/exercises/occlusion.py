"""Exercises of notebook 07 (occlusion sensitivity)."""

from __future__ import annotations

from typing import Callable

import torch
import torch.nn.functional as F

from ..attribution.occlusion import occlusion_grid
from ..models.classifier import Classifier
from .common import attempt, close, diagnose, report
from .question import Question, register

CHECK_SIDE = 64  # check_occlusion_drop works on a copy of the image this many pixels wide
CHECK_WINDOW = 16


def check_occlude(fn: Callable[[torch.Tensor, int, int, int, float], torch.Tensor]) -> bool:
    """``fn(x, top, left, window, value)`` must return a copy of the ``(N,C,H,W)`` batch ``x``
    with the square ``[top:top+window, left:left+window]`` set to ``value`` in every channel,
    clipped at the border, leaving ``x`` itself unchanged. Likely mistakes get their own
    hint: writing into ``x``, rows and columns swapped, an off-by-one square, one channel or
    one image only."""
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(2, 3, 10, 12, generator=gen)
    keep = x.clone()
    for top, left, window in ((2, 3, 4), (7, 9, 5)):
        ok, got = attempt(fn, x, top, left, window, -1.5, name="occlude")
        if not ok:
            return report(False, "occlude", got)
        if not torch.equal(x, keep):
            x.copy_(keep)
            return report(False, "occlude", "your function changed x itself: work on x.clone()")
        ref = keep.clone()
        ref[:, :, top : top + window, left : left + window] = -1.5
        same, why = close(got, ref, atol=0)
        if not same:

            def square(t, l, s, channels=slice(None), images=slice(None)):
                out = keep.clone()
                out[images, channels, t : t + s, l : l + s] = -1.5
                return out

            hint = diagnose(
                got,
                [
                    (square(left, top, window), "rows and columns are swapped: x[..., top:top+window, left:left+window] (height first, then width)"),
                    (square(top, left, window + 1), "one pixel too many: the square is top:top+window (the end is excluded)"),
                    (square(top, left, window - 1), "one pixel too few: the square is top:top+window"),
                    (square(top, left, window, channels=0), "set the square in EVERY channel: x[:, :, ...]"),
                    (square(top, left, window, images=0), "set the square in every image of the batch: x[:, :, ...]"),
                ],
                atol=0,
            )
            return report(False, "occlude", f"top={top}, left={left}, window={window}: " + (hint or why))
    return report(True, "occlude", "one occluded copy; occlusion() makes all of them in batches")


def check_occlusion_drop(fn: Callable[[Classifier, torch.Tensor, int, int, int], float], classifier: Classifier, x: torch.Tensor) -> bool:
    """``fn(classifier, x, top, left, window)`` must return how much the top-1 class's
    probability falls when that square of image ``x`` (one image) is set to 0.0 (the
    dataset mean colour): ``p(x) - p(x occluded)``.

    Checked in about a second on a 64-pixel copy of ``x`` against two cells of
    :func:`~cnnviz_lab.occlusion_grid` (16-pixel squares): one at a corner, one where
    occlusion hurts the class most. Likely mistakes get their own hint: logits instead of
    probabilities, the occluded image's top class, the sign, rows and columns swapped."""
    module = getattr(classifier, "model", classifier)
    small = (
        F.interpolate(x[:1].detach(), size=(CHECK_SIDE, CHECK_SIDE), mode="bilinear", align_corners=False, antialias=True)
        if max(x.shape[-2:]) > CHECK_SIDE
        else x[:1].detach()
    )
    grid = occlusion_grid(classifier, small, window=CHECK_WINDOW, stride=CHECK_WINDOW, fill=0.0, progress=False)
    drops = grid.drop[0, 0]
    worst = divmod(int(drops.argmax()), drops.shape[1])
    cells = [(0, drops.shape[1] - 1), worst] if worst != (0, drops.shape[1] - 1) else [worst, (0, 0)]
    keep = small.clone()
    for i, j in cells:
        top, left = grid.ys[i], grid.xs[j]
        ok, got = attempt(fn, classifier, small, top, left, CHECK_WINDOW, name="occlusion_drop")
        if not ok:
            return report(False, "occlusion_drop", got)
        if not torch.equal(small, keep):
            return report(False, "occlusion_drop", "your function changed x itself: occlude a copy (x.clone())")
        try:
            value = torch.as_tensor(float(got))
        except (TypeError, ValueError, RuntimeError):
            return report(False, "occlusion_drop", f"return one number (a float), got {type(got).__name__}")
        ref = drops[i, j].cpu()
        same, why = close(value, ref, rtol=1e-3, atol=1e-5)
        if not same:
            hint = diagnose(value, _mistakes(module, small, top, left, grid), rtol=1e-3, atol=1e-5)
            return report(
                False,
                "occlusion_drop",
                f"square at ({top}, {left}): " + (hint or why + " (did you use the softmax probabilities of the unoccluded image's top-1 class?)"),
            )
    return report(True, "occlusion_drop", "this is one cell of the occluder-position heatmap")


def _mistakes(module, x: torch.Tensor, top: int, left: int, grid) -> list:
    def occluded(t, l):
        out = x.clone()
        out[:, :, t : t + CHECK_WINDOW, l : l + CHECK_WINDOW] = 0.0
        return out

    with torch.no_grad():
        z, zo, zs = module(x)[0], module(occluded(top, left))[0], module(occluded(left, top))[0]
    p, po, ps = z.softmax(0), zo.softmax(0), zs.softmax(0)
    c, co = int(p.argmax()), int(po.argmax())
    out = [
        (torch.tensor(float(p[c] - po[c])).neg(), "the sign is flipped: the drop is p(x) - p(x occluded), positive when hiding the square hurts the class"),
        (torch.tensor(float(z[c] - zo[c])), "these are logits: apply softmax(dim=1) and compare probabilities"),
    ]
    if co != c:
        out.append((torch.tensor(float(p[co] - po[co])), "you took the top class of the OCCLUDED image: follow the unoccluded image's top-1 class"))
    if top != left:
        out.append((torch.tensor(float(p[c] - ps[c])), "rows and columns are swapped: the square is x[..., top:top+window, left:left+window]"))
    return out


register(
    Question(
        "07-fill",
        "We hide 32-pixel squares of the drum-kit photo (stride 32) with three fills: black, mid grey and "
        "a blurred copy of the pixels underneath. Which fill makes the 'electric guitar' probability "
        "(0.22 on the whole photo) drop the most at its worst square?",
        {"a": "black", "b": "grey", "c": "blur", "d": "all three the same: the square hides the same pixels"},
        "a",
        "On this photo black costs the most at its worst square, about 0.12 of probability, against "
        "about 0.07 for grey and for blur. The square hides the same pixels each time, so the "
        "difference comes from the replacement: the network sees the patch, not missing pixels. An "
        "occlusion map answers 'what if this were replaced by THAT', so always report the fill.",
        {
            "b": "On this photo grey (about 0.07) and blur (about 0.07) cost about the same at their worst "
            "square, and black more (about 0.12): a flat black patch adds stronger edges on the guitar.",
            "c": "A blurred copy keeps the colours and removes only detail; here it costs about as much as grey (about 0.07) and less than black (about 0.12).",
            "d": "The network sees the replacement, not just the missing pixels: here black costs about 0.12 at its worst square, grey and blur about 0.07.",
        },
    )
)


register(
    Question(
        "07-logit",
        "The network gives the German shepherd photo p = 0.97, the drum-kit photo's guitar p = 0.22. We "
        "hide 32-pixel grey squares (stride 32) on both photos and read the class's output twice: as a "
        "probability and as a logit. Compare the two photos' worst squares. Which is true?",
        {
            "a": "the dog's worst square costs more than the guitar's, in probability and in logit",
            "b": "the dog's worst square costs less probability than the guitar's, but more logit",
            "c": "the dog's worst square costs less than the guitar's, in probability and in logit",
            "d": "the dog's worst square costs more probability than the guitar's, but less logit",
        },
        "b",
        "The dog's worst square costs about 0.04 of probability against the guitar's 0.08, but about "
        "0.8 of logit against the guitar's 0.5. The softmax's slope is p(1 - p): 0.17 at p = 0.22, "
        "0.03 at p = 0.97. Near 1 it is flat (saturated), so a confident class's probability hides "
        "drops its logit shows: read logits on confident photos.",
        {
            "a": "Not in probability: at p = 0.97 the softmax is flat (slope p(1 - p) = 0.03), so even a "
            "square the network relies on moves the probability little (about 0.04 here, 0.08 for "
            "the guitar).",
            "c": "Not in logit: the dog's worst square lowers its logit by about 0.8, more than the "
            "guitar's 0.5. Only the probability hides it: the softmax saturates near 1.",
            "d": "It is the other way round: the softmax's slope p(1 - p) is 0.17 at p = 0.22 and 0.03 at "
            "p = 0.97, so the same logit drop costs the confident class far less probability.",
        },
    )
)

__all__ = ["check_occlude", "check_occlusion_drop"]
