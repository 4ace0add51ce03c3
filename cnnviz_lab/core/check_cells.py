"""Check cells in a student's notebook: a claim that does not hold in this run is one line,
not a traceback.

Each course notebook turns the numbers its text quotes into assertions, in collapsed cells
whose first line is a comment saying what they check. The course's tests and builds run with
``CNNVIZ_STRICT_CHECKS=1``, so a claim that no longer holds stops them. A student's run can
differ for good reasons (quick mode, other settings, another GPU, another library version):
there, :func:`soften_check_cells` shows a failed check as one line naming it, and every other
error keeps its full traceback.
"""

from __future__ import annotations

import linecache
import os
import sys
import traceback
from typing import Any

STRICT_ENV = "CNNVIZ_STRICT_CHECKS"
_TRUE = {"1", "true", "yes", "on"}


def strict() -> bool:
    """True when ``CNNVIZ_STRICT_CHECKS`` is set: a failed check raises as usual."""
    return os.environ.get(STRICT_ENV, "").strip().lower() in _TRUE


def _is_cell(filename: str) -> bool:
    """Whether ``filename`` is a notebook cell's code (ipykernel or plain IPython)."""
    return "ipykernel_" in filename or filename.startswith("<ipython-input")


def check_summary(filename: str) -> str:
    """The first line of the cell in ``filename`` when it is a comment (the check's summary),
    else a generic description."""
    for line in linecache.getlines(filename):
        text = line.strip()
        if text:
            return text.lstrip("#").strip() if text.startswith("#") else "a check of the numbers quoted in the text"
    return "a check of the numbers quoted in the text"


def check_note(summary: str) -> str:
    """The line a student sees when a check cell's claim does not hold in their run."""
    return (
        f"Check not met in this run: {summary}.\n"
        "The text quotes the course's stored full-mode run; this run differs (quick mode, other "
        "settings, another device or library version). The figures above are still this run's: "
        "read them with that in mind."
    )


def soften_check_cells(shell: Any = None) -> bool:
    """In an IPython kernel, show an ``AssertionError`` raised by a cell's top-level code (a
    check cell) as :func:`check_note` instead of a traceback; errors raised inside functions, and
    every other exception, keep their traceback. Does nothing (returns False) outside IPython
    or when :func:`strict`; returns True when installed."""
    if strict():
        return False
    if shell is None:
        ipython = sys.modules.get("IPython")
        shell = ipython.get_ipython() if ipython is not None else None
    if shell is None or not hasattr(shell, "set_custom_exc"):
        return False

    def handler(self: Any, etype: type, value: BaseException, tb: Any, tb_offset: int | None = None) -> Any:
        frames = traceback.extract_tb(tb)
        if frames and _is_cell(frames[-1].filename) and frames[-1].name == "<module>":
            print(check_note(check_summary(frames[-1].filename)))
            return None
        return self.showtraceback((etype, value, tb), tb_offset=tb_offset)

    shell.set_custom_exc((AssertionError,), handler)
    return True


__all__ = ["STRICT_ENV", "check_note", "check_summary", "soften_check_cells", "strict"]
