"""The 2-D GAN view's D(x) map: it covers exactly the data's bounds, is drawn the right way round,
and D = 0.5, D -> 0 and D -> 1 show as plainly different colours (issue 10)."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from PySide6.QtCore import QPointF

from core.build import build_model
from core.presets import build_config

WHITE = np.array([255, 255, 255])


def gan(dataset: str = "ring8", loss: str | None = None):
    overrides = {"train.device": "cpu", "train.seed": 0}
    if loss is not None:
        overrides["gan.loss"] = loss
    return build_model(build_config("gan", dataset, overrides=overrides))


def with_critic(model, logit_of_xy) -> dict:
    """The model's snapshot with D replaced by a known function of (x, y)."""
    # (+ 0 * x: the snapshot's arrows differentiate D at G's points.)
    model.D.pointwise = lambda pts, companions=None: logit_of_xy(pts[:, 0], pts[:, 1]) + 0.0 * pts.sum(1)
    return model.snapshot()


def shown_panel(qtbot, snap, heat_only: bool = True):
    from gui.app import make_app
    from gui.panels.plane_view import GanPlaneView

    make_app()
    panel = GanPlaneView()
    qtbot.addWidget(panel)
    if heat_only:  # nothing drawn over the map where the test reads its colour
        for key in ("real", "fake", "arrows", "grid"):
            panel.toggles[key].setChecked(False)
    panel.resize(520, 520)
    panel.show()
    qtbot.waitExposed(panel)
    panel.render(SimpleNamespace(snapshot=snap))
    return panel


def colour_at(panel, x: float, y: float) -> np.ndarray:
    """The RGB a person sees at data point (x, y) of the view."""
    image = panel.plot.grab().toImage()
    view_box = panel.plot.getViewBox()
    pos = panel.plot.mapFromScene(view_box.mapViewToScene(QPointF(x, y)))
    colour = image.pixelColor(pos.x(), pos.y())
    return np.array([colour.red(), colour.green(), colour.blue()])


def is_blue(rgb) -> bool:
    return rgb[2] - rgb[0] > 100


def is_orange(rgb) -> bool:
    return rgb[0] - rgb[2] > 100


@pytest.mark.parametrize("dataset", ["ring8", "grid25"])
def test_the_map_covers_exactly_the_data_bounds(qtbot, dataset):
    snap = gan(dataset).snapshot()
    panel = shown_panel(qtbot, snap, heat_only=False)
    x0, x1, y0, y1 = (float(b) for b in snap["bounds"])
    rect = panel.heat.mapRectToParent(panel.heat.boundingRect())
    assert (rect.left(), rect.right(), rect.top(), rect.bottom()) == pytest.approx((x0, x1, y0, y1), abs=1e-6)
    # ... and again after a second frame, and after the data's bounds change.
    panel.render(SimpleNamespace(snapshot=snap))
    rect = panel.heat.mapRectToParent(panel.heat.boundingRect())
    assert (rect.left(), rect.right(), rect.top(), rect.bottom()) == pytest.approx((x0, x1, y0, y1), abs=1e-6)
    other = gan("grid25" if dataset == "ring8" else "ring8").snapshot()
    panel.render(SimpleNamespace(snapshot=other))
    rect = panel.heat.mapRectToParent(panel.heat.boundingRect())
    b = tuple(float(v) for v in other["bounds"])
    assert (rect.left(), rect.right(), rect.top(), rect.bottom()) == pytest.approx(b, abs=1e-6)


def test_the_map_is_not_transposed_or_flipped(qtbot):
    # D judges x > 0 real: blue on the right half, orange on the left, as displayed.
    snap = with_critic(gan(), lambda x, y: torch.where(x > 0, 8.0, -8.0))
    panel = shown_panel(qtbot, snap)
    for y in (-2.0, 0.0, 2.0):
        assert is_blue(colour_at(panel, 2.0, y)), colour_at(panel, 2.0, y)
        assert is_orange(colour_at(panel, -2.0, y)), colour_at(panel, -2.0, y)
    # D judges y > 0 real: blue on the top half (y up, as the points are drawn).
    snap = with_critic(gan(), lambda x, y: torch.where(y > 0, 8.0, -8.0))
    panel.render(SimpleNamespace(snapshot=snap))
    for x in (-2.0, 0.0, 2.0):
        assert is_blue(colour_at(panel, x, 2.0)), colour_at(panel, x, 2.0)
        assert is_orange(colour_at(panel, x, -2.0)), colour_at(panel, x, -2.0)


