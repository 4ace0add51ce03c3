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
#     - Wang et al., *Score-CAM* (the method and the energy-based pointing game), CVPR Workshops 2020
#     - 'Selvaraju et al., *Grad-CAM: Visual Explanations from Deep Networks via Gradient-based Localization*,
#       ICCV 2017'
#     - Chattopadhay et al., *Grad-CAM++*, WACV 2018
#     - Jiang et al., *LayerCAM*, IEEE TIP 2021
#     - Draelos & Carin, *Use HiResCAM instead of Grad-CAM for faithful explanations of convolutional neural
#       networks*, arXiv 2020
#     - Fu et al., *Axiom-based Grad-CAM* (XGrad-CAM), BMVC 2020
#     - Desai & Ramaswamy, *Ablation-CAM*, WACV 2020
#     - Muhammad & Yeasin, *Eigen-CAM*, IJCNN 2020
#     - 'Smilkov et al., *SmoothGrad: removing noise by adding noise*, arXiv:1706.03825 (2017)'
#     - 'Springenberg et al., *Striving for Simplicity: The All Convolutional Net*, ICLR workshop 2015'
#     - Simonyan, Vedaldi & Zisserman, *Deep Inside Convolutional Networks* (saliency), ICLR Workshop 2014
#     - Zeiler & Fergus, *Visualizing and Understanding Convolutional Networks* (deconvnet, occlusion), ECCV 2014
#     - Sundararajan, Taly & Yan, *Axiomatic Attribution for Deep Networks* (Integrated Gradients), ICML 2017
#     - Ribeiro, Singh & Guestrin, *"Why Should I Trust You?"* (LIME), KDD 2016
#     - 'Petsiuk, Das & Saenko, *RISE: Randomized Input Sampling for Explanation of Black-box Models*, BMVC 2018'
#     - Nie, Zhang & Patel, *A Theoretical Explanation for Perplexing Behaviors of Backpropagation-based Visualizations*, ICML 2018
#     - Yang & Kim, *Benchmarking Attribution Methods with Relative Feature Importance* (BAM), 2019
#     - 'Arras, Osman & Samek, *CLEVR-XAI: A benchmark dataset for the ground truth evaluation of neural network explanations*, Information Fusion 2022'
#     - 'Pezeshki et al., *Gradient Starvation: A Learning Proclivity in Neural Networks*, NeurIPS 2021'
#     - Shah et al., *The Pitfalls of Simplicity Bias in Neural Networks*, NeurIPS 2020
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
# al. 2020). A well-known real case: a pneumonia detector could identify which hospital an
# X-ray came from (for instance from the metal token in its corner), and part of its
# performance came from the hospitals' different pneumonia rates (Zech et al. 2018).
#
# Because we drew every image, we have two masks per image: the cue's pixels $C$ and the
# shape's pixels $O$. Every map is first made a non-negative $H \times W$ map $a$: a map with
# three colour channels (saliency, SmoothGrad, Integrated Gradients, guided backprop,
# deconvnet) becomes the **sum over channels of the absolute values**, $a_p = \sum_c |g_{c,p}|$
# (so IG's negative values count by their size; Simonyan et al. 2014 take the maximum of the
# absolute values over the channels, $\max_c |g_{c,p}|$, instead, which we did not try here); a single-channel map (the CAM family,
# occlusion, RISE, LIME) has its **negative values set to zero** (they argue against the
# class). It can then be scored against the truth:
#
# $$E_C(a) = \frac{\sum_{p \in C} a_p}{\sum_{p} a_p} \qquad\text{(energy: the share of the map's mass on the cue)},$$
#
# (the "energy-based pointing game" of Wang et al. 2020, with a mask instead of a box)
# and the **pointing game** (Zhang et al. 2016): a hit when the map's maximum lies within a
# tolerance of the cue, $\min_{q \in C} \|\arg\max_p a_p - q\|_2 \le 2$ pixels (Zhang et al.
# allow 15 pixels on 224-pixel images). When several pixels share the maximum (flat maps such
# as occlusion's), **every** tied maximum must lie within the tolerance, so a flat map never
# hits by luck. The cue covers about 1.6 % of each image, so a map
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
# CAM architecture of Zhou et al. (2016), so every method of the course applies to it. In
# detail: a 5 x 5 convolution with 16 channels, batch norm, ReLU and a 2 x 2 max-pool
# (40 to 20 pixels); a 3 x 3 convolution with 32 channels, batch norm, ReLU and a second
# 2 x 2 max-pool (20 to 10); a 3 x 3 convolution with 64 channels, batch norm and ReLU, whose
# **10 x 10 feature maps** are the layer the CAM family reads (one cell = 4 x 4 input pixels);
# then global average pooling and a linear layer from 64 features to the 4 classes. We
# train one copy on `train` (the cue gives the label away) and one on `fair` (the same images,
# but the cue's colour is drawn at random, so only the shape predicts the label). Each run
# records a **timeline**: the first-layer filters and the Grad-CAM of training image 0 after
# every epoch. Settings: 3000 training images of 40 x 40 pixels, 6 epochs, batches of 64, one
# training seed. Both runs start from the **same initial weights** (`cv.SmallCNN(seed=0)`),
# so their timelines in section 4 begin with the same filters, map and probability at epoch 0.
# The **training accuracy** printed per epoch is the share of that epoch's
# images classified right *while* the weights were still changing (counted batch by batch),
# not the accuracy of the model saved after the epoch. (Quick mode, a fast first look,
# trains 1000 images for 4 epochs: its numbers do not match the text.) **The numbers quoted
# in the text come from one full-mode run on a CPU**; on a GPU other kernels round
# differently, so yours may differ slightly (a hundredth, or one image of 32 in a table).

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
# (25 %). That is consistent with a model that learned little about the shapes, but not proof
# of it: every training image had a cue, so an image without one is also new to the model,
# and part of the low score may come from that shift. With a `random` cue it scores about 25 %,
# exactly what a pure cue reader gets: the random colour happens to be the true class's a
# quarter of the time. That is consistent with the shortcut (though a model at chance for
# any reason would also score 25 %); the proof is the swap test, where it follows the cue.
# The clean model scores the same on
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
# probability, after each epoch (epoch 0: before training). **The first figure is the
# shortcut model** (trained where the cue's colour names the class), **the second the clean
# model** (cue colour at random); their epoch 0 is the same because both start from the same
# weights. The **change per epoch** printed
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
    assert on_cue["clean"][-1] < 0.05 and on_object > 0.25   # margins leave room for a GPU run's small differences
    assert shortcut.timeline.filter_change()[-1] < 0.15 and shortcut.loss[-1] < 0.05

