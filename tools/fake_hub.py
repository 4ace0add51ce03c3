"""A fake torch-hub cache: random-init state dicts under the file names torchvision expects.

With it, the classic branches of the package, its panels, CLI and notebooks (VGG16,
ResNet-50, GoogLeNet, Inception-v3, ...) run with no network: ``load_model("vgg16")`` finds
``$TORCH_HOME/hub/checkpoints/vgg16-397923af.pth`` and loads it like the real file. The
weights are random (so predictions are meaningless), saved in the real file's layout
(Inception's and GoogLeNet's auxiliary heads included, DenseNet's old ``norm.1``-style
keys) and, by default, in float16 to halve the files: ``load_state_dict`` copies them into
the float32 network (torchvision's own loader accepts them too). A ``FAKE_HUB.json``
manifest beside ``hub/`` says the weights are fake.

As a script (what ``make fake-hub`` runs)::

    python tools/fake_hub.py [--torch-home DIR] [--dtype float16|float32] [NAME ...]

builds (or reuses) the files in DIR (default ``artifacts/fake_torch_home``) and prints the
time and size of each. Importable by tests: ``build(torch_home, names)``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from pathlib import Path
from typing import Sequence

import torch
import torchvision

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from cnnviz_lab.models import hub  # noqa: E402

DEFAULT_HOME = ROOT / "artifacts" / "fake_torch_home"
MANIFEST = "FAKE_HUB.json"
_NEW_DENSE_KEY = re.compile(r"^(.*denselayer\d+\.(?:norm|relu|conv))([12])\.(weight|bias|running_mean|running_var)$")


def checkpoint_path(torch_home: str | os.PathLike, name: str) -> Path:
    """Where torch.hub looks for ``name``'s DEFAULT weights under ``torch_home``."""
    return Path(torch_home) / "hub" / "checkpoints" / hub.file_name(hub.default_weights(name))


def fake_state_dict(name: str, dtype: torch.dtype = torch.float16, seed: int = 0) -> dict[str, torch.Tensor]:
    """A random-init state dict of torchvision's ``name`` in the layout of its real weights
    file (the constructor arguments torchvision's builder uses for pretrained weights)."""
    weights = hub.default_weights(name)
    torch.manual_seed(seed)
    module = torchvision.models.get_model(name, weights=None, **hub._builder_kwargs(name, weights))
    state = {}
    for key, value in module.state_dict().items():
        match = _NEW_DENSE_KEY.match(key) if name.startswith("densenet") else None
        if match:
            key = f"{match.group(1)}.{match.group(2)}.{match.group(3)}"
        state[key] = value.to(dtype) if value.is_floating_point() else value
    return state


def _manifest(torch_home: Path) -> dict:
    path = torch_home / MANIFEST
    return json.loads(path.read_text()) if path.exists() else {}


def build(
    torch_home: str | os.PathLike = DEFAULT_HOME,
    names: Sequence[str] = hub.CLASSICS,
    dtype: torch.dtype = torch.float16,
    force: bool = False,
    verbose: bool = False,
) -> dict[str, Path]:
    """Write the fake weights of ``names`` under ``torch_home`` (reusing files this tool
    wrote before with the same dtype, unless ``force``); return ``{name: path}``. Each file
    is written beside its final name and renamed into place."""
    home = Path(torch_home)
    manifest = _manifest(home)
    paths = {}
    for name in names:
        path = checkpoint_path(home, name)
        entry = manifest.get(name, {})
        if not force and path.exists() and entry.get("dtype") == str(dtype) and entry.get("bytes") == path.stat().st_size:
            paths[name] = path
            continue
        start = time.perf_counter()
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        torch.save(fake_state_dict(name, dtype), tmp)
        os.replace(tmp, path)
        seconds = time.perf_counter() - start
        manifest[name] = {"file": path.name, "bytes": path.stat().st_size, "dtype": str(dtype), "seconds": round(seconds, 2)}
        (home / MANIFEST).write_text(json.dumps(manifest, indent=1))
        if verbose:
            print(f"{name:14s} {path.name:34s} {path.stat().st_size / 2**20:7.1f} MiB  {seconds:5.1f} s")
        paths[name] = path
    return paths


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", default=list(hub.CLASSICS), help=f"torchvision model names (default: {' '.join(hub.CLASSICS)})")
    parser.add_argument("--torch-home", default=str(DEFAULT_HOME), help="the TORCH_HOME to fill")
    parser.add_argument("--dtype", choices=["float16", "float32"], default="float16")
    parser.add_argument("--force", action="store_true", help="rewrite files that exist")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    paths = build(args.torch_home, args.names, getattr(torch, args.dtype), args.force, verbose=True)
    total = sum(p.stat().st_size for p in paths.values()) / 2**20
    print(
        f"fake torch hub in {args.torch_home}: {len(paths)} models, {total:.0f} MiB, "
        f"{time.perf_counter() - start:.1f} s. Use it with TORCH_HOME={args.torch_home}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
