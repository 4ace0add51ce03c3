"""Deletion/insertion against their definition, faithful maps beating random ones on the
pretrained model, the randomisation sanity check on a gradient, the pointing game by hand,
and constant maps never giving NaN."""

import copy

import numpy as np
import pytest
import torch

import cnnviz_lab as cv
from cnnviz_lab.attribution.occlusion import gaussian_blur
from cnnviz_lab.evaluate import pixel_order, spearman, ssim
from conftest import TinyNet, assert_clean


def gradient(model, x, target=None):
    """The method under test: d logit_target / d x (Simonyan et al. 2013), written here."""
    module = model.model if isinstance(model, cv.Classifier) else model
    x = x.detach().clone().requires_grad_(True)
    with cv.frozen(module):
        logits = module(x)
        cls = logits.argmax(1) if target is None else torch.as_tensor(target)
        score = logits.gather(1, cls.view(-1, 1)).sum()
        (g,) = torch.autograd.grad(score, x)
    return g


@pytest.fixture
def batch():
    torch.manual_seed(3)
    return torch.randn(2, 3, 6, 6)


def test_deletion_and_insertion_follow_the_definition(tiny, batch):
    torch.manual_seed(4)
    attr = torch.randn(2, 6, 6)
    steps = 4
    for kind in ("deletion", "insertion"):
        fn = cv.deletion_curve if kind == "deletion" else cv.insertion_curve
        kw = {"fill": 0.25} if kind == "deletion" else {"start": "blur", "blur_sigma": 2.0}
        curve = fn(tiny, batch, attr, [1, 2], steps=steps, batch_size=3, **kw)
        blurred = gaussian_blur(batch, 2.0)
        expected = torch.zeros(2, steps + 1)
        for n in range(2):
            order = torch.argsort(attr[n].flatten(), descending=True)  # no ties in a random map
            for s in range(steps + 1):
                k = round(36 * s / steps)
                mask = torch.zeros(36, dtype=torch.bool)
                mask[order[:k]] = True
                mask = mask.view(1, 1, 6, 6)
                if kind == "deletion":
                    img = torch.where(mask, torch.tensor(0.25), batch[n : n + 1])
                else:
                    img = torch.where(mask, batch[n : n + 1], blurred[n : n + 1])
                with torch.no_grad():
                    expected[n, s] = tiny(img).softmax(1)[0, [1, 2][n]]
        torch.testing.assert_close(curve.scores, expected, rtol=1e-5, atol=1e-6)
        torch.testing.assert_close(curve.fractions, torch.linspace(0, 1, steps + 1))
        auc = sum((expected[:, i] + expected[:, i + 1]) / 2 / steps for i in range(steps))
        torch.testing.assert_close(curve.auc, auc)
        getter = cv.deletion_auc if kind == "deletion" else cv.insertion_auc
        torch.testing.assert_close(getter(tiny, batch, attr, [1, 2], steps=steps, batch_size=1, **kw), auc)
    assert_clean(tiny)


def test_three_channel_maps_and_small_maps_are_accepted(tiny, batch):
    attr3 = torch.randn(2, 3, 6, 6)
    a = cv.deletion_auc(tiny, batch, attr3, steps=3)
    b = cv.deletion_auc(tiny, batch, attr3.sum(1), steps=3)
    torch.testing.assert_close(a, b)
    small = cv.insertion_auc(tiny, batch, torch.rand(2, 3, 3), steps=3)  # upsampled like a CAM
    assert small.shape == (2,)
    with pytest.raises(ValueError, match="one class per image"):
        cv.deletion_auc(tiny, batch, attr3, [[0, 1], [1, 2]], steps=3)


