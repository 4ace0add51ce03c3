import numpy as np
import pytest
import torch
from torch import nn
from matplotlib.figure import Figure

import cnnviz_lab as cv
from cnnviz_lab.plot import normalize_map, overlay, reduce_channels


def test_normalize_map_modes():
    m = torch.tensor([[-2.0, 0.0], [1.0, 4.0]])
    np.testing.assert_allclose(normalize_map(m), [[0, 1 / 3], [0.5, 1]], atol=1e-6)
    np.testing.assert_allclose(normalize_map(m, "positive"), [[0, 0], [0.25, 1]])
    np.testing.assert_allclose(normalize_map(m, "negative"), [[1, 0], [0, 0]])
    np.testing.assert_allclose(normalize_map(m, "signed"), [[-0.5, 0], [0.25, 1]])
    for mode in ("minmax", "abs", "positive", "negative", "signed"):
        out = normalize_map(torch.full((3, 3), 2.5), mode) if mode != "minmax" else normalize_map(torch.zeros(3, 3))
        assert np.isfinite(out).all()
    assert normalize_map(torch.zeros(4, 4), "abs").max() == 0


def test_reduce_channels_absmax_is_simonyan():
    g = torch.tensor([[[1.0]], [[-3.0]], [[2.0]]])
    assert reduce_channels(g).item() == 3.0
    assert reduce_channels(g, "sum").item() == 0.0


def test_overlay_shape_and_range(lite, cat_x):
    out = overlay(cat_x, torch.rand(7, 7), classifier=lite)
    assert out.shape == (224, 224, 3) and 0 <= out.min() and out.max() <= 1


def test_figures(lite, cat_x):
    for fig in (
        cv.plot.filters(lite),
        cv.plot.filters(lite, "blocks.2.depthwise.conv"),
        cv.plot.filters(lite, "blocks.1.project.conv"),
        cv.plot.feature_maps(lite, cat_x, "blocks.3", channels=[0, 5]),
        cv.plot.predictions(lite, cat_x),
        cv.plot.augmentations(lite, cv.sample_image("cat")),
    ):
        assert isinstance(fig, Figure) and fig.axes
    with pytest.raises(ValueError, match="not a Conv2d"):
        cv.plot.filters(lite, "blocks.2")
    with pytest.raises(IndexError, match="channels"):
        cv.plot.feature_maps(lite, cat_x, "blocks.0", channels=[99])
    assert cv.hook_count(lite) == 0


def test_predictions_title_defaults_to_the_model_name(lite, cat_x):
    default = cv.plot.predictions(lite, cat_x, k=3)
    assert default.axes[1].get_title() == f"{cv.title_name(lite)}: top-3"
    assert cv.plot.predictions(lite, cat_x, title="EfficientNet-Lite0: top-5").axes[1].get_title() == "EfficientNet-Lite0: top-5"
    with pytest.raises(TypeError, match="title"):
        cv.plot.predictions(lite, cat_x, title=5)


def test_filters_draw_1x1_kernels_as_a_matrix_not_tiles(lite):
    conv = cv.get_layer(lite, "blocks.1.project.conv")
    fig = cv.plot.filters(lite, "blocks.1.project.conv")
    images = [im for ax in fig.axes for im in ax.get_images()]
    assert len(images) == 1  # one matrix, never 1x1 tiles
    np.testing.assert_array_equal(images[0].get_array(), conv.weight.detach()[:, :, 0, 0].numpy())
    assert "24x96 matrix" in fig.axes[0].get_title()
    lim = float(conv.weight.abs().max())
    assert images[0].get_clim() == pytest.approx((-lim, lim))  # zero is the middle of the scale
    fig = cv.plot.filters(lite, "blocks.1.project.conv", max_filters=5, title="mine")
    assert fig.axes[0].get_images()[0].get_array().shape == (5, 96) and fig.axes[0].get_title() == "mine"


def test_filters_draw_depthwise_kernels_on_one_signed_scale(lite):
    w = cv.get_layer(lite, "blocks.3.depthwise.conv").weight.detach()
    fig = cv.plot.filters(lite, "blocks.3.depthwise.conv", max_filters=10)
    images = [im for ax in fig.axes for im in ax.get_images()]
    assert len(images) == 10 and all(im.get_array().shape == (5, 5) for im in images)
    np.testing.assert_allclose(images[3].get_array(), w[3, 0].numpy())
    lim = float(w[:10].abs().max())
    assert all(im.get_clim() == pytest.approx((-lim, lim)) for im in images)


