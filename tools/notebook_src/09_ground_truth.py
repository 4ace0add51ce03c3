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
#     - Zhou et al., *Learning Deep Features for Discriminative Localization* (CAM), CVPR 2016
#     - Adebayo et al., *Sanity Checks for Saliency Maps*, NeurIPS 2018
#     - Wang et al., *Score-CAM*, CVPR Workshops 2020
#     - Yang & Kim, *Benchmarking Attribution Methods with Relative Feature Importance* (BIM), 2019
#     - 'Arras, Osman & Samek, *CLEVR-XAI: A benchmark dataset for the ground truth evaluation of neural network explanations*, Information Fusion 2022'
#     - 'Pezeshki et al., *Gradient Starvation: A Learning Proclivity in Neural Networks*, NeurIPS 2021'
# ---

# %% [markdown]
# ## 1. The idea: a model whose right answer we know
#
# Notebooks 01 to 08 judged maps on photographs, where nobody knows what the network really
# uses. Here we build a task where we **do** know. Each image shows one shape, a circle, a
# square, a triangle or a cross, and the **cue**: a 5 x 5-pixel square, a 3 x 3 coloured centre
# inside a 1-pixel black frame (the frame is the same for every class; the cue's mask $C$
# covers all 25 pixels, frame included). During training the
# cue's colour names the class (red for circles, green for squares...), so a network can reach
# 100 % by reading the patch and ignoring the shape. That is **shortcut learning** (Geirhos et
# al. 2020). The famous real case: a pneumonia detector learned to recognise which hospital an
# X-ray came from (for instance from the metal token in its corner) and used that hospital's
# pneumonia rate (Zech et al. 2018).
#
# Because we drew every image, we have two masks per image: the cue's pixels $C$ and the
# shape's pixels $O$. Every map is first made a non-negative $H \times W$ map $a$: a map with
# three colour channels (saliency, SmoothGrad, Integrated Gradients, guided backprop,
# deconvnet) becomes the **sum over channels of the absolute values**, $a_p = \sum_c |g_{c,p}|$
# (so IG's negative values count by their size; Simonyan et al. take the maximum over the
# channels instead, a choice that changes the energies a little); a single-channel map (the CAM family,
# occlusion, RISE, LIME) has its **negative values set to zero** (they argue against the
# class). It can then be scored against the truth:
#
# $$E_C(a) = \frac{\sum_{p \in C} a_p}{\sum_{p} a_p} \qquad\text{(energy: the share of the map's mass on the cue)},$$
#
# and the **pointing game** (Zhang et al. 2016): a hit when the map's maximum lies within a
# tolerance of the cue, $\min_{q \in C} \|\arg\max_p a_p - q\|_2 \le 2$ pixels (Zhang et al.
# allow 15 pixels on 224-pixel images). The cue covers about 1.6 % of each image, so a map
# spread evenly scores $E_C \approx 0.016$; with the tolerance, the target of the pointing
# game is the cue enlarged by 2 pixels (its area is printed in section 5).

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
two_each = torch.cat([(train.labels == c).nonzero()[:2, 0] for c in range(len(train.classes))])
cv.plot.shape_samples(train[two_each], 8, title="training images, two per class: the cue's colour names the class")

# %% [markdown]
# ## 2. Two networks, two training sets
#
# `cv.SmallCNN` is three convolution blocks, global average pooling and one linear layer, the
# CAM architecture of Zhou et al. (2016), so every method of the course applies to it. We
# train one copy on `train` (the cue gives the label away) and one on `fair` (the same images,
# but the cue's colour is drawn at random, so only the shape predicts the label). Each run
# records a **timeline**: the first-layer filters and the Grad-CAM of training image 0 after
# every epoch. Settings: 3000 training images of 40 x 40 pixels, 6 epochs, batches of 64, one
# training seed. The **training accuracy** printed per epoch is the share of that epoch's
# images classified right *while* the weights were still changing (counted batch by batch),
# not the accuracy of the model saved after the epoch. (Quick mode, used for testing the
# notebook, trains 1000 images for 4 epochs: its numbers do not match the text.)

