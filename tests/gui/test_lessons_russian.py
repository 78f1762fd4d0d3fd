"""The three lessons in a Russian window (whose text runs longer than English) clip nothing: in a window
of the lesson's preset on a 1366x768 and a 1920x1080 screen, trained a few steps so every live number is
filled in, no one-line label of the lesson (word wrap off) needs more width than it has or is cut by the
scroll area or the dock it sits in, and no button's text is wider than its button. Checked before and
after the lesson's button is pressed, since its texts change with the run (e.g. "Switch G back to minimax",
"Release f")."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QRect, QSettings, Qt
from PySide6.QtWidgets import QAbstractScrollArea, QDockWidget, QLabel, QPushButton, QWidget

from gui import i18n
from gui.panels.flow_lesson import ChangeOfVariablesLesson
from gui.panels.gan_lesson import VanishingGradientLesson
from gui.panels.vae_lesson import BetaTradeoffLesson
from tests.gui.helpers import TIMEOUT_MS, close_window, live_trainer, open_window, pause_and_settle, press

SCREENS = [(1366, 768), (1920, 1080)]
LESSONS = [  # (model, dataset, preset, small settings so a few steps take seconds, lesson, its button, what it sets)
    ("gan", "ring8", "vanishing-gradient", {"gan.hidden": "32", "data.batch_size": "64"},
     VanishingGradientLesson, "button", ("loss", "non-saturating")),
    ("vae", "mnist", "beta-tradeoff", {"vae.hidden": "64", "data.batch_size": "64", "vae.test_every": "10"},
     BetaTradeoffLesson, "raise_button", ("beta", 10.0)),
    ("realnvp", "moons", "change-of-variables", {"realnvp.couplings": "4", "realnvp.hidden": "32"},
     ChangeOfVariablesLesson, "button", ("weight_decay", 1.0)),
]


def clipped_in(panel: QWidget) -> list[str]:
    """A one-line label whose text needs more width than the label has, or that its scroll area, its panel,
    the dock or the window cuts on the right; a button narrower than its text needs, or cut."""
    found = []
    panel_rect = panel.rect()
    for label in panel.findChildren(QLabel):
        if not label.text() or not label.isVisibleTo(panel) or label.wordWrap():
            continue
        text = label.text()[:50]
        if label.sizeHint().width() > label.width():
            found.append(f"label {text!r} needs {label.sizeHint().width()} px, has {label.width()}")
        right = label.mapTo(panel, QPoint(label.width(), 0)).x()
        if right > panel_rect.right() + 1:
            found.append(f"label {text!r} ends at {right} px, the panel at {panel_rect.right() + 1}")
        scroll = label.parentWidget()
        while scroll is not None and scroll is not panel and not isinstance(scroll, QAbstractScrollArea):
            scroll = scroll.parentWidget()
        if isinstance(scroll, QAbstractScrollArea):
            viewport = scroll.viewport()
            shown = QRect(label.mapTo(viewport, QPoint(0, 0)), label.size())
            if shown.right() > viewport.rect().right():
                found.append(f"label {text!r} cut by its scroll area: ends at {shown.right() + 1} of "
                             f"{viewport.width()} px")
        seen = label.visibleRegion().boundingRect()  # cut by the dock or the window (empty: scrolled out of view)
        if not seen.isEmpty() and seen.width() < label.width():
            found.append(f"label {text!r} cut to {seen.width()} of {label.width()} px")
    for button in panel.findChildren(QPushButton):
        if not button.isVisibleTo(panel):
            continue
        if button.sizeHint().width() > button.width():
            found.append(f"button {button.text()!r} needs {button.sizeHint().width()} px, has {button.width()}")
        seen = button.visibleRegion().boundingRect()
        if seen.width() < button.width():
            found.append(f"button {button.text()!r} cut to {seen.width()} of {button.width()} px")
    return found


def test_the_check_finds_a_cut_label_and_a_cut_button(qtbot):
    from PySide6.QtWidgets import QHBoxLayout

    panel = QWidget()
    qtbot.addWidget(panel)
    row = QHBoxLayout(panel)
    label, button = QLabel("теорема о замене переменных " * 3), QPushButton("Притянуть f к тождественному отображению")
    label.setMinimumWidth(1)
    button.setMinimumWidth(1)
    row.addWidget(label)
    row.addWidget(button)
    label.setMaximumWidth(60)
    button.setMaximumWidth(60)
    panel.show()
    qtbot.waitExposed(panel)
    found = clipped_in(panel)
    assert any(f.startswith("label ") for f in found) and any(f.startswith("button ") for f in found), found
    label.setMaximumWidth(10_000)
    button.setMaximumWidth(10_000)
    panel.resize(2000, 100)
    qtbot.waitUntil(lambda: clipped_in(panel) == [])


def bring_to_front(qtbot, panel) -> None:
    dock = panel.parentWidget()
    while not isinstance(dock, QDockWidget):
        dock = dock.parentWidget()
    dock.raise_()  # the lesson may share a tabbed dock
    qtbot.waitUntil(lambda: panel.isVisible() and not panel.visibleRegion().isEmpty(), timeout=TIMEOUT_MS)


@pytest.fixture
def russian(monkeypatch):
    monkeypatch.setattr(i18n, "chosen_language", lambda: "ru")
    yield
    i18n.install("en")


@pytest.mark.parametrize("size", SCREENS, ids=[f"{w}x{h}" for w, h in SCREENS])
@pytest.mark.parametrize("model, dataset, preset, settings, lesson_type, button_name, setting", LESSONS,
                         ids=[preset for _, _, preset, *_ in LESSONS])
def test_a_russian_lesson_clips_no_label_and_no_button(qtbot, screen_of_size, russian, size, model, dataset, preset,
                                                      settings, lesson_type, button_name, setting):
    from gui.app import make_app

    screen_of_size(*size)
    make_app()
    QSettings().clear()  # the first start on this screen: no size or layout remembered from another test
    w = open_window(qtbot, model, dataset, preset, settings, placement="thread")
    try:
        assert i18n.installed_language() == "ru"
        lesson = next(p for p in w.panels.all() if type(p) is lesson_type)
        bring_to_front(qtbot, lesson)
        press(qtbot, w, "train")
        qtbot.waitUntil(lambda: w.session.history is not None and w.session.history["step"] >= 5
                        and w.session.snapshot is not None and w.session.snapshot["step"] > 0, timeout=TIMEOUT_MS)
        pause_and_settle(qtbot, w)

        def settled() -> list[str]:
            w.redraw_all()
            found = clipped_in(lesson)
            screen = w.screen().availableGeometry()
            if not screen.contains(w.frameGeometry()):  # the lesson's longer text must not push the window out
                found.append(f"window {w.frameGeometry().getRect()} outside the screen {screen.getRect()}")
            return found
        qtbot.waitUntil(lambda: all(v.text() not in ("", "–") for v in lesson.values.values()), timeout=TIMEOUT_MS)
        assert settled() == []

        name, value = setting
        qtbot.mouseClick(getattr(lesson, button_name), Qt.LeftButton)
        qtbot.waitUntil(lambda: getattr(live_trainer(w).model.params, name) == value, timeout=TIMEOUT_MS)
        paused_at = w.session.history["step"]
        press(qtbot, w, "pause")  # Resume: steps under the new setting, with their numbers and verdict
        qtbot.waitUntil(lambda: w.session.history["step"] >= paused_at + 3, timeout=TIMEOUT_MS)
        pause_and_settle(qtbot, w)
        assert settled() == []
    finally:
        close_window(w)
