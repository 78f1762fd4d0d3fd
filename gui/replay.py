"""Draw a saved run's panels as they were at a recorded step, off the window, for `export`.

A frame of the run's timeline (core.timeline) holds the model's weights at one step. Here a view-only
copy of the model loads them and computes its own `snapshot()`, exactly as the window's shadow model
does from streamed weights (gui/shadow.py), and the real panels (gui/panels) draw it. History panels
get the run's metric history up to that step, in the shape of the window's Session.history.

Panels that keep a record over time (e.g. the image GAN's D-histogram columns) collect every frame
in order, as they collect every snapshot in the window: `warm_up` feeds the frames before the first
one drawn, so what they show at step S is built from the frames up to S.
"""

from __future__ import annotations

import sys
from types import SimpleNamespace

import numpy as np
from PySide6.QtCore import QPoint, QSize, Qt
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QApplication, QGridLayout, QLabel, QVBoxLayout, QWidget

from core.build import build_model
from core.config import RunConfig
from core.history import MetricHistory
from core.snapshot import Snapshot
from core.timeline import Frame
from gui.controller import history_until as window_history_until
from gui.panels.base import Panel, keeps_record
from gui.panels.registry import build_panels
from gui.shadow import views_of_frame

MAIN = "main"  # --panel main: the model's main view, whatever its own name
MAIN_SIZE = QSize(720, 720)
MIN_DOCK_SIZE = QSize(480, 320)
WHOLE_SIZE = QSize(1600, 960)


def round16(n: int) -> int:
    """Video encoders want sides that are multiples of 16 (else imageio resizes every frame)."""
    return (int(n) + 15) // 16 * 16


def history_until(history: MetricHistory, step: int) -> dict | None:
    """The window's Session.history as it stood at `step` (gui.controller.history_until); None before the
    first row."""
    steps, values = history.arrays()
    past = window_history_until({"steps": steps, "values": values, "names": history.names, "steps_per_sec": 0.0,
                                 "train_seconds": 0.0, "sent_at": 0.0}, step)
    return past if len(past["steps"]) else None


def drawable(panels) -> list[Panel]:
    """The panels that draw a run's data: not the latent sliders and interpolation paths a person drags
    (nor the panels holding them), whose pictures the window decodes only as they are moved."""
    handles = [w for w in (panels.sliders, panels.interpolation) if w is not None]
    return [p for p in panels.all() if p.uses and not any(w is p or p.isAncestorOf(w) for w in handles)]


def panel_names(panels) -> list[str]:
    return [MAIN] + [p.object_name for p in drawable(panels)]


class UnknownPanel(KeyError):
    def __init__(self, name: str, allowed: list[str]):
        super().__init__(name)
        self.allowed = allowed


class Titled(QWidget):
    """A panel under its title, as its dock shows it in the window."""

    def __init__(self, panel: Panel):
        super().__init__()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        label = QLabel(panel.title)
        label.setStyleSheet("font-weight: bold;")
        layout.addWidget(label)
        layout.addWidget(panel, 1)


