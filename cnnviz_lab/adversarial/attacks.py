"""Adversarial examples: a tiny change that makes a network say something else.

- :func:`fgsm`: the fast gradient sign method (Goodfellow, Shlens & Szegedy, *Explaining and
  Harnessing Adversarial Examples*, ICLR 2015): one step of size epsilon along the sign of
  the loss gradient (or along the gradient, for an L2 budget).
- :func:`pgd`: projected gradient descent (Madry et al., *Towards Deep Learning Models
  Resistant to Adversarial Attacks*, ICLR 2018): from a random start inside the budget,
  many small steps, each followed by a projection back onto the budget and onto valid
  images; the targeted version turns any image into any class, as in CS231n's "fooling
  images" exercise (and Szegedy et al., *Intriguing properties of neural networks*, ICLR 2014).

The budget ``epsilon`` is in **pixel units**, 0 to 255, of the unnormalised image: with
``norm="linf"`` no channel of any pixel moves by more than ``epsilon`` levels; with
``norm="l2"`` the Euclidean norm of the whole change, in levels, is at most ``epsilon``. The
attack works on the RGB image in [0, 1] and applies the Classifier's own normalisation
before the model (a bare ``nn.Module`` gets the image as it is, so its ``x`` must be RGB in
[0, 1]); the adversarial image always stays a valid image in [0, 1].
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from ..core import checks
from ..core.defaults import progress_bar
from ..evaluate.maps import as_tensor
from ..models.classifier import Classifier
from ..core.gate import _is_callable_target, check_batch, check_unit_range, resolve_targets, unwrap
from ..core.state import frozen, model_device

NORMS = ("linf", "l2")


@dataclass
class Attack:
    """An attack's outcome, one row per image.

    ``x``: the adversarial images, a model input like the one given (normalised for a
    Classifier); ``delta``: ``(N,3,H,W)`` the change in pixel levels (0..255 scale, signed);
    ``target``: ``(N,)`` the class aimed at (targeted) or moved away from (untargeted);
    ``targeted``; ``success``: ``(N,)`` bool, top-1 is the target (targeted) or is no longer
    it (untargeted); ``first_success``: ``(N,)`` how many steps it took first (``-1``: never;
    it may be lost again later); ``probs_before`` / ``probs_after``: ``(N,C)`` class probabilities; ``norm``,
    ``epsilon``, ``steps``.
    """

    x: torch.Tensor
    delta: torch.Tensor
    target: torch.Tensor
    targeted: bool
    success: torch.Tensor
    first_success: torch.Tensor
    probs_before: torch.Tensor
    probs_after: torch.Tensor
    norm: str
    epsilon: float
    steps: int

    @property
    def linf(self) -> torch.Tensor:
        """Largest change of any channel of any pixel, per image, in levels."""
        return self.delta.flatten(1).abs().amax(1)

    @property
    def l2(self) -> torch.Tensor:
        """Euclidean norm of the change per image, in levels."""
        return self.delta.flatten(1).norm(dim=1)


def _normalisers(model: nn.Module | Classifier):
    module, clf = unwrap(model)
    if clf is not None:
        return module, clf, clf.to_unit, clf.from_unit
    return module, None, (lambda t: t), (lambda t: t)


def _class_only(target: Any, attack: str) -> None:
    """An attack is defined on a class (its loss is the cross-entropy of the class output, its
    success the top-1 class): a callable target gets one ``TypeError``."""
    if _is_callable_target(target):
        raise TypeError(
            f"target: {attack} attacks a class (it follows the cross-entropy of the class output and "
            "succeeds when the top-1 class changes), so it takes None, an int, a class name or one "
            f"class per image, not the callable {target!r:.60}"
        )


def _targets(target: Any, logits: torch.Tensor, clf: Classifier | None, name: str = "target") -> torch.Tensor:
    """One class per image, ``(N,)``, through the package's target gate (None: the top-1)."""
    ids, squeeze = resolve_targets(target, logits, clf, name)
    if not squeeze:
        raise ValueError(
            f"{name}: one class per image: pass None, an int, a class name or one class per image, got an (N,K) target of shape {tuple(ids.shape)}"
        )
    return ids[:, 0]


def _check(model: Any, x: Any, epsilon: Any, norm: Any, steps: Any) -> tuple[float, str, int]:
    """The attack's input and budget, checked: ``(epsilon, norm, steps)``."""
    module, clf = unwrap(model)
    if isinstance(x, torch.Tensor) and x.dim() != 4:
        raise ValueError(f"x must be a float (N,3,H,W) model input, got shape {tuple(x.shape)}")
    x = check_batch(x, "x", 3)
    if clf is None:
        check_unit_range(x, "x", "a bare nn.Module is attacked on RGB images in [0, 1]: wrap a model that takes normalised input with cv.wrap_model")
    norm = checks.choice(norm, "norm", NORMS)
    top = 255 if norm == "linf" else math.inf  # an L2 budget sums over every pixel
    what = f"a number of pixel levels in (0, {top:g}] for norm={norm!r}"
    epsilon = checks.real(epsilon, "epsilon", what=what)
    if not 0 < epsilon <= top:
        raise ValueError(f"epsilon must be {what}, got {epsilon!r}")
    return epsilon, norm, checks.positive_int(steps, "steps")


