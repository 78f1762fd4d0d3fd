"""The session: the window's side of one engine, driven by the window's buttons.

It lives in the GUI thread. It sends commands to the engine through an EngineLink and keeps what
the engine streams back: the metric history (rebuilt from every row, so it equals the engine's),
the step counter and the run state. Its shadow model turns the streamed weights into the panels'
snapshots. Nothing here draws: the window's timer decides when to draw what is stored.
"""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from core.config import RunConfig
from core.history import MetricHistory
from core.latent import LatentDecoder
from core.protocol import Message, unflatten_arrays
from core.snapshot import Snapshot
from core.timeline import Timeline
from gui.engine_link import EngineLink, open_link
from gui.model_builder import ModelBuilder, build_view_model
from gui.panels.base import rows_at
from gui.shadow import MIN_INTERVAL_S, ShadowModel, views_of_frame

PLACEMENTS = ("process", "thread", "attach")
# With the engine in the window's process, snapshots share the GIL with training: at most 2% of
# the time, as the trainer's own snapshots did. In another process they may use a third of the
# window's core, the rest being for drawing.
SHADOW_SHARE = {"thread": 0.02, "process": 0.35, "attach": 0.35}
# What a snapshot's cost is counted in (see gui.shadow): in the training process, wall time (GIL waits are
# training's); elsewhere, the shadow thread's own CPU time (waits for the window's core are not its cost).
SHADOW_COST_CLOCK = {"thread": time.perf_counter, "process": time.thread_time, "attach": time.thread_time}
SHADOW_MIN_INTERVAL_S = {"thread": float(os.environ.get("GENVIZ_SNAPSHOT_S", 0.25)), "process": MIN_INTERVAL_S, "attach": MIN_INTERVAL_S}


def history_until(history: dict, step: int) -> dict:
    """The window's history dict as it was when the run was at `step` (its rows then: gui.panels.base.rows_at),
    the newest of them as "last". So a past step shows the curves and figures the window showed live then."""
    keep = rows_at(history["steps"], step)
    steps, values = np.asarray(history["steps"])[keep], np.asarray(history["values"])[keep]
    last = values[-1].copy() if len(values) else np.full(len(history["names"]), np.nan)
    return {**history, "steps": steps, "values": values, "last": last, "step": int(step)}


def new_run_id() -> str:
    return uuid.uuid4().hex[:12]


