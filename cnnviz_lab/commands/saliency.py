"""``cnnviz saliency IMAGE --method guided --target tabby --out map.png``: pixel-space maps.

The ``--method`` choices are the registry's methods whose result is in pixel space
(:mod:`cnnviz_lab.attribution.registry`); every option goes to the methods that take it.
"""

from __future__ import annotations

import argparse

from .. import plot
from ..models.fallback import title_name
from ..attribution import registry
from ..attribution.common import topk_targets
from ..images.loading import load_image
from . import add_model_options, add_output_option, base_method, cli_target, method_option, model_from_args, parse_target, save


def _saliency(args: argparse.Namespace) -> int:
    clf = model_from_args(args)
    x = clf.preprocess(load_image(args.image), size=args.size)
    if args.top and args.target is not None:
        raise ValueError("use either --target or --top, not both")
    options = dict(n=args.n, noise=args.noise, steps=args.steps, batch_size=args.batch_size, seed=args.seed, method=args.base, layer=args.layer)
    name = registry.label(args.method)
    if args.top:
        targets = topk_targets(clf, x, args.top)
        attr = registry.call(args.method, clf, x, targets, offered=options)[0]
        labels = [clf.label(int(i)) for i in targets[0]]
        fig = plot.class_maps(x, attr, labels, clf, title=f"{name}: top-{args.top} classes")
    else:
        target = parse_target(args.target)
        if target is None:
            target = int(clf.logits(x).argmax(1)[0])
        what, index, label = cli_target(clf, target)
        attr = registry.call(args.method, clf, x, what, offered=options)[0]
        fig = plot.saliency_maps(x, attr, clf, title=f"{name} for '{label}' ({title_name(clf)})")
        print(f"{name} map for class {label} ({index})")
    save(fig, args.out, clf)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("saliency", help="pixel-space maps: saliency, guided backprop, SmoothGrad, IG, ...")
    p.add_argument("image")
    method_option(p, registry.methods(pixels=True), "saliency")
    p.add_argument(
        "--target",
        default=None,
        help="class name or index, or seg:CLASS for a segmentation model (the class's logit over its predicted pixels); default: the top-1 class",
    )
    p.add_argument("--top", type=int, default=0, help="explain the top-k classes, one map each")
    p.add_argument("--base", default=None, type=base_method, help="SmoothGrad: the base method averaged (default: saliency)")
    p.add_argument("-n", "--n", type=int, default=None, help="SmoothGrad: noisy samples, n= in Python (default 50, 4 quick)")
    p.add_argument("--noise", type=float, default=None, help="SmoothGrad: noise / input range (0.15)")
    p.add_argument("--steps", type=int, default=None, help="Integrated Gradients: path steps (default 50, 8 quick)")
    p.add_argument("--layer", default=None, help="CAM layer, for methods that read one (Guided Grad-CAM)")
    p.add_argument("--batch-size", type=int, default=None, help="samples per pass (default: by device and model)")
    p.add_argument("--seed", type=int, default=None, help="random seed (default: unseeded)")
    p.add_argument("--size", type=int, default=None, help="input side (default: the model's)")
    add_output_option(p, "saliency.png")
    add_model_options(p)
    p.set_defaults(func=_saliency, top_may_be_zero=True)  # --top 0: one --target map
