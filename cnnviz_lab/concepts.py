"""Testing with Concept Activation Vectors (TCAV), Kim et al., ICML 2018.

A *concept* ("striped") is given by example images. At a layer ``l`` with activations
``f_l(x)``, a linear classifier separates the concept's activations from those of random
images; the normal of its decision boundary, pointing towards the concept, is the **concept
activation vector** ``v_C``. For an image ``x`` of class ``k`` the directional derivative

    S_{C,k,l}(x) = grad h_{l,k}(f_l(x)) . v_C

(``h_{l,k}`` maps the layer's activations to the class's logit) says whether nudging the
activations towards the concept raises the class score. The **TCAV score** is the fraction
of the class's images with ``S > 0``. A score can be high by chance (any direction raises
the logit of half the images, or all of them); so the CAV is trained against several random
counterexample sets, and the scores are compared, by a two-sided Student t-test, with those
of CAVs trained between two random sets. Only a significant difference means the concept
matters to the class at that layer.

Everything is torch: the linear classifier is L2-regularised logistic regression fitted
with L-BFGS, the t-test's p-value comes from the regularised incomplete beta function.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import torch
import torch.nn.functional as F
from .defaults import progress_bar

from .models import Classifier, unwrap

LayerRef = str | torch.nn.Module


def _layer_names(module: torch.nn.Module, layers: Sequence[LayerRef]) -> list[str]:
    """Layer names, modules looked up by identity; an unknown name raises with close matches."""
    from .layers import get_layer

    if isinstance(layers, (str, torch.nn.Module)):
        layers = [layers]
    names = {m: n for n, m in module.named_modules()}
    out = []
    for layer in layers:
        if isinstance(layer, torch.nn.Module):
            if layer not in names:
                raise ValueError(f"layers: {type(layer).__name__} is not a submodule of the model")
            out.append(names[layer])
        else:
            get_layer(module, layer)          # the package's clear error for a wrong name
            out.append(str(layer))
    if not out:
        raise ValueError("layers: name at least one layer")
    return out


def _class_index(target: Any, classifier: Classifier | None) -> int:
    if isinstance(target, str):
        if classifier is None:
            raise TypeError(f"target {target!r}: a class name needs a Classifier; pass the class index")
        return classifier.class_index(target)
    if isinstance(target, bool) or not isinstance(target, (int, torch.Tensor)) or \
            (isinstance(target, torch.Tensor) and target.numel() != 1):
        raise TypeError(f"target must be one class (an int or a class name), got {target!r}")
    return int(target)


def _prepare(module: torch.nn.Module, x: torch.Tensor) -> torch.Tensor:
    if not isinstance(x, torch.Tensor) or x.dim() != 4:
        raise ValueError(f"images must be a preprocessed (N,3,H,W) tensor, got {getattr(x, 'shape', type(x))}")
    dev = next((t.device for t in [*module.parameters(), *module.buffers()]), torch.device("cpu"))
    return x.detach().to(dev, torch.float32)


@dataclass
class CAV:
    """A concept activation vector: ``vector`` (``(D,)``, unit length, towards the concept,
    in the layer's flattened activation space), ``bias`` of the classifier (in units of the
    unit vector), and ``accuracy`` of the classifier on held-out activations."""

    vector: torch.Tensor
    bias: float
    accuracy: float


def _flat(acts: torch.Tensor, name: str) -> torch.Tensor:
    a = torch.as_tensor(acts).detach()
    if a.dim() < 2 or a.shape[0] < 2:
        raise ValueError(f"{name}: activations must be (N,...) with N >= 2 examples, got {tuple(a.shape)}")
    if not a.is_floating_point() or not torch.isfinite(a).all():
        raise ValueError(f"{name}: activations must be finite floats")
    return a.reshape(a.shape[0], -1).float()


def cav(concept: torch.Tensor, counterexamples: torch.Tensor, *, l2: float = 0.01, holdout: float = 0.25,
        steps: int = 100, seed: int | None = 0) -> CAV:
    """The CAV separating ``concept`` activations (``(N,...)``) from ``counterexamples``
    (``(M,...)``, same trailing shape), as in Kim et al. (2018): a logistic regression
    ``sigmoid(w . a + b)`` with penalty ``l2/2 * |w|^2`` (the ``alpha`` of the paper's
    scikit-learn classifier), fitted by L-BFGS for at most ``steps`` iterations on a
    ``1 - holdout`` share of each set (drawn with ``seed``) and scored on the rest. The
    CAV is ``w / |w|``."""
    c, r = _flat(concept, "concept"), _flat(counterexamples, "counterexamples")
    if c.shape[1] != r.shape[1]:
        raise ValueError(f"concept and counterexample activations differ in size: {c.shape[1]} vs {r.shape[1]}")
    if not 0 <= holdout < 1:
        raise ValueError(f"holdout must be in [0, 1), got {holdout!r}")
    gen = torch.Generator().manual_seed(0 if seed is None else seed)

    def split(a: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        k = min(len(a) - 1, int(round(len(a) * holdout))) if holdout > 0 else 0
        perm = torch.randperm(len(a), generator=gen).to(a.device)
        return a[perm[k:]], a[perm[:k]]

    (c_fit, c_test), (r_fit, r_test) = split(c), split(r)
    x = torch.cat([c_fit, r_fit])
    y = torch.cat([torch.ones(len(c_fit)), torch.zeros(len(r_fit))]).to(x.device)
    scale = x.abs().mean().clamp(min=1e-12)                  # a well-conditioned problem, same direction
    xs = x / scale
    w = torch.zeros(x.shape[1], device=x.device, requires_grad=True)
    b = torch.zeros((), device=x.device, requires_grad=True)
    opt = torch.optim.LBFGS([w, b], max_iter=int(steps), line_search_fn="strong_wolfe")

    def closure() -> torch.Tensor:
        opt.zero_grad()
        loss = F.binary_cross_entropy_with_logits(xs @ w + b, y) + 0.5 * l2 * (w * scale).pow(2).sum()
        loss.backward()
        return loss

    with torch.enable_grad():
        opt.step(closure)
    w, b = w.detach() / scale, b.detach()
    norm = w.norm().clamp(min=1e-30)
    test_x = torch.cat([c_test, r_test])
    test_y = torch.cat([torch.ones(len(c_test)), torch.zeros(len(r_test))]).to(x.device)
    if len(test_x):
        accuracy = float(((test_x @ w + b > 0).float() == test_y).float().mean())
    else:
        accuracy = float(((x @ w + b > 0).float() == y).float().mean())
    return CAV((w / norm).cpu(), float(b / norm), accuracy)


def layer_activations(model: torch.nn.Module | Classifier, x: torch.Tensor, layers: Sequence[LayerRef],
                      batch_size: int = 16, progress: Any = None) -> dict[str, torch.Tensor]:
    """``{layer: (N,...) activations}`` of ``x`` (a preprocessed batch), detached on the CPU,
    in batches of ``batch_size`` without autograd (the model is frozen meanwhile)."""
    from .layers import capture
    from .modelstate import frozen

    module, _ = unwrap(model)
    names = _layer_names(module, layers)
    out: dict[str, list[torch.Tensor]] = {n: [] for n in names}
    with torch.no_grad(), frozen(module):
        for i in range(0, x.shape[0], batch_size):
            xb = _prepare(module, x[i:i + batch_size])
            with capture(module, names) as cap:
                module(xb)
            for n in names:
                out[n].append(cap[n].detach().float().cpu())
            if progress is not None:
                progress.update(1)
    return {n: torch.cat(v) for n, v in out.items()}


def class_gradients(model: torch.nn.Module | Classifier, x: torch.Tensor, target: Any,
                    layers: Sequence[LayerRef], batch_size: int = 8, progress: Any = None
                    ) -> dict[str, torch.Tensor]:
    """``{layer: (N,...)}``: the gradient of the ``target`` class's logit with respect to each
    layer's activations, for each image of ``x``: one forward and one backward pass per batch
    for all layers at once, no parameter gradient, hooks removed afterwards."""
    from .layers import capture
    from .modelstate import frozen

    module, clf = unwrap(model)
    cls = _class_index(target, clf)
    names = _layer_names(module, layers)
    out: dict[str, list[torch.Tensor]] = {n: [] for n in names}
    with frozen(module), torch.enable_grad():
        for i in range(0, x.shape[0], batch_size):
            xb = _prepare(module, x[i:i + batch_size])
            with capture(module, names, gradients=True) as cap:
                logits = module(xb)
                if not 0 <= cls < logits.shape[1]:
                    raise IndexError(f"target class {cls} out of range 0..{logits.shape[1] - 1}")
                grads = torch.autograd.grad(logits[:, cls].sum(), [cap[n] for n in names])
            for n, g in zip(names, grads):
                out[n].append(g.detach().float().cpu())
            if progress is not None:
                progress.update(1)
    return {n: torch.cat(v) for n, v in out.items()}


def tcav_score(gradients: torch.Tensor, concept_vector: CAV | torch.Tensor) -> float:
    """The TCAV score: the fraction of class images whose directional derivative
    ``gradient . v_C`` is positive. ``gradients``: ``(N,...)`` from :func:`class_gradients`
    at the CAV's layer."""
    g = _flat(gradients, "gradients") if gradients.shape[0] > 1 else gradients.reshape(1, -1).float()
    v = concept_vector.vector if isinstance(concept_vector, CAV) else torch.as_tensor(concept_vector)
    if v.numel() != g.shape[1]:
        raise ValueError(f"the CAV has {v.numel()} entries but the gradients {g.shape[1]}: same layer?")
    return float((g @ v.reshape(-1).float().to(g.device) > 0).float().mean())


