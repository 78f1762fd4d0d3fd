"""The engine: one model and its Trainer, driven only by messages (core.protocol.Message).

Commands in (kind "cmd", body["op"]): build, load, start, pause, resume, step, stop, set, save, sync,
shutdown. Streams out: "built" (a new model, with its whole metric history), "rows" (the raw
metric rows of one flush), "history" (the whole history again, after a NaN recovery), "weights"
(the model's state, from which the window computes its views on its own copy), "event" and "state".

The same Engine runs in a child process (core.engine_process, the window's default), or in the
window's own QThread (`--engine thread`). `serve()` is its one loop; it runs in the thread that
trains. `command()` may be called from any thread: pause, resume, step and stop act at once on the
trainer's flags, everything else is queued in order, so there is never a second training loop.

Every message carries the run id given by the window's build/load command; a command for another
run is dropped, and so the window drops streams of a run it has moved on from.

Remote windows (core.engine_server): "sync" {"client": id} makes the engine send that one client the
whole picture, "built" (history, weights) then "state", both with body["for"] = id, between two steps,
so every row flushed before it is inside that history and every later one reaches the client as rows;
then "timeline" (every recorded frame: body steps, interval, note; arrays "f{i}/{weight}"), whose later
frames reach the client as weights marked body["frame"] = True.
With a `save_root`, saves (and loads whose body the server marked "remote": a client's) must stay
inside it; a relative run_dir is taken relative to it.
"""

from __future__ import annotations

import os
import queue
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path

import numpy as np

from core.build import build_model
from core.checkpoint import load_run, save_run, trainer_from_run
from core.config import ConfigError, RunConfig
from core.models import data_kind
from core.models.base import numpy_copies
from core.protocol import Message, flatten_arrays
from core.timeline import recording_on, timeline_for
from core.trainer import Trainer, TrainerCallbacks

OPS = ("build", "load", "start", "pause", "resume", "step", "stop", "set", "save", "sync", "shutdown")
IMMEDIATE = ("pause", "resume", "step", "stop")  # flags on the running trainer, never queued behind a step


def engine_rates() -> dict:
    """How often the engine sends what. Metrics cross 10 times a second (they are small, and the
    history lines should trail the step counter by less than 0.5 s); weights at most 25 times a
    second and within 2% of the training thread's time (copying a state dict is the only cost the
    views put on training). Environment variables let a slow link or a fast machine change them."""
    return {
        "flush_interval": float(os.environ.get("GENVIZ_FLUSH_S", 0.1)),
        "snapshot_interval": float(os.environ.get("GENVIZ_WEIGHTS_S", 0.04)),
        "snapshot_budget": float(os.environ.get("GENVIZ_WEIGHTS_BUDGET", 0.02)),
    }


def weights_of(model) -> dict[str, np.ndarray]:
    """The model's whole state (every network and buffer) as NumPy copies, for the window's copy."""
    return {"weights": numpy_copies(model.state_dict())}


def history_arrays(history) -> dict[str, np.ndarray]:
    return {f"history/{k}": np.asarray(v) for k, v in history.state().items()}