# %% [markdown]
# **What to look at** (the numbers are printed above; all of this is **one training image**
# of one training run). After the first epoch the shortcut model's Grad-CAM of this image
# already sits on the yellow patch (0.17 of the map's mass on 1.6 % of the image; before
# training, 0.01), **before** its prediction follows: the cross's probability in the title is
# 0.21 after epoch 1 (0.24 before training); the running training accuracy of that epoch is
# 0.48. Whether the maps of other images move as early was not measured here. How can the
# map lead the prediction? On this network Grad-CAM is CAM (section 5 shows the identity: the
# gradient of the logit with respect to the last feature maps is the same at every position), so the map is each position's
# contribution to the **cross logit** alone. Two things can keep p(cross) low while that map
# sits on the cue: each panel is scaled to its own maximum (colour bar: "Grad-CAM / its
# maximum"), so a hot patch may still be a small contribution in absolute terms; and the
# softmax compares all four logits, which the cue's colour features may raise for the other
# classes too after one epoch (we did not measure the other logits). From epoch 2 on (training accuracy 0.90, then 1.0) the shortcut decides and the
# cross's probability climbs towards 1. Its filters lose some colour (colour share from 0.65,
# random, to 0.52) but keep about half of their weight in colour differences, against 0.11
# for the clean model, and they nearly stop moving (the last epoch changes them by 0.04). With
# the training loss near zero (printed in section 2) little gradient may be left that could
# teach it the shapes: that is consistent with "gradient starvation" (Pezeshki et al. 2021),
# but this notebook did not test it.

# %% [markdown]
# **The clean model** (second figure): its Grad-CAM wanders and ends on the cross (33 % of its mass on
# the shape, 0.01 on the patch), and its filters become mostly colourless, several of them
# edge-like (colour share 0.11; the 5 x 5 tiles are too small to name each one): a shape is a
# shape in any colour. They are still changing at the last epoch (0.27), and this image's
# p(cross) in the titles still swings from epoch to epoch (0.10, 0.69, 0.10, 0.47, 0.93, 0.47):
# the clean model is **still learning** after 6 epochs, so read it as a model on its way to
# the shapes, not a finished one.

# %% tags=["check"]
# The clean model's filters still move and lose their colour; the shortcut model's keep it
if not cv.quick():
    assert clean.timeline.filter_change()[-1] > max(0.2, shortcut.timeline.filter_change()[-1])
    assert clean.timeline.colour_share()[-1] < 0.25 < 0.35 < shortcut.timeline.colour_share()[-1]
    assert shortcut.timeline.colour_share()[-1] < shortcut.timeline.colour_share()[0]   # colour falls, stays high
    p_img0 = [float(p[int(train.labels[0])]) for p in shortcut.timeline.probs]
    assert p_img0[1] < 0.5 < p_img0[2] and shortcut.accuracy[0] < 0.6 < 0.85 < shortcut.accuracy[1]   # CAM first, then decision

# %% [markdown] choice="09-rise"
# ### Predict, then run
#
# (the builder writes the question and the answer cell)

# %% [markdown]
# ## 5. Every method of the course against the masks
#
# We explain the **true class** of 32 test images (cue drawn as in training) for both models,
# with the methods of `cv.course_methods()`. The shortcut model is right on all of them, the
# clean model on most (printed below). For each map: its **energy** on the cue and on the
# shape, the **pointing game** on each (tolerance 2 pixels), the **recall** of each mask (the
# share of the mask among the map's top pixels, as many as the mask has: top |C| for the cue,
# top |O| for the shape; pixels with equal values are taken in a fixed random order, which
# decides much of it for flat maps such as occlusion's and LIME's, so **read the recall
# columns only for IG's cue recall**, the one the text uses below; LIME's 0.98, for instance,
# is partly the tie order's doing) and, in the column "cue deletion", the drop of the class probability when the
# map's **top |C| pixels** are set to mid-grey (0.5 in every channel, the value 0 of the
# model's normalised input). The last row, "(the mask itself)", is the truth: the drop when
# exactly the cue is deleted. The tables and charts name the methods by their code names:
# `gradcam_pp` is Grad-CAM++, `integrated_gradients` Integrated Gradients, `guided_backprop`
# guided backprop, `scorecam` Score-CAM, `ablationcam` Ablation-CAM, `eigencam` EigenCAM.
#
# Settings: SmoothGrad 50 noisy copies; Integrated Gradients 50 steps from a **black image**
# (the default baseline; more on it below); occlusion 6-pixel windows, stride 3 (sized for
# 40-pixel images), filled with mid-grey; RISE 500 random masks on a 7 x 7 grid, so every
# image and both models get the **same** 500 masks; LIME 500 samples
# of up to 64 superpixels (k-means on colour and position, the core of SLIC, compactness 1),
# an "off" superpixel filled with mid-grey. SmoothGrad's noise, RISE's masks and LIME's
# samples are drawn from one fixed seed (`seed=0`), so a re-run gives the same numbers.
# **What each method explains:** the gradient maps,
# Grad-CAM and its gradient variants and Ablation-CAM explain the class **logit** $z_c$;
# Score-CAM, occlusion, RISE, LIME and deletion the class **probability** (softmax);
# EigenCAM no class at all. The
# methods and their papers: saliency (Simonyan et al. 2014), SmoothGrad (Smilkov et al.
# 2017), IG, guided backprop (Springenberg et al. 2015) and deconvnet (notebook 01);
# Grad-CAM (Selvaraju et al. 2017) and its variants Grad-CAM++, LayerCAM, HiResCAM, XGradCAM, Score-CAM, Ablation-CAM and
# EigenCAM (Muhammad & Yeasin 2020), all cited in the header and introduced in notebook 06;
# occlusion, RISE and LIME (notebook 07).

