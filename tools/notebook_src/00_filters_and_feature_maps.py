# ---
# jupyter:
#   cnnviz:
#     title: Filters, feature maps and predictions
#     goals:
#     - load a pretrained CNN and read its top-5 predictions
#     - see how augmentation (crops, flips, colour jitter, rotation) changes what it predicts
#     - read the first-layer filters of EfficientNet-Lite0 on one shared scale, and split each into
#       a brightness part and a colour part
#     - read depthwise kernels, and a 1x1 convolution as the matrix it is
#     - capture the feature maps of any layer with a hook that always comes off
#     prerequisites: Python and a first idea of what a convolution is.
#     runtime:
#       cpu: 1 minute
#       gpu: 10 seconds
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
# the centre and normalises the image exactly as the weights' authors did at evaluation
# time (training added random crops and flips, section 3).

# %%
from IPython.display import Markdown

cat = cv.sample_image("cat")
x = clf.preprocess(cat)
display(cv.plot.predictions(clf, x), Markdown(cv.credit("cat")))

# %% tags=["nbval-check-output"]
top = clf.predict(x, k=3)
print("cat image:", ", ".join(f"{label} {p:.1%}" for _, label, p in top))

# %% tags=["check"]
# the top two classes are tiger cat and Egyptian cat, less than one point apart
assert [t[1] for t in top[:2]] == ["tiger cat", "Egyptian cat"] and top[0][2] - top[1][2] < 0.01, top

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
view_top = dict(zip([name for name, _ in views],
                    [t[0] for t in clf.predict(clf.preprocess([img for _, img in views]), k=1)]))
for name, (_, label, p) in view_top.items():
    print(f"{name:22s} {label} {p:.0%}")

# %% tags=["check"]
# crops and flips keep tiger cat; colour, texture and rotation changes switch to Egyptian cat, more confidently
keep = {"original", "random crop", "horizontal flip"}
assert all(view_top[n][1] == "tiger cat" for n in keep), view_top
assert all(t[1] == "Egyptian cat" for n, t in view_top.items() if n not in keep), view_top
assert view_top["grayscale"][2] > 0.55 and view_top["rotation"][2] > 0.7, view_top

# %% [markdown]
# On the original photo the top two, tiger cat and Egyptian cat, are within half a point
# (37.9 % and 37.5 %). Crops and the flip keep tiger cat. Every change of colour or texture
# (jitter, greyscale, blur) and the rotation switch to Egyptian cat, often with much more
# confidence (greyscale 62 %, rotation 79 %), far more than tipping a tie. So the network's
# tiger/Egyptian call rests largely on colour and fur texture: the orange-brown tint and the
# sharp stripes speak for "tiger cat". The rotated view also has black corners, a change the
# network never saw in training, so that panel mixes two changes.

# %% [markdown]
# ## 4. Filters: the weights of a convolution layer
#
# A convolution layer with $C_{out}$ filters of size $C_{in} \times k \times k$ computes
# $A_{o} = \sum_{i} W_{o,i} * X_{i} + b_o$. The first layer reads RGB, so each filter can be
# drawn as a tiny colour image. We draw all filters of a layer on **one shared scale**:
# mid-grey is a zero weight, white and black the layer's largest positive and negative
# weight. A filter that weighs R, G and B alike is then grey, and colour appears only where
# the three colour channels disagree. (Stretching each filter to its own range, as many
# figures do, makes faint filters look as vivid as strong ones.) The scale is symmetric
# about zero (the caption prints it), which is what makes mid-grey a zero weight.
#
# **First layers of trained networks.** Krizhevsky et al. (2012, fig. 3) drew the 96
# first-layer filters (11x11, stride 4) of the two-GPU AlexNet: **Gabor-like** oriented
# stripes at several frequencies and **colour blobs**. Zeiler & Fergus (2014, fig. 6)
# compare those filters with their own. torchvision's AlexNet, loaded below where its
# weights can be had, is the later single-GPU variant with 64 such filters.