def test_constant_map_gives_no_nan(tiny, batch):
    flat = torch.ones(2, 6, 6)
    for fn in (cv.deletion_auc, cv.insertion_auc):
        assert torch.isfinite(fn(tiny, batch, flat, steps=4)).all()
    order = pixel_order(flat, seed=0)
    assert sorted(order[0].tolist()) == list(range(36)) and order[0].tolist() != list(range(36))
    assert torch.equal(spearman(flat, torch.rand(2, 6, 6)), torch.zeros(2))
    assert torch.isfinite(ssim(flat, torch.rand(2, 6, 6))).all()
    assert not cv.pointing_game(flat, [[(0, 0, 3, 3)], [(0, 0, 6, 3)]]).any()
    assert cv.pointing_game(flat, [[(0, 0, 6, 6)], [(0, 0, 6, 6)]]).all()


def test_spearman_by_definition():
    a = torch.tensor([[1.0, 2.0, 3.0, 4.0, 5.0]])
    assert spearman(a, a**3).item() == pytest.approx(1.0)
    assert spearman(a, -a).item() == pytest.approx(-1.0)
    # with ties: average ranks [1.5, 1.5, 3, 4, 5] vs [1..5]
    tied = torch.tensor([[1.0, 1.0, 3.0, 4.0, 5.0]])
    r = torch.tensor([1.5, 1.5, 3, 4, 5]) - 3
    q = torch.arange(1.0, 6.0) - 3
    assert spearman(tied, a).item() == pytest.approx(float((r @ q) / (r.norm() * q.norm())), rel=1e-6)
    assert ssim(a.view(1, 1, 5), a.view(1, 1, 5)).item() == pytest.approx(1.0)


def test_pointing_game_by_hand():
    m = torch.zeros(2, 10, 10)
    m[0, 3, 5] = 1.0  # row 3, column 5
    m[1, 9, 0] = 2.0
    boxes = [[(5, 3, 6, 4)], [(0, 0, 4, 4), (8, 8, 10, 10)]]
    assert cv.pointing_game(m, boxes).tolist() == [True, False]
    assert cv.pointing_game(m[0], [(6, 3, 9, 9)]).tolist() == [False]  # column 5 is left of x0=6
    assert cv.pointing_game(m[0], [(6, 3, 9, 9)], tolerance=1).tolist() == [True]
    assert cv.pointing_game(m, boxes, tolerance=5.4).tolist() == [True, False]  # 5.5 px from (0,0,4,4)
    assert cv.pointing_game(m, boxes, tolerance=5.6).tolist() == [True, True]
    with pytest.raises(ValueError, match="per image"):
        cv.pointing_game(m, [(0, 0, 1, 1)])


def test_randomization_check_similarity_falls_and_model_untouched():
    torch.manual_seed(0)
    model = TinyNet(classes=5).train()
    model.conv1.weight.requires_grad_(False)
    before = copy.deepcopy(model.state_dict())
    x = torch.randn(2, 3, 16, 16)
    res = cv.randomization_check(model, gradient, x, seed=1)
    assert res.layers == ["fc", "conv2", "conv1"]
    assert res.spearman.shape == (2, 3) and res.ssim.shape == (2, 3) and res.maps.shape == (4, 2, 16, 16)
    torch.testing.assert_close(res.maps[0], gradient(model.eval(), x, res.targets).abs().sum(1))
    model.train()
    assert res.spearman[:, -1].mean() < 0.5 and res.spearman[:, -1].mean() < res.spearman[:, 0].mean()
    for k, v in model.state_dict().items():
        assert torch.equal(v, before[k]), f"{k} changed"
    assert model.training and not model.conv1.weight.requires_grad and model.conv2.weight.requires_grad
    assert_clean(model)
    independent = cv.randomization_check(model, gradient, x, cascading=False, layers=["conv1"])
    assert independent.layers == ["conv1"] and not independent.cascading


def test_randomization_layers_of_real_models(lite):
    names = cv.randomization_layers(lite)
    assert names[0] == "classifier" and names[-1] == "stem" and "blocks.15" in names
    resnet = cv.load_model("resnet18", weights=None, device="cpu")
    assert cv.randomization_layers(resnet)[:2] == ["fc", "layer4.1"]


