"""cam_box (Zhou et al. 2016: threshold at a share of the maximum, largest connected region)
and box_iou, on hand-made maps whose answer can be read off."""

import pytest
import torch

from cnnviz_lab.evaluate import box_iou, cam_box


def test_cam_box_keeps_the_largest_region_above_the_threshold():
    m = torch.zeros(10, 12)
    m[2:5, 3:8] = 1.0  # 15 pixels: the largest region
    m[7, 10] = 5.0  # the maximum, a single pixel
    m[8:10, 0:2] = 0.5  # 4 pixels
    # 20 % of 5 is 1: the 15-pixel block and the single maximum survive, the 0.5 block does not
    assert cam_box(m) == (3, 2, 8, 5)
    # 10 %: the 0.5 block joins, still smaller than 15 pixels
    assert cam_box(m, threshold=0.1) == (3, 2, 8, 5)
    # above 20 % only the maximum is left
    assert cam_box(m, threshold=0.5) == (10, 7, 11, 8)


def test_cam_box_uses_4_connectivity():
    m = torch.zeros(5, 5)
    m[0, 0] = m[1, 1] = m[2, 2] = 1.0  # diagonal: three separate regions of one pixel
    m[4, 3:5] = 0.9  # two touching pixels: the largest region
    assert cam_box(m) == (3, 4, 5, 5)


def test_cam_box_rejects_bad_input():
    with pytest.raises(ValueError, match="threshold"):
        cam_box(torch.ones(3, 3), threshold=0)
    with pytest.raises(ValueError, match="heatmap"):
        cam_box(torch.ones(2, 3, 3))
    with pytest.raises(ValueError, match="heatmap"):
        cam_box(-torch.ones(3, 3))
    with pytest.raises(TypeError, match="heatmap"):
        cam_box("map")


def test_box_iou_by_hand():
    assert box_iou((0, 0, 2, 2), (0, 0, 2, 2)) == 1.0
    assert box_iou((0, 0, 2, 2), (2, 0, 4, 2)) == 0.0
    assert box_iou((0, 0, 4, 2), (2, 0, 6, 2)) == pytest.approx(4 / 12)
    with pytest.raises(ValueError, match="a"):
        box_iou((2, 0, 0, 2), (0, 0, 1, 1))
    with pytest.raises(ValueError, match="b"):
        box_iou((0, 0, 1, 1), (0, 0, 1))
