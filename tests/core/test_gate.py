"""The input gate and the model's state (issue 13): every public function that takes
``(model, x[, target])`` answers a wrong shape, dtype, value, target or keyword with one
``ValueError``/``TypeError`` naming the argument, the value and what is accepted, and never
changes the user's model or tensors (a train-mode BatchNorm model included)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

import cnnviz_lab as cv
from cnnviz_lab.core.gate import prepare_input, resolve_targets
from conftest import TinyNet

X = torch.randn(2, 3, 16, 16)
MAP = torch.rand(2, 16, 16)


class BNNet(nn.Module):
    """conv -> BatchNorm -> ReLU -> conv (stride 2) -> BatchNorm -> ReLU -> GAP -> linear."""

    def __init__(self, classes: int = 4) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(6)
        self.relu1 = nn.ReLU()
        self.conv2 = nn.Conv2d(6, 8, 3, stride=2, padding=1)
        self.bn2 = nn.BatchNorm2d(8)
        self.relu2 = nn.ReLU()
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(8, classes)

    def forward(self, x):
        x = self.relu2(self.bn2(self.conv2(self.relu1(self.bn1(self.conv1(x))))))
        return self.fc(torch.flatten(self.pool(x), 1))


def _bn_net() -> BNNet:
    torch.manual_seed(0)
    net = BNNet()
    with torch.no_grad():  # non-trivial running statistics, so eval and train modes differ
        for bn in (net.bn1, net.bn2):
            bn.running_mean.uniform_(-0.5, 0.5)
            bn.running_var.uniform_(0.5, 2.0)
    return net.train()


def assert_clear_error(error: type, words: list[str], call) -> None:
    """``call()`` raises ``error`` and its message holds every one of ``words``."""
    with pytest.raises(error) as info:
        call()
    for word in words:
        assert word in str(info.value), f"{word!r} missing from: {info.value}"


def _buffers(net: nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.clone() for k, v in net.named_buffers()}


# --- x --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "bad, error, words",
    [
        (np.zeros((1, 3, 16, 16), np.float32), TypeError, ["x", "ndarray", "preprocess"]),
        (torch.zeros(1, 1, 3, 16, 16), ValueError, ["x", "(1, 1, 3, 16, 16)", "(N,3,H,W)"]),
        (torch.zeros(16, 16), ValueError, ["x", "(16, 16)", "(N,3,H,W)"]),
        (torch.zeros(1, 4, 16, 16), ValueError, ["x", "4 channels", "3"]),
        (torch.zeros(0, 3, 16, 16), ValueError, ["x", "empty batch", "(0, 3, 16, 16)"]),
        (torch.zeros(1, 3, 16, 16, dtype=torch.uint8), TypeError, ["x", "uint8", "raw pixels", "preprocess"]),
        (torch.zeros(1, 3, 16, 16, dtype=torch.int64), TypeError, ["x", "int64", "floating"]),
        (torch.zeros(1, 3, 16, 16, dtype=torch.bool), TypeError, ["x", "bool", "floating"]),
        (torch.full((1, 3, 16, 16), float("nan")), ValueError, ["x", "NaN", "finite"]),
        (torch.zeros(1, 3, 16, 16).index_fill_(3, torch.tensor([2]), float("inf")), ValueError, ["x", "infinite"]),
    ],
)
@pytest.mark.parametrize(
    "call",
    [
        lambda m, x: cv.saliency(m, x),
        lambda m, x: cv.gradcam(m, x, layer="conv2"),
        lambda m, x: cv.occlusion(m, x, window=8, stride=8),
        lambda m, x: cv.activations(m, x, "conv1"),
        lambda m, x: cv.deletion_auc(m, x, torch.rand(1, 16, 16), steps=2),
        lambda m, x: cv.integrated_gradients(m, x, steps=2),
        lambda m, x: cv.topk_targets(m, x, 1),
    ],
    ids=["saliency", "gradcam", "occlusion", "activations", "deletion", "ig", "topk"],
)
def test_bad_inputs_get_one_clear_error(bad, error, words, call, tiny):
    assert_clear_error(error, words, lambda: call(tiny, bad))


def test_one_image_is_a_batch_of_one_and_float64_is_cast(tiny):
    x = torch.randn(1, 3, 16, 16)
    torch.testing.assert_close(cv.saliency(tiny, x[0]), cv.saliency(tiny, x))
    out = cv.gradcam(tiny, x.double(), layer="conv2")
    assert out.dtype == torch.float32
    torch.testing.assert_close(out, cv.gradcam(tiny, x, layer="conv2"))


def test_the_gate_copies_so_a_model_writing_its_input_in_place_cannot_change_the_callers_tensor():
    class InPlace(TinyNet):
        def forward(self, x):
            x.mul_(2.0)  # a model that works on its input in place
            return super().forward(x)

    torch.manual_seed(0)
    net = InPlace().eval()
    x = torch.randn(2, 3, 16, 16)
    keep = x.clone()
    assert prepare_input(net, x).data_ptr() != x.data_ptr()
    # (input-gradient methods cannot run such a model: autograd refuses in-place ops on its leaf)
    for call in (
        lambda: cv.gradcam(net, x, layer="conv2"),
        lambda: cv.occlusion(net, x, window=8, stride=8),
        lambda: cv.topk_targets(net, x, 2),
        lambda: cv.activations(net, x, "conv2"),
        lambda: cv.deletion_auc(net, x, torch.rand(2, 16, 16), steps=2),
    ):
        call()
        assert torch.equal(x, keep)


# --- targets --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "target, error, words",
    [
        (1.7, TypeError, ["target", "1.7", "int"]),
        (torch.tensor([1.7, 0.0]), TypeError, ["target", "1.7", "float"]),
        (np.array([1.0, 2.0]), TypeError, ["target", "float64"]),
        (True, TypeError, ["target", "True"]),
        (-1, ValueError, ["target", "-1", "0..4"]),
        (5, ValueError, ["target", "5", "5 classes"]),
        ([[1, 9], [0, 2]], ValueError, ["target", "9", "0..4"]),
        ("tabby", TypeError, ["target", "tabby", "Classifier"]),
        ([0, 1, 2], ValueError, ["target", "one class per image (2)", "3"]),
        (torch.zeros(2, 0, dtype=torch.long), ValueError, ["target", "K >= 1"]),
        (object(), TypeError, ["target", "object"]),
    ],
)
@pytest.mark.parametrize(
    "call",
    [
        lambda m, t: cv.saliency(m, X, t),
        lambda m, t: cv.smoothgrad(m, X, t, n=2),
        lambda m, t: cv.integrated_gradients(m, X, t, steps=2),
        lambda m, t: cv.gradcam(m, X, t, layer="conv2"),
        lambda m, t: cv.scorecam(m, X, t, layer="conv2"),
        lambda m, t: cv.occlusion(m, X, t, window=8, stride=8),
    ],
    ids=["saliency", "smoothgrad", "ig", "gradcam", "scorecam", "occlusion"],
)
def test_bad_targets_get_one_clear_error(target, error, words, call, tiny):
    assert_clear_error(error, words, lambda: call(tiny, target))


def test_out_of_range_is_checked_against_the_real_logits_of_a_bare_module(tiny):
    # TinyNet has 5 classes: 4 is fine, 5 is not, whatever method asks (no fake 2**40 bound)
    cv.integrated_gradients(tiny, X, 4, steps=2)
    cv.smoothgrad(tiny, X, 4, n=2)
    for call in (cv.integrated_gradients, cv.smoothgrad):
        with pytest.raises(ValueError, match=r"0\.\.4") as info:
            call(tiny, X, 5)
        assert "1099511627775" not in str(info.value)
    with pytest.raises(IndexError):  # the range error is still an IndexError too
        cv.saliency(tiny, X, 7)


def test_integer_targets_of_any_kind_are_accepted(tiny):
    ref = cv.saliency(tiny, X, [1, 2])
    for t in ([1, 2], (1, 2), np.array([1, 2]), torch.tensor([1, 2]), [np.int64(1), torch.tensor(2)]):
        torch.testing.assert_close(cv.saliency(tiny, X, t), ref)
    ids, squeeze = resolve_targets(np.int32(3), torch.zeros(2, 5))
    assert ids.tolist() == [[3], [3]] and squeeze


def test_topk_and_predict_check_k(tiny, lite, cat_x):
    with pytest.raises(ValueError, match=r"k must be an int from 1 to the number of classes \(5\), got 6"):
        cv.topk_targets(tiny, X, 6)
    with pytest.raises(ValueError, match="got 0"):
        cv.topk_targets(tiny, X, 0)
    with pytest.raises(TypeError, match="k must be"):
        cv.topk_targets(tiny, X, 2.5)
    with pytest.raises(ValueError, match="1000"):
        lite.predict(cat_x, k=5000)


# --- keywords -------------------------------------------------------------------------
@pytest.mark.parametrize(
    "call, error, words",
    [
        (lambda m: cv.occlusion(m, X, window=8.5), TypeError, ["window", "8.5", "positive int"]),
        (lambda m: cv.occlusion(m, X, window="big"), TypeError, ["window", "'big'"]),
        (lambda m: cv.occlusion(m, X, window=0), ValueError, ["window", "0"]),
        (lambda m: cv.occlusion(m, X, stride=(4, -1)), ValueError, ["stride", "-1"]),
        (lambda m: cv.occlusion(m, X, output="probability"), ValueError, ["output", "'probability'", "'prob'"]),
        (lambda m: cv.integrated_gradients(m, X, steps=0), ValueError, ["steps", "0"]),
        (lambda m: cv.integrated_gradients(m, X, steps=2.5), TypeError, ["steps", "2.5"]),
        (lambda m: cv.integrated_gradients(m, X, rule="simpson"), ValueError, ["rule", "simpson", "gausslegendre"]),
        (lambda m: cv.smoothgrad(m, X, n=0), ValueError, ["n", "0"]),
        (lambda m: cv.smoothgrad(m, X, n=2, noise=-0.1), ValueError, ["noise", "-0.1"]),
        (lambda m: cv.smoothgrad(m, X, n=2, seed=1.5), TypeError, ["seed", "1.5"]),
        (lambda m: cv.deletion_auc(m, X, torch.rand(2, 16, 16), steps=0), ValueError, ["steps", "0"]),
        (lambda m: cv.scorecam(m, X, layer="conv2", max_channels=0), ValueError, ["max_channels", "0"]),
        (lambda m: cv.gradcam(m, X, layer=3), TypeError, ["layer", "3", "layer name"]),
        (lambda m: cv.cam(m, X, layer=2.0), TypeError, ["layer", "2.0"]),
        (lambda m: cv.activations(m, X, 1), TypeError, ["layers", "1"]),
        (lambda m: cv.guided_backprop(m, X, from_layer="conv2", channel=99), ValueError, ["channel", "99", "0 to 7"]),
        (lambda m: cv.occlusion(m, X, progress="yes"), TypeError, ["progress", "'yes'"]),
    ],
)
def test_bad_keywords_get_one_clear_error(call, error, words, tiny):
    assert_clear_error(error, words, lambda: call(tiny))


@pytest.mark.parametrize(
    "call",
    [
        lambda m, b: cv.smoothgrad(m, X, n=2, batch_size=b, seed=0),
        lambda m, b: cv.integrated_gradients(m, X, steps=2, batch_size=b),
        lambda m, b: cv.occlusion(m, X, window=8, stride=8, batch_size=b),
        lambda m, b: cv.scorecam(m, X, layer="conv2", batch_size=b),
        lambda m, b: cv.deletion_auc(m, X, MAP, steps=2, batch_size=b, seed=0),
    ],
    ids=["smoothgrad", "ig", "occlusion", "scorecam", "deletion"],
)
def test_batch_size_follows_one_rule_everywhere(call, tiny):
    for bad, error in ((0, ValueError), (-3, ValueError), (1.5, TypeError), ("8", TypeError)):
        with pytest.raises(error, match="batch_size"):
            call(tiny, bad)
    torch.testing.assert_close(call(tiny, 1), call(tiny, None))


def test_a_one_by_one_map_is_reported_as_such_not_blamed_on_the_head():
    import torchvision

    net = torchvision.models.resnet18(weights=None).eval()
    x = torch.randn(1, 3, 32, 32)
    for method in (cv.cam, cv.gradcam, cv.scorecam):
        with pytest.raises(ValueError, match=r"'layer4' gives a 1x1 feature map for this 32x32 input"):
            method(net, x)
    assert cv.gradcam(net, torch.randn(1, 3, 64, 64)).shape == (1, 64, 64)


# --- the model's state ----------------------------------------------------------------
PROBES = {
    "gradcam": lambda m, x: cv.gradcam(m, x),
    "scorecam": lambda m, x: cv.scorecam(m, x),
    "cam": lambda m, x: cv.cam(m, x),
    "saliency": lambda m, x: cv.saliency(m, x),
    "occlusion": lambda m, x: cv.occlusion(m, x, window=8, stride=8),
    "fully_convolutional": lambda m, x: cv.fully_convolutional(m, size=x.shape[-1])(x),
    "cam_layers": lambda m, x: cv.cam_layers(m, size=x.shape[-1]),
    "activations": lambda m, x: cv.activations(m, x, ["bn1", "bn2"]),
    "invert": lambda m, x: cv.invert(m, x[:1], "bn2", steps=2, seed=0, size=x.shape[-1]),
    "topk_targets": lambda m, x: cv.topk_targets(m, x, 2),
    "find_cam_layer": lambda m, x: cv.core.probes.find_cam_layer(m, x.shape[-1]),
}


@pytest.mark.parametrize("name", sorted(PROBES))
@pytest.mark.parametrize("size", [32, 2])
def test_a_train_mode_batchnorm_model_is_never_changed(name, size):
    # at 2 px the second BatchNorm sees a 1x1 map: in train mode a probe of one image would
    # fail with "Expected more than 1 value per channel"; frozen, nothing is even updated
    net = _bn_net()
    before = _buffers(net)
    x = torch.randn(1, 3, size, size)
    try:
        PROBES[name](net, x)
    except ValueError as err:  # tiny inputs may be refused (a 1x1 map), but only clearly
        assert size == 2 and "1x1" in str(err), err
    after = _buffers(net)
    assert all(torch.equal(before[k], after[k]) for k in before), "a buffer changed"
    assert int(net.bn1.num_batches_tracked) == 0
    assert net.training and all(m.training for m in net.modules())
    assert cv.hook_count(net) == 0


def test_explanations_of_a_train_mode_model_equal_those_in_eval_mode():
    x = torch.randn(2, 3, 32, 32)
    net = _bn_net()
    train = {k: f(net, x) for k, f in PROBES.items() if k not in ("cam_layers", "find_cam_layer", "invert")}
    net.eval()
    for k, f in PROBES.items():
        if k in train:
            out = f(net, x)
            if isinstance(out, dict):
                for layer in out:
                    torch.testing.assert_close(train[k][layer], out[layer])
            else:
                torch.testing.assert_close(train[k], out)
