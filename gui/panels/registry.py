"""Which panels a model shows: one main view in the centre and docks around it. Each model's set
is built in its own module; this one only picks the builder by model type."""

from __future__ import annotations

from gui.panels.flow_panels import build_flow_panels
from gui.panels.formula_panel import build_formula_panel
from gui.panels.gan_image_panels import build_gan_image_panels
from gui.panels.gan_panels import build_gan_panels
from gui.panels.panel_set import BOTTOM, LEFT, RIGHT, PanelSet
from gui.panels.vae_panels import build_vae_panels

# PanelSet and the dock areas live in gui.panels.panel_set; re-exported for existing importers.
__all__ = ["BOTTOM", "BUILDERS", "LEFT", "RIGHT", "PanelSet", "build_panels"]

BUILDERS = {  # by the model's class name
    "GAN2D": build_gan_panels,
    "ImageGAN": build_gan_image_panels,
    "VAE": build_vae_panels,
    "RealNVP": build_flow_panels,
}


def build_panels(model) -> PanelSet:
    name = type(model).__name__
    if name not in BUILDERS:
        raise ValueError(f"no panels for {name} yet")
    panels = BUILDERS[name](model)
    add_formulas(panels, model)
    return panels


def add_formulas(panels: PanelSet, model) -> None:
    """Every model's set gets the formula panel, last in the bottom row, wired to the set's own curves
    and pictures (its terms highlight them). Added here, not by each builder, so it needs no change there."""
    formulas = build_formula_panel(model, panels.all())
    if formulas is not None:
        panels.docks.append((formulas, BOTTOM))
