"""The CPU stand-in for a GPU's device rules (tests/deviceaudit.py) flags what CUDA refuses
and nothing that CUDA allows."""

from __future__ import annotations

import copy

import numpy as np
import torch

import cnnviz_lab as cv
from conftest import TinyNet
from deviceaudit import DeviceAudit, install


def _findings(fn) -> list[str]:
    audit = DeviceAudit()
    net = TinyNet().eval()
    audit.mark(net)
    with audit:
        fn(net)
    return list(audit.findings.values())


def test_mixing_host_and_device_tensors_is_flagged():
    x = torch.randn(1, 3, 8, 8)
    assert any("conv2d mixes" in f for f in _findings(lambda net: net(x)))  # the input never moved
    assert any("mul mixes" in f for f in _findings(lambda net: net(x.to(net.fc.weight.device)) * torch.ones(1, 5)))
    found = _findings(lambda net: np.asarray(net.fc.weight.detach()))
    assert any("__array__() of a device tensor" in f for f in found), found
    assert any("indexed with a device index" in f for f in _findings(lambda net: torch.arange(5)[net.fc.bias > 0]))


def test_what_cuda_allows_is_not_flagged():
    x = torch.randn(1, 3, 8, 8)

    def fine(net):
        dev = net.fc.weight.device  # reads cpu:0 for a device tensor, as cuda:0 would
        out = net(x.to(dev))
        out * torch.ones(1, 5, device=out.device) + torch.tensor(2.0)  # 0-dim host tensors are allowed
        out.detach().cpu().numpy()
        out[:, torch.tensor([0, 1])]  # a device tensor indexed on the host
        torch.zeros(2, 5).copy_(out.detach().expand(2, 5))

    assert _findings(fine) == []


def test_install_puts_classifiers_and_moved_modules_on_the_device():
    from torchvision.transforms._presets import ImageClassification

    audit = DeviceAudit()
    undo = install(audit)
    try:
        tiny = TinyNet().eval()
        clf = cv.Classifier(tiny, "tiny", [str(i) for i in range(5)], torch.device("cpu"), "relu2", ImageClassification(crop_size=8, resize_size=8))
        assert clf.device == torch.device("cpu", 0)
        with audit:
            cv.saliency(clf, torch.randn(1, 3, 8, 8), 0)
            moved = TinyNet().to(clf.device)
            moved(torch.randn(1, 3, 8, 8).to(clf.device))
            copy.deepcopy(clf.model)(torch.randn(1, 3, 8, 8).to(clf.device))  # a copy stays on the device
        assert audit.findings == {}
        with audit:
            TinyNet()(torch.randn(1, 3, 8, 8).to(clf.device))  # a module left on the host
        assert any("conv2d mixes" in f for f in audit.findings.values())
    finally:
        undo()
    assert torch.nn.Module.to.__name__ == "to" and cv.Classifier.__init__.__name__ == "__init__"


def test_a_host_image_explained_on_a_device_model_gives_a_ledger_on_the_host():
    from torchvision.transforms._presets import ImageClassification

    audit = DeviceAudit()
    undo = install(audit)
    try:
        clf = cv.Classifier(TinyNet().eval(), "tiny", [str(i) for i in range(5)], torch.device("cpu"), "relu2", ImageClassification(crop_size=8, resize_size=8))
        with audit:
            x = torch.rand(1, 3, 8, 8)  # on the host
            led = cv.attribution.relevance_ledger(clf, x, 0)
            residual = led.logit - led.pixels - led.kept
            led.in_flight
        assert audit.findings == {} and float(residual.abs()) < 1e-4
        assert not any(audit._dev(t) for t in (led.logit, led.relevance, led.targets, led.sites[0].arrived))
    finally:
        undo()
