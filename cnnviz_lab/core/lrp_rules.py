"""The rules of Layer-wise Relevance Propagation, one small class each.

LRP (Bach et al. 2015, *On Pixel-Wise Explanations for Non-Linear Classifier Decisions by
Layer-Wise Relevance Propagation*, PLoS ONE) sends the explained output back layer by
layer, each layer handing its inputs shares of the relevance ``R_k`` of its outputs. For a
linear layer ``z_k = sum_j x_j w_jk + b_k`` the rules differ in how ``x_j w_jk`` is shared
(Montavon et al. 2019, *Layer-Wise Relevance Propagation: An Overview*, in *Explainable AI*,
LNCS 11700), all of the form ``R_j = x'_j sum_k w'_jk R_k / z'_k``, computed as in zennit:
the layer is recomputed with modified inputs ``x'`` and parameters ``w'``, and ``R_j`` is
``x'_j`` times the gradient of ``z'`` at ``x'`` with ``R / stabilize(z')`` sent back.

- :class:`Epsilon`: ``R_j = sum_k x_j w_jk R_k / (z_k + eps sign z_k)`` (``eps -> 0``: LRP-0);
  the bias and ``eps`` absorb ``R_k (b_k + eps sign z_k) / (z_k + eps sign z_k)``.
- :class:`ZPlus`: positive contributions only, ``x+ w+`` and ``x- w-`` (Montavon et al.
  2017, *Explaining Nonlinear Classification Decisions with Deep Taylor Decomposition*,
  Pattern Recognition 65); :class:`AlphaBeta` weighs positive and negative contributions by
  ``alpha`` and ``beta`` (``alpha - beta = 1``; ``ZPlus`` is ``alpha=1, beta=0``).
- :class:`Gamma`: positive weights favoured by ``gamma`` (Montavon et al. 2019), zennit's
  form that also handles negative inputs.
- :class:`Flat`, :class:`WSquare`: inputs and weights replaced by ones / squared weights,
  for first layers (Lapuschkin et al. 2019, *Unmasking Clever Hans Predictors*, Nature Comm.).
- :class:`ZBox`: the input layer's rule for pixels bounded by ``low`` and ``high``
  (Montavon et al. 2017).
- :class:`Norm`: relevance split in proportion to each input's share of the output, for
  layers without weights (average pooling, residual sums).

Numbers as zennit's (Anders et al. 2021): same stabiliser (``z + eps sign z``, zeros
counted positive), same terms; where the inputs have no negative part the negative terms
are left out (they are zero), which only saves time.
"""

from __future__ import annotations

from typing import Callable

import torch

from .rules import Call, Grads, Rule, stabilize

Modifier = Callable[[torch.Tensor], torch.Tensor]


def _pos(t: torch.Tensor) -> torch.Tensor:
    return t.clamp(min=0)


def _neg(t: torch.Tensor) -> torch.Tensor:
    return t.clamp(max=0)


def _params(call: Call, weight: Modifier | None, bias: Modifier | None) -> dict[str, torch.Tensor | None]:
    """The module's weight and bias through the modifiers (``None``: left as they are)."""
    module = call.module
    if module is None or getattr(module, "weight", None) is None:
        return {}
    out: dict[str, torch.Tensor | None] = {"weight": weight(module.weight) if weight else module.weight}
    if getattr(module, "bias", None) is not None:
        out["bias"] = bias(module.bias) if bias else module.bias
    return out


class _Term:
    """One recomputation ``z' = layer(x'; w')`` whose input gradient the rule reads."""

    def __init__(self, call: Call, x: torch.Tensor, weight: Modifier | None, bias: Modifier | None) -> None:
        self.x = x
        self.leaf = x.detach().requires_grad_(True)
        self.z = call.forward(self.leaf, **_params(call, weight, bias))

    def relevance(self, signal: torch.Tensor) -> torch.Tensor:
        """``x' * d z'/d x'^T signal``."""
        (g,) = torch.autograd.grad(self.z, self.leaf, signal, retain_graph=True)
        return self.x * g

    def gradient(self, signal: torch.Tensor) -> torch.Tensor:
        (g,) = torch.autograd.grad(self.z, self.leaf, signal, retain_graph=True)
        return g


