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
from IPython.display import Markdown, display

clf = cv.load_model(device=DEVICE)
img = cv.sample_image("drums_and_guitar")
x = clf.preprocess(img)
display(cv.plot.predictions(clf, x))
Markdown(cv.credit("drums_and_guitar"))

# %%
# the photo holds two objects the network names: electric guitar first, drum in the top-5
labels = [label for _, label, _ in clf.predict(x, k=5)]
assert labels[0] == "electric guitar" and "drum" in labels

# %% [markdown]
# A real photograph of a practice room: a drum kit with an electric guitar leaning against
# it. The network's first class is `electric guitar`, and `drum` is in the top-5 too. Two
# objects, two classes: where does each class look?
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

# %% [markdown] choice="05-cam-drum"
# ### Predict, then run
#
# (the builder writes the question and the answer cell)

# %%
cv.plot.cam_topk(clf, x, k=5, method="cam")

# %%
import torch

top = cv.topk_targets(clf, x, 5)
boxes = cv.sample_boxes("drums_and_guitar")    # hand-drawn: {label: [(x0, y0, x1, y1), ...]} in x's pixels
share = {obj: cv.energy_in_boxes(cv.cam(clf, x, top), b)[0] for obj, b in boxes.items()}
area = {obj: cv.energy_in_boxes(torch.ones(x.shape[-2:]), b).item() for obj, b in boxes.items()}
print(f"boxes: the guitar's cover {area['electric guitar']:.0%} of the image, the drum kit's {area['drum']:.0%}")
print(f"{'share of the map of':20s} {'on the guitar':>14s} {'on the drum kit':>16s}")
for i, c in enumerate(top[0].tolist()):
    print(f"{clf.label(c):20s} {share['electric guitar'][i]:14.0%} {share['drum'][i]:16.0%}")

# %%
# the guitar classes sit on the guitar, drum on the drum kit; each map's maximum inside its object's boxes
g, d = share["electric guitar"], share["drum"]
names = [clf.label(c) for c in top[0].tolist()]
guitars, drum = [names.index("electric guitar"), names.index("acoustic guitar")], names.index("drum")
assert (g[guitars] > 2 * area["electric guitar"]).all() and d[drum] > 0.7 and g[drum] < 0.2
peak = cv.cam(clf, x, top)[0]
assert all(cv.pointing_game(peak[i], boxes["electric guitar"]) for i in guitars)
assert cv.pointing_game(peak[drum], boxes["drum"])
others = [names.index("banjo"), names.index("stage")]          # peak on the guitar, mass split between both
assert all(cv.pointing_game(peak[i], boxes["electric guitar"]) for i in others)
assert ((g[others] - 0.5).abs() < 0.15).all() and ((d[others] - 0.5).abs() < 0.15).all()

# %% [markdown]
# **What to look at:** `electric guitar` and `acoustic guitar` (two labels for the same
# object) put about two thirds of their map on the guitar, whose boxes cover under a third
# of the image, and their hottest cell is on it; `drum` moves to the drum kit (over 70 % of
# its map, under 20 % on the guitar). `banjo` (another long-necked string instrument) and
# `stage` also peak on the guitar, but only half of their mass is there, the other half on
# the drum kit: a stage is the whole scene, and the map says so. The boxes were drawn by hand around each object;
# the table gives the share of each map's positive mass inside them. The network was never
# told where the objects are (it was trained with image labels only) and yet its class maps
# localise them: this is *weakly supervised localisation*, the point of Zhou et al.'s paper.
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
# class maps get finer (a 320-pixel input gives 10x10 maps). Below: the maps of the two
# guitar classes and of `drum` and `drumstick`, read straight from the network's output.

# %%
big = clf.preprocess(img, size=cv.config.pick(320, 224))
with torch.no_grad():
    fine = fcn(big)[0]
ids = [clf.class_index(c) for c in ("electric guitar", "acoustic guitar", "drum", "drumstick")]
cv.plot.cam_row(clf, big, [fine[i] for i in ids], [f"{clf.label(i)} {tuple(fine.shape[1:])}" for i in ids])

# %%
# the two guitar maps nearly coincide, the drum maps sit on the drum kit, guitar and drum maps anti-correlate
up = torch.nn.functional.interpolate(fine[ids][None], size=big.shape[-2:], mode="bilinear")[0]
on_drums = cv.energy_in_boxes(up, cv.sample_boxes("drums_and_guitar", size=big.shape[-1])["drum"])
same = torch.corrcoef(fine[ids].flatten(1))
print("share on the drum kit's boxes:", {clf.label(i): f"{s:.0%}" for i, s in zip(ids, on_drums.tolist())})
print(f"correlation of the maps: electric / acoustic guitar {same[0, 1]:.2f}, drum / drumstick {same[2, 3]:.2f}, "
      f"electric guitar / drum {same[0, 2]:.2f}")
assert (on_drums[2:] > on_drums[:2] + 0.3).all()
assert min(same[0, 1], same[2, 3]) > 0.9 and same[0, 2] < 0

# %% [markdown]
# **What to conclude:** the two guitar maps are nearly the same (correlation above 0.9: both
# classes use the same guitar features), and so are `drum` and `drumstick`, which sit on the
# drum kit; the guitar and drum maps are *anti*-correlated: where one class gains evidence,
# the other loses it.
#
# ## 5. Explore
#
# Pick a model, an image and one of its top-5 classes (or the whole top-5 row). Models with
# pretrained weights on disk appear in the model list.

# %%
cv.widgets.cam_panel(image="drums_and_guitar")


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
# which works for any network and any layer. On a GAP + linear head like this one, read at
# its last layer, the gradient of $S_c$ with respect to $A_k(x,y)$ is $w_k^c/hw$ at every
# position, so Grad-CAM is $\mathrm{ReLU}(M_c)/hw$: CAM with its negative part cut off,
# divided by the $7 \times 7 = 49$ positions (not CAM up to a constant: the ReLU drops
# the regions that vote against the class).
