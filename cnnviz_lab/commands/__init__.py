"""Sub-commands of ``cnnviz``: one module per topic, each with ``register(subparsers)``.

Helpers here give every command the same model, device and output options.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..fallback import title_name
from ..models import Classifier, load_model


def add_model_options(parser: argparse.ArgumentParser) -> None:
    """``--model``, ``--weights`` (use ``none`` for random init), ``--device``, ``--fallback``."""
    parser.add_argument("--model", default="efficientnet_lite0",
                        help="model name (default: efficientnet_lite0, pretrained and offline)")
    parser.add_argument("--weights", default="DEFAULT", help="torchvision weights name, or 'none'")
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:1, mps")
    parser.add_argument("--fallback", action="store_true",
                        help="use the offline model if the requested weights cannot be had")


def model_from_args(args: argparse.Namespace) -> Classifier:
    """Load the classifier the model options describe and say which one runs (stderr)."""
    weights = None if str(args.weights).lower() == "none" else args.weights
    clf = load_model(args.model, weights=weights, device=args.device, fallback=args.fallback)
    print(f"model: {title_name(clf)} ({clf.weights or 'random weights'}, {clf.device})", file=sys.stderr)
    return clf


def add_output_option(parser: argparse.ArgumentParser, default: str) -> None:
    parser.add_argument("--out", "-o", default=default, help=f"output file (default: {default})")


def save(fig, path: str, clf: Classifier | None = None) -> None:
    """Save a figure, creating the folder, and say where it went. With ``clf``, the
    figure's title starts with the model's name when it does not name it yet."""
    if clf is not None:
        name = title_name(clf)
        old = fig._suptitle.get_text() if getattr(fig, "_suptitle", None) is not None else ""
        if clf.name not in old:
            fig.suptitle(f"{name}: {old}" if old else name)
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110, bbox_inches="tight")
    print(f"wrote {out}")


def parse_target(value: str | None):
    """A ``--target`` value: an int stays an int, anything else is a class name."""
    if value is None:
        return None
    return int(value) if value.lstrip("-").isdigit() else value
