"""Checkers for the course's exercises: ``cv.exercises.check_...(your_function)``, and the
predict-then-run questions: ``cv.exercises.check_choice(question_id, answer)``.
"""

from .adversarial import check_fooled_gradcam, check_projection
from .cam import check_class_map, check_gradcam, check_gradcam_pp, check_layercam, check_wrong_object
from .cam_probes import check_grey_out, check_iou_sweep
from .concepts import check_random_concept, check_t_statistic, check_tcav_score
from .common import attempt, close, report
from .evaluation import check_box_share, check_noise_floor, check_sanity_failure, check_trapezoid_auc
from .groundtruth import check_mask_energy, check_rise_prediction, check_swap_prediction
from .layer_views import check_layer_output, check_most_active_channels, check_top_k
from .occlusion import check_occlude, check_occlusion_drop
from .optvis import check_dream_step, check_feature_distance, check_normalize_gradient, check_total_variation
from .quiz import check_choice, Question, QUESTIONS
from .relevance import check_lrp_epsilon
from .saliency import check_saliency

__all__ = [
    "attempt",
    "check_box_share",
    "check_choice",
    "check_class_map",
    "check_dream_step",
    "check_feature_distance",
    "check_fooled_gradcam",
    "check_gradcam",
    "check_gradcam_pp",
    "check_grey_out",
    "check_iou_sweep",
    "check_layercam",
    "check_layer_output",
    "check_lrp_epsilon",
    "check_mask_energy",
    "check_most_active_channels",
    "check_noise_floor",
    "check_normalize_gradient",
    "check_occlude",
    "check_occlusion_drop",
    "check_projection",
    "check_random_concept",
    "check_rise_prediction",
    "check_saliency",
    "check_sanity_failure",
    "check_swap_prediction",
    "check_t_statistic",
    "check_tcav_score",
    "check_top_k",
    "check_total_variation",
    "check_trapezoid_auc",
    "check_wrong_object",
    "close",
    "Question",
    "QUESTIONS",
    "report",
]
