"""The draw scheduler, driven by fake clocks: the CPU budget while training in-process, and free drawing
(within a frame budget, fair to every panel) when training runs in another process."""

from __future__ import annotations

from gui.draw_scheduler import DrawScheduler

TICK_S = 0.05  # the window's 20 Hz timer


class Clocks:
    def __init__(self):
        self.wall, self.cpu = 100.0, 7.0


class Panel:
    def __init__(self, name: str, cost: float = 0.001, fresh: bool = True):
        self.name, self.cost, self.fresh = name, cost, fresh

    def __repr__(self):
        return self.name


def make(budget: float | None = 0.03, **kw) -> tuple[DrawScheduler, Clocks]:
    c = Clocks()
    return DrawScheduler(budget, clock=lambda: c.wall, cpu_clock=lambda: c.cpu, **kw), c


def tick(s: DrawScheduler, c: Clocks, main, others, training: bool = True) -> tuple[list, list]:
    """One timer tick, drawing the way the window does: a panel draws only when it has new data."""
    c.wall += TICK_S
    offered, drawn = [], []
    for panel in s.plan(training, main, others):
        offered.append(panel)
        if panel.fresh:
            c.wall += panel.cost
            c.cpu += panel.cost
            s.drew(panel, panel.cost)
            drawn.append(panel)
    return offered, drawn


def panels(n: int, cost: float = 0.001) -> tuple[Panel, list[Panel]]:
    return Panel("main", cost), [Panel(f"dock{i}", cost) for i in range(n)]


# -- budgeted: training in the window's own process ------------------------------------------

def test_budgeted_draws_one_panel_per_tick_and_main_every_other_turn():
    s, c = make()
    main, docks = panels(3)
    drawn = [tick(s, c, main, docks)[1] for _ in range(8)]
    assert all(len(d) == 1 for d in drawn)
    assert [d[0].name for d in drawn] == ["main", "dock0", "main", "dock1", "main", "dock2", "main", "dock0"]
    assert s.draws == 8 and s.draw_counts[main] == 4 and s.draw_counts[docks[0]] == 2


def test_budgeted_skips_panels_without_new_data():
    s, c = make()
    main, docks = panels(3)
    docks[1].fresh = False
    names = [tick(s, c, main, docks)[1][0].name for _ in range(6)]
    assert names == ["main", "dock0", "main", "dock2", "main", "dock0"]
    main.fresh = False  # no dock has data either: main's second offer, at the end, is what draws
    docks[0].fresh = docks[2].fresh = False
    assert tick(s, c, main, docks)[1] == []


def test_budgeted_a_costly_draw_is_paid_off_before_the_next():
    s, c = make()
    main, docks = Panel("main", cost=0.03), [Panel("dock", cost=0.001)]
    assert tick(s, c, main, docks)[1] == [main]  # 0.03 s of CPU from a 0.02 s burst: about 6 ticks of debt
    waited = 0
    while not tick(s, c, main, docks)[1]:
        waited += 1
        assert waited < 20
    assert 4 <= waited <= 7, waited  # 0.0085 s of debt at 3% of 50 ms per tick


def test_budgeted_still_draws_once_per_max_gap_however_costly():
    s, c = make()
    main, docks = panels(2, cost=0.5)
    times = []
    for _ in range(400):  # at least 20 s
        if tick(s, c, main, docks)[1]:
            times.append(c.wall)
    gaps = [b - a for a, b in zip(times[:-1], times[1:], strict=True)]
    assert len(times) >= 8
    assert max(gaps) <= 2.0 + TICK_S + 0.5 + 1e-9, max(gaps)  # one tick late at most, plus the draw itself
    assert min(gaps) >= 2.0 - 1e-9, min(gaps)  # and no sooner: the debt is never repaid by a 0.5 s draw


def test_budgeted_counts_all_gui_thread_cpu_not_only_draws():
    s, c = make()
    main, docks = panels(2)
    tick(s, c, main, docks)
    c.cpu += 0.05  # the GUI thread decoded or updated the status bar between ticks
    assert tick(s, c, main, docks)[1] == []


