# ---
# jupyter:
#   cnnviz:
#     title: Reconstructing an image from its activations
#     goals:
#     - 'invert a layer: find an image whose activations match a photo''s (feature inversion)'
#     - see what each depth of the network keeps and what it throws away
#     - understand the role of the prior (total variation) in what an inversion shows
#     - know the pitfalls of reading an inversion, and how to use it on your own model
#     prerequisites: notebook 02 (optimising an image by gradient ascent, regularisers).
#     runtime:
#       cpu: 2 minutes
#       gpu: 20 seconds
#     papers:
#     - Mahendran & Vedaldi, *Understanding Deep Image Representations by Inverting Them*, CVPR 2015
#     - Dosovitskiy & Brox, *Inverting Visual Representations with Convolutional Networks*, CVPR 2016
#     - Olah, Mordvintsev & Schubert, *Feature Visualization*, Distill 2017
#     - Ulyanov, Vedaldi & Lempitsky, *Deep Image Prior*, CVPR 2018
# ---

# %% [markdown]
# ## 1. The idea
#
# A layer turns an image $x_0$ into activations $\Phi(x_0)$. How much of the image do they
# still contain? Search for an image with the same activations (Mahendran & Vedaldi 2015):
#
# $$x^\star = \arg\min_x \frac{\lVert \Phi(x) - \Phi(x_0)\rVert^2}{\lVert \Phi(x_0)\rVert^2}
#   + \lambda_\alpha \lVert x \rVert_\alpha^\alpha + \lambda_{TV} R_{TV}(x)$$
#
# starting from noise. The first term is a *relative* feature distance (0 = the layer
# cannot tell the two images apart); the alpha-norm
# $\lVert x\rVert_\alpha^\alpha = \operatorname{mean}_{c,i,j} |x_{c,i,j}|^\alpha$ with a large
# $\alpha$ keeps pixels in a natural range, and the squared total variation
# $R_{TV}(x)=\frac{1}{C(H-1)(W-1)}\sum_{c,i,j}\big[(x_{c,i,j+1}-x_{c,i,j})^2+(x_{c,i+1,j}-x_{c,i,j})^2\big]$
# (notebook 02) keeps the image smooth. `cv.invert` runs it with the same render loop as
# `cv.maximize` (frozen model, hooks removed, forward pass stopped at the layer).
#
# **Settings, unless a cell says otherwise** (the defaults of `cv.invert`): the model is
# EfficientNet-Lite0 trained on ImageNet-1k; a 128-pixel image optimised as raw pixels
# (`param="pixel"`) from seeded noise, small random shifts each step (`transforms="jitter"`),
# 300 steps of Adam at learning rate 0.05, $\lambda_{TV} = 0.5$, $\lambda_\alpha = 0.05$
# with $\alpha = 6$ (Mahendran & Vedaldi's choice). This is a *light* prior: section 4 raises
# the TV weight tenfold. The numbers below say how far the feature distance fell; the
# picture of this same `blocks.4` inversion is the `blocks.4` panel of section 2.

# %%
clf = cv.load_model(device=DEVICE)
SIZE, STEPS = cv.config.pick(128, 40), cv.config.pick(300, 12)
cat = cv.sample_image("cat")
res = cv.invert(clf, cat, "blocks.4", size=SIZE, steps=STEPS, seed=0)   # a Rendering, with .info
print(f"feature distance: {res.info['distance_start']:.2f} (noise) -> {res.info['distance_end']:.2f}")

# %% tags=["check"]
# the inversion at least halved the feature distance, and left no hook on the model
assert res.info["distance_end"] < 0.5 * res.info["distance_start"]
assert cv.hook_count(clf) == 0

# %% [markdown]
# ## 2. From every depth
#
# The same photo reconstructed from four blocks and from the network's `head` (the last
# convolution, 1280 channels, just before the global pooling and the classifier). Look for
# three things as you go deeper: where the exact colours go, what happens to the smooth
# areas (fur, nose), and whether the cat's parts (eyes, nose, whiskers) stay in the right place.
# The titles give the relative feature distance $d$ each inversion reached.

# %% [markdown] choice="03-inversion-depth"
# ### Predict, then run
#
# (the builder writes the question and the answer cell)

