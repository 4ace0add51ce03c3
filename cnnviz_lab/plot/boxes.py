"""Hand-drawn object boxes on figures: one way to outline a box, one colour and line style
per label, one legend.

A box is ``(x0, y0, x1, y1)`` in the image's pixels, corners included at the top left and
excluded at the bottom right (pixels ``x0 .. x1 - 1``), so its outline runs along pixel edges:
``imshow`` centres pixel ``i`` on ``i``, and the outline starts at ``x0 - 0.5``.
"""

from __future__ import annotations

from itertools import cycle
from typing import Mapping, Sequence

from matplotlib.patches import Rectangle

Box = Sequence[int]
Boxes = Mapping[str, Sequence[Box]] | Sequence[Box]
BOX_COLOURS = ("white", "yellow", "cyan", "magenta")


def outline(ax, box: Box, colour: str = "white", lw: float = 1.5, ls: str = "-", label: str | None = None) -> None:
    """Outline one ``(x0, y0, x1, y1)`` box on ``ax`` along its pixels' edges (``label``:
    its legend entry, if any)."""
    x0, y0, x1, y1 = (float(v) for v in box)
    ax.add_patch(Rectangle((x0 - 0.5, y0 - 0.5), x1 - x0, y1 - y0, fill=False, edgecolor=colour, lw=lw, ls=ls, label=label))


def occluder(ax, x: int, y: int, width: int, height: int, fill="black") -> None:
    """Draw an occluding square with its top-left pixel at ``(x, y)``: ``"black"`` a translucent
    black square, ``"outline"`` only a white outline, any other colour that colour with a white
    edge."""
    corner = (x - 0.5, y - 0.5)
    if isinstance(fill, str) and fill == "black":
        ax.add_patch(Rectangle(corner, width, height, fill=True, color="black", alpha=0.7))
    elif isinstance(fill, str) and fill == "outline":
        ax.add_patch(Rectangle(corner, width, height, fill=False, edgecolor="white", lw=1.5))
    else:
        ax.add_patch(Rectangle(corner, width, height, facecolor=fill, edgecolor="white", lw=1))


def _named_boxes(boxes: Mapping[str, Sequence[Box]] | Sequence[Box]) -> list[tuple[str, list[Box]]]:
    """``{label: [box, ...]}`` or one list of boxes as ``[(label, boxes), ...]``, each box
    checked to be four pixel corners ``(x0, y0, x1, y1)``."""
    groups = list(boxes.items()) if isinstance(boxes, Mapping) else [("", boxes)]
    if not groups:
        raise ValueError("boxes: give at least one (x0, y0, x1, y1) box, or leave boxes=None")
    out = []
    for label, group in groups:
        try:
            corners = [tuple(int(v) for v in b) for b in group]
        except (TypeError, ValueError):
            raise TypeError(f"boxes: expected lists of (x0, y0, x1, y1) pixel corners, got {group!r:.80}") from None
        if not corners or any(len(b) != 4 for b in corners):
            raise ValueError(f"boxes: expected lists of (x0, y0, x1, y1) pixel corners, got {group!r:.80}")
        out.append((str(label), corners))
    return out


def _check_boxes(boxes: Boxes | None) -> None:
    if boxes is not None:
        _named_boxes(boxes)


def draw_boxes(ax, boxes: Boxes, label: bool = True, fontsize: float = 8) -> None:
    """Outline ``boxes`` (``{label: [(x0, y0, x1, y1), ...]}`` in the image's pixels, or one
    list of boxes) on ``ax``: one colour per label (white solid, then yellow dashed, ...);
    ``label=True`` writes the label inside the top-left corner of its first box."""
    for (name, group), colour in zip(_named_boxes(boxes), cycle(BOX_COLOURS)):
        for box in group:
            outline(ax, box, colour, lw=1.8 if label else 1.2, ls="-" if colour == "white" else "--")
        if label and name:
            x0, y0 = group[0][:2]
            ax.text(
                x0 + 3,
                y0 + 3,
                name,
                color="black",
                fontsize=fontsize,
                va="top",
                ha="left",
                bbox={"facecolor": colour, "edgecolor": "none", "pad": 1.5, "alpha": 0.85},
            )


def _box_legend(fig, boxes: Boxes, fontsize: float, peak: bool = False, title: str = "hand-drawn boxes") -> None:
    """One legend entry per box label (its colour and line style), under the figure, titled ``title``, on a
    grey background so that the white boxes show; ``peak=True`` adds the white cross that
    :func:`~cnnviz_lab.plot.core.mark_peak` draws on each map's maximum."""
    from matplotlib.lines import Line2D

    handles = [
        Line2D([], [], color=colour, lw=2, ls="-" if colour == "white" else "--", label=name)
        for (name, _group), colour in zip(_named_boxes(boxes), cycle(BOX_COLOURS))
        if name
    ]
    if handles and peak:
        handles.append(Line2D([], [], color="white", marker="x", ms=10, mew=3, ls="none", label="map's maximum"))
    if handles:
        legend = fig.legend(
            handles=handles,
            loc="outside lower center",
            ncol=len(handles),
            fontsize=fontsize,
            facecolor="0.35",
            framealpha=1.0,
            labelcolor="white",
            title=title,
            title_fontsize=fontsize,
        )
        legend.get_title().set_color("white")


__all__ = ["BOX_COLOURS", "Box", "Boxes", "draw_boxes", "occluder", "outline"]
