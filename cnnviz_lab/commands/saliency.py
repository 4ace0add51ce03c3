"""``cnnviz saliency IMAGE --method guided --target tabby --out map.png``: gradient maps."""

from __future__ import annotations

import argparse

from .. import plot
from ..attribution.common import topk_targets
from ..attribution.gradients import (guided_backprop, input_x_gradient, integrated_gradients, saliency,
                                     smoothgrad)
from ..images import load_image
from . import add_model_options, add_output_option, model_from_args, parse_target, save

METHODS = ["vanilla", "guided", "smoothgrad", "smoothgrad-guided", "ig", "input-x-gradient"]


def _attribute(clf, x, target, args):
    m = args.method
    if m == "vanilla":
        return saliency(clf, x, target)
    if m == "guided":
        return guided_backprop(clf, x, target)
    if m == "input-x-gradient":
        return input_x_gradient(clf, x, target)
    if m == "ig":
        return integrated_gradients(clf, x, target, steps=args.steps, batch_size=args.batch_size)
    base = guided_backprop if m == "smoothgrad-guided" else saliency
    return smoothgrad(clf, x, target, method=base, n=args.samples, noise=args.noise,
                      batch_size=args.batch_size, seed=args.seed)


def _saliency(args: argparse.Namespace) -> int:
    clf = model_from_args(args)
    x = clf.preprocess(load_image(args.image), size=args.size)
    if args.top and args.target is not None:
        raise ValueError("use either --target or --top, not both")
    if args.top:
        targets = topk_targets(clf, x, args.top)
        attr = _attribute(clf, x, targets, args)[0]
        labels = [clf.label(int(i)) for i in targets[0]]
        fig = plot.class_maps(x, attr, labels, clf, title=f"{args.method}: top-{args.top} classes")
    else:
        target = parse_target(args.target)
        if target is None:
            target = int(clf.logits(x).argmax(1)[0])
        index = clf.class_index(target)
        attr = _attribute(clf, x, index, args)[0]
        fig = plot.saliency_maps(x, attr, clf, title=f"{args.method} for '{clf.label(index)}' ({clf.name})")
        print(f"{args.method} map for class {clf.label(index)} ({index})")
    save(fig, args.out, clf)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("saliency", help="gradient maps: vanilla, guided backprop, SmoothGrad, IG")
    p.add_argument("image")
    p.add_argument("--method", choices=METHODS, default="vanilla")
    p.add_argument("--target", default=None, help="class name or index (default: the top-1 class)")
    p.add_argument("--top", type=int, default=0, help="explain the top-k classes, one map each")
    p.add_argument("--samples", type=int, default=25, help="SmoothGrad: noisy samples (default 25)")
    p.add_argument("--noise", type=float, default=0.15, help="SmoothGrad: noise / input range (0.15)")
    p.add_argument("--steps", type=int, default=32, help="Integrated Gradients: path steps (32)")
    p.add_argument("--batch-size", type=int, default=None, help="samples per pass (default 32)")
    p.add_argument("--seed", type=int, default=0, help="SmoothGrad noise seed")
    p.add_argument("--size", type=int, default=None, help="input side (default: the model's)")
    add_output_option(p, "saliency.png")
    add_model_options(p)
    p.set_defaults(func=_saliency)
