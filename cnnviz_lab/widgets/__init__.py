"""ipywidgets front ends the notebooks display (core controls only: Colab, Binder, Lab).
"""

from .adversarial import attack_panel
from .cam import cam_panel, gradcam_panel
from .concepts import tcav_panel
from .common import available_models, cached_model, Panel, panel
from .evaluation import evaluation_panel
from .groundtruth import shortcut_panel
from .inspect import feature_map_panel, filter_panel, prediction_panel
from .occlusion import occlusion_panel
from .optvis import deepdream_panel, inversion_panel, maximize_panel
from .saliency import saliency_panel

__all__ = [
    "attack_panel", "available_models", "cached_model", "cam_panel", "deepdream_panel",
    "evaluation_panel", "feature_map_panel", "filter_panel", "gradcam_panel", "inversion_panel",
    "maximize_panel", "occlusion_panel", "Panel", "panel", "prediction_panel", "saliency_panel",
    "shortcut_panel", "tcav_panel",
]
