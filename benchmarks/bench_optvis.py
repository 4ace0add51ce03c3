"""Speed of optimisation-based visualisation (prints a table; not a test).

1. ``maximize``: 16 channels rendered as one batch versus one at a time (channel-steps
   per second, and the ratio).
2. DeepDream: time per step at a shallow and at a deep layer versus one full forward +
   backward pass of the whole network on the same image: the forward pass stops at the
   deepest dreamed layer, so a shallow dream step costs a fraction of a full pass.

    python benchmarks/bench_optvis.py [--size 128] [--steps 10] [--device auto]

Timings depend on the machine and its load; report them with the machine they came from.
"""

from __future__ import annotations

import argparse
import time

import torch

import cnnviz_lab as cv


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


CLOCK = time.perf_counter


def timed(fn, device: torch.device, repeat: int = 1) -> float:
    """Best time of ``repeat`` runs of ``fn()`` in seconds (wall clock, or this process's
    CPU time with ``--clock cpu``: steadier on a machine shared with other jobs)."""
    best = float("inf")
    for _ in range(repeat):
        _sync(device)
        start = CLOCK()
        fn()
        _sync(device)
        best = min(best, CLOCK() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--channels", type=int, default=16)
    parser.add_argument("--layer", default="blocks.8")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--clock", choices=["wall", "cpu"], default="wall", help="wall time, or CPU time of this process (for busy CPU-only machines)")
    parser.add_argument("--only", choices=["maximize", "dream"], default=None, help="run one part only")
    args = parser.parse_args()
    global CLOCK
    CLOCK = time.process_time if args.clock == "cpu" else time.perf_counter
    clf = cv.load_model(device=args.device)
    print(f"device {clf.device}, threads {torch.get_num_threads()}, size {args.size}px, {args.steps} steps, {args.clock} clock\n")

    if args.only != "dream":
        bench_maximize(clf, args)
    if args.only != "maximize":
        bench_dream(clf, args)


def bench_maximize(clf: cv.Classifier, args: argparse.Namespace) -> None:
    dev, n, steps, size = clf.device, args.channels, args.steps, args.size
    kw = dict(size=size, steps=steps, seed=0, progress=False)
    cv.maximize(clf, f"{args.layer}:0", size=size, steps=2, seed=0, progress=False)  # warm-up
    t_batch = timed(lambda: cv.maximize(clf, f"{args.layer}:0-{n - 1}", **kw), dev, args.repeat)
    t_single = timed(lambda: [cv.maximize(clf, f"{args.layer}:{c}", **kw) for c in range(n)], dev, 1)
    print(f"maximize {n} channels of {args.layer}")
    print(f"  {'mode':<26}{'seconds':>10}{'channel-steps/s':>18}")
    print(f"  {'one batch of ' + str(n):<26}{t_batch:>10.2f}{n * steps / t_batch:>18.1f}")
    print(f"  {'one at a time':<26}{t_single:>10.2f}{n * steps / t_single:>18.1f}")
    print(f"  batched is {t_single / t_batch:.1f}x faster\n")


def bench_dream(clf: cv.Classifier, args: argparse.Namespace) -> None:
    dev, steps, size = clf.device, args.steps, args.size
    photo = cv.sample_image("astronaut").resize((size, size))
    x = clf.preprocess(photo, size=size)

    def full_passes() -> None:  # as many full passes as a dream has steps, timed the same way
        with cv.frozen(clf.model):
            for _ in range(steps):
                xi = x.detach().requires_grad_(True)
                torch.autograd.grad(clf.model(xi).pow(2).mean(), xi)

    with cv.frozen(clf.model):  # warm-up: first-call allocations are not part of a step
        xi = x.detach().requires_grad_(True)
        torch.autograd.grad(clf.model(xi).pow(2).mean(), xi)
    t_full = timed(full_passes, dev, args.repeat) / steps
    print("DeepDream time per step (1 octave) versus a full forward + backward pass")
    print(f"  {'what':<34}{'ms/step':>10}{'x full pass':>14}")
    print(f"  {'full network forward+backward':<34}{1000 * t_full:>10.1f}{1.0:>14.2f}")
    for layer in ("blocks.2", "blocks.6", "blocks.10", "head"):
        dd = lambda: cv.deepdream(clf, photo, {layer: 1.0}, octaves=1, steps=steps, jitter=8, seed=0, progress=False, as_tensor=True)
        t = timed(dd, dev, args.repeat) / steps
        print(f"  {'deepdream ' + layer:<34}{1000 * t:>10.1f}{t / t_full:>14.2f}")


if __name__ == "__main__":
    main()
