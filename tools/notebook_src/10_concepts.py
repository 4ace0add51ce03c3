# ---
# jupyter:
#   cnnviz:
#     title: 'Concepts: does "striped" matter to a zebra?'
#     goals:
#     - 'turn a human concept (striped, dotted) into a direction in a layer''s activations: a concept activation
#       vector (CAV)'
#     - 'measure how much a class depends on that direction: the TCAV score, here on drawings of zebras (no zebra
#       photographs ship with the course)'
#     - decide whether it matters with a statistical test against random directions, and read a significant
#       score near 0
#     - see why the class images, the concept images and the random images all need care
#     prerequisites: notebooks 00 (layers and activations) and 01 (gradients).
#     runtime:
#       cpu: 2 minutes
#       gpu: 20 s
#     papers:
#     - 'Kim et al., *Interpretability Beyond Feature Attribution: Quantitative Testing with Concept Activation
#       Vectors (TCAV)*, ICML 2018'
#     - 'Bau et al., *Network Dissection: Quantifying Interpretability of Deep Visual Representations*, CVPR 2017'
#     - Cimpoi et al., *Describing Textures in the Wild*, CVPR 2014
#     - 'Tan & Le, *EfficientNet: Rethinking Model Scaling for Convolutional Neural Networks*, ICML 2019'
#     - 'Geirhos et al., *ImageNet-trained CNNs are biased towards texture; increasing shape bias improves accuracy and
#       robustness*, ICLR 2019'
#     - Holm, *A Simple Sequentially Rejective Multiple Test Procedure*, Scandinavian Journal of Statistics, 1979
#     - 'Nicolson et al., *Explaining Explainability: Understanding Concept Activation Vectors*, ECCV 2024'
#     - 'Ramaswamy et al., *Overlooked Factors in Concept-based Explanations: Dataset Choice, Concept Learnability,
#       and Human Capability*, CVPR 2023'
#     - Adebayo et al., *Sanity Checks for Saliency Maps*, NeurIPS 2018
# ---

# %% [markdown]
# ## 1. The idea: ask the network about a concept, not a pixel
#
# Saliency maps answer "which pixels?". A doctor or a biologist asks something else: *does the
# network use stripes to recognise a zebra?* It is a fair question: ImageNet-trained CNNs lean
# on texture more than people do (Geirhos et al. 2019). Kim et al. (2018) turn that question into a
# measurement. Take a layer $l$ with activations $f_l(x)$, and examples of a concept $C$
# (striped images). A linear classifier separates the concept's activations from those of
# random images; the unit normal to its boundary, pointing towards the concept, is the **concept
# activation vector** $v_C^l$ (length 1). Moving the activations of a zebra image along $v_C^l$
# changes the zebra logit $h_{l,k}$ at the rate
#
# $$S_{C,k,l}(x) = \nabla h_{l,k}\big(f_l(x)\big) \cdot v_C^l ,$$
#
# and the **TCAV score** is the fraction of the class's images that this direction pushes up:
#
# $$\mathrm{TCAV}_{C,k,l} = \frac{\big|\{x \in X_k : S_{C,k,l}(x) > 0\}\big|}{|X_k|}.$$
#
# A score alone proves nothing: a random direction also pushes some images up. So the CAV is
# trained again and again against different random sets, the same is done with CAVs between
# random sets, and a two-sided t-test says whether the concept's scores differ from the
# random ones. (The paper's text states the null hypothesis as a score of 0.5; its reference
# code, and this notebook, test against the random CAVs' scores.)
#
# **Many tests at once.** We test every concept at every layer: here 3 concepts x 3 layers,
# $m = 9$ tests. At the 5 % level, each test of a concept that does not matter comes out
# "significant" by chance one time in twenty, so with 9 independent tests the chance of at least one
# false discovery is about $1 - 0.95^9 \approx 37\,\%$.
# We correct for all nine with **Holm's method** (Holm 1979): at most a 5 % chance of *any*
# false discovery, whatever the dependence between the tests. It rejects at least as often as
# Bonferroni with $m = 9$ (multiply each p-value by 9). Sort the p-values
# $p_{(1)} \le \dots \le p_{(m)}$ and take
# $$\tilde p_{(i)} = \max_{j \le i}\ \min\big(1, (m - j + 1)\, p_{(j)}\big).$$
# A concept matters at a layer when its corrected $\tilde p < 0.05$ (`cv.holm`).
#
# <details><summary>Aside: the paper's correction (click)</summary>
#
# Kim et al. use Bonferroni with $m = 2$ (the paper does not say why). Holm's multipliers
# here run from 9 down to 1, so Holm is much stricter for the smallest p-values; only the
# largest gets a smaller multiplier than the paper's 2.
# </details>

# %% [markdown]
# ## 2. Zebras, without zebra photos
#
# The network is **EfficientNet-Lite0** (Tan & Le, *EfficientNet*, ICML 2019; the Lite variants
# come from the TensorFlow model release), trained on ImageNet (1000 classes, *zebra* among
# them); its body is a stack of 16 MBConv blocks, numbered one by one here (`blocks.0` to
# `blocks.15`), followed by `head`, the last convolution (with its batch norm and ReLU6; its output is taken after
# the ReLU6) before global average pooling and the linear classifier. We test a middle
# (`blocks.6`, the 7th of 16), a late (`blocks.12`) and the last block (`blocks.15`).
#
# <details><summary>Aside: the same blocks in timm (click)</summary>
#
# Many implementations group the 16 blocks into 7 stages. In timm, our `blocks.6`,
# `blocks.12` and `blocks.15` are `blocks.3.1`, `blocks.5.1` and `blocks.6.0`.
# </details>
#
# The course ships no zebra photographs (none of its bundled photographs shows a zebra, and
# the notebook runs offline), and TCAV needs images of the class. Two honest
# options: **drawings** (a striped, horse-shaped animal on grass, `cv.zebra_images`) or
# **class visualisations** (`cv.maximize(clf, "class:zebra")`, notebook 02). We use drawings.
# A class visualisation is not a sample of the class: it is an out-of-distribution image
# shaped by the regulariser and the parametrisation, and the optimiser built it by following
# the zebra gradient, so its features are aligned with that gradient on purpose, the very
# thing TCAV then measures. A drawing is an ordinary input. We draw more than we need and
# keep only those the network really calls *zebra*. Keep in mind what this means: our class
# images are **drawings made of stripes**, chosen by the network itself. The cost: every result
# below is about *these drawings*, not yet about photographs of zebras, and such class images
# may favour "striped" (a pitfall of section 7; the sanity check of section 4 measures part of
# that bias).

# %%
import torch

clf = cv.load_model(device=DEVICE)
SIZE, N, REPEATS = cv.config.pick((128, 10, 20), (96, 4, 3))   # image side, images per set, repeats
drawn = clf.from_unit(cv.zebra_images(cv.config.pick(48, 12), size=SIZE, seed=0))
is_zebra = (clf.logits(drawn).argmax(1) == clf.class_index("zebra")).cpu()
zebras = drawn[is_zebra][:16]
print(f"{int(is_zebra.sum())} of {len(drawn)} drawings are called zebra (top-1); we keep {len(zebras)}")