def _project(delta: torch.Tensor, base: torch.Tensor, eps: float, norm: str) -> torch.Tensor:
    """``delta`` projected onto the budget (``eps`` in [0, 1] units) and so that
    ``base + delta`` stays in [0, 1]."""
    if norm == "linf":
        delta = delta.clamp(-eps, eps)
    else:
        scale = (eps / delta.flatten(1).norm(dim=1).clamp(min=1e-12)).clamp(max=1.0)
        delta = delta * scale.view(-1, 1, 1, 1)
    return (base + delta).clamp(0, 1) - base


def _step(grad: torch.Tensor, norm: str) -> torch.Tensor:
    if norm == "linf":
        return grad.sign()
    return grad / grad.flatten(1).norm(dim=1).clamp(min=1e-12).view(-1, 1, 1, 1)


def _attack(
    model: nn.Module | Classifier,
    x: torch.Tensor,
    target: Any,
    epsilon: float,
    norm: str,
    steps: int,
    step_size: float | None,
    targeted: bool | None,
    random_start: bool,
    seed: int | None,
    progress: bool | None,
    name: str,
) -> Attack:
    epsilon, norm, steps = _check(model, x, epsilon, norm, steps)
    if step_size is not None:
        step_size = checks.real(step_size, "step_size", minimum=0, strict=True, what="None or a number > 0")
    if targeted is not None:
        checks.flag(targeted, "targeted")
    checks.flag(random_start, "random_start")
    seed = checks.seed(seed)
    module, clf, to_unit, from_unit = _normalisers(model)
    dev = model_device(module)
    base = to_unit(x.detach().to(dev, torch.float32, copy=True)).clamp(0, 1)
    eps = float(epsilon) / 255.0
    alpha = (float(step_size) / 255.0) if step_size is not None else (eps if steps == 1 else 2.5 * eps / steps)
    _class_only(target, name)
    targeted = (target is not None) if targeted is None else bool(targeted)
    if targeted and target is None:
        raise ValueError("a targeted attack needs target= (the class to reach)")
    with frozen(module):
        with torch.no_grad():
            logits0 = module(from_unit(base)).float()
        cls = _targets(target, logits0, clf)
        delta = torch.zeros_like(base)
        if random_start:
            gen = torch.Generator().manual_seed(seed) if seed is not None else None
            noise = torch.rand(base.shape, generator=gen).to(dev) * 2 - 1
            if norm == "l2":
                noise = noise / noise.flatten(1).norm(dim=1).clamp(min=1e-12).view(-1, 1, 1, 1) * torch.rand(len(base), generator=gen).to(dev).view(-1, 1, 1, 1)
            delta = _project(noise * eps, base, eps, norm)
        first = torch.full((len(base),), -1, dtype=torch.long, device=dev)
        for k in progress_bar(range(steps), images=steps * len(base), progress=progress, desc=name, unit="step"):
            d = delta.clone().requires_grad_(True)
            with torch.enable_grad():
                logits = module(from_unit(base + d)).float()
                loss = F.cross_entropy(logits, cls, reduction="sum")
                (grad,) = torch.autograd.grad(loss, d)
            pred = logits.detach().argmax(1)
            reached = (pred == cls) if targeted else (pred != cls)
            first = torch.where((first < 0) & reached, torch.full_like(first, k), first)  # after k steps
            direction = -1.0 if targeted else 1.0  # targeted: lower the target's loss
            delta = _project(delta + direction * alpha * _step(grad, norm), base, eps, norm).detach()
        with torch.no_grad():
            probs = module(from_unit(base + delta)).float().softmax(1)
    pred = probs.argmax(1)
    success = (pred == cls) if targeted else (pred != cls)
    first = torch.where((first < 0) & success, torch.full_like(first, steps), first)
    return Attack(
        from_unit(base + delta).detach(), (delta * 255.0).detach(), cls, targeted, success, first, logits0.softmax(1), probs, norm, float(epsilon), steps
    )


def fgsm(
    model: nn.Module | Classifier, x: torch.Tensor, target: Any = None, *, epsilon: float = 2.0, norm: str = "linf", targeted: bool | None = None
) -> Attack:
    """The fast gradient sign method (Goodfellow et al. 2015): one step of size ``epsilon``
    (pixel levels) along the sign of the cross-entropy's gradient (``norm="l2"``: along the
    gradient, scaled to length ``epsilon``). ``target``: None (move each image away from its
    top-1 class), or a class (name, index, one per image) to reach (``targeted``, the
    default when a target is given) or to move away from (``targeted=False``). Returns an
    :class:`Attack`; the model and ``x`` are left as they were."""
    return _attack(model, x, target, epsilon, norm, 1, None, targeted, False, None, False, "FGSM")


