"""Sub-commands of ``cnnviz``: one module per topic, each with ``register(subparsers)``.

Helpers here give every command the same model, device and output options.
"""

from __future__ import annotations

import argparse
from pathlib import Path

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
    """Load the classifier the model options describe."""
    weights = None if str(args.weights).lower() == "none" else args.weights
    return load_model(args.model, weights=weights, device=args.device, fallback=args.fallback)


def add_output_option(parser: argparse.ArgumentParser, default: str) -> None:
    parser.add_argument("--out", "-o", default=default, help=f"output file (default: {default})")


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