# %% [markdown]
# **Three names, one method here.** `SmallCNN` ends in global average pooling and one linear
# layer, so the gradient of $z_c$ with respect to each last feature map $A_k$ is the constant
# $w_{ck}/(HW)$: Grad-CAM's weights are the linear layer's, Grad-CAM equals CAM (Selvaraju et
# al. 2017), HiResCAM equals it too (Draelos & Carin prove this for this architecture), and
# XGradCAM's weights $\sum A_k \partial z_c/\partial A_k / \sum A_k$ reduce to the same
# constant. The tables therefore keep one row, **gradcam** (= CAM = HiResCAM = XGradCAM
# here; the identity is printed below): three identical rows would look like three methods
# agreeing.
#
# Three methods barely depend on the class asked for: **EigenCAM** is the first principal
# component of the last feature maps, whatever the class (checked below), and **guided
# backprop** and **deconvnet** largely recover the image whatever the class (Nie, Zhang &
# Patel 2018; guided backprop's map barely changes when the last layer is randomised, tested
# at the end of this section). Their good scores on the shortcut model say that the cue
# dominates its activations, not that they explain "triangle".

# %%
same_as_gradcam = ["hirescam", "xgradcam"]   # equal to Grad-CAM on this network: one row for the three
METHODS = cv.course_methods([m for m in cv.evaluate.roster() if m not in same_as_gradcam],
                            occlusion_window=6, occlusion_stride=3, seed=0)   # 6-pixel windows; fixed random draws
test = tests["match"][:cv.config.pick(32, 8)]
masks = {"cue": test.cue_masks, "object": test.object_masks}
scores = {name: cv.score_against_masks(clf, clf.from_unit(test.images), masks, METHODS, test.labels,
                                       deletion="cue", tolerance=2, threads=1) for name, clf in models.items()}
for n, c in models.items():
    p_true = c.logits(c.from_unit(test.images)).softmax(1).cpu().gather(1, test.labels[:, None])[:, 0]
    print(f"{n:8s} model: right on {cv.accuracy(c, test.images, test.labels):.0%} of these images; "
          f"probability of the true class: median {p_true.median():.3f}, lowest {p_true.min():.3f}")
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
x_swap = models["shortcut"].from_unit(swap.images[:8])
same = all(torch.equal(cv.eigencam(models["shortcut"], x_swap, "square"), cv.eigencam(models["shortcut"], x_swap, c))
           for c in test.classes)
print(f"EigenCAM, 8 swap images: the same map whichever class is asked for: {same}")

# %%
x_sc = models["shortcut"].from_unit(test.images)
three = {m: f(models["shortcut"], x_sc, test.labels) for m, f in cv.course_methods(["gradcam", *same_as_gradcam]).items()}
unit = {m: a / a.amax(dim=(1, 2), keepdim=True).clamp(min=1e-12) for m, a in three.items()}
print("shortcut model, largest difference from Grad-CAM's map (maps scaled to their maximum):",
      {m: f"{float((unit[m] - unit['gradcam']).abs().max()):.0e}" for m in same_as_gradcam})
area = {k: float(v.float().mean()) for k, v in masks.items()}
print(f"density = mean mass on the mask / the mask's mean share of the image (cue {area['cue']:.1%}, "
      f"shape {area['object']:.1%}); 1 = no more than an even spread")
for m in METHODS:
    print(f"  {m:21s}" + "  |  ".join(f"{n}: cue {s.mean(m, 'cue energy') / area['cue']:4.1f}, shape "
                                         f"{s.mean(m, 'object energy') / area['object']:3.1f}" for n, s in scores.items()))

# %%
SHOWN = ["saliency", "guided_backprop", "integrated_gradients", "gradcam", "occlusion", "rise", "lime"]
for name, c in models.items():
    p0 = c.logits(c.from_unit(test.images[:1])).softmax(1)[0]
    print(f"image 0 ({test.classes[int(test.labels[0])]}): the {name} model predicts "
          f"{test.classes[int(p0.argmax())]} ({float(p0.max()):.2f})")
cv.plot.mask_maps(scores, test, index=0, methods=SHOWN[:4], ncols=5)   # gradients and Grad-CAM

# %%
cv.plot.mask_maps(scores, test, index=0, methods=SHOWN[4:], ncols=4)   # perturbation methods; the tables have them all

# %%
cv.plot.mask_scores(scores, "cue pointing", chance=float(target.float().mean()), landscape=True, interval=0.95,
                    chance_label=f"chance (the cue enlarged by 2 px: {float(target.float().mean()):.1%} of the image)",
                    ax_title=f"does the map's peak fall within 2 pixels of the cue? (n = {len(test)})")

# %%
cv.plot.mask_scores(scores, "cue energy", chance=area["cue"], landscape=True, interval=0.95,
                    chance_label=f"chance (the cue's area: {area['cue']:.1%} of the image)",
                    ax_title=f"share of the map's mass on the cue (n = {len(test)})")

# %% [markdown]
# **What to look at** (the tables, n = 32 images, so 0.03 is one image; the two map figures
# show one image; the black bars are 95 % intervals over the images: Wilson intervals for the hit
# rates, bootstrap intervals for the energies). On this task **every method's peak lands
# within 2 pixels of the cue** of the shortcut model (cue pointing 0.88 to 1.00 in the table)
# and almost never on the shape (0 for all but saliency, 0.03: one image), and for the clean
# model it (almost) never lands on the cue (at most 0.06, two images of 32, for SmoothGrad;
# at most 0.03, one image, for the others). The dashed lines
# are chance: for the pointing game the cue enlarged by 2 pixels (the target with the
# tolerance), for the energy the cue's own area.

