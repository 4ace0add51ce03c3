"""Evaluating explanations: is a saliency map faithful to the model, and does it depend on it?

- :func:`deletion_auc` / :func:`insertion_auc` (Petsiuk, Das & Saenko, *RISE: Randomized
  Input Sampling for Explanation of Black-box Models*, BMVC 2018): remove the pixels in the
  order the map ranks them (or insert them into a blurred copy) and integrate the target's
  probability over the fraction changed. Lower deletion and higher insertion are better.
  :func:`deletion_curve` / :func:`insertion_curve` return the curves for plotting.
- :func:`randomization_check` (Adebayo et al., *Sanity Checks for Saliency Maps*, NeurIPS
  2018): randomise the model's layers from the top down, cascading, recompute the
  explanation each time and measure how similar it stays. A method whose map does not
  change when the weights it claims to explain are destroyed fails the check.
- :func:`pointing_game` (Zhang et al., *Top-down Neural Attention by Excitation Backprop*,
  ECCV 2016): does the map's maximum fall inside the object's bounding box.

All work on any ``nn.Module`` or ``Classifier``, in batched forward passes without autograd
(except inside the method under test), and leave the model exactly as they found it.
"""

from __future__ import annotations

import copy
import dataclasses
import math
import numbers
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

import torch
import torch.nn.functional as F
from torch import nn
from tqdm import tqdm

from .attribution.common import Target, frozen, one_class_per_image, prepare_input, resolve_targets
from .attribution.occlusion import Fill, fill_image
from .config import pick
from .models import Classifier, unwrap

Box = Sequence[float]


# --- maps -------------------------------------------------------------------------------
def _as_maps(attribution: torch.Tensor, n: int, size: tuple[int, int], channels: int = 3,
             reduce: str = "sum") -> torch.Tensor:
    """An attribution as ``(N,H,W)`` float maps at the image size.

    Accepts ``(H,W)``, ``(N,H,W)`` or ``(N,C,H,W)`` with ``C`` the image's channel count
    (reduced over channels by ``reduce``: ``"sum"``, ``"abssum"`` or ``"absmax"``); maps of
    another size (a CAM with ``upsample=False``) are upsampled bilinearly.
    """
    a = torch.as_tensor(attribution).detach().float()
    if a.dim() == 2:
        a = a.unsqueeze(0)
    if a.dim() == 4:
        if a.shape[1] != channels:
            raise ValueError(f"a 4-D attribution must be (N,{channels},H,W) (one class per image); got "
                             f"{tuple(a.shape)}: for K classes per image evaluate each class separately")
        ops = {"sum": lambda v: v.sum(1), "abssum": lambda v: v.abs().sum(1),
               "absmax": lambda v: v.abs().amax(1)}
        if reduce not in ops:
            raise ValueError(f"reduce must be one of {', '.join(ops)}, got {reduce!r}")
        a = ops[reduce](a)
    if a.dim() != 3:
        raise ValueError(f"attribution must be (H,W), (N,H,W) or (N,C,H,W); got {tuple(a.shape)}")
    if a.shape[0] == 1 and n > 1:
        a = a.expand(n, -1, -1)
    if a.shape[0] != n:
        raise ValueError(f"attribution has {a.shape[0]} maps for {n} images")
    if tuple(a.shape[-2:]) != tuple(size):
        a = F.interpolate(a[:, None], size=size, mode="bilinear", align_corners=False)[:, 0]
    return torch.nan_to_num(a)


def pixel_order(maps: torch.Tensor, seed: int | None = 0) -> torch.Tensor:
    """``(N,H*W)`` pixel indices from most to least important; ties are broken in a random
    (``seed``-fixed) order, so a constant map removes pixels in random order, not raster order."""
    n, h, w = maps.shape
    flat = maps.reshape(n, h * w)
    gen = torch.Generator().manual_seed(0 if seed is None else seed)
    perm = torch.randperm(h * w, generator=gen).to(maps.device)
    idx = torch.argsort(flat[:, perm], dim=1, descending=True, stable=True)
    return perm[idx]


# --- deletion and insertion -------------------------------------------------------------
@dataclass
class Curve:
    """A deletion or insertion curve. ``fractions``: ``(S+1,)`` fraction of pixels removed
    (or inserted) at each step; ``scores``: ``(N,S+1)`` target probability there; ``auc``:
    ``(N,)`` trapezoid area under each curve; ``kind``: ``"deletion"`` or ``"insertion"``;
    ``targets``: ``(N,)`` classes scored."""

    kind: str
    fractions: torch.Tensor
    scores: torch.Tensor
    auc: torch.Tensor
    targets: torch.Tensor


