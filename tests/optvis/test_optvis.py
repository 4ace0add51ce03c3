"""Optimisation-based visualisation: objectives, parametrisations, transforms, maximize,
invert and deepdream, mostly on TinyNet (conv-relu-conv-relu-GAP-linear) at 32-48 px."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image
from torch import nn

import cnnviz_lab as cv
from cnnviz_lab.optvis import objectives as O
from cnnviz_lab.optvis.render import IMAGENET_MEAN, IMAGENET_STD
from cnnviz_lab.optvis.param import FourierImage, PixelImage
from cnnviz_lab.optvis.transforms import compose, jitter, pad, random_rotate, random_scale, standard_transforms

from conftest import assert_clean


def unit_acts(model, x_unit, layer):
    """Activations of ``layer`` for RGB [0, 1] images, normalised as maximize does (ImageNet)."""
    mean = torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)
    return cv.activations(model, (x_unit - mean) / std, layer)


# --- objectives ---------------------------------------------------------------------------------
def test_objectives_compose_and_match_hand_values():
    a = torch.arange(2 * 3 * 2 * 2, dtype=torch.float32).view(2, 3, 2, 2)
    img = torch.zeros(2, 3, 3, 3)
    img[1, :, :, 2] = 1.0  # a vertical edge in image 1
    ctx = O.Context({"L": a}, None, img)
    assert torch.equal(O.channel("L", 1)(ctx), a[:, 1].mean((1, 2)))
    assert torch.equal(O.channel("L", [2, 0])(ctx), torch.stack([a[0, 2].mean(), a[1, 0].mean()]))
    assert torch.equal(O.neuron("L", 1, x=0, y=1)(ctx), a[:, 1, 1, 0])
    assert torch.allclose(O.dream("L")(ctx), a.pow(2).mean((1, 2, 3)))
    # TV with forward differences over the top-left 2x2 block: image 1 has dx = 1 at column 1
    assert torch.allclose(O.tv(img), torch.tensor([0.0, 2 * 3 / (3 * 2 * 2)]))
    assert torch.allclose(O.l2()(ctx), torch.tensor([0.25, 0.25]))
    assert torch.allclose(O.alpha_norm(6)(ctx), torch.tensor([1.0, 1.0]))
    combo = O.channel("L", 1) - 0.5 * O.total_variation() + 2
    assert torch.allclose(combo(ctx), a[:, 1].mean((1, 2)) - 0.5 * O.tv(img) + 2)
    assert set(combo.layers) == {"L"}
    assert torch.allclose((-O.channel("L", 0) / 2)(ctx), -a[:, 0].mean((1, 2)) / 2)


def test_objective_strings_and_batches():
    assert O.as_objective("layer4:12").name == "layer4:12"
    spec = O.as_objective("conv2:0-3")
    assert spec.batch == 4 and spec.layers == ("conv2",)
    assert O.as_objective("conv2").name == "dream conv2"
    assert O.as_objective("class:3").needs_logits
    assert O.as_objective(["conv1:0", "conv2:1"]).batch == 2
    with pytest.raises(ValueError):
        O.channel("a", [0, 1]) + O.channel("a", [0, 1, 2])


def test_objectives_describe_themselves_in_words():
    chan = O.channel("blocks.8", 12)
    assert chan.name == "blocks.8:12" and chan.describe() == "channel 12 of blocks.8"
    start = torch.zeros(1, 3, 4, 4)
    combo = chan - 3000 * O.l2(reference=start)
    assert combo.describe() == "channel 12 of blocks.8 - 3000 x L2 distance to the start image"
    assert combo.name == "blocks.8:12 - 3000 x l2 to start"  # no "+ -1*..." in the compact name either
    assert (chan - O.total_variation() + 2).describe() == "channel 12 of blocks.8 - total variation + 2"
    assert (-(chan - O.l2())).describe() == "-(channel 12 of blocks.8 - L2 distance to grey 0.5)"
    assert O.neuron("b", 3).describe() == "centre neuron of channel 3 of b"
    assert O.class_logit("goldfish").describe() == "logit of class goldfish"
    assert O.channel("b", [0, 1]).describe() == "channels 0..1 of b, one per image"
    assert O.dream("b").describe() == "dream b"  # without a description, the name


def test_a_rendering_from_a_photo_carries_its_description(tiny):
    start = torch.rand(1, 3, 16, 16, generator=torch.Generator().manual_seed(0))
    res = cv.maximize(tiny, "conv2:1", size=16, steps=2, seed=0, param="pixel", image=start, l2_weight=10.0)
    assert res.description == "channel 1 of conv2 - 10 x L2 distance to the start image"
    fig = cv.plot.difference(res)
    assert fig._suptitle.get_text() == res.description


def test_centre_contrast_by_hand():
    flat_centre = torch.zeros(2, 3, 8, 8)  # 8x8: the centre is rows and columns 2..5
    flat_centre[0, :, ::2] = 1.0  # stripes everywhere: the same spread inside and out
    flat_centre[1, :, 2:6, 2:6] = torch.tensor([[0.0, 1.0], [1.0, 0.0]]).repeat(2, 2)  # a pattern only in the middle
    got = cv.optvis.centre_contrast(flat_centre)
    assert got[0] == pytest.approx(1.0, rel=0.05)
    outer = flat_centre[1].clone()
    outer[:, 2:6, 2:6] = 0
    assert outer.abs().sum() == 0 and got[1] > 1e6  # nothing outside the centre: huge ratio
    with pytest.raises(ValueError, match="images"):
        cv.optvis.centre_contrast(torch.zeros(3, 8, 8))


def test_content_is_relative_feature_distance():
    a0 = torch.randn(1, 4, 3, 3)
    a = a0 + 0.1
    ctx = O.Context({"L": a}, None, torch.zeros(1, 3, 4, 4))
    expected = -((a - a0) ** 2).sum() / (a0**2).sum()
    assert torch.allclose(O.content("L", a0, is_activation=True)(ctx), expected.view(1))


# --- parametrisations and transforms ---------------------------------------------------------------
@pytest.mark.parametrize("cls", [PixelImage, FourierImage])
def test_param_starts_from_an_image_exactly(cls):
    img = torch.rand(1, 3, 20, 24) * 0.9 + 0.05
    p = cls(2, 0, init=img)
    out = p()
    assert out.shape == (2, 3, 20, 24)
    assert torch.allclose(out, img.expand(2, -1, -1, -1), atol=1e-4)


def test_fourier_blur_and_decorrelation():
    gen = torch.Generator().manual_seed(0)
    p = FourierImage(1, 32, generator=gen, sd=1.0)
    before = O.tv(p())
    p.blur_(1.5)
    assert O.tv(p()) < 0.5 * before
    # the colour matrix mixes channels: one spectrum channel moves all three colours
    q = FourierImage(1, 8, decorrelate=True)
    with torch.no_grad():
        q.spectrum[:, 0, 0, 0, 0] = 10.0
    assert (q()[0, :, 0, 0] - 0.5).abs().min() > 0.05


def test_transforms_are_seeded_and_shaped():
    x = torch.rand(2, 3, 32, 32)
    t = compose([pad(4), jitter(3), random_scale([0.9, 1.1]), random_rotate([-10, 10])])
    a = t(x, torch.Generator().manual_seed(1))
    b = t(x, torch.Generator().manual_seed(1))
    assert torch.equal(a, b) and a.shape[:2] == (2, 3)
    assert pad(4)(x, None).shape[-1] == 40
    rolled = jitter(5)(x, torch.Generator().manual_seed(0))
    assert torch.allclose(rolled.sum(), x.sum(), rtol=1e-5)  # a roll keeps every pixel
    assert standard_transforms(64)(x, torch.Generator().manual_seed(0)).dim() == 4


# --- maximize ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("param,lr", [("fft", 0.5), ("pixel", 0.1)])
def test_maximized_channel_far_above_grey_and_noise(tiny, param, lr):
    img = cv.maximize(tiny, "conv2:3", size=32, steps=40, param=param, seed=0, lr=lr).tensor
    got = unit_acts(tiny, img, "conv2")[0, 3].mean()
    grey = unit_acts(tiny, torch.full((1, 3, 32, 32), 0.5), "conv2")[0, 3].mean()
    noise = unit_acts(tiny, torch.rand(8, 3, 32, 32, generator=torch.Generator().manual_seed(0)), "conv2")[:, 3].mean((1, 2)).max()
    assert got > 2.5 * max(grey, noise) and got > max(grey, noise) + 0.5, (got, grey, noise)
    assert_clean(tiny)


def test_same_seed_same_image_other_seed_other_image(tiny):
    kw = dict(size=32, steps=6, seed=3)
    a, b = cv.maximize(tiny, "conv2:1", **kw).tensor, cv.maximize(tiny, "conv2:1", **kw).tensor
    c = cv.maximize(tiny, "conv2:1", **{**kw, "seed": 4}).tensor
    assert torch.equal(a, b)
    assert not torch.equal(a, c)


def test_batched_channels_one_image_each(tiny):
    res = cv.maximize(tiny, cv.objectives.channel("conv2", range(4)), size=32, steps=30, seed=0, lr=0.1)
    assert res.tensor.shape == (4, 3, 32, 32) and res.history.shape == (30, 4)
    acts = unit_acts(tiny, res.tensor, "conv2").mean((2, 3))[:, :4]  # rows: images, cols: channels
    diag = acts.diagonal()
    off = (acts.sum(0) - diag) / 3
    assert (diag > off).all(), acts
    assert len(res.images) == 4 and isinstance(res.images[0], Image.Image)


def test_forward_stops_at_deepest_needed_layer(tiny):
    calls = {"fc": 0}
    fc = tiny.fc

    class Counting(nn.Module):
        def forward(self, x):
            calls["fc"] += 1
            return fc(x)

    tiny.fc = Counting()
    cv.maximize(tiny, "conv1:0", size=16, steps=3, seed=0)
    assert calls["fc"] == 0  # never ran past conv1
    cv.maximize(tiny, cv.objectives.class_logit(2), size=16, steps=3, seed=0)
    assert calls["fc"] == 3  # a logit needs the whole network


def test_class_logit_rises(tiny):
    res = cv.maximize(tiny, "class:2", size=32, steps=25, seed=0, lr=0.1)
    assert res.history[-1, 0] > res.history[0, 0]


def test_start_from_image_with_l2_and_difference(tiny):
    start = Image.fromarray((torch.rand(40, 40, 3, generator=torch.Generator().manual_seed(0)) * 255).byte().numpy())
    loose = cv.maximize(tiny, "conv2:0", size=32, steps=15, param="pixel", seed=0, image=start, lr=0.1, transforms=None)
    tight = cv.maximize(tiny, "conv2:0", size=32, steps=15, param="pixel", seed=0, image=start, l2_weight=100.0, lr=0.1, transforms=None)
    assert loose.start.shape == (1, 3, 32, 32)
    assert tight.difference.abs().mean() < loose.difference.abs().mean()
    assert loose.difference.abs().mean() > 0.01


def test_no_hook_and_modes_restored_after_exception_mid_render(tiny):
    tiny.train()
    tiny.conv1.weight.requires_grad_(True)
    tiny.conv2.weight.requires_grad_(False)

    def boom(ctx):
        if ctx.step == 2:
            raise RuntimeError("boom")
        return ctx.act("conv2").mean((1, 2, 3))

    with pytest.raises(RuntimeError, match="boom"):
        cv.maximize(tiny, cv.objectives.Objective(boom, "boom", ("conv2",)), size=16, steps=5, seed=0)
    assert_clean(tiny)
    assert tiny.training and tiny.conv1.weight.requires_grad and not tiny.conv2.weight.requires_grad


def test_progress_bar(tiny, capsys):
    cv.maximize(tiny, "conv1:0", size=16, steps=3, seed=0, progress=True)
    assert "maximize" in capsys.readouterr().err


def test_blur_regulariser_smooths(tiny):
    plain = cv.maximize(tiny, "conv1:1", size=32, steps=12, seed=0, param="pixel", transforms=None, lr=0.2).tensor
    blurred = cv.maximize(
        tiny, cv.objectives.channel("conv1", 1) + cv.objectives.blur(1.0, every=2), size=32, steps=12, seed=0, param="pixel", transforms=None, lr=0.2
    ).tensor
    assert O.tv(blurred) < O.tv(plain)


def test_maximize_offline_model_string_spec(lite):
    res = cv.maximize(lite, ["blocks.2:5", "class:goldfish"], size=48, steps=8, seed=0)
    assert res.tensor.shape == (2, 3, 48, 48)
    assert (res.history[-1] > res.history[0] + 1.0).all(), res.history
    assert_clean(lite)


# --- inversion --------------------------------------------------------------------------------------
def test_inversion_reduces_feature_distance_by_a_large_factor(tiny):
    img = torch.rand(1, 3, 32, 32, generator=torch.Generator().manual_seed(1))
    res = cv.invert(tiny, img, "conv1", steps=150, seed=0, lr=0.1, tv_weight=0.0, alpha_weight=0.0, transforms=None)
    assert res.info["distance_end"] < res.info["distance_start"] / 20, res.info
    assert res.tensor.shape == (1, 3, 32, 32)
    assert_clean(tiny)


def test_inversion_regularisers_act(tiny):
    img = torch.rand(1, 3, 32, 32, generator=torch.Generator().manual_seed(1))
    kw = dict(steps=40, seed=0, lr=0.1, transforms=None, alpha_weight=0.0)
    rough = cv.invert(tiny, img, "conv2", tv_weight=0.0, **kw).tensor
    smooth = cv.invert(tiny, img, "conv2", tv_weight=50.0, **kw).tensor
    assert O.tv(smooth) < O.tv(rough)


# --- deepdream --------------------------------------------------------------------------------------
@pytest.fixture
def photo():
    return cv.sample_image("cat").resize((50, 40))


def test_deepdream_raises_the_layer_and_keeps_size(tiny, photo):
    out = cv.deepdream(tiny, photo, {"conv2": 1.0}, octaves=2, steps=6, lr=0.1, jitter=4, seed=0)
    assert isinstance(out, Image.Image) and out.size == photo.size
    import torchvision.transforms.functional as TF

    before = unit_acts(tiny, TF.to_tensor(photo)[None], "conv2").pow(2).mean()
    after = unit_acts(tiny, TF.to_tensor(out)[None], "conv2").pow(2).mean()
    assert after > 1.5 * before
    assert_clean(tiny)


def test_dream_score_is_the_weighted_mean_square_of_the_layers(tiny, photo):
    import torchvision.transforms.functional as TF

    x = TF.to_tensor(photo)[None]
    want = 1.0 * unit_acts(tiny, x, "conv1").pow(2).mean() + 0.5 * unit_acts(tiny, x, "conv2").pow(2).mean()
    got = cv.optvis.dream_score(tiny, photo, {"conv1": 1.0, "conv2": 0.5})
    assert got == pytest.approx(float(want), rel=1e-5)
    assert cv.optvis.dream_score(tiny, photo, {"conv1": 0.0}) == 0.0
    out = cv.deepdream(tiny, photo, {"conv2": 1.0}, octaves=2, steps=6, lr=0.1, jitter=4, seed=0)
    assert cv.optvis.dream_score(tiny, out, "conv2") > 1.5 * cv.optvis.dream_score(tiny, photo, "conv2")
    with pytest.raises(ValueError, match="layers"):
        cv.optvis.dream_score(tiny, photo, {"nope": 1.0})
    assert_clean(tiny)


def test_deepdream_zero_weight_changes_nothing_and_layers_differ(tiny, photo):
    kw = dict(octaves=2, steps=4, jitter=4, seed=1, as_tensor=True)
    a = cv.deepdream(tiny, photo, {"conv1": 1.0}, **kw)
    b = cv.deepdream(tiny, photo, {"conv1": 1.0, "conv2": 0.0}, **kw)
    c = cv.deepdream(tiny, photo, {"conv2": 1.0}, **kw)
    d = cv.deepdream(tiny, photo, {"conv1": 1.0, "conv2": 3.0}, **kw)
    assert torch.equal(a, b)
    assert not torch.allclose(a, c, atol=1e-3) and not torch.allclose(a, d, atol=1e-3)
    assert torch.equal(a, cv.deepdream(tiny, photo, {"conv1": 1.0}, **kw))  # same seed, same dream


def test_deepdream_tiles_and_size_cap(tiny):
    big = cv.sample_image("cat").resize((90, 70))
    out = cv.deepdream(tiny, big, "conv2", octaves=1, steps=2, seed=0, tile=32, max_side=64, smooth=1.0)
    assert out.size == (90, 70)
    assert_clean(tiny)


def test_deepdream_bad_layer_lists_close_names(tiny, photo):
    with pytest.raises(cv.UnknownNameError, match="conv2"):
        cv.deepdream(tiny, photo, {"conv3": 1.0})
    assert_clean(tiny)


def test_capture_stop_waits_for_every_layer_on_each_pass(tiny):
    """Foundation fix: with stop=True a second cap.forward must again run to the deepest
    captured layer (the set of layers still awaited is reset on every pass)."""
    x = torch.rand(1, 3, 16, 16)
    with cv.capture(tiny, ["conv1", "conv2"], stop=True) as cap:
        for _ in range(2):
            cap.activations.clear()
            cap.forward(x)
            assert set(cap.activations) == {"conv1", "conv2"}


# --- CLI, figures, widgets, exercises -----------------------------------------------------------------
def test_cli_maximize_and_dream_write_pngs(tmp_path, capsys):
    from cnnviz_lab.cli import main

    assert main(["maximize", "blocks.1:3", "--steps", "2", "--size", "32", "--out", str(tmp_path / "m.png")]) == 0
    assert (
        main(
            [
                "dream",
                "data/coffee.png",
                "--layer",
                "blocks.3:1",
                "--layer",
                "blocks.5:0.5",
                "--octaves",
                "1",
                "--steps",
                "1",
                "--max-side",
                "48",
                "--out",
                str(tmp_path / "d.png"),
            ]
        )
        == 0
    )
    assert Image.open(tmp_path / "m.png").size == (32, 32)
    assert Image.open(tmp_path / "d.png").size == Image.open("data/coffee.png").size
    assert main(["dream", "data/coffee.png", "--layer", "blocks.99:1"]) == 2
    assert "Closest" in capsys.readouterr().err


def test_figures_and_exercise_checkers(tiny):
    from matplotlib.figure import Figure

    res = cv.maximize(tiny, "conv1:0", size=16, steps=2, seed=0, image=torch.rand(1, 3, 16, 16), l2_weight=1.0, transforms=None)
    assert isinstance(cv.plot.difference(res), Figure)
    assert isinstance(cv.plot.renderings(res.tensor), Figure)
    assert isinstance(cv.plot.score_history(res.history), Figure)
    assert cv.exercises.check_total_variation(cv.objectives.tv)
    assert not cv.exercises.check_total_variation(lambda x: x.diff(dim=-1).abs().mean((1, 2, 3)))
    assert cv.exercises.check_feature_distance(lambda a, a0: ((a - a0) ** 2).sum((1, 2, 3)) / (a0**2).sum((1, 2, 3)))
    assert cv.exercises.check_normalize_gradient(lambda g: (g - g.mean()) / g.std())
    assert not cv.exercises.check_normalize_gradient(lambda g: g / g.abs().max())


def test_no_hook_after_exception_mid_dream_or_inversion(tiny, photo):
    calls = {"n": 0}
    conv2_forward = tiny.conv2.forward

    def flaky(x):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("interrupted")
        return conv2_forward(x)

    tiny.conv2.forward = flaky
    tiny.train()
    with pytest.raises(RuntimeError, match="interrupted"):
        cv.deepdream(tiny, photo, {"conv2": 1.0}, octaves=1, steps=5, seed=0)
    assert_clean(tiny)
    assert tiny.training
    calls["n"] = 0
    with pytest.raises(RuntimeError, match="interrupted"):
        cv.invert(tiny, torch.rand(1, 3, 16, 16), "conv2", steps=5, seed=0)
    assert_clean(tiny)
    assert tiny.training and all(p.requires_grad for p in tiny.parameters())


@pytest.mark.parametrize("images, error", [("x", TypeError), (torch.rand(8, 8), ValueError), (torch.rand(1, 3, 2, 2), ValueError)])
def test_centre_contrast_refuses_what_is_not_a_batch(images, error):
    with pytest.raises(error, match="images"):
        cv.optvis.centre_contrast(images)


def test_difference_shows_the_size_of_the_change_on_a_stated_scale(tiny):
    start = torch.rand(1, 3, 16, 16, generator=torch.Generator().manual_seed(0))
    res = cv.maximize(tiny, "conv2:1", size=16, steps=2, seed=0, param="pixel", image=start, l2_weight=10.0)
    fig = cv.plot.difference(res)
    size = [im for ax in fig.axes for im in ax.get_images() if im.get_array().ndim == 2]
    assert len(size) == 1 and any(ax.get_label() == "<colorbar>" for ax in fig.axes)
    by_hand = (res.tensor - res.start).pow(2).sum(1).sqrt()[0]
    assert np.allclose(size[0].get_array(), by_hand.numpy(), atol=1e-6)
    largest = (res.tensor - res.start).abs().max().item()
    assert any(f"+/-{largest:.2f}" in ax.get_title() for ax in fig.axes)


def test_deepdream_returns_a_tensor_only_when_asked(tiny, photo):
    kw = dict(octaves=1, steps=1, jitter=0, seed=0)
    image = cv.deepdream(tiny, photo, "conv1", **kw)
    tensor = cv.deepdream(tiny, photo, "conv1", as_tensor=True, **kw)
    assert isinstance(image, Image.Image) and tensor.shape == (1, 3, image.height, image.width)
    with pytest.raises(TypeError, match="as_tensor"):
        cv.deepdream(tiny, photo, "conv1", as_tensor="tensor", **kw)


def test_deepdream_normalize_scales_each_step_as_documented(tiny, photo):
    """One step, no shift: with "std" the step in normalised input space has standard deviation
    lr, with "mean_abs" its mean absolute value is lr, and with "none" it is linear in lr."""
    from cnnviz_lab.optvis.render import IMAGENET_STD

    std = torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)
    x0 = cv.deepdream(tiny, photo, steps=0, as_tensor=True)
    one = dict(octaves=1, steps=1, jitter=0, seed=0, as_tensor=True)

    def step(lr, normalize):
        return (cv.deepdream(tiny, photo, lr=lr, normalize=normalize, **one) - x0) / std

    assert torch.isclose(step(1e-3, "std").std(), torch.tensor(1e-3), rtol=0.05)
    assert torch.isclose(step(1e-3, "mean_abs").abs().mean(), torch.tensor(1e-3), rtol=0.05)
    small, large = step(1.0, "none"), step(2.0, "none")
    assert small.abs().max() > 0 and torch.allclose(large, 2 * small, rtol=0.05, atol=1e-6)
    with pytest.raises(ValueError, match="normalize"):
        cv.deepdream(tiny, photo, normalize="l2")
