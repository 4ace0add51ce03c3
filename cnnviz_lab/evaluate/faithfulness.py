"""Faithfulness: deletion and insertion curves (Petsiuk, Das & Saenko, *RISE: Randomized
Input Sampling for Explanation of Black-box Models*, BMVC 2018).

Remove the pixels in the order the map ranks them (or insert them into a blurred copy) and
integrate the target's probability over the fraction changed. Lower deletion and higher
insertion are better. The perturbed images go through the same engine as occlusion
(:func:`cnnviz_lab.core.perturb.perturbed_scores`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import torch
from torch import nn

from ..core import checks, defaults
from ..attribution.common import Target, enter, resolve_objective
from ..models.classifier import Classifier
from ..core.config import pick
from ..core.state import frozen_forward
from ..core.perturb import Fill, fill_image, perturbed_scores
from .maps import as_maps, as_tensor


def pixel_order(maps: torch.Tensor, seed: int | None = None) -> torch.Tensor:
    """``(N,H*W)`` pixel indices from most to least important; ties are broken in a random
    order (``seed``; ``None``: unseeded), so a constant map removes pixels in random order,
    not raster order."""
    n, h, w = maps.shape
    flat = maps.reshape(n, h * w)
    gen = defaults.generator(seed)
    perm = torch.randperm(h * w, generator=gen).to(maps.device)
    idx = torch.argsort(flat[:, perm], dim=1, descending=True, stable=True)
    return perm[idx]


# --- deletion and insertion -------------------------------------------------------------
@dataclass
class Curve:
    """A deletion or insertion curve. ``fractions``: ``(S+1,)`` fraction of pixels removed
    (or inserted) at each step; ``scores``: ``(N,S+1)`` target probability there; ``auc``:
    ``(N,)`` trapezoid area under each curve; ``kind``: ``"deletion"`` or ``"insertion"``;
    ``targets``: ``(N,)`` classes scored (``None`` for a callable target)."""

    kind: str
    fractions: torch.Tensor
    scores: torch.Tensor
    auc: torch.Tensor
    targets: torch.Tensor | None


def _curve(
    kind: str,
    model: nn.Module | Classifier,
    x: torch.Tensor,
    attribution: torch.Tensor,
    target: Target,
    steps: int | None,
    start: Fill,
    batch_size: int | None,
    blur_sigma: float,
    reduce: str,
    seed: int | None,
    progress: bool | None,
) -> Curve:
    caller = x
    module, clf, x = enter(model, x)
    n, c, h, w = x.shape
    steps = checks.positive_int(steps if steps is not None else pick(100, 20), "steps")
    blur_sigma = checks.real(blur_sigma, "blur_sigma", minimum=0.0)
    maps = as_maps(attribution, n, (h, w), c, reduce).to(x.device)
    order = pixel_order(maps, seed)
    rank = torch.empty_like(order)
    rank.scatter_(1, order, torch.arange(h * w, device=x.device).expand(n, -1))
    counts = torch.round(torch.linspace(0, h * w, steps + 1, device=x.device)).long()
    bs = defaults.batch_size(batch_size, module, x)
    objective = resolve_objective(target, frozen_forward(module, x), clf)
    if not objective.squeeze or objective.k != 1:
        raise ValueError(
            f"target: the {kind} curve scores one target per image: pass None, an int, a class "
            "name, one class per image or a callable giving one score per image (N,)"
        )
    # deletion: original -> fill where pixels were removed; insertion: blurred -> original
    filled = fill_image(x, start, clf, blur_sigma, name="fill" if kind == "deletion" else "start")
    filled = filled.expand(n, c, h, w)
    src, dst = (x, filled) if kind == "deletion" else (filled, x)

    def changed(img: torch.Tensor, step: torch.Tensor) -> torch.Tensor:
        mask = (rank[img] < counts[step][:, None]).view(-1, 1, h, w)
        return torch.where(mask, dst[img], src[img])

    scores = perturbed_scores(
        module, objective, steps + 1, changed, batch_size=bs, output=None if objective.fn is not None else "prob", progress=progress, desc=kind
    )[:, 0]
    fractions = counts.float() / (h * w)
    auc = torch.trapezoid(scores, fractions, dim=1)
    dev = caller.device
    classes = None if objective.ids is None else objective.ids[:, 0].to(dev)
    return Curve(kind, fractions.to(dev), scores.to(dev), auc.to(dev), classes)


def deletion_curve(
    model: nn.Module | Classifier,
    x: torch.Tensor,
    attribution: torch.Tensor,
    target: Target = None,
    *,
    steps: int | None = None,
    fill: Fill = 0.0,
    batch_size: int | None = None,
    blur_sigma: float = 10.0,
    reduce: str = "sum",
    seed: int | None = None,
    progress: bool | None = None,
) -> Curve:
    """The deletion curve of Petsiuk et al. 2018: the target's probability as the most
    important pixels (by ``attribution``) are replaced by ``fill``, ``steps`` steps from 0
    to 100 % of the pixels (default 100, 20 in quick mode). All steps of all images run
    through the shared perturb-and-score engine in batched forwards of ``batch_size``
    (``None``: the measured default of :func:`cnnviz_lab.core.defaults.batch_size`). ``fill``: as
    occlusion's (default 0.0, the dataset mean colour for a Classifier; ``"black"``,
    ``"blur"``...). ``attribution``: ``(N,H,W)`` or ``(N,3,H,W)`` (channels reduced by
    ``reduce``); ties in random order (``seed``; ``None``: unseeded). ``target``: one class
    per image (None = top-1), or a callable on the model's raw output giving one score per
    image (:mod:`cnnviz_lab.targets`: a segmentation class over its mask, a detector's box,
    an embedding's similarity), whose own score then makes the curve."""
    return _curve("deletion", model, x, attribution, target, steps, fill, batch_size, blur_sigma, reduce, seed, progress)


def insertion_curve(
    model: nn.Module | Classifier,
    x: torch.Tensor,
    attribution: torch.Tensor,
    target: Target = None,
    *,
    steps: int | None = None,
    start: Fill = "blur",
    batch_size: int | None = None,
    blur_sigma: float = 10.0,
    reduce: str = "sum",
    seed: int | None = None,
    progress: bool | None = None,
) -> Curve:
    """The insertion curve of Petsiuk et al. 2018: start from a blurred copy of the image
    (``start="blur"``, Gaussian of ``blur_sigma`` px; or any fill) and put the original
    pixels back, most important first; the target's probability at each of ``steps``
    steps. Other arguments as :func:`deletion_curve`."""
    return _curve("insertion", model, x, attribution, target, steps, start, batch_size, blur_sigma, reduce, seed, progress)


def deletion_auc(
    model: nn.Module | Classifier, x: torch.Tensor, attribution: torch.Tensor, target: Target = None, *, steps: int | None = None, **kwargs: Any
) -> torch.Tensor:
    """Area under the deletion curve per image, ``(N,)`` (Petsiuk et al. 2018): the lower,
    the better the map (removing what it ranks first kills the score fast). Trapezoid rule
    over the fraction of pixels removed. Keyword arguments as :func:`deletion_curve`."""
    return deletion_curve(model, x, attribution, target, steps=steps, **kwargs).auc


def insertion_auc(
    model: nn.Module | Classifier, x: torch.Tensor, attribution: torch.Tensor, target: Target = None, *, steps: int | None = None, **kwargs: Any
) -> torch.Tensor:
    """Area under the insertion curve per image, ``(N,)`` (Petsiuk et al. 2018): the higher,
    the better the map (the pixels it ranks first restore the score fast). Keyword
    arguments as :func:`insertion_curve`."""
    return insertion_curve(model, x, attribution, target, steps=steps, **kwargs).auc


def trapezoid_auc(fractions: torch.Tensor | Sequence[float], scores: torch.Tensor | Sequence[float]) -> torch.Tensor:
    """Area under a curve by the trapezoid rule, ``sum_i (f_{i+1} - f_i) (s_i + s_{i+1}) / 2``
    (what :func:`deletion_auc` and :func:`insertion_auc` integrate); ``scores`` may be
    ``(S,)`` or ``(N,S)`` (S the number of fractions, at least 2, non-decreasing) and gives
    ``()`` or ``(N,)``."""
    f = as_tensor(fractions, "fractions").to(torch.float64)
    s = as_tensor(scores, "scores").to(torch.float64)
    if f.dim() != 1 or f.shape[0] < 2:
        raise ValueError(f"fractions must be a 1-D sequence of at least 2 points, got shape {tuple(f.shape)}")
    if s.dim() not in (1, 2) or s.shape[-1] != f.shape[0]:
        raise ValueError(f"scores must be (S,) or (N,S) with S = len(fractions) = {f.shape[0]} (one score per fraction), got shape {tuple(s.shape)}")
    if not bool(torch.isfinite(f).all()) or bool((f[1:] < f[:-1]).any()):
        raise ValueError("fractions must be finite and non-decreasing (the curve's x axis)")
    return ((f[1:] - f[:-1]) * (s[..., 1:] + s[..., :-1]) / 2).sum(-1)


__all__ = ["Curve", "deletion_auc", "deletion_curve", "insertion_auc", "insertion_curve", "pixel_order", "trapezoid_auc"]
