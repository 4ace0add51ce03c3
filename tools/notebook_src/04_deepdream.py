# ---
# jupyter:
#   cnnviz:
#     title: DeepDream
#     goals:
#     - amplify what a layer sees in a photo by gradient ascent (DeepDream), and measure it with the objective
#     - understand octaves, the random shift and the normalised gradient; see octaves and normalisation act
#     - weight several layers and measure what each weight does
#     - know when a dream misleads, and where the numbers of a DeepDream recipe come from
#     prerequisites: notebook 02 (activation maximisation).
#     runtime:
#       cpu: 2 minutes
#       gpu: 30 seconds
#     papers:
#     - 'Mordvintsev, Olah & Tyka, *Inceptionism: Going Deeper into Neural Networks*, Google AI blog 2015 (code: google/deepdream)'
#     - Odena, Dumoulin & Olah, *Deconvolution and Checkerboard Artifacts*, Distill 2016
#     - Luo, Li, Urtasun & Zemel, *Understanding the Effective Receptive Field in Deep Convolutional Neural Networks*, NeurIPS 2016
#     - 'Sandler et al., *MobileNetV2: Inverted Residuals and Linear Bottlenecks*, CVPR 2018'
#     - Adebayo et al., *Sanity Checks for Saliency Maps*, NeurIPS 2018
# ---

# %% [markdown]
# ## 1. The idea
#
# Instead of one channel, DeepDream maximises the overall response of whole layers, starting
# from a photo instead of noise:
#
# $$x \leftarrow x + \eta\,\frac{g - \bar g}{\operatorname{std}(g) + \varepsilon},\qquad
#   g = \nabla_x \sum_\ell w_\ell \,\operatorname{mean}\big(A_\ell(x)^2\big).$$
#
# On a layer after a ReLU ($A \ge 0$, as in the original's `inception_4c/output`) whatever the
# layer faintly detects gets stronger, so it is detected more, so it gets stronger again:
# clouds grow eyes and dogs. On a *signed* layer $A^2$ also grows when a negative response
# gets more negative: the objective amplifies responses of either sign (measured below for
# this notebook's layer).
#
# Three tricks (all in `cv.deepdream`):
# **octaves** (dream on a small copy first, then carry the added detail up to larger copies),
# a **random shift** (roll) of the image before each step, and the **normalised gradient**:
# before clipping, every step has the same root mean square per input element, whatever the
# layer, its weight or the image size (the step's total norm still grows with the square root
# of the number of pixels; $\varepsilon = 10^{-8}$ keeps a zero gradient from dividing by zero).
# After every step each pixel is **clipped** to the valid range (0 to 255 grey
# levels): this keeps the image valid and shortens only the steps that would leave that
# range; a mid-grey pixel can still move far in one step.
#
# Mordvintsev et al.'s original code (google/deepdream, on GoogLeNet) divided by the mean
# absolute value instead, $g / \operatorname{mean}|g|$; this notebook subtracts the mean as
# many PyTorch ports do (a step then adds no uniform brightness over all channels together;
# a per-channel colour shift can remain). Both appear in section 3.

# %% [markdown]
# The network is **EfficientNet-Lite0**, trained on ImageNet: a stem, 16 blocks
# (`blocks.0` to `blocks.15`) and a head. `blocks.4` works at stride 8 (a 64x64 map for a
# 512-pixel photo), `blocks.10` at stride 16 and `blocks.13` at stride 32 (printed below;
# the receptive fields of `blocks.4` and `blocks.10` are printed in section 3).

# %%
import torch
from IPython.display import Markdown, display

clf = cv.load_model(device=DEVICE)
maps = cv.activations(clf, torch.zeros(1, 3, 512, 512), ["blocks.4", "blocks.10", "blocks.13"])
print(cv.title_name(clf), "map size for a 512-pixel input:", {k: tuple(a.shape[-2:]) for k, a in maps.items()})
photo = cv.sample_image("astronaut").resize(cv.config.pick((512, 512), (96, 96)))
cfg = dict(octaves=4, octave_scale=1.4, steps=cv.config.pick(10, 3), lr=0.09, jitter=32, seed=0)
dream = cv.deepdream(clf, photo, {"blocks.10": 1.0}, **cfg)
side, boxes = photo.size[0], {"face": (0.28, 0.03, 0.60, 0.35), "mission patch": (0.20, 0.57, 0.52, 0.89), "flag": (0.00, 0.00, 0.32, 0.32)}
display(cv.plot.marked_grid([photo, dream], ["input (boxes: the crops below)", f"{cv.title_name(clf)}: blocks.10 (the recipe)"],
                            {0: boxes, 1: boxes}, ncols=2, cell=6.0))
Markdown(cv.credit("astronaut"))

# %% [markdown]
# Zoomed crops of the same two images (the boxes above, each crop enlarged to the same size):

# %%
import numpy as np

crops = [np.asarray(img.crop(tuple(round(v * side) for v in box)))
         for img in (photo, dream) for box in boxes.values()]
titles = [f"{what}: {name}" for what in ("photo", "dream") for name in boxes]
cv.plot.marked_grid(crops, titles, ncols=3, cell=4.0)

# %% [markdown]
# The input is a real photograph (NASA's portrait of the astronaut Eileen Collins); the
# output has its size. Settings: 4 octaves of scale 1.4, 10 steps per octave, lr 0.09, a
# shift of up to 32 pixels. **What to look at:** `blocks.10` adds eye-like spots and
# a dog-like snout on her face; the mission patch becomes an animal face with two eyes,
# ringed by fur, with a single eye on the suit beside it; a dog's head grows on the flag
# (the crops); and a
# dense, fine texture covers the background and the suit: the patterns this layer responds
# to, on this photo. `cv.optvis.dream_score` computes the objective
# $\sum_\ell w_\ell \operatorname{mean}(A_\ell^2)$ for any image: the layer's objective
# (its mean squared activation) is 2.6 times the photo's (printed below), so the
# activations' root mean square rises about $\sqrt{2.6} \approx 1.6$ times.

# %%
before, after = cv.optvis.dream_score(clf, photo, "blocks.10"), cv.optvis.dream_score(clf, dream, "blocks.10")
print(f"blocks.10 mean squared activation: photo {before:.2f}, dream {after:.2f} ({after / before:.1f}x)")

# %% tags=["check"]
# the dream keeps the photo's size and more than doubles blocks.10's objective
assert dream.size == photo.size and after > cv.config.pick(2.0, 1.0) * before

# %% [markdown]
# **Signed activations.** The original dreamed `inception_4c/output`, which comes after a
# ReLU, so a larger objective there means stronger detections. An EfficientNet block ends in
# a linear projection plus its skip connection, with no ReLU (MobileNetV2's *linear
# bottleneck*, Sandler et al. 2018), so `blocks.10`'s values have either sign. Below: how
# much of the objective comes from each sign, on the photo and on its dream. The split reads
# each whole 512 x 512 image as `dream_score` does, so its totals are the objective above:

# %%
from torchvision.transforms.functional import pil_to_tensor

unit = {name: clf.from_unit(pil_to_tensor(img).float()[None].to(clf.device) / 255) for name, img in (("photo", photo), ("dream", dream))}
signs = {name: cv.activations(clf, x, "blocks.10") for name, x in unit.items()}  # the input dream_score reads
for name, a in signs.items():
    print(f"blocks.10 on the {name}: {float((a < 0).float().mean()):.0%} of the values negative; mean(A²) "
          f"{float(a.pow(2).mean()):.2f} = {float(a.clamp(min=0).pow(2).mean()):.2f} from positive values "
          f"+ {float(a.clamp(max=0).pow(2).mean()):.2f} from negative ones")

# %% [markdown]
# The dream pushes the negative responses further down about as much as it raises the
# positive ones (printed above): here "amplify" means *of either sign*. A control with a
# tensor that is never negative: `blocks.10.depthwise.act`, the ReLU6 inside the same
# block (after its 5x5 depthwise convolution and batch normalisation; 672 channels, values
# 0 to 6), dreamed with the
# same recipe. ReLU6 passes no gradient below 0 *and at its cap of 6*: a unit at either end
# does not grow, so this control amplifies only units that are on and not saturated (both
# shares printed below):

# %%
relu_dream = cv.deepdream(clf, photo, {"blocks.10.depthwise.act": 1.0}, **cfg)
display(cv.plot.marked_grid([np.asarray(dream), np.asarray(relu_dream)], ["blocks.10, signed (the recipe dream above)",
        "blocks.10.depthwise.act (ReLU6, >= 0)"], ncols=2, cell=5.0))
relu_gain = {layer: cv.optvis.dream_score(clf, relu_dream, layer) / cv.optvis.dream_score(clf, photo, layer)
             for layer in ("blocks.10.depthwise.act", "blocks.10")}
print("the ReLU6 dream:", ", ".join(f"{layer} objective {v:.2f}x the photo's" for layer, v in relu_gain.items()))
caps = {name: cv.activations(clf, clf.from_unit(pil_to_tensor(img).float()[None].to(clf.device) / 255), "blocks.10.depthwise.act")
        for name, img in (("photo", photo), ("ReLU6 dream", relu_dream))}
for name, a in caps.items():
    print(f"blocks.10.depthwise.act on the {name}: {float((a >= 6).float().mean()):.2%} of the values at the cap (6), "
          f"{float((a > 0).float().mean()):.0%} above 0")

# %% tags=["check"]
# the split adds up to the objective; blocks.10 is signed; the ReLU6 dream raises both objectives, few values reach the cap
a = signs["photo"]
assert abs(float(a.pow(2).mean()) - before) < 1e-3 * before and abs(float(signs["dream"].pow(2).mean()) - after) < 1e-3 * after
assert 0.2 < float((a < 0).float().mean()) < 0.8 and relu_gain["blocks.10.depthwise.act"] > 1.0
if not cv.config.quick():
    assert all(float((c >= 6).float().mean()) < 0.01 for c in caps.values())
    b = signs["dream"]
    assert b.clamp(max=0).pow(2).mean() > 1.5 * a.clamp(max=0).pow(2).mean() and relu_gain["blocks.10"] > 1.3

# %% [markdown]
# **What to look at:** the ReLU6 dream draws the same kind of things, on this photo: animal
# faces and eyes (her face becomes an ape-like face, the mission patch an animal's face).
# Each dream here is one run (seed 0), so compare the kinds of pattern, not single eyes or
# faces: those may differ between two runs of the same setting. It also raises `blocks.10`'s objective (printed above).
# So on this photo the animals do not come from the sign of $A$. Saturation is rare here:
# 0.02 % of the values sit at the cap on the photo and 0.38 % on the ReLU6 dream (printed),
# so the cap blocks almost none of the gradient; the floor matters more: only 25 % of the
# values are above 0 on the photo (29 % on the dream), and only those pass a gradient, so
# this control grows what is already on. On another layer, check the share of negative
# values (and, after a ReLU6, the shares at 0 and at the cap) before reading a dream as
# "more of what it detects".

# %% [markdown]
# ## 2. Shallow versus deep layers
#
# Each layer paints what it detects. Each dream is specific to its layer: the `blocks.4`
# dream raises `blocks.4`'s response more than the `blocks.13` dream does, and the other way
# round (printed below).

# %%
choices = {"blocks.4": {"blocks.4": 1.0}, "blocks.13": {"blocks.13": 1.0},
           "blocks.10 + 0.5 x blocks.13": {"blocks.10": 1.0, "blocks.13": 0.5}}
dreams = [cv.deepdream(clf, photo, layers, **cfg) for layers in choices.values()]
deep_boxes = {"tower": (0.68, 0.00, 0.96, 0.43), "head": (0.00, 0.10, 0.17, 0.30)}  # the crops below
cv.plot.marked_grid([np.asarray(img) for img in [photo, *dreams]], ["input"] + [f"{cv.title_name(clf)}: {name}" for name in choices],
                    {2: deep_boxes, 3: {"tower": deep_boxes["tower"]}}, ncols=2, cell=5.2)

# %%
score = {(d, l): cv.optvis.dream_score(clf, img, l) / cv.optvis.dream_score(clf, photo, l)
         for d, img in zip(["blocks.4", "blocks.13"], dreams[:2]) for l in ["blocks.4", "blocks.13"]}
for (d, l), v in score.items():
    print(f"the {d} dream changes {l}'s response {v:.2f}x")

# %% tags=["check"]
# each dream raises its own layer more than the other dream does; the blocks.4 dream lowers blocks.13
if not cv.config.quick():
    assert score["blocks.4", "blocks.4"] > score["blocks.13", "blocks.4"]
    assert score["blocks.13", "blocks.13"] > score["blocks.4", "blocks.13"]
    assert score["blocks.4", "blocks.13"] < 0.9

# %% [markdown]
# **What to look at:** `blocks.4`, early in the network, repaints the whole photo with bold
# stripes and swirls in pink and green: mostly edge and colour patterns, with some eye-like
# spots on the shuttle and the helmet. They are drawn large,
# probably because the octaves start on a small copy (section 3 tests this for `blocks.10`
# only). That repainting *lowers* `blocks.13`'s response (printed above), which suggests
# that the deep layer's detections on the photo are partly painted over (a reading of the
# number, not a measurement of which detections).