def _curve(kind: str, model: nn.Module | Classifier, x: torch.Tensor, attribution: torch.Tensor,
           target: Target, steps: int | None, start: Fill, batch_size: int | None,
           blur_sigma: float, reduce: str, seed: int | None, progress: bool | None) -> Curve:
    module, clf = unwrap(model)
    xin = x
    x = prepare_input(module, x)
    n, c, h, w = x.shape
    steps = int(steps if steps is not None else pick(100, 20))
    if steps < 1:
        raise ValueError(f"steps must be at least 1, got {steps}")
    maps = _as_maps(attribution, n, (h, w), c, reduce).to(x.device)
    order = pixel_order(maps, seed)
    rank = torch.empty_like(order)
    rank.scatter_(1, order, torch.arange(h * w, device=x.device).expand(n, -1))
    counts = torch.round(torch.linspace(0, h * w, steps + 1, device=x.device)).long()
    # CPU: small batches (a 64-image batch of 224 px EfficientNet-Lite0 forwards ran 2.7x slower per
    # image than single images on 2 cores, benchmarks/bench_evaluate.py); GPU: large ones
    bs = int(batch_size) if batch_size is not None else (64 if x.device.type == "cuda" else 4)
    with torch.no_grad(), frozen(module):
        logits = module(x)
        targets, squeeze = resolve_targets(target, logits, clf)
        if not squeeze or targets.shape[1] != 1:
            raise ValueError("deletion/insertion score one class per image: pass None, an int, "
                             "a class name or one class per image")
        targets = targets[:, 0]
        # deletion: original -> fill where pixels were removed; insertion: blurred -> original
        if kind == "deletion":
            src, dst = x, fill_image(x, start, clf, blur_sigma).expand(n, c, h, w)
        else:
            src, dst = fill_image(x, start, clf, blur_sigma).expand(n, c, h, w), x
        jobs = [(i, s) for i in range(n) for s in range(steps + 1)]
        chunks = [jobs[k:k + bs] for k in range(0, len(jobs), bs)]
        show = progress if progress is not None else len(chunks) >= 4
        scores = torch.empty(n, steps + 1, device=x.device)
        for chunk in tqdm(chunks, desc=kind, unit="batch", disable=not show, leave=False):
            img = torch.tensor([i for i, _ in chunk], device=x.device)
            st = torch.tensor([s for _, s in chunk], device=x.device)
            changed = (rank[img] < counts[st][:, None]).view(-1, 1, h, w)
            batch = torch.where(changed, dst[img], src[img])
            probs = module(batch).float().softmax(dim=1)
            scores[img, st] = probs.gather(1, targets[img][:, None])[:, 0]
    fractions = counts.float() / (h * w)
    auc = torch.trapezoid(scores, fractions, dim=1)
    dev = xin.device
    return Curve(kind, fractions.to(dev), scores.to(dev), auc.to(dev), targets.to(dev))


def deletion_curve(model: nn.Module | Classifier, x: torch.Tensor, attribution: torch.Tensor,
                   target: Target = None, *, steps: int | None = None, fill: Fill = 0.0,
                   batch_size: int | None = None, blur_sigma: float = 10.0, reduce: str = "sum",
                   seed: int | None = 0, progress: bool | None = None) -> Curve:
    """The deletion curve of Petsiuk et al. 2018: the target's probability as the most
    important pixels (by ``attribution``) are replaced by ``fill``, ``steps`` steps from 0
    to 100 % of the pixels (default 100, 20 in quick mode). All steps of all images run in
    batched forwards of ``batch_size`` (default 64 on a GPU, 4 on a CPU, where large batches
    of masked images ran slower per image). ``fill``: as occlusion's (default 0.0,
    the dataset mean colour for a Classifier; ``"black"``, ``"blur"``...). ``attribution``:
    ``(N,H,W)`` or ``(N,3,H,W)`` (channels reduced by ``reduce``); ties in random order
    (``seed``). ``target``: one class per image (None = top-1)."""
    return _curve("deletion", model, x, attribution, target, steps, fill, batch_size,
                  blur_sigma, reduce, seed, progress)


