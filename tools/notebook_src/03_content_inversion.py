# ---
# jupyter:
#   cnnviz:
#     title: Reconstructing an image from its activations
#     goals:
#     - 'invert a layer: find an image whose activations match a photo''s (feature inversion)'
#     - see what each depth of the network keeps and what it throws away
#     - understand the role of the total-variation and alpha-norm regularisers
#     prerequisites: notebook 02 (optimising an image by gradient ascent, regularisers).
#     runtime:
#       cpu: 2 minutes
#       gpu: 20 seconds
#     papers:
#     - Mahendran & Vedaldi, *Understanding Deep Image Representations by Inverting Them*, CVPR 2015
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
# cannot tell the two images apart); the alpha-norm keeps pixels in a natural range and
# total variation $R_{TV}$ keeps the image smooth. `cv.invert` runs it with the same render
# loop as `cv.maximize` (frozen model, hooks removed, forward pass stopped at the layer).

# %%
clf = cv.load_model(device=DEVICE)
SIZE, STEPS = cv.config.pick(128, 40), cv.config.pick(300, 12)
cat = cv.sample_image("cat")
res = cv.invert(clf, cat, "blocks.4", size=SIZE, steps=STEPS, seed=0)   # a Rendering, with .info
print(f"feature distance: {res.info['distance_start']:.2f} (noise) -> {res.info['distance_end']:.2f}")

# %% tags=["nbval-check-output"]
assert res.info["distance_end"] < 0.5 * res.info["distance_start"]  # the match really improved
assert cv.hook_count(clf) == 0
print("inversion reduced the feature distance; no hook left")

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
from IPython.display import Markdown

layers = ["blocks.1", "blocks.4", "blocks.8", "blocks.12", "head"]
results = {l: cv.invert(clf, cat, l, size=SIZE, steps=STEPS, seed=0) for l in layers}
d = {l: r.info["distance_end"] for l, r in results.items()}
display(cv.plot.inversions(results["blocks.1"].info["target"], {l: r.tensor for l, r in results.items()}, d),
        Markdown(cv.credit("cat")))

# %% [markdown]
# **What $d$ measures, and what it does not.** $d = \lVert \Phi(x) - \Phi(x_0)\rVert^2 /
# \lVert \Phi(x_0)\rVert^2$ is measured in the layer's own space and divided by the size of
# the photo's own activations, so layers of any scale compare: $d = 0$ means the layer cannot
# tell the reconstruction from the photo, $d = 1$ is as far as an all-zero activation map.
# Through the blocks it *falls* with depth (about 0.6 at `blocks.1`, about 0.1 at
# `blocks.12`), and yet the pictures look *less* like the photo. Both come from the same
# fact: deeper layers are more invariant. `blocks.1` keeps nearly every pixel detail, and
# the optimiser must reproduce all of it to match. `blocks.12` has thrown away exact colour
# and most fine texture, so a great many images give nearly the same
# activations, and one of them is easy to find. A lower $d$ does not mean a more faithful
# picture: in pixels, the `blocks.12` reconstruction is *farther* from the photo than the
# `blocks.1` one.
#
# **What to look at:** `blocks.1` gives a slightly blurred copy of the photograph with its
# colours. From `blocks.4` on, the eyes, the nose and the outline of the face stay where
# they were, but the smooth fur turns into a multicoloured, high-frequency texture, more so
# at each depth: the layers keep *where the parts are* and let the exact colours and the
# smooth surfaces go. (The spatial grid shrinks too: 4x4 at `head` for this 128-pixel input.)
#
# `head` is the exception: its reconstruction is noise, at $d = 1.00$ (next section).

# %%
blocks = ["blocks.1", "blocks.4", "blocks.8", "blocks.12"]
pixel_error = {l: (results[l].tensor - results[l].info["target"]).pow(2).mean().item() for l in blocks}
print("feature distance d:  ", ", ".join(f"{l} {d[l]:.2f}" for l in blocks))
print("pixel error to photo:", ", ".join(f"{l} {pixel_error[l]:.3f}" for l in blocks))
if not cv.config.quick():
    assert d["blocks.12"] < d["blocks.1"] / 3   # d falls with depth ...
    assert all(d[deep] < d[shallow] + 0.05 for shallow, deep in zip(blocks, blocks[1:]))   # ... block by block
    assert pixel_error["blocks.12"] > pixel_error["blocks.1"]   # lower d, yet farther from the photo

