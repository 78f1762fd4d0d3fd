"""A run's timeline: the model's weights at regular step intervals, so any past step can be shown again.

Frames hold weights, not pictures. What a panel showed at step S is the model's own `snapshot()`
computed from the weights of step S, exactly as the window's shadow model computes the live views
from streamed weights (gui/shadow.py); so a replayed step equals the live one by construction, and a
frame is small (a 2-D model's state dict ~0.1-0.4 MB, an MNIST model's ~1-2.6 MB).

Bounded: frames are taken at most once per `interval` steps (the first weights offered in each bucket
of `interval` steps). When the timeline holds more than its frame or byte budget, the interval doubles
and only the first frame of each new bucket stays (thinning), so a run of any length keeps between
about half and all of its budget, spread over the whole run, and the first frame is always kept.

Who records: the engine offers the weights it already copies for the window (record() only keeps a
reference); a headless Trainer copies the weights itself, only when `due(step)`. core.checkpoint saves
the timeline as RUN_DIR/timeline.safetensors next to the checkpoint and loads it back.

File format: safetensors (never pickle). Tensor "f{i}/{name}" is weight `name` of frame i; the
metadata holds the format version, the frames' steps (JSON), the interval, the budgets and the note.
"""

from __future__ import annotations

import bisect
import json
import os
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from safetensors import SafetensorError
from safetensors.numpy import save_file

from core.atomic import atomic_write

TIMELINE = "timeline.safetensors"  # its name in a run folder
FORMAT = "genviz-timeline-1"
DEFAULT_MAX_FRAMES = 256
# Bytes of weights in memory and on disk, by the kind of data: the limits are 50 MB for a
# default 2-D run and 200 MB for a default MNIST run; a little is kept back for the file's header.
BYTE_BUDGET = {"plane": 48_000_000, "image": 192_000_000}
# GENVIZ_TIMELINE=off: the engine and the window record no timeline. Only for bench's figure of what
# recording costs (the same window run with it off and on); a person never needs it.
RECORDING_ENV = "GENVIZ_TIMELINE"


def recording_on() -> bool:
    return os.environ.get(RECORDING_ENV, "on") != "off"


class TimelineError(ValueError):
    """A file is not a readable timeline of this version (missing, truncated, other version)."""


@dataclass(frozen=True)
class Frame:
    step: int
    weights: dict[str, np.ndarray]  # the model's state dict as NumPy: read only, shared with others

    @property
    def nbytes(self) -> int:
        return sum(int(a.nbytes) for a in self.weights.values())


