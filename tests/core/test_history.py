"""MetricHistory: bounded, covers the whole run, exact bucket means, and a lossless state()."""

from __future__ import annotations

import numpy as np
import pytest

from core.history import MetricHistory

NAMES = ("a", "b", "c")


def feed(h: MetricHistory, raw: np.ndarray, rng: np.random.Generator, start: int = 0) -> None:
    """Add raw rows in random chunk sizes, as the trainer's flushes do."""
    i = 0
    while i < len(raw):
        n = int(rng.integers(1, 50))
        h.extend(np.arange(start + i, start + min(i + n, len(raw))), raw[i : i + n])
        i += n


def check_buckets(h: MetricHistory, raw: np.ndarray) -> None:
    steps, values = h.arrays()
    s = h.stride
    assert len(steps) == h.count <= h.capacity
    # Every raw row is in exactly one complete bucket or in the open one.
    assert h.count * s + h._bucket_n == len(raw)
    for i in range(h.count):
        covered = raw[i * s : (i + 1) * s]
        np.testing.assert_allclose(values[i], covered.mean(0), rtol=1e-5, atol=1e-6)
        assert steps[i] == pytest.approx(i * s + (s - 1) / 2)
    # The plot spans step 0 to (nearly) now: the first bucket starts at 0, the last ends within a stride.
    assert steps[0] - (s - 1) / 2 == 0
    assert len(raw) - (steps[-1] + (s - 1) / 2 + 1) < s


@pytest.mark.parametrize("total", [1, 7, 8, 100, 1000, 5003])
def test_bounded_spanning_and_exact_means(total):
    rng = np.random.default_rng(total)
    raw = rng.normal(size=(total, len(NAMES))) * [1, 10, 100] + np.arange(total)[:, None] * 0.01
    h = MetricHistory(NAMES, capacity=16)
    feed(h, raw, rng)
    assert h.count <= 16
    if total >= 16:
        assert h.count >= 8  # never drops below half of what it could show
    check_buckets(h, raw)
    np.testing.assert_array_equal(h.last, raw[-1])
    np.testing.assert_allclose(h.column("b"), h.arrays()[1][:, 1], rtol=1e-6)


def test_memory_stays_fixed_over_a_long_run():
    h = MetricHistory(NAMES, capacity=64)
    before = (h.steps.nbytes, h.values.nbytes)
    rng = np.random.default_rng(0)
    for k in range(200):
        h.extend(np.arange(k * 1000, (k + 1) * 1000), rng.normal(size=(1000, 3)))
    assert h.count <= 64 and (h.steps.nbytes, h.values.nbytes) == before
    assert h.stride >= 200_000 // 64


def test_bad_capacity():
    for cap in (2, 7):
        with pytest.raises(ValueError):
            MetricHistory(NAMES, capacity=cap)


@pytest.mark.parametrize("split", [0, 5, 16, 17, 333, 999])
def test_state_round_trip_then_extend_identically(split):
    rng = np.random.default_rng(split)
    raw = rng.normal(size=(1500, 3))
    h = MetricHistory(NAMES, capacity=16)
    feed(h, raw[:split], np.random.default_rng(1))
    state = {k: v.copy() for k, v in h.state().items()}
    assert all(isinstance(v, np.ndarray) for v in state.values())  # plain arrays, checkpointable
    g = MetricHistory.from_state(NAMES, state)
    for a, b in zip(h.arrays(), g.arrays(), strict=True):
        np.testing.assert_array_equal(a, b)
    # Extend both the same way: identical arrays, and still the exact bucket means.
    rest = raw[split:]
    feed(h, rest, np.random.default_rng(2), start=split)
    feed(g, rest, np.random.default_rng(2), start=split)
    for a, b in zip(h.arrays(), g.arrays(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert (h.stride, h.count, h._bucket_n) == (g.stride, g.count, g._bucket_n)
    np.testing.assert_array_equal(h.last, g.last)
    check_buckets(g, raw)