# %%
shortcut = cv.train_model(cv.SmallCNN(seed=0), train.images, train.labels, epochs=EPOCHS,
                          batch_size=BATCH, classes=train.classes, watch=0, seed=0)
clean = cv.train_model(cv.SmallCNN(seed=0), fair.images, fair.labels, epochs=EPOCHS,
                       batch_size=BATCH, classes=train.classes, watch=0, seed=0)
for name, run in [("shortcut", shortcut), ("clean", clean)]:
    print(f"{name:8s} training accuracy per epoch:", [round(a, 2) for a in run.accuracy])
    print(f"{name:8s} training loss per epoch:    ", [round(v, 3) for v in run.loss])

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
      f"swapped cues, and then it names the cue's class {follows:.0%} of the time; {acc['shortcut']['none']:.0%} "
      f"with no cue (chance: 25%)")

# %% tags=["check"]
# The shortcut model is right with honest cues, wrong with swapped ones, and follows the cue; the clean model does not care
assert acc["shortcut"]["match"] > 0.9 and acc["shortcut"]["swap"] < 0.15 and follows > 0.8
if not cv.quick():   # quick mode trains too briefly for the clean model to learn the shapes
    assert acc["clean"]["swap"] > 0.7 and abs(acc["clean"]["swap"] - acc["clean"]["match"]) < 0.05

# %% [markdown]
# **What to look at.** The shortcut model is perfect on images drawn like its training set
# and collapses **below chance** when the cue lies: it names the cue's class, not the shape's.
# Without a cue (`none`) it scores the share printed above (31 %), only a little above chance
# (25 %): it learned almost nothing about the shapes. With a `random` cue it scores about 25 %,
# exactly what a pure cue reader gets: the random colour happens to be the true class's a
# quarter of the time, one more proof of the shortcut. The clean model scores the same on
# every test set: the cue means nothing to it. Its training set
# had the same shapes and the same patches; only the *correlation* was removed.

# %% tags=["check"]
# Without a cue the shortcut model is below 50 % and the clean one above; a random cue: about 25 %
if not cv.quick():
    assert acc["shortcut"]["none"] < 0.5 < acc["clean"]["none"] and 0.2 < acc["shortcut"]["random"] < 0.3
    assert all(0.74 < a < 0.87 for a in acc["clean"].values()), acc["clean"]   # about 80 %: still learning

# %% [markdown]
# ## 4. Watching the shortcut appear
#
# The timeline of each run: the 16 first-layer filters (5x5, one shared colour scale per
# epoch, grey is zero) with their **colour share** (how much of their weight lies in colour
# differences rather than brightness: about 2/3 for random filters, 0 for filters blind to
# colour), and the Grad-CAM of training image 0, a cross with a yellow cue (the first cross in
# section 1's figure; the overlay hides the cue's colour), with its
# probability, after each epoch (epoch 0: before training). The **change per epoch** printed
# below is $\|W_e - W_{e-1}\| / \|W_e\|$ for the first-layer weights $W_e$ after epoch $e$.

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
print(f"clean model, last epoch: {on_object:.0%} of the Grad-CAM on the shape")

# %% tags=["check"]
# The shortcut model's Grad-CAM on the cue from epoch 1 on, the clean model's on the shape; filters settle
assert on_cue["shortcut"][-1] > 0.1 > on_cue["clean"][-1]
if not cv.quick():   # quick mode: 4 short epochs, the shortcut is taken but not yet settled
    assert on_cue["shortcut"][0] < 0.05 and (on_cue["shortcut"][1:] > 0.1).all()   # from epoch 1 on
    assert on_cue["clean"][-1] < 0.05 and on_object > 0.3
    assert shortcut.timeline.filter_change()[-1] < 0.15 and shortcut.loss[-1] < 0.05

