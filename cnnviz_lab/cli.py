"""The ``cnnviz`` command: any method of the course on any image, written to a file.

Sub-commands live in ``cnnviz_lab/commands/``, one module per topic; each module has a
``register(subparsers)`` function. ``cnnviz --help`` lists them all.

Exit status: 0 on success; 2 for a user error (a bad option or argument, a missing,
unreadable or corrupt file, an unknown model, layer or class, weights that cannot be had
offline...), reported as ONE line on stderr, ``cnnviz COMMAND: error: ...``; 130 when
interrupted. Anything else is a bug in cnnviz-lab: its traceback is printed, then a line
asking to report it, and the status is 1. ``cnnviz --traceback ...`` shows the traceback
of user errors too.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
import traceback
from typing import NoReturn, Sequence

import torch

from . import commands
from .core.errors import ModelUnavailableError, UnsupportedActivationError
from .commands import check_arguments
from .models.download import DownloadError

#: Errors that describe the user's input or environment, never the package's own bugs:
#: the package raises ValueError (UnknownNameError included) and TypeError for bad
#: arguments; OSError covers files, folders, permissions and the network; and the two
#: RuntimeErrors the package documents (weights unavailable or failing to download,
#: activation unsupported).
USER_ERRORS: tuple[type[BaseException], ...] = (
    ValueError,
    TypeError,
    OSError,
    ModelUnavailableError,
    DownloadError,
    UnsupportedActivationError,
    torch.cuda.OutOfMemoryError,
)


class ArgumentParser(argparse.ArgumentParser):
    """argparse, with usage errors on one line like every other user error."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every sub-command found in ``cnnviz_lab.commands``."""
    parser = ArgumentParser(prog="cnnviz", description="See inside convolutional networks: run any method of the cnnviz-lab course on an image.")
    parser.add_argument("--traceback", action="store_true", help="show the full traceback of any error (for bug reports)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda i: i.name):
        if not info.name.startswith("_"):
            importlib.import_module(f"{commands.__name__}.{info.name}").register(sub)
    return parser


def _one_line(err: BaseException) -> str:
    text = " ".join(str(err).split()) or type(err).__name__
    if isinstance(err, torch.cuda.OutOfMemoryError):
        text = f"out of memory ({text[:200]}); try --device cpu, a smaller --size or --batch-size"
    return text


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``cnnviz`` console script; returns the exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as done:  # --help, or a usage error already printed on one line
        return done.code if isinstance(done.code, int) else 2
    try:
        check_arguments(args)  # the image, --out, --device, --size: before any computation
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print(f"cnnviz {args.command}: interrupted", file=sys.stderr)
        return 130
    except USER_ERRORS as err:
        if args.traceback:
            traceback.print_exc()
        print(f"cnnviz {args.command}: error: {_one_line(err)}", file=sys.stderr)
        return 2
    except Exception:  # a bug: show where it happened
        traceback.print_exc()
        print(f"cnnviz {args.command}: internal error: this is a bug in cnnviz-lab; please report it with the traceback above", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