# %% [markdown]
# **By mass the picture is less clear.** Four of the five gradient maps put about as much mass
# on the shape as on the cue, or more: deconvnet 0.05 on the cue and 0.12 on the shape,
# Integrated Gradients 0.06 and 0.09, saliency 0.11 and 0.12, SmoothGrad 0.12 and 0.10 (the
# last two differ by the few hundredths that are noise here). Only guided backprop clearly
# puts more on the cue (0.18 against 0.13). On image 0 (first map figure,
# panel titles) saliency and guided backprop put more mass on the triangle than on the cue
# (0.14 against 0.06, 0.18 against 0.12): saliency over its interior and edges, guided
# backprop mainly along its edges. IG's two shares are a tie (0.03 and 0.04), both far below
# the shape's area share; its visible mass sits around the cue (its interior is near zero:
# see its baseline below). Compare **densities**, not masses (printed above: mass divided by
# the mask's share of the image, 1 = an even spread): for the shortcut model saliency's
# density is about 7 on the cue and about 1 on the shape, the chance level; every method
# but RISE has a cue density several times its shape density. (The bar chart above plots
# mass, not density: there RISE's bar is hard to tell from the chance line near the axis;
# the densities are only in the printed list.) The gradients on the shape are real (the
# logit does respond to those pixels), but they matter far less than the cue; guided
# backprop also partly reconstructs the image whatever the model uses (Nie, Zhang & Patel
# 2018; tested at the end of this section). A student reading saliency's or guided
# backprop's map of this one image could conclude that the shape matters: read the table,
# not one map.
#
# **Stripes.** The clean model's gradient maps also show a regular pattern of diagonal
# stripes away from the shape (first map figure, second row), probably from the network,
# not the image: its spacing of about 4 pixels matches the grid of its two 2 x 2 max-pooling
# layers (each passes the gradient back to one position of each window of the feature map),
# and the stripes' slant matches the clean model's edge-like first-layer filters (section 4).
# The shortcut model has the same pooling but colour-blob filters, and its row shows no such
# lattice. We did not test this (average pooling, or the untrained network, would).

# %%
centre = -torch.nn.functional.max_pool2d(-masks["cue"][:, None].float(), 3, 1, 1)[:, 0] > 0   # C minus its frame
frame = masks["cue"] & ~centre
sc, cl = scores["shortcut"], scores["clean"]
print("shortcut model | mass on the 3x3 centre (of the mass on C: centre's part) | peak exactly on the centre | on the frame")
for m in METHODS:
    c_e = float(cv.mask_energy(sc.maps[m], centre).mean())
    print(f"  {m:21s} {c_e:.2f} (of {sc.mean(m, 'cue energy'):.2f}: {c_e / max(sc.mean(m, 'cue energy'), 1e-12):.2f})"
          f"   {cv.mask_pointing(sc.maps[m], centre).float().mean():.2f}   {cv.mask_pointing(sc.maps[m], frame).float().mean():.2f}")
print(f"by area (no preference): the centre is 9/25 = {9 / 25:.2f} of C, the frame 16/25 = {16 / 25:.2f}")

# %% [markdown]
# **Which part of the cue?** The mask $C$ has two parts: the 3 x 3 coloured centre (9 pixels),
# which names the class, and the 1-pixel black frame (16 pixels), the same for every class.
# The strict test above (no tolerance) splits the hits. Compare them with the **areas**
# (last line printed): a peak that falls anywhere on $C$ with no preference lands on the
# frame 64 % of the time and on the centre 36 %. Saliency's, SmoothGrad's and LIME's peaks
# **prefer the coloured centre** (0.72, 0.75 and 0.62 against 0.36; IG's 0.97 is its
# baseline's doing, next). RISE's peak also lies on the centre in 0.75 of the images (on the
# frame in 0.06), but that is probably geometry, not colour: its map is smooth (a coarse
# 7 x 7 grid of masks), so a bump over the cue peaks at the bump's middle, which is the
# centre. Guided backprop's and deconvnet's peaks land on the frame about as often as its
# area predicts: 21 and 18 of the 32 images (0.66 and 0.56), where a peak placed anywhere on
# $C$ would land on the frame in about 20.5 (a binomial count with $n = 32$, $p = 0.64$ falls
# between 15 and 26 in 95 % of cases), so the difference is noise. They show **no preference
# for the centre's pixels over the frame's**. Where the peak sits cannot tell colour from
# outline (a gradient on a frame pixel is still a sensitivity to that pixel's colour); the
# swap test of section 3 can, and it shows that the model reads the colour.

# %% [markdown]
# So for guided backprop and deconvnet "the peak is on the cue" does not show that the colour
# matters; for saliency and SmoothGrad the peak does prefer the coloured pixels. **By mass,**
# guided backprop puts a little more than the centre's area share on the centre (0.08 of its
# 0.18: a part of 0.42 against 0.36), and the other gradient maps and the CAM family put 0.38 to 0.46 of
# their mass on $C$ on the centre (which holds 36 % of $C$'s pixels); IG puts all of it
# there, for a reason shown next. The CAM family's exact peaks miss the cue in about half of the images
# (its 4-pixel cells). Occlusion's maxima are mostly tied over the centre and the frame
# (6-pixel windows; all of them inside $C$ in 0.75 of the images, printed above), so they
# rarely count in this strict split (a hit needs every tied maximum inside the part, the
# rule of section 1); LIME's peak lies on the centre in 0.62 of the images.

