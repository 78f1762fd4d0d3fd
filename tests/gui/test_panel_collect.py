"""Panels collect their data when a snapshot arrives, not when they get a draw turn: with every
snapshot handed to PanelSet.collect, what a panel keeps over time is the same whether it drew
after each snapshot, after some, or once at the end. Panels built by the real build_panels from
a real small model, on snapshots the model really takes between training steps."""

from __future__ import annotations

from functools import cache
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from core.build import build_model
from core.models.gan_image import ImageGAN
from core.presets import build_config
from core.snapshot import Snapshot
from gui.panels.gan_image_panels import DHistogramPanel
from gui.panels.histogram_history import HistogramHistory
from gui.panels.registry import build_panels
from gui.style import FAKE, REAL

SMALL = {"gan.channels": "8", "gan.latent_dim": "8", "data.batch_size": "16", "gan.ema": "0",
         "train.device": "cpu", "train.seed": "3"}
SNAPSHOTS = 9


@cache
def snapshots(loss: str) -> tuple[ImageGAN, list[dict]]:
    """A tiny MNIST GAN's snapshots, one after each training step, with the step the worker adds.
    No digit classifier, whatever this machine has cached: the test never trains one."""
    torch.set_num_threads(1)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(ImageGAN, "_cached_classifier", lambda self: None)
        mp.setattr(ImageGAN, "_classifier_applies", lambda self: False)
        model = build_model(build_config("gan", "mnist", None, {**SMALL, "gan.loss": loss}))
        taken = []
        for step in range(1, SNAPSHOTS + 1):
            model.train()
            model.training_step(step)
            model.eval()
            with torch.no_grad():
                taken.append(Snapshot(step, model.snapshot()))
    return model, taken


def session(model, snap: Snapshot, version: int) -> SimpleNamespace:
    """What render() reads: the latest snapshot and its version (no metric history here)."""
    return SimpleNamespace(model=model, snapshot=snap, snapshot_version=version, history=None, history_version=0,
                           viewing=None, state="running", cfg=model.cfg)


def feed(model, taken: list[Snapshot], draw_after: set[int]):
    """Fresh panels, every snapshot collected as it arrives; every panel draws only after the
    snapshots whose index is in draw_after."""
    panels = build_panels(model)
    for i, snap in enumerate(taken):
        panels.collect(snap)
        if i in draw_after:
            for p in panels.all():
                p.render(session(model, snap, i + 1))
    return panels


def histories(panels) -> dict[str, HistogramHistory]:
    """Every HistogramHistory any panel keeps, by panel and attribute: a panel added later with
    its own history is checked too."""
    return {f"{type(p).__name__}.{name}": value for p in panels.all()
            for name, value in vars(p).items() if isinstance(value, HistogramHistory)}


def fractions(values: np.ndarray, bins: int, low: float, high: float) -> np.ndarray:
    """The definition: the share of values in each of `bins` equal bins of [low, high]."""
    width = (high - low) / bins
    index = np.clip(np.floor((np.asarray(values, np.float64) - low) / width), 0, bins - 1).astype(int)
    return np.bincount(index, minlength=bins) / len(values)


@pytest.mark.parametrize("loss", ["non-saturating", "wgan-gp"])  # probabilities, and raw critic values
def test_every_snapshot_makes_a_d_histogram_column_however_few_draw_turns(qtbot, loss):
    model, taken = snapshots(loss)
    last = len(taken) - 1
    once = feed(model, taken, draw_after={last})
    some = feed(model, taken, draw_after={2, 3, last})
    every = feed(model, taken, draw_after=set(range(len(taken))))

    reference = HistogramHistory(DHistogramPanel.COLUMNS, DHistogramPanel.BINS)
    for snap in taken:
        reference.push(snap["d_real_values"], snap["d_fake_values"], bool(snap["d_is_probability"]), snap["step"])
    kept = histories(once)
    assert list(kept) == ["DHistogramPanel.buffer"]
    for name, buffer in kept.items():
        for other in (histories(some)[name], histories(every)[name]):
            assert np.array_equal(other.counts, buffer.counts) and np.array_equal(other.steps, buffer.steps)
        assert buffer.filled == SNAPSHOTS  # one column per snapshot, not per draw turn
        assert list(buffer.steps[-SNAPSHOTS:]) == list(range(1, SNAPSHOTS + 1))
        assert (buffer.low, buffer.high) == (reference.low, reference.high)
        assert np.array_equal(buffer.counts, reference.counts)
        assert np.all(buffer.counts[:, :-SNAPSHOTS] == 0)  # older than the run: empty

    buffer = histories(once)["DHistogramPanel.buffer"]
    if loss == "non-saturating":  # fixed bins over [0, 1]: each column is its own snapshot's histogram
        for column, snap in zip(range(buffer.capacity - SNAPSHOTS, buffer.capacity), taken, strict=True):
            for kind, key in enumerate(("d_real_values", "d_fake_values")):
                assert np.allclose(buffer.counts[kind, column], fractions(snap[key], buffer.bins, 0, 1), atol=1e-6)

    # The one render at the end drew all of it: every snapshot's column is inked, older ones white.
    d_hist = next(p for p in once.all() if isinstance(p, DHistogramPanel))
    image = np.asarray(d_hist.image.image)
    assert image.shape == (buffer.capacity, buffer.bins, 3)
    assert np.all((image[-SNAPSHOTS:] < 1.0).any(axis=(1, 2)))
    assert np.all(image[:-SNAPSHOTS] == 1.0)
    assert np.allclose(d_hist.now_real.opts["width"], buffer.counts[0, -1])
    assert np.allclose(d_hist.now_fake.opts["width"], buffer.counts[1, -1])


def test_a_second_snapshot_at_the_same_step_replaces_its_column(qtbot):
    """The trainer snapshots when a Step ends and again as it pauses, at the same step: one column."""
    model, taken = snapshots("non-saturating")
    panels = build_panels(model)
    for snap in taken[:3]:
        panels.collect(snap)
    again = Snapshot(taken[2]["step"], taken[3].arrays)  # other values, the same step
    panels.collect(again)
    buffer = next(p for p in panels.all() if isinstance(p, DHistogramPanel)).buffer
    assert buffer.filled == 3 and list(buffer.steps[-3:]) == [1, 2, 3]
    assert np.allclose(buffer.counts[0, -1], fractions(again["d_real_values"], buffer.bins, 0, 1), atol=1e-6)


def test_showing_a_past_step_draws_the_d_histogram_only_up_to_it(qtbot):
    model, taken = snapshots("non-saturating")
    panels = feed(model, taken, draw_after=set())
    d_hist = next(p for p in panels.all() if isinstance(p, DHistogramPanel))
    past = session(model, taken[-1], 1)
    past.viewing = 3  # the timeline's scrubber shows step 3 while later snapshots were collected
    d_hist.render(past)
    buffer, image = d_hist.buffer, np.asarray(d_hist.image.image)
    later = buffer.steps > 3
    assert later.sum() == SNAPSHOTS - 3
    # As the panel looked live at step 3: steps 1..3 inked at the right edge, step 3 newest; the rest not there yet
    assert np.all((image[-3:] < 1.0).any(axis=(1, 2)))
    assert np.all(image[:-3] == 1.0)
    filled = buffer.capacity - buffer.filled
    assert np.array_equal(image[-3:], buffer.picture(REAL, FAKE)[filled:filled + 3])
    column = int(np.nonzero(buffer.steps == 3)[0][0])
    assert np.allclose(d_hist.now_real.opts["width"], buffer.counts[0, column])
    assert "→ 3" in d_hist.span.text()
