"""The 2-D GAN's live sample quality over time, as GAN Lab shows it: KL(real ‖ fake) and JS between
grid histograms of real and generated points, beside SPEC.md's modes and high-quality fraction on
ring8 and grid25. The model computes them with its views (core.models.gan2d.GAN2D.quality), never
in training; this panel keeps one row per snapshot and plots the run so far."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QT_TRANSLATE_NOOP, Qt
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout

from gui.i18n import translate
from gui.panels.base import Panel, sized
from gui.panels.history_plot import curve_key, planned_steps
from gui.panels.view_range import SteadyRange
from gui.style import EXTRA, FAKE, PLOT_MIN_HEIGHT, PLOT_MIN_WIDTH, REAL, curve_pen

CAPACITY = 4000  # rows kept; when full every other row is dropped, so a long run keeps its whole shape
COLUMNS = ("quality_kl", "quality_js", "quality_modes_fraction", "quality_hq_fraction")

# The panel's visible strings, marked for translation (translated where shown).
TITLE = QT_TRANSLATE_NOOP("Panels", "Sample quality")
KL_LABEL, JS_LABEL = QT_TRANSLATE_NOOP("Panels", "KL(real ‖ fake)"), QT_TRANSLATE_NOOP("Panels", "JS(real, fake)")
MODES_LABEL, HQ_LABEL = QT_TRANSLATE_NOOP("Panels", "modes covered / all modes"), QT_TRANSLATE_NOOP("Panels", "high-quality fraction")
DIVERGENCE_AXIS, FRACTION_AXIS, STEP_AXIS = QT_TRANSLATE_NOOP("Panels", "nats"), QT_TRANSLATE_NOOP("Panels", "fraction"), QT_TRANSLATE_NOOP("Panels", "step")
NO_MODES = QT_TRANSLATE_NOOP("Panels", "modes and high-quality fraction: only on ring8 and grid25 (their modes are known)")
FORMULA = (QT_TRANSLATE_NOOP("Panels", "p, q: histograms of 2,500 real and generated points on a 32 × 32 grid. KL(p ‖ q) = Σ p log(p/q); "
           "JS = ½KL(p ‖ m) + ½KL(q ‖ m), m = (p + q)/2: 0 for equal histograms, log 2 (dashed) for disjoint ones. "
           "High quality: within 3 std of the nearest mode."))


def key_text(entries) -> str:
    """A curve key's text (as gui.panels.history_plot.curve_key writes it), here with the newest values."""
    return "  ".join(f"<span style='color:{colour}'>━</span>&nbsp;{text}" for text, colour in entries)


def divergence_key(row: np.ndarray | None) -> str:
    kl, js = ("–", "–") if row is None else (f"{row[0]:.3g}", f"{row[1]:.3g}")
    return key_text([(f"{translate('Panels', KL_LABEL)} = {kl}", REAL), (f"{translate('Panels', JS_LABEL)} = {js}", FAKE)])


def fraction_key(row: np.ndarray | None, total_modes: int | None) -> str:
    if total_modes is None:
        return translate("Panels", NO_MODES)
    modes, hq = ("–", "–") if row is None else (translate("Panels", "{} of {}").format(round(row[2] * total_modes), total_modes), f"{row[3]:.0%}")
    return key_text([(f"{translate('Panels', MODES_LABEL)}: {modes}", EXTRA[0]), (f"{translate('Panels', HQ_LABEL)}: {hq}", EXTRA[1])])


