# ---
# jupyter:
#   cnnviz:
#     title: 'Concepts: does "striped" matter to a zebra?'
#     goals:
#     - 'turn a human concept (striped, dotted) into a direction in a layer''s activations: a concept activation
#       vector (CAV)'
#     - 'measure how much a class depends on that direction: the TCAV score'
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
#     - Cimpoi et al., *Describing Textures in the Wild*, CVPR 2014
#     - Geirhos et al., *ImageNet-trained CNNs are biased towards texture*, ICLR 2019
#     - Holm, *A Simple Sequentially Rejective Multiple Test Procedure*, Scandinavian Journal of Statistics, 1979
#     - 'Nicolson et al., *Explaining Explainability: Understanding Concept Activation Vectors*, 2024'
# ---

# %% [markdown]
# ## 1. The idea: ask the network about a concept, not a pixel
#
# Saliency maps answer "which pixels?". A doctor or a biologist asks something else: *does the
# network use stripes to recognise a zebra?* It is a fair question: ImageNet-trained CNNs lean
# on texture more than people do (Geirhos et al. 2019). Kim et al. (2018) turn that question into a
# measurement. Take a layer $l$ with activations $f_l(x)$, and examples of a concept $C$
# (striped images). A linear classifier separates the concept's activations from those of
# random images; the normal to its boundary, pointing towards the concept, is the **concept
# activation vector** $v_C^l$. Moving the activations of a zebra image along $v_C^l$ changes
# the zebra logit $h_{l,k}$ at the rate
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
# random ones.
#
# **Many tests at once.** We test every concept at every layer: here 3 concepts x 3 layers,
# $m = 9$ tests. At the 5 % level, each test of a concept that does not matter comes out
# "significant" by chance one time in twenty, so with 9 independent tests the chance of at least one
# false discovery is about $1 - 0.95^9 \approx 37\,\%$.
# Kim et al. correct with Bonferroni (multiply each p-value by $m$); we use **Holm's
# method** (Holm 1979), which keeps the same guarantee (at most a 5 % chance of *any* false
# discovery) and rejects at least as often: sort the p-values
# $p_{(1)} \le \dots \le p_{(m)}$ and take
# $$\tilde p_{(i)} = \max_{j \le i}\ \min\big(1, (m - j + 1)\, p_{(j)}\big).$$
# A concept matters at a layer when its corrected $\tilde p < 0.05$ (`cv.holm`).

# %% [markdown]
# ## 2. Zebras, without zebra photos
#
# The network is **EfficientNet-Lite0**, trained on ImageNet (1000 classes, *zebra* among them);
# its body is a stack of 16 blocks (`blocks.0` to `blocks.15`) followed by `head`, the last
# convolution before global average pooling and the linear classifier. We test an early
# (`blocks.6`), a late (`blocks.12`) and the last block (`blocks.15`).
#
# The course ships no zebra photographs, and TCAV needs images of the class. Two honest
# options: **drawings** (a striped, horse-shaped animal on grass, `cv.zebra_images`) or
# **class visualisations** (`cv.maximize(clf, "class:zebra")`, notebook 02). We use drawings.
# A class visualisation is not a sample of the class: it is an out-of-distribution image
# shaped by the regulariser and the parametrisation, and the optimiser built it by following
# the zebra gradient, so its features are aligned with that gradient on purpose, the very
# thing TCAV then measures. A drawing is an ordinary input. We draw more than we need and
# keep only those the network really calls *zebra*. Keep in mind what this means: our class
# images are **drawings made of stripes**, chosen by the network itself, so every result below
# is about *these drawings*, not yet about photographs of zebras.

# %%
import torch

clf = cv.load_model(device=DEVICE)
SIZE, N, REPEATS = cv.config.pick((128, 10, 20), (96, 4, 3))   # image side, images per set, repeats
drawn = clf.from_unit(cv.zebra_images(cv.config.pick(48, 12), size=SIZE, seed=0))
is_zebra = clf.logits(drawn).argmax(1) == clf.class_index("zebra")
zebras = drawn[is_zebra][:16]
print(f"{int(is_zebra.sum())} of {len(drawn)} drawings are called zebra (top-1); we keep {len(zebras)}")

