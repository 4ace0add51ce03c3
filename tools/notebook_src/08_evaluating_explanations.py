# ---
# jupyter:
#   cnnviz:
#     title: How to tell a faithful explanation from a pretty one
#     goals:
#     - 'run the randomisation sanity check: does a map change when the model it explains is destroyed?'
#     - see guided backprop, deconvnet and EigenCAM fail it, and understand why (edge detectors; a class-agnostic
#       map)
#     - measure faithfulness with deletion and insertion curves, against random maps
#     - score localisation with the pointing game on an image with two objects
#     - put every method of the course through the same tests and read the summary table
#     prerequisites: notebooks 01 (gradients), 06 (Grad-CAM family) and 07 (occlusion).
#     runtime:
#       cpu: 5 minutes
#       gpu: 1 minute
#     papers:
#     - Adebayo et al., *Sanity Checks for Saliency Maps*, NeurIPS 2018
#     - 'Petsiuk, Das & Saenko, *RISE: Randomized Input Sampling for Explanation of Black-box Models*, BMVC
#       2018'
#     - Zhang et al., *Top-down Neural Attention by Excitation Backprop*, ECCV 2016
#     - Hooker et al., *A Benchmark for Interpretability Methods in Deep Neural Networks*, NeurIPS 2019
# ---

# %% [markdown]
# ## 1. The idea: two questions a pretty map must answer
#
# Notebooks 01 to 07 produced many maps that *look* right. Looking right is not enough: a map
# can look like the cat because it shows the **image**, not what the **model** does with it.
# Two tests separate the two:
#
# 1. **Does the map depend on the model?** Adebayo et al. (2018) destroy the network one block
#    at a time, from the output down (*cascading randomisation*), recompute the map after each
#    step, and measure its similarity to the original map with the Spearman rank correlation
#    of the absolute maps,
#    $$\rho = 1 - \frac{6 \sum_i d_i^2}{n(n^2 - 1)},$$
#    where $d_i$ is the difference of pixel $i$'s ranks in the two maps. An explanation of
#    the model must change when the model is gone: $\rho \to 0$.
# 2. **Does the map point at the pixels the model uses?** Petsiuk et al. (2018) delete the
#    pixels from the most to the least important and follow the class probability
#    $p_c$; the **deletion AUC** $\int_0^1 p_c\big(x^{(t)}\big)\,dt$, with $x^{(t)}$ the image
#    with a fraction $t$ deleted, should be low. **Insertion** starts from a blurred image and
#    puts the pixels back: its AUC should be high. A random map is the baseline to beat.
#
# `cv.evaluate_methods` runs every method of the course through both tests (and the
# pointing game) and returns a summary. The roster is `cv.evaluate.course_methods()`: the
# gradient maps (saliency, deconvnet, guided backprop, SmoothGrad, Integrated Gradients), the
# CAM family (Grad-CAM, Grad-CAM++, LayerCAM, HiResCAM, XGrad-CAM, EigenCAM, Score-CAM,
# Ablation-CAM) and the black-box methods (occlusion, RISE, LIME). The methods that
# average many passes run here with **lighter settings than their defaults** (`LIGHT` below:
# fewer samples, masks, channels), so that the notebook runs in a few minutes on a CPU; pass
# `course_methods()` without `settings` to evaluate the defaults.

# %% tags=["nbval-check-output"]
import torch

clf = cv.load_model(device=DEVICE)
NAMES = ["cat", "coffee", "cat_and_coffee"]
# Lighter settings for the methods that cost many forward passes per map (about 200 maps here)
LIGHT = {"smoothgrad": {"n": cv.config.pick(16, 4)}, "integrated_gradients": {"steps": cv.config.pick(16, 8)},
         "scorecam": {"max_channels": cv.config.pick(32, 16)}, "occlusion": {"stride": 32},
         "rise": {"n": cv.config.pick(64, 32)}, "lime": {"n": cv.config.pick(64, 32)}}
methods = cv.evaluate.course_methods(seed=0, settings=LIGHT)   # the whole roster, settings baked in
print(f"{len(methods)} methods")
for name, fn in methods.items():
    print(f"{name:22s} settings: {', '.join(fn.settings) or 'none'}")

# %%
{name: fn.settings for name, fn in methods.items() if fn.settings}   # the values in this mode

# %% [markdown]
# ## 2. The sanity check: destroy the model, watch the map
#
# We randomise the network's blocks from the classifier down to the stem (in quick mode a
# few of them), recompute every method's map after each step, and plot the similarity to
# the original map. Each block's weights are redrawn from a normal distribution with the
# same mean and spread as the trained ones (`init="normal"`), so the activations keep
# their scale: with PyTorch's default re-initialisation the BatchNorm + ReLU6 layers of this
# network saturate and every gradient becomes exactly zero, a map that "changes" for the
# wrong reason.
#
# The check recomputes every map once per randomised block, so it runs on an **explicit
# list**: every method of the roster except the four that need tens to hundreds of forward
# passes per map (Score-CAM, occlusion, RISE, LIME). Those read only the model's outputs;
# run the check on any of them in the panel of section 5.

