"""GradientSHAP: expected gradients between an image and references drawn at random.

GradientSHAP (Lundberg & Lee 2017, *A Unified Approach to Interpreting Model Predictions*,
NeurIPS; Captum's ``GradientShap``; Erion et al. 2021's *expected gradients*) approximates
SHAP values by sampling: for each of ``n`` samples a reference ``x'`` is drawn from the
baselines, a point ``x' + a (x~ - x')`` with ``a ~ U(0, 1)`` on the line to a noisy copy
``x~ = x + e`` (``e ~ N(0, sigma^2)``), and the gradient there times ``x~ - x'`` is
averaged. In expectation (``noise=0``) this is Integrated Gradients averaged over the
references, so it sums to ``z_c(x) - E[z_c(x')]`` on average (not sample by sample).
"""

from __future__ import annotations

import torch
from torch import nn

from ..core import checks, defaults
from ..models.classifier import Classifier
from .backprop import input_gradients
from .common import Target, finish, to_caller
from .deeplift import shap_setup

ModelLike = nn.Module | Classifier


def gradient_shap(
    model: ModelLike,
    x: torch.Tensor,
    target: Target = None,
    *,
    baselines: torch.Tensor | None = None,
    n: int = 50,
    noise: float = 0.0,
    seed: int | None = None,
    batch_size: int | None = None,
    progress: bool | None = None,
) -> torch.Tensor:
    """GradientSHAP (Lundberg & Lee 2017): the mean over ``n`` samples of
    ``d z_c / dx (x' + a (x~ - x')) * (x~ - x')`` with ``x'`` drawn uniformly from
    ``baselines``, ``a ~ U(0, 1)`` and ``x~ = x + e``, ``e ~ N(0, sigma^2)``,
    ``sigma = noise * (max(x) - min(x))`` of that image (SmoothGrad's noise level; Captum's
    ``stdevs`` is ``sigma`` itself). Shape ``(N,[K],3,H,W)``.

    ``baselines``: a ``(B,3,H,W)`` tensor of references shared by all images, or
    ``(N,B,3,H,W)``, or ``None`` (black and the blurred image, as for
    :func:`~cnnviz_lab.deeplift_shap`). Draws come sample by sample from a
    ``torch.Generator`` seeded with ``seed`` (``None``: unseeded), so a seed gives the same
    result whatever the ``batch_size``; targets are read from the clean images. A callable
    target ``g`` (:mod:`cnnviz_lab.targets`) is differentiated at each sample point, so the
    expectation is ``g(f(x)) - E[g(f(x'))]`` for any differentiable ``g``.
    """
    n = checks.positive_int(n, "n")
    noise = checks.real(noise, "noise", minimum=0.0)
    module, _, xd, refs, objective = shap_setup(model, x, target, baselines)
    count, choices = xd.shape[0], refs.shape[1]
    step = defaults.batch_size(batch_size, module, xd, backward=True)
    gen = defaults.generator(seed, xd.device)
    flat = xd.reshape(count, -1)
    sigma = noise * (flat.amax(dim=1) - flat.amin(dim=1))
    acc = torch.zeros((count, objective.k) + tuple(xd.shape[1:]), device=xd.device, dtype=xd.dtype)
    shape = (1,) + tuple(xd.shape[1:])
    for idx in defaults.chunks(count * n, step, device=xd.device, progress=progress, desc="GradientSHAP"):
        img = idx // n
        pick, alpha, eps = [], [], []
        for _ in range(len(idx)):
            pick.append(torch.randint(choices, (1,), generator=gen, device=xd.device))
            alpha.append(torch.rand(1, generator=gen, device=xd.device, dtype=xd.dtype))
            eps.append(torch.randn(shape, generator=gen, device=xd.device, dtype=xd.dtype))
        noisy = xd[img] + torch.cat(eps) * sigma[img].view(-1, 1, 1, 1)
        base = refs[img, torch.cat(pick)]
        points = base + torch.cat(alpha).view(-1, 1, 1, 1) * (noisy - base)
        grads, _, _ = input_gradients(module, points, objective.select(img))
        acc.index_add_(0, img, grads * (noisy - base).unsqueeze(1))
    return to_caller(finish(acc / n, objective.squeeze), x)


__all__ = ["gradient_shap"]
