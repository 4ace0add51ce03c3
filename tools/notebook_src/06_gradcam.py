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
#     - say when each map misleads (negative evidence dropped, a class-agnostic map, guided backpropagation's failed
#       sanity check, coarse maps) and compare every share with the area of its box
#     - apply these maps to your own PyTorch model, and choose the layer they read
#     - (optional, needs VGG16's pretrained weights) see how the architecture shapes Grad-CAM and guided backpropagation
#     prerequisites: notebook 05 (CAM) and notebook 01 (gradients).
#     runtime:
#       cpu: 3 minutes
#       gpu: 10 seconds
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
#     - Adebayo et al., *Sanity Checks for Saliency Maps*, NeurIPS 2018
#     - Zhang et al., *Top-down Neural Attention by Excitation Backprop* (the pointing game), ECCV 2016
#     - Odena, Dumoulin & Olah, *Deconvolution and Checkerboard Artifacts*, Distill 2016
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
# The gradient exists for any network and at any convolutional layer, so Grad-CAM can be
# computed wherever CAM cannot; it is reliable mainly at the last convolutional layers
# (section 3 shows where it fails). With a GAP + linear head and the last layer,
# $\partial S_c / \partial A_k(x,y) = w_k^c / hw$, so there Grad-CAM is exactly $\mathrm{ReLU}(M_c)/hw$,
# where $M_c = \sum_k w_k^c A_k$ is notebook 05's CAM map.

# %% tags=["nbval-check-output"]
import torch
from IPython.display import Markdown, display

clf = cv.load_model(device=DEVICE)
x = clf.preprocess(cv.sample_image("drums_and_guitar"))
top5 = cv.topk_targets(clf, x, 5)                        # (1, 5) class indices
maps = cv.gradcam(clf, x, top5, layer="blocks.15")       # (1, 5, 224, 224), raw
print(tuple(maps.shape), [clf.label(i) for i in top5[0].tolist()])

# %% [markdown]
# Five classes cost **one** forward pass and **one** batched backward pass that stops at the
# layer (`torch.autograd.grad(..., is_grads_batched=True)` with one one-hot row per class),
# not five passes, and no weight gradient is ever computed. The maps are raw and
# unnormalised; the plotting functions scale each one for display.
#
# ## 2. Grad-CAM for the top-5 classes, at a layer CAM cannot read
#
# CAM needs the layer that feeds the global average pool (`head`). One step earlier,
# `blocks.15` (320 channels, 7x7) reaches the pool only through `head`'s 1x1 convolution,
# batch norm and ReLU6, so it has no linear weights per class, and CAM cannot be computed
# there; Grad-CAM takes its weights from the gradient through `head`. `blocks.15`, a block's linear
# output, is not rectified (section 3), so how well Grad-CAM does there is an observation on this image. The photograph: a drum
# kit with an electric guitar leaning against it. The hand-drawn object boxes behind every
# percentage below are outlined (white: the guitar, yellow dashed: the drum kit); the cross on each
# map marks its maximum (drawn a few pixels inside the panel when the maximum is on the image's edge),
# and each title gives the class's softmax probability $p$.
# The two sets of boxes **overlap**: the bass drum's box and the guitar body's box share an 11-pixel
# strip (x = 132 to 142), so the two areas below, and the two shares of each map, count that
# strip twice.

# %%
boxes = cv.sample_boxes("drums_and_guitar")     # {label: [(x0, y0, x1, y1), ...]} in x's pixels
guitar, drums = boxes["electric guitar"], boxes["drum"]
shown = {"guitar": guitar, "drum kit": drums}
top = clf.predict(x, k=5)                                 # [(index, label, probability), ...]
display(cv.plot.cam_row(clf, x, list(maps[0]), [f"{label}\np = {p:.1%}" for _, label, p in top], boxes=shown, peaks=True,
                        suptitle="Grad-CAM at blocks.15 (7x7, upsampled): top-5 classes (p: softmax probability)", cell=3.0, fontsize=12,
                        legend=True))
Markdown(cv.credit("drums_and_guitar"))

# %% [markdown]
# A share of a map inside a box means little on its own: a uniform map puts the box's
# **area** there. So every share below is also given as a multiple of that area
# ("x chance": 1.0x is what a map with no information scores), and the **pointing game**
# (Zhang et al. 2016) says in which box the map's maximum falls. With 7x7 maps every maximum lies on
# a pixel beside one of the 49 cell centres, 32 pixels apart (the one nearer the higher neighbouring cell), or in the flat 16-pixel
# strip along the border (bilinear upsampling copies the outer cells there; `argmax` breaks its ties by index). So read a maximum as a
# cell of the 7x7 map, not as a pixel: where that cell straddles a box's edge, the verdict is undefined
# (printed as "a cell on a box edge").

# %%
one = torch.ones(x.shape[-2:])
area = {name: cv.energy_in_boxes(one, b).item() for name, b in shown.items()}
print("the boxes cover:", {name: f"{a:.0%}" for name, a in area.items()}, "of the image")
share15 = {name: cv.energy_in_boxes(maps, b)[0] for name, b in shown.items()}          # (5,) each
peak15 = [cv.peak_box(m, shown, grid=7)[0] for m in maps[0]]      # the box holding the maximal 7x7 cell; "split": on a box edge
said = {"split": "a cell on a box edge", "none": "neither box"}          # peak_box's other answers, as printed here
xy15, lines = [tuple(reversed(divmod(int(m.argmax()), m.shape[-1]))) for m in maps[0]], []    # (x, y) of each maximum
for i, (_, label, _) in enumerate(top):
    lines.append(f"{label:16s}" + "".join(f"{share15[n][i]:4.0%} on the {n} ({share15[n][i] / area[n]:.1f}x chance), "
                                          for n in shown) + f"maximum in: {said.get(peak15[i], peak15[i])}, at (x, y) = {xy15[i]}")
print("\n".join(lines))

# %% [markdown]
# **Reading the figure** (as one would describe a Grad-CAM figure in a report): the most
# probable class, `electric guitar`, lights up the guitar's body on the right, with its
# maximum on the body; `acoustic guitar`, a neighbouring but wrong class for the same object
# (this guitar is electric), lights the same region, with its maximum at the body's left edge. Both put 2.4x chance on the guitar.
# `drum`, the fourth class, moves to the drum kit: 1.3x chance there (a box that covers 57 %
# of the image cannot score more than 1.75x) and its maximum in the drum kit's upper box,
# between the two toms. `banjo` and `stage`
# peak at the guitar's left edge, next to the drums, and spread over both boxes, between
# 0.8x and 1.6x chance on each. The maxima (crosses) of `banjo`, `stage` and `acoustic
# guitar` lie in the 7x7 cell column on the drum/guitar boundary (x = 128 to 159), whose cells there
# straddle both boxes' edges: undefined.

# %% tags=["check"]
# At blocks.15: both guitar classes over 2x chance on the guitar, drum over 1.2x on the drum kit; maxima on the guitar, the drum kit, or an edge cell
names = [label for _, label, _ in top]
i_guitar, i_drum, i_acoustic = names.index("electric guitar"), names.index("drum"), names.index("acoustic guitar")
assert all(share15["guitar"][i] > 2 * area["guitar"] for i in (i_guitar, i_acoustic)) and peak15[i_guitar] == "guitar"
assert share15["drum kit"][i_drum] > 1.2 * area["drum kit"] and peak15[i_drum] == "drum kit"
assert share15["guitar"][i_drum] < 0.6 * area["guitar"] and area["drum kit"] > 0.55
assert all(peak15[names.index(n)] == "split" for n in ("banjo", "stage", "acoustic guitar"))
assert all(0.7 < share15[b][names.index(n)] / area[b] < 1.7 for n in ("banjo", "stage") for b in shown)
assert all(128 <= xy15[names.index(n)][0] < 160 for n in ("banjo", "stage", "acoustic guitar")), xy15   # the boundary cell column

# %% [markdown]
# And the link to notebook 05: on this network (GAP + linear head) and at its last layer,
# `head`, Grad-CAM equals the ReLU of CAM divided by the 7x7 = 49 positions.

# %% tags=["nbval-check-output"]
g = cv.gradcam(clf, x, top5, upsample=False)
c = cv.cam(clf, x, top5, upsample=False)
assert torch.allclose(g, c.clamp_min(0) / 49, atol=1e-5)
print("Grad-CAM == ReLU(CAM) / 49 at layer", clf.cam_layer)

