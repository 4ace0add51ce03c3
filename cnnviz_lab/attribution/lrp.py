"""Layer-wise Relevance Propagation: the explained logit handed back layer by layer.

LRP (Bach et al. 2015, *On Pixel-Wise Explanations for Non-Linear Classifier Decisions by
Layer-Wise Relevance Propagation*, PLoS ONE; Montavon et al. 2019, *Layer-Wise Relevance
Propagation: An Overview*) starts from the target's logit ``z_c`` and redistributes it to
each layer's inputs by a rule, so the relevance of the pixels adds up to what reached them
(conservation): ``sum_i R_i = z_c`` minus what the biases (and the epsilon stabiliser)
absorb. Gradients have no such property: ``sum_i d z_c / d x_i`` is not ``z_c``.

The rules are objects (:mod:`cnnviz_lab.core.lrp_rules`), the composites that assign them
zennit's (:mod:`cnnviz_lab.core.composites`), applied by the package's one rule engine, so
reused, in-place and functional ReLUs, residual sums and BatchNorm are all handled.
"""

from __future__ import annotations

import torch
from torch import nn

from ..core import checks
from ..models.classifier import Classifier
from ..core.composites import COMPOSITES, Composite
from ..core.rules import suspended
from ..core.state import autograd_on, frozen
from ..core.scoring import require_graph, resolve_objective
from .common import Target, enter, finish, to_caller
from .output_seed import differentiable_outputs, objective_gradients, seeded_vjp

ModelLike = nn.Module | Classifier


def _bound(value, name: str, x: torch.Tensor) -> torch.Tensor:
    if isinstance(value, bool) or not isinstance(value, (int, float, torch.Tensor)):
        raise TypeError(f"{name} must be a number or a tensor broadcastable to x (e.g. (1,3,1,1) per channel), got {value!r:.60}")
    t = torch.as_tensor(value, dtype=x.dtype, device=x.device)
    if not bool(torch.isfinite(t).all()):
        raise ValueError(f"{name} contains NaN or infinite values")
    try:
        torch.broadcast_shapes(t.shape, x.shape)
    except RuntimeError:
        raise ValueError(f"{name} of shape {tuple(t.shape)} does not broadcast to x {tuple(x.shape)}") from None
    return t


def pixel_bounds(clf: Classifier | None, x: torch.Tensor, low=None, high=None) -> tuple[torch.Tensor, torch.Tensor]:
    """The z-box rule's pixel bounds: ``low``/``high`` when given; else, for a Classifier,
    black and white in its input space (``from_unit(0)``, ``from_unit(1)``, per channel); for
    a bare module the batch's smallest and largest value per channel."""
    if low is None:
        low = clf.from_unit(torch.zeros(1, x.shape[1], 1, 1, device=x.device)).to(x.dtype) if clf is not None else x.amin(dim=(0, 2, 3), keepdim=True)
    if high is None:
        high = clf.from_unit(torch.ones(1, x.shape[1], 1, 1, device=x.device)).to(x.dtype) if clf is not None else x.amax(dim=(0, 2, 3), keepdim=True)
    return _bound(low, "low", x), _bound(high, "high", x)


def make_composite(composite: str | Composite, clf: Classifier | None, x: torch.Tensor, *, epsilon: float, gamma: float, low=None, high=None) -> Composite:
    """``composite`` as a :class:`Composite` (a name of :data:`COMPOSITES` built with these
    parameters, or a composite object as it is)."""
    if isinstance(composite, Composite):
        if low is not None or high is not None:
            raise ValueError("low= and high= belong to composite='epsilon_gamma_box'; a composite object carries its own rules")
        return composite
    if not isinstance(composite, str):
        raise TypeError(f"composite must be one of {', '.join(repr(c) for c in COMPOSITES)} or a cnnviz_lab.core.Composite, got {composite!r:.60}")
    checks.choice(composite, "composite", list(COMPOSITES))
    epsilon = checks.real(epsilon, "epsilon", minimum=0.0)
    gamma = checks.real(gamma, "gamma", minimum=0.0)
    if composite == "epsilon_gamma_box":
        lo, hi = pixel_bounds(clf, x, low, high)
        return COMPOSITES[composite](lo, hi, epsilon=epsilon, gamma=gamma)
    if low is not None or high is not None:
        raise ValueError(f"low= and high= are the pixel bounds of composite='epsilon_gamma_box', not of {composite!r}")
    return COMPOSITES[composite](epsilon=epsilon)


