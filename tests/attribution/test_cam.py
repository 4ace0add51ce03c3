"""The CAM family checked against its definitions on tiny nets, and on the offline model."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from matplotlib.figure import Figure
from torch import nn

import cnnviz_lab as cv
from cnnviz_lab.attribution import NoGapLinearHeadError, cam, cam_layers, fully_convolutional, gradcam, gradcam_pp, layercam, scorecam
from conftest import TinyNet, assert_clean, tiny_pair

GRAD_METHODS = [gradcam, gradcam_pp, layercam]
ALL = [cam, gradcam, gradcam_pp, layercam, scorecam]


def _x(n=2, side=12, seed=1):
    return torch.randn(n, 3, side, side, generator=torch.Generator().manual_seed(seed))


def _reference_parts(net, x, layer, c):
    """Activation of ``layer`` and dS_c/dA by plain autograd, one image at a time."""
    acts, grads = [], []
    for i in range(len(x)):
        store = {}
        h = net.get_submodule(layer).register_forward_hook(lambda m, i_, o: store.setdefault("a", o))
        try:
            out = net(x[i : i + 1])
        finally:
            h.remove()
        (g,) = torch.autograd.grad(out[0, c], store["a"])
        acts.append(store["a"].detach()[0])
        grads.append(g[0])
    return torch.stack(acts), torch.stack(grads)


def test_gradcam_is_relu_cam_over_positions_on_gap_linear(tiny):
    x = _x()
    targets = [[0, 3], [4, 1]]
    c = cam(tiny, x, targets, upsample=False)  # layer: relu2, found automatically
    g = gradcam(tiny, x, targets, layer="relu2", upsample=False)
    hw = c.shape[-1] * c.shape[-2]
    assert torch.allclose(g, c.clamp_min(0) / hw, atol=1e-6)
    # at conv2 (the ReLU comes after it) CAM uses relu(A); Grad-CAM agrees again
    c2 = cam(tiny, x, targets, layer="conv2", upsample=False)
    assert torch.allclose(c2, c, atol=1e-6)
    assert_clean(tiny)


def test_cam_maps_average_to_the_logits(tiny):
    x = _x()
    logits = tiny(x).detach()
    maps = cam(tiny, x, [[0, 1, 2, 3, 4]] * 2, upsample=False)
    assert torch.allclose(maps.mean(dim=(2, 3)) + tiny.fc.bias, logits, atol=1e-5)


def test_gradcam_matches_hand_computation(tiny):
    x = _x()
    a, g = _reference_parts(tiny, x, "conv2", 2)
    expected = torch.einsum("nc,nchw->nhw", g.mean(dim=(2, 3)), a).clamp_min(0)
    got = gradcam(tiny, x, 2, layer="conv2", upsample=False)
    assert torch.allclose(got, expected, atol=1e-6)
    big = gradcam(tiny, x, 2, layer="conv2")
    assert big.shape == (2, 12, 12)
    assert torch.allclose(big, F.interpolate(expected[:, None], size=(12, 12), mode="bilinear", align_corners=False)[:, 0].clamp_min(0), atol=1e-6)


def test_layercam_and_gradcam_pp_match_their_formulas(tiny):
    x = _x()
    a, g = _reference_parts(tiny, x, "conv1", 1)
    lc = (g.clamp_min(0) * a).sum(1).clamp_min(0)
    assert torch.allclose(layercam(tiny, x, 1, layer="conv1", upsample=False), lc, atol=1e-6)
    # Grad-CAM++ from Y = exp(S): dY = e^S g, d2Y = e^S g^2, d3Y = e^S g^3 (exact when the
    # network is piecewise linear after the layer, as here).
    a, g = _reference_parts(tiny, x, "relu2", 1)
    s = tiny(x)[:, 1].detach().exp()[:, None, None, None]
    d1, d2, d3 = s * g, s * g**2, s * g**3
    alpha = d2 / (2 * d2 + a.sum(dim=(2, 3), keepdim=True) * d3)
    alpha = torch.nan_to_num(alpha)
    w = (alpha * d1.clamp_min(0)).sum(dim=(2, 3))
    ref = torch.einsum("nc,nchw->nhw", w, a).clamp_min(0)
    got = gradcam_pp(tiny, x, 1, layer="relu2", upsample=False)
    assert torch.allclose(got * s[:, 0], ref, rtol=1e-4, atol=1e-6)


def test_scorecam_matches_a_loop_over_channels(tiny):
    x = _x(1)
    a = cv.activations(tiny, x, "conv1")[0]
    base = tiny(torch.zeros_like(x)).softmax(1)[0, 3]
    w = []
    for k in range(a.shape[0]):
        m = F.interpolate(a[k][None, None], size=(12, 12), mode="bilinear", align_corners=False)[0, 0]
        m = (m - m.min()) / (m.max() - m.min()) if m.max() > m.min() else torch.zeros_like(m)
        w.append(tiny(x * m).softmax(1)[0, 3] - base)
    ref = torch.einsum("k,khw->hw", torch.stack(w), a).clamp_min(0).detach()
    got = scorecam(tiny, x, 3, layer="conv1", upsample=False, batch_size=4)[0]
    assert torch.allclose(got, ref, atol=1e-5)
    top = scorecam(tiny, x, 3, layer="conv1", upsample=False, max_channels=2)[0]
    assert top.shape == ref.shape and not torch.allclose(top, ref)


@pytest.mark.parametrize("method", ALL, ids=lambda f: f.__name__)
def test_k_targets_equal_single_calls_and_batch_equals_images(tiny, method):
    x = _x(3)
    targets = torch.tensor([[0, 2, 4], [1, 1, 3], [4, 0, 2]])
    kwargs = {"layer": "conv2"} if method is not cam else {}
    many = method(tiny, x, targets, **kwargs)
    assert many.shape == (3, 3, 12, 12)
    for j in range(3):
        one = method(tiny, x, targets[:, j].tolist(), **kwargs)
        assert torch.allclose(many[:, j], one, atol=1e-6)
    for i in range(3):
        alone = method(tiny, x[i : i + 1], targets[i : i + 1], **kwargs)
        assert torch.allclose(many[i : i + 1], alone, atol=1e-6)
    assert_clean(tiny)


@pytest.mark.parametrize("method", ALL, ids=lambda f: f.__name__)
def test_inplace_relu_after_the_layer_changes_nothing(method):
    plain, inplace = tiny_pair()
    x = _x()
    for layer in ["conv2"] if method is cam else ["conv1", "conv2"]:
        a = method(plain, x, [1, 2], layer=layer)
        b = method(inplace, x, [1, 2], layer=layer)
        assert torch.allclose(a, b, atol=1e-6), layer
    # and conv2's pre-ReLU output really is what Grad-CAM used: negative values count
    acts, grads = _reference_parts(plain, x, "conv2", 1)
    assert (acts < 0).any()


@pytest.mark.parametrize("method", ALL, ids=lambda f: f.__name__)
def test_zero_gradients_and_zero_maps_give_zeros_not_nan(method):
    torch.manual_seed(0)
    net = TinyNet().eval()
    with torch.no_grad():
        net.fc.weight.zero_()  # every score is constant: zero gradients
    out = method(net, _x(), 0, layer="relu2")
    assert torch.isfinite(out).all() and (out == 0).all()
    with torch.no_grad():
        net.fc.weight.normal_()
        net.conv2.bias.fill_(-1e3)  # relu2 outputs all zeros
    out = method(net, _x(), 0, layer="relu2")
    assert torch.isfinite(out).all() and (out == 0).all()


def test_state_is_restored_even_after_an_error(tiny):
    tiny.train()
    tiny.conv1.weight.requires_grad_(False)
    for method in ALL:
        with pytest.raises(IndexError):
            method(tiny, _x(), 99)
        out = method(tiny, _x(), 1)
        assert not out.requires_grad and out.device == _x().device
        assert tiny.training and all(m.training for m in tiny.modules())
        assert not tiny.conv1.weight.requires_grad and tiny.conv2.weight.requires_grad
        assert_clean(tiny)


def test_targets_by_name_and_topk(lite):
    x = lite.preprocess(cv.sample_image("coffee"), size=96)
    by_name = gradcam(lite, x, "espresso", upsample=False)
    by_index = gradcam(lite, x, lite.class_index("espresso"), upsample=False)
    assert by_name.shape == (1, 3, 3) and torch.equal(by_name, by_index)
    top = gradcam(lite, x, cv.topk_targets(lite, x, 2), upsample=False)
    assert top.shape == (1, 2, 3, 3) and torch.allclose(top[:, 0], gradcam(lite, x, upsample=False))
    assert_clean(lite)


def test_gradcam_equals_cam_on_the_pretrained_model(lite, cat_x):
    targets = cv.topk_targets(lite, cat_x, 3)
    c = cam(lite, cat_x, targets, upsample=False)
    g = gradcam(lite, cat_x, targets, upsample=False)
    ratio = g.flatten(2).sum(-1) / c.clamp_min(0).flatten(2).sum(-1)
    assert torch.allclose(ratio, torch.full_like(ratio, 1 / 49), rtol=1e-4)
    assert torch.allclose(g, c.clamp_min(0) / 49, atol=1e-5 * float(g.max()))


def test_each_object_lights_up_its_own_box(lite):
    x = lite.preprocess(cv.sample_image("drums_and_guitar"))
    maps = gradcam(lite, x, [["electric guitar", "drum"]])[0]
    boxes = cv.sample_boxes("drums_and_guitar")  # drawn by hand: guitar neck and body, toms and bass drum
    guitar, drum = (torch.zeros(224, 224, dtype=torch.bool) for _ in range(2))
    for mask, label in ((guitar, "electric guitar"), (drum, "drum")):
        for x0, y0, x1, y1 in boxes[label]:
            mask[y0:y1, x0:x1] = True
    share = lambda m, mask: float(m[mask].sum() / m.sum())  # noqa: E731
    assert share(maps[0], guitar) > 0.55 and share(maps[0], drum) < 0.4, maps[0]  # the guitar's map
    assert share(maps[1], drum) > 0.65 and share(maps[1], guitar) < 0.25, maps[1]  # the drums' map
    assert cv.pointing_game(maps[0], boxes["electric guitar"]) and cv.pointing_game(maps[1], boxes["drum"])


def test_fully_convolutional_head_gives_the_logits(tiny, lite):
    fcn = fully_convolutional(tiny)
    x = _x()
    maps = fcn(x)
    assert maps.shape == (2, 5, 12, 12)
    assert torch.allclose(maps.mean(dim=(2, 3)), tiny(x), atol=1e-5)
    assert torch.allclose(maps - fcn.classifier.bias[:, None, None], cam(tiny, x, [[0, 1, 2, 3, 4]] * 2, upsample=False), atol=1e-5)
    small = lite.preprocess(cv.sample_image("cat"), size=96)
    with torch.no_grad():
        assert torch.allclose(fully_convolutional(lite, size=96).logits(small), lite.model(small), atol=1e-3)
    assert_clean(tiny) and assert_clean(lite)


class PlainHead(nn.Module):
    """conv -> flatten -> linear -> linear: no GAP, so no CAM."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.fc1 = nn.Linear(4 * 8 * 8, 4)
        self.fc2 = nn.Linear(4, 3)

    def forward(self, x):
        return self.fc2(self.fc1(self.conv(x).flatten(1)))


