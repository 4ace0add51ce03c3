"""The guided backpropagation rule, applied to every ReLU however the model calls it.

Guided backpropagation (Springenberg et al. 2014, *Striving for Simplicity: The All
Convolutional Net*, arXiv:1412.6806) changes only the backward pass of each rectifier:

    grad_in = 1[x > 0] * max(grad_out, 0)

i.e. the ordinary ReLU gradient, with negative incoming gradients set to zero as well.
ReLU6 (``nn.ReLU6``, ``F.relu6``, ``F.hardtanh(x, 0, 6)``: MobileNet, EfficientNet-Lite)
gets the same rule with its own pass-through mask ``1[0 < x < 6]``.

Why a ``TorchFunctionMode`` and not module hooks: torchvision's ResNet calls one ReLU module
several times, DenseNet, GoogLeNet and Inception call ``F.relu`` directly, and many models
rectify in place. Swapping or hooking ``nn.ReLU`` modules misses the functional calls and
mis-counts reused modules. While :func:`guided_relus` is active, every call of ``F.relu``,
``torch.relu``, ``Tensor.relu`` (and their in-place forms), ``F.relu6`` and ``F.hardtanh``
with ``min_val=0`` (``nn.ReLU`` and ``nn.ReLU6`` call these) is routed through an autograd
function whose backward applies the rule. In-place calls stay in place: the guided result
is copied back into the input tensor, so code that keeps using the input sees it too.

Activations for which guided backpropagation is undefined (SiLU, GELU, Hardswish, Mish,
ELU, SELU, CELU, LeakyReLU, PReLU, Softplus) raise :class:`UnsupportedActivationError`
naming the activation and the model, unless ``generalize=True``: then each of them, with
derivative ``phi'``, back-propagates ``phi'(x) * max(grad_out, 0)``, which is exactly the
guided rule when ``phi`` is a ReLU. Gates (sigmoid, hard-sigmoid, tanh, softmax) keep
their ordinary gradients. Rectifiers written as ``clamp(min=0)`` are not recognised.

The same mode applies the two related backward rules too (``backward=``), so the three differ
in one line (``g`` the incoming gradient, ``x`` the rectifier's input):

- ``"vanilla"``: ``1[x > 0] * g``, the true gradient (Simonyan et al. 2013);
- ``"deconvnet"``: ``max(g, 0)``, the gradient rectified and the forward mask ignored
  (Zeiler & Fergus 2014, *Visualizing and Understanding Convolutional Networks*, ECCV);
- ``"guided"``: ``1[x > 0] * max(g, 0)``, both at once (Springenberg et al. 2014).

For ReLU6 the deconvnet rule is the same ``max(g, 0)``: the deconvnet reconstructs the
signal through "a ReLU on the way back" and never reads the forward pass, so neither of
ReLU6's forward masks (``x > 0``, ``x < 6``) is applied. With ``generalize=True`` other
activations likewise pass back ``max(g, 0)`` under the deconvnet rule.
"""

from __future__ import annotations

import inspect
from contextlib import contextmanager
from typing import Callable, Iterator

import torch
import torch.nn.functional as F
from torch.overrides import TorchFunctionMode

from ..errors import UnsupportedActivationError


BACKWARD_RULES = ("vanilla", "deconvnet", "guided")