def test_achromatic_share_by_hand():
    conv = nn.Conv2d(3, 3, 2, bias=False)
    with torch.no_grad():
        conv.weight.zero_()
        conv.weight[0] = 1.0  # R = G = B: all brightness
        conv.weight[1, 0], conv.weight[1, 1] = 1.0, -1.0  # red against green: no brightness
        conv.weight[2, 0] = 1.0  # red alone: a third is brightness
    share = cv.plot.achromatic_share(nn.Sequential(conv))
    torch.testing.assert_close(share, torch.tensor([1.0, 0.0, 1 / 3]))
    with pytest.raises(ValueError, match="not RGB"):
        cv.plot.achromatic_share(nn.Sequential(conv, nn.Conv2d(3, 4, 1), nn.Conv2d(4, 2, 1)), "2")


def test_predictions_image_title(lite, cat_x):
    fig = cv.plot.predictions(lite, cat_x, k=3, image_title="network input")
    assert fig.axes[0].get_title() == "network input" and cv.plot.predictions(lite, cat_x, k=3).axes[0].get_title() == ""
    with pytest.raises(TypeError, match="image_title"):
        cv.plot.predictions(lite, cat_x, image_title=3)


def test_mean_kernel_by_hand():
    conv = nn.Conv2d(1, 3, 3, bias=False)
    with torch.no_grad():
        conv.weight.zero_()
        conv.weight[0, 0, 1, 1] = 2.0  # all of kernel 0 in the centre
        conv.weight[1, 0, 0, 0] = -1.0  # kernel 1: half in the top-left corner
        conv.weight[1, 0, 0, 1] = 3.0  # and half in the top middle; kernel 2 is all zero (left out)
    m = cv.plot.mean_kernel(nn.Sequential(conv), "0")
    expected = torch.zeros(3, 3)
    expected[1, 1], expected[0, 0], expected[0, 1] = 4.5, 9 * 0.25 / 2, 9 * 0.75 / 2
    torch.testing.assert_close(m, expected)
    fig = cv.plot.mean_kernels(nn.Sequential(conv, nn.Conv2d(3, 2, 5, stride=2)), ["0", "1"])
    assert [ax.get_title() for ax in fig.axes[:2]] == ["0\n3x3, stride 1", "1\n5x5, stride 2"]
    with pytest.raises(TypeError, match="layers"):
        cv.plot.mean_kernels(nn.Sequential(conv), "0")
    with pytest.raises(ValueError, match="fontsize"):
        cv.plot.mean_kernels(nn.Sequential(conv), ["0"], fontsize=0)
    with torch.no_grad():
        conv.weight.zero_()
    with pytest.raises(ValueError, match="layer"):
        cv.plot.mean_kernel(nn.Sequential(conv), "0")


def test_kernel_centres_by_hand():
    conv = nn.Conv2d(1, 3, 3, bias=False)
    with torch.no_grad():
        conv.weight.zero_()
        conv.weight[0, 0, 1, 1] = 2.0  # the centre
        conv.weight[1, 0, 0, 0] = -1.0  # the top-left corner
        conv.weight[1, 0, 0, 1] = 1.0  # and the top middle
    c = cv.plot.kernel_centres(nn.Sequential(conv), "0")
    torch.testing.assert_close(c[:2], torch.tensor([[0.0, 0.0], [-1.0, -0.5]]))
    assert torch.isnan(c[2]).all()  # an all-zero kernel has no centre


def test_map_correlation_is_pearson_of_the_absmax_maps():
    gen = torch.Generator().manual_seed(0)
    a, b = torch.randn(3, 6, 5, generator=gen), torch.randn(3, 6, 5, generator=gen)
    ma, mb = a.abs().amax(0).flatten(), b.abs().amax(0).flatten()
    expected = torch.corrcoef(torch.stack([ma, mb]))[0, 1].item()
    assert cv.plot.map_correlation(a, b) == pytest.approx(expected, abs=1e-6)
    assert cv.plot.map_correlation(a[None], -2 * a) == pytest.approx(1.0)  # |.|: sign and scale drop out
    assert cv.plot.map_correlation(a, torch.ones(3, 6, 5)) == 0.0  # a constant map: no ranking
    with pytest.raises(ValueError, match="same size"):
        cv.plot.map_correlation(a, torch.randn(3, 4, 4))


def test_widget_panel_redraws_on_change():
    panel = cv.widgets.feature_map_panel()
    seen = []
    panel.render = lambda **values: seen.append(values) or Figure()
    panel.controls["layer"].value = panel.controls["layer"].options[0]
    panel.controls["channels"].value = (2, 5)
    assert [v["layer"] for v in seen][-1] == panel.controls["layer"].options[0]
    assert seen[-1]["channels"] == (2, 5)
    assert cv.hook_count(cv.widgets.cached_model("efficientnet_lite0")) == 0


