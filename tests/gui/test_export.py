"""`python main.py export`: pictures and films of a run drawn from its timeline, and its metrics as CSV,
each opened here with an independent reader (Pillow, imageio, an XML parser, the csv module). Bad
input exits 2 with one line. The run is trained headless by `train`, which writes the timeline."""

from __future__ import annotations

import csv
import shutil
import struct
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import imageio.v3 as iio
import numpy as np
import pytest
import torch
from PIL import Image

import main
from core.build import build_model
from core.checkpoint import read_history, read_metadata, whole_step_rows
from core.snapshot import Snapshot
from core.timeline import TIMELINE, Timeline
from core.trainer import Trainer
from gui.replay import MAIN_SIZE, Replay

STEPS = 40
TRAIN = ["train", "--model", "gan", "--dataset", "ring8", "--steps", str(STEPS), "--seed", "7", "--device", "cpu",
         "--set", "gan.hidden=16", "--set", "data.batch_size=32"]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    torch.set_num_threads(1)
    folder = tmp_path_factory.mktemp("export") / "run"
    assert main.run([*TRAIN, "--out", str(folder)]) == 0
    return folder


def export(capsys, *args) -> tuple[int, list[str]]:
    """Exit code and stderr lines of `main.py export ARGS`, run in this process (argparse's own
    errors end in SystemExit, as they would end the command)."""
    try:
        code = main.run(["export", *map(str, args)])
    except SystemExit as exc:
        code = exc.code
    return code, capsys.readouterr().err.strip().splitlines()


def test_train_writes_a_timeline_of_the_whole_run(run_dir):
    timeline = Timeline.load(run_dir / TIMELINE)
    assert timeline.steps() == list(range(STEPS + 1))  # a short run: every step, up to the saved one


def test_png_of_a_past_step_is_the_panel_as_the_model_drew_it_then(qtbot, run_dir, capsys, tmp_path):
    """The exported main view at step 25 equals the same panels drawing the snapshot of a model trained
    to step 25 on its own (same seed): what the window showed live at that step."""
    out = tmp_path / "plane.png"
    code, err = export(capsys, run_dir, "--png", out, "--panel", "main", "--step", 25)
    assert code == 0 and len(err) == 1 and "step 25" in err[0]
    exported = np.asarray(Image.open(out).convert("RGB"))
    assert exported.shape == (MAIN_SIZE.height(), MAIN_SIZE.width(), 3)

    cfg, _ = read_metadata(run_dir)
    trainer = Trainer(build_model(cfg))
    trainer.run(max_steps=25)
    with torch.no_grad():
        trainer.model.eval()
        live = Snapshot(25, trainer.model.snapshot())
    replay = Replay(cfg, read_history(run_dir), "main")
    try:
        replay.show(live)
        assert np.array_equal(exported, replay.rgb())
    finally:
        replay.close()
    other = tmp_path / "later.png"
    assert export(capsys, run_dir, "--png", other, "--panel", "main", "--step", STEPS)[0] == 0
    assert not np.array_equal(np.asarray(Image.open(other).convert("RGB")), exported)  # the run moved on


def test_gif_has_one_frame_per_recorded_step_in_the_range(run_dir, capsys, tmp_path):
    out = tmp_path / "film.gif"
    code, err = export(capsys, run_dir, "--gif", out, "--panel", "main", "--from", 5, "--to", 16, "--fps", 20)
    assert code == 0 and err[-1].startswith("genviz: wrote")
    gif = Image.open(out)
    assert gif.format == "GIF" and gif.n_frames == 12 and gif.size == (MAIN_SIZE.width(), MAIN_SIZE.height())
    assert gif.info["duration"] == 50 and gif.info["loop"] == 0
    gif.seek(0)
    first = np.asarray(gif.convert("RGB"))
    gif.seek(11)
    assert not np.array_equal(np.asarray(gif.convert("RGB")), first)  # the frames show different steps


def test_mp4_of_the_whole_set(run_dir, capsys, tmp_path):
    out = tmp_path / "film.mp4"
    code, _ = export(capsys, run_dir, "--mp4", out, "--from", 30)
    assert code == 0
    frames = list(iio.imiter(out, plugin="FFMPEG"))
    assert len(frames) == STEPS - 30 + 1 and frames[0].shape == (960, 1600, 3)


