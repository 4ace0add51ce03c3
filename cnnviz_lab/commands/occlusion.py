"""``cnnviz occlusion``: the occlusion experiment of Zeiler & Fergus (2014) on an image."""

from __future__ import annotations

import argparse

from .. import plot
from ..attribution.occlusion import occlusion_grid
from ..images import load_image
from . import add_model_options, add_output_option, model_from_args, parse_target, save


def _fill(value: str):
    try:
        return float(value)
    except ValueError:
        return value


def _occlusion(args: argparse.Namespace) -> int:
    clf = model_from_args(args)
    x = clf.preprocess(load_image(args.image), size=args.size)
    grid = occlusion_grid(clf, x, parse_target(args.target), window=args.window, stride=args.stride,
                          fill=_fill(args.fill), output=args.output, batch_size=args.batch_size,
                          progress=True)
    cls = int(grid.targets[0, 0])
    print(f"{clf.label(cls)} ({cls}): {args.output} {float(grid.base[0, 0]):.4g}; "
          f"{grid.positions} occluder positions ({len(grid.ys)}x{len(grid.xs)}); "
          f"largest drop {float(grid.drop.max()):.4g}")
    save(plot.occlusion_experiment(clf, x, grid, percentile=args.percentile), args.out, clf)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("occlusion", help="occlusion sensitivity: slide a square, watch the class score")
    p.add_argument("image")
    p.add_argument("--window", type=int, default=32, help="occluder side in pixels (default 32)")
    p.add_argument("--stride", type=int, default=16, help="occluder step in pixels (default 16)")
    p.add_argument("--fill", default="0.0",
                   help="a number in the model's input space, or mean, grey, black, white, blur")
    p.add_argument("--target", default=None, help="class index or name (default: the top-1 class)")
    p.add_argument("--output", choices=["prob", "logit"], default="prob")
    p.add_argument("--batch-size", type=int, default=None, help="occluded images per forward pass (default: by device and model)")
    p.add_argument("--size", type=int, default=None, help="image side (default: the model's input size)")
    p.add_argument("--percentile", type=float, default=25, help="percentile below which the heatmap is zeroed (regularisation)")
    add_output_option(p, "occlusion.png")
    add_model_options(p)
    p.set_defaults(func=_occlusion)
