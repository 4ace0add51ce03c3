"""Bad arguments to the figures added for the notebooks' latest rounds: each raises one
ValueError or TypeError that names the argument (never an AttributeError, IndexError or a
matplotlib / numpy message from deep inside), and a missing image file is a ValueError too."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

import cnnviz_lab as cv
from cnnviz_lab.concepts.tcav import TCAVResult
from tcavkit import tcav_result
from fuzzkit import NAMES, make_model


@pytest.fixture(scope="module")
def clf() -> cv.Classifier:
    return make_model("classifier")


def _result(concept_scores, random_scores) -> TCAVResult:
    return tcav_result(concept_scores, random_scores)


R = _result([1.0, 0.5, 0.75], [0.0, 0.5, 0.25])
G = torch.randn(2, 3, 16, 16)
PHOTO = Image.new("RGB", (20, 20), (120, 60, 30))
CURVE = cv.evaluate.Curve("deletion", torch.linspace(0, 1, 4), torch.rand(2, 4), torch.rand(2), torch.tensor([0, 1]))
CHANGES, FIRST = {"a": {0.5: 1.0, 1.0: 2.0}}, {"a": (1.0, 0.8)}

# (id, call, error, a word the message must hold)
CASES = [
    # tcav_baseline, tcav, tcav_scores
    ("tcav_baseline fontsize None", lambda c: cv.plot.tcav_baseline(R, R, "striped", "feat", fontsize=None), TypeError, "fontsize"),
    ("tcav_baseline fontsize str", lambda c: cv.plot.tcav_baseline(R, R, "striped", "feat", fontsize="9"), TypeError, "fontsize"),
    ("tcav_baseline fontsize bool", lambda c: cv.plot.tcav_baseline(R, R, "striped", "feat", fontsize=True), TypeError, "fontsize"),
    ("tcav_baseline fontsize 1", lambda c: cv.plot.tcav_baseline(R, R, "striped", "feat", fontsize=1), ValueError, "fontsize"),
    ("tcav_baseline fontsize inf", lambda c: cv.plot.tcav_baseline(R, R, "striped", "feat", fontsize=float("inf")), ValueError, "fontsize"),
    ("tcav_baseline height inf", lambda c: cv.plot.tcav_baseline(R, R, "striped", "feat", height=float("inf")), ValueError, "height"),
    ("tcav_baseline height str", lambda c: cv.plot.tcav_baseline(R, R, "striped", "feat", height="4"), TypeError, "height"),
    ("tcav result str", lambda c: cv.plot.tcav("result"), TypeError, "result"),
    ("tcav fontsize str", lambda c: cv.plot.tcav(R, fontsize="9"), TypeError, "fontsize"),
    ("tcav fontsize 3", lambda c: cv.plot.tcav(R, repeats=True, fontsize=3), ValueError, "fontsize"),
    ("tcav concepts unknown", lambda c: cv.plot.tcav(R, concepts=["dotted"]), ValueError, "concepts"),
    ("tcav concepts str", lambda c: cv.plot.tcav(R, concepts="striped"), ValueError, "concepts"),
    ("tcav_scores concept unknown", lambda c: cv.plot.tcav_scores(R, "dotted", "feat"), ValueError, "concept"),
    ("tcav_scores result str", lambda c: cv.plot.tcav_scores("r", "striped", "feat"), TypeError, "result"),
    # phase_tables
    ("phase_tables fontsize str", lambda c: cv.plot.phase_tables({"a": G[0]}, 2, fontsize="x"), TypeError, "fontsize"),
    ("phase_tables cell 0", lambda c: cv.plot.phase_tables({"a": G[0]}, 2, cell=0), ValueError, "cell"),
    ("phase_tables map nan", lambda c: cv.plot.phase_tables({"a": torch.full((8, 8), float("nan"))}, 2), ValueError, "maps['a']"),
    # gradient_image, cam_architectures, guided_gradcam_row
    ("gradient_image str", lambda c: cv.plot.gradient_image("map"), TypeError, "attribution"),
    ("gradient_image nan", lambda c: cv.plot.gradient_image(torch.full((3, 8, 8), float("nan"))), ValueError, "attribution"),
    ("gradient_image percentile 0", lambda c: cv.plot.gradient_image(G[0], 0), ValueError, "percentile"),
    ("gradient_image percentile 200", lambda c: cv.plot.gradient_image(G[0], 200), ValueError, "percentile"),
    ("gradient_image percentile str", lambda c: cv.plot.gradient_image(G[0], "99"), TypeError, "percentile"),
    ("cam_architectures str", lambda c: cv.plot.cam_architectures("results"), TypeError, "results"),
    ("cam_architectures ints", lambda c: cv.plot.cam_architectures([1, 2]), TypeError, "results"),
    ("cam_architectures empty", lambda c: cv.plot.cam_architectures([]), TypeError, "results"),
    ("guided_gradcam_row labels str", lambda c: cv.plot.guided_gradcam_row(PHOTO, G, G, "ab", c), TypeError, "labels"),
    ("guided_gradcam_row labels ints", lambda c: cv.plot.guided_gradcam_row(PHOTO, G, G, [1, 2], c), TypeError, "labels"),
    ("guided_gradcam_row classifier str", lambda c: cv.plot.guided_gradcam_row(PHOTO, G, G, ["a", "b"], "clf"), TypeError, "classifier"),
    ("guided_gradcam_row title int", lambda c: cv.plot.guided_gradcam_row(PHOTO, G, G, ["a", "b"], c, title=3), TypeError, "title"),
    ("guided_gradcam_row percentile str", lambda c: cv.plot.guided_gradcam_row(PHOTO, G, G, ["a", "b"], c, percentile="99"), TypeError, "percentile"),
    ("guided_gradcam_row percentile 200", lambda c: cv.plot.guided_gradcam_row(PHOTO, G, G, ["a", "b"], c, percentile=200), ValueError, "percentile"),
    ("guided_gradcam_row guided nan", lambda c: cv.plot.guided_gradcam_row(PHOTO, G * float("nan"), G, ["a", "b"], c), ValueError, "guided"),
    (
        "guided_gradcam_row maps of another size",
        lambda c: cv.plot.guided_gradcam_row(PHOTO, G[..., :8, :8], G[..., :8, :8], ["a", "b"], c),
        ValueError,
        "guided",
    ),
    ("guided_gradcam_row missing file", lambda c: cv.plot.guided_gradcam_row("no/such/photo.png", G, G, ["a", "b"], c), ValueError, "no/such/photo.png"),
    # logit_changes, renderings
    ("logit_changes figsize str", lambda c: cv.plot.logit_changes(CHANGES, FIRST, figsize="big"), ValueError, "figsize"),
    ("logit_changes figsize negative", lambda c: cv.plot.logit_changes(CHANGES, FIRST, figsize=(-1, 2)), ValueError, "figsize"),
    ("logit_changes figsize of 3", lambda c: cv.plot.logit_changes(CHANGES, FIRST, figsize=(1, 2, 3)), ValueError, "figsize"),
    ("renderings box outside", lambda c: cv.plot.renderings(torch.rand(2, 3, 16, 16), box=(20, 20, 30, 30)), ValueError, "box"),
    ("renderings box left of the image", lambda c: cv.plot.renderings(torch.rand(2, 3, 16, 16), box=(-9, 0, -1, 5)), ValueError, "box"),
    # filters, feature_maps
    ("filters gain str", lambda c: cv.plot.filters(c, "conv1", gain="x"), TypeError, "gain"),
    ("filters gain dict", lambda c: cv.plot.filters(c, "conv1", gain={"a": 1.0}), TypeError, "gain"),
    # predictions, augmentations
    ("predictions classifier str", lambda c: cv.plot.predictions("clf", PHOTO), TypeError, "classifier"),
    ("predictions missing file", lambda c: cv.plot.predictions(c, "no/such/photo.png"), ValueError, "no/such/photo.png"),
    ("augmentations classifier str", lambda c: cv.plot.augmentations("clf", PHOTO), TypeError, "classifier"),
    ("augmentations names str", lambda c: cv.plot.augmentations(c, PHOTO, "blur"), TypeError, "names"),
    ("augmentations names empty", lambda c: cv.plot.augmentations(c, PHOTO, []), TypeError, "names"),
    ("augmentations seed str", lambda c: cv.plot.augmentations(c, PHOTO, seed="x"), TypeError, "seed"),
    ("augmentations missing file", lambda c: cv.plot.augmentations(c, "no/such/photo.png"), ValueError, "no/such/photo.png"),
    ("cam_by_layer layers str", lambda c: cv.plot.cam_by_layer(c, torch.rand(1, 3, 16, 16), "conv1"), TypeError, "layers"),
    ("cam_by_layer layers empty", lambda c: cv.plot.cam_by_layer(c, torch.rand(1, 3, 16, 16), []), TypeError, "layers"),
    # curves
    ("curves index out of range", lambda c: cv.plot.curves(CURVE, index=5), ValueError, "index"),
    ("curves index str", lambda c: cv.plot.curves(CURVE, index="0"), ValueError, "index"),
    ("curves results str", lambda c: cv.plot.curves("curve"), TypeError, "results"),
    ("curves results of str", lambda c: cv.plot.curves({"a": "curve"}), TypeError, "results['a']"),
    ("curves results empty", lambda c: cv.plot.curves([]), ValueError, "results"),
    ("curves legend_loc", lambda c: cv.plot.curves(CURVE, legend_loc="nowhere"), ValueError, "legend_loc"),
    ("curves fontsize inf", lambda c: cv.plot.curves(CURVE, fontsize=float("inf")), ValueError, "fontsize"),
]


@pytest.mark.parametrize("call, error, word", [pytest.param(c, e, w, id=i) for i, c, e, w in CASES])
def test_a_bad_argument_raises_one_clear_error_naming_it(clf, call, error, word):
    with pytest.raises(error) as caught:
        call(clf)
    assert type(caught.value).__module__.startswith(("builtins", "cnnviz_lab")), f"a foreign error: {type(caught.value)}"
    assert word in str(caught.value)


def test_predictions_reads_a_three_channel_image_tensor_as_a_photo_not_its_first_channel(clf):
    photo = torch.zeros(3, 16, 16)
    photo[1] = 1.0  # pure green
    fig = cv.plot.predictions(clf, photo, k=2)
    shown = fig.axes[0].images[0].get_array()
    assert shown.shape == (16, 16, 3) and np.allclose(shown[..., 1], 1.0, atol=0.02) and np.allclose(shown[..., 0], 0.0, atol=0.02)
    expected = clf.predict(clf.preprocess(photo), k=2)
    bars = [t.get_text() for t in fig.axes[1].get_yticklabels()]
    assert bars == [label for _, label, _ in expected][::-1]


def test_augmentations_still_draw_every_view_by_default_and_the_views_asked(clf):
    assert len(cv.plot.augmentations(clf, PHOTO).axes) >= 8
    fig = cv.plot.augmentations(clf, PHOTO, ["original", "blur"], seed=None)
    assert [ax.get_title().split("\n")[0] for ax in fig.axes if ax.get_title()] == ["original", "blur"]
    assert all(ax.get_title().split("\n")[1].rsplit(" ", 1)[0] in NAMES for ax in fig.axes if ax.get_title())


def test_renderings_box_partly_outside_is_cut_at_the_border():
    fig = cv.plot.renderings(torch.rand(1, 3, 16, 16), box=(np.int64(8), 8, 24, 24))
    assert len(fig.axes[0].patches) == 2 and fig.axes[0].get_xlim() == (-0.5, 15.5)


def test_feature_maps_take_numpy_numbers_as_limits(clf):
    fig = cv.plot.feature_maps(clf, torch.randn(1, 3, 16, 16), "relu1", scale="shared", limits=(np.float32(0), np.float64(2)))
    assert fig.axes[0].images[0].get_clim() == (0.0, 2.0)
