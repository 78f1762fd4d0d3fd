"""Save, Save As, Open, closing and Train after Stop, as a person meets them (issue 10): a new run
gets a new folder under the runs folder, named after model, data set and time; a run that has a
folder saves in place; a stopped run that is not saved is not lost without asking; Train after Stop
says whether it carries on or starts again."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from core.checkpoint import load_run
from gui.main_window import runs_folder
from tests.gui.helpers import TIMEOUT_MS, close_window, open_window, press, wait_for_step

SMALL = {"gan.hidden": "32", "data.batch_size": "64"}  # a small network keeps the tests quick on two cores
NAME = re.compile(r"^gan-ring8-\d{8}-\d{6}$")


@pytest.fixture
def data_dir(tmp_path, monkeypatch) -> Path:
    """The user data folder, here a temporary one ($GENVIZ_DATA_DIR)."""
    folder = tmp_path / "data"
    monkeypatch.setenv("GENVIZ_DATA_DIR", str(folder))
    return folder


@pytest.fixture
def window(qtbot, placement, data_dir):
    w = open_window(qtbot, "gan", "ring8", settings=SMALL, placement=placement)
    yield w
    close_window(w)


def never(*args, **kwargs):
    raise AssertionError(f"no dialog was expected here: {args[1:2]}")


def train_then_stop(qtbot, w, steps: int = 20) -> int:
    press(qtbot, w, "train")
    wait_for_step(qtbot, w, steps)
    press(qtbot, w, "stop")
    qtbot.waitUntil(lambda: w.session.state == "stopped", timeout=TIMEOUT_MS)
    return w.session.step


def test_runs_folder_follows_the_data_folder(data_dir, monkeypatch):
    assert runs_folder() == data_dir / "runs"
    import platformdirs

    monkeypatch.delenv("GENVIZ_DATA_DIR")
    monkeypatch.setattr(platformdirs, "user_data_dir", lambda *a, **k: str(data_dir / "platform"))
    assert runs_folder() == data_dir / "platform" / "runs"


def test_save_makes_a_new_named_folder_then_saves_in_place(qtbot, window, data_dir, monkeypatch):
    w = window
    asked: list[str] = []

    def answer_with_the_proposal(parent, caption, start, *rest, **kwargs):
        asked.append(start)
        return start, ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(answer_with_the_proposal))
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(never))
    step = train_then_stop(qtbot, w)
    press(qtbot, w, "save")
    assert len(asked) == 1
    proposed = Path(asked[0])
    assert proposed.parent == data_dir / "runs" and NAME.match(proposed.name), proposed
    assert proposed.is_dir()  # made for the run: the person may type any new name
    qtbot.waitUntil(lambda: w.session.saved_step == step, timeout=TIMEOUT_MS)
    assert w.session.run_dir == str(proposed)
    assert load_run(proposed, device="cpu").step == step

    # More steps, then Ctrl+S: into the same folder, no dialog.
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(never))
    w.ask_continue_or_scratch = lambda n: "continue"
    step = train_then_stop(qtbot, w, step + 20)
    assert w.session.step > w.session.saved_step
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow, timeout=TIMEOUT_MS)
    qtbot.keyClick(w, Qt.Key_S, Qt.ControlModifier)
    qtbot.waitUntil(lambda: w.session.saved_step == step, timeout=TIMEOUT_MS)
    assert load_run(proposed, device="cpu").step == step
    assert [p.name for p in (data_dir / "runs").iterdir()] == [proposed.name]


def test_save_as_always_asks_for_a_new_folder(qtbot, window, data_dir, tmp_path, monkeypatch):
    w = window
    first, second = tmp_path / "first run", tmp_path / "elsewhere" / "second"
    answers = [str(first), str(second)]
    asked: list[str] = []

    def answer(parent, caption, start, *rest, **kwargs):
        asked.append(start)
        return answers.pop(0), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(answer))
    step = train_then_stop(qtbot, w)
    press(qtbot, w, "save")  # a typed new name (with a space) is made and used
    qtbot.waitUntil(lambda: w.session.saved_step == step, timeout=TIMEOUT_MS)
    assert load_run(first, device="cpu").step == step
    press(qtbot, w, "save_as")  # asks again, though the run has a folder
    assert len(asked) == 2 and Path(asked[1]).parent == data_dir / "runs"
    qtbot.waitUntil(lambda: w.last_message[1].startswith("saved step") and w.session.run_dir == str(second),
                    timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: (second / "checkpoint.safetensors").is_file(), timeout=TIMEOUT_MS)
    assert load_run(second, device="cpu").step == step
    assert w.actions_by_name["save_as"].shortcut().toString() == "Ctrl+Shift+S"


def test_save_refuses_a_folder_that_holds_other_files(qtbot, window, tmp_path, monkeypatch):
    w = window
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("mine")
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(busy), "")))
    train_then_stop(qtbot, w)
    press(qtbot, w, "save")
    assert w.last_message[0] == "error" and "other files" in w.last_message[1]
    assert w.session.run_dir is None and sorted(p.name for p in busy.iterdir()) == ["notes.txt"]


def test_open_starts_in_the_runs_folder(qtbot, window, data_dir, monkeypatch):
    w = window
    starts: list[str] = []
    monkeypatch.setattr(QFileDialog, "getExistingDirectory",
                        staticmethod(lambda parent, caption, start, *a, **k: starts.append(start) or ""))
    press(qtbot, w, "load")
    assert starts == [str(data_dir / "runs")]


@pytest.mark.parametrize("placement", ["thread"])
def test_closing_a_stopped_unsaved_run_asks(qtbot, placement, data_dir, monkeypatch):
    w = open_window(qtbot, "gan", "ring8", settings=SMALL, placement=placement)
    try:
        step = train_then_stop(qtbot, w)
        asked: list[int] = []
        w.ask_save_on_close = lambda: asked.append(w.session.step) or "cancel"
        w.close()
        assert asked == [step] and w.isVisible()  # Cancel keeps the window and its run
        assert w.session.state == "stopped" and w.session.step == step
        # Save: into a new folder (asked for), then the window closes.
        proposed: list[str] = []
        monkeypatch.setattr(QFileDialog, "getSaveFileName",
                            staticmethod(lambda parent, caption, start, *a, **k: proposed.append(start) or (start, "")))
        w.ask_save_on_close = lambda: asked.append(w.session.step) or "save"
        w.close()
        assert len(asked) == 2 and len(proposed) == 1 and not w.isVisible()
        assert load_run(proposed[0], device="cpu").step == step  # the engine saved before it shut down
    finally:
        w.ask_save_on_close = lambda: "discard"
        close_window(w)


def test_closing_a_saved_run_does_not_ask(qtbot, window, tmp_path):
    w = window
    step = train_then_stop(qtbot, w)
    w.save_to(str(tmp_path / "run"))
    qtbot.waitUntil(lambda: w.session.saved_step == step, timeout=TIMEOUT_MS)
    w.ask_save_on_close = lambda: pytest.fail("nothing unsaved: closing should not ask")
    w.close()
    assert not w.isVisible()


def test_train_after_stop_asks_continue_or_scratch(qtbot, window):
    w = window
    s = w.session
    step = train_then_stop(qtbot, w)
    run, first_step = s.run_id, s.history["steps"][0]
    asked: list[int] = []

    w.ask_continue_or_scratch = lambda n: asked.append(n) or "cancel"
    press(qtbot, w, "train")
    assert asked == [step] and s.state == "stopped" and s.step == step  # Cancel: nothing happens

    w.ask_continue_or_scratch = lambda n: asked.append(n) or "continue"
    press(qtbot, w, "train")
    qtbot.waitUntil(lambda: s.step > step + 10, timeout=TIMEOUT_MS)
    assert s.run_id == run and s.history["steps"][0] == first_step  # the same run, carried on
    press(qtbot, w, "stop")
    qtbot.waitUntil(lambda: s.state == "stopped", timeout=TIMEOUT_MS)
    step = s.step
    assert asked[-1] < step

    # From scratch: it asks before the unsaved steps go, then starts again from step 0.
    w.ask_continue_or_scratch = lambda n: asked.append(n) or "scratch"
    discards: list[tuple[str, int]] = []
    w.confirm_discard = lambda action, unsaved: discards.append((action, unsaved)) or False
    press(qtbot, w, "train")
    assert asked[-1] == step and discards == [("Train from scratch", step)]
    assert s.run_id == run and s.step == step  # said no to discarding: nothing lost
    w.confirm_discard = lambda action, unsaved: discards.append((action, unsaved)) or True
    built_at: list[int] = []  # the history's step as the engine's new model arrives (not after later rows)
    s.event.connect(lambda kind, _: built_at.append(s.history["step"]) if kind == "built" else None)
    press(qtbot, w, "train")
    assert s.run_id != run and s.step == 0
    qtbot.waitUntil(lambda: s.history is not None and s.history["step"] >= 5 and s.state == "running"
                    and len(built_at) > 0, timeout=TIMEOUT_MS)
    assert built_at == [0] and s.history["steps"][0] == 0  # the engine started again from step 0


def test_train_after_a_fresh_start_does_not_ask(qtbot, window):
    w = window
    w.ask_continue_or_scratch = lambda n: pytest.fail("a run that never stopped has nothing to continue")
    press(qtbot, w, "train")
    wait_for_step(qtbot, w, 5)
    press(qtbot, w, "pause")
    qtbot.waitUntil(lambda: w.session.state == "paused", timeout=TIMEOUT_MS)
    press(qtbot, w, "train")  # Train on a paused run resumes it
    assert w.session.state == "running"