class _PositiveGradient(torch.autograd.Function):
    """Identity forward; backward keeps only the positive part of the incoming gradient.

    Placed right after a rectifier ``r``, the chain gives ``r'(x) * max(grad_out, 0)``,
    the guided rule. Its backward is a single elementwise op, so it also runs under
    ``vmap`` (batched backward with ``is_grads_batched=True``).
    """

    @staticmethod
    def forward(ctx, y: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        return y.view_as(y)

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        return grad.clamp(min=0)


class _RectifiedPassThrough(torch.autograd.Function):
    """Forward returns the rectifier's (detached) output ``y``; backward hands ``max(g, 0)``
    straight to the rectifier's input ``x``, skipping the rectifier's own derivative: the
    deconvnet rule. Elementwise and stateless, so it runs under ``vmap`` too."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        return y.view_as(y)

    @staticmethod
    def backward(ctx, grad: torch.Tensor):  # type: ignore[override]
        return grad.clamp(min=0), None


def _relu(x, inplace=False):
    return torch.relu(x), inplace


def _relu_method(x):
    return torch.relu(x), False


def _relu_inplace(x):
    return torch.relu(x), True


# hardtanh's backward reads its input, which an in-place call overwrites afterwards (the
# guided result is copied back into it): those calls work on a copy. ReLU's backward reads
# its output, so it needs none.
def _relu6(x, inplace=False):
    return F.hardtanh(x.clone() if inplace else x, 0.0, 6.0), inplace


def _hardtanh(x, min_val=-1.0, max_val=1.0, inplace=False):
    return F.hardtanh(x.clone() if inplace else x, min_val, max_val), inplace


def _hardtanh_inplace(x, min_val=-1.0, max_val=1.0):
    return F.hardtanh(x.clone(), min_val, max_val), True


# Each rectifier the mode catches -> out-of-place equivalent returning (output, was_inplace).
RECTIFIERS: dict[Callable, Callable[..., tuple[torch.Tensor, bool]]] = {
    F.relu: _relu,
    torch.relu: _relu_method,
    torch.Tensor.relu: _relu_method,
    torch.relu_: _relu_inplace,
    torch.Tensor.relu_: _relu_inplace,
    F.relu6: _relu6,
    F.hardtanh: _hardtanh,
    torch._C._nn.hardtanh_: _hardtanh_inplace,
}

_HARDTANH = {F.hardtanh, torch._C._nn.hardtanh_}

# Activations guided backpropagation is not defined for (name shown in the error).
UNDEFINED: dict[Callable, str] = {
    F.silu: "SiLU (swish)", F.gelu: "GELU", F.hardswish: "Hardswish", F.mish: "Mish",
    F.elu: "ELU", F.selu: "SELU", F.celu: "CELU", F.leaky_relu: "LeakyReLU",
    F.prelu: "PReLU", F.softplus: "Softplus", F.rrelu: "RReLU",
    torch.nn.functional.elu_: "ELU", torch.nn.functional.leaky_relu_: "LeakyReLU",
}


def _out_of_place(func: Callable, args: tuple, kwargs: dict) -> tuple[torch.Tensor, bool]:
    """Call an activation with ``inplace=False``; returns (output, whether it was in place)."""
    if func in (torch.nn.functional.elu_, torch.nn.functional.leaky_relu_):
        plain = F.elu if func is torch.nn.functional.elu_ else F.leaky_relu
        return plain(args[0].clone(), *args[1:], **kwargs), True
    try:
        sig = inspect.signature(func)
    except (TypeError, ValueError):  # builtins such as gelu, prelu, softplus: never in place
        return func(*args, **kwargs), False
    if "inplace" not in sig.parameters:
        return func(*args, **kwargs), False
    bound = sig.bind(*args, **kwargs)
    inplace = bool(bound.arguments.get("inplace", False))
    bound.arguments["inplace"] = False
    if inplace:  # the backward may read the input, which the caller's in-place call overwrites
        first = next(iter(bound.arguments))
        bound.arguments[first] = bound.arguments[first].clone()
    return func(*bound.args, **bound.kwargs), inplace


class GuidedMode(TorchFunctionMode):
    """A ``TorchFunctionMode`` that applies a ``backward`` rule (``"guided"`` by default,
    ``"deconvnet"`` or ``"vanilla"``) to every rectifier call (see the module docstring)."""

    def __init__(self, model_name: str = "the model", generalize: bool = False,
                 backward: str = "guided") -> None:
        super().__init__()
        if backward not in BACKWARD_RULES:
            raise ValueError(f"backward must be one of {', '.join(BACKWARD_RULES)}, got {backward!r}")
        self.model_name = model_name
        self.generalize = generalize
        self.backward = backward

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        rule = RECTIFIERS.get(func)
        if rule is not None and func in _HARDTANH:
            low = kwargs.get("min_val", args[1] if len(args) > 1 else -1.0)
            if low != 0:  # a clamp to [-1, 1] and the like is not a rectifier
                rule = None
                if self.backward == "vanilla":
                    return func(*args, **kwargs)
                if not self.generalize:
                    self._refuse(f"Hardtanh(min_val={low})")
                out, inplace = _hardtanh(*args, **kwargs) if func is F.hardtanh else \
                    _hardtanh_inplace(*args, **kwargs)
                return self._guide(args[0], out, inplace)
        if rule is not None:
            out, inplace = rule(*args, **kwargs)
            return self._guide(args[0], out, inplace)
        name = UNDEFINED.get(func)
        if name is not None and self.backward != "vanilla":
            if not self.generalize:
                self._refuse(name)
            out, inplace = _out_of_place(func, args, kwargs)
            return self._guide(args[0], out, inplace)
        return func(*args, **kwargs)

    def _guide(self, x: torch.Tensor, out: torch.Tensor, inplace: bool) -> torch.Tensor:
        if self.backward == "guided":
            guided = _PositiveGradient.apply(out)
        elif self.backward == "deconvnet":
            guided = _RectifiedPassThrough.apply(x, out.detach())
        else:
            guided = out
        if inplace:
            return x.copy_(guided)
        return guided

    def _refuse(self, name: str) -> None:
        what, back = (("guided backpropagation", "phi'(x) * max(grad, 0)") if self.backward == "guided"
                      else ("the deconvnet rule", "max(grad, 0)"))
        raise UnsupportedActivationError(
            f"{what} is defined for ReLU and ReLU6 only, but {self.model_name} "
            f"uses {name}. Pass generalize=True to back-propagate {back} through "
            f"such activations (documented in cnnviz_lab.attribution.guided), or use saliency / "
            f"integrated_gradients, which need no special rule.")


@contextmanager
def guided_relus(model_name: str = "the model", generalize: bool = False,
                 backward: str = "guided") -> Iterator[GuidedMode]:
    """Inside the block, every rectifier call of a forward pass back-propagates with the
    guided rule ``1[x > 0] * max(grad_out, 0)`` (Springenberg et al. 2014), or with
    ``backward="deconvnet"`` (``max(grad_out, 0)``) or ``backward="vanilla"`` (the true gradient).
    Only the forward pass needs to run inside; the backward may run after the block."""
    mode = GuidedMode(model_name, generalize, backward)
    with mode:
        yield mode