class Timeline:
    """Frames of one run in step order. record() from the training thread; the readers (frames,
    nearest, frame_at, save) from any thread: a lock orders them."""

    def __init__(self, max_frames: int = DEFAULT_MAX_FRAMES, max_bytes: int = BYTE_BUDGET["plane"],
                 interval: int = 1):
        if max_frames < 2:
            raise ValueError("max_frames must be at least 2")
        if interval < 1:
            raise ValueError("interval must be at least 1")
        self.max_frames, self.max_bytes, self.interval = int(max_frames), int(max_bytes), int(interval)
        self._frames: list[Frame] = []
        self._steps: list[int] = []  # the frames' steps, for bisect
        self._bytes = 0
        self._lock = threading.Lock()
        # Why this timeline starts later than its run, in one line (a run whose saved timeline could not
        # be read starts a new one at its step); "" when it covers the whole run.
        self.note = ""

    # -- recording ------------------------------------------------------------------------
    def due(self, step: int) -> bool:
        """Whether record(step, ...) would keep a frame: a caller that must copy the weights first
        asks this, so it copies only when a frame is due."""
        with self._lock:
            return self._due(int(step))

    def _due(self, step: int) -> bool:
        if not self._steps:
            return True
        last = self._steps[-1]
        # A step at or before the last frame means the run went back (a NaN recovery, a reload):
        # the frames after it are of a past that no longer happened, and record() replaces them.
        return step <= last or step // self.interval > last // self.interval

    def record(self, step: int, weights: dict[str, np.ndarray], force: bool = False) -> bool:
        """Keep `weights` as the frame of `step` if one is due (or `force`: e.g. the last step before a
        save, so the timeline reaches the saved step). The arrays are kept, not copied: the caller hands
        over copies nobody changes afterwards. True if kept."""
        step = int(step)
        with self._lock:
            if not (force or self._due(step)):
                return False
            cut = bisect.bisect_left(self._steps, step)  # frames at or after `step` are replaced
            for frame in self._frames[cut:]:
                self._bytes -= frame.nbytes
            del self._frames[cut:], self._steps[cut:]
            frame = Frame(step, dict(weights))
            self._frames.append(frame)
            self._steps.append(step)
            self._bytes += frame.nbytes
            if len(self._frames) > self._frame_limit():
                self._thin()
            return True

    def _frame_limit(self) -> int:
        """The frame budget: max_frames, or fewer when frames are large (at least 2)."""
        if not self._frames:
            return self.max_frames
        per_frame = max(1, self._bytes // len(self._frames))
        return max(2, min(self.max_frames, self.max_bytes // per_frame))

    def _thin(self) -> None:
        """Double the interval until at most half the budget (plus one) is left, keeping the first frame
        of each bucket. Frames offered at wall-clock times may lie many buckets apart, so one doubling
        need not drop any: it doubles again until enough go."""
        target = self._frame_limit() // 2 + 1
        while True:
            self.interval *= 2
            kept, last_bucket = [], None
            for frame in self._frames:
                bucket = frame.step // self.interval
                if bucket != last_bucket:
                    kept.append(frame)
                    last_bucket = bucket
            if len(kept) <= target:
                break
        self._frames = kept
        self._steps = [f.step for f in kept]
        self._bytes = sum(f.nbytes for f in kept)

    def take_past(self, frames: list[Frame], interval: int, upto: int) -> None:
        """Take `frames` (recorded elsewhere: a remote engine's timeline, sent to a window that attached
        late) as this timeline's past: they replace every frame at or before step `upto` (the engine's
        newest frame when it sent them), and the frames recorded here after `upto` follow them. The
        interval becomes the larger of both, so later recording thins as the sender's does."""
        frames = sorted(frames, key=lambda f: f.step)
        with self._lock:
            cut = bisect.bisect_right(self._steps, int(upto))
            self._frames = [*(f for f in frames if f.step <= upto), *self._frames[cut:]]
            self._steps = [f.step for f in self._frames]
            self._bytes = sum(f.nbytes for f in self._frames)
            self.interval = max(self.interval, int(interval))
            if len(self._frames) > self._frame_limit():
                self._thin()

    def truncate_after(self, step: int) -> None:
        """Drop frames after `step` (a timeline written after the checkpoint it goes with)."""
        with self._lock:
            cut = bisect.bisect_right(self._steps, int(step))
            del self._frames[cut:], self._steps[cut:]
            self._bytes = sum(f.nbytes for f in self._frames)

    # -- reading --------------------------------------------------------------------------
    def frames(self) -> list[Frame]:
        """Every frame, in step order (a copy of the list; the frames themselves are shared)."""
        with self._lock:
            return list(self._frames)

    def steps(self) -> list[int]:
        with self._lock:
            return list(self._steps)

    def __len__(self) -> int:
        with self._lock:
            return len(self._frames)

    @property
    def nbytes(self) -> int:
        """Bytes of weights held (the file adds a small header)."""
        with self._lock:
            return self._bytes

    def frame_at(self, step: int) -> Frame | None:
        """The latest frame at or before `step`: the weights the window was showing at that step.
        None before the first frame."""
        with self._lock:
            i = bisect.bisect_right(self._steps, int(step)) - 1
            return self._frames[i] if i >= 0 else None

    def nearest(self, step: int) -> Frame | None:
        """The frame closest to `step` (the earlier one on a tie); None if the timeline is empty."""
        with self._lock:
            if not self._frames:
                return None
            i = bisect.bisect_left(self._steps, int(step))
            options = [j for j in (i - 1, i) if 0 <= j < len(self._frames)]
            return self._frames[min(options, key=lambda j: (abs(self._steps[j] - step), j))]

    def between(self, first: int, last: int) -> list[Frame]:
        """The frames with first <= step <= last, in step order."""
        with self._lock:
            lo, hi = bisect.bisect_left(self._steps, int(first)), bisect.bisect_right(self._steps, int(last))
            return self._frames[lo:hi]

    # -- files ----------------------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        """Write atomically: a temporary file in the same folder, then one rename over `path`, so a
        reader (or a crash) sees the old timeline or the new one, never half of one."""
        path = Path(path)
        with self._lock:
            frames, interval = list(self._frames), self.interval
        # np.require, not np.ascontiguousarray: that makes a 0-d array (BatchNorm's counter) 1-d.
        tensors = {f"f{i}/{name}": np.require(a, requirements="C") for i, f in enumerate(frames)
                   for name, a in f.weights.items()}
        metadata = {"format": FORMAT, "steps": json.dumps([f.step for f in frames]), "interval": str(interval),
                    "max_frames": str(self.max_frames), "max_bytes": str(self.max_bytes), "note": self.note}
        atomic_write(path, lambda tmp: save_file(tensors, tmp, metadata=metadata))
        return path

    @classmethod
    def load(cls, path: str | Path) -> Timeline:
        """The timeline in `path`; TimelineError (one line: what is wrong) if it is missing,
        truncated, damaged or of another format version."""
        path = Path(path)
        with _opened(path) as (fh, meta, steps):
            tensors = {key: fh.get_tensor(key) for key in fh.keys()}
            timeline = cls(int(meta["max_frames"]), int(meta["max_bytes"]), int(meta["interval"]))
            timeline.note = meta.get("note", "")
        weights: list[dict[str, np.ndarray]] = [{} for _ in steps]
        for key, array in tensors.items():
            index, _, name = key.partition("/")
            try:
                weights[int(index[1:])][name] = array
            except (ValueError, IndexError):
                raise TimelineError(f"{str(path)!r} is damaged (a tensor named {key!r})") from None
        if steps != sorted(steps) or any(not w for w in weights):
            raise TimelineError(f"{str(path)!r} is damaged (its frames and steps disagree)")
        timeline._frames = [Frame(s, w) for s, w in zip(steps, weights, strict=True)]
        timeline._steps = steps
        timeline._bytes = sum(f.nbytes for f in timeline._frames)
        return timeline


def read_frame_at(path: str | Path, step: int) -> Frame | None:
    """The latest frame at or before `step` of a timeline file, reading only that frame's tensors (another
    run's view at one step needs one frame, not its whole timeline). None before its first frame;
    TimelineError (one line) if the file is missing, damaged or of another version."""
    path = Path(path)
    with _opened(path) as (fh, _, steps):
        i = bisect.bisect_right(steps, int(step)) - 1
        if i < 0:
            return None
        prefix = f"f{i}/"
        weights = {k[len(prefix):]: fh.get_tensor(k) for k in fh.keys() if k.startswith(prefix)}
    if not weights:
        raise TimelineError(f"{str(path)!r} is damaged (frame {i} holds no weights)")
    return Frame(steps[i], weights)


@contextmanager
def _opened(path: Path):
    """A timeline file open for reading, its format checked: (file, metadata, the frames' steps). Whatever
    fails while it is read (here or in the caller's block) is a TimelineError of one line: the file is
    missing, of another version, truncated or damaged."""
    from safetensors import safe_open

    if not path.is_file():
        raise TimelineError(f"no timeline at {str(path)!r}")
    try:
        with safe_open(str(path), framework="numpy") as fh:
            meta = fh.metadata() or {}
            if meta.get("format") != FORMAT:
                raise TimelineError(f"{str(path)!r} is a timeline of another version "
                                    f"({meta.get('format')!r}; this genviz reads {FORMAT!r})")
            yield fh, meta, [int(s) for s in json.loads(meta["steps"])]
    except TimelineError:
        raise
    except (SafetensorError, OSError, ValueError, KeyError, TypeError) as exc:
        raise TimelineError(f"{str(path)!r} is truncated or damaged ({type(exc).__name__}: {exc})") from None


def timeline_for(dataset_kind: str) -> Timeline:
    """An empty timeline with the byte budget of this kind of data ("plane" or "image")."""
    return Timeline(max_bytes=BYTE_BUDGET.get(dataset_kind, BYTE_BUDGET["image"]))
