"""LRP, DeepLIFT and SHAP against the peers: zennit (the reference LRP library) on each named
composite, Captum's LRP, DeepLift, DeepLiftShap and GradientShap on the same rules, baselines
and models. Agreement is a correlation of 0.999 or better (the maximum absolute difference is
printed, and where both compute the same numbers they are equal to float precision). Where a
peer is wrong, the test shows it against the value derived from the definition.
Skipped, saying why, when the benchmark extra (zennit, Captum) is not installed."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torchvision
from conftest import assert_clean
from torch import nn

import cnnviz_lab as cv
from cnnviz_lab.core import Composite, Epsilon, Norm, Pass
from cnnviz_lab.core.composites import AVGPOOL_TYPES
from cnnviz_lab.core.engine import ACTIVATION_TYPES
from test_relevance import X2, Residual

captum_attr = pytest.importorskip("captum.attr", reason="Captum is not installed (benchmark extra: pip install -e .[bench]); the peer tests compare against it")
zennit = pytest.importorskip("zennit", reason="zennit is not installed (benchmark extra: pip install -e .[bench]); the peer tests compare against it")
from zennit.attribution import Gradient  # noqa: E402
from zennit.canonizers import SequentialMergeBatchNorm  # noqa: E402
from zennit.composites import EpsilonAlpha2Beta1, EpsilonGammaBox, EpsilonPlus, EpsilonPlusFlat  # noqa: E402
from zennit.torchvision import ResNetCanonizer  # noqa: E402


def _agree(ours: torch.Tensor, theirs: torch.Tensor, what: str, exact: float | None = None) -> None:
    a, b = ours.detach().double().flatten().numpy(), theirs.detach().double().flatten().numpy()
    r = float(np.corrcoef(a, b)[0, 1])
    diff = float(np.abs(a - b).max())
    print(f"{what}: correlation {r:.7f}, max abs difference {diff:.3g} (largest value {np.abs(b).max():.3g})")
    assert r >= 0.999, f"{what}: correlation {r}"
    if exact is not None:
        assert diff <= exact * np.abs(b).max(), f"{what}: max abs difference {diff}"


def _vgg() -> nn.Module:
    torch.manual_seed(0)
    net = torchvision.models.vgg11_bn(weights=None)
    net.classifier = nn.Sequential(nn.Linear(512 * 7 * 7, 64), nn.ReLU(), nn.Dropout(), nn.Linear(64, 10))
    for m in net.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-0.1, 0.1)
            m.running_var.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.1, 0.1)
        if isinstance(m, nn.ReLU):
            m.inplace = False
    return net.eval()


def _resnet() -> nn.Module:
    torch.manual_seed(0)
    net = torchvision.models.resnet18(weights=None, num_classes=10)
    for m in net.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-0.1, 0.1)
            m.running_var.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.1, 0.1)
    return net.eval()


ZENNIT = {"epsilon_plus": EpsilonPlus, "epsilon_plus_flat": EpsilonPlusFlat, "epsilon_alpha2_beta1": EpsilonAlpha2Beta1, "epsilon_gamma_box": EpsilonGammaBox}


def _zennit(net, x, targets, name, canonizer):
    kwargs = {"canonizers": [canonizer]}
    if name == "epsilon_gamma_box":
        kwargs.update(low=x.amin(dim=(0, 2, 3), keepdim=True), high=x.amax(dim=(0, 2, 3), keepdim=True))
    with Gradient(model=net, composite=ZENNIT[name](**kwargs)) as attributor:
        out, relevance = attributor(x, torch.eye(out_features(net))[targets])
    # zennit's Gradient sends back one-hot; the package explains the logit (one-hot times output)
    return relevance * out[range(len(targets)), targets].detach().view(-1, 1, 1, 1)


def out_features(net):
    return net.fc.out_features if hasattr(net, "fc") else net.classifier[-1].out_features


@pytest.mark.parametrize("name", sorted(ZENNIT))
@pytest.mark.parametrize("arch", ["vgg11_bn", "resnet18"])
def test_lrp_matches_zennit_on_every_named_composite(arch, name):
    net = _vgg() if arch == "vgg11_bn" else _resnet()
    x = torch.randn(2, 3, 32, 32, generator=torch.Generator().manual_seed(1))
    ours = cv.lrp(net, x, [1, 7], composite=name)
    theirs = _zennit(net, x, [1, 7], name, SequentialMergeBatchNorm() if arch == "vgg11_bn" else ResNetCanonizer())
    # zennit keeps BatchNorm's eps after folding (outputs scaled by 1/sqrt(1 + eps)); here it is exactly 0
    _agree(ours, theirs, f"zennit {name} on {arch}", exact=1e-3)
    assert_clean(net)


def _plain_vgg() -> nn.Module:
    torch.manual_seed(0)
    net = torchvision.models.vgg11(weights=None)
    net.classifier = nn.Sequential(nn.Linear(512 * 7 * 7, 64), nn.ReLU(), nn.Dropout(), nn.Linear(64, 10))
    return net.eval()


def test_lrp_epsilon_matches_captum():
    net = _plain_vgg()
    for m in net.modules():
        if isinstance(m, nn.ReLU):
            m.inplace = False
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            m.bias.data.uniform_(-0.1, 0.1)
    x = torch.randn(2, 3, 32, 32, generator=torch.Generator().manual_seed(1))
    # Captum's defaults: epsilon 1e-9 on convolutions, linear layers and poolings, ReLUs passed through
    comp = Composite([(ACTIVATION_TYPES, Pass()), ((nn.Conv2d, nn.Linear), Epsilon(1e-9)), (AVGPOOL_TYPES, Norm(1e-9))])
    _agree(cv.lrp(net, x, [1, 7], composite=comp), captum_attr.LRP(net).attribute(x, target=[1, 7]), "Captum LRP-epsilon on vgg11", exact=1e-5)


def test_captum_lrp_counts_a_residual_branch_twice():
    """Captum's LRP has no rule for ``a + b``: the relevance of the sum reaches both branches
    whole, so the input's relevance sums to twice the logit (hand values in ``Residual``)."""
    net = Residual().eval()
    theirs = captum_attr.LRP(net).attribute(X2.flatten(1), target=0)
    torch.testing.assert_close(theirs.detach().flatten(), torch.tensor([6.0, 12.0]))  # sums to 18
    ours = cv.lrp(net, X2, 0, composite=Composite([(nn.Linear, Epsilon(1e-12))] + [(cv.core.Sum, Norm(1e-12))]))
    torch.testing.assert_close(ours.flatten(), torch.tensor([3.0, 6.0]))  # sums to the logit, 9


