"""`python main.py engine --listen`: one engine, any number of windows over TCP, signed messages.

The engine runs as the real command in a subprocess and the tests are its windows, over loopback.
No sleeps to wait for threads: every wait is for a message, with a timeout. (One wait is for
absence: a client with the wrong key must get nothing, which can only be watched for a while.)
"""

from __future__ import annotations

import json
import os
import re
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from multiprocessing.connection import Connection
from pathlib import Path

import numpy as np
import pytest

from core.checkpoint import load_run
from core.history import MetricHistory
from core.presets import build_config
from core.protocol import Channel, Message

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT_S = 30
ENV = {**os.environ, "OMP_NUM_THREADS": "1", "GENVIZ_FLUSH_S": "0.05"}
MODEL = ["--model", "gan", "--dataset", "ring8", "--set", "gan.hidden=32", "--set", "data.batch_size=64",
         "--steps", "100000", "--device", "cpu"]
# Runs `main.py` and says at exit which GUI modules were ever imported (none may be).
WRAPPER = r"""
import atexit, json, sys
def report():
    gui = sorted(m for m in sys.modules if m.split(".")[0] in ("PySide6", "shiboken6", "pyqtgraph", "gui"))
    print("MODULES " + json.dumps({"gui": gui, "server": "core.engine_server" in sys.modules}), flush=True)
atexit.register(report)
sys.argv = ["main.py", *sys.argv[1:]]
import main
main.main()
"""


class EngineProcess:
    """The engine command in a subprocess: its address and key from the line it prints."""

    def __init__(self, run_root: Path, *extra: str, wrapper: bool = False):
        self.run_root = run_root
        self.err_path = run_root.parent / f"{run_root.name}.stderr"
        self.err = open(self.err_path, "w")  # noqa: SIM115 - closed in stop()
        head = [sys.executable, "-c", WRAPPER] if wrapper else [sys.executable, "main.py"]
        self.proc = subprocess.Popen([*head, "engine", "--listen", "127.0.0.1:0", *MODEL, "--run-root", str(run_root),
                                      *extra], cwd=ROOT, env=ENV, stdout=subprocess.PIPE, stderr=self.err, text=True)
        ready, _, _ = select.select([self.proc.stdout], [], [], 60)
        self.line = self.proc.stdout.readline() if ready else ""
        m = re.fullmatch(r"genviz engine: listening on tcp://([\d.]+):(\d+); attach with: python main.py gui "
                         r"--attach tcp://\1:\2 --key-file (.+)\n", self.line)
        assert m, f"no address line: {self.line!r}; stderr: {self.stderr()}"
        self.address = (m.group(1), int(m.group(2)))
        self.key_file = Path(m.group(3))
        self.key = bytes.fromhex(self.key_file.read_text())
        key_line = self.proc.stdout.readline()
        assert key_line.strip().endswith(self.key.hex()), key_line

    def stderr(self) -> str:
        if not self.err.closed:
            self.err.flush()
        return self.err_path.read_text()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(10)
        self.proc.stdout.close()
        self.err.close()


class Client:
    """A window, as far as the engine can tell: a TCP connection that sends commands, keeps what comes."""

    def __init__(self, address, key: bytes | None):
        sock = socket.create_connection(address, timeout=10)
        sock.settimeout(None)
        self.port = sock.getsockname()[1]
        self.channel = Channel(Connection(sock.detach()), key)
        self.messages: list[Message] = []
        self.run = ""

    def send(self, op: str, run: str | None = None, **body) -> None:
        self.channel.send(Message("cmd", self.run if run is None else run, body={"op": op, **body}))

    def recv_until(self, test, timeout=TIMEOUT_S) -> Message:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.channel.poll(0.2):
                msg = self.channel.recv()
                self.messages.append(msg)
                if test(msg):
                    return msg
        raise AssertionError(f"timed out; got {[m.kind for m in self.messages][-20:]}")

    def attach(self) -> tuple[Message, Message]:
        self.send("attach", run="")
        hello = self.recv_until(lambda m: m.kind == "hello")
        built = self.recv_until(lambda m: m.kind == "built")
        assert built.body["for"] == hello.body["client"]
        self.run = built.run
        return hello, built

    def event(self, kind: str) -> Message:
        return self.recv_until(lambda m: m.kind == "event" and m.body["kind"] == kind)

    def rows_past(self, step: int) -> Message:
        return self.recv_until(lambda m: m.kind == "rows" and m.body["step"] > step)

    def history(self, built: Message) -> MetricHistory:
        """The window's history: built's, then every row that came after it."""
        state = {k[len("history/"):]: v for k, v in built.arrays.items() if k.startswith("history/")}
        h = MetricHistory.from_state(built.body["metric_names"], state)
        for m in self.messages[self.messages.index(built) + 1:]:
            if m.kind == "rows":
                h.extend(m.arrays["steps"], m.arrays["values"])
        return h

    def close(self) -> None:
        self.channel.close()


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    proc = EngineProcess(tmp_path_factory.mktemp("engine") / "root")
    yield proc
    proc.stop()


