"""Statistics for TCAV's significance test: Student's t-test and the regularised incomplete
beta function behind its p-value (Numerical Recipes, 3rd ed., 6.4), in plain Python/torch."""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np
import torch


def _betacf(a: float, b: float, x: float) -> float:
    """Continued fraction of the incomplete beta function (modified Lentz)."""
    tiny, qab, qap, qam = 1e-300, a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 300):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c if abs(1.0 + aa / c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c if abs(1.0 + aa / c) > tiny else tiny
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-15:
            break
    return h


def incomplete_beta(a: float, b: float, x: float) -> float:
    """The regularised incomplete beta function ``I_x(a, b)`` (Numerical Recipes 6.4)."""
    if not 0.0 <= x <= 1.0:
        raise ValueError(f"x must be in [0, 1], got {x}")
    if x in (0.0, 1.0):
        return x
    front = math.exp(math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x))
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _betacf(a, b, x) / a
    return 1.0 - front * _betacf(b, a, 1.0 - x) / b


def _sample(values: Any, name: str) -> torch.Tensor:
    """A sample of numbers (a sequence, an array or a tensor) as a flat float64 tensor."""
    out = None
    if isinstance(values, torch.Tensor):
        out = values.detach()
    elif values is not None and not isinstance(values, (str, bytes)):
        try:
            out = torch.as_tensor(np.asarray(values, dtype=np.float64) if not isinstance(values, np.ndarray) else values)
        except (TypeError, ValueError, RuntimeError):
            out = None
    if out is None or out.is_complex() or out.dtype == torch.bool:
        raise TypeError(f"{name} must be a sequence, array or tensor of numbers, got {values!r:.60} ({type(values).__name__})")
    out = out.to(torch.float64).flatten()
    if not bool(torch.isfinite(out).all()):
        raise ValueError(f"{name} has NaN or infinite values: {out.tolist()!r:.80}")
    return out


def t_test(a: Sequence[float] | torch.Tensor, b: Sequence[float] | torch.Tensor, *, equal_var: bool = True) -> tuple[float, float]:
    """Two-sided Student t-test for two independent samples with equal variances (what the
    TCAV reference code runs, ``scipy.stats.ttest_ind``): ``(t, p)``. Two constant samples
    give ``p = 1`` when their means agree and ``p = 0`` otherwise. ``a`` and ``b``: at least
    two finite numbers each. ``equal_var=False``: Welch's t-test instead (Welch, *The
    generalization of "Student's" problem when several different population variances are
    involved*, Biometrika 1947): ``t = (mean_a - mean_b) / sqrt(s_a^2/n + s_b^2/m)`` with the
    Welch-Satterthwaite degrees of freedom ``(s_a^2/n + s_b^2/m)^2 / ((s_a^2/n)^2/(n-1) +
    (s_b^2/m)^2/(m-1))``; with ``n == m`` its t equals Student's, only the degrees of freedom
    (and so p) differ."""
    if not isinstance(equal_var, bool):
        raise TypeError(f"equal_var must be True or False, got {equal_var!r:.40} ({type(equal_var).__name__})")
    x, y = _sample(a, "a"), _sample(b, "b")
    n, m = x.numel(), y.numel()
    if n < 2 or m < 2:
        raise ValueError(f"the t-test needs at least two values per sample (a and b), got {n} and {m}")
    diff = float(x.mean() - y.mean())
    if equal_var:
        df = n + m - 2
        pooled = (((x - x.mean()) ** 2).sum() + ((y - y.mean()) ** 2).sum()) / df
        se = math.sqrt(float(pooled) * (1 / n + 1 / m))
    else:
        va, vb = float(x.var()) / n, float(y.var()) / m
        se = math.sqrt(va + vb)
        df = (va + vb) ** 2 / (va**2 / (n - 1) + vb**2 / (m - 1)) if se > 0 else 1.0
    if se == 0.0:
        return (0.0, 1.0) if diff == 0 else (math.copysign(math.inf, diff), 0.0)
    t = diff / se
    return t, incomplete_beta(df / 2, 0.5, df / (df + t * t))


def holm(p_values: Sequence[float] | torch.Tensor) -> torch.Tensor:
    """Holm's step-down correction for testing many hypotheses at once (Holm, *A simple
    sequentially rejective multiple test procedure*, Scand. J. Statistics 1979): the adjusted
    p-values, in the order given. With ``m`` tests sorted so that ``p_(1) <= ... <= p_(m)``,
    ``p~_(i) = max_{j <= i} min(1, (m - j + 1) p_(j))``; rejecting where ``p~ < alpha`` keeps
    the chance of any false discovery below ``alpha`` (the family-wise error rate), like
    Bonferroni's ``m p`` (which Kim et al. 2018 use for TCAV) but rejecting at least as often.
    ``p_values``: at least one number in [0, 1]."""
    p = _sample(p_values, "p_values")
    if p.numel() == 0:
        raise ValueError("p_values: give at least one p-value")
    if bool(((p < 0) | (p > 1)).any()):
        raise ValueError(f"p_values must lie in [0, 1], got {p.tolist()!r:.80}")
    m = p.numel()
    order = torch.argsort(p, stable=True)
    scaled = (p[order] * torch.arange(m, 0, -1, dtype=p.dtype)).clamp(max=1.0)
    adjusted = torch.empty_like(p)
    adjusted[order] = torch.cummax(scaled, 0).values
    return adjusted


