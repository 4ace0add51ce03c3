"""The LRP account (cv.attribution.relevance_ledger): hand-computed on tiny networks, closing
exactly on EfficientNet-Lite0, the same relevance as cv.lrp, and its figure."""

from __future__ import annotations

import pytest
import torch
from conftest import assert_clean
from torch import nn

import cnnviz_lab as cv
from cnnviz_lab.core import Composite, Epsilon, Norm, Pass
from cnnviz_lab.core.engine import Sum


class Affine(nn.Module):
    """y = w.x + b with w = (1, -1, 2), b = 0.5."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(3, 1)
        self.fc.weight.data = torch.tensor([[1.0, -1.0, 2.0]])
        self.fc.bias.data = torch.tensor([0.5])

    def forward(self, x):
        return self.fc(x.flatten(1))


class Residual(nn.Module):
    """y = sum of the channels of x + relu(2x - 1), on one pixel of three channels (a linear head of ones)."""

    def __init__(self) -> None:
        super().__init__()
        self.branch = nn.Conv2d(3, 3, 1)
        self.branch.weight.data = 2 * torch.eye(3).view(3, 3, 1, 1)
        self.branch.bias.data = torch.full((3,), -1.0)
        self.head = nn.Linear(3, 1, bias=False)
        self.head.weight.data = torch.ones(1, 3)

    def forward(self, x):
        return self.head((x + torch.relu(self.branch(x))).flatten(1))


def test_a_linear_model_keeps_its_bias_and_hands_the_rest_to_the_inputs():
    # x = (1, 2, 3): z = 1 - 2 + 6 + 0.5 = 5.5; LRP-0 gives x_j w_j = (1, -2, 6) and the bias keeps 0.5
    net = Affine().eval()
    x = torch.tensor([1.0, 2.0, 3.0]).view(1, 3, 1, 1)
    ledger = cv.attribution.relevance_ledger(net, x, 0, composite=Composite([(nn.Linear, Epsilon(1e-12))]))
    torch.testing.assert_close(ledger.relevance.flatten(), torch.tensor([1.0, -2.0, 6.0]))
    assert [s.name for s in ledger.sites] == ["fc"] and ledger.sites[0].kind == "Linear"
    torch.testing.assert_close(ledger.logit, torch.tensor([5.5]))
    torch.testing.assert_close(ledger.kept, torch.tensor([0.5]))
    torch.testing.assert_close(ledger.in_flight(), torch.tensor([[5.5, 5.0]]))
    torch.testing.assert_close(ledger.pixels + ledger.kept, ledger.logit)
    assert_clean(net)


def test_a_residual_sum_splits_in_proportion_and_is_named_after_the_layer_before_it():
    # x = (1, 2, 3): branch relu(2x - 1) = (1, 3, 5); each channel's sum a + b = (2, 5, 8), the head
    # (weights 1, no bias) hands them R = (2, 5, 8), 15 in all.
    # Norm: the skip gets a/(a+b) R = (1, 2, 3) (6 in all), the branch (1, 3, 5) (9).
    # LRP-0 on the branch conv: z = 2x - 1, R_x = 2x/(2x-1) * (1, 3, 5) = (2, 4, 6): the bias keeps -3.
    net = Residual().eval()
    x = torch.tensor([1.0, 2.0, 3.0]).view(1, 3, 1, 1)
    comp = Composite([((nn.Conv2d, nn.Linear), Epsilon(1e-12)), (nn.ReLU, Pass()), (Sum, Norm(1e-12))])
    ledger = cv.attribution.relevance_ledger(net, x, 0, composite=comp)
    total = ledger.site("sum after branch")
    assert total.kind == "Sum"
    torch.testing.assert_close(total.arrived, torch.tensor([15.0]))
    torch.testing.assert_close(total.left, torch.tensor([[6.0, 9.0]]))
    torch.testing.assert_close(ledger.site("branch").kept, torch.tensor([-3.0]))
    assert [s.name for s in ledger.sites][:2] == ["head", "sum after branch"]
    torch.testing.assert_close(ledger.site("head").kept, torch.tensor([0.0]))
    torch.testing.assert_close(ledger.relevance.flatten(), torch.tensor([1.0 + 2, 2 + 4, 3 + 6]))
    torch.testing.assert_close(ledger.pixels + ledger.kept, ledger.logit)
    with pytest.raises(ValueError, match="prefix"):
        ledger.site("nowhere")


@pytest.mark.parametrize("composite", ["epsilon_plus_flat", "epsilon_gamma_box"])
def test_the_account_closes_on_efficientnet_lite0_and_matches_lrp(lite, composite):
    x = lite.preprocess(cv.sample_image("cat"), size=64)
    ledger = cv.attribution.relevance_ledger(lite, x, 281, composite=composite)
    torch.testing.assert_close(ledger.relevance, cv.lrp(lite, x, 281, composite=composite), rtol=1e-5, atol=1e-9)
    torch.testing.assert_close(ledger.logit, lite.logits(x)[:, 281], rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(ledger.pixels + ledger.kept, ledger.logit, rtol=1e-4, atol=1e-4)
    assert ledger.sites[0].name == "classifier" and any(s.kind == "Sum" for s in ledger.sites)
    torch.testing.assert_close(ledger.in_flight()[:, -1], ledger.pixels, rtol=1e-4, atol=1e-4)
    fig = cv.plot.relevance_flow({composite: ledger})
    assert fig.axes[0].get_yscale() == "log" and fig.axes[0].get_xticklabels()[-1].get_text() == "pixels"
    marked = cv.plot.relevance_flow({composite: ledger}, mark_extremes=True).axes[0].texts
    keeper = max(ledger.sites, key=lambda s: float(s.kept[0]))
    assert marked and marked[0].get_text().startswith(f"{keeper.name} keeps")
    assert (len(marked) == 2) == any(float(s.kept[0]) < -0.01 * abs(float(ledger.logit[0])) for s in ledger.sites)
    pts, rows = [t.xy[1] for t in marked], [t.xyann[1] for t in marked]  # the higher point gets the higher label
    assert sorted(range(len(marked)), key=lambda k: -pts[k]) == sorted(range(len(marked)), key=lambda k: -rows[k])
    plain_ticks = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    ticks = [t.get_text() for t in cv.plot.relevance_flow({composite: ledger}, max_ticks=2, always=("head",)).axes[0].get_xticklabels()]
    assert "head" in [t.strip() for t in ticks] and ticks[0] == "logit" and ticks[-1] == "pixels" and len(ticks) <= len(plain_ticks) + 1
    forced = cv.plot.relevance_flow({composite: ledger}, always=("head",)).axes[0]
    positions, names = list(forced.get_xticks()), [t.get_text() for t in forced.get_xticklabels()]
    assert positions == sorted(positions)
    gap = 0.04 * len(ledger.sites)  # a name too close to the one before it goes one line lower, so the two do not overlap
    assert all(n.startswith("\n") == (k > 0 and positions[k] - positions[k - 1] < gap) for k, n in enumerate(names))
    assert_clean(lite)


def test_bad_input_gets_one_clear_error(tiny):
    x = torch.randn(1, 3, 8, 8)
    with pytest.raises(ValueError, match="target"):
        cv.attribution.relevance_ledger(tiny, x, [[0, 1]])
    with pytest.raises(ValueError, match="composite"):
        cv.attribution.relevance_ledger(tiny, x, 0, composite="nope")
    with pytest.raises(TypeError, match="ledgers"):
        cv.plot.relevance_flow({})
    with pytest.raises(TypeError, match="mark_extremes"):
        cv.plot.relevance_flow({"x": cv.attribution.relevance_ledger(tiny, x, 0)}, mark_extremes="yes")
    with pytest.raises(TypeError, match="always"):
        cv.plot.relevance_flow({"x": cv.attribution.relevance_ledger(tiny, x, 0)}, always="head")
    with pytest.raises(ValueError, match="always"):
        cv.plot.relevance_flow({"x": cv.attribution.relevance_ledger(tiny, x, 0)}, always=("no such block",))
    assert_clean(tiny)


def test_reference_images_are_what_they_say(lite):
    x = lite.preprocess(cv.sample_image("cat"), size=64)
    refs = cv.attribution.reference_images(lite, x, seed=0)
    assert list(refs) == ["black", "blurred", "noise", "mean"] and all(r.shape == x.shape for r in refs.values())
    torch.testing.assert_close(lite.to_unit(refs["black"]), torch.zeros_like(x), atol=1e-6, rtol=0)
    torch.testing.assert_close(refs["mean"], torch.zeros_like(x), atol=1e-6, rtol=0)  # the mean is 0 once normalised
    unit = lite.to_unit(refs["noise"])
    assert 0 <= float(unit.min()) and float(unit.max()) <= 1 and 0.45 < float(unit.mean()) < 0.55
    torch.testing.assert_close(refs["noise"], cv.attribution.reference_images(lite, x, ["noise"], seed=0)["noise"])
    blurred = refs["blurred"]  # a blur keeps the mean colour and removes detail
    torch.testing.assert_close(blurred.mean((2, 3)), x.mean((2, 3)), atol=0.05, rtol=0)
    assert float((blurred[..., 1:] - blurred[..., :-1]).abs().mean()) < 0.5 * float((x[..., 1:] - x[..., :-1]).abs().mean())
    with pytest.raises(ValueError, match="kinds"):
        cv.attribution.reference_images(lite, x, ["grey"])
    with pytest.raises(TypeError, match="classifier"):
        cv.attribution.reference_images(lite.model, x)
    with pytest.raises(ValueError, match="x"):
        cv.attribution.reference_images(lite, x[0])
