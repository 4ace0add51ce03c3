"""How a target enters a rules-based method at the model's output.

LRP and DeepLIFT do not differentiate the target: they hand a quantity back through the
network layer by layer, starting at the model's output. For a class target that quantity is
one-hot: the logit ``z_c`` (LRP) or the multiplier 1 (DeepLIFT) at the explained class. For
any target ``g`` (a class, or a callable on the raw output: :mod:`cnnviz_lab.targets`) the
package starts from the objective's gradient at the output, read by plain autograd through
``g`` alone (never through the model):

- LRP: relevance ``f * dg/df`` on every output tensor ``f`` (Montavon et al. 2019,
  *Layer-Wise Relevance Propagation: An Overview*: relevance starts as the explained
  output; here its first-order (gradient x input) share of ``g``);
- DeepLIFT: multipliers ``dg/df`` (Shrikumar et al. 2017, ICML: the chain rule for
  multipliers, ``g`` treated as linear at the output).

For a class target these are exactly the one-hot seeds. They are exact whenever ``g`` is
linear in the output (a class logit, a difference of logits, a segmentation logit summed
over a fixed mask): by Euler's theorem ``sum(f * dg/df) = g(f)`` for ``g`` linear (more
generally positively homogeneous of degree one), and ``sum(dg/df * (f - f')) = g(f) - g(f')``
for ``g`` linear. For a nonlinear ``g`` (a probability, a sigmoid, a cosine similarity) they
are its linearisation at the image's output, see :func:`cnnviz_lab.lrp` and
:func:`cnnviz_lab.deeplift`.
"""

from __future__ import annotations

import warnings
from typing import Any

import torch

from ..core.autograd import BatchedBackwardWarning
from ..core.outputs import tensors_of

__all__ = ["differentiable_outputs", "objective_gradients", "seeded_vjp"]


def differentiable_outputs(output: Any) -> list[torch.Tensor]:
    """The floating-point tensors of a raw model output that are part of the autograd graph."""
    return [t for t in tensors_of(output) if t.is_floating_point() and t.requires_grad]


def _grads(
    outputs: list[torch.Tensor], inputs: list[torch.Tensor], seeds: list[torch.Tensor], k: int, allow_unused: bool, keep: bool
) -> list[torch.Tensor | None]:
    """``d <outputs, seeds[k]> / d inputs`` for each of the ``k`` seeds (leading axis), one batched
    backward where vmap can run through the graph, else one backward per seed (same result).
    ``keep``: the graph is used again afterwards (else the last backward frees its buffers)."""
    if k == 1:
        got = torch.autograd.grad(outputs, inputs, grad_outputs=[s[0] for s in seeds], retain_graph=keep, allow_unused=allow_unused)
        return [None if g is None else g.unsqueeze(0) for g in got]
    try:
        return list(torch.autograd.grad(outputs, inputs, grad_outputs=seeds, is_grads_batched=True, retain_graph=True, allow_unused=allow_unused))
    except (RuntimeError, NotImplementedError) as err:
        warnings.warn(
            f"the batched backward pass failed ({str(err).splitlines()[0][:160]}); computing the {k} passes one by one instead",
            BatchedBackwardWarning,
            stacklevel=3,
        )
    parts = [
        torch.autograd.grad(outputs, inputs, grad_outputs=[s[j] for s in seeds], retain_graph=keep or j < k - 1, allow_unused=allow_unused) for j in range(k)
    ]
    return [None if parts[0][i] is None else torch.stack([p[i] for p in parts]) for i in range(len(inputs))]


def objective_gradients(scores: torch.Tensor, outputs: list[torch.Tensor]) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
    """``d scores[:, k] / d f`` for every output tensor ``f`` the ``(B,K)`` scores depend on:
    ``(tensors, gradients (K, *f.shape))``, through the objective only (the backward stops at
    the output). Rows are summed, so row ``b`` of each gradient is image ``b``'s (a target
    scores each image from its own output)."""
    k = scores.shape[1]
    onehot = torch.eye(k, device=scores.device, dtype=scores.dtype)[:, None, :].expand(k, *scores.shape)
    got = _grads([scores], outputs, [onehot.contiguous()], k, allow_unused=True, keep=True)
    used = [(t, g) for t, g in zip(outputs, got) if g is not None]
    return [t for t, _ in used], [g for _, g in used]


def seeded_vjp(outputs: list[torch.Tensor], seeds: list[torch.Tensor], inputs: torch.Tensor) -> torch.Tensor:
    """The backward pass of the output tensors with the given seeds (``(K, *f.shape)`` each):
    ``(N,K,...)``, seed ``k`` of every tensor together giving column ``k``."""
    (g,) = _grads(outputs, [inputs], seeds, seeds[0].shape[0], allow_unused=False, keep=False)
    return g.transpose(0, 1)
