"""The methods the peers also offer, against the peers: pytorch-grad-cam's HiResCAM,
XGradCAM, EigenCAM and AblationCAM, Captum's Deconvolution and Lime. Same model, inputs,
targets (and for LIME the same superpixels, samples, kernel and ridge fit); agreement is
a correlation above 0.99 and, where both compute the same numbers, equality. Where the
definitions differ, the test shows the difference and which one follows the definition.
Skipped, saying why, when the benchmark extra (Captum, pytorch-grad-cam) is not installed.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
import torchvision
from conftest import TinyNet, assert_clean
from torch import nn

import cnnviz_lab as cv
from cnnviz_lab.attribution.lime import grid_segments, kernel_weights, lime_samples

captum_attr = pytest.importorskip("captum.attr", reason="Captum is not installed (benchmark extra: pip install -e .[bench]); the peer tests compare against it")
pytest.importorskip(
    "pytorch_grad_cam", reason="pytorch-grad-cam is not installed (benchmark extra: pip install -e .[bench]); the peer tests compare against it"
)
pytest.importorskip("sklearn", reason="scikit-learn (a dependency of the benchmark extra) is not installed")
from captum._utils.models.linear_model import SkLearnRidge  # noqa: E402
from pytorch_grad_cam import AblationCAM, EigenCAM, HiResCAM, XGradCAM  # noqa: E402
from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget  # noqa: E402
from pytorch_grad_cam.utils.svd_on_activations import get_2d_projection  # noqa: E402


def _x(n=2, size=8, seed=1):
    return torch.randn(n, 3, size, size, generator=torch.Generator().manual_seed(seed))


def _tiny():
    torch.manual_seed(0)
    return TinyNet().eval()


def _resnet():
    torch.manual_seed(0)
    return torchvision.models.resnet18(weights=None).eval()


def _minmax(m: torch.Tensor) -> torch.Tensor:
    """Per-image min-max scaling, as pytorch-grad-cam returns its maps."""
    flat = m.flatten(1)
    lo, hi = flat.min(1, keepdim=True).values, flat.max(1, keepdim=True).values
    return ((flat - lo) / (hi - lo + 1e-7)).view_as(m)


def _r(a, b) -> float:
    a = np.asarray(a, dtype=np.float64).ravel()
    b = np.asarray(b, dtype=np.float64).ravel()
    return float(np.corrcoef(a, b)[0, 1])


def _peer(cls, net, layer, x, cls_ids, **kw):
    with cls(net, [net.get_submodule(layer)], **kw) as cam:
        return torch.from_numpy(cam(x.clone(), targets=[ClassifierOutputTarget(int(c)) for c in cls_ids])).float()


# --- pytorch-grad-cam: HiResCAM, XGradCAM -------------------------------------------------------
@pytest.mark.parametrize("ours,theirs", [(cv.hirescam, HiResCAM), (cv.xgradcam, XGradCAM)], ids=["hirescam", "xgradcam"])
def test_gradient_cams_match_pytorch_grad_cam(ours, theirs):
    x = _x(2)
    for layer in ("conv2", "relu2"):  # signed and rectified feature maps
        net = _tiny()
        mine = ours(net, x, [1, 3], layer=layer)
        peer = _peer(theirs, _tiny(), layer, x, [1, 3])
        torch.testing.assert_close(_minmax(mine), peer, rtol=1e-4, atol=1e-4)
        assert_clean(net)
    net, x = _resnet(), _x(2, 64)
    cls = net(x).argmax(1).tolist()
    mine = ours(net, x, cls, layer="layer4")
    peer = _peer(theirs, _resnet(), "layer4", x, cls)  # the peer resizes with OpenCV
    for i in range(2):
        assert _r(mine[i], peer[i]) > 0.99


# --- pytorch-grad-cam: EigenCAM -------------------------------------------------------------------
def test_eigencam_centred_matches_pytorch_grad_cam_up_to_its_sign():
    """The peer centres the activations and keeps whatever sign the SVD routine returns;
    ours with center=True is the same projection with the documented sign, so the peer's raw
    projection is +-ours exactly, and its (ReLU, min-max) map is ours rectified with that sign."""
    net, x = _resnet(), _x(3, 64)
    with torch.no_grad(), cv.capture(net, "layer4") as cap:
        net(x)
    raw = torch.from_numpy(get_2d_projection(cap["layer4"].numpy()))
    mine = cv.eigencam(net, x, layer="layer4", upsample=False, center=True)
    peer = _peer(EigenCAM, _resnet(), "layer4", x, [0, 0, 0])
    for i in range(3):
        sign = 1.0 if float((raw[i] * mine[i]).sum()) >= 0 else -1.0
        torch.testing.assert_close(raw[i] * sign, mine[i], rtol=1e-3, atol=1e-4 * float(mine[i].abs().max()))
        # the peer rectifies the 2x2 map, then resizes it
        up = F.interpolate((sign * mine[i]).clamp_min(0)[None, None], size=(64, 64), mode="bilinear")[0, 0]
        assert _r(peer[i], up) > 0.99
    assert_clean(net)


# --- pytorch-grad-cam: AblationCAM -------------------------------------------------------------------
def test_ablationcam_matches_pytorch_grad_cam_on_a_rectified_layer():
    """Same numbers when both follow the paper: a layer after a ReLU (the peer zeroes the
    channel only when the layer's minimum is 0) and targets with a positive logit (the peer
    divides by y_c, we by |y_c|)."""
    x = _x(2)
    net = _tiny()
    with torch.no_grad():
        cls = net(x).argmax(1)
        assert (net(x).gather(1, cls[:, None]) > 0).all()
    mine = cv.ablationcam(net, x, cls.tolist(), layer="relu2", progress=False)
    peer = _peer(AblationCAM, _tiny(), "relu2", x, cls.tolist())
    torch.testing.assert_close(_minmax(mine), peer, rtol=1e-4, atol=1e-4)
    assert_clean(net)
    net, x = _resnet(), _x(1, 64)
    with torch.no_grad():
        cls = net(x).argmax(1).tolist()
    mine = cv.ablationcam(net, x, cls, layer="layer4", batch_size=128, progress=False)
    peer = _peer(AblationCAM, _resnet(), "layer4", x, cls)
    assert _r(mine[0], peer[0]) > 0.99


class SignedHead(nn.Module):
    """conv -> ReLU -> conv -> global average pooling -> linear: the explained layer's
    signed output goes into the head with no ReLU after it (as in ConvNeXt)."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 3, padding=1)
        self.conv2 = nn.Conv2d(6, 8, 3, padding=1)
        self.fc = nn.Linear(8, 5)

    def forward(self, x):
        return self.fc(self.conv2(F.relu(self.conv1(x))).mean((2, 3)))


