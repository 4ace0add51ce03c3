"""The tools notebook 02 uses to check a render: the effective receptive field, dataset
examples, the feature correlation between renders, and their figures."""

import numpy as np
import pytest
import torch
from PIL import Image
from torch import nn

import cnnviz_lab as cv
from cnnviz_lab.optvis import dataset_examples, effective_receptive_field


def ones_convs(n: int) -> nn.Module:
    """``n`` stacked 3x3 convolutions with all weights 1 and no bias: linear, so the gradient
    of the centre unit is the number of paths from each input pixel to it."""
    layers = [nn.Conv2d(3 if i == 0 else 1, 1, 3, padding=1, bias=False) for i in range(n)]
    for conv in layers:
        nn.init.ones_(conv.weight)
    return nn.Sequential(*layers).eval()


def test_effective_receptive_field_counts_paths_on_a_linear_net():
    one = effective_receptive_field(ones_convs(1), "0", channel=0, size=9, samples=2)
    expected = torch.zeros(9, 9)
    expected[3:6, 3:6] = 1.0  # one 3x3 window of weight 1 around the centre
    assert torch.allclose(one, expected)
    two = effective_receptive_field(ones_convs(2), "1", size=9, samples=1)
    paths = torch.tensor([1.0, 2, 3, 2, 1])  # two 3x3 windows: a 5x5 pyramid of path counts
    expected = torch.zeros(9, 9)
    expected[2:7, 2:7] = torch.outer(paths, paths) / 9
    assert torch.allclose(two, expected)


def test_effective_receptive_field_leaves_the_model_alone_and_checks_its_input():
    net = ones_convs(2).train()
    before = {k: v.clone() for k, v in net.state_dict().items()}
    effective_receptive_field(net, "1", channel=0, size=8)
    assert net.training and all(p.grad is None for p in net.parameters())
    assert all(torch.equal(v, net.state_dict()[k]) for k, v in before.items())
    assert cv.hook_count(net) == 0
    with pytest.raises(ValueError, match="channel"):
        effective_receptive_field(net, "1", channel=1, size=8)
    with pytest.raises(ValueError, match="samples"):
        effective_receptive_field(net, "1", size=8, samples=0)
    with pytest.raises((ValueError, TypeError), match="layer"):
        effective_receptive_field(net, "nope")


def _photo(y: int, x: int, value: int) -> Image.Image:
    arr = np.zeros((16, 16, 3), np.uint8)
    arr[y, x] = value
    return Image.fromarray(arr)


def test_dataset_examples_find_the_strongest_position_and_cut_the_patch_around_it():
    net = nn.Conv2d(3, 1, 1, bias=False).eval()  # the sum of the three colours
    nn.init.ones_(net.weight)
    photos = [_photo(4, 5, 100), _photo(10, 2, 255), _photo(8, 8, 50)]
    ex = dataset_examples(net, "", 0, photos, k=2, patch=4, size=16)
    assert ex.sources == [1, 0]
    assert torch.allclose(ex.values, torch.tensor([3.0, 300 / 255]), atol=1e-5)
    assert ex.patches.shape == (2, 3, 4, 4)
    # the patch is centred on the bright pixel: it sits at offset (2, 2) of the 4x4 patch
    assert torch.allclose(ex.patches[0, :, 2, 2], torch.ones(3)) and ex.patches[0].sum() == 3
    assert torch.allclose(ex.image_means, torch.tensor([300, 765, 150]) / 255 / 256, atol=1e-6)


def test_dataset_examples_pad_with_grey_at_the_border_and_check_input():
    net = nn.Conv2d(3, 1, 1, bias=False).eval()
    nn.init.ones_(net.weight)
    ex = dataset_examples(net, "", 0, [_photo(0, 0, 255)], k=1, patch=4, size=16)
    assert torch.allclose(ex.patches[0, :, 0, 0], torch.full((3,), 0.5))  # beyond the image: grey
    assert torch.allclose(ex.patches[0, :, 2, 2], torch.ones(3))
    with pytest.raises(ValueError, match="k"):
        dataset_examples(net, "", 0, [_photo(0, 0, 255)], k=2)
    with pytest.raises(ValueError, match="channel"):
        dataset_examples(net, "", 3, [_photo(0, 0, 255)], k=1, size=16)
    with pytest.raises(TypeError, match="images"):
        dataset_examples(net, "", 0, "cat")