# %% [markdown]
# **What to look at, `blocks.13`:** deep in the network, it keeps the photo's layout and
# covers it with a dense, fine texture, with a fur-like texture on her face. Its largest
# and plainest structure is architectural: the space shuttle becomes a tall, ornate column
# with a rounded top (the "tower" box, enlarged below; in the full figure its top carries
# eye-like rings); in
# the mix at bottom right a domed building grows at its foot, and with a larger weight on
# `blocks.13` it becomes a minaret-like tower with a dome (section 4), much as the
# Inceptionism post reports towers and pagodas filling horizons. Animal parts are few and
# small: a few heads with dark hair, human- or ape-like rather than clearly animal, one by
# the flag (the "head" box, enlarged below), another at the shuttle's foot (right of the
# neck ring, above the helmet; not boxed).
# The clearest animal faces come from `blocks.10` (the first dream, and the mix at bottom right).
# Deeper is not simply "more animal-like" in a dream: on this photo the deep layer draws
# a tower more plainly than any face, and what appears depends on the layer, the scale of the
# octaves and the number of steps.

# %%
crops = [np.asarray(img.crop(tuple(round(v * side) for v in deep_boxes[part])))
         for part in deep_boxes for img in (photo, dreams[1])]
cv.plot.marked_grid(crops, [f"{what}:\n{part}" for part in ("the shuttle", "by the flag") for what in ("photo", "blocks.13 dream")],
                    ncols=4, cell=3.6)

# %% [markdown]
# ## 3. The three tricks, with and without
#
# The same `blocks.10` dream, one trick changed at a time. First the octaves: the recipe
# takes 10 steps on each of 4 copies (40 steps); one octave takes its steps at full size,
# with 40 steps (the same total) and with 10. Then the shift, dropped with octaves and
# with one octave of 40 steps. The recipe dream, the reference for every comparison below,
# is the first figure (section 1): it is not repeated whole in the grid below (its first
# panel is the input), only in the crops after it (their first column), so keep section 1's
# figure at hand.

# %% [markdown] choice="04-octave-frequency"
# ### Predict, then run
#
# (the builder writes the question and the answer cell)

# %%
steps = cfg["steps"]
variants = {f"4 octaves x {steps} steps\n(the recipe), shift 32": dream,
            f"1 octave x {4 * steps} steps\n(same total), shift 32": cv.deepdream(
                clf, photo, {"blocks.10": 1.0}, **{**cfg, "octaves": 1, "steps": 4 * steps}),
            f"1 octave x {steps} steps, shift 32": cv.deepdream(clf, photo, {"blocks.10": 1.0}, **{**cfg, "octaves": 1}),
            f"4 octaves x {steps} steps,\nno shift": cv.deepdream(clf, photo, {"blocks.10": 1.0}, **{**cfg, "jitter": 0}),
            f"1 octave x {4 * steps} steps,\nno shift": cv.deepdream(
                clf, photo, {"blocks.10": 1.0}, **{**cfg, "octaves": 1, "steps": 4 * steps, "jitter": 0})}
titles = ["input (boxes: the crops below;\nthe recipe dream: section 1)", *list(variants)[1:]]
cv.plot.marked_grid([np.asarray(img) for img in [photo, *list(variants.values())[1:]]], titles,
                    {0: {k: boxes[k] for k in ("face", "mission patch")}}, ncols=3, cell=4.6)

# %% [markdown]
# The same two crops (her face, the mission patch: the boxes on the input) of the recipe
# dream and the four variants, enlarged:

# %%
crops = [np.asarray(img.crop(tuple(round(v * side) for v in boxes[part])))
         for part in ("face", "mission patch") for img in variants.values()]
short = ["recipe", "1 octave x 40", "1 octave x 10", "no shift", "1 octave x 40,\nno shift"]
cv.plot.marked_grid(crops, [f"{part}: {k}" for part in ("face", "patch") for k in short], ncols=5, cell=3.3)

# %% [markdown]
# Two numbers describe each dream's change (dream minus photo). **Fine detail**
# (`cv.high_frequency_share(change, cutoff=0.25)`): the share of the change's power spectrum
# (each colour's mean removed, colours summed) at frequencies above 1/4 of the Nyquist
# frequency along rows or columns (a square cutoff, not a radial one). **2x2 phase ratio**
# (`cv.plot.phase_ratio`): the pixels are split into the four phases of a 2x2 grid
# (even/odd row, even/odd column); the mean |change| (colours summed) of each phase, the
# largest divided by the smallest: 1 means no checkerboard. The same ratio on the p x p grid
# (p = 4, 8, 16: the strides of the network's layers up to `blocks.10`) looks for artefacts
# with a longer period; with more phases each mean rests on fewer pixels, so even a change
# without a grid scores a little above 1: compare dreams at the same p. The objective is
# read twice: on the image as it is, and averaged over the image and 8 copies rolled by up to
# 32 pixels (`dream_score(..., shifts=8)`), the way the shifted dreams were made.

# %%
change = {k: pil_to_tensor(v).float() - pil_to_tensor(photo).float() for k, v in variants.items()}
fine = {k: float(cv.high_frequency_share(c, cutoff=0.25)) for k, c in change.items()}
grid = {k: {p: cv.plot.phase_ratio(c, period=p) for p in (2, 4, 8, 16)} for k, c in change.items()}
parity = {k: grid[k][2] for k in variants}
shifted = {k: cv.optvis.dream_score(clf, img, "blocks.10", shifts=8) for k, img in {"photo": photo, **variants}.items()}
rows = dict(zip(variants, ["recipe (4 octaves), shift", "1 octave x 40, shift", "1 octave x 10, shift",
                           "4 octaves, no shift", "1 octave x 40, no shift"]))
print(f"{'blocks.10 dream':25s} fine  mean|change|  phase ratio p=2/4/8/16  objective: as is  shifted")
for k, row in rows.items():
    print(f"{row:25s} {fine[k]:4.0%} {change[k].abs().mean():8.0f}       " + " ".join(f"{grid[k][p]:.2f}" for p in grid[k])
          + f" {cv.optvis.dream_score(clf, variants[k], 'blocks.10') / before:13.2f}x {shifted[k] / shifted['photo']:7.2f}x")

# %% [markdown]
# What the fine-detail share counts: the change of the recipe dream and of one octave of
# 40 steps (each map is the change averaged over R, G and B, as the titles say; both maps
# share one symmetric colour scale, so their colours compare directly; the printed mean
# |change| is 37 against 43 grey levels), and the share of each change's power at each
# frequency (the larger of the row and column frequency; right of the dashed line, 1/4 of
# the Nyquist frequency, counts as fine detail):

# %%
recipe, one40, one10, still, still40 = list(variants)
cv.plot.change_spectra({"recipe": change[recipe], "1 octave x 40": change[one40]}, cutoff=0.25, cell=4.0, shared_scale=True)

# %% [markdown]
# Is a phase ratio a grid or noise? A reference: the same map with its pixels shuffled
# within each 16 x 16 tile (`cv.plot.phase_ratio_null`, 20 shuffles): every tile keeps its
# values, so the map's layout and its heavy tails stay, but no pixel keeps its phase. If a
# map had no grid, its ratio would exceed all 20 shuffled ones with a chance of about 1 in
# 21 at each period; with 4 periods and 3 maps, one such exceedance by chance is plausible,
# so only a clear margin (or a ratio above the reference at several periods) counts as a
# grid, not a margin of 0.01. Below for one raw
# gradient step of the same objective on the photo (no octaves, no shift, no normalisation;
# in the network's normalised input units) and for the two one-octave dreams' changes:

