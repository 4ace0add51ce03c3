# ---
# jupyter:
#   cnnviz:
#     title: What does a neuron want to see? Activation maximisation
#     goals:
#     - render the image that maximally excites a neuron, a channel or a class
#     - 'compare early and deep layers: edges and colours versus textures and object parts'
#     - see what total variation, random transforms and the Fourier parametrisation with decorrelated
#       colour change, and what an L2 penalty does when the render starts from a photo
#     - render many channels at once as one batch, and start from a photo
#     - know how feature visualisation misleads (pitfalls) and how to use it on your own model
#     prerequisites: notebook 00 (layers, channels, hooks) and notebook 01 (gradients of a score with respect
#       to the input).
#     runtime:
#       cpu: 3 minutes
#       gpu: 30 seconds
#     papers:
#     - Erhan et al., *Visualizing Higher-Layer Features of a Deep Network*, 2009
#     - Simonyan et al., *Deep Inside Convolutional Networks*, ICLR workshop 2014
#     - Olah, Mordvintsev & Schubert, *Feature Visualization*, Distill 2017
#     - Mahendran & Vedaldi, *Understanding Deep Image Representations by Inverting Them*, CVPR 2015
#     - Yosinski et al., *Understanding Neural Networks Through Deep Visualization*, ICML workshop 2015
#     - Nguyen, Yosinski & Clune, *Deep Neural Networks are Easily Fooled*, CVPR 2015
#     - Luo et al., *Understanding the Effective Receptive Field in Deep Convolutional Neural Networks*, NeurIPS 2016
#     - Nguyen, Yosinski & Clune, *Multifaceted Feature Visualization*, ICML workshop 2016
#     - 'Olah et al., *Zoom In: An Introduction to Circuits*, Distill 2020'
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
#
# The model is EfficientNet-Lite0 trained on ImageNet-1k (the weights ship with the
# package). **Settings, unless a cell says otherwise:** a 160-pixel image, 256 steps of Adam
# at learning rate 0.05, the Fourier parametrisation with decorrelated colours
# (`param="fft"`, section 4), the standard random transforms (pad, jitter, scale, rotate)
# and no penalty ($\lambda = 0$).

# %%
clf = cv.load_model(device=DEVICE)
SIZE, STEPS = cv.config.pick(160, 32), cv.config.pick(256, 10)
res = cv.maximize(clf, "blocks.8:12", size=SIZE, steps=STEPS, seed=0)   # a Rendering: .image, .tensor, .history
cv.plot.renderings(res, [f"{cv.title_name(clf)}: blocks.8 channel 12"], cell=3.5)

# %%
cv.plot.score_history(res.history, title="blocks.8 channel 12: mean activation per step\n(on that step's randomly transformed image)")

# %% [markdown]
# The score is the channel's mean activation on the image *as transformed at that step*.
# It climbs quickly and then flattens: most of the gain comes in the first quarter of the
# steps (checked below). The step-to-step jitter comes from the random shift, scale and
# rotation drawn at each step, and so does a final value a little below what the finished
# image scores untransformed (section 4 prints that). The optimisation has found an image
# that drives the channel strongly under this prior, one pattern repeated everywhere (a
# channel objective averages over all positions). Read it as a texture, not as an object;
# whether the channel responds to this pattern in *photos* is another question (section 7).

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
# The neuron draws its pattern in the middle and leaves the border much flatter and greyer;
# the channel repeats it everywhere (the middle panel is the render of section 1 again).
# Why the neuron's pattern fades is **not** a hard receptive-field edge: the *theoretical*
# receptive field of a `blocks.8` unit (every pixel it depends on at all) is about 211
# pixels, larger than this 160-pixel image (measured below with `cv.optvis.receptive_field`),
# so every pixel gets some gradient, and the Fourier parametrisation and the random
# transforms spread it further. What fades is the *effective* receptive field (Luo et al.
# 2016): centre pixels reach the unit through many more paths than outer ones, so the
# gradient, and with it the pattern, falls off smoothly from the middle.
#
# The class image is **not a photograph of a goldfish**: one fish-like body (orange head,
# green scaly flank) in the middle and fin- and scale-like fragments in orange and
# yellow-green elsewhere, in a grey-blue texture. The network calls it a goldfish with near
# certainty, which is no surprise: the image was optimised for exactly that logit. We
# maximise the *logit*, not the softmax probability, because the probability can also be
# raised by pushing the other classes down (Simonyan et al. 2014). Simonyan et al.'s class
# images show recognisable object parts scattered over the frame in several copies, much
# like this one; Nguyen et al. (2015) pushed further and found images that are pure noise or
# stripes to us yet get over 99% for a class ("fooling images"). The numbers: the spread of
# pixel values in the central half of each side (rows and columns $H/4$ to $3H/4$, a quarter of
# the area) over the spread around it (`cv.optvis.centre_contrast`), and what the network
# calls the class image.

