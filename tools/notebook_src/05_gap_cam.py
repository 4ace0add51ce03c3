# ---
# jupyter:
#   cnnviz:
#     title: Global average pooling and class activation maps (CAM)
#     goals:
#     - see why a global-average-pooling head makes a map for every class possible
#     - compute class activation maps (CAM) of a pretrained network with one forward pass
#     - 'rewrite the pooled linear head as a 1x1 convolution: a fully convolutional network'
#     - 'read per-class maps: which object of the image each class is looking at'
#     prerequisites: notebook 00 (feature maps and hooks).
#     runtime:
#       cpu: 1 minute
#       gpu: 20 seconds
#     papers:
#     - Zhou, Khosla, Lapedriza, Oliva, Torralba, *Learning Deep Features for Discriminative Localization*,
#       CVPR 2016
#     - Lin, Chen, Yan, *Network in Network*, ICLR 2014 (global average pooling)
# ---

# %% [markdown]
# ## 1. The idea: the last layers of many CNNs are a weighted vote of feature maps
#
# ResNet, GoogLeNet, DenseNet, MobileNet and EfficientNet all end the same way: the last
# convolutional layer gives $K$ feature maps $A_k(x, y)$; **global average pooling** (GAP)
# turns each into one number; **one linear layer** turns those into class scores:
#
# $$S_c = \sum_k w_k^c \, \frac{1}{hw}\sum_{x,y} A_k(x,y) + b_c .$$
#
# Swap the two sums and a map appears:
#
# $$S_c = \frac{1}{hw}\sum_{x,y} M_c(x, y) + b_c, \qquad M_c(x,y) = \sum_k w_k^c A_k(x,y).$$
#
# $M_c$ is the **class activation map** (CAM) of Zhou et al. (2016): the score of class $c$
# is literally the average of $M_c$ over the image, so $M_c$ shows *where* the evidence for
# $c$ sits. No gradient is needed, just the feature maps and the linear weights.

# %%
clf = cv.load_model(device=DEVICE)
img = cv.sample_image("cat_and_coffee")
x = clf.preprocess(img)
cv.plot.predictions(clf, x)

# %% [markdown]
# The image holds two objects: a cat on the left, an espresso cup on the right. The network's
# top classes are cats, but `cup` is in the top-5 too. Where does each class look?
#
# ## 2. Finding the GAP + linear head
#
# `cv.attribution.find_gap_linear_head` runs one probe image through the network and checks
# that the output really **is** the last linear layer applied to the spatial mean of the CAM
# layer (possibly after a ReLU, as DenseNet does). EfficientNet-Lite0: `head` (1280 maps of
# 7x7), then `pool`, `dropout`, `classifier`.

# %% tags=["nbval-check-output"]
head = cv.attribution.find_gap_linear_head(clf)
print("CAM layer:", head.layer, "| linear:", head.linear, "| ReLU before pooling:", head.relu)

# %% [markdown]
# Networks whose head is something else (VGG and AlexNet flatten the 7x7 maps into three
# linear layers, ConvNeXt normalises with a LayerNorm first) have no such map: `cv.cam`
# raises a clear error there and points to Grad-CAM (notebook 06), which works everywhere.
#
# ## 3. CAM for the top-5 classes
#
# `cv.cam(clf, x, target)` returns raw maps; `cv.plot.cam_topk` calls it once with the top-5
# classes as an `(1, 5)` target and draws each map over the greyscale image. Before you run
# it, predict:

# %% [markdown] choice="05-cam-cup"
# ### Predict, then run
#
# (the builder writes the question and the answer cell)

# %%
cv.plot.cam_topk(clf, x, k=5, method="cam")

# %%
import torch

