"""The panel every ipywidgets front end of the course is: controls above a figure.

:class:`Panel` wires controls to a function that draws a figure. Without a button every
change redraws it; with a button (long computations: a rendering, a dream, an occlusion
run) only a click does, and the panel opens on a cheap ``preview`` or on a result the
notebook already computed (``first``), so that building it costs next to nothing.

Where the figure goes matters for notebooks executed headless (``nbclient``, ``nbconvert
--execute``, ``make notebooks``): output routed into an ``Output`` widget while a cell
runs makes nbclient send widget messages on the kernel's shell channel while it waits for
that cell's reply there, and the reply can then be missed until the cell's timeout
(jupyter/nbclient#312: the cell "stalls"). So while a cell executes, a panel sets its
``Output``'s content directly (no output capture, no messages routed through the widget);
only a click, which runs outside any cell, draws inside the ``Output`` with its progress
bar.
"""

from __future__ import annotations

import base64
import time
from typing import Any, Callable

import ipywidgets as W
from IPython.display import display

from ..core.progress import kernel_parent


def in_cell() -> bool | None:
    """True while a notebook cell executes, False while the kernel handles anything else
    (a widget event such as a click), None outside a Jupyter kernel."""
    parent = kernel_parent()
    if parent is None:
        return None
    return (parent.get("header") or {}).get("msg_type") == "execute_request"


class Panel(W.VBox):
    """Controls above an output area; ``render(**values)`` is drawn into the output each
    time a control changes, or, when the panel has a ``button``, each time it is pressed.

    A button panel opens on ``first`` (anything ``display`` shows: a figure a cell already
    made) or else on ``preview(**values)`` (something cheap: the image, one setting), and
    never runs ``render`` before the first click. Controls may carry companion widgets
    (``control.extras``: an image menu's upload button and its message line) and an HTML
    ``control.hint`` (a model menu's note), shown under the controls. ``panel.note`` is an
    HTML line a panel fills with what the figure cannot say (a fallback note).

    ``panel.output`` holds the current figure, ``panel.last_result`` the object drawn,
    ``panel.last_error`` the last error message ("" when none), ``panel.last_seconds`` how
    long the last drawing took.
    """

    def __init__(
        self,
        controls: dict[str, W.Widget],
        render: Callable[..., Any],
        button: str | None = None,
        columns: int = 3,
        *,
        preview: Callable[..., Any] | None = None,
        first: Any = None,
    ) -> None:
        self.controls = controls
        self.render = render
        self.output = W.Output()
        self.status = W.HTML()
        self.note = W.HTML()
        self.last_seconds = 0.0
        self.last_result: Any = None
        self.last_error = ""
        widgets = list(controls.values())
        rows: list[W.Widget] = [W.HBox(widgets[i : i + columns]) for i in range(0, len(widgets), columns)]
        extras = [e for w in widgets for e in getattr(w, "extras", ())]
        if extras:
            rows.append(W.HBox(extras))
        if button:
            self.button = W.Button(description=button, button_style="primary")
            self.button.on_click(lambda _b: self.update(force=True))
            rows.append(W.HBox([self.button, self.status]))
        else:
            self.button = None
            for w in widgets:
                w.observe(lambda _change: self.update(), names="value")
            rows.append(self.status)
        # A model menu's hint (offline: how to get more models; a fallback: what differs).
        rows += [W.HTML(w.hint) for w in widgets if getattr(w, "hint", "")]
        super().__init__(rows + [self.note, self.output])
        self._drawn: dict[str, Any] | None = None
        if button and first is not None:
            self._show(first)
            self.status.value = f"<small>press <b>{button}</b> to compute with these settings</small>"
        elif button and preview is not None:
            self._draw(preview, f"<small>preview: press <b>{button}</b> to compute</small>")
        elif button:
            self.status.value = f"<small>press <b>{button}</b> to compute</small>"
        else:
            self.update(force=True)

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        """The live widget, plus its current figure as a PNG and a plain-text line, so that a
        notebook read without a kernel (GitHub, nbviewer, a static site, slides) shows the
        figure instead of ``Panel(children=...)``; Jupyter renders the widget itself."""
        data = super()._repr_mimebundle_(**kwargs) or {}
        png = figure_png(self.last_result)
        if png is not None:
            data["image/png"] = png
        data["text/plain"] = "An interactive panel: run the notebook to move its controls."
        return data

    def values(self) -> dict[str, Any]:
        return {k: w.value for k, w in self.controls.items()}

    def update(self, force: bool = False) -> None:
        """Redraw now with the current control values. Without ``force`` nothing happens when
        the values are those already drawn (a control that updates another, such as an image
        menu refreshing the class menu, then costs one redraw, not two)."""
        values = self.values()
        if not force and values == self._drawn:
            return
        self._drawn = values
        self._draw(self.render)

    def _draw(self, fn: Callable[..., Any], done: str | None = None) -> None:
        start = time.perf_counter()
        self.status.value = "<i>computing...</i>"
        cell = in_cell()
        if cell is False:  # a click: draw inside the Output, progress bar included
            with self.output:
                self.output.clear_output(wait=True)
                self._call(fn)
                if self.last_error:
                    print(self.last_error)
                elif self.last_result is not None:
                    display(self.last_result)
        else:
            self._call(fn)
            self._show(self.last_result, self.last_error)
        self.last_seconds = time.perf_counter() - start
        self.status.value = done or f"<small>updated in {self.last_seconds:.2f} s</small>"

    def _call(self, fn: Callable[..., Any]) -> None:
        self.last_error = ""
        try:
            self.last_result = fn(**self.values())
        except Exception as err:  # show the problem in the panel, keep the panel alive
            self.last_result = None
            self.last_error = f"{type(err).__name__}: {err}"

    def _show(self, result: Any, error: str = "") -> None:
        """Put ``result`` (or ``error``) in the output without capturing: in a kernel by
        setting the Output's content, outside one (a script, a test) by printing it."""
        self.last_result = result
        if in_cell() is None:
            with self.output:
                self.output.clear_output()
                if error:
                    print(error)
                elif result is not None:
                    display(result)
            return
        self.output.outputs = ()
        if error:
            self.output.append_stdout(error + "\n")
        elif result is not None:
            self.output.outputs = (display_output(result),)


