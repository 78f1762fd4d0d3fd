"""bench's fresh-process timings (core.plain_loop): each mode trains the steps asked for and reports a rate."""

from __future__ import annotations

import math

from core.plain_loop import engine_steps_per_sec, headless_steps_per_sec


def test_the_engine_mode_trains_to_the_end_and_reports_its_loops_rate():
    """The engine streaming to no window: its loop ends by itself after the steps (serve() returns)."""
    rate = engine_steps_per_sec("gan", "ring8", 20)
    assert math.isfinite(rate) and rate > 0


def test_the_headless_mode_reports_a_rate():
    rate = headless_steps_per_sec("gan", "ring8", 20)
    assert math.isfinite(rate) and rate > 0


def test_the_recording_mode_times_every_record_call_and_puts_the_method_back():
    from core.plain_loop import recording_share
    from core.timeline import Timeline

    record = Timeline.record
    out = recording_share("gan", "ring8", 30)
    assert Timeline.record is record  # the timing wrapper is gone
    assert out["record_calls"] >= 2  # step 0's frame and later offers of streamed weights
    assert 0 < out["record_s"] < out["loop_s"] and out["record_share"] == out["record_s"] / out["loop_s"]
