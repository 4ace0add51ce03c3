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
from typing import Any, Iterator, Sequence

import torch
import torch.nn.functional as F
from torch import nn
from ..core import checks
from ..core.config import resolve_device
from ..core.defaults import progress_bar
from ..core.gate import _input_channels, check_batch, check_unit_range, class_labels, ModelLike
from ..core.state import frozen, frozen_forward, model_device, model_dtype


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
    from ..attribution import gradcam

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


def check_threads(threads: Any) -> int | None:
    """``threads``: None (leave torch's setting) or an int >= 1."""
    return None if threads is None else checks.integer(threads, "threads", minimum=1, what="None or an int >= 1")


@contextmanager
def cpu_threads(threads: int | None) -> Iterator[None]:
    """Run the block with ``threads`` CPU threads for torch's operators (``None``: leave the
    setting alone); the previous number is restored afterwards, exceptions included.

    Small networks on small images gain little from intra-op threads, and on a machine whose
    cores are busy with other work the threads wait for each other: on 2 shared cores,
    training :class:`SmallCNN` on 3000 images of 32 px for 6 epochs took 7 s with one thread
    and 125 s with two (PyTorch 2.14, OpenMP).
    """
    threads = check_threads(threads)
    saved = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(saved)


def train_model(
    model: nn.Module,
    images: torch.Tensor,
    labels: torch.Tensor,
    *,
    epochs: int = 6,
    batch_size: int = 64,
    lr: float = 3e-3,
    seed: int | None = 0,
    classes: Sequence[str] | None = None,
    watch: int | None = None,
    device: str | torch.device = "auto",
    threads: int | None = 1,
    progress: bool | None = None,
) -> TrainingRun:
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

    Every argument is checked before the model is touched: images outside [0, 1] (already
    normalised?), labels that are not one class index per image in the network's range,
    ``classes`` of the wrong length, and wrong keywords raise a ``ValueError`` or
    ``TypeError`` naming the argument, with the model left as it was.
    """

    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be an nn.Module to train in place, got {type(model).__name__}" + ("; pass clf.model" if hasattr(model, "model") else ""))
    images = check_batch(images, "images", _input_channels(model)).detach()
    check_unit_range(images, "images", "train_model normalises them itself (mean 0.5, std 0.25)")
    n = images.shape[0]
    labels = class_labels(labels, n)
    epochs = checks.integer(epochs, "epochs", minimum=0)
    batch_size = checks.batch_size(batch_size) or 64
    lr = checks.real(lr, "lr", minimum=0, strict=True)
    seed = checks.seed(seed)
    watch = None if watch is None else checks.integer(watch, "watch", minimum=0, maximum=n - 1, what=f"None or the index of one of the {n} images")
    threads = check_threads(threads)
    dev = resolve_device(device)
    # one frozen probe pass (no state change): the number of classes, for labels and classes
    outputs = frozen_forward(model, images[:1].to(model_device(model), model_dtype(model), copy=True)).shape[-1]
    class_labels(labels, n, outputs)
    if classes is not None:
        if isinstance(classes, (str, bytes)) or not isinstance(classes, Sequence) or not all(isinstance(c, str) for c in classes):
            raise TypeError(f"classes must be None or a sequence of class names (str), got {classes!r:.60}")
        if len(classes) != outputs:
            raise ValueError(f"classes: {len(classes)} names for a network with {outputs} outputs; pass one name per output (or None)")
    with cpu_threads(threads if dev.type == "cpu" else None):
        return _train(model, images, labels, epochs, batch_size, lr, seed, classes, watch, dev, progress)


def _train(
    model: nn.Module,
    images: torch.Tensor,
    labels: torch.Tensor,
    epochs: int,
    batch_size: int,
    lr: float,
    seed: int | None,
    classes: Sequence[str] | None,
    watch: int | None,
    dev: torch.device,
    progress: bool | None,
) -> TrainingRun:
    from ..models.loading import wrap_model

    gen = torch.Generator()
    if seed is not None:
        gen.manual_seed(seed)
    else:
        gen.seed()
    model.to(dev)
    dtype = model_dtype(model)
    timeline = Timeline(images[watch].detach().cpu().clone(), int(labels[watch])) if watch is not None else None
    if timeline is not None:
        snapshot(model, timeline)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    n = images.shape[0]
    steps = -(-n // batch_size)
    losses, accs = [], []
    start = time.perf_counter()
    model.train()
    with progress_bar(total=epochs * steps, images=n, progress=progress is not False, desc="training", unit="batch") as bar:
        for epoch in range(epochs):
            order = torch.randperm(n, generator=gen)
            total, correct = 0.0, 0
            for k in range(steps):
                idx = order[k * batch_size : (k + 1) * batch_size]
                xb = _normalise(images[idx].to(dev, dtype))
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
    clf = wrap_model(model, names, input_size=images.shape[-1], mean=MEAN, std=STD, name=type(model).__name__, device=dev)
    return TrainingRun(losses, accs, seconds, clf, timeline)


def _predict(model, images: Any, batch_size: Any, threads: Any) -> tuple[torch.Tensor, int]:
    """``(top-1 class per image, number of classes)`` after the gate (see predict_classes)."""
    from ..core.gate import unwrap

    module, clf = unwrap(model)
    images = check_batch(images, "images", _input_channels(module))
    if clf is not None:
        check_unit_range(images, "images", "a Classifier normalises them itself; for a model input pass clf.model")
    batch_size = checks.batch_size(batch_size) or 256
    threads = check_threads(threads)
    dev, dtype = model_device(module), model_dtype(module)
    out, classes = [], 0
    with torch.no_grad(), frozen(module), cpu_threads(threads if dev.type == "cpu" else None):
        for i in range(0, images.shape[0], batch_size):
            xb = images[i : i + batch_size].detach().to(dev, dtype, copy=True)  # never the caller's storage
            logits = module(clf.from_unit(xb) if clf is not None else xb)
            classes = logits.shape[-1]
            out.append(logits.argmax(1).cpu())
    return torch.cat(out), classes


def predict_classes(model: ModelLike, images: torch.Tensor, batch_size: int = 256, threads: int | None = 1) -> torch.Tensor:
    """Top-1 class of each image as a CPU ``(N,)`` tensor, without autograd and in eval mode
    (the model is left as it was: :func:`cnnviz_lab.core.state.frozen`). ``model``: a
    Classifier (``images`` are RGB in [0, 1], normalised as it expects; other values are
    refused) or an ``nn.Module`` (``images`` are its input as they are). ``images``:
    ``(N,C,H,W)`` floats, N >= 1 (one ``(C,H,W)`` image counts as N = 1).
    ``threads``: CPU threads meanwhile (:func:`cpu_threads`; one suits the small networks
    this is for, ``None`` keeps torch's setting)."""
    return _predict(model, images, batch_size, threads)[0]


def accuracy(model: ModelLike, images: torch.Tensor, labels: torch.Tensor, batch_size: int = 256, threads: int | None = 1) -> float:
    """Fraction of ``images`` whose top-1 class is ``labels`` (one class index per image, in
    the model's range; see :func:`predict_classes` for what ``model`` and ``images`` may be)."""
    class_labels(labels, check_batch(images, "images").shape[0])  # the labels' form, before any forward pass
    pred, classes = _predict(model, images, batch_size, threads)
    labels = class_labels(labels, pred.shape[0], classes)
    return float((pred == labels).float().mean())


__all__ = ["SmallCNN", "Timeline", "TrainingRun", "accuracy", "cpu_threads", "predict_classes", "snapshot", "train_model"]
