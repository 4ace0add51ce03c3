"""Looking at the network itself: filter weights and feature maps."""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import torch
from .figure import Figure
from torch import nn

from ..images.loading import ImageLike
from ..core.hooks import activations
from ..core.layer_lookup import get_layer, layer_name, layer_names
from ..models.classifier import Classifier
from ..core import checks
from ..core.gate import unwrap
from .core import grid_axes, image_grid, to_numpy


def _unit(a: np.ndarray) -> np.ndarray:
    lo, hi = a.min(), a.max()
    return (a - lo) / (hi - lo) if hi > lo else np.zeros_like(a)


def _conv(model: nn.Module | Classifier, layer: str | nn.Module | None) -> tuple[str, nn.Conv2d]:
    module, _ = unwrap(model)
    if layer is None:
        convs = layer_names(module, "conv")
        if not convs:
            raise ValueError(f"model: {type(module).__name__} has no Conv2d layer to draw")
        layer = convs[0]
    name = layer_name(module, layer)
    conv = get_layer(module, name)
    if not isinstance(conv, nn.Conv2d):
        raise ValueError(f"{name} is a {type(conv).__name__}, not a Conv2d; conv layers: {', '.join(layer_names(module, 'conv')[:8])}, ...")
    return name, conv


def filters(
    model: nn.Module | Classifier,
    layer: str | nn.Module | None = None,
    max_filters: int = 64,
    max_inputs: int = 8,
    title: str | None = None,
    *,
    scale: str = "each",
    show_share: bool = False,
    highlight: Sequence[int] = (),
    frame_inputs: Sequence[int] = (),
    gain: torch.Tensor | Sequence[float] | None = None,
    matrix_size: tuple[float, float] | None = None,
) -> Figure:
    """The weights of a convolution layer as pictures (default: the first conv layer).

    A layer that reads an RGB image shows each filter as one colour image (Zeiler & Fergus
    2014, fig. 2). A depthwise layer (one input channel per filter) shows each filter's
    ``k x k`` kernel as one tile, on a symmetric red-blue scale (red positive, blue
    negative, white zero). A ``1x1`` convolution has no spatial pattern to draw: a tile
    of one pixel is just a flat square. It is what it computes, a ``C_out x C_in`` matrix
    that mixes the channels at every pixel, so it is drawn as that matrix (the first
    ``max_filters`` rows). Other layers show one row per filter and one tile per input
    channel (the first ``max_inputs``). ``title`` replaces the default title (layer and
    weight shape).

    ``scale`` (RGB filters only): ``"each"`` stretches every filter to its own range (its
    weakest weight black, its strongest white: faint filters look as vivid as strong ones);
    ``"shared"`` draws all of them on one scale, ``0.5 + w / (2 max|W|)``: mid-grey is a zero
    weight, so a filter whose R, G and B weights are alike is grey and only colour-opponent
    weights show colour. ``show_share`` writes each filter's :func:`achromatic_share` under
    its number; a filter whose weights are all zero (norm below ``1e-6`` of the layer's
    largest filter norm, a filter training switched off) is labelled ``off`` instead, since
    its share is a ratio of two zeros. ``highlight`` (depthwise layers): filter indices whose
    tiles get a thick black frame and a larger bold number, so a lecturer can point at them
    on a projector. ``frame_inputs`` (1x1 layers): input channels whose matrix columns get a
    black frame and a tick label with their number.

    ``gain`` (RGB filters only): one signed factor per filter that multiplies its weights
    before drawing, e.g. a following batch norm's ``gamma / sqrt(running_var + eps)``, so the
    figure shows the *folded* weights ``W_o gamma_o / sigma_o`` whose size is the filter's
    effect (Ioffe & Szegedy 2015); the shares do not change. ``matrix_size`` (1x1 layers):
    the matrix figure's (width, height) in inches instead of the default from its shape.
    """
    for key, value in (("highlight", highlight), ("frame_inputs", frame_inputs)):
        if isinstance(value, (str, bytes)) or not all(isinstance(i, (int, np.integer)) and not isinstance(i, bool) for i in value):
            raise TypeError(f"{key}: a sequence of channel indices, not {value!r}")
    if scale not in ("each", "shared"):
        raise ValueError(f"scale: 'each' (every filter stretched to its own range) or 'shared' (one scale for all filters), not {scale!r}")
    name, conv = _conv(model, layer)
    w = to_numpy(conv.weight)
    shape = tuple(conv.weight.shape)
    if matrix_size is not None:
        if w.shape[2:] != (1, 1):
            raise ValueError(f"matrix_size: sizing the matrix figure is for 1x1 layers; {name} has {shape[2]}x{shape[3]} kernels")
        if not (isinstance(matrix_size, tuple) and len(matrix_size) == 2 and all(checks.real(v, "matrix_size", minimum=1.0) for v in matrix_size)):
            raise TypeError(f"matrix_size: a (width, height) tuple in inches, not {matrix_size!r}")
    if gain is not None:
        try:
            g = np.asarray(to_numpy(gain) if isinstance(gain, torch.Tensor) else gain, dtype=np.float64)
        except (TypeError, ValueError):
            g = None
        if g is None or isinstance(gain, (str, bytes, Mapping)):
            raise TypeError(f"gain: one number per filter (a tensor, array or list), got {type(gain).__name__}")
        if w.shape[1] != 3:
            raise ValueError(f"gain: folding a per-filter gain is for a layer that reads RGB; {name} reads {w.shape[1]} channels")
        if g.shape != (w.shape[0],) or not np.isfinite(g).all():
            raise ValueError(f"gain: one finite factor per filter of {name} ({w.shape[0]}), got shape {g.shape}")
        w = (w * g[:, None, None, None]).astype(np.float32)
    if w.shape[2:] == (1, 1):
        bad = [i for i in frame_inputs if not 0 <= i < w.shape[1]]
        if bad:
            raise ValueError(f"frame_inputs: {name} reads input channels 0-{w.shape[1] - 1}; got {bad}")
        return _matrix(
            w[:max_filters, :, 0, 0],
            title or f"{name}: a 1x1 convolution is a {shape[0]}x{shape[1]} matrix mixing channels at each pixel",
            frame_inputs,
            matrix_size,
            n_out=shape[0],
        )
    if frame_inputs:
        raise ValueError(f"frame_inputs: framing matrix columns is for 1x1 layers; {name} has {shape[2]}x{shape[3]} kernels")
    w = w[:max_filters]
    title = title or f"{name}: {shape} filters"
    if highlight and w.shape[1] != 1:
        raise ValueError(f"highlight: framing tiles is for depthwise layers (one input channel per filter); {name} reads {w.shape[1]} channels")
    if w.shape[1] == 3:
        if scale == "shared":
            lim = float(np.abs(w).max()) or 1.0
            tiles = [0.5 + f.transpose(1, 2, 0) / (2 * lim) for f in w]
        else:
            tiles = [_unit(f.transpose(1, 2, 0)) for f in w]
        names = [str(i) for i in range(len(tiles))]
        if show_share:
            share = achromatic_share(model, layer)[: len(tiles)]
            norms = np.sqrt((to_numpy(conv.weight)[: len(tiles)].astype(np.float64) ** 2).sum(axis=(1, 2, 3)))
            off = norms < 1e-6 * max(float(norms.max()), 1e-30)
            names = [f"{i}: off" if dead else f"{i}: {a:.2f}" for i, a, dead in zip(names, share.tolist(), off)]
        fig = image_grid(tiles, names, ncols=8, cell=1.0 if not show_share else 1.15, suptitle=title)
        if scale == "shared":
            fig.supxlabel(
                ("folded weights W·γ/σ" if gain is not None else "one scale for all filters")
                + f": mid-grey = weight 0, black/white = -/+{lim:.2f}"
                + ("; after each number its achromatic share ('off': all weights zero)" if show_share else ""),
                fontsize=9,
            )
        return fig
    if show_share:
        raise ValueError(f"show_share: {name} reads {w.shape[1]} channels, not RGB; the achromatic share is defined for a layer that reads an RGB image")
    if w.shape[1] == 1:
        bad = [i for i in highlight if not 0 <= i < len(w)]
        if bad:
            raise ValueError(f"highlight: {name} shows filters 0-{len(w) - 1}; got {bad}")
        return _signed_tiles([f[0] for f in w], [str(i) for i in range(len(w))], 8, title, highlight)
    rows = w[: min(len(w), 16), :max_inputs]
    titles = [f"f{i} in{j}" for i in range(len(rows)) for j in range(rows.shape[1])]
    return _signed_tiles([t for row in rows for t in row], titles, rows.shape[1], title)


