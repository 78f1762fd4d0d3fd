"""A window attached to a remote engine (`python main.py engine --listen ...`) over loopback TCP:
the panels fill, the controls steer it, closing only detaches, a re-attach shows the whole history,
a wrong key gets nothing, and a dropped link reconnects without losing a metric row."""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from core.protocol import Message
from tests.gui.helpers import TIMEOUT_MS, close_window, press

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def engine(tmp_path):
    """A real engine command, training a small GAN; yields (address, key file)."""
    root = tmp_path / "engine-run"
    proc = subprocess.Popen(
        [sys.executable, "main.py", "engine", "--listen", "127.0.0.1:0", "--model", "gan", "--dataset", "ring8",
         "--set", "gan.hidden=32", "--set", "data.batch_size=64", "--steps", "1000000", "--device", "cpu",
         "--run-root", str(root)], cwd=str(ROOT), stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        match = re.search(r"listening on (tcp://\S+);.*--key-file (\S+)", line)
        assert match, line
        yield match.group(1), match.group(2), root
    finally:
        proc.send_signal(signal.SIGTERM)  # it saves into its run folder and exits
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        proc.stdout.close()


def attach(qtbot, address: str, key_file: str):
    from gui.app import make_app
    from gui.engine_link import read_key_file
    from gui.main_window import MainWindow

    make_app()
    w = MainWindow(attach=address, key=read_key_file(key_file))
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w


def history_state(w) -> dict:
    return w.session.metrics.state()


def test_attach_steer_detach_and_reattach_with_the_whole_history(qtbot, engine):
    address, key_file, root = engine
    w = attach(qtbot, address, key_file)
    try:
        s = w.session
        qtbot.waitUntil(lambda: s.snapshot is not None and s.history is not None and s.step > 20, timeout=TIMEOUT_MS)
        assert s.remote and s.state == "running" and s.cfg.params.hidden == 32  # the engine's run, not ours
        assert w.settings_panel.current_config().params.hidden == 32  # the form shows the engine's settings
        # The panels draw what the engine streams; the slider decodes on the window's own copy.
        plane = w.panels.main
        qtbot.waitUntil(lambda: plane._drawn_versions is not None, timeout=TIMEOUT_MS)
        assert len(plane.fake.data) == 512
        w.panels.sliders.sliders[0].setValue(200)
        assert plane.marker_xy is not None and np.allclose(plane.marker_xy, s.decoder.decode(w.panels.sliders.z()))
        # Pause steers the engine; the step count holds.
        press(qtbot, w, "pause")
        qtbot.waitUntil(lambda: s.last_event[0] == "paused", timeout=TIMEOUT_MS)
        held = s.step
        # A save lands in the engine's run folder, on its disk.
        w.save_to("from-the-window")
        qtbot.waitUntil(lambda: w.last_message[1].startswith("saved step"), timeout=TIMEOUT_MS)
        assert (root / "from-the-window" / "checkpoint.safetensors").is_file()
        # A second window attaches: the same whole history, row for row, as the first built up.
        w2 = attach(qtbot, address, key_file)
        qtbot.waitUntil(lambda: w2.session.history is not None and w2.session.step == held, timeout=TIMEOUT_MS)
        first, second = history_state(w), history_state(w2)
        for k in first:
            assert np.array_equal(first[k], second[k]), k
        press(qtbot, w2, "pause")  # labelled Resume: either window steers
        qtbot.waitUntil(lambda: s.step > held + 20, timeout=TIMEOUT_MS)
        close_window(w2)
    finally:
        close_window(w)  # detaches only
    # The engine trains on with no window; a new one sees it further along, with every row so far.
    w3 = attach(qtbot, address, key_file)
    try:
        qtbot.waitUntil(lambda: w3.session.step > held + 40, timeout=TIMEOUT_MS)
        steps = w3.session.history["steps"]
        assert steps[0] == pytest.approx(0, abs=8) and steps[-1] > held  # from the start to now
    finally:
        close_window(w3)


def test_a_window_with_the_wrong_key_gets_nothing(qtbot, engine, tmp_path):
    address, key_file, _ = engine
    wrong = tmp_path / "wrong.key"
    wrong.write_text("00" * 32)
    w = attach(qtbot, address, str(wrong))
    good = attach(qtbot, address, key_file)
    try:
        qtbot.waitUntil(lambda: good.session.step > 30, timeout=TIMEOUT_MS)
        step = good.session.step
        w.session._send("stop")  # as if it pressed Stop: signed with the wrong key
        qtbot.waitUntil(lambda: good.session.step > step + 30, timeout=TIMEOUT_MS)  # the engine trains on
        assert w.session.model is None and w.session.history is None  # it was sent nothing
        assert good.session.state == "running"
    finally:
        close_window(w)
        close_window(good)


class Proxy:
    """A TCP relay between window and engine whose connections the test can cut, like a flaky link."""

    def __init__(self, target: tuple[str, int]):
        self.target = target
        self.server = socket.create_server(("127.0.0.1", 0))
        self.address = f"tcp://127.0.0.1:{self.server.getsockname()[1]}"
        self.pairs: list[tuple[socket.socket, socket.socket]] = []
        self.sockets: list[socket.socket] = []  # every relayed socket, closed at the end
        self.accepting = threading.Thread(target=self._accept, daemon=True)
        self.accepting.start()

    def _accept(self):
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            self.pairs.append((client, upstream))
            self.sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(a, b):
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        for sock in (a, b):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def cut(self):
        for pair in self.pairs:
            for sock in pair:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
        self.pairs.clear()

    def close(self):
        self.cut()
        try:  # close() alone does not wake a thread blocked in accept(); shutdown() does
            self.server.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.server.close()
        self.accepting.join(10)
        for sock in self.sockets:
            sock.close()


def test_a_dropped_link_reconnects_without_losing_rows(qtbot, engine):
    from gui.engine_link import parse_address

    address, key_file, _ = engine
    proxy = Proxy(parse_address(address))
    w = attach(qtbot, proxy.address, key_file)
    try:
        s = w.session
        qtbot.waitUntil(lambda: s.step > 30 and s.link_state == "connected", timeout=TIMEOUT_MS)
        states = []
        s.event.connect(lambda kind, message: states.append(message) if kind == "link" else None)
        before = s.step
        proxy.cut()
        qtbot.waitUntil(lambda: any("reconnecting" in m for m in states), timeout=TIMEOUT_MS)
        qtbot.waitUntil(lambda: s.link_state == "connected" and s.step > before + 30, timeout=TIMEOUT_MS)
        # Pause, and check the window's history against a fresh attach straight to the engine.
        press(qtbot, w, "pause")
        qtbot.waitUntil(lambda: s.last_event[0] == "paused", timeout=TIMEOUT_MS)
        direct = attach(qtbot, address, key_file)
        qtbot.waitUntil(lambda: direct.session.history is not None and direct.session.step == s.step,
                        timeout=TIMEOUT_MS)
        mine, engines = history_state(w), history_state(direct)
        for k in mine:
            assert np.array_equal(mine[k], engines[k]), k
        close_window(direct)
    finally:
        close_window(w)
        proxy.close()


@pytest.fixture
def served(tmp_path, monkeypatch):
    """An engine server in this process (its timeline can be read here), a small GAN built on it, and a
    small timeline chunk, so its timeline goes to a window in several parts."""
    import os

    import core.engine_server
    from core.engine_cli import bind
    from core.engine_server import EngineServer
    from core.presets import build_config

    monkeypatch.setattr(core.engine_server, "TIMELINE_CHUNK", 20_000)
    rates = {"flush_interval": 0.05, "snapshot_interval": 0.02, "snapshot_budget": 0.5}
    server = EngineServer(bind("127.0.0.1", 0), os.urandom(32), tmp_path, device="cpu", rates=rates)
    server.start()
    cfg = build_config("gan", "ring8", overrides={"gan.hidden": 32, "data.batch_size": 64})
    server.engine.command(Message("cmd", "r1", body={"op": "build", "config": cfg.to_dict()}))
    try:
        yield server
    finally:
        server.close()
        server.engine.command(Message("cmd", body={"op": "shutdown"}))
        server.train_thread.join(10)


def train_until_stopped(qtbot, server, steps: int) -> None:
    eng = server.engine
    eng.command(Message("cmd", "r1", body={"op": "start", "max_steps": steps}))
    qtbot.waitUntil(lambda: eng.trainer is not None and eng.trainer.step == steps and eng._state == "stopped",
                    timeout=TIMEOUT_MS)


def test_an_attached_window_can_scrub_back_before_it_attached(qtbot, served):
    """The engine sends its recorded timeline on attach (and on a re-attach after a cut link): the
    window's timeline is the engine's, step for step, and a step recorded before the window attached
    shows exactly the engine's frame."""
    import torch

    from core.snapshot import Snapshot
    from gui.model_builder import build_view_model

    train_until_stopped(qtbot, served, 200)
    engine_timeline = served.engine.trainer.timeline
    assert engine_timeline.nbytes > 3 * 20_000  # so it went in several parts
    host, port = served.address
    proxy = Proxy((host, port))
    from gui.app import make_app
    from gui.main_window import MainWindow

    make_app()
    w = MainWindow(attach=proxy.address, key=served.key)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    try:
        s = w.session
        qtbot.waitUntil(lambda: s.live_history is not None and s.timeline is not None
                        and s.timeline.steps() == engine_timeline.steps(), timeout=TIMEOUT_MS)
        assert s.step == 200 and s.timeline_note == ""
        steps = engine_timeline.steps()
        past = steps[len(steps) // 2]
        assert s.view_step(past) == past and s.viewing == past
        mine, engines = s.timeline.frame_at(past).weights, engine_timeline.frame_at(past).weights
        assert set(mine) == set(engines) and all(np.array_equal(mine[k], engines[k]) for k in engines)
        model = build_view_model(s.cfg, "attach")  # the views of the engine's frame, computed apart
        model.load_state_dict({k: torch.from_numpy(np.asarray(v)) for k, v in engines.items()})
        with torch.no_grad():
            model.eval()
            want = Snapshot(past, model.snapshot())
        keys = set(want.arrays) - {"decoder_state"}
        assert keys == set(s.snapshot.arrays) - {"decoder_state"}
        assert all(np.array_equal(s.snapshot[k], want[k]) for k in keys)
        s.view_live()

        # Cut the link; the engine trains on and records frames this window never saw; re-attached,
        # the window again has the engine's whole timeline.
        states = []
        s.event.connect(lambda kind, message: states.append(message) if kind == "link" else None)
        proxy.cut()
        qtbot.waitUntil(lambda: any("reconnecting" in m for m in states), timeout=TIMEOUT_MS)
        train_until_stopped(qtbot, served, 400)
        qtbot.waitUntil(lambda: s.link_state == "connected" and s.step == 400
                        and s.timeline.steps() == engine_timeline.steps(), timeout=TIMEOUT_MS)
        newer = [step for step in engine_timeline.steps() if step > 200][0]
        assert s.view_step(newer) == newer
        assert all(np.array_equal(s.timeline.frame_at(newer).weights[k], v)
                   for k, v in engine_timeline.frame_at(newer).weights.items())
    finally:
        close_window(w)
        proxy.close()
