"""Compare runs (issue 12): other runs' curves over this window's history plots, each run's own values and
named in the key; their main views beside the window at the step it shows, equal to what their timeline's
frame gives; a run still being written is read again as it grows; a bad folder gives a dialog."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import main
from core.build import build_model
from core.checkpoint import read_history, save_run
from core.presets import build_config
from core.timeline import TIMELINE, Timeline, timeline_for
from core.trainer import Trainer
from gui.panels.gan_history import GanLossesPanel
from gui.replay import MAIN, Replay
from tests.gui.helpers import TIMEOUT_MS, close_window, open_window, pause_and_settle, press, wait_for_step

SMALL = {"gan.hidden": "16", "data.batch_size": "32"}
TRAIN = ["train", "--model", "gan", "--dataset", "ring8", "--seed", "3", "--device", "cpu",
         "--set", "gan.hidden=16", "--set", "data.batch_size=32"]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Two saved runs: minimax (30 steps) and non-saturating (50 steps)."""
    torch.set_num_threads(1)
    root = tmp_path_factory.mktemp("compare")
    for name, loss, steps in (("minimax", "minimax", 30), ("nonsat", "non-saturating", 50)):
        assert main.run([*TRAIN, "--steps", str(steps), "--set", f"gan.loss={loss}", "--out", str(root / name)]) == 0
    return root


@pytest.fixture
def window(qtbot):
    w = open_window(qtbot, "gan", "ring8", settings=SMALL, placement="thread")
    yield w
    close_window(w)


def losses_panel(w) -> GanLossesPanel:
    return next(p for p in w.panels.all() if isinstance(p, GanLossesPanel))


def overlay_data(panel, run: str, metric: str):
    curve = panel.overlays[(run, metric)]
    return np.asarray(curve.xData), np.asarray(curve.yData)


def same(a, b) -> bool:
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return np.array_equal(np.asarray(a), np.asarray(b))


def test_overlay_shows_each_runs_own_values_named_in_the_key(qtbot, window, runs):
    w = window
    assert w.compare_with(runs / "minimax") and w.compare_with(runs / "nonsat")
    panel = losses_panel(w)
    panel.render(w.session)
    for name in ("minimax", "nonsat"):
        history = read_history(runs / name)
        steps, values = history.arrays()
        for metric in ("loss_d", "loss_g"):
            x, y = overlay_data(panel, name, metric)
            assert np.array_equal(x, steps) and np.array_equal(y, values[:, history.names.index(metric)])
        assert name in panel.key.text()
    # the two runs really differ: each curve is its own run's
    assert not np.array_equal(overlay_data(panel, "minimax", "loss_g")[1][:30],
                              overlay_data(panel, "nonsat", "loss_g")[1][:30])

    w.stop_comparing()
    panel.render(w.session)
    assert panel.overlays == {} and "minimax" not in panel.key.text() and w.compare_view is None


def test_side_by_side_view_shows_the_compared_run_at_the_windows_step(qtbot, window, runs):
    w = window
    press(qtbot, w, "step")
    qtbot.waitUntil(lambda: w.session.step == 1, timeout=TIMEOUT_MS)
    assert w.compare_with(runs / "nonsat")
    press(qtbot, w, "train")  # the window's run goes on; the compared view follows its step
    wait_for_step(qtbot, w, 12)
    pause_and_settle(qtbot, w)  # the engine's word: the window's own state changes at the click
    (view,) = w.compare_view.views
    qtbot.waitUntil(lambda: view.drawn_step == min(w.session.step, 50), timeout=TIMEOUT_MS)
    step = view.drawn_step
    assert f"step {step}" in view.label.text().replace(",", "")

    # What its timeline's frame gives: the same panel drawing that frame off-screen
    frame = Timeline.load(runs / "nonsat" / TIMELINE).frame_at(step)
    reference = Replay(view.run.cfg, view.run.metrics, MAIN)
    try:
        reference.draw(frame)
        drawn = view.replay.snapshot_of(frame)
        expected = reference.snapshot_of(frame)
        assert set(drawn.arrays) == set(expected.arrays)
        assert all(same(drawn[k], expected[k]) for k in expected.arrays)
        shown = w.compare_view.views[0].replay.panels.main
        assert shown.isVisible()
    finally:
        reference.close()

    # The scrubber takes the compared view back with the window
    w.timeline_bar.sync()
    w.timeline_bar.slider.setValue(w.timeline_bar._steps.index(1))
    assert w.session.viewing == 1 and view.drawn_step == 1


