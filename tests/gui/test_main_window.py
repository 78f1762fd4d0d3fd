"""The window driven as a person would: real toolbar buttons, real sliders, waiting on the
worker's signals, then checking what the panels hold."""

from __future__ import annotations

import time

import numpy as np
import pytest
import torch
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QToolBar

from core.checkpoint import load_run
from core.latent import LatentDecoder

TIMEOUT_MS = 20000


@pytest.fixture
def window(qtbot):
    from gui.app import make_app
    from gui.main_window import MainWindow

    make_app()
    w = MainWindow("gan", "ring8")
    qtbot.addWidget(w)
    w.ask_save_on_close = lambda: "discard"
    # A small network keeps the tests quick on two cores.
    type_into(qtbot, w, "gan.hidden", "32")
    type_into(qtbot, w, "data.batch_size", "64")
    w.on_reset()
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.session.stop()


def type_into(qtbot, w, name: str, text: str) -> None:
    editor = w.settings_panel.editors[tuple(name.split("."))]
    editor.selectAll()
    qtbot.keyClicks(editor, text)


def press(qtbot, w, action_name: str) -> None:
    """Click the toolbar button of an action, like a person."""
    action = w.actions_by_name[action_name]
    toolbar = w.findChild(QToolBar, "training_toolbar")
    button = toolbar.widgetForAction(action)
    assert button is not None and button.isEnabled(), f"{action_name} button is not clickable"
    qtbot.mouseClick(button, Qt.LeftButton)


def wait_for_step(qtbot, w, at_least: int) -> None:
    qtbot.waitUntil(lambda: w.session.history is not None and w.session.history["step"] >= at_least,
                    timeout=TIMEOUT_MS)


def test_train_fills_every_panel(qtbot, window):
    w = window
    press(qtbot, w, "train")
    wait_for_step(qtbot, w, 50)
    qtbot.waitUntil(lambda: w.session.snapshot is not None and w.session.snapshot["step"] > 0, timeout=TIMEOUT_MS)
    panels = {type(p).__name__: p for p in w.panels.all()}
    # While training runs, the window draws within its CPU budget, one panel per timer tick.
    qtbot.waitUntil(lambda: all(p._drawn_versions is not None for p in panels.values()), timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: (panels["GanLossesPanel"].curves["loss_d"].getData()[0] is not None
                             and len(panels["GanLossesPanel"].curves["loss_d"].getData()[0]) > 10),
                    timeout=TIMEOUT_MS)
    losses = panels["GanLossesPanel"].curves["loss_d"].getData()
    assert losses[0] is not None and len(losses[0]) > 10
    assert np.isfinite(losses[1]).all()
    plane = panels["GanPlaneView"]
    assert len(plane.fake.data) == 512 and len(plane.real.data) == 512
    assert plane.heat.image.shape == (48, 48)
    assert plane.heat.levels is not None and tuple(np.ravel(plane.heat.levels)) == (0.0, 1.0)
    d_panel = panels["DOutputsPanel"]
    x, y = d_panel.hist_real.getData()
    assert y.sum() == pytest.approx(1.0, abs=1e-6)  # a histogram of fractions
    assert w.status_labels["device"].text() == "device: cpu"
    assert w.session.state == "running"


def test_pause_stops_the_step_count_and_resume_continues(qtbot, window):
    w = window
    press(qtbot, w, "train")
    wait_for_step(qtbot, w, 20)
    press(qtbot, w, "pause")
    qtbot.waitUntil(lambda: w.session.trainer.paused and w.session.state == "paused", timeout=TIMEOUT_MS)
    assert w.actions_by_name["pause"].text() == "Resume"
    qtbot.wait(100)
    step = w.session.trainer.step
    qtbot.wait(400)
    assert w.session.trainer.step == step
    press(qtbot, w, "pause")  # now labelled Resume
    qtbot.waitUntil(lambda: w.session.trainer.step > step + 10, timeout=TIMEOUT_MS)
    assert w.session.state == "running"


def test_space_toggles_pause_and_step_advances_exactly_one(qtbot, window):
    w = window
    press(qtbot, w, "train")
    wait_for_step(qtbot, w, 10)
    w.setFocus()
    qtbot.keyClick(w, Qt.Key_Space)
    qtbot.waitUntil(lambda: w.session.state == "paused", timeout=TIMEOUT_MS)
    qtbot.wait(200)
    step = w.session.trainer.step
    press(qtbot, w, "step")
    qtbot.waitUntil(lambda: w.session.trainer.step == step + 1, timeout=TIMEOUT_MS)
    qtbot.wait(200)
    assert w.session.trainer.step == step + 1
    assert w.session.state == "paused"


