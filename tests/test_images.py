import numpy as np
import pytest
import torch
from PIL import Image

import cnnviz_lab as cv


def test_samples_load_as_rgb():
    assert set(cv.sample_images()) >= {"cat", "coffee", "cat_and_coffee"}
    for name in cv.sample_images():
        img = cv.sample_image(name)
        assert img.mode == "RGB" and min(img.size) >= 200
    with pytest.raises(cv.UnknownNameError, match="coffee"):
        cv.sample_image("cofee")


@pytest.mark.parametrize("mode", ["L", "P", "RGBA", "LA", "I;16", "I", "F", "CMYK", "1"])
def test_every_pil_mode_becomes_rgb(mode, tmp_path):
    base = Image.fromarray((np.arange(64 * 48) % 251).reshape(48, 64).astype(np.uint8))
    img = base.convert(mode) if mode != "I;16" else Image.fromarray(np.asarray(base).astype(np.uint16) * 257)
    assert img.mode == mode
    path = tmp_path / f"x_{mode.replace(';', '')}.{'tif' if mode in ('I;16', 'I', 'F', 'CMYK') else 'png'}"
    img.save(path)
    out = cv.load_image(path)
    assert out.mode == "RGB" and out.size == (64, 48)


def test_sixteen_bit_is_scaled_not_clipped(tmp_path):
    arr = np.full((10, 10), 65535, dtype=np.uint16)
    out = np.asarray(cv.load_image(arr))
    assert out.min() == 255


def test_rgba_is_composited_on_white():
    arr = np.zeros((4, 4, 4), dtype=np.uint8)  # fully transparent black
    assert np.asarray(cv.load_image(arr)).min() == 255


def test_exif_orientation_is_applied(tmp_path):
    img = Image.new("RGB", (40, 20), "red")
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees when displayed
    path = tmp_path / "rotated.jpg"
    img.save(path, exif=exif)
    assert cv.load_image(path).size == (20, 40)


def test_arrays_and_tensors():
    hwc = np.random.rand(20, 30, 3).astype(np.float32)
    assert cv.load_image(hwc).size == (30, 20)
    assert cv.load_image(np.moveaxis(hwc, -1, 0)).size == (30, 20)
    assert cv.load_image(torch.rand(1, 3, 20, 30)).size == (30, 20)
    with pytest.raises(ValueError, match="batch"):
        cv.load_image(torch.rand(2, 3, 8, 8))
    with pytest.raises(TypeError):
        cv.load_image(42)


def test_missing_file_and_not_an_image(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.png"):
        cv.load_image(tmp_path / "nope.png")
    bad = tmp_path / "notes.png"
    bad.write_text("hello")
    with pytest.raises(ValueError, match="notes.png"):
        cv.load_image(bad)


def test_huge_images_are_shrunk_never_cropped():
    big = Image.new("RGB", (6000, 3000))
    out = cv.load_image(big)
    assert out.size == (4096, 2048)
    assert cv.load_image(big, max_side=None).size == (6000, 3000)


def test_urls_are_refused_offline(monkeypatch):
    monkeypatch.setenv("CNNVIZ_OFFLINE", "1")
    with pytest.raises(RuntimeError, match="CNNVIZ_OFFLINE"):
        cv.load_image("https://example.com/cat.png")


def test_augmentations_are_seeded():
    a = cv.augment(cv.sample_image("cat"), ["random crop", "colour jitter"], seed=3)
    b = cv.augment(cv.sample_image("cat"), ["random crop", "colour jitter"], seed=3)
    assert all(np.array_equal(np.asarray(x), np.asarray(y)) for (_, x), (_, y) in zip(a, b))
    with pytest.raises(ValueError, match="unknown augmentation"):
        cv.augment(cv.sample_image("cat"), ["sepia"])
