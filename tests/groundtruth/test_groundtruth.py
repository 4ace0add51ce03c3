"""Shapes with a planted cue, the small CNN and its training timeline, and explanations scored
against masks (notebook 09)."""

from __future__ import annotations

import gc
import warnings

import pytest
import torch

import cnnviz_lab as cv
from cnnviz_lab.groundtruth.shapes import CUE_COLOURS, SHAPES


# --- the dataset ------------------------------------------------------------------------
def test_shape_images_shapes_and_ranges():
    d = cv.shape_images(12, size=32, seed=3)
    assert d.images.shape == (12, 3, 32, 32) and d.images.dtype == torch.float32
    assert d.images.min() >= 0 and d.images.max() <= 1
    assert d.object_masks.shape == d.cue_masks.shape == (12, 32, 32)
    assert d.object_masks.dtype == d.cue_masks.dtype == torch.bool
    assert not (d.object_masks & d.cue_masks).any(), "the cue and the object never overlap"
    assert (d.cue_masks.flatten(1).sum(1) == 4 * 4).all(), "a size // 8 = 4 pixel square cue"
    assert (d.object_masks.flatten(1).sum(1) > 20).all()
    assert set(d.labels.tolist()) <= set(range(len(SHAPES)))


def test_same_seed_same_images_and_item_independent_of_batch():
    a, b = cv.shape_images(10, seed=5, size=32), cv.shape_images(10, seed=5, size=32)
    assert torch.equal(a.images, b.images) and torch.equal(a.cue_masks, b.cue_masks)
    assert not torch.equal(a.images, cv.shape_images(10, seed=6, size=32).images)
    longer = cv.shape_images(700, seed=5, size=32)  # more than one rendering chunk
    assert torch.equal(longer.images[:10], a.images)
    ds = cv.ShapesDataset(700, seed=5, size=32)
    for i in (0, 7, 699):
        x, y = ds[i]
        assert torch.equal(x, longer.images[i]) and y == int(longer.labels[i])
        assert torch.equal(ds.item(i).object_masks[0], longer.object_masks[i])
    with pytest.raises(IndexError):
        ds.item(700)


def test_cue_modes_mean_what_they_say():
    match = cv.shape_images(40, cue="match", seed=1, size=32)
    swap = cv.shape_images(40, cue="swap", seed=1, size=32)
    rand = cv.shape_images(200, cue="random", seed=1, size=32)
    none = cv.shape_images(40, cue="none", seed=1, size=32)
    assert torch.equal(match.cue_classes, match.labels)
    assert (swap.cue_classes != swap.labels).all() and torch.equal(swap.labels, match.labels)
    assert 0.1 < float((rand.cue_classes == rand.labels).float().mean()) < 0.45  # 1/4 expected
    assert (none.cue_classes == -1).all() and not none.cue_masks.any()
    # the same scene, only the cue's colour differs
    outside = ~match.cue_masks[:, None].expand(-1, 3, -1, -1)
    assert torch.equal(match.images[outside], swap.images[outside])
    # the cue's inner pixels have its class's colour; its one-pixel frame is black
    for d in (match, swap):
        for i in range(5):
            x0, y0, x1, y1 = d.boxes("cue")[i][0]
            inner = d.images[i, :, y0 + 1 : y1 - 1, x0 + 1 : x1 - 1]
            colour = torch.tensor(CUE_COLOURS[int(d.cue_classes[i])]).view(3, 1, 1)
            assert torch.allclose(inner, colour.expand_as(inner))
            assert d.images[i, :, y0, x0:x1].abs().max() == 0


def test_boxes_and_indexing():
    d = cv.shape_images(6, seed=2, size=32)
    boxes = d.boxes("cue")
    for i, [(x0, y0, x1, y1)] in enumerate(boxes):
        m = torch.zeros(32, 32, dtype=torch.bool)
        m[y0:y1, x0:x1] = True
        assert torch.equal(m, d.cue_masks[i])
    obj = d.boxes("object")
    assert all(len(b) == 1 for b in obj)
    assert cv.shape_images(3, cue="none", size=32).boxes("cue") == [[], [], []]
    one = d[2]
    assert len(one) == 1 and torch.equal(one.images[0], d.images[2]) and one.classes == d.classes
    assert len(d[1:4]) == 3
    with pytest.raises(ValueError, match="which"):
        d.boxes("shadow")


