"""`bench`: issue 9's performance figures, measured in one run, with the window filling a 1920x1080
screen (SCREEN; off-screen unless a display is set) so that every panel is on screen. For GAN ring8,
VAE MNIST and RealNVP moons:

1. steps/s with the window open (engine in its own process) over steps/s headless, interleaved, and
   each round's own ratio; the engine's steps/s with its messages thrown away (what streaming to a
   window costs, apart from the window's presence); the thread placement (the old design) for GAN
   ring8; headless over a plain PyTorch loop;
2. distinct frames per second of every panel, snapshots/s and history updates/s while training;
3. how far the history lines trail the engine when they draw (p50/p95/max);
4. the GUI thread's timer lateness (p99/max) while training;
5. slider move -> picture on screen (p95) while training (GAN, VAE);
6. the window usable after launch, and Train -> first step (engine cold, and warm);
7. resident memory growth of the window and of the engine over a longer run.

Headless runs in a fresh `python -m core.plain_loop headless ...`, so it shares nothing with the window.

Then issue 11's, for an engine served over loopback TCP (`python main.py engine --listen 127.0.0.1:0`,
a fresh process per round), the same three models: its steps/s with a window attached (`gui --attach`)
over its steps/s with nothing attached, interleaved (the engine's own wall time of its loop in both:
the line it prints when a loop ends, and the state message the window gets); the attached window's
per-panel frames/s, snapshots/s, history lag and timer lateness meanwhile; slider -> picture p95 (GAN,
VAE); the traffic on the window's socket at the default rates (MB/s it receives, bytes/s it sends).

And issue 12's: scrubbing to recorded steps (every panel redrawn); steps/s of the same window run with
the timeline off and on (GAN ring8, and VAE MNIST but not with --quick), and the share of the engine's loop
time spent in the timeline's record calls (core.plain_loop recording_share); the timeline's size on disk for a
default-length run of each (extrapolated from the real frames, see timeline_on_disk); seconds to write
a 200-frame GIF of the GAN's main view (with --quick, 50 frames, scaled).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, QTimer

from core.engine import torch_threads_for_engine
from core.presets import build_config
from gui.app import make_app, use_private_settings
from gui.controller import wait_until
from gui.engine_link import LIVE_PROCESSES, read_key_file
from gui.main_window import MainWindow

ROOT = Path(__file__).resolve().parent.parent
MODELS = (("gan", "ring8"), ("vae", "mnist"), ("realnvp", "moons"))
WARMUP_S = 1.5  # a window's first paints are costly: per-panel rates start after this


# -- headless, in fresh processes ---------------------------------------------------------------
def run_python(args: list[str], timeout: float = 600) -> str:
    """Run a fresh interpreter as the engine's is run (OMP_WAIT_POLICY must be set before torch loads)."""
    done = subprocess.run([sys.executable, *args], cwd=ROOT, env=child_env(), capture_output=True, text=True,
                          timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"{args[:3]} failed: {done.stderr[-600:]}")
    return done.stdout.strip().splitlines()[-1]


def child_json(*argv) -> dict:
    return json.loads(run_python(["-m", "core.plain_loop", *map(str, argv)]))


def child_env() -> dict:
    return dict(os.environ, OMP_WAIT_POLICY="PASSIVE", QT_QPA_PLATFORM="offscreen",
                PYTHONPATH=os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p))


# -- the window ---------------------------------------------------------------------------------
# Off-screen, Qt's screen is 800x800, where the window stacks most docks into tabs (panels in a hidden
# tab draw once a second). bench's windows fill a screen of this size instead, where every panel of
# each model is on screen at once (the figures say how many were).
SCREEN = (1920, 1080)


def use_bench_screen() -> None:
    """Without a display: Qt's offscreen platform with one SCREEN-sized screen."""
    if os.environ.get("QT_QPA_PLATFORM", "offscreen") != "offscreen":
        return  # a real display (or a chosen platform): measured as it is
    path = Path(tempfile.gettempdir()) / "genviz-bench-screen.json"
    path.write_text(json.dumps({"screens": [{"name": "bench", "x": 0, "y": 0, "width": SCREEN[0],
                                             "height": SCREEN[1], "logicalDpi": 96, "logicalBaseDpi": 96,
                                             "dpr": 1}]}))
    os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={path}"


def rss_mb(pid: int | str = "self") -> float:
    with open(f"/proc/{pid}/status") as fh:
        return next(int(line.split()[1]) / 1024 for line in fh if line.startswith("VmRSS:"))


