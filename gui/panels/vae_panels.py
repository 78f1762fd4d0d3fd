"""The VAE's image panels and its panel set: which views it shows, and how sliders, Encode,
scatter clicks and the interpolation strip are wired to each other and to the window's decoder."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QT_TRANSLATE_NOOP, Signal
from PySide6.QtWidgets import QFormLayout, QHBoxLayout, QLabel, QPushButton, QSpinBox, QVBoxLayout

from gui.i18n import translate
from gui.panels.base import Panel
from gui.panels.image_grid import ImageGridView, tile_grid
from gui.panels.interpolation import InterpolationPanel
from gui.panels.latent_sliders import LatentSlidersPanel
from gui.panels.panel_set import BOTTOM, RIGHT, PanelSet
from gui.panels.vae_lesson import BetaTradeoffLesson
from gui.panels.vae_views import KlPerDimPanel, LatentScatterPanel, VaeLossesPanel, VaePlaneView, sized


class VaeSlidersPanel(LatentSlidersPanel):
    formula = (QT_TRANSLATE_NOOP("Panels", "Each slider sets one coordinate of z (±3, where N(0, I) puts 99.7% of its mass). "
               "decoder(z) is drawn at once, on the window's copy of the decoder, while training runs."))

    def __init__(self, latent_dim: int, parent=None):
        super().__init__(latent_dim, parent=parent)
        self.readout.hide()  # a numeric readout suits 2-D points; images show decoder(z) beside it


def example_spin(tooltip: str) -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(0, 0)  # widened once a snapshot says how many test examples there are
    spin.setToolTip(tooltip)
    return spin


@sized(480, 290)
class ReconstructionPanel(Panel):
    title = QT_TRANSLATE_NOOP("Panels", "Reconstructions")
    object_name = "vae_reconstructions"
    uses = ("snapshot",)
    formula = QT_TRANSLATE_NOOP("Panels", "Left: test images x. Right: decoder(μ(x)), the mean of p(x|z) at z = μ(x), q(z|x)'s mean.")

    def __init__(self, parent=None):
        super().__init__(parent)
        self.inputs = ImageGridView(translate("Panels", "test images x"))
        self.outputs = ImageGridView(translate("Panels", "reconstructions decoder(μ(x))"))
        row = QHBoxLayout()
        row.addWidget(self.inputs)
        row.addWidget(self.outputs)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(row, 1)
        layout.addWidget(self.formula_label())

    def render(self, session) -> None:
        snap = session.snapshot
        if snap is None or "recon_inputs" not in snap:
            return
        self.inputs.show_images(snap["recon_inputs"])
        self.outputs.show_images(snap["recon_outputs"])


@sized(520, 210)
class SamplesPanel(Panel):
    title = QT_TRANSLATE_NOOP("Panels", "Samples")
    object_name = "vae_samples"
    uses = ("snapshot",)
    formula = QT_TRANSLATE_NOOP("Panels", "decoder(z) for fixed z ~ N(0, I): the same z every frame, so only the decoder changes.")

    def __init__(self, parent=None):
        super().__init__(parent)
        self.grid = ImageGridView("decoder(z), z ~ N(0, I)")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.grid, 1)
        layout.addWidget(self.formula_label())

    def render(self, session) -> None:
        snap = session.snapshot
        if snap is not None and "samples" in snap:
            self.grid.show_images(snap["samples"])


@sized(520, 300)
class ManifoldPanel(Panel):
    title = QT_TRANSLATE_NOOP("Panels", "Manifold: decoder over the z plane")
    object_name = "vae_manifold"
    uses = ("snapshot",)
    formula = (QT_TRANSLATE_NOOP("Panels", "decoder(z) on a regular grid of z = (Φ⁻¹(u₀), Φ⁻¹(u₁)), u from 0.05 to 0.95: "
               "z₀ grows to the right, z₁ upwards (Kingma & Welling, fig. 4)."))

    def __init__(self, parent=None):
        super().__init__(parent)
        self.grid = ImageGridView("z₀ →   z₁ ↑")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.grid, 1)
        layout.addWidget(self.formula_label())

    def render(self, session) -> None:
        snap = session.snapshot
        if snap is not None and "manifold" in snap:
            grid = snap["manifold"]
            self.grid.show_tiled(tile_grid(grid), grid.shape[0] * grid.shape[1])


@sized(560, 290)
class LatentExplorerPanel(Panel):
    """Sliders beside decoder(z), with Encode: z = μ(x) of a chosen test example."""

    title = QT_TRANSLATE_NOOP("Panels", "Latent sliders → decoder(z)")
    object_name = "vae_latent_explorer"
    uses = ("snapshot",)  # redraw on new snapshots only, not on every metrics flush
    formula = QT_TRANSLATE_NOOP("Panels", "Encode sets z = μ(x), the mean of q(z|x), for test example x; the picture is decoder(z).")
    encoded = Signal(int)  # the test example just encoded

    def __init__(self, latent_dim: int, image_shape: tuple[int, ...], parent=None):
        super().__init__(parent)
        self.image_shape = tuple(image_shape)
        self.sliders = VaeSlidersPanel(latent_dim)
        self.decoded = ImageGridView("decoder(z)")
        self.decoded.setMinimumSize(120, 120)
        self.example = example_spin(translate("Panels", "test example index (the first 16 are the reconstruction grid's, in order)"))
        encode = QPushButton(translate("Panels", "Encode"))
        encode.setObjectName("encode_button")
        encode.clicked.connect(self.encode)
        self.info = QLabel(translate("Panels", "train to encode test examples"))
        self.info.setWordWrap(True)
        encode_row = QHBoxLayout()
        encode_row.addWidget(QLabel(translate("Panels", "test example")))
        encode_row.addWidget(self.example)
        encode_row.addWidget(encode)
        encode_row.addStretch(1)
        right = QVBoxLayout()
        right.addWidget(self.decoded, 1)
        right.addLayout(encode_row)
        right.addWidget(self.info)
        right.addWidget(self.formula_label())
        layout = QHBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.sliders, 3)
        layout.addLayout(right, 2)
        self.mu = self.labels = None

    def render(self, session) -> None:
        snap = session.snapshot
        if snap is None:
            return
        self.mu, self.labels = snap["latent_mu"], snap["latent_labels"]
        self.example.setMaximum(len(self.mu) - 1)

    def encode(self) -> None:
        if self.mu is None:
            self.info.setText(translate("Panels", "no encoder output yet: press Train (or Step) first"))
            return
        index = self.example.value()
        self.use_example(index, self.mu[index])
        self.encoded.emit(index)

    def use_example(self, index: int, mu: np.ndarray) -> None:
        """Set the sliders to μ of test example `index` (from Encode or a scatter click)."""
        self.example.setValue(index)
        label = "" if self.labels is None else " " + translate("Panels", "(label {})").format(int(self.labels[index]))
        clipped = np.abs(mu).max() > self.sliders.z_range
        self.info.setText(translate("Panels", "z = μ(x) of test example {}").format(index) + label
                          + (translate("Panels", "; clipped to ±3") if clipped else ""))
        self.sliders.set_z(mu)

    def show_decoded(self, x: np.ndarray) -> None:
        """decoder(z) for the sliders' z (the window paints it at once after a slider move)."""
        self.decoded.show_images(np.asarray(x).reshape(1, *self.image_shape))


