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
# ---

# %% [markdown]
# ## 1. The idea: ask the network about a concept, not a pixel
#
# Saliency maps answer "which pixels?". A doctor or a biologist asks something else: *does the
# network use stripes to recognise a zebra?* Kim et al. (2018) turn that question into a
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

# %% [markdown]
# ## 2. Zebras, without zebra photos
#
# The course ships no zebra photographs, and TCAV needs images of the class. Two honest
# options: **drawings** (a striped, horse-shaped animal on grass, `cv.zebra_images`) or
# **class visualisations** (`cv.maximize(clf, "class:zebra")`, notebook 02). We use drawings:
# a class visualisation is an image the optimiser pushed to a maximum of the zebra logit, so
# its gradient, the very thing TCAV measures, is what the optimiser drove towards zero and
# reflects the regulariser as much as the network. A drawing is an ordinary input. We draw
# more than we need and keep only those the network really calls *zebra*.

# %%
import torch

clf = cv.load_model(device=DEVICE)
SIZE, N, REPEATS = cv.config.pick((128, 10, 20), (96, 4, 3))   # image side, images per set, repeats
drawn = clf.from_unit(cv.zebra_images(cv.config.pick(48, 12), size=SIZE, seed=0))
is_zebra = clf.logits(drawn).argmax(1) == clf.class_index("zebra")
zebras = drawn[is_zebra][:16]
print(f"{int(is_zebra.sum())} of {len(drawn)} drawings are called zebra (top-1); we keep {len(zebras)}")
assert len(zebras) >= cv.config.pick(12, 2)
assert (clf.logits(zebras).argmax(1) == clf.class_index("zebra")).all()

# %% [markdown]
# ## 3. Concepts and random images, drawn on the fly
#
# The paper takes its concepts from the Describable Textures Dataset (Cimpoi et al. 2014); we
# draw them: **striped** (straight or gently wavy bands) and **dotted**, each at random
# colours, scales and angles. **Random** images mix crops of the bundled photographs, smooth
# colour fields with blobs, and textures of every kind: with photographs alone, a CAV would
# learn "synthetic pattern against photo" instead of the concept. Because the images are
# drawn, every repeat of the test gets a **fresh** concept sample; a third "concept", a set of
# random images, is the control.

# %%
concepts = {c: [clf.from_unit(cv.concept_images(c, N, size=SIZE, seed=i)) for i in range(REPEATS)]
            for c in ["striped", "dotted"]}
concepts["random (control)"] = [clf.from_unit(cv.random_images(N, size=SIZE, seed=500 + i)) for i in range(REPEATS)]
randoms = [clf.from_unit(cv.random_images(N, size=SIZE, seed=100 + i)) for i in range(REPEATS)]
cv.plot.concept_examples({"zebra (class)": zebras, **{c: v[0] for c, v in concepts.items()},
                          "random": randoms[0]}, classifier=clf)

# %% [markdown] choice="10-random-concept"
# ### Predict, then run
#
# (the builder writes the question and the answer cell)

# %% [markdown]
# ## 4. TCAV at three depths
#
# For each layer and each repeat $i$: a CAV of each concept (its sample $i$) against random set
# $i$, and a random CAV of random set $i+1$ against random set $i$. One gradient pass over the
# zebras gives $\nabla h_{l,k}$ at every layer; each CAV then costs a small logistic regression.

# %%
LAYERS = ["blocks.6", "blocks.12", "blocks.15"]
result = cv.tcav(clf, zebras, "zebra", concepts, randoms, LAYERS, seed=0,
                 threads=1)   # many small forward passes: one CPU thread is fastest on shared cores
result

# %%
cv.plot.tcav(result)

