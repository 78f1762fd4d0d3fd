"""A message queue that never blocks its producer and stays bounded when its reader falls behind.

The training loop puts messages here and goes on; a reader (the engine's sender thread, or the
window) takes them when it can. If the reader falls behind, weights are superseded (only the
newest of a run is kept: the window only ever draws the latest state; with keep_frames, weights
that are a frame of the engine's timeline stay, for an attached window records them: at most one
per timeline interval), and metric rows of one run
are merged into one message: rows are never dropped. Everything else (events, states, a new
model) keeps its order.
"""

from __future__ import annotations

import threading
from collections import deque

import numpy as np

from core.protocol import Message


class Outbox:
    def __init__(self, on_first=None, keep_frames: bool = False):
        self.keep_frames = keep_frames  # weights with body["frame"] are never superseded
        self._items: deque[Message] = deque()
        self._cond = threading.Condition()
        self._closed = False
        self.on_first = on_first  # called (outside the lock) when a message lands in an empty box
        self.superseded = 0  # weights dropped because newer ones came first, for bench figures

    def put(self, msg: Message) -> None:
        with self._cond:
            if self._closed:
                return
            was_empty = not self._items
            if msg.kind == "weights":
                for old in [m for m in self._items if m.kind == "weights" and m.run == msg.run
                            and not (self.keep_frames and m.body.get("frame"))]:
                    self._items.remove(old)
                    self.superseded += 1
            elif msg.kind == "rows" and self._items and self._items[-1].kind == "rows" \
                    and self._items[-1].run == msg.run:
                last = self._items[-1]
                msg = Message("rows", msg.run, body=msg.body, arrays={
                    k: np.concatenate([last.arrays[k], msg.arrays[k]]) for k in ("steps", "values")})
                self._items.pop()
            self._items.append(msg)
            self._cond.notify_all()
        if was_empty and self.on_first is not None:
            self.on_first()

    def get(self, timeout: float | None = None) -> Message | None:
        """The oldest message, waiting up to timeout; None on timeout or when closed and empty."""
        with self._cond:
            if not self._items and not self._closed:
                self._cond.wait(timeout)
            return self._items.popleft() if self._items else None

    def take_all(self) -> list[Message]:
        with self._cond:
            items = list(self._items)
            self._items.clear()
            return items

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def __len__(self) -> int:
        with self._cond:
            return len(self._items)
