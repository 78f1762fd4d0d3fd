"""Compare runs: other runs' metric curves over this run's history plots, and their main views beside it
at the same step (minimax against non-saturating, beta = 1 against 4, RealNVP with and without ActNorm).

A compared run is a run folder: a saved one, or one a headless `train` is still writing (it saves its
checkpoint, history and timeline now and then, each file replaced atomically). Its folder is looked at
every RELOAD_EVERY_S seconds and read again when its checkpoint changed, so its curves grow with it.

Its curves: the session's `compared` list (each run's name and history, in the shape of the session's
own history) is what gui.panels.history_plot overlays. Its main view: drawn from its timeline's frame
at the step this window shows (the run's present step, or the scrubber's), with gui.replay's approach:
a view-only copy of its model computes its own snapshot() from that frame's weights, and its real main
panel draws it. Only the one frame needed is read from its timeline file.
"""

from __future__ import annotations

import bisect
import json
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from core.config import ConfigError
from core.timeline import TIMELINE, Frame, TimelineError, read_frame_at
from gui.i18n import translate

RELOAD_EVERY_S = 2.0
VIEW_SIZE = 360  # px, the side of each compared run's main view


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


class ComparedRun:
    """One other run: its config, metric history and timeline's steps, read again when its files change."""

    def __init__(self, folder: str | Path, name: str):
        self.folder, self.name = Path(folder), name
        self.cfg = None
        self.metrics = None  # its MetricHistory
        self.history: dict | None = None  # {"steps", "values", "names"}, as the session's own history
        self.step = 0
        self.frame_steps: list[int] = []  # its timeline's recorded steps
        self.timeline_note = ""
        self._stamps: tuple | None = None  # of the files when last read
        self.reload()  # a folder that is no run fails here (CheckpointError, one line)

    def reload(self) -> bool:
        """Read the run again if its checkpoint or timeline changed; True if anything did. A run that
        cannot be read any more (being replaced, deleted) keeps what was read before."""
        # core.checkpoint loads torch: imported here, not with the window (which shows before torch loads)
        from core.checkpoint import CHECKPOINT, CheckpointError, read_history, read_metadata

        checkpoint, timeline = _stamp(self.folder / CHECKPOINT), _stamp(self.folder / TIMELINE)
        if (checkpoint, timeline) == self._stamps:
            return False
        try:
            cfg, state = read_metadata(self.folder)
            metrics = read_history(self.folder)
        except CheckpointError:
            if self.history is None:
                raise
            return False
        steps, values = metrics.arrays()
        self.cfg, self.metrics, self.step = cfg, metrics, int(state["step"])
        self.history = {"steps": steps, "values": values, "names": list(metrics.names)}
        self.frame_steps, self.timeline_note = self._read_frame_steps()
        self._stamps = (checkpoint, timeline)
        return True

    def _read_frame_steps(self) -> tuple[list[int], str]:
        from safetensors import safe_open

        path = self.folder / TIMELINE
        if not path.is_file():
            return [], translate("Compare", "no timeline: only its curves are compared")
        try:
            with safe_open(str(path), framework="numpy") as fh:
                return [int(s) for s in json.loads((fh.metadata() or {})["steps"])], ""
        except (OSError, ValueError, KeyError, TypeError) as exc:
            return [], translate("Compare", "its timeline could not be read ({})").format(type(exc).__name__)

    def recorded_step(self, step: int) -> int | None:
        """The step of its latest frame at or before `step`, None if none."""
        i = bisect.bisect_right(self.frame_steps, int(step)) - 1
        return self.frame_steps[i] if i >= 0 else None

    def frame_at(self, step: int) -> Frame | None:
        try:
            return read_frame_at(self.folder / TIMELINE, step)
        except TimelineError as exc:
            self.timeline_note = str(exc)
            return None


def run_name(folder: Path, taken: list[str]) -> str:
    """The folder's name; its parent's too if another compared run has that name."""
    name = folder.name or str(folder)
    return f"{folder.parent.name}/{name}" if name in taken else name


