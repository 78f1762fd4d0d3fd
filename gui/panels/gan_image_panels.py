"""The image GAN's panels and its panel set: the samples grid from a fixed z, D's output histograms
over time, the class histogram of the samples, latent sliders and an interpolation strip (both
decoded on the window's copy of G), with the losses, gradient-norm and lesson panels shared with
the 2-D GAN."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QT_TRANSLATE_NOOP, QRectF, Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout

from gui.i18n import translate
from gui.panels.base import Panel, sized
from gui.panels.gan_history import GanLossesPanel, GradNormPanel
from gui.panels.gan_lesson import VanishingGradientLesson
from gui.panels.histogram_history import HistogramHistory
from gui.panels.image_grid import ImageGridView
from gui.panels.interpolation import InterpolationPanel
from gui.panels.latent_sliders import ImageSlidersPanel, LatentSlidersPanel
from gui.panels.panel_set import BOTTOM, RIGHT, PanelSet
from gui.style import FAKE, REAL

SLIDER_DIMS = 16  # a GAN's z has 64-128 dimensions: sliders cover a block of this many
MODE_LOST_BELOW = 0.05  # a digit drawn by fewer than 5% of samples counts as (nearly) dropped
SHARE_TOPS = (0.1, 0.25, 0.5, 1.0)  # the scales of the "share now" axis beside the D histograms


class GanSamplesPanel(Panel):
    title = QT_TRANSLATE_NOOP("Panels", "Samples G(z)")
    object_name = "gan_image_samples"
    uses = ("snapshot",)
    formula = (QT_TRANSLATE_NOOP("Panels", "G(z) for 64 fixed z ~ N(0, I): the same z at every snapshot, so only G changes. "
               "Mode collapse shows as many tiles drawing the same digit."))
    COLS = 8

    def __init__(self, parent=None):
        super().__init__(parent)
        self.grid = ImageGridView()
        self.caption = QLabel(translate("Panels", "press Train: G(z) appears here"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.caption)
        layout.addWidget(self.grid, 1)
        layout.addWidget(self.formula_label())

    def render(self, session) -> None:
        snap = session.snapshot
        if snap is None or "samples" not in snap:
            return
        self.grid.show_or_clear(snap["samples"], self.COLS)
        self.caption.setText(translate("Panels", "G(z), {} fixed z, at step {:,}").format(len(snap["samples"]),
                                                                                  int(snap.get("step", 0))))


@sized(520, 280)
class DHistogramPanel(Panel):
    """One column per snapshot: where D puts real (blue) and generated (orange) samples. A fixed
    buffer of COLUMNS columns; beside it, the newest histograms on the same D axis."""

    title = QT_TRANSLATE_NOOP("Panels", "D(x) and D(G(z)) over time")
    object_name = "gan_d_histograms"
    uses = ("snapshot",)
    formula = (QT_TRANSLATE_NOOP("Panels", "Each column: histograms of D(x) (blue, 128 fixed real x) and D(G(z)) (orange, 128 fixed z) at one "
               "snapshot, newest at the right; darker = more samples. D wins when blue sits at 1 and orange at 0."))
    COLUMNS, BINS = 200, 40

    def __init__(self, parent=None):
        super().__init__(parent)
        self.buffer = HistogramHistory(self.COLUMNS, self.BINS)
        self.view = pg.GraphicsLayoutWidget()
        self.view.ci.layout.setContentsMargins(2, 2, 2, 2)
        self.time_plot = self.view.addPlot()
        self.time_plot.setLabel("left", translate("Panels", "D output"))
        self.time_plot.getAxis("left").enableAutoSIPrefix(False)
        self.time_plot.setLabel("bottom", translate("Panels", "snapshots ago"))
        self.time_plot.setMouseEnabled(x=False, y=False)
        self.time_plot.hideButtons()
        self.image = pg.ImageItem()
        self.image.setLevels((0.0, 1.0))
        self.time_plot.addItem(self.image)
        self.time_plot.setRange(xRange=(-self.COLUMNS, 0), yRange=(0, 1), padding=0)  # until data say otherwise
        self.now_plot = self.view.addPlot()
        self.now_plot.setLabel("bottom", translate("Panels", "share now"))
        self.now_plot.getAxis("bottom").enableAutoSIPrefix(False)
        self.now_plot.setYLink(self.time_plot)
        self.now_plot.hideAxis("left")
        self.now_plot.setMouseEnabled(x=False, y=False)
        self.now_plot.hideButtons()
        self.now_plot.setXRange(0, 1, padding=0)
        self.view.ci.layout.setColumnStretchFactor(0, 4)
        self.view.ci.layout.setColumnStretchFactor(1, 1)
        self.now_real = pg.BarGraphItem(x0=[0], y=[0], height=[0], width=[0], brush=pg.mkBrush(76, 155, 232, 140),
                                        pen=pg.mkPen(None))
        self.now_fake = pg.BarGraphItem(x0=[0], y=[0], height=[0], width=[0], brush=pg.mkBrush(242, 142, 43, 140),
                                        pen=pg.mkPen(None))
        self.now_plot.addItem(self.now_real)
        self.now_plot.addItem(self.now_fake)
        real, fake = translate("Panels", "real D(x)"), translate("Panels", "generated D(G(z))")
        self.legend = QLabel(f"<span style='color:{REAL}'>■ {real}</span> &nbsp; "
                             f"<span style='color:{FAKE}'>■ {fake}</span> &nbsp; ■ " + translate("Panels", "both"))
        # Not a plot title: a title on one plot only would shift its view against the linked D axis.
        self.span = QLabel("")
        top = QHBoxLayout()
        top.addWidget(self.legend)
        top.addStretch(1)
        top.addWidget(self.span)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.formula_label())
        self._range = None
        self._share_top = 1.0

    def collect(self, snapshot: dict) -> None:
        """Every snapshot adds a column as it arrives, while the panel is hidden or waits for a
        draw turn too, so the history has no gaps; drawing happens only in render(). One column
        per training step: the trainer snapshots twice at one step (when a Step ends, and again
        as it pauses), and the second replaces the first."""
        if "d_real_values" not in snapshot:
            return
        b, step = self.buffer, int(snapshot.get("step", 0))
        b.push(snapshot["d_real_values"], snapshot["d_fake_values"], bool(snapshot["d_is_probability"]), step,
               replace=b.filled > 0 and step == int(b.steps[-1]))

    def render(self, session) -> None:
        b = self.buffer
        if b.filled == 0:
            return
        picture = b.picture(REAL, FAKE)
        filled = np.arange(b.capacity) >= b.capacity - b.filled
        shown = filled if session.viewing is None else filled & (b.steps <= session.viewing)
        later = int((filled & ~shown).sum())
        if later:  # showing a past step: as it looked then, its newest column at the right, the later ones not there
            picture[later:] = picture[:-later].copy()
            picture[:later] = 1.0
        # Copies: the picture buffer and the counts are rewritten in place by the next push, and pyqtgraph keeps
        # what it is given (it may render it again later, e.g. on a resize)
        self.image.setImage(picture.copy(), autoLevels=False, levels=(0.0, 1.0))
        if self._range != (b.low, b.high):  # set once per range, not per frame
            self._range = (b.low, b.high)
            self.image.setRect(QRectF(-b.capacity, b.low, b.capacity, b.high - b.low))
            self.time_plot.setYRange(b.low, b.high, padding=0.02)
            self.time_plot.setLabel("left", translate("Panels", "D output") if b.probability else translate("Panels", "critic value"))
        if not shown.any():  # a past step older than every column kept (a loaded run's): none of the later ones
            for bars in (self.now_real, self.now_fake):
                bars.setOpts(x0=[0], y=[0], height=[0], width=[0])
            self.span.setText("")
            return
        newest = int(np.nonzero(shown)[0][-1])
        first = int(b.steps[b.capacity - b.filled])
        self.span.setText(translate("Panels", "steps {:,} → {:,}").format(first, int(b.steps[newest])))
        real, fake = b.counts[0, newest].copy(), b.counts[1, newest].copy()
        edges = b.edges()
        width = edges[1] - edges[0]
        for bars, fractions in ((self.now_real, real), (self.now_fake, fake)):
            bars.setOpts(x0=np.zeros(b.bins), y=edges[:-1] + width / 2, height=width, width=fractions)
        top = next(t for t in SHARE_TOPS if t >= max(real.max(), fake.max()))
        if top != self._share_top:  # a few fixed scales: the axis changes rarely, never per frame
            self._share_top = top
            self.now_plot.setXRange(0, top, padding=0.02)


@sized(300, 280)
class ClassHistogramPanel(Panel):
    """How often each digit appears among the samples, judged by a separately trained classifier."""

    title = QT_TRANSLATE_NOOP("Panels", "Classes of the samples")
    object_name = "gan_class_histogram"
    uses = ("snapshot",)
    formula = (QT_TRANSLATE_NOOP("Panels", "f(y): share of 256 samples the classifier puts in class y.  KL(f ‖ U) = Σ_y f(y) log(10 f(y)).  "
               "score = exp(mean_x KL(p(y|x) ‖ p(y))), p(y) = mean_x p(y|x); 10 = confident and balanced."))
    CLASSES = 10

    def __init__(self, parent=None):
        super().__init__(parent)
        self.plot = pg.PlotWidget()
        self.plot.setLabel("bottom", translate("Panels", "class y"))
        self.plot.setLabel("left", translate("Panels", "share"))
        self.plot.getAxis("left").enableAutoSIPrefix(False)
        self.plot.getAxis("bottom").setTicks([[(i, str(i)) for i in range(self.CLASSES)]])
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        self.plot.setXRange(-0.6, self.CLASSES - 0.4, padding=0)
        self.bars = pg.BarGraphItem(x=np.arange(self.CLASSES), height=np.zeros(self.CLASSES), width=0.75,
                                    brush=pg.mkBrush(FAKE), pen=pg.mkPen(None))
        self.plot.addItem(self.bars)
        # The 10% label sits above its line and the 5% label below its own, so they never overlap.
        for level, text, style, anchor_y in ((1 / self.CLASSES, translate("Panels", "uniform 10%"), Qt.DashLine, 1),
                                             (MODE_LOST_BELOW, "5%", Qt.DotLine, 0)):
            line = pg.InfiniteLine(pos=level, angle=0, pen=pg.mkPen("#555", width=1, style=style), label=text,
                                   labelOpts={"position": 0.98, "color": "#333",
                                              "anchors": [(1, anchor_y), (1, anchor_y)]})
            self.plot.addItem(line)
        self._ok, self._low = pg.mkBrush(FAKE), pg.mkBrush("#d62728")  # red: a class the samples nearly lack
        self._top = 0.0
        self._set_top(0.25)
        self.summary = QLabel("")
        self.summary.setObjectName("class_summary")
        self.summary.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.summary)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.formula_label())
        self.show_missing()

    def _set_top(self, top: float) -> None:
        if top != self._top:  # a fixed axis, changed only when a bar would leave it
            self._top = top
            self.plot.setYRange(0, top * 1.05, padding=0)  # a margin so the top tick's label shows

    def show_missing(self) -> None:
        self.bars.setOpts(height=np.zeros(self.CLASSES))
        self.summary.setText(translate("Panels", "No class histogram yet: the classifier that judges the samples is trained once, on "
                             "first use, and cached (progress in the status bar). Only MNIST and Fashion-MNIST "
                             "have one."))

    def render(self, session) -> None:
        snap = session.snapshot
        if snap is None or "class_fractions" not in snap:
            self.show_missing()
            return
        fractions = np.asarray(snap["class_fractions"], np.float64)
        self.bars.setOpts(height=fractions, brushes=[self._low if f < MODE_LOST_BELOW else self._ok for f in fractions])
        self._set_top(0.25 if fractions.max() <= 0.24 else 1.0)
        dropped = [str(i) for i in np.flatnonzero(fractions < MODE_LOST_BELOW)]
        self.summary.setText(
            translate("Panels", "KL(f ‖ U) = {kl:.3f} nats · score = {score:.2f} of 10 · under 5%: {dropped}").format(
                kl=float(snap["kl_to_uniform"]), score=float(snap["mnist_score"]),
                dropped=", ".join(dropped) if dropped else translate("Panels", "none")))


class GanLatentSliders(LatentSlidersPanel):
    formula = QT_TRANSLATE_NOOP("Panels", "G(z): sliders set a block of {dims} of z's dimensions (pick the block with "
                                          "the spin box), the others keep their values; decoded on the window's "
                                          "copy of G while training runs.")

    def __init__(self, *args, **kwargs):
        self.formula = translate("Panels", type(self).formula).format(dims=SLIDER_DIMS)  # before the caption is made
        super().__init__(*args, **kwargs)


@sized(420, 280)
class GanSliderPanel(ImageSlidersPanel):
    """Sliders for a block of z's dimensions, beside the decoded picture G(z)."""

    title = QT_TRANSLATE_NOOP("Panels", "Latent sliders → G(z)")
    object_name = "gan_image_sliders"

    def __init__(self, latent_dim: int, parent=None):
        super().__init__(GanLatentSliders(latent_dim, shown=min(SLIDER_DIMS, latent_dim)), "G(z)", parent=parent)
        self.sliders.randomise()  # z = 0 is an untypical point for N(0, I) in many dimensions


