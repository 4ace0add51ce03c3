# ---
# jupyter:
#   cnnviz:
#     title: DeepDream
#     goals:
#     - amplify what a layer sees in a photo by gradient ascent (DeepDream), and measure it with the objective
#     - understand octaves, the random shift and the normalised gradient; see octaves and normalisation act
#     - weight several layers and measure what each weight does
#     - know when a dream misleads, and where the numbers of a DeepDream recipe come from
#     prerequisites: notebook 02 (activation maximisation).
#     runtime:
#       cpu: 2 minutes
#       gpu: 30 seconds
#     papers:
#     - 'Mordvintsev, Olah & Tyka, *Inceptionism: Going Deeper into Neural Networks*, Google AI blog 2015 (code: google/deepdream)'
#     - Odena, Dumoulin & Olah, *Deconvolution and Checkerboard Artifacts*, Distill 2016
# ---

# %% [markdown]
# ## 1. The idea
#
# Instead of one channel, DeepDream maximises the overall response of whole layers, starting
# from a photo instead of noise:
#
# $$x \leftarrow x + \eta\,\frac{g - \bar g}{\operatorname{std}(g) + \varepsilon},\qquad
#   g = \nabla_x \sum_\ell w_\ell \,\operatorname{mean}\big(A_\ell(x)^2\big).$$
#
# Whatever a layer faintly detects gets stronger, so it is detected more, so it gets
# stronger again: clouds grow eyes and dogs. Three tricks (all in `cv.deepdream`):
# **octaves** (dream on a small copy first, then carry the added detail up to larger copies),
# a **random shift** (roll) of the image before each step, and the **normalised gradient**:
# every step has the same size, whatever the layer, its weight or the image size
# ($\varepsilon = 10^{-8}$ keeps a zero gradient from dividing by zero).
# Mordvintsev et al.'s original code (google/deepdream, on GoogLeNet) divided by the mean
# absolute value instead, $g / \operatorname{mean}|g|$; this notebook subtracts the mean as
# many PyTorch ports do (a step then adds no uniform brightness). Both appear in section 3.

# %%
from IPython.display import Markdown, display

clf = cv.load_model(device=DEVICE)
photo = cv.sample_image("astronaut").resize(cv.config.pick((512, 512), (96, 96)))
cfg = dict(octaves=4, octave_scale=1.4, steps=cv.config.pick(10, 3), lr=0.09, jitter=32, seed=0)
dream = cv.deepdream(clf, photo, {"blocks.10": 1.0}, **cfg)
display(cv.plot.dream(photo, dream, [f"{cv.title_name(clf)}: blocks.10"], cell=6.0))
Markdown(cv.credit("astronaut"))

# %% [markdown]
# Zoomed crops of the same two images (each crop enlarged to the same size):

# %%
import numpy as np

side = photo.size[0]
boxes = {"face": (0.28, 0.03, 0.60, 0.35), "mission patch": (0.20, 0.57, 0.52, 0.89),
         "flag": (0.00, 0.00, 0.32, 0.32)}
crops = [np.asarray(img.crop(tuple(round(v * side) for v in box)))
         for img in (photo, dream) for box in boxes.values()]
titles = [f"{what}: {name}" for what in ("photo", "dream") for name in boxes]
cv.plot.image_grid(crops, titles, ncols=3, cell=4.0)

# %% [markdown]
# The input is a real photograph (NASA's portrait of the astronaut Eileen Collins); the
# output has its size. Settings: 4 octaves of scale 1.4, 10 steps per octave, lr 0.09, a
# shift of up to 32 pixels. **What to look at:** `blocks.10` adds eye-like spots and
# dog-like snouts on her face and on the mission patch, a dog's head on the flag (the crops), and a dense, fine texture over
# the background and the suit: the patterns this layer responds to, on this photo.
# `cv.optvis.dream_score` computes the objective $\sum_\ell w_\ell \operatorname{mean}(A_\ell^2)$
# for any image: the layer responds more than twice as strongly to the dream as to the photo.

# %%
before, after = cv.optvis.dream_score(clf, photo, "blocks.10"), cv.optvis.dream_score(clf, dream, "blocks.10")
print(f"blocks.10 mean squared activation: photo {before:.2f}, dream {after:.2f} ({after / before:.1f}x)")

# %% tags=["check"]
# the dream keeps the photo's size and more than doubles blocks.10's objective
assert dream.size == photo.size and after > cv.config.pick(2.0, 1.0) * before

