"""The image GAN's window driven as a person would: a tiny DCGAN on MNIST set through the settings
editors, the real toolbar buttons, waiting on what the engine reports, then checking that each panel
shows what the snapshots and the history hold. The lesson's button is pressed while training runs."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

import core.classifier as clf
from core.models.gan_image import ImageGAN
from gui.panels.gan_image_panels import (
    ClassHistogramPanel,
    DHistogramPanel,
    GanInterpolationPanel,
    GanSamplesPanel,
    GanSliderPanel,
)
from gui.panels.gan_lesson import NO_VALUE_YET, VanishingGradientLesson, number
from gui.panels.image_grid import PAD
from gui.panels.registry import RIGHT
from tests.gui.helpers import (
    TIMEOUT_MS,
    close_window,
    open_window,
    pause_and_settle,
    press,
    record_events,
    wait_for_step,
)

# Quick on two cores: a DCGAN with 8 channels, an 8-d z, batches of 16, no EMA (samples = the live G).
SMALL = {"gan.channels": "8", "gan.latent_dim": "8", "data.batch_size": "16", "gan.ema": "0"}
PROGRESS = "training the digit classifier… 45%"


@pytest.fixture
def make_window(qtbot, monkeypatch, placement, stand_in_classifier_cache):
    """Windows on a tiny MNIST GAN. No classifier, whatever this machine has cached, so no test
    trains the real one; prepare() reports progress the way the classifier's training does."""
    monkeypatch.setattr(ImageGAN, "_cached_classifier", lambda self: None)
    monkeypatch.setattr(ImageGAN, "_classifier_applies", lambda self: False)
    monkeypatch.setattr(ImageGAN, "prepare", lambda self, progress=None: progress and progress(PROGRESS))
    monkeypatch.setenv(clf.CACHE_ENV, str(stand_in_classifier_cache))  # for an engine in its own process
    made = []

    def make(preset: str | None = None, **settings):
        w = open_window(qtbot, "gan", "mnist", preset, {**SMALL, **settings}, placement=placement)
        made.append(w)
        return w

    yield make
    for w in made:
        close_window(w)


def panel(w, cls):
    return next(p for p in w.panels.all() if type(p) is cls)


def pause_and_draw(qtbot, w) -> None:
    """Pause, wait until the engine paused and the window holds the views of the step it paused
    at, then draw every panel from them."""
    pause_and_settle(qtbot, w)
    for p in w.panels.all():
        p.force_redraw()
    w.redraw_all()


def drawn(w) -> bool:
    """Draw the panels whose data changed now, rather than when the window's timer gets to them
    (while training runs it draws within a CPU budget, which a polling test would use up)."""
    w.redraw_all()
    return True


def tile(picture: np.ndarray, index: int, cols: int, side: int = 28) -> np.ndarray:
    r, c = divmod(index, cols)
    return picture[r * (side + PAD): r * (side + PAD) + side, c * (side + PAD): c * (side + PAD) + side]


def fractions(values: np.ndarray, bins: int, low: float, high: float) -> np.ndarray:
    """The definition: the share of values in each of `bins` equal bins of [low, high]."""
    width = (high - low) / bins
    index = np.clip(np.floor((np.asarray(values, np.float64) - low) / width), 0, bins - 1).astype(int)
    return np.bincount(index, minlength=bins) / len(values)


