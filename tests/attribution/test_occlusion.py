"""Occlusion: equal to the definition (an explicit one-window-at-a-time loop), batch-size
invariant, (N,K) targets in the same passes, the seed's regularisation by hand, no trace left."""

import numpy as np
import pytest
import torch

import cnnviz_lab as cv
from cnnviz_lab.attribution.occlusion import gaussian_blur, window_starts
from conftest import TinyNet, assert_clean


def loop_occlusion(model, x, cls, window, stride, fill_img, output="prob"):
    """The definition, one occluded image at a time: grid of outputs and per-pixel mean drop."""
    read = (lambda z: z.softmax(1)) if output == "prob" else (lambda z: z)
    n, _, h, w = x.shape
    with torch.no_grad():
        base = read(model(x))[torch.arange(n), cls]
        # a new position as long as the previous window did not reach the border yet
        ys = [y for y in range(0, h, stride) if y == 0 or y - stride + window < h]
        xs = ys
        grid = torch.zeros(n, len(ys), len(xs))
        total = torch.zeros(n, h, w)
        count = torch.zeros(h, w)
        for i, y in enumerate(ys):
            for j, xx in enumerate(xs):
                occ = x.clone()
                occ[:, :, y : y + window, xx : xx + window] = fill_img[:, :, y : y + window, xx : xx + window]
                out = read(model(occ))[torch.arange(n), cls]
                grid[:, i, j] = out
                total[:, y : y + window, xx : xx + window] += (base - out)[:, None, None]
                count[y : y + window, xx : xx + window] += 1
    return grid, total / count.clamp(min=1)


@pytest.fixture
def batch():
    torch.manual_seed(1)
    return torch.randn(2, 3, 12, 12)


def test_window_starts_follow_the_seed():
    assert window_starts(224, 32, 16) == list(range(0, 193, 16))  # 13 positions, 169 windows
    assert window_starts(10, 4, 4) == [0, 4, 8]  # last window clipped at the border
    assert window_starts(8, 16, 4) == [0]


@pytest.mark.parametrize("output", ["prob", "logit"])
@pytest.mark.parametrize("window,stride", [(4, 2), (5, 3), (3, 4)])
def test_equals_the_explicit_loop(tiny, batch, output, window, stride):
    cls = torch.tensor([1, 3])
    grid = cv.occlusion_grid(tiny, batch, cls.tolist(), window=window, stride=stride, fill=0.5, output=output)
    fill_img = torch.full_like(batch, 0.5)
    ref_grid, ref_map = loop_occlusion(tiny, batch, cls, window, stride, fill_img, output)
    assert grid.heatmap.shape == ref_grid.shape
    torch.testing.assert_close(grid.heatmap, ref_grid, rtol=1e-5, atol=1e-6)
    amap = cv.occlusion(tiny, batch, cls.tolist(), window=window, stride=stride, fill=0.5, output=output)
    assert amap.shape == (2, 12, 12)
    torch.testing.assert_close(amap, ref_map, rtol=1e-4, atol=1e-6)
    assert_clean(tiny)


def test_blur_fill_is_a_blurred_copy(tiny, batch):
    grid = cv.occlusion_grid(tiny, batch, 0, window=4, stride=4, fill="blur", blur_sigma=1.5)
    ref_grid, _ = loop_occlusion(tiny, batch, torch.tensor([0, 0]), 4, 4, gaussian_blur(batch, 1.5))
    torch.testing.assert_close(grid.heatmap, ref_grid, rtol=1e-5, atol=1e-6)


def test_gaussian_blur_keeps_constants_and_smooths():
    c = torch.full((1, 3, 9, 9), 2.0)
    torch.testing.assert_close(gaussian_blur(c, 2.0), c)
    spike = torch.zeros(1, 1, 9, 9)
    spike[0, 0, 4, 4] = 1
    b = gaussian_blur(spike, 1.0)
    assert abs(b.sum().item() - 1) < 1e-5 and b[0, 0, 4, 4] < 0.2 and b[0, 0, 4, 5] > 0


def test_batch_size_never_changes_the_result(tiny, batch):
    runs = [cv.occlusion_grid(tiny, batch, window=4, stride=2, batch_size=b).scores for b in (1, 7, 50, None)]
    for r in runs[1:]:
        torch.testing.assert_close(r, runs[0], rtol=1e-5, atol=1e-7)


def test_nk_targets_equal_k_single_calls(tiny, batch):
    targets = [[0, 2, 4], [1, 1, 3]]
    both = cv.occlusion(tiny, batch, targets, window=4, stride=2)
    assert both.shape == (2, 3, 12, 12)
    for k in range(3):
        single = cv.occlusion(tiny, batch, [row[k] for row in targets], window=4, stride=2)
        torch.testing.assert_close(both[:, k], single, rtol=1e-5, atol=1e-7)


