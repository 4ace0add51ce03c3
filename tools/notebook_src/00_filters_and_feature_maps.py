from notebook_builder import Notebook

nb = Notebook(
    "00_filters_and_feature_maps", "Filters, feature maps and predictions",
    goals=["load a pretrained CNN and read its top-5 predictions",
           "see how augmentation (crops, flips, colour jitter, rotation) changes what it predicts",
           "look at the learned filters of the first and of deeper convolution layers",
           "capture the feature maps of any layer with a hook that always comes off"],
    prerequisites="Python and a first idea of what a convolution is.",
    runtime=("1 minute", "20 seconds"),
    papers=["Zeiler & Fergus, *Visualizing and Understanding Convolutional Networks*, ECCV 2014",
            "Tan & Le, *EfficientNet*, ICML 2019"],
)

nb.md("""
## 1. A pretrained network

`cv.load_model()` returns a `Classifier`: the network (`.model`, in eval mode), its 1000
ImageNet labels, and the preprocessing its weights were trained with. The default,
EfficientNet-Lite0, ships with the package, so everything here works offline. Any
torchvision model works too: `cv.load_model("resnet50")` (its weights download once).
""")
nb.code("""
clf = cv.load_model(device=DEVICE)
clf
""")

nb.md(r"""
## 2. Predictions

The network maps an image $x$ to one score (logit) $z_c$ per class; the softmax turns the
scores into probabilities $p_c = e^{z_c} / \sum_j e^{z_j}$. `preprocess` resizes, crops
the centre and normalises the image exactly as in training.
""")
nb.code("""
cat = cv.sample_image("cat")
x = clf.preprocess(cat)
cv.plot.predictions(clf, x)
""")
nb.code("""
top = clf.predict(x, k=3)
assert top[0][1] in {"tabby", "tiger cat", "Egyptian cat"}, top
print("cat image ->", [label for _, label, _ in top])
print("coffee image ->", clf.predict(cv.sample_image("coffee"), k=1)[0][1])
""", check_output=True)

nb.md("""
## 3. What augmentation does to a prediction

Training pipelines show the network random crops, flips and colour changes so that it
learns the object, not the framing. The same augmentations applied at test time show how
stable the prediction is: the label may switch between the three cat classes, but stays a cat.
""")
nb.code("""
cv.plot.augmentations(clf, cat)
""")

nb.md(r"""
## 4. Filters: the weights of a convolution layer

A convolution layer with $C_{out}$ filters of size $C_{in} \times k \times k$ computes
$A_{o} = \sum_{i} W_{o,i} * X_{i} + b_o$. The first layer reads RGB, so each filter can be
drawn as a tiny colour image: edge and colour-blob detectors. Deeper filters read feature
maps, not colours; we draw each input channel of a filter as a grey tile.
""")
nb.code("""
cv.plot.filters(clf)  # the first conv layer
""")
nb.code("""
cv.plot.filters(clf, "blocks.1.expand.conv")  # a 1x1 conv deeper in: one tile per input channel
""")

nb.md("""
## 5. Feature maps, through a hook

A forward *hook* is a function PyTorch calls with a layer's output during the forward pass.
`cv.capture` attaches hooks inside a `with` block and removes them when the block ends,
even on an error, the pattern the fast.ai book teaches for CAM. It records what the layer
output even if an in-place ReLU overwrites it afterwards.
""")
nb.code("""
with cv.capture(clf, ["blocks.1", "blocks.8", "head"]) as cap:
    clf.model(x)
for name, act in cap.activations.items():
    print(f"{name:9s} {tuple(act.shape)}")
assert cv.hook_count(clf) == 0  # nothing left behind
""", check_output=True)
nb.md("""
Early layers keep the full resolution and respond to edges and colours; deep layers are
coarse (7x7) and each channel fires on larger, more abstract patterns.
""")
nb.code("""
cv.plot.feature_maps(clf, x, "blocks.1", channels=range(16))
""")
nb.code("""
cv.plot.feature_maps(clf, x, "head", channels=range(16))
""")

nb.md("""
## 6. Explore

Pick a model, an image, a convolution layer (slider) and a range of channels; the feature
maps redraw as you move the controls.
""")
nb.code("""
cv.widgets.feature_map_panel()
""")

nb.exercise(
    "top-k from logits",
    task="""
    Write `top_k(logits, k)` returning `(probabilities, indices)` of the `k` most probable
    classes of each row of `logits` (an `(N, 1000)` tensor), most probable first.
    Hint: `softmax`, then `topk`.
    """,
    starter="""
    def top_k(logits, k):
        raise NotImplementedError  # your code here
    """,
    check="""
    cv.exercises.check_top_k(top_k)
    """,
    solution="""
    def top_k_solution(logits, k):
        return logits.softmax(dim=1).topk(k, dim=1)

    assert cv.exercises.check_top_k(top_k_solution)
    """,
)
nb.exercise(
    "the most active channels",
    task="""
    Write `most_active_channels(clf, x, layer, k)` returning the indices of the `k` channels
    of `layer` with the largest mean activation for image `x`, largest first.
    Hint: `cv.activations(clf, x, layer)` gives the `(1, C, H, W)` output of one layer.
    """,
    starter="""
    def most_active_channels(clf, x, layer, k):
        raise NotImplementedError  # your code here
    """,
    check="""
    cv.exercises.check_most_active_channels(most_active_channels, clf, x, "blocks.8")
    """,
    solution="""
    def most_active_channels_solution(clf, x, layer, k):
        return cv.activations(clf, x, layer)[0].mean(dim=(1, 2)).topk(k).indices

    assert cv.exercises.check_most_active_channels(most_active_channels_solution, clf, x, "blocks.8")
    """,
)
nb.md("""
## What next

Feature maps tell us *what* a layer responds to in this image. Notebook 01 asks the reverse
question: *which pixels* made the network say "cat"? Answer: the gradient.
""")
nb.save()
