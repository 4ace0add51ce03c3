import math
import time

import pytest
import torch
import torch.nn.functional as F

import cnnviz_lab as cv
from cnnviz_lab.models.efficientnet_lite import Conv2dSame, convert_lukemelas_state_dict
from cnnviz_lab.core.errors import ModelUnavailableError

CATS = {"tabby", "tiger cat", "Egyptian cat", "Persian cat", "Siamese cat"}


def test_offline_model_sees_a_cat_and_an_espresso(lite):
    top = lite.predict(cv.sample_image("cat"), k=3)
    assert top[0][1] in CATS
    assert sum(p for _, label, p in top if label in CATS) > 0.8
    idx, label, prob = lite.predict(cv.sample_image("coffee"), k=1)[0]
    assert label in {"espresso", "cup"} and prob > 0.8
    assert lite.categories[idx] == label


def test_multi_object_image_has_both_objects_in_its_top5(lite):
    labels = [label for _, label, _ in lite.predict(cv.sample_image("drums_and_guitar"), k=5)]
    assert labels[0] == "electric guitar"
    assert "drum" in labels


def test_batch_prediction_equals_single(lite):
    x = lite.preprocess([cv.sample_image("cat"), cv.sample_image("coffee")])
    both = lite.predict(x, k=2)
    for row, single in zip(both, [lite.predict(x[:1], k=2), lite.predict(x[1:], k=2)]):
        assert [i for i, _, _ in row] == [i for i, _, _ in single]
        assert [p for _, _, p in row] == pytest.approx([p for _, _, p in single], rel=1e-4)


def test_tf_same_padding_is_asymmetric_like_tensorflow():
    conv = Conv2dSame(1, 1, 3, 2, bias=False)
    x = torch.randn(1, 1, 8, 8)
    # TensorFlow SAME for an even input and stride 2: pad 0 before, 1 after.
    ref = F.conv2d(F.pad(x, [0, 1, 0, 1]), conv.weight, stride=2)
    assert torch.allclose(conv(x), ref)
    assert conv(torch.randn(1, 1, 224, 224)).shape[-1] == math.ceil(224 / 2)
    conv5 = Conv2dSame(1, 1, 5, 1, bias=False)
    assert conv5(x).shape == x.shape
    assert conv.same_padding(8, 8) == (0, 1, 0, 1) and conv.same_padding(7, 8) == (1, 1, 0, 1)
    assert Conv2dSame(1, 1, 5, 2).same_padding(56, 56) == (1, 2, 1, 2) and conv5.same_padding(8, 8) == (2, 2, 2, 2)
    with pytest.raises(ValueError, match="height"):
        conv.same_padding(0, 8)
    with pytest.raises(ValueError, match="width"):
        conv.same_padding(8, 2.5)


def test_state_dict_conversion_rejects_unknown_keys():
    with pytest.raises(KeyError, match="_mystery"):
        convert_lukemelas_state_dict({"_mystery.weight": torch.zeros(1)})


def test_deprocess_inverts_preprocess(lite):
    img = cv.sample_image("coffee")
    x = lite.preprocess(img)
    back = lite.preprocess(lite.deprocess(x), crop=False)  # 224 -> 224: no resampling
    assert (back - x).abs().max() < 2.5 / 255 / (128 / 255)  # one 8-bit step of rounding
    unit = lite.to_unit(x)
    assert torch.allclose(lite.from_unit(unit), x, atol=1e-6)
    assert 0 <= unit.min() and unit.max() <= 1 + 1e-6


def test_preprocess_crop_and_no_crop(lite):
    wide = cv.load_image(torch.rand(3, 100, 300))
    assert lite.preprocess(wide).shape == (1, 3, 224, 224)
    assert lite.preprocess(wide, size=128, crop=False).shape == (1, 3, 128, 128)


@pytest.mark.parametrize(
    "name, layer",
    [
        ("resnet18", "layer4"),
        ("vgg11", "features.19"),
        ("densenet121", "features"),
        ("googlenet", "inception5b"),
        ("inception_v3", "Mixed_7c"),
        ("mobilenet_v2", "features"),
        ("efficientnet_b0", "features"),
        ("convnext_tiny", "features"),
    ],
)
def test_torchvision_families_load_with_random_weights(name, layer):
    clf = cv.load_model(name, weights=None, device="cpu")
    assert not clf.model.training
    assert len(clf.categories) == 1000
    assert clf.cam_layer == layer
    x = torch.randn(1, 3, clf.input_size, clf.input_size)
    assert clf(x).shape == (1, 1000)
    assert cv.hook_count(clf) == 0


def test_offline_weights_error_is_fast_and_names_the_offline_model(monkeypatch, tmp_path):
    monkeypatch.setenv("CNNVIZ_OFFLINE", "1")
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    start = time.perf_counter()
    with pytest.raises(ModelUnavailableError, match="efficientnet_lite0"):
        cv.load_model("resnet50")
    assert time.perf_counter() - start < 5


def test_fallback_loads_offline_model_and_says_so(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("CNNVIZ_OFFLINE", "1")
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    clf = cv.load_model("resnet50", fallback=True, device="cpu")
    assert clf.name == "efficientnet_lite0"
    assert "Falling back to efficientnet_lite0" in capsys.readouterr().err


def test_unknown_model_and_weights_suggest_names():
    with pytest.raises(cv.UnknownNameError, match="resnet50"):
        cv.load_model("resnet5O")
    with pytest.raises(cv.UnknownNameError, match="IMAGENET1K_V1"):
        cv.load_model("resnet18", weights="IMAGENET9K")


def test_class_index(lite):
    assert lite.class_index("tabby") == 281
    assert lite.class_index("Egyptian_cat") == lite.class_index("egyptian cat") == 285
    assert lite.class_index(7) == 7
    with pytest.raises(cv.UnknownNameError, match="tabby"):
        lite.class_index("tabbby")
    with pytest.raises(IndexError):
        lite.class_index(1000)


def test_list_models_and_wrap_model(tiny):
    names = cv.list_models()
    assert names[0] == "efficientnet_lite0" and "resnet50" in names and "vgg16" in names
    clf = cv.wrap_model(tiny, input_size=32, device="cpu")
    assert clf.categories == [f"class {i}" for i in range(5)]
    assert clf.cam_layer == "relu2"


def test_device_auto_is_cpu_here_and_cuda_when_present():
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    if not torch.cuda.is_available() and getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
        expected = "mps"
    assert cv.resolve_device("auto").type == expected