# %%
contrast = cv.optvis.centre_contrast(images.tensor)
print(f"centre / border contrast: neuron {contrast[0]:.1f}, channel {contrast[1]:.1f}")
top = clf.predict(clf.from_unit(images.tensor[2:3]))[0]
print(f"the class image is classified as {top[1]} ({top[2]:.0%})")
if not cv.config.quick():
    assert contrast[0] > 1.8 and 0.7 < contrast[1] < 1.4, contrast
    assert top[1] == "goldfish" and top[2] > 0.9, top
rf = {l: cv.optvis.receptive_field(clf, l, size=1024) for l in ["blocks.1", "blocks.4", "blocks.8", "blocks.15"]}
print("theoretical receptive field (pixels):", ", ".join(f"{l} {v}" for l, v in rf.items()), f"; image {SIZE}")
assert rf["blocks.8"] > SIZE and rf["blocks.1"] < rf["blocks.4"] < rf["blocks.8"] < rf["blocks.15"]

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
# frequency) falls from block to block, *for this channel and these four blocks* (one
# channel, one seed: a trend to check on more channels, not a law). `blocks.15`'s render
# holds eye- and face-like fragments among blobs, but no whole object. Many deep channels
# respond to a mixture of unrelated things (*polysemantic* units, Olah et al. 2020, "Zoom In";
# Olah et al. 2017 describe them as "strange mixtures of ideas"), and a `blocks.15` unit's
# theoretical receptive field (printed above, about 850 pixels) is over five times this image:
# a 160-pixel render shows such a channel's textures and fragments better than whole objects.

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
# - a penalty: the squared total variation (Mahendran & Vedaldi's $V^\beta$ with $\beta = 2$),
#   $R_{TV}(x)=\frac{1}{C(H-1)(W-1)}\sum_{c,i,j}\big[(x_{c,i,j+1}-x_{c,i,j})^2+(x_{c,i+1,j}-x_{c,i,j})^2\big]$;
# - robustness: random jitter, scale and rotation every step (`transforms="standard"`,
#   Yosinski et al. 2015 used jitter, blur and L2 decay in the same spirit);
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
# frequencies, for the same number of steps. **The price:** both transform variants make the
# channel fire about 30% *less* on the untransformed image than the raw-pixel render does
# (they optimise the average over random shifts, not this one image). Cleaner is not
# stronger. The numbers (the channel column is the mean activation on the untransformed image):

# %%
tv = torch.cat([cv.optvis.objectives.tv(r.tensor) for r in imgs])
hf = cv.high_frequency_share(torch.cat([r.tensor for r in imgs]))
fires = [cv.activations(clf, clf.from_unit(r.tensor), "blocks.8")[0, 12].mean().item() for r in imgs]
for name, t, f, a in zip(variants, tv, hf, fires):
    print(f"{name:26s} TV {t:.4f}  high-frequency share {f:.2f}  channel {a:5.1f}")
if not cv.config.quick():
    assert tv[1] < 0.25 * tv[0] and hf[1] < hf[0] - 0.15 and fires[1] > 0.9 * fires[0]   # TV acts
    assert hf[2] < hf[0] and hf[3] == hf.min() and hf[0] == hf.max()
    assert max(fires[2], fires[3]) < 0.85 * fires[0]   # the price of transforms: weaker on the plain image

# %% [markdown]
# ## 5. A grid of channels, rendered as one batch
#
# `"blocks.8:0-7"` means channels 0 to 7 of `blocks.8`: image *i* maximises channel *i*, all
# eight in one forward and one backward pass per step. The images are 128 pixels here (not
# 160) to keep the eight-image batch quick.
#
# **What to look at:** the eight channels of one layer draw motifs of roughly similar size
# (scales, arcs, stripes a few tens of pixels across) but differ in colour, orientation and
# shape: each channel of a layer is a different detector at about the same scale.

