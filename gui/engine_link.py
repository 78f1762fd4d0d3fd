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

from core.outbox import Outbox
from core.protocol import Channel, Message, ProtocolError
from gui.live_threads import LIVE_THREADS

ROOT = Path(__file__).resolve().parent.parent
CLOSE_TIMEOUT_S = 2.0
SLOW_COMMAND_S = 120.0  # thread placement: how long closing waits for a command that is still running
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
        self.warm = False  # the engine said hello: it has imported torch and serves commands

    def deliver(self, msg: Message) -> None:
        if msg.kind == "hello":
            self.warm = True
        sink = self.weights_sink
        if msg.kind == "weights" and sink is not None:
            sink(msg)
        else:
            self.inbox.put(msg)

    def take(self) -> list[Message]:
        return self.inbox.take_all()

    def pump(self, channel: Channel) -> None:
        """Deliver every message from `channel` until it closes (in the link's own thread)."""
        while True:
            try:
                msg = channel.recv()
            except ProtocolError as exc:  # refused and logged, never acted on
                print(f"genviz: refused a message from the engine: {exc}", file=sys.stderr)
                continue
            except (EOFError, OSError):
                return
            self.deliver(msg)

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
        from core.engine import Engine  # loads torch: only this placement needs the engine in this process

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
        if not done:
            # A command still running (building an image model, a save) ends first: a thread cannot be
            # killed, and a QThread destroyed while it runs takes the whole app down.
            print("genviz: waiting for the training thread to finish its current command", file=sys.stderr)
            done = self.thread.wait(int(SLOW_COMMAND_S * 1000))
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
        self.pump(self.channel)
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
        if not self.warm:  # still importing torch: nothing to save yet, and no reason to wait for it
            self.process.kill()
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


RECONNECT_EVERY_S = 1.0


def parse_address(address: str) -> tuple[str, int]:
    """'tcp://HOST:PORT' (or 'HOST:PORT') -> (host, port); ValueError with what is allowed."""
    text = address[len("tcp://"):] if address.startswith("tcp://") else address
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"engine address {address!r} must look like tcp://HOST:PORT, e.g. tcp://127.0.0.1:5555")
    return host.strip("[]"), int(port)


class RemoteEngineLink(EngineLink):
    """An engine on another machine (`python main.py engine --listen ...`), over TCP, every message
    signed with the engine's key. Closing the window only detaches: the engine trains on. When the
    link drops, the reader says "reconnecting" and tries again every second; on each (re)attach the
    engine sends the whole history and state, so no metric row is lost."""

    placement = "attach"

    def __init__(self, address: str, key: bytes, parent=None):
        super().__init__(parent)
        self.address, self.key = address, key
        self.host, self.port = parse_address(address)
        self._closing = False
        self.channel: Channel | None = None
        self.bytes_received = 0
        self.thread = _LoopThread("genviz-engine-remote", self._run, self)
        self.thread.start()

    def _connect(self) -> Channel | None:
        try:
            sock = socket.create_connection((self.host, self.port), timeout=5.0)
        except OSError:
            return None
        sock.settimeout(None)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        channel = Channel(Connection(sock.detach()), key=self.key)
        channel.send(Message("cmd", body={"op": "attach"}))
        return channel

    def _run(self) -> None:
        import threading

        wake = threading.Event()
        first = True
        while not self._closing:
            channel = self._connect()
            if channel is None:
                if first:
                    self.inbox.put(Message("link", body={"state": "unreachable",
                                                         "message": f"cannot reach the engine at {self.address}"}))
                    first = False
                wake.wait(RECONNECT_EVERY_S)
                continue
            first = False
            self.channel = channel
            self.inbox.put(Message("link", body={"state": "connected", "message": f"attached to {self.address}"}))
            self.pump(channel)
            self.bytes_received += channel.bytes_received
            self.channel = None
            channel.close()
            if not self._closing:
                self.inbox.put(Message("link", body={"state": "reconnecting",
                                                     "message": f"lost the engine at {self.address}; reconnecting"}))
                wake.wait(RECONNECT_EVERY_S)
        self.alive = False

    def send(self, msg: Message) -> None:
        channel = self.channel
        if channel is None:
            return  # reconnecting: the person sees it in the status bar
        try:
            channel.send(msg)
        except (OSError, ValueError):
            pass

    def close(self) -> bool:
        """Detach: the engine trains on."""
        self._closing = True
        channel = self.channel
        if channel is not None:
            try:  # unblocks the reader's recv
                socket.socket(fileno=os.dup(channel.conn.fileno())).shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        done = self.thread.wait(int(CLOSE_TIMEOUT_S * 1000) + int(RECONNECT_EVERY_S * 1000))
        self.alive = False
        self.inbox.close()
        return done


def read_key_file(path: str) -> bytes:
    """The engine's key: hex in a file (as `engine --listen` writes it). ValueError says what is wrong."""
    try:
        text = Path(path).read_text().strip()
    except OSError as exc:
        raise ValueError(f"cannot read the key file {path!r}: {exc.strerror or exc}") from None
    try:
        key = bytes.fromhex(text)
    except ValueError:
        raise ValueError(f"the key file {path!r} does not hold a hex key (as 'engine --listen' writes it)") from None
    if len(key) < 16:
        raise ValueError(f"the key in {path!r} is too short ({len(key)} bytes; at least 16)")
    return key


def open_link(placement: str, parent=None, address: str | None = None, key: bytes | None = None) -> EngineLink:
    if placement == "thread":
        return ThreadEngineLink(parent)
    if placement == "process":
        return ProcessEngineLink(parent)
    if placement == "attach":
        return RemoteEngineLink(address, key, parent)
    raise ValueError(f"unknown engine placement {placement!r}; allowed: process, thread, attach")
