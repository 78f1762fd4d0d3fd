"""One Engine served to any number of windows over TCP: `python main.py engine --listen HOST:PORT`.

Training runs on this machine (a GPU box) whether or not a window is attached; windows on other
machines attach, watch and steer (`python main.py gui --attach tcp://HOST:PORT --key-file F`).

Per connection:
  * Every message both ways is HMAC-signed with the engine's key (core.protocol). A connection is
    a stranger until its first validly signed message, and a stranger is sent nothing at all. A
    message with a bad or missing signature, or malformed, is refused (logged on stderr with the
    peer's address), never acted on; after MAX_REFUSED of them the connection is closed.
  * The first signed message must be cmd {"op": "attach"}. The answer: "hello" {version, pid, cuda,
    run_root, device, client, torch_threads}, then the engine's "sync" for this client: "built" and
    "state" with body["for"] = the client's id, sent only to it; from that point the client gets the
    broadcast stream (rows, weights, events, state, built, history). Its history = built's history +
    every later row: nothing lost, nothing twice (the sync runs between two steps, after a flush).
    The sync's last part is the engine's timeline (every frame recorded so far, so the window's
    scrubber reaches back before it attached): sent once per attach, in "timeline" messages of
    TIMELINE_CHUNK bytes on a thread of its own, so the live stream is not held up behind it; its
    later frames come as weights marked "frame", which this client's outbox never drops. Pushed,
    not fetched when the scrubber asks: scrubbing, replay and film export then work on the window's
    own copy, without a round trip per step; the cost is one timeline per attach (at most its byte
    budget, core.timeline.BYTE_BUDGET: 48 MB for a 2-D run, 192 MB for an image run).
  * Any command after that goes to the engine with the run id from "built". Two windows may both
    steer: commands act in the order they arrive, so the last one wins (one pauses, the other
    resumes: it runs), and every window sees the outcome in the stream. "shutdown" is refused:
    closing a window only detaches; the engine is stopped on its own machine (Ctrl-C, SIGTERM).
  * "download" {"path": optional folder inside the run root; default the latest save, else the root}:
    one "file" message per 4 MiB chunk of each regular file there (the key file and dot files
    skipped), body {name, index, count, offset, size, for}, arrays {"data": uint8}, then an event
    "downloaded" {folder, files, bytes}. Saves, remote loads and downloads stay inside the run root.
  * Detach = close the connection. The engine trains on; nothing else is kept for that client.

Threads: the accept loop; per client a reader and a sender with its own Outbox, so a slow window
never blocks the training thread or the other windows (its outbox keeps only the newest weights
and merges rows); a download gets a thread of its own; the training thread runs Engine.serve().
"""

from __future__ import annotations

import itertools
import os
import socket
import sys
import threading
import time
from multiprocessing.connection import Connection
from pathlib import Path

import numpy as np
import torch

from core.engine import Engine, confine, refused_text
from core.outbox import Outbox
from core.protocol import PROTOCOL_VERSION, Channel, Message, ProtocolError, flatten_arrays, unflatten_arrays

MAX_REFUSED = 3  # refused messages before a connection is closed
AUTH_TIMEOUT_S = 30.0  # a connection that says nothing for this long after connecting is closed
STALL_S = 300.0  # a client that has read nothing for this long is dropped (it may re-attach)
CHUNK = 4 * 2**20  # bytes of a file per "file" message
STRANGER_FRAME = 64 * 2**10  # frame size cap before a client has signed anything (an attach is ~150 B)
CLIENT_FRAME = 16 * 2**20  # and after: commands are small
TIMELINE_CHUNK = 4 * 2**20  # bytes of timeline weights per "timeline" message


def log(text: str) -> None:
    print(f"genviz engine: {text}", file=sys.stderr, flush=True)


class _CappedConnection:
    """A Connection whose frames from the peer may be at most `limit` bytes, so that a stranger
    cannot make the engine allocate gigabytes by announcing a huge frame."""

    def __init__(self, conn: Connection):
        self.conn, self.limit = conn, STRANGER_FRAME

    def recv_bytes(self, maxlength: int | None = None) -> bytes:
        return self.conn.recv_bytes(self.limit if maxlength is None else min(maxlength, self.limit))

    def __getattr__(self, name):
        return getattr(self.conn, name)


