"""Run folders: exact save/load, exact resume, atomic saves, and refusing anything else (no pickles)."""

from __future__ import annotations

import json
import os
import pickle

import numpy as np
import pytest
import torch
from safetensors.torch import save_file

import core.checkpoint as checkpoint
from core.build import build_model
from core.checkpoint import CHECKPOINT, CheckpointError, load_run, read_metadata, save_run, trainer_from_run
from core.presets import build_config
from core.trainer import Trainer

torch.set_num_threads(1)


def tiny_gan(**overrides):
    settings = {"gan.hidden": 16, "data.batch_size": 64, "train.device": "cpu", "train.seed": 3, **overrides}
    return build_model(build_config("gan", "ring8", overrides=settings))


def assert_same_state(a: dict, b: dict):
    assert a.keys() == b.keys()
    for k in a:
        assert torch.equal(a[k], b[k]), k


def assert_same_optimizer(a: torch.optim.Optimizer, b: torch.optim.Optimizer):
    sa, sb = a.state_dict(), b.state_dict()
    # JSON turns the betas tuple into a list; the values must match.
    assert json.loads(json.dumps(sa["param_groups"])) == json.loads(json.dumps(sb["param_groups"]))
    assert sa["state"].keys() == sb["state"].keys()
    for idx in sa["state"]:
        ea, eb = sa["state"][idx], sb["state"][idx]
        assert ea.keys() == eb.keys()
        for key in ea:
            if torch.is_tensor(ea[key]):
                assert torch.equal(ea[key], eb[key]), (idx, key)
            else:
                assert ea[key] == eb[key]


def assert_same_history(ha, hb):
    for x, y in zip(ha.arrays(), hb.arrays(), strict=True):
        np.testing.assert_array_equal(x, y)
    assert (ha.stride, ha.count, ha._bucket_n) == (hb.stride, hb.count, hb._bucket_n)


def test_save_load_round_trip(tmp_path):
    trainer = Trainer(tiny_gan(**{"gan.loss": "hinge"}))
    trainer.run(max_steps=20)
    save_run(tmp_path / "run", trainer)
    for name in (CHECKPOINT, "config.json", "state.json", "history.csv"):
        assert (tmp_path / "run" / name).is_file()
    loaded = load_run(tmp_path / "run")
    assert loaded.step == 20
    assert loaded.train_seconds == pytest.approx(trainer.train_seconds)
    assert loaded.cfg == trainer.model.cfg
    assert loaded.cfg.params.loss == "hinge"
    assert_same_state(loaded.model.state_dict(), trainer.model.state_dict())
    for name in ("g", "d"):
        assert_same_optimizer(loaded.model.optimizers[name], trainer.model.optimizers[name])
    assert_same_history(loaded.history, trainer.history)
    for key, value in trainer.rng_state().items():
        assert torch.equal(loaded.rng[key], value), key
    # history.csv holds the same rows as the history.
    csv = np.loadtxt(tmp_path / "run" / "history.csv", delimiter=",", skiprows=1)
    steps, values = trainer.history.arrays()
    stride = trainer.history.stride
    assert np.array_equal(csv[:, 0], np.rint(csv[:, 0]))  # whole steps
    np.testing.assert_allclose(csv[:, 0], steps + (stride - 1) / 2)  # the last step each row averages
    assert (csv[:, 1] == stride).all()
    np.testing.assert_allclose(csv[:, 2:], values, rtol=1e-6, atol=1e-7)


def test_history_csv_has_whole_steps_after_downsampling(tmp_path):
    from core.history import MetricHistory

    trainer = Trainer(tiny_gan())
    trainer.history = MetricHistory(trainer.model.metric_names, capacity=8)
    trainer.run(max_steps=40)  # 40 rows into 8 slots: buckets of 8 steps
    save_run(tmp_path / "run", trainer)
    csv = np.loadtxt(tmp_path / "run" / "history.csv", delimiter=",", skiprows=1)
    assert trainer.history.stride == 8
    assert list(csv[:, 0]) == [7, 15, 23, 31, 39] and (csv[:, 1] == 8).all()


def test_live_learning_rate_change_survives_a_save(tmp_path):
    trainer = Trainer(tiny_gan())
    trainer.run(max_steps=3)
    trainer.model.apply_setting("lr_g", 1e-3)
    trainer.run(max_steps=4)
    save_run(tmp_path, trainer)
    loaded = load_run(tmp_path)
    assert loaded.model.base_lr["g"] == pytest.approx(1e-3)
    assert loaded.model.optimizers["g"].param_groups[0]["lr"] == pytest.approx(1e-3)


