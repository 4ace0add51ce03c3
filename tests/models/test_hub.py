"""The classics without a network: a fake torch-hub cache (tests/conftest.py ``fake_hub``)
makes VGG16, ResNet-50, GoogLeNet and Inception-v3 load, fill the model menus and run in
the CLI; without it, offline, the offline model stands in and the note says so."""

from __future__ import annotations

import http.server
import socket
import threading
import time

import matplotlib.figure
import pytest
import torch
import torchvision
from torch import nn

import cnnviz_lab as cv
from cnnviz_lab.models import hub
from cnnviz_lab.cli import main
from cnnviz_lab.models.efficientnet_lite import efficientnet_lite0
from cnnviz_lab.models.fallback import ARCHITECTURES
from cnnviz_lab.core.probes import find_cam_layer
from cnnviz_lab.widgets.common import Panel, available_models, model_dropdown


def _fake_state(name: str) -> dict[str, torch.Tensor]:
    return torch.load(hub.weights_cache_path(hub.default_weights(name)), weights_only=True)


@pytest.mark.parametrize(
    "name, layer", [("vgg16", "features.29"), ("resnet50", "layer4"), ("googlenet", "inception5b"), ("inception_v3", "Mixed_7c"), ("densenet121", "features")]
)
def test_classics_load_from_the_fake_cache_without_network(fake_hub, name, layer):
    clf = cv.load_model(name, device="cpu")
    assert not hub.online()  # the weights server refuses: everything came from the cache
    assert clf.name == clf.requested == name and clf.fallback_note is None
    assert clf.weights == str(hub.default_weights(name)) and clf.cam_layer == layer
    assert len(clf.categories) == 1000 and clf.categories[281] == "tabby"
    assert not clf.model.training and all(p.dtype == torch.float32 for p in clf.model.parameters())
    state = clf.model.state_dict()
    saved = _fake_state(name)
    key = next(k for k, v in state.items() if v.dim() == 4)  # the first convolution
    assert torch.equal(state[key], saved[key].float())  # the cached weights, not an init
    if name in ("googlenet", "inception_v3"):  # auxiliary heads dropped, as torchvision does
        assert not any(k.startswith(("aux1", "aux2", "AuxLogits")) for k in state)
    if name == "densenet121":  # the file keeps DenseNet's old keys; they were renamed
        assert any(".norm.1." in k for k in saved) and not any(".norm.1." in k for k in state)
    s = clf.input_size
    assert clf(torch.zeros(1, 3, s, s)).shape == (1, 1000)
    note = cv.model_note(clf)
    assert not note.fell_back and name in note.markdown and cv.note_html(clf) == ""
    assert cv.title_name(clf) == cv.models.display_name(name)


def test_torchvisions_own_loader_reads_the_fake_files(fake_hub):
    ours = cv.load_model("resnet50", device="cpu").model.state_dict()
    theirs = torchvision.models.resnet50(weights="DEFAULT").state_dict()
    assert all(torch.equal(ours[k], theirs[k]) for k in ours)


def test_fake_files_are_float16_and_have_the_real_names(fake_hub):
    import json

    manifest = json.loads((fake_hub / "FAKE_HUB.json").read_text())
    assert set(hub.CLASSICS) <= set(manifest)
    for name in hub.CLASSICS:
        path = hub.weights_cache_path(hub.default_weights(name))
        assert path.startswith(str(fake_hub)) and path.endswith(manifest[name]["file"])
    assert _fake_state("vgg16")["features.0.weight"].dtype == torch.float16


def test_menus_list_the_cached_classics(fake_hub):
    assert available_models() == ["efficientnet_lite0", *hub.CLASSICS]
    menu = model_dropdown("vgg16")
    assert menu.value == "vgg16" and menu.hint == ""
    assert all("downloads" not in label for label, _ in menu.options)


class _Answering:
    """A local HTTP server standing for a weights server that answers."""

    def __enter__(self) -> str:
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/"

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def test_online_menus_offer_the_classics_with_their_download_size(tmp_path, monkeypatch):
    monkeypatch.delenv("CNNVIZ_OFFLINE", raising=False)
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    with _Answering() as url:
        monkeypatch.setenv("CNNVIZ_WEIGHTS_URL", url)
        assert hub.online()
        assert available_models() == ["efficientnet_lite0", *hub.CLASSICS]
        menu = model_dropdown()
        labels = dict((name, label) for label, name in menu.options)
        assert labels["vgg16"] == "vgg16 (downloads 528 MB)"
        assert labels["resnet50"] == "resnet50 (downloads 98 MB)"
        assert labels["efficientnet_lite0"] == "efficientnet_lite0" and menu.hint == ""
        assert model_dropdown("vgg16").value == "vgg16"  # values stay plain names


def test_offline_menus_show_the_offline_model_and_how_to_get_more(tmp_path, monkeypatch):
    monkeypatch.setenv("CNNVIZ_OFFLINE", "1")
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    assert available_models() == ["efficientnet_lite0"]
    menu = model_dropdown()
    assert "cnnviz fetch vgg16 resnet50" in menu.hint and "CNNVIZ_OFFLINE=1" in menu.hint
    panel = Panel({"model": menu}, lambda model: None)
    assert any("cnnviz fetch" in getattr(w, "value", "") for w in panel.children)
    stand_in = model_dropdown("vgg16")  # a panel asked for vgg16: it starts on the offline model
    assert stand_in.value == "efficientnet_lite0" and "vgg16 is not available" in stand_in.hint


