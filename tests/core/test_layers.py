import pytest
import torch
from torch import nn

import cnnviz_lab as cv
from conftest import assert_clean, tiny_pair


def test_layer_names_by_kind(lite):
    convs = cv.layer_names(lite, "conv")
    assert convs[0] == "stem.conv" and convs[-1] == "head.conv"
    assert all(isinstance(cv.get_layer(lite, n), nn.Conv2d) for n in convs)
    assert "classifier" in cv.layer_names(lite, "linear")
    assert cv.layer_names(lite, nn.ReLU6)[0] == "stem.act"
    with pytest.raises(ValueError, match="unknown layer kind"):
        cv.layer_names(lite, "convolution")


def test_unknown_layer_lists_closest(lite):
    with pytest.raises(cv.UnknownNameError, match="blocks.1") as err:
        cv.get_layer(lite, "block.1")
    assert "layer_names" in str(err.value)
    assert cv.get_layer(lite, lite.model.head) is lite.model.head
    with pytest.raises(ValueError):
        cv.get_layer(lite, nn.Conv2d(1, 1, 1))


def test_capture_records_layer_output_even_before_inplace_relu():
    plain, inplace = tiny_pair()
    x = torch.randn(2, 3, 16, 16)
    with cv.capture(plain, ["conv1", "conv2"]) as a:
        out_a = plain(x)
    with cv.capture(inplace, ["conv1", "conv2"]) as b:
        out_b = inplace(x)
    assert torch.equal(out_a, out_b)
    for name in ("conv1", "conv2"):
        assert torch.equal(a[name], b[name])
        assert (b[name] < 0).any(), "the in-place ReLU overwrote what we recorded"
    assert_clean(plain)
    assert_clean(inplace)


def test_capture_gradients_match_autograd():
    net, _ = tiny_pair()
    x = torch.randn(1, 3, 16, 16)
    for p in net.parameters():
        p.requires_grad_(False)
    with cv.capture(net, "conv2", gradients=True) as cap:
        score = net(x)[0, 2]
        (g_autograd,) = torch.autograd.grad(score, cap["conv2"], retain_graph=True)
        score.backward()
    assert torch.allclose(cap.gradients["conv2"], g_autograd)
    # the reference: gradient of the head with respect to conv2's output, computed by hand
    a = net.conv2(net.relu1(net.conv1(x)))
    a.requires_grad_(True)
    (ref,) = torch.autograd.grad(net.fc(net.pool(net.relu2(a)).flatten(1))[0, 2], a)
    assert torch.allclose(g_autograd, ref, atol=1e-6)
    assert_clean(net)


def test_hooks_come_off_after_an_exception(tiny):
    with pytest.raises(RuntimeError, match="boom"):
        with cv.capture(tiny, ["conv1", "relu2"], gradients=True):
            assert cv.hook_count(tiny) == 2
            raise RuntimeError("boom")
    assert cv.hook_count(tiny) == 0
    with pytest.raises(RuntimeError):
        with cv.capture(tiny, "conv1"):
            tiny(torch.randn(1, 3, 4))  # wrong input rank fails inside the model
    assert cv.hook_count(tiny) == 0


def test_stop_ends_the_forward_pass_after_the_deepest_layer(tiny):
    calls = []
    handle = tiny.fc.register_forward_hook(lambda *a: calls.append(1))
    try:
        acts = cv.activations(tiny, torch.randn(1, 3, 8, 8), ["conv1", "conv2"])
    finally:
        handle.remove()
    assert calls == [] and set(acts) == {"conv1", "conv2"}
    single = cv.activations(tiny, torch.randn(1, 3, 8, 8), "conv1")
    assert isinstance(single, torch.Tensor) and single.shape == (1, 6, 8, 8)


def test_reused_module_records_every_call():
    class Reuse(nn.Module):
        def __init__(self):
            super().__init__()
            self.relu = nn.ReLU(inplace=True)
            self.conv = nn.Conv2d(3, 3, 1)

        def forward(self, x):
            return self.relu(self.conv(self.relu(x)))

    net = Reuse()
    with torch.no_grad(), cv.capture(net, "relu") as cap:
        net(torch.randn(1, 3, 4, 4))
    assert len(cap.outputs["relu"]) == 2
    assert cap["relu"] is cap.outputs["relu"][-1]


def test_frozen_restores_flags_and_modes(tiny):
    tiny.train()
    tiny.conv1.weight.requires_grad_(False)
    before = [p.requires_grad for p in tiny.parameters()]
    with pytest.raises(ZeroDivisionError):
        with cv.frozen(tiny):
            assert not tiny.training and not any(p.requires_grad for p in tiny.parameters())
            1 / 0
    assert tiny.training and [p.requires_grad for p in tiny.parameters()] == before


def test_resolve_targets_semantics(lite):
    from cnnviz_lab.attribution.common import resolve_targets

    logits = torch.randn(2, 1000)
    t, squeeze = resolve_targets(None, logits)
    assert squeeze and t.tolist() == logits.argmax(1, keepdim=True).tolist()
    t, squeeze = resolve_targets("tabby", logits, lite)
    assert squeeze and t.tolist() == [[281], [281]]
    t, squeeze = resolve_targets([1, "espresso"], logits, lite)
    assert squeeze and t.tolist() == [[1], [967]]
    t, squeeze = resolve_targets([[1, 2, 3], [4, 5, 6]], logits)
    assert not squeeze and t.shape == (2, 3)
    with pytest.raises(ValueError, match="one class per image"):
        resolve_targets([1, 2, 3], logits)
    with pytest.raises(TypeError, match="Classifier"):
        resolve_targets("tabby", logits)
    with pytest.raises(IndexError):
        resolve_targets(1000, logits)


def test_layer_names_of_resolves_names_and_modules_in_one_walk_like_layer_name():
    from cnnviz_lab.core.errors import UnknownNameError
    from cnnviz_lab.core.layer_lookup import layer_name, layer_names_of

    shared = nn.ReLU()
    net = nn.Sequential(nn.Conv2d(3, 4, 3), shared, nn.Sequential(nn.Conv2d(4, 4, 3), shared))
    # a module registered twice answers with its first name, by name or by module
    assert layer_names_of(net, ["2.1", shared, "0", net[2][0]]) == ["1", "1", "0", "2.0"]
    assert [layer_name(net, r) for r in ["2.1", shared, "0", net[2][0]]] == ["1", "1", "0", "2.0"]
    with pytest.raises(UnknownNameError, match="2.0"):
        layer_names_of(net, ["0", "2.7"])
    with pytest.raises(ValueError, match="not part of the model"):
        layer_names_of(net, [nn.ReLU()])
    # capture records a shared module under its first name, once
    with cv.capture(net, ["1", "2.1"]) as cap:
        net(torch.zeros(1, 3, 8, 8))
    assert list(cap.activations) == ["1"]
