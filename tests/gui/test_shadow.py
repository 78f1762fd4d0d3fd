"""The shadow model refreshes a flow's density between full snapshots, and only the density view
takes those refreshes: the other panels neither redraw nor collect the same arrays again."""

from types import SimpleNamespace

import numpy as np
import pytest
import torch

from core.build import build_model
from core.engine import weights_of
from core.presets import build_config
from core.protocol import Message, flatten_arrays
from core.snapshot import Snapshot
from gui.panels.flow_views import DensityView, ForwardMapView
from gui.panels.registry import build_panels
from gui.shadow import ShadowModel

TIMEOUT_MS = 60_000


@pytest.fixture
def trained_flow():
    torch.manual_seed(0)
    cfg = build_config("realnvp", "moons")
    return cfg, build_model(cfg)


def weights_message(model, step: int) -> Message:
    return Message("weights", "run-1", step, {"step": step}, flatten_arrays(weights_of(model)))


def next_snapshot(qtbot, shadow, model, step) -> Snapshot:
    with qtbot.waitSignal(shadow.ready, timeout=TIMEOUT_MS):
        shadow.offer(weights_message(model, step))
    return shadow.take()


def test_between_full_snapshots_the_shadow_recomputes_only_the_main_views_arrays(qtbot, trained_flow):
    cfg, model = trained_flow
    shadow = ShadowModel(build_model(cfg, views_only=True), "run-1", share=1.0, min_interval_s=0.0,
                         full_interval_s=3600.0)  # one full snapshot, then only main-view refreshes
    shadow.start()
    try:
        first = next_snapshot(qtbot, shadow, model, 1)
        model.training_step(2)
        second = next_snapshot(qtbot, shadow, model, 2)
    finally:
        assert shadow.stop()
    assert first.is_full and not second.is_full and second["step"] == 2
    main = set(model.main_view_keys())
    assert second.fresh(tuple(main)) and not second.fresh(("forward_z",))
    assert not np.allclose(second["density"], first["density"])  # it is the new weights' density
    for key in set(first.arrays) - main:
        assert second[key] is first[key]  # kept from the full snapshot
    model.eval()
    with torch.no_grad():  # what the engine's own model shows now
        assert np.allclose(second["density"], model.main_view_snapshot()["density"], rtol=1e-5, atol=1e-6)


def test_a_main_view_refresh_redraws_the_density_view_only(qtbot, trained_flow):
    cfg, model = trained_flow
    panels = build_panels(model)
    for panel in panels.all():
        qtbot.addWidget(panel)
        panel.show()
    density = next(p for p in panels.all() if isinstance(p, DensityView))
    forward = next(p for p in panels.all() if isinstance(p, ForwardMapView))
    model.eval()
    with torch.no_grad():
        full = Snapshot(1, model.snapshot())
        quick = full.refreshed(2, {k: v + 1.0 for k, v in model.main_view_snapshot().items()})
    session = SimpleNamespace(model=model, snapshot=full, snapshot_version=1, history=None, history_version=0)
    assert density.refresh(session) and forward.refresh(session)
    session.snapshot, session.snapshot_version = quick, 2
    assert density.refresh(session)  # its density is new
    assert not forward.refresh(session)  # its arrays are the full snapshot's: nothing to draw
    assert np.allclose(density.heat.image, np.nan_to_num(quick["density"]))
    assert density.has_new(quick) and not forward.has_new(quick)


