"""LIME for images (Ribeiro, Singh & Guestrin, KDD 2016), in torch.

Cut the image into superpixels, switch random subsets of them off (``fill``), and fit a
weighted linear model from "which superpixels were on" (a binary vector ``z``) to the
target's output; each superpixel's coefficient is its attribution:

    min_{beta, b} sum_i pi(z_i) (f_c(x_{z_i}) - b - z_i . beta)^2 + alpha ||beta||^2,
    pi(z) = exp(-d(z, 1)^2 / (2 width^2)).

As in the paper's reference package (``lime``): the samples are independent fair coin
flips per superpixel, the first sample is the image itself (all on), ``d`` is the cosine
distance between ``z`` and the all-on vector (or the Euclidean one, ``distance="l2"``), the
kernel width is 0.25 and the fit a ridge regression with ``alpha=1`` and an intercept.
(Captum's ``Lime`` measures the distance between the perturbed and original *images*
instead and fits a Lasso by default; see :func:`lime`.) Superpixels come from a regular
grid or from :func:`superpixels`, a small k-means in colour and position (no scikit-image),
or are passed in.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from tqdm.auto import tqdm

from ..models import Classifier
from .common import Target, finish, frozen, gather_scores, resolve_targets
from .occlusion import Fill
from .rise import perturbation_setup


def grid_segments(height: int, width: int, cells: int = 8, device: torch.device | str = "cpu") -> torch.Tensor:
    """``(H,W)`` labels of a ``cells x cells`` grid of near-equal rectangles, row by row."""
    if cells < 1:
        raise ValueError(f"cells must be at least 1, got {cells!r}")
    rows = torch.arange(height, device=device) * min(cells, height) // height
    cols = torch.arange(width, device=device) * min(cells, width) // width
    return rows[:, None] * min(cells, width) + cols[None, :]


def superpixels(x: torch.Tensor, n: int = 64, *, compactness: float = 1.0, iters: int = 10) -> torch.Tensor:
    """Superpixels of a batch ``(N,3,H,W)`` by k-means on colour and position: ``(N,H,W)``
    labels ``0..F-1`` (F <= n, per image).

    Each pixel is the point ``(colour, compactness * (row, col) / S)``, ``S = sqrt(HW / n)``
    the side of a square cell, with the colour as given (a normalised input: about unit
    spread per channel); the centres start on a regular grid and move for ``iters`` rounds
    of assignment and averaging (Lloyd's algorithm, the core of SLIC, without its local
    search window or connectivity step: a label may cover several separate pieces).
    Larger ``compactness`` gives squarer cells. Deterministic.
    """
    if x.dim() != 4:
        raise ValueError(f"x must have shape (N,C,H,W), got {tuple(x.shape)}")
    if n < 1:
        raise ValueError(f"n (number of superpixels) must be at least 1, got {n!r}")
    count, chans, h, w = x.shape
    side = math.sqrt(h * w / n)
    cells = max(1, round(math.sqrt(n)))
    scale = compactness / side
    rr, cc = torch.meshgrid(torch.arange(h, device=x.device, dtype=torch.float32),
                            torch.arange(w, device=x.device, dtype=torch.float32), indexing="ij")
    pos = torch.stack([rr, cc], dim=-1).view(1, h * w, 2) * scale
    feats = torch.cat([x.detach().float().flatten(2).transpose(1, 2), pos.expand(count, -1, -1)], dim=2)
    init = grid_segments(h, w, cells, x.device).view(-1)
    labels = init.expand(count, -1).contiguous()
    k = int(init.max()) + 1
    centres = torch.zeros(count, k, chans + 2, device=x.device)
    for _ in range(iters + 1):
        sums = torch.zeros_like(centres).scatter_add_(1, labels[..., None].expand_as(feats), feats)
        sizes = torch.zeros(count, k, device=x.device).scatter_add_(1, labels, torch.ones_like(labels, dtype=torch.float32))
        centres = torch.where(sizes[..., None] > 0, sums / sizes.clamp_min(1)[..., None], centres)
        labels = torch.cdist(feats, centres).argmin(dim=2)
    return torch.stack([torch.unique(lab, return_inverse=True)[1] for lab in labels]).view(count, h, w)


def lime_samples(features: int, n: int, seed: int | None = None) -> torch.Tensor:
    """The ``(n, features)`` 0/1 samples :func:`lime` draws (on the CPU): row 0 all ones
    (the image itself), the others independent fair coin flips per superpixel."""
    if n < 2:
        raise ValueError(f"n (number of samples) must be at least 2, got {n!r}")
    gen = torch.Generator()
    if seed is None:
        gen.seed()
    else:
        gen.manual_seed(int(seed))
    z = torch.randint(0, 2, (n, features), generator=gen).float()
    z[0] = 1
    return z


def kernel_weights(z: torch.Tensor, width: float = 0.25, distance: str = "cosine") -> torch.Tensor:
    """``exp(-d(z, 1)^2 / (2 width^2))`` for each 0/1 row ``z``: ``d`` the cosine distance to the
    all-on vector, ``1 - sqrt(m / F)`` with ``m`` superpixels on out of ``F`` (1 when none
    is on), or the Euclidean one, ``sqrt(F - m)`` (``distance="l2"``)."""
    if width <= 0:
        raise ValueError(f"kernel_width must be positive, got {width!r}")
    feats = z.shape[1]
    on = z.sum(dim=1)
    if distance == "cosine":
        d = 1 - torch.sqrt(on / feats)
    elif distance == "l2":
        d = torch.sqrt(feats - on)
    else:
        raise ValueError(f"distance must be 'cosine' or 'l2', got {distance!r}")
    return torch.exp(-d * d / (2 * width * width))


def weighted_ridge(z: torch.Tensor, y: torch.Tensor, weights: torch.Tensor, alpha: float = 1.0
                   ) -> tuple[torch.Tensor, torch.Tensor]:
    """Coefficients ``(F,K)`` and intercepts ``(K,)`` minimising
    ``sum_i w_i (y_i - b - z_i . beta)^2 + alpha ||beta||^2`` (what scikit-learn's ``Ridge``
    fits with ``sample_weight``), in float64 through the normal equations of the
    weight-centred data."""
    zd = z.to(torch.float64)
    yd = y.to(torch.float64)
    wd = weights.to(torch.float64)
    zm = (wd[:, None] * zd).sum(0) / wd.sum()
    ym = (wd[:, None] * yd).sum(0) / wd.sum()
    zc, yc = zd - zm, yd - ym
    gram = zc.t() @ (wd[:, None] * zc) + alpha * torch.eye(z.shape[1], dtype=torch.float64, device=z.device)
    beta = torch.linalg.solve(gram, zc.t() @ (wd[:, None] * yc))
    return beta, ym - zm @ beta


def _segments(segments, xin: torch.Tensor, cells: int) -> torch.Tensor:
    """``(N,H,W)`` labels ``0..F_i-1`` on x's device."""
    n, _, h, w = xin.shape
    if segments is None:
        return grid_segments(h, w, cells, xin.device).expand(n, h, w)
    if isinstance(segments, str):
        if segments == "grid":
            return grid_segments(h, w, cells, xin.device).expand(n, h, w)
        if segments == "superpixels":
            return superpixels(xin, cells * cells)
        raise ValueError(f"segments must be None, 'grid', 'superpixels' or an (H,W)/(N,H,W) integer "
                         f"tensor, got {segments!r}")
    seg = torch.as_tensor(segments, device=xin.device)
    if seg.is_floating_point() or seg.dim() not in (2, 3) or seg.shape[-2:] != (h, w) or \
            (seg.dim() == 3 and seg.shape[0] != n):
        raise ValueError(f"segments must be integer labels of shape ({h}, {w}) or ({n}, {h}, {w}), got "
                         f"{seg.dtype} {tuple(seg.shape)}")
    seg = seg.expand(n, h, w)
    return torch.stack([torch.unique(s, return_inverse=True)[1] for s in seg])


