"""Gradient attributions checked against their definitions and hand-computed values."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
import torchvision
from conftest import RefGuidedReLU, SiLUNet, TinyNet, assert_clean, tiny_pair
from torch import nn

import cnnviz_lab as cv
from cnnviz_lab.attribution.gradients import _baseline, batched_grad
from cnnviz_lab.attribution.guided import UnsupportedActivationError


def _x(n=2, size=16, seed=1):
    return torch.randn(n, 3, size, size, generator=torch.Generator().manual_seed(seed))


def _logit_grad(model, x, cls):
    """The definition: d logit[n, cls[n]] / d x, image by image, with plain autograd."""
    out = []
    for i, c in enumerate(cls):
        xi = x[i : i + 1].clone().requires_grad_(True)
        (g,) = torch.autograd.grad(model(xi)[0, c], xi)
        out.append(g[0])
    model.zero_grad(set_to_none=True)
    return torch.stack(out)


def _state(module):
    return [p.requires_grad for p in module.parameters()], [m.training for m in module.modules()]


# --- saliency, input x gradient, targets --------------------------------------------
def test_saliency_is_the_logit_gradient(tiny):
    x = _x()
    ref = _logit_grad(tiny, x, tiny(x).argmax(1).tolist())
    got = cv.saliency(tiny, x)
    assert got.shape == x.shape and not got.requires_grad
    torch.testing.assert_close(got, ref)
    torch.testing.assert_close(cv.saliency(tiny, x, 3), _logit_grad(tiny, x, [3, 3]))
    torch.testing.assert_close(cv.input_x_gradient(tiny, x, [1, 4]), x * _logit_grad(tiny, x, [1, 4]))
    assert_clean(tiny)


def test_batch_equals_images_one_by_one_and_nk_equals_k_calls(tiny):
    x = _x(3)
    per_image = cv.saliency(tiny, x, [0, 2, 4])
    for i, c in enumerate([0, 2, 4]):
        torch.testing.assert_close(per_image[i : i + 1], cv.saliency(tiny, x[i : i + 1], c))
    targets = torch.tensor([[0, 1], [2, 3], [4, 0]])
    for fn in (cv.saliency, cv.guided_backprop, cv.input_x_gradient):
        both = fn(tiny, x, targets)
        assert both.shape == (3, 2, 3, 16, 16)
        for k in range(2):
            torch.testing.assert_close(both[:, k], fn(tiny, x, targets[:, k].tolist()))


class _NoVmap(torch.autograd.Function):
    """Identity whose backward leaves autograd (numpy): vmap cannot batch it."""

    @staticmethod
    def forward(ctx, x):
        return x.view_as(x)

    @staticmethod
    def backward(ctx, g):
        return torch.from_numpy(g.detach().cpu().numpy().copy())


def test_batched_backward_agrees_with_the_loop_and_falls_back():
    x = _x(2).requires_grad_(True)
    torch.manual_seed(0)
    net = TinyNet().eval()
    scores = net(x)[:, :3]
    torch.testing.assert_close(batched_grad(scores, x), batched_grad(scores, x, batched=False))
    scores = net(_NoVmap.apply(x))[:, :3]  # batched backward fails here: the loop takes over
    torch.testing.assert_close(batched_grad(scores, x), batched_grad(net(x)[:, :3], x, batched=False))


def test_class_names_with_a_classifier(lite):
    x = lite.preprocess(cv.sample_image("cat"), size=96)
    by_name = cv.saliency(lite, x, "tabby")
    torch.testing.assert_close(by_name, cv.saliency(lite, x, lite.class_index("tabby")))
    assert_clean(lite)


# --- guided backpropagation ---------------------------------------------------------
W1 = [[1.0, -1.0], [2.0, 1.0], [-1.0, 1.0]]
W2 = [[1.0, 1.0, -1.0], [-1.0, 1.0, 2.0]]
W3 = [[2.0, -1.0]]
X = torch.tensor([1.0, 2.0]).view(1, 2, 1, 1)
# Hand computation for x = (1, 2): layer 1 pre-activations (-1, 4, 1), layer 2 (3, 6).
# Vanilla: dz/dh2 = (2, -1) -> dz/dh1 = (3, 1, -4) * (0, 1, 1) -> dz/dx = (6, -3).
# Guided: (2, -1) -> (2, 0); W2^T (2, 0) = (2, 2, -2) -> (0, 2, 0); W1^T (0, 2, 0) = (4, 2).
# With ReLU6 the unit at exactly 6 is cut: vanilla (6, 0), guided still (4, 2).


class HandNet(nn.Module):
    """Two hidden ReLU layers with the weights above; ``style`` says how ReLU is called."""

    def __init__(self, style: str) -> None:
        super().__init__()
        self.style = style
        self.fc1, self.fc2, self.fc3 = (nn.Linear(len(w[0]), len(w), bias=False) for w in (W1, W2, W3))
        for fc, w in zip((self.fc1, self.fc2, self.fc3), (W1, W2, W3)):
            fc.weight.data = torch.tensor(w)
        self.act = {"module": nn.ReLU(), "inplace": nn.ReLU(inplace=True), "relu6": nn.ReLU6(inplace=True)}.get(style, nn.Identity())
        self.act2 = nn.ReLU()

    def relu(self, h, second):
        if self.style == "functional":
            return F.relu(h, inplace=True)
        if self.style == "torch":
            return torch.relu(h) if second else torch.relu_(h)
        if self.style == "method":
            h.relu_()  # result ignored on purpose: the in-place call must still be guided
            return h
        if self.style == "mixed":
            return self.act2(h) if second else F.relu6(h)
        return self.act(h)  # one module, reused for both layers

    def forward(self, x):
        h = self.relu(self.fc1(x.flatten(1)), False)
        return self.fc3(self.relu(self.fc2(h), True))


@pytest.mark.parametrize("style", ["module", "inplace", "functional", "torch", "method", "mixed", "relu6"])
def test_guided_backprop_hand_computed(style):
    net = HandNet(style).eval()
    vanilla = (6.0, 0.0) if style == "relu6" else (6.0, -3.0)
    torch.testing.assert_close(cv.saliency(net, X, 0).flatten(), torch.tensor(vanilla))
    torch.testing.assert_close(cv.guided_backprop(net, X, 0).flatten(), torch.tensor([4.0, 2.0]))
    assert_clean(net)


def test_guided_from_a_layer_and_channel_hand_computed():
    net = HandNet("module").eval()
    # d h1_pre[1] / dx = W1[1] (no ReLU on the way)
    torch.testing.assert_close(cv.guided_backprop(net, X, from_layer="fc1", channel=1).flatten(), torch.tensor([2.0, 1.0]))
    # a reused module counts by its first call: ReLU(h1_pre)[1] -> (0,1,0) -> W1^T = (2, 1)
    torch.testing.assert_close(cv.guided_backprop(net, X, from_layer="act", channel=1).flatten(), torch.tensor([2.0, 1.0]))
    # the second ReLU's output, channel 1: (0,1) -> W2^T = (-1,1,2) -> (0,1,2) -> W1^T = (0, 3)
    mixed = HandNet("mixed").eval()
    torch.testing.assert_close(cv.guided_backprop(mixed, X, from_layer="act2", channel=1).flatten(), torch.tensor([0.0, 3.0]))
    # all channels of fc2's output: (1,1) -> W2^T (1,1) = (0,2,1) -> (0,2,1) -> W1^T = (3, 3)
    torch.testing.assert_close(cv.guided_backprop(net, X, from_layer="fc2").flatten(), torch.tensor([3.0, 3.0]))
    with pytest.raises(ValueError, match="either target"):
        cv.guided_backprop(net, X, 0, from_layer="fc2")
    assert_clean(net)


def _reference_guided(model, x, cls, monkeypatch):
    """Guided backprop by replacing F.relu itself (module ReLUs call it too), out of place."""
    with monkeypatch.context() as mp:
        mp.setattr(F, "relu", lambda t, inplace=False: RefGuidedReLU.apply(t))
        return _logit_grad(model, x, cls)


@pytest.mark.parametrize("name", ["resnet18", "densenet121", "googlenet"])
def test_guided_backprop_on_torchvision_matches_reference(name, monkeypatch):
    torch.manual_seed(0)
    kwargs = {"aux_logits": False, "init_weights": False} if name == "googlenet" else {}
    model = torchvision.models.get_model(name, weights=None, **kwargs).eval()
    x = _x(2, 64)
    cls = [3, 7]
    ref = _reference_guided(model, x, cls, monkeypatch)
    got = cv.guided_backprop(model, x, cls)
    scale = ref.abs().amax()
    assert scale > 0
    torch.testing.assert_close(got / scale, ref / scale, rtol=1e-3, atol=1e-4)
    vanilla = cv.saliency(model, x, cls)
    assert (got - vanilla).abs().amax() > 0.05 * scale  # the rule changed something
    assert_clean(model)


def test_guided_relu6_on_mobilenet_and_inplace_pair():
    torch.manual_seed(0)
    model = torchvision.models.mobilenet_v2(weights=None).eval()
    x = _x(1, 64)
    # reference: ReLU6 modules replaced by a hand-written guided ReLU6
    ref_model = torchvision.models.mobilenet_v2(weights=None).eval()
    ref_model.load_state_dict(model.state_dict())

    class RefReLU6(nn.Module):
        def forward(self, t):
            return _Ref6.apply(t)

    for parent in ref_model.modules():
        for n, child in parent.named_children():
            if isinstance(child, nn.ReLU6):
                setattr(parent, n, RefReLU6())
    ref = _logit_grad(ref_model, x, [5])
    torch.testing.assert_close(cv.guided_backprop(model, x, 5) / ref.abs().amax(), ref / ref.abs().amax())
    a, b = tiny_pair()
    torch.testing.assert_close(cv.guided_backprop(a, _x()), cv.guided_backprop(b, _x()))


class _Ref6(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.clamp(0, 6)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return ((x > 0) & (x < 6)).to(g.dtype) * g.clamp(min=0)


def test_undefined_activation_raises_and_generalisation_is_documented_rule():
    torch.manual_seed(0)
    net = SiLUNet().train()
    net.fc.weight.requires_grad_(False)
    before = _state(net)
    with pytest.raises(UnsupportedActivationError, match=r"SiLUNet uses SiLU.*generalize=True"):
        cv.guided_backprop(net, _x(1), 0)
    assert _state(net) == before
    assert_clean(net)
    # generalize=True: phi'(x) * max(grad_out, 0) at the SiLU, written out by hand
    x = _x(1).requires_grad_(True)
    net.eval()
    pre = net.conv(x)
    y = F.silu(pre)
    y.register_hook(lambda g: g.clamp(min=0))
    (ref,) = torch.autograd.grad(net.fc(y.mean((2, 3)))[0, 2], x)
    net.zero_grad(set_to_none=True)
    torch.testing.assert_close(cv.guided_backprop(net, x.detach(), 2, generalize=True), ref)


# --- SmoothGrad ---------------------------------------------------------------------
def test_smoothgrad_zero_noise_equals_base(tiny):
    x = _x()
    for method, base in ((cv.saliency, cv.saliency), ("guided", cv.guided_backprop)):
        torch.testing.assert_close(cv.smoothgrad(tiny, x, 1, method=method, n=3, noise=0.0), base(tiny, x, 1))
    sq = cv.smoothgrad(tiny, x, 1, n=2, noise=0.0, squared=True)
    torch.testing.assert_close(sq, cv.saliency(tiny, x, 1) ** 2)
    var = cv.smoothgrad(tiny, x, 1, n=2, noise=0.0, vargrad=True)
    assert var.abs().max() < 1e-6 * cv.saliency(tiny, x, 1).abs().max()
    assert_clean(tiny)


def test_smoothgrad_matches_definition_and_seed(tiny):
    x = _x()
    n, noise = 5, 0.2
    got = cv.smoothgrad(tiny, x, [0, 3], n=n, noise=noise, seed=7, batch_size=4)
    sigma = noise * (x.flatten(1).amax(1) - x.flatten(1).amin(1))
    ref, refsq = torch.zeros_like(x), torch.zeros_like(x)
    for i, c in enumerate([0, 3]):
        gen = torch.Generator().manual_seed(7)  # each image its own stream: a batch equals its images alone
        for _ in range(n):
            eps = torch.randn((1, 3, 16, 16), generator=gen)
            g = cv.saliency(tiny, x[i : i + 1] + eps * sigma[i], c)[0]
            ref[i] += g / n
            refsq[i] += g * g / n
    torch.testing.assert_close(got, ref)
    same = cv.smoothgrad(tiny, x, [0, 3], n=n, noise=noise, seed=7, batch_size=3)
    torch.testing.assert_close(same, got)  # batch size does not change the noise
    assert not torch.allclose(cv.smoothgrad(tiny, x, [0, 3], n=n, noise=noise, seed=8), got)
    var = cv.smoothgrad(tiny, x, [0, 3], n=n, noise=noise, seed=7, vargrad=True)
    torch.testing.assert_close(var, refsq - ref * ref, rtol=1e-4, atol=1e-7)


def test_smoothgrad_targets_come_from_the_clean_image_and_nk(tiny):
    x = _x(2)
    top = tiny(x).argmax(1).tolist()
    torch.testing.assert_close(cv.smoothgrad(tiny, x, n=4, seed=0), cv.smoothgrad(tiny, x, top, n=4, seed=0))
    t = torch.tensor([[0, 1, 2], [3, 4, 0]])
    both = cv.smoothgrad(tiny, x, t, method="guided", n=3, seed=1)
    assert both.shape == (2, 3, 3, 16, 16)
    # sample i of image j sees the same noise whatever K is: column k equals a single call
    torch.testing.assert_close(both[:, 1], cv.smoothgrad(tiny, x, t[:, 1].tolist(), method="guided", n=3, seed=1))


# --- Integrated Gradients -----------------------------------------------------------
def test_ig_is_exact_on_a_linear_model():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Flatten(), nn.Linear(3 * 4 * 4, 5)).eval()
    x = _x(2, 4)
    base = torch.full_like(x, 0.5)
    ig, err = cv.integrated_gradients(net, x, [1, 2], baseline=0.5, steps=3, return_error=True)
    w = net[1].weight.view(5, 3, 4, 4)
    torch.testing.assert_close(ig, (x - base) * w[[1, 2]])
    assert err.shape == (2,) and err.abs().max() < 1e-4


@pytest.mark.parametrize("rule,steps", [("gausslegendre", 200), ("riemann_trapezoid", 256)])
def test_ig_completeness_within_one_percent(tiny, rule, steps):
    x = _x(2) * 2
    t = torch.tensor([[0, 2], [1, 4]])
    ig, err = cv.integrated_gradients(tiny, x, t, steps=steps, rule=rule, batch_size=50, return_error=True)
    with torch.no_grad():
        gap = tiny(x).gather(1, t) - tiny(torch.zeros_like(x)).gather(1, t)
    torch.testing.assert_close(err, ig.flatten(2).sum(2) - gap, rtol=1e-4, atol=1e-5)
    assert (err.abs() <= 0.01 * gap.abs()).all(), (err, gap)
    assert_clean(tiny)


def test_ig_default_baseline_is_black_in_model_space(tiny):
    clf = cv.wrap_model(tiny, input_size=16, cam_layer="conv2", device="cpu")
    x = _x(1)
    torch.testing.assert_close(_baseline(None, x, clf), clf.from_unit(torch.zeros_like(x)))
    torch.testing.assert_close(_baseline(None, x, None), torch.zeros_like(x))
    b = clf.from_unit(torch.zeros_like(x))
    torch.testing.assert_close(cv.integrated_gradients(clf, x, 1, steps=8), cv.integrated_gradients(tiny, x, 1, baseline=b, steps=8))


# --- model state, errors, devices ---------------------------------------------------
@pytest.mark.parametrize(
    "call",
    [
        lambda m, x: cv.saliency(m, x, 99),
        lambda m, x: cv.smoothgrad(m, x, 0, n=2, squared=True, vargrad=True),
        lambda m, x: cv.integrated_gradients(m, x, 0, steps=2, rule="simpson"),
        lambda m, x: cv.guided_backprop(m, x, from_layer="conv2", channel=99),
    ],
)
def test_state_restored_after_errors(call):
    torch.manual_seed(0)
    net = TinyNet().train()
    net.conv1.weight.requires_grad_(False)
    before = _state(net)
    with pytest.raises((IndexError, ValueError, RuntimeError)):
        call(net, _x())
    assert _state(net) == before
    assert_clean(net)


def test_state_restored_after_success():
    torch.manual_seed(0)
    net = TinyNet().train()
    net.fc.bias.requires_grad_(False)
    before = _state(net)
    x = _x()
    cv.saliency(net, x)
    cv.guided_backprop(net, x, from_layer="relu1", channel=[0, 2])
    cv.smoothgrad(net, x, n=2, method="input_x_gradient")
    cv.integrated_gradients(net, x, steps=4, return_error=True)
    assert _state(net) == before
    assert_clean(net)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda():
    torch.manual_seed(0)
    net = TinyNet().eval().cuda()
    x = _x().cuda()
    t = torch.tensor([[0, 1], [2, 3]], device="cuda")
    for fn in (cv.saliency, cv.guided_backprop, cv.input_x_gradient):
        assert fn(net, x, t).device.type == "cuda"
    a = cv.smoothgrad(net, x, t, n=4, seed=0)
    torch.testing.assert_close(a, cv.smoothgrad(net, x, t, n=4, seed=0))
    assert cv.integrated_gradients(net, x, t, steps=4).device.type == "cuda"
    torch.testing.assert_close(cv.saliency(net, x, t).cpu(), cv.saliency(net.cpu(), x.cpu(), t.cpu()), rtol=1e-3, atol=1e-5)


# --- figures, exercise, panel, CLI --------------------------------------------------
def test_plot_saliency_figures():
    from matplotlib.figure import Figure

    a = torch.zeros(3, 8, 8)
    a[0, 1, 1], a[2, 5, 5] = 2.0, -4.0
    m = cv.plot.saliency_map(a, percentile=100)
    assert m.shape == (8, 8) and m[5, 5] == 1.0 and m[1, 1] == 0.5  # max_c |a|, scaled by its maximum
    pos, neg = cv.plot.signed_parts(a, percentile=100)
    assert pos[1, 1, 0] == 1.0 and pos[5, 5].max() == 0 and neg[5, 5, 2] == 1.0 and neg[1, 1].max() == 0
    img = torch.rand(1, 3, 8, 8)
    for fig in (
        cv.plot.saliency_maps(img, a),
        cv.plot.vanilla_vs_guided(img, a, -a),
        cv.plot.compare_maps(img, {"a": a, "b": a}),
        cv.plot.class_maps(img, torch.stack([a, a]), ["x", "y"]),
    ):
        assert isinstance(fig, Figure)


def test_exercise_checker(capsys):
    def right(model, x, target):
        x = x.detach().requires_grad_(True)
        return torch.autograd.grad(model(x)[:, target].sum(), x)[0]

    def with_backward(model, x, target):
        x = x.detach().requires_grad_(True)
        model(x)[:, target].sum().backward()
        return x.grad

    def todo(model, x, target):
        raise NotImplementedError

    assert cv.exercises.check_saliency(right)
    assert not cv.exercises.check_saliency(lambda m, x, t: right(m, x, t).abs())
    assert not cv.exercises.check_saliency(lambda m, x, t: right(m, x, (t + 1) % 10))
    assert not cv.exercises.check_saliency(with_backward)
    assert not cv.exercises.check_saliency(todo)
    out = capsys.readouterr().out
    assert "no abs()" in out and "torch.autograd.grad" in out and "NotImplementedError" in out


def test_panel_renders_every_method(capsys):
    panel = cv.widgets.saliency_panel(size=64)
    panel.controls["method"].value = "guided"
    panel.controls["samples"].value = 5  # SmoothGrad over guided backprop
    panel.controls["samples"].value = 0
    for method in ("input x grad", "integrated gradients"):
        panel.controls["method"].value = method
    out = capsys.readouterr().out  # outside a notebook the panel prints what it shows
    assert out.count("Figure(") >= 5 and "Error" not in out, out
    assert "computing" not in panel.status.value
    assert cv.hook_count(cv.widgets.cached_model("efficientnet_lite0")) == 0


def test_cli_saliency(tmp_path, capsys):
    from cnnviz_lab.cli import main

    out = tmp_path / "map.png"
    assert main(["saliency", "data/chelsea.png", "--method", "guided", "--target", "tabby", "--size", "96", "--out", str(out)]) == 0
    assert "tabby (281)" in capsys.readouterr().out and out.stat().st_size > 1000
    assert (
        main(["saliency", "data/drums_and_guitar.jpg", "--method", "smoothgrad", "--n", "2", "--top", "2", "--size", "64", "--out", str(tmp_path / "top.png")])
        == 0
    )
    assert main(["saliency", "data/chelsea.png", "--target", "tabbby", "--out", str(out)]) == 2
    assert "Closest labels: tabby" in capsys.readouterr().err
