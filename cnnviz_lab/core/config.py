"""Process-wide switches read from the environment: offline mode, quick mode, device.

- ``CNNVIZ_OFFLINE=1``: never touch the network (no weight downloads, no image URLs).
- ``CNNVIZ_QUICK=1``: notebooks and the gallery use small images and few steps so the
  whole course runs in seconds on a CPU (the tests set it).
"""

from __future__ import annotations

import os

import torch

_TRUE = {"1", "true", "yes", "on"}


def offline() -> bool:
    """True when ``CNNVIZ_OFFLINE`` is set to 1/true/yes/on: no network access at all."""
    return os.environ.get("CNNVIZ_OFFLINE", "").strip().lower() in _TRUE


def quick() -> bool:
    """True when ``CNNVIZ_QUICK`` is set: fewer steps and smaller images everywhere."""
    return os.environ.get("CNNVIZ_QUICK", "").strip().lower() in _TRUE


def set_quick(on: bool = True) -> None:
    """Switch quick mode on (or off) for this process: what ``CNNVIZ_QUICK=1`` does, from a
    notebook cell. Settings are read when a call runs, so cells run after this one use it."""
    if not isinstance(on, bool):
        raise TypeError(f"on must be True or False, got {on!r:.60}")
    if on:
        os.environ["CNNVIZ_QUICK"] = "1"
    else:
        os.environ.pop("CNNVIZ_QUICK", None)


def pick(full, fast):
    """Return ``fast`` in quick mode and ``full`` otherwise (for step counts and sizes)."""
    return fast if quick() else full


def resolve_device(device: str | torch.device | None = "auto") -> torch.device:
    """``"auto"`` (or None) picks CUDA when available, then Apple's MPS, else the CPU.
    Anything else must name a device torch knows (``ValueError`` naming ``device`` if not)."""
    if device is not None and not isinstance(device, (str, torch.device)):
        raise TypeError(f"device: expected 'auto', 'cpu', 'cuda', 'cuda:N', 'mps' or a torch.device, got {type(device).__name__}")
    if device is None or str(device) == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        mps = getattr(torch.backends, "mps", None)
        if mps is not None and mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    try:
        return torch.device(device)
    except (RuntimeError, ValueError):
        raise ValueError(f"device={device!r} is not a device: use 'auto', 'cpu', 'cuda', 'cuda:N' or 'mps'") from None