class LatenessProbe:
    """A precise GUI-thread timer; how late each tick fires is how long the GUI was blocked."""

    def __init__(self, interval_ms: int = 10):
        self.interval = interval_ms / 1000
        self.ticks: list[float] = []
        self.timer = QTimer()
        self.timer.setTimerType(Qt.PreciseTimer)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(lambda: self.ticks.append(time.perf_counter()))

    def start(self):
        self.ticks.clear()
        self.timer.start()

    def stop(self) -> list[float]:
        self.timer.stop()
        return list(np.maximum(np.diff(self.ticks) - self.interval, 0) * 1000)


def open_window(cfg, placement: str = "process"):
    """The real window filling its screen (SCREEN off-screen), our model built and the engine warm."""
    window = MainWindow(cfg.model, cfg.data.dataset, engine=placement)
    window.ask_save_on_close = lambda: "discard"  # no dialog when a window closes mid-run
    window.resize(window.screen().availableGeometry().size())  # before the build: docks are laid out for it
    window.session.build(cfg)
    window.show()
    wait_until(lambda: window.session.device != "", 120)  # the engine built this model
    hook_history_lags(window)
    return window


def hook_history_lags(window) -> None:
    """Once the window's panels are built for its model: note each history panel's lags."""
    window.history_lags = []  # (when, seconds): filled by the history panels' hooked render
    for panel in window.panels.all():
        if "history" in type(panel).uses:
            hook_history_lag(panel, window.history_lags)


def hook_history_lag(panel, lags: list) -> None:
    """When a history panel draws a history it has not drawn yet, note how old the newest row is."""
    render, seen = panel.render, [-1]

    def timed_render(session):
        render(session)
        if session.history and session.history_version != seen[0]:
            seen[0] = session.history_version
            lags.append((time.perf_counter(), time.time() - session.history["sent_at"]))

    panel.render = timed_render


def close_window(app, window) -> None:
    window.close()  # shuts the engine down (waits for it)
    window.deleteLater()
    app.processEvents()


def train_and_watch(window, steps: int) -> dict:
    """Train `steps` steps from the start; watch the panels from WARMUP_S after Train to the end."""
    s, counts, probe = window.session, window.scheduler.draw_counts, LatenessProbe()
    panels = window.panels.all()

    def mark() -> tuple:
        return (time.perf_counter(), [counts.get(p, 0) for p in panels], s.snapshot_version, s.history_version,
                link_bytes(s.link), time.thread_time())

    end: list[tuple] = []

    def on_state(state: str) -> None:  # the end: the moment the engine says its loop ended
        if state == "stopped" and not end:
            end.append(mark())

    s.last_run = None
    s.start(max_steps=steps)
    started = time.perf_counter()
    wait_until(lambda: time.perf_counter() - started >= WARMUP_S or s.last_run is not None, 60)
    begin, on_screen = mark(), [p.on_screen() for p in panels]
    probe.start()
    s.state_changed.connect(on_state)
    wait_until(lambda: s.last_run is not None, 600)
    s.state_changed.disconnect(on_state)
    last = end[0] if end else mark()
    late = [x for x, t in zip(probe.stop(), probe.ticks[1:], strict=False) if t <= last[0]]
    return {"steps_per_s": s.last_run["steps"] / s.last_run["wall_s"], "elapsed": last[0] - begin[0],
            "frames": np.subtract(last[1], begin[1]), "on_screen": on_screen, "panels": len(panels),
            "snapshots": last[2] - begin[2], "history_updates": last[3] - begin[3], "lateness_ms": late,
            "bytes_received": last[4][0] - begin[4][0], "bytes_sent": last[4][1] - begin[4][1],
            "lags": [lag for t, lag in window.history_lags if begin[0] <= t <= last[0]],
            # the CPU the window's own thread used: with training in-process, what it takes from training
            "gui_cpu_s": last[5] - begin[5]}


def link_bytes(link) -> tuple[int, int]:
    """(received, sent): bytes on the wire of the window's link so far (its socket to the engine's
    process or to a remote engine); (0, 0) for the thread placement, which has none."""
    channel = getattr(link, "channel", None)
    received = getattr(link, "bytes_received", 0)  # a remote link's earlier connections
    if channel is None:
        return received, 0
    return received + channel.bytes_received, channel.bytes_sent