# %% [markdown]
# ## 3. Why `head` gives noise, and how to invert it
#
# The blocks of EfficientNet-Lite0 end in a *linear* projection: their outputs are signed
# and every unit passes a gradient. `head` is a 1x1 convolution, batch norm and **ReLU6**:
# on the cat, nearly 9 in 10 of its values are exactly 0. Started from noise, the units the
# photo switches on are mostly off for the noise image, and an off ReLU passes no gradient,
# so the optimiser cannot turn them on. What it *can* do is switch off the units the noise
# turned on, and it does, until the head's output is (almost) all zero: $d \to 1$, the
# distance of an empty activation map. The inversion is stuck on a flat region of the
# objective, not short of steps.
#
# The cure for the *optimisation* is to invert the same layer *before* its clamp, `head.bn`
# (the batch-norm output, 1280 signed values per position; `head` is this clamped to
# [0, 6]): every unit passes a gradient again. We take a smaller step
# (`lr=0.02` instead of the default 0.05): 1280 signed channels make a steep objective, and
# at the larger step some random starts overshoot into a worse match.

# %%
head = results["head"]
a0 = cv.activations(clf, clf.from_unit(head.info["target"]), "head")
a = cv.activations(clf, clf.from_unit(head.tensor), "head")
print(f"share of the photo's head activations that are 0: {(a0 == 0).float().mean():.2f}")
print(f"size of the reconstruction's head activations: {a.pow(2).sum() / a0.pow(2).sum():.3f} of the photo's")
before_clamp = cv.invert(clf, cat, "head.bn", size=SIZE, steps=STEPS, seed=0, lr=0.02)
top = clf.predict(clf.from_unit(before_clamp.tensor))[0]
print(f"head: d = {d['head']:.2f}; head.bn: d = {before_clamp.info['distance_end']:.2f}, "
      f"the reconstruction is classified as {top[1]} ({top[2]:.0%})")
cv.plot.inversions(head.info["target"], {"head (after ReLU6)": head.tensor, "head.bn (before it)": before_clamp.tensor},
                   {"head (after ReLU6)": d["head"], "head.bn (before it)": before_clamp.info["distance_end"]}, cell=3)

# %% tags=["nbval-check-output"]
assert (a0 == 0).float().mean() > cv.config.pick(0.8, 0.5)   # most of the head is off on the photo
assert cv.activations(clf, clf.from_unit(head.info["target"]), "blocks.12").min() < 0   # a block's output is signed
if not cv.config.quick():
    assert d["head"] > 0.95 and a.pow(2).sum() < 0.05 * a0.pow(2).sum()   # switched off: d -> 1
    assert before_clamp.info["distance_end"] < 0.3                         # before the clamp it works
    assert top[0] in range(281, 286), top   # 281-285: ImageNet's domestic cats
print("head: stuck at an all-zero activation map; head.bn: matched, and still a cat to the network")

# %% [markdown]
# **What the `head.bn` picture shows.** The optimisation now works: $d$ falls to below 0.3
# and the network calls the result a cat. But to our eyes it is still mostly coloured
# noise, with at most faint curves where the eyes were. That is the lesson of this layer,
# not a failure of the method: at the end of the network a 128-pixel photo is summarised in
# a 4x4 grid of 1280 features, and those features are satisfied by the right textures in
# roughly the right cells, whatever the pixels in between. An image that is noise to a
# person, like this one, gives nearly the same `head.bn` activations as the cat. Mahendran & Vedaldi
# (2015) set the weight of their total-variation prior per layer, and even so their
# reconstructions from AlexNet's last layers keep only fragments of the object in roughly
# the right places; with the light prior used here, the inversion shows how little of the
# photo's appearance the last layer pins down. The numbers: its total variation (the
# roughness that section 4's regulariser penalises) is more than ten times the photo's. Its
# mean squared pixel error to the photo is about that of the `blocks.12` reconstruction: a
# pixel error does not tell a recognisable picture from noise of the right average colour.

# %% tags=["check"]
# what the paragraph says: head.bn's picture is ten times rougher than the photo, at blocks.12's pixel error
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
# ## 5. Explore
#
# Pick an image, a layer, the total-variation weight and the number of steps, then press
# **invert**. The title shows the relative feature distance reached.

# %%
cv.widgets.inversion_panel()


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
cv.exercises.check_feature_distance(feature_distance)


# %% tags=["solution"]
def feature_distance_solution(a, a0):
    return (a - a0).flatten(1).pow(2).sum(1) / a0.flatten(1).pow(2).sum(1)

assert cv.exercises.check_feature_distance(feature_distance_solution)

# %% [markdown]
# ## What next
#
# Inversion asks the network to reproduce what it sees. Notebook 04 asks it to
# exaggerate: DeepDream amplifies whatever a layer already detects in a photo.
