"""The formula panel: the lecture's equations typeset (not clipped, not empty), in every model's panel
set, each term's value equal to the model's own metric at the newest step, and the mouse on a term
highlighting the curve or picture it drives, then putting it back."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from PySide6.QtCore import QEvent, QPointF
from PySide6.QtGui import QEnterEvent, QImage
from PySide6.QtWidgets import QApplication

from core.build import build_model
from core.history import MetricHistory
from core.presets import build_config
from gui.math_render import MathPiece, rasterise, typeset
from gui.panels.formula_panel import HIGHLIGHT_WIDTH, FormulaPanel, PanelFrame
from gui.panels.formulas import ROWS_BY_MODEL, Term
from gui.panels.registry import build_panels

SMALL = {"gan": {"gan.hidden": 16}, "vae": {"vae.hidden": 16, "vae.latent_dim": 2},
         "realnvp": {"realnvp.hidden": 16, "realnvp.couplings": 2}}
STEPS = 3


@pytest.fixture(autouse=True)
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)  # the test machine's cores are shared
    yield
    torch.set_num_threads(before)


def small_model(model: str, dataset: str, views_only: bool = False, **overrides):
    cfg = build_config(model, dataset, overrides={**SMALL[model], "data.batch_size": 32, **overrides})
    return build_model(cfg, "cpu", views_only=views_only)


def formula_panel(panels) -> FormulaPanel:
    found = [p for p, _ in panels.docks if isinstance(p, FormulaPanel)]
    assert len(found) == 1, "the panel set has no formula panel (or more than one)"
    return found[0]


def trained_session(model) -> tuple[SimpleNamespace, dict[str, float]]:
    """A few real training steps into the same MetricHistory the window keeps; the last step's own metrics."""
    metrics = MetricHistory(model.metric_names)
    for step in range(STEPS):
        row = {k: float(v) for k, v in model.training_step(step).items()}
        metrics.extend(np.array([step]), np.array([[row[n] for n in model.metric_names]]))
    steps, values = metrics.arrays()
    history = {"steps": steps, "values": values, "names": metrics.names, "last": metrics.last.copy(),
               "step": STEPS}
    return SimpleNamespace(history=history, model=model), row


@pytest.mark.parametrize("model, dataset", [("gan", "ring8"), ("vae", "moons"), ("realnvp", "moons")])
def test_values_equal_the_models_metrics_at_the_newest_step(qtbot, model, dataset):
    m = small_model(model, dataset)
    panels = build_panels(m)
    panel = formula_panel(panels)
    qtbot.addWidget(panel)
    session, row = trained_session(m)
    panel.render(session)
    assert panel.step_label.text() == f"values at step {STEPS}"  # as the status bar counts steps
    checked = 0
    for key in panel.values:
        term = panel.terms[key]
        expected = term.sign * row[term.metric]
        assert math.isclose(panel.shown_value(key), expected, rel_tol=5e-4, abs_tol=1e-6), key  # shown to 4 figures
        checked += 1
    assert checked >= 3  # every model's maths has at least three live terms


def test_log_px_is_the_sum_of_its_factors_logs(qtbot):
    """p_x(x) = p_z(f(x)) |det ∂f/∂x|: the values under the three factors add up, as the theorem says."""
    m = small_model("realnvp", "moons")
    panel = formula_panel(build_panels(m))
    qtbot.addWidget(panel)
    panel.render(trained_session(m)[0])
    assert panel.shown_value("px") == pytest.approx(panel.shown_value("pz") + panel.shown_value("det"), abs=2e-3)


def test_gs_loss_row_follows_the_live_loss_and_a_critic_shows_no_L(qtbot):
    m = small_model("gan", "ring8", **{"gan.loss": "minimax"})
    panel = formula_panel(build_panels(m))
    qtbot.addWidget(panel)
    session, _ = trained_session(m)
    rows = {r.row.caption: r for r in panel.rows}
    panel.render(session)
    assert not rows["gan.g.minimax"].isHidden() and rows["gan.g.non-saturating"].isHidden()
    assert panel.note.isHidden()
    m.params.loss = "wgan-gp"  # as the settings form applies a live change
    panel.render(session)
    assert rows["gan.g.minimax"].isHidden() and not rows["gan.g.critic"].isHidden()
    assert not panel.note.isHidden() and "wgan-gp" in panel.note.text()
    assert panel.values["L"].text() == "–"  # L(D, G) is not what a critic minimises


def hover(piece: MathPiece, on: bool) -> None:
    """The mouse enters the term (or leaves it), as Qt tells a widget: the offscreen platform sends no
    enter or leave events for a synthetic mouse move, so they are sent here."""
    if on:
        centre = QPointF(piece.width() / 2, piece.height() / 2)
        event = QEnterEvent(centre, piece.mapTo(piece.window(), centre), piece.mapToGlobal(centre))
    else:
        event = QEvent(QEvent.Leave)
    QApplication.sendEvent(piece, event)
    assert piece.highlighted == on


