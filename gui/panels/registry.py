"""Which panels a model shows: one main view in the centre and docks around it."""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import Qt

from gui.panels.base import Panel
from gui.panels.gan_history import DOutputsPanel, GanLossesPanel, GradNormPanel
from gui.panels.interpolation import InterpolationPanel
from gui.panels.latent_sliders import LatentSlidersPanel
from gui.panels.plane_view import GanPlaneView

RIGHT, LEFT, BOTTOM = Qt.RightDockWidgetArea, Qt.LeftDockWidgetArea, Qt.BottomDockWidgetArea


@dataclass
class PanelSet:
    key: str  # names the remembered dock layout
    main: Panel
    docks: list[tuple[Panel, Qt.DockWidgetArea]] = field(default_factory=list)
    sliders: LatentSlidersPanel | None = None
    interpolation: InterpolationPanel | None = None

    def all(self) -> list[Panel]:
        return [self.main] + [p for p, _ in self.docks]


def build_panels(model) -> PanelSet:
    name = type(model).__name__
    if name == "GAN2D":
        sliders = LatentSlidersPanel(model.latent_dim)
        interp = InterpolationPanel(model.latent_dim)
        return PanelSet("gan-plane", GanPlaneView(), [
            (GanLossesPanel(), RIGHT), (DOutputsPanel(), RIGHT), (GradNormPanel(), RIGHT),
            (sliders, BOTTOM), (interp, BOTTOM),
        ], sliders=sliders, interpolation=interp)
    raise ValueError(f"no panels for {name} yet")
