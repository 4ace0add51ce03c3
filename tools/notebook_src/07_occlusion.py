# ---
# jupyter:
#   cnnviz:
#     title: Occlusion sensitivity
#     goals:
#     - 'run the occlusion experiment: hide one square of a photograph at a time and watch the class
#       probability'
#     - read the probability-per-occluder-position heatmap and the per-pixel map made from it
#     - explain two objects of one image in the same forward passes, checked against hand-drawn boxes
#     - see what the window, the stride and the fill change
#     - see why a confidently classified photo needs logits, not probabilities
#     - compare occlusion with RISE and LIME at the same number of forward passes
#     - check a map with the pointing game and the deletion/insertion curves
#     prerequisites: notebook 00 (predictions, preprocessing).
#     runtime:
#       cpu: 2.5 minutes
#       gpu: 20 seconds
#     papers:
#     - Zeiler & Fergus, *Visualizing and Understanding Convolutional Networks*, ECCV 2014
#     - 'Petsiuk, Das & Saenko, *RISE: Randomized Input Sampling for Explanation of Black-box Models*, BMVC
#       2018'
#     - 'Ribeiro, Singh & Guestrin, *"Why Should I Trust You?": Explaining the Predictions of Any Classifier*,
#       KDD 2016'
#     - Zhang et al., *Top-down Neural Attention by Excitation Backprop*, ECCV 2016
# ---

# %% [markdown]
# ## 1. The idea: hide a part, watch the score
#
# Gradients (notebook 01) ask how the score would change for an infinitesimal change of a
# pixel. Zeiler & Fergus asked a blunter question: **what if this part of the image were not
# there?** Slide a grey square over the image; for each position $w$ record the target's
# probability $f_c(x_{\setminus w})$ with that square hidden. Where the probability falls, the
# network was using those pixels. Zeiler & Fergus plot this probability per occluder
# position (the middle panel of the figure below).
#
# The per-pixel map is a common later convention (Captum's `Occlusion` computes it, for
# example), not a step of their paper: it averages the drop over every window $w$ that
# covers pixel $p$:
#
# $$A_c(p) = \frac{1}{|\{w \ni p\}|} \sum_{w \ni p} \big[f_c(x) - f_c(x_{\setminus w})\big].$$
#
# It needs no gradient, so it works on any model, but it costs one forward pass per window
# position: a 32 px window moved in steps of 16 px over a 224 px image is $13 \times 13 = 169$
# positions. `cv.occlusion` stacks the occluded images into batches: the compute is still 169
# forward passes, but a handful of batched calls run them much faster than 169 calls of one
# image each. (In this notebook quick mode keeps the 224-pixel images and uses a coarser
# grid, stride 32: 49 passes instead of 169.)

# %%
import torch
from IPython.display import Markdown, display

clf = cv.load_model(device=DEVICE)
SIZE = 224
WINDOW, STRIDE = 32, cv.config.pick(16, 32)  # quick mode: same image size, a coarser grid (49 passes, not 169)
photo = clf.preprocess(cv.sample_image("drums_and_guitar"), size=SIZE)
boxes = cv.sample_boxes("drums_and_guitar", size=SIZE)   # hand-drawn, in the pixels of `photo`
GUITAR, DRUMS = boxes["electric guitar"], boxes["drum"]
for _, label, p in clf.predict(photo, k=5):
    print(f"{label:16s} {p:6.1%}")

# %% [markdown]
# `clf` is EfficientNet-Lite0, a small convolutional network trained on ImageNet-1k (1000
# classes); every number in this notebook is this network's.
# The photograph shows a drum kit with an electric guitar leaning against it. The network's
# answer is "electric guitar" (about one chance in five: the scene holds several plausible
# classes), with "drum" fourth (printed above: the network's five most probable classes). `GUITAR` and `DRUMS` are boxes `(x0, y0, x1, y1)` drawn by
# hand around each object, in pixels of the 224x224 input (two per object: the guitar's
# neck and body, the upper and lower drums); they are used below to check where each map
# points (drawn on the figures of section 3). Each object fills only part of the picture,
# so there is something to find.

# %% [markdown]
# ## 2. The occlusion experiment
#
# `cv.occlusion_grid` keeps the output for every occluder position (the experiment of
# Zeiler & Fergus' figure 7, which moves a grey square over a Pomeranian, a car wheel and an
# Afghan hound in a scene with people: several objects, as here). `fill="grey"` hides the
# square with mid grey (RGB 0.5, close to ImageNet's mean colour); the fill is given in the model's
# input space, and the names `"grey"`, `"black"`, `"mean"` and `"blur"` are translated through
# the model's normalisation. On your own network: `cv.occlusion` and `cv.occlusion_grid` also
# take a plain `torch.nn.Module` that maps a normalised `(N, 3, H, W)` batch to class scores
# (then give `fill` as a number in that normalised space), or wrap it once with
# `cv.wrap_model(module, labels, mean=..., std=...)` to use the fill names and the labels.

# %%
grid = cv.occlusion_grid(clf, photo, window=WINDOW, stride=STRIDE, fill="grey")
print(f"{grid.positions} occluder positions ({len(grid.ys)} x {len(grid.xs)}), "
      f"class {clf.label(grid.targets[0, 0])!r}")

# %%
display(cv.plot.occlusion_experiment(clf, photo, grid, regularized=False, boxes=GUITAR, occluder="grey",
                                     signed=True, drop=True, underlay=True, scale=1.35))
Markdown(cv.credit("drums_and_guitar"))

