from notebook_builder import Notebook

nb = Notebook(
    "04_deepdream", "DeepDream",
    goals=["amplify what a layer sees in a photo by gradient ascent (DeepDream)",
           "understand octaves, the random shift each step and the normalised gradient",
           "weight several layers and see each weight act (weight 0 changes nothing)",
           "reproduce the classic VGG16 DeepDream from its named preset"],
    prerequisites="notebook 02 (activation maximisation).",
    runtime=("5 minutes", "30 seconds"),
    papers=["Mordvintsev, Olah & Tyka, *Inceptionism: Going Deeper into Neural Networks*, Google AI blog 2015"],
)

nb.md(r"""
## 1. The idea

Instead of one channel, DeepDream maximises the overall response of whole layers, starting
from a photo instead of noise:

$$x \leftarrow x + \eta\,\frac{g - \bar g}{\operatorname{std}(g)},\qquad
  g = \nabla_x \sum_\ell w_\ell \,\operatorname{mean}\big(A_\ell(x)^2\big).$$

Whatever a layer faintly detects gets stronger, so it is detected more, so it gets
stronger again: clouds grow eyes and dogs. Three tricks make it work (all in
`cv.deepdream`): **octaves** (dream on a small copy first, then carry the added detail up
to larger copies, so the patterns come at several scales), a **random shift** (roll) of
the image before each step, and the **normalised gradient** (each step has the same size).
""")
nb.code("""
clf = cv.load_model(device=DEVICE)
photo = cv.sample_image("astronaut").resize(cv.config.pick((512, 512), (96, 96)))
cfg = dict(octaves=4, octave_scale=1.4, steps=cv.config.pick(10, 3), lr=0.09, jitter=32, seed=0)
dream = cv.deepdream(clf, photo, {"blocks.10": 1.0}, **cfg)
cv.plot.dream(photo, dream, ["blocks.10"])
""")
nb.md("""
The output has the input's size. Look at the textures that appear in the smooth
regions (the background and the suit): they are the patterns `blocks.10` responds to.

## 2. Shallow versus deep layers

A shallow layer adds strokes and colour fringes; a deep one adds object parts (eyes,
snouts, fur). Per-layer weights mix them.
""")
nb.code("""
choices = {"blocks.4": {"blocks.4": 1.0}, "blocks.13": {"blocks.13": 1.0},
           "blocks.10 + 0.5 x blocks.13": {"blocks.10": 1.0, "blocks.13": 0.5}}
dreams = [cv.deepdream(clf, photo, layers, **cfg) for layers in choices.values()]
cv.plot.dream(photo, dreams, list(choices))
""")
nb.md("""
## 3. Weights that act

One of the course's seed projects declared per-layer weights and never used them. Here
a weight of 0 removes the layer from the objective (it is not even computed) and the
dream is bit-for-bit the same as without it; the same seed gives the same dream.
""")
nb.code("""
import torch

a = cv.deepdream(clf, photo, {"blocks.10": 1.0}, **cfg, output="tensor")
b = cv.deepdream(clf, photo, {"blocks.10": 1.0, "blocks.13": 0.0}, **cfg, output="tensor")
assert torch.equal(a, b) and cv.hook_count(clf) == 0
assert tuple(a.shape[-2:]) == photo.size[::-1]
print("weight 0 changes nothing; output has the input's size; no hook left")
""", check_output=True)
nb.md("""
## 4. The classic VGG16 DeepDream

The classic recipe dreams with VGG16 at `relu4_2` and `relu5_2` (torchvision `features.20`
and `features.27`), 5 octaves of ratio 1.6, 20 steps, shift 32, lr 0.1, 800 pixels wide. It
is stored as `cv.optvis.CLASSIC_VGG16_DREAM`; choose the preset in the panel below. Without
VGG16's weights on disk the panel keeps its numbers on the offline model, at the offline
model's blocks of similar depth.
""")
nb.code("""
cv.optvis.CLASSIC_VGG16_DREAM
""", check_output=True)
nb.md("""
## 5. Dream

Choose a preset, the layers and their weights, octaves, octave scale, steps, shift and
learning rate, then press **dream** (a progress bar runs meanwhile). Try a weight of 0 on
layer 2; try octave scale 1.1 versus 1.8.
""")
nb.code("""
cv.widgets.deepdream_panel()
""")
nb.exercise(
    "normalised gradient",
    task="""
    Write `normalize_gradient(g)` returning `g` shifted to zero mean and scaled to unit
    standard deviation (over all its elements), the normalisation DeepDream applies each
    step.
    """,
    starter="""
    def normalize_gradient(g):
        raise NotImplementedError  # your code here
    """,
    check="""
    cv.exercises.check_normalize_gradient(normalize_gradient)
    """,
    solution="""
    def normalize_gradient_solution(g):
        return (g - g.mean()) / g.std()

    assert cv.exercises.check_normalize_gradient(normalize_gradient_solution)
    """,
)
nb.md("""
## What next

The next notebooks return to explanations of single decisions: where in an image the
network looked for its answer, and how far those maps can be trusted.
""")
nb.save()
