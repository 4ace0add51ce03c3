# ---
# jupyter:
#   cnnviz:
#     title: 'Relevance: LRP, DeepLIFT and what adds up'
#     goals:
#     - to say what conservation means for an explanation, what it gives and what it does not, and check it with numbers
#     - to run the LRP rules side by side on a real photograph (epsilon, z+, gamma, alpha-beta, flat, z-box) and
#       say what each does to the map
#     - to follow the relevance through the network layer by layer, through a residual block, and see where it is
#       lost (the biases)
#     - to compare DeepLIFT with Integrated Gradients (the same completeness, different routes) and see the map
#       change with the reference (black, blurred, noise, data mean)
#     - to put LRP through the sanity check and the deletion test beside Grad-CAM and Integrated Gradients
#     prerequisites: notebooks 01 (gradients, Integrated Gradients) and 08 (sanity check, deletion curves).
#     runtime:
#       cpu: 2 minutes
#       gpu: 30 seconds
#     papers:
#     - Bach et al., *On Pixel-Wise Explanations for Non-Linear Classifier Decisions by Layer-Wise Relevance
#       Propagation*, PLoS ONE 2015
#     - Montavon et al., *Explaining Nonlinear Classification Decisions with Deep Taylor Decomposition*,
#       Pattern Recognition 2017
#     - 'Montavon et al., *Layer-Wise Relevance Propagation: An Overview*, in Explainable AI, LNCS 11700, 2019'
#     - Shrikumar, Greenside & Kundaje, *Learning Important Features Through Propagating Activation
#       Differences*, ICML 2017
#     - Ancona et al., *Towards Better Understanding of Gradient-Based Attribution Methods for Deep Neural
#       Networks*, ICLR 2018
#     - Lundberg & Lee, *A Unified Approach to Interpreting Model Predictions*, NeurIPS 2017
#     - 'Erion, Janizek, Sturmfels, Lundberg & Lee, *Improving Performance of Deep Learning Models with Axiomatic
#       Attribution Priors and Expected Gradients*, Nature Machine Intelligence 2021'
#     - Kohlbrenner et al., *Towards Best Practice in Explaining Neural Network Decisions with LRP*, IJCNN 2020
#     - 'Guillemot et al., *Breaking Batch Normalization for better explainability of Deep Neural Networks through
#       Layer-wise Relevance Propagation*, arXiv 2020'
#     - Motzkus, Weber & Lapuschkin, *Measurably Stronger Explanation Reliability via Model Canonization*, ICIP 2022
#     - 'Sixt, Granz & Landgraf, *When Explanations Lie: Why Many Modified BP Attributions Fail*, ICML 2020'
#     - Sundararajan, Taly & Yan, *Axiomatic Attribution for Deep Networks*, ICML 2017
#     - 'Selvaraju et al., *Grad-CAM: Visual Explanations from Deep Networks via Gradient-based Localization*,
#       ICCV 2017'
#     - Adebayo et al., *Sanity Checks for Saliency Maps*, NeurIPS 2018
#     - 'Petsiuk, Das & Saenko, *RISE: Randomized Input Sampling for Explanation of Black-box Models*, BMVC
#       2018'
#     - Hooker et al., *A Benchmark for Interpretability Methods in Deep Neural Networks*, NeurIPS 2019
# ---

# %% [markdown]
# ## 1. The idea: an explanation that adds up
#
# A saliency map (notebook 01) says how the class score $f_c$ would *change* if a pixel
# changed. **Relevance** methods answer another question: how much of the score each pixel
# is *responsible for*. Their defining property is **conservation** (Bach et al. 2015): the
# relevances $R_i$ of the pixels add up to the explained score,
#
# $$\sum_i R_i = f_c(x) \quad\text{(LRP)}, \qquad \sum_i R_i = f_c(x) - f_c(x') \quad\text{(DeepLIFT, Integrated Gradients)},$$
#
# where $x'$ is a **reference** image. LRP gets there layer by layer: a layer $z_k = \sum_j
# a_j w_{jk} + b_k$ hands each input $j$ its share of every output's relevance $R_k$,
#
# $$R_j = \sum_k \frac{a_j w_{jk}}{z_k + \epsilon\,\mathrm{sign}(z_k)}\, R_k \qquad\text{(the LRP-}\epsilon\text{ rule)},$$
#
# so what the inputs get is $\sum_k R_k \cdot \frac{z_k - b_k}{z_k + \epsilon\,\mathrm{sign}(z_k)}$: everything except
# the share the **bias** $b_k$ (and $\epsilon$) keeps. So $\sum_i R_i = f_c(x)$ holds exactly
# only if no layer keeps a share: no biases, no $\epsilon$, and no unit that carries relevance
# but has no (positive) contribution to pass it to (section 3 shows that leaving the bias out
# of the rule is not enough); otherwise what is conserved is an account in which each layer
# keeps what it did not pass on (section 3). A plain
# gradient has no such property: $\sum_i \partial f_c / \partial x_i$ has no reason to equal
# $f_c(x)$, and gradient $\times$ input is guaranteed to equal $f_c(x)$ for a positively homogeneous network,
# $f(tx) = t f(x)$ for $t > 0$ (Euler's theorem; a sufficient condition, not a necessary one), for example one made
# of ReLUs, max-pooling and linear layers without biases.
#
# The network is the course's **EfficientNet-Lite0**: 16 blocks, nine of them with a residual
# connection, ReLU6 activations and BatchNorm, which LRP folds into the convolution before it (a
# *canonizer*: the folded convolution computes the same thing and gains a bias). The photograph
# is one it classifies with high confidence.

# %% tags=["nbval-check-output"]
import torch
from IPython.display import Markdown, display

clf = cv.load_model(device=DEVICE)
SIZE = cv.config.pick(224, 96)   # quick mode: small images
x = clf.preprocess(cv.sample_image("german_shepherd"), size=SIZE)
dog = clf.class_index("German shepherd")
display(cv.plot.predictions(clf, x))
Markdown(cv.credit("german_shepherd"))

# %%
logit = float(clf.logits(x)[0, dog])
sums = {"gradient": cv.saliency(clf, x, dog).sum(), "gradient x input": cv.input_x_gradient(clf, x, dog).sum()}
print(f"logit of 'German shepherd' f_c(x) = {logit:.3f}")
for name, s in sums.items():
    print(f"sum over the pixels of the {name:16s} = {float(s):8.4f}   ({float(s) / logit:7.2%} of the logit)")

# %% tags=["check"]
# Neither gradient sum is the logit: the gradient's is under a fifth of it, gradient x input's under 1%
if not cv.config.quick():
    assert 0 < float(sums["gradient"]) < 0.2 * logit and abs(float(sums["gradient x input"])) < 0.01 * logit

# %% [markdown]
# **What to look at:** the sum of the gradient is a number with no meaning (a sum of
# slopes), and gradient $\times$ input, which would equal the logit in a bias-free ReLU
# network, keeps less than 1% of it here: Lite0's biases and its ReLU6 ceilings break
# Euler's theorem. A relevance method is built so that the numbers add up; the next sections
# check how far they do.
#
# ## 2. The LRP rules side by side
#
# LRP is a family: each layer can use its own rule, and a **composite** says which layer
# gets which (Montavon et al. 2019; Kohlbrenner et al. 2020). **Why mix rules:** near the
# output a few units carry the decision, and LRP-ε follows the model's function there most
# faithfully. In the many convolutions below, ε passes on contradictory contributions that
# add up to noise, so γ or z$^+$ keep the positive evidence and give a readable map. Pixels are
# bounded and are not ReLU outputs, so the input layer gets a rule made for that domain
# (z-box or flat). The trade-off is faithfulness to the decision at the top against
# denoising below. The rules differ in how they share $R_k$ among the inputs:
#
# - **LRP-$\epsilon$** (the equation above): signed shares $a_j w_{jk}$; with a small
#   $\epsilon$ every small, contradictory contribution is passed on, and deep networks give
#   **noisy**, speckled maps of both signs. With $\epsilon \to 0$ (LRP-0) on a ReLU network it
#   *is* gradient $\times$ input (Montavon et al. 2019; Ancona et al. 2018), so section 1's
#   number and this map would be two views of one computation; Lite0's ReLU6 ceilings break
#   the identity (below).
# - **z$^+$** ($\alpha=1, \beta=0$, deep Taylor decomposition, Montavon et al. 2017) shares
#   among the positive contributions only; as this package computes it (the bias as one more
#   input, Montavon et al. 2019), $R_j = \sum_k \frac{(a_j w_{jk})^+}{\sum_{j'} (a_{j'}
#   w_{j'k})^+ + b_k^+} R_k$, the positive *contributions* $a_j w_{jk}$ (see the note below
#   on signed inputs). Every share is $\ge 0$ (deep Taylor decomposition's z$^+$ has no
#   $b_k^+$); **LRP-$\gamma$** (Montavon et al. 2019) favours them with
#   $w + \gamma w^+$ and $b + \gamma b^+$; **$\alpha\beta$** weighs positive ones by $\alpha = 2$
#   and subtracts negative ones by $\beta = 1$. z$^+$ **removes the speckle** and concentrates
#   the map (entirely positive on this image; below, why that is not guaranteed); γ with a
#   z-box first layer also brings back **edges** (mostly positive); αβ concentrates the map too but keeps a negative part.
# - **The bias.** This package counts each bias as one more input of its layer (as the 2019
#   overview does): it takes its share of $R_k$ (its positive part under z$^+$), and that
#   share goes no further. Leaving the bias out of the denominator (deep Taylor decomposition
#   derives z$^+$ for zero or negative biases) passes everything on at every unit that has a
#   positive contribution, but splits $R_k$ in proportions that no longer match what the layer
#   computed; a unit positive through its bias alone still keeps all of its relevance (section 3).
# - First-layer rules: pixels are not ReLU outputs, so the input layer gets a rule of its
#   own. **z-box** takes the pixel bounds $l_i \le x_i \le h_i$ (here black and white) into
#   account, $R_i = \sum_k \frac{x_i w_{ik} - l_i w_{ik}^+ - h_i w_{ik}^-}{\sum_{i'} (\cdot)} R_k$;
#   **flat** spreads each unit's relevance evenly over its receptive field (the first layer's
#   share then no longer depends on the pixel values at all).
#
# Two more rule objects appear in the code: **Pass** hands the relevance through a layer
# unchanged (used for the activations, so ReLU6 does not alter it), and **Norm** splits it in
# proportion to the inputs' signed values (used for sums and average pooling, section 4).
#
# The named composites: `epsilon_plus` (z$^+$ on convolutions, $\epsilon$ on the linear
# layer), `epsilon_plus_flat` (the same with the flat rule on the first layer, the package's
# default), `epsilon_gamma_box` ($\gamma = 0.25$, z-box on the first layer) and
# `epsilon_alpha2_beta1`. We add LRP-$\epsilon$ everywhere ($\epsilon = 10^{-6}$, close to
# LRP-0), built from the package's rule objects.
#
# *Note on signed inputs.* The z$^+$ formula above takes the positive part of each
# contribution $a_j w_{jk}$ whatever the sign of $a_j$: Lite0's first layer sees normalised
# pixels and its block inputs are linear-bottleneck outputs, both signed. For $a_j \ge 0$ this
# is the textbook $a_j w_{jk}^+$.

