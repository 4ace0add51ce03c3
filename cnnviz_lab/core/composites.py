"""Composites: which rule each layer of a model gets, and the named LRP composites.

A :class:`Composite` is an ordered list of ``(match, rule)`` entries plus the canonizers
the rules need; every layer gets the rule of the first entry that matches it, and a layer
no entry matches keeps its ordinary gradient. A match is

- a module type or a tuple of types (``nn.Conv2d``, ``(nn.ReLU, nn.ReLU6)``, the engine's
  :class:`~cnnviz_lab.core.engine.Sum`): matches modules of those types, and functional
  activations and residual sums that count as them (``F.relu`` is an ``nn.ReLU``);
- a module name (``"features.0"``) or a glob of names (``"layer4.*"``);
- :class:`First` / :class:`Last` of some types: the first / last module of those types in
  the order the model defines them (zennit's special first layer).

The named composites are zennit's (Anders et al. 2021), with the same parameters:
``epsilon_plus`` (z+ for convolutions, epsilon for linear layers), ``epsilon_gamma_box``
(z-box for the first convolution, gamma for the others, epsilon for linear layers),
``epsilon_plus_flat`` (flat for the first convolution or linear layer, then as
``epsilon_plus``; Kohlbrenner et al. 2020, *Towards Best Practice in Explaining Neural
Network Decisions with LRP*, IJCNN) and ``epsilon_alpha2_beta1`` (alpha=2, beta=1 for
convolutions). All of them pass relevance unchanged through activations (ReLU, ReLU6,
SiLU...) and BatchNorm, share it in proportion through average pooling and residual sums
(:class:`~.lrp_rules.Norm`), and fold BatchNorm into the layer before it
(:class:`~.canonizers.MergeBatchNorm`).
"""

from __future__ import annotations

import fnmatch
from contextlib import contextmanager
from typing import Any, Callable, Iterator, Sequence, Union

import torch
from torch import nn

from .canonizers import BATCHNORM_TYPES, Canonizer, LINEAR_TYPES, MergeBatchNorm, canonized
from .engine import ACTIVATION_TYPES, Engine, Sum, rules_applied
from .lrp_rules import AlphaBeta, Epsilon, Flat, Gamma, Norm, ZBox, ZPlus
from .rules import Pass, Rule

CONV_TYPES: tuple[type, ...] = (nn.Conv1d, nn.Conv2d, nn.Conv3d)
AVGPOOL_TYPES: tuple[type, ...] = (nn.AvgPool1d, nn.AvgPool2d, nn.AvgPool3d, nn.AdaptiveAvgPool1d, nn.AdaptiveAvgPool2d, nn.AdaptiveAvgPool3d)


class First:
    """Matches the first module of ``types`` in the model's definition order."""

    last = False

    def __init__(self, types: type | tuple[type, ...] = LINEAR_TYPES) -> None:
        self.types = types

    def pick(self, model: nn.Module) -> nn.Module | None:
        found = [m for m in model.modules() if isinstance(m, self.types)]
        return (found[-1] if self.last else found[0]) if found else None

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.types!r})"


class Last(First):
    """Matches the last module of ``types`` in the model's definition order."""

    last = True


Match = Union[type, tuple, str, First, Callable[[str, nn.Module], bool]]


def _is_types(match: Any) -> bool:
    return isinstance(match, type) or (isinstance(match, tuple) and all(isinstance(t, type) for t in match))


