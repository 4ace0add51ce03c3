"""Every registered method on a CUDA device: the map stays on the device, equals the CPU map
(where the method draws no random numbers on the device), a batch equals its images one by
one, and the model is left as it was. Skipped where there is no CUDA device (CI); run on a
GPU machine with ``python -m pytest tests/attribution/test_cuda_methods.py``."""

from __future__ import annotations

import copy

import pytest
import torch

import cnnviz_lab as cv
from cnnviz_lab.attribution import registry
from conftest import TinyNet, assert_clean

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")

OPTIONS = dict(layer="conv2", steps=8, n=4, seed=0, batch_size=4, window=8, stride=8, max_channels=4)
# SmoothGrad and the SHAP estimators draw their noise with a generator on the input's device,
# so their CUDA maps are reproducible on CUDA but not equal to the CPU's.
DEVICE_NOISE = {"smoothgrad", "gradient_shap", "deeplift_shap"}
SKIP = {"cam", "attention_rollout"}  # CAM needs the layer feeding the pooling; rollout a transformer
NAMES = [m.name for m in registry.methods() if m.name not in SKIP]


def _pair():
    torch.manual_seed(0)
    cpu = TinyNet().eval()
    return cpu, copy.deepcopy(cpu).cuda()


def _state(net):
    return {k: v.detach().clone() for k, v in net.state_dict().items()}, net.training


@pytest.mark.parametrize("name", NAMES)
def test_a_method_on_cuda_matches_the_cpu_and_its_images_one_by_one(name):
    cpu, gpu = _pair()
    torch.manual_seed(1)
    x = torch.randn(3, 3, 16, 16)
    target = torch.tensor([0, 2, 4])
    before = _state(gpu)
    out = registry.call(name, gpu, x.cuda(), target.cuda(), offered=OPTIONS)
    assert out.device.type == "cuda" and torch.isfinite(out).all(), name
    torch.testing.assert_close(out, registry.call(name, gpu, x.cuda(), target.cuda(), offered=OPTIONS))
    if name not in DEVICE_NOISE:
        ref = registry.call(name, cpu, x, target, offered=OPTIONS)
        torch.testing.assert_close(out.cpu(), ref, rtol=1e-3, atol=1e-4 * float(ref.abs().max()) + 1e-6)
    if name not in DEVICE_NOISE | {"lime", "rise"}:  # noise drawn per batch: a batch of one draws other masks
        one = torch.cat([registry.call(name, gpu, x[i : i + 1].cuda(), target[i : i + 1].cuda(), offered=OPTIONS) for i in range(3)])
        torch.testing.assert_close(out, one, rtol=1e-3, atol=1e-4 * float(one.abs().max()) + 1e-6)
    after = _state(gpu)
    assert after[1] == before[1] and all(torch.equal(after[0][k], v) for k, v in before[0].items())
    assert_clean(gpu)


@pytest.fixture
def full_float32():
    """Convolutions and matrix products in full float32: on Ampere and newer GPUs PyTorch runs
    convolutions in TF32 by default, whose 10-bit mantissa moves gradients by about 1e-3."""
    old = torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32
    torch.backends.cudnn.allow_tf32 = torch.backends.cuda.matmul.allow_tf32 = False
    yield
    torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32 = old


def test_the_pretrained_model_on_cuda_gives_the_cpu_maps_and_metrics(lite, cat_x, full_float32):
    gpu = cv.load_model("efficientnet_lite0", device="cuda")
    assert gpu.device.type == "cuda" and cv.load_model("efficientnet_lite0").device.type == "cuda"  # "auto"
    x = cat_x.cuda()
    top = lite.predict(cat_x, k=1)[0][0]
    assert gpu.predict(x, k=1)[0][0] == top
    for fn in (cv.saliency, cv.gradcam, cv.lrp):
        a, b = fn(gpu, x, top), fn(lite, cat_x, top)
        assert a.device.type == "cuda"
        r = torch.corrcoef(torch.stack([a.flatten().cpu().double(), b.flatten().double()]))[0, 1]
        assert r > 0.999, (fn.__name__, float(r))
    grid = cv.occlusion_grid(gpu, x, window=56, stride=56)
    ref = cv.occlusion_grid(lite, cat_x, window=56, stride=56)
    torch.testing.assert_close(grid.drop.cpu(), ref.drop, rtol=1e-3, atol=1e-3)
    saliency = cv.saliency(gpu, x, top)
    ours = torch.as_tensor(cv.deletion_curve(gpu, x, saliency, top, steps=8).auc).cpu()
    torch.testing.assert_close(ours, torch.as_tensor(cv.deletion_curve(lite, cat_x, saliency.cpu(), top, steps=8).auc), atol=2e-3, rtol=1e-3)
    assert_clean(gpu)