# %% tags=["check"]
# Guided backprop's and deconvnet's peaks on the frame about as often as its area (0.64); saliency's, SmoothGrad's, IG's and LIME's prefer the centre
if not cv.quick():
    hit = {m: [float(cv.mask_pointing(sc.maps[m], part).float().mean()) for part in (centre, frame)] for m in METHODS}
    assert all(abs(hit[m][1] - 16 / 25) < 0.15 for m in ["guided_backprop", "deconvnet"])
    assert all(hit[m][0] > 0.6 for m in ["saliency", "smoothgrad", "integrated_gradients", "lime"])
    share = {m: float(cv.mask_energy(sc.maps[m], centre).mean()) / sc.mean(m, "cue energy") for m in METHODS}
    assert all(0.3 < share[m] < 0.5 for m in METHODS if m not in ["integrated_gradients", "occlusion", "lime", "rise"])
    assert share["integrated_gradients"] > 0.95 and hit["integrated_gradients"][1] < 0.05 and hit["occlusion"][0] < 0.3
    assert all(0.35 < 1 - strict[m] < 0.65 for m in METHODS if "cam" in m)   # CAM peaks: off the cue in about half

# %%
clf = models["shortcut"]
ig_grey = cv.integrated_gradients(clf, clf.from_unit(test.images), test.labels, baseline="zero", steps=50, progress=False)
for name, a in [("black image (the default)", sc.maps["integrated_gradients"]), ("mid-grey image", ig_grey)]:
    print(f"IG from a {name:25s}: mass on the cue {cv.mask_energy(a, masks['cue']).mean():.2f}, on its centre "
          f"{cv.mask_energy(a, centre).mean():.2f}, on the shape {cv.mask_energy(a, masks['object']).mean():.2f}")

# %% [markdown]
# **Integrated Gradients and its baseline.** IG integrates the gradient along the straight
# path from a baseline image $x'$ to $x$ and multiplies by the difference (Sundararajan et al.
# 2017):
#
# $$\mathrm{IG}_p(x) = (x_p - x'_p)\int_0^1 \frac{\partial z_c\big(x' + \alpha (x - x')\big)}{\partial x_p}\,d\alpha .$$
#
# A pixel equal to the baseline gets exactly 0, whatever the model does with it. The default
# baseline here is a **black image**, so the cue's black frame (16 of its 25 pixels) gets
# nothing and the dark shapes little: that is why all of IG's mass on $C$ lies on the
# centre, why its cue recall (0.33) stays below 9/25 = 0.36, the most a map that ignores the
# frame can reach, and why IG, with deconvnet, has the least mass on the cue of the gradient
# maps. From a **mid-grey**
# baseline (0.5 in every channel; `baseline="zero"` in the code above means the zero of the
# model's *normalised* input, which is this mid-grey, not black) the same model and images give 0.44 of IG's mass on the cue
# (0.18 on its centre) and 0.16 on the shape: the baseline, not the model, decided IG's place
# in the table. Choose the baseline for what "absent" means in your data, and state it.

# %% tags=["check"]
# IG's mass on the cue: several times more from a mid-grey baseline; from black, no frame pixel in its top |C|
if not cv.quick():
    e_grey = float(cv.mask_energy(ig_grey, masks["cue"]).mean())
    assert e_grey > 3 * sc.mean("integrated_gradients", "cue energy") and 0.3 < e_grey < 0.6
    assert 0.25 < sc.mean("integrated_gradients", "cue recall") <= 9 / 25 + 1e-6
assert same   # EigenCAM ignores the class

# %%
rise_floor = {n: s.maps["rise"] - s.maps["rise"].amin(dim=(1, 2), keepdim=True) for n, s in scores.items()}
for n, s in scores.items():
    print(f"RISE, {n} model: mass on the cue {s.mean('rise', 'cue energy'):.3f} (chance {masks['cue'].float().mean():.3f}); "
          f"with each map's minimum subtracted {cv.mask_energy(rise_floor[n], masks['cue']).mean():.3f}")
print(f"RISE maps of the two models: rank correlation {cv.evaluate.spearman(sc.maps['rise'], cl.maps['rise']).mean():.2f} (image by image)")

# %% [markdown]
# **RISE, as its maps look.** RISE (Petsiuk, Das & Saenko 2018) scores $n$ masked copies
# $x \odot M_i$ and averages the masks weighted by the class probability,
# $S = \frac{1}{n\,p}\sum_i f_c(x \odot M_i)\,M_i$. Each mask keeps about half of the image
# ($p = 0.5$), so every pixel receives about the average probability: a **floor**, the same
# everywhere, which the map figure hides (each map is drawn from its minimum to its maximum). On top of it sit the small bump
# the cue earns and **sampling noise** from the 500 masks. The masks are the same for every
# image and both models (one fixed seed, section 5's settings), so their sampling noise may
# be partly shared, although the noise also depends on each image's and each model's scores.
# On image 0
# (second map figure) blobs reach 0.8 to 0.9 of the maximum far from the cue, at similar places in both
# models' maps, and the clean model's map is coldest on the triangle and peaks at the image's
# left border. Over the 32 images the two models' RISE maps have a rank correlation of 0.42
# (printed above), although one model reads the cue and the other the shape. We suspect that
# much of this shared structure comes from the shared masks, but we did not test it (two
# runs of one model with different mask seeds would), and the image content is another
# candidate: both models' maps are cold on the dark triangle of image 0. By mass
# RISE sits at chance for **both** models (0.019 and 0.015 against 0.016): on energy it
# cannot tell the shortcut model from the clean one. Subtracting each map's minimum removes
# most of the floor: the shortcut model's energy rises to 0.054, the clean model's stays at 0.013, but
# the noise blobs remain. Petsiuk et al. used 4000 masks on 224-pixel images; more masks would
# lower the noise at a proportional cost (RISE is already one of the slowest methods here), so
# we did not rerun it: with these settings read RISE's peak (on the cue in 0.88 of the images)
# rather than its mass.

