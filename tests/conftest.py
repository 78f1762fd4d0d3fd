"""Test set-up: Qt runs off-screen, settings go to a temporary folder, and any test that
leaves a training thread running fails."""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import faulthandler  # noqa: E402
import gzip  # noqa: E402
import hashlib  # noqa: E402
import http.server  # noqa: E402
import threading  # noqa: E402
from functools import partial  # noqa: E402

import numpy as np  # noqa: E402
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
def fresh_qt_settings(private_qt_settings):
    """Each test starts with nothing remembered: a window's saved dock layout (kept per panel set and
    screen size) or geometry from an earlier test must not decide what a later one sees."""
    yield
    if "PySide6" in sys.modules:
        from PySide6.QtCore import QSettings

        QSettings().clear()


HUNG_TEST_S = 720  # far beyond any test's own waits (60 s) and the bench test's own limit (600 s)


@pytest.fixture(autouse=True)
def hung_test_dumps_every_thread_and_exits():
    """A test that hangs (a deadlock) prints every thread's Python stack and ends the run, so CI says
    where it hung instead of running into its time limit."""
    faulthandler.dump_traceback_later(HUNG_TEST_S, exit=True)
    yield
    faulthandler.cancel_dump_traceback_later()


STILL_RUNNING: list = []  # threads a failed test left running (see below)


@pytest.fixture(autouse=True)
def no_training_thread_left_running():
    yield
    if "gui.live_threads" not in sys.modules:
        return
    import shiboken6

    from gui.live_threads import LIVE_THREADS

    running = [t for t in list(LIVE_THREADS) if shiboken6.isValid(t) and t.isRunning()]
    names = [t.objectName() for t in running]
    for thread in running:  # stop them so one failure does not cascade
        thread.quit()
        if not thread.wait(3000):
            # Still running (a loop that ignores quit()): keep it, parentless, for the rest of the run.
            # Deleted with its window, a running QThread aborts the whole process (qFatal).
            thread.setParent(None)
            STILL_RUNNING.append(thread)
    engines = []
    if "gui.engine_link" in sys.modules:
        from gui.engine_link import LIVE_PROCESSES

        engines = [p for p in LIVE_PROCESSES if p.poll() is None]
        for process in engines:
            process.kill()
            process.wait()
    assert not running, f"{len(running)} thread(s) left running after the test: {names}"
    assert not engines, f"{len(engines)} engine process(es) left running after the test"


# -- a local stand-in for the Fashion-MNIST server (tests never reach the internet) --------

def idx_gz(arr: np.ndarray) -> bytes:
    header = bytes([0, 0, 0x08, arr.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in arr.shape)
    return gzip.compress(header + arr.astype(np.uint8).tobytes())


@pytest.fixture
def served(tmp_path):
    """Four tiny valid Fashion-MNIST-named files served over HTTP; yields (url, their md5s, request log)."""
    root = tmp_path / "server"
    root.mkdir()
    rng = np.random.default_rng(0)
    shapes = {"train-images-idx3-ubyte.gz": (6, 28, 28), "train-labels-idx1-ubyte.gz": (6,),
              "t10k-images-idx3-ubyte.gz": (3, 28, 28), "t10k-labels-idx1-ubyte.gz": (3,)}
    md5s = {}
    for name, shape in shapes.items():
        data = idx_gz(rng.integers(0, 10 if len(shape) == 1 else 256, size=shape))
        (root / name).write_bytes(data)
        md5s[name] = hashlib.md5(data).hexdigest()
    requests: list[str] = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):  # keep the test output clean
            pass

        def do_GET(self):
            requests.append(self.path)
            super().do_GET()

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(Handler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", md5s, requests
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(autouse=True)
def no_unexpected_discard_prompt(monkeypatch):
    """A modal 'discard unsaved steps?' box would hang an offscreen test: a test that means to
    discard work answers for itself (window.confirm_discard = ...); any other prompt fails."""
    if "gui.main_window" not in sys.modules:
        yield
        return
    from gui.main_window import MainWindow

    def unexpected(self, action, unsaved_steps):
        raise AssertionError(f"unexpected prompt: {action} would discard {unsaved_steps} unsaved steps")

    monkeypatch.setattr(MainWindow, "confirm_discard", unexpected)

    def unexpected_choice(self, step):
        raise AssertionError(f"unexpected prompt: continue from step {step} or train from scratch?")

    monkeypatch.setattr(MainWindow, "ask_continue_or_scratch", unexpected_choice)
    yield


@pytest.fixture(autouse=True)
def generous_draw_budget(monkeypatch):
    """GUI tests check what the panels show, so the window may draw as often as it likes; the
    CPU budget itself is tested in tests/gui/test_draw_budget.py, which sets it back."""
    if "gui.main_window" not in sys.modules:
        try:
            import gui.main_window  # noqa: F401
        except ImportError:
            yield
            return
    monkeypatch.setattr(sys.modules["gui.main_window"], "GUI_CPU_BUDGET", 0.5)
    yield
