"""A GPU's device rules, checked on a CPU: which tensors would sit on the GPU, and which
operations would mix them with tensors left on the host.

On a machine without CUDA every tensor is on the CPU, so code that forgets ``device=`` runs
here and fails on a GPU ("Expected all tensors to be on the same device"). :class:`DeviceAudit`
is a ``TorchFunctionMode`` that replays the GPU's bookkeeping: a tensor is *on the device* when
it is a model's parameter or buffer, was moved with ``.to(device)``/``.cuda()``, was created
with an explicit ``device=`` (other than the string ``"cpu"``), or came out of an operation on
a device tensor; anything else is *on the host*. It records (does not raise) every operation a
GPU would refuse:

- an operation whose tensor arguments mix device tensors with host tensors of one or more
  dimensions (a 0-dim host tensor is allowed, as on CUDA);
- indexing a host tensor with a device index;
- ``.numpy()`` / ``np.asarray`` of a device tensor.

Each finding names the innermost line of ``cnnviz_lab`` (or of the notebook cell) that asked
for it. Used by ``tests/notebooks/test_notebooks_on_a_device.py``.
"""

from __future__ import annotations

import os
import traceback
from dataclasses import dataclass, field
from typing import Any, Callable

import torch
from torch.overrides import TorchFunctionMode
from torch.utils._pytree import tree_flatten
from torch.utils.weak import WeakIdKeyDictionary

PACKAGE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "cnnviz_lab")
TO_HOST = {"cpu", "numpy", "tolist", "item", "__array__", "__len__", "__repr__", "__format__", "__bool__", "__int__", "__float__", "__index__"}
DEVICE, HOST = torch.device("cpu", 0), torch.device("cpu")
FOLLOWS = {
    "__set__",
    "__deepcopy__",
    "_has_compatible_shallow_copy_type",
    "set_",
    "copy_",
    "__setstate__",
    "data_ptr",
    "size",
    "dim",
    "numel",
    "__get__",
    "stride",
    "is_contiguous",
    "element_size",
}


def _name(func: Any) -> str:
    return getattr(func, "__name__", "") or str(func)


def _where() -> str:
    """The innermost line of ``cnnviz_lab`` that led here, else the innermost line outside
    torch and this file (a notebook cell)."""
    frames = [f for f in traceback.extract_stack() if "deviceaudit" not in f.filename]
    own = [f for f in frames if os.path.abspath(f.filename).startswith(PACKAGE)]
    if own:
        f = own[-1]
        return f"{os.path.relpath(f.filename, os.path.dirname(PACKAGE))}:{f.lineno}: {f.line}"
    outside = [f for f in frames if f"{os.sep}torch{os.sep}" not in f.filename]
    f = outside[-1] if outside else frames[-1]
    return f"{f.filename}:{f.lineno}: {f.line}"


