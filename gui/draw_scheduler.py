"""Which panels the window's redraw timer may draw on each tick. Qt-free, so tests drive it with fake clocks.

Two modes:

* budgeted (``budget`` is a float): training runs in the window's own process, and every Python line the GUI
  thread runs holds the GIL that training needs between torch ops. A token bucket on the GUI thread's CPU time
  keeps the window to ``budget`` of it while training, and at most one panel draws per tick, so a full update
  spreads over a few ticks instead of blocking the GIL for all panels at once.
* free (``budget`` is None): training runs in another process, so the window may draw at the timer's rate.
  Several panels may draw per tick, until the tick's drawing time passes ``frame_budget_s``.
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Callable, Iterator

DEFAULT_BUDGET = 0.03  # share of the GUI thread's CPU time while training in the same process
BURST_S = 0.02  # unspent budget is saved up to this much CPU time, for one larger redraw
MAX_GAP_S = 2.0  # however slow the machine, some panel is redrawn at least this often
FRAME_BUDGET_S = 0.012  # free mode: a tick stops offering panels once its draws took this long, so input
# and the next tick wait at most about this long (one costly panel may still take longer)
# Free mode: the main view draws at the timer's rate; each other panel at most this often. A person
# reads a loss curve or a histogram at a few frames a second, and every frame drawn here is CPU that
# the engine's process (on a small machine, the other core) does not get.
OTHER_PANEL_HZ = 7.0


class DrawScheduler:
    """Call ``plan`` from the redraw timer and iterate it lazily (it is a generator that reads ``drew``)::

        for panel in scheduler.plan(training, main, others):
            t = time.perf_counter()
            if panel.refresh(session):  # True when it had new data and drew
                scheduler.drew(panel, time.perf_counter() - t)

    Do not turn the plan into a list first: whether it offers the next panel depends on what drew so far.
    ``budget`` may be changed between ticks (e.g. when the engine moves to another process)."""

    def __init__(self, budget: float | None = DEFAULT_BUDGET, burst_s: float = BURST_S, max_gap_s: float = MAX_GAP_S,
                 frame_budget_s: float = FRAME_BUDGET_S, other_hz: float = OTHER_PANEL_HZ,
                 clock: Callable[[], float] = time.perf_counter,
                 cpu_clock: Callable[[], float] = time.thread_time):
        self.budget, self.burst_s, self.max_gap_s, self.frame_budget_s = budget, burst_s, max_gap_s, frame_budget_s
        self.other_interval_s = 1.0 / other_hz
        self.clock, self.cpu_clock = clock, cpu_clock
        self._drawn_at: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # free mode: when each last drew
        self.credit = burst_s  # CPU seconds the GUI thread may still spend on drawing (budgeted mode)
        self._cpu_seen, self._tick_seen = cpu_clock(), clock()
        self._last_draw = float("-inf")
        self._next = 0  # index in `others` that is offered first next time
        self._main_drew_last = False  # budgeted: the main view takes every other turn
        self._main_hogged = False  # free: the main view alone spent the last tick's frame budget
        self._drew_this_tick, self._spent = 0, 0.0
        self._offered_at = 0.0
        self.draws = 0
        # Weak keys: panels are rebuilt when the model changes, and counts must not keep old widgets alive.
        self.draw_counts: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def plan(self, training: bool, main, others: list) -> Iterator:
        """Yield the panels to try drawing this tick, in order; report each one that drew with ``drew``."""
        now = self.clock()
        allowed = self._within_budget(now, training)
        self._drew_this_tick, self._spent = 0, 0.0
        if not allowed:
            return
        if self.budget is None:
            yield from self._free(main, others)
        else:
            yield from self._budgeted(main, others)

    def drew(self, panel, seconds: float | None = None, frame: bool = True) -> None:
        """``panel`` drew (it had new data); ``seconds`` is what it took (default: the time since it was offered).
        frame=False: its turn was spent on other work (the main view's turn re-decoding the sliders' pictures),
        which counts against the tick's time but is not a new frame of the panel."""
        self._spent += self.clock() - self._offered_at if seconds is None else seconds
        self._drew_this_tick += 1
        self._last_draw = self._tick_seen
        if not frame:
            return
        self.draws += 1
        self.draw_counts[panel] = self.draw_counts.get(panel, 0) + 1
        self._drawn_at[panel] = self._tick_seen

    def _within_budget(self, now: float, training: bool) -> bool:
        """The token bucket: each tick earns ``budget`` of the wall time since the last one, and everything the
        GUI thread did meanwhile (drawing, decoding, status) is paid from it."""
        cpu = self.cpu_clock()
        if self.budget is not None:
            earned = (now - self._tick_seen) * self.budget
            # A costly redraw leaves a debt that later ticks pay off, but never more than max_gap_s of earnings:
            # the first paints of a window cost far more than its steady state.
            self.credit = min(max(self.credit + earned - (cpu - self._cpu_seen), -self.max_gap_s * self.budget),
                              self.burst_s)
        self._cpu_seen, self._tick_seen = cpu, now
        if self.budget is None or not training:  # paused or idle: draw freely, and start training debt-free
            self.credit = max(self.credit, 0.0)
            return True
        return self.credit > 0 or now - self._last_draw >= self.max_gap_s

    def _offer(self, panel):
        self._offered_at = self.clock()
        return panel

    def _budgeted(self, main, others: list) -> Iterator:
        # One panel per tick: offer in order until one draws. Main, unless it drew last, then the docks in
        # rotation, then main again (so a tick where no dock has new data still lets main draw).
        order = [] if self._main_drew_last else [main]
        order += [others[(self._next + i) % len(others)] for i in range(len(others))] + [main]
        for panel in order:
            yield self._offer(panel)
            if self._drew_this_tick:
                self._main_drew_last = panel is main
                if panel is not main:
                    self._next = (others.index(panel) + 1) % len(others)
                return

    def _free(self, main, others: list) -> Iterator:
        # Main first, so it draws on every tick it has new data; the others in rotation until the frame budget
        # is spent. The rotation resumes at the first panel not offered, so every panel gets its turn. If main
        # alone spent the budget last tick, it goes last this tick so that the others are not starved.
        hogged, self._main_hogged = self._main_hogged, False
        if not hogged:
            yield self._offer(main)
            if self._spent > self.frame_budget_s:
                self._main_hogged = bool(others)
                return
        start = self._next
        for i in range(len(others)):
            self._next = (start + i + 1) % len(others)
            panel = others[(start + i) % len(others)]
            if self._tick_seen - self._drawn_at.get(panel, float("-inf")) < self.other_interval_s - 1e-9:
                continue  # drew recently enough
            yield self._offer(panel)
            if self._spent > self.frame_budget_s:
                return
        if hogged:
            yield self._offer(main)