@sized(520, 290)
class InterpolationStripPanel(Panel):
    """The interpolation controls, end points from two test examples, and decoder(z_t) as a strip."""

    title = QT_TRANSLATE_NOOP("Panels", "Interpolation")
    object_name = "vae_interpolation"
    uses = ("snapshot",)

    def __init__(self, latent_dim: int, image_shape: tuple[int, ...], parent=None):
        super().__init__(parent)
        self.image_shape = tuple(image_shape)
        self.interp = InterpolationPanel(latent_dim)
        self.start = example_spin(translate("Panels", "test example whose μ is z₀"))
        self.end = example_spin(translate("Panels", "test example whose μ is z₁"))
        use = QPushButton(translate("Panels", "Between these test examples"))
        use.clicked.connect(self.use_test_examples)
        form = QFormLayout()
        form.addRow(translate("Panels", "z₀ = μ of test example"), self.start)
        form.addRow(translate("Panels", "z₁ = μ of test example"), self.end)
        form.addRow(use)
        controls = QVBoxLayout()
        controls.addWidget(self.interp)
        controls.addLayout(form)
        self.strip = ImageGridView("decoder(z_t), t = 0 → 1")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(controls, 2)
        layout.addWidget(self.strip, 3)
        self.mu = self._examples_z0 = None

    def render(self, session) -> None:
        snap = session.snapshot
        if snap is None:
            return
        first = self.mu is None
        self.mu = snap["latent_mu"]
        self.start.setMaximum(len(self.mu) - 1)
        self.end.setMaximum(len(self.mu) - 1)
        if first:  # start between two real test images rather than two random z
            self.end.setValue(min(1, len(self.mu) - 1))
        if first or self.following_examples():  # μ(x) moves as the encoder learns: follow it
            self.use_test_examples()

    def following_examples(self) -> bool:
        """True until "New end points" replaced the test examples' μ with random z."""
        return self._examples_z0 is not None and self.interp.z0 is self._examples_z0

    def use_test_examples(self) -> None:
        if self.mu is not None:
            self.interp.set_end_points(self.mu[self.start.value()], self.mu[self.end.value()])
            self._examples_z0 = self.interp.z0

    def show_path(self, images: np.ndarray | None) -> None:
        if images is None or len(images) == 0:
            self.strip.clear_image()
            return
        self.strip.show_images(np.asarray(images).reshape(len(images), *self.image_shape))


