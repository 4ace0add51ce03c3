"""ipywidgets front ends the notebooks display (core controls only: Colab's ipywidgets 7,
Binder's and JupyterLab's ipywidgets 8).

Every panel that takes an image has an upload button for your own photo
(:mod:`~cnnviz_lab.widgets.upload`); button panels open on a cheap preview and compute
only when pressed (:mod:`~cnnviz_lab.widgets.panel`).
"""

from .adversarial import attack_panel
from .cam import cam_panel, gradcam_panel
from .concepts import tcav_panel
from .common import available_models, cached_model, channels_of, Panel, panel
from .evaluation import evaluation_panel
from .explorer import explorer_panel
from .groundtruth import shortcut_panel
from .layer_views import feature_map_panel, filter_panel, prediction_panel
from .occlusion import occlusion_panel
from .optvis import deepdream_panel, inversion_panel, maximize_panel, PRESETS
from .saliency import saliency_panel
from .upload import add_upload, image_picker, panel_image, uploaded_files, UPLOADS

__all__ = [
    "add_upload",
    "attack_panel",
    "available_models",
    "cached_model",
    "cam_panel",
    "channels_of",
    "deepdream_panel",
    "evaluation_panel",
    "explorer_panel",
    "feature_map_panel",
    "filter_panel",
    "gradcam_panel",
    "image_picker",
    "inversion_panel",
    "maximize_panel",
    "occlusion_panel",
    "Panel",
    "panel",
    "panel_image",
    "prediction_panel",
    "PRESETS",
    "saliency_panel",
    "shortcut_panel",
    "tcav_panel",
    "uploaded_files",
    "UPLOADS",
]
