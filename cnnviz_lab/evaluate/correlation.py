"""Faithfulness correlation (Bhatt, Weller & Moura, *Evaluating and Aggregating
Feature-based Model Explanations*, IJCAI 2020, eq. 3).

Replace a random subset ``S`` of the features by a baseline and compare the drop in the
target's output with the attributions summed over ``S``; over many subsets, a faithful
attribution predicts the drops: the Pearson correlation

    mu_F = corr_S( sum_{i in S} g(f, x)_i ,  f(x) - f(x_[x_S = baseline]) )

is near 1.
"""

from __future__ import annotations

import torch
from torch import nn

from ..core import checks, defaults
from ..attribution.common import Target
from ..models.classifier import Classifier
from ..core.config import pick
from ..core.perturb import Fill, fill_image, perturbed_scores
from .features import expand, features, gate, score_reader


def pearson(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Pearson correlation of the rows of ``a`` and ``b`` ``(N,R)``, in float64; a row with no
    spread gives 0 (no linear relation can be seen), never NaN."""
    a = a.double() - a.double().mean(-1, keepdim=True)
    b = b.double() - b.double().mean(-1, keepdim=True)
    den = (a.pow(2).sum(-1) * b.pow(2).sum(-1)).sqrt()
    return torch.where(den > 0, (a * b).sum(-1) / den.clamp(min=1e-300), torch.zeros_like(den))


def _subsets(subsets: object, n: int, runs: int | None, size: int | None, total: int, gen: torch.Generator) -> torch.Tensor:
    """``(N,R,S)`` feature indices: drawn without replacement per run, or ``subsets`` checked."""
    if subsets is None:
        runs = checks.positive_int(runs if runs is not None else pick(100, 20), "n")
        size = checks.integer(
            size if size is not None else min(224, total), "subset_size", minimum=1, maximum=total, what=f"an int from 1 to the number of features ({total})"
        )
        return torch.stack([torch.stack([torch.randperm(total, generator=gen)[:size] for _ in range(runs)]) for _ in range(n)])
    s = subsets if isinstance(subsets, torch.Tensor) else None
    if s is None:
        try:
            s = torch.as_tensor(subsets)
        except (TypeError, ValueError, RuntimeError):
            raise TypeError(f"subsets must be an (R,S) or (N,R,S) array of feature indices, got {type(subsets).__name__}") from None
    if s.dtype.is_floating_point or s.dtype == torch.bool or s.is_complex():
        raise TypeError(f"subsets must hold integer feature indices, got dtype {s.dtype}")
    if s.dim() == 2:
        s = s.expand(n, -1, -1)
    if s.dim() != 3 or s.shape[0] != n or s.shape[1] < 2 or s.shape[2] < 1:
        raise ValueError(f"subsets must be (R,S) or (N,R,S) feature indices with N={n}, R >= 2 runs, S >= 1; got shape {tuple(s.shape)}")
    if bool(((s < 0) | (s >= total)).any()):
        raise ValueError(f"subsets: feature indices must be in 0..{total - 1}")
    return s.long()


def faithfulness_correlation(
    model: nn.Module | Classifier,
    x: torch.Tensor,
    attribution: torch.Tensor,
    target: Target = None,
    *,
    n: int | None = None,
    subset_size: int | None = None,
    fill: Fill = 0.0,
    output: str | None = None,
    subsets: torch.Tensor | None = None,
    batch_size: int | None = None,
    seed: int | None = None,
    progress: bool | None = None,
) -> torch.Tensor:
    """Faithfulness correlation of Bhatt et al. 2020, ``(N,)`` in [-1, 1], higher is better.

    For each of ``n`` runs (default 100, 20 in quick mode) a random subset of
    ``subset_size`` features (default 224, as Quantus) is replaced by ``fill`` (as
    occlusion's; default 0.0, the dataset mean for a Classifier); the Pearson correlation
    over the runs between the attributions summed over the subset and the drop
    ``f(x) - f(x_perturbed)`` of the target's ``output`` (``None`` or ``"logit"``, as
    Quantus's default, or ``"prob"``; a callable target, :mod:`cnnviz_lab.targets`, is its
    own score and takes ``output=None``). Features: the elements of an ``(N,C,H,W)`` attribution shaped
    like ``x``, or the pixels of an ``(N,H,W)`` map (all channels replaced). ``subsets``:
    your own ``(R,S)`` or ``(N,R,S)`` feature indices instead of random ones (to replay
    another library's draw). Random subsets are drawn with ``seed``. A run of constant
    sums or drops has no correlation: 0.
    """
    g = gate(model, x, target, "faithfulness correlation")
    xin, nimg = g.x, g.x.shape[0]
    reader = score_reader(output, g.objective, "logit")
    feats, pixels = features(attribution, xin)
    total = feats.shape[1]
    sets = _subsets(subsets, nimg, n, subset_size, total, defaults.generator(seed)).to(xin.device)
    runs = sets.shape[1]
    filler = fill_image(xin, fill, g.classifier).expand_as(xin)
    bs = defaults.batch_size(batch_size, g.module, xin)

    def perturb(img: torch.Tensor, run: torch.Tensor) -> torch.Tensor:
        mask = torch.zeros(len(img), total, dtype=torch.bool, device=xin.device)
        mask.scatter_(1, sets[img, run], True)
        return torch.where(expand(mask, xin.shape, pixels), filler[img], xin[img])

    scores = perturbed_scores(
        g.module,
        g.objective,
        runs + 1,
        lambda img, var: torch.where((var == 0).view(-1, 1, 1, 1), xin[img], perturb(img, (var - 1).clamp(min=0))),
        batch_size=bs,
        output=reader,
        progress=progress,
        desc="faithfulness",
    )[:, 0]
    drops = scores[:, :1] - scores[:, 1:]
    sums = torch.gather(feats[:, None, :].expand(-1, runs, -1), 2, sets).sum(-1)
    return pearson(sums, drops).float().to(x.device if isinstance(x, torch.Tensor) else xin.device)


__all__ = ["faithfulness_correlation", "pearson"]
