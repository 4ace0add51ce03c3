# ---
# jupyter:
#   cnnviz:
#     title: What does a neuron want to see? Activation maximisation
#     goals:
#     - render the image that maximally excites a neuron, a channel or a class
#     - 'compare early and deep layers: edges and colours versus textures and object parts'
#     - see what each regulariser (total variation, L2, blur, transforms) and the Fourier parametrisation
#       with decorrelated colour change
#     - render many channels at once as one batch, and start from a photo
#     prerequisites: notebook 00 (layers, channels, hooks) and notebook 01 (gradients of a score with respect
#       to the input).
#     runtime:
#       cpu: 3 minutes
#       gpu: 30 seconds
#     papers:
#     - Erhan et al., *Visualizing Higher-Layer Features of a Deep Network*, 2009
#     - Simonyan et al., *Deep Inside Convolutional Networks*, ICLR workshop 2014
#     - Olah, Mordvintsev & Schubert, *Feature Visualization*, Distill 2017
# ---

# %% [markdown]
# ## 1. The idea
#
# Attribution asks which pixels of *this* image matter. Activation maximisation asks the
# reverse: which image would excite a unit most? Start from noise and climb the gradient:
#
# $$x^\star = \arg\max_x \; h_{\ell,c}\big(T(x)\big) - \lambda\,R(x),$$
#
# where $h_{\ell,c}$ is the mean activation of channel $c$ of layer $\ell$ (or one neuron,
# or a class logit), $T$ a random jitter/scale/rotation drawn at each step and $R$ a
# regulariser. `cv.maximize` runs this loop with the model frozen, the hooks removed
# afterwards, and the forward pass stopped at the layer the objective reads.

# %%
clf = cv.load_model(device=DEVICE)
SIZE, STEPS = cv.config.pick(160, 32), cv.config.pick(256, 10)
res = cv.maximize(clf, "blocks.8:12", size=SIZE, steps=STEPS, seed=0)   # a Rendering: .image, .tensor, .history
cv.plot.renderings(res, [f"{cv.title_name(clf)}: blocks.8 channel 12"], cell=3.5)

# %%
cv.plot.score_history(res.history)

# %% [markdown]
# The score climbs quickly and then flattens: most of the gain comes in the first quarter of
# the steps (checked below). The image has found the pattern the channel detects, repeated
# everywhere (a channel objective averages over all positions). Read the picture as a
# texture, not as an object.

