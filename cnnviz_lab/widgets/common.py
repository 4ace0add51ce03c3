"""The pieces every ipywidgets panel of the course is built from.

Panels use core ipywidgets controls only (Dropdown, IntSlider, IntRangeSlider, Button,
Output...), which work on Colab, Binder and JupyterLab alike. :func:`panel` wires
controls to a function that draws a figure: any change redraws it in place.
"""

from __future__ import annotations

import functools
import time
from typing import Any, Callable

import ipywidgets as W
from IPython.display import display

from .. import hub
from ..attribution import registry
from ..classifier import Classifier
from ..fallback import fallback_note, note_box
from ..images import sample_images
from ..models import OFFLINE_MODEL, load_model


@functools.lru_cache(maxsize=4)
def cached_model(name: str = OFFLINE_MODEL, device: str = "auto") -> Classifier:
    """``load_model(name, fallback=True)``, loaded once per session and reused."""
    return load_model(name, device=device, fallback=True)


def available_models(extra: tuple[str, ...] = hub.CLASSICS) -> list[str]:
    """The models a menu can offer now: the offline model, those of ``extra`` whose weights
    are cached and, when the weights server answers (:func:`cnnviz_lab.hub.online`, never
    with ``CNNVIZ_OFFLINE=1``), the rest of ``extra`` (loading downloads them once)."""
    return [name for _label, name in hub.menu_options(extra)]


def model_dropdown(value: str = OFFLINE_MODEL, extra: tuple[str, ...] = hub.CLASSICS) -> W.Dropdown:
    """A model menu: values are model names, labels carry a "(downloads N MB)" note for
    weights not yet cached. ``dropdown.hint`` is HTML a :class:`Panel` shows under its
    controls: offline, how to get the missing models (``cnnviz fetch``); when ``value``
    cannot be had, the menu starts on the offline model and the hint says what differs."""
    options = hub.menu_options(extra)
    hint = hub.menu_hint(extra)
    if value not in [name for _label, name in options]:
        if hub.is_cached(value) or hub.online():
            options += [o for o in hub.menu_options((value,)) if o[1] == value]
        else:
            reason = hub.unavailable_reason(hub.default_weights(value))
            hint = note_box(fallback_note(value, f"its weights are not cached and {reason}"))
            value = OFFLINE_MODEL
    dropdown = W.Dropdown(options=options, value=value, description="model")
    dropdown.hint = hint
    return dropdown


def image_dropdown(value: str = "cat") -> W.Dropdown:
    return W.Dropdown(options=sample_images(), value=value, description="image")


def _method_name(value: Any) -> Any:
    try:
        return registry.get_method(value).name
    except (ValueError, TypeError):
        return value


def method_buttons(methods: list[registry.Method], value: str, description: str = "method") -> W.ToggleButtons:
    """Toggle buttons over registry methods, labelled with their display labels; the value
    is the method's name, and setting it takes any spelling or alias (``"guided"``,
    ``"Grad-CAM++"``), as everywhere else in the package."""
    return W.ToggleButtons(options=[(m.label, m.name) for m in methods], value=_method_name(value),
                           description=description, equals=lambda a, b: _method_name(a) == _method_name(b))


class Panel(W.VBox):
    """Controls above an output area; ``render(**values)`` is drawn into the output each
    time a control changes (or when the button is pressed, if the panel has one).

    ``panel.output`` holds the current figure; ``panel.last_seconds`` how long it took.
    """

    def __init__(self, controls: dict[str, W.Widget], render: Callable[..., Any],
                 button: str | None = None, columns: int = 3) -> None:
        self.controls = controls
        self.render = render
        self.output = W.Output()
        self.status = W.HTML()
        self.last_seconds = 0.0
        widgets = list(controls.values())
        rows = [W.HBox(widgets[i:i + columns]) for i in range(0, len(widgets), columns)]
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
        super().__init__(rows + [self.output])
        self._drawn: dict[str, Any] | None = None
        self.update(force=True)

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
        start = time.perf_counter()
        self.status.value = "<i>computing...</i>"
        with self.output:
            self.output.clear_output(wait=True)
            try:
                result = self.render(**values)
                if result is not None:
                    display(result)
            except Exception as err:  # show the problem in the panel, keep the panel alive
                print(f"{type(err).__name__}: {err}")
        self.last_seconds = time.perf_counter() - start
        self.status.value = f"<small>updated in {self.last_seconds:.2f} s</small>"


def panel(controls: dict[str, W.Widget], render: Callable[..., Any], button: str | None = None
          ) -> Panel:
    """A :class:`Panel`: controls that redraw ``render``'s figure whenever they change."""
    return Panel(controls, render, button)