# %%
neg = {clf.label(t): int((c[0, i] < 0).sum()) for i, t in enumerate(top5[0].tolist())}
print(f"{int((c < 0).sum())} of the {c.numel()} CAM cells (5 classes x 7 x 7) are negative: Grad-CAM's ReLU sets them to 0;",
      "per class:", ", ".join(f"{n} {v}" for n, v in neg.items()))
c_guitar = c[0, list(neg).index("electric guitar")]                           # its signed CAM, 7x7
print(f"'electric guitar': negative mass / positive mass = {float(c_guitar.clamp_max(0).abs().sum() / c_guitar.clamp_min(0).sum()):.1%}")

# %% tags=["check"]
# Fifteen of the 245 CAM cells at head are negative, 4 of them for 'electric guitar'
assert int((c < 0).sum()) == 15 and neg["electric guitar"] == 4 or cv.config.quick()

# %% [markdown]
# So at `head` a top-5 Grad-CAM figure would repeat notebook 05's CAM figure: the same maps on their positive
# cells, up to display scaling (the ReLU flattens the negative cells to 0; each map is stretched from its own
# minimum, and CAM's negative cells lower that minimum) and nearly the same shares (the shares count positive mass
# only, and Grad-CAM's ReLU removes only the 15 negative cells printed above). That is why this notebook opened
# one layer earlier, where CAM has no weights and Grad-CAM still picks out the object for `electric guitar` and
# `drum`, and for `acoustic guitar` the guitar it is confused with; `banjo` and `stage`, with no object of their own in the photo, straddle both boxes.
#
# ## 3. Which layer? Early vs late
#
# Grad-CAM can be computed at any convolutional layer (`layer=`). Early layers keep a high
# resolution (112x112 for `stem`, 28x28 for `blocks.3`) but their channels detect edges,
# colours and textures, not guitars. The last layers are coarse (7x7) but each channel means something
# about the object. `cv.cam_layers(clf)` lists the network's 18 layers, early to late: the
# stem, 16 blocks and `head`. A second difference: every block output (`blocks.3`, `blocks.12`,
# `blocks.15`) is a linear (batch-normalised) projection, plus the skip connection where the block keeps
# its shape (as `blocks.12` does), **not rectified**, so its
# activations can be negative, while `head` is read after a ReLU6. Grad-CAM's reading "a positive
# activation means the feature is present" holds only for rectified outputs, so below, depth
# and rectification change together.

# %% tags=["nbval-check-output"]
layers = cv.cam_layers(clf)
sides = {name: tuple(a.shape[-2:]) for name, a in cv.activations(clf, x, ["stem", "blocks.3", "blocks.12", "head"]).items()}
print(len(layers), "layers:", layers[0], "...", layers[-1], "| map sizes:", sides)

# %% [markdown]
# `blocks.12` is a late-middle layer, the 14th of the 18 layers: it works at the same 7x7
# resolution as `head`, four layers earlier. Before looking at the figure, predict what Grad-CAM can
# do there that it cannot do at `head`.

# %% [markdown] choice="06-gradcam-middle-layer"
# ### Predict, then run
#
# (the builder writes the question and the answer cell)

# %%
cv.plot.cam_by_layer(clf, x, ["blocks.3", "blocks.12", "head"], target="electric guitar", boxes=shown, peaks=True,
                     sizes=True, cell=3.4, fontsize=12, legend=True)

# %% [markdown]
# **Reading the figure:** of the three layers shown, only `head` puts the `electric guitar`
# map on the guitar, with its maximum (the cross) on the guitar's body; `blocks.15`, one
# layer before it (section 2), localises too. At `blocks.3` (28x28) it is scattered mostly
# over the drums, with spots along the guitar's neck and on the background at the top left;
# its maximum is on the large tom's lower rim. At `blocks.12` it leaves the guitar: its hot
# region covers the small tom's left part and the background beside it, and its maximum is the
# 7x7 map's cell in column 0, row 1 (x = 0 to 31), on the drum kit box's left edge: undefined.
# The only warm parts on the guitar's boxes (a stripe along the neck box's left edge, a patch in
# the bottom-right corner) are too small to lift the guitar above chance (0.7x, measured below). Two
# candidate reasons, not separated by this figure: Grad-CAM gives each channel one weight, the
# *average* of its gradient over positions, which can paint a position hot where the position's
# own gradient says "less of this" (section 7 measures how much of the map that is); and
# `blocks.12` is not rectified (section 3's start). The cell below also reads Grad-CAM at
# the rectified 6x expansion inside `blocks.12` (after its ReLU6, before its depthwise convolution). LayerCAM weights every
# position by its own positive gradient; look at the same layers with it (colours clipped at each
# map's 99th percentile, so one sharp peak does not darken the rest):

# %%
cv.plot.cam_by_layer(clf, x, ["blocks.3", "blocks.12", "head"], target="electric guitar", method="layercam",
                     boxes=shown, peaks=True, sizes=True, cell=3.4, fontsize=12, legend=True, clip=99)

# %%
share, peak, lines = {}, {}, []
for name, fn in [("Grad-CAM", cv.gradcam), ("LayerCAM", cv.layercam)]:
    for layer in ["blocks.3", "blocks.12", "head"] + (["blocks.12.expand.act"] if name == "Grad-CAM" else []):
        m = fn(clf, x, "electric guitar", layer=layer)
        share[name, layer] = {b: cv.energy_in_boxes(m, bx).item() for b, bx in shown.items()}
        peak[name, layer] = cv.peak_box(m, shown)[0]    # the box holding every pixel within 1e-6 (relative) of the maximum; else "split" or "none"
        lines.append(f"'electric guitar' at {layer:20s} {name:8s}:" + ",".join(
            f" {v:4.0%} on the {b} ({v / area[b]:.1f}x chance)" for b, v in share[name, layer].items())
            + f"; maximum in: {said.get(peak[name, layer], peak[name, layer])}")
print("\n".join(lines))

# %% [markdown]
# **What to conclude:** the default layer is the last convolutional one, following
# Selvaraju et al. (the best trade-off between high-level semantics and spatial detail); on
# this image it is also where Grad-CAM localises the guitar (2.2x chance on the guitar,
# maximum on it). At
# `blocks.12` Grad-CAM leaves the guitar: 0.7x chance, *less* than a uniform map would put
# there, with its maximum in a leftmost-column cell on the drum kit box's edge
# (undefined); its share on the drum kit is at chance (1.0x): neither its mass nor its maximum singles out an object. At
# `blocks.3` it leans to the wrong object: 1.3x chance on the drum kit, maximum on a drum. At
# `blocks.12`'s rectified expansion output (`blocks.12.expand.act`) Grad-CAM is further off still
# (0.1x chance on the guitar, maximum on the drum kit): on this image reading a rectified layer at
# about the same depth does not bring it back (that layer has 1152 channels instead of 192, and comes
# before the block's depthwise and projection convolutions, so this is one reading). LayerCAM, which keeps every position's own gradient, stays on the guitar at
# both earlier layers (about 2x chance, maximum on the guitar), closer to the human box; whether
# it is closer to what the model uses is a separate question (Pitfalls). Its price: it ignores
# the evidence *against* the class (section 5).

# %% tags=["check"]
# Grad-CAM below chance on the guitar at blocks.3, blocks.12 and its rectified expansion (peaks off the guitar), 2x at head; LayerCAM ~2x
assert sides == {"stem": (112, 112), "blocks.3": (28, 28), "blocks.12": (7, 7), "head": (7, 7)} and len(layers) == 18
assert [cv.activations(clf, x, n).shape[1] for n in ("blocks.12", "blocks.12.expand.act")] == [192, 1152]     # channels
ratio = {k: {b: v / area[b] for b, v in s.items()} for k, s in share.items()}
assert ratio["Grad-CAM", "blocks.3"]["guitar"] < 0.6 and 1.2 < ratio["Grad-CAM", "blocks.3"]["drum kit"] < 1.4
assert ratio["Grad-CAM", "blocks.12"]["guitar"] < 0.8 and 0.9 < ratio["Grad-CAM", "blocks.12"]["drum kit"] < 1.1
assert peak["Grad-CAM", "blocks.3"] == "drum kit" and peak["Grad-CAM", "blocks.12"] == "split"
assert ratio["Grad-CAM", "head"]["guitar"] > 2 and peak["Grad-CAM", "head"] == "guitar"
assert all(ratio["LayerCAM", layer]["guitar"] > 1.8 and peak["LayerCAM", layer] == "guitar"
           for layer in ["blocks.3", "blocks.12", "head"])