def test_difference_can_saturate_at_a_percentile(tiny):
    start = torch.rand(1, 3, 16, 16, generator=torch.Generator().manual_seed(0))
    res = cv.maximize(tiny, "conv2:1", size=16, steps=2, seed=0, param="pixel", image=start, l2_weight=10.0)
    fig = cv.plot.difference(res, clip_percentile=90)
    size = [im for ax in fig.axes for im in ax.get_images() if im.get_array().ndim == 2][0]
    mag = (res.tensor - res.start).pow(2).sum(1).sqrt()[0].numpy()
    assert np.isclose(size.get_clim()[1], np.percentile(mag, 90), atol=1e-6)
    assert any("90th percentile" in ax.get_title() for ax in fig.axes)
    with pytest.raises(ValueError, match="clip_percentile"):
        cv.plot.difference(res, clip_percentile=0)


def test_score_history_draws_a_running_mean_and_marks_a_step():
    h = torch.arange(12.0)
    fig = cv.plot.score_history(h, smooth=4, mark_step=3)
    lines = fig.axes[0].get_lines()
    assert len(lines) == 3  # raw, running mean, marker
    assert np.allclose(lines[1].get_ydata(), np.arange(1.5, 10, 1.0))  # mean of 4 consecutive steps
    assert np.allclose(lines[1].get_xdata(), np.arange(3, 12))
    assert list(lines[2].get_xdata()) == [3, 3]
    with pytest.raises(ValueError, match="smooth"):
        cv.plot.score_history(h, smooth=0)


def test_renderings_sets_the_titles_font_size_only_when_asked():
    images = torch.rand(2, 3, 8, 8)
    default = cv.plot.renderings(images, ["a", "b"])
    big = cv.plot.renderings(images, ["a", "b"], fontsize=15)
    assert [ax.title.get_fontsize() for ax in big.axes if ax.get_title()] == [15, 15]
    assert {ax.title.get_fontsize() for ax in default.axes if ax.get_title()} != {15}
    with pytest.raises(ValueError, match="fontsize"):
        cv.plot.renderings(images, ["a", "b"], fontsize=0)


def test_score_history_labels_the_2s_and_5s_of_a_log_axis():
    h = torch.linspace(1.5, 0.15, 30)
    fig = cv.plot.score_history(h, log_y=True)
    fig.canvas.draw()
    ax = fig.axes[0]
    lo, hi = ax.get_ylim()
    minor = {float(t.get_text()) for t in ax.yaxis.get_minorticklabels() if t.get_text() and lo <= float(t.get_text()) <= hi}
    major = {t.get_text() for t in ax.yaxis.get_majorticklabels() if t.get_text()}
    assert minor == {0.2, 0.5} and {"0.1", "1"} & major  # 0.2 and 0.5 readable between 0.1 and 1
    linear = cv.plot.score_history(h)
    linear.canvas.draw()
    assert not [t for t in linear.axes[0].yaxis.get_minorticklabels() if t.get_text()]


def test_renderings_draws_a_cell_grid_on_the_panels_asked():
    images = torch.rand(2, 3, 64, 64)
    fig = cv.plot.renderings(images, ["a", "b"], grid=[32, None])
    a, b = fig.axes[:2]
    vertical, horizontal = a.get_lines()  # one line each way at 32 pixels (pixel centres at integers)
    assert list(vertical.get_xdata()) == [31.5, 31.5] and list(horizontal.get_ydata()) == [31.5, 31.5]
    assert not b.get_lines()
    assert len(cv.plot.renderings(images, grid=16).axes[1].get_lines()) == 6  # 3 + 3 lines on every panel
    for bad in (0, [32], "32", [32, 1.5], True):
        with pytest.raises(ValueError, match="grid"):
            cv.plot.renderings(images, grid=bad)


