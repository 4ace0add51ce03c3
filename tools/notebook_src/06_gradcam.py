# ---
# jupyter:
#   cnnviz:
#     title: Grad-CAM and its family
#     goals:
#     - compute Grad-CAM for the top-5 classes of an image in one forward and one backward pass
#     - 'read the maps: which class lights up which object'
#     - see how the choice of layer trades resolution for class specificity
#     - compare Grad-CAM with Grad-CAM++, LayerCAM, Score-CAM, HiResCAM, XGrad-CAM, EigenCAM and Ablation-CAM,
#       and say what each one's equation changes
#     - see how the architecture (VGG16, ResNet-50, EfficientNet-Lite0) shapes Grad-CAM and guided backpropagation
#     prerequisites: notebook 05 (CAM) and notebook 01 (gradients).
#     runtime:
#       cpu: 3 minutes
#       gpu: 40 seconds
#     papers:
#     - 'Selvaraju et al., *Grad-CAM: Visual Explanations from Deep Networks via Gradient-based Localization*,
#       ICCV 2017'
#     - Chattopadhay et al., *Grad-CAM++*, WACV 2018
#     - Wang et al., *Score-CAM*, CVPR Workshops 2020
#     - Jiang et al., *LayerCAM*, IEEE TIP 2021
#     - Draelos & Carin, *Use HiResCAM instead of Grad-CAM for faithful explanations of convolutional neural
#       networks*, arXiv 2020
#     - Fu et al., *Axiom-based Grad-CAM* (XGrad-CAM), BMVC 2020
#     - Muhammad & Yeasin, *Eigen-CAM*, IJCNN 2020
#     - Desai & Ramaswamy, *Ablation-CAM*, WACV 2020
# ---

# %% [markdown]
# ## 1. The idea: replace CAM's linear weights by gradients
#
# CAM (notebook 05) weights each feature map $A_k$ of the last layer by the linear head's
# weight $w_k^c$. Grad-CAM takes the weight from the **gradient** of the class score $S_c$
# (the logit) instead, averaged over the $h \times w$ positions, and keeps the positive part:
#
# $$\alpha_k^c = \frac{1}{hw}\sum_{x,y}\frac{\partial S_c}{\partial A_k(x,y)}, \qquad
# L^c_{\text{Grad-CAM}} = \mathrm{ReLU}\Big(\sum_k \alpha_k^c A_k\Big).$$
#
# This works for any network and at any layer. With a GAP + linear head and the last layer,
# $\partial S_c / \partial A_k(x,y) = w_k^c / hw$, so Grad-CAM is exactly $\mathrm{ReLU}(M_c)/hw$.

# %% tags=["nbval-check-output"]
import torch
from IPython.display import Markdown, display

clf = cv.load_model(device=DEVICE)
x = clf.preprocess(cv.sample_image("drums_and_guitar"))
top5 = cv.topk_targets(clf, x, 5)                        # (1, 5) class indices
maps = cv.gradcam(clf, x, top5)                          # (1, 5, 224, 224), raw
print(tuple(maps.shape), [clf.label(i) for i in top5[0].tolist()])

# %% [markdown]
# Five classes cost **one** forward pass and **one** batched backward pass that stops at the
# layer (`torch.autograd.grad(..., is_grads_batched=True)` with one one-hot row per class),
# not five passes, and no weight gradient is ever computed. The maps are raw and
# unnormalised; the plotting functions scale each one for display.
#
# ## 2. Grad-CAM for the top-5 classes
#
# The photograph: a drum kit with an electric guitar leaning against it.

# %%
display(cv.plot.cam_topk(clf, x, k=5))
Markdown(cv.credit("drums_and_guitar"))

# %% [markdown]
# **Reading the figure** (as one would describe a Grad-CAM figure in a report): the most
# probable class, `electric guitar`, lights up the guitar on the right, above all its body,
# and so does `acoustic guitar`, another label for the same object. `drum`, the fourth class,
# moves to the drum kit. `banjo` and `stage` peak on the guitar too but spread over the
# drums. The next cell turns that reading into numbers, with object boxes drawn by hand
# around the guitar and around the drum kit: the share of each map inside them.

