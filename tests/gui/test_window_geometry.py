"""The window fits the screen it opens on: a fresh window on a 1366x768 screen, and a window whose remembered
geometry (QSettings "geometry", saved as the window closes) comes from a bigger screen. No engine starts."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QWidget

from tests.gui.helpers import close_window
from tests.gui.test_layout import no_engine, wait_settled  # noqa: F401 (no_engine: autouse)

SMALL = (1366, 768)


def open_on(qtbot, screen_of_size, size, model="gan", dataset="ring8"):
    from gui.app import make_app
    from gui.main_window import MainWindow

    screen_of_size(*size)
    make_app()
    w = MainWindow(model, dataset, None, engine="thread")
    qtbot.addWidget(w)
    w.ask_save_on_close = lambda: "discard"
    w.show()
    qtbot.waitExposed(w)
    wait_settled(qtbot, w)
    return w


def fits(w) -> bool:
    return w.screen().availableGeometry().contains(w.frameGeometry())


@pytest.mark.parametrize("model, dataset", [("gan", "ring8"), ("vae", "mnist")])
def test_a_fresh_window_fits_a_small_screen(qtbot, screen_of_size, model, dataset):
    QSettings().clear()  # nothing remembered: the window's own first size (1500x950) is too big here
    w = open_on(qtbot, screen_of_size, SMALL, model, dataset)
    try:
        assert fits(w), (w.frameGeometry(), w.screen().availableGeometry())
    finally:
        close_window(w)


def test_a_remembered_geometry_larger_than_the_screen_is_clamped_to_it(qtbot, screen_of_size):
    QSettings().clear()
    big = open_on(qtbot, screen_of_size, (2560, 1440))
    big.resize(2400, 1350)
    qtbot.waitUntil(lambda: big.size().toTuple() == (2400, 1350))
    big.close()  # the window remembers its geometry as it closes
    stored = QSettings().value("geometry")
    assert stored is not None
    probe = QWidget()  # what Qt alone makes of the stored geometry: more than the small screen holds
    probe.restoreGeometry(stored)
    assert probe.width() > SMALL[0] or probe.height() > SMALL[1], probe.size()

    w = open_on(qtbot, screen_of_size, SMALL)
    try:
        assert fits(w), (w.frameGeometry(), w.screen().availableGeometry())
    finally:
        close_window(w)