def test_cam_refuses_heads_that_are_not_gap_linear(tiny):
    with pytest.raises(NoGapLinearHeadError, match="gradcam"):
        cam(PlainHead(), torch.randn(1, 3, 8, 8), layer="conv")
    with pytest.raises(NoGapLinearHeadError, match="gradcam"):
        fully_convolutional(PlainHead(), layer="conv", size=8)
    assert gradcam(PlainHead(), torch.randn(1, 3, 8, 8), layer="conv").shape == (1, 8, 8)
    with pytest.raises(NoGapLinearHeadError):  # conv1 is followed by another conv, not by GAP
        cam(tiny, _x(), layer="conv1")


@pytest.mark.parametrize(
    "name,layer,ok",
    [
        ("resnet18", "layer4", True),
        ("densenet121", "features", True),
        ("mobilenet_v2", "features", True),
        ("googlenet", "inception5b", True),
        ("convnext_tiny", "features", False),
        ("alexnet", "features", False),
    ],
)
def test_cam_head_detection_on_torchvision(name, layer, ok):
    import torchvision

    torch.manual_seed(0)
    kwargs = {"aux_logits": False, "init_weights": True} if name == "googlenet" else {}
    net = torchvision.models.get_model(name, weights=None, **kwargs).eval()
    x = torch.randn(1, 3, 64, 64) if name != "alexnet" else torch.randn(1, 3, 96, 96)
    if ok:
        c = cam(net, x, [[1, 2]], layer=layer, upsample=False)
        g = gradcam(net, x, [[1, 2]], layer=layer, upsample=False)
        hw = c.shape[-1] * c.shape[-2]
        assert torch.allclose(g, c.clamp_min(0) / hw, atol=1e-5 * float(g.abs().max()) + 1e-7)
    else:
        with pytest.raises(NoGapLinearHeadError):
            cam(net, x, layer=layer)
    assert_clean(net)


