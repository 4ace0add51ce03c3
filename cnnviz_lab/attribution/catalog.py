"""The package's attribution methods, one registry line each (see :mod:`.registry`).

The order is the order the notebooks teach them; the evaluation roster
(:func:`cnnviz_lab.course_methods`) is the entries with ``course=True``, in this order.
A new method: write the function, then add its line here.
"""

from __future__ import annotations

from .ablation import ablationcam
from .backprop import deconvnet
from .cam import cam, gradcam, gradcam_pp, layercam, scorecam
from .cam_variants import eigencam, hirescam, xgradcam
from .gradients import guided_backprop, input_x_gradient, integrated_gradients, saliency
from .guided_gradcam import guided_gradcam
from .deeplift import deeplift, deeplift_shap
from .lime import lime
from .lrp import lrp
from .occlusion import occlusion
from .registry import register
from .rise import rise
from .shap import gradient_shap
from .rollout import attention_rollout
from .smoothgrad import smoothgrad

register("saliency", saliency, label="Saliency", aliases=("vanilla", "gradient"), course=True)
register("deconvnet", deconvnet, label="Deconvnet", aliases=("deconv", "deconvolution"), course=True)
register("guided_backprop", guided_backprop, label="Guided backprop", aliases=("guided",), course=True)
register("input_x_gradient", input_x_gradient, label="Input x gradient", aliases=("input x grad",))
register("smoothgrad", smoothgrad, label="SmoothGrad", wraps=True, full={"n": 50}, quick={"n": 4}, course=True)
register("integrated_gradients", integrated_gradients, label="Integrated Gradients", aliases=("ig",), full={"steps": 50}, quick={"steps": 8}, course=True)
register("cam", cam, label="CAM", family="cam", panels=False)
register("gradcam", gradcam, label="Grad-CAM", family="cam", course=True)
register("gradcam_pp", gradcam_pp, label="Grad-CAM++", family="cam", aliases=("gradcam++",), course=True)
register("layercam", layercam, label="LayerCAM", family="cam", course=True)
register("hirescam", hirescam, label="HiResCAM", family="cam", course=True)
register("xgradcam", xgradcam, label="XGrad-CAM", family="cam", course=True)
register("eigencam", eigencam, label="EigenCAM (class-agnostic)", family="cam", agnostic=True, course=True)
register("scorecam", scorecam, label="Score-CAM", family="cam", full={"max_channels": None}, quick={"max_channels": 16}, course=True)
register("ablationcam", ablationcam, label="Ablation-CAM", family="cam", course=True)
register("guided_gradcam", guided_gradcam, label="Guided Grad-CAM")
register("occlusion", occlusion, label="Occlusion", family="perturbation", full={"window": 32, "stride": 16, "fill": 0.0}, quick={"stride": 32}, course=True)
register("rise", rise, label="RISE", family="perturbation", full={"n": 500, "cells": 7, "prob": 0.5, "seed": 0}, quick={"n": 50, "cells": 4}, course=True)
register(
    "lime", lime, label="LIME", family="perturbation", full={"n": 500, "segments": "superpixels", "seed": 0}, quick={"n": 50, "segments": "grid"}, course=True
)
register("lrp", lrp, label="LRP", family="relevance", aliases=("layerwise relevance propagation",))
register("deeplift", deeplift, label="DeepLIFT", family="relevance", aliases=("deep lift",))
register("deeplift_shap", deeplift_shap, label="DeepLIFT-SHAP", family="relevance", aliases=("deep shap",))
register("gradient_shap", gradient_shap, label="GradientSHAP", family="relevance", aliases=("expected gradients",), full={"n": 50, "seed": 0}, quick={"n": 8})
register(
    "attention_rollout", attention_rollout, label="Attention rollout (class-agnostic)", family="attention", aliases=("rollout",), agnostic=True, panels=False
)