# %% [markdown] choice="08-sanity-survivor"
# ### Predict, then run
#
# (the builder writes the question and the answer cell)

# %%
SIZE = cv.config.pick(224, 128)   # quick mode: small images (the CAMs are then 4x4)
cat = clf.preprocess(cv.sample_image("cat"), size=SIZE)
LAYERS = cv.config.pick(["classifier", "head", "blocks.15", "blocks.12", "blocks.9", "blocks.5", "stem"],
                        ["classifier", "blocks.15", "blocks.12", "blocks.8"])
SANITY = [name for name in methods if name not in ("scorecam", "occlusion", "rise", "lime")]
sanity = cv.evaluate_methods(clf, cat, {k: methods[k] for k in SANITY}, faithfulness=False, layers=LAYERS, seed=0)
cv.plot.sanity_curves(sanity.sanity, highlight=("guided_backprop", "deconvnet", "eigencam"))

# %%
steps = {name: [round(v, 2) for v in r.spearman.mean(0).tolist()] for name, r in sanity.sanity.items()}
for name, values in steps.items():
    print(f"{name:22s} {values}")

# %% [markdown]
# **What to look at.** Every line starts after the first randomised block (the classifier).
# Saliency and SmoothGrad drop at once and stay low: a new classifier asks for different
# evidence, and the maps follow; Grad-CAM falls to 0 and below (HiResCAM and XGrad-CAM give the
# same map as Grad-CAM on this network, so their lines coincide). Grad-CAM++ and LayerCAM,
# which keep only the *positive* gradients, survive a random classifier and fall over the
# next blocks. Three thick lines stay up. **Guided backprop** and **deconvnet** (notebook 01),
# whose backward rules discard negative gradients, stay near 1 with the classifier and the
# top blocks replaced by noise: their maps are still the same maps. **EigenCAM** is exactly
# unchanged after the classifier is randomised, because it never looks at the classifier: it
# is the first principal component of the last feature maps, the same for every class
# (class-agnostic) and computed without any gradient. It can change only once the blocks
# below are redrawn, and even then its map keeps much of the image's layout.
#
# Now look at the maps themselves, for a few steps of the cascade:

# %%
cv.plot.sanity_maps({k: sanity.sanity[k] for k in ["saliency", "guided_backprop", "gradcam", "eigencam"]},
                    cat, clf)

# %% [markdown]
# **Why guided backprop fails.** Its backward rule passes a gradient through a ReLU only where
# the forward activation is positive **and** the incoming gradient is positive. The negative
# half of every signal is thrown away at every layer, so what reaches the input no longer
# depends much on the classifier's weights: it is a sum of positive paths that each fire on
# a strong local contrast. Adebayo et al. (and Nie, Zhang & Patel, ICML 2018, who prove it)
# show that guided backprop then behaves like an **edge detector**: it reconstructs the
# image's edges, sharp and pretty, whatever the class or the weights.
#
# **Why EigenCAM "fails" differently.** Its map is a summary of the *features*, not of a
# decision: it cannot change when the classifier changes, by construction, and even random
# convolutions keep the image's layout, so its principal component still outlines the
# object. That is not a bug of the code but what the method is: a map of where the network's
# features are strong, not of why it chose a class. The check below turns the figure into
# numbers: the similarity after the classifier alone, and the mean similarity over the
# cascade (the exercise's criterion: a method whose mean stays above 0.5 fails; in full mode
# Grad-CAM++ and LayerCAM sit right at that line).

# %%
after_classifier = {name: float(r.spearman[:, 0].mean()) for name, r in sanity.sanity.items()}
over_cascade = {name: float(r.spearman.mean()) for name, r in sanity.sanity.items()}
print("after the classifier:", {k: round(v, 2) for k, v in after_classifier.items()})
print("mean over the cascade:", {k: round(v, 2) for k, v in over_cascade.items()})
print("fail the check (mean over the cascade > 0.5):", [k for k, v in over_cascade.items() if v > 0.5])
assert min(after_classifier[k] for k in ("eigencam", "guided_backprop", "deconvnet")) > 0.95, after_classifier
assert after_classifier["saliency"] < 0.6 and after_classifier["gradcam"] < 0.6, after_classifier
assert min(over_cascade["guided_backprop"], over_cascade["deconvnet"]) > 0.5, over_cascade
assert max(over_cascade["saliency"], over_cascade["gradcam"], over_cascade["smoothgrad"]) < 0.5, over_cascade
if not cv.config.quick():   # quick mode randomises 4 blocks only, too few to reach EigenCAM's lower layers
    assert over_cascade["eigencam"] > 0.5 and all(0.4 < over_cascade[k] < 0.65 for k in ("gradcam_pp", "layercam"))
