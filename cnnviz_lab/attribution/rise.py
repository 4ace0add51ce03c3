"""RISE: Randomized Input Sampling for Explanation (Petsiuk, Das & Saenko, BMVC 2018).

Show the model many randomly masked copies of the image and average the masks, each
weighted by the class probability its masked copy still gets:

    S_c(p) = 1 / (N E[M]) * sum_i f_c(x * M_i) M_i(p),        E[M] = prob,

so a pixel scores high when the copies that keep it score high. The masks are smooth:
a coarse ``cells x cells`` grid of independent Bernoulli(``prob``) cells, upsampled
bilinearly to ``(cells + 1)`` cell sizes and cropped at a random shift of less than one cell,
as in the paper. Masked pixels take ``fill`` (as occlusion: ``0.0`` is the dataset mean
colour in a normalised input space, which is the paper's ``I * M``).

RISE and LIME (:mod:`.lime`) are one job with different masks: both go through
:func:`perturbation_setup` (the input gate, the targets, the batch size and fill rules) and
the shared perturb-and-score engine (:func:`cnnviz_lab.core.perturb.masked_scores`).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import nn

from ..core import checks, defaults
from ..models.classifier import Classifier
from ..core.state import frozen_forward
from ..core.scoring import Objective
from ..core.perturb import Fill, fill_image, masked_scores, pick_reader, READERS
from .common import Target, enter, finish, resolve_objective, to_caller

#: Masks rendered at once when their weighted sum is taken.
_RENDER_CHUNK = 64


class Setup(NamedTuple):
    """What a masking method needs: the model, the gated input, the resolved target (an
    :class:`~cnnviz_lab.core.outputs.Objective`) and whether to drop K, the batch size, the
    fill image expanded to ``x``, and what is compared (``"prob"``, ``"logit"`` or ``None``
    for a callable target's own score, :func:`cnnviz_lab.core.perturb.pick_reader`)."""

    module: nn.Module
    x: torch.Tensor
    targets: Objective
    squeeze: bool
    batch_size: int
    filler: torch.Tensor
    output: str | None


def perturbation_setup(model: nn.Module | Classifier, x: torch.Tensor, target: Target, *, output: str | None, batch_size: int | None, fill: Fill) -> Setup:
    """What RISE and LIME share: ``output`` checked (``"prob"``, ``"logit"`` or ``None``: follow
    the model), ``x`` through the input gate, ``batch_size`` by
    :func:`cnnviz_lab.core.defaults.batch_size`, the target from one frozen forward pass, and the
    fill (:func:`cnnviz_lab.core.perturb.fill_image`)."""
    if output is not None:
        checks.choice(output, "output", READERS)
    module, clf, xin = enter(model, x)
    bs = defaults.batch_size(batch_size, module, xin)
    clean = frozen_forward(module, xin)
    objective = resolve_objective(target, clean, clf)
    reader = pick_reader(output, objective, clean)
    filler = fill_image(xin, fill, clf).expand_as(xin)
    return Setup(module, xin, objective, objective.squeeze, bs, filler, reader)


def _draw(n: int, cells: int, prob: float, size: tuple[int, int], seed: int | None) -> tuple[torch.Tensor, torch.Tensor, tuple[int, int]]:
    """The random part of ``n`` masks, drawn up front on the CPU (a few numbers per mask,
    so the same seed gives the same masks on any device and at any batch size): the
    ``(n, cells, cells)`` 0/1 grids, the ``(n, 2)`` shifts, and the cell size."""
    n = checks.positive_int(n, "n")
    cells = checks.positive_int(cells, "cells")
    what = "a number in (0, 1] (the chance that a cell is kept)"
    prob = checks.real(prob, "prob", minimum=0.0, maximum=1.0, what=what)
    if prob == 0:
        raise ValueError(f"prob must be {what}, got {prob!r}")
    gen = defaults.generator(seed)
    cell = (math.ceil(size[0] / cells), math.ceil(size[1] / cells))
    grids = (torch.rand(n, cells, cells, generator=gen) < prob).float()
    shifts = torch.stack([torch.randint(0, cell[0], (n,), generator=gen), torch.randint(0, cell[1], (n,), generator=gen)], dim=1)
    return grids, shifts, cell


def _render(grids: torch.Tensor, shifts: torch.Tensor, cell: tuple[int, int], size: tuple[int, int], device: torch.device, dtype: torch.dtype) -> torch.Tensor:
    """``(B,H,W)`` masks: each grid upsampled (bilinear) to ``(cells + 1)`` cells, cropped
    at its shift."""
    cells = grids.shape[-1]
    up = F.interpolate(grids[:, None].to(device, dtype), size=((cells + 1) * cell[0], (cells + 1) * cell[1]), mode="bilinear", align_corners=False)[:, 0]
    sh = shifts.to(device)
    rows = sh[:, :1] + torch.arange(size[0], device=device)[None]  # (B,H)
    cols = sh[:, 1:] + torch.arange(size[1], device=device)[None]  # (B,W)
    b = torch.arange(len(grids), device=device)[:, None, None]
    return up[b, rows[:, :, None], cols[:, None, :]]


def rise_masks(
    size: int | tuple[int, int], n: int = 100, *, cells: int = 7, prob: float = 0.5, seed: int | None = None, device: torch.device | str = "cpu"
) -> torch.Tensor:
    """The ``(n,H,W)`` masks in [0, 1] that :func:`rise` with the same ``n``, ``cells``,
    ``prob`` and ``seed`` uses for images of ``size`` (to look at them, or to check it)."""
    hw = checks.pair(size, "size")
    grids, shifts, cell = _draw(n, cells, prob, hw, seed)
    return _render(grids, shifts, cell, hw, torch.device(device), torch.float32)


def rise(
    model: nn.Module | Classifier,
    x: torch.Tensor,
    target: Target = None,
    *,
    n: int = 2000,
    cells: int = 7,
    prob: float = 0.5,
    fill: Fill = 0.0,
    output: str | None = None,
    batch_size: int | None = None,
    seed: int | None = None,
    progress: bool | None = None,
) -> torch.Tensor:
    """RISE saliency (Petsiuk, Das & Saenko 2018, *RISE: Randomized Input Sampling for
    Explanation of Black-box Models*, BMVC): ``S_c = sum_i f_c(x * M_i) M_i / (n prob)``
    over ``n`` random masks (see the module docstring), ``(N,[K],H,W)``.

    ``f_c`` is the softmax probability of the target (``output="prob"``, the paper's), its
    logit (``output="logit"``), or, by default (``None``), the probability unless the model
    has one output or already returns probabilities (then its own value,
    :func:`cnnviz_lab.core.perturb.pick_reader`); a callable target's own score; ``cells`` and ``prob`` are the paper's ``s`` and ``p`` (its
    ImageNet experiments use ``n=4000``, ``s=7``, ``p=0.5``). Every image of a batch sees the
    same masks, so a batch gives what its images give one by one; ``seed`` fixes the masks
    (``None``: unseeded, :func:`cnnviz_lab.core.defaults.generator`) whatever the device and
    ``batch_size``. Masked copies go through the model ``batch_size`` at a time (``None``: the
    measured default of :func:`cnnviz_lab.core.defaults.batch_size`; it bounds the memory and never
    changes the result), ``n`` forwards per image; all K targets are read from the same
    passes. ``progress``: one progress bar for long calls. Gradient free.
    """
    job = perturbation_setup(model, x, target, output=output, batch_size=batch_size, fill=fill)
    _, _, h, w = job.x.shape
    grids, shifts, cell = _draw(n, cells, prob, (h, w), seed)
    count, prob = len(grids), float(prob)
    dev = job.x.device

    def mask(_img: torch.Tensor, var: torch.Tensor) -> torch.Tensor:
        var = var.cpu()
        return _render(grids[var], shifts[var], cell, (h, w), dev, job.x.dtype)

    scores = masked_scores(
        job.module, job.x, job.targets, count, mask, job.filler, batch_size=job.batch_size, output=job.output, progress=progress, desc="RISE"
    )  # (N,K,n)
    sal = torch.zeros(*scores.shape[:2], h, w, device=dev, dtype=torch.float32)
    for start in range(0, count, _RENDER_CHUNK):
        part = slice(start, min(start + _RENDER_CHUNK, count))
        masks = _render(grids[part], shifts[part], cell, (h, w), dev, torch.float32)
        sal += torch.einsum("nkv,vhw->nkhw", scores[..., part].to(dev), masks)
    return to_caller(finish(sal / (count * prob), job.squeeze), x)


__all__ = ["Setup", "perturbation_setup", "rise", "rise_masks"]