# %% tags=["check"]
# Enough drawings are kept, and each is called zebra
assert len(zebras) >= cv.config.pick(12, 2)
assert (clf.logits(zebras).argmax(1) == clf.class_index("zebra")).all()

# %% [markdown]
# ## 3. Concepts and random images, drawn on the fly
#
# The paper takes its concepts from Broden (Bau et al. 2017), whose textures come from the
# Describable Textures Dataset (Cimpoi et al. 2014), and from image searches; we draw them:
# **striped** (straight or wavy bands) and **dotted**, each at random
# colours, scales and angles. **Random** images mix crops of the bundled photographs, smooth
# colour fields with blobs, and textures of every kind: with photographs alone, a CAV would
# learn "synthetic pattern against photo" instead of the concept. The price: a random set
# sometimes holds a dotted or striped texture itself (see the figure; zigzagged and chequered
# textures, the concepts of investigation 3, appear in the random sets too), so "dotted" is
# contrasted with a mix that now and then contains dots; that weakens a CAV, it does not
# fake one. (The photographs are credited below the figure.) Because the images are
# drawn, every repeat of the test gets a **fresh** concept sample. This departs from Kim et
# al., who reuse one fixed concept set in every repeat and vary only the random
# counterexamples: a fresh sample each time tests the concept, not one particular image set.
# A third "concept", a set of random images, is the control.

# %%
concepts = {c: [clf.from_unit(cv.concept_images(c, N, size=SIZE, seed=i)) for i in range(REPEATS)]
            for c in ["striped", "dotted"]}
concepts["random (control)"] = [clf.from_unit(cv.random_images(N, size=SIZE, seed=500 + i)) for i in range(REPEATS)]
randoms = [clf.from_unit(cv.random_images(N, size=SIZE, seed=100 + i)) for i in range(REPEATS)]
cv.plot.concept_examples({"zebra (class)": zebras, **{c: v[0] for c, v in concepts.items()}, "random": randoms[0]}, classifier=clf,
                         titles={"zebra (class)": "zebra (class,\ndrawn)", "striped": "striped\n(drawn)", "dotted": "dotted\n(drawn)",
                                 "random (control)": "random (control):\nphoto crops,\nblobs, textures", "random": "random:\nthe same mix"})

# %%
from IPython.display import Markdown   # the photographs that random images are cropped from

Markdown("Random images are crops of these photographs:  \n" + "  \n".join(cv.credit(name) for name in cv.sample_images()))

# %% [markdown] choice="10-random-spread"
# ### Predict, then run
#
# (the builder writes the question and the answer cell)

# %% [markdown]
# ## 4. TCAV at three depths
#
# For each layer and each repeat $i$: a CAV of each concept (its sample $i$) against random set
# $i$, and a random CAV of random set $i+1$ against random set $i$, the last repeat wrapping
# round to random set 0 (in full mode: 10 images per set, 20 repeats, images of 128 x 128
# pixels). One gradient pass over the
# zebras gives $\nabla h_{l,k}$ at every layer; each CAV then costs a small logistic regression.
# The table gives each test's raw p-value and its Holm-corrected one; "significant" uses the
# corrected one. In the figure, the bars are the **mean** TCAV score over the repeats, the
# quantity the t-test compares, and each grey dot is one repeat, at its true score; equal
# scores sit side by side, and `n=k` labels piles of 4 or more at 0 (under the axis) or at 1
# (above it).
# With 16 zebra drawings a score moves in steps of 1/16. We do not draw medians: a median
# jumps from one pile to the other (printed below the figure). `n.s.` means a
# Holm-*corrected* p of 0.05 or more.

# %%
LAYERS = ["blocks.6", "blocks.12", "blocks.15"]
result = cv.tcav(clf, zebras, "zebra", concepts, randoms, LAYERS, seed=0, threads=1)   # one thread: faster for many small regressions
result

# %% [markdown]
# **CAV accuracy** is the linear classifier's accuracy on held-out activations: 2 of each
# set's 10 images are kept out of the fit (4 in all, so one repeat scores 0, 0.25, 0.5, 0.75
# or 1); the table gives the mean over the repeats. With 2 from each set, a classifier that
# learned nothing would average 0.5.
#
# The random control, which has nothing to learn, averages 0.34 to 0.46 (printed below).
# With a standard error of about 0.05, 0.46 (`blocks.15`) is within noise of 0.5; 0.40 and
# 0.34 are 2 and more than 3 standard errors below it. The cause ("anti-learning"): every
# random set holds the same mix (4 photo crops, 3 colour fields, 3 textures). Whatever kind
# a set's held-out part takes away is rarer in that set's training part, so the classifier
# learns to give that kind to the *other* set. So read the column against the control at the
# same layer: a concept near it cannot be told from random images.
#
# Kim et al. use CAV accuracy to see in which layers a concept is linearly decodable (their
# Fig. 5). Note striped at `blocks.6`: its CAV separates (about 0.8, against the control's
# 0.40) but its TCAV score is like the random ones: a concept can be **represented** in a
# layer without TCAV showing that the class **uses** it there.

# %%
for layer in LAYERS:   # the random control's CAV accuracy: read the column against it
    acc = result.accuracy[("random (control)", layer)]
    print(f"{layer}: random control's CAV accuracy {float(acc.mean()):.2f} (standard deviation {float(acc.std()):.2f}"
          f" over {len(acc)} repeats, standard error of the mean {float(acc.std()) / len(acc) ** 0.5:.2f})")

# %% tags=["check"]
# The control's CAV accuracy: 4 held-out images per repeat; 0.46 within noise of 0.5, 0.40 about 2 standard errors below, 0.34 more than 3
if not cv.quick():
    accs = [result.accuracy[("random (control)", layer)] for layer in LAYERS]
    assert all(torch.equal(4 * a, (4 * a).round()) for a in result.accuracy.values())   # 2 + 2 held out: steps of 0.25
    assert all(0.15 < float(a.std()) < 0.3 for a in accs)   # one repeat varies by about 0.2
    assert abs(float(accs[2].mean()) - 0.5) < float(accs[2].std()) / len(accs[2]) ** 0.5
    assert float(accs[1].mean()) < 0.5 - 3 * float(accs[1].std()) / len(accs[1]) ** 0.5
    assert 1.5 < (0.5 - float(accs[0].mean())) / (float(accs[0].std()) / len(accs[0]) ** 0.5) < 2.5   # blocks.6: about 2 standard errors
    assert 0.75 < float(result.accuracy[("striped", "blocks.6")].mean()) < 0.85 and round(float(accs[0].mean()), 2) == 0.40

# %%
cv.plot.tcav(result, centre="mean", fontsize=11, repeats=True, count_size=10)

# %%
import numpy as np   # medians jump between the piles at 0 and 1; the test compares means

for name, r in [("random control", result.scores[("random (control)", "blocks.15")]), ("random CAVs", result.random_scores["blocks.15"])]:
    print(f"blocks.15, {name}: mean {float(r.mean()):.2f}, median {float(np.median(r.numpy())):.2f},"
          f" {int((r <= 0.1).sum())} of {len(r)} repeats at or below 0.1, {int((r >= 0.9).sum())} at or above 0.9")