def _betacf(a: float, b: float, x: float) -> float:
    """Continued fraction of the incomplete beta function (modified Lentz)."""
    tiny, qab, qap, qam = 1e-300, a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 300):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c if abs(1.0 + aa / c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c if abs(1.0 + aa / c) > tiny else tiny
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-15:
            break
    return h


def incomplete_beta(a: float, b: float, x: float) -> float:
    """The regularised incomplete beta function ``I_x(a, b)`` (Numerical Recipes 6.4)."""
    if not 0.0 <= x <= 1.0:
        raise ValueError(f"x must be in [0, 1], got {x}")
    if x in (0.0, 1.0):
        return x
    front = math.exp(math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x))
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _betacf(a, b, x) / a
    return 1.0 - front * _betacf(b, a, 1.0 - x) / b


def t_test(a: Sequence[float] | torch.Tensor, b: Sequence[float] | torch.Tensor) -> tuple[float, float]:
    """Two-sided Student t-test for two independent samples with equal variances (what the
    TCAV reference code runs, ``scipy.stats.ttest_ind``): ``(t, p)``. Two constant samples
    give ``p = 1`` when their means agree and ``p = 0`` otherwise."""
    x = torch.as_tensor(a, dtype=torch.float64).flatten()
    y = torch.as_tensor(b, dtype=torch.float64).flatten()
    n, m = x.numel(), y.numel()
    if n < 2 or m < 2:
        raise ValueError(f"the t-test needs at least two values per sample, got {n} and {m}")
    df = n + m - 2
    pooled = (((x - x.mean()) ** 2).sum() + ((y - y.mean()) ** 2).sum()) / df
    diff = float(x.mean() - y.mean())
    se = math.sqrt(float(pooled) * (1 / n + 1 / m))
    if se == 0.0:
        return (0.0, 1.0) if diff == 0 else (math.copysign(math.inf, diff), 0.0)
    t = diff / se
    return t, incomplete_beta(df / 2, 0.5, df / (df + t * t))