class Replay:
    """One run's panels, drawn at any of its recorded frames. `panel`: a name from panel_names(),
    or None for the whole set (the main view on the left, the other panels in a grid beside it)."""

    def __init__(self, cfg: RunConfig, history: MetricHistory, panel: str | None = None, embedded: bool = False):
        """embedded: the canvas goes into a window's layout (gui.compare), sized by it and shown with it;
        else it is a fixed-size picture drawn off-screen (export)."""
        self.model = build_model(cfg.with_overrides({"train.device": "cpu"}), device="cpu", views_only=True)
        self.model.prepare(lambda message: print(f"genviz: {message}", file=sys.stderr))
        self.history = history
        self.panels = build_panels(self.model)
        names = panel_names(self.panels)
        if panel is not None and panel not in names:
            self._delete_panels()
            raise UnknownPanel(panel, names)
        self.shown = self._pick(panel)
        self.embedded = embedded
        self.canvas = self._layout(panel)
        # What panels read of the window's Session; `viewing` is the past step shown (as the window's
        # scrubber sets it): panels that keep a record show it up to that step. At step 0 there are no rows
        # yet: panels that then say what they wait for read state and device, here those of a built model
        # that has not started, as the window was at step 0.
        self.session = SimpleNamespace(model=self.model, snapshot=None, snapshot_version=0, history=None,
                                       history_version=0, viewing=None, state="idle", device="cpu")
        if not embedded:
            self.canvas.setAttribute(Qt.WA_DontShowOnScreen)  # laid out and drawn, never shown (the window exports too)
            self.canvas.show()

    def _pick(self, panel: str | None) -> list[Panel]:
        if panel is None:
            return drawable(self.panels)
        if panel == MAIN:
            return [self.panels.main]
        return [p for p in drawable(self.panels) if p.object_name == panel]

    def _layout(self, panel: str | None) -> QWidget:
        canvas = QWidget()
        canvas.setStyleSheet("background: white;")
        grid = QGridLayout(canvas)
        grid.setContentsMargins(6, 6, 6, 6)
        if panel is not None:
            (only,) = self.shown
            hint = MAIN_SIZE if only is self.panels.main else only.sizeHint().expandedTo(MIN_DOCK_SIZE)
            grid.addWidget(Titled(only), 0, 0)
            size = QSize(round16(hint.width()), round16(hint.height()))
        else:
            others = [p for p in self.shown if p is not self.panels.main]
            rows = max(1, (len(others) + 1) // 2)
            grid.addWidget(Titled(self.panels.main), 0, 0, rows, 1)
            for i, p in enumerate(others):
                grid.addWidget(Titled(p), i // 2, 1 + i % 2)
            grid.setColumnStretch(0, 2)
            grid.setColumnStretch(1, 1)
            grid.setColumnStretch(2, 1)
            size = WHOLE_SIZE
        if not self.embedded:
            canvas.setFixedSize(size)
        return canvas

    @property
    def size(self) -> QSize:
        return self.canvas.size()

    @property
    def needs_warm_up(self) -> bool:
        """Some panel shown keeps a record over time, so frames before the first drawn matter."""
        return any(keeps_record(p) for p in self.shown)

    def snapshot_of(self, frame: Frame) -> Snapshot:
        """The model's own views at this frame: as the shadow model computes them from weights."""
        return views_of_frame(self.model, frame)

    def warm_up(self, frame: Frame) -> None:
        """Hand a frame before the first drawn to the panels that collect (nothing is drawn)."""
        self.panels.collect(self.snapshot_of(frame))

    def draw(self, frame: Frame) -> None:
        """Draw the panels at this frame's step."""
        self.show(self.snapshot_of(frame))

    def show(self, snap: Snapshot) -> None:
        """Draw the panels from a snapshot (and the history up to its step), as the window does."""
        self.panels.collect(snap)
        s = self.session
        s.snapshot, s.history, s.viewing = snap, history_until(self.history, snap.step), snap.step
        s.snapshot_version += 1
        s.history_version += 1
        for panel in self.shown:
            panel.render(s)
        if not self.embedded:  # in a window, its own event loop does this
            QApplication.processEvents()  # layouts and pyqtgraph's deferred range updates

    def image(self) -> QImage:
        return grab_rgb(self.canvas)

    def rgb(self) -> np.ndarray:
        """The canvas as an (H, W, 3) uint8 array."""
        return rgb_array(self.image())

    def paint_svg(self, path: str, title: str) -> None:
        paint_svg(self.canvas, path, title)

    def close(self) -> None:
        self.canvas.close()
        self._delete_panels()
        self.canvas.deleteLater()

    def _delete_panels(self) -> None:
        for panel in self.panels.all():  # those not on the canvas have no parent to delete them
            panel.deleteLater()


def grab_rgb(widget: QWidget) -> QImage:
    """The widget as drawn now, as an RGB picture (no alpha channel)."""
    return widget.grab().toImage().convertToFormat(QImage.Format_RGB888)


def rgb_array(img: QImage) -> np.ndarray:
    """An RGB888 picture as an (H, W, 3) uint8 array of its own: a copy made while `img` is alive (a view
    of its bits outlives nothing; once the QImage is freed such a view reads freed memory)."""
    h, w = img.height(), img.width()
    buf = np.frombuffer(img.constBits(), np.uint8, count=img.bytesPerLine() * h)
    return buf.reshape(h, img.bytesPerLine())[:, : w * 3].reshape(h, w, 3).copy()


def paint_svg(widget: QWidget, path: str, title: str) -> None:
    """The widget as an SVG document: Qt paints it into an SVG generator (plots stay vector paths)."""
    from PySide6.QtSvg import QSvgGenerator

    gen = QSvgGenerator()
    gen.setFileName(path)
    gen.setSize(widget.size())
    gen.setViewBox(widget.rect())
    gen.setTitle(title)
    painter = QPainter(gen)
    try:
        QWidget.render(widget, painter, QPoint())  # Qt's: a panel's own render(session) draws data
    finally:
        painter.end()
