"""Ground truth for explanations (notebook 09): synthetic shape images whose true evidence is
known, small networks trained on them, and maps scored against the true masks.

- ``shapes``: ``shape_images``, ``ShapesDataset`` (shapes with an optional colour cue)
- ``train``: ``SmallCNN``, ``train_model`` (seeded, with a timeline of snapshots), ``accuracy``
- ``masks``: ``score_against_masks`` and its measures (energy, pointing, recall, deletion)
"""

from .masks import MaskScores, deletion_drop, mask_deletion, mask_energy, mask_pointing, mask_recall, score_against_masks
from .shapes import ShapeImages, ShapesDataset, shape_images
from .train import SmallCNN, Timeline, TrainingRun, accuracy, cpu_threads, predict_classes, train_model

__all__ = [
    "MaskScores",
    "ShapeImages",
    "ShapesDataset",
    "SmallCNN",
    "Timeline",
    "TrainingRun",
    "accuracy",
    "cpu_threads",
    "deletion_drop",
    "mask_deletion",
    "mask_energy",
    "mask_pointing",
    "mask_recall",
    "predict_classes",
    "score_against_masks",
    "shape_images",
    "train_model",
]
