# ---
# jupyter:
#   cnnviz:
#     title: 'Explanations against the truth: a planted shortcut'
#     goals:
#     - 'build a dataset whose right answer is known: shapes, plus a small coloured patch that gives the
#       label away during training'
#     - watch a network learn the patch instead of the shapes, and prove it with test images whose patch
#       lies
#     - score every attribution method of the course against the masks of the patch and of the shape
#     - 'follow a training run epoch by epoch: first-layer filters and Grad-CAM while the shortcut appears'
#     prerequisites: notebooks 01 (gradients), 06 (Grad-CAM family), 07 (occlusion) and 08 (evaluating explanations).
#     runtime:
#       cpu: 2 minutes
#       gpu: 30 s
#     papers:
#     - Geirhos et al., *Shortcut Learning in Deep Neural Networks*, Nature Machine Intelligence 2020
#     - Zech et al., *Variable generalization performance of a deep learning model to detect pneumonia in
#       chest radiographs*, PLOS Medicine 2018
#     - Adebayo et al., *Post hoc Explanations may be Ineffective for Detecting Unknown Spurious Correlation*,
#       ICLR 2022
#     - Zhang et al., *Top-down Neural Attention by Excitation Backprop*, ECCV 2016
#     - Wang et al., *Score-CAM*, CVPR Workshops 2020
# ---

# %% [markdown]
# ## 1. The idea: a model whose right answer we know
#
# Notebooks 01 to 08 judged maps on photographs, where nobody knows what the network really
# uses. Here we build a task where we **do** know. Each image shows one shape, a circle, a
# square, a triangle or a cross, and a small coloured patch, the **cue**. During training the
# cue's colour names the class (red for circles, green for squares...), so a network can reach
# 100 % by reading the patch and ignoring the shape. That is **shortcut learning** (Geirhos et
# al. 2020): a pneumonia detector that learned the hospital's token in the corner of the X-ray
# instead of the lungs (Zech et al. 2018) is the famous real case.
#
# Because we drew every image, we have two masks per image: the cue's pixels $C$ and the
# shape's pixels $O$. An explanation $a$ (negative values set to zero, gradients summed over
# colour channels as $|a|$) can then be scored against the truth:
#
# $$E_C(a) = \frac{\sum_{p \in C} a_p}{\sum_{p} a_p} \qquad\text{(energy: the share of the map's mass on the cue)},$$
#
# and the **pointing game** (Zhang et al. 2016): a hit when $\arg\max_p a_p \in C$. The cue
# covers about 1.6 % of each image, so a map spread evenly scores $E_C \approx 0.016$.

# %%
import torch

SIZE = 40                                            # pixels: small images, a small network
N, EPOCHS, BATCH = cv.config.pick((3000, 6, 64), (1000, 4, 16))
train = cv.shape_images(N, cue="match", size=SIZE, seed=1)   # the cue's colour names the class
fair = cv.shape_images(N, cue="random", size=SIZE, seed=1)   # the same shapes, cue colour at random
print(f"classes: {train.classes}; the cue covers {train.cue_masks.float().mean():.1%} of an image, "
      f"the shape {train.object_masks.float().mean():.1%}")
cv.plot.cue_legend(train.classes)

# %%
cv.plot.shape_samples(train, 8, title="training images: the cue's colour always names the class")

# %% [markdown]
# ## 2. Two networks, two training sets
#
# `cv.SmallCNN` is three convolution blocks, global average pooling and one linear layer, the
# CAM architecture of Zhou et al. (2016), so every method of the course applies to it. We
# train one copy on `train` (the cue gives the label away) and one on `fair` (the same images,
# but the cue's colour is drawn at random, so only the shape predicts the label). Each run
# records a **timeline**: the first-layer filters and the Grad-CAM of image 0 after every epoch,
# stored as detached CPU copies (a few kilobytes per epoch, no autograd graph kept).

# %%
shortcut = cv.train_model(cv.SmallCNN(seed=0), train.images, train.labels, epochs=EPOCHS,
                          batch_size=BATCH, classes=train.classes, watch=0, seed=0)
clean = cv.train_model(cv.SmallCNN(seed=0), fair.images, fair.labels, epochs=EPOCHS,
                       batch_size=BATCH, classes=train.classes, watch=0, seed=0)
for name, run in [("shortcut", shortcut), ("clean", clean)]:
    print(f"{name:8s} {run.seconds:5.1f} s; training accuracy per epoch:",
          [round(a, 2) for a in run.accuracy])