def spread(values: list[float], *quantiles: int) -> dict:
    """Percentiles and max; NaN when there is nothing (which the test catches)."""
    v = np.asarray(values, float)
    if len(v) == 0:
        return {**{f"p{q}": float("nan") for q in quantiles}, "max": float("nan"), "n": 0}
    return {**{f"p{q}": float(np.percentile(v, q)) for q in quantiles}, "max": float(v.max()), "n": len(v)}


def summarise(watches: list[dict], names: list[str]) -> dict:
    """Pool the rounds: total frames over total watched time, every lag and lateness sample."""
    elapsed = max(sum(w["elapsed"] for w in watches), 1e-9)
    frames = np.sum([w["frames"] for w in watches], axis=0)
    return {
        # panels in a hidden dock tab draw at most once a second (gui/panels/base.py)
        "panels_on_screen": {n: all(w["on_screen"][i] for w in watches) for i, n in enumerate(names)},
        "panels_visible": f"{sum(all(w['on_screen'][i] for w in watches) for i in range(len(names)))}/{len(names)}",
        "main_view": names[0], "watched_s": elapsed,
        "panel_fps": {n: float(f / elapsed) for n, f in zip(names, frames, strict=True)},
        "snapshots_per_s": sum(w["snapshots"] for w in watches) / elapsed,
        "history_updates_per_s": sum(w["history_updates"] for w in watches) / elapsed,
        "history_lag_s": spread(sum((w["lags"] for w in watches), []), 50, 95),
        "timer_lateness_ms": spread(sum((w["lateness_ms"] for w in watches), []), 99),
        "gui_thread_cpu_share": sum(w["gui_cpu_s"] for w in watches) / elapsed,
    }


def panel_names(window) -> list[str]:
    names: list[str] = []
    for panel in window.panels.all():
        name = type(panel).__name__
        names.append(name if name not in names else f"{name}#{names.count(name) + 1}")
    return names


def throughput(app, model: str, dataset: str, steps: int, rounds: int, thread_too: bool = False):
    """Headless and window-open runs interleaved; returns the figures and the last window (open)."""
    cfg = build_config(model, dataset, overrides={"train.steps": steps})
    base, alone, watches, thread, window = [], [], [], [], None
    for _ in range(rounds):
        if window is not None:
            close_window(app, window)
        base.append(child_json("headless", model, dataset, steps)["steps_per_s"])
        alone.append(child_json("engine", model, dataset, steps)["steps_per_s"])
        window = open_window(cfg)
        watches.append(train_and_watch(window, steps))
        if thread_too:  # the old design: training in the window's own process, draws budgeted
            old = open_window(cfg, "thread")
            thread.append(train_and_watch(old, steps))
            close_window(app, old)
    names, headless = panel_names(window), float(np.median(base))
    rates = [w["steps_per_s"] for w in watches]
    gui = float(np.median(rates))
    # The machine's speed drifts by several per cent over a bench (seen here: headless 82 to 98 steps/s within
    # minutes), so each round's runs, back to back, also give a ratio of their own.
    out = {"steps": steps, "rounds": rounds, "headless_steps_per_s": headless,
           "window_steps_per_s": gui, "window_over_headless": gui / headless,
           "window_over_headless_rounds": [w / b for w, b in zip(rates, base, strict=True)],
           # the window's cost split in two: streaming (the engine's own work for the views) and presence
           "engine_alone_steps_per_s": float(np.median(alone)),
           "engine_alone_over_headless_rounds": [a / b for a, b in zip(alone, base, strict=True)],
           **summarise(watches, names)}
    if thread:
        rate = float(np.median([w["steps_per_s"] for w in thread]))
        out["thread_placement"] = {"window_steps_per_s": rate, "window_over_headless": rate / headless,
                                   **{k: v for k, v in summarise(thread, names).items()
                                      if k in ("snapshots_per_s", "timer_lateness_ms", "history_lag_s",
                                              "gui_thread_cpu_share")}}
    return out, window


def scrub_latency(window, positions: int = 20) -> dict:
    """Issue 12: take the window back to recorded steps spread over the run (as the scrubber does), each
    time until every panel has drawn and the window has painted; then back to live. Also the size of the
    window's timeline."""
    s = window.session
    steps = s.timeline.steps()
    picks = [steps[i] for i in np.linspace(0, len(steps) - 1, min(positions, len(steps))).astype(int)]
    times = []
    for step in picks:
        t0 = time.perf_counter()
        s.view_step(step)
        window.redraw_all()
        window.repaint()  # paints the whole window now
        times.append((time.perf_counter() - t0) * 1000)
    s.view_live()
    return {**spread(times, 50, 95), "timeline_frames": len(steps), "timeline_mb": s.timeline.nbytes / 1e6}