def test_pretrained_gradient_fails_to_survive_randomisation(lite):
    # a few blocks from the top down (the full cascade is notebook 08's); 32 px keeps it fast
    x = lite.preprocess(cv.sample_image("cat"), size=32)
    res = cv.randomization_check(lite, gradient, x, layers=["classifier", "blocks.12", "blocks.6", "blocks.0"])
    rho = res.spearman[0]
    assert rho[-1] < rho[0] and rho[-1] < 0.25, rho
    assert_clean(lite)


def test_faithful_map_beats_random_on_the_pretrained_model(lite):
    x = lite.preprocess([cv.sample_image("cat"), cv.sample_image("coffee")], size=96)
    faithful = cv.occlusion(lite, x, window=24, stride=12, fill=0.0)
    noise = torch.rand(faithful.shape, generator=torch.Generator().manual_seed(0))
    dele = [cv.deletion_auc(lite, x, m, steps=8, fill="blur", blur_sigma=6) for m in (faithful, noise)]
    ins = [cv.insertion_auc(lite, x, m, steps=8, blur_sigma=6) for m in (faithful, noise)]
    assert (dele[0] < dele[1]).all(), dele
    assert (ins[0] > ins[1]).all(), ins
    assert_clean(lite)


def test_plots_of_the_evaluation(tiny, batch):
    from matplotlib.figure import Figure

    attr = torch.rand(2, 6, 6)
    d = cv.deletion_curve(tiny, batch, attr, steps=3)
    i = cv.insertion_curve(tiny, batch, attr, steps=3, blur_sigma=1.0)
    assert isinstance(cv.plot.curves({"rand": [d, i]}), Figure)
    titled = cv.plot.curves({"rand": [d, i]}, index=1, title="image 1")
    assert titled._suptitle.get_text() == "image 1" and cv.plot.curves(d)._suptitle is None
    with pytest.raises(TypeError, match="title"):
        cv.plot.curves(d, title=3)
    res = cv.randomization_check(tiny, gradient, batch, progress=False)
    assert isinstance(cv.plot.randomization(res, batch), Figure)
    import numpy as np

    assert isinstance(cv.plot.pointing(attr, [[(np.int64(0), 0, 3, 3)], [(0, 0, 6, 6)]], batch), Figure)


def test_pointing_figures_say_what_they_score(batch):
    attr = torch.zeros(2, 6, 6)
    attr[0, 1, 1] = 1.0  # image 0: maximum inside its box
    attr[1, 5, 5] = 1.0  # image 1: maximum outside its box
    boxes = [[(0, 0, 3, 3)], [(0, 0, 3, 3)]]
    titles = [cv.plot.pointing(attr, boxes, batch, index=i).axes[0].get_title() for i in range(2)]
    assert "hit" in titles[0] and "inside the box" in titles[0]
    assert "miss" in titles[1] and "outside the box" in titles[1]
    assert cv.plot.pointing(attr, boxes, batch, title="Grad-CAM, cup").axes[0].get_title() == "Grad-CAM, cup"
    fig = cv.plot.pointing_grid({"a": attr, "b": attr.flip(0)}, boxes, batch, targets=["cat", "cup"], labels={"a": "Method A"}, ncols=3)
    shown = [ax.get_title() for ax in fig.axes if ax.get_visible()]
    assert shown == ["Method A\ncat: hit", "Method A\ncup: miss", "b\ncat: miss", "b\ncup: hit"]
    assert sum(not ax.get_visible() for ax in fig.axes) == 2  # the 2x3 grid's unused panels are hidden
    with_bar = cv.plot.pointing_grid({"a": attr}, boxes, batch, ncols=2, cell=3.0, colorbar=True)
    assert sum(ax.get_label() == "<colorbar>" for ax in with_bar.axes) == 1
    assert with_bar.get_figwidth() > 6.0