# %% [markdown]
# **What to look at** (full mode; quick mode runs 3 repeats on 4 images, too few for a
# test).
#
# - **On our zebra drawings, TCAV finds striped significant for the zebra class at
#   `blocks.12`**: its mean TCAV score (table) is about 0.9, far from the random CAVs', and
#   it stays significant after Holm's correction (the `*`). That is a test result, not yet
#   "the trained zebra class uses stripes": the sanity check at the end of this section shows
#   how much of it a network without trained zebra knowledge gives too.
# - At `blocks.15` its mean score is just as high, but the random CAVs there scatter from 0
#   to 1, and the corrected p lands just above 0.05: **not significant** (`n.s.`).
# - **Two of the nine verdicts change under the correction**: striped and dotted at
#   `blocks.15` (raw p about 0.01 and 0.02, corrected about 0.06 and 0.11). Read them as "not
#   shown at this layer with 20 repeats", not as "stripes do not matter there".
# - At `blocks.6` striped scores like the random CAVs (about 0.5).

# %% [markdown]
# **What to look at** (the control and dotted): **the random control is not significant at
# any layer**, as a well-calibrated test should usually find. Its dots at `blocks.15` sit mostly near
# 0 (printed above) and look far from the random CAVs', but those also pile up at 0 and at 1, and
# the means, 0.39 against 0.57, are within the spread of 20 repeats (p about 0.24). **Dotted**
# is the instructive case: at `blocks.6` and `blocks.12` at least 15 of the 20 repeats sit exactly
# at 0 (`n=15` and `n=19` under the axis) and the rest near it, *and* it is significant: moving
# the activations along the dotted CAV (dotted textures against the random mix) systematically
# **lowers** the zebra logit; which property of the dotted set does it is not tested. A two-sided test
# reports both: a concept can matter against a class. At `blocks.15` the dotted verdict is
# not significant after correction. Which verdicts are **statistically robust** follows from
# the corrected p-values:
# - striped at `blocks.12`, dotted at `blocks.6` and `blocks.12`: below 0.003, more than 15
#   times under the threshold;
# - striped at `blocks.15`: 0.058, just above 0.05 (another random draw could tip it);
# - dotted at `blocks.15`: 0.11, about twice the threshold.
#
# Whether a robust verdict reflects the *trained* zebra class is another question: the sanity
# check below asks it.

# %% tags=["check"]
# Two verdicts change under Holm's correction; the three robust verdicts have corrected p below 0.05 / 15
if not cv.quick():
    assert result.significant("dotted", "blocks.15", correction=None)
    assert 0.05 < result.adjusted_p_values[("striped", "blocks.15")] < 0.07 < 0.09 < result.adjusted_p_values[("dotted", "blocks.15")] < 0.13
    control, rand = result.scores[("random (control)", "blocks.15")], result.random_scores["blocks.15"]
    assert abs(float(control.mean()) - 0.39) < 0.006 and abs(float(rand.mean()) - 0.57) < 0.006
    assert 0.2 < result.p_values[("random (control)", "blocks.15")] < 0.3
    assert float(control.median()) < 0.2 and float(np.median(rand.numpy())) > 0.7   # medians far apart, means not
    assert int(((rand == 0) | (rand == 1)).sum()) == 15   # the model answer below: 15 of the 20 random CAVs exactly at 0 or 1
    assert all(float((result.scores[("dotted", la)] == 0).float().mean()) >= 0.75 for la in ["blocks.6", "blocks.12"])
    for concept, layer in [("striped", "blocks.12"), ("dotted", "blocks.6"), ("dotted", "blocks.12")]:
        assert result.significant(concept, layer, alpha=0.05 / 15), (concept, layer)

# %% tags=["check"]
# The verdicts read in the text above (full mode)
if not cv.quick():
    assert result.mean("striped", "blocks.12") > 0.75 and result.significant("striped", "blocks.12")
    assert result.mean("striped", "blocks.15") > 0.75 and not result.significant("striped", "blocks.15")
    assert result.significant("striped", "blocks.15", correction=None)   # significant only uncorrected
    assert not result.significant("striped", "blocks.6") and abs(result.mean("striped", "blocks.6") - 0.5) < 0.1
    assert not any(result.significant("random (control)", layer) for layer in LAYERS)
    for layer in ["blocks.6", "blocks.12"]:
        assert result.mean("dotted", layer) < 0.1 and result.significant("dotted", layer), layer
    assert result.mean("dotted", "blocks.15") < 0.5 and not result.significant("dotted", "blocks.15")

# %% [markdown]
# ### What the test compares
#
# Striped at `blocks.15`, one of the two verdicts that the correction changed. Each dot is one
# repeat: the TCAV score of one CAV; equal scores sit side by side, with their count
# ("n = k": k repeats with that score), and the short black lines left of each column are
# the two means. Random CAVs at this deep layer score near 0 or near 1,
# and their mean sits around 0.5 with a large spread; at the middle layer `blocks.6` they
# spread less around 0.5 (standard deviation about 0.23 against 0.46 at `blocks.15`, printed
# below). The reason is how alike the zebra drawings' gradients $\nabla h_{l,k}$ are: the more
# they point the same way, the more a random direction pushes all of them up or all of them
# down. Below, next to each spread, the mean cosine similarity of the gradients over all
# pairs of drawings measures that: it rises with depth, as the spread does (the answer to
# the prediction of section 3 is **c**, `blocks.15`).
#
# *Why* do the gradients agree more with depth? Not simply because the drawings look alike.
# Above `blocks.15` only a 1x1 convolution with batch norm and ReLU6, the average pooling and
# the linear classifier remain, so the gradient there changes with the image only through
# which ReLU6 units are active (at `head` it does not change at all, investigation 1). In the
# trained network these gates open alike for our similar drawings, but depth alone does not
# do it: the sanity check below gives 0.51 at `blocks.12` with the trained top and 0.03 with
# a redrawn top of the same shape, for the same drawings.
#
# That spread is why a single
# CAV, or a score "above 0.5", proves nothing, and why the test needs many repeats. The
# scores are bounded and pile up at 0 and 1, so the t-test is only a rough approximation
# here (a pitfall below).
#
# **Sample size and power.** We use 10 images per set and 20 repeats to fit the course's time
# budget; Kim et al. used larger sets and typically hundreds of repeats. With 10 images a CAV
# is fitted on 8 images per side in a space of thousands of dimensions, so it varies a
# lot from one repeat to the next. The 16 class images limit power too: a score moves in
# steps of 1/16. Few repeats of noisy CAVs make a weak test: a verdict just above the threshold, as at
# `blocks.15`, is what low power looks like (an investigation reruns it with more repeats).

# %%
cv.plot.tcav_scores(result, "striped", "blocks.15", fontsize=12)