# %% [markdown]
# ## 2. Shallow versus deep layers
#
# Each layer paints what it detects. Each dream is specific to its layer: the `blocks.4`
# dream raises `blocks.4`'s response more than the `blocks.13` dream does, and the other way
# round (printed below).

# %%
choices = {"blocks.4": {"blocks.4": 1.0}, "blocks.13": {"blocks.13": 1.0},
           "blocks.10 + 0.5 x blocks.13": {"blocks.10": 1.0, "blocks.13": 0.5}}
dreams = [cv.deepdream(clf, photo, layers, **cfg) for layers in choices.values()]
cv.plot.dream(photo, dreams, [f"{cv.title_name(clf)}:\n{name}" for name in choices], cell=4.0)

# %%
score = {(d, l): cv.optvis.dream_score(clf, img, l) / cv.optvis.dream_score(clf, photo, l)
         for d, img in zip(["blocks.4", "blocks.13"], dreams[:2]) for l in ["blocks.4", "blocks.13"]}
for (d, l), v in score.items():
    print(f"the {d} dream changes {l}'s response {v:.2f}x")

# %% tags=["check"]
# each dream raises its own layer more than the other dream does; the blocks.4 dream lowers blocks.13
if not cv.config.quick():
    assert score["blocks.4", "blocks.4"] > score["blocks.13", "blocks.4"]
    assert score["blocks.13", "blocks.13"] > score["blocks.4", "blocks.13"]
    assert score["blocks.4", "blocks.13"] < 0.9

# %% [markdown]
# **What to look at:** `blocks.4`, early in the network, repaints the whole photo with bold
# stripes and swirls in pink and green: edge and colour patterns. They are drawn large,
# probably because the octaves start on a small copy (section 3 tests this for `blocks.10`
# only). That repainting *lowers* `blocks.13`'s response (printed above): the deep layer's
# detections on the photo are partly painted over. `blocks.13`, deep, keeps the photo's
# layout and covers it with a dense, fine texture; at this size and number of steps it draws
# few object parts, and small ones (look at the flag on the left and beside the shuttle).
# The clearest animal faces come from `blocks.10` (the first dream, and the mix on the right).
# Deeper is not simply "more object-like" in a dream: what appears depends on the layer,
# the scale of the octaves and the number of steps.

# %% [markdown]
# ## 3. The three tricks, with and without
#
# The same `blocks.10` dream, one trick changed at a time. First the octaves: the recipe
# takes 10 steps on each of 4 copies (40 steps); one octave takes its steps at full size,
# with 40 steps (the same total) and with 10.

# %% [markdown] choice="04-octave-frequency"
# ### Predict, then run
#
# (the builder writes the question and the answer cell)

# %%
steps = cfg["steps"]
variants = {f"4 octaves x {steps} steps\n(the recipe), shift 32": dream,
            f"1 octave x {4 * steps} steps\n(same total), shift 32": cv.deepdream(
                clf, photo, {"blocks.10": 1.0}, **{**cfg, "octaves": 1, "steps": 4 * steps}),
            f"1 octave x {steps} steps, shift 32": cv.deepdream(clf, photo, {"blocks.10": 1.0}, **{**cfg, "octaves": 1}),
            f"4 octaves x {steps} steps,\nno shift": cv.deepdream(clf, photo, {"blocks.10": 1.0}, **{**cfg, "jitter": 0})}
cv.plot.dream(photo, list(variants.values()), list(variants), cell=3.6)

# %%
import torch
from torchvision.transforms.functional import pil_to_tensor

change = {k: pil_to_tensor(v).float() - pil_to_tensor(photo).float() for k, v in variants.items()}
fine = {k: float(cv.high_frequency_share(c, cutoff=0.25)) for k, c in change.items()}
parity = {k: cv.plot.phase_ratio(c) for k, c in change.items()}
for k in variants:
    print(f"{k.replace(chr(10), ' '):42s} change above 1/4 of the Nyquist frequency: {fine[k]:.0%}; "
          f"mean |change| {change[k].abs().mean():.0f} grey levels; 2x2 phase ratio {parity[k]:.2f}")

# %% tags=["check"]
# one octave puts more of its change at high frequencies than the recipe, at 40 steps and at 10; no checkerboard anywhere
recipe, one40, one10, still = list(variants)
if not cv.config.quick():
    assert fine[one40] > fine[recipe] + 0.1 and fine[one10] > fine[recipe] + 0.1
    assert max(parity.values()) < 1.1

