"""2-D data sets' parts (mode, moon, ring, arm), which colour the VAE's latent scatter."""

from __future__ import annotations

import math

import pytest
import torch

from core.datasets2d import component_labels, sample_plane

N = 1000


def _uniform(g, lo=0.0, hi=1.0):
    return lo + (hi - lo) * torch.rand(N, 1, generator=g)


def drawn_from_part(name: str, part: int, g: torch.Generator) -> torch.Tensor:
    """N points of one known part, built from each set's definition (the samplers pick parts at random)."""
    noise = torch.randn(N, 2, generator=g)
    if name == "moons":
        t = _uniform(g, 0, math.pi)
        curve = torch.cat([t.cos(), t.sin()], 1) if part == 0 else torch.cat([1 - t.cos(), 0.5 - t.sin()], 1)
        return curve + 0.05 * noise
    if name == "circles":
        t = _uniform(g, 0, 2 * math.pi)
        return 3 * ((1.0 if part == 0 else 0.5) * torch.cat([t.cos(), t.sin()], 1) + 0.08 * noise)
    if name == "spirals":
        r = _uniform(g).sqrt() * 3 * math.pi
        arm = torch.cat([-r.cos() * r + 0.5 * _uniform(g), r.sin() * r + 0.5 * _uniform(g)], 1) / 3
        return (arm if part == 0 else -arm) + 0.1 * noise
    if name == "pinwheel":
        radial = 1 + 0.3 * noise[:, :1]
        angle = part * 2 * math.pi / 5 + 0.25 * radial.exp()
        return 2 * radial * torch.cat([angle.cos(), angle.sin()], 1)
    raise AssertionError(name)


@pytest.mark.parametrize("name, parts", [("moons", 2), ("circles", 2), ("spirals", 2), ("pinwheel", 5)])
def test_each_point_gets_the_part_it_was_drawn_from(name, parts):
    g = torch.Generator().manual_seed(3)
    for part in range(parts):
        labels = component_labels(name, drawn_from_part(name, part, g))
        # noise lets a few points cross where parts meet (the moons' tips, the spirals' centre)
        assert (labels == part).float().mean() >= 0.95, (name, part, torch.bincount(labels, minlength=parts))


def test_mixtures_are_labelled_by_their_nearest_mode():
    x = sample_plane("ring8", 2000, seed=1)
    labels = component_labels("ring8", x)
    assert sorted(torch.unique(labels).tolist()) == list(range(8))
    angles = torch.atan2(x[:, 1], x[:, 0])
    mode_angles = torch.atan2(torch.sin(labels * math.pi / 4), torch.cos(labels * math.pi / 4))
    assert torch.allclose(torch.cos(angles - mode_angles), torch.ones(len(x)), atol=0.05)


@pytest.mark.parametrize("name", ["checkerboard", "swissroll", "csv"])
def test_data_in_one_piece_has_no_labels(name):
    assert component_labels(name, torch.zeros(3, 2)) is None
