"""Which panels a model shows: one main view in the centre and docks around it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractScrollArea, QWidget

from gui.panels.base import Panel
from gui.panels.gan_history import DOutputsPanel, GanLossesPanel, GradNormPanel
from gui.panels.gan_lesson import VanishingGradientLesson
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
    show_slider_output: Callable[[np.ndarray], None] | None = None  # gets decoder(z)
    # The view that shows decoder(z): a slider move paints it at once, not at the next timer tick.
    slider_view: QWidget | None = None
    show_path_output: Callable[[np.ndarray | None], None] | None = None  # gets decoder(z_t) or None
    # Signals (section, field, value) from panels that change a setting (the lesson's loss switch):
    # the window sets the field in the settings form, which applies a live one through the session.
    setting_requests: list = field(default_factory=list)

    def all(self) -> list[Panel]:
        return [self.main] + [p for p, _ in self.docks]

    def paint_slider_view(self) -> None:
        view = self.slider_view
        if view is not None:  # a graphics view paints its scene on its viewport
            (view.viewport() if isinstance(view, QAbstractScrollArea) else view).repaint()


def build_panels(model) -> PanelSet:
    name = type(model).__name__
    if name == "GAN2D":
        sliders = LatentSlidersPanel(model.latent_dim)
        interp = InterpolationPanel(model.latent_dim)
        plane = GanPlaneView()
        lesson = VanishingGradientLesson()

        def show_slider_output(xy):
            plane.set_marker(xy)
            sliders.show_decoded(xy)

        losses, d_outputs, grad_norm = GanLossesPanel(), DOutputsPanel(), GradNormPanel()
        if model.params.loss == "minimax":  # e.g. the vanishing-gradient preset: the lesson is what to watch
            key, docks = "gan-plane-lesson", [(lesson, RIGHT), (d_outputs, RIGHT), (grad_norm, RIGHT),
                                              (losses, BOTTOM), (sliders, BOTTOM), (interp, BOTTOM)]
        else:
            key, docks = "gan-plane", [(losses, RIGHT), (d_outputs, RIGHT), (grad_norm, RIGHT),
                                       (sliders, BOTTOM), (interp, BOTTOM), (lesson, BOTTOM)]
        return PanelSet(key, plane, docks, sliders=sliders, interpolation=interp,
                        show_slider_output=show_slider_output, show_path_output=plane.set_path,
                        slider_view=plane.plot, setting_requests=[lesson.setting_requested])
    if name == "ImageGAN":
        from gui.panels.gan_image_panels import build_gan_image_panels

        return build_gan_image_panels(model)
    if name == "VAE":
        from gui.panels.vae_panels import build_vae_panels

        return build_vae_panels(model)
    if name == "RealNVP":
        from gui.panels.flow_panels import build_flow_panels

        return build_flow_panels(model)
    raise ValueError(f"no panels for {name} yet")
