"""Objectives for optimisation-based visualisation: what the rendered image should excite.

An :class:`Objective` maps what one forward pass recorded (a :class:`Context`) to one score
per image of the batch; the render loop *maximises* the sum of the scores. Objectives add,
subtract and scale, in the spirit of Lucid/Lucent (Olah et al. 2017, Distill "Feature
Visualization")::

    obj = channel("blocks.8", 12) - 0.01 * total_variation() - 0.005 * l2()

The string ``"blocks.8:12"`` (see :func:`as_objective`) means channel 12 of ``blocks.8``.
Each objective knows which layers it reads, so the forward pass stops right after the
deepest of them (only :func:`class_logit` needs the whole network).

Scores are per image, so a batch can pursue different goals at once:
``channel("blocks.8", range(16))`` makes image *i* maximise channel *i* (16 channels, one
forward pass per step), and :func:`batch` stacks arbitrary objectives the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Iterable, Sequence

import torch
from torch import nn

from ..core.errors import OutOfRangeError

ScoreFn = Callable[["Context"], torch.Tensor]


@dataclass
class Context:
    """What one render step hands an objective.

    ``acts``: recorded layer outputs by name; ``logits``: the model output (``None`` when the
    forward pass stopped early); ``image``: the parametrised image in RGB ``[0, 1]`` before
    transforms, ``(N,3,H,W)``; ``step``: the step index.
    """

    acts: dict[str, torch.Tensor]
    logits: torch.Tensor | None
    image: torch.Tensor
    step: int = 0

    def act(self, layer: str) -> torch.Tensor:
        try:
            a = self.acts[layer]
        except KeyError:  # pragma: no cover - the render loop captures every needed layer
            raise KeyError(f"layer {layer!r} was not captured") from None
        if not isinstance(a, torch.Tensor):
            raise TypeError(f"layer {layer!r} outputs {type(a).__name__}, not a tensor")
        return a


def _batched(values: torch.Tensor, n: int) -> torch.Tensor:
    """Broadcast a scalar or per-image score to shape ``(n,)``."""
    values = values.reshape(-1) if values.dim() else values.reshape(1)
    return values.expand(n) if values.numel() == 1 else values


@dataclass
class Objective:
    """A score to maximise, one value per image: ``objective(context) -> (N,)``.

    ``layers``: the layer names it reads; ``needs_logits``: whether it reads the model
    output (then the forward pass cannot stop early); ``batch``: how many images it
    describes (``None``: any); ``setups``: callables ``setup(module, classifier)`` run once
    before the loop (``content`` computes its target there); ``post_steps``: callables
    ``(param, step)`` run after each optimiser step (``blur``).
    """

    fn: ScoreFn
    name: str = "objective"
    layers: tuple[str, ...] = ()
    needs_logits: bool = False
    batch: int | None = None
    setups: list[Callable[[nn.Module, Any], None]] = field(default_factory=list)
    post_steps: list[Callable[[Any, int], None]] = field(default_factory=list)
    description: str = ""

    def describe(self) -> str:
        """The objective in words, for figure titles (``"channel 12 of blocks.8 - 3000 x L2
        distance to the start image"``); ``name`` is the compact spec (``"blocks.8:12"``)."""
        return self.description or self.name

    def __call__(self, ctx: Context) -> torch.Tensor:
        return _batched(self.fn(ctx), ctx.image.shape[0])

    def _combine(self, other: "Objective", fn: ScoreFn, name: str) -> "Objective":
        batches = {b for b in (self.batch, other.batch) if b is not None}
        if len(batches) > 1:
            raise ValueError(f"cannot combine objectives for {sorted(batches)} images")
        return Objective(
            fn,
            name,
            tuple(dict.fromkeys(self.layers + other.layers)),
            self.needs_logits or other.needs_logits,
            batches.pop() if batches else None,
            self.setups + other.setups,
            self.post_steps + other.post_steps,
            _join(self.describe(), other.describe()),
        )

    def __add__(self, other: "Objective | float") -> "Objective":
        if isinstance(other, (int, float)):
            return replace(self, fn=lambda c: self(c) + other, name=_join(self.name, f"{other:g}"), description=_join(self.describe(), f"{other:g}"))
        other = as_objective(other)
        return self._combine(other, lambda c: self(c) + other(c), _join(self.name, other.name))

    __radd__ = __add__

    def __neg__(self) -> "Objective":
        return -1.0 * self

    def __sub__(self, other: "Objective | float") -> "Objective":
        return self + (-other if isinstance(other, (int, float)) else -as_objective(other))

    def __rsub__(self, other: float) -> "Objective":
        return (-self) + other

    def __mul__(self, k: float) -> "Objective":
        if not isinstance(k, (int, float)):
            raise TypeError("objectives scale by numbers only: 0.1 * total_variation()")
        return replace(self, fn=lambda c: k * self(c), name=_scaled(k, self.name), description=_scaled(k, self.describe()))

    __rmul__ = __mul__

    def __truediv__(self, k: float) -> "Objective":
        return self * (1.0 / k)

    def __repr__(self) -> str:
        return f"Objective({self.name})"


def _scaled(k: float, text: str) -> str:
    """``k`` times a term, as written by hand: ``"3000 x l2"``, ``"-l2"``, ``"-0.5 x (a + b)"``."""
    if " + " in text or " - " in text or text.startswith("-"):
        text = f"({text})"
    if k == 1:
        return text
    if k == -1:
        return f"-{text}"
    return f"{k:g} x {text}"


def _join(left: str, right: str) -> str:
    """A sum as written by hand: ``"a + b"``, and ``"a - b"`` for a negative term."""
    return f"{left} - {right[1:]}" if right.startswith("-") else f"{left} + {right}"


# --- network objectives ---------------------------------------------------------------------
def _channels(channel: int | Sequence[int]) -> tuple[list[int], int | None]:
    if isinstance(channel, int):
        return [channel], None
    chans = [int(c) for c in channel]
    if not chans:
        raise ValueError("empty channel list")
    return chans, len(chans)


def _pick_channels(a: torch.Tensor, chans: list[int], batch: int | None) -> torch.Tensor:
    """``(N, ...)`` slices of channel ``chans[i]`` for image ``i`` (or ``chans[0]`` for all)."""
    n = a.shape[0]
    wrong = [c for c in chans if not -a.shape[1] <= c < a.shape[1]]
    if wrong:
        raise OutOfRangeError(f"channel {wrong[0]} is out of range: the layer has {a.shape[1]} channels (0..{a.shape[1] - 1})")
    if batch is None:
        return a[:, chans[0]]
    if n != batch:
        raise ValueError(f"objective describes {batch} images but the batch has {n}")
    idx = torch.as_tensor(chans, device=a.device)
    return a[torch.arange(n, device=a.device), idx]


def channel(layer: str, channel: int | Sequence[int]) -> Objective:
    """Mean activation of one channel of ``layer`` over all positions (Erhan et al. 2009;
    Olah et al. 2017). A sequence of channels describes a batch: image *i* maximises
    ``channel[i]``, all in one forward pass per step."""
    chans, batch = _channels(channel)

    def fn(c: Context) -> torch.Tensor:
        a = _pick_channels(c.act(layer), chans, batch)
        return a.flatten(1).mean(1)

    label = f"{layer}:{chans[0]}" if batch is None else f"{layer}:{chans[0]}..{chans[-1]}"
    words = f"channel {chans[0]} of {layer}" if batch is None else f"channels {chans[0]}..{chans[-1]} of {layer}, one per image"
    return Objective(fn, label, (layer,), batch=batch, description=words)


def neuron(layer: str, channel: int | Sequence[int], x: int | None = None, y: int | None = None) -> Objective:
    """Activation of one unit: channel ``channel`` of ``layer`` at position ``(y, x)``
    (the centre by default), as in Erhan et al. 2009's "activation maximisation"."""
    chans, batch = _channels(channel)

    def fn(c: Context) -> torch.Tensor:
        a = _pick_channels(c.act(layer), chans, batch)
        if a.dim() == 1:  # a linear layer: one value per channel
            return a
        h, w = a.shape[-2:]
        return a[:, h // 2 if y is None else y, w // 2 if x is None else x]

    where = "centre" if x is None and y is None else f"(x={x}, y={y})"
    which = f"channel {chans[0]}" if batch is None else f"channels {chans[0]}..{chans[-1]}"
    return Objective(fn, f"{layer}:{chans[0]}@({x},{y})", (layer,), batch=batch, description=f"{where} neuron of {which} of {layer}")


def class_logit(cls: int | str | Sequence[int | str]) -> Objective:
    """The pre-softmax score of a class (Simonyan et al. 2014, "Deep Inside Convolutional
    Networks"); maximising the logit, not the probability, avoids winning by suppressing
    other classes. A class name needs a Classifier; a sequence describes a batch."""
    many = not isinstance(cls, (int, str))
    wanted = list(cls) if many else [cls]
    ids: list[int] = []

    def setup(_module: nn.Module, classifier: Any) -> None:
        ids.clear()
        for c in wanted:
            if isinstance(c, str):
                if classifier is None:
                    raise TypeError(f"class name {c!r} needs a Classifier (load_model); pass an index")
                ids.append(classifier.class_index(c))
            else:
                ids.append(int(c))

    def fn(c: Context) -> torch.Tensor:
        if c.logits is None:  # pragma: no cover - needs_logits forces the full pass
            raise RuntimeError("class_logit needs the model output")
        n, classes = c.logits.shape[:2]
        wrong = [i for i in ids if not 0 <= i < classes]
        if wrong:
            raise OutOfRangeError(f"class {wrong[0]} is out of range: the model has {classes} classes (0..{classes - 1})")
        idx = torch.as_tensor(ids if many else ids * n, device=c.logits.device)
        return c.logits[torch.arange(n, device=idx.device), idx]

    return Objective(
        fn,
        f"class {wanted if many else wanted[0]}",
        (),
        needs_logits=True,
        batch=len(wanted) if many else None,
        setups=[setup],
        description=f"logit of class {', '.join(map(str, wanted)) if many else wanted[0]}",
    )


def dream(layer: str) -> Objective:
    """DeepDream's objective for one layer: the mean squared activation
    (Mordvintsev et al. 2015), which amplifies whatever the layer already sees."""
    return Objective(lambda c: c.act(layer).pow(2).flatten(1).mean(1), f"dream {layer}", (layer,))


def direction(layer: str, vector: torch.Tensor) -> Objective:
    """Mean over positions of the dot product of ``layer``'s activation with ``vector``
    (a length-C direction in channel space; Olah et al. 2017)."""

    def fn(c: Context) -> torch.Tensor:
        a = c.act(layer)
        v = vector.to(a.device, a.dtype).view(1, -1, *([1] * (a.dim() - 2)))
        return (a * v).sum(1).flatten(1).mean(1)

    return Objective(fn, f"direction {layer}", (layer,))


def content(layer: str, target: torch.Tensor, *, is_activation: bool = False) -> Objective:
    """Minus the relative feature distance to a target (Mahendran & Vedaldi 2015,
    "Understanding Deep Image Representations by Inverting Them"):

    ``-||A(x) - A0||^2 / ||A0||^2`` with ``A0`` the activations of ``layer`` for ``target``
    (a preprocessed ``(1|N,3,H,W)`` image, computed once when rendering starts) or, with
    ``is_activation=True``, ``target`` itself. 0 means a perfect match.
    """
    holder: dict[str, torch.Tensor] = {}

    def setup(module: nn.Module, _classifier: Any) -> None:
        from ..core.hooks import activations

        holder["a0"] = target.detach() if is_activation else activations(module, target, layer)

    def fn(c: Context) -> torch.Tensor:
        a = c.act(layer)
        a0 = holder["a0"].to(a.device, a.dtype)
        diff = (a - a0).flatten(1).pow(2).sum(1)
        return -diff / a0.flatten(1).pow(2).sum(1).clamp_min(1e-12)

    if is_activation:
        holder["a0"] = target.detach()
    return Objective(fn, f"content {layer}", (layer,), setups=[] if is_activation else [setup])


def batch(objectives: Sequence[Objective | str]) -> Objective:
    """Stack objectives into one batch: image *i* maximises ``objectives[i]``. Every
    objective is evaluated on the whole batch (one forward pass) and image *i* keeps
    score *i*."""
    objs = [as_objective(o) for o in objectives]
    if not objs:
        raise ValueError("batch needs at least one objective")
    n = len(objs)

    def fn(c: Context) -> torch.Tensor:
        return torch.stack([o(c)[i] for i, o in enumerate(objs)])

    layers = tuple(dict.fromkeys(l for o in objs for l in o.layers))
    setups, post_steps = [s for o in objs for s in o.setups], [p for o in objs for p in o.post_steps]
    return Objective(fn, f"batch of {n}", layers, any(o.needs_logits for o in objs), n, setups, post_steps)


# --- regularisers (penalties: subtract them) -----------------------------------------------
def l2(constant: float = 0.5, reference: torch.Tensor | None = None) -> Objective:
    """Mean squared distance of the image (RGB in [0, 1]) from ``constant`` (mid grey) or
    from a ``reference`` image in the same space (to stay close to a start image).
    A penalty: subtract it, ``- 0.05 * l2()``."""

    def fn(c: Context) -> torch.Tensor:
        ref = constant if reference is None else reference.to(c.image.device, c.image.dtype)
        return (c.image - ref).pow(2).flatten(1).mean(1)

    return Objective(
        fn,
        "l2" if reference is None else "l2 to start",
        description=f"L2 distance to grey {constant:g}" if reference is None else "L2 distance to the start image",
    )


def alpha_norm(alpha: float = 6.0, constant: float = 0.5) -> Objective:
    """Mahendran & Vedaldi 2015's alpha-norm ``mean |x - c|^alpha`` of the image, scaled so
    pixels in [0, 1] give values in [0, 1]; a large alpha punishes extreme pixels only.
    A penalty: subtract it."""

    def fn(c: Context) -> torch.Tensor:
        return ((c.image - constant).abs() / max(constant, 1 - constant)).pow(alpha).flatten(1).mean(1)

    return Objective(fn, f"alpha-norm {alpha:g}")


def total_variation(beta: float = 2.0) -> Objective:
    """Total variation ``mean((dx^2 + dy^2)^(beta/2))`` of the image (Mahendran & Vedaldi
    2015, eq. 4; beta=2 is the squared-gradient form): large for noisy, high-frequency
    images. A penalty: subtract it."""

    def fn(c: Context) -> torch.Tensor:
        return tv(c.image, beta)

    return Objective(fn, "total variation")


def tv(image: torch.Tensor, beta: float = 2.0) -> torch.Tensor:
    """Total variation of each image of a ``(N,C,H,W)`` batch: the mean over positions of
    ``(dx^2 + dy^2)^(beta/2)``, with forward differences (last row/column dropped)."""
    dx = image[..., :-1, 1:] - image[..., :-1, :-1]
    dy = image[..., 1:, :-1] - image[..., :-1, :-1]
    sq = dx.pow(2) + dy.pow(2)
    return (sq if beta == 2 else (sq + 1e-12).pow(beta / 2)).flatten(1).mean(1)


def blur(sigma: float = 0.5, every: int = 4) -> Objective:
    """Blur the image every ``every`` steps (a regulariser acting on the parameters, as in
    Yosinski et al. 2015, "Understanding Neural Networks Through Deep Visualization").
    It adds nothing to the score; add it: ``channel(...) + blur(0.5, every=4)``."""

    def post(param: Any, step: int) -> None:
        if every > 0 and (step + 1) % every == 0:
            param.blur_(sigma)

    zero = Objective(lambda c: c.image.new_zeros(c.image.shape[0]), f"blur {sigma:g}/{every}")
    zero.post_steps.append(post)
    return zero


# --- parsing ---------------------------------------------------------------------------------
_SPEC = re.compile(r"^(?P<layer>[^:]*):(?P<lo>-?\d+)(?:-(?P<hi>\d+))?$")


def as_objective(obj: Objective | str | int | Iterable) -> Objective:
    """An :class:`Objective` from a spec: an Objective passes through; ``"layer:12"`` is
    channel 12 of ``layer``; ``"layer:0-15"`` channels 0..15 as a batch of 16; a plain layer
    name is :func:`dream` of that layer; ``"class:tabby"`` / ``"class:281"`` a class logit;
    a list stacks its items with :func:`batch`."""
    if isinstance(obj, Objective):
        return obj
    if isinstance(obj, str):
        if obj.startswith("class:"):
            value = obj[6:]
            return class_logit(int(value) if value.lstrip("-").isdigit() else value)
        m = _SPEC.match(obj)
        if m:
            lo, hi = int(m["lo"]), m["hi"]
            return channel(m["layer"], lo if hi is None else range(lo, int(hi) + 1))
        return dream(obj)
    if isinstance(obj, (list, tuple)):
        return batch(obj)
    raise TypeError(f"cannot make an objective from {type(obj).__name__}; use e.g. 'blocks.8:12' or cnnviz_lab.objectives.channel('blocks.8', 12)")


__all__ = ["Context", "Objective", "alpha_norm", "as_objective", "batch", "blur", "channel"]
__all__ += ["class_logit", "content", "direction", "dream", "l2", "neuron", "total_variation", "tv"]