# %% [markdown]
# **What to look at:** a pattern the layer draws has a fixed size *in the pixels of the
# image the network is given*, set by the features the layer detects: strokes and eyes a
# few pixels wide, far smaller than a `blocks.10` unit's theoretical receptive field
# (printed below). With **one octave** every pattern is drawn at full size: with 10 steps,
# small dense strokes and spots, three quarters of the change at high spatial frequencies;
# with 40 steps (the recipe's total) the change is stronger and some dog heads grow large,
# yet more of it is fine detail (62 %) than with octaves (48 %). With octaves the first
# steps run on a copy 1.4³ ≈ 2.7 times smaller, so the same pixel-sized pattern covers 2.7
# times more of the photo once the detail is carried up.
# **Without the shift** the dream here is close to the recipe's: the patterns sit at
# slightly different places, and the 2x2 phase ratio (well above 1 if the network's
# stride-2 convolutions left a checkerboard, Odena et al. 2016) stays near 1 in all four.
# The random shift is a safeguard: it moves the pixel grid under the image at every step
# so that no artefact tied to one alignment can build up; on this network, at these
# settings, none visibly does, so this notebook cannot show its effect (the figure above
# shows only that dropping it costs nothing here).

# %%
rf = {layer: cv.optvis.receptive_field(clf, layer, size=photo.size[0]) for layer in ("blocks.4", "blocks.10")}
print("theoretical receptive field of a unit, in input pixels:", rf)

# %% [markdown]
# Next the normalisation: the recipe's $(g - \bar g)/\operatorname{std}(g)$, the original's
# $g/\operatorname{mean}|g|$, and the raw gradient $g$, all with lr 0.09.

# %%
norms = {"(g - mean g) / std g\n(the recipe)": dream,
         "g / mean|g|\n(google/deepdream)": cv.deepdream(clf, photo, {"blocks.10": 1.0}, **cfg, normalize="mean_abs"),
         "raw gradient g": cv.deepdream(clf, photo, {"blocks.10": 1.0}, **cfg, normalize="none")}
display(cv.plot.dream(photo, list(norms.values()), list(norms), cell=4.0))
for k, img in norms.items():
    moved = (pil_to_tensor(img).float() - pil_to_tensor(photo).float()).abs().mean()
    print(f"{k.split(chr(10))[0]:22s} mean |change| {moved:5.2f} grey levels; "
          f"blocks.10 objective {cv.optvis.dream_score(clf, img, 'blocks.10') / before:.2f}x the photo's")

# %% tags=["check"]
# the raw gradient barely moves the photo at lr 0.09; both normalisations raise the objective; mean|g| takes larger steps
if not cv.config.quick():
    steps_taken = [(pil_to_tensor(i).float() - pil_to_tensor(photo).float()).abs().mean() for i in norms.values()]
    assert steps_taken[2] < 3.0 and min(steps_taken[:2]) > 10 * steps_taken[2]
    assert steps_taken[1] > steps_taken[0]   # g / mean|g| takes larger steps than the recipe
    assert min(cv.optvis.dream_score(clf, i, "blocks.10") for i in list(norms.values())[:2]) > 2 * before

# %% [markdown]
# **What to look at:** the raw gradient of a *mean* of squared activations is small (each
# activation's share is divided by their number), so at lr 0.09 the photo moves by about
# 1.5 grey levels on average (printed): nothing visible, although the objective already
# rises by 40 %. A fixed learning rate would have
# to be tuned again for every layer, weight and image size; dividing by the gradient's
# spread makes every step 0.09 in the network's normalised input units. $g/\operatorname{mean}|g|$
# takes larger steps at the same lr (this gradient is heavy-tailed, so its mean $|g|$ is
# smaller than its standard deviation): the same kind of patterns, bolder and larger.

# %% [markdown]
# ## 4. Weights that act
#
# With two layers the objective is $\operatorname{mean}(A_{10}^2) + w\,\operatorname{mean}(A_{13}^2)$.
# Every step has the same size (normalised), so raising $w$ gives `blocks.13` a larger share
# of each step. The same dream with $w$ = 0, 0.5 and 2 (a weight of 0 removes the layer from
# the objective: it is not even computed, and the dream equals the `blocks.10` dream bit for bit):

