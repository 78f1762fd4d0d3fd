"""Histograms of D's outputs over time, kept in a fixed-size buffer and drawn as one RGB image.

Each snapshot adds one column: the fraction of real samples (D(x)) and of generated samples
(D(G(z))) in each of BINS bins. The buffer holds the newest `capacity` columns and never grows.
Probabilities use fixed bins over [0, 1]. Raw critic values (WGAN-GP, hinge) have no fixed
range, so their bins span [−R, R]; when more than a few values fall outside, R doubles and
every stored column is re-binned by adding neighbouring bins (so old columns stay comparable).
"""

from __future__ import annotations

import math

import numpy as np

OUTSIDE_LIMIT = 0.02  # re-bin when more than this fraction of a snapshot's values falls outside [−R, R]
FULL_INK_AT = 0.25  # a bin holding this fraction of the samples (or more) is drawn in full colour


def ink(colour: str) -> np.ndarray:
    """How much of each RGB channel a colour removes from white: 1 − rgb/255."""
    rgb = np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)], np.float32) / 255.0
    return 1.0 - rgb


class HistogramHistory:
    def __init__(self, capacity: int = 200, bins: int = 40):
        if bins % 4:
            raise ValueError(f"bins = {bins} must be a multiple of 4 (doubling the range merges bin pairs)")
        self.capacity, self.bins = capacity, bins
        # counts[0] real, counts[1] fake; (kind, time, bin), oldest column first, newest last
        self.counts = np.zeros((2, capacity, bins), np.float32)
        self.steps = np.zeros(capacity, np.int64)
        self.filled = 0  # columns holding data (grows to capacity, then stays)
        self.probability: bool | None = None  # the kind of values stored; a change clears the buffer
        self.low, self.high = 0.0, 1.0
        self._rgb = np.ones((capacity, bins, 3), np.float32)  # reused for every picture
        self._strength = np.zeros((capacity, bins, 1), np.float32)

    def clear(self) -> None:
        self.counts[:] = 0
        self.filled = 0

    def push(self, real: np.ndarray, fake: np.ndarray, probability: bool, step: int = 0,
             replace: bool = False) -> None:
        """Add a column at the right; with replace, overwrite the newest column instead (if any)."""
        real, fake = np.asarray(real, np.float64).ravel(), np.asarray(fake, np.float64).ravel()
        if probability != self.probability:
            self.probability = probability
            self.clear()
            self.low, self.high = (0.0, 1.0) if probability else self._first_range(real, fake)
        if not probability:
            self._widen_for(real, fake)
        if not (replace and self.filled):
            # shift left by one column (a fixed-size copy) and write the newest at the right
            self.counts[:, :-1] = self.counts[:, 1:]
            self.steps[:-1] = self.steps[1:]
            self.filled = min(self.filled + 1, self.capacity)
        for kind, values in enumerate((real, fake)):
            self.counts[kind, -1] = self.fractions(values)
        self.steps[-1] = step

    def fractions(self, values: np.ndarray) -> np.ndarray:
        """The fraction of values in each bin; values outside [low, high] count in the end bins."""
        if len(values) == 0:
            return np.zeros(self.bins, np.float32)
        clipped = np.clip(values, self.low, self.high)
        counts, _ = np.histogram(clipped, self.bins, (self.low, self.high))
        return (counts / len(values)).astype(np.float32)

    @staticmethod
    def _first_range(real: np.ndarray, fake: np.ndarray) -> tuple[float, float]:
        both = np.concatenate([real, fake])
        biggest = float(np.max(np.abs(both[np.isfinite(both)]), initial=1.0))
        r = 2.0 ** math.ceil(math.log2(max(biggest, 1.0)))  # a power of two: doubling keeps bin edges
        return -r, r

    def _widen_for(self, real: np.ndarray, fake: np.ndarray) -> None:
        both = np.concatenate([real, fake])
        both = both[np.isfinite(both)]
        for _ in range(16):  # at most 2^16 times wider per snapshot
            if len(both) == 0 or np.mean((both < self.low) | (both > self.high)) <= OUTSIDE_LIMIT:
                return
            self._double_range()

    def _double_range(self) -> None:
        """[−R, R] → [−2R, 2R]: old bin i lands in new bin bins/4 + i // 2."""
        quarter = self.bins // 4
        merged = self.counts.reshape(2, self.capacity, self.bins // 2, 2).sum(-1)
        self.counts[:] = 0
        self.counts[:, :, quarter:3 * quarter] = merged
        self.low, self.high = 2 * self.low, 2 * self.high

    def latest(self) -> tuple[np.ndarray, np.ndarray] | None:
        """The newest column's (real, fake) fractions per bin."""
        return None if self.filled == 0 else (self.counts[0, -1], self.counts[1, -1])

    def edges(self) -> np.ndarray:
        return np.linspace(self.low, self.high, self.bins + 1)

    def picture(self, real_colour: str, fake_colour: str) -> np.ndarray:
        """(capacity, bins, 3) RGB in [0, 1], x = time, y = D value: each kind inks white paper in
        its own colour, with strength sqrt(min(1, fraction / FULL_INK_AT)) (fixed, so columns
        compare; the root lets sparse bins show); where real and fake overlap the inks add up to a
        dark mix. Written into buffers reused by every call."""
        rgb, strength = self._rgb, self._strength
        rgb[:] = 1.0
        for kind, colour in ((0, real_colour), (1, fake_colour)):
            np.multiply(self.counts[kind, :, :, None], 1.0 / FULL_INK_AT, out=strength)
            np.minimum(strength, 1.0, out=strength)
            np.sqrt(strength, out=strength)
            rgb -= strength * ink(colour)
        np.clip(rgb, 0.0, 1.0, out=rgb)
        return rgb
