"""Perturb and score: the engine of every method that changes the input and reads the output.

Occlusion (slide a patch), Score-CAM (mask by a channel), the deletion and insertion curves
(remove or restore pixels in a ranked order) and every other perturbation method differ
only in *how* they change an image. This module does the rest once: it lays out the
``N x V`` (image, variant) pairs, builds each batch of perturbed images with the method's
own function, runs them through the frozen model ``batch_size`` at a time (no autograd,
one progress bar), and gathers each image's target scores into an ``(N,K,V)`` tensor.
It also holds what a removed pixel is replaced with (:func:`fill_image`), and the blend of
image and fill through soft masks that RISE and LIME share (:func:`masked_scores`).
"""

from __future__ import annotations

from typing import Any, Callable, Sequence, Union

import torch
from torch import nn

from . import checks, defaults
from .gate import Wrapped
from .state import frozen, model_device
from .blur import gaussian_blur
from .outputs import Objective, class_logits

Fill = Union[float, int, str, Sequence[float], torch.Tensor]
Perturb = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]

#: Named fills (RGB in [0, 1]); in the model's input space through ``Classifier.from_unit``.
NAMED_FILLS = {"black": 0.0, "grey": 0.5, "gray": 0.5, "white": 1.0}
READERS = ("prob", "logit")


def read_scores(logits: torch.Tensor, output: str) -> torch.Tensor:
    """What a perturbation method measures: ``"prob"`` (softmax probability) or ``"logit"``."""
    return logits.float().softmax(dim=1) if output == "prob" else logits.float()


def looks_like_probabilities(logits: torch.Tensor) -> bool:
    """Whether every row of ``logits`` (N, classes) is already a probability distribution
    (entries in [0, 1] summing to 1 within 1e-3): a model that ends in a softmax."""
    z = logits.detach().float()
    return bool(((z >= 0) & (z <= 1)).all()) and bool(((z.sum(dim=1) - 1).abs() <= 1e-3).all())


def pick_reader(output: str | None, objective: Objective, clean: Any) -> str | None:
    """What a perturbation method compares, ``output=``: ``"prob"`` (the softmax probability
    of the class output) or ``"logit"`` (the class output as the model returns it).

    ``None`` (the default) follows the model: ``"prob"``, except when the class output has
    one column (its softmax is always 1, every map would be 0) or is already a probability
    distribution (a model ending in a softmax: a second softmax would flatten it), where it
    is ``"logit"``, the model's own value. ``"prob"`` on a one-output model is refused. A
    callable target measures its own score: ``output`` must then be ``None``, and the
    reader is ``None``."""
    if objective.fn is not None:
        if output is not None:
            raise ValueError(
                f"output={output!r} applies to class targets; a callable target gives its own "
                "score (cv.targets.probability(c) for a class probability): leave output=None"
            )
        return None
    if output is not None:
        checks.choice(output, "output", READERS)
    logits = class_logits(clean, "target")
    if output == "prob" and logits.shape[1] == 1:
        raise ValueError(
            "output='prob': the model has one output, whose softmax is always 1, so every map would be 0; use output='logit' (or None, which follows the model)"
        )
    if output is None:
        return "logit" if logits.shape[1] == 1 or looks_like_probabilities(logits) else "prob"
    return output


def perturbed_scores(
    module: nn.Module,
    targets: torch.Tensor | Objective,
    variants: int,
    perturb: Perturb,
    *,
    batch_size: int,
    output: str | None = "prob",
    progress: bool | None = None,
    desc: str = "perturbing",
) -> torch.Tensor:
    """``scores[n, k, v]``: the model's ``output`` for class ``targets[n, k]`` on variant ``v``
    of image ``n``, as an ``(N,K,V)`` float tensor. ``targets``: an ``(N,K)`` class table or an
    :class:`~cnnviz_lab.core.outputs.Objective` (a callable target is evaluated on each batch,
    scored with each copy's own image's target; ``output`` then is ``None``).

    ``perturb(img, var)`` receives two ``(B,)`` index tensors (which image, which variant)
    and returns the ``(B,C,H,W)`` batch of perturbed images; the engine calls it for
    ``batch_size`` pairs at a time, in order, runs the frozen model on the batch without
    autograd, and shows one progress bar for the whole call (``progress``, see
    :func:`cnnviz_lab.core.defaults.show_progress`). The batch size never changes the result.
    """
    objective = targets if isinstance(targets, Objective) else Objective(targets.shape[0], targets.shape[1], False, ids=targets)
    n, k = objective.n, objective.k
    scores: torch.Tensor | None = None
    with torch.no_grad(), frozen(module):
        for idx in defaults.chunks(n * variants, batch_size, device=_device(module, targets), progress=progress, desc=desc):
            img, var = idx // variants, idx % variants
            out = objective.select(img).scores(module(perturb(img, var)), output).float()
            if scores is None:
                scores = torch.empty(n, k, variants, device=out.device)
            scores[img.to(out.device), :, var.to(out.device)] = out
    return scores


