"""The 2-D GAN's panel set: the plane view in the centre, the loss, D-output and gradient-norm
histories, the live sample quality (KL/JS, modes), the vanishing-gradient lesson, latent sliders
and an interpolation path."""

from __future__ import annotations

from gui.panels.gan_history import DOutputsPanel, GanLossesPanel, GradNormPanel
from gui.panels.gan_lesson import VanishingGradientLesson
from gui.panels.gan_quality import SampleQualityPanel
from gui.panels.interpolation import InterpolationPanel
from gui.panels.latent_sliders import LatentSlidersPanel
from gui.panels.panel_set import BOTTOM, RIGHT, PanelSet
from gui.panels.plane_view import GanPlaneView


def build_gan_panels(model) -> PanelSet:
    sliders = LatentSlidersPanel(model.latent_dim)
    interp = InterpolationPanel(model.latent_dim)
    plane = GanPlaneView()
    lesson = VanishingGradientLesson()

    def show_slider_output(xy):
        plane.set_marker(xy)
        sliders.show_decoded(xy)

    losses, d_outputs, grad_norm = GanLossesPanel(), DOutputsPanel(), GradNormPanel()
    quality = SampleQualityPanel(model.known_modes())
    if model.params.loss == "minimax":  # e.g. the vanishing-gradient preset: the lesson is what to watch
        key, docks = "gan-plane-lesson", [(lesson, RIGHT), (d_outputs, RIGHT), (grad_norm, RIGHT),
                                          (losses, BOTTOM), (quality, BOTTOM), (sliders, BOTTOM), (interp, BOTTOM)]
    else:
        key, docks = "gan-plane", [(losses, RIGHT), (quality, RIGHT), (d_outputs, RIGHT), (grad_norm, RIGHT),
                                   (sliders, BOTTOM), (interp, BOTTOM), (lesson, BOTTOM)]
    return PanelSet(key, plane, docks, sliders=sliders, interpolation=interp,
                    show_slider_output=show_slider_output, show_path_output=plane.set_path,
                    slider_view=plane.plot, slider_region=plane.marker_region,
                    setting_requests=[lesson.setting_requested])
