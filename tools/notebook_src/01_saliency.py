# ---
# jupyter:
#   cnnviz:
#     title: 'Saliency: which pixels made the network say ''cat''?'
#     goals:
#     - compute the gradient of a class score with respect to the input pixels (vanilla saliency)
#     - read positive and negative saliency maps
#     - compare three backward rules (vanilla gradient, deconvnet, guided backpropagation) and see what
#       the last two hide
#     - start guided backprop from any layer and channel, on VGG16 where it is available
#     - remove gradient noise with SmoothGrad, and attribute with Integrated Gradients
#     - write vanilla saliency yourself in four lines
#     prerequisites: notebook 00 (a pretrained classifier, logits, hooks); what a gradient is.
#     runtime:
#       cpu: 2 minutes
#       gpu: 10 seconds
#     papers:
#     - Simonyan, Vedaldi & Zisserman, *Deep Inside Convolutional Networks*, arXiv:1312.6034 (2013)
#     - Zeiler & Fergus, *Visualizing and Understanding Convolutional Networks*, ECCV 2014
#     - 'Springenberg et al., *Striving for Simplicity: The All Convolutional Net*, ICLR workshop 2015'
#     - 'Smilkov et al., *SmoothGrad: removing noise by adding noise*, arXiv:1706.03825 (2017)'
#     - Sundararajan, Taly & Yan, *Axiomatic Attribution for Deep Networks*, ICML 2017
#     - Adebayo et al., *Sanity Checks for Saliency Maps*, NeurIPS 2018
#     - Odena, Dumoulin & Olah, *Deconvolution and Checkerboard Artifacts*, Distill 2016
#     - Nie, Zhang & Patel, *A Theoretical Explanation for Perplexing Behaviors of Backpropagation-based
#       Visualizations*, ICML 2018
#     - Selvaraju et al., *Grad-CAM*, ICCV 2017
#     - Sturmfels, Lundberg & Lee, *Visualizing the Impact of Feature Attribution Baselines*, Distill 2020
#     - Kindermans et al., *The (Un)reliability of Saliency Methods*, in *Explainable AI*, Springer LNCS 11700
#       (2019); arXiv:1711.00867
# ---

# %% [markdown]
# ## 1. The idea: the gradient of a class score
#
# The network gives class $c$ a score (logit) $z_c(x)$. Close to our image $x_0$ it is
# almost linear: $z_c(x) \approx z_c(x_0) + w^\top (x - x_0)$ with
# $w = \frac{\partial z_c}{\partial x}\big|_{x_0}$. So $w$ says how much each pixel's value
# would change the score. Simonyan et al. (2013) draw its largest magnitude over the colour
# channels as the **saliency map**:
#
# $$M_{ij} = \max_{k \in \{R,G,B\}} \left| \frac{\partial z_c}{\partial x_{k,i,j}} \right|$$
#
# We use the logit, not the softmax probability: a probability can rise because *other*
# classes fall, which would muddle the map.
#
# (The next cell sets its sizes with `cv.config.pick(full=..., fast=...)`. Every output
# stored in this notebook comes from the `full` values; the `fast` values are quick mode.
# To switch quick mode on, run `cv.config.set_quick()` in a cell right after the setup cell.)

# %%
import torch
from IPython.display import Markdown

clf = cv.load_model(device=DEVICE)
# image size, SmoothGrad copies, IG steps; quick mode (see the top of the notebook) uses the smaller set
SIZE, N, STEPS = cv.config.pick(full=(224, 50, 128), fast=(96, 6, 48))
FONT = 12   # panel titles and scale notes, in points: readable when projected
x = clf.preprocess(cv.sample_image("cat"), size=SIZE)
print(", ".join(f"{label} {p:.1%}" for _, label, p in clf.predict(x, k=3)))

# %%
grad = cv.saliency(clf, x)  # target=None: the top-1 class; raw, signed, shape (1, 3, H, W)
display(cv.plot.saliency_maps(x, grad[0], clf, scale_note=True, fontsize=FONT, title="EfficientNet-Lite0: vanilla gradient for "
                                                   f"'{clf.predict(x, 1)[0][1]}'"), Markdown(cv.credit("cat")))

# %% [markdown]
# **What to look at.** The `|map|` panel (max |gradient| over RGB) is speckled over the whole image: raw gradients
# are noisy (section 3 measures it: most of the map's energy is at high spatial frequencies).
# The eyes show only as faint rings in the speckle. **Positive saliency** (centre right) shows where *brightening* a
# colour channel would raise the score, **negative saliency** where *darkening* it would.
# Each is drawn in colour: a red pixel means the red channel matters there. Both are
# mostly green because the green channel gets most of the gradient's energy on this photo
# (printed below). The positive and negative panels look alike because the gradient's sign
# flips from pixel to pixel: that is the speckle.
#
# **The scale of every |map| panel in this notebook** (stated under each figure; the signed
# maps of section 4 have their own colour bars): black is 0 and white (or full colour) is
# the map's own 99th percentile of $|\text{value}|$; the brightest 1 % of pixels are clipped.
# Each panel has its own scale, so compare the *patterns* of two panels, not their brightness.

# %%
energy = (grad[0] ** 2).flatten(1).sum(dim=1)
print("share of the gradient's energy in R, G, B:", [round(v, 2) for v in (energy / energy.sum()).tolist()])

# %% tags=["check"]
# the gradient has the image's shape, is detached, leaves no hook or parameter grad; green carries the most energy
assert grad.shape == x.shape and not grad.requires_grad
assert cv.hook_count(clf) == 0 and all(p.grad is None for p in clf.model.parameters())
assert energy.argmax() == 1 and energy[1] > 0.5 * energy.sum(), energy

# %% [markdown]
# ## 2. Three backward rules: vanilla, deconvnet, guided
#
# The gradient passes back through each ReLU $y = \max(u, 0)$ where its forward input $u$
# (the pre-activation; $x$ stays the image) was positive. Two other methods change this one
# line of the backward pass ($L$ is the score being explained, $z_c$, and $y$ the unit's
# output). The **deconvnet**
# of Zeiler & Fergus (2014) runs the network backwards, applying "a ReLU on the way back":
# it rectifies the signal coming from above and ignores the forward input. **Guided
# backpropagation** (Springenberg et al. 2015) does both: it keeps only positive signals
# *and* only where the unit was active.
#
# $$
# \begin{aligned}
# \text{vanilla gradient:}\quad & \tfrac{\partial L}{\partial u} = \mathbb{1}[u > 0]\;\tfrac{\partial L}{\partial y}\\
# \text{deconvnet:}\quad & \tfrac{\partial L}{\partial u} = \max\!\big(\tfrac{\partial L}{\partial y}, 0\big)\\
# \text{guided backprop:}\quad & \tfrac{\partial L}{\partial u} = \mathbb{1}[u > 0]\;\max\!\big(\tfrac{\partial L}{\partial y}, 0\big)
# \end{aligned}
# $$
#
# For ReLU6, $y = \min(\max(u, 0), 6)$, the vanilla mask is $\mathbb 1[0 < u < 6]$, and
# guided backprop uses that mask too; the deconvnet ignores the forward input at both
# clamps. Everything else (convolutions, pooling, batch norm) back-propagates as usual. The package
# applies the rule to every ReLU however the model calls it (modules, reused modules,
# in-place, `F.relu`, and ReLU6 as in this EfficientNet-Lite). Below, the three maps of the same class, then the
# vanilla and guided gradients in detail.