def test_renderings_outlines_a_box_on_the_panels_asked():
    images = torch.rand(2, 3, 64, 64)
    fig = cv.plot.renderings(images, ["a", "b"], box=[(14, 22, 62, 70), None])
    a, b = fig.axes[:2]
    assert len(a.patches) == 2 and not b.patches  # a black and a white outline, on the first panel only
    r = a.patches[-1]
    assert (r.get_x(), r.get_y(), r.get_width(), r.get_height()) == (13.5, 21.5, 48, 48)
    assert all(len(ax.patches) == 2 for ax in cv.plot.renderings(images, box=(0, 0, 8, 8)).axes[:2])
    for bad in ((0, 0, 8), [(0, 0, 8, 8)], (8, 0, 0, 8), [0, 0, 8, 8], (0, 0, 8.0, 8), "box"):
        with pytest.raises(ValueError, match="box"):
            cv.plot.renderings(images, box=bad)


def test_score_history_draws_one_curve_per_column_with_the_given_y_label():
    h = torch.stack([torch.arange(6.0), 10 - torch.arange(6.0)], 1)  # two runs side by side
    fig = cv.plot.score_history(h, ["a", "b"], ylabel="loss")
    ax = fig.axes[0]
    assert ax.get_ylabel() == "loss" and cv.plot.score_history(h).axes[0].get_ylabel() == "score"
    assert [list(line.get_ydata()) for line in ax.get_lines()] == [list(range(6)), list(range(10, 4, -1))]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a", "b"]
    with pytest.raises(TypeError, match="ylabel"):
        cv.plot.score_history(h, ylabel=3)


def test_score_history_log_axis_size_and_legend_font_on_request():
    h = torch.stack([torch.linspace(1, 0.1, 20), torch.linspace(0.5, 0.05, 20)], 1)
    fig = cv.plot.score_history(h, ["a", "b"], smooth=5, log_y=True, figsize=(9, 4.5), fontsize=12)
    ax = fig.axes[0]
    assert ax.get_yscale() == "log" and cv.plot.score_history(h).axes[0].get_yscale() == "linear"
    assert tuple(fig.get_size_inches()) == (9, 4.5)
    assert {t.get_fontsize() for t in ax.get_legend().get_texts()} == {12} and ax.title.get_fontsize() == 14
    with pytest.raises(ValueError, match="log_y"):
        cv.plot.score_history(-h, log_y=True)
    with pytest.raises(ValueError, match="figsize"):
        cv.plot.score_history(h, figsize=(0, 3))


def test_receptive_map_shows_the_render_beside_the_map_with_a_colour_bar():
    fig = cv.plot.receptive_map(torch.rand(1, 3, 8, 8), torch.rand(8, 8), ["a", "b"])
    assert [ax.get_title() for ax in fig.axes[:2]] == ["a", "b"]
    assert any(ax.get_label() == "<colorbar>" for ax in fig.axes)
    with pytest.raises(ValueError, match="erf"):
        cv.plot.receptive_map(torch.rand(3, 8, 8), torch.rand(1, 8, 8))


def test_receptive_map_saturates_at_the_stated_percentile():
    erf = torch.linspace(0, 1, 100).reshape(10, 10)
    fig = cv.plot.receptive_map(torch.rand(3, 10, 10), erf, clip_percentile=90)
    im = fig.axes[1].get_images()[0]
    assert np.isclose(im.get_clim()[1], np.percentile(erf.numpy(), 90))
    assert any("90th percentile" in ax.get_ylabel() for ax in fig.axes)
    with pytest.raises(ValueError, match="clip_percentile"):
        cv.plot.receptive_map(torch.rand(3, 10, 10), erf, clip_percentile=101)


