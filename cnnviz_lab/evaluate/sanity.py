"""The randomisation sanity check (Adebayo et al., *Sanity Checks for Saliency Maps*,
NeurIPS 2018): randomise the model's layers from the top down, cascading, recompute the
explanation each time and measure how similar it stays. A method whose map does not change
when the weights it claims to explain are destroyed fails the check.
"""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import torch
from torch import nn

from ..core import checks, defaults
from ..attribution import registry
from ..attribution.common import Target, one_target_per_image
from ..models.classifier import Classifier
from ..core.gate import unwrap
from ..core.layer_lookup import get_layer
from .maps import method_map
from .similarity import spearman, ssim


def randomization_layers(model: nn.Module | Classifier, max_layers: int | None = None) -> list[str]:
    """The blocks a cascading randomisation walks through, from the output down: the
    top-level children holding parameters, with ``Sequential``/``ModuleList`` children
    expanded one level unless they are a single conv-norm unit (EfficientNet:
    ``classifier, head, blocks.15, ..., blocks.0, stem``; ResNet: ``fc, layer4.1, ...,
    bn1, conv1``; VGG: ``classifier.6, ..., features.0``). ``max_layers``: at most that many,
    evenly spread from the output block to the input block (both kept), for a quick check."""
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
    names = names[::-1]
    if max_layers is not None and len(names) > checks.positive_int(max_layers, "max_layers"):
        last = len(names) - 1
        picks = [0] if max_layers == 1 else [round(i * last / (max_layers - 1)) for i in range(max_layers)]
        names = [names[i] for i in dict.fromkeys(picks)]
    return names


def randomize_layer(layer: nn.Module, seed: int | None = None, init: str = "reset", *, calibrate: torch.Tensor | None = None) -> None:
    """Re-initialise every parameter of ``layer`` in place, reproducibly for an int ``seed``
    (``None``: unseeded, the seed drawn from torch's global generator): each
    submodule's own ``reset_parameters`` (PyTorch's default initialisation, as Quantus
    does); parameters of a module without one are redrawn from a normal distribution with
    the original standard deviation. The global RNG state is left untouched.

    ``init="normal"``: every parameter is instead redrawn from a normal distribution with
    its own original mean and standard deviation, and normalisation running statistics are
    kept. This keeps the activations' scale: after PyTorch's default re-initialisation of a
    block of a BatchNorm + ReLU6 network (EfficientNet) the next layers saturate and every
    gradient map becomes exactly zero, which would "pass" the sanity check for the wrong
    reason.

    ``calibrate``: a batch of the layer's inputs (``(N,...)``, N >= 2, e.g. preprocessed
    photos when ``layer`` is the whole model). After the redraw, every batch-normalisation
    layer inside ``layer`` re-estimates its running mean and variance on that batch (one
    forward pass in training mode, as when a network is initialised from data; Ioffe &
    Szegedy 2015), so that its units stay input-sensitive. With the trained statistics kept,
    randomly redrawn weights give pre-activations whose spread no longer matches them, and
    deep units become nearly constant offsets. Modes, momenta and the batch are left as
    they were."""
    checks.choice(init, "init", ("reset", "normal"))
    if calibrate is not None:
        _check_calibration_batch(calibrate)
    seed = defaults.seed_value(seed)
    _redraw(layer, seed, init)
    if calibrate is not None:
        _recompute_batchnorm(layer, calibrate)


