from notebook_builder import Notebook

nb = Notebook(
    "01_saliency", "Saliency: which pixels made the network say 'cat'?",
    goals=["compute the gradient of a class score with respect to the input pixels (vanilla saliency)",
           "read positive and negative saliency maps",
           "compare vanilla gradients with guided backpropagation, and see what guided backprop hides",
           "remove gradient noise with SmoothGrad, and attribute with Integrated Gradients",
           "write vanilla saliency yourself in four lines"],
    prerequisites="notebook 00 (a pretrained classifier, logits, hooks); what a gradient is.",
    runtime=("2 minutes", "20 seconds"),
    papers=["Simonyan, Vedaldi & Zisserman, *Deep Inside Convolutional Networks*, arXiv:1312.6034 (2013)",
            "Springenberg et al., *Striving for Simplicity: The All Convolutional Net*, arXiv:1412.6806 (2014)",
            "Smilkov et al., *SmoothGrad: removing noise by adding noise*, arXiv:1706.03825 (2017)",
            "Sundararajan, Taly & Yan, *Axiomatic Attribution for Deep Networks*, ICML 2017",
            "Adebayo et al., *Sanity Checks for Saliency Maps*, NeurIPS 2018"],
)

nb.md(r"""
## 1. The idea: the gradient of a class score

The network gives class $c$ a score (logit) $z_c(x)$. Close to our image $x_0$ it is
almost linear: $z_c(x) \approx z_c(x_0) + w^\top (x - x_0)$ with
$w = \frac{\partial z_c}{\partial x}\big|_{x_0}$. So $w$ says how much each pixel's value
would change the score. Simonyan et al. (2013) draw its largest magnitude over the colour
channels as the **saliency map**:

$$M_{ij} = \max_{k \in \{R,G,B\}} \left| \frac{\partial z_c}{\partial x_{k,i,j}} \right|$$

We use the logit, not the softmax probability: a probability can rise because *other*
classes fall, which would muddle the map.
""")
nb.code("""
import torch

clf = cv.load_model(device=DEVICE)
SIZE = cv.config.pick(224, 96)  # quick mode uses small images
x = clf.preprocess(cv.sample_image("cat"), size=SIZE)
clf.predict(x, k=3)
""")
nb.code("""
grad = cv.saliency(clf, x)  # target=None: the top-1 class; raw, signed, shape (1, 3, H, W)
cv.plot.saliency_maps(x, grad[0], clf, title=f"vanilla gradient for '{clf.predict(x, 1)[0][1]}'")
""")
nb.md("""
**What to look at.** The `|gradient|` map is bright on the eyes, the nose and the edges of
the face: changing those pixels changes the cat score most. It is also speckled all over:
raw gradients are noisy. **Positive saliency** (centre right) shows where *brightening* a
colour channel would raise the score, **negative saliency** where *darkening* it would.
Each is drawn in colour: a red pixel means the red channel matters there.
""")
nb.code("""
assert grad.shape == x.shape and not grad.requires_grad
assert cv.hook_count(clf) == 0 and all(p.grad is None for p in clf.model.parameters())
print("gradient shape:", tuple(grad.shape), "| hooks left: 0 | parameter grads: none")
""", check_output=True)

nb.md(r"""
## 2. Guided backpropagation

A ReLU passes the gradient back where its input was positive:
$\frac{\partial L}{\partial x} = \mathbb{1}[x > 0]\,\frac{\partial L}{\partial y}$.
Springenberg et al. (2014) also drop the *negative* gradients coming from above:

$$\left.\frac{\partial L}{\partial x}\right|_{\text{guided}} = \mathbb{1}[x > 0] \cdot \max\!\left(\frac{\partial L}{\partial y}, 0\right)$$

Only paths that *increase* the score survive, and the maps become crisp. The package
applies this rule to every ReLU however the model calls it (modules, reused modules,
in-place, `F.relu`, and ReLU6 as in this EfficientNet-Lite), through a
`torch.overrides.TorchFunctionMode`. Below: vanilla on the left, guided on the right.
""")
nb.code("""
guided = cv.guided_backprop(clf, x)
cv.plot.vanilla_vs_guided(x, grad[0], guided[0], clf)
""")
nb.md("""
**What to conclude.** Guided backprop draws clean edges of the eyes and fur; the vanilla
gradient is grainy. But a sharper picture is not a more faithful explanation, as the next
experiment shows.
""")

nb.md("""
### Does the map depend on the class?

An explanation of "cat" should differ from an explanation of "cup". On the cat-and-coffee
image we ask for both classes in **one call**: an `(N, K)` target gives K maps per image
(one forward pass, one batched backward pass).
""")
nb.code("""
both = clf.preprocess(cv.sample_image("cat_and_coffee"), size=SIZE)
targets = [[clf.predict(both, 1)[0][0], clf.class_index("cup")]]  # (N=1, K=2)
labels = [clf.label(t) for t in targets[0]]
vanilla_k = cv.saliency(clf, both, targets)       # shape (1, 2, 3, H, W)
guided_k = cv.guided_backprop(clf, both, targets)
cv.plot.class_maps(both, vanilla_k, labels, clf, title="vanilla gradient, two classes")
""")
nb.code("""
cv.plot.class_maps(both, guided_k, labels, clf, title="guided backprop, two classes")
""")
nb.md("""
**What to conclude.** The vanilla maps change with the class; the guided maps barely
do: guided backprop mostly reconstructs the image's edges whatever you ask (Nie et al.
2018; Adebayo et al. 2018 show it survives even randomising the network's weights). Use it
for crisp pictures, and combine it with a class-sensitive map (Guided Grad-CAM, notebook 02).
""")

