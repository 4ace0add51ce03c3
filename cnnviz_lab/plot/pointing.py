"""The pointing game drawn: each map with its maximum marked (a cross on the pixel that
decides the verdict) and the hand-drawn boxes it should fall in (Zhang et al. 2016)."""

from __future__ import annotations

import numbers
from typing import Mapping, Sequence

import numpy as np
import torch

from ..models.classifier import Classifier
from .core import colorize, image_array, normalize_map, overlay, to_numpy
from .boxes import outline
from .evaluation import _colour_bar
from .figure import Figure


def _boxes_of(boxes: Sequence, index: int) -> list:
    return list(boxes[index]) if boxes and not isinstance(boxes[0][0], numbers.Number) else list(boxes)


#: The colour map of signed maps: blue below 0, white at 0, red above.
SIGNED_CMAP = "RdBu_r"


def _signed_overlay(img: np.ndarray, m2: np.ndarray) -> np.ndarray:
    """A signed map over ``img`` (greyscale, half and half), coloured on a scale symmetric
    about 0: -max|map| darkest blue, 0 white, +max|map| darkest red."""
    h = (normalize_map(m2, "signed") + 1) / 2
    if h.shape != img.shape[:2]:
        from PIL import Image

        h = np.asarray(Image.fromarray(h.astype(np.float32)).resize((img.shape[1], img.shape[0]), Image.BILINEAR))
    grey = np.repeat(img.mean(axis=2, keepdims=True), 3, axis=2)
    return np.clip(0.5 * grey + 0.5 * colorize(h, SIGNED_CMAP), 0, 1)


def _signed_colour_bar(fig: Figure, axes, label: str) -> None:
    """A colour bar from -1 to 1 in :data:`SIGNED_CMAP` beside ``axes``."""
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize

    bar = fig.colorbar(ScalarMappable(Normalize(-1.0, 1.0), cmap=SIGNED_CMAP), ax=axes, shrink=0.8, aspect=25, pad=0.01)
    bar.set_label(label, fontsize=8)
    bar.ax.tick_params(labelsize=7)


