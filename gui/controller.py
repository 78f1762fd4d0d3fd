"""The session: one model, its trainer and its worker thread, driven by the window's buttons.

It lives in the GUI thread. Incoming data from the worker is only stored here
(with a version number); the window's timer decides when to draw it.
"""

from __future__ import annotations

import os
import time

import torch
from PySide6.QtCore import QObject, Signal

from core.build import build_model
from core.checkpoint import load_run, save_run, trainer_from_run
from core.config import RunConfig
from core.latent import LatentDecoder
from core.trainer import Trainer
from gui.worker import start_worker

# Each crossing makes the GUI thread redraw, and a redraw holds the GIL that the training
# thread needs between its torch ops; a snapshot costs the training thread itself. So metrics
# cross at 1 Hz, and snapshots at most at 4 Hz and within 2% of the training thread's time
# (a costly snapshot is taken less often). The environment variables let a faster machine ask for more.
TRAINER_RATES = {
    "flush_interval": float(os.environ.get("GENVIZ_FLUSH_S", 1.0)),  # metrics to the GUI
    "snapshot_interval": float(os.environ.get("GENVIZ_SNAPSHOT_S", 0.25)),  # visual state to the GUI
    "snapshot_budget": float(os.environ.get("GENVIZ_SNAPSHOT_BUDGET", 0.02)),
}
STOP_TIMEOUT_MS = 2000


def gui_torch_threads() -> int:
    """Leave one core to the GUI thread: on a busy machine a second OpenMP thread spins and
    stalls every op, which costs far more than it gives for these small models."""
    return max(1, (os.cpu_count() or 2) - 1)