def test_network_probe_is_bounded_asked_once_and_skipped_offline(monkeypatch):
    monkeypatch.delenv("CNNVIZ_OFFLINE", raising=False)
    silent = socket.socket()  # accepts connections (the kernel does) but never answers
    silent.bind(("127.0.0.1", 0))
    silent.listen(4)
    monkeypatch.setenv("CNNVIZ_WEIGHTS_URL", f"http://127.0.0.1:{silent.getsockname()[1]}/")
    try:
        start = time.perf_counter()
        assert not hub.online(refresh=True)
        assert time.perf_counter() - start < hub.PROBE_TIMEOUT + 0.5
    finally:
        silent.close()
    start = time.perf_counter()
    assert not hub.online()
    assert time.perf_counter() - start < 0.05  # remembered for the session
    monkeypatch.setenv("CNNVIZ_OFFLINE", "1")
    monkeypatch.setattr(hub, "_answers", lambda *a: pytest.fail("probed the network offline"))
    assert not hub.online(refresh=True)


def test_without_cache_and_offline_the_fallback_is_honest(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CNNVIZ_OFFLINE", "1")
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    with pytest.raises(cv.ModelUnavailableError, match="cnnviz fetch vgg16"):
        cv.load_model("vgg16")
    clf = cv.load_model("vgg16", fallback=True, device="cpu")
    assert clf.name == "efficientnet_lite0" and clf.requested == "vgg16"
    assert "CNNVIZ_OFFLINE=1" in clf.fallback_note and "`cnnviz fetch vgg16`" in clf.fallback_note
    assert "64 filters of 3x3" in clf.fallback_note and "1280x7x7" in clf.fallback_note
    note = cv.model_note(clf)
    assert note.fell_back and note._repr_markdown_() == clf.fallback_note
    assert "<b>vgg16 is not available here</b>" in cv.note_html(clf)
    assert cv.title_name(clf) == "EfficientNet-Lite0 (for VGG16)"
    assert "Falling back to efficientnet_lite0" in capsys.readouterr().err


@pytest.mark.parametrize("name", list(ARCHITECTURES))
def test_the_notes_claims_hold_for_each_network(name):
    """First convolution, CAM layer, its output shape and the input size: as the note says."""
    arch = ARCHITECTURES[name]
    with torch.device("meta"):  # shapes only: no weights, no arithmetic
        if name == "efficientnet_lite0":
            model = efficientnet_lite0(pretrained=False)
        else:
            kwargs = {"aux_logits": False, "init_weights": False} if name in ("googlenet", "inception_v3") else {}
            model = torchvision.models.get_model(name, weights=None, **kwargs)
            assert hub.default_weights(name).transforms().crop_size[0] == arch.input_size
    model.eval()
    conv = next(m for m in model.modules() if isinstance(m, nn.Conv2d))
    assert (conv.out_channels, conv.kernel_size[0], conv.stride[0]) == arch.first_conv
    assert find_cam_layer(model, arch.input_size) == arch.cam_layer
    out = []
    handle = model.get_submodule(arch.cam_layer).register_forward_hook(lambda m, i, o: out.append(o))
    try:
        model(torch.zeros(1, 3, arch.input_size, arch.input_size, device="meta"))
    finally:
        handle.remove()
    assert tuple(out[0].shape[1:]) == arch.cam_shape


def test_known_download_sizes_match_torchvision():
    for name in hub.CLASSICS:
        weights = hub.default_weights(name)
        assert hub.KNOWN_MIB[hub.file_name(weights)] == weights.meta["_file_size"]


# --- the CLI on the classics, from the fake cache ---------------------------------------------


@pytest.fixture
def titles(monkeypatch):
    """The title of every figure the CLI saves."""
    seen: list[str] = []
    real = matplotlib.figure.Figure.savefig

    def savefig(fig, *args, **kwargs):
        seen.append(fig._suptitle.get_text() if fig._suptitle is not None else "")
        return real(fig, *args, **kwargs)

    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", savefig)
    return seen


@pytest.mark.parametrize("name", ["vgg16", "resnet50"])
def test_cli_runs_the_classics_from_the_cache(fake_hub, name, tmp_path, titles, capsys):
    image = "data/chelsea.png"
    assert main(["gradcam", image, "--model", name, "--top", "2", "--out", str(tmp_path / "g.png")]) == 0
    assert main(["saliency", image, "--model", name, "--size", "112", "--out", str(tmp_path / "s.png")]) == 0
    assert main(["filters", "--model", name, "--max-filters", "16", "--out", str(tmp_path / "f.png")]) == 0
    captured = capsys.readouterr()
    assert captured.out.count(f"model: {cv.models.display_name(name)} ({hub.default_weights(name)}") == 3
    assert "Falling back" not in captured.err
    assert len(titles) == 3 and all(t.startswith(cv.models.display_name(name)) or f"({cv.models.display_name(name)})" in t for t in titles), titles
    assert all(t.count(cv.models.display_name(name)) == 1 for t in titles), titles  # named once
    assert all((tmp_path / f).stat().st_size > 1000 for f in ("g.png", "s.png", "f.png"))


def test_cli_fallback_names_the_model_that_ran(tmp_path, monkeypatch, titles, capsys):
    monkeypatch.setenv("CNNVIZ_OFFLINE", "1")
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    assert main(["filters", "--model", "vgg16", "--out", str(tmp_path / "f.png")]) == 2
    assert main(["filters", "--model", "vgg16", "--fallback", "--out", str(tmp_path / "f.png")]) == 0
    assert "model: EfficientNet-Lite0 (for VGG16)" in capsys.readouterr().out
    assert titles == ["EfficientNet-Lite0 (for VGG16): stem.conv: (32, 3, 3, 3) filters"]
