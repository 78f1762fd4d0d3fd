"""A plot of metric history columns: the whole run, downsampled, optionally on a log scale.

The x axis ends at the run's planned last step (train.steps) and grows only if the run goes past it;
the y axis leaves single spikes off (gui.panels.view_range) and the run's first steep fall. The key
names the curves above the plot, not in it, so it never covers a curve."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QVBoxLayout

from gui.panels.base import Panel, history_column
from gui.panels.view_range import SteadyRange
from gui.style import PLOT_MIN_HEIGHT, curve_pen

# The first START_SHARE of a run's steps (once it has SETTLED_ROWS rows) is left out of the value range: a loss
# falls steeply from its first value, and a range that holds that value flattens the rest of the run. The fall
# then runs off the top of the plot (a log scale, or dragging the view, shows it).
START_SHARE = 0.1
SETTLED_ROWS = 50


def curve_key(entries) -> QLabel:
    """A one-line key from (label, colour) pairs, shown beside a plot instead of a legend inside it."""
    label = QLabel("  ".join(f"<span style='color:{colour}'>━</span>&nbsp;{text}" for text, colour in entries))
    label.setObjectName("curve_key")
    label.setWordWrap(True)
    return label


def planned_steps(session) -> float | None:
    """The run's planned last step (its config's train.steps), when the session knows its config."""
    cfg = getattr(session, "cfg", None)
    steps = getattr(getattr(cfg, "train", None), "steps", None)
    return float(steps) if steps else None


class HistoryPlotPanel(Panel):
    """columns: [(metric name, key label, colour)]."""

    uses = ("history",)
    columns: list[tuple[str, str, str]] = []
    log_default = False
    y_label = ""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.plot = pg.PlotWidget()
        self.plot.setMinimumHeight(PLOT_MIN_HEIGHT)
        # No grid: pyqtgraph draws grid lines as part of the axes, the most costly part of a redraw.
        self.plot.setLabel("bottom", "step")
        self.plot.getAxis("left").enableAutoSIPrefix(False)
        if self.y_label:
            self.plot.setLabel("left", self.y_label)
        self.curves = {}
        for name, label, colour in self.columns:
            curve = self.plot.plot(pen=curve_pen(colour), name=label)
            curve.setDownsampling(auto=True, method="peak")
            curve.setClipToView(True)
            self.curves[name] = curve
        self.range = SteadyRange(self.plot.getPlotItem())
        self.log_box = QCheckBox("log scale")
        self.log_box.setChecked(self.log_default)
        self.log_box.toggled.connect(self._set_log)
        self.plot.setLogMode(y=self.log_default)
        self.key = curve_key(self.key_entries())
        row = QHBoxLayout()
        row.addWidget(self.log_box)
        row.addWidget(self.key, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(row)
        layout.addWidget(self.plot, 1)
        if self.formula:
            layout.addWidget(self.formula_label())

    def key_entries(self) -> list[tuple[str, str]]:
        """(label, colour) of each curve, for the key above the plot."""
        return [(label, colour) for _, label, colour in self.columns]

    def _set_log(self, on: bool) -> None:
        self.plot.setLogMode(y=on)
        self.range.reset()
        self.force_redraw()

    def render(self, session) -> None:
        log = self.log_box.isChecked()
        shown = []
        first = last = None
        for name, curve in self.curves.items():
            col = history_column(session, name)
            if col is None:
                curve.setData([], [])
                continue
            steps, values = col
            if log:  # only positive values have a logarithm; gaps mark the others
                values = np.where(values > 0, values, np.nan)
            curve.setData(steps, values, connect="finite")
            first, last = float(steps[0]), float(steps[-1])
            if len(steps) >= SETTLED_ROWS:  # the value range fits the run after its first steep fall
                values = values[steps >= first + START_SHARE * (last - first)]
            shown.append(np.log10(values) if log else values)
        if shown:
            self.range.update(first, last, np.concatenate(shown), planned_steps(session))
