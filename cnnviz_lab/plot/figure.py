"""The figure class of the package's plots: a pyplot-free matplotlib ``Figure`` that shows
itself as a PNG in a notebook (``_repr_png_``) when it is a cell's value or passed to
``display``. Only figures made by the package do so; importing the package changes nothing
in the running IPython shell (no display formatter is registered for the user's figures)."""

from __future__ import annotations

import io

import matplotlib.figure


class Figure(matplotlib.figure.Figure):
    """A matplotlib figure that a notebook draws as PNG (90 dpi, tight bounding box)."""

    def _repr_png_(self) -> bytes:
        buf = io.BytesIO()
        self.savefig(buf, format="png", dpi=90, bbox_inches="tight")
        return buf.getvalue()


__all__ = ["Figure"]
