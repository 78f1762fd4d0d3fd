"""D's output histograms over time: one column per snapshot, a fixed-size buffer, exact re-binning
when raw critic values outgrow their range, and the two-colour picture."""

from __future__ import annotations

import numpy as np
import pytest

from gui.panels.histogram_history import FULL_INK_AT, HistogramHistory, ink


def fractions(values, bins: int, low: float, high: float) -> np.ndarray:
    """The definition: the share of values in each of `bins` equal bins of [low, high], values
    outside counted in the end bins."""
    width = (high - low) / bins
    index = np.clip(np.floor((np.asarray(values, np.float64) - low) / width), 0, bins - 1).astype(int)
    return np.bincount(index, minlength=bins) / len(values)


def test_probability_columns_are_histograms_and_the_buffer_keeps_the_newest():
    rng = np.random.default_rng(0)
    h = HistogramHistory(capacity=5, bins=20)
    pushed = []
    for step in range(8):
        real, fake = rng.beta(5, 2, 256), rng.beta(2, 5, 256)
        h.push(real, fake, probability=True, step=10 * step)
        pushed.append((real, fake))
        assert h.filled == min(step + 1, 5)
    assert (h.low, h.high) == (0.0, 1.0)
    assert list(h.steps) == [30, 40, 50, 60, 70]  # oldest first; the three oldest dropped
    assert h.counts.shape == (2, 5, 20)  # never grows
    for column, (real, fake) in enumerate(pushed[3:]):
        assert np.allclose(h.counts[0, column], fractions(real, 20, 0, 1), atol=1e-7)
        assert np.allclose(h.counts[1, column], fractions(fake, 20, 0, 1), atol=1e-7)
    real_now, fake_now = h.latest()
    assert real_now.sum() == pytest.approx(1.0) and fake_now.sum() == pytest.approx(1.0)


def test_values_outside_the_range_count_in_the_end_bins():
    h = HistogramHistory(capacity=3, bins=4)
    h.push(np.array([-0.5, 0.1, 0.9, 1.5]), np.array([0.3, 0.3, 0.6, 0.6]), probability=True)
    assert np.allclose(h.counts[0, -1], [0.5, 0, 0, 0.5])
    assert np.allclose(h.counts[1, -1], [0, 0.5, 0.5, 0])


def test_critic_values_widen_the_range_and_rebin_old_columns_exactly():
    rng = np.random.default_rng(1)
    h = HistogramHistory(capacity=4, bins=16)
    first_real, first_fake = rng.uniform(-2.5, 2.5, 300), rng.uniform(-1, 0.5, 300)
    h.push(first_real, first_fake, probability=False)
    assert (h.low, h.high) == (-4.0, 4.0)  # the power of two that covers max |value| = 2.5
    far = rng.uniform(5, 14, 300)  # all outside [-4, 4]: the range doubles twice, to [-16, 16]
    h.push(far, -far, probability=False)
    assert (h.low, h.high) == (-16.0, 16.0)
    # The old column, merged bin pairs twice, equals its values binned afresh on the new range.
    assert np.allclose(h.counts[0, -2], fractions(first_real, 16, -16, 16), atol=1e-6)
    assert np.allclose(h.counts[1, -2], fractions(first_fake, 16, -16, 16), atol=1e-6)
    assert np.allclose(h.counts[0, -1], fractions(far, 16, -16, 16), atol=1e-6)
    assert np.allclose(h.counts.sum(-1)[:, -2:], 1.0)


def test_a_change_of_kind_clears_the_buffer():
    h = HistogramHistory(capacity=4, bins=8)
    h.push([0.2], [0.1], probability=True)
    h.push([0.2], [0.1], probability=True)
    h.push([3.0], [-3.0], probability=False)  # e.g. gan.loss switched to wgan-gp while training
    assert h.filled == 1 and h.probability is False
    assert np.all(h.counts[:, :-1] == 0)


def test_bins_must_split_in_four():
    with pytest.raises(ValueError, match="multiple of 4"):
        HistogramHistory(bins=10)


def test_picture_inks_white_paper_in_each_kind_of_colour():
    real_colour, fake_colour = "#4c9be8", "#f28e2b"
    h = HistogramHistory(capacity=3, bins=4)
    h.push([0.1, 0.1, 0.1, 0.9], [0.6, 0.6, 0.6, 0.6], probability=True)
    rgb = h.picture(real_colour, fake_colour)
    assert rgb.shape == (3, 4, 3)
    assert np.all(rgb[:2] == 1.0)  # columns with no data stay white
    assert np.allclose(rgb[2, 0], 1 - ink(real_colour))  # 3/4 of the real samples: full ink
    assert np.allclose(rgb[2, 3], 1 - np.sqrt(0.25 / FULL_INK_AT) * ink(real_colour))
    assert np.allclose(rgb[2, 2], 1 - ink(fake_colour))
    assert np.allclose(rgb[2, 1], 1.0)  # nothing falls in [0.25, 0.5)
    assert rgb is h.picture(real_colour, fake_colour)  # the same buffer every call: no growth


def test_replace_overwrites_the_newest_column_in_place():
    h = HistogramHistory(capacity=3, bins=4)
    h.push([0.1], [0.9], probability=True, step=1, replace=True)  # nothing to replace yet: a new column
    h.push([0.1], [0.9], probability=True, step=2)
    h.push([0.6], [0.3], probability=True, step=2, replace=True)
    assert h.filled == 2 and list(h.steps[-2:]) == [1, 2]
    assert np.allclose(h.counts[0, -1], [0, 0, 1, 0]) and np.allclose(h.counts[1, -1], [0, 1, 0, 0])
    assert np.allclose(h.counts[0, -2], [1, 0, 0, 0])  # the column before is untouched
