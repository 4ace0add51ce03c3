"""Concepts (notebook 10): concept activation vectors and TCAV (Kim et al. 2018), the synthetic
texture images that define concepts, and the statistics that test them.

- ``textures``: ``concept_images`` (striped, dotted, ...), ``random_images``, ``zebra_images``
- ``vectors``: ``cav`` (a linear classifier's normal in a layer's activation space)
- ``tcav``: ``tcav``, ``tcav_score``, ``class_gradients``
- ``stats``: Student's t-test, Holm's correction, a paired permutation test and a bootstrap interval, without SciPy
"""

from .stats import holm, paired_bootstrap_interval, paired_permutation_test, t_test
from .tcav import TCAVResult, class_gradients, tcav, tcav_score
from .textures import CONCEPTS, concept_images, random_images, zebra_images
from .vectors import CAV, cav

__all__ = [
    "CAV",
    "CONCEPTS",
    "TCAVResult",
    "cav",
    "class_gradients",
    "concept_images",
    "holm",
    "paired_bootstrap_interval",
    "paired_permutation_test",
    "random_images",
    "t_test",
    "tcav",
    "tcav_score",
    "zebra_images",
]
