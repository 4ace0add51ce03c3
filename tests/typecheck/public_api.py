"""The public API as a user's typed code sees it: checked by mypy (``make typecheck``, and
``tests/project/test_types.py`` in ``make test``), never run. Every call has the shape the README
documents; mypy reads the package's own annotations (errors inside the package are not
reported here: ``follow_imports = "silent"`` in pyproject), so this fails when a public name
disappears, a documented keyword is missing from a signature, or a return type changes."""

from __future__ import annotations

import numpy as np
import torch
from PIL import Image
from torch import nn

import cnnviz_lab as cv


def models_and_images(model: nn.Module) -> None:
    clf: cv.Classifier = cv.load_model("efficientnet_lite0", weights=None, device="cpu")
    wrapped: cv.Classifier = cv.wrap_model(model, ["a", "b"], input_size=32)
    names: list[str] = cv.list_models() + cv.sample_images() + cv.layer_names(clf, "conv") + cv.cam_layers(wrapped)
    image: Image.Image = cv.sample_image("cat")
    loaded: Image.Image = cv.load_image(np.zeros((8, 8, 3), dtype=np.uint8))
    x: torch.Tensor = clf.preprocess(image)
    top: list[tuple[int, str, float]] | list[list[tuple[int, str, float]]] = clf.predict(x, k=5)
    index: int = clf.class_index("tabby")
    layer: nn.Module = cv.get_layer(clf, names[0])
    with cv.capture(clf, [names[0]], gradients=False) as cap:
        cap.forward(x)
    acts: torch.Tensor | dict[str, torch.Tensor] = cv.activations(clf, x, names[0])
    with cv.frozen(model) as frozen_model:
        assert frozen_model is model
    hooks: int = cv.hook_count(clf)
    line: str = cv.credit("cat")
    print(top, index, layer, acts, hooks, line, loaded)


def attribution(model: nn.Module, clf: cv.Classifier, x: torch.Tensor) -> None:
    targets: torch.Tensor = cv.topk_targets(clf, x, k=5)
    maps: list[torch.Tensor] = [
        cv.saliency(model, x),
        cv.saliency(clf, x, "tabby"),
        cv.input_x_gradient(model, x, [1, 2]),
        cv.deconvnet(model, x, targets),
        cv.guided_backprop(model, x, 3, from_layer=None, channel=None),
        cv.smoothgrad(model, x, method=cv.saliency, n=50, noise=0.15, squared=False, batch_size=None, seed=0),
        cv.cam(model, x),
        cv.gradcam(model, x, None, layer="layer4"),
        cv.gradcam_pp(model, x, upsample=False),
        cv.layercam(model, x),
        cv.scorecam(model, x),
        cv.hirescam(model, x),
        cv.xgradcam(model, x),
        cv.eigencam(model, x),
        cv.ablationcam(model, x),
        cv.guided_gradcam(model, x),
        cv.occlusion(model, x, window=32, stride=16, fill=0.0, output="prob", batch_size=None),
        cv.rise(model, x, seed=0),
        cv.lime(model, x, seed=0),
        cv.feature_ablation(model, x, feature_mask=None),
        cv.lrp(model, x, composite="epsilon_plus_flat"),
        cv.deeplift(model, x, baseline=None),
        cv.deeplift_shap(model, x, baselines=torch.zeros(2, 3, 8, 8)),
        cv.gradient_shap(model, x, baselines=torch.zeros(2, 3, 8, 8), n=8, noise=0.1, seed=0),
        cv.attention_rollout(model, x),
        cv.saliency(model, x, cv.targets.segmentation(3)),
    ]
    ig: torch.Tensor | tuple[torch.Tensor, torch.Tensor] = cv.integrated_gradients(model, x, baseline=None, steps=50, rule="gausslegendre", batch_size=None)
    print(maps, ig)


def optimisation_and_evaluation(model: nn.Module, clf: cv.Classifier, x: torch.Tensor, a: torch.Tensor) -> None:
    objective: cv.objectives.Objective = cv.channel("layer4", 12) + 0.5 * cv.total_variation()
    rendering: cv.Rendering = cv.maximize(model, objective, size=64, steps=4, param="fft", seed=0)
    rendering = cv.maximize(model, "layer4:12", size=64, steps=4, seed=0)
    inverted: cv.Rendering = cv.invert(model, x, "layer3", steps=4, seed=0)
    dream: Image.Image | torch.Tensor = cv.deepdream(
        model, x, {"layer3": 1.0}, octaves=4, octave_scale=1.4, steps=10, lr=0.09, jitter=32, seed=0, as_tensor=True
    )
    deletion: torch.Tensor = cv.deletion_auc(model, x, a, None)
    insertion: torch.Tensor = cv.insertion_auc(model, x, a, 3)
    check: cv.RandomizationResult = cv.randomization_check(model, cv.saliency, x, None)
    hits: torch.Tensor = cv.pointing_game(a, [[(0, 0, 4, 4)]])
    scores: cv.MethodEvaluation = cv.evaluate_methods(clf, x, ["saliency", "gradcam"])
    print(rendering, inverted, dream, deletion, insertion, check, hits, scores)


def course_subjects(model: nn.Module, x: torch.Tensor) -> None:
    shapes: cv.ShapeImages = cv.shape_images(8, cue="match", size=64, seed=0)
    run: cv.TrainingRun = cv.train_model(cv.SmallCNN(), shapes.images, shapes.labels, epochs=1)
    share: float = cv.accuracy(model, shapes.images, shapes.labels)
    striped: torch.Tensor = cv.concept_images("striped", 4, size=32, seed=0)
    p_value: tuple[float, float] = cv.t_test([0.1, 0.2], [0.3, 0.4])
    attack: cv.Attack = cv.pgd(model, x, 3, epsilon=0.01, steps=5, seed=0)
    print(run, share, striped, p_value, attack)
