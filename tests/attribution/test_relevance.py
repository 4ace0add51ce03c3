"""Relevance that adds up: backward rules as objects, LRP, DeepLIFT and SHAP.

Hand-computed LRP rules on a two-layer network, residual sums split in proportion,
conservation (LRP-0 with the biases' share accounted for; DeepLIFT's summation-to-delta)
within 1e-4 relative on VGG16, ResNet-50, EfficientNet-Lite0 and MobileNet-v2 (random
weights at small inputs; Lite0 with its real ones), canonizers that restore the model
exactly (also when the pass fails), and a new rule written as one small class."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
import torchvision
from conftest import assert_clean
from fuzzkit import ModelState
from torch import nn

import cnnviz_lab as cv
from cnnviz_lab.core import AlphaBeta, Composite, Epsilon, First, Flat, Gamma, Guided, MergeBatchNorm, Norm, Pass, Rule, Sum, ZBox, ZPlus
from cnnviz_lab.core.canonizers import BATCHNORM_TYPES, LINEAR_TYPES, folding_pairs
from cnnviz_lab.core.composites import AVGPOOL_TYPES
from cnnviz_lab.core import engine
from cnnviz_lab.core.engine import ACTIVATION_TYPES
from cnnviz_lab.core.rules import stabilize

# --- hand computation ------------------------------------------------------------------------
# x = (1, 2). fc1: W1 = [[1, -1], [2, 1]], b1 = (0.5, -1) -> z1 = (-0.5, 3) -> ReLU (0, 3).
# fc2: W2 = [[1, 2]], b2 = 1 -> z2 = 7 = the explained logit. LRP-0 at fc2: R(a1) = (0, 3*2*7/7) = (0, 6),
# the bias keeps 1. At fc1 only unit 2 carries relevance (6, z = 3):
#   LRP-0:  x_j w_j 6/3 = (2, 4)... per input: (1*2*2, 2*1*2) = (4, 4); the bias keeps -1*6/3 = -2.
#   z+:     positive parts (2, 2), positive bias 0 -> z+ = 4 -> (3, 3).
#   flat:   two inputs, equal shares -> (3, 3).
#   gamma:  w + 0.25 w+ = (2.5, 1.25), b + 0.25 b+ = -1 -> z = 2.5 + 2.5 - 1 = 4 -> (2.5*1.5, 2.5*1.5) = (3.75, 3.75).
#   alpha2-beta1: positive shares 2 * (2/4) * 6 = 6 each; the negative total is the bias alone -> (6, 6).
#   z-box [0, 3]: z - l w+ - h w- = 3 - 0 - (3*0 - 1) = 4, numerators x w - l w+ - h w- = (2, 2) -> (3, 3).
HAND = {
    "epsilon": (Epsilon(1e-12), [4.0, 4.0]),
    "zplus": (ZPlus(1e-12), [3.0, 3.0]),
    "flat": (Flat(1e-12), [3.0, 3.0]),
    "gamma": (Gamma(0.25, 1e-12), [3.75, 3.75]),
    "alpha2beta1": (AlphaBeta(2, 1, 1e-12), [6.0, 6.0]),
    "zbox": (ZBox(0.0, 3.0, 1e-12), [3.0, 3.0]),
}
X2 = torch.tensor([1.0, 2.0]).view(1, 2, 1, 1)


class TwoLayer(nn.Module):
    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(2, 2), nn.Linear(2, 1)
        self.fc1.weight.data, self.fc1.bias.data = torch.tensor([[1.0, -1.0], [2.0, 1.0]]), torch.tensor([0.5, -1.0])
        self.fc2.weight.data, self.fc2.bias.data = torch.tensor([[1.0, 2.0]]), torch.tensor([1.0])
        self.relu = nn.ReLU(inplace=inplace)

    def forward(self, x):
        return self.fc2(self.relu(self.fc1(x.flatten(1))))


@pytest.mark.parametrize("rule", sorted(HAND))
def test_lrp_rules_hand_computed(rule):
    net = TwoLayer().eval()
    first, expected = HAND[rule]
    composite = Composite([("fc1", first), ("fc2", Epsilon(1e-12)), (nn.ReLU, Pass())])
    got = cv.lrp(net, X2, 0, composite=composite)
    torch.testing.assert_close(got.flatten(), torch.tensor(expected))
    assert_clean(net)


@pytest.mark.parametrize("zero_bias, expected", [(False, [4.0, 4.0]), (True, [6.0, 6.0])])
def test_zplus_zero_bias_leaves_the_positive_bias_out(zero_bias, expected):
    # fc1's second bias raised to 2: z1 = (-0.5, 6) -> ReLU (0, 6); fc2: z2 = 12 + 1 = 13, LRP-0 gives R(a1) = (0, 12).
    # z+ at unit 2: positive parts (2, 2); with the bias counted z+ = 2 + 2 + 2 = 6 -> (4, 4), the bias keeps 4;
    # without it (deep Taylor's form) z+ = 4 -> (6, 6), all 12 reach the inputs.
    net = TwoLayer().eval()
    net.fc1.bias.data = torch.tensor([0.5, 2.0])
    composite = Composite([("fc1", ZPlus(1e-12, zero_bias=zero_bias)), ("fc2", Epsilon(1e-12)), (nn.ReLU, Pass())])
    torch.testing.assert_close(cv.lrp(net, X2, 0, composite=composite).flatten(), torch.tensor(expected))
    assert_clean(net)
    with pytest.raises(TypeError, match="zero_bias"):
        ZPlus(zero_bias="yes")


@pytest.mark.parametrize("how", ["module", "inplace", "functional"])
def test_lrp_0_is_the_same_however_the_relu_is_called(how):
    net = TwoLayer(inplace=how == "inplace").eval()
    if how == "functional":
        net.relu = nn.Identity()
        net.forward = lambda x: net.fc2(F.relu(net.fc1(x.flatten(1))))
    got = cv.lrp(net, X2, 0, composite=Composite([(nn.Linear, Epsilon(1e-12)), (nn.ReLU, Pass())]))
    torch.testing.assert_close(got.flatten(), torch.tensor([4.0, 4.0]))


class Residual(nn.Module):
    """out = fc(fa(x) + fb(x)) with fa = 2 I, fb = I, fc = (1, 1): at x = (1, 2) the sum is
    (3, 6) and the logit 9. In proportion: fa's branch gets (2, 4), fb's (1, 2), so the input
    gets (3, 6), summing to 9. A plain gradient through the sum copies (3, 6) to both branches:
    (6, 12), summing to 18."""

    def __init__(self, inplace_add: bool = False) -> None:
        super().__init__()
        self.fa, self.fb, self.fc = nn.Linear(2, 2, bias=False), nn.Linear(2, 2, bias=False), nn.Linear(2, 1, bias=False)
        self.fa.weight.data, self.fb.weight.data = 2 * torch.eye(2), torch.eye(2)
        self.fc.weight.data = torch.tensor([[1.0, 1.0]])
        self.inplace_add = inplace_add

    def forward(self, x):
        x = x.flatten(1)
        a = self.fa(x)
        if self.inplace_add:
            a += self.fb(x)
            return self.fc(a)
        return self.fc(a + self.fb(x))


@pytest.mark.parametrize("inplace_add", [False, True])
def test_a_residual_sum_splits_relevance_in_proportion(inplace_add):
    net = Residual(inplace_add).eval()
    lrp0 = Composite([(nn.Linear, Epsilon(1e-12)), (Sum, Norm(1e-12))])
    torch.testing.assert_close(cv.lrp(net, X2, 0, composite=lrp0).flatten(), torch.tensor([3.0, 6.0]))
    copied = Composite([(nn.Linear, Epsilon(1e-12))])  # no rule for the sum: relevance counted twice
    torch.testing.assert_close(cv.lrp(net, X2, 0, composite=copied).flatten(), torch.tensor([6.0, 12.0]))
    assert_clean(net)


class DenseBlock(nn.Module):
    """A concatenation (DenseNet, Inception): its backward splits the signal by slices."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1, self.conv2 = nn.Conv2d(3, 4, 3, padding=1), nn.Conv2d(7, 4, 3, padding=1)
        self.fc = nn.Linear(11, 5)

    def forward(self, x):
        h = torch.cat([x, F.relu(self.conv1(x))], 1)
        h = torch.cat([h, F.relu(self.conv2(h))], 1)
        return self.fc(F.adaptive_avg_pool2d(h, 1).flatten(1))


