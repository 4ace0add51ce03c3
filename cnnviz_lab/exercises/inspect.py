"""Exercises of notebook 00 (filters, feature maps, predictions)."""

from __future__ import annotations

from typing import Callable

import torch

from ..layers import activations
from ..classifier import Classifier
from .common import attempt, close, report


def check_top_k(fn: Callable[[torch.Tensor, int], tuple[torch.Tensor, torch.Tensor]]) -> bool:
    """``fn(logits, k)`` must return ``(probabilities, indices)`` of the k most probable
    classes of each row of ``logits`` (softmax, then the k largest, in decreasing order)."""
    gen = torch.Generator().manual_seed(0)
    logits = torch.randn(3, 1000, generator=gen) * 4
    ok, got = attempt(fn, logits, 5, name="top_k")
    if not ok:
        return report(False, "top_k", got)
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        return report(False, "top_k", "return a pair (probabilities, indices)")
    ref = logits.softmax(dim=1).topk(5, dim=1)
    ok_p, why_p = close(got[0], ref.values)
    ok_i, why_i = close(got[1], ref.indices, atol=0)
    if not ok_p:
        return report(False, "top_k", "probabilities: " + why_p + " (did you apply softmax?)")
    if not ok_i:
        return report(False, "top_k", "indices: " + why_i)
    return report(True, "top_k", "softmax then topk, exactly as Classifier.predict does")


def check_most_active_channels(fn: Callable, classifier: Classifier, x: torch.Tensor,
                               layer: str, k: int = 5) -> bool:
    """``fn(classifier, x, layer, k)`` must return the indices of the k channels of ``layer``
    with the largest mean activation over the image (largest first)."""
    ok, got = attempt(fn, classifier, x, layer, k, name="most_active_channels")
    if not ok:
        return report(False, "most_active_channels", got)
    ref = activations(classifier, x, layer)[0].mean(dim=(1, 2)).topk(k).indices
    same, why = close(torch.as_tensor(got).flatten(), ref, atol=0)
    return report(same, "most_active_channels", why if not same else
                  f"channels {ref.tolist()} of {layer} respond most to this image")
