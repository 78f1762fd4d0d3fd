"""The β lesson: the ELBO's two terms trade off. Raising β (the KL term's weight) pushes q(z|x)
towards the prior until latent dimensions collapse (posterior collapse): reconstructions blur and
samples from the prior improve. β = 0 drops the regulariser: reconstructions sharpen while the
prior's samples turn to noise.

As in the vanishing-gradient lesson (gui.panels.gan_lesson), the buttons do not touch the model:
they ask the window (signal `setting_requested`) to set vae.beta in the settings form, which
applies the live setting through the session, so the form and the model always agree."""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QT_TRANSLATE_NOOP, Signal
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from core.models.vae_config import LESSON_RAISED_BETA
from gui.i18n import translate
from gui.panels.base import Panel, sized, wrapping_scroll
from gui.panels.gan_lesson import latest_values, number
from gui.panels.vae_views import COLLAPSED_NATS

RAISED_BETA = LESSON_RAISED_BETA  # the "raise" button's β
LOW_BETA = 0.0  # the "lower" button's β: no regulariser at all
NO_VALUE_YET = QT_TRANSLATE_NOOP("Panels", "after step 1")  # what a live value reads before the first metrics arrive

# The panel's visible strings, marked for translation (translated where shown).
TITLE = QT_TRANSLATE_NOOP("Panels", "Lesson: the two terms trade off (β)")
EXPLANATION = (
    QT_TRANSLATE_NOOP("Panels", "The loss is <b>recon + β·KL</b>: recon = −log p(x|z) pulls q(z|x) towards codes that describe x; "
    "KL(q(z|x) ‖ N(0, I)) pulls every q(z|x) towards the prior. β = 1 is the ELBO. "
    "<b>Raise β</b> and the KL wins: KL per dimension falls until dimensions collapse (q(zⱼ|x) = N(0, 1) for "
    "every x), reconstructions blur and samples from the prior look more like the data. "
    "<b>Lower β to 0</b> and only recon counts: reconstructions sharpen, the codes leave the prior, and "
    "decoder(z) for z ~ N(0, I) turns to noise.")
)
# {nats}, {beta}: filled in where shown (after translation)
FORMULA = QT_TRANSLATE_NOOP("Panels", "KLⱼ = mean over test x of ½(μⱼ² + σⱼ² − 1 − log σⱼ²); a dimension is active "
                                      "when KLⱼ ≥ {nats} nats. KL and recon: the newest training batch, nats per example.")
ROWS = [("beta", QT_TRANSLATE_NOOP("Panels", "β now (vae.beta)")), ("kl", QT_TRANSLATE_NOOP("Panels", "KL term Σⱼ KLⱼ")),
        ("active", QT_TRANSLATE_NOOP("Panels", "active dimensions (KLⱼ ≥ {nats})")),
        ("recon", QT_TRANSLATE_NOOP("Panels", "recon −log p(x|z)"))]
RAISE_TEXT = QT_TRANSLATE_NOOP("Panels", "Raise β to {beta:g}")
LOWER_TEXT = QT_TRANSLATE_NOOP("Panels", "Lower β to {beta:g}")
ELBO_TEXT = QT_TRANSLATE_NOOP("Panels", "β = 1 (the ELBO)")
WAITING_NO_MODEL = QT_TRANSLATE_NOOP("Panels", "No model yet: choose one in Settings and press Reset.")
WAITING_BUILD = QT_TRANSLATE_NOOP("Panels", "Waiting for the engine to build the model; then press Train.")
WAITING_TRAIN = QT_TRANSLATE_NOOP("Panels", "Press Train, then raise β or lower it to 0 while it trains.")
WAITING_METRICS = QT_TRANSLATE_NOOP("Panels", "Training has started: the numbers appear when the first steps' metrics arrive.")
VERDICT_ZERO = (QT_TRANSLATE_NOOP("Panels", "β = 0: no regulariser. Reconstructions sharpen; the codes spread away from N(0, I), so the samples "
                "(decoder(z), z ~ N(0, I)) turn to noise. Press β = 1 or raise β to bring them back."))
VERDICT_HIGH = (QT_TRANSLATE_NOOP("Panels", "β = {beta:g} > 1: the KL term dominates. {collapsed} of {dims} dimensions have collapsed "
                "(grey bars in KL per dimension); reconstructions blur and samples improve as more collapse."))
VERDICT_ELBO = (QT_TRANSLATE_NOOP("Panels", "β = {beta:g}: {active} of {dims} dimensions carry information about x. Raise β to watch them "
                "collapse, or lower it to 0 to drop the regulariser."))