# %% [markdown]
# **Reading the figure** (full mode; quick mode runs 3 repeats on 4 images, too few for a
# test). **Striped matters to zebra at the deep layers**: at `blocks.12` and `blocks.15` its
# TCAV score is above 0.75, far from the random CAVs' scores, and the t-test marks it
# significant. **The random control does not matter** anywhere: its scores look like the
# random CAVs', as they must if the test is sound. **Dotted** is the instructive case:
# at `blocks.6` and `blocks.12` its score is near 0 *and* significant: moving the activations
# towards "dots" systematically **lowers** the zebra logit. A two-sided test reports both: a
# concept can matter against a class. At `blocks.15` the dotted verdict is the weakest of the
# three (the largest p-value; single CAVs scatter from 0 to 1). (TCAV is noisy: with other random
# draws the verdicts near p = 0.05 can flip; the striped result at the
# deep layers and the silent random control are the ones that hold across draws.)

# %%
if not cv.quick():
    for layer in ["blocks.12", "blocks.15"]:
        assert result.mean("striped", layer) > 0.75 and result.significant("striped", layer), layer
    assert not any(result.significant("random (control)", layer) for layer in LAYERS)
    dotted_p = [result.p_values[("dotted", layer)] for layer in LAYERS]
    assert dotted_p[-1] == max(dotted_p) and result.mean("dotted", "blocks.15") < 0.5
    for layer in ["blocks.6", "blocks.12"]:
        assert result.mean("dotted", layer) < 0.1 and result.significant("dotted", layer), layer

# %% [markdown]
# ## 5. What the test compares
#
# Each dot is one repeat: the TCAV score of one CAV. The zebra drawings resemble each other, so
# a random direction tends to push all of them the same way: random CAVs score near 0 or near
# 1, and their mean sits around 0.5 with a large spread. That spread is why a single CAV, or a
# score "above 0.5", proves nothing, and why the test needs many repeats.

# %%
cv.plot.tcav_scores(result, "striped", "blocks.15")

# %%
spread = float(result.random_scores["blocks.15"].std())
print(f"random CAVs at blocks.15: mean {float(result.random_scores['blocks.15'].mean()):.2f}, spread {spread:.2f}")
if not cv.quick():
    assert spread > 0.25 and 0.25 < float(result.random_scores["blocks.15"].mean()) < 0.75

# %% [markdown]
# ## 6. Explore
#
# Pick a concept and a layer to see its scores against the random ones; pick a texture and a
# draw to see fresh examples of what the concepts look like.

# %%
cv.widgets.tcav_panel(result)


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
cv.exercises.check_t_statistic(t_statistic)


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
# Because a random direction already gives scores far from 0.5. The class images resemble each
# other, so their gradients point roughly the same way, and any direction pushes most of them
# up or most of them down: the random CAVs above score near 0 or near 1, one after the other.
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
#    linear classifier. Every score is exactly 0 or 1. Why? (Hint: what is the gradient of a
#    logit with respect to the feature map just before average pooling and a linear layer, and
#    does it depend on the image?)
# 2. Replace the drawings by class visualisations, `cv.maximize(clf, "class:zebra", size=160,
#    seed=s)` for a few seeds, and compare the scores. What changes, and which set of class
#    images would you trust?
# 3. Add `"zigzagged"` and `"chequered"` (`cv.textures.CONCEPTS`). Kim et al. found striped
#    above zigzagged and dotted for zebra in GoogLeNet. Is it the same here?
#
# ## What to take away
#
# - **A CAV turns a concept into a direction** in a layer's activations; the TCAV score asks
#   how often that direction raises the class's logit, over images of the class.
# - **Without a test a TCAV score means little**: random directions score anywhere from 0 to
#   1. Repeat with many random sets, compare with random CAVs, and keep a random control.
# - **Here "striped" matters to zebra in the deep layers**, not at random; dots push
#   *against* zebra at `blocks.6` and `blocks.12`, and that verdict is weakest at `blocks.15`.
# - **The data are the method**: the class images (drawings the model calls zebra), the
#   concept images (drawn, fresh for every repeat) and the random images (which must include
#   patterns) each change the answer if chosen carelessly.