class Engine(TrainerCallbacks):
    def __init__(self, emit: Callable[[Message], None], rates: dict | None = None, device: str | None = None,
                 save_root: Path | None = None):
        self.emit = emit  # must never block: the caller puts messages in an Outbox
        self.rates = rates or engine_rates()
        self.device = device  # overrides the configuration's train.device (e.g. a test on the CPU)
        # Set for an engine that windows on other machines steer: their saves and loads stay inside it.
        self.save_root = Path(save_root).resolve() if save_root is not None else None
        self.last_saved_dir: Path | None = None
        self.run_id = ""
        self.run_dir: str | None = None
        self.cfg: RunConfig | None = None
        self.trainer: Trainer | None = None
        self.max_steps: int | None = None
        self._queue: queue.SimpleQueue[Message] = queue.SimpleQueue()
        self._lock = threading.Lock()  # orders command() against the loop starting or ending a run
        self._training = False
        self._closing = False  # a shutdown came: no loop may start (or go on) after it
        self._accepted_run = ""  # the run of the latest build or load, even before the loop built it
        self._pending_start: dict | None = None  # a start not yet reached by the loop (see _pend)
        self._pending_syncs: list[str] = []  # clients waiting for a sync while no loop trains
        self._state = "idle"

    # -- from any thread --------------------------------------------------------------------
    def command(self, msg: Message) -> None:
        op = msg.body.get("op") if isinstance(msg.body, dict) else None
        if msg.kind != "cmd" or op not in OPS:
            self._event("error", f"unknown command {op!r} ({msg.kind}); allowed: {', '.join(OPS)}", run=msg.run)
            return
        if op == "load" and msg.body.get("remote") and self.save_root is not None:
            # Checked here, not in the loop: a refused load must not stop the run that trains now.
            path = confine(self.save_root, str(msg.body.get("run_dir", "")))
            if path is None:
                self._event("error", refused_text("load from", msg.body.get("run_dir"), self.save_root), run=msg.run)
                return
            msg = Message(msg.kind, msg.run, body={**msg.body, "run_dir": str(path)})
        with self._lock:
            if op == "shutdown":  # also a start the loop has taken but not yet begun must not train
                self._closing = True
            if op in ("build", "load"):
                self._accepted_run = msg.run  # commands that follow it are for the new run
            elif op not in ("shutdown", "sync") and msg.run != self._accepted_run:
                return  # meant for a run this engine has moved on from (a sync is for whatever runs now)
            t = self.trainer
            if op == "sync":
                client = str(msg.body.get("client", ""))
                if self._training and t is not None:  # between two steps, even while stopping (see _train)
                    t.submit(lambda _t, c=client: self._sync(c))
                else:  # the loop may be about to train: _train takes these over, else serve() runs them
                    self._pending_syncs.append(client)
                    self._queue.put(msg)
                return
            # A run that is stopping takes no more flags: a start (or a step) then waits for the
            # loop to end and begins a new one, so Stop then Train never makes two loops.
            stopping = t is not None and t.stopping and (op in IMMEDIATE or op == "start")
            if self._training and t is not None and not stopping:
                if op == "start":  # Train on a paused run carries on, perhaps to a new end
                    if msg.body.get("max_steps") is not None:
                        self.max_steps = t.max_steps = int(msg.body["max_steps"])
                    t.resume()
                elif op == "pause":
                    t.pause()
                elif op == "resume":
                    t.resume()
                elif op == "step":
                    t.step_once(int(msg.body.get("n", 1)))
                elif op == "stop":
                    t.stop()
                elif op == "set":
                    t.submit(lambda _t, b=msg.body: self._apply(b))
                elif op == "save":
                    t.submit(lambda _t, b=msg.body: self._save(b))
                else:  # build, load, shutdown: after this run ends, in order
                    t.stop()
                    self._queue.put(msg)
                return
            if op in IMMEDIATE or op == "start":
                self._pend(op, msg.body)
                return
            self._queue.put(msg)

    def _pend(self, op: str, body: dict) -> None:
        """Not training: a start waits in the queue, and pause, resume, step or stop sent before
        the loop reaches it change how it begins (or cancel it), in the order they were sent."""
        p = self._pending_start
        if op == "start" or (op == "step" and p is None):
            if p is None:
                self._pending_start = p = {"paused": False, "single": 0, "max_steps": None}
                self._queue.put(Message("cmd", self._accepted_run, body={"op": "start"}))
            if op == "step":
                p["paused"], p["single"] = True, p["single"] + int(body.get("n", 1))
            else:
                p["paused"] = bool(body.get("paused", False))
                p["max_steps"] = body.get("max_steps", p["max_steps"])
        elif p is not None:
            if op == "stop":
                self._pending_start = None
            elif op == "step":
                p["paused"], p["single"] = True, p["single"] + int(body.get("n", 1))
            else:
                p["paused"] = op == "pause"

    # -- the loop, in the training thread ------------------------------------------------
    def serve(self) -> None:
        """Handle queued commands until shutdown; a start trains here until stopped or done."""
        while True:
            msg = self._queue.get()
            op = msg.body["op"]
            if op == "shutdown":
                return
            try:
                if op == "build":
                    self._build(msg)
                elif op == "load":
                    self._load(msg)
                elif op == "start":
                    with self._lock:
                        start, self._pending_start = self._pending_start, None
                    if start is not None:  # None: a stop came first
                        self._train(start)
                elif op == "set":
                    self._apply(msg.body)
                elif op == "save":
                    self._save(msg.body)
                elif op == "sync":
                    with self._lock:
                        clients, self._pending_syncs = self._pending_syncs, []
                    for client in clients:  # none left if a loop started since and took them
                        self._sync(client)
            except ConfigError as exc:  # bad input from the window: say so, keep what we have
                self._event("error", str(exc))
            except Exception as exc:  # keep the engine up; the window shows the message
                traceback.print_exc()
                self._event("error", f"{op} failed: {type(exc).__name__}: {exc}")

    def _build(self, msg: Message) -> None:
        cfg = RunConfig.from_dict(msg.body["config"])
        if self.device:
            cfg = cfg.with_overrides({"train.device": self.device})
        model = build_model(cfg)
        self._adopt(msg.run, cfg, Trainer(model, callbacks=self, snapshot_source=weights_of, **self.rates), None)

    def _load(self, msg: Message) -> None:
        run_dir = str(msg.body["run_dir"])  # a client's: confined by command()
        loaded = load_run(run_dir, device=self.device, timeline=True)
        trainer = trainer_from_run(loaded, callbacks=self, snapshot_source=weights_of, **self.rates)
        self._adopt(msg.run, loaded.cfg, trainer, run_dir)
        if msg.body.get("start_paused", True):  # like a paused run: Step and Resume carry on from it
            self._train({"paused": True})

    def adopt(self, run_id: str, cfg: RunConfig, trainer: Trainer, run_dir: str | None) -> None:
        """Take a model built elsewhere (the engine command builds it first, so bad input exits
        at once). Only before serve() starts, or in its thread."""
        with self._lock:
            self._accepted_run = run_id
        self._adopt(run_id, cfg, trainer, run_dir)

    def _adopt(self, run_id: str, cfg: RunConfig, trainer: Trainer, run_dir: str | None) -> None:
        self.run_id, self.cfg, self.trainer, self.run_dir = run_id, cfg, trainer, run_dir
        self.max_steps = cfg.train.steps
        # The timeline records the weights this engine already copies for the window (on_snapshot):
        # the trainer makes no copies of its own for it.
        if not recording_on():  # bench's recording-off runs (core.timeline.RECORDING_ENV)
            trainer.timeline = None
        elif trainer.timeline is None:
            trainer.timeline = timeline_for(data_kind(cfg.data.dataset))
        trainer.copy_frames = False
        self.emit(self._built_message())
        if trainer.timeline is not None and trainer.timeline.note:  # a loaded run whose timeline could not be read
            self._event("status", trainer.timeline.note)  # the window shows it in its status bar
        self._set_state("stopped" if run_dir else "idle")

    def _built_message(self, **extra) -> Message:
        trainer = self.trainer
        return Message("built", self.run_id, body={
            "config": self.cfg.to_dict(), "step": trainer.step, "saved_step": trainer.saved_step,
            "train_seconds": trainer.train_seconds, "device": str(trainer.model.device), "run_dir": self.run_dir,
            "metric_names": list(trainer.model.metric_names), "max_steps": self.max_steps,
            # Why the run's recorded past starts at its loaded step ("" when it reaches back to step 0).
            "timeline_note": trainer.timeline.note if trainer.timeline is not None else "", **extra,
        }, arrays={**history_arrays(trainer.history), **flatten_arrays(weights_of(trainer.model))})

    def _sync(self, client: str) -> None:
        """Everything one newly attached client needs, for it alone. In the training thread, between
        steps (Trainer._run_tasks flushed first), so its history holds every row sent before it."""
        if self.trainer is not None:
            self.emit(self._built_message(**{"for": client}))
        self._set_state(self._state, **{"for": client})
        if self.trainer is not None and self.trainer.timeline is not None:
            self.emit(self._timeline_message(client))

    def _timeline_message(self, client: str) -> Message:
        """The whole recorded timeline, for one client that attached late: references to the frames'
        arrays, not copies (engine_server sends it in chunks, on a thread of its own)."""
        timeline = self.trainer.timeline
        frames = timeline.frames()
        return Message("timeline", self.run_id, body={
            "for": client, "steps": [f.step for f in frames], "interval": timeline.interval, "note": timeline.note,
        }, arrays=flatten_arrays({f"f{i}": f.weights for i, f in enumerate(frames)}))

    def _train(self, body: dict) -> None:
        t, single = self.trainer, int(body.get("single", 0))
        if t is None:
            self._event("error", "nothing to train: send build or load first")
            return
        if body.get("max_steps") is not None:
            self.max_steps = int(body["max_steps"])
        if t.step >= self.max_steps and not single:
            self._event("info", f"reached train.steps = {self.max_steps}; raise it to train on")
            return
        with self._lock:
            self._training = True
            for client in self._pending_syncs:  # from now on command() submits them: keep them in order
                t.submit(lambda _t, c=client: self._sync(c))
            self._pending_syncs = []
            t.rearm()
            if self._closing:  # the window went away as this run was starting: end it at once
                t.stop()
            if body.get("paused") or single:
                t.pause()
            else:
                t.resume()
            if single:
                t.step_once(single)
        self._set_state("paused" if t.paused else "running")
        first_step, started = t.step, time.perf_counter()
        try:
            t.run(max_steps=max(self.max_steps, t.step + single))
        finally:
            with self._lock:
                self._training = False
            # A task submitted after run()'s last look (a sync, a save, a setting) would be lost; from
            # here on command() queues them instead, so these are the last ones.
            t._run_tasks()
            # Wall time of the whole loop (flushes, weights and pauses included), for bench's ratios.
            self._set_state("stopped", run_steps=t.step - first_step, run_wall_s=time.perf_counter() - started)

    def _apply(self, body: dict) -> None:
        section, name, value = body["section"], body["name"], body["value"]
        if section == "train" and name == "steps":
            self.cfg.train.steps = self.max_steps = int(value)
            if self.trainer is not None:
                self.trainer.max_steps = self.max_steps  # the loop reads it before every step
        else:
            self.trainer.model.apply_setting(name, value)
        self._event("applied", f"{section}.{name} = {value}")

    def _save(self, body: dict) -> None:
        if self.trainer is None:
            self._event("error", "nothing to save: send build or load first")
            return
        confined = self._confined("save to", str(body["run_dir"]))
        if confined is None:
            return
        run_dir = Path(confined)
        try:
            save_run(run_dir, self.trainer)
        except OSError as exc:
            self._event("error", f"could not save to {run_dir}: {exc}")
            return
        self.last_saved_dir = run_dir
        self._event("saved", f"saved step {self.trainer.step} to {run_dir}", run_dir=str(run_dir))

    def _confined(self, what: str, run_dir: str) -> str | None:
        """With a save_root: run_dir resolved inside it (see confine), else None after an error
        event. Without one: run_dir as given."""
        if self.save_root is None:
            return run_dir
        path = confine(self.save_root, run_dir)
        if path is None:
            self._event("error", refused_text(what, run_dir, self.save_root))
            return None
        return str(path)

    @property
    def accepted_run(self) -> str:
        """The run that commands must name now (the latest build or load)."""
        with self._lock:
            return self._accepted_run

    # -- TrainerCallbacks, in the training thread ------------------------------------------
    def on_flush(self, trainer: Trainer) -> None:
        steps, values = trainer.flushed_rows
        self.emit(Message("rows", self.run_id, body=self._progress(trainer),
                          arrays={"steps": steps.astype(np.int64), "values": values.astype(np.float64)}))

    def on_snapshot(self, trainer: Trainer, snapshot: dict) -> None:
        frame = False
        if trainer.timeline is not None and "weights" in snapshot:  # a reference, kept only when a frame is due
            frame = trainer.timeline.record(trainer.step, snapshot["weights"])
        # "frame": these weights are a frame of the engine's timeline; an attached window records exactly
        # these, so its timeline stays the engine's (and an Outbox never drops them for newer weights).
        self.emit(Message("weights", self.run_id, body={"step": trainer.step, "frame": frame},
                          arrays=flatten_arrays(snapshot)))

    def on_event(self, trainer: Trainer, kind: str, message: str) -> None:
        if kind in ("nan", "error"):  # the trainer went back to its last good state: so does the window
            self.emit(Message("history", self.run_id, body=self._progress(trainer),
                              arrays=history_arrays(trainer.history)))
        self._event(kind, message)
        if kind == "paused" or (kind in ("nan", "error") and trainer.paused):
            self._set_state("paused")
        elif kind == "resumed":
            self._set_state("running")

    # -- out --------------------------------------------------------------------------------
    def _progress(self, trainer: Trainer) -> dict:
        # "time" (wall clock when sent) lets the window tell how far its history lines trail the engine.
        return {"step": trainer.step, "steps_per_sec": trainer.steps_per_sec, "time": time.time(),
                "train_seconds": trainer.train_seconds, "saved_step": trainer.saved_step}

    def _event(self, kind: str, message: str, run: str | None = None, **extra) -> None:
        t = self.trainer
        body = {"kind": kind, "message": message, "step": t.step if t else 0,
                "saved_step": t.saved_step if t else 0, **extra}
        self.emit(Message("event", self.run_id if run is None else run, body=body))

    def _set_state(self, state: str, **extra) -> None:
        self._state = state
        t = self.trainer
        body = {"state": state, "max_steps": self.max_steps, **extra}
        if t is not None:
            body.update(self._progress(t))
        self.emit(Message("state", self.run_id, body=body))


def confine(root: Path, run_dir: str | Path) -> Path | None:
    """run_dir (relative to root, or absolute) resolved with symlinks followed, if that is root or a
    folder inside it; else None. A link inside the root that points out of it is outside."""
    root = Path(root).resolve()
    path = (root / run_dir).resolve()  # an absolute run_dir replaces the root in the join
    return path if path == root or root in path.parents else None


def refused_text(what: str, run_dir, root: Path) -> str:
    return f"{what} {run_dir} refused: outside the engine's run folder {root}; allowed: a folder inside it"


def torch_threads_for_engine() -> int:
    """In its own process the engine may use every core but the one the window draws on."""
    return max(1, (os.cpu_count() or 2) - 1)

