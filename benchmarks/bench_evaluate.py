"""Deletion curves: all steps of all images in batched forwards vs one forward per step.

Workload (issue 6): EfficientNet-Lite0 (the offline pretrained model), 3 bundled images at
224x224, a Grad-CAM map each, a deletion curve of 50 steps (51 forwards per image), on the
CPU by default. Prints median times of

- ``cv.deletion_curve`` with several ``batch_size`` values (0 here means ``None``, the
  measured default of ``cnnviz_lab.core.defaults.batch_size``);
- a loop of one forward pass per step and image, the way Quantus / hand-written RISE
  evaluations compute it (same masks, same model);

and checks that both give the same curve. Usage: ``python benchmarks/bench_evaluate.py
[--repeat 3] [--steps 50] [--size 224] [--device cpu] [--batch-sizes 0 64 16 4]``. Figures depend on the machine and
its load: report them as measured.
"""

from __future__ import annotations

import argparse

import torch

import cnnviz_lab as cv
from common import timed  # benchmarks/common.py: warm-up, median, CUDA sync
from cnnviz_lab.evaluate import pixel_order
from cnnviz_lab.core.perturb import fill_image


def loop_deletion(clf: cv.Classifier, x: torch.Tensor, maps: torch.Tensor, steps: int) -> torch.Tensor:
    """One forward per step and image: the straightforward implementation."""
    n, c, h, w = x.shape
    order = pixel_order(maps, 0)
    dst = fill_image(x, "blur", clf, 10.0).expand(n, c, h, w)
    scores = torch.empty(n, steps + 1)
    with torch.no_grad():
        target = clf.model(x).argmax(1)
        for i in range(n):
            for s in range(steps + 1):
                k = round(h * w * s / steps)
                mask = torch.zeros(h * w, dtype=torch.bool, device=x.device)
                mask[order[i, :k]] = True
                img = torch.where(mask.view(1, 1, h, w), dst[i : i + 1], x[i : i + 1])
                scores[i, s] = clf.model(img).softmax(1)[0, target[i]]
    return scores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--size", type=int, default=224)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[0, 64, 16, 4])
    args = parser.parse_args()
    clf = cv.load_model(device=args.device)
    x = clf.preprocess([cv.sample_image(n) for n in ("cat", "coffee", "drums_and_guitar")], size=args.size)
    maps = cv.gradcam(clf, x)
    looped = lambda: loop_deletion(clf, x, maps, args.steps)  # noqa: E731
    reference = looped()
    forwards = x.shape[0] * (args.steps + 1)
    print(
        f"EfficientNet-Lite0, {x.shape[0]} images at {args.size} px, {args.steps} steps "
        f"({forwards} masked forwards), device {args.device}, torch {torch.__version__}, "
        f"{torch.get_num_threads()} threads"
    )
    t_l = timed(looped, args.device, args.repeat)
    print(f"one forward per step (loop)            {t_l * 1000:9.1f} ms")
    for bs in args.batch_sizes:
        batched = lambda: cv.deletion_curve(
            clf,
            x,
            maps,
            steps=args.steps,
            fill="blur",  # noqa: E731
            batch_size=bs or None,
            seed=0,
            progress=False,
        )
        same = torch.allclose(batched().scores.cpu(), reference, atol=1e-4)
        t_b = timed(batched, args.device, args.repeat)
        print(f"cv.deletion_curve, batch_size={bs or 'None':<4}    {t_b * 1000:9.1f} ms   {t_l / t_b:5.2f}x the loop's speed, same curve: {same}")


if __name__ == "__main__":
    main()