@sized(560, 260)
class SampleQualityPanel(Panel):
    title = TITLE
    object_name = "gan_quality"
    uses = ("snapshot",)
    formula = FORMULA

    def __init__(self, total_modes: int | None, parent=None):
        """total_modes: the data's known modes (ring8, grid25), or None where modes are not measured."""
        super().__init__(parent)
        self.steps = np.zeros(CAPACITY, np.int64)
        self.rows = np.zeros((CAPACITY, len(COLUMNS)), np.float64)
        self.filled = 0
        self.total_modes = total_modes
        self.divergence = self._plot(DIVERGENCE_AXIS)
        self.fractions = self._plot(FRACTION_AXIS)
        self.fractions.setYRange(0, 1.05, padding=0)
        self.curves = {
            "quality_kl": self.divergence.plot(pen=curve_pen(REAL), name=translate("Panels", KL_LABEL)),
            "quality_js": self.divergence.plot(pen=curve_pen(FAKE), name=translate("Panels", JS_LABEL)),
            "quality_modes_fraction": self.fractions.plot(pen=curve_pen(EXTRA[0]), name=translate("Panels", MODES_LABEL)),
            "quality_hq_fraction": self.fractions.plot(pen=curve_pen(EXTRA[1]), name=translate("Panels", HQ_LABEL)),
        }
        self.divergence.addItem(pg.InfiniteLine(math.log(2), angle=0, pen=pg.mkPen("#999", style=Qt.DashLine)))
        self.range = SteadyRange(self.divergence.getPlotItem())
        self.fraction_range = SteadyRange(self.fractions.getPlotItem())
        self.divergence_key = curve_key([])
        self.divergence_key.setText(divergence_key(None))
        self.fraction_key = curve_key([])
        self.fraction_key.setText(fraction_key(None, total_modes))
        self.fractions.setVisible(total_modes is not None)
        # Side by side, not stacked: two plots one above the other made the bottom dock too tall.
        left, right = QVBoxLayout(), QVBoxLayout()
        left.addWidget(self.divergence_key)
        left.addWidget(self.divergence, 1)
        right.addWidget(self.fraction_key)
        right.addWidget(self.fractions, 1)
        plots = QHBoxLayout()
        plots.addLayout(left, 1)
        plots.addLayout(right, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(plots, 1)
        layout.addWidget(self.formula_label())

    @staticmethod
    def _plot(y_label: str) -> pg.PlotWidget:
        plot = pg.PlotWidget()
        plot.setMinimumSize(PLOT_MIN_WIDTH, PLOT_MIN_HEIGHT)
        plot.setLabel("bottom", translate("Panels", STEP_AXIS))
        plot.setLabel("left", translate("Panels", y_label))
        plot.getAxis("left").enableAutoSIPrefix(False)
        return plot

    def collect(self, snapshot) -> None:
        """One row per snapshot that brings the quality figures (every full one of a 2-D GAN)."""
        if "quality_kl" not in snapshot:
            return
        total = self.total_modes
        modes = float(snapshot["quality_modes"]) / total if total else math.nan
        hq = float(snapshot["quality_hq_fraction"]) if total else math.nan
        row = (float(snapshot["quality_kl"]), float(snapshot["quality_js"]), modes, hq)
        step = int(snapshot["step"])
        if self.filled and step <= self.steps[self.filled - 1]:  # the same step again (or a new run's start)
            self.filled = int(np.searchsorted(self.steps[:self.filled], step))
        if self.filled == CAPACITY:  # keep every other row: the whole run at half the resolution
            half = CAPACITY // 2
            self.steps[:half], self.rows[:half] = self.steps[1::2], self.rows[1::2]
            self.filled = half
        self.steps[self.filled], self.rows[self.filled] = step, row
        self.filled += 1

    def recorded(self, up_to: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(steps, rows) collected so far, or up to a step (the timeline shows a past one)."""
        n = self.filled if up_to is None else int(np.searchsorted(self.steps[:self.filled], up_to, side="right"))
        return self.steps[:n], self.rows[:n]

    def render(self, session) -> None:
        steps, rows = self.recorded(getattr(session, "viewing", None))
        if not len(steps):
            for curve in self.curves.values():
                curve.setData([], [])
            self.divergence_key.setText(divergence_key(None))
            self.fraction_key.setText(fraction_key(None, self.total_modes))
            return
        x = steps.astype(np.float64)
        for i, name in enumerate(COLUMNS):
            self.curves[name].setData(x, rows[:, i], connect="finite")
        planned = planned_steps(session)
        first, last = float(x[0]), float(x[-1])
        self.range.update(first, last, np.r_[rows[:, :2].ravel(), 0.0], planned)
        self.fraction_range.update(first, last, np.array([0.0, 1.05]), planned)
        self.divergence_key.setText(divergence_key(rows[-1]))
        self.fraction_key.setText(fraction_key(rows[-1], self.total_modes))
