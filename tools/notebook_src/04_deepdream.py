# ---
# jupyter:
#   cnnviz:
#     title: DeepDream
#     goals:
#     - amplify what a layer sees in a photo by gradient ascent (DeepDream)
#     - understand octaves, the random shift each step and the normalised gradient, and see each one's effect
#     - weight several layers and see each weight act (weight 0 changes nothing)
#     - render the classic VGG16 DeepDream recipe (relu4_2 + relu5_2, 5 octaves x 1.6)
#     prerequisites: notebook 02 (activation maximisation).
#     runtime:
#       cpu: 2 minutes
#       gpu: 30 seconds
#     papers:
#     - 'Mordvintsev, Olah & Tyka, *Inceptionism: Going Deeper into Neural Networks*, Google AI blog 2015'
# ---

# %% [markdown]
# ## 1. The idea
#
# Instead of one channel, DeepDream maximises the overall response of whole layers, starting
# from a photo instead of noise:
#
# $$x \leftarrow x + \eta\,\frac{g - \bar g}{\operatorname{std}(g)},\qquad
#   g = \nabla_x \sum_\ell w_\ell \,\operatorname{mean}\big(A_\ell(x)^2\big).$$
#
# Whatever a layer faintly detects gets stronger, so it is detected more, so it gets
# stronger again: clouds grow eyes and dogs. Three tricks make it work (all in
# `cv.deepdream`): **octaves** (dream on a small copy first, then carry the added detail up
# to larger copies, so the patterns come at several scales), a **random shift** (roll) of
# the image before each step, and the **normalised gradient** (each step has the same size).

# %%
from IPython.display import Markdown, display

clf = cv.load_model(device=DEVICE)
photo = cv.sample_image("astronaut").resize(cv.config.pick((512, 512), (96, 96)))
cfg = dict(octaves=4, octave_scale=1.4, steps=cv.config.pick(10, 3), lr=0.09, jitter=32, seed=0)
dream = cv.deepdream(clf, photo, {"blocks.10": 1.0}, **cfg)
display(cv.plot.dream(photo, dream, [f"{cv.title_name(clf)}: blocks.10"]))
Markdown(cv.credit("astronaut"))

# %% [markdown]
# The input is a real photograph (NASA's portrait of the astronaut Eileen Collins); the
# output has its size. Look at what `blocks.10` adds: eye-like spots and dog-like snouts on
# her face, on the helmet and on the mission patch, and a dense, fine texture over the
# background and the suit: the patterns this layer responds to.
# `cv.optvis.dream_score` computes the objective $\sum_\ell w_\ell \operatorname{mean}(A_\ell^2)$
# for any image: the layer responds more than twice as strongly to the dream as to the photo.

# %%
before, after = cv.optvis.dream_score(clf, photo, "blocks.10"), cv.optvis.dream_score(clf, dream, "blocks.10")
print(f"blocks.10 mean squared activation: photo {before:.2f}, dream {after:.2f} ({after / before:.1f}x)")
assert dream.size == photo.size and after > cv.config.pick(2.0, 1.0) * before

# %% [markdown]
# ## 2. Shallow versus deep layers
#
# Each layer paints what it detects. Per-layer weights mix layers. Each dream is specific to
# its layer: the `blocks.4` dream raises `blocks.4`'s response more than the `blocks.13`
# dream does, and the other way round (checked below).

# %%
choices = {"blocks.4": {"blocks.4": 1.0}, "blocks.13": {"blocks.13": 1.0},
           "blocks.10 + 0.5 x blocks.13": {"blocks.10": 1.0, "blocks.13": 0.5}}
dreams = [cv.deepdream(clf, photo, layers, **cfg) for layers in choices.values()]
cv.plot.dream(photo, dreams, [f"{cv.title_name(clf)}:\n{name}" for name in choices])

# %%
score = {(d, l): cv.optvis.dream_score(clf, img, l) / cv.optvis.dream_score(clf, photo, l)
         for d, img in zip(["blocks.4", "blocks.13"], dreams[:2]) for l in ["blocks.4", "blocks.13"]}