# %%
guided = cv.guided_backprop(clf, x)
deconv = cv.deconvnet(clf, x)
cv.plot.compare_maps(x, {"vanilla gradient": grad[0], "deconvnet": deconv[0], "guided backprop": guided[0]}, clf,
                     title=f"EfficientNet-Lite0: three backward rules, class '{clf.label(clf.predict(x, 1)[0][0])}'",
                     scale_note=True, fontsize=FONT)

# %%
cv.plot.vanilla_vs_guided(x, grad[0], guided[0], clf, title="EfficientNet-Lite0: vanilla vs guided", scale_note=True, fontsize=FONT)

# %% [markdown]
# **What to look at.** The "guided: negative" panel is as rich as the positive one (eye
# rings, the outline of the nose). That is not a bug: the rule clips negative signals only
# at the ReLUs. The last step back, from the first ReLU6 to the pixels, is the stem
# convolution with its batch norm, whose weights have both signs, so the map at the pixels
# is signed again. For guided backprop, positive and negative then mean: brightening this
# colour channel here would raise (or lower) the active first-layer units whose guided
# (rectified) signal from the class is positive.

# %% [markdown]
# **What the figures show.** On EfficientNet-Lite0 the guided map is not a clean edge
# drawing: it is covered by a fine **lattice**, a sign pattern that repeats every two
# pixels. The deconvnet's map carries a 2-pixel pattern too, and over it **vertical stripes
# that repeat every 4 pixels**, the largest pattern in its |map| panel. In the first figure
# the deconvnet panel is a regular grid with no cat in it; the guided panel shows the eyes
# through the grid. A panel about 200 screen pixels wide cannot show a 2-pixel pattern
# faithfully (it turns into moiré), so the figures below enlarge a 32x32 crop.
#
# The next part is an **optional deep dive** into where the lattice comes from. To stay on
# the main line (the rules, then class dependence, then starting from a unit), skip to the
# heading "The deconvnet does not see the image".

# %% [markdown]
# ### Optional deep dive: where the lattice comes from
#
# **The stride-2 convolutions.** In the backward pass a
# stride-2 convolution becomes a transposed convolution: each gradient value of the coarse
# layer is spread over the input through the kernel, at every other pixel. If that coarse
# input were constant, each of the four pixel phases (even/odd row × even/odd column) would
# receive it times **the sum of the kernel taps that land on that phase**; these sums
# generally differ from phase to phase, in size and even in sign, and the difference is a
# period-2 pattern. The uneven overlap of Odena et al. (2016, *Deconvolution and
# Checkerboard Artifacts*), a kernel size (3 or 5) that is not a multiple of the stride so
# that some pixels receive more copies than their neighbours, is the special case of equal
# positive taps; learned taps with unequal phase sums leave a pattern whatever the kernel size.
#
# The pattern builds up when the coarse input has a **fixed sign**. Guided backprop and the
# deconvnet rectify the signal at every ReLU; between that ReLU and the transposed
# convolution sits the batch norm's per-channel scale $\gamma/\sigma$, so each channel's
# input has one sign and its phase bias adds up over positions. In the vanilla gradient the
# input carries both signs and the bias averages out. Stacked stride-2 layers compound the
# pattern into periods of 4, 8, … pixels (Odena et al.). The cells after the two enlarged
# figures measure the lattice and check that the numbers are consistent with this account.
#
# The first figure enlarges a 32x32 crop on the pupil of the eye on the left of the photo,
# about 7 times, each map pixel drawn as one block, as |map|; the second draws the same crop
# *signed* (red positive, blue negative), where a sign pattern cannot hide.

