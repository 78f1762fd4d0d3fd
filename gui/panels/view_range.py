"""Plot ranges that change seldom.

pyqtgraph's auto-range moves both axes on every data update: the view is then painted twice
(once for the data, once more for the new range) and every tick label is laid out again. A
range that only moves when the data leaves it, or shrinks to a small part of it, keeps one
paint per update and lets the axes reuse their cached text. Training curves mostly stay put,
so the range changes a few times a minute instead of every second.
"""

from __future__ import annotations

import math

import numpy as np

PAD = 0.08  # share of the data's span added on each side when a range is chosen
MIN_FILL = 0.35  # a range is redrawn tighter once the data fills less than this share of it


def nice_ceil(x: float) -> float:
    """The smallest of 1, 2, 5 x 10^k that is at least x (x > 0)."""
    if x <= 0 or not math.isfinite(x):
        return 1.0
    k = math.floor(math.log10(x))
    for m in (1, 2, 5, 10):
        if m * 10**k >= x * (1 - 1e-12):
            return float(m * 10**k)
    return float(10 ** (k + 1))


def step_range(current: tuple[float, float] | None, first: float, last: float) -> tuple[float, float] | None:
    """The x range for a history that grows to the right: [first, a round number past last].

    None when `current` still fits, so the caller leaves the view alone."""
    if current is not None and current[0] == first and last <= current[1]:
        return None
    return float(first), max(nice_ceil(max(last, 1.0) * 1.25), float(first) + 1.0)


def value_range(current: tuple[float, float] | None, values: np.ndarray) -> tuple[float, float] | None:
    """A y range holding all finite `values`, padded; None when `current` is still a good fit."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return None
    lo, hi = float(finite.min()), float(finite.max())
    span = hi - lo
    if current is not None:
        c0, c1 = current
        if c0 <= lo and hi <= c1 and span >= MIN_FILL * (c1 - c0):
            return None
    pad = span * PAD if span > 0 else max(abs(hi) * 0.1, 1e-3)
    return lo - pad, hi + pad


class SteadyRange:
    """Keeps a PlotItem's view range steady, and steps aside while the person pans or zooms.

    Dragging or zooming switches it off; pyqtgraph's "A" (auto-range) button switches it back on.
    """

    def __init__(self, plot_item):
        self.view = plot_item.getViewBox()
        self.view.disableAutoRange()
        self.x: tuple[float, float] | None = None
        self.y: tuple[float, float] | None = None
        self.manual = False
        self.view.sigRangeChangedManually.connect(self._on_manual)

    def _on_manual(self, *_):
        self.manual = True

    def reset(self) -> None:
        self.x = self.y = None

    def update(self, first: float, last: float, values: np.ndarray) -> None:
        if any(self.view.autoRangeEnabled()):  # the "A" button: back to steady ranges
            self.view.disableAutoRange()
            self.manual = False
            self.reset()
        if self.manual:
            return
        new_x = step_range(self.x, first, last)
        new_y = value_range(self.y, values)
        if new_x is None and new_y is None:
            return
        self.x = new_x or self.x
        self.y = new_y or self.y
        kwargs = {"padding": 0, "disableAutoRange": True}
        if self.x is not None:
            kwargs["xRange"] = self.x
        if self.y is not None:
            kwargs["yRange"] = self.y
        self.view.setRange(**kwargs)
