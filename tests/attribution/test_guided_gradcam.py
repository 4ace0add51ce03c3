import torch

import cnnviz_lab as cv
from conftest import assert_clean, tiny_pair


def test_guided_gradcam_is_the_product_of_its_two_factors():
    net, _ = tiny_pair()
    x = torch.randn(2, 3, 16, 16)
    targets = torch.tensor([[0, 3], [2, 1]])
    got = cv.guided_gradcam(net, x, targets, layer="conv2")
    ref = cv.guided_backprop(net, x, targets) * cv.gradcam(net, x, targets, layer="conv2").unsqueeze(2)
    assert got.shape == (2, 2, 3, 16, 16)
    assert torch.allclose(got, ref)
    assert_clean(net)


def test_guided_gradcam_default_target_batch_and_inplace():
    plain, inplace = tiny_pair()
    x = torch.randn(3, 3, 12, 12)
    top = plain(x).argmax(1)
    a = cv.guided_gradcam(plain, x, layer="conv2")
    assert torch.allclose(a, cv.guided_gradcam(plain, x, top.tolist(), layer="conv2"))
    singles = torch.cat([cv.guided_gradcam(plain, x[i : i + 1], int(top[i]), layer="conv2") for i in range(3)])
    assert torch.allclose(a, singles, atol=1e-6)
    assert torch.allclose(a, cv.guided_gradcam(inplace, x, layer="conv2"), atol=1e-6)
    assert_clean(plain)
    assert_clean(inplace)


def test_guided_gradcam_on_the_offline_model(lite):
    x = lite.preprocess(cv.sample_image("drums_and_guitar"), size=128)
    out = cv.guided_gradcam(lite, x, [["electric guitar", "drum"]])
    assert out.shape == (1, 2, 3, 128, 128) and torch.isfinite(out).all()
    boxes = cv.sample_boxes("drums_and_guitar", 128)
    guitar, drum = (torch.zeros(128, 128, dtype=torch.bool) for _ in range(2))
    for mask, label in ((guitar, "electric guitar"), (drum, "drum")):
        for x0, y0, x1, y1 in boxes[label]:
            mask[y0:y1, x0:x1] = True
    for k, (own, other) in enumerate(((guitar, drum), (drum, guitar))):  # each class on its own object
        mass = out[0, k].abs().sum(0)
        assert mass[own].sum() > mass[other].sum()
    assert_clean(lite)
