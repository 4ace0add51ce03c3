"""Exercises of notebook 05 that test a reading of a class activation map: greying out boxes
(does the score fall by the map's share there?) and sweeping the threshold of Zhou et al.'s box."""

from __future__ import annotations

from typing import Callable, Sequence

import torch

from ..evaluate.localization import box_iou, cam_box
from .common import attempt, close, diagnose, report

THRESHOLDS = (0.1, 0.2, 0.5)  # the thresholds check_iou_sweep asks for


def _grey(x: torch.Tensor, boxes: Sequence[Sequence[int]], channels=slice(None), swap: bool = False) -> torch.Tensor:
    out = x.clone()
    for x0, y0, x1, y1 in boxes:
        if swap:
            x0, y0, x1, y1 = y0, x0, y1, x1
        out[:, channels, y0:y1, x0:x1] = 0
    return out


def check_grey_out(fn: Callable[[torch.Tensor, Sequence[Sequence[int]]], torch.Tensor]) -> bool:
    """``fn(x, boxes)`` must return a copy of the ``(N,C,H,W)`` batch ``x`` with the pixels of
    every ``(x0, y0, x1, y1)`` box (pixel corners, ``x1``/``y1`` excluded) set to 0 in every
    channel, 0 being the mean grey after the network's input scaling, and leave ``x`` itself
    unchanged. This is occlusion (Zeiler & Fergus 2014) with hand-drawn boxes, the probe that
    tests whether a region a CAM (Zhou et al. 2016) lights up carries the score. Likely
    mistakes get their own hint: writing into ``x``, x and y swapped, one channel only."""
    x = torch.randn(2, 3, 12, 16, generator=torch.Generator().manual_seed(0)) + 2.0
    keep = x.clone()
    boxes = [(1, 2, 6, 5), (9, 4, 15, 11)]  # two boxes, wider than tall and taller than wide
    ok, got = attempt(fn, x, boxes, name="grey_out")
    if not ok:
        return report(False, "grey_out", got)
    if not torch.equal(x, keep):
        x.copy_(keep)
        return report(False, "grey_out", "your function changed x itself: work on x.clone()")
    ref = _grey(keep, boxes)
    same, why = close(got, ref, atol=0)
    if not same:
        hint = diagnose(
            got,
            [
                (_grey(keep, boxes, swap=True), "x and y are swapped: a box (x0, y0, x1, y1) covers x[..., y0:y1, x0:x1] (rows first)"),
                (_grey(keep, boxes, channels=0), "grey out EVERY channel: x[:, :, y0:y1, x0:x1]"),
                (_grey(keep, boxes[:1]), "grey out every box of the list, not only the first"),
            ],
            atol=0,
        )
        return report(False, "grey_out", hint or why + " (set each box's pixels to 0 in a copy of x)")
    return report(
        True,
        "grey_out",
        f"on the checker's own small test batch (2 images of 12x16, not your image): {int((ref[0, 0] == 0).sum())} of "
        f"{ref[0, 0].numel()} pixels greyed out in each channel of each image",
    )


def check_iou_sweep(fn: Callable[[torch.Tensor, Sequence[int], Sequence[float]], dict]) -> bool:
    """``fn(cam, box, thresholds)`` must return ``{threshold: IoU}``: for each threshold, the
    box Zhou et al. (CVPR 2016) draw from the ``(H, W)`` map ``cam`` (``cv.evaluate.cam_box``:
    pixels at or above that fraction of the maximum, largest connected region) and its
    intersection over union with ``box`` (``cv.evaluate.box_iou``). Checked on a map with two
    blobs, where the IoU changes with the threshold."""
    yy, xx = torch.meshgrid(torch.arange(40.0), torch.arange(48.0), indexing="ij")
    cam = torch.exp(-((xx - 30) ** 2 + (yy - 18) ** 2) / 60) + 0.3 * torch.exp(-((xx - 12) ** 2 + (yy - 25) ** 2) / 30)
    box = (22, 10, 40, 28)
    ok, got = attempt(fn, cam.clone(), box, THRESHOLDS, name="iou_by_threshold")
    if not ok:
        return report(False, "iou_by_threshold", got)
    if not isinstance(got, dict) or sorted(got) != sorted(THRESHOLDS):
        return report(False, "iou_by_threshold", f"return a dict with one IoU per threshold, keys {THRESHOLDS}; got {got!r:.80}")
    ref = {t: box_iou(cam_box(cam, threshold=t), box) for t in THRESHOLDS}
    wrong = [t for t in THRESHOLDS if not isinstance(got[t], (int, float)) or abs(float(got[t]) - ref[t]) > 1e-6]
    if wrong:
        t = wrong[0]
        return report(
            False,
            "iou_by_threshold",
            f"threshold {t}: IoU {got[t]!r:.12}, expected {ref[t]:.3f} (cv.evaluate.box_iou(cv.evaluate.cam_box(cam, threshold=t), box))",
        )
    best = max(ref, key=ref.get)
    return report(
        True,
        "iou_by_threshold",
        f"on the checker's synthetic test map (not your image), IoU {', '.join(f'{ref[t]:.2f}' for t in THRESHOLDS)} at {THRESHOLDS}: best at {best:.0%}",
    )
