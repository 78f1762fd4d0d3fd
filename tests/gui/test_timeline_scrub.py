"""The scrubber takes every panel back to a recorded step, while training goes on, on a loaded run too;
Live returns to the present. Round trip: what every panel showed live at step S (its plotted data and
pictures) is what a fresh window that loads the saved run shows when scrubbed to S."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtWidgets import QFileDialog, QLabel

from core.timeline import TIMELINE
from gui.panels.base import keeps_record
from gui.panels.image_grid import PAD, PAD_VALUE, ImageGridView
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
    # the history as the window had it live at step 2: the rows of steps 0 and 1 (step 2's row, its loss,
    # comes once step 3 is done)
    assert list(history_steps(w)) == [0, 1] and s.history["step"] == 2
    wait_drawn(qtbot, w)  # every visible panel has drawn the past step
    assert "showing step 2" in w.timeline_bar.label.text() and w.timeline_bar.live_button.isEnabled()

    press(qtbot, w, "train")  # training goes on; the panels stay at step 2
    # the live history and the live views go on (the snapshot can trail the history on a busy machine)
    qtbot.waitUntil(lambda: np.max(s.live_history["steps"]) >= 60 and s.live_snapshot["step"] > 4,
                    timeout=TIMEOUT_MS)
    assert s.viewing == 2 and s.snapshot["step"] == 2 and history_steps(w).max() == 1

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


# -- round trip: what each panel showed live at step S, in a fresh window that loads the saved run --------------

ROUND_TRIP = {  # small enough for two cores; each model's whole panel set
    "gan-ring8": ("gan", "ring8", {"gan.hidden": "16", "data.batch_size": "32"}),
    "vae-mnist": ("vae", "mnist", {"vae.hidden": "64", "data.batch_size": "64", "vae.test_every": "10"}),
    "realnvp-moons": ("realnvp", "moons", {"realnvp.couplings": "4", "realnvp.hidden": "32", "data.batch_size": "128"}),
    "gan-mnist": ("gan", "mnist", {"gan.channels": "8", "gan.latent_dim": "8", "data.batch_size": "16", "gan.ema": "0"}),
}
STEPS, S = 3, 2  # steps trained live; the step compared (steps after it exist, so none of them may show)


def tiles(grid: ImageGridView) -> np.ndarray | None:
    """The images a grid view shows, one by one: how many go in a row follows the view's shape at the time
    it drew (a dock in a tab stack not yet shown has an older size), so the tiling is layout, not data."""
    picture = grid.displayed()
    if picture is None:
        return None
    height, width, n = picture.shape[0], picture.shape[1], grid.count
    for cols in range(1, n + 1):
        rows = math.ceil(n / cols)
        if (height + PAD) % rows or (width + PAD) % cols:
            continue
        h, w = (height + PAD) // rows - PAD, (width + PAD) // cols - PAD
        gaps = np.ones(picture.shape[:2], bool)
        cells = []
        for i in range(n):
            r, c = divmod(i, cols)
            cells.append(picture[r * (h + PAD): r * (h + PAD) + h, c * (w + PAD): c * (w + PAD) + w])
            gaps[r * (h + PAD): r * (h + PAD) + h, c * (w + PAD): c * (w + PAD) + w] = False
        if h > 0 and w > 0 and np.all(picture[gaps] == PAD_VALUE):
            return np.stack(cells)
    raise AssertionError(f"{n} tiles do not tile a {picture.shape} picture")


def brush_names(brushes) -> list:
    return [None if b is None else pg.mkBrush(b).color().name(pg.QtGui.QColor.NameFormat.HexArgb) for b in brushes]


def copied(a):
    return None if a is None else np.array(a)


def item_data(item, grid: ImageGridView | None):
    """What a plot item draws, or None for an item that draws no data (axes, view boxes)."""
    if isinstance(item.parentItem(), pg.PlotDataItem):
        return None  # the curve and symbols its PlotDataItem draws from its own data, taken there
    # Copies, taken now: a panel may hand pyqtgraph a view of a buffer it later rewrites in place
    if isinstance(item, pg.PlotDataItem):
        return copied(item.xData), copied(item.yData)
    if isinstance(item, pg.PlotCurveItem):
        return tuple(copied(a) for a in item.getData())
    if isinstance(item, pg.ScatterPlotItem):
        return item.data["x"].copy(), item.data["y"].copy(), brush_names(item.data["brush"])
    if isinstance(item, pg.ImageItem):
        if grid is not None and item is grid.image:
            return tiles(grid)
        return copied(item.image)
    if isinstance(item, pg.BarGraphItem):
        return {k: np.array(item.opts[k]) for k in ("x", "x0", "y", "y0", "height", "width")
                if item.opts.get(k) is not None}
    if isinstance(item, pg.TextItem):
        return item.toPlainText()
    if isinstance(item, pg.LabelItem):
        return item.text
    return None


def panel_data(panel) -> dict:
    """Everything a panel shows: each plot item's data (curves, points and their colours, pictures, bars,
    texts) with whether it is visible, and the text of each visible label."""
    data = {}
    for v, view in enumerate(panel.findChildren(pg.GraphicsView)):
        counts: dict[str, int] = {}
        for item in view.scene().items():
            kind = type(item).__name__
            counts[kind] = counts.get(kind, -1) + 1
            shown = item_data(item, view if isinstance(view, ImageGridView) else None)
            if shown is not None:
                data[f"{v}/{kind}{counts[kind]}"] = (item.isVisible(), shown)
    pca = getattr(panel, "_basis", None)
    if pca is not None and getattr(panel, "latent_dim", 2) > 2:
        # The VAE's latent scatter projects μ on its top two principal axes. An axis has no sign: the panel
        # keeps the one of the frame it drew before, so a window that drew step 3 first may show step 2
        # mirrored. Taken here with each axis's largest component positive, and μ itself exactly.
        sign = np.sign(pca[np.abs(pca).argmax(0), [0, 1]])
        for key, (visible, shown) in data.items():
            if "ScatterPlotItem" in key:
                data[key] = (visible, (shown[0] * sign[0], shown[1] * sign[1], shown[2]))
        data["mu"] = np.asarray(panel.mu)
    for i, label in enumerate(panel.findChildren(QLabel)):
        if label.isVisible():
            data[f"label{i}"] = label.text()
    return data


def window_data(w) -> dict[str, dict]:
    return {p.object_name: panel_data(p) for p in w.panels.all() if p.isVisible()}


def differences(a, b, path: str = "") -> list[str]:
    """Where two panel_data trees differ; exact (the scrubbed views are the model's own snapshot() of the
    same weights on the same CPU code as the live ones, so no float tolerance is needed)."""
    if isinstance(a, dict) or isinstance(b, dict):
        if not (isinstance(a, dict) and isinstance(b, dict)) or a.keys() != b.keys():
            return [f"{path}: {sorted(a) if isinstance(a, dict) else a!r} != {sorted(b) if isinstance(b, dict) else b!r}"]
        return [d for k in a for d in differences(a[k], b[k], f"{path}/{k}")]
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        if len(a) != len(b):
            return [f"{path}: {len(a)} items != {len(b)}"]
        return [d for i, (x, y) in enumerate(zip(a, b, strict=True)) for d in differences(x, y, f"{path}[{i}]")]
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        if a is None or b is None or not np.array_equal(np.asarray(a), np.asarray(b), equal_nan=True):
            return [f"{path}: arrays differ"]
        return []
    return [] if a == b else [f"{path}: {a!r} != {b!r}"]


def wait_for_step_shown(qtbot, w, step: int) -> None:
    """Until the window holds the full views and the history of `step` and has decoded the sliders and
    the interpolation path with that step's decoder (they re-decode when new weights come)."""
    s = w.session
    qtbot.waitUntil(lambda: s.snapshot is not None and s.snapshot["step"] == step and s.snapshot.is_full
                    and s.history is not None and s.history["step"] == step
                    and list(s.history["steps"][-1:]) == [step - 1]
                    and w._marker_version == s.snapshot_version, timeout=TIMEOUT_MS)