@pytest.fixture
def client(engine):
    c = Client(engine.address, engine.key)
    c.attach()
    c.send("resume")  # whatever an earlier test left it in: training
    yield c
    c.close()


def test_attach_detach_and_reattach_lose_no_row(engine):
    first = Client(engine.address, engine.key)
    hello, built = first.attach()
    assert hello.body["version"] == 1 and hello.body["pid"] == engine.proc.pid and hello.body["device"] == "cpu"
    assert Path(hello.body["run_root"]) == engine.run_root.resolve() and hello.body["cuda"] in (True, False)
    assert built.body["device"] == "cpu" and built.body["max_steps"] == 100_000 and built.body["config"]["model"] == "gan"
    assert any(k.startswith("weights/") for k in built.arrays)
    first.send("resume")
    seen = first.rows_past(built.body["step"] + 20).body["step"]
    first.close()  # detach: the engine trains on

    second = Client(engine.address, engine.key)
    _, built2 = second.attach()
    assert built2.body["step"] >= seen and len(built2.arrays["history/steps"]) > 0
    second.rows_past(built2.body["step"] + 20)
    second.send("pause")
    paused = second.event("paused")
    rows = [m for m in second.messages[second.messages.index(built2):] if m.kind == "rows"]
    steps = np.concatenate([m.arrays["steps"] for m in rows])
    assert np.array_equal(steps, np.arange(built2.body["step"], paused.body["step"]))  # every row once, in order

    third = Client(engine.address, engine.key)  # a second window: its history is the engine's own
    _, built3 = third.attach()
    assert built3.body["step"] == paused.body["step"]
    ours, theirs = second.history(built2).state(), third.history(built3).state()
    for name in theirs:
        assert np.array_equal(ours[name], theirs[name], equal_nan=True), name
    third.send("resume")  # two windows steer: the last command wins
    second.event("resumed")
    second.close()
    third.close()


def test_wrong_key_and_unsigned_clients_get_nothing_and_cannot_steer(engine, client):
    start = client.rows_past(0).body["step"]
    bad, unsigned = Client(engine.address, os.urandom(32)), Client(engine.address, None)
    for c in (bad, unsigned):
        c.send("attach", run="")
        c.send("stop", run=client.run)
    # Waits for absence, not for a thread: for 2 s neither may receive a single byte, while the
    # good client sees training go on (their stop did nothing).
    deadline = time.monotonic() + 2.0
    while time.monotonic() < deadline:
        assert not bad.channel.poll(0.05) and not unsigned.channel.poll(0.05)
        client.rows_past(0)
    client.rows_past(start + 50)
    assert not any(m.kind == "state" and m.body["state"] == "stopped" for m in client.messages)
    log = engine.stderr()
    assert f"refused a message from 127.0.0.1:{bad.port}: bad signature" in log
    assert f"refused a message from 127.0.0.1:{unsigned.port}: message is unsigned" in log
    bad.send("attach", run="")  # a third refused message: the engine hangs up
    assert bad.channel.poll(TIMEOUT_S)
    with pytest.raises(EOFError):
        bad.channel.recv()
    bad.close()
    unsigned.close()