# %%
boxes = cv.sample_boxes("drums_and_guitar")     # {label: [(x0, y0, x1, y1), ...]} in x's pixels
guitar, drums = boxes["electric guitar"], boxes["drum"]
on_guitar, on_drums = cv.energy_in_boxes(maps, guitar)[0], cv.energy_in_boxes(maps, drums)[0]
print(f"the guitar's boxes cover {cv.energy_in_boxes(torch.ones(224, 224), guitar):.0%} of the image, "
      f"the drum kit's {cv.energy_in_boxes(torch.ones(224, 224), drums):.0%}")
for c, g, d in zip(top5[0].tolist(), on_guitar.tolist(), on_drums.tolist()):
    print(f"{clf.label(c):16s} {g:4.0%} of its map on the guitar, {d:4.0%} on the drum kit")
names = [clf.label(c) for c in top5[0].tolist()]
i_guitar, i_drum = names.index("electric guitar"), names.index("drum")
assert on_guitar[i_guitar] > 0.6 and on_drums[i_drum] > 0.7 and on_guitar[i_drum] < 0.2

# %% [markdown]
# And the link to notebook 05: on this network (GAP + linear head) and at its last layer,
# Grad-CAM equals the ReLU of CAM divided by the 7x7 = 49 positions.

# %% tags=["nbval-check-output"]
g = cv.gradcam(clf, x, top5, upsample=False)
c = cv.cam(clf, x, top5, upsample=False)
assert torch.allclose(g, c.clamp_min(0) / 49, atol=1e-5)
print("Grad-CAM == ReLU(CAM) / 49 at layer", clf.cam_layer)

# %% [markdown]
# ## 3. Which layer? Early vs late
#
# Grad-CAM works at any layer (`layer=`). Early layers keep a high resolution (112x112 for
# `stem`, 28x28 for `blocks.3`) but their channels detect edges and colours, not guitars.
# The last layer is coarse (7x7) but each channel means something about the object.
# `cv.cam_layers(clf)` lists the network's blocks, early to late.

# %% tags=["nbval-check-output"]
layers = cv.cam_layers(clf)
sides = {name: tuple(a.shape[-2:]) for name, a in cv.activations(clf, x, ["stem", "blocks.3", "blocks.12", "head"]).items()}
print(len(layers), "layers:", layers[0], "...", layers[-1], "| map sizes:", sides)
assert sides == {"stem": (112, 112), "blocks.3": (28, 28), "blocks.12": (7, 7), "head": (7, 7)}

# %% [markdown]
# `blocks.12` works at the same 7x7 resolution as `head`, four blocks earlier. Before
# looking at the figure, predict what Grad-CAM shows there.

# %% [markdown] choice="06-gradcam-middle-layer"
# ### Predict, then run
#
# (the builder writes the question and the answer cell)

# %%
cv.plot.cam_by_layer(clf, x, ["blocks.3", "blocks.12", "head"], target="electric guitar")

# %% [markdown]
# **Reading the figure:** only at the last layer does the `electric guitar` map sit on the
# guitar. At `blocks.3` (28x28) it is scattered over the rims and tops of the drums; at
# `blocks.12` it moves to the top-left corner and the tops of the drums: both times mostly
# on the **drum kit** (the cell below measures it). Grad-CAM gives each channel one weight, the *average* of its
# gradient; before the last layer many channels respond to both objects, with gradients of
# both signs, and the averaged weights can favour the channels that fire on the wrong
# object. LayerCAM weights every position by its own positive gradient instead; look at the
# same layers with it:

# %%
cv.plot.cam_by_layer(clf, x, ["blocks.3", "blocks.12", "head"], target="electric guitar", method="layercam")

# %%
share = {}
for name, fn in [("Grad-CAM", cv.gradcam), ("LayerCAM", cv.layercam)]:
    for layer in ["blocks.3", "blocks.12"]:
        m = fn(clf, x, "electric guitar", layer=layer)
        share[name, layer] = cv.energy_in_boxes(m, guitar).item(), cv.energy_in_boxes(m, drums).item()
        print(f"'electric guitar' at {layer:9s} {name:8s}: {share[name, layer][0]:4.0%} of the map on the guitar, "
              f"{share[name, layer][1]:4.0%} on the drum kit")
assert all(share["Grad-CAM", layer][0] < 0.3 and share["Grad-CAM", layer][1] > 0.5 for layer in ["blocks.3", "blocks.12"])
assert min(share["LayerCAM", "blocks.3"][0], share["LayerCAM", "blocks.12"][0]) > 0.5

