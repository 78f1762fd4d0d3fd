"""The window driven as a person would: real toolbar buttons, real sliders, waiting on what the
engine reports, then checking what the panels hold. Each test runs with the engine in a child
process and in a thread of the window's process, but for those that reach into the live model."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from core.checkpoint import load_run
from core.device import pick_device
from core.latent import LatentDecoder
from tests.gui.helpers import (  # noqa: F401  (re-exported: other window tests import them from here)
    TIMEOUT_MS,
    close_window,
    engine_running,
    live_trainer,
    open_window,
    patch_engine_processes,
    press,
    record_events,
    type_into,
    wait_built,
    wait_engine_paused,
    wait_for_step,
)

SMALL = {"gan.hidden": "32", "data.batch_size": "64"}  # a small network keeps the tests quick on two cores


@pytest.fixture
def window(qtbot, placement):
    w = open_window(qtbot, "gan", "ring8", settings=SMALL, placement=placement)
    yield w
    close_window(w)


def test_train_fills_every_panel(qtbot, window):
    w = window
    press(qtbot, w, "train")
    wait_for_step(qtbot, w, 50)
    qtbot.waitUntil(lambda: w.session.snapshot is not None and w.session.snapshot["step"] > 0, timeout=TIMEOUT_MS)
    panels = {type(p).__name__: p for p in w.panels.all()}
    # While training runs, the window's timer draws the panels in turns.
    qtbot.waitUntil(lambda: all(p._drawn_versions is not None for p in panels.values()), timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: (panels["GanLossesPanel"].curves["loss_d"].getOriginalDataset()[0] is not None
                             and len(panels["GanLossesPanel"].curves["loss_d"].getOriginalDataset()[0]) > 10),
                    timeout=TIMEOUT_MS)
    losses = panels["GanLossesPanel"].curves["loss_d"].getOriginalDataset()
    assert losses[0] is not None and len(losses[0]) > 10
    assert np.isfinite(losses[1]).all()
    plane = panels["GanPlaneView"]
    assert len(plane.fake.data) == 512 and len(plane.real.data) == 512
    assert plane.heat.image.shape == (48, 48)
    assert plane.heat.levels is not None and tuple(np.ravel(plane.heat.levels)) == (0.0, 1.0)
    d_panel = panels["DOutputsPanel"]
    x, y = d_panel.hist_real.getData()
    assert y.sum() == pytest.approx(1.0, abs=1e-6)  # a histogram of fractions
    assert w.session.device == str(pick_device("auto"))  # the engine's device, as it reported it
    qtbot.waitUntil(lambda: w.status_labels["device"].text() == f"device: {w.session.device}", timeout=TIMEOUT_MS)
    assert w.session.state == "running"


def test_pause_stops_the_step_count_and_resume_continues(qtbot, window):
    w = window
    events = record_events(w)
    press(qtbot, w, "train")
    wait_for_step(qtbot, w, 20)
    press(qtbot, w, "pause")
    wait_engine_paused(qtbot, w, events)
    assert w.actions_by_name["pause"].text() == "Resume"
    step = w.session.step
    history_step = w.session.history["step"]
    qtbot.wait(400)  # nothing may happen meanwhile
    assert w.session.step == step and w.session.history["step"] == history_step
    press(qtbot, w, "pause")  # now labelled Resume
    qtbot.waitUntil(lambda: w.session.step > step + 10, timeout=TIMEOUT_MS)
    assert w.session.state == "running"
    assert any(kind == "resumed" for kind, _ in events)


def test_space_toggles_pause_and_step_advances_exactly_one(qtbot, window):
    w = window
    events = record_events(w)
    press(qtbot, w, "train")
    wait_for_step(qtbot, w, 10)
    w.setFocus()
    qtbot.keyClick(w, Qt.Key_Space)
    wait_engine_paused(qtbot, w, events)
    step = w.session.step
    press(qtbot, w, "step")
    # After its single step the engine pauses again and says so (a second "paused" event), after
    # that step's metric row: nothing more can come, so the counts are exact.
    qtbot.waitUntil(lambda: sum(kind == "paused" for kind, _ in events) == 2, timeout=TIMEOUT_MS)
    assert w.session.step == step + 1 and w.session.history["step"] == step + 1
    assert w.session.history["steps"][-1] == step  # the row of that one step (rows number from 0)
    assert w.session.state == "paused"
    qtbot.waitUntil(lambda: w.session.snapshot is not None and w.session.snapshot["step"] == step + 1,
                    timeout=TIMEOUT_MS)  # a Step ends with the weights of that step


def test_save_then_load_restores_the_run(qtbot, window, tmp_path, monkeypatch):
    w = window
    run = tmp_path / "run"  # Save asks for a new folder's name; Load for an existing folder
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(run), "")))
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(lambda *a, **k: str(run)))
    press(qtbot, w, "train")
    wait_for_step(qtbot, w, 30)
    press(qtbot, w, "save")
    qtbot.waitUntil(lambda: w.last_message[1].startswith("saved step"), timeout=TIMEOUT_MS)
    saved = load_run(run, device="cpu")
    assert saved.step >= 30 and w.session.saved_step == saved.step
    qtbot.waitUntil(lambda: w.session.step > saved.step + 20, timeout=TIMEOUT_MS)
    asked = []
    w.confirm_discard = lambda action, unsaved: asked.append((action, unsaved)) or True
    press(qtbot, w, "load")
    qtbot.waitUntil(lambda: w.session.state == "paused", timeout=TIMEOUT_MS)  # the engine's word
    assert asked and asked[0][0] == "Load" and asked[0][1] >= 20  # the steps since the save
    assert w.session.step == saved.step and w.session.saved_step == saved.step
    # The engine's weights and history reach the window: its copy of the model, its history.
    qtbot.waitUntil(lambda: w.session.snapshot is not None and w.session.snapshot["step"] == saved.step,
                    timeout=TIMEOUT_MS)
    now = w.session.model.state_dict()
    for key, value in saved.model.state_dict().items():
        assert torch.equal(now[key], value), key
    saved_steps, saved_values = saved.history.arrays()
    assert np.array_equal(w.session.history["steps"], saved_steps)
    assert np.allclose(w.session.history["values"], saved_values, equal_nan=True)
    if w.session.placement == "thread":
        live = live_trainer(w)
        assert live.step == saved.step
        for key, value in saved.model.state_dict().items():
            assert torch.equal(live.model.state_dict()[key].cpu(), value), key
    # It carries on from there.
    press(qtbot, w, "train")
    qtbot.waitUntil(lambda: w.session.step > saved.step + 5, timeout=TIMEOUT_MS)
    assert w.session.history["steps"][0] == saved_steps[0]  # the same history, continued


def test_load_of_a_non_run_shows_an_error_and_keeps_the_model(qtbot, window, tmp_path, monkeypatch):
    w = window
    (tmp_path / "checkpoint.safetensors").write_bytes(b"not a checkpoint at all")
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(lambda *a, **k: str(tmp_path)))
    model_before, run_before = w.session.model, w.session.run_id
    press(qtbot, w, "load")
    assert w.last_message[0] == "error"
    assert "not a genviz checkpoint" in w.last_message[1]
    assert w.error_box is not None and w.error_box.isVisible()
    assert w.session.model is model_before and w.session.run_id == run_before
    press(qtbot, w, "train")  # the engine still has the model, and trains it
    wait_for_step(qtbot, w, 5)


def test_slider_moves_the_marker_while_training(qtbot, window):
    w = window
    press(qtbot, w, "train")
    wait_for_step(qtbot, w, 20)
    qtbot.waitUntil(lambda: w.session.snapshot is not None and w.session.snapshot["step"] > 0, timeout=TIMEOUT_MS)
    sliders = w.panels.sliders
    plane = w.panels.main
    before = None if plane.marker_xy is None else plane.marker_xy.copy()
    sliders.sliders[0].setValue(250)
    sliders.sliders[1].setValue(-150)
    z = np.array([2.5, -1.5], np.float32)
    assert np.allclose(sliders.z(), z)
    expected = w.session.decoder.decode(z)
    assert plane.marker_xy is not None and np.allclose(plane.marker_xy, expected, atol=1e-6)
    assert before is None or not np.allclose(before, plane.marker_xy)
    assert w.session.state == "running"
    # The decoder copy tracks training: it matches the generator in the latest snapshot.
    snap = w.session.snapshot
    reference = LatentDecoder(w.session.model.G)
    reference.load(snap["decoder_state"])
    assert np.allclose(reference.decode(z), w.session.decoder.decode(z))


def test_interpolation_path_is_drawn(qtbot, window):
    w = window
    press(qtbot, w, "train")
    qtbot.waitUntil(lambda: w.session.snapshot is not None, timeout=TIMEOUT_MS)
    qtbot.wait(100)
    interp = w.panels.interpolation
    interp.steps.setValue(9)
    x, _ = w.panels.main.path.getData()
    assert x is not None and len(x) == 9
    interp.show_box.setChecked(False)
    x, _ = w.panels.main.path.getData()
    assert x is None or len(x) == 0


def test_live_learning_rate_change_applies_without_reset(qtbot, window, tmp_path):
    w = window
    press(qtbot, w, "train")
    wait_for_step(qtbot, w, 10)
    events = record_events(w)
    model, run = w.session.model, w.session.run_id
    type_into(qtbot, w, "gan.lr_g", "0.00123")
    qtbot.waitUntil(lambda: ("applied", "gan.lr_g = 0.00123") in events, timeout=TIMEOUT_MS)  # the engine's word
    assert model.params.lr_g == pytest.approx(0.00123)  # the window's copy agrees
    assert w.session.model is model and w.session.run_id == run  # no reset
    assert w.session.state == "running" and not any(kind == "built" for kind, _ in events)
    step = w.session.step
    qtbot.waitUntil(lambda: w.session.step > step + 5, timeout=TIMEOUT_MS)  # training goes on
    # The engine's optimizer trains with it: its lr is the base lr times the (slowly varying) cosine factor.
    if w.session.placement == "thread":
        live = live_trainer(w)
        qtbot.waitUntil(lambda: live.model.optimizers["g"].param_groups[0]["lr"]
                        == pytest.approx(0.00123 * live.model.lr_factor(live.step), rel=1e-3), timeout=TIMEOUT_MS)
    w.session.save(str(tmp_path))  # in either placement, the saved optimizer says so
    qtbot.waitUntil(lambda: any(kind == "saved" for kind, _ in events), timeout=TIMEOUT_MS)
    saved = load_run(tmp_path, device="cpu")
    assert saved.model.base_lr["g"] == pytest.approx(0.00123)
    assert saved.model.optimizers["g"].param_groups[0]["lr"] == pytest.approx(
        0.00123 * saved.model.lr_factor(saved.step), rel=1e-3)


def test_bad_value_is_flagged_as_typed(qtbot, window):
    w = window
    run = w.session.run_id
    type_into(qtbot, w, "gan.lr_d", "-3")
    editor = w.settings_panel.editors[("gan", "lr_d")]
    assert "border" in editor.styleSheet()
    assert "gan.lr_d" in w.settings_panel.message.text() and "allowed" in w.settings_panel.message.text()
    w.on_reset()  # refuses, with a dialog, and keeps the current model
    assert w.last_message[0] == "error" and "gan.lr_d" in w.last_message[1]
    assert w.session.run_id == run


NAN_AT = 60
POISON_THE_ENGINE = f'''
import torch
from core.models.gan2d import GAN2D

real_step = GAN2D.training_step

def poisoned(self, step):
    out = real_step(self, step)
    if step == {NAN_AT}:
        out["loss_d"] = torch.tensor(float("nan"))
    return out

GAN2D.training_step = poisoned
'''


def test_nan_pauses_restores_and_reports(qtbot, placement, monkeypatch, tmp_path):
    if placement == "process":  # the same poisoned step, in the engine's process
        patch_engine_processes(monkeypatch, tmp_path, POISON_THE_ENGINE)
    w = open_window(qtbot, "gan", "ring8", settings=SMALL, placement=placement)
    try:
        wait_built(qtbot, w)
        trainer = live_trainer(w) if placement == "thread" else None
        if trainer is not None:
            real_step = trainer.model.training_step

            def poisoned(step):
                out = real_step(step)
                if step == NAN_AT:
                    out["loss_d"] = torch.tensor(float("nan"))
                return out

            trainer.model.training_step = poisoned
        press(qtbot, w, "train")
        qtbot.waitUntil(lambda: w.last_message[0] == "error", timeout=TIMEOUT_MS)
        assert "NaN" in w.last_message[1] and f"step {NAN_AT}" in w.last_message[1]
        qtbot.waitUntil(lambda: w.session.state == "paused", timeout=TIMEOUT_MS)
        s = w.session
        assert s.step <= NAN_AT
        # The window went back with the engine: its step and history are those of the restored state,
        if trainer is not None:
            assert trainer.step == s.step and trainer.paused and trainer.model.state_is_finite()
        assert s.history["step"] == s.step
        assert len(s.history["steps"]) == 0 or s.history["steps"].max() < s.step
        # and so are its views, made from the restored weights.
        qtbot.waitUntil(lambda: s.snapshot is not None and s.snapshot["step"] == s.step, timeout=TIMEOUT_MS)
        assert s.model.state_is_finite()
    finally:
        close_window(w)


def test_closing_while_training_ends_the_engine(qtbot, window):
    w = window
    press(qtbot, w, "train")
    wait_for_step(qtbot, w, 10)
    link, shadow = w.session.link, w.session.shadow
    assert w.session.state == "running" and engine_running(w) and shadow.isRunning()
    w.close()  # returns once the engine has ended (a hang fails the suite's timeout)
    assert not engine_running(w) and not shadow.isRunning()
    if link.placement == "process":
        assert link.process.returncode == 0  # it shut down when asked, it was not killed


def test_reset_asks_before_discarding_unsaved_steps(qtbot, window, tmp_path):
    w = window
    press(qtbot, w, "train")
    wait_for_step(qtbot, w, 20)
    model, run = w.session.model, w.session.run_id
    answers = []
    w.confirm_discard = lambda action, unsaved: answers.append((action, unsaved)) or False  # Cancel
    press(qtbot, w, "reset")
    assert answers and answers[0][0] == "Reset" and answers[0][1] >= 20
    assert w.session.model is model and w.session.run_id == run and w.session.step >= 20  # nothing was lost
    press(qtbot, w, "stop")
    qtbot.waitUntil(lambda: w.session.state == "stopped", timeout=TIMEOUT_MS)
    w.save_to(str(tmp_path))
    qtbot.waitUntil(lambda: w.session.saved_step == w.session.step, timeout=TIMEOUT_MS)  # the engine saved
    assert load_run(tmp_path, device="cpu").step == w.session.step
    press(qtbot, w, "reset")  # nothing unsaved: no prompt (an unexpected one fails the test)
    assert w.session.model is not model and w.session.step == 0
    wait_built(qtbot, w)
    assert w.session.step == 0 and w.session.state == "idle"  # the engine's new model starts afresh
