from notebook_builder import Notebook

nb = Notebook(
    "07_occlusion", "Occlusion sensitivity",
    goals=["run the occlusion experiment: hide one square of the image at a time and watch the class probability",
           "read the probability-per-occluder-position heatmap, its regularised version and its projection",
           "turn it into a per-pixel map and explain two objects of one image in the same forward passes",
           "see what the window, the stride and the fill value change, and what they cost",
           "check a map with the pointing game and the deletion/insertion curves"],
    prerequisites="notebook 00 (predictions, preprocessing).",
    runtime=("2 minutes", "15 seconds"),
    papers=["Zeiler & Fergus, *Visualizing and Understanding Convolutional Networks*, ECCV 2014",
            "Petsiuk, Das & Saenko, *RISE: Randomized Input Sampling for Explanation of Black-box Models*, BMVC 2018",
            "Zhang et al., *Top-down Neural Attention by Excitation Backprop*, ECCV 2016"],
)

nb.md(r"""
## 1. The idea: hide a part, watch the score

Gradients (notebook 01) ask how the score would change for an infinitesimal change of a
pixel. Zeiler & Fergus asked a blunter question: **what if this part of the image were not
there?** Slide a grey square over the image; for each position $w$ record the target's
probability $f_c(x_{\setminus w})$ with that square hidden. Where the probability falls, the
network was using those pixels.

The per-pixel map averages the drop over every window $w$ that covers pixel $p$:

$$A_c(p) = \frac{1}{|\{w \ni p\}|} \sum_{w \ni p} \big[f_c(x) - f_c(x_{\setminus w})\big].$$

It needs no gradient, so it works on any model, but it costs one forward pass per window
position: a 32 px window moved in steps of 16 px over a 224 px image is $13 \times 13 = 169$
positions. `cv.occlusion` evaluates them in batches, so the 169 occluded images cost about as
much as 170 images in one batched run.
""")
nb.code("""
import torch

clf = cv.load_model(device=DEVICE)
SIZE = cv.config.pick(224, 128)  # quick mode: smaller image, fewer windows
WINDOW, STRIDE = 32, cv.config.pick(8, 16)
cat = clf.preprocess(cv.sample_image("cat"), size=SIZE)
clf.predict(cat, k=3)
""")

nb.md("""
## 2. The occlusion experiment

`cv.occlusion_grid` keeps the output for every occluder position (the experiment of the
course's seed, which moves a black square over a school bus). `fill="grey"` hides the square
with mid grey; the fill is given in the model's input space, and the names `"grey"`,
`"black"`, `"mean"` and `"blur"` are translated through the model's normalisation.
""")
nb.code("""
grid = cv.occlusion_grid(clf, cat, window=WINDOW, stride=STRIDE, fill="grey")
print(f"{grid.positions} occluder positions ({len(grid.ys)} x {len(grid.xs)}), "
      f"class {clf.label(grid.targets[0, 0])!r}")
""")
nb.code("""
cv.plot.occlusion_experiment(clf, cat, grid)
""")
nb.md(r"""
**How to read it.** Left: the image with one occluder drawn to scale. Second: the cat
probability with the occluder at each position. It is dark (low) where the square hides the
cat's face: eyes and nose carry the decision, and the fur or the background barely matter.

Third: the seed's **regularised heatmap**. It standardises the grid,
$\tilde p = \mathrm{clip}(0.5 + 0.1\,(p - \bar p)/\sigma_p,\ 0,\ 1)$, sets the lowest 25 %
(the positions where occlusion hurt most) to 0, takes $1 - \tilde p$ so that *important* is
bright, and blurs it with a $3 \times 3$ box. Fourth: the image multiplied by that map: only
what the network needs stays lit. Last: the per-pixel mean drop of the equation above.
""")