# %% [markdown]
# **What to conclude:** the default layer is the last convolutional one because there
# Grad-CAM is class specific. At earlier layers Grad-CAM's channel-averaged weights can send
# the map to the wrong object (under 30 % on the guitar, over half on the drum kit); LayerCAM, which keeps every
# position's own gradient, puts more than half of its map on the guitar at both layers and
# is the better tool there.
#
# ## 4. Explore
#
# Move the **layer** slider (early to late) and pick one of the image's top-5 classes in the
# **class** dropdown; switch method, image or model. The figure redraws on every change.

# %%
cv.widgets.gradcam_panel(image="drums_and_guitar")

# %% [markdown]
# ## 5. Grad-CAM++, LayerCAM and Score-CAM
#
# - **Grad-CAM++** (Chattopadhay et al. 2018) weights each position's positive gradient with
#   $a_{xy}^{kc} = \frac{g^2}{2g^2 + \sum_{ab} A_k(a,b)\, g^3}$ (the closed form that follows
#   from taking $e^{S_c}$ as the score), so that several instances of a class all count.
# - **LayerCAM** (Jiang et al. 2021) keeps a weight per position:
#   $\mathrm{ReLU}\big(\sum_k \mathrm{ReLU}(\partial S_c/\partial A_k(x,y))\, A_k(x,y)\big)$;
#   its maps stay sharp at early layers.
# - **Score-CAM** (Wang et al. 2020) uses no gradient: each feature map, upsampled and scaled
#   to [0, 1], masks the image; its weight is how much the masked image raises the class
#   probability over a blank image. One forward pass per channel (here the 256 most active
#   channels: `max_channels`).

# %%
drum_maps = {
    "Grad-CAM": cv.gradcam(clf, x, "drum"),
    "Grad-CAM++": cv.gradcam_pp(clf, x, "drum"),
    "LayerCAM": cv.layercam(clf, x, "drum"),
    "Score-CAM": cv.scorecam(clf, x, "drum", max_channels=cv.config.pick(256, 16), batch_size=32),
}
cv.plot.cam_row(clf, x, [m[0] for m in drum_maps.values()], list(drum_maps), suptitle=f"'drum' at {clf.cam_layer}")

# %%
# all four put most of the 'drum' map on the drum kit; Grad-CAM++ and LayerCAM spread more onto the guitar
on_g = {name: cv.energy_in_boxes(m, guitar).item() for name, m in drum_maps.items()}
on_d = {name: cv.energy_in_boxes(m, drums).item() for name, m in drum_maps.items()}
print("share of the 'drum' map on the guitar:", {k: f"{v:.0%}" for k, v in on_g.items()})
print("                   ... on the drum kit:", {k: f"{v:.0%}" for k, v in on_d.items()})
assert all(on_d[k] > 0.5 > on_g[k] for k in drum_maps)
assert min(on_g["Grad-CAM++"], on_g["LayerCAM"]) > 1.5 * on_g["Grad-CAM"]
if not cv.config.quick():
    assert on_g["Score-CAM"] < on_g["Grad-CAM"]

# %% [markdown]
# **What to look at:** all four agree that `drum` is on the drum kit (over half of each map in
# its boxes). Grad-CAM++ and LayerCAM spread further onto the guitar, about twice Grad-CAM's
# share. Why, at this layer? At the last layer of a GAP + linear head the gradient is the
# same at every position, $\partial S_c/\partial A_k(x,y) = w_k^c/hw$, so "a weight per
# position" changes nothing: LayerCAM's weight becomes $\mathrm{ReLU}(w_k^c)/hw$ and
# Grad-CAM++'s $hw\,a^{kc}\,\mathrm{ReLU}(w_k^c/hw)$, one number per channel, **zero for
# every channel whose weight is negative**. Grad-CAM keeps those channels: where a channel
# that votes *against* `drum` fires (on the guitar), it cancels the positive evidence.
# LayerCAM and Grad-CAM++ drop the votes against, so whatever positive evidence the guitar
# carries shows. The cell below checks both closed forms against the package's maps.
# Score-CAM, which asks "does showing this region alone raise p(drum)?", stays on the drums.

