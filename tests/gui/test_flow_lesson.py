"""The change-of-variables lesson in a real 2-D RealNVP window: a click in the density view marks
the point there and the lesson shows the square, its image under f, the area ratio and exp(log-det),
which agree, and max |f⁻¹(f(x)) − x|, from the window's own copy of the flow at the step on show.
With ActNorm on (the default) the lesson says exp(Σ s) of the couplings alone is not the ratio; in the
change-of-variables preset (no normalisation layers) its exp(Σ s) row agrees with the area ratio.
Its button sets realnvp.weight_decay live (pull f to the identity, then release it) through the form."""

from __future__ import annotations

import math

import numpy as np
import torch
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtWidgets import QDockWidget

from core.models.realnvp import change_of_variables_at
from gui.panels.flow_lesson import AGREE_WITHIN, PULL_WEIGHT_DECAY, ChangeOfVariablesLesson
from gui.panels.flow_views import DensityView
from tests.gui.helpers import (
    TIMEOUT_MS,
    close_window,
    live_trainer,
    open_window,
    pause_and_settle,
    press,
    wait_built,
    wait_for_step,
)


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


def lesson_of(w) -> ChangeOfVariablesLesson:
    return next(p for p in w.panels.all() if type(p) is ChangeOfVariablesLesson)


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
        assert lesson.verdict.text().startswith("The area ratio and |det ∂f/∂x| agree")
        # ActNorm is on: exp(Σ s) is the couplings' part only, and the lesson says the ratio is not it
        exp_s = math.exp(expected["coupling_log_det"])
        assert lesson.values["exp_s"].text() == f"{exp_s:.4g}"
        assert lesson.note.text().startswith("ActNorm layers before the couplings")
        assert f"({det / exp_s:.4g} here)" in lesson.note.text()
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


def test_in_the_preset_exp_sum_s_of_the_couplings_is_the_area_ratio(qtbot):
    """No normalisation layers: at points where f stretches or squeezes the plane (|det| far from 1), the
    row labelled exp(Σ s), couplings only, agrees with the area ratio within 1%."""
    w = open_window(qtbot, "realnvp", "moons", "change-of-variables", placement="thread")
    try:
        assert w.session.model.params.norm == "none"
        lesson = lesson_of(w)
        raised(qtbot, lesson)
        press(qtbot, w, "train")
        wait_for_step(qtbot, w, 200)
        pause_and_settle(qtbot, w)
        w.redraw_all()
        ratios = []
        for i in range(0, 64, 8):  # data points across both moons
            lesson.choose(*(float(v) for v in w.session.snapshot["data"][i]))
            ratio, exp_s = float(lesson.values["area_ratio"].text()), float(lesson.values["exp_s"].text())
            assert abs(exp_s / ratio - 1) <= AGREE_WITHIN, (lesson.point, ratio, exp_s)
            assert lesson.values["exp_s"].text() == lesson.values["exp_log_det"].text()  # the couplings are all of f
            ratios.append(ratio)
        assert max(ratios) / min(ratios) > 2  # a trained f: the agreement is not just 1 = 1
        assert lesson.note.text().startswith("No normalisation layers")
        assert "agrees with exp(Σ s) too" in lesson.note.text()
    finally:
        close_window(w)


def test_the_button_pulls_f_to_the_identity_and_releases_it_live(qtbot):
    w = open_window(qtbot, "realnvp", "moons", "change-of-variables", placement="thread")
    try:
        lesson = lesson_of(w)
        raised(qtbot, lesson)
        wait_built(qtbot, w)
        w.redraw_all()
        assert w.session.model.params.weight_decay == 0.0
        assert lesson.values["weight_decay"].text() == "0"
        assert lesson.button.text() == f"Pull f to the identity (weight decay {PULL_WEIGHT_DECAY:g})"
        press(qtbot, w, "train")
        wait_for_step(qtbot, w, 2)
        step_before = w.session.history["step"]

        qtbot.mouseClick(lesson.button, Qt.LeftButton)
        assert w.settings_panel.editors[("realnvp", "weight_decay")].text() == f"{PULL_WEIGHT_DECAY:g}"
        assert w.session.model.params.weight_decay == PULL_WEIGHT_DECAY
        qtbot.waitUntil(lambda: live_trainer(w).model.params.weight_decay == PULL_WEIGHT_DECAY,
                        timeout=TIMEOUT_MS)  # the engine applies it between two steps

        def showing(text: str) -> bool:
            w.redraw_all()
            return lesson.values["weight_decay"].text() == text and w.session.snapshot is not None
        qtbot.waitUntil(lambda: showing(f"{PULL_WEIGHT_DECAY:g}"), timeout=TIMEOUT_MS)
        assert lesson.button.text() == "Release f (weight decay 0)"
        qtbot.waitUntil(lambda: f"Weight decay {PULL_WEIGHT_DECAY:g} pulls s and t towards 0" in lesson.note.text(),
                        timeout=TIMEOUT_MS)

        qtbot.mouseClick(lesson.button, Qt.LeftButton)  # release f: back to no weight decay
        assert w.settings_panel.editors[("realnvp", "weight_decay")].text() == "0"
        qtbot.waitUntil(lambda: live_trainer(w).model.params.weight_decay == 0.0, timeout=TIMEOUT_MS)
        qtbot.waitUntil(lambda: showing("0"), timeout=TIMEOUT_MS)
        assert lesson.button.text().startswith("Pull f to the identity")
        qtbot.waitUntil(lambda: w.redraw_all() or "pulls s and t" not in lesson.note.text(), timeout=TIMEOUT_MS)
        qtbot.waitUntil(lambda: w.session.history["step"] > step_before, timeout=TIMEOUT_MS)  # training goes on
        assert w.session.state == "running"
    finally:
        close_window(w)
