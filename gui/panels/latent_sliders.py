"""One slider per latent dimension (scrolling when there are many). Moving one emits z at once;
the window decodes it on the GUI thread's copy of the decoder while training continues.

With `shown` < latent_dim (an image flow's z has 784 dimensions) only a block of `shown`
dimensions gets sliders, chosen with a spin box; the other dimensions keep their values, so
z() is always a full latent vector."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QT_TRANSLATE_NOOP, Qt, Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from gui.i18n import translate
from gui.panels.base import Panel
from gui.panels.image_grid import ImageGridView

TICKS_PER_UNIT = 100  # slider integer steps per unit of z: the arrow keys move z by 0.01
PAGE_STEP = 25  # Page Up / Down and a click on the track move z by 0.25
# The shortest slider: ±3 over its ~180 px of handle travel is 0.033 of z per pixel, so a small drag is a
# small change (at 70 px, as squeezed docks gave, one pixel was 0.09 and a flick reached ±3). Longer would
# squeeze the panels beside the sliders at 1366 px.
MIN_TRACK_PX = 200


class LatentSlidersPanel(Panel):
    title = QT_TRANSLATE_NOOP("Panels", "Latent sliders")
    object_name = "latent_sliders"
    uses = ()  # draws nothing from the timer
    formula = QT_TRANSLATE_NOOP("Panels", "z ~ N(0, I): each slider sets one coordinate of z; the marker shows the decoded point.")
    z_changed = Signal(object)  # np.ndarray (latent_dim,)

    def __init__(self, latent_dim: int, z_range: float = 3.0, shown: int | None = None,
                 random_scale: float = 1.0, parent=None):
        super().__init__(parent)
        self.latent_dim = latent_dim
        self.z_range = z_range
        self.random_scale = random_scale  # "Random z" draws z ~ N(0, random_scale² I)
        shown = latent_dim if shown is None else max(1, min(shown, latent_dim))
        self.dims = list(range(shown))  # the dimensions that have sliders now
        self.base = np.zeros(latent_dim, np.float32)  # the full z; sliders write into it
        self.sliders: list[QSlider] = []
        self.value_labels: list[QLabel] = []
        self.name_labels: list[QLabel] = []
        grid_host = QWidget()
        grid = QGridLayout(grid_host)
        grid.setContentsMargins(2, 2, 2, 2)
        for i in range(shown):
            slider = QSlider(Qt.Horizontal)
            slider.setObjectName(f"z{i}")
            slider.setRange(-int(z_range * TICKS_PER_UNIT), int(z_range * TICKS_PER_UNIT))
            slider.setSingleStep(1)
            slider.setPageStep(PAGE_STEP)
            slider.setMinimumWidth(MIN_TRACK_PX)
            slider.valueChanged.connect(self._on_slider)
            value = QLabel(" 0.00")
            value.setMinimumWidth(40)
            name = QLabel(f"z{i}")
            grid.addWidget(name, i, 0)
            grid.addWidget(slider, i, 1)
            grid.addWidget(value, i, 2)
            self.sliders.append(slider)
            self.value_labels.append(value)
            self.name_labels.append(name)
        self.first_dim = None
        if shown < latent_dim:
            self.first_dim = QSpinBox()
            self.first_dim.setObjectName("first_dim")
            self.first_dim.setRange(0, latent_dim - shown)
            self.first_dim.setSingleStep(shown)
            self.first_dim.valueChanged.connect(self.show_dims_from)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(grid_host)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        # the panel asks for the sliders' full width instead of hiding part of them behind a scroll bar
        scroll.setMinimumWidth(grid_host.minimumSizeHint().width() + scroll.verticalScrollBar().sizeHint().width()
                               + 2 * scroll.frameWidth())
        self.readout = QLabel(translate("Panels", "decoded: –"))
        random_button = QPushButton(translate("Panels", "Random z"))
        random_button.clicked.connect(self.randomise)
        zero_button = QPushButton(translate("Panels", "Zero"))
        zero_button.clicked.connect(lambda: self.set_z(np.zeros(self.latent_dim)))
        buttons = QHBoxLayout()
        buttons.addWidget(random_button)
        buttons.addWidget(zero_button)
        buttons.addStretch(1)
        if self.first_dim is not None:
            buttons.addWidget(QLabel(translate("Panels", "sliders for {} of {} dims, from z").format(shown, latent_dim)))
            buttons.addWidget(self.first_dim)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(buttons)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.readout)
        self.caption_label = self.formula_label()
        layout.addWidget(self.caption_label)
        self._rng = np.random.default_rng(0)
        self._quiet = False

    def z(self) -> np.ndarray:
        """The full latent vector: the sliders' values in their dimensions, the rest unchanged."""
        z = self.base.copy()
        z[self.dims] = [s.value() / TICKS_PER_UNIT for s in self.sliders]
        return z

    def set_z(self, z: np.ndarray) -> None:
        """Set every dimension (and so every slider), then emit once."""
        self.base = np.clip(np.asarray(z, np.float32).reshape(self.latent_dim), -self.z_range, self.z_range)
        self._show_base()
        self.z_changed.emit(self.z())

    def show_dims_from(self, first: int) -> None:
        """Give the sliders to dimensions first, first + 1, ...; z itself does not change."""
        self.base = self.z()
        self.dims = list(range(first, first + len(self.sliders)))
        for label, dim in zip(self.name_labels, self.dims, strict=True):
            label.setText(f"z{dim}")
        self._show_base()

    def _show_base(self) -> None:
        self._quiet = True
        for slider, label, dim in zip(self.sliders, self.value_labels, self.dims, strict=True):
            value = float(self.base[dim])
            slider.setValue(round(value * TICKS_PER_UNIT))
            label.setText(f"{value:5.2f}")
        self._quiet = False

    def randomise(self) -> None:
        self.set_z(self.random_scale * self._rng.standard_normal(self.latent_dim))

    def _on_slider(self, _value: int) -> None:
        if self._quiet:
            return
        i = self.sliders.index(self.sender()) if self.sender() in self.sliders else None
        if i is not None:
            self.value_labels[i].setText(f"{self.sliders[i].value() / TICKS_PER_UNIT:5.2f}")
        self.z_changed.emit(self.z())

    def show_decoded(self, value: np.ndarray) -> None:
        flat = np.asarray(value).reshape(-1)
        if flat.size <= 4:
            self.readout.setText(translate("Panels", "decoded: ({})").format(", ".join(f"{v:.3f}" for v in flat)))

    def render(self, session) -> None:
        """Sliders hold no drawn data; the window re-decodes z when new weights arrive."""


class ImageSlidersPanel(Panel):
    """Latent sliders beside the decoded picture (image models). It holds no drawn data: the window
    decodes the sliders' z on its own copy of the decoder and hands the picture to show_output."""

    uses = ()

    def __init__(self, sliders: LatentSlidersPanel, caption: str = "", parent=None):
        super().__init__(parent)
        self.sliders = sliders
        sliders.readout.hide()  # it prints 2-D points; the picture beside it is the output here
        self.tile = ImageGridView(caption)
        self.tile.setMinimumWidth(120)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(sliders, 3)
        layout.addWidget(self.tile, 2)

    def show_output(self, image: np.ndarray) -> None:
        self.tile.show_or_clear(np.asarray(image)[None], 1)

    def render(self, session) -> None:
        """The window re-decodes the sliders' z when new weights arrive."""