# %%
# at the head, LayerCAM and Grad-CAM++ are channel sums over the positive weights only (closed forms)
A = cv.activations(clf, x, clf.cam_layer)[0]                       # (1280, 7, 7)
w = cv.attribution.find_gap_linear_head(clf).linear.weight[clf.class_index("drum")] / 49    # the gradient
layercam_by_hand = (w.clamp_min(0)[:, None, None] * A).sum(0).clamp_min(0)
a_kc = w**2 / (2 * w**2 + A.sum((1, 2)) * w**3)
pp_by_hand = ((49 * a_kc * w.clamp_min(0))[:, None, None] * A).sum(0).clamp_min(0)
pp = cv.gradcam_pp(clf, x, "drum", upsample=False)[0]
assert torch.allclose(cv.layercam(clf, x, "drum", upsample=False)[0], layercam_by_hand, atol=1e-5)
assert torch.allclose(pp / pp.max(), pp_by_hand / pp_by_hand.max(), atol=1e-4)
print(f"{int((w < 0).sum())} of {len(w)} channels have a negative weight for 'drum': Grad-CAM keeps them, "
      "LayerCAM and Grad-CAM++ drop them")

# %% [markdown]
# ## 6. Guided Grad-CAM
#
# Grad-CAM is class specific but coarse (7x7 at the head); guided backpropagation
# (notebook 01) is sharp but hardly class specific. Selvaraju et al. 2017 multiply the two,
# pixel by pixel:
# $\text{Guided Grad-CAM}_c = G_c(x) \odot \mathrm{upsample}\big(L^c_{\text{Grad-CAM}}\big)$.
# One call explains both objects; the result keeps the fine edges of guided backpropagation,
# but only where Grad-CAM says the class is.

# %%
both = cv.guided_gradcam(clf, x, [["electric guitar", "drum"]])  # (1, 2, 3, H, W): two classes, one call
cv.plot.class_maps(x, both[0], ["Guided Grad-CAM: electric guitar", "Guided Grad-CAM: drum"], clf)

# %%
# each Guided Grad-CAM map holds most of its mass (|value| summed over colours) on its own object
g_share, d_share = cv.energy_in_boxes(both, guitar)[0], cv.energy_in_boxes(both, drums)[0]
print(f"electric guitar map: {g_share[0]:.0%} on the guitar; drum map: {d_share[1]:.0%} on the drum kit")
assert g_share[0] > 0.6 and d_share[1] > 0.7 and g_share[1] < 0.2

# %% [markdown]
# **What to look at:** the `drum` map traces the rim of the bass drum and the edges of the
# toms, and leaves the guitar dark; the `electric guitar` map is brightest around the
# guitar's body. Both keep guided backpropagation's fine edges and grain, and the printed
# shares say each holds most of its mass on its own object.

# %% [markdown]
# ## 7. Gradient times activation, position by position: HiResCAM and XGrad-CAM
#
# Grad-CAM's weight $\alpha_k^c$ is the gradient **averaged** over positions. Two variants
# keep more of where the gradient is:
#
# - **HiResCAM** (Draelos & Carin 2020) multiplies gradient and activation element-wise,
#   $L^c_{\text{HiResCAM}}(x,y) = \mathrm{ReLU}\big(\sum_k \frac{\partial S_c}{\partial A_k(x,y)}\,A_k(x,y)\big)$.
#   Its signed map is the first-order contribution of each position to the score; Grad-CAM
#   can light up a position whose own gradient says "less of this, please", because the
#   gradient there was replaced by the channel's average.
# - **XGrad-CAM** (Fu et al. 2020) averages the gradient weighted by where the channel is
#   active, $w_k^c = \sum_{x,y} \frac{A_k(x,y)}{\sum_{x',y'} A_k(x',y')}\,\frac{\partial S_c}{\partial A_k(x,y)}$,
#   the choice that satisfies its sensitivity and conservation axioms.
#
# At the last layer of a GAP + linear network the gradient is the same at every position
# ($w_k^c / hw$), so all three maps are identical, and HiResCAM's signed map sums exactly to
# $S_c - b_c$: the map *is* the score, split over positions.

# %% tags=["nbval-check-output"]
g = cv.gradcam(clf, x, top5, upsample=False)
hi = cv.hirescam(clf, x, top5, upsample=False)
xg = cv.xgradcam(clf, x, top5, upsample=False)
assert torch.allclose(hi, g, atol=1e-5) and torch.allclose(xg, g, atol=1e-5)
signed = cv.hirescam(clf, x, top5, upsample=False, relu=False)
bias = cv.attribution.find_gap_linear_head(clf).linear.bias
score = clf.logits(x).gather(1, top5) - bias[top5]
assert torch.allclose(signed.sum(dim=(2, 3)), score, atol=1e-3)
print(f"at {clf.cam_layer}: Grad-CAM == HiResCAM == XGrad-CAM, and HiResCAM's signed map sums to the logit minus its bias")