class Halve(Rule):
    """A new rule in one small class: the ordinary gradient, halved."""

    def backward(self, call, grad):
        return call.vjp(grad / 2)


def test_a_new_rule_is_one_small_class(tiny):
    x = torch.randn(2, 3, 8, 8)
    halved = cv.lrp(tiny, x, [1, 2], composite=Composite([("conv2", Halve())]))
    # LRP's explained quantity is the logit times its gradient: the plain gradient times the logit, halved once
    grads = cv.saliency(tiny, x, [1, 2])
    with torch.no_grad():
        logit = tiny(x)[[0, 1], [1, 2]].view(2, 1, 1, 1)
    torch.testing.assert_close(halved, grads * logit / 2)
    # and a guided rule put on one layer by name reaches that layer only
    twice = Composite([("relu1", Guided())])
    assert twice.module_rules(tiny)[tiny.relu1][0] == "relu1"
    assert_clean(tiny)


def test_first_last_name_and_type_matches():
    net = torchvision.models.vgg11(weights=None)
    comp = Composite([(First(), Flat()), ("features.3", ZPlus()), ("classifier.*", Epsilon()), (nn.Conv2d, Gamma())])
    rules = comp.module_rules(net)
    assert rules[net.features[0]][1].__class__ is Flat and rules[net.features[3]][1].__class__ is ZPlus
    assert isinstance(rules[net.classifier[0]][1], Epsilon) and isinstance(rules[net.features[6]][1], Gamma)
    assert comp.rule_for_kind(nn.ReLU) is None and comp.rule_for_kind(nn.Conv2d).__class__ is Gamma
    with pytest.raises(TypeError, match="Rule"):
        Composite([(nn.Conv2d, "epsilon")])


