"""Adversarial examples and what they do to explanations: :mod:`.attacks` (FGSM, PGD, a
random-noise control, the high-frequency share of a change) and :mod:`.explanations` (the
same methods before and after an attack, compared image by image)."""

from .attacks import NORMS, Attack, fgsm, high_frequency_share, pgd, random_noise
from .explanations import ExplanationChange, compare_explanations

__all__ = ["Attack", "ExplanationChange", "NORMS", "compare_explanations", "fgsm", "high_frequency_share", "pgd", "random_noise"]
