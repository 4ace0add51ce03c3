import numpy as np
import pytest
import torch
from PIL import Image

import cnnviz_lab as cv


def test_samples_load_as_rgb():
    assert set(cv.sample_images()) >= {
        "cat",
        "coffee",
        "drums_and_guitar",
        "kitten_with_yarn",
        "bee_on_flower",
        "owl_on_branch",
        "german_shepherd",
        "red_panda",
        "giant_panda",
        "schwerin_palace",
        "colorful_cups",
    }
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


# --- the float pixel rule, files that are not (whole) images ------------------------------
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra import numpy as hnp  # noqa: E402

from cnnviz_lab.images.loading import HALF_LEVEL  # noqa: E402

PHOTO = Path(__file__).resolve().parents[2] / "data"


def _pixels(source) -> np.ndarray:
    return np.asarray(cv.load_image(source), dtype=np.int64)


def test_float_hwc_in_0_255_is_not_white():
    """Issue 13: a float photo in 0..255 came back all white (clipped to [0, 1])."""
    photo = np.asarray(cv.sample_image("cat"), dtype=np.float32)
    out = _pixels(photo)
    assert np.array_equal(out, photo.astype(np.int64))
    assert out.mean() < 200
    t = torch.from_numpy(photo).permute(2, 0, 1)  # a float (3,H,W) tensor in 0..255
    assert np.array_equal(_pixels(t), out)


@pytest.mark.parametrize(
    "value, expected",
    [
        (0.0, 0),
        (1.0, 255),
        (0.5, 128),
        (1 + HALF_LEVEL, 255),
        (-HALF_LEVEL, 0),  # [0, 1]
        (2.0, 2),
        (254.6, 255),
        (255.0, 255),
        (255.5, 255),
        (127.0, 127),  # 0..255
    ],
)
def test_float_rule_hand_cases(value, expected):
    a = np.zeros((4, 4, 3), dtype=np.float64)
    a[0, 0, 0] = value
    if value > 1 + HALF_LEVEL:  # the maximum decides the reading for the whole image
        a[1, 1, 1] = 2.0
    assert _pixels(a)[0, 0, 0] == expected


@pytest.mark.parametrize(
    "value, words",
    [
        (np.nan, "NaN or infinite"),
        (np.inf, "NaN or infinite"),
        (-np.inf, "NaN or infinite"),
        (-0.01, "normalised"),
        (-3.0, "deprocess"),
        (1.01, "clearly in 0..255"),
        (1.99, "clearly in 0..255"),
        (255.6, "clearly in 0..255"),
        (1e6, "rescale"),
    ],
)
def test_float_rule_refusals_name_the_argument(value, words):
    for make in (lambda a: a, lambda a: torch.from_numpy(a).permute(2, 0, 1)):
        a = np.full((4, 4, 3), 0.5)
        a[2, 2, 2] = value
        with pytest.raises(ValueError, match="source") as err:
            cv.load_image(make(a))
        assert words in str(err.value)


def test_integer_rule():
    assert _pixels(np.full((3, 3), 300, dtype=np.int32)).max() == round(300 * 255 / 65535)
    assert _pixels(np.full((3, 3), 200, dtype=np.int64)).max() == 200
    for bad in (np.full((3, 3), -1, dtype=np.int16), np.full((3, 3), 70000, dtype=np.int32)):
        with pytest.raises(ValueError, match="source: integer pixel values"):
            cv.load_image(bad)
    with pytest.raises(TypeError, match="source"):
        cv.load_image(np.full((3, 3), 1 + 1j))
    with pytest.raises(ValueError, match="empty"):
        cv.load_image(np.zeros((0, 4, 3), dtype=np.float32))


_SHAPES = st.sampled_from(["hw", "hwc", "chw"]).flatmap(lambda kind: st.tuples(st.just(kind), st.integers(1, 9), st.integers(5, 9)))


def _shape(kind: str, h: int, w: int) -> tuple[int, ...]:
    return {"hw": (h, w), "hwc": (h, w, 3), "chw": (3, h, w)}[kind]


def _hwc(a: np.ndarray, kind: str) -> np.ndarray:
    rgb = np.moveaxis(a, 0, -1) if kind == "chw" else a
    return np.repeat(rgb[..., None], 3, -1) if kind == "hw" else rgb


