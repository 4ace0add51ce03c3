"""Feature inversion (Mahendran & Vedaldi 2015, "Understanding Deep Image Representations
by Inverting Them"): find an image whose activations at a layer match a given image's,

    x* = argmin_x  ||A(x) - A(x0)||^2 / ||A(x0)||^2  +  l_a R_alpha(x)  +  l_tv R_TV(x),

starting from noise. What survives the inversion is what the layer keeps: shallow layers
give back nearly the photograph, deep layers only the parts and textures the network
uses to classify (colour, exact position and background fade).
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from ..core import checks, defaults
from ..models.classifier import Classifier
from ..core.gate import unwrap
from ..core.hooks import activations
from ..core.layer_lookup import layer_name
from ..core.state import model_device
from .objectives import alpha_norm, content, total_variation
from .param import ImageParam, make_param
from .render import Rendering, _normalizer, render, unit_image
from .transforms import Transform, make_transforms


def feature_distance(model: nn.Module | Classifier, x: torch.Tensor, target: torch.Tensor, layer: str) -> torch.Tensor:
    """Relative feature distance ``||A(x) - A(t)||^2 / ||A(t)||^2`` per image, where ``x``
    and ``target`` are model inputs (preprocessed tensors)."""
    a = activations(model, x, layer)
    b = activations(model, target, layer).to(a.device)
    return (a - b).flatten(1).pow(2).sum(1) / b.flatten(1).pow(2).sum(1).clamp_min(1e-12)


def invert(
    model: nn.Module | Classifier,
    image: Any,
    layer: str,
    steps: int = 200,
    seed: int | None = None,
    *,
    size: int | None = None,
    param: str | ImageParam = "pixel",
    lr: float = 0.05,
    tv_weight: float = 0.5,
    alpha_weight: float = 0.05,
    alpha: float = 6.0,
    transforms: str | Transform | None = "jitter",
    progress: bool | None = None,
) -> Rendering:
    """Reconstruct ``image`` from its activations at ``layer`` (Mahendran & Vedaldi 2015).

    ``image``: a PIL image / path / array (preprocessed at ``size``, default the model's
    input size) or a preprocessed ``(1,3,H,W)`` tensor. The objective is
    ``content(layer) - tv_weight * total_variation() - alpha_weight * alpha_norm(alpha)``
    on an image parametrised by ``param`` (``"pixel"`` default, or ``"fft"``) started from
    seeded noise, with small random shifts (``transforms="jitter"``) for robustness.

    Returns a :class:`Rendering` (``.image``, ``.tensor`` ``(1,3,H,W)`` RGB in [0, 1]) whose
    ``info`` holds ``layer``, ``target`` (the image inverted, RGB [0, 1]), and
    ``distance_start`` and ``distance_end``, the relative feature distances of the start
    noise and of the result.
    """
    steps = checks.integer(steps, "steps", minimum=0, what="an int >= 0")
    module, clf = unwrap(model)
    device = model_device(module)
    name = layer_name(module, layer)
    side = size or (clf.input_size if clf is not None else 224)
    target_unit = unit_image(image, clf, module, side)
    side = target_unit.shape[-1]
    normalise = _normalizer(clf, module)
    x_target = normalise(target_unit)
    objective = content(name, x_target)
    if tv_weight:
        objective = objective - tv_weight * total_variation()
    if alpha_weight:
        objective = objective - alpha_weight * alpha_norm(alpha)
    gen = defaults.generator(seed)
    p = make_param(param, 1, tuple(target_unit.shape[-2:]), generator=gen, device=device, sd=0.5)
    with torch.no_grad():
        d0 = float(feature_distance(module, normalise(p()), x_target, name)[0])
    result = render(
        model, objective, p, steps=steps, lr=lr, transforms=make_transforms(transforms, side), generator=gen, progress=progress, desc=f"invert {name}"
    )
    d1 = float(feature_distance(module, normalise(result.tensor), x_target, name)[0])
    result.info.update(layer=name, distance_start=d0, distance_end=d1, target=target_unit)
    return result


__all__ = ["feature_distance", "invert"]
