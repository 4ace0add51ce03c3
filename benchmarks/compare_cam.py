"""The CAM family against Captum (LayerGradCam) and pytorch-grad-cam (GradCAM, GradCAMPlusPlus,
LayerCAM, ScoreCAM): speed, peak memory, agreement.

Speed (random-init ResNet-50, ``layer4``): Grad-CAM of the top-5 classes of 4 images. Ours
is one call with a ``(4, 5)`` target (one forward, one batched backward that stops at
``layer4``). Captum and pytorch-grad-cam explain one class per image and call, so they get
the batch repeated 5 times (20 images) with the 20 targets in one call, their fastest way
to do the same work. The floor is one forward pass plus one batched backward to the layer
done by hand. Score-CAM (no gradient, one forward per channel) runs on ResNet-18 ``layer3``
(256 channels), one image, and our peak memory is shown at two batch sizes.

Agreement (EfficientNet-Lite0 with its real weights, offline; 4 sample images, top-1
targets, its CAM layer): per-image Pearson/Spearman of our map with the peer's, averaged
over the images (pytorch-grad-cam min-max normalises each map, which correlation ignores).

    python benchmarks/compare_cam.py [--size 224] [--repeat 3] [--device auto] [--json]
"""

from __future__ import annotations

import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cnnviz_lab as cv  # noqa: E402
from cnnviz_lab.attribution.common import frozen  # noqa: E402
from common import (
    Row,
    gpu_or,
    peak_memory,
    pearson,
    run_comparison,
    sample_batch,
    spearman,
    timed_many,  # noqa: E402
    timed_pair,
)

SAMPLES = ["cat", "coffee", "drums_and_guitar", "astronaut"]


def per_image(a, b) -> str:
    a = torch.as_tensor(np.asarray(a.detach().cpu() if isinstance(a, torch.Tensor) else a)).float()
    b = torch.as_tensor(np.asarray(b.detach().cpu() if isinstance(b, torch.Tensor) else b)).float()
    r = np.nanmean([pearson(a[i], b[i]) for i in range(len(a))])
    s = np.nanmean([spearman(a[i], b[i]) for i in range(len(a))])
    return f"r={r:.3f}, rho={s:.3f}"


def _targets_list(t: torch.Tensor):
    from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget

    return [ClassifierOutputTarget(int(c)) for c in t.reshape(-1)]


def speed_rows(device: torch.device, size: int, repeat: int) -> list[Row]:
    from captum.attr import LayerGradCam
    from pytorch_grad_cam import GradCAM

    torch.manual_seed(0)
    clf = cv.load_model("resnet50", weights=None, device=device)
    net, layer = clf.model, "layer4"
    mod = net.get_submodule(layer)
    x = torch.randn(4, 3, size, size, device=device)
    top5 = cv.topk_targets(clf, x, 5)  # (4,5)
    rep_x = x.repeat(5, 1, 1, 1)  # image i of copy j ...
    rep_t = top5.t().reshape(-1)  # ... gets class top5[i, j]
    rows = []
    model = f"resnet50 (random) {size}px"

    def floor():
        with frozen(net), cv.capture(net, layer, gradients=True) as cap:
            logits = net(x)
            onehot = torch.zeros(5, *logits.shape, device=logits.device)
            onehot.scatter_(2, top5.t().unsqueeze(2), 1.0)
            torch.autograd.grad(logits, cap[layer], onehot, is_grads_batched=True)

    def theirs():
        with GradCAM(net, [mod]) as cam:
            cam(rep_x, targets=_targets_list(rep_t))

    t = timed_many(
        {
            "ours": lambda: cv.gradcam(clf, x, top5, layer=layer),
            "floor": floor,
            "captum": lambda: LayerGradCam(net, mod).attribute(rep_x, target=rep_t.tolist(), relu_attributions=True),
            "gradcam": theirs,
        },
        device,
        repeat,
    )
    mem = peak_memory(lambda: cv.gradcam(clf, x, top5, layer=layer), device)
    ours_s = t["ours"]
    rows.append(
        Row(
            "cam",
            "Grad-CAM top-5",
            model,
            "4 images x 5 classes",
            ours_s,
            "Captum LayerGradCam (batch repeated 5x, 20 images)",
            t["captum"],
            f"{mem:.0f} MiB",
            notes=f"floor (1 fwd + 1 batched bwd to layer4) {t['floor']:.3f} s; ours/floor "
            f"{ours_s / t['floor']:.2f} (target <= 1.5); Captum/ours "
            f"{t['captum'] / ours_s:.2f} (target >= 2)",
            device=device.type,
        )
    )
    rows.append(
        Row(
            "cam",
            "Grad-CAM top-5",
            model,
            "4 images x 5 classes",
            ours_s,
            "pytorch-grad-cam GradCAM (batch repeated 5x)",
            t["gradcam"],
            notes="the peer back-propagates to every weight (fills parameter .grad) and "
            "returns min-max normalised numpy; Grad-CAM++/LayerCAM cost the same "
            "passes on both sides (not timed, to keep make bench short)",
            device=device.type,
        )
    )
    return rows


