"""A hand-made TCAV result (one concept, one layer) for the figure tests."""

from __future__ import annotations

import torch

import cnnviz_lab as cv
from cnnviz_lab.concepts.tcav import TCAVResult


def tcav_result(concept_scores, random_scores, layer: str = "feat") -> TCAVResult:
    """A result for target 'zebra' and concept 'striped' at ``layer``, with these scores."""
    s, r = torch.tensor(concept_scores), torch.tensor(random_scores)
    return TCAVResult(
        target=0,
        target_name="zebra",
        concepts=["striped"],
        layers=[layer],
        scores={("striped", layer): s},
        random_scores={layer: r},
        accuracy={("striped", layer): torch.ones(len(s))},
        p_values={("striped", layer): cv.t_test(s, r)[1]},
    )