# %%
sweep = {0.0: dream, 0.5: dreams[2],
         2.0: cv.deepdream(clf, photo, {"blocks.10": 1.0, "blocks.13": 2.0}, **cfg)}
display(cv.plot.dream(photo, list(sweep.values()), [f"blocks.10 + {w:g} x blocks.13" for w in sweep], cell=4.0))
base = {layer: cv.optvis.dream_score(clf, photo, layer) for layer in ("blocks.10", "blocks.13")}
ratio = {(w, layer): cv.optvis.dream_score(clf, img, layer) / base[layer] for w, img in sweep.items() for layer in base}
for w in sweep:
    print(f"weight {w:g} on blocks.13: blocks.10 {ratio[w, 'blocks.10']:.2f}x, blocks.13 {ratio[w, 'blocks.13']:.2f}x the photo's")

# %% tags=["check"]
# a zero weight changes nothing (bit for bit) and leaves no hook; a larger weight raises blocks.13 and lowers blocks.10
zero = cv.deepdream(clf, photo, {"blocks.10": 1.0, "blocks.13": 0.0}, **cfg)
assert np.array_equal(np.asarray(zero), np.asarray(dream)) and cv.hook_count(clf) == 0
if not cv.config.quick():
    assert ratio[0.0, "blocks.13"] < ratio[0.5, "blocks.13"] < ratio[2.0, "blocks.13"]
    assert ratio[0.0, "blocks.10"] > ratio[2.0, "blocks.10"]

# %% [markdown]
# **What to look at:** raising the weight of `blocks.13` raises its response in the dream and lowers
# `blocks.10`'s (printed above): the two layers share each fixed-size step. In the figure, at weight 2
# the animal faces are fewer and fainter and `blocks.13`'s fine texture takes over.

# %% [markdown]
# ## 5. This course's VGG16 preset
#
# The Inceptionism images were made with **GoogLeNet** (hence the name); google/deepdream
# used 4 octaves of 1.4, 10 steps per octave, a shift of up to 32 pixels and a step of 1.5
# on $g/\operatorname{mean}|g|$, the numbers this notebook's recipe follows for octaves, steps
# and shift. There is no canonical VGG16 recipe: PyTorch ports choose their own layers and
# numbers. This course's preset for VGG16, `cv.optvis.CLASSIC_VGG16_DREAM`, reads `relu4_2`
# and `relu5_2` (torchvision `features.20` and `features.27`) with weights 1 and 0.5, 5
# octaves of 1.6, 20 steps per octave, shift 32, lr 0.1, 800 pixels wide:

# %% tags=["nbval-check-output"]
cv.optvis.CLASSIC_VGG16_DREAM

# %%
classic = cv.optvis.CLASSIC_VGG16_DREAM
vgg = cv.load_classic("vgg16", shows="this preset's VGG16 dream of the same photo", device=DEVICE)
if vgg:
    side, steps = cv.config.pick(384, 96), cv.config.pick(classic["steps"], 4)
    source = cv.sample_image("astronaut").resize((side, side))
    recipe = {k: classic[k] for k in ("octaves", "octave_scale", "jitter", "lr")}
    classic_dream = cv.deepdream(vgg, source, classic["layers"], steps=steps, seed=0, **recipe)
    display(cv.plot.dream(source, classic_dream, [
        "vgg16: " + " + ".join(f"{w:g} x {name}" for name, w in classic["layers"].items())
        + f"\n{classic['octaves']} octaves x {classic['octave_scale']:g}, {steps} steps, shift {classic['jitter']}, "
        f"lr {classic['lr']:g}, {side} px"], cell=4.5))

# %%
if vgg:
    display(Markdown(f"It ran with every number of the preset except the width: {side} pixels instead of 800, "
                     "to keep this notebook within its time budget on a CPU (a VGG16 forward pass costs about "
                     "15 GFLOPs at 224 pixels, EfficientNet-Lite0's 0.4). **What to look at:** compare the size "
                     "and kind of the patterns with the EfficientNet-Lite0 dreams above (another network, "
                     "other layers and settings, the same photo)."))

# %% tags=["check"]
# the dream raises the preset's objective on VGG16
if vgg:
    before_vgg = cv.optvis.dream_score(vgg, source, classic["layers"])
    after_vgg = cv.optvis.dream_score(vgg, classic_dream, classic["layers"])
    assert classic_dream.size == source.size and after_vgg > cv.config.pick(2.0, 1.0) * before_vgg