def test_cam_layers_run_early_to_late(lite):
    names = cam_layers(lite)
    assert names[0] == "stem" and names[-1] == "head" and "blocks.8" in names
    assert len(names) == len(set(names))


def test_plots_return_figures(lite):
    x = lite.preprocess(cv.sample_image("drums_and_guitar"), size=64)
    figs = [
        cv.plot.cam_topk(lite, x, k=2),
        cv.plot.cam_overlay(x, gradcam(lite, x), lite),
        cv.plot.cam_compare(lite, x, "drum", methods=["layercam", "scorecam"], options={"scorecam": {"max_channels": 4}}),
        cv.plot.cam_by_layer(lite, x, ["blocks.4", "head"]),
    ]
    assert all(isinstance(f, Figure) for f in figs)
    assert "drum" in figs[2]._suptitle.get_text()
    with pytest.raises(ValueError, match="one"):
        cv.plot.cam_overlay(x, torch.zeros(2, 8, 8))


def test_exercise_checkers_accept_right_and_reject_wrong(capsys):
    ex = cv.exercises
    assert ex.check_class_map(lambda a, w, c: torch.einsum("k,khw->hw", w[c], a))
    assert not ex.check_class_map(lambda a, w, c: torch.einsum("k,khw->hw", w[0], a))
    assert ex.check_gradcam(lambda a, g: (g.mean(dim=(1, 2))[:, None, None] * a).sum(0).clamp_min(0))
    assert not ex.check_gradcam(lambda a, g: (g.mean(dim=(1, 2))[:, None, None] * a).sum(0))
    naive = lambda a, g: (g.clamp_min(0) * a).sum(0).clamp_min(0) / (g.abs().sum() * 0)  # NaN  # noqa: E731
    assert not ex.check_layercam(naive)
    assert ex.check_layercam(lambda a, g: (g.clamp_min(0) * a).sum(0).clamp_min(0))
    assert "not yet" in capsys.readouterr().out