# %% tags=["preview"]
core = cv.core
# Pass: the relevance goes through the layer unchanged; Norm: it is split in proportion to the inputs' values
lrp_eps = core.Composite([(core.engine.ACTIVATION_TYPES, core.Pass()), (core.Sum, core.Norm()),
                          (core.composites.AVGPOOL_TYPES, core.Norm()), (core.canonizers.BATCHNORM_TYPES, core.Pass()),
                          (core.canonizers.LINEAR_TYPES, core.Epsilon(1e-6))], canonizers=[core.MergeBatchNorm()])
COMPOSITES = {"LRP-ε everywhere": lrp_eps, "ε + z+ (epsilon_plus)": "epsilon_plus",
              "ε + z+ + flat input (default)": "epsilon_plus_flat", "ε + γ + z-box input": "epsilon_gamma_box",
              "ε + α2β1": "epsilon_alpha2_beta1"}
rel = {name: cv.lrp(clf, x, dog, composite=c) for name, c in COMPOSITES.items()}
cv.plot.signed_maps(x, rel, clf, ncols=3, state_scale=True,
                    title="LRP of 'German shepherd' with five composites: red raises the logit, blue lowers it\n"
                          "(each panel scaled to its own 99th percentile of |R|, the scale in its title)")

# %%
print(f"{'composite':32s} positive share of |R|   sum of R = red mass + blue mass (logit {logit:.2f})")
for name, r in rel.items():
    m = r.sum(1)[0]                                   # relevance per pixel (sum over RGB)
    pos = float(m.clamp(min=0).sum() / m.abs().sum())
    print(f"{name:32s} {pos:5.0%}   {float(m.sum()):10.4g} = {float(m.clamp(min=0).sum()):10.4g} "
          f"{float(m.clamp(max=0).sum()):+10.4g}")

# %%
gxi = cv.input_x_gradient(clf, x, dog).sum(1)
# LRP-ε as above but with no rule for ReLU6, so that its gradient is used (0 at the ceiling)
lrp_eps_grad = core.Composite([(core.Sum, core.Norm()), (core.composites.AVGPOOL_TYPES, core.Norm()),
                               (core.canonizers.BATCHNORM_TYPES, core.Pass()),
                               (core.canonizers.LINEAR_TYPES, core.Epsilon(1e-6))], canonizers=[core.MergeBatchNorm()])
eps_maps = {"gradient x input": gxi, "LRP-ε (relevance passed through ReLU6)": rel["LRP-ε everywhere"].sum(1),
            "LRP-ε with the ReLU6 gradient": cv.lrp(clf, x, dog, composite=lrp_eps_grad).sum(1)}
rho_gxi = {k: float(cv.evaluate.spearman(m, gxi)) for k, m in eps_maps.items()}
for k, m in eps_maps.items():
    print(f"{k:40s} sum {float(m.sum()):7.4f} = red {float(m.clamp(min=0).sum()):5.1f} "
          f"{float(m.clamp(max=0).sum()):+6.1f} blue; Spearman with gradient x input {rho_gxi[k]:.4f}")

# %% tags=["check"]
# The signs: LRP-ε and α2β1 about half positive, z+ entirely, γ-box mostly; the z+ maps peak on the head;
# LRP-ε's large red and blue masses cancel; LRP-ε resembles gradient x input but does not equal it
pos = {name: float(r.sum(1).clamp(min=0).sum() / r.sum(1).abs().sum()) for name, r in rel.items()}
if not cv.config.quick():
    assert 0.4 < pos["LRP-ε everywhere"] < 0.6 and 0.4 < pos["ε + α2β1"] < 0.6 and pos["ε + γ + z-box input"] > 0.9
    HEAD = [(150, 0, 224, 120)]                      # the dog's head, top right of the photo
    assert all(cv.pointing_game(rel[k].sum(1), HEAD).item() for k in list(rel)[1:])
    eps_map = rel["LRP-ε everywhere"].sum(1)                # red and blue masses of dozens of logits cancel
    assert 400 < float(eps_map.clamp(min=0).sum()) < 600 and 400 < -float(eps_map.clamp(max=0).sum()) < 600
    assert 4.3 < float(eps_map.sum()) < 4.7 and 0.75 < rho_gxi["LRP-ε (relevance passed through ReLU6)"] < 0.83
    assert 0.035 < float(gxi.sum()) < 0.05 and rho_gxi["LRP-ε with the ReLU6 gradient"] > 0.999
assert min(pos["ε + z+ (epsilon_plus)"], pos["ε + z+ + flat input (default)"]) > 0.999

# %% tags=["check"]
# The panels' scales run from about 0.24 (LRP-ε) to 4.8e-7 (ε + z+); gradient x input's red and blue masses are about 310 each
if not cv.config.quick():
    scale = {k: float(torch.quantile(r.sum(1).abs().flatten(), 0.99)) for k, r in rel.items()}   # as in the titles
    assert 0.2 < scale["LRP-ε everywhere"] < 0.3 and 4e-7 < scale["ε + z+ (epsilon_plus)"] < 6e-7
    assert 250 < float(gxi.clamp(min=0).sum()) < 400 and 250 < -float(gxi.clamp(max=0).sum()) < 400

# %% [markdown]
# **What to look at:** the rule changes the map more than anything else in this notebook.
# Mind the scales in the panel titles: they run from 0.24 (LRP-ε) down to
# $4.8 \cdot 10^{-7}$ (ε + z$^+$), almost six orders of magnitude apart.
#
# **LRP-ε everywhere (first map): speckle and large masses.** It is speckle of both signs (half of $|R|$ positive), densest on the dark
# saddle of the back: at every layer small contributions of both signs are passed on, and 16
# blocks of them add up to noise. Its values are also far larger than the others' (scale
# $\pm 0.24$), red and blue masses of about 500 each (some 46 times the logit) that
# cancel to a sum of 4.5. A small denominator is not the reason (the note below). The
# masses are the ordinary large, cancelling per-pixel terms of a (modified) gradient
# $\times$ input on a deep network: gradient $\times$ input itself has red and blue masses of
# about 310 each that cancel to 0.04 (the second printout). The z$^+$ panels look tiny beside
# them because z$^+$ loses almost everything to the positive biases (section 3). On a ReLU network this
# map would be gradient $\times$ input; on Lite0 they rank the pixels alike (Spearman 0.79) but
# their sums differ a hundredfold (4.5 against 0.04), because LRP passes relevance through a
# ReLU6 unit stuck at its ceiling of 6, where the gradient is 0: the same LRP-ε with the
# gradient through each ReLU6 matches gradient $\times$ input (Spearman 1.00, the second
# printout).
#
# <details><summary><b>Note: why a small denominator does not blow up</b> (open it)</summary>
#
# With $\epsilon \to 0$ a unit's relevance is its value times a *modified* gradient of the
# logit with respect to it, $R_k = z_k\, g_k$ (the classifier gives $R_j = a_j w_j$, pooling
# and the residual sum keep the inputs' proportions, Pass hands $R$ through ReLU6, which
# replaces its derivative by $a/z$). The factor $g_k$ differs from unit to unit, but
# $R_k / z_k$ stays bounded: a small $z_k$ gets a small $R_k$.
#
# </details>
#
# **The z$^+$ panels: positive and smooth.** The **z$^+$** composites (`epsilon_plus`, and the default with its flat first
# layer) share each unit's relevance among positive contributions only. That does not make
# relevance positive by itself: the ε classifier hands the head signed relevance, and a
# z$^+$ layer (its shares $(a_j w_{jk})^+$ are never negative) maps non-negative relevance to
# non-negative relevance, so it passes signed relevance on as signed. Below the classifier
# the relevance is signed, and a product of non-negative z$^+$ matrices pulls it towards
# one positive pattern times a weighted sum of the head's relevance (Sixt et al. 2020; see
# section 7); that weighted sum decides the sign, and it is positive here, so on this image
# no negative relevance reaches the pixels (the table's blue mass of exactly 0). That is a
# convergence observed here, not a guarantee: the residual sums' Norm split can also hand on
# one negative share (section 4). Its strongest
# relevance sits on the **head** (top right), with a faint outline of the back: smooth and
# concentrated rather than sharp, without LRP-ε's speckle.
#
# **α2β1** subtracts the negative contributions again and is half
# positive, half negative, also peaking on the head. Every panel has its own colour scale
# (stated in its title): the z$^+$ panels' values are tiny ($10^{-7}$ to $10^{-6}$), and the next
# section shows where their relevance went.

# %%
# Which change brings the edges back: z+ in every convolution as in epsilon_plus, but z-box on the first layer
bounds = dict(low=clf.from_unit(torch.zeros(1, 3, 1, 1)), high=clf.from_unit(torch.ones(1, 3, 1, 1)))   # black, white
zplus_box = core.Composite([(core.First(core.composites.CONV_TYPES), core.ZBox(**bounds))] + lrp_eps.entries[:4]
                           + [(core.composites.CONV_TYPES, core.ZPlus()), (torch.nn.Linear, core.Epsilon(1e-6))],
                           canonizers=[core.MergeBatchNorm()])