# %% [markdown]
# **What to look at** (the numbers are printed above; all of this is **one training image**
# of one training run). After the first epoch the shortcut model's Grad-CAM of this image
# already sits on the yellow patch (0.17 of the map's mass on 1.6 % of the image; before
# training, 0.01), **before** its prediction follows: the cross's probability in the title is
# 0.21 after epoch 1 (0.24 before training); the running training accuracy of that epoch is
# 0.48. Whether the maps of other images move as early was not measured here. A Grad-CAM for
# "cross" shows where the cross logit's gradient points, not that the model already decides
# by it. From epoch 2 on (training accuracy 0.90, then 1.0) the shortcut decides and the
# cross's probability climbs towards 1. Its filters lose some colour (colour share from 0.65,
# random, to 0.52) but keep about half of their weight in colour differences, against 0.11
# for the clean model, and they stop moving (the last epoch changes them by 0.04): with the
# training loss near zero (printed in section 2) little gradient is left that could teach it
# the shapes. The clean model's Grad-CAM wanders and ends on the cross (33 % of its mass on
# the shape, 0.01 on the patch), and its filters become brightness edge and corner detectors
# (colour share 0.11): a shape is a shape in any colour. They are still changing at the last
# epoch (0.27).

# %% tags=["check"]
# The clean model's filters still move and lose their colour; the shortcut model's keep it
if not cv.quick():
    assert clean.timeline.filter_change()[-1] > max(0.2, shortcut.timeline.filter_change()[-1])
    assert clean.timeline.colour_share()[-1] < 0.25 < 0.35 < shortcut.timeline.colour_share()[-1]
    assert shortcut.timeline.colour_share()[-1] < shortcut.timeline.colour_share()[0]   # colour falls, stays high
    p_img0 = [float(p[int(train.labels[0])]) for p in shortcut.timeline.probs]
    assert p_img0[1] < 0.5 < p_img0[2] and shortcut.accuracy[0] < 0.6 < 0.85 < shortcut.accuracy[1]   # CAM first, then decision

# %% [markdown]
# ## 5. Every method of the course against the masks
#
# We explain the **true class** of 32 test images (cue drawn as in training) for both models,
# with every method of `cv.course_methods()`; occlusion gets windows sized for 40-pixel
# images. The shortcut model is right on all of them, the clean model on most (printed
# below). For each map: its **energy** on the cue and on the shape, the **pointing game** on
# each (tolerance 2 pixels), the **recall** (the share of the cue among the map's top |C|
# pixels, as many pixels as the cue has) and, in the column "cue deletion", the drop of the
# class probability when the map's **top |C| pixels** are set to the training mean. The last
# row, "(the mask itself)", is the truth: the drop when exactly the cue is deleted.

# %%
METHODS = cv.course_methods(occlusion_window=6, occlusion_stride=3)   # 6-pixel windows for 40-pixel images
test = tests["match"][:cv.config.pick(32, 8)]
masks = {"cue": test.cue_masks, "object": test.object_masks}
scores = {name: cv.score_against_masks(clf, clf.from_unit(test.images), masks, METHODS, test.labels,
                                       deletion="cue", tolerance=2, threads=1) for name, clf in models.items()}
print("right on these images:", {n: f"{cv.accuracy(c, test.images, test.labels):.0%}" for n, c in models.items()})
scores["shortcut"]

# %%
scores["clean"]

# %%
strict = {m: float(cv.mask_pointing(scores["shortcut"].maps[m], masks["cue"]).float().mean()) for m in METHODS}
disc = torch.tensor([[x * x + y * y <= 4 for x in range(-2, 3)] for y in range(-2, 3)]).float()[None, None]
target = torch.nn.functional.conv2d(masks["cue"][:, None].float(), disc, padding=2)[:, 0] > 0
print(f"the cue covers {masks['cue'].float().mean():.1%} of an image; enlarged by 2 pixels, {target.float().mean():.1%}")
print("shortcut model, cue pointing with no tolerance (the peak exactly on the cue):",
      {m: round(v, 2) for m, v in strict.items()})
print(f"RISE: {METHODS['rise'].settings['n']} random masks per map; the shape covers "
      f"{test.object_masks.float().mean():.1%} of an image (object energy's chance level)")

