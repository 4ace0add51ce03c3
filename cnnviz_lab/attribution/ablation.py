"""Ablation-CAM (Desai & Ramaswamy 2020): channel weights from what removing each channel
costs the class score, with no gradient.

Desai & Ramaswamy, *Ablation-CAM: Visual Explanations for Deep Convolutional Network via
Gradient-free Localization*, WACV 2020. For the layer's feature maps ``A_k``, class score
``y_c`` (the logit, or a callable target's score) and ``y_c^k`` the score with channel
``k`` set to zero everywhere (for a transformer, feature ``k`` of every patch token, through
the :class:`~cnnviz_lab.core.token_grid.TokenGrid` of ``reshape=``),

    w_k^c = (y_c - y_c^k) / |y_c|,        L^c = relu(sum_k w_k^c A_k).

How the ablated scores are computed: the layer's output ``A`` of each image is recorded
once; then each forward pass feeds that one image (a batch of 1) through the network, and
a hook on the layer hands the rest of the network ``B = batch_size`` copies of ``A``, copy
``j`` with channel ``idx_j`` zeroed. Everything before the layer thus runs on one image per
pass and only the part after it on B copies; pytorch-grad-cam's ``AblationCAM`` runs the
part before the layer on B copies of the image. Where the part after the layer also reads
a tensor computed before it in a way that does not broadcast from one image to B (a
concatenation with an earlier feature map, say), the pass fails or its un-ablated control
copy does not reproduce the model's logits; then the passes feed whole copies of the image
instead (``batch_size`` of them, 32 by default: same result, more work). With the one-image
passes an image takes ``ceil(C / B)`` passes, plus one pass for the whole batch at the
start; all K targets come from the same passes.
"""

from __future__ import annotations

from typing import Callable

import torch
from torch import nn

from ..core import checks, defaults
from ..models.classifier import Classifier
from ..core.layer_lookup import LayerRef
from ..core.hooks import capture
from ..core.probes import default_layer
from ..core.state import frozen
from ..core.outputs import output_batch
from .cam import finish_maps
from .cam_head import feature_map
from .common import Target, enter, resolve_objective
from ..core.token_grid import apply_reshape, Reshape, TokenGrid

FALLBACK_BATCH = 32  # whole images per pass when the one-image pass cannot be used


