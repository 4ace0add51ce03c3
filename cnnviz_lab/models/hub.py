"""Torchvision's pretrained weights: where they are cached, whether they can be downloaded
now, and getting them once.

Online by default, offline when told or when there is no network: :func:`online` asks,
once per session and within 2 s, whether the weights server answers (never with
``CNNVIZ_OFFLINE=1``). Weights live where torchvision looks for them,
``$TORCH_HOME/hub/checkpoints/<file name of the weights URL>`` (:func:`weights_cache_path`);
a missing file is downloaded once by :func:`ensure_weights` (progress bar, resumable,
verified, atomic: see :mod:`cnnviz_lab.models.download`) and loaded with ``weights_only=True``.

``CNNVIZ_WEIGHTS_URL`` (or ``base_url=``) replaces the server, e.g. a classroom mirror or a
local ``http.server`` in tests: the weights' file name is appended to it.
"""

from __future__ import annotations

import os
import re
import threading
from typing import Any, Mapping, Sequence
from urllib.parse import urlparse

import torch
import torchvision
from torch import nn

from ..core.config import offline
from .download import download, hash_prefix_of

OFFLINE_MODEL = "efficientnet_lite0"
# The torchvision classics the course offers when they can be had (menus, `cnnviz fetch`).
CLASSICS = ("vgg16", "resnet50", "googlenet", "inception_v3", "densenet121", "mobilenet_v2", "alexnet")
PROBE_TIMEOUT = 2.0
WEIGHTS_URL_ENV = "CNNVIZ_WEIGHTS_URL"
# Download sizes in MiB of the classics' DEFAULT weights, for torchvision releases whose
# weights lack meta["_file_size"] (tests/models/test_hub.py checks them against the installed one).
KNOWN_MIB = {
    "vgg16-397923af.pth": 527.796,
    "resnet50-11ad3fa6.pth": 97.79,
    "googlenet-1378be20.pth": 49.731,
    "inception_v3_google-0cc3c7bd.pth": 103.903,
    "densenet121-a639ec97.pth": 30.845,
    "mobilenet_v2-7ebf99e0.pth": 13.598,
    "alexnet-owt-7be5be79.pth": 233.087,
}
_DENSENET_OLD_KEY = re.compile(r"^(.*denselayer\d+\.(?:norm|relu|conv))\.((?:[12])\.(?:weight|bias|running_mean|running_var))$")
DEFAULT_BASE_URL = "https://download.pytorch.org/models/"
_probes: dict[str, bool] = {}


def default_weights(name: str, weights: Any = "DEFAULT") -> torchvision.models.WeightsEnum:
    """The torchvision weights enum member of ``name`` (``"DEFAULT"``, a member name such as
    ``"IMAGENET1K_V1"``, or a member itself). Unknown names raise ``ValueError``."""
    if isinstance(weights, torchvision.models.WeightsEnum):
        return weights
    enum = torchvision.models.get_model_weights(name)
    key = str(weights).split(".")[-1]
    if key not in enum.__members__:
        raise ValueError(f"{name} has no weights {weights!r}; choose from {', '.join(enum.__members__)}")
    return enum[key]


def file_name(weights: torchvision.models.WeightsEnum) -> str:
    """The weights' file name, as torch.hub caches it (``vgg16-397923af.pth``)."""
    return os.path.basename(urlparse(weights.url).path)


def weights_cache_path(weights: torchvision.models.WeightsEnum) -> str:
    """Where torch.hub keeps (or would keep) a torchvision weights file:
    ``torch.hub.get_dir()/checkpoints/<file name>`` (``$TORCH_HOME/hub/...``)."""
    return os.path.join(torch.hub.get_dir(), "checkpoints", file_name(weights))


def weights_url(weights: torchvision.models.WeightsEnum, base_url: str | None = None) -> str:
    """The URL the weights download from: torchvision's, or the file name under ``base_url``
    (default: ``$CNNVIZ_WEIGHTS_URL`` when set)."""
    base = base_url or os.environ.get(WEIGHTS_URL_ENV, "").strip()
    if not base:
        return weights.url
    return base.rstrip("/") + "/" + file_name(weights)


def download_mib(weights: torchvision.models.WeightsEnum) -> float | None:
    """Size of the weights file in MiB (torchvision's ``meta["_file_size"]``, else
    :data:`KNOWN_MIB`), or None when unknown."""
    size = weights.meta.get("_file_size")
    return float(size) if size is not None else KNOWN_MIB.get(file_name(weights))


