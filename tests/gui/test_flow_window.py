"""The RealNVP window driven as a person would: a small flow set through the settings editors,
the real toolbar buttons, waiting on what the engine reports, then checking that each panel shows
exactly what the latest snapshot holds."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from core.models.realnvp import DENSITY_RES
from gui.panels.plane_view import line_segments
from tests.gui.helpers import (
    TIMEOUT_MS,
    close_window,
    engine_running,
    open_window,
    pause_and_settle,
    press,
    wait_drawn,
)


def train_then_pause(qtbot, w, steps: int) -> dict:
    """Train at least `steps`, pause, and let the window's timer draw the last snapshot; returns the panels."""
    press(qtbot, w, "train")
    qtbot.waitUntil(lambda: w.session.history is not None and w.session.history["step"] >= steps
                    and w.session.snapshot is not None and w.session.snapshot["step"] > 0, timeout=TIMEOUT_MS)
    pause_and_settle(qtbot, w)
    wait_drawn(qtbot, w)
    return {type(p).__name__: p for p in w.panels.all()}


@pytest.fixture
def moons_window(qtbot, placement):
    # A small flow keeps the test quick on two cores.
    w = open_window(qtbot, "realnvp", "moons", None,
                    {"realnvp.couplings": "4", "realnvp.hidden": "32", "data.batch_size": "128"}, placement=placement)
    yield w
    close_window(w)


def test_moons_panels_show_the_flow_both_ways(qtbot, moons_window):
    w = moons_window
    panels = train_then_pause(qtbot, w, 40)
    snap = w.session.snapshot

    density = panels["DensityView"]
    assert density.heat.image.shape == (DENSITY_RES, DENSITY_RES) and np.isfinite(density.heat.image).all()
    assert np.array_equal(density.heat.image, snap["density"])
    assert tuple(np.ravel(density.heat.levels)) == density.levels  # fixed levels, not autoLevels
    assert len(density.data.data) == 512
    colours = {b.color().name() for b in density.data.data["brush"]}
    assert len(colours) > 4  # points coloured by where they are in x

    forward = panels["ForwardMapView"]
    pushed = np.stack([forward.points.data["x"], forward.points.data["y"]], 1)
    assert np.allclose(pushed, snap["forward_z"])
    # The same point keeps the same colour in x and in z.
    assert [b.color().name() for b in forward.points.data["brush"]] == \
        [b.color().name() for b in density.data.data["brush"]]

    inverse = panels["InverseMapView"]
    x, y = inverse.grid.getData()
    ex, ey, _ = line_segments(snap["inverse_grid"])
    assert len(x) == 22 * 41 and np.allclose(x, ex) and np.allclose(y, ey)
    assert len(inverse.samples.data) == 512

    log_det = panels["LogDetView"]
    assert np.array_equal(log_det.heat.image, snap["log_det_map"])
    low, high = log_det.levels
    assert low == -high > -np.inf  # symmetric, so white means log|det| = 0

    check = panels["JacobianCheckPanel"]
    assert check.value is not None and check.value < 1e-3
    assert float(check.value_label.text()) < 1e-3 and "#2a8a2a" in check.value_label.styleSheet()

    losses = panels["FlowLossesPanel"]
    # The curves' own data, not what they show: "peak" downsampling picks each curve's extremes
    # per pixel, from different steps, once a run has more points than the plot has pixels.
    steps, nll = losses.curves["nll"].getOriginalDataset()
    _, log_pz = losses.curves["log_pz"].getOriginalDataset()
    _, log_det_curve = losses.curves["log_det"].getOriginalDataset()
    assert len(steps) > 5 and len(log_pz) == len(steps) and len(log_det_curve) == len(steps)
    # The change of variables, term by term: NLL = −log p_z(f(x)) − log|det ∂f/∂x|.
    assert np.allclose(nll, -(log_pz + log_det_curve), atol=1e-3)