def test_training_fills_the_samples_grid_and_the_d_histogram_history(qtbot, make_window):
    w = make_window()
    d_hist = panel(w, DHistogramPanel)
    press(qtbot, w, "train")
    wait_for_step(qtbot, w, 20)
    pause_and_draw(qtbot, w)
    filled = d_hist.buffer.filled
    assert filled >= 1 and d_hist.buffer.steps[-1] == w.session.snapshot["step"]
    for _ in range(3):  # each Step ends with a snapshot, and each snapshot adds one column
        step = w.session.step
        press(qtbot, w, "step")
        qtbot.waitUntil(lambda s=step: w.session.snapshot is not None and w.session.snapshot["step"] == s + 1
                        and d_hist.buffer.steps[-1] == s + 1, timeout=TIMEOUT_MS)
        filled += 1
        assert d_hist.buffer.filled == filled
        assert d_hist.buffer.steps[-1] == step + 1
    w.redraw_all()
    snap = w.session.snapshot

    grid = panel(w, GanSamplesPanel).grid
    picture = grid.displayed()
    assert grid.count == 64 and snap["samples"].shape == (64, 1, 28, 28)
    assert picture.shape == (8 * 29 - PAD, 8 * 29 - PAD)
    for i in (0, 9, 63):  # upright and in order: tile i is sample i
        assert np.array_equal(tile(picture, i, 8), snap["samples"][i, 0])
    assert tuple(np.ravel(grid.image.levels)) == (0.0, 1.0)

    buffer = d_hist.buffer
    assert buffer.steps[-1] == snap["step"]  # the newest column is this snapshot's (its values: below)
    assert buffer.filled <= buffer.capacity and buffer.counts.shape == (2, 200, 40)
    probability = bool(snap["d_is_probability"])
    assert probability == (w.session.model.params.loss in ("minimax", "non-saturating"))
    for kind, key in enumerate(("d_real_values", "d_fake_values")):
        column = buffer.counts[kind, -1]
        assert column.sum() == pytest.approx(1.0, abs=1e-5)
        assert np.allclose(column, fractions(snap[key], 40, buffer.low, buffer.high), atol=1e-6)
        assert np.all(buffer.counts[kind, : buffer.capacity - buffer.filled] == 0)  # older than the run: empty
    image = d_hist.image.image
    assert image.shape == (200, 40, 3) and tuple(np.ravel(d_hist.image.levels)) == (0.0, 1.0)
    assert np.all(image[: buffer.capacity - buffer.filled] == 1.0)  # no data: white paper
    real_now, fake_now = d_hist.now_real.opts["width"], d_hist.now_fake.opts["width"]
    assert np.allclose(real_now, buffer.counts[0, -1]) and np.allclose(fake_now, buffer.counts[1, -1])

    for name in ("loss_d", "grad_norm_g"):
        losses = [p for p in w.panels.all() if name in getattr(p, "curves", {})][0]
        steps, values = losses.curves[name].getOriginalDataset()
        # One point per step trained (20 or more, then 3 Steps), none missing.
        assert w.session.step >= 23 and np.array_equal(steps, np.arange(w.session.step))
        assert np.isfinite(values).all()

    lesson = panel(w, VanishingGradientLesson)  # the newest step's figures, as the history has them
    last = dict(zip(w.session.history["names"], w.session.history["last"], strict=True))
    for key in ("d_fake", "loss_d", "grad_norm_g"):
        assert lesson.values[key].text() == number(last[key])
    assert lesson.values["loss"].text() == w.session.model.params.loss

    classes = panel(w, ClassHistogramPanel)
    assert "class_fractions" not in snap
    assert "No class histogram yet" in classes.summary.text()
    assert np.all(classes.bars.opts["height"] == 0)


@pytest.mark.parametrize("placement", ["thread"])  # prepare() is replaced in this process only
def test_trainer_status_events_show_in_the_status_bar(qtbot, make_window):
    w = make_window()
    shown = []
    w.statusBar().messageChanged.connect(shown.append)
    press(qtbot, w, "train")
    wait_for_step(qtbot, w, 2)
    assert PROGRESS in shown  # prepare() ran in the engine; its progress crossed as an event


@pytest.mark.parametrize("placement", ["thread"])  # panels and sliders only: one placement is enough
def test_class_histogram_shows_the_classifier_figures(qtbot, make_window, monkeypatch):
    """With a classifier the snapshot carries class_fractions, kl_to_uniform and mnist_score. A stand-in
    classifier (class = brightness decile of the sample) adds them, so no real classifier is trained."""
    real_snapshot = ImageGAN.snapshot

    def with_classes(self):
        snap = real_snapshot(self)
        brightness = snap["samples"].reshape(64, -1).mean(1)
        scale = brightness.max() - brightness.min() + 1e-6
        labels = np.minimum(((brightness - brightness.min()) / scale * 10).astype(int), 9)
        share = np.bincount(labels, minlength=10) / len(labels)
        nonzero = share[share > 0]
        snap["class_fractions"] = share.astype(np.float32)
        snap["kl_to_uniform"] = np.float32(np.sum(nonzero * np.log(10 * nonzero)))
        snap["mnist_score"] = np.float32(3.25)
        return snap

    monkeypatch.setattr(ImageGAN, "snapshot", with_classes)
    w = make_window()
    press(qtbot, w, "train")
    wait_for_step(qtbot, w, 10)
    pause_and_draw(qtbot, w)
    snap = w.session.snapshot
    classes = panel(w, ClassHistogramPanel)
    heights = np.asarray(classes.bars.opts["height"])
    assert len(heights) == 10 and heights.sum() == pytest.approx(1.0, abs=1e-6)
    assert np.allclose(heights, snap["class_fractions"])
    text = classes.summary.text()
    assert f"{float(snap['kl_to_uniform']):.3f}" in text and "3.25 of 10" in text
    under = [str(i) for i in range(10) if snap["class_fractions"][i] < 0.05]
    assert ("under 5%: " + (", ".join(under) if under else "none")) in text