# %% [markdown]
# In the middle of the network they part ways. Back to `electric guitar` at `blocks.12`,
# where Grad-CAM pointed at the drum kit:

# %%
mid = {name: fn(clf, x, "electric guitar", layer="blocks.12") for name, fn in
       [("Grad-CAM", cv.gradcam), ("HiResCAM", cv.hirescam), ("XGrad-CAM", cv.xgradcam), ("LayerCAM", cv.layercam)]}
cv.plot.cam_row(clf, x, [m[0] for m in mid.values()], list(mid), suptitle="'electric guitar' at blocks.12")

# %%
on_g = {name: cv.energy_in_boxes(m, guitar).item() for name, m in mid.items()}
print("share of the 'electric guitar' map on the guitar:", {k: f"{v:.0%}" for k, v in on_g.items()})
own = cv.hirescam(clf, x, "electric guitar", layer="blocks.12", upsample=False, relu=False)   # signed
coarse = cv.gradcam(clf, x, "electric guitar", layer="blocks.12", upsample=False)
against = (coarse * (own < 0)).sum() / coarse.sum()
print(f"{against:.0%} of Grad-CAM's map lies where gradient x activation is negative")
assert on_g["Grad-CAM"] < 0.3 and on_g["HiResCAM"] > 0.6 and on_g["LayerCAM"] > 0.5
assert on_g["XGrad-CAM"] < 0.3 and against > 1 / 3

# %% [markdown]
# **Reading the figure:** HiResCAM brings the `electric guitar` map back to the guitar (over
# 60 % of its mass, against about a fifth for Grad-CAM), and so does LayerCAM. Over a third
# of Grad-CAM's map sits on positions where gradient times activation is *negative*: there,
# more of the feature would lower the guitar's score, yet Grad-CAM paints them hot because
# the channel's *average* gradient is positive. That is Draelos & Carin's point: HiResCAM
# shows what the model computes at each position; Grad-CAM can show what it does not.
# XGrad-CAM does not help here: its weights are still one number per channel (the gradient
# averaged where the channel is active), and they too favour the channels that fire on the
# drums.
#
# ## 8. EigenCAM: the first principal component, and no class at all
#
# EigenCAM (Muhammad & Yeasin 2020) uses no gradient and no score. Write the layer's output
# as a matrix $M$ of $hw$ positions by $C$ channels, take its singular value decomposition
# $M = U \Sigma V^\top$ and project on the first right singular vector:
# $L_{\text{EigenCAM}} = M v_1$. It shows what dominates the layer's activations,
# **whatever the class**: asked for `electric guitar` and for `drum`, it returns the same map.

# %%
pair = [["electric guitar", "drum"]]
eig, grad = cv.eigencam(clf, x, pair), cv.gradcam(clf, x, pair)          # (1, 2, H, W) each
cv.plot.cam_row(clf, x, [grad[0, 0], grad[0, 1], eig[0, 0], eig[0, 1]],
                ["Grad-CAM: electric guitar", "Grad-CAM: drum", "EigenCAM: electric guitar", "EigenCAM: drum"],
                suptitle=f"class-specific vs class-agnostic, at {clf.cam_layer}")

# %%
assert torch.equal(eig[0, 0], eig[0, 1])                          # the same map for both classes
g_eig, d_eig = cv.energy_in_boxes(eig, guitar)[0, 0].item(), cv.energy_in_boxes(eig, drums)[0, 0].item()
peak_on_guitar = bool(cv.pointing_game(eig[0, 1], guitar))
print(f"EigenCAM (either class): {g_eig:.0%} on the guitar, {d_eig:.0%} on the drum kit; peak on the guitar: "
      f"{peak_on_guitar}")
assert peak_on_guitar and g_eig > d_eig > 0.3

