"""Figures for notebook 11: an attack's images, change and probabilities; explanations before
and after; the fooling change against a class visualisation."""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import torch
from .figure import Figure

from ..adversarial import Attack, ExplanationChange, high_frequency_share
from ..evaluate.overlap import top_mask, top_overlap
from ..models.classifier import Classifier
from .core import image_array, overlay, to_numpy


def _difference(delta: torch.Tensor, amplify: float) -> np.ndarray:
    """A signed change in pixel levels as an image: grey is no change."""
    return np.clip(0.5 + to_numpy(delta).transpose(1, 2, 0) * amplify / 255.0, 0, 1)


def attack(
    result: Attack,
    x: torch.Tensor,
    classifier: Classifier,
    index: int = 0,
    k: int = 4,
    amplify: float | None = None,
    *,
    fontsize: float | None = None,
    values: bool = False,
    log: bool = False,
) -> Figure:
    """An adversarial attack's result (FGSM, Goodfellow et al. 2015; PGD, Madry et al. 2018)
    for image ``index`` of ``x``, the clean batch attacked: the clean image, the change
    amplified (``amplify`` times; default so that the budget fills the grey range), the
    adversarial image, and the probabilities of the clean
    image's top-``k`` classes and the target, before and after. ``fontsize``: size of the
    titles, class names and legend (None: the compact default sizes); ``values``: write each
    probability at the end of its bar, so that bars near 0 still say how far they moved;
    ``log``: a logarithmic probability axis (from the power of ten below the smallest
    probability shown), so that bars of 1e-5 and of 0.4 are both visible."""
    if fontsize is not None and (isinstance(fontsize, bool) or not isinstance(fontsize, (int, float)) or not fontsize > 0):
        raise ValueError(f"fontsize must be a positive number or None, got {fontsize!r}")
    if not isinstance(values, bool):
        raise TypeError(f"values must be True or False, got {type(values).__name__}")
    if not isinstance(log, bool):
        raise TypeError(f"log must be True or False, got {type(log).__name__}")
    from ..core import checks

    if not isinstance(result, Attack):
        raise TypeError(f"result must be an Attack (cnnviz_lab.fgsm or pgd), got {type(result).__name__}")
    if not isinstance(classifier, Classifier):
        raise TypeError(f"classifier must be a Classifier, got {type(classifier).__name__}")
    if not isinstance(x, torch.Tensor) or x.shape != result.x.shape:
        raise ValueError(
            f"x must be the attacked batch, a tensor of the result's shape {tuple(result.x.shape)}, got {tuple(getattr(x, 'shape', ())) or type(x).__name__}"
        )
    n = result.x.shape[0]
    index = checks.integer(index, "index", minimum=0, maximum=n - 1, what=f"an image index from 0 to {n - 1}")
    k = checks.integer(k, "k", minimum=1, maximum=result.probs_before.shape[1], what=f"an int from 1 to the number of classes ({result.probs_before.shape[1]})")
    if amplify is not None:
        amplify = checks.real(amplify, "amplify", minimum=0.0, strict=True)
    small, title = (8, 9) if fontsize is None else (fontsize, fontsize)
    amp = amplify if amplify is not None else 127.5 / max(float(result.linf[index]), 1e-6)
    before, after = result.probs_before[index].cpu(), result.probs_after[index].cpu()
    classes = list(dict.fromkeys(before.topk(k).indices.tolist() + [int(result.target[index])] + after.topk(1).indices.tolist()))
    fig = Figure(figsize=(12, 3.2) if fontsize is None else (13, 3.2 + 0.12 * len(classes)), layout="constrained")
    axes = fig.subplots(1, 4, width_ratios=[1, 1, 1, 1.5])
    axes[0].imshow(image_array(x[index : index + 1], classifier))
    axes[0].set_title(f"clean: {classifier.label(int(before.argmax()))} ({float(before.max()):.0%})", fontsize=title)
    axes[1].imshow(_difference(result.delta[index], amp))
    axes[1].set_title(f"change x{amp:.0f} (max {float(result.linf[index]):.1f} levels)\nmid-grey = no change", fontsize=title)
    axes[2].imshow(image_array(result.x[index : index + 1], classifier))
    axes[2].set_title(f"adversarial: {classifier.label(int(after.argmax()))} ({float(after.max()):.0%})", fontsize=title)
    for ax in axes[:3]:
        ax.set_axis_off()
    ys = np.arange(len(classes))
    pb, pa = to_numpy(before[classes]), to_numpy(after[classes])
    positive = [float(p) for p in np.concatenate([pb, pa]) if p > 0]
    lo = 10.0 ** np.floor(np.log10(max(min(positive or [1e-3]), 1e-12))) if log else 0.0
    axes[3].barh(ys - 0.2, np.maximum(pb - lo, 0), 0.4, left=lo, label="before", color="C0")
    axes[3].barh(ys + 0.2, np.maximum(pa - lo, 0), 0.4, left=lo, label="after", color="C3")
    axes[3].set_yticks(ys, [classifier.label(c) for c in classes], fontsize=small)
    axes[3].invert_yaxis()
    if log:
        axes[3].set_xscale("log")
        axes[3].set_xlim(lo, 40 if values else 1.5)
        decades = np.arange(np.log10(lo), 0.5)[::-1]  # 1, 0.1, ... down to lo
        axes[3].set_xticks(10.0 ** decades[:: int(np.ceil(len(decades) / 5))])
        axes[3].minorticks_off()
        axes[3].set_xlabel("probability (log scale)")
    else:
        axes[3].set_xlim(0, 1.3 if values else 1)
        axes[3].set_xlabel("probability")
    if fontsize is not None:
        axes[3].xaxis.label.set_fontsize(small)
        axes[3].tick_params(axis="x", labelsize=small)
    if values:
        if not log:
            axes[3].set_xticks([0, 0.5, 1])
        for y, p in [(y - 0.2, float(before[c])) for y, c in zip(ys, classes)] + [(y + 0.2, float(after[c])) for y, c in zip(ys, classes)]:
            at = max(p, lo) * 1.3 if log else p + 0.02
            axes[3].text(at, y, f"{p:.2f}" if p >= 0.01 else f"{p:.0e}" if p > 0 else "0", va="center", fontsize=small - 1)
    axes[3].legend(fontsize=small, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, frameon=False)
    kind = "targeted" if result.targeted else "untargeted"
    norm = {"linf": "L\u221e", "l2": "L2"}.get(result.norm, result.norm)
    steps = "1 step" if result.steps == 1 else f"{result.steps} steps"
    fig.suptitle(f"{kind} attack, {norm} budget {result.epsilon:g} levels, {steps}", fontsize=title + 1)
    return fig


