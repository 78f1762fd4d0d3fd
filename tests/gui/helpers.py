"""What the window tests share: driving the window as a person would (typing into the settings,
clicking toolbar buttons) and waiting on what the engine reports, in either placement."""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QToolBar

TIMEOUT_MS = 60_000  # only a failing wait takes this long; CI machines can be slow and shared


def type_into(qtbot, w, name: str, text: str) -> None:
    editor = w.settings_panel.editors[tuple(name.split("."))]
    editor.selectAll()
    qtbot.keyClicks(editor, text)


def press(qtbot, w, action_name: str) -> None:
    """Click the toolbar button of an action, like a person."""
    action = w.actions_by_name[action_name]
    toolbar = w.findChild(QToolBar, "training_toolbar")
    button = toolbar.widgetForAction(action)
    assert button is not None and button.isEnabled(), f"{action_name} button is not clickable"
    qtbot.mouseClick(button, Qt.LeftButton)


def open_window(qtbot, model: str = "gan", dataset: str = "ring8", preset: str | None = None,
                settings: dict[str, str] | None = None, placement: str = "process", show: bool = True):
    """A window with its engine in `placement`; settings typed in, then Reset, as a person would."""
    from gui.app import make_app
    from gui.main_window import MainWindow

    make_app()
    w = MainWindow(model, dataset, preset, engine=placement)
    qtbot.addWidget(w)
    w.ask_save_on_close = lambda: "discard"
    assert w.session.placement == placement
    for name, text in (settings or {}).items():
        type_into(qtbot, w, name, text)
    if settings:
        w.on_reset()
    if show:
        w.show()
        qtbot.waitExposed(w)
    return w


def close_window(w) -> None:
    """Close a window (and so its engine) unless pytest-qt has already done so."""
    if shiboken6.isValid(w):
        w.close()


def wait_built(qtbot, w) -> None:
    """Until the engine has built the window's current model (it reports its device)."""
    qtbot.waitUntil(lambda: w.session.device != "", timeout=TIMEOUT_MS)


def wait_for_step(qtbot, w, at_least: int) -> None:
    qtbot.waitUntil(lambda: w.session.history is not None and w.session.history["step"] >= at_least,
                    timeout=TIMEOUT_MS)


def record_events(w) -> list[tuple[str, str]]:
    """Every (kind, message) event the engine sends from now on."""
    events: list[tuple[str, str]] = []
    w.session.event.connect(lambda kind, message: events.append((kind, message)))
    return events


def wait_engine_paused(qtbot, w, events: list) -> None:
    """Until the engine itself says it paused (the window's own state changes at the click)."""
    qtbot.waitUntil(lambda: any(kind == "paused" for kind, _ in events) and w.session.state == "paused",
                    timeout=TIMEOUT_MS)


def engine_running(w) -> bool:
    """The engine's process (or thread) is alive."""
    link = w.session.link
    if link is None:
        return False
    if link.placement == "process":
        return link.process.poll() is None
    return link.thread.isRunning()


def live_trainer(w):
    """The engine's own trainer: only in thread placement, where it lives in this process."""
    assert w.session.placement == "thread", "the live trainer is only reachable in thread placement"
    return w.session.link.engine.trainer


def pause_and_settle(qtbot, w) -> None:
    """Press Pause; wait until the engine paused and the window holds the views of the step it
    paused at (the last snapshot on its way has arrived)."""
    events = record_events(w)
    press(qtbot, w, "pause")
    wait_engine_paused(qtbot, w, events)
    qtbot.waitUntil(lambda: w.session.snapshot is not None and w.session.snapshot["step"] == w.session.step
                    and w.session.snapshot.is_full, timeout=TIMEOUT_MS)


def wait_drawn(qtbot, w) -> None:
    """Until the window's own timer has drawn every visible panel from the session's current data."""
    s = w.session

    def current(p) -> bool:
        return p._drawn_versions == tuple(p._version_of(s, name) for name in p.uses)

    qtbot.waitUntil(lambda: all(current(p) for p in w.panels.all() if p.isVisible()), timeout=TIMEOUT_MS)


def patch_engine_processes(monkeypatch, folder, code: str) -> None:
    """Run `code` first thing in every engine process started from now on (as sitecustomize, on
    its PYTHONPATH): the way to change the engine's code where a monkeypatch cannot reach it.
    The test's own process has long started, so it is not affected."""
    import os
    from pathlib import Path

    site = Path(folder) / "engine-site"
    site.mkdir(parents=True, exist_ok=True)
    (site / "sitecustomize.py").write_text(code)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(p for p in (str(site), os.environ.get("PYTHONPATH")) if p))