# %%
import torch
from IPython.display import Markdown

layers = ["blocks.1", "blocks.4", "blocks.8", "blocks.12", "head"]
results = {l: cv.invert(clf, cat, l, size=SIZE, steps=STEPS, seed=0) for l in layers}
d = {l: r.info["distance_end"] for l, r in results.items()}
display(cv.plot.inversions(results["blocks.1"].info["target"], {l: r.tensor for l, r in results.items()}, d),
        Markdown(cv.credit("cat")))

# %% [markdown]
# **What $d$ measures, and what it does not.** $d = \lVert \Phi(x) - \Phi(x_0)\rVert^2 /
# \lVert \Phi(x_0)\rVert^2$ is measured in the layer's own space and divided by the size of
# the photo's own activations, so the numbers are on one scale, but they do not measure the
# same thing at every depth: $d = 0$ means the layer cannot
# tell the reconstruction from the photo, $d = 1$ is as far as an all-zero activation map.
# Through the blocks it *falls* with depth (about 0.6 at `blocks.1`, about 0.1 at
# `blocks.12`), and yet the pictures look *less* like the photo. Both come from the same
# fact: deeper layers are more invariant. `blocks.1` keeps nearly every pixel detail, and
# the optimiser must reproduce all of it to match; its features are mostly edges and fine
# texture, exactly the energy that blur removes, and the TV prior pushes towards a smooth
# image: the prior works *against* a match at `blocks.1`, one reason its picture is a
# blurred copy at the highest $d$. `blocks.12` has thrown away exact colour
# and most fine texture, so a great many images give nearly the same
# activations, and one of them is easy to find. A lower $d$ does not mean a more faithful
# picture: in pixels, the `blocks.12` reconstruction is *farther* from the photo than the
# `blocks.1` one.
#
# **What to look at:** `blocks.1` gives a slightly blurred, paler copy of the photograph with its
# colours. From `blocks.4` on, the eyes, the nose and the outline of the face stay where
# they were, but the smooth fur turns into a multicoloured, high-frequency texture (the
# high-frequency share, printed below, rises from 0.51 at `blocks.1` to 0.62 at `blocks.12`,
# against 0.10 for the photo: even `blocks.1`'s copy keeps fine noise from its random
# start): the layers keep *where the parts are* and let the exact colours and the smooth surfaces go. (The spatial grid
# shrinks too: 4x4 at `head` for this 128-pixel input.) This is one close-up photo; try
# others in the panel of section 6.
#
# `head` is the exception: its reconstruction is noise, at $d = 1.00$ (next section).

# %%
blocks = ["blocks.1", "blocks.4", "blocks.8", "blocks.12"]
pixel_error = {l: (results[l].tensor - results[l].info["target"]).pow(2).mean().item() for l in blocks}
hf = dict(zip(blocks, cv.high_frequency_share(torch.cat([results[l].tensor for l in blocks])).tolist()))
print("feature distance d:  ", ", ".join(f"{l} {d[l]:.2f}" for l in blocks))
print("pixel error to photo:", ", ".join(f"{l} {pixel_error[l]:.3f}" for l in blocks))
print("high-frequency share:", ", ".join(f"{l} {hf[l]:.2f}" for l in blocks),
      f"(photo {cv.high_frequency_share(results['blocks.1'].info['target']).item():.2f})")
if not cv.config.quick():
    assert min(hf["blocks.4"], hf["blocks.8"], hf["blocks.12"]) > hf["blocks.1"]   # texture from blocks.4 on
    assert d["blocks.12"] < d["blocks.1"] / 3   # d falls with depth ...
    assert all(d[deep] < d[shallow] + 0.05 for shallow, deep in zip(blocks, blocks[1:]))   # ... block by block
    assert pixel_error["blocks.12"] > pixel_error["blocks.1"]   # lower d, yet farther from the photo

# %% [markdown]
# **What is a small $d$?** For scale, the same distance between the photo and two near copies
# of it: the photo shifted by 4 pixels, and the photo plus mild pixel noise (standard
# deviation 0.05). And the central idea, *many images share the activations*, shown directly:
# `blocks.12` inverted from three random starts.