def attack_budget(
    curves: Mapping[str, Mapping[float, float]],
    target: str = "target",
    *,
    log: bool = False,
    lines: Mapping[str, float] | None = None,
    figsize: tuple[float, float] = (5, 3.2),
    fontsize: float = 8,
    ylabel: str | None = None,
    title: str | None = None,
) -> Figure:
    """The target's probability after each attack (``{attack name: {epsilon: probability}}``)
    against the budget in pixel levels. ``log``: a logarithmic probability axis (down to the
    smallest value shown), so that probabilities far below 1 stay visible. ``lines``:
    labelled dashed reference levels ``{label: probability}``; None draws an unlabelled
    grey line at 0.5, ``{}`` none. ``figsize``, ``fontsize``: size of the figure and of its
    labels and legend. ``ylabel``: the probability axis's label (None: "p(target) after the
    attack"; name it otherwise when a curve is not an attack, e.g. random noise). ``title``:
    the figure's title, e.g. which image and which attack (None: no title)."""
    if ylabel is not None and not isinstance(ylabel, str):
        raise TypeError(f"ylabel must be a string or None, got {type(ylabel).__name__}")
    if title is not None and not isinstance(title, str):
        raise TypeError(f"title must be a string or None, got {type(title).__name__}")
    fig = Figure(figsize=figsize, layout="constrained")
    ax = fig.subplots()
    for name, c in curves.items():
        eps = sorted(c)
        ax.plot(eps, [c[e] for e in eps], "o-", label=name)
    ax.set_xscale("log", base=2)
    ticks = sorted({e for c in curves.values() for e in c})
    ax.set_xticks(ticks, [f"{e:g}" for e in ticks])
    ax.minorticks_off()
    ax.set_xlabel("budget epsilon (pixel levels, L-inf, log scale)", fontsize=fontsize)
    ax.set_ylabel(f"p({target}) after the attack" if ylabel is None else ylabel, fontsize=fontsize)
    ax.tick_params(labelsize=fontsize)
    if log:
        values = [v for c in curves.values() for v in c.values()] + list((lines or {}).values())
        low = min([v for v in values if v > 0] or [1e-3])
        ax.set_yscale("log")
        ax.set_ylim(10 ** np.floor(np.log10(low)), 1.5)
    else:
        ax.set_ylim(-0.02, 1.02)
    if lines is None:
        ax.axhline(0.5, color="0.8", lw=0.8, zorder=0)
    else:
        for i, (label, value) in enumerate(lines.items()):
            ax.axhline(value, color=f"{0.3 + 0.2 * (i % 3):.1f}", ls="--", lw=1, zorder=0, label=label)
    ax.legend(fontsize=fontsize)
    if title is not None:
        ax.set_title(title, fontsize=fontsize)
    return fig


