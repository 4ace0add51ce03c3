"""Infidelity (Yeh, Hsieh, Suggala, Inouye & Ravikumar, *On the (In)fidelity and Sensitivity
of Explanations*, NeurIPS 2019, eq. 2):

    INFD(Phi, f, x) = E_I[ (I^T Phi(f, x) - (f(x) - f(x - I)))^2 ]

An attribution is a linear model of what happens when the input moves by ``I``: it predicts
the change ``f(x) - f(x - I)`` by ``I^T Phi``. Infidelity is that prediction's mean squared
error over random perturbations; lower is better. Here ``I`` is Gaussian noise (the
paper's "noisy baseline"), drawn per feature.
"""

from __future__ import annotations

import torch
from torch import nn

from ..core import checks, defaults
from ..attribution.common import Target
from ..models.classifier import Classifier
from ..core.config import pick
from ..core.perturb import perturbed_scores
from .features import expand, features, gate, score_reader


def infidelity(
    model: nn.Module | Classifier,
    x: torch.Tensor,
    attribution: torch.Tensor,
    target: Target = None,
    *,
    n: int | None = None,
    noise: float = 0.1,
    output: str | None = None,
    normalize: bool = False,
    batch_size: int | None = None,
    seed: int | None = None,
    progress: bool | None = None,
) -> torch.Tensor:
    """Infidelity of Yeh et al. 2019, ``(N,)``, lower is better.

    ``n`` perturbations (default 100, 20 in quick mode) ``I ~ N(0, noise^2)`` per feature
    (in the model's input space); each gives the squared error between ``I^T Phi`` and
    ``f(x) - f(x - I)`` for the target's ``output`` (``None`` or ``"logit"``, the paper's
    and Captum's choice, or ``"prob"``; a callable target, :mod:`cnnviz_lab.targets`, is its
    own score and takes ``output=None``); their mean is returned. Features: the elements of an
    ``(N,C,H,W)`` attribution shaped like ``x``, or the pixels of an ``(N,H,W)`` map (one
    noise value per pixel, added to all its channels). ``normalize``: scale ``Phi`` first by
    the ``beta`` that minimises the error, ``E[I^T Phi d] / E[(I^T Phi)^2]`` (section 4 of
    the paper, Captum's ``normalize=True``), so that only the map's shape counts, not its
    scale. The noise is drawn with ``seed``.
    """
    g = gate(model, x, target, "infidelity")
    xin, nimg = g.x, g.x.shape[0]
    draws = checks.positive_int(n if n is not None else pick(100, 20), "n")
    noise = checks.real(noise, "noise", minimum=0.0, strict=True)
    reader = score_reader(output, g.objective, "logit")
    normalize = checks.flag(normalize, "normalize")
    feats, pixels = features(attribution, xin)
    first = defaults.seed_value(seed)
    total = feats.shape[1]
    predicted = torch.zeros(nimg, draws, dtype=torch.float64)  # I^T Phi
    feats64 = feats.double().cpu()
    bs = defaults.batch_size(batch_size, g.module, xin)

    def moved(img: torch.Tensor, var: torch.Tensor) -> torch.Tensor:
        # one generator per (image, draw): the noise does not depend on the batch size
        rows = []
        for i, v in zip(img.tolist(), var.tolist()):
            if v == 0:
                rows.append(torch.zeros(total, dtype=torch.float64))
                continue
            gen = torch.Generator().manual_seed(first + i * draws + v - 1)
            rows.append(torch.randn(total, generator=gen, dtype=torch.float64) * noise)
            predicted[i, v - 1] = rows[-1] @ feats64[i]
        step = torch.stack(rows).to(xin.device, xin.dtype)
        return xin[img] - expand(step, xin.shape, pixels)

    scores = perturbed_scores(g.module, g.objective, draws + 1, moved, batch_size=bs, output=reader, progress=progress, desc="infidelity")[:, 0].double().cpu()
    change = scores[:, :1] - scores[:, 1:]  # f(x) - f(x - I)
    if normalize:
        den = predicted.pow(2).mean(1, keepdim=True)
        beta = torch.where(den > 0, (predicted * change).mean(1, keepdim=True) / den.clamp(min=1e-300), torch.zeros_like(den))
        predicted = beta * predicted
    out = (predicted - change).pow(2).mean(1)
    return out.float().to(x.device if isinstance(x, torch.Tensor) else xin.device)


__all__ = ["infidelity"]
