"""Procedural images for concept tests (notebook 10): textures, random counterexamples, zebras.

TCAV (Kim et al., *Interpretability Beyond Feature Attribution: Quantitative Testing with
Concept Activation Vectors*, ICML 2018) needs example images of a concept, random images
to contrast them with, and images of the class under test. The paper takes concepts from
the Describable Textures Dataset (Cimpoi et al., CVPR 2014) and random images from
ImageNet; nothing is downloaded here, so they are drawn:

- :func:`concept_images`: ``"striped"``, ``"dotted"``, ``"zigzagged"``, ``"chequered"``
  (named after DTD's categories) at random colours, scales and angles;
- :func:`random_images`: random crops of the bundled photographs and random smooth colour
  fields with blobs, the "anything" a random counterexample set should be;
- :func:`zebra_images`: a striped, horse-shaped animal on a savanna: images a pretrained
  ImageNet network calls *zebra* (check it: ``Classifier.predict``).

Every function returns ``(N,3,S,S)`` RGB in [0, 1]; image ``i`` of a seed depends only on
``(seed, i)``.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from ..core import checks
from ..groundtruth.train import cpu_threads

CONCEPTS = ("striped", "dotted", "zigzagged", "chequered")


def _gen(seed: int, i: int, salt: int) -> torch.Generator:
    return torch.Generator().manual_seed((int(seed) * 1_000_003 + int(i) * 7919 + salt) % (2**63))


def _u(gen: torch.Generator, lo: float = 0.0, hi: float = 1.0) -> float:
    return lo + (hi - lo) * float(torch.rand(1, generator=gen))


def _grid(size: int) -> tuple[torch.Tensor, torch.Tensor]:
    c = torch.arange(size, dtype=torch.float32) + 0.5
    return torch.meshgrid(c, c, indexing="ij")  # (y, x)


def _two_colours(gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Two random colours whose brightness differs by at least 0.3."""
    a = torch.rand(3, generator=gen)
    b = torch.rand(3, generator=gen)
    if abs(float(a.mean() - b.mean())) < 0.3:
        shift = 0.3 - abs(float(a.mean() - b.mean()))
        if a.mean() >= b.mean():
            a, b = (a + shift / 2).clamp(0, 1), (b - shift / 2).clamp(0, 1)
        else:
            a, b = (a - shift / 2).clamp(0, 1), (b + shift / 2).clamp(0, 1)
    return a, b


def _soft(d: torch.Tensor) -> torch.Tensor:
    """Coverage of a pixel from a signed distance in pixels (negative inside): anti-aliasing."""
    return (0.5 - d).clamp(0, 1)


def _texture(kind: str, size: int, gen: torch.Generator) -> torch.Tensor:
    yy, xx = _grid(size)
    angle = _u(gen, 0, math.pi)
    u = xx * math.cos(angle) + yy * math.sin(angle)
    v = -xx * math.sin(angle) + yy * math.cos(angle)
    period = size * _u(gen, 1 / 24, 1 / 7)
    phase = _u(gen, 0, period)
    if kind == "striped":  # straight or gently wavy bands
        width = period * _u(gen, 0.35, 0.6)
        bend = period * _u(gen, 0, 0.6) * torch.sin(2 * math.pi * v / (size * _u(gen, 0.2, 0.6)))
        w = u + bend + phase
        cover = _soft(torch.maximum(-(w % period), (w % period) - width))
    elif kind == "zigzagged":
        wave = period * _u(gen, 1.5, 3.0)
        amp = wave * _u(gen, 0.25, 0.5)
        tri = 2 * ((v / wave) % 1 - 0.5).abs() - 0.5  # triangle wave in [-0.5, 0.5]
        w = u + 2 * amp * tri + phase
        width = period * _u(gen, 0.35, 0.55)
        cover = _soft(torch.maximum(-(w % period), (w % period) - width) * 0.7)
    elif kind == "dotted":
        radius = period * _u(gen, 0.18, 0.38)
        du = (u + phase) % period - period / 2
        dv = (v + phase) % period - period / 2
        cover = _soft(torch.sqrt(du**2 + dv**2) - radius)
    elif kind == "chequered":
        cu = torch.floor((u + phase) / period)
        cv_ = torch.floor((v + phase) / period)
        cover = ((cu + cv_) % 2).float()
    else:
        raise ValueError(f"unknown concept {kind!r}; choose from {', '.join(CONCEPTS)}")
    a, b = _two_colours(gen)
    img = a.view(3, 1, 1) * (1 - cover) + b.view(3, 1, 1) * cover
    return img + 0.03 * torch.randn(3, size, size, generator=gen)


