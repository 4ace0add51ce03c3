"""Evaluating explanations: is a map faithful to the model, does it depend on it, does it
point at the object? One module per question:

- :mod:`.faithfulness`: deletion and insertion curves and their areas (Petsiuk et al. 2018);
- :mod:`.similarity`: Spearman rank correlation and SSIM between maps;
- :mod:`.sanity`: the cascading randomisation check (Adebayo et al. 2018);
- :mod:`.pointing`: the pointing game (Zhang et al. 2016) and the energy in a box;
- :mod:`.comparison`: the course's methods side by side (:func:`evaluate_methods`).

All work on any ``nn.Module`` or ``Classifier``, in batched forward passes without autograd
(except inside the method under test), and leave the model exactly as they found it.
"""

from .comparison import course_methods, evaluate_methods, method_key, MethodEvaluation, random_map, roster
from .faithfulness import (
    Curve, deletion_auc, deletion_curve, insertion_auc, insertion_curve, pixel_order, trapezoid_auc,
)
from .maps import as_maps, method_map
from .pointing import energy_in_box, energy_in_boxes, pointing_game
from .sanity import randomization_check, randomization_layers, RandomizationResult, randomize_layer
from .similarity import spearman, ssim

__all__ = [
    "as_maps", "COURSE_METHODS", "course_methods", "Curve", "deletion_auc", "deletion_curve",
    "energy_in_box", "energy_in_boxes", "evaluate_methods", "insertion_auc", "insertion_curve", "method_key", "method_map",
    "MethodEvaluation", "pixel_order", "pointing_game", "random_map", "randomization_check",
    "randomization_layers", "RandomizationResult", "randomize_layer", "roster", "spearman", "ssim",
    "trapezoid_auc",
]


def __getattr__(name: str):
    if name == "COURSE_METHODS":  # the roster as it stands now (the registry may grow)
        return roster()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
