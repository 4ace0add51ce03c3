"""The render loop and ``maximize``: the image that maximally excites a unit, channel or class.

Activation maximisation (Erhan et al. 2009; Simonyan et al. 2014; Olah et al. 2017):

    x* = argmax_x  objective(A(T(x)))  (- regularisers)

with ``A`` the network's activations, ``T`` a random transform drawn each step and ``x``
given by a parametrisation (pixels or a decorrelated Fourier spectrum). One loop does it
all: the model is frozen (only the image gets gradients, no parameter ``.grad``), hooks
come from :func:`cnnviz_lab.core.hooks.capture` and come off on every path, the forward pass
stops right after the deepest layer the objective reads, and a seeded generator makes
the same seed give the same image.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any, Sequence

import torch
from PIL import Image
from torch import nn

from ..core import checks, defaults
from ..models.classifier import Classifier
from ..core.gate import prepare_input, unwrap
from ..core.hooks import capture
from ..core.state import frozen, model_device
from .objectives import Context, Objective, as_objective, l2
from .param import ImageParam, make_param
from .transforms import Transform, make_transforms

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


@dataclass
class Rendering:
    """What :func:`maximize`, :func:`~cnnviz_lab.optvis.invert` and :func:`render` return.

    ``tensor``: ``(N,3,H,W)`` RGB in [0, 1], detached, on the model's device; ``history``:
    ``(steps, N)`` scores per step (CPU); ``start``: the start image (RGB [0, 1]) when the
    render began from one, else ``None``; ``objective``: its name; ``info``: what the
    function adds (``invert``: the layer, the feature distances, the target image);
    ``description``: the objective in words, for titles (:meth:`Objective.describe`).
    ``.image`` / ``.images`` are PIL images; in a notebook a Rendering shows as its images.
    """

    tensor: torch.Tensor
    history: torch.Tensor
    objective: str = ""
    start: torch.Tensor | None = None
    info: dict[str, Any] = field(default_factory=dict)
    description: str = ""

    @property
    def images(self) -> list[Image.Image]:
        """One PIL image per batch element."""
        return [to_pil(t) for t in self.tensor]

    @property
    def image(self) -> Image.Image:
        """The first image."""
        return to_pil(self.tensor[0])

    @property
    def difference(self) -> torch.Tensor:
        """Rendered minus start image (what the optimisation added to a start image);
        raw, signed, in RGB units. Needs a render that started from an image."""
        if self.start is None:
            raise ValueError("this rendering did not start from an image; pass image=... to maximize")
        return self.tensor - self.start.to(self.tensor.device)

    def strip(self) -> Image.Image:
        """The images side by side in one PIL image."""
        images = self.images
        out = Image.new("RGB", (sum(i.width for i in images), max(i.height for i in images)))
        left = 0
        for img in images:
            out.paste(img, (left, 0))
            left += img.width
        return out

    def save(self, path: str) -> str:
        """Write the images (side by side) to ``path``; returns the path."""
        self.strip().save(path)
        return path

    def _repr_png_(self) -> bytes:
        buffer = io.BytesIO()
        self.strip().save(buffer, format="PNG")
        return buffer.getvalue()

    def __repr__(self) -> str:
        n, _, h, w = self.tensor.shape
        return f"Rendering({self.objective!r}, {n} image{'s' if n > 1 else ''} of {w}x{h}, {len(self.history)} steps)"


def to_pil(t: torch.Tensor) -> Image.Image:
    """A ``(3,H,W)`` RGB tensor in [0, 1] as a PIL image."""
    arr = t.detach().clamp(0, 1).mul(255).round().byte().permute(1, 2, 0).cpu().numpy()
    return Image.fromarray(arr)


def _normalizer(classifier: Classifier | None, module: nn.Module):
    if classifier is not None:
        mean, std = classifier.mean, classifier.std
    else:
        dev = model_device(module)
        mean = torch.tensor(IMAGENET_MEAN, device=dev).view(1, 3, 1, 1)
        std = torch.tensor(IMAGENET_STD, device=dev).view(1, 3, 1, 1)
    return lambda x: (x - mean.to(x.device, x.dtype)) / std.to(x.device, x.dtype)


def render(
    model: nn.Module | Classifier,
    objective: Objective | str | Sequence,
    param: ImageParam,
    *,
    steps: int = 256,
    lr: float = 0.05,
    transforms: Transform | None = None,
    generator: torch.Generator | None = None,
    optimizer: str = "adam",
    progress: bool | None = None,
    desc: str = "render",
) -> Rendering:
    """Optimise ``param`` to maximise ``objective``; the general loop behind ``maximize``
    and ``invert``.

    Each step: image = param(); x = normalise(transforms(image)); forward up to the deepest
    layer the objective reads; gradient ascent on the sum of the per-image scores with
    respect to the image parameters only (Adam, or ``optimizer="sgd"``). Objectives'
    setups run first and their post-steps (``blur``) after each update.
    """
    module, clf = unwrap(model)
    obj = as_objective(objective)
    gen = generator if generator is not None else defaults.generator(None)
    steps = checks.integer(steps, "steps", minimum=0, what="an int >= 0")
    transform = transforms if transforms is not None else (lambda x, g: x)
    normalise = _normalizer(clf, module)
    params = param.parameters()
    opt = torch.optim.Adam(params, lr=lr) if optimizer == "adam" else torch.optim.SGD(params, lr=lr, momentum=0.9)
    history: list[torch.Tensor] = []
    layers = list(obj.layers)
    images = steps * param.n
    with frozen(module):
        for setup in obj.setups:
            setup(module, clf)
        with capture(module, layers or [""], stop=not obj.needs_logits) as cap:
            for step in defaults.progress_bar(range(steps), images=images, progress=progress, desc=desc):
                image = param()
                x = normalise(transform(image, gen))
                cap.activations.clear()
                logits = cap.forward(x)
                score = obj(Context(cap.activations, logits, image, step))
                grads = torch.autograd.grad(-score.sum(), params)
                for p, g in zip(params, grads):
                    p.grad = g
                opt.step()
                for p in params:
                    p.grad = None
                for post in obj.post_steps:
                    post(param, step)
                history.append(score.detach())
    with torch.no_grad():
        final = param().detach()
    hist = torch.stack(history).cpu() if history else torch.zeros(0, final.shape[0])
    return Rendering(final, hist, obj.name, description=obj.describe())


def unit_image(image: Any, clf: Classifier | None, module: nn.Module, size: int | None = None) -> torch.Tensor:
    """An image as RGB [0, 1] ``(N,3,H,W)`` on the model's device. A tensor is taken as a
    preprocessed model input (through the input gate, then un-normalised); a PIL image,
    path or array is loaded whole (``size=None``) or preprocessed to ``size x size`` (the
    Classifier's resize and centre crop; a plain resize and crop for a bare module)."""
    if isinstance(image, torch.Tensor):
        t = prepare_input(module, image, "image")
        return (clf.to_unit(t) if clf is not None else t).clamp(0, 1)
    device = model_device(module)
    if size is not None and clf is not None:
        return clf.to_unit(clf.preprocess(image, size=size)).clamp(0, 1).to(device)
    import torchvision.transforms.functional as TF

    from ..images.loading import load_image

    img = load_image(image)
    if size is not None:
        img = TF.center_crop(TF.resize(img, size, antialias=True), [size, size])
    return TF.to_tensor(img).unsqueeze(0).to(device)


def maximize(
    model: nn.Module | Classifier,
    objective: Objective | str | Sequence,
    size: int = 224,
    steps: int = 256,
    param: str | ImageParam = "fft",
    seed: int | None = None,
    *,
    lr: float = 0.05,
    transforms: str | Transform | Sequence[Transform] | None = "standard",
    batch: int | None = None,
    image: Any = None,
    l2_weight: float = 0.0,
    decorrelate: bool = True,
    optimizer: str = "adam",
    progress: bool | None = None,
) -> Rendering:
    """The image that maximally excites a neuron, channel or class (activation
    maximisation: Erhan et al. 2009; Olah et al. 2017, Distill "Feature Visualization").

    ``objective``: an :class:`~cnnviz_lab.optvis.objectives.Objective` (they compose:
    ``channel("blocks.8", 12) - 0.01 * total_variation()``), a string (``"blocks.8:12"``
    channel 12; ``"blocks.8:0-15"`` channels 0..15 as a batch of 16; ``"class:tabby"``), or a
    list of them (one image each, optimised together as one batch).
    ``param``: ``"fft"`` (decorrelated Fourier, default), ``"fft-rgb"`` or ``"pixel"``.
    ``transforms``: ``"standard"`` (pad, jitter, scale, rotate), ``"jitter"``, ``None`` or
    a list from :mod:`cnnviz_lab.optvis.transforms`. ``seed``: same seed, same image.
    ``batch``: number of images when the objective does not fix it (default 1).

    ``image``: start from this image instead of noise; with ``l2_weight > 0`` an L2 penalty
    keeps the result close to it, and ``Rendering.difference`` shows what the optimisation
    added.

    Returns a :class:`Rendering`: ``.image`` (PIL), ``.images`` (one per batch element),
    ``.tensor`` (``(N,3,H,W)`` RGB in [0, 1]), the score ``.history``, the ``.start`` image
    and ``.difference``.
    """
    module, clf = unwrap(model)
    obj = as_objective(objective)
    device = model_device(module)
    size = checks.positive_int(size, "size")
    gen = defaults.generator(seed)
    n = obj.batch or batch or 1
    if obj.batch is not None and batch not in (None, obj.batch):
        raise ValueError(f"the objective describes {obj.batch} images but batch={batch}")
    start = None
    if image is not None:
        start = unit_image(image, clf, module, size)
        if l2_weight:
            obj = obj - l2_weight * l2(reference=start)
    p = make_param(param, n, size, init=start, generator=gen, device=device, decorrelate=decorrelate)
    result = render(
        model, obj, p, steps=steps, lr=lr, transforms=make_transforms(transforms, size), generator=gen, optimizer=optimizer, progress=progress, desc="maximize"
    )
    result.start = start
    return result


def centre_contrast(images: torch.Tensor) -> torch.Tensor:
    """Per image of an ``(N,3,H,W)`` batch: the standard deviation of the pixels in the
    central half (rows and columns ``H/4 .. 3H/4``) divided by that of the pixels around
    it. About 1 for a pattern repeated everywhere (a channel objective), well above 1 for
    a pattern drawn only in the middle (a centre-neuron objective, Erhan et al. 2009)."""
    if not isinstance(images, torch.Tensor):
        raise TypeError(f"images must be an (N,C,H,W) tensor, got {type(images).__name__}")
    x = images.detach().float()
    if x.dim() != 4 or x.shape[-1] < 4 or x.shape[-2] < 4:
        raise ValueError(f"images must be an (N,C,H,W) batch of at least 4x4 pixels, got shape {tuple(x.shape)}")
    h, w = x.shape[-2:]
    centre = torch.zeros(h, w, dtype=torch.bool, device=x.device)
    centre[h // 4 : h - h // 4, w // 4 : w - w // 4] = True
    inner, outer = x[..., centre].flatten(1), x[..., ~centre].flatten(1)
    return inner.std(1) / outer.std(1).clamp_min(1e-12)


__all__ = ["Rendering", "centre_contrast", "maximize", "render", "to_pil", "unit_image"]