def _check(n: int, size: int, seed: int) -> tuple[int, int, int]:
    return (
        checks.integer(n, "n", minimum=0, what="a non-negative int"),
        checks.integer(size, "size", minimum=16, what="an int of at least 16 pixels"),
        checks.integer(seed, "seed", what="an int"),
    )


def concept_images(concept: str, n: int, size: int = 224, seed: int = 0) -> torch.Tensor:
    """``n`` images of a texture concept, ``(N,3,S,S)`` in [0, 1]: ``"striped"`` (parallel
    bands), ``"dotted"`` (a lattice of dots), ``"zigzagged"`` (bands bent into a zigzag)
    or ``"chequered"`` (a checkerboard), each at a random angle, scale, phase and pair of
    colours of different brightness, with a little pixel noise."""
    checks.choice(concept, "concept", CONCEPTS)
    n, size, seed = _check(n, size, seed)
    salt = CONCEPTS.index(concept) + 1
    with cpu_threads(1):  # small element-wise work: extra threads only wait on busy cores
        out = [_texture(concept, size, _gen(seed, i, salt)) for i in range(n)]
    return torch.stack(out).clamp(0, 1) if out else torch.zeros(0, 3, size, size)


def _photo_crop(size: int, gen: torch.Generator) -> torch.Tensor:
    import torchvision.transforms.functional as TF

    from ..images.loading import sample_image, sample_images

    names = sample_images()
    img = TF.pil_to_tensor(sample_image(names[int(_u(gen) * len(names)) % len(names)])).float() / 255
    h, w = img.shape[-2:]
    side = int(min(h, w) * _u(gen, 0.15, 0.7))
    top, left = int(_u(gen) * (h - side)), int(_u(gen) * (w - side))
    crop = img[:, top : top + side, left : left + side]
    if _u(gen) < 0.5:
        crop = crop.flip(-1)
    return F.interpolate(crop[None], size=(size, size), mode="bilinear", antialias=True, align_corners=False)[0]


def _colour_field(size: int, gen: torch.Generator) -> torch.Tensor:
    cells = int(_u(gen, 2, 7))
    field = F.interpolate(torch.rand(1, 3, cells, cells, generator=gen), size=(size, size), mode="bicubic", align_corners=False)[0]
    yy, xx = _grid(size)
    for _ in range(int(_u(gen, 1, 6))):
        cx, cy = _u(gen, 0, size), _u(gen, 0, size)
        rx, ry = size * _u(gen, 0.05, 0.3), size * _u(gen, 0.05, 0.3)
        blob = _soft((((xx - cx) / rx) ** 2 + ((yy - cy) / ry) ** 2 - 1) * min(rx, ry))
        field = field * (1 - blob) + torch.rand(3, 1, 1, generator=gen) * blob
    return field + 0.03 * torch.randn(3, size, size, generator=gen)


def _any_texture(size: int, gen: torch.Generator) -> torch.Tensor:
    return _texture(CONCEPTS[int(_u(gen) * len(CONCEPTS)) % len(CONCEPTS)], size, gen)


def random_images(n: int, size: int = 224, seed: int = 0) -> torch.Tensor:
    """``n`` random counterexample images, ``(N,3,S,S)`` in [0, 1], a third of each kind in
    turn: a random crop (15 to 70 % of the shorter side, maybe mirrored) of one of the
    bundled photographs, a smooth random colour field with a few random blobs, and a
    texture of a random kind. Random images must be *anything*: with only photographs as
    counterexamples, a CAV would learn "synthetic pattern" rather than the concept (the
    paper draws them from ImageNet, which has patterns too). Different seeds give different
    random sets, as TCAV's significance test needs."""
    n, size, seed = _check(n, size, seed)
    kinds = (_photo_crop, _colour_field, _any_texture)
    with cpu_threads(1):
        out = [kinds[i % 3](size, _gen(seed, i, 101)) for i in range(n)]
    return torch.stack(out).clamp(0, 1) if out else torch.zeros(0, 3, size, size)


