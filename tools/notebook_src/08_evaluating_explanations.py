from notebook_builder import Notebook

nb = Notebook(
    "08_evaluating_explanations", "How to tell a faithful explanation from a pretty one",
    goals=["run the randomisation sanity check: does a map change when the model it explains is destroyed?",
           "see guided backprop fail it, and understand why (it behaves like an edge detector)",
           "measure faithfulness with deletion and insertion curves, against random maps",
           "score localisation with the pointing game on an image with two objects",
           "put every method of the course through the same tests and read the summary table"],
    prerequisites="notebooks 01 (gradients), 06 (Grad-CAM family) and 07 (occlusion).",
    runtime=("10 minutes", "1 minute"),
    papers=["Adebayo et al., *Sanity Checks for Saliency Maps*, NeurIPS 2018",
            "Petsiuk, Das & Saenko, *RISE: Randomized Input Sampling for Explanation of Black-box Models*, BMVC 2018",
            "Zhang et al., *Top-down Neural Attention by Excitation Backprop*, ECCV 2016",
            "Hooker et al., *A Benchmark for Interpretability Methods in Deep Neural Networks*, NeurIPS 2019"],
)

nb.md(r"""
## 1. The idea: two questions a pretty map must answer

Notebooks 01 to 07 produced many maps that *look* right. Looking right is not enough: a map
can look like the cat because it shows the **image**, not what the **model** does with it.
Two tests separate the two:

1. **Does the map depend on the model?** Adebayo et al. (2018) destroy the network one block
   at a time, from the output down (*cascading randomisation*), recompute the map after each
   step, and measure its similarity to the original map with the Spearman rank correlation
   of the absolute maps,
   $$\rho = 1 - \frac{6 \sum_i d_i^2}{n(n^2 - 1)},$$
   where $d_i$ is the difference of pixel $i$'s ranks in the two maps. An explanation of
   the model must change when the model is gone: $\rho \to 0$.
2. **Does the map point at the pixels the model uses?** Petsiuk et al. (2018) delete the
   pixels from the most to the least important and follow the class probability
   $p_c$; the **deletion AUC** $\int_0^1 p_c\big(x^{(t)}\big)\,dt$, with $x^{(t)}$ the image
   with a fraction $t$ deleted, should be low. **Insertion** starts from a blurred image and
   puts the pixels back: its AUC should be high. A random map is the baseline to beat.

`cv.evaluate_methods` runs every method of the course through both tests (and the
pointing game) and returns a summary; the settings of each method are those of
`cv.evaluate.course_methods()`, lighter in quick mode.
""")
nb.code("""
import torch

clf = cv.load_model(device=DEVICE)
NAMES = ["cat", "coffee", "cat_and_coffee"]
methods = cv.evaluate.course_methods(seed=0)   # the 9 methods, settings baked in (seed: SmoothGrad's noise)
for name, fn in methods.items():
    print(f"{name:22s} {fn.settings}")
""", check_output=True)

