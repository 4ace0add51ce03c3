"""Exercises of notebook 00 (filters, feature maps, predictions)."""

from __future__ import annotations

from typing import Callable

import torch
from torch import nn

from ..models.classifier import Classifier
from ..core.hooks import activations, hook_count
from .common import attempt, close, diagnose, report, same
from .question import Question, register


def check_top_k(fn: Callable[[torch.Tensor, int], tuple[torch.Tensor, torch.Tensor]]) -> bool:
    """``fn(logits, k)`` must return ``(probabilities, indices)`` of the k most probable
    classes of each row of ``logits`` (softmax, then the k largest, in decreasing order).
    Likely mistakes get their own hint: ascending order, logits instead of probabilities,
    softmax over the batch axis, the pair swapped."""
    gen = torch.Generator().manual_seed(0)
    logits = torch.randn(3, 1000, generator=gen) * 4
    ok, got = attempt(fn, logits.clone(), 5, name="top_k")
    if not ok:
        return report(False, "top_k", got)
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        return report(False, "top_k", "return a pair (probabilities, indices), e.g. what tensor.topk returns")
    probs, idx = got
    ref = logits.softmax(dim=1).topk(5, dim=1)
    ok_p, why_p = close(probs, ref.values)
    ok_i, why_i = close(idx, ref.indices, atol=0)
    if ok_p and ok_i:
        return report(True, "top_k", "softmax then topk, exactly as Classifier.predict does")
    hint = ""
    for wrong, text in [
        ((ref.indices, ref.values), "you return (indices, probabilities): return the probabilities first"),
        (
            (ref.values.flip(1), ref.indices.flip(1)),
            "the right k classes, but in ascending order: the most probable must come first (topk sorts largest first; sort with descending=True)",
        ),
        (
            (logits.topk(5, dim=1).values, logits.topk(5, dim=1).indices),
            "the right classes, but these are logits, not probabilities: apply softmax(dim=1) first",
        ),
        ((logits.log_softmax(1).topk(5, dim=1).values, ref.indices), "these are log-probabilities: use softmax, not log_softmax"),
        (
            (logits.softmax(0).topk(5, dim=1).values, logits.softmax(0).topk(5, dim=1).indices),
            "softmax over the classes of each image (dim=1), not over the batch (dim=0)",
        ),
    ]:
        if _pair_same((probs, idx), wrong):
            hint = text
            break
    if not hint:
        hint = ("probabilities: " + why_p) if not ok_p else ("indices: " + why_i)
    return report(False, "top_k", hint)


def _pair_same(got, wrong) -> bool:
    from .common import same

    return same(got[0], wrong[0]) and same(got[1], wrong[1], atol=0)


def check_most_active_channels(fn: Callable, classifier: Classifier, x: torch.Tensor, layer: str, k: int = 5) -> bool:
    """``fn(classifier, x, layer, k)`` must return the indices of the k channels of ``layer``
    with the largest mean activation over the image (largest first). Likely mistakes get
    their own hint: ascending order, the maximum instead of the mean, the activation values
    instead of the channel indices."""
    ok, got = attempt(fn, classifier, x, layer, k, name="most_active_channels")
    if not ok:
        return report(False, "most_active_channels", got)
    act = activations(classifier, x, layer)[0]
    means = act.mean(dim=(1, 2))
    ref = means.topk(k).indices
    try:
        flat = torch.as_tensor(got).flatten()
    except (TypeError, ValueError, RuntimeError):
        return report(False, "most_active_channels", f"return a tensor or list of {k} channel indices")
    same_, why = close(flat, ref, atol=0)
    if same_:
        return report(True, "most_active_channels", f"channels {ref.tolist()} of {layer} have the largest mean activation (signed) on this image")
    hint = diagnose(
        flat,
        [
            (ref.flip(0), "the right channels in ascending order: the most active comes first"),
            (means.topk(k).values, "these are the mean activations: return the channel indices (topk(...).indices)"),
            (act.amax(dim=(1, 2)).topk(k).indices, "you ranked channels by their maximum: rank them by the mean activation over all positions"),
            (
                act.flatten(1).topk(k, dim=1).indices.flatten()[:k],
                "topk over positions: average over the spatial positions first (mean over dims 1 and 2), then topk over channels",
            ),
        ],
        atol=1e-5,
    )
    return report(False, "most_active_channels", hint or why)