# %% [markdown] choice="09-swap"
# ### Predict, then run
#
# (the builder writes the question and the answer cell)

# %% [markdown]
# ## 3. The shortcut, exposed: test images whose cue lies
#
# Four test sets of new images (another seed): the cue drawn as in training (`match`), the cue
# **swapped** to another class's colour (`swap`), a random colour (`random`), and no cue at all
# (`none`).

# %%
tests = {cue: cv.shape_images(400, cue=cue, size=SIZE, seed=2) for cue in ["match", "swap", "random", "none"]}
models = {"shortcut": shortcut.classifier, "clean": clean.classifier}
acc = {name: {cue: cv.accuracy(clf, d.images, d.labels) for cue, d in tests.items()} for name, clf in models.items()}
cv.plot.shortcut_accuracy(acc, chance=0.25)

# %%
swap = tests["swap"]
follows = float((cv.predict_classes(shortcut.classifier, swap.images) == swap.cue_classes).float().mean())
print(f"shortcut model: {acc['shortcut']['match']:.0%} with honest cues, {acc['shortcut']['swap']:.0%} with "
      f"swapped cues, and then it names the cue's class {follows:.0%} of the time")
assert acc["shortcut"]["match"] > 0.9 and acc["shortcut"]["swap"] < 0.15 and follows > 0.8
if not cv.quick():   # quick mode trains too briefly for the clean model to learn the shapes
    assert acc["clean"]["swap"] > 0.7 and abs(acc["clean"]["swap"] - acc["clean"]["match"]) < 0.05

# %% [markdown]
# **Reading the figure.** The shortcut model is perfect on images drawn like its training set
# and collapses **below chance** when the cue lies: it names the cue's class, not the shape's.
# Without a cue (`none`) it is close to chance: it never needed the shapes, so it never
# learned them. The clean model scores the same on every test set (in full mode; quick mode
# trains it too briefly to learn the shapes): the cue means nothing to it. Its training set
# had the same shapes and the same patches; only the *correlation* was removed.

# %%
if not cv.quick():
    assert acc["shortcut"]["none"] < 0.5 < acc["clean"]["none"]

# %% [markdown]
# ## 4. Watching the shortcut appear
#
# The timeline of each run: the 16 first-layer filters (5x5, one shared colour scale per
# epoch, grey is zero) and the Grad-CAM of training image 0, a cross with the yellow cue, with
# its probability, after each epoch (epoch 0: before training).

# %%
cv.plot.timeline(shortcut.timeline, train.classes)

# %%
cv.plot.timeline(clean.timeline, train.classes)

# %%
on_cue = {name: cv.mask_energy(torch.stack(run.timeline.cams), train[0].cue_masks.expand(len(run.timeline), -1, -1))
          for name, run in [("shortcut", shortcut), ("clean", clean)]}
on_object = float(cv.mask_energy(clean.timeline.cams[-1][None], train[0].object_masks))
print("Grad-CAM mass on the cue per epoch:", {n: [round(v, 2) for v in e.tolist()] for n, e in on_cue.items()})
for name, run in [("shortcut", shortcut), ("clean", clean)]:
    print(f"{name:8s} filters: change per epoch {[round(c, 2) for c in run.timeline.filter_change()]}, "
          f"colour share {[round(c, 2) for c in run.timeline.colour_share()]}")
print(f"memory: {shortcut.timeline.nbytes() / 1024:.1f} kB for {len(shortcut.timeline)} snapshots")
assert on_cue["shortcut"][-1] > 0.1 > on_cue["clean"][-1]
if not cv.quick():   # quick mode: 4 short epochs, the shortcut is taken but not yet settled
    assert (on_cue["shortcut"][2:] > 0.1).all() and on_cue["clean"][-1] < 0.05 and on_object > 0.3
    assert shortcut.timeline.filter_change()[-1] < 0.15 and shortcut.loss[-1] < 0.05

# %% [markdown]
# **Reading the figure** (full mode; quick mode's four short epochs only start the story).
# From epoch 2 on, the shortcut model's Grad-CAM sits on the yellow
# patch (more than 10 % of the map's mass on 1.6 % of the image) and the cross's probability
# climbs to 1: the network found the patch almost at once. Its filters stay tuned to colours
# (about half of their weight lies in colour differences) and stop moving (the last epoch
# changes them by less than 15 %): with the loss below 0.05 there is no gradient left that
# could teach it the shapes. The clean model's Grad-CAM wanders (for a while partly over the
# patch) and ends on the cross (more than 30 % of its mass on the shape, under 5 % on the
# patch), and its filters become brightness edge and corner detectors (their colour
# share falls from about 2/3, random, towards 0.1): a shape is a shape in any colour. They
# are still changing at the last epoch.