def test_saves_stay_in_the_run_root_and_downloads_match_the_disk(engine, client, tmp_path):
    root = engine.run_root.resolve()
    outside = tmp_path / "escape"
    (root / "link").symlink_to(tmp_path, target_is_directory=True)  # a way out, inside the root
    for target in (str(outside), "../escape", "link/escape"):
        client.send("save", run_dir=target)
        err = client.event("error")
        assert err.body["message"] == (f"save to {target} refused: outside the engine's run folder {root}; "
                                       "allowed: a folder inside it")
        client.messages.remove(err)
    assert not outside.exists()
    client.send("save", run_dir="saves/a")
    saved = client.event("saved")
    assert saved.body["run_dir"] == str(root / "saves" / "a")
    assert load_run(root / "saves" / "a", device="cpu").step == saved.body["step"]
    blob = np.random.default_rng(0).integers(0, 256, 9 * 2**20, dtype=np.uint8)  # 3 chunks of at most 4 MiB
    (root / "saves" / "a" / "blob.bin").write_bytes(blob.tobytes())

    client.send("download")  # the latest save
    done = client.event("downloaded")
    files = [m for m in client.messages if m.kind == "file"]
    got: dict[str, bytearray] = {}
    for m in files:
        data = got.setdefault(m.body["name"], bytearray())
        assert m.body["offset"] == len(data) and m.body["count"] == len(done.body["files"])
        data += m.arrays["data"].tobytes()
    on_disk = {p.name: p.read_bytes() for p in (root / "saves" / "a").iterdir()}
    assert got == on_disk and set(done.body["files"]) == set(on_disk) and "checkpoint.safetensors" in got
    assert sum(m.body["name"] == "blob.bin" for m in files) == 3

    client.messages.clear()
    client.send("download", path=".")  # the root itself: never the key
    done = client.event("downloaded")
    assert "engine.key" not in done.body["files"] and not any(m.body["name"] == "engine.key"
                                                              for m in client.messages if m.kind == "file")
    client.send("download", path=str(tmp_path))
    assert "download from" in client.event("error").body["message"]


def test_bad_input_exits_2_with_one_line(tmp_path):
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    port = busy.getsockname()[1]
    root = str(tmp_path / "root")
    cases = {
        "unknown dataset": (["--model", "gan", "--dataset", "nosuch", "--listen", "0"], "nosuch"),
        "nonsense address": (["--listen", "nonsense"], "--listen 'nonsense' is not an address"),
        "port in use": (["--listen", f"127.0.0.1:{port}"], "the port is in use"),
        "model without data set": (["--model", "gan", "--listen", "0"], "--dataset"),
        "not a run": (["--listen", "0", str(tmp_path)], "not a genviz run folder"),
    }
    argv = {name: ["engine", *args, "--device", "cpu", "--run-root", root] for name, (args, _) in cases.items()}
    # One driver process runs them all through main.main(): each `python main.py` pays for importing torch.
    driver = ("import contextlib, io, json, sys\nimport main\nout = {}\n"
              "for name, argv in json.loads(sys.argv[1]).items():\n"
              "    err = io.StringIO()\n    sys.argv = ['main.py', *argv]\n"
              "    with contextlib.redirect_stderr(err):\n"
              "        try:\n            main.main()\n        except SystemExit as exc:\n"
              "            out[name] = {'rc': exc.code, 'stderr': err.getvalue()}\n"
              "print(json.dumps(out))\n")
    try:
        proc = subprocess.run([sys.executable, "-c", driver, json.dumps(argv)], cwd=ROOT, env=ENV,
                              capture_output=True, text=True, timeout=120)
    finally:
        busy.close()
    assert proc.returncode == 0, proc.stderr
    results = json.loads(proc.stdout.strip().splitlines()[-1])
    for name, (_, piece) in cases.items():
        lines = results[name]["stderr"].strip().splitlines()
        assert results[name]["rc"] == 2 and len(lines) == 1 and piece in lines[0], (name, results[name])
    assert not Path(root).exists()  # refused before anything was made


