"""One batched backward pass: K gradients of K scores (Captum and pytorch-grad-cam take K
backward passes; ``torch.autograd.grad(..., is_grads_batched=True)`` takes one)."""

from __future__ import annotations

import warnings

import torch


# --- one batched backward pass ------------------------------------------------------------
class BatchedBackwardWarning(RuntimeWarning):
    """The batched backward pass could not run through some operation of the model, so the K
    gradients were computed with K backward passes (same result, slower)."""


def batched_vjp(scores: torch.Tensor, inputs: torch.Tensor, batched: bool = True) -> torch.Tensor:
    """Gradients of each column of ``scores`` (N,K) with respect to ``inputs`` (N,...):
    ``(N,K,...)``, i.e. ``out[n, k] = d scores[n, k] / d inputs[n]``.

    Row n of ``scores`` must depend on row n of ``inputs`` only (true for a network in eval
    mode), so column k's gradient for all N images is one backward pass, and the K columns
    are one batched backward (``torch.autograd.grad(..., is_grads_batched=True)``, vmap over
    one-hot grad outputs). Where vmap cannot run through some operation of the graph it
    falls back to one backward pass per column, same result, and says so with a
    :class:`BatchedBackwardWarning`; ``batched=False`` takes that path on purpose.
    """
    n, k = scores.shape
    if k == 1:
        (g,) = torch.autograd.grad(scores.sum(), inputs)
        return g.unsqueeze(1)
    if batched:
        onehot = torch.eye(k, device=scores.device, dtype=scores.dtype)[:, None, :].expand(k, n, k)
        try:
            (g,) = torch.autograd.grad(scores, inputs, grad_outputs=onehot.contiguous(), is_grads_batched=True, retain_graph=True)
            return g.transpose(0, 1)
        except (RuntimeError, NotImplementedError) as err:
            warnings.warn(
                f"the batched backward pass failed ({str(err).splitlines()[0][:160]}); computing the {k} gradients with {k} backward passes instead",
                BatchedBackwardWarning,
                stacklevel=2,
            )
    grads = []
    for j in range(k):
        (g,) = torch.autograd.grad(scores[:, j].sum(), inputs, retain_graph=j < k - 1)
        grads.append(g)
    return torch.stack(grads, dim=1)


__all__ = ["BatchedBackwardWarning", "batched_vjp"]
