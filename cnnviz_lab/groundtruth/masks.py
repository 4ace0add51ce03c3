"""Explanations scored against the truth: masks of what a model really uses.

When a dataset comes with the mask of each image's object and of a planted cue (the shapes
of :mod:`cnnviz_lab.groundtruth.shapes`), an attribution map can be checked instead of admired:

- :func:`mask_energy`: the share of the map's mass inside the mask (the energy-based
  pointing game of Wang et al., *Score-CAM*, CVPRW 2020, with a mask instead of a box);
- :func:`mask_pointing`: whether the map's maximum falls in the mask (the pointing game of
  Zhang et al., *Top-down Neural Attention by Excitation Backprop*, ECCV 2016);
- :func:`mask_recall`: the share of the mask among the map's top pixels, as many as the mask
  has: how much of the cue a deletion in the map's order removes first;
- :func:`mask_deletion`: delete the map's top pixels (as many as the mask has) and measure
  the drop in the class probability; :func:`deletion_drop` of the mask itself is the
  truth to compare with (large when the model uses what the mask covers).

:func:`score_against_masks` runs every attribution method of the course (or any
``{name: method}``) through these scores on a batch. Adebayo et al. (*Post hoc explanations
may be ineffective for detecting unknown spurious correlation*, ICLR 2022) run the same kind
of test with planted spurious signals.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np
import torch

from ..core import checks
from ..attribution.common import one_class_per_image
from ..evaluate.maps import as_tensor
from ..core.defaults import progress_bar
from ..models.classifier import Classifier
from ..core.state import frozen
from .train import cpu_threads


def _maps(attribution: torch.Tensor) -> torch.Tensor:
    """Non-negative ``(N,H,W)`` maps: ``(N,3,H,W)`` gradients as the sum of absolute values
    over channels, ``(N,H,W)`` maps clipped at zero (a CAM's or occlusion's negative part
    argues against the class)."""
    a = as_tensor(attribution, "attribution").detach().float().cpu()
    if a.dim() == 2:
        a = a[None]
    if a.dim() == 4 and a.shape[1] == 3:
        return torch.nan_to_num(a.abs().sum(1))
    if a.dim() == 4 and a.shape[1] == 1:
        a = a[:, 0]
    if a.dim() != 3:
        raise ValueError(f"attribution must be (H,W), (N,H,W), (N,1,H,W) or (N,3,H,W), got {tuple(a.shape)}")
    return torch.nan_to_num(a).clamp(min=0)


def _masks(masks: torch.Tensor, maps: torch.Tensor, name: str = "masks", against: str = "the maps") -> torch.Tensor:
    """``masks`` checked against ``maps`` (``(N,H,W)``): a bool tensor or array of that shape."""
    if not isinstance(masks, (torch.Tensor, np.ndarray)):
        raise TypeError(f"{name} must be a bool tensor (N,H,W), got {masks!r:.60} ({type(masks).__name__})")
    m = torch.as_tensor(masks).detach().cpu()
    if m.dim() == 2:
        m = m[None]
    if m.dtype != torch.bool:
        raise TypeError(f"{name} must be a bool tensor (N,H,W), got dtype {m.dtype}")
    if m.shape != maps.shape:
        raise ValueError(f"{name} have shape {tuple(m.shape)} but {against} {tuple(maps.shape)}: one (H,W) mask per image, at its size")
    return m


def mask_energy(attribution: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
    """Share of each map's mass inside its mask, ``(N,)`` in [0, 1]. ``attribution``:
    ``(N,H,W)`` (clipped at zero) or ``(N,3,H,W)`` (absolute values summed over channels);
    ``masks``: ``(N,H,W)`` bool. An all-zero map scores 0. A map spread evenly over the
    image scores the mask's share of the image: compare with that, not with 0."""
    maps = _maps(attribution)
    m = _masks(masks, maps).float()
    total = maps.sum(dim=(1, 2))
    return torch.where(total > 0, (maps * m).sum(dim=(1, 2)) / total.clamp(min=1e-30), torch.zeros_like(total))


