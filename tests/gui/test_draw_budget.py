"""How the window draws while training runs. With the engine in the window's own process it draws
within its CPU budget, and still draws; with the engine in its own process it draws with the
production scheduler, with no budget, and every panel keeps up with training."""

from __future__ import annotations

import time

import gui.main_window
from tests.gui.helpers import TIMEOUT_MS, close_window, open_window, pause_and_settle, press


def test_in_process_training_draws_within_the_gui_budget_and_still_draws_every_panel(qtbot):
    """Thread placement: every Python line the GUI thread runs holds the GIL that training needs, so the
    scheduler works to GUI_CPU_BUDGET of the GUI thread's own CPU time (the budget's arithmetic is tested
    with fake clocks in test_draw_scheduler.py; the share it reaches is measured by `bench`). Here: the
    window hands the scheduler that budget and that clock, and still draws every panel with data."""
    w = open_window(qtbot, "gan", "ring8", placement="thread", show=False)
    try:
        w.resize(1600, 1000)
        w.show()
        qtbot.waitExposed(w)
        assert w.scheduler.budget == gui.main_window.GUI_CPU_BUDGET
        assert w.scheduler.cpu_clock is time.thread_time  # the GUI thread's CPU, not the process's
        press(qtbot, w, "train")
        qtbot.waitUntil(lambda: w.session.snapshot is not None and w.session.snapshot["step"] > 0,
                        timeout=TIMEOUT_MS)
        with_data = [p for p in w.panels.all() if p.uses and p.isVisible()]
        before = {p: w.scheduler.draw_counts.get(p, 0) for p in with_data}
        qtbot.waitUntil(lambda: all(w.scheduler.draw_counts.get(p, 0) > before[p] + 1 for p in with_data),
                        timeout=TIMEOUT_MS)
        assert w.session.state == "running" and w.scheduler.budget == gui.main_window.GUI_CPU_BUDGET
    finally:
        close_window(w)


def test_the_production_scheduler_draws_every_panel_as_training_goes_on(qtbot):
    """Process placement, as the app runs: no CPU budget (GUI_CPU_BUDGET, which the test set-up
    relaxes, is not read), the scheduler as shipped. While training runs, the main view and every
    other visible panel with data draw again and again, the main view from ever newer snapshots,
    the history plot from the history as it stands."""
    w = open_window(qtbot, "gan", "ring8", placement="process", show=False)
    try:
        w.resize(1600, 1000)
        w.show()
        qtbot.waitExposed(w)
        s = w.session
        assert w.scheduler.budget is None
        main = w.panels.main
        with_data = [p for p in w.panels.all() if p.uses and p.isVisible()]
        assert main in with_data and len(with_data) >= 4, [type(p).__name__ for p in with_data]

        main_steps = []  # the snapshot step of each draw of the main view
        main_render = main.render

        def recording_main_render(session):
            main_render(session)
            if session.snapshot is not None:
                main_steps.append(int(session.snapshot["step"]))

        main.render = recording_main_render
        losses = next(p for p in with_data if type(p).__name__ == "GanLossesPanel")
        plotted = []  # (the plot's last step, the history's last step) at each draw of the losses
        losses_render = losses.render

        def plotted_last() -> float | None:
            x, _ = losses.curves["loss_d"].getOriginalDataset()
            return None if x is None or len(x) == 0 else float(x[-1])

        def recording_losses_render(session):
            losses_render(session)
            h = session.history
            plotted.append((plotted_last(), float(h["steps"][-1]) if h and len(h["steps"]) else None))

        losses.render = recording_losses_render

        press(qtbot, w, "train")
        qtbot.waitUntil(lambda: s.snapshot is not None and s.snapshot["step"] > 0, timeout=TIMEOUT_MS)
        before = {p: w.scheduler.draw_counts.get(p, 0) for p in with_data}
        first_main = len(main_steps)
        qtbot.waitUntil(lambda: all(w.scheduler.draw_counts.get(p, 0) > before[p] + 1 for p in with_data)
                        and len(set(main_steps[first_main:])) > 2, timeout=TIMEOUT_MS)
        assert s.state == "running"
        assert main_steps == sorted(main_steps) and main_steps[-1] > main_steps[first_main]
        drawn = [x for x, _ in plotted if x is not None]
        assert len(set(drawn)) > 1 and drawn == sorted(drawn)
        assert all(x == h for x, h in plotted)  # each draw shows the history as it stood

        pause_and_settle(qtbot, w)  # and once training pauses, both show its last step
        qtbot.waitUntil(lambda: main_steps[-1] == s.snapshot["step"] == s.step
                        and plotted_last() == s.history["steps"][-1], timeout=TIMEOUT_MS)
    finally:
        close_window(w)


def test_a_tick_hands_back_to_the_event_loop_between_its_panels(qtbot):
    """Within one tick, the panels draw one per pass of the event loop: what the event loop has waiting (a
    slider move, a click, the next timer) runs after the main view's draw, before the next panel's."""
    from PySide6.QtCore import QTimer

    w = open_window(qtbot, "gan", "ring8", placement="process", show=False)
    try:
        w.resize(1600, 1000)
        w.show()
        qtbot.waitExposed(w)
        log: list[str] = []
        main = w.panels.main
        main_render = main.render

        def recording_main_render(session):
            main_render(session)
            log.append("main")
            QTimer.singleShot(0, lambda: log.append("event"))  # stands in for input that came meanwhile

        main.render = recording_main_render
        for panel in [p for p in w.panels.all() if p is not main and p.uses and p.isVisible()]:
            def recording_render(session, render=panel.render):
                render(session)
                log.append("other")

            panel.render = recording_render

        def main_then_other() -> list[int]:  # main's draws that another panel's draw followed
            return [i for i, e in enumerate(log) if e == "main" and "other" in log[i + 1:]]

        press(qtbot, w, "train")
        qtbot.waitUntil(lambda: len(main_then_other()) >= 3, timeout=TIMEOUT_MS)
        for i in main_then_other():
            after = [e for e in log[i + 1:] if e != "main"]
            assert after[0] == "event", log[i:i + 6]
    finally:
        close_window(w)