# %%
grads = cv.class_gradients(clf, zebras, "zebra", LAYERS)
cosine = {}
for layer in LAYERS:
    g = torch.nn.functional.normalize(grads[layer].flatten(1), dim=1)
    cosine[layer] = float((g @ g.T)[~torch.eye(len(g), dtype=torch.bool)].mean())   # over pairs of drawings
    r = result.random_scores[layer]
    print(f"random CAVs at {layer}: mean {float(r.mean()):.2f}, standard deviation {float(r.std()):.2f};"
          f" gradients of the drawings: mean pairwise cosine {cosine[layer]:.2f}")

# %% tags=["check"]
# Random CAVs spread widely at blocks.15 (mean near 0.5), less at blocks.6
spread = float(result.random_scores["blocks.15"].std())
if not cv.quick():
    assert float(result.random_scores["blocks.6"].std()) < spread
    assert spread > 0.25 and 0.25 < float(result.random_scores["blocks.15"].mean()) < 0.75
    assert cosine["blocks.6"] < cosine["blocks.12"] < cosine["blocks.15"]   # gradients agree more with depth
    stds = [float(result.random_scores[layer].std()) for layer in LAYERS]
    assert stds[2] == max(stds)   # the predict-then-run answer: random CAVs spread most at blocks.15

# %% [markdown]
# ### A sanity check: the same test with the top of the network redrawn at random
#
# Is the striped verdict at `blocks.12` the trained zebra class's doing? Adebayo et al. (2018)
# check an explanation by destroying what it claims to explain. They re-initialise the
# weights layer by layer from the top (a cascade); we take one step of that cascade at once
# and redraw every layer above `blocks.12` (`blocks.13` to `blocks.15`, `head` and the
# classifier). Each parameter tensor is redrawn from a normal distribution with its own mean
# and standard deviation. The batch-norm running statistics (buffers) keep their trained
# values, so that only the weights change; they no longer match the new weights and can
# mis-scale the activations above `blocks.12` (re-estimating them on the images is another
# choice, not tried here). We run TCAV at `blocks.12` with the same images and seed. The layers up to `blocks.12` are untouched, so the CAVs are the very
# same; only the gradients of the "zebra" logit change. That logit has no learned reason to
# depend on stripes, so whatever TCAV still finds is not the trained class's doing. We then
# test whether the trained scores **exceed** these; because repeat
# $i$ uses the same CAV in both runs, we use a paired permutation test
# (`cv.concepts.paired_permutation_test`): under "training adds nothing", each repeat's
# difference is as likely to be negative as positive, and p is the share of all $2^{20}$
# sign patterns whose mean difference is at least as large **in absolute value** as the
# observed one (two-sided). The smallest p that 20 pairs can give is
# $2/2^{20} \approx 1.9 \cdot 10^{-6}$ (all differences of one sign).

# %% [markdown] choice="10-redrawn-top"
# ### Predict, then run
#
# (the builder writes the question and the answer cell)

# %%
import copy   # a copy of the network, its layers above blocks.12 redrawn at random
import dataclasses

top = copy.deepcopy(clf.model)
for name in ["blocks.13", "blocks.14", "blocks.15", "head", "classifier"]:
    cv.evaluate.randomize_layer(top.get_submodule(name), seed=0, init="normal")
redrawn = dataclasses.replace(clf, model=top)
called = int((redrawn.logits(zebras).argmax(1) == clf.class_index("zebra")).sum())
print(f"with the top redrawn, {called} of {len(zebras)} drawings are still called zebra")
baseline = cv.tcav(redrawn, zebras, "zebra", concepts, randoms, ["blocks.12"], seed=0, threads=1)
baseline

# %%
for c in ["striped", "dotted"]:   # the excess of the trained scores over the redrawn top's, repeat by repeat
    trained, top_redrawn = result.scores[(c, "blocks.12")], baseline.scores[(c, "blocks.12")]
    excess, p_excess = cv.concepts.paired_permutation_test(trained, top_redrawn)
    interval = cv.concepts.paired_bootstrap_interval(trained, top_redrawn, seed=0)   # 95 %, over the 20 repeats
    print(f"{c} at blocks.12: trained {float(trained.mean()):.2f}, top redrawn {float(top_redrawn.mean()):.2f}; trained higher in"
          f" {int((trained > top_redrawn).sum())} of {len(trained)} repeats, lower in {int((trained < top_redrawn).sum())};"
          f" excess {excess:+.2f}, 95 % bootstrap interval [{interval[0]:+.2f}, {interval[1]:+.2f}], paired permutation p = {p_excess:.2g}")
cv.plot.tcav_baseline(result, baseline, "striped", "blocks.12", names=("trained", "top redrawn"), fontsize=11, differences=True,
                      annotation_size=11, height=5.4)

# %%
alike = {}   # how alike the drawings' gradients are at blocks.12, and how far the random CAVs spread
for name, net, r in [("trained", clf, result), ("top redrawn", redrawn, baseline)]:
    g = torch.nn.functional.normalize(cv.class_gradients(net, zebras, "zebra", ["blocks.12"])["blocks.12"].flatten(1), dim=1)
    alike[name] = (float((g @ g.T)[~torch.eye(len(g), dtype=torch.bool)].mean()), float(r.random_scores["blocks.12"].std()))
    print(f"{name}, blocks.12: mean pairwise cosine of the drawings' gradients {alike[name][0]:.2f};"
          f" random CAVs' scores: standard deviation {alike[name][1]:.2f}")

# %% [markdown]
# **What to look at** (full mode): with the top redrawn, none of the 16 drawings is called
# zebra any more, yet striped still scores 0.69 on average against the random CAVs' 0.52.
# The t-test still calls it significant: the answer to the prediction is **b**. **TCAV's
# significance test partly fails this sanity check.**
#
# - *Read the raw p-values under the columns:* 0.00042 trained, 0.00081 redrawn. The Holm
#   values differ in their families (9 tests against 3), so do not compare them.
# - *Why the redrawn top still passes:* unlike the trained top (previous subsection), its
#   gradients are nearly unrelated (mean pairwise cosine 0.03 against 0.51). So its random
#   CAVs stay near 0.5 (standard deviation 0.18 against 0.39), and a modest but steady shift
#   of the striped CAVs (the cyan dots, 0.5 to 0.88) is enough for the test. One hypothesis
#   for that shift: the drawings are made of stripes (tested below).
# - *The pairing (right panel):* the trained scores are higher in 18 of the 20 repeats
#   (lower in 2), by 0.22 on average: paired permutation p about 0.00015, 95 % bootstrap
#   interval 0.14 to 0.29 (printed above).
#
# So the honest reading of section 4: **on our drawings, the trained network's striped score
# at `blocks.12` exceeds this baseline's by 0.22 (95 % interval 0.14 to 0.29).** The excess depends on the
# baseline, and a difference of two sign counts does not split the score into a "training"
# part and an "architecture" part. Dotted, the other way: with the top redrawn it is not
# significant (0.50, p about 0.7); its trained score lies 0.49 below, lower in all 20
# repeats (p = $1.9 \cdot 10^{-6}$, the floor of 20 pairs).

# %% [markdown]
# **Is it the stripes in the drawings?** The same test, the top still redrawn, with the same
# drawings in a plain brown coat as class images (the same seed: the same poses and
# backgrounds, no stripes).

