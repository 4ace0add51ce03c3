"""The package's attribution methods, one registry line each (see :mod:`.registry`).

The order is the order the notebooks teach them; the evaluation roster
(:func:`cnnviz_lab.course_methods`) is the entries with ``course=True``, in this order.
A new method: write the function, then add its line here.
"""

from __future__ import annotations

from .cam import cam, gradcam, gradcam_pp, layercam, scorecam
from .gradients import guided_backprop, input_x_gradient, integrated_gradients, saliency
from .guided_gradcam import guided_gradcam
from .occlusion import occlusion
from .registry import register
from .smoothgrad import smoothgrad

register("saliency", saliency, label="Saliency", aliases=("vanilla", "gradient"), course=True)
register("guided_backprop", guided_backprop, label="Guided backprop", aliases=("guided",), course=True)
register("input_x_gradient", input_x_gradient, label="Input x gradient", aliases=("input x grad",))
register("smoothgrad", smoothgrad, label="SmoothGrad", wraps=True, full={"n": 50}, quick={"n": 4},
         course=True)
register("integrated_gradients", integrated_gradients, label="Integrated Gradients", aliases=("ig",),
         full={"steps": 50}, quick={"steps": 8}, course=True)
register("cam", cam, label="CAM", family="cam", panels=False)
register("gradcam", gradcam, label="Grad-CAM", family="cam", course=True)
register("gradcam_pp", gradcam_pp, label="Grad-CAM++", family="cam", aliases=("gradcam++",), course=True)
register("layercam", layercam, label="LayerCAM", family="cam", course=True)
register("scorecam", scorecam, label="Score-CAM", family="cam", full={"max_channels": None},
         quick={"max_channels": 16}, course=True)
register("guided_gradcam", guided_gradcam, label="Guided Grad-CAM")
register("occlusion", occlusion, label="Occlusion", family="perturbation",
         full={"window": 32, "stride": 16, "fill": 0.0}, quick={"stride": 32}, course=True)