class CompareRuns(QObject):
    """The runs compared with the window's run. Publishes them as session.compared (the history plots
    overlay them) and bumps the session's history version so the plots redraw when one changes."""

    changed = Signal()

    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self.runs: list[ComparedRun] = []
        self.timer = QTimer(self)
        self.timer.setInterval(int(RELOAD_EVERY_S * 1000))
        self.timer.timeout.connect(self.poll)

    def add(self, folder: str | Path) -> ComparedRun:
        """Compare another run; ConfigError (CheckpointError: one line) for a folder that is no run."""
        folder = Path(folder).resolve()
        if any(run.folder == folder for run in self.runs):
            raise ConfigError(f"{str(folder)!r} is compared already")
        if self.session.run_dir and Path(self.session.run_dir).resolve() == folder:
            raise ConfigError(f"{str(folder)!r} is this window's own run")
        run = ComparedRun(folder, run_name(folder, [r.name for r in self.runs]))
        self.runs.append(run)
        self.timer.start()
        self._publish()
        return run

    def clear(self) -> None:
        self.runs.clear()
        self.timer.stop()
        self._publish()

    def poll(self) -> None:
        """Read again each run whose files changed (a run being written by a headless train)."""
        if any([run.reload() for run in self.runs]):  # a list: every run is looked at
            self._publish()

    def _publish(self) -> None:
        self.session.compared = list(self.runs)
        self.session.history_version += 1
        self.changed.emit()


class RunView(QWidget):
    """One compared run's main view, drawn from its timeline at a step."""

    def __init__(self, run: ComparedRun, parent=None):
        super().__init__(parent)
        from gui.replay import MAIN, Replay

        self.run = run
        self.replay = Replay(run.cfg, run.metrics, MAIN, embedded=True)
        self.label = QLabel(run.name)
        self.label.setObjectName("compare_label")
        self.label.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.label)
        layout.addWidget(self.replay.canvas, 1)
        self.setMinimumSize(VIEW_SIZE, VIEW_SIZE + 40)
        self.drawn_step: int | None = None  # the recorded step drawn, None before the first

    def show_step(self, step: int) -> None:
        """Draw the run's frame at or before `step`, unless it is drawn already."""
        run = self.run
        want = run.recorded_step(step)
        if want is None:
            self.label.setText(f"<b>{run.name}</b>: " + (run.timeline_note or translate(
                "Compare", "nothing recorded at or before step {:,}").format(step)))
            return
        if want != self.drawn_step:
            frame = run.frame_at(step)
            if frame is None:
                self.label.setText(f"<b>{run.name}</b>: {run.timeline_note}")
                return
            self.replay.history = run.metrics
            self.replay.draw(frame)
            self.drawn_step = frame.step
        self.label.setText(f"<b>{run.name}</b> " + translate("Compare", "at step {:,} (this run: {:,}; it has run {:,})")
                           .format(self.drawn_step, step, run.step))

    def close_replay(self) -> None:
        self.replay.close()


class CompareView(QWidget):
    """The compared runs' main views side by side, at the step the window shows."""

    def __init__(self, compare: CompareRuns, parent=None):
        super().__init__(parent)
        self.setObjectName("compare_view")
        self.compare = compare
        self.row = QHBoxLayout(self)
        self.row.setContentsMargins(2, 2, 2, 2)
        self.views: list[RunView] = []
        self.step: int | None = None
        compare.changed.connect(self.rebuild)

    def rebuild(self) -> None:
        """One view per compared run (kept while its run stays compared); drawn again as runs change."""
        keep = {id(v.run): v for v in self.views}
        views = []
        for run in self.compare.runs:
            views.append(keep.pop(id(run), None) or RunView(run, self))
        for view in keep.values():
            self.row.removeWidget(view)
            view.close_replay()
            view.deleteLater()
        for view in views:
            self.row.addWidget(view, 1, Qt.AlignTop)
        self.views = views
        if self.step is not None:
            self.show_step(self.step, force=True)

    def show_step(self, step: int, force: bool = False) -> None:
        if step == self.step and not force:
            return
        self.step = step
        for view in self.views:
            view.show_step(step)

    def close_views(self) -> None:
        for view in self.views:
            view.close_replay()
        self.views = []
