"""Checking a student's answer: run it, compare with the package's own result, say why not.

Each checker prints one friendly line and returns a :class:`Verdict`, true or false like a
``bool`` (``assert check_...(solution)`` works), that a notebook does not echo as ``True`` or
``False`` under the line it printed. A student's stub
that raises ``NotImplementedError`` is reported as "not done yet", never as a crash, so a
notebook with unfinished exercises still runs from top to bottom.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable

import torch


class Verdict:
    """An exercise's verdict: true when the answer is right. It behaves as that ``bool`` in
    ``assert``, ``if`` and ``==``, and shows nothing more in a notebook than the line the
    checker printed (no ``False`` echoed under "not yet")."""

    __slots__ = ("ok", "line", "name")

    def __init__(self, ok: bool, line: str, name: str = "") -> None:
        self.ok, self.line, self.name = bool(ok), line, name

    def __bool__(self) -> bool:
        return self.ok

    def __eq__(self, other: object) -> bool:
        return self.ok == bool(other) if isinstance(other, (bool, Verdict)) else NotImplemented

    def __hash__(self) -> int:
        return hash(self.ok)

    def __repr__(self) -> str:
        return f"Verdict({self.ok}, {self.line!r}, {self.name!r})"

    def _ipython_display_(self) -> None:
        """The checker already printed the line: display nothing more."""


def report(ok: bool, name: str, detail: str = "") -> Verdict:
    """Print the verdict for exercise ``name`` and return it (true when ``ok``). The printed
    line is what a student reads ("correct: ..." or "not yet: ..."); ``name`` stays in the
    returned verdict's ``name``, not on screen."""
    mark = "correct" if ok else "not yet"
    line = f"{mark}{': ' + detail if detail else ''}"
    print(line)
    return Verdict(ok, line, name)


def attempt(fn: Callable, *args, name: str, **kwargs):
    """Call the student's function; ``(True, value)`` or ``(False, reason)``."""
    try:
        return True, fn(*args, **kwargs)
    except NotImplementedError:
        return False, "your function still raises NotImplementedError: fill it in, or open the solution"
    except Exception as err:  # the student's code may fail in any way
        return False, f"your function raised {type(err).__name__}: {err}"


def close(a, b, rtol: float = 1e-4, atol: float = 1e-6) -> tuple[bool, str]:
    """Whether two tensors agree in shape and value, with a reason when they do not."""
    a = torch.as_tensor(a).detach().cpu().float()
    b = torch.as_tensor(b).detach().cpu().float()
    if a.shape != b.shape:
        return False, f"shape {tuple(a.shape)}, expected {tuple(b.shape)}"
    if not torch.allclose(a, b, rtol=rtol, atol=atol):
        err = (a - b).abs().max().item()
        return False, f"values differ from the reference (max difference {err:.3g})"
    return True, "matches the reference"


def same(a: Any, b: Any, rtol: float = 1e-4, atol: float = 1e-6) -> bool:
    """Whether ``a`` has ``b``'s shape and values (False for anything not tensor-like)."""
    try:
        return close(a, b, rtol=rtol, atol=atol)[0]
    except (TypeError, ValueError, RuntimeError):
        return False


def per_image(got: Any) -> tuple[torch.Tensor | None, str]:
    """A student's result as a flat tensor of one value per image, or ``(None, why not)``."""
    try:
        return torch.as_tensor(got).flatten(), ""
    except (TypeError, ValueError, RuntimeError):
        return None, f"return one value per image, got {type(got).__name__}"


def diagnose(got: Any, mistakes: Iterable[tuple[Any, str]], rtol: float = 1e-4, atol: float = 1e-6) -> str:
    """The hint of the first likely mistake whose result ``got`` reproduces, or "".
    ``mistakes``: ``(what that mistake returns, the hint for it)`` pairs, most specific first."""
    for wrong, hint in mistakes:
        if same(got, wrong, rtol=rtol, atol=atol):
            return hint
    return ""