def mask_pointing(attribution: torch.Tensor, masks: torch.Tensor, tolerance: float = 0.0) -> torch.Tensor:
    """Whether each map's maximum lies in its mask (within ``tolerance`` pixels), ``(N,)``
    bool. When several pixels share the maximum every one must hit, so a flat map never
    wins by luck; an empty mask is a miss."""
    tolerance = checks.real(tolerance, "tolerance", minimum=0)
    maps = _maps(attribution)
    m = _masks(masks, maps)
    if tolerance > 0:
        r = int(tolerance)
        yy, xx = torch.meshgrid(torch.arange(-r, r + 1), torch.arange(-r, r + 1), indexing="ij")
        disc = ((yy**2 + xx**2) <= tolerance**2).float()[None, None]
        m = torch.nn.functional.conv2d(m[:, None].float(), disc, padding=r)[:, 0] > 0
    top = maps == maps.amax(dim=(1, 2), keepdim=True)
    return (top & ~m).flatten(1).sum(1).eq(0) & m.flatten(1).any(1)


def _top_pixels(maps: torch.Tensor, k: torch.Tensor, seed: int = 0) -> torch.Tensor:
    """``(N,H,W)`` bool: the ``k[n]`` highest pixels of each map (ties in a seeded random order)."""
    n, h, w = maps.shape
    flat = maps.reshape(n, -1)
    gen = torch.Generator().manual_seed(seed)
    perm = torch.randperm(h * w, generator=gen)
    order = perm[torch.argsort(flat[:, perm], dim=1, descending=True, stable=True)]
    rank = torch.empty_like(order)
    rank.scatter_(1, order, torch.arange(h * w).expand(n, -1))
    return (rank < k.view(-1, 1)).view(n, h, w)


def mask_recall(attribution: torch.Tensor, masks: torch.Tensor, seed: int = 0) -> torch.Tensor:
    """Share of each mask covered by the map's top ``|mask|`` pixels, ``(N,)`` in [0, 1]: a
    deletion in the map's order has removed that much of the mask after as many pixels as
    the mask holds. Chance level is the mask's share of the image. Empty masks give 0."""
    seed = checks.integer(seed, "seed", what="an int")
    maps = _maps(attribution)
    m = _masks(masks, maps)
    k = m.flatten(1).sum(1)
    top = _top_pixels(maps, k, seed)
    return torch.where(k > 0, (top & m).flatten(1).sum(1) / k.clamp(min=1), torch.zeros(len(k)))


def _forward_targets(model: torch.nn.Module | Classifier, x: torch.Tensor, target: Any, caller: str) -> tuple[torch.nn.Module, torch.Tensor, torch.Tensor]:
    """``(module, x on its device, (N,) classes)`` through the package's gate: ``x`` a
    checked copy, ``target`` None (each image's top-1 on one frozen, gradient-free forward
    pass), an int or class name, or one class per image."""
    module, _, xin, cls = one_class_per_image(model, x, target, caller)
    return module, xin, torch.tensor(cls, device=xin.device)


def _probs(model: torch.nn.Module, x: torch.Tensor, cls: torch.Tensor) -> torch.Tensor:
    with torch.no_grad(), frozen(model):
        return model(x).float().softmax(1).gather(1, cls.view(-1, 1))[:, 0].cpu()


def _drop(module: torch.nn.Module, xin: torch.Tensor, cls: torch.Tensor, pixels: torch.Tensor, fill: float) -> torch.Tensor:
    deleted = torch.where(pixels[:, None].to(xin.device), torch.full_like(xin, fill), xin)
    return _probs(module, xin.clone(), cls) - _probs(module, deleted, cls)


def _image_maps(xin: torch.Tensor) -> torch.Tensor:
    return torch.empty(xin.shape[0], *xin.shape[-2:], dtype=torch.bool)


