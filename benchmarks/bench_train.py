"""How long notebook 09's training takes: the shapes dataset and SmallCNN, full and quick mode.

Prints, for each setting, the wall time and the process CPU time of ``cv.shape_images`` and
``cv.train_model`` (one thread, the default, and two threads), and the ratio of the two
training times. Targets (issue 14): training under 60 s in full mode and under 10 s in quick
mode on 2 CPU cores. Run it while the machine does what it usually does, and say so:

    PYTHONPATH=$PWD python benchmarks/bench_train.py [--quick-only]
"""

from __future__ import annotations

import argparse
import time

import torch

import cnnviz_lab as cv

SETTINGS = {"full": dict(n=3000, epochs=6, batch=64), "quick": dict(n=1000, epochs=4, batch=16)}
SIZE = 40


def timed(fn):
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick-only", action="store_true", help="skip the full-mode setting")
    args = parser.parse_args()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} intra-op threads by default")
    for mode, s in SETTINGS.items():
        if args.quick_only and mode == "full":
            continue
        data, wall, cpu = timed(lambda: cv.shape_images(s["n"], size=SIZE, seed=1))
        print(f"{mode:5s} data: {s['n']} images of {SIZE} px in {wall:.1f} s wall, {cpu:.1f} s CPU")
        times = {}
        for threads in (1, 2):
            run, wall, cpu = timed(
                lambda: cv.train_model(
                    cv.SmallCNN(seed=0), data.images, data.labels, epochs=s["epochs"], batch_size=s["batch"], watch=0, threads=threads, progress=False
                )
            )
            times[threads] = wall
            print(f"{mode:5s} train, {threads} thread(s): {wall:5.1f} s wall, {cpu:5.1f} s CPU, final training accuracy {run.accuracy[-1]:.2f}")
        print(f"{mode:5s} two threads / one thread: {times[2] / times[1]:.2f}x the time")


if __name__ == "__main__":
    main()
