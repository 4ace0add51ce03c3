"""Occlusion sensitivity (Zeiler & Fergus, *Visualizing and Understanding Convolutional
Networks*, ECCV 2014).

Slide a square occluder over the image and record how the target's output changes: where
hiding the pixels makes the score fall, the network was using them. Three views, as in the
occlusion experiment of the course's seed 003 (pranshu28/cnn-viz, ``viz_occlusion.py``):

- :func:`occlusion_grid`: the raw output for every occluder position, a ``GH x GW`` grid
  ("probability as a function of occluder position");
- :func:`regularize_occlusion`: the seed's percentile regularisation of that grid;
- :func:`occlusion`: the per-pixel map, each pixel the mean drop of the target's output
  over the windows that cover it, ``(N,[K],H,W)`` like every attribution of the package.

Every occluded copy of every image is evaluated in batched forward passes (``batch_size``
images at a time, the ``(N,K)`` targets read from the same passes), so P window positions
cost P + 1 forwards, not P calls of the model on one image each.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence, Union

import torch
import torch.nn.functional as F
from torch import nn
from tqdm import tqdm

from ..models import Classifier, unwrap
from .common import Target, frozen, gather_scores, prepare_input, resolve_targets

Fill = Union[float, int, str, Sequence[float], torch.Tensor]
Pair = Union[int, tuple[int, int]]

#: Named fills (RGB in [0, 1]); in the model's input space through ``Classifier.from_unit``.
NAMED_FILLS = {"black": 0.0, "grey": 0.5, "gray": 0.5, "white": 1.0}


def _pair(v: Pair, what: str) -> tuple[int, int]:
    a, b = (v, v) if isinstance(v, int) else tuple(v)
    if int(a) < 1 or int(b) < 1:
        raise ValueError(f"{what} must be a positive number of pixels, got {v!r}")
    return int(a), int(b)


def window_starts(size: int, window: int, stride: int) -> list[int]:
    """Start offsets of the occluder along one axis of ``size`` pixels.

    As in seed 003: ``ceil((size - window) / stride) + 1`` positions ``0, stride, 2 stride,
    ...``; the last window is clipped at the border, so (for ``stride <= window``) every
    pixel is covered (a stride larger than the window leaves gaps, and starts at or past
    the border are dropped). 224 px, window 32, stride 16 gives 13 positions (0..192).
    """
    if window >= size:
        return [0]
    starts = [i * stride for i in range(math.ceil((size - window) / stride) + 1)]
    return [s for s in starts if s < size]


def gaussian_blur(x: torch.Tensor, sigma: float) -> torch.Tensor:
    """A Gaussian-blurred copy of an ``(N,C,H,W)`` batch (separable kernel, reflect padding,
    radius ``3 sigma``): the "blur" fill of occlusion and the start image of insertion."""
    if sigma <= 0:
        return x.clone()
    radius = max(1, int(math.ceil(3 * sigma)))
    radius = min(radius, x.shape[-1] - 1, x.shape[-2] - 1)
    t = torch.arange(-radius, radius + 1, device=x.device, dtype=x.dtype)
    k = torch.exp(-0.5 * (t / sigma) ** 2)
    k = k / k.sum()
    c = x.shape[1]
    out = F.pad(x, (radius, radius, radius, radius), mode="reflect")
    out = F.conv2d(out, k.view(1, 1, 1, -1).expand(c, 1, 1, -1), groups=c)
    return F.conv2d(out, k.view(1, 1, -1, 1).expand(c, 1, -1, 1), groups=c)


def fill_image(x: torch.Tensor, fill: Fill, classifier: Classifier | None = None,
               blur_sigma: float = 8.0) -> torch.Tensor:
    """What occluded pixels are replaced with, as a tensor broadcastable to ``x``.

    ``fill`` is given in the model's input space (after normalisation):

    - a number, or one number per channel: that value (``0.0`` is the dataset mean colour
      for a Classifier, since its inputs are normalised by that mean);
    - ``"mean"``: the dataset mean colour, i.e. ``Classifier.from_unit(mean)``, which is 0 in
      input space (a bare ``nn.Module`` is assumed to take normalised inputs: 0 as well);
    - ``"black"``, ``"grey"``/``"gray"``, ``"white"``: RGB 0, 0.5 or 1 pushed through the
      Classifier's normalisation (e.g. black is ``-mean/std`` per channel; needs a Classifier);
    - ``"blur"``: a Gaussian-blurred copy of the image (``blur_sigma`` pixels);
    - a tensor broadcastable to ``x``: any baseline image you like.
    """
    if isinstance(fill, torch.Tensor):
        return fill.to(x.device, x.dtype)
    if isinstance(fill, str):
        key = fill.lower()
        if key == "blur":
            return gaussian_blur(x, blur_sigma)
        if key == "mean":
            return torch.zeros(1, x.shape[1], 1, 1, device=x.device, dtype=x.dtype)
        if key in NAMED_FILLS:
            if classifier is None:
                raise TypeError(f"fill={fill!r} needs a Classifier to know the normalisation; "
                                "with a bare nn.Module pass a number in the model's input space")
            unit = torch.full((1, x.shape[1], 1, 1), NAMED_FILLS[key], device=x.device)
            return classifier.from_unit(unit).to(x.dtype)
        raise ValueError(f"unknown fill {fill!r}: use a number, 'mean', 'blur', "
                         f"{', '.join(repr(k) for k in NAMED_FILLS)} or a tensor")
    if isinstance(fill, (int, float)):
        return torch.full((1, 1, 1, 1), float(fill), device=x.device, dtype=x.dtype)
    values = torch.as_tensor(list(fill), device=x.device, dtype=x.dtype)
    if values.numel() != x.shape[1]:
        raise ValueError(f"a per-channel fill needs {x.shape[1]} values, got {values.numel()}")
    return values.view(1, -1, 1, 1)


@dataclass
class OcclusionGrid:
    """The outputs of an occlusion run, one per occluder position.

    ``scores``: ``(N,K,GH,GW)`` target output with the occluder at each position;
    ``base``: ``(N,K)`` output for the unoccluded image; ``targets``: ``(N,K)`` class ids;
    ``ys``, ``xs``: the window start offsets; ``window``, ``stride``: ``(h, w)`` pairs;
    ``size``: ``(H, W)`` of the image; ``output``: ``"prob"`` or ``"logit"``; ``squeeze``:
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
        """Output per occluder position, ``(N,[K],GH,GW)`` (seed 003's probability heatmap)."""
        return self.scores[:, 0] if self.squeeze else self.scores

    @property
    def drop(self) -> torch.Tensor:
        """``base - scores``: how much each occluder position lowers the output, ``(N,K,GH,GW)``."""
        return self.base[:, :, None, None] - self.scores

    @property
    def positions(self) -> int:
        return len(self.ys) * len(self.xs)


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
    h, w = grid.size
    dev = grid.scores.device
    ry = _coverage(h, grid.ys, grid.window[0], dev)
    rx = _coverage(w, grid.xs, grid.window[1], dev)
    drop = grid.drop.float()
    total = torch.einsum("yi,nkij,xj->nkyx", ry, drop, rx)
    count = ry.sum(1)[:, None] * rx.sum(1)[None, :]
    result = total / count.clamp(min=1)
    return result[:, 0] if grid.squeeze else result