def scorecam_rows(device: torch.device, size: int, repeat: int) -> list[Row]:
    from pytorch_grad_cam import ScoreCAM

    torch.manual_seed(0)
    clf = cv.load_model("resnet18", weights=None, device=device)
    net, layer = clf.model, "layer3"
    mod = net.get_submodule(layer)
    x = torch.randn(1, 3, size, size, device=device)
    t = cv.topk_targets(clf, x, 1)[:, 0]
    channels = net.get_submodule(layer)[-1].conv2.out_channels

    def theirs():
        cam = ScoreCAM(net, [mod])
        cam.batch_size = 64
        with cam:
            return cam(x, targets=_targets_list(t))

    o, p = timed_pair(lambda: cv.scorecam(clf, x, t, layer=layer, batch_size=64, progress=False), theirs, device, 1)
    mems = {b: peak_memory(lambda b=b: cv.scorecam(clf, x, t, layer=layer, batch_size=b, progress=False), device) for b in (16, 64)}
    agree = per_image(cv.scorecam(clf, x, t, layer=layer, progress=False), theirs())
    return [
        Row(
            "cam",
            "Score-CAM",
            f"resnet18 (random) {size}px, layer3",
            f"1 image, {channels} masked forwards, batch_size 64",
            o,
            "pytorch-grad-cam ScoreCAM (batch_size 64)",
            p,
            f"{mems[16]:.0f} MiB @ bs 16, {mems[64]:.0f} MiB @ bs 64",
            agree,
            notes="the peer's weights are softmax over channels of the masked scores, not the paper's p_c(x*H_k) - p_c(baseline)",
            device=device.type,
        )
    ]


def agreement_rows(device: torch.device) -> list[Row]:
    from captum.attr import LayerAttribution, LayerGradCam
    from pytorch_grad_cam import GradCAM, GradCAMPlusPlus, LayerCAM

    clf, x, t, model = sample_batch(device, SAMPLES)
    net, layer = clf.model, clf.cam_layer
    mod = net.get_submodule(layer)
    rows = []
    ours = cv.gradcam(clf, x, t)
    cap = LayerGradCam(net, mod).attribute(x, target=t.tolist(), relu_attributions=True)
    cap = LayerAttribution.interpolate(cap, tuple(x.shape[-2:]), "bilinear")[:, 0]
    rows.append(
        Row(
            "cam",
            "Grad-CAM",
            model,
            "4 sample images, top-1",
            peer="Captum LayerGradCam",
            agreement=per_image(ours, cap),
            device=device.type,
            notes=f"max abs difference of the {tuple(ours.shape)} maps {(ours - cap.to(ours)).abs().max().item():.2e}",
        )
    )
    for name, fn, cls in (("Grad-CAM", cv.gradcam, GradCAM), ("Grad-CAM++", cv.gradcam_pp, GradCAMPlusPlus), ("LayerCAM", cv.layercam, LayerCAM)):
        mine = fn(clf, x, t)
        with cls(net, [mod]) as cam:
            theirs = cam(x, targets=_targets_list(t))
        rows.append(
            Row(
                "cam",
                name,
                model,
                "4 sample images, top-1",
                peer=f"pytorch-grad-cam {cls.__name__}",
                agreement=per_image(mine, theirs),
                device=device.type,
                notes="the peer resizes with OpenCV after normalising",
            )
        )
    return rows


def main() -> None:
    run_comparison(
        __doc__,
        "cam",
        lambda dev, a: (
            speed_rows(dev, gpu_or(a, dev), a.repeat) + scorecam_rows(dev, a.score_size if dev.type == "cpu" else 224, a.repeat) + agreement_rows(dev)
        ),
        size=224,
        options=lambda p: p.add_argument("--score-size", type=int, default=64),
    )


if __name__ == "__main__":
    main()
