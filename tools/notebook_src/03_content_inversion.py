from notebook_builder import Notebook

nb = Notebook(
    "03_content_inversion", "Reconstructing an image from its activations",
    goals=["invert a layer: find an image whose activations match a photo's (feature inversion)",
           "see what each depth of the network keeps and what it throws away",
           "understand the role of the total-variation and alpha-norm regularisers"],
    prerequisites="notebook 02 (optimising an image by gradient ascent, regularisers).",
    runtime=("6 minutes", "1 minute"),
    papers=["Mahendran & Vedaldi, *Understanding Deep Image Representations by Inverting Them*, CVPR 2015"],
)

nb.md(r"""
## 1. The idea

A layer turns an image $x_0$ into activations $\Phi(x_0)$. How much of the image do they
still contain? Search for an image with the same activations (Mahendran & Vedaldi 2015):

$$x^\star = \arg\min_x \frac{\lVert \Phi(x) - \Phi(x_0)\rVert^2}{\lVert \Phi(x_0)\rVert^2}
  + \lambda_\alpha \lVert x \rVert_\alpha^\alpha + \lambda_{TV} R_{TV}(x)$$

starting from noise. The first term is a *relative* feature distance (0 = the layer
cannot tell the two images apart); the alpha-norm keeps pixels in a natural range and
total variation $R_{TV}$ keeps the image smooth. `cv.invert` runs it with the same render
loop as `cv.maximize` (frozen model, hooks removed, forward pass stopped at the layer).
""")
nb.code("""
clf = cv.load_model(device=DEVICE)
SIZE, STEPS = cv.config.pick(128, 40), cv.config.pick(300, 12)
cat = cv.sample_image("cat")
res = cv.invert(clf, cat, "blocks.4", size=SIZE, steps=STEPS, seed=0)   # a Rendering, with .info
print(f"feature distance: {res.info['distance_start']:.2f} (noise) -> {res.info['distance_end']:.2f}")
""")
nb.code("""
assert res.info["distance_end"] < 0.5 * res.info["distance_start"]  # the match really improved
assert cv.hook_count(clf) == 0
print("inversion reduced the feature distance; no hook left")
""", check_output=True)
nb.md("""
## 2. From every depth

The same photo reconstructed from five depths. Look for three things as you go deeper:
where the exact colours go, whether the background survives, and whether the cat's
parts (eyes, ears, fur texture) stay in the right place.
""")
nb.code("""
layers = ["blocks.1", "blocks.4", "blocks.8", "blocks.12", "head"]
results = {l: cv.invert(clf, cat, l, size=SIZE, steps=STEPS, seed=0) for l in layers}
cv.plot.inversions(results["blocks.1"].info["target"], {l: r.tensor for l, r in results.items()},
                   {l: r.info["distance_end"] for l, r in results.items()})
""")
nb.md("""
**What to conclude.** Shallow layers reconstruct nearly the photograph: they are a
slightly blurred, re-coded copy. Deeper, the spatial resolution drops (7x7 at `head`
for a 224-pixel input) and the channels encode *what* rather than *exactly where*:
colours drift, edges become textures, the background fades, and only the parts the
network uses for "cat" keep their structure. Information the classifier does not need
is thrown away layer after layer.

## 3. What the regularisers do

Without total variation the optimiser may match the deep activations with
high-frequency patterns the eye reads as noise: many images share the same deep
activations, and the regulariser picks a natural-looking one among them.
""")
nb.code("""
rough = cv.invert(clf, cat, "blocks.8", size=SIZE, steps=STEPS, seed=0, tv_weight=0.0)
smooth = cv.invert(clf, cat, "blocks.8", size=SIZE, steps=STEPS, seed=0, tv_weight=5.0)
cv.plot.renderings([cat.resize(rough.image.size), rough, smooth], ["photo", "TV weight 0", "TV weight 5"], cell=3)
""")
nb.md("""
## 4. Explore

Pick an image, a layer, the total-variation weight and the number of steps, then press
**invert**. The title shows the relative feature distance reached.
""")
nb.code("""
cv.widgets.inversion_panel()
""")
nb.exercise(
    "relative feature distance",
    task="""
    Write `feature_distance(a, a0)` returning, for activations of shape `(N, C, H, W)`,
    the relative distance $\\lVert a - a_0\\rVert^2 / \\lVert a_0\\rVert^2$ of each image
    (a length-N tensor).
    """,
    starter="""
    def feature_distance(a, a0):
        raise NotImplementedError  # your code here
    """,
    check="""
    cv.exercises.check_feature_distance(feature_distance)
    """,
    solution="""
    def feature_distance_solution(a, a0):
        return (a - a0).flatten(1).pow(2).sum(1) / a0.flatten(1).pow(2).sum(1)

    assert cv.exercises.check_feature_distance(feature_distance_solution)
    """,
)
nb.md("""
## What next

Inversion asks the network to reproduce what it sees. Notebook 04 asks it to
exaggerate: DeepDream amplifies whatever a layer already detects in a photo.
""")
nb.save()