def deletion_drop(model: torch.nn.Module | Classifier, x: torch.Tensor, pixels: torch.Tensor, target: Any = None, fill: float = 0.0) -> torch.Tensor:
    """Drop of the target's probability when ``pixels`` (``(N,H,W)`` bool) are deleted, i.e.
    set to ``fill`` in model-input units (0: mid-grey, since the training normalisation subtracts 0.5 from every channel), ``(N,)`` on the CPU.
    ``target``: None (each image's top-1 class on the intact image) or one class per image."""
    fill = checks.real(fill, "fill")
    module, xin, cls = _forward_targets(model, x, target, "deletion_drop")
    m = _masks(pixels, _image_maps(xin), "pixels", "the images (N,H,W)")
    return _drop(module, xin, cls, m, fill)


def mask_deletion(
    model: torch.nn.Module | Classifier, x: torch.Tensor, attribution: torch.Tensor, masks: torch.Tensor, target: Any = None, fill: float = 0.0, seed: int = 0
) -> torch.Tensor:
    """Delete the map's top ``|mask|`` pixels (as many as each mask holds) and return the
    drop of the target's probability, ``(N,)``. Compare with ``deletion_drop(model, x,
    masks)``, the drop when exactly the mask is deleted: a map that finds what the model uses
    comes close to it; a map whose top pixels lie elsewhere stays near 0."""
    fill = checks.real(fill, "fill")
    seed = checks.integer(seed, "seed", what="an int")
    module, xin, cls = _forward_targets(model, x, target, "mask_deletion")
    maps = _maps(attribution)
    if maps.shape != _image_maps(xin).shape:
        raise ValueError(f"attribution has maps of shape {tuple(maps.shape)} for images of shape {tuple(xin.shape)}: one (H,W) map per image, at its size")
    m = _masks(masks, maps)
    return _drop(module, xin, cls, _top_pixels(maps, m.flatten(1).sum(1), seed), fill)