# %%
if not cv.quick():
    assert clean.timeline.filter_change()[-1] > shortcut.timeline.filter_change()[-1]
    assert clean.timeline.colour_share()[-1] < 0.25 < 0.35 < shortcut.timeline.colour_share()[-1]

# %% [markdown]
# ## 5. Every method of the course against the masks
#
# We explain both models' predictions on the same test images (cue drawn as in training, so
# both models are right), with every method of `cv.course_methods()`; occlusion gets windows
# sized for 40-pixel images. For each map: its **energy** on the cue and on the shape, the
# **pointing game** on each, the **recall** (the share of the cue among the map's top pixels,
# as many pixels as the cue has) and **deletion**: the drop of the class probability when the
# map's top pixels are set to the training mean, to compare with the drop when exactly the
# cue is deleted (last row, "the mask itself").

# %%
METHODS = cv.course_methods(occlusion_window=6, occlusion_stride=3)   # 6-pixel windows for 40-pixel images
test = tests["match"][:cv.config.pick(32, 8)]
masks = {"cue": test.cue_masks, "object": test.object_masks}
scores = {name: cv.score_against_masks(clf, clf.from_unit(test.images), masks, METHODS, test.labels,
                                       deletion="cue", tolerance=2, threads=1) for name, clf in models.items()}
scores["shortcut"]

# %%
scores["clean"]

# %%
cv.plot.mask_maps(scores, test, index=0)

# %%
cv.plot.mask_scores(scores, "cue pointing", ax_title="does the map's peak fall on the cue?")

# %%
cv.plot.mask_scores(scores, "cue energy", chance=float(test.cue_masks.float().mean()),
                    ax_title="share of the map's mass on the cue")

# %% [markdown]
# **Reading the figures.** On this task **every method reveals the shortcut**: for the shortcut
# model each map's peak lands on the cue in most of the images and never on the shape, and for
# the clean model it (almost) never lands on the cue. No method draws the shape "anyway": all
# sixteen change with the model. They differ in **how sharply** they say it. The two methods
# that delete regions and score what is lost, occlusion (its windows) and LIME (its grid of
# superpixels), put about half of their mass on the cue, a patch of 1.6 % of the image. RISE
# also deletes regions, but with thousands of random masks whose average keeps a high floor
# everywhere, so its peak is on the cue while almost none of its mass is. The CAM family draws
# a blob around the cue: a 10x10 map cannot be sharper than its 4-pixel cells, so its peak
# sometimes falls just beside the 5-pixel cue, and only about a tenth of its mass lies on it.
# The gradient maps (saliency, deconvnet, SmoothGrad, Integrated Gradients, guided backprop)
# hit the cue with their single brightest pixel, but spread most of their mass thinly over the
# whole image. **Deletion** agrees with the truth: for the shortcut model, deleting any
# method's top pixels costs about as much probability as deleting the cue itself; for the
# clean model, deleting the cue costs nothing.
#
# This is the easy case: a visible, localised patch. Adebayo et al. (2022) show that a
# spurious signal that is spread out or faint is far harder to spot in a map.

# %%
sc, cl = scores["shortcut"], scores["clean"]
truth = {name: float(s.truth["cue deletion"].mean()) for name, s in scores.items()}
for m in METHODS:
    assert sc.mean(m, "cue pointing") > sc.mean(m, "object pointing"), m
    if not cv.quick():   # quick mode: 8 images, and the clean model has not learned the shapes yet
        assert sc.mean(m, "cue pointing") >= 0.75 and sc.mean(m, "object pointing") <= 0.1, m
        assert cl.mean(m, "cue pointing") <= 0.1 and cl.mean(m, "object pointing") >= 0.25, m
        assert abs(sc.mean(m, "cue deletion") - truth["shortcut"]) < 0.25, m