def _check_calibration_batch(x: Any) -> None:
    """``calibrate`` for :func:`randomize_layer`: a finite float tensor with a batch of >= 2."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"calibrate must be a tensor of the layer's inputs, got {type(x).__name__}")
    if not x.is_floating_point() or x.dim() < 2 or x.shape[0] < 2 or not torch.isfinite(x).all():
        raise ValueError(f"calibrate must be a finite float batch of at least 2 inputs (N,...), got dtype {x.dtype} and shape {tuple(x.shape)}")


def _recompute_batchnorm(layer: nn.Module, x: torch.Tensor) -> None:
    """Every batch norm inside ``layer`` gets the running statistics of one training-mode
    forward pass over ``x`` (cumulative average, ``momentum=None``); modes and momenta are
    restored."""
    norms = [m for m in layer.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    if not norms:
        return
    modes = {m: m.training for m in layer.modules()}
    momenta = {m: m.momentum for m in norms}
    device = next(layer.parameters(), x).device
    try:
        for m in norms:
            m.reset_running_stats()
            m.momentum = None
        layer.train()
        with torch.random.fork_rng(devices=[]), torch.no_grad():  # dropout draws leave the global RNG alone
            layer(x.to(device))
    finally:
        for m, training in modes.items():
            m.training = training
        for m, momentum in momenta.items():
            m.momentum = momentum


def _redraw(layer: nn.Module, seed: int, init: str) -> None:
    """The redraw of :func:`randomize_layer` (``init`` "reset" or "normal"), reproducible from ``seed``."""
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


def _method(method: Any) -> Callable[..., torch.Tensor]:
    """``method``: a function with the common signature, or a registered method's name (with
    its registry settings, as :func:`cnnviz_lab.evaluate.evaluate_methods` runs it)."""
    if isinstance(method, str):
        return registry.get_method(method).configured()
    if not callable(method):
        raise TypeError(
            f"method must be an attribution function method(model, x, target) or a registered method's name, got {method!r} ({type(method).__name__})"
        )
    return method


def _layers(module: nn.Module, layers: Sequence[str] | None) -> list[str]:
    """``layers`` checked: ``None`` (every block, :func:`randomization_layers`) or a non-empty
    list of the model's layer names."""
    if layers is None:
        names = randomization_layers(module)
        if not names:
            raise ValueError("the model has no layer with parameters to randomise")
        return names
    if isinstance(layers, (str, nn.Module)) or not isinstance(layers, (list, tuple)):
        raise TypeError(f"layers must be a list of layer names (e.g. {randomization_layers(module)[:2]}), got {layers!r}")
    if not layers:
        raise ValueError("layers: pass at least one layer name to randomise, or None for every block")
    for name in layers:
        if not isinstance(name, str):
            raise TypeError(f"layers must hold layer names (str), got {name!r} ({type(name).__name__})")
        try:
            get_layer(module, name)  # fail early on unknown names, listing the closest
        except ValueError as err:
            raise type(err)(f"layers: {err}") from None
    return list(layers)


@dataclass
class RandomizationResult:
    """Outcome of :func:`randomization_check`.

    ``layers``: the randomised blocks, top first (step ``i`` has blocks ``0..i`` random when
    cascading); ``spearman`` and ``ssim``: ``(N, L)`` similarity of each image's map after
    step ``i`` to its original map; ``maps``: ``(L+1, N, H, W)`` the reduced absolute maps,
    the original first (on the CPU, for plotting); ``targets``: ``(N,)`` classes explained
    (``None`` for a callable target);
    ``method``: the method's name; ``cascading``: whether layers stayed random.
    """

    layers: list[str]
    spearman: torch.Tensor
    ssim: torch.Tensor
    maps: torch.Tensor
    targets: torch.Tensor | None
    method: str
    cascading: bool = True

    def mean(self, metric: str = "spearman") -> torch.Tensor:
        """Similarity per layer averaged over the images, ``(L,)``."""
        return getattr(self, metric).mean(0)

    @property
    def vanished(self) -> torch.Tensor:
        """``(N, L)`` bool: whether image ``n``'s map after step ``i`` is constant (all zero,
        e.g. a ReLU'd CAM on a random network). Such a map has no ranking: its Spearman
        similarity is set to 0, a "pass" that says nothing about the model."""
        after = self.maps[1:].flatten(2)
        return (after.amax(2) == after.amin(2)).T.to(self.spearman.device)

    def mean_kept(self, metric: str = "spearman") -> torch.Tensor:
        """Similarity per layer averaged over the images whose map did not vanish
        (:attr:`vanished`), ``(L,)``; NaN at a step where every map vanished."""
        values, kept = getattr(self, metric).double(), ~self.vanished
        total = torch.where(kept, values, torch.zeros_like(values)).sum(0)
        count = kept.sum(0)
        return torch.where(count > 0, total / count.clamp(min=1), torch.full_like(total, float("nan"))).float()

    def __repr__(self) -> str:
        span = f"{self.layers[0]} .. {self.layers[-1]}" if len(self.layers) > 1 else self.layers[0]
        return (
            f"RandomizationResult(method={self.method!r}, {len(self.layers)} layers ({span}), "
            f"{self.spearman.shape[0]} images, {'cascading' if self.cascading else 'independent'}, "
            f"final spearman={float(self.spearman[:, -1].mean()):.3f}, "
            f"ssim={float(self.ssim[:, -1].mean()):.3f})"
        )


