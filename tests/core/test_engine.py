"""The engine driven only by messages, as the window drives it: in a thread here, and in a child
process over a socket pair (the window's default placement)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from multiprocessing.connection import Connection
from pathlib import Path

import numpy as np
import pytest
import torch

from core.build import build_model
from core.checkpoint import load_run
from core.engine import Engine, weights_of
from core.outbox import Outbox
from core.presets import build_config
from core.protocol import Channel, Message, unflatten_arrays

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT_S = 60
RATES = {"flush_interval": 0.05, "snapshot_interval": 0.05, "snapshot_budget": 0.5}


def small_cfg(steps: int = 100_000):
    return build_config("gan", "ring8", overrides={"gan.hidden": 32, "data.batch_size": 64, "train.steps": steps})


def cmd(op: str, run: str = "r1", **body) -> Message:
    return Message("cmd", run, body={"op": op, **body})


class Inbox:
    """What the engine sent, with waiting helpers (no sleeps: wait on a condition)."""

    def __init__(self):
        self.messages: list[Message] = []
        self.cond = threading.Condition()

    def __call__(self, msg: Message) -> None:
        with self.cond:
            self.messages.append(msg)
            self.cond.notify_all()

    def wait_for(self, test, timeout=TIMEOUT_S) -> Message:
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for m in self.messages:
                    if test(m):
                        return m
                left = deadline - time.monotonic()
                assert left > 0, f"timed out; got kinds {[m.kind for m in self.messages][-20:]}"
                self.cond.wait(left)

    def state(self, name: str, after: int = 0) -> Message:
        return self.wait_for(lambda m: m.kind == "state" and m.body["state"] == name
                             and self.messages.index(m) >= after)

    def event(self, kind: str) -> Message:
        return self.wait_for(lambda m: m.kind == "event" and m.body["kind"] == kind)

    def rows(self):
        chunks = [m for m in self.messages if m.kind == "rows"]
        return (np.concatenate([m.arrays["steps"] for m in chunks]) if chunks else np.zeros(0),
                np.concatenate([m.arrays["values"] for m in chunks]) if chunks else np.zeros((0, 0)))


@pytest.fixture
def engine():
    inbox = Inbox()
    eng = Engine(inbox, rates=RATES, device="cpu")
    thread = threading.Thread(target=eng.serve, daemon=True)
    thread.start()
    yield eng, inbox
    eng.command(cmd("shutdown"))
    thread.join(10)
    assert not thread.is_alive(), "the engine's loop did not end on shutdown"


def test_build_start_streams_every_row_then_stops(engine):
    eng, inbox = engine
    eng.command(cmd("build", config=small_cfg().to_dict()))
    built = inbox.wait_for(lambda m: m.kind == "built")
    assert built.run == "r1" and built.body["step"] == 0 and built.body["device"] == "cpu"
    eng.command(cmd("start"))
    inbox.state("running")
    inbox.wait_for(lambda m: m.kind == "rows" and m.body["step"] >= 60)
    eng.command(cmd("stop"))
    stopped = inbox.state("stopped")
    assert stopped.body["run_steps"] == stopped.body["step"] and stopped.body["run_wall_s"] > 0
    steps, values = inbox.rows()
    # Every row, once, in order: rows are never dropped.
    assert np.array_equal(steps, np.arange(stopped.body["step"]))
    assert values.shape[1] == len(eng.trainer.model.metric_names) and np.isfinite(values).all()
    # ...and they are the engine's own history, step for step.
    h = eng.trainer.history
    assert np.allclose(h.last, values[-1])


def test_pause_holds_and_step_runs_exactly_n(engine):
    eng, inbox = engine
    eng.command(cmd("build", config=small_cfg().to_dict()))
    eng.command(cmd("start"))
    inbox.wait_for(lambda m: m.kind == "rows" and m.body["step"] >= 20)
    eng.command(cmd("pause"))
    paused = inbox.event("paused")
    held = eng.trainer.step
    assert paused.body["step"] == held
    eng.command(cmd("step", n=3))
    inbox.wait_for(lambda m: m.kind == "rows" and m.body["step"] == held + 3)
    assert eng.trainer.step == held + 3 and eng.trainer.paused
    eng.command(cmd("resume"))
    inbox.wait_for(lambda m: m.kind == "rows" and m.body["step"] > held + 20)
    eng.command(cmd("stop"))
    inbox.state("stopped")


def unwritable(tmp_path) -> str:
    """A folder that cannot be made: its parent is a file (even root cannot)."""
    (tmp_path / "a-file").write_text("x")
    return str(tmp_path / "a-file" / "run")


def test_stop_sent_before_the_loop_starts_cancels_the_start(engine, tmp_path):
    eng, inbox = engine
    eng.command(cmd("build", config=small_cfg().to_dict()))
    eng.command(cmd("start"))
    eng.command(cmd("stop"))  # before the loop even built the model
    eng.command(cmd("save", run_dir=unwritable(tmp_path)))  # a later command: the queue moved past the start
    inbox.event("error")
    assert not any(m.kind == "state" and m.body["state"] == "running" for m in inbox.messages)
    assert eng.trainer.step == 0


def test_stop_then_train_never_runs_two_loops(engine):
    eng, inbox = engine
    eng.command(cmd("build", config=small_cfg().to_dict()))
    eng.command(cmd("start"))
    inbox.wait_for(lambda m: m.kind == "rows" and m.body["step"] >= 10)
    loops = []
    real_run = eng.trainer.run

    def counting_run(*args, **kwargs):
        loops.append(threading.current_thread().name)
        return real_run(*args, **kwargs)

    eng.trainer.run = counting_run
    for _ in range(5):  # as fast as a person can press Stop, Train
        eng.command(cmd("stop"))
        eng.command(cmd("start"))
    first = len(inbox.messages)
    inbox.wait_for(lambda m: m.kind == "rows" and inbox.messages.index(m) > first and m.body["step"] > 60)
    eng.command(cmd("stop"))
    inbox.state("stopped", after=first)
    assert not any(m.kind == "event" and m.body["kind"] == "error" for m in inbox.messages)
    steps, _ = inbox.rows()
    assert np.array_equal(steps, np.arange(len(steps)))  # one loop: every step once, in order
    assert len(set(loops)) == 1  # always the engine's one thread


def test_commands_for_an_old_run_are_dropped(engine, tmp_path):
    eng, inbox = engine
    eng.command(cmd("build", config=small_cfg().to_dict()))
    eng.command(cmd("build", run="r2", config=small_cfg().to_dict()))
    inbox.wait_for(lambda m: m.kind == "built" and m.run == "r2")
    eng.command(cmd("start", run="r1"))  # stale: a window that had not yet seen r2
    eng.command(cmd("save", run="r2", run_dir=unwritable(tmp_path)))
    inbox.event("error")  # the save was acted on, the stale start never was
    assert eng.trainer.step == 0
    assert not any(m.kind == "state" and m.body["state"] == "running" for m in inbox.messages)


def test_unknown_command_is_refused_with_a_clear_event(engine):
    eng, inbox = engine
    eng.command(Message("cmd", "r1", body={"op": "explode"}))
    ev = inbox.event("error")
    assert "unknown command 'explode'" in ev.body["message"] and "allowed:" in ev.body["message"]


def test_live_setting_and_save_go_through_the_engine(engine, tmp_path):
    eng, inbox = engine
    eng.command(cmd("build", config=small_cfg().to_dict()))
    eng.command(cmd("start"))
    inbox.wait_for(lambda m: m.kind == "rows" and m.body["step"] >= 10)
    eng.command(cmd("set", section="gan", name="lr_g", value=0.00123))
    applied = inbox.event("applied")
    assert applied.body["message"] == "gan.lr_g = 0.00123"
    assert eng.trainer.model.base_lr["g"] == pytest.approx(0.00123)
    eng.command(cmd("save", run_dir=str(tmp_path)))
    saved = inbox.event("saved")
    run = load_run(tmp_path, device="cpu")
    assert run.step == saved.body["step"] == saved.body["saved_step"]
    eng.command(cmd("stop"))
    inbox.state("stopped")


def test_load_sends_the_whole_saved_history_at_once(engine, tmp_path):
    eng, inbox = engine
    eng.command(cmd("build", config=small_cfg().to_dict()))
    eng.command(cmd("start", max_steps=50))
    inbox.state("stopped", after=3)
    eng.command(cmd("save", run_dir=str(tmp_path)))
    inbox.event("saved")
    eng.command(cmd("load", run="r2", run_dir=str(tmp_path)))
    built = inbox.wait_for(lambda m: m.kind == "built" and m.run == "r2")
    assert built.body["step"] == 50
    history = unflatten_arrays(built.arrays)["history"]
    assert len(history["steps"]) > 0 and history["steps"][-1] == pytest.approx(49)
    inbox.wait_for(lambda m: m.kind == "state" and m.run == "r2" and m.body["state"] == "paused")


def test_weights_let_a_copy_compute_the_same_views():
    """The window computes the panels' data on its own copy from the streamed weights: the views
    must equal the engine model's own, for every kind of model."""
    for model_name, dataset in (("gan", "ring8"), ("vae", "moons"), ("realnvp", "moons")):
        cfg = build_config(model_name, dataset, overrides={"train.device": "cpu"})
        model = build_model(cfg)
        for i in range(3):
            model.training_step(i)
        copy = build_model(cfg, device="cpu")
        copy.load_state_dict({k: torch.from_numpy(v) for k, v in weights_of(model)["weights"].items()})
        with torch.no_grad():
            model.eval()
            copy.eval()
            ours, theirs = model.snapshot(), copy.snapshot()
        for key, value in ours.items():
            if isinstance(value, dict):
                continue  # decoder_state: the weights themselves
            a, b = np.asarray(value), np.asarray(theirs[key])
            if a.dtype.kind in "fc":
                assert np.allclose(a, b, atol=1e-5, equal_nan=True), (model_name, key)
            else:
                assert np.array_equal(a, b), (model_name, key)


