"""The GAN's 2-D view: real and generated points over D's output, G's gradient arrows,
G's warped latent grid, the slider marker G(z) and the interpolation path G(z_t)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QT_TRANSLATE_NOOP, QPointF, QRect, QRectF
from PySide6.QtWidgets import QVBoxLayout

from gui.i18n import translate
from gui.panels.base import Panel, fixed_axes, toggle_row
from gui.panels.history_plot import curve_key
from gui.style import FAKE, MARKER, PATH, REAL

# D's map: orange = judged fake (D -> 0), white = undecided (D = 0.5), blue = judged real (D -> 1).
JUDGED_FAKE, UNDECIDED, JUDGED_REAL = (235, 120, 30), (255, 255, 255), (35, 100, 200)
HEAT_COLOURS = pg.ColorMap([0.0, 0.5, 1.0], [JUDGED_FAKE, UNDECIDED, JUDGED_REAL])
LOGIT_CLIP = 6.0  # |logit| at which the colour saturates: D = 0.0025 and D = 0.9975


def heat_values(heat: np.ndarray, is_probability: bool) -> np.ndarray:
    """D's map as values in [0, 1] for the fixed colour map, 0.5 (white) where D is undecided.

    A probability D(x) is read on the logit scale, clipped to ±LOGIT_CLIP, so frames compare and
    D = 1e-5 is plainly not D = 0.3. A raw critic (WGAN-GP, hinge) has no fixed scale: it is shown
    symmetric around 0, scaled by its own largest |value| (98th percentile). The square root on the
    way to colour keeps white at exactly 0.5 but lets a D that leans only slightly one way (near
    equilibrium, |logit| ~ 0.2) show as a tint rather than as white."""
    heat = np.asarray(heat, np.float64)
    if is_probability:
        p = np.clip(heat, 1e-12, 1.0 - 1e-12)
        score, scale = np.log(p) - np.log1p(-p), LOGIT_CLIP
    else:
        score, scale = heat, max(float(np.percentile(np.abs(heat), 98)), 1e-6)
    t = np.clip(score / scale, -1.0, 1.0)
    return (0.5 + 0.5 * np.sign(t) * np.sqrt(np.abs(t))).astype(np.float32)


def line_segments(lines: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(L, P, 2) polylines -> x, y, connect arrays for one PlotCurveItem (one draw call)."""
    n_lines, n_points, _ = lines.shape
    connect = np.ones((n_lines, n_points), bool)
    connect[:, -1] = False
    return lines[..., 0].reshape(-1), lines[..., 1].reshape(-1), connect.reshape(-1)