def _zebra(size: int, gen: torch.Generator, striped: bool = True) -> torch.Tensor:
    yy, xx = _grid(size)
    s = size / 224
    yy, xx = yy / s, xx / s  # draw in 224-pixel units
    if _u(gen) < 0.5:  # face left or right
        xx = 224 - xx
    dx, dy, k = _u(gen, -25, 25), _u(gen, -15, 20), _u(gen, 0.8, 1.25)  # position and zoom
    tilt = _u(gen, -0.12, 0.12)
    cx, cy = xx - 112 - dx, yy - 118 - dy
    xx = (cx * math.cos(tilt) - cy * math.sin(tilt)) / k + 112
    yy = (cx * math.sin(tilt) + cy * math.cos(tilt)) / k + 118
    body = ((xx - 105) / 62) ** 2 + ((yy - 118) / 34) ** 2 - 1
    t = (xx - 150) * 0.6 + (yy - 100) * -0.8  # along the neck, up and forward
    across = (xx - 150) * 0.8 + (yy - 100) * 0.6
    neck = torch.maximum(t.abs() - 32, across.abs() - 13) / 13
    head = ((xx - 182) / 14) ** 2 + ((yy - 62) / 26) ** 2 - 1
    legs = torch.full_like(xx, 1e3)
    for lx in (62, 84, 128, 148):
        legs = torch.minimum(legs, torch.maximum((xx - lx - 0.08 * (yy - 140)).abs() - 7, (yy - 175).abs() - 38) / 7)
    tail = torch.maximum((xx - 42 + 0.3 * (yy - 110)).abs() - 3, (yy - 130).abs() - 25) / 3
    inside = torch.minimum(torch.minimum(torch.minimum(body, neck), torch.minimum(head, legs)), tail)
    cover = _soft(inside * 12)
    period = _u(gen, 8, 15)
    wav = _u(gen, 2, 10)
    stripes_body = torch.sin(2 * math.pi * (xx + wav * torch.sin(2 * math.pi * yy / 60)) / period)
    stripes_legs = torch.sin(2 * math.pi * (yy + 3 * torch.sin(2 * math.pi * xx / 40)) / (period * 0.8))
    on_leg = (yy > 145).float()
    stripe = (stripes_body * (1 - on_leg) + stripes_legs * on_leg) > 0
    white, black = _u(gen, 0.8, 0.97), _u(gen, 0.02, 0.15)
    coat = torch.where(stripe, torch.tensor(white), torch.tensor(black)).expand(3, -1, -1)
    if not striped:  # the same animal in a plain brown coat (the same random draws, so the same pose)
        coat = torch.tensor([0.45, 0.3, 0.18]).view(3, 1, 1).expand(3, size, size)
    horizon = _u(gen, 50, 90)
    grass = torch.tensor([_u(gen, 0.5, 0.7), _u(gen, 0.45, 0.6), _u(gen, 0.2, 0.35)]).view(3, 1, 1)
    sky = torch.tensor([_u(gen, 0.55, 0.75), _u(gen, 0.7, 0.85), _u(gen, 0.85, 1.0)]).view(3, 1, 1)
    ground = _soft((yy - horizon) * 0.5)  # 1 above the horizon: the sky
    bg = sky * ground + grass * (1 - ground) + 0.04 * torch.randn(3, size, size, generator=gen)
    for _ in range(int(_u(gen, 0, 3))):  # a few bushes or trees
        bx, by, br = _u(gen, 0, 224), _u(gen, 40, 110), _u(gen, 8, 30)
        bush = _soft((((xx - bx) / br) ** 2 + ((yy - by) / (0.7 * br)) ** 2 - 1) * br)
        bg = bg * (1 - bush) + torch.tensor([0.2, 0.35, 0.12]).view(3, 1, 1) * _u(gen, 0.6, 1.2) * bush
    return bg * (1 - cover) + coat * cover + 0.02 * torch.randn(3, size, size, generator=gen)


def zebra_images(n: int, size: int = 224, seed: int = 0, *, striped: bool = True) -> torch.Tensor:
    """``n`` drawings of a zebra, ``(N,3,S,S)`` in [0, 1]: a horse-shaped silhouette (body,
    neck, head, four legs, tail) in wavy black and white stripes, facing left or right,
    shifted and scaled at random, on grass under a sky. A pretrained ImageNet network calls
    most of them zebra; keep those it does when you need class images (notebook 10).
    ``striped=False``: the same drawings (same seed, same poses and backgrounds) with a plain
    brown coat, a control without stripes."""
    n, size, seed = _check(n, size, seed)
    if not isinstance(striped, bool):
        raise TypeError(f"striped must be True or False, got {type(striped).__name__}")
    with cpu_threads(1):
        out = [_zebra(size, _gen(seed, i, 202), striped) for i in range(n)]
    return torch.stack(out).clamp(0, 1) if out else torch.zeros(0, 3, size, size)


__all__ = ["CONCEPTS", "concept_images", "random_images", "zebra_images"]
