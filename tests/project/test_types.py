"""Typed public signatures: every function of ``cnnviz_lab.__all__`` annotates its parameters and
its result, and mypy accepts the public API used the README's way (tests/typecheck/public_api.py,
configured in pyproject's [tool.mypy]; ``make typecheck`` runs the same check)."""

from __future__ import annotations

import inspect
import subprocess
import sys
from pathlib import Path

import pytest

import cnnviz_lab as cv

ROOT = Path(__file__).resolve().parents[2]


def _unannotated(fn) -> list[str]:
    sig = inspect.signature(fn)
    missing = [p.name for p in sig.parameters.values() if p.annotation is inspect.Parameter.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    return missing + (["return"] if sig.return_annotation is inspect.Signature.empty else [])


def test_every_public_function_is_annotated():
    functions = {n: getattr(cv, n) for n in cv.__all__ if inspect.isfunction(getattr(cv, n))}
    assert len(functions) > 100
    missing = {n: m for n, fn in functions.items() if (m := _unannotated(fn))}
    assert not missing, f"annotate these public signatures: {missing}"


def test_the_annotation_check_sees_a_missing_annotation():
    def half(model, x: int) -> int:
        return x // 2

    assert _unannotated(half) == ["model"]


@pytest.mark.slow
def test_mypy_accepts_the_public_api():
    pytest.importorskip("mypy")
    out = subprocess.run([sys.executable, "-m", "mypy", "--cache-dir=/dev/null"], cwd=ROOT, capture_output=True, text=True, timeout=1200)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "Success" in out.stdout
