# ---
# jupyter:
#   cnnviz:
#     title: Occlusion sensitivity
#     goals:
#     - 'run the occlusion experiment: hide one square of a cup-on-bricks photo at a time and watch the
#       class probability'
#     - read the probability-per-occluder-position heatmap, its regularised version and its projection
#     - turn it into a per-pixel map and explain two objects of one image in the same forward passes
#     - see what the window, the stride and the fill change, and why a black square hides 'too much'
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
# network was using those pixels.
#
# The per-pixel map averages the drop over every window $w$ that covers pixel $p$:
#
# $$A_c(p) = \frac{1}{|\{w \ni p\}|} \sum_{w \ni p} \big[f_c(x) - f_c(x_{\setminus w})\big].$$
#
# It needs no gradient, so it works on any model, but it costs one forward pass per window
# position: a 32 px window moved in steps of 16 px over a 224 px image is $13 \times 13 = 169$
# positions. `cv.occlusion` evaluates them in batches, so the 169 occluded images cost about as
# much as 170 images in one batched run.

# %%
import torch

clf = cv.load_model(device=DEVICE)
SIZE = 224                       # smaller images change this network's answer on this photo
WINDOW, STRIDE = 32, cv.config.pick(16, 32)  # quick mode: a coarser grid, 4 times fewer passes
cup = clf.preprocess(cv.sample_image("cup_on_bricks"), size=SIZE)
# the cup's square in the 512 px file, through preprocess's resize and centre crop
t = clf.transforms
scale = round(t.resize_size[0] * SIZE / t.crop_size[0]) / 512
CUP = tuple(round(v * scale - (512 * scale - SIZE) / 2) for v in (218, 89, 423, 289))
clf.predict(cup, k=3)

# %% [markdown]
# The image is an espresso cup, small and off-centre, on a brick wall: as in Zeiler & Fergus'
# experiments, the object fills a fraction of the picture, so there is something to find.
# The network's answer is "espresso" with high probability; `CUP` is the cup's box
# `(x0, y0, x1, y1)` in pixels, used below to check where each map points.

# %% [markdown]
# ## 2. The occlusion experiment
#
# `cv.occlusion_grid` keeps the output for every occluder position (the experiment of
# Zeiler & Fergus' figure 7, which moves a grey square over a dog, a car wheel and a
# Pomeranian). `fill="grey"` hides the square with mid grey; the fill is given in the model's
# input space, and the names `"grey"`, `"black"`, `"mean"` and `"blur"` are translated through
# the model's normalisation.

# %%
grid = cv.occlusion_grid(clf, cup, window=WINDOW, stride=STRIDE, fill="grey")
print(f"{grid.positions} occluder positions ({len(grid.ys)} x {len(grid.xs)}), "
      f"class {clf.label(grid.targets[0, 0])!r}")

# %%
cv.plot.occlusion_experiment(clf, cup, grid)

# %% [markdown]
# **How to read it.** Left: the image with one occluder drawn to scale. Second: the
# "espresso" probability with the occluder at each position. It is dark (low) only where the
# square hides the cup, above all its crema and rim; over the bricks it barely moves: no
# square that misses the cup costs even a quarter of what the worst one costs. The wall
# carries no evidence for "espresso".
#
# Third: the **regularised heatmap** of the course's occlusion experiment. It standardises the grid,
# $\tilde p = \mathrm{clip}(0.5 + 0.1\,(p - \bar p)/\sigma_p,\ 0,\ 1)$, sets the lowest 25 %
# (the positions where occlusion hurt most) to 0, takes $1 - \tilde p$ so that *important* is
# bright, and blurs it with a $3 \times 3$ box. Fourth: the image multiplied by that map: only
# what the network needs stays lit. Last: the per-pixel mean drop of the equation above.
# The cell below checks the reading: the worst square is centred on the cup, the squares of
# bricks only cost little, and the per-pixel map holds about twice as much of its mass inside
# the cup's box as the box's share of the image (a fifth).

# %%
x0, y0, x1, y1 = CUP
drop = grid.drop[0, 0].cpu()
i, j = divmod(int(drop.argmax()), drop.shape[1])
cy, cx = grid.ys[i] + WINDOW // 2, grid.xs[j] + WINDOW // 2
bricks = float(drop[grid.misses(CUP)].max())   # the worst square that holds no pixel of the cup
box_area = (x1 - x0) * (y1 - y0) / SIZE**2
share = float(cv.energy_in_box(cv.occlusion_map(grid), CUP)[0])
print(f"worst square centred at (x={cx}, y={cy}), drop {float(drop.max()):.2f}; worst square of bricks only: "
      f"{bricks:.2f}; cup box: {box_area:.0%} of the image, {share:.0%} of the map")
