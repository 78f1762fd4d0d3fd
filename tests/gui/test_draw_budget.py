"""While training runs, the window draws within its CPU budget, and still draws."""

from __future__ import annotations

import time

import gui.main_window
from gui.controller import wait_until


def gui_share_and_draws(qtbot, budget: float, seconds: float = 4.0) -> tuple[float, float]:
    from gui.app import make_app
    from gui.main_window import MainWindow

    make_app()
    gui.main_window.GUI_CPU_BUDGET = budget
    w = MainWindow("gan", "ring8")
    qtbot.addWidget(w)
    w.ask_save_on_close = lambda: "discard"
    w.resize(1600, 1000)
    w.show()
    qtbot.waitExposed(w)
    w.session.start()
    try:
        assert wait_until(lambda: w.session.snapshot is not None, 30)
        wait_until(lambda: False, 2.0)  # first paints of every panel: costly, and not the steady state
        cpu, wall, draws = time.thread_time(), time.perf_counter(), w.draw_count
        wait_until(lambda: False, seconds)
        elapsed = time.perf_counter() - wall
        return (time.thread_time() - cpu) / elapsed, (w.draw_count - draws) / elapsed
    finally:
        w.session.stop()


def test_the_gui_thread_keeps_to_its_cpu_budget_while_training(qtbot, monkeypatch):
    monkeypatch.setattr(gui.main_window, "GUI_CPU_BUDGET", gui.main_window.GUI_CPU_BUDGET)  # restored after
    tight_share, tight_draws = gui_share_and_draws(qtbot, 0.03)
    loose_share, loose_draws = gui_share_and_draws(qtbot, 0.5)
    # 3% for drawing and everything else the GUI thread does; slack for a slow, shared machine.
    assert tight_share < 0.06, tight_share
    assert tight_draws >= 0.5 - 1e-9, tight_draws  # at least one panel every 2 s, however slow
    assert loose_draws > 2 * tight_draws and loose_share > tight_share, (loose_draws, tight_draws)
