"""``cnnviz evaluate DIR``: attribution methods scored by evaluation metrics over a folder of
images, one CSV row per image, method and metric (:func:`cnnviz_lab.evaluate.folder.evaluate_folder`).

Resumes after an interrupt; under ``torchrun --nproc_per_node=N`` the images are split
across the processes and their rows merged into one file equal to a single-process run::

    cnnviz evaluate photos/ --methods gradcam,ig --metrics deletion,pointing --boxes boxes.json
    torchrun --nproc_per_node=2 -m cnnviz_lab.cli evaluate photos/ --methods gradcam --metrics deletion
"""

from __future__ import annotations

import argparse
import importlib
import os
from pathlib import Path

from torch import nn

from ..models.classifier import Classifier
from ..evaluate.folder import METRICS, check_results_file, evaluate_folder, method_names, metric_names, worker_device
from ..evaluate.summary import summarize, summary_figure, summary_table, write_summary
from ..models.loading import wrap_model
from . import add_model_options, model_from_args, parse_target, save, saved
from ._checks import check_out_file


def _factory_model(spec: str, args: argparse.Namespace) -> Classifier:
    """``--model package.module:name``: a Classifier, an ``nn.Module``, or a function
    returning either (your own network; an ``nn.Module`` is wrapped for 224 px, or --size)."""
    module_name, _, attr = spec.partition(":")
    try:
        obj = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as err:
        raise ValueError(f"--model {spec}: cannot import {attr!r} from {module_name!r} ({err})") from None
    if callable(obj) and not isinstance(obj, (nn.Module, Classifier)):
        obj = obj()
    if isinstance(obj, nn.Module):
        obj = wrap_model(obj, input_size=args.size or 224, name=attr, device=args.device)
    if not isinstance(obj, Classifier):
        raise ValueError(f"--model {spec}: expected a Classifier or an nn.Module, got {type(obj).__name__}")
    print(f"model: {obj.name} ({spec}, {obj.device})")
    return obj


def _evaluate(args: argparse.Namespace) -> int:
    folder = Path(args.folder).expanduser()
    if not folder.exists():
        raise FileNotFoundError(f"no such folder: {folder}")
    if not folder.is_dir():
        raise NotADirectoryError(f"{folder} is a file; give a folder of images")
    methods, metrics = method_names(args.methods), metric_names(args.metrics)
    if args.boxes is None and any(METRICS[m].boxes for m in metrics):
        needs = ", ".join(m for m in metrics if METRICS[m].boxes)
        raise ValueError(f"--metrics {needs}: needs bounding boxes; pass --boxes FILE (JSON or Pascal VOC)")
    for option, value, kind in (("--summary", args.summary, "table"), ("--plot", args.plot, "figure")):
        if value:
            check_out_file(value, kind, option)
    check_results_file(args.out)
    args.device = worker_device(args.device)
    clf = _factory_model(args.model, args) if ":" in args.model else model_from_args(args)
    rank = int(os.environ.get("RANK", "0"))
    run = evaluate_folder(
        clf,
        folder,
        methods,
        metrics,
        args.out,
        boxes=args.boxes,
        target=parse_target(args.target),
        size=args.size,
        batch_size=args.batch_size,
        workers=args.workers,
        seed=args.seed,
        progress=True,
        say=lambda line: print(line) if rank == 0 else None,
    )
    if rank != 0:
        return 0
    print(
        f"{run.images} image(s) x {len(methods)} method(s) x {len(metrics)} metric(s): {run.rows} new row(s)"
        + (f", {run.resumed} from an earlier run" if run.resumed else "")
        + (f", {run.world} processes" if run.world > 1 else "")
        + f" in {run.seconds:.1f} s"
    )
    saved(str(run.out))
    rows = summarize(run.out)
    print(summary_table(rows))
    if args.summary:
        saved(write_summary(rows, args.summary))
    if args.plot:
        save(summary_figure(rows), args.plot)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "evaluate", help="score attribution methods with evaluation metrics over a folder of images (CSV, summary, plot; resumable; torchrun splits the images)"
    )
    p.add_argument("folder", metavar="DIR", help="a folder of images, flat or one sub-folder per class")
    p.add_argument("--methods", default="gradcam", help="registered methods, comma-separated (default gradcam)")
    p.add_argument("--metrics", default="deletion,insertion", help=f"comma-separated, from: {', '.join(METRICS)} (default deletion,insertion)")
    p.add_argument(
        "--boxes",
        default=None,
        help="bounding boxes for pointing: a JSON file {image: {label: [[x0,y0,x1,y1], ...]}}, a Pascal VOC .xml file or a folder of them",
    )
    p.add_argument(
        "--target", default=None, help="class to explain: index or name for every image, 'folder' (the sub-folder names the class), default each image's top-1"
    )
    p.add_argument("--size", type=int, default=None, help="image side (default: the model's input size)")
    p.add_argument("--batch-size", type=int, default=8, help="images per batch (default 8)")
    p.add_argument("--workers", type=int, default=2, help="DataLoader worker processes reading images (default 2)")
    p.add_argument("--seed", type=int, default=0, help="random seed of the methods and metrics (default 0)")
    p.add_argument("--summary", default=None, help="also write the summary table to this CSV")
    p.add_argument("--plot", default=None, help="also draw mean and spread per method and metric to this figure")
    p.add_argument("--out", "-o", default="results.csv", help="results CSV (default results.csv); resumed if it exists")
    p.set_defaults(out_kind="table")
    add_model_options(p)
    p.set_defaults(func=_evaluate)