class Session(QObject):
    state_changed = Signal(str)  # "idle", "running", "paused", "stopped"
    event = Signal(str, str)  # kind, message, from the trainer (nan, error, saved, ...)
    model_changed = Signal()  # a new model was built or loaded

    def __init__(self, parent=None):
        super().__init__(parent)
        self.cfg: RunConfig | None = None
        self.model = None
        self.trainer: Trainer | None = None
        self.decoder: LatentDecoder | None = None
        self.run_dir: str | None = None
        self.thread = None
        self.worker = None
        self.history: dict | None = None
        self.snapshot: dict | None = None
        self.history_version = 0
        self.snapshot_version = 0
        self.state = "idle"
        self.max_steps: int | None = None
        self.last_event = ("", "")
        self._orphans: list = []
        torch.set_num_threads(gui_torch_threads())

    # -- building -----------------------------------------------------------------------
    def build(self, cfg: RunConfig) -> None:
        """Discard the current model (after stopping it) and build a fresh one from cfg."""
        self.stop()
        self._adopt(cfg, build_model(cfg), None)
        self.run_dir = None

    def _adopt(self, cfg, model, trainer) -> None:
        self.cfg, self.model = cfg, model
        self.trainer = trainer or Trainer(model, **TRAINER_RATES)
        decoder = model.decoder()
        self.decoder = LatentDecoder(decoder) if decoder is not None else None
        self.history = self.snapshot = None
        self.history_version += 1
        self.snapshot_version += 1
        self._set_state("stopped" if trainer else "idle")
        self.model_changed.emit()

    def load(self, run_dir: str) -> None:
        """Open a saved run; it starts paused so Step and Resume carry on from it."""
        self.stop()
        loaded = load_run(run_dir)
        trainer = trainer_from_run(loaded, **TRAINER_RATES)
        self._adopt(loaded.cfg, loaded.model, trainer)
        self.run_dir = str(run_dir)
        self.start(paused=True)

    # -- control ------------------------------------------------------------------------
    def start(self, max_steps: int | None = None, paused: bool = False) -> None:
        """Start (or continue) training in the worker thread."""
        if self.trainer is None:
            raise RuntimeError("no model: build or load one first")
        if self.thread is not None:
            self.resume()
            return
        self.max_steps = max_steps if max_steps is not None else self.cfg.train.steps
        self.trainer.rearm()
        if paused:
            self.trainer.pause()
        else:
            self.trainer.resume()
        self.thread, self.worker = start_worker(self.trainer, self.max_steps, self)
        self.worker.history_ready.connect(self._on_history)
        self.worker.snapshot_ready.connect(self._on_snapshot)
        self.worker.event.connect(self._on_event)
        thread = self.thread
        thread.finished.connect(lambda: self._on_thread_finished(thread))
        self.thread.start()
        self._set_state("paused" if paused else "running")

    def pause(self) -> None:
        if self.trainer and self.thread:
            self.trainer.pause()
            self._set_state("paused")

    def resume(self) -> None:
        if self.trainer and self.thread:
            self.trainer.resume()
            self._set_state("running")

    def toggle_pause(self) -> None:
        if self.state == "running":
            self.pause()
        elif self.state == "paused":
            self.resume()

    def step(self, n: int = 1) -> None:
        """One step: pauses first if running; starts a paused worker if there is none."""
        if self.trainer is None:
            return
        if self.thread is None:
            self.start(max_steps=max(self.trainer.step + n, self.cfg.train.steps), paused=True)
        elif self.state == "running":
            self.pause()
        self.trainer.step_once(n)

    def stop(self) -> bool:
        """Stop the worker and wait for it (at most 2 s). True if no thread is left running."""
        if self.thread is None:
            return True
        self.trainer.stop()
        thread = self.thread
        finished = thread.wait(STOP_TIMEOUT_MS)
        self._on_thread_finished(thread)
        return finished

    def apply_setting(self, section: str, name: str, value) -> None:
        """A live setting: applied by the training thread between two steps."""
        if self.trainer is None:
            return
        if section == "train" and name == "steps":
            self.cfg.train.steps = int(value)
            self.max_steps = self.cfg.train.steps
            self.trainer.max_steps = self.max_steps  # the loop reads it before every step
            return
        if self.thread is None:
            self.model.apply_setting(name, value)
        else:
            self.trainer.submit(lambda t: t.model.apply_setting(name, value))

    def save(self, run_dir: str) -> None:
        """Save between two steps in the training thread, or here when no thread runs."""
        if self.trainer is None:
            raise RuntimeError("nothing to save: no model yet")
        self.run_dir = str(run_dir)
        if self.thread is None:
            save_run(run_dir, self.trainer)
            self._on_event("saved", f"saved step {self.trainer.step} to {run_dir}")
            return

        def do_save(trainer):
            try:
                save_run(run_dir, trainer)
            except OSError as exc:
                trainer.callbacks.on_event(trainer, "error", f"could not save to {run_dir}: {exc}")
                return
            trainer.callbacks.on_event(trainer, "saved", f"saved step {trainer.step} to {run_dir}")

        self.trainer.submit(do_save)

    # -- from the worker (queued to this thread) -----------------------------------------
    def _on_history(self, data: dict) -> None:
        self.history = data
        self.history_version += 1

    def _on_snapshot(self, snap: dict) -> None:
        self.snapshot = snap
        self.snapshot_version += 1
        if self.decoder is not None and "decoder_state" in snap:
            self.decoder.load(snap["decoder_state"])

    def _on_event(self, kind: str, message: str) -> None:
        self.last_event = (kind, message)
        if kind in ("nan", "error"):
            self._set_state("paused" if self.thread is not None else "stopped")
        elif kind == "paused" and self.thread is not None:
            self._set_state("paused")
        elif kind == "resumed" and self.thread is not None:
            self._set_state("running")
        self.event.emit(kind, message)

    def _on_thread_finished(self, thread) -> None:
        """Forget a finished thread; a late signal from an older thread changes nothing."""
        if thread is not self.thread:
            return
        worker, self.thread, self.worker = self.worker, None, None
        if thread.wait(STOP_TIMEOUT_MS):
            thread.deleteLater()
        else:  # still inside one long step: keep both alive until it ends on its own
            self._orphans.append((thread, worker))
            thread.finished.connect(thread.deleteLater)
        self._set_state("stopped")

    def _set_state(self, state: str) -> None:
        if state != self.state:
            self.state = state
            self.state_changed.emit(state)

    @property
    def elapsed(self) -> float:
        return self.trainer.train_seconds if self.trainer else 0.0


def wait_until(predicate, timeout_s: float) -> bool:
    """Run the Qt event loop until predicate() is true (for the screenshot and bench commands).

    A real event loop, checked by a 20 Hz timer: polling processEvents() in a tight loop
    would hold the GIL that the training thread needs."""
    from PySide6.QtCore import QEventLoop, QTimer

    if predicate():
        return True
    loop = QEventLoop()
    deadline = time.perf_counter() + timeout_s
    check = QTimer()
    check.setInterval(50)
    check.timeout.connect(lambda: loop.quit() if predicate() or time.perf_counter() > deadline else None)
    check.start()
    loop.exec()
    check.stop()
    return predicate()
