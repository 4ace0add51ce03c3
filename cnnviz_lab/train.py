"""A small CNN and a short training loop, for experiments whose answer is known (notebook 09).

:class:`SmallCNN` is three convolutional blocks, global average pooling and one linear layer:
the architecture of Zhou et al. (*Learning Deep Features for Discriminative Localization*,
CVPR 2016), so CAM, Grad-CAM and every other method of the course apply to it.
:func:`train_model` fits it in seconds on a CPU with one progress bar and can record a
:class:`Timeline`: the first-layer filters and one image's Grad-CAM after every epoch, kept
as detached CPU copies (no autograd graph, nothing on the GPU), so watching a network learn
costs a few kilobytes per epoch and never holds on to the training's memory.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Iterator, Sequence

import torch
import torch.nn.functional as F
from torch import nn
from .defaults import progress_bar

from .config import resolve_device


class SmallCNN(nn.Module):
    """``conv-bn-relu-pool, conv-bn-relu-pool, conv-bn-relu, GAP, linear``.

    ``width``: channels of the first block (doubled in each of the next two); the first
    layer's kernels are 5x5 so they can be drawn as pictures. The last block's ReLU output,
    ``relu3``, is a spatial map at a quarter of the input's side: the layer CAM methods read.
    Every ReLU is a module of its own (guided backpropagation replaces them one by one).
    ``seed``: draw the initial weights from this seed (the global random state is untouched).
    """

    def __init__(self, classes: int = 4, width: int = 16, seed: int | None = None) -> None:
        super().__init__()
        if classes < 2 or width < 1:
            raise ValueError(f"classes must be at least 2 and width at least 1, got {classes}, {width}")
        w = int(width)
        with torch.random.fork_rng(devices=[]):
            if seed is not None:
                torch.manual_seed(seed)
            self._build(classes, w)

    def _build(self, classes: int, w: int) -> None:
        self.conv1, self.bn1, self.relu1 = nn.Conv2d(3, w, 5, padding=2), nn.BatchNorm2d(w), nn.ReLU()
        self.pool1 = nn.MaxPool2d(2)
        self.conv2, self.bn2, self.relu2 = nn.Conv2d(w, 2 * w, 3, padding=1), nn.BatchNorm2d(2 * w), nn.ReLU()
        self.pool2 = nn.MaxPool2d(2)
        self.conv3, self.bn3, self.relu3 = nn.Conv2d(2 * w, 4 * w, 3, padding=1), nn.BatchNorm2d(4 * w), nn.ReLU()
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(4 * w, classes)
        # small first-layer weights (BatchNorm follows, so their scale does not matter): what
        # the filters show after training is then what they learned, not their random start
        nn.init.normal_(self.conv1.weight, std=0.01)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.pool1(self.relu1(self.bn1(self.conv1(x))))
        x = self.pool2(self.relu2(self.bn2(self.conv2(x))))
        x = self.relu3(self.bn3(self.conv3(x)))
        return self.fc(self.gap(x).flatten(1))


@dataclass
class Timeline:
    """What the network looked like after each epoch: ``filters`` (``[(C,3,k,k)]``, the
    first convolution's weights), ``cams`` (``[(H,W)]``, Grad-CAM of ``image`` for ``target``)
    and ``probs`` (``[(classes,)]``, the image's class probabilities). All detached CPU
    copies. ``image``: ``(3,H,W)`` the watched image in [0, 1]; ``target``: its class."""

    image: torch.Tensor
    target: int
    filters: list[torch.Tensor] = field(default_factory=list)
    cams: list[torch.Tensor] = field(default_factory=list)
    probs: list[torch.Tensor] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.filters)

    def filter_change(self) -> list[float]:
        """How much the first-layer filters moved in each epoch: ``||W_e - W_{e-1}|| / ||W_e||``
        for ``e = 1, 2, ...`` (one value per training epoch)."""
        return [float((b - a).norm() / b.norm().clamp(min=1e-12)) for a, b in zip(self.filters, self.filters[1:])]

    def colour_share(self) -> list[float]:
        """Per snapshot, the mean share of each first-layer filter's squared weight that lies
        in colour differences (the weights minus their mean over the R, G, B inputs): about
        2/3 for random filters, near 0 for filters that see brightness only, whatever the
        colour, and high for filters tuned to a colour."""
        out = []
        for w in self.filters:
            chroma = (w - w.mean(dim=1, keepdim=True)).pow(2).sum(dim=(1, 2, 3))
            out.append(float((chroma / w.pow(2).sum(dim=(1, 2, 3)).clamp(min=1e-30)).mean()))
        return out

    def nbytes(self) -> int:
        """Bytes held by the recorded tensors (grows by the same amount each epoch)."""
        return sum(t.untyped_storage().nbytes() for t in [*self.filters, *self.cams, *self.probs])


@dataclass
class TrainingRun:
    """What :func:`train_model` did: per-epoch ``loss`` and training ``accuracy``, ``seconds`` of
    wall time, the ``timeline`` (or None), and the ``classifier`` wrapping the trained model
    (labels, normalisation and CAM layer set) ready for every method of the course."""

    loss: list[float]
    accuracy: list[float]
    seconds: float
    classifier: object
    timeline: Timeline | None = None


#: How :func:`train_model` normalises images in [0, 1] (and the Classifier it returns undoes).
MEAN = (0.5, 0.5, 0.5)
STD = (0.25, 0.25, 0.25)


def _normalise(x: torch.Tensor) -> torch.Tensor:
    mean = torch.tensor(MEAN, device=x.device).view(1, 3, 1, 1)
    std = torch.tensor(STD, device=x.device).view(1, 3, 1, 1)
    return (x - mean) / std


def snapshot(model: nn.Module, timeline: Timeline, layer: str | None = None) -> None:
    """Append the model's current first-layer filters (its first ``Conv2d``), the Grad-CAM
    of the timeline's image at ``layer`` (default: the last spatial layer) and its class
    probabilities to ``timeline``: detached CPU clones (never views into the live weights,
    never part of a graph). The model's modes and flags are left as they were."""
    from .attribution import gradcam

    conv = next((m for m in model.modules() if isinstance(m, nn.Conv2d)), None)
    if conv is None:
        raise ValueError(f"{type(model).__name__} has no Conv2d layer to draw")
    timeline.filters.append(conv.weight.detach().to("cpu", copy=True))
    x = _normalise(timeline.image[None].to(conv.weight.device))
    timeline.cams.append(gradcam(model, x, timeline.target, layer=layer)[0].detach().to("cpu", copy=True))
    training = model.training
    model.eval()
    try:
        with torch.no_grad():
            timeline.probs.append(model(x)[0].float().softmax(0).to("cpu", copy=True))
    finally:
        model.train(training)


@contextmanager
def cpu_threads(threads: int | None) -> Iterator[None]:
    """Run the block with ``threads`` CPU threads for torch's operators (``None``: leave the
    setting alone); the previous number is restored afterwards, exceptions included.

    Small networks on small images gain little from intra-op threads, and on a machine whose
    cores are busy with other work the threads wait for each other: on 2 shared cores,
    training :class:`SmallCNN` on 3000 images of 32 px for 6 epochs took 7 s with one thread
    and 125 s with two (PyTorch 2.14, OpenMP).
    """
    saved = torch.get_num_threads()
    if threads is not None:
        if int(threads) < 1:
            raise ValueError(f"threads must be at least 1 (or None), got {threads!r}")
        torch.set_num_threads(int(threads))
    try:
        yield
    finally:
        torch.set_num_threads(saved)


def train_model(model: nn.Module, images: torch.Tensor, labels: torch.Tensor, *, epochs: int = 6,
          batch_size: int = 64, lr: float = 3e-3, seed: int | None = 0, classes: Sequence[str] | None = None,
          watch: int | None = None, device: str | torch.device = "auto", threads: int | None = 1,
          progress: bool | None = None) -> TrainingRun:
    """Train ``model`` on ``images`` (``(N,3,H,W)`` RGB in [0, 1], normalised here with
    mean 0.5 and std 0.25) and ``labels`` (``(N,)``) with Adam and cross-entropy, ``epochs``
    passes in shuffled mini-batches of ``batch_size`` (``seed`` fixes the shuffling: with a
    model built from a seed too, same seeds, same run on the same device).

    ``watch``: the index of an image to follow: after every epoch (and before the first)
    its Grad-CAM and the first-layer filters go into ``run.timeline``. One progress bar
    counts the batches (``progress=None``: shown). The model is trained in place, left in
    eval mode on ``device``, and returned wrapped as ``run.classifier`` (``cv.wrap_model``)
    with ``classes`` as labels.

    ``threads``: CPU threads during training (see :func:`cpu_threads`; ``None`` keeps
    torch's setting; ignored on a GPU).
    """

    if not isinstance(images, torch.Tensor) or images.dim() != 4 or images.shape[1] != 3:
        raise ValueError(f"images must be an (N,3,H,W) tensor, got {getattr(images, 'shape', type(images))}")
    labels = torch.as_tensor(labels).long()
    if labels.shape != (images.shape[0],):
        raise ValueError(f"labels must have shape ({images.shape[0]},), got {tuple(labels.shape)}")
    if epochs < 0 or batch_size < 1:
        raise ValueError(f"epochs must be >= 0 and batch_size >= 1, got {epochs}, {batch_size}")
    if watch is not None and not 0 <= watch < images.shape[0]:
        raise ValueError(f"watch must index one of the {images.shape[0]} images, got {watch}")
    dev = resolve_device(device)
    with cpu_threads(threads if dev.type == "cpu" else None):
        return _train(model, images, labels, epochs, batch_size, lr, seed, classes, watch, dev, progress)


def _train(model: nn.Module, images: torch.Tensor, labels: torch.Tensor, epochs: int, batch_size: int,
           lr: float, seed: int | None, classes: Sequence[str] | None, watch: int | None,
           dev: torch.device, progress: bool | None) -> TrainingRun:
    from .models import wrap_model

    gen = torch.Generator()
    if seed is not None:
        gen.manual_seed(seed)
    else:
        gen.seed()
    model.to(dev)
    timeline = Timeline(images[watch].detach().cpu().clone(), int(labels[watch])) if watch is not None else None
    if timeline is not None:
        snapshot(model, timeline)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    n = images.shape[0]
    steps = -(-n // batch_size)
    losses, accs = [], []
    start = time.perf_counter()
    model.train()
    with progress_bar(total=epochs * steps, images=n, progress=progress is not False, desc="training",
                      unit="batch") as bar:
        for epoch in range(epochs):
            order = torch.randperm(n, generator=gen)
            total, correct = 0.0, 0
            for k in range(steps):
                idx = order[k * batch_size:(k + 1) * batch_size]
                xb = _normalise(images[idx].to(dev))
                yb = labels[idx].to(dev)
                logits = model(xb)
                loss = F.cross_entropy(logits, yb)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                total += float(loss.detach()) * len(idx)
                correct += int((logits.detach().argmax(1) == yb).sum())
                bar.update(1)
            losses.append(total / n)
            accs.append(correct / n)
            bar.set_postfix(epoch=epoch + 1, loss=f"{losses[-1]:.3f}", acc=f"{accs[-1]:.2f}")
            if timeline is not None:
                snapshot(model, timeline)
    opt.zero_grad(set_to_none=True)
    model.eval()
    seconds = time.perf_counter() - start
    names = list(classes) if classes is not None else None
    clf = wrap_model(model, names, input_size=images.shape[-1], mean=MEAN, std=STD,
                     name=type(model).__name__, device=dev)
    return TrainingRun(losses, accs, seconds, clf, timeline)


def predict_classes(model, images: torch.Tensor, batch_size: int = 256, threads: int | None = 1) -> torch.Tensor:
    """Top-1 class of each image as a CPU ``(N,)`` tensor, without autograd and in eval mode
    (the model's mode is restored). ``model``: a Classifier (``images`` are RGB in [0, 1],
    normalised as it expects) or an ``nn.Module`` (``images`` are its input as they are).
    ``threads``: CPU threads meanwhile (:func:`cpu_threads`; one suits the small networks
    this is for, ``None`` keeps torch's setting)."""
    from .models import unwrap

    module, clf = unwrap(model)
    if not isinstance(images, torch.Tensor) or images.dim() != 4:
        raise ValueError(f"images must be an (N,C,H,W) tensor, got {getattr(images, 'shape', type(images))}")
    dev = next(module.parameters()).device
    training = module.training
    module.eval()
    try:
        with torch.no_grad(), cpu_threads(threads if dev.type == "cpu" else None):
            out = []
            for i in range(0, images.shape[0], batch_size):
                xb = images[i:i + batch_size].to(dev)
                out.append(module(clf.from_unit(xb) if clf is not None else xb).argmax(1).cpu())
    finally:
        module.train(training)
    return torch.cat(out) if out else torch.zeros(0, dtype=torch.long)


def accuracy(model, images: torch.Tensor, labels: torch.Tensor, batch_size: int = 256,
             threads: int | None = 1) -> float:
    """Fraction of ``images`` whose top-1 class is ``labels`` (see :func:`predict_classes`
    for what ``model`` and ``images`` may be)."""
    labels = torch.as_tensor(labels).long().cpu()
    if labels.shape != (images.shape[0],):
        raise ValueError(f"labels must have shape ({images.shape[0]},), got {tuple(labels.shape)}")
    return float((predict_classes(model, images, batch_size, threads) == labels).float().mean())


__all__ = ["SmallCNN", "Timeline", "TrainingRun", "accuracy", "cpu_threads", "predict_classes", "snapshot",
           "train_model"]
