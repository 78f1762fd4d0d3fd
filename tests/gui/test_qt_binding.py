"""The Qt binding must survive what the worker does all day: emitting Python objects to the
GUI thread. PySide6 6.12.0 on Python 3.11 lost a reference to True/None on every such emit,
and the app died with 'none_dealloc' after a few thousand; pyproject.toml excludes it.
The probe runs in a fresh process, where nothing else changes the singletons' counts."""

from __future__ import annotations

import os
import subprocess
import sys

PROBE = r"""
import sys
from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal

app = QCoreApplication([])
EMITS = 10000

class Emitter(QObject):
    ready = Signal(object)
    def run(self):
        for i in range(EMITS):
            self.ready.emit({"step": i, "flag": None})

class Receiver(QObject):
    count = 0
    def take(self, payload):
        Receiver.count += 1
        if Receiver.count == EMITS:
            app.quit()

receiver, emitter, thread = Receiver(), Emitter(), QThread()
emitter.moveToThread(thread)
emitter.ready.connect(receiver.take)
thread.started.connect(emitter.run)
before = sys.getrefcount(True), sys.getrefcount(None)
thread.start()
app.exec()
thread.quit()
thread.wait()
after = sys.getrefcount(True), sys.getrefcount(None)
print(before[0] - after[0], before[1] - after[1])
"""


def test_cross_thread_object_signals_keep_singletons_alive():
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, f"the probe crashed: {done.stderr[-500:]}"
    lost_true, lost_none = (int(v) for v in done.stdout.split())
    # A binding that drops one reference per emit loses ~10000 here.
    assert lost_true < 1000 and lost_none < 1000, (lost_true, lost_none)
