"""Ablation-CAM, RISE and the other methods the peers also offer: forward passes, speed,
agreement.

Ablation-CAM speed (random-init ResNet-50, ``layer4``, 2048 channels, one image): ours
against pytorch-grad-cam's ``AblationCAM`` (its default ``batch_size=32``), timed in
interleaved rounds, best time of each. Forward passes are counted with hooks on the model
(calls and images entering it) and on its ``fc`` (images through the head): ours feeds one
image per pass and expands to the ablated copies at the layer, the peer feeds ``batch_size``
copies of the image per pass. K target classes: ours reads them from the same passes
(counted again with K=5); the peer explains one class per image per call, so K classes cost
it K calls. Our batch size is swept to show the default against the alternatives.

RISE (no peer offers it): time per mask on ResNet-50 at two batch sizes, against the floor,
a plain forward pass of as many images at the same batch size.

Agreement (EfficientNet-Lite0 with its real weights, offline; sample images, top-1):
HiResCAM, XGrad-CAM, EigenCAM (``center=True``, the peer's PCA, sign matched) and
Ablation-CAM against pytorch-grad-cam; deconvnet and LIME (same superpixels, samples,
kernel and ridge fit) against Captum; Pearson/Spearman per image, averaged.

    python benchmarks/compare_methods.py [--size 224] [--repeat 1] [--masks 64] [--device auto] [--json]
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cnnviz_lab as cv  # noqa: E402
from cnnviz_lab.attribution.lime import kernel_weights, lime_samples  # noqa: E402
from common import Row, devices, fresh_malloc, peers_missing, print_rows, sample_batch, save_rows, sync  # noqa: E402
from compare_cam import _targets_list, per_image  # noqa: E402

SAMPLES = ["cat", "coffee"]


class PassCounter:
    """Counts calls of a model and images entering it and its head (hooks removed on exit)."""

    def __init__(self, net: torch.nn.Module, head: torch.nn.Module) -> None:
        self.net, self.head = net, head
        self.calls = self.images = self.head_images = 0

    def __enter__(self) -> "PassCounter":
        def count(_m, inp):
            self.calls += 1
            self.images += inp[0].shape[0]

        def count_head(_m, inp):
            self.head_images += inp[0].shape[0]

        self.handles = [self.net.register_forward_pre_hook(count), self.head.register_forward_pre_hook(count_head)]
        return self

    def __exit__(self, *exc) -> None:
        for h in self.handles:
            h.remove()

    def __str__(self) -> str:
        return f"{self.calls} passes, {self.images} images in, {self.head_images} through the head"


def _best(fns: dict, device, rounds: int, counters: dict | None = None) -> dict[str, float]:
    """Best wall-clock seconds of each function over ``rounds`` interleaved rounds; with
    ``counters`` ({name: PassCounter}) the first round of each also counts its passes."""
    best = {k: float("inf") for k in fns}
    for r in range(rounds):
        for name, fn in fns.items():
            counter = (counters or {}).get(name) if r == 0 else None
            sync(device)
            start = time.perf_counter()
            if counter is not None:
                with counter:
                    fn()
            else:
                fn()
            sync(device)
            best[name] = min(best[name], time.perf_counter() - start)
    return best


def _peer_ablation(net, layer, x, targets, batch_size=32):
    from pytorch_grad_cam import AblationCAM

    cam = AblationCAM(net, [net.get_submodule(layer)], batch_size=batch_size)
    with cam:
        return cam(x, targets=_targets_list(targets))


def ablation_rows(device: torch.device, size: int, rounds: int) -> list[Row]:
    torch.manual_seed(0)
    clf = cv.load_model("resnet50", weights=None, device=device)
    net, layer = clf.model, "layer4"
    x = torch.randn(1, 3, size, size, device=device)
    top1 = cv.topk_targets(clf, x, 1)[:, 0]
    top5 = cv.topk_targets(clf, x, 5)
    ours = lambda bs=None, t=top1: cv.ablationcam(clf, x, t, layer=layer, batch_size=bs, progress=False)  # noqa: E731
    peer = lambda: _peer_ablation(net, layer, x, top1)  # noqa: E731
    counts = {k: PassCounter(net, net.fc) for k in ("ours K=1", "ours K=5", "peer K=1")}
    ours()  # warm-up; the peer's minutes warm it
    t = _best({"ours K=1": ours, "peer K=1": peer, "ours K=5": lambda: ours(None, top5)}, device, rounds, counts)
    from cnnviz_lab.core.defaults import copies_per_pass

    default = copies_per_pass(None, cv.activations(net, x, layer))
    sweep = _best({f"{bs}{' (default)' if bs == default else ''}": (lambda bs=bs: ours(bs)) for bs in (64, 256, default, 2048)}, device, 1)
    best_ours = min(t["ours K=1"], sweep[f"{default} (default)"])  # the default, before and after the peer
    t, t5 = {"ours": best_ours, "peer": t["peer K=1"]}, t["ours K=5"]
    model = f"resnet50 (random) {size}px, layer4 (2048 ch)"
    return [
        Row(
            "methods",
            "Ablation-CAM",
            model,
            "1 image, top-1",
            t["ours"],
            "pytorch-grad-cam AblationCAM (batch_size 32)",
            t["peer"],
            device=device.type,
            notes=f"best of {rounds} interleaved round(s) (ours also after the peer). Ours: "
            f"{counts['ours K=1']}; peer: "
            f"{counts['peer K=1']}. Our time by batch_size: " + ", ".join(f"{k}: {v:.2f} s" for k, v in sweep.items()),
        ),
        Row(
            "methods",
            "Ablation-CAM top-5",
            model,
            "1 image x 5 classes",
            t5,
            "pytorch-grad-cam AblationCAM, one call per class (5 x K=1, not run)",
            5 * t["peer"],
            device=device.type,
            notes=f"ours with K=5: {counts['ours K=5']} (the same passes as K=1); the peer explains one class per image per call",
        ),
    ]


def rise_rows(device: torch.device, size: int, masks: int) -> list[Row]:
    torch.manual_seed(0)
    clf = cv.load_model("resnet50", weights=None, device=device)
    net = clf.model
    x = torch.randn(1, 3, size, size, device=device)
    t = cv.topk_targets(clf, x, 1)[:, 0]
    rows = []
    for bs in (16, 32):
        batch = torch.randn(bs, 3, size, size, device=device)

        def floor(batch=batch):
            with torch.no_grad(), cv.frozen(net):
                for _ in range(masks // bs):
                    net(batch)

        def ours(bs=bs):
            cv.rise(clf, x, t, n=masks, batch_size=bs, seed=0, progress=False)

        ours()
        b = _best({"ours": ours, "floor": floor}, device, 2)
        rows.append(
            Row(
                "methods",
                f"RISE ({masks} masks)",
                f"resnet50 (random) {size}px",
                f"1 image, batch_size {bs}",
                b["ours"],
                f"floor: {masks} plain forwards at batch {bs}",
                b["floor"],
                device=device.type,
                notes=f"{1000 * b['ours'] / masks:.1f} ms per mask (floor {1000 * b['floor'] / masks:.1f} ms); no peer offers RISE",
            )
        )
    return rows


def agreement_rows(device: torch.device) -> list[Row]:
    from captum._utils.models.linear_model import SkLearnRidge
    from captum.attr import Deconvolution, Lime
    from pytorch_grad_cam import AblationCAM, EigenCAM, HiResCAM, XGradCAM
    from pytorch_grad_cam.utils.svd_on_activations import get_2d_projection

    clf, x, t, model = sample_batch(device, SAMPLES)
    net, layer = clf.model, clf.cam_layer
    mod = net.get_submodule(layer)
    batch = f"{len(SAMPLES)} sample images, top-1"
    rows = []

    def peer(cls, inp=x, **kw):
        with cls(net, [mod], **kw) as cam:
            return torch.from_numpy(cam(inp, targets=_targets_list(t)))

    for name, fn, cls in (("HiResCAM", cv.hirescam, HiResCAM), ("XGrad-CAM", cv.xgradcam, XGradCAM)):
        rows.append(
            Row(
                "methods",
                name,
                model,
                batch,
                peer=f"pytorch-grad-cam {cls.__name__}",
                agreement=per_image(fn(clf, x, t), peer(cls)),
                device=device.type,
                notes="the peer resizes with OpenCV after normalising",
            )
        )
    with torch.no_grad(), cv.capture(net, layer) as cap:
        net(x)
    raw = torch.from_numpy(get_2d_projection(cap[layer].cpu().numpy())).to(x.device)
    mine = cv.eigencam(clf, x, upsample=False, center=True)
    sign = torch.where((raw * mine).sum((1, 2)) >= 0, 1.0, -1.0)[:, None, None]
    up = torch.nn.functional.interpolate((sign * mine).clamp_min(0)[:, None], size=x.shape[-2:], mode="bilinear")[:, 0]
    rows.append(
        Row(
            "methods",
            "EigenCAM (center=True)",
            model,
            batch,
            peer="pytorch-grad-cam EigenCAM",
            agreement=per_image(up, peer(EigenCAM)),
            device=device.type,
            notes=f"the peer's SVD sign per image: {sign.flatten().tolist()} (ours fixed: sum of v1 >= 0); "
            f"peer vs our default (uncentred, the paper's): "
            f"{per_image(cv.eigencam(clf, x), peer(EigenCAM))}",
        )
    )
    small = clf.preprocess([cv.sample_image(s) for s in SAMPLES], size=128)
    ts = cv.topk_targets(clf, small, 1)[:, 0]
    mine = cv.ablationcam(clf, small, ts, progress=False)
    with AblationCAM(net, [mod]) as cam:
        theirs = torch.from_numpy(cam(small, targets=_targets_list(ts)))
    rows.append(
        Row(
            "methods",
            "Ablation-CAM",
            "efficientnet_lite0 (ImageNet) 128px",
            batch,
            peer="pytorch-grad-cam AblationCAM",
            agreement=per_image(mine, theirs),
            device=device.type,
            notes="128 px to keep the peer's 1280 full passes per image short",
        )
    )
    theirs = Deconvolution(net).attribute(x.clone(), target=t.tolist()).detach()
    sal = cv.saliency(clf, x, t)
    rows.append(
        Row(
            "methods",
            "deconvnet",
            model,
            batch,
            peer="Captum Deconvolution",
            agreement=per_image(cv.deconvnet(clf, x, t).flatten(1), theirs.flatten(1)),
            device=device.type,
            notes="PEER WRONG: Captum hooks nn.ReLU modules only; EfficientNet-Lite0 rectifies with "
            f"ReLU6, so Captum returns the plain gradient (max difference from saliency "
            f"{(theirs - sal).abs().max().item():.1e})",
        )
    )
    torch.manual_seed(0)
    res = cv.load_model("resnet18", weights=None, device=device)
    xr = torch.randn(2, 3, 112, 112, device=device)
    tr = cv.topk_targets(res, xr, 1)[:, 0]
    theirs = Deconvolution(res.model).attribute(xr.clone(), target=tr.tolist()).detach()
    rows.append(
        Row(
            "methods",
            "deconvnet",
            "resnet18 (random) 112px",
            "2 images, top-1",
            peer="Captum Deconvolution",
            agreement=per_image(cv.deconvnet(res, xr, tr).flatten(1), theirs.flatten(1)),
            device=device.type,
            notes="ReLU modules only: the peer applies the rule everywhere here",
        )
    )
    seg = cv.superpixels(x[:1], 64)[0]
    feats, n = int(seg.max()) + 1, 300
    z = lime_samples(feats, n, seed=0)

    def samples(_inputs, **_kw):
        for row in z:
            yield row[None].long().to(x.device)

    lime = Lime(
        lambda inp: net(inp).softmax(1),
        interpretable_model=SkLearnRidge(alpha=1.0),
        similarity_func=lambda _o, _p, interp, **_k: kernel_weights(interp.float(), 0.25),
        perturb_func=samples,
    )
    theirs = lime.attribute(
        x[:1].clone(), target=int(t[0]), feature_mask=seg[None, None].expand(1, 3, *seg.shape), baselines=0.0, n_samples=n, perturbations_per_eval=32
    )
    ours = cv.lime(clf, x[:1], t[:1], segments=seg, n=n, seed=0, progress=False)
    rows.append(
        Row(
            "methods",
            f"LIME ({feats} superpixels, {n} samples)",
            model,
            "1 sample image, top-1",
            peer="Captum Lime (our samples, kernel, SkLearnRidge alpha=1)",
            agreement=per_image(ours, theirs[:, 0]),
            device=device.type,
            notes=f"max abs difference {(ours - theirs[:, 0].to(ours)).abs().max().item():.1e}; Captum's "
            "defaults (its own RNG, cosine distance between images, Lasso) give another estimate",
        )
    )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=224, help="input size of the speed runs")
    parser.add_argument(
        "--repeat", type=int, default=1, help="interleaved rounds (best time kept); one round of the peer's Ablation-CAM takes minutes on 2 CPU cores"
    )
    parser.add_argument("--masks", type=int, default=64, help="RISE masks in the speed run")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--skip", default="", help="comma-separated parts to skip: ablation,rise,agreement")
    parser.add_argument("--json", action="store_true", help="save rows for run_all.py")
    args = parser.parse_args()
    fresh_malloc()
    missing = peers_missing()
    if missing:
        print(missing)
        return
    skip = set(filter(None, args.skip.split(",")))
    rows: list[Row] = []
    for dev in devices(args.device):
        if "ablation" not in skip:
            rows += ablation_rows(dev, args.size, args.repeat)
        if "rise" not in skip:
            rows += rise_rows(dev, args.size, args.masks)
        if "agreement" not in skip:
            rows += agreement_rows(dev)
    print_rows(rows)
    if args.json:
        save_rows("methods", rows)


if __name__ == "__main__":
    main()
