"""Attribution methods: which input pixels or feature-map positions drive a class score.

Every method shares one signature, ``method(model, x, target=None, *, layer=None, ...)``,
and returns raw, unnormalised, detached tensors on ``x``'s device (see ``common``).
"""

from .common import frozen, resolve_targets, topk_targets
from .occlusion import (OcclusionGrid, occlusion, occlusion_grid, occlusion_map,
                        regularize_occlusion, window_starts)

__all__ = ["frozen", "resolve_targets", "topk_targets"]
__all__ += ["OcclusionGrid", "occlusion", "occlusion_grid", "occlusion_map", "regularize_occlusion",
            "window_starts"]