def test_default_target_is_top1_of_the_clean_image(tiny, batch):
    top = tiny(batch).argmax(1).tolist()
    torch.testing.assert_close(cv.occlusion(tiny, batch, window=4, stride=4), cv.occlusion(tiny, batch, top, window=4, stride=4))


def test_named_fills_use_the_classifier_normalisation(lite):
    x = torch.zeros(1, 3, 8, 8)
    from cnnviz_lab.attribution.occlusion import fill_image

    black = fill_image(x, "black", lite).flatten()
    torch.testing.assert_close(black, -lite.mean.flatten() / lite.std.flatten())
    torch.testing.assert_close(fill_image(x, "mean", lite).flatten(), torch.zeros(3))
    with pytest.raises(TypeError, match="Classifier"):
        fill_image(x, "grey", None)
    with pytest.raises(ValueError, match="unknown fill"):
        fill_image(x, "purple", lite)


def test_state_restored_and_no_trace_even_on_error():
    model = TinyNet()
    model.train()
    model.conv1.weight.requires_grad_(False)
    x = torch.randn(1, 3, 8, 8)
    cv.occlusion(model, x, window=4, stride=4)
    assert model.training and model.conv1.training
    assert not model.conv1.weight.requires_grad and model.conv2.weight.requires_grad
    assert_clean(model)

    calls = {"n": 0}

    def explode(_m, _i, _o):
        calls["n"] += 1
        if calls["n"] > 1:
            raise RuntimeError("boom")

    handle = model.fc.register_forward_hook(explode)
    with pytest.raises(RuntimeError, match="boom"):
        cv.occlusion(model, x, window=4, stride=4)
    handle.remove()
    assert model.training and model.conv2.weight.requires_grad and not model.conv1.weight.requires_grad
    assert_clean(model)


def test_bad_arguments_are_explained(tiny, batch):
    with pytest.raises(ValueError, match="window"):
        cv.occlusion(tiny, batch, window=0)
    with pytest.raises(ValueError, match="output"):
        cv.occlusion(tiny, batch, output="probability")


def test_progress_bar(tiny, batch, capsys):
    cv.occlusion(tiny, batch, window=4, stride=2, batch_size=4, progress=True)
    assert "occlusion" in capsys.readouterr().err


def test_regularization_by_hand():
    p = torch.tensor([[0.9, 0.8, 0.9], [0.7, 0.1, 0.6], [0.9, 0.85, 0.95]])
    # seed 003 by hand (numpy): normalise-clip, zero below the 25th percentile, 1 - map, 3x3 box blur
    a = p.numpy().astype(np.float64)
    a = np.clip((a - a.mean()) / (a.std() + 1e-5) * 0.1 + 0.5, 0, 1)
    a[np.abs(a) < np.percentile(np.abs(a), 25)] = 0
    inv = np.pad(1 - a, 1, mode="reflect")  # cv2.blur's default border is reflect-101
    expected = np.array([[inv[i : i + 3, j : j + 3].mean() for j in range(3)] for i in range(3)])
    got = cv.regularize_occlusion(p)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-5)
    sharp = cv.regularize_occlusion(p, blur=1)
    assert sharp[1, 1] == 1 and sharp.argmax() == 4  # where occlusion hurt most stands out
    np.testing.assert_allclose(cv.regularize_occlusion(p, normalize=False, percentile=0, blur=1).numpy(), 1 - p.numpy(), rtol=1e-6)


def test_pretrained_map_finds_the_guitar_and_the_drums_in_their_boxes(lite):
    x = lite.preprocess(cv.sample_image("drums_and_guitar"), size=128)
    amap = cv.occlusion(lite, x, [["electric guitar", "drum"]], window=32, stride=32, fill="grey")[0]
    boxes = cv.sample_boxes("drums_and_guitar", 128)
    guitar, drum = (torch.zeros(128, 128, dtype=torch.bool) for _ in range(2))
    for mask, label in ((guitar, "electric guitar"), (drum, "drum")):
        for x0, y0, x1, y1 in boxes[label]:
            mask[y0:y1, x0:x1] = True
    # hiding the guitar costs the guitar class, hiding the drums does not; the drum class
    # loses more over the drums than over the guitar (whose hiding even helps it)
    assert amap[0][guitar].mean() > amap[0][drum].mean() + 0.1
    assert amap[1][drum].mean() > amap[1][guitar].mean()
    assert_clean(lite)


def test_cli_writes_the_experiment(tmp_path, capsys):
    from cnnviz_lab.cli import main

    out = tmp_path / "occ.png"
    assert (
        main(["occlusion", "data/coffee.png", "--size", "96", "--window", "48", "--stride", "48", "--fill", "grey", "--batch-size", "3", "--out", str(out)])
        == 0
    )
    assert "espresso" in capsys.readouterr().out and out.stat().st_size > 1000
    assert main(["occlusion", "data/coffee.png", "--size", "64", "--fill", "purple"]) == 2
    assert "unknown fill" in capsys.readouterr().err


