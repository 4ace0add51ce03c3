"""Relevance methods (LRP, DeepLIFT, DeepLIFT-SHAP, GradientSHAP) on callable targets.

A callable that picks class c gives the class target's map; conservation on segmentation
models with dict outputs (LRP sums to a linear objective on a bias-free network, DeepLIFT to
``g(f(x)) - g(f(x'))`` on a small network and on torchvision's ``fcn_resnet50`` with random
weights), the documented meaning for a nonlinear objective (a probability), ``(N,K)``
targets, a batch equal to its images one by one, and one clear error where a paired batch
cannot be formed (a detector's per-image list)."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
import torchvision
from conftest import TinyNet, assert_clean
from fuzzkit import ModelState
from torch import nn

import cnnviz_lab as cv

ZEROS = torch.zeros(2, 3, 16, 16)
METHODS = {
    "lrp": cv.lrp,
    "deeplift": cv.deeplift,
    "deeplift_shap": lambda m, x, t: cv.deeplift_shap(m, x, t, baselines=torch.stack([ZEROS[0], ZEROS[0] + 0.3])),
    "gradient_shap": lambda m, x, t: cv.gradient_shap(m, x, t, baselines=ZEROS[:1], n=3, seed=0, batch_size=3),
}


def tiny(seed: int = 0) -> TinyNet:
    torch.manual_seed(seed)
    return TinyNet().eval()


class SegNet(nn.Module):
    """A small segmentation network returning ``{"out": (N, 3, H, W)}`` like torchvision's:
    conv, ReLU, max-pooling, a 1x1 classifier, bilinear upsampling. ``bias=False`` makes LRP's
    conservation exact (no bias absorbs relevance)."""

    def __init__(self, bias: bool = True, seed: int = 0) -> None:
        super().__init__()
        torch.manual_seed(seed)
        self.conv1 = nn.Conv2d(3, 6, 3, padding=1, bias=bias)
        self.conv2 = nn.Conv2d(6, 8, 3, padding=1, bias=bias)
        self.head = nn.Conv2d(8, 3, 1, bias=bias)
        self.pool = nn.MaxPool2d(2)

    def forward(self, x):
        h = self.pool(torch.relu(self.conv2(torch.relu(self.conv1(x)))))
        return {"out": F.interpolate(self.head(h), size=x.shape[-2:], mode="bilinear", align_corners=False), "aux": h.mean((2, 3))}


def _mask(n: int | None = None) -> torch.Tensor:
    g = torch.Generator().manual_seed(5)
    return (torch.rand(*((n,) if n else ()), 16, 16, generator=g) > 0.5).float()


@pytest.mark.parametrize("name", sorted(METHODS))
def test_a_callable_picking_a_class_gives_the_class_targets_map(name):
    fn, net = METHODS[name], tiny()
    x = torch.randn(2, 3, 16, 16)
    state = ModelState.of(net)
    torch.testing.assert_close(fn(net, x, lambda z: z[:, 3]), fn(net, x, 3))
    torch.testing.assert_close(fn(net, x, cv.targets.multilabel([1, 4], logit=True)), fn(net, x, [1, 4]))
    k = fn(net, x, lambda z: z[:, [0, 2]])  # (N,K) scores: one call, K maps
    assert k.shape == (2, 2, 3, 16, 16)
    torch.testing.assert_close(k, fn(net, x, [[0, 2], [0, 2]]))
    state.assert_same(net, name)
    assert_clean(net)


def test_lrp_conserves_a_summed_segmentation_logit_on_a_bias_free_network():
    net = SegNet(bias=False).eval()
    x = torch.randn(2, 3, 16, 16)
    mask = _mask()
    for composite in ("epsilon_plus_flat", "epsilon_plus"):  # rules that conserve (alpha-beta need not)
        rel = cv.lrp(net, x, cv.targets.segmentation(1, mask=mask), composite=composite)
        with torch.no_grad():
            want = (net(x)["out"][:, 1] * mask).sum((1, 2))
        torch.testing.assert_close(rel.flatten(1).sum(1), want, rtol=1e-4, atol=1e-4, msg=composite)
    # (N,K): two classes per image from one pass, each column its own objective
    table = torch.tensor([[0, 2], [1, 0]])
    both = cv.lrp(net, x, cv.targets.segmentation(table, mask=mask))
    assert both.shape == (2, 2, 3, 16, 16)
    with torch.no_grad():
        out = net(x)["out"]
    want = torch.stack([(out[i, table[i]] * mask).sum((1, 2)) for i in range(2)])
    torch.testing.assert_close(both.flatten(2).sum(2), want, rtol=1e-4, atol=1e-4)
    for i in range(2):  # a batch equals its images one by one
        alone = cv.lrp(net, x[i : i + 1], cv.targets.segmentation(table[i : i + 1], mask=mask))
        torch.testing.assert_close(both[i], alone[0], rtol=1e-4, atol=1e-6)
    assert_clean(net)


def test_lrp_of_a_probability_sums_to_its_gradient_times_input_share_as_documented():
    net = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1, bias=False), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 5, bias=False)).eval()
    torch.manual_seed(0)
    for p in net.parameters():
        nn.init.normal_(p)
    x = torch.randn(2, 3, 8, 8)
    rel = cv.lrp(net, x, cv.targets.probability(2))
    with torch.no_grad():
        z = net(x)
    p = z.softmax(1)
    want = p[:, 2] * (z[:, 2] - (p * z).sum(1))  # sum_j z_j d p_2 / d z_j: not p_2
    torch.testing.assert_close(rel.flatten(1).sum(1), want, rtol=1e-4, atol=1e-5)
    assert not torch.allclose(want, p[:, 2], atol=1e-3)


def test_deeplift_sums_to_the_objectives_gap_on_a_segmentation_network():
    net = SegNet().eval()
    x, base = torch.randn(2, 3, 16, 16), torch.randn(1, 3, 16, 16) * 0.1
    masks, classes = _mask(2), [2, 0]  # one mask and one class per image
    got = cv.deeplift(net, x, cv.targets.segmentation(classes, mask=masks), baseline=base)
    with torch.no_grad():
        out, ref = net(x)["out"], net(base)["out"]
    gap = torch.stack([((out[i, c] - ref[0, c]) * masks[i]).sum() for i, c in enumerate(classes)])
    torch.testing.assert_close(got.flatten(1).sum(1), gap, rtol=1e-4, atol=1e-4)
    for i in range(2):
        alone = cv.deeplift(net, x[i : i + 1], cv.targets.segmentation([2, 0][i], mask=masks[i]), baseline=base)
        torch.testing.assert_close(got[i], alone[0], rtol=1e-4, atol=1e-6)
    # DeepLIFT-SHAP: the gap to the mean reference, image by image
    refs = torch.randn(3, 3, 16, 16) * 0.2
    shap = cv.deeplift_shap(net, x, cv.targets.segmentation(1, mask=masks), baselines=refs, batch_size=4)
    with torch.no_grad():
        ref_scores = (net(refs)["out"][:, 1].unsqueeze(0) * masks.unsqueeze(1)).sum((2, 3)).mean(1)
        want = (net(x)["out"][:, 1] * masks).sum((1, 2)) - ref_scores
    torch.testing.assert_close(shap.flatten(1).sum(1), want, rtol=1e-4, atol=1e-4)
    assert_clean(net)


def test_deeplift_sums_to_the_objectives_gap_on_fcn_resnet50():
    torch.manual_seed(0)
    fcn = torchvision.models.segmentation.fcn_resnet50(weights=None, weights_backbone=None, num_classes=3, aux_loss=False).eval()
    state = ModelState.of(fcn)
    x = torch.randn(1, 3, 32, 32, generator=torch.Generator().manual_seed(1))
    mask = torch.zeros(32, 32)
    mask[4:20, 8:30] = 1
    table = torch.tensor([[1, 2]])
    got = cv.deeplift(fcn, x, cv.targets.segmentation(table, mask=mask))  # baseline: zeros
    with torch.no_grad():
        gap = (fcn(x)["out"][0, [1, 2]] * mask).sum((1, 2)) - (fcn(torch.zeros_like(x))["out"][0, [1, 2]] * mask).sum((1, 2))
    torch.testing.assert_close(got.flatten(2).sum(2)[0], gap, rtol=1e-4, atol=1e-4 * float(gap.abs().max()))
    state.assert_same(fcn, "deeplift")
    assert_clean(fcn)


def test_gradient_shap_differentiates_the_callable_at_each_sample():
    net = SegNet().eval()
    x = torch.randn(2, 3, 16, 16)
    mask = _mask()
    target = cv.targets.segmentation(1, mask=mask)
    got = cv.gradient_shap(net, x, target, baselines=ZEROS[:1], n=2, seed=3, batch_size=3)
    # by hand: the same draws (the generator's order: pick, alpha, noise per sample), autograd on g
    gen = torch.Generator().manual_seed(3)
    want = torch.zeros_like(x)
    for i in range(2):
        for _ in range(2):
            torch.randint(1, (1,), generator=gen)
            a = torch.rand(1, generator=gen)
            torch.randn((1, 3, 16, 16), generator=gen)
            point = (a * x[i : i + 1]).requires_grad_(True)
            (g,) = torch.autograd.grad(target(net(point)).sum(), point)
            want[i] += (g * x[i : i + 1])[0] / 2
    torch.testing.assert_close(got, want, rtol=1e-4, atol=1e-6)


class Detector(nn.Module):
    """Returns a per-image list of dicts, as torchvision's detectors do."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.conv = nn.Conv2d(3, 4, 3, padding=1)  # 4 scores per image: as many as the paired batch

    def forward(self, x):
        s = self.conv(x).mean((2, 3))
        return [{"scores": row, "boxes": row.view(1, 4)} for row in s]


class Bare(nn.Module):
    def __init__(self, conv: nn.Module) -> None:
        super().__init__()
        self.conv = conv

    def forward(self, x):
        return self.conv(x).mean((2, 3))


def test_deeplift_on_a_per_image_list_output_is_one_clear_error_and_lrp_runs():
    det = Detector().eval()
    x = torch.randn(2, 3, 8, 8)
    state = ModelState.of(det)
    score = lambda out: torch.stack([d["scores"][1] for d in out])  # noqa: E731
    with pytest.raises(ValueError, match="target: DeepLIFT runs each image with its reference"):
        cv.deeplift(det, x, score)
    state.assert_same(det, "deeplift")
    assert torch.is_grad_enabled()
    # LRP seeds each image's own tensors: the same as the bare network's class 1
    torch.testing.assert_close(cv.lrp(det, x, score), cv.lrp(Bare(det.conv).eval(), x, 1))
    assert_clean(det)