# %%
alexnet = cv.load_classic("alexnet", shows="AlexNet's 64 first-layer filters (11x11, stride 4) "
                          "and how many of them are achromatic", device=DEVICE)
if alexnet:
    display(cv.plot.filters(alexnet, scale="shared",
                            title="first-layer filters of torchvision's AlexNet: 64 of 11x11, stride 4"))
    other = cv.plot.achromatic_share(alexnet)
    print(f"AlexNet: {int((other > 0.5).sum())} of {len(other)} filters mostly achromatic, "
          f"{int((other < 0.1).sum())} colour-opponent (share < 0.1)")

# %%
cv.plot.filters(clf, scale="shared", show_share=True,
                title="first-layer filters of EfficientNet-Lite0: 32 of 3x3, stride 2")

# %% [markdown]
# **Reading EfficientNet-Lite0's first layer.** Its 32 filters are 3x3 at stride 2: each
# sees a 3x3 patch. Split each filter into the part common to R, G and B (it sees
# brightness) and the rest (it sees colour): the *achromatic share*
# $3\,\|\bar W\|^2 / \sum_c \|W_c\|^2$, with $\bar W$ the mean over the colour channels, is
# 1 for a filter that weighs R, G and B alike and 0 when the colours cancel; the figure
# prints it after each filter's number. Most of Lite0's filters are mostly achromatic
# (share above 0.5: more of their weight in brightness than in colour).
#
# **What to look at.** On the shared scale, how grey a tile *looks* depends mostly on the
# filter's magnitude, not on its share: a faint filter looks grey whatever its share (11,
# 16, 28), while strong filters with a high share (8, 10, 22) still show a clear tint.
# Filters with a share below 0.1 (3, 4, 7, 18, 19, 20, 23) are a flat tint over the whole
# 3x3 kernel: they weigh one colour against its opponent (for example +G against -R-B) and
# respond to the colour of a patch, not to an edge. The green-against-purple edges (21, 30)
# mix both parts. Each filter is too small for a Gabor stripe: the picture is of simple
# gradients and spots.

# %% tags=["nbval-check-output"]
share = cv.plot.achromatic_share(clf)
stem = cv.get_layer(clf, cv.layer_names(clf, "conv")[0])
print(f"Lite0: {int((share > 0.5).sum())} of 32 filters mostly achromatic (share > 0.5); "
      f"share below 0.1: filters {(share < 0.1).nonzero().flatten().tolist()}")

# %% tags=["check"]
# the stem is 32 filters of 3x3 at stride 2; most are mostly achromatic, seven have a share below 0.1
assert stem.kernel_size == (3, 3) and stem.stride == (2, 2) and len(share) == 32
assert (share > 0.5).sum() >= 16 and (share < 0.1).nonzero().flatten().tolist() == [3, 4, 7, 18, 19, 20, 23]
size = stem.weight.detach().flatten(1).norm(dim=1)   # faint filters 11, 16, 28 are weaker than tinted 8, 10, 22
assert size[[11, 16, 28]].max() < size[[8, 10, 22]].min(), size

# %% [markdown]
# ### Predict, then run
#
# Show the network the **greyscale** cat (R = G = B at every pixel). Which of the 32 stem
# filters will go nearly silent? Predict from the shares in the figure above, then run the
# cell: it prints each filter's mean |output| on the greyscale photo as a fraction of its
# mean |output| on the colour photo.

# %%
stem_name = cv.layer_names(clf, "conv")[0]
grey_cat = clf.preprocess(cat.convert("L").convert("RGB"))
kept = (cv.activations(clf, grey_cat, stem_name)[0].abs().mean(dim=(1, 2))
        / cv.activations(clf, x, stem_name)[0].abs().mean(dim=(1, 2)))
