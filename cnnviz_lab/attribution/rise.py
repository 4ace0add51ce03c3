"""RISE: Randomized Input Sampling for Explanation (Petsiuk, Das & Saenko, BMVC 2018).

Show the model many randomly masked copies of the image and average the masks, each
weighted by the class probability its masked copy still gets:

    S_c(p) = 1 / (N E[M]) * sum_i f_c(x * M_i) M_i(p),        E[M] = prob,

so a pixel scores high when the copies that keep it score high. The masks are smooth:
a coarse ``cells x cells`` grid of independent Bernoulli(``prob``) cells, upsampled
bilinearly to ``(cells + 1)`` cell sizes and cropped at a random shift of less than one cell,
as in the paper. Masked pixels take ``fill`` (as occlusion: ``0.0`` is the dataset mean
colour in a normalised input space, which is the paper's ``I * M``).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn
from tqdm.auto import tqdm

from ..models import Classifier, unwrap
from .common import Target, finish, frozen, gather_scores, prepare_input, resolve_targets
from .occlusion import Fill, fill_image

DEFAULT_BATCH = 32  # masked images per forward pass


def perturbation_setup(model: nn.Module | Classifier, x: torch.Tensor, output: str, batch_size: int | None,
                       fill: Fill, default_batch: int = DEFAULT_BATCH):
    """What RISE and LIME share: ``(module, classifier, x on the model's device, batch size,
    fill image, read)`` where ``read(logits)`` gives the scored output (softmax probability
    for ``output="prob"``, the logit for ``"logit"``); bad ``output``/``batch_size`` raise."""
    if output not in ("prob", "logit"):
        raise ValueError(f"output must be 'prob' or 'logit', got {output!r}")
    if batch_size is not None and int(batch_size) < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size!r}")
    module, clf = unwrap(model)
    xin = prepare_input(module, x)

    def read(logits: torch.Tensor) -> torch.Tensor:
        return logits.float().softmax(dim=1) if output == "prob" else logits.float()

    bs = default_batch if batch_size is None else int(batch_size)
    return module, clf, xin, bs, fill_image(xin, fill, clf).expand_as(xin), read


def _draw(n: int, cells: int, prob: float, size: tuple[int, int], seed: int | None
          ) -> tuple[torch.Tensor, torch.Tensor, tuple[int, int]]:
    """The random part of ``n`` masks, drawn up front on the CPU (a few numbers per mask,
    so the same seed gives the same masks on any device and at any batch size): the
    ``(n, cells, cells)`` 0/1 grids, the ``(n, 2)`` shifts, and the cell size."""
    if n < 1:
        raise ValueError(f"n (number of masks) must be at least 1, got {n!r}")
    if cells < 1:
        raise ValueError(f"cells must be at least 1, got {cells!r}")
    if not 0 < prob <= 1:
        raise ValueError(f"prob (chance that a cell is kept) must be in (0, 1], got {prob!r}")
    gen = torch.Generator()
    if seed is None:
        gen.seed()
    else:
        gen.manual_seed(int(seed))
    cell = (math.ceil(size[0] / cells), math.ceil(size[1] / cells))
    grids = (torch.rand(n, cells, cells, generator=gen) < prob).float()
    shifts = torch.stack([torch.randint(0, cell[0], (n,), generator=gen),
                          torch.randint(0, cell[1], (n,), generator=gen)], dim=1)
    return grids, shifts, cell


def _render(grids: torch.Tensor, shifts: torch.Tensor, cell: tuple[int, int], size: tuple[int, int],
            device: torch.device, dtype: torch.dtype) -> torch.Tensor:
    """``(B,H,W)`` masks: each grid upsampled (bilinear) to ``(cells + 1)`` cells, cropped
    at its shift."""
    cells = grids.shape[-1]
    up = F.interpolate(grids[:, None].to(device, dtype), size=((cells + 1) * cell[0], (cells + 1) * cell[1]),
                       mode="bilinear", align_corners=False)[:, 0]
    sh = shifts.to(device)
    rows = sh[:, :1] + torch.arange(size[0], device=device)[None]        # (B,H)
    cols = sh[:, 1:] + torch.arange(size[1], device=device)[None]        # (B,W)
    b = torch.arange(len(grids), device=device)[:, None, None]
    return up[b, rows[:, :, None], cols[:, None, :]]


def rise_masks(size: int | tuple[int, int], n: int = 100, *, cells: int = 7, prob: float = 0.5,
               seed: int | None = None, device: torch.device | str = "cpu") -> torch.Tensor:
    """The ``(n,H,W)`` masks in [0, 1] that :func:`rise` with the same ``n``, ``cells``,
    ``prob`` and ``seed`` uses for images of ``size`` (to look at them, or to check it)."""
    hw = (size, size) if isinstance(size, int) else (int(size[0]), int(size[1]))
    grids, shifts, cell = _draw(n, cells, prob, hw, seed)
    return _render(grids, shifts, cell, hw, torch.device(device), torch.float32)


def rise(model: nn.Module | Classifier, x: torch.Tensor, target: Target = None, *, n: int = 2000,
         cells: int = 7, prob: float = 0.5, fill: Fill = 0.0, output: str = "prob",
         batch_size: int | None = None, seed: int | None = None, progress: bool | None = None
         ) -> torch.Tensor:
    """RISE saliency (Petsiuk, Das & Saenko 2018, *RISE: Randomized Input Sampling for
    Explanation of Black-box Models*, BMVC): ``S_c = sum_i f_c(x * M_i) M_i / (n prob)``
    over ``n`` random masks (see the module docstring), ``(N,[K],H,W)``.

    ``f_c`` is the softmax probability of the target (``output="prob"``, the paper's) or its
    logit (``output="logit"``); ``cells`` and ``prob`` are the paper's ``s`` and ``p`` (its
    ImageNet experiments use ``n=4000``, ``s=7``, ``p=0.5``). Every image of a batch sees the
    same masks, so a batch gives what its images give one by one; ``seed`` fixes the masks
    (``None``: fresh ones each call) whatever the device and ``batch_size``. Masked copies go
    through the model ``batch_size`` at a time (default 32; it bounds the memory and never
    changes the result), ``n`` forwards per image; all K targets are read from the same
    passes. ``progress``: a tqdm bar (default: shown for 4 batches or more). Gradient free.
    """
    module, clf, xin, bs, filler, read = perturbation_setup(model, x, output, batch_size, fill)
    count, _, h, w = xin.shape
    grids, shifts, cell = _draw(int(n), int(cells), float(prob), (h, w), seed)
    with torch.no_grad(), frozen(module):
        targets, squeeze = resolve_targets(target, module(xin), clf)
        k = targets.shape[1]
        sal = torch.zeros(count, k, h, w, device=xin.device, dtype=torch.float32)
        total = int(n) * count                       # job t: mask t // count on image t % count
        starts = range(0, total, bs)
        show = len(starts) >= 4 if progress is None else progress
        for start in tqdm(starts, desc="RISE", unit="batch", disable=not show, leave=False):
            jobs = torch.arange(start, min(start + bs, total))
            first = int(jobs[0]) // count
            masks = _render(grids[first:int(jobs[-1]) // count + 1], shifts[first:int(jobs[-1]) // count + 1],
                            cell, (h, w), xin.device, xin.dtype)
            jobs = jobs.to(xin.device)
            m = masks[jobs // count - first][:, None]           # (B,1,H,W)
            img = jobs % count
            scores = gather_scores(read(module(xin[img] * m + filler[img] * (1 - m))), targets[img])
            sal.index_add_(0, img, scores[:, :, None, None] * m.float())
    sal = sal / (int(n) * float(prob))
    return finish(sal, squeeze).to(x.device)


__all__ = ["perturbation_setup", "rise", "rise_masks"]
