"""Reference images (baselines) for Integrated Gradients, DeepLIFT and the SHAP methods.

Completeness (Sundararajan et al. 2017) and summation-to-delta (Shrikumar et al. 2017) make
an attribution add up to ``f(x) - f(x')``: the map explains the difference from the
reference ``x'``, so the choice of ``x'`` is part of the question the map answers.
"""

from __future__ import annotations

import torch

from ..core import checks
from ..models.classifier import Classifier
from ..core.blur import gaussian_blur

#: The references :func:`reference_images` can make.
KINDS = ("black", "blurred", "noise", "mean")


def reference_images(
    classifier: Classifier, x: torch.Tensor, kinds: tuple[str, ...] | list[str] = KINDS, *, sigma: float | None = None, seed: int | None = None
) -> dict[str, torch.Tensor]:
    """``{kind: reference}``, each shaped like the preprocessed batch ``x`` and in the model's
    input space: ``"black"`` (RGB 0), ``"blurred"`` (``x`` under a Gaussian blur of ``sigma``
    pixels, default 1/16 of the width, as :func:`~cnnviz_lab.deeplift_shap` uses), ``"noise"``
    (uniform random RGB in [0, 1] per pixel, drawn with ``seed``) and ``"mean"`` (every pixel
    the training data's mean colour, the classifier's normalisation mean: 0 after
    normalisation)."""
    if not isinstance(classifier, Classifier):
        raise TypeError(f"classifier: expected a cv.Classifier (its normalisation defines black and the mean), got {type(classifier).__name__}")
    if not isinstance(x, torch.Tensor) or x.dim() != 4 or x.shape[1] != 3 or not x.is_floating_point():
        raise ValueError(f"x: expected a preprocessed (N,3,H,W) float batch, got {tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__}")
    if isinstance(kinds, str) or not all(isinstance(k, str) for k in kinds) or not kinds:
        raise TypeError(f"kinds: a non-empty list of {', '.join(KINDS)}")
    for k in kinds:
        checks.choice(k, "kinds", list(KINDS))
    sigma = max(1.0, x.shape[-1] / 16) if sigma is None else checks.real(sigma, "sigma", minimum=0.0)
    x = x.detach()
    out: dict[str, torch.Tensor] = {}
    for k in kinds:
        if k == "black":
            out[k] = classifier.from_unit(torch.zeros_like(x)).to(x.dtype)
        elif k == "blurred":
            out[k] = gaussian_blur(x, sigma) if sigma > 0 else x.clone()
        elif k == "noise":
            gen = torch.Generator().manual_seed(seed) if seed is not None else None
            out[k] = classifier.from_unit(torch.rand(x.shape, generator=gen).to(x.device, x.dtype))
        else:
            out[k] = classifier.from_unit(classifier.mean.to(x.device, x.dtype).expand_as(x)).contiguous()
    return out


__all__ = ["KINDS", "reference_images"]
