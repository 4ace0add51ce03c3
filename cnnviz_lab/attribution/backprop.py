"""Input gradients under the three ReLU backward rules: vanilla, deconvnet, guided.

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
gradient of max pooling). :func:`modified_backprop` computes any of the three, from a class
score or from a layer's activation; the rule reaches every rectifier however the model
calls it (see :mod:`.guided`). Saliency, input x gradient, guided backpropagation and the
deconvnet are all this one computation.

The model is fed a copy of the input that is part of the autograd graph (not the leaf the
gradient is taken for), so a model that works in place on its input runs as it would on
its own, and the caller's tensor is never written.
"""

from __future__ import annotations

from contextlib import nullcontext
from typing import Sequence

import numpy as np
import torch
from torch import nn

from ..core import checks
from ..models.classifier import Classifier
from ..core.errors import NoGradientError, OutOfRangeError
from ..core.layer_lookup import layer_name, LayerRef
from ..core.hooks import capture
from ..core.state import autograd_on, frozen
from ..core.autograd import batched_vjp
from ..core.scoring import require_graph, resolve_objective
from .common import Target, enter, finish, to_caller
from .guided import BACKWARD_RULES, guided_relus

ModelLike = nn.Module | Classifier


def _model_name(module: nn.Module, classifier: Classifier | None) -> str:
    return classifier.name if classifier is not None else type(module).__name__


def _rule(module: nn.Module, clf: Classifier | None, backward: str, generalize: bool):
    """The context that applies ``backward`` at every rectifier (none for the true gradient)."""
    checks.flag(generalize, "generalize")
    if backward == "vanilla":
        return nullcontext()
    return guided_relus(_model_name(module, clf), generalize, backward)


def input_gradients(
    model: ModelLike, x: torch.Tensor, target: Target, *, backward: str = "vanilla", generalize: bool = False
) -> tuple[torch.Tensor, torch.Tensor, bool]:
    """One forward, one batched backward: ``(grads (N,K,C,H,W), x on the model's device,
    squeeze flag)``, the rectifiers back-propagating with ``backward``."""
    checks.choice(backward, "backward", BACKWARD_RULES)
    module, clf, xd = enter(model, x)
    rule = _rule(module, clf, backward, generalize)
    with frozen(module), autograd_on():
        xg = xd.requires_grad_(True)
        with rule:
            output = module(xg.clone())
        objective = resolve_objective(target, output, clf, n=xd.shape[0])
        scores = objective.scores(output)
        require_graph(scores, output, objective)
        grads = batched_vjp(scores, xg)
    return grads.detach(), xd.detach(), objective.squeeze


def _channels(channel: int | Sequence[int], n: int, c: int, layer: str) -> torch.Tensor:
    """``channel`` (one int, or one per image) as ``n`` checked channel indices."""
    many = isinstance(channel, (Sequence, torch.Tensor, np.ndarray)) and not isinstance(channel, str) and getattr(channel, "ndim", 1) > 0
    values = list(channel) if many else [channel]
    what = f"an int from 0 to {c - 1} ({layer} has {c} channels), or one such int per image ({n})"
    if len(values) not in (1, n):
        raise ValueError(f"channel must be {what}; got {len(values)} values")
    chans = [checks.integer(v, "channel", what=what) for v in values]
    for v in chans:
        if not 0 <= v < c:
            raise OutOfRangeError(f"channel {v} is out of range: channel must be {what}")
    return torch.tensor(chans, dtype=torch.long).expand(n)


def _position(position: tuple[int, int] | str, h: int, w: int, layer: str) -> tuple[int, int] | str:
    """``position`` checked: ``"max"`` or an ``(h, w)`` pair inside the layer's ``h x w`` map."""
    what = f'"max" or an (h, w) pair of ints with 0 <= h < {h} and 0 <= w < {w} ({layer} is {h}x{w})'
    if isinstance(position, str):
        if position != "max":
            raise ValueError(f"position must be {what}; got {position!r}")
        return position
    if not isinstance(position, (tuple, list)) or len(position) != 2:
        raise TypeError(f"position must be {what}; got {position!r}")
    ph, pw = (checks.integer(v, "position", what=what) for v in position)
    if not (0 <= ph < h and 0 <= pw < w):
        raise OutOfRangeError(f"position {(ph, pw)} is out of range: position must be {what}")
    return ph, pw


