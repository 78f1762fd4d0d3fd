"""The window after Reset and after Load, on a 1366x768 screen: Reset -> Discard shows nothing of the
old run and leaves the docks where they were; Load of a saved VAE run into a GAN window (what
`python main.py gui RUN_DIR` does) fits the screen, keeps the settings column narrow, lays no dock
over another, and shows the run's whole saved history before anyone presses Train."""

from __future__ import annotations

import numpy as np
import pytest
import shiboken6
from PySide6.QtCore import QPoint, QRect, QSettings
from PySide6.QtWidgets import QFileDialog

from tests.gui.helpers import (
    TIMEOUT_MS,
    close_window,
    open_window,
    pause_and_settle,
    press,
    wait_built,
    wait_for_step,
)

SCREEN = (1366, 768)
SAVED_STEPS = 40


@pytest.fixture(scope="module")
def vae_run(tmp_path_factory):
    """A VAE trained SAVED_STEPS steps on MNIST, saved as `train` saves it."""
    from core.build import build_model
    from core.checkpoint import save_run
    from core.presets import build_config
    from core.trainer import Trainer

    cfg = build_config("vae", "mnist", None, {"train.steps": SAVED_STEPS, "train.device": "cpu", "vae.hidden": 64})
    trainer = Trainer(build_model(cfg))
    trainer.run(max_steps=SAVED_STEPS)
    folder = tmp_path_factory.mktemp("vae-run")
    save_run(folder, trainer)
    return str(folder)


def open_first_time(qtbot, placement: str):
    """A GAN window on a first start on this screen: no size or layout remembered from another test."""
    QSettings().clear()
    return open_window(qtbot, "gan", "ring8", placement=placement)


def on_window(w, widget) -> bool:
    """The widget lies in the window (a dock's hidden tab is moved out of it)."""
    return w.rect().intersects(QRect(widget.mapTo(w, QPoint(0, 0)), widget.size()))


def shown_docks(w) -> dict[str, QRect]:
    return {d.objectName(): d.geometry() for d in [w.settings_dock, *w.docks] if d.isVisible() and on_window(w, d)}


def history_steps(panel) -> np.ndarray:
    x, _ = next(iter(panel.curves.values())).getOriginalDataset()
    return np.zeros(0) if x is None else np.asarray(x)


def history_panels(w) -> list:
    """The panels that plot the metric history (not the formula panel's or the quality panel's curves)."""
    from gui.panels.history_plot import HistoryPlotPanel

    return [p for p in w.panels.all() if isinstance(p, HistoryPlotPanel)]


@pytest.mark.parametrize("placement", ["thread"])
def test_reset_discard_shows_nothing_of_the_old_run_and_keeps_the_docks(qtbot, screen_of_size, placement):
    screen_of_size(*SCREEN)
    w = open_first_time(qtbot, placement)
    try:
        press(qtbot, w, "train")
        wait_for_step(qtbot, w, 30)
        pause_and_settle(qtbot, w)
        w.redraw_all()
        old_panels = w.panels.all()
        assert all(len(history_steps(p)) >= 30 for p in history_panels(w))
        docks_before = shown_docks(w)
        asked = []
        w.confirm_discard = lambda action, steps: asked.append(action) or True  # Discard
        press(qtbot, w, "reset")
        assert asked == ["Reset"]
        wait_built(qtbot, w)
        qtbot.waitUntil(lambda: w.session.snapshot is not None, timeout=TIMEOUT_MS)  # the new model's views
        w.redraw_all()
        assert w.session.step == 0 and w.session.snapshot["step"] == 0
        assert all(not shiboken6.isValid(p) or not p.isVisible() for p in old_panels)
        for panel in history_panels(w):
            assert len(history_steps(panel)) == 0 or history_steps(panel).max() <= 0, panel.objectName()
        assert shown_docks(w) == docks_before
    finally:
        close_window(w)


@pytest.mark.parametrize("placement", ["thread"])
def test_load_of_a_vae_run_fits_the_screen_and_shows_its_history(qtbot, screen_of_size, monkeypatch, vae_run,
                                                                  placement):
    screen_of_size(*SCREEN)
    w = open_first_time(qtbot, placement)  # as `gui RUN_DIR` opens before it loads
    try:
        monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *args, **kwargs: vae_run)
        press(qtbot, w, "load")
        wait_built(qtbot, w)
        losses = history_panels(w)[0]
        # The whole saved history, at once: nobody pressed Train or Resume.
        qtbot.waitUntil(lambda: len(history_steps(losses)) > 0 and history_steps(losses).max() == SAVED_STEPS - 1,
                        timeout=TIMEOUT_MS)
        assert w.session.state != "running" and len(history_steps(losses)) == SAVED_STEPS
        frame = w.frameGeometry()
        assert frame.width() <= SCREEN[0] and frame.height() <= SCREEN[1]
        assert w.settings_dock.width() <= 0.3 * w.width()
        docks = shown_docks(w)
        assert len(docks) >= 3  # settings, and at least one dock on the right and one below
        for name, rect in docks.items():
            assert w.rect().contains(rect), f"{name} {rect} reaches out of the window {w.rect()}"
        names = list(docks)
        overlaps = [(a, b) for i, a in enumerate(names) for b in names[i + 1:] if docks[a].intersects(docks[b])]
        assert overlaps == []
    finally:
        close_window(w)