def test_outbox_keeps_rows_merges_them_and_only_the_newest_weights():
    box = Outbox()
    box.put(Message("rows", "r", body={"step": 2}, arrays={"steps": np.arange(2), "values": np.zeros((2, 1))}))
    box.put(Message("weights", "r", body={"step": 2}))
    box.put(Message("rows", "r", body={"step": 4}, arrays={"steps": np.arange(2, 4), "values": np.ones((2, 1))}))
    box.put(Message("event", "r", body={"kind": "saved"}))
    box.put(Message("weights", "r", body={"step": 4}))
    items = box.take_all()
    assert [m.kind for m in items] == ["rows", "rows", "event", "weights"]
    assert items[-1].body["step"] == 4 and box.superseded == 1
    assert np.array_equal(np.concatenate([m.arrays["steps"] for m in items if m.kind == "rows"]), np.arange(4))
    box.put(Message("rows", "r", body={"step": 6}, arrays={"steps": np.arange(4, 6), "values": np.ones((2, 1))}))
    box.put(Message("rows", "r", body={"step": 8}, arrays={"steps": np.arange(6, 8), "values": np.ones((2, 1))}))
    merged = box.take_all()
    assert len(merged) == 1 and np.array_equal(merged[0].arrays["steps"], np.arange(4, 8))
    assert merged[0].body["step"] == 8