def test_panel_draws_once_when_a_control_updates_another():
    import ipywidgets as W

    from cnnviz_lab.widgets import Panel

    image = W.Dropdown(options=["cat", "coffee"], value="cat")
    klass = W.Dropdown(options=["tabby"], value="tabby")
    image.observe(lambda c: setattr(klass, "options", ["espresso"] if c["new"] == "coffee" else ["tabby"]), names="value")
    calls = []
    panel = Panel({"image": image, "klass": klass}, lambda image, klass: calls.append((image, klass)))
    image.value = "coffee"  # refreshes the class menu (one redraw), then the image observer fires
    assert calls == [("cat", "tabby"), ("coffee", "espresso")]
    panel.update(force=True)  # a run button always recomputes
    assert calls[-1] == ("coffee", "espresso") and len(calls) == 3


def test_filter_measures_refuse_a_model_without_convolutions():
    with pytest.raises(ValueError, match="no Conv2d"):
        cv.plot.achromatic_share(torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(4, 2)))


def test_filters_on_a_shared_scale_keep_grey_grey_and_zero_mid_grey():
    conv = torch.nn.Conv2d(3, 2, 2, bias=False)
    with torch.no_grad():
        conv.weight.zero_()
        conv.weight[0] = 0.1  # R = G = B everywhere: achromatic, weak
        conv.weight[1, 0, 0, 0] = 0.4  # one red weight, the layer's largest
        conv.weight[1, 1, 0, 0] = -0.4  # against green: colour-opponent
    model = torch.nn.Sequential(conv)
    before = conv.weight.clone()
    fig = cv.plot.filters(model, scale="shared", show_share=True)
    tiles = [im.get_array() for ax in fig.axes for im in ax.get_images()]
    assert np.allclose(tiles[0], 0.5 + 0.1 / 0.8)  # grey, not stretched to black/white
    assert np.allclose(tiles[1][0, 0], [1.0, 0.0, 0.5]) and np.allclose(tiles[1][1, 1], 0.5)
    titles = [ax.get_title() for ax in fig.axes if ax.get_images()]
    assert titles == ["0: 1.00", "1: 0.00"]  # the achromatic shares
    stretched = [im.get_array() for ax in cv.plot.filters(model).axes for im in ax.get_images()]
    assert np.allclose(stretched[0], 0.0)  # each: a flat filter has no range
    assert torch.equal(conv.weight, before)
    with pytest.raises(ValueError, match="scale"):
        cv.plot.filters(model, scale="per-tile")
    deeper = torch.nn.Sequential(torch.nn.Conv2d(4, 2, 3))
    with pytest.raises(ValueError, match="show_share"):
        cv.plot.filters(deeper, show_share=True)


def test_feature_maps_on_a_shared_scale_compare_channels(lite, cat_x):
    fig = cv.plot.feature_maps(lite, cat_x, "blocks.1", channels=[0, 1, 2], scale="shared")
    images = [im for ax in fig.axes for im in ax.get_images()]
    act = cv.activations(lite, cat_x, "blocks.1")[0, :3]
    assert len(images) == 3 and all(im.get_clim() == images[0].get_clim() for im in images)
    assert np.allclose(images[0].get_clim(), (act.min().item(), act.max().item()), atol=1e-5)
    assert any(ax.get_label() == "<colorbar>" for ax in fig.axes)
    each = cv.plot.feature_maps(lite, cat_x, "blocks.1", channels=[0, 1, 2])
    assert len({im.get_clim() for ax in each.axes for im in ax.get_images()}) == 3
    with pytest.raises(ValueError, match="scale"):
        cv.plot.feature_maps(lite, cat_x, "blocks.1", scale="global")
    assert cv.hook_count(lite) == 0


def test_feature_maps_signed_scale_is_centred_on_zero(lite, cat_x):
    fig = cv.plot.feature_maps(lite, cat_x, "blocks.1", channels=range(4), scale="signed")
    images = [im for ax in fig.axes for im in ax.get_images()]
    act = cv.activations(lite, cat_x, "blocks.1")[0, :4]
    lim = act.abs().max().item()
    assert len(images) == 4 and all(np.allclose(im.get_clim(), (-lim, lim), atol=1e-5) for im in images)
    assert images[0].get_cmap().name == "RdBu_r"
    assert "channels 0-3 of 24" in fig._suptitle.get_text()
    assert cv.hook_count(lite) == 0


