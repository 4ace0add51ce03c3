"""DeepDream (Mordvintsev, Olah & Tyka 2015, "Inceptionism: Going Deeper into Neural
Networks"): change an image by gradient ascent so that chosen layers respond more,

    x <- x + lr * normalise(grad_x  sum_l w_l * mean(A_l(x)^2)),

over an image pyramid (octaves: small scales first, the detail added carried up), with a
random roll of the image before each step (``jitter``) so tiles and the network's stride
grid leave no pattern, the gradient normalised per step, optional
Gaussian smoothing of the gradient, and large images processed in tiles.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn

from ..core import checks, defaults
from ..models.classifier import Classifier
from ..core.gate import unwrap
from ..models.layers import blocks_at
from ..core.hooks import capture
from ..core.layer_lookup import layer_name
from ..core.state import frozen, model_device
from ..core.blur import gaussian_blur
from .render import IMAGENET_MEAN, IMAGENET_STD, to_pil, unit_image

#: This course's VGG16 DeepDream preset (no published configuration: Mordvintsev et al. dreamed
#: with GoogLeNet): relu4_2 and relu5_2 (torchvision ``features.20`` / ``features.27``) weighted
#: 1 and 0.5, 5 octaves of ratio 1.6, 20 steps, shift 32, lr 0.1, width 800.
CLASSIC_VGG16_DREAM = {
    "model": "vgg16",
    "layers": {"features.20": 1.0, "features.27": 0.5},
    "octaves": 5,
    "octave_scale": 1.6,
    "steps": 20,
    "jitter": 32,
    "lr": 0.1,
    "width": 800,
}

#: A lighter recipe for the offline EfficientNet-Lite0: its blocks at similar depths to
#: relu4_2 / relu5_2 (65 % and 80 % of its blocks: :func:`dream_layers`) with the same
#: weights, but 4 octaves of ratio 1.4, 10 steps, lr 0.09 and width 512 (a few seconds on a
#: CPU). The classic numbers run on Lite0 too: ``deepdream(lite, img, dream_layers(lite), ...)``.
LITE_DREAM = {
    "model": "efficientnet_lite0",
    "layers": {"blocks.10": 1.0, "blocks.13": 0.5},
    "octaves": 4,
    "octave_scale": 1.4,
    "steps": 10,
    "jitter": 32,
    "lr": 0.09,
    "width": 512,
}


def dream_layers(model: nn.Module | Classifier, depths: Sequence[float] = (0.65, 0.8), weights: Sequence[float] = (1.0, 0.5)) -> dict[str, float]:
    """``{block: weight}`` for the model's own blocks at relative ``depths`` (0: the first
    block, 1: the CAM layer; :func:`cnnviz_lab.models.layers.blocks_at`): DeepDream's default
    layers for any network."""
    return dict(zip(blocks_at(model, depths), weights))


def _layer_weights(module: nn.Module, layers: str | Sequence[str] | Mapping[str, float]) -> dict[str, float]:
    if layers is None:
        return dream_layers(module, (0.65,), (1.0,))
    what = "a layer name, a list of names or a {name: weight} dict"
    if isinstance(layers, str):
        layers = {layers: 1.0}
    elif isinstance(layers, (list, tuple)):
        layers = {name: 1.0 for name in layers}
    elif not isinstance(layers, Mapping):
        raise TypeError(f"layers must be {what}, got {layers!r:.60} ({type(layers).__name__})")
    if not layers:
        raise ValueError(f"layers must be {what} with at least one layer, e.g. layers={{'blocks.10': 1.0}}")
    out = {}
    for name, weight in layers.items():
        try:
            out[layer_name(module, name)] = checks.real(weight, f"the weight of layer {name!r}")
        except (ValueError, TypeError) as err:  # unknown names, foreign modules, bad weights
            raise type(err)(f"layers: {err}") from None
    return {k: v for k, v in out.items() if v != 0.0}


def _resize(x: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    if tuple(x.shape[-2:]) == tuple(size):
        return x
    return F.interpolate(x, size=size, mode="bilinear", align_corners=False)


def deepdream(
    model: nn.Module | Classifier,
    image: Any,
    layers: str | Sequence[str] | Mapping[str, float] | None = None,
    octaves: int = 4,
    octave_scale: float = 1.4,
    steps: int = 10,
    lr: float = 0.09,
    jitter: int = 32,
    seed: int | None = None,
    *,
    smooth: float = 0.0,
    max_side: int = 1024,
    tile: int = 512,
    min_side: int = 32,
    progress: bool | None = None,
    as_tensor: bool = False,
    normalize: str = "std",
) -> Image.Image | torch.Tensor:
    """Dream ``image`` (PIL, path, array, or a preprocessed tensor) through ``layers``
    (``{name: weight}``, a name, or a list of names with weight 1; default: the model's own
    block at 65 % of its depth, :func:`dream_layers`: ``blocks.10`` for EfficientNet-Lite0).

    Every step maximises ``sum_l w_l * mean(A_l^2)`` (layers with weight 0 are not even
    computed: they change nothing) with the gradient normalised to zero mean and unit
    standard deviation, the image rolled by a random shift in
    ``[-jitter, jitter]`` first and rolled back after, and the step taken in the model's
    input space, clipped to valid pixels. ``octaves`` scales, each ``octave_scale`` times
    the previous, smallest first; scales with a side below ``min_side`` are skipped.
    ``normalize``: how each step's gradient is scaled: ``"std"`` (default) ``(g - mean(g)) /
    (std(g) + 1e-8)``; ``"mean_abs"`` ``g / (mean|g| + 1e-8)``, the normalisation of
    Mordvintsev et al.'s original code (google/deepdream); ``"none"``: the raw gradient, so
    the step size depends on the layer, its weight and the image size.
    ``smooth``: Gaussian sigma (pixels) for the gradient (0: none). Images wider than
    ``max_side`` are dreamed at that size and resized back; gradients of images larger
    than ``tile`` are computed tile by tile (bounded memory). The forward pass stops at
    the deepest chosen layer. ``octave_scale`` is at least 1.

    Returns a PIL image of the input's size (``as_tensor=True``: ``(1,3,H,W)`` RGB in
    [0, 1] on the model's device). Same seed, same dream.
    """
    module, clf = unwrap(model)
    device = model_device(module)
    weights = _layer_weights(module, layers)
    gen = defaults.generator(seed)
    octaves = checks.positive_int(octaves, "octaves")
    octave_scale = checks.real(octave_scale, "octave_scale", minimum=1.0)
    steps = checks.integer(steps, "steps", minimum=0, what="an int >= 0")
    jitter = checks.integer(jitter, "jitter", minimum=0, what="an int >= 0")
    lr = checks.real(lr, "lr", minimum=0.0)
    smooth = checks.real(smooth, "smooth", minimum=0.0)
    max_side, tile, min_side = (checks.positive_int(v, k) for k, v in (("max_side", max_side), ("tile", tile), ("min_side", min_side)))
    as_tensor = checks.flag(as_tensor, "as_tensor")
    checks.choice(normalize, "normalize", ("std", "mean_abs", "none"))
    x0 = unit_image(image, clf, module)[:1]
    in_size = tuple(x0.shape[-2:])
    mean = (clf.mean if clf is not None else torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)).to(device)
    std = (clf.std if clf is not None else torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)).to(device)
    lo, hi = (0 - mean) / std, (1 - mean) / std

    scale = min(1.0, max_side / max(in_size))
    work = (max(1, round(in_size[0] * scale)), max(1, round(in_size[1] * scale)))
    x_norm = (_resize(x0, work) - mean) / std
    if not weights or steps <= 0:
        result = x0
    else:
        sizes = []
        for level in range(octaves):
            f = octave_scale ** (level - octaves + 1)
            s = (round(work[0] * f), round(work[1] * f))
            if min(s) >= min_side or level == octaves - 1:
                sizes.append(s)
        bar = defaults.progress_bar(total=len(sizes) * steps, images=len(sizes) * steps, progress=progress, desc="deepdream")
        names = list(weights)
        try:
            with frozen(module), capture(module, names, stop=True) as cap:
                detail = None
                for s in sizes:
                    base = _resize(x_norm, s)
                    x = base.clone() if detail is None else base + _resize(detail, s)
                    for _ in range(steps):
                        dy, dx = (int(v) for v in torch.randint(-jitter, jitter + 1, (2,), generator=gen)) if jitter > 0 else (0, 0)
                        rolled = torch.roll(x, (dy, dx), dims=(-2, -1))
                        g = _gradient(cap, rolled, weights, tile)
                        g = torch.roll(g, (-dy, -dx), dims=(-2, -1))
                        if smooth > 0:
                            g = gaussian_blur(g, smooth)
                        if normalize == "std":
                            g = (g - g.mean()) / (g.std() + 1e-8)
                        elif normalize == "mean_abs":
                            g = g / (g.abs().mean() + 1e-8)
                        x = torch.maximum(torch.minimum(x + lr * g, hi), lo)
                        bar.update(1)
                    detail = x - base
        finally:
            bar.close()
        result = _resize(x * std + mean, in_size).clamp(0, 1)
    if as_tensor:
        return result.detach()
    return to_pil(result[0])


def dream_score(
    model: nn.Module | Classifier,
    image: Any,
    layers: str | Sequence[str] | Mapping[str, float] | None = None,
    *,
    shifts: int = 0,
    jitter: int = 32,
    seed: int | None = 0,
) -> float:
    """DeepDream's objective ``sum_l w_l * mean(A_l(x)^2)`` for one image (PIL, path, array,
    or a preprocessed tensor), with ``layers`` as in :func:`deepdream`: compare a photo with
    its dream to see how much more the layers respond (Mordvintsev et al. 2015).

    ``shifts``: also read the objective on that many copies of the image rolled by a random
    shift in ``[-jitter, jitter]`` (as :func:`deepdream` rolls it before each step; ``seed``
    draws the shifts) and return the mean over the image and its rolled copies: a dream
    optimised over shifted copies is then read the way it was made, not at one alignment."""
    module, clf = unwrap(model)
    device = model_device(module)
    weights = _layer_weights(module, layers)
    shifts = checks.integer(shifts, "shifts", minimum=0, what="an int >= 0")
    jitter = checks.integer(jitter, "jitter", minimum=0, what="an int >= 0")
    if not weights:
        return 0.0
    x = unit_image(image, clf, module)[:1]
    mean = (clf.mean if clf is not None else torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)).to(device)
    std = (clf.std if clf is not None else torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)).to(device)
    gen = defaults.generator(seed)
    rolls = [(0, 0)] + [tuple(int(v) for v in torch.randint(-jitter, jitter + 1, (2,), generator=gen)) for _ in range(shifts)]
    total = 0.0
    with torch.no_grad(), frozen(module), capture(module, list(weights), stop=True) as cap:
        for dy, dx in rolls:
            cap.forward(torch.roll((x - mean) / std, (dy, dx), dims=(-2, -1)))
            total += float(sum(w * cap.activations[name].float().pow(2).mean() for name, w in weights.items()))
    return total / len(rolls)


def _gradient(cap, x: torch.Tensor, weights: dict[str, float], tile: int) -> torch.Tensor:
    """d/dx of sum_l w_l mean(A_l^2), tile by tile when the image is larger than ``tile``."""
    h, w = x.shape[-2:]
    if max(h, w) <= tile:
        return _tile_gradient(cap, x, weights)
    g = torch.zeros_like(x)
    # Full-size tiles; the last row/column of tiles is aligned to the border (overlapping
    # its neighbour) so no tile is a sliver too small for the network.
    ys = list(range(0, max(h - tile, 0), tile)) + [max(h - tile, 0)]
    xs = list(range(0, max(w - tile, 0), tile)) + [max(w - tile, 0)]
    for y0 in ys:
        for x0 in xs:
            g[..., y0 : y0 + tile, x0 : x0 + tile] = _tile_gradient(cap, x[..., y0 : y0 + tile, x0 : x0 + tile], weights)
    return g


def _tile_gradient(cap, x: torch.Tensor, weights: dict[str, float]) -> torch.Tensor:
    x = x.detach().requires_grad_(True)
    cap.activations.clear()
    cap.forward(x.clone())  # a copy in the graph: a model may write its input in place
    loss = sum(w * cap.activations[name].pow(2).mean() for name, w in weights.items())
    (g,) = torch.autograd.grad(loss, x)
    return g


__all__ = ["CLASSIC_VGG16_DREAM", "LITE_DREAM", "deepdream", "dream_layers", "dream_score"]