def lime(model: nn.Module | Classifier, x: torch.Tensor, target: Target = None, *,
         segments: str | torch.Tensor | None = None, cells: int = 8, n: int = 1000,
         kernel_width: float = 0.25, distance: str = "cosine", alpha: float = 1.0, fill: Fill = 0.0,
         output: str = "prob", batch_size: int | None = None, seed: int | None = None,
         progress: bool | None = None) -> torch.Tensor:
    """LIME (Ribeiro, Singh & Guestrin 2016, *"Why Should I Trust You?": Explaining the
    Predictions of Any Classifier*, KDD): each pixel gets the coefficient of its superpixel
    in a weighted ridge fit of the target's output over ``n`` perturbed copies (see the
    module docstring). ``(N,[K],H,W)``, constant on each superpixel.

    ``segments``: ``None``/``"grid"`` (a ``cells x cells`` grid), ``"superpixels"``
    (:func:`superpixels` with ``cells**2`` clusters), or integer labels ``(H,W)`` (shared)
    or ``(N,H,W)``. ``kernel_width``, ``distance`` (``"cosine"``/``"l2"`` between the binary
    samples and the all-on vector) and ``alpha`` as in the ``lime`` package; ``fill`` what
    an "off" superpixel shows (as occlusion: ``0.0`` is the mean colour of a normalised
    input, ``"blur"``, ``"black"``, a tensor...); ``output``: ``"prob"`` (softmax, the
    paper's) or ``"logit"``. Captum's ``Lime`` gives the same coefficients when handed the
    same segments, samples (:func:`lime_samples`), similarity (:func:`kernel_weights` on
    the binary sample) and a ridge fit with the same ``alpha``.

    Each image draws its samples from ``seed`` afresh (a batch equals its images one by
    one; ``None``: unseeded); copies go through the model ``batch_size`` at a time (default
    32; never changes the result), and all K targets come from the same passes and one
    least-squares solve.
    """
    if int(cells) < 1:
        raise ValueError(f"cells must be at least 1, got {cells!r}")
    if alpha < 0:
        raise ValueError(f"alpha (the ridge penalty) must be >= 0, got {alpha!r}")
    module, clf, xin, bs, filler, read = perturbation_setup(model, x, output, batch_size, fill)
    count = xin.shape[0]
    seg = _segments(segments, xin, int(cells))
    feats = [int(s.max()) + 1 for s in seg]
    samples = [lime_samples(f, int(n), seed).to(xin.device) for f in feats]
    weights = [kernel_weights(z, kernel_width, distance) for z in samples]
    with torch.no_grad(), frozen(module):
        targets, squeeze = resolve_targets(target, module(xin), clf)
        k = targets.shape[1]
        ys = torch.zeros(count, int(n), k, device=xin.device)
        total = count * int(n)                      # job t: sample t % n of image t // n
        starts = range(0, total, bs)
        show = len(starts) >= 4 if progress is None else progress
        for start in tqdm(starts, desc="LIME", unit="batch", disable=not show, leave=False):
            jobs = torch.arange(start, min(start + bs, total), device=xin.device)
            img, j = jobs // int(n), jobs % int(n)
            keep = torch.stack([samples[i][s][seg[i]] for i, s in zip(img.tolist(), j.tolist())])
            m = keep[:, None].to(xin.dtype)
            ys[img, j] = gather_scores(read(module(xin[img] * m + filler[img] * (1 - m))), targets[img])
    maps = []
    for i in range(count):        # a small F x F solve: on the CPU, in float64
        beta, _ = weighted_ridge(samples[i].cpu(), ys[i].cpu(), weights[i].cpu(), float(alpha))
        maps.append(beta.t().float().to(xin.device)[:, seg[i]])                  # (K,H,W)
    return finish(torch.stack(maps), squeeze).to(x.device)


__all__ = ["grid_segments", "kernel_weights", "lime", "lime_samples", "superpixels", "weighted_ridge"]