@dataclass
class TCAVResult:
    """What :func:`tcav` measured for one class. ``scores[(concept, layer)]``: ``(R,)`` TCAV
    scores of the concept's CAVs against each of the R random sets; ``random_scores[layer]``:
    ``(R,)`` scores of CAVs between two random sets; ``accuracy[(concept, layer)]``: held-out
    accuracy of each concept CAV; ``p_values[(concept, layer)]``: two-sided t-test of the
    concept's scores against the random ones."""

    target: int
    target_name: str
    concepts: list[str]
    layers: list[str]
    scores: dict[tuple[str, str], torch.Tensor] = field(default_factory=dict)
    random_scores: dict[str, torch.Tensor] = field(default_factory=dict)
    accuracy: dict[tuple[str, str], torch.Tensor] = field(default_factory=dict)
    p_values: dict[tuple[str, str], float] = field(default_factory=dict)

    def mean(self, concept: str, layer: str) -> float:
        """Mean TCAV score of ``concept`` at ``layer`` over the random sets."""
        return float(self.scores[(concept, layer)].mean())

    def significant(self, concept: str, layer: str, alpha: float = 0.05) -> bool:
        """Whether the concept's scores differ from the random CAVs' at level ``alpha``."""
        return self.p_values[(concept, layer)] < alpha

    def rows(self) -> list[dict[str, Any]]:
        return [{"concept": c, "layer": la, "TCAV": self.mean(c, la),
                 "random": float(self.random_scores[la].mean()),
                 "CAV accuracy": float(self.accuracy[(c, la)].mean()), "p": self.p_values[(c, la)],
                 "significant": self.significant(c, la)} for c in self.concepts for la in self.layers]

    def table(self) -> str:
        """Markdown table: one row per concept and layer."""
        lines = [f"TCAV for class '{self.target_name}'", "",
                 "| concept | layer | TCAV score | random CAVs | CAV accuracy | p | significant |",
                 "|---|---|---|---|---|---|---|"]
        for r in self.rows():
            lines.append(f"| {r['concept']} | {r['layer']} | {r['TCAV']:.2f} | {r['random']:.2f} | "
                         f"{r['CAV accuracy']:.2f} | {r['p']:.2g} | {'yes' if r['significant'] else 'no'} |")
        return "\n".join(lines)

    def _repr_markdown_(self) -> str:
        return self.table()


