"""Shared tools of the peer comparisons (benchmarks/compare_*.py): timing, peak memory,
agreement between two attribution maps, and the rows of benchmarks/RESULTS.md.

Timing: one warm-up call, then the median of ``repeat`` calls, with
``torch.cuda.synchronize()`` around each call on CUDA. Peak memory: on CUDA
``torch.cuda.max_memory_allocated`` above what was allocated before the call; on the CPU
the peak of Python-side allocations traced by ``tracemalloc`` does not see PyTorch's own
buffers, so the CPU figure is the rise of the process's resident set size (psutil RSS,
sampled every 2 ms in a thread while the call runs) above its level before the call, with
glibc's mmap threshold fixed (:func:`fresh_malloc`) so that freed tensors leave the RSS: a
coarse but honest figure (small differences mean nothing).

Agreement: Pearson and Spearman correlation of two maps over all their pixels (our map and
the peer's, same model, same inputs, same targets). The peers never enter the package: only
these scripts and tests/attribution/test_peer_traps.py import them.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Sequence

import numpy as np
import torch

RESULTS_JSON = os.environ.get("CNNVIZ_BENCH_JSON") or os.path.join(tempfile.gettempdir(), "cnnviz_bench")


def fresh_malloc() -> None:
    """Re-run this script with glibc's mmap threshold fixed at 64 KiB, so every large CPU
    tensor is its own mapping, given back to the system when freed: the process RSS then
    follows the live tensors and the CPU peak-memory figure means something. (By default
    glibc raises the threshold after the first large free and keeps freed memory.)"""
    import sys

    if os.environ.get("MALLOC_MMAP_THRESHOLD_") is None and sys.platform.startswith("linux"):
        os.environ["MALLOC_MMAP_THRESHOLD_"] = "65536"
        os.execv(sys.executable, [sys.executable] + sys.argv)


def sync(device: torch.device | str) -> None:
    if torch.device(device).type == "cuda":
        torch.cuda.synchronize()


def timed(fn: Callable[[], Any], device: torch.device | str = "cpu", repeat: int = 3, warmup: int = 1) -> float:
    """Median wall-clock seconds of ``repeat`` calls of ``fn`` after ``warmup`` calls."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(max(1, repeat)):
        sync(device)
        start = time.perf_counter()
        fn()
        sync(device)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def timed_pair(ours: Callable[[], Any], peer: Callable[[], Any], device: torch.device | str = "cpu", repeat: int = 3) -> tuple[float, float]:
    """Median seconds of two functions timed in interleaved rounds (one warm-up each), so a
    shared machine's changing load hits both alike."""
    ours()
    peer()
    a, b = [], []
    for _ in range(max(1, repeat)):
        for fn, out in ((ours, a), (peer, b)):
            sync(device)
            start = time.perf_counter()
            fn()
            sync(device)
            out.append(time.perf_counter() - start)
    return statistics.median(a), statistics.median(b)


def timed_many(fns: dict[str, Callable[[], Any]], device: torch.device | str = "cpu", repeat: int = 3) -> dict[str, float]:
    """Median seconds of several functions timed in interleaved rounds after one warm-up
    call each (a busy machine's load then hits them all alike)."""
    for fn in fns.values():
        fn()
    times: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(max(1, repeat)):
        for name, fn in fns.items():
            sync(device)
            start = time.perf_counter()
            fn()
            sync(device)
            times[name].append(time.perf_counter() - start)
    return {k: statistics.median(v) for k, v in times.items()}


def _rss() -> int:
    import psutil

    return psutil.Process().memory_info().rss


def peak_memory(fn: Callable[[], Any], device: torch.device | str = "cpu") -> float:
    """Peak memory of one call of ``fn`` in MiB above the level before it: CUDA
    ``max_memory_allocated`` on a GPU, sampled process RSS on the CPU (see module doc)."""
    device = torch.device(device)
    if device.type == "cuda":
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats(device)
        before = torch.cuda.memory_allocated(device)
        fn()
        torch.cuda.synchronize()
        return (torch.cuda.max_memory_allocated(device) - before) / 2**20
    try:
        import psutil  # noqa: F401
    except ImportError:  # pragma: no cover - psutil ships with jupyter
        import tracemalloc

        tracemalloc.start()
        fn()
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return peak / 2**20
    base = _rss()
    peak = [base]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], _rss())
            time.sleep(0.002)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        fn()
    finally:
        done.set()
        thread.join()
    peak[0] = max(peak[0], _rss())
    return (peak[0] - base) / 2**20


def _flat(a: Any) -> np.ndarray:
    if isinstance(a, torch.Tensor):
        a = a.detach().float().cpu().numpy()
    return np.asarray(a, dtype=np.float64).ravel()


def pearson(a: Any, b: Any) -> float:
    """Pearson correlation of two maps (flattened; same number of values)."""
    x, y = _flat(a), _flat(b)
    if x.size != y.size:
        raise ValueError(f"maps differ in size: {x.size} vs {y.size}")
    x, y = x - x.mean(), y - y.mean()
    den = np.sqrt((x * x).sum() * (y * y).sum())
    return float((x * y).sum() / den) if den > 0 else float("nan")


