"""What every attribution method shares: model state, inputs and targets.

All methods have the signature ``method(model, x, target=None, *, layer=None, ...)``:

- ``model``: an ``nn.Module`` or a :class:`~cnnviz_lab.models.Classifier`;
- ``x``: a preprocessed ``(N,3,H,W)`` tensor;
- ``target``: ``None`` (each image's top-1 class), an ``int``, a class name (Classifier
  only), a length-N sequence (one class per image), or an ``(N,K)`` array (K classes per
  image: the result then has a K axis right after N).
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator, Sequence

import numpy as np
import torch
from torch import nn

from ..models import Classifier, unwrap

Target = Any  # None | int | str | Sequence[int | str] | (N,K) array or tensor


@contextmanager
def frozen(module: nn.Module) -> Iterator[nn.Module]:
    """Eval mode and ``requires_grad=False`` on every parameter inside the block; each
    module's training flag and each parameter's ``requires_grad`` are restored afterwards,
    exceptions included. No parameter ``.grad`` can be filled inside."""
    flags = [(p, p.requires_grad) for p in module.parameters()]
    modes = [(m, m.training) for m in module.modules()]
    try:
        module.eval()
        for p, _ in flags:
            p.requires_grad_(False)
        yield module
    finally:
        for p, flag in flags:
            p.requires_grad_(flag)
        for m, mode in modes:
            m.training = mode


def model_device(module: nn.Module) -> torch.device:
    """Device of the module's first parameter or buffer (CPU for a parameterless module)."""
    for t in module.parameters():
        return t.device
    for t in module.buffers():
        return t.device
    return torch.device("cpu")


def prepare_input(module: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """``x`` as a detached float ``(N,C,H,W)`` tensor on the model's device."""
    if not isinstance(x, torch.Tensor):
        raise TypeError("x must be a preprocessed (N,3,H,W) tensor; use Classifier.preprocess(image)")
    if x.dim() == 3:
        x = x.unsqueeze(0)
    if x.dim() != 4:
        raise ValueError(f"x must have shape (N,C,H,W), got {tuple(x.shape)}")
    return x.detach().to(model_device(module), torch.float32 if not x.is_floating_point() else x.dtype)


def _class_id(value: Any, classifier: Classifier | None) -> int:
    if isinstance(value, str):
        if classifier is None:
            raise TypeError(f"class name {value!r} needs a Classifier (load_model); "
                            "with a bare nn.Module pass class indices")
        return classifier.class_index(value)
    return int(value)


def resolve_targets(target: Target, logits: torch.Tensor, classifier: Classifier | None = None
                    ) -> tuple[torch.Tensor, bool]:
    """Targets as an ``(N,K)`` long tensor on ``logits``' device, and whether the caller asked
    for a single class per image (then the K axis is dropped from the result)."""
    n = logits.shape[0]
    device = logits.device
    if target is None:
        return logits.argmax(dim=1, keepdim=True), True
    if isinstance(target, torch.Tensor):
        target = target.detach().cpu().numpy()
    if isinstance(target, (int, np.integer, str)):
        rows: list = [[target]] * n
        out, _ = resolve_targets(rows, logits, classifier)
        return out, True
    if isinstance(target, np.ndarray) and target.ndim == 0:
        return resolve_targets(int(target), logits, classifier)
    rows = list(target)
    nested = len(rows) > 0 and isinstance(rows[0], (Sequence, np.ndarray)) and not isinstance(rows[0], str)
    if not nested:
        if len(rows) != n:
            raise ValueError(f"a sequence target needs one class per image ({n}), got {len(rows)}; "
                             "for several classes per image pass an (N,K) array")
        ids = [[_class_id(v, classifier)] for v in rows]
        squeeze = True
    else:
        if len(rows) != n:
            raise ValueError(f"an (N,K) target needs N={n} rows, got {len(rows)}")
        ids = [[_class_id(v, classifier) for v in row] for row in rows]
        if len({len(r) for r in ids}) != 1:
            raise ValueError("every image needs the same number K of target classes")
        squeeze = False
    out = torch.tensor(ids, dtype=torch.long, device=device)
    n_classes = logits.shape[1]
    if out.numel() and (out.min() < 0 or out.max() >= n_classes):
        raise IndexError(f"target class out of range 0..{n_classes - 1}")
    return out, squeeze


def forward_targets(model: nn.Module | Classifier, x: torch.Tensor, target: Target
                    ) -> tuple[nn.Module, Classifier | None, torch.Tensor, torch.Tensor, bool]:
    """One gradient-free forward pass to resolve ``target``: ``(module, classifier, x on the
    model's device, (N,K) targets, squeeze flag)``. For methods that combine or repeat other
    methods and must hand every part the same classes."""
    module, clf = unwrap(model)
    xin = prepare_input(module, x)
    with torch.no_grad(), frozen(module):
        logits = module(xin)
    targets, squeeze = resolve_targets(target, logits, clf)
    return module, clf, xin, targets, squeeze


def one_class_per_image(model: nn.Module | Classifier, x: torch.Tensor, target: Target, caller: str
                        ) -> tuple[nn.Module, Classifier | None, torch.Tensor, list[int]]:
    """Like :func:`forward_targets` for callers that explain exactly one class per image:
    ``(module, classifier, x, [class of each image])``; a K-class target raises ``ValueError``."""
    module, clf, xin, targets, squeeze = forward_targets(model, x, target)
    if not squeeze or targets.shape[1] != 1:
        raise ValueError(f"{caller} explains one class per image: pass None, an int, a class name "
                         "or one class per image")
    return module, clf, xin, targets[:, 0].tolist()


def topk_targets(model: nn.Module | Classifier, x: torch.Tensor, k: int = 5) -> torch.Tensor:
    """The ``(N,k)`` indices of each image's top-k classes: pass as ``target=`` to explain
    the k best guesses in one call."""
    module, _ = unwrap(model)
    with torch.no_grad(), frozen(module):
        return module(prepare_input(module, x)).topk(k, dim=1).indices


def gather_scores(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """``logits[n, targets[n, k]]`` as an ``(N,K)`` tensor."""
    return logits.gather(1, targets)


def finish(result: torch.Tensor, squeeze: bool) -> torch.Tensor:
    """Detach a ``(N,K,...)`` result and drop K when one class per image was asked for."""
    result = result.detach()
    return result[:, 0] if squeeze else result
