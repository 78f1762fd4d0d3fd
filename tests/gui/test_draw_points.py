"""Drawing one's own 2-D points: real mouse presses, drags and releases on the plot's viewport
(data coordinates mapped to pixels through the ViewBox), the CSV the dialog writes read back by
the csv data set, and a window that trains on the drawn points."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QDialog

from core.checkpoint import load_run
from core.datasets2d import PlaneData
from gui.draw_points import DATA_DIR_ENV, MIN_POINTS, SPACING, DrawPointsDialog
from tests.gui.helpers import TIMEOUT_MS, close_window, open_window, press, record_events, wait_for_step


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    folder = tmp_path / "user-data"
    monkeypatch.setenv(DATA_DIR_ENV, str(folder))
    return folder


@pytest.fixture
def dialog(qtbot, data_dir):
    from gui.app import make_app

    make_app()
    d = DrawPointsDialog(rng=np.random.default_rng(0))
    qtbot.addWidget(d)
    d.show()
    qtbot.waitExposed(d)
    return d


def pixel(d: DrawPointsDialog, x: float, y: float):
    """Data coordinates -> the viewport pixel a person would point at."""
    return d.plot.mapFromScene(d.view_box.mapViewToScene(QPointF(x, y)))


def pixel_size(d: DrawPointsDialog) -> float:
    """Data units per screen pixel (the larger of x and y)."""
    size = d.view_box.viewPixelSize()
    return max(abs(size[0]), abs(size[1]))


def click(qtbot, d, x, y) -> None:
    qtbot.mouseClick(d.plot.viewport(), Qt.LeftButton, pos=pixel(d, x, y))


def drag(qtbot, d, path) -> None:
    """Press at the first point, move through the rest, release at the last."""
    viewport = d.plot.viewport()
    qtbot.mousePress(viewport, Qt.LeftButton, pos=pixel(d, *path[0]))
    for x, y in path[1:]:
        qtbot.mouseMove(viewport, pixel(d, x, y))
    qtbot.mouseRelease(viewport, Qt.LeftButton, pos=pixel(d, *path[-1]))


def line(a, b, n=40) -> list[tuple[float, float]]:
    a, b = np.asarray(a, float), np.asarray(b, float)
    return [tuple(a + (b - a) * t) for t in np.linspace(0, 1, n)]


def test_clicks_land_where_clicked(qtbot, dialog):
    d = dialog
    wanted = np.random.default_rng(1).uniform(-3.5, 3.5, size=(6, 2))
    for x, y in wanted:
        click(qtbot, d, x, y)
    got = d.strokes.points()
    assert got.shape == (6, 2)
    # A mouse press has whole-pixel resolution: each point is within a pixel of its target.
    assert np.abs(got - wanted).max() <= pixel_size(d)
    shown = np.stack([d.scatter.data["x"], d.scatter.data["y"]], 1)
    np.testing.assert_allclose(shown, got)
    assert d.count_label.text().startswith("6 points")


def test_a_drag_sprays_evenly_along_the_stroke(qtbot, dialog):
    d = dialog
    d.spread_slider.setValue(0)
    drag(qtbot, d, line((-3, 0.5), (3, 0.5)))
    pts = d.strokes.points()
    px = pixel_size(d)
    # With no spread every point is on the stroke, one every SPACING, from end to end.
    assert np.abs(pts[:, 1] - 0.5).max() <= px
    assert pts[:, 0].min() >= -3 - px and pts[:, 0].max() <= 3 + px
    np.testing.assert_allclose(np.diff(np.sort(pts[:, 0])), SPACING, atol=px)
    stroke_length = pts[:, 0].max() - pts[:, 0].min()
    assert abs(len(pts) - (1 + stroke_length / SPACING)) <= 1

    d.clear()
    d.spread_slider.setValue(50)  # spread 0.50
    drag(qtbot, d, line((-3, 0), (3, 0)))
    sprayed = d.strokes.points()[1:]  # the press point itself is exact
    assert len(sprayed) > 100
    # N(0, 0.5^2) noise: the sample std is 0.5 within a few of its standard errors.
    assert abs(sprayed[:, 1].std() - 0.5) < 0.1
    assert abs(sprayed[:, 1].mean()) < 0.15


def test_undo_removes_the_last_stroke_and_clear_removes_all(qtbot, dialog):
    d = dialog
    click(qtbot, d, -2, -2)
    drag(qtbot, d, line((-1, 1), (2, 1)))
    after_drag = d.strokes.points().copy()
    click(qtbot, d, 3, -3)
    assert len(d.strokes) == len(after_drag) + 1

    qtbot.mouseClick(d.undo_button, Qt.LeftButton)  # the last click goes
    np.testing.assert_array_equal(d.strokes.points(), after_drag)
    d.plot.setFocus()
    qtbot.keyClick(d, Qt.Key_Z, Qt.ControlModifier)  # Ctrl+Z: the whole drag goes
    assert len(d.strokes) == 1
    assert np.abs(d.strokes.points()[0] - (-2, -2)).max() <= pixel_size(d)
    assert len(d.scatter.data) == 1

    drag(qtbot, d, line((0, 0), (1, 1)))
    qtbot.mouseClick(d.clear_button, Qt.LeftButton)
    assert len(d.strokes) == 0 and len(d.scatter.data) == 0
    assert not d.undo_button.isEnabled() and not d.clear_button.isEnabled()


def test_use_needs_enough_points_and_outside_clicks_say_why(qtbot, dialog, data_dir):
    d = dialog
    for i in range(MIN_POINTS - 1):
        click(qtbot, d, -3 + 0.3 * i, 0)
    assert not d.use_button.isEnabled()
    assert f"at least {MIN_POINTS}" in d.count_label.text()
    qtbot.mouseClick(d.use_button, Qt.LeftButton)  # disabled: nothing happens
    assert d.isVisible() and not data_dir.exists()
    d.use_points()  # called directly it refuses with a message, not an exception
    assert "at least" in d.message.text() and not data_dir.exists()

    viewport = d.plot.viewport()
    qtbot.mouseClick(viewport, Qt.LeftButton, pos=pixel(d, 0, -4.15))  # below the square
    corner = viewport.rect().bottomLeft()  # on the axes, off the plotting area
    qtbot.mouseClick(viewport, Qt.LeftButton, pos=corner)
    assert len(d.strokes) == MIN_POINTS - 1
    assert "square" in d.message.text()

    click(qtbot, d, 3, 3)
    assert d.use_button.isEnabled() and d.message.text() == ""


def test_saved_csv_round_trips_through_the_csv_data_set(qtbot, dialog, data_dir):
    d = dialog
    drag(qtbot, d, line((-2, -2), (2, 2)))
    click(qtbot, d, 1.25, -3.5)
    drawn = d.strokes.points()
    assert len(drawn) >= MIN_POINTS
    with qtbot.waitSignal(d.points_saved, timeout=TIMEOUT_MS) as saved:
        qtbot.mouseClick(d.use_button, Qt.LeftButton)
    path = saved.args[0]
    assert d.result() == QDialog.Accepted and d.saved_path == path
    assert path.startswith(str(data_dir / "drawn")) and path.endswith(".csv")
    with open(path, encoding="utf-8") as f:
        assert f.readline().strip() == "x,y"

    g = torch.Generator().manual_seed(0)
    data = PlaneData("csv", torch.device("cpu"), g, path=path)
    np.testing.assert_array_equal(data._points.numpy(), drawn.astype(np.float32))  # exact, in order
    batch = data.batch(500).numpy()
    assert np.isin(batch.view(np.complex64), drawn.astype(np.float32).view(np.complex64)).all()


def test_a_save_that_fails_leaves_a_message_and_the_dialog_open(qtbot, dialog, data_dir, monkeypatch):
    d = dialog
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    blocker = data_dir.parent / "not-a-folder"
    blocker.write_text("a file where the data folder should be")
    monkeypatch.setenv(DATA_DIR_ENV, str(blocker))
    drag(qtbot, d, line((-2, 0), (2, 0)))
    qtbot.mouseClick(d.use_button, Qt.LeftButton)
    assert d.isVisible() and d.result() != QDialog.Accepted
    assert d.message.text().startswith("Could not save the points")
    assert d.saved_path is None


# -- in the window ---------------------------------------------------------------------------

@pytest.fixture
def window(qtbot, data_dir, placement):
    w = open_window(qtbot, "gan", "ring8", placement=placement)
    yield w
    close_window(w)


def open_dialog(qtbot, w) -> DrawPointsDialog:
    panel = w.settings_panel
    assert panel.draw_button.isVisible()
    qtbot.mouseClick(panel.draw_button, Qt.LeftButton)
    d = panel.draw_dialog
    qtbot.waitExposed(d)
    return d


@pytest.mark.parametrize("placement", ["thread"])  # the form alone: no engine at work
def test_draw_button_shows_only_for_2d_data(qtbot, window):
    panel = window.settings_panel
    assert panel.draw_button.isVisible()
    panel.dataset_box.setCurrentText("mnist")
    assert not panel.draw_button.isVisible()
    panel.dataset_box.setCurrentText("moons")
    assert panel.draw_button.isVisible()


@pytest.mark.parametrize("placement", ["thread"])  # the form alone: no engine at work
def test_cancel_changes_nothing(qtbot, window, data_dir):
    panel = window.settings_panel
    d = open_dialog(qtbot, window)
    drag(qtbot, d, line((-2, 0), (2, 0)))
    qtbot.mouseClick(d.cancel_button, Qt.LeftButton)
    assert panel.selection()[1] == "ring8" and panel.path_edit.text() == ""
    assert not data_dir.exists()


def test_window_trains_on_the_drawn_points(qtbot, window, tmp_path):
    w = window
    panel = w.settings_panel
    d = open_dialog(qtbot, w)
    d.spread_slider.setValue(10)
    drag(qtbot, d, line((-3, -3), (-1, -1)))
    drag(qtbot, d, line((1, 2), (3, 2)))
    for x, y in [(0, -3), (0.5, -3), (1, -3)]:
        click(qtbot, d, x, y)
    drawn = d.strokes.points().astype(np.float32)
    qtbot.mouseClick(d.use_button, Qt.LeftButton)
    path = panel.path_edit.text()
    assert panel.selection()[1] == "csv" and path.endswith(".csv")
    # The window built a fresh model on them at once, so Train trains on the drawn points.
    assert w.session.cfg.data.dataset == "csv" and w.session.cfg.data.path == path
    assert w.session.step == 0
    events = record_events(w)
    press(qtbot, w, "train")
    qtbot.waitUntil(lambda: w.session.snapshot is not None and w.session.snapshot["step"] > 0, timeout=TIMEOUT_MS)
    assert w.session.state == "running"
    real = w.session.snapshot["real"]
    # Every real point the 2-D view shows is one of the drawn points.
    distance = np.linalg.norm(real[:, None, :] - drawn[None, :, :], axis=2).min(1)
    assert distance.max() < 1e-6
    plane = next(p for p in w.panels.all() if type(p).__name__ == "GanPlaneView")
    qtbot.waitUntil(lambda: len(plane.real.data) > 0, timeout=TIMEOUT_MS)
    shown = np.stack([plane.real.data["x"], plane.real.data["y"]], 1)
    assert np.linalg.norm(shown[:, None, :] - drawn[None, :, :], axis=2).min(1).max() < 1e-6
    # The engine trains on them too: the run it saves reads back the drawn points.
    wait_for_step(qtbot, w, 5)
    w.session.save(str(tmp_path / "run"))
    qtbot.waitUntil(lambda: any(kind == "saved" for kind, _ in events), timeout=TIMEOUT_MS)
    assert not any(kind == "error" for kind, _ in events), events
    saved = load_run(tmp_path / "run", device="cpu")
    assert saved.cfg.data.dataset == "csv" and saved.cfg.data.path == path and saved.step >= 5
    np.testing.assert_array_equal(saved.model.data._points.numpy(), drawn)
    if w.session.placement == "thread":
        np.testing.assert_array_equal(w.session.link.engine.trainer.model.data._points.cpu().numpy(), drawn)