def build_vae_panels(model) -> PanelSet:
    latent_dim = model.latent_dim
    scatter = LatentScatterPanel(latent_dim)
    # 2-D Gaussian likelihoods give negative nats, which a log axis cannot show.
    losses, kl = VaeLossesPanel(log_scale=model.is_image), KlPerDimPanel(latent_dim)
    if model.is_image:
        return _image_panels(model, scatter, losses, kl)
    return _plane_panels(model, scatter, losses, kl)


def _image_panels(model, scatter, losses, kl) -> PanelSet:
    latent_dim, shape = model.latent_dim, model.shape
    explorer = LatentExplorerPanel(latent_dim, shape)
    strip = InterpolationStripPanel(latent_dim, shape)
    sliders = explorer.sliders
    scatter.example_chosen.connect(explorer.use_example)
    explorer.encoded.connect(scatter.ring)

    def show_slider_output(x):
        explorer.show_decoded(x)
        scatter.set_marker(sliders.z())

    lesson = BetaTradeoffLesson(latent_dim)
    docks = [(losses, RIGHT), (kl, RIGHT), (SamplesPanel(), RIGHT),
             (ReconstructionPanel(), BOTTOM), (lesson, BOTTOM), (explorer, BOTTOM), (strip, BOTTOM)]
    if latent_dim == 2:
        docks.insert(2, (ManifoldPanel(), RIGHT))
    key = "vae-images-2d" if latent_dim == 2 else "vae-images"  # different docks, different remembered layout
    return PanelSet(key, scatter, docks, sliders=sliders, interpolation=strip.interp,
                    show_slider_output=show_slider_output, show_path_output=strip.show_path,
                    slider_view=explorer.decoded, setting_requests=[lesson.setting_requested])


def _plane_panels(model, scatter, losses, kl) -> PanelSet:
    plane = VaePlaneView()
    sliders = VaeSlidersPanel(model.latent_dim)
    interp = InterpolationPanel(model.latent_dim)
    scatter.example_chosen.connect(lambda _index, mu: sliders.set_z(mu))
    lesson = BetaTradeoffLesson(model.latent_dim)

    def show_slider_output(xy):
        plane.set_marker(xy)
        sliders.show_decoded(xy)
        scatter.set_marker(sliders.z())

    return PanelSet("vae-plane", plane, [
        (losses, RIGHT), (kl, RIGHT), (scatter, RIGHT), (sliders, BOTTOM), (interp, BOTTOM), (lesson, BOTTOM),
    ], sliders=sliders, interpolation=interp, show_slider_output=show_slider_output,
        show_path_output=plane.set_path, slider_view=plane.plot, setting_requests=[lesson.setting_requested])
