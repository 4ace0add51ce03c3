"""Average Drop and Increase in Confidence (Chattopadhay, Sarkar, Howlader & Balasubramanian,
*Grad-CAM++: Generalized Gradient-based Visual Explanations for Deep Convolutional
Networks*, WACV 2018, section 5.1.1).

Show the model only what the map highlights: the explanation image ``E = M * x`` keeps each
pixel in proportion to the map ``M`` (scaled to [0, 1]) and fades the rest to the fill.
With ``Y`` the target's score on the full image and ``O`` on ``E``:

    Average Drop % = 100/N sum_i max(0, Y_i - O_i) / Y_i          (lower is better)
    Increase in Confidence % = 100/N sum_i 1[Y_i < O_i]           (higher is better)

Both functions here return the per-image terms; their mean times 100 is the paper's number.
"""

from __future__ import annotations

import torch
from torch import nn

from ..core import checks
from ..attribution.common import Target
from ..models.classifier import Classifier
from ..core.state import frozen_forward
from ..core.perturb import Fill, fill_image
from .features import gate, score_reader
from .maps import REDUCTIONS, as_maps


def explanation_scores(
    model: nn.Module | Classifier,
    x: torch.Tensor,
    attribution: torch.Tensor,
    target: Target = None,
    *,
    fill: Fill = 0.0,
    output: str | None = None,
    reduce: str = "sum",
) -> tuple[torch.Tensor, torch.Tensor]:
    """``(Y, O)``, each ``(N,)``: the target's ``output`` (``None`` or ``"prob"``, as the
    paper's softmax scores, or ``"logit"``; a callable target, :mod:`cnnviz_lab.targets`, is
    its own score and takes ``output=None``) on the images and on their explanation images
    ``M * x + (1 - M) * fill``. ``M`` is the map clipped at 0 and divided by its maximum (a
    map with no positive value keeps nothing). ``fill`` as occlusion's: 0.0 (default) is
    the dataset mean colour for a Classifier; the paper multiplies the raw image, which is
    ``fill="black"``. ``attribution``: ``(N,H,W)`` or ``(N,3,H,W)`` (reduced by ``reduce``),
    upsampled to the image when smaller (a CAM)."""
    g = gate(model, x, target, "the explanation-map score")
    xin = g.x
    n, c, h, w = xin.shape
    reader = score_reader(output, g.objective, "prob")
    checks.choice(reduce, "reduce", tuple(REDUCTIONS))
    maps = as_maps(attribution, n, (h, w), c, reduce).to(xin.device).clamp(min=0)
    top = maps.flatten(1).amax(1).view(n, 1, 1)
    m = torch.where(top > 0, maps / top.clamp(min=1e-30), torch.zeros_like(maps))[:, None].to(xin.dtype)
    filler = fill_image(xin, fill, g.classifier)
    shown = m * xin + (1 - m) * filler
    full = g.objective.scores(g.output, reader)[:, 0].float()
    masked = g.objective.scores(frozen_forward(g.module, shown), reader)[:, 0].float()
    dev = x.device if isinstance(x, torch.Tensor) else xin.device
    return full.to(dev), masked.to(dev)


def average_drop(
    model: nn.Module | Classifier,
    x: torch.Tensor,
    attribution: torch.Tensor,
    target: Target = None,
    *,
    fill: Fill = 0.0,
    output: str | None = None,
    reduce: str = "sum",
) -> torch.Tensor:
    """The drop of Chattopadhay et al. 2018 per image, ``(N,)`` in [0, 1] for probabilities:
    ``max(0, Y - O) / Y``, the share of the target's score lost when the model sees only
    the explanation image (see :func:`explanation_scores`); ``100 * mean`` is the paper's
    Average Drop %. Lower is better. With ``output="logit"`` or a callable target, ``Y`` must be
    positive."""
    full, masked = explanation_scores(model, x, attribution, target, fill=fill, output=output, reduce=reduce)
    if bool((full <= 0).any()):
        raise ValueError(
            "output: the drop is relative to the score on the full image, which is not positive "
            "for some image; use output='prob' (a callable target: one whose score is positive, "
            "such as cv.targets.probability(c))"
        )
    return (full - masked).clamp(min=0) / full


def increase_in_confidence(
    model: nn.Module | Classifier,
    x: torch.Tensor,
    attribution: torch.Tensor,
    target: Target = None,
    *,
    fill: Fill = 0.0,
    output: str | None = None,
    reduce: str = "sum",
) -> torch.Tensor:
    """Whether the target's score rises when the model sees only the explanation image,
    ``Y < O``, per image (bool ``(N,)``; Chattopadhay et al. 2018, see
    :func:`explanation_scores`); ``100 * mean`` is the paper's Increase in Confidence %.
    Higher is better."""
    full, masked = explanation_scores(model, x, attribution, target, fill=fill, output=output, reduce=reduce)
    return full < masked


__all__ = ["average_drop", "explanation_scores", "increase_in_confidence"]
