"""Exercises of notebooks 05 (CAM) and 06 (Grad-CAM): class maps from features and gradients
(CAM, Grad-CAM, Grad-CAM++, LayerCAM),
and an investigation: find where Grad-CAM points at the wrong object."""

from __future__ import annotations

from typing import Callable, Sequence

import torch

from .common import attempt, close, diagnose, report
from .question import Question, register


def _random_case(seed: int = 0, channels: int = 8, side: int = 5, classes: int = 4):
    gen = torch.Generator().manual_seed(seed)
    features = torch.randn(channels, side, side, generator=gen).relu()
    weights = torch.randn(classes, channels, generator=gen)
    gradient = torch.randn(channels, side, side, generator=gen)
    return features, weights, gradient


def check_class_map(fn: Callable[[torch.Tensor, torch.Tensor, int], torch.Tensor]) -> bool:
    """``fn(features, weights, c)``: ``features`` ``(C,h,w)``, the linear head's ``weights``
    ``(classes,C)``; must return the CAM ``M_c = sum_k weights[c,k] * features[k]`` ``(h,w)``
    (Zhou et al. 2016), whose spatial mean is the class score without its bias. Likely
    mistakes get their own hint: a ReLU (CAM keeps negative evidence), the mean over channels
    instead of the sum, another class's row."""
    features, weights, _ = _random_case()
    for c in (0, 3):
        ok, got = attempt(fn, features.clone(), weights.clone(), c, name="class_map")
        if not ok:
            return report(False, "class_map", got)
        ref = torch.einsum("k,khw->hw", weights[c], features)
        same, why = close(got, ref, rtol=1e-4, atol=1e-5)
        if not same:
            hint = diagnose(
                got,
                [
                    (ref.clamp_min(0), "CAM has no ReLU: keep the negative evidence (the map must average to the score)"),
                    (ref / features.shape[0], "you averaged over the channels: SUM the weighted maps"),
                    (
                        features.mean(0) * weights[c].sum(),
                        "weight each channel by its own weight w[c, k] before summing, not the mean map by the sum of weights",
                    ),
                    *[
                        (torch.einsum("k,khw->hw", weights[o], features), f"this is the map of class {o}: use row c of the weights (weights[c])")
                        for o in range(weights.shape[0])
                        if o != c
                    ],
                ],
                atol=1e-5,
            )
            return report(False, "class_map", f"class {c}: " + (hint or why + " (weight each feature map by the class's row of the linear weights, then sum)"))
    score = weights[3] @ features.mean(dim=(1, 2))
    return report(
        True, "class_map", f"mean(M_3) = {float(ref.mean()):.3f} = w_3 . GAP(A) = {float(score):.3f}: the map averages to the class score minus its bias b_3"
    )


def _check_map(fn: Callable, name: str, reference: Callable, mistakes: Callable) -> bool:
    features, _, gradient = _random_case(1)
    for a, g in ((features, gradient), (features, torch.zeros_like(gradient))):
        ok, got = attempt(fn, a.clone(), g.clone(), name=name)
        if not ok:
            return report(False, name, got)
        try:
            got = torch.as_tensor(got)
        except (TypeError, ValueError, RuntimeError):
            return report(False, name, f"return an (h, w) tensor, got {type(got).__name__}")
        if torch.isnan(got).any():
            return report(False, name, "your map contains NaN: all-zero gradients must give an all-zero map (do not normalise the map: that is the plot's job)")
        ref = reference(a, g)
        same, why = close(got, ref, rtol=1e-4, atol=1e-5)
        if not same:
            wrong = [(ref / ref.max(), "return the raw map: do not normalise it (the plot scales it)")] if ref.max() > 0 else []
            hint = diagnose(got, wrong + mistakes(a, g), atol=1e-5)
            return report(False, name, hint or why)
    return report(True, name, "matches the package on random and on all-zero gradients")


def check_gradcam(fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]) -> bool:
    """``fn(activation, gradient)`` (both ``(C,h,w)``) must return the Grad-CAM map
    ``relu(sum_k mean_xy(gradient_k) * activation_k)`` of shape ``(h,w)`` (Selvaraju et al.
    2017). Likely mistakes get their own hint: no final ReLU, the sum of the gradient instead
    of its mean, the gradient used position by position, a normalised map."""

    def gradcam(a, g):
        return torch.einsum("k,khw->hw", g.mean(dim=(1, 2)), a).clamp_min(0)

    def mistakes(a, g):
        return [
            (torch.einsum("k,khw->hw", g.mean(dim=(1, 2)), a), "remember the final ReLU: keep only the positive part of the weighted sum"),
            (
                torch.einsum("k,khw->hw", g.sum(dim=(1, 2)), a).clamp_min(0),
                "alpha_k is the spatial MEAN of the gradient, not its sum (your map is h*w times too large)",
            ),
            ((g * a).sum(0).clamp_min(0), "average each gradient channel over the positions first (alpha_k), then weight the whole activation map by it"),
            ((g.mean(dim=(1, 2))[:, None, None] * a).mean(0).clamp_min(0), "SUM the weighted channels, do not average them"),
        ]

    return _check_map(fn, "gradcam", gradcam, mistakes)