assert x0 <= cx < x1 and y0 <= cy < y1 and bricks < float(drop.max()) / 4
assert share > cv.config.pick(1.8, 1.3) * box_area

# %% [markdown]
# ## 3. Two objects, one run
#
# On an image with a cat on the left and the same cup on the right, an `(N, K)` target
# explains K classes at once: the K probabilities are read from the *same* forward passes.
# For the cup we explain ImageNet's class "cup".

# %%
both = clf.preprocess(cv.sample_image("cat_and_coffee"), size=SIZE)
classes = [clf.predict(both, k=1)[0][0], clf.class_index("cup")]
names = [clf.label(c) for c in classes]
maps = cv.occlusion(clf, both, [classes], window=WINDOW, stride=STRIDE, fill="grey")
cv.plot.occlusion_maps(clf, both, maps, [f"occlusion: {n!r}" for n in names])

# %% [markdown]
# The cat's map lights up the cat, the "cup" map the cup and its saucer; each panel has
# its own colour scale (its colour bar: the probability drop). Hiding the cat can even
# *raise* the cup's probability (a negative drop, not shown in these positive-only overlays):
# the two classes compete for the same softmax. The **pointing game** (Zhang et al. 2016)
# scores a map by whether its maximum falls inside the object's box. Boxes are
# `(x0, y0, x1, y1)` in pixels.

# %% tags=["nbval-check-output"]
half = SIZE // 2
hits = [bool(cv.pointing_game(maps[:, 0], [(0, 0, half, SIZE)])[0]),   # cat: left half
        bool(cv.pointing_game(maps[:, 1], [(half, 0, SIZE, SIZE)])[0])]  # cup: right half
left, right = maps[0, :, :, :half].sum((1, 2)), maps[0, :, :, half:].sum((1, 2))
assert hits == [True, True] and left[0] > right[0] and right[1] > left[1]
print("pointing game hits:", hits)

# %% [markdown]
# ### Occlusion against Grad-CAM
#
# Grad-CAM (notebook 06) reads the same question off the gradients at the last feature
# maps: one forward and one backward pass instead of one forward pass per window. Put side by
# side for the same two classes, the two agree on *where* each object is; occlusion's map is
# blockier (the window's size) but needs no access to the network's insides. Each panel is
# scaled to its own maximum (its colour bar): occlusion's in probability drop, Grad-CAM's in
# the map's own units.

# %%
cams = cv.gradcam(clf, both, [classes])  # the same two classes: one forward, one backward
cv.plot.occlusion_maps(clf, both, torch.cat([maps, cams], dim=1),
                       [f"occlusion: {n!r}" for n in names] + [f"Grad-CAM: {n!r}" for n in names],
                       what=["probability drop"] * 2 + ["Grad-CAM value"] * 2)

# %%
left_half = (0, 0, half, SIZE)
on_cat = {"occlusion": cv.energy_in_box(maps, left_half)[0], "Grad-CAM": cv.energy_in_box(cams, left_half)[0]}
assert all(share[0] > 0.5 > share[1] for share in on_cat.values()), on_cat
print("share of each map on the cat's half:",
      {name: [f"{v:.0%}" for v in share.tolist()] for name, share in on_cat.items()})

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
grids = {f: cv.occlusion_grid(clf, cup, window=WINDOW, stride=WINDOW, fill=f) for f in fills}
worst = {f: float(g.drop.max()) for f, g in grids.items()}
cv.plot.occlusion_maps(clf, cup, torch.stack([cv.occlusion_map(g)[0] for g in grids.values()])[None],
                       [f"fill={f}: worst square -{worst[f]:.2f}" for f in fills])

# %% [markdown]
# **Black hides the most**, then grey, then the blurred copy, and not only on the cup. A black
# square is far from anything in the training images: it adds strong new edges and a colour
# no brick wall has, so part of the drop is the shock of the patch itself, whatever it
# covers. The cell below measures that: on the squares that hide **only bricks** (no pixel of
# the cup), the mean drop is largest with black, and the blurred copy, which stays closest to
# the photograph, costs least. Grey sits in between: a flat patch is still out of place, but
# less so. An occlusion map answers *"what if this were replaced by that"*: always say which
# replacement you used.