def explanation_change(
    change: ExplanationChange,
    x: torch.Tensor,
    x_adv: torch.Tensor,
    classifier: Classifier,
    labels: Sequence[str] = ("before", "after"),
    index: int = 0,
    *,
    controls: Sequence[tuple[str, ExplanationChange | Mapping[str, torch.Tensor], torch.Tensor]] = (),
    fontsize: float = 9,
    cmap: str = "jet",
    masks: float | None = None,
    dilate: int = 1,
    reference: str | None = None,
    methods: Sequence[str] | None = None,
    note: str | None = None,
) -> Figure:
    """One row per method: its map of the clean image and of the adversarial image (over
    the greyscale image; each map divided by its 99th percentile and clipped to [0, 1], the
    scale of the row's colour bar), with the Spearman correlation of the two in the row's
    title. ``controls``: further columns ``(label, ExplanationChange, image)``, each showing
    that comparison's ``after`` map over ``image``; then every panel after the first is
    titled with its own Spearman correlation with its comparison's ``before`` map. A control
    ``(label, {method: (N,H,W) maps}, image)`` (e.g. ``change.before`` of another class's
    comparison) is a reference column that draws those maps as they are: no correlation in
    its title, and its mask titled like the clean map's.
    ``cmap``: the maps' colour map (a perceptually uniform one such as "inferno" draws no
    false edges). ``masks``: a fraction of the pixels (e.g. 0.01); under each method's row, a
    row of every map's top ``masks`` pixels (yellow), each titled with the share of them that
    are also in the top of its comparison's ``before`` map (chance: ``masks``;
    :func:`cnnviz_lab.evaluate.top_overlap`, ties broken by position).
    ``dilate``: an odd side length; each top pixel is drawn as a ``dilate`` x ``dilate``
    square (a maximum filter) so that single pixels stay visible when projected; the shares
    are computed on the pixels themselves. ``reference``: how the mask titles name the map
    the shares are taken against (e.g. "the clean 'tiger cat' map's top 1%"; None: "its
    clean map's"). ``methods``: the names of the methods to draw, in order (None: all of
    ``change``'s), e.g. one method per figure so that each fits a projected slide.
    ``note``: with ``controls``, the bracket after each row's method name (None: "rank corr. =
    Spearman correlation with the clean map"), e.g. to say which class's clean map."""
    import matplotlib
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize

    if not isinstance(cmap, str) or cmap not in matplotlib.colormaps:
        raise ValueError(f"cmap must be the name of a matplotlib colour map, got {cmap!r}")
    if masks is not None and (isinstance(masks, bool) or not isinstance(masks, (int, float)) or not 0 < masks < 1):
        raise ValueError(f"masks must be a fraction of the pixels in (0, 1) or None, got {masks!r}")
    if isinstance(dilate, bool) or not isinstance(dilate, int) or dilate < 1 or dilate % 2 == 0:
        raise ValueError(f"dilate must be an odd positive integer, got {dilate!r}")
    if reference is not None and not isinstance(reference, str):
        raise TypeError(f"reference must be a string or None, got {type(reference).__name__}")
    if note is not None and not isinstance(note, str):
        raise TypeError(f"note must be a string or None, got {type(note).__name__}")

    if methods is None:
        names = list(change.before)
    elif isinstance(methods, str) or not isinstance(methods, Sequence) or not methods or any(m not in change.before for m in methods):
        raise ValueError(f"methods must be a non-empty list of the compared methods {list(change.before)} or None, got {methods!r}")
    else:
        names = list(methods)
    controls = _controls(controls, change, names, index)
    base, adv = image_array(x[index : index + 1], classifier), image_array(x_adv[index : index + 1], classifier)
    columns = [(labels[0], base, change.before, None), (labels[1], adv, change.after, change.similarity)]
    for label, c, img in controls:
        maps, sim = (c.after, c.similarity) if isinstance(c, ExplanationChange) else (c, None)
        columns.append((label, image_array(img[index : index + 1], classifier), maps, sim))
    width = 6.4 if not controls else 3.0 * len(columns) + 0.8
    per = 2 if masks is not None else 1
    fig = Figure(figsize=(width, 2.7 * len(names) * per * (1 if not controls else 1.15)), layout="constrained")
    subs = fig.subfigures(len(names) * per, 1, squeeze=False)[:, 0]
    rows = subs[::per]
    for row, name in zip(rows, names):
        axes = row.subplots(1, len(columns))
        for ax, (label, img, maps, sim) in zip(axes, columns):
            h = to_numpy(maps[name][index])
            h = np.clip(h / max(np.percentile(h, 99), 1e-12), 0, 1)
            ax.imshow(overlay(img, h, alpha=0.6, cmap=cmap))
            title = label if not controls or sim is None else f"{label}\nrank corr. {float(sim[name][index]):.2f}"
            ax.set_title(title, fontsize=fontsize)
            ax.set_axis_off()
        if controls:
            row.suptitle(f"{name} ({note or 'rank corr. = Spearman correlation with the clean map'})", fontsize=fontsize + 1)
        else:
            row.suptitle(f"{name}: Spearman rank correlation {float(change.similarity[name][index]):.2f}", fontsize=10)
        bar = row.colorbar(ScalarMappable(Normalize(0.0, 1.0), cmap=cmap), ax=axes, shrink=0.85, aspect=20)
        bar.set_label("map / its 99th percentile", fontsize=8 if masks is None else fontsize - 1)
        bar.ax.tick_params(labelsize=7 if masks is None else fontsize - 2)
    if masks is not None:
        # the maps each column's mask is compared with: none for the clean map and the references
        against = [None, change.before] + [c.before if isinstance(c, ExplanationChange) else None for _, c, _ in controls]
        for row, name in zip(subs[1::2], names):
            _mask_row(row, name, columns, against, index, masks, fontsize, dilate, reference)
    return fig


