from notebook_builder import Notebook

nb = Notebook(
    "02_neuron_optimization", "What does a neuron want to see? Activation maximisation",
    goals=["render the image that maximally excites a neuron, a channel or a class",
           "compare early and deep layers: edges and colours versus textures and object parts",
           "see what each regulariser (total variation, L2, blur, transforms) and the Fourier "
           "parametrisation with decorrelated colour change",
           "render many channels at once as one batch, and start from a photo"],
    prerequisites="notebook 00 (layers, channels, hooks) and notebook 01 (gradients of a score "
                  "with respect to the input).",
    runtime=("10 minutes", "1 minute"),
    papers=["Erhan et al., *Visualizing Higher-Layer Features of a Deep Network*, 2009",
            "Simonyan et al., *Deep Inside Convolutional Networks*, ICLR workshop 2014",
            "Olah, Mordvintsev & Schubert, *Feature Visualization*, Distill 2017"],
)

nb.md(r"""
## 1. The idea

Attribution asks which pixels of *this* image matter. Activation maximisation asks the
reverse: which image would excite a unit most? Start from noise and climb the gradient:

$$x^\star = \arg\max_x \; h_{\ell,c}\big(T(x)\big) - \lambda\,R(x),$$

where $h_{\ell,c}$ is the mean activation of channel $c$ of layer $\ell$ (or one neuron,
or a class logit), $T$ a random jitter/scale/rotation drawn at each step and $R$ a
regulariser. `cv.maximize` runs this loop with the model frozen, the hooks removed
afterwards, and the forward pass stopped at the layer the objective reads.
""")
nb.code("""
clf = cv.load_model(device=DEVICE)
SIZE, STEPS = cv.config.pick(160, 32), cv.config.pick(256, 10)
res = cv.maximize(clf, "blocks.8:12", size=SIZE, steps=STEPS, seed=0)   # a Rendering: .image, .tensor, .history
cv.plot.renderings(res, ["blocks.8 channel 12"], cell=3.5)
""")
nb.code("""
cv.plot.score_history(res.history)
""")
nb.md("""
The score climbs quickly and then flattens: the image has found the pattern the channel
detects, repeated everywhere (a channel objective averages over all positions). Read the
picture as a texture, not as an object.

## 2. Neuron, channel, class

Objectives are small parts that add and scale. `neuron` asks only the centre unit to
fire (one pattern in the middle, its receptive field); `class_logit` asks for a class.
""")
nb.code("""
from cnnviz_lab import objectives as obj

goals = [obj.neuron("blocks.8", 12), obj.channel("blocks.8", 12), obj.class_logit("goldfish")]
images = cv.maximize(clf, goals, size=SIZE, steps=STEPS, seed=0)  # three images, one batch
cv.plot.renderings(images, ["neuron (centre)", "channel", "class goldfish"], cell=3)
""")
nb.md("""
## 3. Early versus deep layers

Early layers respond to colours and oriented edges; the middle of the network to
textures; deep layers to object parts (eyes, fur, wheels). Look at how the scale and the
complexity of the pattern grow with depth.
""")
nb.code("""
layers = ["blocks.1", "blocks.5", "blocks.10", "blocks.15"]
images = cv.maximize(clf, [f"{l}:3" for l in layers], size=SIZE, steps=STEPS, seed=0)
cv.plot.renderings(images, layers, cell=3)
""")
nb.md(r"""
## 4. Regularisers and the parametrisation

Unregularised gradient ascent on raw pixels finds high-frequency noise that excites the
channel without looking like anything (an adversarial pattern). Three cures, each
tried below on the same channel:

- a penalty: total variation $R_{TV}(x)=\frac{1}{HW}\sum_{i,j}(x_{i,j+1}-x_{i,j})^2+(x_{i+1,j}-x_{i,j})^2$;
- robustness: random jitter, scale and rotation every step (`transforms="standard"`);
- a better parametrisation: optimise the Fourier spectrum, scaled by $1/f$, with colours
  decorrelated by ImageNet's colour covariance (`param="fft"`, Olah et al. 2017).
""")
nb.code("""
target = obj.channel("blocks.8", 12)
variants = {
    "pixels, nothing": dict(param="pixel", transforms=None, objective=target),
    "pixels + TV": dict(param="pixel", transforms=None, objective=target - 20 * obj.total_variation()),
    "pixels + transforms": dict(param="pixel", transforms="standard", objective=target),
    "Fourier + transforms": dict(param="fft", transforms="standard", objective=target),
}
imgs = [cv.maximize(clf, size=SIZE, steps=STEPS, seed=0, **kw) for kw in variants.values()]
cv.plot.renderings(imgs, list(variants), cell=3)
""")
nb.md("""
The raw-pixel image is grainy, high-frequency noise; TV smooths it; transforms make the
pattern survive shifts, so it becomes larger and cleaner; the Fourier parametrisation
gives the most natural colours and shapes for the same number of steps.

## 5. A grid of channels, rendered as one batch

`"blocks.8:0-7"` means channels 0 to 7 of `blocks.8`: image *i* maximises channel *i*, all
eight in one forward and one backward pass per step (much faster than eight renders, see
`benchmarks/bench_optvis.py`).
""")
nb.code("""
n = cv.config.pick(8, 4)  # quick mode renders fewer
grid = cv.maximize(clf, f"blocks.8:0-{n - 1}", size=SIZE, steps=STEPS, seed=0)
cv.plot.renderings(grid, [f"channel {i}" for i in range(n)], ncols=8, cell=1.8)
""")
nb.md("""
## 6. Starting from a photo

Start from an image instead of noise, add an L2 penalty that keeps the result close to
it, and look at the *difference*: it shows where in the photo the channel found
something to amplify.
""")
nb.code("""
res = cv.maximize(clf, "blocks.8:12", size=SIZE, steps=STEPS, seed=0, param="pixel",
                  image=cv.sample_image("cat"), l2_weight=1.0)
cv.plot.difference(res)
""")
nb.md("## 7. Checks: the same seed gives the same image, and the channel really fires")
nb.code("""
import torch

a = cv.maximize(clf, "blocks.8:0", size=SIZE, steps=STEPS, seed=1).tensor
b = cv.maximize(clf, "blocks.8:0", size=SIZE, steps=STEPS, seed=1).tensor
act = lambda x: cv.activations(clf, clf.from_unit(x), "blocks.8")[0, 0].mean().item()
assert torch.equal(a, b) and cv.hook_count(clf) == 0
assert act(a) > act(torch.full_like(a, 0.5)) + 1.0, (act(a), act(torch.full_like(a, 0.5)))
print("same seed, same image; the rendered channel fires far above a grey image")
""", check_output=True)
nb.md("""
## 8. Explore

Choose a layer, a channel, the parametrisation and the number of steps, then press
**render**. Try the same channel with `pixel` and `fft`; try channels of `blocks.1` and
`blocks.15`.
""")
nb.code("""
cv.widgets.maximize_panel()
""")
nb.exercise(
    "total variation",
    task="""
    Write `total_variation(images)` for an `(N, C, H, W)` batch: for each image, the mean
    over channels and positions of $dx^2 + dy^2$, with forward differences
    `dx = x[..., :-1, 1:] - x[..., :-1, :-1]` and `dy = x[..., 1:, :-1] - x[..., :-1, :-1]`.
    """,
    starter="""
    def total_variation(images):
        raise NotImplementedError  # your code here
    """,
    check="""
    cv.exercises.check_total_variation(total_variation)
    """,
    solution="""
    def total_variation_solution(images):
        dx = images[..., :-1, 1:] - images[..., :-1, :-1]
        dy = images[..., 1:, :-1] - images[..., :-1, :-1]
        return (dx ** 2 + dy ** 2).flatten(1).mean(1)

    assert cv.exercises.check_total_variation(total_variation_solution)
    """,
)
nb.md("""
## What next

Notebook 03 turns the question around once more: instead of the image a channel
*wants*, the image that gives the *same activations* as a photo, layer by layer.
""")
nb.save()
