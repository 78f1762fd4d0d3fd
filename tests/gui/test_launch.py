"""At launch the window shows itself before torch has loaded: its copy of the model is built in a
thread, and Train pressed meanwhile starts training as soon as that copy exists."""

import subprocess
import sys

from gui.main_window import LOADING_TEXT
from tests.gui.helpers import TIMEOUT_MS, close_window, press, wait_for_step


def test_the_window_and_its_panels_load_without_torch():
    code = ("import sys\nimport gui.app, gui.main_window, gui.panels.registry, gui.controller\n"
            "print(sorted(m for m in sys.modules if m == 'torch' or m.startswith('torch.')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_train_pressed_while_the_model_builds_starts_once_it_is_built(qtbot, monkeypatch):
    import threading

    import gui.model_builder
    from gui.app import make_app
    from gui.main_window import MainWindow

    # The build waits until Train was pressed: on a fast build (torch is already loaded here) it could
    # otherwise finish while the window shows itself, and Train would never be pressed during a build.
    release = threading.Event()
    real_build = gui.model_builder.build_view_model

    def build_after_release(cfg, placement):
        release.wait(TIMEOUT_MS / 1000)
        return real_build(cfg, placement)

    monkeypatch.setattr(gui.model_builder, "build_view_model", build_after_release)
    make_app()
    w = MainWindow("realnvp", "moons", build_in_background=True)
    qtbot.addWidget(w)
    w.ask_save_on_close = lambda: "discard"
    try:
        # Nothing has let the GUI thread take the builder's result yet: the window is up without a model.
        assert w.session.building and w.session.model is None and w.panels is None
        w.show()
        qtbot.waitExposed(w)
        assert w.statusBar().currentMessage() == LOADING_TEXT
        press(qtbot, w, "train")
        assert w.session.state == "idle" and w.session.building  # nothing to train yet
        release.set()
        wait_for_step(qtbot, w, 5)
        assert not w.session.building and w.panels is not None and w.session.model is not None
        assert w.statusBar().currentMessage() != LOADING_TEXT
        qtbot.waitUntil(lambda: w.session.snapshot is not None, timeout=TIMEOUT_MS)  # the views come too
    finally:
        release.set()
        close_window(w)


def test_a_reset_during_the_launch_build_replaces_it(qtbot):
    from gui.app import make_app
    from gui.main_window import MainWindow

    make_app()
    w = MainWindow("realnvp", "moons", build_in_background=True)
    qtbot.addWidget(w)
    try:
        w.settings_panel.editors[("train", "seed")].setText("7")
        w.on_reset()  # builds now, on the GUI thread; the launch's build is dropped when it ends
        assert not w.session.building and w.session.cfg.train.seed == 7
        model = w.session.model
        qtbot.waitUntil(lambda: w.session.device != "", timeout=TIMEOUT_MS)
        assert w.session.model is model and w.session.cfg.train.seed == 7
    finally:
        close_window(w)
