"""The window's link to its engine: the engine's messages in, as Qt signals; commands out.

Two placements behind one interface (like qtconsole's QtKernelClient):
  * ProcessEngineLink: the engine runs in a child process (`python -m core.engine_process`) over a
    socket pair; a QThread reads the socket, so the GUI thread never waits on it, and says
    `died` when the process goes away unexpectedly (kill -9, out of memory).
  * ThreadEngineLink: the engine runs in a QThread of the window's own process (`--engine thread`),
    sharing the GIL with drawing, as genviz did before.
Either way incoming messages wait in an Outbox (bounded: newer weights supersede older ones, rows
merge) and `ready` tells the GUI thread to take them; weights go straight to `weights_sink` (the
shadow model's thread), not through the GUI thread.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from multiprocessing.connection import Connection
from pathlib import Path

from PySide6.QtCore import QObject, QThread, Signal

from core.engine import Engine
from core.outbox import Outbox
from core.protocol import Channel, Message, ProtocolError
from gui.worker import LIVE_THREADS

ROOT = Path(__file__).resolve().parent.parent
CLOSE_TIMEOUT_S = 2.0
# Every engine process the window starts, so tests can assert none is left running.
LIVE_PROCESSES: list[subprocess.Popen] = []


class EngineLink(QObject):
    ready = Signal()  # messages wait in the inbox
    died = Signal(str)  # one line: what happened to the engine

    placement = ""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.inbox = Outbox(on_first=self.ready.emit)
        self.weights_sink = None  # callable(Message) for weights, from the link's thread
        self.alive = True

    def deliver(self, msg: Message) -> None:
        sink = self.weights_sink
        if msg.kind == "weights" and sink is not None:
            sink(msg)
        else:
            self.inbox.put(msg)

    def take(self) -> list[Message]:
        return self.inbox.take_all()

    def send(self, msg: Message) -> None:
        raise NotImplementedError

    def close(self) -> bool:
        """Shut the engine down (it finishes a pending save first); True if it ended in time."""
        raise NotImplementedError


class _LoopThread(QThread):
    """A QThread that runs one function (the engine's loop, or the socket reader)."""

    def __init__(self, name: str, fn, parent=None):
        super().__init__(parent)
        self.setObjectName(name)
        self._fn = fn
        LIVE_THREADS.add(self)

    def run(self) -> None:
        self._fn()


class ThreadEngineLink(EngineLink):
    placement = "thread"

    def __init__(self, parent=None):
        super().__init__(parent)
        self.engine = Engine(self.deliver)
        self.thread = _LoopThread("genviz-engine", self._serve, self)
        self.thread.start()

    def _serve(self) -> None:
        import traceback

        try:
            self.engine.serve()
        except Exception as exc:  # keep the window up
            traceback.print_exc()
            self.alive = False
            self.died.emit(f"The training thread failed: {type(exc).__name__}: {exc}")

    def send(self, msg: Message) -> None:
        self.engine.command(msg)

    def close(self) -> bool:
        self.engine.command(Message("cmd", body={"op": "shutdown"}))
        done = self.thread.wait(int(CLOSE_TIMEOUT_S * 1000))
        self.alive = False
        self.inbox.close()
        return done


class ProcessEngineLink(EngineLink):
    placement = "process"

    def __init__(self, parent=None, device: str | None = None):
        super().__init__(parent)
        ours, theirs = socket.socketpair()
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
        command = [sys.executable, "-m", "core.engine_process", "--fd", str(theirs.fileno())]
        if device:
            command += ["--device", device]
        self.process = subprocess.Popen(command, pass_fds=(theirs.fileno(),), env=env, cwd=str(ROOT))
        LIVE_PROCESSES[:] = [p for p in LIVE_PROCESSES if p.poll() is None] + [self.process]
        theirs.close()
        self.channel = Channel(Connection(ours.detach()))
        self._closing = False
        self.thread = _LoopThread("genviz-engine-link", self._read, self)
        self.thread.start()

    def _read(self) -> None:
        while True:
            try:
                msg = self.channel.recv()
            except ProtocolError as exc:  # refused and logged, never acted on
                print(f"genviz: refused a message from the engine: {exc}", file=sys.stderr)
                continue
            except (EOFError, OSError):
                break
            self.deliver(msg)
        self.alive = False
        if not self._closing:
            self.died.emit(self._death_line())

    def _death_line(self) -> str:
        try:
            code = self.process.wait(timeout=1.0)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return "The training engine stopped answering and was ended."
        if code is not None and code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = f"signal {-code}"
            how = f"was killed ({name}{', perhaps out of memory' if -code == signal.SIGKILL else ''})"
        else:
            how = f"exited with code {code}"
        return f"The training engine {how}."

    def send(self, msg: Message) -> None:
        if not self.alive:
            return
        try:
            self.channel.send(msg)
        except (OSError, ValueError):  # the reader says why, once
            pass

    def close(self) -> bool:
        self._closing = True
        self.send(Message("cmd", body={"op": "shutdown"}))
        try:
            self.process.wait(timeout=CLOSE_TIMEOUT_S)
            ended = True
        except subprocess.TimeoutExpired:  # inside one long step: do not keep the window waiting
            self.process.kill()
            self.process.wait()
            ended = False
        self.thread.wait(int(CLOSE_TIMEOUT_S * 1000))
        self.channel.close()
        self.alive = False
        self.inbox.close()
        return ended


def open_link(placement: str, parent=None) -> EngineLink:
    if placement == "thread":
        return ThreadEngineLink(parent)
    if placement == "process":
        return ProcessEngineLink(parent)
    raise ValueError(f"unknown engine placement {placement!r}; allowed: process, thread")