@pytest.mark.parametrize(
    "kwargs, word",
    [
        ({"n": -1}, "n"),
        ({"n": 4, "size": 10}, "size"),
        ({"n": 4, "cue": "maybe"}, "cue"),
        ({"n": 4, "classes": ("circle", "hexagon")}, "classes"),
        ({"n": 4, "classes": ("circle",)}, "classes"),
        ({"n": 4, "cue_size": 50}, "cue_size"),
    ],
)
def test_bad_dataset_arguments(kwargs, word):
    with pytest.raises(ValueError, match=word):
        cv.shape_images(**kwargs)


def test_fewer_classes_relabel():
    d = cv.shape_images(30, classes=("triangle", "circle"), seed=0, size=32)
    assert d.classes == ("triangle", "circle") and set(d.labels.tolist()) <= {0, 1}
    assert len(cv.shape_images(0, size=32)) == 0


# --- the network and its training ---------------------------------------------------------
def test_small_cnn_is_a_cam_network_and_seeded():
    torch.manual_seed(123)
    state = torch.get_rng_state()
    a, b = cv.SmallCNN(classes=3, width=4, seed=7), cv.SmallCNN(classes=3, width=4, seed=7)
    assert torch.equal(torch.get_rng_state(), state), "the global random state is untouched"
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    x = torch.randn(2, 3, 32, 32)
    a.eval()
    assert a(x).shape == (2, 3)
    # a GAP + linear head after relu3: Grad-CAM = relu(CAM) / (h w) (Selvaraju et al. 2017)
    g = cv.gradcam(a, x, [0, 2], layer="relu3", upsample=False)
    c = cv.cam(a, x, [0, 2], layer="relu3", upsample=False)
    assert g.shape == (2, 8, 8)
    assert torch.allclose(g, c.clamp_min(0) / 64, atol=1e-5 * float(g.max()) + 1e-8)
    with pytest.raises(ValueError, match="classes"):
        cv.SmallCNN(classes=1)


@pytest.fixture(scope="module")
def tiny():
    return cv.shape_images(96, size=32, seed=1)


def test_train_model_learns_and_leaves_a_clean_model(tiny):
    threads = torch.get_num_threads()
    model = cv.SmallCNN(width=4, seed=0)
    run = cv.train_model(model, tiny.images, tiny.labels, epochs=3, batch_size=16, classes=tiny.classes, progress=False)
    assert torch.get_num_threads() == threads
    assert len(run.loss) == len(run.accuracy) == 3 and run.loss[-1] < run.loss[0]
    assert not model.training and all(p.grad is None for p in model.parameters())
    clf = run.classifier
    assert clf.model is model and clf.categories == list(tiny.classes) and clf.cam_layer == "relu3"
    x = clf.from_unit(tiny.images[:4])
    assert torch.allclose(clf.to_unit(x), tiny.images[:4], atol=1e-6)
    pred = cv.predict_classes(clf, tiny.images)
    assert pred.shape == (96,) and cv.accuracy(clf, tiny.images, tiny.labels) == float((pred == tiny.labels).float().mean())
    # a bare module takes its input as it is
    assert torch.equal(cv.predict_classes(model, x), pred[:4])
    assert run.timeline is None


def test_training_is_reproducible(tiny):
    runs = [cv.train_model(cv.SmallCNN(width=4, seed=0), tiny.images, tiny.labels, epochs=1, batch_size=32, seed=4, progress=False) for _ in range(2)]
    assert runs[0].loss == runs[1].loss
    assert all(torch.equal(p, q) for p, q in zip(runs[0].classifier.model.parameters(), runs[1].classifier.model.parameters()))