class _Client:
    def __init__(self, cid: str, address: str, channel: Channel):
        self.id, self.address, self.channel = cid, address, channel
        self.outbox = Outbox(keep_frames=True)  # the window records the engine's timeline frames
        self.authed = False
        self.subscribed = False  # gets the broadcast stream: set when its sync reaches the router
        self.refused = 0
        self.closed = threading.Event()
        self.busy_since: float | None = None  # when the sender began a send that has not returned
        self.download_lock = threading.Lock()
        self.sender: threading.Thread | None = None
        self.timeline_sends = 0  # a newer sync's timeline supersedes one still being sent


class EngineServer:
    """Serve one Engine (self.engine) on a bound listening socket; see the module docstring.
    start() starts the accept loop and the training thread; close() stops both."""

    def __init__(self, listener: socket.socket, key: bytes, run_root: Path, device: str | None = None,
                 rates: dict | None = None, key_file: Path | None = None):
        if not key:
            raise ValueError("the engine server needs a key: without one anyone who can connect could steer it")
        self.listener, self.key = listener, key
        self.run_root = Path(run_root).resolve()
        self.key_file = Path(key_file).resolve() if key_file else None
        self.engine = Engine(self._route, rates=rates, device=device, save_root=self.run_root)
        self._clients: dict[str, _Client] = {}
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._closing = threading.Event()
        self._gone = {"bytes_sent": 0, "bytes_received": 0, "clients": 0}  # traffic of clients that left
        self.train_thread = threading.Thread(target=self.engine.serve, name="genviz-engine-train", daemon=True)
        self._accepter = threading.Thread(target=self._accept_loop, name="genviz-engine-accept", daemon=True)

    @property
    def address(self) -> tuple[str, int]:
        return self.listener.getsockname()[:2]

    def start(self) -> None:
        self.train_thread.start()
        self._accepter.start()

    def stats(self) -> dict:
        """Traffic, for bench and logs: per connected client, and totals since the server started."""
        with self._lock:
            clients = [{"id": c.id, "address": c.address, "attached": c.authed, "bytes_sent": c.channel.bytes_sent,
                        "bytes_received": c.channel.bytes_received, "outbox": len(c.outbox)}
                       for c in self._clients.values()]
            gone = dict(self._gone)
        return {"clients": clients, "clients_gone": gone["clients"],
                "bytes_sent": gone["bytes_sent"] + sum(c["bytes_sent"] for c in clients),
                "bytes_received": gone["bytes_received"] + sum(c["bytes_received"] for c in clients)}

    def close(self, drain_s: float = 2.0) -> None:
        """Stop accepting, let each client's queued messages out (up to drain_s), then hang up."""
        self._closing.set()
        self.listener.close()
        with self._lock:
            clients = list(self._clients.values())
        for c in clients:
            c.outbox.close()  # the sender sends what is queued, then ends
        deadline = time.monotonic() + drain_s
        for c in clients:
            if c.sender is not None:
                c.sender.join(max(0.0, deadline - time.monotonic()))
            self._drop(c, quiet=True)

    # -- routing the engine's stream (any thread: the engine emits from several) ------------
    def _route(self, msg: Message) -> None:
        stalled = []
        with self._lock:
            target = msg.body.get("for")
            if target is not None:
                c = self._clients.get(target)
                if c is not None:
                    if msg.kind in ("built", "state"):  # its sync: everything from here on is news to it
                        c.subscribed = True
                    c.outbox.put(msg)
                return
            now = time.monotonic()
            for c in self._clients.values():
                if c.subscribed:
                    c.outbox.put(msg)
                    if c.busy_since is not None and now - c.busy_since > STALL_S:
                        stalled.append(c)
        for c in stalled:
            log(f"dropped {c.address}: it read nothing for {STALL_S:.0f} s")
            self._drop(c)

    # -- connections ---------------------------------------------------------------------------
    def _accept_loop(self) -> None:
        self.listener.settimeout(0.5)  # so close() is noticed on every platform
        while not self._closing.is_set():
            try:
                sock, peer = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                if self._closing.is_set():
                    return
                continue
            sock.setblocking(True)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)  # a vanished peer is noticed in time
            address = f"{peer[0]}:{peer[1]}" if ":" not in peer[0] else f"[{peer[0]}]:{peer[1]}"
            c = _Client(f"c{next(self._ids)}", address,
                        Channel(_CappedConnection(Connection(sock.detach())), key=self.key))
            with self._lock:
                self._clients[c.id] = c
            threading.Thread(target=self._read_loop, args=(c,), name=f"genviz-engine-{c.id}-reader",
                             daemon=True).start()

    def _read_loop(self, c: _Client) -> None:
        try:
            if not c.channel.poll(AUTH_TIMEOUT_S):
                log(f"closed {c.address}: it sent nothing for {AUTH_TIMEOUT_S:.0f} s")
                return
            while not c.closed.is_set():
                try:
                    msg = c.channel.recv()
                except ProtocolError as exc:
                    self._refuse(c, str(exc))
                    if c.refused >= MAX_REFUSED:
                        log(f"closed {c.address} after {c.refused} refused messages")
                        return
                    continue
                except (EOFError, OSError):
                    return  # the client went away: detached
                self._handle(c, msg)
        finally:
            self._drop(c)
            if c.sender is not None:
                c.sender.join(2.0)
            with c.download_lock:  # a download on the hung-up socket fails at once and lets go
                c.channel.close()  # the reader owns the socket: its fd number is free for reuse only now

    def _refuse(self, c: _Client, why: str) -> None:
        c.refused += 1
        log(f"refused a message from {c.address}: {why}")

    def _handle(self, c: _Client, msg: Message) -> None:
        op = msg.body.get("op") if msg.kind == "cmd" else None
        if not c.authed:
            if op != "attach":
                self._refuse(c, f"the first message must be cmd attach, not {msg.kind} {op!r}")
                return
            c.authed = True
            c.channel.conn.limit = CLIENT_FRAME
            c.sender = threading.Thread(target=self._send_loop, args=(c,), name=f"genviz-engine-{c.id}-sender",
                                        daemon=True)
            c.sender.start()
            log(f"{c.address} attached (client {c.id})")
        if op == "attach":  # also a re-attach on the same connection: the whole picture again
            c.outbox.put(Message("hello", body=self._hello(c)))
            self.engine.command(Message("cmd", body={"op": "sync", "client": c.id}))
        elif op == "download":
            threading.Thread(target=self._download, args=(c, msg), name=f"genviz-engine-{c.id}-download",
                             daemon=True).start()
        elif op == "shutdown":
            self._tell(c, msg.run, "error", "shutdown refused: closing a window only detaches; stop the engine "
                                            "on its machine (Ctrl-C or SIGTERM saves the run)")
        else:  # "remote" marks it as a client's (the engine confines its loads); sync: only its own
            body = {**msg.body, "remote": True, **({"client": c.id} if op == "sync" else {})}
            self.engine.command(Message(msg.kind, msg.run, body=body))

    def _hello(self, c: _Client) -> dict:
        t = self.engine.trainer
        device = str(t.model.device) if t is not None else (self.engine.device or "auto")
        return {"version": PROTOCOL_VERSION, "pid": os.getpid(), "cuda": torch.cuda.is_available(),
                "run_root": str(self.run_root), "device": device, "client": c.id,
                "torch_threads": torch.get_num_threads()}

    def _tell(self, c: _Client, run: str, kind: str, message: str, direct: bool = False, **extra) -> None:
        msg = Message("event", run, body={"kind": kind, "message": message, "for": c.id, **extra})
        if direct:  # after a download's files, on the same path as they went
            c.channel.send(msg)
        else:
            c.outbox.put(msg)

    def _send_loop(self, c: _Client) -> None:
        while True:
            msg = c.outbox.get(timeout=0.5)
            if msg is None:
                if c.closed.is_set() or self._closing.is_set():
                    return
                continue
            if msg.kind == "timeline":  # tens of MB: in chunks, on a thread of its own (see _send_timeline)
                c.timeline_sends += 1
                threading.Thread(target=self._send_timeline, args=(c, msg, c.timeline_sends),
                                 name=f"genviz-engine-{c.id}-timeline", daemon=True).start()
                continue
            c.busy_since = time.monotonic()
            try:
                c.channel.send(msg)
            except ProtocolError as exc:  # a message that cannot be encoded: a bug here, not the client's
                log(f"could not send {msg.kind} to {c.address}: {exc}")
            except (OSError, EOFError, ValueError):
                self._drop(c)
                return
            finally:
                c.busy_since = None

    def _drop(self, c: _Client, quiet: bool = False) -> None:
        """Forget a client and hang up its socket (which ends its reader and sender). Idempotent."""
        with self._lock:
            if self._clients.pop(c.id, None) is None:
                return
            self._gone["clients"] += 1
            self._gone["bytes_sent"] += c.channel.bytes_sent
            self._gone["bytes_received"] += c.channel.bytes_received
        c.closed.set()
        c.outbox.close()
        try:  # shutdown, not close: the reader may be inside a recv on this socket
            with socket.socket(fileno=os.dup(c.channel.conn.fileno())) as s:
                s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        if c.authed and not quiet:
            log(f"{c.address} detached (client {c.id})")

    # -- the timeline: in its own thread, in chunks, between the live stream's messages ----------
    def _send_timeline(self, c: _Client, msg: Message, generation: int) -> None:
        """The engine's recorded frames for one client, TIMELINE_CHUNK bytes of weights (at least one
        frame) per message, straight to the socket: the live stream goes on between chunks, so the
        views do not wait for tens of MB. The chunks follow the sync's built and state (the sender
        took this message after sending them). Body: steps (this chunk's), index, count, upto (the
        newest step of the whole timeline), interval, note; arrays "f{j}/{weight}" of this chunk."""
        frames = unflatten_arrays(msg.arrays)
        steps = [int(s) for s in msg.body["steps"]]
        chunks: list[list[int]] = [[]]
        size = 0
        for i in range(len(steps)):
            nbytes = sum(int(a.nbytes) for a in frames[f"f{i}"].values())
            if chunks[-1] and size + nbytes > TIMELINE_CHUNK:
                chunks.append([])
                size = 0
            chunks[-1].append(i)
            size += nbytes
        upto = steps[-1] if steps else -1
        for index, chunk in enumerate(chunks):
            if c.closed.is_set() or c.timeline_sends != generation:
                return  # gone, or a re-attach asked for the whole timeline again
            body = {"for": c.id, "steps": [steps[i] for i in chunk], "index": index, "count": len(chunks),
                    "upto": upto, "interval": msg.body["interval"], "note": msg.body.get("note", "")}
            try:
                c.channel.send(Message("timeline", msg.run, body=body, arrays=flatten_arrays(
                    {f"f{j}": frames[f"f{i}"] for j, i in enumerate(chunk)})))
            except ProtocolError as exc:
                log(f"could not send the timeline to {c.address}: {exc}")
                return
            except (OSError, EOFError, ValueError):
                self._drop(c)
                return

    # -- download: in its own thread, straight to the socket (a big file never sits in memory) --
    def _download(self, c: _Client, msg: Message) -> None:
        with c.download_lock:
            path = msg.body.get("path")
            if path:
                folder = confine(self.run_root, str(path))
                if folder is None:
                    self._tell(c, msg.run, "error", refused_text("download from", path, self.run_root))
                    return
            else:
                folder = self.engine.last_saved_dir or self.run_root
            try:
                files = sorted(p for p in Path(folder).iterdir() if p.is_file() and not p.is_symlink()
                               and not p.name.startswith(".") and p.resolve() != self.key_file)
                total = 0
                for index, p in enumerate(files):
                    total += self._send_file(c, msg.run, p, p.relative_to(folder).as_posix(), index, len(files))
                self._tell(c, msg.run, "downloaded", f"sent {len(files)} files ({total} bytes) from {folder}",
                           direct=True, folder=str(folder), files=[p.name for p in files], bytes=total)
            except OSError as exc:
                if not c.closed.is_set():
                    self._tell(c, msg.run, "error", f"download from {folder} failed: {exc}")

    def _send_file(self, c: _Client, run: str, path: Path, name: str, index: int, count: int) -> int:
        with open(path, "rb") as f:  # an open file survives a save replacing it: one consistent version
            size, offset = os.fstat(f.fileno()).st_size, 0
            while True:
                data = f.read(min(CHUNK, max(size - offset, 0)))
                body = {"name": name, "index": index, "count": count, "offset": offset, "size": size, "for": c.id}
                c.channel.send(Message("file", run, body=body, arrays={"data": np.frombuffer(data, np.uint8)}))
                offset += len(data)
                if offset >= size or not data:
                    return offset