def randomization_check(
    model: nn.Module | Classifier,
    method: Callable[..., torch.Tensor],
    x: torch.Tensor,
    target: Target = None,
    *,
    layers: Sequence[str] | None = None,
    cascading: bool = True,
    seed: int | None = None,
    init: str = "reset",
    progress: bool | None = None,
    **method_kwargs: Any,
) -> RandomizationResult:
    """Model parameter randomisation test of Adebayo et al. 2018.

    On a deep copy of the model (yours is never modified), re-initialise the blocks of
    ``layers`` (default :func:`randomization_layers`: all blocks, output first) one after the
    other, cascading (``cascading=False``: one block at a time, the rest original), and
    recompute ``method(model, x, target, **method_kwargs)`` after each step. Similarity to
    the original explanation of absolute maps (3-channel maps: sum of absolute values):
    Spearman rank correlation and SSIM. The class explained is fixed to the original
    model's (``target=None``: its top-1), as in the paper. A callable target
    (:mod:`cnnviz_lab.targets`, one score per image) is explained as it is on every
    randomised copy (the result's ``targets`` is then ``None``). A faithful method's similarity
    falls towards 0 as layers are randomised; one that stays high (guided backprop) shows
    the image's edges, not what the model learned. ``init``: how a block is randomised
    (:func:`randomize_layer`; ``"normal"`` keeps the activations' scale); ``seed``: the
    redraws (``None``: unseeded). ``method`` may also be a registered method's name
    (``"gradcam"``, ``"Guided backprop"``...), run with its registry settings.
    """
    method = _method(method)
    module, clf, xin, cls = one_target_per_image(model, x, target, "randomization_check")
    n, c = xin.shape[:2]
    names = _layers(module, layers)
    copy_module = copy.deepcopy(module)
    seed = defaults.seed_value(seed)
    copy_model = dataclasses.replace(clf, model=copy_module) if clf is not None else copy_module

    def explain(m) -> torch.Tensor:
        return method_map(method(m, xin, cls, **method_kwargs), n, c, absolute=True)

    original = explain(copy_model)
    pristine = copy.deepcopy(copy_module.state_dict()) if not cascading else None
    maps = [original.cpu()]
    rho, sim = [], []
    bar = defaults.progress_bar(names, images=len(names) * n, progress=progress, desc="randomising", unit="layer")
    for i, name in enumerate(bar):
        if pristine is not None:
            copy_module.load_state_dict(pristine)
        randomize_layer(copy_module.get_submodule(name), seed + i, init)
        m = explain(copy_model)
        maps.append(m.cpu())
        rho.append(spearman(original, m))
        sim.append(ssim(original, m))
    dev = x.device if isinstance(x, torch.Tensor) else xin.device
    return RandomizationResult(
        names,
        torch.stack(rho, 1).to(dev),
        torch.stack(sim, 1).to(dev),
        torch.stack(maps),
        None if callable(cls) else torch.tensor(cls, device=dev),
        getattr(method, "__name__", type(method).__name__),
        cascading,
    )


__all__ = ["RandomizationResult", "randomization_check", "randomization_layers", "randomize_layer"]