# %%
deleters = ["occlusion", "lime"]
others = max(sc.mean(m, "cue energy") for m in METHODS if m not in deleters)
assert sc.mean("occlusion", "cue energy") > max(0.3, others) and truth["shortcut"] > 0.2 > 0.05 > truth["clean"]
if not cv.quick():   # quick mode: 8 images, LIME with few samples
    assert sc.mean("lime", "cue energy") > max(0.3, others) and others < 0.2
    assert sc.mean("rise", "cue pointing") >= 0.75 and sc.mean("rise", "cue energy") < 0.1

# %% [markdown]
# ## 6. Explore
#
# Pick a model, a test set, a method and an image. Try `swap`: the shortcut model names the
# cue's class, and its map points at the cue; the clean model names the shape. Try `none` on
# the shortcut model: with no cue to read, where do the maps go?

# %%
cv.widgets.shortcut_panel(models, METHODS)


# %% [markdown]
# ### Exercise: energy in a mask
#
# Write `mask_energy(maps, masks)`: `maps` is an `(N,H,W)` tensor of non-negative maps,
# `masks` an `(N,H,W)` bool tensor; return the `(N,)` share of each map's total mass that
# lies inside its mask, $E = \sum_{p \in M} a_p / \sum_p a_p$, and 0 for an all-zero map.
# Compare with `cv.mask_energy(scores["shortcut"].maps["gradcam"], masks["cue"])`.

# %% tags=["exercise"]
def mask_energy(maps, masks):
    raise NotImplementedError  # your code here


# %% tags=["exercise-check"]
cv.exercises.check_mask_energy(mask_energy)


# %% tags=["solution"]
def solution_mask_energy(maps, masks):   # named apart, so your own mask_energy is kept
    total = maps.sum(dim=(1, 2))
    inside = (maps * masks).sum(dim=(1, 2))
    return torch.where(total > 0, inside / total.clamp(min=1e-30), torch.zeros_like(total))

assert torch.allclose(solution_mask_energy(scores["shortcut"].maps["gradcam"], masks["cue"]),
                      cv.mask_energy(scores["shortcut"].maps["gradcam"], masks["cue"]))
assert cv.exercises.check_mask_energy(solution_mask_energy)

# %% [markdown]
# ### Question: why the patch?
#
# In training the shape and the cue **both** predict the label perfectly. Why did the network
# learn the cue and not the shape? Write your answer, then compare.
#
# <details><summary>Model answer (click)</summary>
#
# Gradient descent follows whatever lowers the loss fastest. A patch of one colour is found by
# a single first-layer filter wherever it is: one filter, one position, done. A shape needs
# edges combined into corners and outlines across several layers, and it varies in size, angle
# and colour. So the cue explains the labels long before the shapes do (the timeline: the
# Grad-CAM is on the patch from epoch 2). Once the cue gives a loss near zero, almost no
# gradient is left that could teach the shapes: the model that has learned the shortcut has
# no reason to learn anything else, which is why it is near chance without a cue. Training on
# `fair`, where only the shape predicts the label, is the only thing that made the clean model
# learn shapes.
# </details>
#
# ### Investigation: a harder shortcut
#
# The patch here is visible and compact, the easy case. Make it harder to see and find out
# which methods still reveal it, for example with a 3-pixel cue:
#
# ```python
# small = cv.shape_images(3000, cue="match", size=40, seed=1, cue_size=3)
# run = cv.train_model(cv.SmallCNN(seed=0), small.images, small.labels, classes=small.classes)
# probe = cv.shape_images(32, cue="match", size=40, seed=2, cue_size=3)
# cv.score_against_masks(run.classifier, run.classifier.from_unit(probe.images),
#                        {"cue": probe.cue_masks, "object": probe.object_masks}, METHODS, probe.labels, threads=1)
# ```
#
# Does the model still take the shortcut? Which method's pointing game drops first, and why
# would the CAM family suffer most?
#
# ## What to take away
#
# - **A known answer turns "looks right" into a measurement.** With masks of the cue and the
#   object, energy, pointing game and deletion say which pixels a map points at and whether
#   the model really uses them.
# - **A network takes the easiest rule that fits**: a colour patch rather than a shape. Only
#   test data where the shortcut fails (here, swapped cues) exposes it: accuracy on data drawn
#   like the training set said 100 %.
# - **Here every method of the course reveals the shortcut**, with very different sharpness:
#   occlusion and LIME concentrate on the cue, the CAM family blurs around it at its 10x10
#   resolution, gradient maps hit it with their peak but spread the rest thinly.
# - **Watch training, not just the end**: the timeline shows the shortcut taken within two
#   epochs, and the filters freezing once the loss is gone.
