"""Colours and pyqtgraph defaults shared by the panels."""

from __future__ import annotations

import pyqtgraph as pg

REAL = "#4c9be8"  # real data
FAKE = "#f28e2b"  # generated data
D_COLOUR = "#9467bd"
G_COLOUR = "#f28e2b"
EXTRA = ["#2ca02c", "#d62728", "#17becf", "#bcbd22", "#8c564b"]
MARKER = "#e6194b"
PATH = "#3cb44b"


def configure_pyqtgraph() -> None:
    # Fixed, antialiasing off: line drawing cost dominates redraws, and the plots are dense.
    pg.setConfigOptions(antialias=False, background="w", foreground="k", imageAxisOrder="col-major")


def curve_pen(colour: str, width: float = 1.5):
    return pg.mkPen(colour, width=width)