# --- conservation on every architecture ------------------------------------------------------
class BiasLedger(Epsilon):
    """LRP-0 that also records the relevance each bias keeps, ``R_k b_k / z_k`` per image."""

    def __init__(self, ledger: list) -> None:
        super().__init__(1e-9)
        self.ledger = ledger

    def backward(self, call, grad):
        bias = call.module.bias
        if bias is not None:
            z = call.forward(call.input)
            share = grad * bias.view((1, -1) + (1,) * (z.dim() - 2)) / stabilize(z, self.epsilon)
            self.ledger.append(share.flatten(1).sum(1))
        return super().backward(call, grad)


def _lrp0(ledger: list) -> Composite:
    return Composite(
        [(ACTIVATION_TYPES, Pass()), (Sum, Norm(1e-9)), (AVGPOOL_TYPES, Norm(1e-9)), (BATCHNORM_TYPES, Pass()), (LINEAR_TYPES, BiasLedger(ledger))],
        [MergeBatchNorm()],
    )


def _shaken(net: nn.Module, size: int = 32) -> nn.Module:
    """Random BatchNorm affine parameters, and running statistics measured on random images
    (as training leaves them: activations keep their scale through depth), so folding
    changes something and the logits are not vanishingly small."""
    g = torch.Generator().manual_seed(1)
    for m in net.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.weight.data.copy_(torch.rand(m.num_features, generator=g) + 0.5)
            m.bias.data.copy_(torch.randn(m.num_features, generator=g) * 0.1)
            m.momentum = None  # cumulative average over the calibration batch
    net.train()
    with torch.no_grad():
        net(torch.randn(8, 3, size, size, generator=g))
    return net.eval()


