# ---
# jupyter:
#   cnnviz:
#     title: Filters, feature maps and predictions
#     goals:
#     - load a pretrained CNN and read its top-5 predictions
#     - see how augmentation (crops, flips, colour jitter, rotation) changes what it predicts
#     - compare the first-layer filters of AlexNet (Gabor-like) and EfficientNet-Lite0
#     - read depthwise kernels, and a 1x1 convolution as the matrix it is
#     - capture the feature maps of any layer with a hook that always comes off
#     prerequisites: Python and a first idea of what a convolution is.
#     runtime:
#       cpu: 1 minute
#       gpu: 20 seconds
#     papers:
#     - Krizhevsky, Sutskever & Hinton, *ImageNet Classification with Deep Convolutional Neural Networks*,
#       NeurIPS 2012
#     - Zeiler & Fergus, *Visualizing and Understanding Convolutional Networks*, ECCV 2014
#     - Tan & Le, *EfficientNet*, ICML 2019
# ---

# %% [markdown]
# ## 1. A pretrained network
#
# `cv.load_model()` returns a `Classifier`: the network (`.model`, in eval mode), its 1000
# ImageNet labels, and the preprocessing its weights were trained with. The default,
# EfficientNet-Lite0, ships with the package, so everything here works offline. Any
# torchvision model works too: `cv.load_model("resnet50")` (its weights download once).

# %%
clf = cv.load_model(device=DEVICE)
clf

# %% [markdown]
# ## 2. Predictions
#
# The network maps an image $x$ to one score (logit) $z_c$ per class; the softmax turns the
# scores into probabilities $p_c = e^{z_c} / \sum_j e^{z_j}$. `preprocess` resizes, crops
# the centre and normalises the image exactly as in training.

# %%
from IPython.display import Markdown

cat = cv.sample_image("cat")
x = clf.preprocess(cat)
display(cv.plot.predictions(clf, x), Markdown(cv.credit("cat")))

# %% tags=["nbval-check-output"]
top = clf.predict(x, k=3)
assert top[0][1] in {"tabby", "tiger cat", "Egyptian cat"}, top
print("cat image ->", [label for _, label, _ in top])
print("coffee image ->", clf.predict(cv.sample_image("coffee"), k=1)[0][1])

# %% [markdown]
# ## 3. What augmentation does to a prediction
#
# Training pipelines show the network random crops, flips and colour changes so that it
# learns the object, not the framing. The same augmentations applied at test time show how
# stable the prediction is. Before you look, predict:

# %% [markdown] choice="00-augmentation"
# ### Predict, then run
#
# (the builder writes the question and the answer cell)

# %%
cv.plot.augmentations(clf, cat)

# %% tags=["nbval-check-output"]
views = cv.augment(cat, seed=0)
top1 = [t[0][1] for t in clf.predict(clf.preprocess([img for _, img in views]), k=1)]
CATS = {"tabby", "tiger cat", "Egyptian cat", "Persian cat", "Siamese cat"}
assert set(top1) <= CATS and len(set(top1)) >= 2, top1  # the label moves, but stays a cat
assert top[1][2] > 0.3 and top[0][2] - top[1][2] < 0.05, top  # the top two are nearly tied
print(f"{len(views)} views, top-1 labels: {sorted(set(top1))}")

# %% [markdown]
# Every view is still a cat, but the label moves between the cat classes: the top two,
# tiger cat and Egyptian cat, are nearly tied on the original photo (38 % and 37 %), so a
# change of colour or framing is enough to swap them.