def _window_masks(positions: list[tuple[int, int]], size: tuple[int, int], window: tuple[int, int],
                  device) -> torch.Tensor:
    """``(B,1,H,W)`` boolean masks, True inside each window."""
    h, w = size
    ys = torch.tensor([p[0] for p in positions], device=device)[:, None]
    xs = torch.tensor([p[1] for p in positions], device=device)[:, None]
    r = torch.arange(h, device=device)[None]
    c = torch.arange(w, device=device)[None]
    rows = (r >= ys) & (r < ys + window[0])
    cols = (c >= xs) & (c < xs + window[1])
    return (rows[:, :, None] & cols[:, None, :])[:, None]


def occlusion_grid(model: nn.Module | Classifier, x: torch.Tensor, target: Target = None, *,
                   window: Pair = 32, stride: Pair = 16, fill: Fill = 0.0, output: str = "prob",
                   batch_size: int | None = None, blur_sigma: float | None = None,
                   progress: bool | None = None) -> OcclusionGrid:
    """Run the occlusion experiment and keep the output for every occluder position
    (Zeiler & Fergus 2014; the heatmap of seed 003).

    ``window``, ``stride``: occluder side and step in pixels (an int or ``(h, w)``); positions
    follow :func:`window_starts`. ``fill``: see :func:`fill_image` (number in input space,
    ``"mean"``, ``"black"``, ``"grey"``, ``"blur"``, a tensor). ``output``: ``"prob"``
    (softmax probability) or ``"logit"``. ``batch_size``: occluded images per forward pass
    (default 64); it never changes the result. ``target``: as every attribution method
    (None = top-1 of the unoccluded image; an ``(N,K)`` array reads K classes from the same
    passes). ``progress``: a tqdm bar (default: shown when there are 4 batches or more).
    """
    if output not in ("prob", "logit"):
        raise ValueError(f"output must be 'prob' or 'logit', got {output!r}")
    module, clf = unwrap(model)
    xin = x
    x = prepare_input(module, x)
    n, _, h, w = x.shape
    win = _pair(window, "window")
    step = _pair(stride, "stride")
    ys = window_starts(h, win[0], step[0])
    xs = window_starts(w, win[1], step[1])
    positions = [(y, xx) for y in ys for xx in xs]
    bs = int(batch_size) if batch_size is not None else 64
    if bs < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    sigma = blur_sigma if blur_sigma is not None else max(win) / 4

    def read(logits: torch.Tensor) -> torch.Tensor:
        return logits.float().softmax(dim=1) if output == "prob" else logits.float()

    with torch.no_grad(), frozen(module):
        logits = module(x)
        targets, squeeze = resolve_targets(target, logits, clf)
        base = gather_scores(read(logits), targets)
        filler = fill_image(x, fill, clf, sigma).expand(n, x.shape[1], h, w)
        jobs = [(i, p) for i in range(n) for p in range(len(positions))]
        chunks = [jobs[s:s + bs] for s in range(0, len(jobs), bs)]
        show = progress if progress is not None else len(chunks) >= 4
        scores = torch.empty(n, targets.shape[1], len(positions), device=x.device)
        for chunk in tqdm(chunks, desc="occlusion", unit="batch", disable=not show, leave=False):
            img = torch.tensor([i for i, _ in chunk], device=x.device)
            pos = torch.tensor([p for _, p in chunk], device=x.device)
            masks = _window_masks([positions[p] for _, p in chunk], (h, w), win, x.device)
            batch = torch.where(masks, filler[img], x[img])
            out = gather_scores(read(module(batch)), targets[img])
            scores[img, :, pos] = out
    scores = scores.view(n, targets.shape[1], len(ys), len(xs))
    dev = xin.device
    return OcclusionGrid(scores.to(dev), base.to(dev), targets.to(dev), ys, xs, win, step, (h, w),
                         output, squeeze)


