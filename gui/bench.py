"""`bench`: the performance figures SPEC.md asks for, as ratios measured in one run.

1. headless genviz vs. a plain PyTorch loop of the same GAN (steps/s);
2. training with the window open and every panel updating vs. the same training headless
   (same model, steps, seed and torch threads), interleaved to cancel drift;
3. the GUI thread's timer lateness (p99, max) while training runs;
4. slider move -> decoded picture on screen (p95) while training runs;
5. resident memory growth over a run with the window open.
"""

from __future__ import annotations

import json
import os
import sys
import time

import numpy as np
import torch

from core.build import build_model
from core.plain_loop import plain_gan_steps_per_sec
from core.presets import build_config
from core.trainer import Trainer

PROBE_INTERVAL_MS = 10


def rss_mb() -> float:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def headless_steps_per_sec(cfg, steps: int) -> float:
    """genviz's trainer with no window: wall time of the whole loop, flushes included."""
    model = build_model(cfg)
    trainer = Trainer(model, flush_interval=0.25, snapshot_interval=None)
    start = time.perf_counter()
    trainer.run(max_steps=steps)
    return steps / (time.perf_counter() - start)


class LatenessProbe:
    """A precise GUI-thread timer; how late each tick fires is how long the GUI was blocked."""

    def __init__(self, interval_ms: int = PROBE_INTERVAL_MS):
        from PySide6.QtCore import Qt, QTimer

        self.interval = interval_ms / 1000
        self.ticks: list[float] = []
        self.timer = QTimer()
        self.timer.setTimerType(Qt.PreciseTimer)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(lambda: self.ticks.append(time.perf_counter()))

    def start(self):
        self.ticks.clear()
        self.timer.start()

    def stop(self) -> dict:
        self.timer.stop()
        late = np.maximum(np.diff(self.ticks) - self.interval, 0) * 1000 if len(self.ticks) > 2 else np.zeros(1)
        return {"p99": float(np.percentile(late, 99)), "max": float(late.max()), "ticks": len(self.ticks)}


def gui_run(app, cfg, steps: int, probe: LatenessProbe | None = None) -> tuple[float, object]:
    """Train `steps` steps with the real window open and every panel visible."""
    from gui.controller import wait_until
    from gui.main_window import MainWindow

    window = MainWindow(cfg.model, cfg.data.dataset)
    window.session.build(cfg)
    window.resize(1600, 1000)
    window.show()
    wait_until(lambda: False, 0.3)
    if probe:
        probe.start()
    draws0 = window.draw_count
    version0 = window.session.snapshot_version
    start = time.perf_counter()
    window.session.start(max_steps=steps)
    wait_until(lambda: window.session.thread is None, 600)
    elapsed = time.perf_counter() - start
    lateness = probe.stop() if probe else None
    drawn = sum(p._drawn_versions is not None for p in window.panels.all())
    rates = {"panel_draws_per_s": (window.draw_count - draws0) / elapsed,
             "snapshots_per_s": (window.session.snapshot_version - version0) / elapsed}
    window.session.stop()
    window.close()
    window.deleteLater()
    app.processEvents()
    return steps / elapsed, {"lateness": lateness, "panels_drawn": drawn, "panels": len(window.panels.all()), **rates}


def window_over_headless(app, cfg, steps: int, rounds: int) -> dict:
    """Steps/s with the window open over steps/s headless, interleaved, same threads and seed;
    with how often the window drew a panel and received a snapshot meanwhile."""
    gui, base, infos = [], [], []
    for _ in range(rounds):
        base.append(headless_steps_per_sec(cfg, steps))
        rate, info = gui_run(app, cfg, steps)
        gui.append(rate)
        infos.append(info)
    return {
        "gui_steps_per_s": float(np.median(gui)),
        "headless_same_threads_steps_per_s": float(np.median(base)),
        "gui_over_headless": float(np.median(gui) / np.median(base)),
        "panels_drawn": f"{infos[-1]['panels_drawn']}/{infos[-1]['panels']}",
        "panel_draws_per_s": float(np.mean([i["panel_draws_per_s"] for i in infos])),
        "snapshots_per_s": float(np.mean([i["snapshots_per_s"] for i in infos])),
    }