def test_paused_or_idle_never_waits_and_training_restarts_debt_free():
    s, c = make()
    main, docks = panels(2, cost=0.5)
    for _ in range(10):
        assert len(tick(s, c, main, docks, training=False)[1]) == 1  # one panel per tick, but every tick
    main.cost = docks[0].cost = docks[1].cost = 0.001
    tick(s, c, main, docks, training=False)  # pays for the last costly draw: the debt is forgiven
    assert s.credit == 0.0
    assert len(tick(s, c, main, docks, training=True)[1]) == 1


# -- free: training in another process ---------------------------------------------------------

def test_free_draws_main_every_tick_and_every_panel_at_least_every_4_ticks():
    s, c = make(budget=None, other_hz=1e9, frame_budget_s=0.040)
    main, docks = panels(12, cost=0.009)  # main + 4 docks fit a 40 ms frame
    history = [tick(s, c, main, docks)[1] for _ in range(20)]
    assert all(d[0] is main for d in history)
    assert all(len(d) > 2 for d in history)  # several panels per tick
    for i in range(len(history) - 3):
        drawn = {p for d in history[i:i + 4] for p in d}
        assert drawn == {main, *docks}, (i, set(docks) - drawn)


def test_free_ignores_the_cpu_budget_while_training():
    s, c = make(budget=None, other_hz=1e9, frame_budget_s=0.040)
    main, docks = panels(2, cost=0.003)
    for _ in range(10):
        c.cpu += 1.0  # however busy the GUI thread
        assert tick(s, c, main, docks)[1][0] is main


def test_free_stops_when_the_frame_budget_is_spent_and_resumes_with_the_skipped_panels():
    s, c = make(budget=None, other_hz=1e9)
    main, docks = Panel("main", 0.001), [Panel("a"), Panel("b", cost=0.05), Panel("c"), Panel("d")]
    offered, drawn = tick(s, c, main, docks)
    assert [p.name for p in offered] == ["main", "a", "b"]
    docks[1].cost = 0.001
    offered, _ = tick(s, c, main, docks)
    assert [p.name for p in offered] == ["main", "c", "d", "a", "b"]


def test_free_panels_without_data_cost_nothing():
    s, c = make(budget=None, other_hz=1e9)
    main, docks = panels(5, cost=1.0)
    for p in [main, *docks]:
        p.fresh = False
    offered, drawn = tick(s, c, main, docks)
    assert offered == [main, *docks] and drawn == []


def test_free_a_costly_main_view_does_not_starve_the_others():
    s, c = make(budget=None, other_hz=1e9)
    main, docks = Panel("main", cost=0.1), [Panel("a"), Panel("b")]
    history = [tick(s, c, main, docks)[1] for _ in range(8)]
    for i in range(len(history) - 1):
        drawn = {p for d in history[i:i + 2] for p in d}
        assert drawn == {main, *docks}, i


def test_free_measures_the_draw_itself_when_not_told():
    s, c = make(budget=None, other_hz=1e9)
    main, docks = Panel("main"), [Panel("a"), Panel("b")]
    c.wall += TICK_S
    offered = []
    for panel in s.plan(True, main, docks):
        offered.append(panel)
        c.wall += 0.05  # this draw takes 50 ms of wall time
        s.drew(panel)
    assert offered == [main]


def test_free_draws_other_panels_at_most_at_their_rate_and_main_at_every_tick():
    s, c = make(budget=None, other_hz=5.0)
    main, docks = Panel("main", 0.001), [Panel("a", 0.001), Panel("b", 0.001)]
    counts = {"main": 0, "a": 0, "b": 0}
    for _ in range(40):  # 2 s of 20 Hz ticks, every panel with new data on every tick
        _, drawn = tick(s, c, main, docks)
        for p in drawn:
            counts[p.name] += 1
    assert counts["main"] == 40
    assert counts["a"] == counts["b"] == 10  # 5 Hz over 2 s: every 4th tick


def test_time_spent_without_a_new_frame_counts_against_the_tick_but_not_as_a_frame():
    s, c = make(None, frame_budget_s=0.010)
    main, others = panels(2)
    c.wall += TICK_S
    offered = []
    for panel in s.plan(True, main, others):
        offered.append(panel)
        if panel is main:
            s.drew(main, 0.020, frame=False)  # its turn spent re-decoding the sliders' pictures, nothing new to draw
    assert offered == [main]  # the tick's time is spent: the others wait for the next tick
    assert s.draws == 0 and s.draw_counts.get(main, 0) == 0
