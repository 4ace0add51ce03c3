"""Methods and metrics over a folder of images: one CSV row per image, method and metric.

:func:`evaluate_folder` is what ``cnnviz evaluate`` runs. The images (a flat folder or an
ImageFolder layout, :mod:`.folder_data`) go through a ``torch.utils.data.DataLoader`` with
workers in fixed batches of the sorted file list; each batch is explained by every method
and scored by every metric, and its rows are appended to a part file in one write, flushed
to disk. A run that is interrupted resumes: the rows already written are read back and
their (image, method, metric) triples are not computed again; a batch with some triples
missing is recomputed as a whole (same images, same seed, so the same values) and only the
missing rows are added. At the end the rows are merged, sorted by (image, method, metric),
into the output file, replaced atomically.

Under ``torchrun --nproc_per_node=N`` (``WORLD_SIZE`` > 1) the batches are dealt to the N
processes in turn (``torch.distributed``: gloo on CPUs, NCCL on GPUs, one GPU per local
rank); each writes its own part file and rank 0 merges them after a barrier. As every batch
holds the same images with the same seed whatever the number of processes, the merged file
equals the single-process one. Memory stays flat over the folder: one batch of images and
maps at a time, the CSV merged by streaming.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import torch

from ..core import checks, defaults
from ..attribution import registry
from ..models.classifier import Classifier
from ..core.errors import unknown_name
from ..core.state import frozen_forward
from .confidence import average_drop, increase_in_confidence
from .correlation import faithfulness_correlation
from .faithfulness import deletion_auc, insertion_auc
from .folder_data import FolderImages, Geometry, boxes_for, collate, list_images, read_boxes
from .infidelity import infidelity
from .maps import method_map
from .pointing import pointing_game
from .results_file import COLUMNS, _append, _clean_tail, _key, _rows, check_results_file, merge, part_path  # noqa: F401
from .road import road
from .sensitivity import avg_sensitivity, max_sensitivity


@dataclass(frozen=True)
class Context:
    """What a metric sees for one batch: the classifier, the images ``x``, the method's
    name and ``(N,H,W)`` ``maps``, the ``(N,)`` ``targets``, the ``boxes`` of each image
    (in the cropped image's pixels; None without a boxes file), the batch's ``seed`` and
    the method's ``options``."""

    model: Classifier
    x: torch.Tensor
    method: str
    maps: torch.Tensor
    targets: torch.Tensor
    boxes: list
    seed: int
    options: Mapping[str, Any]


@dataclass(frozen=True)
class FolderMetric:
    """A metric ``cnnviz evaluate`` offers: ``fn(context) -> (N,)`` values; ``boxes``: it
    needs bounding boxes; ``better``: ``"lower"`` or ``"higher"``."""

    name: str
    fn: Callable[[Context], torch.Tensor]
    label: str
    better: str
    boxes: bool = False


def _t(c: Context) -> list[int]:
    return c.targets.tolist()


def _own(c: Context) -> dict[str, Any]:
    """The options the context's method takes by name."""
    entry = registry.get_method(c.method)
    return {k: v for k, v in c.options.items() if entry.accepts(k)}


METRICS: dict[str, FolderMetric] = {
    m.name: m
    for m in (
        FolderMetric("deletion", lambda c: deletion_auc(c.model, c.x, c.maps, _t(c), seed=c.seed), "Deletion AUC", "lower"),
        FolderMetric("insertion", lambda c: insertion_auc(c.model, c.x, c.maps, _t(c), seed=c.seed), "Insertion AUC", "higher"),
        FolderMetric("pointing", lambda c: pointing_game(c.maps, c.boxes).float(), "Pointing game", "higher", boxes=True),
        FolderMetric(
            "faithfulness_correlation", lambda c: faithfulness_correlation(c.model, c.x, c.maps, _t(c), seed=c.seed), "Faithfulness correlation", "higher"
        ),
        FolderMetric("road", lambda c: road(c.model, c.x, c.maps, _t(c), seed=c.seed).auc, "ROAD (MoRF) AUC", "lower"),
        FolderMetric("average_drop", lambda c: average_drop(c.model, c.x, c.maps, _t(c)), "Average Drop", "lower"),
        FolderMetric("increase_in_confidence", lambda c: increase_in_confidence(c.model, c.x, c.maps, _t(c)).float(), "Increase in Confidence", "higher"),
        FolderMetric("infidelity", lambda c: infidelity(c.model, c.x, c.maps, _t(c), seed=c.seed), "Infidelity", "lower"),
        FolderMetric("max_sensitivity", lambda c: max_sensitivity(c.model, c.x, _t(c), method=c.method, seed=c.seed, **_own(c)), "Max-sensitivity", "lower"),
        FolderMetric("avg_sensitivity", lambda c: avg_sensitivity(c.model, c.x, _t(c), method=c.method, seed=c.seed, **_own(c)), "Avg-sensitivity", "lower"),
    )
}
ALIASES = {
    "faithfulness": "faithfulness_correlation",
    "pointinggame": "pointing",
    "deletionauc": "deletion",
    "insertionauc": "insertion",
    "averagedrop": "average_drop",
    "drop": "average_drop",
    "increase": "increase_in_confidence",
    "maxsensitivity": "max_sensitivity",
    "avgsensitivity": "avg_sensitivity",
    "averagesensitivity": "avg_sensitivity",
}


def metric_names(names: str | Sequence[str]) -> list[str]:
    """Metric names checked (any case, ``-``/``_`` ignored, a comma-separated string or a
    list); an unknown one raises ``UnknownNameError`` with the closest."""
    items = [n.strip() for n in names.split(",")] if isinstance(names, str) else list(names)
    keys = {registry.normalize(k): k for k in METRICS} | {k: v for k, v in ALIASES.items()}
    out = []
    for n in items:
        if not isinstance(n, str) or not n:
            raise ValueError(f"metrics: empty or not a name: {n!r}; choose from {', '.join(METRICS)}")
        key = keys.get(registry.normalize(n))
        if key is None:
            raise unknown_name("metric", n, list(METRICS), f"choose from {', '.join(METRICS)}")
        if key not in out:
            out.append(key)
    return out


def method_names(names: str | Sequence[str]) -> list[str]:
    """Registered method names (any alias or spelling; comma-separated or a list); an
    unknown one raises ``UnknownNameError`` with the closest."""
    items = [n.strip() for n in names.split(",")] if isinstance(names, str) else list(names)
    out = []
    for n in items:
        if not isinstance(n, str) or not n:
            raise ValueError(f"methods: empty or not a name: {n!r}")
        name = registry.get_method(n).name
        if name not in out:
            out.append(name)
    return out


# --- the CSV ----------------------------------------------------------------------------------
def _dist() -> tuple[int, int, bool]:
    """``(rank, world size, started here)``: joins the process group torchrun describes."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return 0, 1, False
    import torch.distributed as dist

    if dist.is_initialized():
        return dist.get_rank(), dist.get_world_size(), False
    backend = "nccl" if torch.cuda.is_available() and dist.is_nccl_available() else "gloo"
    if backend == "nccl":
        torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
    dist.init_process_group(backend)
    return dist.get_rank(), dist.get_world_size(), True


def _barrier(world: int) -> None:
    if world > 1:
        import torch.distributed as dist

        if dist.get_backend() == "nccl":
            dist.barrier(device_ids=[torch.cuda.current_device()])
        else:
            dist.barrier()


def worker_device(device: str) -> str:
    """The device of this process: under torchrun with GPUs, ``auto`` is the local rank's GPU."""
    if device == "auto" and int(os.environ.get("WORLD_SIZE", "1")) > 1 and torch.cuda.is_available():
        return f"cuda:{int(os.environ.get('LOCAL_RANK', '0'))}"
    return device


# --- the run ------------------------------------------------------------------------------------
@dataclass
class FolderRun:
    """What :func:`evaluate_folder` did: ``out`` (the CSV), ``images`` found, ``skipped``
        files, ``rows`` written by this run (all processes), ``rows_total`` in the file,
        ``resumed`` (rows found from an earlier run), ``world`` (processes), ``seconds`` (wall time
    from the first batch to the merged file, all processes)."""

    out: Path
    images: int
    skipped: tuple[str, ...]
    rows: int
    rows_total: int
    resumed: int
    world: int
    seconds: float = 0.0


def _format(value: float) -> str:
    return "nan" if value != value else format(float(value), ".8g")


def evaluate_folder(
    model: Classifier,
    folder: str | os.PathLike,
    methods: str | Sequence[str],
    metrics: str | Sequence[str],
    out: str | os.PathLike,
    *,
    boxes: str | os.PathLike | None = None,
    target: str | int | None = None,
    size: int | None = None,
    batch_size: int = 8,
    workers: int = 0,
    seed: int = 0,
    options: Mapping[str, Any] | None = None,
    progress: bool | None = None,
    say: Callable[[str], None] | None = None,
) -> FolderRun:
    """Every method on every image of ``folder``, scored by every metric, into the CSV
    ``out``: columns ``image`` (path relative to the folder), ``method``, ``metric``,
    ``value``, ``target`` (the class explained). Resumes an interrupted run and splits the
    work across processes under torchrun (see the module docstring).

    ``model``: a Classifier (its preprocessing sizes the images; ``size`` overrides the
    side). ``methods``: registered names (``"gradcam,ig"`` or a list); ``metrics``: names
    of :data:`METRICS` (``deletion``, ``insertion``, ``pointing``,
    ``faithfulness_correlation``, ``road``, ``average_drop``, ``increase_in_confidence``,
    ``infidelity``, ``max_sensitivity``, ``avg_sensitivity``). ``boxes``: a JSON or VOC
    file (or folder) for the metrics that need them (:func:`.folder_data.read_boxes`); an
    image without boxes is an error for them. ``target``: None (each image's top-1),
    ``"folder"`` (the ImageFolder sub-folder names the class: a label or an index), or one
    class for all. ``batch_size`` images per batch, read by ``workers`` DataLoader
    processes. ``seed``: batch ``b`` uses ``seed + b`` for every random draw, so values do
    not depend on the processes or on a resume. ``options``: settings for every method
    (each takes those it knows). ``say``: where lines for the user go (default: nowhere).
    """
    say = say or (lambda _line: None)
    if not isinstance(model, Classifier):
        raise TypeError(f"model must be a Classifier (cnnviz_lab.load_model or wrap_model), got {type(model).__name__}")
    method_list = method_names(methods)
    metric_list = metric_names(metrics)
    batch_size = checks.positive_int(batch_size, "batch_size")
    workers = checks.integer(workers, "workers", minimum=0)
    seed = checks.integer(seed, "seed")
    size = checks.optional_positive_int(size, "size")
    options = dict(options or {})
    check_results_file(out)
    listing = list_images(folder)
    names = listing.names
    box_table = read_boxes(boxes) if boxes is not None else None
    needs_boxes = [m for m in metric_list if METRICS[m].boxes]
    per_image_boxes: list | None = None
    if needs_boxes:
        if box_table is None:
            raise ValueError(f"metrics: {', '.join(needs_boxes)} need bounding boxes: pass --boxes with a JSON file or Pascal VOC annotations")
        per_image_boxes = [boxes_for(n, box_table) for n in names]
        missing = [n for n, b in zip(names, per_image_boxes) if b is None]
        if missing:
            raise ValueError(f"boxes: no boxes for {len(missing)} image(s) (e.g. {missing[0]}), which {', '.join(needs_boxes)} need(s); add them to {boxes}")
    targets_for = _targets(model, target, listing)
    out = Path(out).expanduser()
    t = model.transforms
    side = size or model.input_size
    geometry = Geometry(side, round(t.resize_size[0] * side / t.crop_size[0]), tuple(t.mean), tuple(t.std), t.interpolation)

    rank, world, started = _dist()
    try:
        if rank == 0:
            out.parent.mkdir(parents=True, exist_ok=True)
            leftovers = sorted(out.parent.glob(f".{out.name}.rank*.part"))
            if leftovers or out.exists():
                merge(out, leftovers)  # an interrupted run's rows join the file first
        _barrier(world)
        done: dict[str, set[tuple[str, str]]] = {}
        resumed = 0
        for row in _rows(out):
            done.setdefault(row[0], set()).add((row[1], row[2]))
            resumed += 1
        wanted = [(m, k) for m in method_list for k in metric_list]
        batches = [list(range(s, min(s + batch_size, len(names)))) for s in range(0, len(names), batch_size)]
        mine = [b for b, idx in enumerate(batches) if b % world == rank and any(pair not in done.get(names[i], ()) for i in idx for pair in wanted)]
        part = part_path(out, rank)
        data = FolderImages(listing.paths, geometry, per_image_boxes)
        loader = torch.utils.data.DataLoader(data, batch_sampler=[batches[b] for b in mine], num_workers=workers, collate_fn=collate, persistent_workers=False)
        written = 0
        started_at = time.perf_counter()
        todo = sum(len(batches[b]) for b in mine)
        bar = defaults.progress_bar(total=todo, images=todo, progress=progress if rank == 0 else False, desc="evaluate", unit="img")
        with bar:
            for b, (x, idx, bxs) in zip(mine, loader):
                rows = _batch_rows(
                    model, x.to(model.device), [names[i] for i in idx], bxs, method_list, metric_list, done, targets_for(idx, x, model), seed + b, options
                )
                if rows:
                    _append(part, rows)
                    written += len(rows)
                bar.update(len(idx))
        total_written = _sum(written, world)
        _barrier(world)
        total = merge(out, [part_path(out, r) for r in range(world)]) if rank == 0 else 0
        _barrier(world)
        seconds = time.perf_counter() - started_at
    finally:
        if started:
            import torch.distributed as dist

            dist.destroy_process_group()
    if listing.skipped:
        say(f"skipped {len(listing.skipped)} file(s) that are not images (e.g. {listing.skipped[0]})")
    return FolderRun(out, len(names), listing.skipped, total_written, total, resumed, world, seconds)


def _sum(value: int, world: int) -> int:
    if world <= 1:
        return value
    import torch.distributed as dist

    dev = torch.device("cuda", torch.cuda.current_device()) if dist.get_backend() == "nccl" else torch.device("cpu")
    t = torch.tensor([value], device=dev)
    dist.all_reduce(t)
    return int(t.item())


def _targets(model: Classifier, target: str | int | None, listing) -> Callable:
    """A function ``(indices, x, model) -> (N,)`` classes for a batch."""
    if target is None:
        return lambda idx, x, m: frozen_forward(m.model, x.to(m.device)).argmax(1)
    if target == "folder":
        if any(c is None for c in listing.classes):
            raise ValueError("target 'folder' needs the ImageFolder layout (every image in a sub-folder named after its class)")
        ids = {c: _class(model, c) for c in sorted(set(listing.classes))}
        return lambda idx, x, m: torch.tensor([ids[listing.classes[i]] for i in idx], device=m.device)
    cls = _class(model, target)
    return lambda idx, x, m: torch.full((len(idx),), cls, dtype=torch.long, device=m.device)


def _class(model: Classifier, value: str | int) -> int:
    n = len(model.categories)
    if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
        if not 0 <= int(value) < n:
            raise ValueError(f"target {value}: {model.name} has {n} classes (0..{n - 1})")
        return int(value)
    return model.class_index(value)


def _batch_rows(
    model: Classifier,
    x: torch.Tensor,
    names: list[str],
    boxes: list,
    methods: list[str],
    metrics: list[str],
    done: dict[str, set[tuple[str, str]]],
    targets: torch.Tensor,
    seed: int,
    options: Mapping[str, Any],
) -> list[tuple[str, ...]]:
    """The rows of one batch not written yet, sorted by (image, method, metric)."""
    rows = []
    for method in methods:
        todo = [k for k in metrics if any((method, k) not in done.get(n, ()) for n in names)]
        if not todo:
            continue
        result = registry.call(method, model, x, targets.tolist(), offered={"seed": seed, **options})
        maps = method_map(result, x.shape[0], x.shape[1])
        for k in todo:
            ctx = Context(model, x, method, maps, targets, boxes, seed, options)
            values = METRICS[k].fn(ctx).detach().double().cpu().tolist()
            for n, v, t in zip(names, values, targets.tolist()):
                if (method, k) not in done.get(n, ()):
                    rows.append((n, method, k, _format(v), str(t)))
    rows.sort(key=_key)
    return rows


__all__ = [
    "COLUMNS",
    "Context",
    "FolderMetric",
    "FolderRun",
    "METRICS",
    "check_results_file",
    "evaluate_folder",
    "merge",
    "method_names",
    "metric_names",
    "part_path",
    "worker_device",
]