# %% tags=["check"]
# RISE: mass on the cue at chance for both models; with the minimum subtracted only the shortcut model's rises
if not cv.quick():
    chance_c = float(masks["cue"].float().mean())
    assert all(abs(s.mean("rise", "cue energy") - chance_c) < 0.01 for s in scores.values())
    floor_e = {n: float(cv.mask_energy(a, masks["cue"]).mean()) for n, a in rise_floor.items()}
    assert floor_e["shortcut"] > 2 * chance_c > floor_e["clean"]
    assert 0.2 < float(cv.evaluate.spearman(sc.maps["rise"], cl.maps["rise"]).mean()) < 0.7

# %% [markdown]
# The methods differ in **how sharply** they point. Occlusion and LIME, which delete regions
# and score what is lost, put 0.49 and 0.58 of their mass on the cue, a patch of 1.6 % of the
# image; **the settings favour them here**: the cue is a high-contrast square with a black
# frame, which LIME's superpixel segmentation isolates, apparently often as two segments, the
# coloured centre and the frame: half of LIME's mass on $C$ lies on the centre (0.29 of
# 0.58, more than its 36 % of $C$'s pixels) and its peak lies on the centre alone in 0.62 of
# the images (printed above); and occlusion's 6-pixel window is about the cue's size. With
# other segments or windows they
# would be less sharp; this is not proof that perturbation methods are sharper in general.
# (RISE, which also deletes regions, is discussed above.) Of the rest, guided backprop has
# the most mass on the cue (0.18), which, as the sanity check below shows, says more about
# what dominates the activations than about the class; the CAM family, SmoothGrad and saliency 0.11 to 0.13;
# deconvnet (0.05) and Integrated Gradients (0.06, a consequence of its black baseline) the
# least. The CAM family's 10x10 map cannot be sharper than its 4-pixel cells: with no
# tolerance its peak hits the 5-pixel cue in only 0.50 to 0.59 of the images (printed above),
# against 0.97 with 2 pixels of slack; the gradient maps hit it exactly (0.97 to 1.00). **Deletion** agrees
# with the truth: for the shortcut model, deleting any method's top |C| pixels costs 0.54 to
# about 0.75 of the probability, against 0.73 for deleting the cue itself; for the clean model,
# deleting the cue costs nothing (-0.02).
#
# On image 0 (the two map figures) both models predict *triangle* (the clean one with 0.58). The clean
# model's gradient maps and Grad-CAM sit partly *beside* the triangle on this image, while
# occlusion and LIME land on it; averaged over the 32 images its Grad-CAM peak lands on the
# shape 84 % of the time (table). For the shortcut model, image 0 is one of the images where
# LIME's maximum is **not** on the coloured centre: the centre is only about 0.6 of the scale
# (yellow-green), and the dark red maximum is the frame, mostly hidden under the white dashed
# outline, which is drawn on the frame's pixels. One image is an example, the tables are the
# result.
#
# This is the easy case: a visible, localised patch. Adebayo et al. (2022) show that a
# spurious signal that is spread out or faint is far harder to spot in a map.
#
# ### A sanity check on the same maps
#
# Does guided backprop's mass on the cue show what the model uses, or the image? The
# randomisation test of notebook 08 (Adebayo et al. 2018), on one layer: we re-initialise only
# the shortcut model's last layer (`fc`, the linear layer that turns the pooled features into
# class scores) and recompute the maps of the same 32 images for the same classes.

# %%
sanity = {m: cv.randomization_check(clf, m, clf.from_unit(test.images), test.labels, layers=["fc"], seed=0,
                                    progress=False) for m in ["guided_backprop", "gradcam"]}
for m, r in sanity.items():
    for step, a in zip(["trained", "fc randomised"], r.maps):
        print(f"{m:15s} {step:13s}: mass on the cue {cv.mask_energy(a, masks['cue']).mean():.2f}, "
              f"on the shape {cv.mask_energy(a, masks['object']).mean():.2f}")
    print(f"{m:15s} rank correlation of the two maps: {r.spearman[:, -1].mean():.2f}")

# %% [markdown]
# Randomising the last layer changes what the model computes for every class, and Grad-CAM
# follows: its new map has almost no rank correlation with the trained one (printed above),
# and its mass on the cue falls from 0.13 to 0.04. Guided backprop barely moves (rank
# correlation 0.77; cue 0.18 to 0.14, shape 0.13 to 0.16): most of its picture comes from the
# earlier layers and the image, not from the class scores, as Adebayo et al. (2018) and Nie,
# Zhang & Patel (2018) describe. Its high mass on the cue above is therefore weak evidence
# that the *decision* uses the cue; Grad-CAM's and deletion's are stronger. Notebook 08 runs
# the full cascade, layer after layer.
#
# ### Saturation: probability or logit?
#
# The shortcut model gives the true class a probability of about 1 on these images (printed
# at the start of this section). A method that reads the **probability** then cannot see
# evidence that is redundant: while the cue alone holds $p_c$ near 1, hiding part of the
# shape changes almost nothing, as in an OR. Occlusion's mass on the shape is recomputed below
# reading the **logit** instead (the same windows and fill).

# %%
occ_logit = cv.occlusion(clf, x_sc, test.labels, window=6, stride=3, output="logit", progress=False).clamp(min=0)
print(f"occlusion, shortcut model: mass on the shape {sc.mean('occlusion', 'object energy'):.3f} reading the probability, "
      f"{cv.mask_energy(occ_logit, masks['object']).mean():.3f} reading the logit "
      f"(on the cue {sc.mean('occlusion', 'cue energy'):.2f} and {cv.mask_energy(occ_logit, masks['cue']).mean():.2f})")

# %% [markdown]
# Reading the logit, occlusion's mass on the shape rises about fourfold (0.02 to 0.08, printed
# above) and its mass on the cue falls (0.49 to 0.31): part of occlusion's sharpness on the
# cue, and of the shape's near-zero share, came from the saturated probability. The shape
# still gets less than its area share (11.4 %), so the conclusion stands, but the size of the
# gap depended on what occlusion read. The gradient maps read the logit, which does not
# saturate this way; the probability's gradient would nearly vanish at $p_c \approx 1$.