def _signed_tiles(tiles: list[np.ndarray], titles: list[str], ncols: int, title: str, highlight: Sequence[int] = ()) -> Figure:
    """Kernels as tiles on one symmetric red-blue scale, zero white, with a colour bar;
    tiles in ``highlight`` framed in black with a larger number."""
    lim = float(max(np.abs(t).max() for t in tiles)) or 1.0
    fig, axes = grid_axes(len(tiles), ncols, 1.0, (0.6, 0.4))
    im = None
    for i, ax in enumerate(axes.flat):
        if i < len(tiles):
            im = ax.imshow(tiles[i], cmap="RdBu_r", vmin=-lim, vmax=lim)
            if i in highlight:
                ax.set_axis_on()
                ax.set_xticks([])
                ax.set_yticks([])
                for spine in ax.spines.values():
                    spine.set_linewidth(3)
                ax.set_title(titles[i], fontsize=13, fontweight="bold")
            else:
                ax.set_title(titles[i], fontsize=10)
    fig.colorbar(im, ax=axes, shrink=0.6, label="weight")
    fig.suptitle(title)
    return fig


def _matrix(m: np.ndarray, title: str, frame_inputs: Sequence[int] = (), size: tuple[float, float] | None = None, n_out: int | None = None) -> Figure:
    """A 1x1 convolution's weight as the matrix it is: rows are output channels (the first
    of ``n_out``), columns input channels, on a symmetric red-blue scale; the columns in
    ``frame_inputs`` framed in black and named on the x axis."""
    lim = float(np.abs(m).max()) or 1.0
    height = min(8.0, max(2.5, 0.06 * m.shape[0] + 1.2))
    width = min(10.0, max(4.0, 0.06 * m.shape[1] + 2.0))
    width, height = size if size is not None else (width, height)
    fig = Figure(figsize=(width, height), layout="constrained")
    ax = fig.subplots()
    im = ax.imshow(m, cmap="RdBu_r", vmin=-lim, vmax=lim, aspect="auto", interpolation="nearest")
    ax.set_xlabel(f"input channel (of {m.shape[1]})")
    n_out = m.shape[0] if n_out is None else n_out
    ax.set_ylabel(f"output channel (of {n_out})" if m.shape[0] == n_out else f"output channel ({m.shape[0]} of {n_out} shown)")
    fig.colorbar(im, ax=ax, label="weight")
    ax.set_title(title, fontsize=10)
    if frame_inputs:
        from matplotlib.patches import Rectangle

        for j in frame_inputs:
            ax.add_patch(Rectangle((j - 0.5, -0.5), 1, m.shape[0], fill=False, edgecolor="black", lw=2, clip_on=False))
        ticks = sorted({t for t in range(0, m.shape[1], 20) if all(abs(t - j) > 6 for j in frame_inputs)} | set(frame_inputs))
        ax.set_xticks(ticks, [str(t) for t in ticks])
        for label in ax.get_xticklabels():
            if int(label.get_text()) in frame_inputs:
                label.set_fontweight("bold")
    return fig


