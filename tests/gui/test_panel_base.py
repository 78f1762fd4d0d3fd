"""A panel out of sight (a dock behind another tab: "visible" to Qt, but moved off the window) redraws
at most once a second; in sight, whenever its data changes."""

from types import SimpleNamespace

from PySide6.QtWidgets import QWidget

from gui.panels import base
from gui.panels.base import Panel


class CountingPanel(Panel):
    uses = ("history",)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.renders = 0

    def render(self, session) -> None:
        self.renders += 1


def test_a_panel_out_of_sight_redraws_at_most_once_a_second(qtbot, monkeypatch):
    clock = [100.0]
    monkeypatch.setattr(base.time, "perf_counter", lambda: clock[0])
    holder = QWidget()
    qtbot.addWidget(holder)
    holder.resize(300, 200)
    in_sight, out_of_sight = CountingPanel(holder), CountingPanel(holder)
    in_sight.setGeometry(0, 0, 300, 200)
    out_of_sight.setGeometry(1000, 1000, 300, 200)  # where a hidden tab's dock is moved
    holder.show()
    qtbot.waitExposed(holder)
    assert in_sight.on_screen() and out_of_sight.isVisible() and not out_of_sight.on_screen()

    session = SimpleNamespace(history_version=0)
    for version in range(1, 11):  # new data ten times within 0.9 s
        session.history_version = version
        in_sight.refresh(session)
        out_of_sight.refresh(session)
        clock[0] += 0.1
    assert in_sight.renders == 10 and out_of_sight.renders == 1
    clock[0] += 1.0
    assert out_of_sight.refresh(session) and out_of_sight.renders == 2
    out_of_sight.setGeometry(0, 0, 300, 200)  # its tab is chosen: it draws new data at once
    session.history_version += 1
    assert out_of_sight.refresh(session) and out_of_sight.renders == 3
