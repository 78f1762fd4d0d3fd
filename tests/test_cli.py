"""The command line contract of SPEC.md, run as other tools run it: `python main.py ...` in a subprocess."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "OMP_NUM_THREADS": "1"}


def launch(*args) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "main.py", *map(str, args)], cwd=ROOT, env=ENV,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(proc: subprocess.Popen, timeout=180) -> subprocess.CompletedProcess:
    out, err = proc.communicate(timeout=timeout)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


BAD_INPUT = {
    # name: (arguments, a piece the one-line message must contain); RUN = a run folder, TMP = a scratch dir
    "unknown model": (["train", "--model", "diffusion", "--dataset", "ring8", "--out", "TMP/a"], "diffusion"),
    "unknown dataset": (["train", "--model", "gan", "--dataset", "nosuch", "--out", "TMP/b"], "nosuch"),
    "out of range": (["train", "--model", "gan", "--dataset", "ring8", "--set", "gan.hidden=1", "--out", "TMP/c"],
                     "gan.hidden"),
    "set without =": (["train", "--model", "gan", "--dataset", "ring8", "--set", "gan.hidden", "--out", "TMP/d"],
                      "key=value"),
    "unknown setting": (["train", "--model", "gan", "--dataset", "ring8", "--set", "gan.bogus=3", "--out", "TMP/e"],
                        "gan.bogus"),
    "eval not a run": (["eval", "TMP/empty", "--json"], "not a genviz run"),
    "eval missing": (["eval", "TMP/does-not-exist"], "does-not-exist"),
    "sample n 0": (["sample", "RUN", "--n", 0, "--out", "TMP/s.npy"], "--n 0"),
    "sample out missing folder": (["sample", "RUN", "--n", 5, "--out", "TMP/nofolder/s.npy"], "nofolder"),
    "train over a run": (["train", "--model", "gan", "--dataset", "ring8", "--steps", 5, "--out", "RUN"],
                         "already holds a run"),
    "epochs on 2-D data": (["train", "--model", "gan", "--dataset", "ring8", "--epochs", 1, "--out", "TMP/f"],
                           "--epochs"),
    "screenshot not png": (["screenshot", "--steps", 1, "--out", "TMP/shot.jpg"], ".png"),
    "steps 0": (["train", "--model", "gan", "--dataset", "ring8", "--steps", 0, "--out", "TMP/g"], "--steps"),
}


# Every bad-input case runs through main.main() in one driver process (three also as real
# `python main.py` processes, REAL_PROCESS below): each `python main.py`
# pays seconds to import torch, and a dozen of them would dominate the suite. The driver sees the
# same exit status and stderr (an escaped exception is printed as a traceback, as Python would).
DRIVER = r"""
import contextlib, io, json, sys, traceback
import main

results = {}
for name, argv in json.loads(sys.argv[1]).items():
    err, out = io.StringIO(), io.StringIO()
    sys.argv = ["main.py", *argv]
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        try:
            main.main()
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        except BaseException:
            traceback.print_exc()
            code = 1
    results[name] = {"rc": code, "stderr": err.getvalue(), "stdout": out.getvalue()}
