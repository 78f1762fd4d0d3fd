"""Colours and pyqtgraph defaults shared by the panels."""

from __future__ import annotations

import importlib

import numpy as np
import pyqtgraph as pg

REAL = "#4c9be8"  # real data
FAKE = "#f28e2b"  # generated data
D_COLOUR = "#9467bd"
G_COLOUR = "#f28e2b"
EXTRA = ["#2ca02c", "#d62728", "#17becf", "#bcbd22", "#8c564b"]
MARKER = "#e6194b"
PATH = "#3cb44b"

PLOT_MIN_HEIGHT = 130  # px: a plot this tall shows its axis label whole and a few readable ticks
PLOT_MIN_WIDTH = 200  # px: room for a few x tick labels beside the y axis
TICK_LABEL_GAP = 3  # px kept free between two tick labels


class ReadableAxisItem(pg.AxisItem):
    """An axis whose tick labels never overlap: pyqtgraph only limits how much of the axis its labels
    fill, so on a short axis (a log axis with 2, 5 between the decades) labels of one level and of
    the next are drawn over each other. Labels come major level first; one that would touch a label
    already kept is dropped."""

    def logTickValues(self, minVal, maxVal, size, stdTicks):
        """pyqtgraph puts 2, 3, ..., 9 of each decade in one level, so the first that fit were kept,
        e.g. 0.06 and 0.09; offer 2 and 5 first, then the others."""
        levels = []
        for spacing, values in super().logTickValues(minVal, maxVal, size, stdTicks):
            if spacing is not None:
                levels.append((spacing, values))
                continue
            values = np.asarray(values, np.float64)
            mantissa = np.round(10 ** (values - np.floor(values + 1e-9)))
            nice = np.isin(mantissa, (1, 2, 5))
            levels += [(None, list(values[nice])), (None, list(values[~nice]))]
        return levels

    def generateDrawSpecs(self, p):
        specs = super().generateDrawSpecs(p)
        if specs is None:
            return specs
        axis_spec, tick_specs, text_specs = specs
        return axis_spec, tick_specs, readable_labels(text_specs, self.orientation in ("left", "right"))


def readable_labels(text_specs, vertical: bool) -> list:
    """The (rect, flags, text) specs to draw, in order, leaving out any that would touch one kept before."""
    kept = []
    gap = TICK_LABEL_GAP / 2
    for spec in text_specs:
        rect = spec[0].adjusted(0, -gap, 0, gap) if vertical else spec[0].adjusted(-gap, 0, gap, 0)
        if not any(rect.intersects(k) for k, _ in kept):
            kept.append((rect, spec))
    return [spec for _, spec in kept]


def configure_pyqtgraph() -> None:
    # Fixed, antialiasing off: line drawing cost dominates redraws, and the plots are dense.
    pg.setConfigOptions(antialias=False, background="w", foreground="k", imageAxisOrder="col-major")
    # Every plot's default axes are readable ones: PlotItem makes its axes from this module-level name.
    # (The package exports the class PlotItem under the module's own name, hence import_module.)
    importlib.import_module("pyqtgraph.graphicsItems.PlotItem.PlotItem").AxisItem = ReadableAxisItem


def curve_pen(colour: str, width: float = 1.5):
    return pg.mkPen(colour, width=width)