def _vgg16() -> nn.Module:
    """VGG16's 13 convolutions and max-poolings, with a narrower classifier of the same
    kind (linear, ReLU, dropout): the 25088 x 4096 one only costs time on a CPU."""
    net = torchvision.models.vgg16(weights=None)
    net.classifier = nn.Sequential(nn.Linear(512 * 7 * 7, 64), nn.ReLU(True), nn.Dropout(), nn.Linear(64, 10))
    return net


ARCHITECTURES = {
    "vgg16": _vgg16,
    "resnet50": lambda: _shaken(torchvision.models.resnet50(weights=None)),
    "mobilenet_v2": lambda: _shaken(torchvision.models.mobilenet_v2(weights=None)),
    "densenet_block": DenseBlock,
}


def _check_conservation(net: nn.Module, x: torch.Tensor, target: list[int]) -> None:
    ledger: list = []
    relevance = cv.lrp(net, x, target, composite=_lrp0(ledger))
    with torch.no_grad():
        logits = net(x)[range(len(target)), target]
    kept = torch.stack(ledger).sum(0)
    total = relevance.flatten(1).sum(1) + kept
    torch.testing.assert_close(total, logits, rtol=1e-4, atol=1e-4 * float(logits.abs().max()))
    base = torch.zeros_like(x)
    dl = cv.deeplift(net, x, target, baseline=base)
    with torch.no_grad():
        gap = logits - net(base)[range(len(target)), target]
    torch.testing.assert_close(dl.flatten(1).sum(1), gap, rtol=1e-4, atol=1e-4 * float(gap.abs().max()))


@pytest.mark.parametrize("name", sorted(ARCHITECTURES))
def test_relevance_sums_to_the_explained_logit(name):
    torch.manual_seed(0)
    net = ARCHITECTURES[name]().eval()
    state = ModelState.of(net)
    x = torch.randn(1, 3, 32, 32, generator=torch.Generator().manual_seed(2))
    _check_conservation(net, x, [3])
    state.assert_same(net, name)


def test_relevance_sums_to_the_explained_logit_on_efficientnet_lite0(lite):
    x = lite.preprocess(cv.sample_image("cat"), size=64)
    _check_conservation(lite.model, x, [281])
    assert_clean(lite)


def test_deeplift_shap_sums_to_the_gap_to_the_mean_reference(tiny):
    x, refs = torch.randn(2, 3, 8, 8), torch.randn(3, 3, 8, 8)
    t = torch.tensor([[1, 2], [0, 4]])
    out = cv.deeplift_shap(tiny, x, t, baselines=refs, batch_size=2, progress=False)
    with torch.no_grad():
        gap = tiny(x).gather(1, t) - tiny(refs).mean(0)[t]
    torch.testing.assert_close(out.flatten(2).sum(2), gap, rtol=1e-4, atol=1e-6)


def test_gradient_shap_on_a_linear_model_is_exact_and_seeded():
    net = nn.Sequential(nn.Flatten(), nn.Linear(12, 3)).eval()
    x, ref = torch.randn(2, 3, 2, 2), torch.randn(1, 3, 2, 2)
    got = cv.gradient_shap(net, x, 1, baselines=ref, n=3, seed=0, progress=False)
    torch.testing.assert_close(got, (x - ref) * net[1].weight[1].view(1, 3, 2, 2))
    noisy = dict(baselines=torch.randn(4, 3, 2, 2), n=5, noise=0.2, progress=False)
    torch.testing.assert_close(cv.gradient_shap(net, x, 1, seed=3, batch_size=2, **noisy), cv.gradient_shap(net, x, 1, seed=3, batch_size=7, **noisy))
    assert not torch.equal(cv.gradient_shap(net, x, 1, seed=3, **noisy), cv.gradient_shap(net, x, 1, seed=4, **noisy))