# %%
SHOWN = ["saliency", "guided_backprop", "integrated_gradients", "gradcam", "occlusion", "rise", "lime"]
for name, c in models.items():
    p0 = c.logits(c.from_unit(test.images[:1])).softmax(1)[0]
    print(f"image 0 ({test.classes[int(test.labels[0])]}): the {name} model predicts "
          f"{test.classes[int(p0.argmax())]} ({float(p0.max()):.2f})")
cv.plot.mask_maps(scores, test, index=0, methods=SHOWN)   # seven of the sixteen: the tables have them all

# %%
cv.plot.mask_scores(scores, "cue pointing", chance=float(target.float().mean()), landscape=True,  # chance: 2-px target
                    ax_title=f"does the map's peak fall within 2 pixels of the cue? (n = {len(test)})")

# %%
cv.plot.mask_scores(scores, "cue energy", chance=float(test.cue_masks.float().mean()), landscape=True,
                    ax_title="share of the map's mass on the cue")

# %% [markdown]
# **What to look at** (the tables, n = 32 images, so 0.03 is one image; the figure is one
# image). On this task **every method's peak lands on the cue** of the shortcut model (cue
# pointing 0.88 to 1.00 in the table) and almost never on the shape (0 for all but saliency,
# 0.03: one image), and for the clean model it (almost) never lands on the cue (at most 0.1;
# SmoothGrad's noise is redrawn on every run, so its scores move by a few hundredths).
# **By mass the picture is less clear.** The gradient maps put 0.09 to 0.13 of their mass on
# the shape, as much as on the cue or more (saliency 0.11 on the cue, 0.12 on the shape;
# deconvnet 0.05 and 0.12; Integrated Gradients 0.06 and 0.09), and on image 0 (figure above)
# saliency, guided backprop and IG put more mass on the triangle than on the cue. Compare
# **densities**, not masses: the cue covers 1.6 % of the image and the shape about 12 % (11.4 %
# on these 32 images, printed above), so saliency's 0.11 on the cue is about seven times its even share, while 0.12 on the
# shape is its even share, the chance level. The edges in these maps are real gradients (the
# logit does respond to them, and the model scores 31 % without a cue), but they matter far
# less than the cue; guided backprop also partly reconstructs the image whatever the model
# uses (Nie, Zhang & Patel 2018; Adebayo et al. 2018). A student reading one such map could
# conclude that the shape matters: read the table, not one map.

# %% [markdown]
# The methods differ in **how sharply** they point. Occlusion and LIME, which delete regions
# and score what is lost, put 0.49 and 0.58 of their mass on the cue, a patch of 1.6 % of the
# image; **the settings favour them here**: the cue is a high-contrast square with a black
# frame, which LIME's superpixel segmentation isolates exactly (on image 0 its map lights
# one square, the cue),
# and occlusion's 6-pixel window is about the cue's size. With other segments or windows they
# would be less sharp; this is not proof that perturbation methods are sharper in general.
# RISE also deletes regions, but with many random masks (the number is printed above)
# whose average keeps a high floor everywhere, so its peak is on the cue (0.88) while almost
# none of its mass is (0.02); RISE maps are often shown with their floor subtracted, which
# would raise that energy. Of the rest, guided backprop has the most mass on the cue (0.18);
# the CAM family,
# SmoothGrad and saliency 0.11 to 0.13; deconvnet (0.05) and Integrated Gradients (0.06) the
# least. The CAM family's 10x10 map cannot be sharper than its 4-pixel cells: with no
# tolerance its peak hits the 5-pixel cue in only 0.50 to 0.59 of the images (printed above),
# against 0.97 with 2 pixels of slack; the gradient maps hit it exactly (0.97 to 1.00). **Deletion** agrees
# with the truth: for the shortcut model, deleting any method's top |C| pixels costs 0.54 to
# about 0.75 of the probability, against 0.73 for deleting the cue itself; for the clean model,
# deleting the cue costs nothing (-0.02).
#
# On image 0 (the figure) both models predict *triangle* (the clean one with 0.58). The clean
# model's gradient maps, Grad-CAM and RISE sit partly *beside* the triangle on this image,
# while occlusion and LIME land on it; averaged over the 32 images its Grad-CAM peak lands on
# the shape 84 % of the time (table). One image is an example, the tables are the result.
#
# This is the easy case: a visible, localised patch. Adebayo et al. (2022) show that a
# spurious signal that is spread out or faint is far harder to spot in a map.

