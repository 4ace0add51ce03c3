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

import numbers
from dataclasses import dataclass, field
from typing import Any, Iterator, Mapping, Sequence

import numpy as np
import torch

from ..core import checks
from ..core.defaults import progress_bar
from ..core.errors import OutOfRangeError
from ..evaluate.maps import as_tensor
from ..models.classifier import Classifier
from ..core.gate import _input_channels, check_batch, unwrap
from ..core.state import model_device, model_dtype
from .vectors import _flat, CAV, cav
from .stats import holm, incomplete_beta, t_test

LayerRef = str | torch.nn.Module


def _layer_names(module: torch.nn.Module, layers: Sequence[LayerRef]) -> list[str]:
    """Layer names, modules looked up by identity; an unknown name raises with close matches."""
    from ..core.layer_lookup import get_layer

    if isinstance(layers, (str, torch.nn.Module)):
        layers = [layers]
    if not isinstance(layers, (list, tuple)):
        raise TypeError(f"layers must be a layer name, a module of the model or a list of them, got {layers!r:.60} ({type(layers).__name__})")
    names = {m: n for n, m in module.named_modules()}
    out = []
    for layer in layers:
        try:
            found = get_layer(module, layer)
        except (TypeError, ValueError) as err:  # the package's clear error, said of layers
            raise type(err)(f"layers: {err}") from None
        out.append(names[found] if isinstance(layer, torch.nn.Module) else str(layer))
    if not out:
        raise ValueError("layers: name at least one layer")
    return out


def _class_index(target: Any, classifier: Classifier | None) -> int:
    """One class: an int (numpy and 0-d tensors too) or a class name (Classifier only)."""
    if isinstance(target, str):
        if classifier is None:
            raise TypeError(f"target {target!r}: a class name needs a Classifier; pass the class index")
        try:
            return classifier.class_index(target)
        except ValueError as err:
            raise type(err)(f"target: {err}") from None
    if (
        isinstance(target, (torch.Tensor, np.ndarray))
        and target.ndim == 0
        and not (target.dtype == torch.bool if isinstance(target, torch.Tensor) else target.dtype.kind == "b")
    ):
        target = target.item()
    if isinstance(target, (bool, np.bool_)) or not isinstance(target, (numbers.Integral, np.integer)):
        raise TypeError(f"target must be one class (an int or a class name), got {target!r:.60} ({type(target).__name__})")
    return int(target)


def _check_class(cls: int, classes: int) -> None:
    if not 0 <= cls < classes:
        raise OutOfRangeError(f"target: class {cls} is out of range: the model has {classes} classes (0..{classes - 1})")


def _images(module: torch.nn.Module, x: Any, name: str, minimum: int = 1) -> torch.Tensor:
    """A batch through the gate (not copied: :func:`_batches` copies each batch)."""
    x = check_batch(x, name, _input_channels(module))
    if x.shape[0] < minimum:
        raise ValueError(f"{name}: give at least {minimum} images (a CAV is fitted on them), got {x.shape[0]}")
    return x


def _batches(module: torch.nn.Module, x: torch.Tensor, batch_size: int) -> Iterator[torch.Tensor]:
    """Fresh copies of ``x``'s batches on the model's device in its dtype (a model that writes
    its input in place never reaches the caller's storage)."""
    dev, dtype = model_device(module), model_dtype(module)
    for i in range(0, x.shape[0], batch_size):
        yield x[i : i + batch_size].detach().to(dev, dtype, copy=True)


def layer_activations(
    model: torch.nn.Module | Classifier, x: torch.Tensor, layers: Sequence[LayerRef], batch_size: int = 16, progress: Any = None, name: str = "x"
) -> dict[str, torch.Tensor]:
    """``{layer: (N,...) activations}`` of ``x`` (a preprocessed batch, called ``name`` in
    errors), detached on the CPU, in batches of ``batch_size`` without autograd (the model
    is frozen meanwhile)."""
    from ..core.hooks import capture
    from ..core.state import frozen

    module, _ = unwrap(model)
    x = _images(module, x, name)
    names = _layer_names(module, layers)
    batch_size = checks.positive_int(batch_size, "batch_size")
    out: dict[str, list[torch.Tensor]] = {n: [] for n in names}
    with torch.no_grad(), frozen(module):
        for xb in _batches(module, x, batch_size):
            with capture(module, names) as cap:
                module(xb)
            for n in names:
                out[n].append(cap[n].detach().float().cpu())
            if progress is not None:
                progress.update(1)
    return {n: torch.cat(v) for n, v in out.items()}