def recording_cost(app, model: str, dataset: str, steps: int, rounds: int) -> dict:
    """Issue 12: the same window run (engine in its own process) with the timeline off and on
    (core.timeline.RECORDING_ENV, read by the window and its engine when the model is built),
    interleaved; steps/s from the engine's own loop time, as in throughput."""
    from core.timeline import RECORDING_ENV

    cfg = build_config(model, dataset, overrides={"train.steps": steps})
    rates: dict[str, list[float]] = {"off": [], "on": []}
    for _ in range(rounds):
        for mode in ("off", "on"):
            os.environ[RECORDING_ENV] = mode
            try:
                window = open_window(cfg)
            finally:
                os.environ.pop(RECORDING_ENV, None)
            assert (window.session.timeline is not None) == (mode == "on")
            rates[mode].append(train_and_watch(window, steps)["steps_per_s"])
            close_window(app, window)
    off, on = float(np.median(rates["off"])), float(np.median(rates["on"]))
    share = child_json("recording", model, dataset, steps)  # timed where it is paid, free of the runs' drift
    return {"steps": steps, "rounds": rounds, "off_steps_per_s": off, "on_steps_per_s": on, "on_over_off": on / off,
            "engine_record_share": share["record_share"], "engine_record_calls": share["record_calls"]}


def timeline_on_disk(window) -> dict:
    """Issue 12: the timeline file of a run of the default length (train.steps of the model's defaults),
    extrapolated: this window's newest frame (the model's real weights) offered every k steps, k the
    median spacing of the frames the window recorded while it trained, through the timeline's own
    thinning, then saved to a temporary file whose size is read back."""
    from core.models import data_kind
    from core.timeline import BYTE_BUDGET, TIMELINE, timeline_for

    s = window.session
    steps, weights = s.timeline.steps(), s.timeline.frames()[-1].weights
    every = max(1, int(np.median(np.diff(steps)))) if len(steps) > 1 else 1
    default_steps = build_config(s.cfg.model, s.cfg.data.dataset).train.steps
    timeline = timeline_for(data_kind(s.cfg.data.dataset))
    for step in range(0, default_steps + 1, every):
        timeline.record(step, weights)  # a reference: frames share one set of arrays in memory, not on disk
    timeline.record(default_steps, weights, force=True)  # a save's last frame
    with tempfile.TemporaryDirectory() as folder:
        size = timeline.save(Path(folder) / TIMELINE).stat().st_size
    kind = data_kind(s.cfg.data.dataset)
    return {"default_train_steps": default_steps, "recorded_every_steps": every, "frames": len(timeline),
            "frame_mb": sum(int(a.nbytes) for a in weights.values()) / 1e6, "file_mb": size / 1e6,
            "budget_mb": BYTE_BUDGET.get(kind, BYTE_BUDGET["image"]) / 1e6}


def gif_write_time(window, count: int = 200) -> dict:
    """Issue 12: seconds to write a `count`-frame GIF of the main view from this window's timeline, as
    Export does (gui.export.FilmWriter on a gui.replay.Replay, 10 fps); its frames repeat from the start
    when the timeline holds fewer (each is drawn and encoded all the same). seconds_for_200_frames is
    measured with count = 200 (the full bench), else scaled from `count` frames (--quick)."""
    from gui.export import FilmWriter
    from gui.replay import Replay

    s = window.session
    recorded = s.timeline.frames()
    frames = [recorded[i % len(recorded)] for i in range(count)]
    replay = Replay(s.cfg, s.metrics, "main")
    try:
        with tempfile.TemporaryDirectory() as folder:
            out = Path(folder) / "main.gif"
            started = time.perf_counter()
            film = FilmWriter(replay, frames, [], out, 10)
            while not film.advance():
                pass
            film.finish()
            seconds = time.perf_counter() - started
            size_mb = out.stat().st_size / 1e6
        size = replay.size
    finally:
        replay.close()
    return {"frames": count, "distinct_frames": len({f.step for f in frames}), "seconds": seconds,
            "seconds_for_200_frames": seconds * 200 / count, "extrapolated": count != 200,
            "mb": size_mb, "width": size.width(), "height": size.height()}


