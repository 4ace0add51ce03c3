"""Evaluating explanations: is a map faithful to the model, does it depend on it, does it
point at the object? One module per question:

- :mod:`.faithfulness`: deletion and insertion curves and their areas (Petsiuk et al. 2018);
- :mod:`.similarity`: Spearman rank correlation and SSIM between maps;
- :mod:`.overlap`: the share of top pixels two maps have in common (Ghorbani et al. 2019);
- :mod:`.sanity`: the cascading randomisation check (Adebayo et al. 2018);
- :mod:`.pointing`: the pointing game (Zhang et al. 2016) and the energy in a box;
- :mod:`.peak`: the pointing game with three answers (hit, miss, split) and which named box holds the maximum;
- :mod:`.localization`: a class map's box (Zhou et al. 2016) and its IoU with a drawn box;
- :mod:`.correlation`: faithfulness correlation (Bhatt et al. 2020);
- :mod:`.sensitivity`: max- and average sensitivity (Yeh et al. 2019);
- :mod:`.spectrum`: how much of a map is a lattice of one period (Odena et al. 2016);
- :mod:`.infidelity`: infidelity (Yeh et al. 2019);
- :mod:`.road`: ROAD, removal with noisy linear imputation (Rong et al. 2022);
- :mod:`.confidence`: Average Drop and Increase in Confidence (Chattopadhay et al. 2018);
- :mod:`.comparison`: the course's methods side by side (:func:`evaluate_methods`; the metrics
  above it can report: :mod:`.map_metrics`);
- :mod:`.folder`: methods and metrics over a folder of images (``cnnviz evaluate``).

All work on any ``nn.Module`` or ``Classifier``, in batched forward passes without autograd
(except inside the method under test), and leave the model exactly as they found it.
"""

from .confidence import average_drop, explanation_scores, increase_in_confidence
from .correlation import faithfulness_correlation
from .comparison import course_methods, evaluate_methods, method_key, MethodEvaluation, random_map, roster
from .folder import evaluate_folder, FolderRun
from .faithfulness import Curve, deletion_auc, deletion_curve, insertion_auc, insertion_curve, pixel_order, trapezoid_auc
from .infidelity import infidelity
from .localization import box_iou, cam_box
from .map_metrics import MAP_METRICS
from .overlap import top_mask, top_overlap
from .maps import as_maps, method_map
from .peak import peak_box, pointing_outcome
from .pointing import energy_in_box, energy_in_boxes, pointing_chance, pointing_game
from .road import linear_imputation, road
from .sanity import randomization_check, randomization_layers, RandomizationResult, randomize_layer
from .sensitivity import avg_sensitivity, max_sensitivity, sensitivities
from .similarity import spearman, ssim
from .spectrum import period_share
from .summary import summarize, summary_figure, summary_table, SummaryRow

__all__ = [
    "as_maps",
    "average_drop",
    "avg_sensitivity",
    "box_iou",
    "cam_box",
    "COURSE_METHODS",
    "course_methods",
    "Curve",
    "deletion_auc",
    "MAP_METRICS",
    "deletion_curve",
    "energy_in_box",
    "energy_in_boxes",
    "evaluate_folder",
    "evaluate_methods",
    "explanation_scores",
    "faithfulness_correlation",
    "FolderRun",
    "increase_in_confidence",
    "infidelity",
    "insertion_auc",
    "insertion_curve",
    "linear_imputation",
    "max_sensitivity",
    "method_key",
    "method_map",
    "MethodEvaluation",
    "period_share",
    "peak_box",
    "pixel_order",
    "pointing_chance",
    "pointing_game",
    "pointing_outcome",
    "random_map",
    "randomization_check",
    "randomization_layers",
    "RandomizationResult",
    "randomize_layer",
    "road",
    "roster",
    "sensitivities",
    "spearman",
    "ssim",
    "summarize",
    "summary_figure",
    "summary_table",
    "SummaryRow",
    "top_mask",
    "top_overlap",
    "trapezoid_auc",
]


def __getattr__(name: str):
    if name == "COURSE_METHODS":  # the roster as it stands now (the registry may grow)
        return roster()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
