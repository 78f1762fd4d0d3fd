"""Start the Qt application and the main window."""

from __future__ import annotations

import os
import sys

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication

from gui.style import configure_pyqtgraph


def use_private_settings() -> None:
    """Keep the user's remembered layout out of (and unchanged by) screenshot and bench runs."""
    import tempfile

    from PySide6.QtCore import QSettings

    QSettings.setDefaultFormat(QSettings.IniFormat)
    QSettings.setPath(QSettings.IniFormat, QSettings.UserScope, tempfile.mkdtemp(prefix="genviz-settings-"))


def make_app() -> QApplication:
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY") and sys.platform.startswith("linux"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    QCoreApplication.setOrganizationName("genviz")
    QCoreApplication.setApplicationName("genviz")
    app = QApplication.instance() or QApplication(sys.argv[:1])
    from gui.i18n import install

    install()  # the language set in the window (View > Language), else the system's
    configure_pyqtgraph()
    # The training thread holds the GIL between its torch ops; when the GUI thread asks for it,
    # make it wait at most 0.5 ms instead of the default 5 ms, so slider moves and paints stay prompt.
    sys.setswitchinterval(0.0005)
    return app


def run_gui(model=None, dataset=None, preset=None, autostart=False, run_dir=None, engine="process",
            attach=None, key=None) -> int:
    if (sys.platform.startswith("linux") and not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY")
            and not os.environ.get("QT_QPA_PLATFORM")):
        # Without this, Qt would fall back to an invisible off-screen window and the command would hang.
        print("genviz: error: no display to open the window on (DISPLAY and WAYLAND_DISPLAY are unset); "
              "run it in a desktop session, over 'ssh -X', or use 'python main.py train' headless",
              file=sys.stderr)
        return 1
    from gui.system_libs import xcb_problem

    problem = xcb_problem()
    if problem:  # Qt would abort (a core dump) naming only the first missing library
        print(f"genviz: error: {problem}", file=sys.stderr)
        return 1
    app = make_app()
    from gui.main_window import MainWindow

    window = MainWindow(model or "gan", dataset or "ring8", preset, engine=engine, attach=attach, key=key,
                        build_in_background=run_dir is None)
    window.show()
    if run_dir:
        if not window.load_from(run_dir):
            print(f"genviz: error: could not open {run_dir}: {window.last_message[1]}", file=sys.stderr)
    elif autostart and not attach:
        window.on_train()
    return app.exec()