# %% [markdown]
# ## 4. Filters: the weights of a convolution layer
#
# A convolution layer with $C_{out}$ filters of size $C_{in} \times k \times k$ computes
# $A_{o} = \sum_{i} W_{o,i} * X_{i} + b_o$. The first layer reads RGB, so each filter can be
# drawn as a tiny colour image. We draw all filters of a layer on **one shared scale**:
# mid-grey is a zero weight, white and black the layer's largest positive and negative
# weight. A filter that weighs R, G and B alike is then grey, and colour appears only where
# the three colour channels disagree. (Stretching each filter to its own range, as many
# figures do, makes faint filters look as vivid as strong ones.)
#
# **First layers of trained networks.** Krizhevsky et al. (2012, fig. 3) and Zeiler &
# Fergus (2014, fig. 2) drew the first layer of AlexNet: 64 filters of 11x11 pixels at
# stride 4, large enough to hold **Gabor-like** oriented stripes at several frequencies,
# and **colour blobs** and colour-opposed edges; in Krizhevsky et al.'s two-GPU network one
# half of the filters came out largely colour-agnostic and the other colour-specific.
# VGG16's first layer has 3x3 filters, too small for stripes. Below, AlexNet's first layer
# (where its weights can be had), then EfficientNet-Lite0's.

# %%
alexnet = cv.load_classic("alexnet", shows="AlexNet's 64 first-layer filters (11x11, stride 4) "
                          "and how many of them are achromatic", device=DEVICE)
if alexnet:
    display(cv.plot.filters(alexnet, scale="shared", title="first-layer filters of AlexNet: 64 of 11x11, stride 4"))
    other = cv.plot.achromatic_share(alexnet)
    print(f"AlexNet: {int((other > 0.5).sum())} of {len(other)} filters mostly achromatic, "
          f"{int((other < 0.1).sum())} colour-opponent (share < 0.1)")

# %%
cv.plot.filters(clf, scale="shared", show_share=True,
                title=f"first-layer filters of {cv.title_name(clf)}: 32 of 3x3, stride 2")

# %% [markdown]
# **Reading EfficientNet-Lite0's first layer.** Its 32 filters are 3x3 at stride 2: each
# sees a 3x3 patch, too small for the stripes of a Gabor filter, so the picture is of
# simple gradients and spots. Split each filter into the part common to R, G and B (it sees
# brightness) and the rest (it sees colour): the *achromatic share*
# $3\,\|\bar W\|^2 / \sum_c \|W_c\|^2$, with $\bar W$ the mean over the colour channels, is
# 1 for a filter that weighs R, G and B alike and 0 when the colours cancel; the figure
# prints it under each filter's number. Most of Lite0's filters are mostly achromatic
# (share above 0.5: more of their weight in brightness than in colour). Only those above
# about 0.8 look grey; between 0.5 and 0.8 a tint remains, because the other 20-50 % of the
# weight is colour. A handful are colour-opponent (share below 0.1: flat patches of one
# colour against its opposite, with no brightness edge), the same split Krizhevsky et al.
# saw in AlexNet. Many tiles are faint: on the shared scale a weak filter stays close to
# mid-grey.

# %% tags=["nbval-check-output"]
share = cv.plot.achromatic_share(clf)
stem = cv.get_layer(clf, cv.layer_names(clf, "conv")[0])
assert stem.kernel_size == (3, 3) and stem.stride == (2, 2) and len(share) == 32
assert (share > 0.5).sum() >= 16 and (share < 0.1).sum() >= 5, share
assert 2 <= (share > 0.8).sum() < (share > 0.5).sum() - 8   # a few grey, most tinted
print(f"Lite0: {int((share > 0.5).sum())} of 32 filters mostly achromatic "
      f"({int((share > 0.8).sum())} above 0.8), {int((share < 0.1).sum())} colour-opponent (share < 0.1)")

# %% [markdown]
# ### Deeper layers: depthwise kernels, and 1x1 kernels as the matrix they are
#
# Deeper filters read feature maps, not colours. EfficientNet-Lite0 splits a full
# convolution in two: a **depthwise** convolution filters each channel on its own with one
# $k \times k$ kernel (3x3 or 5x5), and a **1x1** convolution mixes the channels. Only the
# depthwise kernels have a spatial pattern to draw: red is a positive weight, blue a
# negative one, white zero, on one scale for all tiles.

