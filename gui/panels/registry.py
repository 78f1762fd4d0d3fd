"""Which panels a model shows: one main view in the centre and docks around it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import Qt

from gui.panels.base import Panel
from gui.panels.gan_history import DOutputsPanel, GanLossesPanel, GradNormPanel
from gui.panels.interpolation import InterpolationPanel
from gui.panels.latent_sliders import LatentSlidersPanel
from gui.panels.plane_view import GanPlaneView

RIGHT, LEFT, BOTTOM = Qt.RightDockWidgetArea, Qt.LeftDockWidgetArea, Qt.BottomDockWidgetArea


@dataclass
class PanelSet:
    """A model's panels. The window decodes slider and path latents on the GUI thread's decoder
    copy and hands the outputs to `show_slider_output` / `show_path_output`."""

    key: str  # names the remembered dock layout
    main: Panel
    docks: list[tuple[Panel, Qt.DockWidgetArea]] = field(default_factory=list)
    sliders: LatentSlidersPanel | None = None
    interpolation: InterpolationPanel | None = None
    show_slider_output: Callable[[np.ndarray], None] | None = None  # gets decoder(z), drawn at once
    show_path_output: Callable[[np.ndarray | None], None] | None = None  # gets decoder(z_t) or None

    def all(self) -> list[Panel]:
        return [self.main] + [p for p, _ in self.docks]


def build_panels(model) -> PanelSet:
    name = type(model).__name__
    if name == "GAN2D":
        sliders = LatentSlidersPanel(model.latent_dim)
        interp = InterpolationPanel(model.latent_dim)
        plane = GanPlaneView()

        def show_slider_output(xy):
            plane.set_marker(xy)
            sliders.show_decoded(xy)
            plane.plot.repaint()  # on screen now, not at the next timer tick

        return PanelSet("gan-plane", plane, [
            (GanLossesPanel(), RIGHT), (DOutputsPanel(), RIGHT), (GradNormPanel(), RIGHT),
            (sliders, BOTTOM), (interp, BOTTOM),
        ], sliders=sliders, interpolation=interp, show_slider_output=show_slider_output,
            show_path_output=plane.set_path)
    if name == "VAE":
        from gui.panels.vae_panels import build_vae_panels

        return build_vae_panels(model)
    if name == "RealNVP":
        from gui.panels.flow_panels import build_flow_panels

        return build_flow_panels(model)
    raise ValueError(f"no panels for {name} yet")
