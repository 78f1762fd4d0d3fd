"""When the engine fails: killed while training (the window stays up, says so in one line and
offers the last save), killed while saving (the run folder holds no checkpoint or a whole one),
and Stop then Train at once (never two training loops)."""

from __future__ import annotations

import os
import signal
import time

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from core.checkpoint import CHECKPOINT, load_run
from tests.gui.helpers import (
    TIMEOUT_MS,
    close_window,
    open_window,
    press,
    record_events,
    wait_for_step,
)

SMALL = {"gan.hidden": "32", "data.batch_size": "64"}


@pytest.fixture
def window(qtbot, placement):
    w = open_window(qtbot, "gan", "ring8", settings=SMALL, placement=placement)
    yield w
    close_window(w)


def save_and_wait(qtbot, w, folder) -> int:
    """Save through the window and wait for the engine's word; the step saved."""
    events = record_events(w)
    w.save_to(str(folder))
    qtbot.waitUntil(lambda: any(kind == "saved" for kind, _ in events), timeout=TIMEOUT_MS)
    assert (folder / CHECKPOINT).is_file()
    return w.session.saved_step


def train_save_and_go_on(qtbot, w, folder) -> int:
    """Train, save into `folder`, and train on past the save (so there is unsaved work); the step saved."""
    press(qtbot, w, "train")
    wait_for_step(qtbot, w, 20)
    saved_step = save_and_wait(qtbot, w, folder)
    qtbot.waitUntil(lambda: w.session.step > saved_step + 10, timeout=TIMEOUT_MS)
    return saved_step


def kill_engine(w) -> int:
    pid = w.session.link.process.pid
    os.kill(pid, signal.SIGKILL)
    return pid


def died_box(w) -> QMessageBox:
    box = w.findChild(QMessageBox, "engine_died_box")
    assert box is not None and box.isVisible()
    return box


def button(box: QMessageBox, text: str):
    return next((b for b in box.buttons() if b.text() == text), None)


@pytest.mark.parametrize("placement", ["process"])
def test_killed_engine_leaves_the_window_up_and_reopens_the_last_save(qtbot, window, tmp_path):
    w = window
    run_dir = tmp_path / "run"
    saved_step = train_save_and_go_on(qtbot, w, run_dir)
    old_pid = kill_engine(w)

    qtbot.waitUntil(lambda: w.session.state == "dead", timeout=TIMEOUT_MS)
    assert w.isVisible()
    kind, line = w.last_message
    assert kind == "error" and "killed" in line and "SIGKILL" in line and "\n" not in line, line
    assert not w.actions_by_name["stop"].isEnabled() and not w.actions_by_name["pause"].isEnabled()
    box = died_box(w)
    assert str(run_dir) in box.text()
    reopen = button(box, "Reopen last save")
    assert reopen is not None
    qtbot.mouseClick(reopen, Qt.LeftButton)

    # A fresh engine opens the save, paused at its step, with its history.
    qtbot.waitUntil(lambda: w.session.state == "paused", timeout=TIMEOUT_MS)
    assert w.session.link.process.pid != old_pid and w.session.link.process.poll() is None
    assert w.session.step == saved_step
    saved = load_run(run_dir, device="cpu")
    assert np.array_equal(w.session.history["steps"], saved.history.arrays()[0])
    press(qtbot, w, "train")
    qtbot.waitUntil(lambda: w.session.step > saved_step + 10 and w.session.state == "running", timeout=TIMEOUT_MS)
    assert w.session.history["steps"][0] == saved.history.arrays()[0][0]  # the saved history, continued


@pytest.mark.parametrize("placement", ["process"])
def test_killed_engine_without_a_save_starts_afresh_on_train(qtbot, window):
    w = window
    press(qtbot, w, "train")
    wait_for_step(qtbot, w, 20)
    old_pid = kill_engine(w)
    qtbot.waitUntil(lambda: w.session.state == "dead", timeout=TIMEOUT_MS)
    assert w.isVisible() and "killed" in w.last_message[1]
    assert button(died_box(w), "Reopen last save") is None  # nothing to reopen
    press(qtbot, w, "train")  # a new engine, a new model from the settings
    qtbot.waitUntil(lambda: w.session.state == "running" and w.session.step > 5, timeout=TIMEOUT_MS)
    assert w.session.link.process.pid != old_pid
    assert w.session.cfg.params.hidden == 32  # the settings as they were


