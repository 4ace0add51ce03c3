"""Panel for notebook 11: attack a bundled photo towards any class, with any budget."""

from __future__ import annotations

import ipywidgets as W

from .. import plot
from ..adversarial import fgsm, pgd
from ..core.config import pick
from ..images.loading import sample_image
from .common import Panel, cached_model, image_dropdown

TARGETS = ("goldfish", "ostrich", "toaster", "volcano", "banana", "school bus", "zebra", "jellyfish")


def attack_panel(
    model: str = "efficientnet_lite0", image: str = "cat", target: str = "goldfish", size: int | None = None, targets: tuple[str, ...] = TARGETS
) -> Panel:
    """Image, target class, attack (FGSM: one step; PGD: many projected steps), budget norm,
    budget epsilon in pixel levels and PGD's number of steps; "attack" runs it and shows the
    clean image, the amplified change, the adversarial image and the probabilities. ``size``:
    image side (default 224, 128 in quick mode)."""
    side = size or pick(224, 128)
    controls = {
        "image": image_dropdown(image),
        "target": W.Dropdown(options=list(targets), value=target, description="target"),
        "method": W.ToggleButtons(options=["PGD", "FGSM"], value="PGD", description="attack"),
        "norm": W.ToggleButtons(options=["linf", "l2"], value="linf", description="norm"),
        "epsilon": W.SelectionSlider(options=[0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0], value=2.0, description="epsilon", continuous_update=False),
        "steps": W.IntSlider(value=pick(20, 5), min=1, max=100, description="steps", continuous_update=False),
    }

    def render(image: str, target: str, method: str, norm: str, epsilon: float, steps: int):
        clf = cached_model(model)
        x = clf.preprocess(sample_image(image), size=side)
        eps = min(float(epsilon), 255.0)
        if method == "FGSM":
            result = fgsm(clf, x, target, epsilon=eps, norm=norm)
        else:
            result = pgd(clf, x, target, epsilon=eps, norm=norm, steps=int(steps), seed=0, progress=False)
        return plot.attack(result, x, clf)

    return Panel(controls, render, button="attack")


__all__ = ["attack_panel", "TARGETS"]
