"""Gradient attributions against Captum: Saliency, InputXGradient, GuidedBackprop,
NoiseTunnel(Saliency) (SmoothGrad) and IntegratedGradients.

Speed (random-init ResNet-50; same model object, inputs and targets on both sides):
saliency, input x gradient and guided backprop of 4 images (top-1 each); SmoothGrad of one
image with 16 samples in one batch (Captum: ``nt_samples_batch_size=16``, its best
batching); Integrated Gradients of one image with 16 Gauss-Legendre steps in one batch
(Captum: ``internal_batch_size=16``). Our peak memory for SmoothGrad and IG is shown at
batch sizes 4 and 16: it grows with the batch size, not with the number of samples.

Agreement (EfficientNet-Lite0, real weights, offline, sample images, top-1 targets):
Pearson/Spearman of the raw attributions, averaged over images. SmoothGrad draws different
noise on each side, so its agreement is that of two independent 16-sample estimates.

    python benchmarks/compare_gradients.py [--size 112] [--repeat 3] [--device auto] [--json]
"""

from __future__ import annotations

import os
import sys
import warnings

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cnnviz_lab as cv  # noqa: E402
from common import Row, gpu_or, peak_memory, pearson, run_comparison, sample_batch, spearman, timed_many  # noqa: E402

warnings.filterwarnings("ignore", module="captum")
SAMPLES = ["cat", "coffee", "drums_and_guitar", "astronaut"]


def per_image(a: torch.Tensor, b: torch.Tensor) -> str:
    a, b = a.detach().float().cpu(), b.detach().float().cpu()
    r = np.nanmean([pearson(a[i], b[i]) for i in range(len(a))])
    s = np.nanmean([spearman(a[i], b[i]) for i in range(len(a))])
    return f"r={r:.3f}, rho={s:.3f}"


def one_pass_methods() -> tuple:
    """``(name, our function, Captum class, its attribute() keywords)`` of the one-pass
    gradient methods compared: saliency (signed, as ours), input x gradient, guided backprop."""
    from captum.attr import GuidedBackprop, InputXGradient, Saliency

    return (
        ("saliency", cv.saliency, Saliency, {"abs": False}),
        ("input x gradient", cv.input_x_gradient, InputXGradient, {}),
        ("guided backprop", cv.guided_backprop, GuidedBackprop, {}),
    )


def speed_rows(device: torch.device, size: int, repeat: int, samples: int) -> list[Row]:
    from captum.attr import IntegratedGradients, NoiseTunnel, Saliency

    torch.manual_seed(0)
    clf = cv.load_model("resnet50", weights=None, device=device)
    net = clf.model
    model = f"resnet50 (random) {size}px"
    x4 = torch.randn(4, 3, size, size, device=device)
    t4 = cv.topk_targets(clf, x4, 1)[:, 0]
    x1, t1 = x4[:1], t4[:1]
    rows = []
    for name, ours, peer, kw in one_pass_methods():
        t = timed_many(
            {"ours": lambda ours=ours: ours(clf, x4, t4), "peer": lambda peer=peer, kw=kw: peer(net).attribute(x4.clone(), target=t4.tolist(), **kw)},
            device,
            repeat,
        )
        rows.append(Row("gradients", name, model, "4 images, top-1", t["ours"], f"Captum {peer.__name__}", t["peer"], device=device.type))
    sigma = 0.15 * float(x1.max() - x1.min())
    n = samples
    t = timed_many(
        {
            "ours": lambda: cv.smoothgrad(clf, x1, t1, n=n, batch_size=n, seed=0),
            "peer": lambda: NoiseTunnel(Saliency(net)).attribute(
                x1.clone(), target=t1.tolist(), nt_type="smoothgrad", nt_samples=n, nt_samples_batch_size=n, stdevs=sigma, abs=False
            ),
        },
        device,
        repeat,
    )
    mem = {b: peak_memory(lambda b=b: cv.smoothgrad(clf, x1, t1, n=n, batch_size=b, seed=0, progress=False), device) for b in (4, n)}
    rows.append(
        Row(
            "gradients",
            f"SmoothGrad (n={n})",
            model,
            f"1 image, {n} samples per batch",
            t["ours"],
            f"Captum NoiseTunnel(Saliency), nt_samples_batch_size={n}",
            t["peer"],
            f"{mem[4]:.0f} MiB @ bs 4, {mem[n]:.0f} MiB @ bs {n}",
            device=device.type,
        )
    )
    base = clf.from_unit(torch.zeros_like(x1))
    t = timed_many(
        {
            "ours": lambda: cv.integrated_gradients(clf, x1, t1, baseline=base, steps=n, batch_size=n),
            "peer": lambda: IntegratedGradients(net).attribute(
                x1.clone(), baselines=base, target=t1.tolist(), n_steps=n, method="gausslegendre", internal_batch_size=n
            ),
        },
        device,
        repeat,
    )
    mem = {b: peak_memory(lambda b=b: cv.integrated_gradients(clf, x1, t1, baseline=base, steps=n, batch_size=b, progress=False), device) for b in (4, n)}
    rows.append(
        Row(
            "gradients",
            f"Integrated Gradients ({n} steps)",
            model,
            f"1 image, {n} points per batch",
            t["ours"],
            f"Captum IntegratedGradients, internal_batch_size={n}",
            t["peer"],
            f"{mem[4]:.0f} MiB @ bs 4, {mem[n]:.0f} MiB @ bs {n}",
            device=device.type,
        )
    )
    return rows


