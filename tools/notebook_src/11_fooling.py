# ---
# jupyter:
#   cnnviz:
#     title: 'Fooling images: the smallest change that changes the answer'
#     goals:
#     - turn the cat into any class you choose with a change of at most 2 pixel levels (PGD), and see why
#       one gradient step (FGSM) is not enough
#     - 'read an attack: the image, the amplified change, the probabilities before and after'
#     - see what saliency and Grad-CAM say about a fooled image, and how much they change
#     - compare the fooling change with what the network "wants to see" for the class (a class visualisation)
#     prerequisites: notebooks 01 (gradients), 02 (activation maximisation) and 06 (Grad-CAM).
#     runtime:
#       cpu: 1 minute
#       gpu: 15 s
#     papers:
#     - Szegedy et al., *Intriguing properties of neural networks*, ICLR 2014
#     - Goodfellow, Shlens & Szegedy, *Explaining and Harnessing Adversarial Examples*, ICLR 2015
#     - Madry et al., *Towards Deep Learning Models Resistant to Adversarial Attacks*, ICLR 2018
#     - Nguyen, Yosinski & Clune, *Deep Neural Networks are Easily Fooled*, CVPR 2015
#     - Simonyan, Vedaldi & Zisserman, *Deep Inside Convolutional Networks*, ICLR Workshop 2014
#     - Stanford CS231n, assignment 3, *Network Visualization* (fooling images)
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
# - **FGSM** (Goodfellow et al. 2015) takes one step: $\delta = -\frac{\epsilon}{255}\,\mathrm{sign}\big(\nabla_x L(x, t)\big)$.
# - **PGD** (Madry et al. 2018) takes many small ones from a random start, each followed by the
#   projection $\Pi$ back onto the budget and onto $[0, 1]$:
#   $$\delta_{k+1} = \Pi\Big(\delta_k - \alpha\,\mathrm{sign}\big(\nabla_\delta L(x + \delta_k, t)\big)\Big).$$
#
# `cv.fgsm` and `cv.pgd` take $\epsilon$ in pixel levels of the un-normalised image and apply
# the model's own normalisation inside, so "2 levels" means what it says.

# %%
import torch

clf = cv.load_model(device=DEVICE)
SIZE, STEPS = cv.config.pick((224, 20), (128, 10))
x = clf.preprocess(cv.sample_image("cat"), size=SIZE)
TARGET, CAT = "goldfish", int(clf.logits(x).argmax())
adv = cv.pgd(clf, x, TARGET, epsilon=2, steps=STEPS, seed=0)
print(f"clean: {clf.predict(x, k=1)[0][1]}; after {int(adv.first_success[0])} steps: "
      f"{clf.predict(adv.x, k=1)[0][1]} ({float(adv.probs_after[0, adv.target[0]]):.1%}); "
      f"largest change {float(adv.linf[0]):.2f} levels")
cv.plot.attack(adv, x, clf)

# %%
gold = clf.class_index(TARGET)
assert adv.success.all() and float(adv.linf[0]) <= 2 + 1e-3
assert float(adv.probs_before[0, gold]) < 0.01 and float(adv.probs_after[0, gold]) > 0.9
unit = clf.to_unit(adv.x)
assert unit.min() >= -1e-6 and unit.max() <= 1 + 1e-6   # still a valid image
assert "cat" in clf.label(CAT) or clf.label(CAT) == "tabby"

# %% [markdown]
# **Reading the figure.** The two photographs are the same to the eye: no channel of any
# pixel moved by more than 2 levels out of 255. The change, amplified about 60 times to be
# seen at all, is a fine-grained noise. Yet the network, which saw a cat, now says *goldfish*
# with more than 90 % probability: the class it gave less than 1 %.

# %% [markdown]
# ## 2. One step or many: FGSM against PGD
#
# The target's probability after each attack, for budgets from half a level to 8 levels.

