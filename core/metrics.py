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


def grid_histogram(points: torch.Tensor, bounds, bins: int) -> torch.Tensor:
    """Counts of 2-D points in a bins x bins grid of equal cells tiling bounds (x0, x1, y0, y1),
    flattened to (bins * bins,). Points outside the bounds count in the nearest edge cell, so a
    generator that throws samples off the view is still measured."""
    x0, x1, y0, y1 = (float(b) for b in bounds)
    points = points.float().cpu()
    ix = ((points[:, 0] - x0) / (x1 - x0) * bins).floor().clamp(0, bins - 1).long()
    iy = ((points[:, 1] - y0) / (y1 - y0) * bins).floor().clamp(0, bins - 1).long()
    return torch.bincount(ix * bins + iy, minlength=bins * bins).double()


def histogram_divergences(real_counts: torch.Tensor, fake_counts: torch.Tensor,
                          eps: float = 1e-4) -> tuple[float, float]:
    """(KL(p_real ‖ p_fake), JS(p_real, p_fake)) in nats between two histograms on the same cells.

    Each histogram is normalised to probabilities and smoothed, p = (p + eps) / (1 + eps·K) over K
    cells, so a real cell that G leaves empty gives a large but finite KL (eps = 0: no smoothing;
    then KL is inf where fake has no mass under real). JS = ½ KL(p ‖ m) + ½ KL(q ‖ m) with m = (p + q)/2
    lies in [0, log 2]: 0 for equal histograms, log 2 for ones with no cell in common; 0 log 0 = 0."""
    def smoothed(counts: torch.Tensor) -> torch.Tensor:
        p = counts.double() / counts.sum()
        return (p + eps) / (1 + eps * len(p))

    p, q = smoothed(real_counts), smoothed(fake_counts)
    m = (p + q) / 2

    def kl(a: torch.Tensor, b: torch.Tensor) -> float:
        terms = torch.where(a > 0, a * (a / b).log(), torch.zeros_like(a))
        return float(terms.sum())

    return kl(p, q), 0.5 * kl(p, m) + 0.5 * kl(q, m)