# %% [markdown]
# **How to read it.** Left: the image with one occluder (mid grey, the fill used) drawn to
# scale and the guitar's two boxes in white. Middle: how much the "electric guitar"
# probability drops, from its unoccluded 0.22, with the occluder at each position: one cell
# per position, drawn at the occluder's centre over a faint copy of the photo, with the same
# boxes. It drops most (red) where the square hides the guitar's body. Right: the per-pixel
# mean drop of the equation above (transparent: no change). Both panels are in the same
# unit, each on its own symmetric scale (its colour bar): the drop per occluder position in
# the middle, its mean over the positions covering a pixel on the right; positive and red a
# drop, negative and blue a rise. The cell below prints the numbers: the worst square is
# centred on the guitar, the squares that hide no pixel of the guitar cost much less, and
# the per-pixel map's positive mass sits far more inside the guitar's boxes than their
# share of the image.

# %% [markdown]
# **The blue squares.** Off the guitar the drops are much smaller, but some squares over
# the drums *raise* p(electric guitar) (blue, a negative drop), by as much as or more than
# the worst drop (printed below). These rises are not the softmax handing the guitar the
# drum's share: even if "drum" (p = 0.047) vanished entirely, p(electric guitar) could rise
# only from 0.22 to about 0.23. Whether they are rises of the guitar's own **logit**, this
# figure does not show: it reads probabilities. Section 4c reads the logit on 49 of these
# 169 squares (the same grey 32-pixel squares at every other position, stride 32): there,
# the squares that raise p(electric guitar) raise its logit too. For the other 120
# squares, which may include the largest rise printed below, that is likely but no number
# printed here checks it. Why hiding the drums would raise the
# guitar, this experiment does not say: something in the drums may count against the
# guitar, or the grey patch may add evidence for it (section 4 and the Pitfalls).

# %%
drop = grid.drop[0, 0].cpu()
i, j = divmod(int(drop.argmax()), drop.shape[1])
cx, cy = grid.xs[j] + WINDOW // 2, grid.ys[i] + WINDOW // 2
elsewhere = grid.misses(GUITAR[0]) & grid.misses(GUITAR[1])    # squares that hide no pixel of the guitar
area = cv.energy_in_boxes(torch.ones(SIZE, SIZE), GUITAR).item()
share = cv.energy_in_boxes(cv.occlusion_map(grid), GUITAR).item()
print(f"worst square centred at (x={cx}, y={cy}): drop {float(drop.max()):.3f}")
print(f"squares that hide no pixel of the guitar: largest drop {float(drop[elsewhere].max()):.3f}, "
      f"largest rise {-float(drop[elsewhere].min()):.3f}")
print(f"guitar boxes: {area:.0%} of the image, {share:.0%} of the map's positive mass")

# %% tags=["check"]
# The worst square is on the guitar; off the guitar drops are under half of it, rises as large; mass > 1.8x area
assert any(x0 <= cx < x1 and y0 <= cy < y1 for x0, y0, x1, y1 in GUITAR)
assert cv.quick() or float(drop[elsewhere].max()) < float(drop.max()) / 2 and share > 1.8 * area
assert cv.quick() or 0.7 < -float(drop[elsewhere].min()) / float(drop.max()) < 1.3

# %% [markdown]
# ## 3. Two objects, one run
#
# An `(N, K)` target explains K classes at once: the K probabilities are read from the
# *same* forward passes. Here: "electric guitar" and "drum".

# %%
classes = [clf.class_index("electric guitar"), clf.class_index("drum")]
names = [clf.label(c) for c in classes]
maps = cv.occlusion(clf, photo, [classes], window=WINDOW, stride=STRIDE, fill="grey")
cv.plot.occlusion_maps(clf, photo, maps, [f"occlusion: {n!r}" for n in names], signed=True,
                       what="probability drop (negative: a rise)", boxes={"guitar": GUITAR, "drums": DRUMS}, scale=1.4)

# %% [markdown]
# This figure is about the **signs**: each panel has its own symmetric colour scale (its
# colour bar: the probability drop, negative, blue, where hiding a square *raises* the
# class). The guitar's map is red on the guitar (white boxes) and blue over the drums
# (yellow dashed boxes). The drum's drops, on the drum kit, are hardly visible on this scale
# (the drops-only figure below shows where they are: the drum map's maximum is at the top of
# the large tom); its strongest colour is the blue over
# the guitar's body: hiding the guitar raises p(drum), by up to 0.043 (printed below), nearly
# doubling its 0.047. If only the guitar's logit moved, the softmax would give p(drum) far
# less: a guitar square lowers p(electric guitar) by at most 0.105, which would lift p(drum)
# by about 0.047 × 0.105 / 0.78 ≈ 0.006. The rest could come from the drum's own logit or
# from other classes (banjo, acoustic guitar) losing mass too; the drum's logit map, run
# below with `output="logit"` on the same squares, decides: hiding the guitar raises the
# drum's own logit by up to 0.61 (printed below), and $e^{0.61} \approx 1.8$ alone nearly
# doubles p(drum). The two objects' boxes overlap a little, where the guitar's body stands
# in front of the bass drum (the overlap is printed below).

# %% [markdown]
# The **pointing game** (Zhang et al. 2016) scores a map by whether its maximum falls
# inside the object's boxes, within their tolerance of 15 pixels (a box drawn by hand is not exact). On one image it is one
# trial, and here an easy one: a maximum on a random pixel would hit the guitar's boxes
# 41 % of the time and the drums' 74 % (printed below, the boxes grown by the tolerance).
# Only a hit rate over many images, compared with that chance rate, is evidence.

# %% tags=["nbval-check-output"]
hits = [bool(cv.pointing_game(maps[:, 0], [GUITAR], tolerance=15)[0]),
        bool(cv.pointing_game(maps[:, 1], [DRUMS], tolerance=15)[0])]