def test_pytorch_grad_cam_ablates_signed_layers_with_minus_1e7():
    """Where the layer's output has negative values the peer sets an ablated channel to
    min(A) - 1e7 instead of 0. A ReLU after the layer turns that into 0 again (the peer then
    agrees, as on TinyNet's conv2); a head that reads the signed map directly sees -1e7, so
    the peer's weights become 1e7 w_k / y_c, whatever the channel contributed. Ours zeroes
    the channel as the paper says (hand reference in tests/attribution/test_cam_variants.py)."""
    x = _x(2)
    tiny = _tiny()
    with torch.no_grad():
        cls = tiny(x).argmax(1).tolist()
    torch.testing.assert_close(
        _minmax(cv.ablationcam(tiny, x, cls, layer="conv2", progress=False)), _peer(AblationCAM, _tiny(), "conv2", x, cls), rtol=1e-4, atol=1e-4
    )
    torch.manual_seed(0)
    net = SignedHead().eval()
    with torch.no_grad(), cv.capture(net, "conv2") as cap:
        logits = net(x)
    cls = logits.argmax(1).tolist()
    assert cap["conv2"].min() < 0 and (logits.max(1).values > 0).all()
    mine = cv.ablationcam(net, x, cls, layer="conv2", upsample=False, progress=False)
    acts = cap["conv2"]
    drops = net.fc.weight[cls] * acts.mean((2, 3))  # zeroing channel k removes w_k mean(A_k)
    ref = torch.einsum("nc,nchw->nhw", drops / logits.max(1).values[:, None], acts).clamp_min(0)
    torch.testing.assert_close(mine, ref, rtol=1e-4, atol=1e-6)
    peer = _peer(AblationCAM, net, "conv2", x, cls)
    assert (_minmax(cv.ablationcam(net, x, cls, layer="conv2", progress=False)) - peer).abs().amax() > 0.1


# --- Captum: Deconvolution ---------------------------------------------------------------------------
def test_deconvnet_matches_captum_deconvolution_on_relu_modules():
    net, x = _tiny(), _x(2)
    theirs = captum_attr.Deconvolution(_tiny()).attribute(x.clone(), target=[1, 4]).detach()
    ours = cv.deconvnet(net, x, [1, 4])
    torch.testing.assert_close(ours, theirs, rtol=1e-4, atol=1e-6)
    assert _r(ours, theirs) > 0.99
    net, x = _resnet(), _x(1, 64)
    theirs = captum_attr.Deconvolution(_resnet()).attribute(x.clone(), target=3).detach()
    ours = cv.deconvnet(net, x, 3)
    assert _r(ours, theirs) > 0.999
    assert_clean(net)


class FunctionalNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 3, padding=1)
        self.conv2 = nn.Conv2d(6, 6, 3, padding=1)
        self.fc = nn.Linear(6, 4)

    def forward(self, x):
        return self.fc(F.relu(self.conv2(F.relu(self.conv1(x)))).mean((2, 3)))


def test_captum_deconvolution_misses_functional_relus():
    torch.manual_seed(0)
    net, x = FunctionalNet().eval(), _x(2)
    theirs = captum_attr.Deconvolution(net).attribute(x.clone(), target=[0, 2]).detach()
    torch.testing.assert_close(theirs, cv.saliency(net, x, [0, 2]))  # the rule never ran
    ours = cv.deconvnet(net, x, [0, 2])
    assert (ours - theirs).abs().amax() > 0.05 * ours.abs().amax()


# --- Captum: Lime ---------------------------------------------------------------------------------------
def test_lime_matches_captum_with_the_same_segments_samples_kernel_and_fit():
    net, x = _tiny(), _x(1, 16)
    seg = grid_segments(16, 16, 4)
    n = 120
    z = lime_samples(16, n, seed=7)

    def samples(_inputs, **_kw):  # Captum draws with its own RNG: hand it ours
        for row in z:
            yield row[None].long()

    def similarity(_original, _perturbed, interpretable, **_kw):
        return kernel_weights(interpretable.float(), 0.25)

    lime = captum_attr.Lime(lambda inp: net(inp).softmax(1), interpretable_model=SkLearnRidge(alpha=1.0), similarity_func=similarity, perturb_func=samples)
    theirs = lime.attribute(x.clone(), target=2, feature_mask=seg[None, None].expand(1, 3, 16, 16), baselines=0.0, n_samples=n, perturbations_per_eval=16)
    ours = cv.lime(net, x, 2, segments=seg, n=n, seed=7, progress=False)
    torch.testing.assert_close(ours[0], theirs[0, 0].float(), rtol=1e-4, atol=1e-6)
    assert _r(ours, theirs[:, 0]) > 0.99
    assert_clean(net)