# %%
h = res.history[:, 0]
quarter = h[len(h) // 4].item()
print(f"score: start {h[0].item():.1f}, after a quarter of the steps {quarter:.1f}, end {h[-1].item():.1f}")
assert h[-1] > h[0] + cv.config.pick(10.0, 0.5)
if not cv.config.quick():
    assert quarter - h[0].item() > 0.6 * (h[-1] - h[0]).item()   # most of the climb is early

# %% [markdown]
# ## 2. Neuron, channel, class
#
# Objectives are small parts that add and scale. `channel` asks for the mean of a channel
# over all positions; `neuron` asks only the centre unit of that channel to fire;
# `class_logit` asks for a class.

# %% [markdown] choice="02-neuron-vs-channel"
# ### Predict, then run
#
# (the builder writes the question and the answer cell)

# %%
from cnnviz_lab import objectives as obj

goals = [obj.neuron("blocks.8", 12), obj.channel("blocks.8", 12), obj.class_logit("goldfish")]
images = cv.maximize(clf, goals, size=SIZE, steps=STEPS, seed=0)  # three images, one batch
cv.plot.renderings(images, [f"{g.describe()}\n({cv.title_name(clf)})" for g in goals], cell=3.4)

# %% [markdown]
# The neuron draws its pattern in the middle and leaves the border much flatter and greyer:
# the centre unit depends only on the pixels of its receptive field, so only they get a
# strong gradient. The channel repeats the pattern everywhere.
#
# The class image is **not a photograph of a goldfish**: fish-like fragments (orange-red
# bodies, fin- and scale-like patches in orange and yellow-green) sit in a grey-blue
# texture, more than one of them and none a complete, single fish. Yet the network is all
# but certain it is a goldfish. A class
# image shows the colours and textures that raise the class's logit most, not an object a
# person would recognise; Simonyan et al. (2014) found the same for their class images.
# The numbers: the spread of pixel values in the central half over the spread around it
# (`cv.optvis.centre_contrast`), and what the network calls the class image.

# %%
contrast = cv.optvis.centre_contrast(images.tensor)
print(f"centre / border contrast: neuron {contrast[0]:.1f}, channel {contrast[1]:.1f}")
top = clf.predict(clf.from_unit(images.tensor[2:3]))[0]
print(f"the class image is classified as {top[1]} ({top[2]:.0%})")
if not cv.config.quick():
    assert contrast[0] > 1.8 and 0.7 < contrast[1] < 1.4, contrast
    assert top[1] == "goldfish" and top[2] > 0.9, top

# %% [markdown]
# ## 3. Early versus deep layers
#
# In Olah et al.'s (2017) renders of GoogLeNet, early layers respond to colours and oriented
# edges, the middle of the network to textures, and deep layers to object parts (eyes, fur,
# wheels). Below, channel 3 of four blocks of EfficientNet-Lite0. What the renders show
# clearly is the **scale**: `blocks.1`'s image is a fine stripe pattern, `blocks.5`'s and
# `blocks.10`'s are repeated motifs a few times larger, and `blocks.15`'s no longer repeats
# one motif: it mixes shapes of many sizes. The **high-frequency share**
# (`cv.high_frequency_share`: the share of the image's energy above a quarter of the Nyquist
# frequency) falls block by block. Do not expect a nameable object part from one channel at
# this size: `blocks.15`'s render is a clutter of blob- and eye-like shapes with no clear
# object in it. Many deep channels respond
# to a mixture of things (Olah et al. 2017 call this *polysemantic*), and a 160-pixel render
# from 256 steps shows their texture better than their parts.

# %%
layers = ["blocks.1", "blocks.5", "blocks.10", "blocks.15"]
images = cv.maximize(clf, [f"{l}:3" for l in layers], size=SIZE, steps=STEPS, seed=0)
cv.plot.renderings(images, [f"{l} channel 3 ({cv.title_name(clf)})" for l in layers], cell=3)

# %%
hf = cv.high_frequency_share(images.tensor)
print("high-frequency share:", ", ".join(f"{l} {v:.2f}" for l, v in zip(layers, hf)))
if not cv.config.quick():
    assert hf[0] > hf[-1] + 0.2 and all(hf[i] > hf[i + 1] for i in range(3)), hf   # falls block by block

# %% [markdown]
# ## 4. Regularisers and the parametrisation
#
# Unregularised gradient ascent on raw pixels also climbs through high-frequency noise:
# pixel-level patterns that excite the channel but that no natural image contains (the
# same mechanism as an adversarial example). Three cures, each tried below on the same
# channel:
#
# - a penalty: total variation $R_{TV}(x)=\frac{1}{HW}\sum_{i,j}(x_{i,j+1}-x_{i,j})^2+(x_{i+1,j}-x_{i,j})^2$;
# - robustness: random jitter, scale and rotation every step (`transforms="standard"`);
# - a better parametrisation: optimise the Fourier spectrum, scaled by $1/f$, with colours
#   decorrelated by ImageNet's colour covariance (`param="fft"`, Olah et al. 2017).

# %%
import torch

target = obj.channel("blocks.8", 12)
variants = {
    "pixels, nothing": dict(param="pixel", transforms=None, objective=target),
    "pixels + TV (weight 300)": dict(param="pixel", transforms=None, objective=target - 300 * obj.total_variation()),
    "pixels + transforms": dict(param="pixel", transforms="standard", objective=target),
    "Fourier + transforms": dict(param="fft", transforms="standard", objective=target),
}
imgs = [cv.maximize(clf, size=SIZE, steps=STEPS, seed=0, **kw) for kw in variants.values()]
cv.plot.renderings(imgs, list(variants), cell=3)

# %% [markdown]
# In the raw-pixel image the channel's scale-like pattern is there, but under a layer of
# pixel-level colour noise (its high-frequency share is the largest of the four). A TV weight of 300 (the channel's
# mean activation is about 40, the TV of the raw image about 0.06) smooths it: its total
# variation falls several-fold while the channel still fires almost as strongly. Transforms
# make the pattern survive shifts, so it becomes cleaner (a lower high-frequency share than
# the raw image's); the Fourier
# parametrisation gives the cleanest image, with the smallest share of high spatial
# frequencies, for the same number of steps. The numbers:

# %%
tv = torch.cat([cv.optvis.objectives.tv(r.tensor) for r in imgs])
hf = cv.high_frequency_share(torch.cat([r.tensor for r in imgs]))
fires = [cv.activations(clf, clf.from_unit(r.tensor), "blocks.8")[0, 12].mean().item() for r in imgs]
for name, t, f, a in zip(variants, tv, hf, fires):
    print(f"{name:26s} TV {t:.4f}  high-frequency share {f:.2f}  channel {a:5.1f}")
if not cv.config.quick():
    assert tv[1] < 0.25 * tv[0] and hf[1] < hf[0] - 0.15 and fires[1] > 0.9 * fires[0]   # TV acts
    assert hf[2] < hf[0] and hf[3] == hf.min() and hf[0] == hf.max()

# %% [markdown]
# ## 5. A grid of channels, rendered as one batch
#
# `"blocks.8:0-7"` means channels 0 to 7 of `blocks.8`: image *i* maximises channel *i*, all
# eight in one forward and one backward pass per step (much faster than eight renders, see
# `benchmarks/bench_optvis.py`).

# %%
n = cv.config.pick(8, 4)  # quick mode renders fewer
grid = cv.maximize(clf, f"blocks.8:0-{n - 1}", size=cv.config.pick(128, 32), steps=STEPS, seed=0)
cv.plot.renderings(grid, [f"blocks.8 channel {i}" for i in range(n)], ncols=4, cell=2.6)

# %% [markdown]
# ## 6. Starting from a photo
#
# Start from a photo instead of noise and add an L2 penalty that keeps the result close to
# it: $\max_x h_{\ell,c}(T(x)) - \lambda \operatorname{mean}(x - x_0)^2$. The weight matters:
# the channel's activation is about 40 while a visible edit of the photo has a mean squared
# pixel change of about 0.001 to 0.01, so $\lambda$ must be in the thousands (here 3000)
# for the penalty to weigh against the channel at all; at $\lambda = 1$ it would cost
# almost nothing to paint over the whole photo. The figure shows the photo, the result, and what the
# optimisation added: the size of the change at each pixel (with its colour bar) and the
# signed change around grey.

# %%
from IPython.display import Markdown

cat = cv.sample_image("cat")
res = cv.maximize(clf, "blocks.8:12", size=SIZE, steps=STEPS, seed=0, param="pixel", image=cat, l2_weight=3000)
display(cv.plot.difference(res, title=f"{cv.title_name(clf)}: {res.description}"), Markdown(cv.credit("cat")))

# %% [markdown]
# The cat stays recognisable, with the channel's pattern painted over it. Compared with the
# same render started from noise (`pixels + transforms` in section 4): the result is many
# times closer to the photo, yet the channel, which barely responds to the photo itself,
# now fires at well over half the strength the noise start reached.

# %%
act = lambda x: cv.activations(clf, clf.from_unit(x), "blocks.8")[0, 12].mean().item()
from_noise = imgs[2].tensor   # section 4: same channel, pixels + transforms, same steps, from noise
dist = lambda x: (x - res.start).pow(2).mean().item()
print(f"mean squared distance to the photo: from the photo {dist(res.tensor):.4f}, from noise {dist(from_noise):.4f}")
print(f"channel 12: photo {act(res.start):.1f}, from the photo {act(res.tensor):.1f}, from noise {act(from_noise):.1f}")
assert act(res.tensor) > act(res.start) + cv.config.pick(10.0, 0.1)   # the channel objective rose
if not cv.config.quick():
    assert dist(res.tensor) < 0.1 * dist(from_noise) and act(res.tensor) > 0.5 * act(from_noise)

# %% [markdown]
# ## 7. Checks: the same seed gives the same image, and the channel really fires

# %% tags=["nbval-check-output"]
check_steps = cv.config.pick(64, 10)
a = cv.maximize(clf, "blocks.8:0", size=SIZE, steps=check_steps, seed=1, progress=False).tensor
b = cv.maximize(clf, "blocks.8:0", size=SIZE, steps=check_steps, seed=1, progress=False).tensor
act = lambda x: cv.activations(clf, clf.from_unit(x), "blocks.8")[0, 0].mean().item()
assert torch.equal(a, b) and cv.hook_count(clf) == 0
assert act(a) > act(torch.full_like(a, 0.5)) + 1.0, (act(a), act(torch.full_like(a, 0.5)))
print("same seed, same image; the rendered channel fires far above a grey image")

# %% [markdown]
# ## 8. Explore
#
# Choose a layer, a channel, the parametrisation and the number of steps, then press
# **render**. Try the same channel with `pixel` and `fft`; try channels of `blocks.1` and
# `blocks.15`.

# %%
cv.widgets.maximize_panel()


# %% [markdown]
# ### Exercise: total variation
#
# Write `total_variation(images)` for an `(N, C, H, W)` batch: for each image, the mean
# over channels and positions of $dx^2 + dy^2$, with forward differences
# `dx = x[..., :-1, 1:] - x[..., :-1, :-1]` and `dy = x[..., 1:, :-1] - x[..., :-1, :-1]`.

# %% tags=["exercise"]
def total_variation(images):
    raise NotImplementedError  # your code here


# %% tags=["exercise-check"]
cv.exercises.check_total_variation(total_variation)


# %% tags=["solution"]
def total_variation_solution(images):
    dx = images[..., :-1, 1:] - images[..., :-1, :-1]
    dy = images[..., 1:, :-1] - images[..., :-1, :-1]
    return (dx ** 2 + dy ** 2).flatten(1).mean(1)

assert cv.exercises.check_total_variation(total_variation_solution)

# %% [markdown]
# ### Think, then write
#
# The channel image repeats one pattern over the whole picture; the centre-neuron image
# draws it once, in the middle, fading towards the border rather than stopping at a sharp
# edge. Explain both from the objectives' gradients. What would the neuron image look
# like for a neuron of `blocks.1`, and for one of `blocks.15`?

# %% [markdown]
# *Your answer (double-click this cell to write):*

# %% [markdown]
# <details><summary><b>Model answer</b> (open it after writing yours)</summary>
#
# The channel objective is the mean over all positions, so every position contributes a
# gradient and the pattern grows everywhere. A single unit depends only on the pixels in
# its receptive field, so pixels outside get exactly zero gradient and stay as they started
# (the regularisers keep them flat). Inside, the gradient is not uniform: the *effective*
# receptive field is roughly Gaussian (Luo et al. 2016, "Understanding the Effective
# Receptive Field"), centre pixels reach the unit through many more paths than border
# pixels, so the pattern fades out. A `blocks.1` neuron sees a few pixels: a tiny patch in
# the middle of a flat image. A `blocks.15` neuron sees almost the whole image: the picture
# fills most of the frame, with object-part-like structure.
#
# </details>

# %% [markdown]
# ## What next
#
# Notebook 03 turns the question around once more: instead of the image a channel
# *wants*, the image that gives the *same activations* as a photo, layer by layer.