swap = {"ε + z+ (epsilon_plus)": rel["ε + z+ (epsilon_plus)"], "ε + z+ + z-box input": cv.lrp(clf, x, dog, composite=zplus_box),
        "ε + γ + z-box input": rel["ε + γ + z-box input"]}
rho_box = {k: float(cv.evaluate.spearman(swap["ε + z+ + z-box input"].sum(1), m.sum(1))) for k, m in swap.items()}
print("Spearman of 'ε + z+ + z-box input' with:", {k: round(v, 2) for k, v in rho_box.items() if v < 0.9999})
cv.plot.signed_maps(x, swap, clf, state_scale=True, title="Only the first layer's rule changed (middle), or every convolution's too (right)")

# %% tags=["check"]
# With only the first layer changed, the map is still entirely positive, like epsilon_plus's and unlike the γ map
zb_map = swap["ε + z+ + z-box input"].sum(1)
if not cv.config.quick():
    assert float(zb_map.clamp(min=0).sum() / zb_map.abs().sum()) > 0.99 and rho_box["ε + γ + z-box input"] < 0.7
    assert rho_box["ε + z+ (epsilon_plus)"] > 0.9

# %% [markdown]
# **What to look at:** γ with z-box (the fourth map of the five-composite figure) and where
# the edges come from. It is mostly positive (over 90%) and sharper: the outline of the back and the
# head's edges show. That composite changes two things at once (γ instead of z$^+$ in every
# convolution, z-box instead of z$^+$ on the first layer); the three-panel figure above isolates
# them: with z$^+$ everywhere and only the first layer switched to z-box (middle panel) the
# map keeps the z$^+$ look, a blob on the head with a faint outline (Spearman 0.96 with
# `epsilon_plus`, 0.6 with the γ map, the printout), so on this image the edges come from γ in the convolutions, not
# from the z-box input rule.

# %%
# The first layer's rule up close: a 48x48-pixel crop at the head's left edge, enlarged (one square per pixel)
first = {"flat first layer (default)": rel["ε + z+ + flat input (default)"], "z+ first layer (epsilon_plus)": rel["ε + z+ (epsilon_plus)"],
         "z-box first layer": swap["ε + z+ + z-box input"]}
