"""The default CAM layer: the last convolutional block's output before the final pooling.

Selvaraju et al. (2017) read Grad-CAM at the last convolutional layer (VGG16's relu5_3,
14x14 at 224 px), not at the max-pooled map after it. The rule is checked on torchvision
networks built with ``weights=None`` (on the meta device: shapes only, no arithmetic), and on
small hand-made networks whose answer follows from the definition.
"""

from __future__ import annotations

import pytest
import torch
import torchvision
from torch import nn

import cnnviz_lab as cv
from cnnviz_lab.core.probes import find_cam_layer
from cnnviz_lab.core.layer_lookup import get_layer

# name -> (layer the rule must pick, its output (C, H, W) at the model's input size)
EXPECTED = {
    "vgg16": ("features.29", (512, 14, 14)),  # relu5_3, before the last max-pool
    "resnet50": ("layer4", (2048, 7, 7)),
    "googlenet": ("inception5b", (1024, 7, 7)),
    "inception_v3": ("Mixed_7c", (2048, 8, 8)),
    "densenet121": ("features", (1024, 7, 7)),  # ends in norm5; DenseNet's ReLU is F.relu
    "mobilenet_v2": ("features", (1280, 7, 7)),
}


def _meta_model(name: str) -> nn.Module:
    kwargs = {"aux_logits": False, "init_weights": False} if name in ("googlenet", "inception_v3") else {}
    with torch.device("meta"):
        return torchvision.models.get_model(name, weights=None, **kwargs).eval()


def _output_shape(model: nn.Module, layer: str, size: int) -> tuple[int, ...]:
    out = []
    handle = get_layer(model, layer).register_forward_hook(lambda m, i, o: out.append(o.shape))
    try:
        model(torch.zeros(1, 3, size, size, device="meta"))
    finally:
        handle.remove()
    return tuple(out[0][1:])


@pytest.mark.parametrize("name", list(EXPECTED))
def test_cam_layer_is_the_last_conv_block_before_the_final_pooling(name):
    model = _meta_model(name)
    size = 299 if name == "inception_v3" else 224
    layer, shape = EXPECTED[name]
    assert find_cam_layer(model, size) == layer
    assert _output_shape(model, layer, size) == shape
    assert cv.hook_count(model) == 0


def test_vgg16_reads_relu5_3_not_the_pooled_map():
    model = _meta_model("vgg16")
    layer = find_cam_layer(model, 224)
    assert isinstance(get_layer(model, layer), nn.ReLU)
    conv = [n for n, m in model.named_modules() if isinstance(m, nn.Conv2d)]
    assert len(conv) == 13 and layer == f"features.{int(conv[-1].split('.')[1]) + 1}"
    assert isinstance(get_layer(model, "features.30"), nn.MaxPool2d)  # the pool the rule skips


class PlainNet(nn.Module):
    """VGG in miniature: a Sequential of conv/ReLU ending in a max-pool, then a flattening
    linear head."""

    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(inplace=True), nn.Conv2d(4, 6, 3, padding=1), nn.ReLU(inplace=True), nn.MaxPool2d(2)
        )
        self.classifier = nn.Linear(6 * 8 * 8, 5)

    def forward(self, x):
        return self.classifier(torch.flatten(self.features(x), 1))


class PooledHead(nn.Module):
    """Convolutions in a stage, a global average pool in the head: the stage is the layer."""

    def __init__(self) -> None:
        super().__init__()
        self.stage = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.Conv2d(4, 6, 3, padding=1))
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(6, 5)

    def forward(self, x):
        return self.fc(torch.flatten(self.pool(self.stage(x)), 1))


def test_a_stack_ending_in_a_max_pool_gives_the_activation_before_it():
    torch.manual_seed(0)
    net = PlainNet().eval()
    assert find_cam_layer(net, 16) == "features.3"
    x = torch.randn(2, 3, 16, 16)
    maps = cv.gradcam(net, x, [1, 3], upsample=False)
    assert maps.shape == (2, 16, 16)  # the pre-pool resolution, not 8x8
    # Grad-CAM from its definition at that layer
    with cv.capture(net, "features.3", gradients=True) as cap:
        scores = net(x)[[0, 1], [1, 3]]
        act = cap["features.3"]
        (grad,) = torch.autograd.grad(scores.sum(), act)
    ref = (grad.mean(dim=(2, 3), keepdim=True) * act).sum(1).clamp_min(0)
    assert torch.allclose(maps, ref.detach(), atol=1e-6)
    assert cv.hook_count(net) == 0


def test_a_stage_before_global_pooling_keeps_the_container():
    net = PooledHead().eval()
    assert find_cam_layer(net, 16) == "stage"
    assert cv.cam(net, torch.randn(1, 3, 16, 16), 2, upsample=False).shape == (1, 16, 16)