assert cv.config.quick() or f'{ratio["Grad-CAM", "blocks.12.expand.act"]["guitar"]:.1f}' == "0.1" and peak["Grad-CAM", "blocks.12.expand.act"] == "drum kit"

# %% [markdown]
# ## 4. Explore
#
# Move the **layer** slider (early to late) and pick one of the image's top-5 classes in the
# **class** dropdown; switch method, image or model. The figure redraws on every change (the
# controls appear only with a running kernel). The first view: `electric guitar` at `blocks.10`
# (14x14), a layer between section 3's `blocks.3` and `blocks.12` that no other figure shows:
# scattered blobs, its maximum (the cross) on the bass drum rather than on the guitar.

# %%
cv.widgets.gradcam_panel(image="drums_and_guitar", layer="blocks.10", fontsize=13, marks=True)

# %% tags=["check"]
# The first view's maximum lies on the drum kit, not on the guitar
first = cv.gradcam(clf, x, "electric guitar", layer="blocks.10")   # the panel's first view
assert cv.config.quick() or cv.peak_box(first, shown, grid=14) == ["drum kit"]     # read at the 14x14 map's cells

# %% [markdown]
# ## 5. Grad-CAM++, LayerCAM and Score-CAM
#
# - **Grad-CAM++** (Chattopadhay et al. 2018) weights each position's positive gradient with
#   $a_{xy}^{kc} = \frac{g^2}{2g^2 + \sum_{ab} A_k(a,b)\, g^3}$, where
#   $g = g_k(x,y) = \partial S_c/\partial A_k(x,y)$ is the gradient at that position (the closed
#   form follows from the paper's assumptions, the score linear in the layer and $e^{S_c}$ taken as the score; in a
#   piecewise-linear network, ReLU/ReLU6 as in Lite0, the higher-derivative terms vanish, with SiLU or GELU they do not;
#   either way the weights remain a heuristic, not an exact decomposition),
#   and sums them into **one weight per channel**,
#   $w_k^c = \sum_{x,y} a_{xy}^{kc}\,\mathrm{ReLU}(g_k(x,y))$, so that several
#   instances of a class all count.
# - **LayerCAM** (Jiang et al. 2021) keeps a weight per position:
#   $\mathrm{ReLU}\big(\sum_k \mathrm{ReLU}(\partial S_c/\partial A_k(x,y))\, A_k(x,y)\big)$.
#   Jiang et al. built it to get usable maps from *shallow* layers and to fuse maps across
#   layers: section 3's question, where it stayed on the guitar at `blocks.3`.
# - **Score-CAM** (Wang et al. 2020) uses no gradient. Each feature map, upsampled and scaled
#   to [0, 1] ($s(\mathrm{Up}(A_k))$), masks the image $X$:
#   $w_k^c = p_c\big(X \odot s(\mathrm{Up}(A_k))\big) - p_c(X_b)$ and
#   $L^c = \mathrm{ReLU}(\sum_k w_k^c A_k)$, with $p_c$ the softmax **probability** (not the
#   logit). The baseline $X_b$ is the input set to zero *after* normalisation (the training
#   set's mean colour), the colour a mask's zeros fade to. One forward pass per channel.
#   Implementations differ: the paper's algorithm passes the $w_k^c$ through a softmax over the
#   channels; the authors' released code uses the masked image's probability with no baseline
#   and no softmax; pytorch-grad-cam takes a softmax over channels of the logits. This package
#   follows the paper's equation without that softmax, and scores only the 256 channels with
#   the largest mean activation (`max_channels`).
#
# All four are applied below to `drum`, at `head`. Before you run it, predict:

# %% [markdown] choice="06-drum-negative-weights"
# ### Predict, then run
#
# (the builder writes the question and the answer cell)

# %%
scored = cv.config.pick(256, 16)      # channels Score-CAM scores: the 256 most active (16 in quick mode)
drum_maps = {
    "Grad-CAM": cv.gradcam(clf, x, "drum"),
    "Grad-CAM++": cv.gradcam_pp(clf, x, "drum"),
    "LayerCAM": cv.layercam(clf, x, "drum"),
    "Score-CAM": cv.scorecam(clf, x, "drum", max_channels=scored, batch_size=32),
}

# %%
hit = {name: {b: bool(cv.pointing_game(m[0], bx)) for b, bx in shown.items()} for name, m in drum_maps.items()}      # at the pixel
verdict = {name: {b: cv.pointing_outcome(m[0], bx, grid=7)[0] for b, bx in shown.items()} for name, m in drum_maps.items()}  # at the 7x7 cell
xy_d = {name: tuple(reversed(divmod(int(m[0].argmax()), m.shape[-1]))) for name, m in drum_maps.items()}    # (x, y)
cell_px = x.shape[-1] // 7                                                    # input pixels per cell of the 7x7 map
titles = [f"{name}\nmaximum in cell ({xy_d[name][0] // cell_px}, {xy_d[name][1] // cell_px})" for name in drum_maps]
cv.plot.cam_row(clf, x, [m[0] for m in drum_maps.values()], titles, boxes=shown, peaks=True,
                suptitle=f"'drum' at {clf.cam_layer} (7x7, upsampled); cell (column, row) of the 7x7 map, from (0, 0) at the top left",
                cell=3.0, fontsize=12, legend=True)

# %%
on = {b: {name: cv.energy_in_boxes(m, bx).item() for name, m in drum_maps.items()} for b, bx in shown.items()}
hit15 = {name: bool(cv.pointing_game(m[0], drums, tolerance=15)) for name, m in drum_maps.items()}
words = {"hit": "hit", "miss": "miss", "split": "undefined (a cell on the box's edge)"}
for name in drum_maps:
    print(f"'drum' {name:10s}: {on['drum kit'][name]:4.0%} on the drum kit ({on['drum kit'][name] / area['drum kit']:.1f}x "
          f"chance), {on['guitar'][name]:4.0%} on the guitar ({on['guitar'][name] / area['guitar']:.1f}x); pointing game "
          f"on the drum kit: {words[verdict[name]['drum kit']]}; with 15 px tolerance: {'hit' if hit15[name] else 'miss'}")

# %% [markdown]
# **What to look at:** mass and peak tell different stories. All four put most of the `drum`
# map on the drum kit, but Grad-CAM++ and LayerCAM only just above chance (1.1x, against
# 1.3x for Grad-CAM and 1.4x for Score-CAM), and their hot region moves: the red blob leaves
# the toms and sits low on the guitar's body, where it meets the bass drum. Their maximum is
# the 7x7 cell on the drum/guitar boundary (x = 128 to 159), on the drum kit box's edge: undefined
# (printed above); at the pixel it misses `drum`, as in notebook 08. Grad-CAM and Score-CAM keep
# their maximum in the drum kit's upper box, between the two toms. With Zhang et al.'s 15-pixel tolerance all four would count as
# hits: at a box's edge a coarse map's verdict hangs on a few pixels; the visible move of the
# red blob is the robust finding.
#
# Why do Grad-CAM++ and LayerCAM drift to the guitar at this layer? At the last layer of a
# GAP + linear head the gradient is the same at every position,
# $\partial S_c/\partial A_k(x,y) = w_k^c/hw$, so "a weight per position" changes nothing:
# LayerCAM's weight becomes $\mathrm{ReLU}(w_k^c)/hw$ and Grad-CAM++'s
# $hw\,a^{kc}\,\mathrm{ReLU}(w_k^c/hw)$, one number per channel, **zero for every channel
# whose weight is negative**. Grad-CAM keeps those channels: where a channel that votes
# *against* `drum` fires (on the guitar), it cancels the positive evidence. LayerCAM and
# Grad-CAM++ drop the votes against, so whatever positive evidence the guitar carries shows.
# The cell below checks both closed forms against the package's maps. Score-CAM, which asks
# "does showing this region alone raise p(drum)?", stays on the drums.
#
# Why do the Grad-CAM++ and LayerCAM panels look the same? With a constant gradient the
# pixel weight becomes $a^{kc} = 1/(2 + w_k^c \bar A_k)$ ($\bar A_k$ the channel's mean), and
# $w_k^c \bar A_k$ is small here, so $a^{kc}$ stays between 0.41 and 0.5 for every channel it
# keeps (printed below): Grad-CAM++ is LayerCAM times a nearly constant factor, the same map
# up to scale. It differs where the gradient varies over positions: section 7 shows both at
# `blocks.12`. The photo does hold several `drum` instances (two toms, a bass drum), but at
# `head` Grad-CAM++ is LayerCAM up to a factor, so its multi-instance weighting cannot show here.