def test_exact_resume(tmp_path):
    straight = Trainer(tiny_gan())
    straight.run(max_steps=40)

    first = Trainer(tiny_gan())
    first.run(max_steps=20)
    save_run(tmp_path, first)
    del first
    torch.manual_seed(12345)  # disturb the global stream: the checkpoint must restore it
    resumed = trainer_from_run(load_run(tmp_path))
    assert resumed.step == 20
    resumed.run(max_steps=40)

    assert resumed.step == straight.step == 40
    assert_same_state(resumed.model.state_dict(), straight.model.state_dict())
    for name in ("g", "d"):
        assert_same_optimizer(resumed.model.optimizers[name], straight.model.optimizers[name])
    assert_same_history(resumed.history, straight.history)
    for key, value in straight.rng_state().items():
        assert torch.equal(resumed.rng_state()[key], value), key


def leftovers(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_save_is_atomic(tmp_path, monkeypatch):
    trainer = Trainer(tiny_gan())
    trainer.run(max_steps=10)
    save_run(tmp_path, trainer)
    save_run(tmp_path, trainer)  # overwriting works too
    assert leftovers(tmp_path) == []
    before = (tmp_path / CHECKPOINT).read_bytes()

    trainer.run(max_steps=15)

    def broken_save(tensors, path, metadata=None):
        with open(path, "wb") as fh:
            fh.write(b"half a checkpoint")
        raise OSError("disk full")

    monkeypatch.setattr(checkpoint, "save_file", broken_save)
    with pytest.raises(OSError, match="disk full"):
        save_run(tmp_path, trainer)
    monkeypatch.undo()

    assert leftovers(tmp_path) == []
    assert (tmp_path / CHECKPOINT).read_bytes() == before
    loaded = load_run(tmp_path)
    assert loaded.step == 10


def test_an_empty_or_missing_folder_is_refused(tmp_path):
    with pytest.raises(CheckpointError, match="not a genviz run"):
        load_run(tmp_path)
    with pytest.raises(CheckpointError):
        load_run(tmp_path / "missing")


def _bad_files(tmp_path):
    rng = np.random.default_rng(0)
    random_bytes = tmp_path / "random.bin"
    random_bytes.write_bytes(rng.integers(0, 256, 4096, dtype=np.uint8).tobytes())
    torch_pickle = tmp_path / "model.pt"
    torch.save({"w": torch.ones(3)}, torch_pickle)
    plain_pickle = tmp_path / "plain.pkl"
    plain_pickle.write_bytes(pickle.dumps({"w": [1, 2, 3]}))
    bare = tmp_path / "bare.safetensors"
    save_file({"w": torch.ones(3)}, str(bare))
    other = tmp_path / "other.safetensors"
    save_file({"w": torch.ones(3)}, str(other), metadata={"format": "pt"})
    empty = tmp_path / "empty.safetensors"
    empty.write_bytes(b"")
    return [random_bytes, torch_pickle, plain_pickle, bare, other, empty]


@pytest.mark.parametrize("index", range(6))
def test_non_checkpoint_files_are_refused(tmp_path, index):
    bad = _bad_files(tmp_path)[index]
    with pytest.raises(CheckpointError):
        load_run(bad)
    with pytest.raises(CheckpointError):
        read_metadata(bad)
    # The same file as a run folder's checkpoint.
    folder = tmp_path / "run"
    folder.mkdir()
    os.replace(bad, folder / CHECKPOINT)
    with pytest.raises(CheckpointError):
        load_run(folder)


def test_damaged_metadata_is_refused(tmp_path):
    save_file({"w": torch.ones(3)}, str(tmp_path / CHECKPOINT), metadata={"format": checkpoint.FORMAT})
    with pytest.raises(CheckpointError):
        load_run(tmp_path)
    save_file({"w": torch.ones(3)}, str(tmp_path / CHECKPOINT),
              metadata={"format": checkpoint.FORMAT, "config": "{not json", "state": "{}"})
    with pytest.raises(CheckpointError):
        load_run(tmp_path)


class Payload:
    """Unpickling this creates the marker file."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_loading_never_unpickles(tmp_path):
    # The payload works: plain unpickling does create its marker.
    probe = tmp_path / "probe_marker"
    pickle.loads(pickle.dumps(Payload(probe))).close()
    assert probe.exists()

    marker = tmp_path / "pwned"
    run = tmp_path / "run"
    run.mkdir()
    torch.save({"model": Payload(marker)}, run / CHECKPOINT)
    with pytest.raises(CheckpointError):
        load_run(run)
    with pytest.raises(CheckpointError):
        load_run(run / CHECKPOINT)
    (run / CHECKPOINT).write_bytes(pickle.dumps(Payload(marker)))  # a raw pickle as well
    with pytest.raises(CheckpointError):
        load_run(run)
    assert not marker.exists()


def test_a_save_removes_the_temporary_file_of_a_save_cut_short(tmp_path):
    trainer = Trainer(tiny_gan())
    trainer.run(max_steps=5)
    run = tmp_path / "run"
    run.mkdir()
    leftover = run / ".checkpoint.safetensors.abc123.tmp"  # as a killed engine leaves it
    leftover.write_bytes(b"half a checkpoint")
    save_run(run, trainer)
    assert not leftover.exists()
    assert load_run(run).step == 5
