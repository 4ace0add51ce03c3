"""DeepLIFT and DeepLIFT-SHAP: attributions that add up to ``f(x) - f(x')``.

DeepLIFT (Shrikumar, Greenside & Kundaje 2017, *Learning Important Features Through
Propagating Activation Differences*, ICML) compares the input with a reference ``x'`` and
back-propagates multipliers: ordinary gradients through linear layers, the ratio of output
to input differences through every nonlinearity (the Rescale rule,
:mod:`cnnviz_lab.core.deeplift_rules`). The attribution ``(x - x') * m`` sums to
``f(x) - f(x')`` exactly (summation-to-delta), like Integrated Gradients' completeness but
along no path. DeepLIFT-SHAP (Lundberg & Lee 2017, *A Unified Approach to Interpreting
Model Predictions*, NeurIPS) averages DeepLIFT over a set of references, approximating
SHAP values; its attributions sum to ``f(x)`` minus the mean of ``f`` over the references.

The rules reach every activation however the model calls it (``F.relu``, in-place and
reused ReLUs, ReLU6, SiLU...), through the package's one rule engine.
"""

from __future__ import annotations

from typing import Any, Mapping

import torch
from torch import nn

from ..core import defaults
from ..models.classifier import Classifier
from ..core.composites import Composite
from ..core.deeplift_rules import MaxPoolRescale, Rescale
from ..core.engine import ACTIVATION_TYPES
from ..core.rules import suspended
from ..core.gate import _is_callable_target
from ..core.state import autograd_on, frozen
from ..core.blur import gaussian_blur
from ..core.outputs import ScoreTarget
from ..core.scoring import Objective, class_logits, require_graph, resolve_objective
from .common import Target, enter, finish, to_caller
from .gradients import _baseline, clean_targets
from .output_seed import differentiable_outputs, objective_gradients, seeded_vjp

ModelLike = nn.Module | Classifier


def deeplift_composite(eps: float = 1e-10) -> Composite:
    """DeepLIFT's rules: Rescale on every activation, its max-pooling rule on ``nn.MaxPool2d``."""
    return Composite([(ACTIVATION_TYPES, Rescale(eps)), (nn.MaxPool2d, MaxPoolRescale(eps))])


def paired_objective(target: Target | Objective, output: Any, clf: Classifier | None, n: int) -> Objective:
    """The objective of the first ``n`` images of a paired forward pass (images, then their
    references): class targets read from the class output of the images' half, a callable
    run on the whole output with each reference scored as its image (``select``)."""
    if isinstance(target, Objective):
        return resolve_objective(target, None, clf, n=n)
    if _is_callable_target(target):
        rows = torch.arange(n).repeat(2)
        both = resolve_objective(target.select(rows) if isinstance(target, ScoreTarget) else target, output, clf)
        return Objective(n, both.k, both.squeeze, fn=target)
    return resolve_objective(target, class_logits(output)[:n], clf)


def paired_multipliers(
    module: nn.Module, clf: Classifier | None, x: torch.Tensor, reference: torch.Tensor, target: Target | Objective
) -> tuple[torch.Tensor, Objective]:
    """DeepLIFT's multipliers of ``x`` against ``reference`` (same shape): one forward pass
    on ``cat([x, reference])``, one batched backward from the output seeded with the
    objective's gradient at the images' outputs, the same seed in both halves
    (:mod:`.output_seed`). Returns ``((N,K,C,H,W) attributions, the objective)``."""
    n = x.shape[0]
    with frozen(module), autograd_on():
        both = torch.cat([x, reference]).requires_grad_(True)
        with deeplift_composite().context(module, both.detach().clone()):
            output = module(both.clone())
            if isinstance(output, (list, tuple)) and output and isinstance(output[0], Mapping):
                raise ValueError(_PER_IMAGE.format(what=f"a list of {len(output)} per-image results"))
            with suspended():  # the objective is not part of the network: no rule applies inside it
                objective = paired_objective(target, output, clf, n)
                scores = objective.select(torch.arange(n).repeat(2)).scores(output)[:n]
            require_graph(scores, output, objective)
            outputs, grads = objective_gradients(scores, differentiable_outputs(output))
            seeds = [_both_halves(f, g, n) for f, g in zip(outputs, grads)]
            grads = seeded_vjp(outputs, seeds, both)
    return (x - reference).unsqueeze(1) * grads[:n], objective


_PER_IMAGE = (
    "target: DeepLIFT runs each image with its reference in one batch and reads the target's "
    "gradient row by row, but the model returns {what} (a detector): use saliency, "
    "integrated_gradients, gradient_shap or a CAM method for this model"
)


def _both_halves(output: torch.Tensor, grad: torch.Tensor, n: int) -> torch.Tensor:
    """The images' seed ``grad[:, :n]`` copied to their references' rows ``n:`` (DeepLIFT's
    rules read both halves with the same multipliers)."""
    if output.dim() == 0 or output.shape[0] != 2 * n:
        if not bool(grad.any()):
            return grad
        raise ValueError(_PER_IMAGE.format(what=f"an output tensor of shape {tuple(output.shape)} whose first axis is not that batch of {2 * n}"))
    seed = grad.clone()
    seed[:, n:] = grad[:, :n]
    return seed