# %%
photo = results["blocks.1"].info["target"]
copies = {"shifted by 4 pixels": torch.roll(photo, (4, 4), dims=(-2, -1)),
          "plus noise (sd 0.05)": (photo + 0.05 * torch.randn(photo.shape, generator=torch.Generator().manual_seed(0))).clamp(0, 1)}
for name, x in copies.items():
    ref = [cv.optvis.feature_distance(clf, clf.from_unit(x), clf.from_unit(photo), l).item() for l in blocks]
    print(f"d, photo {name:22s}", ", ".join(f"{l} {v:.2f}" for l, v in zip(blocks, ref)))
seeds = [results["blocks.12"]] + [cv.invert(clf, cat, "blocks.12", size=SIZE, steps=STEPS, seed=s) for s in (1, 2)]
cv.plot.renderings(seeds, [f"blocks.12, seed {i}, d={r.info['distance_end']:.2f}" for i, r in enumerate(seeds)], cell=3)

# %%
between = [(seeds[i].tensor - seeds[j].tensor).pow(2).mean().item() for i, j in ((0, 1), (0, 2), (1, 2))]
print(f"pixel error between the seeds' pictures: {', '.join(f'{v:.3f}' for v in between)} "
      f"(each to the photo: {', '.join(f'{(r.tensor - photo).pow(2).mean().item():.3f}' for r in seeds)})")
if not cv.config.quick():
    assert max(r.info["distance_end"] for r in seeds) < 0.3 and min(between) > 0.002   # same d, different pictures

# %% [markdown]
# **Reading the numbers.** A 4-pixel shift of the photo itself is *farther* from it at
# `blocks.1` ($d$ = 1.21) than the inversion (0.60), while at `blocks.12` it gives 0.15, above
# the inversion's 0.10: the deeper the layer, the less a shift matters, and a given $d$ means
# a different thing at each depth. The three `blocks.12` pictures reach $d$ = 0.07 to 0.10,
# and they differ from each other (pixel error about 0.04) nearly as much as from the photo
# (about 0.05): the eyes and nose sit in the same places, the textures between them are
# different. Many images share these activations.

# %% [markdown]
# ## 3. Why `head` gives noise, and how to invert it
#
# The blocks of EfficientNet-Lite0 end in a *linear* projection: their outputs are signed
# and every unit passes a gradient. `head` is a 1x1 convolution, batch norm and **ReLU6**:
# on the cat, nearly 9 in 10 of its values are exactly 0. Started from noise, the units the
# photo switches on are mostly off for the noise image, and an off ReLU passes no gradient,
# so the optimiser cannot turn them on. What it *can* do is switch off the units the noise
# turned on, and it does, until the head's output is (almost) all zero: $d \to 1$, the
# distance of an empty activation map: a flat region of the objective, which more steps
# do not leave.
#
# The cure for the *optimisation* is to invert the same layer *before* its clamp, `head.bn`
# (the batch-norm output, 1280 signed values per position; `head` is this clamped to
# [0, 6]): every unit passes a gradient again. We take a smaller step (`lr=0.02` instead of
# the default 0.05), chosen by trial: at 0.05 some random starts ended at a worse match.
# The numbers below: of the units the photo switches on, only 6% are on in the `head`
# reconstruction, and $d$ goes from 1.16 at the start only to 1.00, the empty map.

# %%
head = results["head"]
a0 = cv.activations(clf, clf.from_unit(head.info["target"]), "head")
a = cv.activations(clf, clf.from_unit(head.tensor), "head")
print(f"share of the photo's head activations that are 0: {(a0 == 0).float().mean():.2f}; of its active units, "
      f"active in the reconstruction: {((a > 0) & (a0 > 0)).sum() / (a0 > 0).sum():.2f}")
print(f"head: d {head.info['distance_start']:.2f} at the start, {d['head']:.2f} at the end; size of the "
      f"reconstruction's head activations: {a.pow(2).sum() / a0.pow(2).sum():.3f} of the photo's")