# --- the common signature ---------------------------------------------------------------------
@pytest.mark.parametrize("method", ["lrp", "deeplift", "deeplift_shap", "gradient_shap"])
def test_batch_equals_images_one_by_one_and_k_targets_equal_k_calls(tiny, method):
    fn = {
        "lrp": cv.lrp,
        "deeplift": cv.deeplift,
        "deeplift_shap": lambda m, x, t: cv.deeplift_shap(m, x, t, baselines=torch.ones(2, 3, 8, 8) / 3),
        "gradient_shap": lambda m, x, t: cv.gradient_shap(m, x, t, baselines=torch.zeros(1, 3, 8, 8), n=1, seed=0),
    }[method]
    x = torch.randn(3, 3, 8, 8)
    t = torch.tensor([[0, 3], [1, 2], [4, 0]])
    both = fn(tiny, x, t)
    assert both.shape == (3, 2, 3, 8, 8)
    for j in range(2):  # K targets: the same as K calls (sampling methods draw the same samples)
        torch.testing.assert_close(both[:, j], fn(tiny, x, t[:, j]), rtol=1e-4, atol=1e-6)
    if method != "gradient_shap":  # a sampling method draws per position in the batch
        for i in range(3):
            torch.testing.assert_close(both[i], fn(tiny, x[i : i + 1], t[i : i + 1])[0], rtol=1e-4, atol=1e-6)
    assert_clean(tiny)


def test_bad_input_gets_one_clear_error(tiny):
    x = torch.randn(1, 3, 8, 8)
    with pytest.raises(ValueError, match="composite"):
        cv.lrp(tiny, x, composite="epsilon")
    with pytest.raises(TypeError, match="composite"):
        cv.lrp(tiny, x, composite=3)
    with pytest.raises(ValueError, match="low="):
        cv.lrp(tiny, x, composite="epsilon_plus", low=0.0)
    with pytest.raises(ValueError, match="high"):
        cv.lrp(tiny, x, composite="epsilon_gamma_box", high=torch.zeros(2, 2))
    with pytest.raises(ValueError, match="baselines"):
        cv.deeplift_shap(tiny, x, baselines=torch.zeros(2, 3, 4, 4))
    with pytest.raises(TypeError, match="baselines"):
        cv.gradient_shap(tiny, x, baselines=[0.0])
    with pytest.raises(ValueError, match="alpha and beta"):
        AlphaBeta(2, 2)