# %% tags=["check"]
# Enough drawings are kept, and each is called zebra
assert len(zebras) >= cv.config.pick(12, 2)
assert (clf.logits(zebras).argmax(1) == clf.class_index("zebra")).all()

# %% [markdown]
# ## 3. Concepts and random images, drawn on the fly
#
# The paper takes its concepts from the Describable Textures Dataset (Cimpoi et al. 2014); we
# draw them: **striped** (straight or gently wavy bands) and **dotted**, each at random
# colours, scales and angles. **Random** images mix crops of the bundled photographs, smooth
# colour fields with blobs, and textures of every kind: with photographs alone, a CAV would
# learn "synthetic pattern against photo" instead of the concept. The price: a random set
# sometimes holds a dotted or striped texture itself (see the figure), so "dotted" is
# contrasted with a mix that now and then contains dots; that weakens a CAV, it does not
# fake one. (The photographs are credited below the figure.) Because the images are
# drawn, every repeat of the test gets a **fresh** concept sample; a third "concept", a set of
# random images, is the control.

# %%
concepts = {c: [clf.from_unit(cv.concept_images(c, N, size=SIZE, seed=i)) for i in range(REPEATS)]
            for c in ["striped", "dotted"]}
concepts["random (control)"] = [clf.from_unit(cv.random_images(N, size=SIZE, seed=500 + i)) for i in range(REPEATS)]
randoms = [clf.from_unit(cv.random_images(N, size=SIZE, seed=100 + i)) for i in range(REPEATS)]
cv.plot.concept_examples({"zebra (class)": zebras, **{c: v[0] for c, v in concepts.items()},
                          "random": randoms[0]}, classifier=clf)

# %%
from IPython.display import Markdown   # the photographs that random images are cropped from

Markdown("<details><summary>Photo credits (random images are crops of these)</summary>\n\n"
         + "\n\n".join(cv.credit(name) for name in cv.sample_images()) + "\n</details>")

# %% [markdown] choice="10-random-concept"
# ### Predict, then run
#
# (the builder writes the question and the answer cell)

# %% [markdown]
# ## 4. TCAV at three depths
#
# For each layer and each repeat $i$: a CAV of each concept (its sample $i$) against random set
# $i$, and a random CAV of random set $i+1$ against random set $i$ (in full mode: 10 images per
# set, 20 repeats, images of 128 x 128 pixels). One gradient pass over the
# zebras gives $\nabla h_{l,k}$ at every layer; each CAV then costs a small logistic regression.
# The table gives each test's raw p-value and its Holm-corrected one; "significant" uses the
# corrected one. In the figure, the bars are the mean TCAV score over the repeats and the
# error bars span the middle half of the repeats (25th to 75th percentile): a score lives in
# [0, 1], and so do its error bars.

# %%
LAYERS = ["blocks.6", "blocks.12", "blocks.15"]
result = cv.tcav(clf, zebras, "zebra", concepts, randoms, LAYERS, seed=0, threads=1)
result

# %% [markdown]
# **CAV accuracy** is the linear classifier's accuracy on held-out activations: a quarter of
# each set (2 or 3 of the 10 images) is kept out of the fit and classified afterwards, and
# the table gives the mean over the repeats. Near 0.5 the concept cannot be told from random
# images at that layer, and the CAV is a random direction; with so few held-out images two
# indistinguishable sets can even score *below* 0.5, as the random control does (0.34 to 0.46
# in full mode). Kim et al. use a CAV only when it separates well. Note striped at `blocks.6`:
# its CAV separates (accuracy about 0.8) but its TCAV score is like the random ones: a concept
# can be **represented** in a layer without being **used** for the class.

# %%
cv.plot.tcav(result)