chance = [cv.evaluate.pointing_chance(SIZE, bxs, tolerance=15) for bxs in (GUITAR, DRUMS)]
print("pointing game hits (guitar map on the guitar, drum map on the drum kit):", hits)
print(f"chance of a hit if the maximum fell on a random pixel: guitar {chance[0]:.0%}, drums {chance[1]:.0%}")

# %%
in_box = {name: torch.zeros(SIZE, SIZE, dtype=torch.bool) for name in ("guitar", "drums")}
for name, bxs in (("guitar", GUITAR), ("drums", DRUMS)):
    for x0, y0, x1, y1 in bxs:
        in_box[name][y0:y1, x0:x1] = True
rise_drum = -float(maps[0, 1][in_box["guitar"]].min())
logits = cv.occlusion(clf, photo, [classes], window=WINDOW, stride=STRIDE, fill="grey", output="logit")
rise_logit = -float(logits[0, 1][in_box["guitar"]].min())    # the drum's own logit, same squares
both = float((in_box["guitar"] & in_box["drums"]).float().mean())
print(f"largest rise when the guitar is hidden: p(drum) {rise_drum:.3f}, the drum's logit {rise_logit:.2f}")
print(f"image area: guitar boxes {float(in_box['guitar'].float().mean()):.0%}, "
      f"drum boxes {float(in_box['drums'].float().mean()):.0%}, both {both:.1%}")

# %% tags=["check"]
# Each map's maximum in its own boxes; hiding the guitar raises p(drum); the boxes overlap by a few percent
on_g, on_d = cv.energy_in_boxes(maps, GUITAR)[0], cv.energy_in_boxes(maps, DRUMS)[0]
assert hits == [True, True] and on_g[0] > on_d[0] and on_d[1] > on_g[1]
assert cv.quick() or rise_drum > 0.002
assert 0.3 < chance[0] < chance[1] < 0.9
assert 0.005 < both < 0.06

# %% [markdown]
# ### Occlusion against Grad-CAM
#
# Grad-CAM (notebook 06) answers a related question from the gradients at the last feature
# maps: it weights each last-layer feature map by its spatially averaged gradient, sums
# them and keeps the positive part (a ReLU). Here it reads the output of EfficientNet-Lite0's
# final 1x1 head convolution (after its batch norm and activation: 1280 maps of 7x7 cells)
# and the class **logit**. Because that head is followed only by global average pooling and
# one linear layer, Grad-CAM before its ReLU is then, up to scale, each 7x7 cell's exact
# linear contribution to the logit, without the bias (CAM). A cell is not an image region:
# its receptive field covers much of the image, and the 7x7 map is upsampled for display.
# It is not the counterfactual "what if this part were hidden?". It costs one
# forward and one backward pass instead of one forward pass per window.

# %% [markdown]
# **Side by side** for
# the same two classes, both put more of the guitar's map on the guitar and more of the
# drum's map on the drum kit (printed below; compare with the boxes' share of the image),
# but they differ in detail: Grad-CAM's guitar map spills more onto the drums, and the two
# drum maps peak on different drums. Occlusion's map is blockier (the window's size) but
# needs no access to the network's insides. The two also read different scores: occlusion
# here the probability, which also moves when *other* classes' logits move, Grad-CAM the
# logit. That is one possible source of their disagreement, but not the whole of it over
# the drums: Grad-CAM gives the drums 33% of the guitar map (printed below), while hiding some drum squares
# raised the guitar's logit, not only its probability, on the squares section 4c reads.
# A linear contribution and the effect of removing a part need not agree. Below,
# occlusion's two maps, then Grad-CAM's; each panel shows positive values only, scaled to its own maximum (its colour
# bar): occlusion's in probability drop, Grad-CAM's (upsampled from 7x7) in the map's own units.

# %%
cams = cv.gradcam(clf, photo, [classes])  # the same two classes: one forward, one backward
for method, m, unit in (("occlusion", maps, "probability drop"), ("Grad-CAM", cams, "Grad-CAM value")):
    display(cv.plot.occlusion_maps(clf, photo, m, [f"{method}: {n!r}" for n in names], what=unit,
                                   cmap="magma", boxes={"guitar": GUITAR, "drums": DRUMS}, scale=1.4))

# %%
shares = {name: (cv.energy_in_boxes(m, GUITAR)[0], cv.energy_in_boxes(m, DRUMS)[0])
          for name, m in {"occlusion": maps, "Grad-CAM": cams}.items()}
print("share of each map's positive mass in the boxes (chance: the boxes' share of the image, above)")
for name, (g, d) in shares.items():
    print(f"{name:9s} guitar map: {g[0]:.0%} on the guitar, {d[0]:.0%} on the drums | "
          f"drum map: {g[1]:.0%} on the guitar, {d[1]:.0%} on the drums")

# %% tags=["check"]
# each method puts more of the guitar's map on the guitar, and more of the drum's on the drum kit
assert all(g[0] > d[0] and d[1] > g[1] for g, d in shares.values())

# %% [markdown]
# ## 4. What the fill changes
#
# "Hiding" needs a replacement: a **black** square, a **grey** one (close to the dataset's mean
# colour), or a **blurred** copy of the pixels underneath, which keeps the colours and removes
# only detail. A coarse stride (= window) keeps this comparison cheap.

# %% [markdown] choice="07-fill"
# ### Predict, then run
#
# (the builder writes the question and the answer cell)

# %%
fills = ["black", "grey", "blur"]
grids = {f: cv.occlusion_grid(clf, photo, window=WINDOW, stride=WINDOW, fill=f) for f in fills}
worst = {f: float(g.drop.max()) for f, g in grids.items()}
cv.plot.occlusion_maps(clf, photo, torch.stack([cv.occlusion_map(g)[0] for g in grids.values()])[None],
                       [f"fill={f}: worst drop {worst[f]:.2f}" for f in fills], cmap="magma", boxes=GUITAR,
                       scale=1.25)

