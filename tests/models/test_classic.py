"""load_classic: the real classic network, or one plain sentence and None."""

from __future__ import annotations

import re

import pytest

import cnnviz_lab as cv
from cnnviz_lab.models import classic


def test_offline_without_the_weights_it_says_one_sentence_and_returns_none(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("CNNVIZ_OFFLINE", "1")
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))  # an empty cache
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj: shown.append(obj))
    assert cv.load_classic("vgg16", shows="VGG16's guided-backprop map") is None
    (note,) = shown
    text = note._repr_markdown_()
    assert text.startswith("VGG16's ImageNet weights (528 MB) are not available here, so this section leaves out VGG16's guided-backprop map. "), text
    assert "cnnviz fetch vgg16" in text and "*" not in text and "copy" not in text, text
    assert not re.search(r"/root/|/home/|/tmp/|[A-Z]+_[A-Z_]+=|Weights\.", text), text
    assert capsys.readouterr().err == ""
    assert not cv.classic_available("vgg16")


def test_with_the_weights_cached_it_loads_the_network(fake_hub):
    clf = cv.load_classic("resnet50", shows="ResNet-50's Grad-CAM", device="cpu")
    assert clf is not None and clf.name == "resnet50"


@pytest.mark.parametrize("name, shows, match", [("vgg17", "x", "name"), ("vgg16", "", "shows"), (3, "x", "name")])
def test_bad_input_names_the_argument(name, shows, match):
    with pytest.raises(ValueError, match=match):
        classic.load_classic(name, shows=shows)