# %%
one = cv.deepdream(clf, photo, {"blocks.10": 1.0}, octaves=1, steps=1, jitter=0, lr=1.0, normalize="none", as_tensor=True)
g = (one[0].cpu() - pil_to_tensor(photo).float() / 255) / clf.std[0].cpu()   # lr 1: the change is the gradient
maps = {"one raw gradient step g": g, "1 octave x 40, no shift": change[still40], "1 octave x 40, shift 32": change[one40]}
phase = {k: {p: (cv.plot.phase_ratio(m, period=p), float(cv.plot.phase_ratio_null(m, period=p, draws=20, seed=0).max()))
             for p in (2, 4, 8, 16)} for k, m in maps.items()}
print(f"{'phase ratio at p = 2 / 4 / 8 / 16':34s} measured (shuffled in 16x16 tiles: largest of 20)")
for k, row in phase.items():
    print(f"{k:34s} " + "  ".join(f"{r:.2f} ({n:.2f})" for r, n in row.values()))
print(f"std(g) / mean|g| = {float(g.std() / g.abs().mean()):.2f} (a Gaussian gives 1.25)")

# %% [markdown]
# The same on the 8 x 8 grid, drawn: each phase's mean |value| divided by the map's mean
# (one colour scale; 1, white: the phase gets its fair share):

# %%
cv.plot.phase_tables({k.replace(", no", ",\nno").replace(", shift", ",\nshift"): m for k, m in maps.items()}, period=8)

# %% tags=["check"]
# one octave puts more of its change at high frequencies than the recipe; no 2x2 checkerboard in any dream; the raw
# gradient's grid is far above its shuffled reference at every period, the unshifted dream's above it at 8 and 16
if not cv.config.quick():
    assert fine[one40] > fine[recipe] + 0.1 and fine[one10] > fine[recipe] + 0.1
    assert max(parity.values()) < 1.1 < cv.plot.phase_ratio(g) and float(g.std() / g.abs().mean()) > 1.5
    assert all(r > n + 0.1 for r, n in phase["one raw gradient step g"].values())
    assert all(phase["1 octave x 40, no shift"][p][0] > phase["1 octave x 40, no shift"][p][1] + 0.05 for p in (8, 16))
    assert abs(fine[still] - fine[recipe]) < 0.03 and shifted[still] < shifted[recipe]
    assert cv.optvis.dream_score(clf, variants[still], "blocks.10") > 1.3 * cv.optvis.dream_score(clf, dream, "blocks.10")
    assert cv.optvis.dream_score(clf, variants[still40], "blocks.10") / before > 2 * shifted[still40] / shifted["photo"]
    assert all(grid[still40][p] > grid[one40][p] + 0.05 for p in (8, 16))

# %% [markdown]
# **What to look at, octaves:** a pattern the layer draws has a *typical* size *in the
# pixels of the image the network is given*, set by the features the layer detects: strokes a
# few pixels wide and eyes of about 10 to 15 pixels with one octave of 10 steps (in the
# crops; up to about 30 with the recipe's octaves), growing slowly with more steps as
# features combine into larger ones. With **one octave** every pattern is drawn at full
# size: with 10 steps, small dense strokes and spots, three quarters of the change at high
# spatial frequencies; with 40 steps (the recipe's total) the change is stronger and some dog
# heads grow large, yet more of it is fine detail than with octaves (62 % against 47 %,
# printed; in the spectrum panel the one-octave curve lies above the recipe's right of the
# cutoff, and the recipe's has a bump at about 0.1 to 0.2 of the Nyquist frequency: large
# patterns). With octaves the first steps run on a copy 1.4³ ≈ 2.7 times smaller, so a
# pattern drawn there is 2.7 times larger (wider) in the photo once the detail is carried
# up, about 7.5 times the area. Part of the lower share is the resampling itself: detail
# drawn on a small copy is enlarged by interpolation, a low-pass filter, so the fine-detail
# share measures the resizing as well as the size of the patterns.

# %% [markdown]
# **Take-away: octaves set the scale of the patterns; one octave gives a finer dream.**

# %% [markdown]
# **What to look at, the shift:** without it (with octaves) the dream has the same kind and
# scale of pattern as the recipe (47 % fine detail in both). Its details differ in the crops
# (her face, the patch), but each dream is one run with its own random shifts, so such
# differences may be run-to-run variation: compare kinds, scales and numbers. The numbers
# (printed above; phase ratios in the first table, the shuffled reference in the second):
#
# | `blocks.10` dream | objective as is | over 8 shifted copies | phase ratio p = 8 / 16 |
# |---|---|---|---|
# | recipe (4 octaves, shift) | 2.60x | 2.57x | 1.03 / 1.10 |
# | 4 octaves, no shift | 4.12x | 2.17x | 1.07 / 1.12 |
# | 1 octave x 40, no shift | 5.73x | 2.27x | 1.16 / 1.28 (shuffled: at most 1.05 / 1.11) |
#
# Without the shift the objective is higher at the dream's own alignment but *lower* over
# shifted copies: the steps tune the image to the one position of the network's stride grid
# that they saw. With one octave of 40 steps this holds more strongly, and its change keeps
# a grid at periods 8 and 16, clearly above its shuffled reference. In these runs the grid
# is measurable, not visible in the images.

# %% [markdown]
# **Take-away: the random shift moves the pixel grid under the image at every step, so no
# artefact tied to one alignment can build up; read an unshifted dream's score over shifted
# copies.**

# %% [markdown]
# **Going further (optional): where the grid comes from.** The one-octave dream made *with*
# the shift scores 1.06 and 1.12 at periods 8 and 16, against at most 1.05 and 1.14 for its
# shuffled copies: above the reference by 0.01 at p = 8 (no evidence of a grid) and below it
# at p = 16; its table is nearly flat. The source is the gradient: each stride-2 convolution
# can leave a checkerboard in it (Odena et al. 2016), and one raw gradient step shows one
# plainly, far above its shuffled copies at every period (1.14, 1.51, 1.63 and 1.70 against
# at most 1.01, 1.03, 1.08 and 1.19), although it is heavy-tailed (std/mean |g| = 1.77); in
# its table the strongest phases repeat every 4 rows.

# %%
rf = {layer: cv.optvis.receptive_field(clf, layer, size=photo.size[0]) for layer in ("blocks.4", "blocks.10")}
print("theoretical receptive field of a unit, in input pixels:", rf)
erf = cv.optvis.effective_receptive_field(clf, "blocks.10", size=photo.size[0]).sum(0)  # gradient mass per column
mass = erf.cumsum(0) / erf.sum()
print(f"blocks.10's effective receptive field (centre unit, random inputs): half of its gradient mass within "
      f"{int(((mass > 0.25) & (mass <= 0.75)).sum())} columns, 90 % within {int(((mass > 0.05) & (mass <= 0.95)).sum())}")

