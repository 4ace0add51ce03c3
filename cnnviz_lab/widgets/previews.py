"""What a button panel shows before its first click: the input, drawn at once, with what
pressing the button will compute (no model pass, no optimisation)."""

from __future__ import annotations

from typing import Sequence

import numpy as np
from ..plot.figure import Figure
from ..plot.boxes import occluder
from PIL import Image


def image_preview(
    image: Image.Image,
    title: str,
    square: tuple[int, int] | None = None,
    side: int | None = None,
    square_color: str | tuple[float, float, float] = "black",
    figsize: tuple[float, float] = (3.4, 3.6),
) -> Figure:
    """``image`` (resized so its shorter side is ``side`` when given) titled with ``title``;
    ``square=(window, stride)`` draws one occluder to scale at the centre, in ``square_color``
    (a matplotlib colour: black is drawn translucent as before, any other colour opaque with
    a white outline; ``"outline"``: only its outline). ``figsize``: the figure's size in inches."""
    img = image.convert("RGB")
    if side is not None:
        scale = side / min(img.size)
        img = img.resize((max(1, round(img.width * scale)), max(1, round(img.height * scale))))
    fig = Figure(figsize=figsize, layout="constrained")
    ax = fig.add_subplot()
    ax.imshow(np.asarray(img))
    if square is not None:
        window, _stride = square
        cy, cx = (img.height - window) // 2, (img.width - window) // 2
        occluder(ax, cx, cy, window, window, square_color)
    ax.set_axis_off()
    ax.set_title(title, fontsize=9)
    return fig


def lines(*parts: str | None) -> str:
    """Title lines, skipping empty ones."""
    return "\n".join(p for p in parts if p)


def settings(values: dict, keys: Sequence[str]) -> str:
    """``"key value, key value"`` for the settings a preview names."""
    return ", ".join(f"{k} {values[k]}" for k in keys if k in values)


__all__ = ["image_preview", "lines", "settings"]