def _controls(controls: object, change: ExplanationChange, names: list[str], index: int) -> list:
    """``controls`` checked: a list of ``(label, ExplanationChange or {method: maps}, image)``
    whose maps hold every drawn method in the shape of ``change``'s; one ValueError or
    TypeError naming ``controls`` otherwise."""
    if isinstance(controls, (str, bytes)) or not isinstance(controls, Sequence):
        raise TypeError(f"controls must be a list of (label, ExplanationChange or {{method: maps}}, image) tuples, got {type(controls).__name__}")
    out = []
    for i, entry in enumerate(controls):
        if not isinstance(entry, (tuple, list)) or len(entry) != 3:
            raise ValueError(f"controls[{i}] must be a (label, ExplanationChange or {{method: maps}}, image) tuple, got {entry!r:.80}")
        label, c, img = entry
        if not isinstance(label, str):
            raise TypeError(f"controls[{i}]: the label must be a string, got {type(label).__name__}")
        if isinstance(c, ExplanationChange):
            if not isinstance(c.similarity, Mapping) or any(n not in c.similarity for n in names):
                raise ValueError(f"controls[{i}]: the ExplanationChange has no similarity for {names}; pass a dict of maps for a reference column")
            maps = c.after
        elif isinstance(c, Mapping):
            maps = c
        else:
            raise TypeError(f"controls[{i}]: the second item must be an ExplanationChange or a dict {{method: maps}}, got {type(c).__name__}")
        for n in names:
            m = maps.get(n)
            if not isinstance(m, torch.Tensor) or tuple(m.shape) != tuple(change.before[n].shape):
                got = tuple(m.shape) if isinstance(m, torch.Tensor) else type(m).__name__
                raise ValueError(f"controls[{i}]: the '{n}' maps must be a tensor of shape {tuple(change.before[n].shape)}, got {got}")
        if not isinstance(img, torch.Tensor) or img.dim() != 4 or not 0 <= index < img.shape[0]:
            got = tuple(img.shape) if isinstance(img, torch.Tensor) else type(img).__name__
            raise ValueError(f"controls[{i}]: the image must be an (N,3,H,W) tensor holding image {index}, got {got}")
        out.append((label, c, img))
    return out


