"""``cnnviz maximize LAYER:CH`` and ``cnnviz dream IMAGE --layer NAME:WEIGHT``."""

from __future__ import annotations

import argparse
from pathlib import Path

from . import add_model_options, add_output_option, model_from_args, saved


def _layer_weight(value: str) -> tuple[str, float]:
    """``NAME:WEIGHT`` (or just ``NAME``, weight 1)."""
    name, sep, weight = value.rpartition(":")
    if not sep:
        return value, 1.0
    try:
        return name, float(weight)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--layer expects NAME:WEIGHT, e.g. blocks.10:1.0, got {value!r}")


def _write(image, path: str) -> None:
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    image.save(out)
    saved(str(out))


def _maximize(args: argparse.Namespace) -> int:
    from ..optvis import maximize
    from ..plot import renderings, save_figure

    clf = model_from_args(args)
    result = maximize(clf, args.objective, size=args.size, steps=args.steps, param=args.param, seed=args.seed,
                      lr=args.lr, progress=True)
    if len(result.images) > 1:
        fig = renderings(result, [str(i) for i in range(len(result.images))], ncols=8)
        saved(save_figure(fig, args.out))
    else:
        _write(result.image, args.out)
    return 0


def _dream(args: argparse.Namespace) -> int:
    from ..images import load_image
    from ..optvis import deepdream

    clf = model_from_args(args)
    layers: dict[str, float] | None = None
    for name, weight in args.layer or []:
        layers = layers or {}
        layers[name] = layers.get(name, 0.0) + weight
    out = deepdream(clf, load_image(args.image), layers, octaves=args.octaves, octave_scale=args.octave_scale,
                    steps=args.steps, lr=args.lr, jitter=args.shift, seed=args.seed, smooth=args.smooth,
                    max_side=args.max_side, progress=True)
    _write(out, args.out)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("maximize", help="the image that maximally excites a channel, neuron or class")
    p.add_argument("objective", help="LAYER:CH (e.g. blocks.8:12), LAYER:A-B (a batch of channels), "
                                     "class:NAME or a layer name (its mean squared activation)")
    p.add_argument("--steps", type=int, default=256)
    p.add_argument("--size", type=int, default=224)
    p.add_argument("--param", choices=["fft", "fft-rgb", "pixel"], default="fft")
    p.add_argument("--lr", type=float, default=0.05)
    p.add_argument("--seed", type=int, default=None, help="same seed, same image (default: unseeded)")
    add_output_option(p, "maximize.png")
    add_model_options(p)
    p.set_defaults(func=_maximize)

    p = sub.add_parser("dream", help="DeepDream an image")
    p.add_argument("image")
    p.add_argument("--layer", action="append", type=_layer_weight, metavar="NAME:WEIGHT",
                   help="a layer and its weight; repeat for several (default: the model's block at "
                        "65%% of its depth, weight 1)")
    p.add_argument("--octaves", type=int, default=4)
    p.add_argument("--octave-scale", type=float, default=1.4)
    p.add_argument("--steps", type=int, default=10, help="gradient steps per octave")
    p.add_argument("--lr", type=float, default=0.09)
    p.add_argument("--shift", type=int, default=32, help="random roll in pixels each step")
    p.add_argument("--smooth", type=float, default=0.0, help="Gaussian sigma for the gradient")
    p.add_argument("--max-side", type=int, default=1024, help="dream at most this wide, then resize back")
    p.add_argument("--seed", type=int, default=None, help="same seed, same dream (default: unseeded)")
    add_output_option(p, "dream.png")
    add_model_options(p)
    p.set_defaults(func=_dream)