def achromatic_share(model: nn.Module | Classifier, layer: str | nn.Module | None = None) -> torch.Tensor:
    """For each filter of a convolution that reads RGB (default: the first conv layer), the
    share of its squared weight in the part common to the three colour channels,
    ``3 |mean_c W_c|^2 / sum_c |W_c|^2``, shape ``(C_out,)``: 1 for a filter that weighs
    R, G and B alike (it sees brightness: edges, blobs of light and dark), 0 for a
    colour-opponent filter whose colour channels cancel (it sees only colour contrast),
    as in Krizhevsky et al. (2012, fig. 3) and Zeiler & Fergus (2014, fig. 2)."""
    name, conv = _conv(model, layer)
    w = conv.weight.detach().float().cpu()
    if w.shape[1] != 3:
        raise ValueError(
            f"{name} reads {w.shape[1]} channels, not RGB: achromatic_share needs a layer whose filters have 3 input channels (the first conv layer)"
        )
    common = w.mean(dim=1, keepdim=True).expand_as(w)
    return common.pow(2).sum(dim=(1, 2, 3)) / w.pow(2).sum(dim=(1, 2, 3)).clamp(min=1e-30)


def kernel_centres(model: nn.Module | Classifier, layer: str | nn.Module) -> torch.Tensor:
    """Where each filter of a convolution puts its weight: the centre of mass of ``|W|``
    (summed over input channels) relative to the kernel's centre, in pixels, shape
    ``(C_out, 2)`` as ``(down, right)``; ``(0, 0)`` for a symmetric kernel, NaN for an
    all-zero one. A kernel that has learnt to look up and to the left of its centre has
    both offsets negative."""
    name, conv = _conv(model, layer)
    a = conv.weight.detach().float().cpu().abs().sum(dim=1)  # (C_out, kh, kw)
    rows = torch.arange(a.shape[1], dtype=a.dtype) - (a.shape[1] - 1) / 2
    cols = torch.arange(a.shape[2], dtype=a.dtype) - (a.shape[2] - 1) / 2
    total = a.sum(dim=(1, 2))
    total = torch.where(total > 0, total, torch.full_like(total, float("nan")))
    down = (a.sum(dim=2) * rows).sum(dim=1) / total
    right = (a.sum(dim=1) * cols).sum(dim=1) / total
    return torch.stack([down, right], dim=1)


