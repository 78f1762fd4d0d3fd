"""The panel base class: redraw only when visible and when its data changed."""

from __future__ import annotations

import time

import numpy as np
from PySide6.QtCore import QEvent, QSize, Qt, QTimer
from PySide6.QtWidgets import QCheckBox, QDockWidget, QFrame, QHBoxLayout, QLabel, QScrollArea, QWidget

from gui.i18n import translate

OFF_SCREEN_INTERVAL_S = 1.0  # a panel in a hidden tab redraws at most this often


class CaptionLabel(QLabel):
    """A wrapped caption that keeps the height its lines need at its width. A layout asks a wrapped label
    for one line as its minimum, so in a short dock it gave the caption that and laid it over the plot
    above it (the GAN losses' formula across the "step" axis label); as a minimum, the plot gives way
    (down to its own minimum) or the dock asks for room."""

    _followed_dock = False

    def fit_height(self) -> None:
        # Only where it is seen: Qt lays out a dock in a hidden tab at its narrowest, where the caption would
        # ask for many lines, and the stack (so the window) for that height. Its tab chosen, it fits again.
        need = self.heightForWidth(self.width()) if not self.visibleRegion().isEmpty() else 0
        if need >= 0 and need != self.minimumHeight():
            self.setMinimumHeight(need)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.fit_height()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.fit_height()
        dock = self.parentWidget()
        while dock is not None and not isinstance(dock, QDockWidget):
            dock = dock.parentWidget()
        if dock is not None and not self._followed_dock:  # its tab chosen or left: seen or not, same size
            self._followed_dock = True
            dock.visibilityChanged.connect(self._dock_shown_or_hidden)

    def _dock_shown_or_hidden(self, _shown: bool) -> None:
        QTimer.singleShot(0, self, self.fit_height)  # once the stack has placed it (not after the label is gone)


class Panel(QWidget):
    title = "Panel"
    object_name = "panel"
    formula = ""  # shown under the plot: every panel ties a picture to a formula
    uses = ("history", "snapshot")  # which of the session's data this panel draws
    # The snapshot arrays it draws, if it is a main view the shadow refreshes more often than the rest
    # (see core.snapshot). Empty: it draws from full snapshots only, as most panels do.
    snapshot_keys: tuple[str, ...] = ()

    def __init__(self, parent=None):
        super().__init__(parent)
        # Titles and formulas are class constants marked with QT_TRANSLATE_NOOP("Panels", ...): shown translated
        self.title = translate("Panels", self.title)
        self.formula = translate("Panels", self.formula) if self.formula else ""
        self._drawn_versions = None
        self._drawn_at = float("-inf")
        self.setObjectName(self.object_name)

    def formula_label(self) -> QLabel:
        label = CaptionLabel(self.formula)
        label.setWordWrap(True)
        label.setStyleSheet("color: #444; font-size: 11px;")
        return label

    def refresh(self, session, off_screen_too: bool = False) -> bool:
        """Redraw if visible and the session has new data; True if it drew. Out of sight (a hidden
        tab), at most once a second, unless off_screen_too (pictures and tests draw every panel)."""
        versions = tuple(self._version_of(session, name) for name in self.uses)
        if versions == self._drawn_versions or not self.isVisible():
            return False
        now = time.perf_counter()
        if now - self._drawn_at < OFF_SCREEN_INTERVAL_S and not off_screen_too and not self.on_screen():
            return False
        self._drawn_at = now
        self._drawn_versions = versions
        self.render(session)
        return True

    def on_screen(self) -> bool:
        """Shown and not covered. A dock in a tab stack that is not the current tab is still "visible"
        to Qt (moved out of sight): it draws at most once a second (drawing it at the display rate
        would only cost the CPU that training needs), and at once when its tab is chosen."""
        return self.isVisible() and not self.visibleRegion().isEmpty()

    def _version_of(self, session, name: str):
        if name == "snapshot" and session.snapshot is not None:  # a refresh of other panels' arrays is not new here
            return "serial", session.snapshot.serial_of(self.snapshot_keys)
        return getattr(session, f"{name}_version")

    def has_new(self, snapshot) -> bool:
        """This snapshot brings arrays this panel draws (for collect)."""
        return snapshot.fresh(self.snapshot_keys)

    def collect(self, snapshot) -> None:
        """Take what this panel keeps over time from a snapshot that just arrived. The window
        calls it for every panel on every snapshot, visible or not, drawn this tick or not, so
        a panel's data never depends on how many draw turns it gets; render() only draws what
        was collected. NumPy only, no drawing: it runs once per snapshot for every panel.
        Panels that show just the latest snapshot need nothing here."""

    def force_redraw(self) -> None:
        """Draw at the next refresh, on screen or not."""
        self._drawn_versions = None
        self._drawn_at = float("-inf")

    def render(self, session) -> None:
        raise NotImplementedError