# %%
EPS = [0.5, 1, 2, 4, 8]
budget = {"FGSM (1 step)": {e: float(cv.fgsm(clf, x, TARGET, epsilon=e).probs_after[0, gold]) for e in EPS},
          f"PGD ({STEPS} steps)": {e: float(cv.pgd(clf, x, TARGET, epsilon=e, steps=STEPS, seed=0)
                                        .probs_after[0, gold]) for e in EPS}}
cv.plot.attack_budget(budget, TARGET)

# %%
fgsm, pgd = budget["FGSM (1 step)"], budget[f"PGD ({STEPS} steps)"]
assert max(fgsm.values()) < 0.05 and all(pgd[e] > 0.99 for e in EPS if e >= 2)
assert pgd[0.5] < 0.05

# %% [markdown]
# **Reading the figure.** One FGSM step never gets anywhere near *goldfish* (below 5 %),
# whatever the budget: the gradient at the clean image says which way is "more goldfish"
# *there*, and a single long jump along its sign overshoots, because the network is not
# linear over that distance. PGD's small steps, each taken from where the last one landed,
# reach the target (above 99 %) from 2 levels on. Half a level is too little for both.

# %% [markdown] choice="11-fooled-gradcam"
# ### Predict, then run
#
# (the builder writes the question and the answer cell)

# %% [markdown]
# ## 3. What the explanations say about a fooled image
#
# Saliency (notebook 01) and Grad-CAM (notebook 06) of the clean image for its class, and of
# the fooled image for *goldfish*; the title gives the Spearman rank correlation of the two
# maps (1: same ranking of the pixels, 0: unrelated), the similarity of notebook 08.

# %%
methods = {"saliency": cv.saliency, "Grad-CAM": cv.gradcam}
change = cv.compare_explanations(clf, x, adv, methods)
cv.plot.explanation_change(change, x, adv.x, clf, labels=(f"clean, '{clf.label(CAT)}'", f"fooled, '{TARGET}'"))

# %%
same_class = cv.compare_explanations(clf, x, adv, methods, before=CAT, after=CAT)
print({name: round(float(s), 2) for name, s in change.similarity.items()}, "| the cat class on both:",
      {name: round(float(s), 2) for name, s in same_class.similarity.items()})
assert float(change.similarity["saliency"]) < 0.5
if not cv.quick():   # quick mode's 4x4 Grad-CAM has too few cells to rank
    assert float(change.similarity["Grad-CAM"]) < 0.5 and max(float(s) for s in same_class.similarity.values()) < 0.5

# %% [markdown]
# **Reading the figure.** Both explanations change completely (rank correlation below 0.5)
# for an image that did not visibly change: the *goldfish* map shows where the network now
# finds "goldfish" evidence, evidence no person can see. Even the maps for the *cat* class,
# computed on the two images, no longer agree (printed above). An explanation describes the network's computation, not the picture: on a
# fooled input it can look just as convincing as on a clean one. (In quick mode, Grad-CAM's
# 4x4 map is too coarse to compare.)

# %% [markdown]
# ## 4. What the network "wants to see", and the smallest change that makes it say so
#
# A class visualisation (Simonyan et al. 2014, notebook 02) optimises a whole image, with
# regularisers, towards the same class. Both images make the network say *goldfish*. How do
# they differ?

# %%
viz = cv.maximize(clf, f"class:{TARGET}", size=SIZE, steps=cv.config.pick(128, 16), seed=0).tensor
p_viz = float(clf.logits(clf.from_unit(viz)).softmax(1)[0, gold])
print(f"the class visualisation is '{TARGET}' with probability {p_viz:.1%}")
cv.plot.fooling_vs_visualisation(adv.delta[0], viz[0], TARGET)

# %%
hf = {"change": float(cv.high_frequency_share(adv.delta)), "visualisation": float(cv.high_frequency_share(viz)),
      "photo": float(cv.high_frequency_share(clf.to_unit(x)))}
