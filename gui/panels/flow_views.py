"""RealNVP's 2-D views: the learned density, the forward map x -> z, the inverse map z -> x,
the points layer by layer, and the log-determinant over the plane.

Every view draws from the latest snapshot only when a new one arrives (the density at up to 25 Hz,
the others a few times a second), with
fixed image levels and fixed view ranges, so the 30 Hz timer costs nothing in between.
The data points keep one colour per point in every view (hue from their angle around the
data's centre), so a person can follow a point from x to z and back.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QT_TRANSLATE_NOOP, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSlider, QVBoxLayout

from gui.i18n import translate
from gui.panels.base import Panel, fixed_axes, toggle_row
from gui.panels.plane_view import line_segments
from gui.style import FAKE

HUES = 16  # colour groups of the data points: few distinct brushes keep the scatter cheap
HUE_BRUSHES = [pg.mkBrush(QColor.fromHsvF(i / HUES, 0.8, 0.85)) for i in range(HUES)]
DENSITY_COLOURS = pg.ColorMap([0.0, 0.35, 1.0], [(255, 255, 255), (150, 190, 225), (10, 50, 120)])
LOG_DET_COLOURS = pg.ColorMap([0.0, 0.5, 1.0], [(40, 90, 200), (255, 255, 255), (210, 50, 40)])
Z_RANGE = 4.0  # the z-space views show [-4, 4]^2: N(0, I) puts almost all its mass inside


def hue_brushes(data: np.ndarray) -> list:
    """One brush per point, from the point's angle around the data's centre."""
    d = data - data.mean(0)
    angle = np.arctan2(d[:, 1], d[:, 0])
    groups = ((angle + np.pi) / (2 * np.pi) * HUES).astype(int) % HUES
    return [HUE_BRUSHES[g] for g in groups]


def sigma_circles(radii=(1.0, 2.0, 3.0), points: int = 121) -> np.ndarray:
    """(len(radii), points, 2) circles: contours of N(0, I) at 1, 2, 3 sigma."""
    t = np.linspace(0, 2 * np.pi, points)
    return np.stack([np.stack([r * np.cos(t), r * np.sin(t)], 1) for r in radii]).astype(np.float32)


def pixel_rect(bounds, shape) -> QRectF:
    """The snapshot samples the plane at grid points from x0 to x1; the image's pixels are
    centred on them, so the image spans half a pixel beyond the bounds on each side."""
    x0, x1, y0, y1 = bounds
    dx, dy = (x1 - x0) / (shape[0] - 1), (y1 - y0) / (shape[1] - 1)
    return QRectF(x0 - dx / 2, y0 - dy / 2, x1 - x0 + dx, y1 - y0 + dy)


class FlowPlaneView(Panel):
    """A plot with a fixed aspect, toggles above it and its formula below. draw(snap) runs
    once per snapshot, and again when a toggle changes."""

    uses = ("snapshot",)  # redraw on new snapshots only, not on every metrics flush
    toggles_spec: list[tuple[str, str, bool]] = []  # (key, label, on)
    size_hint = (420, 280)  # what the window's dock layout starts from

    def __init__(self, parent=None):
        super().__init__(parent)
        self.plot = pg.PlotWidget()
        self.plot.setAspectLocked(True)
        # No grid: pyqtgraph draws grid lines with the axes, the costliest part of a redraw.
        self.plot.setMenuEnabled(False)
        fixed_axes(self.plot)
        self.top_row, self.toggles = toggle_row(self.toggles_spec, self._on_toggle)
        self.main_layout = QVBoxLayout(self)
        self.main_layout.setContentsMargins(2, 2, 2, 2)
        self.main_layout.addLayout(self.top_row)
        self.main_layout.addWidget(self.plot, 1)
        if self.formula:
            self.main_layout.addWidget(self.formula_label())
        self.snap = None
        self._snap_drawn = -1
        self._data_key = None
        self.brushes: list = []
        self._bounds = None

    def sizeHint(self) -> QSize:
        return QSize(*self.size_hint)

    def shown(self, key: str) -> bool:
        return self.toggles[key].isChecked()

    def _on_toggle(self) -> None:
        if self.snap is not None:
            self.draw(self.snap)

    def render(self, session) -> None:
        if session.snapshot is None or session.snapshot_version == self._snap_drawn:
            return
        self._snap_drawn = session.snapshot_version
        self.snap = session.snapshot
        data = self.snap["data"]
        if self._data_key is None or not np.array_equal(data, self._data_key):  # fixed per model
            self._data_key = data.copy()
            self.brushes = hue_brushes(data)
        self.draw(self.snap)

    def set_x_range(self, bounds) -> None:
        """Show the data set's bounds; only when they change, never per frame."""
        bounds = tuple(float(b) for b in bounds)
        if bounds != self._bounds:
            self._bounds = bounds
            x0, x1, y0, y1 = bounds
            self.plot.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0.02)

    def draw(self, snap) -> None:
        raise NotImplementedError


