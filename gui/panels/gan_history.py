"""GAN history panels: losses, discriminator outputs over time, generator gradient norm."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QT_TRANSLATE_NOOP
from PySide6.QtWidgets import QVBoxLayout

from gui.i18n import translate
from gui.panels.base import sized
from gui.panels.history_plot import HistoryPlotPanel, curve_key
from gui.panels.view_range import nice_ceil, value_range
from gui.style import D_COLOUR, FAKE, G_COLOUR, PLOT_MIN_HEIGHT, REAL, curve_pen


@sized(520, 230)
class GanLossesPanel(HistoryPlotPanel):
    title = QT_TRANSLATE_NOOP("Panels", "Losses")
    object_name = "gan_losses"
    columns = [("loss_d", QT_TRANSLATE_NOOP("Panels", "D loss  L(D,G)"), D_COLOUR), ("loss_g", QT_TRANSLATE_NOOP("Panels", "G loss"), G_COLOUR)]
    y_label = QT_TRANSLATE_NOOP("Panels", "loss")
    formula = (QT_TRANSLATE_NOOP("Panels", "L(D, G) = −(1/n) Σ log D(xᵢ) − (1/n) Σ log(1 − D(G(zᵢ))); D minimises L. "
               "minimax: G minimises (1/n) Σ log(1 − D(G(z))), which flattens as D wins (L → 0). "
               "non-saturating: G minimises −(1/n) Σ log D(G(z))."))


@sized(520, 230)
class GradNormPanel(HistoryPlotPanel):
    title = QT_TRANSLATE_NOOP("Panels", "Generator gradient norm")
    object_name = "gan_grad_norm"
    columns = [("grad_norm_g", "‖∇θ_G L_G‖", G_COLOUR), ("grad_norm_d", "‖∇θ_D L_D‖", D_COLOUR)]
    log_default = True
    y_label = QT_TRANSLATE_NOOP("Panels", "gradient norm")
    formula = QT_TRANSLATE_NOOP("Panels", "When D separates real from fake perfectly, D(G(z)) → 0 and the minimax generator's gradient vanishes.")


@sized(520, 320)
class DOutputsPanel(HistoryPlotPanel):
    """Mean D(x) and D(G(z)) over time, above histograms of both at the latest snapshot."""

    title = QT_TRANSLATE_NOOP("Panels", "Discriminator outputs")
    object_name = "gan_d_outputs"
    columns = [("d_real", QT_TRANSLATE_NOOP("Panels", "mean D(x), real"), REAL), ("d_fake", QT_TRANSLATE_NOOP("Panels", "mean D(G(z)), fake"), FAKE)]
    y_label = "D"
    uses = ("history", "snapshot")
    formula = QT_TRANSLATE_NOOP("Panels", "D(x) = sigmoid(logit): 1 = judged real, 0 = judged fake (raw critic values for WGAN-GP).")
    BINS = 40

    def __init__(self, parent=None):
        super().__init__(parent)
        self.hist = pg.PlotWidget()
        self.hist.setLabel("bottom", translate("Panels", "D output"))
        self.hist.setLabel("left", translate("Panels", "fraction"))
        self.hist.getAxis("left").enableAutoSIPrefix(False)
        self.hist.setMinimumHeight(PLOT_MIN_HEIGHT)
        self.hist_real = self.hist.plot(stepMode="center", fillLevel=0, pen=curve_pen(REAL),
                                        brush=pg.mkBrush(76, 155, 232, 80), name="D(x)")
        self.hist_fake = self.hist.plot(stepMode="center", fillLevel=0, pen=curve_pen(FAKE),
                                        brush=pg.mkBrush(242, 142, 43, 80), name="D(G(z))")
        layout: QVBoxLayout = self.layout()
        layout.insertWidget(2, curve_key([(translate("Panels", "histogram of D(x), real"), REAL), (translate("Panels", "of D(G(z)), fake"), FAKE)]))
        layout.insertWidget(3, self.hist, 1)
        self.hist.getViewBox().disableAutoRange()
        self._hist_x = self._hist_top = None  # set only when they change: one paint per update
        self._snap_drawn = self._history_drawn = -1

    def render(self, session) -> None:
        if session.history_version != self._history_drawn:
            self._history_drawn = session.history_version
            super().render(session)
        snap = session.snapshot
        if snap is None or session.snapshot_version == self._snap_drawn:
            return
        self._snap_drawn = session.snapshot_version
        real, fake = snap["d_real_values"], snap["d_fake_values"]
        if bool(snap["d_is_probability"]):
            edges = np.linspace(0, 1, self.BINS + 1)
            x_range = (0.0, 1.0)
        else:
            both = np.concatenate([real, fake])
            lo, hi = np.percentile(both, [1, 99]) if len(both) else (0.0, 1.0)
            edges = np.linspace(lo, hi + 1e-6, self.BINS + 1)
            x_range = value_range(self._hist_x, np.asarray([lo, hi])) or self._hist_x
        top = 0.0
        for curve, values in ((self.hist_real, real), (self.hist_fake, fake)):
            fractions = np.histogram(values, edges)[0] / max(len(values), 1)
            curve.setData(edges, fractions)
            top = max(top, float(fractions.max(initial=0.0)))
        top = nice_ceil(top * 1.05) if top > 0 else 1.0
        if x_range != self._hist_x or top != self._hist_top:
            self._hist_x, self._hist_top = x_range, top
            self.hist.setRange(xRange=x_range, yRange=(0, top), padding=0.02)