def test_an_outbox_that_keeps_frames_never_drops_timeline_weights():
    box = Outbox(keep_frames=True)
    for step, frame in ((1, True), (2, False), (3, False), (4, True), (5, False)):
        box.put(Message("weights", "r", body={"step": step, "frame": frame}))
    assert [m.body["step"] for m in box.take_all()] == [1, 4, 5] and box.superseded == 2


def start_engine_process():
    ours, theirs = socket.socketpair()
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-m", "core.engine_process", "--fd", str(theirs.fileno()),
                             "--device", "cpu"], pass_fds=(theirs.fileno(),), env=env, cwd=str(ROOT))
    theirs.close()
    return proc, Channel(Connection(ours.detach()))


def recv_until(channel: Channel, test, timeout=TIMEOUT_S) -> Message:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if channel.poll(0.2):
            msg = channel.recv()
            if test(msg):
                return msg
    raise AssertionError("timed out waiting for the engine process")


def test_engine_process_trains_refuses_garbage_and_exits_when_the_window_goes():
    proc, channel = start_engine_process()
    try:
        hello = recv_until(channel, lambda m: m.kind == "hello")
        assert hello.body["version"] == 1 and hello.body["pid"] == proc.pid
        channel.conn.send_bytes(b"\x00not a message")  # a malformed frame: refused, logged, not fatal
        channel.send(cmd("build", config=small_cfg().to_dict()))
        channel.send(cmd("start"))
        rows = recv_until(channel, lambda m: m.kind == "rows" and m.body["step"] >= 20)
        assert rows.run == "r1" and rows.arrays["values"].dtype == np.float64
        weights = recv_until(channel, lambda m: m.kind == "weights")
        assert any(k.startswith("weights/G.") for k in weights.arrays)
        assert proc.poll() is None  # still alive after the garbage
    finally:
        channel.close()  # the window went away: the engine stops and exits by itself
    assert proc.wait(timeout=20) == 0


