"""One progress bar per long call, and one per notebook cell.

:func:`bar` is the ``tqdm.auto`` bar every long call of the package shows
(:func:`cnnviz_lab.core.defaults.progress_bar` decides *whether*; this module decides *where*):

- **Nested calls show no bar of their own.** While a visible bar is open (an outer call
  such as ``evaluate_methods`` working through its methods), a call made inside it gets a
  disabled bar: the outer bar is the one bar of that call, instead of one more line per
  inner call.
- **One bar per notebook cell.** In a Jupyter kernel, every bar started while the same
  cell (or the same button click of a panel) runs is drawn in the one bar widget that the
  cell's first bar displayed: a cell that inverts five layers shows one bar that restarts
  five times, not five bars (a notebook executed headless would store each as a line).
  The bar's left label says which call is running.

Outside a kernel (a terminal, a script) bars are ordinary ``tqdm`` text bars, erased when
they finish.
"""

from __future__ import annotations

import weakref
from typing import Any, Iterable

from tqdm.auto import tqdm

_open: "weakref.WeakSet[Any]" = weakref.WeakSet()  # visible bars not closed yet
_slot: list[Any] = [None, None]  # [parent message id, displayed box]


def kernel_parent() -> dict | None:
    """The message the Jupyter kernel is handling now (a cell's ``execute_request``, or the
    ``comm_msg`` of a widget event such as a button click), or None outside a kernel."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with Jupyter
        return None
    kernel = getattr(get_ipython(), "kernel", None)
    if kernel is None:
        return None
    if hasattr(kernel, "get_parent"):  # ipykernel >= 6
        try:
            parent = kernel.get_parent("shell")
        except TypeError:
            parent = kernel.get_parent()
    else:  # ipykernel 5 (older Colab images)
        parent = getattr(kernel, "_parent_header", None)
    return parent or {}


def _parent_id() -> str | None:
    parent = kernel_parent()
    return None if parent is None else (parent.get("header") or {}).get("msg_id")


def _notebook_bar(cls: type) -> bool:
    try:
        from tqdm.notebook import tqdm as notebook_tqdm
    except ImportError:  # pragma: no cover
        return False
    return issubclass(cls, notebook_tqdm)


class _Bar(tqdm):  # type: ignore[misc, valid-type]
    """``tqdm.auto.tqdm`` that registers itself as open while visible and, in a kernel,
    draws into the current cell's bar widget."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        cell = _parent_id() if not kwargs.get("disable") and _notebook_bar(type(self)) else None
        if cell is not None:
            kwargs["display"] = False  # drawn in the cell's box below
        super().__init__(*args, **kwargs)
        if self.disable:
            return
        _open.add(self)
        container = getattr(self, "container", None)
        if cell is None or container is None:
            return
        try:
            from IPython.display import display
            from tqdm.notebook import TqdmHBox
        except ImportError:  # pragma: no cover
            return
        if _slot[0] != cell or _slot[1] is None:
            # The cell's first bar: a box of its own (closing a bar closes the bar's container,
            # never this box), displayed once; later bars of the cell take its place.
            box = TqdmHBox(children=container.children)
            box.pbar = container.pbar
            display(box)
            _slot[0], _slot[1] = cell, box
        else:
            box = _slot[1]
            box.children = container.children
            box.pbar = container.pbar
            box.layout.display = ""
        self._box = box

    def close(self) -> None:
        _open.discard(self)
        super().close()
        box = getattr(self, "_box", None)
        if box is not None and (self.total is None or self.n >= self.total):
            box.layout.display = "none"  # done: hidden, as tqdm's leave=False would
            box.pbar = None


def nested() -> bool:
    """Whether a visible bar is open now (the caller runs inside a longer call)."""
    return any(not getattr(b, "disable", True) for b in list(_open))


def bar(items: Iterable | None = None, *, show: bool, desc: str, total: int | None = None, unit: str = "it") -> tqdm:
    """A progress bar over ``items`` (or a manual one of ``total`` steps): shown when ``show``
    and no other bar is open (:func:`nested`), drawn into the current cell's bar in a
    notebook; it leaves nothing behind when done (``leave=False``)."""
    return _Bar(items, total=total, desc=desc, unit=unit, disable=not show or nested(), leave=False)


__all__ = ["bar", "kernel_parent", "nested"]