def test_cli_gradcam_writes_a_grid(tmp_path, capsys):
    from cnnviz_lab.cli import main

    out = tmp_path / "grid.png"
    assert main(["gradcam", "data/drums_and_guitar.jpg", "--top", "2", "--out", str(out)]) == 0
    assert out.stat().st_size > 1000 and "1. electric guitar" in capsys.readouterr().out
    assert main(["gradcam", "data/coffee.png", "--layer", "blocks.99", "--target", "espresso"]) == 2
    assert "Closest" in capsys.readouterr().err


def test_cam_row_states_its_scale_once(lite):
    x = lite.preprocess(cv.sample_image("drums_and_guitar"), size=64)
    maps = [torch.rand(64, 64), torch.rand(64, 64)]
    fig = cv.plot.cam_row(lite, x, maps, ["a", "b"])
    bars = [ax for ax in fig.axes if ax.get_label() == "<colorbar>"]
    assert len(bars) == 1 and "min to max" in bars[0].get_ylabel()
    assert [t.get_text() for t in bars[0].get_yticklabels()] == ["min", "max"]
    plain = cv.plot.cam_row(lite, x, maps, ["a", "b"], colorbar=False)
    assert not any(ax.get_label() == "<colorbar>" for ax in plain.axes) and len(plain.axes) == 3


def test_cam_overlay_states_its_scale(lite):
    x = lite.preprocess(cv.sample_image("drums_and_guitar"), size=64)
    fig = cv.plot.cam_overlay(x, torch.rand(8, 8), lite)
    bars = [ax for ax in fig.axes if ax.get_label() == "<colorbar>"]
    assert len(bars) == 1 and bars[0].get_ylabel() == "the map's min to max"