def test_timeline_holds_detached_cpu_copies(tiny):
    model = cv.SmallCNN(width=4, seed=0)
    run = cv.train_model(model, tiny.images, tiny.labels, epochs=2, batch_size=32, watch=5, progress=False)
    tl = run.timeline
    assert len(tl) == 3 and len(tl.cams) == len(tl.probs) == 3  # before training, then per epoch
    assert tl.target == int(tiny.labels[5]) and torch.equal(tl.image, tiny.images[5])
    for t in [*tl.filters, *tl.cams, *tl.probs]:
        assert t.device.type == "cpu" and not t.requires_grad and t.grad_fn is None
    assert tl.filters[0].shape == model.conv1.weight.shape and tl.cams[0].shape == (32, 32)
    assert torch.allclose(tl.probs[-1].sum(), torch.tensor(1.0))
    # copies, not views of the live weights: changing the model leaves the record alone
    before = tl.filters[-1].clone()
    with torch.no_grad():
        model.conv1.weight.add_(1.0)
    assert torch.equal(tl.filters[-1], before)
    assert all(t.untyped_storage().data_ptr() != model.conv1.weight.untyped_storage().data_ptr() for t in tl.filters)
    assert len(tl.filter_change()) == 2 and len(tl.colour_share()) == 3
    assert 0.5 < tl.colour_share()[0] < 0.8  # random filters: about 2/3 in colour differences


def _live_tensors() -> int:
    gc.collect()
    with warnings.catch_warnings():  # some objects warn when isinstance looks at them
        warnings.simplefilter("ignore")
        return sum(1 for o in gc.get_objects() if isinstance(o, torch.Tensor))


