"""Grad-CAM for K classes per image: one forward + one batched backward, not K passes.

Workload (issue 4): ResNet-50 (random weights are fine for timing), 4 images at 224x224,
5 classes each (the top-5), layer ``layer4``, on the CPU. Prints a table of median times:

- floor: one forward pass with ``layer4`` captured plus one batched backward pass to
  ``layer4`` (``torch.autograd.grad(..., is_grads_batched=True)``), the least work any
  Grad-CAM of 5 classes needs;
- ``cv.gradcam`` with a ``(4, 5)`` target (target: within 1.5x of the floor);
- ``cv.gradcam`` called once per class, 5 times (what a one-class API costs).

Usage: ``python benchmarks/bench_cam.py [--repeat 5] [--images 4] [--classes 5] [--size 224]
[--model resnet50] [--device cpu]``. Figures depend on the machine and its load: report
them as measured.
"""

from __future__ import annotations

import argparse

import torch

import cnnviz_lab as cv
from common import timed  # benchmarks/common.py: warm-up, median, CUDA sync
from cnnviz_lab.attribution.common import frozen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="resnet50")
    parser.add_argument("--layer", default="layer4")
    parser.add_argument("--images", type=int, default=4)
    parser.add_argument("--classes", type=int, default=5)
    parser.add_argument("--size", type=int, default=224)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()

    torch.manual_seed(0)
    clf = cv.load_model(args.model, weights=None, device=args.device)
    net = clf.model
    x = torch.randn(args.images, 3, args.size, args.size, device=clf.device)
    targets = cv.topk_targets(clf, x, args.classes)

    def forward_only() -> None:
        with torch.no_grad():
            net(x)

    def floor() -> None:
        with frozen(net), cv.capture(net, args.layer, gradients=True) as cap:
            logits = net(x)
            onehot = torch.zeros(args.classes, *logits.shape, device=logits.device)
            onehot.scatter_(2, targets.t().unsqueeze(2), 1.0)
            torch.autograd.grad(logits, cap[args.layer], onehot, is_grads_batched=True)

    def batched() -> None:
        cv.gradcam(clf, x, targets, layer=args.layer)

    def one_by_one() -> None:
        for j in range(args.classes):
            cv.gradcam(clf, x, targets[:, j], layer=args.layer)

    # the two ways agree before we time them
    assert torch.allclose(cv.gradcam(clf, x, targets, layer=args.layer)[:, 1], cv.gradcam(clf, x, targets[:, 1], layer=args.layer), atol=1e-5)

    rows = [
        ("forward pass only (no grad)", timed(forward_only, args.device, args.repeat)),
        ("floor: forward + 1 batched backward to layer", timed(floor, args.device, args.repeat)),
        (f"cv.gradcam, ({args.images},{args.classes}) target", timed(batched, args.device, args.repeat)),
        (f"cv.gradcam one class at a time, x{args.classes}", timed(one_by_one, args.device, args.repeat)),
    ]
    base = rows[1][1]
    print(
        f"Grad-CAM: {args.model} ({'random' if clf.weights is None else clf.weights} weights), "
        f"{args.images} images {args.size}px, {args.classes} classes, layer {args.layer}, "
        f"{clf.device}, {torch.get_num_threads()} threads, median of {args.repeat}"
    )
    print(f"{'':46s} {'seconds':>8s} {'x floor':>8s}")
    for name, t in rows:
        print(f"{name:46s} {t:8.3f} {t / base:8.2f}")
    ratio = rows[2][1] / base
    print(f"\ncv.gradcam / floor = {ratio:.2f} (target <= 1.5: {'met' if ratio <= 1.5 else 'NOT met'})")
    print(f"one class at a time x{args.classes} / cv.gradcam = {rows[3][1] / rows[2][1]:.2f}x slower")
    print(f"hooks left: {cv.hook_count(net)}, parameter grads: {sum(p.grad is not None for p in net.parameters())}")


if __name__ == "__main__":
    main()
