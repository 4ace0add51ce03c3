"""Feature visualisation: our batched render against one channel at a time.

Lucent (the peer) cannot be installed here (it pins old torch versions), so the comparison
is with the way a one-image-per-call library works: ``maximize`` of N channels of one layer
of EfficientNet-Lite0 (real weights, offline) as one batch of N images versus N calls of
one channel each, same steps, size and seed.

    python benchmarks/compare_optvis.py [--size 96] [--steps 8] [--channels 4] [--device auto] [--json]
"""

from __future__ import annotations

import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cnnviz_lab as cv  # noqa: E402
from common import Row, fresh_malloc, devices, peak_memory, print_rows, save_rows, timed_many  # noqa: E402


def rows_for(device: torch.device, size: int, steps: int, channels: int, repeat: int,
             layer: str = "blocks.8") -> list[Row]:
    clf = cv.load_model(device=device)
    kw = dict(size=size, steps=steps, seed=0, progress=False, output="tensor")
    times = timed_many({
        "ours": lambda: cv.maximize(clf, f"{layer}:0-{channels - 1}", **kw),
        "one": lambda: [cv.maximize(clf, f"{layer}:{c}", **kw) for c in range(channels)]}, device, repeat)
    mem = peak_memory(lambda: cv.maximize(clf, f"{layer}:0-{channels - 1}", **kw), device)
    return [Row("optvis", f"maximize {channels} channels of {layer}, {steps} steps",
                f"efficientnet_lite0 (ImageNet) {size}px", f"{channels} images in one batch", times["ours"],
                f"same, one channel per call (how Lucent renders), x{channels}", times["one"], f"{mem:.0f} MiB",
                notes="Lucent is not installable here; the peer column is our own one-at-a-time loop",
                device=device.type)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=96)
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--channels", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    fresh_malloc()
    rows: list[Row] = []
    for dev in devices(args.device):
        rows += rows_for(dev, args.size if dev.type == "cpu" else 224, args.steps, args.channels, args.repeat)
    print_rows(rows)
    if args.json:
        save_rows("optvis", rows)


if __name__ == "__main__":
    main()