def layer_input_gradient(
    model: ModelLike,
    x: torch.Tensor,
    from_layer: LayerRef,
    channel: int | Sequence[int] | None = None,
    *,
    backward: str = "guided",
    generalize: bool = False,
    position: tuple[int, int] | str | None = None,
) -> torch.Tensor:
    """The input gradient of a layer's activation summed over positions (one channel, one
    per image, or all), under ``backward``; ``(N,C,H,W)`` on the model's device. With
    ``position`` (and a ``channel``) it starts from one activation instead: ``(h, w)``, or
    ``"max"`` for each image's strongest position of its channel. The forward pass stops at
    the layer (a module called several times counts by its first call)."""
    checks.choice(backward, "backward", BACKWARD_RULES)
    if position is not None and channel is None:
        raise ValueError("position= needs channel=: name the channel whose single activation to back-propagate")
    module, clf, xd = enter(model, x)
    try:
        name = layer_name(module, from_layer)
    except (ValueError, TypeError) as err:
        raise type(err)(f"from_layer: {err}") from None
    rule = _rule(module, clf, backward, generalize)
    with frozen(module), autograd_on():
        xg = xd.requires_grad_(True)
        with capture(module, name, stop=True) as cap, rule:
            cap.forward(xg.clone())
        act = cap.activations.get(name)
        if not isinstance(act, torch.Tensor) or act.dim() < 2:
            raise ValueError(f"from_layer {name!r} does not output an (N,C,...) tensor")
        if channel is None:
            objective = act.sum()
        else:
            rows = torch.arange(act.shape[0], device=act.device)
            chans = _channels(channel, act.shape[0], act.shape[1], name).to(act.device)
            maps = act[rows, chans]
            if position is None:
                objective = maps.sum()
            else:
                if maps.dim() != 3:
                    raise ValueError(f"position= needs a layer with (N,C,H,W) output; {name!r} gives {tuple(act.shape)}")
                flat = maps.flatten(1)
                where = _position(position, maps.shape[1], maps.shape[2], name)
                index = flat.detach().argmax(dim=1) if where == "max" else torch.full_like(rows, where[0] * maps.shape[2] + where[1])
                objective = flat[rows, index].sum()
        if not objective.requires_grad:
            raise NoGradientError(
                f"from_layer {name!r}: the model's forward runs without autograd up to that "
                "layer (torch.no_grad or inference mode inside forward): remove it from forward"
            )
        (g,) = torch.autograd.grad(objective, xg)
    return g.detach()


def modified_backprop(
    model: ModelLike,
    x: torch.Tensor,
    target: Target = None,
    *,
    backward: str = "guided",
    from_layer: LayerRef | None = None,
    channel: int | Sequence[int] | None = None,
    generalize: bool = False,
    position: tuple[int, int] | str | None = None,
) -> torch.Tensor:
    """The input gradient with ``backward`` applied at every rectifier: ``"vanilla"`` (the
    true gradient, equal to :func:`~cnnviz_lab.saliency`), ``"deconvnet"`` or ``"guided"``
    (see the module docstring). Shape ``(N,[K],3,H,W)``; K targets cost one forward pass and
    one batched backward pass.

    With ``from_layer`` the back-propagated quantity is, per image n, the layer's output
    ``A`` (as the module returns it) summed over positions: ``sum_{h,w} A[n, channel]`` for
    an ``int`` channel, ``A[n, channel[n]]`` for one channel per image, ``sum_{c,h,w} A[n]``
    when ``channel`` is None. ``position`` (with a ``channel``) starts instead from one
    activation, ``A[n, channel, h, w]`` for ``position=(h, w)`` or each image's largest
    ``A[n, channel]`` for ``"max"``, all others set to zero, as Zeiler & Fergus (2014) and
    Springenberg et al. (2015) reconstruct one unit. The forward pass stops at the layer (a
    module called several times counts by its first call), ``target`` must be None and the result is
    ``(N,3,H,W)``. Models with SiLU, GELU, Hardswish... raise ``UnsupportedActivationError``
    under the deconvnet and guided rules unless ``generalize=True``.
    """
    checks.choice(backward, "backward", BACKWARD_RULES)
    if from_layer is None:
        if channel is not None or position is not None:
            which = "channel=" if channel is not None else "position="
            raise ValueError(f"{which} needs from_layer=: name the layer whose channel to back-propagate")
        grads, _, squeeze = input_gradients(model, x, target, backward=backward, generalize=generalize)
        return to_caller(finish(grads, squeeze), x)
    if target is not None:
        raise ValueError("pass either target= (a class score) or from_layer= (a layer's activation), not both")
    return to_caller(layer_input_gradient(model, x, from_layer, channel, backward=backward, generalize=generalize, position=position), x)


def deconvnet(
    model: ModelLike,
    x: torch.Tensor,
    target: Target = None,
    *,
    from_layer: LayerRef | None = None,
    channel: int | Sequence[int] | None = None,
    generalize: bool = False,
    position: tuple[int, int] | str | None = None,
) -> torch.Tensor:
    """Deconvnet (Zeiler & Fergus 2014): the input gradient of the target's logit where
    every rectifier passes back ``max(grad_out, 0)``, whatever its forward input was.
    Raw and signed, shape ``(N,[K],3,H,W)``.

    ReLU6 gets the same rule (the gradient rectified, both forward masks ignored): the
    deconvnet only ever applies a ReLU to the backward signal. The rule reaches ReLU
    modules, reused and in-place ones, and ``F.relu`` / ``torch.relu`` / ``Tensor.relu`` /
    ``F.relu6`` / ``F.hardtanh(x, 0, 6)`` calls. ``from_layer`` and ``channel``
    reconstruct a layer's channel instead of a class score, summed over its positions;
    ``position`` (``(h, w)`` or ``"max"``) starts from one activation of that channel, as in
    the paper's figures; see :func:`modified_backprop` for all three and for ``generalize``.

    Where every rectifier's input is positive the forward mask is all ones and deconvnet
    equals guided backpropagation; where in addition every backward signal reaching a
    rectifier is non-negative, both equal the plain gradient.
    """
    return modified_backprop(model, x, target, backward="deconvnet", from_layer=from_layer, channel=channel, generalize=generalize, position=position)


__all__ = ["deconvnet", "input_gradients", "layer_input_gradient", "modified_backprop"]
