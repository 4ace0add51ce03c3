"""ROAD: Remove And Debias (Rong, Leemann, Borisov, Kasneci & Kasneci, *A Consistent and
Efficient Evaluation Strategy for Attribution Methods*, ICML 2022).

Like the deletion curve, remove the pixels an attribution ranks first (MoRF: most relevant
first; LeRF: least relevant first) and watch the target's score; unlike it, the removed
pixels are not set to a constant, whose sharp edges leak the removed shape to the model
("class information leakage"), but filled by *noisy linear imputation*: each removed pixel
becomes the weighted mean of its 8 neighbours (direct neighbours weight 1/6, diagonal ones
1/12; out-of-image neighbours left out), all removed pixels solved together as one sparse
linear system per channel, plus Gaussian noise of standard deviation ``noise``. The sparse
system is solved by SciPy (a dependency of the package).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import torch
from torch import nn

from ..core import checks, defaults
from ..attribution.common import Target
from ..models.classifier import Classifier
from ..core.config import pick
from ..core.state import frozen
from ..core.outputs import class_logits
from .faithfulness import Curve, pixel_order
from .features import gate, score_reader
from .maps import REDUCTIONS, as_maps, as_tensor

#: Neighbour weights of the imputation (Rong et al. 2022): direct 1/6, diagonal 1/12.
WEIGHTS = torch.tensor([[1 / 12, 1 / 6, 1 / 12], [1 / 6, 0.0, 1 / 6], [1 / 12, 1 / 6, 1 / 12]], dtype=torch.float64)
ORDERS = ("morf", "lerf")
ROAD_OUTPUTS = ("prob", "logit", "accuracy")


#: The eight neighbours ``(dy, dx)`` and their weights.
OFFSETS = tuple(((dy, dx), float(WEIGHTS[dy + 1, dx + 1])) for dy in (-1, 0, 1) for dx in (-1, 0, 1) if dy or dx)


def linear_imputation(x: torch.Tensor, removed: torch.Tensor) -> torch.Tensor:
    """``x`` ``(B,C,H,W)`` with the pixels where ``removed`` ``(B,H,W)`` is True replaced by the
    solution of ROAD's linear system: at every removed pixel ``i``,
    ``sum_j w_j (v_i - v_j) = 0`` over its in-image neighbours ``j`` (kept pixels fixed at
    their values), i.e. each removed pixel is the weighted mean of its neighbours. The
    system (a principal block of a weighted graph Laplacian: symmetric, and positive
    definite while one pixel is kept) is solved exactly by a sparse LU factorisation
    (SciPy's SuperLU, as the authors' code and Quantus do), once per image for all
    channels. Without noise: :func:`road` adds it. A fresh tensor; ``x`` is not changed."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.linalg import splu

    b, c, h, w = x.shape
    rem = removed.detach().to("cpu", torch.bool).reshape(b, h * w).numpy()
    if bool(rem.all(1).any()):
        raise ValueError("fractions: ROAD needs at least one pixel kept in every image (fractions below 1)")
    out = x.detach().to("cpu", torch.float64).numpy().copy()
    for i in range(b):
        idx = np.flatnonzero(rem[i])
        if idx.size == 0:
            continue
        img = out[i].reshape(c, h * w)
        var = np.full(h * w, -1)
        var[idx] = np.arange(idx.size)
        ys, xs = np.divmod(idx, w)
        diag = np.zeros(idx.size)
        rhs = np.zeros((idx.size, c))
        rows, cols, vals = [], [], []
        for (dy, dx), weight in OFFSETS:
            yy, xx = ys + dy, xs + dx
            ok = (yy >= 0) & (yy < h) & (xx >= 0) & (xx < w)
            src, nb = np.flatnonzero(ok), yy[ok] * w + xx[ok]
            diag[src] += weight
            unknown = var[nb] >= 0
            rows.append(src[unknown])
            cols.append(var[nb[unknown]])
            vals.append(np.full(int(unknown.sum()), -weight))
            rhs[src[~unknown]] += weight * img[:, nb[~unknown]].T  # one neighbour per row per offset
        rows.append(np.arange(idx.size))
        cols.append(np.arange(idx.size))
        vals.append(diag)
        a = coo_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(idx.size, idx.size)).tocsc()
        img[:, idx] = splu(a).solve(rhs).T
    return torch.from_numpy(out).to(x.device, x.dtype)