@settings(max_examples=60, deadline=None)
@given(data=st.data(), spec=_SHAPES, dtype=st.sampled_from([np.float16, np.float32, np.float64]), as_tensor=st.booleans())
def test_float_rule_property(data, spec, dtype, as_tensor):
    """Any float image: in [0, 1] -> round(255 a); max in [2, 255] -> round(a); anything
    else (NaN/inf, negative, max in (1, 2), max > 255.5) -> ValueError naming ``source``."""
    kind, h, w = spec
    regime = data.draw(st.sampled_from([(0.0, 1.0), (0.0, 255.0), (-2 * HALF_LEVEL, 1.0 + 2 * HALF_LEVEL), (0.0, 2.5), (-300.0, 300.0)]))
    values = st.floats(*regime).map(lambda v: float(dtype(v)))
    a = data.draw(hnp.arrays(dtype, _shape(kind, h, w), elements=values))
    odd = data.draw(st.sampled_from([None, np.nan, np.inf, -np.inf, -0.01, 1.5, 256.0, 1e4]))
    if odd is not None and data.draw(st.booleans()):
        a.flat[data.draw(st.integers(0, a.size - 1))] = odd
    tensor = torch.from_numpy(a.copy())
    source = (tensor.permute(2, 0, 1) if kind == "hwc" else tensor) if as_tensor else a  # tensors: (C,H,W)
    wide = a.astype(np.float64)
    finite = np.isfinite(wide).all()
    lo, hi = (wide.min(), wide.max()) if finite else (0, 0)
    if not finite or lo < -HALF_LEVEL or 1 + HALF_LEVEL < hi < 2 or hi > 255.5:
        with pytest.raises(ValueError, match="source"):
            cv.load_image(source)
        return
    scale = 255.0 if hi <= 1 + HALF_LEVEL else 1.0
    expected = (wide * scale).round().clip(0, 255).astype(np.int64)
    assert np.array_equal(_pixels(source), _hwc(expected, kind))
    if as_tensor:
        assert torch.equal(tensor, torch.from_numpy(a))  # the caller's tensor is untouched


@settings(max_examples=60, deadline=None)
@given(spec=_SHAPES, data=st.data())
def test_float_photo_in_0_255_keeps_its_values(spec, data):
    kind, h, w = spec
    a = data.draw(hnp.arrays(np.float32, _shape(kind, h, w), elements=st.integers(0, 255).map(float)))
    a.flat[0] = 255.0  # a real photo's maximum; anything from 2 up reads the same
    assert np.array_equal(_pixels(a), _hwc(a.astype(np.int64), kind))


def _file_outcome(payload: bytes, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"broken{suffix}"
        path.write_bytes(payload)
        try:
            img = cv.load_image(path)
        except ValueError as err:
            assert str(path) in str(err)
        else:  # Pillow read it whole (a cut after the last pixel): a real RGB image
            assert img.mode == "RGB" and min(img.size) >= 1


def test_truncated_and_corrupt_files_name_their_path(tmp_path):
    png = (PHOTO / "chelsea.png").read_bytes()
    cut = tmp_path / "cut.png"
    cut.write_bytes(png[: len(png) // 2])
    with pytest.raises(ValueError, match=f"{cut}.*truncated or corrupt"):
        cv.load_image(cut)
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    with pytest.raises(ValueError, match="empty.jpg"):
        cv.load_image(empty)
    with pytest.raises(IsADirectoryError, match=str(tmp_path)):
        cv.load_image(tmp_path)
    with pytest.raises(ValueError, match="empty string"):
        cv.load_image("")


def _small_files() -> dict[str, bytes]:
    """One small image in each format Pillow writes, plus two real photos."""
    import io

    rng = np.random.RandomState(0)
    base = Image.fromarray((rng.rand(12, 10, 3) * 255).astype(np.uint8))
    blobs = {".photo.png": (PHOTO / "chelsea.png").read_bytes(), ".photo.jpg": (PHOTO / "rocket.jpg").read_bytes()}
    for fmt, ext in [
        ("GIF", ".gif"),
        ("BMP", ".bmp"),
        ("TIFF", ".tif"),
        ("WEBP", ".webp"),
        ("ICO", ".ico"),
        ("PPM", ".ppm"),
        ("PNG", ".png"),
        ("JPEG", ".jpg"),
        ("TGA", ".tga"),
    ]:
        buf = io.BytesIO()
        base.save(buf, fmt)
        blobs[ext] = buf.getvalue()
    return blobs


SMALL_FILES = _small_files()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ext=st.sampled_from(sorted(SMALL_FILES)), cut=st.floats(0, 1), flips=st.lists(st.tuples(st.floats(0, 1), st.integers(0, 255)), max_size=6))
def test_damaged_files_give_an_image_or_an_error_naming_the_path(ext, cut, flips):
    """Cut short and with bytes overwritten: Pillow's OSError/SyntaxError/EOFError... never
    escape without the path."""
    data = bytearray(SMALL_FILES[ext])
    for where, byte in flips:
        data[int(where * (len(data) - 1))] = byte
    _file_outcome(bytes(data[: int(cut * len(data))]), ext[ext.rfind(".") :])


@settings(max_examples=30, deadline=None)
@given(payload=st.binary(max_size=256), suffix=st.sampled_from([".png", ".jpg", ".gif", ".bmp", ".tif"]))
def test_random_bytes_give_an_error_naming_the_path(payload, suffix):
    _file_outcome(payload, suffix)


def test_tensors_are_channels_first_whatever_their_size():
    assert cv.load_image(torch.ones(3, 1, 1)).size == (1, 1)
    assert cv.load_image(torch.rand(3, 2, 4)).size == (4, 2)
    assert cv.load_image(torch.rand(1, 3, 4, 3)).size == (3, 4)
    assert cv.load_image(np.random.rand(2, 4, 3)).size == (4, 2)  # arrays: HxWxC unless clearly CxHxW


def test_a_missing_file_or_a_folder_is_also_a_value_error(tmp_path):
    # every bad argument is a ValueError or TypeError; the OS error classes stay for code that catches them
    for where, kind in ((tmp_path / "nope.png", FileNotFoundError), (tmp_path, IsADirectoryError)):
        with pytest.raises(ValueError, match=str(where)) as caught:
            cv.load_image(where)
        assert isinstance(caught.value, kind)