nb.md("""
## 3. Two objects, one run

On an image with a cat on the left and a cup on the right, an `(N, K)` target explains K
classes at once: the K probabilities are read from the *same* forward passes.
""")
nb.code("""
both = clf.preprocess(cv.sample_image("cat_and_coffee"), size=SIZE)
classes = [clf.predict(both, k=1)[0][0], clf.class_index("coffee mug")]
maps = cv.occlusion(clf, both, [classes], window=WINDOW, stride=STRIDE, fill="grey")
cv.plot.occlusion_maps(clf, both, maps, [clf.label(c) for c in classes])
""")
nb.md("""
The cat's map lights up the cat, the mug's map the cup and its saucer. Hiding the cat can even *raise*
the mug's probability (a negative drop, not shown in these positive-only overlays): the two
classes compete for the same softmax. The **pointing game** (Zhang et al. 2016) scores a map
by whether its maximum falls inside the object's box. Boxes are `(x0, y0, x1, y1)` in pixels.
""")
nb.code("""
half = SIZE // 2
hits = [bool(cv.pointing_game(maps[:, 0], [(0, 0, half, SIZE)])[0]),   # cat: left half
        bool(cv.pointing_game(maps[:, 1], [(half, 0, SIZE, SIZE)])[0])]  # mug: right half
left, right = maps[0, :, :, :half].sum((1, 2)), maps[0, :, :, half:].sum((1, 2))
assert hits == [True, True] and left[0] > right[0] and right[1] > left[1]
print("pointing game hits:", hits)
""", check_output=True)

nb.md("""
### Occlusion against Grad-CAM

Grad-CAM (notebook 06) reads the same question off the gradients at the last feature
maps: one forward and one backward pass instead of one forward pass per window. Put side by
side for the same two classes, the two agree on *where* each object is; occlusion's map is
blockier (the window's size) but needs no access to the network's insides.
""")
nb.code("""
cams = cv.gradcam(clf, both, [classes])  # the same two classes: one forward, one backward
names = [clf.label(c) for c in classes]
cv.plot.occlusion_maps(clf, both, torch.cat([maps, cams], dim=1),
                       [f"occlusion: {n}" for n in names] + [f"Grad-CAM: {n}" for n in names])
""")
nb.code("""
left_half = (0, 0, half, SIZE)
on_cat = {"occlusion": cv.energy_in_box(maps, left_half)[0], "Grad-CAM": cv.energy_in_box(cams, left_half)[0]}
assert all(share[0] > 0.5 > share[1] for share in on_cat.values()), on_cat
print({name: [f"{v:.0%}" for v in share.tolist()] for name, share in on_cat.items()})
""")

nb.md("""
## 4. What the fill changes

"Hiding" needs a replacement. Black is far from any natural image and can itself change the
prediction; grey (here, the dataset mean) is milder; a blurred copy keeps colours and
removes only detail. A coarse stride (= window) keeps this comparison cheap.
""")
nb.code("""
fills = ["black", "grey", "blur"]
per_fill = [cv.occlusion(clf, cat, window=WINDOW, stride=WINDOW, fill=f) for f in fills]
cv.plot.occlusion_maps(clf, cat, torch.stack(per_fill, 1), [f"fill={f}" for f in fills])
""")
nb.md("""
The three fills do not tell the same story: the squares that matter most differ, and the
largest drop (in the titles) can differ several-fold. A black square on a dark, striped
face may hide little the network cares about, while grey or blurred squares wipe out the
texture of the eyes and fur. An occlusion map answers *"what if this were replaced by
that"*: always say which replacement you used.

**Window and stride.** A window smaller than the object's parts finds nothing (hiding one
whisker changes little); a huge window hides everything and localises nothing. The stride
sets the resolution of the grid and the cost, about $(\\text{size}/\\text{stride})^2$ forward
passes. Try them in the panel below.
""")

nb.md("""
## 5. Explore

Choose the image, the window, the stride, the fill, probability or logit, and the
regularisation percentile, then press **run**.
""")
nb.code("""
cv.widgets.occlusion_panel(size=SIZE)
""")

