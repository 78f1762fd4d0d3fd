"""Sample-quality metrics defined in SPEC.md."""

from __future__ import annotations

import torch


def mode_coverage(samples: torch.Tensor, means: torch.Tensor, std: float) -> tuple[int, float]:
    """(modes, hq_fraction): a sample is high quality within 3 std of its nearest mean; a mode
    counts when it is the nearest mean of at least one high-quality sample."""
    samples = samples.float().cpu()
    dist = torch.cdist(samples, means.float().cpu())
    nearest_dist, nearest = dist.min(1)
    hq = nearest_dist <= 3 * std
    modes = int(torch.unique(nearest[hq]).numel())
    return modes, float(hq.float().mean())


def sliced_wasserstein(a: torch.Tensor, b: torch.Tensor, projections: int = 256, seed: int = 0) -> float:
    """Mean 1-D Wasserstein-1 distance over random directions (same sample counts)."""
    g = torch.Generator().manual_seed(seed)
    a, b = a.float().cpu(), b.float().cpu()
    n = min(len(a), len(b))
    dirs = torch.randn(a.shape[1], projections, generator=g)
    dirs /= dirs.norm(dim=0, keepdim=True)
    pa, _ = (a[:n] @ dirs).sort(0)
    pb, _ = (b[:n] @ dirs).sort(0)
    return float((pa - pb).abs().mean())
