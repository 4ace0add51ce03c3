"""A procedural image dataset whose right answer is known: shapes with a planted shortcut.

Each image shows one shape (the class: circle, square, triangle or cross) at a random
position, size, angle and colour on a smooth random background, and, optionally, a small
coloured patch, the *cue*. In training the cue's colour is the class's colour (``cue=
"match"``): a network can solve the task by reading the patch and ignoring the shape, the
"shortcut learning" of Geirhos et al. (*Shortcut learning in deep neural networks*, Nature
Machine Intelligence 2020), like the hospital tokens that pneumonia detectors learned in
Zech et al. (PLOS Medicine 2018). At test the cue is moved to another class's colour
(``"swap"``), drawn at random (``"random"``) or left out (``"none"``). Because every image
comes with the mask of its object and of its cue, an explanation can be checked against the
truth instead of judged by eye.

Images are generated on the fly from a seed (no download, nothing on disk): image ``i`` of a
seed is always the same image, whether made in a batch (:func:`shape_images`) or one at a time
(:class:`ShapesDataset`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Any, Iterable, Sequence

import torch

from ..core import checks
from .train import cpu_threads

#: The shape classes, in label order.
SHAPES = ("circle", "square", "triangle", "cross")
#: The cue colour of each class (RGB in [0, 1]): red, green, blue, yellow, magenta, cyan.
CUE_COLOURS = ((0.95, 0.1, 0.1), (0.1, 0.85, 0.1), (0.15, 0.3, 1.0), (1.0, 0.85, 0.0), (0.9, 0.1, 0.9), (0.0, 0.9, 0.9))
CUE_MODES = ("match", "swap", "random", "none")


@dataclass
class ShapeImages:
    """A batch of shape images with their ground truth.

    ``images``: ``(N,3,S,S)`` RGB in [0, 1]; ``labels``: ``(N,)`` the shape's class (the
    truth); ``cue_classes``: ``(N,)`` the class whose colour the cue has (``-1``: no cue);
    ``object_masks`` and ``cue_masks``: ``(N,S,S)`` bool; ``classes``: the class names;
    ``cue``: how the cue was drawn (``"match"``, ``"swap"``, ``"random"`` or ``"none"``).
    """

    images: torch.Tensor
    labels: torch.Tensor
    cue_classes: torch.Tensor
    object_masks: torch.Tensor
    cue_masks: torch.Tensor
    classes: tuple[str, ...] = SHAPES
    cue: str = "match"

    def __len__(self) -> int:
        return int(self.labels.shape[0])

    def __getitem__(self, index: int | slice | Sequence[int] | torch.Tensor) -> "ShapeImages":
        """A sub-batch (an int keeps the batch axis: ``data[3]`` is a batch of one)."""
        if isinstance(index, int):
            index = slice(index, index + 1) if index != -1 else slice(-1, None)
        tensors = {f.name: getattr(self, f.name)[index] for f in fields(self) if isinstance(getattr(self, f.name), torch.Tensor)}
        return ShapeImages(**tensors, classes=self.classes, cue=self.cue)

    def boxes(self, which: str = "cue") -> list[list[tuple[int, int, int, int]]]:
        """Bounding boxes ``(x0, y0, x1, y1)`` (pixel corners) of each image's cue or
        object, one list per image (empty when there is none), for ``pointing_game``."""
        masks = {"cue": self.cue_masks, "object": self.object_masks}
        if which not in masks:
            raise ValueError(f"which must be 'cue' or 'object', got {which!r}")
        out = []
        for m in masks[which]:
            rows, cols = torch.nonzero(m, as_tuple=True)
            out.append([] if rows.numel() == 0 else [(int(cols.min()), int(rows.min()), int(cols.max()) + 1, int(rows.max()) + 1)])
        return out


def _check(n: Any, size: Any, cue: Any, classes: Any, cue_size: Any, seed: Any) -> tuple[int, int, tuple[str, ...], int]:
    """The checked ``(n, size, classes, cue_size)`` (``cue_size`` None: ``size // 8``, at least 3)."""
    n = checks.integer(n, "n", minimum=0, what="a non-negative int")
    size = checks.integer(size, "size", minimum=24, what="an int of at least 24 pixels")
    checks.choice(cue, "cue", CUE_MODES)
    checks.integer(seed, "seed", what="an int")
    what = f"two or more distinct names from {SHAPES}"
    if isinstance(classes, (str, bytes)) or not isinstance(classes, Iterable):
        raise TypeError(f"classes must be a sequence of {what}, got {classes!r}")
    classes = tuple(classes)
    unknown = [c for c in classes if c not in SHAPES]
    if unknown or len(classes) < 2 or len(set(classes)) != len(classes):
        raise ValueError(f"classes must be {what}, got {classes!r}")
    if len(classes) > len(CUE_COLOURS):
        raise ValueError(f"classes: at most {len(CUE_COLOURS)} classes have a cue colour, got {len(classes)}")
    if cue_size is None:
        cue_size = max(3, size // 8)
    cue_size = checks.integer(cue_size, "cue_size", minimum=2, maximum=size // 3, what=f"None or an int from 2 to size/3 = {size // 3} pixels")
    return n, size, classes, cue_size


def _draw_parameters(gen: torch.Generator, size: int, k: int, cue: str, cue_size: int) -> list[float]:
    """The random numbers that place image's shape and cue."""
    u = torch.rand(40, generator=gen, dtype=torch.float64).tolist()
    label = min(int(u[0] * k), k - 1)
    radius = size * (0.17 + 0.1 * u[1])
    margin = radius + 1
    cx, cy = margin + u[2] * (size - 2 * margin), margin + u[3] * (size - 2 * margin)
    angle = u[4] * 2 * math.pi
    if cue == "match":
        cue_class = label
    elif cue == "swap":
        cue_class = (label + 1 + min(int(u[5] * (k - 1)), k - 2)) % k
    elif cue == "random":
        cue_class = min(int(u[5] * k), k - 1)
    else:
        cue_class = -1
    # the cue: the first of 12 candidate positions clear of the shape (else the farthest)
    best, best_d = (0.0, 0.0), -1.0
    for j in range(12):
        px, py = u[6 + 2 * j] * (size - cue_size), u[7 + 2 * j] * (size - cue_size)
        d = math.hypot(px + cue_size / 2 - cx, py + cue_size / 2 - cy) - radius * 1.2 - cue_size * 0.75
        if d > 0:
            best = (px, py)
            break
        if d > best_d:
            best, best_d = (px, py), d
    return [label, radius, cx, cy, angle, cue_class, round(best[0]), round(best[1]), *u[30:40]]


def _shape_distance(kind: torch.Tensor, u: torch.Tensor, v: torch.Tensor, r: torch.Tensor) -> torch.Tensor:
    """Signed distance (pixels, negative inside) to each shape, in its rotated frame."""
    circle = torch.sqrt(u**2 + v**2) - r
    square = torch.maximum(u.abs(), v.abs()) - 0.8 * r
    tri = torch.full_like(u, -math.inf)
    for j in range(3):
        a = math.pi / 2 + j * 2 * math.pi / 3
        tri = torch.maximum(tri, u * math.cos(a) + v * math.sin(a) - 0.6 * r)
    arm = 0.32 * r
    bar1 = torch.maximum(u.abs() - r, v.abs() - arm)
    bar2 = torch.maximum(v.abs() - r, u.abs() - arm)
    cross = torch.minimum(bar1, bar2)
    stack = torch.stack([circle, square, tri, cross])  # (4, N, S, S)
    return stack.gather(0, kind.view(1, -1, 1, 1).expand(1, *u.shape))[0]


def _render(
    p: torch.Tensor, shape_ids: torch.Tensor, size: int, cue_size: int, with_cue: bool, field: torch.Tensor, noise: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Draw a batch from its parameters ``p`` (``(N,18)``), its shapes, its background
    fields ``(N,1,3,3)`` and pixel noise ``(N,3,S,S)``: ``(images, object masks, cue masks)``."""
    n = p.shape[0]
    coords = torch.arange(size, dtype=torch.float32) + 0.5
    yy, xx = coords.view(1, -1, 1), coords.view(1, 1, -1)
    r, cx, cy, ang = (p[:, j].float().view(-1, 1, 1) for j in (1, 2, 3, 4))
    dx, dy = xx - cx, yy - cy
    u = dx * torch.cos(ang) + dy * torch.sin(ang)
    v = -dx * torch.sin(ang) + dy * torch.cos(ang)
    coverage = (0.5 - _shape_distance(shape_ids, u, v, r)).clamp(0, 1)  # anti-aliased edge
    extra = p[:, 8:].float()  # 10 uniforms per image
    # background: a smooth 3x3 field mixing two random colours, plus fine noise
    bg_a, bg_b = extra[:, 0:3], extra[:, 3:6]
    field = torch.nn.functional.interpolate(field, size=(size, size), mode="bilinear", align_corners=False)
    bg = 0.25 + 0.5 * (bg_a.view(n, 3, 1, 1) * field + bg_b.view(n, 3, 1, 1) * (1 - field))
    bg = bg + 0.04 * noise
    # the shape: a random hue, pushed away from the background's brightness
    hue = extra[:, 6:9]
    light = bg.mean(dim=(1, 2, 3)).view(n, 1)
    colour = torch.where(light > 0.5, 0.05 + 0.35 * hue, 0.6 + 0.4 * hue)
    img = bg * (1 - coverage[:, None]) + colour.view(n, 3, 1, 1) * coverage[:, None]
    object_mask = coverage > 0.5
    cue_mask = torch.zeros(n, size, size, dtype=torch.bool)
    if with_cue:
        idx = torch.arange(size)
        x0, y0 = p[:, 6].long().view(-1, 1), p[:, 7].long().view(-1, 1)
        inx = (idx >= x0) & (idx < x0 + cue_size)  # (N, S)
        iny = (idx >= y0) & (idx < y0 + cue_size)
        cue_mask = iny[:, :, None] & inx[:, None, :]
        colours = torch.tensor(CUE_COLOURS, dtype=torch.float32)[p[:, 5].long().clamp(min=0)]
        inner = (iny & (idx >= y0 + 1) & (idx < y0 + cue_size - 1))[:, :, None] & (inx & (idx >= x0 + 1) & (idx < x0 + cue_size - 1))[:, None, :]
        patch = torch.where(inner[:, None], colours.view(n, 3, 1, 1), torch.zeros(1))  # dark frame
        img = torch.where(cue_mask[:, None], patch, img)
        object_mask = object_mask & ~cue_mask
    return img.clamp(0, 1), object_mask, cue_mask


def _draw(i: int, seed: int, size: int, classes: tuple[str, ...], cue: str, cue_size: int) -> tuple[list[float], torch.Tensor, torch.Tensor]:
    """Everything random about image ``i`` of ``seed``, from its own generator (so the image
    does not depend on the batch it is made in): parameters, background field, noise."""
    gen = torch.Generator().manual_seed((int(seed) * 1_000_003 + int(i)) % (2**63))
    params = _draw_parameters(gen, size, len(classes), cue, cue_size)
    return params, torch.rand(1, 1, 3, 3, generator=gen), torch.randn(1, 3, size, size, generator=gen)


def _make(indices: Sequence[int], seed: int, size: int, classes: tuple[str, ...], cue: str, cue_size: int) -> ShapeImages:
    indices = list(indices)
    if len(indices) > 512:  # bounded memory: render in chunks
        parts = [_make(indices[k : k + 512], seed, size, classes, cue, cue_size) for k in range(0, len(indices), 512)]
        tensors = [torch.cat([getattr(q, f.name) for q in parts]) for f in fields(ShapeImages) if isinstance(getattr(parts[0], f.name), torch.Tensor)]
        return ShapeImages(*tensors, classes=classes, cue=cue)
    drawn = [_draw(i, seed, size, classes, cue, cue_size) for i in indices]
    p = torch.tensor([d[0] for d in drawn], dtype=torch.float64)
    bg_fields = torch.cat([d[1] for d in drawn])
    noise = torch.cat([d[2] for d in drawn])
    labels = p[:, 0].long()
    shape_ids = torch.tensor([SHAPES.index(c) for c in classes])[labels]
    images, objects, cues = _render(p, shape_ids, size, cue_size, cue != "none", bg_fields, noise)
    return ShapeImages(images, labels, p[:, 5].long(), objects, cues, classes, cue)


def shape_images(n: int, *, cue: str = "match", size: int = 64, seed: int = 0, classes: Sequence[str] = SHAPES, cue_size: int | None = None) -> ShapeImages:
    """``n`` shape images with their ground truth (see the module docstring).

    ``cue``: ``"match"`` (the cue has the colour of the image's class: the training
    shortcut), ``"swap"`` (the colour of another class, chosen at random), ``"random"``
    (any class's colour, uncorrelated with the label) or ``"none"`` (no cue). ``size``: side
    in pixels; ``seed``: same seed, same images; ``classes``: which shapes (labels follow
    this order); ``cue_size``: side of the square cue (default ``size // 8``). The cue never
    overlaps the shape when there is room. Returns a :class:`ShapeImages`.
    """
    n, size, classes, cue_size = _check(n, size, cue, classes, cue_size, seed)
    if n == 0:
        empty = torch.zeros(0, size, size, dtype=torch.bool)
        return ShapeImages(
            torch.zeros(0, 3, size, size), torch.zeros(0, dtype=torch.long), torch.zeros(0, dtype=torch.long), empty, empty.clone(), classes, cue
        )
    with cpu_threads(1):  # small element-wise work: extra threads only wait on busy cores
        return _make(range(n), seed, size, classes, cue, cue_size)


class ShapesDataset(torch.utils.data.Dataset):
    """The images of :func:`shape_images` one at a time, generated when asked for (an endless
    supply with nothing on disk): item ``i`` is ``(image (3,S,S), label)``, the same as
    ``shape_images(n, ...)[i]`` for the same settings. ``n`` fixes the length."""

    def __init__(self, n: int, *, cue: str = "match", size: int = 64, seed: int = 0, classes: Sequence[str] = SHAPES, cue_size: int | None = None) -> None:
        self.n, self.size, self.classes, self._cue_size = _check(n, size, cue, classes, cue_size, seed)
        self.cue, self.seed, self.cue_size = cue, seed, cue_size

    def __len__(self) -> int:
        return self.n

    def item(self, i: int) -> ShapeImages:
        """Image ``i`` with its masks, as a batch of one."""
        if not 0 <= i < self.n:
            raise IndexError(f"index {i} out of range for {self.n} images")
        return _make([i], self.seed, self.size, self.classes, self.cue, self._cue_size)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, int]:
        one = self.item(i)
        return one.images[0], int(one.labels[0])


__all__ = ["CUE_COLOURS", "CUE_MODES", "SHAPES", "ShapeImages", "ShapesDataset", "shape_images"]