# %% tags=["check"]
# the effective receptive field of blocks.10 is far narrower than its theoretical one
if not cv.config.quick():
    assert int(((mass > 0.05) & (mass <= 0.95)).sum()) < rf["blocks.10"] / 2

# %% [markdown]
# **Pattern size against receptive field:** the patterns above (10 to 30 pixels) are far
# smaller than a `blocks.10` unit's theoretical receptive field of 339 pixels (printed above).
# The *effective* receptive field is much smaller: a unit's gradient is concentrated near the
# centre of its field and falls off roughly like a Gaussian (Luo et al. 2016); for the centre
# unit of `blocks.10` half of it lies within 32 columns and 90 % within 107 (printed above).
#
# **Take-away: the theoretical receptive field says little about the size of a dreamed
# pattern; the effective one is far narrower.**

# %% [markdown]
# Next the normalisation: the recipe's $(g - \bar g)/\operatorname{std}(g)$, the original's
# $g/\operatorname{mean}|g|$, and the raw gradient $g$, all with lr 0.09. The recipe's dream,
# the reference here, is **not** in the figure below: it is section 1's first figure. The
# figure's first panel is the unchanged input (its title only names where the recipe's dream
# is), the middle one $g/\operatorname{mean}|g|$ (its "7.7x its step" means 7.7 times
# google/deepdream's step, worked out below), and the last one the raw gradient, which looks
# like the input (1.45 grey levels of change, printed):

# %%
norms = {"(g - mean g) / std g\n(the recipe)": dream, "g / mean|g| (google/deepdream's normaliser)\nlr 0.09: about 7.7x its step":
         cv.deepdream(clf, photo, {"blocks.10": 1.0}, **cfg, normalize="mean_abs"),
         "raw gradient g, lr 0.09": cv.deepdream(clf, photo, {"blocks.10": 1.0}, **cfg, normalize="none")}
display(cv.plot.marked_grid([np.asarray(img) for img in [photo, *list(norms.values())[1:]]],
                            ["input (the recipe's dream,\n(g - mean g) / std g: section 1)", *list(norms)[1:]], ncols=3, cell=4.6))
for k, img in norms.items():
    moved = pil_to_tensor(img).float() - pil_to_tensor(photo).float()
    print(f"{k.split(chr(10))[0].split(' (')[0]:22s} mean |change| {moved.abs().mean():5.2f} grey levels; "
          f"fine detail {float(cv.high_frequency_share(moved, cutoff=0.25)):.0%}; "
          f"blocks.10 objective {cv.optvis.dream_score(clf, img, 'blocks.10') / before:.2f}x the photo's")
print(f"the network's input std {float(clf.std.mean()):.2f}: one recipe step (RMS 0.09 in normalised units) "
      f"= {0.09 * float(clf.std.mean()) * 255:.1f} grey levels RMS")

# %% tags=["check"]
# the raw gradient barely moves the photo at lr 0.09; both normalisations raise the objective; mean|g| takes larger steps
if not cv.config.quick():
    steps_taken = [(pil_to_tensor(i).float() - pil_to_tensor(photo).float()).abs().mean() for i in norms.values()]
    assert steps_taken[2] < 3.0 and min(steps_taken[:2]) > 10 * steps_taken[2]
    assert steps_taken[1] > steps_taken[0]   # g / mean|g| takes larger steps than the recipe
    assert min(cv.optvis.dream_score(clf, i, "blocks.10") for i in list(norms.values())[:2]) > 2 * before
    shares = [float(cv.high_frequency_share(pil_to_tensor(i).float() - pil_to_tensor(photo).float())) for i in norms.values()]
    assert abs(shares[1] - shares[0]) < 0.03   # g / mean|g|: the same share of fine detail

# %% [markdown]
# **What to look at:** the raw gradient of a *mean* of squared activations is small (each
# activation's share is divided by their number), so at lr 0.09 the photo moves by about
# 1.45 grey levels on average (printed): nothing visible, although the objective already
# rises by 42 %. A fixed learning rate would have
# to be tuned again for every layer, weight and image size; dividing by the gradient's
# spread gives every step a root mean square of 0.09 per input element (in the network's
# normalised input units). $g/\operatorname{mean}|g|$ takes larger steps at the same lr:
# mean $|g| \le$ RMS($g$) $= \sqrt{\operatorname{std}(g)^2 + \bar g^2}$, which equals std($g$)
# for a zero-mean gradient (a Gaussian gives mean $|g| \approx 0.8$ std), and this gradient
# is heavy-tailed, so mean $|g|$ is smaller still (std/mean $|g|$ = 1.77 for one step,
# printed in the shift part above). Compared with the recipe's dream (section 1's first
# figure), the result is a bolder dream (a mean
# change of 51 against 37 grey levels) with about the same share of fine detail (46 %
# against 47 %), and it loses more of the photo's layout: the helmet at bottom right is
# replaced by green grass-like texture with small objects on it, her head becomes a larger
# dog's head, the suit fills with dog faces, and a bird-like creature grows at the bottom
# right.

# %% [markdown]
# **Where lr 0.09 comes from:** it is this course's choice, not the original's. This network
# divides pixels (0..1) by a standard deviation of 0.50, so a step with RMS 0.09 is 11.5
# grey levels RMS (printed). If the gradient is as heavy-tailed as the one raw gradient
# measured above (full size, no shift, on the photo), a full-size step moves a pixel about
# 11.5 / 1.77 ≈ 6.5 grey levels on average (an estimate: the steps on smaller octaves and
# on the changing image were not measured). google/deepdream's step of 1.5 on
# $g/\operatorname{mean}|g|$ (0..255 pixels) moves a pixel 1.5 grey levels on average, so by
# that estimate this recipe's steps are some 4 times larger. The middle panel,
# $g/\operatorname{mean}|g|$ at lr 0.09, moves a pixel 0.09 x 0.5 x 255 ≈ 11.5 grey levels on
# average, about 7.7 times google/deepdream's step; that step would be
# lr ≈ 1.5 / (0.5 x 255) ≈ 0.012 here (not run).

# %% [markdown]
# ## 4. Weights that act
#
# With two layers the objective is $\operatorname{mean}(A_{10}^2) + w\,\operatorname{mean}(A_{13}^2)$.
# Every step has the same RMS size (normalised), so raising $w$ gives `blocks.13` a larger share
# of each step. The same dream with $w$ = 0, 0.5 and 2 (a weight of 0 removes the layer from
# the objective: it is not even computed, and the dream equals the `blocks.10` dream bit for
# bit), next to the `blocks.13`-only dream of section 2 ($w \to \infty$). Three of the four
# dreams were shown in sections 1 and 2: the top row repeats them small, for comparison, and
# the bottom row enlarges the shuttle (the "tower" box):

# %% [markdown] choice="04-mix-vs-single"
# ### Predict, then run
#
# (the builder writes the question and the answer cell)

