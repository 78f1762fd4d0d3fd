"""The change-of-variables lesson for 2-D flows: click a point in the density view (or here) and
see a small square around it, its image under f, the area ratio area(f(square)) / area(square),
|det ∂f/∂x| from all the layers at that point and exp(Σ s) from the couplings alone, and
f⁻¹(f(x)) − x, live. With the change-of-variables preset (realnvp.norm = none) the couplings are
the only layers, so the area ratio, |det ∂f/∂x| and exp(Σ s) all agree; with ActNorm on, its
scales are part of |det ∂f/∂x| and the lesson says that exp(Σ s) alone is not the ratio.

The button pulls f towards the identity: it sets realnvp.weight_decay (a live setting) to its
highest value, which shrinks the s and t networks' weights, so s → 0 and t → 0. The student sees
the area ratio and exp(Σ s) fall to 1 together at every point while the density view turns into
p_z = N(0, I): p_x(x) = p_z(f(x))·|det ∂f/∂x| with f = identity. Pressed again, it sets the weight
decay back to 0 and f learns the data again. As in the vanishing-gradient lesson
(gui.panels.gan_lesson) the button does not touch the model: it asks the window (signal
`setting_requested`) to set the field in the settings form, which applies the live setting through
the session, so the form and both models agree.

The maths is in core (core.models.realnvp.change_of_variables_at, reconstruction_gap). It runs on
the window's copy of the flow that the sliders decode with (session.decoder, on the GUI thread,
holding the weights of the step on show), never on the shadow model another thread computes with."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QT_TRANSLATE_NOOP, Qt, Signal
from PySide6.QtWidgets import QGridLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from gui.i18n import translate
from gui.panels.base import Panel, sized, wrapping_scroll
from gui.panels.gan_lesson import number
from gui.style import FAKE, PLOT_MIN_HEIGHT, REAL

AGREE_WITHIN = 0.01  # the two sides of the theorem agree within 1% for the lesson's small square
PULL_WEIGHT_DECAY = 1.0  # the button's realnvp.weight_decay (the field's highest): f → identity in ~100 steps

# The panel's visible strings, marked for translation (translated where shown).
TITLE = QT_TRANSLATE_NOOP("Panels", "Lesson: change of variables")
EXPLANATION = (QT_TRANSLATE_NOOP("Panels", "Click a point x in the density view. f maps a small square around x to a small parallelogram "
               "whose area is |det ∂f/∂x| times larger: p_x(x) = p_z(f(x))·|det ∂f/∂x|. Each coupling's Jacobian is "
               "triangular with diagonal exp(s), so the couplings give exp(Σ s); a normalisation layer (ActNorm) "
               "multiplies in its own scales. <b>Pull f to the identity</b>: weight decay shrinks the s and t networks, "
               "so s → 0 and t → 0. Watch the area ratio and exp(Σ s) fall to 1 together at every point and the "
               "density view turn into p_z = N(0, I). Release f and it learns the data again; the two sides of the "
               "change of variables agree all the while."))
PLOT_KEY = (f"<span style='color:{REAL}'>━</span>&nbsp;{{square}}  "
            f"<span style='color:{FAKE}'>━</span>&nbsp;{{image}}")
ROWS = [("point", "x"), ("gap", "max |f⁻¹(f(x)) − x|"), ("area_ratio", QT_TRANSLATE_NOOP("Panels", "area ratio")),
        ("exp_log_det", QT_TRANSLATE_NOOP("Panels", "|det ∂f/∂x|, all layers")),
        ("agreement", QT_TRANSLATE_NOOP("Panels", "ratio / |det| − 1")),
        ("exp_s", QT_TRANSLATE_NOOP("Panels", "exp(Σ s), couplings only")),
        ("weight_decay", QT_TRANSLATE_NOOP("Panels", "weight decay now"))]
FORMULA = (QT_TRANSLATE_NOOP("Panels", "area by the shoelace formula, ½|Σ (xᵢ yᵢ₊₁ − xᵢ₊₁ yᵢ)|, on f of 256 points of the square's boundary "
           "(half width {h:g}); log-det and Σ s from the layers at x; the gap over the 512 data points of the views."))
WAITING = QT_TRANSLATE_NOOP("Panels", "Waiting for the first snapshot: press Train (or Step).")
AGREE = QT_TRANSLATE_NOOP("Panels", "The area ratio and |det ∂f/∂x| agree within {p:.2%}: the change of variables at work.")
DISAGREE = QT_TRANSLATE_NOOP("Panels", "They differ by {p:.2%}: f bends strongly inside the square here.")
# Which quantity the area ratio agrees with: the couplings alone, or they times the normalisations' scales
COUPLINGS_ONLY = QT_TRANSLATE_NOOP("Panels", "No normalisation layers (as in the change-of-variables preset): the couplings are f's "
                                   "only layers, so |det ∂f/∂x| = exp(Σ s) and the area ratio agrees with exp(Σ s) too.")
WITH_NORM = QT_TRANSLATE_NOOP("Panels", "{norm} layers before the couplings: |det ∂f/∂x| = exp(Σ s) × their scales ({factor:.4g} "
                              "here), so the area ratio agrees with |det ∂f/∂x|, not with exp(Σ s) alone. The "
                              "change-of-variables preset turns them off.")
NORM_LAYERS = {"actnorm": "ActNorm", "batchnorm": "FlowBatchNorm"}  # realnvp.norm -> the layers' class names
PULLING = QT_TRANSLATE_NOOP("Panels", "Weight decay {wd:g} pulls s and t towards 0: exp(Σ s) and the area ratio fall to 1 "
                            "together, and the density turns into N(0, I).")
PULL_TEXT = QT_TRANSLATE_NOOP("Panels", "Pull f to the identity (weight decay {wd:g})")
RELEASE_TEXT = QT_TRANSLATE_NOOP("Panels", "Release f (weight decay 0)")


@sized(400, 420)
class ChangeOfVariablesLesson(Panel):
    title = TITLE
    object_name = "flow_lesson"
    uses = ("snapshot", "run_state")
    point_chosen = Signal(float, float)  # x clicked here: the density view marks it too
    setting_requested = Signal(str, str, object)  # section, field, value: the window sets it in the form

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
        self.note = QLabel("")  # which quantity the area ratio agrees with, and what the weight decay does
        self.note.setObjectName("flow_lesson_note")
        self.note.setWordWrap(True)
        self.button = QPushButton(translate("Panels", PULL_TEXT).format(wd=PULL_WEIGHT_DECAY))
        self.button.setObjectName("flow_lesson_pull")
        self.button.clicked.connect(self.toggle_pull)
        key = QLabel(PLOT_KEY.format(square=translate("Panels", "square − x"),
                                     image=translate("Panels", "f(square) − f(x), same scale")))
        key.setWordWrap(True)
        body = QWidget()
        inner = QVBoxLayout(body)
        inner.setContentsMargins(0, 0, 0, 0)
        inner.addWidget(text)
        inner.addWidget(self.note)
        inner.addWidget(key)
        inner.addWidget(self.plot, 1)
        inner.addWidget(self.formula_label())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(wrapping_scroll(body), 1)
        layout.addLayout(grid)  # the numbers, the verdict and the button stay in view; the rest may scroll
        layout.addWidget(self.verdict)
        layout.addWidget(self.button)
        self._weight_decay: float | None = None  # the model's realnvp.weight_decay when last drawn
        self._requested: float | None = None  # asked for by the button, not yet seen in the model
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

    def _version_of(self, session, name: str):
        if name == "run_state":  # the weight decay the button changes, and the layers the note names
            p = session.model.params if session.model is not None else None
            return session.run_id, None if p is None else (p.weight_decay, p.norm)
        return super()._version_of(session, name)

    def target_weight_decay(self) -> float:
        """What the button sets: the pull while there is no weight decay, else back to 0."""
        return PULL_WEIGHT_DECAY if not self._weight_decay else 0.0

    def toggle_pull(self) -> None:
        self._requested = self.target_weight_decay()
        self.setting_requested.emit("realnvp", "weight_decay", self._requested)
        self.force_redraw()

    def render(self, session) -> None:
        self._session = session
        params = session.model.params if session.model is not None else None
        self._weight_decay = None if params is None else float(params.weight_decay)
        if self._requested == self._weight_decay:
            self._requested = None
        if self._requested is not None:  # the form applies it; look again next tick until the model has it
            self._drawn_versions = None
        shown = "–" if self._weight_decay is None else number(self._weight_decay)
        self.values["weight_decay"].setText(shown if self._requested is None else f"{shown} → {number(self._requested)}…")
        self.button.setEnabled(params is not None)
        self.button.setText(translate("Panels", PULL_TEXT).format(wd=PULL_WEIGHT_DECAY) if not self._weight_decay
                            else translate("Panels", RELEASE_TEXT))
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
        norm = session.model.params.norm if session.model is not None else "none"
        note = (translate("Panels", COUPLINGS_ONLY) if norm == "none"
                else translate("Panels", WITH_NORM).format(norm=NORM_LAYERS.get(norm, norm), factor=det / exp_s))
        if self._weight_decay:
            note += " " + translate("Panels", PULLING).format(wd=self._weight_decay)
        self.note.setText(note)
        self.gap = gap


def close(points: np.ndarray) -> np.ndarray:
    """The polygon with its first vertex repeated at the end, to draw it closed."""
    return np.concatenate([points, points[:1]])
