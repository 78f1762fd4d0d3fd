"""A plot of metric history columns: the whole run, downsampled, optionally on a log scale.

The x axis ends at the run's planned last step (train.steps) and grows only if the run goes past it;
the y axis leaves single spikes off (gui.panels.view_range) and the run's first steep fall. The key
names the curves above the plot, not in it, so it never covers a curve.

Runs being compared (gui.compare: the session's `compared`) are overlaid in a muted style, the same
colours thin, pale and dotted (each run its own dash pattern), each named in the key."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QVBoxLayout

from gui.i18n import translate
from gui.panels.base import Panel, history_column, rows_at
from gui.panels.view_range import SteadyRange
from gui.style import PLOT_MIN_HEIGHT, curve_pen

# The first START_SHARE of a run's steps (once it has SETTLED_ROWS rows) is left out of the value range: a loss
# falls steeply from its first value, and a range that holds that value flattens the rest of the run. The fall
# then runs off the top of the plot (a log scale, or dragging the view, shows it).
START_SHARE = 0.1
SETTLED_ROWS = 50


# A compared run's curves: its dash pattern (the n-th compared run takes the n-th) and the key's picture of it.
OVERLAY_DASHES = ((Qt.DotLine, "┈┈"), (Qt.DashDotLine, "─·─"), (Qt.DashDotDotLine, "─··"), (Qt.DashLine, "╌╌"))
OVERLAY_ALPHA = 130  # of 255: the compared runs stay behind this run's curves
OVERLAY_KEY_COLOUR = "#777"


def key_html(entries) -> str:
    return "  ".join(f"<span style='color:{colour}'>━</span>&nbsp;{text}" for text, colour in entries)


def curve_key(entries) -> QLabel:
    """A one-line key from (label, colour) pairs, shown beside a plot instead of a legend inside it."""
    label = QLabel(key_html(entries))
    label.setObjectName("curve_key")
    label.setWordWrap(True)
    return label


def overlay_pen(colour: str, index: int):
    muted = QColor(colour)
    muted.setAlpha(OVERLAY_ALPHA)
    return pg.mkPen(muted, width=1.2, style=OVERLAY_DASHES[index % len(OVERLAY_DASHES)][0])


def overlay_key_html(names) -> str:
    """The key's entries of the compared runs: each run's dash pattern and its name."""
    return "  ".join(f"<span style='color:{OVERLAY_KEY_COLOUR}'>{OVERLAY_DASHES[i % len(OVERLAY_DASHES)][1]}"
                     f"</span>&nbsp;{name}" for i, name in enumerate(names))


def compared_column(run, name: str, until: int | None) -> tuple[np.ndarray, np.ndarray] | None:
    """A compared run's (steps, values) of one metric, as its history was at step `until` (the step the
    window shows; its rows then: rows_at)."""
    h = run.history
    if not h or name not in h["names"] or len(h["steps"]) == 0:
        return None
    steps, values = h["steps"], h["values"][:, h["names"].index(name)]
    if until is not None:
        keep = rows_at(steps, until)
        steps, values = steps[keep], values[keep]
    return (steps, values) if len(steps) else None


def planned_steps(session) -> float | None:
    """The run's planned last step (its config's train.steps), when the session knows its config."""
    cfg = getattr(session, "cfg", None)
    steps = getattr(getattr(cfg, "train", None), "steps", None)
    return float(steps) if steps else None


def session_viewing(session) -> int | None:
    """The past step the window shows (its scrubber), None when live."""
    return getattr(session, "viewing", None)


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
        self.plot.setLabel("bottom", translate("Panels", "step"))
        self.plot.getAxis("left").enableAutoSIPrefix(False)
        # Key labels and the y label are class constants marked QT_TRANSLATE_NOOP("Panels", ...)
        self.columns = [(name, translate("Panels", label), colour) for name, label, colour in self.columns]
        self.y_label = translate("Panels", self.y_label) if self.y_label else ""
        if self.y_label:
            self.plot.setLabel("left", self.y_label)
        self.curves = {}
        for name, label, colour in self.columns:
            curve = self.plot.plot(pen=curve_pen(colour), name=label)
            curve.setDownsampling(auto=True, method="peak")
            curve.setClipToView(True)
            self.curves[name] = curve
        self.range = SteadyRange(self.plot.getPlotItem())
        self.log_box = QCheckBox(translate("Panels", "log scale"))
        self.log_box.setChecked(self.log_default)
        self.log_box.toggled.connect(self._set_log)
        self.plot.setLogMode(y=self.log_default)
        self.key = curve_key(self.key_entries())
        # Compared runs' curves: {(run name, metric name): curve}, rebuilt when the set of runs changes.
        self.overlays: dict[tuple[str, str], pg.PlotDataItem] = {}
        self._overlay_runs: tuple[str, ...] = ()
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

    def overlay_columns(self) -> list[tuple[str, str]]:
        """(metric name, colour) of the curves that compared runs show too: those named in the key."""
        keyed = set(self.key_entries())
        return [(name, colour) for name, label, colour in self.columns if (label, colour) in keyed]

    def _sync_overlays(self, runs) -> None:
        """One muted curve per compared run and keyed metric, under this run's curves; the key names the runs."""
        names = tuple(run.name for run in runs)
        if names == self._overlay_runs:
            return
        for curve in self.overlays.values():
            self.plot.removeItem(curve)
        self.overlays.clear()
        for i, name in enumerate(names):
            for metric, colour in self.overlay_columns():
                curve = pg.PlotDataItem(pen=overlay_pen(colour, i), name=f"{metric} of {name}")
                curve.setDownsampling(auto=True, method="peak")
                curve.setClipToView(True)
                curve.setZValue(-1)
                self.plot.addItem(curve)
                self.overlays[(name, metric)] = curve
        self._overlay_runs = names
        own = key_html(self.key_entries())
        self.key.setText(own + ("  " + overlay_key_html(names) if names else ""))

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
        runs = getattr(session, "compared", None) or ()
        self._sync_overlays(runs)
        for run in runs:  # up to the step shown, like this run's history
            for metric, _ in self.overlay_columns():
                curve, col = self.overlays[(run.name, metric)], compared_column(run, metric, session_viewing(session))
                if col is None:
                    curve.setData([], [])
                    continue
                steps, values = col
                if log:
                    values = np.where(values > 0, values, np.nan)
                curve.setData(steps, values, connect="finite")
                first = float(steps[0]) if first is None else min(first, float(steps[0]))
                last = float(steps[-1]) if last is None else max(last, float(steps[-1]))
                if len(steps) >= SETTLED_ROWS:  # its first steep fall is left out of the range, as this run's
                    values = values[steps >= steps[0] + START_SHARE * (steps[-1] - steps[0])]
                values = values[np.isfinite(values)]
                if len(values):
                    shown.append(np.log10(values) if log else values)
        if shown:
            self.range.update(first, last, np.concatenate(shown), planned_steps(session))
