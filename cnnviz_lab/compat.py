"""Renamed keywords keep their old spelling for one release, with a ``DeprecationWarning``.

``@renamed(method="rule")`` on a function makes ``f(..., method=x)`` act as ``f(..., rule=x)``
and warn once per call site. The wrapper shows the function's new signature
(``inspect.signature`` follows ``__wrapped__``), so code that passes only the keywords a
function accepts (the CLI, the method registry) never sends an old spelling.
"""

from __future__ import annotations

import functools
import warnings
from typing import Any, Callable, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


def warn_renamed(function: str, old: str, new: str, stacklevel: int = 3) -> None:
    warnings.warn(f"{function}({old}=...) is renamed {function}({new}=...); the old spelling "
                  "will be removed in the next release", DeprecationWarning, stacklevel=stacklevel)


def renamed(**old_to_new: str) -> Callable[[F], F]:
    """Accept each old keyword as its new name, with a ``DeprecationWarning``. Passing both
    spellings is a ``TypeError``."""
    def decorate(fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            for old, new in old_to_new.items():
                if old in kwargs:
                    if new in kwargs:
                        raise TypeError(f"{fn.__name__}() got both {old}= (the old spelling) and {new}=; "
                                        f"pass {new}= only")
                    warn_renamed(fn.__name__, old, new)
                    kwargs[new] = kwargs.pop(old)
            return fn(*args, **kwargs)
        return wrapper  # type: ignore[return-value]
    return decorate


def deprecated_output(function: str, output: str | None, allowed: tuple[str, ...]) -> str | None:
    """The old ``output=`` switch of functions that now return a typed result: ``None``
    (not given) passes; a known value warns and is returned; anything else is an error."""
    if output is None:
        return None
    if output not in allowed:
        raise ValueError(f"output must be one of {', '.join(repr(a) for a in allowed)}, got {output!r}")
    warnings.warn(f"{function}(output=...) is deprecated: {function} returns a Rendering (.image, "
                  ".images, .tensor); the keyword will be removed in the next release",
                  DeprecationWarning, stacklevel=3)
    return output


__all__ = ["deprecated_output", "renamed", "warn_renamed"]
