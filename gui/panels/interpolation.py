"""Interpolation controls: two z end points, lerp or slerp, N steps; the path is G(z_t)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QT_TRANSLATE_NOOP, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QFormLayout, QPushButton, QSpinBox, QVBoxLayout

from core.latent import interpolate
from gui.i18n import translate
from gui.panels.base import Panel


class InterpolationPanel(Panel):
    title = QT_TRANSLATE_NOOP("Panels", "Interpolation")
    object_name = "interpolation"
    uses = ()  # draws nothing from the timer
    formula = (QT_TRANSLATE_NOOP("Panels", "lerp: z_t = (1 − t) z₀ + t z₁.  slerp: z_t = sin((1 − t)Ω)/sin Ω · z₀ + sin(tΩ)/sin Ω · z₁, "
               "cos Ω = z₀·z₁ / (|z₀||z₁|); slerp keeps |z| where N(0, I) puts its mass."))
    changed = Signal()

    def __init__(self, latent_dim: int, parent=None):
        super().__init__(parent)
        self.latent_dim = latent_dim
        self._rng = np.random.default_rng(1)
        self.z0 = self.z1 = None
        self.show_box = QCheckBox(translate("Panels", "show path"))
        self.show_box.setChecked(True)
        self.mode = QComboBox()
        self.mode.addItems(["slerp", "lerp"])
        self.steps = QSpinBox()
        self.steps.setRange(2, 200)
        self.steps.setValue(16)
        new_button = QPushButton(translate("Panels", "New end points"))
        new_button.clicked.connect(self.new_end_points)
        form = QFormLayout()
        form.addRow(self.show_box)
        form.addRow(translate("Panels", "mode"), self.mode)
        form.addRow(translate("Panels", "steps"), self.steps)
        form.addRow(new_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.formula_label())
        layout.addStretch(1)
        for signal in (self.show_box.toggled, self.mode.currentIndexChanged, self.steps.valueChanged):
            signal.connect(self.changed)
        self.new_end_points()

    def new_end_points(self) -> None:
        self.set_end_points(self._rng.standard_normal(self.latent_dim), self._rng.standard_normal(self.latent_dim))

    def set_end_points(self, z0: np.ndarray, z1: np.ndarray, emit: bool = True) -> None:
        """Chosen end points (e.g. two encoded test examples) instead of random ones; emits
        `changed` unless told to stay quiet (when the caller knows a redecode follows anyway)."""
        self.z0 = np.asarray(z0, np.float32).reshape(self.latent_dim).copy()
        self.z1 = np.asarray(z1, np.float32).reshape(self.latent_dim).copy()
        if emit:
            self.changed.emit()

    def path_z(self) -> np.ndarray | None:
        if not self.show_box.isChecked():
            return None
        return interpolate(self.z0, self.z1, self.steps.value(), self.mode.currentText())

    def render(self, session) -> None:
        """Nothing drawn here; the window decodes path_z() into the 2-D view."""
