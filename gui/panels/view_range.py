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
# A y range spans the bulk of the values, from the OUTLIER_PERCENTILE-th to the (100 - it)-th percentile;
# values beyond that by more than OUTLIER_REACH of the bulk's span are outliers, left off the range: one
# loss spike would otherwise stretch the axis and flatten every curve (TensorBoard's "ignore outliers").
OUTLIER_PERCENTILE = 1.0
OUTLIER_REACH = 0.5
STEP_MANTISSAS = (1, 1.2, 1.5, 2, 2.5, 3, 3.5, 4, 5, 6, 7, 8, 9, 10)  # a step axis grows in these steps, not by doubling


def nice_ceil(x: float, mantissas=(1, 2, 5, 10)) -> float:
    """The smallest of m x 10^k (m in `mantissas`, default 1, 2, 5) that is at least x (x > 0)."""
    if x <= 0 or not math.isfinite(x):
        return 1.0
    k = math.floor(math.log10(x))
    for m in mantissas:
        if m * 10**k >= x * (1 - 1e-12):
            return float(m * 10**k)
    return float(10 ** (k + 1))


def step_range(current: tuple[float, float] | None, first: float, last: float,
               planned: float | None = None) -> tuple[float, float] | None:
    """The x range for a history that grows to the right: [first, the run's planned last step], or,
    with no plan or once the run goes past it, [first, a round number a little past last].

    None when `current` still fits, so the caller leaves the view alone."""
    if planned is not None and planned > last:
        end = float(planned)
    elif current is not None and current[0] == first and last <= current[1]:
        return None
    else:
        end = nice_ceil(max(last, 1.0) * 1.1, STEP_MANTISSAS)
    end = max(end, float(first) + 1.0)
    if current is not None and current == (float(first), end):
        return None
    return float(first), end


def robust_bounds(finite: np.ndarray) -> tuple[float, float]:
    """The smallest and largest values that are not outliers (see OUTLIER_PERCENTILE)."""
    lo, hi = float(finite.min()), float(finite.max())
    if finite.size < 20:
        return lo, hi
    sample = finite[:: max(1, finite.size // 4096)]  # percentiles of a long run cost ms; a sample does
    q_lo, q_hi = (float(q) for q in np.percentile(sample, [OUTLIER_PERCENTILE, 100 - OUTLIER_PERCENTILE]))
    reach = OUTLIER_REACH * (q_hi - q_lo)
    inside = finite[(finite >= q_lo - reach) & (finite <= q_hi + reach)]
    return float(inside.min()), float(inside.max())


def value_range(current: tuple[float, float] | None, values: np.ndarray) -> tuple[float, float] | None:
    """A y range holding the finite `values` but their outliers, padded; None when `current` is still a good fit."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return None
    lo, hi = robust_bounds(finite)
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

    def update(self, first: float, last: float, values: np.ndarray, planned: float | None = None) -> None:
        """Fit the view to steps first..last (or first..planned, the run's planned last step) and to `values`."""
        if any(self.view.autoRangeEnabled()):  # the "A" button: back to steady ranges
            self.view.disableAutoRange()
            self.manual = False
            self.reset()
        if self.manual:
            return
        new_x = step_range(self.x, first, last, planned)
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
