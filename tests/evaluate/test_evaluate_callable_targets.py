"""Evaluation metrics and adversarial tools on callable targets (issue 23).

Where a measure is defined for any score (deletion and insertion, faithfulness correlation,
infidelity, sensitivity, ROAD's score curves, Average Drop, the randomisation check, the
comparison of explanations before and after an attack), a callable that reads class c's
score gives the class target's number; on a segmentation network with a dict output the
metrics follow their definitions (a linear objective makes infidelity 0 and faithfulness
correlation 1 for the exact attribution), and a batch equals its images one by one. Where
it is not (an attack: cross-entropy and top-1; ROAD's accuracy; ``output=`` with a
callable; K scores per image), one clear error names the argument."""

from __future__ import annotations

import pytest
import torch
from conftest import TinyNet, assert_clean
from fuzzkit import ModelState, TensorState
from torch import nn

import cnnviz_lab as cv


def tiny() -> TinyNet:
    torch.manual_seed(0)
    return TinyNet().eval()


def prob(c: int):
    return lambda z: z.softmax(1)[:, c]


def logit(c: int):
    return lambda z: z[:, c]


CASES = {  # name -> (call with a target, the callable that means class 2 to it)
    "deletion": (lambda m, x, a, t: cv.deletion_auc(m, x, a, t, steps=4, seed=0), prob(2)),
    "insertion": (lambda m, x, a, t: cv.insertion_auc(m, x, a, t, steps=4, seed=0), prob(2)),
    "faithfulness_correlation": (lambda m, x, a, t: cv.evaluate.faithfulness_correlation(m, x, a, t, n=6, subset_size=9, seed=0), logit(2)),
    "infidelity": (lambda m, x, a, t: cv.evaluate.infidelity(m, x, a, t, n=5, seed=0), logit(2)),
    "road": (lambda m, x, a, t: cv.evaluate.road(m, x, a, t, fractions=[0.2, 0.6], seed=0).scores, prob(2)),
    "average_drop": (lambda m, x, a, t: cv.evaluate.average_drop(m, x, a, t), cv.targets.probability(2)),
    "increase_in_confidence": (lambda m, x, a, t: cv.evaluate.increase_in_confidence(m, x, a, t), prob(2)),
    "max_sensitivity": (lambda m, x, a, t: cv.evaluate.max_sensitivity(m, x, t, n=3, seed=0), logit(2)),
    "randomization_check": (lambda m, x, a, t: cv.randomization_check(m, cv.saliency, x, t, seed=0).spearman, logit(2)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_callable_reading_class_c_gives_the_class_targets_number(name):
    fn, score = CASES[name]
    net = tiny()
    x = torch.randn(2, 3, 12, 12)
    a = torch.rand(2, 12, 12)
    state, xs = ModelState.of(net), TensorState.of(x)
    torch.testing.assert_close(fn(net, x, a, score), fn(net, x, a, 2))
    state.assert_same(net, name)
    xs.assert_same(x, "x")
    assert_clean(net)


class LinearSeg(nn.Module):
    """A segmentation network linear in its input (no activation): ``{"out": (N,3,H,W)}``."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.conv = nn.Conv2d(3, 3, 3, padding=1)

    def forward(self, x):
        return {"out": self.conv(x), "aux": x.mean()}


def test_metrics_follow_their_definitions_on_a_segmentation_objective():
    seg = LinearSeg().eval()
    x = torch.randn(2, 3, 10, 10)
    mask = torch.zeros(10, 10)
    mask[2:7, 3:9] = 1
    target = cv.targets.segmentation(1, mask=mask)
    # g(f(x)) is linear in x: f(x) - f(x - I) = I . grad exactly, so the gradient's infidelity is 0
    grad = cv.saliency(seg, x, target)
    assert float(cv.evaluate.infidelity(seg, x, grad, target, n=4, seed=0).abs().max()) < 1e-8
    # and with fill 0 the drop of a subset is the sum of input x gradient over it: correlation 1
    ixg = cv.input_x_gradient(seg, x, target)
    torch.testing.assert_close(cv.evaluate.faithfulness_correlation(seg, x, ixg, target, n=8, subset_size=20, seed=0), torch.ones(2))
    # the deletion curve starts at g(f(x)) and ends at g(f(fill)), scored with each image's mask
    masks = torch.stack([mask, 1 - mask])
    per_image = cv.targets.segmentation([1, 2], mask=masks)
    curve = cv.deletion_curve(seg, x, grad.abs().sum(1), per_image, steps=3, fill=0.0, seed=0)
    with torch.no_grad():
        start = per_image(seg(x))
        end = per_image(seg(torch.zeros_like(x)))
    torch.testing.assert_close(curve.scores[:, 0], start)
    torch.testing.assert_close(curve.scores[:, -1], end)
    assert curve.targets is None
    for i in range(2):  # a batch equals its images one by one
        alone = cv.deletion_curve(seg, x[i : i + 1], grad.abs().sum(1)[i : i + 1], cv.targets.segmentation([1, 2][i], mask=masks[i]), steps=3, fill=0.0, seed=0)
        torch.testing.assert_close(curve.scores[i], alone.scores[0])
    # ROAD, Average Drop and the randomisation check run on the dict output with the callable
    assert cv.evaluate.road(seg, x, grad.abs().sum(1), target, fractions=[0.5], seed=0).scores.shape == (2, 1)
    y, _ = cv.evaluate.explanation_scores(seg, x, grad.abs().sum(1), target)
    torch.testing.assert_close(y, target(seg(x)).detach())
    check = cv.randomization_check(seg, cv.saliency, x, target, layers=["conv"], seed=0)
    assert check.targets is None and check.spearman.shape == (2, 1)
    assert_clean(seg)


def test_where_a_measure_is_not_defined_for_a_callable_one_error_names_the_argument():
    net = tiny()
    x, a = torch.rand(1, 3, 12, 12), torch.rand(1, 12, 12)
    with pytest.raises(ValueError, match="output='prob' applies to class targets"):
        cv.evaluate.infidelity(net, x, a, logit(1), output="prob")
    with pytest.raises(ValueError, match="output='accuracy'"):
        cv.evaluate.road(net, x, a, logit(1), output="accuracy")
    with pytest.raises(ValueError, match="target: the deletion curve scores one target per image"):
        cv.deletion_auc(net, x, a, lambda z: z[:, :2])
    with pytest.raises(ValueError, match="target: faithfulness correlation scores one target"):
        cv.evaluate.faithfulness_correlation(net, x, a, lambda z: z[:, :2])
    for attack in (cv.fgsm, cv.pgd):
        with pytest.raises(TypeError, match="target: (FGSM|PGD) attacks a class"):
            attack(net, x, logit(1))
    assert torch.is_grad_enabled()
    assert_clean(net)


def test_compare_explanations_hands_a_callable_to_each_method():
    net = tiny()
    x = torch.rand(2, 3, 12, 12)
    attack = cv.fgsm(net, x, epsilon=8)
    plain = cv.compare_explanations(net, x, attack, ["saliency"], before=2, after=[1, 3])
    called = cv.compare_explanations(net, x, attack, ["saliency"], before=logit(2), after=cv.targets.multilabel([1, 3], logit=True))
    torch.testing.assert_close(called.similarity["saliency"], plain.similarity["saliency"])
    torch.testing.assert_close(called.before["saliency"], plain.before["saliency"])
    with pytest.raises(ValueError, match="before: the callable must return one score per image"):
        cv.compare_explanations(net, x, attack, ["saliency"], before=lambda z: z[:, :2])