nb.md(r"""
## 3. SmoothGrad: remove noise by adding noise

The gradient jumps around at the scale of single pixels. Smilkov et al. (2017) average
the map over $n$ noisy copies of the image:

$$\hat M_c(x) = \frac{1}{n} \sum_{i=1}^{n} M_c\big(x + \epsilon_i\big),\qquad
\epsilon_i \sim \mathcal N(0, \sigma^2),\quad \sigma = \text{noise} \cdot (x_{\max} - x_{\min})$$

`cv.smoothgrad` works over any base method (`method=cv.guided_backprop` for guided); `seed=`
makes it reproducible, `batch_size=` bounds memory, `squared=True` and `vargrad=True` give the
SmoothGrad-Squared and VarGrad variants.
""")
nb.code("""
N = cv.config.pick(50, 6)
smooth = cv.smoothgrad(clf, x, n=N, noise=0.15, seed=0)
smooth_guided = cv.smoothgrad(clf, x, method=cv.guided_backprop, n=N, noise=0.15, seed=0)
cv.plot.compare_maps(x, {"vanilla": grad[0], f"SmoothGrad (n={N})": smooth[0],
                         "guided": guided[0], f"SmoothGrad guided (n={N})": smooth_guided[0]}, clf)
""")
nb.md("""
**What to look at.** The speckle in the background fades and the cat's face stands out;
for guided backprop the edges become continuous (seed figure "SmoothGrad for guided").
More samples help up to about 50; noise around 10-20 % of the input range works best.
""")
nb.code("""
a = cv.smoothgrad(clf, x, n=2, seed=1)
assert torch.allclose(a, cv.smoothgrad(clf, x, n=2, seed=1, batch_size=1), atol=1e-6)  # same seed, same map
assert torch.allclose(cv.smoothgrad(clf, x, n=2, noise=0.0), grad, atol=1e-6)  # no noise: vanilla
""")

nb.md(r"""
## 4. Integrated Gradients

The gradient describes the score only *near* the image. Integrated Gradients (Sundararajan
et al. 2017) walk from a baseline $x'$ (here a black image) to $x$ and add up the gradients
along the way:

$$\mathrm{IG}_i(x) = (x_i - x'_i) \int_0^1 \frac{\partial z_c\big(x' + \alpha (x - x')\big)}{\partial x_i}\, d\alpha$$

Its attributions satisfy **completeness**: they sum to $z_c(x) - z_c(x')$. The integral is
computed with `steps` points (Gauss-Legendre by default); `return_error=True` reports how far
the sum is from that difference, so you can raise `steps` until it is small. *Input ×
gradient* is the one-step version, $x \cdot \partial z_c / \partial x$.
""")
nb.code("""
STEPS = cv.config.pick(128, 48)
ig, err = cv.integrated_gradients(clf, x, steps=STEPS, return_error=True)
gap = ig.sum().item() - err.item()  # = z_c(x) - z_c(black)
print(f"sum of IG = {ig.sum().item():.2f}, z(x) - z(baseline) = {gap:.2f}, error {abs(err.item() / gap):.1%}")
cv.plot.compare_maps(x, {"input x gradient": cv.input_x_gradient(clf, x)[0],
                         f"Integrated Gradients ({STEPS} steps)": ig[0]}, clf)
""")
nb.code("""
assert abs(err.item()) < cv.config.pick(0.05, 0.15) * abs(gap)  # completeness, up to the integration error
""")
nb.md("""
**What to conclude.** Input × gradient and IG weight the gradient by the pixel values, so
dark pixels count little; IG is the one whose map adds up to the score difference. Try
`steps=16`: the error grows to tens of percent, a sign that the path has sharp turns (ReLUs)
that a few points miss. Always check the error before trusting an IG map.
""")

nb.md("""
## 5. Explore

Pick a model, an image, one of its top-5 classes and a method; slide *SmoothGrad n* above 0
to average that method over noisy copies (the *noise* slider sets sigma as a fraction of the
input range). Try the cat-and-coffee image with the cat and with the cup, for vanilla and
for guided.
""")
nb.code("""
cv.widgets.saliency_panel(size=SIZE)
""")

nb.exercise(
    "vanilla saliency in four lines",
    task="""
    Write `my_saliency(model, x, target)` returning $\\partial z_{target} / \\partial x$: the
    gradient of the logit `model(x)[:, target]` with respect to the input `x`, same shape as
    `x`, raw (no `abs`) and detached. Use `torch.autograd.grad(score, x)` rather than
    `score.backward()`: it computes only the gradient you ask for and fills no parameter
    `.grad`. Hint: start from `x = x.detach().requires_grad_(True)`.
    """,
    starter="""
    def my_saliency(model, x, target):
        raise NotImplementedError  # your code here
    """,
    check="""
    cv.exercises.check_saliency(my_saliency)
    """,
    solution="""
    def my_saliency_solution(model, x, target):
        x = x.detach().requires_grad_(True)
        score = model(x)[:, target].sum()  # images are independent: one backward for all
        (grad,) = torch.autograd.grad(score, x)
        return grad.detach()

    assert cv.exercises.check_saliency(my_saliency_solution)
    """,
)

nb.md("""
## What next

Gradients are pixel-sharp but noisy and, for guided backprop, blind to the class.
Notebook 02 looks one level up: **class activation maps** (CAM, Grad-CAM) weight a deep
layer's feature maps by the gradient and show *where* the class is, coarse but
class-discriminative; multiplying by guided backprop gives Guided Grad-CAM.
""")
nb.save()