# %% tags=["check"]
# 'drum': Grad-CAM, Score-CAM >1.25x chance on the drum kit, peak there; Grad-CAM++, LayerCAM 1.0-1.2x, peak pixel on the guitar, its cell on the box edge
ratio_d = {name: v / area["drum kit"] for name, v in on["drum kit"].items()}
assert ratio_d["Grad-CAM"] > 1.25 and hit["Grad-CAM"]["drum kit"] and not hit["Grad-CAM"]["guitar"] and verdict["Grad-CAM"]["drum kit"] == "hit"
for name in ("Grad-CAM++", "LayerCAM"):
    assert 1.0 < ratio_d[name] < 1.2 and on["drum kit"][name] > 0.6 and hit[name]["guitar"] and not hit[name]["drum kit"]
    assert verdict[name]["drum kit"] == "split"
    assert on["guitar"][name] > 1.5 * on["guitar"]["Grad-CAM"]
assert all(hit15.values())
if not cv.config.quick():                                       # Score-CAM scores 16 channels in quick mode
    assert ratio_d["Score-CAM"] > 1.3 and hit["Score-CAM"]["drum kit"] and on["guitar"]["Score-CAM"] < on["guitar"]["Grad-CAM"]
    assert verdict["Score-CAM"]["drum kit"] == "hit"

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

# %%
# at the head, Grad-CAM++ is LayerCAM times a nearly constant factor: its pixel weight a barely varies
kept = a_kc[w > 0]
corr = torch.corrcoef(torch.stack([pp.flatten(), layercam_by_hand.flatten()]))[0, 1]
print(f"Grad-CAM++'s pixel weight a on the kept channels: {kept.min():.2f} to {kept.max():.2f}; "
      f"correlation of its map with LayerCAM's: {corr:.4f}")
assert 0.4 < kept.min() and kept.max() < 0.5 + 1e-6 and corr > 0.99

# %% [markdown]
# ## 6. Guided Grad-CAM, and why its fine detail is not evidence
#
# Grad-CAM is class specific but coarse (7x7 at the head); guided backpropagation
# (notebook 01) is sharp but hardly class specific. Selvaraju et al. 2017 multiply the two,
# pixel by pixel:
# $\text{Guided Grad-CAM}_c = G_c(x) \odot \mathrm{upsample}\big(L^c_{\text{Grad-CAM}}\big)$.
# One call explains both classes; the two figures (one per class) show guided backpropagation
# alone beside the product, so the effect of the Grad-CAM factor is visible.

# %%
pair = [["electric guitar", "drum"]]
both = cv.guided_gradcam(clf, x, pair)          # (1, 2, 3, H, W): two classes, one call
gb = cv.guided_backprop(clf, x, pair)           # the sharp factor alone, same shape
for i, name in enumerate(pair[0]):              # one figure per class; each panel's 95th percentile is white
    display(cv.plot.guided_gradcam_row(x, gb[0, i:i + 1], both[0, i:i + 1], [name], clf, boxes=shown, cell=3.6,
                                       fontsize=12, percentile=95))

# %%
lines = []
for name, a in [("guided backprop", gb), ("Guided Grad-CAM", both)]:
    g_s, d_s = cv.energy_in_boxes(a, guitar)[0], cv.energy_in_boxes(a, drums)[0]   # |value| summed over RGB
    lines.append(f"{name:15s}: 'electric guitar' {g_s[0]:4.0%} on the guitar ({g_s[0] / area['guitar']:.1f}x chance); "
                 f"'drum' {d_s[1]:4.0%} on the drum kit ({d_s[1] / area['drum kit']:.1f}x chance)")
same = cv.plot.map_correlation(gb[0, 0], gb[0, 1])
phase = cv.plot.phase_ratio(gb[0, 0])
phase_gg = cv.plot.phase_ratio(both[0, 0])
print("\n".join(lines + [f"guided backprop, 'electric guitar' vs 'drum': correlation {same:.2f}; phase ratio {phase:.2f}",
                         f"Guided Grad-CAM, 'electric guitar': phase ratio {phase_gg:.2f}"]))

# %%
cv.plot.phase_tables({"Guided Grad-CAM:\n'electric guitar'": both[0, 0],
                      "guided backprop:\n'electric guitar'": gb[0, 0]}, period=2, cell=3.0, fontsize=12, values=True)

# %% [markdown]
# **What to look at:** guided backpropagation alone (the second panel of each figure) draws
# nearly the same picture for both classes (correlation 0.93): the rims and the centre of the
# bass drum, the toms, and grain everywhere, only 1.2x chance on either class's object; even
# for `electric guitar` it is brightest on the bass drum. Multiplied by Grad-CAM (third
# panels), each class keeps that grain only where its coarse map is: the `electric guitar`
# product mostly on the guitar's body (2.3x chance), with the bass drum's right half still visible, where the
# coarse map spills over it; the `drum` product on the drums (1.5x).
# Part of the fine detail is not the photo: stride-2 convolutions leave a checkerboard in
# gradients (Odena et al. 2016), the four pixels of each 2x2 block weighted unequally. Pixel by
# pixel it drowns in noise; averaging each of the four pixel phases (row and column even or odd)
# shows it. The two tables just above give each phase's mean |value| over the map's mean: in
# both maps the even-row, even-column phase (0, 0) is the strongest, about 1.6 times the weakest
# (the phase ratio, printed above). The panels show the largest |value| over the three colour
# channels (one grey level per pixel); the shares and the tables sum |value| over them (all the
# channels' mass). The cell below asks what a map *without* a grid would score, and whether the
# grid stays on the pixel lattice when the photo moves.

# %%
null = cv.plot.phase_ratio_null(gb[0, 0])           # 20 copies, pixels shuffled within each 16x16 tile: no phase kept
null_gg = cv.plot.phase_ratio_null(both[0, 0])      # the same for Guided Grad-CAM
shifted = torch.roll(x, shifts=(1, 1), dims=(-2, -1))                     # the photo moved 1 px down and right
means, means_shifted = cv.plot.phase_means(gb[0, 0]), cv.plot.phase_means(cv.guided_backprop(clf, shifted, "electric guitar")[0])
print("\n".join([f"guided backprop, whole image: phase ratio {phase:.2f}; tile-shuffled copies {null.min():.2f} to {null.max():.2f}",
                 f"Guided Grad-CAM, whole image: phase ratio {phase_gg:.2f}; tile-shuffled copies {null_gg.min():.2f} to {null_gg.max():.2f}"]
                + [f"guided backprop, phase (row, column) mean / the largest, {label}: " + ", ".join(
                    f"({r},{c}) {m[r, c] / m.max():.2f}" for r in range(2) for c in range(2))
                   for label, m in [("photo as is", means), ("photo shifted 1 px", means_shifted)]]))

# %% [markdown]
# **What to conclude:** a map with the same values but no phase (pixels shuffled within
# small tiles) scores at most 1.05, so 1.6 is well above what chance gives. And when the photo moves one pixel down and
# right, its content moves to the opposite phase, yet the four phase means hardly change and
# the strongest stays (0, 0): the grid is tied to the pixel lattice of the network's stride-2 layers, not to the picture.
#
# **Beware the fine detail.** Adebayo et al. (2018) showed that guided backpropagation
# hardly changes when the model's weights are randomised: it behaves like an edge detector
# of the image, not a read-out of the model. Notebook 08 runs that sanity check on this
# network, and guided backpropagation fails it. So in Guided Grad-CAM the class comes almost
# entirely from the Grad-CAM factor; the sharp texture does not tell you what the class needs.

