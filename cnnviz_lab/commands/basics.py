"""``cnnviz predict``, ``cnnviz filters``, ``cnnviz features``: the network's own view."""

from __future__ import annotations

import argparse

from .. import plot
from ..images.loading import load_image
from ..core.hooks import activations
from . import add_model_options, add_output_option, check_channels, model_from_args, save


def _predict(args: argparse.Namespace) -> int:
    clf = model_from_args(args)
    x = clf.preprocess(load_image(args.image))
    for rank, (idx, label, prob) in enumerate(clf.predict(x, k=args.top), 1):
        print(f"{rank}. {label} ({idx}): {prob:.1%}")
    if args.out:
        save(plot.predictions(clf, x, k=args.top), args.out, clf)
    return 0


def _filters(args: argparse.Namespace) -> int:
    if args.max_filters < 1:
        raise ValueError(f"--max-filters {args.max_filters}: show at least 1 filter")
    clf = model_from_args(args)
    save(plot.filters(clf, args.layer, max_filters=args.max_filters), args.out, clf)
    return 0


def _features(args: argparse.Namespace) -> int:
    clf = model_from_args(args)
    layer = args.layer or clf.cam_layer
    if args.count < 1:
        raise ValueError(f"--count {args.count}: show at least 1 channel")
    x = clf.preprocess(load_image(args.image))
    act = activations(clf, x, layer)
    if act.dim() != 4:
        raise ValueError(
            f"--layer {layer} outputs shape {tuple(act.shape)}, not feature maps (N,C,H,W); pick a convolutional layer (cnnviz_lab.layer_names(model, 'conv'))"
        )
    available = act.shape[1]
    check_channels(layer, available, [args.first], "--first")
    channels = range(args.first, min(args.first + args.count, available))
    save(plot.feature_maps(clf, x, layer, channels), args.out, clf)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("predict", help="top-k classes of an image")
    p.add_argument("image")
    p.add_argument("--top", type=int, default=5, help="how many classes (1 to the model's classes; default 5)")
    p.add_argument("--out", "-o", default=None, help="also save a bar chart here")
    p.set_defaults(out_kind="figure")
    add_model_options(p)
    p.set_defaults(func=_predict)

    p = sub.add_parser("filters", help="weights of a convolution layer as pictures")
    p.add_argument("--layer", default=None, help="conv layer name (default: the first)")
    p.add_argument("--max-filters", type=int, default=64)
    add_output_option(p, "filters.png")
    add_model_options(p)
    p.set_defaults(func=_filters)

    p = sub.add_parser("features", help="feature maps of a layer for an image")
    p.add_argument("image")
    p.add_argument("--layer", default=None, help="layer name (default: the model's CAM layer)")
    p.add_argument("--first", type=int, default=0, help="first channel shown")
    p.add_argument("--count", type=int, default=64, help="at most this many channels shown (default 64)")
    add_output_option(p, "features.png")
    add_model_options(p)
    p.set_defaults(func=_features)
    register_fetch(sub)


def _fetch(args: argparse.Namespace) -> int:
    from ..models.loading import fetch_weights

    for path in fetch_weights(args.models, base_url=args.url):
        print(f"cached {path}")
    return 0


def register_fetch(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("fetch", help="download torchvision weights once, for offline use later")
    p.add_argument("models", nargs="+", help="torchvision model names, e.g. resnet50 vgg16")
    p.add_argument(
        "--url",
        default=None,
        help="download from this mirror (the weights' file name is appended) instead of torchvision's server; default $CNNVIZ_WEIGHTS_URL",
    )
    p.set_defaults(func=_fetch)
