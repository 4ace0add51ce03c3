"""The package's exceptions, and the close-match suggestions its error messages carry.

Every error a user can cause is a ``ValueError`` or ``TypeError`` (or a subclass) whose
message names the argument, the value given and what is accepted; unknown names list the
closest real ones. This module imports nothing else from the package, so every other
module can raise these without an import circle.
"""

from __future__ import annotations

import difflib
from typing import Sequence


class UnknownNameError(ValueError):
    """A model, layer, method or class name that does not exist; the message lists the closest."""


class OutOfRangeError(ValueError, IndexError):
    """An index (a class, a channel) outside the valid range; both a ``ValueError`` and,
    as indexing errors always were, an ``IndexError``."""


class MissingFileError(FileNotFoundError, ValueError):
    """A file argument that does not exist: a ``FileNotFoundError`` as the standard library
    raises it, and a ``ValueError`` like every other bad argument; the message names the path."""


class NotAFileError(IsADirectoryError, ValueError):
    """A folder where a file was asked for: an ``IsADirectoryError`` and a ``ValueError``."""


class ModelUnavailableError(RuntimeError):
    """The requested pretrained weights are neither cached nor downloadable right now."""


class NoGapLinearHeadError(ValueError):
    """The network's head is not global average pooling followed by one linear layer."""


class NoGradientError(ValueError):
    """A gradient method met a model (or a callable target) whose scores autograd cannot
    differentiate: the message says which, and what to use instead."""


class NonFiniteActivationError(ValueError):
    """A layer's activations hold NaN or inf values, so a method that decomposes them (an
    SVD: EigenCAM) has nothing to decompose."""


class UnsupportedActivationError(RuntimeError):
    """Guided backpropagation met an activation it is not defined for."""


def close_matches(name: str, choices: Sequence[str], n: int = 5) -> list[str]:
    """The names in ``choices`` that look most like ``name`` (substring hits first)."""
    low = str(name).lower()
    hits = [c for c in choices if low and low in c.lower()]
    hits += [c for c in difflib.get_close_matches(str(name), list(choices), n=n, cutoff=0.4) if c not in hits]
    return hits[:n]


def unknown_name(kind: str, name: object, choices: Sequence[str], hint: str = "") -> UnknownNameError:
    """An :class:`UnknownNameError` for ``name`` that lists the closest of ``choices``."""
    hints = close_matches(str(name), list(choices))
    tail = f"; {hint}" if hint else ""
    return UnknownNameError(f"unknown {kind} {name!r}. Closest: {', '.join(hints) or 'none'}{tail}")


__all__ = [
    "MissingFileError",
    "ModelUnavailableError",
    "NoGapLinearHeadError",
    "NoGradientError",
    "NonFiniteActivationError",
    "NotAFileError",
    "OutOfRangeError",
    "UnknownNameError",
    "UnsupportedActivationError",
    "close_matches",
    "unknown_name",
]
