"""Test set-up: Qt runs off-screen, settings go to a temporary folder, and any test that
leaves a training thread running fails."""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pytest  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def private_qt_settings(tmp_path_factory):
    """Never read or write the real user's remembered layout."""
    if "PySide6" not in sys.modules:
        try:
            import PySide6  # noqa: F401
        except ImportError:
            yield
            return
    from PySide6.QtCore import QCoreApplication, QSettings

    QCoreApplication.setOrganizationName("genviz-tests")
    QCoreApplication.setApplicationName("genviz-tests")
    QSettings.setDefaultFormat(QSettings.IniFormat)
    QSettings.setPath(QSettings.IniFormat, QSettings.UserScope, str(tmp_path_factory.mktemp("qsettings")))
    yield


@pytest.fixture(autouse=True)
def no_training_thread_left_running():
    yield
    if "gui.worker" not in sys.modules:
        return
    import shiboken6

    from gui.worker import LIVE_THREADS

    running = [t for t in list(LIVE_THREADS) if shiboken6.isValid(t) and t.isRunning()]
    for thread in running:  # stop them so one failure does not cascade
        thread.quit()
        thread.wait(3000)
    assert not running, f"{len(running)} training thread(s) left running after the test"