# %% tags=["check"]
# Guided backprop alone: one picture for both classes, near chance; phase ratios near 1.6, far above shuffled copies; the products 1.4x chance and more
g_gb, d_gb = cv.energy_in_boxes(gb, guitar)[0, 0] / area["guitar"], cv.energy_in_boxes(gb, drums)[0, 1] / area["drum kit"]
g_gg, d_gg = cv.energy_in_boxes(both, guitar)[0, 0] / area["guitar"], cv.energy_in_boxes(both, drums)[0, 1] / area["drum kit"]
assert same > 0.9 and g_gb < 1.3 and d_gb < 1.3 and 1.5 < phase < 1.7 and 1.5 < phase_gg < 1.6
assert bool(cv.pointing_game(gb[0, :1], [drums])[0])     # guided backprop for 'electric guitar': brightest on a drum
assert null.max() < 1.1 and null_gg.max() < 1.1 and phase > null.max() + 0.4 and phase_gg > null_gg.max() + 0.4
assert max(null.max(), null_gg.max()) < 1.055 or cv.config.quick()            # "at most 1.05"
assert means.argmax() == 0 and means_shifted.argmax() == 0 or cv.config.quick()      # phase (0, 0) strongest, shifted or not
assert cv.plot.phase_means(both[0, 0]).argmax() == 0 or cv.config.quick()           # also in the product
assert g_gg > 2 and d_gg > 1.4 and g_gg > g_gb + 0.5 and d_gg > d_gb + 0.2

# %% [markdown]
# ## 7. HiResCAM (gradient times activation, position by position) and XGrad-CAM (an activation-weighted average)
#
# Grad-CAM's weight $\alpha_k^c$ is the gradient **averaged** over positions. Two variants
# keep more of where the gradient is:
#
# - **HiResCAM** (Draelos & Carin 2020) multiplies gradient and activation element-wise,
#   $L^c_{\text{HiResCAM}}(x,y) = \mathrm{ReLU}\big(\sum_k \frac{\partial S_c}{\partial A_k(x,y)}\,A_k(x,y)\big)$.
#   Grad-CAM can light up a position whose own gradient says "less of this, please",
#   because the gradient there was replaced by the channel's average.
# - **XGrad-CAM** (Fu et al. 2020) averages the gradient weighted by where the channel is
#   active, $w_k^c = \sum_{x,y} \frac{A_k(x,y)}{\sum_{x',y'} A_k(x',y')}\,\frac{\partial S_c}{\partial A_k(x,y)}$:
#   still **one weight per channel**, the weights that come closest to satisfying its
#   sensitivity and conservation axioms (they minimise the axioms' violation; they do not
#   satisfy them exactly in general).
#
# At the last layer of a GAP + linear network the gradient is the same at every position
# ($w_k^c / hw$), so all three maps are identical, and HiResCAM's signed map sums exactly to
# $S_c - b_c$: the map *is* the score, split over positions. That sum-to-score property needs
# only that the score be linear in the layer read: one linear layer after it, after GAP *or*
# after a flatten (Draelos & Carin's main case is flatten + one fully connected layer, where
# HiResCAM stays exact and differs from Grad-CAM; section 10 checks it on a small network).
# The equality with Grad-CAM needs the GAP as well. In this network it holds at `head` only:
# every earlier layer has nonlinear layers after it.

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
# Earlier in the network they part ways. Back to `electric guitar` at `blocks.12`, where
# Grad-CAM left the guitar (its Grad-CAM and LayerCAM panels repeat section 3's maps):

# %%
mid = {name: fn(clf, x, "electric guitar", layer="blocks.12") for name, fn in
       [("Grad-CAM", cv.gradcam), ("XGrad-CAM", cv.xgradcam), ("Grad-CAM++", cv.gradcam_pp), ("HiResCAM", cv.hirescam),
        ("LayerCAM", cv.layercam)]}
cv.plot.cam_row(clf, x, [m[0] for m in mid.values()], list(mid), boxes=shown, peaks=True,
                suptitle="'electric guitar' at blocks.12 (7x7, upsampled)", cell=3.0, fontsize=12, legend=True)

# %%
on_g = {name: cv.energy_in_boxes(m, guitar).item() for name, m in mid.items()}
on_k = {name: cv.energy_in_boxes(m, drums).item() for name, m in mid.items()}                # on the drum kit
xy_mid = {name: tuple(reversed(divmod(int(m[0].argmax()), m.shape[-1]))) for name, m in mid.items()}   # (x, y)
own = cv.hirescam(clf, x, "electric guitar", layer="blocks.12", upsample=False, relu=False)   # signed
coarse = cv.gradcam(clf, x, "electric guitar", layer="blocks.12", upsample=False)
against = (coarse * (own < 0)).sum() / coarse.sum()
total_a = cv.activations(clf, x, "blocks.12")[0].sum(dim=(1, 2))          # sum of A_k over positions, per channel
print("\n".join([f"{k:10s}: {on_g[k]:4.0%} on the guitar ({on_g[k] / area['guitar']:.1f}x chance), {on_k[k]:4.0%} on the "
                 f"drum kit ({on_k[k] / area['drum kit']:.1f}x), maximum at (x, y) = {xy_mid[k]}" for k in mid] + [
    f"{against:.0%} of Grad-CAM's map lies where gradient x activation is negative",
    f"{int((total_a < 0).sum())} of blocks.12's {len(total_a)} channels have a negative sum of activations"]))

# %% tags=["check"]
# blocks.12: HiResCAM >2x chance on the guitar, LayerCAM >1.8x; Grad-CAM, XGrad-CAM and Grad-CAM++ below chance; 40-50 % where gxa < 0
assert on_g["HiResCAM"] > 2 * area["guitar"] and on_g["LayerCAM"] > 1.8 * area["guitar"]
assert all(on_g[k] < 0.8 * area["guitar"] for k in ("Grad-CAM", "XGrad-CAM", "Grad-CAM++")) and 0.4 < against < 0.5
assert all(bool(cv.pointing_game(mid[k][0], guitar)) for k in ("HiResCAM", "LayerCAM"))
assert not any(bool(cv.pointing_game(mid[k][0], guitar)) for k in ("Grad-CAM", "XGrad-CAM", "Grad-CAM++"))
if not cv.config.quick():                                           # the printed ratios and positions (trained weights)
    assert 1.2 < on_k["XGrad-CAM"] / area["drum kit"] < 1.35
    assert all(0.85 < on_k[k] / area["drum kit"] < 1.05 for k in ("Grad-CAM", "Grad-CAM++"))
    assert all(xy_mid[k][0] == 0 for k in ("Grad-CAM", "XGrad-CAM", "Grad-CAM++")) and int((total_a < 0).sum()) == 91

# %% [markdown]
# **Reading the figure:** on this image HiResCAM brings the `electric guitar` map back to
# the guitar (over 2x chance, maximum on the guitar's body), and so does LayerCAM. Nearly
# half of Grad-CAM's map (46 %) sits on positions where gradient times activation is *negative*:
# there, to first order, more of the features would lower the guitar's score. Several
# channels act at each position: there $\sum_k \alpha_k A_k(x,y) > 0$ (the channels'
# *average* gradients times the activations) while $\sum_k g_k(x,y)\,A_k(x,y) < 0$ (each
# position's own gradients $g_k(x,y) = \partial S_c/\partial A_k(x,y)$), so Grad-CAM paints
# them hot. That is Draelos & Carin's point. At `head` HiResCAM is exactly the score split
# over positions (the check above); at `blocks.12`, with four nonlinear layers after it
# (`blocks.13` to `blocks.15` and `head`), gradient times activation is only a first-order
# approximation of each position's contribution, but one that keeps each position's own
# gradient. It is not a local account either: the depthwise convolutions in those blocks mix
# neighbouring positions, so a position's features also act through its neighbours.
#
# XGrad-CAM and Grad-CAM++ do not help here: their weights are still one number per channel
# (the gradient averaged where the channel is active; the positive gradients summed with the
# pixel weights $a$), and both maps leave the guitar as Grad-CAM's does (below chance on it).
# Where they go differs: XGrad-CAM's hot band lies across the small tom at the top left
# (1.3x chance on the drum kit), Grad-CAM and Grad-CAM++ stay near chance on the drum kit
# (1.0x and 0.9x); all three have their maximum in column 0 of the 7x7 map (x = 0 to 31), on the
# drum kit box's left edge: undefined; none peaks on the guitar.
#
# A caveat for Grad-CAM++ here: its formula assumes rectified activations, and `blocks.12`'s
# output (a linear projection plus the skip connection) is not rectified: 91 of its 192
# channels have a negative sum $\sum_{ab} A_k(a,b)$ (printed above), and in such a channel a
# positive gradient above $2/|\sum_{ab} A_k(a,b)|$ makes the pixel weight $a$ negative.
#
# Here, where the gradient varies over positions, Grad-CAM++ and LayerCAM part: only the
# per-position methods, HiResCAM and LayerCAM, stay on the guitar. The investigation in
# section 12 asks you to find a second case.
#
# ## 8. EigenCAM: the first singular vector, and no class at all
#
# EigenCAM (Muhammad & Yeasin 2020) uses no gradient and no score. Write the layer's output
# as a matrix $M$ of $hw$ positions by $C$ channels, take its singular value decomposition
# $M = U \Sigma V^\top$ and project on the first right singular vector:
# $L_{\text{EigenCAM}} = M v_1$. The paper calls it the first principal component. This
# package, following the paper's formula, does not centre $M$, so $v_1$, the first
# *singular* direction, mostly follows the average activation. pytorch-grad-cam, the most
# used implementation, subtracts each channel's mean first (a true first principal
# component: `center=True` here), so its map can differ from this one (compared below). It
# shows what dominates the layer's activations, **whatever the class**: asked for
# `electric guitar` and for `drum`, it returns the same map.

