"""What the panels show of a model at one step, as the window's shadow model computed it.

A model's `snapshot()` returns named NumPy arrays. Some models can also compute just what their main
view draws, for much less (a flow's density map without the layer-by-layer states and the Jacobian
check). The shadow then refreshes those arrays at the display rate and everything else a few times a
second. So each array remembers which computation made it: a panel redraws, and a panel that keeps a
record collects, only when its own arrays are new.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

_serials = itertools.count(1)  # one counter for the whole process: serials of different runs never meet


def next_serial() -> int:
    return next(_serials)


class Snapshot(Mapping):
    """Named arrays of one model at `step`; `snap["step"]` is the step as well.

    `serial` numbers the computation that produced this snapshot, `full_serial` the last one that
    computed every array; `made_by[name]` is the computation each array comes from."""

    def __init__(self, step: int, arrays: Mapping[str, Any], serial: int | None = None,
                 made_by: Mapping[str, int] | None = None, full_serial: int | None = None):
        self.step = int(step)
        self.serial = next_serial() if serial is None else serial
        self.arrays = dict(arrays)
        self.arrays.pop("step", None)
        self.made_by = dict(made_by) if made_by is not None else dict.fromkeys(self.arrays, self.serial)
        self.full_serial = self.serial if full_serial is None else full_serial

    # -- a read-only mapping, as panels read it -------------------------------------------
    def __getitem__(self, name: str) -> Any:
        return self.step if name == "step" else self.arrays[name]

    def __iter__(self) -> Iterator[str]:
        return iter(["step", *self.arrays])

    def __len__(self) -> int:
        return len(self.arrays) + 1

    # -- what is new ----------------------------------------------------------------------
    @property
    def is_full(self) -> bool:
        """This computation made every array (not just the main view's)."""
        return self.serial == self.full_serial

    def serial_of(self, names: Iterable[str] = ()) -> int:
        """The newest computation among these arrays; with no names, the last full one."""
        serials = [self.made_by[n] for n in names if n in self.made_by]
        return max(serials) if serials else self.full_serial

    def fresh(self, names: Iterable[str] = ()) -> bool:
        """This computation made (one of) these arrays; with no names, it made all of them."""
        return self.serial_of(names) == self.serial

    def refreshed(self, step: int, arrays: Mapping[str, Any]) -> Snapshot:
        """A new snapshot: these arrays computed now at `step`, the others kept from this one."""
        serial = next_serial()
        arrays = {k: v for k, v in arrays.items() if k != "step"}
        made_by = {**self.made_by, **dict.fromkeys(arrays, serial)}
        return Snapshot(step, {**self.arrays, **arrays}, serial, made_by, self.full_serial)

    def __repr__(self) -> str:
        return f"Snapshot(step={self.step}, serial={self.serial}, full={self.is_full}, arrays={sorted(self.arrays)})"