def slider_latency(window, moves: int) -> dict:
    """Move a latent slider every 40 ms while training; time each move until it is painted."""
    s, slider, times = window.session, window.panels.sliders.sliders[0], []

    def move():
        t0 = time.perf_counter()
        slider.setValue(150 if slider.value() <= 0 else -150)  # decodes and repaints synchronously
        times.append((time.perf_counter() - t0) * 1000)

    step0 = s.step
    s.start(max_steps=step0 + 10**7)
    wait_until(lambda: s.step > step0, 60)  # training again
    timer = QTimer()
    timer.setInterval(40)
    timer.timeout.connect(move)
    timer.start()
    wait_until(lambda: len(times) >= moves, 120)
    timer.stop()
    trained = s.step - step0
    s.stop()
    wait_until(lambda: s.state == "stopped", 30)
    return {"p95": float(np.percentile(times, 95)), "max": float(np.max(times)), "moves": len(times),
            "trained_steps_meanwhile": trained}


def memory_growth(window, steps: int) -> dict:
    """RSS of the window's process and of its engine's, before and after `steps` more steps."""
    s = window.session
    pid = s.link.process.pid
    before = rss_mb(), rss_mb(pid)
    started = time.perf_counter()
    s.last_run = None
    s.start(max_steps=s.step + steps)
    wait_until(lambda: s.last_run is not None, 1200)
    after = rss_mb(), rss_mb(pid)
    return {"steps": steps, "seconds": time.perf_counter() - started,
            **{f"{who}_rss_mb": {"before": b, "after": a, "growth": a - b}
               for who, b, a in zip(("window", "engine"), before, after, strict=True)}}


# -- an engine served over TCP, with a window attached or nothing ------------------------------
LISTENING = re.compile(r"listening on (tcp://\S+);.*--key-file (\S+)")
TRAINED = re.compile(r"trained (\d+) steps in ([0-9.]+) s")


def served_threads() -> int:
    return int(os.environ.get("OMP_NUM_THREADS") or torch_threads_for_engine())


