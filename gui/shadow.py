"""The shadow model: the window's own copy of the model, which computes what the panels show.

The engine streams weights, not views: copying a state dict costs the training loop well under a
millisecond, while the views (D's map over the plane, a flow's density, the VAE's latent scatter)
cost 5-25 ms each. So a thread of the window loads the newest weights into its copy of the model
and calls the model's own `snapshot()`, at up to 20 Hz. With the engine in another process this
takes none of training's time; with the engine in the window's process (`--engine thread`) it
shares the GIL with training, so it keeps to a small share of the time, as the trainer did.

The share is paced by `cost_clock`. With the engine elsewhere that is this thread's own CPU time: the
GUI thread shares the window's core, and a snapshot's wall time, which counts the time it waited for
that core, made the shadow pace itself below its share (VAE MNIST: 18 snapshots/s, not 25). In the
window's process it is wall time, which counts the GIL waits that are training's.
"""

from __future__ import annotations

import sys
import threading
import time
from collections import deque

import numpy as np
from PySide6.QtCore import QThread, Signal

from core.protocol import Message, unflatten_arrays
from core.snapshot import Snapshot
from gui.live_threads import LIVE_THREADS

MIN_INTERVAL_S = 0.04  # 25 Hz at most: steps land at their own times, so this keeps the views above 20 Hz
# A model whose main view can be computed alone (a flow's density map) gets a full snapshot at most
# this often and main-view refreshes in between: the other panels draw at most 7 times a second.
FULL_INTERVAL_S = 0.15


def views_of_frame(model, frame) -> Snapshot:
    """The model's own full views (snapshot()) at a recorded frame's weights, as the live ones are computed:
    the shadow's replay of a loaded run, the scrubbed window and export's replay all take them so."""
    import torch  # here, not at the top: the window shows itself before torch has loaded

    was_training = model.training
    model.load_state_dict({k: torch.from_numpy(np.asarray(v)) for k, v in frame.weights.items()})
    with torch.no_grad():
        model.eval()
        snap = Snapshot(frame.step, model.snapshot())
    model.train(was_training)
    return snap


class ShadowModel(QThread):
    ready = Signal()  # a new snapshot waits in take()
    past_ready = Signal()  # snapshots of recorded frames wait in take_past(), oldest first (see replay)

    def __init__(self, model, run_id: str, share: float, min_interval_s: float = MIN_INTERVAL_S,
                 full_interval_s: float = FULL_INTERVAL_S, cost_clock=time.thread_time, parent=None):
        super().__init__(parent)
        self.setObjectName("genviz-shadow")
        self.model, self.run_id = model, run_id
        self.share = share  # snapshots cost at most this share of wall time, counted by cost_clock
        self.cost_clock = cost_clock
        self.min_interval_s, self.full_interval_s = min_interval_s, full_interval_s
        self.main_keys = tuple(model.main_view_keys())
        self._cond = threading.Condition()
        self._weights: Message | None = None
        self._snapshot: Snapshot | None = None
        self._last: Snapshot | None = None  # the newest computed; quick refreshes build on it
        self._last_full_at = float("-inf")
        self._unfinished: Message | None = None  # weights whose views only the main view has so far
        self._past_frames: deque = deque()  # recorded frames (core.timeline.Frame) whose views are wanted
        self._past: list[Snapshot] = []  # their snapshots, computed and not yet taken
        self._prepared = False
        self._stop = False
        LIVE_THREADS.add(self)

    # -- any thread ---------------------------------------------------------------------
    def offer(self, msg: Message) -> None:
        """Newest weights of this run; older ones not yet used are simply replaced."""
        if msg.run != self.run_id:
            return
        with self._cond:
            self._weights = msg
            self._cond.notify_all()

    def replay(self, frames) -> None:
        """Compute the full views of these recorded frames, oldest first, before any weights offered
        after this call: a loaded run's panels that keep a record over time (the D histograms, sample
        quality) get its past, in step order, as if they had watched it live."""
        with self._cond:
            self._past_frames.extend(frames)
            self._cond.notify_all()

    def take_past(self) -> list[Snapshot]:
        with self._cond:
            past, self._past = self._past, []
            return past

    def take(self) -> Snapshot | None:
        with self._cond:
            snap, self._snapshot = self._snapshot, None
            return snap

    def stop(self, timeout_ms: int = 2000) -> bool:
        with self._cond:
            self._stop = True
            self._cond.notify_all()
        return self.wait(timeout_ms)

    # -- its own thread -----------------------------------------------------------------
    def run(self) -> None:
        next_at = 0.0
        while True:
            with self._cond:
                msg = self._wait_for_work(next_at)
            if msg is None:
                return
            if not isinstance(msg, Message):  # a recorded frame (replay): its views, not paced
                self._replay_one(msg)
                continue
            t0, c0 = time.perf_counter(), self.cost_clock()
            try:
                self._prepare()
                snap = self._snapshot_of(msg)
            except Exception as exc:  # a bad state must not end the views for good
                print(f"genviz: could not compute the views at step {msg.body.get('step')}: {exc}", file=sys.stderr)
                snap = None
            cost = self.cost_clock() - c0
            next_at = t0 + max(self.min_interval_s, cost / self.share)
            if snap is not None:
                with self._cond:
                    self._snapshot = snap
                    self.ready.emit()

    def _wait_for_work(self, next_at: float):
        """Under the lock: a recorded frame to replay (first, unpaced), or the weights to compute the views
        of next, or None to stop. The newest weights
        offered, not before `next_at` (the rate; newer weights may replace them meanwhile). With none
        offered, the weights of the last main-view refresh once a full snapshot is due: when a run
        pauses, every panel ends on the views of the step it paused at."""
        while not self._stop:
            now = time.perf_counter()
            if self._past_frames:
                return self._past_frames.popleft()
            if self._weights is not None:
                if now >= next_at:
                    msg, self._weights = self._weights, None
                    return msg
                self._cond.wait(next_at - now)
            elif self._unfinished is not None:
                due = max(next_at, self._last_full_at + self.full_interval_s)
                if now >= due:
                    msg, self._unfinished = self._unfinished, None
                    return msg
                self._cond.wait(due - now)
            else:
                self._cond.wait()
        return None

    def _prepare(self) -> None:
        if not self._prepared:  # e.g. the image GAN's digit classifier, from the cache the engine filled
            self.model.prepare(lambda message: None)
            self._prepared = True

    def _replay_one(self, frame) -> None:
        try:
            self._prepare()
            snap = views_of_frame(self.model, frame)
        except Exception as exc:  # a frame that does not fit this model: the record just lacks it
            print(f"genviz: could not compute the views of recorded step {frame.step}: {exc}", file=sys.stderr)
            return
        with self._cond:
            self._past.append(snap)
        self.past_ready.emit()

    def _snapshot_of(self, msg: Message) -> Snapshot:
        import torch  # here, not at the top: the window shows itself before torch has loaded

        weights = unflatten_arrays(msg.arrays)["weights"]
        model = self.model
        model.load_state_dict({k: torch.from_numpy(v) for k, v in weights.items()})
        step = int(msg.body.get("step", 0))
        now = time.perf_counter()
        full = not self.main_keys or self._last is None or now - self._last_full_at >= self.full_interval_s
        with torch.no_grad():
            model.eval()
            arrays = model.snapshot() if full else model.main_view_snapshot()
            model.train()
        with self._cond:
            self._unfinished = None if full else msg
        if full:
            self._last_full_at = now
            self._last = Snapshot(step, arrays)
        else:
            self._last = self._last.refreshed(step, arrays)
        return self._last