def insertion_curve(model: nn.Module | Classifier, x: torch.Tensor, attribution: torch.Tensor,
                    target: Target = None, *, steps: int | None = None, start: Fill = "blur",
                    batch_size: int | None = None, blur_sigma: float = 10.0, reduce: str = "sum",
                    seed: int | None = 0, progress: bool | None = None) -> Curve:
    """The insertion curve of Petsiuk et al. 2018: start from a blurred copy of the image
    (``start="blur"``, Gaussian of ``blur_sigma`` px; or any fill) and put the original
    pixels back, most important first; the target's probability at each of ``steps``
    steps. Other arguments as :func:`deletion_curve`."""
    return _curve("insertion", model, x, attribution, target, steps, start, batch_size,
                  blur_sigma, reduce, seed, progress)


def deletion_auc(model: nn.Module | Classifier, x: torch.Tensor, attribution: torch.Tensor,
                 target: Target = None, *, steps: int | None = None, **kwargs: Any) -> torch.Tensor:
    """Area under the deletion curve per image, ``(N,)`` (Petsiuk et al. 2018): the lower,
    the better the map (removing what it ranks first kills the score fast). Trapezoid rule
    over the fraction of pixels removed. Keyword arguments as :func:`deletion_curve`."""
    return deletion_curve(model, x, attribution, target, steps=steps, **kwargs).auc


def insertion_auc(model: nn.Module | Classifier, x: torch.Tensor, attribution: torch.Tensor,
                  target: Target = None, *, steps: int | None = None, **kwargs: Any) -> torch.Tensor:
    """Area under the insertion curve per image, ``(N,)`` (Petsiuk et al. 2018): the higher,
    the better the map (the pixels it ranks first restore the score fast). Keyword
    arguments as :func:`insertion_curve`."""
    return insertion_curve(model, x, attribution, target, steps=steps, **kwargs).auc


# --- similarity -------------------------------------------------------------------------
def _ranks(v: torch.Tensor) -> torch.Tensor:
    """Average ranks (1-based, ties share their mean rank) along the last axis."""
    order = torch.argsort(v, dim=-1, stable=True)
    sorted_v = torch.gather(v, -1, order)
    n = v.shape[-1]
    out = torch.empty_like(v, dtype=torch.float64)
    for row in range(v.shape[0]):
        s = sorted_v[row]
        new = torch.ones(n, dtype=torch.bool, device=v.device)
        new[1:] = s[1:] != s[:-1]
        group = torch.cumsum(new.long(), 0) - 1
        pos = torch.arange(1, n + 1, dtype=torch.float64, device=v.device)
        sums = torch.zeros(int(group[-1]) + 1, dtype=torch.float64, device=v.device).index_add_(0, group, pos)
        cnt = torch.zeros_like(sums).index_add_(0, group, torch.ones_like(pos))
        out[row, order[row]] = (sums / cnt)[group]
    return out