def _keep(scale: float, base: Modifier) -> Modifier:
    """``w + scale * base(w)`` (zennit's ``GammaMod``)."""
    return lambda w: w + scale * base(w)


class Epsilon(Rule):
    """LRP-epsilon (Bach et al. 2015): ``R_j = x_j sum_k w_jk R_k / (z_k + eps sign z_k)``.
    ``epsilon`` close to 0 is LRP-0; a larger one absorbs weak, contradictory relevance.
    ``zero_bias=True`` leaves the bias out of ``z``."""

    def __init__(self, epsilon: float = 1e-6, zero_bias: bool = False) -> None:
        self.epsilon = epsilon
        self.zero_bias = zero_bias

    def backward(self, call: Call, grad: torch.Tensor) -> Grads:
        with torch.enable_grad():
            term = _Term(call, call.input, None, (lambda b: torch.zeros_like(b)) if self.zero_bias else None)
            return term.relevance(grad / stabilize(term.z, self.epsilon))


class Norm(Rule):
    """Relevance split in proportion to each input's part of the output,
    ``R_j = x_j d z/d x_j R / z``, for layers without weights: average pooling (each input's
    share of the mean) and residual sums (``a`` gets ``a / (a + b)`` of ``R``)."""

    def __init__(self, stabilizer: float = 1e-6) -> None:
        self.stabilizer = stabilizer

    def backward(self, call: Call, grad: torch.Tensor) -> Grads:
        with torch.enable_grad():
            leaves = tuple(t.detach().requires_grad_(True) for t in call.inputs)
            z = call.forward(*leaves)
            grads = torch.autograd.grad(z, leaves, grad / stabilize(z, self.stabilizer))
        out = tuple(x * g for x, g in zip(call.inputs, grads))
        return out[0] if len(out) == 1 else out


class AlphaBeta(Rule):
    """LRP-alpha-beta (Bach et al. 2015): positive contributions ``(x w)+`` get ``alpha`` times
    their share of the positive total, negative ones ``beta`` times theirs, subtracted;
    ``alpha - beta = 1`` keeps the sum. Biases count with the sign they have (the bias as one
    more input, Montavon et al. 2019); ``zero_bias=True`` leaves them out of both totals, as
    deep Taylor decomposition's z+ does (Montavon et al. 2017), so a layer keeps nothing."""

    def __init__(self, alpha: float = 2.0, beta: float = 1.0, stabilizer: float = 1e-6, zero_bias: bool = False) -> None:
        if alpha < 0 or beta < 0 or abs(alpha - beta - 1) > 1e-12:
            raise ValueError(f"alpha and beta must be non-negative with alpha - beta = 1, got alpha={alpha}, beta={beta}")
        if not isinstance(zero_bias, bool):
            raise TypeError(f"zero_bias must be True or False, got {zero_bias!r}")
        self.alpha, self.beta, self.stabilizer, self.zero_bias = alpha, beta, stabilizer, zero_bias

    def _shares(self, call: Call, grad: torch.Tensor, w_pos: Modifier, w_neg: Modifier, b_pos: Modifier) -> torch.Tensor:
        """``x+ w_pos`` and ``x- w_neg`` (bias ``b_pos``) over their total."""
        x = call.input
        terms = [_Term(call, _pos(x), w_pos, b_pos)]
        if bool((x < 0).any()):
            terms.append(_Term(call, _neg(x), w_neg, lambda b: torch.zeros_like(b)))
        signal = grad / stabilize(sum(t.z for t in terms), self.stabilizer)
        return sum(t.relevance(signal) for t in terms)

    def backward(self, call: Call, grad: torch.Tensor) -> Grads:
        with torch.enable_grad():
            no_bias = (lambda b: torch.zeros_like(b)) if self.zero_bias else None
            positive = self._shares(call, grad, _pos, _neg, no_bias or _pos)
            if self.beta == 0:
                return self.alpha * positive if self.alpha != 1 else positive
            negative = self._shares(call, grad, _neg, _pos, no_bias or _neg)
        return self.alpha * positive - self.beta * negative


