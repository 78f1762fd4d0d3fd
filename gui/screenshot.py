"""`screenshot`: the real window, off-screen, trained N steps by its real engine."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from core.config import ConfigError

TRAIN_TIMEOUT_S = 600
SETTLE_TIMEOUT_S = 30  # for the final weights to reach the window and become its views
ERROR_AFTER_STOP_S = 10  # a run that stopped short: the engine's error event follows its "stopped"


def take_screenshot(model: str, dataset: str, preset: str | None, steps: int, out: str,
                    engine: str = "process") -> int:
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
    window = MainWindow(model, dataset, preset, engine=engine)
    window.ask_save_on_close = lambda: "discard"  # a command: nobody to ask
    session = window.session
    try:
        if session.model is None:
            raise ConfigError(window.last_message[1] or "could not build the model")
        window.resize(1600, 1000)
        window.show()
        failures: list[str] = []
        session.event.connect(lambda kind, message: failures.append(message) if kind in ("error", "nan") else None)
        session.engine_died.connect(failures.append)
        target = session.step + steps
        session.start(max_steps=target)
        ended = wait_until(lambda: bool(failures) or session.state in ("stopped", "dead"), TRAIN_TIMEOUT_S)
        if not ended:
            return _failed(f"training did not finish within {TRAIN_TIMEOUT_S} s")
        if not failures and session.step < target:  # stopped short: the reason is on its way
            wait_until(lambda: bool(failures), ERROR_AFTER_STOP_S)
            if not failures:
                failures.append(f"training stopped at step {session.step} of {target}")
        if failures:  # the window stays up for a person; a command says it failed
            return _failed(failures[0])
        # The engine sends the final weights as the run ends; the window's copy makes the views from them.
        wait_until(lambda: session.snapshot is not None and session.snapshot["step"] == session.step,
                   SETTLE_TIMEOUT_S)
        if window.panels and window.panels.sliders is not None:
            window.panels.sliders.randomise()
        for panel in window.panels.all():
            panel.force_redraw()
        window.redraw_all()
        app.processEvents()
        if not window.grab().save(str(out_path)):
            return _failed(f"could not write {out}")
        print(f"genviz: saved {out} after {session.step} steps", file=sys.stderr)
        return 0
    finally:
        window.close()  # ends the engine


def _failed(message: str) -> int:
    print(f"genviz: failed: {message}", file=sys.stderr)
    return 1
