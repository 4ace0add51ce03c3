"""Honest fallback: when a classic network cannot be had, say what the stand-in changes.

``load_model("vgg16", fallback=True)`` returns the requested network when its weights are
cached or downloadable, else the offline EfficientNet-Lite0 with ``clf.requested == "vgg16"``
and ``clf.fallback_note`` set (markdown naming the reason, what would differ and how to
get the classic). A notebook shows it and titles its figures with the model actually used::

    clf = cv.load_model("vgg16", fallback=True)
    cv.model_note(clf)                       # a markdown box: which model runs, and why
    plot.filters(clf, title=f"first-layer filters of {cv.title_name(clf)}")

The differences come from :data:`ARCHITECTURES`, whose shapes tests/models/test_hub.py checks
against the networks themselves.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

from .classifier import Classifier

OFFLINE_MODEL = "efficientnet_lite0"


@dataclass(frozen=True)
class Architecture:
    """What a network's figures show: its design, first convolution and CAM layer."""

    design: str  # one phrase, with the paper
    first_conv: tuple[int, int, int]  # filters, kernel side, stride
    cam_layer: str  # the layer CAM methods use by default
    cam_shape: tuple[int, int, int]  # its output (C, H, W) at input_size
    input_size: int = 224


ARCHITECTURES: dict[str, Architecture] = {
    "vgg16": Architecture(
        "a plain stack of 3x3 convolutions and max-pools with no batch norm and no skip "
        "connections (Simonyan & Zisserman 2015): guided backprop gives crisp edge maps, and "
        "the classic DeepDream settings were tuned on it; its CAM layer is the last convolution's ReLU "
        "(relu5_3) before the final max-pool, 14x14",
        (64, 3, 1),
        "features.29",
        (512, 14, 14),
    ),
    "alexnet": Architecture(
        "five convolutions, the first with large 11x11 stride-4 filters: the Gabor and colour-blob picture of first-layer filters (Krizhevsky et al. 2012)",
        (64, 11, 4),
        "features.11",
        (256, 13, 13),
    ),
    "resnet50": Architecture(
        "bottleneck blocks with skip connections and batch norm (He et al. 2016), the usual network of Grad-CAM figures", (64, 7, 2), "layer4", (2048, 7, 7)
    ),
    "googlenet": Architecture(
        "Inception modules: parallel 1x1, 3x3 and 5x5 convolutions and pooling, concatenated (Szegedy et al. 2015), the network of the first DeepDream images",
        (64, 7, 2),
        "inception5b",
        (1024, 7, 7),
    ),
    "inception_v3": Architecture(
        "factorised Inception modules on 299 px inputs (Szegedy et al. 2016); its CAM map is 8x8", (32, 3, 2), "Mixed_7c", (2048, 8, 8), 299
    ),
    "densenet121": Architecture("dense blocks in which every layer reads all earlier ones (Huang et al. 2017)", (64, 7, 2), "features", (1024, 7, 7)),
    "mobilenet_v2": Architecture(
        "inverted residual blocks of depthwise convolutions with ReLU6 (Sandler et al. 2018), the closest relative of EfficientNet-Lite0",
        (32, 3, 2),
        "features",
        (1280, 7, 7),
    ),
    OFFLINE_MODEL: Architecture(
        "inverted residual blocks of depthwise convolutions with ReLU6, compound-scaled (Tan & "
        "Le 2019); its stride-2 depthwise convolutions leave a checkerboard in guided-backprop "
        "maps",
        (32, 3, 2),
        "head",
        (1280, 7, 7),
    ),
}


def _facts(name: str) -> str:
    arch = ARCHITECTURES.get(name)
    if arch is None:
        return f"**{name}**"
    filters, kernel, stride = arch.first_conv
    c, h, w = arch.cam_shape
    return (
        f"**{name}**: {arch.design}; first layer {filters} filters of {kernel}x{kernel}, "
        f"stride {stride}; CAM layer `{arch.cam_layer}` of {c}x{h}x{w} at {arch.input_size} px"
    )


def fallback_note(requested: str, reason: str, used: str = OFFLINE_MODEL) -> str:
    """Markdown saying that ``used`` stands in for ``requested``, why (``reason``), what
    would differ in the figures, and how to get ``requested`` (``cnnviz fetch``)."""
    unset = " (or unset CNNVIZ_OFFLINE: loading downloads the weights)" if "CNNVIZ_OFFLINE" in reason else ""
    return (
        f"**{requested} is not available here** ({reason}), so this runs on **{used}** "
        f"instead and the figures are titled with {used}. What differs:\n\n"
        f"- {_facts(requested)}.\n- {_facts(used)}.\n\n"
        f"To see {requested}: where there is a network, run `cnnviz fetch {requested}` once"
        f"{unset}, then run this again."
    )