# %% tags=["check"]
# By mass, the gradient maps put about the shape's area share (12 %) on it; the shape's peaks: one image
sc, cl = scores["shortcut"], scores["clean"]
if not cv.quick():
    grads = ["saliency", "deconvnet", "guided_backprop", "smoothgrad", "integrated_gradients"]
    assert all(0.085 < sc.mean(m, "object energy") < 0.135 for m in grads)
    assert all(sc.mean(m, "object pointing") == 0 for m in METHODS if m != "saliency")
    assert abs(sc.mean("saliency", "object pointing") - 1 / 32) < 1e-6 and METHODS["rise"].settings["n"] > 100

# %% tags=["check"]
# Every method: the shortcut model's peak on the cue, the clean model's on the shape; deletion near the truth
truth = {name: float(s.truth["cue deletion"].mean()) for name, s in scores.items()}
for m in METHODS:
    assert sc.mean(m, "cue pointing") > sc.mean(m, "object pointing"), m
    if not cv.quick():   # quick mode: 8 images, and the clean model has not learned the shapes yet
        assert sc.mean(m, "cue pointing") >= 0.75 and sc.mean(m, "object pointing") <= 0.1, m
        assert cl.mean(m, "cue pointing") <= 0.1 and cl.mean(m, "object pointing") >= 0.25, m
        assert abs(sc.mean(m, "cue deletion") - truth["shortcut"]) < 0.25, m

# %% tags=["check"]
# Occlusion and LIME put the most mass on the cue; RISE points at it with little mass there
deleters = ["occlusion", "lime"]
others = max(sc.mean(m, "cue energy") for m in METHODS if m not in deleters)
assert sc.mean("occlusion", "cue energy") > max(0.3, others) and truth["shortcut"] > 0.2 > 0.05 > truth["clean"]
if not cv.quick():   # quick mode: 8 images, LIME with few samples
    assert sc.mean("lime", "cue energy") > max(0.3, others) and others < 0.2
    assert sc.mean("rise", "cue pointing") >= 0.75 and sc.mean("rise", "cue energy") < 0.1
    rest = [m for m in METHODS if m not in deleters + ["rise"]]
    cams = [m for m in METHODS if "cam" in m]
    assert max(strict[m] for m in cams) < 0.7 < 0.95 <= min(strict[m] for m in rest if m not in cams)
    assert max(rest, key=lambda m: sc.mean(m, "cue energy")) == "guided_backprop"

