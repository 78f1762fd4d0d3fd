"""`python main.py gui RUN_DIR`: main.py hands the folder to gui.app.run_gui, which builds the window with
the command line's model and loads the run into it before the event loop starts (another path than pressing
Load in an open window, which tests/gui/test_reset_load.py takes). Opened so, a saved VAE MNIST run shows its
whole saved history before anyone presses Train, the window fits the screen, the Settings column stays narrow,
and the interpolation panel lies beside the decoder's picture (or in a tab of its stack), not over it, as no dock
lies over another."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import QApplication

from tests.gui.helpers import TIMEOUT_MS, close_window, wait_built
from tests.gui.test_layout import on_show, wait_settled

SAVED_STEPS = 30
SCREENS = [(1366, 768), (1920, 1080)]


@pytest.fixture(scope="module")
def vae_run(tmp_path_factory) -> str:
    """A VAE trained SAVED_STEPS steps on MNIST with the core API, saved as `train` saves it."""
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


def open_as_the_command_line_does(monkeypatch, run_dir: str):
    """gui.app.run_gui(run_dir=...) as main.py calls it for `gui RUN_DIR`, up to the event loop: its
    app.exec() hands back the window it built instead of running until the window closes."""
    from gui.app import run_gui
    from gui.main_window import MainWindow

    before = QApplication.topLevelWidgets()  # held, so that no new widget can take one of their ids
    opened = []

    def exec_(app) -> int:  # keeps the window alive past run_gui (its only reference is run_gui's own)
        opened.extend(x for x in QApplication.topLevelWidgets()
                      if isinstance(x, MainWindow) and not any(x is y for y in before))
        return 0

    monkeypatch.setattr(QApplication, "exec", exec_)
    assert run_gui(None, None, None, False, run_dir, "process") == 0  # main.py's defaults for `gui RUN_DIR`
    assert len(opened) == 1
    return opened[0]


def rect_in(w, widget) -> QRect:
    return QRect(widget.mapTo(w, QPoint(0, 0)), widget.size())


@pytest.mark.parametrize("size", SCREENS, ids=[f"{w}x{h}" for w, h in SCREENS])
def test_gui_run_dir_shows_the_saved_run_at_once_and_fits(qtbot, screen_of_size, monkeypatch, vae_run, size):
    from core.checkpoint import read_history
    from gui.panels.history_plot import HistoryPlotPanel

    screen_of_size(*size)
    w = open_as_the_command_line_does(monkeypatch, vae_run)
    qtbot.addWidget(w)
    w.ask_save_on_close = lambda: "discard"
    try:
        qtbot.waitExposed(w)
        assert w.session.cfg.model == "vae" and w.session.step == SAVED_STEPS
        wait_built(qtbot, w)
        saved_steps, saved = read_history(vae_run).arrays()
        names = list(read_history(vae_run).names)
        plots = [p for p in w.panels.all() if isinstance(p, HistoryPlotPanel)]
        assert plots

        def shown(panel, name):
            x, y = panel.curves[name].getOriginalDataset()
            return (np.zeros(0), np.zeros(0)) if x is None else (np.asarray(x), np.asarray(y))

        # The whole saved history, at once: nobody pressed Train or Resume.
        def expected(panel, name):
            """The saved column as the panel draws it: every row; a test metric (which the history repeats
            at every step until the next pass over the test set) once per pass."""
            steps, column = saved_steps, saved[:, names.index(name)].astype(np.float64)
            if name.startswith("test_"):
                passes = np.r_[True, np.diff(column) != 0]
                steps, column = steps[passes], column[passes]
            if panel.log_box.isChecked():  # a log plot leaves gaps where a value has no logarithm
                column = np.where(column > 0, column, np.nan)
            return steps, column

        curves = [(p, n) for p in plots for n in p.curves if n in names]
        assert any(n == "loss" for _, n in curves)
        qtbot.waitUntil(lambda: all(len(shown(p, n)[0]) == len(expected(p, n)[0]) for p, n in curves),
                        timeout=TIMEOUT_MS)
        assert w.session.state != "running" and w.session.step == SAVED_STEPS
        for panel, name in curves:
            (x, y), (steps, column) = shown(panel, name), expected(panel, name)
            np.testing.assert_array_equal(x, steps, err_msg=f"{panel.object_name} {name}: steps")
            np.testing.assert_allclose(y, column, rtol=1e-6, err_msg=f"{panel.object_name} {name}: values")

        wait_settled(qtbot, w)
        area = w.screen().availableGeometry()
        assert area.contains(w.frameGeometry()), (w.frameGeometry(), area)
        assert w.settings_dock.width() <= w.width() / 3, (w.settings_dock.width(), w.width())

        # The interpolation panel beside the decoder's picture, whichever of their tabs is in front.
        explorer = next(p for p in w.panels.all() if p.object_name == "vae_latent_explorer")
        strip = next(p for p in w.panels.all() if p.object_name == "vae_interpolation")
        picture = explorer.decoded  # decoder(z) of the sliders
        docks = [d for d in w.docks if d.widget() in (explorer, strip)]
        assert len(docks) == 2
        for dock in docks:
            dock.raise_()
            qtbot.waitUntil(lambda d=dock: on_show(w, d))
            wait_settled(qtbot, w)
            assert on_show(w, picture) or on_show(w, strip)
            if on_show(w, picture) and on_show(w, strip):
                assert not rect_in(w, picture).intersects(rect_in(w, strip)), (rect_in(w, picture),
                                                                              rect_in(w, strip))
            shown = {d.objectName(): d.geometry() for d in [w.settings_dock, *w.docks] if on_show(w, d)}
            for name, rect in shown.items():
                assert w.rect().contains(rect), f"{name} {rect} reaches out of the window {w.rect()}"
            overlaps = [(a, b) for i, a in enumerate(shown) for b in list(shown)[i + 1:]
                        if shown[a].intersects(shown[b])]
            assert overlaps == []
    finally:
        close_window(w)