# %%
eig, grad = cv.eigencam(clf, x, pair), cv.gradcam(clf, x, pair)          # (1, 2, H, W) each
cv.plot.cam_row(clf, x, [grad[0, 0], grad[0, 1], eig[0, 0], eig[0, 1]],
                ["Grad-CAM: electric guitar", "Grad-CAM: drum", "EigenCAM: electric guitar", "EigenCAM: drum"],
                suptitle=f"class-specific vs class-agnostic, at {clf.cam_layer} (7x7, upsampled)", boxes=shown,
                peaks=True, cell=3.0, fontsize=12, legend=True)

# %%
g_eig, d_eig = cv.energy_in_boxes(eig, guitar)[0, 0].item(), cv.energy_in_boxes(eig, drums)[0, 0].item()
peak_eig = cv.peak_box(eig[0, 1], shown, grid=7)[0]                                  # at the 7x7 cell
xy_eig = tuple(reversed(divmod(int(eig[0, 1].argmax()), eig.shape[-1])))           # (x, y) of the maximum
print(f"EigenCAM (either class): {g_eig:.0%} on the guitar ({g_eig / area['guitar']:.1f}x chance), {d_eig:.0%} on "
      f"the drum kit ({d_eig / area['drum kit']:.1f}x chance); maximum at (x, y) = {xy_eig}, maximum in: {said.get(peak_eig, peak_eig)}")
centred = cv.eigencam(clf, x, "drum", center=True)[0]                                # channel means removed first
eig_corr = torch.corrcoef(torch.stack([centred.flatten(), eig[0, 1].flatten()]))[0, 1]
xy_c = tuple(reversed(divmod(int(centred.argmax()), centred.shape[-1])))
print(f"centred EigenCAM (as pytorch-grad-cam): correlation with the uncentred map {eig_corr:.2f}, maximum at (x, y) = {xy_c}")

# %% tags=["check"]
# EigenCAM: the same map for both classes, maximum in a cell on a box edge, above chance on the guitar and below it on the drum kit
assert torch.equal(eig[0, 0], eig[0, 1])
assert peak_eig == "split" and g_eig > 1.5 * area["guitar"] and d_eig < area["drum kit"]
assert 142 < xy_eig[0] < 150 and guitar[1][1] < xy_eig[1], xy_eig     # just right of the overlap strip (x = 132 to 142)
assert 0.9 < eig_corr < 0.99 and xy_c != xy_eig and cv.peak_box(centred, shown, grid=7) == ["guitar"]

# %% [markdown]
# **Reading the figure:** Grad-CAM moves from the guitar to the drum kit with the class;
# EigenCAM does not move. Its hot region is the guitar body's left half, the region that dominates
# the head's activations; it is above chance on the guitar and below it on the drum kit
# (the printed ratios). Its maximum (the same for both classes) is in the boundary cell
# (x = 128 to 159), so the pointing-game verdict is undefined. The centred version (pytorch-grad-cam's)
# is similar on this image (correlation 0.97) but puts its maximum elsewhere on the guitar's
# body (printed above): the two implementations can disagree on the peak. The first singular
# direction of a layer's activations is "what this layer responds to most", not "what this
# class needs". Use EigenCAM to see what a layer attends to, never to explain one class.
#
# ## 9. Ablation-CAM: remove a channel, watch the score
#
# Ablation-CAM (Desai & Ramaswamy 2020) needs no gradient either: it sets channel $k$ of the
# layer to zero and records the drop of the class logit $y_c$,
# $w_k^c = \frac{y_c - y_c^{k}}{|y_c|}$, $L^c = \mathrm{ReLU}(\sum_k w_k^c A_k)$. The paper
# divides by $y_c$; the package divides by $|y_c|$, because a negative logit would flip the
# sign of every weight and the ReLU would then keep the evidence *against* the class. That is
# one ablation per channel (1280 here): cheap at `head`, where only the pooling and the
# classifier run again, expensive early in the network, where each copy reruns most of it.
# The two maps of each class side by side:

# %%
abl = cv.ablationcam(clf, x, pair)              # (1, 2, H, W): both classes from the same ablations
cv.plot.cam_row(clf, x, [grad[0, 0], abl[0, 0], grad[0, 1], abl[0, 1]],
                ["Grad-CAM: electric guitar", "Ablation-CAM: electric guitar", "Grad-CAM: drum", "Ablation-CAM: drum"],
                suptitle=f"gradient vs ablation weights, at {clf.cam_layer} (7x7, upsampled)", boxes=shown, peaks=True,
                cell=3.0, fontsize=12, legend=True)

# %%
# the hottest 20 % of the pixels of each map (both classes at once), then intersection over union
a = abl[0] >= abl[0].flatten(-2).quantile(0.8, dim=-1)[..., None, None]
b = grad[0] >= grad[0].flatten(-2).quantile(0.8, dim=-1)[..., None, None]
iou = (a & b).sum(dim=(-2, -1)) / (a | b).sum(dim=(-2, -1))
print("overlap (IoU) of the top-20% regions, Ablation-CAM vs Grad-CAM: electric guitar {:.2f}, drum {:.2f}".format(
    *iou.tolist()))

# %% tags=["check"]
# Ablation-CAM and Grad-CAM are similar at the head: IoU of the hottest fifth above 0.6 for both classes; the printed IoUs
assert (iou > 0.6).all() and f"{iou[0]:.2f}" == "0.95" and f"{iou[1]:.2f}" == "0.81" or cv.config.quick()

# %% tags=["check"]
# The ablations are batched: the plain image first, then one un-ablated control copy plus one ablated copy per channel
with cv.capture(clf, "classifier") as cap_one:
    cv.ablationcam(clf, x, "drum", progress=False)
rows, channels = [o.shape[0] for o in cap_one.outputs["classifier"]], cv.activations(clf, x, clf.cam_layer).shape[1]
assert rows[0] == 1 and sum(rows[1:]) == channels + 1, rows

# %% tags=["check"]
# At the head Ablation-CAM has a closed form: weight w_k * mean(A_k) / |y_c| (Grad-CAM's weight is w_k / 49)
A = cv.activations(clf, x, clf.cam_layer)[0]                                           # (1280, 7, 7)
head = cv.attribution.find_gap_linear_head(clf).linear
for i, name in enumerate(pair[0]):
    c = clf.class_index(name)
    weight = head.weight[c] * A.mean(dim=(1, 2)) / clf.logits(x)[0, c].abs()
    by_hand = (weight[:, None, None] * A).sum(0).clamp_min(0)
    assert torch.allclose(cv.ablationcam(clf, x, name, upsample=False, progress=False)[0], by_hand, atol=1e-4)

# %% [markdown]
# **Reading the figure:** at the last layer, removing a channel and following its gradient
# give similar maps: the hottest fifth of each Ablation-CAM map overlaps Grad-CAM's (IoU 0.95
# for `electric guitar`, 0.81 for `drum`). The closed form at `head` says why they are
# similar and why they need not agree: with a GAP + linear head, zeroing channel $k$ lowers
# the logit by exactly $w_k^c \bar A_k$ ($\bar A_k$ the channel's mean), so Ablation-CAM's
# weight is $w_k^c \bar A_k / |y_c|$, Grad-CAM's weight $w_k^c/hw$ times a factor
# $hw\,\bar A_k/|y_c|$ that differs from channel to channel (the collapsed check cell above
# verifies it). Same signs, same feature maps, so similar maps; but channels active on
# average count more, so the two can differ. For `drum` they do: Ablation-CAM weakens the
# red stripe on the bass drum's left, leaves the bass drum's centre colder, and makes the large
# tom's warm area a distinct hot spot (IoU 0.81, not 1). The closed form says nothing about
# *earlier* layers, where the layers after the one read are nonlinear. The cost differs too:
# here Ablation-CAM's copies run only the pooling and the classifier after `head`, but at a
# layer early in the network every copy would run most of the network, once per channel.