def test_feature_correlation_ignores_where_the_motif_sits():
    net = nn.Sequential(nn.Conv2d(3, 6, 3, padding=1, padding_mode="circular"), nn.ReLU()).eval()
    gen = torch.Generator().manual_seed(0)
    a, c = torch.rand(2, 3, 12, 12, generator=gen), torch.rand(2, 3, 12, 12, generator=gen)
    shifted = torch.roll(a, (5, 2), (-2, -1))  # a circular conv: the same channel means
    assert torch.allclose(cv.optvis.feature_correlation(net, "1", a, shifted), torch.ones(2), atol=1e-5)
    # by hand: the Pearson correlation of the channel means
    ma = cv.activations(net, a, "1").mean((2, 3))
    mc = cv.activations(net, c, "1").mean((2, 3))
    by_hand = torch.stack([torch.corrcoef(torch.stack([ma[i], mc[i]]))[0, 1] for i in range(2)])
    assert torch.allclose(cv.optvis.feature_correlation(net, "1", a, c), by_hand, atol=1e-5)
    with pytest.raises(ValueError, match="same number"):
        cv.optvis.feature_correlation(net, "1", a, c[:1])
    with pytest.raises(TypeError, match="a must"):
        cv.optvis.feature_correlation(net, "1", a[0], c)


def test_feature_correlation_can_leave_out_channels():
    net = nn.Sequential(nn.Conv2d(3, 6, 3, padding=1), nn.ReLU()).eval()
    gen = torch.Generator().manual_seed(1)
    a, c = torch.rand(1, 3, 12, 12, generator=gen), torch.rand(1, 3, 12, 12, generator=gen)
    ma, mc = (cv.activations(net, x, "1").mean((2, 3))[0] for x in (a, c))
    keep = [0, 1, 3, 5]  # channels 2 and 4 left out
    by_hand = torch.corrcoef(torch.stack([ma[keep], mc[keep]]))[0, 1]
    got = cv.optvis.feature_correlation(net, "1", a, c, exclude=[2, 4])
    assert torch.allclose(got, by_hand.reshape(1), atol=1e-5)
    one = torch.corrcoef(torch.stack([ma[[0, 1, 2, 4, 5]], mc[[0, 1, 2, 4, 5]]]))[0, 1]
    assert torch.allclose(cv.optvis.feature_correlation(net, "1", a, c, exclude=3), one.reshape(1), atol=1e-5)
    for bad in (6, [-1], "2", [0, 1, 2, 3, 4]):
        with pytest.raises(ValueError, match="exclude"):
            cv.optvis.feature_correlation(net, "1", a, c, exclude=bad)


def test_dataset_examples_give_the_top_units_positions():
    net = nn.Conv2d(3, 1, 1, bias=False).eval()
    nn.init.ones_(net.weight)
    ex = dataset_examples(net, "", 0, [_photo(4, 5, 100), _photo(10, 2, 255)], k=2, patch=4, size=16)
    assert ex.positions == [(10, 2), (4, 5)]


def test_renderings_mark_the_centre_only_of_the_panels_asked_for():
    images = torch.rand(3, 3, 10, 10)
    plain = cv.plot.renderings(images)
    assert all(len(ax.lines) == 0 for ax in plain.axes)
    fig = cv.plot.renderings(images, mark_centre=[False, True, True])
    assert [len(ax.lines) > 0 for ax in fig.axes[:3]] == [False, True, True]
    x, y = fig.axes[1].lines[0].get_data()
    assert (float(x[0]), float(y[0])) == (4.5, 4.5)  # the centre of a 10-pixel image in pixel coordinates
    with pytest.raises(ValueError, match="mark_centre"):
        cv.plot.renderings(images, mark_centre=[True])


def test_effective_radius_holds_the_asked_share_of_the_map():
    one = effective_receptive_field(ones_convs(1), "0", channel=0, size=9, samples=1)  # a 3x3 block of ones
    assert cv.optvis.effective_radius(one, mass=1 / 9) == 0.0  # the centre pixel alone
    assert cv.optvis.effective_radius(one, mass=0.5) == 1.0  # the centre and its 4 neighbours: 5 of 9
    assert np.isclose(cv.optvis.effective_radius(one, mass=1.0), 2**0.5)  # the corners too
    shifted = torch.zeros(9, 9)
    shifted[0, 0] = 1.0  # the disc is centred on the map's centre of mass, not the image's
    assert cv.optvis.effective_radius(shifted) == 0.0
    for bad in (torch.zeros(9, 9), -one, one[0], "map"):
        with pytest.raises(ValueError, match="erf"):
            cv.optvis.effective_radius(bad)
    with pytest.raises(ValueError, match="mass"):
        cv.optvis.effective_radius(one, mass=1.5)