# --- canonizers --------------------------------------------------------------------------------
class ConvBN(nn.Module):
    """conv -> BN -> ReLU, then BN -> ReLU -> conv (DenseNet's order: that BN follows no conv)."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1, self.bn1 = nn.Conv2d(3, 4, 3, padding=1, bias=False), nn.BatchNorm2d(4)
        self.bn2, self.conv2 = nn.BatchNorm2d(4), nn.Conv2d(4, 5, 3, padding=1)
        self.fc = nn.Linear(5, 3)

    def forward(self, x):
        h = self.conv2(F.relu(self.bn2(F.relu(self.bn1(self.conv1(x))))))
        return self.fc(h.mean((2, 3)))


def test_merge_batchnorm_folds_only_what_follows_a_layer_and_restores_exactly():
    net = _shaken(ConvBN())
    x = torch.randn(2, 3, 8, 8)
    assert folding_pairs(net, x) == [(net.conv1, net.bn1)]
    state = ModelState.of(net)
    params = {k: v for k, v in net.named_parameters()}
    with torch.no_grad():
        before = net(x)
    with MergeBatchNorm().applied(net, x), torch.no_grad():
        assert net.conv1.bias is not None and torch.equal(net.bn1.running_var + net.bn1.eps, torch.ones(4))
        z = torch.randn(2, 4, 8, 8)
        assert net.bn1.eps == 1e-5 and torch.equal(net.bn1(z), z)  # an exact identity, eps kept
        torch.testing.assert_close(net(x), before, rtol=1e-5, atol=1e-6)  # the same function, refactored
    assert net.conv1.bias is None and all(params[k] is v for k, v in net.named_parameters())
    state.assert_same(net, "MergeBatchNorm")
    with pytest.raises(RuntimeError, match="boom"):
        with MergeBatchNorm().applied(net, x):
            raise RuntimeError("boom")
    state.assert_same(net, "MergeBatchNorm (failed)")


def test_lrp_through_batchnorm_never_asks_batch_norm_for_eps_0(monkeypatch):
    """torch 2.11 and older refuse ``eps <= 0`` in ``F.batch_norm`` even in eval mode (seen on a
    GPU machine); the merged BatchNorm keeps its eps and sets the variance to ``1 - eps``."""
    real = torch.nn.functional.batch_norm

    def strict(*args, **kwargs):
        eps = kwargs.get("eps", args[7] if len(args) > 7 else 1e-5)
        if eps <= 0:
            raise ValueError(f"batch_norm eps must be positive, but got {eps}")
        return real(*args, **kwargs)

    monkeypatch.setattr(torch.nn.functional, "batch_norm", strict)
    net = _shaken(ConvBN())
    x = torch.randn(2, 3, 8, 8)
    out = cv.lrp(net, x, [0, 1])
    monkeypatch.setattr(torch.nn.functional, "batch_norm", real)
    torch.testing.assert_close(out, cv.lrp(net, x, [0, 1]))


def test_lrp_leaves_a_batchnorm_network_in_train_mode_untouched():
    net = _shaken(ConvBN()).train()
    state = ModelState.of(net)
    out = cv.lrp(net, torch.randn(2, 3, 8, 8), [0, 1])
    assert out.shape == (2, 3, 8, 8) and torch.isfinite(out).all()
    state.assert_same(net, "lrp")


class _PoolNet(nn.Module):
    """conv -> ReLU -> 2x2 max pool (a module, or F.max_pool2d called in forward, with a
    stride and padding that overlap windows) -> conv -> ReLU -> mean -> linear."""

    def __init__(self, functional: bool) -> None:
        super().__init__()
        self.functional = functional
        self.conv1, self.conv2 = nn.Conv2d(3, 6, 3, padding=1), nn.Conv2d(6, 8, 3, padding=1)
        self.pool = nn.MaxPool2d(3, stride=2, padding=1)
        self.fc = nn.Linear(8, 5)

    def forward(self, x):
        h = F.relu(self.conv1(x))
        h = F.max_pool2d(h, 3, 2, padding=1) if self.functional else self.pool(h)
        return self.fc(F.relu(self.conv2(h)).mean((2, 3)))


def test_deeplift_applies_its_max_pooling_rule_to_f_max_pool2d_too():
    torch.manual_seed(0)
    module_net = _PoolNet(functional=False).eval()
    functional_net = _PoolNet(functional=True).eval()
    functional_net.load_state_dict(module_net.state_dict())
    x, ref = torch.randn(2, 3, 9, 9), torch.randn(2, 3, 9, 9)
    with torch.no_grad():
        gap = functional_net(x)[[0, 1], [1, 2]] - functional_net(ref)[[0, 1], [1, 2]]
    ours = cv.deeplift(functional_net, x, [1, 2], baseline=ref)
    torch.testing.assert_close(ours.flatten(1).sum(1), gap, rtol=1e-4, atol=1e-6)
    torch.testing.assert_close(ours, cv.deeplift(module_net, x, [1, 2], baseline=ref))
    # without the rule at F.max_pool2d (its plain gradient), the attributions would not add up
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(engine, "MAX_POOLS", frozenset())
        unruled = cv.deeplift(functional_net, x, [1, 2], baseline=ref)
    assert (unruled.flatten(1).sum(1) - gap).abs().max() > 1e-3
    # LRP (no max-pool rule) is unchanged by how the pool is called
    torch.testing.assert_close(cv.lrp(functional_net, x, [1, 2]), cv.lrp(module_net, x, [1, 2]))
    assert_clean(functional_net)
