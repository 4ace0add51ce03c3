"""Deconvnet, and input gradients under any of the three ReLU backward rules.

Zeiler & Fergus 2014, *Visualizing and Understanding Convolutional Networks* (ECCV),
reconstruct what a unit responds to by running the network backwards, passing the signal
through "a ReLU on the way back". As a gradient computation (Springenberg et al. 2014,
section 3.4) that is the ordinary backward pass with one line changed at each rectifier:

    vanilla gradient:   grad_in = 1[x > 0] * grad_out
    deconvnet:          grad_in =            max(grad_out, 0)
    guided backprop:    grad_in = 1[x > 0] * max(grad_out, 0)

where ``x`` is the rectifier's input in the forward pass. The deconvnet ignores the
forward mask entirely: which units were active reaches the result only through the
convolutions' and poolings' own backward passes (max-pooling "switches" are exactly the
gradient of max pooling). :func:`modified_backprop` computes any of the three; the rule
reaches every rectifier however the model calls it (see :mod:`.guided`).
"""

from __future__ import annotations

from typing import Sequence

import torch
from torch import nn

from ..layers import LayerRef, capture, layer_name
from ..models import Classifier, unwrap
from .common import Target, finish, frozen, gather_scores, prepare_input, resolve_targets
from .gradients import batched_grad
from .guided import BACKWARD_RULES, guided_relus

ModelLike = nn.Module | Classifier


def _model_name(module: nn.Module, classifier: Classifier | None) -> str:
    return classifier.name if classifier is not None else type(module).__name__


def _layer_objective(act: torch.Tensor, name: str, channel: int | Sequence[int] | None) -> torch.Tensor:
    """Sum over positions of ``act[n, channel]`` (or of all channels), summed over images."""
    if not isinstance(act, torch.Tensor) or act.dim() < 2:
        raise ValueError(f"from_layer {name!r} does not output an (N,C,...) tensor")
    if channel is None:
        return act.sum()
    chans = torch.as_tensor(channel, device=act.device).long().reshape(-1)
    if chans.numel() not in (1, act.shape[0]):
        raise ValueError(f"channel: one int, or one per image ({act.shape[0]}), got {chans.numel()}")
    if int(chans.min()) < 0 or int(chans.max()) >= act.shape[1]:
        raise IndexError(f"channel {channel!r} out of range: {name} has {act.shape[1]} channels "
                         f"(0..{act.shape[1] - 1})")
    chans = chans.expand(act.shape[0])
    return act[torch.arange(act.shape[0], device=act.device), chans].sum()


def modified_backprop(model: ModelLike, x: torch.Tensor, target: Target = None, *,
                      backward: str = "guided", from_layer: LayerRef | None = None,
                      channel: int | Sequence[int] | None = None, generalize: bool = False
                      ) -> torch.Tensor:
    """The input gradient with ``backward`` applied at every rectifier: ``"vanilla"`` (the
    true gradient, equal to :func:`saliency`), ``"deconvnet"`` or ``"guided"`` (see the
    module docstring). Shape ``(N,[K],3,H,W)``; K targets cost one forward pass and one
    batched backward pass.

    With ``from_layer`` the back-propagated quantity is, per image n, the layer's output
    ``A`` (as the module returns it) summed over positions: ``sum_{h,w} A[n, channel]`` for
    an ``int`` channel, ``A[n, channel[n]]`` for one channel per image, ``sum_{c,h,w} A[n]``
    when ``channel`` is None; the forward pass stops at the layer (a module called several
    times counts by its first call), ``target`` must be None and the result is
    ``(N,3,H,W)``. Models with SiLU, GELU, Hardswish... raise ``UnsupportedActivationError``
    under the deconvnet and guided rules unless ``generalize=True``.
    """
    if backward not in BACKWARD_RULES:
        raise ValueError(f"backward must be one of {', '.join(BACKWARD_RULES)}, got {backward!r}")
    if from_layer is None and channel is not None:
        raise ValueError("channel= needs from_layer=: name the layer whose channel to back-propagate")
    if from_layer is not None and target is not None:
        raise ValueError("pass either target= (a class score) or from_layer= (a layer's activation), "
                         "not both")
    module, clf = unwrap(model)
    xd = prepare_input(module, x)
    mode = guided_relus(_model_name(module, clf), generalize, backward)
    with frozen(module), torch.enable_grad():
        xg = xd.detach().requires_grad_(True)
        if from_layer is None:
            with mode:
                logits = module(xg)
            targets, squeeze = resolve_targets(target, logits.detach(), clf)
            grads = finish(batched_grad(gather_scores(logits, targets), xg), squeeze)
        else:
            name = layer_name(module, from_layer)
            with capture(module, name, stop=True) as cap, mode:
                cap.forward(xg)
            (grads,) = torch.autograd.grad(_layer_objective(cap[name], name, channel), xg)
    grads = grads.detach()
    return grads.to(x.device) if grads.device != x.device else grads


def deconvnet(model: ModelLike, x: torch.Tensor, target: Target = None, *,
              from_layer: LayerRef | None = None, channel: int | Sequence[int] | None = None,
              generalize: bool = False) -> torch.Tensor:
    """Deconvnet (Zeiler & Fergus 2014): the input gradient of the target's logit where
    every rectifier passes back ``max(grad_out, 0)``, whatever its forward input was.
    Raw and signed, shape ``(N,[K],3,H,W)``.

    ReLU6 gets the same rule (the gradient rectified, both forward masks ignored): the
    deconvnet only ever applies a ReLU to the backward signal. The rule reaches ReLU
    modules, reused and in-place ones, and ``F.relu`` / ``torch.relu`` / ``Tensor.relu`` /
    ``F.relu6`` / ``F.hardtanh(x, 0, 6)`` calls. ``from_layer`` and ``channel``
    reconstruct a layer's channel instead of a class score, as in the paper's figures;
    see :func:`modified_backprop` for both and for ``generalize``.

    Where every rectifier's input is positive the forward mask is all ones and deconvnet
    equals guided backpropagation; where in addition every backward signal reaching a
    rectifier is non-negative, both equal the plain gradient.
    """
    return modified_backprop(model, x, target, backward="deconvnet", from_layer=from_layer,
                             channel=channel, generalize=generalize)


__all__ = ["deconvnet", "modified_backprop"]
