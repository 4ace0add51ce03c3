"""Loading and describing a model: :func:`load_model` (torchvision's zoo through its weights API,
the offline EfficientNet-Lite0, the honest fallback), :func:`wrap_model` (any ``nn.Module``
with its labels), the :class:`Classifier` they return, atomic downloads, the classic models of
the original papers, and which of a model's layers are worth showing.

- ``loading``: ``load_model``, ``wrap_model``, ``list_models``
- ``classifier``: the ``Classifier`` (network, labels, transforms, ``predict``)
- ``hub``, ``download``: torchvision weights by name, cached, fetched atomically
- ``fallback``: the offline stand-in and the note that says so
- ``efficientnet_lite``: the offline EfficientNet-Lite0; ``classic``: VGG16, GoogLeNet, ...
- ``layers``: ``cam_layers`` and ``blocks_at`` (a model's blocks, early to late)
"""

from .classic import classic_available, load_classic
from .classifier import Classifier, imagenet_categories
from .fallback import display_name, model_note, note_html, title_name
from .layers import blocks_at, cam_layers
from .loading import OFFLINE_MODEL, list_models, load_model, wrap_model

__all__ = [
    "Classifier",
    "OFFLINE_MODEL",
    "blocks_at",
    "cam_layers",
    "classic_available",
    "imagenet_categories",
    "display_name",
    "list_models",
    "load_classic",
    "load_model",
    "model_note",
    "note_html",
    "title_name",
    "wrap_model",
]