# %%
sweep = {"0": dream, "0.5": dreams[2], "2": cv.deepdream(clf, photo, {"blocks.10": 1.0, "blocks.13": 2.0}, **cfg),
         "blocks.13 only": dreams[1]}
names = ["w = 0: blocks.10 only\n(the first dream)", "w = 0.5\n(section 2's mix)", "w = 2", "blocks.13 only\n(section 2)"]
tower = tuple(round(v * side) for v in deep_boxes["tower"])  # the shuttle: section 2's "tower" box
panels = [np.asarray(img) for img in sweep.values()] + [np.asarray(img.crop(tower)) for img in sweep.values()]
display(cv.plot.marked_grid(panels, names + [f"the shuttle: {n.split(chr(10))[0].split(':')[0]}" for n in names],
                            {i: {"tower": deep_boxes["tower"]} for i in range(4)}, ncols=4, cell=3.4))

# %%
base = {layer: cv.optvis.dream_score(clf, photo, layer, shifts=8) for layer in ("blocks.10", "blocks.13")}
ratio = {(w, layer): cv.optvis.dream_score(clf, img, layer) / cv.optvis.dream_score(clf, photo, layer)
         for w, img in sweep.items() for layer in base}
moved = {(w, layer): cv.optvis.dream_score(clf, img, layer, shifts=8) / base[layer] for w, img in sweep.items() for layer in base}
for w in sweep:
    print(f"weight {w:>14s} on blocks.13: blocks.10 {ratio[w, 'blocks.10']:.2f}x, blocks.13 {ratio[w, 'blocks.13']:.2f}x "
          f"the photo's (over 8 shifts: {moved[w, 'blocks.10']:.2f}x, {moved[w, 'blocks.13']:.2f}x)")

# %% tags=["check"]
# a zero weight changes nothing (bit for bit) and leaves no hook; a larger weight raises blocks.13 and lowers blocks.10;
# the mix with weight 2 raises blocks.13 more than the blocks.13-only dream, also over 8 shifts
zero = cv.deepdream(clf, photo, {"blocks.10": 1.0, "blocks.13": 0.0}, **cfg)
assert np.array_equal(np.asarray(zero), np.asarray(dream)) and cv.hook_count(clf) == 0
if not cv.config.quick():
    assert ratio["0", "blocks.13"] < ratio["0.5", "blocks.13"] < ratio["2", "blocks.13"]
    assert ratio["0", "blocks.10"] > ratio["2", "blocks.10"] > ratio["blocks.13 only", "blocks.10"]
    assert ratio["2", "blocks.13"] > ratio["blocks.13 only", "blocks.13"] and moved["2", "blocks.13"] > moved["blocks.13 only", "blocks.13"]

# %% [markdown]
# **What to look at:** raising the weight of `blocks.13` raises its response in the dream and lowers
# `blocks.10`'s (printed above): the two layers share each fixed-size step. In the figure, at weight 2
# the animal faces are fewer and fainter and `blocks.13`'s fine texture covers the photo. The
# shuttle shows the shift best (bottom row): at weight 0 it becomes an animal's head with eyes
# on a long neck; at 0.5 an animal-faced top on an ornate green column; at weight 2 a tower
# with a dome and no face, a plainer tower than `blocks.13` alone draws (a column with
# eye-like rings at its top).
#
# Yet the mixes raise `blocks.13` *more* than the `blocks.13`-only dream (3.15x at weight 2
# against 2.53x, printed), also averaged over 8 shifted copies, so the one alignment the
# score reads is not the reason. The weights set the direction of each step, not where 40
# steps end: gradient ascent with fixed-size steps is greedy, and the steepest direction
# for `blocks.13` now is not the best path over many steps. A likely route: `blocks.13` is
# computed from `blocks.10`, and the `blocks.10`-only dream already raises `blocks.13` 1.68x
# (weight 0, printed), so detail that `blocks.10` draws gives `blocks.13` more to amplify
# (untested beyond these numbers). A weight sets a layer's share of every step; it does not
# rank the outcome.

# %% [markdown]
# ## 5. This course's VGG16 preset
#
# The Inceptionism images were made with networks of the **GoogLeNet** architecture, trained
# on ImageNet and, for some of the images (scenes full of buildings), on MIT's Places data
# set. google/deepdream used 4 octaves of 1.4, 10 steps per octave, a shift of up to 32
# pixels and a step of 1.5 on $g/\operatorname{mean}|g|$: this notebook's recipe follows its
# octaves, steps and shift.
#
# For VGG16 there is no canonical recipe; this course's preset,
# `cv.optvis.CLASSIC_VGG16_DREAM` (printed below), dreams `relu4_2` + 0.5 x `relu5_2`
# (torchvision `features.20` and `features.27`) with **5 octaves of 1.6 on an 800-pixel
# photo**. The point is the octave size: the first copy is 800 / 1.6⁴ ≈ 122 pixels wide
# (this notebook's recipe starts at 512 / 1.4³ ≈ 187), so a pattern drawn there ends about
# 6.6 times wider in the dream, against 2.7 times here (the exercise after section 6 asks
# you to try 5 octaves of 1.6 on this notebook's network). The VGG16 dream itself needs
# VGG16's weights (528 MB): it appears when the notebook runs with internet (Colab, a
# laptop), made at 384 pixels instead of the preset's 800 to keep it short on a CPU.

# %% tags=["nbval-check-output"]
cv.optvis.CLASSIC_VGG16_DREAM

# %%
classic = cv.optvis.CLASSIC_VGG16_DREAM
vgg = cv.load_classic("vgg16", shows="this preset's VGG16 dream of the same photo", device=DEVICE)
if vgg:
    side, steps = cv.config.pick(384, 96), cv.config.pick(classic["steps"], 4)
    source = cv.sample_image("astronaut").resize((side, side))
    recipe = {k: classic[k] for k in ("octaves", "octave_scale", "jitter", "lr")}
    classic_dream = cv.deepdream(vgg, source, classic["layers"], steps=steps, seed=0, **recipe)
    display(cv.plot.dream(source, classic_dream, [
        "vgg16: " + " + ".join(f"{w:g} x {name}" for name, w in classic["layers"].items())
        + f"\n{classic['octaves']} octaves x {classic['octave_scale']:g}, {steps} steps, shift {classic['jitter']}, "
        f"lr {classic['lr']:g}, {side} px"], cell=4.5))

# %%
if vgg:
    display(Markdown(f"It ran with every number of the preset except the width: {side} pixels instead of 800, "
                     "to keep this notebook within its time budget on a CPU (a VGG16 forward pass costs about "
                     "15 GFLOPs at 224 pixels, EfficientNet-Lite0's 0.4). **What to look at:** compare the size "
                     "and kind of the patterns with the EfficientNet-Lite0 dreams above (another network, "
                     "other layers and settings, the same photo)."))