def _max_pooled(m2: np.ndarray, k: int) -> np.ndarray:
    """``m2`` with every pixel replaced by the maximum of the ``k x k`` window around it
    (stride 1, same size): a display aid that widens isolated peaks of a speckled map."""
    t = torch.as_tensor(np.ascontiguousarray(m2), dtype=torch.float32)[None, None]
    pooled = torch.nn.functional.max_pool2d(t, k, stride=1, padding=k // 2)[0, 0]
    return pooled[: m2.shape[0], : m2.shape[1]].numpy()


def _pointing_panel(ax, m: torch.Tensor, bxs: list, img: np.ndarray, outline_ties: bool = False, signed: bool = False, pool: int = 1) -> bool:
    """Draw one map over ``img`` with its boxes and a cross on its maximum (green in a box,
    red outside; a maximum on the image's edge draws its cross just inside it, whole);
    returns whether it is a hit (always judged at the maximum itself). When several pixels
    tie for the maximum, the cross marks the one that decides (see :func:`_scored_pixel`);
    with ``outline_ties`` the tied region is outlined instead (in the verdict's colour, no
    cross), so that a reader sees every pixel the verdict depends on. ``signed``: a 2-D map
    drawn on a scale symmetric about 0 (:func:`_signed_overlay`) instead of min to max.
    ``pool`` > 1: the map is *drawn* max-pooled over ``pool x pool`` pixels (:func:`_max_pooled`);
    the verdict, the cross and the tied region still come from the map itself."""
    from ..evaluate import pointing_game

    hit = bool(pointing_game(m, [bxs])[0])
    m2 = to_numpy(m if m.dim() == 2 else m.abs().sum(0))
    shown = _max_pooled(m2, pool) if pool > 1 else m2
    ax.imshow(_signed_overlay(img, shown) if signed and m.dim() == 2 else overlay(img, shown))
    for box in bxs:
        outline(ax, box, "white", lw=2)
    tied = _tied(m if m.dim() == 2 else torch.as_tensor(m2))
    if outline_ties and tied.sum() > 1:
        padded = np.pad(tied.astype(float), 1)  # closes the outline along the image's edge
        rows, cols = np.arange(-1, tied.shape[0] + 1), np.arange(-1, tied.shape[1] + 1)
        ax.contour(cols, rows, padded, levels=[0.5], colors=["lime" if hit else "red"], linewidths=2.5)
    else:
        r, c = _scored_pixel(m if m.dim() == 2 else torch.as_tensor(m2), bxs, hit)
        r, c = _inside(ax, float(r), float(c), m2.shape, MARKER_SIZE / 2 + MARKER_EDGE / 2)
        ax.plot([c], [r], "x", color="lime" if hit else "red", ms=MARKER_SIZE, mew=MARKER_EDGE)
    ax.set_xlim(-0.5, m2.shape[1] - 0.5)
    ax.set_ylim(m2.shape[0] - 0.5, -0.5)
    ax.set_axis_off()
    return hit


def _tied(m: torch.Tensor) -> np.ndarray:
    """Boolean ``(H,W)`` mask of the pixels that share the map's maximum (NaN never counts)."""
    a = torch.nan_to_num(m.detach().float().cpu(), nan=-float("inf"))
    return (a == a.max()).numpy()


def _scored_pixel(m: torch.Tensor, bxs: list, hit: bool) -> tuple[int, int]:
    """``(row, col)`` of the maximal pixel that decides the pointing game's verdict. When
    several pixels share the maximum (a blocky occlusion map) all must lie in a box for a
    hit: a miss is marked at the first tied pixel (row-major order) outside every box, a hit
    at the first tied pixel, so the cross never sits in a box on a panel that says miss."""
    from ..evaluate import pointing_game

    a = torch.nan_to_num(m.detach().float().cpu(), nan=-float("inf"))
    rows, cols = torch.nonzero(a == a.max(), as_tuple=True)
    if not hit:
        for r, c in zip(rows.tolist(), cols.tolist()):
            single = torch.zeros_like(a)
            single[r, c] = 1.0
            if not bool(pointing_game(single, [bxs])[0]):
                return r, c
    return int(rows[0]), int(cols[0])


#: The pointing cross: size and line width in points.
MARKER_SIZE, MARKER_EDGE = 12.0, 3.0


def _inside(ax, r: float, c: float, shape: tuple[int, int], half: float) -> tuple[float, float]:
    """``(row, col)`` of a marker ``half`` points wide on each side moved just enough inward
    that the whole marker stays inside the image of ``shape`` drawn in ``ax`` (a maximum on
    the image's edge would otherwise be cut in half by the axes). The image's scale is read
    from the axes' size before layout, which is never larger than after it (a safe margin)."""
    fig = ax.get_figure()
    pos = ax.get_position()
    w_pt, h_pt = pos.width * fig.get_figwidth() * 72, pos.height * fig.get_figheight() * 72
    h, w = shape
    per_pixel = max(min(w_pt / w, h_pt / h), 1e-6)  # points per image pixel (aspect kept)
    pad = half / per_pixel + 0.5
    lo_r, hi_r = pad - 0.5, h - 0.5 - pad
    lo_c, hi_c = pad - 0.5, w - 0.5 - pad
    r = min(max(r, lo_r), hi_r) if lo_r <= hi_r else (h - 1) / 2
    c = min(max(c, lo_c), hi_c) if lo_c <= hi_c else (w - 1) / 2
    return r, c


def pointing(
    attribution: torch.Tensor, boxes: Sequence, image: torch.Tensor, classifier: Classifier | None = None, index: int = 0, title: str | None = None
) -> Figure:
    """The pointing game for one image: the map over the image, the boxes, and a cross on
    the map's maximum (green when it falls in a box, red otherwise). ``title`` (default:
    the verdict and what it means) is printed above it."""
    a = attribution.detach()
    m = a[index] if a.dim() >= 3 else a
    fig = Figure(figsize=(4, 4.4), layout="constrained")
    ax = fig.subplots()
    hit = _pointing_panel(ax, m, _boxes_of(boxes, index), image_array(image[index : index + 1], classifier))
    verdict = "hit: the maximum (x) is inside the box" if hit else "miss: the maximum (x) is outside the box"
    ax.set_title(f"pointing game\n{verdict}" if title is None else title, fontsize=10)
    return fig


def pointing_grid(
    maps: Mapping[str, torch.Tensor],
    boxes: Sequence,
    image: torch.Tensor,
    classifier: Classifier | None = None,
    targets: Sequence[str] | None = None,
    labels: Mapping[str, str] | None = None,
    ncols: int = 8,
    cell: float = 1.75,
    colorbar: bool = False,
    outline_ties: bool = False,
    signed: Sequence[str] = (),
    pooled: Mapping[str, int] | None = None,
) -> Figure:
    """The pointing game of several methods at once: for each method (``maps``:
    ``{name: (N,H,W) map}``) and each image ``i`` of ``image`` (``(N,C,H,W)``, e.g. one image
    twice with two targets), the map over the image, ``boxes[i]``, and a cross on the
    maximum (green: hit, red: miss). Panels are titled with the method (``labels[name]``
    when given), the target (``targets[i]``) and the verdict; ``ncols`` panels per row,
    each ``cell`` inches wide; ``colorbar``: one colour bar for the maps (each scaled from
    its minimum to its maximum); ``outline_ties``: where several pixels share the maximum (a
    blocky occlusion map), outline that tied region instead of crossing one pixel, since
    the pointing game needs every tied pixel in a box for a hit. ``signed``: the methods of
    ``maps`` whose (2-D) maps keep their sign (occlusion: a block whose removal raises the
    class score scores below 0), drawn blue-white-red on a scale symmetric about 0 (each
    panel scaled by its largest absolute value) instead of min to max, with a second colour
    bar when ``colorbar``; the verdicts do not change (the game reads only the maximum).
    ``pooled``: ``{method: k}``, methods whose maps are drawn max-pooled over ``k x k``
    pixels (stride 1) *for display only*, so that a speckled gradient map's isolated peaks
    stay visible when projected; their panel titles and the colour bar say so, and the
    verdicts, crosses and outlines still come from the maps themselves (default: none)."""
    if not isinstance(outline_ties, bool):
        raise TypeError(f"outline_ties must be True or False, got {outline_ties!r}")
    if isinstance(signed, str) or not all(isinstance(n, str) for n in signed) or not set(signed) <= set(maps):
        raise ValueError(f"signed must be a list of method names among maps ({', '.join(maps)}), got {signed!r}")
    pooled = dict(pooled or {})
    if not set(pooled) <= set(maps) or not all(isinstance(k, int) and not isinstance(k, bool) and k >= 1 for k in pooled.values()):
        raise ValueError(f"pooled must map method names among maps ({', '.join(maps)}) to window sizes (int >= 1), got {pooled!r}")
    items = [(name, i) for name in maps for i in range(image.shape[0])]
    ncols = max(1, min(ncols, len(items)))
    nrows = -(-len(items) // ncols)
    fig = Figure(figsize=(cell * ncols + (0.7 if colorbar else 0), (cell + 0.3) * nrows), layout="constrained")
    axes = np.array(fig.subplots(nrows, ncols, squeeze=False))
    imgs = [image_array(image[i : i + 1], classifier) for i in range(image.shape[0])]
    for ax, (name, i) in zip(axes.flat, items):
        m = maps[name].detach()
        k = pooled.get(name, 1)
        hit = _pointing_panel(ax, m[i] if m.dim() >= 3 else m, _boxes_of(boxes, i), imgs[i], outline_ties, name in signed, k)
        what = targets[i] if targets is not None and i < len(targets) else f"image {i}"
        shown = f" (drawn max-pooled {k}x{k})" if k > 1 else ""
        ax.set_title(f"{(labels or {}).get(name, name)}{shown}\n{what}: {'hit' if hit else 'miss'}", fontsize=8, color="black" if hit else "firebrick")
    for ax in axes.flat[len(items) :]:
        ax.set_visible(False)
    pool_note = "".join(f"; {(labels or {}).get(n, n)}: max-pooled {k}x{k} for display" for n, k in pooled.items() if k > 1)
    if colorbar and signed:
        _colour_bar(fig, axes, "jet", "map, from its minimum (0) to its maximum (1)" + pool_note)
        _signed_colour_bar(fig, axes, f"{', '.join((labels or {}).get(n, n) for n in signed)}: map / its largest |value|")
    elif colorbar:
        _colour_bar(fig, axes, "jet", "map / its maximum" + pool_note)
    return fig