class DensityView(FlowPlaneView):
    title = QT_TRANSLATE_NOOP("Panels", "Learned density p_x(x)")
    object_name = "flow_density"
    formula = (QT_TRANSLATE_NOOP("Panels", "p_x(x) = p_z(f(x)) |det ∂f/∂x|,  p_z = N(0, I): the flow's density on a 48×48 grid "
               "(white = 0, dark = high; levels fixed per snapshot at the 99.5th percentile). Dots: data x."))
    toggles_spec = [("heat", QT_TRANSLATE_NOOP("Panels", "density"), True), ("data", QT_TRANSLATE_NOOP("Panels", "data x"), True), ("samples", QT_TRANSLATE_NOOP("Panels", "samples f⁻¹(z)"), False)]
    snapshot_keys = ("density", "inverse_samples")  # refreshed at display rate (RealNVP.main_view_keys)
    point_clicked = Signal(float, float)  # x clicked in the plot (the change-of-variables lesson's point)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.heat = pg.ImageItem()
        self.heat.setLookupTable(DENSITY_COLOURS.getLookupTable(nPts=256))
        self.heat.setZValue(-10)
        self.data = pg.ScatterPlotItem(size=4, pen=None)
        self.samples = pg.ScatterPlotItem(size=3, pen=None, brush=pg.mkBrush(FAKE))
        # The lesson's point: a square outline (its square is too small to see at this scale).
        self.point_marker = pg.ScatterPlotItem(size=14, symbol="s", pen=pg.mkPen("#d62728", width=2), brush=None)
        self.point_marker.setZValue(10)
        for item in (self.heat, self.data, self.samples, self.point_marker):
            self.plot.addItem(item)
        self.levels = (0.0, 1.0)
        self.plot.scene().sigMouseClicked.connect(self._on_click)

    def _on_click(self, event) -> None:
        if event.button() != Qt.LeftButton or not self.plot.sceneBoundingRect().contains(event.scenePos()):
            return
        at = self.plot.getPlotItem().vb.mapSceneToView(event.scenePos())
        self.set_point(at.x(), at.y())
        self.point_clicked.emit(at.x(), at.y())

    def set_point(self, x: float, y: float) -> None:
        self.point_marker.setData(pos=np.array([[x, y]], np.float32))

    def draw(self, snap) -> None:
        self.set_x_range(snap["bounds"])
        self.heat.setVisible(self.shown("heat"))
        if self.shown("heat"):
            density = snap["density"]
            top = float(np.percentile(density, 99.5)) if np.isfinite(density).all() else 1.0
            self.levels = (0.0, max(top, 1e-6))
            self.heat.setImage(np.nan_to_num(density), autoLevels=False, levels=self.levels)
            self.heat.setRect(pixel_rect(snap["bounds"], density.shape))
        self.data.setVisible(self.shown("data"))
        if self.shown("data"):
            self.data.setData(pos=snap["data"], brush=self.brushes)
        self.samples.setVisible(self.shown("samples"))
        if self.shown("samples"):
            self.samples.setData(pos=snap["inverse_samples"])


