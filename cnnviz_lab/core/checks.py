"""Keyword checks of the input gate: each returns the clean value or raises one clear error.

A wrong *type* raises ``TypeError``, a value of the right type but out of range raises
``ValueError``; both messages name the argument, show the value given and say what is
accepted, e.g. ``window must be a positive int or an (h, w) pair of them, got 8.5``.
``bool`` is never taken for a number, and a float is never silently truncated to an int.
"""

from __future__ import annotations

import numbers
from typing import Any, Sequence

import torch


def _is_int(value: Any) -> bool:
    if isinstance(value, torch.Tensor):
        return value.dim() == 0 and not value.is_floating_point() and not value.is_complex() and value.dtype != torch.bool
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_real(value: Any) -> bool:
    if isinstance(value, torch.Tensor):
        return value.dim() == 0 and value.dtype != torch.bool and not value.is_complex()
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def integer(value: Any, name: str, *, minimum: int | None = None, maximum: int | None = None, what: str | None = None) -> int:
    """``value`` as an ``int`` within ``[minimum, maximum]``."""
    lo = "" if minimum is None else f" >= {minimum}"
    hi = "" if maximum is None else f" <= {maximum}"
    accepted = what or f"an int{lo}{' and' if lo and hi else ''}{hi}"
    if not _is_int(value):
        raise TypeError(f"{name} must be {accepted}, got {value!r} ({type(value).__name__})")
    out = int(value)
    if (minimum is not None and out < minimum) or (maximum is not None and out > maximum):
        raise ValueError(f"{name} must be {accepted}, got {out}")
    return out


def positive_int(value: Any, name: str) -> int:
    """An ``int >= 1`` (counts: steps, n, k, batch_size...)."""
    return integer(value, name, minimum=1, what="a positive int (>= 1)")


def optional_positive_int(value: Any, name: str) -> int | None:
    """``None`` (use the default) or an ``int >= 1``."""
    return None if value is None else integer(value, name, minimum=1, what="None or a positive int (>= 1)")


def batch_size(value: Any) -> int | None:
    """``batch_size``: ``None`` (the measured default of :mod:`cnnviz_lab.core.defaults`) or an
    ``int >= 1``, the same rule for every function that batches."""
    return optional_positive_int(value, "batch_size")


def pair(value: Any, name: str) -> tuple[int, int]:
    """A positive ``int`` or an ``(h, w)`` pair of them (window and stride sizes)."""
    what = "a positive int or an (h, w) pair of them"
    if _is_int(value):
        items: Sequence[Any] = (value, value)
    elif isinstance(value, (tuple, list)) and len(value) == 2:
        items = value
    else:
        raise TypeError(f"{name} must be {what}, got {value!r}")
    return (integer(items[0], name, minimum=1, what=what), integer(items[1], name, minimum=1, what=what))


def real(value: Any, name: str, *, minimum: float | None = None, maximum: float | None = None, strict: bool = False, what: str | None = None) -> float:
    """``value`` as a finite ``float`` within the bounds (``strict``: bounds excluded)."""
    if what is None:
        parts = []
        if minimum is not None:
            parts.append(f"{'>' if strict else '>='} {minimum:g}")
        if maximum is not None:
            parts.append(f"{'<' if strict else '<='} {maximum:g}")
        what = "a number" + (f" {' and '.join(parts)}" if parts else "")
    if not _is_real(value):
        raise TypeError(f"{name} must be {what}, got {value!r} ({type(value).__name__})")
    out = float(value)
    bad = out != out or out in (float("inf"), float("-inf"))
    if minimum is not None:
        bad = bad or (out <= minimum if strict else out < minimum)
    if maximum is not None:
        bad = bad or (out >= maximum if strict else out > maximum)
    if bad:
        raise ValueError(f"{name} must be {what}, got {out!r}")
    return out


def choice(value: Any, name: str, options: Sequence[str]) -> str:
    """One of ``options`` (strings, compared exactly)."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be one of {', '.join(repr(o) for o in options)}, got {value!r}")
    if value not in options:
        raise ValueError(f"{name} must be one of {', '.join(repr(o) for o in options)}, got {value!r}")
    return value


def box(value: Any, name: str = "box") -> tuple[int, int, int, int]:
    """Four pixel corners ``(x0, y0, x1, y1)`` (numbers or one-element tensors) as ints."""
    if (
        isinstance(value, (str, bytes))
        or not hasattr(value, "__len__")
        or len(value) != 4
        or not all(_is_real(v) or (isinstance(v, torch.Tensor) and v.numel() == 1) for v in value)
    ):
        raise ValueError(f"{name}: expected four pixel corners (x0, y0, x1, y1), got {value!r}")
    x0, y0, x1, y1 = (int(v) for v in value)
    return x0, y0, x1, y1


def seed(value: Any) -> int | None:
    """``seed``: ``None`` (unseeded: fresh randomness each call) or an ``int``."""
    if value is None:
        return None
    return integer(value, "seed", what="None (unseeded) or an int")


def flag(value: Any, name: str) -> bool:
    """A ``bool`` (``progress=`` takes ``None`` too, see :func:`cnnviz_lab.core.defaults.progress_bar`)."""
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return value


__all__ = ["batch_size", "choice", "flag", "integer", "optional_positive_int", "pair", "positive_int", "real", "seed"]