@dataclass
class DeviceAudit(TorchFunctionMode):
    """Records what a GPU would refuse (see the module docstring); ``findings`` maps
    ``where`` to the first message seen there."""

    findings: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__()
        self.on_device = WeakIdKeyDictionary()

    def mark(self, *modules_or_tensors: Any) -> None:
        """Put models' parameters and buffers, or tensors, on the device."""
        for m in modules_or_tensors:
            if isinstance(m, torch.Tensor):
                self.on_device[m] = True
            elif hasattr(m, "parameters"):
                for t in list(m.parameters()) + list(m.buffers()):
                    self.on_device[t] = True

    def _dev(self, t: torch.Tensor) -> bool:
        return t in self.on_device

    def _is_device(self, where: Any) -> bool:
        """Whether a ``device=`` / ``.to()`` target means the (emulated) GPU: a device tensor,
        any non-CPU device, or ``cpu:0`` (what a device tensor's ``.device`` returns here)."""
        if isinstance(where, torch.Tensor):
            return self._dev(where)
        try:
            d = torch.device(where)
        except (TypeError, RuntimeError):
            return False
        return d.type != "cpu" or d.index == 0

    def _note(self, message: str) -> None:
        self.findings.setdefault(_where(), message)

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        name = _name(func)
        flat, _ = tree_flatten((args, kwargs))
        tensors = [t for t in flat if isinstance(t, torch.Tensor)]
        dev = [t for t in tensors if self._dev(t)]
        host = [t for t in tensors if not self._dev(t) and t.dim() > 0]
        if name == "__get__" and getattr(getattr(func, "__self__", None), "__name__", "") == "device" and args:
            return DEVICE if self._dev(args[0]) else HOST
        out = func(*args, **kwargs)
        if name in ("numpy", "__array__") and dev and not kwargs.get("force"):
            self._note(f"{name}() of a device tensor (call .cpu() first)")
        elif name == "__getitem__" and tensors and not self._dev(tensors[0]) and any(self._dev(t) for t in tensors[1:] if t.dim() > 0):
            self._note("a host tensor indexed with a device index")
        elif dev and host and name not in FOLLOWS | TO_HOST | {"to", "__setitem__", "__getitem__"}:
            shapes = ", ".join(f"{'device' if self._dev(t) else 'host'} {tuple(t.shape)}" for t in tensors[:4])
            self._note(f"{name} mixes device and host tensors ({shapes})")
        elif name == "__setitem__" and tensors and not self._dev(tensors[0]) and any(self._dev(t) for t in tensors[1:] if t.dim() > 0):
            self._note("a device tensor written into a host tensor")
        if args and out is args[0] and name in ("to", "cuda", "cpu", "contiguous"):
            out = args[0].view_as(args[0])  # a GPU would copy: keep the two apart
        self._track(name, args, kwargs, bool(dev), out)
        return out

    def _track(self, name: str, args: tuple, kwargs: dict, from_device: bool, out: Any) -> None:
        if name in TO_HOST:
            return
        if name == "cuda":
            self._put(out, True)
            return
        if name == "to":
            where = kwargs.get("device", next((a for a in args[1:] if isinstance(a, (str, torch.device, torch.Tensor))), None))
            self._put(out, from_device if where is None else self._is_device(where))
            return
        self._put(out, from_device or ("device" in kwargs and kwargs["device"] is not None and self._is_device(kwargs["device"])))

    def _put(self, out: Any, on: bool) -> None:
        if not on:
            return
        flat, _ = tree_flatten(out)
        for t in flat:
            if isinstance(t, torch.Tensor):
                self.on_device[t] = True


def install(audit: DeviceAudit) -> Callable[[], None]:
    """Put on the emulated GPU what a GPU run would: every model a ``Classifier`` wraps (its
    ``device`` reads ``cpu:0``) and every module moved with ``.to(device)`` / ``.cuda()``.
    Patches ``Classifier.__init__``, ``nn.Module.to``, ``nn.Parameter.__new__`` and ``__deepcopy__``
    and the backward of the package's rule sites until the returned function is
    called (a notebook kernel never calls it)."""
    import cnnviz_lab.core.rules as rules
    import cnnviz_lab.models.classifier as classifier

    init, to = classifier.Classifier.__init__, torch.nn.Module.to

    def marked_init(self, *args, **kwargs):
        init(self, *args, **kwargs)
        if self.device.type == "cpu":
            object.__setattr__(self, "device", DEVICE)
        audit.mark(self.model)

    def marked_to(self, *args, **kwargs):
        out = to(self, *args, **kwargs)
        where = torch._C._nn._parse_to(*args, **kwargs)[0]
        if where is not None and audit._is_device(where):
            audit.mark(self)
        elif where is not None:
            for t in list(self.parameters()) + list(self.buffers()):
                audit.on_device.pop(t, None)
        return out

    def marked_deepcopy(self, memo):
        # Parameter.__deepcopy__ builds the copy with _make_subclass, which no mode sees
        out = deepcopy(self, memo)
        if audit._dev(self):
            audit.on_device[out] = True
        return out

    def marked_new(cls, data=None, requires_grad=True):
        # nn.Parameter(t) wraps t with _make_subclass, which no mode sees
        out = new(cls, data, requires_grad)
        if data is not None and audit._dev(data):
            audit.on_device[out] = True
        return out

    def marked_backward(ctx, grad):
        # autograd runs a backward rule outside the mode (torch.autograd.grad was called through
        # it) and hands it its gradient from C++: watch the rule's own operations too
        if audit._dev(ctx.call.output):
            audit.on_device[grad] = True
        with audit:
            return backward(ctx, grad)

    backward = rules._Site.backward
    rules._Site.backward = staticmethod(marked_backward)
    new = torch.nn.Parameter.__new__
    torch.nn.Parameter.__new__ = marked_new
    deepcopy = torch.nn.Parameter.__deepcopy__
    classifier.Classifier.__init__ = marked_init
    torch.nn.Module.to = marked_to
    torch.nn.Parameter.__deepcopy__ = marked_deepcopy

    def undo() -> None:
        classifier.Classifier.__init__, torch.nn.Module.to, torch.nn.Parameter.__deepcopy__ = init, to, deepcopy
        torch.nn.Parameter.__new__ = new
        rules._Site.backward = staticmethod(backward)

    return undo