# %%
cv.plot.filters(clf, "blocks.4.depthwise.conv", title="blocks.4.depthwise.conv: 5x5 kernels, stride 1")

# %%
cv.plot.filters(clf, "blocks.3.depthwise.conv", title="blocks.3.depthwise.conv: 5x5 kernels, stride 2")

# %% [markdown]
# **Reading the kernels.** The stride-1 kernels are centred: spots, centre-surround and
# small oriented edges around the middle tap. The stride-2 kernels put their weight **up and
# to the left** of the centre. That is the padding: like TensorFlow's `"SAME"`, a stride-2
# convolution here pads one row more at the bottom than at the top, so each kernel's centre
# sits half a pixel below and right of the 2x2 block of pixels its output replaces; training
# moved the weight back onto that block. `cv.plot.kernel_centres` measures where each
# kernel's weight $|W|$ sits relative to its centre.

# %% tags=["nbval-check-output"]
still = cv.plot.kernel_centres(clf, "blocks.4.depthwise.conv")   # (240, 2): (down, right) in pixels
halve = cv.plot.kernel_centres(clf, "blocks.3.depthwise.conv")   # (144, 2)
up_left = ((halve[:, 0] < 0) & (halve[:, 1] < 0)).float().nanmean()
assert still.nanmean(dim=0).abs().max() < 0.05 and up_left > 0.9, (still.nanmean(dim=0), up_left)
print(f"stride 1: mean offset {still.nanmean(dim=0).abs().max():.2f} px | "
      f"stride 2: {up_left:.0%} of kernels lean up and left")

# %% [markdown]
# A **1x1 convolution** has no spatial pattern: drawn as tiles it is one flat square per
# weight. It is a matrix $W \in \mathbb{R}^{C_{out} \times C_{in}}$ applied at every pixel,
# $A_{o}(i,j) = \sum_{c} W_{o,c}\, X_{c}(i,j)$, so `cv.plot.filters` draws it as that matrix:
# row $o$ says how much of each input channel goes into output channel $o$.

# %%
project = cv.get_layer(clf, "blocks.1.project.conv")
assert project.kernel_size == (1, 1) and tuple(project.weight.shape[:2]) == (24, 96)
cv.plot.filters(clf, "blocks.1.project.conv")  # 24 output channels x 96 input channels

# %% [markdown]
# ### Think, then write
#
# A block of EfficientNet-Lite0 replaces one full 3x3 convolution from 96 to 24 channels
# by a depthwise 3x3 convolution on the 96 channels followed by a 1x1 convolution from 96
# to 24. Count the weights of each (ignore biases). What does the split save, and what
# can the split version no longer compute that the full convolution could?

# %% [markdown]
# *Your answer (double-click this cell to write):*

# %% [markdown]
# <details><summary><b>Model answer</b> (open it after writing yours)</summary>
#
# Full: 24 x 96 x 3 x 3 = 20,736 weights. Split: 96 x 3 x 3 = 864 (depthwise) plus
# 24 x 96 = 2,304 (1x1), 3,168 in all: about 6.5 times fewer, and as many times fewer
# multiplications per pixel. The price: a full convolution can give every pair of
# (input, output) channels its own spatial pattern; the split version filters each input
# channel with a single pattern and then only mixes the results pixel by pixel, so every
# output channel sees each input channel through the same kernel (Howard et al. 2017,
# MobileNets; Sandler et al. 2018).
#
# </details>

# %% [markdown]
# ## 5. Feature maps, through a hook
#
# A forward *hook* is a function PyTorch calls with a layer's output during the forward pass.
# `cv.capture` attaches hooks inside a `with` block and removes them when the block ends,
# even on an error, the pattern the fast.ai book teaches for CAM. It records what the layer
# output even if an in-place ReLU overwrites it afterwards. The cell below prints the shape
# of three layers' outputs; predict one of them first:

# %% [markdown] choice="00-head-resolution"
# ### Predict, then run
#
# (the builder writes the question and the answer cell)

# %% tags=["nbval-check-output"]
with cv.capture(clf, ["blocks.1", "blocks.8", "head"]) as cap:
    clf.model(x)
for name, act in cap.activations.items():
    print(f"{name:9s} {tuple(act.shape)}")
assert cv.hook_count(clf) == 0  # nothing left behind
assert tuple(cap.activations["head"].shape[2:]) == (7, 7)  # 224 px / 32
assert tuple(cap.activations["blocks.1"].shape[2:]) == (56, 56)  # 224 px / 4

# %% [markdown]
# Early layers keep a high resolution (blocks.1: 56x56) and respond to edges and colours;
# deep layers are coarse (7x7) and each channel fires on larger, more abstract patterns.
# Both figures put their 16 channels on one colour scale (the colour bar), so a dark tile
# really is a weak channel; the number after each channel is its mean activation.

# %%
cv.plot.feature_maps(clf, x, "blocks.1", channels=range(16), scale="shared")

# %%
cv.plot.feature_maps(clf, x, "head", channels=range(16), scale="shared")

# %% [markdown]
# **What to look at:** in `blocks.1` every channel is still a recognisable picture of the
# cat (eyes, nose, the stripes of the fur), each stressing other edges; its values are
# signed (the block ends in a linear projection). In `head` most tiles are dark: the head
# ends in a ReLU6, most of its values on this photo are exactly zero, and the channels that
# fire do so on a few of the 7x7 positions.

# %% tags=["check"]
# what the two figures show: blocks.1 keeps the image at 56x56; the head is mostly zero, sparse
head_act = cv.activations(clf, x, "head")[0]
assert (head_act == 0).float().mean() > 0.7 and (head_act[:16] == 0).flatten(1).all(1).sum() >= 4

# %% [markdown]
# ## 6. Explore
#
# Pick a model, an image, a convolution layer (slider) and a range of channels; the feature
# maps redraw as you move the controls.

# %%
cv.widgets.feature_map_panel()


# %% [markdown]
# ### Exercise: top-k from logits
#
# Write `top_k(logits, k)` returning `(probabilities, indices)` of the `k` most probable
# classes of each row of `logits` (an `(N, 1000)` tensor), most probable first.
# Hint: `softmax`, then `topk`.

# %% tags=["exercise"]
def top_k(logits, k):
    raise NotImplementedError  # your code here


# %% tags=["exercise-check"]
cv.exercises.check_top_k(top_k)


# %% tags=["solution"]
def top_k_solution(logits, k):
    return logits.softmax(dim=1).topk(k, dim=1)

assert cv.exercises.check_top_k(top_k_solution)


# %% [markdown]
# ### Exercise: the most active channels
#
# Write `most_active_channels(clf, x, layer, k)` returning the indices of the `k` channels
# of `layer` with the largest mean activation for image `x`, largest first.
# Hint: `cv.activations(clf, x, layer)` gives the `(1, C, H, W)` output of one layer.

# %% tags=["exercise"]
def most_active_channels(clf, x, layer, k):
    raise NotImplementedError  # your code here


# %% tags=["exercise-check"]
cv.exercises.check_most_active_channels(most_active_channels, clf, x, "blocks.8")


# %% tags=["solution"]
def most_active_channels_solution(clf, x, layer, k):
    return cv.activations(clf, x, layer)[0].mean(dim=(1, 2)).topk(k).indices

assert cv.exercises.check_most_active_channels(most_active_channels_solution, clf, x, "blocks.8")

# %% [markdown]
# ## What next
#
# Feature maps tell us *what* a layer responds to in this image. Notebook 01 asks the reverse
# question: *which pixels* made the network say "cat"? Answer: the gradient.
