"""RealNVP's panel set: the 2-D views (gui.panels.flow_views), the losses with the change of
variables split into its two terms, the live Jacobian check, and for images a samples grid
with a temperature choice, latent sliders over a block of z's dimensions and an interpolation
between the codes of two test images."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QT_TRANSLATE_NOOP, QSize, Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSlider, QSpinBox, QVBoxLayout

from gui.i18n import translate
from gui.panels.base import Panel
from gui.panels.flow_lesson import ChangeOfVariablesLesson
from gui.panels.flow_views import DensityView, ForwardMapView, InverseMapView, LayerStepView, LogDetView
from gui.panels.history_plot import HistoryPlotPanel
from gui.panels.image_grid import ImageGridView
from gui.panels.interpolation import InterpolationPanel
from gui.panels.latent_sliders import TICKS_PER_UNIT, ImageSlidersPanel, LatentSlidersPanel
from gui.panels.panel_set import BOTTOM, RIGHT, PanelSet
from gui.style import EXTRA, FAKE, REAL

JACOBIAN_TOLERANCE = 1e-3  # above this the layers' log-dets disagree with autograd: a bug, shown red
SLIDER_DIMS = 8  # sliders: one per principal direction of the test codes (the model's SLIDER_AXES)
SLIDER_TEMPERATURE = 0.75  # the samples' temperature chosen first: cleaner samples than T = 1


# -- losses and the Jacobian check ---------------------------------------------------------------
class FlowLossesPanel(HistoryPlotPanel):
    title = QT_TRANSLATE_NOOP("Panels", "Negative log-likelihood")
    object_name = "flow_losses"
    columns = [("nll", "NLL = −log p_x(x)", REAL), ("log_pz", "log p_z(f(x))", EXTRA[0]),
               ("log_det", "log|det ∂f/∂x|", FAKE)]
    y_label = QT_TRANSLATE_NOOP("Panels", "nats per example")
    formula = (QT_TRANSLATE_NOOP("Panels", "NLL(x) = −log p_z(f(x)) − log|det ∂f/∂x|, from p_x(x) = p_z(f(x)) |det ∂f/∂x|. "
               "Training raises both terms' sum; log|det ∂f/∂x| = Σ over couplings of Σ_j s(x_{1:d})_j."))

    def sizeHint(self) -> QSize:
        return QSize(420, 280)


class BitsPerDimPanel(HistoryPlotPanel):
    title = QT_TRANSLATE_NOOP("Panels", "Bits per dimension")
    object_name = "flow_bits_per_dim"
    columns = [("bits_per_dim", "bits/dim", REAL)]
    y_label = QT_TRANSLATE_NOOP("Panels", "bits per dimension")
    formula = QT_TRANSLATE_NOOP("Panels", "bits/dim = NLL / (D ln 2), D = C·H·W, for dequantised 8-bit pixels (x = (k + u)/256).")


class JacobianCheckPanel(Panel):
    """The couplings' own log-dets against the log|det| of the autograd Jacobian, live."""

    title = QT_TRANSLATE_NOOP("Panels", "Jacobian check")
    object_name = "flow_jacobian"
    uses = ("snapshot",)
    formula = (QT_TRANSLATE_NOOP("Panels", "max over 8 data points of | Σ_layers log|det J_k|  −  log|det ∂f/∂x| from autograd |. "
               "Each coupling's J is triangular with diagonal exp(s), so log|det J| = Σ_j s_j; "
               "above {tolerance:g} (red) a layer's log-det is wrong."))

    def __init__(self, parent=None):
        super().__init__(parent)
        self.formula = self.formula.format(tolerance=JACOBIAN_TOLERANCE)
        self.value: float | None = None
        self.value_label = QLabel("–")
        self.value_label.setObjectName("jacobian_value")
        self.value_label.setAlignment(Qt.AlignCenter)
        self.value_label.setStyleSheet("font-size: 30px; font-weight: bold; color: #666;")
        self.verdict = QLabel("")
        self.verdict.setAlignment(Qt.AlignCenter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addStretch(1)
        layout.addWidget(self.value_label)
        layout.addWidget(self.verdict)
        layout.addStretch(1)
        layout.addWidget(self.formula_label())
        self.setMaximumWidth(240)  # a number and a sentence: leave the width to the plots
        self._snap_drawn = -1

    def sizeHint(self) -> QSize:
        return QSize(200, 160)

    def render(self, session) -> None:
        snap = session.snapshot
        if snap is None or session.snapshot_version == self._snap_drawn or "jacobian_check" not in snap:
            return
        self._snap_drawn = session.snapshot_version
        self.value = float(snap["jacobian_check"])
        bad = not np.isfinite(self.value) or self.value > JACOBIAN_TOLERANCE
        self.value_label.setText(f"{self.value:.1e}")
        self.verdict.setText((translate("Panels", "above {:g}: a log-det is wrong") if bad else
                              translate("Panels", "below {:g}: log-dets agree")).format(JACOBIAN_TOLERANCE))
        self.value_label.setStyleSheet(
            f"font-size: 30px; font-weight: bold; color: {'#d62728' if bad else '#2a8a2a'};")


# -- images: tiled by gui/panels/image_grid.py, shared with the VAE ----------------------------------
class FlowSamplesPanel(Panel):
    title = QT_TRANSLATE_NOOP("Panels", "Samples")
    object_name = "flow_samples"
    uses = ("snapshot",)
    formula = (QT_TRANSLATE_NOOP("Panels", "x = f⁻¹(z), z ~ N(0, T² I): the same 16 codes z each snapshot, scaled by the temperature T. "
               "T < 1 stays nearer the mode of p_z and trades variety for cleaner samples."))
    COLS = 4

    def __init__(self, parent=None):
        super().__init__(parent)
        self.temperature = QSlider(Qt.Horizontal)
        self.temperature.setObjectName("temperature_slider")
        self.temperature.setRange(0, 0)
        self.temperature.valueChanged.connect(self._draw)
        self.temperature_label = QLabel("T = –")
        self.temperature_label.setMinimumWidth(70)
        row = QHBoxLayout()
        row.addWidget(QLabel("temperature"))
        row.addWidget(self.temperature, 1)
        row.addWidget(self.temperature_label)
        self.tile = ImageGridView()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(row)
        layout.addWidget(self.tile, 1)
        layout.addWidget(self.formula_label())
        self.snap = None
        self._snap_drawn = -1

    def render(self, session) -> None:
        if session.snapshot is None or session.snapshot_version == self._snap_drawn:
            return
        self._snap_drawn = session.snapshot_version
        self.snap = session.snapshot
        temps = self.snap["temperatures"]
        if self.temperature.maximum() != len(temps) - 1:
            self.temperature.setRange(0, len(temps) - 1)
            self.temperature.setValue(int(np.argmin(np.abs(temps - SLIDER_TEMPERATURE))))
        self._draw()

    def _draw(self) -> None:
        if self.snap is None:
            return
        k = self.temperature.value()
        self.temperature_label.setText(f"T = {float(self.snap['temperatures'][k]):.2f}")
        self.tile.show_or_clear(self.snap["samples"][k], self.COLS)


class FlowPrincipalSliders(LatentSlidersPanel):
    """Sliders over the top principal directions of test images' codes, from one test image's code.

    A single coordinate of an image flow's z barely shows (z = 0 decodes to a grey square, and
    z₀ = 3 changes a pixel or two): the codes of real images vary together along a few directions,
    and moving along those changes the picture. Slider j holds a coefficient c_j in units of the
    codes' spread along direction j, and z = f(x_start) + Σ_j c_j σ_j v_j; all at 0 is the test image."""

    template = QT_TRANSLATE_NOOP("Panels", "z = f(x) of a test image, moved along the top {dims} principal directions of the codes "
                "f(x) of {n} test images: slider PC j adds c_j σ_j v_j (c_j from −3 to 3 spreads σ_j along v_j); "
                "the picture is x = f⁻¹(z), on the GUI's copy of the inverse flow while training runs. "
                "Zero returns to the test image; Random draws every c_j ~ N(0, 1).")

    def caption(self, n) -> str:
        return translate("Panels", self.template).format(dims=SLIDER_DIMS, n=n)

    def __init__(self, latent_dim: int, parent=None):
        self.formula = self.caption(translate("Panels", "the first"))
        super().__init__(SLIDER_DIMS, parent=parent)
        self.code_dim = latent_dim
        for i, label in enumerate(self.name_labels):
            label.setText(f"PC{i + 1}")
            self.sliders[i].setObjectName(f"pc{i + 1}")
        self.start = QSpinBox()
        self.start.setObjectName("start_image")
        self.start.setRange(0, 0)
        self.start.setToolTip(translate("Panels", "the test image whose code z = f(x) the sliders start from"))
        self.start.valueChanged.connect(lambda _i: self.z_changed.emit(self.z()))
        row = QHBoxLayout()
        row.addWidget(QLabel(translate("Panels", "start from test image #")))
        row.addWidget(self.start)
        row.addStretch(1)
        self.layout().insertLayout(1, row)
        self._session = None

    def follow(self, session) -> None:
        """Take the codes and directions from the session's newest snapshot whenever z() is asked for:
        the window decodes as soon as new weights arrive, before the panels redraw."""
        self._session = session

    def _codes_and_axes(self):
        snap = self._session.snapshot if self._session is not None else None
        if snap is None or "slider_axes" not in snap:
            return None, None
        codes = snap["slider_codes"]
        if self.start.maximum() != len(codes) - 1:
            self.start.setMaximum(len(codes) - 1)
        return codes, snap["slider_axes"]

    def coefficients(self) -> np.ndarray:
        return np.array([s.value() / TICKS_PER_UNIT for s in self.sliders], np.float32)

    def z(self) -> np.ndarray:
        codes, axes = self._codes_and_axes()
        if codes is None:  # before the first snapshot: z = 0, the flow's mode
            return np.zeros(self.code_dim, np.float32)
        return (codes[self.start.value()] + self.coefficients() @ axes).astype(np.float32)


class FlowSliderPanel(ImageSlidersPanel):
    """Sliders along the principal directions of test codes, beside the decoded picture f⁻¹(z)."""

    title = QT_TRANSLATE_NOOP("Panels", "Latent sliders")
    object_name = "flow_sliders"
    uses = ("snapshot",)  # the first snapshot brings the codes the sliders start from

    def __init__(self, latent_dim: int, parent=None):
        super().__init__(FlowPrincipalSliders(latent_dim), caption="x = f⁻¹(z)", parent=parent)
        self._following = False

    def render(self, session) -> None:
        snap = session.snapshot
        if not self._following and snap is not None and "slider_codes" in snap:
            self._following = True
            self.sliders.follow(session)
            self.sliders.caption_label.setText(self.sliders.caption(len(snap["slider_codes"])))
            self.sliders.z_changed.emit(self.sliders.z())  # decode the start image now

    def sizeHint(self) -> QSize:
        return QSize(600, 260)


class FlowInterpolationPanel(InterpolationPanel):
    """Interpolation between the codes z = f(x) of two test images; x_t = f⁻¹(z_t)."""

    here = QT_TRANSLATE_NOOP("Panels", "Here z₀ = f(x_a), z₁ = f(x_b) for two test images.")
    uses = ("snapshot",)  # picks up the test images' codes
    COLS = 8
    _test_z = None  # set from snapshots; InterpolationPanel.__init__ already picks end points
    _pair: tuple[int, int] | None = None
    _session = None

    def __init__(self, latent_dim: int, parent=None):
        self.formula = translate("Panels", InterpolationPanel.formula) + "  " + translate("Panels", self.here)
        super().__init__(latent_dim, parent)
        self.ends_label = QLabel(translate("Panels", "end points: random z until the first snapshot"))
        self.tile = ImageGridView()
        self.tile.setMinimumHeight(90)
        layout: QVBoxLayout = self.layout()
        layout.insertWidget(1, self.ends_label)
        layout.insertWidget(2, self.tile, 1)

    def sizeHint(self) -> QSize:
        return QSize(500, 260)

    def new_end_points(self) -> None:
        if self._test_z is None:
            super().new_end_points()
            return
        a = (self._pair[1] + 1) % len(self._test_z)
        self._pair = (a, (a + 1) % len(self._test_z))
        self._use_pair(emit=True)

    def _use_pair(self, emit: bool) -> None:
        a, b = self._pair
        self.ends_label.setText(translate("Panels", "from test image #{} to test image #{}").format(a, b))
        self.set_end_points(self._test_z[a], self._test_z[b], emit=emit)

    def path_z(self) -> np.ndarray | None:
        """The window decodes the path as soon as new weights arrive, before the panels redraw:
        take the codes from that same snapshot, so the path starts and ends at the test images."""
        snap = self._session.snapshot if self._session is not None else None
        if snap is not None and "test_z" in snap and self._test_z is not snap["test_z"]:
            self._test_z = snap["test_z"]
            self._use_pair(emit=False)
        return super().path_z()

    def render(self, session) -> None:
        snap = session.snapshot
        if self._session is None and snap is not None and "test_z" in snap:
            self._session, self._test_z, self._pair = session, snap["test_z"], (0, 1)
            self._use_pair(emit=True)  # the first codes: decode the path now, not at the next snapshot

    def show_path(self, images: np.ndarray | None) -> None:
        self.tile.show_or_clear(images, self.COLS)


# -- the set -------------------------------------------------------------------------------------------
def build_flow_panels(model) -> PanelSet:
    if not model.is_image:
        density, lesson = DensityView(), ChangeOfVariablesLesson()
        density.point_clicked.connect(lesson.choose)
        lesson.point_chosen.connect(density.set_point)
        return PanelSet("realnvp-plane", density, [
            (ForwardMapView(), RIGHT), (InverseMapView(), RIGHT), (lesson, RIGHT),
            (LayerStepView(), BOTTOM), (LogDetView(), BOTTOM), (FlowLossesPanel(), BOTTOM),
            (JacobianCheckPanel(), BOTTOM),
        ], setting_requests=[lesson.setting_requested])  # the lesson's weight-decay button
    sliders = FlowSliderPanel(model.latent_dim)
    interpolation = FlowInterpolationPanel(model.latent_dim)
    return PanelSet("realnvp-images", FlowSamplesPanel(), [
        (FlowLossesPanel(), RIGHT), (BitsPerDimPanel(), RIGHT), (sliders, BOTTOM), (interpolation, BOTTOM),
    ], sliders=sliders.sliders, interpolation=interpolation, show_slider_output=sliders.show_output,
        slider_view=sliders.tile, show_path_output=interpolation.show_path)
