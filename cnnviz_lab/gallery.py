"""Every method of the course on one image: PNG figures and one ``index.html`` page.

The headless way to see everything at once (``cnnviz gallery IMAGE --out DIR``). Each entry
says which notebook teaches it; ``thumbnails=True`` also writes one small preview per
notebook (the README's course map shows them).
"""

from __future__ import annotations

import html
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import torch
from .plot.figure import Figure
from PIL import Image

from .core import defaults
from . import plot
from .adversarial import pgd
from .attribution import deconvnet, guided_backprop, guided_gradcam, integrated_gradients, lrp, occlusion, registry, saliency, smoothgrad
from .models.classifier import Classifier
from .core.config import quick
from .images.credits import credit, file_credits
from .groundtruth.shapes import shape_images
from .evaluate import evaluate_methods, randomization_layers
from .images.loading import DATA_DIR, ImageLike, load_image, SAMPLES
from .models.layers import blocks_at
from .core.layer_lookup import layer_names
from .models.loading import load_model
from .optvis import deepdream, dream_layers, invert, maximize
from .concepts.textures import concept_images


# The CAM methods of the "06_cam_methods" figure; the registry's other class-map methods (in
# the panels) get a figure of their own, "06_more_cam_methods".
CLASSIC_CAMS = ("gradcam", "gradcam_pp", "layercam", "scorecam")

# The figure that previews each notebook in the README's course map.
PREVIEWS = {
    "00_filters_and_feature_maps": "00_feature_maps",
    "01_saliency": "01_saliency",
    "02_neuron_optimization": "02_channels",
    "03_content_inversion": "03_inversion",
    "04_deepdream": "04_deepdream",
    "05_gap_cam": "05_cam_topk",
    "06_gradcam": "06_gradcam_topk",
    "07_occlusion": "07_occlusion",
    "08_evaluating_explanations": "08_sanity_check",
    "09_ground_truth": "09_shapes",
    "10_concepts": "10_concept_images",
    "11_fooling": "11_attack",
    "12_relevance": "12_lrp_composites",
}


@dataclass
class Entry:
    """One gallery figure: file stem, title, the notebook that teaches it, and its maker."""

    slug: str
    title: str
    notebook: str
    make: Callable[[], Figure]


