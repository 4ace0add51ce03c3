"""``cnnviz evaluate`` over a folder: images per second with one process and with two
(``torchrun --nproc_per_node=2``, gloo on the CPU, NCCL on GPUs).

Workload: the bundled photos (``data/*.png``, ``*.jpg``) copied ``--copies`` times into a
temporary folder, explained by ``--methods`` and scored by ``--metrics`` with ``--model``
at ``--size`` px. Each configuration runs the real command in fresh processes; the rate is
the images over the seconds the command reports for the evaluation (first batch to merged
file, after start-up and model loading, which are printed too). The two files
are compared row by row: with the same ``--threads`` per process (default 1) they are
equal; with other thread counts float sums change in the last digits, and near-ties in a
map's pixel ranking can then flip, which moves a deletion value more.

Usage: ``python benchmarks/bench_evaluate_folder.py [--copies 4] [--size 160] [--model efficientnet_lite0]
[--methods gradcam,saliency] [--metrics deletion,average_drop] [--batch-size 4] [--workers 1]``.
Figures depend on the machine and its load: report them as measured.
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """``(wall time of the whole command, seconds the command reports for the evaluation)``."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", *args], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"failed ({done.returncode}): {' '.join(args)}\n{done.stderr[-2000:]}")
    found = re.search(r"new row\(s\).* in ([0-9.]+) s", done.stdout)
    if found is None:
        raise SystemExit(f"no time in the output of {' '.join(args)}:\n{done.stdout[-2000:]}")
    return time.perf_counter() - start, float(found.group(1))


def rows(path: Path) -> list[list[str]]:
    with open(path, newline="") as f:
        return list(csv.reader(f))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--copies", type=int, default=2, help="copies of the bundled photos (7 each)")
    p.add_argument("--size", type=int, default=160)
    p.add_argument("--model", default="efficientnet_lite0")
    p.add_argument("--methods", default="gradcam,saliency")
    p.add_argument("--metrics", default="deletion,average_drop")
    p.add_argument("--batch-size", type=int, default=4)
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--device", default="cpu")
    p.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch threads per process (default 1: both runs compute bit for bit the same values, and two processes use two cores)",
    )
    p.add_argument("--quick", action="store_true", help="the metrics' quick settings (CNNVIZ_QUICK=1)")
    a = p.parse_args()
    cores = os.cpu_count() or 1
    photos = sorted(q for q in (ROOT / "data").iterdir() if q.suffix in (".png", ".jpg"))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "images"
        folder.mkdir()
        for c in range(a.copies):
            for q in photos:
                shutil.copy(q, folder / f"{c}_{q.name}")
        images = a.copies * len(photos)
        common = [
            "cnnviz_lab.cli",
            "evaluate",
            str(folder),
            "--model",
            a.model,
            "--size",
            str(a.size),
            "--methods",
            a.methods,
            "--metrics",
            a.metrics,
            "--batch-size",
            str(a.batch_size),
            "--workers",
            str(a.workers),
            "--device",
            a.device,
        ]
        print(
            f"{images} images of {a.size} px, {a.model}, methods {a.methods}, metrics {a.metrics}"
            f"{' (quick settings)' if a.quick else ''}, batch {a.batch_size}, {a.workers} loader worker(s), "
            f"device {a.device}, {cores} CPU cores",
            flush=True,
        )
        results = {}
        for procs in (1, 2):
            threads = a.threads
            env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS=str(threads), CNNVIZ_OFFLINE="1", CNNVIZ_QUICK="1" if a.quick else "")
            out = Path(tmp) / f"p{procs}.csv"
            launch = common if procs == 1 else ["torch.distributed.run", "--standalone", f"--nproc_per_node={procs}", "-m", *common]
            total, seconds = run([*launch, "--out", str(out)], env)
            results[procs] = rows(out)
            print(
                f"{procs} process(es), {threads} thread(s) each: {seconds:.1f} s evaluating ({images / seconds:.2f} "
                f"images/s), {total:.1f} s with start-up and model loading",
                flush=True,
            )
        one, two = results[1], results[2]
        same_keys = [r[:3] for r in one] == [r[:3] for r in two]
        worst = max((abs(float(x[3]) - float(y[3])) for x, y in zip(one[1:], two[1:]) if x[3] != "nan" and y[3] != "nan"), default=0.0)
        print(f"rows: {len(one) - 1}; same (image, method, metric) rows: {same_keys}; largest difference of a value: {worst:.2g}")


if __name__ == "__main__":
    main()