print("share < 0.1:", {i: round(kept[i].item(), 2) for i in (share < 0.1).nonzero().flatten().tolist()})
print("share > 0.8:", {i: round(kept[i].item(), 2) for i in (share > 0.8).nonzero().flatten().tolist()})

# %% tags=["check"]
# on a grey image the filters with share < 0.1 keep under a tenth of their response; mostly achromatic ones keep most
assert kept[share < 0.1].max() < 0.1 and kept[share > 0.5].median() > 0.85, kept

# %% [markdown]
# **Answer.** The seven filters with a share below 0.1 keep under a tenth of their response;
# the mostly achromatic ones keep most of it. With R = G = B every filter computes
# $\sum_c W_c * X = 3\bar W * X$: only its achromatic part is left. So the greyscale view
# of section 3 silences seven of the network's 32 first filters, one way it differs from
# the colour photo for the network.

# %% [markdown]
# ### Deeper layers: depthwise kernels, and 1x1 kernels as the matrix they are
#
# Deeper filters read feature maps, not colours. EfficientNet-Lite0 splits a full
# convolution in two: a **depthwise** convolution filters each channel on its own with one
# $k \times k$ kernel (3x3 or 5x5), and a **1x1** convolution mixes the channels. Only the
# depthwise kernels have a spatial pattern to draw: red is a positive weight, blue a
# negative one, white zero, on one scale for all tiles. Each figure shows the first 64
# kernels of the layer.

# %%
cv.plot.filters(clf, "blocks.4.depthwise.conv", title="blocks.4.depthwise.conv: kernels 0-63 of 240, 5x5, stride 1")

# %%
cv.plot.filters(clf, "blocks.3.depthwise.conv", title="blocks.3.depthwise.conv: kernels 0-63 of 144, 5x5, stride 2")

# %% [markdown]
# **Reading the kernels.** The stride-1 kernels are centred: spots, centre-surround and
# small oriented edges around the middle tap. The stride-2 kernels put their weight **up and
# to the left** of the centre. That is the padding: the weights were trained in TensorFlow,
# and like TensorFlow's `"SAME"` a stride-2 convolution pads one row more at the bottom than
# at the top (and one column more on the right), so each kernel's centre sits half a pixel
# below and right of the 2x2 block of pixels its output replaces; training moved the weight
# back onto that block. The story predicts a mean offset of about half a pixel up and half
# a pixel left. `cv.plot.kernel_centres` measures where each kernel's weight $|W|$ sits
# relative to its centre. Tile 61 of the stride-2 figure is blank: that kernel is all zero,
# a channel training switched off.

# %% tags=["nbval-check-output"]
still = cv.plot.kernel_centres(clf, "blocks.4.depthwise.conv")   # (240, 2): (down, right) in pixels
halve = cv.plot.kernel_centres(clf, "blocks.3.depthwise.conv")   # (144, 2)
up_left = ((halve[:, 0] < 0) & (halve[:, 1] < 0)).float().nanmean()
down, right = halve.nanmean(dim=0).tolist()
print(f"stride 1: mean offset {still.nanmean(dim=0).abs().max():.2f} px | stride 2: {up_left:.0%} of "
      f"kernels lean up and left, mean offset {-down:.2f} px up, {-right:.2f} px left")

# %% tags=["check"]
# stride 1 is centred; stride 2 leans about half a pixel up and left; kernel 61 of blocks.3 is all zero
assert still.nanmean(dim=0).abs().max() < 0.05 and up_left > 0.9, (still.nanmean(dim=0), up_left)
assert 0.4 < -down < 0.6 and 0.4 < -right < 0.6, (down, right)
assert cv.get_layer(clf, "blocks.3.depthwise.conv").weight[61].abs().max() == 0

# %% [markdown]
# A **1x1 convolution** has no spatial pattern: drawn as tiles it is one flat square per
# weight. It is a matrix $W \in \mathbb{R}^{C_{out} \times C_{in}}$ applied at every pixel,
# $A_{o}(i,j) = \sum_{c} W_{o,c}\, X_{c}(i,j)$, so `cv.plot.filters` draws it as that matrix:
# row $o$ says how much of each input channel goes into output channel $o$.

