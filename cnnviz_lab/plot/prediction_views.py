"""What the network says about an image: its top classes, and its classes for augmented views."""

from __future__ import annotations

import torch

from ..core import checks
from ..images.augment import augment
from ..images.loading import ImageLike
from ..models.classifier import Classifier
from ..models.fallback import title_name
from .core import image_array, image_grid
from .figure import Figure


def _check_classifier(classifier: object) -> None:
    if not isinstance(classifier, Classifier):
        raise TypeError(f"classifier must be a Classifier (cnnviz_lab.load_model or wrap_model), got {type(classifier).__name__}")


def predictions(classifier: Classifier, image: ImageLike | torch.Tensor, k: int = 5, title: str | None = None, *, image_title: str | None = None) -> Figure:
    """The image beside a bar chart of its top-``k`` classes and their softmax probabilities
    (:meth:`Classifier.predict`); the chart is titled ``title`` (default: the classifier's
    name and "top-k"), the image ``image_title`` (default: none). ``image``: a photo (path,
    PIL, array, ``(3,H,W)`` tensor in [0, 1]) or a preprocessed ``(N,3,H,W)`` batch, of which
    the first image is shown."""
    _check_classifier(classifier)
    for arg, value in (("title", title), ("image_title", image_title)):
        if value is not None and not isinstance(value, str):
            raise TypeError(f"{arg} must be a str or None, got {type(value).__name__}")
    x = image if isinstance(image, torch.Tensor) and image.dim() == 4 else classifier.preprocess(image)
    top = classifier.predict(x[:1], k=k)
    fig = Figure(figsize=(9, 3.2), layout="constrained")
    ax_img, ax_bar = fig.subplots(1, 2, width_ratios=[1, 1.6])
    ax_img.imshow(image_array(x[:1], classifier))
    ax_img.set_axis_off()
    if image_title is not None:
        ax_img.set_title(image_title)
    labels = [label for _, label, _ in top][::-1]
    probs = [p for _, _, p in top][::-1]
    bars = ax_bar.barh(labels, probs, color="#4878d0")
    inside = [p > 0.85 for p in probs]  # a label past 1 would not fit: it goes inside its bar
    ax_bar.bar_label(bars, [f"{p:.1%}" if not i else "" for p, i in zip(probs, inside)], padding=3, fontsize=9)
    ax_bar.bar_label(bars, [f"{p:.1%}" if i else "" for p, i in zip(probs, inside)], padding=-38, fontsize=9, color="white")
    ax_bar.set_xlim(0, 1)
    ax_bar.set_xlabel("probability")
    ax_bar.set_title(title if title is not None else f"{title_name(classifier)}: top-{k}")
    return fig


def augmentations(classifier: Classifier, image: ImageLike, names: list[str] | None = None, seed: int | None = 0) -> Figure:
    """Augmented versions of the image (:data:`~cnnviz_lab.images.augment.AUGMENTATIONS`:
    crops, flips, colour jitter, rotation, greyscale, blur), each titled with the top-1 class
    the network gives it and its probability. ``names``: which augmentations (None: all);
    ``seed``: makes the random ones repeatable (None: unseeded)."""
    _check_classifier(classifier)
    if names is not None and (isinstance(names, str) or not isinstance(names, (list, tuple)) or not names or not all(isinstance(n, str) for n in names)):
        raise TypeError(f"names must be None or a non-empty list of augmentation names, got {names!r:.80}")
    seed = checks.seed(seed)
    views = augment(image, names, seed)
    batch = classifier.preprocess([img for _, img in views])
    tops = classifier.predict(batch, k=1)
    tops = [tops] if len(views) == 1 else tops
    arrays = [image_array(batch[i : i + 1], classifier) for i in range(len(views))]
    titles = [f"{n}\n{t[0][1]} {t[0][2]:.0%}" for (n, _), t in zip(views, tops)]
    return image_grid(arrays, titles, ncols=4, cell=2.4)