def test_signed_maps_sum_over_rgb_on_a_symmetric_scale():
    a = torch.zeros(3, 8, 8)
    a[0, :4] = 1.0
    a[1, 4:] = -2.0
    fig = cv.plot.signed_maps(torch.rand(3, 8, 8), {"m": a}, percentile=100)
    (im,) = fig.axes[1].get_images()
    assert np.allclose(im.get_clim(), (-2.0, 2.0))
    assert np.allclose(im.get_array()[:4], 1.0) and np.allclose(im.get_array()[4:], -2.0)
    with pytest.raises(TypeError, match="attributions"):
        cv.plot.signed_maps(torch.rand(3, 8, 8), {})


def test_signed_maps_outline_the_boxes_on_every_panel():
    boxes = {"thing": [(1, 1, 4, 5), (5, 5, 8, 8)], "other": [(0, 0, 2, 2)]}
    fig = cv.plot.signed_maps(torch.rand(3, 8, 8), {"a": torch.randn(3, 8, 8), "b": torch.randn(3, 8, 8)}, boxes=boxes)
    panels = [ax for ax in fig.axes if ax.images and ax.get_label() != "<colorbar>"]
    assert len(panels) == 3 and all(len(ax.patches) == 3 for ax in panels)
    first = panels[0].patches[0]
    # along pixel edges: pixel i is centred on i, so box (1, 1, 4, 5) covers pixels 1..3 x 1..4
    assert (first.get_x(), first.get_y(), first.get_width(), first.get_height()) == (0.5, 0.5, 3, 4)
    assert [t.get_text() for t in panels[0].get_legend().get_texts()] == ["thing", "other"]


def test_feature_maps_clip_ends_the_scale_at_a_percentile(lite, cat_x):
    act = cv.activations(lite, cat_x, "blocks.1")[0, :4].numpy()
    fig = cv.plot.feature_maps(lite, cat_x, "blocks.1", channels=range(4), scale="signed", clip=99)
    lim = float(np.percentile(np.abs(act), 99))
    images = [im for ax in fig.axes for im in ax.get_images()]
    assert lim < np.abs(act).max() and all(np.allclose(im.get_clim(), (-lim, lim), atol=1e-4) for im in images)
    assert "99th percentile" in fig._suptitle.get_text()
    shared = cv.plot.feature_maps(lite, cat_x, "blocks.1", channels=range(4), scale="shared", clip=90)
    lo, hi = shared.axes[0].get_images()[0].get_clim()
    assert np.isclose(lo, act.min(), atol=1e-5) and np.isclose(hi, np.percentile(act, 90), atol=1e-4)
    for bad, err in ((0, ValueError), (101, ValueError), ("99", TypeError), (True, TypeError)):
        with pytest.raises(err, match="clip"):
            cv.plot.feature_maps(lite, cat_x, "blocks.1", channels=[0], scale="signed", clip=bad)
    with pytest.raises(ValueError, match="clip"):
        cv.plot.feature_maps(lite, cat_x, "blocks.1", channels=[0], clip=99)
    assert cv.hook_count(lite) == 0


def test_feature_maps_fontsize_sizes_the_labels_and_splits_the_title(lite, cat_x):
    plain = cv.plot.feature_maps(lite, cat_x, "blocks.1", channels=range(4), scale="signed")
    assert plain.axes[0].title.get_fontsize() == 8 and "\n" not in plain._suptitle.get_text()
    big = cv.plot.feature_maps(lite, cat_x, "blocks.1", channels=range(4), scale="signed", fontsize=12)
    tiles = [ax for ax in big.axes if ax.get_images() and ax.get_label() != "<colorbar>"]
    assert len(tiles) == 4 and all(ax.title.get_fontsize() == 12 for ax in tiles)
    bar = next(ax for ax in big.axes if ax.get_label() == "<colorbar>")
    assert bar.yaxis.label.get_fontsize() == 12
    first, second = big._suptitle.get_text().split("\n")
    assert "channels 0-3 of 24" in first and second == "one colour scale centred on zero" and big._suptitle.get_fontsize() == 13
    with pytest.raises(ValueError, match="fontsize"):
        cv.plot.feature_maps(lite, cat_x, "blocks.1", channels=[0], fontsize=2)
    with pytest.raises(TypeError, match="fontsize"):
        cv.plot.feature_maps(lite, cat_x, "blocks.1", channels=[0], fontsize="big")
    assert cv.hook_count(lite) == 0