class ServedEngine:
    """`python main.py engine --listen 127.0.0.1:0 --model M --dataset D --steps N --device cpu` in a fresh
    process, with a run root of its own; a thread collects its output lines (stdout and stderr).

    Its torch threads are the local engine's (every core but the window's; OMP_NUM_THREADS if set), not
    the command's default of every core: here the window shares the engine's machine, and on a 2-core
    box two OpenMP threads trained GAN ring8 at under half the rate of one, with or without a window."""

    def __init__(self, model: str, dataset: str, steps: int, paused: bool = False):
        self.root = Path(tempfile.mkdtemp(prefix="genviz-bench-engine-"))
        command = [sys.executable, "main.py", "engine", "--listen", "127.0.0.1:0", "--model", model,
                   "--dataset", dataset, "--steps", str(steps), "--device", "cpu", "--run-root", str(self.root / "run")]
        env = {**child_env(), "OMP_NUM_THREADS": str(served_threads())}
        self.proc = subprocess.Popen(command + (["--paused"] if paused else []), cwd=ROOT, env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        LIVE_PROCESSES.append(self.proc)  # counted in engines_left_running
        self.lines: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.append(line.rstrip())

    def wait_for(self, pattern: re.Pattern, timeout: float) -> re.Match:
        """The first line that matches, once there is one; the Qt event loop runs meanwhile."""
        found: list[re.Match] = []

        def seen() -> bool:
            found.extend(m for m in map(pattern.search, self.lines) if m)
            return bool(found) or self.proc.poll() is not None

        wait_until(seen, timeout)
        if not found:
            tail = "\n".join(self.lines[-8:])
            raise RuntimeError(f"the engine said no {pattern.pattern!r} (exit code {self.proc.poll()}):\n{tail}")
        return found[0]

    def close(self) -> None:
        """SIGTERM (it saves its run and exits), then kill if it has not ended in 30 s."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.reader.join(5)
        self.proc.stdout.close()
        shutil.rmtree(self.root, ignore_errors=True)


def served_alone(model: str, dataset: str, steps: int) -> float:
    """Nothing attached: the engine trains `steps` steps from its start; its own steps/s."""
    engine = ServedEngine(model, dataset, steps)
    try:
        m = engine.wait_for(TRAINED, 600)
        return int(m.group(1)) / float(m.group(2))
    finally:
        engine.close()


def served_attached(app, model: str, dataset: str, steps: int, slider_moves: int = 0) -> dict:
    """A window attached before the first step (the engine waits paused; the window stops that loop and
    trains `steps` steps from step 0, as the local rounds do): train_and_watch's figures, the rate from the
    engine's own wall time (its state message), and the slider's latency after, if asked."""
    engine = ServedEngine(model, dataset, steps, paused=True)
    window = None
    try:
        address, key_file = engine.wait_for(LISTENING, 120).groups()
        window = MainWindow(attach=address, key=read_key_file(key_file))
        window.resize(window.screen().availableGeometry().size())  # as open_window: every panel on screen
        window.ask_save_on_close = lambda: "discard"
        window.show()
        s = window.session
        if not wait_until(lambda: s.device != "" and s.history is not None and s.state == "paused", 120):
            raise RuntimeError(f"the attached window got no model (link {s.link_state!r}, state {s.state!r})")
        s.stop()  # the paused loop ends (0 steps); the watched one starts at step 0
        wait_until(lambda: s.state == "stopped", 30)
        hook_history_lags(window)
        watch = train_and_watch(window, steps)
        watch["names"] = panel_names(window)
        if slider_moves:
            watch["slider_to_screen_ms"] = slider_latency(window, slider_moves)
        return watch
    finally:
        if window is not None:
            close_window(app, window)  # detaches only
        engine.close()


def attached_engine(app, model: str, dataset: str, steps: int, rounds: int, slider_moves: int = 0) -> dict:
    """Rounds of (nothing attached, a window attached), each a fresh engine; medians of the rates."""
    alone, watches = [], []
    for r in range(rounds):
        alone.append(served_alone(model, dataset, steps))
        watches.append(served_attached(app, model, dataset, steps, slider_moves if r == rounds - 1 else 0))
    rate, base = float(np.median([w["steps_per_s"] for w in watches])), float(np.median(alone))
    elapsed = max(sum(w["elapsed"] for w in watches), 1e-9)
    out = {"steps": steps, "rounds": rounds, "engine_torch_threads": served_threads(),
           "alone_steps_per_s": base, "attached_steps_per_s": rate, "attached_over_alone": rate / base, **summarise(watches, watches[-1]["names"]),
           "received_mb_per_s": sum(w["bytes_received"] for w in watches) / elapsed / 1e6,
           "sent_bytes_per_s": sum(w["bytes_sent"] for w in watches) / elapsed}
    if "slider_to_screen_ms" in watches[-1]:
        out["slider_to_screen_ms"] = watches[-1]["slider_to_screen_ms"]
    return out


LAUNCH = """
import time; t0 = time.time()
import json
from gui.app import make_app, use_private_settings
from gui.controller import wait_until
from gui.main_window import MainWindow
from PySide6.QtCore import Qt, QTimer
use_private_settings()
app = make_app()
window = MainWindow("gan", "ring8", build_in_background=True)  # as run_gui opens it
window.show()
ticks = []  # a 10 ms timer from the first tick on: how long the GUI thread is blocked while the model builds
probe = QTimer()
probe.setTimerType(Qt.PreciseTimer)
probe.setInterval(10)
probe.timeout.connect(lambda: ticks.append(time.perf_counter()))
def usable():
    out = {"t0": t0, "usable": time.time(), "model_built_at_usable": window.session.model is not None}
    probe.start()
    wait_until(lambda: window.session.model is not None, 120)
    out["model_ready"] = time.time()
    gaps = [b - a - 0.01 for a, b in zip(ticks, ticks[1:])]
    out["blocked_max_ms"] = 1000 * max(gaps, default=0.0)
    wait_until(lambda: window.session.device != "", 120)  # so that close() ends a started engine
    out["engine_ready"] = time.time()
    probe.stop()
    window.close()
    print(json.dumps({**out, "engine_exit": window.session.link.process.poll()}), flush=True)
    app.quit()
QTimer.singleShot(0, usable)  # runs once the event loop ticks with the window shown
app.exec()
"""


def usable_after_launch() -> dict:
    """A fresh `python`, like `python main.py gui`: seconds from its start to a live window; then how
    long until the window's copy of the model is built (in a thread, with torch's import), and the
    longest the GUI thread was blocked meanwhile."""
    spawned = time.time()
    t = json.loads(run_python(["-c", LAUNCH], timeout=180))
    return {"usable_s": t["usable"] - spawned, "usable_after_first_statement_s": t["usable"] - t["t0"],
            "model_built_at_usable": t["model_built_at_usable"], "model_ready_s": t["model_ready"] - spawned,
            "blocked_max_ms": t["blocked_max_ms"],
            "engine_ready_s": t["engine_ready"] - spawned, "engine_exit_code": t["engine_exit"]}


def first_step_after_train(app, wait_s: float) -> float:
    """As a user: a new window shown, Train pressed once it is usable (+ wait_s), until step > 0."""
    window = MainWindow("gan", "ring8")
    window.ask_save_on_close = lambda: "discard"
    window.show()
    pressed: list[float] = []
    QTimer.singleShot(int(wait_s * 1000), lambda: (pressed.append(time.perf_counter()), window.on_train()))
    wait_until(lambda: pressed and window.session.step > 0, 120)
    seconds = time.perf_counter() - pressed[0]
    close_window(app, window)
    return seconds


# -- the run --------------------------------------------------------------------------------------
def run_bench(as_json: bool = False, quick: bool = False) -> int:
    # Steps per model so that a window-open run lasts a few seconds past WARMUP_S on one busy core.
    scale, rounds = (1, 1) if quick else (3, 3)
    steps = {"gan": 700 * scale, "vae": 450 * scale, "realnvp": 400 * scale}
    started = time.perf_counter()
    out: dict = {"quick": quick, "cpus": os.cpu_count(), "torch_threads_engine": torch_threads_for_engine()}
    out["plain_loop"] = child_json("plain", 300 if quick else 1500, rounds)

    use_bench_screen()  # before the QApplication exists
    use_private_settings()
    app = make_app()
    out["launch"] = usable_after_launch()
    out["first_step_after_train_s"] = {"at_once": first_step_after_train(app, 0.0),
                                       "engine_warm_2s": first_step_after_train(app, 2.0)}
    out["models"] = {}
    for model, dataset in MODELS:
        figures, window = throughput(app, model, dataset, steps[model], rounds, thread_too=model == "gan")
        figures["scrub_ms"] = scrub_latency(window)
        if model in ("gan", "vae"):  # issue 12's default 2-D run and default MNIST run
            figures["timeline_on_disk"] = timeline_on_disk(window)
        if model == "gan":
            figures["gif_main_view"] = gif_write_time(window, 50 if quick else 200)
        if model in ("gan", "vae"):
            figures["slider_to_screen_ms"] = slider_latency(window, 40 if quick else 150)
        if model == "gan":
            out["memory"] = memory_growth(window, 400 if quick else steps["gan"] * 5)
        close_window(app, window)
        if model == "gan" or (model == "vae" and not quick):
            figures["recording_cost"] = recording_cost(app, model, dataset, steps[model], rounds)
        out["models"][f"{model}/{dataset}"] = figures
    out["attached"] = {}
    for model, dataset in MODELS:
        out["attached"][f"{model}/{dataset}"] = attached_engine(
            app, model, dataset, steps[model], rounds, (40 if quick else 150) if model in ("gan", "vae") else 0)
    out["engines_left_running"] = sum(p.poll() is None for p in LIVE_PROCESSES)
    out["bench_s"] = time.perf_counter() - started
    print(json.dumps(out, indent=2) if as_json else table(out))
    sys.stdout.flush()
    return 0


def table(out: dict) -> str:
    p, la, fs, mem = out["plain_loop"], out["launch"], out["first_step_after_train_s"], out["memory"]
    lines = [f"cpus {out['cpus']}, engine torch threads {out['torch_threads_engine']}, quick={out['quick']}, "
             f"bench took {out['bench_s']:.0f} s, engines left running {out['engines_left_running']}",
             f"headless / plain loop (GAN ring8): {p['headless_over_plain']:.2f}  "
             f"(same metrics: {p['headless_over_plain_with_same_metrics']:.2f}; "
             f"{p['headless_steps_per_s']:.0f} vs {p['plain_steps_per_s']:.0f} steps/s)",
             f"window usable after launch: {la['usable_s']:.2f} s (its model built {la['model_ready_s']:.2f} s, "
             f"GUI blocked at most {la['blocked_max_ms']:.0f} ms meanwhile; engine ready {la['engine_ready_s']:.2f} s)",
             f"Train -> first step: {fs['at_once']:.2f} s at once, {fs['engine_warm_2s']:.2f} s engine warm",
             f"memory over {mem['steps']} steps ({mem['seconds']:.0f} s): window "
             f"{mem['window_rss_mb']['before']:.0f} -> {mem['window_rss_mb']['after']:.0f} MB, engine "
             f"{mem['engine_rss_mb']['before']:.0f} -> {mem['engine_rss_mb']['after']:.0f} MB"]
    for name, m in out["models"].items():
        lines += ["", f"{name}: {m['steps']} steps x {m['rounds']} rounds, panels visible {m['panels_visible']}",
                  f"  window / headless: {m['window_over_headless']:.2f} "
                  f"({m['window_steps_per_s']:.0f} vs {m['headless_steps_per_s']:.0f} steps/s; "
                  f"by round {spread_text(m['window_over_headless_rounds'])})",
                  f"  engine streaming to no window / headless: by round "
                  f"{spread_text(m['engine_alone_over_headless_rounds'])} "
                  f"({m['engine_alone_steps_per_s']:.0f} steps/s)"]
        if "thread_placement" in m:
            t = m["thread_placement"]
            lines.append(f"  thread placement: {t['window_over_headless']:.2f} ({t['window_steps_per_s']:.0f} steps/s),"
                         f" timer lateness p99 {t['timer_lateness_ms']['p99']:.1f} ms, "
                         f"snapshots {t['snapshots_per_s']:.1f}/s")
        lines += liveness(m) + recording(m)
    for name, m in out["attached"].items():
        lines += ["", f"attached engine (loopback TCP), {name}: {m['steps']} steps x {m['rounds']} rounds, "
                      f"engine torch threads {m['engine_torch_threads']}, panels visible {m['panels_visible']}",
                  f"  attached / alone: {m['attached_over_alone']:.2f} "
                  f"({m['attached_steps_per_s']:.0f} vs {m['alone_steps_per_s']:.0f} steps/s)",
                  f"  wire: the window receives {m['received_mb_per_s']:.2f} MB/s, sends {m['sent_bytes_per_s']:.0f} B/s",
                  *liveness(m)]
    return "\n".join(lines)


def spread_text(ratios: list[float]) -> str:
    return " ".join(f"{r:.2f}" for r in ratios)


def recording(m: dict) -> list[str]:
    """Issue 12's figures of a model's run: what recording the timeline costs and takes, a GIF's time."""
    lines = []
    if "recording_cost" in m:
        r = m["recording_cost"]
        lines.append(f"  timeline recording on / off, window open: {r['on_over_off']:.3f} "
                     f"({r['on_steps_per_s']:.0f} vs {r['off_steps_per_s']:.0f} steps/s, {r['rounds']} rounds); "
                     f"the engine's loop spent {r['engine_record_share']:.3%} of its time recording "
                     f"({r['engine_record_calls']} frames offered)")
    if "timeline_on_disk" in m:
        t = m["timeline_on_disk"]
        lines.append(f"  timeline of a default run ({t['default_train_steps']} steps, extrapolated): "
                     f"{t['file_mb']:.1f} MB on disk, {t['frames']} frames of {t['frame_mb']:.2f} MB "
                     f"(budget {t['budget_mb']:.0f} MB)")
    if "gif_main_view" in m:
        g = m["gif_main_view"]
        lines.append(f"  200-frame GIF of the main view ({g['width']}x{g['height']}): {g['seconds_for_200_frames']:.1f} s"
                     + (f" (scaled from {g['frames']} frames)" if g["extrapolated"] else "") + f", {g['mb']:.1f} MB")
    return lines