def check_layercam(fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]) -> bool:
    """``fn(activation, gradient)`` must return the LayerCAM map
    ``relu(sum_k relu(gradient_k) * activation_k)`` of shape ``(h,w)`` (Jiang et al. 2021).
    Likely mistakes get their own hint: the gradient's negative part kept, Grad-CAM's
    averaged weights, a normalised map (NaN on a zero gradient)."""

    def layercam(a, g):
        return (g.clamp_min(0) * a).sum(0).clamp_min(0)

    def mistakes(a, g):
        return [
            ((g * a).sum(0).clamp_min(0), "keep only the POSITIVE part of the gradient at each position (relu(gradient) * activation)"),
            (
                torch.einsum("k,khw->hw", g.mean(dim=(1, 2)), a).clamp_min(0),
                "that is Grad-CAM: LayerCAM weights every position by its own positive gradient, no averaging",
            ),
            ((g.clamp_min(0) * a).mean(0).clamp_min(0), "SUM over the channels, do not average"),
        ]

    return _check_map(fn, "layercam", layercam, mistakes)


def check_gradcam_pp(fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]) -> bool:
    """``fn(activation, gradient)`` (both ``(C,h,w)``) must return the Grad-CAM++ map
    ``relu(sum_k w_k A_k)`` with ``w_k = sum_xy a_kxy relu(g_kxy)`` and the closed-form pixel
    weights ``a = g^2 / (2 g^2 + sum_ab A_k(a,b) g^3)`` (Chattopadhay et al. 2018, Eq. 19),
    ``a = 0`` where that denominator is 0: an all-zero gradient must give an all-zero map,
    not NaN. Likely mistakes get their own hint: LayerCAM's per-position weights, the
    gradient's negative part kept, ``A_k(x,y)`` instead of the channel's sum in the
    denominator, a normalised map."""

    def pixel_weights(a, g, total):
        denom = 2 * g**2 + total * g**3
        return torch.where(denom != 0, g**2 / torch.where(denom != 0, denom, torch.ones_like(denom)), torch.zeros_like(denom))

    def gradcam_pp(a, g, total=None, relu=True):
        total = a.sum(dim=(1, 2), keepdim=True) if total is None else total
        pos = g.clamp_min(0) if relu else g
        return torch.einsum("k,khw->hw", (pixel_weights(a, g, total) * pos).sum(dim=(1, 2)), a).clamp_min(0)

    def mistakes(a, g):
        return [
            ((g.clamp_min(0) * a).sum(0).clamp_min(0), "that is LayerCAM: Grad-CAM++ sums a * relu(g) over the positions into ONE weight per channel"),
            (gradcam_pp(a, g, relu=False), "weight the pixel weights a by the POSITIVE part of the gradient (relu(g))"),
            (gradcam_pp(a, g, total=a), "the denominator uses the channel's SUM of activations, sum_ab A_k(a,b), not A_k(x,y)"),
        ]

    return _check_map(fn, "gradcam_pp", lambda a, g: gradcam_pp(a, g), mistakes)