alone = clf.predict(clf.from_unit(0.5 + adv.delta / 255), k=1)[0]
coffee = clf.preprocess(cv.sample_image("coffee"), size=SIZE)
moved = clf.predict(clf.from_unit((clf.to_unit(coffee) + adv.delta / 255).clamp(0, 1)), k=1)[0]
print({k: round(v, 2) for k, v in hf.items()}, "| change on grey:", alone[1], "| on the coffee photo:", moved[1])
assert p_viz > 0.9 and hf["change"] > 0.6 > 0.4 > hf["visualisation"] > hf["photo"]
assert alone[0] != gold and moved[0] != gold

# %% [markdown]
# **Reading the figure.** The class visualisation, which the network calls *goldfish* with
# more than 90 %, is a picture *of* something: shapes and colours, mostly coarse structure
# (under 40 % of its spectral energy at high spatial frequencies; the photograph has less
# still). The fooling change
# is the opposite: more than 60 % of its energy at high frequencies, a pattern of tiny
# pixel-level pushes. It is not a goldfish at all: added to a grey image, or to the coffee
# photo, it makes neither of them a goldfish. It only works on **this** cat, where it moves
# the network's features by just the right amount in the right direction. That is why a
# saliency map (a gradient, made of the same pixel-level pushes) looks noisy, and why class
# visualisations need regularisers: without them, optimisation finds exactly this kind of
# invisible, meaningless pattern (Nguyen et al. 2015 produce "fooling images" of pure noise
# the network calls a class with 99 % confidence).
#
# ## 5. Explore
#
# Pick an image, a target, the attack, the norm and the budget, then press **attack**. Which
# targets need more than 2 levels? Does FGSM ever reach one? With an L2 budget, how many
# levels (summed over the whole image) does it take?

# %%
cv.widgets.attack_panel(image="cat", target=TARGET)


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
cv.exercises.check_projection(project)


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
# Goodfellow et al. (2015) answer with linearity. Near an image the network behaves almost
# like a linear function $w \cdot x$. A change $\delta$ with every entry $\pm\epsilon$, aligned
# with the signs of $w$, changes the score by $\epsilon \|w\|_1$: the sum of 150 000 tiny
# contributions (224 x 224 x 3 values), each invisible, that all push the same way. In high
# dimension a budget that is small per pixel is large in total. We do not see the change
# because our vision ignores such fine, coordinated noise; the network has no reason to, since
# nothing in its training told it to. PGD needs several steps because the network is only
# *almost* linear: each step corrects the direction. A class visualisation, on the contrary, is
# regularised (jitter, smooth parametrisation) precisely to stay away from such fragile
# directions, so it has to paint the class's features for real.
# </details>
#
# ### Investigations
#
# 1. Attack the cat towards three other classes in the panel. Is every class reachable with
#    2 levels? Which needs the most PGD steps (`adv.first_success`)?
# 2. Smooth the fooled image slightly, e.g. `clf.from_unit(cv.blur(clf.to_unit(adv.x), 1.0))`,
#    and predict again. Does the goldfish survive? What does that say about the change?
# 3. Untargeted attacks: `cv.pgd(clf, x, epsilon=1)` moves the cat away from its top-1 class.
#    What does it become, and is that class far from a cat?
#
# ## What to take away
#
# - **An invisible change can make a network say anything**: 2 levels out of 255 per value,
#   found by projected gradient steps, turn the cat into a goldfish with high confidence.
#   One gradient-sign step (FGSM) is not enough for a chosen target.
# - **Explanations follow the network, not the picture**: saliency and Grad-CAM of the fooled
#   image change completely, and look as confident as ever.
# - **Fooling changes are not features**: they are high-frequency, specific to one image, and
#   mean nothing on their own, unlike a class visualisation, which paints what the class looks
#   like to the network, because its regularisers forbid exactly these fragile directions.