def slider_latency(app, model: str, dataset: str, preset: str | None, moves: int) -> dict | None:
    """Move a latent slider every 40 ms while training; time each move until painted."""
    from PySide6.QtCore import QTimer

    from gui.controller import wait_until
    from gui.main_window import MainWindow

    window = MainWindow(model, dataset, preset)
    if window.panels is None or window.panels.sliders is None:
        window.close()
        return None
    window.show()
    window.session.start()
    wait_until(lambda: window.session.snapshot is not None, 120)
    slider = window.panels.sliders.sliders[0]
    times: list[float] = []

    def move():
        t0 = time.perf_counter()
        slider.setValue(150 if slider.value() <= 0 else -150)  # decodes and repaints synchronously
        times.append((time.perf_counter() - t0) * 1000)

    timer = QTimer()
    timer.setInterval(40)
    timer.timeout.connect(move)
    timer.start()
    wait_until(lambda: len(times) >= moves, 120)
    timer.stop()
    steps = window.session.trainer.step
    window.session.stop()
    window.close()
    window.deleteLater()
    app.processEvents()
    return {"model": f"{model}/{dataset}", "p95": float(np.percentile(times, 95)),
            "max": float(np.max(times)), "moves": len(times), "trained_steps_meanwhile": steps}


def run_bench(as_json: bool = False, quick: bool = False) -> int:
    steps = 600 if quick else 3000
    rounds = 1 if quick else 2
    cfg = build_config("gan", "ring8", overrides={"train.steps": steps})
    out: dict = {"device": "cpu", "steps": steps, "quick": quick}

    # 1. Plain loop vs headless, default threads, interleaved.
    out["torch_threads_headless"] = torch.get_num_threads()
    plain, plain_diag, headless = [], [], []
    for _ in range(rounds):
        plain.append(plain_gan_steps_per_sec(cfg, steps))
        plain_diag.append(plain_gan_steps_per_sec(cfg, steps, diagnostics=True))
        headless.append(headless_steps_per_sec(cfg, steps))
    out["plain_steps_per_s"] = float(np.median(plain))
    out["plain_with_same_metrics_steps_per_s"] = float(np.median(plain_diag))
    out["headless_steps_per_s"] = float(np.median(headless))
    out["headless_over_plain"] = out["headless_steps_per_s"] / out["plain_steps_per_s"]
    out["headless_over_plain_with_same_metrics"] = (out["headless_steps_per_s"]
                                                    / out["plain_with_same_metrics_steps_per_s"])

    # 2-3. Window open vs headless, with the GUI's thread setting for both.
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from gui.app import make_app, use_private_settings
    from gui.controller import gui_torch_threads

    use_private_settings()
    app = make_app()
    torch.set_num_threads(gui_torch_threads())
    out["torch_threads_gui"] = torch.get_num_threads()
    rss_start = rss_mb()
    out.update(window_over_headless(app, cfg, steps, rounds))
    # The other models' windows: a VAE on MNIST and a flow on moons.
    out["other_models"] = [
        {"model": f"{c.model}/{c.data.dataset}", **window_over_headless(app, c, n, 1)}
        for c, n in ((build_config("vae", "mnist", overrides={"train.steps": steps // 3}), steps // 3),
                     (build_config("realnvp", "moons", overrides={"train.steps": steps // 2}), steps // 2))
    ]
    # Lateness in a run of its own: the 100 Hz probe is not part of the app.
    lateness = [gui_run(app, cfg, steps, LatenessProbe())[1]["lateness"]]
    out["timer_lateness_ms"] = {"p99": max(x["p99"] for x in lateness), "max": max(x["max"] for x in lateness)}

    # 4. Slider latency while training (GAN, and the VAE on MNIST where its panels exist).
    out["slider_latency_ms"] = [slider_latency(app, "gan", "ring8", None, 40 if quick else 150)]
    try:
        vae = slider_latency(app, "vae", "mnist", None, 40 if quick else 150)
        if vae:
            out["slider_latency_ms"].append(vae)
    except Exception as exc:  # the VAE's panels may not exist yet
        out["slider_latency_ms"].append({"model": "vae/mnist", "skipped": str(exc)[:120]})

    # 5. Memory over one more, longer run with the window open.
    long_steps = steps * (1 if quick else 3)
    before = rss_mb()
    gui_run(app, build_config("gan", "ring8", overrides={"train.steps": long_steps}), long_steps)
    out["rss_mb"] = {"start": rss_start, "before_long_run": before, "after_long_run": rss_mb(),
                     "long_run_steps": long_steps}
    out["rss_growth_mb"] = out["rss_mb"]["after_long_run"] - before

    if as_json:
        print(json.dumps(out, indent=2))
    else:
        for key, value in out.items():
            print(f"{key:>36}: {json.dumps(value) if isinstance(value, (dict, list)) else value}")
    sys.stdout.flush()
    return 0
