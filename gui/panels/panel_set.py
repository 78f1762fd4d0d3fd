"""A model's panels as one set, and the dock areas they go in.

Its own module, apart from gui.panels.registry: the per-model panel modules build a PanelSet, and
the registry imports those modules to dispatch by model type, so a PanelSet kept in the registry
made an import cycle."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import QAbstractScrollArea, QWidget

from gui.panels.base import Panel
from gui.panels.interpolation import InterpolationPanel
from gui.panels.latent_sliders import LatentSlidersPanel

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
    slider_region: Callable[[], QRect | None] | None = None  # the part of slider_view a move changed
    show_path_output: Callable[[np.ndarray | None], None] | None = None  # gets decoder(z_t) or None
    # Signals (section, field, value) from panels that change a setting (the lesson's loss switch):
    # the window sets the field in the settings form, which applies a live one through the session.
    setting_requests: list = field(default_factory=list)

    def all(self) -> list[Panel]:
        return [self.main] + [p for p, _ in self.docks]

    def collect(self, snapshot) -> None:
        """Hand a newly arrived snapshot to every panel it brings new arrays for, visible or not,
        drawn this tick or not, so what a panel keeps over time does not depend on how often it
        gets to draw, nor on the main view's quick refreshes. Cheap: panels only do NumPy here."""
        for panel in self.all():
            if panel.has_new(snapshot):
                panel.collect(snapshot)

    def paint_slider_view(self) -> None:
        """Paint what a slider move changed now (not at the next pass of the event loop): the slider's
        picture, or just the region the main view's marker moved in (slider_region) when it says so."""
        view = self.slider_view
        if view is None:
            return
        target = view.viewport() if isinstance(view, QAbstractScrollArea) else view  # a scene paints there
        region = self.slider_region() if self.slider_region is not None else None
        if region is None:
            target.repaint()
        else:
            target.repaint(region)