# %%
plain = clf.from_unit(cv.zebra_images(len(drawn), size=SIZE, seed=0, striped=False))[is_zebra][:16]   # the kept drawings, no stripes
plain_check = cv.tcav(redrawn, plain, "zebra", concepts, randoms, ["blocks.12"], seed=0, threads=1)
print(f"top redrawn, class images without stripes: striped {plain_check.mean('striped', 'blocks.12'):.2f},"
      f" random CAVs {float(plain_check.random_scores['blocks.12'].mean()):.2f},"
      f" Holm-corrected p {plain_check.adjusted_p_values[('striped', 'blocks.12')]:.2g}")
shift, p_shift = cv.concepts.paired_permutation_test(baseline.scores[("striped", "blocks.12")], plain_check.scores[("striped", "blocks.12")])
print(f"striped with the top redrawn, striped minus plain drawings (the same CAVs, repeat by repeat): {shift:+.2f},"
      f" paired permutation p = {p_shift:.2g}")
cv.plot.concept_examples({"zebra": zebras, "plain": plain}, classifier=clf,
                         titles={"zebra": "class images\n(drawn)", "plain": "the same,\nno stripes"})

# %% [markdown]
# **What to look at:** without stripes in the class images, the redrawn top's striped score
# falls from 0.69 to 0.62 against the random CAVs' 0.52, no longer significant (corrected p
# about 0.2). But a change of verdict is not a significant change: tested repeat by repeat
# with the same CAVs, the drop is 0.07 (paired p about 0.06), not shown to be more than
# noise. So the stripes in the drawings may explain part of the redrawn top's striped
# score; this check does not show it.

# %% tags=["check"]
# The sanity check's numbers: no drawing is called zebra, striped 0.69 still significant, the excess 0.22 significant
if not cv.quick():
    assert called == 0 and torch.equal(baseline.accuracy[("striped", "blocks.12")], result.accuracy[("striped", "blocks.12")])
    assert round(baseline.mean("striped", "blocks.12"), 2) == 0.69 and round(float(baseline.random_scores["blocks.12"].mean()), 2) == 0.52
    assert 0.0015 < baseline.adjusted_p_values[("striped", "blocks.12")] < 0.003 and baseline.significant("striped", "blocks.12")
    d = result.scores[("striped", "blocks.12")] - baseline.scores[("striped", "blocks.12")]
    assert int((d > 0).sum()) == 18 and int((d < 0).sum()) == 2 and round(float(d.mean()), 2) == 0.22
    assert 0.00014 < cv.concepts.paired_permutation_test(result.scores[("striped", "blocks.12")], baseline.scores[("striped", "blocks.12")])[1] < 0.00016
    assert round(baseline.mean("dotted", "blocks.12"), 2) == 0.50 and 0.6 < baseline.p_values[("dotted", "blocks.12")] < 0.75
    excess, p_dotted = cv.concepts.paired_permutation_test(result.scores[("dotted", "blocks.12")], baseline.scores[("dotted", "blocks.12")])
    assert round(excess, 2) == -0.49 and p_dotted == 2 / 2**20 and not baseline.significant("random (control)", "blocks.12")   # the floor

# %% tags=["check"]
# The raw p-values under the figure's columns, the two Holm families (9 and 3 tests), and the excess's 95 % interval 0.14 to 0.29
if not cv.quick():
    assert round(result.p_values[("striped", "blocks.12")], 5) == 0.00042 and round(baseline.p_values[("striped", "blocks.12")], 5) == 0.00081   # raw p
    assert len(result.p_values) == 9 and len(baseline.p_values) == 3   # the two Holm families
    low, high = cv.concepts.paired_bootstrap_interval(result.scores[("striped", "blocks.12")], baseline.scores[("striped", "blocks.12")], seed=0)
    assert (round(low, 2), round(high, 2)) == (0.14, 0.29)   # the excess's 95 % bootstrap interval

# %% tags=["check"]
# Without stripes in the class images the redrawn top gives striped 0.62 against 0.52 (n.s.), an n.s. drop; the redrawn top's gradients barely agree
if not cv.quick():
    assert round(plain_check.mean("striped", "blocks.12"), 2) == 0.62 and round(float(plain_check.random_scores["blocks.12"].mean()), 2) == 0.52
    assert 0.15 < plain_check.adjusted_p_values[("striped", "blocks.12")] < 0.25 and not plain_check.significant("striped", "blocks.12")
    assert round(shift, 2) == 0.07 and 0.05 < p_shift < 0.07   # the drop itself: not significant
    assert [round(v, 2) for v in alike["trained"]] == [0.51, 0.39] and [round(v, 2) for v in alike["top redrawn"]] == [0.03, 0.18]
    top_striped = baseline.scores[("striped", "blocks.12")]
    assert float(top_striped.min()) == 0.5 and float(top_striped.max()) == 0.875

# %% [markdown]
# ## 5. Is it the colour? A check before trusting the verdicts
#
# Our concept images are saturated colour patterns; the zebra drawings have black-and-white stripes.
# A CAV could then be partly a colour direction. To test that, make **every** image set grey:
# the concept samples, the random control and the random sets alike (the zebra drawings, the
# class we ask about, stay as they are). Greying only the concept sets would bring in a
# new confound: each CAV would then separate "grey pattern" from "colourful mix".

# %%
grey_concepts = {c: [clf.from_unit(clf.to_unit(x).mean(1, keepdim=True).expand_as(x)) for x in v]
                 for c, v in concepts.items()}   # the mean of R, G and B in every channel
grey_randoms = [clf.from_unit(clf.to_unit(x).mean(1, keepdim=True).expand_as(x)) for x in randoms]
grey_result = cv.tcav(clf, zebras, "zebra", grey_concepts, grey_randoms, LAYERS, seed=0, threads=1)
grey_result

# %%
shifts = {}   # grey minus colour, repeat by repeat (the same images and seeds)
for c, layer in [("striped", "blocks.6"), ("striped", "blocks.15"), ("dotted", "blocks.15")]:
    shifts[(c, layer)] = cv.concepts.paired_permutation_test(grey_result.scores[(c, layer)], result.scores[(c, layer)])
print("\n".join(f"{c} at {layer}: colour {result.mean(c, layer):.2f}, grey {grey_result.mean(c, layer):.2f};"
                f" shift {d:+.2f}, paired permutation p = {p:.2g}" for (c, layer), (d, p) in shifts.items()))

# %% [markdown]
# **What to look at:** the three strong verdicts survive greying the concept and random sets; the borderline one flips.
#
# - Dotted still pushes against zebra at `blocks.6` and `blocks.12` (mean scores near 0,
#   corrected p below 0.001); striped still matters at `blocks.12`; the random control
#   stays not significant.
# - At `blocks.15` striped now passes the corrected test (corrected p below 0.01): its
#   scores rise from 0.89 to 0.97, while the random CAVs' mean stays at 0.58 (0.57 in colour).
# - Both runs use the same images (greyed) and seeds, so each shift is tested repeat by
#   repeat (printed above). Striped at `blocks.6` rises from 0.49 to 0.65, a significant
#   shift (p about 0.001): there greying changes what the striped CAV measures, though its
#   verdict stays not significant. The shifts at `blocks.15` (striped 0.89 to 0.97, p 0.06;
#   dotted 0.24 to 0.30, p 0.5) are not shown to be more than noise.
#
# So the three strong verdicts survive removing colour from the concept and random sets (the
# class images stay coloured), and the borderline `blocks.15` verdict flips. Other properties
# of the concept sets (scale, regularity, a pattern filling the frame) could still carry the
# verdicts.

