"""The metrics beyond deletion and insertion, as :func:`cnnviz_lab.evaluate.evaluate_methods`
reports them: one number per image for each method, with its direction.

- ``average_drop`` and ``increase_in_confidence`` (Chattopadhay et al. 2018): show the model
  only what the map highlights; the share of the score lost (lower is better) and whether
  the score rose (higher is better);
- ``infidelity`` (Yeh et al. 2019): the mean squared error of the map as a linear model of
  the output's change under random noise (lower is better);
- ``road`` (Rong et al. 2022): the area under the ROAD curve, pixels removed most relevant
  first and filled by noisy linear imputation (lower is better; ``order="lerf"``: higher);
- ``max_sensitivity`` and ``avg_sensitivity`` (Yeh et al. 2019): how far the map moves when
  the image moves a little (lower is better). They re-run the method, so random baseline
  maps get no value; both come from one set of draws when their settings agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

import torch
from torch import nn

from ..models.classifier import Classifier
from .confidence import explanation_scores
from .infidelity import infidelity
from .road import road
from .sensitivity import sensitivities


@dataclass(frozen=True)
class MapMetric:
    """A metric of :data:`MAP_METRICS`: its column label, its direction (``"lower"`` or
    ``"higher"`` is better) and whether it re-runs the method (``reruns``: no value for a
    fixed map such as a random baseline)."""

    name: str
    label: str
    better: str
    reruns: bool = False


MAP_METRICS: dict[str, MapMetric] = {
    m.name: m
    for m in (
        MapMetric("average_drop", "average drop", "lower"),
        MapMetric("increase_in_confidence", "increase in confidence", "higher"),
        MapMetric("infidelity", "infidelity", "lower"),
        MapMetric("road", "ROAD AUC", "lower"),
        MapMetric("max_sensitivity", "max-sensitivity", "lower", reruns=True),
        MapMetric("avg_sensitivity", "avg-sensitivity", "lower", reruns=True),
    )
}


def metric_settings(metrics: Sequence[str] | Mapping[str, Mapping[str, Any]] | None) -> dict[str, dict[str, Any]]:
    """``metrics`` checked: names of :data:`MAP_METRICS` or ``{name: settings}`` (the
    settings go to the metric's function: ``n``, ``noise``, ``fractions``, ``radius``,
    ``fill``...); ``{name: settings}`` in the order given."""
    if metrics is None:
        return {}
    what = f"metrics must be names from {', '.join(MAP_METRICS)} or {{name: settings}}"
    if isinstance(metrics, str):
        raise TypeError(f"{what}, got the string {metrics!r}; for one metric pass [{metrics!r}]")
    if isinstance(metrics, Mapping):
        items = list(metrics.items())
    elif isinstance(metrics, Sequence):
        items = [(m, {}) for m in metrics]
    else:
        raise TypeError(f"{what}, got {metrics!r:.60} ({type(metrics).__name__})")
    out: dict[str, dict[str, Any]] = {}
    for name, settings in items:
        if not isinstance(name, str) or name not in MAP_METRICS:
            raise ValueError(f"metrics: unknown metric {name!r}; choose from {', '.join(MAP_METRICS)}")
        if not isinstance(settings, Mapping) or not all(isinstance(k, str) for k in settings):
            raise TypeError(f"metrics: the settings of {name!r} must be a {{keyword: value}} dict, got {settings!r:.60}")
        out[name] = dict(settings)
    return out


def score_method(
    model: nn.Module | Classifier,
    x: torch.Tensor,
    target: list[int],
    attribution: torch.Tensor,
    method: Callable[..., torch.Tensor] | None,
    metrics: Mapping[str, Mapping[str, Any]],
    seed: int | None,
    raw: torch.Tensor | None = None,
) -> dict[str, torch.Tensor]:
    """``{metric: (N,) float}`` for one method's ``attribution`` (its reduced ``(N,H,W)``
    map) on the images ``x`` and their classes ``target``; ``raw``: the method's own output
    (default ``attribution``), which infidelity reads (Yeh et al. score the signed
    attribution of every input element); ``method`` re-runs it for the sensitivity metrics
    (``None``: a fixed map, which gets none). ``seed`` goes to every metric that draws at
    random unless its settings give one."""
    out: dict[str, torch.Tensor] = {}
    seeded = {name: {"seed": seed, **s} for name, s in metrics.items()}
    shown: dict[str, tuple[torch.Tensor, torch.Tensor]] = {}  # one masked forward per distinct settings
    for name in ("average_drop", "increase_in_confidence"):
        if name not in metrics:
            continue
        key = repr(sorted(metrics[name].items()))
        if key not in shown:
            shown[key] = explanation_scores(model, x, attribution, target, **metrics[name])
        full, masked = shown[key]
        if name == "increase_in_confidence":
            out[name] = (full < masked).float()
        elif bool((full <= 0).any()):
            raise ValueError("metrics: average_drop is relative to the score on the full image, which is not positive for some image; use output='prob'")
        else:
            out[name] = ((full - masked).clamp(min=0) / full).float()
    if "infidelity" in metrics:
        signed = attribution if raw is None else raw
        out["infidelity"] = infidelity(model, x, signed, target, progress=False, **seeded["infidelity"]).float()
    if "road" in metrics:
        out["road"] = road(model, x, attribution, target, progress=False, **seeded["road"]).auc.float()
    wanted = [m for m in ("max_sensitivity", "avg_sensitivity") if m in metrics]
    if method is not None and wanted:
        draws: dict[str, torch.Tensor] = {}
        for name in wanted:
            key = repr(sorted(seeded[name].items()))
            if key not in draws:
                draws[key] = sensitivities(model, x, target, method=method, progress=False, **seeded[name])
            out[name] = (draws[key].amax(1) if name == "max_sensitivity" else draws[key].mean(1)).float()
    return {k: out[k] for k in metrics if k in out}


__all__ = ["MAP_METRICS", "MapMetric", "metric_settings", "score_method"]