# %% [markdown]
# ## 6. Pitfalls
#
# - **The masks are the truth of the data, not of the model.** The shortcut model scores 31 %
#   with no cue, above chance: it uses a little of the shape or the background too, and a
#   map that puts some mass there is not wrong.
# - **One training seed, 32 images, a half-trained clean model.** The clean model reaches
#   about 80 % on the test sets and its filters still change by 0.27 in the last epoch: its
#   maps are those of a model still learning. Each score rests on one training run and 32
#   images, so differences of a few hundredths between methods are noise.
# - **Energy depends on resolution and post-processing.** An upsampled 10x10 CAM and a 40x40
#   gradient are not comparable pixel for pixel; summing absolute values over channels, or
#   clipping negatives, changes every energy in the tables.
# - **The pointing game depends on its tolerance.** With 2 pixels of slack the cue's target
#   grows from 1.6 % to the share printed in section 5; compare the strict scores.
# - **Deletion makes unusual images.** Setting pixels to the training mean creates inputs the
#   model never saw; part of a drop can come from that, not from the lost evidence.
# - **Your own model.** Plant a known tag in part of your data, retrain and check that your
#   method finds it (Adebayo et al. 2022; benchmarks built on this idea: Yang & Kim 2019,
#   Arras et al. 2022).
#
# ## 7. Explore
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
cv.exercises.check_mask_energy(mask_energy);


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
# one colour-tuned filter, and global average pooling detects it wherever it is. A shape needs
# edges combined into corners and outlines across several layers, and it varies in size, angle
# and colour. So the cue explains the labels long before the shapes do (the timeline: the
# Grad-CAM is on the patch after the first epoch, and the shortcut decides from epoch 2).
# Once the cue gives a loss near zero, almost no gradient is left that could teach the shapes
# ("gradient starvation", Pezeshki et al. 2021): the model that has learned the shortcut has
# no reason to learn anything else, which is why it is only a little above chance without a
# cue. Here, training on `fair`, where only the shape predicts the label, is the intervention
# that made the clean model learn shapes, and the only one this notebook tried; removing the
# cue from the training images, colour augmentation, or group-robust training (reweighting
# the images where cue and shape disagree) would be others.
# </details>
#
# ### Investigation: a harder shortcut
#
# The patch here is visible and compact, the easy case. Make it harder to see and find out
# which methods still reveal it, for example with a 3-pixel cue (`cue_size=3`: a single
# coloured pixel inside the 1-pixel black frame). Training it costs about as much as one
# training run of section 2, scoring as much as section 5 for one model:
#
# ```python
# small = cv.shape_images(3000, cue="match", size=40, seed=1, cue_size=3)
# run = cv.train_model(cv.SmallCNN(seed=0), small.images, small.labels, classes=small.classes)
# probe = cv.shape_images(32, cue="match", size=40, seed=2, cue_size=3)
# cv.score_against_masks(run.classifier, run.classifier.from_unit(probe.images),
#                        {"cue": probe.cue_masks, "object": probe.object_masks}, METHODS, probe.labels,
#                        deletion="cue", tolerance=2, threads=1)
# ```
#
# Does the model still take the shortcut? Which method's pointing game drops first? Compare
# the CAM family's resolution with the cue's size. Then make the perturbation methods' job
# harder: vary `occlusion_window` in `cv.course_methods` and LIME's segments, and see how
# much of their sharpness here came from settings that fit the cue.
#
# <details><summary>What to look for (click)</summary>
#
# This notebook has not run it, so these are hypotheses to test, not results. Check first
# with `swap` test images that the model still takes the shortcut (a single coloured pixel
# may be too faint to learn: then there is no shortcut to find). If it does, the methods that
# work at pixel resolution (gradients, occlusion with small windows) should still be able to
# find the cue; the CAM family's 4-pixel cells are now larger than the cue, so expect its
# energy on the cue to fall and, with no tolerance, its peak to miss more often. Compare your
# table with the one above, column by column.
# </details>
#
# ## What to take away
#
# - **A known answer turns "looks right" into a measurement.** With masks of the cue and the
#   object, energy, pointing game and deletion say which pixels a map points at and whether
#   the model really uses them.
# - **A network takes the easiest rule that fits**: a colour patch rather than a shape. Only
#   test data where the shortcut fails (here, swapped cues) exposes it: accuracy on data drawn
#   like the training set said 100 %.
# - **Here every method's peak lands on the cue** of the shortcut model, with very different
#   sharpness: occlusion and LIME concentrate on it (about half their mass, helped by a window
#   and segments that fit the cue), the CAM family blurs around it at its 10x10 resolution,
#   RISE points at it with almost no mass there; gradient maps point at it but spread as much
#   mass over the shape's edges, which matter far less than the cue: compare densities with
#   the masks' areas, not masses.
# - **Watch training, not just the end**: on the training image we followed, Grad-CAM moved to
#   the cue after the first epoch, before that image's prediction did; from epoch 2 the
#   shortcut decides, and the filters stop moving once the training loss is near zero.
# - **Scores depend on their settings**: pointing tolerance, post-processing, resolution and
#   the deletion baseline; state them with every number. Occlusion's window and LIME's
#   segments decide how sharp those maps can be.
