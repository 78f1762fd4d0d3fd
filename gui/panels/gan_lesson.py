"""The vanishing-gradient lesson: why the minimax generator stops learning when D wins, the live
numbers that show it, and a button that switches G to the non-saturating loss while training runs.

The button does not touch the model itself: it asks the window (signal `setting_requested`) to
set gan.loss in the settings form, and the form applies a live setting through the session, as
if the person had chosen it there. So the form and the model always agree."""

from __future__ import annotations

import math

from PySide6.QtCore import QT_TRANSLATE_NOOP, Signal
from PySide6.QtWidgets import QGridLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from gui.i18n import translate
from gui.panels.base import Panel, sized, wrapping_scroll

TWO_PAIRS_FROM_WIDTH = 460  # px: from this width the live values sit two pairs a row
D_WINS_BELOW = 0.05  # mean D(G(z)) under this: D rejects nearly every generated sample
SATURATING = ("minimax", "non-saturating")  # losses where D outputs a probability
NO_VALUE_YET = QT_TRANSLATE_NOOP("Panels", "after step 1")  # what a live value reads before the first metrics arrive

EXPLANATION = (
    QT_TRANSLATE_NOOP("Panels", "When D separates real from fake perfectly, D(x) → 1 and D(G(z)) → 0, so <b>L(D, G) → 0</b>. "
    "With D(G(z)) = σ(a), a = D's logit: the <b>minimax</b> G minimises log(1 − σ(a)), whose slope "
    "−σ(a) = −D(G(z)) → 0, so <b>G's gradient vanishes</b> just when G is worst. The <b>non-saturating</b> "
    "G minimises −log σ(a): slope −(1 − σ(a)) → −1, still strong.")
)


@sized(380, 320)
class VanishingGradientLesson(Panel):
    title = QT_TRANSLATE_NOOP("Panels", "Lesson: the vanishing gradient")
    object_name = "gan_lesson"
    uses = ("history", "run_state")
    formula = (QT_TRANSLATE_NOOP("Panels", "L(D, G) = −mean log D(x) − mean log(1 − D(G(z))).  |∂ℓ_G/∂a| = D(G(z)) (minimax) or "
               "1 − D(G(z)) (non-saturating). Values: the newest training step."))
    setting_requested = Signal(str, str, object)  # section, field, value: the window sets it in the form

    def __init__(self, parent=None):
        super().__init__(parent)
        text = QLabel(translate("Panels", EXPLANATION))
        text.setWordWrap(True)
        self.values: dict[str, QLabel] = {}
        self._cells: list[tuple[QLabel, QLabel]] = []  # (name, value), laid out by _arrange
        self.grid = QGridLayout()
        self.grid.setHorizontalSpacing(12)
        self.grid.setVerticalSpacing(1)
        rows = [("d_fake", translate("Panels", "mean D(G(z))")), ("loss_d", "L_D = L(D, G)"), ("grad_norm_g", "‖∇θ_G L_G‖"),
                ("slopes", translate("Panels", "|∂ℓ_G/∂a| minimax / non-sat.")), ("loss", translate("Panels", "gan.loss now"))]
        for key, label in rows:
            value = QLabel("")
            value.setObjectName(f"lesson_{key}")
            value.setStyleSheet("font-weight: bold;")
            self._cells.append((QLabel(label), value))
            self.values[key] = value
        self._pairs_per_row = 0
        self._arrange(1)
        self.verdict = QLabel("")
        self.verdict.setObjectName("lesson_verdict")
        self.verdict.setWordWrap(True)
        self.button = QPushButton(translate("Panels", "Switch G to non-saturating"))
        self.button.setObjectName("lesson_switch")
        self.button.clicked.connect(self.switch_loss)
        body = QWidget()
        inner = QVBoxLayout(body)
        inner.setContentsMargins(0, 0, 0, 0)
        inner.addWidget(text)
        inner.addLayout(self.grid)
        inner.addWidget(self.formula_label())
        inner.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(wrapping_scroll(body), 1)
        layout.addWidget(self.verdict)  # the verdict and the button stay in view; the rest may scroll
        layout.addWidget(self.button)
        self._loss: str | None = None  # the model's gan.loss when last drawn
        self._requested: str | None = None  # asked for by the button, not yet seen in the model
        # G has used the minimax loss in this run, so the button may say "back". Each run (Reset, Load)
        # gets new panels, so this starts False with it.
        self._was_minimax = False

    def _arrange(self, pairs_per_row: int) -> None:
        """The live values as (name, value) pairs, one or two pairs a row: two when the panel is
        wide (a right dock), so the explanation keeps its room; one when narrow (a bottom dock)."""
        if pairs_per_row == self._pairs_per_row:
            return
        self._pairs_per_row = pairs_per_row
        for i, (name, value) in enumerate(self._cells):
            row, column = divmod(i, pairs_per_row)
            self.grid.addWidget(name, row, 2 * column)  # re-adding moves a widget to its new cell
            self.grid.addWidget(value, row, 2 * column + 1)
        for column in range(4):
            self.grid.setColumnStretch(column, 1 if column % 2 and column < 2 * pairs_per_row else 0)

    def resizeEvent(self, event) -> None:
        self._arrange(2 if event.size().width() >= TWO_PAIRS_FROM_WIDTH else 1)
        super().resizeEvent(event)

    def _version_of(self, session, name: str):
        if name == "run_state":  # what the texts say before any numbers, and which loss G has now
            loss = session.model.params.loss if session.model is not None else None
            return session.run_id, session.state, session.device, loss
        return super()._version_of(session, name)

    def target_loss(self) -> str:
        """What the button switches to: non-saturating, or to minimax from non-saturating."""
        return "minimax" if self._loss == "non-saturating" else "non-saturating"

    def button_text(self) -> str:
        if self.target_loss() == "non-saturating":
            return translate("Panels", "Switch G to non-saturating")
        return translate("Panels", "Switch G back to minimax") if self._was_minimax else translate("Panels", "Switch G to minimax")

    def switch_loss(self) -> None:
        self._requested = self.target_loss()
        self.setting_requested.emit("gan", "loss", self._requested)
        self.force_redraw()  # show "switching…" at the next tick

    def render(self, session) -> None:
        loss = session.model.params.loss if session.model is not None else None
        self._was_minimax = self._was_minimax or loss == "minimax"
        self._loss = loss
        if self._requested == loss:
            self._requested = None
        if self._requested is not None:
            # The training thread applies it between two steps; look again next tick until it has.
            self.values["loss"].setText(f"{loss_name(loss)} → {loss_name(self._requested)}…")
            self._drawn_versions = None
        else:
            self.values["loss"].setText(loss_name(loss))
        self.button.setText(self.button_text())
        probability = loss in SATURATING
        last = latest_values(session.history)
        if last is None:
            for key in ("d_fake", "loss_d", "grad_norm_g", "slopes"):
                self.values[key].setText(translate("Panels", NO_VALUE_YET))
            self.verdict.setText(waiting_text(session))
            self.verdict.setStyleSheet("color: #333;")
            return
        d_fake = last.get("d_fake", math.nan)
        for key in ("d_fake", "loss_d", "grad_norm_g"):
            self.values[key].setText(number(last.get(key, math.nan)))
        self.values["slopes"].setText(f"{number(d_fake)} / {number(1 - d_fake)}" if probability
                                      else translate("Panels", "no slope: D is a critic"))
        self.verdict.setText(verdict(loss, d_fake, self._was_minimax))
        bad = loss == "minimax" and d_fake < D_WINS_BELOW
        self.verdict.setStyleSheet(f"color: {'#d62728' if bad else '#333'};")


