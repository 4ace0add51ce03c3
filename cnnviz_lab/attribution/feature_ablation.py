"""Feature ablation: occlusion over a user's feature mask (Captum's ``feature_mask``).

Occlusion slides a square; feature ablation replaces each *feature* in turn, a feature
being every pixel (or every pixel of one channel) that carries the same integer label in a
mask the user gives: superpixels (:func:`cnnviz_lab.superpixels`), a segmentation, a grid,
or one label per channel. Each feature's attribution is how much replacing it with ``fill``
lowers the target's output, ``f(x) - f(x with feature j filled)``, given to all of its
pixels; Zeiler & Fergus 2014 (occlusion) with Captum's ``FeatureAblation`` as the peer.
"""

from __future__ import annotations

import torch
from torch import nn

from ..core import checks, defaults
from ..models.classifier import Classifier
from ..core.state import frozen_forward
from ..core.perturb import Fill, fill_image, perturbed_scores, pick_reader, READERS
from .common import Target, enter, finish, resolve_objective, to_caller

__all__ = ["feature_ablation", "feature_labels"]


def feature_labels(feature_mask: object, x: torch.Tensor) -> tuple[torch.Tensor, bool]:
    """The mask as ``(N, C', H, W)`` labels ``0..F_n-1`` per image (``C'`` is 1, or ``C`` for a
    mask per channel) and whether it is per channel. Accepted: ``(H,W)`` (every image),
    ``(N,H,W)`` (one per image), or ``(1|N, 1|C, H, W)`` (Captum's broadcastable form), of
    integers (a bool mask counts as labels 0 and 1)."""
    n, c, h, w = x.shape
    what = f"integer labels of shape (H,W), (N,H,W) or (1|N, 1|C, H, W) with H,W = {h},{w}, N = {n}, C = {c}"
    if not isinstance(feature_mask, torch.Tensor):
        try:
            feature_mask = torch.as_tensor(feature_mask)
        except (TypeError, ValueError, RuntimeError):
            raise TypeError(f"feature_mask must be {what}, got {type(feature_mask).__name__}") from None
    m = feature_mask.detach().to(x.device)
    if m.is_floating_point() or m.is_complex():
        raise TypeError(f"feature_mask must be {what}, got dtype {m.dtype}")
    if m.dim() == 2:
        m = m[None, None]
    elif m.dim() == 3:
        if m.shape[0] != n:
            raise ValueError(f"feature_mask must be {what}, got shape {tuple(feature_mask.shape)}")
        m = m[:, None]
    elif m.dim() != 4 or m.shape[0] not in (1, n) or m.shape[1] not in (1, c):
        raise ValueError(f"feature_mask must be {what}, got shape {tuple(feature_mask.shape)}")
    if tuple(m.shape[-2:]) != (h, w):
        raise ValueError(f"feature_mask must be {what}, got shape {tuple(feature_mask.shape)}")
    per_channel = m.shape[1] == c and c > 1
    m = m.long().expand(n, m.shape[1], h, w)
    labels = torch.stack([torch.unique(mi, return_inverse=True)[1] for mi in m])
    return labels, per_channel


def feature_ablation(
    model: nn.Module | Classifier,
    x: torch.Tensor,
    target: Target = None,
    *,
    feature_mask: object,
    fill: Fill = 0.0,
    output: str | None = None,
    batch_size: int | None = None,
    progress: bool | None = None,
) -> torch.Tensor:
    """Feature ablation (Captum's ``FeatureAblation``; occlusion, Zeiler & Fergus 2014, over
    arbitrary features): each feature ``j`` of ``feature_mask`` (see :func:`feature_labels`)
    is replaced by ``fill`` in turn and every one of its pixels gets
    ``f(x) - f(x_{-j})``, the drop of the target's output. ``fill`` and ``output`` as in
    :func:`~cnnviz_lab.occlusion` (``output=None`` follows the model; a callable target is
    its own score). One pass per feature and image, ``batch_size`` at a time (``None``: the
    measured default); all K targets from the same passes. Shape ``(N,[K],H,W)``, or
    ``(N,[K],C,H,W)`` for a mask with one label map per channel.
    """
    if output is not None:
        checks.choice(output, "output", READERS)
    module, clf, xin = enter(model, x)
    labels, per_channel = feature_labels(feature_mask, xin)
    n = xin.shape[0]
    counts = [int(lab.max()) + 1 for lab in labels]
    variants = max(counts)
    bs = defaults.batch_size(batch_size, module, xin)
    clean = frozen_forward(module, xin)
    objective = resolve_objective(target, clean, clf)
    reader = pick_reader(output, objective, clean)
    base = objective.scores(clean, reader).float()  # (N,K)
    filler = fill_image(xin, fill, clf).expand_as(xin)

    def ablate(img: torch.Tensor, var: torch.Tensor) -> torch.Tensor:
        hit = labels[img] == var.view(-1, 1, 1, 1)  # (B,C',H,W)
        return torch.where(hit, filler[img], xin[img])

    scores = perturbed_scores(module, objective, variants, ablate, batch_size=bs, output=reader, progress=progress, desc="feature ablation")  # (N,K,F)
    drop = base.to(scores.device)[..., None] - scores
    for i, f in enumerate(counts):  # features an image lacks
        drop[i, :, f:] = 0
    flat = labels.flatten(1).to(drop.device)  # (N, C'HW)
    maps = drop.gather(2, flat[:, None, :].expand(-1, objective.k, -1)).view(n, objective.k, *labels.shape[1:])
    if not per_channel:
        maps = maps[:, :, 0]
    return to_caller(finish(maps, objective.squeeze), x)