class _FailsOnPurpose(nn.Module):
    """A layer whose forward pass raises: a hook on an earlier layer must still come off."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        raise RuntimeError("this layer fails on purpose")


def check_layer_output(fn: Callable[[nn.Module, nn.Module, torch.Tensor], torch.Tensor]) -> bool:
    """``fn(model, layer, x)`` must return what ``layer`` (a module of ``model``) outputs while
    ``model(x)`` runs, recorded by a forward hook (PyTorch's ``register_forward_hook``, the
    mechanism the fast.ai book, Howard & Gugger 2020, ch. 18, wraps for CAM) that is removed
    afterwards, also when the forward pass fails. Checked on two small networks of our own:
    one where an in-place ReLU follows the layer (a record that is not a copy is overwritten
    by it), and one whose forward pass raises after the layer (the hook must still come off).
    Likely mistakes get their own hint: no copy, a hook left on, the list instead of the
    tensor, the model's output instead of the layer's."""
    if not callable(fn):
        raise TypeError(f"fn: your function layer_output(model, layer, x), not {type(fn).__name__}")
    gen = torch.Generator().manual_seed(0)
    conv = nn.Conv2d(3, 4, 3, padding=1)
    with torch.no_grad():
        conv.weight.copy_(torch.randn(conv.weight.shape, generator=gen))
        conv.bias.copy_(torch.randn(4, generator=gen))
    net = nn.Sequential(conv, nn.ReLU(inplace=True), nn.Conv2d(4, 2, 1)).eval()
    x = torch.randn(2, 3, 8, 8, generator=gen)
    with torch.no_grad():
        want, model_out = conv(x), net(x.clone())
    ok, got = attempt(fn, net, conv, x.clone(), name="layer_output")
    if not ok:
        return report(False, "layer_output", got)
    if hook_count(net):
        return report(False, "layer_output", "a hook is still on the model: keep the handle register_forward_hook returns and call handle.remove()")
    if isinstance(got, (list, tuple)) and len(got) == 1:
        return report(False, "layer_output", "you return the list your hook filled: return the tensor in it (store[0])")
    if not isinstance(got, torch.Tensor):
        return report(False, "layer_output", f"return the recorded output as a tensor, not {type(got).__name__}")
    if same(got, want.clamp(min=0)):
        return report(False, "layer_output", "the in-place ReLU after the layer overwrote your record: store output.detach().clone()")
    if same(got, model_out):
        return report(False, "layer_output", "this is the model's output: return what the layer outputs (the hook's output argument)")
    right, why = close(got, want)
    if not right:
        return report(False, "layer_output", why)
    broken = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), _FailsOnPurpose())
    attempt(fn, broken, broken[0], x.clone(), name="layer_output")
    if hook_count(broken):
        return report(
            False, "layer_output", "when the forward pass fails the hook stays on: remove it in a finally block (try: model(x) finally: handle.remove())"
        )
    return report(True, "layer_output", "a forward hook that records a copy of the layer's output and always comes off")


register(
    Question(
        "00-head-resolution",
        "The network reads a 224x224 image. What is the spatial size of each feature map of its last convolutional layer, `head`?",
        {"a": "224x224: every layer keeps the image's resolution", "b": "56x56", "c": "7x7", "d": "1x1: one number per channel"},
        "c",
        "Five stride-2 stages halve the resolution five times, 224 / 32 = 7: `head` gives 1280 maps of 7x7, coarse but each about large, abstract patterns.",
        {
            "a": "Convolutions with stride 2 (and the stem) halve the resolution at each stage.",
            "b": "56x56 is the size early on (blocks.1); there are more stride-2 stages after it.",
            "d": "1x1 comes only after the global average pooling, which is not a convolutional layer.",
        },
    )
)

register(
    Question(
        "00-augmentation",
        "The cat photo goes through crops, flips, colour jitter, rotation, grayscale and blur: the eight views in the "
        "figure below (one random draw). What happens to the network's top-1 label on those eight views? "
        "(ImageNet's domestic-cat classes: tabby, tiger cat, Persian, Siamese, Egyptian cat.)",
        {
            "a": "It stays exactly the same label for every view",
            "b": "It switches between domestic-cat classes but stays a domestic cat",
            "c": "Two or more of the eight views get a label outside the domestic-cat classes",
        },
        "b",
        "Tiger cat and Egyptian cat are a near tie on this photo, so almost any change (a crop, a rotation, "
        "grayscale, blur) tips it one way: the label moves between the domestic-cat classes, and each of the eight "
        "views stays a domestic cat.",
        {
            "a": "The top two classes are close (tiger cat 38 %, Egyptian cat 37 % here): small changes swap them.",
            "c": "The network was trained on such augmentations, so they rarely change what it sees.",
        },
    )
)


__all__ = ["check_layer_output", "check_most_active_channels", "check_top_k"]
