"""`screenshot`: the real window, off-screen, trained N steps through the real worker thread."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from core.config import ConfigError


def take_screenshot(model: str, dataset: str, preset: str | None, steps: int, out: str) -> int:
    out_path = Path(out)
    if out_path.suffix.lower() != ".png":
        raise ConfigError(f"--out {out!r} must end in .png")
    if not out_path.parent.exists():
        raise ConfigError(f"--out {out!r}: folder {str(out_path.parent)!r} does not exist")
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from gui.app import make_app, use_private_settings
    from gui.controller import wait_until
    from gui.main_window import MainWindow

    use_private_settings()
    app = make_app()
    window = MainWindow(model, dataset, preset)
    if window.session.trainer is None:
        raise ConfigError(window.last_message[1] or "could not build the model")
    window.resize(1600, 1000)
    window.show()
    session = window.session
    session.start(max_steps=session.trainer.step + steps)
    finished = wait_until(lambda: session.thread is None or session.last_event[0] in ("error", "nan"), 600)
    if not finished:
        session.stop()
        print("genviz: failed: training did not finish within 600 s", file=sys.stderr)
        return 1
    kind, message = session.last_event
    if kind in ("error", "nan"):  # the window stays up for a person; a command says it failed
        session.stop()
        print(f"genviz: failed: {message}", file=sys.stderr)
        return 1
    if window.panels and window.panels.sliders is not None:
        window.panels.sliders.randomise()
    wait_until(lambda: False, 0.3)  # let the last snapshot arrive and draw
    for panel in window.panels.all():
        panel.force_redraw()
    window.redraw_all()
    app.processEvents()
    if not window.grab().save(str(out_path)):
        print(f"genviz: failed: could not write {out}", file=sys.stderr)
        return 1
    window.session.stop()
    window.close()
    print(f"genviz: saved {out} after {session.trainer.step} steps", file=sys.stderr)
    return 0
