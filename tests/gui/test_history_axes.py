"""History plots' axes: the step axis ends at the run's planned last step and grows a little past it
when the run goes on; one spike in the values does not stretch the value axis."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from gui.panels.view_range import step_range, value_range


def fake_session(steps: np.ndarray, loss_d: np.ndarray, planned: int | None) -> SimpleNamespace:
    values = np.column_stack([loss_d, loss_d * 0.5])
    history = {"steps": steps.astype(np.float64), "values": values, "names": ["loss_d", "loss_g"]}
    cfg = SimpleNamespace(train=SimpleNamespace(steps=planned)) if planned else None
    return SimpleNamespace(history=history, history_version=1, cfg=cfg)


@pytest.fixture
def losses_panel(qtbot):
    from gui.app import make_app
    from gui.panels.gan_history import GanLossesPanel

    make_app()
    panel = GanLossesPanel()
    qtbot.addWidget(panel)
    panel.show()
    return panel


def shown_x(panel) -> tuple[float, float]:
    return tuple(panel.plot.getViewBox().viewRange()[0])


def shown_y(panel) -> tuple[float, float]:
    return tuple(panel.plot.getViewBox().viewRange()[1])


def test_step_axis_ends_at_the_planned_steps(losses_panel):
    steps = np.arange(1, 3001)  # 3,000 of 8,000 planned steps done
    losses_panel.render(fake_session(steps, np.ones(len(steps)), planned=8000))
    assert shown_x(losses_panel) == pytest.approx((1, 8000))


def test_step_axis_grows_a_little_once_the_run_passes_its_plan(losses_panel):
    steps = np.arange(1, 5601)  # trained on past train.steps = 5,000
    losses_panel.render(fake_session(steps, np.ones(len(steps)), planned=5000))
    first, last = shown_x(losses_panel)
    assert first == pytest.approx(1) and last == pytest.approx(7000)  # 5,600 x 1.1 rounded up to 7,000, not 10,000


def test_without_a_plan_the_step_axis_rounds_up_in_small_steps():
    assert step_range(None, 0, 4001) == (0.0, 5000.0)  # 4,001 x 1.1 = 4,401: up to 5,000, not doubled to 10,000
    assert step_range((0.0, 5000.0), 0, 4500) is None  # still fits: the view stays put


def test_one_spike_does_not_stretch_the_value_axis(losses_panel):
    steps = np.arange(1, 501)
    rng = np.random.default_rng(0)
    loss = 1.0 + 0.1 * rng.standard_normal(len(steps))
    loss[250] = 1000.0  # one bad batch
    losses_panel.render(fake_session(steps, loss, planned=500))
    low, high = shown_y(losses_panel)
    usual = np.delete(np.concatenate([loss, loss * 0.5]), [250, 750])
    assert low <= usual.min() and usual.max() <= high  # every ordinary value in view
    assert high < 1000.0 * 0.5  # the spike (in both curves) is left off the scale


def test_values_without_outliers_are_all_in_view():
    values = np.linspace(0.0, 10.0, 200)  # a steady fall: nothing is an outlier
    low, high = value_range(None, values)
    assert low < 0.0 and high > 10.0


def test_the_first_steep_fall_does_not_flatten_the_rest_of_the_run(losses_panel):
    steps = np.arange(0, 2000)
    rng = np.random.default_rng(1)
    loss = 1.0 + np.where(steps < 100, 80.0 * np.exp(-steps / 20), 0.0) + 0.05 * rng.standard_normal(len(steps))
    losses_panel.render(fake_session(steps, loss, planned=2000))
    low, high = shown_y(losses_panel)
    later = np.concatenate([loss[200:], loss[200:] * 0.5])
    assert low <= later.min() and later.max() <= high  # the run after its fall, all in view
    assert high < 10.0  # the first values (up to 81) are left off: the later curves fill the plot