def _mask_row(row, name: str, columns: list, against: list, index: int, share: float, fontsize: float, dilate: int = 1, reference: str | None = None) -> None:
    """A row of each column's top-``share`` pixels over its dimmed greyscale image (each drawn
    as a ``dilate`` x ``dilate`` square), titled with the share of them also in the top of the
    maps in ``against`` (the column's comparison's ``before`` maps, named ``reference``; None:
    the column is titled as its own top)."""
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import ListedColormap, Normalize

    axes = row.subplots(1, len(columns))
    for i, (ax, (label, img, maps, _), ref) in enumerate(zip(axes, columns, against)):
        h = maps[name][index : index + 1]
        shown = np.repeat(img.mean(axis=2, keepdims=True), 3, axis=2) * 0.45
        mask = top_mask(h, share).float().cpu()
        mask = torch.nn.functional.max_pool2d(mask, dilate, 1, dilate // 2)
        shown[to_numpy(mask[0]) > 0] = (1.0, 0.85, 0.0)
        ax.imshow(shown)
        if ref is None:
            ax.set_title(f"{'clean' if i == 0 else 'this'} map's top {share:.0%}", fontsize=fontsize)
        else:
            shared = float(top_overlap(h, ref[name][index : index + 1], share)[0])
            named = "with its clean map's" if reference is None else f"with {reference}"
            ax.set_title(f"top {share:.0%}: {shared:.0%} shared\n{named}", fontsize=fontsize)
        ax.set_axis_off()
    row.suptitle(f"{name}: the top {share:.0%} of each map's pixels (chance overlap {share:.0%})", fontsize=fontsize + 1)
    bar = row.colorbar(
        ScalarMappable(Normalize(0.0, 1.0), cmap=ListedColormap([(0.25, 0.25, 0.25), (1.0, 0.85, 0.0)])), ax=axes, shrink=0.85, aspect=20, ticks=[0.25, 0.75]
    )
    bar.ax.set_yticklabels(["other", f"top {share:.0%}"], fontsize=fontsize - 2)


def fooling_vs_visualisation(
    delta: torch.Tensor, visualisation: torch.Tensor, label: str, amplify: float | None = None, *, fontsize: float = 9, photo: torch.Tensor | None = None
) -> Figure:
    """The fooling change (``(3,H,W)`` in pixel levels, amplified) beside a class
    visualisation (``(3,H,W)`` RGB in [0, 1]) of the same class, each titled with its share
    of energy at high spatial frequencies (:func:`cnnviz_lab.adversarial.high_frequency_share`).
    ``fontsize``: the titles' size; ``photo``: an optional ``(3,H,W)`` RGB image in [0, 1]
    (e.g. the attacked photograph) shown first, titled with its own share."""
    if isinstance(fontsize, bool) or not isinstance(fontsize, (int, float)) or not fontsize > 0:
        raise ValueError(f"fontsize must be a positive number, got {fontsize!r}")
    if photo is not None and (not isinstance(photo, torch.Tensor) or photo.dim() != 3 or photo.shape[0] != 3):
        raise ValueError(f"photo must be a (3,H,W) tensor or None, got {getattr(photo, 'shape', type(photo).__name__)}")
    amp = amplify if amplify is not None else 127.5 / max(float(delta.abs().max()), 1e-6)
    hf_d = float(high_frequency_share(delta[None]))
    hf_v = float(high_frequency_share(visualisation[None]))
    n = 2 if photo is None else 3
    fig = Figure(figsize=(7.5, 4.0) if photo is None else (12.5, 4.6), layout="constrained")
    axes = list(fig.subplots(1, n))
    if photo is not None:
        p = axes.pop(0)
        p.imshow(to_numpy(photo).transpose(1, 2, 0).clip(0, 1))
        p.set_title(f"the photograph\nhigh-frequency share {float(high_frequency_share(photo[None])):.2f}", fontsize=fontsize)
        p.set_axis_off()
    a, b = axes
    a.imshow(_difference(delta, amp))
    a.set_title(f"the fooling change (x{amp:.0f}, mid-grey = no change)\nhigh-frequency share {hf_d:.2f}", fontsize=fontsize)
    b.imshow(to_numpy(visualisation).transpose(1, 2, 0).clip(0, 1))
    b.set_title(f"class visualisation for '{label}'\nhigh-frequency share {hf_v:.2f}", fontsize=fontsize)
    for ax in (a, b):
        ax.set_axis_off()
    return fig


__all__ = ["attack", "attack_budget", "explanation_change", "fooling_vs_visualisation"]