nb.md("""
## 2. The sanity check: destroy the model, watch the map

We randomise the network's blocks from the classifier down to the stem (in quick mode a
few of them), recompute every method's map after each step, and plot the similarity to
the original map. Each block's weights are redrawn from a normal distribution with the
same mean and spread as the trained ones (`init="normal"`), so the activations keep
their scale: with PyTorch's default re-initialisation the BatchNorm + ReLU6 layers of this
network saturate and every gradient becomes exactly zero, a map that "changes" for the
wrong reason.
""")
nb.code("""
SIZE = cv.config.pick(224, 128)   # quick mode: small images (the CAMs are then 4x4)
cat = clf.preprocess(cv.sample_image("cat"), size=SIZE)
LAYERS = cv.config.pick(["classifier", "head", "blocks.15", "blocks.12", "blocks.9", "blocks.6",
                         "blocks.3", "blocks.0", "stem"], ["classifier", "blocks.15", "blocks.12", "blocks.8"])
sanity = cv.evaluate_methods(clf, cat, methods, faithfulness=False, layers=LAYERS, seed=0)
cv.plot.sanity_curves(sanity.sanity)
""")
nb.md("""
**What to look at.** Every line starts after the first randomised block (the classifier).
Saliency and SmoothGrad drop at once and stay low: a new classifier asks for different
evidence, and the maps follow. The CAM family ends near 0 (in quick mode a CAM is a 4x4
map, 16 numbers, so its correlation is noisy; Score-CAM's map can even vanish altogether
once no channel raises the class any more). Grad-CAM++ and LayerCAM, which keep only the
*positive* gradients, survive a random classifier and fall one block later. The thick line, **guided
backprop**, stays near 1: with the classifier and the top blocks replaced by noise, its
map is still the same map. Integrated Gradients stays in between: it multiplies the
gradient by the input, $(x - x')$, and that factor alone draws part of the image.

Now look at the maps themselves, for a few steps of the cascade:
""")
nb.code("""
cv.plot.sanity_maps({k: sanity.sanity[k] for k in ["saliency", "guided_backprop", "gradcam", "occlusion"]},
                    cat, clf)
""")
nb.md(r"""
**Why guided backprop fails.** Its backward rule passes a gradient through a ReLU only where
the forward activation is positive **and** the incoming gradient is positive. The negative
half of every signal is thrown away at every layer, so what reaches the input no longer
depends much on the classifier's weights: it is a sum of positive paths that each fire on
a strong local contrast. Adebayo et al. (and Nie, Zhang & Patel, ICML 2018, who prove it)
show that guided backprop then behaves like an **edge detector**: it reconstructs the
image's edges, sharp and pretty, whatever the class or the weights. The check below turns
the figure into numbers: the mean Spearman similarity after the whole cascade.
""")
nb.code("""
final = {name: sanity.final_similarity(name) for name in methods}
print({name: round(v, 2) for name, v in final.items()})
assert max(final, key=final.get) == "guided_backprop" and final["guided_backprop"] > 0.8
assert final["saliency"] < 0.6 and final["gradcam"] < 0.6
""")

nb.md("""
## 3. Faithfulness: deletion and insertion on the bundled images

Every method's map for each image's top-1 class, then its deletion curve (pixels replaced
by a blurred copy, most important first) and insertion curve (pixels put back into the
blurred copy). Two random baselines: **random pixels** (independent noise) and **random
blobs** (noise on a 7x7 grid, upsampled: as smooth as a CAM, with no information).
""")
nb.code("""
STEPS = cv.config.pick(50, 6)   # quick mode: coarse curves
x = clf.preprocess([cv.sample_image(n) for n in NAMES], size=SIZE)
ev = cv.evaluate_methods(clf, x, methods, sanity=False, steps=STEPS, images=NAMES, seed=0)
ev
""")
nb.md("""
The table averages over the three images (deletion: lower is better; insertion: higher is
better; seconds: the time each map took). The scatter plot shows the same: the best
methods sit **top left**.
""")
nb.code("""
cv.plot.auc_scatter(ev)
""")
nb.code("""
shown = ["saliency", "guided_backprop", "gradcam", "occlusion", "random pixels", "random blobs"]
cv.plot.curves({k: ev.curves[k] for k in shown}, index=0)   # image 0: the cat
""")
nb.md("""
**How to read it.** On **insertion** the class maps (Grad-CAM, occlusion) beat random
pixels and the gradient maps clearly: putting the cat's face back first restores the class
after a fraction of the pixels. The pixel-level gradient maps do worse: their mass is
scattered over edges, and inserting scattered pixels into a blurred image does not bring
the object back. Random *blobs* can come close on a single image (a blob that happens to
cover the face is as good as a CAM), which is why the table averages over the images and
why a real evaluation uses hundreds of them.

**Deletion** is harder to read: look at the table, where *random pixels* get one of the
lowest (best!) deletion AUCs without knowing anything. Deleting scattered pixels all over
the image turns it into noise that no class survives: the images it produces are far from
anything the network was trained on (Hooker et al. 2019 make this point and retrain the
network to avoid it). A fairer baseline for a smooth map is a random map of the same
smoothness (random blobs); at full size (224 px, 50 steps) Grad-CAM beats it on every
bundled image, but in quick mode (4x4 CAMs, 6 steps) even that comparison can go either
way. Never read deletion alone: read it with insertion, on many images.
""")
nb.code("""
ins = {name: ev.insertion(name) for name in ["gradcam", "random pixels", "random blobs"]}
assert (ins["gradcam"] > ins["random pixels"]).all() and ins["gradcam"].mean() > ins["random blobs"].mean()
print("Grad-CAM insertion AUC per image:", [round(v, 3) for v in ins["gradcam"].tolist()])
""")

