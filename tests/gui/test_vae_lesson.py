"""The β lesson panel in a real VAE window (preset beta-tradeoff): its buttons set vae.beta in the
settings form, which applies the live setting to the window's model and the engine's training model,
and the panel shows β, the KL and recon terms and the active dimensions of the newest step."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget

from gui.panels.gan_lesson import latest_values, number
from gui.panels.vae_lesson import LOW_BETA, RAISED_BETA, BetaTradeoffLesson
from gui.panels.vae_views import COLLAPSED_NATS
from tests.gui.helpers import (
    TIMEOUT_MS,
    close_window,
    live_trainer,
    open_window,
    pause_and_settle,
    press,
    wait_built,
    wait_for_step,
)


@pytest.fixture
def window(qtbot):
    w = open_window(qtbot, "vae", "mnist", "beta-tradeoff", placement="thread")
    lesson = next(p for p in w.panels.all() if type(p) is BetaTradeoffLesson)
    dock = lesson.parentWidget()
    while not isinstance(dock, QDockWidget):
        dock = dock.parentWidget()
    dock.raise_()  # the lesson may share a tabbed dock: bring it to the front
    qtbot.waitUntil(lesson.isVisible, timeout=TIMEOUT_MS)
    yield w, lesson
    close_window(w)


def shown(w, lesson) -> BetaTradeoffLesson:
    w.redraw_all()
    return lesson


def engine_beta(w) -> float:
    return live_trainer(w).model.params.beta


def test_the_buttons_change_beta_live_in_the_form_and_both_models(qtbot, window):
    w, lesson = window
    wait_built(qtbot, w)
    assert w.session.model.params.beta == 1.0
    assert not shown(w, lesson).elbo_button.isEnabled()  # already at the ELBO
    press(qtbot, w, "train")
    wait_for_step(qtbot, w, 2)
    step_before = w.session.history["step"]

    qtbot.mouseClick(lesson.raise_button, Qt.LeftButton)
    assert w.settings_panel.editors[("vae", "beta")].text() == f"{RAISED_BETA:g}"
    assert w.session.model.params.beta == RAISED_BETA
    qtbot.waitUntil(lambda: engine_beta(w) == RAISED_BETA, timeout=TIMEOUT_MS)  # applied between two steps
    qtbot.waitUntil(lambda: shown(w, lesson).values["beta"].text() == number(RAISED_BETA), timeout=TIMEOUT_MS)
    assert not lesson.raise_button.isEnabled() and lesson.lower_button.isEnabled()
    assert lesson.verdict.text().startswith(f"β = {RAISED_BETA:g} > 1")

    qtbot.mouseClick(lesson.lower_button, Qt.LeftButton)
    assert w.settings_panel.editors[("vae", "beta")].text() == f"{LOW_BETA:g}"
    qtbot.waitUntil(lambda: engine_beta(w) == LOW_BETA, timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: shown(w, lesson).values["beta"].text() == number(LOW_BETA), timeout=TIMEOUT_MS)
    assert lesson.verdict.text().startswith("β = 0: no regulariser")
    qtbot.waitUntil(lambda: w.session.history["step"] > step_before, timeout=TIMEOUT_MS)  # training goes on
    assert w.session.state == "running"


def test_the_live_numbers_are_the_newest_step_and_snapshot(qtbot, window):
    w, lesson = window
    press(qtbot, w, "train")
    wait_for_step(qtbot, w, 5)
    pause_and_settle(qtbot, w)  # the engine paused and its last views arrived: nothing changes from here

    def showing() -> bool:
        last = latest_values(w.session.history)
        return last is not None and shown(w, lesson).values["kl"].text() == f"{number(last['kl'])} nats"
    qtbot.waitUntil(showing, timeout=TIMEOUT_MS)
    last = latest_values(w.session.history)
    assert lesson.values["recon"].text() == f"{number(last['recon'])} nats"
    kl = np.asarray(w.session.snapshot["kl_per_dim"])
    assert lesson.values["active"].text() == f"{int((kl >= COLLAPSED_NATS).sum())} of {len(kl)}"