def test_sigterm_saves_into_the_run_root_and_qt_is_never_imported(tmp_path):
    engine = EngineProcess(tmp_path / "root", wrapper=True)
    try:
        client = Client(engine.address, engine.key)
        client.attach()
        seen = client.rows_past(50).body["step"]
        engine.proc.send_signal(signal.SIGTERM)
        assert engine.proc.wait(TIMEOUT_S) == 0, engine.stderr()
        out = engine.proc.stdout.read()
        client.close()
    finally:
        engine.stop()
    run = load_run(tmp_path / "root", device="cpu")
    assert run.step >= seen and f"saved step {run.step} to {(tmp_path / 'root').resolve()}" in engine.stderr()
    modules = json.loads(out.split("MODULES ", 1)[1])
    assert modules == {"gui": [], "server": True}


def test_in_process_server_counts_traffic_and_refuses_shutdown(tmp_path):
    """The server object as bench and tests use it: a window builds a model over the wire; the
    bytes the server counts are the bytes the window read; a window cannot shut the engine down."""
    from core.engine_cli import bind
    from core.engine_server import EngineServer

    rates = {"flush_interval": 0.05, "snapshot_interval": 0.05, "snapshot_budget": 0.5}
    server = EngineServer(bind("127.0.0.1", 0), os.urandom(32), tmp_path, device="cpu", rates=rates)
    server.start()
    window = Client(server.address, server.key)
    try:
        window.send("attach")
        state = window.recv_until(lambda m: m.kind == "state" and m.body.get("for"))
        assert state.body["state"] == "idle" and not any(m.kind == "built" for m in window.messages)
        cfg = build_config("gan", "ring8", overrides={"gan.hidden": 32, "data.batch_size": 64})
        window.send("build", run="w1", config=cfg.to_dict())
        window.recv_until(lambda m: m.kind == "built" and m.run == "w1")
        window.run = "w1"
        window.send("start", paused=True)
        window.send("shutdown")
        assert "shutdown refused" in window.event("error").body["message"]
        window.send("step", n=5)
        window.recv_until(lambda m: m.kind == "rows" and m.body["step"] == 5)
        window.send("save", run_dir="s")  # then the engine sends nothing more: its event is the last word
        window.event("saved")
        # The server counts a message once its send returned, maybe just after the window read it.
        deadline = time.monotonic() + TIMEOUT_S
        while server.stats()["bytes_sent"] != window.channel.bytes_received and time.monotonic() < deadline:
            time.sleep(0.01)
        stats = server.stats()
        assert stats["clients"][0]["bytes_sent"] == stats["bytes_sent"] == window.channel.bytes_received > 0
        assert stats["bytes_received"] == window.channel.bytes_sent
        window.send("load", run="w2", run_dir=str(tmp_path.parent))  # refused before it could stop w1
        assert "load from" in window.event("error").body["message"]
        window.send("load", run="w2", run_dir="s")  # relative: inside the run root
        loaded = window.recv_until(lambda m: m.kind == "built" and m.run == "w2")
        assert loaded.body["step"] == 5 and loaded.body["run_dir"] == str((tmp_path / "s").resolve())
    finally:
        window.close()
        server.close()
        server.engine.command(Message("cmd", body={"op": "shutdown"}))
        server.train_thread.join(10)
    assert not server.train_thread.is_alive()


