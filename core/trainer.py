"""The one training loop for every model.

It runs in whatever thread calls `run()` (the GUI's QThread, or the main thread
for `train`), and is controlled from other threads through flags checked
between steps: pause, resume, single-step, stop, and `submit(fn)` to run a
function between steps (a learning-rate change, a save).

Why metrics are flushed in chunks: `training_step` returns 0-d tensors. Calling
`.item()` on each would sync the GPU every step, so they are stacked and copied
to the CPU once per flush, at a bounded rate. The same flush checks for NaN/inf.
"""

from __future__ import annotations

import copy
import queue
import threading
import time
from dataclasses import dataclass

import numpy as np
import torch

from core.history import MetricHistory
from core.models.base import numpy_copies


class TrainerCallbacks:
    """Hooks called from the training thread. The GUI's worker turns them into Qt signals."""

    def on_flush(self, trainer: Trainer) -> None:
        """New rows are in trainer.history."""

    def on_snapshot(self, trainer: Trainer, snapshot: dict) -> None:
        """A fresh model.snapshot() is ready."""

    def on_event(self, trainer: Trainer, kind: str, message: str) -> None:
        """kind: 'paused', 'resumed', 'nan', 'error', 'finished', 'saved', 'info', 'status'
        ('status': progress of one-time preparation, e.g. training a helper classifier)."""


@dataclass
class Progress:
    step: int
    steps_per_sec: float
    train_seconds: float
    running: bool