# %%
eye = (slice(None), slice(None), slice(SIZE * 2 // 7, SIZE * 2 // 7 + SIZE // 7),
       slice(SIZE * 3 // 14, SIZE * 3 // 14 + SIZE // 7))   # 32x32 around the eye, at 224 px
crops = {"vanilla gradient": grad[eye][0], "deconvnet": deconv[eye][0], "guided backprop": guided[eye][0]}
display(cv.plot.compare_maps(x[eye], crops, clf, scale_note=True, fontsize=FONT,
                             title="the same three maps, a 32x32 crop enlarged (one block = one pixel)"),
        cv.plot.signed_maps(x[eye], crops, clf, title="the same crop, signed: red positive, blue negative"))

# %% [markdown]
# **What to look at:** enlarged, the deconvnet's |map| is a regular lattice, mostly vertical
# stripes that repeat every 4 pixels; signed, it is a grid of red and blue dots whose rows
# lean alternately red and blue (a 2-pixel pattern from top to bottom). The guided panel
# shows bright dots on alternate pixels, mostly in the left half of the pupil, between its
# left edge and the reflection; signed, most of them are dark blue, on every other row and
# column. The vanilla panel is speckled too, but without
# a regular lattice. The next cells put numbers on each of these.

# %% [markdown]
# Two measures of the lattice, each on the array where its pattern lives:
#
# - the **period-2 share**, `cv.high_frequency_share(a, cutoff=0.9)`: the share of the
#   *signed* map's energy (the spectra of R, G and B added) at frequencies above 0.9 times
#   the Nyquist frequency in x or y, periods of about 2 pixels. A sign that flips every pixel
#   is a period-2 pattern in the signed map but can vanish from $|\text{map}|$, so this share
#   is taken before the absolute value. Reference: white noise (a flat spectrum) gives
#   about 0.19, the band's share of all frequencies;
# - the **4-pixel share**, `cv.evaluate.period_share(m, 4, axis=...)`: the share of the
#   $|\text{map}|$ panel as drawn (max of $|\cdot|$ over RGB) at exactly 1/4 cycle per pixel
#   along x (vertical stripes) or along y (horizontal stripes). Reference: white noise gives
#   about 0.01 (one frequency of many).
#
# Both are shares of the map's **variance**: its mean is removed before the spectrum is taken.

# %%
three = {"vanilla": grad, "deconvnet": deconv, "guided": guided}
period2 = {name: cv.high_frequency_share(a, cutoff=0.9).item() for name, a in three.items()}
stripes4 = {(name, axis): cv.evaluate.period_share(a.abs().amax(dim=1, keepdim=True), 4, axis=axis).item()
            for name, a in three.items() for axis in ("x", "y")}
print("period-2 share (signed map):", {k: round(v, 2) for k, v in period2.items()})
for axis in ("x", "y"):
    print(f"4-pixel share along {axis} (|map| as drawn):", {k: round(v, 2) for (k, ax), v in stripes4.items() if ax == axis})

# %% tags=["check"]
# guided and deconvnet carry several times the vanilla map's period-2 share; the deconvnet's map is mostly grid,
# over a third of its |map| in vertical 4-pixel stripes (along x), almost none along y or in the other maps
assert period2["guided"] > 3 * period2["vanilla"] and period2["deconvnet"] > 3 * period2["vanilla"]
if not cv.config.quick():
    assert period2["deconvnet"] > max(period2["guided"], 0.5), period2
    assert stripes4["deconvnet", "x"] > 0.33 and max(v for k, v in stripes4.items() if k != ("deconvnet", "x")) < 0.05

# %% [markdown]
# **A consistency check of the phase-sum account.** If the lattice is a fixed bias per pixel
# phase, each *signed* map's mean on the four phases (even/odd row × even/odd column) should
# differ in the rectified maps and not in the vanilla one. And the last layer on the way
# back, the stem (a 3x3 convolution at stride 2, then batch norm), should have unequal phase
# sums. These are necessary conditions only: passing them does not prove the account.
# (Which taps land on even pixels depends on the padding. This model pads TensorFlow-style,
# "SAME": no padding before, one pixel after, so taps 0 and 2 of each kernel row and column
# land on even pixels; with symmetric `padding=1`, as in torchvision's models, they land on
# odd pixels and the phases swap.)

# %%
phases = [(0, 0), (0, 1), (1, 0), (1, 1)]   # (row, column) parity: even-even, even-odd, odd-even, odd-odd
for name, a in three.items():
    m = a[0].sum(0)   # signed, summed over R, G, B
    print(f"{name}: mean on each phase / the map's std:", [round((m[i::2, j::2].mean() / m.std()).item(), 2) for i, j in phases])
stem = clf.model.stem   # with "SAME" padding, taps 0 and 2 of each kernel row/column land on even pixels
w = (stem.conv.weight * (stem.bn.weight / (stem.bn.running_var + stem.bn.eps).sqrt()).view(-1, 1, 1, 1)).detach()
sums = torch.stack([w[..., i::2, j::2].sum((1, 2, 3)) for i, j in phases], dim=1)   # (32 channels, 4 phases)
mixed = int(((sums.max(1).values > 0) & (sums.min(1).values < 0)).sum())
print("stem, BN-scaled phase sums of channel 0 (R, G, B added):", [round(v, 1) for v in sums[0].tolist()])
print(f"stem channels whose four phase sums have both signs: {mixed} of {len(sums)}")

# %% tags=["check"]
# the vanilla map has no phase bias; the deconvnet's rows alternate in sign; guided is offset on one phase of four
means = {name: [(a[0].sum(0)[i::2, j::2].mean() / a[0].sum(0).std()).item() for i, j in phases] for name, a in three.items()}
assert max(abs(v) for v in means["vanilla"]) < 0.05, means
if not cv.config.quick():
    assert max(means["deconvnet"][:2]) < -0.3 and min(means["deconvnet"][2:]) > 0.3, means
    assert means["guided"][0] < -0.4 and min(means["guided"][1:]) > -0.1, means
    assert sums[0, :2].max() < 0 < sums[0, 2:].min() and mixed > len(sums) // 2, (sums[0], mixed)

# %% [markdown]
# **What the numbers show.** The vanilla map's four phase means are all about 0: no phase
# bias. The deconvnet's are negative on even rows and positive on odd rows: its 2-pixel
# pattern is a sign flip from row to row (the alternating rows of the signed crop). The
# guided map's mean is clearly negative on one phase (even row, even column) and much
# smaller on the others: the blue dots on every other row and column. The stem's four
# phase sums have both signs in 23 of its 32 channels, so they are unequal there, as the
# account requires (channel 0's, printed as an example, run from about -26 to +27). So the
# numbers are *consistent* with the account; they do not test it. The test would predict the four
# phase means from the stem, each channel's BN-scaled phase sums weighted by the mean
# rectified signal entering that channel, and compare the prediction with the measured
# means of the deconvnet and guided maps; this notebook does not run it, so which channels
# set each map's pattern is open. Also open: why the deconvnet's 4-pixel stripes run only
# along x (its 4-pixel share along y is near 0, printed above) although the stride-2 layers
# act in both directions. One place to look is the x and y phase sums of the stride-2
# depthwise kernels in the blocks.

# %% [markdown]
# ### The deconvnet does not see the image
#
# **On this network the deconvnet does not see the image at all.** It ignores the ReLUs'
# forward masks, so the image can reach its backward pass only through a layer whose
# backward pass itself depends on the input: max-pooling "switches" (which pixel of each
# pooling region was the maximum, the device Zeiler & Fergus built their reconstructions on),
# but also smooth activations (Swish/SiLU, GELU), squeeze-and-excitation gates, attention, or
# batch norm in training mode. EfficientNet-Lite0 has none of these: its only non-linearities
# are ReLU6s, and its convolutions, batch norms (in eval mode) and average pooling are linear,
# so the deconvnet's map for a class is the same for every image. (EfficientNet-B0, with Swish
# and SE gates and still no max-pooling, would give image-dependent deconvnet maps.) The
# next figure shows it on a second photo, the coffee cup: the two maps side by side, and
# their difference drawn on the first map's scale (black where they agree). So the
# deconvnet's lattice above belongs to the network (its architecture and weights), not to
# the photo. VGG16 has five max-pooling layers, so there the switches bring the image back.

# %%
coffee = clf.preprocess(cv.sample_image("coffee"), size=SIZE)
top1 = clf.predict(x, 1)[0][0]
deconv_coffee = cv.deconvnet(clf, coffee, top1)
name = f"deconvnet, class '{clf.label(top1)}'"
display(cv.plot.maps_on_images([(name, x, deconv[0]), (name, coffee, deconv_coffee[0])], clf, difference=True,
                               scale_note=True, fontsize=FONT, title="the deconvnet map of one class on two photos"),
        Markdown(cv.credit("coffee")))
print("the same map on both photos:", torch.allclose(deconv_coffee, deconv, rtol=1e-4, atol=1e-6))

# %% tags=["check"]
# the deconvnet's map for the class is the same on the coffee photo as on the cat
assert torch.allclose(deconv_coffee, deconv, rtol=1e-4, atol=1e-6)

# %% [markdown]
# ### The same on VGG16
#
# VGG16 has no strided convolutions: 3x3 convolutions at stride 1, and 2x2 max-pooling that
# passes each gradient back to one position of each 2×2 window of its input feature map
# (only the first pooling layer works at the image's resolution). With no strided kernels
# there are no phase sums to build the lattice above; Selvaraju et al. (2017, fig. 1b) show
# guided backprop on VGG16 as clean edge drawings (max-pool routing can still leave a faint
# grid of its own). The cell below draws VGG16's maps where its weights can be had; where
# they cannot, that figure of the paper ([arXiv:1610.02391](https://arxiv.org/abs/1610.02391),
# fig. 1b) is the non-strided comparison.

# %%
vgg = cv.load_classic("vgg16", shows="VGG16's vanilla and guided-backprop maps of the cat, "
                      "their period-2 share, and guided backprop from one of its channels", device=DEVICE)
if vgg:
    xv = vgg.preprocess(cv.sample_image("cat"), size=SIZE)
    guided_v = cv.guided_backprop(vgg, xv)
    display(cv.plot.vanilla_vs_guided(xv, cv.saliency(vgg, xv)[0], guided_v[0], vgg,
                                      title="VGG16: vanilla vs guided", scale_note=True, fontsize=FONT))
    share_v = cv.high_frequency_share(guided_v, cutoff=0.9).item()
    print(f"period-2 share of the guided map: VGG16 {share_v:.2f}, "
          f"EfficientNet-Lite0 {period2['guided']:.2f}")

# %% [markdown]
# ### Does the map depend on the class?
#
# An explanation of "electric guitar" should differ from an explanation of "drum". A photo
# of a practice room holds both: a drum kit, and an electric guitar leaning against it. The
# network's top-5 is below: "electric guitar" first (22 %), "drum" fourth. We ask for both
# classes in **one call**: an `(N, K)` target gives K maps per image (one forward pass, one
# batched backward pass). First the vanilla gradient:

# %%
both = clf.preprocess(cv.sample_image("drums_and_guitar"), size=SIZE)
display(cv.plot.predictions(clf, both), Markdown(cv.credit("drums_and_guitar")))

# %% tags=["check"]
# at 224 px: electric guitar is top-1 at about 22 %, drum fourth
if not cv.config.quick():
    top5 = clf.predict(both, k=5)
    assert top5[0][1] == "electric guitar" and 0.17 < top5[0][2] < 0.27 and top5[3][1] == "drum", top5

# %%
targets = [[clf.class_index("electric guitar"), clf.class_index("drum")]]  # (N=1, K=2)
labels = [clf.label(t) for t in targets[0]]
vanilla_k = cv.saliency(clf, both, targets)       # shape (1, 2, 3, H, W)
cv.plot.class_maps(both, vanilla_k, labels, clf, title="EfficientNet-Lite0: vanilla gradient, two classes",
                   scale_note=True, fontsize=FONT)

# %% [markdown]
# **What to look at.** Both maps are dominated by the bass drum (the large circle). The
# "drum" map lights a drum, but so does the "electric guitar" map, which leaves the guitar
# body (lower right) dark. So the "drum" map lighting a drum says nothing about the class:
# neither map shows class-specific localisation. At the coarse level the two maps look
# nearly alike; pixel by pixel they differ more, which a correlation below measures.

# %% [markdown]
# Now guided backprop and the deconvnet, for the same two classes. Predict first:

# %% [markdown] choice="01-guided-class"
# ### Predict, then run
#
# (the builder writes the question and the answer cell)

# %%
guided_k = cv.guided_backprop(clf, both, targets)
deconv_k = cv.deconvnet(clf, both, targets)
cv.plot.class_maps(both, guided_k, labels, clf, title="EfficientNet-Lite0: guided backprop, two classes",
                   scale_note=True, fontsize=FONT)

# %%
cv.plot.class_maps(both, deconv_k, labels, clf, title="EfficientNet-Lite0: deconvnet, two classes", scale_note=True, fontsize=FONT)

# %%
# Pearson correlation of the two classes' max |.| maps (1: the same picture), and a control:
# two SmoothGrad maps of the same class that differ only in the noise seed
corr = {name: cv.plot.map_correlation(a[0, 0], a[0, 1]) for name, a in
        {"vanilla": vanilla_k, "guided": guided_k, "deconvnet": deconv_k}.items()}
guitar = targets[0][0]
for s in (0, 1):   # control: the same class, the vanilla gradient at the photo plus 1 % noise
    jittered = cv.smoothgrad(clf, both, guitar, n=1, noise=0.01, seed=s)
    corr[f"same class, 1 % noise (seed {s})"] = cv.plot.map_correlation(vanilla_k[0, 0], jittered[0])
print({k: round(v, 2) for k, v in corr.items()})
hf_drums = cv.high_frequency_share(vanilla_k[0, :1]).item()   # section 3 defines it; white noise: 0.94
print(f"high-frequency share of the vanilla map of 'electric guitar' on this photo: {hf_drums:.2f}")

# %% tags=["check"]
# guided and deconvnet barely change with the class; vanilla changes, but no more than 1 % noise changes it
assert corr["guided"] > cv.config.pick(0.85, 0.8) and corr["deconvnet"] > cv.config.pick(0.85, 0.8)
assert corr["vanilla"] < cv.config.pick(0.55, 0.7)
if not cv.config.quick():
    noise_corr = [v for k, v in corr.items() if "noise" in k]
    assert corr["deconvnet"] > max(corr["guided"], 0.99) and max(noise_corr) < corr["vanilla"] + 0.15, corr
    assert 0.8 < hf_drums < 0.94, hf_drums   # "86 %" in the text

# %% [markdown]
# **What to conclude.** The two vanilla maps correlate less (about 0.4) than the guided
# maps (about 0.9) and the deconvnet's (above 0.99). The control is the same method and
# the same class: the vanilla gradient of "electric guitar" at the photo and at the photo
# plus an invisible 1 % noise correlate about as little (printed above). So a pixel-level
# correlation near 0.4 is what the speckle alone gives (on this photo, 86 % of the
# vanilla map's energy is above a quarter of the Nyquist frequency, printed above, close to
# white noise's 94 %; section 3 explains the measure): it shows that the gradients differ
# pixel by pixel, not that either localises its class; for localisation, use Grad-CAM
# (notebook 06). Dropping
# the negative signals at every ReLU throws away what tells the classes apart: guided
# backprop mostly reconstructs the image's edges whatever you ask (Nie et al. 2018; Adebayo
# et al. 2018, fig. 2, show its map stays visually similar as the layers are randomised
# from the top down to low layers; section 5 runs the first steps), and the deconvnet,
# which also ignores which units were active, keeps the least of the class (and, on this
# network, nothing of the image). Use them for crisp pictures, and combine them with a
# class-sensitive map: Guided Grad-CAM, in notebook 06.

# %% [markdown]
# ### Guided backprop from any layer and channel
#
# Zeiler & Fergus (2014) and Springenberg et al. (2015) started their reconstructions from
# **one hidden unit**, not from a class score (starting from the class came with Simonyan et
# al.'s gradients, and Grad-CAM's use of guided backprop): they ran the backward rule from
# that unit's activation: one position of one feature map, all others set to zero. In the
# package, `from_layer=` and `channel=` alone run a **variant**: the backward pass starts
# from $\sum_{h,w} A_{c}(h, w)$, the activation of channel $c$ summed over all positions, a
# pooled quantity, like the global average pooling before the classifier (which pools the
# last layer, not this one); adding `position="max"` runs the
# papers' version, from the channel's single strongest position $A_c(h^*, w^*)$ (or
# `position=(h, w)` for any other). On EfficientNet-Lite0 we start from `blocks.10` (14x14
# at 224 px), at the channel with the largest *signed* mean activation for this image (the
# signed mean, as in notebook 00's exercise, because the variant starts from the channel's
# summed activation), and draw both versions next to the class's map.

# %%
LAYER = "blocks.10"
channel = int(cv.activations(clf, x, LAYER)[0].mean(dim=(1, 2)).argmax())
from_channel = cv.guided_backprop(clf, x, from_layer=LAYER, channel=channel)
from_unit = cv.guided_backprop(clf, x, from_layer=LAYER, channel=channel, position="max")
maps = {f"class '{clf.label(top1)}'": guided[0], f"channel {channel}, summed\nover positions": from_channel[0],
        f"channel {channel}, its strongest\nposition only": from_unit[0]}
display(cv.plot.compare_maps(x, maps, clf, scale_note=True, fontsize=FONT,
                             title=f"EfficientNet-Lite0: guided backprop from the class and from {LAYER}"))
unit_vs_class = {"summed": cv.plot.map_correlation(guided[0], from_channel[0]),
                 "strongest position": cv.plot.map_correlation(guided[0], from_unit[0])}
print("correlation with the class's map:", {k: round(v, 2) for k, v in unit_vs_class.items()})

# %% tags=["check"]
# the summed channel's map correlates above 0.85 with the class's map, the single position's clearly less
assert from_channel.shape == from_unit.shape == x.shape and min(from_channel.abs().sum(), from_unit.abs().sum()) > 0
if not cv.config.quick():
    assert unit_vs_class["summed"] > 0.85 and unit_vs_class["strongest position"] < 0.7, unit_vs_class

# %% [markdown]
# **What to look at.** The map from the channel summed over positions correlates about
# 0.9 with the map from the class score (printed above): the two panels are almost the
# same picture, the image's edges, as in section 2. Much of that agreement comes from the
# sum: a sum over all 196 positions, like the class score, reads the whole image. The
# papers' version, from the channel's single strongest position, is a different picture:
# a patch around the nose and the mouth below it, and its correlation with the class's map
# falls to about 0.55. The patch is not all the unit "sees": a `blocks.10` unit's
# theoretical receptive field is 339 pixels wide (the stem and blocks 0-10), wider than the
# 224-pixel image (notebook 00 makes this point for the head). The patch is where this
# unit's guided signal concentrates on this image: the guided rule's gating in the stem and
# blocks 0-10 decides where it concentrates, so the patch is not a measure of what drives
# the unit (Adebayo et al. 2018; notebook 08). So the summed map says almost nothing
# specific about the channel; the one-unit map
# says at least *where* on this image that unit's guided signal lies. What
# it responds to is a question for many images: Zeiler & Fergus's (2014, fig. 2) part
# detectors (faces, text, textures) came from each unit's strongest activations over a
# whole data set, projected back with max-pooling switches, which Lite0 does not have.
# Where VGG16's weights are available, the cell below does the same from its relu4_3
# (`features.22`).

# %%
if vgg:
    unit = int(cv.activations(vgg, xv, "features.22")[0].mean(dim=(1, 2)).argmax())
    display(cv.plot.compare_maps(xv, {f"class '{vgg.label(vgg.predict(xv, 1)[0][0])}'": guided_v[0],
                                      f"features.22, channel {unit},\nsummed over positions":
                                      cv.guided_backprop(vgg, xv, from_layer="features.22", channel=unit)[0],
                                      f"channel {unit}, its strongest\nposition only":
                                      cv.guided_backprop(vgg, xv, from_layer="features.22", channel=unit,
                                                         position="max")[0]},
                                 vgg, title="VGG16: guided backprop from the class and from one channel",
                                 scale_note=True, fontsize=FONT))

# %% [markdown]
# ## 3. SmoothGrad: remove noise by adding noise
#
# The gradient jumps around at the scale of single pixels. Smilkov et al. (2017) average
# the map over $n$ noisy copies of the image:
#
# $$\hat M_c(x) = \frac{1}{n} \sum_{i=1}^{n} M_c\big(x + \epsilon_i\big),\qquad
# \epsilon_i \sim \mathcal N(0, \sigma^2),\quad \sigma = \text{noise} \cdot (x_{\max} - x_{\min})$$
#
# The average is over the *signed* gradients, as in the paper's equation (1); the magnitude
# is taken only for display. (The authors' library, PAIR-code `saliency`, averages the
# *squared* gradients by default, `magnitude=True`: that is `squared=True` here.)
# Sections 3 to 5 explain the top-1 class of the cat photo, 'tiger cat', as in section 1.
# `cv.smoothgrad` works over any base method (`method=cv.guided_backprop` for guided); `seed=`
# makes it reproducible, `batch_size=` bounds memory, `squared=True` and `vargrad=True` give the
# SmoothGrad-Squared and VarGrad variants.

# %%
smooth = cv.smoothgrad(clf, x, n=N, noise=0.15, seed=0)
smooth_guided = cv.smoothgrad(clf, x, method=cv.guided_backprop, n=N, noise=0.15, seed=0)
cv.plot.compare_maps(x, {"vanilla": grad[0], f"SmoothGrad (n={N})": smooth[0],
                         "guided": guided[0], f"SmoothGrad guided (n={N})": smooth_guided[0]}, clf,
                     title="EfficientNet-Lite0: SmoothGrad, noise 15 %", scale_note=True, fontsize=FONT)

# %%
hf = {name: cv.high_frequency_share(a).item() for name, a in
      {"vanilla": grad, "SmoothGrad": smooth, "guided": guided, "SmoothGrad guided": smooth_guided}.items()}
print("high-frequency share:", {k: round(v, 2) for k, v in hf.items()})
p2_smooth = cv.high_frequency_share(smooth_guided, cutoff=0.9).item()
print(f"period-2 share, guided: {period2['guided']:.2f} -> SmoothGrad guided: {p2_smooth:.2f}")
other_seed = cv.smoothgrad(clf, x, n=N, noise=0.15, seed=1)   # the same settings, other noise
seeds = cv.plot.map_correlation(smooth[0], other_seed[0])
print(f"SmoothGrad (n={N}), seed 0 vs seed 1: correlation {seeds:.2f}")

# %% tags=["check"]
# the raw gradient is mostly high-frequency; SmoothGrad keeps most of that share, and halves it for guided
assert hf["vanilla"] > 0.7 and hf["SmoothGrad"] > 0.8 * hf["vanilla"]
assert hf["SmoothGrad guided"] < cv.config.pick(0.6, 0.75) * hf["guided"]
if not cv.config.quick():   # the period-2 share roughly halves but does not vanish; two seeds give other speckle
    assert 2 * period2["vanilla"] < p2_smooth < 0.7 * period2["guided"], (p2_smooth, period2)
    assert seeds < 0.5, seeds

# %% [markdown]
# **What the figure shows.** For the vanilla gradient, averaging 50 noisy copies makes the
# picture *less* structured, not cleaner: the faint eye rings of the vanilla |map| are
# gone, and what is left is a nearly uniform speckle over the whole image, with a few
# brighter blobs. The **high-frequency share** (the share of the map's energy above a quarter
# of the Nyquist frequency, `cv.high_frequency_share` at its default cutoff of 0.25, a
# wider band than section 2's period-2 share; white noise, with its flat spectrum, gives
# about 0.94) falls only from 0.86 to 0.75 (printed above); the raw gradient's 0.86 is
# close to that flat-spectrum level, a speckle. Since the share is a ratio, its staying high does not
# show that the speckle is a stable pattern. Another seed tells more: two SmoothGrad maps
# with the same settings and different noise correlate only about 0.3 (printed above), so
# much of what is left changes from draw to draw (in section 2, 1 % noise already brings
# the correlation of the drum photo's vanilla map with its noise-free version down to
# about 0.4).

# %% [markdown]
# **Why is the averaged vanilla map not cleaner?** We have not tested it here. It could be
# the sampling noise of a 50-copy average (it would fall as $n$ grows), an effect of
# averaging *signed* values whose signs flip from copy to copy (`squared=True`, the
# authors' library's default, would then differ), or a property of this network.
# Smilkov et al. (2017) show clearly cleaner averages on Inception; which of these causes
# separates this network from theirs is open. Compare
# SmoothGrad at several $n$, signed and `squared=True`, each with two seeds, before reading
# fine detail into a SmoothGrad map.

# %% [markdown]
# **Guided backprop.** SmoothGrad **reduces** the lattice's share but does not remove it:
# the period-2 share, section 2's measure, roughly halves (printed above) but stays well
# above the vanilla gradient's (section 2). In the figure the average is dominated by edges
# of the image, the eye rims and the outline of the nose. The paper's settings (n = 50,
# noise 15 %) are its recommendation for its networks; check what they do on yours.
#
# The cleanest-looking panel, SmoothGrad guided, is an average of guided backprop maps, and
# sections 2 and 5 show that guided backprop is nearly the same for every class and
# survives randomising the top layers (run those tests on the average before trusting it).
# Visual sharpness is not evidence of faithfulness (Adebayo et al. 2018).
#
# Two properties of the implementation: the same `seed` gives the same map (also in smaller
# batches), and with `noise=0` SmoothGrad is the vanilla gradient.

# %% tags=["check"]
# same seed, same map in any batch size; no noise gives the vanilla gradient
a = cv.smoothgrad(clf, x, n=2, seed=1)
assert torch.allclose(a, cv.smoothgrad(clf, x, n=2, seed=1, batch_size=1), atol=1e-6)
assert torch.allclose(cv.smoothgrad(clf, x, n=2, noise=0.0), grad, atol=1e-6)

# %% [markdown]
# ## 4. Integrated Gradients
#
# The gradient describes the score only *near* the image, and a network **saturates**: once
# a feature is clearly present, making it stronger no longer raises the score, so its
# gradient at the image can be near zero although it matters. Integrated Gradients (Sundararajan
# et al. 2017) walk from a baseline $x'$ (here a black image) to $x$ and add up the gradients
# along the way:
#
# $$\mathrm{IG}_i(x) = (x_i - x'_i) \int_0^1 \frac{\partial z_c\big(x' + \alpha (x - x')\big)}{\partial x_i}\, d\alpha$$
#
# Its attributions satisfy **completeness**: they sum to $z_c(x) - z_c(x')$. The integral is
# computed with `steps` points (Gauss-Legendre by default); `return_error=True` reports how far
# the sum is from that difference, so you can raise `steps` until it is small.
#
# *Input × gradient*, $x \cdot \partial z_c / \partial x$, multiplies by the pixel values the
# network sees, and those are **normalised**: $(v - \mu)/\sigma$ per colour channel. For
# EfficientNet-Lite0 $\mu = \sigma = 0.5$, so a pixel counts zero when it is **mid-grey**,
# black is $-1$ and white $+1$: a black pixel counts as much as a white one (for torchvision's
# models, normalised with ImageNet's mean colour, zero is that mean colour and black is about
# $-2$). Input × gradient is IG with a single point, the gradient at $x$ itself, on the path
# from that mid-grey image, not from the black baseline IG uses here.

# %%
ig, err = cv.integrated_gradients(clf, x, steps=STEPS, return_error=True)
gap = ig.sum().item() - err.item()  # = z_c(x) - z_c(black)
print(f"sum of IG = {ig.sum().item():.2f}, z(x) - z(baseline) = {gap:.2f}, error {abs(err.item() / gap):.1%}")
ixg = cv.input_x_gradient(clf, x)
cv.plot.compare_maps(x, {"input x gradient": ixg[0], f"Integrated Gradients ({STEPS} steps)": ig[0]}, clf,
                     title="EfficientNet-Lite0: input x gradient and Integrated Gradients, |value|", scale_note=True, fontsize=FONT)

# %%
cv.plot.signed_maps(x, {"input x gradient": ixg[0], f"Integrated Gradients ({STEPS} steps)": ig[0]}, clf,
                    title="the same maps, signed: red pushes the score up relative to the baseline "
                          "(mid-grey for input x gradient, black for IG), blue pushes it down")

# %% [markdown]
# **What to look at.** Completeness is about the *signed* sum, so the second figure keeps
# the sign: the red and blue pixels of the IG map add up to the score difference printed
# above, within the printed error. Red and blue are contributions *relative to the
# baseline*, not the local effect of section 1's "positive saliency": a dark pixel (below
# mid-grey) that is red in input × gradient has a negative gradient, so brightening it
# would *lower* the score. Look at the pupils: bright in input × gradient, dark in IG
# (first figure). The two references, mid-grey and black, explain it (below).

# %%
_, err16 = cv.integrated_gradients(clf, x, steps=16, return_error=True)
print(f"error with 16 steps: {abs(err16.item() / gap):.0%}")

# %% tags=["check"]
# completeness holds up to the integration error, 16 steps miss by over 10 %; black is -1 and grey 0 here
assert abs(err.item()) < cv.config.pick(0.05, 0.15) * abs(gap)
assert abs(err16.item()) > 0.1 * abs(gap)
black, grey = (clf.preprocess(cv.load_image(torch.full((3, 8, 8), v)), size=8) for v in (0.0, 0.5))
assert torch.allclose(black, torch.tensor(-1.0), atol=0.02) and grey.abs().max() < 0.02

# %% [markdown]
# **What to conclude.** Input × gradient and IG both weight the gradient by a difference of
# pixel values, but from different references: mid-grey for input × gradient (pixels near
# mid-grey count little; very dark and very bright pixels count most), black for IG (dark pixels count little:
# the dark pupils). IG is the one whose map adds up to the score difference. The baseline
# is a choice: a blurred image or an average over several baselines give other maps
# (Sturmfels et al. 2020, *Visualizing the Impact of Feature Attribution Baselines*; the
# next figure shows a blurred one). With
# `steps=16` the error grows to tens of percent (printed above), a sign that the path has
# sharp turns (ReLUs) that a few points miss. Always check the error before trusting an IG map:
# Sundararajan et al. suggest that the attributions should add up to within about 5 % of
# the score difference, which the 128 steps here meet.

# %% [markdown]
# **The baseline is part of the question.** With a black baseline IG multiplies the
# averaged gradient by $x - x'$, which is largest where the photo is brightest: bright fur
# gets a large factor and the dark pupils a small one, whatever the network does there (a
# brightness bias). A blurred copy of the photo as baseline (Gaussian, σ = 1/16 of the
# width; one of the baselines Sturmfels et al. 2020 compare) shares the photo's colours
# and brightness, so $x - x'$ keeps only the detail the blur removed: edges and texture.
# Predict before you run: where do the pupils go, and which map follows the pixels'
# brightness more?

# %%
# IG from a blurred copy of the photo; the Spearman correlation of each |IG| map with the pixels' brightness
blurred = cv.attribution.reference_images(clf, x, ["blurred"])["blurred"]
ig_blur, err_blur = cv.integrated_gradients(clf, x, baseline=blurred, steps=STEPS, return_error=True)
gap_blur = ig_blur.sum().item() - err_blur.item()
print(f"blurred baseline: z(x) - z(baseline) = {gap_blur:.2f}, error {abs(err_blur.item() / gap_blur):.1%}")
bright = {k: cv.evaluate.spearman(a.abs().sum(1), x.sum(1)).item() for k, a in {"black": ig, "blurred": ig_blur}.items()}
print("correlation of |IG| with brightness, by baseline:", {k: round(v, 2) for k, v in bright.items()})
cv.plot.compare_maps(x, {"IG, black baseline": ig[0], "IG, blurred baseline": ig_blur[0]}, clf, scale_note=True,
                     fontsize=FONT, title="EfficientNet-Lite0: Integrated Gradients from two baselines, |value|")

# %% tags=["check"]
# |IG| from the black baseline follows the pixels' brightness, from the blurred baseline it does not
if not cv.config.quick():
    assert bright["black"] > 0.2 and abs(bright["blurred"]) < 0.15, bright

# %% [markdown]
# **What to look at.** From the blurred baseline the map no longer follows the brightness
# of the fur (correlation near 0, against about 0.37 from black, printed above); it lights
# the eye rims, the pupils and the fine texture of the fur, detail that the blur removed.
# The pupils, dark from the black baseline, are among the brightest parts from the blurred
# one. This baseline also meets the 5 % completeness check (printed above). Neither map is
# "the" attribution: each answers its own question, "compared with black" or "compared
# with a blurred copy of this photo".

# %% [markdown]
# ## 5. Pitfalls, and a sanity check
#
# - **Sanity checks** (Adebayo et al. 2018): a map that does not change when the network's
#   weights are randomised cannot explain what the network learned. The cell below
#   re-initialises the last layers and compares each map with the original (Spearman rank
#   correlation; 1 = unchanged). Notebook 08 runs the full test.
# - **Saturation:** a gradient of zero does not mean a pixel is unimportant; IG exists
#   for this (Sundararajan et al.'s argument; this notebook states it but does not show a
#   saturated feature on Lite0).
# - **Baselines:** IG and input × gradient answer "compared with what?"; black, mid-grey
#   and blurred baselines give different maps (section 4), and a black baseline favours
#   bright pixels. Input × gradient depends on how the input is normalised (section 4's
#   mid-grey zero): Kindermans et al. (2019, *The (Un)reliability of Saliency Methods*)
#   add a constant shift to the input, compensated in the first layer's bias so that the
#   network's outputs do not change, and show that input × gradient and IG with a zero
#   baseline then give different maps (*input invariance* fails).
# - **Resolution:** strided networks leave a lattice in guided and deconvnet maps (periods
#   of 2, 4, … pixels); measure it before reading fine detail.
# - **Display:** max |.| over RGB hides the sign; show signed maps where the sign matters.

# %%
layers = cv.randomization_layers(clf)[:3]
sanity = {name: cv.randomization_check(clf, method, x, layers=layers, seed=0, progress=False).spearman[0]
          for name, method in {"vanilla": cv.saliency, "guided": cv.guided_backprop}.items()}
print("randomised, from the output:", layers)
print({k: [round(float(v), 2) for v in r] for k, r in sanity.items()})
control = {name: [cv.evaluate.spearman(a.abs().sum(1), cv.smoothgrad(clf, x, method=method, n=1, noise=0.01,
                                                                      seed=s).abs().sum(1)).item() for s in (0, 1)]
           for name, (method, a) in {"vanilla": (cv.saliency, grad), "guided": (cv.guided_backprop, guided)}.items()}
print("control, trained network, 1 % noise, seeds 0 and 1:", {k: [round(v, 2) for v in c] for k, c in control.items()})

# %% [markdown]
# **What to look at:** the maps are compared as absolute maps ($|\cdot|$ summed over R, G
# and B), by Spearman rank correlation, as Adebayo et al. (2018) do; section 2 used the
# Pearson correlation of max $|\cdot|$ over RGB, so the numbers here compare only with this
# section's own control, not with section 2's. The last line is that control: the same
# statistic between each map and the same method on the *trained* network at the photo
# plus 1 % noise, for two noise seeds. The vanilla gradient's correlation drops to about
# 0.35 as soon as the classifier is re-initialised, and stays there. The control shows how
# little room the test has on this network: an invisible noise alone already brings the
# vanilla map down to about 0.46 (both seeds), so randomising the top can lower it only a
# little more. The floor near 0.35 is not what an unrelated map would give (about 0): it is what
# the map still shares with the original once the top layers are random, structure that
# comes from the 15 trained blocks below, the architecture and the image. Notebook 08
# randomises the layers one by one down to the stem, which gives the bottom of the range.
# Guided backprop's correlation stays at about 1 with the classifier, the head and the last
# block re-initialised, *above* its noise control (about 0.8): randomising the top three
# layers changes the guided map less than 1 % noise does. It does not depend on what the
# top layers learned. Adebayo et al. found guided backprop's map stays visually similar as
# the layers are randomised from the top down to the lowest ones (notebook 08 runs that
# cascade).

# %% tags=["check"]
# after randomising the last layers the vanilla map has changed more than the guided one; against the 1 % noise
# control (both seeds), vanilla falls a little below it and guided stays above it
assert float(sanity["vanilla"][-1]) < float(sanity["guided"][-1]), sanity
if not cv.config.quick():
    assert max(sanity["vanilla"]) < min(control["vanilla"]) <= max(control["vanilla"]) < max(sanity["vanilla"]) + 0.2
    assert min(sanity["guided"]) > max(control["guided"]), (sanity, control)

# %% [markdown]
# ## 6. Explore
#
# Pick a model, an image, one of its top-5 classes and a method; slide *SmoothGrad n* above 0
# to average that method over noisy copies (the *noise* slider sets sigma as a fraction of the
# input range). *start from* runs guided backprop or the deconvnet from one channel of any
# block instead of the class score (summed over positions, section 2's variant); the
# *channel* slider follows the block's channels. The panel opens on guided backprop from an
# early block, `blocks.3` (28x28 at 224 px), at its channel with the largest mean
# activation: a starting point for the first investigation below, to compare with section
# 2's `blocks.10`. Without a running kernel you see only this first view; the controls,
# drop-downs and sliders above the figure, appear only live. That first view is guided
# backprop from `blocks.3`, one channel **summed over positions** (the title does not say
# so). Its |map| is a fine texture over the whole photo in which the cat's outlines are only
# faint, unlike the edge drawing from `blocks.10` in section 2; its positive and negative
# panels are too dark to read when projected, so read the |map| panel.

# %%
early = int(cv.activations(clf, x, "blocks.3")[0].mean(dim=(1, 2)).argmax())
panel = cv.widgets.saliency_panel(model=clf.name, size=SIZE, scale_note=True, fontsize=FONT)
panel.controls["method"].value = "guided_backprop"
panel.controls["start"].value = "blocks.3"
panel.controls["channel"].value = early
panel


# %% [markdown]
# ### Investigate
#
# 1. With the panel on guided backprop, start from an early block and then from later and
#    later blocks, at a few channels each, and look at how the maps change with depth.
#
#    Then measure it with the papers' variant, from each channel's strongest position
#    (`cv.guided_backprop(clf, x, from_layer=..., channel=..., position="max")`). The
#    summed variant the panel shows reads the whole image at every depth, so comparing its
#    maps mostly measures the sum. At `blocks.3`, `blocks.7` and `blocks.10`, compute the
#    single-position maps of 5 channels, measure the side of each patch (the smallest box
#    holding, say, 90 % of the map's |value|), and compare it with the block's theoretical
#    receptive field, `cv.optvis.receptive_field(clf, "blocks.3")`. How does the patch
#    grow with depth?
#
#    *What to expect:* the theoretical receptive fields are 35, 147 and 339 pixels, so
#    expect the patches to grow with depth; whether they fill the receptive field or stay
#    well inside it is what you measure. Section 2 gives one data point: from `blocks.10`
#    the patch covers the nose and the mouth, far less than 339 pixels, and its map
#    correlates about 0.55 with the class's map.
# 2. Section 2 compared two related classes that are both in the photo. Now draw two
#    classes **at random** (`torch.randint(1000, (1, 2), generator=torch.Generator().manual_seed(0))`
#    is already an `(N, K)` target) and, before you compute anything, write down how
#    strongly you expect their two guided maps of the cat to correlate, and their two
#    vanilla maps. Then measure both with one call each and `cv.plot.map_correlation`, and
#    try two more seeds.
#
#    *What to expect:* if guided backprop ignores the class, random classes should give
#    about as high a guided correlation as the guitar and the drum (about 0.9), and the
#    vanilla maps about as low as the 1 % noise control of section 2 (the same statistic,
#    `cv.plot.map_correlation`, so the numbers compare). A guided correlation
#    well below that would mean the class does reach the guided map. Either way, none of
#    these maps localises a class: that is the job of class activation maps (notebooks 05,
#    06).

# %% [markdown]
# ### Think, then write
#
# Using the three backward rules of section 2, explain why guided backprop's maps for
# "electric guitar" and "drum" are nearly identical (correlation about 0.9), while the
# vanilla maps at least differ at the pixel level. Where in the network does the class
# enter the backward pass, and what happens to it on the way to the pixels?

# %% [markdown]
# *Your answer (double-click this cell to write):*

# %% [markdown]
# <details><summary><b>Model answer</b> (open it after writing yours)</summary>
#
# The class enters only at the top: the backward pass starts from the last linear layer's
# weights for that class, a signed vector over the final features. The vanilla gradient
# carries these signs down through every layer, so features that speak *against* the
# class subtract, and the two maps differ pixel by pixel (though, as section 2's control
# showed, no more than a 1 % noise makes them differ, and neither localises its class). Guided backprop
# (and the deconvnet) set every negative signal to zero at each ReLU: after a few layers
# almost everything that distinguished the two starting vectors is gone, and what is left
# is whatever produces large positive signals in any case. For guided backprop that is
# the image's strong edges where units were active; for the deconvnet, which ignores the
# forward pass at the ReLUs, nothing of the image on this network: only a fixed pattern
# set by the architecture and the trained weights, the same for every image (every
# transposed convolution on the way back uses the learned kernels, so randomising the
# weights would change it). So the maps reflect the image, the architecture and the
# weights far more than the class (Nie et al. 2018,
# *A Theoretical Explanation for Perplexing Behaviors of Backpropagation-based
# Visualizations*; Adebayo et al. 2018).
#
# </details>

# %% [markdown]
# ### Exercise: vanilla saliency in four lines
#
# Write `my_saliency(model, x, target)` returning $\partial z_{target} / \partial x$: the
# gradient of the logit `model(x)[:, target]` with respect to the input `x`, same shape as
# `x`, raw (no `abs`) and detached. Use `torch.autograd.grad(score, x)` rather than
# `score.backward()`: it computes only the gradient you ask for and fills no parameter
# `.grad`. Hint: start from `x = x.detach().requires_grad_(True)`.


# %% tags=["exercise"]
def my_saliency(model, x, target):
    raise NotImplementedError  # your code here


# %% tags=["exercise-check"]
cv.exercises.check_saliency(my_saliency);


# %% tags=["solution"]
def my_saliency_solution(model, x, target):
    x = x.detach().requires_grad_(True)
    score = model(x)[:, target].sum()  # images are independent: one backward for all
    (grad,) = torch.autograd.grad(score, x)
    return grad.detach()

assert cv.exercises.check_saliency(my_saliency_solution)

# %% [markdown]
# ## Summary
#
# - The gradient of a class logit with respect to the pixels is the vanilla saliency map:
#   sharp, speckled, and on this network hardly class-specific.
# - Deconvnet and guided backprop change the ReLU rule. Guided backprop draws the image's
#   edges whatever the class; the deconvnet, on a network whose only non-linearities are
#   ReLUs (no max-pooling, no SE gates, no smooth activations), such as EfficientNet-Lite0,
#   draws a fixed pattern, set by the architecture and the weights, that does not depend
#   on the image at all. On this strided network both add a lattice (a 2-pixel pattern,
#   consistent with unequal phase sums of the stride-2 kernels; 4-pixel stripes in the
#   deconvnet). Started from a layer, the sum over positions gives the image's edges
#   again; one unit's position gives the patch where that unit's guided signal
#   concentrates on this image (its receptive field covers the whole image).
# - SmoothGrad averages signed gradients over noisy copies: here it reduces guided
#   backprop's lattice (its period-2 share about halves), but not the vanilla speckle,
#   which changes from seed to seed (and the vanilla map's faint eye rings vanish).
#   SmoothGrad guided is the cleanest picture here, but it averages guided backprop,
#   whose failures sections 2 and 5 show: sharpness is not faithfulness.
# - Integrated Gradients add up to the score difference from a baseline; check the error,
#   and choose the baseline deliberately (from black, bright pixels get the largest
#   attributions; from a blurred copy, edges and texture).
# - Always run a control (another seed, a randomised network) before reading a map.
#
# ## What next
#
# Gradients are pixel-sharp but noisy and, for guided backprop and the deconvnet, blind to
# the class. Notebook 02 turns the question around and optimises an image for a unit
# (feature visualisation). Notebooks 05 and 06 look one level up: **class activation maps**
# (CAM in notebook 05, Grad-CAM in notebook 06) weight a deep layer's feature maps and show
# *where* the class is, coarse but class-discriminative; notebook 06 multiplies Grad-CAM by
# guided backprop to get Guided Grad-CAM.
