"""Checkers for the course's exercises: ``cv.exercises.check_...(your_function)``."""

from .common import attempt, close, report
from .inspect import check_most_active_channels, check_top_k
from .optvis import check_feature_distance, check_normalize_gradient, check_total_variation

__all__ = ["attempt", "check_most_active_channels", "check_top_k", "close", "report",
           "check_feature_distance", "check_normalize_gradient", "check_total_variation"]