def spearman(a: Any, b: Any) -> float:
    """Spearman rank correlation of two maps (Pearson of the ranks; ties get mean ranks)."""
    from scipy.stats import rankdata

    return pearson(rankdata(_flat(a)), rankdata(_flat(b)))


def agreement(a: Any, b: Any) -> str:
    return f"r={pearson(a, b):.3f}, rho={spearman(a, b):.3f}"


@dataclass
class Row:
    """One line of RESULTS.md."""

    family: str
    method: str
    model: str
    batch: str
    ours_s: float | None = None
    peer: str = ""
    peer_s: float | None = None
    ours_mib: str = ""
    agreement: str = ""
    notes: str = ""
    device: str = "cpu"
    extra: dict = field(default_factory=dict)

    @property
    def ratio(self) -> str:
        if self.ours_s is None or self.peer_s is None:
            return ""
        return f"{self.peer_s / self.ours_s:.2f}x"

    def line(self) -> str:
        def sec(v: float | None) -> str:
            return "" if v is None else f"{v:.3f} s"

        peer = f"{self.peer}: {sec(self.peer_s)}" if self.peer else ""
        cells = [self.method, self.model, self.batch, self.device, sec(self.ours_s), peer, self.ratio, self.ours_mib, self.agreement, self.notes]
        return "| " + " | ".join(c.replace("|", "/") for c in cells) + " |"


HEADER = (
    "| method | model | batch | device | our time | peer time | peer/ours | our peak memory "
    "| agreement (Pearson r, Spearman rho) | notes |\n"
    "|---|---|---|---|---|---|---|---|---|---|"
)


def print_rows(rows: list[Row]) -> None:
    print(HEADER)
    for r in rows:
        print(r.line())


def save_rows(family: str, rows: list[Row]) -> str:
    """Write the rows as JSON (benchmarks/results/<family>.json) for run_all.py."""
    os.makedirs(RESULTS_JSON, exist_ok=True)
    path = os.path.join(RESULTS_JSON, f"{family}.json")
    with open(path, "w") as fh:
        json.dump([asdict(r) for r in rows], fh, indent=1)
    return path


def load_rows(family: str) -> list[Row]:
    path = os.path.join(RESULTS_JSON, f"{family}.json")
    with open(path) as fh:
        return [Row(**d) for d in json.load(fh)]


def devices(arg: str = "auto") -> list[torch.device]:
    """The CPU always, CUDA too when present (``arg``: auto, cpu or cuda)."""
    if arg == "cpu":
        return [torch.device("cpu")]
    if arg == "cuda":
        return [torch.device("cuda")]
    return [torch.device("cpu")] + ([torch.device("cuda")] if torch.cuda.is_available() else [])


def sample_batch(device: torch.device | str, names: Sequence[str]) -> tuple[Any, torch.Tensor, torch.Tensor, str]:
    """What the agreement rows compare on: the offline EfficientNet-Lite0 (real weights) on
    ``device``, the sample images ``names`` preprocessed for it, their top-1 classes, and the
    model's label for the rows (``"efficientnet_lite0 (ImageNet) 224px"``)."""
    import cnnviz_lab as cv

    clf = cv.load_model(device=device)
    x = clf.preprocess([cv.sample_image(s) for s in names])
    return clf, x, cv.topk_targets(clf, x, 1)[:, 0], f"efficientnet_lite0 (ImageNet) {x.shape[-1]}px"


def peers_missing() -> str | None:
    """None when Captum and pytorch-grad-cam import, else what to install."""
    missing = []
    for mod, pkg in (("captum", "captum>=0.7"), ("pytorch_grad_cam", "grad-cam>=1.5")):
        try:
            __import__(mod)
        except ImportError:
            missing.append(pkg)
    if missing:
        return "peers not installed: pip install " + " ".join(f'"{m}"' for m in missing) + " (or pip install -e .[bench])"
    return None


def gpu_or(args: argparse.Namespace, device: torch.device, gpu_size: int = 224) -> int:
    """The image side for ``device``: ``--size`` on the CPU, ``gpu_size`` on a GPU."""
    return args.size if device.type == "cpu" else gpu_size


def run_comparison(
    doc: str,
    family: str,
    rows_for: Callable[[torch.device, argparse.Namespace], Sequence[Row]],
    *,
    size: int,
    repeat: int = 3,
    peers: bool = True,
    options: Callable[[argparse.ArgumentParser], None] | None = None,
) -> None:
    """The shared ``main`` of ``benchmarks/compare_*.py``: parse ``--size``, ``--repeat``,
    ``--device`` and ``--json`` (plus the script's own ``options``), fix the allocator
    (:func:`fresh_malloc`), check the peers are installed (``peers=True``), collect
    ``rows_for(device, args)`` on every device, print the rows and, with ``--json``, save
    them for ``run_all.py`` under ``family``."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=size, help="image side of the CPU runs")
    parser.add_argument("--repeat", type=int, default=repeat)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--json", action="store_true", help="save rows for run_all.py")
    if options is not None:
        options(parser)
    args = parser.parse_args()
    fresh_malloc()
    missing = peers_missing() if peers else None
    if missing:
        print(missing)
        return
    rows: list[Row] = []
    for dev in devices(args.device):
        rows += list(rows_for(dev, args))
    print_rows(rows)
    if args.json:
        save_rows(family, rows)
