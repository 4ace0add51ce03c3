"""ipywidgets front ends the notebooks display (core controls only: Colab, Binder, Lab)."""

from .common import Panel, available_models, cached_model, panel
from .inspect import feature_map_panel, filter_panel, prediction_panel
from .saliency import saliency_panel

__all__ = ["Panel", "available_models", "cached_model", "feature_map_panel", "filter_panel", "panel",
           "prediction_panel"]
__all__ += ["saliency_panel"]
from .cam import cam_panel, gradcam_panel

__all__ += ["cam_panel", "gradcam_panel"]
from .occlusion import occlusion_panel

__all__ = ["Panel", "available_models", "cached_model", "feature_map_panel", "filter_panel", "panel",
           "prediction_panel"]
__all__ += ["occlusion_panel"]
from .optvis import deepdream_panel, inversion_panel, maximize_panel

__all__ = ["Panel", "available_models", "cached_model", "feature_map_panel", "filter_panel", "panel",
           "prediction_panel",
           "deepdream_panel", "inversion_panel", "maximize_panel"]
from .evaluation import evaluation_panel

__all__ += ["evaluation_panel"]