@pytest.mark.parametrize("placement", ["process"])
@pytest.mark.parametrize("when", ["as it is asked", "as the file is written"])
def test_killed_during_a_save_leaves_no_checkpoint_or_a_whole_one(qtbot, window, tmp_path, when):
    w = window
    earlier = tmp_path / "earlier"
    earlier_step = train_save_and_go_on(qtbot, w, earlier)

    run_dir = tmp_path / "run"
    checkpoint = run_dir / CHECKPOINT
    w.save_to(str(run_dir))
    if when == "as the file is written":  # until the temporary file (or the whole one) is there
        deadline = time.perf_counter() + TIMEOUT_MS / 1000
        while (not checkpoint.exists() and not any(run_dir.glob(f".{CHECKPOINT}.*"))
               and time.perf_counter() < deadline):
            pass
    kill_engine(w)
    qtbot.waitUntil(lambda: w.session.state == "dead", timeout=TIMEOUT_MS)

    if checkpoint.exists():  # the rename happened: then it is whole
        assert load_run(run_dir, device="cpu").step > earlier_step
    # The earlier save is untouched, and opens in a fresh engine.
    assert load_run(earlier, device="cpu").step == earlier_step
    assert w.load_from(str(earlier))
    qtbot.waitUntil(lambda: w.session.state == "paused", timeout=TIMEOUT_MS)
    assert w.session.step == earlier_step
    press(qtbot, w, "train")
    qtbot.waitUntil(lambda: w.session.step > earlier_step + 5, timeout=TIMEOUT_MS)


def test_stop_then_train_at_once_never_runs_two_loops(qtbot, window):
    w = window
    s = w.session
    events = record_events(w)
    press(qtbot, w, "train")
    wait_for_step(qtbot, w, 20)
    link = s.link
    rows: list[np.ndarray] = []  # the steps of every metric row the engine sends from now on
    on_rows = s._on_rows

    def recording_on_rows(msg):
        rows.append(np.asarray(msg.arrays["steps"]).copy())
        on_rows(msg)

    s._on_rows = recording_on_rows
    for _ in range(3):
        step = s.step
        press(qtbot, w, "stop")  # the window does not wait for the engine
        s.start()  # Train at once: the engine has not said "stopped" yet
        qtbot.waitUntil(lambda st=step: s.step > st + 20 and s.state == "running", timeout=TIMEOUT_MS)
    # Pressed as a person can: Train as soon as the window offers it.
    press(qtbot, w, "stop")
    qtbot.waitUntil(lambda: w.actions_by_name["train"].isEnabled(), timeout=TIMEOUT_MS)
    step = s.step
    w.ask_continue_or_scratch = lambda n: "continue"  # Stop, then Train asks: carry on
    press(qtbot, w, "train")
    qtbot.waitUntil(lambda: s.step > step + 20 and s.state == "running", timeout=TIMEOUT_MS)

    assert s.link is link  # one engine all along
    if s.placement == "process":
        assert link.process.poll() is None
    steps = np.concatenate(rows)
    # One loop: every step once, in order, none skipped (rows are merged when late, never dropped).
    assert len(steps) > 80 and np.array_equal(steps, np.arange(steps[0], steps[0] + len(steps)))
    errors = [message for kind, message in events if kind == "error"]
    assert not errors, errors
    assert not any("inplace" in message for _, message in events)


@pytest.mark.parametrize("placement", ["thread"])
def test_closing_while_the_training_thread_still_builds_waits_for_it(qtbot, placement, monkeypatch):
    """A build longer than the close timeout (an image model on a slow machine): closing the window
    must not leave the engine's QThread running (Qt would abort when it is destroyed)."""
    from core.engine import Engine
    from gui import engine_link

    monkeypatch.setattr(engine_link, "CLOSE_TIMEOUT_S", 0.2)
    real_build = Engine._build

    def slow_build(self, msg):
        time.sleep(1.0)  # stands for slow work in the engine's own thread, longer than the close timeout
        real_build(self, msg)

    monkeypatch.setattr(Engine, "_build", slow_build)
    w = open_window(qtbot, "gan", "ring8", placement=placement)
    link = w.session.link
    assert w.session.close()  # while the engine is still in slow_build
    assert not link.thread.isRunning()
