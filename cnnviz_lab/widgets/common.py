"""The pieces every ipywidgets panel of the course is built from.

Panels use core ipywidgets controls only (Dropdown, IntSlider, IntRangeSlider, Button,
Output...), which work on Colab, Binder and JupyterLab alike. :func:`panel` wires
controls to a function that draws a figure: any change redraws it in place.
"""

from __future__ import annotations

import functools
import os
import time
from typing import Any, Callable

import ipywidgets as W
from IPython.display import display

from ..images import sample_images
from ..attribution import registry
from ..classifier import Classifier
from ..models import OFFLINE_MODEL, load_model, weights_cache_path


@functools.lru_cache(maxsize=4)
def cached_model(name: str = OFFLINE_MODEL, device: str = "auto") -> Classifier:
    """``load_model(name, fallback=True)``, loaded once per session and reused."""
    return load_model(name, device=device, fallback=True)


def available_models(extra: tuple[str, ...] = ("resnet50", "vgg16", "googlenet", "densenet121",
                                                "mobilenet_v2", "inception_v3")) -> list[str]:
    """The offline model plus those of ``extra`` whose pretrained weights are already on disk
    (or downloadable, when not offline): the choices a model dropdown can offer safely."""
    import torchvision

    from ..config import offline

    names = [OFFLINE_MODEL]
    for name in extra:
        weights = torchvision.models.get_model_weights(name).DEFAULT
        if os.path.exists(weights_cache_path(weights)) or not offline() and os.environ.get("CNNVIZ_ALLOW_DOWNLOADS"):
            names.append(name)
    return names


def model_dropdown(value: str = OFFLINE_MODEL) -> W.Dropdown:
    return W.Dropdown(options=available_models(), value=value, description="model")


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