@pytest.mark.parametrize("run", list(ROUND_TRIP))
def test_a_reloaded_run_scrubbed_to_a_step_shows_each_panel_as_it_was_shown_live(
        qtbot, tmp_path, monkeypatch, stand_in_classifier_cache, run):
    import core.classifier as clf

    monkeypatch.setenv(clf.CACHE_ENV, str(stand_in_classifier_cache))
    model, dataset, settings = ROUND_TRIP[run]
    w = open_window(qtbot, model, dataset, None, settings)  # the engine in its own process, as by default
    try:
        for step in range(1, STEPS + 1):
            press(qtbot, w, "step")
            wait_for_step_shown(qtbot, w, step)
            if step == S:
                wait_drawn(qtbot, w)  # the window's own timer drew every panel
                live = window_data(w)
        w.save_to(str(tmp_path / "run"))
        qtbot.waitUntil(lambda: w.session.saved_step == STEPS, timeout=TIMEOUT_MS)
    finally:
        close_window(w)

    again = open_window(qtbot, model, dataset, None, settings)  # a fresh window
    try:
        monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(tmp_path / "run"))
        press(qtbot, again, "load")  # Load, as a person opens a run folder
        s = again.session
        qtbot.waitUntil(lambda: s.live_history is not None and s.snapshot is not None and s.step == STEPS,
                        timeout=TIMEOUT_MS)
        assert s.timeline.steps() == list(range(STEPS + 1))
        drag_to(again, S)
        assert s.viewing == S
        qtbot.waitUntil(lambda: again._marker_version == s.snapshot_version, timeout=TIMEOUT_MS)
        wait_drawn(qtbot, again)
        back = window_data(again)
        # Panels that keep a record over time (the image GAN's D histograms, the 2-D GAN's sample quality) were
        # rebuilt from the timeline's frames as the run loaded: one frame a step here, as they saw it live.
        records = [p.object_name for p in again.panels.all() if keeps_record(p) and p.object_name in back]
    finally:
        close_window(again)

    assert back.keys() == live.keys() and len(live) >= 8
    if "gan_class_histogram" in live:  # the stand-in classifier judged the samples: the bars hold their shares
        (heights,) = [v[1]["height"] for k, v in live["gan_class_histogram"].items() if "BarGraphItem" in k]
        assert heights.sum() == pytest.approx(1.0, abs=1e-5)
    for name in records:
        assert not draws_nothing(live[name]), name  # a record with columns or points to compare
    assert differences(live, back) == [], differences(live, back)


def draws_nothing(data: dict) -> bool:
    """No curve has points, no bar has width, every picture is blank."""
    for key, (_, shown) in ((k, v) for k, v in data.items() if not k.startswith(("label", "mu"))):
        if "PlotDataItem" in key and shown[0] is not None and len(shown[0]):
            return False
        if "BarGraphItem" in key and np.any(shown["width"] != 0):
            return False
        if "ImageItem" in key and shown is not None and np.ptp(shown) != 0:
            return False
    return True