# %%
away = {f: g.misses(GUITAR[0]) & g.misses(GUITAR[1]) for f, g in grids.items()}   # squares off the guitar
off_abs = {f: float(g.drop[0, 0].cpu()[away[f]].abs().mean()) for f, g in grids.items()}
off_mean = {f: float(g.drop[0, 0].cpu()[away[f]].mean()) for f, g in grids.items()}
print("worst drop:", {f: round(v, 3) for f, v in worst.items()})
print(f"over the {int(away['black'].sum())} squares that hide no pixel of the guitar,")
print("  mean |change| of p(electric guitar):", {f: round(v, 3) for f, v in off_abs.items()})
print("  mean drop (signed; negative: a rise):", {f: round(v, 3) for f, v in off_mean.items()})
worst_at = {f: divmod(int(g.drop[0, 0].argmax()), len(g.xs)) for f, g in grids.items()}   # (row, column)
print("worst square (x0, y0) per fill:", {f: (grids[f].xs[j], grids[f].ys[i]) for f, (i, j) in worst_at.items()})
i, j = divmod(int(grids["grey"].drop[0, 0].cpu().masked_fill(~away["grey"], -9).argmax()), len(grids["grey"].xs))
print(f"grey's largest drop off the guitar, square (x0={grids['grey'].xs[j]}, y0={grids['grey'].ys[i]}):",
      {f: round(float(g.drop[0, 0, i, j]), 3) for f, g in grids.items()})

# %% tags=["check"]
# black costs most at its worst square (more than 1.3x grey and blur); off the guitar the fills differ by < 30%
assert cv.quick() or worst["black"] > 1.3 * max(worst["grey"], worst["blur"])
assert cv.quick() or max(off_abs.values()) < 1.3 * min(off_abs.values())

# %% [markdown]
# **Reading the numbers.** The fills do not agree, although every square hides the same
# pixels each time: the network sees the *replacement*, not just missing pixels. The
# worst drop differs: black costs about 0.12 of probability, grey and blur about 0.07 each.
# So does **where** the worst square lies (printed above): black's is the guitar's upper horn
# (x0 = 192, y0 = 96), grey's the pickups (160, 128), blur's the square where the neck meets
# the tom (160, 64); the maps do not agree up to a scale, the ranking of the squares changes
# with the fill. Off the guitar, the square where grey costs most, at the top of the bass
# drum (64, 96), costs about 0.04 with black or grey but nothing with blur, which keeps
# what is there, only blurred: a replacement close to what it hides removes little. On the squares that hide **no pixel of the guitar**
# all three move the probability by about the same amount (mean |change| printed above), and
# on average they *raise* it a little (the signed mean is negative for every fill).
# A common explanation is that a flat black patch is further from the training photos (strong
# new edges) and so costs probability whatever it covers; this photo does not show that off
# the object. To test it, compare black and grey squares on a uniform region (the wall) over
# many photos, with the signed mean change. An occlusion map answers *"what if this were
# replaced by that"*: always say which replacement you used.

# %% [markdown]
# ## 4b. What the window changes
#
# The window sets the scale of the parts occlusion can find, the stride the resolution of the
# grid and the cost, $\big((\text{size} - \text{window})/\text{stride} + 1\big)^2$ forward passes. Below: windows of
# 16, 32 and 64 pixels (strides 16, 16 and 32; grey fill), each map on its own scale.
# Titles: the worst drop of one square, and the per-pixel map's maximum; colours: the
# per-pixel mean of the equation in section 1. Where the stride is smaller than the window,
# each pixel averages several squares, so the map's maximum is below the worst square's drop.

# %%
sizes = {16: cv.config.pick(16, 32), 32: STRIDE, 64: 32}          # window: stride
wgrids = {w: (grid if w == WINDOW else cv.occlusion_grid(clf, photo, window=w, stride=st, fill="grey"))
          for w, st in sizes.items()}
wmaps = torch.stack([cv.occlusion_map(g)[0] for g in wgrids.values()])[None]
cv.plot.occlusion_maps(clf, photo, wmaps, [f"window {w}, stride {sizes[w]} ({g.positions} passes)\nworst square "
                                           f"{float(g.drop.max()):.3f}, map max {float(wmaps[0, k].max()):.3f}"
                                           for k, (w, g) in enumerate(wgrids.items())], cmap="magma", boxes=GUITAR, scale=1.25)

# %%
wshare = {w: float(cv.energy_in_boxes(wmaps[:, k], GUITAR)[0]) for k, w in enumerate(wgrids)}
print("share of each map's positive mass in the guitar's boxes (30% of the image):",
      {f"window {w}": f"{v:.0%}" for w, v in wshare.items()})

# %% tags=["check"]
# the worst drop grows with the window; the 64-pixel map holds the largest share in the guitar's boxes
assert cv.quick() or [float(g.drop.max()) for g in wgrids.values()] == sorted(float(g.drop.max()) for g in wgrids.values())
assert cv.quick() or wshare[64] > wshare[32] > wshare[16]

# %% [markdown]
# **What to look at:** the worst drop grows with the window (the titles). A 16-pixel window
# hides about half a pickup of the guitar: each square moves the probability little, and the
# map is weak and patchy, with squares on the bass drum about two thirds as warm as the
# warmest on the guitar (about 0.03 against 0.045 on its colour bar). A 64-pixel window
# hides a large part of the guitar's body at once: the largest drops, and on this photo the
# largest share of the map in the guitar's boxes, but only a few coarse blocks that cannot say which part of the body mattered. Try other
# settings in the panel of section 6.