# %% [markdown]
# **Reading the figure:** Grad-CAM moves from the guitar to the drum kit with the class;
# EigenCAM does not move. Its one map peaks on the guitar's body, the region that dominates
# the head's activations, with more than a third of its mass on the drum kit; asked for
# `drum`, it points at the guitar. The first principal direction of a layer's activations
# is "what this layer responds to most", not "what this class needs". Use EigenCAM to see
# what a layer attends to, never to explain one class.
#
# ## 9. Ablation-CAM: remove a channel, watch the score
#
# Ablation-CAM (Desai & Ramaswamy 2020) needs no gradient either: it sets channel $k$ of the
# layer to zero and records the drop of the class logit $y_c$,
# $w_k^c = \frac{y_c - y_c^{k}}{|y_c|}$, $L^c = \mathrm{ReLU}(\sum_k w_k^c A_k)$.
# That is one ablation per channel (1280 here). The package runs the network up to the layer
# once, then feeds the rest of it batches of ablated copies (`batch_size` bounds the memory)
# and reads every class from the same passes. `cv.capture` on the classifier counts them:

# %%
with cv.capture(clf, "classifier") as cap:
    abl = cv.ablationcam(clf, x, pair)
rows = [o.shape[0] for o in cap.outputs["classifier"]]
with cv.capture(clf, "classifier") as cap_one:
    cv.ablationcam(clf, x, "drum")
channels = cv.activations(clf, x, clf.cam_layer).shape[1]
print(f"{channels} channels ablated for 2 classes in {len(rows)} forward passes (copies per pass: {rows})")
assert len(rows) == len(cap_one.outputs["classifier"]) and sum(rows) > channels   # K classes: same passes

# %%
cv.plot.cam_row(clf, x, [grad[0, 0], abl[0, 0], grad[0, 1], abl[0, 1]],
                ["Grad-CAM: electric guitar", "Ablation-CAM: electric guitar", "Grad-CAM: drum", "Ablation-CAM: drum"],
                suptitle=f"gradient vs ablation weights, at {clf.cam_layer}")

# %%
# the hottest 20 % of the pixels of each map (both classes at once), then intersection over union
a = abl[0] >= abl[0].flatten(-2).quantile(0.8, dim=-1)[..., None, None]
b = grad[0] >= grad[0].flatten(-2).quantile(0.8, dim=-1)[..., None, None]
iou = (a & b).sum(dim=(-2, -1)) / (a | b).sum(dim=(-2, -1))
print("overlap (IoU) of the top-20% regions, Ablation-CAM vs Grad-CAM: electric guitar {:.2f}, drum {:.2f}".format(
    *iou.tolist()))
assert (iou > 0.6).all()

# %% [markdown]
# **Reading the figure:** at the last layer, removing a channel and following its gradient
# agree: the hottest fifth of each Ablation-CAM map overlaps Grad-CAM's (IoU above 0.6 for
# both classes). The cost differs: Ablation-CAM's passes run only the layers after the
# ablated one here, but a layer early in the network would make every pass nearly a full
# forward pass, on one copy per channel.

# %% [markdown]
# ## 10. Architecture shapes the maps: VGG16, ResNet-50, EfficientNet-Lite0
#
# The same class, Grad-CAM at each network's own last convolutional layer, guided
# backpropagation, and Guided Grad-CAM, side by side. Two things depend on the architecture:
#
# - **Resolution of the map.** VGG16's last convolution (relu5_3, `features.29`) comes
#   before its fifth max-pool: 16 input pixels per cell, a 14x14 map at 224 px, the layer
#   Selvaraju et al. use. ResNet-50's `layer4` and Lite0's `head` divide by 32: 7x7 maps.
# - **Texture of guided backpropagation.** VGG downsamples only with max-pools, whose
#   backward pass sends each gradient to the window's maximum, wherever it is: no pixel
#   parity is favoured. Lite0 downsamples with stride-2 convolutions (so does ResNet-50 in
#   its later stages), whose backward pass covers the even and odd pixels unequally: the
#   checkerboard of Odena et al. 2016. The *phase ratio* (mean |gradient| on the strongest
#   of the four 2x2 pixel phases over the weakest) measures it.

# %%
vgg = cv.load_classic("vgg16", shows="Grad-CAM and guided backpropagation of VGG16, ResNet-50 and "
                      "EfficientNet-Lite0 side by side", device=DEVICE)
if vgg:
    nets = [vgg] + ([cv.load_model("resnet50", device=DEVICE)] if cv.classic_available("resnet50") else []) + [clf]
    size = cv.config.pick(224, 128)
    results = cv.plot.architecture_maps(nets, cv.sample_image("drums_and_guitar"), "electric guitar", size=size)
    display(cv.plot.cam_architectures(results, "electric guitar"))

