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

from ..core import checks, defaults
from ..models.classifier import Classifier
from ..core.gate import check_batch
from ..core.perturb import Fill, masked_scores
from .common import Target, finish, to_caller
from .rise import perturbation_setup

DISTANCES = ("cosine", "l2")


def grid_segments(height: int, width: int, cells: int = 8, device: torch.device | str = "cpu") -> torch.Tensor:
    """``(H,W)`` labels of a ``cells x cells`` grid of near-equal rectangles, row by row
    (never more cells than pixels along an axis)."""
    height = checks.positive_int(height, "height")
    width = checks.positive_int(width, "width")
    cells = checks.positive_int(cells, "cells")
    return _grid(height, width, cells, cells, device)


def _grid(height: int, width: int, rows: int, cols: int, device: torch.device | str) -> torch.Tensor:
    """``(H,W)`` labels of a ``rows x cols`` grid (at most one cell per pixel along an axis)."""
    rows, cols = min(rows, height), min(cols, width)
    r = torch.arange(height, device=device) * rows // height
    c = torch.arange(width, device=device) * cols // width
    return r[:, None] * cols + c[None, :]


def superpixels(x: torch.Tensor, n: int = 64, *, compactness: float = 1.0, iters: int = 10) -> torch.Tensor:
    """Superpixels of a batch ``(N,3,H,W)`` by k-means on colour and position: ``(N,H,W)``
    labels ``0..F-1`` (F <= n, per image).

    Each pixel is the point ``(colour, compactness * (row, col) / S)``, ``S = sqrt(HW / n)``
    the side of a square cell, with the colour as given (a normalised input: about unit
    spread per channel); the centres start on a regular grid of at most ``n`` cells
    (``8 x 8`` for 64) and move for ``iters`` rounds
    of assignment and averaging (Lloyd's algorithm, the core of SLIC, without its local
    search window or connectivity step: a label may cover several separate pieces).
    Larger ``compactness`` gives squarer cells. Deterministic. ``x`` is checked as every
    input (:func:`cnnviz_lab.core.gate.check_batch`: a float ``(N,C,H,W)`` or ``(C,H,W)``
    tensor with finite values) and never written.
    """
    x = check_batch(x, "x")
    n = checks.positive_int(n, "n")
    compactness = checks.real(compactness, "compactness", minimum=0.0)
    iters = checks.integer(iters, "iters", minimum=0)
    count, chans, h, w = x.shape
    side = math.sqrt(h * w / n)
    rows = math.isqrt(n)  # a rows x cols grid of at most n cells to start from
    scale = compactness / side
    rr, cc = torch.meshgrid(torch.arange(h, device=x.device, dtype=torch.float32), torch.arange(w, device=x.device, dtype=torch.float32), indexing="ij")
    pos = torch.stack([rr, cc], dim=-1).view(1, h * w, 2) * scale
    feats = torch.cat([x.detach().float().flatten(2).transpose(1, 2), pos.expand(count, -1, -1)], dim=2)
    init = _grid(h, w, rows, n // rows, x.device).view(-1)
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
    """The ``(n, features)`` 0/1 samples :func:`lime` draws (on the CPU, from
    :func:`cnnviz_lab.core.defaults.generator`): row 0 all ones (the image itself), the others
    independent fair coin flips per superpixel."""
    features = checks.positive_int(features, "features")
    n = checks.integer(n, "n (number of samples)", minimum=2, what="an int >= 2 (the image itself included)")
    z = torch.randint(0, 2, (n, features), generator=defaults.generator(seed)).float()
    z[0] = 1
    return z


def kernel_weights(z: torch.Tensor, width: float = 0.25, distance: str = "cosine") -> torch.Tensor:
    """``exp(-d(z, 1)^2 / (2 width^2))`` for each 0/1 row ``z``: ``d`` the cosine distance to the
    all-on vector, ``1 - sqrt(m / F)`` with ``m`` superpixels on out of ``F`` (1 when none
    is on), or the Euclidean one, ``sqrt(F - m)`` (``distance="l2"``)."""
    width = checks.real(width, "width", minimum=0.0, strict=True)
    checks.choice(distance, "distance", DISTANCES)
    feats = z.shape[1]
    on = z.sum(dim=1)
    if distance == "cosine":
        d = 1 - torch.sqrt(on / feats)
    else:
        d = torch.sqrt(feats - on)
    return torch.exp(-d * d / (2 * width * width))


def weighted_ridge(z: torch.Tensor, y: torch.Tensor, weights: torch.Tensor, alpha: float = 1.0) -> tuple[torch.Tensor, torch.Tensor]:
    """Coefficients ``(F,K)`` and intercepts ``(K,)`` minimising
    ``sum_i w_i (y_i - b - z_i . beta)^2 + alpha ||beta||^2`` (what scikit-learn's ``Ridge``
    fits with ``sample_weight``), in float64 through the normal equations of the
    weight-centred data; where they are (numerically) singular (``alpha`` about 0 with fewer
    distinct samples than superpixels) the minimum-norm solution."""
    alpha = checks.real(alpha, "alpha", minimum=0.0)
    zd = z.to(torch.float64)
    yd = y.to(torch.float64)
    wd = weights.to(torch.float64)
    zm = (wd[:, None] * zd).sum(0) / wd.sum()
    ym = (wd[:, None] * yd).sum(0) / wd.sum()
    zc, yc = zd - zm, yd - ym
    gram = zc.t() @ (wd[:, None] * zc) + alpha * torch.eye(z.shape[1], dtype=torch.float64, device=z.device)
    rhs = zc.t() @ (wd[:, None] * yc)
    # The pseudo-inverse: the inverse where the system is well posed, the minimum-norm
    # solution where it is (numerically) singular, never NaN.
    # Eigenvalues below 1e-12 of the total weight (the scale of the gram's entries) count as 0.
    beta = torch.linalg.pinv(gram, hermitian=True, atol=1e-12 * float(wd.sum()), rtol=1e-12) @ rhs
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
        raise ValueError(f"segments must be None, 'grid', 'superpixels' or an (H,W)/(N,H,W) integer tensor, got {segments!r}")
    what = f"integer labels of shape ({h}, {w}) or ({n}, {h}, {w})"
    try:
        seg = torch.as_tensor(segments, device=xin.device)
    except (TypeError, ValueError, RuntimeError):
        raise TypeError(f"segments must be None, 'grid', 'superpixels' or {what}, got {segments!r}") from None
    if seg.is_floating_point() or seg.is_complex() or seg.dim() not in (2, 3) or seg.shape[-2:] != (h, w) or (seg.dim() == 3 and seg.shape[0] != n):
        raise ValueError(f"segments must be {what}, got {seg.dtype} {tuple(seg.shape)}")
    seg = seg.expand(n, h, w)
    return torch.stack([torch.unique(s, return_inverse=True)[1] for s in seg])


def lime(
    model: nn.Module | Classifier,
    x: torch.Tensor,
    target: Target = None,
    *,
    segments: str | torch.Tensor | None = None,
    cells: int = 8,
    n: int = 1000,
    kernel_width: float = 0.25,
    distance: str = "cosine",
    alpha: float = 1.0,
    fill: Fill = 0.0,
    output: str | None = None,
    batch_size: int | None = None,
    seed: int | None = None,
    progress: bool | None = None,
) -> torch.Tensor:
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
    paper's), ``"logit"``, or ``None`` (default: ``"prob"`` unless the model has one output
    or already returns probabilities, :func:`cnnviz_lab.core.perturb.pick_reader`; a callable
    target is its own score). Captum's ``Lime`` gives the same coefficients when handed the
    same segments, samples (:func:`lime_samples`), similarity (:func:`kernel_weights` on
    the binary sample) and a ridge fit with the same ``alpha``.

    Each image draws its samples from ``seed`` afresh (a batch equals its images one by
    one; ``None``: unseeded, :func:`cnnviz_lab.core.defaults.generator`); copies go through the
    shared perturb-and-score engine ``batch_size`` at a time (``None``: the measured default of
    :func:`cnnviz_lab.core.defaults.batch_size`; it never changes the result), with one progress bar
    for long calls, and all K targets come from the same passes and one least-squares solve.
    """
    cells = checks.positive_int(cells, "cells")
    n = checks.integer(n, "n (number of samples)", minimum=2, what="an int >= 2 (the image itself included)")
    kernel_width = checks.real(kernel_width, "kernel_width", minimum=0.0, strict=True)
    checks.choice(distance, "distance", DISTANCES)
    alpha = checks.real(alpha, "alpha", minimum=0.0, what="a number >= 0 (the ridge penalty)")
    job = perturbation_setup(model, x, target, output=output, batch_size=batch_size, fill=fill)
    count, _, h, w = job.x.shape
    seg = _segments(segments, job.x, cells)
    feats = [int(s.max()) + 1 for s in seg]
    samples = [lime_samples(f, n, seed) for f in feats]  # (n, F_i) on the CPU
    table = torch.zeros(count, n, max(feats))
    for i, z in enumerate(samples):
        table[i, :, : feats[i]] = z
    table, flat = table.to(job.x.device), seg.reshape(count, 1, h * w)

    def mask(img: torch.Tensor, var: torch.Tensor) -> torch.Tensor:
        on = table[img, var]  # (B, F)
        return on.gather(1, flat[img, 0]).view(-1, h, w)

    ys = masked_scores(
        job.module, job.x, job.targets, n, mask, job.filler, batch_size=job.batch_size, output=job.output, progress=progress, desc="LIME"
    )  # (N,K,n)
    maps = []
    for i in range(count):  # a small F x F solve: on the CPU, in float64
        beta, _ = weighted_ridge(samples[i], ys[i].t().cpu(), kernel_weights(samples[i], kernel_width, distance), alpha)
        maps.append(beta.t().float().to(job.x.device)[:, seg[i]])  # (K,H,W)
    return to_caller(finish(torch.stack(maps), job.squeeze), x)


__all__ = ["grid_segments", "kernel_weights", "lime", "lime_samples", "superpixels", "weighted_ridge"]