def _classifier(clf: Any) -> Classifier:
    if not isinstance(clf, Classifier):
        raise TypeError(f"clf must be a Classifier (cnnviz_lab.load_model or wrap_model), got {clf!r:.60} ({type(clf).__name__})")
    return clf


#: How figures spell the models the course names (anything else keeps its torchvision name).
DISPLAY_NAMES = {
    "efficientnet_lite0": "EfficientNet-Lite0",
    "alexnet": "AlexNet",
    "vgg16": "VGG16",
    "resnet18": "ResNet-18",
    "resnet50": "ResNet-50",
    "googlenet": "GoogLeNet",
    "inception_v3": "Inception-v3",
    "densenet121": "DenseNet-121",
    "mobilenet_v2": "MobileNetV2",
    "mobilenet_v3_large": "MobileNetV3-Large",
    "convnext_tiny": "ConvNeXt-T",
    "vit_b_16": "ViT-B/16",
    "swin_t": "Swin-T",
}


def display_name(name: str) -> str:
    """A model's name as a figure title writes it (``"efficientnet_lite0"`` ->
    ``"EfficientNet-Lite0"``); a name the course does not know comes back as it is."""
    return DISPLAY_NAMES.get(str(name), str(name))


def title_name(clf: Classifier) -> str:
    """The model's name for figure titles: its display name, plus what it stands in for
    after a fallback (``"EfficientNet-Lite0 (for VGG16)"``)."""
    _classifier(clf)
    requested = getattr(clf, "requested", None)
    if getattr(clf, "fallback_note", None) and requested and requested != clf.name:
        return f"{display_name(clf.name)} (for {display_name(requested)})"
    return display_name(clf.name)


def _markdown_to_html(text: str) -> str:
    """The small markdown subset of the notes (paragraphs, ``- `` lists, bold, code)."""
    out = []
    for block in text.split("\n\n"):
        lines = block.splitlines()
        escaped = [html.escape(line) for line in lines]
        escaped = [re.sub(r"`([^`]+)`", r"<code>\1</code>", re.sub(r"\*\*([^*]+)\*\*", r"<b>\1</b>", e)) for e in escaped]
        if all(line.startswith("- ") for line in lines):
            out.append("<ul>" + "".join(f"<li>{e[2:]}</li>" for e in escaped) + "</ul>")
        else:
            out.append("<p>" + " ".join(escaped) + "</p>")
    return "".join(out)


def note_box(markdown: str) -> str:
    """A note (markdown subset) as an HTML box that stands out in a notebook or panel."""
    return (
        '<div class="cnnviz-fallback" style="border-left:4px solid #d9822b;background:#fff6e5;'
        f'padding:4px 10px;margin:4px 0">{_markdown_to_html(markdown)}</div>'
    )


def note_html(clf: Classifier) -> str:
    """The fallback note of ``clf`` as an HTML box for panels, or "" when ``clf`` is the
    model that was asked for."""
    _classifier(clf)
    note = getattr(clf, "fallback_note", None)
    return note_box(note) if note else ""


@dataclass(frozen=True)
class ModelNote:
    """Which model runs, shown as markdown in a notebook (``_repr_markdown_``)."""

    name: str
    requested: str
    fell_back: bool
    markdown: str

    def _repr_markdown_(self) -> str:
        return self.markdown

    def _repr_html_(self) -> str:
        return _markdown_to_html(self.markdown)

    def __str__(self) -> str:
        return self.markdown


def model_note(clf: Classifier) -> ModelNote:
    """What a notebook shows under its model cell: the fallback note when ``clf`` stands in
    for another model, else one line naming the model and its weights."""
    _classifier(clf)
    note = getattr(clf, "fallback_note", None)
    requested = getattr(clf, "requested", None) or clf.name
    if note:
        return ModelNote(clf.name, requested, True, note)
    weights = getattr(clf, "weights", None)
    what = f"pretrained weights {weights}" if weights else "random weights"
    return ModelNote(clf.name, requested, False, f"Model: **{clf.name}** ({what}).")
