"""Every notebook's classic branch (VGG16, ResNet-50, ...) runs offline, on a fake torch-hub cache.

`make test` builds the fake cache (`make fake-hub`: random weights under the file names
torchvision expects) and sets ``CNNVIZ_CLASSIC_NOTEBOOKS=1``; this module then runs every
notebook in quick mode with ``CNNVIZ_OFFLINE`` unset, ``TORCH_HOME`` on the fake cache and the
weights server pointed at a closed port, exactly as a student on Colab whose weights are cached.
It checks that the notebook runs, that each classic model its code cells ask for really ran
(its name is in the outputs) and that no fallback note was shown. The other mode (offline, no cache:
the EfficientNet-Lite0 fallback, which says so) is what nbval runs on ``notebooks/``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
CLASSICS = ("vgg16", "alexnet", "resnet50", "googlenet", "inception_v3", "densenet121", "mobilenet_v2")
FALLBACK_MARK = "is not available here"  # cnnviz_lab.models.fallback.fallback_note's opening words

pytestmark = [pytest.mark.slow, pytest.mark.skipif(
    os.environ.get("CNNVIZ_CLASSIC_NOTEBOOKS") != "1" or not os.environ.get("CNNVIZ_FAKE_TORCH_HOME"),
    reason="the classic branches run under `make test` (CNNVIZ_CLASSIC_NOTEBOOKS=1 and the fake cache of "
           "`make fake-hub` in CNNVIZ_FAKE_TORCH_HOME)")]


def requested_classics(source: str) -> list[str]:
    """The classic models a notebook source loads by name (``load_model("vgg16", ...)``)."""
    found = re.findall(r"""load_(?:model|classic)\(\s*["'](\w+)["']""", source)
    return sorted({name for name in found if name in CLASSICS})


def _outputs_text(nb) -> str:
    parts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            parts.append(out.get("text", ""))
            data = out.get("data", {})
            parts += [data.get(k, "") for k in ("text/plain", "text/markdown", "text/html")]
    return "\n".join(p if isinstance(p, str) else "".join(p) for p in parts)


def test_the_classics_are_found_in_sources():
    assert requested_classics('clf = cv.load_model("vgg16", fallback=True)\ncv.load_model( "resnet50")') == \
        ["resnet50", "vgg16"]
    assert requested_classics('cv.load_model("efficientnet_lite0")') == []
    assert requested_classics('vgg = cv.load_classic("vgg16", shows="its map")') == ["vgg16"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_classic_branch_runs(path, tmp_path):
    from nbclient import NotebookClient

    env = {"TORCH_HOME": os.environ["CNNVIZ_FAKE_TORCH_HOME"], "CNNVIZ_WEIGHTS_URL": "http://127.0.0.1:9/",
           "CNNVIZ_FAKE_HUB": "1", "CNNVIZ_QUICK": "1", "MPLBACKEND": "module://matplotlib_inline.backend_inline"}
    saved = {k: os.environ.get(k) for k in [*env, "CNNVIZ_OFFLINE"]}
    os.environ.update(env)
    os.environ.pop("CNNVIZ_OFFLINE", None)
    try:
        nb = nbformat.read(path, as_version=4)
        NotebookClient(nb, timeout=600, kernel_name="python3",
                       resources={"metadata": {"path": str(path.parent)}}).execute()
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    text = _outputs_text(nb)
    classics = requested_classics("\n".join(c.source for c in nb.cells if c.cell_type == "code"))
    for name in classics:
        assert name in text.lower(), f"{path.name}: {name} is loaded in a code cell but never named in the outputs"
    if classics:
        assert FALLBACK_MARK not in text, f"{path.name}: a fallback note was shown although the cache holds the weights"