def test_svg_is_an_svg_document_of_the_panel(run_dir, capsys, tmp_path):
    out = tmp_path / "losses.svg"
    code, _ = export(capsys, run_dir, "--svg", out, "--panel", "gan_losses", "--step", 20)
    assert code == 0
    root = ET.parse(out).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    title = root.find("{http://www.w3.org/2000/svg}title")
    assert title is not None and "step 20" in title.text
    assert len(root.findall(".//{http://www.w3.org/2000/svg}path")) + len(root.findall(".//{*}polyline")) > 0


def test_csv_holds_every_metric_at_whole_steps(run_dir, capsys, tmp_path):
    out = tmp_path / "metrics.csv"
    code, _ = export(capsys, run_dir, "--csv", out)
    assert code == 0
    with open(out, newline="") as fh:
        rows = list(csv.reader(fh))
    history = read_history(run_dir)
    assert rows[0] == ["step", "steps_averaged", *history.names]
    assert [int(r[0]) for r in rows[1:]] == list(range(STEPS))  # stride 1: every step, whole numbers
    assert all(r[0].isdigit() for r in rows[1:])
    values = np.array([[float(v) for v in r[2:]] for r in rows[1:]])
    assert np.allclose(values, history.values[: history.count], rtol=1e-6)


def test_csv_with_other_runs_names_each_run_and_holds_its_own_values(run_dir, capsys, tmp_path):
    other = tmp_path / "beta4"
    shutil.copytree(run_dir, other)
    assert main.run([*TRAIN[:6], "4", *TRAIN[7:], "--out", str(tmp_path / "short")]) == 0  # 4 steps
    out = tmp_path / "all.csv"
    code, err = export(capsys, run_dir, "--csv", out, "--with", other, "--with", tmp_path / "short")
    assert code == 0 and "3 runs" in err[-1]
    with open(out, newline="") as fh:
        rows = list(csv.DictReader(fh))
    history = read_history(run_dir)
    assert list(rows[0]) == ["run", "step", "steps_averaged", *history.names]
    for name, folder in (("run", run_dir), ("beta4", other), ("short", tmp_path / "short")):
        own = read_history(folder)
        mine = [r for r in rows if r["run"] == name]
        assert [int(r["step"]) for r in mine] == list(range(own.count))
        values = np.array([[float(r[n]) for n in own.names] for r in mine])
        assert np.allclose(values, own.values[: own.count], rtol=1e-6)
    assert len(rows) == 2 * STEPS + 4


def read_scalars(folder) -> dict[str, list[tuple[int, float]]]:
    """Every scalar in a folder of TensorBoard event files, by tag: with TensorBoard's own reader
    (EventAccumulator) where tensorboard is installed; else by reading the TFRecord frames (8-byte
    length, 4-byte CRC, the record, 4-byte CRC) and parsing each record as TensorBoard's Event proto."""
    try:
        from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    except ImportError:
        from tensorboardX.proto.event_pb2 import Event

        scalars: dict[str, list[tuple[int, float]]] = {}
        for path in sorted(Path(folder).glob("events.out.tfevents.*")):
            data, i = path.read_bytes(), 0
            while i < len(data):
                (n,) = struct.unpack("<Q", data[i : i + 8])
                event = Event.FromString(data[i + 12 : i + 12 + n])
                i += 12 + n + 4
                for v in event.summary.value:
                    scalars.setdefault(v.tag, []).append((event.step, v.simple_value))
        return scalars
    acc = EventAccumulator(str(folder), size_guidance={"scalars": 0})  # 0: keep every value
    acc.Reload()
    return {tag: [(e.step, e.value) for e in acc.Scalars(tag)] for tag in acc.Tags()["scalars"]}


def expected_scalars(run) -> dict[str, list[tuple[int, float]]]:
    """The run's history at whole steps (as the CSV), finite values only, as float32 like TensorBoard's."""
    history = read_history(run)
    steps, _, values = whole_step_rows(history)
    return {name: [(int(s), float(np.float32(v))) for s, v in zip(steps, values[:, j], strict=True)
                   if np.isfinite(v)] for j, name in enumerate(history.names)}