# %% tags=["check"]
# Occlusion reading the logit finds more on the shape and less on the cue than reading the probability
if not cv.quick():
    occ_shape = float(cv.mask_energy(occ_logit, masks["object"]).mean())
    assert 2.5 * sc.mean("occlusion", "object energy") < occ_shape < area["object"]
    assert float(cv.mask_energy(occ_logit, masks["cue"]).mean()) < sc.mean("occlusion", "cue energy") - 0.1

# %% tags=["check"]
# Randomising fc: Grad-CAM changes (rank correlation near 0), guided backprop keeps most of its map and cue mass
if not cv.quick():
    cue_e = {m: [float(cv.mask_energy(a, masks["cue"]).mean()) for a in r.maps] for m, r in sanity.items()}
    assert float(sanity["gradcam"].spearman[:, -1].mean()) < 0.2 and cue_e["gradcam"][1] < 0.5 * cue_e["gradcam"][0]
    assert float(sanity["guided_backprop"].spearman[:, -1].mean()) > 0.6
    assert cue_e["guided_backprop"][1] > 0.6 * cue_e["guided_backprop"][0]

# %% tags=["check"]
# By mass, the gradient maps put about the shape's area share (12 %) on it; saliency, deconvnet and IG as much as on the cue, guided backprop clearly less
if not cv.quick():   # margins leave room for a GPU run's small differences
    grads = ["saliency", "deconvnet", "guided_backprop", "smoothgrad", "integrated_gradients"]
    assert all(0.07 < sc.mean(m, "object energy") < 0.16 for m in grads)
    assert all(sc.mean(m, "object energy") > sc.mean(m, "cue energy") - 0.01 for m in grads[:2] + grads[-1:])
    assert sc.mean("guided_backprop", "cue energy") > sc.mean("guided_backprop", "object energy") + 0.02
    assert all(sc.mean(m, "object pointing") <= 2 / 32 for m in METHODS)

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
#   with no cue, above chance: it may use a little of the shape or the background too, and
#   a map that puts some mass there is not necessarily wrong.
# - **One training seed, 32 images, a half-trained clean model.** The clean model reaches
#   about 80 % on the test sets and its filters still change by 0.27 in the last epoch: its
#   maps are those of a model still learning. Each score rests on one training run and 32
#   images, so differences of a few hundredths between methods are noise.
# - **Energy depends on resolution and post-processing.** An upsampled 10x10 CAM and a 40x40
#   gradient are not comparable pixel for pixel; summing absolute values over channels, or
#   clipping negatives, changes every energy in the tables.
# - **The pointing game depends on its tolerance.** With 2 pixels of slack the cue's target
#   grows from 1.6 % to the share printed in section 5; compare the strict scores.
# - **Deletion makes unusual images.** Setting pixels to mid-grey creates inputs the
#   model never saw; part of a drop can come from that, not from the lost evidence.
# - **A hit on the cue is not a hit on its colour.** Saliency's and SmoothGrad's peaks prefer
#   the coloured centre; guided backprop's and deconvnet's land on the black frame (the same
#   for every class) about as often as its area predicts, so their hit on the cue does not
#   show that the colour matters. Score the 3 x 3 centre too, against its area.
# - **Integrated Gradients depends on its baseline.** A pixel equal to the baseline gets 0:
#   from a black image the black frame and the dark shapes are nearly invisible to IG.
# - **Class-blind methods.** EigenCAM ignores the class; guided backprop and deconvnet
#   largely recover the image whatever the class (Nie, Zhang & Patel 2018), and guided
#   backprop's map survived randomising the last layer (rank correlation 0.77, section 5).
#   Their good scores say what dominates the activations, not what explains the class.
# - **Saturation.** At $p_c \approx 1$ a method that reads the probability (Score-CAM,
#   occlusion, RISE, LIME, deletion) cannot see evidence that another part already supplies: while the cue
#   holds $p_c$ at 1, hiding the shape costs almost nothing (an OR), and the softmax's
#   gradient nearly vanishes. Read the logit (`output="logit"`, section 5's last lines), or delete the cue
#   and the shape together.
# - **Your own model.** Plant a known tag in part of your data, retrain and check that your
#   method finds it (Adebayo et al. 2022; benchmarks built on this idea: Yang & Kim 2019,
#   Arras et al. 2022).
#
# ## 7. Explore
#
# Pick a model, a test set, a method and an image. Try `swap`: the shortcut model names the
# cue's class, and its map points at the cue; the clean model names the shape. Try `none` on
# the shortcut model: with no cue to read, where do the maps go? Guess, then run the cell
# below the panel, which scores 32 `none` images of the **shortcut model** (`clf`, set to
# `models["shortcut"]` in section 5) for the class the model predicts, and open the model
# answer.

# %%
cv.widgets.shortcut_panel(models, METHODS)

# %%
none = tests["none"][:cv.config.pick(32, 8)]
s_none = cv.score_against_masks(clf, clf.from_unit(none.images), {"shape": none.object_masks},
                                {m: METHODS[m] for m in ["saliency", "guided_backprop", "gradcam", "occlusion"]},
                                tolerance=2, threads=1, progress=False)   # target None: the predicted class
p_none = clf.logits(clf.from_unit(none.images)).softmax(1).amax(1)
print(f"no cue: the shortcut model's top probability is {p_none.median():.2f} (median over {len(none)} images)")
print(f"the shape covers {none.object_masks.float().mean():.1%} of these images")
s_none

