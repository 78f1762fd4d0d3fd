"""The VAE's panels driven as a person would: real toolbar buttons, sliders and Encode, waiting on
what the engine reports, then checking that every panel holds the snapshot's data."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QPushButton, QScrollArea

from gui.panels.image_grid import PAD
from gui.panels.vae_panels import (
    InterpolationStripPanel,
    LatentExplorerPanel,
    ManifoldPanel,
    ReconstructionPanel,
    SamplesPanel,
)
from gui.panels.vae_views import LABEL_COLOURS, KlPerDimPanel, LatentScatterPanel, VaeLossesPanel, VaePlaneView
from tests.gui.helpers import (
    TIMEOUT_MS,
    close_window,
    engine_running,
    open_window,
    pause_and_settle,
    press,
    wait_built,
    wait_for_step,
)

SMALL = {"vae.hidden": "64", "data.batch_size": "64", "vae.test_every": "10"}  # quick on two cores


@pytest.fixture
def make_window(qtbot, placement):
    made = []

    def make(dataset: str, **settings):
        w = open_window(qtbot, "vae", dataset, None, {**SMALL, **settings}, placement=placement)
        made.append(w)
        return w

    yield make
    for w in made:
        close_window(w)


def panel(w, cls):
    return next(p for p in w.panels.all() if type(p) is cls)


def train_then_pause(qtbot, w, steps: int) -> None:
    """Train, pause, then draw every panel from the final snapshot so they can be compared with it."""
    press(qtbot, w, "train")
    wait_for_step(qtbot, w, steps)
    qtbot.waitUntil(lambda: w.session.snapshot is not None and w.session.snapshot["step"] > 0, timeout=TIMEOUT_MS)
    pause_and_settle(qtbot, w)
    for p in w.panels.all():
        p.force_redraw()
    w.redraw_all()


def tile(picture: np.ndarray, index: int, cols: int, side: int = 28) -> np.ndarray:
    r, c = divmod(index, cols)
    return picture[r * (side + PAD): r * (side + PAD) + side, c * (side + PAD): c * (side + PAD) + side]


def columns(picture: np.ndarray, side: int = 28) -> int:
    return (picture.shape[1] + PAD) // (side + PAD)


def test_train_fills_every_vae_panel(qtbot, make_window):
    w = make_window("mnist")
    train_then_pause(qtbot, w, 30)
    snap = w.session.snapshot

    losses = panel(w, VaeLossesPanel)
    for name in ("loss", "recon", "kl"):
        steps, values = losses.curves[name].getOriginalDataset()
        assert steps is not None and len(steps) >= 30 and np.isfinite(values).all(), name
    test_steps, _ = losses.curves["test_loss"].getOriginalDataset()
    assert len(test_steps) >= 3 and test_steps[0] == 0  # one dot per test pass (every 10 steps)

    recon = panel(w, ReconstructionPanel)
    for view, key in ((recon.inputs, "recon_inputs"), (recon.outputs, "recon_outputs")):
        picture = view.displayed()
        assert view.count == 16
        cols = columns(picture)
        rows = -(-16 // cols)
        assert picture.shape == (rows * 29 - PAD, cols * 29 - PAD)
        for i in (0, 5, 15):  # upright, in order: tile i is image i, not its transpose
            assert np.array_equal(tile(picture, i, cols), snap[key][i, 0])
        assert tuple(np.ravel(view.image.levels)) == (0.0, 1.0)  # fixed, never auto levels

    samples = panel(w, SamplesPanel).grid
    picture = samples.displayed()
    assert samples.count == 16
    assert np.array_equal(tile(picture, 3, columns(picture)), snap["samples"][3, 0])

    bars = panel(w, KlPerDimPanel).bars
    assert len(bars.opts["height"]) == 20
    assert np.allclose(bars.opts["height"], snap["kl_per_dim"])

    scatter = panel(w, LatentScatterPanel)
    pos = np.column_stack(scatter.scatter.getData())
    assert pos.shape == (2000, 2) and len(snap["latent_mu"]) == 2000
    centred = snap["latent_mu"] - snap["latent_mu"].mean(0)
    assert np.allclose(pos, centred @ scatter._basis, atol=1e-4)  # the PCA projection of μ
    assert pos[:, 0].var() >= pos[:, 1].var()  # PC 1 carries the most variance
    assert "ManifoldPanel" not in {type(p).__name__ for p in w.panels.all()}  # only for a 2-D latent space


def test_slider_decodes_at_once_while_training(qtbot, make_window):
    w = make_window("mnist")
    press(qtbot, w, "train")
    wait_for_step(qtbot, w, 10)
    qtbot.waitUntil(lambda: w.session.snapshot is not None, timeout=TIMEOUT_MS)
    explorer = panel(w, LatentExplorerPanel)
    sliders = w.panels.sliders
    before = explorer.decoded.displayed()
    sliders.sliders[0].setValue(250)
    sliders.sliders[3].setValue(-150)
    z = sliders.z()
    assert z[0] == pytest.approx(2.5) and z[3] == pytest.approx(-1.5)
    # No event was processed since the move: the picture was drawn by the move itself.
    expected = w.session.decoder.decode(z).reshape(28, 28)
    assert np.allclose(explorer.decoded.displayed(), expected, atol=1e-6)
    assert before is None or not np.allclose(before, expected)
    assert w.session.state == "running"


@pytest.mark.parametrize("placement", ["thread"])  # panels and sliders only: one placement is enough
def test_encode_sets_the_sliders_to_mu_of_the_test_image(qtbot, make_window):
    w = make_window("mnist")
    train_then_pause(qtbot, w, 20)
    explorer = panel(w, LatentExplorerPanel)
    explorer.example.setValue(5)
    qtbot.mouseClick(explorer.findChild(QPushButton, "encode_button"), Qt.LeftButton)
    mu = np.clip(w.session.snapshot["latent_mu"][5], -3, 3)
    assert np.allclose(w.panels.sliders.z(), mu, atol=0.006)  # sliders move in steps of 0.01
    expected = w.session.decoder.decode(w.panels.sliders.z()).reshape(28, 28)
    assert np.allclose(explorer.decoded.displayed(), expected, atol=1e-6)
    assert panel(w, LatentScatterPanel).chosen_index == 5  # ringed in the scatter
    assert "test example 5" in explorer.info.text()


@pytest.mark.parametrize("placement", ["thread"])  # panels and sliders only: one placement is enough
def test_clicking_a_scatter_point_sets_the_sliders(qtbot, make_window):
    w = make_window("mnist")
    train_then_pause(qtbot, w, 20)
    scatter = panel(w, LatentScatterPanel)
    index = int(np.argmax(scatter.pos[:, 0]))  # the right-most point: nothing else under the cursor
    view_box = scatter.plot.getViewBox()
    scene_point = view_box.mapViewToScene(QPointF(*scatter.pos[index]))
    qtbot.mouseClick(scatter.plot.viewport(), Qt.LeftButton, pos=scatter.plot.mapFromScene(scene_point))
    assert scatter.chosen_index == index
    mu = np.clip(w.session.snapshot["latent_mu"][index], -3, 3)
    assert np.allclose(w.panels.sliders.z(), mu, atol=0.006)
    explorer = panel(w, LatentExplorerPanel)
    assert explorer.example.value() == index
    expected = w.session.decoder.decode(w.panels.sliders.z()).reshape(28, 28)
    assert np.allclose(explorer.decoded.displayed(), expected, atol=1e-6)


@pytest.mark.parametrize("placement", ["thread"])  # panels and sliders only: one placement is enough
def test_interpolation_strip_between_two_test_images(qtbot, make_window):
    w = make_window("mnist")
    train_then_pause(qtbot, w, 20)
    strip = panel(w, InterpolationStripPanel)
    mu = w.session.snapshot["latent_mu"]
    strip.start.setValue(3)
    strip.end.setValue(4)
    qtbot.mouseClick(next(b for b in strip.findChildren(QPushButton) if b.text().startswith("Between")),
                     Qt.LeftButton)
    assert np.allclose(strip.interp.z0, mu[3]) and np.allclose(strip.interp.z1, mu[4])
    strip.interp.mode.setCurrentText("lerp")
    strip.interp.steps.setValue(9)
    assert strip.strip.count == 9
    picture = strip.strip.displayed()
    decoded = w.session.decoder.decode(strip.interp.path_z())
    cols = columns(picture)
    assert -(-9 // cols) * 29 - PAD == picture.shape[0]
    assert np.allclose(tile(picture, 0, cols), w.session.decoder.decode(mu[3])[0], atol=1e-5)  # t = 0 is z₀
    assert np.allclose(tile(picture, 8, cols), decoded[8, 0])
    strip.interp.show_box.setChecked(False)
    assert strip.strip.count == 0


def test_two_dimensional_latent_space_shows_the_manifold(qtbot, make_window):
    w = make_window("mnist", **{"vae.latent_dim": "2"})
    train_then_pause(qtbot, w, 20)
    snap = w.session.snapshot
    manifold = panel(w, ManifoldPanel).grid
    assert manifold.count == 225
    picture = manifold.displayed()
    assert picture.shape == (15 * 29 - PAD, 15 * 29 - PAD)
    assert np.array_equal(tile(picture, 16, 15), snap["manifold"][1, 1, 0])  # row 1, column 1
    scatter = panel(w, LatentScatterPanel)
    assert np.allclose(np.column_stack(scatter.scatter.getData()), snap["latent_mu"])  # μ itself, no PCA
    assert len(panel(w, KlPerDimPanel).bars.opts["height"]) == 2


def test_vae_on_moons_shows_the_plane(qtbot, make_window):
    w = make_window("moons", **{"data.batch_size": "128"})
    train_then_pause(qtbot, w, 40)
    snap = w.session.snapshot
    plane = w.panels.main
    assert isinstance(plane, VaePlaneView)
    for item, key in ((plane.data, "data"), (plane.recon, "recon"), (plane.samples, "samples")):
        assert np.allclose(np.column_stack(item.getData()), snap[key]), key
    x, _ = plane.links.getData()
    assert len(x) == 2 * 512  # one segment from each x to its reconstruction
    plane.toggles["grid"].setChecked(True)
    w.redraw_all()
    x, _ = plane.grid.getData()
    assert len(x) == 22 * 41
    sliders = w.panels.sliders
    sliders.sliders[0].setValue(120)
    assert np.allclose(plane.marker_xy, w.session.decoder.decode(sliders.z()), atol=1e-6)
    scatter = panel(w, LatentScatterPanel)
    assert len(scatter.scatter.data) == 2000
    # coloured by which moon each test point lies on: both moons present, each point its moon's colour
    labels = snap["latent_labels"][:2000]
    assert set(np.unique(labels)) == {0, 1} and min(np.bincount(labels)) > 500
    colours = [brush.color().name() for brush in scatter.scatter.data["brush"]]
    assert colours == [LABEL_COLOURS[k] for k in labels]
    assert "coloured by its label" in scatter.caption_label.text() and "moon" in scatter.caption_label.text()
    w.panels.interpolation.steps.setValue(7)
    x, _ = plane.path.getData()
    assert len(x) == 7


def test_closing_while_training_ends_the_engine(qtbot, make_window):
    w = make_window("mnist")
    press(qtbot, w, "train")
    wait_for_step(qtbot, w, 5)
    link, shadow = w.session.link, w.session.shadow
    assert w.session.state == "running" and engine_running(w) and shadow.isRunning()
    w.close()  # returns once the engine has ended (a hang fails the suite's timeout)
    assert not engine_running(w) and not shadow.isRunning()
    if link.placement == "process":
        assert link.process.returncode == 0  # it shut down when asked, it was not killed


def test_latent_scatter_of_data_without_labels_says_it_is_one_colour(qtbot):
    """swissroll has no parts to tell apart: the caption must not promise colours by label."""
    from types import SimpleNamespace

    scatter = LatentScatterPanel(2)
    qtbot.addWidget(scatter)
    mu = np.random.default_rng(0).normal(size=(50, 2)).astype(np.float32)
    scatter.render(SimpleNamespace(snapshot={"latent_mu": mu, "latent_labels": np.zeros(50, np.int64)}))
    assert "all one colour" in scatter.caption_label.text() and "by its label" not in scatter.caption_label.text()
    assert len({brush.color().name() for brush in scatter.scatter.data["brush"]}) == 1
    assert scatter.key.text() == ""


@pytest.mark.parametrize("index", [2, 3])
def test_a_click_on_overlapping_points_takes_the_nearest(qtbot, index):
    """Dots 5 px wide overlap in a cloud of thousands: the click must take the point under the cursor's
    centre, not pyqtgraph's first hit (the one drawn last). CI once picked a neighbour 2 px away.
    One click per panel: a second click this soon would be a double-click."""
    from types import SimpleNamespace

    scatter = LatentScatterPanel(2)
    qtbot.addWidget(scatter)
    scatter.resize(520, 330)
    scatter.show()
    qtbot.waitExposed(scatter)
    mu = np.array([[0.0, 0.0], [1.0, 1.0], [0.5, 0.5], [0.5, 0.5]], np.float32)
    scatter.render(SimpleNamespace(snapshot={"latent_mu": mu, "latent_labels": np.arange(4)}))
    view_box = scatter.plot.getViewBox()
    mu[3, 0] += 2 * view_box.viewPixelSize()[0]  # 2 and 3: 2 px apart, each dot 5 px wide
    scatter.render(SimpleNamespace(snapshot={"latent_mu": mu, "latent_labels": np.arange(4)}))
    assert len(scatter.scatter.pointsAt(QPointF(*mu[index]))) == 2  # both lie under the cursor
    screen = scatter.plot.mapFromScene(view_box.mapViewToScene(QPointF(*mu[index])))
    qtbot.mouseClick(scatter.plot.viewport(), Qt.LeftButton, pos=screen)
    assert scatter.chosen_index == index


def slider_z_per_pixel(slider) -> float:
    """How much z one pixel of handle travel changes, from the style's own groove and handle."""
    from PySide6.QtWidgets import QStyle, QStyleOptionSlider

    from gui.panels.latent_sliders import TICKS_PER_UNIT

    opt = QStyleOptionSlider()
    slider.initStyleOption(opt)
    groove = slider.style().subControlRect(QStyle.CC_Slider, opt, QStyle.SC_SliderGroove, slider)
    handle = slider.style().subControlRect(QStyle.CC_Slider, opt, QStyle.SC_SliderHandle, slider)
    return (slider.maximum() - slider.minimum()) / TICKS_PER_UNIT / (groove.width() - handle.width())


@pytest.mark.parametrize("dataset", ["mnist", "moons"])
def test_latent_sliders_have_room_for_small_moves(qtbot, make_window, dataset):
    """At 1366x768 each slider's track is long enough that a pixel of drag is a small step of z, and the
    keys step finely; a squeezed ~70 px track made one pixel 0.09 and a small drag jump to ±3."""
    w = make_window(dataset)
    wait_built(qtbot, w)  # the engine has loaded the data: closing then ends it cleanly
    w.resize(1366, 768)
    sliders = w.panels.sliders
    qtbot.waitUntil(lambda: sliders.sliders[0].isVisible() and sliders.sliders[0].width() > 0, timeout=TIMEOUT_MS)
    for slider in sliders.sliders:
        assert slider_z_per_pixel(slider) <= 0.035, (slider.objectName(), slider.width())
        assert slider.singleStep() / 100 == 0.01 and slider.pageStep() / 100 <= 0.25
    assert not sliders.findChild(QScrollArea).horizontalScrollBar().isVisible()
