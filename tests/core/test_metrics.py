"""mode_coverage as SPEC.md defines it: high quality within 3 std of the nearest mean."""

from __future__ import annotations

import math

import pytest
import torch

from core.datasets2d import ring8_means
from core.metrics import mode_coverage, sliced_wasserstein

STD = 0.02


def test_all_samples_at_the_means():
    means = ring8_means()
    samples = means.repeat(10, 1)
    assert mode_coverage(samples, means, STD) == (8, 1.0)


def test_half_far_away_gives_half_high_quality():
    means = ring8_means()
    near = means.repeat(5, 1)  # 40 samples, every mode
    far = torch.full((40, 2), 10.0)
    modes, hq = mode_coverage(torch.cat([near, far]), means, STD)
    assert modes == 8
    assert hq == pytest.approx(0.5)


def test_samples_near_three_means_cover_three_modes():
    means = ring8_means()
    g = torch.Generator().manual_seed(0)
    idx = torch.tensor([0, 3, 5]).repeat_interleave(100)
    samples = means[idx] + 0.5 * STD * torch.randn(len(idx), 2, generator=g)
    modes, hq = mode_coverage(samples, means, STD)
    assert modes == 3
    assert hq == pytest.approx(1.0)


def test_far_samples_do_not_count_their_nearest_mode():
    # A sample nearest to mode 2 but 5 std away makes no mode count.
    means = ring8_means()
    samples = torch.cat([means[:1], means[2:3] * (1 + 5 * STD / 2)])
    modes, hq = mode_coverage(samples, means, STD)
    assert modes == 1
    assert hq == pytest.approx(0.5)


def test_threshold_is_inclusive_at_three_std():
    # Exactly representable numbers, so "exactly 3 std" is exact in float32.
    means = torch.tensor([[0.0, 0.0], [8.0, 0.0]])
    std = 0.25
    at = torch.tensor([[0.75, 0.0]])  # 3 std
    beyond = torch.tensor([[0.0, 3.01 * std]])
    assert mode_coverage(at, means, std) == (1, 1.0)
    assert mode_coverage(beyond, means, std) == (0, 0.0)


@pytest.mark.parametrize("k", range(8))
def test_threshold_on_ring8(k):
    means = ring8_means()
    angle = 2 * math.pi * k / 8
    direction = torch.tensor([math.cos(angle), math.sin(angle)])
    inside = means[k] + 2.999 * STD * direction
    outside = means[k] + 3.01 * STD * direction
    assert mode_coverage(inside[None], means, STD) == (1, 1.0)
    assert mode_coverage(outside[None], means, STD) == (0, 0.0)


def test_sliced_wasserstein_of_a_shift():
    g = torch.Generator().manual_seed(1)
    a = torch.randn(500, 2, generator=g)
    assert sliced_wasserstein(a, a.clone()) == 0.0
    # Shifting by d moves every projection by d·u; the mean |d·u| over unit u in 2-D is 2|d|/pi.
    shifted = a + torch.tensor([1.0, 0.0])
    assert sliced_wasserstein(a, shifted, projections=1024) == pytest.approx(2 / math.pi, rel=0.05)