# %% tags=["check"]
# Without colour: dotted still significant and near 0 at blocks.6 and 12, striped at blocks.12 and 15, control never; the shifts quoted
if not cv.quick():
    for layer in ["blocks.6", "blocks.12"]:
        assert grey_result.mean("dotted", layer) < 0.1 and grey_result.adjusted_p_values[("dotted", layer)] < 0.001
    assert grey_result.significant("striped", "blocks.12") and grey_result.adjusted_p_values[("striped", "blocks.15")] < 0.01
    assert not any(grey_result.significant("random (control)", layer) for layer in LAYERS)
    assert round(grey_result.mean("striped", "blocks.15"), 2) == 0.97 and round(result.mean("striped", "blocks.15"), 2) == 0.89
    assert round(float(grey_result.random_scores["blocks.15"].mean()), 2) == 0.58 and round(float(result.random_scores["blocks.15"].mean()), 2) == 0.57
    assert round(grey_result.mean("striped", "blocks.6"), 2) == 0.65 and 0.09 < grey_result.p_values[("striped", "blocks.6")] < 0.1
    assert 0.0005 < shifts[("striped", "blocks.6")][1] < 0.002 and not grey_result.significant("striped", "blocks.6")
    assert round(shifts[("striped", "blocks.15")][0], 2) == 0.07 and 0.05 < shifts[("striped", "blocks.15")][1] < 0.07
    assert round(shifts[("dotted", "blocks.15")][0], 2) == 0.06 and 0.45 < shifts[("dotted", "blocks.15")][1] < 0.55

# %% [markdown]
# ## 6. Explore
#
# Pick a concept and a layer (the dropdowns above the figure; a static copy of the notebook
# shows only the panel's starting choice) to see its scores against the random ones; the
# short black line left of each column marks its mean. Pick a texture and a draw (a random
# seed) to see other examples of what the concepts look like. The panel opens on dotted at
# `blocks.15`, the other verdict the correction changed, and shows six more dotted examples:
# draw 1, the first six images of the second repeat's sample (draw 0: the first repeat's).
#
# **On your own model:** `cv.tcav(cv.wrap_model(net, labels), class_images, target, concepts,
# random_sets, layer_names)`, with preprocessed images and the names of `net`'s modules. It
# runs, for each layer: activations, a logistic CAV per repeat, the class's gradients, the
# sign count (the TCAV score), the t-test against the random CAVs, then Holm over all tests.

# %%
cv.widgets.tcav_panel(result, draw=1, concept="dotted", layer="blocks.15")


# %% [markdown]
# ## 7. When TCAV misleads
#
# - **Class images chosen by the model, made of the concept.** Our zebras are drawings built
#   from stripes and kept only when the network says *zebra*: that may bias the test towards
#   "striped" (section 4's sanity check: part of the striped verdict needs no trained zebra
#   knowledge; without stripes in the drawings it drops a little, not significantly). With photographs
#   of zebras the answer could differ.
# - **Only the sign counts.** The score counts images with $S > 0$ and ignores how large $S$
#   is (Kim et al. note that a magnitude-based score is possible).
# - **One CAV among many.** Many directions separate two small sets; which one the logistic
#   regression returns depends on the classifier, its penalty and the random set (Kim et al.
#   repeat over random sets for this reason; Ramaswamy et al. 2023 show that the choice of
#   concept data set changes the explanations).
# - **Local and linear.** $S$ is a directional derivative at each image: it says what a small
#   move along the CAV does, not what adding stripes would do.
# - **Correlated concepts.** Striped and zigzagged share much; a CAV for one may partly be the
#   other (Nicolson et al. 2024 find CAVs entangled with other concepts, and inconsistent
#   across layers).
# - **Concept sets carry more than the concept.** Our striped and dotted images are saturated
#   colour patterns; the zebra drawings are black-and-white stripes on brown-green ground
#   under a blue sky. A striped CAV may partly encode "saturated regular colour pattern", and
#   the strongly negative dotted result could come from any feature of the dotted set other
#   than the dots. Vary one property at a time: the three strong verdicts survive removing
#   colour from the concept and random sets (section 5; the zebra drawings stay coloured),
#   but colour still changes what the striped CAV measures at `blocks.6`; scale, regularity
#   and layout remain untested.
# - **The t-test's assumptions.** The scores are bounded and bimodal, and concept and random
#   CAVs share random sets, so the samples are not independent; with 20 repeats the p-values
#   are approximate (a permutation or Mann-Whitney test is an alternative). Student's pooled t
#   (the exercise below) also assumes equal variances, and the random CAVs' spread differs a
#   lot from the concepts'; Welch's t is the safer default. Here it changes nothing: with
#   equal group sizes (20 and 20) the two t statistics are identical, only the degrees of
#   freedom drop (38 to about 30 for striped at `blocks.15`), which moves that p from 0.0097
#   to about 0.011, and no verdict changes. The 37 % of the introduction assumes independent
#   tests.
# - **Where the pattern sits.** The activations are flattened over positions and channels,
#   so a CAV is also a map of *where* the pattern lies (Nicolson et al. 2024 call this spatial
#   dependence). Our concept textures fill the whole frame; the zebra is centred and covers
#   part of it. Check with activations averaged over positions, or with concept images at the
#   class's scale and position.
# - **Small images, few class images.** The drawings are 128 pixels wide, where
#   EfficientNet-Lite0 was trained at 224: `blocks.12` and `blocks.15` see a 4 x 4 map, so
#   "where" is coarse there. With 16 class images a score moves in steps of 1/16.
# - **Logit, not probability.** TCAV differentiates the zebra logit: the softmax probability
#   saturates near 0 and 1, where its gradient vanishes, and it depends on every other class.
#   (Kim et al.'s reference code differentiates the cross-entropy loss instead and counts
#   negative derivatives, so its scores may differ.)
# - **Choosing the layer after looking.** The striped verdict differs across the three layers
#   (not shown, significant, not significant after correction). Fix the layers before
#   looking, report all of them, and correct for every layer tested; picking the layer where
#   the concept "works" is another multiple-testing trap.
# - **A significant verdict without any trained knowledge.** Kim et al. validate TCAV with a
#   controlled experiment where the truth is known (captions written onto images); the random
#   control above only checks the statistics. The sanity check of section 4 (the top redrawn
#   at random, in the sense of Adebayo et al. 2018) is partly failed by TCAV's significance
#   test: striped is still significant at `blocks.12` (0.69). Compare with such a baseline
#   and report the excess with the layers redrawn and an interval (here 0.22 over the
#   redrawn top, 95 % interval 0.14 to 0.29); another baseline gives another excess (investigation 6).
# - **Significance is not size.** "Concept CAVs score like random CAVs on average" is almost
#   never exactly true, so with enough repeats small artefacts (a concept set's style, the
#   redrawn-top effect) become significant too. Fix the number of repeats before looking and
#   report the difference of the means with an interval, not only the p-value.
# - **Represented is not shown to be used.** A high CAV accuracy (striped at `blocks.6`) says
#   the layer can tell the concept apart; a non-significant TCAV there says only that the test
#   did not show the class using it, not that it does not.

