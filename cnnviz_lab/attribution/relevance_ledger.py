"""Where LRP's relevance goes: the account of one LRP pass, layer by layer.

LRP (Bach et al. 2015; Montavon et al. 2019) conserves relevance layer by layer: what a
layer's output holds is handed to its inputs, except the share its bias (and the rule's
stabiliser) keeps, ``R_k b_k / z_k`` for the epsilon rule. Over the whole network

    logit = sum of the pixels' relevance + sum over the layers of what each one kept,

so a deep network whose layers carry biases (BatchNorm folded into the convolutions gives
every one a bias) can hand the pixels much less than the logit. :func:`relevance_ledger`
runs the same pass as :func:`~cnnviz_lab.lrp` and records, at every site a rule handles
(convolution, linear layer, activation, residual sum, pooling), the relevance that arrived
and the relevance that left; ``kept = arrived - left``. The account closes exactly: the
pixels' total plus every site's ``kept`` is the logit (up to float rounding).
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator

import torch
from torch import nn

from ..models.classifier import Classifier
from ..core.canonizers import canonized
from ..core.composites import Composite
from ..core.engine import Sum, rules_applied
from ..core.rules import Call, Grads, Rule
from ..core.state import frozen
from .common import class_logits, enter, gather_scores, resolve_targets, to_caller
from .lrp import make_composite

ModelLike = nn.Module | Classifier


@dataclass
class Site:
    """One layer call in an LRP pass: ``name`` (a module's name; a residual sum is called
    ``"sum after <the last module before it>"``), ``kind`` (the layer type's name),
    ``arrived`` ``(N,)`` the relevance at its output, ``left`` ``(N, inputs)`` what each of
    its inputs received (a residual sum has two: the skip connection first, then the branch
    when the model writes ``x + branch(x)``)."""

    name: str
    kind: str
    arrived: torch.Tensor
    left: torch.Tensor

    @property
    def kept(self) -> torch.Tensor:
        """``(N,)`` relevance the layer kept (its bias and stabiliser): arrived minus left."""
        return self.arrived - self.left.sum(1)


@dataclass
class RelevanceLedger:
    """The account of one LRP pass (module docstring): ``relevance`` ``(N,3,H,W)`` as
    :func:`~cnnviz_lab.lrp` returns it, ``logit`` ``(N,)`` the explained logits, ``targets``
    ``(N,)`` their classes, ``sites`` in the order the backward pass reached them (output
    first)."""

    relevance: torch.Tensor
    logit: torch.Tensor
    targets: torch.Tensor
    sites: list[Site]

    @property
    def pixels(self) -> torch.Tensor:
        """``(N,)`` the pixels' total relevance."""
        return self.relevance.flatten(1).sum(1)

    @property
    def kept(self) -> torch.Tensor:
        """``(N,)`` the relevance all layers kept together: ``logit - pixels`` when the account closes."""
        if not self.sites:
            return torch.zeros_like(self.logit)
        return torch.stack([s.kept for s in self.sites], 1).sum(1)

    def in_flight(self) -> torch.Tensor:
        """``(N, len(sites) + 1)``: the relevance still travelling towards the pixels, the
        logit first, then after each site in backward order (the logit minus what the sites
        so far kept); the last value is the pixels' total."""
        kept = torch.stack([s.kept for s in self.sites], 1) if self.sites else self.logit[:, None][:, :0]
        return torch.cat([self.logit[:, None], self.logit[:, None] - kept.cumsum(1)], 1)

    def site(self, prefix: str) -> Site:
        """The first site (in backward order) whose name starts with ``prefix``."""
        for s in self.sites:
            if s.name.startswith(prefix):
                return s
        raise ValueError(f"prefix: no site of the pass is named {prefix!r}...; names start with {sorted({s.name.split('.')[0] for s in self.sites})}")


class _Recorded(Rule):
    """A rule that does what ``rule`` does and writes the relevance in and out to ``book``."""

    def __init__(self, rule: Rule, book: "_Book") -> None:
        self.rule, self.book = rule, book

    def forward(self, call: Call) -> None:
        self.rule.forward(call)
        if call.module is not None:
            self.book.last = call.name

    def backward(self, call: Call, grad: torch.Tensor) -> Grads:
        out = self.rule.backward(call, grad)
        parts = out if isinstance(out, tuple) else (out,)
        left = torch.stack([torch.zeros(grad.shape[0], dtype=grad.dtype, device=grad.device) if p is None else p.detach().flatten(1).sum(1) for p in parts], 1)
        name = f"sum after {self.book.names.get(id(call.output), call.name)}" if call.kind is Sum else call.name
        self.book.sites.append(Site(name, call.kind.__name__, grad.detach().flatten(1).sum(1), left))
        return out


class _Book:
    def __init__(self) -> None:
        self.sites: list[Site] = []
        self.last = "input"
        self.names: dict[int, str] = {}


class _RecordingSource:
    """A composite whose rules all report to one book (the engine's rule source)."""

    def __init__(self, composite: Composite, book: _Book) -> None:
        self.composite, self.book = composite, book
        self._wrapped: dict[int, Rule] = {}

    def _wrap(self, rule: Rule | None) -> Rule | None:
        if rule is None:
            return None
        if id(rule) not in self._wrapped:
            self._wrapped[id(rule)] = _Recorded(rule, self.book)
        return self._wrapped[id(rule)]

    def module_rules(self, model: nn.Module) -> dict[nn.Module, tuple[str, Rule]]:
        return {m: (name, self._wrap(rule)) for m, (name, rule) in self.composite.module_rules(model).items()}

    def rule_for_kind(self, kind: type) -> Rule | None:
        rule = self._wrap(self.composite.rule_for_kind(kind))
        if rule is not None and kind is Sum:
            return _SumNamer(rule, self.book)
        return rule


class _SumNamer(Rule):
    """Names a residual sum after the last module the forward pass ran before it."""

    def __init__(self, rule: Rule, book: _Book) -> None:
        self.rule, self.book = rule, book

    def forward(self, call: Call) -> None:
        self.book.names[id(call.output)] = self.book.last
        self.rule.forward(call)

    def backward(self, call: Call, grad: torch.Tensor) -> Grads:
        return self.rule.backward(call, grad)


@contextmanager
def _recording(composite: Composite, module: nn.Module, x: torch.Tensor, book: _Book) -> Iterator[None]:
    with canonized(module, composite.canonizers, x), rules_applied(module, _RecordingSource(composite, book)):
        yield


def relevance_ledger(
    model: ModelLike,
    x: torch.Tensor,
    target=None,
    *,
    composite: str | Composite = "epsilon_plus_flat",
    epsilon: float = 1e-6,
    gamma: float = 0.25,
    low: torch.Tensor | float | None = None,
    high: torch.Tensor | float | None = None,
) -> RelevanceLedger:
    """The LRP pass of :func:`~cnnviz_lab.lrp` (same ``composite``, ``epsilon``, ``gamma``,
    ``low``, ``high``; one class per image: ``target`` None, an int, a class name or one per
    image) with its account (module docstring): the relevance each layer received and
    passed on, so that ``ledger.pixels + ledger.kept`` equals ``ledger.logit``. Bach et al.
    2015 (conservation), Montavon et al. 2019 (the rules and their bias terms)."""
    module, clf, xd = enter(model, x)
    comp = make_composite(composite, clf, xd, epsilon=epsilon, gamma=gamma, low=low, high=high)
    book = _Book()
    with frozen(module), torch.enable_grad():
        xg = xd.requires_grad_(True)
        with _recording(comp, module, xd.detach().clone(), book):
            logits = class_logits(module(xg.clone()))
            if not isinstance(logits, torch.Tensor) or logits.dim() != 2:
                raise ValueError(
                    f"model output: relevance_ledger explains a model returning (N, classes) logits, "
                    f"got {type(logits).__name__} {tuple(getattr(logits, 'shape', ()))}"
                )
            targets, _squeeze = resolve_targets(target, logits.detach(), clf)
            if targets.shape[1] != 1:
                raise ValueError(f"target: relevance_ledger explains one class per image, got {targets.shape[1]} per image (call it once per class)")
            picked = gather_scores(logits, targets)[:, 0]
            (relevance,) = torch.autograd.grad(picked, xg, picked.detach())
    # every tensor of the account lives where the caller's x does (a CPU image explained on a
    # GPU gives a CPU ledger whose parts add up without moving anything)
    sites = [Site(s.name, s.kind, to_caller(s.arrived, x), to_caller(s.left, x)) for s in book.sites]
    return RelevanceLedger(to_caller(relevance.detach(), x), to_caller(picked.detach(), x), to_caller(targets[:, 0], x), sites)


__all__ = ["RelevanceLedger", "Site", "relevance_ledger"]
