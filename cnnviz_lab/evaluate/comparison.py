"""Every method through the same tests: the course's roster, side by side.

:func:`course_methods` gives the roster's methods (registry entries with ``course=True``)
with their settings baked in; :func:`evaluate_methods` runs each through faithfulness
(deletion, insertion), the randomisation sanity check and the pointing game in one call and
returns a :class:`MethodEvaluation` whose ``.table()`` is the summary.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

import torch
import torch.nn.functional as F
from torch import nn

from ..core import checks, defaults
from ..attribution import registry
from ..attribution.common import Target, one_target_per_image
from ..models.classifier import Classifier
from ..core.perturb import Fill
from .faithfulness import Curve, deletion_curve, insertion_curve
from .map_metrics import MAP_METRICS, metric_settings, score_method
from .maps import method_map
from .pointing import pointing_game
from .sanity import RandomizationResult, randomization_check


def roster() -> tuple[str, ...]:
    """The names of the course's methods (registry entries with ``course=True``), in the
    order the notebooks introduce them."""
    return tuple(m.name for m in registry.methods(course=True))


def method_key(name: str) -> str:
    """The canonical name of a course method (``"Guided backprop"``, ``"guided"``,
    ``"grad-cam++"``... are accepted); a name that is not on the roster raises
    ``ValueError`` listing the ones that are."""
    try:
        entry = registry.get_method(name)
    except ValueError:
        entry = None
    if entry is None or not entry.course:
        raise ValueError(f"unknown course method {name!r}; choose from {', '.join(roster())}")
    return entry.name


def course_methods(
    names: Sequence[str] | None = None,
    *,
    smoothgrad_samples: int | None = None,
    ig_steps: int | None = None,
    scorecam_channels: int | None = None,
    occlusion_window: int | None = None,
    occlusion_stride: int | None = None,
    seed: int | None = None,
    settings: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, Callable[..., torch.Tensor]]:
    """``{name: method(model, x, target)}`` for the course's methods (default: the whole
    roster, :func:`roster`), each a function with the common signature and its registry
    settings for the current mode baked in (``Method.configured``), named after the method
    (so results and plots say which it is) and keeping them in ``fn.settings``.

    Registry defaults (full / quick mode): SmoothGrad samples 50/4, Integrated Gradients
    steps 50/8, Score-CAM channels all/16, occlusion window 32 px with stride 16/32 px.
    The keywords here override them; ``settings`` overrides any method's
    (``{"scorecam": {"batch_size": 8}}``); ``seed`` goes to every method that draws at
    random (``None``: unseeded).
    """
    overrides: dict[str, dict[str, Any]] = {
        "smoothgrad": {"n": smoothgrad_samples},
        "integrated_gradients": {"steps": ig_steps},
        "scorecam": {"max_channels": scorecam_channels},
        "occlusion": {"window": occlusion_window, "stride": occlusion_stride},
    }
    out = {}
    for name in names if names is not None else roster():
        entry = registry.get_method(method_key(name))
        baked = {k: v for k, v in overrides.get(entry.name, {}).items() if v is not None}
        if seed is not None and entry.accepts("seed"):
            baked["seed"] = seed
        baked.update((settings or {}).get(entry.name, {}))
        out[entry.name] = entry.configured(**baked)
    return out


def random_map(x: torch.Tensor, *, seed: int | None = None, resolution: int | None = None) -> torch.Tensor:
    """A random attribution map for each image of ``x`` ``(N,C,H,W)``: ``(N,H,W)`` on x's
    device, reproducible for an int ``seed`` (``None``: unseeded). ``resolution=None``: independent uniform noise per pixel;
    ``resolution=r``: uniform noise on an ``r x r`` grid upsampled bilinearly, i.e. random
    *blobs* as smooth as a CAM at that resolution (the fair baseline for a CAM: deleting
    scattered single pixels pushes any image off the data the network knows, whatever the
    map, see notebook 08)."""
    what = "the (N,C,H,W) batch the maps are for"
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"x must be {what}, got {x!r:.60} ({type(x).__name__})")
    if x.dim() != 4 or x.shape[0] == 0:
        raise ValueError(f"x must be {what}, got shape {tuple(x.shape)}")
    resolution = checks.optional_positive_int(resolution, "resolution")
    n, _, h, w = x.shape
    gen = defaults.generator(seed)
    if resolution is None:
        m = torch.rand(n, h, w, generator=gen)
    else:
        m = F.interpolate(torch.rand(n, 1, resolution, resolution, generator=gen), size=(h, w), mode="bilinear", align_corners=False)[:, 0]
    return m.to(x.device)


def _agnostic(name: str) -> bool:
    """Whether ``name`` is a registered method whose map ignores the class."""
    try:
        return registry.get_method(name).agnostic
    except ValueError:
        return False


def _method_name(method: str | Callable[..., torch.Tensor]) -> str:
    return method if isinstance(method, str) else getattr(method, "__name__", type(method).__name__)


def _resolve_methods(methods: Sequence[str | Callable] | Mapping[str, Callable] | None, seed: int | None) -> dict[str, Callable[..., torch.Tensor]]:
    if methods is None:
        return course_methods(seed=seed)
    what = "methods must be a list of method names or functions, or a {name: function} dict"
    if isinstance(methods, Mapping):
        bad = [f"{k!r}: {v!r}" for k, v in methods.items() if not isinstance(k, str) or not callable(v)]
        if bad:
            raise TypeError(f"{what}; got {', '.join(bad)}")
        return dict(methods)
    if isinstance(methods, str) or not isinstance(methods, Sequence):
        raise TypeError(f"{what}, got {methods!r} ({type(methods).__name__})" + (f"; for one method pass [{methods!r}]" if isinstance(methods, str) else ""))
    if not methods:
        raise ValueError(f"{what}; got an empty list")
    out: dict[str, Callable[..., torch.Tensor]] = {}
    for m in methods:
        if isinstance(m, str):
            entry = registry.get_method(m)
            out[entry.name] = entry.configured(**({"seed": seed} if seed is not None and entry.accepts("seed") else {}))
        elif callable(m):
            out[_method_name(m)] = m
        else:
            raise TypeError(f"{what}; got {m!r} ({type(m).__name__}) among them")
    return out


@dataclass
class MethodEvaluation:
    """What :func:`evaluate_methods` measured, per method (rows) and image (columns).

    ``maps``: ``{method: (N,H,W) reduced map}`` (3-channel maps: sum of absolute values);
    ``curves``: ``{method: [deletion Curve, insertion Curve]}`` (feed it to
    ``cv.plot.curves``); ``sanity``: ``{method: RandomizationResult}``; ``pointing``:
    ``{method: (N,) bool}`` when boxes were given; ``seconds``: time each method's map took;
    ``images``: optional names of the images; ``baselines``: the names among the rows that are
    random maps, not methods; ``agnostic``: the methods whose map ignores the class (registry
    entries marked ``agnostic``, EigenCAM): their pointing-game hits for two classes of one
    image are one map scored twice; ``scores``: ``{metric: {method: (N,)}}`` for the
    ``metrics=`` asked for (:data:`~cnnviz_lab.evaluate.map_metrics.MAP_METRICS`), with
    ``better``: ``{metric: "lower" | "higher"}`` (which way is better) and
    ``metric_settings``: the settings each metric ran with.
    """

    methods: list[str]
    maps: dict[str, torch.Tensor] = field(default_factory=dict)
    curves: dict[str, list[Curve]] = field(default_factory=dict)
    sanity: dict[str, RandomizationResult] = field(default_factory=dict)
    pointing: dict[str, torch.Tensor] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    images: list[str] | None = None
    baselines: list[str] = field(default_factory=list)
    agnostic: list[str] = field(default_factory=list)
    scores: dict[str, dict[str, torch.Tensor]] = field(default_factory=dict)
    better: dict[str, str] = field(default_factory=dict)
    metric_settings: dict[str, dict[str, Any]] = field(default_factory=dict)

    def score(self, metric: str, name: str) -> torch.Tensor:
        """Metric ``metric`` (one of ``metrics=``) of method ``name`` per image, ``(N,)``;
        ``better[metric]`` says whether lower or higher is better."""
        if metric not in self.scores:
            raise ValueError(f"metric: {metric!r} was not measured; measured: {', '.join(self.scores) or 'none'}")
        if name not in self.scores[metric]:
            raise ValueError(f"name: no {metric} value for {name!r}; measured for {', '.join(self.scores[metric])}")
        return self.scores[metric][name]

    def deletion(self, name: str) -> torch.Tensor:
        """Deletion AUC of method ``name`` per image, ``(N,)`` (lower is better)."""
        return self.curves[name][0].auc

    def insertion(self, name: str) -> torch.Tensor:
        """Insertion AUC of method ``name`` per image, ``(N,)`` (higher is better)."""
        return self.curves[name][1].auc

    def final_similarity(self, name: str, metric: str = "spearman") -> float:
        """Mean similarity (over images) of ``name``'s map after the whole cascade to its
        original map: near 0 passes the sanity check, high fails it."""
        return float(getattr(self.sanity[name], metric)[:, -1].mean())

    def fails_sanity_check(self, threshold: float = 0.5) -> list[str]:
        """The methods whose map keeps a mean Spearman similarity above ``threshold`` once
        every layer is random: their map does not depend on what the model learned."""
        return [m for m in self.sanity if self.final_similarity(m) > threshold]

    def rows(self) -> list[dict[str, Any]]:
        """One dict per row: method, mean deletion and insertion AUC over the images, the
        final sanity-check Spearman similarity, the pointing-game hit rate, the mean of each
        metric of ``scores`` (column: its label in ``MAP_METRICS``), seconds."""
        out = []
        for name in self.methods + [b for b in self.baselines if b not in self.methods]:
            row: dict[str, Any] = {"method": name}
            if name in self.curves:
                row["deletion AUC"] = float(self.deletion(name).mean())
                row["insertion AUC"] = float(self.insertion(name).mean())
            if name in self.sanity:
                row["similarity after randomisation"] = self.final_similarity(name)
            if name in self.pointing:
                row["pointing game"] = float(self.pointing[name].float().mean())
            for metric, values in self.scores.items():
                if name in values:
                    row[MAP_METRICS[metric].label] = float(values[name].mean())
            if name in self.seconds:
                row["seconds"] = self.seconds[name]
            out.append(row)
        return out

    def table(self, digits: int = 3) -> str:
        """The rows as a Markdown table (it renders in a notebook with ``display(Markdown(...))``
        and reads as plain text)."""
        rows = self.rows()
        cols = list(dict.fromkeys(k for r in rows for k in r))
        lines = ["| " + " | ".join(cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
        for r in rows:
            cells = []
            for c in cols:
                v = r.get(c, "")
                cells.append(f"{v:.{digits}f}" if isinstance(v, float) else str(v))
            lines.append("| " + " | ".join(cells) + " |")
        return "\n".join(lines)

    def _repr_markdown_(self) -> str:
        return self.table()

    def __str__(self) -> str:
        return self.table()


def evaluate_methods(
    model: nn.Module | Classifier,
    x: torch.Tensor,
    methods: Sequence[str | Callable] | Mapping[str, Callable] | None = None,
    target: Target = None,
    *,
    faithfulness: bool = True,
    sanity: bool = True,
    boxes: Sequence | None = None,
    steps: int | None = None,
    fill: Fill = "blur",
    layers: Sequence[str] | None = None,
    init: str = "normal",
    baselines: Mapping[str, torch.Tensor] | None = None,
    images: Sequence[str] | None = None,
    metrics: Sequence[str] | Mapping[str, Mapping[str, Any]] | None = None,
    seed: int | None = None,
    progress: bool | None = None,
) -> MethodEvaluation:
    """Every method through the same tests, in one call.

    For each of ``methods`` (names of course methods, functions with the common signature,
    or ``{name: function}``; default all of :func:`course_methods`):

    - its map for ``target`` (None: each image's top-1 class, fixed once for all methods; or
      a callable giving one score per image, :mod:`cnnviz_lab.targets`, used as it is),
      reduced to ``(N,H,W)`` (3-channel maps: sum of absolute values);
    - ``faithfulness``: deletion (``fill``, default a blurred copy) and insertion curves and
      their AUCs (Petsiuk et al. 2018) with ``steps`` steps;
    - ``sanity``: the cascading randomisation check (Adebayo et al. 2018) over ``layers``
      (default: every block of :func:`randomization_layers`; pass a few for speed), each
      block redrawn as ``init`` says (:func:`randomize_layer`; default ``"normal"``, which
      keeps the activations' scale so that no map dies to zero for the wrong reason);
    - ``boxes``: the pointing game (Zhang et al. 2016) against one list of boxes per image;
    - ``metrics``: more metrics per image, names or ``{name: settings}`` from
      :data:`~cnnviz_lab.evaluate.map_metrics.MAP_METRICS`: ``average_drop`` and
      ``increase_in_confidence`` (Chattopadhay et al. 2018), ``infidelity``,
      ``max_sensitivity`` and ``avg_sensitivity`` (Yeh et al. 2019), ``road`` (Rong et al.
      2022), each with its function's defaults unless the settings say otherwise (e.g.
      ``{"infidelity": {"n": 10}, "road": {"fractions": [0.2, 0.5, 0.8]}}``). They score the
      reduced map the curves score, except infidelity, which reads the method's signed raw
      output (a linear model of the output needs the signs) and the sensitivities, which
      re-run the method; the random baselines get every metric but the sensitivities.

    ``baselines``: ``{name: (N,H,W) map}`` scored by deletion/insertion like the methods;
    default a per-pixel random map and random 7x7 blobs (:func:`random_map`). Returns a
    :class:`MethodEvaluation`; ``.table()`` is the summary, ``.curves`` feeds
    ``cv.plot.curves`` and ``.sanity`` feeds ``cv.plot.sanity_curves``.
    """
    steps = checks.optional_positive_int(steps, "steps")
    extra = metric_settings(metrics)
    fns = _resolve_methods(methods, seed)
    module, clf, xin, cls = one_target_per_image(model, x, target, "evaluate_methods")
    n, c = xin.shape[:2]
    if baselines is None:
        baselines = {"random pixels": random_map(xin, seed=seed), "random blobs": random_map(xin, seed=seed, resolution=7)}
    out = MethodEvaluation(
        methods=list(fns),
        images=list(images) if images is not None else None,
        baselines=list(baselines),
        agnostic=[m for m in fns if _agnostic(m)],
        metric_settings=extra,
        better={k: ("higher" if k == "road" and s.get("order") == "lerf" else MAP_METRICS[k].better) for k, s in extra.items()},
    )
    # One bar for the whole call (maps, sanity checks, curves); the calls inside show none.
    curves = len(fns) + len(baselines) if faithfulness else 0
    scored = len(baselines) if extra else 0
    per_method = 1 + (len(layers) if layers else 8 if sanity else 0) + 8 * len(extra)
    images = n * (len(fns) * per_method + curves * 2 * (steps or 20) + scored * 8 * len(extra))
    bar = defaults.progress_bar(total=len(fns) + curves + scored, images=images, progress=progress, desc="evaluate_methods", unit="step")
    try:
        for name, fn in fns.items():
            start = time.perf_counter()
            raw = fn(model, xin, cls)
            out.maps[name] = method_map(raw, n, c)
            out.seconds[name] = time.perf_counter() - start
            if boxes is not None:
                out.pointing[name] = pointing_game(out.maps[name], boxes)
            if sanity:
                out.sanity[name] = randomization_check(model, fn, xin, cls, layers=layers, seed=seed, init=init, progress=progress)
            for metric, values in score_method(model, xin, cls, out.maps[name], fn, extra, seed, raw=raw).items():
                out.scores.setdefault(metric, {})[name] = values
            bar.update(1)
        if faithfulness:
            for name, m in [*out.maps.items(), *baselines.items()]:
                out.curves[name] = [
                    deletion_curve(model, xin, m, cls, steps=steps, fill=fill, seed=seed, progress=progress),
                    insertion_curve(model, xin, m, cls, steps=steps, seed=seed, progress=progress),
                ]
                bar.update(1)
        if extra:
            for name, m in baselines.items():
                for metric, values in score_method(model, xin, cls, torch.as_tensor(m).to(xin.device), None, extra, seed).items():
                    out.scores.setdefault(metric, {})[name] = values
                bar.update(1)
    finally:
        bar.close()
    for name, m in baselines.items():
        out.maps.setdefault(name, torch.as_tensor(m).to(xin.device))
        if boxes is not None:
            out.pointing[name] = pointing_game(out.maps[name], boxes)
    return out


__all__ = ["MethodEvaluation", "course_methods", "evaluate_methods", "method_key", "random_map", "roster"]
