"""Sub-commands of ``cnnviz``: one module per topic, each with ``register(subparsers)``.

Helpers here give every command the same model, device and output options; the checks
every command's arguments pass before anything is computed are in ``_checks``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ..models import Classifier, load_model
from ._checks import check_arguments, check_channels, check_model_arguments, class_of

__all__ = ["add_model_options", "add_output_option", "check_arguments", "check_channels",
           "check_model_arguments", "class_of", "model_from_args", "parse_target", "save"]


def add_model_options(parser: argparse.ArgumentParser) -> None:
    """``--model``, ``--weights`` (use ``none`` for random init), ``--device``, ``--fallback``."""
    parser.add_argument("--model", default="efficientnet_lite0",
                        help="model name (default: efficientnet_lite0, pretrained and offline)")
    parser.add_argument("--weights", default="DEFAULT", help="torchvision weights name, or 'none'")
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:1, mps")
    parser.add_argument("--fallback", action="store_true",
                        help="use the offline model if the requested weights cannot be had")


def model_from_args(args: argparse.Namespace) -> Classifier:
    """Load the classifier the model options describe, then check the options that
    depend on it (``--target``, ``--top``)."""
    weights = None if str(args.weights).lower() == "none" else args.weights
    clf = load_model(args.model, weights=weights, device=args.device, fallback=args.fallback)
    check_model_arguments(clf, args)
    return clf


def add_output_option(parser: argparse.ArgumentParser, default: str, kind: str = "figure") -> None:
    """``--out``: a file written by matplotlib (``kind="figure"``), by PIL (``"image"``),
    either (``"figure+image"``), or a folder (``"folder"``); checked before computing."""
    what = "output folder" if kind == "folder" else "output file"
    parser.add_argument("--out", "-o", default=default, help=f"{what} (default: {default})")
    parser.set_defaults(out_kind=kind)


def save(fig, path: str) -> None:
    """Save a figure, creating the folder, and say where it went."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110, bbox_inches="tight")
    print(f"wrote {out}")


def parse_target(value: str | None):
    """A ``--target`` value: an int stays an int, anything else is a class name."""
    if value is None:
        return None
    return int(value) if value.lstrip("-").isdigit() else value