# %% tags=["check"]
# the dream raises the preset's objective on VGG16
if vgg:
    before_vgg = cv.optvis.dream_score(vgg, source, classic["layers"])
    after_vgg = cv.optvis.dream_score(vgg, classic_dream, classic["layers"])
    assert classic_dream.size == source.size and after_vgg > cv.config.pick(2.0, 1.0) * before_vgg

# %% [markdown]
# ## 6. Dream
#
# Choose a preset (named for its network and layers), the layers and their weights,
# octaves, octave scale, steps, shift and learning rate, then press **dream** (a progress
# bar runs meanwhile). Try a weight of 0 on layer 2; try octave scale 1.1 versus 1.8.
# The panel opens on its default preset's dream (the mix of section 2, already computed);
# on a static page (GitHub, the course website) only that figure shows: the controls need
# a running kernel.

# %%
cv.widgets.deepdream_panel(first=cv.plot.marked_grid([np.asarray(photo), np.asarray(dreams[2])], [
    "input", "the panel's default preset:\nblocks.10 + 0.5 x blocks.13 (section 2)"], ncols=2, cell=4.5))


# %% [markdown]
# ### Think, then write
#
# Investigate with the panel: dream the same photo with 1 octave, then with 5 octaves of
# scale 1.6, with the same total number of steps (section 3 compared 1 and 4 octaves of
# 1.4). How do the size and the kind of the patterns change? Explain why from the size of
# a pattern in the pixels of the image the network is given.

# %% [markdown]
# *Your answer (double-click this cell to write):*

# %% [markdown]
# <details><summary><b>Model answer</b> (open it after writing yours)</summary>
#
# A pattern the layer draws has a typical size in the pixels of the image the network is
# given, set by the features it detects (a few pixels for strokes, 10 to 15 for eyes,
# far smaller than the layer's theoretical receptive field of 339 pixels), growing slowly
# with more steps. **Size:** with one octave everything is drawn at full size: mostly a fine
# texture of small eyes and strokes all over the photo, with a few larger heads after many
# steps (section 3: 62 % of the change is fine detail with 40 steps). With 5 octaves of 1.6
# the first steps run on a copy 1.6⁴ ≈ 6.6 times smaller (about 78 pixels wide for this
# 512-pixel photo), so a pattern drawn there ends 6.6 times wider in the photo, and each
# larger octave adds finer patterns on top: a mix of scales, with larger structures and a
# lower fine-detail share than one octave in the same number of steps, as section 3 found
# for 4 octaves of 1.4 (47 % against 62 %). **Kind:** the layer is the same, so expect the
# kinds of pattern of section 3's variants (eyes, dog-like heads, strokes); what changes is
# how large they are, and so how many fit. This notebook did not run this setting: measure the fine-detail share
# of your dream's change with `cv.high_frequency_share` (as in section 3) to test the
# prediction.
#
# </details>

# %% [markdown]
# ### Exercise: one DeepDream step
#
# Write `dream_step(net, x, layer, lr, shift)`: one step of this notebook's DeepDream on a
# normalised input `x` of shape (1, 3, H, W), as the equation in section 1 says:
#
# 1. roll `x` by `shift = (dy, dx)` pixels (`torch.roll(x, shift, dims=(-2, -1))`);
# 2. the gradient $g$ of $\operatorname{mean}(A^2)$ with respect to the rolled image, where
#    $A$ is `layer`'s output (`with cv.capture(net, layer) as cap:` run `net(rolled)`, then
#    `cap[layer]` is $A$; `torch.autograd.grad` gives $g$);
# 3. roll $g$ back by `(-dy, -dx)`, then normalise it: $(g - \bar g)/(\operatorname{std}(g) + 10^{-8})$;
# 4. return `x + lr * g`, each value clipped to the valid range: from `(0 - net.mean) / net.std`
#    to `(1 - net.mean) / net.std` (pixels 0 to 1, normalised).
#
# The check compares your step with `cv.deepdream(net, x, {layer: 1}, octaves=1, steps=1,
# seed=s)` (a 96-pixel copy of the photo, lr 0.3) for three seeds, each drawing its own shift.


# %% tags=["exercise"]
def dream_step(net, x, layer, lr, shift):
    raise NotImplementedError  # your code here


# %% tags=["exercise-check"]
cv.exercises.check_dream_step(dream_step, clf, photo, "blocks.10")


# %% tags=["solution"]
def dream_step_solution(net, x, layer, lr, shift):
    rolled = torch.roll(x, shift, dims=(-2, -1)).detach().requires_grad_(True)
    with cv.capture(net, layer) as cap:
        net(rolled)
        (g,) = torch.autograd.grad(cap[layer].pow(2).mean(), rolled)
    g = torch.roll(g, (-shift[0], -shift[1]), dims=(-2, -1))
    g = (g - g.mean()) / (g.std() + 1e-8)
    return torch.clamp(x + lr * g, (0 - net.mean) / net.std, (1 - net.mean) / net.std)

assert cv.exercises.check_dream_step(dream_step_solution, clf, photo, "blocks.10")

# %% [markdown]
# ## 7. Is it the weights or the recipe?
#
# A dream could show what the network learned, or only what octaves, shifts and normalised
# steps do to any network. The test: the same recipe on a copy of the network with random
# weights, the *model randomisation test* of Adebayo et al. (*Sanity Checks for Saliency
# Maps*, NeurIPS 2018), who used it on saliency maps. A method whose picture survives
# random weights says little about what was learned.
#
# Where would the animals come from? The Inceptionism post attributes them to a training
# set made mostly of animals. For ImageNet a plausible reading is its 118 dog classes among
# 1000 (printed below); this notebook does not test it: the control tests the weights as a
# whole and cannot tell the class mix apart from other effects of training.
#
# The random copy's batch-normalisation statistics are re-estimated on the course's 16
# bundled sample photos (`cv.sample_images()`, named below, the astronaut among them). They
# are not shown here; `cv.credit(name)` gives each one's credit.

# %%
dogs = clf.categories[151:269]
print(f"{len(dogs)} dog breeds among ImageNet's {len(clf.categories)} classes: {dogs[0]} ... {dogs[-1]}")
print("the 16 calibration photos:", ", ".join(cv.sample_images()))

# %%
import copy

batch = clf.preprocess([cv.sample_image(p) for p in cv.sample_images()], size=photo.size[0])  # the 16 sample photos
random_net = copy.deepcopy(clf)  # the copy only: weights redrawn, batch-norm statistics re-estimated on the photos
cv.evaluate.randomize_layer(random_net.model, seed=0, init="normal", calibrate=batch)
kept = copy.deepcopy(clf)  # the same redrawn weights, the trained statistics kept
cv.evaluate.randomize_layer(kept.model, seed=0, init="normal")

# %%
offset = {}
for name, net in {"trained weights": clf, "random, trained statistics kept": kept, "random, statistics re-estimated": random_net}.items():
    a = cv.activations(net, batch, "blocks.10")
    channel = a.mean((2, 3))  # each photo's mean of each channel
    offset[name] = float(channel.mean(0).pow(2).mean() / a.pow(2).mean())
    print(
        f"blocks.10, {name:32s} channels' mean |offset| {channel.mean(0).abs().mean():5.2f}, "
        f"spread over the 16 photos {channel.std(0).mean():.2f}; offset² = {offset[name]:.0%} of mean(A²)"
    )

