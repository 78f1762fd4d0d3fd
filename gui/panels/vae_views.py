"""The VAE's plots: losses, KL per latent dimension, the latent scatter and, for 2-D data, the plane.
Image views and the panel set are in vae_panels.py."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QT_TRANSLATE_NOOP, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout

from gui.i18n import translate
from gui.panels.base import Panel, fixed_axes, history_column, sized, toggle_row
from gui.panels.history_plot import HistoryPlotPanel, curve_key
from gui.panels.plane_view import line_segments
from gui.style import FAKE, MARKER, PATH, REAL

ELBO_COLOUR, RECON_COLOUR, KL_COLOUR = "#333333", REAL, FAKE
SAMPLE = "#9467bd"  # purple: apart from the data (blue), reconstructions (orange) and the path (green)
LABEL_COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                 "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]  # tab10: one per digit
COLLAPSED_NATS = 0.05  # a latent dimension whose mean KL is below this carries almost no information


@sized(520, 280)
class VaeLossesPanel(HistoryPlotPanel):
    title = QT_TRANSLATE_NOOP("Panels", "Losses (−ELBO = reconstruction + KL)")
    object_name = "vae_losses"
    columns = [("loss", QT_TRANSLATE_NOOP("Panels", "−ELBO"), ELBO_COLOUR), ("recon", QT_TRANSLATE_NOOP("Panels", "recon −log p(x|z)"), RECON_COLOUR),
               ("kl", "KL(q(z|x) ‖ N(0, I))", KL_COLOUR), ("test_loss", QT_TRANSLATE_NOOP("Panels", "test −ELBO"), ELBO_COLOUR),
               ("test_recon", QT_TRANSLATE_NOOP("Panels", "test recon"), RECON_COLOUR), ("test_kl", QT_TRANSLATE_NOOP("Panels", "test KL"), KL_COLOUR)]
    y_label = QT_TRANSLATE_NOOP("Panels", "nats")
    formula = (QT_TRANSLATE_NOOP("Panels", "ELBO = Σᵢ E_q(z|xᵢ) log p(xᵢ|z) − KL(q(z|xᵢ) ‖ N(0, I)), maximised. Plotted per example: "
               "−ELBO = reconstruction + KL. Solid: training batch; dashed: the periodic pass over the test set."))

    def __init__(self, log_scale: bool = False, parent=None):
        super().__init__(parent)
        for name, _, colour in self.columns:
            if name.startswith("test_"):  # same colour as the training term, dashed, a dot per test pass
                curve = self.curves[name]
                curve.setPen(pg.mkPen(colour, width=1.5, style=Qt.DashLine))
                curve.setSymbol("o")
                curve.setSymbolSize(5)
                curve.setSymbolBrush(colour)
                curve.setSymbolPen(None)
        # Image losses fall from hundreds of nats to tens: a log axis keeps KL and the late curve readable.
        self.log_box.setChecked(log_scale)

    def key_entries(self) -> list[tuple[str, str]]:
        """The three terms once; the test passes are the same colours, dashed (said in the formula)."""
        return [(label, colour) for name, label, colour in self.columns if not name.startswith("test_")]

    def render(self, session) -> None:
        super().render(session)
        log = self.log_box.isChecked()
        for name in ("test_loss", "test_recon", "test_kl"):
            col = history_column(session, name)
            if col is None:
                continue
            # The history repeats the latest test pass at every step; draw only the passes themselves.
            steps, values = col
            passes = np.r_[True, np.diff(values) != 0]
            values = values[passes]
            if log:
                values = np.where(values > 0, values, np.nan)
            self.curves[name].setData(steps[passes], values, connect="finite")


@sized(520, 190)
class KlPerDimPanel(Panel):
    """One bar per latent dimension: collapsed dimensions (KL ≈ 0) show as grey stubs."""

    title = QT_TRANSLATE_NOOP("Panels", "KL per latent dimension")
    object_name = "vae_kl_per_dim"
    uses = ("snapshot",)  # redraw on new snapshots only, not on every metrics flush
    formula = QT_TRANSLATE_NOOP("Panels", "KLⱼ = mean over test x of ½(μⱼ² + σⱼ² − 1 − log σⱼ²); Σⱼ KLⱼ is the KL "
                                          "term. A grey bar (KLⱼ < {nats} nats) is a collapsed dimension: "
                                          "q(zⱼ|x) ≈ N(0, 1) for every x, so zⱼ carries no information about x.")

    def __init__(self, latent_dim: int, parent=None):
        super().__init__(parent)
        self.formula = self.formula.format(nats=COLLAPSED_NATS)
        self.latent_dim = latent_dim
        self.plot = pg.PlotWidget()
        self.plot.setLabel("bottom", translate("Panels", "latent dimension j"))
        self.plot.setLabel("left", translate("Panels", "KLⱼ (nats)"))
        self.plot.getAxis("left").enableAutoSIPrefix(False)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.setXRange(-0.6, latent_dim - 0.4, padding=0)
        self._active, self._collapsed = pg.mkBrush("#4c9be8"), pg.mkBrush("#bbbbbb")
        self.bars = pg.BarGraphItem(x=np.arange(latent_dim), height=np.zeros(latent_dim), width=0.8,
                                    brush=self._collapsed, pen=None)
        self.plot.addItem(self.bars)
        self.readout = QLabel(translate("Panels", "active dimensions: –"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.readout)
        layout.addWidget(self.formula_label())
        self._top = 0.0

    def render(self, session) -> None:
        snap = session.snapshot
        if snap is None:
            return
        kl = np.asarray(snap["kl_per_dim"], np.float64)
        active = kl >= COLLAPSED_NATS
        self.bars.setOpts(height=kl, brushes=[self._active if a else self._collapsed for a in active])
        top = max(float(kl.max()) * 1.15, 0.2)
        if top > self._top or top < 0.5 * self._top:  # rescale only when the bars outgrow or shrink a lot
            self._top = top
            self.plot.setYRange(0, top, padding=0)
        self.readout.setText(translate("Panels", "active dimensions: {} of {}    Σⱼ KLⱼ = {:.2f} nats").format(
            int(active.sum()), self.latent_dim, kl.sum()))


@sized(520, 330)
class LatentScatterPanel(Panel):
    """Test-set μ(x) coloured by label; PCA onto two axes when z has more than two dimensions."""

    title = QT_TRANSLATE_NOOP("Panels", "Latent space: μ(x) of test examples")
    object_name = "vae_latent_scatter"
    uses = ("snapshot",)
    snapshot_keys = ("latent_mu", "latent_labels")  # refreshed at display rate (VAE.main_view_keys)
    example_chosen = Signal(int, object)  # test example index, its μ (latent_dim,)

    def __init__(self, latent_dim: int, parent=None):
        super().__init__(parent)
        self.latent_dim = latent_dim
        self.formula = self.caption(labelled=True)
        self.plot = pg.PlotWidget()
        self.plot.setAspectLocked(latent_dim != 1)
        fixed_axes(self.plot)
        self.plot.showGrid(x=True, y=True, alpha=0.15)
        axes = ("z₀", "z₁") if latent_dim == 2 else ("z", translate("Panels", "label")) if latent_dim == 1 else (translate("Panels", "PC 1"), translate("Panels", "PC 2"))
        self.plot.setLabel("bottom", axes[0])
        self.plot.setLabel("left", axes[1])
        self.scatter = pg.ScatterPlotItem(size=5, pen=None, hoverable=False)
        self.scatter.sigClicked.connect(self.on_points_clicked)
        self.chosen = pg.ScatterPlotItem(size=14, symbol="o", pen=pg.mkPen("k", width=2), brush=None)
        self.marker = pg.ScatterPlotItem(size=16, symbol="star", pen=pg.mkPen("k"), brush=pg.mkBrush(MARKER))
        for item in (self.scatter, self.chosen, self.marker):
            self.plot.addItem(item)
        self.plot.getViewBox().sigRangeChangedManually.connect(self._user_moved_view)
        self._brushes = [pg.mkBrush(pg.mkColor(c)) for c in LABEL_COLOURS]
        self._labels = self._brush_list = None
        self._basis = self._centre = None
        self.mu = self.labels = self.pos = None
        self.chosen_index: int | None = None
        self._marker_z = None
        self._follow = True
        fit = QPushButton(translate("Panels", "Fit view"))
        fit.clicked.connect(self.fit_view)
        self.key = QLabel("")
        row = QHBoxLayout()
        row.addWidget(self.key)
        row.addStretch(1)
        row.addWidget(fit)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(row)
        layout.addWidget(self.plot, 1)
        self.caption_label = self.formula_label()
        layout.addWidget(self.caption_label)

    def caption(self, labelled: bool) -> str:
        """What a point and its colour are; `labelled` False: the test set has one label (e.g. swissroll)."""
        how = (translate("Panels", "μ itself (z₀, z₁)") if self.latent_dim == 2 else translate("Panels", "μ against the label") if self.latent_dim == 1
               else translate("Panels", "μ projected onto its top two principal axes (PCA)"))
        colour = (translate("Panels", "coloured by its label (images: the class; 2-D data: the mode, moon, ring or arm x lies on)")
                  if labelled else translate("Panels", "all one colour: this data set has no labels or separate parts"))
        return translate("Panels", "Each point is q(z|x)'s mean μ(x) for a test x, {colour}; shown: {how}. "
                         "The KL term pulls every q(z|x) toward N(0, I). Click a point to decode its μ.").format(
            colour=colour, how=how)

    def project(self, z: np.ndarray) -> np.ndarray:
        """(n, latent_dim) -> (n, 2) plane coordinates, the same map as the scatter's."""
        z = np.asarray(z, np.float64).reshape(-1, self.latent_dim)
        if self.latent_dim == 2:
            return z
        if self.latent_dim == 1:
            return np.column_stack([z[:, 0], np.zeros(len(z))])
        return (z - self._centre) @ self._basis

    def _fit_basis(self, mu: np.ndarray) -> None:
        """The top two principal axes, from the L x L covariance: an SVD of the tall (N, L) matrix
        took ~60 ms here (OpenBLAS), the eigen-decomposition of the small one well under 1 ms."""
        x = mu.astype(np.float64)
        centre = x.mean(0)
        centred = x - centre
        _, vectors = np.linalg.eigh(centred.T @ centred)  # eigenvalues ascending
        basis = vectors[:, ::-1][:, :2].copy()
        if self._basis is not None:  # singular vectors have no sign: keep the previous frame's, so nothing flips
            basis *= np.where((basis * self._basis).sum(0) < 0, -1.0, 1.0)
        self._basis, self._centre = basis, centre

    def render(self, session) -> None:
        snap = session.snapshot
        if snap is None:
            return
        self.mu, labels = np.asarray(snap["latent_mu"]), np.asarray(snap["latent_labels"])
        if self.latent_dim > 2:
            self._fit_basis(self.mu)
        pos = self.project(self.mu)
        if self.latent_dim == 1:
            pos[:, 1] = labels
        self.pos = pos
        if self._labels is None or not np.array_equal(labels, self._labels):  # fixed test set: built once
            self._labels = labels
            self._brush_list = [self._brushes[int(k) % len(self._brushes)] for k in labels]
            present = sorted(set(int(k) for k in np.unique(labels)))
            self.key.setText("" if len(present) < 2 else translate("Panels", "colour = label:") + "  " + " ".join(
                f'<b style="color:{LABEL_COLOURS[k % 10]}">{k}</b>' for k in present))
            self.caption_label.setText(self.caption(labelled=len(present) > 1))
        self.labels = labels
        self.scatter.setData(pos=pos, brush=self._brush_list)
        if self._follow:
            self._follow_points(pos)
        self._draw_chosen()
        self.set_marker(self._marker_z)

    def _follow_points(self, pos: np.ndarray) -> None:
        """Move the view only when the cloud leaves it or shrinks to a small part of it."""
        lo, hi = pos.min(0), pos.max(0)
        (x0, x1), (y0, y1) = self.plot.getViewBox().viewRange()
        inside = lo[0] >= x0 and lo[1] >= y0 and hi[0] <= x1 and hi[1] <= y1
        small = (hi[0] - lo[0]) < 0.4 * (x1 - x0) and (hi[1] - lo[1]) < 0.4 * (y1 - y0)
        if not inside or small:
            self.plot.setRange(xRange=(lo[0], hi[0]), yRange=(lo[1], hi[1]), padding=0.08)

    def _user_moved_view(self, *_):
        self._follow = False  # the person zoomed or panned: leave the view alone until "Fit view"

    def fit_view(self) -> None:
        self._follow = True
        if self.pos is not None:
            lo, hi = self.pos.min(0), self.pos.max(0)
            self.plot.setRange(xRange=(lo[0], hi[0]), yRange=(lo[1], hi[1]), padding=0.08)

    def on_points_clicked(self, _item, points, event=None) -> None:
        """Several points can lie under the cursor (a 5 px dot, thousands of them): take the one nearest
        the click, not pyqtgraph's first (the one drawn last)."""
        if not len(points) or self.mu is None:
            return
        if event is None or len(points) == 1:
            self.choose(points[0].index())
            return
        click = event.scenePos()

        def pixels_away(point) -> float:
            at = self.scatter.mapToScene(point.pos())
            return (at.x() - click.x()) ** 2 + (at.y() - click.y()) ** 2

        self.choose(min(points, key=pixels_away).index())

    def choose(self, index: int) -> None:
        """Ring test example `index` and announce its μ (the window's sliders decode it)."""
        self.ring(index)
        self.example_chosen.emit(self.chosen_index, self.mu[self.chosen_index].copy())

    def ring(self, index: int) -> None:
        self.chosen_index = int(index)
        self._draw_chosen()

    def _draw_chosen(self) -> None:
        if self.chosen_index is None or self.pos is None or self.chosen_index >= len(self.pos):
            self.chosen.setData([])
        else:
            self.chosen.setData(pos=self.pos[self.chosen_index][None])

    def set_marker(self, z: np.ndarray | None) -> None:
        """The sliders' z, mapped like the points (a star)."""
        self._marker_z = z
        if z is None or (self.latent_dim > 2 and self._basis is None):
            self.marker.setData([])
        else:
            self.marker.setData(pos=self.project(z))