def _no_maxpool() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Conv2d(3, 6, 3, padding=1), nn.ReLU(), nn.Conv2d(6, 8, 3, padding=1), nn.Tanh(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 5)
    ).eval()


def test_deeplift_matches_captum():
    x = torch.randn(2, 3, 32, 32, generator=torch.Generator().manual_seed(1))
    net = _plain_vgg()  # in-place ReLUs and max pooling, black reference
    _agree(
        cv.deeplift(net, x, [1, 7], baseline=0.0),
        captum_attr.DeepLift(net).attribute(x, baselines=torch.zeros_like(x), target=[1, 7]),
        "Captum DeepLift on vgg11",
        exact=1e-5,
    )
    small, xs, ref = _no_maxpool(), torch.randn(2, 3, 8, 8), torch.randn(2, 3, 8, 8)
    _agree(
        cv.deeplift(small, xs, [1, 3], baseline=ref),
        captum_attr.DeepLift(small).attribute(xs, baselines=ref, target=[1, 3]),
        "Captum DeepLift, random reference",
        exact=1e-5,
    )


def test_deeplift_shap_matches_captum():
    net, x, refs = _no_maxpool(), torch.randn(2, 3, 8, 8), torch.randn(4, 3, 8, 8)
    _agree(
        cv.deeplift_shap(net, x, [1, 3], baselines=refs, progress=False),
        captum_attr.DeepLiftShap(net).attribute(x, baselines=refs, target=[1, 3]),
        "Captum DeepLiftShap",
        exact=1e-5,
    )


