"""The method registry: one place that knows every attribution method by name.

Each entry says what a method is called (its name, aliases and display label), which
family it belongs to, what its result looks like, and its default settings in full and in
quick mode (``CNNVIZ_QUICK=1``). The CLI's ``--method`` choices, the panels' method lists,
the plots' labels and the evaluation roster (:func:`cnnviz_lab.course_methods`) all read it.
Adding a method is one function with the common signature plus one :func:`register` line
(the package's own lines are in :mod:`cnnviz_lab.attribution.catalog`)::

    register("toy", toy, label="Toy map", family="cam", full={"steps": 50}, quick={"steps": 4})

Families and what their methods accept (checked by :func:`register`):

- ``"gradient"``: gradients in pixel space, ``(N,[K],3,H,W)``;
- ``"cam"``: maps read from a layer's feature map, ``(N,[K],H,W)``; ``layer=`` (default: the
  model's CAM layer, :func:`cnnviz_lab.core.probes.default_layer`) and ``upsample=``;
- ``"perturbation"``: black-box maps from perturbed inputs, ``(N,[K],H,W)``;
  ``batch_size=`` and ``progress=`` (and ``seed=`` when they draw at random);
- ``"relevance"``: relevance that adds up to the explained output (LRP, DeepLIFT, SHAP),
  in pixel space, ``(N,[K],3,H,W)``.
- ``"attention"``: maps read from a transformer's attention weights (attention rollout),
  ``(N,[K],H,W)``; ``upsample=``.

Names are matched case-insensitively with spaces, ``-`` and ``_`` ignored and ``++`` read as
``pp``: ``"Grad-CAM++"``, ``"gradcam_pp"`` and ``"gradcampp"`` are one method.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import torch

from ..core.config import quick
from ..core.errors import unknown_name

Attribution = Callable[..., torch.Tensor]

#: Keywords every method of a family must accept.
FAMILIES: dict[str, tuple[str, ...]] = {
    "gradient": (),
    "cam": ("layer", "upsample"),
    "perturbation": ("batch_size", "progress"),
    "relevance": (),
    "attention": ("upsample",),
}


def normalize(name: str) -> str:
    """The matching key of a method name (see the module docstring)."""
    return str(name).strip().lower().replace("++", "pp").replace(" ", "").replace("-", "").replace("_", "")


@dataclass(frozen=True)
class Method:
    """One registered attribution method.

    ``name``: canonical name (what results and plots are keyed by); ``fn``: the function,
    ``fn(model, x, target=None, **settings)``; ``label``: display label; ``family``: see
    :data:`FAMILIES`; ``aliases``: other names it answers to; ``pixels``: whether the result
    has a colour axis, ``(N,[K],3,H,W)``, or is a map ``(N,[K],H,W)``; ``wraps``: whether it
    averages another method given as ``method=`` (SmoothGrad); ``full`` and ``quick``:
    default settings in full and in quick mode; ``course``: on the evaluation roster of
    :func:`cnnviz_lab.course_methods`; ``panels``: offered in the notebooks' panels (CAM is
    not: it works only for a global-average-pooling + linear head and has a panel of its own);
    ``agnostic``: the map does not depend on the target class (EigenCAM): it takes ``target``
    for the common signature only, so per-class comparisons (two classes of one image in the
    pointing game) say nothing about it, and the evaluation lists it as such.
    """

    name: str
    fn: Attribution
    label: str
    family: str
    aliases: tuple[str, ...] = ()
    pixels: bool = False
    wraps: bool = False
    full: Mapping[str, Any] = field(default_factory=dict)
    quick: Mapping[str, Any] = field(default_factory=dict)
    course: bool = False
    panels: bool = True
    agnostic: bool = False

    def settings(self, quick_mode: bool | None = None) -> dict[str, Any]:
        """The default settings for full or quick mode (default: the current mode)."""
        fast = quick() if quick_mode is None else quick_mode
        return {**self.full, **(self.quick if fast else {})}

    def accepts(self, keyword: str) -> bool:
        """Whether the function takes ``keyword`` by name."""
        return keyword in _parameters(self.fn)

    def __call__(self, model: Any, x: torch.Tensor, target: Any = None, **options: Any) -> torch.Tensor:
        """The method with its default settings, overridden by ``options``."""
        return self.fn(model, x, target, **{**self.settings(), **options})

    def configured(self, **overrides: Any) -> Attribution:
        """A plain function ``f(model, x, target=None, **more)`` with the settings of this mode
        and ``overrides`` baked in, named after the method (``f.__name__ == name``) and
        keeping them in ``f.settings``."""
        baked = {**self.settings(), **overrides}
        fn = self.fn

        def method(model, x, target=None, **more):
            return fn(model, x, target, **{**baked, **more})

        method.__name__ = method.__qualname__ = self.name
        method.__doc__ = f"{self.label} with {baked or 'its defaults'} (see cnnviz_lab.{fn.__name__})."
        method.settings = dict(baked)  # type: ignore[attr-defined]
        return method


_REGISTRY: dict[str, Method] = {}
_KEYS: dict[str, str] = {}


def _parameters(fn: Callable) -> set[str]:
    params = inspect.signature(fn).parameters.values()
    return {p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}


def register(
    name: str,
    fn: Attribution,
    *,
    label: str | None = None,
    family: str = "gradient",
    aliases: tuple[str, ...] = (),
    pixels: bool | None = None,
    wraps: bool = False,
    full: Mapping[str, Any] | None = None,
    quick: Mapping[str, Any] | None = None,
    course: bool = False,
    panels: bool = True,
    agnostic: bool = False,
) -> Method:
    """Add an attribution method to the registry (replacing one of the same name) and
    return its entry. ``pixels`` defaults to ``family in ("gradient", "relevance")``. The function must
    take ``(model, x, target)`` and the keywords of its family, and every setting named in
    ``full`` and ``quick``; a name or alias already taken by another method is an error."""
    if family not in FAMILIES:
        raise ValueError(f"family must be one of {', '.join(repr(f) for f in FAMILIES)}, got {family!r}")
    params = _parameters(fn)
    missing = [k for k in (*FAMILIES[family], *(full or {}), *(quick or {})) if k not in params]
    if missing or len(inspect.signature(fn).parameters) < 3:
        raise TypeError(f"{name}: a {family} method must be fn(model, x, target=None, *, ...) taking {', '.join(missing) or 'model, x and target'}")
    entry = Method(
        name,
        fn,
        label or name,
        family,
        tuple(aliases),
        family in ("gradient", "relevance") if pixels is None else pixels,
        wraps,
        dict(full or {}),
        dict(quick or {}),
        course,
        panels,
        agnostic,
    )
    # Check every name before changing anything: a refused registration leaves the registry as it was.
    for key in {normalize(k) for k in (name, *aliases)}:
        owner = _KEYS.get(key)
        if owner is not None and owner != name:
            raise ValueError(f"{name}: the name {key!r} already belongs to {owner}")
    unregister(name)
    _REGISTRY[name] = entry
    for key in (name, *aliases):
        _KEYS[normalize(key)] = name
    return entry


def unregister(name: str) -> None:
    """Remove a method and its aliases (nothing happens for an unknown name)."""
    entry = _REGISTRY.pop(name, None)
    if entry is not None:
        for key in (entry.name, *entry.aliases):
            _KEYS.pop(normalize(key), None)


def get_method(name: str | Method | Attribution) -> Method:
    """The registry entry of ``name`` (any alias or spelling), of an entry, or of a
    registered function; an unknown name raises ``UnknownNameError`` with the closest."""
    if isinstance(name, Method):
        return name
    if callable(name):
        entry = _entry_of(name)
        if entry is not None:
            return entry
        raise ValueError(f"{getattr(name, '__name__', name)!r} is not a registered method; register it with cnnviz_lab.attribution.registry.register")
    key = _KEYS.get(normalize(name))
    if key is None:
        raise unknown_name("method", name, list(_REGISTRY) + [a for m in _REGISTRY.values() for a in m.aliases], f"choose from {', '.join(_REGISTRY)}")
    return _REGISTRY[key]


def methods(
    family: str | None = None,
    *,
    pixels: bool | None = None,
    course: bool | None = None,
    panels: bool | None = None,
    wraps: bool | None = None,
    agnostic: bool | None = None,
) -> list[Method]:
    """Registered methods in registration order (the order the notebooks teach them),
    filtered by the given attributes."""
    wanted = {"family": family, "pixels": pixels, "course": course, "panels": panels, "wraps": wraps, "agnostic": agnostic}
    return [m for m in _REGISTRY.values() if all(v is None or getattr(m, k) == v for k, v in wanted.items())]


def label(method: str | Method | Attribution) -> str:
    """The display label of a method (a function that is not registered: its ``__name__``)."""
    try:
        return get_method(method).label
    except ValueError:
        return method if isinstance(method, str) else getattr(method, "__name__", "map")


def base_method(method: str | Method | Attribution) -> Attribution:
    """The base attribution a wrapping method (SmoothGrad and its VarGrad / squared variants,
    ``method=``) averages: a function with the common signature as given, or a registered
    method (name, alias or entry) whose result is in pixel space and which wraps no other
    method. Anything else is a ``ValueError`` naming the methods that qualify."""
    if callable(method) and not isinstance(method, Method):
        return method
    entry = get_method(method)
    if not entry.pixels or entry.wraps:
        bases = ", ".join(m.name for m in methods(pixels=True, wraps=False))
        raise ValueError(f"method={entry.name!r}: SmoothGrad averages a base attribution in pixel space ({bases}), not {entry.name}")
    return entry.fn


def _base_of(fn: Callable, options: Mapping[str, Any]) -> Attribution:
    """The base method a wrapping method will average: ``options["method"]`` or its default."""
    return base_method(options.get("method") or inspect.signature(fn).parameters["method"].default)


def accepted(method: str | Method | Attribution, options: Mapping[str, Any]) -> dict[str, Any]:
    """The part of ``options`` that ``method`` takes by name (a wrapping method such as
    SmoothGrad: also what its base method takes); ``None`` values are left out. Front ends
    that offer the same settings to every method (the CLI, the panels) use it."""
    entry = get_method(method) if isinstance(method, (str, Method)) else _entry_of(method)
    fn = entry.fn if entry is not None else method
    names = _parameters(fn)
    if entry is not None and entry.wraps:
        names |= _parameters(_base_of(fn, options))
    return {k: v for k, v in options.items() if v is not None and k in names}


def call(
    method: str | Method | Attribution, model: Any, x: torch.Tensor, target: Any = None, /, *, offered: Mapping[str, Any] | None = None, **options: Any
) -> torch.Tensor:
    """Run a method with its default settings, ``options`` overriding them.

    ``options`` are strict: one the method does not take (a typo such as ``stpes=``) raises
    ``TypeError`` naming the keywords it accepts. ``offered`` settings are passed only where
    the method takes them (a front end offers ``layer=``, ``seed=``, ``steps=``... to every
    method and each takes what it knows). ``None`` means "not given" in both. A method that
    wraps a base method (``method=``, SmoothGrad) also hands the base the options it takes."""
    entry = get_method(method) if isinstance(method, (str, Method)) else _entry_of(method)
    fn = entry.fn if entry is not None else method
    given = {k: v for k, v in options.items() if v is not None}
    given.update({k: v for k, v in accepted(method, {**(offered or {}), **given}).items() if k not in given})
    unknown = sorted(set(given) - set(accepted(method, given)))
    if unknown:
        known = sorted(_parameters(fn) - {"model", "x", "target"})
        name = entry.name if entry is not None else getattr(fn, "__name__", "method")
        raise TypeError(f"{name} got unexpected keyword {', '.join(repr(k) for k in unknown)}; it accepts {', '.join(known)}")
    settings = {**(entry.settings() if entry is not None else {}), **given}
    params = _parameters(fn)
    kwargs = {k: v for k, v in settings.items() if k in params}
    if entry is not None and entry.wraps:
        base_params = _parameters(_base_of(fn, kwargs))
        kwargs.update({k: v for k, v in given.items() if k in base_params and k not in kwargs})
    return fn(model, x, target, **kwargs)


def _entry_of(fn: Attribution) -> Method | None:
    return next((m for m in _REGISTRY.values() if m.fn is fn), None)


__all__ = ["FAMILIES", "Method", "accepted", "base_method", "call", "get_method", "label", "methods", "normalize", "register", "unregister"]
