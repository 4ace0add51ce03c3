from notebook_builder import Notebook

nb = Notebook(
    "06_gradcam", "Grad-CAM and its family",
    goals=["compute Grad-CAM for the top-5 classes of an image in one forward and one backward pass",
           "read the maps: which class lights up which object",
           "see how the choice of layer trades resolution for class specificity",
           "compare Grad-CAM with Grad-CAM++, LayerCAM and Score-CAM"],
    prerequisites="notebook 05 (CAM) and notebook 01 (gradients).",
    runtime=("2 minutes", "30 seconds"),
    papers=["Selvaraju et al., *Grad-CAM: Visual Explanations from Deep Networks via Gradient-based "
            "Localization*, ICCV 2017",
            "Chattopadhay et al., *Grad-CAM++*, WACV 2018",
            "Wang et al., *Score-CAM*, CVPR Workshops 2020",
            "Jiang et al., *LayerCAM*, IEEE TIP 2021"],
)

nb.md(r"""
## 1. The idea: replace CAM's linear weights by gradients

CAM (notebook 05) weights each feature map $A_k$ of the last layer by the linear head's
weight $w_k^c$. Grad-CAM takes the weight from the **gradient** of the class score $S_c$
(the logit) instead, averaged over the $h \times w$ positions, and keeps the positive part:

$$\alpha_k^c = \frac{1}{hw}\sum_{x,y}\frac{\partial S_c}{\partial A_k(x,y)}, \qquad
L^c_{\text{Grad-CAM}} = \mathrm{ReLU}\Big(\sum_k \alpha_k^c A_k\Big).$$

This works for any network and at any layer. With a GAP + linear head and the last layer,
$\partial S_c / \partial A_k(x,y) = w_k^c / hw$, so Grad-CAM is exactly $\mathrm{ReLU}(M_c)/hw$.
""")
nb.code("""
import torch

clf = cv.load_model(device=DEVICE)
x = clf.preprocess(cv.sample_image("cat_and_coffee"))
top5 = cv.topk_targets(clf, x, 5)                        # (1, 5) class indices
maps = cv.gradcam(clf, x, top5)                          # (1, 5, 224, 224), raw
print(tuple(maps.shape), [clf.label(i) for i in top5[0].tolist()])
""", check_output=True)
nb.md("""
Five classes cost **one** forward pass and **one** batched backward pass that stops at the
layer (`torch.autograd.grad(..., is_grads_batched=True)` with one one-hot row per class),
not five passes, and no weight gradient is ever computed. The maps are raw and
unnormalised; the plotting functions scale each one for display.

## 2. Grad-CAM for the top-5 classes
""")
nb.code("""
cv.plot.cam_topk(clf, x, k=5)
""")
nb.md("""
**Reading the figure** (as one would describe a Grad-CAM figure in a report):
the most probable class, `Egyptian cat`, lights up the cat's face on the left, and so do
`tiger cat` and `tabby`: three labels for the same animal, distinguished by fur pattern,
so their maps nearly coincide. `cup`, the fourth class, moves to the right and covers the
espresso cup. `potter's wheel` also sits on the cup: the network's fifth guess is a
confusion *about the cup* (round, glazed, brown), not about the cat. The next cell turns
that reading into numbers: the share of each map on the left half of the image.
""")
nb.code("""
half = maps.shape[-1] // 2
left = maps[0, :, :, :half].sum(dim=(1, 2)) / maps[0].sum(dim=(1, 2))
for c, share in zip(top5[0].tolist(), left.tolist()):
    print(f"{clf.label(c):15s} {share:4.0%} of its map on the left (cat) half")
assert left[0] > 0.7 and left[3] < 0.3   # Egyptian cat -> cat, cup -> cup
""")
nb.md("""
And the link to notebook 05: on this network (GAP + linear head) and at its last layer,
Grad-CAM equals the ReLU of CAM divided by the 7x7 = 49 positions.
""")
nb.code("""
g = cv.gradcam(clf, x, top5, upsample=False)
c = cv.cam(clf, x, top5, upsample=False)
assert torch.allclose(g, c.clamp_min(0) / 49, atol=1e-5)
print("Grad-CAM == ReLU(CAM) / 49 at layer", clf.cam_layer)
""", check_output=True)
nb.md("""
## 3. Which layer? Early vs late

Grad-CAM works at any layer (`layer=`). Early layers keep a high resolution (112x112 for
`stem`) but their channels detect edges and colours, not cats. The last layer is coarse (7x7) but each channel means something
about the object. `cv.cam_layers(clf)` lists the network's blocks, early to late.
""")
nb.code("""
layers = cv.cam_layers(clf)
print(len(layers), "layers:", layers[0], "...", layers[-1])
cv.plot.cam_by_layer(clf, x, ["blocks.3", "blocks.12", "head"], target="tabby")
""")
nb.md("""
**Reading the figure:** `blocks.3` (56x56) lights up edges everywhere, including the white
margins: nothing about tabbies. Only at the last layer does the `tabby` map sit squarely
on the cat. And at `blocks.12` it sits on the **cup**! Grad-CAM gives each channel one
weight, the *average* of its gradient; in the middle of the network many channels respond
to both objects, with gradients of both signs, and the averaged weights can favour the
channels that fire on the wrong object. LayerCAM weights every position by its own
positive gradient instead; look at the same layers with it:
""")
nb.code("""
cv.plot.cam_by_layer(clf, x, ["blocks.3", "blocks.12", "head"], target="tabby", method="layercam")
""")
nb.code("""
cat_box = (0, 0, x.shape[-1] // 2, x.shape[-2])  # the left half of the image
gc = cv.energy_in_box(cv.gradcam(clf, x, "tabby", layer="blocks.12"), cat_box).item()
lc = cv.energy_in_box(cv.layercam(clf, x, "tabby", layer="blocks.12"), cat_box).item()
print(f"tabby at blocks.12: Grad-CAM {gc:.0%} on the cat, LayerCAM {lc:.0%} on the cat")
assert gc < 0.5 < lc
""")
nb.md("""
**What to conclude:** the default layer is the last convolutional one because there
Grad-CAM is class specific. Earlier layers give sharper maps, but Grad-CAM's
channel-averaged weights can mislead there; LayerCAM is the better tool at those layers.

## 4. Explore

Move the **layer** slider (early to late) and pick one of the image's top-5 classes in the
**class** dropdown; switch method, image or model. The figure redraws on every change.
""")
nb.code("""
cv.widgets.gradcam_panel(image="cat_and_coffee")
""")
nb.md(r"""
## 5. Grad-CAM++, LayerCAM and Score-CAM

- **Grad-CAM++** (Chattopadhay et al. 2018) weights each position's positive gradient with
  $a_{xy}^{kc} = \frac{g^2}{2g^2 + \sum_{ab} A_k(a,b)\, g^3}$ (the closed form that follows
  from taking $e^{S_c}$ as the score), which helps when several instances of a class appear.
- **LayerCAM** (Jiang et al. 2021) keeps a weight per position:
  $\mathrm{ReLU}\big(\sum_k \mathrm{ReLU}(\partial S_c/\partial A_k(x,y))\, A_k(x,y)\big)$;
  its maps stay sharp at early layers.
- **Score-CAM** (Wang et al. 2020) uses no gradient: each feature map, upsampled and scaled
  to [0, 1], masks the image; its weight is how much the masked image raises the class
  probability over a blank image. One forward pass per channel (here only the most
  active channels in quick mode: `max_channels`).
""")
nb.code("""
options = {"scorecam": {"max_channels": cv.config.pick(256, 16), "batch_size": 32}}
cv.plot.cam_compare(clf, x, "cup", options=options)
""")
nb.md("""
**What to look at:** all four agree that `cup` is on the right; they differ in how far the
blob spreads. Grad-CAM++ and LayerCAM spread a little onto the cat (they keep every
position with a positive gradient); Score-CAM, which asks "does showing this region alone
raise p(cup)?", stays on the cup and its saucer.
""")
nb.md(r"""
## 6. Guided Grad-CAM

Grad-CAM is class specific but coarse (7x7 at the head); guided backpropagation
(notebook 01) is sharp but hardly class specific. Selvaraju et al. 2017 multiply the two,
pixel by pixel:
$\text{Guided Grad-CAM}_c = G_c(x) \odot \mathrm{upsample}\big(L^c_{\text{Grad-CAM}}\big)$.
One call explains both objects; the result keeps the fine edges of guided backpropagation,
but only where Grad-CAM says the class is.
""")
nb.code("""
both = cv.guided_gradcam(clf, x, [["tabby", "cup"]])  # (1, 2, 3, H, W): two classes, one call
cv.plot.class_maps(x, both[0], ["Guided Grad-CAM: tabby", "Guided Grad-CAM: cup"], clf)
""")
nb.code("""
on_cat = cv.energy_in_box(both, cat_box)[0]  # share of each map's mass on the left half
print(f"on the cat: tabby map {on_cat[0]:.0%}, cup map {on_cat[1]:.0%}")
assert on_cat[0] > 0.5 > on_cat[1]
""")
nb.exercise(
    "Grad-CAM from activations and gradients",
    task="""
    Write `my_gradcam(activation, gradient)`: both are `(C, h, w)` tensors (a layer's output
    and the gradient of a class score with respect to it). Return the `(h, w)` Grad-CAM map:
    the spatial mean of each gradient channel weights its activation channel; sum over
    channels; keep the positive part.
    """,
    starter="""
    def my_gradcam(activation, gradient):
        raise NotImplementedError  # your code here
    """,
    check="""
    cv.exercises.check_gradcam(my_gradcam)
    """,
    solution="""
    def my_gradcam_solution(activation, gradient):
        alpha = gradient.mean(dim=(1, 2))
        return (alpha[:, None, None] * activation).sum(dim=0).clamp(min=0)

    assert cv.exercises.check_gradcam(my_gradcam_solution)
    """,
)
nb.exercise(
    "LayerCAM",
    task="""
    Write `my_layercam(activation, gradient)` (same inputs): weight every *position* of each
    activation channel by the positive part of its gradient, sum over channels and keep the
    positive part. Your map must be all zeros (not NaN) when the gradient is zero.
    """,
    starter="""
    def my_layercam(activation, gradient):
        raise NotImplementedError  # your code here
    """,
    check="""
    cv.exercises.check_layercam(my_layercam)
    """,
    solution="""
    def my_layercam_solution(activation, gradient):
        return (gradient.clamp(min=0) * activation).sum(dim=0).clamp(min=0)

    assert cv.exercises.check_layercam(my_layercam_solution)
    """,
)
nb.md("""
## What next

Every map so far came from gradients. Notebook 07 asks the network directly: hide a patch of
the image and watch the probability fall (occlusion sensitivity).
""")
nb.save()