def test_undecided_judged_real_and_judged_fake_are_plainly_different(qtbot):
    colours = {}
    panel = None
    for d in (0.5, 1e-5, 1 - 1e-5, 0.45, 0.55):
        logit = math.log(d / (1 - d))
        snap = with_critic(gan(), lambda x, y, logit=logit: torch.full_like(x, logit))
        if panel is None:
            panel = shown_panel(qtbot, snap)
        else:
            panel.render(SimpleNamespace(snapshot=snap))
        colours[d] = colour_at(panel, 0.7, -1.3)
    undecided, fake, real = colours[0.5], colours[1e-5], colours[1 - 1e-5]
    assert np.abs(undecided - WHITE).max() <= 6, undecided
    assert np.linalg.norm(fake - WHITE) > 150 and np.linalg.norm(real - WHITE) > 150, (fake, real)
    assert np.linalg.norm(fake - real) > 150, (fake, real)
    assert is_orange(fake) and is_blue(real), (fake, real)  # the caption's words
    # Near equilibrium D leans only slightly; that still shows as a tint, not as white (ring8's map).
    lean_fake, lean_real = colours[0.45], colours[0.55]
    assert np.linalg.norm(lean_fake - WHITE) > 20 and np.linalg.norm(lean_real - WHITE) > 20, (lean_fake, lean_real)
    assert lean_fake[0] > lean_fake[2] and lean_real[2] > lean_real[0], (lean_fake, lean_real)
    assert "blue = judged real, orange = judged fake" in panel.formula


def test_the_view_shows_d_of_g_z_near_zero_as_judged_fake(qtbot):
    # The vanishing-gradient lesson: D(G(z)) ~ 6e-6 must read as "judged fake", even at a single pixel.
    snap = with_critic(gan(), lambda x, y: torch.where((x - 1.0).abs().maximum((y + 1.0).abs()) < 0.5, -12.0, 7.0))
    panel = shown_panel(qtbot, snap)
    assert is_orange(colour_at(panel, 1.0, -1.0))
    assert is_blue(colour_at(panel, -1.0, 1.0))


def test_a_raw_critic_is_shown_symmetric_around_zero(qtbot):
    from gui.panels.plane_view import heat_values

    values = heat_values(np.array([-2.0, 0.0, 1.0, 50.0]), is_probability=False)
    assert values[1] == pytest.approx(0.5)  # a critic score of 0 is white
    assert values[0] < 0.5 < values[2] < values[3]
    snap = with_critic(gan(loss="wgan-gp"), lambda x, y: 3.0 * x)
    assert not bool(snap["d_is_probability"])
    panel = shown_panel(qtbot, snap)
    assert is_blue(colour_at(panel, 2.5, 0.0)) and is_orange(colour_at(panel, -2.5, 0.0))
    assert np.linalg.norm(colour_at(panel, 0.0, 0.0) - WHITE) < 60  # the cell at x = 0 is near white


def test_a_slider_move_repaints_just_where_the_marker_was_and_is(qtbot):
    """The slider's marker is painted at once, and only where it was and is now (not the whole view)."""
    from PySide6.QtCore import QRect

    panel = shown_panel(qtbot, gan().snapshot(), heat_only=False)
    assert panel.marker_region() is None  # no marker yet: the whole view
    places = [(0.0, 0.0), (1.5, -1.0)]
    for x, y in places:
        panel.set_marker(np.array([x, y]))
    region, view_box = panel.marker_region(), panel.plot.getViewBox()
    for x, y in places:  # the whole 16 px star at each place
        centre = panel.plot.mapFromScene(view_box.mapViewToScene(QPointF(x, y)))
        assert region.contains(QRect(centre.x() - 8, centre.y() - 8, 16, 16)), (x, y, region)
    viewport = panel.plot.viewport().rect()
    assert region.width() * region.height() < 0.1 * viewport.width() * viewport.height()