class ForwardMapView(FlowPlaneView):
    size_hint = (520, 480)  # beside the main view, one above the other: as tall as they can be
    title = QT_TRANSLATE_NOOP("Panels", "Forward map z = f(x)")
    object_name = "flow_forward"
    formula = (QT_TRANSLATE_NOOP("Panels", "z = f(x): the data pushed through every coupling, z_{1:d} = x_{1:d}, "
               "z_{d+1:D} = x_{d+1:D} ⊙ exp(s(x_{1:d})) + t(x_{1:d}). Each point keeps its colour from x. "
               "Circles: N(0, I) at 1, 2, 3 σ, where a trained flow puts 39%, 86%, 99% of the points."))
    toggles_spec = [("circles", QT_TRANSLATE_NOOP("Panels", "1, 2, 3 σ circles"), True)]

    def __init__(self, parent=None):
        super().__init__(parent)
        self.circles = pg.PlotCurveItem(pen=pg.mkPen(90, 90, 90, 200, width=1, style=Qt.DashLine))
        x, y, connect = line_segments(sigma_circles())
        self.circles.setData(x, y, connect=connect)
        self.points = pg.ScatterPlotItem(size=4, pen=None)
        self.plot.addItem(self.circles)
        self.plot.addItem(self.points)
        self.plot.setRange(xRange=(-Z_RANGE, Z_RANGE), yRange=(-Z_RANGE, Z_RANGE), padding=0)
        self.plot.setLabel("bottom", "z₁")
        self.plot.setLabel("left", "z₂")

    def draw(self, snap) -> None:
        self.circles.setVisible(self.shown("circles"))
        self.points.setData(pos=snap["forward_z"], brush=self.brushes)


class InverseMapView(FlowPlaneView):
    size_hint = (520, 480)  # beside the main view, one above the other: as tall as they can be
    title = QT_TRANSLATE_NOOP("Panels", "Inverse map x = f⁻¹(z)")
    object_name = "flow_inverse"
    formula = (QT_TRANSLATE_NOOP("Panels", "x = f⁻¹(z), the couplings undone last to first: x_{d+1:D} = (z_{d+1:D} − t(x_{1:d})) ⊙ "
               "exp(−s(x_{1:d})). Lines: a regular grid in z ∈ [−3, 3]² pulled back; orange: z ~ N(0, I) "
               "pulled back (samples of p_x)."))
    toggles_spec = [("grid", QT_TRANSLATE_NOOP("Panels", "z grid"), True), ("samples", QT_TRANSLATE_NOOP("Panels", "samples"), True), ("data", QT_TRANSLATE_NOOP("Panels", "data x"), False)]

    def __init__(self, parent=None):
        super().__init__(parent)
        self.grid = pg.PlotCurveItem(pen=pg.mkPen(70, 70, 70, 170, width=1))
        self.samples = pg.ScatterPlotItem(size=3, pen=None, brush=pg.mkBrush(FAKE))
        self.data = pg.ScatterPlotItem(size=4, pen=None)
        for item in (self.grid, self.samples, self.data):
            self.plot.addItem(item)

    def draw(self, snap) -> None:
        self.set_x_range(snap["bounds"])
        self.grid.setVisible(self.shown("grid"))
        x, y, connect = line_segments(snap["inverse_grid"])
        self.grid.setData(x, y, connect=connect)
        self.samples.setVisible(self.shown("samples"))
        self.samples.setData(pos=snap["inverse_samples"])
        self.data.setVisible(self.shown("data"))
        self.data.setData(pos=snap["data"], brush=self.brushes)