def test_when_no_newer_weights_come_the_shadow_completes_the_views_of_the_last_step(qtbot, trained_flow):
    """A run that pauses right after a main-view refresh must not leave the other panels a step behind."""
    cfg, model = trained_flow
    # No full snapshot due for an hour: step 2 is surely a main-view refresh, however slow this machine.
    shadow = ShadowModel(build_model(cfg, views_only=True), "run-1", share=1.0, min_interval_s=0.0,
                         full_interval_s=3600.0)
    shadow.start()
    try:
        first = next_snapshot(qtbot, shadow, model, 1)
        model.training_step(2)
        quick = next_snapshot(qtbot, shadow, model, 2)
        with qtbot.waitSignal(shadow.ready, timeout=TIMEOUT_MS):
            with shadow._cond:  # a full snapshot is due now (the shadow waits on this condition: wake it)
                shadow.full_interval_s = 0.0
                shadow._cond.notify_all()
            # nothing offered: the shadow finishes step 2 by itself
        completed = shadow.take()
    finally:
        assert shadow.stop()
    assert first.is_full and not quick.is_full
    assert completed.is_full and completed["step"] == 2
    model.eval()
    with torch.no_grad():
        assert np.allclose(completed["forward_z"], model.snapshot()["forward_z"], rtol=1e-5, atol=1e-6)
    assert not np.allclose(completed["forward_z"], first["forward_z"])


def test_the_density_views_caption_names_the_grid_the_model_computes():
    from core.models.realnvp import DENSITY_RES

    assert f"{DENSITY_RES}×{DENSITY_RES} grid" in DensityView.formula


def test_the_shadow_paces_itself_by_its_cost_clock_not_by_wall_time(qtbot, trained_flow):
    """With the engine elsewhere the shadow counts its own CPU time, not the wall time it spent waiting for
    the window's core. Here the cost clock says a snapshot is free while the share is a billionth: paced by
    wall time, the second snapshot would come in a year; paced by its clock, it comes at once."""
    cfg, model = trained_flow
    shadow = ShadowModel(build_model(cfg, views_only=True), "run-1", share=1e-9, min_interval_s=0.0,
                         cost_clock=lambda: 0.0)
    shadow.start()
    try:
        first = next_snapshot(qtbot, shadow, model, 1)
        second = next_snapshot(qtbot, shadow, model, 2)
    finally:
        assert shadow.stop()
    assert (first["step"], second["step"]) == (1, 2)


def test_replayed_frames_come_oldest_first_as_full_views_and_before_weights_offered_after(qtbot):
    """A loaded run's record-keeping panels get its past from the timeline: the shadow computes each recorded
    frame's full views (the model's own snapshot() of that frame's weights), in step order, before the views
    of any weights offered after replay() was asked."""
    from core.timeline import Frame

    torch.manual_seed(0)
    cfg = build_config("gan", "ring8", overrides={"gan.hidden": 16, "data.batch_size": 32})
    model = build_model(cfg)
    frames = []
    for step in range(3):
        frames.append(Frame(step, {k: v.copy() for k, v in weights_of(model)["weights"].items()}))
        model.training_step(step)
    shadow = ShadowModel(build_model(cfg, views_only=True), "run-1", share=1.0, min_interval_s=0.0)
    order: list[str] = []
    shadow.past_ready.connect(lambda: order.append("past"))
    shadow.ready.connect(lambda: order.append("live"))
    shadow.replay(frames)
    shadow.offer(weights_message(model, 3))
    shadow.start()
    try:
        qtbot.waitUntil(lambda: "live" in order, timeout=TIMEOUT_MS)
    finally:
        assert shadow.stop()
    assert order == ["past"] * 3 + ["live"]
    past = shadow.take_past()
    assert [snap.step for snap in past] == [0, 1, 2] and all(snap.is_full for snap in past)
    reference = build_model(cfg, views_only=True)
    for frame, snap in zip(frames, past, strict=True):
        reference.load_state_dict({k: torch.from_numpy(v) for k, v in frame.weights.items()})
        reference.eval()
        with torch.no_grad():
            expected = reference.snapshot()
        assert np.array_equal(snap["d_real_values"], expected["d_real_values"])
    assert not np.array_equal(past[0]["d_fake_values"], past[2]["d_fake_values"])  # each its own frame's
    assert shadow.take()["step"] == 3
