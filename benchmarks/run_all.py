"""Run every peer comparison (benchmarks/compare_*.py) and write benchmarks/RESULTS.md.

Each script runs in its own process (so one's memory does not count in another's peak)
with ``--json``; its rows are collected into one Markdown table per device and family:
method, model, batch, our time, the peer's time, the ratio (peer / ours: above 1 means we
are faster), our peak memory, the agreement of our map with the peer's, and notes (where a
peer is wrong, the note says so; tests/attribution/test_peer_traps.py proves it). Figures are as
measured on the machine that ran them, whatever else it was running.

    python benchmarks/run_all.py [--only cam,gradients] [--out benchmarks/RESULTS.md] [extra args...]
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import subprocess
import sys
import time

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from common import HEADER, load_rows, peers_missing  # noqa: E402

FAMILIES = ["gradients", "cam", "occlusion", "optvis", "methods", "relevance"]

TRAPS = """\
## Where a peer is wrong (tests/attribution/test_peer_traps.py shows each case)

- **pytorch-grad-cam `GuidedBackpropReLUModel`** explains only the first image of a batch
  (`output[0, target]`, returns `grad[0]`); `cv.guided_backprop` on a batch equals the
  image-by-image results for every image.
- **Captum `GuidedBackprop`** replaces the gradient of `nn.ReLU` modules only: ReLUs called
  as functions (DenseNet's final `F.relu`, GoogLeNet, Inception) and ReLU6 (MobileNet,
  EfficientNet-Lite) keep their ordinary gradient. On densenet121 Captum differs from the
  definition; ours matches a reference where every ReLU follows the rule.
- **In-place ReLU after the hooked layer**: pytorch-grad-cam's forward hook stores the
  layer's output (`.cpu().detach()` shares storage on the CPU), which `ReLU(inplace=True)`
  then overwrites, so its CAMs use `relu(A)` instead of `A` and change with `inplace=True`.
  Captum's layer hooks copy the output and are not affected; `cv.capture` hands the rest of
  the network a clone and records the true output.
- pytorch-grad-cam's `ScoreCAM` weights channels by a softmax over the masked scores, not
  the paper's `p_c(x * H_k) - p_c(x_b)`; its maps are min-max normalised numpy arrays.
- **Captum `Deconvolution`** has the same blind spot as its `GuidedBackprop`: ReLUs called
  as functions and ReLU6 keep their ordinary gradient (on EfficientNet-Lite0 it returns the
  plain gradient); `cv.deconvnet` applies `max(g, 0)` at every rectifier
  (tests/attribution/test_peer_methods.py).
- **pytorch-grad-cam `EigenCAM`** centres the activations and keeps whatever sign the SVD
  routine returns, then applies a ReLU, so its map can be the negative half of the
  projection; `cv.eigencam` fixes the sign (first direction with a non-negative channel sum)
  and by default follows the paper's uncentred SVD (`center=True` gives the peer's PCA).
- **pytorch-grad-cam `AblationCAM`** replaces an ablated channel by `min(A) - 1e7` instead
  of 0 whenever the layer's output has negative values: a head that reads the signed map
  directly (no ReLU after the layer) then sees -1e7. It also runs everything before the
  layer on every ablated copy (2048 images for ResNet-50 `layer4`), and divides by `y_c` as
  the paper does, so a negative logit flips every weight; `cv.ablationcam` zeroes the
  channel, runs one image up to the layer per pass and divides by `|y_c|`.
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default=",".join(FAMILIES))
    parser.add_argument("--out", default=os.path.join(HERE, "RESULTS.md"))
    parser.add_argument("--device", default="auto")
    args = parser.parse_args()
    missing = peers_missing()
    if missing:
        print(missing, "- nothing to compare with")
        sys.exit(1)
    status, timings = 0, {}
    for fam in args.only.split(","):
        script = os.path.join(HERE, f"compare_{fam}.py")
        start = time.perf_counter()
        print(f"== {script}", flush=True)
        rc = subprocess.call([sys.executable, script, "--json", "--device", args.device], env={**os.environ, "TQDM_DISABLE": "1"})
        timings[fam] = (time.perf_counter() - start, rc)
        status |= rc != 0
    lines = [
        "# Benchmarks against Captum and pytorch-grad-cam",
        "",
        f"Written by `python benchmarks/run_all.py` on {datetime.datetime.utcnow():%Y-%m-%d %H:%M} UTC: "
        f"{os.cpu_count()} CPU cores, "
        f"{'GPU ' + torch.cuda.get_device_name(0) if torch.cuda.is_available() else 'no GPU'}, "
        f"torch {torch.__version__}, Python {platform.python_version()}, {torch.get_num_threads()} threads. "
        "Times are medians of a few repeats after a warm-up, timed in interleaved rounds; "
        "figures as measured on that machine, whatever else it was running (a busy shared "
        "machine makes them noisy). `peer/ours` above 1 means cnnviz_lab is faster. "
        "Peak memory: rise of the process RSS during one call on the CPU (coarse: the "
        "allocator keeps freed memory), `torch.cuda.max_memory_allocated` on CUDA. "
        "Agreement: Pearson r and Spearman rho of our raw map with the peer's on the same "
        "inputs and targets (averaged over images where noted). Speed rows use random-init "
        "torchvision models at small sizes to keep the whole run short; agreement rows use "
        "the offline EfficientNet-Lite0 with its ImageNet weights on the sample images.",
        "",
    ]
    for fam in args.only.split(","):
        secs, rc = timings[fam]
        lines += [f"## {fam}", "", f"`compare_{fam}.py`: exit status {rc}, {secs:.0f} s.", ""]
        try:
            rows = load_rows(fam)
        except FileNotFoundError:
            lines += ["(no results)", ""]
            continue
        lines += [HEADER] + [r.line() for r in rows] + [""]
    lines += [TRAPS]
    with open(args.out, "w") as fh:
        fh.write("\n".join(lines))
    print(f"wrote {args.out}")
    sys.exit(status)


if __name__ == "__main__":
    main()