# %% tags=["check"]
# Welch's t: the same statistic, about 30 degrees of freedom, p about 0.011; a 4 x 4 map at blocks.12; the starting scores of investigations 3 and 5
a, b = result.scores[("striped", "blocks.15")].double(), result.random_scores["blocks.15"].double()
va, vb = float(a.var()) / len(a), float(b.var()) / len(b)
t_welch, df = float(a.mean() - b.mean()) / (va + vb) ** 0.5, (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
p_welch = cv.t_test(a, b, equal_var=False)[1]
if not cv.quick():
    assert abs(t_welch - cv.t_test(a, b)[0]) < 1e-6 * abs(t_welch) and 29 < df < 31.5
    assert 0.0095 < result.p_values[("striped", "blocks.15")] < 0.0099 and 0.0105 < p_welch < 0.0115
    assert 0.31 < float(a.mean() - b.mean()) < 0.34 and 2.65 < t_welch < 2.8   # investigation 5's starting point
    assert abs(float(a.std()) - 0.27) < 0.01 and abs(float(b.std()) - 0.46) < 0.01
    assert round(result.mean("striped", "blocks.12"), 2) == 0.91 and round(result.mean("dotted", "blocks.12"), 2) == 0.01
    assert [cv.activations(clf, zebras[:1], la).shape[-1] for la in LAYERS] == [8, 4, 4] and SIZE == 128

# %% [markdown]
# ## 8. Exercises and investigations
#
# ### Exercise: the TCAV score
#
# Turn the definition of section 1 into code. Write `tcav_score(gradients, v)`: `gradients`
# is `(N, ...)`, the zebra logit's gradient at one layer for each of the N drawings (like
# `grads["blocks.12"]` of section 5), and `v` is a CAV, a unit vector with as many entries as
# one image's gradient. Return the fraction of images with $S = \nabla h \cdot v > 0$ as a
# float. The model answer then fits one CAV itself (`cv.cav`, striped sample 0 against
# random set 0) and recovers the first repeat's score in `result.scores`.


# %% tags=["exercise"]
def tcav_score(gradients, v):
    raise NotImplementedError  # your code here


# %% tags=["exercise-check"]
cv.exercises.check_tcav_score(tcav_score);


# %% tags=["solution"]
def solution_tcav_score(gradients, v):   # named apart, so your own tcav_score is kept
    s = gradients.flatten(1) @ v.reshape(-1)   # S(x) for every drawing
    return float((s > 0).float().mean())

acts = [cv.activations(clf, x, "blocks.12").cpu() for x in (concepts["striped"][0], randoms[0])]
v = cv.cav(*acts, seed=0)   # striped sample 0 against random set 0: what cv.tcav fits in its first repeat
print(f"one striped CAV at blocks.12: held-out accuracy {v.accuracy:.2f}, TCAV score {solution_tcav_score(grads['blocks.12'], v.vector):.2f}")
assert solution_tcav_score(grads["blocks.12"], v.vector) == float(result.scores[("striped", "blocks.12")][0])
assert cv.exercises.check_tcav_score(solution_tcav_score)

# %% [markdown]
# ### Exercise: the t statistic
#
# The significance test compares the concept's scores $a$ (length $n$) with the random
# CAVs' scores $b$ (length $m$) by Student's t statistic with a pooled variance,
#
# $$t = \frac{\bar a - \bar b}{\sqrt{s_p^2\,(1/n + 1/m)}}, \qquad
# s_p^2 = \frac{\sum_i (a_i - \bar a)^2 + \sum_j (b_j - \bar b)^2}{n + m - 2}.$$
#
# Write `t_statistic(a, b)` for two 1-D tensors, returning a float. Compare with
# `cv.t_test(result.scores[("striped", "blocks.15")], result.random_scores["blocks.15"])`,
# which also turns $t$ into the p-value. (With 20 scores on each side, Welch's t of the
# pitfalls is the same number; only its degrees of freedom differ.)


# %% tags=["exercise"]
def t_statistic(a, b):
    raise NotImplementedError  # your code here


# %% tags=["exercise-check"]
cv.exercises.check_t_statistic(t_statistic);


# %% tags=["solution"]
def solution_t_statistic(a, b):   # named apart, so your own t_statistic is kept
    n, m = len(a), len(b)
    pooled = (((a - a.mean()) ** 2).sum() + ((b - b.mean()) ** 2).sum()) / (n + m - 2)
    return float((a.mean() - b.mean()) / (pooled * (1 / n + 1 / m)).sqrt())

a, b = result.scores[("striped", "blocks.15")], result.random_scores["blocks.15"]
assert abs(solution_t_statistic(a, b) - cv.t_test(a, b)[0]) < 1e-6 * max(1.0, abs(cv.t_test(a, b)[0]))
assert cv.exercises.check_t_statistic(solution_t_statistic)

# %% [markdown]
# ### Question: why not simply "TCAV score above 0.5"?
#
# <details><summary>Model answer (click)</summary>
#
# Because at the deeper layers a random direction already gives scores far from 0.5. There the
# drawings' gradients point roughly the same way (mean cosine 0.76 at `blocks.15`), so any
# direction pushes most of them up or most of them down. The agreement comes from the trained
# weights on these inputs, not from depth alone (0.51 trained against 0.03 with the top
# redrawn, section 4). The random CAVs at `blocks.15` score
# mostly near 0 or near 1 (15 of 20 exactly at 0 or 1), depending on the repeat (at `blocks.6` they spread less, around 0.5).
# A single concept CAV with a score of 0.9 could be such a lucky direction. Only the
# comparison with many random CAVs, each trained like the concept's, shows that the concept's
# scores are *consistently* different, and the t-test turns "consistently" into a p-value. The
# same argument makes the random control necessary: it checks the whole procedure, including
# how the repeats were built. Here this notebook differs from Kim et al.: they reuse one fixed
# concept set in every repeat and vary only the random set. Then the concept's scores vary
# less than the random ones, and the test asks about that one image set rather than the
# concept; with a fresh concept sample per repeat (what `cv.tcav` accepts, and what we do)
# both samples carry the same kind of randomness.
# </details>
#
# ### Investigations
#
# 1. Run TCAV at the layer `head`, the last one before the global average pooling and the
#    linear classifier. What scores do you expect, and why? (Hint: what is the gradient of a
#    logit with respect to the feature map just before average pooling and a linear layer, and
#    does it depend on the image?)
# 2. Replace the drawings by class visualisations, `torch.cat([clf.from_unit(cv.maximize(clf,
#    "class:zebra", size=SIZE, seed=s).tensor) for s in range(4)])`, and compare the scores.
#    (`size=SIZE`: the CAVs were fitted on activations of 128-pixel images, and class images
#    of another size give gradients of another shape.) What changes, and which set of class
#    images would you trust?
# 3. Add `"zigzagged"` and `"chequered"` (`cv.textures.CONCEPTS`). Kim et al. found striped
#    the highest of the three, above both zigzagged and dotted, for zebra in GoogLeNet (their
#    Fig. 4, at the layers shown there), with *relative* CAVs (striped against
#    dotted and zigzagged together, their section 3.6), not the concept-against-random CAVs used
#    here: compare like with like. Is it the same here?
# 4. A confound swapped for another: grey only the striped and dotted sets, keep `randoms`
#    and the random control in colour, and run TCAV again. What does each CAV now separate,
#    and why can this run not answer the colour question that section 5's check answered?
# 5. Power: set `REPEATS = 60`, **rerun the cell that draws the concept and random sets**
#    (section 3; changing `REPEATS` alone changes nothing), then run TCAV at `blocks.15` alone
#    (three times the cost at that layer) and compare *raw* p-values. Predict the striped
#    verdict at `blocks.15` before you run.
# 6. Which baseline? Repeat section 4's sanity check but redraw **only the classifier**
#    (section 4's cell with only `"classifier"` in the list; `blocks.13` to `head` keep their
#    trained weights), run TCAV at `blocks.12` with the same
#    sets, and test the excess with `cv.concepts.paired_permutation_test`. Predict first: is
#    striped still significant, and is the excess larger or smaller than the 0.22 over the
#    fully redrawn top?
#
# <details><summary>Expected outcomes (click)</summary>
#
# 1. `head`'s output (taken after its ReLU6) goes through global average pooling and a linear
#    layer only, so the gradient of the zebra logit with respect to it is the classifier's
#    zebra weights divided by the number of positions: the same for every image. Then $S$ has
#    the same sign for all images and every score is exactly 0 or 1; the random CAVs also score
#    0 or 1. If each side's scores are all equal (say every concept CAV scores 1 and every
#    random CAV 0, or all score 1), both samples have zero variance and the t-test is
#    degenerate: no p-value in the usual sense (`cv.t_test` then returns p = 1 when the means
#    agree and 0 when they differ).
# 2. Not run here; this is an expectation, not a result. Class visualisations are made by
#    gradient ascent on the zebra logit under a regulariser, so TCAV then reads the zebra
#    gradient at out-of-distribution points that the optimiser chose, and the scores describe
#    how the logit behaves there rather than at zebra-like inputs: expect verdicts that say as
#    much about the optimiser and its regulariser as about zebras. Prefer the drawings
#    (ordinary inputs) to class visualisations, with the bias shown in section 4 in mind;
#    photographs are better still.
# 3. We ran it (full mode, the same seeds; five concepts, so Holm corrects for 15 tests, and
#    the corrected p-values grow compared with this notebook's). A natural guess is that
#    zigzagged, which shares the stripes' long parallel edges, sides with striped. It does
#    not: at `blocks.12` zigzagged scores 0.16 and chequered 0.05, both significant, so both
#    push *against* zebra like dotted (0.01), while striped keeps 0.91. On these drawings the
#    direction that raises the zebra logit at `blocks.12` belongs to the striped set, not to
#    every pattern of parallel edges. The order of these scores matches the paper's
#    striped-first result, but concept-against-random scores are not the paper's relative
#    scores: fit a relative CAV (striped against zigzagged) to compare like with like. Correlated
#    concepts are a pitfall of section 7.
# 4. Each CAV now separates "grey pattern" from "colourful mix", so it is partly a colour
#    direction again, only a different one; the zebra drawings have black-and-white stripes, so a
#    change in a verdict could come from this new contrast and says nothing about whether
#    colour carried the original CAV. Only greying every set alike (section 5) removes
#    colour as a difference.
# 5. If the difference of the means (about 0.32, standard deviations about 0.27 and 0.46)
#    holds, t grows with the square root of the number of repeats: about $\sqrt 3$ times,
#    from 2.7 to about 4.7, a raw p near $10^{-5}$: clearly significant even after Holm's
#    correction over the nine tests. Two traps: without rerunning the drawing cell, `cv.tcav`
#    still gets 20 sets; and with `blocks.15` alone Holm corrects for 3 tests, not 9, so its
#    corrected p cannot be compared with the 0.058 above: compare raw p (0.0097 with 20
#    repeats). We ran `blocks.15` alone with 60 repeats: striped 0.88 against the
#    random CAVs' 0.52, t = 5.3, raw p about $5 \cdot 10^{-7}$: clearly significant as
#    predicted, a little more so because the new draws moved the means 0.36 apart; dotted became
#    significant too (raw p about 0.0004) and the random control did not (p 0.15). The
#    `blocks.15` verdicts were a matter of power. But more repeats make *any* systematic
#    difference significant, small artefacts included: report the difference of the means
#    (0.36 here), not only the p-value.
# 6. We ran it (full mode, the same sets and seed; Holm over the 3 tests at `blocks.12`).
#    Again no drawing is called zebra. Striped scores 0.58 against the random CAVs' 0.38: raw
#    p about 0.04, **not significant** after Holm's correction over the 3 tests at
#    `blocks.12`: weaker evidence than with the whole top redrawn, not a clean pass (the
#    redrawn-classifier network still scores 0.20 above its random CAVs). The trained scores exceed it by 0.32 on average
#    (paired permutation p about 0.0005), more than the 0.22 over the fully redrawn top. One
#    hypothesis, not tested here: a random linear readout of the trained features is less
#    sensitive to the striped direction than a random stack of layers on top of `blocks.12`.
#    Either way the size of the excess depends on the baseline: state which layers were
#    redrawn, and prefer the stricter (smaller) excess when in doubt.
# </details>
#
# ## What to take away
#
# - **A CAV turns a concept into a direction** in a layer's activations; the TCAV score asks
#   how often that direction raises the class's logit, over images of the class.
# - **Without a test a TCAV score means little**: random directions score anywhere from 0 to
#   1. Repeat with many random sets, compare with random CAVs, and keep a random control.
# - **On our zebra drawings, TCAV finds "striped" significant for the zebra class at
#   `blocks.12`**, but a network whose top is redrawn at random already scores 0.69 there,
#   also significant: the test partly fails this sanity check. The trained network's score
#   exceeds that baseline's by 0.22 (95 % bootstrap interval 0.14 to 0.29, paired permutation p about 0.00015); the
#   size of the excess depends on which layers are redrawn. The dotted CAV
#   lowers the zebra logit at `blocks.6` and `blocks.12` (which property of the dotted set does it is untested). Drawings made of stripes and chosen
#   by the model may favour "striped": check on photographs before claiming it for zebras.
# - **Correct for the number of tests** (here Holm's method over all nine; Kim et al. used a
#   Bonferroni correction with m = 2): with nine independent tests at 5 %, the chance of at
#   least one false discovery is otherwise about 37 %. Here the correction changed two of the
#   nine verdicts (striped at `blocks.15`: raw p 0.0097, corrected 0.058, not significant).
# - **The data are the method**: the class images (drawings the model calls zebra), the
#   concept images (drawn, fresh for every repeat) and the random images (which must include
#   patterns) each change the answer if chosen carelessly.
