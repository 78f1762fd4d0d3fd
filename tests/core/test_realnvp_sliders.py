"""The image flow's slider directions: principal axes of test images' codes, scaled by their spread."""

from __future__ import annotations

import torch

from core.models.realnvp import _principal_axes


def test_axes_are_the_codes_main_directions_scaled_by_their_spread():
    g = torch.Generator().manual_seed(0)
    n, dim = 400, 50
    e1, e2 = torch.zeros(dim), torch.zeros(dim)
    e1[7], e2[20] = -1.0, 1.0  # the largest spread points along -e1: the sign rule must flip it
    codes = 3.0 * torch.randn(n, 1, generator=g) * e1 + 1.0 * torch.randn(n, 1, generator=g) * e2
    codes += 0.01 * torch.randn(n, dim, generator=g) + 5.0  # an offset: the axes are about the codes' mean
    axes = _principal_axes(codes, 3)
    assert axes.shape == (3, dim)
    spread = axes.norm(dim=1)
    assert abs(spread[0] - codes[:, 7].std()) < 0.01 and abs(spread[1] - codes[:, 20].std()) < 0.01
    assert axes[0, 7] > 0 and axes[0].abs().argmax() == 7  # the largest entry is made positive
    assert axes[1, 20] > 0 and axes[1].abs().argmax() == 20
    assert abs(float(axes[0] @ axes[1])) < 1e-3 * float(spread[0] * spread[1])  # orthogonal
    assert spread[2] < 0.02  # only noise is left


def test_missing_directions_are_zero():
    codes = torch.randn(4, 10, generator=torch.Generator().manual_seed(1))
    axes = _principal_axes(codes, 8)  # 4 codes span at most 3 directions about their mean
    assert axes.shape == (8, 10)
    assert (axes[3:].abs() < 1e-5).all() and (axes[:3].norm(dim=1) > 0.1).all()