top = cv.topk_targets(clf, x, 5)
cat_box = (0, 0, x.shape[-1] // 2, x.shape[-2])                  # the left half: the cat
left = cv.energy_in_box(cv.cam(clf, x, top), cat_box)[0]          # share of each map's positive mass
for c, share in zip(top[0].tolist(), left.tolist()):
    print(f"{clf.label(c):15s} {share:4.0%} on the cat's half, {1 - share:4.0%} on the cup's")
assert (left[:3] > 0.85).all() and (left[3:] < 0.3).all() and left[3] < 0.2   # cup: over 80 % on the right

# %% [markdown]
# **What to look at:** the three cat classes all light up the cat on the left (close to 90 %
# of each map); `cup` lights up the cup on the right (over 80 % of its map), and so does
# `potter's wheel` (a round, glazed, brown object: a fair confusion, and the map shows it is
# the cup that the network mistakes). The network was never told where the objects are (it
# was trained with image labels only) and yet its class maps localise them: this is *weakly
# supervised localisation*, the point of Zhou et al.'s paper.
#
# The maps are 7x7 (the `head` resolution) stretched to 224x224, hence the blobs. Let us
# check the equation of section 1 on real numbers: the mean of each raw 7x7 map plus the
# bias is the logit.

# %% tags=["nbval-check-output"]
maps = cv.cam(clf, x, top, upsample=False)            # (1, 5, 7, 7), raw
logits = clf.logits(x).gather(1, top)
rebuilt = maps.mean(dim=(2, 3)) + head.linear.bias[top]
print("map shape:", tuple(maps.shape))
assert torch.allclose(rebuilt, logits, atol=1e-3)

# %% [markdown]
# ## 4. The linear head is a 1x1 convolution
#
# $M_c(x,y) = \sum_k w_k^c A_k(x,y)$ is exactly what a **1x1 convolution** with one filter per
# class computes at every position. So the network can be rewritten as *features, then a
# final convolution with as many filters as classes, then global average pooling*: the
# design Network-in-Network introduced. `cv.fully_convolutional(clf)` does the rewrite; its
# output is one map per class (1000 of them), and their average is the original logits.

# %% tags=["nbval-check-output"]
fcn = cv.fully_convolutional(clf)
with torch.no_grad():
    class_maps = fcn(x)                                # (1, 1000, 7, 7)
print(fcn.classifier, tuple(class_maps.shape))
assert torch.allclose(class_maps.mean(dim=(2, 3)), clf.logits(x), atol=1e-3)

# %% [markdown]
# A fully convolutional network accepts any image size: give it a larger image and the
# class maps get finer (a 320-pixel input gives 10x10 maps). Below: the maps of a cat
# class and of `cup` read straight from the network's output.

# %%
big = clf.preprocess(img, size=cv.config.pick(320, 224))
with torch.no_grad():
    fine = fcn(big)[0]
ids = [clf.class_index(c) for c in ("tabby", "Egyptian cat", "cup", "espresso")]
cv.plot.cam_row(clf, big, [fine[i] for i in ids], [f"{clf.label(i)} {tuple(fine.shape[1:])}" for i in ids])

# %%
half = (0, 0, fine.shape[-1] // 2, fine.shape[-2])
on_cat = cv.energy_in_box(fine[ids], half)
same = torch.corrcoef(fine[ids].flatten(1))
print("on the cat's half:", {clf.label(i): f"{s:.0%}" for i, s in zip(ids, on_cat.tolist())})
print(f"correlation tabby / Egyptian cat {same[0, 1]:.2f}, tabby / cup {same[0, 2]:.2f}")
assert (on_cat[:2] > 0.8).all() and (on_cat[2:] < 0.2).all()
assert same[0, 1] > 0.9 > same[0, 2]

# %% [markdown]
# **What to conclude:** the two cat maps are nearly the same (correlation above 0.9: both
# classes use the same cat features); `cup` and `espresso` sit on the cup.
#
# ## 5. Explore
#
# Pick a model, an image and one of its top-5 classes (or the whole top-5 row). Models with
# pretrained weights on disk appear in the model list.

# %%
cv.widgets.cam_panel()


# %% [markdown]
# ### Exercise: a class activation map by hand
#
# Write `class_map(features, weights, c)`: `features` is the `(C, h, w)` output of the
# CAM layer, `weights` the `(classes, C)` weight matrix of the linear head. Return the
# `(h, w)` map $M_c = \sum_k w_k^c A_k$. Hint: `torch.einsum("k,khw->hw", ...)` or
# broadcasting `weights[c][:, None, None] * features`.

# %% tags=["exercise"]
def class_map(features, weights, c):
    raise NotImplementedError  # your code here


# %% tags=["exercise-check"]
cv.exercises.check_class_map(class_map)


# %% tags=["solution"]
def class_map_solution(features, weights, c):
    return (weights[c][:, None, None] * features).sum(dim=0)

assert cv.exercises.check_class_map(class_map_solution)

# %% [markdown]
# ### Think, then write
#
# `cv.cam` refuses VGG16 (its 7x7x512 map is flattened into three linear layers). Why does
# the equation of section 1 not give a class map there, and what would you have to change in
# VGG16 to get CAM maps from it? What does that change cost?

# %% [markdown]
# *Your answer (double-click this cell to write):*

# %% [markdown]
# <details><summary><b>Model answer</b> (open it after writing yours)</summary>
#
# CAM needs the score to be a *linear function of the spatial mean* of the last feature maps:
# only then can the two sums be swapped and $S_c$ split into a per-position map. VGG16 flattens
# the 7x7x512 map (every position gets its own weights) and passes it through two hidden
# layers with ReLUs, so the score is neither an average over positions nor linear in the
# features. To get CAM you replace the head by global average pooling plus one linear layer
# (Zhou et al. removed the layers after conv5_3, added a convolution, GAP and a linear layer)
# and **retrain** the head: the network changes, and Zhou et al. report a small loss of
# classification accuracy. The alternative that needs no retraining is Grad-CAM (notebook 06).
#
# </details>

# %% [markdown]
# ## What next
#
# CAM needs a GAP + linear head and only explains the last convolutional layer. Grad-CAM
# (notebook 06) replaces the linear weights $w_k^c$ by the average *gradient* of the score,
# which works for any network and any layer, and equals CAM (up to a constant) where both apply.
