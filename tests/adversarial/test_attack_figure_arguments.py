"""cv.plot.attack answers bad arguments (not an Attack, another batch, an index or k out of
range, a bad amplification) with one error naming the argument, and draws the image asked."""

from __future__ import annotations

import pytest
import torch
from PIL import Image

import cnnviz_lab as cv
from fuzzkit import make_model


@pytest.fixture(scope="module")
def attacked():
    clf = make_model("classifier")
    x = clf.preprocess([Image.new("RGB", (16, 16), (200, 40, 40)), Image.new("RGB", (16, 16), (30, 160, 90))])
    return clf, x, cv.fgsm(clf, x, 1, epsilon=8)


@pytest.mark.parametrize(
    "change, error, word",
    [
        (dict(result="attack"), TypeError, "result"),
        (dict(classifier="clf"), TypeError, "classifier"),
        (dict(x=[1.0]), ValueError, "x"),
        (dict(x=torch.zeros(2, 3, 8, 8)), ValueError, "x"),
        (dict(index=2), ValueError, "index"),
        (dict(index=-1), ValueError, "index"),
        (dict(index=0.5), TypeError, "index"),
        (dict(k=0), ValueError, "k"),
        (dict(k="4"), TypeError, "k"),
        (dict(k=6), ValueError, "k"),
        (dict(amplify=-1), ValueError, "amplify"),
        (dict(amplify="x"), TypeError, "amplify"),
        (dict(log="yes"), TypeError, "log"),
    ],
)
def test_attack_figure_bad_argument_is_named(attacked, change, error, word):
    clf, x, adv = attacked
    args = dict(result=adv, x=x, classifier=clf) | change
    with pytest.raises(error, match=word):
        cv.plot.attack(args.pop("result"), args.pop("x"), args.pop("classifier"), **args)


def test_attack_figure_draws_the_image_asked(attacked):
    clf, x, adv = attacked
    fig = cv.plot.attack(adv, x, clf, index=1, k=2, log=True)
    assert fig.axes[0].images[0].get_array()[..., 1].mean() > fig.axes[0].images[0].get_array()[..., 0].mean()  # the green one
    assert fig.axes[3].get_xscale() == "log"
