"""Peak memory of SmoothGrad and Score-CAM per model and batch size, and the batch size a
15 GB Colab T4 can take.

For each model (VGG16, ResNet-50, Inception-v3, EfficientNet-Lite0; random init is enough
for memory, at 224 px) and each batch size B: the peak memory of one SmoothGrad batch
(``n=B`` noisy samples, ``batch_size=B``: one forward + one backward of B images) and of
one Score-CAM batch (``max_channels=B``, ``batch_size=B``: one forward of B masked images,
no autograd). On the CPU the figure is the rise of the process RSS above its level before
the call (benchmarks/common.py ``peak_memory``, glibc's mmap threshold fixed so freed
tensors leave the RSS); on CUDA ``max_memory_allocated``.

Activation memory grows linearly with B, so a least-squares line ``a + b*B`` through the
points gives the memory per image ``b``. The T4 estimate: of 15 GiB, 1 GiB goes to the CUDA
context and cuDNN workspaces and a quarter of the rest is kept free for the allocator's
caching and fragmentation; the weights are subtracted; the safe batch is the largest power
of two with ``a + b*B`` under what is left. CPU and GPU activations are the same float32
tensors, so the CPU slope is a fair stand-in where no GPU is at hand.

Usage: python benchmarks/bench_memory.py [--batches 1 2 4 8] [--size 224] [--models ...] [--device cpu]
"""

from __future__ import annotations

import argparse
import math
import time

import torch

import cnnviz_lab as cv
from common import fresh_malloc, peak_memory

T4_GIB = 15.0
RESERVED_GIB = 1.0
HEADROOM = 0.75


def _fit(xs: list[int], ys: list[float]) -> tuple[float, float]:
    """Least-squares intercept and slope of ys against xs."""
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    var = sum((x - mx) ** 2 for x in xs)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / var if var else 0.0
    return my - slope * mx, slope


def t4_safe_batch(intercept: float, per_image: float, weights_mib: float) -> int:
    """The largest power of two B with ``intercept + per_image * B`` within a T4's budget."""
    budget = HEADROOM * (T4_GIB - RESERVED_GIB) * 1024 - weights_mib
    if per_image <= 0:
        return 1024
    b = max(1, int((budget - max(intercept, 0.0)) / per_image))
    return 2 ** int(math.log2(b))


def measure(name: str, batches: list[int], size: int, device: torch.device) -> None:
    weights = None if name != "efficientnet_lite0" else "DEFAULT"
    clf = cv.load_model(name, weights=weights, device=device)
    weights_mib = sum(p.numel() * p.element_size() for p in clf.model.parameters()) / 2**20
    x = torch.randn(1, 3, size, size, device=device)
    runs = {
        "SmoothGrad": lambda b: cv.smoothgrad(clf, x, 0, n=b, batch_size=b, seed=0, progress=False),
        "Score-CAM": lambda b: cv.scorecam(clf, x, 0, batch_size=b, max_channels=b, progress=False),
    }
    for run in runs.values():  # warm-up: thread pools, oneDNN primitives, allocator
        run(1)
    table: dict[str, list[float]] = {k: [] for k in runs}
    start = time.perf_counter()
    for b in batches:
        for method, run in runs.items():
            table[method].append(peak_memory(lambda: run(b), device))
    seconds = time.perf_counter() - start
    print(f"\n{name} at {size} px on {device}: weights {weights_mib:.0f} MiB ({seconds:.0f} s)")
    print("| batch | " + " | ".join(f"{m} peak MiB" for m in runs) + " |")
    print("|---|" + "---|" * len(runs))
    for i, b in enumerate(batches):
        print(f"| {b} | " + " | ".join(f"{table[m][i]:.0f}" for m in runs) + " |")
    for method in runs:
        a, slope = _fit(batches, table[method])
        print(f"{method}: {slope:.0f} MiB per image ({a:+.0f} MiB); a 15 GB T4 stays safe up to batch_size={t4_safe_batch(a, slope, weights_mib)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 2, 4, 8])
    parser.add_argument("--size", type=int, default=224)
    parser.add_argument("--models", nargs="+", default=["vgg16", "resnet50", "inception_v3", "efficientnet_lite0"])
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    device = cv.resolve_device(args.device)
    print(
        f"Peak memory of one SmoothGrad batch (forward + backward of B noisy images) and one "
        f"Score-CAM batch (forward of B masked images), torch {torch.__version__}, "
        f"{torch.get_num_threads()} threads"
    )
    for name in args.models:
        measure(name, args.batches, args.size, device)


if __name__ == "__main__":
    fresh_malloc()
    main()
