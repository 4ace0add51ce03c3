"""Where a part of a photo lies in a reconstruction: a contour template matcher.

Reading an inversion (Mahendran & Vedaldi, CVPR 2015) often means asking whether a part of
the photo (an eye, say) is drawn in the same place. :func:`locate_patch` answers it by
normalised cross-correlation (the classic template matching of Lewis, *Fast Normalized
Cross-Correlation*, Vision Interface 1995) on *contours*, brightness minus its local mean, so
that a reconstruction's paler colours or brightness offset do not decide the match. A template
taken from the photo can be matched at several sizes, since a reconstruction may draw a part
smaller or larger; the score says how well the best fit fits (1: a perfect match).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from ..core import checks

LUMA = (0.299, 0.587, 0.114)


@dataclass(frozen=True)
class PatchMatch:
    """Where the template fits best in each image: ``shifts[i]`` is ``(right, down)`` in
    pixels, the move of the best fit's centre from the box's centre; ``scores[i]`` its
    normalised cross-correlation in [-1, 1]; ``scales[i]`` the template size that fit best."""

    shifts: list[tuple[int, int]]
    scores: torch.Tensor
    scales: list[float]


def contours(images: torch.Tensor, width: int = 9) -> torch.Tensor:
    """Brightness (ITU-R BT.601 luma of RGB, or the single channel) minus its mean over a
    ``width`` x ``width`` window, ``(N,1,H,W)``: the light-and-dark edges of each image,
    without its overall brightness or colour. ``width``: an odd int >= 3."""
    width = checks.integer(width, "width", minimum=3)
    if width % 2 == 0:
        raise ValueError(f"width must be odd (a window centred on each pixel), got {width}")
    x = _images(images, "images")
    gray = (x * x.new_tensor(LUMA).view(1, 3, 1, 1)).sum(1, keepdim=True) if x.shape[1] == 3 else x
    return gray - F.avg_pool2d(gray, width, 1, width // 2, count_include_pad=False)


def locate_patch(
    reference: torch.Tensor, images: torch.Tensor, box: Sequence[int], *, max_shift: int = 20, width: int = 9, scales: Sequence[float] = (1.0,)
) -> PatchMatch:
    """Find the part ``box = (x0, y0, x1, y1)`` of ``reference`` in each of ``images``.

    The template is the box's contours (:func:`contours`, window ``width``) in the reference,
    resized by each of ``scales``; it slides over each image's contours with its centre within
    ``max_shift`` pixels of the box's centre (both axes, clipped at the borders), and the
    position and size with the highest normalised cross-correlation win (Lewis 1995).
    ``reference``: one image ``(1,C,H,W)`` or ``(C,H,W)``; ``images``: ``(N,C,H,W)`` of the same
    size, C = 1 or 3, finite. A score near 1 is a close fit; a low score means the best fit may
    be a loose resemblance, not the part itself. Returns a :class:`PatchMatch`."""
    ref = _images(reference, "reference")
    if ref.shape[0] != 1:
        raise ValueError(f"reference must be one image, got a batch of {ref.shape[0]}")
    x = _images(images, "images")
    if x.shape[1:] != ref.shape[1:]:
        raise ValueError(f"images must have the reference's channels and size {tuple(ref.shape[1:])}, got {tuple(x.shape[1:])}")
    if x.device != ref.device:
        raise ValueError(f"images must be on the reference's device ({ref.device}), got {x.device}")
    common = torch.promote_types(ref.dtype, x.dtype)  # e.g. a float64 reference and float32 images
    ref, x = ref.to(common), x.to(common)
    x0, y0, x1, y1 = checks.box(box)
    h, w = ref.shape[-2:]
    if not (0 <= x0 < x1 <= w and 0 <= y0 < y1 <= h):
        raise ValueError(f"box must lie inside the {w}x{h} image with x0 < x1 and y0 < y1, got {(x0, y0, x1, y1)}")
    max_shift = checks.integer(max_shift, "max_shift", minimum=0)
    if isinstance(scales, (str, bytes)) or not isinstance(scales, Sequence) or not scales:
        raise ValueError(f"scales must be a non-empty sequence of positive numbers, got {scales!r}")
    scales = [checks.real(s, "scales", minimum=0, strict=True) for s in scales]
    e_ref, e = contours(ref, width), contours(x, width)
    cy, cx = (y0 + y1) / 2, (x0 + x1) / 2
    best = torch.full((x.shape[0],), -2.0, dtype=torch.float64)
    shifts: list[tuple[int, int]] = [(0, 0)] * x.shape[0]
    chosen = [scales[0]] * x.shape[0]
    for s in scales:
        th, tw = max(3, round((y1 - y0) * s)), max(3, round((x1 - x0) * s))
        if th > h or tw > w:
            raise ValueError(f"scales: {s} makes the {x1 - x0}x{y1 - y0} template larger than the image")
        t = F.interpolate(e_ref[..., y0:y1, x0:x1], size=(th, tw), mode="bilinear", align_corners=False) if s != 1 else e_ref[..., y0:y1, x0:x1]
        t = t - t.mean()
        norm = t.pow(2).sum().sqrt().clamp(min=1e-12)
        ones = torch.ones_like(t)
        spread = F.conv2d(e.pow(2), ones) - F.conv2d(e, ones).pow(2) / t.numel()  # each window's energy about its own mean
        score = F.conv2d(e, t) / (spread.clamp(min=0).sqrt().clamp(min=1e-12) * norm)  # (N,1,H-th+1,W-tw+1), in [-1, 1]
        top, left = cy - th / 2, cx - tw / 2  # the template's corner when centred on the box
        r0, r1 = max(0, round(top) - max_shift), min(h - th, round(top) + max_shift)
        c0, c1 = max(0, round(left) - max_shift), min(w - tw, round(left) + max_shift)
        if r0 > r1 or c0 > c1:
            continue
        window = score[:, 0, r0 : r1 + 1, c0 : c1 + 1].flatten(1).double()
        value, index = window.max(1)
        for i in range(x.shape[0]):
            if value[i] > best[i]:
                row, col = r0 + index[i].item() // (c1 - c0 + 1), c0 + index[i].item() % (c1 - c0 + 1)
                best[i], chosen[i] = value[i], s
                shifts[i] = (round(col + tw / 2 - cx), round(row + th / 2 - cy))
    return PatchMatch(shifts=shifts, scores=best.float(), scales=chosen)


def _images(value: torch.Tensor, name: str) -> torch.Tensor:
    if not isinstance(value, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(value).__name__}")
    if value.dim() == 3:
        value = value.unsqueeze(0)
    if value.dim() != 4 or value.shape[1] not in (1, 3):
        raise ValueError(f"{name} must be (N,C,H,W) or (C,H,W) with C = 1 or 3, got shape {tuple(value.shape)}")
    if not value.is_floating_point():
        raise TypeError(f"{name} must be a floating-point tensor, got {value.dtype}")
    if not torch.isfinite(value).all():
        raise ValueError(f"{name} must be finite (found NaN or inf)")
    return value.detach()


__all__ = ["PatchMatch", "contours", "locate_patch"]
