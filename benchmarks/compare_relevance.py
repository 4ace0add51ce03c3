"""Relevance methods against zennit and Captum: LRP, DeepLIFT and GradientSHAP.

Speed (random-init VGG16 and ResNet-50, the same model object, inputs and targets on every
side; each timing the median of interleaved rounds after a warm-up call, so a busy
machine's load hits all sides alike):

- LRP, composite ``epsilon_plus`` (z+ on convolutions, epsilon on linear layers, BatchNorm
  folded) against zennit's ``EpsilonPlus`` with its canonizers (VGG: ``SequentialMergeBatchNorm``,
  ResNet: ``ResNetCanonizer``);
- LRP-epsilon (Captum's default rules: epsilon 1e-9 on convolutions, linear layers and
  poolings) against Captum's ``LRP`` (VGG16 only: Captum's LRP counts residual branches twice);
- DeepLIFT (Rescale, black reference) against Captum's ``DeepLift`` (which refuses
  torchvision's ResNet: it reuses one ReLU module; the row says so);
- GradientSHAP (8 samples, 2 references, no noise) against Captum's ``GradientShap``.

Agreement: Pearson r of the raw maps (GradientSHAP draws its own samples on each side, so
its agreement is that of two 8-sample estimates). Figures and ratios are printed; the goal
is a ratio (peer time / our time) of 1 or more.

    python benchmarks/compare_relevance.py [--size 64] [--repeat 3] [--device auto] [--json]
"""

from __future__ import annotations

import os
import sys
import warnings

import torch
import torchvision
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cnnviz_lab as cv  # noqa: E402
from common import Row, gpu_or, pearson, run_comparison, timed_many  # noqa: E402
from cnnviz_lab.core import Composite, Epsilon, Norm, Pass  # noqa: E402
from cnnviz_lab.core.composites import AVGPOOL_TYPES  # noqa: E402
from cnnviz_lab.core.engine import ACTIVATION_TYPES  # noqa: E402

warnings.filterwarnings("ignore")
CAPTUM_LRP = Composite([(ACTIVATION_TYPES, Pass()), ((nn.Conv2d, nn.Linear), Epsilon(1e-9)), (AVGPOOL_TYPES, Norm(1e-9))])


def _zennit_lrp(net: nn.Module, x: torch.Tensor, t: torch.Tensor, canonizer) -> torch.Tensor:
    from zennit.attribution import Gradient
    from zennit.composites import EpsilonPlus

    with Gradient(model=net, composite=EpsilonPlus(canonizers=[canonizer])) as attributor:
        out, rel = attributor(x, torch.eye(1000, device=x.device)[t])
    return rel * out.gather(1, t[:, None]).detach().view(-1, 1, 1, 1)


def rows_for(device: torch.device, args) -> list[Row]:
    from captum.attr import LRP, DeepLift, GradientShap
    from zennit.canonizers import SequentialMergeBatchNorm
    from zennit.torchvision import ResNetCanonizer

    size = gpu_or(args, device)
    batch = 4 if device.type == "cpu" else 16
    rows = []
    for arch in ("vgg16", "resnet50"):
        torch.manual_seed(0)
        net = getattr(torchvision.models, arch)(weights=None).eval().to(device)
        x = torch.randn(batch, 3, size, size, device=device)
        with torch.no_grad():
            t = net(x).argmax(1)
        refs = torch.stack([torch.zeros_like(x[0]), x.mean(0)])
        model, what = f"{arch} (random) {size}px", f"{batch} images, top-1"
        canon = SequentialMergeBatchNorm() if arch == "vgg16" else ResNetCanonizer()
        sides = {
            "lrp": lambda: cv.lrp(net, x, t, composite="epsilon_plus"),
            "zennit lrp": lambda: _zennit_lrp(net, x, t, canon),
            "deeplift": lambda: cv.deeplift(net, x, t, baseline=0.0),
            "captum deeplift": lambda: DeepLift(net).attribute(x, baselines=torch.zeros_like(x), target=t),
            "gradient_shap": lambda: cv.gradient_shap(net, x, t, baselines=refs, n=8, seed=0, batch_size=8 * batch, progress=False),
            "captum gradient_shap": lambda: GradientShap(net).attribute(x, baselines=refs, target=t, n_samples=8),
        }
        if arch == "vgg16":
            for m in net.modules():  # Captum's LRP wants its ReLUs out of place
                if isinstance(m, nn.ReLU):
                    m.inplace = False
            sides["lrp epsilon"] = lambda: cv.lrp(net, x, t, composite=CAPTUM_LRP)
            sides["captum lrp"] = lambda: LRP(net).attribute(x, target=t)
        failed = {}
        for key, fn in list(sides.items()):  # a peer that cannot run this model is reported, not timed
            try:
                fn()
            except Exception as err:  # noqa: BLE001
                failed[key] = f"{type(err).__name__}: {str(err).split('.')[0][:70]}"
                del sides[key]
        times = timed_many(sides, device, args.repeat)
        maps = {k: fn().detach() for k, fn in sides.items()}
        for ours, peer, label in (
            ("lrp", "zennit lrp", "zennit EpsilonPlus"),
            ("lrp epsilon", "captum lrp", "Captum LRP"),
            ("deeplift", "captum deeplift", "Captum DeepLift"),
            ("gradient_shap", "captum gradient_shap", "Captum GradientShap"),
        ):
            if ours not in times:
                continue
            if peer in failed:
                rows.append(Row("relevance", ours, model, what, times[ours], label, None, notes=f"{label} fails: {failed[peer]}", device=device.type))
                continue
            rows.append(
                Row("relevance", ours, model, what, times[ours], label, times[peer], agreement=f"r={pearson(maps[ours], maps[peer]):.4f}", device=device.type)
            )
    return rows


def main() -> None:
    try:
        import captum  # noqa: F401
        import zennit  # noqa: F401
    except ImportError:
        print('peers not installed: pip install "captum>=0.7" "zennit>=0.5" (or pip install -e .[bench])')
        return
    run_comparison(__doc__, "relevance", rows_for, size=64, repeat=3, peers=False)


if __name__ == "__main__":
    main()
