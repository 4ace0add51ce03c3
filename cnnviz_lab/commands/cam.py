"""``cnnviz gradcam``: class maps read from a layer (the registry's "cam" family), to a PNG."""

from __future__ import annotations

import argparse

from .. import plot
from ..attribution import registry
from ..images.loading import load_image
from . import add_model_options, add_output_option, cli_target, method_option, model_from_args, parse_target, save


def _gradcam(args: argparse.Namespace) -> int:
    clf = model_from_args(args)
    x = clf.preprocess(load_image(args.image))
    options = dict(max_channels=args.max_channels, batch_size=args.batch_size)
    name = registry.label(args.method)
    if args.target is not None:
        what, index, label = cli_target(clf, parse_target(args.target))
        heat = registry.call(args.method, clf, x, what, layer=args.layer, offered=options)[0]
        fig = plot.cam_overlay(x, heat, clf, title=f"{name} for '{label}' at {args.layer or clf.cam_layer}")
    else:
        fig = plot.cam_topk(clf, x, k=args.top, method=args.method, layer=args.layer, **registry.accepted(args.method, options))
        for rank, (idx, label, prob) in enumerate(clf.predict(x, k=args.top), 1):
            print(f"{rank}. {label} ({idx}): {prob:.1%}")
    save(fig, args.out, clf)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("gradcam", help="Grad-CAM (or any class-map method: CAM, Grad-CAM++, LayerCAM, Score-CAM, ...) for the top-k classes or one class")
    p.add_argument("image")
    p.add_argument("--top", type=int, default=5, help="explain the top-k classes (default 5)")
    p.add_argument(
        "--target",
        default=None,
        help="one class (index or label) instead of the top-k, or seg:CLASS for a segmentation model (the class's logit over its predicted pixels)",
    )
    p.add_argument("--layer", default=None, help="layer name (default: the model's CAM layer)")
    method_option(p, registry.methods("cam", pixels=False), "gradcam")
    p.add_argument("--max-channels", type=int, default=None, help="Score-CAM: score only this many channels (the most active)")
    p.add_argument("--batch-size", type=int, default=None, help="masked images per pass (Score-CAM)")
    add_output_option(p, "gradcam.png")
    add_model_options(p)
    p.set_defaults(func=_gradcam)
