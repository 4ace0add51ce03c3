import numpy as np
import pytest

import cnnviz_lab as cv


def test_feature_maps_limits_fix_the_shared_scale_and_mark_clipped_values(lite, cat_x):
    act = cv.activations(lite, cat_x, "head")[0, :4]
    fig = cv.plot.feature_maps(lite, cat_x, "head", channels=range(4), scale="shared", limits=(0, 6))
    images = [im for ax in fig.axes for im in ax.get_images()]
    assert len(images) == 4 and all(im.get_clim() == (0.0, 6.0) for im in images)
    assert "fixed at 0 to 6" in fig._suptitle.get_text()
    bar = next(ax for ax in fig.axes if ax.get_label() == "<colorbar>")
    low = cv.plot.feature_maps(lite, cat_x, "head", channels=range(4), scale="shared", limits=(0, 1))
    low_bar = next(ax for ax in low.axes if ax.get_label() == "<colorbar>")
    assert act.max() > 1  # so the (0, 1) scale clips the top, and its colour bar says so
    assert low_bar._colorbar.extend == "max" and bar._colorbar.extend == "neither"
    assert cv.hook_count(lite) == 0


def test_feature_maps_tile_sets_the_tile_size(lite, cat_x):
    small = cv.plot.feature_maps(lite, cat_x, "blocks.1", channels=range(4), ncols=4, scale="signed")
    big = cv.plot.feature_maps(lite, cat_x, "blocks.1", channels=range(4), ncols=4, scale="signed", tile=2.4)
    assert np.isclose(big.get_size_inches()[0] - small.get_size_inches()[0], 4 * 1.2)


def test_feature_maps_limits_and_tile_reject_bad_values(lite, cat_x):
    with pytest.raises(TypeError, match="limits"):
        cv.plot.feature_maps(lite, cat_x, "head", channels=[0], scale="shared", limits=6)
    with pytest.raises(ValueError, match="limits"):
        cv.plot.feature_maps(lite, cat_x, "head", channels=[0], scale="shared", limits=(6, 0))
    with pytest.raises(ValueError, match="limits"):
        cv.plot.feature_maps(lite, cat_x, "head", channels=[0], scale="signed", limits=(0, 6))
    with pytest.raises((TypeError, ValueError), match="tile"):
        cv.plot.feature_maps(lite, cat_x, "head", channels=[0], tile=0)


def test_matrix_labels_the_output_channels_of_the_whole_layer(lite):
    whole = cv.plot.filters(lite, "blocks.1.project.conv")
    assert whole.axes[0].get_ylabel() == "output channel (of 24)"
    part = cv.plot.filters(lite, "blocks.1.project.conv", max_filters=10)
    assert part.axes[0].get_ylabel() == "output channel (10 of 24 shown)"