@pytest.mark.parametrize("placement", ["thread"])  # panels and sliders only: one placement is enough
def test_layer_slider_walks_from_x_to_z_and_back(qtbot, moons_window):
    w = moons_window
    panels = train_then_pause(qtbot, w, 10)
    snap = w.session.snapshot
    view = panels["LayerStepView"]
    layers, names = snap["layers"], snap["layer_names"]
    assert view.slider.maximum() == len(layers) - 1 == 8  # 4 × (ActNorm, coupling)

    def shown():
        return np.stack([view.points.data["x"], view.points.data["y"]], 1)

    assert view.slider.value() == 4 and np.allclose(shown(), layers[4])  # it starts half-way
    view.slider.setValue(0)
    assert np.allclose(shown(), snap["data"]) and "= x" in view.layer_label.text()
    view.slider.setValue(3)
    assert np.allclose(shown(), layers[3])
    assert names[3] in view.layer_label.text()
    x, _ = view.moves.getData()
    assert len(x) == 2 * 512  # one segment per point, from h2 to h3
    qtbot.mouseClick(view.forward_button, Qt.LeftButton)
    assert np.allclose(shown(), layers[4])
    # A coupling keeps one coordinate: between h3 and h4 (layer 4 keeps x2) only x1 moves.
    assert "keeps x2" in names[4]
    assert np.allclose(layers[4][:, 1], layers[3][:, 1]) and not np.allclose(layers[4][:, 0], layers[3][:, 0])
    view.slider.setValue(view.slider.maximum())
    assert np.allclose(shown(), snap["forward_z"]) and "= z" in view.layer_label.text()
    qtbot.mouseClick(view.back_button, Qt.LeftButton)
    assert np.allclose(shown(), layers[-2])


def test_image_flow_shows_samples_sliders_and_a_path_between_test_images(qtbot, placement):
    w = open_window(qtbot, "realnvp", "mnist", "quick-images",
                    {"realnvp.channels": "8", "data.batch_size": "8"}, placement=placement)
    try:
        panels = train_then_pause(qtbot, w, 3)
        snap = w.session.snapshot
        samples = panels["FlowSamplesPanel"]
        temps = snap["temperatures"]
        k = samples.temperature.value()
        assert temps[k] == pytest.approx(0.75)
        assert samples.tile.displayed().shape == (4 * 29 - 1, 4 * 29 - 1)  # 4 × 4 digits, 1-pixel gaps
        assert np.array_equal(samples.tile.displayed()[:28, :28], snap["samples"][k, 0, 0])  # upright, not transposed
        samples.temperature.setValue(0)
        assert np.array_equal(samples.tile.displayed()[29:57, 29:57], snap["samples"][0, 5, 0])
        assert f"{temps[0]:.2f}" in samples.temperature_label.text()

        # Sliders start at test image #0's code and move along the codes' principal directions.
        sliders = w.panels.sliders
        slider_panel = panels["FlowSliderPanel"]
        start = slider_panel.tile.displayed()
        assert np.allclose(start, snap["test_images"][0, 0], atol=2e-3)  # f⁻¹(f(x)) = x: a digit
        assert start.std() > 0.2  # not a uniform grey square
        sliders.sliders[0].setValue(300)  # PC1 at +3 spreads
        z = sliders.z()
        assert np.allclose(z, snap["slider_codes"][0] + 3 * snap["slider_axes"][0], atol=1e-5)
        moved = slider_panel.tile.displayed()
        assert np.allclose(moved, w.session.decoder.decode(z)[0], atol=1e-6)
        assert np.abs(moved - start).mean() > 0.03  # a visible change, not a pixel or two
        sliders.sliders[0].setValue(0)
        sliders.start.setValue(1)
        assert np.allclose(slider_panel.tile.displayed(), snap["test_images"][1, 0], atol=2e-3)
        assert "principal directions" in sliders.caption_label.text()
        assert f"of {len(snap['slider_codes'])} test images" in sliders.caption_label.text()

        # The interpolation path runs from test image #0 to test image #1 through z space.
        interp = w.panels.interpolation
        assert interp.steps.value() == 16
        path = panels["FlowInterpolationPanel"].tile.displayed()
        assert path.shape == (2 * 29 - 1, 8 * 29 - 1)
        assert np.allclose(path[:28, :28], snap["test_images"][0, 0], atol=2e-3)
        assert np.allclose(path[29:, 7 * 29:], snap["test_images"][1, 0], atol=2e-3)
    finally:
        close_window(w)


def test_closing_a_training_flow_window_leaves_no_engine(qtbot, moons_window):
    w = moons_window
    press(qtbot, w, "train")
    qtbot.waitUntil(lambda: w.session.history is not None and w.session.history["step"] >= 5, timeout=TIMEOUT_MS)
    link, shadow = w.session.link, w.session.shadow
    assert w.session.state == "running" and engine_running(w) and shadow.isRunning()
    w.close()  # returns once the engine has ended (a hang fails the suite's timeout)
    assert not engine_running(w) and not shadow.isRunning()
    if link.placement == "process":
        assert link.process.returncode == 0  # it shut down when asked, it was not killed
