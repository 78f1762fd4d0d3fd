"""The window's Export menu: what to export and where (two small dialogs), and a film written a frame at
a time from a timer, with a progress dialog whose Cancel stops it and leaves no file.

The work itself is gui.export's, shared with the `export` command: write_picture, FilmWriter (drawn by
gui.replay from the run's timeline), write_metrics_csv.
"""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QFileDialog, QInputDialog, QProgressDialog

from core.config import ConfigError
from gui.export import FilmWriter
from gui.i18n import translate

FILTERS = {"png": QT_TRANSLATE_NOOP("ExportDialog", "PNG picture (*.png)"), "svg": QT_TRANSLATE_NOOP("ExportDialog", "SVG drawing (*.svg)"), "gif": QT_TRANSLATE_NOOP("ExportDialog", "Animated GIF (*.gif)"),
           "mp4": QT_TRANSLATE_NOOP("ExportDialog", "MP4 film (*.mp4)"), "csv": QT_TRANSLATE_NOOP("ExportDialog", "CSV table (*.csv)")}


def ask_target(parent, title: str, choices: dict[str, str]) -> str | None:
    """One of `choices` ({key: what the person reads}); None when they cancel."""
    labels = list(choices.values())
    label, ok = QInputDialog.getItem(parent, title, translate("ExportDialog", "Export:"), labels, 0, False)
    if not ok:
        return None
    return next(key for key, text in choices.items() if text == label)


def ask_path(parent, title: str, kinds: tuple[str, ...], proposed: Path) -> Path | None:
    """A file to write, its suffix one of `kinds` (added from the chosen filter if the name has none)."""
    filters = ";;".join(translate("ExportDialog", FILTERS[k]) for k in kinds)
    path, chosen = QFileDialog.getSaveFileName(parent, title, str(proposed.with_suffix(f".{kinds[0]}")), filters)
    if not path:
        return None
    path = Path(path)
    if path.suffix.lower()[1:] not in kinds:
        kind = next((k for k in kinds if translate("ExportDialog", FILTERS[k]) == chosen), kinds[0])
        path = path.with_name(path.name + f".{kind}")
    return path


class FilmJob(QObject):
    """Writes a film a frame per timer tick (each a few tens of ms), so the window stays live; a progress
    dialog shows how far it is, and its Cancel stops it between two frames and removes the temporary file.
    `done` says (written, message)."""

    done = Signal(bool, str)

    def __init__(self, writer: FilmWriter, parent):
        super().__init__(parent)
        self.writer = writer
        self.started = time.perf_counter()
        self.seconds = 0.0
        self.progress = QProgressDialog(translate("ExportDialog", "Writing {}…").format(writer.out.name), translate("ExportDialog", "Cancel"), 0, writer.total, parent)
        self.progress.setObjectName("export_progress")
        self.progress.setWindowTitle(translate("ExportDialog", "Export"))
        self.progress.setWindowModality(Qt.NonModal)  # training and the views go on meanwhile
        self.progress.setAutoClose(False)
        self.progress.setAutoReset(False)
        self.progress.setMinimumDuration(0)
        self.progress.canceled.connect(self.cancel)
        self.timer = QTimer(self)
        self.timer.setInterval(0)  # a frame, then whatever else waits, then the next frame
        self.timer.timeout.connect(self._next)
        self.running = False
        self.cancelled = False  # the person pressed Cancel (the window shows that quietly, not as an error)

    def start(self) -> None:
        self.running = True
        self.progress.setValue(0)
        self.progress.show()
        self.timer.start()

    def _next(self) -> None:
        try:
            last = self.writer.advance()
            self.progress.setValue(self.writer.done)
            if last:
                self.timer.stop()
                self.writer.finish()
        except ConfigError as exc:  # e.g. the disk filled up: the writer has removed its file
            self._end(False, str(exc))
            return
        if last:
            self.seconds = time.perf_counter() - self.started
            self._end(True, translate("ExportDialog", "Wrote {} ({} frames) in {:.1f} s").format(
                self.writer.out, self.writer.done, self.seconds))

    def cancel(self) -> None:
        if self.running:
            self.writer.cancel()
            self.cancelled = True
            self._end(False, translate("ExportDialog", "Export cancelled: {} was not written").format(self.writer.out.name))

    def _end(self, ok: bool, message: str) -> None:
        self.running = False
        self.timer.stop()
        self.progress.canceled.disconnect(self.cancel)
        self.progress.close()
        self.writer.replay.close()
        self.done.emit(ok, message)