# %% [markdown]
# ## 4c. Probability or logit: a photo the network is sure of
#
# The guitar's $p = 0.22$ sits where the softmax $p_c = e^{z_c} / \sum_j e^{z_j}$ is steep. Its
# slope in the class's own logit is
# $$\frac{\partial p_c}{\partial z_c} = p_c\,(1 - p_c):$$
# 0.17 at $p = 0.22$, but only 0.03 at $p = 0.97$. Near 1 the softmax is flat (it
# **saturates**): a square that costs the logit a lot costs the probability little. To see
# it, we occlude a German shepherd that the network classifies with $p = 0.97$ (the dog fills
# the frame), reading the **logit** (`output="logit"`) and the **probability** from the same
# occluder positions, and compare with the guitar. The photo and its two maps follow the
# scatter plot.

# %% [markdown] choice="07-logit"
# ### Predict, then run
#
# (the builder writes the question and the answer cell)

# %%
dog = clf.preprocess(cv.sample_image("german_shepherd"), size=SIZE)
runs = {name: {out: (grids["grey"] if name == "guitar" and out == "prob" else
                     cv.occlusion_grid(clf, img, window=WINDOW, stride=WINDOW, fill="grey", output=out))
               for out in ("prob", "logit")} for name, img in (("guitar", photo), ("dog", dog))}
worst_of = {name: {out: float(g.drop.max()) for out, g in r.items()} for name, r in runs.items()}
for name, r in runs.items():
    print(f"{name:6s} p = {float(r['prob'].base[0, 0]):.2f}, logit {float(r['logit'].base[0, 0]):.1f}: "
          f"worst square costs {worst_of[name]['prob']:.3f} of probability, {worst_of[name]['logit']:.2f} of logit")
cv.plot.occlusion_saturation({n: (r["logit"], r["prob"]) for n, r in runs.items()})

# %%
dog_maps = torch.stack([cv.occlusion_map(runs["dog"][out])[0] for out in ("prob", "logit")])[None]
dog_label = clf.label(runs["dog"]["prob"].targets[0, 0])
print(f"largest per-pixel mean drop of {dog_label!r}: {float(dog_maps[0, 0].max()):.3f} of probability, "
      f"{float(dog_maps[0, 1].max()):.2f} of logit")
display(cv.plot.occlusion_maps(clf, dog, dog_maps, [f"{dog_label!r}: probability drop", f"{dog_label!r}: logit drop"],
                               what=["probability drop", "logit drop"], cmap="magma", photo=True, scale=1.25))
Markdown(cv.credit("german_shepherd"))

# %% tags=["check"]
# the dog's worst square costs less probability than the guitar's but more logit; the dog is classified with p > 0.9
assert cv.quick() or float(runs["dog"]["prob"].base[0, 0]) > 0.9
assert cv.quick() or worst_of["dog"]["prob"] < 0.7 * worst_of["guitar"]["prob"]
assert cv.quick() or worst_of["dog"]["logit"] > 1.2 * worst_of["guitar"]["logit"]

# %% [markdown]
# **What to look at:** each dot is one 32-pixel square, its logit drop across, its
# probability drop up. The guitar's dots (blue) climb steeply, the dog's (red) lie almost
# flat: in probability the dog's worst square costs about half of what the guitar's does,
# in logit about one and a half times as much (printed above). A probability map of a
# confident photo has small values although the network does use the pixels, and its values
# cannot be compared with those of a less confident photo's map. The dashed curves are what the softmax
# alone would do if only the class's own logit moved; the dots lie close to them, also on
# the left, where hiding a square *raises* p(electric guitar) by up to about 0.12: those
# rises are rises of the guitar's own logit (up to about 0.6), not mass handed over by the
# other classes. For a confident class read `output="logit"`. Its drawback: a logit does not
# see the other classes. A class can also move through the softmax alone, when only a
# competitor's logit moves: it gains about $p_c$ times the probability the competitors lose
# (for the guitar, about 0.01 if "drum" vanished entirely), a change in probability with
# none in the logit.

# %% [markdown]
# **The dog's maps** (the figure above, each on its own colour scale): the probability map and
# the logit map have much the same shape (the head and the back; the grass below costs
# little). Saturation changes the *scale*: the colour bars end at 0.038 of probability,
# about half the guitar's worst square, but at 0.76 of logit, one and a half times the
# guitar's. On a probability scale shared with the guitar's map (0 to 0.075), the dog's
# strongest squares would reach only about half the scale, and its weaker ones would nearly
# vanish, although the network uses the dog.

# %% [markdown]
# ## 5. Random masks instead of one square: RISE and LIME
#
# Occlusion hides one square at a time. Two black-box methods hide **many parts at once, at
# random**, and read the importance of each part off all the answers together.
#
# **RISE** (Petsiuk et al. 2018) draws $N$ smooth random masks $M_i$ (a coarse grid of
# cells kept with probability $p$, upsampled and shifted), runs the masked images, and
# averages the masks weighted by the score each masked image still gets:
# $$S_c(u) = \frac{1}{N\,p}\sum_{i=1}^{N} f_c\big(x \odot M_i + g\,(1 - M_i)\big)\,M_i(u),$$
# for each pixel $u$, with $g$ the fill (here mid grey; the paper's $x \odot M_i$ fills with zero).
# Every score is a probability of a masked copy, so $S_c$ has an offset (its mean, the
# expected score over all masks) that occlusion's drop does not have: read RISE's map by its
# differences, not by how warm it is overall.
# A pixel scores high when the copies that keep it score high.
#
# **LIME** (Ribeiro et al. 2016) cuts the image into superpixels, switches random subsets of
# them off ($z_i \in \{0, 1\}^F$), and fits a weighted linear model to the scores,
# $$\min_{\beta, b} \sum_i \pi(z_i)\,\big(f_c(x_{z_i}) - b - z_i^\top\beta\big)^2 + \alpha\|\beta\|^2,$$
# with $\pi$ favouring samples close to the whole image, as the `lime` package does (the
# paper's complexity term instead limits the explanation to $K$ superpixels, K-Lasso). Each
# superpixel's coefficient $\beta_j$ is its importance.
#
# All three below get the **same number of forward passes** as the occlusion grid of section 2
# and the same grey fill, so the comparison is about the masks, not the budget. That budget,
# 169, is small for the random methods: the RISE paper uses thousands of masks and the
# `lime` package 1000 samples by default, so both maps here are noisy, and each comes from
# one seed (`seed=0`): read what follows as observations on this image and seed, not as a
# ranking of the methods.