def test_cam_row_signed_scale_is_common_and_centred_on_zero(lite):
    """scale="signed": one colour bar from -v to +v, v the largest |value| of ALL maps; a
    zero cell is the colormap's middle (white), a negative cell blue, a positive one red."""
    x = lite.preprocess(cv.sample_image("drums_and_guitar"), size=32)
    weak, strong = torch.full((32, 32), -1.0), torch.zeros(32, 32)
    strong[:16] = 4.0  # top half +4, bottom half 0
    fig = cv.plot.cam_row(lite, x, [weak, strong], ["weak", "strong"], scale="signed", scale_label="units")
    bars = [ax for ax in fig.axes if ax.get_label() == "<colorbar>"]
    assert len(bars) == 1 and bars[0].get_ylabel() == "units"
    assert bars[0].get_ylim() == pytest.approx((-4.0, 4.0))
    from matplotlib import colormaps

    grey = cv.plot.core.image_array(x, lite).mean(axis=2)
    tiles = [np.asarray(ax.get_images()[0].get_array()) for ax in fig.axes[1:3]]

    def expected(value, r, c):  # half the greyscale image, half the colour of value / 4
        return 0.5 * grey[r, c] + 0.5 * np.asarray(colormaps["RdBu_r"]((value / 4 + 1) / 2)[:3])

    assert np.allclose(tiles[1][4, 4], expected(4.0, 4, 4), atol=1e-4)  # +4: the darkest red
    assert np.allclose(tiles[1][28, 9], expected(0.0, 28, 9), atol=1e-4)  # 0: the middle (white)
    assert np.allclose(tiles[0][9, 9], expected(-1.0, 9, 9), atol=1e-4)  # -1: light blue, same scale
    own = cv.plot.cam_row(lite, x, [weak, strong], ["weak", "strong"])  # default unchanged: min/max ticks
    assert [t.get_text() for t in [ax for ax in own.axes if ax.get_label() == "<colorbar>"][0].get_yticklabels()] == ["min", "max"]
    with pytest.raises(ValueError, match="scale"):
        cv.plot.cam_row(lite, x, [weak], ["weak"], scale="global")


def test_cam_row_and_topk_draw_boxes_on_every_panel_labelled_on_the_image(lite):
    from matplotlib.patches import Rectangle

    x = lite.preprocess(cv.sample_image("drums_and_guitar"), size=64)
    boxes = {"guitar": [(40, 0, 60, 30), (30, 25, 64, 64)], "drum kit": [(2, 1, 45, 60)]}
    fig = cv.plot.cam_row(lite, x, [torch.rand(64, 64)], ["a"], boxes=boxes)
    rects = [p for p in fig.axes[0].patches if isinstance(p, Rectangle)]
    assert [(r.get_x() + 0.5, r.get_y() + 0.5, r.get_width(), r.get_height()) for r in rects] == [(40, 0, 20, 30), (30, 25, 34, 39), (2, 1, 43, 59)]
    assert {t.get_text() for t in fig.axes[0].texts} == {"guitar", "drum kit"} and not fig.axes[1].texts
    assert len([p for p in fig.axes[1].patches if isinstance(p, Rectangle)]) == 3  # outlined on the map too
    assert len({r.get_edgecolor() for r in rects}) == 2  # one colour per object
    plain = cv.plot.cam_row(lite, x, [torch.rand(64, 64)], ["a"])
    assert not plain.axes[0].patches and not plain.axes[0].texts
    top = cv.plot.cam_topk(lite, x, k=2, method="cam", boxes=[(1, 2, 30, 40)], suptitle="mine")
    assert len(top.axes[0].patches) == 1 and top._suptitle.get_text() == "mine"
    with pytest.raises(ValueError, match="boxes"):
        cv.plot.cam_row(lite, x, [torch.rand(64, 64)], ["a"], boxes={"guitar": [(1, 2, 3)]})
    with pytest.raises(TypeError, match="boxes"):
        cv.plot.cam_row(lite, x, [torch.rand(64, 64)], ["a"], boxes=5)


def test_cam_overlay_names_its_map_panel(lite):
    x = lite.preprocess(cv.sample_image("drums_and_guitar"), size=64)
    assert cv.plot.cam_overlay(x, torch.rand(8, 8), lite).axes[1].get_title() == "map (8x8)"
    fig = cv.plot.cam_overlay(x, torch.rand(64, 64), lite, map_title="CAM, 2x2 upsampled to 64")
    assert fig.axes[1].get_title() == "CAM, 2x2 upsampled to 64"