def test_timeline_memory_does_not_grow_with_anything_but_its_snapshots(tiny):
    """Each epoch adds exactly three small tensors (filters, Grad-CAM, probabilities): no
    autograd graph, activation or optimiser state is kept alive by the timeline."""

    def run(epochs):
        before = _live_tensors()
        r = cv.train_model(cv.SmallCNN(width=4, seed=0), tiny.images, tiny.labels, epochs=epochs, batch_size=32, watch=0, progress=False)
        tl = r.timeline
        del r
        grown = _live_tensors() - before
        return tl, grown

    run(1)  # warm-up: one-time caches made or freed by the first call (test order) don't count
    tl1, grown1 = run(1)
    tl3, grown3 = run(3)
    assert len(tl3) - len(tl1) == 2
    assert grown3 - grown1 == 2 * 3, (grown1, grown3)
    per_epoch = tl3.nbytes() - tl1.nbytes()
    assert per_epoch == 2 * (tl1.nbytes() // len(tl1))
    assert tl3.nbytes() < 64 * 1024


def test_cpu_threads_restores_on_error():
    n = torch.get_num_threads()
    with pytest.raises(RuntimeError):
        with cv.cpu_threads(1):
            assert torch.get_num_threads() == 1
            raise RuntimeError("boom")
    assert torch.get_num_threads() == n
    with pytest.raises(ValueError, match="threads"):
        with cv.cpu_threads(0):
            pass


@pytest.mark.parametrize(
    "kwargs, word",
    [({"images": torch.zeros(4, 32, 32)}, "images"), ({"labels": torch.zeros(3)}, "labels"), ({"epochs": -1}, "epochs"), ({"watch": 10}, "watch")],
)
def test_bad_training_arguments(kwargs, word):
    args = {"images": torch.zeros(4, 3, 32, 32), "labels": torch.zeros(4, dtype=torch.long), **kwargs}
    with pytest.raises(ValueError, match=word):
        cv.train_model(cv.SmallCNN(width=2), args.pop("images"), args.pop("labels"), progress=False, **args)


# --- scores against masks -----------------------------------------------------------------
def test_mask_energy_by_hand():
    maps = torch.tensor([[[1.0, 3.0], [0.0, 4.0]], [[-2.0, 1.0], [1.0, 2.0]], [[0.0, 0.0], [0.0, 0.0]]])
    masks = torch.tensor([[[True, False], [False, True]], [[True, True], [False, False]], [[True, False], [False, False]]])
    e = cv.mask_energy(maps, masks)
    assert torch.allclose(e, torch.tensor([5 / 8, 1 / 4, 0.0]))  # negatives clipped; all-zero -> 0
    grads = torch.stack([maps[:2], -maps[:2], maps[:2]], 1)  # (N,3,H,W): |.| summed
    assert torch.allclose(cv.mask_energy(grads, masks[:2]), torch.tensor([5 / 8, 3 / 6]))
    with pytest.raises(TypeError, match="bool"):
        cv.mask_energy(maps, masks.float())
    with pytest.raises(ValueError, match="shape"):
        cv.mask_energy(maps, masks[:2])


def test_mask_pointing_ties_and_tolerance():
    maps = torch.zeros(3, 5, 5)
    maps[0, 1, 1] = 1
    maps[1, 1, 1] = maps[1, 4, 4] = 1  # a tie: both maxima must hit
    maps[2, 0, 4] = 1
    mask = torch.zeros(3, 5, 5, dtype=torch.bool)
    mask[:, 1, 1] = True
    assert cv.mask_pointing(maps, mask).tolist() == [True, False, False]
    mask[2, 2, 3] = True  # one diagonal step from (0,4)... two rows down
    assert cv.mask_pointing(maps, mask, tolerance=2.3).tolist() == [True, False, True]
    assert not cv.mask_pointing(maps[:1], torch.zeros(1, 5, 5, dtype=torch.bool)).any()


def test_mask_recall_counts_the_mask_among_the_top_pixels():
    maps = torch.arange(16.0).view(1, 4, 4)
    mask = torch.zeros(1, 4, 4, dtype=torch.bool)
    mask[0, 3, 2:] = True  # the two highest pixels (14, 15)
    assert cv.mask_recall(maps, mask).item() == 1.0
    mask2 = torch.zeros(1, 4, 4, dtype=torch.bool)
    mask2[0, 0, :2] = True  # the two lowest
    assert cv.mask_recall(maps, mask2).item() == 0.0


class _Patch(torch.nn.Module):
    """Class 1's logit is 10 x the mean of the top-left 2x2 pixels of channel 0."""

    def forward(self, x):
        s = x[:, 0, :2, :2].mean(dim=(1, 2)) * 10
        return torch.stack([torch.zeros_like(s), s], 1)


def test_deletion_drop_and_mask_deletion_by_hand():
    model = _Patch()
    x = torch.ones(2, 3, 6, 6)
    patch = torch.zeros(2, 6, 6, dtype=torch.bool)
    patch[:, :2, :2] = True
    p0 = torch.softmax(torch.tensor([0.0, 10.0]), 0)[1]
    drop = cv.deletion_drop(model, x, patch, target=1)
    assert torch.allclose(drop, (p0 - 0.5).expand(2), atol=1e-6)  # deleted: logits 0 and 0
    good = torch.zeros(2, 6, 6)
    good[:, :2, :2] = 1.0
    bad = torch.zeros(2, 6, 6)
    bad[:, 4:, 4:] = 1.0
    assert torch.allclose(cv.mask_deletion(model, x, good, patch, target=1), drop)
    assert torch.allclose(cv.mask_deletion(model, x, bad, patch, target=1), torch.zeros(2), atol=1e-6)
    assert torch.equal(x, torch.ones(2, 3, 6, 6)), "the input is not written"


def test_score_against_masks_on_the_patch_model():
    model = _Patch()
    x = torch.rand(3, 3, 6, 6) + 0.5
    cue = torch.zeros(3, 6, 6, dtype=torch.bool)
    cue[:, :2, :2] = True
    obj = torch.zeros(3, 6, 6, dtype=torch.bool)
    obj[:, 3:, 3:] = True
    methods = {"saliency": cv.saliency, "on the object": lambda m, x, t, **k: obj.float()}
    s = cv.score_against_masks(model, x, {"cue": cue, "object": obj}, methods, 1, deletion="cue", progress=False)
    assert s.methods == ["saliency", "on the object"]
    assert s.mean("saliency", "cue energy") == pytest.approx(1.0)  # the gradient lives on the patch only
    assert s.mean("saliency", "cue pointing") == 1.0 and s.mean("on the object", "object pointing") == 1.0
    assert s.mean("on the object", "cue deletion") == pytest.approx(0.0, abs=1e-6)
    assert s.mean("saliency", "cue deletion") == pytest.approx(float(s.truth["cue deletion"].mean()))
    table = s.table()
    assert "| saliency |" in table and "(the mask itself)" in table and s.rows()[-1]["method"] == "(the mask itself)"
    with pytest.raises(ValueError, match="deletion"):
        cv.score_against_masks(model, x, {"cue": cue}, methods, 1, deletion="object")


def test_course_methods_score_a_trained_shortcut(tiny):
    """Every course method runs on the small CNN through score_against_masks."""
    run = cv.train_model(cv.SmallCNN(width=4, seed=0), tiny.images, tiny.labels, epochs=1, batch_size=32, progress=False)
    clf = run.classifier
    methods = cv.course_methods(occlusion_window=6, occlusion_stride=4, smoothgrad_samples=2, ig_steps=4)
    s = cv.score_against_masks(clf, clf.from_unit(tiny.images[:2]), {"cue": tiny.cue_masks[:2]}, methods, tiny.labels[:2], threads=1, progress=False)
    assert set(s.methods) == set(methods)
    for m in methods:
        assert s.maps[m].shape == (2, 32, 32) and (s.maps[m] >= 0).all()
        assert 0 <= s.mean(m, "cue energy") <= 1


# --- exercises, figures, panel -------------------------------------------------------------
def test_mask_energy_checker_names_the_likely_mistakes(capsys):
    def right(maps, masks):
        total = maps.sum(dim=(1, 2))
        return torch.where(total > 0, (maps * masks).sum(dim=(1, 2)) / total.clamp(min=1e-30), torch.zeros_like(total))

    assert cv.exercises.check_mask_energy(right)
    assert cv.exercises.check_mask_energy(cv.mask_energy)
    mistakes = {
        "divide by the map's total": lambda a, m: (a * m).sum(dim=(1, 2)),
        "mean inside the mask": lambda a, m: (a * m).sum(dim=(1, 2)) / m.sum(dim=(1, 2)),
        "NaN": lambda a, m: (a * m).sum(dim=(1, 2)) / a.sum(dim=(1, 2)),
        "one value per image": lambda a, m: (a * m).sum() / a.sum(),
        "NotImplementedError": lambda a, m: (_ for _ in ()).throw(NotImplementedError),
    }
    for hint, fn in mistakes.items():
        capsys.readouterr()
        assert not cv.exercises.check_mask_energy(fn)
        assert hint in capsys.readouterr().out, hint


def test_swap_prediction_checker(capsys):
    assert cv.exercises.check_swap_prediction("b") and cv.exercises.check_swap_prediction("(B)")
    for wrong, hint in [("a", "learned the shapes"), ("c", "confident"), ("d", "softmax"), (None, "one letter")]:
        capsys.readouterr()
        assert not cv.exercises.check_swap_prediction(wrong)
        assert hint in capsys.readouterr().out


def test_figures_and_panel(tiny):
    from matplotlib.figure import Figure

    run = cv.train_model(cv.SmallCNN(width=4, seed=0), tiny.images, tiny.labels, epochs=1, batch_size=32, watch=0, classes=tiny.classes, progress=False)
    clf = run.classifier
    methods = {"gradcam": cv.gradcam, "saliency": cv.saliency}
    d = tiny[:3]
    s = cv.score_against_masks(clf, clf.from_unit(d.images), {"cue": d.cue_masks, "object": d.object_masks}, methods, d.labels, progress=False)
    figs = [
        cv.plot.shape_samples(d, 3, predictions=cv.predict_classes(clf, d.images), title="t"),
        cv.plot.cue_legend(d.classes),
        cv.plot.timeline(run.timeline, d.classes),
        cv.plot.shortcut_accuracy({"a": {"match": 1.0, "swap": 0.0}}, chance=0.25),
        cv.plot.mask_maps({"a": s, "b": s}, d, index=1),
        cv.plot.mask_scores({"a": s}, "cue energy", chance=0.1),
    ]
    assert all(isinstance(f, Figure) for f in figs)
    # a lecturer's slide: at most 8 panels in a row, and a colour bar for the maps
    many = {f"m{i}": cv.gradcam for i in range(10)}
    s10 = cv.score_against_masks(clf, clf.from_unit(d.images), {"cue": d.cue_masks, "object": d.object_masks}, many, d.labels, progress=False)
    wide = cv.plot.mask_maps({"a": s10, "b": s10}, d, index=0)
    grid = wide.axes[0].get_subplotspec().get_gridspec()
    assert grid.ncols <= 8 and grid.nrows == 4  # 11 panels per model: two rows each
    assert sum(ax.get_label() == "<colorbar>" for ax in wide.axes) == 1
    titles = [ax.get_title() for ax in wide.axes]
    assert sum(t.startswith("m9\n") for t in titles) == 2 and "b model:\nthe image" in titles
    tl = cv.plot.timeline(run.timeline, d.classes)
    assert sum(ax.get_label() == "<colorbar>" for ax in tl.axes) == 1
    share = run.timeline.colour_share()
    assert any(f"colour share {share[-1]:.2f}" in ax.get_title() for ax in tl.axes)
    panel = cv.widgets.shortcut_panel({"tiny": clf}, methods, n=4, size=32)
    for cue, method, index in [("swap", "gradcam", 0), ("none", "saliency", 3)]:
        assert isinstance(panel.render(model="tiny", cue=cue, method=method, index=index), Figure)
    panel.controls["index"].value = 2  # a control change redraws through the same render
    assert panel._drawn["index"] == 2
    assert cv.hook_count(clf) == 0


# --- bad input: one clear error, nothing changed (issue 13) ----------------------------------
@pytest.mark.parametrize(
    "kwargs, error, word",
    [
        ({"seed": "a"}, TypeError, "seed"),
        ({"cue_size": 2.5}, TypeError, "cue_size"),
        ({"size": "32"}, TypeError, "size"),
        ({"classes": 3}, TypeError, "classes"),
        ({"n": 2.5}, TypeError, "n"),
        ({"cue": None}, TypeError, "cue"),
    ],
)
def test_dataset_keywords_are_typed(kwargs, error, word):
    with pytest.raises(error, match=word):
        cv.shape_images(**{"n": 2, "size": 32, **kwargs})
    with pytest.raises(TypeError, match="threads"):
        with cv.cpu_threads(2.5):
            pass


class _WritesInput(torch.nn.Module):
    """A 4-class network whose first operation writes its input in place."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.conv = torch.nn.Conv2d(3, 4, 3)

    def forward(self, x):
        return self.conv(x.mul_(0.5)).mean(dim=(2, 3))


def _state(model):
    return [t.detach().clone() for t in [*model.parameters(), *model.buffers()]], model.training


def _same(model, state):
    tensors, training = state
    return model.training == training and all(torch.equal(a, b) for a, b in zip([*model.parameters(), *model.buffers()], tensors))


@pytest.mark.parametrize(
    "kwargs, error, word",
    [
        ({"labels": [0, 1, 2, 9]}, ValueError, "labels"),
        ({"labels": torch.full((4,), 1.5)}, TypeError, "labels"),
        ({"images": torch.rand(4, 3, 32, 32) * 2 - 0.5}, ValueError, r"\[0, 1\]"),
        ({"classes": ("a", "b")}, ValueError, "classes"),
        ({"batch_size": 2.5}, TypeError, "batch_size"),
        ({"lr": 0.0}, ValueError, "lr"),
        ({"seed": "a"}, TypeError, "seed"),
        ({"watch": 1.0}, TypeError, "watch"),
        ({"threads": 0}, ValueError, "threads"),
        ({"device": "gpu"}, ValueError, "device"),
    ],
)
def test_training_refuses_before_touching_the_model(kwargs, error, word):
    model = cv.SmallCNN(width=2, seed=0).train()
    state = _state(model)
    args = {"images": torch.rand(4, 3, 32, 32), "labels": torch.tensor([0, 1, 2, 3]), **kwargs}
    with pytest.raises(error, match=word):
        cv.train_model(model, args.pop("images"), args.pop("labels"), progress=False, **args)
    assert _same(model, state), "the model changed although training never started"


def test_training_leaves_the_callers_images_alone():
    images = torch.rand(4, 3, 16, 16, requires_grad=True)
    before = images.detach().clone()
    run = cv.train_model(cv.SmallCNN(width=2, seed=0), images, [0, 1, 2, 3], epochs=1, batch_size=2, progress=False)
    assert images.grad is None and torch.equal(images.detach(), before) and len(run.loss) == 1
    model = _WritesInput()
    x = torch.rand(3, 3, 8, 8)
    x_before = x.clone()
    cv.train_model(model, x, [0, 1, 3], epochs=1, progress=False)
    assert torch.equal(x, x_before), "the caller's images were written by the model"


def test_predict_classes_and_accuracy_gate():
    model = _WritesInput().eval()
    x = torch.rand(3, 3, 8, 8)
    before = x.clone()
    pred = cv.predict_classes(model, x, batch_size=2)
    assert torch.equal(x, before), "the caller's images were written by the model"
    assert torch.equal(cv.predict_classes(model, x.double()), pred)  # any float dtype is cast
    assert cv.accuracy(model, x, pred) == 1.0 and cv.accuracy(model, x, pred.numpy()) == 1.0
    clf = cv.wrap_model(_WritesInput(), ["a", "b", "c", "d"], input_size=8, device="cpu")
    for call, error, word in [
        (lambda: cv.predict_classes(model, x[:0]), ValueError, "images"),
        (lambda: cv.predict_classes(model, (x * 255).to(torch.uint8)), TypeError, "uint8"),
        (lambda: cv.predict_classes(model, x, batch_size=0), ValueError, "batch_size"),
        (lambda: cv.predict_classes(clf, clf.from_unit(x)), ValueError, r"\[0, 1\]"),
        (lambda: cv.accuracy(model, x, [0, 1, 4]), ValueError, "labels"),
        (lambda: cv.accuracy(model, x, [0, 1]), ValueError, "labels"),
        (lambda: cv.accuracy(model, x, [0.0, 1.0, 2.0]), TypeError, "labels"),
    ]:
        with pytest.raises(error, match=word):
            call()


def test_scores_against_masks_gate():
    model, x = _Patch(), torch.ones(2, 3, 6, 6)
    patch = torch.zeros(2, 6, 6, dtype=torch.bool)
    for call, error, word in [
        (lambda: cv.deletion_drop(model, x, patch, target=1.7), TypeError, "target"),
        (lambda: cv.deletion_drop(model, x, patch, target=[0, 2]), ValueError, "target"),
        (lambda: cv.deletion_drop(model, x.to(torch.uint8), patch), TypeError, "uint8"),
        (lambda: cv.deletion_drop(model, x, patch.float()), TypeError, "pixels"),
        (lambda: cv.deletion_drop(model, x, patch, fill="a"), TypeError, "fill"),
        (lambda: cv.mask_deletion(model, x, torch.rand(2, 5, 5), patch), ValueError, "attribution"),
        (lambda: cv.mask_energy("map", patch), TypeError, "attribution"),
        (lambda: cv.mask_energy(torch.rand(2, 6, 6), "mask"), TypeError, "masks"),
        (lambda: cv.mask_pointing(torch.rand(2, 6, 6), patch, tolerance=-1.0), ValueError, "tolerance"),
        (lambda: cv.mask_recall(torch.rand(2, 6, 6), patch, seed="a"), TypeError, "seed"),
        (lambda: cv.score_against_masks(model, x, "cue", ["saliency"]), TypeError, "masks"),
        (lambda: cv.score_against_masks(model, x, {"cue": patch}, ["nope"]), ValueError, "method"),
        (lambda: cv.score_against_masks(model, x, {"cue": patch[:1]}, ["saliency"]), ValueError, "masks"),
    ]:
        with pytest.raises(error, match=word):
            call()
    masks = {"cue": patch}
    a = cv.score_against_masks(model, x, masks, ["saliency", "smoothgrad"], 1, seed=3, progress=False)
    b = cv.score_against_masks(model, x, masks, ["saliency", "smoothgrad"], 1, seed=3, progress=False)
    assert torch.equal(a.maps["smoothgrad"], b.maps["smoothgrad"])  # seed= reaches the random methods


def test_mask_scores_landscape_draws_one_bar_per_method_and_model(tiny):
    run = cv.train_model(cv.SmallCNN(width=4, seed=0), tiny.images, tiny.labels, epochs=1, batch_size=32, watch=0, classes=tiny.classes, progress=False)
    d = tiny[:3]
    s = cv.score_against_masks(
        run.classifier, run.classifier.from_unit(d.images), {"cue": d.cue_masks, "object": d.object_masks}, {"saliency": cv.saliency}, d.labels, progress=False
    )
    fig = cv.plot.mask_scores({"a": s, "b": s}, "cue energy", chance=0.1, landscape=True)
    ax = fig.axes[0]
    assert len(ax.patches) == 2 and all(abs(b.get_height() - s.mean("saliency", "cue energy")) < 1e-6 for b in ax.patches)
    assert fig.get_figwidth() > fig.get_figheight()
    assert [t.get_text() for t in ax.get_xticklabels()] == ["saliency"]
    assert [line.get_ydata()[0] for line in ax.get_lines()] == [0.1]  # the chance level