assert all(abs(over_cascade[k] - over_cascade["gradcam"]) < 0.01 for k in ("hirescam", "xgradcam")), over_cascade

# %% [markdown]
# ## 3. Faithfulness: deletion and insertion on the bundled images
#
# Every method's map for each image's top-1 class, then its deletion curve (pixels replaced
# by a blurred copy, most important first) and insertion curve (pixels put back into the
# blurred copy). Two random baselines: **random pixels** (independent noise) and **random
# blobs** (noise on a 7x7 grid, upsampled: as smooth as a CAM, with no information).
# The curves have 16 steps (the fraction of pixels moves by 1/16 at a time): coarse, but
# enough to rank the maps, and 18 maps x 3 images x 2 curves stay affordable on a CPU.

# %% [markdown] choice="08-insertion"
# ### Predict, then run
#
# (the builder writes the question and the answer cell)

# %%
STEPS = cv.config.pick(16, 6)   # quick mode: coarser curves
x = clf.preprocess([cv.sample_image(n) for n in NAMES], size=SIZE)
ev = cv.evaluate_methods(clf, x, methods, sanity=False, steps=STEPS, images=NAMES, seed=0)
ev

# %% [markdown]
# The table averages over the three images (deletion: lower is better; insertion: higher is
# better; seconds: the time each map took). The scatter plot shows the same: the best
# methods sit **top left**.

# %%
cv.plot.auc_scatter(ev)

# %%
shown = ["saliency", "guided_backprop", "gradcam", "occlusion", "random pixels", "random blobs"]
cv.plot.curves({k: ev.curves[k] for k in shown}, index=0)   # image 0: the cat

# %% [markdown]
# **How to read it.** On **insertion** the class maps (Grad-CAM, occlusion) beat random
# pixels and the gradient maps clearly: putting the cat's face back first restores the class
# after a fraction of the pixels. The pixel-level gradient maps do worse: their mass is
# scattered over edges, and inserting scattered pixels into a blurred image does not bring
# the object back. Random *blobs* can come close on a single image (a blob that happens to
# cover the face is as good as a CAM), which is why the table averages over the images and
# why a real evaluation uses hundreds of them.
#
# **Deletion** is harder to read: look at the table, where the deletion AUCs of almost all
# methods lie in a narrow band, and the random maps are not far behind (in quick mode, random
# pixels even get one of the lowest, best, deletion AUCs without knowing anything).
# Deleting scattered pixels all over the image turns it into noise that no class survives:
# the images it produces are far from anything the network was trained on (Hooker et al. 2019
# make this point and retrain the network to avoid it). A fairer baseline for a smooth map is
# a random map of the same smoothness (random blobs). Never read deletion alone: read it with insertion, on many images.

# %%
ins = {name: ev.insertion(name) for name in ["gradcam", "random pixels", "random blobs"]}
assert (ins["gradcam"] > ins["random pixels"]).all() and ins["gradcam"].mean() > ins["random blobs"].mean()
print("Grad-CAM insertion AUC per image:", [round(v, 3) for v in ins["gradcam"].tolist()])

# %% [markdown]
# ## 4. The pointing game: two objects, two boxes
#
# On `cat_and_coffee` the cat fills the left half and the espresso cup the right half. We
# ask each method for two maps, one for the top-1 (cat) class, which section 3 already
# computed (the image is the third of `x`), and one for ImageNet's `cup` class, and score a
# hit when the map's maximum falls in the right box (Zhang et al. 2016).

# %%
both = x[2:3]
half = SIZE // 2
cat_box, cup_box = [(0, 0, half, SIZE)], [(half, 0, SIZE, SIZE)]   # cat: left half, cup: right half
pg = cv.evaluate_methods(clf, both, methods, [clf.class_index("cup")], faithfulness=False, sanity=False,
                         boxes=[cup_box], seed=0)
two = {name: torch.stack([ev.maps[name][2], pg.maps[name][0]]) for name in methods}
hits = {name: cv.pointing_game(m, [cat_box, cup_box]).tolist() for name, m in two.items()}
for name, (cat_hit, cup_hit) in hits.items():
    agnostic = "  (class-agnostic: one map scored twice)" if name in pg.agnostic else ""
    print(f"{name:22s} cat {'hit' if cat_hit else 'miss'}, cup {'hit' if cup_hit else 'miss'}{agnostic}")

