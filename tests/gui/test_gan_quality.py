"""The sample-quality panel in a real 2-D GAN window: one row per snapshot of the views, the curves
are exactly the snapshots' KL, JS, modes and high-quality fraction, and the readout shows the newest."""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QDockWidget

from gui.panels.gan_quality import SampleQualityPanel
from tests.gui.helpers import TIMEOUT_MS, close_window, open_window, pause_and_settle, press, wait_for_step


def raised(qtbot, panel) -> None:
    dock = panel.parentWidget()
    while not isinstance(dock, QDockWidget):
        dock = dock.parentWidget()
    dock.raise_()
    qtbot.waitUntil(panel.isVisible, timeout=TIMEOUT_MS)


def test_the_panel_plots_the_snapshots_quality_over_time(qtbot):
    w = open_window(qtbot, "gan", "ring8", placement="thread")
    try:
        panel = next(p for p in w.panels.all() if type(p) is SampleQualityPanel)
        raised(qtbot, panel)
        seen: dict[int, tuple] = {}  # step -> the snapshot's figures, as they arrive
        w.session.snapshot_arrived.connect(lambda: seen.__setitem__(
            w.session.snapshot["step"], tuple(float(w.session.snapshot[k]) for k in
                                              ("quality_kl", "quality_js", "quality_modes", "quality_hq_fraction"))))
        press(qtbot, w, "train")
        wait_for_step(qtbot, w, 50)
        qtbot.waitUntil(lambda: panel.filled >= 3, timeout=TIMEOUT_MS)
        pause_and_settle(qtbot, w)
        w.redraw_all()
        steps, rows = panel.recorded()
        assert list(steps) == sorted(set(steps)) and len(steps) >= 3
        for step, row in zip(steps, rows, strict=True):
            kl, js, modes, hq = seen[int(step)]
            assert tuple(row) == (kl, js, modes / 8, hq)
        for i, name in enumerate(("quality_kl", "quality_js", "quality_modes_fraction", "quality_hq_fraction")):
            x, y = panel.curves[name].getData()
            np.testing.assert_array_equal(x, steps)
            np.testing.assert_array_equal(y, rows[:, i])
        kl, js, modes, hq = seen[int(steps[-1])]
        keys = panel.divergence_key.text() + panel.fraction_key.text()  # the newest figures, in the curve keys
        for text in (f"KL(real ‖ fake) = {kl:.3g}", f"JS(real, fake) = {js:.3g}", f"modes covered / all modes: "
                     f"{int(modes)} of 8", f"high-quality fraction: {hq:.0%}"):
            assert text in keys
        assert panel.fractions.isVisible()
    finally:
        close_window(w)


def test_without_known_modes_only_the_divergences_are_plotted(qtbot):
    w = open_window(qtbot, "gan", "moons", placement="thread")
    try:
        panel = next(p for p in w.panels.all() if type(p) is SampleQualityPanel)
        raised(qtbot, panel)
        assert not panel.fractions.isVisible() and panel.divergence.isVisible()
        assert "only on ring8 and grid25" in panel.fraction_key.text()
    finally:
        close_window(w)