def check_wrong_object(
    classifier, x: torch.Tensor, target: int | str, box: Sequence[int], layer: str | None = None, method: str = "gradcam", max_ratio: float = 1.0
) -> bool:
    """An investigation: find an image, a class and a layer where Grad-CAM (or ``method``)
    points away from the object the class names. ``x``: your preprocessed image ``(1,3,H,W)``;
    ``target``: the class (index or name); ``box = (x0, y0, x1, y1)``: where that object is,
    in pixels of ``x``; ``layer``: the layer the map reads (default the CAM layer).

    Passes when the map does worse than chance on the box: its share of the map's mass
    inside the box is below ``max_ratio`` times the box's share of the image (what a
    uniform map would put there, so a uniform map never passes), AND the map's maximum
    falls outside the box (the pointing game of Zhang et al. 2016 misses). For a CAM-family
    method the maximum is read as a cell of the layer's own map (``grid`` of
    :func:`~cnnviz_lab.evaluate.pointing_outcome`): a maximal cell that straddles the box's
    edge gives an undefined verdict and does not pass. The hints cover a class the network
    does not see in the image, a box that covers most of the image, a maximum on the box's
    edge, and a map that points at the right object after all."""
    from ..attribution import registry
    from ..core.hooks import activations
    from ..core.probes import default_layer
    from ..evaluate import energy_in_box, pointing_outcome

    name = "wrong_object"
    clf = classifier
    try:
        t = clf.class_index(target) if isinstance(target, str) else int(target)
        x0, y0, x1, y1 = (int(v) for v in box)
        max_ratio = float(max_ratio)
    except (TypeError, ValueError, AttributeError) as err:
        return report(False, name, f"target must be a class index or name, box four pixel corners (x0, y0, x1, y1) and max_ratio a number: {err}")
    h, w = x.shape[-2:]
    if not (0 <= x0 < x1 <= w and 0 <= y0 < y1 <= h):
        return report(False, name, f"box {tuple(box)} is not inside the {w}x{h} image: use (x0, y0, x1, y1) with x0 < x1 <= width and y0 < y1 <= height")
    top5 = [i for i, _label, _p in clf.predict(x[:1], k=5)]
    if t not in top5:
        return report(
            False,
            name,
            f"'{clf.label(t)}' is not among the image's top-5 classes, so any map of it is meaningless: choose a class the network sees in this image",
        )
    area = (x1 - x0) * (y1 - y0) / (h * w)
    if area > 0.6:
        return report(False, name, f"the box covers {area:.0%} of the image: draw it around the object the class names, and nothing else")
    heat = registry.call(method, clf, x[:1], t, layer=layer)
    inside = float(energy_in_box(heat, (x0, y0, x1, y1)).flatten()[0])
    grid = None  # a CAM-family map's maximum is read as a cell of the layer's own map
    if isinstance(method, str) and registry.get_method(method).family == "cam":
        side = tuple(activations(clf, x[:1], default_layer(clf, layer)).shape[-2:])
        grid = side if heat.shape[-2] % side[0] == 0 and heat.shape[-1] % side[1] == 0 else None
    outcome = pointing_outcome(heat[0], [(x0, y0, x1, y1)], grid=grid)[0]
    where = f"at {layer}" if layer else "at the default layer"
    what = (
        f"{inside:.0%} of the {registry.label(method)} map {where} is on the '{clf.label(t)}' box, which "
        f"covers {area:.0%} of the image ({inside / area:.1f}x chance)"
    )
    if inside >= max_ratio * area or outcome == "hit":
        why = "its maximum is inside the box" if outcome == "hit" else "that is no worse than a uniform map"
        return report(
            False,
            name,
            f"{what}, and {why}: here it points at the right object. Try an image with two objects and a middle layer (e.g. blocks.12 of EfficientNet-Lite0)",
        )
    if outcome == "split":
        return report(
            False,
            name,
            f"{what}, but its maximum lies partly inside the box ("
            + (f"a cell of the {grid[0]}x{grid[1]} map that straddles the box's edge" if grid else "a flat plateau across the box's edge")
            + "): the pointing game is undefined there. Look for a case whose maximum lies clearly outside the box",
        )
    return report(
        True,
        name,
        f"{what}, and its maximum lies outside the box: below chance, pointing "
        "elsewhere. One likely reason: the channel-averaged gradient paints positions hot whose own "
        "gradient times activation is negative",
    )


register(
    Question(
        "05-cam-drum",
        "On the drum-kit photo (a drum kit with an electric guitar leaning against it), `electric guitar` is the "
        "top-1 class and `drum` is further down the top-5. Where will the CAM of class `drum` light up?",
        {
            "a": "On the guitar, like the top-1 class: CAM shows what the network looks at",
            "b": "On the drum kit",
            "c": "Nowhere clearly: drum is not the top-1 class",
        },
        "b",
        "Each class has its own map M_c = sum_k w_k^c A_k: the drum's weights pick the channels that fire on "
        "the drums, so its map sits on the drum kit (over 70 % of its mass in the drum kit's hand-drawn boxes, "
        "under 20 % on the guitar), whatever the top-1 class is.",
        {
            "a": "CAM is per class: the weights w^c differ for every class, so each map shows that class's evidence.",
            "c": "Every class has a map, top-1 or not; a class that is in the image localises.",
        },
    )
)

