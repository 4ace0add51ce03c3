"""The mechanics of backward rules: rules, composites and canonizers over one engine.

- :mod:`.rules`: :class:`Rule` (how one layer passes gradient or relevance backwards),
  :class:`Call` (what a rule sees), and the plain rules ``Pass``, ``Guided``, ``Deconvnet``,
  ``Refuse``;
- :mod:`.lrp_rules`: LRP's epsilon, z+, alpha-beta, gamma, flat, w-square, z-box and norm
  rules; :mod:`.deeplift_rules`: DeepLIFT's Rescale rule and its max-pooling rule;
- :mod:`.composites`: :class:`Composite` (which layer gets which rule) and the named LRP
  composites; :mod:`.canonizers`: :class:`MergeBatchNorm`;
- :mod:`.engine`: the one mechanism that applies them (module hooks plus a function mode,
  for the ``with`` block only).
"""

from .canonizers import Canonizer, MergeBatchNorm, canonized
from .composites import COMPOSITES, Composite, First, Last, epsilon_alpha2_beta1, epsilon_gamma_box, epsilon_plus, epsilon_plus_flat
from .deeplift_rules import MaxPoolRescale, Rescale
from .engine import Sum, rules_applied
from .lrp_rules import AlphaBeta, Epsilon, Flat, Gamma, Norm, WSquare, ZBox, ZPlus
from .rules import Call, Deconvnet, Guided, Pass, Refuse, Rule

__all__ = [
    "AlphaBeta",
    "COMPOSITES",
    "Call",
    "Canonizer",
    "Composite",
    "Deconvnet",
    "Epsilon",
    "First",
    "Flat",
    "Gamma",
    "Guided",
    "Last",
    "MaxPoolRescale",
    "MergeBatchNorm",
    "Norm",
    "Pass",
    "Refuse",
    "Rescale",
    "Rule",
    "Sum",
    "WSquare",
    "ZBox",
    "ZPlus",
    "canonized",
    "epsilon_alpha2_beta1",
    "epsilon_gamma_box",
    "epsilon_plus",
    "epsilon_plus_flat",
    "rules_applied",
]
