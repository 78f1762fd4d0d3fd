"""`python main.py bench --quick --json` runs end to end and reports every figure SPEC.md names."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bench_reports_every_figure():
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    done = subprocess.run([sys.executable, "main.py", "bench", "--quick", "--json"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=400)
    assert done.returncode == 0, done.stderr[-800:]
    figures = json.loads(done.stdout[done.stdout.index("{"):])
    for key in ("headless_over_plain", "headless_over_plain_with_same_metrics", "gui_over_headless"):
        assert 0.1 < figures[key] < 10, (key, figures[key])
    drawn, panels = map(int, figures["panels_drawn"].split("/"))
    assert panels >= 6 and drawn == panels  # every GAN panel really updated during the GUI run
    assert figures["panel_draws_per_s"] > 0 and figures["snapshots_per_s"] > 0
    others = {o["model"]: o for o in figures["other_models"]}
    assert set(others) == {"vae/mnist", "realnvp/moons"}
    for other in others.values():
        assert 0.1 < other["gui_over_headless"] < 10 and other["snapshots_per_s"] > 0
    lateness = figures["timer_lateness_ms"]
    assert 0 <= lateness["p99"] <= lateness["max"]
    gan_slider = figures["slider_latency_ms"][0]
    assert gan_slider["model"] == "gan/ring8" and gan_slider["moves"] >= 40 and gan_slider["p95"] > 0
    assert figures["rss_mb"]["after_long_run"] > 0
