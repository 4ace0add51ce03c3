# ---
# jupyter:
#   cnnviz:
#     title: What does a neuron want to see? Activation maximisation
#     goals:
#     - render the image that maximally excites a neuron, a channel or a class
#     - 'compare early and deep layers: edges and colours versus textures and object parts'
#     - see what total variation, random transforms and the Fourier parametrisation (with and without
#       decorrelated colours) change, and what an L2 penalty does when the render starts from a photo
#     - render many channels at once as one batch
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
#     - Odena, Dumoulin & Olah, *Deconvolution and Checkerboard Artifacts*, Distill 2016
#     - 'Sandler et al., *MobileNetV2: Inverted Residuals and Linear Bottlenecks*, CVPR 2018'
#     - Nguyen, Yosinski & Clune, *Multifaceted Feature Visualization*, ICML workshop 2016
#     - 'Olah et al., *Zoom In: An Introduction to Circuits*, Distill 2020'
#     - 'Mordvintsev, Olah & Tyka, *Inceptionism: Going Deeper into Neural Networks*, Google Research blog 2015'
#     - Szegedy et al., *Intriguing Properties of Neural Networks*, ICLR 2014
#     - 'Bau et al., *Network Dissection: Quantifying Interpretability of Deep Visual Representations*, CVPR 2017'
#     - Adebayo et al., *Sanity Checks for Saliency Maps*, NeurIPS 2018
#     - 'Borowski et al., *Exemplary Natural Images Explain CNN Activations Better than State-of-the-Art Feature Visualization*, ICLR 2021'
#     - Zimmermann et al., *How Well do Feature Visualizations Support Causal Understanding of CNN Activations?*, NeurIPS 2021
#     - 'Geirhos et al., *Don''t Trust Your Eyes: On the (Un)reliability of Feature Visualizations*, 2023'
# ---