class LayerStepView(FlowPlaneView):
    """The data points after each layer, picked with a slider: x = h0 -> h1 -> ... -> hL = z."""

    title = QT_TRANSLATE_NOOP("Panels", "Layer by layer")
    object_name = "flow_layers"
    formula = (QT_TRANSLATE_NOOP("Panels", "h_k = f_k(h_{k−1}), h_0 = x, h_L = z. A coupling moves each point along one axis only "
               "(it keeps x_{1:d}); grey segments join each point's place before and after layer k."))
    toggles_spec = [("moves", QT_TRANSLATE_NOOP("Panels", "moves in this layer"), True)]

    def __init__(self, parent=None):
        super().__init__(parent)
        self.slider = QSlider(Qt.Horizontal)
        self.slider.setObjectName("layer_slider")
        self.slider.setRange(0, 0)
        self.slider.valueChanged.connect(self._on_toggle)
        self.layer_label = QLabel("h0 = x")
        self.layer_label.setMinimumWidth(230)
        self.layer_label.setWordWrap(True)  # a long layer name (and the longer Russian) takes two lines, not cut
        self.back_button = QPushButton("◀")
        self.back_button.setToolTip(translate("Panels", "one layer back, towards x"))
        self.back_button.clicked.connect(lambda: self.slider.setValue(self.slider.value() - 1))
        self.forward_button = QPushButton("▶")
        self.forward_button.setToolTip(translate("Panels", "one layer on, towards z"))
        self.forward_button.clicked.connect(lambda: self.slider.setValue(self.slider.value() + 1))
        row = QHBoxLayout()
        for widget in (self.back_button, self.slider, self.forward_button, self.layer_label):
            if isinstance(widget, QPushButton):
                widget.setFixedWidth(30)
            row.addWidget(widget, 1 if widget is self.slider else 0)
        self.main_layout.insertLayout(1, row)
        self.moves = pg.PlotCurveItem(pen=pg.mkPen(150, 150, 150, 150, width=1))
        self.points = pg.ScatterPlotItem(size=4, pen=None)
        self.plot.addItem(self.moves)
        self.plot.addItem(self.points)
        self._range = None

    def draw(self, snap) -> None:
        layers, names = snap["layers"], snap["layer_names"]
        last = len(layers) - 1
        if self.slider.maximum() != last:
            first = self.slider.maximum() == 0
            self.slider.blockSignals(True)  # drawn below, once
            self.slider.setRange(0, last)
            if first:  # start half-way: x and z have views of their own
                self.slider.setValue(last // 2)
            self.slider.blockSignals(False)
        k = self.slider.value()
        self._fit(layers)
        self.points.setData(pos=layers[k], brush=self.brushes)
        self.moves.setVisible(self.shown("moves") and k > 0)
        if k > 0 and self.shown("moves"):
            pairs = np.stack([layers[k - 1], layers[k]], 1).reshape(-1, 2)
            self.moves.setData(pairs[:, 0], pairs[:, 1], connect="pairs")
        if k == 0:
            text = translate("Panels", "h0 = x (data)")
        else:
            name = str(names[k]).replace("(keeps ", translate("Panels", "(keeps "))  # core names the layer class
            text = translate("Panels", "h{k} after layer {k}/{last}: {name}").format(k=k, last=last, name=name) + (
                " = z" if k == last else "")
        self.layer_label.setText(text)

    def _fit(self, layers: np.ndarray) -> None:
        """One range for every layer (so the slider shows motion, not rescaling), refitted only
        when the states spread beyond it or shrink well inside it."""
        lo = np.percentile(layers.reshape(-1, 2), 0.5, axis=0)
        hi = np.percentile(layers.reshape(-1, 2), 99.5, axis=0)
        want = (float(min(lo[0], lo[1])), float(max(hi[0], hi[1])))  # Python floats: pyqtgraph
        # compares them with its float64 limits, which overflow a float32
        if self._range is not None:
            r0, r1 = self._range
            inside = r0 <= want[0] and want[1] <= r1
            if inside and (want[1] - want[0]) > 0.6 * (r1 - r0):
                return
        pad = 0.1 * (want[1] - want[0])
        self._range = (want[0] - pad, want[1] + pad)
        self.plot.setRange(xRange=self._range, yRange=self._range, padding=0)


class LogDetView(FlowPlaneView):
    title = QT_TRANSLATE_NOOP("Panels", "log|det ∂f/∂x| map")
    object_name = "flow_log_det"
    formula = (QT_TRANSLATE_NOOP("Panels", "log|det ∂f/∂x| = Σ over couplings of Σ_j s(x_{1:d})_j (plus the norm layers' terms). "
               "Red: f stretches space there, so p_x is raised above p_z(f(x)); blue: f squeezes it."))
    toggles_spec = [("data", QT_TRANSLATE_NOOP("Panels", "data x"), False)]

    def __init__(self, parent=None):
        super().__init__(parent)
        self.heat = pg.ImageItem()
        self.heat.setLookupTable(LOG_DET_COLOURS.getLookupTable(nPts=256))
        self.heat.setZValue(-10)
        self.data = pg.ScatterPlotItem(size=3, pen=None, brush=pg.mkBrush(40, 40, 40, 120))
        self.plot.addItem(self.heat)
        self.plot.addItem(self.data)
        self.range_label = QLabel("")
        self.top_row.insertWidget(0, self.range_label)
        self.levels = (-1.0, 1.0)

    def draw(self, snap) -> None:
        self.set_x_range(snap["bounds"])
        log_det = np.nan_to_num(snap["log_det_map"])
        top = max(float(np.percentile(np.abs(log_det), 99)), 1e-3)  # symmetric: white is 0
        self.levels = (-top, top)
        self.heat.setImage(log_det, autoLevels=False, levels=self.levels)
        self.heat.setRect(pixel_rect(snap["bounds"], log_det.shape))
        self.range_label.setText(translate("Panels", "colours span ±{:.2f} nats").format(top))
        self.data.setVisible(self.shown("data"))
        self.data.setData(pos=snap["data"])
