"""The ``batch_size=None`` defaults (``cnnviz_lab.core.defaults.batch_size``) against the alternatives.

Every batching method of the package (occlusion, Score-CAM, deletion/insertion through the
perturb-and-score engine; SmoothGrad and Integrated Gradients with a backward pass) spends
its time in forward (or forward + backward) passes over batches of B images. This script
times exactly that: the seconds per image of one frozen pass over B copies of an image,
for several B, on:

- forward only: ResNet-50 at 224 and 112 px, EfficientNet-Lite0 at 224 px, VGG-16 at 224 px
  (138 M parameters: the "large model" case of the rule);
- forward + backward to the input: ResNet-50 and EfficientNet-Lite0 at 224 px;
- end to end: ``cv.occlusion`` on ResNet-50, 224 px, window 32, stride 16 (169 windows), at
  the default and at batch 64 (the old default).

Each row shows the default's time per image and its ratio to the fastest batch size
measured. Random weights (``weights=None``): nothing is downloaded. Medians of ``--repeat``
calls after one warm-up. On the CPU the figure is the process's CPU time per image with
``--threads`` intra-op threads (default 1): a batch size changes how well the activations
stay in the caches, which CPU time measures, while wall-clock time on a shared machine
mostly measures the other processes (with 2 threads and a loaded machine, small batches
look several times slower than they are, because one thread waits for the other). On a GPU
it is wall-clock time, synchronised.

    python benchmarks/bench_batch_size.py [--device cpu] [--threads 1] [--repeat 3] [--quick]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cnnviz_lab as cv  # noqa: E402
from cnnviz_lab.core import defaults  # noqa: E402
from cnnviz_lab.core.state import frozen  # noqa: E402
from common import sync  # noqa: E402

CASES = [  # (model, size, backward, batch sizes tried)
    ("resnet50", 224, False, [4, 8, 16, 32, 64]),
    ("resnet50", 112, False, [16, 32, 64, 128]),
    ("efficientnet_lite0", 224, False, [4, 8, 16, 32, 64]),
    ("vgg16", 224, False, [2, 4, 8, 16]),
    ("resnet50", 224, True, [2, 4, 8, 16, 32]),
    ("efficientnet_lite0", 224, True, [2, 4, 8, 16, 32]),
]
QUICK = [("resnet50", 224, False, [8, 16, 64]), ("resnet50", 224, True, [4, 8, 32])]


def per_image(model: torch.nn.Module, x: torch.Tensor, batch: int, backward: bool):
    """A function running one frozen pass over ``batch`` copies of ``x``."""
    xb = x.expand(batch, -1, -1, -1).contiguous()

    def run() -> None:
        with frozen(model):
            if backward:
                xg = xb.detach().requires_grad_(True)
                with torch.enable_grad():
                    torch.autograd.grad(model(xg).max(1).values.sum(), xg)
            else:
                with torch.no_grad():
                    model(xb)

    return run


def seconds(fns: dict, device: torch.device, repeat: int) -> dict:
    """Median seconds per call of each function, in interleaved rounds after one warm-up:
    CPU time of this process on the CPU, synchronised wall-clock time on a GPU."""
    clock = time.perf_counter if device.type == "cuda" else time.process_time
    for fn in fns.values():
        fn()
    times: dict = {k: [] for k in fns}
    for _ in range(max(1, repeat)):
        for key, fn in fns.items():
            sync(device)
            start = clock()
            fn()
            sync(device)
            times[key].append(clock() - start)
    return {k: statistics.median(v) for k, v in times.items()}


def case_row(name: str, size: int, backward: bool, batches: list[int], device: torch.device, repeat: int) -> None:
    torch.manual_seed(0)
    clf = cv.load_model(name, weights=None, device=device)
    x = torch.randn(1, 3, size, size, device=device)
    default = defaults.batch_size(None, clf.model, x, backward=backward)
    tried = sorted(set(batches) | {default})
    times = seconds({b: per_image(clf.model, x, b, backward) for b in tried}, device, repeat)
    per = {b: times[b] / b for b in tried}
    best = min(per, key=per.get)
    cells = "  ".join(f"{b}{'*' if b == default else ''}: {per[b] * 1000:6.1f}" for b in tried)
    kind = "fwd+bwd" if backward else "forward"
    print(f"{name:18s} {size:4d} px {kind:7s} | ms/image  {cells} | default {default}: {per[default] / per[best]:.2f}x the best ({best})", flush=True)


def occlusion_row(device: torch.device, repeat: int) -> None:
    torch.manual_seed(0)
    clf = cv.load_model("resnet50", weights=None, device=device)
    x = torch.randn(1, 3, 224, 224, device=device)
    default = defaults.batch_size(None, clf.model, x)
    run = {b: (lambda b=b: cv.occlusion(clf, x, 0, window=32, stride=16, batch_size=b, progress=False)) for b in sorted({default, 64})}
    times = seconds(run, device, repeat)
    print(
        f"cv.occlusion resnet50 224 px, 169 windows: default {default}: {times[default]:.2f} s, "
        f"batch 64: {times[64]:.2f} s ({times[64] / times[default]:.2f}x the default's time)",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1, help="intra-op CPU threads (torch.set_num_threads)")
    parser.add_argument("--quick", action="store_true", help="two cases and no end-to-end run")
    args = parser.parse_args()
    device = cv.resolve_device(args.device)
    torch.set_num_threads(args.threads)
    clock = "wall-clock" if device.type == "cuda" else "CPU time"
    print(f"device {device}, torch {torch.__version__}, {torch.get_num_threads()} threads, {clock}; * marks the default", flush=True)
    for case in QUICK if args.quick else CASES:
        case_row(*case, device, args.repeat)
    if not args.quick:
        occlusion_row(device, args.repeat)


if __name__ == "__main__":
    main()
