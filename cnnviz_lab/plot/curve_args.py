"""The arguments of :func:`cnnviz_lab.plot.curves` checked: the curves to draw and where the
legends go, each mistake one ValueError or TypeError naming the argument."""

from __future__ import annotations

import numbers
from typing import Mapping, Sequence

from ..evaluate import Curve

LEGEND_LOCATIONS = tuple(
    "best|upper right|upper left|lower left|lower right|right|center left|center right|lower center|upper center|center|outside".split("|")
)


def curve_lines(results: object, index: object) -> dict[str, list[tuple[str, Curve]]]:
    """``results`` (a curve, a list of curves, or ``{name: curve or list of curves}``) as
    ``{"deletion": [(name, curve), ...], "insertion": [...]}``, with ``index`` checked to be
    an image of every curve."""
    if isinstance(results, Curve):
        results = {"map": results}
    if isinstance(results, (str, bytes)) or not isinstance(results, (Mapping, Sequence)):
        raise TypeError(f"results must be a Curve, a list of Curves or a {{name: Curve or list of Curves}} dict, got {type(results).__name__}")
    if not isinstance(results, Mapping):
        results = {f"map {i}": c for i, c in enumerate(results)}
    lines: dict[str, list[tuple[str, Curve]]] = {"deletion": [], "insertion": []}
    for name, value in results.items():
        group = [value] if isinstance(value, Curve) else list(value) if isinstance(value, Sequence) and not isinstance(value, (str, bytes)) else None
        if not group or not all(isinstance(c, Curve) for c in group):
            raise TypeError(f"results[{name!r}] must be a Curve or a non-empty list of Curves (cnnviz_lab.deletion_curve, insertion_curve), got {value!r:.60}")
        for c in group:
            n = c.scores.shape[0]
            if isinstance(index, bool) or not isinstance(index, numbers.Integral) or not 0 <= index < n:
                raise ValueError(f"index must be an image index from 0 to {n - 1} (the curves hold {n} images), got {index!r}")
            lines[c.kind].append((name, c))
    if not any(lines.values()):
        raise ValueError("results holds no curve to draw")
    return lines