register(
    Question(
        "05-cam-contrast",
        "On the drum-kit photo the 7x7 CAMs of `electric guitar` and `acoustic guitar` correlate at 0.93: both "
        "sit on the guitar. Their difference M_electric - M_acoustic is the exact CAM of the logit difference "
        "S_electric - S_acoustic. Where will it be strongly positive?",
        {
            "a": "Nowhere: the two maps are near copies, so their difference is flat noise",
            "b": "On the guitar's body",
            "c": "On the drum kit, the context that tells the two classes apart",
        },
        "b",
        "Correlation compares the maps' shapes, not their sizes: the electric-guitar map is larger on the "
        "guitar's body (the difference reaches about 11 at one cell, where each map peaks near 27), so the "
        "evidence for 'electric rather than acoustic' sits on the guitar too. One cell at the body's lower-left "
        "edge votes the other way (about -6).",
        {
            "a": "A correlation near 1 says the maps rise and fall together, not that they are equal: one can be larger by several units at the same places.",
            "c": "The drum kit adds little to either guitar score; about 60 % of the difference's positive mass lies in the guitar's boxes.",
        },
    )
)

register(
    Question(
        "06-gradcam-middle-layer",
        "At `head` (read after a ReLU6, so every activation is >= 0, and with one gradient per channel) "
        "Grad-CAM is exactly ReLU(CAM)/49. `blocks.12` is a block's output: a linear projection plus the skip "
        "connection, not rectified, with gradients that vary over positions. What can Grad-CAM's map do at "
        "`blocks.12` that it cannot do at `head`?",
        {
            "a": "Nothing new: with the mean gradient it is still ReLU(CAM)/49",
            "b": "Paint a position hot although that position's own gradient times activation is negative",
            "c": "Give a channel a different weight at each position",
            "d": "Change with the target class only through the probability, not the map",
        },
        "b",
        "The mean gradient replaces each position's own gradient, and a negative activation times a negative "
        "weight counts as evidence for the class. So sum_k alpha_k A_k(x, y) can be positive where "
        "sum_k g_k(x, y) A_k(x, y) is negative. On this photo 46 % of the electric-guitar map at blocks.12 lies on "
        "such positions (section 7), the map falls below chance on the guitar, and its maximum is a cell of the "
        "leftmost column that straddles the drum kit box's edge, not on the guitar. LayerCAM and HiResCAM, which keep each position's gradient, stay "
        "on the guitar's box.",
        {
            "a": "The ReLU(CAM)/49 identity needs a GAP + linear head right after the layer read; after blocks.12 come "
            "three more blocks and head, so the gradient is no longer one number per channel.",
            "c": "Grad-CAM's weight for a channel is the mean of its gradient over all positions: one number per channel at every "
            "layer. Per-position weights are what HiResCAM and LayerCAM use.",
            "d": "The weights alpha_k are gradients of the class score, so they change with the class, and the map with them, at every layer.",
        },
    )
)

register(
    Question(
        "06-drum-negative-weights",
        "At `head` the gradient of a class score is the same at every position (the linear weight / 49), so "
        "LayerCAM and Grad-CAM++ keep only the channels whose weight for `drum` is positive and drop the others; "
        "Grad-CAM keeps all of them. Grad-CAM's `drum` map is cold on the guitar at `blocks.15` (section 2), and "
        "likewise at `head`. What must the "
        "dropped channels do on the guitar, and where will LayerCAM's `drum` map rise compared with Grad-CAM's?",
        {
            "a": "They are silent on the guitar; the map rises nowhere, it is Grad-CAM's map",
            "b": "They fire on the guitar with a negative weight, cancelling positive evidence there; the map rises on the guitar",
            "c": "They fire on the toms; the map falls on the toms and rises nowhere else",
            "d": "They fire everywhere equally; the map rises by the same amount everywhere",
        },
        "b",
        "Dropping a channel changes the map only where that channel fires. Grad-CAM's drum map is cold on the "
        "guitar because channels with a negative weight for `drum` fire there and cancel the positive evidence. "
        "LayerCAM and Grad-CAM++ drop them (682 of the 1280 channels), so whatever positive evidence the guitar "
        "carries shows: their red blob moves off the toms onto the guitar's body where it meets the bass drum, "
        "and their share on the drum kit falls to about 1.1x chance. (Their maximum is a 7x7 cell on the drum kit "
        "box's edge: the pointing game's verdict is undefined, the move of the hot region is not.)",
        {
            "a": "A silent channel changes nothing, but then Grad-CAM's map would not be cold on the guitar: something "
            "there cancels the evidence for `drum`, and that is the negative-weight channels.",
            "c": "Channels with a negative weight on the toms would make Grad-CAM cold on the toms; it is warm there. "
            "Dropping them cannot lower the map anywhere: it only removes negative terms.",
            "d": "A map stretched from its minimum to its maximum would then look unchanged; but the dropped channels "
            "are features of particular objects, and they fire where those objects are.",
        },
    )
)


__all__ = ["check_class_map", "check_gradcam", "check_gradcam_pp", "check_layercam", "check_wrong_object"]
