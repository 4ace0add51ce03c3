"""``cnnviz predict``, ``cnnviz filters``, ``cnnviz features``: the network's own view."""

from __future__ import annotations

import argparse

from .. import plot
from ..images import load_image
from . import add_model_options, add_output_option, model_from_args, save


def _predict(args: argparse.Namespace) -> int:
    clf = model_from_args(args)
    x = clf.preprocess(load_image(args.image))
    for rank, (idx, label, prob) in enumerate(clf.predict(x, k=args.top), 1):
        print(f"{rank}. {label} ({idx}): {prob:.1%}")
    if args.out:
        save(plot.predictions(clf, x, k=args.top), args.out, clf)
    return 0


def _filters(args: argparse.Namespace) -> int:
    clf = model_from_args(args)
    save(plot.filters(clf, args.layer, max_filters=args.max_filters), args.out, clf)
    return 0


def _features(args: argparse.Namespace) -> int:
    clf = model_from_args(args)
    channels = range(args.first, args.first + args.count)
    save(plot.feature_maps(clf, load_image(args.image), args.layer or clf.cam_layer, channels), args.out, clf)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("predict", help="top-k classes of an image")
    p.add_argument("image")
    p.add_argument("--top", type=int, default=5)
    p.add_argument("--out", "-o", default=None, help="also save a bar chart here")
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
    p.add_argument("--count", type=int, default=64, help="number of channels shown")
    add_output_option(p, "features.png")
    add_model_options(p)
    p.set_defaults(func=_features)
    register_fetch(sub)


def _fetch(args: argparse.Namespace) -> int:
    from ..models import fetch_weights

    for path in fetch_weights(args.models, base_url=args.url):
        print(f"cached {path}")
    return 0


def register_fetch(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("fetch", help="download torchvision weights once, for offline use later")
    p.add_argument("models", nargs="+", help="torchvision model names, e.g. resnet50 vgg16")
    p.add_argument("--url", default=None, help="download from this mirror (the weights' file name is "
                   "appended) instead of torchvision's server; default $CNNVIZ_WEIGHTS_URL")
    p.set_defaults(func=_fetch)
