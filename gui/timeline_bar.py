"""The scrubber under the panels: drag it to show every panel as the run was at a recorded step, while
training goes on; Live returns to the present.

The slider's positions are the timeline's frames (core.timeline: weights at regular steps, thinned as
the run grows), so every position is a step that can be shown exactly. The window calls sync() a few
times a second to follow the growing timeline; a drag asks the session for that frame's views
(Session.view_step), computed at once on the GUI thread from the frame's weights.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton, QSizePolicy, QSlider, QToolBar

from gui import event_text
from gui.i18n import translate


class TimelineBar(QToolBar):
    def __init__(self, session, parent=None):
        super().__init__(translate("TimelineBar", "Timeline"), parent)
        self.setObjectName("timeline_bar")
        self.setMovable(False)
        self.session = session
        self.slider = QSlider(Qt.Horizontal)
        self.slider.setObjectName("timeline_slider")
        self.slider.setRange(0, 0)
        self.slider.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Fixed)
        self.slider.setToolTip(translate("TimelineBar", "Drag to show every panel as the run was at a recorded step; training goes on"))
        self.slider.valueChanged.connect(self._on_value)
        self.label = QLabel(translate("TimelineBar", "live"))
        self.label.setObjectName("timeline_label")
        self.label.setMinimumWidth(260)
        self.live_button = QPushButton(translate("TimelineBar", "Live"))
        self.live_button.setObjectName("timeline_live")
        self.live_button.setToolTip(translate("TimelineBar", "Back to the present: the newest views and the whole history"))
        self.live_button.clicked.connect(self.go_live)
        self.addWidget(QLabel(" " + translate("TimelineBar", "Timeline") + " "))
        self.addWidget(self.slider)
        self.addWidget(self.label)
        self.addWidget(self.live_button)
        self._steps: list[int] = []
        self._syncing = False
        self.sync()

    def sync(self) -> None:
        """Follow the timeline as it grows (and a new run); the handle stays at the end while live."""
        timeline, s = self.session.timeline, self.session
        self._steps = timeline.steps() if timeline is not None else []
        self._syncing = True
        try:
            self.slider.setRange(0, max(len(self._steps) - 1, 0))
            if s.viewing is None:
                self.slider.setValue(self.slider.maximum())
            elif self._steps:
                self.slider.setValue(min(range(len(self._steps)), key=lambda i: abs(self._steps[i] - s.viewing)))
        finally:
            self._syncing = False
        self.slider.setEnabled(len(self._steps) > 1)
        self.live_button.setEnabled(s.viewing is not None)
        self._show_label()

    def _show_label(self) -> None:
        s, frames = self.session, len(self._steps)
        note = " · " + event_text.shown(s.timeline_note) if s.timeline_note else ""  # kept in English by the session
        if s.viewing is None:
            self.label.setText(translate("TimelineBar", "live · step {:,} · {} recorded steps").format(s.step, frames) + note)
        else:
            self.label.setText(translate("TimelineBar", "showing step {:,} of {:,} · {} recorded steps").format(s.viewing, s.step, frames)
                               + note)

    def _on_value(self, index: int) -> None:
        if self._syncing or not self._steps:
            return
        self.session.view_step(self._steps[min(index, len(self._steps) - 1)])
        self.live_button.setEnabled(self.session.viewing is not None)
        self._show_label()

    def go_live(self) -> None:
        self.session.view_live()
        self.sync()
