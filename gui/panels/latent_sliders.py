"""One slider per latent dimension (scrolling when there are many). Moving one emits z at once;
the window decodes it on the GUI thread's copy of the decoder while training continues."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from gui.panels.base import Panel

TICKS_PER_UNIT = 100  # slider integer steps per unit of z


class LatentSlidersPanel(Panel):
    title = "Latent sliders"
    object_name = "latent_sliders"
    formula = "z ~ N(0, I): each slider sets one coordinate of z; the marker shows the decoded point."
    z_changed = Signal(object)  # np.ndarray (latent_dim,)

    def __init__(self, latent_dim: int, z_range: float = 3.0, parent=None):
        super().__init__(parent)
        self.latent_dim = latent_dim
        self.z_range = z_range
        self.sliders: list[QSlider] = []
        self.value_labels: list[QLabel] = []
        grid_host = QWidget()
        grid = QGridLayout(grid_host)
        grid.setContentsMargins(2, 2, 2, 2)
        for i in range(latent_dim):
            slider = QSlider(Qt.Horizontal)
            slider.setObjectName(f"z{i}")
            slider.setRange(-int(z_range * TICKS_PER_UNIT), int(z_range * TICKS_PER_UNIT))
            slider.valueChanged.connect(self._on_slider)
            value = QLabel(" 0.00")
            value.setMinimumWidth(40)
            grid.addWidget(QLabel(f"z{i}"), i, 0)
            grid.addWidget(slider, i, 1)
            grid.addWidget(value, i, 2)
            self.sliders.append(slider)
            self.value_labels.append(value)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(grid_host)
        self.readout = QLabel("decoded: –")
        random_button = QPushButton("Random z")
        random_button.clicked.connect(self.randomise)
        zero_button = QPushButton("Zero")
        zero_button.clicked.connect(lambda: self.set_z(np.zeros(self.latent_dim)))
        buttons = QHBoxLayout()
        buttons.addWidget(random_button)
        buttons.addWidget(zero_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(buttons)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.readout)
        layout.addWidget(self.formula_label())
        self._rng = np.random.default_rng(0)
        self._quiet = False

    def z(self) -> np.ndarray:
        return np.array([s.value() / TICKS_PER_UNIT for s in self.sliders], np.float32)

    def set_z(self, z: np.ndarray) -> None:
        """Set every slider, then emit once."""
        self._quiet = True
        for slider, label, value in zip(self.sliders, self.value_labels, z, strict=False):
            clipped = float(np.clip(value, -self.z_range, self.z_range))
            slider.setValue(round(clipped * TICKS_PER_UNIT))
            label.setText(f"{clipped:5.2f}")
        self._quiet = False
        self.z_changed.emit(self.z())

    def randomise(self) -> None:
        self.set_z(self._rng.standard_normal(self.latent_dim))

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
            self.readout.setText("decoded: (" + ", ".join(f"{v:.3f}" for v in flat) + ")")

    def render(self, session) -> None:
        """Sliders hold no drawn data; the window re-decodes z when new weights arrive."""
