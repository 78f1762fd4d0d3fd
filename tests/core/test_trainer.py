"""The training loop's controls, run in a real background thread as the GUI runs it."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
import torch

from core.build import build_model
from core.history import MetricHistory
from core.presets import build_config
from core.trainer import Trainer, TrainerCallbacks

torch.set_num_threads(1)


def tiny_gan(**overrides):
    settings = {"gan.hidden": 16, "data.batch_size": 64, "train.device": "cpu", **overrides}
    return build_model(build_config("gan", "ring8", overrides=settings))


class Recorder(TrainerCallbacks):
    def __init__(self):
        self.events: list[tuple[str, str]] = []
        self.flushes: list[int] = []

    def on_event(self, trainer, kind, message):
        self.events.append((kind, message))

    def on_flush(self, trainer):
        self.flushes.append(trainer.step)

    def kinds(self):
        return [k for k, _ in self.events]


def wait_for(cond, timeout=60.0, what="condition"):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return
        time.sleep(0.005)
    raise AssertionError(f"timed out waiting for {what}")


class Running:
    """A trainer running in a thread; always stopped and joined at the end."""

    def __init__(self, trainer: Trainer, max_steps=None):
        self.trainer = trainer
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, args=(max_steps,), daemon=True)

    def _run(self, max_steps):
        try:
            self.trainer.run(max_steps=max_steps)
        except BaseException as exc:  # surfaced by __exit__
            self.error = exc

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.trainer.stop()
        self.thread.join(10)
        assert not self.thread.is_alive()
        if self.error is not None:
            raise self.error


def test_pause_resume_single_step_and_stop():
    rec = Recorder()
    trainer = Trainer(tiny_gan(), callbacks=rec, flush_interval=0.05)
    with Running(trainer) as r:
        wait_for(lambda: trainer.step > 5, what="first steps")
        trainer.pause()
        wait_for(lambda: "paused" in rec.kinds(), what="paused event")
        assert trainer.paused
        held = trainer.step
        time.sleep(0.3)
        assert trainer.step == held

        trainer.step_once(3)
        # After its single steps the loop pauses again and says so: a second "paused" event.
        wait_for(lambda: rec.kinds().count("paused") == 2, what="paused again after three single steps")
        assert trainer.step == held + 3 and trainer.paused
        # A single step flushes at once, so the history already holds the three new rows.
        assert trainer.history.count == held + 3

        trainer.resume()
        wait_for(lambda: trainer.step > held + 13, what="steps after resume")
        assert "resumed" in rec.kinds()

        trainer.stop()
        r.thread.join(20)  # it stops between steps
        assert not r.thread.is_alive()
    assert rec.kinds()[-1] == "finished"
    assert trainer.history.count == trainer.step  # everything flushed at the end


def test_run_stops_exactly_at_max_steps():
    trainer = Trainer(tiny_gan())
    trainer.run(max_steps=25)
    assert trainer.step == 25
    assert trainer.history.count == 25
    np.testing.assert_array_equal(trainer.history.arrays()[0], np.arange(25))
    assert np.isfinite(trainer.history.arrays()[1]).all()


def test_submit_runs_in_the_training_thread_between_steps():
    trainer = Trainer(tiny_gan())
    seen = []

    def task(t):
        seen.append((threading.get_ident(), t is trainer, t.step))

    with Running(trainer) as r:
        wait_for(lambda: trainer.step > 3)
        trainer.submit(task)
        wait_for(lambda: len(seen) == 1, what="task while running")
        trainer.pause()
        wait_for(lambda: trainer.paused)
        trainer.submit(task)  # also while paused
        wait_for(lambda: len(seen) == 2, what="task while paused")
        ident = r.thread.ident
    assert ident != threading.get_ident()
    assert [s[0] for s in seen] == [ident, ident]
    assert all(s[1] for s in seen)


def test_apply_setting_through_submit_changes_lr_at_the_next_step():
    model = tiny_gan()
    opt_g, opt_d = model.optimizers["g"], model.optimizers["d"]
    old_d = opt_d.param_groups[0]["lr"]
    rec = Recorder()
    trainer = Trainer(model, callbacks=rec)
    trainer.pause()
    with Running(trainer):
        wait_for(lambda: "paused" in rec.kinds())
        trainer.submit(lambda t: t.model.apply_setting("lr_g", 3e-3))
        lr_at_step = []
        original = model.training_step

        def spy(step):
            out = original(step)
            lr_at_step.append(opt_g.param_groups[0]["lr"])
            return out

        model.training_step = spy
        trainer.step_once(1)
        wait_for(lambda: len(lr_at_step) == 1)
    assert lr_at_step == [pytest.approx(3e-3)]
    assert opt_d.param_groups[0]["lr"] == old_d
    assert model.params.lr_g == pytest.approx(3e-3)


def test_apply_setting_validates():
    from core.config import ConfigError

    model = tiny_gan()
    with pytest.raises(ConfigError, match="lr_g"):
        model.apply_setting("lr_g", 5.0)


def test_nan_pauses_restores_a_finite_state_and_reports():
    model = tiny_gan()
    rec = Recorder()
    trainer = Trainer(model, callbacks=rec, flush_interval=0.0, good_state_interval=0.0)
    original = model.training_step
    bad_step = 30

    def poisoned(step):
        if step == bad_step:
            with torch.no_grad():
                for p in model.G.parameters():
                    p.fill_(float("nan"))
        return original(step)

    model.training_step = poisoned
    with Running(trainer):
        wait_for(lambda: "nan" in rec.kinds(), what="nan event")
        wait_for(lambda: trainer.paused)
        time.sleep(0.1)
        assert trainer.paused
        kind, message = next(e for e in rec.events if e[0] == "nan")
        assert f"step {bad_step}" in message
        assert model.state_is_finite()
        assert trainer.step <= bad_step
        steps, values = trainer.history.arrays()
        assert np.isfinite(values).all()
        assert len(steps) == trainer.step  # history rolled back with the weights
        # Training carries on from the restored state (the poison fires only once per step number).
        model.training_step = original
        before = trainer.step
        trainer.step_once(5)
        wait_for(lambda: trainer.step == before + 5)
        assert model.state_is_finite()


class FakeClock:
    """The trainer's clock, moved on only by the test: flushes and snapshot gaps then depend on the
    steps taken, not on how fast this (shared, maybe loaded) machine runs them."""

    def __init__(self):
        self.now = 0.0

    def perf_counter(self) -> float:
        return self.now


def test_metrics_reach_the_history_only_at_flushes(monkeypatch):
    clock = FakeClock()
    monkeypatch.setattr("core.trainer.time", clock)
    model = tiny_gan()
    rec = Recorder()
    history = MetricHistory(model.metric_names, capacity=1 << 16)  # stride 1: one row per step
    trainer = Trainer(model, history=history, callbacks=rec, flush_interval=0.15)
    rows_seen = []
    original = model.training_step

    def spy(step):
        rows_seen.append(trainer.history.count)
        clock.now += 0.01  # each step takes 10 ms: a flush is due every 15 steps
        return original(step)

    model.training_step = spy
    trainer.run(max_steps=300)
    trainer.run(max_steps=600)  # a second run() call, as headless `train` makes one per save interval
    steps = trainer.step
    flushes = rec.flushes
    assert steps == 600
    assert 2 < len(flushes) and len(flushes) * 10 < steps, (len(flushes), steps)  # by time, not every step
    # Between flushes the history does not grow: the counts seen at the steps are exactly the
    # counts the history had after some flush (or 0 before the first).
    assert set(rows_seen) <= {0} | set(flushes)
    assert max(rows_seen) < steps
    assert trainer.history.count == steps


def test_prepare_runs_once_before_the_first_step_reports_status_and_leaves_the_rng_alone():
    calls = []

    def prepare(progress=None):
        calls.append(trainer.step)
        progress("training the helper")
        torch.rand(1000)  # e.g. a classifier's training draws from the global stream

    plain = Trainer(tiny_gan())
    plain.run(max_steps=6)

    recorder = Recorder()
    trainer = Trainer(tiny_gan(), callbacks=recorder)
    trainer.model.prepare = prepare
    trainer.run(max_steps=3)
    trainer.run(max_steps=6)  # headless `train` calls run() once per save interval
    assert calls == [0]
    assert ("status", "training the helper") in recorder.events
    for a, b in zip(plain.model.state_dict().values(), trainer.model.state_dict().values(), strict=True):
        assert torch.equal(a, b)
    assert torch.equal(plain.rng_state()["torch"], trainer.rng_state()["torch"])


def test_a_costly_snapshot_is_taken_less_often_within_its_budget(monkeypatch):
    """snapshot_budget caps the share of the training thread's time spent on snapshots."""
    clock = FakeClock()
    monkeypatch.setattr("core.trainer.time", clock)
    model = tiny_gan()
    cost, step_cost = 0.02, 0.001
    original_snapshot, original_step = model.snapshot, model.training_step

    def slow_snapshot():
        clock.now += cost  # stands in for a flow's density maps or a test-set scatter
        return original_snapshot()

    def step_taking_a_millisecond(step):
        clock.now += step_cost
        return original_step(step)

    model.snapshot = slow_snapshot
    model.training_step = step_taking_a_millisecond
    snap_times: list[float] = []

    class Snaps(TrainerCallbacks):
        def on_snapshot(self, trainer, snapshot):
            snap_times.append(clock.now)

    trainer = Trainer(model, callbacks=Snaps(), snapshot_interval=0.01, snapshot_budget=0.1)
    trainer.run(max_steps=1500)
    elapsed = clock.now
    gaps = np.diff(snap_times[1:-1])  # between snapshots taken inside the loop
    # Without the budget it would snapshot every 10 ms; with it, at least cost / budget apart.
    assert len(gaps) >= 2
    assert gaps.min() >= cost / 0.1 * 0.9, gaps
    assert len(snap_times) * cost <= 0.1 * elapsed + 3 * cost


def test_a_stopped_trainer_runs_again_only_after_rearm():
    trainer = Trainer(tiny_gan())
    trainer.run(max_steps=3)
    trainer.stop()
    trainer.run(max_steps=6)  # a stop() before run() counts: no steps
    assert trainer.step == 3
    trainer.rearm()
    trainer.run(max_steps=6)
    assert trainer.step == 6
