"""How alike two maps are: Spearman rank correlation and SSIM, per pair of maps."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def _ranks(v: torch.Tensor) -> torch.Tensor:
    """Average ranks (1-based, ties share their mean rank) along the last axis."""
    order = torch.argsort(v, dim=-1, stable=True)
    sorted_v = torch.gather(v, -1, order)
    n = v.shape[-1]
    out = torch.empty_like(v, dtype=torch.float64)
    for row in range(v.shape[0]):
        s = sorted_v[row]
        new = torch.ones(n, dtype=torch.bool, device=v.device)
        new[1:] = s[1:] != s[:-1]
        group = torch.cumsum(new.long(), 0) - 1
        pos = torch.arange(1, n + 1, dtype=torch.float64, device=v.device)
        sums = torch.zeros(int(group[-1]) + 1, dtype=torch.float64, device=v.device).index_add_(0, group, pos)
        cnt = torch.zeros_like(sums).index_add_(0, group, torch.ones_like(pos))
        out[row, order[row]] = (sums / cnt)[group]
    return out


def spearman(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Spearman rank correlation of each pair of maps (first axis = batch), ``(N,)``.

    Pearson correlation of the average ranks. A constant map carries no ranking: its
    correlation is defined as 0 here (never NaN).
    """
    ra = _ranks(a.reshape(a.shape[0], -1).double())
    rb = _ranks(b.reshape(b.shape[0], -1).double())
    ra = ra - ra.mean(1, keepdim=True)
    rb = rb - rb.mean(1, keepdim=True)
    den = ra.norm(dim=1) * rb.norm(dim=1)
    rho = (ra * rb).sum(1) / den.clamp(min=1e-300)
    return torch.where(den > 0, rho, torch.zeros_like(rho)).float()


def _unit(m: torch.Tensor) -> torch.Tensor:
    flat = m.reshape(m.shape[0], -1)
    lo, hi = flat.min(1).values, flat.max(1).values
    span = (hi - lo).clamp(min=1e-12)
    out = (flat - lo[:, None]) / span[:, None]
    return torch.where((hi > lo)[:, None], out, torch.zeros_like(out)).reshape(m.shape)


def ssim(a: torch.Tensor, b: torch.Tensor, window: int = 11, sigma: float = 1.5) -> torch.Tensor:
    """Mean structural similarity (Wang et al. 2004) of each pair of ``(N,H,W)`` maps, each
    first scaled to [0, 1] (a constant map becomes zeros), Gaussian window; ``(N,)``."""
    x, y = _unit(a.double())[:, None], _unit(b.double())[:, None]
    k = min(window, x.shape[-1], x.shape[-2])
    t = torch.arange(k, dtype=torch.float64, device=x.device) - (k - 1) / 2
    g = torch.exp(-0.5 * (t / sigma) ** 2)
    g = g / g.sum()
    kern = (g[:, None] * g[None, :])[None, None]
    mu_x, mu_y = F.conv2d(x, kern), F.conv2d(y, kern)
    sxx = F.conv2d(x * x, kern) - mu_x**2
    syy = F.conv2d(y * y, kern) - mu_y**2
    sxy = F.conv2d(x * y, kern) - mu_x * mu_y
    c1, c2 = 0.01**2, 0.03**2
    s = ((2 * mu_x * mu_y + c1) * (2 * sxy + c2)) / ((mu_x**2 + mu_y**2 + c1) * (sxx + syy + c2))
    return s.mean(dim=(1, 2, 3)).float()


__all__ = ["spearman", "ssim"]