def test_feature_maps_auto_scale_is_signed_only_for_maps_with_both_signs(lite, cat_x):
    signed = cv.plot.feature_maps(lite, cat_x, "blocks.1", channels=range(4), scale="auto")
    assert signed.axes[0].get_images()[0].get_cmap().name == "RdBu_r"
    relu6 = cv.plot.feature_maps(lite, cat_x, "head", channels=range(4), scale="auto")
    act = cv.activations(lite, cat_x, "head")[0, :4]
    (im,) = relu6.axes[0].get_images()
    assert im.get_cmap().name == "viridis" and np.allclose(im.get_clim(), (act.min().item(), act.max().item()), atol=1e-5)


def test_filters_highlight_frames_the_named_depthwise_tiles(lite):
    fig = cv.plot.filters(lite, "blocks.3.depthwise.conv", max_filters=8, highlight=[2])
    tiles = [ax for ax in fig.axes if ax.get_images() and ax.get_label() != "<colorbar>"]
    framed = [ax for ax in tiles if ax.axison]
    assert len(tiles) == 8 and [ax.get_title() for ax in framed] == ["2"]
    assert framed[0].title.get_fontweight() == "bold"
    with pytest.raises(ValueError, match="highlight"):
        cv.plot.filters(lite, "blocks.3.depthwise.conv", max_filters=8, highlight=[8])
    with pytest.raises(ValueError, match="highlight"):
        cv.plot.filters(lite, highlight=[0])
    with pytest.raises(TypeError, match="highlight"):
        cv.plot.filters(lite, "blocks.3.depthwise.conv", highlight="2")


def test_filters_label_switched_off_filters_off_not_with_a_share():
    conv = torch.nn.Conv2d(3, 3, 2, bias=False)
    with torch.no_grad():
        conv.weight.zero_()
        conv.weight[0] = 0.1  # achromatic
        conv.weight[2] = 1e-9  # switched off: its share would be 1.00 by rounding
    fig = cv.plot.filters(torch.nn.Sequential(conv), scale="shared", show_share=True)
    assert [ax.get_title() for ax in fig.axes if ax.get_images()] == ["0: 1.00", "1: off", "2: off"]


def test_filters_frame_inputs_frames_and_names_matrix_columns(lite):
    fig = cv.plot.filters(lite, "blocks.1.project.conv", frame_inputs=[79])
    ax = fig.axes[0]
    (frame,) = ax.patches
    assert frame.get_x() == pytest.approx(78.5) and frame.get_width() == 1 and frame.get_height() == 24
    labels = {t.get_text(): t.get_fontweight() for t in ax.get_xticklabels()}
    assert labels["79"] == "bold" and "80" not in labels  # no tick crowds the framed one
    assert not cv.plot.filters(lite, "blocks.1.project.conv").axes[0].patches
    with pytest.raises(ValueError, match="frame_inputs"):
        cv.plot.filters(lite, "blocks.1.project.conv", frame_inputs=[96])
    with pytest.raises(ValueError, match="frame_inputs"):
        cv.plot.filters(lite, "blocks.3.depthwise.conv", frame_inputs=[0])
    with pytest.raises(TypeError, match="frame_inputs"):
        cv.plot.filters(lite, "blocks.1.project.conv", frame_inputs="79")


def test_predictions_axis_ends_at_probability_one():
    class Sure(torch.nn.Module):
        def forward(self, x):
            logits = torch.zeros(len(x), 10)
            logits[:, 3] = 7.0  # softmax: e^7 / (e^7 + 9) = 99.2 % on class 3
            return logits

    clf = cv.wrap_model(Sure(), input_size=8, cam_layer="none", device="cpu")
    fig = cv.plot.predictions(clf, torch.zeros(1, 3, 8, 8), k=3)
    ax = fig.axes[1]
    assert ax.get_xlim() == (0, 1)
    shown = [t for t in ax.texts if t.get_text()]
    assert [t.get_text() for t in shown if t.get_color() == "white"] == ["99.2%"]  # inside its bar


def test_inversions_titles_take_a_fontsize():
    target = torch.rand(1, 3, 16, 16)
    fig = cv.plot.inversions(target, {"blocks.1": torch.rand(1, 3, 16, 16)}, {"blocks.1": 0.5}, fontsize=13)
    assert [ax.get_title() for ax in fig.axes] == ["original", "blocks.1\nd=0.50"]
    assert all(ax.title.get_fontsize() == 13 for ax in fig.axes)
    assert cv.plot.inversions(target, {"a": target}).axes[1].title.get_fontsize() == 9
    with pytest.raises(ValueError, match="fontsize"):
        cv.plot.inversions(target, {"a": target}, fontsize=-1)