def feature_maps(
    model: nn.Module | Classifier,
    image: ImageLike | torch.Tensor,
    layer: str,
    channels: Sequence[int] | None = None,
    ncols: int = 8,
    cmap: str = "viridis",
    *,
    scale: str = "each",
    clip: float | None = None,
    fontsize: float | None = None,
    limits: tuple[float, float] | None = None,
    tile: float = 1.2,
) -> Figure:
    """The activations of ``layer`` for one image, one tile per channel (first 64 by default).

    ``image`` is a preprocessed tensor or anything a Classifier can preprocess. The title of
    each tile gives the channel and its mean activation. ``scale="each"`` gives every tile
    its own colour scale (weak channels look as bright as strong ones); ``scale="shared"``
    puts all tiles on one scale, from the smallest to the largest activation shown, with a
    colour bar, so that tiles compare. ``scale="signed"`` is the shared scale for a layer whose
    output has both signs: a diverging colour map (``RdBu_r``) symmetric about zero, so white
    is zero, red positive and blue negative, and a dark tile is not mistaken for a weak one.
    ``scale="auto"`` picks ``"signed"`` when the tiles shown have a negative value and
    ``"shared"`` otherwise. ``clip`` (shared and signed scales only), a percentile in
    ``(0, 100]``: the scale ends at that percentile of the values shown (of ``|activation|``
    on the signed scale) instead of their extremes, so that a few very large values do not
    wash out the rest; the title says so and the colour bar's arrows mark clipped values.
    ``fontsize`` (at least 4): the size of the tile titles and colour-bar label, with the
    figure title one point larger and split over two lines (what is shown, then the scale),
    for a figure projected in a lecture; ``None`` keeps the compact 8-point tile titles.
    ``limits`` ``(low, high)`` (shared scale only) fixes the colour scale, e.g. ``(0, 6)``
    for the range of a ReLU6, so that figures of several images share one scale; values
    outside it are clipped and marked by the colour bar's arrows. ``tile``: each tile's
    side in inches (default 1.2), larger to show fine detail.
    """
    if fontsize is not None:
        fontsize = checks.real(fontsize, "fontsize", minimum=4.0)
    tile = checks.real(tile, "tile", minimum=0.3)
    if limits is not None:
        if (
            not isinstance(limits, (tuple, list))
            or len(limits) != 2
            or not all(isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool) and np.isfinite(v) for v in limits)
        ):
            raise TypeError(f"limits: a pair (low, high) of finite numbers or None, got {limits!r}")
        if not limits[0] < limits[1]:
            raise ValueError(f"limits: low must be below high, got {tuple(limits)}")
        if scale != "shared" or clip is not None:
            raise ValueError("limits: applies to scale='shared' without clip (it fixes that scale)")
    if scale not in ("each", "shared", "signed", "auto"):
        raise ValueError(
            f"scale: 'each' (every tile its own colour scale), 'shared' (one scale "
            f"and a colour bar), 'signed' (one scale centred on zero) or 'auto' (signed "
            f"when the maps have both signs, else shared), not {scale!r}"
        )
    if clip is not None and (isinstance(clip, bool) or not isinstance(clip, (int, float))):
        raise TypeError(f"clip: a percentile between 0 and 100 or None, not {type(clip).__name__}")
    if clip is not None and not 0 < clip <= 100:
        raise ValueError(f"clip: a percentile in (0, 100], got {clip}")
    if clip is not None and scale == "each":
        raise ValueError("clip: applies to scale='shared', 'signed' or 'auto'; with scale='each' every tile already has its own range")
    module, clf = unwrap(model)
    if not isinstance(image, torch.Tensor):
        if clf is None:
            raise TypeError("pass a preprocessed tensor, or use a Classifier to preprocess images")
        image = clf.preprocess(image)
    act = activations(module, image[:1], layer)[0]
    if act.dim() != 3:
        raise ValueError(f"{layer} outputs shape {tuple(act.shape)}; feature maps need (C,H,W)")
    chans = list(range(min(64, act.shape[0]))) if channels is None else list(channels)
    bad = [c for c in chans if not 0 <= c < act.shape[0]]
    if bad:
        raise IndexError(f"{layer} has {act.shape[0]} channels; got {bad[:5]}")
    a = to_numpy(act)
    tiles = [a[c] for c in chans]
    titles = [f"{c} ({a[c].mean():.2f})" for c in chans]
    shown = (
        f"channels {chans[0]}-{chans[-1]} of {act.shape[0]}"
        if chans == list(range(chans[0], chans[-1] + 1)) and len(chans) < act.shape[0]
        else f"{len(chans)} of {act.shape[0]} channels"
    )
    suptitle = f"{layer}: {shown}, {act.shape[1]}x{act.shape[2]}"
    if scale == "each":
        return image_grid(tiles, titles, ncols=ncols, cell=tile, cmap=cmap, suptitle=f"{suptitle}, each tile on its own colour scale")
    lo, hi = float(min(t.min() for t in tiles)), float(max(t.max() for t in tiles))
    if scale == "auto":
        scale = "signed" if lo < 0 else "shared"
    values = np.concatenate([t.ravel() for t in tiles])
    if scale == "signed":
        cmap = "RdBu_r"
        lim = max(abs(lo), abs(hi)) or 1.0
        if clip is not None:
            lim = float(np.percentile(np.abs(values), clip)) or lim
        lo, hi = -lim, lim
    elif clip is not None:
        hi = float(np.percentile(values, clip))
    hi = hi if hi > lo else lo + 1.0
    out_of_limits = "neither"
    if limits is not None:
        out_of_limits = {(False, False): "neither", (True, False): "min", (False, True): "max", (True, True): "both"}[(lo < limits[0], hi > limits[1])]
        lo, hi = float(limits[0]), float(limits[1])
    fig, axes = grid_axes(len(tiles), ncols, tile, (0.9, 0.5))
    im = None
    for i, ax in enumerate(axes.flat):
        if i < len(tiles):
            im = ax.imshow(tiles[i], cmap=cmap, vmin=lo, vmax=hi, interpolation="nearest")
            ax.set_title(titles[i], fontsize=8 if fontsize is None else fontsize)
    clipped = clip is not None and clip < 100
    bar = fig.colorbar(im, ax=axes, shrink=0.8, label="activation", extend=("both" if scale == "signed" else "max") if clipped else out_of_limits)
    scale_name = "one colour scale centred on zero" if scale == "signed" else "one colour scale"
    if limits is not None:
        scale_name += f", fixed at {lo:g} to {hi:g}"
    if clipped:
        scale_name += f", clipped at the {clip:g}th percentile of {'|activation|' if scale == 'signed' else 'activation'}"
    if fontsize is None:
        fig.suptitle(f"{suptitle}, {scale_name} (channel: mean activation)")
        return fig
    bar.set_label("activation", fontsize=fontsize)
    bar.ax.tick_params(labelsize=fontsize)
    fig.suptitle(f"{suptitle} (channel: mean activation)\n{scale_name}", fontsize=fontsize + 1)
    return fig
