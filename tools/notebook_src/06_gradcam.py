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

clf = cv.load_model(device=DEVICE)
x = clf.preprocess(cv.sample_image("cat_and_coffee"))
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

# %%
cv.plot.cam_topk(clf, x, k=5)

# %% [markdown]
# **Reading the figure** (as one would describe a Grad-CAM figure in a report):
# the most probable class, `Egyptian cat`, lights up the cat's face on the left, and so do
# `tiger cat` and `tabby`: three labels for the same animal, distinguished by fur pattern,
# so their maps nearly coincide. `cup`, the fourth class, moves to the right and covers the
# espresso cup. `potter's wheel` also sits on the cup: the network's fifth guess is a
# confusion *about the cup* (round, glazed, brown), not about the cat. The next cell turns
# that reading into numbers: the share of each map on the left half of the image.

# %%
half = maps.shape[-1] // 2
left = maps[0, :, :, :half].sum(dim=(1, 2)) / maps[0].sum(dim=(1, 2))
for c, share in zip(top5[0].tolist(), left.tolist()):
    print(f"{clf.label(c):15s} {share:4.0%} of its map on the left (cat) half")
assert (left[:3] > 0.7).all() and (left[3:] < 0.3).all()   # three cat classes -> cat; cup, potter's wheel -> cup

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
# `stem`, 28x28 for `blocks.3`) but their channels detect edges and colours, not cats. The
# last layer is coarse (7x7) but each channel means something about the object.
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
cv.plot.cam_by_layer(clf, x, ["blocks.3", "blocks.12", "head"], target="tabby")

# %% [markdown]
# **Reading the figure:** `blocks.3` (28x28) lights up edges and, most of all, the white
# margins (over half of its map; a tenth on the cat): nothing about tabbies. Only at the last layer does the `tabby` map sit squarely
# on the cat. And at `blocks.12` it sits on the **cup**! Grad-CAM gives each channel one
# weight, the *average* of its gradient; in the middle of the network many channels respond
# to both objects, with gradients of both signs, and the averaged weights can favour the
# channels that fire on the wrong object. LayerCAM weights every position by its own
# positive gradient instead; look at the same layers with it:

# %%
cv.plot.cam_by_layer(clf, x, ["blocks.3", "blocks.12", "head"], target="tabby", method="layercam")