def test_gradient_shap_agrees_with_captum_in_expectation():
    """Both draw at random (different generators), so they agree as the samples grow."""
    net, x, refs = _no_maxpool(), torch.randn(1, 3, 8, 8), torch.randn(3, 3, 8, 8)
    ours = cv.gradient_shap(net, x, 2, baselines=refs, n=3000, seed=0, batch_size=500, progress=False)
    torch.manual_seed(0)
    np.random.seed(0)
    theirs = captum_attr.GradientShap(net).attribute(x, baselines=refs, target=2, n_samples=3000)
    _agree(ours, theirs, "Captum GradientShap (3000 samples)")


def test_captum_deeplift_breaks_summation_to_delta_through_max_pooling():
    """With a reference other than zero, Captum's max-pooling rule loses part of the output
    difference; the package's sums to ``f(x) - f(x')`` as DeepLIFT's definition says."""
    torch.manual_seed(0)
    net = nn.Sequential(
        nn.Conv2d(3, 6, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(6, 8, 3, padding=1),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(8, 5),
    ).eval()
    x, ref = torch.randn(2, 3, 8, 8), torch.randn(2, 3, 8, 8)
    with torch.no_grad():
        gap = net(x)[[0, 1], [1, 2]] - net(ref)[[0, 1], [1, 2]]
    ours = cv.deeplift(net, x, [1, 2], baseline=ref).flatten(1).sum(1)
    theirs = captum_attr.DeepLift(net).attribute(x, baselines=ref, target=[1, 2]).detach().flatten(1).sum(1)
    torch.testing.assert_close(ours, gap, rtol=1e-4, atol=1e-7)
    assert (theirs - gap).abs().max() > 0.1 * gap.abs().max(), (theirs, gap)


def test_captum_deeplift_treats_relu6_as_linear():
    """Captum's DeepLift knows ReLU but not ReLU6 (MobileNet, EfficientNet-Lite): it passes
    the plain gradient there, so its attributions do not sum to the output difference."""
    torch.manual_seed(0)
    net = nn.Sequential(
        nn.Conv2d(3, 6, 3, padding=1), nn.ReLU6(), nn.Conv2d(6, 8, 3, padding=1), nn.ReLU6(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 5)
    ).eval()
    x, ref = torch.randn(2, 3, 8, 8) * 4, torch.zeros(2, 3, 8, 8)
    with torch.no_grad():
        gap = net(x)[[0, 1], [1, 2]] - net(ref)[[0, 1], [1, 2]]
    ours = cv.deeplift(net, x, [1, 2], baseline=ref).flatten(1).sum(1)
    theirs = captum_attr.DeepLift(net).attribute(x, baselines=ref, target=[1, 2]).detach().flatten(1).sum(1)
    torch.testing.assert_close(ours, gap, rtol=1e-4, atol=1e-7)
    assert (theirs - gap).abs().max() > 0.01 * gap.abs().max(), (theirs, gap)


def test_captum_deeplift_refuses_a_reused_relu_module():
    """torchvision's ResNet calls one ReLU module several times; Captum's DeepLift stops with
    an error there, the package's rule engine sees each call on its own."""
    torch.manual_seed(0)

    class Reused(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv1, self.conv2 = nn.Conv2d(3, 6, 3, padding=1), nn.Conv2d(6, 6, 3, padding=1)
            self.relu, self.fc = nn.ReLU(inplace=True), nn.Linear(6, 5)

        def forward(self, x):
            h = self.relu(self.conv1(x))
            h = self.relu(self.conv2(h) + h)
            return self.fc(h.mean((2, 3)))

    net, x, ref = Reused().eval(), torch.randn(2, 3, 8, 8), torch.zeros(2, 3, 8, 8)
    with pytest.raises(RuntimeError, match="used more than once"):
        captum_attr.DeepLift(net).attribute(x, baselines=ref, target=[1, 2])
    with torch.no_grad():
        gap = net(x)[[0, 1], [1, 2]] - net(ref)[[0, 1], [1, 2]]
    torch.testing.assert_close(cv.deeplift(net, x, [1, 2], baseline=ref).flatten(1).sum(1), gap, rtol=1e-4, atol=1e-7)
    assert_clean(net)