# %%
cv.plot.pointing_grid(two, [cat_box, cup_box], both.expand(2, -1, -1, -1), clf,
                      targets=[clf.label(clf.predict(both, k=1)[0][0]), "cup"])

# %%
assert hits["gradcam"] == [True, True] and hits["occlusion"] == [True, True], hits
assert hits["eigencam"][0] != hits["eigencam"][1]   # one map cannot point at both objects

# %% [markdown]
# Grad-CAM's and occlusion's `cup` maps peak on the cup: a class map follows the class.
# EigenCAM's two panels are the same map (it ignores the class), so it can hit at most one of
# the two boxes: the pointing game with two classes of one image is unfair to a
# class-agnostic method by design, and says nothing about it. The pointing game only looks
# at one pixel per map, which makes it robust to the maps' scale and smoothness but blind to
# everything else: a map can hit the box and still spread over the whole image.
#
# ## 5. Explore
#
# Pick a method and an image; **curves** shows its deletion and insertion curves beside the
# random maps', **sanity** its maps as the layers are randomised. Press **run**.

# %%
cv.widgets.evaluation_panel(image="cat", method="guided_backprop", view="sanity")


# %% [markdown]
# ### Exercise: the area under a deletion curve
#
# Write `auc(fractions, scores)`: the area under the curve through the points
# `(fractions[i], scores[i])` by the trapezoid rule,
# $\sum_i (f_{i+1} - f_i)\,(s_i + s_{i+1})/2$, as a float. The fractions need not be evenly
# spaced. Compare your value with `ev.curves["gradcam"][0].auc` for a real curve.

# %% tags=["exercise"]
def auc(fractions, scores):
    raise NotImplementedError  # your code here


# %% tags=["exercise-check"]
cv.exercises.check_trapezoid_auc(auc)


# %% tags=["solution"]
def auc_solution(fractions, scores):
    widths = fractions[1:] - fractions[:-1]
    return float((widths * (scores[1:] + scores[:-1]) / 2).sum())

c = ev.curves["gradcam"][0]
assert abs(auc_solution(c.fractions, c.scores[0]) - float(c.auc[0])) < 1e-5
assert cv.exercises.check_trapezoid_auc(auc_solution)

# %% [markdown]
# ### Think, then write
#
# EigenCAM and guided backprop both keep their maps while the model is destroyed. Are they
# useless? For each, say what its map *does* show, and one question about a trained model it
# can still answer.

# %% [markdown]
# *Your answer (double-click this cell to write):*

# %% [markdown]
# <details><summary><b>Model answer</b> (open it after writing yours)</summary>
#
# Neither explains the **decision**: neither map changes when the classifier does. **Guided
# backprop** shows the image's edges that pass the network's positive paths: a sharp picture of
# the image, close to an edge detector (Nie et al. 2018); it can tell you at which resolution
# and on which edges the early layers respond, not why the class was chosen. **EigenCAM** shows
# where the last feature maps are strongest (their first principal component): a class-agnostic
# "where are the objects the network sees" map, useful for a quick look at what the features
# cover (it finds both the cat and the cup regions as one map) but not for "why cat rather than
# cup". A map that passes the sanity check (Grad-CAM, saliency) is not proven faithful either:
# the check is necessary, not sufficient; combine it with deletion/insertion.
#
# </details>

# %% [markdown]
# ### Exercise: which method fails the sanity check?
#
# From the figure of section 2, name a method whose map survives the destruction of the
# model (a string such as `"saliency"`; either of the two that do is right). The checker
# reads the answer off `sanity`.

# %% tags=["exercise"]
answer = None  # your answer here

# %% tags=["exercise-check"]
cv.exercises.check_sanity_failure(answer, sanity)

# %% tags=["solution"]
answer_solution = "guided_backprop"   # "eigencam" is right too
assert cv.exercises.check_sanity_failure(answer_solution, sanity)

# %% [markdown]
# ## What to take away
#
# - **A map can be pretty and say nothing about the model.** Guided backprop's and
#   deconvnet's sharp edges survive the destruction of the network, and so does EigenCAM's
#   class-agnostic map: they fail the sanity check, for different reasons (backward rules that
#   discard the negative half; a map that never reads the classifier). Run the check on any new method before you
#   trust it.
# - **Faithfulness is measured by using the map**: delete or insert pixels in its order.
#   Insertion is the easier one to read; deletion rewards maps that push the image off the
#   data (random pixels), so compare with a random map of the same smoothness.
# - **Grad-CAM** passes the sanity check and beats random maps on insertion; guided backprop
#   beats the random maps on both curves here (see the table) and still fails the sanity
#   check: a good curve does not prove that a map explains the model.
# - No single number settles it: report the sanity check, both curves and the pointing game,
#   on many images, with the settings (steps, fill, baseline) you used.