# %%
# map sizes follow each network's stride; Lite0's guided backpropagation shows the stride-2 checkerboard
if vgg:
    stride = {"vgg16": 16, "resnet50": 32, "efficientnet_lite0": 32}   # input pixels per map cell
    for r in results:
        print(f"{r.classifier.name:20s} {r.layer:12s} map {r.grid[0]}x{r.grid[1]}  phase ratio {r.phase_ratio:.2f}")
        assert r.grid == (size // stride[r.classifier.name],) * 2
    ratio = {r.classifier.name: r.phase_ratio for r in results}
    if not cv.config.quick():                                      # trained weights only
        assert ratio["efficientnet_lite0"] > 1.3 and ratio["vgg16"] < ratio["efficientnet_lite0"]

# %% [markdown]
# **What to look at** (when the weights are there and the figure appears): VGG16's Grad-CAM cells are half the size
# of ResNet-50's and Lite0's; Lite0's guided-backpropagation map has a fine checkerboard
# texture that VGG16's clean edges do not have, and its phase ratio is the higher.

# %% [markdown]
# ## 11. Investigation: find Grad-CAM pointing at the wrong object
#
# At `blocks.12` Grad-CAM sent the `electric guitar` map to the drum kit. Find another case: an image (a
# sample image, `cv.sample_images()`, or your own photo via `cv.load_image(path)`), a class
# among its top-5, a box around the object that class names, and a layer where less than
# half of the Grad-CAM map falls inside the box. `cv.plot.cam_by_layer` helps you scan the
# layers first. Then explain, in one sentence, why the averaged gradient misleads there.

# %% [markdown]
# ### Exercise: Grad-CAM at the wrong object (an investigation)
#
# Fill in your case below and run the check: it passes when less than half of the Grad-CAM
# map of `my_class` at `my_layer` falls inside `my_box`, and its hints say what to change
# otherwise (a class the network does not see, a box that covers most of the image, a map
# that points at the right object after all).

# %% tags=["exercise"]
my_image = None      # e.g. cv.sample_image("...") or cv.load_image("my_photo.jpg")
my_class = None      # a class name or index among the image's top-5
my_box = None        # (x0, y0, x1, y1) in pixels of the 224x224 input, around that object
my_layer = None      # one of cv.cam_layers(clf)

# %% tags=["exercise-check"]
if my_image is None:
    print("set my_image, my_class, my_box and my_layer above, then run this cell")
else:
    cv.exercises.check_wrong_object(clf, clf.preprocess(my_image), my_class, my_box, layer=my_layer)

# %% tags=["solution"]
# the case of section 3: 'electric guitar' at blocks.12; the box around the guitar's body
assert cv.exercises.check_wrong_object(clf, x, "electric guitar", guitar[1], layer="blocks.12")


# %% [markdown]
# ### Exercise: Grad-CAM from activations and gradients
#
# Write `my_gradcam(activation, gradient)`: both are `(C, h, w)` tensors (a layer's output
# and the gradient of a class score with respect to it). Return the `(h, w)` Grad-CAM map:
# the spatial mean of each gradient channel weights its activation channel; sum over
# channels; keep the positive part.

# %% tags=["exercise"]
def my_gradcam(activation, gradient):
    raise NotImplementedError  # your code here


# %% tags=["exercise-check"]
cv.exercises.check_gradcam(my_gradcam)


# %% tags=["solution"]
def my_gradcam_solution(activation, gradient):
    alpha = gradient.mean(dim=(1, 2))
    return (alpha[:, None, None] * activation).sum(dim=0).clamp(min=0)

assert cv.exercises.check_gradcam(my_gradcam_solution)


# %% [markdown]
# ### Exercise: LayerCAM
#
# Write `my_layercam(activation, gradient)` (same inputs): weight every *position* of each
# activation channel by the positive part of its gradient, sum over channels and keep the
# positive part. Your map must be all zeros (not NaN) when the gradient is zero.

# %% tags=["exercise"]
def my_layercam(activation, gradient):
    raise NotImplementedError  # your code here


# %% tags=["exercise-check"]
cv.exercises.check_layercam(my_layercam)


# %% tags=["solution"]
def my_layercam_solution(activation, gradient):
    return (gradient.clamp(min=0) * activation).sum(dim=0).clamp(min=0)

assert cv.exercises.check_layercam(my_layercam_solution)

# %% [markdown]
# ## What next
#
# Every map so far came from gradients. Notebook 07 asks the network directly: hide a patch of
# the image and watch the probability fall (occlusion sensitivity).