class Session(QObject):
    state_changed = Signal(str)  # "idle", "running", "paused", "stopped", "dead"
    event = Signal(str, str)  # kind, message, from the engine (nan, error, saved, ...)
    model_changed = Signal()  # a new model was built or loaded
    snapshot_arrived = Signal()  # a new snapshot is in self.snapshot (panels collect from it)
    engine_died = Signal(str)  # one line
    view_changed = Signal()  # the window went back to a recorded step, or returned to live

    def __init__(self, parent=None, placement: str = "process", address: str | None = None,
                 key: bytes | None = None):
        super().__init__(parent)
        if placement not in PLACEMENTS:
            raise ValueError(f"unknown engine placement {placement!r}; allowed: {', '.join(PLACEMENTS)}")
        self.placement = placement
        self.address, self.key = address, key  # of a remote engine (placement "attach")
        self.link_state = ""  # attach: "connected", "reconnecting" or "unreachable"
        self.link: EngineLink | None = None
        self.shadow: ShadowModel | None = None
        self.cfg: RunConfig | None = None
        self.model = None  # the shadow model: the window's copy, on the CPU
        self.decoder: LatentDecoder | None = None
        self.run_id = ""
        self.run_dir: str | None = None
        self.history: dict | None = None
        self.snapshot: Snapshot | None = None  # what the panels show: the shadow's newest, or a past step's
        # Live data, even while the panels show a past step (`viewing`): panels that keep a record collect
        # from live_snapshot, and returning to live shows these.
        self.live_snapshot: Snapshot | None = None
        self.live_history: dict | None = None
        self.timeline: Timeline | None = None  # weights at regular steps, recorded from the stream (core.timeline)
        self.timeline_note = ""  # why past steps before some point cannot be shown, or ""
        self._engine_frames: list = []  # attached: the engine's timeline frames received so far (_on_timeline)
        self.viewing: int | None = None  # the recorded step the panels show; None: live
        self._past_model = None  # a copy of the model that computes a past step's views
        self.compared: list = []  # other runs whose curves the history plots overlay (gui.compare)
        self.history_version = 0
        self.snapshot_version = 0
        self.metrics: MetricHistory | None = None
        self.state = "idle"
        self.step = 0
        self.saved_step = 0
        self.steps_per_sec = 0.0
        self.train_seconds = 0.0
        self.max_steps: int | None = None
        self.device = ""
        self.last_event = ("", "")
        self.last_seq = 0
        self.last_run: dict | None = None  # steps and wall time of the engine's latest finished loop
        self.builder: ModelBuilder | None = None  # builds the window's copy of a model in the background
        self._build_generation = 0

    # -- the engine ---------------------------------------------------------------------
    def ensure_engine(self) -> EngineLink:
        """Start the engine (in the background: the window does not wait for it) if none runs."""
        if self.link is None or not self.link.alive:
            if self.link is not None:
                self.link.close()
            self.link = open_link(self.placement, self, self.address, self.key)
            self.link.ready.connect(self._drain)
            self.link.died.connect(self._on_died)
            # The link's thread is already running: a first message may have landed (and said `ready`)
            # before the connect above; the inbox says `ready` again only once it is empty, so take it.
            QTimer.singleShot(0, self, self._drain)
            self.last_seq = 0
            if self.shadow is not None:
                self.link.weights_sink = self._on_weights
        return self.link

    def _send(self, op: str, **body) -> None:
        self.ensure_engine().send(Message("cmd", self.run_id, body={"op": op, **body}))

    # -- building -----------------------------------------------------------------------
    def build(self, cfg: RunConfig, background: bool = False) -> None:
        """Discard the current model and build a fresh one from cfg. The window's copy is built
        first, so bad settings fail at once, with the current model untouched; then the engine
        builds its own. In the background (at launch, where the first build also imports torch),
        the window stays live meanwhile: `building` is true until model_changed, and a failure
        arrives as an "error" event."""
        self._build_generation += 1  # a build still running in the background is now stale
        self._finish_builder()  # (it is dropped when it ends; waiting keeps one builder at a time)
        if not background:
            self._adopt_built(cfg, build_view_model(cfg, self.placement), self._build_generation)
            return
        self.ensure_engine()  # the engine's process starts meanwhile
        self.builder = ModelBuilder(cfg, self._build_generation, self.placement, self)
        self.builder.built.connect(self._adopt_built)
        self.builder.failed.connect(self._on_build_failed)
        self.builder.start()

    @property
    def building(self) -> bool:
        """A model is being built in the background (Train then waits for it)."""
        return self.builder is not None

    def _adopt_built(self, cfg: RunConfig, model, generation: int) -> None:
        if generation != self._build_generation:
            return  # replaced by a later build
        self._finish_builder()
        self._adopt(cfg, model, None)
        self._send("build", config=cfg.to_dict())

    def _on_build_failed(self, message: str, generation: int) -> None:
        if generation == self._build_generation:
            self._finish_builder()
            self.event.emit("error", f"could not build the model: {message}")

    def _finish_builder(self) -> None:
        if self.builder is not None:
            self.builder.wait()
            self.builder = None

    def load(self, run_dir: str) -> None:
        """Open a saved run; it starts paused so Step and Resume carry on from it."""
        from core.checkpoint import read_metadata

        cfg, state = read_metadata(run_dir)  # a broken folder fails here, with the current model untouched
        model = build_view_model(cfg, self.placement)
        self._build_generation += 1  # a model still building in the background is not wanted now
        self._finish_builder()
        self._adopt(cfg, model, str(run_dir))
        self.step = self.saved_step = int(state["step"])
        self._send("load", run_dir=str(Path(run_dir).resolve()))

    def _adopt(self, cfg: RunConfig, model, run_dir: str | None, run_id: str | None = None) -> None:
        self.ensure_engine()
        if self.shadow is not None:
            self.shadow.stop()
        self.run_id = run_id or new_run_id()
        self.cfg, self.model, self.run_dir = cfg, model, run_dir
        self.timeline, self.timeline_note = self._timeline_of(cfg, run_dir)  # before weights of this run arrive
        decoder = model.decoder()
        self.decoder = LatentDecoder(decoder) if decoder is not None else None
        self.shadow = ShadowModel(model, self.run_id, SHADOW_SHARE[self.placement],
                                  SHADOW_MIN_INTERVAL_S[self.placement],
                                  cost_clock=SHADOW_COST_CLOCK[self.placement], parent=self)
        self.shadow.ready.connect(self._on_snapshot)
        self.shadow.start()
        self.link.weights_sink = self._on_weights
        self.metrics = MetricHistory(model.metric_names)
        self.history = self.snapshot = self.live_history = self.live_snapshot = None
        self.viewing, self._past_model = None, None
        self.history_version += 1
        self.snapshot_version += 1
        self.step = self.saved_step = 0
        self.steps_per_sec = self.train_seconds = 0.0
        self.max_steps = cfg.train.steps
        self.device = ""
        self._set_state("idle")
        self.model_changed.emit()

    # -- the timeline: past steps ------------------------------------------------------------
    def _timeline_of(self, cfg: RunConfig, run_dir: str | None) -> tuple[Timeline | None, str]:
        """A loaded run's saved timeline (it goes on recording from there), else a new one."""
        from core.checkpoint import load_timeline
        from core.models import data_kind
        from core.timeline import RECORDING_ENV, recording_on, timeline_for

        if not recording_on():  # bench's recording-off runs
            return None, f"no timeline is recorded ({RECORDING_ENV}=off)"
        if run_dir is not None and not self.remote:
            timeline, note = load_timeline(run_dir, 10**15)  # it ends at the checkpoint's step, saved with it
            if timeline is not None:
                return timeline, ""
            return timeline_for(data_kind(cfg.data.dataset)), note
        note = "" if not self.remote else "receiving the engine's timeline"
        return timeline_for(data_kind(cfg.data.dataset)), note

    def _on_weights(self, msg: Message) -> None:
        """Newest weights (from the link's thread): a timeline frame when one is due, and the live views.
        Attached: exactly the engine's frames (marked "frame"), so the timeline stays the engine's."""
        if msg.run != self.run_id:
            return
        timeline, step = self.timeline, int(msg.body.get("step", 0))
        if timeline is not None and (msg.body.get("frame") if self.remote else timeline.due(step)):
            timeline.record(step, unflatten_arrays(msg.arrays)["weights"], force=self.remote)
        shadow = self.shadow
        if shadow is not None:
            shadow.offer(msg)

    def view_step(self, step: int) -> int | None:
        """Show every panel as it was at the recorded step nearest `step` (training goes on meanwhile);
        the step shown, or None when nothing is recorded. Computed here, on the GUI thread, from that
        frame's weights with the model's own snapshot(), as the live views are."""
        frame = self.timeline.nearest(step) if self.timeline is not None else None
        if frame is None or self.model is None or self.live_history is None:
            return None
        if self._past_model is None:
            self._past_model = build_view_model(self.cfg, self.placement)
        self.snapshot = views_of_frame(self._past_model, frame)
        self.viewing = frame.step
        self.history = history_until(self.live_history, frame.step)
        self.history_version += 1
        self.snapshot_version += 1
        if self.decoder is not None and "decoder_state" in self.snapshot:
            self.decoder.load(self.snapshot["decoder_state"])  # the sliders decode with that step's decoder
        self.view_changed.emit()
        return frame.step

    def view_live(self) -> None:
        """Back to the present: the newest views and the whole history."""
        if self.viewing is None:
            return
        self.viewing = None
        self.snapshot, self.history = self.live_snapshot, self.live_history
        self.history_version += 1
        self.snapshot_version += 1
        snap = self.snapshot
        if self.decoder is not None and snap is not None and "decoder_state" in snap:
            self.decoder.load(snap["decoder_state"])
        self.view_changed.emit()

    # -- control ------------------------------------------------------------------------
    def start(self, max_steps: int | None = None, paused: bool = False) -> None:
        """Start (or continue) training."""
        if self.model is None:
            raise RuntimeError("no model: build or load one first")
        if max_steps is not None:
            self.max_steps = max_steps
        self._send("start", max_steps=max_steps, paused=paused)
        self._set_state("paused" if paused else "running")

    def pause(self) -> None:
        if self.state == "running":
            self._send("pause")
            self._set_state("paused")

    def resume(self) -> None:
        if self.state == "paused":
            self._send("resume")
            self._set_state("running")

    def toggle_pause(self) -> None:
        if self.state == "running":
            self.pause()
        elif self.state == "paused":
            self.resume()

    def step_once(self, n: int = 1) -> None:
        """n steps, then paused; pauses a running run first."""
        if self.model is None:
            return
        self._send("step", n=n)
        self._set_state("paused")

    def stop(self) -> None:
        """Ask the engine to stop; it answers with state 'stopped' (the window never waits)."""
        if self.is_training:
            self._send("stop")

    @property
    def is_training(self) -> bool:
        """A training loop exists (running or paused) in the engine."""
        return self.state in ("running", "paused")

    def apply_setting(self, section: str, name: str, value) -> None:
        """A live setting: the engine applies it between two steps; the window's copy at once."""
        if self.model is None:
            return
        if section == "train" and name == "steps":
            self.cfg.train.steps = self.max_steps = int(value)
        else:  # e.g. the GAN's loss, which the lesson panel and the views read
            self.model.apply_setting(name, value)
        self._send("set", section=section, name=name, value=value)

    def save(self, run_dir: str) -> None:
        """Save on the engine's side, between two steps; an event 'saved' (or 'error') follows."""
        if self.model is None:
            raise RuntimeError("nothing to save: no model yet")
        self.run_dir = str(run_dir)
        # A remote engine takes the folder as given: relative to its own run folder, on its own disk.
        self._send("save", run_dir=str(run_dir) if self.remote else str(Path(run_dir).resolve()))

    @property
    def remote(self) -> bool:
        return self.placement == "attach"

    def download(self, folder: str) -> None:
        """Copy the engine's latest saved run folder to `folder` here (attach); events say how it went."""
        self.download_to = Path(folder)
        self.download_to.mkdir(parents=True, exist_ok=True)
        self._send("download")

    def close(self) -> bool:
        """Shut the engine (after any pending save) and the shadow down; True if both ended in time.
        A remote engine is only detached from: it trains on."""
        ok = True
        self._build_generation += 1  # a model still building is not wanted any more
        self._finish_builder()
        if self.shadow is not None:
            ok = self.shadow.stop()
        if self.link is not None:
            ok = self.link.close() and ok
            self._drain()
        return ok

    def attach(self, address: str, key: bytes) -> None:
        """Leave the local engine (closing it) and watch and steer a remote one instead."""
        self.close()
        self.link = None
        self.placement, self.address, self.key = "attach", address, key
        self.ensure_engine()

    # -- from the engine (GUI thread) -----------------------------------------------------
    def _drain(self) -> None:
        if self.link is None:
            return
        for msg in self.link.take():
            if msg.kind == "link":  # attach: the connection itself (its messages number from 1 again)
                self._on_link(msg)
                continue
            if msg.seq and msg.seq <= self.last_seq:
                continue  # a duplicate or out-of-order message
            self.last_seq = max(self.last_seq, msg.seq)
            if msg.kind == "built" and self.remote and msg.run != self.run_id:
                self._adopt_remote(msg)  # the engine's run, whatever it is: the window follows it
            if msg.run != self.run_id and msg.kind not in ("hello", "file"):
                continue  # from a run the window has moved on from
            handler = getattr(self, f"_on_{msg.kind}", None)
            if handler is not None:
                handler(msg)

    def _on_link(self, msg: Message) -> None:
        self.link_state = msg.body["state"]
        if self.link_state == "connected":
            self.last_seq = 0
        self.event.emit("link", msg.body["message"])

    def _adopt_remote(self, msg: Message) -> None:
        cfg = RunConfig.from_dict(msg.body["config"])
        model = build_view_model(cfg, self.placement)
        self._adopt(cfg, model, msg.body.get("run_dir"), run_id=msg.run)

    def _on_file(self, msg: Message) -> None:
        """A piece of a downloaded run folder: written under download_to, never outside it."""
        target = getattr(self, "download_to", None)
        if target is None:
            return
        name = Path(str(msg.body["name"]))
        if name.is_absolute() or ".." in name.parts:
            self.event.emit("error", f"refused a downloaded file named {str(name)!r}")
            return
        path = target / name
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "r+b" if path.exists() and msg.body.get("offset", 0) else "wb") as fh:
            fh.seek(int(msg.body.get("offset", 0)))
            fh.write(msg.arrays["data"].tobytes())

    def _on_built(self, msg: Message) -> None:
        b = msg.body
        self.device = b["device"]
        self.step, self.saved_step, self.train_seconds = b["step"], b["saved_step"], b["train_seconds"]
        self.max_steps = b["max_steps"]
        self._replace_history(msg)
        if self.shadow is not None:
            self._on_weights(Message("weights", msg.run, body={"step": b["step"]},
                                     arrays={k: v for k, v in msg.arrays.items() if k.startswith("weights/")}))
        self.event.emit("built", f"on {self.device}")

    def _replace_history(self, msg: Message) -> None:
        state = unflatten_arrays(msg.arrays)["history"]
        self.metrics = MetricHistory.from_state(self.model.metric_names, state)
        self._publish_history(msg.body)

    def _on_history(self, msg: Message) -> None:
        self._replace_history(msg)

    def _on_timeline(self, msg: Message) -> None:
        """A chunk of an attached engine's timeline (core.engine_server): its frames become this
        timeline's past as they arrive, so the scrubber reaches back before the window attached."""
        from core.timeline import Frame

        b, arrays = msg.body, unflatten_arrays(msg.arrays)
        if b["index"] == 0:
            self._engine_frames = []
        self._engine_frames += [Frame(int(step), arrays[f"f{j}"]) for j, step in enumerate(b["steps"])]
        if self.timeline is not None:
            self.timeline.take_past(self._engine_frames, int(b["interval"]), int(b["upto"]))
        if b["index"] + 1 >= b["count"]:
            self.timeline_note, self._engine_frames = str(b.get("note", "")), []
        else:
            self.timeline_note = f"receiving the engine's timeline ({b['index'] + 1} of {b['count']} parts)"

    def _on_rows(self, msg: Message) -> None:
        steps, values = msg.arrays["steps"], msg.arrays["values"]
        self.metrics.extend(steps, values)
        self._publish_history(msg.body)

    def _publish_history(self, body: dict) -> None:
        self.step = int(body.get("step", self.step))
        self.steps_per_sec = float(body.get("steps_per_sec", self.steps_per_sec))
        self.train_seconds = float(body.get("train_seconds", self.train_seconds))
        self.saved_step = int(body.get("saved_step", self.saved_step))
        steps, values = self.metrics.arrays()
        self.live_history = {"steps": steps, "values": values, "names": self.metrics.names,
                             "last": self.metrics.last.copy(), "step": self.step,
                             "steps_per_sec": self.steps_per_sec, "train_seconds": self.train_seconds,
                             "sent_at": float(body.get("time", time.time()))}
        if self.viewing is None:
            self.history = self.live_history
            self.history_version += 1

    def _on_state(self, msg: Message) -> None:
        b = msg.body
        if "run_wall_s" in b:
            self.last_run = {"steps": int(b["run_steps"]), "wall_s": float(b["run_wall_s"])}
        self.step = int(b.get("step", self.step))
        self.saved_step = int(b.get("saved_step", self.saved_step))
        self.max_steps = b.get("max_steps", self.max_steps)
        self._set_state(b["state"])

    def _on_event(self, msg: Message) -> None:
        kind, message = msg.body["kind"], msg.body["message"]
        self.saved_step = int(msg.body.get("saved_step", self.saved_step))
        self.last_event = (kind, message)
        self.event.emit(kind, message)

    def _on_snapshot(self) -> None:
        snap = self.shadow.take() if self.shadow is not None else None
        if snap is None:
            return
        self.live_snapshot = snap
        if self.viewing is None:
            self.snapshot = snap
            self.snapshot_version += 1
            if self.decoder is not None and "decoder_state" in snap and snap.fresh(("decoder_state",)):
                self.decoder.load(snap["decoder_state"])
        self.snapshot_arrived.emit()

    def _on_died(self, line: str) -> None:
        self._drain()  # whatever arrived before it died
        self.last_event = ("died", line)
        self._set_state("dead")
        self.engine_died.emit(line)

    def _set_state(self, state: str) -> None:
        if state != self.state:
            self.state = state
            self.state_changed.emit(state)

    @property
    def elapsed(self) -> float:
        return self.train_seconds


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