# %%
before_clamp = cv.invert(clf, cat, "head.bn", size=SIZE, steps=STEPS, seed=0, lr=0.02)
smooth_bn = cv.invert(clf, cat, "head.bn", size=SIZE, steps=STEPS, seed=0, lr=0.02, tv_weight=5.0)
top, own = clf.predict(clf.from_unit(before_clamp.tensor))[0], clf.predict(clf.from_unit(head.info["target"]))[0]
print(f"head.bn: d = {before_clamp.info['distance_end']:.2f} (TV weight 5: {smooth_bn.info['distance_end']:.2f}); "
      f"classified as {top[1]} ({top[2]:.0%}); the photo itself: {own[1]} ({own[2]:.0%})")
panels = {"head (after ReLU6)": head, "head.bn (before it)": before_clamp, "head.bn, TV weight 5": smooth_bn}
cv.plot.inversions(head.info["target"], {k: r.tensor for k, r in panels.items()},
                   {k: r.info["distance_end"] for k, r in panels.items()}, cell=3)

# %% tags=["nbval-check-output"]
assert (a0 == 0).float().mean() > cv.config.pick(0.8, 0.5)   # most of the head is off on the photo
assert cv.activations(clf, clf.from_unit(head.info["target"]), "blocks.12").min() < 0   # a block's output is signed
if not cv.config.quick():
    assert d["head"] > 0.95 and a.pow(2).sum() < 0.05 * a0.pow(2).sum()   # switched off: d -> 1
    assert before_clamp.info["distance_end"] < 0.3 and smooth_bn.info["distance_end"] < 0.5   # before the clamp it works
    assert top[0] in range(281, 286), top   # 281-285: ImageNet's domestic cats
print("head: stuck at an almost all-zero activation map; head.bn: matched, and still a cat to the network")

# %% [markdown]
# **What the `head.bn` pictures show.** The optimisation now works: $d$ falls to 0.06 with
# the light prior and the network calls the result a cat. But to our eyes it is still mostly
# coloured noise, with at most faint curves where the eyes were. What this shows is that
# *many images, noise-like ones included, give nearly the same `head.bn` activations*: at the
# end of the network a 128-pixel photo is summarised in a 4x4 grid of 1280 features. Which of
# those images you see depends on the prior: with a tenfold TV weight (right panel) the
# picture looks a little smoother, with eye-like rings and whisker-like curves, at an even
# lower $d$ (0.04), though still not a cat to our eyes; Mahendran & Vedaldi (2015) tuned their prior per layer and got fragments of
# the object from AlexNet's last layers, and a *learned* inverse (Dosovitskiy & Brox 2016)
# recovers colours and layout even from them. One inversion with a light prior cannot say how
# much the last layer keeps; it says only that the layer does not rule noise out. The numbers:
# the light-prior picture's total variation (the roughness that section 4's regulariser
# penalises) is more than ten times the photo's; its mean squared pixel error to the photo is
# about that of the `blocks.12` reconstruction: a pixel error does not tell a recognisable
# picture from noise of the right average colour.

# %% tags=["check"]
# head.bn's light-prior picture: over ten times the photo's total variation, at blocks.12's pixel error
photo = head.info["target"]
far = (before_clamp.tensor - photo).pow(2).mean().item()
rough_tv = [cv.optvis.objectives.tv(t).item() for t in (photo, before_clamp.tensor)]
print(f"pixel error to the photo: head.bn {far:.3f} (blocks.12 {pixel_error['blocks.12']:.3f}); "
      f"total variation: photo {rough_tv[0]:.4f}, head.bn image {rough_tv[1]:.4f}")
if not cv.config.quick():
    assert rough_tv[1] > 10 * rough_tv[0] and abs(far - pixel_error["blocks.12"]) < 0.25 * far

# %% [markdown]
# ### Think, then write
#
# A classmate reads the figure of section 2 and writes: "`blocks.12` keeps the most
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
# photo the reconstruction shares. A layer that has thrown information away is *easier*
# to fool: many images (with other colours, positions, backgrounds) give the same
# `blocks.12` activations, so the optimiser quickly finds one of them, and the small
# distance reflects the layer's invariance. To compare what the layers keep, compare the
# reconstructions with the photo in a space common to all of them: pixels (the pixel
# error printed above grows with depth, though section 3 shows how crude a judge it is),
# or a fixed shallow layer's features, or how often several inversions from different
# seeds agree with each other.
#
# </details>

