"""Occlusion against Captum's ``Occlusion`` at its best ``perturbations_per_eval``.

Speed (random-init ResNet-50, one image, window 32 / stride 16, fill 0, logit drop): Captum
is run with several ``perturbations_per_eval`` values once, the fastest is kept, and then
it and ``cv.occlusion`` (its default batch size) are timed in interleaved
rounds. Agreement (EfficientNet-Lite0, real weights, 2 sample images at 128 px, where the
windows tile the image exactly as Captum's strides do): ``output="logit"``, the mean logit
drop over the windows covering each pixel, is what Captum's Occlusion computes.

    python benchmarks/compare_occlusion.py [--size 128] [--repeat 3] [--device auto] [--json]
"""

from __future__ import annotations

import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cnnviz_lab as cv  # noqa: E402
from common import Row, agreement, gpu_or, peak_memory, run_comparison, timed, timed_many  # noqa: E402


def _captum(net, x, target, window, stride, ppe):
    from captum.attr import Occlusion

    return Occlusion(net).attribute(
        x.clone(), target=target, sliding_window_shapes=(3, window, window), strides=(3, stride, stride), baselines=0.0, perturbations_per_eval=ppe
    )


def rows_for(device: torch.device, size: int, repeat: int, window: int = 32, stride: int = 16) -> list[Row]:
    torch.manual_seed(0)
    clf = cv.load_model("resnet50", weights=None, device=device)
    net = clf.model
    x = torch.randn(1, 3, size, size, device=device)
    t = cv.topk_targets(clf, x, 1)[:, 0].tolist()
    windows = len(cv.window_starts(size, window, stride)) ** 2
    tried = {ppe: timed(lambda ppe=ppe: _captum(net, x, t, window, stride, ppe), device, 1, warmup=0) for ppe in (16, windows)}
    best = min(tried, key=tried.get)
    times = timed_many(
        {
            "ours": lambda: cv.occlusion(clf, x, t, window=window, stride=stride, output="logit", progress=False),
            "peer": lambda: _captum(net, x, t, window, stride, best),
        },
        device,
        repeat,
    )
    mem = peak_memory(lambda: cv.occlusion(clf, x, t, window=window, stride=stride, output="logit", progress=False), device)
    rows = [
        Row(
            "occlusion",
            f"occlusion ({windows} windows of {window}px, stride {stride})",
            f"resnet50 (random) {size}px",
            "1 image, top-1",
            times["ours"],
            f"Captum Occlusion, perturbations_per_eval={best}",
            times["peer"],
            f"{mem:.0f} MiB",
            notes="Captum one-run times by perturbations_per_eval: " + ", ".join(f"{k}: {v:.2f} s" for k, v in tried.items()),
            device=device.type,
        )
    ]
    lite = cv.load_model(device=device)
    imgs = lite.preprocess([cv.sample_image("cat"), cv.sample_image("drums_and_guitar")], size=128)
    tl = cv.topk_targets(lite, imgs, 1)[:, 0].tolist()
    ours = cv.occlusion(lite, imgs, tl, window=32, stride=16, output="logit", progress=False)
    theirs = _captum(lite.model, imgs, tl, 32, 16, 49).mean(dim=1)  # Captum gives each channel the same map
    rows.append(
        Row(
            "occlusion",
            "occlusion (49 windows of 32px, stride 16)",
            "efficientnet_lite0 (ImageNet) 128px",
            "2 sample images, top-1",
            peer="Captum Occlusion",
            agreement=agreement(ours, theirs),
            notes=f"max abs difference {(ours - theirs.to(ours)).abs().max().item():.2e}",
            device=device.type,
        )
    )
    return rows


def main() -> None:
    run_comparison(__doc__, "occlusion", lambda dev, a: rows_for(dev, gpu_or(a, dev), a.repeat), size=128)


if __name__ == "__main__":
    main()