# %%
cv.plot.filters(clf, "blocks.1.project.conv")  # 24 output channels x 96 input channels

# %% tags=["check"]
# blocks.1.project.conv is a 1x1 convolution from 96 to 24 channels
project = cv.get_layer(clf, "blocks.1.project.conv")
assert project.kernel_size == (1, 1) and tuple(project.weight.shape[:2]) == (24, 96)

# %% [markdown]
# ### Think, then write
#
# A block of EfficientNet-Lite0 is an inverted bottleneck: a 1x1 convolution expands 16 to
# 96 channels, a depthwise 3x3 convolution filters the 96, and a 1x1 convolution projects
# them to 24. Compare its last two steps with one full 3x3 convolution from 96 to 24
# channels. Count the weights of each (ignore biases). What does the split save, and what
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
print("hooks left on the model:", cv.hook_count(clf))

# %% tags=["check"]
# the hooks came off; the head is 224/32 = 7 pixels wide, blocks.1 224/4 = 56
assert cv.hook_count(clf) == 0
assert tuple(cap.activations["head"].shape[2:]) == (7, 7) and tuple(cap.activations["blocks.1"].shape[2:]) == (56, 56)

# %% [markdown]
# Early layers keep a high resolution (blocks.1: 56x56) and respond to edges and colours;
# deep layers are coarse (7x7). Zeiler & Fergus (2014, fig. 2) found, over many images, that
# deep channels fire on larger and more abstract patterns (object parts, whole objects);
# one image cannot show that, and notebook 02 visualises such channels. Each figure shows
# the first 16 channels on one colour scale (the colour bar); the number after each
# channel is its mean activation. `blocks.1` ends in a linear projection, so its values are
# signed: it is drawn on a diverging scale centred on zero (white 0, red positive, blue
# negative).

# %%
cv.plot.feature_maps(clf, x, "blocks.1", channels=range(16), scale="signed")

# %%
cv.plot.feature_maps(clf, x, "head", channels=range(16), scale="shared")

# %% [markdown]
# **What to look at:** in `blocks.1` every channel is still a recognisable picture of the
# cat (eyes, nose, the stripes of the fur), each stressing other edges, some mostly red
# (7, 9) and some mostly blue (4, 15). The `head` ends in a ReLU6, so its values run from 0
# to 6 and here a dark tile really is a weak channel. Most of its values on this photo are
# exactly zero: 7 of these 16 channels are zero everywhere; the others fire on part of the
# grid, from a few cells (1, 9) to most of it (4, 11). Each of the 49 head positions
# depends on every pixel of the 224-pixel input (its receptive field, the pixels that can
# change it, covers the whole image), so a "position" is not a small pixel region: it only
# leans towards the part of the image under it.

# %%
head_act = cv.activations(clf, x, "head")[0]
fired = (head_act[:16] != 0).flatten(1).sum(dim=1)
print("head, channels 0-15: positions (of 49) above zero:", fired.tolist())
print(f"share of all head values that are zero: {(head_act == 0).float().mean():.0%}")

# %% tags=["check"]
# the head is mostly zero: 7 of channels 0-15 are silent, 1 and 9 fire on a few cells, 4 and 11 on most
assert (head_act == 0).float().mean() > 0.7 and (fired == 0).sum() == 7, fired
assert fired[[1, 9]].max() <= 5 and fired[[4, 11]].min() >= 25, fired
b1 = cv.activations(clf, x, "blocks.1")[0, :16].mean(dim=(1, 2))  # blocks.1 is signed: 4 and 15 negative
assert b1.min() < 0 < b1.max() and b1[[4, 15]].max() < -3 and b1[[7, 9]].min() > 4, b1