# %% [markdown]
# ## 6. Dream
#
# Choose a preset (named for its network and layers), the layers and their weights,
# octaves, octave scale, steps, shift and learning rate, then press **dream** (a progress
# bar runs meanwhile). Try a weight of 0 on layer 2; try octave scale 1.1 versus 1.8.
# On a static page (GitHub, the course website) only the starting photo shows: the controls
# and the dream need a running kernel.

# %%
cv.widgets.deepdream_panel()


# %% [markdown]
# ### Think, then write
#
# Investigate with the panel: dream the same photo with 1 octave, then with 5 octaves of
# scale 1.6, with the same total number of steps (section 3 compared 1 and 4 octaves of
# 1.4). How do the size and the kind of the patterns change? Explain why from the size of
# a pattern in the pixels of the image the network is given.

# %% [markdown]
# *Your answer (double-click this cell to write):*

# %% [markdown]
# <details><summary><b>Model answer</b> (open it after writing yours)</summary>
#
# A pattern the layer draws has a fixed size in the pixels of the image the network is
# given, set by the features it detects (a few pixels for strokes and eyes, far smaller
# than the layer's theoretical receptive field). With one octave everything is drawn at
# full size: a fine texture of small eyes and strokes all over the photo. With 5 octaves of
# 1.6 the first steps run on a copy 1.6⁴ ≈ 6.6 times smaller, so the same pixel-sized
# pattern covers 6.6 times more of the photo once the detail is carried up; each larger
# octave adds finer patterns on top. The result mixes scales, as a photo does, and larger
# structures (whole heads) appear that one octave rarely draws at this image size (one
# octave on a smaller input would draw them too).
#
# </details>

# %% [markdown]
# ### Exercise: normalised gradient
#
# Write `normalize_gradient(g)` returning `g` shifted to zero mean and scaled to unit
# standard deviation (over all its elements), the normalisation this notebook's DeepDream
# applies each step. Add a small $\varepsilon$ to the standard deviation: a zero gradient
# (a layer that does not respond at all) has `g.std() == 0`, and dividing by it gives NaN.

# %% tags=["exercise"]
def normalize_gradient(g):
    raise NotImplementedError  # your code here


# %% tags=["exercise-check"]
cv.exercises.check_normalize_gradient(normalize_gradient)


# %% tags=["solution"]
def normalize_gradient_solution(g):
    return (g - g.mean()) / (g.std() + 1e-8)

assert cv.exercises.check_normalize_gradient(normalize_gradient_solution)

# %% [markdown]
# ## Pitfalls
#
# - **A dream explains no decision.** It shows what a layer amplifies in this photo, not
#   why the network classified anything; no class, no output is involved.
# - **The settings make the picture.** Octave scale, steps, lr, image size, clipping and the
#   normaliser all change what appears (sections 3 and 4): state them with every dream.
# - **The same layer looks different at another input size**: a pattern's size is fixed in
#   network pixels, so a larger photo gets relatively smaller patterns.
# - **Dogs and eyes come from the data**: 118 of ImageNet's 1000 classes are dog breeds
#   (printed below), so its features are full of dog parts; a dream shows the training set's
#   biases as much as the photo.
# - **The normaliser hides the gradient's size**: every step has the same size even where the
#   layer barely responds (only $\varepsilon$ saves a zero gradient from NaN), so a dream can
#   grow patterns from almost nothing.

# %%
dogs = clf.categories[151:269]
print(f"{len(dogs)} dog breeds among ImageNet's {len(clf.categories)} classes: {dogs[0]} ... {dogs[-1]}")

# %% [markdown]
# ## Summary
#
# - DeepDream is gradient ascent on a photo for $\sum_\ell w_\ell \operatorname{mean}(A_\ell^2)$:
#   it amplifies what the chosen layers already faintly detect (`blocks.10`'s objective more
#   than doubles here).
# - Each layer paints its own patterns: edges and colour early, animal parts in the middle,
#   fine texture at `blocks.13` on this photo at these settings.
# - Octaves set the scale: a pattern has a fixed size in network pixels, so dreaming on a
#   smaller copy makes it larger in the photo.
# - The normalised gradient makes every step the same size; the random shift is a safeguard
#   against grid artefacts that this network does not show here.
# - Weights trade layers against each other; a weight of 0 removes the layer exactly.

# %% [markdown]
# ## What next
#
# The next notebooks return to explanations of single decisions: where in an image the
# network looked for its answer, and how far those maps can be trusted.