# %%
on_bricks = {f: float(g.drop[0, 0].cpu()[g.misses(CUP)].mean()) for f, g in grids.items()}
print("worst square:", {f: round(v, 3) for f, v in worst.items()})
print(f"mean drop over the {int(grids['black'].misses(CUP).sum())} squares of bricks only:",
      {f: round(v, 4) for f, v in on_bricks.items()})
assert worst["black"] > worst["grey"] > worst["blur"]
assert on_bricks["black"] > on_bricks["grey"] > on_bricks["blur"]

# %% [markdown]
# **Window and stride.** A window smaller than the object's parts finds nothing (hiding one
# whisker changes little); a huge window hides everything and localises nothing. The stride
# sets the resolution of the grid and the cost, about $(\text{size}/\text{stride})^2$ forward
# passes. Try them in the panel of section 6.

# %% [markdown]
# ## 5. Random masks instead of one square: RISE and LIME
#
# Occlusion hides one square at a time. Two black-box methods hide **many parts at once, at
# random**, and read the importance of each part off all the answers together.
#
# **RISE** (Petsiuk et al. 2018) draws $N$ smooth random masks $M_i$ (a coarse grid of
# cells kept with probability $p$, upsampled and shifted), runs the masked images, and
# averages the masks weighted by the score each masked image still gets:
# $$S_c(p) = \frac{1}{N\,p}\sum_{i=1}^{N} f_c(x \odot M_i)\,M_i(p).$$
# A pixel scores high when the copies that keep it score high.
#
# **LIME** (Ribeiro et al. 2016) cuts the image into superpixels, switches random subsets of
# them off ($z_i \in \{0, 1\}^F$), and fits a weighted linear model to the scores,
# $$\min_{\beta, b} \sum_i \pi(z_i)\,\big(f_c(x_{z_i}) - b - z_i^\top\beta\big)^2 + \alpha\|\beta\|^2,$$
# with $\pi$ favouring samples close to the whole image. Each superpixel's coefficient
# $\beta_j$ is its importance.
#
# All three below get the **same number of forward passes** as the occlusion grid of section 2
# and the same grey fill, so the comparison is about the masks, not the budget.

# %%
passes = grid.positions
black_box = {"occlusion": cv.occlusion_map(grid)[0],   # section 2's grid: `passes` forward passes
             "RISE": cv.rise(clf, cup, n=passes, fill="grey", seed=0)[0],
             "LIME": cv.lime(clf, cup, n=passes, fill="grey", segments="superpixels", seed=0)[0]}
print(f"forward passes per map: {passes} for each of {', '.join(black_box)}")
cv.plot.occlusion_maps(clf, cup, torch.stack(list(black_box.values()))[None],
                       [f"{name} ({passes} passes)" for name in black_box],
                       what=["probability drop", "RISE score", "LIME coefficient"])

# %% [markdown]
# **Reading the figure.** The three methods agree on the answer: each puts its maximum on the
# cup (the pointing game on the cup's box), and their maps are positively correlated with
# each other (Pearson's r of about 0.4 to 0.5 per pair: far from identical).
# They differ in texture, and that is the masks' signature: occlusion's map is made of
# overlapping squares, RISE's of soft blobs with some noise left over the bricks (a few
# hundred random masks are not enough to average it away; the paper uses thousands), and
# LIME's is constant on each superpixel, with edges that follow the cup's outline.

# %%
hits = {name: bool(cv.pointing_game(m[None], [CUP])[0]) for name, m in black_box.items()}
r = torch.corrcoef(torch.stack([m.flatten() for m in black_box.values()]).double())
names3 = list(black_box)
pairs = {f"{a} ~ {b}": float(r[k, l]) for k, a in enumerate(names3) for l, b in enumerate(names3) if l > k}
print("peak on the cup:", hits)
print("Pearson correlation of the maps:", {k: round(v, 2) for k, v in pairs.items()})
# quick mode (a few dozen passes each): only occlusion is sure to find the cup, the maps barely agree
assert hits["occlusion"] and sum(hits.values()) >= cv.config.pick(3, 1), hits
assert min(pairs.values()) > cv.config.pick(0.3, -0.2), pairs

# %% [markdown]
# ## 6. Explore
#
# Choose the image (or upload your own), the window, the stride, the fill, probability or
# logit, and the regularisation percentile, then press **run**.

# %%
cv.widgets.occlusion_panel(image="cup_on_bricks", size=SIZE)