# %%
cat_box = (0, 0, x.shape[-1] // 2, x.shape[-2])  # the left half of the image
photos, cat_photo = (0, 53, 224, 171), (0, 53, 112, 171)   # the photos; white margins above and below
b3 = cv.gradcam(clf, x, "tabby", layer="blocks.3")
margins, on_cat_b3 = 1 - cv.energy_in_box(b3, photos).item(), cv.energy_in_box(b3, cat_photo).item()
gc = cv.energy_in_box(cv.gradcam(clf, x, "tabby", layer="blocks.12"), cat_box).item()
lc = cv.energy_in_box(cv.layercam(clf, x, "tabby", layer="blocks.12"), cat_box).item()
print(f"tabby at blocks.3: Grad-CAM {margins:.0%} on the white margins, {on_cat_b3:.0%} on the cat")
print(f"tabby at blocks.12: Grad-CAM {gc:.0%} on the cat, LayerCAM {lc:.0%} on the cat")
assert margins > 0.5 and on_cat_b3 < 0.2
assert gc < 0.5 < lc

# %% [markdown]
# **What to conclude:** the default layer is the last convolutional one because there
# Grad-CAM is class specific. Earlier layers give sharper maps, but Grad-CAM's
# channel-averaged weights can mislead there; LayerCAM is the better tool at those layers.
#
# ## 4. Explore
#
# Move the **layer** slider (early to late) and pick one of the image's top-5 classes in the
# **class** dropdown; switch method, image or model. The figure redraws on every change.

# %%
cv.widgets.gradcam_panel(image="cat_and_coffee")

# %% [markdown]
# ## 5. Grad-CAM++, LayerCAM and Score-CAM
#
# - **Grad-CAM++** (Chattopadhay et al. 2018) weights each position's positive gradient with
#   $a_{xy}^{kc} = \frac{g^2}{2g^2 + \sum_{ab} A_k(a,b)\, g^3}$ (the closed form that follows
#   from taking $e^{S_c}$ as the score), which helps when several instances of a class appear.
# - **LayerCAM** (Jiang et al. 2021) keeps a weight per position:
#   $\mathrm{ReLU}\big(\sum_k \mathrm{ReLU}(\partial S_c/\partial A_k(x,y))\, A_k(x,y)\big)$;
#   its maps stay sharp at early layers.
# - **Score-CAM** (Wang et al. 2020) uses no gradient: each feature map, upsampled and scaled
#   to [0, 1], masks the image; its weight is how much the masked image raises the class
#   probability over a blank image. One forward pass per channel (here only the most
#   active channels in quick mode: `max_channels`).

# %%
cup_maps = {
    "Grad-CAM": cv.gradcam(clf, x, "cup"),
    "Grad-CAM++": cv.gradcam_pp(clf, x, "cup"),
    "LayerCAM": cv.layercam(clf, x, "cup"),
    "Score-CAM": cv.scorecam(clf, x, "cup", max_channels=cv.config.pick(256, 16), batch_size=32),
}
cv.plot.cam_row(clf, x, [m[0] for m in cup_maps.values()], list(cup_maps), suptitle=f"'cup' at {clf.cam_layer}")

# %%
on_cat = {name: cv.energy_in_box(m, cat_box).item() for name, m in cup_maps.items()}
print("share of the 'cup' map on the cat's half:", {k: f"{v:.0%}" for k, v in on_cat.items()})
assert all(v < 0.5 for v in on_cat.values())                      # all four: the cup, on the right
assert min(on_cat["Grad-CAM++"], on_cat["LayerCAM"]) > 2 * on_cat["Grad-CAM"]   # they spread onto the cat
assert on_cat["Score-CAM"] < min(on_cat["Grad-CAM++"], on_cat["LayerCAM"])

# %% [markdown]
# **What to look at:** all four agree that `cup` is on the right (less than half of each map
# on the cat's half). Grad-CAM++ and LayerCAM spread onto the cat (they keep every position
# with a positive gradient: more than twice Grad-CAM's share on the left); Score-CAM, which
# asks "does showing this region alone raise p(cup)?", stays on the cup and its saucer.

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
both = cv.guided_gradcam(clf, x, [["tabby", "cup"]])  # (1, 2, 3, H, W): two classes, one call
cv.plot.class_maps(x, both[0], ["Guided Grad-CAM: tabby", "Guided Grad-CAM: cup"], clf)

# %%
on_cat = cv.energy_in_box(both, cat_box)[0]  # share of each map's mass on the left half
print(f"on the cat: tabby map {on_cat[0]:.0%}, cup map {on_cat[1]:.0%}")
assert on_cat[0] > 0.5 > on_cat[1]

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
# In the middle of the network they part ways. Back to `tabby` at `blocks.12`, where
# Grad-CAM pointed at the cup:

# %%
mid = {name: fn(clf, x, "tabby", layer="blocks.12") for name, fn in
       [("Grad-CAM", cv.gradcam), ("HiResCAM", cv.hirescam), ("XGrad-CAM", cv.xgradcam), ("LayerCAM", cv.layercam)]}
cv.plot.cam_row(clf, x, [m[0] for m in mid.values()], list(mid), suptitle="'tabby' at blocks.12")

# %%
on_cat = {name: cv.energy_in_box(m, cat_box).item() for name, m in mid.items()}
print("share of the 'tabby' map on the cat:", {k: f"{v:.0%}" for k, v in on_cat.items()})
own = cv.hirescam(clf, x, "tabby", layer="blocks.12", upsample=False, relu=False)   # signed
coarse = cv.gradcam(clf, x, "tabby", layer="blocks.12", upsample=False)
against = (coarse * (own < 0)).sum() / coarse.sum()
print(f"{against:.0%} of Grad-CAM's map lies where gradient x activation is negative")
assert on_cat["Grad-CAM"] < 0.15 and on_cat["HiResCAM"] > 0.7      # a tenth vs three quarters
assert on_cat["Grad-CAM"] < on_cat["XGrad-CAM"] < on_cat["HiResCAM"]
assert against > 1 / 3

# %% [markdown]
# **Reading the figure:** HiResCAM brings the `tabby` map back to the cat (three quarters of
# its mass, against a tenth for Grad-CAM). Over a third of Grad-CAM's map sits on positions
# where gradient times activation is *negative*: there, more of the feature would lower the
# tabby score, yet Grad-CAM paints them hot because the channel's *average* gradient is
# positive. That is Draelos & Carin's point: HiResCAM shows what the model computes at each
# position; Grad-CAM can show what it does not. XGrad-CAM moves part of the way (its
# weights follow where each channel is active), more than Grad-CAM, less than HiResCAM.
#
# ## 8. EigenCAM: the first principal component, and no class at all
#
# EigenCAM (Muhammad & Yeasin 2020) uses no gradient and no score. Write the layer's output
# as a matrix $M$ of $hw$ positions by $C$ channels, take its singular value decomposition
# $M = U \Sigma V^\top$ and project on the first right singular vector:
# $L_{\text{EigenCAM}} = M v_1$. It shows what dominates the layer's activations,
# **whatever the class**: asked for `tabby` and for `cup`, it returns the same map.

# %%
eig = cv.eigencam(clf, x, [["tabby", "cup"]])                     # (1, 2, H, W)
grad = cv.gradcam(clf, x, [["tabby", "cup"]])
cv.plot.cam_row(clf, x, [grad[0, 0], grad[0, 1], eig[0, 0], eig[0, 1]],
                ["Grad-CAM: tabby", "Grad-CAM: cup", "EigenCAM: tabby", "EigenCAM: cup"],
                suptitle=f"class-specific vs class-agnostic, at {clf.cam_layer}")

# %%
assert torch.equal(eig[0, 0], eig[0, 1])                          # the same map for both classes
shares = cv.energy_in_box(torch.cat([grad, eig], 1), cat_box)[0].tolist()
print("share on the cat: Grad-CAM tabby {:.0%}, cup {:.0%}; EigenCAM tabby {:.0%}, cup {:.0%}".format(*shares))
assert shares[0] > 0.7 and shares[1] < 0.3 and 0.4 < shares[2] < 0.6

# %% [markdown]
# **Reading the figure:** Grad-CAM moves from the cat to the cup with the class; EigenCAM
# does not move: one map, spread over **both** objects (about half its mass on each side),
# because the strongest direction of the head's activations is "there is an object here",
# not "there is a tabby here". Use it to see what a layer attends to, never to explain one
# class.
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
    abl = cv.ablationcam(clf, x, [["tabby", "cup"]])
rows = [o.shape[0] for o in cap.outputs["classifier"]]
with cv.capture(clf, "classifier") as cap_one:
    cv.ablationcam(clf, x, "tabby")
channels = cv.activations(clf, x, clf.cam_layer).shape[1]
print(f"{channels} channels ablated for 2 classes in {len(rows)} forward passes (copies per pass: {rows})")
assert len(rows) == len(cap_one.outputs["classifier"]) and sum(rows) > channels   # K classes: same passes

# %%
cv.plot.cam_row(clf, x, [grad[0, 0], abl[0, 0], grad[0, 1], abl[0, 1]],
                ["Grad-CAM: tabby", "Ablation-CAM: tabby", "Grad-CAM: cup", "Ablation-CAM: cup"],
                suptitle=f"gradient vs ablation weights, at {clf.cam_layer}")

# %%
# the hottest 20 % of the pixels of each map (both classes at once), then intersection over union
a = abl[0] >= abl[0].flatten(-2).quantile(0.8, dim=-1)[..., None, None]
b = grad[0] >= grad[0].flatten(-2).quantile(0.8, dim=-1)[..., None, None]
iou = (a & b).sum(dim=(-2, -1)) / (a | b).sum(dim=(-2, -1))
print("overlap (IoU) of the top-20% regions, Ablation-CAM vs Grad-CAM: tabby {:.2f}, cup {:.2f}".format(*iou.tolist()))
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
# backpropagation, and Guided Grad-CAM, side by side. Where VGG16 and ResNet-50 weights are
# cached or can be downloaded they run; otherwise the offline EfficientNet-Lite0 stands in
# and the note says so (each network is then drawn once).

# %%
from IPython.display import display

vgg = cv.load_model("vgg16", fallback=True, device=DEVICE)
resnet = cv.load_model("resnet50", fallback=True, device=DEVICE)
for net in (vgg, resnet, clf):
    display(cv.model_note(net))
size = cv.config.pick(224, 128)
results = cv.plot.architecture_maps([vgg, resnet, clf], cv.sample_image("cat_and_coffee"), "tabby", size=size)
cv.plot.cam_architectures(results, "tabby")

# %%
stride = {"vgg16": 16, "resnet50": 32, "efficientnet_lite0": 32}   # input pixels per map cell
for r in results:
    model = r.classifier.name
    print(f"{r.name:28s} {r.layer:12s} map {r.grid[0]}x{r.grid[1]}  guided-backprop phase ratio {r.phase_ratio:.2f}")
    assert r.grid == (size // stride[model],) * 2
    if model == "efficientnet_lite0" and not cv.config.quick():
        assert r.phase_ratio > 1.3                                 # the stride-2 checkerboard
ratio = {r.classifier.name: r.phase_ratio for r in results}
if not cv.config.quick() and "vgg16" in ratio and "efficientnet_lite0" in ratio:
    assert ratio["vgg16"] < ratio["efficientnet_lite0"]

# %% [markdown]
# **Reading the figure:** the architecture decides two things you can see.
#
# - **Resolution of the map.** VGG16's last convolution (relu5_3, `features.29`) comes
#   before its fifth max-pool: 16 input pixels per cell, a 14x14 map at 224 px, which is
#   the layer Selvaraju et al. use. ResNet-50's `layer4` and Lite0's `head` divide by 32: 7x7.
#   VGG's Grad-CAM is twice as fine; ResNet's and Lite0's are blobs of 32-pixel cells.
# - **Texture of guided backpropagation.** VGG downsamples only with max-pools, whose
#   backward pass sends each gradient to the window's maximum, wherever it is: no pixel
#   parity is favoured and the map shows clean edges. Lite0 downsamples with stride-2
#   convolutions (so does ResNet-50 in its later stages), whose backward pass covers the even
#   and odd pixels unequally:
#   the checkerboard of Odena et al. 2016. The *phase ratio* (mean |gradient| on the
#   strongest of the four 2x2 pixel phases over the weakest) measures it: Lite0's is above
#   1.3 at 224 px, and with pretrained weights VGG16's is lower than Lite0's.

# %% [markdown]
# ## 11. Investigation: find Grad-CAM pointing at the wrong object
#
# At `blocks.12` Grad-CAM sent the `tabby` map to the cup. Find another case: an image (a
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
# the case of section 3: 'tabby' at blocks.12, the cat on the left half
assert cv.exercises.check_wrong_object(clf, x, "tabby", cat_box, layer="blocks.12")


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