def test_a_sync_reaches_its_client_whatever_the_loop_is_doing():
    """Sync while a start is queued, while a stop is under way, and with no loop: each client's
    built history plus every later row is the engine's history, exactly."""
    from core.engine import Engine

    sent: list[Message] = []
    cond = threading.Condition()

    def emit(msg: Message) -> None:
        with cond:
            sent.append(msg)
            cond.notify_all()

    def wait_for(test) -> Message:
        with cond:
            assert cond.wait_for(lambda: any(test(m) for m in sent), TIMEOUT_S), [m.kind for m in sent][-20:]
            return next(m for m in sent if test(m))

    def built_for(client):
        return wait_for(lambda m: m.kind == "built" and m.body.get("for") == client)

    rates = {"flush_interval": 0.02, "snapshot_interval": 0.05, "snapshot_budget": 0.5}
    eng = Engine(emit, rates=rates, device="cpu")
    loop = threading.Thread(target=eng.serve, daemon=True)
    loop.start()
    cfg = build_config("gan", "ring8", overrides={"gan.hidden": 32, "data.batch_size": 64})
    try:
        eng.command(Message("cmd", "r", body={"op": "build", "config": cfg.to_dict()}))
        eng.command(Message("cmd", "r", body={"op": "start"}))
        eng.command(Message("cmd", "other-run", body={"op": "sync", "client": "a"}))  # any run id will do
        built_for("a")
        wait_for(lambda m: m.kind == "rows" and m.body["step"] >= 30)
        eng.command(Message("cmd", "r", body={"op": "stop"}))
        eng.command(Message("cmd", "r", body={"op": "sync", "client": "b"}))
        built_for("b")
        stopped = wait_for(lambda m: m.kind == "state" and m.body["state"] == "stopped")
        eng.command(Message("cmd", "r", body={"op": "sync", "client": "c"}))
        assert built_for("c").body["step"] == stopped.body["step"]
        want = eng.trainer.history.state()
        for client in "abc":
            built = built_for(client)
            state = {k[len("history/"):]: v for k, v in built.arrays.items() if k.startswith("history/")}
            h = MetricHistory.from_state(built.body["metric_names"], state)
            for m in sent[sent.index(built) + 1:]:
                if m.kind == "rows":
                    h.extend(m.arrays["steps"], m.arrays["values"])
            for name, value in h.state().items():
                assert np.array_equal(value, want[name], equal_nan=True), (client, name)
            assert wait_for(lambda m, c=client: m.kind == "state" and m.body.get("for") == c)
    finally:
        eng.command(Message("cmd", body={"op": "shutdown"}))
        loop.join(10)


def test_an_attach_gets_the_whole_timeline_in_bounded_parts(tmp_path, monkeypatch):
    """After built and state, the engine's recorded frames come in "timeline" messages of at most
    TIMELINE_CHUNK bytes of weights (or one frame), which together are the engine's timeline exactly."""
    import core.engine_server
    from core.engine_cli import bind
    from core.engine_server import EngineServer
    from core.protocol import unflatten_arrays

    rates = {"flush_interval": 0.05, "snapshot_interval": 0.02, "snapshot_budget": 0.5}
    server = EngineServer(bind("127.0.0.1", 0), os.urandom(32), tmp_path, device="cpu", rates=rates)
    server.start()
    window = Client(server.address, server.key)
    try:
        cfg = build_config("gan", "ring8", overrides={"gan.hidden": 32, "data.batch_size": 64})
        server.engine.command(Message("cmd", "w1", body={"op": "build", "config": cfg.to_dict()}))
        server.engine.command(Message("cmd", "w1", body={"op": "start", "max_steps": 150}))
        window.attach()
        window.recv_until(lambda m: m.kind == "state" and m.body["state"] == "stopped" and m.body["step"] == 150)
        window.messages.clear()
        chunk = 3 * server.engine.trainer.timeline.frames()[0].nbytes + 100  # three frames a part
        monkeypatch.setattr(core.engine_server, "TIMELINE_CHUNK", chunk)
        window.attach()  # again, now that the run has stopped: its whole timeline
        last = window.recv_until(lambda m: m.kind == "timeline" and m.body["index"] + 1 == m.body["count"])
        parts = [m for m in window.messages if m.kind == "timeline"]
        kinds = [m.kind for m in window.messages]
        assert kinds.index("built") < kinds.index("state") < kinds.index("timeline")
        assert [m.body["index"] for m in parts] == list(range(last.body["count"])) and len(parts) > 3
        frames = {}
        for m in parts:
            weights = unflatten_arrays(m.arrays)
            sizes = [sum(a.nbytes for a in weights[f"f{j}"].values()) for j in range(len(m.body["steps"]))]
            assert sum(sizes) <= chunk or len(sizes) == 1
            frames.update({step: weights[f"f{j}"] for j, step in enumerate(m.body["steps"])})
        assert max(len(m.body["steps"]) for m in parts) > 1
        engine = server.engine.trainer.timeline
        assert sorted(frames) == engine.steps() and last.body["upto"] == engine.steps()[-1]
        for f in engine.frames():
            assert set(frames[f.step]) == set(f.weights)
            assert all(np.array_equal(frames[f.step][k], v) for k, v in f.weights.items())
    finally:
        window.close()
        server.close()
        server.engine.command(Message("cmd", body={"op": "shutdown"}))
        server.train_thread.join(10)