def is_cached(name: str, weights: Any = "DEFAULT") -> bool:
    """True when the weights file of ``name`` is in torch.hub's cache (the offline model
    always is: it ships with the package)."""
    if name == OFFLINE_MODEL:
        return True
    return os.path.exists(weights_cache_path(default_weights(name, weights)))


def _answers(url: str, timeout: float) -> bool:
    """Whether ``url`` answers an HTTP ``HEAD`` request within ``timeout`` seconds with any
    HTTP status (an error status too: the server is there). A bare TCP connection is not
    enough: firewalls and captive portals accept those; over HTTPS the certificate must
    verify. Name lookup included: the request runs in a thread abandoned after ``timeout``."""
    import urllib.error
    import urllib.request

    result: list[bool] = []

    def probe() -> None:
        request = urllib.request.Request(url, method="HEAD", headers={"User-Agent": "cnnviz-lab"})
        try:
            with urllib.request.urlopen(request, timeout=timeout):
                result.append(True)
        except urllib.error.HTTPError:
            result.append(True)
        except Exception:  # noqa: BLE001 - any other failure means: no usable server
            result.append(False)

    thread = threading.Thread(target=probe, daemon=True)
    thread.start()
    thread.join(timeout)
    return bool(result and result[0])


def server() -> str:
    """The weights server's base URL (``$CNNVIZ_WEIGHTS_URL`` when set)."""
    return os.environ.get(WEIGHTS_URL_ENV, "").strip() or DEFAULT_BASE_URL


def online(timeout: float = PROBE_TIMEOUT, refresh: bool = False) -> bool:
    """Whether weights can be downloaded now: False with ``CNNVIZ_OFFLINE=1`` (no probe at
    all), else whether the weights server answers an HTTP request within ``timeout``
    seconds. Asked once per session and server; ``refresh=True`` asks again."""
    if offline():
        return False
    url = server()
    if refresh or url not in _probes:
        _probes[url] = _answers(url, timeout)
    return _probes[url]


def unavailable_reason(weights: torchvision.models.WeightsEnum) -> str | None:
    """None when the weights are cached or can be downloaded now; else why not."""
    if os.path.exists(weights_cache_path(weights)):
        return None
    if offline():
        return "CNNVIZ_OFFLINE=1 forbids downloads"
    if not online():
        return f"the weights server ({urlparse(server()).netloc}) did not answer within {PROBE_TIMEOUT:g} s"
    return None


def ensure_weights(weights: torchvision.models.WeightsEnum, *, base_url: str | None = None, progress: bool = True, verify_hash: bool = True) -> str:
    """The cached path of ``weights``, downloading the file first when it is missing (one
    progress bar; resumable; the size and the SHA-256 prefix in the file name are checked
    before the file is moved into the cache). ``verify_hash=False`` skips the hash check
    (for mirrors of re-saved files). Raises :class:`~cnnviz_lab.models.download.DownloadError`,
    or ``RuntimeError`` when ``CNNVIZ_OFFLINE=1`` and the file is missing."""
    path = weights_cache_path(weights)
    if os.path.exists(path):
        return path
    if offline():
        raise RuntimeError(f"{file_name(weights)} is not cached at {path} and CNNVIZ_OFFLINE=1 forbids downloads")
    prefix = hash_prefix_of(path) if verify_hash else None
    return download(weights_url(weights, base_url), path, sha256_prefix=prefix, progress=progress)


def load_state_dict(path: str) -> dict[str, torch.Tensor]:
    """A weights file read with ``torch.load(weights_only=True)`` on the CPU: tensors only,
    no pickled code. Raises ``ValueError`` naming the file when it is not a state dict."""
    state = torch.load(path, map_location="cpu", weights_only=True)
    if not isinstance(state, Mapping) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise ValueError(f"{path} does not hold a state dict (a mapping of names to tensors)")
    return dict(state)


