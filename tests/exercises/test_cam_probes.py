"""The checkers of notebook 05's probes: greying out boxes and sweeping the CAM box threshold."""

import torch

import cnnviz_lab as cv
from cnnviz_lab import exercises as ex


def _grey_out(x, boxes):
    out = x.clone()
    for x0, y0, x1, y1 in boxes:
        out[:, :, y0:y1, x0:x1] = 0
    return out


def test_check_grey_out_accepts_a_copy_with_every_box_zeroed(capsys):
    assert ex.check_grey_out(_grey_out)
    assert capsys.readouterr().out.startswith("correct")


def test_check_grey_out_names_the_likely_mistakes(capsys):
    def swapped(x, boxes):
        return _grey_out(x, [(y0, x0, y1, x1) for x0, y0, x1, y1 in boxes])

    def one_channel(x, boxes):
        out = x.clone()
        for x0, y0, x1, y1 in boxes:
            out[:, 0, y0:y1, x0:x1] = 0
        return out

    def in_place(x, boxes):
        for x0, y0, x1, y1 in boxes:
            x[:, :, y0:y1, x0:x1] = 0
        return x

    for fn, words in ((swapped, "swapped"), (one_channel, "EVERY channel"), (in_place, "x.clone()"), (lambda x, b: _grey_out(x, b[:1]), "every box")):
        assert not ex.check_grey_out(fn)
        assert words in capsys.readouterr().out


def test_check_iou_sweep_compares_with_cam_box_and_box_iou(capsys):
    def sweep(cam, box, thresholds):
        return {t: cv.evaluate.box_iou(cv.evaluate.cam_box(cam, threshold=t), box) for t in thresholds}

    assert ex.check_iou_sweep(sweep)
    out = capsys.readouterr().out
    assert "best at 20%" in out and "synthetic test map" in out  # says the numbers are not the student's image's
    assert not ex.check_iou_sweep(lambda cam, box, ts: {t: 0.5 for t in ts})
    assert "expected" in capsys.readouterr().out
    assert not ex.check_iou_sweep(lambda cam, box, ts: [0.5] * len(ts))
    assert "dict" in capsys.readouterr().out
    assert not ex.check_iou_sweep(lambda cam, box, ts: {t: cv.evaluate.box_iou(cv.evaluate.cam_box(cam, threshold=t), box) for t in ts[:2]})
    assert "keys" in capsys.readouterr().out


def test_check_iou_sweep_leaves_the_inputs_alone_and_survives_an_exception(capsys):
    seen = []

    def spy(cam, box, thresholds):
        seen.append(cam.clone())
        cam.zero_()  # a careless answer: must not spoil the reference
        raise RuntimeError("boom")

    assert not ex.check_iou_sweep(spy)
    assert "RuntimeError" in capsys.readouterr().out and torch.isfinite(seen[0]).all()