# %% [markdown]
# ## 10. On your own model
#
# Every function above also takes a plain `nn.Module` (in eval mode) and a preprocessed
# batch: `cv.gradcam(net, x, target, layer="...")`, with `target` a class index. `layer` is
# a module's name as `net.named_modules()` lists it. Without it the package reads the last
# layer with a spatial output before the final pooling (Selvaraju et al.'s "last
# convolutional layer"); for a network without GAP, name the last convolutional block
# yourself. For torchvision models: ResNet-50 `layer="layer4"` (7x7, 2048 channels), VGG16
# `layer="features.29"` (the ReLU after conv5_3, 14x14). If torchvision's pretrained weights are not
# available (offline), no pretrained map is shown; section 11 shows VGG16 when they are.
# Below, a small untrained network that ends in **flatten + one linear layer** (no
# GAP): at its last ReLU (`"3"`) HiResCAM's signed map still sums to the logit minus its
# bias, and Grad-CAM's map differs from it (section 7).

# %%
torch.manual_seed(0)
net = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3, stride=2, padding=1), torch.nn.ReLU(),
                          torch.nn.Conv2d(8, 16, 3, stride=2, padding=1), torch.nn.ReLU(),
                          torch.nn.Flatten(), torch.nn.Linear(16 * 8 * 8, 10)).eval()
x_small = torch.rand(1, 3, 32, 32)
k = int(net(x_small).argmax())                                                 # its top class
own_sum = cv.hirescam(net, x_small, k, layer="3", upsample=False, relu=False).sum()
same_map = torch.allclose(cv.hirescam(net, x_small, k, layer="3"), cv.gradcam(net, x_small, k, layer="3"), atol=1e-6)
print(f"flatten + linear: HiResCAM's signed map sums to {own_sum:.4f}, logit minus bias = "
      f"{net(x_small)[0, k] - net[5].bias[k]:.4f}; Grad-CAM's map equals HiResCAM's: {same_map}")

# %% tags=["check"]
# With flatten + one linear layer, HiResCAM's signed map sums to the logit minus its bias, and Grad-CAM differs
assert torch.allclose(own_sum, net(x_small)[0, k] - net[5].bias[k], atol=1e-5) and not same_map

# %% [markdown]
# ## 11. Optional: architecture shapes the maps
#
# Two things depend on the architecture. *Resolution*: VGG16's Grad-CAM layer, conv5_3
# before its fifth max-pool (the layer Selvaraju et al. use), gives a 14x14 map at 224 px,
# 16 pixels per cell, against 7x7 (32 pixels per cell) for ResNet-50 and Lite0. *Texture*:
# VGG downsamples with max-pools, Lite0 with stride-2 convolutions, whose backward pass
# covers even and odd pixels unequally (the checkerboard of section 6). Predict before running it
# with the weights: is VGG16's phase ratio lower than Lite0's? Max-pool's backward pass also routes
# gradient on a fixed 2x2 lattice (to each window's largest pixel), so the answer is not obvious,
# and only a run with VGG16's pretrained weights can answer it: the comparison appears only when they are present.

# %%
vgg = cv.load_classic("vgg16", shows="Grad-CAM and guided backpropagation of VGG16 beside EfficientNet-Lite0", device=DEVICE)
if vgg:                                                # map sizes follow each network's stride
    nets = [vgg] + ([cv.load_model("resnet50", device=DEVICE)] if cv.classic_available("resnet50") else []) + [clf]
    size = cv.config.pick(224, 128)                    # 224-pixel input (128 in quick mode)
    results = cv.plot.architecture_maps(nets, cv.sample_image("drums_and_guitar"), "electric guitar", size=size)
    display(cv.plot.cam_architectures(results, "electric guitar"))
    print("\n".join(f"{r.classifier.name:20s} {r.layer:12s} map {r.grid[0]}x{r.grid[1]}  phase ratio {r.phase_ratio:.2f}"
                    for r in results))

