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

import torch
from torch import nn

from ..core import defaults
from ..models.classifier import Classifier
from ..core.composites import Composite
from ..core.deeplift_rules import MaxPoolRescale, Rescale
from ..core.engine import ACTIVATION_TYPES
from ..core.autograd import batched_vjp
from ..core.state import frozen
from ..core.blur import gaussian_blur
from .common import Target, class_logits, enter, finish, gather_scores, resolve_targets, to_caller
from .gradients import _baseline, class_targets, clean_targets

ModelLike = nn.Module | Classifier


def deeplift_composite(eps: float = 1e-10) -> Composite:
    """DeepLIFT's rules: Rescale on every activation, its max-pooling rule on ``nn.MaxPool2d``."""
    return Composite([(ACTIVATION_TYPES, Rescale(eps)), (nn.MaxPool2d, MaxPoolRescale(eps))])


def paired_multipliers(module: nn.Module, clf: Classifier | None, x: torch.Tensor, reference: torch.Tensor,
                       target: Target, targets: torch.Tensor | None = None
                       ) -> tuple[torch.Tensor, torch.Tensor, bool]:
    """DeepLIFT's multipliers of ``x`` against ``reference`` (same shape): one forward pass
    on ``cat([x, reference])``, one batched backward of the target's logit in both halves.
    Returns ``((N,K,C,H,W) attributions, (N,K) targets, squeeze flag)``."""
    n = x.shape[0]
    with frozen(module), torch.enable_grad():
        both = torch.cat([x, reference]).requires_grad_(True)
        with deeplift_composite().context(module, both.detach().clone()):
            logits = class_logits(module(both.clone()))
            if not isinstance(logits, torch.Tensor) or logits.dim() != 2:
                raise ValueError(f"model output: DeepLIFT explains a model returning (N, classes) logits, got "
                                 f"{type(logits).__name__}")
            if targets is None:
                targets, squeeze = resolve_targets(target, logits[:n].detach(), clf)
            else:
                squeeze = False
            scores = gather_scores(logits[:n], targets) + gather_scores(logits[n:], targets)
            grads = batched_vjp(scores, both)
    return (x - reference).unsqueeze(1) * grads[:n], targets, squeeze


def deeplift(model: ModelLike, x: torch.Tensor, target: Target = None, *,
             baseline: torch.Tensor | float | str | None = None) -> torch.Tensor:
    """DeepLIFT with the Rescale rule (Shrikumar et al. 2017): ``(x - x') * m`` with
    multipliers ``m`` back-propagated as the module docstring says. Shape ``(N,[K],3,H,W)``;
    ``result.sum()`` per image and target equals ``z_c(x) - z_c(x')``.

    ``baseline`` x': as for :func:`~cnnviz_lab.integrated_gradients`, ``None`` (a black
    image in the model's input space for a Classifier, else zeros), ``"zero"``, a number
    or a tensor broadcastable to ``x``. K targets cost one forward pass (of the images and
    their references together) and one batched backward pass.
    """
    module, clf, xd = enter(model, x)
    base = _baseline(baseline, xd, clf)
    attribution, _, squeeze = paired_multipliers(module, clf, xd, base, target)
    return to_caller(finish(attribution, squeeze), x)


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
        raise TypeError(f"{name} must be a (B,C,H,W) tensor of references (or (N,B,C,H,W), one set per image), "
                        f"got {type(baselines).__name__}")
    b = baselines.detach()
    if not b.is_floating_point():
        raise TypeError(f"{name} must be a floating-point tensor like x, got dtype {b.dtype}")
    if b.dim() == 3:
        b = b.unsqueeze(0)
    if b.dim() == 4:
        b = b.unsqueeze(0).expand(n, *b.shape)
    if b.dim() != 5 or b.shape[0] != n or b.shape[1] == 0 or tuple(b.shape[2:]) != tuple(x.shape[1:]):
        raise ValueError(f"{name} must have shape (B,{', '.join(map(str, x.shape[1:]))}) or (N={n},B,...) like x, "
                         f"got {tuple(baselines.shape)}")
    b = b.to(x.device, x.dtype)
    if not bool(torch.isfinite(b).all()):
        raise ValueError(f"{name} contains NaN or infinite values")
    return b


def shap_setup(model: ModelLike, x: torch.Tensor, target: Target, baselines, method: str
               ) -> tuple[nn.Module, Classifier | None, torch.Tensor, torch.Tensor, torch.Tensor, bool]:
    """The opening every SHAP-style method shares: ``x`` through the gate, its reference set
    (:func:`reference_set`) and the class targets read once from the clean images:
    ``(module, classifier or None, x, references (N,B,3,H,W), targets (N,K), squeeze flag)``."""
    module, clf, xd = enter(model, x)
    refs = reference_set(baselines, xd, clf)
    with frozen(module):
        targets, squeeze = class_targets(clean_targets(module, clf, xd, target), method)
    return module, clf, xd, refs, targets, squeeze


def deeplift_shap(model: ModelLike, x: torch.Tensor, target: Target = None, *,
                  baselines: torch.Tensor | None = None, batch_size: int | None = None,
                  progress: bool | None = None) -> torch.Tensor:
    """DeepLIFT-SHAP (Lundberg & Lee 2017): DeepLIFT averaged over references,
    ``(1/B) sum_b deeplift(x, x'_b)``, which sums to ``z_c(x) - mean_b z_c(x'_b)``. Shape
    ``(N,[K],3,H,W)``.

    ``baselines``: a ``(B,3,H,W)`` tensor of references shared by all images, or
    ``(N,B,3,H,W)``, or ``None`` (black and the blurred image, see :func:`reference_set`).
    Image-reference pairs go through the model ``batch_size`` at a time (``None``: the
    measured default), each pair one DeepLIFT pass as Captum's ``DeepLiftShap`` does.
    """
    module, clf, xd, refs, targets, squeeze = shap_setup(model, x, target, baselines, "DeepLIFT-SHAP")
    n, count = xd.shape[0], refs.shape[1]
    step = defaults.batch_size(batch_size, module, xd, backward=True)
    acc = torch.zeros((n, targets.shape[1]) + tuple(xd.shape[1:]), device=xd.device, dtype=xd.dtype)
    for idx in defaults.chunks(n * count, max(1, step // 2), device=xd.device, progress=progress,
                               desc="DeepLIFT-SHAP"):
        img, ref = idx // count, idx % count
        part, _, _ = paired_multipliers(module, clf, xd[img], refs[img, ref], None, targets[img])
        acc.index_add_(0, img, part)
    return to_caller(finish(acc / count, squeeze), x)


__all__ = ["deeplift", "deeplift_composite", "deeplift_shap", "paired_multipliers", "reference_set", "shap_setup"]
