"""Metric history in a bounded buffer that keeps the whole run, downsampled.

Raw per-step rows are averaged into buckets of `stride` steps. When the buffer
fills, neighbouring buckets are merged and the stride doubles, so memory stays
fixed however long the run, and a plot of it always spans step 0 to now.
"""

from __future__ import annotations

import numpy as np


class MetricHistory:
    def __init__(self, names: list[str] | tuple[str, ...], capacity: int = 2048):
        if capacity < 4 or capacity % 2:
            raise ValueError("capacity must be an even number of at least 4")
        self.names = tuple(names)
        self.capacity = capacity
        self.steps = np.zeros(capacity, np.float64)
        self.values = np.zeros((capacity, len(self.names)), np.float64)
        self.count = 0
        self.stride = 1
        # The bucket being filled: sums and the number of raw rows in it.
        self._bucket_sum = np.zeros(len(self.names), np.float64)
        self._bucket_step_sum = 0.0
        self._bucket_n = 0
        self.last = np.full(len(self.names), np.nan)  # the newest raw row, undownsampled

    def extend(self, steps: np.ndarray, values: np.ndarray) -> None:
        """Add raw rows: steps (n,), values (n, len(names))."""
        steps = np.asarray(steps, np.float64).reshape(-1)
        values = np.asarray(values, np.float64).reshape(len(steps), len(self.names))
        if len(steps):
            self.last = values[-1].copy()
        i = 0
        while i < len(steps):
            if self._bucket_n == 0 and self.count == self.capacity:
                self._compact()  # before a bucket starts, so every bucket covers exactly `stride` rows
            take = min(self.stride - self._bucket_n, len(steps) - i)
            self._bucket_sum += values[i : i + take].sum(0)
            self._bucket_step_sum += steps[i : i + take].sum()
            self._bucket_n += take
            i += take
            if self._bucket_n == self.stride:
                self._push(self._bucket_step_sum / self.stride, self._bucket_sum / self.stride)
                self._bucket_sum[:] = 0
                self._bucket_step_sum = 0.0
                self._bucket_n = 0

    def _compact(self) -> None:
        half = self.capacity // 2
        self.steps[:half] = self.steps.reshape(half, 2).mean(1)
        self.values[:half] = self.values.reshape(half, 2, -1).mean(1)
        self.count = half
        self.stride *= 2

    def _push(self, step: float, row: np.ndarray) -> None:
        self.steps[self.count] = step
        self.values[self.count] = row
        self.count += 1

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """Copies of the downsampled (steps, values), safe to hand to another thread."""
        return self.steps[: self.count].copy(), self.values[: self.count].astype(np.float32)

    def column(self, name: str) -> np.ndarray:
        return self.values[: self.count, self.names.index(name)].copy()

    # Checkpointing: plain arrays and numbers, no pickles.
    def state(self) -> dict[str, np.ndarray]:
        return {
            "steps": self.steps[: self.count].copy(),
            "values": self.values[: self.count].copy(),
            "meta": np.array([self.stride, self._bucket_n, self._bucket_step_sum, self.capacity], np.float64),
            "bucket": self._bucket_sum.copy(),
            "last": self.last.copy(),
        }

    @classmethod
    def from_state(cls, names, state: dict[str, np.ndarray]) -> MetricHistory:
        stride, bucket_n, bucket_step_sum, capacity = state["meta"].tolist()
        h = cls(names, int(capacity))
        n = len(state["steps"])
        h.steps[:n] = state["steps"]
        h.values[:n] = state["values"]
        h.count = n
        h.stride, h._bucket_n, h._bucket_step_sum = int(stride), int(bucket_n), bucket_step_sum
        h._bucket_sum[:] = state["bucket"]
        h.last = np.asarray(state["last"], np.float64)
        return h