# %% [markdown]
# ## 7. Is the map any good? Deletion and insertion
#
# Petsiuk et al. (2018) measure a map by using it: **delete** pixels from the most to the least
# important and watch the probability fall (a good map makes it fall fast: low area under the
# curve), or **insert** them into a blurred image and watch it rise (a good map: high area).
# A random map is the baseline every explanation must beat. Notebook 08 runs every method of
# the course through these tests.

# %%
random_map = cv.evaluate.random_map(cup, seed=0)[0]
steps = cv.config.pick(25, 10)
curves = {name: [cv.deletion_curve(clf, cup, m[None], steps=steps, fill="blur"),
                 cv.insertion_curve(clf, cup, m[None], steps=steps)]
          for name, m in {**black_box, "random": random_map}.items()}
cv.plot.curves(curves)

# %% [markdown]
# **Reading the curves.** On this image both tests agree: the three maps make "espresso" fall
# after a small fraction of the pixels is deleted, while deleting random pixels leaves it
# standing much longer; and inserting the cup first brings the class back long before the
# random order does. (On images where the object fills the frame, deletion can *prefer* a
# random map: deleting scattered pixels turns the whole image into noise that no class
# survives, far from anything the network was trained on. That weakness of the metric is
# one reason notebook 08 reads both curves, on several images.)

# %%
auc = {name: (float(d.auc[0]), float(i.auc[0])) for name, (d, i) in curves.items()}
print({name: f"deletion {d:.3f}, insertion {i:.3f}" for name, (d, i) in auc.items()})
beat_random = all(auc[m][0] < auc["random"][0] and auc[m][1] > auc["random"][1] for m in black_box)
assert beat_random or (cv.config.quick() and auc["occlusion"][1] > auc["random"][1]), auc  # quick: coarse maps


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
# probability when the square at `(top, left)` is set to `0.0` (the dataset mean), i.e.
# $p_c(x) - p_c(x_{\setminus w})$, as a float. Use your `occlude`, `clf.model` and `softmax`.
# The checker compares it with cells of `cv.occlusion_grid`.

# %% tags=["exercise"]
def occlusion_drop(clf, x, top, left, window):
    raise NotImplementedError  # your code here


# %% tags=["exercise-check"]
cv.exercises.check_occlusion_drop(occlusion_drop, clf, cup)


# %% tags=["solution"]
def occlusion_drop_solution(clf, x, top, left, window):
    with torch.no_grad():
        p = clf.model(x).softmax(dim=1)[0]
        c = int(p.argmax())
        q = clf.model(occlude_solution(x, top, left, window, 0.0)).softmax(dim=1)[0]
    return float(p[c] - q[c])

assert cv.exercises.check_occlusion_drop(occlusion_drop_solution, clf, cup)

# %% [markdown]
# ### Think, then write
#
# A classmate's occlusion map of a dog photo (black fill, 32 px window) has its largest drop on
# a square of **grass** beside the dog, not on the dog. Give two explanations, and one
# experiment with the tools of this notebook that tells them apart.

# %% [markdown]
# *Your answer (double-click this cell to write):*

# %% [markdown]
# <details><summary><b>Model answer</b> (open it after writing yours)</summary>
#
# 1. **The network uses the context**: grass is evidence for "dog" in its training photos (a
#    shortcut), so hiding it lowers the dog's probability. 2. **The fill is the cause**: a black
#    square is out of distribution, and it lowers the probability wherever it lands, as it
#    did on the bricks in section 4. The experiment: rerun with `fill="blur"` (or `"grey"`)
#    and compare. If the grass square still hurts with a fill that looks like a photograph,
#    the network uses the grass; if its drop falls to the level of other background squares,
#    the black patch was doing it. A second check: RISE or LIME (other masks, several parts at
#    once) should agree with occlusion where the evidence is real.
#
# </details>

# %% [markdown]
# ## What to take away
#
# - Occlusion answers a causal question, *"what if this part were replaced?"*, with forward
#   passes only: no gradients, no hooks, any model. On an object in a scene it finds the
#   object; its map is blocky at the window's scale.
# - Its answer depends on the window (the scale of the parts you can find), the stride (its
#   resolution and cost) and the **fill**: a black square is out of distribution and costs
#   probability even where it hides nothing. Report all three.
# - RISE and LIME hide many parts at once, at random; at the same number of forward passes
#   they point at the same object, with their own textures (soft blobs, superpixels).
# - Deletion and insertion curves tell you whether a map is faithful; read both.
#
# Next, notebook 08 puts every method of the course through the same tests, and through a
# sanity check that some popular methods fail.