def display_output(result: Any) -> dict[str, Any]:
    """``result`` as a ``display_data`` output for an ``Output`` widget's ``outputs``, binary
    formats (a figure's PNG) base64-encoded as in a notebook. ``Output.append_display_data``
    stores the PNG as raw bytes, which travel as a binary buffer: the browser then draws
    ``data:image/png;base64,[object Object]`` (a broken image) and a notebook's stored widget
    state holds no readable figure."""
    from IPython.core.formatters import format_display_data

    png = figure_png(result)  # any matplotlib figure or PIL image, with or without _repr_png_
    if png is not None:
        return {"output_type": "display_data", "data": {"image/png": png, "text/plain": repr(result)}, "metadata": {}}
    data, metadata = format_display_data(result)
    data = {k: base64.b64encode(v).decode("ascii") if isinstance(v, (bytes, bytearray, memoryview)) else v for k, v in data.items()}
    return {"output_type": "display_data", "data": data, "metadata": metadata}


def figure_png(result: Any) -> str | None:
    """``result`` (a matplotlib figure, a PIL image or anything with ``_repr_png_``) as
    base64 PNG text, or None."""
    import base64
    import io

    if result is None:
        return None
    buf = io.BytesIO()
    if hasattr(result, "savefig"):
        result.savefig(buf, format="png", dpi=72, bbox_inches="tight")
    elif hasattr(result, "save") and hasattr(result, "mode"):
        result.save(buf, format="PNG")
    elif hasattr(result, "_repr_png_"):
        raw = result._repr_png_()
        if not raw:
            return None
        buf.write(raw if isinstance(raw, bytes) else base64.b64decode(raw))
    else:
        return None
    return base64.b64encode(buf.getvalue()).decode("ascii")


def panel(controls: dict[str, W.Widget], render: Callable[..., Any], button: str | None = None) -> Panel:
    """A :class:`Panel`: controls that redraw ``render``'s figure whenever they change."""
    return Panel(controls, render, button)


__all__ = ["display_output", "figure_png", "Panel", "in_cell", "panel"]