def test_slider_decodes_at_once_while_training(qtbot, make_window):
    w = make_window()
    press(qtbot, w, "train")
    wait_for_step(qtbot, w, 10)
    qtbot.waitUntil(lambda: w.session.snapshot is not None, timeout=TIMEOUT_MS)
    view = panel(w, GanSliderPanel).tile
    sliders = w.panels.sliders
    assert len(sliders.sliders) == 8  # z has 8 dimensions here: one slider each
    sliders.sliders[0].setValue(250)
    first = view.displayed().copy()
    sliders.sliders[3].setValue(-250)
    z = sliders.z()
    assert z[0] == pytest.approx(2.5) and z[3] == pytest.approx(-2.5)
    # No event was processed since the move: the picture was drawn by the move itself, from G(z).
    expected = w.session.decoder.decode(z)
    assert expected.shape == (1, 28, 28)
    assert np.allclose(view.displayed(), expected[0], atol=1e-6)
    assert not np.allclose(first, view.displayed())  # the move changed the picture
    assert w.session.state == "running"


@pytest.mark.parametrize("placement", ["thread"])  # panels and sliders only: one placement is enough
def test_interpolation_strip_decodes_n_images_between_the_end_points(qtbot, make_window):
    w = make_window()
    press(qtbot, w, "train")
    wait_for_step(qtbot, w, 10)
    pause_and_draw(qtbot, w)
    strip = panel(w, GanInterpolationPanel)
    assert strip is w.panels.interpolation
    strip.mode.setCurrentText("lerp")
    strip.steps.setValue(9)
    assert strip.tile.count == 9
    picture = strip.tile.displayed()
    cols = (picture.shape[1] + PAD) // (28 + PAD)
    decoder = w.session.decoder
    assert np.allclose(tile(picture, 0, cols), decoder.decode(strip.z0)[0], atol=1e-5)  # t = 0 is G(z₀)
    assert np.allclose(tile(picture, 8, cols), decoder.decode(strip.z1)[0], atol=1e-5)  # t = 1 is G(z₁)
    middle = decoder.decode(0.5 * (strip.z0 + strip.z1))[0]
    assert np.allclose(tile(picture, 4, cols), middle, atol=1e-5)  # lerp at t = 1/2
    old_z0 = strip.z0.copy()
    strip.new_end_points()
    assert not np.allclose(strip.z0, old_z0)
    assert np.allclose(tile(strip.tile.displayed(), 0, cols), decoder.decode(strip.z0)[0], atol=1e-5)


def test_lesson_button_switches_g_to_non_saturating_while_training(qtbot, make_window):
    w = make_window("vanishing-gradient", **{"gan.d_steps": "1"})  # the preset, but 5 D steps cost 5x the time
    lesson = panel(w, VanishingGradientLesson)
    assert w.panels.docks[0] == (lesson, RIGHT)  # with the minimax loss the lesson comes first
    model = w.session.model
    assert model.params.loss == "minimax"
    press(qtbot, w, "train")
    wait_for_step(qtbot, w, 10)
    events, run = record_events(w), w.session.run_id
    qtbot.waitUntil(lambda: drawn(w) and lesson.values["d_fake"].text() != NO_VALUE_YET, timeout=TIMEOUT_MS)
    assert lesson.values["loss"].text() == "minimax"
    assert lesson.button.text() == "Switch G to non-saturating"
    step = w.session.step
    qtbot.mouseClick(lesson.button, Qt.LeftButton)
    assert model.params.loss == "non-saturating"  # the window's copy at once
    qtbot.waitUntil(lambda: ("applied", "gan.loss = non-saturating") in events, timeout=TIMEOUT_MS)  # the engine's
    assert w.session.state == "running" and w.session.model is model  # live: no reset, no pause
    assert w.session.run_id == run and not any(kind == "built" for kind, _ in events)
    assert w.settings_panel.editors[("gan", "loss")].currentText() == "non-saturating"  # the form agrees
    assert w.settings_panel.current_config().params.loss == "non-saturating"
    qtbot.waitUntil(lambda: drawn(w) and lesson.values["loss"].text() == "non-saturating", timeout=TIMEOUT_MS)
    assert lesson.button.text() == "Switch G back to minimax"
    qtbot.waitUntil(lambda: w.session.step > step + 5, timeout=TIMEOUT_MS)  # training goes on
    if w.session.placement == "thread":
        assert w.session.link.engine.trainer.model.params.loss == "non-saturating"


@pytest.mark.parametrize("placement", ["process"])
def test_two_d_vanishing_gradient_preset_puts_the_lesson_first(qtbot, placement):
    w = open_window(qtbot, "gan", "ring8", "vanishing-gradient", placement=placement)
    try:
        lesson = panel(w, VanishingGradientLesson)
        assert w.panels.docks[0] == (lesson, RIGHT)
        assert w.session.model.params.loss == "minimax"
        events = record_events(w)
        qtbot.mouseClick(lesson.button, Qt.LeftButton)  # not training: the window's copy changes at once
        assert w.session.model.params.loss == "non-saturating"
        assert w.settings_panel.editors[("gan", "loss")].currentText() == "non-saturating"
        assert w.settings_panel.pending.text() == ""  # a live setting: nothing waits for Reset
        qtbot.waitUntil(lambda: ("applied", "gan.loss = non-saturating") in events, timeout=TIMEOUT_MS)
    finally:
        close_window(w)