# %%
n = cv.config.pick(8, 4)  # quick mode renders fewer
grid = cv.maximize(clf, f"blocks.8:0-{n - 1}", size=cv.config.pick(128, 32), steps=STEPS, seed=0)
cv.plot.renderings(grid, [f"blocks.8 channel {i}" for i in range(n)], ncols=4, cell=2.6)

# %% [markdown]
# ## 6. Starting from a photo
#
# Start from a photo instead of noise and add an L2 penalty (a mean squared difference)
# that keeps the result close to it:
# $\max_x h_{\ell,c}(T(x)) - \lambda \operatorname{mean}\big((x - x_0)^2\big)$. The weight
# matters: the channel's activation is about 40 for the raw-pixel render and about 28 with
# transforms (section 4), while a visible edit of the photo has a mean squared pixel change
# of about 0.001 to 0.01, so $\lambda$ must be in the thousands (here 3000) for the penalty
# to weigh against the channel at all; at $\lambda = 1$ it would cost almost nothing to
# paint over the whole photo. The image is optimised as raw pixels (`param="pixel"`) so that
# the start is the photo itself, pixel for pixel, and the penalty acts on those pixels;
# transforms as usual. The figure shows the photo, the result, and what the optimisation
# added: the size of the change at each pixel (with its colour bar) and the signed change
# around grey.

# %%
from IPython.display import Markdown

cat = cv.sample_image("cat")
res = cv.maximize(clf, "blocks.8:12", size=SIZE, steps=STEPS, seed=0, param="pixel", image=cat, l2_weight=3000)
display(cv.plot.difference(res, title=f"{cv.title_name(clf)}: {res.description}"), Markdown(cv.credit("cat")))

# %% [markdown]
# The cat stays recognisable, with the channel's pattern painted over it. The fair
# comparison is the same start from the photo *without* the penalty ($\lambda = 0$): the
# penalty keeps the result twenty times closer to the photo (mean squared distance 0.0016
# against 0.0326) for about a quarter less activation (20.7 against 27.4); the channel,
# which does not respond to the photo itself (-0.3), fires at three quarters of the strength
# a render from noise (`pixels + transforms`, section 4: 27.2) reaches.

# %%
act = lambda x: cv.activations(clf, clf.from_unit(x), "blocks.8")[0, 12].mean().item()
free = cv.maximize(clf, "blocks.8:12", size=SIZE, steps=STEPS, seed=0, param="pixel", image=cat).tensor  # lambda = 0
from_noise = imgs[2].tensor   # section 4: same channel, pixels + transforms, same steps, from noise
dist = lambda x: (x - res.start).pow(2).mean().item()
print(f"mean squared distance to the photo: lambda 3000 {dist(res.tensor):.4f}, lambda 0 {dist(free):.4f}, "
      f"from noise {dist(from_noise):.4f}")
print(f"channel 12: photo {act(res.start):.1f}, lambda 3000 {act(res.tensor):.1f}, lambda 0 {act(free):.1f}, "
      f"from noise {act(from_noise):.1f}")
assert act(res.tensor) > act(res.start) + cv.config.pick(10.0, 0.1)   # the channel objective rose
if not cv.config.quick():
    assert dist(res.tensor) < 0.5 * dist(free) and act(res.tensor) > 0.5 * act(from_noise)

# %% [markdown]
# ## 7. Pitfalls: how feature visualisation misleads
#
# - **A render is not what the unit detects in photos.** It is *an* image that drives the
#   unit under one prior. To know what the unit responds to in data, look at the natural
#   images (or patches) that activate it most, the *dataset examples* Olah et al. (2017) put
#   next to every render; this notebook shows no data set, so keep its renders as hypotheses.
# - **Far outside the natural range.** Channel 12 gives about 0 on the cat photo and about
#   40 on its raw-pixel render (printed in sections 4 and 6): renders live where photos never go.
# - **The prior decides the picture.** Section 4 gave four different images of one channel.
# - **One render hides the other facets.** Different seeds give different images of the same
#   channel (the numbers below); a unit may respond to several unrelated things (Nguyen et al. 2016 render
#   several facets; Olah et al. 2017 add a diversity term).
# - **Class images are optimised, not recognised.** Near 100% for "goldfish" says that the
#   logit was maximised, not that the image looks like a goldfish (fooling images).
#
# **On your own model:** list the layers with `cv.layer_names(model)`, start with a channel
# objective, `param="fft"` and the standard transforms, check that the score climbs, then
# compare two seeds and, above all, dataset examples.