def _entries(clf: Classifier, image: Image.Image, fast: bool) -> list[Entry]:
    size = 160 if fast else clf.input_size
    x = clf.preprocess(image, size=size)
    convs = layer_names(clf, "conv")
    mid = convs[len(convs) // 2]
    # optimisation steps of the optvis entries; the attribution methods take the registry's settings
    steps = dict(opt=24 if fast else 256, inv=30 if fast else 300, dream=3 if fast else 10)

    middle_block = blocks_at(clf, [0.5])[0]
    sanity_layers = randomization_layers(clf, max_layers=5)

    def optvis_size(n: int) -> int:
        return 96 if fast else n

    def settings(name: str) -> dict:
        """A registry method's settings in the gallery's mode (quick settings when ``fast``)."""
        return registry.get_method(name).settings(fast)

    more_cams = [m.name for m in registry.methods("cam", pixels=False, panels=True) if m.name not in CLASSIC_CAMS]
    black_box = registry.methods("perturbation")

    return [
        Entry("00_predictions", "Top-5 predictions", "00_filters_and_feature_maps", lambda: plot.predictions(clf, x)),
        Entry("00_filters", "First-layer filters", "00_filters_and_feature_maps", lambda: plot.filters(clf)),
        Entry("00_feature_maps", f"Feature maps of {mid}", "00_filters_and_feature_maps", lambda: plot.feature_maps(clf, x, mid, channels=range(16))),
        Entry("00_augmentations", "Predictions under augmentation", "00_filters_and_feature_maps", lambda: plot.augmentations(clf, image)),
        Entry("01_saliency", "Vanilla gradient: positive and negative saliency", "01_saliency", lambda: plot.saliency_maps(x, saliency(clf, x), clf)),
        Entry(
            "01_vanilla_vs_guided",
            "Vanilla vs guided backpropagation",
            "01_saliency",
            lambda: plot.vanilla_vs_guided(x, saliency(clf, x), guided_backprop(clf, x), clf),
        ),
        Entry(
            "01_backward_rules",
            "Three backward rules: vanilla gradient, deconvnet, guided backprop",
            "01_saliency",
            lambda: plot.compare_maps(
                x, {"Vanilla gradient": saliency(clf, x), "Deconvnet": deconvnet(clf, x), "Guided backprop": guided_backprop(clf, x)}, clf
            ),
        ),
        Entry(
            "01_gradient_methods",
            "SmoothGrad, Integrated Gradients, guided SmoothGrad",
            "01_saliency",
            lambda: plot.compare_maps(
                x,
                {
                    "SmoothGrad": smoothgrad(clf, x, **{**settings("smoothgrad"), "seed": 0}),
                    "guided SmoothGrad": smoothgrad(clf, x, method=guided_backprop, **{**settings("smoothgrad"), "seed": 0}),
                    "Integrated Gradients": integrated_gradients(clf, x, **settings("integrated_gradients")),
                },
                clf,
            ),
        ),
        Entry(
            "02_channels",
            "Activation maximisation: 8 channels of one layer",
            "02_neuron_optimization",
            lambda: plot.renderings(
                maximize(clf, f"{middle_block}:0-7", size=optvis_size(128), steps=steps["opt"], seed=0), [f"channel {i}" for i in range(8)], ncols=8, cell=1.6
            ),
        ),
        Entry(
            "03_inversion",
            "Feature inversion from a shallow and a deep layer",
            "03_content_inversion",
            lambda: plot.inversions(
                image.resize((optvis_size(160),) * 2),
                {layer: invert(clf, image, layer, steps=steps["inv"], seed=0, size=optvis_size(160)) for layer in (convs[len(convs) // 4], convs[-1])},
            ),
        ),
        Entry(
            "04_deepdream",
            "DeepDream",
            "04_deepdream",
            lambda: plot.dream(
                image, deepdream(clf, image.resize((optvis_size(320),) * 2), dream_layers(clf), octaves=2 if fast else 4, steps=steps["dream"], seed=0)
            ),
        ),
        Entry("05_cam_topk", "CAM for the top-5 classes", "05_gap_cam", lambda: plot.cam_topk(clf, x, k=5, method="cam")),
        Entry("06_gradcam_topk", "Grad-CAM for the top-5 classes", "06_gradcam", lambda: plot.cam_topk(clf, x, k=5, method="gradcam")),
        Entry(
            "06_cam_methods",
            "Grad-CAM, Grad-CAM++, LayerCAM, Score-CAM",
            "06_gradcam",
            lambda: plot.cam_compare(clf, x, options={"scorecam": {**settings("scorecam"), "batch_size": 32}}),
        ),
        Entry(
            "06_more_cam_methods",
            ", ".join(registry.label(m) for m in more_cams),
            "06_gradcam",
            lambda: plot.cam_compare(clf, x, methods=more_cams, options={m: settings(m) for m in more_cams}),
        ),
        Entry(
            "06_guided_gradcam", "Guided Grad-CAM", "06_gradcam", lambda: plot.compare_maps(x, {"Guided Grad-CAM": guided_gradcam(clf, x)}, clf, how="abssum")
        ),
        Entry("07_occlusion", "Occlusion sensitivity", "07_occlusion", lambda: plot.occlusion_maps(clf, x, occlusion(clf, x, **settings("occlusion")))),
        Entry(
            "07_black_box",
            ", ".join(m.label for m in black_box) + ": the same class, black-box maps",
            "07_occlusion",
            lambda: plot.cam_row(clf, x, [m.fn(clf, x, None, **{**settings(m.name), "progress": False})[0] for m in black_box], [m.label for m in black_box]),
        ),
        Entry(
            "08_sanity_check",
            "Randomisation sanity check: guided backprop fails it",
            "08_evaluating_explanations",
            lambda: plot.sanity_curves(
                evaluate_methods(
                    clf, x, ["saliency", "guided_backprop", "integrated_gradients", "gradcam"], faithfulness=False, layers=sanity_layers, progress=False
                ).sanity
            ),
        ),
        Entry(
            "09_shapes",
            "Shapes with a planted cue: the ground truth is known",
            "09_ground_truth",
            lambda: plot.shape_samples(shape_images(8, seed=0), n=8, ncols=8),
        ),
        Entry(
            "10_concept_images",
            "Concept images for TCAV",
            "10_concepts",
            lambda: plot.concept_examples({c: concept_images(c, 6, size=96, seed=0) for c in ("striped", "dotted", "zigzagged", "chequered")}),
        ),
        Entry(
            "11_attack",
            "A targeted attack: the image becomes a goldfish",
            "11_fooling",
            lambda: plot.attack(pgd(clf, x, "goldfish", steps=5 if fast else 20, seed=0, progress=False), clf.to_unit(x).clamp(0, 1), clf),
        ),
        Entry(
            "12_lrp_composites",
            "LRP with three composites: signed relevance of the top class",
            "12_relevance",
            lambda: plot.signed_maps(
                x, {name: lrp(clf, x, composite=name) for name in ("epsilon_plus_flat", "epsilon_gamma_box", "epsilon_alpha2_beta1")}, clf
            ),
        ),
    ]


#: The photo ``cnnviz gallery`` uses when given none: two objects, both in Lite0's top-5.
DEFAULT_IMAGE = "drums_and_guitar"


def _bundled_file(image: ImageLike) -> str | None:
    """The ``data/`` file name of ``image`` when it is a sample name or the path of a bundled
    image (its credit goes on the page), else None."""
    if isinstance(image, str) and image in SAMPLES and not Path(image).exists():
        return SAMPLES[image]
    if isinstance(image, (str, Path)) and not str(image).startswith(("http://", "https://")):
        path = Path(image).expanduser()
        try:
            same_folder = path.resolve().parent == DATA_DIR.resolve()
        except OSError:
            return None
        if same_folder and path.name in file_credits():
            return path.name
    return None


def _page(image_name: str, model: str, rows: list[tuple[Entry, str, float]], credit_html: str | None = None) -> str:
    cards = "\n".join(
        f'<figure><a href="{html.escape(png)}"><img src="{html.escape(png)}" alt="{html.escape(e.title)}"></a>'
        f"<figcaption><b>{html.escape(e.title)}</b><br><small>notebook {html.escape(e.notebook)} · "
        f"{seconds:.1f} s</small></figcaption></figure>"
        for e, png, seconds in rows
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>cnnviz-lab gallery: {html.escape(image_name)}</title>
<style>body{{font-family:system-ui,sans-serif;margin:2em;background:#fafafa}}
figure{{display:inline-block;vertical-align:top;margin:0 1.5em 2em 0;max-width:46em;background:#fff;
padding:.6em;box-shadow:0 1px 3px #0002}}img{{max-width:100%}}</style></head>
<body><h1>cnnviz-lab gallery</h1><p>Image <code>{html.escape(image_name)}</code>, model
<code>{html.escape(model)}</code>. Every method of the course, one figure each.</p>
{f'<p class="credit"><small>{credit_html}</small></p>' if credit_html else ""}
{cards}
</body></html>
"""


def make_gallery(
    image: ImageLike,
    out_dir: str | Path,
    model: str | Classifier = "efficientnet_lite0",
    *,
    weights: str | None = "DEFAULT",
    device: str = "auto",
    fallback: bool = True,
    fast: bool | None = None,
    only: list[str] | None = None,
    thumbnails: bool = False,
    progress: bool = True,
) -> Path:
    """Run every method of the course on ``image`` and write ``out_dir/<slug>.png`` plus
    ``out_dir/index.html``; returns the page's path.

    ``image``: anything :func:`~cnnviz_lab.load_image` takes, or the name of a bundled sample
    (``"drums_and_guitar"``). When it is a bundled image (by name or by its path in
    ``data/``) the page shows its credit line (:func:`~cnnviz_lab.credit`: author, licence,
    changes), which CC BY photos require wherever they are shown.

    ``model``: a Classifier, or a name loaded with :func:`load_model` with ``weights``
    (``None``: random init), ``device`` and ``fallback`` (default True: the offline model
    when the weights cannot be had, saying so).
    ``fast`` (default: quick mode) uses small sizes and few steps. ``only``: slugs or
    prefixes to keep (e.g. ``["06"]``). ``thumbnails``: also ``out_dir/thumbs/<notebook>.png``,
    one small preview per notebook (the figure named in :data:`PREVIEWS`).
    """
    clf = model if isinstance(model, Classifier) else load_model(model, weights=weights, device=device, fallback=fallback)
    bundled = _bundled_file(image)
    img = load_image(DATA_DIR / bundled if bundled else image)
    entries = _entries(clf, img, quick() if fast is None else fast)
    if only:
        entries = [e for e in entries if any(e.slug.startswith(o) for o in only)]
        if not entries:
            raise ValueError(f"only={only}: no gallery entry starts with these; the entries are {', '.join(e.slug for e in _entries(clf, img, True))}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for entry in defaults.progress_bar(entries, images=len(entries) * defaults.LONG_CALL, progress=progress, desc="gallery", unit="figure"):
        start = time.perf_counter()
        fig = entry.make()
        png = f"{entry.slug}.png"
        fig.savefig(out / png, dpi=90, bbox_inches="tight")
        rows.append((entry, png, time.perf_counter() - start))
    if thumbnails:
        thumbs = out / "thumbs"
        thumbs.mkdir(exist_ok=True)
        present = {e.slug for e, _, _ in rows}
        done: set[str] = set()
        for entry, png, _ in rows:
            preferred = PREVIEWS.get(entry.notebook)
            if entry.notebook in done or (preferred in present and entry.slug != preferred):
                continue
            done.add(entry.notebook)
            pic = Image.open(out / png).convert("RGB")
            pic.thumbnail((360, 160))
            pic.save(thumbs / f"{entry.notebook}.png", optimize=True)
    name = image if isinstance(image, (str, Path)) else type(image).__name__
    page = out / "index.html"
    page.write_text(_page(str(name), clf.name, rows, credit(bundled, "html") if bundled else None))
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
    return page
