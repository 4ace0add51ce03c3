"""Sub-commands of ``cnnviz``: one module per topic, each with ``register(subparsers)``.

Helpers here give every command the same model, device and output options; the checks
every command's arguments pass before anything is computed are in ``_checks``.
"""

from __future__ import annotations

import argparse
from typing import Sequence

from ..attribution import registry
from ..models.classifier import Classifier
from ..models.fallback import display_name, title_name
from ..models.loading import load_model
from ._checks import check_arguments, check_channels, check_model_arguments, class_of

__all__ = [
    "add_model_options",
    "add_output_option",
    "base_method",
    "check_arguments",
    "check_channels",
    "check_model_arguments",
    "class_of",
    "cli_target",
    "method_option",
    "model_from_args",
    "parse_target",
    "save",
    "saved",
]


def add_model_options(parser: argparse.ArgumentParser) -> None:
    """``--model``, ``--weights`` (use ``none`` for random init), ``--device``, ``--fallback``."""
    parser.add_argument("--model", default="efficientnet_lite0", help="model name (default: efficientnet_lite0, pretrained and offline)")
    parser.add_argument("--weights", default="DEFAULT", help="torchvision weights name, or 'none'")
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:1, mps")
    parser.add_argument("--fallback", action="store_true", help="use the offline model if the requested weights cannot be had")


def model_from_args(args: argparse.Namespace) -> Classifier:
    """Load the classifier the model options describe, say which one runs (stdout, like the
    "wrote" line: stderr is kept for the one-line user errors), then
    check the options that depend on it (``--target``, ``--top``)."""
    weights = None if str(args.weights).lower() == "none" else args.weights
    clf = load_model(args.model, weights=weights, device=args.device, fallback=args.fallback)
    print(f"model: {title_name(clf)} ({clf.weights or 'random weights'}, {clf.device})")
    check_model_arguments(clf, args)
    return clf


def add_output_option(parser: argparse.ArgumentParser, default: str, kind: str = "figure") -> None:
    """``--out``: a file written by matplotlib (``kind="figure"``), by PIL (``"image"``),
    either (``"figure+image"``), or a folder (``"folder"``); checked before computing."""
    what = "output folder" if kind == "folder" else "output file"
    parser.add_argument("--out", "-o", default=default, help=f"{what} (default: {default})")
    parser.set_defaults(out_kind=kind)


def method_option(parser: argparse.ArgumentParser, offered: Sequence[registry.Method], default: str) -> None:
    """``--method``: one of the registry methods ``offered`` (any alias or spelling)."""
    names = [m.name for m in offered]

    def method(value: str) -> str:
        try:
            entry = registry.get_method(value)
        except ValueError as err:
            raise argparse.ArgumentTypeError(str(err)) from None
        if entry.name not in names:
            raise argparse.ArgumentTypeError(f"{value!r} is not offered here; choose from {', '.join(names)}")
        return entry.name

    parser.add_argument(
        "--method",
        default=default,
        type=method,
        help=f"{', '.join(names)} (aliases work too, e.g. {', '.join(a for m in offered for a in m.aliases[:1]) or 'none'}); default {default}",
    )


def base_method(value: str) -> str:
    """A ``--base`` value: a registered base method in pixel space (:func:`registry.base_method`)."""
    try:
        registry.base_method(value)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None
    return registry.get_method(value).name


def saved(path: str) -> None:
    """Say where an output went."""
    print(f"wrote {path}")


def save(fig, path: str, clf: Classifier | None = None) -> None:
    """Write a figure with the package's one saver (``plot.save_figure``) and say where it
    went. With ``clf``, the figure's title starts with the model's name when it does not
    name it yet (after a fallback: ``EfficientNet-Lite0 (for VGG16)``)."""
    from ..plot import save_figure

    if clf is not None:
        old = fig._suptitle.get_text() if getattr(fig, "_suptitle", None) is not None else ""
        if clf.name not in old and display_name(clf.name) not in old:
            fig.suptitle(f"{title_name(clf)}: {old}" if old else title_name(clf))
    saved(save_figure(fig, path))


SEG_PREFIX = "seg:"


def parse_target(value: str | None):
    """A ``--target`` value: an int stays an int, ``seg:CLASS`` (a segmentation target, CLASS
    an index or a name) stays a string, anything else is a class name."""
    if value is None:
        return None
    if value.startswith(SEG_PREFIX):
        return value
    return int(value) if value.lstrip("-").isdigit() else value


def cli_target(clf: Classifier, value: str | int) -> tuple[object, int, str]:
    """``(target for the method, class index, label)`` of a parsed ``--target``: a class
    (index or name) is that index; ``seg:CLASS`` is ``cv.targets.segmentation(index)``, the
    class's logit summed over the pixels the model predicts as it (for a model whose output
    is per-pixel class scores, ``(N, classes, H, W)``)."""
    if isinstance(value, str) and value.startswith(SEG_PREFIX):
        from ..core.targets import segmentation

        index = class_of(clf, parse_target(value[len(SEG_PREFIX) :]))
        return segmentation(index), index, f"{clf.label(index)} (pixels of)"
    index = clf.class_index(value)
    return index, index, clf.label(index)
