"""The contour template matcher: finds a known shift and a known size on synthetic images,
and answers bad input with one clear error."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

import cnnviz_lab as cv


def scene(seed: int = 0, size: int = 96) -> torch.Tensor:
    """A smooth random RGB picture in [0, 1]: noise blurred so that contours have structure."""
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(1, 3, size // 4, size // 4, generator=g)
    return F.interpolate(x, size=(size, size), mode="bicubic", align_corners=False).clamp(0, 1)


@pytest.mark.parametrize("dx, dy", [(5, -3), (-7, 6), (0, 0)])
def test_finds_a_rolled_copy_exactly(dx, dy):
    ref = scene()
    moved = ref.roll((dy, dx), dims=(-2, -1))
    darker = 0.6 * moved + 0.1  # paler, offset: contours ignore brightness and contrast
    match = cv.optvis.locate_patch(ref, torch.cat([moved, darker]), (30, 30, 62, 62), max_shift=10)
    assert match.shifts == [(dx, dy), (dx, dy)]
    assert torch.allclose(match.scores, torch.ones(2), atol=1e-4)
    assert match.scales == [1.0, 1.0]


def test_a_smaller_copy_fits_best_at_its_own_scale():
    ref = scene(1)
    patch = ref[..., 24:72, 24:72]  # 48x48, centre (48, 48)
    small = F.interpolate(patch, size=(36, 36), mode="bilinear", align_corners=False)
    other = scene(2).clone()
    other[..., 34:70, 38:74] = small  # a 3/4-size copy centred at (56, 52): 8 right, 4 down
    one = cv.optvis.locate_patch(ref, other, (24, 24, 72, 72), max_shift=16)
    many = cv.optvis.locate_patch(ref, other, (24, 24, 72, 72), max_shift=16, scales=(1.0, 0.75, 0.5))
    assert many.scales == [0.75] and many.shifts == [(8, 4)]
    assert many.scores[0] > 0.95 and many.scores[0] > one.scores[0] + 0.1


def test_contours_ignore_brightness_and_contrast_offsets():
    x = scene(3)
    e = cv.optvis.contours(x, width=9)
    assert e.shape == (1, 1, 96, 96)
    assert torch.allclose(cv.optvis.contours(x * 0.5 + 0.2, width=9), 0.5 * e, atol=1e-6)


def test_leaves_its_inputs_unchanged():
    ref, images = scene(4), scene(5)
    before = (ref.clone(), images.clone())
    cv.optvis.locate_patch(ref, images, (10, 10, 40, 40))
    assert torch.equal(ref, before[0]) and torch.equal(images, before[1])


@pytest.mark.parametrize(
    "kwargs, error, text",
    [
        (dict(reference=[1.0]), TypeError, "reference"),
        (dict(reference=torch.zeros(2, 3, 96, 96)), ValueError, "reference"),
        (dict(images=torch.zeros(1, 3, 64, 64)), ValueError, "images"),
        (dict(images=torch.zeros(1, 2, 96, 96)), ValueError, "images"),
        (dict(images=torch.zeros(1, 3, 96, 96, dtype=torch.int64)), TypeError, "images"),
        (dict(images=torch.full((1, 3, 96, 96), float("nan"))), ValueError, "images"),
        (dict(box=(50, 10, 40, 40)), ValueError, "box"),
        (dict(box=(0, 0, 100, 40)), ValueError, "box"),
        (dict(box="eye"), ValueError, "box"),
        (dict(max_shift=-1), ValueError, "max_shift"),
        (dict(width=4), ValueError, "width"),
        (dict(width=1), ValueError, "width"),
        (dict(scales=()), ValueError, "scales"),
        (dict(scales=(1.0, -0.5)), ValueError, "scales"),
        (dict(scales=(4.0,)), ValueError, "scales"),
    ],
)
def test_bad_input_names_the_argument(kwargs, error, text):
    args = dict(reference=scene(), images=scene(1), box=(20, 20, 50, 50)) | kwargs
    with pytest.raises(error, match=text):
        cv.optvis.locate_patch(args.pop("reference"), args.pop("images"), args.pop("box"), **args)


def test_a_double_reference_matches_float_images_as_a_float_one_does():
    ref, moved = scene(6), scene(6).roll((3, -4), dims=(-2, -1))
    single = cv.optvis.locate_patch(ref, moved, (30, 30, 62, 62), max_shift=8)
    mixed = cv.optvis.locate_patch(ref.double(), moved, (30, 30, 62, 62), max_shift=8)
    assert mixed.shifts == single.shifts == [(-4, 3)]
    assert torch.allclose(mixed.scores, single.scores, atol=1e-5)