class Composite:
    """Rules for a model's layers: ``entries`` is a list of ``(match, rule)`` (see the module
    docstring), the first match wins; ``canonizers`` rewrite the model while it is explained.
    A callable match ``f(name, module) -> bool`` is allowed too."""

    def __init__(self, entries: Sequence[tuple[Match, Rule]], canonizers: Sequence[Canonizer] = ()) -> None:
        entries = list(entries)
        for entry in entries:
            if not (isinstance(entry, tuple) and len(entry) == 2 and isinstance(entry[1], Rule)):
                raise TypeError(f"composite entries are (match, rule) pairs with a Rule, got {entry!r}")
            match = entry[0]
            if not (_is_types(match) or isinstance(match, (str, First)) or callable(match)):
                raise TypeError(
                    f"a composite match is a module type, a tuple of types, a name or glob, "
                    f"First(...)/Last(...) or a function (name, module) -> bool; got {match!r}"
                )
        self.entries = entries
        self.canonizers = list(canonizers)
        for canonizer in self.canonizers:
            if not isinstance(canonizer, Canonizer):
                raise TypeError(f"canonizers must be Canonizer objects, got {canonizer!r}")

    def module_rules(self, model: nn.Module) -> dict[nn.Module, tuple[str, Rule]]:
        """``{module: (name, rule)}`` for every module an entry matches."""
        picked = {id(match): match.pick(model) for match, _ in self.entries if isinstance(match, First)}
        out: dict[nn.Module, tuple[str, Rule]] = {}
        for name, module in model.named_modules():
            for match, rule in self.entries:
                if self._matches(match, name, module, picked):
                    out[module] = (name, rule)
                    break
        return out

    @staticmethod
    def _matches(match: Match, name: str, module: nn.Module, picked: dict[int, Any]) -> bool:
        if isinstance(match, First):
            return picked.get(id(match)) is module
        if _is_types(match):
            return isinstance(module, match)
        if isinstance(match, str):
            return bool(name) and (name == match or fnmatch.fnmatchcase(name, match))
        return bool(match(name, module))

    def rule_for_kind(self, kind: type) -> Rule | None:
        """The rule of a functional site that counts as a module of type ``kind`` (an
        activation, a residual :class:`~.engine.Sum`): the first entry matching by type."""
        for match, rule in self.entries:
            if _is_types(match) and issubclass(kind, match):
                return rule
        return None

    @contextmanager
    def context(self, model: nn.Module, x: torch.Tensor) -> Iterator[Engine]:
        """Canonizers applied and rules on, for the block (forward and backward inside)."""
        with canonized(model, self.canonizers, x), rules_applied(model, self) as engine:
            yield engine

    def __repr__(self) -> str:
        return f"Composite({self.entries!r}, canonizers={self.canonizers!r})"


# --- the named composites --------------------------------------------------------------------
def _base(stabilizer: float) -> list[tuple[Match, Rule]]:
    return [(ACTIVATION_TYPES, Pass()), (Sum, Norm(stabilizer)), (AVGPOOL_TYPES, Norm(stabilizer)), (BATCHNORM_TYPES, Pass())]


def epsilon_plus(epsilon: float = 1e-6, stabilizer: float = 1e-6) -> Composite:
    """z+ for convolutions, epsilon for linear layers (zennit's ``EpsilonPlus``)."""
    return Composite(_base(stabilizer) + [(CONV_TYPES, ZPlus(stabilizer)), (nn.Linear, Epsilon(epsilon))], [MergeBatchNorm()])


def epsilon_alpha2_beta1(epsilon: float = 1e-6, stabilizer: float = 1e-6) -> Composite:
    """alpha=2, beta=1 for convolutions, epsilon for linear layers (``EpsilonAlpha2Beta1``)."""
    return Composite(_base(stabilizer) + [(CONV_TYPES, AlphaBeta(2.0, 1.0, stabilizer)), (nn.Linear, Epsilon(epsilon))], [MergeBatchNorm()])


def epsilon_plus_flat(epsilon: float = 1e-6, stabilizer: float = 1e-6) -> Composite:
    """Flat for the first convolution or linear layer, then z+ for convolutions and epsilon
    for linear layers (``EpsilonPlusFlat``)."""
    return Composite(
        [(First(LINEAR_TYPES), Flat(stabilizer))] + _base(stabilizer) + [(CONV_TYPES, ZPlus(stabilizer)), (nn.Linear, Epsilon(epsilon))], [MergeBatchNorm()]
    )


def epsilon_gamma_box(low: torch.Tensor | float, high: torch.Tensor | float, epsilon: float = 1e-6, gamma: float = 0.25, stabilizer: float = 1e-6) -> Composite:
    """z-box (pixels in ``[low, high]``) for the first convolution, gamma for the others,
    epsilon for linear layers (``EpsilonGammaBox``)."""
    return Composite(
        [(First(CONV_TYPES), ZBox(low, high, stabilizer))] + _base(stabilizer) + [(CONV_TYPES, Gamma(gamma, stabilizer)), (nn.Linear, Epsilon(epsilon))],
        [MergeBatchNorm()],
    )


COMPOSITES: dict[str, Callable[..., Composite]] = {
    "epsilon_plus": epsilon_plus,
    "epsilon_gamma_box": epsilon_gamma_box,
    "epsilon_plus_flat": epsilon_plus_flat,
    "epsilon_alpha2_beta1": epsilon_alpha2_beta1,
}

__all__ = [
    "AVGPOOL_TYPES",
    "COMPOSITES",
    "CONV_TYPES",
    "Composite",
    "First",
    "Last",
    "epsilon_alpha2_beta1",
    "epsilon_gamma_box",
    "epsilon_plus",
    "epsilon_plus_flat",
]