@sized(300, 280)
class GanInterpolationPanel(InterpolationPanel):
    """Interpolation between two random z, decoded by G into a strip of images."""

    title = QT_TRANSLATE_NOOP("Panels", "Interpolation G(z_t)")
    object_name = "gan_image_interpolation"

    def __init__(self, latent_dim: int, parent=None):
        super().__init__(latent_dim, parent)
        self.tile = ImageGridView("G(z_t), t = 0 → 1")
        self.tile.setMinimumHeight(90)
        layout: QVBoxLayout = self.layout()
        layout.insertWidget(1, self.tile, 1)

    def show_path(self, images: np.ndarray | None) -> None:
        self.tile.show_or_clear(images, None)


def build_gan_image_panels(model) -> PanelSet:
    sliders = GanSliderPanel(model.latent_dim)
    interpolation = GanInterpolationPanel(model.latent_dim)
    lesson = VanishingGradientLesson()
    d_hist, losses, grad_norm, classes = DHistogramPanel(), GanLossesPanel(), GradNormPanel(), \
        ClassHistogramPanel()
    if model.params.loss == "minimax":  # G's gradient is about to vanish: the lesson is what to watch
        key, docks = "gan-images-lesson", [(lesson, RIGHT), (d_hist, RIGHT), (grad_norm, RIGHT),
                                           (losses, BOTTOM), (classes, BOTTOM), (sliders, BOTTOM),
                                           (interpolation, BOTTOM)]
    else:
        key, docks = "gan-images", [(d_hist, RIGHT), (losses, RIGHT), (grad_norm, RIGHT), (classes, BOTTOM),
                                    (sliders, BOTTOM), (interpolation, BOTTOM), (lesson, BOTTOM)]
    return PanelSet(key, GanSamplesPanel(), docks, sliders=sliders.sliders, interpolation=interpolation,
                    show_slider_output=sliders.show_output, show_path_output=interpolation.show_path,
                    slider_view=sliders.tile, setting_requests=[lesson.setting_requested])
