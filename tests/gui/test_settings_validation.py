"""A value typed key by key into the settings form passes through invalid texts ("0.0" on the way to
"0.001"): each shows its error in the form and the status bar, and the error goes once the value is
valid, from both."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from tests.gui.helpers import close_window, open_window, wait_built


@pytest.fixture
def window(qtbot):
    w = open_window(qtbot, "gan", "ring8", placement="thread")
    wait_built(qtbot, w)
    yield w
    close_window(w)


def test_an_error_typed_halfway_leaves_the_status_bar_once_the_value_is_valid(qtbot, window):
    w = window
    bar, panel = w.statusBar(), w.settings_panel
    editor = panel.editors[("gan", "lr_d")]
    editor.selectAll()
    qtbot.keyClicks(editor, "0.0")  # "0", "0.", "0.0": each out of range (lr_d > 0)
    assert "gan.lr_d" in bar.currentMessage() and "gan.lr_d" in panel.message.text()
    assert "border" in editor.styleSheet()
    qtbot.keyClicks(editor, "01")  # "0.001": valid
    assert editor.text() == "0.001"
    assert bar.currentMessage() == "" and panel.message.text() == ""
    assert editor.styleSheet() == ""
    assert w.session.model.params.lr_d == pytest.approx(0.001)  # a live setting: applied as typed


def test_a_valid_value_keeps_another_fields_error_in_view(qtbot, window):
    w = window
    bar, panel = w.statusBar(), w.settings_panel
    hidden = panel.editors[("gan", "hidden")]  # applies on Reset, but is checked as typed
    hidden.selectAll()
    qtbot.keyClicks(hidden, "2")  # below its range
    lr = panel.editors[("gan", "lr_d")]
    lr.selectAll()
    qtbot.keyClicks(lr, "0")
    assert "gan.lr_d" in bar.currentMessage()
    qtbot.keyClicks(lr, ".01")  # lr_d is valid; gan.hidden still is not
    assert "gan.hidden" in bar.currentMessage() and "gan.hidden" in panel.message.text()
    qtbot.keyClick(hidden, Qt.Key_End)
    qtbot.keyClicks(hidden, "4")  # "24": valid
    assert bar.currentMessage() == "" and panel.message.text() == ""
