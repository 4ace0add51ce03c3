"""``cnnviz occlusion``: the black-box methods (the registry's "perturbation" family) on an
image: the occlusion experiment of Zeiler & Fergus (2014) by default, RISE or LIME (or any
registered perturbation method) with ``--method``."""

from __future__ import annotations

import argparse

from .. import plot
from ..models.fallback import title_name
from ..attribution import registry
from ..attribution.occlusion import occlusion_grid
from ..images.loading import load_image
from . import add_model_options, add_output_option, cli_target, method_option, model_from_args, parse_target, save


def _fill(value: str):
    try:
        return float(value)
    except ValueError:
        return value


def _occlusion(args: argparse.Namespace) -> int:
    clf = model_from_args(args)
    x = clf.preprocess(load_image(args.image), size=args.size)
    if args.method != "occlusion":
        return _black_box(args, clf, x)
    target = parse_target(args.target)
    what, _, label = cli_target(clf, target) if target is not None else (None, None, None)
    grid = occlusion_grid(
        clf, x, what, window=args.window, stride=args.stride, fill=_fill(args.fill), output=args.output, batch_size=args.batch_size, progress=True
    )
    cls = int(grid.targets[0, 0])
    print(
        f"{label or clf.label(cls)} ({cls}): {grid.output} {float(grid.base[0, 0]):.4g}; "
        f"{grid.positions} occluder positions ({len(grid.ys)}x{len(grid.xs)}); "
        f"largest drop {float(grid.drop.max()):.4g}"
    )
    save(plot.occlusion_experiment(clf, x, grid, percentile=args.percentile), args.out, clf)
    return 0


def _black_box(args: argparse.Namespace, clf, x) -> int:
    """Any other perturbation method: its map for one class over the image."""
    target = parse_target(args.target)
    what, index, label = cli_target(clf, target if target is not None else int(clf.logits(x).argmax(1)[0]))
    name = registry.label(args.method)
    heat = registry.call(
        args.method, clf, x, what, offered=dict(fill=_fill(args.fill), output=args.output, batch_size=args.batch_size, n=args.n, seed=args.seed, progress=True)
    )[0]
    print(f"{name} map for class {label} ({index})")
    save(plot.cam_overlay(x, heat, clf, title=f"{name} for '{label}' ({title_name(clf)})"), args.out, clf)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("occlusion", help="black-box maps: occlusion sensitivity (slide a square, watch the class score), RISE, LIME")
    p.add_argument("image")
    method_option(p, registry.methods("perturbation"), "occlusion")
    p.add_argument("--window", type=int, default=32, help="occlusion: occluder side in pixels (default 32)")
    p.add_argument("--stride", type=int, default=16, help="occlusion: occluder step in pixels (default 16)")
    p.add_argument("--fill", default="0.0", help="a number in the model's input space, or mean, grey, black, white, blur")
    p.add_argument("--target", default=None, help="class index or name, or seg:CLASS for a segmentation model (default: the top-1 class)")
    p.add_argument(
        "--output",
        choices=["prob", "logit"],
        default=None,
        help="what is compared (default: the probability, or the model's own output when it has one output or already returns probabilities)",
    )
    p.add_argument("-n", "--n", type=int, default=None, help="RISE: random masks, LIME: perturbed samples (default 500, 50 quick)")
    p.add_argument("--seed", type=int, default=None, help="RISE/LIME: random seed (default: the course's, 0)")
    p.add_argument("--batch-size", type=int, default=None, help="perturbed images per forward pass (default: by device and model)")
    p.add_argument("--size", type=int, default=None, help="image side (default: the model's input size)")
    p.add_argument("--percentile", type=float, default=25, help="occlusion: percentile below which the heatmap is zeroed (regularisation)")
    add_output_option(p, "occlusion.png")
    add_model_options(p)
    p.set_defaults(func=_occlusion)
