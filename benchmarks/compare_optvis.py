"""Feature visualisation: our batched render against one channel at a time.

Lucent (the peer) cannot be installed here (it pins old torch versions), so the comparison
is with the way a one-image-per-call library works: ``maximize`` of N channels of one layer
of EfficientNet-Lite0 (real weights, offline) as one batch of N images versus N calls of
one channel each, same steps, size and seed.

    python benchmarks/compare_optvis.py [--size 96] [--steps 8] [--channels 4] [--device auto] [--json]
"""

from __future__ import annotations

import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cnnviz_lab as cv  # noqa: E402
from common import Row, gpu_or, peak_memory, run_comparison, timed_many  # noqa: E402


def rows_for(device: torch.device, size: int, steps: int, channels: int, repeat: int, layer: str = "blocks.8") -> list[Row]:
    clf = cv.load_model(device=device)
    kw = dict(size=size, steps=steps, seed=0, progress=False)
    times = timed_many(
        {"ours": lambda: cv.maximize(clf, f"{layer}:0-{channels - 1}", **kw), "one": lambda: [cv.maximize(clf, f"{layer}:{c}", **kw) for c in range(channels)]},
        device,
        repeat,
    )
    mem = peak_memory(lambda: cv.maximize(clf, f"{layer}:0-{channels - 1}", **kw), device)
    return [
        Row(
            "optvis",
            f"maximize {channels} channels of {layer}, {steps} steps",
            f"efficientnet_lite0 (ImageNet) {size}px",
            f"{channels} images in one batch",
            times["ours"],
            f"same, one channel per call (how Lucent renders), x{channels}",
            times["one"],
            f"{mem:.0f} MiB",
            notes="Lucent is not installable here; the peer column is our own one-at-a-time loop",
            device=device.type,
        )
    ]


def _options(parser) -> None:
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--channels", type=int, default=4)


def main() -> None:
    run_comparison(
        __doc__, "optvis", lambda dev, a: rows_for(dev, gpu_or(a, dev), a.steps, a.channels, a.repeat), size=96, repeat=2, peers=False, options=_options
    )


if __name__ == "__main__":
    main()