def spearman(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Spearman rank correlation of each pair of maps (first axis = batch), ``(N,)``.

    Pearson correlation of the average ranks. A constant map carries no ranking: its
    correlation is defined as 0 here (never NaN).
    """
    ra = _ranks(a.reshape(a.shape[0], -1).double())
    rb = _ranks(b.reshape(b.shape[0], -1).double())
    ra = ra - ra.mean(1, keepdim=True)
    rb = rb - rb.mean(1, keepdim=True)
    den = ra.norm(dim=1) * rb.norm(dim=1)
    rho = (ra * rb).sum(1) / den.clamp(min=1e-300)
    return torch.where(den > 0, rho, torch.zeros_like(rho)).float()


def _unit(m: torch.Tensor) -> torch.Tensor:
    flat = m.reshape(m.shape[0], -1)
    lo, hi = flat.min(1).values, flat.max(1).values
    span = (hi - lo).clamp(min=1e-12)
    out = (flat - lo[:, None]) / span[:, None]
    return torch.where((hi > lo)[:, None], out, torch.zeros_like(out)).reshape(m.shape)


def ssim(a: torch.Tensor, b: torch.Tensor, window: int = 11, sigma: float = 1.5) -> torch.Tensor:
    """Mean structural similarity (Wang et al. 2004) of each pair of ``(N,H,W)`` maps, each
    first scaled to [0, 1] (a constant map becomes zeros), Gaussian window; ``(N,)``."""
    x, y = _unit(a.double())[:, None], _unit(b.double())[:, None]
    k = min(window, x.shape[-1], x.shape[-2])
    t = torch.arange(k, dtype=torch.float64, device=x.device) - (k - 1) / 2
    g = torch.exp(-0.5 * (t / sigma) ** 2)
    g = (g / g.sum())
    kern = (g[:, None] * g[None, :])[None, None]
    mu_x, mu_y = F.conv2d(x, kern), F.conv2d(y, kern)
    sxx = F.conv2d(x * x, kern) - mu_x ** 2
    syy = F.conv2d(y * y, kern) - mu_y ** 2
    sxy = F.conv2d(x * y, kern) - mu_x * mu_y
    c1, c2 = 0.01 ** 2, 0.03 ** 2
    s = ((2 * mu_x * mu_y + c1) * (2 * sxy + c2)) / ((mu_x ** 2 + mu_y ** 2 + c1) * (sxx + syy + c2))
    return s.mean(dim=(1, 2, 3)).float()


# --- randomisation sanity check ---------------------------------------------------------
def randomization_layers(model: nn.Module | Classifier) -> list[str]:
    """The blocks a cascading randomisation walks through, from the output down: the
    top-level children holding parameters, with ``Sequential``/``ModuleList`` children
    expanded one level unless they are a single conv-norm unit (EfficientNet:
    ``classifier, head, blocks.15, ..., blocks.0, stem``; ResNet: ``fc, layer4.1, ...,
    bn1, conv1``; VGG: ``classifier.6, ..., features.0``)."""
    module, _ = unwrap(model)
    names: list[str] = []
    for name, child in module.named_children():
        if not any(True for _ in child.parameters()):
            continue
        parts = [(f"{name}.{n}", c) for n, c in child.named_children() if any(True for _ in c.parameters())]
        unit = len(parts) <= 2 and all(not any(True for _ in c.children()) for _, c in parts)
        if isinstance(child, (nn.Sequential, nn.ModuleList)) and len(parts) > 1 and not unit:
            names += [n for n, _ in parts]
        else:
            names.append(name)
    return names[::-1]


def randomize_layer(layer: nn.Module, seed: int, init: str = "reset") -> None:
    """Re-initialise every parameter of ``layer`` in place, reproducibly (``seed``): each
    submodule's own ``reset_parameters`` (PyTorch's default initialisation, as Quantus
    does); parameters of a module without one are redrawn from a normal distribution with
    the original standard deviation. The global RNG state is left untouched.

    ``init="normal"``: every parameter is instead redrawn from a normal distribution with
    its own original mean and standard deviation, and normalisation running statistics are
    kept. This keeps the activations' scale: after PyTorch's default re-initialisation of a
    block of a BatchNorm + ReLU6 network (EfficientNet) the next layers saturate and every
    gradient map becomes exactly zero, which would "pass" the sanity check for the wrong
    reason."""
    if init not in ("reset", "normal"):
        raise ValueError(f"init must be 'reset' or 'normal', got {init!r}")
    with torch.random.fork_rng(devices=[]), torch.no_grad():
        torch.manual_seed(seed)
        if init == "normal":
            for i, p in enumerate(layer.parameters()):
                gen = torch.Generator().manual_seed(seed * 1009 + i)
                mean = float(p.mean())
                std = float(p.std()) if p.numel() > 1 else abs(mean) or 1.0
                p.copy_((torch.randn(p.shape, generator=gen) * std + mean).to(p))
            return
        for m in layer.modules():
            own = list(m.parameters(recurse=False))
            if not own:
                continue
            if hasattr(m, "reset_parameters"):
                m.reset_parameters()
            else:
                for p in own:
                    gen = torch.Generator().manual_seed(seed + p.numel())
                    std = float(p.std()) if p.numel() > 1 else 1.0
                    p.copy_((torch.randn(p.shape, generator=gen) * std).to(p))
            if hasattr(m, "reset_running_stats"):
                m.reset_running_stats()


@dataclass
class RandomizationResult:
    """Outcome of :func:`randomization_check`.

    ``layers``: the randomised blocks, top first (step ``i`` has blocks ``0..i`` random when
    cascading); ``spearman`` and ``ssim``: ``(N, L)`` similarity of each image's map after
    step ``i`` to its original map; ``maps``: ``(L+1, N, H, W)`` the reduced absolute maps,
    the original first (on the CPU, for plotting); ``targets``: ``(N,)`` classes explained;
    ``method``: the method's name; ``cascading``: whether layers stayed random.
    """

    layers: list[str]
    spearman: torch.Tensor
    ssim: torch.Tensor
    maps: torch.Tensor
    targets: torch.Tensor
    method: str
    cascading: bool = True
    extra: dict[str, Any] = field(default_factory=dict)

    def mean(self, metric: str = "spearman") -> torch.Tensor:
        """Similarity per layer averaged over the images, ``(L,)``."""
        return getattr(self, metric).mean(0)


def _abs_map(result: torch.Tensor, n: int, channels: int) -> torch.Tensor:
    r = result.detach().float()
    if r.dim() == 4 and r.shape[1] == channels:
        r = r.abs().sum(1)
    elif r.dim() == 4 and r.shape[1] == 1:
        r = r[:, 0]
    if r.dim() != 3 or r.shape[0] != n:
        raise ValueError(f"the method must return (N,H,W) or (N,{channels},H,W) maps for one class "
                         f"per image; got {tuple(result.shape)}")
    return r.abs()


def randomization_check(model: nn.Module | Classifier, method: Callable[..., torch.Tensor],
                        x: torch.Tensor, target: Target = None, *, layers: Sequence[str] | None = None,
                        cascading: bool = True, seed: int = 0, init: str = "reset",
                        progress: bool | None = None, **method_kwargs: Any) -> RandomizationResult:
    """Model parameter randomisation test of Adebayo et al. 2018.

    On a deep copy of the model (yours is never modified), re-initialise the blocks of
    ``layers`` (default :func:`randomization_layers`: all blocks, output first) one after the
    other, cascading (``cascading=False``: one block at a time, the rest original), and
    recompute ``method(model, x, target, **method_kwargs)`` after each step. Similarity to
    the original explanation of absolute maps (3-channel maps: sum of absolute values):
    Spearman rank correlation and SSIM. The class explained is fixed to the original
    model's (``target=None``: its top-1), as in the paper. A faithful method's similarity
    falls towards 0 as layers are randomised; one that stays high (guided backprop) shows
    the image's edges, not what the model learned. ``init``: how a block is randomised
    (:func:`randomize_layer`; ``"normal"`` keeps the activations' scale).
    """
    module, clf, xin, cls = one_class_per_image(model, x, target, "randomization_check")
    n, c = xin.shape[:2]
    names = list(layers) if layers is not None else randomization_layers(module)
    if not names:
        raise ValueError("no layer with parameters to randomise")
    copy_module = copy.deepcopy(module)
    for name in names:
        copy_module.get_submodule(name)  # fail early on unknown names
    copy_model = dataclasses.replace(clf, model=copy_module) if clf is not None else copy_module

    def explain(m) -> torch.Tensor:
        return _abs_map(method(m, x, cls, **method_kwargs), n, c)

    original = explain(copy_model)
    pristine = copy.deepcopy(copy_module.state_dict()) if not cascading else None
    maps = [original.cpu()]
    rho, sim = [], []
    show = progress if progress is not None else len(names) >= 4
    for i, name in enumerate(tqdm(names, desc="randomising", unit="layer", disable=not show, leave=False)):
        if pristine is not None:
            copy_module.load_state_dict(pristine)
        randomize_layer(copy_module.get_submodule(name), seed + i, init)
        m = explain(copy_model)
        maps.append(m.cpu())
        rho.append(spearman(original, m))
        sim.append(ssim(original, m))
    dev = x.device
    return RandomizationResult(names, torch.stack(rho, 1).to(dev), torch.stack(sim, 1).to(dev),
                               torch.stack(maps), torch.tensor(cls, device=dev),
                               getattr(method, "__name__", type(method).__name__), cascading)


# --- pointing game ----------------------------------------------------------------------
def pointing_game(attribution: torch.Tensor, boxes: Sequence[Sequence[Box]] | Sequence[Box], *,
                  tolerance: float = 0.0, reduce: str = "sum") -> torch.Tensor:
    """The pointing game of Zhang et al. 2016: a hit when the map's maximum falls in a box.

    ``attribution``: ``(H,W)``, ``(N,H,W)`` or ``(N,3,H,W)`` (channels reduced by ``reduce``).
    ``boxes``: one list of ``(x0, y0, x1, y1)`` boxes per image, in pixel corners (pixel
    ``(col, row)`` is inside when ``x0 <= col < x1`` and ``y0 <= row < y1``); for one image a
    flat list of boxes is fine. ``tolerance``: radius in pixels around the maximum (the
    paper uses 15): a hit when any box lies within that distance of the maximal pixel's
    centre. When several pixels share the maximum (a constant map) every one of them must
    be a hit, so a flat map never wins by luck. Returns a bool tensor ``(N,)`` on the CPU.
    """
    a = torch.as_tensor(attribution).detach().float().cpu()
    if a.dim() == 2:
        a = a[None]
    n = a.shape[0]
    if a.dim() == 4:
        a = _as_maps(a, n, tuple(a.shape[-2:]), a.shape[1], reduce)
    if a.dim() != 3:
        raise ValueError(f"attribution must be (H,W), (N,H,W) or (N,C,H,W); got {tuple(a.shape)}")
    a = torch.nan_to_num(a, nan=-math.inf)
    per_image = list(boxes)
    if per_image and len(per_image[0]) == 4 and all(isinstance(v, numbers.Number) for v in per_image[0]):
        per_image = [per_image]
    if len(per_image) != n:
        raise ValueError(f"boxes: one list of (x0, y0, x1, y1) boxes per image; got {len(per_image)} "
                         f"lists for {n} maps")
    hits = []
    for m, bxs in zip(a, per_image):
        rows, cols = torch.nonzero(m == m.max(), as_tuple=True)
        cy, cx = rows.double() + 0.5, cols.double() + 0.5
        ok = torch.zeros_like(cy, dtype=torch.bool)
        for box in bxs:
            x0, y0, x1, y1 = (float(v) for v in box)
            dx = torch.clamp(torch.maximum(x0 - cx, cx - x1), min=0)
            dy = torch.clamp(torch.maximum(y0 - cy, cy - y1), min=0)
            ok |= (dx ** 2 + dy ** 2) <= tolerance ** 2 + 1e-9
        hits.append(bool(ok.all()) and len(bxs) > 0)
    return torch.tensor(hits, dtype=torch.bool)


__all__ = ["Curve", "RandomizationResult", "deletion_auc", "deletion_curve", "insertion_auc",
           "insertion_curve", "pixel_order", "pointing_game", "randomization_check",
           "randomization_layers", "randomize_layer", "spearman", "ssim"]


# --- every method of the course, side by side -------------------------------------------
#: The attribution methods the course teaches, in the order the notebooks introduce them.
COURSE_METHODS = ("saliency", "guided_backprop", "smoothgrad", "integrated_gradients", "gradcam",
                  "gradcam_pp", "layercam", "scorecam", "occlusion")
_ALIASES = {"vanilla": "saliency", "gradient": "saliency", "guided": "guided_backprop",
            "guidedbackprop": "guided_backprop", "ig": "integrated_gradients",
            "integratedgradients": "integrated_gradients", "gradcam++": "gradcam_pp",
            "gradcampp": "gradcam_pp", "grad_cam": "gradcam", "score_cam": "scorecam",
            "layer_cam": "layercam"}


def method_key(name: str) -> str:
    """The canonical name of a course method (``"Guided backprop"``, ``"guided"``,
    ``"grad-cam++"``... are accepted); an unknown name raises with the valid ones."""
    key = str(name).strip().lower().replace(" ", "_").replace("-", "_")
    key = _ALIASES.get(key, _ALIASES.get(key.replace("_", ""), key))
    if key not in COURSE_METHODS:
        raise ValueError(f"unknown method {name!r}; choose from {', '.join(COURSE_METHODS)}")
    return key


def course_methods(names: Sequence[str] | None = None, *, smoothgrad_samples: int | None = None,
                   ig_steps: int | None = None, scorecam_channels: int | None = None,
                   occlusion_window: int | None = None, occlusion_stride: int | None = None,
                   seed: int = 0) -> dict[str, Callable[..., torch.Tensor]]:
    """``{name: method(model, x, target)}`` for the course's methods (default
    :data:`COURSE_METHODS`), each a function with the common signature and the settings
    given here baked in, named after the method (so results and plots say which it is).

    Defaults follow quick mode (``cv.config.pick(full, quick)``): SmoothGrad samples
    50/4, Integrated Gradients steps 50/8, Score-CAM channels all/16, occlusion window
    32 px with stride 16/32 px. SmoothGrad draws its noise from ``seed``.
    """
    from .attribution.cam import gradcam, gradcam_pp, layercam, scorecam
    from .attribution.gradients import guided_backprop, integrated_gradients, saliency, smoothgrad
    from .attribution.occlusion import occlusion

    settings: dict[str, tuple[Callable[..., torch.Tensor], dict[str, Any]]] = {
        "saliency": (saliency, {}),
        "guided_backprop": (guided_backprop, {}),
        "smoothgrad": (smoothgrad, {"n": smoothgrad_samples or pick(50, 4), "seed": seed}),
        "integrated_gradients": (integrated_gradients, {"steps": ig_steps or pick(50, 8)}),
        "gradcam": (gradcam, {}),
        "gradcam_pp": (gradcam_pp, {}),
        "layercam": (layercam, {}),
        "scorecam": (scorecam, {"max_channels": scorecam_channels or pick(None, 16), "batch_size": 32}),
        "occlusion": (occlusion, {"window": occlusion_window or 32,
                                  "stride": occlusion_stride or pick(16, 32), "fill": 0.0}),
    }
    out = {}
    for name in (names if names is not None else COURSE_METHODS):
        key = method_key(name)
        fn, kwargs = settings[key]
        out[key] = _configured(fn, key, kwargs)
    return out


def _configured(fn: Callable[..., torch.Tensor], name: str, kwargs: dict[str, Any]
                ) -> Callable[..., torch.Tensor]:
    def method(model, x, target=None, **more):
        return fn(model, x, target, **{**kwargs, **more})

    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"{name} with {kwargs or 'its defaults'} (see cnnviz_lab.{fn.__name__})."
    method.settings = dict(kwargs)  # type: ignore[attr-defined]
    return method


def random_map(x: torch.Tensor, *, seed: int = 0, resolution: int | None = None) -> torch.Tensor:
    """A random attribution map for each image of ``x`` ``(N,C,H,W)``: ``(N,H,W)`` on x's
    device, reproducible (``seed``). ``resolution=None``: independent uniform noise per pixel;
    ``resolution=r``: uniform noise on an ``r x r`` grid upsampled bilinearly, i.e. random
    *blobs* as smooth as a CAM at that resolution (the fair baseline for a CAM: deleting
    scattered single pixels pushes any image off the data the network knows, whatever the
    map, see notebook 08)."""
    n, _, h, w = x.shape
    gen = torch.Generator().manual_seed(seed)
    if resolution is None:
        m = torch.rand(n, h, w, generator=gen)
    else:
        m = F.interpolate(torch.rand(n, 1, resolution, resolution, generator=gen), size=(h, w),
                          mode="bilinear", align_corners=False)[:, 0]
    return m.to(x.device)


def _method_name(method: str | Callable[..., torch.Tensor]) -> str:
    return method if isinstance(method, str) else getattr(method, "__name__", type(method).__name__)


def _resolve_methods(methods: Sequence[str | Callable] | Mapping[str, Callable] | None
                     ) -> dict[str, Callable[..., torch.Tensor]]:
    if methods is None:
        return course_methods()
    if isinstance(methods, Mapping):
        return dict(methods)
    out: dict[str, Callable[..., torch.Tensor]] = {}
    for m in methods:
        if isinstance(m, str):
            out.update(course_methods([m]))
        else:
            out[_method_name(m)] = m
    return out


@dataclass
class MethodEvaluation:
    """What :func:`evaluate_methods` measured, per method (rows) and image (columns).

    ``maps``: ``{method: (N,H,W) reduced map}`` (3-channel maps: sum of absolute values);
    ``curves``: ``{method: [deletion Curve, insertion Curve]}`` (feed it to
    ``cv.plot.curves``); ``sanity``: ``{method: RandomizationResult}``; ``pointing``:
    ``{method: (N,) bool}`` when boxes were given; ``seconds``: time each method's map took;
    ``images``: optional names of the images; ``baselines``: the names among the rows that are
    random maps, not methods.
    """

    methods: list[str]
    maps: dict[str, torch.Tensor] = field(default_factory=dict)
    curves: dict[str, list[Curve]] = field(default_factory=dict)
    sanity: dict[str, RandomizationResult] = field(default_factory=dict)
    pointing: dict[str, torch.Tensor] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    images: list[str] | None = None
    baselines: list[str] = field(default_factory=list)

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
        final sanity-check Spearman similarity, the pointing-game hit rate, seconds."""
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