def test_tensorboard_event_files_hold_every_metric_of_each_run_at_whole_steps(run_dir, capsys, tmp_path):
    pytest.importorskip("tensorboardX", reason="the tensorboard extra is not installed (pip install "
                                               "'genviz[tensorboard]'); without it export says so, tested below")
    other = tmp_path / "beta4"
    shutil.copytree(run_dir, other)
    out = tmp_path / "tb"
    code, err = export(capsys, run_dir, "--tensorboard", out, "--with", other)
    assert code == 0 and len(err) == 1 and "tensorboard --logdir" in err[0]
    assert sorted(p.name for p in out.iterdir()) == ["beta4", "run"]  # a folder for each run, nothing else
    for name, folder in (("run", run_dir), ("beta4", other)):
        want = expected_scalars(folder)
        assert read_scalars(out / name) == {tag: rows for tag, rows in want.items() if rows}
        assert sum(map(len, want.values())) > 0
    # Exported again: our earlier event file is replaced, not added to (TensorBoard would show both).
    assert export(capsys, run_dir, "--tensorboard", out)[0] == 0
    assert len(list((out / "run").glob("events.out.tfevents.*"))) == 1
    assert read_scalars(out / "run") == {tag: rows for tag, rows in expected_scalars(run_dir).items() if rows}


def test_tensorboard_without_its_extra_says_how_to_install_it_and_exits_2(run_dir, capsys, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "tensorboardX", None)  # as if it were not installed: its import fails
    code, err = export(capsys, run_dir, "--tensorboard", tmp_path / "tb")
    assert code == 2 and len(err) == 1 and "pip install 'genviz[tensorboard]'" in err[0]
    assert list(tmp_path.iterdir()) == []


def test_a_run_with_a_damaged_timeline_still_exports_its_last_step_but_no_film(run_dir, capsys, tmp_path):
    broken = tmp_path / "run"
    shutil.copytree(run_dir, broken)
    data = (broken / TIMELINE).read_bytes()
    (broken / TIMELINE).write_bytes(data[:1000])
    code, err = export(capsys, broken, "--png", tmp_path / "last.png", "--panel", "main")
    assert code == 0 and "truncated" in err[-1] and Image.open(tmp_path / "last.png").size == (720, 720)
    code, err = export(capsys, broken, "--gif", tmp_path / "x.gif")
    assert code == 2 and len(err) == 1 and "timeline" in err[0] and "truncated" in err[0]
    assert not (tmp_path / "x.gif").exists()


BAD = {  # name: (arguments after RUN_DIR, words the one line must hold)
    "unknown panel": (["--png", "OUT/a.png", "--panel", "nosuch"], ["nosuch", "gan_plane", "gan_losses", "main"]),
    "step outside the run": (["--png", "OUT/a.png", "--step", STEPS + 1], [f"0 to {STEPS}"]),
    "to outside the run": (["--gif", "OUT/a.gif", "--to", 999], [f"0 to {STEPS}"]),
    "missing folder": (["--png", "OUT/nofolder/a.png"], ["does not exist"]),
    "output is a folder": (["--csv", "OUT"], [".csv"]),
    "wrong suffix": (["--gif", "OUT/a.png"], [".gif"]),
    "step with a film": (["--gif", "OUT/a.gif", "--step", 3], ["--from"]),
    "fps with a still": (["--png", "OUT/a.png", "--fps", 5], ["--gif"]),
    "fps out of range": (["--gif", "OUT/a.gif", "--fps", 100], ["1 to 60"]),
    "no output": ([], ["--gif"]),
    "with a picture": (["--png", "OUT/a.png", "--with", "OUT"], ["--with", "--csv"]),
    "tensorboard in a missing folder": (["--tensorboard", "OUT/nofolder/tb"], ["does not exist"]),
    "tensorboard with a panel": (["--tensorboard", "OUT/tb", "--panel", "main"], ["--panel", "--tensorboard"]),
    "tensorboard with a step": (["--tensorboard", "OUT/tb", "--step", 3], ["--step"]),
}


@pytest.mark.parametrize("name", list(BAD))
def test_bad_input_exits_2_with_one_line(run_dir, capsys, tmp_path, name):
    args, words = BAD[name]
    args = [str(a).replace("OUT", str(tmp_path)) for a in args]
    code, err = export(capsys, run_dir, *args)
    assert code == 2 and len(err) == 1, err
    for word in words:
        assert word in err[0], (word, err[0])
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # nothing written, no temporary file left


def test_a_missing_run_exits_2(capsys, tmp_path):
    code, err = export(capsys, tmp_path / "nothing", "--png", tmp_path / "a.png")
    assert code == 2 and len(err) == 1 and "not a genviz run folder" in err[0]