# %% [markdown]
# ## 6. Explore
#
# Pick a model, an image, a convolution layer (slider) and a range of channels; the feature
# maps redraw as you move the controls. Live, the controls sit above the figure: model and
# image drop-downs, a layer slider and a channel-range slider. Without a running kernel you
# see only the panel's first view: the cat at a convolution a third of the way into the
# network, channels 0-15, on one colour scale with its colour bar.

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
cv.exercises.check_top_k(top_k);


# %% tags=["solution"]
def top_k_solution(logits, k):
    return logits.softmax(dim=1).topk(k, dim=1)

assert cv.exercises.check_top_k(top_k_solution)


# %% [markdown]
# ### Exercise: the most active channels
#
# Write `most_active_channels(clf, x, layer, k)` returning the indices of the `k` channels
# of `layer` with the largest mean activation for image `x`, largest first (the signed mean:
# the pitfalls below show what that ranks).
# Hint: `cv.activations(clf, x, layer)` gives the `(1, C, H, W)` output of one layer.

# %% tags=["exercise"]
def most_active_channels(clf, x, layer, k):
    raise NotImplementedError  # your code here


# %% tags=["exercise-check"]
cv.exercises.check_most_active_channels(most_active_channels, clf, x, "blocks.8");


# %% tags=["solution"]
def most_active_channels_solution(clf, x, layer, k):
    return cv.activations(clf, x, layer)[0].mean(dim=(1, 2)).topk(k).indices

assert cv.exercises.check_most_active_channels(most_active_channels_solution, clf, x, "blocks.8")

# %% [markdown]
# ## 7. What a feature map does not tell you
#
# A feature map shows *where* one channel fires on *one* image, not *what* the channel
# encodes. Zeiler & Fergus (2014) answered that second question with many images: for each
# channel they collected the image patches with the strongest activations over a whole data
# set, and projected each activation back to pixels with a deconvnet (notebook 01). Feature
# visualisation (notebook 02) instead optimises an image for the channel.
#
# **Pitfalls.**
# - Stretching each filter to its own range makes faint filters look as vivid as strong ones.
# - Only first-layer filters read as images: deeper kernels weigh feature maps, not colours.
# - Per-tile colour scales hide weak channels; a shared scale with a colour bar does not.
# - The mean of a *signed* map ranks channels by sign, not by strength (the cell below).
# - Hooks stay on a model until removed: attach them inside a `with` block (`cv.capture`).
#   In-place operations can overwrite a layer's output after the hook has seen it.

# %%
acts = cv.activations(clf, x, "blocks.8")[0]   # blocks.8 ends in a linear projection: signed
print("top 5 by mean activation:  ", acts.mean(dim=(1, 2)).topk(5).indices.tolist())
print("top 5 by mean |activation|:", acts.abs().mean(dim=(1, 2)).topk(5).indices.tolist())

# %% tags=["check"]
# the two rankings of blocks.8 differ: a channel with large negative values counts as weak by its mean
by_mean, by_size = acts.mean(dim=(1, 2)).topk(5).indices, acts.abs().mean(dim=(1, 2)).topk(5).indices
assert acts.min() < 0 and by_mean.tolist() != by_size.tolist(), (by_mean, by_size)

# %% [markdown]
# ## Summary
#
# - A classifier maps an image to 1000 logits; the softmax turns them into probabilities.
#   Augmented views show what a prediction rests on (here: colour and texture).
# - First-layer filters can be drawn as images; on one shared scale their colour follows
#   their achromatic share, and their brightness follows their strength.
# - Depthwise kernels have spatial patterns (even the padding shows); a 1x1 convolution is
#   a matrix over channels.
# - A hook in a `with` block records any layer's output; draw signed maps on a scale
#   centred on zero, and compare channels on one scale.
# - A feature map shows where a channel fires on one image, not what it means.
#
# ## What next
#
# Feature maps tell us *where* a layer responds in this image. Notebook 01 asks the reverse
# question: *which pixels* made the network say "cat"? Answer: the gradient.