def waiting_text(session) -> str:
    """What the panel waits for before the first metrics arrive."""
    if session.model is None:
        return translate("Panels", "No model yet: choose one in Settings and press Reset.")
    if session.state == "paused":
        return translate("Panels", "Paused before the first step's metrics arrived: press Resume or Step to see the numbers.")
    if session.state == "running":
        return translate("Panels", "Training has started: the numbers appear when the first steps' metrics arrive.")
    if not session.device:
        return translate("Panels", "Waiting for the engine to build the model; then press Train.")
    return translate("Panels", "Press Train: D(G(z)), L_D and ‖∇G‖ appear after the first step.")


# gan.loss values as the lesson names them (the settings form keeps the config's own names)
LOSS_NAMES = {"minimax": QT_TRANSLATE_NOOP("Panels", "minimax"),
              "non-saturating": QT_TRANSLATE_NOOP("Panels", "non-saturating")}


def loss_name(loss: str | None) -> str:
    return translate("Panels", LOSS_NAMES[loss]) if loss in LOSS_NAMES else str(loss)


def latest_values(history: dict | None) -> dict[str, float] | None:
    """The newest raw training step's metrics, by name; None before the first step's arrive (the
    history the engine sends on building has no rows, and its "last" is all NaN)."""
    if not history or "last" not in history or not len(history["steps"]):
        return None
    return {name: float(v) for name, v in zip(history["names"], history["last"], strict=True)}


def number(value: float) -> str:
    if not math.isfinite(value):
        return "–"
    return f"{value:.3g}" if abs(value) >= 1e-3 or value == 0 else f"{value:.1e}"


def verdict(loss: str | None, d_fake: float, was_minimax: bool) -> str:
    """What the newest numbers mean for this loss; `was_minimax`: G used minimax earlier in this run."""
    if loss not in SATURATING:
        return translate("Panels", "gan.loss = {}: D outputs a raw critic score, not a probability, so this "
                         "lesson's saturation does not apply. Switch to non-saturating to compare.").format(loss)
    if not math.isfinite(d_fake):
        return translate("Panels", "The newest step has no finite D(G(z)): training diverged.")
    d_wins = d_fake < D_WINS_BELOW
    if loss == "minimax":
        if d_wins:
            return (translate("Panels", "D wins: D(G(z)) ≈ 0, so the minimax G's slope D(G(z)) ≈ 0 and G barely moves. "
                    "Switch G to non-saturating and watch ‖∇G‖ jump and the samples change."))
        return translate("Panels", "D does not win outright yet (D(G(z)) = {}): the minimax G still gets a usable "
                         "gradient. If D(G(z)) falls towards 0, so does G's slope.").format(number(d_fake))
    if was_minimax:
        if d_wins:
            return (translate("Panels", "Switched to non-saturating: D still wins, but G's slope is now 1 − D(G(z)) ≈ 1, so "
                    "‖∇G‖ is back and G moves towards the data; D(G(z)) climbs as it does."))
        return (translate("Panels", "Switched to non-saturating: G learns again. D no longer rejects every sample, and G's "
                "slope 1 − D(G(z)) stays usable."))
    if d_wins:
        return translate("Panels", "D wins, but the non-saturating G still gets a slope of about 1: it keeps learning.")
    return (translate("Panels", "G uses the non-saturating loss, so its slope 1 − D(G(z)) cannot vanish when D wins. "
            "The vanishing-gradient preset starts G on minimax to show the difference."))
