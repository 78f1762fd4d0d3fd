"""No view repaints on its own. A layout feedback loop (an aspect-locked view whose tick labels
change width, resize the view, change the range and the labels again) once repainted the flow's
log-det view ~250 times a second while training, and cost a third of the throughput."""

from __future__ import annotations

import collections

import pyqtgraph as pg
import pytest

from gui.controller import wait_until
from gui.panels.base import Panel
from tests.gui.helpers import close_window, open_window


def owner_panel(widget) -> str:
    while widget is not None and not isinstance(widget, Panel):
        widget = widget.parentWidget()
    return type(widget).__name__ if widget is not None else "?"


@pytest.mark.parametrize("model,dataset", [("gan", "ring8"), ("vae", "moons"), ("realnvp", "moons")])
def test_views_paint_only_when_there_is_something_new(qtbot, monkeypatch, model, dataset):
    paints = collections.Counter()
    original = pg.GraphicsView.paintEvent

    def counting_paint(view, event):
        paints[owner_panel(view)] += 1
        original(view, event)

    monkeypatch.setattr(pg.GraphicsView, "paintEvent", counting_paint)
    # The engine in its own process, as the app runs: the window draws as often as it likes.
    w = open_window(qtbot, model, dataset, placement="process", show=False)
    w.resize(1600, 1000)
    w.show()
    qtbot.waitExposed(w)
    w.session.start()
    try:
        assert wait_until(lambda: w.session.snapshot is not None, 30)
        wait_until(lambda: False, 1.5)  # first draws and layout settle
        paints.clear()
        counts = w.scheduler.draw_counts
        before = {p: counts.get(p, 0) for p in w.panels.all()}
        # The measurement itself: over 20 draws of the main view (about a second at its 20 Hz), not a
        # fixed time, so a slow machine measures as long as it needs to.
        main_panel = w.panels.main
        assert wait_until(lambda: counts.get(main_panel, 0) - before[main_panel] >= 20, 60)
        draws = collections.Counter()
        for p in w.panels.all():
            draws[type(p).__name__] += counts.get(p, 0) - before[p]
        main = type(w.panels.main).__name__
        assert w.session.state == "running" and draws[main] > 0
    finally:
        close_window(w)
    # A panel's views paint once or twice each time it draws, and not otherwise.
    for name, count in paints.items():
        assert count <= 3 * draws[name] + 6, (name, count, dict(draws), dict(paints))


def aspect_locked_views():
    from gui.panels.flow_views import DensityView, ForwardMapView, InverseMapView, LayerStepView, LogDetView
    from gui.panels.plane_view import GanPlaneView
    from gui.panels.vae_views import LatentScatterPanel, VaePlaneView

    return [GanPlaneView(), DensityView(), ForwardMapView(), InverseMapView(), LayerStepView(), LogDetView(),
            VaePlaneView(), LatentScatterPanel(2)]


def test_tick_labels_of_any_width_leave_the_view_size_alone(qtbot):
    """The loop's cause, checked directly: narrow and wide tick labels must not resize the view."""
    from gui.app import make_app

    make_app()
    for panel in aspect_locked_views():
        qtbot.addWidget(panel)
        panel.resize(420, 320)
        panel.show()
        qtbot.waitExposed(panel)
        view_box = panel.plot.getViewBox()
        sizes = set()
        for span in (1.0, 0.00123, 123456.0, 3.5):
            view_box.setRange(xRange=(-span, span), yRange=(-span, span), padding=0)
            for _ in range(3):
                qtbot.wait(20)
            sizes.add((round(view_box.width()), round(view_box.height())))
        assert len(sizes) == 1, (type(panel).__name__, sizes)
        panel.close()