print(json.dumps(results))
"""

# These also run as real `python main.py` processes: two that fail before torch is imported, one after.
REAL_PROCESS = ("unknown model", "screenshot not png", "unknown dataset")


def make_run(folder: Path) -> None:
    """A small run folder made in this process, so the bad-input cases need not wait for `train`."""
    from core.build import build_model
    from core.checkpoint import save_run
    from core.presets import build_config
    from core.trainer import Trainer

    cfg = build_config("gan", "ring8", overrides={"gan.hidden": 8, "data.batch_size": 16, "train.device": "cpu"})
    trainer = Trainer(build_model(cfg))
    trainer.run(max_steps=3)
    save_run(folder, trainer)


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    """Run the commands in parallel processes: train first, then eval and sample on its run."""
    tmp = tmp_path_factory.mktemp("cli")
    (tmp / "empty").mkdir()
    other = tmp / "other_run"
    make_run(other)
    before = digest(other)
    argvs = {name: [str(a).replace("RUN", str(other)).replace("TMP", str(tmp)) for a in args]
             for name, (args, _) in BAD_INPUT.items()}
    run_dir = tmp / "run"
    train = launch("train", "--model", "gan", "--dataset", "ring8", "--steps", 30, "--set", "gan.hidden=16",
                   "--set", "data.batch_size=64", "--device", "cpu", "--out", run_dir)
    procs = {f"real {name}": launch(*argvs[name]) for name in REAL_PROCESS}
    procs["driver"] = subprocess.Popen([sys.executable, "-c", DRIVER, json.dumps(argvs)], cwd=ROOT, env=ENV,
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    done = {"train": finish(train)}
    if done["train"].returncode == 0:
        procs["eval"] = launch("eval", run_dir, "--json")
        procs["sample"] = launch("sample", run_dir, "--n", 7, "--out", tmp / "samples.npy")
    done.update({name: finish(p) for name, p in procs.items()})
    driver = done.pop("driver")
    assert driver.returncode == 0, driver.stderr
    for name, r in json.loads(driver.stdout.strip().splitlines()[-1]).items():
        done[name] = subprocess.CompletedProcess(argvs[name], r["rc"], r["stdout"], r["stderr"])
    return {"done": done, "tmp": tmp, "run_dir": run_dir, "before": before, "after": digest(other)}


@pytest.fixture(scope="module")
def run_dir(results) -> Path:
    res = results["done"]["train"]
    assert res.returncode == 0, res.stderr
    assert "Traceback" not in res.stderr
    return results["run_dir"]


def test_train_writes_a_run_folder(run_dir):
    for name in ("checkpoint.safetensors", "config.json", "state.json", "history.csv"):
        assert (run_dir / name).is_file(), name
    cfg = json.loads((run_dir / "config.json").read_text())
    assert cfg["model"] == "gan" and cfg["gan"]["hidden"] == 16 and cfg["data"]["dataset"] == "ring8"
    state = json.loads((run_dir / "state.json").read_text())
    assert state["step"] == 30
    rows = np.loadtxt(run_dir / "history.csv", delimiter=",", skiprows=1)
    assert rows.shape[0] == 30 and np.isfinite(rows).all()
    assert not [p for p in run_dir.iterdir() if p.name.endswith(".tmp")]


def test_eval_json(results, run_dir):
    res = results["done"]["eval"]
    assert res.returncode == 0, res.stderr
    metrics = json.loads(res.stdout)
    assert metrics["model"] == "gan" and metrics["dataset"] == "ring8" and metrics["step"] == 30
    assert isinstance(metrics["modes"], int) and 0 <= metrics["modes"] <= 8
    assert 0.0 <= metrics["hq_fraction"] <= 1.0


def test_sample_writes_float32_points(results, run_dir):
    res = results["done"]["sample"]
    assert res.returncode == 0, res.stderr
    arr = np.load(results["tmp"] / "samples.npy")
    assert arr.dtype == np.float32 and arr.shape == (7, 2)
    assert np.isfinite(arr).all()


@pytest.mark.parametrize("name", list(BAD_INPUT) + [f"real {n}" for n in REAL_PROCESS])
def test_bad_input_exits_2_with_one_line(results, name):
    res = results["done"][name]
    name = name.removeprefix("real ")
    lines = res.stderr.strip().splitlines()
    assert res.returncode == 2, res.stderr
    assert "Traceback" not in res.stderr
    assert len(lines) == 1, res.stderr
    assert BAD_INPUT[name][1] in lines[0], lines[0]


def test_bad_input_leaves_nothing_behind(results):
    assert results["after"] == results["before"]  # training into an existing run changed nothing
    tmp = results["tmp"]
    for folder in ("a", "b", "c", "d", "e", "f", "g"):
        assert not (tmp / folder).exists(), folder
    assert not (tmp / "s.npy").exists() and not (tmp / "shot.jpg").exists()


@pytest.mark.parametrize("argv", [[], ["gui"], ["gui", "--model", "vae", "--dataset", "moons"]])
def test_the_window_commands_without_a_display_say_so(argv):
    """`python main.py` (what `make run` runs) and `gui` get past their checks, then, with no
    display, say so in one line and exit 1 instead of hanging on an invisible window."""
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    root = Path(__file__).resolve().parent.parent
    res = subprocess.run([sys.executable, "main.py", *argv], cwd=root, env=env, capture_output=True, text=True,
                         timeout=120)
    assert res.returncode == 1, res.stderr
    assert "no display" in res.stderr and "Traceback" not in res.stderr and len(res.stderr.strip().splitlines()) == 1


GUI_BAD_NAMES = {  # `gui` with a bad name; the `train` whose one-line message it must repeat; names it must allow
    "dataset": (["gui", "--dataset", "nosuch"], ["train", "--model", "gan", "--dataset", "nosuch"],
                ["ring8", "moons", "mnist"]),
    "preset": (["gui", "--preset", "nosuch"], ["train", "--model", "gan", "--dataset", "ring8", "--preset", "nosuch"],
               ["vanishing-gradient", "wgan-gp"]),
    "preset of vae": (["gui", "--model", "vae", "--dataset", "mnist", "--preset", "nosuch"],
                      ["train", "--model", "vae", "--dataset", "mnist", "--preset", "nosuch"], ["pytorch-example"]),
}


@pytest.mark.parametrize("name", list(GUI_BAD_NAMES))
def test_gui_with_a_bad_name_exits_2_as_train_does_before_any_window(name, tmp_path):
    """`gui --dataset foo` and `gui --preset foo` exit 2 with train's one-line message (the bad value and
    the allowed ones), no traceback. Run with no display at all: the check comes before the window, which
    would otherwise say 'no display' and exit 1."""
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    gui_args, train_args, allowed = GUI_BAD_NAMES[name]
    runs = [subprocess.Popen([sys.executable, "main.py", *args], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
            for args in (gui_args, [*train_args, "--out", str(tmp_path / "run")])]
    gui, train = (finish(p, timeout=120) for p in runs)
    assert train.returncode == 2 and len(train.stderr.strip().splitlines()) == 1, train.stderr
    assert gui.returncode == 2, gui.stderr
    assert "Traceback" not in gui.stderr and len(gui.stderr.strip().splitlines()) == 1, gui.stderr
    assert gui.stderr == train.stderr
    bad, _, listed = gui.stderr.strip().partition("allowed:")
    assert "'nosuch'" in bad and all(n in listed.replace(",", " ").split() for n in allowed), gui.stderr
    assert not (tmp_path / "run").exists()
