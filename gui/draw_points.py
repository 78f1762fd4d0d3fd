"""A dialog where a person draws their own 2-D points with the mouse, for the `csv` data set.

A click adds one point where it lands; a drag sprays points along the stroke, evenly spaced,
each moved by Gaussian noise of the "brush spread". "Use these points" writes them as an
x,y CSV into <user data folder>/drawn/ ($GENVIZ_DATA_DIR overrides the folder) and emits
`points_saved(path)`; the settings panel then selects data.dataset = csv on that file.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QPointF, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QVBoxLayout,
)

from gui.i18n import translate
from gui.style import REAL

LIMIT = 4.0  # points live in the square [-LIMIT, LIMIT]^2
MIN_POINTS = 20  # fewer than this is too little to learn a distribution from
MAX_POINTS = 20000  # keeps the drawing responsive and the CSV small
SPACING = 0.05  # data units of stroke between two sprayed points
DATA_DIR_ENV = "GENVIZ_DATA_DIR"


def drawn_folder() -> Path:
    """Where drawn point sets are kept: <$GENVIZ_DATA_DIR or the user data folder>/drawn."""
    root = os.environ.get(DATA_DIR_ENV)
    if not root:
        import platformdirs

        root = platformdirs.user_data_dir("genviz")
    return Path(root) / "drawn"


def save_points_csv(points: np.ndarray, folder: Path) -> Path:
    """Write (N, 2) points as an x,y CSV with a timestamped name that does not overwrite any file."""
    pts = np.asarray(points, np.float32).reshape(-1, 2)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    # %.9g keeps every float32 exactly, so the reader gets back the very points drawn.
    text = "x,y\n" + "".join(f"{x:.9g},{y:.9g}\n" for x, y in pts.tolist())
    for n in range(1, 1000):
        path = folder / (f"drawn-{stamp}.csv" if n == 1 else f"drawn-{stamp}-{n}.csv")
        try:
            with path.open("x", encoding="utf-8") as f:  # "x": never overwrite an earlier drawing
                f.write(text)
            return path
        except FileExistsError:
            continue
    raise OSError(f"no free file name for drawn points in {folder}")


class Strokes:
    """The drawn points, kept per stroke so the last stroke can be undone."""

    def __init__(self, rng: np.random.Generator | None = None):
        self.rng = rng or np.random.default_rng()
        self.strokes: list[list[np.ndarray]] = []
        self._last: np.ndarray | None = None  # the pointer's previous position in the stroke
        self._to_next = SPACING  # stroke length still to travel before the next sprayed point

    def __len__(self) -> int:
        return sum(len(s) for s in self.strokes)

    def points(self) -> np.ndarray:
        if not self.strokes:
            return np.zeros((0, 2))
        return np.array([p for s in self.strokes for p in s]).reshape(-1, 2)

    @staticmethod
    def inside(xy: np.ndarray) -> bool:
        return bool(np.all(np.abs(xy) <= LIMIT))

    def begin(self, xy) -> bool:
        """Start a stroke with one point exactly at xy; False (and nothing added) outside the square."""
        xy = np.asarray(xy, float)
        if not self.inside(xy) or len(self) >= MAX_POINTS:
            self._last = None
            return False
        self.strokes.append([xy])
        self._last, self._to_next = xy, SPACING
        return True

    def extend(self, xy, spread: float) -> int:
        """Spray points every SPACING along the segment from the last position to xy, each with
        N(0, spread^2) noise per coordinate; points that fall outside the square are dropped.
        Returns how many were added."""
        if self._last is None:
            return 0
        a, b = self._last, np.asarray(xy, float)
        length = float(np.hypot(*(b - a)))
        added = 0
        s = self._to_next
        while s <= length and len(self) < MAX_POINTS:
            p = a + (b - a) * (s / length) + spread * self.rng.standard_normal(2)
            if self.inside(p):
                self.strokes[-1].append(p)
                added += 1
            s += SPACING
        self._to_next = s - length
        self._last = b
        return added

    def end(self) -> None:
        self._last = None

    def undo(self) -> None:
        self.end()
        if self.strokes:
            self.strokes.pop()

    def clear(self) -> None:
        self.end()
        self.strokes.clear()


class DrawPointsDialog(QDialog):
    points_saved = Signal(str)  # the CSV's path, after "Use these points"

    def __init__(self, parent=None, rng: np.random.Generator | None = None):
        super().__init__(parent)
        self.setObjectName("draw_points_dialog")
        self.setWindowTitle(translate("DrawPoints", "Draw your own 2-D points"))
        self.strokes = Strokes(rng)
        self.saved_path: str | None = None

        self.plot = pg.PlotWidget()
        self.plot.setObjectName("draw_plot")
        self.plot.setMinimumSize(480, 480)
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        self.view_box = self.plot.getViewBox()
        self.view_box.setMouseEnabled(False, False)
        self.view_box.setAspectLocked(True)
        self.view_box.setRange(xRange=(-LIMIT, LIMIT), yRange=(-LIMIT, LIMIT), padding=0.02)
        square = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1], [-1, -1]], float) * LIMIT
        self.plot.addItem(pg.PlotCurveItem(square[:, 0], square[:, 1],
                                           pen=pg.mkPen(150, 150, 150, width=1, style=Qt.DashLine)))
        self.scatter = pg.ScatterPlotItem(size=6, pen=None, brush=pg.mkBrush(REAL))
        self.plot.addItem(self.scatter)
        # The mouse draws instead of panning: presses, moves and releases on the plot's
        # viewport are taken here before pyqtgraph's scene sees them.
        self.plot.viewport().installEventFilter(self)

        self.spread_slider = QSlider(Qt.Horizontal)
        self.spread_slider.setObjectName("brush_spread")
        self.spread_slider.setRange(0, 100)  # hundredths of a data unit
        self.spread_slider.setValue(15)
        self.spread_label = QLabel()
        self.spread_slider.valueChanged.connect(self._show_spread)
        self.spread_slider.setToolTip(translate("DrawPoints", "Standard deviation of the noise added to each point sprayed along a stroke"))

        self.count_label = QLabel()
        self.count_label.setObjectName("point_count")
        self.message = QLabel("")
        self.message.setObjectName("draw_message")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #d62728;")

        self.undo_button = QPushButton(translate("DrawPoints", "Undo stroke"))
        self.undo_button.setToolTip(translate("DrawPoints", "Remove the last click or stroke (Ctrl+Z)"))
        self.undo_button.clicked.connect(self.undo)
        QShortcut(QKeySequence.Undo, self).activated.connect(self.undo)
        self.clear_button = QPushButton(translate("DrawPoints", "Clear"))
        self.clear_button.clicked.connect(self.clear)
        self.cancel_button = QPushButton(translate("DrawPoints", "Cancel"))
        self.cancel_button.clicked.connect(self.reject)
        self.use_button = QPushButton(translate("DrawPoints", "Use these points"))
        self.use_button.setObjectName("use_points")
        self.use_button.clicked.connect(self.use_points)
        self.use_button.setAutoDefault(False)  # Enter must not end the drawing by accident

        hint = QLabel(translate("DrawPoints", "Click to add a point; drag to spray points along the stroke. "
                                "Points stay inside the dashed square [−{0:g}, {0:g}]².").format(LIMIT))
        hint.setWordWrap(True)
        spread_row = QHBoxLayout()
        spread_row.addWidget(QLabel(translate("DrawPoints", "brush spread")))
        spread_row.addWidget(self.spread_slider, 1)
        spread_row.addWidget(self.spread_label)
        spread_row.addSpacing(16)
        spread_row.addWidget(self.count_label)
        buttons = QHBoxLayout()  # kept narrow so the dialog opens about as wide as the square plot
        buttons.addWidget(self.undo_button)
        buttons.addWidget(self.clear_button)
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.use_button)
        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addWidget(self.plot, 1)
        layout.addLayout(spread_row)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        self._show_spread()
        self._refresh()
        self.resize(self.minimumSizeHint())  # opens with a square plot: no drawable-looking margins

    # -- drawing ----------------------------------------------------------------------------
    @property
    def spread(self) -> float:
        return self.spread_slider.value() / 100.0

    def _show_spread(self) -> None:
        self.spread_label.setText(f"{self.spread:.2f}")

    def to_data(self, viewport_pos: QPointF) -> np.ndarray | None:
        """Viewport pixel -> data coordinates, or None off the plotting area (e.g. on an axis)."""
        scene_pos = self.plot.mapToScene(viewport_pos.toPoint())
        if not self.view_box.sceneBoundingRect().contains(scene_pos):
            return None
        p = self.view_box.mapSceneToView(scene_pos)
        return np.array([p.x(), p.y()])

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind in (QEvent.MouseButtonPress, QEvent.MouseButtonDblClick):
            # A double click's second press arrives as DblClick: it is one more point, like the first.
            if event.button() == Qt.LeftButton:
                xy = self.to_data(event.position())
                if xy is not None and self.strokes.begin(xy):
                    self.message.setText("")
                else:
                    self._say_why_not()
                self._refresh()
            return True
        if kind == QEvent.MouseMove:
            if self.strokes.extend(self._clamped(event.position()), self.spread):
                self._refresh()
            return True
        if kind == QEvent.MouseButtonRelease:
            self.strokes.end()
            return True
        return super().eventFilter(watched, event)

    def _clamped(self, viewport_pos: QPointF) -> np.ndarray:
        # A drag may leave the plot; its direction still counts, its points are dropped.
        p = self.view_box.mapSceneToView(self.plot.mapToScene(viewport_pos.toPoint()))
        return np.array([p.x(), p.y()])

    def _say_why_not(self) -> None:
        if len(self.strokes) >= MAX_POINTS:
            self.message.setText(translate("DrawPoints", "That is the most this dialog keeps ({} points).").format(MAX_POINTS))
        else:
            self.message.setText(translate("DrawPoints", "Draw inside the dashed square [−{0:g}, {0:g}]².").format(LIMIT))

    def undo(self) -> None:
        self.strokes.undo()
        self._refresh()

    def clear(self) -> None:
        self.strokes.clear()
        self._refresh()

    def _refresh(self) -> None:
        pts = self.strokes.points()
        self.scatter.setData(pos=pts)
        n = len(pts)
        enough = n >= MIN_POINTS
        self.count_label.setText(translate("DrawPoints", "{} points").format(n) + (
            "" if enough else " " + translate("DrawPoints", "(at least {} to use)").format(MIN_POINTS)))
        self.use_button.setEnabled(enough)
        self.use_button.setToolTip("" if enough else translate("DrawPoints", "Draw at least {} points first").format(MIN_POINTS))
        self.undo_button.setEnabled(n > 0)
        self.clear_button.setEnabled(n > 0)

    # -- finishing ----------------------------------------------------------------------------
    def use_points(self) -> None:
        pts = self.strokes.points()
        if len(pts) < MIN_POINTS:  # the button is disabled then; this guards a direct call
            self.message.setText(translate("DrawPoints", "Draw at least {} points first (there are {}).").format(MIN_POINTS, len(pts)))
            return
        folder = drawn_folder()
        try:
            path = save_points_csv(pts, folder)
        except OSError as exc:
            self.message.setText(translate("DrawPoints", "Could not save the points in {}: {}").format(folder, exc))
            return
        self.saved_path = str(path)
        self.points_saved.emit(self.saved_path)
        self.accept()
