"""Occlusion speed: 169 windows (window 32, stride 16 at 224 px) on ResNet-50.

Prints three timings and their ratios:

- ``cnnviz``: ``cv.occlusion`` (every occluded copy built on the device, batched forwards);
- ``floor``: 170 images (169 occluded + the original) forwarded in batches of the same
  size, nothing else: the cost of the forward passes themselves;
- ``one-at-a-time``: the seed's loop, one occluded image per forward pass.

The target: ``cnnviz / floor`` close to 1, i.e. occlusion costs 170 batched forwards.
Random weights are fine for timing (``weights=None``: nothing is downloaded). Optionally,
if Captum is installed (``pip install -e .[bench]``), its ``Occlusion`` with the same
windows and ``perturbations_per_eval`` equal to the batch size.

    python benchmarks/bench_occlusion.py [--model resnet50] [--size 224] [--batch-size 16]
                                         [--device auto] [--repeat 1]
"""

from __future__ import annotations

import argparse
import time

import torch

import cnnviz_lab as cv


def timed(fn, repeat: int, device: torch.device) -> float:
    """Best wall-clock seconds of ``repeat`` runs (after synchronising CUDA)."""
    best = float("inf")
    for _ in range(repeat):
        if device.type == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        fn()
        if device.type == "cuda":
            torch.cuda.synchronize()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="resnet50")
    parser.add_argument("--size", type=int, default=224)
    parser.add_argument("--window", type=int, default=32)
    parser.add_argument("--stride", type=int, default=16)
    parser.add_argument("--batch-size", type=int, default=None, help="default: cnnviz_lab.core.defaults.batch_size")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--skip-loop", action="store_true", help="skip the one-at-a-time loop")
    args = parser.parse_args()

    clf = cv.load_model(args.model, weights=None, device=args.device)
    dev = clf.device
    model = clf.model
    torch.manual_seed(0)
    x = torch.randn(1, 3, args.size, args.size, device=dev)
    args.batch_size = cv.core.defaults.batch_size(args.batch_size, model, x)
    n_pos = len(cv.window_starts(args.size, args.window, args.stride)) ** 2
    print(
        f"{args.model} at {args.size} px on {dev} ({torch.get_num_threads()} CPU threads): "
        f"{n_pos} windows ({args.window} px, stride {args.stride}), batch size {args.batch_size}",
        flush=True,
    )

    with torch.no_grad():  # warm-up (allocator, cuDNN autotuning)
        model(x.expand(min(args.batch_size, n_pos + 1), -1, -1, -1).contiguous())

    def ours():
        cv.occlusion(clf, x, window=args.window, stride=args.stride, batch_size=args.batch_size, progress=False)

    def floor():
        with torch.no_grad():
            batch = x.expand(n_pos + 1, -1, -1, -1).contiguous()
            for s in range(0, n_pos + 1, args.batch_size):
                model(batch[s : s + args.batch_size]).softmax(1)

    def one_at_a_time():
        ys = cv.window_starts(args.size, args.window, args.stride)
        with torch.no_grad():
            base = model(x).softmax(1)
            cls = int(base.argmax())
            for y in ys:
                for xx in ys:
                    occ = x.clone()
                    occ[:, :, y : y + args.window, xx : xx + args.window] = 0.0
                    model(occ).softmax(1)[0, cls].item()

    runs = [("cnnviz occlusion", ours), (f"floor: {n_pos + 1} images, batched", floor)]
    if not args.skip_loop:
        runs.append(("one window at a time", one_at_a_time))
    try:
        from captum.attr import Occlusion

        def captum_run():
            Occlusion(model).attribute(
                x,
                target=int(model(x).argmax()),
                sliding_window_shapes=(3, args.window, args.window),
                strides=(3, args.stride, args.stride),
                baselines=0.0,
                perturbations_per_eval=args.batch_size,
            )

        runs.append(("captum Occlusion", captum_run))
    except ImportError:
        print("(captum not installed: pip install -e .[bench] to compare)")
    # Interleaved rounds, best of each: a shared machine's load hits every method alike.
    best = {name: float("inf") for name, _ in runs}
    for _ in range(args.repeat):
        for name, fn in runs:
            sec = timed(fn, 1, dev)
            best[name] = min(best[name], sec)
            print(f"    ({name}: {sec:.3f} s)", flush=True)
    rows = list(best.items())
    ours_s = rows[0][1]
    floor_s = rows[1][1]
    for name, sec in rows:
        print(f"  {name:34s} {sec:8.3f} s   {sec / floor_s:5.2f} x floor   {sec / ours_s:5.2f} x cnnviz")
    print(f"cnnviz / floor = {ours_s / floor_s:.2f} (target: about 1)")
    if not args.skip_loop:
        print(f"one-at-a-time / cnnviz = {rows[2][1] / ours_s:.2f} (speed-up of batching)")


if __name__ == "__main__":
    main()
