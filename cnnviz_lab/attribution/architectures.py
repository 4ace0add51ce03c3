"""One class explained by several networks: Grad-CAM at each model's own CAM layer and guided
backpropagation, and how much a gradient map depends on pixel parity (the checkerboard a
strided convolution leaves in the backward pass, Odena et al. 2016). ``cnnviz_lab.plot`` draws
the results (``cam_architectures``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import torch

from ..images.loading import ImageLike
from ..models.classifier import Classifier
from ..models.fallback import title_name
from .cam import finish_maps, gradcam
from .gradients import guided_backprop


def _single_map(attribution: torch.Tensor, period: int, name: str = "attribution") -> torch.Tensor:
    """One ``(H,W)`` map of ``|a|`` (colours summed) from a ``(3,H,W)``, ``(H,W)`` or
    ``(1,...)``-batched map, checked to be at least ``period`` pixels on each side."""
    a = torch.as_tensor(attribution).detach().float()
    while a.dim() > 3:
        if a.shape[0] != 1:
            raise ValueError(f"{name}: pass one map, (3,H,W) or (H,W), got shape {tuple(a.shape)}")
        a = a[0]
    if a.dim() == 3:
        a = a.abs().sum(0)
    if isinstance(period, bool) or not isinstance(period, int) or period < 2:
        raise ValueError(f"period must be an int >= 2, got {period!r}")
    if a.dim() != 2 or min(a.shape) < period:
        raise ValueError(f"{name}: expected a (3,H,W) or (H,W) map of at least {period}x{period}, got {tuple(a.shape)}")
    return a.abs()


def phase_means(attribution: torch.Tensor, period: int = 2) -> torch.Tensor:
    """The mean ``|a|`` (colours summed) on each of the ``period x period`` pixel phases
    ``(row % p, column % p)`` of a map ``(3,H,W)`` or ``(H,W)``, as a ``(p,p)`` tensor: entry
    ``[i, j]`` averages the pixels whose row is ``i`` and column ``j`` modulo ``p``. A stride-p
    layer's checkerboard in a gradient (Odena et al. 2016) shows as a pattern in this table;
    a map without one gives a flat table (up to noise). :func:`phase_ratio` is its largest
    entry over its smallest."""
    a = _single_map(attribution, period)
    return torch.stack([torch.stack([a[i::period, j::period].mean() for j in range(period)]) for i in range(period)])


def phase_ratio(attribution: torch.Tensor, period: int = 2) -> float:
    """How much a gradient map depends on pixel parity: the mean ``|a|`` (summed over the
    colour channels) on each of the four 2x2 pixel phases (even/odd row, even/odd column),
    largest over smallest. A stride-2 convolution in the backward pass sends more gradient
    to some phases than others, the checkerboard of Odena et al. 2016 (*Deconvolution and
    Checkerboard Artifacts*, Distill); a map without it gives a ratio near 1.

    ``period``: the grid's period p (default 2): the ``p*p`` phases ``(row % p, column % p)``,
    for artefacts of a layer at stride p (4, 8, 16...). With many phases each mean rests on
    fewer pixels, so even a map without a grid scores somewhat above 1: compare maps at the
    same period, or with :func:`phase_ratio_null`."""
    phases = phase_means(attribution, period)
    return float(phases.max() / phases.min()) if phases.min() > 0 else float("inf")


def phase_ratio_null(attribution: torch.Tensor, period: int = 2, block: int = 16, draws: int = 20, seed: int | None = 0) -> torch.Tensor:
    """:func:`phase_ratio` of ``draws`` copies of the map whose pixels are shuffled within
    each ``block x block`` tile (one permutation per tile, the same for every colour; the
    map cropped to whole tiles): each tile keeps its values, so the map's large-scale layout
    and heavy tails stay, but no pixel keeps its phase. The ratios such a grid-free map scores
    at ``period`` (``block`` >= ``period``) are the reference a measured ratio is read
    against. Returns a ``(draws,)`` tensor; ``seed`` draws the shuffles."""
    if isinstance(block, bool) or not isinstance(block, int) or block < 2:
        raise ValueError(f"block must be an int >= 2, got {block!r}")
    if isinstance(period, int) and not isinstance(period, bool) and block < period:
        raise ValueError(f"block must be at least the period ({period}), got {block!r}")
    if isinstance(draws, bool) or not isinstance(draws, int) or draws < 1:
        raise ValueError(f"draws must be an int >= 1, got {draws!r}")
    a = _single_map(attribution, period)
    nh, nw = a.shape[0] // block, a.shape[1] // block
    if nh == 0 or nw == 0:
        raise ValueError(f"attribution: a map of {tuple(a.shape)} holds no whole {block}x{block} tile")
    tiles = a[: nh * block, : nw * block].reshape(nh, block, nw, block).permute(0, 2, 1, 3).reshape(nh * nw, block * block)
    gen = torch.Generator().manual_seed(0 if seed is None else int(seed))
    out = []
    for _ in range(draws):
        order = torch.argsort(torch.rand(tiles.shape, generator=gen), dim=1).to(tiles.device)  # drawn on the host: one result per seed
        shuffled = tiles.gather(1, order).reshape(nh, nw, block, block).permute(0, 2, 1, 3).reshape(nh * block, nw * block)
        out.append(phase_ratio(shuffled, period))
    return torch.tensor(out)


@dataclass
class ArchitectureMaps:
    """One network's explanation of one class (:func:`architecture_maps`): the model's
    title name, its CAM layer and that layer's map size, the input it saw, the Grad-CAM map
    upsampled to the input ``(H,W)``, guided backpropagation ``(3,H,W)`` and the
    guided-backprop phase ratio (:func:`phase_ratio`)."""

    classifier: Classifier
    name: str
    layer: str
    grid: tuple[int, int]
    x: torch.Tensor
    gradcam: torch.Tensor
    guided: torch.Tensor
    phase_ratio: float

    @property
    def guided_gradcam(self) -> torch.Tensor:
        """Guided Grad-CAM, ``guided * upsample(Grad-CAM)`` (Selvaraju et al. 2017)."""
        return self.guided * self.gradcam


def _distinct(classifiers: Sequence[Classifier]) -> list[Classifier]:
    """One classifier per network actually run, in order of first appearance; a stand-in
    (fallback) gives way to the same network loaded as itself."""
    chosen: dict[str, Classifier] = {}
    for clf in classifiers:
        if not isinstance(clf, Classifier):
            raise TypeError(f"classifiers: expected Classifier objects (cnnviz_lab.load_model), got {type(clf).__name__}")
        old = chosen.get(clf.name)
        if old is None or (getattr(old, "fallback_note", None) and not getattr(clf, "fallback_note", None)):
            chosen[clf.name] = clf
    return list(chosen.values())


def architecture_maps(classifiers: Sequence[Classifier], image: ImageLike, target: Any, size: int | None = None) -> list[ArchitectureMaps]:
    """Grad-CAM (at each model's own CAM layer) and guided backpropagation of the same class
    on several networks, each on the image preprocessed its own way (at ``size`` pixels
    when given). Networks that ran as the same model (two fallbacks to the offline model)
    are explained once. Per model: one Grad-CAM and one guided-backprop pass."""
    if not classifiers:
        raise ValueError("classifiers: give at least one model")
    out = []
    for clf in _distinct(classifiers):
        x = clf.preprocess(image, size=size)
        coarse = gradcam(clf, x, target, upsample=False)  # (1,h,w)
        fine = finish_maps(coarse[:, None], x, True, True)[0]  # as gradcam upsamples
        guided = guided_backprop(clf, x, target)[0]
        out.append(ArchitectureMaps(clf, title_name(clf), clf.cam_layer, tuple(coarse.shape[-2:]), x, fine, guided, phase_ratio(guided)))
    return out


__all__ = ["ArchitectureMaps", "architecture_maps", "phase_means", "phase_ratio", "phase_ratio_null"]