def test_hovering_a_term_thickens_its_curve_and_frames_its_picture_then_restores_them(qtbot):
    m = small_model("vae", "moons", views_only=True)
    panels = build_panels(m)
    panel = formula_panel(panels)
    losses = next(p for p in panels.all() if p.objectName() == "vae_losses")
    kl_bars = next(p for p in panels.all() if p.objectName() == "vae_kl_per_dim")
    kl, recon = losses.curves["kl"], losses.curves["recon"]
    pen_before, width_before, recon_width = kl.opts["pen"], kl.opts["pen"].widthF(), recon.opts["pen"].widthF()
    panel.resize(700, 400)
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitExposed(panel)
    piece = panel.pieces["kl"]

    hover(piece, True)
    assert kl.opts["pen"].widthF() == max(HIGHLIGHT_WIDTH, 2 * width_before) > width_before
    assert kl.opts["pen"].color() == pen_before.color()  # the same curve, only wider: the reader finds it
    assert recon.opts["pen"].widthF() == recon_width  # only the term's own curve
    frames = kl_bars.findChildren(PanelFrame)
    assert len(frames) == 1 and not frames[0].isHidden() and frames[0].geometry() == kl_bars.rect()

    hover(piece, False)
    assert kl.opts["pen"] == pen_before
    assert frames[0].isHidden()


def test_gan_terms_drive_their_own_curves(qtbot):
    """D(G(z)) under the mouse thickens the mean D(G(z)) curve; L(D, G) the D loss."""
    m = small_model("gan", "ring8", views_only=True)
    panels = build_panels(m)
    panel = formula_panel(panels)
    qtbot.addWidget(panel)
    curves = {name: c for p in panels.all() for name, c in getattr(p, "curves", {}).items()}
    for key, metric in (("d_fake", "d_fake"), ("L", "loss_d"), ("grad_g", "grad_norm_g")):
        before = curves[metric].opts["pen"]
        panel.pieces[key].hovered.emit(True)
        assert curves[metric].opts["pen"].widthF() > before.widthF(), key
        panel.pieces[key].hovered.emit(False)
        assert curves[metric].opts["pen"] == before, key


def ink_box(image: QImage) -> tuple[int, int, int, int] | None:
    """(left, top, right, bottom) of the pixels with any opacity."""
    argb = image.convertToFormat(QImage.Format_ARGB32)  # kept while its bits are read
    alpha = np.frombuffer(argb.constBits(), np.uint8).reshape(argb.height(), argb.bytesPerLine() // 4, 4)
    alpha = alpha[:, : argb.width(), 3].copy()
    ys, xs = np.nonzero(alpha > 20)
    return None if len(xs) == 0 else (xs.min(), ys.min(), xs.max(), ys.max())


@pytest.mark.parametrize("model", sorted(ROWS_BY_MODEL))
def test_every_piece_renders_whole(qtbot, model):
    """Each piece of maths draws ink that fills its picture but stays inside it (nothing clipped)."""
    for row in ROWS_BY_MODEL[model]:
        for piece in row.pieces:
            latex = piece.latex if isinstance(piece, Term) else piece
            picture = typeset(latex)
            pixmap = rasterise(picture, 2.0)
            assert pixmap.width() == round(2 * picture.width) and pixmap.height() == round(2 * picture.height)
            box = ink_box(pixmap.toImage())
            if latex.replace("{}", "").replace("\\;", "").replace("\\quad", "").strip() in ("", ","):
                continue
            assert box is not None, f"{latex!r} drew nothing"
            left, top, right, bottom = box
            assert left > 0 and top > 0 and right < pixmap.width() - 1 and bottom < pixmap.height() - 1, latex
            if isinstance(piece, Term):  # a term's picture, the area that reacts to the mouse, is its maths
                assert right - left >= 0.8 * pixmap.width(), latex


@pytest.mark.parametrize("model, dataset", [("gan", "ring8"), ("gan", "mnist"), ("vae", "moons"), ("vae", "mnist"),
                                            ("realnvp", "moons"), ("realnvp", "mnist")])
def test_every_panel_set_has_the_formula_panel(qtbot, model, dataset):
    m = small_model(model, dataset, views_only=True)
    panel = formula_panel(build_panels(m))
    qtbot.addWidget(panel)
    names = set(m.metric_names)
    assert panel.values and all(panel.terms[k].metric in names for k in panel.values)
    if dataset == "mnist" and model == "realnvp":
        assert "bits" in panel.values  # bits/dim only where the model reports it