for (d, l), v in score.items():
    print(f"the {d} dream raises {l}'s response {v:.2f}x")
if not cv.config.quick():
    assert score["blocks.4", "blocks.4"] > score["blocks.13", "blocks.4"]
    assert score["blocks.13", "blocks.13"] > score["blocks.4", "blocks.13"]

# %% [markdown]
# **What to look at:** `blocks.4`, early in the network, repaints the whole photo with bold
# stripes and swirls in pink and green: edge and colour patterns, drawn large because the
# octaves (section 3) start on a small copy. `blocks.13`, deep, keeps the photo's layout and
# covers it with a dense, fine texture; at this size and number of steps it draws no object
# part one could name. The animal faces come from the middle of the network: `blocks.10`
# (the first dream, and the mix on the right, where they sit on her face and on the suit).
# Deeper is not simply "more object-like" in a dream: what appears depends on the layer,
# the scale of the octaves and the number of steps.
#
# ## 3. Octaves and the random shift, with and without
#
# The same `blocks.10` dream three times, one trick changed at a time: the recipe (4
# octaves of scale 1.4, a random shift of up to 32 pixels before each step), **one octave**
# (every step at full size), and **no shift**.

# %%
variants = {"4 octaves, shift 32 (the recipe)": dream,
            "1 octave, shift 32": cv.deepdream(clf, photo, {"blocks.10": 1.0}, **{**cfg, "octaves": 1}),
            "4 octaves, no shift": cv.deepdream(clf, photo, {"blocks.10": 1.0}, **{**cfg, "jitter": 0})}
cv.plot.dream(photo, list(variants.values()), list(variants))

# %%
import torch
from torchvision.transforms.functional import pil_to_tensor

change = {k: pil_to_tensor(v).float() - pil_to_tensor(photo).float() for k, v in variants.items()}
fine = {k: float(cv.high_frequency_share(c, cutoff=0.25)) for k, c in change.items()}
parity = {k: cv.plot.phase_ratio(c) for k, c in change.items()}
for k in variants:
    print(f"{k:34s} change above 1/4 of the Nyquist frequency: {fine[k]:.0%}; 2x2 phase ratio {parity[k]:.2f}")
one, recipe, still = list(variants)[1], list(variants)[0], list(variants)[2]
if not cv.config.quick():
    assert fine[one] > fine[recipe] and parity[still] > parity[recipe]

# %% [markdown]
# **What to look at:** with **one octave** every pattern has the size of the layer's
# receptive field at full resolution: small, dense strokes and spots, more of the change at
# high spatial frequencies (the printed share). With octaves the first steps run on a copy
# 1.4³ ≈ 2.7 times smaller, where the same receptive field covers more of the photo: those
# patterns come out larger once the detail is carried up: under half of the change is at
# high frequencies with octaves, three quarters with one octave. **Without the shift** the dream
# here is close to the recipe's: the patterns sit at slightly different places, and the 2x2
# phase ratio (well above 1 if the network's stride-2 convolutions left a checkerboard, as
# in Odena et al. 2016) stays near 1 in both. The random shift is a safeguard: it moves the
# pixel grid under the image at every step so that no artefact tied to one alignment can
# build up; on this network, at these settings, none visibly does.
# %% [markdown]
# ## 4. Weights that act
#
# A weight of 0 removes the layer from the objective (it is not even computed). Predict
# what that does to the dream before running the cell.

# %% [markdown] choice="04-zero-weight"
# ### Predict, then run
#
# (the builder writes the question and the answer cell)

# %% tags=["nbval-check-output"]
a = cv.deepdream(clf, photo, {"blocks.10": 1.0}, **cfg, as_tensor=True)
b = cv.deepdream(clf, photo, {"blocks.10": 1.0, "blocks.13": 0.0}, **cfg, as_tensor=True)
assert torch.equal(a, b) and cv.hook_count(clf) == 0
assert tuple(a.shape[-2:]) == photo.size[::-1]
print("weight 0 changes nothing; output has the input's size; no hook left")