# %% [markdown]
# **What to look at** (full mode; quick mode runs 3 repeats on 4 images, too few for a
# test). **On our zebra drawings, striped matters to the zebra class at `blocks.12`**: its TCAV score is about 0.9, far from
# the random CAVs', and it stays significant after Holm's correction (the `*`). At
# `blocks.15` its mean score is just as high, but the random CAVs at that layer scatter from
# 0 to 1, and the corrected p-value lands just above 0.05: **not significant** (`n.s.`).
# Uncorrected, its p of about 0.01 would have been called significant. **Two of the nine
# verdicts change under the correction**: striped and dotted at `blocks.15` (raw p about 0.01
# and 0.02, corrected about 0.06 and 0.11). Read them as "not shown at this layer with 20
# repeats", not as "stripes do not matter there": more repeats would tell. At
# `blocks.6` striped scores like the random CAVs (about 0.5). **The random control does not
# matter** anywhere, as it must if the test is sound. **Dotted** is the instructive case: at
# `blocks.6` and `blocks.12` its score is near 0 *and* significant: moving the activations
# towards "dots" systematically **lowers** the zebra logit. A two-sided test reports both: a
# concept can matter against a class. At `blocks.15` the dotted verdict is not significant
# after correction. Which verdicts to trust follows from the corrected p-values: those of
# striped at `blocks.12` and dotted at `blocks.6` and `blocks.12` are below 0.003, more than
# 15 times under the threshold; those at `blocks.15` lie near it, where another random draw
# could tip the verdict either way.

# %% tags=["check"]
# Two verdicts change under Holm's correction; the three to trust have corrected p below 0.05 / 15
if not cv.quick():
    assert result.significant("dotted", "blocks.15", correction=None)
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
# ## 5. What the test compares
#
# Striped at `blocks.15`, one of the two verdicts that the correction changed. Each dot is one
# repeat: the TCAV score of one CAV. At this deep layer the zebra drawings' gradients point
# much the same way, so a random direction tends to push all of them the same way: random
# CAVs score near 0 or near 1, and their mean sits around 0.5 with a large spread. At the
# early layer `blocks.6` the gradients are less aligned, a random direction splits the
# images more evenly, and the random scores spread less around 0.5 (standard deviation about
# 0.23 against 0.46 at `blocks.15`, printed below). That spread is why a single
# CAV, or a score "above 0.5", proves nothing, and why the test needs many repeats. The
# scores are bounded and pile up at 0 and 1, so the t-test is only a rough approximation
# here (a pitfall below).

# %%
cv.plot.tcav_scores(result, "striped", "blocks.15")

# %%
for layer in LAYERS:
    r = result.random_scores[layer]
    print(f"random CAVs at {layer}: mean {float(r.mean()):.2f}, standard deviation {float(r.std()):.2f}")

# %% tags=["check"]
# Random CAVs spread widely at blocks.15 (mean near 0.5), less at blocks.6
spread = float(result.random_scores["blocks.15"].std())
if not cv.quick():
    assert float(result.random_scores["blocks.6"].std()) < spread
    assert spread > 0.25 and 0.25 < float(result.random_scores["blocks.15"].mean()) < 0.75

# %% [markdown]
# ## 6. Explore
#
# Pick a concept and a layer to see its scores against the random ones; pick a texture and a
# draw (a random seed) to see other examples of what the concepts look like (draw 0 shows the
# first striped sample used above).

# %%
cv.widgets.tcav_panel(result)