def test_a_run_being_written_is_read_again_as_it_grows(qtbot, window, tmp_path):
    """As a headless train writes it: the checkpoint and timeline are saved again with more steps."""
    cfg = build_config("gan", "ring8", None, {"gan.hidden": 16, "data.batch_size": 32, "train.device": "cpu"})
    trainer = Trainer(build_model(cfg), timeline=timeline_for("plane"))
    trainer.run(max_steps=10)
    folder = tmp_path / "growing"
    save_run(folder, trainer)
    w = window
    assert w.compare_with(folder)
    panel = losses_panel(w)
    panel.render(w.session)
    assert overlay_data(panel, "growing", "loss_d")[0].max() == 9

    trainer.run(max_steps=40)
    save_run(folder, trainer)
    qtbot.waitUntil(lambda: w.compare.runs[0].step == 40, timeout=TIMEOUT_MS)  # read again by a timer
    panel.render(w.session)
    x, y = overlay_data(panel, "growing", "loss_d")
    history = read_history(folder)
    assert x.max() == 39 and np.array_equal(y, history.arrays()[1][:, history.names.index("loss_d")])


@pytest.mark.parametrize("bad", ["missing", "empty", "not a run"])
def test_a_bad_folder_gives_a_dialog_and_the_window_goes_on(qtbot, window, tmp_path, bad):
    w = window
    folder = tmp_path / "x"
    if bad != "missing":
        folder.mkdir()
    if bad == "not a run":
        (folder / "checkpoint.safetensors").write_bytes(b"not a checkpoint")
    assert not w.compare_with(folder)
    assert w.error_box is not None and w.error_box.isVisible() and w.last_message[0] == "error"
    assert w.compare.runs == [] and w.session.compared == []
    press(qtbot, w, "step")  # the window goes on
    qtbot.waitUntil(lambda: w.session.step == 1, timeout=TIMEOUT_MS)


VAE_TRAIN = ["train", "--model", "vae", "--dataset", "moons", "--seed", "3", "--device", "cpu", "--steps", "40",
             "--set", "vae.hidden=16", "--set", "data.batch_size=64"]


@pytest.fixture(scope="module")
def vae_runs(tmp_path_factory):
    """Two saved VAE runs on moons that differ only in β: 1 and 4."""
    torch.set_num_threads(1)
    root = tmp_path_factory.mktemp("compare-vae")
    for beta in (1, 4):
        assert main.run([*VAE_TRAIN, "--set", f"vae.beta={beta}", "--out", str(root / f"beta{beta}")]) == 0
    return root


def test_a_vae_window_overlays_each_beta_runs_own_curves_named_in_the_key(qtbot, vae_runs):
    from gui.panels.history_plot import HistoryPlotPanel

    w = open_window(qtbot, "vae", "moons", settings={"vae.hidden": "16", "data.batch_size": "64"}, placement="thread")
    try:
        assert w.compare_with(vae_runs / "beta1") and w.compare_with(vae_runs / "beta4")
        plots = [p for p in w.panels.all() if isinstance(p, HistoryPlotPanel)]
        assert plots
        for panel in plots:
            panel.render(w.session)
            metrics = [name for name, _ in panel.overlay_columns()]
            assert len(panel.overlays) == 2 * len(metrics) > 0  # a curve per run and keyed metric
            for run in ("beta1", "beta4"):
                history = read_history(vae_runs / run)
                steps, values = history.arrays()
                for metric in metrics:
                    x, y = overlay_data(panel, run, metric)
                    assert np.array_equal(x, steps) and np.array_equal(y, values[:, history.names.index(metric)])
                assert run in panel.key.text()
        losses = next(p for p in plots if p.object_name == "vae_losses")
        assert [name for name, _ in losses.overlay_columns()] == ["loss", "recon", "kl"]
        # β weighs the KL in what is minimised: the two runs' KL curves part
        assert not np.array_equal(overlay_data(losses, "beta1", "kl")[1], overlay_data(losses, "beta4", "kl")[1])
    finally:
        close_window(w)