def agreement_rows(device: torch.device, samples: int) -> list[Row]:
    from captum.attr import GuidedBackprop, IntegratedGradients, NoiseTunnel, Saliency

    clf, x, t, model = sample_batch(device, SAMPLES)
    net = clf.model
    rows = []
    for name, ours, peer, kw in one_pass_methods():
        a = ours(clf, x, t)
        b = peer(net).attribute(x.clone(), target=t.tolist(), **kw).detach()
        note = f"max abs difference {(a - b).abs().max().item():.2e}"
        if peer is GuidedBackprop:
            same = (b - cv.saliency(clf, x, t)).abs().max().item()
            note = (
                f"PEER WRONG: Captum hooks nn.ReLU modules only; EfficientNet-Lite0 rectifies with "
                f"ReLU6, so Captum returns the plain gradient (max difference from saliency "
                f"{same:.1e}); ours applies the rule to ReLU6"
            )
        rows.append(
            Row("gradients", name, model, "4 sample images, top-1", peer=f"Captum {peer.__name__}", agreement=per_image(a, b), notes=note, device=device.type)
        )
    x2, t2 = x[:2], t[:2]
    base = clf.from_unit(torch.zeros_like(x2))
    a = cv.integrated_gradients(clf, x2, t2, baseline=base, steps=samples, batch_size=samples)
    b = (
        IntegratedGradients(net)
        .attribute(x2.clone(), baselines=base, target=t2.tolist(), n_steps=samples, method="gausslegendre", internal_batch_size=samples)
        .detach()
    )
    rows.append(
        Row(
            "gradients",
            f"Integrated Gradients ({samples} steps)",
            model,
            "2 sample images, top-1",
            peer="Captum IntegratedGradients",
            agreement=per_image(a, b),
            device=device.type,
            notes=f"same baseline (black image), max abs difference {(a - b).abs().max().item():.2e}",
        )
    )
    a = cv.smoothgrad(clf, x2, t2, n=samples, batch_size=samples, seed=0)
    b = torch.cat(
        [
            NoiseTunnel(Saliency(net))
            .attribute(
                x2[i : i + 1].clone(),
                target=int(t2[i]),
                nt_type="smoothgrad",
                nt_samples=samples,
                nt_samples_batch_size=samples,
                stdevs=0.15 * float(x2[i].max() - x2[i].min()),
                abs=False,
            )
            .detach()
            for i in range(2)
        ]
    )
    c = cv.smoothgrad(clf, x2, t2, n=samples, batch_size=samples, seed=1)
    rows.append(
        Row(
            "gradients",
            f"SmoothGrad (n={samples})",
            model,
            "2 sample images, top-1",
            peer="Captum NoiseTunnel(Saliency)",
            agreement=per_image(a, b),
            device=device.type,
            notes=f"different random noise on each side: two independent {samples}-sample estimates; "
            f"ours with seed 0 vs seed 1 agree as much: {per_image(a, c)}",
        )
    )
    return rows


def main() -> None:
    run_comparison(
        __doc__,
        "gradients",
        lambda dev, a: speed_rows(dev, gpu_or(a, dev), a.repeat, a.samples) + agreement_rows(dev, a.samples),
        size=112,
        options=lambda p: p.add_argument("--samples", type=int, default=16),
    )


if __name__ == "__main__":
    main()