def _modern_keys(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """DenseNet files keep the old ``norm.1``-style keys: rename them as torchvision does."""
    out = {}
    for key, value in state.items():
        match = _DENSENET_OLD_KEY.match(key)
        out[match.group(1) + match.group(2) if match else key] = value
    return out


def _builder_kwargs(name: str, weights: torchvision.models.WeightsEnum) -> dict[str, Any]:
    """The keyword arguments torchvision's builder sets when it loads pretrained weights."""
    kwargs: dict[str, Any] = {"num_classes": len(weights.meta["categories"])}
    if name in ("googlenet", "inception_v3"):
        kwargs.update(transform_input=True, aux_logits=True, init_weights=False)
    elif name.startswith("vit_"):
        kwargs["image_size"] = weights.meta["min_size"][0]
    elif name == "maxvit_t":
        kwargs["input_size"] = weights.meta["min_size"]
    return kwargs


def build_pretrained(name: str, weights: torchvision.models.WeightsEnum, state: dict[str, torch.Tensor]) -> nn.Module:
    """Torchvision's ``name`` with ``state`` loaded exactly as torchvision's builder would
    (same constructor arguments, DenseNet keys renamed, auxiliary heads dropped), in float32
    on the CPU. The network is built on the meta device and the tensors assigned, which
    skips the random initialisation (seconds for VGG16)."""
    kwargs = _builder_kwargs(name, weights)
    state = {k: v.float() if v.is_floating_point() else v for k, v in _modern_keys(state).items()}
    with torch.device("meta"):
        module = torchvision.models.get_model(name, weights=None, **kwargs)
    module.load_state_dict(state, assign=True)
    if any(t.is_meta for t in list(module.parameters()) + list(module.buffers())):
        module = torchvision.models.get_model(name, weights=None, **kwargs)  # unsaved buffers
        module.load_state_dict(state)
    if name in ("googlenet", "inception_v3"):  # as torchvision does for aux_logits=False
        module.aux_logits = False
        for aux in ("aux1", "aux2", "AuxLogits"):
            if hasattr(module, aux):
                setattr(module, aux, None)
    return module


def pretrained_module(name: str, weights: torchvision.models.WeightsEnum, *, base_url: str | None = None, progress: bool = True) -> nn.Module:
    """The pretrained torchvision network: cached weights, downloaded first when missing."""
    return build_pretrained(name, weights, load_state_dict(ensure_weights(weights, base_url=base_url, progress=progress)))


def fetch(names: Sequence[str], *, base_url: str | None = None, progress: bool = True) -> list[str]:
    """Download the DEFAULT weights of each model in ``names`` into torch.hub's cache (what
    ``cnnviz fetch`` runs; Binder's postBuild calls it) and return their cached paths.
    Already cached files are not downloaded again; the offline model needs nothing."""
    if isinstance(names, str):
        names = [names]
    available = torchvision.models.list_models(module=torchvision.models)
    unknown = [n for n in names if n != OFFLINE_MODEL and n not in available]
    if unknown:
        import difflib

        hints = difflib.get_close_matches(unknown[0], available, n=5, cutoff=0.4)
        raise ValueError(f"unknown model {unknown[0]!r} for fetch. Closest: {', '.join(hints) or 'none'}")
    return [ensure_weights(default_weights(n), base_url=base_url, progress=progress) for n in names if n != OFFLINE_MODEL]


def cached_models() -> list[str]:
    """Every torchvision classifier whose DEFAULT weights are in torch.hub's cache."""
    folder = os.path.join(torch.hub.get_dir(), "checkpoints")
    files = set(os.listdir(folder)) if os.path.isdir(folder) else set()
    if not files:
        return []
    return [n for n in torchvision.models.list_models(module=torchvision.models) if file_name(default_weights(n)) in files]


def menu_options(names: Sequence[str] = CLASSICS) -> list[tuple[str, str]]:
    """``(label, model name)`` pairs for a model menu: the offline model, every model of
    ``names`` that is cached, and, when :func:`online`, the others with a
    "(downloads N MB)" note. Offline, other cached torchvision models are added too."""
    options = [(OFFLINE_MODEL, OFFLINE_MODEL)]
    cached = set(cached_models())
    can_download = online()
    for name in names:
        if name == OFFLINE_MODEL:
            continue
        if name in cached:
            options.append((name, name))
        elif can_download:
            mib = download_mib(default_weights(name))
            options.append((f"{name} (downloads {mib:.0f} MB)" if mib else f"{name} (downloads)", name))
    if not can_download:
        options += [(n, n) for n in sorted(cached - set(names))]
    return options


def menu_hint(names: Sequence[str] = CLASSICS) -> str:
    """One line for under a model menu, or "" when there is nothing to say: offline (or
    with no network) it says which of ``names`` are missing and how to get them."""
    if online():
        return ""
    missing = [n for n in names if n != OFFLINE_MODEL and not is_cached(n)]
    if not missing:
        return ""
    why = "CNNVIZ_OFFLINE=1" if offline() else "no network"
    return (
        f"Offline ({why}): {', '.join(missing)} are not cached. Where there is a network, "
        f"run <code>cnnviz fetch {' '.join(missing)}</code> (or unset CNNVIZ_OFFLINE) to get them."
    )