CROP = (..., slice(SIZE * 16 // 224, SIZE * 64 // 224), slice(SIZE * 168 // 224, SIZE * 216 // 224))
parity = {}                        # mean relevance of the four (row, column) parities, each / the map's mean
for k, m in first.items():
    par = torch.stack([m.sum(1)[0, i::2, j::2].mean() for i in (0, 1) for j in (0, 1)])
    parity[k] = (par / par.mean()).tolist()
    print(f"{k:30s} mean relevance by (row, column) parity (even-even, even-odd, odd-even, odd-odd) / the mean: "
          f"{', '.join(f'{v:.2f}' for v in parity[k])}")
cv.plot.signed_maps(x[CROP], {k: m[CROP] for k, m in first.items()}, clf, state_scale=True,
                    title="The head's left edge, a 48x48-pixel crop enlarged: the first layer's rule (z+ above it)")

# %% tags=["check"]
# The period-2 grid: under flat the strongest parity class gets about four times the weakest, under z+ and z-box about twice
if not cv.config.quick():
    spread = {k: max(v) / min(v) for k, v in parity.items()}
    assert spread["flat first layer (default)"] > 3 and all(1.5 < spread[k] < 2.5 for k in list(first)[1:])

# %% [markdown]
# **What to look at:** the dotted grid (the five-composite figure's default panel and the
# crop figure above). The default panel also shows a
# regular **dotted grid** over the whole map: with a $3 \times 3$ kernel at stride 2 some pixels
# are covered by one stem unit, others by two or four, whatever the first-layer rule; under
# the flat rule each unit's shares are uniform, so this count shows through as a period-2
# pattern. It comes from the rule, not from the image. At the first figure's size the grid
# cannot be judged panel against panel; the crop figure (the last one above) enlarges the
# head's edge: under flat a regular grid of dots, the four (row, column) parity classes
# differing about fourfold (1.76 against 0.45 of the mean, the printout). z$^+$ and z-box
# both show a twofold parity spread against flat's fourfold (the printout); the z$^+$ crop
# looks less gridded because the image's structure (the eye) dominates it, while z-box keeps
# a visible grid (why is not tested here).

# %% [markdown]
# **A larger ε.** All the LRP-ε numbers above use $\epsilon = 10^{-6}$, which is almost
# LRP-0. The usual remedy for its speckle is a larger $\epsilon$ (Montavon et al. 2019): the
# stabiliser then absorbs the weak, contradictory contributions, and what it absorbs is no
# longer passed on. The same LRP-ε everywhere with
# $\epsilon = 0.25$ in every layer:

# %%
# LRP-ε everywhere, ε = 1e-6 against ε = 0.25 in every layer (the stabiliser keeps what it absorbs)
lrp_eps_big = core.Composite([*lrp_eps.entries[:-1], (core.canonizers.LINEAR_TYPES, core.Epsilon(0.25))],
                             canonizers=[core.MergeBatchNorm()])
eps_pair_maps = {"ε = 1e-6": rel["LRP-ε everywhere"].sum(1), "ε = 0.25": cv.lrp(clf, x, dog, composite=lrp_eps_big).sum(1)}
for k, m in eps_pair_maps.items():
    print(f"LRP-ε, {k:9s}: pixels get {float(m.sum()) / logit:8.4%} of the logit; red mass {float(m.clamp(min=0).sum()):7.2f}, "
          f"blue {float(m.clamp(max=0).sum()):+8.2f}")
rho_big = float(cv.evaluate.spearman(*eps_pair_maps.values()))
print(f"Spearman of the two maps: {rho_big:.2f}")
cv.plot.signed_maps(x, {f"LRP-ε, {k}": m for k, m in eps_pair_maps.items()}, clf, state_scale=True,
                    title="LRP-ε everywhere with a small and a large ε (own 99th-percentile scale each)")

# %% tags=["check"]
# With the larger ε the pixels keep far less of the logit and the map ranks the pixels differently
if not cv.config.quick():
    big_map = eps_pair_maps["ε = 0.25"]
    assert abs(float(big_map.sum())) < 0.01 * logit and float(big_map.abs().sum()) < 0.05 * float(eps_pair_maps["ε = 1e-6"].abs().sum())
    assert 0.3 < rho_big < 0.5

# %% [markdown]
# **What to look at:** with $\epsilon = 0.25$ the pixels' share of the logit falls from 41% to
# almost nothing and the red and blue masses shrink from about 500 each to a few units: the
# stabilisers kept the rest. The two maps rank the pixels differently (Spearman about 0.4).
# **On this network one global ε = 0.25 does not remove the speckle:** the right panel is
# still red and blue dots, now spread further, over the legs and the grass at the bottom.
# One value for every layer may simply be a poor choice (layers whose pre-activations are
# small lose almost everything to it; not measured here); what a larger ε costs is certain:
# less conservation, and a map that depends on ε. State ε with every LRP-ε map.
#
# ## 3. Where does the relevance go?
#
# Conservation says the pixels' relevance should add up to the logit. Before you run the
# account, predict:

# %% [markdown] choice="12-conservation"
# ### Predict, then run
#
# (the builder writes the question and the answer cell)

# %%
ledgers = {name: cv.attribution.relevance_ledger(clf, x, dog, composite=COMPOSITES[name])
           for name in ["ε + z+ + flat input (default)", "ε + γ + z-box input"]}
for name, led in ledgers.items():
    print(f"{name:30s} logit {float(led.logit):7.3f} = pixels {float(led.pixels):8.5f} "
          f"+ kept by the layers {float(led.kept):7.3f}   (pixels get {float(led.pixels / led.logit):.3%}; "
          f"residual {float(led.logit - led.pixels - led.kept):+.0e})")
cv.plot.relevance_flow(ledgers, mark_extremes=True, always=("head",))

# %% tags=["check"]
# The account closes: pixels plus what every layer kept is the logit; the pixels get under 2% of it
for name, led in ledgers.items():
    assert torch.allclose(led.pixels + led.kept, led.logit, rtol=1e-4, atol=1e-4)
    assert torch.allclose(led.relevance, rel[name], rtol=1e-4, atol=1e-9)   # the same pass as section 2's map
if not cv.config.quick():
    assert all(float(led.pixels / led.logit) < 0.02 for led in ledgers.values())

# %%
default = ledgers["ε + z+ + flat input (default)"]
keepers = sorted(default.sites, key=lambda s: -float(s.kept))[:6]
for s in keepers:
    print(f"{s.name:28s} kept {float(s.kept):6.3f}  of the {float(s.arrived):6.3f} that reached it")

# %%
# The same account with the bias left out of every denominator: z+ as deep Taylor decomposition derives it
below = [(m, r) for m, r in lrp_eps.entries if not isinstance(r, core.Epsilon)]   # the Pass and Norm rules
no_bias = core.Composite([(core.First(), core.Flat())] + below + [(core.composites.CONV_TYPES, core.ZPlus(zero_bias=True)),
                          (torch.nn.Linear, core.Epsilon(1e-6, zero_bias=True))], canonizers=[core.MergeBatchNorm()])
led_nb = cv.attribution.relevance_ledger(clf, x, dog, composite=no_bias)
rho_nb = float(cv.evaluate.spearman(led_nb.relevance.sum(1), default.relevance.sum(1)))
print(f"bias left out: pixels get {float(led_nb.pixels):.3f} of {float(led_nb.logit):.3f} ({float(led_nb.pixels / led_nb.logit):.1%}); "
      f"Spearman with the default map {rho_nb:.2f}")
for s in sorted(led_nb.sites, key=lambda s: -float(s.kept))[:3]:
    print(f"  {s.name:28s} kept {float(s.kept):6.3f}  of the {float(s.arrived):6.3f} that reached it")
cv.plot.signed_maps(x, {"bias counted (default)": default.relevance, "bias left out": led_nb.relevance}, clf, state_scale=True,
                    title="ε + z+ + flat input, with and without the bias in the denominators (own scale each)")

# %% tags=["check"]
# The text's numbers: blocks.15's depthwise convolution keeps the most; under γ the head convolution hands on more than it got
if not cv.config.quick():
    assert keepers[0].name == "blocks.15.depthwise.conv" and float(keepers[0].kept) > 0.5 * logit
    assert float(ledgers["ε + γ + z-box input"].site("head.conv").kept) < 0
    assert 0.04 < float(led_nb.pixels / led_nb.logit) < 0.09 and rho_nb > 0.9     # bias left out: still a few percent
    assert max(led_nb.sites, key=lambda s: float(s.kept)).name == "blocks.15.depthwise.conv"
torch.testing.assert_close(led_nb.pixels + led_nb.kept, led_nb.logit, rtol=1e-4, atol=1e-4)

# %% [markdown]
# **What to look at:** the account **closes**: the pixels' relevance plus what every layer
# kept is the logit, to float precision (the residual printed last). That is true by
# construction: what a layer "kept" is defined as what it did not pass on. Gradient $\times$
# input has a ledger of the same kind: Lite0 is piecewise affine, so
# $f(x) = x \cdot \nabla f(x) + \sum_k b_k\, \partial f / \partial z_k + \sum_{k\ \text{saturated}} 6\, \partial f / \partial a_k$,
# with $b_k$ the biases, $z_k$ a unit's pre-activation and $a_k$ its ReLU6 output (a saturated
# unit outputs the constant 6). The pixels' share is what matters: with the default
# composite they get **0.04%** of the logit (ten times less than gradient $\times$ input's
# 0.4%, section 1), with γ and z-box about 1%. The figure shows where it goes. Each step down is a
# layer that kept part of what reached it; the axis is logarithmic: the relevance loses a
# share block after block, and over 16 blocks that leaves almost nothing. The
# biggest keeper (labelled on the figure) is `blocks.15`'s depthwise convolution (over 7 of the 10.4 that reach it):
# the z$^+$ rule shares $R_k$ among the positive contributions **and the positive part of the
# bias**, and after BatchNorm is folded in those biases are large: units that carry much of
# the relevance there are positive through their bias alone, and all of theirs goes to the bias (the
# next paragraph shows what happens when the bias is left out). Under γ the curve first
# rises above 1 (labelled too): at `head` (the first layer the pass meets after the classifier) the rule
# hands on more than it received, because there the bias's share is negative.
#
# **The convention changes the total 150-fold but barely changes the map, and it does not
# restore conservation.** Leaving the bias out of every
# denominator (deep Taylor decomposition's z$^+$, and ε without the bias on the classifier;
# the printout and the two maps just above) hands the pixels **6.1%** of the logit, not all of
# it (why: the note below). The map barely changes (Spearman 0.94 with the default, the same
# head-centred picture). So the pixels' tiny share is a property of this network *and* of
# the rule's convention; it is not a property of LRP in general (a ReLU network without
# biases, with ε → 0, would hand everything to the pixels; Lite0's linear bottlenecks feed
# signed inputs to z$^+$, where a unit can receive relevance and have nothing to pass on).
#
# <details><summary><b>Note: where relevance stops without the bias</b> (open it)</summary>
#
# With no bias in the denominator a z$^+$ unit can lose relevance only where it has no
# positive contribution at all (its denominator is then the stabiliser $10^{-6}$): a unit
# whose output is positive through its bias alone still receives relevance from the layer
# above and has nowhere to send it. In `blocks.15`'s depthwise convolution that is 6.95 of
# the 10.9 that reach it.
#
# </details>
#
# So the values of an LRP map on this network are not "logit units per pixel": read the
# map's **shape** (where, and with which sign), and compare maps each on its own scale, as
# the figures here do.
#
# ## 4. Relevance through a residual block
#
# A residual block adds its input to what its branch computes, $y = a + b$ ($a$ the skip
# connection, $b$ the branch). LRP's rule for a sum (a parameter-free layer) gives each
# input its part of the sum, element by element: $R_a = \frac{a}{a + b} R_y$ and
# $R_b = \frac{b}{a + b} R_y$. Relevance is **split, never copied**, and the sum keeps
# nothing. The split is signed, not convex: where $a$ and $b$ have opposite signs one input
# gets a negative share and the other more than $R_y$. The account records what arrived at each of Lite0's nine residual sums and what
# went to each side:

# %%
sums_ = [s for s in default.sites if s.kind == "Sum"]
for s in sums_:
    skip, branch = s.left[0].tolist()
    print(f"{s.name.removeprefix('sum after ').split('.project')[0]:10s} arrived {float(s.arrived):7.4f}: "
          f"skip {skip:7.4f} ({skip / float(s.arrived):4.0%}), branch {branch:7.4f}")

# %% tags=["check"]
# At every residual sum skip + branch = what arrived (nothing kept); the skip gets 65% to 95%
assert all(torch.allclose(s.left.sum(1), s.arrived, rtol=1e-4, atol=1e-9) for s in sums_)
if not cv.config.quick():
    assert len(sums_) == 9 and all(0.65 < float(s.left[0, 0] / s.arrived) < 0.95 for s in sums_)

# %% [markdown]
# **What to look at:** in every residual block, between 70% and 91% of the relevance that
# reaches the block's output goes to the **skip connection** (totals over the block's units,
# which can hide element-wise shares of both signs), and only the rest enters the
# branch (its three convolutions and their biases): where the relevance is, the skip's
# values make up most of the sum $a + b$. What takes the skip passes that block's biases by;
# only the branch's share can be kept there. An implementation that hands *both* inputs the
# full $R_y$ (as the gradient of a sum does) counts the block twice, and its relevance no
# longer adds up.
#
# ## 5. DeepLIFT and Integrated Gradients: the same sum, different routes
#
# Both explain the difference from a reference $x'$ and both add up to it, by different
# routes. **Integrated Gradients** (Sundararajan et al. 2017, notebook 01) averages the
# gradient along the straight line from $x'$ to $x$,
# $$\mathrm{IG}_i = (x_i - x'_i) \int_0^1 \frac{\partial f_c}{\partial x_i}\big(x' + \alpha (x - x')\big)\, d\alpha,$$
# and adds up to $f_c(x) - f_c(x')$ only in the limit of many steps. **DeepLIFT**
# (Shrikumar et al. 2017) runs the reference through the network once, and in the backward
# pass replaces each activation's derivative by the ratio of differences, the **Rescale
# rule** $m = \frac{\sigma(z) - \sigma(z')}{z - z'}$ for each unit; the chain rule then multiplies
# these unit multipliers with the weights back to the input, giving each pixel its own
# multiplier $m^{x}_i$, and the attribution $(x_i - x'_i)\, m^{x}_i$
# adds up to $f_c(x) - f_c(x')$ **exactly**, in one backward pass. DeepLIFT was designed
# against gradient **saturation**: where a unit is flat at the image (a ReLU6 at its
# ceiling) its gradient is 0, although its value differs from the one it has at the
# reference; the unit's ratio of differences $m$ still sees that change. The exactness has a
# price: the map depends on the rule (Rescale here; the same paper's RevealCancel rule can
# give another map), and because the
# multipliers are computed layer by layer, two networks that compute the same function can
# get different DeepLIFT maps: DeepLIFT is not *implementation-invariant*, IG is
# (Sundararajan et al. 2017). Neither point is tested in this notebook. Here both use a black
# reference:

# %%
black = cv.attribution.reference_images(clf, x, ["black"])["black"]
gap = logit - float(clf.logits(black)[0, dog])
dl = cv.deeplift(clf, x, dog, baseline=black)
STEPS = cv.config.pick(32, 8)
ig, err = cv.integrated_gradients(clf, x, dog, baseline=black, steps=STEPS, return_error=True)
print(f"f(x) - f(black) = {gap:.4f}")
print(f"DeepLIFT:  sum {float(dl.sum()):.4f}  (off by {abs(float(dl.sum()) - gap):.1e})")
print(f"IG, {STEPS} steps: sum {float(ig.sum()):.4f}  (off by {abs(float(err)):.1e})")
masses = {name: (float(m.sum(1).clamp(min=0).sum()), float(m.sum(1).clamp(max=0).sum())) for name, m in [("DeepLIFT", dl), ("IG", ig)]}
print("\n".join(f"{name:8s} red mass {red:6.2f}, blue mass {blue:+7.2f}" for name, (red, blue) in masses.items()))
cv.plot.signed_maps(x, {"DeepLIFT (Rescale)": dl, f"Integrated Gradients ({STEPS} steps)": ig}, clf, state_scale=True,
                    title="Against a black reference: red raises the logit, blue lowers it (own 99th-percentile scale)")

# %% tags=["check"]
# DeepLIFT's sum is f(x) - f(black) to float precision; IG with 32 steps misses by 5% to 15% of it; IG's masses are about 5x DeepLIFT's
assert abs(float(dl.sum()) - gap) < 1e-4 * abs(gap)
if not cv.config.quick():
    assert 0.05 * gap < abs(float(err)) < 0.15 * gap
    assert 130 < masses["DeepLIFT"][0] < 170 and -160 < masses["DeepLIFT"][1] < -120
    assert 650 < masses["IG"][0] < 820 and -810 < masses["IG"][1] < -640

# %% [markdown] choice="12-baseline"
# ### Predict, then run
#
# (the builder writes the question and the answer cell)

# %%
refs = cv.attribution.reference_images(clf, x, seed=0)
ref = torch.cat(list(refs.values()))
f_ref = clf.logits(ref)[:, dog]
dls = cv.deeplift(clf, x.expand_as(ref), dog, baseline=ref)     # one DeepLIFT per reference, one pass
for (kind, _), d, f in zip(refs.items(), dls, f_ref.tolist()):
    print(f"{kind:8s} f(x') = {f:7.3f}   sum of DeepLIFT {float(d.sum()):7.3f} = f(x) - f(x') = {logit - f:7.3f}")
maps = {f"{k} reference": d for k, d in zip(refs, dls)}
cv.plot.signed_maps(x, {**maps, "mean of the four (DeepLIFT-SHAP)": dls.mean(0)}, clf, ncols=3, state_scale=True,
                    title="DeepLIFT of 'German shepherd' against four references (own 99th-percentile scale each)")

# %% tags=["check"]
# Each map adds up to its own difference; the mean of the four is DeepLIFT-SHAP over the four references
assert torch.allclose(dls.flatten(1).sum(1), logit - f_ref, rtol=1e-3, atol=1e-3)
if not cv.config.quick():
    assert torch.allclose(dls.mean(0, keepdim=True), cv.deeplift_shap(clf, x, dog, baselines=ref), atol=1e-6)
    assert list(refs)[int((logit - f_ref).argmin())] == "blurred" and list(refs)[int((logit - f_ref).argmax())] == "black"

# %% [markdown]
# **What to look at:** DeepLIFT's sum matches $f(x) - f(x')$ to float precision; Integrated
# Gradients with 32 steps misses it by about 1.1, a tenth of the difference (more steps
# shrink the error; `return_error=True` reports it). The two maps share the head, chest and
# legs but differ pixel by pixel: the same total, reached by different routes (IG
# averages gradients along a straight path in input space; DeepLIFT uses, for each unit, the
# average slope of its activation between reference and image, in one backward pass, which
# Ancona et al. 2018 write as a modified gradient).
# Mind the scales in the titles: IG's ($\pm 0.19$) is about five times DeepLIFT's ($\pm 0.04$)
# for nearly the same total (10.6 against 11.8). The printed masses say why: IG's red and
# blue masses (about 735 and $-725$) are about five times DeepLIFT's (151 and $-140$), and
# cancel to a similar sum: both maps are mostly cancelling speckle, IG's five times more.
#
# **The reference is part of the question.** With four references the four differences
# $f(x) - f(x')$ range from 10.6 (the photo blurred with σ = 14 pixels, to which Lite0 still gives a logit of
# 0.31) to 11.8 (black), each map adds up exactly to its own, and the maps differ. DeepLIFT's attribution is
# $(x - x')$ times a multiplier, so a pixel equal to its reference gets nothing: against the
# **blurred** photo the relevance sits on what the blur changed (the outline of the back,
# the legs, the tail); against the **mean colour** the dark back (far from the mean) lights
# up in both signs; against **black** the head and legs stand out; **noise** (uniform random
# colours, seed 0) lights mainly the dark back and the head, like the mean colour: both
# references are far from the dark pixels. The last panel is their mean: DeepLIFT averaged
# over several references is
# **DeepLIFT-SHAP** (Lundberg & Lee 2017), an approximation of SHAP values with those references
# as the "absent" input: exact only for linear models, it assumes independent features, and
# four references are a tiny background set. SHAP's background should be samples of the data
# (DeepSHAP usually averages over dozens to hundreds of training images); these four are
# artificial, so this is SHAP with respect to an artificial background (the check above compares it with
# `cv.deeplift_shap`). State the reference with every map.
#
# ## 6. Two objects, two classes
#
# Is an LRP map about the class or about the image? The photograph of a practice room has
# an electric guitar (Lite0's first class) leaning against a drum kit (`drum` is in its
# top-5). We explain both classes with LRP (the default composite) and with Grad-CAM, and
# measure the share of each map's positive mass inside the object's hand-drawn boxes
# (`cv.sample_boxes`), to be compared with the boxes' share of the image (what a map spread
# evenly would get):

# %%
scene = clf.preprocess(cv.sample_image("drums_and_guitar"), size=SIZE)
display(cv.plot.predictions(clf, scene))
Markdown(cv.credit("drums_and_guitar"))

# %%
BOXES = cv.sample_boxes("drums_and_guitar", size=SIZE)
pair = [clf.class_index("electric guitar"), clf.class_index("drum")]
lrp_pair = cv.lrp(clf, scene, [pair])[0]                         # (2, 3, H, W): guitar, drum
both = {"LRP (default)": lrp_pair.sum(1), "Grad-CAM": cv.gradcam(clf, scene, [pair])[0]}
share = {m: {obj: cv.energy_in_boxes(r, BOXES[obj]).tolist() for obj in BOXES} for m, r in both.items()}
rho = {m: float(cv.evaluate.spearman(r[:1], r[1:])) for m, r in both.items()}
area = {obj: float(cv.energy_in_boxes(torch.ones(SIZE, SIZE), b)) for obj, b in BOXES.items()}
print("boxes' share of the image:", {k: f"{v:.0%}" for k, v in area.items()})
for m, s in share.items():
    print(f"{m:14s} guitar map: {s['electric guitar'][0]:.0%} on the guitar, {s['drum'][0]:.0%} on the drums; "
          f"drum map: {s['drum'][1]:.0%} on the drums, {s['electric guitar'][1]:.0%} on the guitar; "
          f"Spearman of the two maps {rho[m]:+.2f}")

# %%
unit = lrp_pair / lrp_pair.sum(1).clamp(min=0).flatten(1).sum(1)[:, None, None, None]   # each map / its red mass
cv.plot.signed_maps(scene, {"LRP: electric guitar": lrp_pair[0], "LRP: drum": lrp_pair[1],
                            "guitar minus drum\n(each divided by its total)": unit[0] - unit[1]}, clf,
                    title="LRP (epsilon_plus_flat) for two classes of one photo (own 99th-percentile scale each)",
                    boxes=BOXES)

# %% tags=["check"]
# Each class's map sits on its own object, above the boxes' share; LRP's two maps still correlate, Grad-CAM's do not
if not cv.config.quick():
    for m in share:
        assert share[m]["electric guitar"][0] > 2 * area["electric guitar"] and share[m]["electric guitar"][1] < 0.5
        assert share[m]["drum"][1] > area["drum"] + 0.1 and share[m]["drum"][0] < share[m]["drum"][1]
    assert 0.65 < rho["LRP (default)"] < 0.8 and rho["Grad-CAM"] < 0
    assert 0.2 < share["LRP (default)"]["electric guitar"][1] < 0.3 and 0.28 < share["LRP (default)"]["drum"][0] < 0.38
    diff = (unit[0] - unit[1]).sum(0)[None]
    assert cv.energy_in_boxes(diff.clamp(min=0), BOXES["electric guitar"]).item() > 0.9
    assert cv.energy_in_boxes((-diff).clamp(min=0), BOXES["drum"]).item() > 0.85

# %% [markdown]
# **What to look at:** on this photo LRP moves its mass with the class: the guitar's map puts
# about two thirds of its mass on the guitar (whose boxes cover 30% of the image), the drum's
# map over 70% on the drum kit (57% of the image), about as Grad-CAM does. In the figure the
# guitar map lights the guitar's body (the neck only faintly), the drum map the rims of the drums and the
# cymbal stands (the hand-drawn boxes are outlined on every panel). The raw values are tiny
# (colour bars of $10^{-7}$) and not comparable across classes (section 3), so the third
# panel subtracts the maps after dividing each by its total: red on the guitar, blue on the
# drums.
#
# **Yet the two LRP maps are alike:** their Spearman correlation is 0.73, where Grad-CAM's two
# maps are anticorrelated ($-0.23$). Here Spearman compares the **signed** maps (section 7
# compares absolute maps): two classes can differ in sign, so the sign is kept. The guitar maps put the same shares in the boxes (each leaves 33% on the
# drums, whose boxes cover 57% of the image: below chance); the drum maps differ: LRP's leaves
# 24% on the guitar, Grad-CAM's 15% (the guitar's boxes: 30% of the image). A **hypothesis**
# (Sixt et al.'s argument): the ε rule on the classifier decides how much relevance each of
# the head's channels receives, and that is all the class changes; the z$^+$ layers below
# spread it along the image's strong positive contributions, in much the same way whichever
# channels it came from. A test: the same two classes with LRP-ε everywhere (no z$^+$
# layer). If the z$^+$ layers make the maps alike, these two should decorrelate:

# %%
eps_pair = cv.lrp(clf, scene, [pair], composite=lrp_eps)[0].sum(1)       # LRP-ε everywhere: guitar, drum
rho_eps = float(cv.evaluate.spearman(eps_pair[:1], eps_pair[1:]))
eps_share = {obj: cv.energy_in_boxes(eps_pair, BOXES[obj]).tolist() for obj in BOXES}
print(f"LRP-ε everywhere: Spearman of the two maps {rho_eps:+.2f}; positive mass on the guitar: guitar map "
      f"{eps_share['electric guitar'][0]:.0%}, drum map {eps_share['electric guitar'][1]:.0%}; on the drums: "
      f"guitar map {eps_share['drum'][0]:.0%}, drum map {eps_share['drum'][1]:.0%}")

# %% tags=["check"]
# With LRP-ε everywhere the two maps no longer correlate, and both put about the same shares on each object
if not cv.config.quick():
    assert abs(rho_eps) < 0.2 and rho["LRP (default)"] > rho_eps + 0.5
    assert all(abs(eps_share[obj][0] - eps_share[obj][1]) < 0.05 for obj in BOXES)
    assert eps_share["electric guitar"][0] < area["electric guitar"]

# %% [markdown]
# **What to look at:** without the z$^+$ layers the two maps decorrelate (Spearman about 0,
# against 0.73 for the default composite), as the hypothesis predicts. This test alone does
# not settle it: the ε maps are speckle of both signs (section 2) and here no longer follow
# the class at all (both put the same share of their positive mass on each object, and less
# on the guitar than its 30% of the image), and noise alone decorrelates two maps. The
# finer test moves the ε/z$^+$ boundary down: ε on the classifier and on the top $k$ stages,
# that is `head` (the 1x1 convolution above the blocks) and the top $k-1$ blocks (`blocks.15`,
# `blocks.14`, ...), z$^+$ below, flat on the first layer, for $k = 0, 1, 2, 4$ ($k = 0$ is the default composite). If the z$^+$ layers make the maps
# alike, they should decorrelate at some depth while still following the class:

# %%
STAGES = ["head", "blocks.15", "blocks.14", "blocks.13"]                 # single blocks, from the top down
sweep, sweep_maps = {}, {}
for k in [0, 1, 2, 4]:    # ε on the classifier and the top k blocks, z+ below, flat on the first layer
    comp = core.Composite([(core.First(), core.Flat())] + below + [(f"{st}.*", core.Epsilon(1e-6)) for st in STAGES[:k]]
                          + [(core.composites.CONV_TYPES, core.ZPlus()), (torch.nn.Linear, core.Epsilon(1e-6))],
                          canonizers=[core.MergeBatchNorm()])
    p = sweep_maps[k] = cv.lrp(clf, scene, [pair], composite=comp)[0].sum(1)
    sweep[k] = (float(cv.evaluate.spearman(p[:1], p[1:])), float(cv.energy_in_boxes(p[:1], BOXES["electric guitar"])),
                float(cv.energy_in_boxes(p[1:], BOXES["drum"])))
    print(f"k = {k} (ε also on: {', '.join(STAGES[:k]) or 'nothing'}): Spearman of the two maps {sweep[k][0]:+.2f}; "
          f"guitar map {sweep[k][1]:.0%} on the guitar, drum map {sweep[k][2]:.0%} on the drums")

# %% tags=["check"]
# Moving the boundary down two blocks decorrelates the two maps while each still follows its own object
assert abs(sweep[0][0] - rho["LRP (default)"]) < 1e-4                   # k = 0 is the default composite
if not cv.config.quick():
    assert sweep[1][0] > 0.65 and abs(sweep[2][0]) < 0.2 and sweep[4][0] < -0.4
    assert all(sweep[k][1] > 0.75 and sweep[k][2] > 0.6 for k in (2, 4))

# %%
cv.plot.signed_maps(scene, {"Grad-CAM: electric guitar": both["Grad-CAM"][:1], "Grad-CAM: drum": both["Grad-CAM"][1:],
                            "LRP, ε on head + blocks.15-13\n(k = 4): electric guitar": sweep_maps[4][:1],
                            "LRP, ε on head + blocks.15-13\n(k = 4): drum": sweep_maps[4][1:]}, clf, boxes=BOXES, ncols=5,
                    reductions={f"Grad-CAM: {c}": "one-channel map, upsampled" for c in ("electric guitar", "drum")},
                    title="The maps behind the numbers: Grad-CAM's two classes and the k = 4 sweep's (own 99th-percentile scale each)")

# %% [markdown]
# **What to look at:** the figure shows the maps behind two of the numbers. Grad-CAM's guitar
# map sits on the guitar's body and its drum map on the drum kit. With ε on `head` and the
# top three blocks ($k = 4$: `head`, `blocks.15` to `blocks.13`) LRP's guitar map is red on the guitar and blue on
# the drums, its drum map the reverse: that is why the two correlate negatively. With ε on the `head` convolution too ($k = 1$) the maps stay alike
# (0.76); with ε also on `blocks.15` ($k = 2$) their correlation drops to about 0.06, and with
# `head` and three blocks under ε ($k = 4$) it turns negative ($-0.66$), while the maps still follow their class,
# mostly more than before: the guitar map puts 89-90% on the guitar (67% with the default),
# the drum map 66% ($k = 2$) and 86% ($k = 4$) on the drums (72% with the default). So on this photo moving ε onto `blocks.15`
# (with `head`) is what decorrelates the two class maps; ε on `head` alone does not. The
# sweep does not test `blocks.15` alone, so the data point to `blocks.15`'s z$^+$ layers
# (possibly together with `head`'s) without isolating a single layer. A reading in line
# with Sixt et al.: above that point the relevance is still class-specific, and z$^+$
# spreads it over the image's strong positive contributions in much the same way for either class. The same mechanism would explain why section 7 finds the
# map little changed when the classifier is redrawn.
#
# ## 7. Is LRP faithful? The sanity check and the deletion curve
#
# Notebook 08's two tests, now for LRP (the default composite) beside Grad-CAM and Integrated
# Gradients (8 steps, black reference: fewer than above, to keep the cascade affordable), on
# two photographs, the German shepherd and the red panda below: the
# **cascading randomisation** check (Adebayo et al. 2018: redraw the network from the
# classifier down and measure the Spearman correlation of each new map with the original;
# this course calls a method whose mean stays above 0.5 a failure; the correlation is taken
# between the absolute maps, each summed over the colour channels, as in notebook 08) and the **deletion and
# insertion** curves (Petsiuk et al. 2018; 16 steps). Petsiuk et al. delete to zero after normalisation (the
# data-mean colour) and insert onto a blurred canvas; here deletion also uses the blur (σ = 10
# pixels), this course's variant, and the red panda's test is rerun below with the paper's
# mean-colour deletion.

# %%
xs = clf.preprocess([cv.sample_image(n) for n in ["german_shepherd", "red_panda"]], size=SIZE)
display(cv.plot.predictions(clf, xs[1:], title="the second test photograph: Lite0's top-5"))
Markdown(cv.credit("red_panda"))

# %%
IG_STEPS = cv.config.pick(8, 4)
course = cv.evaluate.course_methods(["gradcam", "integrated_gradients"], ig_steps=IG_STEPS)
LRP_NAME, GC_NAME, IG_NAME = "LRP (ε + z⁺ + flat)", "Grad-CAM", f"Integrated Gradients ({IG_STEPS} steps)"
methods = {LRP_NAME: cv.lrp, GC_NAME: course["gradcam"], IG_NAME: course["integrated_gradients"]}
LAYERS = cv.config.pick(["classifier", "head", "blocks.15", "blocks.8", "stem"],
                        ["classifier", "blocks.15", "blocks.8"])
ev = cv.evaluate_methods(clf, xs, methods, layers=LAYERS, steps=cv.config.pick(16, 6), seed=0,
                         images=["german_shepherd", "red_panda"])
cv.plot.sanity_spread(ev.sanity, {"LRP, Grad-CAM and Integrated Gradients": list(methods)}, panel_size=(8.0, 5.0),
                      threshold_label="the course's failure threshold (0.5)")

# %%
steps_ = {name: [round(v, 2) for v in r.spearman.mean(0).tolist()] for name, r in ev.sanity.items()}
for name, values in steps_.items():
    print(f"{name:30s} similarity after each randomised layer: {values}")
per_image = {name: r.spearman.mean(1).tolist() for name, r in ev.sanity.items()}   # mean over the cascade
for name, (dog_, panda) in per_image.items():
    print(f"{name:30s} mean over the cascade: German shepherd {dog_:.2f}, red panda {panda:.2f}, "
          f"both {(dog_ + panda) / 2:.2f}")
for i, photo in enumerate(["German shepherd", "red panda"]):
    display(cv.plot.curves({k: ev.curves[k] for k in [*methods, "random pixels", "random blobs"]},
                           index=i, title=f"Deletion and insertion on the {photo}", legend_loc="outside"))

# %%
print("AUC per image (German shepherd, red panda):")
for n in ev.curves:
    print(f"{n:30s} deletion {[round(v, 3) for v in ev.deletion(n).tolist()]}  "
          f"insertion {[round(v, 3) for v in ev.insertion(n).tolist()]}")

# %% tags=["check"]
# LRP stays above 0.5 until the stem; Grad-CAM falls after head; LRP beats random on the dog, not on the panda's deletion
if not cv.config.quick():
    assert min(steps_[LRP_NAME][:-1]) > 0.6 and steps_[LRP_NAME][0] > 0.8 and max(steps_[GC_NAME][1:]) < 0.2
    ig_images = ev.sanity[IG_NAME].spearman.mean(1)            # mean over the cascade, per image
    assert 0.53 <= float(ig_images.mean()) < 0.55 and float(ig_images[0]) < 0.5 < float(ig_images[1])
    assert (ev.sanity[LRP_NAME].spearman.mean(1) > 0.6).all() and steps_[LRP_NAME][-1] < 0.5
    d, i = ev.deletion(LRP_NAME), ev.insertion(LRP_NAME)
    assert d[0] < ev.deletion("random pixels")[0] and d[1] > max(ev.deletion(k)[1] for k in ("random pixels", "random blobs"))
    assert i[0] == max(float(ev.insertion(k)[0]) for k in ev.curves) and ev.deletion(GC_NAME)[0] < d[0]

# %% [markdown]
# **What to look at:** the dashed grey line in the sanity figure is the course's 0.5
# threshold. **LRP fails the cascade** by the 0.5 rule: after the classifier is
# redrawn its map still correlates 0.85 with the original, stays above 0.6 down to
# `blocks.8`, and drops below 0.5 only when the stem is redrawn too (the rise from 0.75 to
# 0.81 is one random draw on two photos: steps that differ by about 0.1 are not a trend); its mean over the
# cascade is above 0.6 on both photographs. Sixt, Granz & Landgraf (2020) explain it: rules
# built on the positive contributions (z$^+$ here; $\alpha\beta$ too, whose $\alpha$-term
# dominates) make the backward pass converge, layer after layer, to a map that hardly depends
# on the upper layers' weights, like guided backprop in notebook 08; in the same paper
# DeepLIFT does *not* converge this way. Only the default composite is tested here (the
# exercise at the end runs α2β1 on one photo); the DeepLIFT statement is the paper's.
#
# **Grad-CAM and IG in the sanity figure.** **Grad-CAM** falls to about 0 (and
# below) after `head`. **Integrated Gradients** falls slowly, from 0.66 to 0.37 when the stem
# is redrawn, and by the 0.5 rule it **fails narrowly** (mean 0.54 over both photographs):
# below 0.5 on the German shepherd, above it on the red panda (the per-image means above).
# Its map is the path-averaged gradient times $x - x'$, and Adebayo et al. (2018) already
# report that such input-multiplied maps (gradient $\odot$ input, IG) keep the input's
# structure after randomisation: the factor $x - x'$ carries the image's contrast whatever
# the weights (their observation; not isolated on this network). With two images
# and IG at 8 steps (section 5: 32 steps still miss completeness by a tenth), IG's result is
# borderline, not a verdict. LRP's per-image means (0.79, 0.63) and Grad-CAM's (0.05,
# 0.12) sit on one side of the line on both images.
#
# **The deletion and insertion curves (blurred copy).** On the German shepherd (the first
# figure) LRP does well: the best insertion AUC of the three, and a deletion AUC far below
# random pixels', behind Grad-CAM's. The second figure shows the **red panda**: there LRP's deletion
# AUC (0.81) is **worse than both random maps'** (0.59 and 0.69; also in the AUC printout):
# its deletion curve stays near the top until about half the pixels are gone, dips to 0.34,
# and climbs back late (16 steps, not monotone).
#
# **Read the endpoints too.** On the red panda (second figure) every deletion curve
# ends at about 0.73, because the fully blurred photo (σ = 10 pixels) is still a lesser panda,
# and every insertion curve starts there and collapses once a few sharp pixels are pasted in,
# a mixed image out of the training distribution, not evidence about the map. On the German shepherd (first figure) the fully blurred photo
# scores 0, so the same test behaves differently on the two images. The curves and the
# blurred insertion canvas are Petsiuk et al.'s (2018), the blurred deletion is this course's
# variant; that such mixed images are
# off-distribution, so that a score drop may come from the shift rather than from lost
# information, is Hooker et al.'s (2019) critique (they retrain the model instead, ROAR).
# A second replacement, cheap to run, the dataset mean colour (0 after normalisation, close
# to the paper's own deletion) instead of the blur, with two
# controls: LRP's order reversed (least relevant pixels first), which must score worse than
# LRP's own order if the test separates orders at all, and Grad-CAM, the best map with the blur:

# %%
# The red panda's deletion test again, with the mean colour instead of the blur, plus two controls (16 steps each)
lrp_p = cv.lrp(clf, xs[1:]).sum(1)
pmaps = {"LRP": lrp_p, "random pixels (seed 0)": torch.rand(1, SIZE, SIZE, generator=torch.Generator().manual_seed(0)),
         "LRP reversed (least relevant first)": -lrp_p, "Grad-CAM": course["gradcam"](clf, xs[1:])}
fills = {"LRP": ("blur", 0.0), "random pixels (seed 0)": ("blur", 0.0)}
pcurves = {(n, f): cv.evaluate.deletion_curve(clf, xs[1:], m, steps=cv.config.pick(16, 6), fill=f, seed=0, progress=False)
           for n, m in pmaps.items() for f in fills.get(n, (0.0,))}
fill_auc = {key: float(c.auc[0]) for key, c in pcurves.items()}
for (n, f), a in fill_auc.items():
    print(f"{n:36s} deletion AUC with {'the blurred copy' if f == 'blur' else 'the mean colour'}: {a:.4f}")
display(cv.plot.curves({n: pcurves[(n, 0.0)] for n in pmaps}, legend_loc="outside", fontsize=12, subtitles=False,
                       title="Deletion on the red panda, pixels replaced by the mean colour (lower AUC is better)"))

# %% tags=["check"]
# With the mean colour the test tells orders apart (LRP against its reverse) although LRP and random tie
if not cv.config.quick():
    assert fill_auc[("LRP", "blur")] > fill_auc[("random pixels (seed 0)", "blur")] + 0.15
    assert abs(fill_auc[("LRP", 0.0)] - fill_auc[("random pixels (seed 0)", 0.0)]) < 0.01
    assert fill_auc[("LRP reversed (least relevant first)", 0.0)] > fill_auc[("LRP", 0.0)] + 0.2
    assert fill_auc[("Grad-CAM", 0.0)] > fill_auc[("LRP", 0.0)] + 0.15
    lrp_s, rnd_s = pcurves[("LRP", 0.0)].scores[0], pcurves[("random pixels (seed 0)", 0.0)].scores[0]
    assert lrp_s[3] > 0.9 and rnd_s[3] < 0.7 and lrp_s[5] < 0.2 and rnd_s[5] > 0.3     # different routes to the same area

# %% [markdown]
# **What to look at:** the mean-colour test **does tell orders apart**: the reversed LRP
# order (least relevant pixels first) scores 0.55 against LRP's 0.28, and Grad-CAM 0.49
# (the printout above, four decimals). LRP and the random map land on the same area
# (0.2757 against 0.2760) by **different routes**, which the figure shows: the random
# curve falls from about an eighth of the pixels on (scattered mean-colour pixels, off the
# training distribution, hurt the panda), while LRP's holds near 0.94 for the first fifth of
# the pixels and then collapses within two steps. (This random map's blurred-copy AUC,
# 0.5684, is not the 0.59 of section 7's random pixels: they are two different random
# draws, and a random baseline moves by about 0.02 between them.) The equal areas are a
# coincidence of this image, not a sign that the test cannot separate maps. With the blur LRP
# lost to random and Grad-CAM did best; with the mean colour Grad-CAM falls behind both. So
# the **ranking depends on the replacement**: on this image neither replacement gives a
# verdict on LRP, and one image under one replacement is not a verdict.
#
# ## 8. Explore
#
# Pick a relevance method (LRP, DeepLIFT, DeepLIFT-SHAP, or GradientSHAP, the SHAP library's
# method (Lundberg & Lee 2017): expected gradients (Erion et al. 2021), IG averaged over random
# references and random points on the path), a photograph (or
# upload your own) and a class. The panel runs each method with its default settings.
# In a static copy of this notebook the controls do not show: the live panel has drop-downs
# for the photograph (with an upload button), the model, the method family and method, the
# class (the photograph's top-5) and the layer (for CAM methods), and redraws on each change.
# The snapshot below is its starting state: LRP of the top class, drawn as the magnitude
# (largest $|R|$ over the colour channels) on the magma scale, from black (0 on the colour
# bar = the map's minimum) to pale yellow (1 = the map's 99th percentile; the top 1% of
# pixels are clipped). It is the same relevance as section 2's default panel, reduced
# differently (largest $|R|$ over the channels instead of the signed sum).
# It shows no signs: read signs on the red-blue figures above. The head takes the top of the
# scale; the outline of the back shows faintly, as in section 2's z$^+$ panels, and the
# whole map carries the flat first layer's dotted grid (section 2), an artefact of the rule.
#
# **Predict, then run:** pick the red panda and switch the method to DeepLIFT (the panel
# uses a black reference). Before it redraws, write down where you expect the relevance to
# sit, using section 5's black-reference panel; then compare with LRP on the same photo.
#
# <details><summary><b>What you should see</b> (open it after predicting)</summary>
#
# The figure under the panel stores the two maps (signed, summed over RGB; the panel shows
# their magnitude). DeepLIFT against black is speckle of both signs, like section 5's maps,
# densest on the middle of the face (from the eyes down to the mouth) and scattered over the
# ears and the top edge. It need not favour the brightest pixels: its attribution is
# $(x - x')$ times a multiplier, and a large $x - x'$ (the white cheek and ear markings are
# farthest from black) does not make a pixel relevant when its multiplier is small. LRP
# (default composite) is smooth, red on the eyes, the nose and the outline of the face, and
# carries the flat first layer's dotted grid, as in section 2's default panel.
#
# </details>

# %%
cv.widgets.explorer_panel(image="german_shepherd", family="relevance", method="lrp", cmap="magma", colorbar=True,
                          percentile=99, large=True)

# %%
# the two maps of the prediction above, stored for a static copy: the red panda's top class, signed
black_p = cv.attribution.reference_images(clf, xs[1:], ["black"])["black"]
panda = {"DeepLIFT, black reference": cv.deeplift(clf, xs[1:], baseline=black_p), "LRP (default composite)": lrp_p}
cv.plot.signed_maps(xs[1:], panda, clf, state_scale=True,
                    title="The red panda: the two maps of the prediction above (red raises the logit; own 99th-percentile scale)")


# %% [markdown]
# ### Exercise: the LRP-ε rule for one layer
#
# Write `lrp_epsilon(x, weight, bias, relevance, epsilon)`: the relevance of the inputs `x`
# (shape `(D,)`) of a linear layer $z = W x + b$ (`weight` `(K, D)`, `bias` `(K,)`) given the
# relevance of its outputs (`relevance`, `(K,)`), by the rule of section 1,
# $R_j = \sum_k x_j w_{kj} R_k / (z_k + \epsilon\,\mathrm{sign}(z_k))$, with $\mathrm{sign}(0) = +1$.
# Then compare `relevance.sum()` with your result's sum: what did the bias keep?


# %% tags=["exercise"]
def lrp_epsilon(x, weight, bias, relevance, epsilon):
    raise NotImplementedError  # your code here


# %% tags=["exercise-check"]
cv.exercises.check_lrp_epsilon(lrp_epsilon)


# %% tags=["solution"]
def lrp_epsilon_solution(x, weight, bias, relevance, epsilon):
    z = weight @ x + bias
    stabilised = z + epsilon * torch.where(z >= 0, 1.0, -1.0)
    return x * (weight.T @ (relevance / stabilised))

assert cv.exercises.check_lrp_epsilon(lrp_epsilon_solution)

# %% [markdown]
# ### Exercise: does Sixt et al.'s prediction hold for α2β1 on Lite0?
#
# Sixt et al. (2020) predict that $\alpha\beta$ rules, like z$^+$, hardly notice when the upper
# layers are redrawn. Predict first, in the cell below: redrawing section 7's cascade from
# the top down, which redrawn layer first brings the α2β1 map's Spearman correlation with
# the original below the course's 0.5 (write its name in `first_below`, or `None` if you
# think it never does)? Will α2β1 fail the check, as the default composite did?
# Then set `redraw` to section 7's cascade (its layer list, from the classifier down) and run
# it on the German shepherd. Section 7's LRP and Grad-CAM rows are means over two photos, so
# they show the pattern, not a like-for-like comparison with one photo.

# %% tags=["exercise"]
first_below = ...   # your prediction: the name of a layer, or None
redraw = []         # your list: the layers to redraw, from the top down
if redraw:
    mine = cv.evaluate.randomization_check(clf, cv.lrp, xs[:1], layers=redraw, seed=0, init="normal", progress=False,
                                           composite="epsilon_alpha2_beta1")
    rhos = dict(zip(redraw, [round(v, 2) for v in mine.spearman[0].tolist()]))
    print("α2β1, Spearman with the original after each redrawn layer:", rhos)
    print("first below 0.5:", next((k for k, v in rhos.items() if v < 0.5), None), "; your prediction:", first_below)

# %% tags=["solution"]
a2b1 = cv.evaluate.randomization_check(clf, cv.lrp, xs[:1], layers=LAYERS, seed=0,
                                       init="normal", progress=False, composite="epsilon_alpha2_beta1")
print("α2β1, Spearman with the original after each redrawn layer:", dict(zip(LAYERS, [round(v, 2) for v in a2b1.spearman[0].tolist()])))
assert cv.exercises.check_sanity_failure("α2β1", {"α2β1": a2b1})     # mean over the cascade above 0.5: it fails

# %% tags=["check"]
# The model answer's numbers: α2β1 stays above 0.8 for three redraws and first falls below 0.5 at blocks.8
if not cv.config.quick():
    assert float(a2b1.spearman[0, :3].min()) > 0.8 and float(a2b1.spearman[0].mean()) > 0.5
    assert all(abs(v - w) < 0.02 for v, w in zip(a2b1.spearman[0].tolist(), [0.91, 0.99, 0.81, 0.38, 0.14]))

# %% [markdown]
# <details><summary><b>Model answer</b> (open it after running)</summary>
#
# On this photo the α2β1 map keeps a correlation above 0.8 with the original after the first
# three redraws (0.91, 0.99, 0.81 after the classifier, `head` and `blocks.15`), where
# Grad-CAM (section 7, mean of two photos) falls to about 0 once `head` is; it first falls below 0.5 when `blocks.8` is
# redrawn (0.38), then 0.14 with the stem. Its mean over the cascade (0.65) is above 0.5, so
# it fails the check like the default composite, which stays above 0.6 down to `blocks.8`
# and drops below 0.5 only at the stem. The per-layer rows are not like for like (one photo
# against the mean of two). The like-for-like number is the mean over the cascade on the
# German shepherd: 0.79 for the default composite (section 7) against 0.65 for α2β1, so on
# this photo α2β1 stays less similar on average, and both fail. The rise from 0.91 to 0.99
# is one random draw (seed 0) on one photo: read steps that differ by about 0.1 as noise. The αβ
# rule, whose $\alpha$-term dominates, behaves much like z$^+$ on the upper layers, as Sixt
# et al. predict. One photo is a small test.
#
# </details>

# %% [markdown]
# ### Think, then write
#
# A colleague says: "LRP is better than Grad-CAM because its relevance adds up to the
# logit." Using sections 3 and 7, say what conservation gives you on this network, what it
# does not, and what you would report with an LRP map.

# %% [markdown]
# *Your answer (double-click this cell to write):*

# %% [markdown]
# <details><summary><b>Model answer</b> (open it after writing yours)</summary>
#
# Conservation holds for the **account**, not for the pixels: on Lite0, with each bias counted
# as an input of its layer, the layers' biases (BatchNorm folded into the convolutions) keep
# almost all of the logit (and with the bias left out the pixels still get only 6%), and with the two
# composites in the account (section 3) the pixels get 0.04% (default) to 1% (γ with z-box);
# section 2's table gives 0.02% for `epsilon_plus`, and 41% for LRP-ε everywhere, a hundred
# times gradient $\times$ input's 0.4%, because Pass hands relevance through ReLU6 units at
# their ceiling, where the gradient is 0 (section 2). So the map's values
# are not shares of the logit; only its shape and signs can be read. The account closes by construction, and
# gradient $\times$ input has one of the same kind (bias $\times$ gradient terms) whose pixels
# get 0.4%: LRP's advantage is a per-layer account and the choice of rules, not a pixel
# total. Conservation is also no proof of
# faithfulness: the default composite keeps its map when the classifier is redrawn (0.85,
# section 7), as Sixt et al. (2020) predict for rules built on the positive contributions,
# and on the red panda its
# deletion curve is worse than a random map's with the blurred copy (with the mean colour
# it ties with the random map by a different curve, and the ranking of all maps changes). Grad-CAM passes the cascade. With an LRP map
# report the composite (rules per layer), the canonizers, the explained output, and check it
# with the sanity test and a deletion curve on several images. If you need a total that
# means something, DeepLIFT or Integrated Gradients give $f(x) - f(x')$ exactly (or with a
# reported error), for a reference you state.
#
# </details>

# %% [markdown]
# ## Pitfalls
#
# - **"Conserves" does not mean "the pixels add up to the logit".** With the bias counted as
#   an input every bias keeps a share, and on a deep network with folded BatchNorm the pixels
#   may get a tiny fraction; leaving the bias out changes the share 150-fold here (0.04% to
#   6%, section 3) but still leaves the pixels far from the logit. Check the
#   account (`cv.attribution.relevance_ledger`) before quoting LRP values as logit units.
# - **The composite is the method.** LRP-ε, z$^+$, γ and $\alpha\beta$ give different maps of
#   the same decision (section 2); name the composite and the first-layer rule with every map.
# - **Rules built on the positive contributions can ignore the classifier.** z$^+$ maps change
#   little when the upper layers are randomised (section 7), and by Sixt et al. (2020) so do
#   $\alpha\beta$ maps (the α2β1 exercise, on one photo): run the sanity check.
# - **Residual sums and BatchNorm need rules of their own.** A sum must split relevance (not
#   copy it: copying $R_y$ to both inputs counts it twice, and the account no longer adds
#   up). BatchNorm should be folded into its convolution (a canonizer) before the rules
#   apply: the rules are derived for a layer $z = Wa + b$, and BN treated as a layer of its
#   own gets a rule not made for it, so the map depends on how the network is written down.
#   Folding BN in (Guillemot et al. 2020) makes LRP measurably more reliable on VGG-16 and
#   ResNet-18 (Motzkus, Weber & Lapuschkin 2022). This notebook always folds it and does not
#   show a map without the canonizer.
# - **DeepLIFT and IG explain a difference.** The reference changes the map (section 5);
#   state it. IG with few steps misses completeness (10% here at 32 steps): report the error.
# - **DeepLIFT's exactness is bought with a rule.** Rescale and RevealCancel give different
#   maps, and DeepLIFT violates implementation invariance (two networks computing the same
#   function can get different maps); IG does not (Sundararajan et al. 2017). Name the rule.
# - **One image, one baseline is not a verdict:** LRP's deletion AUC beat random pixels on one
#   photo and lost to them on the next with the blurred copy; with the mean colour the
#   ranking changes again (Grad-CAM falls behind LRP and random; section 7). The blurred
#   replacement can keep the class, and mixed images are off-distribution (Hooker et al. 2019).
#
# ## Summary
#
# - **Conservation** is the defining property of relevance methods: LRP hands the logit back
#   layer by layer, DeepLIFT and IG add up to $f(x) - f(x')$.
# - On EfficientNet-Lite0, with each bias counted as an input of its layer (the 2019
#   overview's convention, used here), neither LRP nor gradient $\times$ input gives the pixels the logit
#   (0.02% with `epsilon_plus` to 1% with γ and z-box for the z$^+$/γ composites, 0.4% for
#   gradient $\times$ input): the biases keep the rest. With the bias left out (deep Taylor's
#   z$^+$) the pixels still get only 6%, lost at units that are positive through their bias
#   alone. LRP-ε everywhere gives them 41%, a hundred times gradient $\times$ input's 0.4%,
#   because Pass hands relevance through ReLU6 units at their ceiling, where the gradient is 0 (section 2). LRP's
#   advantage is a per-layer account and the choice of rules, not a pixel total; residual
#   sums split the relevance, most of it in total (70-91%) along the skip connection.
# - The **rules decide the picture**: ε is noisy (a global ε of 0.25 lost conservation and
#   changed the map, Spearman 0.39, without removing the speckle); z$^+$ is smooth, concentrated and
#   positive; γ with a z-box first layer is mostly positive and shows the most edges (γ in
#   the convolutions brings them, not the z-box first layer); on the two-object photo the
#   default composite moves its mass to the explained object, like Grad-CAM, yet its two maps
#   stay correlated (0.73); on this photo moving ε onto `blocks.15` (with `head`) decorrelates
#   them while ε on `head` alone does not (a single layer is not isolated).
# - **DeepLIFT** reaches exact completeness in one pass, IG approximately with many; both
#   depend on the reference, and averaging references gives DeepLIFT-SHAP. DeepLIFT's
#   map depends on its rule and is not implementation-invariant; IG's map is.
# - LRP's default composite **fails the randomisation check** here, and its deletion score
#   depends on the image and on the replacement (on the red panda the blur and the mean
#   colour rank the maps differently): a map that adds up is not thereby faithful.
#
# **Settings used:** EfficientNet-Lite0, 224-pixel photographs, LRP composites as named
# (ε = 1e-6, and 0.25 in one comparison in section 2; γ = 0.25, z-box bounds black and white), DeepLIFT with the Rescale rule,
# Integrated Gradients with 32 steps (8 in section 7), the blurred reference with σ = 14
# pixels (section 5), the noise reference uniform in [0, 1] per RGB value (fixed seed 0), a cascade of
# five randomised steps (weights redrawn from a normal distribution, seed 0) and 16-step
# deletion and insertion curves on two photographs (pixels replaced by a blurred copy with
# σ = 10 pixels, this course's variant; the dataset mean colour, close to Petsiuk et al.'s
# deletion, as a second replacement on the red panda).
#
# ## What next
#
# Notebook 08 puts every method of the course through the same tests; add
# `"lrp": cv.lrp` to its roster to compare it with all of them. The package's rules are
# small objects (`cv.core.Rule`): a composite of your own is a list of (layer, rule) pairs.
