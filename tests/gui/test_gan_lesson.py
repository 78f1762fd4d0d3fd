"""The vanishing-gradient lesson panel's texts in a real 2-D GAN window, in each state a run can be in:
before the first metrics, a plain non-saturating run, a run switched to minimax, and the preset
before and after the switch to non-saturating. The button never says "back" to a loss G never had."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget

from gui.panels.gan_lesson import NO_VALUE_YET, VanishingGradientLesson, latest_values, number
from tests.gui.helpers import TIMEOUT_MS, close_window, open_window, press, wait_built, wait_for_step

LIVE_VALUES = ("d_fake", "loss_d", "grad_norm_g", "slopes")


@pytest.fixture
def window(qtbot):
    made = []

    def make(preset: str | None = None, **settings):
        w = open_window(qtbot, "gan", "ring8", preset, settings, placement="thread")
        made.append(w)
        lesson = next(p for p in w.panels.all() if type(p) is VanishingGradientLesson)
        dock = lesson.parentWidget()
        while not isinstance(dock, QDockWidget):
            dock = dock.parentWidget()
        dock.raise_()  # in a plain run the lesson shares a tabbed bottom dock: bring it to the front
        qtbot.waitUntil(lesson.isVisible, timeout=TIMEOUT_MS)
        return w, lesson

    yield make
    for w in made:
        close_window(w)


def shown(w, lesson) -> VanishingGradientLesson:
    w.redraw_all()
    return lesson


def wait_numbers(qtbot, w, lesson) -> None:
    """Until the panel shows the newest step's figures (not the text it shows before any)."""
    def showing() -> bool:
        last = latest_values(w.session.history)
        return last is not None and shown(w, lesson).values["d_fake"].text() == number(last["d_fake"])
    qtbot.waitUntil(showing, timeout=TIMEOUT_MS)


def test_before_the_first_metrics_the_panel_says_what_it_waits_for(qtbot, window):
    w, lesson = window()
    wait_built(qtbot, w)
    shown(w, lesson)
    assert latest_values(w.session.history) is None  # no step yet
    assert lesson.verdict.text().startswith("Press Train")
    assert all(lesson.values[key].text() == NO_VALUE_YET for key in LIVE_VALUES)
    assert "–" not in "".join(label.text() for label in lesson.values.values())
    assert lesson.values["loss"].text() == "non-saturating"


def test_plain_non_saturating_run_offers_minimax_without_saying_back(qtbot, window):
    w, lesson = window()
    assert w.session.model.params.loss == "non-saturating"
    assert shown(w, lesson).button.text() == "Switch G to minimax"
    press(qtbot, w, "train")
    wait_for_step(qtbot, w, 5)
    wait_numbers(qtbot, w, lesson)
    assert lesson.button.text() == "Switch G to minimax"
    assert "back" not in lesson.button.text() and "Switched" not in lesson.verdict.text()
    assert "non-saturating" in lesson.verdict.text()
    assert "–" not in "".join(label.text() for label in lesson.values.values())


def test_a_run_switched_to_minimax_in_the_form_offers_non_saturating_then_back(qtbot, window):
    w, lesson = window()
    w.settings_panel.editors[("gan", "loss")].setCurrentText("minimax")  # a live setting: applied at once
    assert w.session.model.params.loss == "minimax"
    qtbot.waitUntil(lambda: shown(w, lesson).values["loss"].text() == "minimax", timeout=TIMEOUT_MS)
    assert lesson.button.text() == "Switch G to non-saturating"
    press(qtbot, w, "train")
    wait_for_step(qtbot, w, 5)
    wait_numbers(qtbot, w, lesson)
    assert "minimax" in lesson.verdict.text()
    qtbot.mouseClick(lesson.button, Qt.LeftButton)
    qtbot.waitUntil(lambda: shown(w, lesson).values["loss"].text() == "non-saturating", timeout=TIMEOUT_MS)
    assert lesson.button.text() == "Switch G back to minimax"  # now G was minimax in this run


def test_the_preset_before_and_after_the_switch(qtbot, window):
    w, lesson = window("vanishing-gradient")
    assert shown(w, lesson).button.text() == "Switch G to non-saturating"
    press(qtbot, w, "train")
    # The preset's D wins within a few hundred steps; then the verdict says so, in red.
    # One wait for both: the newest step has D winning, and the panel shows that step (a later row
    # could otherwise arrive between two waits, with D's output back above the threshold).
    def d_wins_and_shown() -> bool:
        last = latest_values(w.session.history)
        return (last is not None and last["d_fake"] < 1e-3
                and shown(w, lesson).values["d_fake"].text() == number(last["d_fake"]))
    qtbot.waitUntil(d_wins_and_shown, timeout=TIMEOUT_MS)
    assert lesson.verdict.text().startswith("D wins") and "Switch G to non-saturating" in lesson.verdict.text()
    assert "#d62728" in lesson.verdict.styleSheet()
    qtbot.mouseClick(lesson.button, Qt.LeftButton)
    qtbot.waitUntil(lambda: shown(w, lesson).values["loss"].text() == "non-saturating", timeout=TIMEOUT_MS)
    assert lesson.button.text() == "Switch G back to minimax"
    assert lesson.verdict.text().startswith("Switched to non-saturating")
    assert "#d62728" not in lesson.verdict.styleSheet()


def test_after_reset_the_new_run_was_never_minimax(qtbot, window):
    w, lesson = window("vanishing-gradient")
    shown(w, lesson)
    qtbot.mouseClick(lesson.button, Qt.LeftButton)  # minimax -> non-saturating: "back to minimax" now
    qtbot.waitUntil(lambda: shown(w, lesson).button.text() == "Switch G back to minimax", timeout=TIMEOUT_MS)
    w.on_reset()  # a new run from the form, which now says non-saturating: G was never minimax in it
    fresh = next(p for p in w.panels.all() if type(p) is VanishingGradientLesson)
    fresh.render(w.session)
    assert w.session.model.params.loss == "non-saturating"
    assert fresh.button.text() == "Switch G to minimax"
