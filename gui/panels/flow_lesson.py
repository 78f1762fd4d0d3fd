"""The change-of-variables lesson for 2-D flows: click a point in the density view (or here) and
see a small square around it, its image under f, the area ratio area(f(square)) / area(square)
and |det ∂f/∂x| = exp(Σ s) from the layers at that point, which agree; and f⁻¹(f(x)) − x, live.

The maths is in core (core.models.realnvp.change_of_variables_at, reconstruction_gap). It runs on
the window's copy of the flow that the sliders decode with (session.decoder, on the GUI thread,
holding the weights of the step on show), never on the shadow model another thread computes with."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QT_TRANSLATE_NOOP, Qt, Signal
from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget

from gui.i18n import translate
from gui.panels.base import Panel, sized, wrapping_scroll
from gui.style import FAKE, PLOT_MIN_HEIGHT, REAL

AGREE_WITHIN = 0.01  # the two sides of the theorem agree within 1% for the lesson's small square

# The panel's visible strings, marked for translation (translated where shown).
TITLE = QT_TRANSLATE_NOOP("Panels", "Lesson: change of variables")
EXPLANATION = (QT_TRANSLATE_NOOP("Panels", "Click a point x in the density view. f maps a small square around x to a small parallelogram "
               "whose area is |det ∂f/∂x| times larger; each coupling's Jacobian is triangular with diagonal "
               "exp(s), so |det ∂f/∂x| = exp(Σ s) (times ActNorm's scales, if any)."))
PLOT_KEY = (f"<span style='color:{REAL}'>━</span>&nbsp;{{square}}  "
            f"<span style='color:{FAKE}'>━</span>&nbsp;{{image}}")
ROWS = [("point", "x"), ("gap", "max |f⁻¹(f(x)) − x|"), ("area_ratio", QT_TRANSLATE_NOOP("Panels", "area ratio")),
        ("exp_log_det", "|det ∂f/∂x|"), ("agreement", QT_TRANSLATE_NOOP("Panels", "ratio / |det| − 1")), ("exp_s", QT_TRANSLATE_NOOP("Panels", "exp(Σ s), couplings"))]
FORMULA = (QT_TRANSLATE_NOOP("Panels", "area by the shoelace formula, ½|Σ (xᵢ yᵢ₊₁ − xᵢ₊₁ yᵢ)|, on f of 256 points of the square's boundary "
           "(half width {h:g}); log-det and Σ s from the layers at x; the gap over the 512 data points of the views."))
WAITING = QT_TRANSLATE_NOOP("Panels", "Waiting for the first snapshot: press Train (or Step).")
AGREE = QT_TRANSLATE_NOOP("Panels", "The two agree within {p:.2%}: the change of variables at work.")
DISAGREE = QT_TRANSLATE_NOOP("Panels", "They differ by {p:.2%}: f bends strongly inside the square here.")


@sized(400, 420)
class ChangeOfVariablesLesson(Panel):
    title = TITLE
    object_name = "flow_lesson"
    uses = ("snapshot",)
    point_chosen = Signal(float, float)  # x clicked here: the density view marks it too

    def __init__(self, parent=None):
        from core.models.realnvp import SQUARE_HALF_WIDTH  # torch loads with the model, not with the window

        self.half_width = SQUARE_HALF_WIDTH
        self.formula = translate("Panels", FORMULA).format(h=SQUARE_HALF_WIDTH)
        super().__init__(parent)
        text = QLabel(translate("Panels", EXPLANATION))
        text.setWordWrap(True)
        self.plot = pg.PlotWidget()
        self.plot.setMinimumHeight(PLOT_MIN_HEIGHT)
        self.plot.setAspectLocked(True)
        self.plot.setMenuEnabled(False)
        self.plot.getAxis("left").enableAutoSIPrefix(False)
        self.plot.getAxis("bottom").enableAutoSIPrefix(False)
        self.square_curve = self.plot.plot(pen=pg.mkPen(REAL, width=2))
        self.image_curve = self.plot.plot(pen=pg.mkPen(FAKE, width=2))
        self.values: dict[str, QLabel] = {}
        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(1)
        for i, (key, label) in enumerate(ROWS):  # two pairs a row: the numbers stay in view in a short dock
            row, column = divmod(i, 2)
            value = QLabel("–")
            value.setObjectName(f"flow_lesson_{key}")
            value.setStyleSheet("font-weight: bold;")
            grid.addWidget(QLabel(translate("Panels", label)), row, 2 * column)
            grid.addWidget(value, row, 2 * column + 1)
            self.values[key] = value
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        self.verdict = QLabel(translate("Panels", WAITING))
        self.verdict.setObjectName("flow_lesson_verdict")
        self.verdict.setWordWrap(True)
        key = QLabel(PLOT_KEY.format(square=translate("Panels", "square − x"),
                                     image=translate("Panels", "f(square) − f(x), same scale")))
        key.setWordWrap(True)
        body = QWidget()
        inner = QVBoxLayout(body)
        inner.setContentsMargins(0, 0, 0, 0)
        inner.addWidget(text)
        inner.addWidget(key)
        inner.addWidget(self.plot, 1)
        inner.addWidget(self.formula_label())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(wrapping_scroll(body), 1)
        layout.addLayout(grid)  # the numbers and the verdict stay in view; the rest may scroll
        layout.addWidget(self.verdict)
        self.point: tuple[float, float] | None = None  # x; the first data point until a click
        self.result: dict | None = None
        self._session = None
        self.plot.scene().sigMouseClicked.connect(self._on_plot_click)

    def _on_plot_click(self, event) -> None:
        """A click in this plot picks x at that offset from the current point (the plot is centred on x)."""
        if self.point is None or event.button() != Qt.LeftButton:
            return
        offset = self.plot.getPlotItem().vb.mapSceneToView(event.scenePos())
        self.choose(self.point[0] + offset.x(), self.point[1] + offset.y())
        self.point_chosen.emit(*self.point)

    def choose(self, x: float, y: float) -> None:
        """Show the lesson at x = (x, y), now (a click: computed at once on the GUI thread, it is small)."""
        self.point = (float(x), float(y))
        if self._session is not None:
            self.compute(self._session)

    def render(self, session) -> None:
        self._session = session
        self.compute(session)

    def compute(self, session) -> None:
        snap, decoder = session.snapshot, session.decoder
        if snap is None or decoder is None or "data" not in snap:
            return
        import torch

        from core.models.realnvp import change_of_variables_at, reconstruction_gap

        flow = decoder.net.flow  # the inverse-flow module's flow: f itself, with the step's weights
        if self.point is None:  # until a click: the first data point, marked in the density view too
            self.point = tuple(float(v) for v in snap["data"][0])
            self.point_chosen.emit(*self.point)
        self.result = change_of_variables_at(flow, self.point, self.half_width)
        gap = reconstruction_gap(flow, torch.from_numpy(np.asarray(snap["data"], np.float32)))
        r = self.result
        self.square_curve.setData(*close(r["square"] - np.asarray(self.point, np.float32)).T)
        centre = r["image"].mean(0)  # f(x) up to O(h²): the image's centroid keeps both shapes centred
        self.image_curve.setData(*close(r["image"] - centre).T)
        both = np.concatenate([r["square"] - np.asarray(self.point, np.float32), r["image"] - centre])
        reach = float(np.abs(both).max()) * 1.1  # both shapes in view, centred, at every new point and step
        self.plot.setRange(xRange=(-reach, reach), yRange=(-reach, reach), padding=0)
        det, exp_s = math.exp(r["log_det"]), math.exp(r["coupling_log_det"])
        agreement = r["area_ratio"] / det - 1
        self.values["point"].setText(f"({self.point[0]:.3f}, {self.point[1]:.3f})")
        self.values["area_ratio"].setText(f"{r['area_ratio']:.4g}")
        self.values["exp_log_det"].setText(f"{det:.4g}")
        self.values["exp_s"].setText(f"{exp_s:.4g}")
        self.values["agreement"].setText(f"{agreement:+.2%}")
        self.values["gap"].setText(f"{gap:.1e}")
        ok = abs(agreement) <= AGREE_WITHIN
        self.verdict.setText(translate("Panels", AGREE if ok else DISAGREE).format(p=abs(agreement)))
        self.verdict.setStyleSheet(f"color: {'#2a8a2a' if ok else '#d62728'};")
        self.gap = gap


def close(points: np.ndarray) -> np.ndarray:
    """The polygon with its first vertex repeated at the end, to draw it closed."""
    return np.concatenate([points, points[:1]])