class GanPlaneView(Panel):
    title = QT_TRANSLATE_NOOP("Panels", "2-D view")
    object_name = "gan_plane"
    formula = (QT_TRANSLATE_NOOP("Panels", "Background: D(x) over the plane (blue = judged real, orange = judged fake, white: D = 0.5). "
               "Arrows: −∂L_G/∂x at generated points, where G's loss pushes them. "
               "Grid: G applied to a regular grid in (z₀, z₁)."))
    uses = ("snapshot",)
    ARROW_FRACTION = 0.08  # the longest arrow spans this fraction of the view

    def __init__(self, parent=None):
        super().__init__(parent)
        self.plot = pg.PlotWidget()
        self.plot.setAspectLocked(True)
        fixed_axes(self.plot)
        self.heat = pg.ImageItem()
        self.heat.setLevels((0.0, 1.0))  # fixed levels: no per-frame min/max scan
        self.heat.setLookupTable(HEAT_COLOURS.getLookupTable(nPts=256))
        self.heat.setZValue(-10)
        self.plot.addItem(self.heat)
        self.grid = pg.PlotCurveItem(pen=pg.mkPen(120, 120, 120, 110, width=1))
        # Outlined, so real points stay visible on "judged real" blue and generated ones on orange.
        outline = pg.mkPen(20, 20, 20, 170, width=0.8)
        self.real = pg.ScatterPlotItem(size=5, pen=outline, brush=pg.mkBrush(REAL), name="real")
        self.fake = pg.ScatterPlotItem(size=5, pen=outline, brush=pg.mkBrush(FAKE), name="generated")
        self.arrows = pg.PlotCurveItem(pen=pg.mkPen(60, 60, 60, 200, width=1))
        self.path = pg.PlotDataItem(pen=pg.mkPen(PATH, width=2), symbol="o", symbolSize=5,
                                    symbolBrush=PATH, symbolPen=None)
        self.marker = pg.ScatterPlotItem(size=16, symbol="star", pen=pg.mkPen("k"), brush=pg.mkBrush(MARKER))
        for item in (self.grid, self.real, self.fake, self.arrows, self.path, self.marker):
            self.plot.addItem(item)
        # The key above the plot, not a legend in it: a legend would cover the points and D's map.
        self.key = curve_key([(translate("Panels", "real x"), REAL), (translate("Panels", "generated G(z)"), FAKE),
                              (translate("Panels", "G(z) of the sliders"), MARKER)])

        row, self.toggles = toggle_row((("real", translate("Panels", "real"), True), ("fake", translate("Panels", "generated"), True), ("heat", translate("Panels", "D(x) map"), True),
                               ("arrows", translate("Panels", "gradient arrows"), True), ("grid", translate("Panels", "latent grid"), False)), self._apply_toggles)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(row)
        layout.addWidget(self.key)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.formula_label())
        self._bounds = None
        self._heat_rect = None  # (bounds, image shape) the heat map's rect was last set for
        self.marker_xy = None
        self._marker_moved: list[np.ndarray] = []  # the marker's last two places, for marker_region
        self._apply_toggles()

    def _apply_toggles(self) -> None:
        items = {"real": self.real, "fake": self.fake, "heat": self.heat, "arrows": self.arrows, "grid": self.grid}
        for key, item in items.items():
            item.setVisible(self.toggles[key].isChecked())

    def render(self, session) -> None:
        snap = session.snapshot
        if snap is None:
            return
        bounds = tuple(float(b) for b in snap["bounds"])
        if bounds != self._bounds:
            self._bounds = bounds
            x0, x1, y0, y1 = bounds
            self.plot.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)
        show = {k: b.isChecked() for k, b in self.toggles.items()}
        if show["heat"]:
            # heat[i, j] is D at (xs[i], ys[j]); with imageAxisOrder "col-major" the first axis is x.
            heat = heat_values(snap["heat"], bool(snap["d_is_probability"]))
            self.heat.setImage(heat, autoLevels=False, levels=(0.0, 1.0))
            # setRect scales by the current image's size (1 pixel when there is none yet), so it
            # must follow setImage: the map covers exactly the data's bounds.
            if (bounds, heat.shape) != self._heat_rect:
                self._heat_rect = (bounds, heat.shape)
                x0, x1, y0, y1 = bounds
                self.heat.setRect(QRectF(x0, y0, x1 - x0, y1 - y0))
        if show["real"]:
            self.real.setData(pos=snap["real"])
        if show["fake"]:
            self.fake.setData(pos=snap["fake"])
        if show["arrows"]:
            pos, direction = snap["arrow_pos"], snap["arrow_dir"]
            norms = np.linalg.norm(direction, axis=1, keepdims=True)
            span = bounds[1] - bounds[0]
            scale = self.ARROW_FRACTION * span / max(float(norms.max()), 1e-12)
            ends = pos + direction * scale
            xy = np.stack([pos, ends], 1).reshape(-1, 2)
            self.arrows.setData(xy[:, 0], xy[:, 1], connect="pairs")
        if show["grid"]:
            x, y, connect = line_segments(snap["grid_lines"])
            self.grid.setData(x, y, connect=connect)

    # Set by the window, from the GUI thread's own decoder copy ------------------------------
    def set_marker(self, xy: np.ndarray | None) -> None:
        before = self.marker_xy
        self.marker_xy = None if xy is None else np.asarray(xy, np.float32).reshape(2)
        if xy is None:
            self.marker.setData([])
        else:
            self.marker.setData(pos=self.marker_xy[None])
        self._marker_moved = [p for p in (before, self.marker_xy) if p is not None]

    MARKER_HALF_PX = 14  # half the marker's painted size (16 px star and its pen), with a margin

    def marker_region(self) -> QRect | None:
        """Where the slider marker was and is now, in the plot's viewport: all a slider move changes on
        screen, so it is all that has to be painted at once. None: repaint the whole view."""
        if not self._marker_moved:
            return None
        vb, view, half = self.plot.getPlotItem().vb, self.plot, self.MARKER_HALF_PX
        region = QRect()
        for x, y in self._marker_moved:
            centre = view.mapFromScene(vb.mapViewToScene(QPointF(float(x), float(y))))
            region = region.united(QRect(centre.x() - half, centre.y() - half, 2 * half, 2 * half))
        return region

    def set_path(self, points: np.ndarray | None) -> None:
        if points is None or len(points) == 0:
            self.path.setData([], [])
        else:
            self.path.setData(points[:, 0], points[:, 1])