class Trainer:
    def __init__(self, model, history: MetricHistory | None = None, step: int = 0,
                 train_seconds: float = 0.0, callbacks: TrainerCallbacks | None = None,
                 flush_interval: float = 0.25, snapshot_interval: float | None = None,
                 snapshot_budget: float | None = None,
                 good_state_interval: float = 2.0, snapshot_source=None, timeline=None,
                 copy_frames: bool = True):
        self.model = model
        self.step = step
        self.history = history or MetricHistory(model.metric_names)
        self.callbacks = callbacks or TrainerCallbacks()
        self.flush_interval = flush_interval
        self.snapshot_interval = snapshot_interval  # None: no snapshots (headless)
        # At most this share of the training thread's time goes to snapshots: a costly snapshot
        # (a flow's density maps, a latent scatter of the test set) is then simply taken less often.
        self.snapshot_budget = snapshot_budget
        self._snapshot_seconds = 0.0  # what the latest snapshot cost
        # What a snapshot captures: by default the model's own view data; the engine asks for the
        # weights instead, and the window computes the views from them on its own copy of the model.
        self.snapshot_source = snapshot_source or (lambda model: model.snapshot())
        self.flushed_rows: tuple[np.ndarray, np.ndarray] | None = None  # the raw rows of the latest flush
        self.good_state_interval = good_state_interval
        # The run's timeline (core.timeline), saved with it. With copy_frames the trainer copies the
        # weights itself whenever a frame is due (headless `train`: a copy every `interval` steps, and
        # the interval grows with the run); the engine turns it off and records from the copies of the
        # weights it already makes for the window.
        self.timeline = timeline
        self.copy_frames = copy_frames
        self.train_seconds = train_seconds  # time spent stepping, pauses excluded
        self.steps_per_sec = 0.0

        self._pending: list[torch.Tensor] = []
        self._pending_first_step = step
        self._running = threading.Event()
        self._running.set()
        self._stop = threading.Event()
        self._single_steps = 0
        self._tasks: queue.SimpleQueue = queue.SimpleQueue()
        self._wake = threading.Condition()
        self._good_state = None
        self._last_good = -1e9
        self._rate_window = (time.perf_counter(), step, train_seconds)
        self.max_steps: int | None = None  # set by run(); may be raised while it runs
        self.saved_step = step  # the step of the last save_run (a loaded run is saved as it is)
        self._prepared = False  # model.prepare() runs once, before the first step

    # -- control, from any thread -------------------------------------------------------
    def pause(self) -> None:
        self._running.clear()
        self._notify()

    def resume(self) -> None:
        self._running.set()
        self._notify()

    def step_once(self, n: int = 1) -> None:
        """While paused, run exactly n more steps, then stay paused."""
        with self._wake:
            self._single_steps += n
            self._wake.notify_all()

    def stop(self) -> None:
        self._stop.set()
        self._notify()

    def rearm(self) -> None:
        """Forget an earlier stop(), before run() is called again. run() itself does not clear it:
        a stop() that comes before the new thread reaches run() must still count."""
        self._stop.clear()

    def submit(self, fn) -> None:
        """Run fn(trainer) in the training thread between two steps (also while paused)."""
        self._tasks.put(fn)
        self._notify()

    @property
    def stopping(self) -> bool:
        """stop() was called and run() has not been rearmed since."""
        return self._stop.is_set()

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    def progress(self) -> Progress:
        return Progress(self.step, self.steps_per_sec, self.train_seconds, self._running.is_set())

    def _notify(self):
        with self._wake:
            self._wake.notify_all()

    # -- the loop -----------------------------------------------------------------------
    def run(self, max_steps: int | None = None, progress_bar=None) -> None:
        """Train until stop(), or until `step` reaches max_steps (an absolute step count)."""
        model = self.model
        self.max_steps = max_steps
        if not self._prepared:
            self._prepare()
        model.train()
        last_flush = last_snap = time.perf_counter()
        was_paused = False
        self._capture_good_state()
        if self.snapshot_interval is not None:
            self._snapshot()
        self._record_frame()
        while not self._stop.is_set():
            self._run_tasks()
            if self.max_steps is not None and self.step >= self.max_steps:
                break
            if not self._running.is_set() and self._single_steps == 0:
                if not was_paused:
                    was_paused = True
                    self._flush()
                    self._snapshot()
                    self.callbacks.on_event(self, "paused", f"paused at step {self.step}")
                with self._wake:
                    self._wake.wait(0.05)
                continue
            if was_paused:
                was_paused = False
                self._rate_window = (time.perf_counter(), self.step, self.train_seconds)
                if self._running.is_set():
                    self.callbacks.on_event(self, "resumed", f"resumed at step {self.step}")
            t0 = time.perf_counter()
            try:
                metrics = model.training_step(self.step)
            except RuntimeError as exc:  # e.g. out of memory: keep the app and the work
                if "out of memory" not in str(exc).lower():
                    raise
                self._recover("error", f"out of memory at step {self.step}; restored step "
                              f"{{good}} and paused. Try a smaller batch size.")
                continue
            # One op per step: the model returns 0-d float tensors in metric_names order.
            self._pending.append(torch.stack([metrics[k] for k in model.metric_names]).detach())
            self.step += 1
            self._record_frame()  # counted as training time: headless, it is part of the run's cost
            now = time.perf_counter()
            self.train_seconds += now - t0
            if progress_bar is not None:
                progress_bar.update(1)
            single = self._single_steps > 0
            if single:
                with self._wake:
                    self._single_steps -= 1
            if now - last_flush >= self.flush_interval or (single and self._single_steps == 0):
                last_flush = now
                if not self._flush():
                    continue
            if self.snapshot_interval is not None and (
                now - last_snap >= self._snapshot_gap() or (single and self._single_steps == 0)
            ):
                last_snap = now
                self._snapshot()
        self._run_tasks()  # e.g. a save asked for just before stop()
        self._flush()
        if self.snapshot_interval is not None:
            self._snapshot()
        self.callbacks.on_event(self, "finished", f"stopped at step {self.step}")

    def _prepare(self) -> None:
        """model.prepare() with its progress as 'status' events. The global RNG is restored
        afterwards, so a run is the same whether or not its preparation had work to do."""
        state = torch.get_rng_state()
        cuda_state = torch.cuda.get_rng_state_all() if torch.cuda.is_available() else None
        try:
            self.model.prepare(lambda message: self.callbacks.on_event(self, "status", str(message)))
        finally:
            torch.set_rng_state(state)
            if cuda_state is not None:
                torch.cuda.set_rng_state_all(cuda_state)
        self._prepared = True

    def _run_tasks(self) -> None:
        while True:
            try:
                fn = self._tasks.get_nowait()
            except queue.Empty:
                return
            self._flush()
            fn(self)

    def _flush(self) -> bool:
        """Copy pending metrics to the history (one device sync). False if NaN/inf was found."""
        if not self._pending:
            return True
        values = torch.stack(self._pending).cpu().numpy().astype(np.float64)
        first = self._pending_first_step
        self._pending.clear()
        self._pending_first_step = self.step
        steps = np.arange(first, first + len(values))
        bad_rows = ~np.isfinite(values).all(1)
        if bad_rows.any():
            k = int(np.argmax(bad_rows))
            self.history.extend(steps[:k], values[:k])
            self.flushed_rows = (steps[:k], values[:k])
            bad = [n for n, v in zip(self.model.metric_names, values[k], strict=True) if not np.isfinite(v)]
            self._recover("nan", f"{', '.join(bad)} became NaN or infinite at step {int(steps[k])}; "
                          "restored step {good} and paused. Try a lower learning rate.")
            return False
        self.history.extend(steps, values)
        self.flushed_rows = (steps, values)
        now = time.perf_counter()
        t_then, s_then, sec_then = self._rate_window
        if self.train_seconds - sec_then > 0:
            self.steps_per_sec = (self.step - s_then) / (self.train_seconds - sec_then)
        if now - t_then > 2.0:
            self._rate_window = (now, self.step, self.train_seconds)
        if now - self._last_good >= self.good_state_interval:
            self._capture_good_state()
        self.callbacks.on_flush(self)
        return True

    def _record_frame(self) -> None:
        """A copy of the weights for the timeline, only when a frame is due at this step."""
        if self.copy_frames and self.timeline is not None and self.timeline.due(self.step):
            self.timeline.record(self.step, numpy_copies(self.model.state_dict()))

    def _snapshot_gap(self) -> float:
        if self.snapshot_budget:
            return max(self.snapshot_interval, self._snapshot_seconds / self.snapshot_budget)
        return self.snapshot_interval

    def _snapshot(self) -> None:
        # No flush here: metrics cross at their own rate, and each crossing costs the GUI a redraw.
        t0 = time.perf_counter()
        with torch.no_grad():
            self.model.eval()
            snap = self.snapshot_source(self.model)
            self.model.train()
        self.callbacks.on_snapshot(self, snap)
        self._snapshot_seconds = time.perf_counter() - t0

    # -- recovery from NaN / out of memory ------------------------------------------------
    def rng_state(self) -> dict[str, torch.Tensor]:
        state = {
            "data": self.model.data.generator.get_state(),
            "noise": self.model.noise.get_state(),
            "torch": torch.get_rng_state(),
        }
        if torch.cuda.is_available():
            state["cuda"] = torch.cuda.get_rng_state()
        if hasattr(self.model.data, "get_state"):  # e.g. an image set's position in its epoch
            state["data_cursor"] = self.model.data.get_state()
        return state

    def set_rng_state(self, state: dict[str, torch.Tensor]) -> None:
        self.model.data.generator.set_state(state["data"])
        self.model.noise.set_state(state["noise"])
        torch.set_rng_state(state["torch"])
        if "cuda" in state and torch.cuda.is_available():
            torch.cuda.set_rng_state(state["cuda"])
        if "data_cursor" in state and hasattr(self.model.data, "set_state"):
            self.model.data.set_state(state["data_cursor"])

    def _capture_good_state(self) -> None:
        self._last_good = time.perf_counter()
        if not self.model.state_is_finite():
            return
        self._good_state = {
            "step": self.step,
            "model": {k: v.detach().clone() for k, v in self.model.state_dict().items()},
            "optim": {k: copy.deepcopy(o.state_dict()) for k, o in self.model.optimizers.items()},
            "rng": {k: v.clone() for k, v in self.rng_state().items()},
            "history": self.history.state(),
        }

    def _recover(self, kind: str, message: str) -> None:
        self._pending.clear()
        good = self._good_state
        if good is not None:
            self.model.load_state_dict(good["model"])
            for k, o in self.model.optimizers.items():
                o.load_state_dict(good["optim"][k])
            self.set_rng_state(good["rng"])
            self.step = good["step"]
            self.history = MetricHistory.from_state(self.model.metric_names, good["history"])
            for p in self.model.parameters():
                p.grad = None
        self._pending_first_step = self.step
        self._running.clear()
        with self._wake:
            self._single_steps = 0
        self.callbacks.on_event(self, kind, message.format(good=self.step))
