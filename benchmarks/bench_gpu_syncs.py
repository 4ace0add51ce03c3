"""Where a method waits for the GPU: the host-device synchronisations of one call on CUDA.

A synchronisation (``.item()``, ``.tolist()``, a data-dependent shape, a copy to the CPU)
stops the CPU until the GPU has finished everything queued, so the CPU cannot queue the next
kernels while the GPU works: at small batches a call then takes the CPU's launch time plus the
GPU's compute time instead of the larger of the two. This script counts them with
``torch.cuda.set_sync_debug_mode("warn")`` (each synchronising operation warns, naming the
Python line that asked for it), prints the count and the lines per method, and times the call
against its pure-PyTorch floor (the same forward and backward with no checks, hooks or rules).

    python benchmarks/bench_gpu_syncs.py [--size 224] [--batch 4] [--repeat 5]

Needs a CUDA device; on a machine without one it says so and exits.
"""

from __future__ import annotations

import argparse
import collections
import os
import sys
import time
import traceback
import warnings

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cnnviz_lab as cv  # noqa: E402


def floor(net: torch.nn.Module, x: torch.Tensor, t: torch.Tensor, copies: int = 1) -> torch.Tensor:
    """The pure-PyTorch cost: one forward and one backward to the input of ``copies`` x the batch."""
    xin = x.repeat(copies, 1, 1, 1).requires_grad_(True)
    out = net(xin)
    return torch.autograd.grad(out.gather(1, t.repeat(copies)[:, None]).sum(), xin)[0]


def timed(fn, repeat: int) -> float:
    fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2]


def syncs(fn) -> collections.Counter:
    """The synchronising operations of one call of ``fn``, by the innermost ``cnnviz_lab`` line
    that led to each (the innermost Python line where none did)."""
    fn()
    torch.cuda.synchronize()
    pkg = os.path.dirname(os.path.abspath(cv.__file__))
    found: collections.Counter = collections.Counter()

    def note(message, category, filename, lineno, file=None, line=None):
        if "synchroniz" not in str(message):
            return
        frames = [f for f in traceback.extract_stack() if os.path.abspath(f.filename).startswith(pkg)]
        f = frames[-1] if frames else traceback.extract_stack()[-2]
        found[f"{os.path.relpath(f.filename, os.path.dirname(pkg))}:{f.lineno}"] += 1

    shown = warnings.showwarning
    torch.cuda.set_sync_debug_mode("warn")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("always")
            warnings.showwarning = note
            fn()
    finally:
        torch.cuda.set_sync_debug_mode("default")
        warnings.showwarning = shown
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=224)
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if not torch.cuda.is_available():
        print("no CUDA device: nothing to measure")
        return
    torch.manual_seed(0)
    clf = cv.load_model("resnet50", weights=None, device="cuda")
    net = clf.model
    x = torch.randn(args.batch, 3, args.size, args.size, device="cuda")
    t = cv.topk_targets(clf, x, 1)[:, 0]
    x1, t1 = x[:1], t[:1]
    calls = {
        "saliency": (lambda: cv.saliency(clf, x, t), lambda: floor(net, x, t)),
        "guided_backprop": (lambda: cv.guided_backprop(clf, x, t), lambda: floor(net, x, t)),
        "smoothgrad n=16": (lambda: cv.smoothgrad(clf, x1, t1, n=16, batch_size=16, seed=0, progress=False), lambda: floor(net, x1, t1, 16)),
        "integrated_gradients 16": (lambda: cv.integrated_gradients(clf, x1, t1, steps=16, batch_size=16, progress=False), lambda: floor(net, x1, t1, 16)),
        "gradcam": (lambda: cv.gradcam(clf, x, t), lambda: floor(net, x, t)),
        "lrp": (lambda: cv.lrp(clf, x, t), lambda: floor(net, x, t)),
        "deeplift": (lambda: cv.deeplift(clf, x, t), lambda: floor(net, x, t, 2)),
    }
    print(f"{torch.cuda.get_device_name(0)}, torch {torch.__version__}, resnet50 (random) {args.size}px, batch {args.batch}")
    print("| method | syncs per call | ours | floor | ours/floor |")
    print("|---|---|---|---|---|")
    for name, (ours, base) in calls.items():
        try:
            found = syncs(ours)
            a, b = timed(ours, args.repeat), timed(base, args.repeat)
        except Exception as error:  # one method's failure does not hide the others' figures
            print(f"| {name} | failed: {type(error).__name__}: {str(error)[:120]} | | | |", flush=True)
            continue
        print(f"| {name} | {sum(found.values())} | {a * 1e3:.1f} ms | {b * 1e3:.1f} ms | {a / b:.2f} |", flush=True)
        print(f"<!-- {name} syncs at: " + ", ".join(f"{k} x{v}" for k, v in found.most_common(12)) + " -->", flush=True)


if __name__ == "__main__":
    main()