def test_exercise_checkers_accept_the_solution_and_reject_mistakes(lite, capsys):
    def occlude(x, top, left, window, value):
        out = x.clone()
        out[:, :, top : top + window, left : left + window] = value
        return out

    def in_place(x, top, left, window, value):
        x[:, :, top : top + window, left : left + window] = value
        return x

    def todo(*_args):
        raise NotImplementedError

    assert cv.exercises.check_occlude(occlude)
    assert not cv.exercises.check_occlude(in_place)
    assert not cv.exercises.check_occlude(todo)
    x = lite.preprocess(cv.sample_image("coffee"), size=32)

    def drop(clf, x, top, left, window):
        with torch.no_grad():
            p = clf.model(x).softmax(1)
            c = int(p.argmax())
            return float(p[0, c] - clf.model(occlude(x, top, left, window, 0.0)).softmax(1)[0, c])

    assert cv.exercises.check_occlusion_drop(drop, lite, x)
    assert not cv.exercises.check_occlusion_drop(lambda *a: 0.5, lite, x)
    assert "not yet" in capsys.readouterr().out


def test_panel_renders_a_figure():
    from matplotlib.figure import Figure

    panel = cv.widgets.occlusion_panel(size=32, window=16, stride=16)
    assert isinstance(panel.render(**panel.values()), Figure)
    assert cv.hook_count(cv.widgets.cached_model("efficientnet_lite0")) == 0


def test_occlusion_maps_give_each_panel_its_own_colour_scale(lite):
    x = torch.zeros(1, 3, 16, 16)
    maps = torch.zeros(1, 2, 16, 16)
    maps[0, 0, 2, 2], maps[0, 1, 9, 9] = 0.5, 40.0  # very different ranges: one scale each
    fig = cv.plot.occlusion_maps(lite, x, maps, ["occlusion: 'cup'", "Grad-CAM: 'cup'"], what=["probability drop", "Grad-CAM"])
    images, bars = fig.axes[:2], fig.axes[2:]
    assert [ax.get_title() for ax in images] == ["occlusion: 'cup'", "Grad-CAM: 'cup'"]
    assert [b.get_ylabel() for b in bars] == ["probability drop", "Grad-CAM"]
    assert [b.get_ylim()[1] for b in bars] == pytest.approx([0.5, 40.0])
    with pytest.raises(ValueError, match="what"):
        cv.plot.occlusion_maps(lite, x, maps, what=["only one"])


def test_grid_misses_a_box_by_hand():
    """Windows of 4 at starts 0, 4, 8 along each axis of a 12-pixel image; a box covering
    pixels x 5..6, y 0..3 is missed by every window except the one starting at (y 0, x 4)."""
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(3 * 12 * 12, 2))
    grid = cv.occlusion_grid(model, torch.rand(1, 3, 12, 12), target=0, window=4, stride=4)
    assert grid.ys == [0, 4, 8] and grid.xs == [0, 4, 8]
    missed = grid.misses((5, 0, 7, 4))
    expected = torch.ones(3, 3, dtype=torch.bool)
    expected[0, 1] = False
    assert torch.equal(missed, expected)
    assert not grid.misses((0, 0, 12, 12)).any()  # a box over the whole image is never missed


@pytest.mark.parametrize("box", [(1, 2, 3), "abcd", None, (0, 0, "x", 4)])
def test_grid_misses_refuses_a_bad_box(box):
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(3 * 12 * 12, 2))
    grid = cv.occlusion_grid(model, torch.rand(1, 3, 12, 12), target=0, window=4, stride=4)
    with pytest.raises(ValueError, match="box"):
        grid.misses(box)


def test_occlusion_experiment_without_the_regularised_panels_outlines_boxes(lite):
    x = lite.preprocess(cv.sample_image("drums_and_guitar"), size=64)
    grid = cv.occlusion_grid(lite, x, window=16, stride=16, fill="grey", progress=False)
    full = cv.plot.occlusion_experiment(lite, x, grid)
    assert "regularised" in " ".join(ax.get_title() for ax in full.axes)
    fig = cv.plot.occlusion_experiment(lite, x, grid, regularized=False, boxes=[(2, 3, 30, 40), (40, 0, 64, 64)])
    titles = [ax.get_title() for ax in fig.axes]
    assert not any("regularised" in t or "projection" in t for t in titles)
    panels = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
    bars = [ax for ax in fig.axes if ax.get_label() == "<colorbar>"]
    assert len(panels) == 3 and [b.get_ylabel() for b in bars][-1] == "probability drop"
    outlined = [len(ax.patches) for ax in panels]
    assert outlined == [3, 0, 2]  # the occluder and two boxes on the image; two boxes on the map