def _reduced(result: torch.Tensor, n: int, channels: int) -> torch.Tensor:
    r = result.detach().float()
    if r.dim() == 4 and r.shape[1] == channels:
        return r.abs().sum(1)
    if r.dim() == 4 and r.shape[1] == 1:
        return r[:, 0]
    if r.dim() != 3 or r.shape[0] != n:
        raise ValueError(f"the method must return (N,H,W) or (N,{channels},H,W) maps for one class per "
                         f"image; got {tuple(result.shape)}")
    return r


def evaluate_methods(model: nn.Module | Classifier, x: torch.Tensor,
                     methods: Sequence[str | Callable] | Mapping[str, Callable] | None = None,
                     target: Target = None, *, faithfulness: bool = True, sanity: bool = True,
                     boxes: Sequence | None = None, steps: int | None = None, fill: Fill = "blur",
                     layers: Sequence[str] | None = None, init: str = "normal",
                     baselines: Mapping[str, torch.Tensor] | None = None,
                     images: Sequence[str] | None = None, seed: int = 0, progress: bool | None = None
                     ) -> MethodEvaluation:
    """Every method through the same tests, in one call.

    For each of ``methods`` (names of course methods, functions with the common signature,
    or ``{name: function}``; default all of :func:`course_methods`):

    - its map for ``target`` (None: each image's top-1 class, fixed once for all methods),
      reduced to ``(N,H,W)`` (3-channel maps: sum of absolute values);
    - ``faithfulness``: deletion (``fill``, default a blurred copy) and insertion curves and
      their AUCs (Petsiuk et al. 2018) with ``steps`` steps;
    - ``sanity``: the cascading randomisation check (Adebayo et al. 2018) over ``layers``
      (default: every block of :func:`randomization_layers`; pass a few for speed), each
      block redrawn as ``init`` says (:func:`randomize_layer`; default ``"normal"``, which
      keeps the activations' scale so that no map dies to zero for the wrong reason);
    - ``boxes``: the pointing game (Zhang et al. 2016) against one list of boxes per image.

    ``baselines``: ``{name: (N,H,W) map}`` scored by deletion/insertion like the methods;
    default a per-pixel random map and random 7x7 blobs (:func:`random_map`). Returns a
    :class:`MethodEvaluation`; ``.table()`` is the summary, ``.curves`` feeds
    ``cv.plot.curves`` and ``.sanity`` feeds ``cv.plot.sanity_curves``.
    """
    import time

    module, clf, xin, cls = one_class_per_image(model, x, target, "evaluate_methods")
    n, c = xin.shape[:2]
    fns = _resolve_methods(methods)
    if baselines is None:
        baselines = {"random pixels": random_map(xin, seed=seed),
                     "random blobs": random_map(xin, seed=seed, resolution=7)}
    out = MethodEvaluation(methods=list(fns), images=list(images) if images is not None else None,
                           baselines=list(baselines))
    work = list(fns.items())
    for name, fn in tqdm(work, desc="methods", unit="method", disable=not (progress or False), leave=False):
        start = time.perf_counter()
        out.maps[name] = _reduced(fn(model, xin, cls), n, c)
        out.seconds[name] = time.perf_counter() - start
        if boxes is not None:
            out.pointing[name] = pointing_game(out.maps[name], boxes)
        if sanity:
            out.sanity[name] = randomization_check(model, fn, xin, cls, layers=layers, seed=seed,
                                                   init=init, progress=progress)
    if faithfulness:
        for name, m in [*out.maps.items(), *baselines.items()]:
            out.curves[name] = [deletion_curve(model, xin, m, cls, steps=steps, fill=fill, seed=seed,
                                               progress=progress),
                                insertion_curve(model, xin, m, cls, steps=steps, seed=seed, progress=progress)]
    for name, m in baselines.items():
        out.maps.setdefault(name, torch.as_tensor(m).to(xin.device))
        if boxes is not None:
            out.pointing[name] = pointing_game(out.maps[name], boxes)
    return out


def trapezoid_auc(fractions: torch.Tensor | Sequence[float], scores: torch.Tensor | Sequence[float]
                  ) -> torch.Tensor:
    """Area under a curve by the trapezoid rule, ``sum_i (f_{i+1} - f_i) (s_i + s_{i+1}) / 2``
    (what :func:`deletion_auc` and :func:`insertion_auc` integrate); ``scores`` may be
    ``(S,)`` or ``(N,S)`` and gives ``()`` or ``(N,)``."""
    f = torch.as_tensor(fractions, dtype=torch.float64)
    s = torch.as_tensor(scores, dtype=torch.float64)
    return ((f[1:] - f[:-1]) * (s[..., 1:] + s[..., :-1]) / 2).sum(-1)


__all__ += ["COURSE_METHODS", "MethodEvaluation", "course_methods", "evaluate_methods", "method_key",
            "random_map", "trapezoid_auc"]