def _paired(a: Any, b: Any) -> tuple[torch.Tensor, torch.Tensor]:
    """Two paired samples as flat float64 tensors; each must be one-dimensional (a list, a
    1-D array or tensor), so that pair ``i`` is position ``i`` in both."""
    x, y = _sample(a, "a"), _sample(b, "b")
    for name, value in (("a", a), ("b", b)):
        dims = value.dim() if isinstance(value, torch.Tensor) else np.ndim(value)
        if dims != 1:
            raise ValueError(f"{name} must be one-dimensional (pair i at position i), got {dims} dimensions")
    return x, y


def paired_permutation_test(
    a: Sequence[float] | torch.Tensor, b: Sequence[float] | torch.Tensor, *, permutations: int = 2**20, seed: int = 0
) -> tuple[float, float]:
    """Two-sided paired permutation (sign-flip) test of the mean difference of paired samples:
    ``(mean(a - b), p)``. Under the null hypothesis that each pair's two values are
    exchangeable, every difference ``d_i = a_i - b_i`` is as likely to have the opposite sign,
    so ``p`` is the share of the ``2^n`` sign patterns whose mean ``|sum(s_i d_i)| / n`` is at
    least the observed ``|mean(d)|`` (Fisher, *The Design of Experiments*, 1935, section 21;
    Good, *Permutation, Parametric and Bootstrap Tests of Hypotheses*, 2005, 3.1). It makes no
    assumption on the distribution, so it suits bounded, piled-up TCAV scores; here it tests
    whether the trained network's scores exceed a baseline's scored with the same CAVs (a
    sanity check in the sense of Adebayo et al., *Sanity Checks for Saliency Maps*, NeurIPS
    2018). Every pattern is counted when ``2^n <= permutations`` (an exact p); otherwise
    ``permutations`` random patterns drawn with ``seed`` are, with ``p = (1 + hits) / (1 +
    permutations)`` so that it is never 0. ``a`` and ``b``: the same number (at least one) of
    finite values, pair ``i`` at position ``i``."""
    if isinstance(permutations, bool) or not isinstance(permutations, int) or permutations < 1:
        raise ValueError(f"permutations must be a positive int, got {permutations!r:.40}")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"seed must be an int, got {seed!r:.40} ({type(seed).__name__})")
    x, y = _paired(a, b)
    if x.numel() != y.numel() or x.numel() == 0:
        raise ValueError(f"a and b must be paired samples of the same length (at least 1), got {x.numel()} and {y.numel()}")
    d = (x - y).numpy()
    n, observed = d.size, float(d.mean())
    tol = 1e-12 * max(1.0, float(np.abs(d).max()))
    if n < 63 and 2**n <= permutations:
        hits, total = 0, 2**n
        bits = np.arange(n, dtype=np.int64)
        for start in range(0, total, 1 << 16):
            codes = np.arange(start, min(total, start + (1 << 16)), dtype=np.int64)
            signs = 1.0 - 2.0 * ((codes[:, None] >> bits) & 1)
            hits += int((np.abs(signs @ d) / n >= abs(observed) - tol).sum())
        return observed, hits / total
    gen = np.random.default_rng(seed)
    hits = 0
    for start in range(0, permutations, 1 << 14):
        signs = gen.choice([-1.0, 1.0], size=(min(permutations - start, 1 << 14), n))
        hits += int((np.abs(signs @ d) / n >= abs(observed) - tol).sum())
    return observed, (1 + hits) / (1 + permutations)


def paired_bootstrap_interval(
    a: Sequence[float] | torch.Tensor, b: Sequence[float] | torch.Tensor, *, level: float = 0.95, resamples: int = 10000, seed: int = 0
) -> tuple[float, float]:
    """A percentile bootstrap interval for the mean difference ``mean(a - b)`` of paired samples
    (Efron & Tibshirani, *An Introduction to the Bootstrap*, 1993, chapter 13): the pairs'
    differences ``d_i = a_i - b_i`` are resampled with replacement ``resamples`` times (drawn
    with ``seed``), and the interval runs from the ``(1 - level) / 2`` to the ``(1 + level) / 2``
    quantile of the resampled means. Returns ``(low, high)``. With few pairs it is somewhat too
    narrow; it reports the size of an excess that :func:`paired_permutation_test` tests.
    ``a`` and ``b``: the same number (at least two) of finite values, pair ``i`` at position ``i``;
    ``level`` in (0, 1)."""
    if isinstance(level, bool) or not isinstance(level, (int, float)) or not 0 < level < 1:
        raise ValueError(f"level must be a number strictly between 0 and 1, got {level!r:.40}")
    if isinstance(resamples, bool) or not isinstance(resamples, int) or resamples < 1:
        raise ValueError(f"resamples must be a positive int, got {resamples!r:.40}")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"seed must be an int, got {seed!r:.40} ({type(seed).__name__})")
    x, y = _paired(a, b)
    if x.numel() != y.numel() or x.numel() < 2:
        raise ValueError(f"a and b must be paired samples of the same length (at least 2), got {x.numel()} and {y.numel()}")
    d = (x - y).numpy()
    means = d[np.random.default_rng(seed).integers(0, d.size, size=(resamples, d.size))].mean(1)
    low, high = np.quantile(means, [(1 - level) / 2, (1 + level) / 2])
    return float(low), float(high)


__all__ = ["holm", "incomplete_beta", "paired_bootstrap_interval", "paired_permutation_test", "t_test"]