def test_save_then_load_restores_the_run(qtbot, window, tmp_path, monkeypatch):
    w = window
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(lambda *a, **k: str(tmp_path)))
    press(qtbot, w, "train")
    wait_for_step(qtbot, w, 30)
    press(qtbot, w, "save")
    qtbot.waitUntil(lambda: w.last_message[1].startswith("saved step"), timeout=TIMEOUT_MS)
    saved = load_run(tmp_path, device="cpu")
    qtbot.waitUntil(lambda: w.session.trainer.step > saved.step + 20, timeout=TIMEOUT_MS)
    asked = []
    w.confirm_discard = lambda action, unsaved: asked.append((action, unsaved)) or True
    press(qtbot, w, "load")
    qtbot.waitUntil(lambda: w.session.state == "paused", timeout=TIMEOUT_MS)
    assert asked and asked[0][0] == "Load" and asked[0][1] >= 20  # the steps since the save
    assert w.session.trainer.step == saved.step
    now = w.session.model.state_dict()
    for key, value in saved.model.state_dict().items():
        assert torch.equal(now[key], value), key
    # It carries on from there.
    press(qtbot, w, "train")
    qtbot.waitUntil(lambda: w.session.trainer.step > saved.step + 5, timeout=TIMEOUT_MS)


def test_load_of_a_non_run_shows_an_error_and_keeps_the_model(qtbot, window, tmp_path, monkeypatch):
    w = window
    (tmp_path / "checkpoint.safetensors").write_bytes(b"not a checkpoint at all")
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(lambda *a, **k: str(tmp_path)))
    model_before = w.session.model
    press(qtbot, w, "load")
    assert w.last_message[0] == "error"
    assert "not a genviz checkpoint" in w.last_message[1]
    assert w.error_box is not None and w.error_box.isVisible()
    assert w.session.model is model_before


def test_slider_moves_the_marker_while_training(qtbot, window):
    w = window
    press(qtbot, w, "train")
    wait_for_step(qtbot, w, 20)
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


def test_live_learning_rate_change_applies_without_reset(qtbot, window):
    w = window
    press(qtbot, w, "train")
    wait_for_step(qtbot, w, 10)
    model = w.session.model
    type_into(qtbot, w, "gan.lr_g", "0.00123")
    qtbot.waitUntil(lambda: model.base_lr["g"] == pytest.approx(0.00123), timeout=TIMEOUT_MS)
    assert w.session.model is model  # no reset
    # The optimizer's lr is the base lr times the (slowly varying) cosine schedule factor.
    qtbot.waitUntil(lambda: model.optimizers["g"].param_groups[0]["lr"]
                    == pytest.approx(0.00123 * model.lr_factor(w.session.trainer.step), rel=1e-3),
                    timeout=TIMEOUT_MS)


def test_bad_value_is_flagged_as_typed(qtbot, window):
    w = window
    type_into(qtbot, w, "gan.lr_d", "-3")
    editor = w.settings_panel.editors[("gan", "lr_d")]
    assert "border" in editor.styleSheet()
    assert "gan.lr_d" in w.settings_panel.message.text() and "allowed" in w.settings_panel.message.text()
    w.on_reset()  # refuses, with a dialog, and keeps the current model
    assert w.last_message[0] == "error" and "gan.lr_d" in w.last_message[1]


def test_nan_pauses_restores_and_reports(qtbot, window):
    w = window
    model = w.session.model
    real_step = model.training_step

    def poisoned(step):
        out = real_step(step)
        if step == 60:
            out["loss_d"] = torch.tensor(float("nan"))
        return out

    model.training_step = poisoned
    press(qtbot, w, "train")
    qtbot.waitUntil(lambda: w.last_message[0] == "error", timeout=TIMEOUT_MS)
    assert "NaN" in w.last_message[1]
    qtbot.waitUntil(lambda: w.session.state == "paused", timeout=TIMEOUT_MS)
    assert w.session.trainer.step <= 60
    assert model.state_is_finite()


def test_closing_while_training_stops_the_thread_quickly(qtbot, window):
    w = window
    press(qtbot, w, "train")
    wait_for_step(qtbot, w, 10)
    thread = w.session.thread
    assert thread is not None and thread.isRunning()
    t0 = time.perf_counter()
    w.close()
    assert time.perf_counter() - t0 < 2.0
    assert w.session.thread is None


def test_reset_asks_before_discarding_unsaved_steps(qtbot, window, tmp_path):
    w = window
    press(qtbot, w, "train")
    wait_for_step(qtbot, w, 20)
    model = w.session.model
    answers = []
    w.confirm_discard = lambda action, unsaved: answers.append((action, unsaved)) or False  # Cancel
    press(qtbot, w, "reset")
    assert answers and answers[0][0] == "Reset" and answers[0][1] >= 20
    assert w.session.model is model and w.session.trainer.step >= 20  # nothing was lost
    press(qtbot, w, "stop")
    qtbot.waitUntil(lambda: w.session.thread is None, timeout=TIMEOUT_MS)
    w.save_to(str(tmp_path))  # no thread runs: saved at once
    press(qtbot, w, "reset")  # nothing unsaved: no prompt (an unexpected one fails the test)
    assert w.session.model is not model and w.session.trainer.step == 0
