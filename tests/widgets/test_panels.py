"""The panels as a student meets them, on the installed ipywidgets (8 here; 7.7.1 in the
Colab environment of tests/widgets/test_colab_env.py, which runs this file there):

- every panel builds, each of its controls changes once, a button panel computes when
  pressed, and nothing raises or leaves an error in the panel;
- "your own photo": the upload value of ipywidgets 7 and of ipywidgets 8 is read, the
  image menu offers and selects the photo, a non-image or truncated file gives a sentence
  in the panel, never a traceback;
- channel sliders follow the layer (no IndexError past a layer's last channel);
- button panels compute nothing when built (a cheap preview instead);
- presets are named for what they are, and a preset whose network is missing says so.
"""

from __future__ import annotations

import io
from datetime import datetime, timezone

import ipywidgets as W
import pytest
from PIL import Image

import cnnviz_lab as cv
from cnnviz_lab.widgets import optvis as optvis_panels
from cnnviz_lab.widgets.upload import PREFIX, UPLOADS, decode_upload, uploaded_files

IPYWIDGETS_MAJOR = int(W.__version__.split(".")[0])


def _png(size=(40, 30), colour=(200, 40, 40)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, colour).save(buf, "PNG")
    return buf.getvalue()


def _jpeg(size=(64, 48)) -> bytes:
    buf = io.BytesIO()
    Image.effect_noise(size, 60).convert("RGB").save(buf, "JPEG", quality=90)
    return buf.getvalue()


def v7_value(name: str, data: bytes) -> dict:
    """What ipywidgets 7's FileUpload.value holds after one upload."""
    return {name: {"metadata": {"name": name, "type": "image/png", "size": len(data), "lastModified": 0}, "content": data}}


def v8_value(name: str, data: bytes) -> tuple:
    """What ipywidgets 8's FileUpload.value holds after one upload."""
    return ({"name": name, "type": "image/png", "size": len(data), "content": memoryview(data), "last_modified": datetime(2024, 1, 1, tzinfo=timezone.utc)},)


def simulate_upload(upload: W.FileUpload, name: str, data: bytes) -> None:
    """Do what the browser does when a file is chosen, on the installed ipywidgets."""
    if IPYWIDGETS_MAJOR >= 8:
        upload.value = v8_value(name, data)
    else:  # ipywidgets 7: the front end sends metadata and data, then bumps the counter
        upload.metadata = [{"name": name, "type": "image/png", "size": len(data), "lastModified": 0}]
        upload.data = [data]
        upload._counter += 1


@pytest.fixture(autouse=True)
def _forget_uploads():
    yield
    UPLOADS.clear()


# ----------------------------------------------------------------------------- the upload value
def test_both_upload_formats_give_name_and_bytes():
    data = _png()
    assert uploaded_files(v7_value("a.png", data)) == [("a.png", data)]
    assert uploaded_files(v8_value("a.png", data)) == [("a.png", data)]
    two = v8_value("a.png", data) + v8_value("b.png", b"xyz")
    assert [n for n, _ in uploaded_files(two)] == ["a.png", "b.png"]
    assert uploaded_files({}) == [] and uploaded_files(()) == [] and uploaded_files(None) == []


def test_a_malformed_upload_value_is_a_type_error_naming_it():
    with pytest.raises(TypeError, match="value"):
        uploaded_files("a.png")
    with pytest.raises(TypeError, match="ipywidgets 7"):
        uploaded_files({"a.png": b"raw bytes"})
    with pytest.raises(TypeError, match="ipywidgets 8"):
        uploaded_files(({"name": "a.png"},))
    with pytest.raises(TypeError, match="content"):
        uploaded_files(({"name": "a.png", "content": "text"},))