def pgd(
    model: nn.Module | Classifier,
    x: torch.Tensor,
    target: Any = None,
    *,
    epsilon: float = 2.0,
    norm: str = "linf",
    steps: int = 20,
    step_size: float | None = None,
    targeted: bool | None = None,
    random_start: bool = True,
    seed: int | None = None,
    progress: bool | None = None,
) -> Attack:
    """Projected gradient descent (Madry et al. 2018) within ``epsilon`` pixel levels.

    From a random start inside the budget (uniform for ``"linf"``, a random direction and
    radius for ``"l2"``; ``seed`` fixes it), ``steps`` steps of ``step_size`` levels (default
    ``2.5 * epsilon / steps``) along the sign of the cross-entropy's gradient (L2: along the
    normalised gradient), each followed by the projection onto the budget and onto valid
    images in [0, 1]. ``target`` and ``targeted`` as in :func:`fgsm`. The whole batch is
    attacked at once, one forward and one backward pass per step. A progress bar shows for
    more than 20 steps (``progress`` forces it on or off). Returns an :class:`Attack`."""
    return _attack(model, x, target, epsilon, norm, steps, step_size, targeted, random_start, seed, progress, "PGD")


def random_noise(model: nn.Module | Classifier, x: torch.Tensor, *, epsilon: float = 2.0, norm: str = "linf", seed: int | None = None) -> Attack:
    """The control for an attack: random noise of the same budget, with no gradient behind it.
    ``norm="linf"``: every channel of every pixel moves by exactly ``epsilon`` levels, up or
    down at random (the largest change an L-inf attack may make, everywhere); ``"l2"``: a
    random Gaussian direction of Euclidean length ``epsilon`` levels. The result is clipped to
    valid images in [0, 1] and returned as an untargeted :class:`Attack` away from each
    image's top-1 class (``steps`` 0), so it goes wherever an attack goes
    (:func:`compare_explanations`, the figures). Whatever an attack does that this noise
    does not is the attack's doing, not the size of the change (Goodfellow et al. 2015
    compare their adversarial examples with random noise the same way)."""
    epsilon, norm, _ = _check(model, x, epsilon, norm, 1)
    seed = checks.seed(seed)
    module, clf, to_unit, from_unit = _normalisers(model)
    dev = model_device(module)
    base = to_unit(x.detach().to(dev, torch.float32, copy=True)).clamp(0, 1)
    gen = torch.Generator().manual_seed(seed) if seed is not None else None
    if norm == "linf":
        noise = (torch.randint(0, 2, base.shape, generator=gen) * 2 - 1).float()
    else:
        noise = torch.randn(base.shape, generator=gen)
        noise = noise / noise.flatten(1).norm(dim=1).clamp(min=1e-12).view(-1, 1, 1, 1)
    delta = (base + noise.to(dev) * (epsilon / 255.0)).clamp(0, 1) - base
    with frozen(module), torch.no_grad():
        before = module(from_unit(base)).float().softmax(1)
        after = module(from_unit(base + delta)).float().softmax(1)
    cls = before.argmax(1)
    success = after.argmax(1) != cls
    first = torch.where(success, torch.zeros_like(cls), torch.full_like(cls, -1))
    return Attack(from_unit(base + delta).detach(), (delta * 255.0).detach(), cls, False, success, first, before, after, norm, float(epsilon), 0)


def high_frequency_share(images: torch.Tensor, cutoff: float = 0.25) -> torch.Tensor:
    """Share of each image's spectral energy (mean removed, channels summed) at spatial
    frequencies above ``cutoff`` (in [0, 1]) times the Nyquist frequency in either direction,
    ``(N,)``: near 1 for pixel noise, small for smooth images. ``images``: ``(N,C,H,W)`` or one
    ``(C,H,W)`` image, finite, of any real dtype (raw 0..255 pixels too: the share does not
    depend on the scale)."""
    cutoff = checks.real(cutoff, "cutoff", minimum=0, maximum=1)
    x = as_tensor(images, "images").detach()
    if x.dim() not in (3, 4):
        raise ValueError(f"images must be (N,C,H,W) or one (C,H,W) image, got shape {tuple(x.shape)}")
    x = check_batch(x.float(), "images")
    x = x - x.mean(dim=(-2, -1), keepdim=True)
    power = torch.fft.fft2(x).abs().pow(2).sum(1)  # (N,H,W)
    h, w = power.shape[-2:]
    fy = torch.fft.fftfreq(h, device=power.device).abs().view(-1, 1) * 2  # in units of Nyquist
    fx = torch.fft.fftfreq(w, device=power.device).abs().view(1, -1) * 2
    high = (torch.maximum(fy, fx) > cutoff).float()
    total = power.sum(dim=(-2, -1)).clamp(min=1e-30)
    return (power * high).sum(dim=(-2, -1)) / total


__all__ = ["Attack", "NORMS", "fgsm", "high_frequency_share", "pgd", "random_noise"]
