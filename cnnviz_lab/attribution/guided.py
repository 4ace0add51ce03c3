"""The guided backpropagation rule, applied to every ReLU however the model calls it.

Guided backpropagation (Springenberg et al. 2014, *Striving for Simplicity: The All
Convolutional Net*, arXiv:1412.6806) changes only the backward pass of each rectifier:

    grad_in = 1[x > 0] * max(grad_out, 0)

i.e. the ordinary ReLU gradient, with negative incoming gradients set to zero as well.
ReLU6 (``nn.ReLU6``, ``F.relu6``, ``F.hardtanh(x, 0, 6)``: MobileNet, EfficientNet-Lite)
gets the same rule with its own pass-through mask ``1[0 < x < 6]``.

The rules are objects like any other backward rule (:class:`cnnviz_lab.core.Guided`,
:class:`cnnviz_lab.core.Deconvnet`), put on every rectifier by a composite
(:func:`guided_composite`) through the one rule engine (:mod:`cnnviz_lab.core.engine`). Why
the engine's function mode and not module hooks alone: torchvision's ResNet calls one ReLU
module several times, DenseNet, GoogLeNet and Inception call ``F.relu`` directly, and many
models rectify in place. Every call of ``F.relu``, ``torch.relu``, ``Tensor.relu`` (and
their in-place forms), ``F.relu6`` and ``F.hardtanh`` with ``min_val=0`` (``nn.ReLU`` and
``nn.ReLU6`` call these) gets the rule. In-place calls stay in place: the rule's result is
copied back into the input tensor, so code that keeps using the input sees it too.

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

from contextlib import contextmanager
from typing import Iterator

from torch import nn

from ..core.composites import Composite
from ..core.engine import ACTIVATION_TYPES, Engine, rules_applied
from ..core.rules import Call, Deconvnet, Guided, Refuse, Rule
from ..core.errors import UnsupportedActivationError

BACKWARD_RULES = ("vanilla", "deconvnet", "guided")
#: The rectifiers the rules are defined for.
RECTIFIER_TYPES: tuple[type, ...] = (nn.ReLU, nn.ReLU6)
#: Gates keep their ordinary gradients under every rule.
GATE_TYPES: tuple[type, ...] = (nn.Sigmoid, nn.Tanh, nn.Hardsigmoid)
#: Activations the rules are not defined for (SiLU, GELU, Hardswish, ELU, hardtanh(-1, 1)...).
UNDEFINED_TYPES: tuple[type, ...] = tuple(t for t in ACTIVATION_TYPES if t not in RECTIFIER_TYPES + GATE_TYPES)


def _refusal(model_name: str, backward: str):
    what, back = ("guided backpropagation", "phi'(x) * max(grad, 0)") if backward == "guided" else ("the deconvnet rule", "max(grad, 0)")

    def error(call: Call) -> Exception:
        return UnsupportedActivationError(
            f"{what} is defined for ReLU and ReLU6 only, but {model_name} "
            f"uses {call.name}. Pass generalize=True to back-propagate {back} through "
            f"such activations (documented in cnnviz_lab.attribution.guided), or use saliency / "
            f"integrated_gradients, which need no special rule."
        )

    return error


def guided_composite(model_name: str = "the model", generalize: bool = False, backward: str = "guided") -> Composite:
    """The composite of ``backward`` (``"guided"`` or ``"deconvnet"``): its rule on every
    rectifier; on other activations the same rule with ``generalize=True``, else a refusal
    (``UnsupportedActivationError`` naming the activation and ``model_name``)."""
    if backward not in ("guided", "deconvnet"):
        raise ValueError(f"backward must be one of 'guided', 'deconvnet' for a composite, got {backward!r}")
    rule: Rule = Guided() if backward == "guided" else Deconvnet()
    other: Rule = rule if generalize else Refuse(_refusal(model_name, backward))
    return Composite([(RECTIFIER_TYPES, rule), (UNDEFINED_TYPES, other)])


@contextmanager
def guided_relus(model_name: str = "the model", generalize: bool = False, backward: str = "guided") -> Iterator[Engine | None]:
    """Inside the block, every rectifier call of a forward pass back-propagates with the
    guided rule ``1[x > 0] * max(grad_out, 0)`` (Springenberg et al. 2014), or with
    ``backward="deconvnet"`` (``max(grad_out, 0)``) or ``backward="vanilla"`` (the true gradient).
    Only the forward pass needs to run inside; the backward may run after the block."""
    if backward not in BACKWARD_RULES:
        raise ValueError(f"backward must be one of {', '.join(BACKWARD_RULES)}, got {backward!r}")
    if backward == "vanilla":
        yield None
        return
    with rules_applied(None, guided_composite(model_name, generalize, backward)) as engine:
        yield engine


__all__ = ["BACKWARD_RULES", "GATE_TYPES", "RECTIFIER_TYPES", "UNDEFINED_TYPES", "guided_composite", "guided_relus"]