# %% [markdown]
# ## 1. The idea
#
# Attribution asks which pixels of *this* image matter. Activation maximisation asks the
# reverse: which image would excite a unit most? Erhan et al. (2009) answered it by gradient
# ascent in input space; what `cv.maximize` optimises is
#
# $$x^\star = x(\theta^\star),\qquad \theta^\star = \arg\max_\theta \; \mathbb{E}_T\big[h_{\ell,c}\big(T(x(\theta))\big)\big] - \lambda\,R\big(x(\theta)\big),$$
#
# where $h_{\ell,c}$ is the mean activation of channel $c$ of layer $\ell$ (or one neuron,
# or a class logit), $T$ a random jitter/scale/rotation, $R$ a regulariser, and $x(\theta)$
# the image made from the optimised numbers $\theta$: the pixels themselves, or a Fourier
# spectrum turned into an image by an inverse FFT and a colour decorrelation (section 4).
# Each step draws one $T$, so the gradient is a one-sample estimate of the expectation.
# `cv.maximize` runs this loop with the model frozen and its hooks removed afterwards.
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
cv.plot.score_history(res.history, title="blocks.8 channel 12: mean activation per step\n(on that step's randomly transformed image)",
                      smooth=10, mark_step=STEPS // 4)

# %% [markdown]
# The score (the figure's y axis, "score") is channel 12's mean activation on the image *as
# transformed at that step*. The solid line, the running mean of 10 steps, starts at step 9,
# the first step with 10 scores behind it. The score climbs quickly, then keeps rising
# slowly: more than half of the gain comes before the dashed line, in the first quarter of
# the steps (printed below, read off the solid line where it meets the dashed line). The
# step-to-step jitter comes from the random shift, scale and rotation drawn at each step;
# averaged over the last 10 steps the score stays below what the finished image scores
# untransformed (both printed below; the same image is the panel "Fourier + transforms" of
# section 4). The optimisation has found an image
# that drives the channel strongly under this prior, one pattern repeated everywhere (a
# channel objective averages over all positions). Read it as a texture, not as an object;
# whether the channel responds to this pattern in *photos* is another question (section 7).

# %%
h = res.history[:, 0]
q = len(h) // 4   # the running mean of 10 steps at the dashed line, as drawn in the figure
quarter, last10 = h[max(0, q - 9):q + 1].mean().item(), h[-10:].mean().item()
plain = cv.activations(clf, clf.from_unit(res.tensor), "blocks.8")[0, 12].mean().item()
print(f"score: start {h[0].item():.1f}, after a quarter of the steps {quarter:.1f} (running mean of 10), "
      f"mean of the last 10 steps {last10:.1f}; finished image, untransformed: {plain:.1f}")
print(f"share of the climb done in the first quarter: {(quarter - h[0].item()) / (last10 - h[0].item()):.0%}")

# %% tags=["check"]
# the score climbs, mostly in the first quarter, and ends below the untransformed score
assert h[-1] > h[0] + cv.config.pick(10.0, 0.5)
if not cv.config.quick():
    assert quarter - h[0].item() > 0.5 * (last10 - h[0].item()) and last10 < plain

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
import torch
from cnnviz_lab import objectives as obj

goals = [obj.neuron("blocks.8", 12), obj.channel("blocks.8", 12), obj.class_logit("goldfish")]
neuron = cv.maximize(clf, goals[0], size=SIZE, steps=STEPS, seed=0)   # stops at blocks.8
fish = cv.maximize(clf, goals[2], size=SIZE, steps=STEPS, seed=0)     # runs the whole network
images = torch.cat([neuron.tensor, res.tensor, fish.tensor])   # the channel: section 1's render
cv.plot.renderings(images, [f"{g.describe()}\n({cv.title_name(clf)})" for g in goals], cell=3.4)

# %% [markdown]
# **Neuron versus channel.** The neuron does not draw the channel's scale once: it draws a
# *related* motif (arcs with the same dotted fill, in more colours) concentrated in the
# middle, and leaves the border much flatter and greyer; the channel repeats its scale
# everywhere (the middle panel is the render of section 1 again, not recomputed). Why the
# neuron's pattern fades:
#
# - **Not a hard receptive-field edge.** The *theoretical* receptive field of a `blocks.8`
#   unit (every pixel it depends on at all) is about 211 pixels (printed below,
#   `cv.optvis.receptive_field`), larger than this 160-pixel image: every pixel gets some gradient.
# - **The effective receptive field** (Luo et al. 2016): centre pixels reach the unit through
#   many more paths than outer ones, so the gradient, and with it the pattern, falls off
#   smoothly from the middle (the figure after the numbers).
# - **The settings blur it further:** the random shifts, scales and rotations move the unit's
#   window around the image, and every Fourier coefficient touches every pixel (the model
#   answer at the end compares neuron renders with and without them).

# %% [markdown]
# **The class image is not a photograph of a goldfish:** orange-red shapes at the left and
# right edges, the left one with a dark, eye-like spot ringed in orange and blue, the right
# one striped like a fin, and more orange, blue and green fragments, on a pebbly grey
# texture. The network calls it a goldfish with near certainty (printed below),
# which is no surprise: the image was optimised for exactly that logit.
#
# - We maximise the *logit*, not the softmax probability. The usual reason: the probability
#   can also be raised by pushing the other classes down (Simonyan et al. 2014). Olah et al.
#   (2017) call this the standard explanation and offer another: it may simply be harder to
#   optimise through the softmax. Either way, they report better images from logits.
# - Simonyan et al.'s class images show recognisable object parts scattered over the frame in
#   several copies, much like this one; Nguyen et al. (2015) found images that are pure noise
#   or stripes to us yet get over 99% for a class ("fooling images").

# %% [markdown]
# The numbers: the spread of pixel values in the central half of each side (rows and columns
# $H/4$ to $3H/4$, a quarter of the area) over the spread around it
# (`cv.optvis.centre_contrast`), what the network calls the class image, and the theoretical
# receptive fields of five blocks (section 3 renders `blocks.5`, not `blocks.4`; its field,
# not printed, lies between `blocks.4`'s and `blocks.8`'s). Why the render size in the last
# line matters: section 7's pitfalls.

# %%
contrast = cv.optvis.centre_contrast(images)
print(f"centre / border contrast: neuron {contrast[0]:.1f}, channel {contrast[1]:.1f}")
top = clf.predict(clf.from_unit(images[2:3]))[0]
print(f"the class image is classified as {top[1]} ({top[2]:.0%})")
rf = {l: cv.optvis.receptive_field(clf, l, size=1024 if l == "blocks.15" else 512)   # a canvas larger than the field
      for l in ["blocks.1", "blocks.4", "blocks.8", "blocks.10", "blocks.15"]}
print("theoretical receptive field (pixels):", ", ".join(f"{l} {v}" for l, v in rf.items()))
print(f"(the renders are {SIZE} pixels; the network was trained on 224-pixel images)")

# %% tags=["check"]
# the neuron image is concentrated in the middle, the channel image is not; the class image is a goldfish
if not cv.config.quick():
    assert contrast[0] > 1.8 and 0.7 < contrast[1] < 1.4, contrast
    assert top[1] == "goldfish" and top[2] > 0.9, top
assert rf["blocks.8"] > SIZE and rf["blocks.1"] < rf["blocks.4"] < rf["blocks.8"] < rf["blocks.10"] < rf["blocks.15"]
assert rf["blocks.15"] > 2 * rf["blocks.10"] > 2 * 224

# %% [markdown]
# The effective receptive field, measured: $|\partial h / \partial x|$ of the centre unit of
# channel 12, averaged over four random inputs (`cv.optvis.effective_receptive_field`), beside
# the neuron's render. The gradient is a bright blob a few tens of pixels wide in the middle
# that fades smoothly, with no edge, long before the 211-pixel theoretical field ends: one
# cause of the render's fading (measured on noise inputs, in pixel space and without
# transforms, as in Luo et al.; the gradient at the render itself can differ, and the
# render's transforms and Fourier parametrisation add their own blur). The map is
# normalised so that its largest value is 1; the colours saturate at its 99th percentile
# (0.22, the top of the colour bar). One number for its size (`cv.optvis.effective_radius`):
# the radius of the disc, around the map's centre of mass, that holds half of it (in the
# right panel's title).

# %%
erf = cv.optvis.effective_receptive_field(clf, "blocks.8", 12, size=SIZE, samples=4)
inner = erf[SIZE // 4:-(SIZE // 4), SIZE // 4:-(SIZE // 4)].sum() / erf.sum()
r8 = cv.optvis.effective_radius(erf)   # pixels
cv.plot.receptive_map(images[0], erf, ["centre neuron of blocks.8 channel 12 (render)",
                      f"|dh/dx| of that unit, mean of 4 noise inputs\n({inner:.0%} of it in the central quarter of the area;\n"
                      f"half of it within {r8:.0f} pixels of its centre)"])

# %% tags=["check"]
# most of the centre unit's gradient falls in the central quarter of the image
if not cv.config.quick():
    assert inner > 0.5 and 15 < r8 < 45, (inner, r8)

# %% [markdown]
# ## 3. Early versus deep layers
#
# Olah et al. (2017) render GoogLeNet layer by layer as a progression: edges, then textures,
# then patterns, then object parts, then objects in deep layers. Below, channel 3
# of four blocks of EfficientNet-Lite0: a smaller network, rendered at 160 pixels, one
# channel per block, which need not reproduce that progression.
#
# - **What these renders show clearly is scale:** `blocks.1`'s image is a fine stripe
#   pattern, `blocks.5`'s bands are larger, `blocks.10`'s scales (some 40 to 60 pixels) about
#   twice as large again; `blocks.15`'s no longer repeats one motif: it mixes shapes of many
#   sizes, with ring- and eye-like shapes among blobs. Whether any of it is an object part is
#   a hypothesis to test with dataset examples (section 7), not something to read off the render.
# - **The high-frequency share** (`cv.high_frequency_share`) puts a number on it: each colour
#   channel's mean is removed, the three channels' Fourier power is summed, and the share is
#   the part of that power at frequencies above a quarter of the Nyquist frequency along
#   either axis. It is a ratio, so contrast does not matter (a greyer copy of the same pattern
#   scores the same). It falls from block to block *for this channel and these four blocks*
#   (one channel per block, one seed: a trend to check on more channels, not a law).
# - Many deep channels respond to a mixture of unrelated things (*polysemantic* units, Olah et
#   al. 2020, "Zoom In"; Olah et al. 2017 describe them as "strange mixtures of ideas").
#   Channel 3 of different stages is an unrelated unit. Within a stage, residual connections
#   keep channel indices aligned: `blocks.8` starts a 112-channel stream and `blocks.9` and
#   `blocks.10` add their outputs to it. That is most likely why `blocks.10` channel 3
#   resembles `blocks.8` channel 3 in section 5 (a resemblance judged by eye, not measured).

# %%
layers = ["blocks.1", "blocks.5", "blocks.10", "blocks.15"]
images = cv.maximize(clf, [f"{l}:3" for l in layers], size=SIZE, steps=STEPS, seed=0)
cv.plot.renderings(images, [f"{l} channel 3 ({cv.title_name(clf)})" for l in layers], cell=3)

# %%
hf = cv.high_frequency_share(images.tensor)
print("high-frequency share:", ", ".join(f"{l} {v:.2f}" for l, v in zip(layers, hf)))

# %% tags=["check"]
# the high-frequency share falls block by block for this channel, and barely from blocks.10 to blocks.15
if not cv.config.quick():
    assert hf[2] - hf[3] < 0.1, hf
    assert hf[0] > hf[-1] + 0.2 and all(hf[i] > hf[i + 1] for i in range(3)), hf   # falls block by block

# %% [markdown]
# **The motif does not scale with the theoretical receptive field:** from `blocks.10` to
# `blocks.15` that field grows from about 340 to about 850 pixels (section 2), yet the
# high-frequency share hardly moves, and no motif can be 850 pixels wide in a 160-pixel image.
# A field larger than the 224-pixel training images is mostly padding the unit never saw filled.
#
# **Predict, then run:** does the *effective* receptive field (section 2) follow the motif
# instead? Guess, for the centre unit of each of the four channels, the radius that holds
# half of its $|\partial h/\partial x|$ (`blocks.8`: the number in section 2's figure), then run.

# %%
radius = {l: cv.optvis.effective_radius(cv.optvis.effective_receptive_field(clf, l, 3, size=SIZE, samples=4))
          for l in layers}
print("radius holding half of |dh/dx| of the centre unit of channel 3 (pixels):",
      ", ".join(f"{l} {r:.0f}" for l, r in radius.items()))

# %% [markdown]
# <details><summary><b>Model answer</b> (open it after predicting)</summary>
#
# The effective field grows at every step (printed above). Up to `blocks.10` it grows with
# the motif. From `blocks.10` to `blocks.15` it still nearly doubles (29 to 52 pixels), while the
# high-frequency share hardly moves and the render stops repeating one motif. So on these
# four channels the effective field follows the motif far better than the theoretical one,
# but it does not set the motif on its own. Caveats: it is measured for one unit on noise
# inputs without the render's transforms, and `blocks.15`'s field is cut by the 160-pixel
# canvas (the radius holds half of what falls inside it).
#
# </details>

# %% tags=["check"]
# the effective field grows block by block, and still clearly from blocks.10 to blocks.15
if not cv.config.quick():
    r = list(radius.values())
    assert all(r[i] < r[i + 1] for i in range(3)) and r[3] > 1.3 * r[2], r

# %% [markdown]
# ## 4. Regularisers and the parametrisation
#
# Unregularised gradient ascent on raw pixels also climbs through high-frequency noise:
# pixel-level patterns that excite the channel but that no natural image contains, closely
# related to adversarial examples (Olah et al. 2017). Three cures, each tried below on the
# same channel:
#
# - a penalty, an image prior: the squared total variation (Mahendran & Vedaldi's $V^\beta$
#   with $\beta = 2$),
#   $R_{TV}(x)=\frac{1}{C(H-1)(W-1)}\sum_{c,i,j}\big[(x_{c,i,j+1}-x_{c,i,j})^2+(x_{c,i+1,j}-x_{c,i,j})^2\big]$;
#   Yosinski et al. (2015) used priors of the same kind: L2 decay, Gaussian blur and
#   clipping of weak pixels;
# - robustness: random transforms at every step (`transforms="standard"`: pad 12 pixels,
#   jitter up to 8, scale 0.9 to 1.1, rotate up to 10 degrees, jitter up to 4). Jitter was
#   already used in Mordvintsev et al.'s DeepDream ("Inceptionism", 2015); Olah et al. 2017
#   use jitter, scaling and rotation together ("transformation robustness");
# - a better parametrisation: optimise the Fourier spectrum, scaled by $1/f$, with colours
#   decorrelated by ImageNet's colour covariance (`param="fft"`, Olah et al. 2017).

# %% [markdown]
# **Why the noise forms** is not fully understood; Olah et al. (2017) say so themselves. Two
# parts of the explanation:
#
# - strided convolutions and pooling give the gradient checkerboard-like, high-frequency
#   patterns (Odena et al. 2016, cited by Olah et al.); EfficientNet-Lite0 has stride-2
#   convolutions too;
# - a heuristic about the optimiser: Adam normalises each pixel's step to about the same size.
#   Where the gradient's sign changes from pixel to pixel (as strided convolutions make it
#   do), the step becomes close to white noise of equal size everywhere, so high frequencies,
#   the most numerous directions, get as much of it as low ones. Adam only spreads the noise
#   evenly; it does not cause it: plain gradient ascent (Erhan et al. 2009, Simonyan et al.
#   2014) shows the noise too.
#
# **Why a parametrisation changes the result of the *same* objective:** gradient ascent is
# not coordinate-free. With Adam (steps in $\theta$ about equal in every coordinate), scaling
# each Fourier coefficient by $1/f$ makes the image's step fall off as $1/f$, like a natural
# image's spectrum (under plain gradient ascent the image's step would be the pixel gradient
# filtered by $1/f^2$): a *preconditioner* that steers the climb towards smooth images (Olah
# et al. 2017, "Preconditioning and parameterization"). Decorrelating the colours does the
# same for the three colour channels. The fifth variant keeps the Fourier parametrisation but
# optimises plain RGB (`param="fft-rgb"`). Each title gives the image's high-frequency share
# (hf) and the channel's mean activation on the untransformed image.

# %%
target = obj.channel("blocks.8", 12)
variants = {
    "pixels, nothing": dict(param="pixel", transforms=None, objective=target),
    "pixels + TV (weight 300)": dict(param="pixel", transforms=None, objective=target - 300 * obj.total_variation()),
    "pixels + transforms": dict(param="pixel", transforms="standard", objective=target),
    "Fourier + transforms": dict(param="fft", transforms="standard", objective=target),
    "Fourier, plain RGB, + transforms": dict(param="fft-rgb", transforms="standard", objective=target),
}
imgs = [cv.maximize(clf, size=SIZE, steps=STEPS, seed=0, **kw) for kw in variants.values()]
hf = cv.high_frequency_share(torch.cat([r.tensor for r in imgs]))
fires = [cv.activations(clf, clf.from_unit(r.tensor), "blocks.8")[0, 12].mean().item() for r in imgs]
cv.plot.renderings(imgs, [f"{n}\nhf {f:.2f}, channel {a:.1f}" for n, f, a in zip(variants, hf, fires)], ncols=5, cell=2.6)

# %% [markdown]
# **Reading the five images** (the numbers are printed below; the channel column is the mean
# activation on the untransformed image):
#
# - **Raw pixels:** the channel's scale-like pattern is there, but under a layer of
#   pixel-level colour noise (the largest high-frequency share of the five).
# - **TV weight 300** (the channel's mean activation is about 39, the TV of the raw image
#   about 0.06, so 300 makes the two comparable): the total variation falls about tenfold
#   (printed below) while the channel still fires almost as strongly.
# - **Transforms** make the pattern survive shifts, so it becomes cleaner (a lower
#   high-frequency share than the raw image's).
# - **Fourier, decorrelated colours:** the cleanest image, with the smallest share of high
#   spatial frequencies, for the same number of steps.
# - **Fourier, plain RGB** (last panel): the same scales under saturated rainbow-coloured
#   pixel noise, with a much larger high-frequency share (0.40 against 0.23) at about the
#   same activation (26.9 against 27.8): the colour decorrelation removes that noise. Compared
#   with "pixels + transforms" (0.57) this variant changes both the basis (Fourier
#   coefficients, which matters under Adam) and the $1/f$ scaling; this figure does not
#   separate the two.
#
# **The price:** the transform variants make the channel fire about 30% *less* on the
# untransformed image than the raw-pixel render does (they optimise the average over random
# shifts, not this one image). Cleaner is not stronger.

# %%
tv = torch.cat([cv.optvis.objectives.tv(r.tensor) for r in imgs])
for name, t, f, a in zip(variants, tv, hf, fires):
    print(f"{name:32s} TV {t:.4f}  high-frequency share {f:.2f}  channel {a:5.1f}")
print(f"the TV penalty divides the total variation by {tv[0] / tv[1]:.1f}")

# %% tags=["check"]
# TV smooths at little cost; transforms clean at a price; the decorrelated Fourier image is the cleanest
if not cv.config.quick():
    assert 0.07 < tv[1] / tv[0] < 0.14 and hf[1] < hf[0] - 0.15 and fires[1] > 0.9 * fires[0]   # TV acts
    assert hf[2] < hf[0] and hf[3] == hf[:4].min() and hf[0] == hf.max()
    assert max(fires[2:]) < 0.85 * fires[0]   # the price of transforms: weaker on the plain image
    assert hf[4] > hf[3] + 0.1 and abs(fires[4] - fires[3]) < 0.1 * fires[3]   # decorrelation removes colour noise

# %% [markdown]
# ## 5. A grid of channels, rendered as one batch
#
# `"blocks.8:0-7"` means channels 0 to 7 of `blocks.8`: image *i* maximises channel *i*, all
# eight in one forward and one backward pass per step. The images are 128 pixels and 128
# steps here (not 160 and 256) to keep the eight-image batch quick.
#
# **What to look at:** most of the eight channels (0, 1, 2, 3 and 5) draw scale- or arc-like
# tilings a few tens of pixels across, differing in colour and orientation; channel 6 draws
# wavy strands, and channels 4 and 7 draw long strands and broad bands across much of the
# frame instead. Part of the tilings' similar scale may come from the shared settings (the
# same canvas, the same $1/f$ prior, the same number of steps), or from units of one layer
# having similar effective fields; this notebook does not test which. Whether these channels
# *detect* these motifs in photos needs dataset examples (section 7).

# %%
n = cv.config.pick(8, 4)  # quick mode renders fewer
grid = cv.maximize(clf, f"blocks.8:0-{n - 1}", size=cv.config.pick(128, 32), steps=STEPS // 2, seed=0)
cv.plot.renderings(grid, [f"blocks.8 channel {i}" for i in range(n)], ncols=4, cell=2.6)

# %% [markdown]
# ## 6. Starting from a photo
#
# Start from a photo $x_0$ instead of noise and add an L2 penalty (a mean squared difference)
# that keeps the result close to it:
#
# $$\max_x \; \mathbb{E}_T\big[h_{\ell,c}(T(x))\big] - \lambda \operatorname{mean}\big((x - x_0)^2\big).$$
#
# - **The weight matters:** the channel's activation is about 39 for the raw-pixel render and
#   26 to 28 with transforms (section 4), while a visible edit of the photo has a mean squared
#   pixel change of about 0.001 to 0.01, so $\lambda$ must be in the thousands (here 3000) for
#   the penalty to weigh against the channel at all; at $\lambda = 1$ it would cost almost
#   nothing to paint over the whole photo.
# - **Settings:** raw pixels (`param="pixel"`), so that the start is the photo itself, pixel
#   for pixel, and the penalty acts on those pixels; the standard transforms ($T$ above).
# - **The figure:** the photo, the result, and what the optimisation added: the size of the
#   change at each pixel, $|x - x_0|$ (the length of the RGB change vector; its colour bar
#   saturates at the 99th percentile of these lengths), and the signed change of each colour
#   channel around grey (full colour at the 99th percentile of the per-channel changes, 0.12;
#   a per-channel change is smaller than the RGB length, hence the two scales).
#
# **What to look at:** the signed panel shows the scales painted over the photo; the size
# panel looks mostly like noise, because fine pixel-level changes dominate the size.

# %%
from IPython.display import Markdown

cat = cv.sample_image("cat")
res = cv.maximize(clf, "blocks.8:12", size=SIZE, steps=STEPS, seed=0, param="pixel", image=cat, l2_weight=3000)
title = f"{cv.title_name(clf)}: channel 12 of blocks.8 - 3000 x mean squared difference to the start image"
display(cv.plot.difference(res, title=title, clip_percentile=99), Markdown(cv.credit("cat")))

# %% [markdown]
# The cat stays recognisable, with the channel's pattern painted over it. The fair comparison
# is the same start from the photo *without* the penalty ($\lambda = 0$). The figure does not
# draw that render; only its numbers are printed below:
#
# - the penalty keeps the result twenty times closer to the photo (mean squared distance
#   0.0016 against 0.0326) for about a quarter less activation (20.7 against 27.4);
# - with the penalty the channel reaches three quarters of what a render from noise reaches
#   (`pixels + transforms`, section 4: 27.2);
# - the photo itself gives -0.3, *below* a plain grey image (6.6).

# %%
act = lambda x: cv.activations(clf, clf.from_unit(x), "blocks.8")[0, 12].mean().item()
free = cv.maximize(clf, "blocks.8:12", size=SIZE, steps=STEPS, seed=0, param="pixel", image=cat).tensor  # lambda = 0
from_noise = imgs[2].tensor   # section 4: same channel, pixels + transforms, same steps, from noise
dist = lambda x: (x - res.start).pow(2).mean().item()
print(f"mean squared distance to the photo: lambda 3000 {dist(res.tensor):.4f}, lambda 0 {dist(free):.4f}, "
      f"from noise {dist(from_noise):.4f}")
print(f"channel 12: photo {act(res.start):.1f}, lambda 3000 {act(res.tensor):.1f}, lambda 0 {act(free):.1f}, "
      f"from noise {act(from_noise):.1f}")

# %% [markdown]
# **Why negative values, and why grey scores 6.6.** The output of `blocks.8` is signed: an
# EfficientNet block ends in a *linear bottleneck* (Sandler et al. 2018), a 1x1 projection
# convolution and batch normalisation with no ReLU after it, so a channel can go below zero.
# A plain grey image has no texture at all: every layer then outputs a constant set by its
# biases and batch-norm shifts, and channel 12 lands at a positive level, highest in the
# middle of the map and lower in the outer rings, where the zero padding enters (printed
# below). Photos push the channel *below* that level on average (section 7); the renders push
# it far above. Read -0.3, 20.7 and 27.4 against the grey image's 6.6, not against 0.

# %%
grey = cv.activations(clf, clf.from_unit(torch.full_like(res.start, 0.5)), "blocks.8")[0, 12]   # a plain grey image
mid = torch.zeros_like(grey, dtype=torch.bool)
mid[2:-2, 2:-2] = True   # the middle units; the rest: the two outer rings of the map
print(f"channel 12 on a plain grey image: mean {grey.mean():.1f}; the middle {int(mid.sum())} units {grey[mid].mean():.1f}, "
      f"the {int((~mid).sum())} units of the two outer rings {grey[~mid].mean():.1f}")

# %% tags=["check"]
# the penalty keeps the result close to the photo, the channel rises well above the photo, and grey lies in between
assert act(res.tensor) > act(res.start) + cv.config.pick(10.0, 0.1)
if not cv.config.quick():
    assert dist(res.tensor) < 0.5 * dist(free) and act(res.tensor) > 0.5 * act(from_noise)
    assert act(res.start) < 0 < grey[~mid].mean() < grey[mid].mean() and act(res.start) < grey.mean() < 10   # signed; grey lies between

# %% [markdown]
# ## 7. Pitfalls: how feature visualisation misleads
#
# - **A render is not what the unit detects in photos.** It is *an* image that drives the
#   unit under one prior. What the unit responds to in data shows in the natural images (or
#   patches) that activate it most, the *dataset examples* Olah et al. (2017) put next to
#   every render: below, the best patches among this package's 16 sample photos.
# - **The canvas size shapes the render.** The renders are 160 pixels, the training images
#   224: `blocks.8`'s map is then 10x10, so 64 of its 100 units lie within two units of the
#   zero-padded border (the border effect tested below), and fewer copies of a motif fit.
# - **Renders reach values photos may not.** Compare a render's score with the highest
#   natural scores before calling it out of range (printed below, for these 16 photos only).
# - **The prior decides part of the picture.** Section 4 gave five different images of one
#   channel; below, the same objective on a network with *random* weights (its units made
#   to respond to input) climbs too, but draws none of the scales: a control for how much of
#   a render is prior rather than learned network (the feature visualisation version of
#   Adebayo et al.'s 2018 sanity checks).
# - **One render may hide other facets.** A unit may respond to several unrelated things
#   (Nguyen et al. 2016 render several facets; Olah et al. 2017 add a diversity term);
#   different seeds are the cheapest probe (below).
# - **Class images are optimised, not recognised.** Near 100% for "goldfish" says that the
#   logit was maximised, not that the image looks like a goldfish (fooling images).
# - **Renders can mislead people, and units are not special.** In experiments with human
#   observers, natural dataset examples predicted which image activates a unit better than
#   feature visualisations (Borowski et al. 2021) and helped as much for causal questions
#   (Zimmermann et al. 2021); a network can be altered so that its renders show arbitrary
#   pictures while it behaves the same on natural images (Geirhos et al. 2023). Whether
#   single units are special is contested: Szegedy et al. (2014) found random directions in
#   a layer's activation space as meaningful as units; Bau et al. (2017) and Olah et al.
#   (2017) find units interpretable somewhat more often. Either way, do not assume a single
#   unit is the natural unit of meaning.

# %% [markdown]
# **On your own model:** wrap it with its input normalisation, e.g.
# `net = cv.wrap_model(my_module, categories, input_size=224, mean=(0.485, 0.456, 0.406),
# std=(0.229, 0.224, 0.225))`, list the layers with `cv.layer_names(net)`, then
# `cv.maximize(net, "layer3:5", size=224, seed=0)` (`param="fft"`, standard transforms),
# check that the score climbs, compare two seeds and, above all, dataset examples
# (`cv.optvis.dataset_examples(net, "layer3", 5, your_images)`).

# %% [markdown]
# ### Dataset examples
#
# For each sample photo (centre crop, 160 pixels) the position where channel 12 fires most,
# and the 64-pixel patch around it; the six best photos. The cross marks the unit's centre
# (the patch is centred on it; grey is outside the photo). Titles give the unit's
# activation and its row and column in the 10x10 map of `blocks.8` (0 to 9; row 0 at the
# top). The first row also shows the seed-0 render of section 4, whole, and the 64-pixel
# patch around its own best unit, at the same scale as the photo patches. (In the photo
# credits under the figure, "by GCompris" means that the crop and sharpening were made for
# the image set of GCompris, the educational software the photo was taken from; the cups
# photo is a KDE Plasma wallpaper, with no web page on record.)

# %%
photos = cv.sample_images()
ex = cv.optvis.dataset_examples(clf, "blocks.8", 12, photos, k=6, patch=64, size=SIZE)
own = cv.optvis.dataset_examples(clf, "blocks.8", 12, [imgs[3].image], k=1, patch=64, size=SIZE)   # the render itself
fmap = cv.activations(clf, clf.from_unit(imgs[3].tensor), "blocks.8")[0, 12]
titles = [f"render (seed 0), whole\nbest unit {fmap.max():.1f}, mean {fmap.mean():.1f}", "render: 64-pixel patch\naround its best unit"]
titles += [f"{photos[i].replace('_', ' ')}\nunit {v:.1f} at row {r}, col {c}" for i, v, (r, c) in zip(ex.sources, ex.values, ex.positions)]
display(cv.plot.renderings([imgs[3].tensor[0], own.patches[0]] + list(ex.patches), titles, ncols=4, cell=3.0,
                           fontsize=11, mark_centre=[False] + [True] * 7))
print(f"channel 12 over the {len(photos)} photos: best unit {ex.values[0]:.1f}, best mean over all positions "
      f"{ex.image_means.max():.1f}; render: best unit {fmap.max():.1f}, mean {fmap.mean():.1f}")
display(Markdown("  \n".join(cv.credit(photos[i]) for i in ex.sources)))

# %% [markdown]
# **What sits at the crosses**, on these 16 photos: a pale cup rim on dark purple (cups), the
# black fur where it meets the green background, with white fur just below and to the right
# (giant panda), and the yarn strand (kitten); the other three sit on fairly plain areas near
# an edge: the dark-red saucer below the cup's handle (coffee), green background just above
# the fur (red panda), orange background below the petal (bee). The centre unit's effective
# field holds half of its gradient within about 25 pixels (section 2): a disc 50 pixels
# across, most of the patch's width, so these units probably still see the nearby edge
# (measured for the centre unit; at the border the frame cuts the field). The render's patch
# shows the curved rims that outline each of its scales: curved edges are a fair hypothesis
# for this channel, but six patches, only three of them centred on an edge, do not establish it.
#
# The render drives the channel much harder: its best unit about twice the best photo's
# (40.6 against 19.3), and its mean over all positions ten times any whole photo's (27.8
# against 2.8; a photo fires in a few places, the render everywhere). That is true of these
# 16 photos; a real data set (ImageNet's validation images) could reach higher.

# %% [markdown]
# **Where the best units sit** (printed below): three of the six (cups, red panda, kitten)
# in the outermost ring of the map, the other three (coffee, bee, giant panda) one unit in.
# Units are 16 pixels apart, so an outermost unit sits roughly 8 pixels from the photo's edge
# and one of the next ring roughly 24. If the centre unit's effective field is a fair guide
# (half of it within about 25 pixels), a good part of an outermost unit's field falls on the
# zero padding, and the outer part of a second-ring unit's. The positions are suggestive,
# not striking: the outermost ring holds 36 of the 100 positions and the two
# outer rings 64, so if the six sat at random, all six would fall within two rings about 7%
# of the time ($0.64^6$). A rough test of a border effect: the same six photos padded by 16
# pixels of mirrored photo (reflect padding), so that the units near the border now see
# photo-like content instead of zeros (mirrored content is not real content either), and
# the best unit among the original 10x10 positions:

# %%
ring = [min(r, c, fmap.shape[0] - 1 - r, fmap.shape[1] - 1 - c) for r, c in ex.positions]   # 0: the outermost ring
print("ring of each best unit, counted from the map's edge (0: outermost):", ring)
six = clf.preprocess([cv.sample_image(photos[i]) for i in ex.sources], size=SIZE)
mirrored = torch.nn.functional.pad(six, (16, 16, 16, 16), mode="reflect")   # one more unit on each side
inside = cv.activations(clf, mirrored, "blocks.8")[:, 12, 1:-1, 1:-1].flatten(1).max(1).values
for i, before, after in zip(ex.sources, ex.values, inside):
    print(f"{photos[i].replace('_', ' '):18s} best unit: zero padding {before:5.1f}, mirrored padding {after:5.1f}")
print(f"mean of the six: {ex.values.mean():.1f} with zero padding, {inside.mean():.1f} with mirrored padding")

# %% [markdown]
# For the best photo, the cups, mirrored padding changes nothing (19.3 against 19.7): that
# unit responds to the cups' rims, not to the padding. For three of the other five (coffee,
# red panda, giant panda) the best unit inside the frame drops by a fifth to a third; for
# the bee and the kitten by less than a tenth. So on these photos part of the channel's
# response at the border was the zero padding, but its strongest response was not.

# %% tags=["check"]
# on these photos the channel's best single unit and best mean stay well below the render's; padding matters for three photos
if not cv.config.quick():
    assert fmap.max() > 1.5 * ex.values[0] and fmap.mean() > 5 * ex.image_means.max()
    assert sorted(ring) == [0, 0, 0, 1, 1, 1], ring
    assert abs(inside[0] - ex.values[0]) < 0.05 * ex.values[0] and (inside < 0.8 * ex.values).sum() == 3, inside
    assert ((inside < 0.8 * ex.values) | (inside > 0.9 * ex.values)).all() and inside.mean() < 0.9 * ex.values.mean()

# %% [markdown]
# ### Seeds and a network with random weights
#
# The same objective with seed 1, and with seed 0 on a copy of the network whose weights
# are all redrawn at random (each weight tensor keeps its mean and spread,
# `cv.evaluate.randomize_layer(..., init="normal", calibrate=batch)`). After the redraw the
# batch-normalisation statistics are re-estimated on `batch`, the 16 sample photos, so that
# the random units respond to their input (why, below). Every seed-0 render with the Fourier
# parametrisation starts from the same very low-contrast noise, whatever the network: the
# third panel shows that start (step 0), which looks almost uniform grey at this contrast,
# so that what the optimisation added is visible. Pixel-by-pixel differences overstate
# how different two renders of a channel are, since a channel objective does not care where
# its motif sits. A comparison that ignores position: `cv.optvis.feature_correlation`, the
# correlation over `blocks.8`'s 112 channels of each channel's mean activation on the two
# images (1: the layer sees the same texture in both). Both renders push channel 12 itself
# to about 28, far above its level on any photo, and one shared outlier that large can make
# the correlation high on its own, so it is also printed with channel 12 left out (`exclude=12`).

# %%
import copy

other = cv.maximize(clf, "blocks.8:12", size=SIZE, steps=STEPS, seed=1)
batch = clf.preprocess([cv.sample_image(p) for p in photos], size=SIZE)   # the 16 sample photos
random_net = copy.deepcopy(clf)   # the copy only: redrawn weights, statistics re-estimated on the photos
cv.evaluate.randomize_layer(random_net.model, seed=0, init="normal", calibrate=batch)
rand = cv.maximize(random_net, "blocks.8:12", size=SIZE, steps=STEPS, seed=0)
start = cv.maximize(random_net, "blocks.8:12", size=SIZE, steps=0, seed=0).tensor   # step 0 of every seed-0 render
display(cv.plot.renderings([imgs[3], other, start, rand], ["trained network, seed 0\n(as in section 4)",
        "trained network, seed 1", "start of every seed-0 Fourier\nrender (step 0)",
        f"network with random weights,\nseed 0 after {STEPS} steps"], ncols=4, cell=3.0, suptitle="blocks.8 channel 12"))

# %%
act = lambda x: cv.activations(clf, clf.from_unit(x), "blocks.8")[0, 12].mean().item()
pairs = {"seed 0 vs seed 1": other.tensor, "seed 0 vs cat photo": res.start, "seed 0 vs random-weight render": rand.tensor}
corr = {n: cv.optvis.feature_correlation(clf, "blocks.8", imgs[3].tensor, y).item() for n, y in pairs.items()}
rest = {n: cv.optvis.feature_correlation(clf, "blocks.8", imgs[3].tensor, y, exclude=12).item() for n, y in pairs.items()}
for name, y in pairs.items():
    print(f"{name:31s} mean squared pixel difference {(imgs[3].tensor - y).pow(2).mean():.4f}, "
          f"blocks.8 feature correlation {corr[name]:.2f}, without channel 12 {rest[name]:.2f}")
print(f"channel 12: seed 0 {act(imgs[3].tensor):.1f}, seed 1 {act(other.tensor):.1f}, "
      f"grey image {act(torch.full_like(other.tensor, 0.5)):.1f}, cat photo {act(res.start):.1f}")
print(f"random-weight network, its own channel 12 while rendering: step 1 {rand.history[0, 0]:.1f}, "
      f"mean of the last 10 steps {rand.history[-10:, 0].mean():.1f}")

# %% [markdown]
# **Reading the numbers:** the two seeds show the same blue-grey scale texture, shifted and
# bent a little; these two seeds show no second facet.
#
# - Pixel by pixel they differ almost as much as the render differs from the cat photo
#   (0.052 against 0.067), which only says that the scales sit elsewhere.
# - In what `blocks.8` sees they are nearly the same: feature correlation 1.00, and still
#   0.99 with channel 12 left out, against 0.12 and 0.16 for the cat photo. So the agreement
#   is not just the shared channel 12: the other 111 channels agree too.
# - Both drive channel 12 about equally (27.8 and 28.4), far above a plain grey image (6.6,
#   the level section 6 explains) and the photo (-0.3).
#
# For this channel one render shows its one dominant motif; other units can have several
# (render a few seeds, or add a diversity term).

# **Why re-estimate the statistics:** batch normalisation subtracts the mean and divides by
# the spread each channel had in training. Redrawn weights give pre-activations with another
# mean and spread, so with the trained statistics kept the mismatch can compound layer by
# layer. Measured below on the 16 photos: with the trained statistics kept, channel 12 of
# `blocks.8` sits at a large offset with a third of the spread it has after re-estimating,
# a sign that its inputs have drifted far from what the trained statistics expect (we did
# not render that network, so how a render of it would look is not shown here). The same
# redrawn weights, both ways:

# %%
kept = copy.deepcopy(clf)   # the same redrawn weights, the trained statistics kept
cv.evaluate.randomize_layer(kept.model, seed=0, init="normal")
nets = {"trained network": clf, "random weights, trained statistics": kept, "random weights, re-estimated": random_net}
c12 = {n: cv.activations(m, batch, "blocks.8")[:, 12].mean((1, 2)) for n, m in nets.items()}
for n, v in c12.items():
    print(f"channel 12 over the 16 photos, {n:36s} mean {v.mean():5.1f}, spread (std) {v.std():.2f}")
climb, spread = (rand.history[-10:, 0].mean() - rand.history[0, 0]).item(), c12["random weights, re-estimated"].std()
print(f"the random-weight render raised its channel 12 by {climb:.1f}, {climb / spread:.1f} times its spread over the photos")

# %% [markdown]
# **The random-weight control.** The network with random weights gives no scales at all:
# from the almost uniform grey start (third panel) it grows a high-contrast, mottled texture,
# fine multicoloured speckle in larger light and dark clouds with no repeated motif, which
# the trained `blocks.8` sees as nothing like the scales (feature correlation 0.01, and -0.04
# without channel 12). Printed above:
#
# - its own channel 12 does respond: it rises from -2.3 at step 1 to 2.4 (mean of the last
#   10 steps, on that step's transformed image), a climb of 4.7, 3.1 times the channel's
#   spread over the photos (1.50);
# - measured the same way, the trained network's render of section 1 climbed by 19.1 (from
#   2.5 to 21.6), about 11.5 times its channel's spread over the photos (1.66); its finished
#   image, untransformed, lies higher still: 27.8, about 17 spreads above the photos' mean (-0.2);
# - with the trained statistics kept, the same weights give channel 12 a mean of 39.2 with a
#   spread of 0.50 over the photos, a third of the 1.50 after re-estimating: a large offset,
#   with the photos still moving it a little.
#
# So on a network without learned features the same prior and optimiser do produce a climb
# and a texture, but no scales: the scales come from the trained weights. This is one random
# network and one channel; other random networks and units can draw more structured textures.

# %% tags=["check"]
# both seeds give the same texture, not the photo's, far above the photo; the random network climbs, without the scales
if not cv.config.quick():
    assert corr["seed 0 vs seed 1"] > 0.95 and corr["seed 0 vs cat photo"] < 0.5, corr
    assert rest["seed 0 vs seed 1"] > 0.95 and max(rest["seed 0 vs cat photo"], rest["seed 0 vs random-weight render"]) < 0.5, rest
    assert (imgs[3].tensor - other.tensor).pow(2).mean() > 0.5 * (imgs[3].tensor - res.start).pow(2).mean()
    assert min(act(imgs[3].tensor), act(other.tensor)) > act(res.start) + 5.0
    assert corr["seed 0 vs random-weight render"] < 0.5 and climb > 2 * spread, (corr, climb, spread)
    kept_c12, trained_c12 = c12["random weights, trained statistics"], c12["trained network"]
    assert kept_c12.std() < 0.05 * kept_c12.mean().abs() and spread > 2 * kept_c12.std()
    assert (act(imgs[3].tensor) - trained_c12.mean()) / trained_c12.std() > 3 * climb / spread   # the trained climb is larger

# %% [markdown]
# ## 8. Explore
#
# Choose a layer, a channel, the unit (the whole channel or its centre neuron), the
# parametrisation and the number of steps, then press **render**. Try the same channel with
# `pixel` and `fft`; try channels of `blocks.1` and `blocks.15`. The panel needs a live
# kernel (run the notebook). Until the first click, and in a static copy (a web page, a PDF),
# it shows section 3's renders of channel 3 of `blocks.1` and `blocks.15` side by side: the
# earliest and the deepest block rendered here, fine stripes against mixed shapes and
# fragments.

# %%
ends = cv.plot.renderings(images.tensor[[0, 3]], [f"{l} channel 3 (section 3)" for l in ("blocks.1", "blocks.15")],
                          ncols=2, cell=3)
cv.widgets.maximize_panel(layer="blocks.15", first=ends)


# %% [markdown]
# ### Exercise: total variation
#
# Write `total_variation(images)` for an `(N, C, H, W)` batch: for each image, the squared
# total variation $R_{TV}$ of section 4 (the mean over channels and positions of the squared
# forward differences to the right and downwards; drop the last row and column, where one
# of the two differences is missing).


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
# ### Predict, then run: how strong a TV penalty?
#
# Section 4 used a TV weight of 300 on raw pixels. Before running the cell below, predict
# for weights 30, 300 and 3000: how do the high-frequency share and the channel's mean
# activation change? Is there a weight beyond which the channel stops firing strongly?
# Write your guesses down, then run (the three images are optimised as one batch, each with
# its own weight). Batch element *i* starts from different seeded noise than a single run
# with seed 0, so the weight-300 numbers differ slightly from section 4's.

# %%
weights = [30, 300, 3000]
tvs = cv.maximize(clf, [target - w * obj.total_variation() for w in weights], size=SIZE, steps=STEPS,
                  seed=0, param="pixel", transforms=None)
tv_hf = cv.high_frequency_share(tvs.tensor)
tv_act = cv.activations(clf, clf.from_unit(tvs.tensor), "blocks.8")[:, 12].mean((1, 2))
cv.plot.renderings(tvs, [f"TV weight {w}\nhf {f:.2f}, channel {a:.1f}" for w, f, a in zip(weights, tv_hf, tv_act)], cell=3)

# %% [markdown]
# <details><summary><b>Model answer</b> (open it after predicting)</summary>
#
# On this channel the penalty smooths steadily: the high-frequency share falls from about
# 0.71 (weight 30) to 0.43 (300) and 0.25 (3000), and the image goes from colour noise over
# the scales to soft, greyish scales with lower contrast. The activation hardly pays for it:
# 38.6 at weight 30, 38.6 at 300 and still 35.4 at 3000, because smoothing removes mostly
# pixel-level patterns the channel did not need. No weight here makes the channel stop
# firing; a large enough one would, once a flat image is worth more than the activation.
# Note that TV also removes contrast (the grey look): a prior of its own.
#
# </details>

# %% tags=["check"]
# a stronger TV penalty gives a smoother image at a small cost in activation
if not cv.config.quick():
    assert tv_hf[0] > tv_hf[1] + 0.15 and tv_hf[1] > tv_hf[2] + 0.1, tv_hf
    assert tv_act[2] > 0.85 * tv_act[0] and abs(tv_act[1] - tv_act[0]) < 0.05 * tv_act[0], tv_act

# %% [markdown]
# ### Think, then write
#
# The channel image repeats one pattern over the whole picture; the centre-neuron image
# draws a related motif in the middle, fading towards the border rather than stopping at a
# sharp edge. Explain both from the objectives' gradients. What would the neuron image look
# like for a neuron of `blocks.1`, and for one of `blocks.15`, first with raw pixels and no
# transforms, then with the notebook's defaults (Fourier, transforms)? The cell after the
# model answer renders all four (128 pixels, 64 steps each).

# %% [markdown]
# *Your answer (double-click this cell to write):*

# %% [markdown]
# <details><summary><b>Model answer</b> (open it after writing yours)</summary>
#
# The channel objective is the mean over all positions, so every position contributes a
# gradient and the pattern grows everywhere. A single unit's gradient is not uniform over
# the image: its *theoretical* receptive field (about 211 pixels at `blocks.8`) covers the
# whole 160-pixel image, but its *effective* receptive field is a blob in the middle (Luo
# et al. 2016; the gradient map of section 2): centre pixels reach the unit through many
# more paths than outer ones, so they get most of the gradient and the pattern fades
# towards the border.
#
# For a neuron of another layer the answer depends on the settings. **Raw pixels, no
# transforms:** a `blocks.1` neuron's receptive field is 11 pixels, so only an 11-pixel square
# in the middle gets any gradient: a tiny patch changes and the rest of the image stays the
# nearly flat grey it started as (first panel below). A `blocks.15` neuron's theoretical field
# (about 850 pixels) covers the whole image, so every pixel changes, and without a prior the
# change is high-frequency colour noise over the whole frame with no visible motif (second
# panel). **Fourier + transforms (the defaults):** each Fourier coefficient touches every
# pixel and the random shifts move the unit's window around, so the `blocks.1` neuron's image
# is a streaky patch about twice as wide as its 11-pixel field, with a soft halo
# (third panel), and the `blocks.15` neuron's image fills the frame (fourth panel) with
# dim blob- and ring-like shapes: one clear eye-like ring at the top left, round dark blobs in
# the middle, fur-like strands along the bottom edge. You may read part of an animal into it,
# or only a texture. Which it is, is a hypothesis to test with dataset examples (section 7),
# not something to read off the render: people see eyes and faces in textures easily, which
# is exactly why renders need that check.
#
# </details>

# %% [markdown]
# The four neuron renders of the model answer (128 pixels, 64 steps each):

# %%
goals = [obj.neuron("blocks.1", 3), obj.neuron("blocks.15", 3)]
small = cv.config.pick(128, 32)   # 128 pixels and 64 steps, to keep the cell quick
raw = cv.maximize(clf, goals, size=small, steps=STEPS // 4, seed=0, param="pixel", transforms=None)
usual = cv.maximize(clf, goals, size=small, steps=STEPS // 4, seed=0)
names = ["blocks.1 neuron, pixels, no transforms", "blocks.15 neuron, pixels, no transforms",
         "blocks.1 neuron, Fourier + transforms", "blocks.15 neuron, Fourier + transforms"]
cv.plot.renderings(list(raw.tensor) + list(usual.tensor), names, ncols=4, cell=2.8)

# %% [markdown]
# ## Summary
#
# - Activation maximisation climbs the gradient of a unit's activation with respect to the
#   image; a channel objective gives a repeated texture, a centre neuron a pattern that fades
#   with the effective receptive field, a class logit scattered object fragments.
# - In the four renders of section 3 the motif grows with depth (one channel per layer: a
#   trend to check); it does not follow the theoretical receptive field, which outgrows the
#   training images; the effective receptive field follows it better, but not all the way.
# - Without a prior the image fills with high-frequency noise; total variation, transforms and
#   the Fourier parametrisation (a preconditioner) clean it, transforms at some cost in
#   activation; on a network with random weights (batch-norm statistics re-estimated so that
#   its units respond) the climb works but no scales appear.
# - A render is a hypothesis about a unit, not its meaning: check it against dataset
#   examples, several seeds and a random-weight control before you name a unit.

# %% [markdown]
# ## What next
#
# Notebook 03 turns the question around once more: instead of the image a channel
# *wants*, the image that gives the *same activations* as a photo, layer by layer.
