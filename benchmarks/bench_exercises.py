"""How long each exercise checker takes to answer, with the offline model on this machine.

Target (issue 11): every checker answers in under 5 seconds on a CPU. Each checker of
``cv.exercises`` is called with the right answer (the path that runs every comparison) and
with a wrong one (the path that also looks for the likely mistake), as a notebook calls it
(where the package has the answer, it is the package's: ``cv.activations`` for the layer
output, the checker's own reference step for DeepDream);
checkers that take a model get EfficientNet-Lite0 and a 224-pixel photo, as in the
notebooks. Prints one row per checker: seconds right, seconds wrong, and the target.

The figure is the process's CPU time with ``--threads`` intra-op threads (default 1): on a
shared machine wall-clock time mostly measures the other processes. ``--wall`` prints
wall-clock seconds instead.

    python benchmarks/bench_exercises.py [--repeats 3] [--threads 1] [--wall]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import platform
import statistics
import time

TARGET_S = 5.0


def cases():
    import torch

    import cnnviz_lab as cv
    from cnnviz_lab.exercises.optvis import _step as dream_step  # the checker's own reference step

    ex = cv.exercises
    clf = cv.load_model(device="cpu")
    cat = clf.preprocess(cv.sample_image("cat"))
    both = clf.preprocess(cv.sample_image("drums_and_guitar"))
    body = cv.sample_boxes("drums_and_guitar")["electric guitar"][1]

    def occlude(x, t, l, w, v):
        out = x.clone()
        out[:, :, t : t + w, l : l + w] = v
        return out

    def drop(c, x, t, l, w):
        with torch.no_grad():
            p = c.model(x).softmax(1)[0]
            k = int(p.argmax())
            return float(p[k] - c.model(occlude(x, t, l, w, 0.0)).softmax(1)[0, k])

    def grad(m, x, t):
        x = x.detach().requires_grad_(True)
        return torch.autograd.grad(m(x)[:, t].sum(), x)[0]

    alpha = lambda g: g.mean(dim=(1, 2))[:, None, None]  # noqa: E731

    mac = lambda c, x, l, k: cv.activations(c, x, l)[0].mean(dim=(1, 2)).topk(k).indices  # noqa: E731
    return {
        "check_top_k": (
            lambda: ex.check_top_k(lambda z, k: z.softmax(1).topk(k, 1)),
            lambda: ex.check_top_k(lambda z, k: tuple(t.flip(1) for t in z.softmax(1).topk(k, 1))),
        ),
        "check_most_active_channels": (
            lambda: ex.check_most_active_channels(mac, clf, cat, "blocks.8"),
            lambda: ex.check_most_active_channels(lambda *a: mac(*a).flip(0), clf, cat, "blocks.8"),
        ),
        "check_layer_output": (
            lambda: ex.check_layer_output(lambda m, layer, x: cv.activations(m, x, layer)),
            lambda: ex.check_layer_output(lambda m, layer, x: m(x)),
        ),
        "check_saliency": (lambda: ex.check_saliency(grad), lambda: ex.check_saliency(lambda m, x, t: grad(m, x, (t + 1) % 10))),
        "check_total_variation": (
            lambda: ex.check_total_variation(cv.objectives.tv),
            lambda: ex.check_total_variation(lambda x: x.diff(dim=-1).abs().mean((1, 2, 3))),
        ),
        "check_feature_distance": (
            lambda: ex.check_feature_distance(lambda a, a0: (a - a0).flatten(1).pow(2).sum(1) / a0.flatten(1).pow(2).sum(1)),
            lambda: ex.check_feature_distance(lambda a, a0: (a - a0).flatten(1).pow(2).sum(1)),
        ),
        "check_normalize_gradient": (
            lambda: ex.check_normalize_gradient(lambda g: (g - g.mean()) / g.std()),
            lambda: ex.check_normalize_gradient(lambda g: g / g.abs().max()),
        ),
        "check_dream_step": (
            lambda: ex.check_dream_step(dream_step, clf, cv.sample_image("astronaut"), "blocks.10"),
            lambda: ex.check_dream_step(lambda n, x, l, r, s: dream_step(n, x, l, r, (0, 0)), clf, cv.sample_image("astronaut"), "blocks.10"),
        ),
        "check_class_map": (
            lambda: ex.check_class_map(lambda a, w, c: torch.einsum("k,khw->hw", w[c], a)),
            lambda: ex.check_class_map(lambda a, w, c: torch.einsum("k,khw->hw", w[0], a)),
        ),
        "check_gradcam": (
            lambda: ex.check_gradcam(lambda a, g: (alpha(g) * a).sum(0).clamp_min(0)),
            lambda: ex.check_gradcam(lambda a, g: (alpha(g) * a).sum(0)),
        ),
        "check_layercam": (
            lambda: ex.check_layercam(lambda a, g: (g.clamp_min(0) * a).sum(0).clamp_min(0)),
            lambda: ex.check_layercam(lambda a, g: (g * a).sum(0).clamp_min(0)),
        ),
        "check_wrong_object": (
            lambda: ex.check_wrong_object(clf, both, "electric guitar", body, layer="blocks.12"),
            lambda: ex.check_wrong_object(clf, both, "electric guitar", body),
        ),
        "check_occlude": (lambda: ex.check_occlude(occlude), lambda: ex.check_occlude(lambda x, t, l, w, v: occlude(x, l, t, w, v))),
        "check_occlusion_drop": (lambda: ex.check_occlusion_drop(drop, clf, cat), lambda: ex.check_occlusion_drop(lambda *a: -drop(*a), clf, cat)),
        "check_trapezoid_auc": (
            lambda: ex.check_trapezoid_auc(lambda f, s: float(torch.trapezoid(s, f))),
            lambda: ex.check_trapezoid_auc(lambda f, s: float(s.mean())),
        ),
        "check_choice": (lambda: ex.check_choice("06-gradcam-middle-layer", "b"), lambda: ex.check_choice("06-gradcam-middle-layer", "a")),
    }


def timed(fn, repeats: int, clock=time.process_time) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeats):
        start = clock()
        with contextlib.redirect_stdout(io.StringIO()):
            result = fn()
        times.append(clock() - start)
    return statistics.median(times), result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--wall", action="store_true", help="wall-clock time instead of CPU time")
    args = parser.parse_args()
    os.environ.setdefault("CNNVIZ_OFFLINE", "1")
    import torch

    torch.set_num_threads(args.threads)
    clock = time.perf_counter if args.wall else time.process_time
    print(
        f"exercise checkers, {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"{torch.get_num_threads()} torch threads, {'wall-clock' if args.wall else 'CPU'} seconds; "
        f"median of {args.repeats} after one warm-up call"
    )
    print(f"{'checker':28s} {'right (s)':>10s} {'wrong (s)':>10s}  verdicts  under {TARGET_S:g} s")
    worst = 0.0
    for name, (right, wrong) in cases().items():
        timed(right, 1, clock)
        t_right, ok_right = timed(right, args.repeats, clock)
        t_wrong, ok_wrong = timed(wrong, args.repeats, clock)
        worst = max(worst, t_right, t_wrong)
        verdicts = "ok" if bool(ok_right) and not bool(ok_wrong) else "WRONG"  # checkers return a Verdict, true or false like a bool
        print(f"{name:28s} {t_right:10.2f} {t_wrong:10.2f}  {verdicts:8s}  {'yes' if max(t_right, t_wrong) < TARGET_S else 'NO'}")
    print(f"slowest: {worst:.2f} s (target {TARGET_S:g} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
