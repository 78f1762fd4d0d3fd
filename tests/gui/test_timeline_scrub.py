"""The scrubber takes every panel back to a recorded step, while training goes on, on a loaded run too;
Live returns to the present."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from core.timeline import TIMELINE
from tests.gui.helpers import TIMEOUT_MS, close_window, open_window, press, wait_drawn

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def window(qtbot, placement):
    w = open_window(qtbot, "gan", "ring8", placement=placement)
    yield w
    close_window(w)


def step_and_keep_views(qtbot, w, steps: int) -> dict[int, object]:
    """Press Step `steps` times; the full live snapshot the window showed after each, by step."""
    shown = {}
    for _ in range(steps):
        target = w.session.step + 1
        press(qtbot, w, "step")
        qtbot.waitUntil(lambda t=target: w.session.snapshot is not None and w.session.snapshot["step"] == t
                        and w.session.snapshot.is_full, timeout=TIMEOUT_MS)
        shown[target] = w.session.snapshot
    return shown


def drag_to(w, step: int) -> None:
    """Move the scrubber's handle to the recorded step, as a drag does."""
    bar = w.timeline_bar
    bar.sync()
    bar.slider.setValue(bar._steps.index(step))


def same_views(a, b) -> bool:
    keys = set(a.arrays) - {"decoder_state"}
    return keys == set(b.arrays) - {"decoder_state"} and all(np.array_equal(a[k], b[k]) for k in keys)


def history_steps(w) -> np.ndarray:
    return np.asarray(w.session.history["steps"])


def test_scrubbing_shows_each_panel_as_it_was_while_training_goes_on(qtbot, window):
    w, s = window, window.session
    shown = step_and_keep_views(qtbot, w, 4)
    assert s.timeline.steps()[-4:] == [1, 2, 3, 4]

    drag_to(w, 2)  # paused at step 4: back to step 2
    assert s.viewing == 2 and s.snapshot["step"] == 2
    assert same_views(s.snapshot, shown[2])  # exactly what the window showed live at step 2
    assert history_steps(w).max() == 2 and s.history["step"] == 2
    wait_drawn(qtbot, w)  # every visible panel has drawn the past step
    assert "showing step 2" in w.timeline_bar.label.text() and w.timeline_bar.live_button.isEnabled()

    press(qtbot, w, "train")  # training goes on; the panels stay at step 2
    # the live history and the live views go on (the snapshot can trail the history on a busy machine)
    qtbot.waitUntil(lambda: np.max(s.live_history["steps"]) >= 60 and s.live_snapshot["step"] > 4,
                    timeout=TIMEOUT_MS)
    assert s.viewing == 2 and s.snapshot["step"] == 2 and history_steps(w).max() == 2

    w.timeline_bar.live_button.click()  # back to the present
    assert s.viewing is None and s.snapshot is s.live_snapshot and s.history is s.live_history
    assert history_steps(w).max() >= 60
    qtbot.waitUntil(lambda: s.snapshot["step"] >= 60, timeout=TIMEOUT_MS)
    assert not w.timeline_bar.live_button.isEnabled()


@pytest.mark.parametrize("placement", ["process"])
def test_a_loaded_runs_saved_timeline_can_be_scrubbed(qtbot, tmp_path, placement):
    run = tmp_path / "run"
    done = subprocess.run([sys.executable, "main.py", "train", "--model", "gan", "--dataset", "ring8", "--steps", "300",
                           "--out", str(run)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-500:]
    w = open_window(qtbot, "gan", "ring8", placement=placement)
    try:
        assert w.load_from(str(run))
        s = w.session
        qtbot.waitUntil(lambda: s.live_history is not None, timeout=TIMEOUT_MS)
        steps = s.timeline.steps()
        assert steps[0] == 0 and steps[-1] == 300 and len(steps) > 3
        middle = steps[len(steps) // 2]
        drag_to(w, middle)
        assert s.viewing == middle and s.snapshot["step"] == middle
        assert history_steps(w).max() <= middle and len(history_steps(w)) > 0
        # The same views as the model itself computes from that frame's weights
        import torch

        from core.build import build_model
        from core.snapshot import Snapshot

        model = build_model(s.cfg, device="cpu", views_only=True)
        frame = s.timeline.frame_at(middle)
        model.load_state_dict({k: torch.from_numpy(np.asarray(v)) for k, v in frame.weights.items()})
        model.eval()
        with torch.no_grad():
            assert same_views(s.snapshot, Snapshot(middle, model.snapshot()))
    finally:
        close_window(w)


def test_a_run_without_its_timeline_loads_and_says_so(qtbot, tmp_path):
    run = tmp_path / "run"
    done = subprocess.run([sys.executable, "main.py", "train", "--model", "gan", "--dataset", "ring8", "--steps", "50",
                           "--out", str(run)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-500:]
    (run / TIMELINE).write_bytes(b"not a timeline")  # damaged
    w = open_window(qtbot, "gan", "ring8")
    try:
        assert w.load_from(str(run)) and w.session.step == 50
        assert "could not be read" in w.session.timeline_note
        w.timeline_bar.sync()
        assert w.session.timeline_note in w.timeline_bar.label.text()
    finally:
        close_window(w)
