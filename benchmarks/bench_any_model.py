"""Any model a practitioner brings: memory stays flat over repeated calls, and callable
targets cost no extra forward pass.

1. Memory over a loop: each method explains 100 images one at a time (ResNet-18, random
   weights, 112 px, CPU), with a class target and with the same score as a callable
   (saliency, Grad-CAM, occlusion, LRP). After every call the process RSS is read (psutil; glibc's mmap
   threshold fixed, benchmarks/common.py ``fresh_malloc``, so freed tensors leave the RSS).
   Printed: RSS after call 1, 10, 50 and 100, the growth from call 10 to call 100, the peak,
   and the hooks left on the model (must be 0). Growth from hooks, autograd graphs or caches
   kept between calls would show as a steady rise.
2. Forward passes per call: a counter on the model's ``forward`` (a hook of this script)
   counts the passes each method runs with a class target and with the equivalent callable
   target (``lambda z: z[:, c]``) and with a ready-made one (``cv.targets.probability``); the
   callable costs no extra pass (LRP and DeepLIFT read the objective's gradient at the output
   by autograd through the callable alone). Timings are the median of 3 calls.

Usage: python benchmarks/bench_any_model.py [--calls 100] [--size 112] [--section 1|2] [--only WORD ...]
(``--only``: the rows whose name contains one of the words; ``--section``: one part only.)
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time

import psutil
import torch
import torchvision

import cnnviz_lab as cv
from common import fresh_malloc


def rss_mib() -> float:
    return psutil.Process().memory_info().rss / 2**20


def memory_loop(model, images: torch.Tensor, name: str, fn) -> None:
    readings = []
    for i in range(len(images)):
        fn(model, images[i : i + 1])
        gc.collect()
        readings.append(rss_mib())
    growth = readings[-1] - readings[min(9, len(readings) - 1)]
    print(
        f"{name:<28} RSS MiB after call 1 {readings[0]:7.1f} | 10 {readings[min(9, len(readings) - 1)]:7.1f} | "
        f"50 {readings[min(49, len(readings) - 1)]:7.1f} | {len(readings)} {readings[-1]:7.1f} | growth 10->"
        f"{len(readings)}: {growth:+6.1f} | peak {max(readings):7.1f} | hooks left {cv.hook_count(model)}"
    )


class Counter:
    def __init__(self, model: torch.nn.Module) -> None:
        self.calls = 0
        self.handle = model.register_forward_pre_hook(self.count)

    def count(self, _m, args):
        self.calls += 1

    def close(self) -> None:
        self.handle.remove()


def forwards(model, x, name: str, fn, targets: dict) -> None:
    row = []
    for label, target in targets.items():
        counter = Counter(model)
        try:
            fn(model, x, target)
            passes = counter.calls
        finally:
            counter.close()
        times = []
        for _ in range(3):
            t = time.perf_counter()
            fn(model, x, target)
            times.append(time.perf_counter() - t)
        row.append(f"{label}: {passes} passes, {1000 * statistics.median(times):6.1f} ms")
    print(f"{name:<24} " + " | ".join(row))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=100)
    parser.add_argument("--size", type=int, default=112)
    parser.add_argument("--section", type=int, choices=(1, 2), default=None)
    parser.add_argument("--only", nargs="+", default=None)
    args = parser.parse_args()

    def chosen(table: dict) -> dict:
        return {k: v for k, v in table.items() if args.only is None or any(w in k for w in args.only)}

    fresh_malloc()
    torch.manual_seed(0)
    model = torchvision.models.resnet18(weights=None).eval()
    images = torch.randn(args.calls, 3, args.size, args.size)
    print(f"torch {torch.__version__}, ResNet-18 (random weights), {args.size} px, CPU, {torch.get_num_threads()} threads; RSS before: {rss_mib():.1f} MiB")
    methods = {
        "saliency": lambda m, x: cv.saliency(m, x, 3),
        "saliency, callable target": lambda m, x: cv.saliency(m, x, lambda z: z[:, 3]),
        "gradcam": lambda m, x: cv.gradcam(m, x, 3),
        "gradcam, callable target": lambda m, x: cv.gradcam(m, x, lambda z: z[:, 3]),
        "occlusion (window 56)": lambda m, x: cv.occlusion(m, x, 3, window=56, stride=56, output="logit"),
        "occlusion, callable target": lambda m, x: cv.occlusion(m, x, lambda z: z[:, 3], window=56, stride=56),
        "lrp": lambda m, x: cv.lrp(m, x, 3),
        "lrp, callable target": lambda m, x: cv.lrp(m, x, lambda z: z[:, 3]),
    }
    if args.section in (None, 1):
        print(f"\n1. Memory over {args.calls} calls, one image each")
        for name, fn in chosen(methods).items():
            memory_loop(model, images, name, fn)
    if args.section == 1:
        return
    print("\n2. Forward passes per call (one image): class target vs callable vs ready-made")
    x = images[:1]
    targets = {"class 3": 3, "lambda z: z[:, 3]": lambda z: z[:, 3], "probability(3)": cv.targets.probability(3)}
    calls = {
        "saliency": lambda m, x, t: cv.saliency(m, x, t),
        "gradcam": lambda m, x, t: cv.gradcam(m, x, t),
        "smoothgrad (n=4)": lambda m, x, t: cv.smoothgrad(m, x, t, n=4, seed=0, batch_size=4),
        "occlusion (window 56)": lambda m, x, t: cv.occlusion(
            m, x, t, window=56, stride=56, batch_size=4, **({"output": "logit"} if isinstance(t, int) else {})
        ),
        "rise (n=8)": lambda m, x, t: cv.rise(m, x, t, n=8, seed=0, batch_size=8, **({"output": "logit"} if isinstance(t, int) else {})),
        "lrp": lambda m, x, t: cv.lrp(m, x, t),
        "deeplift": lambda m, x, t: cv.deeplift(m, x, t),
    }
    for name, fn in chosen(calls).items():
        forwards(model, x, name, fn, targets)


if __name__ == "__main__":
    main()
