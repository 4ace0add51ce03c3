"""``cnnviz gallery IMAGE --out DIR``: every method of the course on one image."""

from __future__ import annotations

import argparse

from . import add_model_options, add_output_option, model_from_args


def _gallery(args: argparse.Namespace) -> int:
    from ..gallery import DEFAULT_IMAGE, make_gallery

    clf = model_from_args(args)  # --model, --weights, --device and --fallback, as everywhere
    page = make_gallery(args.image or DEFAULT_IMAGE, args.out, clf, fast=True if args.fast else None, only=args.only or None, thumbnails=args.thumbnails)
    print(f"wrote {page}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("gallery", help="every method of the course on one image: PNGs and index.html")
    p.add_argument("image", nargs="?", default=None, help="image file or URL (default: the bundled photo drums_and_guitar.jpg)")
    add_output_option(p, "gallery", kind="folder")
    p.add_argument("--fast", action="store_true", help="small sizes and few steps (also CNNVIZ_QUICK=1)")
    p.add_argument("--only", nargs="*", help="keep entries whose name starts with these (e.g. 01 06)")
    p.add_argument("--thumbnails", action="store_true", help="also one small preview per notebook")
    add_model_options(p)
    p.set_defaults(func=_gallery)
