"""The ``cnnviz`` command: any method of the course on any image, written to a file.

Sub-commands live in ``cnnviz_lab/commands/``, one module per topic; each module has a
``register(subparsers)`` function. ``cnnviz --help`` lists them all.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from typing import Sequence

from . import commands


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every sub-command found in ``cnnviz_lab.commands``."""
    parser = argparse.ArgumentParser(prog="cnnviz", description="See inside convolutional networks: "
                                     "run any method of the cnnviz-lab course on an image.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda i: i.name):
        if not info.name.startswith("_"):
            importlib.import_module(f"{commands.__name__}.{info.name}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``cnnviz`` console script; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (FileNotFoundError, ValueError, RuntimeError, KeyError, TypeError) as err:
        print(f"cnnviz {args.command}: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