def rows_at(steps, step: int) -> np.ndarray:
    """Which metric rows the window had when the run was at `step`: the row of step s is that step's loss,
    sent once the step is done (with the count at s + 1), so those of the steps before it. The one rule for
    every past view: the scrubbed window, export's replay and compared runs' overlays."""
    return np.asarray(steps) < step


def keeps_record(panel: Panel) -> bool:
    """The panel keeps a record over time (it has a collect of its own), so its past needs every snapshot."""
    return type(panel).collect is not Panel.collect


def sized(width: int, height: int):
    """A class decorator: the panel's preferred size, which sets its dock's first size
    (the window only sizes the first right dock itself)."""

    def decorate(cls):
        cls.sizeHint = lambda self: QSize(width, height)
        return cls

    return decorate


def history_column(session, name: str) -> tuple[np.ndarray, np.ndarray] | None:
    h = session.history
    if not h or name not in h["names"] or len(h["steps"]) == 0:
        return None
    return h["steps"], h["values"][:, h["names"].index(name)]


class WrappingScroll(QScrollArea):
    """A scroll area that never scrolls sideways, so it is never narrower than what its body cannot wrap
    (a row of figures, say) beside its vertical scroll bar: narrower, it would cut the body's right edge."""

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        body = self.widget()
        if body is None:
            return hint
        margins = self.contentsMargins()
        least = (body.minimumSizeHint().width() + self.verticalScrollBar().sizeHint().width()
                 + margins.left() + margins.right())
        return QSize(max(hint.width(), least), hint.height())

    def eventFilter(self, watched, event) -> bool:
        # QScrollArea watches its body. A relayout of the body (new figures in a label) may change its
        # minimum; the dock's layout must then ask again (it would keep the width it had).
        if watched is self.widget() and event.type() == QEvent.LayoutRequest:
            self.updateGeometry()
        return super().eventFilter(watched, event)


def wrapping_scroll(body: QWidget) -> QScrollArea:
    """`body` in a frameless scroll area as wide as the dock: its word-wrapped labels wrap to the width, and a
    short dock scrolls them instead of squeezing them until they overlap."""
    scroll = WrappingScroll()
    scroll.setWidgetResizable(True)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
    scroll.setFrameShape(QFrame.NoFrame)
    scroll.setWidget(body)
    return scroll


def toggle_row(specs, on_toggle) -> tuple[QHBoxLayout, dict[str, QCheckBox]]:
    """A row of show/hide check boxes from (key, label, checked) triples, each calling on_toggle."""
    row, boxes = QHBoxLayout(), {}
    for key, label, on in specs:
        box = QCheckBox(translate("Panels", label))  # labels marked QT_TRANSLATE_NOOP("Panels", ...)
        box.setChecked(on)
        box.toggled.connect(on_toggle)
        row.addWidget(box)
        boxes[key] = box
    row.addStretch(1)
    return row, boxes


def fixed_axes(plot, left_width: int = 40, bottom_height: int = 32) -> None:
    """Fixed axis sizes for an aspect-locked plot. Otherwise tick labels of a new width resize the
    view, which changes its range, which changes the labels again: a layout loop that repainted a
    view ~250 times a second and cost a third of the training throughput."""
    for side in ("left", "bottom"):
        plot.getAxis(side).enableAutoSIPrefix(False)
    plot.getAxis("left").setWidth(left_width)
    plot.getAxis("bottom").setHeight(bottom_height)