nb.md("""
## 4. The pointing game: two objects, two boxes

On `cat_and_coffee` the cat fills the left half and the espresso cup the right half. We ask
each method for two maps, one for the top-1 (cat) class and one for `cup`, and score a hit
when the map's maximum falls in the right box (Zhang et al. 2016). The same image twice
with one target each is a batch of two explanations.
""")
nb.code("""
both = clf.preprocess(cv.sample_image("cat_and_coffee"), size=SIZE).expand(2, -1, -1, -1)
half = SIZE // 2
targets = [clf.predict(both[:1], k=1)[0][0], clf.class_index("cup")]
boxes = [[(0, 0, half, SIZE)], [(half, 0, SIZE, SIZE)]]   # cat: left half, cup: right half
pg = cv.evaluate_methods(clf, both, methods, targets, faithfulness=False, sanity=False, boxes=boxes, seed=0)
for name in methods:
    print(f"{name:22s} cat {'hit' if pg.pointing[name][0] else 'miss'}, cup {'hit' if pg.pointing[name][1] else 'miss'}")
""")
nb.code("""
cv.plot.pointing(pg.maps["gradcam"], boxes, both, clf, index=1)
""")
nb.code("""
assert pg.pointing["gradcam"].all() and pg.pointing["occlusion"].all()
""")
nb.md("""
Grad-CAM's `cup` map peaks on the cup: the class map follows the class. The pointing game
only looks at one pixel per map, which makes it robust to the maps' scale and smoothness
but blind to everything else: a map can hit the box and still spread over the whole image.

## 5. Explore

Pick a method and an image; **curves** shows its deletion and insertion curves beside the
random maps', **sanity** its maps as the layers are randomised. Press **run**.
""")
nb.code("""
cv.widgets.evaluation_panel(image="cat", method="guided_backprop", view="sanity")
""")

nb.exercise(
    "the area under a deletion curve",
    task="""
    Write `auc(fractions, scores)`: the area under the curve through the points
    `(fractions[i], scores[i])` by the trapezoid rule,
    $\\sum_i (f_{i+1} - f_i)\\,(s_i + s_{i+1})/2$, as a float. The fractions need not be evenly
    spaced. Compare your value with `ev.curves["gradcam"][0].auc` for a real curve.
    """,
    starter="""
    def auc(fractions, scores):
        raise NotImplementedError  # your code here
    """,
    check="""
    cv.exercises.check_trapezoid_auc(auc)
    """,
    solution="""
    def auc_solution(fractions, scores):
        widths = fractions[1:] - fractions[:-1]
        return float((widths * (scores[1:] + scores[:-1]) / 2).sum())

    c = ev.curves["gradcam"][0]
    assert abs(auc_solution(c.fractions, c.scores[0]) - float(c.auc[0])) < 1e-5
    assert cv.exercises.check_trapezoid_auc(auc_solution)
    """,
)
nb.exercise(
    "which method fails the sanity check?",
    task="""
    From the figure of section 2, name the method whose map survives the destruction of the
    model (a string such as `"saliency"`). The checker reads the answer off `sanity`.
    """,
    starter="""
    answer = None  # your answer here
    """,
    check="""
    cv.exercises.check_sanity_failure(answer, sanity)
    """,
    solution="""
    answer_solution = "guided_backprop"
    assert cv.exercises.check_sanity_failure(answer_solution, sanity)
    """,
)

nb.md("""
## What to take away

- **A map can be pretty and say nothing about the model.** Guided backprop's sharp edges
  survive the destruction of the network: it fails the sanity check. Run the check on any
  new method before you trust it.
- **Faithfulness is measured by using the map**: delete or insert pixels in its order.
  Insertion is the easier one to read; deletion rewards maps that push the image off the
  data (random pixels), so compare with a random map of the same smoothness.
- **The CAM family and occlusion** pass the sanity check and beat random maps on
  insertion; the raw gradient maps pass the sanity check but are weak on insertion;
  guided backprop scores well on the curves and still fails the sanity check: a good
  curve does not prove that a map explains the model.
- No single number settles it: report the sanity check, both curves and the pointing game,
  on many images, with the settings (steps, fill, baseline) you used.
""")
nb.save()
