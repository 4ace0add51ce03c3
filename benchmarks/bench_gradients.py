"""Speed of the gradient attributions against the work they cannot avoid.

1. SmoothGrad with 16 samples (ResNet-50, random init, 224 px) against one batched
   forward + backward over the same 16 noisy images done by hand (the least any SmoothGrad
   can do): the ratio should be <= 1.0x, i.e. no overhead. Guided SmoothGrad is shown too
   (its TorchFunctionMode adds a little Python per ReLU call).
2. K = 5 target classes in one call (one forward, one batched backward) against 5 separate
   saliency calls.

Usage: python benchmarks/bench_gradients.py [--size 224] [--samples 16] [--repeat 3] [--device auto]
Prints a small table of median seconds and ratios.
"""

from __future__ import annotations

import argparse

import torch
import torchvision

import cnnviz_lab as cv
from common import timed_many  # benchmarks/common.py: interleaved rounds, median, CUDA sync


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=224)
    parser.add_argument("--samples", type=int, default=16)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--device", default="auto")
    args = parser.parse_args()
    device = cv.resolve_device(args.device)
    torch.manual_seed(0)
    model = torchvision.models.resnet50(weights=None).to(device).eval()
    for p in model.parameters():  # the hand-written baseline needs no weight gradients either
        p.requires_grad_(False)
    x = torch.randn(1, 3, args.size, args.size, device=device)
    target, n = 7, args.samples
    noisy = x + 0.15 * (x.max() - x.min()) * torch.randn((n,) + tuple(x.shape[1:]), device=device)

    def baseline():
        xs = noisy.detach().requires_grad_(True)
        (g,) = torch.autograd.grad(model(xs)[:, target].sum(), xs)
        return g.mean(0, keepdim=True)

    names = [f"one batched forward+backward, {n} samples (baseline)", f"smoothgrad(n={n}, batch_size={n})", f"smoothgrad(method=guided_backprop, n={n})"]
    secs = timed_many(
        dict(
            zip(
                names,
                [
                    baseline,
                    lambda: cv.smoothgrad(model, x, target, n=n, batch_size=n, seed=0),
                    lambda: cv.smoothgrad(model, x, target, method=cv.guided_backprop, n=n, batch_size=n, seed=0),
                ],
            )
        ),
        device,
        args.repeat,
    )
    rows = list(secs.items())
    base = rows[0][1]
    print(f"device: {device}, ResNet-50 (random init), {args.size} px, median of {args.repeat}")
    print(f"{'work':58s} {'seconds':>8s} {'ratio':>7s}")
    for name, sec in rows:
        print(f"{name:58s} {sec:8.3f} {sec / base:6.2f}x")

    k = 5
    targets = torch.arange(k, device=device).view(1, k)
    one, sep = timed_many(
        {"one": lambda: cv.saliency(model, x, targets), "separate": lambda: [cv.saliency(model, x, int(t)) for t in targets[0]]}, device, args.repeat
    ).values()
    print()
    print(f"{'K=%d targets, one call (batched backward)' % k:58s} {one:8.3f} {one / sep:6.2f}x")
    print(f"{'K=%d targets, %d separate saliency calls' % (k, k):58s} {sep:8.3f} {1.0:6.2f}x")


if __name__ == "__main__":
    main()