class VaePlaneView(Panel):
    """2-D data: the data, where each point reconstructs to, and samples, in the data plane."""

    title = QT_TRANSLATE_NOOP("Panels", "2-D view")
    object_name = "vae_plane"
    uses = ("snapshot",)
    formula = (QT_TRANSLATE_NOOP("Panels", "Blue: data x. Orange: reconstructions decoder(μ(x)), joined to their x by grey lines. "
               "Purple: samples decoder(z), z ~ N(0, I) (the means; p(x|z) adds noise of std σ, the ellipse "
               "around the star). Grid: the decoder applied to a regular grid in (z₀, z₁)."))

    def __init__(self, parent=None):
        super().__init__(parent)
        self.plot = pg.PlotWidget()
        self.plot.setAspectLocked(True)
        fixed_axes(self.plot)
        self.plot.showGrid(x=True, y=True, alpha=0.15)
        self.grid = pg.PlotCurveItem(pen=pg.mkPen(120, 120, 120, 110, width=1))
        self.links = pg.PlotCurveItem(pen=pg.mkPen(150, 150, 150, 90, width=1))
        self.data = pg.ScatterPlotItem(size=4, pen=None, brush=pg.mkBrush(REAL))
        self.recon = pg.ScatterPlotItem(size=4, pen=None, brush=pg.mkBrush(FAKE))
        self.samples = pg.ScatterPlotItem(size=4, pen=None, brush=pg.mkBrush(SAMPLE))
        self.path = pg.PlotDataItem(pen=pg.mkPen(PATH, width=2), symbol="o", symbolSize=5,
                                    symbolBrush=PATH, symbolPen=None)
        self.sigma_ellipse = pg.PlotCurveItem(pen=pg.mkPen(MARKER, width=1.5, style=Qt.DashLine))
        self.marker = pg.ScatterPlotItem(size=16, symbol="star", pen=pg.mkPen("k"), brush=pg.mkBrush(MARKER))
        for item in (self.grid, self.links, self.data, self.recon, self.samples, self.path,
                     self.sigma_ellipse, self.marker):
            self.plot.addItem(item)
        # The key above the plot, not a legend in it: a legend would cover the points.
        self.key = curve_key([(translate("Panels", "data x"), REAL),
                              (translate("Panels", "reconstruction decoder(μ(x))"), FAKE),
                              (translate("Panels", "sample decoder(z)"), SAMPLE),
                              (translate("Panels", "decoder(z) of the sliders"), MARKER)])
        row, self.toggles = toggle_row((("data", translate("Panels", "data"), True), ("recon", translate("Panels", "reconstructions"), True),
                               ("links", translate("Panels", "x → reconstruction"), True), ("samples", translate("Panels", "samples"), True),
                               ("grid", translate("Panels", "latent grid"), False)), self._apply_toggles)
        self.readout = QLabel("σ = –")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(row)
        layout.addWidget(self.key)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.readout)
        layout.addWidget(self.formula_label())
        self._bounds = None
        self.sigma = None
        self.marker_xy = None
        self._apply_toggles()

    def _apply_toggles(self) -> None:
        items = {"data": self.data, "recon": self.recon, "links": self.links, "samples": self.samples,
                 "grid": self.grid}
        for key, item in items.items():
            item.setVisible(self.toggles[key].isChecked())
        self.force_redraw()

    def render(self, session) -> None:
        snap = session.snapshot
        if snap is None or "data" not in snap:
            return
        bounds = tuple(float(b) for b in snap["bounds"])
        if bounds != self._bounds:
            self._bounds = bounds
            self.plot.setRange(xRange=bounds[:2], yRange=bounds[2:], padding=0)
        show = {k: b.isChecked() for k, b in self.toggles.items()}
        data, recon = snap["data"], snap["recon"]
        if show["data"]:
            self.data.setData(pos=data)
        if show["recon"]:
            self.recon.setData(pos=recon)
        if show["links"]:
            xy = np.stack([data, recon], 1).reshape(-1, 2)
            self.links.setData(xy[:, 0], xy[:, 1], connect="pairs")
        if show["samples"]:
            self.samples.setData(pos=snap["samples"])
        if show["grid"] and "grid_lines" in snap:
            x, y, connect = line_segments(snap["grid_lines"])
            self.grid.setData(x, y, connect=connect)
        self.sigma = np.asarray(snap["sigma"], np.float64)
        self.readout.setText(translate("Panels", "σ of p(x|z) = ({})").format(", ".join(f"{s:.3f}" for s in self.sigma)))
        self.set_marker(self.marker_xy)

    # Set by the window from the GUI thread's decoder copy --------------------------------------
    def set_marker(self, xy: np.ndarray | None) -> None:
        self.marker_xy = None if xy is None else np.asarray(xy, np.float64).reshape(2)
        if self.marker_xy is None:
            self.marker.setData([])
            self.sigma_ellipse.setData([], [])
            return
        self.marker.setData(pos=self.marker_xy[None])
        if self.sigma is not None:
            t = np.linspace(0, 2 * np.pi, 49)
            self.sigma_ellipse.setData(self.marker_xy[0] + self.sigma[0] * np.cos(t),
                                       self.marker_xy[1] + self.sigma[1] * np.sin(t))

    def set_path(self, points: np.ndarray | None) -> None:
        if points is None or len(points) == 0:
            self.path.setData([], [])
        else:
            self.path.setData(points[:, 0], points[:, 1])