# %%
passes = grid.positions
black_box = {"occlusion": cv.occlusion_map(grid)[0],   # section 2's grid: `passes` forward passes
             "RISE": cv.rise(clf, photo, n=passes, fill="grey", seed=0)[0],
             "LIME": cv.lime(clf, photo, n=passes, fill="grey", segments="superpixels", seed=0)[0]}
rise_mean = float(black_box["RISE"].mean())   # RISE's offset: the mean score of the masked copies
print(f"forward passes per map: {passes} for each of {', '.join(black_box)}")
print(f"RISE scores: from {float(black_box['RISE'].min()):.2f} to {float(black_box['RISE'].max()):.2f}, "
      f"mean {rise_mean:.2f}")
cv.plot.occlusion_maps(clf, photo, torch.stack([black_box["occlusion"], black_box["RISE"] - rise_mean,
                                                black_box["LIME"]])[None],   # minus a constant: same ranking
                       [f"{name} ({passes} passes)" for name in black_box], cmap="magma", boxes=GUITAR, scale=1.25,
                       what=["probability drop", f"RISE score above its mean ({rise_mean:.2f})", "LIME coefficient"])

# %% [markdown]
# **Reading the figure.** Occlusion's and LIME's panels show the positive part only (the
# colour bars start at 0: the rises and LIME's negative coefficients are not drawn), while
# Pearson's r below uses the signed maps. The three methods agree on the object: all three
# put their maximum on the guitar (the pointing game on its boxes, with the 15-pixel
# tolerance of section 3; the cell below prints each), and their maps are positively
# correlated with each other (Pearson's r, printed below: far from identical). They do not
# agree on the part: LIME's maximum is on the neck, occlusion's on the pickups and RISE's on
# the image's last column (x = 223), where the crop cuts through the guitar's body by the
# upper horn (the maxima's pixels are printed below). With 169 shifted masks, a maximum on
# the border may be a sampling or edge effect: read it with care.

# %% [markdown]
# **Texture and offset.** The three maps differ in texture, and that is the masks'
# signature: occlusion's map is made of overlapping squares, LIME's is constant on each
# superpixel, and RISE's is made of soft blobs (its masks are smooth). Every RISE score lies
# close to the mean printed above (RISE's offset), so the RISE panel shows the
# score *minus its mean*, positive part only: on a scale from 0, the whole panel would be one
# almost uniform wash. The 169 random masks of this run also leave blobs over the background
# (the paper uses thousands). That mean, 0.29, is *above* the whole photo's 0.22: on average
# a masked copy scores higher than the photo itself. This is no bug: hiding parts of this
# photo (the drums most of all) raised the guitar's score in section 2, and insertion
# overshoots in section 7, possibly for the same reason.

# %%
hits = {name: bool(cv.pointing_game(m[None], [GUITAR], tolerance=15)[0]) for name, m in black_box.items()}
r = torch.corrcoef(torch.stack([m.flatten() for m in black_box.values()]).double())
names3 = list(black_box)
pairs = {f"{a} ~ {b}": float(r[k, l]) for k, a in enumerate(names3) for l, b in enumerate(names3) if l > k}
peaks = {name: divmod(int(m.argmax()), SIZE)[::-1] for name, m in black_box.items()}   # (x, y)
print("peak on the guitar (within 15 pixels):", hits)
print("each map's maximum at pixel (x, y):", peaks)
print("Pearson correlation of the maps:", {k: round(v, 2) for k, v in pairs.items()})

# %% tags=["check"]
# all three peaks on the guitar, maps positively correlated (quick mode: occlusion only); RISE's spread under half its mean
assert hits["occlusion"] and sum(hits.values()) >= cv.config.pick(3, 1), hits
assert min(pairs.values()) > cv.config.pick(0.2, -0.2), pairs
assert cv.quick() or float(black_box["RISE"].max() - black_box["RISE"].min()) < 0.5 * rise_mean

# %% [markdown]
# ## 6. Explore
#
# Choose the image (or upload your own), the window, the stride, the fill, probability or
# logit, and the regularisation percentile, then press **run**. The *regularised* panel is
# this course's display choice (not a step of Zeiler & Fergus, whose Fig. 7 shows the raw
# probability per occluder position): it standardises the output map, sets the positions
# below the chosen percentile of magnitude to zero, inverts it (a low output means an
# important position) and blurs it; a higher percentile keeps fewer positions. Thresholding
# and blurring discard information that the raw map keeps: read the raw map first. (In a
# static copy of this notebook the panel shows only the photo and one square until **run**
# is pressed in a live session.) That preview shows the whole, uncropped photograph (its
# shorter side at 224 pixels); **run** occludes the 224x224 centre crop the network sees,
# the same crop as in the sections above, so the amplifier and most of the hi-hat and
# cymbal on the left of the preview, and the right side of the guitar's body, lie outside
# the experiment.