@sized(400, 320)
class BetaTradeoffLesson(Panel):
    title = TITLE
    object_name = "vae_lesson"
    uses = ("history", "snapshot", "run_state")
    formula = FORMULA
    setting_requested = Signal(str, str, object)  # section, field, value: the window sets it in the form

    def __init__(self, latent_dim: int, parent=None):
        super().__init__(parent)
        self.formula = self.formula.format(nats=COLLAPSED_NATS)
        self.latent_dim = latent_dim
        text = QLabel(translate("Panels", EXPLANATION))
        text.setWordWrap(True)
        self.values: dict[str, QLabel] = {}
        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(1)
        for row, (key, label) in enumerate(ROWS):
            value = QLabel("")
            value.setObjectName(f"vae_lesson_{key}")
            value.setStyleSheet("font-weight: bold;")
            name = QLabel(translate("Panels", label).format(nats=COLLAPSED_NATS))
            name.setWordWrap(True)
            grid.addWidget(name, row, 0)
            grid.addWidget(value, row, 1)
            self.values[key] = value
        grid.setColumnStretch(1, 1)
        self.verdict = QLabel("")
        self.verdict.setObjectName("vae_lesson_verdict")
        self.verdict.setWordWrap(True)
        self.raise_button = self._button(translate("Panels", RAISE_TEXT).format(beta=RAISED_BETA), "vae_lesson_raise",
                                         RAISED_BETA)
        self.elbo_button = self._button(translate("Panels", ELBO_TEXT), "vae_lesson_elbo", 1.0)
        self.lower_button = self._button(translate("Panels", LOWER_TEXT).format(beta=LOW_BETA), "vae_lesson_lower", LOW_BETA)
        buttons = QHBoxLayout()
        for button in (self.raise_button, self.elbo_button, self.lower_button):
            buttons.addWidget(button)
        body = QWidget()
        inner = QVBoxLayout(body)
        inner.setContentsMargins(0, 0, 0, 0)
        inner.addWidget(text)
        inner.addLayout(grid)
        inner.addWidget(self.verdict)
        inner.addWidget(self.formula_label())
        inner.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(wrapping_scroll(body), 1)
        layout.addLayout(buttons)  # the buttons stay in view; the text may scroll
        self._requested: float | None = None  # asked for by a button, not yet seen in the model

    def _button(self, text: str, name: str, beta: float) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        button.clicked.connect(lambda: self.set_beta(beta))
        return button

    def _version_of(self, session, name: str):
        if name == "run_state":
            beta = session.model.params.beta if session.model is not None else None
            return session.run_id, session.state, session.device, beta
        return super()._version_of(session, name)

    def set_beta(self, beta: float) -> None:
        self._requested = float(beta)
        self.setting_requested.emit("vae", "beta", float(beta))
        self.force_redraw()

    def render(self, session) -> None:
        beta = float(session.model.params.beta) if session.model is not None else math.nan
        if self._requested is not None and self._requested == beta:
            self._requested = None
        self.values["beta"].setText(number(beta) if self._requested is None
                                    else f"{number(beta)} → {number(self._requested)}…")
        for button, target in ((self.raise_button, RAISED_BETA), (self.elbo_button, 1.0),
                               (self.lower_button, LOW_BETA)):
            button.setEnabled(session.model is not None and beta != target)
        snap = session.snapshot
        kl_per_dim = None if snap is None or "kl_per_dim" not in snap else np.asarray(snap["kl_per_dim"])
        active = None if kl_per_dim is None else int((kl_per_dim >= COLLAPSED_NATS).sum())
        self.values["active"].setText("–" if active is None else translate("Panels", "{} of {}").format(active, len(kl_per_dim)))
        last = latest_values(session.history)
        if last is None:
            self.values["kl"].setText(translate("Panels", NO_VALUE_YET))
            self.values["recon"].setText(translate("Panels", NO_VALUE_YET))
            self.verdict.setText(waiting_text(session))
            return
        self.values["kl"].setText(translate("Panels", "{} nats").format(number(last.get("kl", math.nan))))
        self.values["recon"].setText(translate("Panels", "{} nats").format(number(last.get("recon", math.nan))))
        self.verdict.setText(verdict(beta, active, self.latent_dim))


def waiting_text(session) -> str:
    if session.model is None:
        return translate("Panels", WAITING_NO_MODEL)
    if session.state == "running":
        return translate("Panels", WAITING_METRICS)
    if not session.device:
        return translate("Panels", WAITING_BUILD)
    return translate("Panels", WAITING_TRAIN)


def verdict(beta: float, active: int | None, dims: int) -> str:
    """What β does now, with the number of active dimensions (None before the first snapshot)."""
    if beta == 0:
        return translate("Panels", VERDICT_ZERO)
    active = dims if active is None else active
    if beta > 1:
        return translate("Panels", VERDICT_HIGH).format(beta=beta, collapsed=dims - active, dims=dims)
    return translate("Panels", VERDICT_ELBO).format(beta=beta, active=active, dims=dims)