# %%
other = cv.maximize(clf, "blocks.8:12", size=SIZE, steps=STEPS, seed=1)
display(cv.plot.renderings([imgs[3], other], ["blocks.8 channel 12, seed 0 (as in section 1)", "blocks.8 channel 12, seed 1"], cell=3.4))
act = lambda x: cv.activations(clf, clf.from_unit(x), "blocks.8")[0, 12].mean().item()
print(f"mean squared pixel difference between the two seeds: {(imgs[3].tensor - other.tensor).pow(2).mean():.4f}")
print(f"channel 12: seed 0 {act(imgs[3].tensor):.1f}, seed 1 {act(other.tensor):.1f}, "
      f"grey image {act(torch.full_like(other.tensor, 0.5)):.1f}, cat photo {act(res.start):.1f}")

# %% tags=["check"]
# pitfalls checked: seeds differ but both fire far above grey and the photo; same seed, same image; no hook left
assert (imgs[3].tensor - other.tensor).abs().mean() > 0.02
if not cv.config.quick():
    assert min(act(imgs[3].tensor), act(other.tensor)) > act(res.start) + 5.0
check_steps = cv.config.pick(16, 4)
a, b = (cv.maximize(clf, "blocks.8:0", size=32, steps=check_steps, seed=1, progress=False).tensor for _ in range(2))
assert torch.equal(a, b) and cv.hook_count(clf) == 0

# %% [markdown]
# **Reading the numbers:** the seed-1 render differs from the seed-0 render (mean squared
# pixel difference 0.05, as large as a render from noise is from the cat photo, 0.06), yet both
# drive the channel equally (27.8 and 28.4), far above a grey image (6.6) and the photo
# (-0.3). Render two or three seeds before describing what a unit "wants".

# %% [markdown]
# ## 8. Explore
#
# Choose a layer, a channel, the parametrisation and the number of steps, then press
# **render**. Try the same channel with `pixel` and `fft`; try channels of `blocks.1` and
# `blocks.15`. The panel needs a live kernel (run the notebook); a static copy shows only its
# first picture.

# %%
cv.widgets.maximize_panel(layer="blocks.8")


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
cv.exercises.check_total_variation(total_variation);


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
# gradient and the pattern grows everywhere. A single unit's gradient is not uniform over
# the image: its *theoretical* receptive field (about 211 pixels at `blocks.8`) covers the
# whole 160-pixel image, but its *effective* receptive field is roughly Gaussian (Luo et al.
# 2016): centre pixels reach the unit through many more paths than outer ones, so they get
# most of the gradient and the pattern fades towards the border (the Fourier
# parametrisation and the random transforms blur any edge further). A `blocks.1` neuron's
# receptive field is 11 pixels: with raw pixels and no transforms, a tiny patch in the
# middle and exactly zero gradient (an untouched start) everywhere else. A `blocks.15`
# neuron's is about 850 pixels, over five times the image: the pattern fills the whole frame,
# still weighted towards the middle, with the textures and fragments of section 3 rather
# than a whole object.
#
# </details>

# %% [markdown]
# ## Summary
#
# - Activation maximisation climbs the gradient of a unit's activation with respect to the
#   image; a channel objective gives a repeated texture, a centre neuron a pattern that fades
#   with the effective receptive field, a class logit scattered object fragments.
# - Motifs grow with depth, with the receptive field (11 pixels at `blocks.1`, about 850 at `blocks.15`).
# - Without a prior the image fills with high-frequency noise; total variation, transforms and
#   the decorrelated Fourier parametrisation clean it, transforms at some cost in activation.
# - A render is a hypothesis about a unit, not its meaning: check it against dataset
#   examples and several seeds before you name a unit.

# %% [markdown]
# ## What next
#
# Notebook 03 turns the question around once more: instead of the image a channel
# *wants*, the image that gives the *same activations* as a photo, layer by layer.