nb.md(r"""
## 6. Is the map any good? Deletion and insertion

Petsiuk et al. (2018) measure a map by using it: **delete** pixels from the most to the least
important and watch the probability fall (a good map makes it fall fast: low area under the
curve), or **insert** them into a blurred image and watch it rise (a good map: high area).
A random map is the baseline every explanation must beat. Notebook 08 runs every method of
the course through these tests.
""")
nb.code("""
cat_map = cv.occlusion(clf, cat, window=WINDOW, stride=STRIDE, fill="grey")
random_map = torch.rand(cat_map.shape, generator=torch.Generator().manual_seed(0)).to(cat_map.device)
steps = cv.config.pick(50, 10)
curves = {name: [cv.deletion_curve(clf, cat, m, steps=steps, fill="blur"),
                 cv.insertion_curve(clf, cat, m, steps=steps)]
          for name, m in {"occlusion": cat_map, "random": random_map}.items()}
cv.plot.curves(curves)
""")
nb.md("""
**Read the two panels differently.** Insertion (right) clearly prefers the occlusion map:
putting the face back first restores "cat" after a small fraction of the pixels, while the
random order needs almost all of them. Deletion (left) may well *prefer the random map*:
deleting pixels scattered all over turns the whole image into noise, which no class
survives, while deleting the face region by region leaves a blurred cat that can still be
recognised. That is a known weakness of the deletion metric (its images leave the
distribution the network was trained on), and the reason to look at both curves, on many
images, before calling a map faithful.
""")
nb.code("""
auc = {name: (float(d.auc[0]), float(i.auc[0])) for name, (d, i) in curves.items()}
assert auc["occlusion"][1] > auc["random"][1], auc  # insertion: higher is better
print({name: f"deletion {d:.3f}, insertion {i:.3f}" for name, (d, i) in auc.items()})
""")

nb.exercise(
    "occlude one square",
    task="""
    Write `occlude(x, top, left, window, value)` returning a **copy** of the batch `x`
    (shape `(N, C, H, W)`) with the square `[top:top+window, left:left+window]` set to
    `value` in every channel. Do not modify `x` itself.
    """,
    starter="""
    def occlude(x, top, left, window, value):
        raise NotImplementedError  # your code here
    """,
    check="""
    cv.exercises.check_occlude(occlude)
    """,
    solution="""
    def occlude_solution(x, top, left, window, value):
        out = x.clone()
        out[:, :, top:top + window, left:left + window] = value
        return out

    assert cv.exercises.check_occlude(occlude_solution)
    """,
)
nb.exercise(
    "one cell of the heatmap",
    task="""
    Write `occlusion_drop(clf, x, top, left, window)`: the drop of the top-1 class's
    probability when the square at `(top, left)` is set to `0.0` (the dataset mean), i.e.
    $p_c(x) - p_c(x_{\\setminus w})$, as a float. Use your `occlude`, `clf.model` and `softmax`.
    The checker compares it with cells of `cv.occlusion_grid`.
    """,
    starter="""
    def occlusion_drop(clf, x, top, left, window):
        raise NotImplementedError  # your code here
    """,
    check="""
    cv.exercises.check_occlusion_drop(occlusion_drop, clf, cat)
    """,
    solution="""
    def occlusion_drop_solution(clf, x, top, left, window):
        with torch.no_grad():
            p = clf.model(x).softmax(dim=1)[0]
            c = int(p.argmax())
            q = clf.model(occlude(x, top, left, window, 0.0)).softmax(dim=1)[0]
        return float(p[c] - q[c])

    assert cv.exercises.check_occlusion_drop(occlusion_drop_solution, clf, cat)
    """,
)

nb.md("""
## What to take away

- Occlusion answers a causal question, *"what if this part were replaced?"*, with forward
  passes only: no gradients, no hooks, any model.
- Its answer depends on the window (the scale of the parts you can find), the stride (its
  resolution and cost) and the fill (what "hidden" means). Report all three.
- It is slow, one forward per position, but batched that is only as slow as classifying
  that many images; deletion and insertion curves tell you whether a map is faithful.

Next, notebook 08 puts every method of the course through the same tests, and through a
sanity check that some popular methods fail.
""")
nb.save()