def lrp(
    model: ModelLike,
    x: torch.Tensor,
    target: Target = None,
    *,
    composite: str | Composite = "epsilon_plus_flat",
    epsilon: float = 1e-6,
    gamma: float = 0.25,
    low: torch.Tensor | float | None = None,
    high: torch.Tensor | float | None = None,
) -> torch.Tensor:
    """Layer-wise Relevance Propagation (Bach et al. 2015; Montavon et al. 2019) of the
    target's score (a class's logit, or a callable's value): relevance per pixel and colour
    channel, shape ``(N,[K],3,H,W)``.

    ``composite`` says which rule each layer uses: ``"epsilon_plus_flat"`` (default: flat
    rule on the first layer, z+ on convolutions, epsilon on linear layers; the best practice
    of Kohlbrenner et al. 2020), ``"epsilon_plus"``, ``"epsilon_alpha2_beta1"``,
    ``"epsilon_gamma_box"`` (z-box on the first convolution with pixel bounds ``low`` and
    ``high``: by default black and white of a Classifier's normalisation, or the batch's
    per-channel range for a bare module; gamma elsewhere), or a
    :class:`cnnviz_lab.core.Composite` of your own rules. ``epsilon`` and ``gamma`` are the
    parameters of the named composites. BatchNorm is folded into the layer before it for
    the pass and restored exactly.

    The explained quantity is the target's score: for a class, its logit ``z_c`` (zennit's
    one-hot times output); ``result.sum()`` is ``z_c`` less the relevance the biases and the
    stabiliser absorb (exactly ``z_c`` for LRP-0 on a network without biases). K targets
    cost one forward pass and one batched backward pass.

    A callable target ``g`` (:mod:`cnnviz_lab.targets`: a segmentation class over a mask, a
    detector's box score, an embedding's similarity...) enters at the model's output as the
    relevance ``f * dg/df`` on each output tensor ``f`` (:mod:`.output_seed`), ``dg/df`` read
    by autograd through ``g`` alone: no extra forward pass. For a class index this is the
    one-hot seed above. For ``g`` linear in the output (a summed segmentation logit, a
    difference of logits) the seed sums to ``g(f)`` (Euler), so relevance is conserved as
    for a class. For a nonlinear ``g`` it is ``g``'s first-order (gradient x input) share at
    the output: for a probability ``p_c = softmax(z)_c`` the seed is ``p_c (delta_cj - p_j) z_j``,
    summing to ``p_c (z_c - sum_j p_j z_j)``, not to ``p_c``. Relevance methods explain the
    output before the final softmax or sigmoid for that reason (Montavon et al. 2019; Shrikumar
    et al. 2017, section 3.6, "choice of target layer"): prefer ``target=c`` to
    ``cv.targets.probability(c)``.
    """
    module, clf, xd = enter(model, x)
    comp = make_composite(composite, clf, xd, epsilon=epsilon, gamma=gamma, low=low, high=high)
    with frozen(module), autograd_on():
        xg = xd.requires_grad_(True)
        with comp.context(module, xd.detach().clone()):
            output = module(xg.clone())
            with suspended():  # the objective is not part of the network: no rule applies inside it
                objective = resolve_objective(target, output, clf, n=xd.shape[0])
                scores = objective.scores(output)
            require_graph(scores, output, objective)
            outputs, grads = objective_gradients(scores, differentiable_outputs(output))
            seeds = [f.detach() * g for f, g in zip(outputs, grads)]
            relevance = seeded_vjp(outputs, seeds, xg)
    return to_caller(finish(relevance, objective.squeeze), x)


__all__ = ["lrp", "make_composite", "pixel_bounds"]