def test_cam_overlay_and_cam_panels_take_a_fontsize_for_projection(lite):
    x = lite.preprocess(cv.sample_image("drums_and_guitar"), size=64)
    fig = cv.plot.cam_overlay(x, torch.rand(8, 8), lite, title="CAM", fontsize=13)
    panels = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
    (bar,) = [ax for ax in fig.axes if ax.get_label() == "<colorbar>"]
    assert all(ax.title.get_fontsize() == 13 for ax in panels) and fig.get_suptitle() == "CAM"
    assert bar.yaxis.label.get_fontsize() == 12 and all(t.get_fontsize() == 12 for t in bar.get_yticklabels())
    plain = cv.plot.cam_overlay(x, torch.rand(8, 8), lite)  # the default keeps 9/8 points
    assert plain.axes[0].title.get_fontsize() == 9 and plain.axes[-1].yaxis.label.get_fontsize() == 8
    with pytest.raises(ValueError, match="fontsize"):
        cv.plot.cam_overlay(x, torch.rand(8, 8), lite, fontsize=0)
    panel = cv.widgets.cam_panel(fontsize=13)
    assert panel.last_error == "" and panel.last_result.axes[1].title.get_fontsize() == 13


def test_cam_panel_says_the_map_is_upsampled():
    panel = cv.widgets.cam_panel()
    assert panel.last_error == ""
    assert panel.last_result.axes[1].get_title() == "CAM, 7x7 upsampled to 224"


def test_cam_row_fontsize_sets_titles_and_labels_for_projection(lite):
    """fontsize= enlarges the panel titles, the colour bar's label and ticks and the box labels
    (one point smaller); the default keeps the old 9/8 point sizes."""
    x = lite.preprocess(cv.sample_image("drums_and_guitar"), size=32)
    maps = [torch.rand(4, 4), torch.rand(4, 4)]
    big = cv.plot.cam_row(lite, x, maps, ["a", "b"], scale="signed", boxes={"thing": [(2, 2, 20, 20)]}, fontsize=14, suptitle="row")
    bar = [ax for ax in big.axes if ax.get_label() == "<colorbar>"][0]
    assert [ax.title.get_fontsize() for ax in big.axes[:3]] == [14, 14, 14]
    assert bar.yaxis.label.get_fontsize() == 13 and bar.get_yticklabels()[0].get_fontsize() == 13
    assert big.axes[0].texts[0].get_fontsize() == 13 and big.get_suptitle() == "row"
    plain = cv.plot.cam_row(lite, x, maps, ["a", "b"])
    assert plain.axes[1].title.get_fontsize() == 9
    with pytest.raises(ValueError, match="fontsize"):
        cv.plot.cam_row(lite, x, maps, ["a", "b"], fontsize=0)


def test_cam_row_peak_cross_stays_inside_its_panel_and_legend_names_the_boxes(lite):
    x = torch.rand(1, 3, 64, 64)
    corner = torch.zeros(64, 64)
    corner[0, 0] = 1.0  # maximum on the image's corner
    inner = torch.zeros(64, 64)
    inner[30, 40] = 1.0
    boxes = {"guitar": [(2, 2, 20, 20)], "drum kit": [(30, 30, 60, 60)]}
    fig = cv.plot.cam_row(lite, x, [corner, inner], ["corner", "inner"], peaks=True, boxes=boxes, legend=True)
    crosses = [[ln.get_xydata()[0] for ln in ax.lines] for ax in fig.axes[1:3]]
    for xs, ys in (c for panel in crosses for c in panel[:1]):
        assert 0.04 * 64 - 0.5 <= xs <= 64 - 0.5 - 0.04 * 64 and 0.04 * 64 - 0.5 <= ys
    assert tuple(crosses[0][0]) == (0.04 * 64 - 0.5, 0.04 * 64 - 0.5)  # inset from the edge
    assert tuple(crosses[1][0]) == (40.0, 30.0)  # away from the edge: on the pixel
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels == ["guitar", "drum kit", "map's maximum"]  # the cross is named when peaks are drawn
    plain = cv.plot.cam_row(lite, x, [inner], ["inner"], boxes=boxes, legend=True)
    assert [t.get_text() for t in plain.legends[0].get_texts()] == ["guitar", "drum kit"]  # no cross, no entry
    assert not cv.plot.cam_row(lite, x, [inner], ["inner"], boxes=boxes).legends  # default: no legend
