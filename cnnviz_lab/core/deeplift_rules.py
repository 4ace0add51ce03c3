"""DeepLIFT's rules: multipliers from differences to a reference.

DeepLIFT (Shrikumar, Greenside & Kundaje 2017, *Learning Important Features Through
Propagating Activation Differences*, ICML) explains ``f(x) - f(x')`` for a reference
input ``x'``. Linear layers pass their ordinary gradient; every nonlinearity replaces its
derivative by the ratio of differences (the Rescale rule)::

    m = (y - y') / (x - x')        where |x - x'| >= eps, else the ordinary gradient

so the contributions ``(x - x') * m`` of every layer sum to its output difference, and the
attributions at the input sum to ``f(x) - f(x')`` (summation-to-delta).

These rules read a **paired batch**: the forward pass runs on ``cat([x, x'])``, the first
half the inputs, the second their references (as Captum's ``DeepLift`` does), and both
halves receive the same multipliers. :func:`cnnviz_lab.deeplift` sets that up.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from .rules import Call, Grads, Rule


def _halves(t: torch.Tensor) -> torch.Tensor:
    """``t[:n] - t[n:]`` repeated for both halves (inputs and references)."""
    first, second = t.chunk(2)
    delta = first - second
    return torch.cat([delta, delta])


class Rescale(Rule):
    """The Rescale rule for an elementwise nonlinearity (ReLU, ReLU6, SiLU, sigmoid, tanh...):
    ``grad * (y - y') / (x - x')``, the ordinary gradient where ``|x - x'| < eps``."""

    def __init__(self, eps: float = 1e-10) -> None:
        self.eps = eps

    def backward(self, call: Call, grad: torch.Tensor) -> Grads:
        delta_in, delta_out = _halves(call.input), _halves(call.output)
        return torch.where(delta_in.abs() < self.eps, call.vjp(grad), grad * delta_out / delta_in)


class MaxPoolRescale(Rule):
    """DeepLIFT through a max-pooling module (Captum's rule): each window's output difference,
    ``max(y, y') - y'`` sent to the input's maximum and ``y - max(y, y')`` to the
    reference's, divided by the input difference there (the ordinary gradient where
    ``|x - x'| < eps``). Sums over overlapping windows are accumulated, so the
    contributions add up to the output difference also where windows overlap."""

    def __init__(self, eps: float = 1e-10) -> None:
        self.eps = eps

    def backward(self, call: Call, grad: torch.Tensor) -> Grads:
        m = call.module
        x, y = call.input, call.output
        if x.dim() != 4 or m is None:
            raise ValueError(f"MaxPoolRescale needs an nn.MaxPool2d on (N,C,H,W) inputs, got {call.name}")
        output, reference = y.chunk(2)
        top = torch.max(output, reference)
        delta_out = torch.cat([top - reference, output - top])
        _, idx = F.max_pool2d(x, m.kernel_size, m.stride, m.padding, m.dilation, m.ceil_mode, return_indices=True)
        spread = torch.zeros(grad.shape[:-2] + (x.shape[-2] * x.shape[-1],), dtype=grad.dtype, device=grad.device)
        spread = spread.scatter_add(-1, idx.flatten(-2).expand_as(grad.flatten(-2)), (grad * delta_out).flatten(-2)).view(grad.shape[:-2] + x.shape[-2:])
        first, second = spread.chunk(2, dim=-4)
        both = first + second
        both = torch.cat([both, both], dim=-4)
        delta_in = _halves(x)
        return torch.where(delta_in.abs() < self.eps, call.vjp(grad), both / delta_in)


__all__ = ["MaxPoolRescale", "Rescale"]