# %% [markdown]
# ## 4. What the regularisers do
#
# Without total variation the optimiser may match the deep activations with
# high-frequency patterns the eye reads as noise: many images share the same deep
# activations, and the regulariser picks a smoother one among them. Here it costs nothing in
# feature distance: with a TV weight of 5 the total variation falls several-fold and $d$
# stays about the same.

# %%
rough = cv.invert(clf, cat, "blocks.8", size=SIZE, steps=STEPS, seed=0, tv_weight=0.0)
smooth = cv.invert(clf, cat, "blocks.8", size=SIZE, steps=STEPS, seed=0, tv_weight=5.0)
cv.plot.renderings([rough.info["target"], rough, smooth],
                   ["photo", f"TV weight 0, d={rough.info['distance_end']:.2f}",
                    f"TV weight 5, d={smooth.info['distance_end']:.2f}"], cell=3)

# %%
tv_rough, tv_smooth = (cv.optvis.objectives.tv(r.tensor).item() for r in (rough, smooth))
print(f"total variation: TV weight 0 {tv_rough:.4f}, TV weight 5 {tv_smooth:.4f}")
if not cv.config.quick():
    assert tv_smooth < 0.5 * tv_rough and smooth.info["distance_end"] < rough.info["distance_end"] + 0.05

# %% [markdown]
# ## 5. Pitfalls
#
# - **$d$ is not fidelity.** A small feature distance at a deep layer means the layer is easy
#   to fool, not that the picture is faithful (section 2); compare with the reference values
#   of near copies of the photo.
# - **Clamped layers block the gradient.** Invert the layer *before* its ReLU (`head.bn`, not
#   `head`), and check that $d$ falls well below 1 (section 3).
# - **The picture depends on the prior and the seed.** Different random starts give different
#   pictures at the same $d$ (section 2), and a stronger TV weight gives a smoother one
#   (sections 3 and 4): what you see is one image among many the layer cannot tell apart.
# - **One photo, one resolution.** Everything here is one close-up of a cat at 128 pixels; at
#   `head` that is a 4x4 grid. Try other photos and sizes before generalising.
#
# **On your own model:** list the layers with `cv.layer_names(model)`, invert the output of a
# block (or the layer before an activation), check that $d$ falls, and compare two or three
# seeds before reading anything into the picture.

# %% [markdown]
# ## 6. Explore
#
# Pick an image, a layer, the total-variation weight and the number of steps, then press
# **invert**. The title shows the relative feature distance reached. The panel needs a live
# kernel (run the notebook); a static copy shows only its first picture.

# %%
cv.widgets.inversion_panel(layer="blocks.8")


# %% [markdown]
# ### Exercise: relative feature distance
#
# Write `feature_distance(a, a0)` returning, for activations of shape `(N, C, H, W)`,
# the relative distance $\lVert a - a_0\rVert^2 / \lVert a_0\rVert^2$ of each image
# (a length-N tensor).

# %% tags=["exercise"]
def feature_distance(a, a0):
    raise NotImplementedError  # your code here


# %% tags=["exercise-check"]
cv.exercises.check_feature_distance(feature_distance);


# %% tags=["solution"]
def feature_distance_solution(a, a0):
    return (a - a0).flatten(1).pow(2).sum(1) / a0.flatten(1).pow(2).sum(1)

assert cv.exercises.check_feature_distance(feature_distance_solution)

# %% [markdown]
# ## Summary
#
# - Feature inversion searches for an image whose activations at one layer match a photo's,
#   from noise, under a prior (total variation, alpha-norm).
# - Shallow layers give back nearly the photo; deeper blocks keep where the parts are and let
#   exact colour and smooth surfaces go; the feature distance $d$ falls with depth all the same.
# - Many images share a deep layer's activations: seeds and priors pick different ones.
# - A layer clamped by a ReLU can stop the optimisation; invert before the clamp.

# %% [markdown]
# ## What next
#
# Inversion asks the network to reproduce what it sees. Notebook 04 asks it to
# exaggerate: DeepDream amplifies whatever a layer already detects in a photo.