def class_gradients(
    model: torch.nn.Module | Classifier, x: torch.Tensor, target: Any, layers: Sequence[LayerRef], batch_size: int = 8, progress: Any = None
) -> dict[str, torch.Tensor]:
    """``{layer: (N,...)}``: the gradient of the ``target`` class's logit (one class: an int
    or, for a Classifier, a name) with respect to each layer's activations, for each image
    of ``x`` (``(N,3,H,W)``, or one ``(3,H,W)`` image): one forward and one backward pass per
    batch for all layers at once, no parameter gradient, hooks removed afterwards."""
    from ..core.hooks import capture
    from ..core.state import frozen

    module, clf = unwrap(model)
    x = _images(module, x, "x")
    cls = _class_index(target, clf)
    names = _layer_names(module, layers)
    batch_size = checks.positive_int(batch_size, "batch_size")
    out: dict[str, list[torch.Tensor]] = {n: [] for n in names}
    with frozen(module), torch.enable_grad():
        for xb in _batches(module, x, batch_size):
            with capture(module, names, gradients=True) as cap:
                logits = module(xb)
                _check_class(cls, logits.shape[1])
                grads = torch.autograd.grad(logits[:, cls].sum(), [cap[n] for n in names])
            for n, g in zip(names, grads):
                out[n].append(g.detach().float().cpu())
            if progress is not None:
                progress.update(1)
    return {n: torch.cat(v) for n, v in out.items()}


def tcav_score(gradients: torch.Tensor, concept_vector: CAV | torch.Tensor) -> float:
    """The TCAV score: the fraction of class images whose directional derivative
    ``gradient . v_C`` is positive. ``gradients``: ``(N,...)`` from :func:`class_gradients`
    at the CAV's layer, N >= 1; ``concept_vector``: a :class:`CAV` or its vector."""
    g = _flat(gradients, "gradients", minimum=1)
    v = concept_vector.vector if isinstance(concept_vector, CAV) else concept_vector
    v = as_tensor(v, "concept_vector").detach().reshape(-1).float()
    if not bool(torch.isfinite(v).all()):
        raise ValueError("concept_vector has NaN or infinite values")
    if v.numel() != g.shape[1]:
        raise ValueError(f"concept_vector has {v.numel()} entries but the gradients {g.shape[1]}: same layer?")
    return float((g @ v.to(g.device) > 0).float().mean())