# %%
cv.widgets.occlusion_panel(image="drums_and_guitar", size=SIZE)

# %% [markdown]
# ## 7. Is the map any good? Deletion and insertion
#
# Petsiuk et al. (2018) measure a map by using it: **delete** pixels from the most to the least
# important and watch the probability fall (a good map makes it fall fast: low area under the
# curve), or **insert** them into a blurred image and watch it rise (a good map: high area).
# Here a deleted pixel is replaced by a blurred copy of the image (`fill="blur"`), the same
# reference the insertion curve starts from; Petsiuk et al. set deleted pixels to a
# constant, which adds sharp new edges of its own.
# A random map is the baseline every explanation must beat. Notebook 08 runs every method of
# the course through these tests.

# %%
random_map = cv.evaluate.random_map(photo, seed=0)[0]
steps = cv.config.pick(25, 10)
curves = {name: [cv.deletion_curve(clf, photo, m[None], steps=steps, fill="blur"),
                 cv.insertion_curve(clf, photo, m[None], steps=steps)]
          for name, m in {**black_box, "random": random_map}.items()}
cv.plot.curves(curves, reference=float(grid.base[0, 0]))

# %% [markdown]
# **Reading the curves.** On this image both tests agree (the cell below checks it): the
# three maps make "electric guitar" fall faster than deleting pixels in a random order
# (lower deletion area), and inserting the pixels they rank first brings the class back
# sooner (higher insertion area). Deletion does not rank the three maps here: their areas,
# printed below, differ by a few thousandths, while each is far below the random order's.
# Insertion separates them, on this image and seed: LIME above occlusion above RISE; with
# 169 samples for the random methods this is an observation, not a ranking of the methods.
# The insertion curves overshoot: with only the top pixels
# of the guitar pasted into a blurred image, p(electric guitar) climbs far above its 0.22 on
# the whole photo (dashed line), then falls back as the drums return. Why, these curves do
# not tell; two hypotheses, untested here: the guitar's own logit rises while the drums are
# still blurred, as it did when grey squares hid them (section 4c's squares), or the other
# classes (banjo, stage, drum) lose their evidence in the blurred image and the softmax hands
# their mass to the guitar. Plotting the insertion curve in logits would tell them apart.
# So an insertion area above
# the photo's own probability is no error, but it measures more than the guitar's pixels.
# (With a constant fill, as in the paper, deleting scattered pixels gives a speckled image
# unlike any photograph, and on images where the object fills the frame deletion can then
# *prefer* a random map; the blur fill used here softens this. Notebook 08, section 3,
# discusses the fill and shows maps losing to a random one on single images: one reason it
# reads both curves, on several images.)

# %%
auc = {name: (float(d.auc[0]), float(i.auc[0])) for name, (d, i) in curves.items()}
for name, (d, i) in auc.items():
    print(f"{name:9s} deletion AUC {d:.3f}, insertion AUC {i:.3f}")
peak = max(float(i.scores[0].max()) for name, (d, i) in curves.items() if name != "random")
print(f"highest point of the insertion curves: {peak:.2f} (whole photo: {float(grid.base[0, 0]):.2f})")

# %% tags=["check"]
# every map beats random on both curves (quick: occlusion's insertion); overshoot > 2x; deletion ties, insertion ranks
beat_random = all(auc[m][0] < auc["random"][0] and auc[m][1] > auc["random"][1] for m in black_box)
assert beat_random or (cv.config.quick() and auc["occlusion"][1] > auc["random"][1]), auc
assert cv.quick() or peak > 2 * float(grid.base[0, 0])
dels = [auc[m][0] for m in black_box]
assert cv.quick() or max(dels) - min(dels) < min(0.1 * auc["random"][0], 0.005)
assert cv.quick() or auc["LIME"][1] > auc["occlusion"][1] + 0.02 > auc["RISE"][1] + 0.04


# %% [markdown]
# ### Exercise: occlude one square
#
# Write `occlude(x, top, left, window, value)` returning a **copy** of the batch `x`
# (shape `(N, C, H, W)`) with the square `[top:top+window, left:left+window]` set to
# `value` in every channel. Do not modify `x` itself.


# %% tags=["exercise"]
def occlude(x, top, left, window, value):
    raise NotImplementedError  # your code here


# %% tags=["exercise-check"]
cv.exercises.check_occlude(occlude)


# %% tags=["solution"]
def occlude_solution(x, top, left, window, value):
    out = x.clone()
    out[:, :, top:top + window, left:left + window] = value
    return out

assert cv.exercises.check_occlude(occlude_solution)


# %% [markdown]
# ### Exercise: one cell of the heatmap
#
# Write `occlusion_drop(clf, x, top, left, window)`: the drop of the top-1 class's
# probability when the square at `(top, left)` is set to `0.0` in the normalised input, i.e.
# the dataset mean colour (`fill="mean"`), not the mid grey used above; that is
# $p_c(x) - p_c(x_{\setminus w})$, as a float. Use your `occlude`, `clf.model` and `softmax`.
# The checker compares it with cells of `cv.occlusion_grid`.


# %% tags=["exercise"]
def occlusion_drop(clf, x, top, left, window):
    raise NotImplementedError  # your code here


# %% tags=["exercise-check"]
cv.exercises.check_occlusion_drop(occlusion_drop, clf, photo)


# %% tags=["solution"]
def occlusion_drop_solution(clf, x, top, left, window):
    with torch.no_grad():
        p = clf.model(x).softmax(dim=1)[0]
        c = int(p.argmax())
        q = clf.model(occlude_solution(x, top, left, window, 0.0)).softmax(dim=1)[0]
    return float(p[c] - q[c])

