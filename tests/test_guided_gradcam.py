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
    singles = torch.cat([cv.guided_gradcam(plain, x[i:i + 1], int(top[i]), layer="conv2") for i in range(3)])
    assert torch.allclose(a, singles, atol=1e-6)
    assert torch.allclose(a, cv.guided_gradcam(inplace, x, layer="conv2"), atol=1e-6)
    assert_clean(plain)
    assert_clean(inplace)


def test_guided_gradcam_on_the_offline_model(lite):
    x = lite.preprocess(cv.sample_image("cat_and_coffee"), size=128)
    out = cv.guided_gradcam(lite, x, [["tabby", "espresso"]])
    assert out.shape == (1, 2, 3, 128, 128) and torch.isfinite(out).all()
    cat_mass = out[0, 0].abs().sum(0)
    assert cat_mass[:, :64].sum() > cat_mass[:, 64:].sum()
    assert_clean(lite)