# %% [markdown]
# <details><summary>Model answer: <code>none</code> (click)</summary>
#
# Without a cue the shortcut model still names a class, with a median top probability of
# 0.58 (printed above). Guided backprop's peak lands within 2 pixels of the shape in 0.91 of
# the images, but the sanity check of section 5 showed that guided backprop's map barely
# changes when the class scores are randomised (it largely reconstructs the image, Nie, Zhang
# & Patel 2018), so its hits on the shape say little about the decision. The maps that follow the model **disagree**:
# Grad-CAM's peak is on the shape in only 0.19 of the images and its mass there (0.07) is
# below the shape's share of the image (11.4 %); occlusion's mass (0.12) is at that share;
# but saliency, an ordinary gradient of the logit, peaks on the shape in 0.59 of the images
# with 0.15 of its mass there, above the shape's share. So the logit does respond to the
# shape a little, which fits the 31 % accuracy without a cue and the pitfall "it may use a
# little of the shape", while the probability-based occlusion and the coarse Grad-CAM see
# little of it. That disagreement is the honest answer: with no cue this model's evidence
# is weak and spread thin; the widget shows single images of it.
# </details>

# %% tags=["check"]
# No cue: guided backprop still points at the shape, Grad-CAM does not, saliency partly; occlusion's mass about the shape's area
if not cv.quick():
    area = float(none.object_masks.float().mean())
    assert s_none.mean("guided_backprop", "shape pointing") > 0.75 > 0.35 > s_none.mean("gradcam", "shape pointing")
    assert s_none.mean("gradcam", "shape energy") < area and abs(s_none.mean("occlusion", "shape energy") - area) < 0.04
    assert s_none.mean("saliency", "shape energy") > area and s_none.mean("saliency", "shape pointing") > 0.4
    assert 0.4 < float(p_none.median()) < 0.8

# %% [markdown]
# ### Exercise: energy in a mask
#
# Write `mask_energy(maps, masks)`: `maps` is an `(N,H,W)` tensor of non-negative maps,
# `masks` an `(N,H,W)` bool tensor; return the `(N,)` share of each map's total mass that
# lies inside its mask, $E = \sum_{p \in M} a_p / \sum_p a_p$, and 0 for an all-zero map.
# Compare with `cv.mask_energy(scores["shortcut"].maps["gradcam"], masks["cue"])`.
# Then use it for the step this notebook keeps asking for: the **density** $E / (|M| / HW)$
# of saliency's maps (`scores["shortcut"].maps["saliency"]`) on the cue and on the shape,
# image by image. **Predict first:** on how many of the 32 images will the cue's density be
# higher than the shape's? And for which method of section 5 would you expect that count to
# be lowest (the mean densities printed there are a hint)? Then compute it (the folded
# solution prints saliency's count; change the method name to test your second guess).


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
density = {k: solution_mask_energy(scores["shortcut"].maps["saliency"], m) / m.float().mean(dim=(1, 2)) for k, m in masks.items()}
print(f"saliency, shortcut model: the cue's density beats the shape's on {int((density['cue'] > density['object']).sum())} "
      f"of {len(test)} images (median density: cue {density['cue'].median():.1f}, shape {density['object'].median():.1f})")

# %% [markdown]
# ### Question: why the patch?
#
# In training the shape and the cue **both** predict the label perfectly. Why did the network
# learn the cue and not the shape? Write your answer, then compare.
#
# <details><summary>Model answer (click)</summary>
#
# Gradient descent tends to pick up first the features that lower the loss fastest, and
# networks trained this way often prefer the simplest predictive feature even when a more
# complex one predicts as well ("simplicity bias", Shah et al. 2020). A patch of one colour is found by
# one colour-tuned filter, and global average pooling detects it wherever it is. A shape needs
# edges combined into corners and outlines across several layers, and it varies in size, angle
# and colour. So the cue explains the labels long before the shapes do in the clean run (the timeline: the
# Grad-CAM is on the patch after the first epoch, and the shortcut decides from epoch 2).
# Once the cue gives a loss near zero, almost no gradient is left that could teach the shapes
# ("gradient starvation", Pezeshki et al. 2021): the model that has learned the shortcut has
# little reason to learn anything else. Its score without a cue, only a little above chance,
# is consistent with that, but this notebook did not test the mechanism (a linear probe for
# the shape on the pooled features would), and a cue-less image is also new to the model.
# Here, training on `fair`, where only the shape predicts the label, is the intervention
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
# run = cv.train_model(cv.SmallCNN(seed=0), small.images, small.labels, epochs=EPOCHS,
#                      batch_size=BATCH, classes=small.classes, seed=0)   # section 2's settings
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
# - **A network can take the easiest rule that fits**: here a colour patch rather than a shape. Only
#   test data where the shortcut fails (here, swapped cues) exposes it: accuracy on data drawn
#   like the training set said 100 %.
# - **Here every method's peak lands within 2 pixels of the cue** of the shortcut model
#   (with no tolerance the CAM family's peak hits it in only about half of the images and
#   occlusion's tied maxima all fall on it in 0.75), with very different
#   sharpness: occlusion and LIME concentrate on it (about half their mass, helped by a window
#   and segments that fit the cue), the CAM family blurs around it at its 10x10 resolution,
#   RISE points at it but by mass cannot tell the two models apart; four of the five
#   gradient maps put about as much mass on the shape as on the cue, or more (only guided
#   backprop clearly favours the cue by mass), though the shape matters far less: compare densities (mass / the mask's area, printed in section 5), not masses.
#   Saliency's and SmoothGrad's peaks prefer the cue's coloured centre; guided backprop's and
#   deconvnet's fall on its black frame about as often as the frame's area predicts.
# - **Watch training, not just the end**: on the training image we followed, Grad-CAM moved to
#   the cue after the first epoch, before that image's prediction did; from epoch 2 the
#   shortcut decides, and the filters nearly stop moving (a change of 0.04 in the last
#   epoch) once the training loss is near zero.
# - **Scores depend on their settings**: pointing tolerance, post-processing, resolution,
#   the deletion fill and IG's baseline (black or grey changed IG's mass on the cue several
#   times over); state them with every number. Occlusion's window and LIME's segments decide
#   how sharp those maps can be, and reading the saturated probability instead of the logit
#   cut occlusion's mass on the shape about fourfold.