# %% tags=["check"]
# With VGG16's weights: map sizes follow each network's stride; phase ratios compared
if vgg:
    stride = {"vgg16": 16, "resnet50": 32, "efficientnet_lite0": 32}   # input pixels per map cell
    assert all(r.grid == (size // stride[r.classifier.name],) * 2 for r in results)
    ratio_arch = {r.classifier.name: r.phase_ratio for r in results}
    assert cv.config.quick() or ratio_arch["efficientnet_lite0"] > 1.3 and ratio_arch["vgg16"] < ratio_arch["efficientnet_lite0"]

# %% [markdown]
# ## Pitfalls: when these maps mislead
#
# - **Shares without chance.** A box covering 57 % of the image gets 57 % of a uniform map:
#   compare every share with the box's area, and look where the maximum falls.
# - **Plausible is not faithful.** Box share and pointing game test agreement with a human box
#   (plausibility), not faithfulness: a map that leaves the box may still show what the model
#   used (`stage`, with no object of its own, spreads over the context). To test faithfulness, delete, insert or occlude the
#   highlighted pixels (notebooks 07 and 08).
# - **The wrong layer.** Grad-CAM can be computed anywhere, but before the last layers it can
#   leave the object (section 3). Read it at the last convolutional layers, at rectified
#   activations where possible (its reading assumes activations >= 0; block outputs here are
#   not rectified; on this image, reading a rectified layer at about the same depth did not help), and check another
#   layer before trusting a surprise.
# - **Negative evidence dropped.** Grad-CAM++ and LayerCAM zero every vote against the
#   class, so their peak can move to another object (section 5). Grad-CAM's own final ReLU
#   hides negative evidence too: the Grad-CAM paper's *counterfactual* maps (the weights'
#   signs flipped, $-\partial S_c/\partial A$) show where the evidence against the class lies.
#   At `head` that map is $\mathrm{ReLU}(-M_c)/49$: for `electric guitar` on this photo its mass is
#   0.3 % of the positive map's (printed in section 2), so little is hidden here.
# - **Saturation.** Once a unit is saturated, more of a feature no longer changes the score,
#   and the gradient there is near zero even where the feature matters (Score-CAM and
#   Ablation-CAM were built to avoid relying on it). Notebook 01 shows it on this network,
#   with integrated gradients.
# - **Baselines.** Score-CAM compares the masked image with a baseline (here the mean
#   colour: zero after normalisation), Ablation-CAM replaces a channel by zero: another
#   baseline or ablation value (black pixels, a blur) gives other weights.
# - **Grad-CAM++'s closed form** rests on the paper's assumptions (score linear in the layer, $e^{S_c}$ as the
#   score); the higher-derivative terms vanish only in a piecewise-linear network (ReLU/ReLU6, as in Lite0), not
#   with SiLU or GELU; either way its weights are a heuristic, not an exact decomposition of the score.
# - **Sign of EigenCAM.** A singular vector's sign is arbitrary: unless it is fixed, the map
#   can come out inverted. The package picks $v_1$ with a non-negative channel sum; other
#   implementations leave it to the SVD routine.
# - **Sharp is not faithful.** Guided backpropagation, and with it Guided Grad-CAM's detail,
#   fails the randomisation sanity check (Adebayo et al. 2018; notebook 08). Grad-CAM itself
#   *passes* it in their experiments (its map changes when the weights are randomised): do
#   not condemn the whole family for guided backpropagation's failure.
# - **Coarse maps.** A 7x7 map upsampled bilinearly is blurred over 32-pixel cells; its peak
#   can land between two objects, and a pointing-game verdict at a box's edge hangs on pixels. An upsampled
#   map's maximum always lands beside a cell centre or in the flat 16-pixel strip along the border (where `argmax`
#   breaks the ties by index): read it as a cell of the 7x7 map.
# - **Each map is stretched from its own minimum to its own maximum** for display: a faint
#   class looks as sure as the top-1, and the coldest colour is not zero. Compare raw values
#   or probabilities, not colours, across classes.
# - **Logit vs probability.** These maps explain the logit $S_c$. The softmax probability
#   also falls when *other* classes rise, and it saturates near 1, where its gradient vanishes.
# - **Several instances** of a class: Grad-CAM's average weight can favour the largest one;
#   Grad-CAM++ was designed to count all of them. This photo has several drums, but at `head`
#   Grad-CAM++ is LayerCAM up to a factor (section 5), so that weighting cannot show here.
# - **Class-agnostic maps.** EigenCAM returns the same map for every class (section 8).

# %% [markdown]
# ## 12. Investigation: find Grad-CAM pointing away from the object
#
# At `blocks.12` Grad-CAM's `electric guitar` map left the guitar: less of it on the guitar
# than a uniform map would put there, and its maximum elsewhere. Find another case: an image
# (a sample image, `cv.sample_images()`, or your own photo via `cv.load_image(path)`), a
# class among its top-5, a box around the object that class names, and a layer where the
# Grad-CAM map does worse than chance on that box. `cv.plot.cam_by_layer` (with `boxes=`)
# helps you scan the layers first. Then say, in one sentence each, what the per-position map
# (HiResCAM or LayerCAM) says instead, and how you would test which of the two is faithful.

# %% [markdown]
# ### Exercise: Grad-CAM pointing away from the object (an investigation)
#
# Fill in your case below and run the check. It passes when two things hold for the Grad-CAM
# map of `my_class` at `my_layer`: its share inside `my_box` is **below the box's area** (a
# uniform map never passes), and its **maximum lies outside** the box (the pointing game,
# read at the cells of the layer's map as in section 2, misses). It prints the share as a multiple of chance, and its hints say what to change
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
# 'espresso' at blocks.12 (head: the reference): Grad-CAM leaves the cup, the per-position maps (HiResCAM, LayerCAM) stay on it.
# Which is faithful is a test, not a look: delete each map's hottest pixels first and compare how fast p(espresso) falls (notebook 08).
cup, box = clf.preprocess(cv.sample_image("coffee")), cv.sample_boxes("coffee")["espresso"][0]
assert cv.exercises.check_wrong_object(clf, cup, "espresso", box, layer="blocks.12")
chance, lines, cup_maps = cv.energy_in_boxes(torch.ones(cup.shape[-2:]), [box]).item(), ["top-1 class: {1} (p = {2:.0%})".format(*clf.predict(cup, k=1)[0])], {}
for name, fn, at in [("Grad-CAM", cv.gradcam, "blocks.12"), ("Grad-CAM (reference)", cv.gradcam, "head"), ("XGrad-CAM", cv.xgradcam, "blocks.12"),
                     ("Grad-CAM++", cv.gradcam_pp, "blocks.12"), ("HiResCAM", cv.hirescam, "blocks.12"), ("LayerCAM", cv.layercam, "blocks.12")]:
    cup_maps[f"{name.split(' ')[0]}:\n{at}"] = (m := fn(clf, cup, "espresso", layer=at))[0]
    lines.append(f"{name} at {at}: {cv.energy_in_box(m, box).item() / chance:.1f}x chance, pointing game: {words[cv.pointing_outcome(m, [box], grid=7)[0]]}")
print("\n".join(lines))
display(cv.plot.cam_row(clf, cup, list(cup_maps.values()), list(cup_maps), boxes={"espresso": [box]}, peaks=True, cell=2.6, fontsize=12, legend=True))
display(Markdown(cv.credit("coffee")))


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
# positive part. Before you run the check, predict: at the last layer of a GAP + linear head
# (constant gradient per channel), which map of section 5 does yours reproduce, and why?


# %% tags=["exercise"]
def my_layercam(activation, gradient):
    raise NotImplementedError  # your code here


# %% tags=["exercise-check"]
cv.exercises.check_layercam(my_layercam)


# %% tags=["solution"]
def my_layercam_solution(activation, gradient):
    return (gradient.clamp(min=0) * activation).sum(dim=0).clamp(min=0)

assert cv.exercises.check_layercam(my_layercam_solution)
# Prediction: with a constant gradient w_k/hw per channel, LayerCAM is ReLU(sum_k ReLU(w_k) A_k)/hw, i.e. CAM with
# every negative weight dropped, and (section 5) Grad-CAM++ up to a nearly constant factor.


# %% [markdown]
# ### Exercise: Grad-CAM++
#
# Write `my_gradcam_pp(activation, gradient)` (same inputs): the pixel weights
# $a = g^2 / (2g^2 + \sum_{ab} A_k(a,b)\, g^3)$ of section 5, one weight per channel
# $w_k = \sum_{x,y} a \cdot \mathrm{ReLU}(g)$, then $\mathrm{ReLU}(\sum_k w_k A_k)$. Where the
# denominator $g^2(2 + g\sum_{ab} A_k(a,b))$ is 0 (a zero gradient, or $g\sum_{ab} A_k(a,b) = -2$),
# the pixel weight must be 0: with an all-zero gradient your map must be all zeros, not NaN.
# Think first: which positions make the denominator 0, and which could make it negative?


# %% tags=["exercise"]
def my_gradcam_pp(activation, gradient):
    raise NotImplementedError  # your code here


# %% tags=["exercise-check"]
cv.exercises.check_gradcam_pp(my_gradcam_pp)


# %% tags=["solution"]
def my_gradcam_pp_solution(activation, gradient):
    total = activation.sum(dim=(1, 2), keepdim=True)               # sum_ab A_k(a, b), per channel
    denom = 2 * gradient**2 + total * gradient**3                  # 0 where the gradient is 0
    a = torch.where(denom != 0, gradient**2 / torch.where(denom != 0, denom, 1.0), 0.0)
    weights = (a * gradient.clamp(min=0)).sum(dim=(1, 2))         # one weight per channel
    return (weights[:, None, None] * activation).sum(dim=0).clamp(min=0)

# The denominator is g^2 (2 + sum(A) g): 0 where g = 0. For non-negative activations (after a ReLU) only a
# negative g can make 2 + sum(A) g <= 0, and there ReLU(g) = 0, so those pixel weights never count. At an
# un-rectified layer (a block's linear output, as blocks.12) sum(A) can be negative, and then a *positive*
# g makes it 0 at g = 2 / |sum(A)| and negative above: a negative pixel weight that does count.
assert cv.exercises.check_gradcam_pp(my_gradcam_pp_solution)

# %% [markdown]
# ## Summary
#
# - **Grad-CAM** weights each channel by its average gradient: at a GAP + linear head's last
#   layer it is $\mathrm{ReLU}(\mathrm{CAM})/hw$; one layer earlier it still localises the guitar and the drum kit on this image, where
#   CAM cannot be computed.
# - **Layer:** read it at the last convolutional layers; earlier it can leave the object
#   (below chance at `blocks.12` here, and at the rectified expansion inside it).
# - **Per-position weights** (HiResCAM, LayerCAM) stayed on the guitar's box at `blocks.12`
#   (and on the cup of a second photo); the one-weight-per-channel methods (Grad-CAM, XGrad-CAM,
#   Grad-CAM++) left the guitar. On the cup Grad-CAM and Grad-CAM++ left it too, while
#   XGrad-CAM stayed near chance with its maximum at the box's right edge. LayerCAM and Grad-CAM++ both
#   drop negative gradients and pay for it by ignoring the evidence against a class.
# - **Gradient-free** Score-CAM kept `drum` on the drums like Grad-CAM; Ablation-CAM gave maps
#   similar to Grad-CAM's at the head (same signs, per-channel factors that differ), not
#   identical ones; EigenCAM is not class specific, and Guided Grad-CAM's sharp detail fails
#   the sanity check that Grad-CAM passes.
# - **Box share and pointing game test plausibility, not faithfulness:** compare each share with
#   the box's area; to test what the model used, delete, insert or occlude (notebooks 07, 08).
#
# Settings used: EfficientNet-Lite0, one 224-pixel photograph (a second one in the model
# answer of section 12), the logit as class score (Score-CAM: the probability),
# maps upsampled bilinearly, Score-CAM on the 256 channels with the largest mean activation, a pointing game with
# no tolerance unless stated.
#
# ## What next
#
# Every map so far came from gradients or from the layer's features. Notebook 07 asks the
# network directly: hide a patch of the image and watch the probability fall (occlusion
# sensitivity). Notebook 08 then tests all these maps: sanity checks, deletion and
# insertion, and the pointing game over several images.
