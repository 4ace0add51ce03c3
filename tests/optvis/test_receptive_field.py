import pytest
import torch
from torch import nn

from cnnviz_lab.optvis import receptive_field


def tiny(stride: int) -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(3, 4, 3, stride=stride, padding=1), nn.Conv2d(4, 4, 3, padding=1), nn.Conv2d(4, 2, 1))


def test_receptive_field_matches_hand_computed_sizes():
    # two 3x3 convs: 3 + 2 = 5; with a stride-2 first conv: 3 + 2 * 2 = 7; a 1x1 conv adds nothing
    assert receptive_field(tiny(1), "0", size=32) == 3
    assert receptive_field(tiny(1), "1", size=32) == 5
    assert receptive_field(tiny(1), "2", size=32) == 5
    assert receptive_field(tiny(2), "1", size=32) == 7


def test_receptive_field_clips_at_the_input_and_leaves_the_model_alone():
    net = tiny(1).train()
    before = {k: v.clone() for k, v in net.state_dict().items()}
    assert receptive_field(net, "1", size=4) == 4  # the whole (small) input
    assert net.training and all(p.requires_grad and p.grad is None for p in net.parameters())
    assert all(torch.equal(v, net.state_dict()[k]) for k, v in before.items())
    assert not net._forward_hooks and not any(m._forward_hooks for m in net.modules())


def test_receptive_field_bad_input():
    with pytest.raises(ValueError, match="size"):
        receptive_field(tiny(1), "1", size=0)
    with pytest.raises((ValueError, TypeError), match="layer"):
        receptive_field(tiny(1), "nope")