def test_decoding_an_upload_names_the_file_when_it_is_not_an_image():
    assert decode_upload("a.png", _png((40, 30))).size == (40, 30)
    with pytest.raises(ValueError, match="notes.txt.*not an image"):
        decode_upload("notes.txt", b"just some text")
    jpeg = _jpeg()
    with pytest.raises(ValueError, match="half.jpg.*truncated or corrupt"):
        decode_upload("half.jpg", jpeg[: len(jpeg) // 2])
    with pytest.raises(ValueError, match="empty.png is empty"):
        decode_upload("empty.png", b"")


# ----------------------------------------------------------------------------- upload in a panel
def test_an_uploaded_photo_is_offered_selected_and_drawn():
    panel = cv.widgets.feature_map_panel()
    menu = panel.controls["image"]
    assert menu.upload in panel.children[len(panel.controls) // 3 + 1].children  # shown under the controls
    assert menu.upload.accept == "image/*"
    before = panel.last_result
    simulate_upload(menu.upload, "my cat.png", _png((50, 40)))
    assert menu.value == PREFIX + "my cat.png" and PREFIX + "my cat.png" in menu.options
    assert "uploaded <b>my cat.png</b> (50x40)" in menu.message.value
    assert panel.last_error == "" and panel.last_result is not before  # redrawn with the photo
    other = cv.widgets.saliency_panel(size=48)  # a panel built later offers it too
    assert PREFIX + "my cat.png" in other.controls["image"].options


@pytest.mark.parametrize("name, data, words", [("notes.txt", b"not a picture", "not an image"), ("half.jpg", _jpeg()[:300], "truncated or corrupt")])
def test_a_bad_file_gives_a_sentence_in_the_panel_not_a_traceback(name, data, words):
    panel = cv.widgets.prediction_panel()
    menu = panel.controls["image"]
    options, value = list(menu.options), menu.value
    simulate_upload(menu.upload, name, data)
    assert words in menu.message.value and name in menu.message.value and "Traceback" not in menu.message.value
    assert "Upload a JPEG or PNG photo" in menu.message.value
    assert list(menu.options) == options and menu.value == value and panel.last_error == ""


def test_the_ipywidgets_7_value_reaches_the_menu_whatever_is_installed():
    from cnnviz_lab.widgets.upload import handle_upload

    menu, message = W.Dropdown(options=["cat"], value="cat"), W.HTML()
    assert handle_upload(v7_value("p.png", _png()), menu, message) == [PREFIX + "p.png"]
    assert menu.value == PREFIX + "p.png"
    assert handle_upload(v8_value("q.png", _png(colour=(0, 0, 255))), menu, message) == [PREFIX + "q.png"]
    same_name = handle_upload(v8_value("q.png", _png(colour=(0, 255, 0))), menu, message)
    assert same_name == [PREFIX + "q.png (2)"]  # another photo with the same name is kept apart


def test_feature_map_panel_fontsize_reaches_the_figure():
    panel = cv.widgets.feature_map_panel(fontsize=12)
    fig = panel.last_result
    assert panel.last_error == "" and fig._suptitle.get_fontsize() == 13 and fig._suptitle.get_text().startswith("image 'cat', ")
    assert all(ax.title.get_fontsize() == 12 for ax in fig.axes if ax.get_images() and ax.get_label() != "<colorbar>")
    with pytest.raises(ValueError, match="fontsize"):
        cv.widgets.feature_map_panel(fontsize=1)


# ----------------------------------------------------------------------------- sliders follow layers
def test_channel_range_follows_the_layer():
    panel = cv.widgets.feature_map_panel()
    layer, channels = panel.controls["layer"], panel.controls["channels"]
    sizes = cv.widgets.common.layer_channels("efficientnet_lite0")
    small = min(layer.options, key=lambda n: sizes[n])
    big = max(layer.options, key=lambda n: sizes[n])
    layer.value = big
    assert channels.max == sizes[big] - 1
    channels.value = (sizes[big] - 20, sizes[big] - 1)  # past the small layer's last channel
    layer.value = small
    assert channels.max == sizes[small] - 1 and channels.value[1] <= sizes[small] - 1
    assert panel.last_error == "", panel.last_error  # no IndexError in the panel


def test_maximize_channel_slider_follows_layer_without_computing():
    panel = cv.widgets.maximize_panel()
    layer, channel = panel.controls["layer"], panel.controls["channel"]
    sizes = cv.widgets.common.layer_channels("efficientnet_lite0")
    for name in (layer.options[0], layer.options[-1], layer.options[1]):
        layer.value = name
        assert channel.max == sizes[name] - 1, name
    channel.value = channel.max
    layer.value = layer.options[0]
    assert channel.value <= sizes[layer.options[0]] - 1


# ----------------------------------------------------------------------------- button panels
@pytest.mark.parametrize(
    "build, heavy",
    [
        (lambda: cv.widgets.maximize_panel(), None),
        (lambda: cv.widgets.inversion_panel(), "invert"),
        (lambda: cv.widgets.deepdream_panel(), "deepdream"),
        (lambda: cv.widgets.occlusion_panel(size=48), "occlusion_grid"),
        (lambda: cv.widgets.evaluation_panel(size=48), "randomization_check"),
    ],
)
def test_button_panels_compute_nothing_until_pressed(build, heavy, monkeypatch):
    import cnnviz_lab.widgets.evaluation as ev
    import cnnviz_lab.widgets.occlusion as occ

    calls = []
    for module in (optvis_panels, occ, ev):
        for name in ("invert", "deepdream", "occlusion_grid", "randomization_check", "deletion_curve"):
            if hasattr(module, name):
                monkeypatch.setattr(module, name, lambda *a, _n=name, **k: calls.append(_n))
    panel = build()
    assert calls == [] and panel.button is not None
    assert "press" in panel.status.value and panel.last_result is not None  # the preview
    assert panel.last_error == ""


def test_a_result_passed_in_is_shown_first():
    from matplotlib.figure import Figure

    fig = Figure()
    panel = cv.widgets.occlusion_panel(size=48, first=fig)
    assert panel.last_result is fig and "press" in panel.status.value


# ----------------------------------------------------------------------------- presets
def test_presets_are_named_for_what_they_are():
    for name in cv.widgets.PRESETS:
        assert "seed" not in name.lower()
        assert any(net in name for net in ("VGG16", "EfficientNet-Lite0"))


def test_a_preset_whose_network_is_missing_shows_the_fallback_note(monkeypatch, tmp_path):
    monkeypatch.setenv("CNNVIZ_OFFLINE", "1")
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))  # nothing cached
    panel = cv.widgets.deepdream_panel(preset=optvis_panels.CLASSIC_PRESET)
    assert panel.controls["model"].value == "efficientnet_lite0"
    assert "vgg16 is not available here" in panel.note.value and "CNNVIZ_OFFLINE" in panel.note.value
    assert panel.note in panel.children  # visible, above the figure
    panel.controls["preset"].value = optvis_panels.LITE_PRESET
    assert panel.note.value == ""
    panel.controls["preset"].value = optvis_panels.CLASSIC_PRESET
    assert "vgg16 is not available here" in panel.note.value
    old = cv.widgets.deepdream_panel(preset="classic VGG16 DeepDream (relu4_2 + relu5_2)")  # the old name works
    assert old.controls["preset"].value == optvis_panels.CLASSIC_PRESET
    with pytest.raises(ValueError, match="preset"):
        cv.widgets.deepdream_panel(preset="seed 000")


# ----------------------------------------------------------------------------- every control once
def _change(w: W.Widget) -> bool:
    """Move a control once, as a student would; False when it has nothing to change to."""
    if isinstance(w, (W.Dropdown, W.ToggleButtons, W.SelectionSlider)):
        values = [o[1] if isinstance(o, tuple) else o for o in w.options]
        others = [v for v in values if v != w.value]
        if not others:
            return False
        w.value = others[0] if not isinstance(w, W.SelectionSlider) else others[-1]
        return True
    if isinstance(w, W.IntRangeSlider):
        lo, hi = w.value
        w.value = (lo, max(lo, hi - 1)) if hi > lo else (lo, min(w.max, hi + 1))
        return True
    if isinstance(w, (W.IntSlider, W.FloatSlider)):
        step = w.step or 1
        w.value = w.value + step if w.value + step <= w.max else w.value - step
        return True
    raise AssertionError(f"no rule to move a {type(w).__name__}")


SMALL = {
    "maximize_panel": {"steps": 2},
    "inversion_panel": {"steps": 2},
    "deepdream_panel": {"steps": 1, "octaves": 1},
    "occlusion_panel": {"stride": 24, "window": 24},
}
PANELS = {
    "feature_map_panel": lambda: cv.widgets.feature_map_panel(),
    "filter_panel": lambda: cv.widgets.filter_panel(),
    "prediction_panel": lambda: cv.widgets.prediction_panel(),
    "saliency_panel": lambda: cv.widgets.saliency_panel(size=48),
    "cam_panel": lambda: cv.widgets.cam_panel(),
    "gradcam_panel": lambda: cv.widgets.gradcam_panel(),
    "maximize_panel": lambda: cv.widgets.maximize_panel(),
    "inversion_panel": lambda: cv.widgets.inversion_panel(),
    "deepdream_panel": lambda: cv.widgets.deepdream_panel(image="coffee"),
    "occlusion_panel": lambda: cv.widgets.occlusion_panel(size=48),
    "evaluation_panel": lambda: cv.widgets.evaluation_panel(size=48, steps=2, layers=("classifier", "blocks.12")),
}


@pytest.mark.parametrize("name", list(PANELS))
def test_every_panel_builds_and_takes_each_control_and_a_photo(name):
    panel = PANELS[name]()
    assert panel.last_error == "", panel.last_error
    skip = {"steps", "octaves", "window", "stride", "tv_weight"} if panel.button else set()
    for key, w in panel.controls.items():
        if key in skip:
            continue
        _change(w)
        assert panel.last_error == "", f"{name}: changing {key} -> {panel.last_error}"
    if "image" in panel.controls:
        simulate_upload(panel.controls["image"].upload, "mine.png", _png((64, 64), (30, 120, 200)))
        assert panel.controls["image"].value == PREFIX + "mine.png"
    if panel.button is not None:
        for key, value in SMALL.get(name, {}).items():
            panel.controls[key].value = value
        panel.button.click()
        assert panel.last_error == "", f"{name}: pressing {panel.button.description} -> {panel.last_error}"
        assert "updated in" in panel.status.value
    assert panel.last_error == "" and panel.last_result is not None
    assert cv.hook_count(cv.widgets.cached_model("efficientnet_lite0")) == 0


def test_guided_backprop_from_any_block_and_channel():
    from matplotlib.text import Text

    panel = cv.widgets.saliency_panel(size=48)
    panel.controls["method"].value = "guided_backprop"
    panel.controls["start"].value = "blocks.8"
    channel = panel.controls["channel"]
    assert channel.max == cv.widgets.common.layer_channels("efficientnet_lite0")["blocks.8"] - 1
    channel.value = 5
    texts = " ".join(t.get_text() for t in panel.last_result.findobj(Text))
    assert "blocks.8 channel 5" in texts and panel.last_error == ""
    panel.controls["samples"].value = 5  # SmoothGrad over guided backprop from that channel
    assert panel.last_error == ""
    panel.controls["method"].value = "saliency"  # a method that cannot start from a layer says so
    texts = " ".join(t.get_text() for t in panel.last_result.findobj(Text))
    assert "applies to guided backprop and deconvnet only" in texts


def test_a_panel_read_without_a_kernel_shows_its_figure():
    """Stored in a notebook, a panel carries a PNG of its first figure and a plain sentence,
    so GitHub, nbviewer, the site and the slides show a figure, not ``Panel(children=...)``."""
    import base64

    import cnnviz_lab as cv

    bundle = cv.widgets.gradcam_panel(image="cat")._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert base64.b64decode(bundle["image/png"])[:8] == b"\x89PNG\r\n\x1a\n"
    assert "Panel(" not in bundle["text/plain"]