def deeplift(model: ModelLike, x: torch.Tensor, target: Target = None, *, baseline: torch.Tensor | float | str | None = None) -> torch.Tensor:
    """DeepLIFT with the Rescale rule (Shrikumar et al. 2017): ``(x - x') * m`` with
    multipliers ``m`` back-propagated as the module docstring says. Shape ``(N,[K],3,H,W)``;
    ``result.sum()`` per image and target equals ``z_c(x) - z_c(x')``.

    ``baseline`` x': as for :func:`~cnnviz_lab.integrated_gradients`, ``None`` (a black
    image in the model's input space for a Classifier, else zeros), ``"zero"``, a number
    or a tensor broadcastable to ``x``. K targets cost one forward pass (of the images and
    their references together) and one batched backward pass.

    A callable target ``g`` (:mod:`cnnviz_lab.targets`) enters at the model's output as the
    multipliers ``dg/df`` of each output tensor ``f`` at the image's output, read by autograd
    through ``g`` alone (:mod:`.output_seed`; one-hot for a class), and the attributions sum
    to ``<dg/df(f(x)), f(x) - f(x')>``. That is ``g(f(x)) - g(f(x'))`` exactly when ``g`` is
    linear in the output (a class logit, a segmentation logit summed over a fixed mask, the
    difference of two logits). For a nonlinear ``g`` (a probability, a sigmoid, a cosine
    similarity) it is the first-order estimate of that difference from the image's side:
    DeepLIFT's authors recommend explaining the linear output before a final softmax or
    sigmoid (Shrikumar et al. 2017, section 3.6), i.e. ``target=c`` rather than
    ``cv.targets.probability(c)``. A target that picks pixels from the output itself
    (``cv.targets.segmentation(c)`` without a mask) scores the reference with the image's
    pixels.
    """
    module, clf, xd = enter(model, x)
    base = _baseline(baseline, xd, clf)
    attribution, objective = paired_multipliers(module, clf, xd, base, target)
    return to_caller(finish(attribution, objective.squeeze), x)


def reference_set(baselines, x: torch.Tensor, clf: Classifier | None, name: str = "baselines") -> torch.Tensor:
    """``baselines`` as an ``(N,B,C,H,W)`` tensor on x's device: a ``(B,C,H,W)`` tensor (the
    same references for every image), an ``(N,B,C,H,W)`` tensor (each image its own), or
    ``None``: two references per image, black (as :func:`deeplift`'s default) and the image
    blurred (Gaussian, sigma = 1/16 of its width)."""
    n = x.shape[0]
    if baselines is None:
        black = _baseline(None, x, clf)
        blurred = gaussian_blur(x, max(1.0, x.shape[-1] / 16))
        return torch.stack([black, blurred], dim=1)
    if not isinstance(baselines, torch.Tensor):
        raise TypeError(f"{name} must be a (B,C,H,W) tensor of references (or (N,B,C,H,W), one set per image), got {type(baselines).__name__}")
    b = baselines.detach()
    if not b.is_floating_point():
        raise TypeError(f"{name} must be a floating-point tensor like x, got dtype {b.dtype}")
    if b.dim() == 3:
        b = b.unsqueeze(0)
    if b.dim() == 4:
        b = b.unsqueeze(0).expand(n, *b.shape)
    if b.dim() != 5 or b.shape[0] != n or b.shape[1] == 0 or tuple(b.shape[2:]) != tuple(x.shape[1:]):
        raise ValueError(f"{name} must have shape (B,{', '.join(map(str, x.shape[1:]))}) or (N={n},B,...) like x, got {tuple(baselines.shape)}")
    b = b.to(x.device, x.dtype)
    if not bool(torch.isfinite(b).all()):
        raise ValueError(f"{name} contains NaN or infinite values")
    return b


def shap_setup(model: ModelLike, x: torch.Tensor, target: Target, baselines) -> tuple[nn.Module, Classifier | None, torch.Tensor, torch.Tensor, Objective]:
    """The opening every SHAP-style method shares: ``x`` through the gate, its reference set
    (:func:`reference_set`) and the target read once from the clean images (a class, or a
    callable): ``(module, classifier or None, x, references (N,B,3,H,W), objective)``."""
    module, clf, xd = enter(model, x)
    refs = reference_set(baselines, xd, clf)
    with frozen(module):
        objective = clean_targets(module, clf, xd, target)
    return module, clf, xd, refs, objective


def deeplift_shap(
    model: ModelLike,
    x: torch.Tensor,
    target: Target = None,
    *,
    baselines: torch.Tensor | None = None,
    batch_size: int | None = None,
    progress: bool | None = None,
) -> torch.Tensor:
    """DeepLIFT-SHAP (Lundberg & Lee 2017): DeepLIFT averaged over references,
    ``(1/B) sum_b deeplift(x, x'_b)``, which sums to ``z_c(x) - mean_b z_c(x'_b)``. Shape
    ``(N,[K],3,H,W)``. A callable target enters as for :func:`deeplift` (exact sums for a
    target linear in the output).

    ``baselines``: a ``(B,3,H,W)`` tensor of references shared by all images, or
    ``(N,B,3,H,W)``, or ``None`` (black and the blurred image, see :func:`reference_set`).
    Image-reference pairs go through the model ``batch_size`` at a time (``None``: the
    measured default), each pair one DeepLIFT pass as Captum's ``DeepLiftShap`` does.
    """
    module, clf, xd, refs, objective = shap_setup(model, x, target, baselines)
    n, count = xd.shape[0], refs.shape[1]
    step = defaults.batch_size(batch_size, module, xd, backward=True)
    acc = torch.zeros((n, objective.k) + tuple(xd.shape[1:]), device=xd.device, dtype=xd.dtype)
    for idx in defaults.chunks(n * count, max(1, step // 2), device=xd.device, progress=progress, desc="DeepLIFT-SHAP"):
        img, ref = idx // count, idx % count
        part, _ = paired_multipliers(module, clf, xd[img], refs[img, ref], objective.select(img))
        acc.index_add_(0, img, part)
    return to_caller(finish(acc / count, objective.squeeze), x)


__all__ = ["deeplift", "deeplift_composite", "deeplift_shap", "paired_multipliers", "paired_objective", "reference_set", "shap_setup"]
