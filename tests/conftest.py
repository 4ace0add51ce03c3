"""Shared fixtures: the offline pretrained model, tiny hand-checkable networks, and a check
that a model has no hook and no parameter gradient left on it."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
import torch
from torch import nn

os.environ.setdefault("CNNVIZ_OFFLINE", "1")
os.environ.setdefault("CNNVIZ_QUICK", "1")
os.environ.setdefault("MPLBACKEND", "Agg")

import cnnviz_lab as cv  # noqa: E402


@pytest.fixture(scope="session")
def lite() -> cv.Classifier:
    """EfficientNet-Lite0 with its real ImageNet weights (offline), on the CPU."""
    return cv.load_model("efficientnet_lite0", device="cpu")


@pytest.fixture(scope="session")
def cat_x(lite) -> torch.Tensor:
    return lite.preprocess(cv.sample_image("cat"))


@pytest.fixture(scope="session")
def fake_hub_home() -> Path:
    """A fake torch-hub cache for the classic models (random weights saved under the file
    names torchvision expects, tools/fake_hub.py), built once and reused:
    ``$CNNVIZ_FAKE_TORCH_HOME`` (``make fake-hub`` sets it) or artifacts/fake_torch_home."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
    import fake_hub

    home = Path(os.environ.get("CNNVIZ_FAKE_TORCH_HOME") or fake_hub.DEFAULT_HOME)
    fake_hub.build(home)
    return home


@pytest.fixture
def fake_hub(fake_hub_home, monkeypatch) -> Path:
    """Online mode (``CNNVIZ_OFFLINE`` unset) on a machine whose weights server refuses
    connections, with the fake cache as ``TORCH_HOME``: the classics load from the cache,
    nothing is downloaded."""
    monkeypatch.delenv("CNNVIZ_OFFLINE", raising=False)
    monkeypatch.setenv("TORCH_HOME", str(fake_hub_home))
    monkeypatch.setenv("CNNVIZ_WEIGHTS_URL", "http://127.0.0.1:9/")  # nothing listens there
    return fake_hub_home


class TinyNet(nn.Module):
    """conv -> ReLU (optionally in place) -> conv -> ReLU -> global average pool -> linear."""

    def __init__(self, inplace: bool = False, classes: int = 5) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 3, padding=1)
        self.relu1 = nn.ReLU(inplace=inplace)
        self.conv2 = nn.Conv2d(6, 8, 3, padding=1)
        self.relu2 = nn.ReLU(inplace=inplace)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(8, classes)

    def forward(self, x):
        x = self.relu2(self.conv2(self.relu1(self.conv1(x))))
        return self.fc(torch.flatten(self.pool(x), 1))


class SiLUNet(nn.Module):
    """conv -> SiLU (a rectifier guided backprop and deconvnet define no rule for) -> mean -> linear."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)
        self.act = nn.SiLU()
        self.fc = nn.Linear(4, 3)

    def forward(self, x):
        return self.fc(self.act(self.conv(x)).mean((2, 3)))


@pytest.fixture
def tiny():
    torch.manual_seed(0)
    return TinyNet().eval()


def tiny_pair():
    """The same weights twice, once with in-place ReLUs."""
    torch.manual_seed(0)
    a = TinyNet(inplace=False).eval()
    b = TinyNet(inplace=True).eval()
    b.load_state_dict(a.state_dict())
    return a, b


def assert_clean(model) -> None:
    """No hook on any module and no parameter .grad filled."""
    module = model.model if isinstance(model, cv.Classifier) else model
    assert cv.hook_count(module) == 0, "a hook was left on the model"
    assert all(p.grad is None for p in module.parameters()), "a parameter .grad was filled"


class RefGuidedReLU(torch.autograd.Function):
    """The guided ReLU written from the definition (Springenberg et al. 2014): forward
    relu, backward ``1[x > 0] * max(g, 0)``. Tests patch it in for ``F.relu`` to build a
    reference that reaches every rectifier, however the model calls it."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.clamp(min=0)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return (x > 0).to(g.dtype) * g.clamp(min=0)