@dataclass
class TCAVResult:
    """What :func:`tcav` measured for one class. ``scores[(concept, layer)]``: ``(R,)`` TCAV
    scores of the concept's CAVs against each of the R random sets; ``random_scores[layer]``:
    ``(R,)`` scores of CAVs between two random sets; ``accuracy[(concept, layer)]``: held-out
    accuracy of each concept CAV; ``p_values[(concept, layer)]``: two-sided t-test of the
    concept's scores against the random ones, uncorrected; :attr:`adjusted_p_values`: the same
    corrected for testing every concept at every layer at once (Holm 1979)."""

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

    @property
    def adjusted_p_values(self) -> dict[tuple[str, str], float]:
        """The p-values corrected for the number of tests (every concept at every layer), by
        Holm's step-down method (:func:`cnnviz_lab.concepts.stats.holm`): with 9 tests a raw p of 0.01
        is not enough. Kim et al. (2018) correct with Bonferroni; Holm keeps the same
        guarantee (at most ``alpha`` chance of any false discovery) and rejects at least as
        often."""
        keys = list(self.p_values)
        if not keys:
            return {}
        return dict(zip(keys, holm([self.p_values[k] for k in keys]).tolist()))

    def significant(self, concept: str, layer: str, alpha: float = 0.05, correction: str | None = "holm") -> bool:
        """Whether the concept's scores differ from the random CAVs' at level ``alpha``, after
        Holm's correction for testing every concept at every layer (``correction=None``: the
        raw p-value, for one test planned alone)."""
        alpha = checks.real(alpha, "alpha", minimum=0, maximum=1, strict=True, what="a level in (0, 1)")
        if correction is not None:
            correction = checks.choice(correction, "correction", ("holm",))
        key = (concept, layer)
        if key not in self.p_values:
            raise ValueError(f"no test of concept {concept!r} at layer {layer!r}: concepts {self.concepts}, layers {self.layers}")
        p = self.adjusted_p_values[key] if correction == "holm" else self.p_values[key]
        return p < alpha

    def rows(self) -> list[dict[str, Any]]:
        adjusted = self.adjusted_p_values
        return [
            {
                "concept": c,
                "layer": la,
                "TCAV": self.mean(c, la),
                "random": float(self.random_scores[la].mean()),
                "CAV accuracy": float(self.accuracy[(c, la)].mean()),
                "p": self.p_values[(c, la)],
                "p (Holm)": adjusted[(c, la)],
                "significant": self.significant(c, la),
            }
            for c in self.concepts
            for la in self.layers
        ]

    def table(self) -> str:
        """Markdown table: one row per concept and layer."""
        lines = [
            f"TCAV for class '{self.target_name}'",
            "",
            "| concept | layer | TCAV score | random CAVs | CAV accuracy | p | p (Holm) | significant |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for r in self.rows():
            lines.append(
                f"| {r['concept']} | {r['layer']} | {r['TCAV']:.2f} | {r['random']:.2f} | "
                f"{r['CAV accuracy']:.2f} | {r['p']:.2g} | {r['p (Holm)']:.2g} | "
                f"{'yes' if r['significant'] else 'no'} |"
            )
        lines += ["", f"significant: p (Holm) < 0.05, corrected for {len(self.p_values)} tests (every concept at every layer)"]
        return "\n".join(lines)

    def _repr_markdown_(self) -> str:
        return self.table()


def tcav(
    model: torch.nn.Module | Classifier,
    class_images: torch.Tensor,
    target: Any,
    concepts: Mapping[str, torch.Tensor | Sequence[torch.Tensor]],
    random_sets: Sequence[torch.Tensor],
    layers: Sequence[LayerRef],
    *,
    l2: float = 0.01,
    seed: int | None = 0,
    batch_size: int = 16,
    threads: int | None = None,
    progress: bool | None = None,
) -> TCAVResult:
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
    the CPU (:func:`cnnviz_lab.groundtruth.train.cpu_threads`; ``None`` keeps torch's setting: on cores
    shared with other work, one thread can be several times faster). One progress bar for
    the whole run.
    """
    from ..groundtruth.train import cpu_threads

    module, clf = unwrap(model)
    on_cpu = all(p.device.type == "cpu" for p in module.parameters())
    with cpu_threads(threads if on_cpu else None):
        return _tcav(model, module, clf, class_images, target, concepts, random_sets, layers, l2, seed, batch_size, progress)


def _tcav(model, module, clf, class_images, target, concepts, random_sets, layers, l2, seed, batch_size, progress) -> TCAVResult:
    class_images = _images(module, class_images, "class_images")
    cls = _class_index(target, clf)
    if not isinstance(random_sets, (list, tuple)):
        raise TypeError(f"random_sets must be a list of R >= 3 batches of random images, got {random_sets!r:.60} ({type(random_sets).__name__})")
    reps = len(random_sets)
    if reps < 3:
        raise ValueError(f"random_sets: give at least 3 batches of random images (the repeats of the test), got {reps}")
    random_sets = [_images(module, r, f"random_sets[{i}]", 2) for i, r in enumerate(random_sets)]
    if not isinstance(concepts, Mapping) or not all(isinstance(c, str) for c in concepts):
        raise TypeError(f"concepts must be a {{name: images}} dict, got {concepts!r:.60}")
    if not concepts:
        raise ValueError("concepts: give at least one {name: images}")
    per_repeat: dict[str, list[torch.Tensor]] = {}
    for c, x in concepts.items():
        batches_c = list(x) if isinstance(x, (list, tuple)) else [x]
        if len(batches_c) not in (1, reps):
            raise ValueError(f"concepts[{c!r}]: one batch or one per random set ({reps}), got {len(batches_c)}")
        per_repeat[c] = [_images(module, b, f"concepts[{c!r}]" + (f"[{i}]" if len(batches_c) > 1 else ""), 2) for i, b in enumerate(batches_c)]
    named = [(f"random_sets[{i}]", r) for i, r in enumerate(random_sets)] + [(f"concepts[{c!r}]", b) for c, v in per_repeat.items() for b in v]
    for where, b in named:
        if b.shape[1:] != class_images.shape[1:]:
            raise ValueError(
                f"{where} has images of shape {tuple(b.shape[1:])} but class_images {tuple(class_images.shape[1:])}: every set must have the same size"
            )
    l2 = checks.real(l2, "l2", minimum=0)
    seed = checks.seed(seed)
    batch_size = checks.positive_int(batch_size, "batch_size")
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


__all__ = ["CAV", "TCAVResult", "cav", "class_gradients", "holm", "incomplete_beta", "layer_activations", "t_test", "tcav", "tcav_score"]