assert cv.exercises.check_occlusion_drop(occlusion_drop_solution, clf, photo)

# %% [markdown]
# ### Think, then write
#
# A classmate's occlusion map of a dog photo (black fill, 32 px window) has its largest drop on
# a square of **grass** beside the dog, not on the dog. Give at least two explanations, and
# experiments with the tools of this notebook that tell them apart.

# %% [markdown]
# *Your answer (double-click this cell to write):*

# %% [markdown]
# <details><summary><b>Model answer</b> (open it after writing yours)</summary>
#
# 1. **The network uses the context**: grass is evidence for "dog" in its training photos (a
#    shortcut), so hiding it lowers the dog's probability. 2. **The fill is the cause**: a black
#    square is unlike any photograph, and on that image the patch itself may cost probability
#    wherever it lands (in section 4 black cost the most at its worst square; off the guitar
#    all three fills moved p about equally, so check it on the dog's image). 3. **The square
#    is not only grass**: a 32-pixel square "beside" the dog may overlap its paw or outline.
#    The experiments: rerun with `fill="grey"` (or `"mean"`) and with `fill="blur"`, and
#    compare the grass square with the other background squares each time. If it still
#    stands out with grey, the network uses what is there, not the black patch; if its drop
#    falls to the level of the other background squares, the black patch was doing it. Blur
#    alone cannot decide it: blurred grass is still green, so a smaller drop with blur may
#    only mean that the colour was the evidence. A smaller window or stride (16 pixels)
#    tells grass from paw. RISE or LIME (other masks, several parts at once) should agree
#    with occlusion where the evidence is real.
#
# </details>

# %% [markdown]
# ## Pitfalls: when occlusion misleads
#
# - **Redundancy.** When the evidence is there twice (two pickups, two eyes, two wheels),
#   hiding one copy leaves the other, the probability barely moves, and occlusion reports
#   little importance for either. A window larger than the parts, or RISE/LIME (many parts
#   hidden at once), can catch it. Section 4b fits this without proving it: a 16-pixel
#   square (about half a pickup) costs at most 0.045, a 64-pixel square (much of the body)
#   up to 0.173. A larger square also simply hides more; hiding one pickup, then both, and
#   comparing the two drops would test redundancy itself.
# - **Probability or logit.** A confident class (p near 1) sits where the softmax is flat:
#   hiding real evidence barely moves its probability (saturation); the logit still moves
#   (section 4c: the dog's worst square costs half the guitar's probability, but more logit).
# - **Rises.** Hiding the drums *raised* p(electric guitar) in section 2; on the 49 of those
#   squares that section 4c reads as logits (stride 32), the squares that raise it raise its
#   own logit too. Softmax competition alone moves a class at $p_c$ by only about $p_c$ times the
#   probability its competitors lose (here about 0.01 if "drum" vanished), so before blaming
#   it, compare with `output="logit"`. Does the grey patch add evidence, or do the drums
#   count against the guitar? Section 4 ran blur too: on the 31 squares that hide no pixel
#   of the guitar (all of them overlap the drums' boxes), blur raised p(electric guitar) on
#   average as much as grey (signed mean drop -0.033 against -0.03). So the rise, on
#   average, does not need a grey patch. Blur cannot settle it alone: a blurred square keeps
#   the colours (as the model answer above notes) and is itself unlike a photograph, and
#   these are averages, not the blue squares of section 2 one by one.

# %% [markdown]
# **Pitfalls, continued.**
#
# - **The fill.** The map answers "what if replaced by *this*": a black, grey or blurred
#   square gives different numbers (section 4).
# - **Window and stride.** Parts smaller than the window are smeared, parts larger than it
#   are under-reported; the stride sets the grid's resolution (section 4b).
# - **One image.** A hit in the pointing game, a ranking of methods by their curves: on one
#   image each is one trial (section 3: the drums' boxes would be hit by chance 74 % of the
#   time).
# - **Sanity checks.** Adebayo et al. (2018) randomise a network's weights and ask whether
#   a method's map still *looks like* the trained network's map (rank correlation, SSIM);
#   occlusion was not among the methods they tested. Occlusion depends on the weights only
#   through the outputs, so it is *expected* to pass, but that is not shown here: with
#   random weights a grey square may still move the output most where it differs most from
#   what it covers (the pickups, the drum rims, edges), so the map may keep the image's
#   structure.
#   Notebook 08 runs this test on gradient and CAM maps; it leaves occlusion out of its
#   figure (many passes per map), but its panel (section 6) runs the check on occlusion too.

# %% [markdown]
# ## Summary
#
# - Occlusion answers a causal question, *"what if this part were replaced?"*, with forward
#   passes only: no gradients, no hooks, any model. On this photo (p = 0.22 for the guitar) it
#   found the object; its map is blocky at the window's scale. On a confidently classified
#   photo, read logits: probabilities saturate (section 4c).
# - Its answer depends on the window (the scale of the parts you can find), the stride (its
#   resolution and cost) and the **fill**: on this photo black cost the most at the worst
#   square. Report all three, and whether you read probabilities or logits.
# - RISE and LIME hide many parts at once, at random; at the same number of forward passes
#   they point at the same object, with their own textures (soft blobs, superpixels).
# - Deletion and insertion curves give evidence of whether a map is faithful; they depend
#   on the fill and on the image, so read both, over many images. Hiding
#   parts of a photo can *raise* a class's probability (the blue of section 2) and its own
#   logit (section 4c's squares), and an
#   insertion curve can climb far above the photo's probability (0.93 against 0.22 here):
#   neither is an error, and a map's blue is information too.
#
# ## What next
#
# Notebook 08 puts every method of the course through the same tests, and through a
# sanity check that some popular methods fail.