class _Ablator:
    """Runs the ablated forward passes of one layer; remembers whether feeding one image
    and expanding at the layer works for this model (``shared``: None until tried).
    ``how``: the token-grid reshape of the layer's output (None for a plain feature map)."""

    def __init__(self, module: nn.Module, name: str, fallback_batch: int = FALLBACK_BATCH, how: Reshape | None = None) -> None:
        self.module = module
        self.name = name
        self.fallback_batch = fallback_batch
        self.shared: bool | None = None
        self.how = how

    def scores(
        self,
        x1: torch.Tensor,
        a1: torch.Tensor,
        channels: torch.Tensor,
        reference: torch.Tensor,
        score: Callable[[object], torch.Tensor] | None = None,
        r1: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Target scores ``(B,K)`` of image ``x1`` (1,C,H,W) with channel ``channels[j]`` of
        the layer's feature map ``a1`` (1,C,h,w; ``r1`` the raw output it was reshaped from,
        for token grids) zeroed in copy ``j``; ``score(output)`` reads the scores of a pass
        (default: the output itself, the logits). ``reference``: the image's own scores
        ``(K,)`` (or logits), against which a control copy checks the one-image pass."""
        if score is None:

            def score(out: object) -> torch.Tensor:
                return out

        if self.shared is not False:
            check = self.shared is None
            try:
                out = score(self._run(x1.clone(), a1, r1, channels, control=check))
            except RuntimeError:
                out = None
            if check:
                ok = (
                    out is not None
                    and out.shape[0] == len(channels) + 1
                    and torch.allclose(out[0], reference, rtol=1e-3, atol=1e-4 * max(1.0, float(reference.abs().max())))
                )
                self.shared = ok
                out = out[1:] if ok else None
            if out is not None and out.shape[0] == len(channels):
                return out
        parts = []
        for piece in channels.split(self.fallback_batch):
            xb = x1.expand(len(piece), *x1.shape[1:]).contiguous()
            parts.append(score(self._run(xb, a1, r1, piece, control=False)))
        return torch.cat(parts)

    def _run(self, xin: torch.Tensor, a1: torch.Tensor, r1: torch.Tensor, channels: torch.Tensor, control: bool) -> object:
        b = len(channels)

        def ablate(_name: str, _out: torch.Tensor) -> torch.Tensor:
            copies = a1.expand(b + int(control), *a1.shape[1:]).clone()
            rows = torch.arange(int(control), b + int(control), device=a1.device)
            copies[rows, channels] = 0
            if self.how is None:
                return copies
            if not isinstance(self.how, TokenGrid):
                raise TypeError(
                    "Ablation-CAM hands the model an edited layer output, so its reshape= must be a TokenGrid (which knows its inverse), not a plain function"
                )
            return self.how.from_grid(copies, r1).contiguous()

        with capture(self.module, self.name, edit=ablate):
            return self.module(xin)


def ablationcam(
    model: nn.Module | Classifier,
    x: torch.Tensor,
    target: Target = None,
    *,
    layer: LayerRef | None = None,
    upsample: bool = True,
    batch_size: int | None = None,
    progress: bool | None = None,
    reshape: Reshape | None = None,
) -> torch.Tensor:
    """Ablation-CAM: ``relu(sum_k w_k^c A_k)`` with ``w_k^c = (y_c - y_c^k) / |y_c|``, where
    ``y_c^k`` is the target's logit with channel ``k`` of ``layer`` zeroed.

    Desai & Ramaswamy, WACV 2020 (see the module docstring for how the passes are run).
    Differences from the paper and from pytorch-grad-cam, both of which divide by ``y_c``:
    dividing by ``|y_c|`` keeps the sign of the weights when the logit is negative (with
    ``y_c`` itself a negative logit would flip every weight, and the ReLU would then keep
    the evidence *against* the class); where ``y_c = 0`` the weights are the raw drops. The
    peer also sets an ablated channel to ``min(A) - 1e7`` instead of 0 whenever the layer's
    output is not non-negative: a ReLU right after the layer makes that 0 again, but a head
    that reads the signed map directly (pooling, a LayerNorm: ConvNeXt) sees ``-1e7``. This
    function always zeroes the channel, as the paper does.

    ``batch_size``: ablated copies per forward pass; it bounds the memory and never changes
    the result. ``None`` picks :func:`cnnviz_lab.core.defaults.copies_per_pass` (256 MiB of
    copies of the layer's output on the CPU, 1 GiB on CUDA), or 32 whole images per pass
    where the model needs them (module docstring). ``progress``: a progress bar (``None``:
    when the call ablates at least :data:`cnnviz_lab.core.defaults.LONG_CALL` channels in all,
    :func:`cnnviz_lab.core.defaults.show_progress`). Gradient free; ``(N,[K],H,W)`` raw,
    non-negative, upsampled unless ``upsample=False``.
    """
    module, clf, xin = enter(model, x)
    name = default_layer(model, layer, tuple(xin.shape[-2:]))
    checks.batch_size(batch_size)  # before any forward pass
    with torch.no_grad(), frozen(module):
        with capture(module, name) as cap:
            output = module(xin.clone())
        raw = cap[name]
        grid, how = apply_reshape(module, name, raw, xin, reshape)
        act = feature_map(grid, name, xin)
        if len(cap.outputs[name]) != 1:
            raise ValueError(
                f"layer {name!r} runs {len(cap.outputs[name])} times per forward pass (a "
                "reused module); ablating it would ablate every call: pick a layer that "
                "runs once, such as the block that contains it"
            )
        objective = resolve_objective(target, output, clf)
        squeeze = objective.squeeze
        base = objective.scores(output)  # (N,K)
        n, c = act.shape[:2]
        drops = torch.zeros(n, objective.k, c, device=act.device, dtype=act.dtype)
        bs = defaults.copies_per_pass(batch_size, act)
        ablator = _Ablator(module, name, FALLBACK_BATCH if batch_size is None else bs, how)
        chunks = [(i, s) for i in range(n) for s in range(0, c, bs)]
        for i, start in defaults.progress_bar(chunks, images=n * c, progress=progress, desc="Ablation-CAM", unit="pass"):
            idx = torch.arange(start, min(start + bs, c), device=act.device)

            def score(out: object, i: int = i) -> torch.Tensor:
                rows = torch.full((output_batch(out),), i, dtype=torch.long)
                return objective.select(rows).scores(out)

            out = ablator.scores(xin[i : i + 1], act[i : i + 1], idx, base[i], score, raw[i : i + 1])
            drops[i, :, idx] = (base[i][None, :] - out).t().to(drops.dtype)
    scale = base.abs()[..., None]
    weights = torch.where(scale > 0, drops / torch.where(scale > 0, scale, torch.ones_like(scale)), drops)
    maps = torch.einsum("nkc,nchw->nkhw", weights, act).clamp_min(0)
    return finish_maps(maps, x, squeeze, upsample, True)


__all__ = ["ablationcam"]