def _device(module: nn.Module, targets: Any) -> torch.device:
    if isinstance(targets, torch.Tensor):
        return targets.device
    if isinstance(targets, Objective) and targets.ids is not None:
        return targets.ids.device
    return model_device(module)


def masked_scores(
    module: nn.Module,
    x: torch.Tensor,
    targets: torch.Tensor | Objective,
    variants: int,
    mask: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    filler: torch.Tensor,
    *,
    batch_size: int,
    output: str | None = "prob",
    progress: bool | None = None,
    desc: str = "masking",
) -> torch.Tensor:
    """:func:`perturbed_scores` for methods that blend each image with a fill through a
    soft mask (RISE's random masks, LIME's superpixels switched on and off): variant ``v``
    of image ``n`` is ``x[n] * m + filler[n] * (1 - m)`` with ``m = mask(img, var)``, a
    ``(B,H,W)`` batch of masks in [0, 1] (1 keeps the pixel). ``filler``: ``(N,C,H,W)``
    (:func:`fill_image` expanded to ``x``). Returns the ``(N,K,V)`` scores."""

    def blend(img: torch.Tensor, var: torch.Tensor) -> torch.Tensor:
        m = mask(img, var).unsqueeze(1).to(x.dtype)
        return x[img] * m + filler[img] * (1 - m)

    return perturbed_scores(module, targets, variants, blend, batch_size=batch_size, output=output, progress=progress, desc=desc)


def fill_image(x: torch.Tensor, fill: Fill, classifier: Wrapped | None = None, blur_sigma: float = 8.0, name: str = "fill") -> torch.Tensor:
    """What perturbed pixels are replaced with, as a tensor broadcastable to ``x``; errors
    name the argument ``name`` (``"start"`` for the insertion curve).

    ``fill`` is given in the model's input space (after normalisation):

    - a number, or one number per channel: that value (``0.0`` is the dataset mean colour
      for a Classifier, since its inputs are normalised by that mean);
    - ``"mean"``: the dataset mean colour, i.e. ``Classifier.from_unit(mean)``, which is 0 in
      input space (a bare ``nn.Module`` is assumed to take normalised inputs: 0 as well);
    - ``"black"``, ``"grey"``/``"gray"``, ``"white"``: RGB 0, 0.5 or 1 pushed through the
      Classifier's normalisation (e.g. black is ``-mean/std`` per channel; needs a Classifier);
    - ``"blur"``: a Gaussian-blurred copy of the image (``blur_sigma`` pixels);
    - a tensor broadcastable to ``x``: any baseline image you like.
    """
    if isinstance(fill, torch.Tensor):
        return fill.to(x.device, x.dtype)
    if isinstance(fill, str):
        key = fill.lower()
        if key == "blur":
            return gaussian_blur(x, blur_sigma)
        if key == "mean":
            return torch.zeros(1, x.shape[1], 1, 1, device=x.device, dtype=x.dtype)
        if key in NAMED_FILLS:
            if classifier is None:
                raise TypeError(f"{name}={fill!r} needs a Classifier to know the normalisation; with a bare nn.Module pass a number in the model's input space")
            unit = torch.full((1, x.shape[1], 1, 1), NAMED_FILLS[key], device=x.device)
            return classifier.from_unit(unit).to(x.dtype)
        raise ValueError(f"unknown {name} {fill!r}: use a number, 'mean', 'blur', {', '.join(repr(k) for k in NAMED_FILLS)} or a tensor")
    if isinstance(fill, (int, float)) and not isinstance(fill, bool):
        return torch.full((1, 1, 1, 1), float(fill), device=x.device, dtype=x.dtype)
    try:
        values = torch.as_tensor(list(fill), device=x.device, dtype=x.dtype)
    except (TypeError, ValueError, RuntimeError):
        raise TypeError(f"{name} must be a number, one number per channel, a name or a tensor, got {fill!r}") from None
    if values.numel() != x.shape[1]:
        raise ValueError(f"{name}: a per-channel fill needs {x.shape[1]} values, got {values.numel()}")
    return values.view(1, -1, 1, 1)


__all__ = ["Fill", "NAMED_FILLS", "READERS", "fill_image", "looks_like_probabilities", "masked_scores", "perturbed_scores", "pick_reader", "read_scores"]
