"""Any model a practitioner brings (issue 23): outputs that are not a tensor, callable and
ready-made targets, grad and inference modes, models that write their input, batch equals
images one by one for seeded noise, the peers' traps, token grids and attention rollout.

References are written from the definitions: autograd on the score by hand, hooks written
here, loops over images, hand computations on tiny networks."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
import torchvision
from torch import nn

import cnnviz_lab as cv
from cnnviz_lab.attribution import registry
from conftest import TinyNet, assert_clean

OPTIONS = dict(steps=3, n=4, seed=0, batch_size=3, window=8, stride=8, max_channels=3)


def tiny(seed: int = 0, classes: int = 5) -> TinyNet:
    torch.manual_seed(seed)
    return TinyNet(classes=classes).eval()


class Wrap(nn.Module):
    """The same network returning its logits in another form."""

    def __init__(self, net: nn.Module, form: str) -> None:
        super().__init__()
        self.net, self.form = net, form

    def forward(self, x):
        z = self.net(x)
        if self.form == "logits":
            return {"logits": z, "hidden": [1, 2]}
        if self.form == "out":
            return {"out": z, "aux": z * 2}
        if self.form == "attr":
            return torchvision.models.InceptionOutputs(z, z * 3)
        if self.form == "tuple":
            return z, z.sum()
        if self.form == "ambiguous":
            return {"a": z, "b": z * 2}
        raise AssertionError(self.form)


def run_all(model, x, target, layer, **extra):
    out = {}
    for entry in registry.methods():
        if entry.name == "cam" or entry.family == "attention":
            continue
        out[entry.name] = registry.call(entry.name, model, x, target, offered={"layer": layer, **OPTIONS, **extra})
    return out


# --- 2. outputs that are not a tensor ------------------------------------------------------------
@pytest.mark.parametrize("form", ["logits", "out", "attr", "tuple"])
def test_every_method_reads_the_class_output_of_dicts_objects_and_tuples(form):
    net = tiny()
    x = torch.randn(2, 3, 16, 16)
    plain = run_all(net, x, [1, 3], "conv2")
    wrapped = run_all(Wrap(net, form).eval(), x, [1, 3], "net.conv2")
    for name, value in plain.items():
        torch.testing.assert_close(wrapped[name], value, msg=name)
    assert_clean(net)


def test_an_ambiguous_output_gets_one_type_error_that_says_to_pass_a_callable():
    model = Wrap(tiny(), "ambiguous").eval()
    x = torch.randn(1, 3, 16, 16)
    for fn in (cv.saliency, cv.gradcam, cv.occlusion, cv.eigencam):
        with pytest.raises(TypeError, match="callable"):
            fn(model, x, 1, **({"layer": "net.conv2"} if fn in (cv.gradcam, cv.eigencam) else {}))
    # a callable picks what it wants, and gives the plain network's answer
    torch.testing.assert_close(cv.saliency(model, x, lambda out: out["b"][:, 1] / 2), cv.saliency(tiny(), x, 1))
    assert_clean(model)


# --- 1. callable and ready-made targets -------------------------------------------------------
def grad_of(model, x, score):
    xg = x.clone().requires_grad_(True)
    (g,) = torch.autograd.grad(score(model(xg)).sum(), xg)
    return g


def test_a_callable_target_is_differentiated_and_its_k_form_is_batched():
    net = tiny()
    x = torch.randn(2, 3, 16, 16)
    torch.testing.assert_close(cv.saliency(net, x, lambda z: z[:, 2] - z[:, 0]), grad_of(net, x, lambda z: z[:, 2] - z[:, 0]))
    both = cv.saliency(net, x, lambda z: z[:, [1, 4]])
    assert both.shape == (2, 2, 3, 16, 16)
    torch.testing.assert_close(both, cv.saliency(net, x, [[1, 4], [1, 4]]))
    torch.testing.assert_close(cv.gradcam(net, x, lambda z: z[:, [1, 4]], layer="conv2"), cv.gradcam(net, x, [[1, 4], [1, 4]], layer="conv2"))


def test_probability_multilabel_and_top1_targets_follow_their_definitions():
    net = tiny()
    x = torch.randn(2, 3, 16, 16)
    torch.testing.assert_close(cv.saliency(net, x, cv.targets.probability(3)), grad_of(net, x, lambda z: z.softmax(1)[:, 3]))
    torch.testing.assert_close(
        cv.saliency(net, x, cv.targets.multilabel([1, 2])), grad_of(net, x, lambda z: torch.sigmoid(z)[torch.arange(2), torch.tensor([1, 2])])
    )
    torch.testing.assert_close(cv.saliency(net, x, cv.targets.multilabel(1, logit=True)), cv.saliency(net, x, 1))
    torch.testing.assert_close(cv.saliency(net, x, cv.targets.top1()), cv.saliency(net, x))
    k = cv.saliency(net, x, cv.targets.probability([[0, 2], [1, 3]]))
    assert k.shape == (2, 2, 3, 16, 16)
    torch.testing.assert_close(k[1, 1], grad_of(net, x[1:], lambda z: z.softmax(1)[:, 3])[0])
    stacked = cv.saliency(net, x, cv.targets.stack(cv.targets.probability(0), cv.targets.multilabel(2)))
    torch.testing.assert_close(stacked[:, 1], cv.saliency(net, x, cv.targets.multilabel(2)))


class Embedder(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(1)
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.fc = nn.Linear(4 * 4, 6)

    def forward(self, x):
        return self.fc(F.adaptive_avg_pool2d(torch.relu(self.conv(x)), 2).flatten(1))


def test_similarity_targets_per_image_references_and_perturbation_rows():
    emb = Embedder().eval()
    x = torch.randn(2, 3, 16, 16)
    refs = torch.randn(2, 6)
    want = grad_of(emb, x, lambda e: F.cosine_similarity(e, refs, dim=1))
    torch.testing.assert_close(cv.saliency(emb, x, cv.targets.similarity(refs)), want)
    # perturbation methods score each copy with its own image's reference: batch == loop
    for fn in (cv.occlusion, cv.rise, cv.lime):
        kw = {"window": 8, "stride": 8} if fn is cv.occlusion else {"n": 6, "seed": 0}
        both = fn(emb, x, cv.targets.similarity(refs), batch_size=5, **kw)
        for i in range(2):
            torch.testing.assert_close(both[i], fn(emb, x[i : i + 1], cv.targets.similarity(refs[i]), **kw)[0])
    with pytest.raises(ValueError, match="2 reference"):
        cv.saliency(emb, x[:1], cv.targets.similarity(refs))


def test_segmentation_target_against_hand_written_hooks_and_autograd():
    torch.manual_seed(0)
    seg = torchvision.models.segmentation.deeplabv3_mobilenet_v3_large(weights=None, weights_backbone=None, num_classes=3, aux_loss=False).eval()
    x = torch.randn(1, 3, 32, 32)
    with pytest.raises(TypeError, match="segmentation"):
        cv.saliency(seg, x, 1)
    mask = torch.zeros(32, 32)
    mask[8:20, 4:30] = 1
    target = cv.targets.segmentation(1, mask=mask)
    torch.testing.assert_close(cv.saliency(seg, x, target), grad_of(seg, x, lambda o: (o["out"][:, 1] * mask).sum((1, 2))))
    # mask=None: the pixels predicted as the class, at the forward pass itself
    pred = grad_of(seg, x, lambda o: (o["out"][:, 2] * (o["out"].argmax(1) == 2)).sum((1, 2)))
    torch.testing.assert_close(cv.saliency(seg, x, cv.targets.segmentation(2)), pred)
    # Grad-CAM: a forward hook and a tensor hook written here
    layer = "backbone.16"
    saved = {}
    handle = seg.get_submodule(layer).register_forward_hook(lambda m, i, o: saved.__setitem__("a", o))
    try:
        score = (seg(x)["out"][:, 1] * mask).sum()
        (g,) = torch.autograd.grad(score, saved["a"])
    finally:
        handle.remove()
    a = saved["a"].detach()
    want = F.interpolate(torch.relu((g.mean((2, 3), keepdim=True) * a).sum(1, keepdim=True)), size=(32, 32), mode="bilinear", align_corners=False)[
        :, 0
    ].clamp_min(0)
    torch.testing.assert_close(cv.gradcam(seg, x, target, layer=layer), want, rtol=1e-4, atol=1e-6)
    mean = cv.saliency(seg, x, cv.targets.segmentation(1, mask=mask, reduce="mean"))
    torch.testing.assert_close(mean, cv.saliency(seg, x, target) / mask.sum())
    assert_clean(seg)


def test_box_target_on_a_torchvision_detector_against_autograd():
    torch.manual_seed(0)
    det = torchvision.models.detection.fasterrcnn_mobilenet_v3_large_320_fpn(
        weights=None, weights_backbone=None, num_classes=3, box_score_thresh=0.0, min_size=64, max_size=64
    ).eval()
    x = torch.rand(1, 3, 64, 64)
    with torch.no_grad():
        found = det(x.clone())[0]
    j = 2
    box = found["boxes"][j].tolist()
    with pytest.raises(TypeError, match="callable"):
        cv.saliency(det, x, 1)
    got = cv.saliency(det, x, cv.targets.box(box, label=int(found["labels"][j])))

    def best(out):
        d = out[0]
        iou = torchvision.ops.box_iou(torch.tensor([box]), d["boxes"].detach())[0]
        iou[d["labels"] != found["labels"][j]] = -1
        return d["scores"][iou.argmax()][None]

    torch.testing.assert_close(got, grad_of(det, x, best))
    assert float(got.abs().sum()) > 0
    far = cv.saliency(det, x, cv.targets.box((0, 0, 1, 1), iou=0.99))  # nothing overlaps: zero, no error
    assert float(far.abs().sum()) == 0
    assert_clean(det)


# --- 3. grad mode and inference mode -----------------------------------------------------------
class NoGradForward(TinyNet):
    @torch.no_grad()
    def forward(self, x):
        return super().forward(x)


def test_gradients_under_no_grad_and_inference_mode_and_modes_restored():
    net = tiny()
    x = torch.randn(2, 3, 16, 16)
    want = cv.saliency(net, x, 1)
    cams = cv.gradcam(net, x, 1, layer="conv2")
    with torch.no_grad():
        torch.testing.assert_close(cv.saliency(net, x, 1), want)
        torch.testing.assert_close(cv.gradcam(net, x, 1, layer="conv2"), cams)
        assert not torch.is_grad_enabled()
    with torch.inference_mode():
        xi = x.clone()
        torch.testing.assert_close(cv.saliency(net, xi, 1), want)
        torch.testing.assert_close(cv.integrated_gradients(net, xi, 1, steps=3), cv.integrated_gradients(net, x, 1, steps=3))
        assert torch.is_inference_mode_enabled()
    torch.testing.assert_close(cv.saliency(net, xi, 1), want)  # an inference tensor as input
    assert torch.is_grad_enabled() and not torch.is_inference_mode_enabled()


def test_a_forward_under_no_grad_gets_one_clear_error_and_perturbation_still_works():
    torch.manual_seed(0)
    model = NoGradForward().eval()
    x = torch.randn(1, 3, 16, 16)
    for fn, kw in ((cv.saliency, {}), (cv.gradcam, {"layer": "conv2"}), (cv.integrated_gradients, {"steps": 2})):
        with torch.no_grad():
            with pytest.raises(cv.NoGradientError, match="torch.no_grad"):
                fn(model, x, 1, **kw)
            assert not torch.is_grad_enabled()
    assert torch.is_grad_enabled()
    torch.testing.assert_close(cv.occlusion(model, x, 1, window=8, stride=8), cv.occlusion(tiny(), x, 1, window=8, stride=8))
    with pytest.raises(cv.NoGradientError, match="detached"):
        cv.saliency(tiny(), x, lambda z: z[:, 1].detach())
    assert_clean(model)


# --- 4. models that write their input ---------------------------------------------------------
class Normalising(TinyNet):
    def __init__(self, inplace: bool) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, x):
        x = x.sub_(0.25).div_(2.0) if self.inplace else (x - 0.25) / 2.0
        return super().forward(x)


def test_a_model_that_normalises_in_place_gives_the_same_maps_and_leaves_x_alone():
    torch.manual_seed(0)
    a = Normalising(False).eval()
    b = Normalising(True).eval()
    b.load_state_dict(a.state_dict())
    x = torch.randn(2, 3, 16, 16)
    before = x.clone()
    plain, inplace = run_all(a, x, [1, 2], "conv2"), run_all(b, x, [1, 2], "conv2")
    for name in plain:
        torch.testing.assert_close(inplace[name], plain[name], msg=name)
    torch.testing.assert_close(cv.cam(b, x, [1, 2], layer="relu2"), cv.cam(a, x, [1, 2], layer="relu2"))
    assert torch.equal(x, before)


# --- 5. a batch equals its images one by one, also for seeded noise ---------------------------------
@pytest.mark.parametrize("name", ["smoothgrad", "rise", "lime"])
def test_seeded_noise_gives_image_i_the_map_it_gets_alone(name):
    net = tiny()
    x = torch.randn(3, 3, 16, 16)
    fn = registry.get_method(name).fn
    kw = dict(n=5, seed=7, batch_size=4)
    for target in ([1, 2, 3], [[0, 1], [2, 3], [4, 0]]):
        both = fn(net, x, target, **kw)
        for i in range(3):
            alone = fn(net, x[i : i + 1], [target[i]], **kw)[0]
            torch.testing.assert_close(both[i], alone, msg=f"{name} image {i}")


def test_smoothgrad_hands_each_noisy_copy_its_image_baseline():
    net = tiny()
    x = torch.randn(2, 3, 16, 16)
    baselines = torch.randn(2, 3, 16, 16)
    both = cv.smoothgrad(net, x, [1, 2], method=cv.integrated_gradients, n=3, seed=0, steps=3, baseline=baselines)
    for i in range(2):
        alone = cv.smoothgrad(net, x[i : i + 1], [[1, 2][i]], method=cv.integrated_gradients, n=3, seed=0, steps=3, baseline=baselines[i : i + 1])
        torch.testing.assert_close(both[i], alone[0])


# --- 6. what the peers' users trip over -----------------------------------------------------------
class Overflowing(TinyNet):
    def forward(self, x):
        h = torch.relu(self.conv1(x)) * float("inf")
        return self.fc(torch.flatten(self.pool(self.relu2(self.conv2(h))), 1))


def test_eigencam_on_infinite_activations_is_one_named_error():
    torch.manual_seed(0)
    with pytest.raises(cv.NonFiniteActivationError, match="NaN or infinite"):
        cv.eigencam(Overflowing().eval(), torch.randn(1, 3, 16, 16), layer="conv2")
    assert issubclass(cv.NonFiniteActivationError, ValueError)


class OneOutput(nn.Module):
    def __init__(self, prob: bool = False) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.net, self.prob = TinyNet(classes=1), prob

    def forward(self, x):
        z = self.net(x)
        return torch.sigmoid(z) if self.prob else z


class SoftmaxEnd(nn.Module):
    def __init__(self, net: nn.Module) -> None:
        super().__init__()
        self.net = net

    def forward(self, x):
        return self.net(x).softmax(dim=1)


def test_occlusion_follows_what_the_model_returns():
    x = torch.randn(1, 3, 16, 16)
    one = OneOutput().eval()
    grid = cv.occlusion_grid(one, x, window=8, stride=8)
    assert grid.output == "logit" and float(grid.drop.abs().max()) > 0
    torch.testing.assert_close(cv.occlusion(one, x, window=8, stride=8), cv.occlusion(one, x, window=8, stride=8, output="logit"))
    with pytest.raises(ValueError, match="one output"):
        cv.occlusion(one, x, window=8, stride=8, output="prob")
    assert float(cv.rise(OneOutput(prob=True).eval(), x, n=4, seed=0).abs().max()) > 0
    # a model ending in a softmax is read as it is: the same map as softmax over the logits
    net = tiny()
    soft = cv.occlusion_grid(SoftmaxEnd(net).eval(), x, window=8, stride=8)
    assert soft.output == "logit"
    torch.testing.assert_close(cv.occlusion_map(soft), cv.occlusion(net, x, window=8, stride=8, output="prob"))
    assert cv.occlusion_grid(net, x, window=8, stride=8).output == "prob"
    with pytest.raises(ValueError, match="callable target"):
        cv.occlusion(net, x, lambda z: z[:, 0], window=8, stride=8, output="prob")


def test_saliency_abs_is_the_absolute_gradient():
    net = tiny()
    x = torch.randn(2, 3, 16, 16)
    torch.testing.assert_close(cv.saliency(net, x, 1, abs=True), cv.saliency(net, x, 1).abs())
    with pytest.raises(TypeError, match="abs"):
        cv.saliency(net, x, 1, abs=1)


class OneChannel(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(1, 2, 3)
        self.fc = nn.Linear(2, 3)

    def forward(self, x):
        return self.fc(self.conv(x).mean((2, 3)))


class NoConv(nn.Module):
    def __init__(self, c: int) -> None:
        super().__init__()
        self.fc = nn.Linear(c * 4 * 4, 3)

    def forward(self, x):
        return self.fc(x.flatten(1))


def test_the_gate_takes_the_channels_of_the_first_convolution_and_any_without_one():
    assert cv.saliency(OneChannel(), torch.randn(2, 1, 8, 8), 0).shape == (2, 1, 8, 8)
    with pytest.raises(ValueError, match="first convolution takes 1"):
        cv.saliency(OneChannel(), torch.randn(2, 3, 8, 8), 0)
    assert cv.saliency(NoConv(5), torch.randn(1, 5, 4, 4), 0).shape == (1, 5, 4, 4)


# --- 7. token grids and attention rollout -------------------------------------------------------
def small_vit(layers: int = 2) -> torchvision.models.VisionTransformer:
    torch.manual_seed(0)
    vit = torchvision.models.VisionTransformer(image_size=32, patch_size=16, num_layers=layers, num_heads=2, hidden_dim=8, mlp_dim=16, num_classes=4).eval()
    nn.init.normal_(vit.heads.head.weight)  # torchvision starts the head at zero: every score 0
    return vit


@pytest.mark.parametrize("method", ["saliency", "gradcam", "scorecam", "eigencam", "occlusion", "attention_rollout"])
def test_a_vit_given_the_wrong_image_size_gets_one_error_naming_x(method):
    """torchvision's ViT asserts its image size inside forward; the gate says it first, for
    every method, and leaves the model as it was."""
    vit = small_vit(1)
    before = {k: v.clone() for k, v in vit.state_dict().items()}
    with pytest.raises(ValueError, match=r"^x: this VisionTransformer reads 32x32 images, got 48x48"):
        registry.call(method, vit, torch.rand(1, 3, 48, 48), 0)
    assert all(torch.equal(before[k], v) for k, v in vit.state_dict().items()) and not vit.training


def hand_gradcam(model, x, layer, to_grid, cls):
    saved = {}
    handle = model.get_submodule(layer).register_forward_hook(lambda m, i, o: saved.__setitem__("a", o))
    try:
        (g,) = torch.autograd.grad(model(x)[:, cls].sum(), saved["a"])
    finally:
        handle.remove()
    a, g = to_grid(saved["a"].detach()), to_grid(g)
    m = torch.relu((g.mean((2, 3), keepdim=True) * a).sum(1, keepdim=True))
    return F.interpolate(m, size=x.shape[-2:], mode="bilinear", align_corners=False)[:, 0].clamp_min(0)


def test_gradcam_on_vit_b_16_and_swin_t_reads_their_token_grids():
    torch.manual_seed(0)
    vit = torchvision.models.vit_b_16(weights=None).eval()
    nn.init.normal_(vit.heads.head.weight, std=0.02)  # torchvision starts the head at zero
    x = torch.randn(1, 3, 224, 224)
    got = cv.gradcam(vit, x, 3)
    assert got.shape == (1, 224, 224) and float(got.max()) > 0
    tokens = lambda t: t[:, 1:].transpose(1, 2).reshape(t.shape[0], t.shape[2], 14, 14)  # noqa: E731
    torch.testing.assert_close(got, hand_gradcam(vit, x, "encoder.layers.encoder_layer_11.ln_1", tokens, 3), rtol=1e-4, atol=1e-6)
    swin = torchvision.models.swin_t(weights=None).eval()
    xs = torch.randn(1, 3, 64, 64)
    torch.testing.assert_close(cv.gradcam(swin, xs, 5), hand_gradcam(swin, xs, "norm", lambda t: t.permute(0, 3, 1, 2), 5), rtol=1e-4, atol=1e-6)
    assert cv.eigencam(swin, xs).shape == (1, 64, 64) and float(cv.gradcam(swin, xs, 5).max()) > 0
    assert_clean(vit)
    assert_clean(swin)


class Wrapped(nn.Module):
    def __init__(self, inner: nn.Module) -> None:
        super().__init__()
        self.inner = inner

    def forward(self, x):
        return self.inner(x)


def test_reshape_is_settable_for_any_model_and_ablation_edits_the_tokens():
    vit = small_vit()
    x = torch.randn(2, 3, 32, 32)
    layer = "encoder.layers.encoder_layer_1.ln_1"
    wrapped = Wrapped(vit).eval()
    with pytest.raises(ValueError, match="CAM methods need an"):
        cv.gradcam(wrapped, x, 1, layer="inner." + layer)
    grid = cv.TokenGrid(prefix=1, size=(2, 2))
    for fn in (cv.gradcam, cv.layercam, cv.scorecam, cv.ablationcam, cv.eigencam):
        want = fn(vit, x, 1, layer=layer)
        assert float(want.max()) > 0, fn.__name__
        torch.testing.assert_close(fn(wrapped, x, 1, layer="inner." + layer, reshape=grid), want)
    # Ablation-CAM on tokens by hand: zero feature k of the patch tokens (class token kept), read the drop
    saved = {}
    handle = vit.get_submodule(layer).register_forward_hook(lambda m, i, o: saved.__setitem__("a", o))
    try:
        with torch.no_grad():
            base = vit(x)[:, 1]
    finally:
        handle.remove()
    a = saved["a"]
    drops = []
    for k in range(8):

        def zero(m, i, o, k=k):
            o = o.clone()
            o[:, 1:, k] = 0
            return o

        handle = vit.get_submodule(layer).register_forward_hook(zero)
        try:
            with torch.no_grad():
                drops.append(base - vit(x)[:, 1])
        finally:
            handle.remove()
    w = torch.stack(drops, 1) / base.abs()[:, None]
    grid_a = a[:, 1:].transpose(1, 2).reshape(2, 8, 2, 2)
    want = F.interpolate(torch.relu((w[:, :, None, None] * grid_a).sum(1, keepdim=True)), size=(32, 32), mode="bilinear", align_corners=False)[:, 0].clamp_min(
        0
    )
    torch.testing.assert_close(cv.ablationcam(vit, x, 1, layer=layer), want, rtol=1e-4, atol=1e-6)
    assert_clean(vit)


def test_attention_rollout_matches_a_hand_computation_on_a_two_block_vit():
    vit = small_vit(2)
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        z = vit._process_input(x)
        z = torch.cat([vit.class_token.expand(2, -1, -1), z], dim=1) + vit.encoder.pos_embedding
        rolled = torch.eye(5).expand(2, 5, 5).double()
        for block in vit.encoder.layers:
            h = block.ln_1(z)
            q, k, _ = F.linear(h, block.self_attention.in_proj_weight, block.self_attention.in_proj_bias).chunk(3, -1)
            q, k = (t.view(2, 5, 2, 4).transpose(1, 2) for t in (q, k))  # (N, heads, T, d)
            att = (q @ k.transpose(-1, -2) / 2.0).softmax(-1).mean(1).double()  # sqrt(4) = 2
            mixed = 0.5 * att + 0.5 * torch.eye(5, dtype=torch.float64)
            rolled = (mixed / mixed.sum(-1, keepdim=True)) @ rolled
            z = block(z)
    want = rolled[:, 0, 1:].view(2, 1, 2, 2).float()
    got = cv.attention_rollout(vit, x, upsample=False)
    torch.testing.assert_close(got, want[:, 0], rtol=1e-5, atol=1e-6)
    up = cv.attention_rollout(vit, x, [[0, 1], [2, 3]])
    assert up.shape == (2, 2, 32, 32)
    torch.testing.assert_close(up[:, 1], F.interpolate(want, size=(32, 32), mode="bilinear", align_corners=False)[:, 0])
    assert registry.get_method("rollout").fn is cv.attention_rollout
    with pytest.raises(TypeError, match="reshape=TokenGrid"):
        cv.attention_rollout(Wrapped(vit), x)
    with pytest.raises(ValueError, match="MultiheadAttention"):
        cv.attention_rollout(tiny(), torch.randn(1, 3, 16, 16), reshape=cv.TokenGrid(prefix=1))
    assert_clean(vit)


# --- the command line and wrap_model -------------------------------------------------------------
def test_cli_target_takes_a_class_a_name_or_seg_class(capsys, tmp_path):
    from cnnviz_lab.cli import main
    from cnnviz_lab.commands import cli_target, parse_target

    assert parse_target("3") == 3 and parse_target("tabby") == "tabby" and parse_target("seg:7") == "seg:7"
    out = tmp_path / "s.png"
    assert main(["saliency", "data/chelsea.png", "--target", "seg:tabby", "--size", "64", "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert "segmentation needs an (N, classes, H, W) output" in err and len(err.splitlines()) == 1
    assert main(["saliency", "data/chelsea.png", "--target", "seg:5000", "--size", "64", "--out", str(out)]) == 2
    assert "--target 5000" in capsys.readouterr().err
    # a segmentation network wrapped as a Classifier: seg:CLASS is the class's predicted pixels
    torch.manual_seed(0)
    seg = torchvision.models.segmentation.lraspp_mobilenet_v3_large(weights=None, weights_backbone=None, num_classes=3).eval()
    clf = cv.wrap_model(seg, ["background", "cat", "dog"], input_size=32, device="cpu")
    what, index, label = cli_target(clf, parse_target("seg:dog"))
    x = torch.randn(1, 3, 32, 32)
    assert index == 2 and "dog" in label
    torch.testing.assert_close(cv.saliency(clf, x, what), cv.saliency(seg, x, cv.targets.segmentation(2)))


# --- occlusion and ablation over a user's feature mask (Captum's feature_mask) ---------------------
def test_feature_mask_occlusion_against_a_hand_loop_and_captum():
    net = tiny()
    x = torch.randn(2, 3, 16, 16)
    mask = cv.superpixels(x, 9)  # (N,H,W) labels
    got = cv.occlusion(net, x, [1, 2], feature_mask=mask, output="logit")
    for i, c in enumerate([1, 2]):
        with torch.no_grad():
            base = net(x[i : i + 1])[0, c]
            want = torch.zeros(16, 16)
            for f in mask[i].unique():
                hidden = torch.where(mask[i] == f, torch.zeros(()), x[i])
                want[mask[i] == f] = base - net(hidden[None])[0, c]
        torch.testing.assert_close(got[i], want)
    captum = pytest.importorskip("captum.attr")
    peer = captum.FeatureAblation(net).attribute(x, target=[1, 2], feature_mask=mask[:, None].expand(2, 3, 16, 16), baselines=0.0)
    torch.testing.assert_close(got, peer[:, 0])
    # one label map per channel: (N,C,H,W) results, as Captum's
    per_channel = torch.arange(3).view(1, 3, 1, 1) * 4 + (torch.arange(16) // 8).view(1, 1, 16, 1) * 2 + (torch.arange(16) // 8).view(1, 1, 1, 16)
    mine = cv.feature_ablation(net, x, [1, 2], feature_mask=per_channel, output="logit", batch_size=5)
    assert mine.shape == (2, 3, 16, 16)
    torch.testing.assert_close(mine, captum.FeatureAblation(net).attribute(x, target=[1, 2], feature_mask=per_channel))
    with pytest.raises(TypeError, match="feature_mask"):
        cv.occlusion(net, x, 1, feature_mask=torch.rand(16, 16))
    with pytest.raises(ValueError, match="feature_mask"):
        cv.occlusion(net, x, 1, feature_mask=torch.zeros(3, 16, 16, dtype=torch.long))


def test_a_wrapped_model_with_a_dict_output_predicts_and_explains_like_its_tensor_twin():
    net = tiny()
    clf = cv.wrap_model(Wrap(net, "logits"), [f"c{i}" for i in range(5)], input_size=16, device="cpu")
    plain = cv.wrap_model(net, [f"c{i}" for i in range(5)], input_size=16, device="cpu")
    x = torch.randn(1, 3, 16, 16)
    assert clf.predict(x, k=2) == plain.predict(x, k=2)
    torch.testing.assert_close(cv.saliency(clf, x, "c3"), cv.saliency(plain, x, "c3"))