def test_a_window_that_falls_behind_never_blocks_the_engine_and_loses_no_rows():
    """The window stops reading for a while: the engine trains on (its sender waits, not its loop),
    keeps only the newest weights, and every metric row arrives once the window reads again."""
    proc, channel = start_engine_process()
    try:
        recv_until(channel, lambda m: m.kind == "hello")
        channel.send(cmd("build", config=small_cfg().to_dict()))
        channel.send(cmd("start"))
        first = recv_until(channel, lambda m: m.kind == "rows")
        steps = [first.arrays["steps"]]
        time.sleep(3.0)  # the window is frozen: this test means to not read (no thread to wait for)
        channel.send(cmd("stop"))
        weights_after = 0
        while True:
            msg = recv_until(channel, lambda m: m.kind in ("rows", "weights", "state"))
            if msg.kind == "rows":
                steps.append(msg.arrays["steps"])
            elif msg.kind == "weights":
                weights_after += 1
            elif msg.body["state"] == "stopped":
                break
        steps = np.concatenate(steps)
        assert np.array_equal(steps, np.arange(first.arrays["steps"][0], msg.body["step"]))  # every row, once
        assert msg.body["step"] > len(first.arrays["steps"]) + 100  # it trained on meanwhile
        # Weights at up to 20 Hz for 3 s would be ~60; the backlog kept only the newest few.
        assert weights_after < 20, weights_after
    finally:
        channel.close()
    assert proc.wait(timeout=20) == 0


def test_a_shutdown_right_after_a_start_ends_the_engine():
    """The window goes away (its socket closes, so a shutdown comes) just after a paused Train the loop
    has not begun yet: the engine must not begin a run that nobody is left to stop."""
    engine = Engine(Inbox(), RATES, device="cpu")
    engine.command(cmd("build", config=small_cfg().to_dict()))
    engine.command(cmd("start", paused=True))
    engine.command(cmd("shutdown"))
    serving = threading.Thread(target=engine.serve, daemon=True)
    serving.start()
    serving.join(TIMEOUT_S)
    assert not serving.is_alive()