def occlusion(model: nn.Module | Classifier, x: torch.Tensor, target: Target = None, *,
              window: Pair = 32, stride: Pair = 16, fill: Fill = 0.0, output: str = "prob",
              batch_size: int | None = None, blur_sigma: float | None = None,
              progress: bool | None = None) -> torch.Tensor:
    """Occlusion sensitivity map (Zeiler & Fergus 2014), ``(N,[K],H,W)``.

    Each pixel is the mean drop of the target's output (``output="prob"`` or ``"logit"``)
    over the occluder windows covering it: ``A(p) = mean_{w covers p} [f(x) - f(x_w)]``,
    where ``x_w`` is the image with window ``w`` replaced by ``fill``. Positive where hiding
    the pixels lowers the score. Raw, detached, on ``x``'s device. Arguments as
    :func:`occlusion_grid`; the grid itself (seed 003's heatmap) comes from that function.
    """
    grid = occlusion_grid(model, x, target, window=window, stride=stride, fill=fill, output=output,
                          batch_size=batch_size, blur_sigma=blur_sigma, progress=progress)
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


def regularize_occlusion(heatmap: torch.Tensor, percentile: float = 25.0, normalize: bool = True,
                         blur: int = 3) -> torch.Tensor:
    """Seed 003's regularisation of the occlusion heatmap, which turns "output per occluder
    position" into "where is the object" (high where occluding hurt).

    Per map (the last two axes): with ``normalize``, standardise and squash,
    ``clip(0.5 + 0.1 (p - mean) / (std + 1e-5), 0, 1)``; then set entries whose magnitude is
    below the ``percentile``-th percentile of magnitudes to 0; then take ``1 - map`` (a low
    output means an important position) and blur with a ``blur x blur`` box filter.
    The zeroed entries are the lowest outputs (where occluding hurt most); after the
    inversion they saturate at 1, which is what makes the object stand out in the seed.
    Returns a float map of the same shape, in [0, 1] when ``normalize`` is on.
    """
    p = heatmap.detach().float()
    if normalize:
        mean = p.mean(dim=(-2, -1), keepdim=True)
        std = p.std(dim=(-2, -1), keepdim=True, unbiased=False)
        p = (0.5 + 0.1 * (p - mean) / (std + 1e-5)).clamp(0, 1)
    flat = p.abs().flatten(-2)
    threshold = torch.quantile(flat, percentile / 100.0, dim=-1)[..., None, None]
    p = torch.where(p.abs() < threshold, torch.zeros_like(p), p)
    return _box_blur(1 - p, blur)


__all__ = ["OcclusionGrid", "fill_image", "gaussian_blur", "occlusion", "occlusion_grid",
           "occlusion_map", "regularize_occlusion", "window_starts"]
