"""The training thread: runs core.trainer.Trainer and talks to the window only through signals.

Like superqt's thread_worker, the worker never touches a widget. The trainer's
callbacks run in this thread and emit small NumPy snapshots; Qt queues them to
slots on GUI-thread objects. Control (pause, step, stop) goes the other way
through the trainer's thread-safe flags.
"""

from __future__ import annotations

import traceback
import weakref

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot

from core.trainer import Trainer, TrainerCallbacks

# Every thread the GUI starts, so tests can assert none is left running.
LIVE_THREADS: weakref.WeakSet[QThread] = weakref.WeakSet()


class TrainingWorker(QObject, TrainerCallbacks):
    history_ready = Signal(object)  # dict: steps, values, names, step, steps_per_sec, train_seconds
    snapshot_ready = Signal(object)  # dict of NumPy arrays from model.snapshot()
    event = Signal(str, str)  # kind, message
    finished = Signal()

    def __init__(self, trainer: Trainer, max_steps: int | None):
        super().__init__()
        self.trainer = trainer
        self.max_steps = max_steps
        trainer.callbacks = self

    @Slot()
    def run(self) -> None:
        try:
            self.trainer.run(max_steps=self.max_steps)
        except Exception as exc:  # keep the app up; say what happened
            traceback.print_exc()
            self.event.emit("error", f"training failed at step {self.trainer.step}: {type(exc).__name__}: {exc}")
        finally:
            self.finished.emit()

    # TrainerCallbacks, called in the training thread --------------------------------------
    def on_flush(self, trainer: Trainer) -> None:
        steps, values = trainer.history.arrays()
        self.history_ready.emit({
            "steps": steps, "values": values, "names": trainer.history.names,
            "last": trainer.history.last.copy(), "step": trainer.step,
            "steps_per_sec": trainer.steps_per_sec, "train_seconds": trainer.train_seconds,
        })

    def on_snapshot(self, trainer: Trainer, snapshot: dict) -> None:
        snapshot["step"] = trainer.step
        self.snapshot_ready.emit(snapshot)

    def on_event(self, trainer: Trainer, kind: str, message: str) -> None:
        self.event.emit(kind, message)


def start_worker(trainer: Trainer, max_steps: int | None, parent: QObject) -> tuple[QThread, TrainingWorker]:
    thread = QThread(parent)
    thread.setObjectName("genviz-training")
    worker = TrainingWorker(trainer, max_steps)
    worker.moveToThread(thread)
    thread.started.connect(worker.run)
    # Direct: quit from the worker thread itself. A queued quit would wait for the GUI thread,
    # which may be blocked in thread.wait() - a deadlock.
    worker.finished.connect(thread.quit, Qt.DirectConnection)
    LIVE_THREADS.add(thread)
    return thread, worker
