"""The change-of-variables lesson in a real 2-D RealNVP window: a click in the density view marks
the point there and the lesson shows the square, its image under f, the area ratio and exp(log-det),
which agree, and max |f⁻¹(f(x)) − x|, from the window's own copy of the flow at the step on show."""

from __future__ import annotations

import math

import numpy as np
import torch
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtWidgets import QDockWidget

from core.models.realnvp import change_of_variables_at
from gui.panels.flow_lesson import ChangeOfVariablesLesson
from gui.panels.flow_views import DensityView
from tests.gui.helpers import TIMEOUT_MS, close_window, open_window, pause_and_settle, press, wait_for_step


def raised(qtbot, panel) -> None:
    dock = panel.parentWidget()
    while not isinstance(dock, QDockWidget):
        dock = dock.parentWidget()
    dock.raise_()
    qtbot.waitUntil(panel.isVisible, timeout=TIMEOUT_MS)


def click_at(qtbot, plot, x: float, y: float) -> None:
    """A left click on the plot where the data point (x, y) is drawn."""
    scene = plot.getPlotItem().vb.mapViewToScene(QPointF(x, y))
    pos = plot.mapFromScene(scene)
    qtbot.mouseClick(plot.viewport(), Qt.LeftButton, pos=QPoint(pos.x(), pos.y()))


def test_a_click_in_the_density_view_shows_the_square_its_image_and_the_agreeing_numbers(qtbot):
    w = open_window(qtbot, "realnvp", "moons", placement="thread")
    try:
        lesson = next(p for p in w.panels.all() if type(p) is ChangeOfVariablesLesson)
        density = w.panels.main
        assert isinstance(density, DensityView)
        raised(qtbot, lesson)
        press(qtbot, w, "train")
        wait_for_step(qtbot, w, 100)
        pause_and_settle(qtbot, w)
        w.redraw_all()
        target = tuple(float(v) for v in w.session.snapshot["data"][7])
        click_at(qtbot, density.plot, *target)
        qtbot.waitUntil(lambda: lesson.point is not None and lesson.point != tuple(
            float(v) for v in w.session.snapshot["data"][0]), timeout=TIMEOUT_MS)
        x, y = lesson.point
        pixel = (w.session.snapshot["bounds"][1] - w.session.snapshot["bounds"][0]) / density.plot.width()
        assert abs(x - target[0]) < 2 * pixel and abs(y - target[1]) < 2 * pixel
        marker = density.point_marker.getData()
        np.testing.assert_allclose([marker[0][0], marker[1][0]], [x, y], rtol=1e-6)  # the density view marks it

        expected = change_of_variables_at(w.session.decoder.net.flow, lesson.point, lesson.half_width)
        det = math.exp(expected["log_det"])
        assert lesson.values["area_ratio"].text() == f"{expected['area_ratio']:.4g}"
        assert lesson.values["exp_log_det"].text() == f"{det:.4g}"
        assert abs(expected["area_ratio"] / det - 1) < 0.01
        assert lesson.verdict.text().startswith("The two agree")
        square_x, square_y = lesson.square_curve.getData()
        np.testing.assert_allclose(square_x[:-1] + x, expected["square"][:, 0], atol=1e-6)
        np.testing.assert_allclose(square_y[:-1] + y, expected["square"][:, 1], atol=1e-6)
        image_x, _ = lesson.image_curve.getData()
        np.testing.assert_allclose(image_x[:-1] + expected["image"][:, 0].mean(), expected["image"][:, 0], atol=1e-5)

        flow = w.session.decoder.net.flow
        data = torch.from_numpy(np.asarray(w.session.snapshot["data"]))
        with torch.no_grad():
            gap = float((flow.inverse(flow(data)[0]) - data).abs().max())
        assert lesson.values["gap"].text() == f"{gap:.1e}"
    finally:
        close_window(w)