# %% [markdown]
# ## 5. The classic VGG16 DeepDream
#
# The classic recipe (Mordvintsev et al. 2015, as popularised for VGG16, e.g. by
# gordicaleksa/pytorch-deepdream) dreams with VGG16 at `relu4_2` and `relu5_2` (torchvision
# `features.20` and `features.27`) with weights 1 and 0.5, 5 octaves of ratio 1.6, 20 steps
# per octave, a random shift of up to 32 pixels, lr 0.1, 800 pixels wide. It is stored as
# `cv.optvis.CLASSIC_VGG16_DREAM`:

# %% tags=["nbval-check-output"]
cv.optvis.CLASSIC_VGG16_DREAM

# %% [markdown]
# Below it runs with every number of the recipe except the width: 384 pixels instead of
# 800, to keep this notebook within its time budget on a CPU (a VGG16 forward pass costs
# about 15 GFLOPs at 224 pixels, EfficientNet-Lite0's 0.4; the panel's classic preset keeps
# the recipe's 800-pixel limit). On VGG16 the recipe gives the picture known from the
# Inceptionism images: dense dog faces, eyes and pagoda-like buildings at several scales.

# %%
classic = cv.optvis.CLASSIC_VGG16_DREAM
vgg = cv.load_classic("vgg16", shows="the classic VGG16 DeepDream of the same photo", device=DEVICE)
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
# the dream raises the recipe's objective on VGG16
if vgg:
    before = cv.optvis.dream_score(vgg, source, classic["layers"])
    after = cv.optvis.dream_score(vgg, classic_dream, classic["layers"])
    print(f"{vgg.name}, {', '.join(classic['layers'])}: objective {before:.2f} on the photo, {after:.2f} on the dream")
    assert classic_dream.size == source.size and after > cv.config.pick(2.0, 1.0) * before

# %% [markdown]
# ## 6. Dream
#
# Choose a preset (named for its network and layers), the layers and their weights,
# octaves, octave scale, steps, shift and learning rate, then press **dream** (a progress
# bar runs meanwhile). Try a weight of 0 on layer 2; try octave scale 1.1 versus 1.8.

# %%
cv.widgets.deepdream_panel()


# %% [markdown]
# ### Think, then write
#
# Investigate with the panel: dream the same photo with 1 octave, then with 5 octaves of
# scale 1.6, other settings equal (section 3 compared 1 and 4 octaves of 1.4). How do the
# size and the kind of the patterns change?
# Explain why from what a layer's unit sees (its receptive field is a fixed number of
# pixels of the image the network is given).

# %% [markdown]
# *Your answer (double-click this cell to write):*

# %% [markdown]
# <details><summary><b>Model answer</b> (open it after writing yours)</summary>
#
# With one octave every pattern has the size of the layer's receptive field at full
# resolution: a fine texture of small eyes and strokes all over the photo. With octaves
# the first steps run on a copy 1.6^4, about 6.6, times smaller: a receptive field there
# covers a large part of the photo, so the patterns drawn at that scale come out large
# once the detail is carried up; each larger octave adds finer patterns on top. The
# result mixes scales, as a photo does, and large structures (whole heads, buildings)
# appear that one octave cannot draw.
#
# </details>

# %% [markdown]
# ### Exercise: normalised gradient
#
# Write `normalize_gradient(g)` returning `g` shifted to zero mean and scaled to unit
# standard deviation (over all its elements), the normalisation DeepDream applies each
# step.

# %% tags=["exercise"]
def normalize_gradient(g):
    raise NotImplementedError  # your code here


# %% tags=["exercise-check"]
cv.exercises.check_normalize_gradient(normalize_gradient)


# %% tags=["solution"]
def normalize_gradient_solution(g):
    return (g - g.mean()) / g.std()

assert cv.exercises.check_normalize_gradient(normalize_gradient_solution)

# %% [markdown]
# ## What next
#
# The next notebooks return to explanations of single decisions: where in an image the
# network looked for its answer, and how far those maps can be trusted.
