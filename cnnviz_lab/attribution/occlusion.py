"""Occlusion sensitivity (Zeiler & Fergus, *Visualizing and Understanding Convolutional
Networks*, ECCV 2014).

Slide a square occluder over the image and record how the target's output changes: where
hiding the pixels makes the score fall, the network was using them. Three views of the
occlusion experiment:

- :func:`occlusion_grid`: the raw output for every occluder position, a ``GH x GW`` grid
  ("probability as a function of occluder position");
- :func:`regularize_occlusion`: a percentile regularisation of that grid that turns it
  into "where is the object";
- :func:`occlusion`: the per-pixel map, each pixel the mean drop of the target's output
  over the windows that cover it, ``(N,[K],H,W)`` like every attribution of the package.

Every occluded copy of every image is evaluated in batched forward passes by the shared
perturb-and-score engine (:func:`cnnviz_lab.core.perturb.perturbed_scores`; ``batch_size``
images at a time, the ``(N,K)`` targets read from the same passes), so P window positions
cost P + 1 forwards, not P calls of the model on one image each.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Union

import torch
import torch.nn.functional as F
from torch import nn

from ..core import checks, defaults
from ..models.classifier import Classifier
from ..core.state import frozen_forward
from ..core.blur import gaussian_blur
from ..core.perturb import Fill, fill_image, NAMED_FILLS, perturbed_scores, pick_reader, READERS
from .common import Target, enter, resolve_objective

Pair = Union[int, tuple[int, int]]


def window_starts(size: int, window: int, stride: int) -> list[int]:
    """Start offsets of the occluder along one axis of ``size`` pixels.

    ``ceil((size - window) / stride) + 1`` positions ``0, stride, 2 stride, ...``; the last
    window is clipped at the border, so (for ``stride <= window``) every pixel is covered (a
    stride larger than the window leaves gaps, and starts at or past the border are
    dropped). 224 px, window 32, stride 16 gives 13 positions (0..192).
    """
    size = checks.positive_int(size, "size")
    window = checks.positive_int(window, "window")
    stride = checks.positive_int(stride, "stride")
    if window >= size:
        return [0]
    starts = [i * stride for i in range(math.ceil((size - window) / stride) + 1)]
    return [s for s in starts if s < size]


@dataclass
class OcclusionGrid:
    """The outputs of an occlusion run, one per occluder position.

    ``scores``: ``(N,K,GH,GW)`` target output with the occluder at each position;
    ``base``: ``(N,K)`` output for the unoccluded image; ``targets``: ``(N,K)`` class ids
    (-1 for a callable target); ``ys``, ``xs``: the window start offsets; ``window``,
    ``stride``: ``(h, w)`` pairs; ``size``: ``(H, W)`` of the image; ``output``: what was
    compared, ``"prob"`` (softmax probability), ``"logit"`` (the class output as the model
    returns it) or ``"target"`` (a callable target's own score); ``squeeze``:
    whether one class per image was asked for (then :attr:`heatmap` drops the K axis).
    """

    scores: torch.Tensor
    base: torch.Tensor
    targets: torch.Tensor
    ys: list[int]
    xs: list[int]
    window: tuple[int, int]
    stride: tuple[int, int]
    size: tuple[int, int]
    output: str
    squeeze: bool

    @property
    def heatmap(self) -> torch.Tensor:
        """Output per occluder position, ``(N,[K],GH,GW)`` (the probability heatmap)."""
        return self.scores[:, 0] if self.squeeze else self.scores

    @property
    def drop(self) -> torch.Tensor:
        """``base - scores``: how much each occluder position lowers the output, ``(N,K,GH,GW)``."""
        return self.base[:, :, None, None] - self.scores

    @property
    def positions(self) -> int:
        return len(self.ys) * len(self.xs)

    def misses(self, box: tuple[int, int, int, int]) -> torch.Tensor:
        """``(GH,GW)`` bool: the occluder positions whose window holds no pixel of ``box``
        ``(x0, y0, x1, y1)`` (pixels, end exclusive), e.g. to ask what hiding only the
        background costs."""
        x0, y0, x1, y1 = checks.box(box)
        ys, xs = torch.tensor(self.ys)[:, None], torch.tensor(self.xs)[None, :]
        (h, w) = self.window
        return (ys + h <= y0) | (ys >= y1) | (xs + w <= x0) | (xs >= x1)


def _coverage(size: int, starts: list[int], window: int, device) -> torch.Tensor:
    """``(size, len(starts))`` 0/1 matrix: does window ``j`` cover pixel ``i`` along this axis."""
    idx = torch.arange(size, device=device)[:, None]
    s = torch.tensor(starts, device=device)[None, :]
    return ((idx >= s) & (idx < s + window)).float()


def occlusion_map(grid: OcclusionGrid) -> torch.Tensor:
    """Per-pixel attribution from a grid: each pixel gets the mean drop of the target's
    output over the windows that cover it (0 where no window does), ``(N,[K],H,W)``.

    Computed exactly with two coverage matrices (windows are separable): sum of drops
    ``= R_y D R_x^T`` and the count of covering windows ``= R_y 1 R_x^T``.
    """
    if not isinstance(grid, OcclusionGrid):
        raise TypeError(f"grid must be the OcclusionGrid of occlusion_grid(...), got {grid!r:.60} ({type(grid).__name__})")
    h, w = grid.size
    dev = grid.scores.device
    ry = _coverage(h, grid.ys, grid.window[0], dev)
    rx = _coverage(w, grid.xs, grid.window[1], dev)
    drop = grid.drop.float()
    total = torch.einsum("yi,nkij,xj->nkyx", ry, drop, rx)
    count = ry.sum(1)[:, None] * rx.sum(1)[None, :]
    result = total / count.clamp(min=1)
    return result[:, 0] if grid.squeeze else result


def _window_masks(starts: torch.Tensor, size: tuple[int, int], window: tuple[int, int]) -> torch.Tensor:
    """``(B,1,H,W)`` boolean masks, True inside each window; ``starts``: ``(B,2)`` ``(y, x)``."""
    h, w = size
    ys, xs = starts[:, :1], starts[:, 1:]
    r = torch.arange(h, device=starts.device)[None]
    c = torch.arange(w, device=starts.device)[None]
    rows = (r >= ys) & (r < ys + window[0])
    cols = (c >= xs) & (c < xs + window[1])
    return (rows[:, :, None] & cols[:, None, :])[:, None]


def occlusion_grid(
    model: nn.Module | Classifier,
    x: torch.Tensor,
    target: Target = None,
    *,
    window: Pair = 32,
    stride: Pair = 16,
    fill: Fill = 0.0,
    output: str | None = None,
    batch_size: int | None = None,
    blur_sigma: float | None = None,
    progress: bool | None = None,
) -> OcclusionGrid:
    """Run the occlusion experiment and keep the output for every occluder position
    (Zeiler & Fergus 2014: "probability as a function of occluder position").

    ``window``, ``stride``: occluder side and step in pixels (an int or ``(h, w)``); positions
    follow :func:`window_starts`. ``fill``: see :func:`~cnnviz_lab.core.perturb.fill_image`
    (number in input space, ``"mean"``, ``"black"``, ``"grey"``, ``"blur"``, a tensor).
    ``output``: ``"prob"`` (softmax probability), ``"logit"`` (the class output as the model
    returns it) or ``None`` (default: follow the model, :func:`cnnviz_lab.core.perturb.pick_reader`:
    ``"prob"``, but ``"logit"`` for a model with one output, whose softmax is constant, or
    one that already returns probabilities); the grid's ``output`` says which was compared.
    A callable target (:mod:`cnnviz_lab.core.targets`) is its own measure (``output=None``). ``batch_size``: occluded
    images per forward pass (``None``: the measured default of
    :func:`cnnviz_lab.core.defaults.batch_size`); it never changes the result. ``target``: as
    every attribution method (None = top-1 of the unoccluded image; an ``(N,K)`` array
    reads K classes from the same passes). ``progress``: a progress bar (``None``: for long calls).
    """
    if output is not None:
        checks.choice(output, "output", READERS)
    win = checks.pair(window, "window")
    step = checks.pair(stride, "stride")
    caller = x
    module, clf, x = enter(model, x)
    n, _, h, w = x.shape
    ys = window_starts(h, win[0], step[0])
    xs = window_starts(w, win[1], step[1])
    positions = torch.tensor([(y, xx) for y in ys for xx in xs], device=x.device)
    bs = defaults.batch_size(batch_size, module, x)
    sigma = checks.real(blur_sigma, "blur_sigma", minimum=0.0) if blur_sigma is not None else max(win) / 4
    clean = frozen_forward(module, x)
    objective = resolve_objective(target, clean, clf)
    reader = pick_reader(output, objective, clean)
    base = objective.scores(clean, reader).float()
    filler = fill_image(x, fill, clf, sigma).expand(n, x.shape[1], h, w)

    def occlude(img: torch.Tensor, pos: torch.Tensor) -> torch.Tensor:
        return torch.where(_window_masks(positions[pos], (h, w), win), filler[img], x[img])

    scores = perturbed_scores(module, objective, len(positions), occlude, batch_size=bs, output=reader, progress=progress, desc="occlusion")
    scores = scores.view(n, objective.k, len(ys), len(xs))
    dev = caller.device
    targets = objective.ids if objective.ids is not None else torch.full((n, objective.k), -1, dtype=torch.long)
    return OcclusionGrid(scores.to(dev), base.to(dev), targets.to(dev), ys, xs, win, step, (h, w), reader or "target", objective.squeeze)


def occlusion(
    model: nn.Module | Classifier,
    x: torch.Tensor,
    target: Target = None,
    *,
    window: Pair = 32,
    stride: Pair = 16,
    fill: Fill = 0.0,
    output: str | None = None,
    batch_size: int | None = None,
    blur_sigma: float | None = None,
    progress: bool | None = None,
    feature_mask: object | None = None,
) -> torch.Tensor:
    """Occlusion sensitivity map (Zeiler & Fergus 2014), ``(N,[K],H,W)``.

    Each pixel is the mean drop of the target's output (``output="prob"`` or ``"logit"``)
    over the occluder windows covering it: ``A(p) = mean_{w covers p} [f(x) - f(x_w)]``,
    where ``x_w`` is the image with window ``w`` replaced by ``fill``. Positive where hiding
    the pixels lowers the score. Raw, detached, on ``x``'s device. Arguments as
    :func:`occlusion_grid`; the grid itself (the probability heatmap) comes from that function.

    ``feature_mask`` (Captum's): integer labels instead of the sliding window, ``(H,W)``,
    ``(N,H,W)`` or ``(1|N, 1|C, H, W)`` (superpixels, a segmentation, one map per channel);
    each feature is filled in turn and its pixels get the drop, see
    :func:`~cnnviz_lab.attribution.feature_ablation.feature_ablation` (``window``, ``stride``
    and ``blur_sigma`` then do not apply; a mask per channel gives ``(N,[K],C,H,W)``).
    """
    if feature_mask is not None:
        from .feature_ablation import feature_ablation

        return feature_ablation(model, x, target, feature_mask=feature_mask, fill=fill, output=output, batch_size=batch_size, progress=progress)
    grid = occlusion_grid(
        model, x, target, window=window, stride=stride, fill=fill, output=output, batch_size=batch_size, blur_sigma=blur_sigma, progress=progress
    )
    return occlusion_map(grid)


def _box_blur(m: torch.Tensor, k: int) -> torch.Tensor:
    """Mean over a ``k x k`` box with reflect-101 borders (OpenCV's ``cv2.blur`` default)."""
    if k <= 1:
        return m
    lead = m.shape[:-2]
    m2 = m.reshape(-1, 1, *m.shape[-2:])
    lo, hi = (k - 1) // 2, k // 2
    if min(m.shape[-2:]) > max(lo, hi):
        m2 = F.pad(m2, (lo, hi, lo, hi), mode="reflect")
    else:
        m2 = F.pad(m2, (lo, hi, lo, hi), mode="replicate")
    return F.avg_pool2d(m2, k, stride=1).reshape(*lead, *m.shape[-2:])


def regularize_occlusion(heatmap: torch.Tensor, percentile: float = 25.0, normalize: bool = True, blur: int = 3) -> torch.Tensor:
    """The percentile regularisation of the occlusion heatmap, which turns "output per occluder
    position" into "where is the object" (high where occluding hurt).

    Per map (the last two axes): with ``normalize``, standardise and squash,
    ``clip(0.5 + 0.1 (p - mean) / (std + 1e-5), 0, 1)``; then set entries whose magnitude is
    below the ``percentile``-th percentile of magnitudes to 0; then take ``1 - map`` (a low
    output means an important position) and blur with a ``blur x blur`` box filter.
    The zeroed entries are the lowest outputs (where occluding hurt most); after the
    inversion they saturate at 1, which is what makes the object stand out.
    Returns a float map of the same shape, in [0, 1] when ``normalize`` is on.
    """
    what = "a (..., GH, GW) tensor of outputs per occluder position (OcclusionGrid.heatmap)"
    if not isinstance(heatmap, torch.Tensor):
        raise TypeError(f"heatmap must be {what}, got {type(heatmap).__name__}")
    if heatmap.dim() < 2 or heatmap.shape[-1] * heatmap.shape[-2] == 0:
        raise ValueError(f"heatmap must be {what}, got shape {tuple(heatmap.shape)}")
    percentile = checks.real(percentile, "percentile", minimum=0.0, maximum=100.0)
    normalize = checks.flag(normalize, "normalize")
    blur = checks.positive_int(blur, "blur")
    p = heatmap.detach().float()
    if normalize:
        mean = p.mean(dim=(-2, -1), keepdim=True)
        std = p.std(dim=(-2, -1), keepdim=True, unbiased=False)
        p = (0.5 + 0.1 * (p - mean) / (std + 1e-5)).clamp(0, 1)
    flat = p.abs().flatten(-2)
    threshold = torch.quantile(flat, percentile / 100.0, dim=-1)[..., None, None]
    p = torch.where(p.abs() < threshold, torch.zeros_like(p), p)
    return _box_blur(1 - p, blur)


# fill_image, NAMED_FILLS and gaussian_blur live in cnnviz_lab.core.perturb and cnnviz_lab.core.blur;
# they are importable from here as before.
__all__ = [
    "NAMED_FILLS",
    "OcclusionGrid",
    "fill_image",
    "gaussian_blur",
    "occlusion",
    "occlusion_grid",
    "occlusion_map",
    "regularize_occlusion",
    "window_starts",
]