def _fractions(fractions: Sequence[float] | torch.Tensor | None) -> torch.Tensor:
    if fractions is None:
        return torch.tensor(pick([0.1 * i for i in range(1, 10)], [0.2, 0.5, 0.8]), dtype=torch.float64)
    f = as_tensor(fractions, "fractions").double().reshape(-1)
    if f.numel() < 1 or not bool(((f >= 0) & (f < 1)).all()) or bool((f[1:] < f[:-1]).any()):
        raise ValueError(f"fractions must be non-decreasing shares of pixels removed, each in [0, 1); got {f.tolist()}")
    return f


def road(
    model: nn.Module | Classifier,
    x: torch.Tensor,
    attribution: torch.Tensor,
    target: Target = None,
    *,
    fractions: Sequence[float] | torch.Tensor | None = None,
    order: str = "morf",
    noise: float = 0.01,
    output: str | None = None,
    reduce: str = "sum",
    batch_size: int | None = None,
    seed: int | None = None,
    progress: bool | None = None,
) -> Curve:
    """The ROAD curve of Rong et al. 2022 for each image: a :class:`Curve` (``kind``
    ``"road-morf"`` or ``"road-lerf"``) with the target's score after removing each share
    of pixels in ``fractions`` (default 10 %, 20 % ... 90 %; 20/50/80 % in quick mode) and
    filling them by noisy linear imputation (:func:`linear_imputation`, plus Gaussian
    noise of standard deviation ``noise`` in the model's input space, drawn with ``seed``).

    ``order="morf"`` removes the most relevant pixels first (a faithful map makes the
    score fall fast: lower area is better), ``"lerf"`` the least relevant first (higher is
    better). ``output``: ``None`` or ``"prob"`` (the target's probability), ``"logit"``, or
    ``"accuracy"`` (1 while the model still predicts the target, as the paper and Quantus
    report). A callable target (:mod:`cnnviz_lab.targets`) is its own score and takes
    ``output=None`` (accuracy, a top-1 class, is defined for class targets only); the
    curve's ``targets`` is then ``None``. ``attribution``: ``(N,H,W)`` or ``(N,3,H,W)`` (channels reduced by
    ``reduce``); ties ranked in random order (``seed``). ``.auc`` is the trapezoid area
    over the fractions given.
    """
    g = gate(model, x, target, "ROAD")
    xin = g.x
    n, c, h, w = xin.shape
    checks.choice(order, "order", ORDERS)
    reader = score_reader(output, g.objective, "prob", ROAD_OUTPUTS)
    checks.choice(reduce, "reduce", tuple(REDUCTIONS))
    noise = checks.real(noise, "noise", minimum=0.0)
    fr = _fractions(fractions)
    maps = as_maps(attribution, n, (h, w), c, reduce).to(xin.device)
    ranking = pixel_order(maps if order == "morf" else -maps, seed)
    rank = torch.empty_like(ranking)
    rank.scatter_(1, ranking, torch.arange(h * w, device=xin.device).expand(n, -1))
    counts = torch.floor(fr * h * w + 1e-9).long().to(xin.device)
    steps = len(fr)
    bs = defaults.batch_size(batch_size, g.module, xin)
    first = defaults.seed_value(seed)
    scores = torch.empty(n, steps, dtype=torch.float32)
    with torch.no_grad(), frozen(g.module):
        for idx in defaults.chunks(n * steps, bs, device="cpu", progress=progress, desc="ROAD"):
            img, step = idx // steps, idx % steps
            removed = rank[img.to(xin.device)] < counts[step.to(xin.device)][:, None]
            filled = linear_imputation(xin[img.to(xin.device)], removed.view(-1, h, w))
            jitter = (
                torch.stack([torch.randn(c, h, w, generator=torch.Generator().manual_seed(first + int(i) * steps + int(s))) for i, s in zip(img, step)]).to(
                    xin.device, xin.dtype
                )
                * noise
            )
            filled = torch.where(removed.view(-1, 1, h, w), filled + jitter, filled)
            out = g.module(filled)
            if reader == "accuracy":
                got = (class_logits(out).argmax(1) == g.targets[img.to(xin.device)]).float()
            else:
                got = g.objective.select(img).scores(out, reader)[:, 0]
            scores[img, step] = got.float().cpu()
    auc = torch.trapezoid(scores.double(), fr, dim=1).float() if steps > 1 else torch.zeros(n)
    dev = x.device if isinstance(x, torch.Tensor) else xin.device
    return Curve(f"road-{order}", fr.float().to(dev), scores.to(dev), auc.to(dev), None if g.targets is None else g.targets.to(dev))


__all__ = ["OFFSETS", "ORDERS", "ROAD_OUTPUTS", "WEIGHTS", "linear_imputation", "road"]
