"""The run's timeline (core.timeline): weights at regular step intervals, bounded by thinning, saved
with the run, and read back so that the views computed from the frame of step S are the views of the
model at step S. A missing, truncated or other-version timeline loads the run without it and says so."""

from __future__ import annotations

import json
import threading

import numpy as np
import pytest
import torch
from safetensors.numpy import save_file

from core.build import build_model
from core.checkpoint import load_run, save_run, trainer_from_run
from core.engine import Engine
from core.presets import build_config
from core.protocol import Message
from core.timeline import TIMELINE, Timeline, TimelineError
from core.trainer import Trainer

SMALL = {"gan.hidden": 16, "data.batch_size": 32, "train.device": "cpu", "train.seed": 5}


def stamp(step: int) -> dict[str, np.ndarray]:
    """Weights that name their step, 1 KB each."""
    return {"w": np.full(256, step, np.float32)}


def test_frames_stay_within_the_frame_budget_and_cover_the_whole_run():
    tl = Timeline(max_frames=16, max_bytes=10**9)
    for step in range(10_001):
        tl.record(step, stamp(step))
    steps = tl.steps()
    assert 8 <= len(steps) <= 16
    assert steps[0] == 0 and steps[-1] > 10_000 - tl.interval  # from the start to the last bucket
    assert np.all(np.diff(steps) == tl.interval)  # evenly spread
    assert all(f.weights["w"][0] == f.step for f in tl.frames())  # each frame holds its own step's weights