# %% [markdown]
# ## 7. When TCAV misleads
#
# - **Class images chosen by the model, made of the concept.** Our zebras are drawings built
#   from stripes and kept only when the network says *zebra*: that biases the test towards
#   "striped". With photographs of zebras the answer could differ.
# - **Only the sign counts.** The score counts images with $S > 0$ and ignores how large $S$
#   is (Kim et al. also define a magnitude version).
# - **One CAV among many.** Many directions separate two small sets; which one the logistic
#   regression returns depends on the classifier, its penalty and the random set (Nicolson
#   et al. 2024 show how CAVs vary with the random set).
# - **Local and linear.** $S$ is a directional derivative at each image: it says what a small
#   move along the CAV does, not what adding stripes would do.
# - **Correlated concepts.** Striped and zigzagged share much; a CAV for one may partly be the
#   other.
# - **The t-test's assumptions.** The scores are bounded and bimodal, and concept and random
#   CAVs share random sets, so the samples are not independent; with 20 repeats the p-values
#   are approximate (a permutation or Mann-Whitney test is an alternative). The 37 % of the
#   introduction assumes independent tests.
# - **Represented is not used.** A high CAV accuracy (striped at `blocks.6`) says the layer
#   can tell the concept apart, not that the class depends on it.

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
# which also turns $t$ into the p-value.

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
# Because at the deeper layers a random direction already gives scores far from 0.5. The class
# images resemble each other, so their gradients there point roughly the same way, and any
# direction pushes most of them up or most of them down: the random CAVs at `blocks.15` score
# near 0 or near 1, one after the other (at `blocks.6` they spread less, around 0.5).
# A single concept CAV with a score of 0.9 could be such a lucky direction. Only the
# comparison with many random CAVs, each trained like the concept's, shows that the concept's
# scores are *consistently* different, and the t-test turns "consistently" into a p-value. The
# same argument makes the random control necessary: it checks the whole procedure, including
# how the repeats were built (with one fixed concept sample reused in every repeat, the
# concept's scores vary less than the random ones and the test becomes too optimistic; this is
# why `cv.tcav` accepts a fresh sample per repeat).
# </details>
#
# ### Investigations
#
# 1. Run TCAV at the layer `head`, the last one before the global average pooling and the
#    linear classifier. What scores do you expect, and why? (Hint: what is the gradient of a
#    logit with respect to the feature map just before average pooling and a linear layer, and
#    does it depend on the image?)
# 2. Replace the drawings by class visualisations, `cv.maximize(clf, "class:zebra", size=160,
#    seed=s)` for a few seeds, and compare the scores. What changes, and which set of class
#    images would you trust?
# 3. Add `"zigzagged"` and `"chequered"` (`cv.textures.CONCEPTS`). Kim et al. found striped
#    above zigzagged and dotted for zebra in GoogLeNet. Is it the same here?
#
# <details><summary>Expected outcomes (click)</summary>
#
# 1. If `head`'s output goes through global average pooling and a linear layer only, the gradient of the zebra logit with respect to it is
#    the classifier's zebra weights divided by the number of positions: the same for every
#    image. Then $S$ has the same sign for all images and every score is exactly 0 or 1; the
#    test compares random CAVs that also score 0 or 1.
# 2. Class visualisations are built along the zebra gradient, so most concepts that correlate
#    with that gradient score high on them; the verdicts become less about zebras and more
#    about the optimiser. Trust the drawings (ordinary inputs), and better still photographs.
# 3. Expect zigzagged, which shares the stripes' long parallel edges, to score closer to
#    striped than dotted does; whether it beats striped depends on the layer and the random
#    draw. Correlated concepts are a pitfall of section 7.
# </details>
#
# ## What to take away
#
# - **A CAV turns a concept into a direction** in a layer's activations; the TCAV score asks
#   how often that direction raises the class's logit, over images of the class.
# - **Without a test a TCAV score means little**: random directions score anywhere from 0 to
#   1. Repeat with many random sets, compare with random CAVs, and keep a random control.
# - **On our zebra drawings, "striped" matters to the network's zebra class at `blocks.12`**,
#   after correcting for the nine tests; at `blocks.15` it scores as high but the test cannot
#   separate it from the widely spread random CAVs. Dots push *against* zebra at `blocks.6`
#   and `blocks.12`. Drawings made of stripes and chosen by the model favour "striped": check
#   on photographs before claiming it for zebras.
# - **Correct for the number of tests** (Holm or Bonferroni, as Kim et al. do): with nine
#   independent tests at 5 %, the chance of at least one false discovery is otherwise about 37 %.
#   Here the correction changed two of the nine verdicts.
# - **The data are the method**: the class images (drawings the model calls zebra), the
#   concept images (drawn, fresh for every repeat) and the random images (which must include
#   patterns) each change the answer if chosen carelessly.