class ZPlus(AlphaBeta):
    """The z+ rule (Montavon et al. 2017): alpha-beta with ``alpha=1, beta=0``, relevance
    shared by positive contributions ``x+ w+`` and ``x- w-`` only; ``zero_bias=True`` leaves
    the positive bias out of the denominator (deep Taylor decomposition's form)."""

    def __init__(self, stabilizer: float = 1e-6, zero_bias: bool = False) -> None:
        super().__init__(1.0, 0.0, stabilizer, zero_bias)

    def __repr__(self) -> str:
        return f"ZPlus(stabilizer={self.stabilizer!r}, zero_bias={self.zero_bias!r})"


class Gamma(Rule):
    """LRP-gamma (Montavon et al. 2019): positive weights raised by ``gamma`` times their
    value, ``w + gamma w+`` (the generalised form of zennit, for inputs of both signs: where
    ``z > 0`` positive contributions share the relevance, where ``z < 0`` negative ones)."""

    def __init__(self, gamma: float = 0.25, stabilizer: float = 1e-6) -> None:
        self.gamma, self.stabilizer = gamma, stabilizer

    def backward(self, call: Call, grad: torch.Tensor) -> Grads:
        g, x = self.gamma, call.input
        zero = lambda b: torch.zeros_like(b)
        negatives = bool((x < 0).any())
        with torch.enable_grad():
            out = call.forward(x)
            result = 0
            for mask, (wa, ba), (wb, bb) in (
                (out > 0, (_keep(g, _pos), _keep(g, _pos)), (_keep(g, _neg), zero)),
                (out < 0, (_keep(g, _neg), _keep(g, _neg)), (_keep(g, _pos), zero)),
            ):
                terms = [_Term(call, _pos(x), wa, ba)]
                if negatives:
                    terms.append(_Term(call, _neg(x), wb, bb))
                signal = mask.to(grad.dtype) * grad / stabilize(sum(t.z for t in terms), self.stabilizer)
                result = result + sum(t.relevance(signal) for t in terms)
        return result


class Flat(Rule):
    """The flat rule (Lapuschkin et al. 2019): relevance spread over every input the unit
    sees, equally (inputs and weights taken as ones, no bias)."""

    def __init__(self, stabilizer: float = 1e-6) -> None:
        self.stabilizer = stabilizer

    def backward(self, call: Call, grad: torch.Tensor) -> Grads:
        with torch.enable_grad():
            term = _Term(call, torch.ones_like(call.input), torch.ones_like, lambda b: torch.zeros_like(b))
            return term.gradient(grad / stabilize(term.z, self.stabilizer))


class WSquare(Rule):
    """The w-square rule (Montavon et al. 2017): relevance spread in proportion to squared
    weights, whatever the input."""

    def __init__(self, stabilizer: float = 1e-6) -> None:
        self.stabilizer = stabilizer

    def backward(self, call: Call, grad: torch.Tensor) -> Grads:
        with torch.enable_grad():
            term = _Term(call, torch.ones_like(call.input), lambda w: w * w, lambda b: b * b)
            return term.gradient(grad / stabilize(term.z, self.stabilizer))


class ZBox(Rule):
    """The z-box rule for the input layer (Montavon et al. 2017): pixels bounded by ``low``
    and ``high`` (tensors broadcastable to the input, e.g. ``(1,3,1,1)`` per channel, or
    numbers), ``R_j = sum_k (x_j w_jk - l_j w+_jk - h_j w-_jk) R_k / z^B_k``."""

    def __init__(self, low: torch.Tensor | float, high: torch.Tensor | float, stabilizer: float = 1e-6) -> None:
        self.low, self.high, self.stabilizer = low, high, stabilizer

    def backward(self, call: Call, grad: torch.Tensor) -> Grads:
        x = call.input
        low = torch.as_tensor(self.low, device=x.device, dtype=x.dtype).expand_as(x)
        high = torch.as_tensor(self.high, device=x.device, dtype=x.dtype).expand_as(x)
        with torch.enable_grad():
            terms = [_Term(call, x, None, None), _Term(call, low, _pos, _pos), _Term(call, high, _neg, _neg)]
            signal = grad / stabilize(terms[0].z - terms[1].z - terms[2].z, self.stabilizer)
            return terms[0].relevance(signal) - terms[1].relevance(signal) - terms[2].relevance(signal)


__all__ = ["AlphaBeta", "Epsilon", "Flat", "Gamma", "Norm", "WSquare", "ZBox", "ZPlus"]