# %%
random_dream = cv.deepdream(random_net, photo, {"blocks.10": 1.0}, **cfg)
face = tuple(round(v * photo.size[0]) for v in boxes["face"])
panels = [photo, random_dream] + [img.crop(face) for img in (photo, dream, random_dream)]
names = ["input", "random weights (statistics\nre-estimated): blocks.10", "face: input", "face: trained weights\n(the first dream)",
         "face: random weights"]
cv.plot.marked_grid([np.asarray(img) for img in panels], names, {0: {"face": boxes["face"]}}, ncols=5, cell=3.4)

# %%
change_random = pil_to_tensor(random_dream).float() - pil_to_tensor(photo).float()
fine_random, fine_trained = float(cv.high_frequency_share(change_random, cutoff=0.25)), fine[list(variants)[0]]
ratio_random = cv.optvis.dream_score(random_net, random_dream, "blocks.10") / cv.optvis.dream_score(random_net, photo, "blocks.10")
print(
    f"random weights: mean |change| {change_random.abs().mean():.1f} grey levels; fine detail {fine_random:.0%} "
    f"(trained: {fine_trained:.0%}); blocks.10 objective {ratio_random:.2f}x the photo's"
)

# %% tags=["check"]
# kept statistics make blocks.10 mostly a constant offset, re-estimated ones do not; the random dream raises its objective as finer detail
if not cv.config.quick():
    assert offset["random, statistics re-estimated"] < 0.2 and offset["random, trained statistics kept"] > 0.8
    assert ratio_random > 1.5 and fine_random > fine_trained + 0.1

# %% [markdown]
# **Reading the numbers:** every parameter of the copy is redrawn from a normal distribution
# with its original mean and spread. With the trained batch-normalisation statistics kept,
# `blocks.10`'s channels become nearly constant offsets (mean |offset| 17.02 against a spread
# of 1.02 over the 16 photos; the offsets make up 90 % of mean(A²)), so the objective would
# measure the offset, not the image. With the statistics re-estimated on the photos (as in
# notebook 02) the random layer's channels vary with the input on a similar scale as the
# trained layer's (offsets 0.65, spread 1.09; trained: 1.07 and 1.38), so the objective
# measures the image rather than a constant offset; this is the network dreamed with above.
#
# **What to look at:** on the random network the same octaves, shift and normalised steps
# change the photo about as much as the trained dream does (37.2 grey levels on average,
# against 37) and about double the random layer's objective (1.95x, printed), but what they
# add is a grainy, multicoloured noise of small blobs over the whole image, finer than the
# trained dream's patterns (67 % fine detail, against 47 %): no eyes, no dogs, and the photo
# stays recognisable under it (the face crops). So the recipe alone raises a layer's
# objective; on this photo the eyes and dogs come from the learned weights. This is one
# random network and one layer.

# %% [markdown]
# **On your own model:** wrap it with its input normalisation, e.g.
# `net = cv.wrap_model(my_module, categories, mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225))`,
# list its layers with `cv.layer_names(net)`, then
# `cv.deepdream(net, photo, {"layer3": 1.0}, octaves=4, octave_scale=1.4, steps=10, jitter=32, seed=0)`.
# lr is in the *normalised* input units: with std 0.229 a step of RMS 0.09 is about
# 0.09 x 0.229 x 255 ≈ 5 grey levels, not the 11.5 of this network (section 3), so choose it
# in grey levels: lr = (wanted RMS step in grey levels) / (255 x std), e.g. 11.5 / (255 x
# 0.229) ≈ 0.2 for the step this notebook takes. Check that `cv.optvis.dream_score` rises, and run section 7's control:
# `rand = copy.deepcopy(net)`, then `cv.evaluate.randomize_layer(rand.model, seed=0,
# init="normal", calibrate=net.preprocess(your_photos))`.

# %% [markdown]
# ## Pitfalls
#
# - **A dream explains no decision.** It shows what a layer amplifies in this photo, not
#   why the network classified anything; no class, no output is involved.
# - **The settings make the picture.** Octave scale, steps, lr, image size and the
#   normaliser all change what appears (sections 3 and 4): state them with every dream.
# - **A signed layer is amplified both ways**: on a layer without a ReLU, $A^2$ rewards
#   stronger negative responses as much as positive ones (section 1): dream a
#   post-activation tensor when "more of what it detects" is the question (after a ReLU6,
#   mind the cap: no gradient above 6).
# - **One alignment flatters a score**: a dream made without the shift scores high only at
#   the alignment it was made at (section 3): compare dreams over shifted copies.
# - **The same layer looks different at another input size**: a pattern has a typical size
#   in network pixels, so a larger photo gets relatively smaller patterns.
# - **A dream shows what training put into the weights**: on this photo the eyes and dogs
#   come from the learned weights (section 7); why dogs (ImageNet's 118 dog classes, say) is
#   a plausible but untested reading. Run the random-weights control on your own model.
# - **One run per setting**: every dream here is one run (seed 0: one draw of random
#   shifts), so two dreams may differ in details by chance: compare kinds, scales and
#   numbers, not individual faces.
# - **The normaliser hides the gradient's size**: every step has the same size even where the
#   layer barely responds (only $\varepsilon$ saves a zero gradient from NaN), so a dream can
#   grow patterns from almost nothing.

# %% [markdown]
# ## Summary
#
# - DeepDream is gradient ascent on a photo for $\sum_\ell w_\ell \operatorname{mean}(A_\ell^2)$:
#   it amplifies the chosen layers' responses, of either sign on a layer without a ReLU
#   (`blocks.10`'s objective more than doubles here); on this photo the eyes and dogs come
#   from the learned weights (section 7: random weights, with re-estimated batch-norm
#   statistics, give only fine multicoloured noise) and also appear when a ReLU output is
#   dreamed.
# - Each layer paints its own patterns: edges and colour early, animal parts in the middle,
#   fine texture and an architecture-like tower (from the shuttle) at `blocks.13`, on this
#   photo at these settings.
# - Octaves set the scale: a pattern has a typical size in network pixels, so dreaming on a
#   smaller copy makes it larger in the photo.
# - The normalised gradient gives every step the same RMS per input element (before
#   clipping); without the
#   random shift the dream fits one alignment of the stride grid (a high score only there,
#   a measurable grid at periods 8 and 16 with one octave), invisible at these settings.
# - A weight sets a layer's share of every step, not the outcome (here the weight-2 mix
#   raises `blocks.13` more than `blocks.13` alone); a weight of 0 removes the layer exactly.

# %% [markdown]
# ## What next
#
# The next notebooks return to explanations of single decisions: where in an image the
# network looked for its answer, and how far those maps can be trusted.