@dataclass
class MaskScores:
    """What :func:`score_against_masks` measured, per method: ``maps`` (``(N,H,W)``,
    non-negative), ``scores`` (``{method: {score name: (N,) tensor}}``), ``seconds``, and
    ``truth``: ``{"<mask> deletion": (N,)}``, the drop when the mask itself is deleted."""

    methods: list[str]
    maps: dict[str, torch.Tensor] = field(default_factory=dict)
    scores: dict[str, dict[str, torch.Tensor]] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    truth: dict[str, torch.Tensor] = field(default_factory=dict)

    def mean(self, method: str, score: str) -> float:
        """Mean of one score over the images (NaNs skipped)."""
        v = self.scores[method][score].float()
        return float(v[~v.isnan()].mean()) if (~v.isnan()).any() else float("nan")

    def rows(self) -> list[dict[str, Any]]:
        """One dict per method (means over the images), then one for the truth if measured."""
        rows = [{"method": m, **{s: self.mean(m, s) for s in self.scores[m]}} for m in self.methods]
        if self.truth:
            rows.append({"method": "(the mask itself)", **{k: float(v.mean()) for k, v in self.truth.items()}})
        return rows

    def table(self, digits: int = 2) -> str:
        """The means as a Markdown table."""
        rows = self.rows()
        cols = list(dict.fromkeys(k for r in rows for k in r))
        lines = ["| " + " | ".join(cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
        lines += ["| " + " | ".join(f"{r[c]:.{digits}f}" if isinstance(r.get(c), float) else str(r.get(c, "")) for c in cols) + " |" for r in rows]
        return "\n".join(lines)

    def _repr_markdown_(self) -> str:
        return self.table()


def _call(fn: Callable[..., torch.Tensor], model, x, target) -> torch.Tensor:
    """A method without its own progress bar when it has one."""
    try:
        return fn(model, x, target, progress=False)
    except TypeError as err:
        if "progress" not in str(err):
            raise
        return fn(model, x, target)


def score_against_masks(
    model: torch.nn.Module | Classifier,
    x: torch.Tensor,
    masks: Mapping[str, torch.Tensor],
    methods: Mapping[str, Callable] | None = None,
    target: Any = None,
    *,
    deletion: str | None = None,
    tolerance: float = 0.0,
    threads: int | None = None,
    seed: int | None = None,
    progress: bool | None = None,
) -> MaskScores:
    """Every method's map of ``x`` for ``target`` scored against each of ``masks``
    (``{"cue": (N,H,W) bool, "object": ...}``): energy in the mask, pointing game (with
    ``tolerance`` pixels) and recall of the mask by the top pixels, named ``"<mask>
    energy"``, ``"<mask> pointing"``, ``"<mask> recall"``; with ``deletion="cue"``, also
    :func:`mask_deletion` of that mask (``"<mask> deletion"``) and, in ``.truth``, the drop
    when the mask itself is deleted. ``methods``: ``{name: method}`` or a list of registered
    method names or functions (default ``cv.course_methods()``, whose settings follow quick
    mode; ``seed`` goes to every registered method that draws at random, None: unseeded).
    ``threads``: CPU threads
    meanwhile (:func:`cnnviz_lab.groundtruth.train.cpu_threads`; 1 is much faster for a small network on
    busy cores). One progress bar over the methods. Returns a :class:`MaskScores`.
    """
    from ..evaluate.comparison import _resolve_methods

    fns = _resolve_methods(methods, checks.seed(seed))
    if not fns:
        raise ValueError("methods: name at least one method")
    if not isinstance(masks, Mapping) or not all(isinstance(k, str) for k in masks):
        raise TypeError(f"masks must be a {{name: (N,H,W) bool tensor}} dict, got {masks!r:.60}")
    if not masks:
        raise ValueError("masks: give at least one {name: (N,H,W) bool tensor}")
    if deletion is not None and not isinstance(deletion, str):
        raise TypeError(f"deletion must be None or the name of one of the masks, got {deletion!r}")
    if deletion is not None and deletion not in masks:
        raise ValueError(f"deletion={deletion!r} names no mask; masks are {', '.join(masks)}")
    tolerance = checks.real(tolerance, "tolerance", minimum=0)
    with cpu_threads(threads):
        _, xin, cls = _forward_targets(model, x, target, "score_against_masks")
        checked = {k: _masks(m, _image_maps(xin), f"masks[{k!r}]", "the images (N,H,W)") for k, m in masks.items()}
        return _score(model, xin, cls, checked, fns, deletion, tolerance, progress)


def _score(
    model,
    xin: torch.Tensor,
    cls: torch.Tensor,
    masks: Mapping[str, torch.Tensor],
    fns: Mapping[str, Callable],
    deletion: str | None,
    tolerance: float,
    progress: bool | None,
) -> MaskScores:
    out = MaskScores(list(fns))
    if deletion is not None:
        out.truth[f"{deletion} deletion"] = deletion_drop(model, xin, masks[deletion], cls)
    for name, fn in progress_bar(fns.items(), images=len(xin), progress=progress is not False, desc="methods", unit="method"):
        start = time.perf_counter()
        out.maps[name] = _maps(_call(fn, model, xin, cls))
        out.seconds[name] = time.perf_counter() - start
        s: dict[str, torch.Tensor] = {}
        for key, m in masks.items():
            s[f"{key} energy"] = mask_energy(out.maps[name], m)
            s[f"{key} pointing"] = mask_pointing(out.maps[name], m, tolerance).float()
            s[f"{key} recall"] = mask_recall(out.maps[name], m)
        if deletion is not None:
            s[f"{deletion} deletion"] = mask_deletion(model, xin, out.maps[name], masks[deletion], cls)
        out.scores[name] = s
    return out


__all__ = ["MaskScores", "deletion_drop", "mask_deletion", "mask_energy", "mask_pointing", "mask_recall", "score_against_masks"]
