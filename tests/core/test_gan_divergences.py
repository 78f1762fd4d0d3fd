"""The 2-D GAN's live quality measures (GAN Lab's KL and JS between real and generated histograms):
the divergences against their definitions on hand-made histograms, the grid histogram against
NumPy's, and the model's figures against the same maths done here independently."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from core.build import build_model
from core.metrics import grid_histogram, histogram_divergences, mode_coverage
from core.models.gan2d import QUALITY_BINS
from core.presets import build_config


def test_identical_histograms_have_no_divergence():
    counts = torch.tensor([3.0, 0.0, 1.0, 6.0])
    kl, js = histogram_divergences(counts, 5 * counts)  # the same distribution from more samples
    assert kl == pytest.approx(0.0, abs=1e-12)
    assert js == pytest.approx(0.0, abs=1e-12)


def test_disjoint_histograms_have_js_log_2_and_infinite_kl_without_smoothing():
    real, fake = torch.tensor([2.0, 3.0, 0.0, 0.0]), torch.tensor([0.0, 0.0, 1.0, 4.0])
    kl, js = histogram_divergences(real, fake, eps=0.0)
    assert js == pytest.approx(math.log(2), rel=1e-12)
    assert kl == math.inf
    kl_smoothed, js_smoothed = histogram_divergences(real, fake)  # the default smoothing: finite KL
    assert math.isfinite(kl_smoothed) and kl_smoothed > 5  # log(p / eps) for each real cell
    assert js_smoothed == pytest.approx(math.log(2), rel=1e-2)


def test_divergences_equal_their_sums_by_hand():
    real, fake = torch.tensor([1.0, 2.0, 1.0]), torch.tensor([4.0, 3.0, 1.0])
    p, q = np.array([0.25, 0.5, 0.25]), np.array([0.5, 0.375, 0.125])
    m = (p + q) / 2
    kl, js = histogram_divergences(real, fake, eps=0.0)
    assert kl == pytest.approx(np.sum(p * np.log(p / q)), rel=1e-12)
    assert js == pytest.approx(0.5 * np.sum(p * np.log(p / m)) + 0.5 * np.sum(q * np.log(q / m)), rel=1e-12)
    reverse, js_reverse = histogram_divergences(fake, real, eps=0.0)
    assert reverse != pytest.approx(kl) and js_reverse == pytest.approx(js)  # KL is not symmetric; JS is


def test_grid_histogram_matches_numpy_and_keeps_outside_points_in_edge_cells():
    g = torch.Generator().manual_seed(0)
    points = torch.rand(1000, 2, generator=g) * 4 - 2
    bounds = (-2.0, 2.0, -2.0, 2.0)
    ours = grid_histogram(points, bounds, 8).reshape(8, 8).numpy()
    theirs, _, _ = np.histogram2d(points[:, 0].numpy(), points[:, 1].numpy(), bins=8, range=[[-2, 2], [-2, 2]])
    np.testing.assert_array_equal(ours, theirs)
    outside = grid_histogram(torch.tensor([[-9.0, 0.1], [9.0, 9.0]]), bounds, 8).reshape(8, 8)
    assert outside[0, 4] == 1 and outside[7, 7] == 1 and outside.sum() == 2


def test_the_models_figures_are_these_measures_of_its_own_samples():
    torch.set_num_threads(1)
    model = build_model(build_config("gan", "ring8", overrides={"train.device": "cpu"}))
    with torch.no_grad():
        quality = model.quality()
        fake = model.G(model.quality_z)
    bounds = model.data.info.bounds
    rng = torch.Generator().manual_seed(model.cfg.train.seed + 104729)  # the model's own fixed draws, redone
    assert torch.equal(torch.randn(len(fake), model.latent_dim, generator=rng), model.quality_z)
    real_points = model.data.batch(len(fake), rng)
    real = grid_histogram(real_points, bounds, QUALITY_BINS)
    kl, js = histogram_divergences(real, grid_histogram(fake, bounds, QUALITY_BINS))
    assert float(quality["quality_kl"]) == pytest.approx(kl, rel=1e-5)
    assert float(quality["quality_js"]) == pytest.approx(js, rel=1e-5)
    modes, hq = mode_coverage(fake, model.data.info.means, model.data.info.std)
    assert int(quality["quality_modes"]) == modes and int(quality["quality_total_modes"]) == 8
    assert float(quality["quality_hq_fraction"]) == pytest.approx(hq)
    assert {"quality_kl", "quality_js"} <= set(model.snapshot())  # the views carry them


def test_moons_has_divergences_but_no_modes():
    model = build_model(build_config("gan", "moons", overrides={"train.device": "cpu"}))
    with torch.no_grad():
        quality = model.quality()
    assert set(quality) == {"quality_kl", "quality_js"}