def tcav(model: torch.nn.Module | Classifier, class_images: torch.Tensor, target: Any,
         concepts: Mapping[str, torch.Tensor | Sequence[torch.Tensor]], random_sets: Sequence[torch.Tensor],
         layers: Sequence[LayerRef], *, l2: float = 0.01, seed: int | None = 0, batch_size: int = 16,
         threads: int | None = None, progress: bool | None = None) -> TCAVResult:
    """TCAV (Kim et al. 2018) of each concept for class ``target`` at each layer.

    ``class_images``: preprocessed ``(N,3,H,W)`` images of the class. ``random_sets``: R
    preprocessed batches of random images (R >= 3): the repeats. ``concepts``: ``{name:
    examples}``, either one preprocessed batch (used in every repeat, as in the paper) or R
    batches, a fresh sample of the concept for each repeat (better: then the repeats are
    independent, see below).

    Repeat ``i`` trains, at each layer, a CAV of each concept (its batch ``i``) against
    random set ``i``, and a random CAV of random set ``i + 1`` (the last: set 0) against
    random set ``i``. The class images' TCAV scores (:func:`tcav_score`) with the R concept
    CAVs and with the R random CAVs form two samples, compared by a two-sided t-test
    (:func:`t_test`): a concept matters when its scores differ significantly from those of
    random directions. With one fixed concept batch the R concept CAVs share that batch and
    vary less than the random ones, which makes the test too optimistic (a random set used as
    a concept then passes it too often): give R batches when you can draw them.
    ``seed`` fixes the held-out splits. ``threads``: CPU threads meanwhile, for a model on
    the CPU (:func:`cnnviz_lab.train.cpu_threads`; ``None`` keeps torch's setting: on cores
    shared with other work, one thread can be several times faster). One progress bar for
    the whole run.
    """
    from .train import cpu_threads

    module, clf = unwrap(model)
    on_cpu = all(p.device.type == "cpu" for p in module.parameters())
    with cpu_threads(threads if on_cpu else None):
        return _tcav(model, module, clf, class_images, target, concepts, random_sets, layers, l2, seed,
                     batch_size, progress)


def _tcav(model, module, clf, class_images, target, concepts, random_sets, layers, l2, seed, batch_size,
          progress) -> TCAVResult:
    cls = _class_index(target, clf)
    reps = len(random_sets)
    if reps < 3:
        raise ValueError(f"random_sets: give at least 3 batches of random images (the repeats of the test), "
                         f"got {reps}")
    if not concepts:
        raise ValueError("concepts: give at least one {name: images}")
    per_repeat: dict[str, list[torch.Tensor]] = {}
    for c, x in concepts.items():
        batches_c = list(x) if isinstance(x, (list, tuple)) else [x]
        if len(batches_c) not in (1, reps):
            raise ValueError(f"concepts[{c!r}]: one batch or one per random set ({reps}), got {len(batches_c)}")
        per_repeat[c] = batches_c
    names = _layer_names(module, layers)
    batches = sum(-(-len(x) // batch_size) for x in [*random_sets, *(b for v in per_repeat.values() for b in v)])
    total = batches + -(-len(class_images) // 8) + reps * len(names) * (len(concepts) + 1)
    label = clf.label(cls) if clf is not None else f"class {cls}"
    result = TCAVResult(cls, label, list(concepts), names)
    with progress_bar(total=total, images=total, progress=progress is not False, desc="TCAV", unit="step") as bar:
        grads = class_gradients(model, class_images, cls, names, progress=bar)
        rand = [layer_activations(model, r, names, batch_size, bar) for r in random_sets]
        acts = {c: [layer_activations(model, x, names, batch_size, bar) for x in v] for c, v in per_repeat.items()}
        for la in names:
            base = []
            for i in range(reps):
                v = cav(rand[(i + 1) % reps][la], rand[i][la], l2=l2, seed=None if seed is None else seed + i)
                base.append(tcav_score(grads[la], v))
                bar.update(1)
            result.random_scores[la] = torch.tensor(base)
            for c in concepts:
                s, acc = [], []
                for i in range(reps):
                    own = acts[c][i % len(acts[c])][la]
                    v = cav(own, rand[i][la], l2=l2, seed=None if seed is None else seed + i)
                    s.append(tcav_score(grads[la], v))
                    acc.append(v.accuracy)
                    bar.update(1)
                result.scores[(c, la)] = torch.tensor(s)
                result.accuracy[(c, la)] = torch.tensor(acc)
                result.p_values[(c, la)] = t_test(result.scores[(c, la)], result.random_scores[la])[1]
    return result


__all__ = ["CAV", "TCAVResult", "cav", "class_gradients", "incomplete_beta", "layer_activations", "t_test",
           "tcav", "tcav_score"]