def test_weights_offered_at_irregular_times_are_thinned_too():
    """The engine offers weights at wall-clock times, many steps apart: thinning still bounds them."""
    tl = Timeline(max_frames=10, max_bytes=10**9)
    step, rng = 0, np.random.default_rng(0)
    while step < 50_000:
        tl.record(step, stamp(step))
        step += int(rng.integers(20, 60))
    assert 5 <= len(tl) <= 10
    steps = tl.steps()
    assert steps[0] == 0 and steps[-1] >= 50_000 - 2 * tl.interval
    assert len({s // tl.interval for s in steps}) == len(steps)  # at most one frame per bucket


def test_the_byte_budget_bounds_large_frames():
    tl = Timeline(max_frames=1000, max_bytes=10 * 1024)  # ten frames of 1 KB
    for step in range(2000):
        tl.record(step, stamp(step))
    assert tl.nbytes <= 10 * 1024 and len(tl) >= 5


def test_a_run_that_goes_back_replaces_the_frames_after_it():
    """A NaN recovery goes back to an earlier step: the frames of the abandoned steps go."""
    tl = Timeline(max_frames=100)
    for step in range(0, 50, 5):
        tl.record(step, stamp(step))
    tl.record(20, stamp(-20))
    assert tl.steps() == [0, 5, 10, 15, 20] and tl.frames()[-1].weights["w"][0] == -20


def test_take_past_puts_another_timelines_frames_before_the_ones_recorded_here():
    """A window that attached late records from step 40 on; the engine's frames up to step 30 become
    its past, its own frame at step 20 (older, from before a cut link) gives way to the engine's."""
    engine = Timeline(max_frames=64, max_bytes=10**9)
    for step in range(0, 31, 10):
        engine.record(step, stamp(step))
    window = Timeline(max_frames=64, max_bytes=10**9)
    window.record(20, {"w": np.full(256, -1, np.float32)})
    window.record(40, stamp(40), force=True)
    window.take_past(engine.frames()[:2], interval=4, upto=30)  # a first part: steps 0 and 10
    assert window.steps() == [0, 10, 40] and window.interval == 4
    window.take_past(engine.frames(), interval=4, upto=30)  # all of it
    assert window.steps() == [0, 10, 20, 30, 40]
    assert all(f.weights["w"][0] == f.step for f in window.frames())
    assert window.nbytes == sum(f.nbytes for f in window.frames())


def test_frame_at_is_the_latest_at_or_before_and_nearest_the_closest():
    tl = Timeline(max_frames=100)
    for step in (0, 10, 20):
        tl.record(step, stamp(step))
    assert tl.frame_at(19).step == 10 and tl.frame_at(20).step == 20 and tl.frame_at(-1) is None
    assert tl.nearest(16).step == 20 and tl.nearest(14).step == 10 and tl.nearest(15).step == 10
    assert [f.step for f in tl.between(5, 20)] == [10, 20]


def test_save_and_load_give_the_same_frames(tmp_path):
    tl = Timeline(max_frames=8)
    for step in range(40):
        tl.record(step, {"a.weight": np.random.default_rng(step).normal(size=(3, 4)).astype(np.float32),
                         "n": np.array(step, np.int64)})
    path = tl.save(tmp_path / TIMELINE)
    back = Timeline.load(path)
    assert back.steps() == tl.steps() and back.interval == tl.interval and back.max_frames == 8
    for a, b in zip(tl.frames(), back.frames(), strict=True):
        assert a.weights.keys() == b.weights.keys()
        for key in a.weights:
            assert a.weights[key].dtype == b.weights[key].dtype and np.array_equal(a.weights[key], b.weights[key])
    assert [p.name for p in tmp_path.iterdir()] == [TIMELINE]  # the temporary file was renamed over it


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A small GAN trained headless to step 30 with a timeline of every step, and the views of the
    model itself at steps 12 and 30."""
    torch.set_num_threads(1)
    cfg = build_config("gan", "ring8", overrides=SMALL)
    trainer = Trainer(build_model(cfg), timeline=Timeline(max_frames=64))
    views = {}
    for stop in (12, 30):
        trainer.run(max_steps=stop)
        with torch.no_grad():
            trainer.model.eval()
            views[stop] = trainer.model.snapshot()
    run_dir = tmp_path_factory.mktemp("run")
    save_run(run_dir, trainer)
    return cfg, run_dir, views


def test_the_views_of_a_reloaded_frame_equal_the_views_at_that_step(trained):
    cfg, run_dir, views = trained
    loaded = load_run(run_dir, device="cpu", timeline=True)
    assert loaded.timeline_note == ""
    assert loaded.timeline.steps() == list(range(31))  # every step, up to the saved one
    copy = build_model(cfg, device="cpu", views_only=True)  # as the window's shadow model
    for step, expected in views.items():
        frame = loaded.timeline.frame_at(step)
        assert frame.step == step
        copy.load_state_dict({k: torch.from_numpy(v) for k, v in frame.weights.items()})
        with torch.no_grad():
            copy.eval()
            got = copy.snapshot()
        assert got.keys() == expected.keys()
        for key, value in expected.items():
            if isinstance(value, dict):  # the decoder's state: the weights themselves
                continue
            assert np.array_equal(np.asarray(got[key]), np.asarray(value), equal_nan=True), (step, key)


def damage(run_dir, how: str) -> None:
    path = run_dir / TIMELINE
    if how == "missing":
        path.unlink()
    elif how == "truncated":
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])
    elif how == "other version":
        save_file({"f0/w": np.zeros(2, np.float32)}, str(path),
                  metadata={"format": "genviz-timeline-0", "steps": json.dumps([0]), "interval": "1",
                            "max_frames": "8", "max_bytes": "1000"})


@pytest.mark.parametrize("how", ["missing", "truncated", "other version"])
def test_a_bad_timeline_loads_the_run_without_it_and_says_why(trained, tmp_path, how):
    cfg, run_dir, _ = trained
    copy = tmp_path / "run"
    copy.mkdir()
    for f in run_dir.iterdir():
        (copy / f.name).write_bytes(f.read_bytes())
    damage(copy, how)
    if how != "missing":
        with pytest.raises(TimelineError):
            Timeline.load(copy / TIMELINE)
    loaded = load_run(copy, device="cpu", timeline=True)
    assert loaded.step == 30 and loaded.timeline is None
    word = {"missing": "missing", "truncated": "truncated", "other version": "another version"}[how]
    assert word in loaded.timeline_note and "\n" not in loaded.timeline_note
    # Carrying on starts a new timeline at the run's step, and saving keeps the run as it was.
    trainer = trainer_from_run(loaded)
    assert trainer.timeline.note == loaded.timeline_note and len(trainer.timeline) == 0
    trainer.run(max_steps=33)
    save_run(copy, trainer)
    again = load_run(copy, device="cpu", timeline=True)
    assert again.step == 33 and again.timeline.steps() == [30, 31, 32, 33]
    assert again.timeline.note == loaded.timeline_note  # it still says why it starts at step 30


def test_a_timeline_written_after_its_checkpoint_is_cut_at_the_saved_step(trained, tmp_path):
    """The timeline is written first; if the checkpoint's write then failed, the timeline goes
    further than the run: it is read up to the run's step."""
    cfg, run_dir, _ = trained
    tl = Timeline.load(run_dir / TIMELINE)
    tl.record(99, tl.frames()[-1].weights)
    for f in run_dir.iterdir():
        (tmp_path / f.name).write_bytes(f.read_bytes())
    tl.save(tmp_path / TIMELINE)
    assert load_run(tmp_path, device="cpu", timeline=True).timeline.steps()[-1] == 30


def test_the_engine_records_the_weights_it_streams_and_saves_them(tmp_path):
    """The engine makes no copies of its own for the timeline: every frame is weights it sent to the
    window (or the saved step's, copied by the save anyway)."""
    sent: list[Message] = []
    cond = threading.Condition()

    def emit(msg: Message) -> None:
        with cond:
            sent.append(msg)
            cond.notify_all()

    def wait_for(test) -> None:
        with cond:
            assert cond.wait_for(lambda: any(test(m) for m in sent), timeout=60), [m.kind for m in sent][-10:]

    eng = Engine(emit, rates={"flush_interval": 0.05, "snapshot_interval": 0.0, "snapshot_budget": 0}, device="cpu")
    thread = threading.Thread(target=eng.serve, daemon=True)
    thread.start()
    try:
        cfg = build_config("gan", "ring8", overrides={**SMALL, "train.steps": 40})
        eng.command(Message("cmd", "r1", body={"op": "build", "config": cfg.to_dict()}))
        eng.command(Message("cmd", "r1", body={"op": "start"}))
        wait_for(lambda m: m.kind == "state" and m.body["state"] == "stopped" and m.body.get("step") == 40)
        eng.command(Message("cmd", "r1", body={"op": "save", "run_dir": str(tmp_path)}))
        wait_for(lambda m: m.kind == "event" and m.body["kind"] == "saved")
    finally:
        eng.command(Message("cmd", "r1", body={"op": "shutdown"}))
        thread.join(60)
    assert not thread.is_alive()
    assert eng.trainer.copy_frames is False
    streamed = {m.body["step"] for m in sent if m.kind == "weights"}
    loaded = load_run(tmp_path, device="cpu", timeline=True)
    steps = loaded.timeline.steps()
    assert steps[0] == 0 and steps[-1] == loaded.step == 40
    assert set(steps) <= streamed and len(steps) > 2
    last = loaded.timeline.frames()[-1].weights
    for key, value in loaded.model.state_dict().items():
        assert np.array_equal(last[key], value.numpy())


def test_the_engine_loads_a_run_without_its_timeline_and_says_why(trained, tmp_path):
    _, run_dir, _ = trained
    for f in run_dir.iterdir():
        if f.name != TIMELINE:
            (tmp_path / f.name).write_bytes(f.read_bytes())
    sent: list[Message] = []
    cond = threading.Condition()

    def emit(msg: Message) -> None:
        with cond:
            sent.append(msg)
            cond.notify_all()

    eng = Engine(emit, device="cpu")
    thread = threading.Thread(target=eng.serve, daemon=True)
    thread.start()
    try:
        eng.command(Message("cmd", "r1", body={"op": "load", "run_dir": str(tmp_path)}))
        with cond:
            assert cond.wait_for(lambda: any(m.kind == "state" and m.body["state"] == "paused" for m in sent), 60)
    finally:
        eng.command(Message("cmd", "r1", body={"op": "shutdown"}))
        thread.join(60)
    built = next(m for m in sent if m.kind == "built")
    assert built.body["step"] == 30 and "missing" in built.body["timeline_note"]
    assert any(m.kind == "event" and m.body["message"] == built.body["timeline_note"] for m in sent)
    assert eng.trainer.timeline is not None and eng.trainer.timeline.steps() == [30]  # a new one, from its step


@pytest.mark.parametrize("recording", ["on", "off"])
def test_headless_train_records_a_timeline_unless_bench_turns_it_off(tmp_path, monkeypatch, recording):
    """`train` saves a timeline with its run; GENVIZ_TIMELINE=off (bench's recording-cost runs) saves none."""
    from argparse import Namespace

    from core.commands import train
    from core.timeline import RECORDING_ENV

    monkeypatch.setenv(RECORDING_ENV, recording)
    out = tmp_path / "run"
    args = Namespace(model="gan", dataset="ring8", preset=None, steps=5, epochs=None, seed=None, device="cpu",
                     set=["gan.hidden=8", "data.batch_size=16"], out=str(out))
    assert train(args) == 0
    assert (out / TIMELINE).is_file() == (recording == "on")
    if recording == "on":
        assert Timeline.load(out / TIMELINE).steps()[-1] == 5