@pytest.mark.parametrize("ncols, cell, colorbar", [(8, 1.75, False), (4, 2.6, True), (2, 3.0, False)])
def test_pointing_crosses_stay_whole_inside_their_panel(ncols, cell, colorbar):
    """A maximum on the image's edge (a corner, the top row) draws its whole cross inside the
    panel, not cut in half by the axes; the verdict is still judged at the maximum itself."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    size = 224
    corners = [(0, 0), (0, size - 1), (size - 1, 0), (size - 1, size - 1), (0, 100), (100, size - 1)]
    maps = torch.zeros(len(corners), size, size)
    for i, (r, c) in enumerate(corners):
        maps[i, r, c] = 1.0
    image = torch.rand(len(corners), 3, size, size)
    boxes = [[(0, 0, 10, 10)]] * len(corners)  # only the top-left corner's maximum is inside
    fig = cv.plot.pointing_grid({"m": maps}, boxes, image, ncols=ncols, cell=cell, colorbar=colorbar)
    single = cv.plot.pointing(maps, boxes, image, index=1)
    for f in (fig, single):
        canvas = FigureCanvasAgg(f)
        canvas.draw()
        renderer = canvas.get_renderer()
        for ax in f.axes:
            if not ax.get_visible() or ax.get_label() == "<colorbar>":
                continue
            (cross,) = ax.get_lines()
            box, mark = ax.get_window_extent(renderer), cross.get_window_extent(renderer)
            assert box.x0 <= mark.x0 and mark.x1 <= box.x1 and box.y0 <= mark.y0 and mark.y1 <= box.y1, (box, mark)
    verdicts = [ax.get_title().split(": ")[-1] for ax in fig.axes if ax.get_visible() and ax.get_title()]
    assert verdicts == ["hit"] + ["miss"] * (len(corners) - 1)


def test_pointing_cross_marks_the_tied_pixel_that_decides(batch):
    """A blocky map whose maximal block straddles a box's edge is a miss (every tied pixel must
    lie in a box); the cross is drawn on a tied pixel outside the box, never inside it."""
    attr = torch.zeros(1, 6, 6)
    attr[0, 1:3, 1:4] = 1.0  # tied maximum: rows 1-2, columns 1-3
    boxes = [[(0, 0, 6, 2)]]  # covers rows 0-1 only: row 2 of the block is outside
    assert not bool(cv.pointing_game(attr, boxes)[0])
    ax = cv.plot.pointing(attr, boxes, batch).axes[0]
    cross = [line for line in ax.get_lines() if line.get_marker() == "x"][0]
    row = float(cross.get_ydata()[0])
    assert row >= 1.5, row  # drawn at the tied pixel in row 2, outside the box (rows 0-1)
    assert cross.get_color() == "red" and "miss" in ax.get_title()
    inside = [[(0, 0, 6, 3)]]  # now the whole block is inside: a hit, cross on the block
    ax = cv.plot.pointing(attr, inside, batch).axes[0]
    cross = [line for line in ax.get_lines() if line.get_marker() == "x"][0]
    assert cross.get_color() == "lime" and attr[0, round(float(cross.get_ydata()[0])), round(float(cross.get_xdata()[0]))] == 1.0


def test_pointing_grid_outlines_a_tied_maximum(batch):
    """``outline_ties``: a blocky maximum is outlined (red for a miss) around exactly its tied
    pixels, with no cross; a single-pixel maximum keeps its cross; the default is unchanged."""
    attr = torch.zeros(2, 6, 6)
    attr[0, 0:3, 1:4] = 1.0  # tied block on the top edge: rows 0-2, columns 1-3
    attr[1, 4, 4] = 1.0  # one maximal pixel
    boxes = [[(0, 1, 6, 6)], [(0, 1, 6, 6)]]  # rows 1-5: the block's top row is outside
    fig = cv.plot.pointing_grid({"m": attr}, boxes, batch, ncols=2, outline_ties=True)
    blocky, single = fig.axes[:2]
    assert "miss" in blocky.get_title() and "hit" in single.get_title()
    assert not [line for line in blocky.get_lines() if line.get_marker() == "x"]
    (outline,) = [c for c in blocky.collections if c.get_paths()]
    xy = np.concatenate([p.vertices for p in outline.get_paths()])
    assert xy[:, 0].min() == pytest.approx(0.5) and xy[:, 0].max() == pytest.approx(3.5)  # columns 1-3
    assert xy[:, 1].min() == pytest.approx(-0.5) and xy[:, 1].max() == pytest.approx(2.5)  # rows 0-2, closed at the edge
    assert [line.get_marker() for line in single.get_lines()] == ["x"]
    plain = cv.plot.pointing_grid({"m": attr}, boxes, batch, ncols=2)
    assert all(len(ax.get_lines()) == 1 for ax in plain.axes[:2])
    with pytest.raises(TypeError, match="outline_ties"):
        cv.plot.pointing_grid({"m": attr}, boxes, batch, outline_ties="yes")


def test_curves_title_and_legend_place(tiny, batch):
    attr = torch.rand(2, 6, 6)
    d = cv.deletion_curve(tiny, batch, attr, steps=3)
    i = cv.insertion_curve(tiny, batch, attr, steps=3, blur_sigma=1.0)
    fig = cv.plot.curves({"rand": [d, i]}, title="red panda", legend_loc="outside")
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["deletion: lower AUC is better", "insertion: higher AUC is better"]
    assert fig._suptitle.get_text() == "red panda"
    assert all(ax.get_legend() is not None and ax.get_legend()._loc == 9 for ax in fig.axes)  # upper center, below
    plain = cv.plot.curves({"rand": [d, i]})
    assert [ax.get_title() for ax in plain.axes][0] == "deletion: lower AUC is better"


def test_pointing_grid_draws_signed_maps_on_a_symmetric_scale(batch):
    """``signed``: a signed map is drawn blue-white-red about 0 (a zero pixel white, its
    negative minimum the darkest blue, not the bottom of a min-max scale), with a second
    colour bar from -1 to 1; the other methods and the verdicts are unchanged; bad names
    raise a ValueError naming the argument."""
    from matplotlib import colormaps

    attr = torch.zeros(2, 6, 6)
    attr[:, 1, 1] = 1.0  # the maximum
    attr[:, 4, 4] = -1.0  # a block whose removal raised the score
    boxes = [[(0, 0, 3, 3)], [(0, 0, 3, 3)]]
    img = torch.zeros(2, 3, 6, 6)  # black: the panel shows half the colour
    fig = cv.plot.pointing_grid({"occ": attr, "plain": attr.clamp(min=0)}, boxes, img, ncols=2, colorbar=True, signed=["occ"])
    signed, plain = [ax.get_images()[0].get_array() for ax in fig.axes[:3:2]]
    white, blue = 0.5 * np.array(colormaps["RdBu_r"](0.5)[:3]), 0.5 * np.array(colormaps["RdBu_r"](0.0)[:3])
    assert np.allclose(signed[0, 0], white, atol=0.01) and np.allclose(signed[4, 4], blue, atol=0.01)
    assert np.allclose(plain[0, 0], 0.5 * np.array(colormaps["jet"](0.0)[:3]), atol=0.01)  # min to max, as before
    bars = [ax for ax in fig.axes if ax.get_label() == "<colorbar>"]
    assert len(bars) == 2 and bars[1].get_ylim() == pytest.approx((-1.0, 1.0)) and "occ" in bars[1].get_ylabel()
    assert [ax.get_title().split(": ")[-1] for ax in fig.axes if ax.get_title()] == ["hit"] * 4
    with pytest.raises(ValueError, match="signed"):
        cv.plot.pointing_grid({"occ": attr}, boxes, img, signed=["occlusion"])
    with pytest.raises(ValueError, match="signed"):
        cv.plot.pointing_grid({"occ": attr}, boxes, img, signed="occ")