def liveness(m: dict) -> list[str]:
    """Rates, lags, lateness, slider and per-panel frames/s of a window while training."""
    lag, late = m["history_lag_s"], m["timer_lateness_ms"]
    lines = [f"  snapshots {m['snapshots_per_s']:.1f}/s, history {m['history_updates_per_s']:.1f}/s, "
             f"history lag p50 {lag['p50']:.3f} p95 {lag['p95']:.3f} max {lag['max']:.3f} s",
             f"  timer lateness p99 {late['p99']:.1f} ms, max {late['max']:.1f} ms"]
    if "scrub_ms" in m:
        sc = m["scrub_ms"]
        lines.append(f"  scrub to a recorded step, every panel drawn and painted: p50 {sc['p50']:.0f} ms, "
                     f"p95 {sc['p95']:.0f} ms, max {sc['max']:.0f} ms (timeline {sc['timeline_frames']} frames, "
                     f"{sc['timeline_mb']:.1f} MB)")
    if "slider_to_screen_ms" in m:
        sl = m["slider_to_screen_ms"]
        lines.append(f"  slider -> screen p95 {sl['p95']:.1f} ms, max {sl['max']:.1f} ms ({sl['moves']} moves)")
    return lines + [f"    {fps:6.1f} fps  {panel}{'  (main view)' if panel == m['main_view'] else ''}"
                    f"{'' if m['panels_on_screen'][panel] else '  (in a hidden tab)'}"
                    for panel, fps in m["panel_fps"].items()]
