"""The mean kernel of a convolution: where its filters put their weight, on average."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import torch
from torch import nn

from ..core import checks
from ..models.classifier import Classifier
from .figure import Figure
from .core import grid_axes
from .layer_views import _conv


def mean_kernel(model: nn.Module | Classifier, layer: str | nn.Module) -> torch.Tensor:
    """The mean of a convolution's kernels, each first turned into its share of weight per
    tap: ``|W_o|`` summed over input channels and divided by its total, times ``k_h k_w``,
    so a tap at 1 holds the uniform share and a symmetric mean kernel means no lean (the
    figure Alsallakh et al., *Mind the Pad*, ICLR 2021, fig. 6, draw for ResNets). All-zero
    kernels are left out. Shape ``(k_h, k_w)``."""
    name, conv = _conv(model, layer)
    a = conv.weight.detach().float().cpu().abs().sum(dim=1)  # (C_out, kh, kw)
    total = a.sum(dim=(1, 2))
    live = total > 0
    if not live.any():
        raise ValueError(f"layer: every kernel of {name} is zero, so it has no mean kernel")
    share = a[live] / total[live, None, None] * (a.shape[1] * a.shape[2])
    return share.mean(dim=0)


def mean_kernels(model: nn.Module | Classifier, layers: Sequence[str], fontsize: float = 11) -> Figure:
    """One panel per layer of :func:`mean_kernel`, on one colour scale (1 = the uniform share),
    with the kernel's centre marked by a cross and the mean kernel's centre of mass by a dot;
    each title names the layer, its kernel size and stride; ``fontsize``: the titles' size in
    points (the colour bar's label one point smaller, the suptitle one larger)."""
    if isinstance(layers, str) or not isinstance(layers, Sequence) or not layers:
        raise TypeError(f"layers must be a non-empty list of layer names, got {layers!r}")
    if len(layers) > 8:
        raise ValueError(f"layers: at most 8 panels in a row, got {len(layers)}")
    fontsize = checks.real(fontsize, "fontsize", minimum=4.0)
    means = [mean_kernel(model, layer).numpy() for layer in layers]
    convs = [_conv(model, layer) for layer in layers]
    hi = max(float(m.max()) for m in means)
    fig, axes = grid_axes(len(layers), len(layers), 2.2, (0.9, 0.7))
    for ax, m, (name, conv) in zip(axes.flat, means, convs):
        im = ax.imshow(m, cmap="magma", vmin=0, vmax=hi)
        cy, cx = (m.shape[0] - 1) / 2, (m.shape[1] - 1) / 2
        ax.plot([cx], [cy], "+", color="cyan", ms=16, mew=2)
        rows, cols = np.arange(m.shape[0]), np.arange(m.shape[1])
        my, mx = (m.sum(axis=1) * rows).sum() / m.sum(), (m.sum(axis=0) * cols).sum() / m.sum()
        ax.plot([mx], [my], "o", color="white", ms=6, mec="black")
        short = name.removesuffix(".depthwise.conv").removesuffix(".conv")
        ax.set_title(f"{short}\n{conv.kernel_size[0]}x{conv.kernel_size[1]}, stride {conv.stride[0]}", fontsize=fontsize)
    bar = fig.colorbar(im, ax=list(axes.flat), shrink=0.8)
    bar.set_label("share of |W| per tap\n(1 = uniform)", fontsize=fontsize - 1)
    fig.suptitle(
        "mean kernel of each layer, every kernel's |W| first scaled to sum 1\n(cross: kernel centre; dot: the mean kernel's centre of mass)",
        fontsize=fontsize + 1,
    )
    return fig
