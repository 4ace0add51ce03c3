"""Checkers for the course's exercises: ``cv.exercises.check_...(your_function)``."""

from .common import attempt, close, report
from .inspect import check_most_active_channels, check_top_k
from .saliency import check_saliency

__all__ = ["attempt", "check_most_active_channels", "check_top_k", "close", "report"]
__all__ += ["check_saliency"]
from .cam import check_class_map, check_gradcam, check_layercam

__all__ += ["check_class_map", "check_gradcam", "check_layercam"]
from .occlusion import check_occlude, check_occlusion_drop

__all__ = ["attempt", "check_most_active_channels", "check_top_k", "close", "report"]
__all__ += ["check_occlude", "check_occlusion_drop"]
from .optvis import check_feature_distance, check_normalize_gradient, check_total_variation

__all__ = ["attempt", "check_most_active_channels", "check_top_k", "close", "report",
           "check_feature_distance", "check_normalize_gradient", "check_total_variation"]
from .evaluation import check_sanity_failure, check_trapezoid_auc

__all__ += ["check_sanity_failure", "check_trapezoid_auc"]
